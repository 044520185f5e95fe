/* iam_role_policy_attachment: aws:iam/rolePolicyAttachment:RolePolicyAttachment.
 *
 * One managed policy attached to one role. ID "<role>/<policyArn>" (role
 * names cannot hold '/', so the first '/' splits it); state from older
 * providers may carry "<role>-<26-char suffix>", whose role and ARN then come
 * from the recorded properties. Both inputs replace, delete-before-replace:
 * create-then-delete of the same pair would detach the new attachment.
 *
 * Pain point 1 (two attachments of one role+ARN; deleting either silently
 * detaches both): IAM keeps no owner per attachment, so a second owner cannot
 * be told apart from the first. Create therefore refuses when the policy is
 * already attached (by another RolePolicyAttachment, a Role's
 * managedPolicyArns, or out of band) and says so, instead of sharing an
 * attachment that either owner would later remove from under the other. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/pages.h"
#include "resources/common.h"
#include "resources/engine.h"
#include "resources/iam.h"
#include "resources/pending.h"
#include "util/buf.h"
#include "util/log.h"
#include "util/str.h"

#define RPA_ROLE_MAX 64
#define RPA_ARN_MAX 2048
#define RPA_TOKEN "iam/rolePolicyAttachment:RolePolicyAttachment"
/* Waits for IAM's ConcurrentModification to clear (each attempt backs off). */
#define RPA_RETRY_TOTAL_MS (120 * 1000L)

static const eng_prop rpa_props_table[] = {
    {.name = "role",
     .type = ET_STRING,
     .flags = EP_REQUIRED | EP_REPLACE | EP_RESOURCE_ID,
     .doc = "Name of the role to attach the policy to. Changing it replaces the attachment.",
     .valid = EV_STRING,
     .min = 1,
     .max = RPA_ROLE_MAX,
     .charset = charset_iam_name,
     .rule = "letters, digits and _+=,.@-",
     .aws = "RoleName"},
    {.name = "policyArn",
     .type = ET_STRING,
     .flags = EP_REQUIRED | EP_REPLACE,
     .doc = "ARN of the managed policy to attach. Changing it replaces the attachment.",
     .valid = EV_ARN,
     .service = "iam",
     .aws = "PolicyArn"},
};

static const eng_table rpa_table = {
    .doc = "Attaches a managed IAM policy to a role. ID: `<role>/<policyArn>`. Replacing deletes "
           "the old attachment first.",
    ENG_ROWS(rpa_props_table),
};

/* The role and policy ARN an ID names. "<role>/<arn>" splits at the first
 * '/'; the older "<role>-<suffix>" form takes both from props. */
static int rpa_parse_id(const char *id, const pv *props, char *role, size_t rolelen, char *arn,
                        size_t arnlen, err *e)
{
    int split = engine_id_split(id, '/', role, rolelen, arn, arnlen);
    if (split == -2)
        return err_set(e, ERR_INVALID_ARGUMENT, "RolePolicyAttachment ID '%.200s' is too long", id);
    if (split == 0) {
        if (!engine_arn_ok(arn, "iam"))
            return err_set(e, ERR_INVALID_ARGUMENT,
                           "RolePolicyAttachment ID '%.300s': the part after the first '/' must "
                           "be a policy ARN (expected <role-name>/<policy-arn>)",
                           id);
        return 0;
    }
    const char *pr = prop_str(props, "role");
    const char *pa = prop_str(props, "policyArn");
    if (id && pr && pa && *pr && *pa && str_has_prefix(id, pr) && id[strlen(pr)] == '-') {
        if (str_copy(role, rolelen, pr) >= rolelen || str_copy(arn, arnlen, pa) >= arnlen)
            return err_set(e, ERR_INVALID_ARGUMENT, "RolePolicyAttachment ID '%.200s' is too long",
                           id);
        return 0;
    }
    return err_set(e, ERR_INVALID_ARGUMENT,
                   "RolePolicyAttachment ID '%.300s' is not <role-name>/<policy-arn> (e.g. "
                   "my-role/arn:aws:iam::aws:policy/ReadOnlyAccess)",
                   id ? id : "");
}

typedef struct rpa_search {
    const char *arn;
    bool found;
} rpa_search;

