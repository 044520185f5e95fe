/* iam_role_policy: aws:iam/rolePolicy:RolePolicy, one inline policy of a role.
 * ID = "<role>:<name>" (neither IAM name can hold ':').
 *
 * role, name and namePrefix replace; the document changes in place and is
 * compared by meaning (policy_same): key order, one-element lists and
 * GetRolePolicy's percent encoding never diff, and state keeps the user's
 * text. PutRolePolicy right after the role was created may meet NoSuchEntity
 * (IAM's eventual consistency): it is retried with the shared backoff.
 *
 * Where awsml differs from pulumi-aws: PutRolePolicy silently overwrites an
 * inline policy of the same name, so a second owner (another RolePolicy, the
 * role's inlinePolicies, a policy made by hand) would be replaced without a
 * word. Create refuses when the role already has a policy of that name and
 * says how to import it, unless it is what an interrupted create of this
 * same resource made (pending.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "resources/common.h"
#include "resources/engine.h"
#include "resources/iam.h"
#include "resources/pending.h"
#include "resources/policy.h"
#include "util/log.h"
#include "util/str.h"

#define RP_ROLE_MAX 64
#define RP_NAME_MAX 128
#define RP_PREFIX_MAX (RP_NAME_MAX - 26)
/* NoSuchEntity for a role created moments ago, ConcurrentModification. */
#define RP_RETRY_MS (2L * 60 * 1000)

static const eng_prop rp_rows[] = {
    {.name = "name",
     .type = ET_STRING,
     .flags = EP_NAME | EP_REPLACE | EP_ALWAYS,
     .doc = "Name of the inline policy: 1-128 letters, digits and `_+=,.@-`. Unset: `<logical "
            "name>-<7 hex>`. Conflicts with `namePrefix`. Changing it replaces the policy.",
     .valid = EV_STRING,
     .min = 1,
     .max = RP_NAME_MAX,
     .charset = charset_iam_name,
     .rule = IAM_NAME_RULE,
     .prefix_of = "namePrefix",
     .aws = "PolicyName"},
    {.name = "namePrefix",
     .type = ET_STRING,
     .flags = EP_REPLACE | EP_LOCAL,
     .doc = "Creates a unique name beginning with this prefix (1-102 characters). Conflicts with "
            "`name`. Changing it replaces the policy.",
     .valid = EV_STRING,
     .min = 1,
     .max = RP_PREFIX_MAX,
     .charset = charset_iam_name,
     .rule = IAM_NAME_RULE},
    {.name = "policy",
     .type = ET_STRING,
     .flags = EP_REQUIRED,
     .doc = "The policy document as JSON. Equivalent documents never diff; state keeps your "
            "text.",
     .valid = EV_POLICY,
     .diff = ED_POLICY,
     .aws = "PolicyDocument"},
    {.name = "role",
     .type = ET_STRING,
     .flags = EP_REQUIRED | EP_REPLACE | EP_RESOURCE_ID,
     .doc = "Name of the role the policy belongs to (a Role resource stands for its name). "
            "Changing it replaces the policy.",
     .valid = EV_STRING,
     .min = 1,
     .max = RP_ROLE_MAX,
     .charset = charset_iam_name,
     .rule = IAM_NAME_RULE,
     .aws = "RoleName"},
};

static const eng_table rp_table = {
    .doc = "An inline IAM policy of a role. ID: `<role>:<name>`. Import with `pulumi import "
           "aws:iam/rolePolicy:RolePolicy NAME <role>:<name>`.",
    ENG_ROWS(rp_rows),
    .diff_outputs = true,
    .aws_url_encoded_docs = true,
};

static bool rp_name_ok(const char *s, size_t max)
{
    size_t n = strlen(s);
    for (size_t i = 0; i < n; i++)
        if (!charset_iam_name((unsigned char)s[i]))
            return false;
    return n > 0 && n <= max;
}

/* "<role>:<name>" into its parts. */
static int rp_parse_id(const char *id, char *role, size_t rolelen, char *name, size_t namelen,
                       err *e)
{
    const char *colon = id ? strchr(id, ':') : NULL;
    size_t n = colon ? (size_t)(colon - id) : 0;
    if (colon && n < rolelen && str_copy(name, namelen, colon + 1) < namelen) {
        memcpy(role, id, n);
        role[n] = '\0';
        if (rp_name_ok(role, RP_ROLE_MAX) && rp_name_ok(name, RP_NAME_MAX))
            return 0;
    }
    return err_set(e, ERR_INVALID_ARGUMENT,
                   "RolePolicy ID '%.300s' is not <role-name>:<policy-name> (a role name of 1-64 "
                   "and a policy name of 1-128 letters, digits and _+=,.@-, e.g. "
                   "my-role:my-policy)",
                   id ? id : "");
}

