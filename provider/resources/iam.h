/* iam: the IAM calls every IAM resource makes (query protocol, one API
 * version): a call with string parameters, and a role's list calls. */
#ifndef AWSML_RESOURCES_IAM_H
#define AWSML_RESOURCES_IAM_H

#include <stdbool.h>

#include "aws/client.h"
#include "resource.h"
#include "resources/engine.h"
#include "util/err.h"
#include "util/strv.h"

#define IAM_API_VERSION "2010-05-08"

/* One IAM call with string parameters given as key, value pairs ending in
 * NULL; a NULL value skips its key. *out (may be NULL) gets the response;
 * *oc (may be NULL) whether a failed call may have taken effect. */
int iam_call_oc(res_ctx *ctx, const char *action, bool idempotent, aws_outcome *oc, xml_node **out,
                err *e, ...) __attribute__((sentinel));
#define iam_call(ctx, action, idempotent, out, e, ...)                                             \
    iam_call_oc(ctx, action, idempotent, NULL, out, e, __VA_ARGS__)

/* One IAM call of a request built by the caller (q). */
int iam_send(res_ctx *ctx, const char *action, struct query *q, bool idempotent, aws_outcome *oc,
             xml_node **out, err *e);

/* Every page of a role's list call (<Action>Result/<list>/member items):
 * field f1 of each item into a (f1 NULL: the member's own text), and f2 into
 * b when given. */
int iam_list(res_ctx *ctx, const char *action, const char *role, const char *list, const char *f1,
             const char *f2, strv *a, strv *b, err *e);

/* For each item of a role's list call (f1 of each member, NULL: its text)
 * that keep(arg, item) keeps (keep NULL: all), one call with RoleName = role
 * and param = item; NotFound from it (already gone) is success. */
int iam_each(res_ctx *ctx, const char *list_action, const char *role, const char *list,
             const char *f1, const char *call, const char *param,
             bool (*keep)(const void *arg, const char *item), const void *arg, err *e);

/* A role's tags (action "ListRoleTags", every page) into out, an object. */
int iam_list_tags(res_ctx *ctx, const char *action, const char *role, pv *out, err *e);

/* IAM for the engine's update calls and tag writes (engine.h): queries of
 * IAM_API_VERSION, each sent by iam_send as idempotent. */
extern const eng_api iam_api;

/* The characters of IAM names (charset_iam_name) in words, for messages. */
#define IAM_NAME_RULE "letters, digits and _+=,.@-"

/* An IAM path: starts and ends with '/', printable ASCII without spaces. */
bool iam_path_ok(const char *p);

/* The tags a create or update sends: tagsAll (defaultTags included) when
 * known, else tags; NULL when neither is an object. */
const pv *iam_tags_to_send(const pv *obj);
/* Adds tags (an object of strings, may be NULL) to q as Tags.member.N,
 * skipping the keys the provider ignores (engine_tags_request). -1 on
 * allocation failure. */
int iam_add_tags(const res_ctx *ctx, struct query *q, const pv *tags);
/* Makes a resource's tags want (from have): <tag_action> (e.g. TagPolicy)
 * for new and changed keys, <untag_action> for removed ones, each with
 * key_param=key_value (e.g. PolicyArn=<arn>). Ignored keys are left alone
 * (engine_write_tags in IAM's shape). */
int iam_update_tags(res_ctx *ctx, const char *tag_action, const char *untag_action,
                    const char *key_param, const char *key_value, const pv *want, const pv *have,
                    err *e);

#endif