/* Stops the listing at the member whose PolicyArn is the one looked for. */
static int rpa_match(void *arg, const xml_node *member, err *e)
{
    rpa_search *s = arg;
    const char *pa = xml_path_text(member, "PolicyArn");
    s->found = pa && strcmp(pa, s->arn) == 0;
    return s->found ? 1 : 0;
}

/* Whether arn is attached to role (ListAttachedRolePolicies, every page).
 * A missing role is "not attached" (*role_missing set). */
static int rpa_is_attached(res_ctx *ctx, aws_client *c, const char *role, const char *arn,
                           bool *attached, bool *role_missing, err *e)
{
    const char *const params[] = {"RoleName", role, NULL};
    rpa_search s = {arn, false};
    *attached = false;
    *role_missing = false;
    if (pages_query(c, ENDPOINTS_IAM, "ListAttachedRolePolicies", IAM_API_VERSION, params,
                    "AttachedPolicies", res_aws_cancel(ctx), rpa_match, &s, e) != 0) {
        if (e->code != ERR_NOT_FOUND)
            return -1;
        *role_missing = true;
        err_clear(e);
        return 0;
    }
    *attached = s.found;
    return 0;
}

static bool rpa_concurrent(const err *e)
{
    return e->code == ERR_ABORTED; /* ConcurrentModification */
}

/* One Attach/DetachRolePolicy, retried while IAM reports ConcurrentModification. */
static int rpa_call(res_ctx *ctx, const char *action, const char *role, const char *arn,
                    aws_outcome *oc, err *e)
{
    res_backoff b;
    res_backoff_init(&b, RPA_RETRY_TOTAL_MS);
    while (iam_call_oc(ctx, action, true, oc, NULL, e, "RoleName", role, "PolicyArn", arn, NULL) !=
           0)
        if (res_backoff_wait(ctx, &b, rpa_concurrent,
                             "waiting for IAM: a concurrent change to the role is in progress",
                             e) != 0)
            return -1;
    return 0;
}

static pv *rpa_props(const char *role, const char *arn)
{
    pv *o = pv_object();
    if (!o || prop_set_str(o, "role", role) != 0 || prop_set_str(o, "policyArn", arn) != 0) {
        pv_free(o);
        return NULL;
    }
    return o;
}

/* resumed_from: the start of an earlier create of this attachment that lost
 * its answer (pending.h), 0 for none. */
static int rpa_create_in(res_ctx *ctx, const pv *inputs, time_t resumed_from, char **id,
                         pv **outputs, err *e)
{
    pv *out = pv_copy(inputs);
    char *newid = NULL;
    if (!out)
        return err_set(e, ERR_RESOURCE_EXHAUSTED, "out of memory");
    if (ctx->preview) {
        *outputs = out;
        return 0;
    }
    const char *role = prop_str(inputs, "role");
    const char *arn = prop_str(inputs, "policyArn");
    aws_client *c = NULL;
    if (!role || !arn) {
        err_set(e, ERR_INVALID_ARGUMENT, "role and policyArn must be known strings to attach");
        goto fail;
    }
    buf b;
    buf_init(&b, RPA_ROLE_MAX + RPA_ARN_MAX + 2);
    if (buf_printf(&b, "%s/%s", role, arn) != 0) {
        buf_free(&b);
        err_set(e, ERR_RESOURCE_EXHAUSTED, "out of memory");
        goto fail;
    }
    newid = buf_take(&b, NULL);
    c = res_client(ctx, e);
    if (!c)
        goto fail;
    bool attached, missing;
    if (rpa_is_attached(ctx, c, role, arn, &attached, &missing, e) != 0)
        goto fail;
    if (attached && !resumed_from) {
        err_set(e, ERR_ALREADY_EXISTS,
                "policy %s is already attached to role %s, by another RolePolicyAttachment, the "
                "role's managedPolicyArns or outside Pulumi; two owners of one attachment would "
                "detach each other, so awsml refuses a second one (remove the other owner, or "
                "import the existing attachment with `pulumi import` using ID %s/%s)",
                arn, role, role, arn);
        goto fail;
    }
    aws_outcome oc = {0};
    if (attached) {
        log_user(LOG_WARNING, ctx->urn, false,
                 "policy %s is attached to role %s by an earlier create of this attachment "
                 "whose answer was lost (interrupted): it is taken as attached",
                 arn, role);
    } else if (rpa_call(ctx, "AttachRolePolicy", role, arn, &oc, e) != 0) {
        if (!oc.maybe_applied)
            goto fail;
        /* An attempt may have attached it, and it was not attached before this
         * call: look again, so an attachment that exists is never lost. */
        res_grace(ctx);
        err le = {0};
        if (rpa_is_attached(ctx, c, role, arn, &attached, &missing, &le) == 0 && !attached)
            err_set(&le, ERR_NOT_FOUND, "not attached");
        enum res_adopt a =
            res_adopt(ctx, "iam role policy attachment", "AttachRolePolicy", RPA_TOKEN, newid,
                      time(NULL), &le, RES_CREATED_DURING, NULL, e);
        if (a == RES_ADOPT_UNKNOWN) {
            *id = newid; /* recorded with the inputs; refresh settles it */
            *outputs = out;
            return -1;
        }
        if (a != RES_ADOPT_OURS)
            goto fail;
    }
    *id = newid;
    *outputs = out;
    return 0;
fail:
    free(newid);
    pv_free(out);
    return -1;
}