static int rp_id(const char *role, const char *name, char **id, err *e)
{
    size_t n = strlen(role) + strlen(name) + 2;
    char *s = malloc(n);
    if (!s)
        return res_oom(e);
    snprintf(s, n, "%s:%s", role, name);
    *id = s;
    return 0;
}

/* The inline policy as outputs (ref: the user's values, whose text is kept
 * where AWS's document means the same). ERR_NOT_FOUND: gone (or no role). */
static int rp_fetch(res_ctx *ctx, const char *role, const char *name, const pv *ref, pv **outputs,
                    err *e)
{
    xml_node *root = NULL;
    pv *o = pv_object();
    int rc = -1;
    *outputs = NULL;
    if (!o) {
        res_oom(e);
        goto out;
    }
    if (iam_call(ctx, "GetRolePolicy", true, &root, e, "RoleName", role, "PolicyName", name,
                 NULL) != 0)
        goto out;
    const xml_node *r = xml_path(root, "GetRolePolicyResult");
    if (!r || !xml_path_text(r, "PolicyDocument")) {
        err_set(e, ERR_UNAVAILABLE, "iam GetRolePolicy for %s:%s: the response has no document",
                role, name);
        goto out;
    }
    if (engine_xml_outputs(&rp_table, r, ref, o, e) != 0)
        goto out;
    /* moto and older answers may leave the names out: they are the ID's. */
    if ((!prop_str(o, "role") && prop_set_str(o, "role", role) != 0) ||
        (!prop_str(o, "name") && prop_set_str(o, "name", name) != 0)) {
        res_oom(e);
        goto out;
    }
    *outputs = o;
    o = NULL;
    rc = 0;
out:
    xml_free(root);
    pv_free(o);
    return rc;
}

static bool rp_not_yet(const err *e)
{
    return e->code == ERR_NOT_FOUND || e->code == ERR_ABORTED;
}

static bool is_empty_obj(const pv *v)
{
    return !v || v->kind != PV_OBJECT || v->u.obj.len == 0;
}

static int rp_read(res_ctx *ctx, const char *id, const pv *props, const pv *inputs, char **new_id,
                   pv **outputs, pv **new_inputs, err *e)
{
    char role[RP_ROLE_MAX + 1], name[RP_NAME_MAX + 1];
    bool import = is_empty_obj(props) && is_empty_obj(inputs);
    const pv *ref = !is_empty_obj(inputs) ? inputs : props;
    *new_id = NULL;
    if (rp_parse_id(id, role, sizeof(role), name, sizeof(name), e) != 0)
        return -1;
    if (rp_fetch(ctx, role, name, ref, outputs, e) != 0) {
        if (e->code == ERR_NOT_FOUND) {
            err_clear(e);
            return 0; /* gone, or its role is: the engine drops it from state */
        }
        return -1;
    }
    *new_inputs = engine_read_inputs(&rp_table, *outputs, import ? NULL : ref);
    *new_id = str_dup(id);
    if (!*new_inputs || !*new_id) {
        pv_free(*outputs);
        pv_free(*new_inputs);
        free(*new_id);
        *outputs = *new_inputs = NULL;
        *new_id = NULL;
        return res_oom(e);
    }
    pending_forget(ctx, name);
    return 0;
}

/* PutRolePolicy, waiting out a role IAM does not show yet. */
static int rp_put(res_ctx *ctx, const char *role, const char *name, const char *doc, err *e)
{
    res_backoff b;
    res_backoff_init(&b, RP_RETRY_MS);
    while (iam_call(ctx, "PutRolePolicy", true, NULL, e, "RoleName", role, "PolicyName", name,
                    "PolicyDocument", doc, NULL) != 0)
        if (res_backoff_wait(ctx, &b, rp_not_yet,
                             "waiting for IAM to show the role (created moments ago?)", e) != 0)
            return -1;
    return 0;
}

/* The policy as just written: IAM may not show it at once. */
static int rp_fetch_new(res_ctx *ctx, const char *role, const char *name, const pv *ref,
                        pv **outputs, err *e)
{
    res_backoff b;
    res_backoff_init(&b, RP_RETRY_MS);
    while (rp_fetch(ctx, role, name, ref, outputs, e) != 0)
        if (res_backoff_wait(ctx, &b, rp_not_yet, "waiting for IAM to show the policy", e) != 0)
            return -1;
    return 0;
}

