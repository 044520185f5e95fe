/* kms_alias: aws:kms/alias:Alias, ID = the alias name ("alias/..."). CreateAlias,
 * ListAliases (Read), UpdateAlias (targetKeyId), DeleteAlias. Without name and
 * namePrefix the name is "alias/<logical name>-<7 hex>" (pulumi-aws's rule). */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "resources/common.h"
#include "resources/engine.h"
#include "resources/kms.h"
#include "resources/pending.h"
#include "util/str.h"

#define ALIAS_CHARS "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/_-:"
static bool alias_ok(const char *s)
{
    return str_has_prefix(s, "alias/") && !str_has_prefix(s, "alias/aws/") &&
           s[strspn(s, ALIAS_CHARS)] == '\0';
}

#define ALIAS_ROW(n, f, d) .name = n, .type = ET_STRING, .flags = f, .doc = d
#define ALIAS_RULES                                                                                \
    .valid = EV_STRING, .min = 7, .max = 256, .pred = alias_ok,                                    \
    .pred_rule = "must be alias/ (not alias/aws/) then letters, digits and /_-:"
static const eng_prop alias_rows[] = {
    {ALIAS_ROW("name", EP_NAME | EP_REPLACE | EP_ALWAYS,
               "The alias name: `alias/` then letters, digits and `/_-:`, at most 256 characters "
               "in all. Changing it replaces the alias. Default: `alias/<logical name>-<7 hex>`."),
     ALIAS_RULES, .prefix_of = "namePrefix", .aws = "AliasName", .send = ES_CREATE},
    {ALIAS_ROW("namePrefix", EP_REPLACE | EP_LOCAL,
               "Makes the name this prefix plus a unique suffix (conflicts with `name`)."),
     ALIAS_RULES},
    ENG_REGION_ROW,
    {ALIAS_ROW("targetKeyId", EP_REQUIRED | EP_RESOURCE_ID,
               "ID or ARN of the key the alias points to; changing it updates the alias."),
     .aws = "TargetKeyId", .send = ES_CREATE | ES_UPDATE},
    {ALIAS_ROW("arn", EP_OUTPUT, "ARN of the alias."), .aws = "AliasArn"},
    {ALIAS_ROW("targetKeyArn", EP_OUTPUT, "ARN of the key the alias points to.")},
};

static const eng_table alias_table = {
    .doc = "A KMS key alias. ID: the alias name. Import with `pulumi import "
           "aws:kms/alias:Alias NAME alias/<name>`.",
    ENG_ROWS(alias_rows)};

/* A name the engine generated (no name, no prefix) gets pulumi-aws's "alias/". */
static int alias_check(res_ctx *ctx, const pv *olds, pv *in, check_failures *f, err *e)
{
    const char *n = prop_str(in, "name");
    for (size_t i = 0; n && i < f->len; i++) /* a name or prefix given and refused */
        n = strcmp(f->props[i], "name") && strcmp(f->props[i], "namePrefix") ? n : NULL;
    if (!n || str_has_prefix(n, "alias/"))
        return 0;
    char full[257];
    snprintf(full, sizeof(full), "alias/%.250s", n);
    return prop_set_str(in, "name", full) == 0 ? 0 : res_oom(e);
}

/* Preview: the inputs, the alias's ARN when known, the key's ARN unknown. */
static int alias_preview(const pv *in, const pv *olds, pv **outputs, err *e)
{
    const char *arn = prop_str(olds, "arn");
    pv *o = pv_copy(in);
    if (!o || (arn ? prop_set_str(o, "arn", arn) : prop_set_unknown(o, "arn")) != 0 ||
        prop_set_unknown(o, "targetKeyArn") != 0)
        return pv_free(o), res_oom(e);
    *outputs = o;
    return 0;
}

/* Outputs from a ListAliases item; targetKeyId kept as given when it names the same key. */
static pv *alias_outputs(const cJSON *a, const pv *ref, aws_client *c)
{
    const char *arn = kms_str(a, "AliasArn"), *tk = kms_str(a, "TargetKeyId");
    const char *mine = prop_str(ref, "targetKeyId"), *cut = arn ? strstr(arn, ":alias/") : NULL;
    char karn[2400] = "";
    if (cut && tk)
        snprintf(karn, sizeof(karn), "%.*s:key/%.64s", (int)(cut - arn), arn, tk);
    pv *out = pv_object();
    if (!out || engine_json_outputs(&alias_table, a, ref, out) != 0 ||
        (kms_same_key(mine, tk) && prop_set_str(out, "targetKeyId", mine) != 0) ||
        (karn[0] && prop_set_str(out, "targetKeyArn", karn) != 0) ||
        (!prop_str(out, "region") && prop_set_str(out, "region", aws_client_region(c)) != 0)) {
        pv_free(out);
        return NULL;
    }
    return out;
}

