/* s3_versioning: aws:s3/bucketVersioning:BucketVersioning and the deprecated
 * aws:s3/bucketVersioningV2:BucketVersioningV2 (same hooks; its object type
 * keeps pulumi-aws's V2 name).
 *
 * ID: the bucket name. Put/GetBucketVersioning through the shared
 * bucket-configuration path (s3_shared.h). "Disabled" is for buckets never
 * versioned: nothing is sent, and a bucket once Enabled can only be Suspended
 * (Check refuses Disabled after Enabled or Suspended). Destroy suspends
 * versioning, as pulumi-aws does (S3 cannot turn it off). */
#include <stdlib.h>
#include <string.h>

#include "resources/s3_shared.h"
#include "util/buf.h"
#include "util/str.h"

static const char *const ver_statuses[] = {"Enabled", "Suspended", "Disabled", NULL};
static const char *const ver_mfa_values[] = {"Enabled", "Disabled", NULL};

static const eng_prop ver_cfg_rows[] = {
    {.name = "status",
     .type = ET_STRING,
     .flags = EP_REQUIRED,
     .doc = "Versioning state: `Enabled`, `Suspended`, or `Disabled` (only for a bucket that was "
            "never versioned).",
     .valid = EV_ENUM,
     .values = ver_statuses,
     .aws = "Status"},
    {.name = "mfaDelete",
     .type = ET_STRING,
     .doc = "Whether MFA delete is enabled: `Enabled` or `Disabled`.",
     .valid = EV_ENUM,
     .values = ver_mfa_values,
     .aws = "MfaDelete"},
};

#define VER_CFG_DOC "The versioning parameters of the bucket."

static const eng_object ver_cfg = {
    .token = "s3/BucketVersioningVersioningConfiguration:BucketVersioningVersioningConfiguration",
    .doc = VER_CFG_DOC,
    ENG_ROWS(ver_cfg_rows),
};
static const eng_object ver_v2_cfg = {
    .token = "s3/BucketVersioningV2VersioningConfiguration:"
             "BucketVersioningV2VersioningConfiguration",
    .doc = VER_CFG_DOC,
    ENG_ROWS(ver_cfg_rows),
};

#define VER_ROWS(obj)                                                                              \
    S3S_BUCKET_ROW("Name of the S3 bucket. Changing it replaces the resource."),                   \
        {.name = "versioningConfiguration",                                                        \
         .type = ET_OBJECT,                                                                        \
         .object = &(obj),                                                                         \
         .flags = EP_REQUIRED,                                                                     \
         .doc = "The versioning parameters: `status` and `mfaDelete`.",                            \
         .aws = "VersioningConfiguration"},                                                        \
        S3S_OWNER_ROW,                                                                             \
        {.name = "mfa",                                                                            \
         .type = ET_STRING,                                                                        \
         .flags = EP_LOCAL | EP_SECRET,                                                            \
         .doc = "The MFA device's serial number, a space, and its current code (sent as "          \
                "x-amz-mfa when changing mfaDelete)."},                                            \
        ENG_REGION_ROW

static const eng_prop ver_rows[] = {VER_ROWS(ver_cfg)};
static const eng_prop ver_v2_rows[] = {VER_ROWS(ver_v2_cfg)};

#define VER_DOC                                                                                    \
    "The versioning state of an S3 bucket. ID: the bucket name. Import with `pulumi import "       \
    "aws:s3/bucketVersioning:BucketVersioning NAME <bucket>`."

static const eng_table ver_table = {.doc = VER_DOC, ENG_ROWS(ver_rows)};
static const eng_table ver_v2_table = {
    .doc = VER_DOC,
    ENG_ROWS(ver_v2_rows),
    .deprecated = "aws.s3/bucketversioningv2.BucketVersioningV2 has been deprecated in favor of "
                  "aws.s3/bucketversioning.BucketVersioning",
};

static const char *ver_field(const pv *in, const char *name)
{
    const pv *cfg = pv_object_get(in, "versioningConfiguration");
    return cfg && pv_plain(cfg)->kind == PV_OBJECT ? prop_str(pv_plain(cfg), name) : NULL;
}

static bool ver_disabled(const pv *in)
{
    return str_eq(ver_field(in, "status"), "Disabled");
}

static char *ver_xml(const char *status, const char *mfa_delete, size_t *len, err *e)
{
    buf b;
    buf_init(&b, 4096);
    int rc = buf_printf(&b, "<VersioningConfiguration xmlns=\"" S3S_XMLNS "\"><Status>%s</Status>",
                        status);
    if (rc == 0 && mfa_delete)
        rc = buf_printf(&b, "<MfaDelete>%s</MfaDelete>", mfa_delete);
    if (rc == 0)
        rc = buf_append_str(&b, "</VersioningConfiguration>");
    char *out = rc == 0 ? buf_take(&b, len) : NULL;
    buf_free(&b);
    if (!out)
        res_oom(e);
    return out;
}

