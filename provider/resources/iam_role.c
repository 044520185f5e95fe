/* iam_role: aws:iam/role:Role (and awsml:iam/role:Role), ID = role name.
 *
 * Only the AWS mapping and the rules generic code cannot express live here:
 * policy documents compared by meaning (never by text), inline and managed
 * policy sets that are exclusive only when the user manages them, per-key tag
 * diffs, and the eventual-consistency retries IAM needs.
 *
 * Choices where pulumi-aws hurts its users (AWS.md, pain points):
 * - inlinePolicies: absent = not managed (no diff, nothing touched);
 *   [] and [{}] both mean "this role has no inline policies" and are applied
 *   as such, so the preview shows exactly what the update does (pain point 3).
 * - managedPolicyArns: absent = not managed; a list is the set of AWS managed
 *   policies this role owns, compared as a set (order never diffs). Only
 *   owned ARNs are attached, detached and reported: policies attached by a
 *   RolePolicyAttachment (or by hand) are left alone, so the two can share a
 *   role without the flip-flop pulumi-aws users hit (pain point 2). Removing an
 *   ARN from the list (or [] after a list) detaches it.
 * - assumeRolePolicy and inline policies: equivalent JSON never diffs, and
 *   Read keeps the user's text when AWS's document means the same (pain point 4).
 * - tagsAll: a defaultTags change alone shows as an update of tagsAll and is
 *   applied (pain point 5).
 * - Diff compares the new inputs with the old outputs (the last known state of
 *   the role), as pulumi-aws does, so a drift found by refresh is put right by
 *   the next update. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "resource.h"
#include "resources/common.h"
#include "resources/engine.h"
#include "resources/iam.h"
#include "resources/pending.h"
#include "resources/policy.h"
#include "util/str.h"
#include "util/strv.h"

/* Waits for IAM's eventual consistency: a principal created seconds ago, a
 * concurrent change, a detach that has not landed yet. */
#define CREATE_RETRY_MS (2L * 60 * 1000)
#define DELETE_RETRY_MS (60L * 1000)

/* ---- small utilities ------------------------------------------------------- */

static bool is_empty_obj(const pv *v)
{
    return !v || v->kind != PV_OBJECT || v->u.obj.len == 0;
}

/* ---- the table ----------------------------------------------------------------------- */

#define IAM_RULE IAM_NAME_RULE

static bool no_curly_quotes(const char *s)
{
    static const char *const quotes[] = {"\xe2\x80\x9c", "\xe2\x80\x98", "\xe2\x80\x9d",
                                         "\xe2\x80\x99"};
    for (size_t i = 0; i < sizeof(quotes) / sizeof(quotes[0]); i++)
        if (strstr(s, quotes[i]))
            return false;
    return true;
}

static const eng_prop inline_rows[] = {
    {.name = "name",
     .type = ET_STRING,
     .doc = "Name of the inline policy (1-128 of letters, digits and `_+=,.@-`).",
     .valid = EV_STRING,
     .min = 1,
     .max = 128,
     .charset = charset_iam_name,
     .rule = IAM_RULE,
     .aws = "PolicyName"},
    {.name = "policy",
     .type = ET_STRING,
     .doc = "The policy document as JSON.",
     .valid = EV_POLICY,
     .diff = ED_POLICY,
     .aws = "PolicyDocument"},
};

static const eng_object inline_object = {
    .token = "iam/RoleInlinePolicy:RoleInlinePolicy",
    .doc = "An inline policy of a role.",
    ENG_ROWS(inline_rows),
    .key = "name",
};