static int rpa_create(res_ctx *ctx, const pv *inputs, char **id, pv **outputs, err *e)
{
    const char *role = prop_str(inputs, "role"), *arn = prop_str(inputs, "policyArn");
    char want[PENDING_ID_MAX];
    int n = role && arn ? snprintf(want, sizeof(want), "%s/%s", role, arn) : -1;
    bool known = n > 0 && (size_t)n < sizeof(want);
    return pending_create(ctx, known ? want : NULL, rpa_create_in, inputs, id, outputs, e);
}

/* The attachment, when the role has the policy (ERR_NOT_FOUND: detached, or
 * the role deleted out of band). */
static int rpa_fetch(res_ctx *ctx, const char *id, const pv *known, bool import, pv **outputs,
                     err *e)
{
    char role[RPA_ROLE_MAX + 256], arn[RPA_ARN_MAX + 1];
    if (rpa_parse_id(id, known, role, sizeof(role), arn, sizeof(arn), e) != 0)
        return -1;
    aws_client *c = res_client(ctx, e);
    if (!c)
        return -1;
    bool attached, missing;
    if (rpa_is_attached(ctx, c, role, arn, &attached, &missing, e) != 0)
        return -1;
    if (!attached)
        return err_set(e, ERR_NOT_FOUND, "policy %s is not attached to role %s", arn, role);
    return (*outputs = rpa_props(role, arn)) ? 0 : res_oom(e);
}

static int rpa_read(res_ctx *ctx, const char *id, const pv *props, const pv *inputs, char **new_id,
                    pv **outputs, pv **new_inputs, err *e)
{
    return engine_read(&rpa_table, rpa_fetch, true, ctx, id, props, inputs, new_id, outputs,
                       new_inputs, e);
}

static int rpa_delete(res_ctx *ctx, const char *id, const pv *props, err *e)
{
    char role[RPA_ROLE_MAX + 256], arn[RPA_ARN_MAX + 1];
    if (rpa_parse_id(id, props, role, sizeof(role), arn, sizeof(arn), e) != 0)
        return -1;
    aws_client *c = res_client(ctx, e);
    if (!c)
        return -1;
    if (rpa_call(ctx, "DetachRolePolicy", role, arn, NULL, e) != 0) {
        if (e->code == ERR_NOT_FOUND) { /* role or attachment already gone */
            err_clear(e);
            return 0;
        }
        return -1;
    }
    return 0;
}

/* Both inputs replace, so an update only ever sees keys outside the
 * schema (none are sent today): they are recorded as given. */
static int rpa_update(res_ctx *ctx, const char *id, const pv *olds, const pv *news,
                      const pv *old_inputs, pv **outputs, err *e)
{
    *outputs = pv_copy(news);
    return *outputs ? 0 : err_set(e, ERR_RESOURCE_EXHAUSTED, "out of memory");
}

/* Check and Diff are the engine's: both inputs replace, and with
 * delete_before_replace the old attachment goes before the new one is made. */
const resource_type iam_role_policy_attachment_type = {
    .token = RPA_TOKEN,
    .table = &rpa_table,
    .create = rpa_create,
    .read = rpa_read,
    .update = rpa_update,
    .del = rpa_delete,
    .delete_before_replace = true,
};