static char *ver_body(const pv *in, size_t *len, err *e)
{
    const char *status = ver_field(in, "status");
    if (!status) {
        err_set(e, ERR_INVALID_ARGUMENT, "versioningConfiguration.status must be a known string");
        return NULL;
    }
    return ver_xml(status, ver_field(in, "mfaDelete"), len, e);
}

/* A bucket never versioned answers no Status: "Disabled". mfaDelete is
 * reported when the user manages it or AWS says it is on. */
static int ver_read_body(const char *body, size_t len, const pv *old, pv *out, err *e)
{
    xml_node *root = NULL;
    if (len && xml_parse(body, len, &root, e) != 0)
        return -1;
    const char *status = root ? xml_path_text(root, "Status") : NULL;
    const char *mfa = root ? xml_path_text(root, "MfaDelete") : NULL;
    pv *cfg = pv_object();
    int rc = -1;
    if (!cfg || prop_set_str(cfg, "status", status && *status ? status : "Disabled") != 0)
        goto oom;
    if (mfa && (str_eq(mfa, "Enabled") || (old && ver_field(old, "mfaDelete"))) &&
        prop_set_str(cfg, "mfaDelete", mfa) != 0)
        goto oom;
    if (pv_object_set(out, "versioningConfiguration", cfg) != 0) {
        cfg = NULL; /* owned by out whatever happened */
        goto oom;
    }
    cfg = NULL;
    rc = 0;
    goto done;
oom:
    res_oom(e);
done:
    pv_free(cfg);
    xml_free(root);
    return rc;
}

static const s3s_config ver_config = {.what = "bucket versioning",
                                      .subresource = "versioning",
                                      .put_op = "PutBucketVersioning",
                                      .get_op = "GetBucketVersioning",
                                      .delete_op = "PutBucketVersioning",
                                      .table = &ver_table,
                                      .body = ver_body,
                                      .skip_put = ver_disabled,
                                      .read = ver_read_body};

/* Once Enabled (or Suspended), S3 has no way back to Disabled. */
static int ver_check_hook(res_ctx *ctx, const pv *olds, pv *in, check_failures *fails, err *e)
{
    const char *was = olds ? ver_field(olds, "status") : NULL;
    if (ver_disabled(in) && (str_eq(was, "Enabled") || str_eq(was, "Suspended")) &&
        check_failure_add(fails, "versioningConfiguration.status",
                          "versioningConfiguration.status cannot go from %s to Disabled: a bucket "
                          "once versioned can only be Suspended",
                          was) != 0)
        return res_oom(e);
    return 0;
}

static int ver_create(res_ctx *ctx, const pv *inputs, char **id, pv **outputs, err *e)
{
    return s3s_cfg_create(ctx, &ver_config, inputs, id, outputs, e);
}

static int ver_read(res_ctx *ctx, const char *id, const pv *props, const pv *inputs, char **new_id,
                    pv **outputs, pv **new_inputs, err *e)
{
    return s3s_cfg_read(ctx, &ver_config, id, props, inputs, new_id, outputs, new_inputs, e);
}

static int ver_update(res_ctx *ctx, const char *id, const pv *olds, const pv *news,
                      const pv *old_inputs, pv **outputs, err *e)
{
    return s3s_cfg_update(ctx, &ver_config, id, news, outputs, e);
}

/* Suspends versioning (a bucket never versioned is left alone). */
static int ver_delete(res_ctx *ctx, const char *id, const pv *props, err *e)
{
    if (ver_disabled(props))
        return 0;
    pv *suspend = pv_copy(props);
    pv *cfg = pv_object();
    int rc = -1;
    if (!suspend || !cfg || prop_set_str(cfg, "status", "Suspended") != 0) {
        pv_free(cfg);
        res_oom(e);
        goto done;
    }
    if (pv_object_set(suspend, "versioningConfiguration", cfg) != 0) {
        res_oom(e);
        goto done;
    }
    pv *ignored = NULL;
    rc = s3s_cfg_update(ctx, &ver_config, id, suspend, &ignored, e);
    pv_free(ignored);
    if (rc != 0 && s3s_no_bucket(e)) {
        err_clear(e); /* the bucket is gone already */
        rc = 0;
    }
done:
    pv_free(suspend);
    return rc;
}

const resource_type s3_versioning_type = {
    .token = "s3/bucketVersioning:BucketVersioning",
    .table = &ver_table,
    .check_hook = ver_check_hook,
    .create = ver_create,
    .read = ver_read,
    .update = ver_update,
    .del = ver_delete,
};

const resource_type s3_versioning_v2_type = {
    .token = "s3/bucketVersioningV2:BucketVersioningV2",
    .table = &ver_v2_table,
    .check_hook = ver_check_hook,
    .create = ver_create,
    .read = ver_read,
    .update = ver_update,
    .del = ver_delete,
};