/* resumed_from: the start of an earlier create of this policy whose answer
 * was lost (pending.h), 0 for none. */
static int rp_create_in(res_ctx *ctx, const pv *inputs, time_t resumed_from, char **id,
                        pv **outputs, err *e)
{
    *id = NULL;
    *outputs = NULL;
    if (ctx->preview) {
        *outputs = pv_copy(inputs);
        return *outputs ? 0 : res_oom(e);
    }
    const char *role = prop_str(inputs, "role"), *name = prop_str(inputs, "name");
    const char *doc = prop_str(inputs, "policy");
    if (!role || !name || !doc)
        return err_set(e, ERR_INVALID_ARGUMENT,
                       "iam role policy %s: role, name and policy must be known strings to "
                       "create it",
                       ctx->name ? ctx->name : "");
    /* A policy of that name already there would be overwritten without a word. */
    pv *have = NULL;
    err le = {0};
    if (rp_fetch(ctx, role, name, NULL, &have, &le) == 0) {
        pv_free(have);
        if (!resumed_from)
            return err_set(e, ERR_ALREADY_EXISTS,
                           "role %s already has an inline policy named %s (another RolePolicy, "
                           "the role's inlinePolicies or one made outside Pulumi); PutRolePolicy "
                           "would overwrite it, so awsml refuses: choose another name, or import "
                           "it with `pulumi import aws:iam/rolePolicy:RolePolicy <name> %s:%s`",
                           role, name, role, name);
        log_user(LOG_WARNING, ctx->urn, false,
                 "inline policy %s of role %s was made by an earlier create of this resource "
                 "whose answer was lost (interrupted): it is taken over",
                 name, role);
    } else if (le.code != ERR_NOT_FOUND) {
        *e = le;
        return -1;
    }
    if (rp_put(ctx, role, name, doc, e) != 0)
        return -1;
    if (rp_id(role, name, id, e) != 0)
        return -1;
    /* From here on the policy exists: every failure returns with *id set. */
    return rp_fetch_new(ctx, role, name, inputs, outputs, e);
}

static int rp_create(res_ctx *ctx, const pv *inputs, char **id, pv **outputs, err *e)
{
    return pending_create(ctx, prop_str(inputs, "name"), rp_create_in, inputs, id, outputs, e);
}

/* Only the document changes in place (everything else replaces). */
static int rp_update(res_ctx *ctx, const char *id, const pv *olds, const pv *news,
                     const pv *old_inputs, pv **outputs, err *e)
{
    char role[RP_ROLE_MAX + 1], name[RP_NAME_MAX + 1];
    *outputs = NULL;
    if (ctx->preview) {
        *outputs = pv_copy(news);
        return *outputs ? 0 : res_oom(e);
    }
    if (rp_parse_id(id, role, sizeof(role), name, sizeof(name), e) != 0)
        return -1;
    const pv *base = !is_empty_obj(olds) ? olds : old_inputs;
    const char *doc = prop_str(news, "policy");
    if (doc && !policy_same(doc, prop_str(base, "policy")) && rp_put(ctx, role, name, doc, e) != 0)
        return -1;
    return rp_fetch_new(ctx, role, name, news, outputs, e);
}

static int rp_delete(res_ctx *ctx, const char *id, const pv *props, err *e)
{
    char role[RP_ROLE_MAX + 1], name[RP_NAME_MAX + 1];
    if (rp_parse_id(id, role, sizeof(role), name, sizeof(name), e) != 0)
        return -1;
    res_backoff b;
    res_backoff_init(&b, RP_RETRY_MS);
    while (iam_call(ctx, "DeleteRolePolicy", true, NULL, e, "RoleName", role, "PolicyName", name,
                    NULL) != 0) {
        if (e->code == ERR_NOT_FOUND) { /* the policy or its role already gone */
            err_clear(e);
            return 0;
        }
        if (res_backoff_wait(ctx, &b, rp_not_yet, "waiting for a concurrent change to the role",
                             e) != 0)
            return -1;
    }
    return 0;
}

const resource_type iam_role_policy_type = {
    .token = "iam/rolePolicy:RolePolicy",
    .table = &rp_table,
    .create = rp_create,
    .read = rp_read,
    .update = rp_update,
    .del = rp_delete,
};
