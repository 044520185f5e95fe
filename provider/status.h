/* status: google.rpc.Status payloads for the grpc-status-details-bin trailer.
 *
 * The engine learns from ErrorResourceInitFailed that a resource exists even
 * though the call failed, and records its id and properties in state. */
#ifndef AWSML_STATUS_H
#define AWSML_STATUS_H

#include <stddef.h>
#include <stdint.h>

#include "props.h"

#define STATUS_INIT_FAILED_TYPE_URL "type.googleapis.com/pulumirpc.ErrorResourceInitFailed"

/* Packs Status{code, message, details=[Any(ErrorResourceInitFailed{id,
 * properties, reasons=[message], inputs})]} into *out (malloc'ed). */
int status_pack_init_failed(int code, const char *message, const char *id, const pv *properties,
                            const pv *inputs, uint8_t **out, size_t *outlen);

/* What status_unpack() found; for tests and for diagnosing peers. */
typedef struct status_info {
    int code;
    char *message;
    int has_init_failed;
    char *id;
    pv *properties;
    pv *inputs;
    size_t nreasons;
    char **reasons;
} status_info;

int status_unpack(const uint8_t *data, size_t len, status_info *out);
void status_info_free(status_info *s);

#endif