static const eng_prop role_rows[] = {
    {.name = "assumeRolePolicy",
     .type = ET_STRING,
     .flags = EP_REQUIRED,
     .doc = "The trust policy: a JSON policy document that grants an entity permission to assume "
            "the role. Equivalent documents never diff; state keeps your text.",
     .valid = EV_POLICY,
     .diff = ED_POLICY,
     .aws = "AssumeRolePolicyDocument",
     .send = ES_CREATE | ES_UPDATE},
    {.name = "description",
     .type = ET_STRING,
     .doc = "Description of the role (at most 1000 characters, no curly quotes).",
     .valid = EV_STRING,
     .min = 0,
     .max = 1000,
     .pred = no_curly_quotes,
     .pred_rule = "cannot contain curly quotes (\u201c \u2018 \u201d \u2019)",
     .aws = "Description",
     .send = ES_CREATE | ES_UPDATE},
    {.name = "forceDetachPolicies",
     .type = ET_BOOL,
     .flags = EP_ALWAYS | EP_LOCAL,
     .def = "false",
     .doc = "On delete, also detach managed policies and delete inline policies."},
    {.name = "inlinePolicies",
     .type = ET_LIST,
     .object = &inline_object,
     .flags = EP_UNMANAGED_ABSENT,
     .doc = "Inline policies. Unset: not managed. `[]` or `[{}]`: remove them all. Otherwise "
            "exactly this set.",
     .diff = ED_KEYED},
    {.name = "managedPolicyArns",
     .type = ET_LIST,
     .item = ET_STRING,
     .flags = EP_UNMANAGED_ABSENT,
     .doc = "Managed policy ARNs this role owns. Unset: not managed. A list: these are attached, "
            "and one dropped from the list is detached; policies attached otherwise (a "
            "RolePolicyAttachment, by hand) are left alone.",
     .valid = EV_ARN,
     .service = "iam",
     .diff = ED_SET},
    {.name = "maxSessionDuration",
     .type = ET_INT,
     .flags = EP_ALWAYS,
     .def = "3600",
     .doc = "Maximum session duration in seconds, 3600-43200.",
     .valid = EV_INT,
     .min = 3600,
     .max = 43200,
     .aws = "MaxSessionDuration",
     .send = ES_CREATE | ES_UPDATE},
    {.name = "name",
     .type = ET_STRING,
     .flags = EP_REPLACE | EP_ALWAYS | EP_NAME,
     .doc = "Name of the role: 1-64 letters, digits and `_+=,.@-`. Unset: `<logical name>-<7 "
            "hex>`. Conflicts with `namePrefix`. Changing it replaces the role.",
     .valid = EV_STRING,
     .min = 1,
     .max = 64,
     .charset = charset_iam_name,
     .rule = IAM_RULE,
     .prefix_of = "namePrefix",
     .aws = "RoleName",
     .send = ES_CREATE},
    {.name = "namePrefix",
     .type = ET_STRING,
     .flags = EP_REPLACE | EP_LOCAL,
     .doc = "Creates a unique name beginning with this prefix (1-38 characters). Conflicts with "
            "`name`. Changing it replaces the role.",
     .valid = EV_STRING,
     .min = 1,
     .max = 38,
     .charset = charset_iam_name,
     .rule = IAM_RULE},
    {.name = "path",
     .type = ET_STRING,
     .flags = EP_REPLACE | EP_ALWAYS,
     .def = "\"/\"",
     .doc = "Path of the role: starts and ends with `/`, at most 512 characters. Changing it "
            "replaces the role.",
     .valid = EV_STRING,
     .min = 1,
     .max = 512,
     .pred = iam_path_ok,
     .pred_rule = "must start and end with / and hold only printable ASCII without spaces",
     .aws = "Path",
     .send = ES_CREATE},
    {.name = "permissionsBoundary",
     .type = ET_STRING,
     .doc = "ARN of the policy used as the role's permissions boundary.",
     .valid = EV_ARN,
     .service = "iam",
     .aws = "PermissionsBoundary",
     .aws_out = "PermissionsBoundary/PermissionsBoundaryArn",
     .send = ES_CREATE | ES_UPDATE},
    {.name = "tags",
     .type = ET_MAP,
     .item = ET_STRING,
     .flags = EP_TAGS,
     .doc = "Tags of the role (keys 1-128, values at most 256 characters).",
     .diff = ED_MAP,
     .aws = "Tags"},
    {.name = "arn", .type = ET_STRING, .flags = EP_OUTPUT, .doc = "ARN of the role.", .aws = "Arn"},
    {.name = "createDate",
     .type = ET_STRING,
     .flags = EP_OUTPUT,
     .doc = "Creation date of the role (RFC 3339).",
     .aws = "CreateDate"},
    {.name = "uniqueId",
     .type = ET_STRING,
     .flags = EP_OUTPUT,
     .doc = "Stable and unique string identifying the role (its RoleId).",
     .aws = "RoleId"},
    {.name = "tagsAll",
     .type = ET_MAP,
     .item = ET_STRING,
     .flags = EP_OUTPUT | EP_TAGS_ALL,
     .doc = "The role's tags including the provider's `defaultTags`, minus `ignoreTags`.",
     .diff = ED_MAP},
};