/* Looks the alias up after CreateAlias (or a resumed create) and describes it. */
static int alias_done(res_ctx *ctx, aws_client *c, const pv *in, bool lost, time_t started,
                      char **id, pv **outputs, err *e)
{
    const char *name = prop_str(in, "name"), *tk = prop_str(in, "targetKeyId");
    err le = {0};
    if (lost)
        res_grace(ctx);
    cJSON *a = kms_find(ctx, c, "ListAliases", "Aliases", "AliasName", name, "KMS alias", &le);
    if (lost) {
        const char *got = kms_str(a, "TargetKeyId");
        char created[32];
        const char *why = got && !kms_same_key(tk, got) ? "its target key differs" : NULL;
        enum res_adopt r = res_adopt(ctx, "kms alias", "CreateAlias", "kms/alias:Alias", name,
                                     started, &le, kms_created(a, created), why, e);
        if (r == RES_ADOPT_ABSENT || r == RES_ADOPT_FOREIGN)
            return cJSON_Delete(a), -1;
    } else if (!a) {
        *e = le;
    }
    if (id && !(*id = str_dup(name))) /* it exists (or may): always recorded */
        return cJSON_Delete(a), res_oom(e);
    *outputs = a ? alias_outputs(a, in, c) : pv_copy(in);
    cJSON_Delete(a);
    return !*outputs ? res_oom(e) : e->code ? -1 : 0;
}

static int alias_create_in(res_ctx *ctx, const pv *in, time_t resumed, char **id, pv **outputs,
                           err *e)
{
    aws_client *c = ctx->preview ? NULL : res_client_for(ctx, in, e);
    if (!c)
        return ctx->preview ? alias_preview(in, NULL, outputs, e) : -1;
    cJSON *req = cJSON_CreateObject();
    aws_outcome oc = {0};
    time_t started = resumed ? resumed : time(NULL);
    int rc = req && engine_json_request(&alias_table, in, ES_CREATE, req) == 0
                 ? kms_call(ctx, c, "CreateAlias", req, false, &oc, NULL, e)
                 : res_oom(e);
    cJSON_Delete(req);
    /* The answer was lost, or an earlier create's alias is there: look it up. */
    bool lost = rc != 0 && (oc.maybe_applied || (resumed && e->code == ERR_ALREADY_EXISTS));
    if (rc != 0 && !lost)
        return -1;
    return alias_done(ctx, c, in, lost, started, id, outputs, e);
}

static int alias_create(res_ctx *ctx, const pv *in, char **id, pv **outputs, err *e)
{
    return pending_create(ctx, prop_str(in, "name"), alias_create_in, in, id, outputs, e);
}

static int alias_read(res_ctx *ctx, const char *id, const pv *props, const pv *inputs,
                      char **new_id, pv **outputs, pv **new_inputs, err *e)
{
    const pv *ref = (props && props->u.obj.len) ? props : inputs;
    aws_client *c = res_client_for(ctx, ref, e);
    cJSON *a =
        c ? kms_find(ctx, c, "ListAliases", "Aliases", "AliasName", id, "KMS alias", e) : NULL;
    if (!a)
        return e->code == ERR_NOT_FOUND ? (err_clear(e), *new_id = NULL, 0) : -1;
    *outputs = alias_outputs(a, ref, c);
    cJSON_Delete(a);
    *new_inputs = *outputs ? engine_read_inputs(&alias_table, *outputs, inputs) : NULL;
    *new_id = str_dup(id);
    if (!*outputs || !*new_inputs || !*new_id)
        return res_oom(e);
    pending_forget(ctx, id);
    return 0;
}

static int alias_update(res_ctx *ctx, const char *id, const pv *olds, const pv *news,
                        const pv *old_inputs, pv **outputs, err *e)
{
    aws_client *c = ctx->preview ? NULL : res_client_for(ctx, news, e);
    if (!c)
        return ctx->preview ? alias_preview(news, olds, outputs, e) : -1;
    cJSON *req = kms_req("AliasName", id, "TargetKeyId", prop_str(news, "targetKeyId"), NULL);
    int rc = req ? kms_call(ctx, c, "UpdateAlias", req, true, NULL, NULL, e) : res_oom(e);
    cJSON_Delete(req);
    return rc == 0 ? alias_done(ctx, c, news, false, 0, NULL, outputs, e) : -1;
}

static int alias_delete(res_ctx *ctx, const char *id, const pv *props, err *e)
{
    aws_client *c = res_client_for(ctx, props, e);
    cJSON *req = c ? kms_req("AliasName", id, NULL) : NULL;
    int rc = !c ? -1 : req ? kms_call(ctx, c, "DeleteAlias", req, true, NULL, NULL, e) : res_oom(e);
    cJSON_Delete(req);
    if (rc != 0 && e->code == ERR_NOT_FOUND)
        return err_clear(e), 0;
    return rc;
}

const resource_type kms_alias_type = {
    .token = "kms/alias:Alias",
    .table = &alias_table,
    .check_hook = alias_check,
    .create = alias_create,
    .read = alias_read,
    .update = alias_update,
    .del = alias_delete,
    .delete_before_replace = true, /* one name: the old alias goes first */
};
