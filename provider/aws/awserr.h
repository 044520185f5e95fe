/* awserr: one error record for every AWS failure (service, operation, HTTP
 * status, AWS error code, message, request id), read from query-protocol
 * XML (<ErrorResponse><Error><Code>/<Message>) or JSON 1.1 (__type / message,
 * or the x-amzn-ErrorType header), and turned into a message a user can act
 * on plus the gRPC code the engine reads. */
#ifndef AWSML_AWS_AWSERR_H
#define AWSML_AWS_AWSERR_H

#include <stdbool.h>
#include <stddef.h>

#include "util/err.h"

typedef struct aws_error {
    char service[32];
    char operation[64];
    long http_status;
    char code[128]; /* e.g. NoSuchEntity, ValidationException (no "prefix#") */
    char message[1024];
    char request_id[128];
    /* The error document could not be read because memory ran out: code and
     * message quote the body, and the record stands for an out-of-memory. */
    bool out_of_memory;
} aws_error;

/* Fill e from a query-protocol error body; a body that is not an AWS error
 * document still yields a record (code "HTTP<status>" and the start of the body
 * as message, control characters removed). */
void awserr_from_xml(aws_error *e, const char *service, const char *operation, long status,
                     const char *body, size_t len, const char *request_id);
/* The same for JSON 1.1 / JSON protocols; error_type_header may be NULL. */
void awserr_from_json(aws_error *e, const char *service, const char *operation, long status,
                      const char *body, size_t len, const char *error_type_header,
                      const char *request_id);

/* gRPC code for the record: 400-class validation -> INVALID_ARGUMENT, 403 /
 * AccessDenied / signature problems -> PERMISSION_DENIED or UNAUTHENTICATED,
 * NoSuchEntity / ResourceNotFound / 404 -> NOT_FOUND, EntityAlreadyExists ->
 * ALREADY_EXISTS, throttling and 5xx -> UNAVAILABLE, else UNKNOWN. */
int awserr_grpc_code(const aws_error *e);
/* "<service> <operation> failed: <code>: <message> (HTTP <status>, request id <id>)"
 * into out, with a hint for common codes (expired or invalid credentials,
 * access denied). */
void awserr_to_err(const aws_error *ae, err *out);

#endif
