/* s3_encryption:
 * aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration
 * and the deprecated ...V2 token (same hooks; its object types keep
 * pulumi-aws's V2 names).
 *
 * ID: the bucket name. Put/Get/DeleteBucketEncryption through the shared
 * bucket-configuration path (s3_shared.h). Real S3 always reports an
 * encryption (SSE-S3, AES256, is every bucket's default): after the
 * configuration is deleted, Get answers that default instead of "none", so a
 * Read that finds exactly the default where the resource asked for something
 * else reports the resource gone rather than as drift (moto answers 404). */
#include <stdlib.h>
#include <string.h>

#include "resources/s3_shared.h"
#include "util/buf.h"
#include "util/str.h"

static const char *const sse_algorithms[] = {"AES256", "aws:kms", "aws:kms:dsse", NULL};

static const eng_prop sse_default_rows[] = {
    {.name = "sseAlgorithm",
     .type = ET_STRING,
     .flags = EP_REQUIRED,
     .doc = "Server-side encryption algorithm: `AES256`, `aws:kms` or `aws:kms:dsse`.",
     .valid = EV_ENUM,
     .values = sse_algorithms,
     .aws = "SSEAlgorithm"},
    {.name = "kmsMasterKeyId",
     .type = ET_STRING,
     .doc = "The KMS key (id, ARN or alias) for `aws:kms` and `aws:kms:dsse`; unset: the AWS "
            "managed key `aws/s3`.",
     .valid = EV_STRING,
     .min = 1,
     .max = 2048,
     .aws = "KMSMasterKeyID"},
};

#define SSE_DEFAULT_DOC "The default encryption of new objects."
#define SSE_RULE_DOC "One server-side encryption rule."

static const eng_object sse_default = {
    .token = "s3/BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefault:"
             "BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefault",
    .doc = SSE_DEFAULT_DOC,
    ENG_ROWS(sse_default_rows),
};
static const eng_object sse_v2_default = {
    .token = "s3/BucketServerSideEncryptionConfigurationV2RuleApplyServerSideEncryptionByDefault:"
             "BucketServerSideEncryptionConfigurationV2RuleApplyServerSideEncryptionByDefault",
    .doc = SSE_DEFAULT_DOC,
    ENG_ROWS(sse_default_rows),
};

#define SSE_RULE_ROWS(def)                                                                         \
    {.name = "applyServerSideEncryptionByDefault",                                                 \
     .type = ET_OBJECT,                                                                            \
     .object = &(def),                                                                             \
     .doc = "The default encryption: `sseAlgorithm` and `kmsMasterKeyId`.",                        \
     .aws = "ApplyServerSideEncryptionByDefault"},                                                 \
        {.name = "bucketKeyEnabled",                                                               \
         .type = ET_BOOL,                                                                          \
         .doc = "Whether to use S3 Bucket Keys for SSE-KMS (fewer KMS calls).",                    \
         .aws = "BucketKeyEnabled"},                                                               \
    {                                                                                              \
        .name = "blockedEncryptionTypes", .type = ET_LIST, .item = ET_STRING,                      \
        .doc = "Encryption types to block for uploads: `SSE-C` or `NONE`.",                        \
        .aws = "BlockedEncryptionTypes"                                                            \
    }

static const eng_prop sse_rule_rows[] = {SSE_RULE_ROWS(sse_default)};
static const eng_prop sse_v2_rule_rows[] = {SSE_RULE_ROWS(sse_v2_default)};

static const eng_object sse_rule = {
    .token = "s3/BucketServerSideEncryptionConfigurationRule:"
             "BucketServerSideEncryptionConfigurationRule",
    .doc = SSE_RULE_DOC,
    ENG_ROWS(sse_rule_rows),
};
static const eng_object sse_v2_rule = {
    .token = "s3/BucketServerSideEncryptionConfigurationV2Rule:"
             "BucketServerSideEncryptionConfigurationV2Rule",
    .doc = SSE_RULE_DOC,
    ENG_ROWS(sse_v2_rule_rows),
};