/* Diff compares the new inputs with the old outputs (the role as last seen,
 * refresh included), and an empty description or permissionsBoundary is no
 * value at all (state written by pulumi-aws has them; IAM returns none). */
static const eng_table role_table = {
    .doc = "An IAM role. ID: the role name. Import with `pulumi import awsml:iam/role:Role NAME "
           "<role-name>`.",
    ENG_ROWS(role_rows),
    .diff_outputs = true,
    .empty_is_absent = true,
    .aws_url_encoded_docs = true,
};

/* The calls an update makes, in order, for the rows that changed (IAM has one
 * per property; UpdateRole resets what it is not given, in moto and in AWS
 * for MaxSessionDuration, so it always gets both). Inline and managed
 * policies and tags follow. */
static const eng_update role_updates[] = {
    {.action = "UpdateAssumeRolePolicy",
     .props = {"assumeRolePolicy"},
     .fields = {"PolicyDocument"}},
    {.action = "UpdateRole", .props = {"description", "maxSessionDuration"}, .all = true},
    {.action = "PutRolePermissionsBoundary",
     .props = {"permissionsBoundary"},
     .clear = "DeleteRolePermissionsBoundary"},
};

static const eng_tagging role_tagging = {.tag = "TagRole",
                                         .untag = "UntagRole",
                                         .id_field = "RoleName",
                                         .list = "Tags",
                                         .keys = "TagKeys"};

/* What the table cannot say: an inline policy's name and policy go together
 * (a single empty element {} removes them all), each name once. */
static int role_check_hook(res_ctx *ctx, const pv *olds, pv *in, check_failures *f, err *e)
{
    const pv *pl = prop_get(in, "inlinePolicies");
    if (!pl || pl->kind != PV_ARRAY)
        return 0;
    strv names = {0};
    int rc = 0;
    for (size_t i = 0; i < pl->u.arr.len && rc == 0; i++) {
        const pv *el = pv_plain(pl->u.arr.items[i]);
        if (el->kind != PV_OBJECT)
            continue;
        char prefix[64];
        snprintf(prefix, sizeof(prefix), "inlinePolicies[%zu]", i);
        bool has_name = prop_present(el, "name"), has_policy = prop_present(el, "policy");
        const char *name = prop_str(el, "name");
        if (has_name != has_policy)
            rc = check_failure_add(f, prefix,
                                   "%s: name and policy go together (a single empty element {} "
                                   "removes every inline policy)",
                                   prefix);
        else if (name && strv_has(&names, name))
            rc = check_failure_add(f, prefix, "%s: inline policy name %s appears twice", prefix,
                                   name);
        else if (name)
            rc = strv_push(&names, name);
    }
    strv_free(&names);
    return rc == 0 ? 0 : res_oom(e);
}

/* ---- policy lists --------------------------------------------------------------------- */

static const pv *inline_find(const pv *l, const char *name)
{
    for (size_t i = 0; name && l && l->kind == PV_ARRAY && i < l->u.arr.len; i++) {
        const pv *el = pv_plain(l->u.arr.items[i]);
        const char *n = el->kind == PV_OBJECT ? prop_str(el, "name") : NULL;
        if (n && strcmp(n, name) == 0)
            return el;
    }
    return NULL;
}

static bool arn_in(const pv *l, const char *s)
{
    for (size_t i = 0; l && l->kind == PV_ARRAY && i < l->u.arr.len; i++) {
        const pv *it = pv_plain(l->u.arr.items[i]);
        if (it->kind == PV_STRING && strcmp(it->u.str.s, s) == 0)
            return true;
    }
    return false;
}

/* ---- read ---------------------------------------------------------------------------- */

/* Reads the role into outputs. ref holds the user's values: which policy sets
 * are managed, and the texts to keep when AWS's documents mean the same.
 * import: nothing is known yet, report everything. ERR_NOT_FOUND = gone. */
