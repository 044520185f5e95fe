/* kms: the calls every KMS resource makes (JSON 1.1, target prefix
 * TrentService): one call with a cJSON body, every page of a list call, and
 * a string of a response by path. KMS's NotFoundException is ERR_NOT_FOUND. */
#ifndef AWSML_RESOURCES_KMS_H
#define AWSML_RESOURCES_KMS_H

#include <stdbool.h>

#include "aws/client.h"
#include "aws/pages.h"
#include "resource.h"
#include "util/err.h"

struct cJSON;

/* One KMS call ("CreateKey"). *resp (may be NULL) gets the parsed reply; *oc
 * (may be NULL) whether a failed call may have taken effect. */
int kms_call(res_ctx *ctx, aws_client *c, const char *op, const struct cJSON *body, bool idem,
             aws_outcome *oc, struct cJSON **resp, err *e);
/* Every page of a list call (NextMarker/Marker), each item of field list to each. */
int kms_list(res_ctx *ctx, aws_client *c, const char *op, const struct cJSON *body,
             const char *list, pages_json_item each, void *arg, err *e);
/* The item of list (every page of op, an empty request) whose field is value,
 * copied; NULL with ERR_NOT_FOUND ("<what> <value> does not exist") when none is. */
struct cJSON *kms_find(res_ctx *ctx, aws_client *c, const char *op, const char *list,
                       const char *field, const char *value, const char *what, err *e);
/* CreationDate of a KMS item (epoch seconds) as text in text (32 bytes), NULL when absent. */
const char *kms_created(const struct cJSON *item, char *text);
/* The string at path ("KeyMetadata/Arn") of o, NULL when absent or not a string. */
const char *kms_str(const struct cJSON *o, const char *path);
/* Whether given (a key ID or a key ARN) names the key whose ID is key_id. */
bool kms_same_key(const char *given, const char *key_id);
/* A request object {k1: v1, ...} of strings (NULL values skipped), NULL-terminated pairs;
 * NULL when memory ran out. */
struct cJSON *kms_req(const char *k1, ...) __attribute__((sentinel));

#endif