#define SSE_ROWS(rule)                                                                             \
    S3S_BUCKET_ROW("ID (name) of the bucket. Changing it replaces the resource."),                 \
        {.name = "rules",                                                                          \
         .type = ET_LIST,                                                                          \
         .object = &(rule),                                                                        \
         .flags = EP_REQUIRED,                                                                     \
         .doc = "The encryption rule (S3 takes exactly one).",                                     \
         .aws = "Rule"},                                                                           \
        S3S_OWNER_ROW, ENG_REGION_ROW

static const eng_prop sse_rows[] = {SSE_ROWS(sse_rule)};
static const eng_prop sse_v2_rows[] = {SSE_ROWS(sse_v2_rule)};

#define SSE_DOC                                                                                    \
    "The default server-side encryption of an S3 bucket. ID: the bucket name. Import with "        \
    "`pulumi import "                                                                              \
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration NAME " \
    "<bucket>`."

static const eng_table sse_table = {.doc = SSE_DOC, ENG_ROWS(sse_rows)};
static const eng_table sse_v2_table = {
    .doc = SSE_DOC,
    ENG_ROWS(sse_v2_rows),
    .deprecated = "aws.s3/bucketserversideencryptionconfigurationv2."
                  "BucketServerSideEncryptionConfigurationV2 has been deprecated in favor of "
                  "aws.s3/bucketserversideencryptionconfiguration."
                  "BucketServerSideEncryptionConfiguration",
};

/* The one rule, or NULL. */
static const pv *sse_rule_of(const pv *in)
{
    const pv *rules = in ? pv_object_get(in, "rules") : NULL;
    rules = rules ? pv_plain(rules) : NULL;
    if (!rules || rules->kind != PV_ARRAY || rules->u.arr.len != 1)
        return NULL;
    const pv *r = pv_plain(rules->u.arr.items[0]);
    return r->kind == PV_OBJECT ? r : NULL;
}

static const char *sse_default_field(const pv *rule, const char *name)
{
    const pv *d = rule ? pv_object_get(rule, "applyServerSideEncryptionByDefault") : NULL;
    return d && pv_plain(d)->kind == PV_OBJECT ? prop_str(pv_plain(d), name) : NULL;
}

static int sse_check_hook(res_ctx *ctx, const pv *olds, pv *in, check_failures *fails, err *e)
{
    const pv *rules = pv_object_get(in, "rules");
    rules = rules ? pv_plain(rules) : NULL;
    if (rules && rules->kind == PV_ARRAY && rules->u.arr.len != 1 &&
        check_failure_add(fails, "rules",
                          "rules must hold exactly one rule (S3 takes one), not %zu",
                          rules->u.arr.len) != 0)
        return res_oom(e);
    const pv *rule = sse_rule_of(in);
    const char *alg = sse_default_field(rule, "sseAlgorithm");
    if (alg && str_eq(alg, "AES256") && sse_default_field(rule, "kmsMasterKeyId") &&
        check_failure_add(fails, "rules[0].applyServerSideEncryptionByDefault.kmsMasterKeyId",
                          "kmsMasterKeyId is only for sseAlgorithm aws:kms or aws:kms:dsse, not "
                          "AES256") != 0)
        return res_oom(e);
    const pv *blocked = rule ? pv_object_get(rule, "blockedEncryptionTypes") : NULL;
    blocked = blocked ? pv_plain(blocked) : NULL;
    for (size_t i = 0; blocked && blocked->kind == PV_ARRAY && i < blocked->u.arr.len; i++) {
        const pv *v = pv_plain(blocked->u.arr.items[i]);
        if (v->kind == PV_STRING && !str_eq(v->u.str.s, "SSE-C") && !str_eq(v->u.str.s, "NONE") &&
            check_failure_add(fails, "rules[0].blockedEncryptionTypes",
                              "blockedEncryptionTypes: '%s' must be one of SSE-C, NONE",
                              v->u.str.s) != 0)
            return res_oom(e);
    }
    return 0;
}

static char *sse_body(const pv *in, size_t *len, err *e)
{
    const pv *rule = sse_rule_of(in);
    const char *alg = sse_default_field(rule, "sseAlgorithm");
    const char *key = sse_default_field(rule, "kmsMasterKeyId");
    const pv *bke = rule ? pv_object_get(rule, "bucketKeyEnabled") : NULL;
    const pv *blocked = rule ? pv_object_get(rule, "blockedEncryptionTypes") : NULL;
    blocked = blocked ? pv_plain(blocked) : NULL;
    buf b;
    buf_init(&b, 16384);
    int rc =
        buf_append_str(&b, "<ServerSideEncryptionConfiguration xmlns=\"" S3S_XMLNS "\"><Rule>");
    if (rc == 0 && alg) {
        rc = buf_append_str(&b, "<ApplyServerSideEncryptionByDefault><SSEAlgorithm>") ||
             s3_xml_escape(&b, alg) || buf_append_str(&b, "</SSEAlgorithm>");
        if (rc == 0 && key)
            rc = buf_append_str(&b, "<KMSMasterKeyID>") || s3_xml_escape(&b, key) ||
                 buf_append_str(&b, "</KMSMasterKeyID>");
        if (rc == 0)
            rc = buf_append_str(&b, "</ApplyServerSideEncryptionByDefault>");
    }
    if (rc == 0 && bke && pv_plain(bke)->kind == PV_BOOL)
        rc = buf_printf(&b, "<BucketKeyEnabled>%s</BucketKeyEnabled>",
                        pv_plain(bke)->u.b ? "true" : "false");
    if (rc == 0 && blocked && blocked->kind == PV_ARRAY) {
        rc = buf_append_str(&b, "<BlockedEncryptionTypes>");
        for (size_t i = 0; rc == 0 && i < blocked->u.arr.len; i++) {
            const pv *v = pv_plain(blocked->u.arr.items[i]);
            rc = buf_append_str(&b, "<EncryptionType>") ||
                 s3_xml_escape(&b, v->kind == PV_STRING ? v->u.str.s : "") ||
                 buf_append_str(&b, "</EncryptionType>");
        }
        if (rc == 0)
            rc = buf_append_str(&b, "</BlockedEncryptionTypes>");
    }
    if (rc == 0)
        rc = buf_append_str(&b, "</Rule></ServerSideEncryptionConfiguration>");
    char *out = rc == 0 ? buf_take(&b, len) : NULL;
    buf_free(&b);
    if (!out)
        res_oom(e);
    return out;
}

/* The rule as the user writes it, from S3's <Rule>: optional fields only
 * when S3 reports them, or (bucketKeyEnabled) when the user manages them. */
static pv *sse_rule_from(const xml_node *r, const pv *old_rule)
{
    pv *rule = pv_object(), *def = NULL, *blocked = NULL;
    if (!rule)
        return NULL;
    const char *alg = xml_path_text(r, "ApplyServerSideEncryptionByDefault/SSEAlgorithm");
    const char *key = xml_path_text(r, "ApplyServerSideEncryptionByDefault/KMSMasterKeyID");
    const char *bke = xml_path_text(r, "BucketKeyEnabled");
    const xml_node *bl = xml_child(r, "BlockedEncryptionTypes");
    bool ok = true;
    if (alg) {
        def = pv_object();
        ok = def && prop_set_str(def, "sseAlgorithm", alg) == 0 &&
             (!key || !*key || prop_set_str(def, "kmsMasterKeyId", key) == 0);
        if (!ok)
            pv_free(def);
        else /* the object owns def from here, also when this fails */
            ok = pv_object_set(rule, "applyServerSideEncryptionByDefault", def) == 0;
    }
    bool on = bke && strcmp(bke, "true") == 0;
    if (ok && (on || (bke && old_rule && pv_object_get(old_rule, "bucketKeyEnabled"))))
        ok = prop_set_bool(rule, "bucketKeyEnabled", on) == 0;
    if (ok && bl) {
        ok = (blocked = pv_array()) != NULL;
        for (size_t i = 0; ok && i < bl->n_children; i++) {
            /* pv_array_push frees the item when it fails */
            ok = pv_array_push(blocked, pv_string(bl->children[i]->text)) == 0;
        }
        if (!ok)
            pv_free(blocked);
        else
            ok = pv_object_set(rule, "blockedEncryptionTypes", blocked) == 0;
    }
    if (!ok) {
        pv_free(rule);
        return NULL;
    }
    return rule;
}

/* 1 when S3 reports only its default (AES256, no key, no bucket key) where
 * the resource asked for something else: the configuration was deleted. */
static bool sse_only_default(const xml_node *root, const pv *old)
{
    if (!old || !root || root->n_children != 1)
        return false;
    const xml_node *r = root->children[0];
    const char *alg = xml_path_text(r, "ApplyServerSideEncryptionByDefault/SSEAlgorithm");
    const char *key = xml_path_text(r, "ApplyServerSideEncryptionByDefault/KMSMasterKeyID");
    const char *bke = xml_path_text(r, "BucketKeyEnabled");
    if (!str_eq(alg, "AES256") || (key && *key) || str_eq(bke, "true"))
        return false;
    return !str_eq(sse_default_field(sse_rule_of(old), "sseAlgorithm"), "AES256");
}

static int sse_read_body(const char *body, size_t len, const pv *old, pv *out, err *e)
{
    xml_node *root = NULL;
    pv *rules = NULL;
    int rc = -1;
    if (xml_parse(body, len, &root, e) != 0)
        return -1;
    if (sse_only_default(root, old)) {
        rc = 1;
        goto done;
    }
    rules = pv_array();
    if (!rules)
        goto oom;
    for (size_t i = 0; i < root->n_children; i++) {
        if (strcmp(root->children[i]->name, "Rule") != 0)
            continue;
        /* pv_array_push frees the item when it fails */
        if (pv_array_push(rules, sse_rule_from(root->children[i], sse_rule_of(old))) != 0)
            goto oom;
    }
    rc = pv_object_set(out, "rules", rules) == 0 ? 0 : res_oom(e);
    rules = NULL;
    goto done;
oom:
    res_oom(e);
done:
    pv_free(rules);
    xml_free(root);
    return rc;
}

static const char *const sse_missing[] = {"ServerSideEncryptionConfigurationNotFoundError", NULL};

static const s3s_config sse_config = {.what = "bucket encryption",
                                      .subresource = "encryption",
                                      .put_op = "PutBucketEncryption",
                                      .get_op = "GetBucketEncryption",
                                      .delete_op = "DeleteBucketEncryption",
                                      .missing_codes = sse_missing,
                                      .table = &sse_table,
                                      .body = sse_body,
                                      .read = sse_read_body};

static int sse_create(res_ctx *ctx, const pv *inputs, char **id, pv **outputs, err *e)
{
    return s3s_cfg_create(ctx, &sse_config, inputs, id, outputs, e);
}

static int sse_read(res_ctx *ctx, const char *id, const pv *props, const pv *inputs, char **new_id,
                    pv **outputs, pv **new_inputs, err *e)
{
    return s3s_cfg_read(ctx, &sse_config, id, props, inputs, new_id, outputs, new_inputs, e);
}

static int sse_update(res_ctx *ctx, const char *id, const pv *olds, const pv *news,
                      const pv *old_inputs, pv **outputs, err *e)
{
    return s3s_cfg_update(ctx, &sse_config, id, news, outputs, e);
}

static int sse_delete(res_ctx *ctx, const char *id, const pv *props, err *e)
{
    return s3s_cfg_delete(ctx, &sse_config, id, props, e);
}

const resource_type s3_encryption_type = {
    .token = "s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    .table = &sse_table,
    .check_hook = sse_check_hook,
    .create = sse_create,
    .read = sse_read,
    .update = sse_update,
    .del = sse_delete,
};

const resource_type s3_encryption_v2_type = {
    .token = "s3/bucketServerSideEncryptionConfigurationV2:"
             "BucketServerSideEncryptionConfigurationV2",
    .table = &sse_v2_table,
    .check_hook = sse_check_hook,
    .create = sse_create,
    .read = sse_read,
    .update = sse_update,
    .del = sse_delete,
};