static int role_fetch(res_ctx *ctx, const char *name, const pv *ref, bool import, pv **outputs,
                      err *e)
{
    xml_node *root = NULL;
    pv *o = pv_object(), *actual = pv_object(), *list = NULL;
    char *doc = NULL;
    strv a = {0};
    int rc = -1;
    *outputs = NULL;
    if (!o || !actual) {
        res_oom(e);
        goto out;
    }
    if (iam_call(ctx, "GetRole", true, &root, e, "RoleName", name, NULL) != 0)
        goto out;
    const xml_node *r = xml_path(root, "GetRoleResult/Role");
    if (!r) {
        err_set(e, ERR_UNAVAILABLE, "iam GetRole for %s: the response has no Role", name);
        goto out;
    }
    if (engine_xml_outputs(&role_table, r, ref, o, e) != 0)
        goto out;
    xml_free(root);
    root = NULL;

    /* Tags: ListRoleTags has them all (GetRole's copy is not complete everywhere). */
    if (iam_list_tags(ctx, "ListRoleTags", name, actual, e) != 0 ||
        engine_read_tags(ctx, &role_table, actual, ref, o, e) != 0)
        goto out;

    /* Inline policies, when managed (or on import): the user's order first,
     * then the rest, and the user's text where it means the same. */
    const pv *rin = prop_get(ref, "inlinePolicies");
    if (import || (rin && rin->kind == PV_ARRAY)) {
        if (iam_list(ctx, "ListRolePolicies", name, "PolicyNames", NULL, NULL, &a, NULL, e) != 0)
            goto out;
        if (!(list = pv_array()))
            goto nomem;
        for (int pass = 0; pass < 2; pass++)
            for (size_t i = 0; i < a.n; i++) {
                const pv *u = inline_find(rin, a.v[i]);
                if ((pass == 0) != (u != NULL))
                    continue;
                if (iam_call(ctx, "GetRolePolicy", true, &root, e, "RoleName", name, "PolicyName",
                             a.v[i], NULL) != 0)
                    goto out;
                const char *pd = xml_path_text(root, "GetRolePolicyResult/PolicyDocument");
                free(doc);
                doc = NULL;
                if (policy_url_decode(pd ? pd : "", &doc, e) != 0)
                    goto out;
                xml_free(root);
                root = NULL;
                const char *utext = u ? prop_str(u, "policy") : NULL;
                pv *el = pv_object();
                if (!el || pv_array_push(list, el) != 0 || prop_set_str(el, "name", a.v[i]) != 0 ||
                    prop_set_str(el, "policy", utext && policy_same(utext, doc) ? utext : doc) != 0)
                    goto nomem;
            }
        strv_free(&a);
        if (!import || list->u.arr.len) {
            if (pv_object_set(o, "inlinePolicies", list) != 0) {
                list = NULL;
                goto nomem;
            }
            list = NULL;
        }
        pv_free(list);
        list = NULL;
    }

    const pv *rarn = prop_get(ref, "managedPolicyArns");
    if (import || (rarn && rarn->kind == PV_ARRAY)) {
        if (iam_list(ctx, "ListAttachedRolePolicies", name, "AttachedPolicies", "PolicyArn", NULL,
                     &a, NULL, e) != 0)
            goto out;
        if (!(list = pv_array()))
            goto nomem;
        /* Import reports everything attached; otherwise only what the role
         * owns (its managedPolicyArns), in the user's order. */
        for (size_t i = 0; i < a.n; i++)
            if ((import || arn_in(rarn, a.v[i])) && pv_array_push(list, pv_string(a.v[i])) != 0)
                goto nomem;
        if (!import || list->u.arr.len) {
            if (pv_object_set(o, "managedPolicyArns", list) != 0) {
                list = NULL;
                goto nomem;
            }
            list = NULL;
        }
    }
    *outputs = o;
    o = NULL;
    rc = 0;
    goto out;
nomem:
    res_oom(e);
out:
    xml_free(root);
    free(doc);
    strv_free(&a);
    pv_free(o);
    pv_free(actual);
    pv_free(list);
    return rc;
}

/* The inputs a program would have given for what Read found: on import all
 * of them; on refresh the ones the program manages (those in its inputs), so
 * drift shows as "actual => wanted" in the next preview, as pulumi-aws shows it. */
