/* pages: every page of an AWS list call, once for all resources.
 *
 *   pages_query  query protocol (IAM): <Action>Result/<list>/member items,
 *                IsTruncated + Marker
 *   pages_json   JSON 1.1 (SageMaker, KMS): a list field of the response,
 *                NextToken in the request and the response, or (KMS)
 *                NextMarker while Truncated is true, sent back as Marker
 *
 * Each item goes to a callback: 0 goes on, 1 stops early (found what it
 * wanted), -1 fails with e set. A call that never ends (a looping token) is
 * stopped after PAGES_MAX pages. */
#ifndef AWSML_AWS_PAGES_H
#define AWSML_AWS_PAGES_H

#include "aws/client.h"
#include "aws/xml.h"
#include "util/err.h"

#define PAGES_MAX 1000

struct cJSON;

typedef int (*pages_xml_item)(void *arg, const xml_node *member, err *e);
typedef int (*pages_json_item)(void *arg, const struct cJSON *item, err *e);

/* params: key, value pairs ending in NULL (a NULL value skips its key). */
int pages_query(aws_client *c, enum endpoints_service svc, const char *action, const char *version,
                const char *const *params, const char *list, aws_cancel cancel, pages_xml_item each,
                void *arg, err *e);

/* body: the request without NextToken (not changed); target "<Service>.<Op>". */
int pages_json(aws_client *c, enum endpoints_service svc, const char *target,
               const struct cJSON *body, const char *list, aws_cancel cancel, pages_json_item each,
               void *arg, err *e);

#endif