static int role_read(res_ctx *ctx, const char *id, const pv *props, const pv *inputs, char **new_id,
                     pv **outputs, pv **new_inputs, err *e)
{
    return engine_read(&role_table, role_fetch, false, ctx, id, props, inputs, new_id, outputs,
                       new_inputs, e);
}

/* ---- create ----------------------------------------------------------------------------- */

typedef struct role_create_arg {
    const char *name;
    const pv *in;
} role_create_arg;

static int create_role_call(res_ctx *ctx, void *arg, aws_outcome *oc, err *e)
{
    const pv *in = ((role_create_arg *)arg)->in;
    query q = {0};
    int rc = -1;
    if (query_init(&q, "CreateRole", IAM_API_VERSION) != 0 ||
        engine_query_request(&role_table, in, ES_CREATE, &q) != 0)
        res_oom(e);
    else if (engine_tags_request(ctx, &iam_api, &role_tagging, engine_tags_of(&role_table, in), &q,
                                 e) != 0)
        rc = -1;
    else
        rc = iam_send(ctx, "CreateRole", &q, false, oc, NULL, e);
    query_free(&q);
    return rc;
}

/* After a CreateRole whose effect is unknown (an attempt was sent and came
 * back without a definite answer: 5xx, reset, timeout, cut short), maybe
 * followed by EntityAlreadyExists from a retry: is there a role, and is it
 * the one this call asked for (trust policy, path, created during it)?
 * res_adopt decides. */
static enum res_adopt role_adopt(res_ctx *ctx, void *arg, time_t started, err *e)
{
    const char *name = ((role_create_arg *)arg)->name;
    const pv *in = ((role_create_arg *)arg)->in;
    xml_node *root = NULL;
    char *doc = NULL;
    err le = {0};
    const char *created = NULL, *why = NULL;
    if (iam_call(ctx, "GetRole", true, &root, &le, "RoleName", name, NULL) == 0) {
        const char *arp = xml_path_text(root, "GetRoleResult/Role/AssumeRolePolicyDocument");
        const char *path = xml_path_text(root, "GetRoleResult/Role/Path");
        const char *want_path = prop_str(in, "path");
        created = xml_path_text(root, "GetRoleResult/Role/CreateDate");
        err de = {0};
        if (!arp || policy_url_decode(arp, &doc, &de) != 0 ||
            !policy_same(doc, prop_str(in, "assumeRolePolicy")))
            why = "its trust policy differs from this role's assumeRolePolicy";
        else if (!str_eq(path ? path : "/", want_path ? want_path : "/"))
            why = "its path differs";
    }
    enum res_adopt a = res_adopt(ctx, "iam role", "CreateRole", "iam/role:Role", name, started, &le,
                                 created, why, e);
    xml_free(root);
    free(doc);
    return a;
}

/* IAM's answers while a principal or a concurrent change settles. */
static bool create_retryable(const err *e)
{
    return e->code == ERR_ABORTED ||
           (err_aws_code_is(e, "MalformedPolicyDocument") && err_aws_says(e, "Invalid principal"));
}

/* DeleteConflict: a policy or instance profile is still attached (a detach
 * that has not landed yet). */
static bool delete_retryable(const err *e)
{
    return e->code == ERR_FAILED_PRECONDITION;
}

static const res_create role_creating = {
    .call = create_role_call,
    .adopt = role_adopt,
    .retry_if = create_retryable,
    .budget_ms = CREATE_RETRY_MS,
    .status = "waiting for IAM to accept the role (principal not yet propagated or a concurrent "
              "change)",
};

static int put_inline(res_ctx *ctx, const char *name, const pv *el, err *e)
{
    return iam_call(ctx, "PutRolePolicy", true, NULL, e, "RoleName", name, "PolicyName",
                    prop_str(el, "name"), "PolicyDocument", prop_str(el, "policy"), NULL);
}

/* resumed_from: the start of an earlier create of this role whose answer was
 * lost (pending.h), 0 for none. */
static int role_create_in(res_ctx *ctx, const pv *inputs, time_t resumed_from, char **id,
                          pv **outputs, err *e)
{
    *id = NULL;
    *outputs = NULL;
    if (ctx->preview)
        return (*outputs = engine_preview_outputs(&role_table, inputs, NULL)) ? 0 : res_oom(e);
    const char *name = prop_str(inputs, "name");
    const char *arp = prop_str(inputs, "assumeRolePolicy");
    if (!name || !arp)
        return err_set(e, ERR_INVALID_ARGUMENT,
                       "iam role %s: name and assumeRolePolicy must be known strings to create it",
                       ctx->name ? ctx->name : "");
    role_create_arg arg = {name, inputs};
    int made = res_create_adopting(ctx, &role_creating, &arg, resumed_from, e);
    if (made != 0) /* unknown: recorded with the inputs; refresh settles it */
        return made < 0 ? -1 : (*id = str_dup(name)) ? -1 : res_oom(e);
    if (!(*id = str_dup(name)))
        return res_oom(e);
    /* From here on the role exists: every failure returns with *id set. */
    const pv *il = prop_get(inputs, "inlinePolicies");
    for (size_t i = 0; il && il->kind == PV_ARRAY && i < il->u.arr.len; i++) {
        const pv *el = pv_plain(il->u.arr.items[i]);
        if (el->kind == PV_OBJECT && prop_str(el, "name") && prop_str(el, "policy") &&
            put_inline(ctx, name, el, e) != 0)
            goto partial;
    }
    const pv *ml = prop_get(inputs, "managedPolicyArns");
    for (size_t i = 0; ml && ml->kind == PV_ARRAY && i < ml->u.arr.len; i++) {
        const pv *it = pv_plain(ml->u.arr.items[i]);
        if (it->kind == PV_STRING && iam_call(ctx, "AttachRolePolicy", true, NULL, e, "RoleName",
                                              name, "PolicyArn", it->u.str.s, NULL) != 0)
            goto partial;
    }
    return role_fetch(ctx, name, inputs, false, outputs, e);
partial: /* record what exists; the next update finishes the job */
    return engine_refetch(role_fetch, ctx, name, inputs, outputs, e);
}

static int role_create(res_ctx *ctx, const pv *inputs, char **id, pv **outputs, err *e)
{
    return pending_create(ctx, prop_str(inputs, "name"), role_create_in, inputs, id, outputs, e);
}

/* ---- update ------------------------------------------------------------------------------ */

static bool not_listed(const void *nl, const char *name)
{
    return !inline_find(nl, name);
}

static int update_inline(res_ctx *ctx, const char *name, const pv *nl, const pv *ol, err *e)
{
    for (size_t i = 0; i < nl->u.arr.len; i++) {
        const pv *el = pv_plain(nl->u.arr.items[i]);
        const char *pn = el->kind == PV_OBJECT ? prop_str(el, "name") : NULL;
        if (!pn || !prop_str(el, "policy"))
            continue; /* the empty element: only removes */
        const pv *old = inline_find(ol, pn);
        if (old && policy_same(prop_str(el, "policy"), prop_str(old, "policy")))
            continue;
        if (put_inline(ctx, name, el, e) != 0)
            return -1;
    }
    /* Exclusive: whatever the role has beyond the list goes, also policies
     * added out of band. */
    return iam_each(ctx, "ListRolePolicies", name, "PolicyNames", NULL, "DeleteRolePolicy",
                    "PolicyName", not_listed, nl, e);
}

/* Attaches the new list's ARNs and detaches those the role owned before (ol)
 * that the new list drops; ARNs it never owned are not touched. */
static int update_arns(res_ctx *ctx, const char *name, const pv *nl, const pv *ol, err *e)
{
    strv actual = {0};
    int rc = -1;
    if (iam_list(ctx, "ListAttachedRolePolicies", name, "AttachedPolicies", "PolicyArn", NULL,
                 &actual, NULL, e) != 0)
        goto out;
    for (size_t i = 0; i < nl->u.arr.len; i++) {
        const pv *it = pv_plain(nl->u.arr.items[i]);
        if (it->kind == PV_STRING && !strv_has(&actual, it->u.str.s) &&
            iam_call(ctx, "AttachRolePolicy", true, NULL, e, "RoleName", name, "PolicyArn",
                     it->u.str.s, NULL) != 0)
            goto out;
    }
    for (size_t i = 0; i < actual.n; i++)
        if (!arn_in(nl, actual.v[i]) && ol && ol->kind == PV_ARRAY && arn_in(ol, actual.v[i]) &&
            iam_call(ctx, "DetachRolePolicy", true, NULL, e, "RoleName", name, "PolicyArn",
                     actual.v[i], NULL) != 0 &&
            e->code != ERR_NOT_FOUND)
            goto out;
    err_clear(e);
    rc = 0;
out:
    strv_free(&actual);
    return rc;
}

static int apply_update(res_ctx *ctx, const char *name, const pv *olds, const pv *news, err *e)
{
    if (engine_update(ctx, &role_table, &iam_api, NULL, role_updates,
                      sizeof(role_updates) / sizeof(role_updates[0]), "RoleName", name, news, olds,
                      e) != 0)
        return -1;
    const pv *nl = prop_get(news, "inlinePolicies");
    if (nl && nl->kind == PV_ARRAY &&
        update_inline(ctx, name, nl, prop_get(olds, "inlinePolicies"), e) != 0)
        return -1;
    const pv *ml = prop_get(news, "managedPolicyArns");
    if (ml && ml->kind == PV_ARRAY &&
        update_arns(ctx, name, ml, prop_get(olds, "managedPolicyArns"), e) != 0)
        return -1;
    /* The role carries tagsAll; the old outputs' tagsAll is what it had. */
    return engine_write_tags(ctx, &iam_api, NULL, &role_tagging, name,
                             engine_tags_of(&role_table, news), engine_tags_of(&role_table, olds),
                             e);
}

static int role_update(res_ctx *ctx, const char *id, const pv *olds, const pv *news,
                       const pv *old_inputs, pv **outputs, err *e)
{
    *outputs = NULL;
    if (ctx->preview) /* what AWS computed does not change in place */
        return (*outputs = engine_preview_outputs(&role_table, news, olds)) ? 0 : res_oom(e);
    /* The role as last seen, else the old inputs (either may be missing). */
    const pv *base = !is_empty_obj(olds) ? olds : old_inputs;
    if (apply_update(ctx, id, base, news, e) !=
        0) /* record what the role is now, so the next run starts from the truth */
        return engine_refetch(role_fetch, ctx, id, news, outputs, e);
    return role_fetch(ctx, id, news, false, outputs, e);
}

/* ---- delete ------------------------------------------------------------------------------ */

static bool owned(const void *ml, const char *arn)
{
    return arn_in(ml, arn);
}

static int role_delete(res_ctx *ctx, const char *id, const pv *props, err *e)
{
    const pv *fd = prop_get(props, "forceDetachPolicies");
    bool force = fd && fd->kind == PV_BOOL && fd->u.b;
    const pv *ml = prop_get(props, "managedPolicyArns"), *il = prop_get(props, "inlinePolicies");
    res_backoff b;
    res_backoff_init(&b, DELETE_RETRY_MS);
    /* forceDetachPolicies: every policy; else what the role owns (others'
     * attachments are deleted by their own resources first). */
    int rc =
        iam_each(ctx, "ListInstanceProfilesForRole", id, "InstanceProfiles", "InstanceProfileName",
                 "RemoveRoleFromInstanceProfile", "InstanceProfileName", NULL, NULL, e);
    if (rc == 0 && (force || (ml && ml->kind == PV_ARRAY)))
        rc = iam_each(ctx, "ListAttachedRolePolicies", id, "AttachedPolicies", "PolicyArn",
                      "DetachRolePolicy", "PolicyArn", force ? NULL : owned, ml, e);
    if (rc == 0 && (force || (il && il->kind == PV_ARRAY)))
        rc = iam_each(ctx, "ListRolePolicies", id, "PolicyNames", NULL, "DeleteRolePolicy",
                      "PolicyName", NULL, NULL, e);
    while (rc == 0 && iam_call(ctx, "DeleteRole", true, NULL, e, "RoleName", id, NULL) != 0)
        rc = res_backoff_wait(ctx, &b, delete_retryable,
                              "waiting for the role's policies and instance profiles to be removed",
                              e);
    if (rc != 0 && e->code == ERR_NOT_FOUND) {
        err_clear(e); /* already gone */
        rc = 0;
    }
    return rc;
}

const resource_type iam_role_type = {
    .token = "iam/role:Role",
    .table = &role_table,
    .check_hook = role_check_hook,
    .create = role_create,
    .read = role_read,
    .update = role_update,
    .del = role_delete,
};
