/* s3_policy: aws:s3/bucketPolicy:BucketPolicy.
 *
 * ID: the bucket name. Put/Get/DeleteBucketPolicy through the shared
 * bucket-configuration path (s3_shared.h). The policy compares by meaning
 * (ED_POLICY, policy.h): AWS's reformatting, key order and one-element arrays
 * never show as a change, and state keeps the user's text. */
#include <stdlib.h>
#include <string.h>

#include "resources/policy.h"
#include "resources/s3_shared.h"
#include "util/str.h"

#define BP_POLICY_MAX (20 * 1024)

static const eng_prop bp_rows[] = {
    S3S_BUCKET_ROW("Name of the bucket to which to apply the policy. Changing it replaces the "
                   "resource."),
    {.name = "policy",
     .type = ET_STRING,
     .flags = EP_REQUIRED,
     .doc = "The bucket policy, a JSON document of at most 20 KiB (an object given by an SDK is "
            "serialised). Compared by meaning.",
     .valid = EV_POLICY,
     .max = BP_POLICY_MAX,
     .diff = ED_POLICY,
     .aws = "Policy"},
    ENG_REGION_ROW,
};

static const eng_table bp_table = {
    .doc = "The policy of an S3 bucket. ID: the bucket name. Import with `pulumi import "
           "aws:s3/bucketPolicy:BucketPolicy NAME <bucket>`.",
    ENG_ROWS(bp_rows),
};

static char *bp_body(const pv *in, size_t *len, err *e)
{
    const char *p = prop_str(in, "policy");
    if (!p) {
        err_set(e, ERR_INVALID_ARGUMENT, "policy must be a known string");
        return NULL;
    }
    if (strlen(p) > BP_POLICY_MAX) {
        err_set(e, ERR_INVALID_ARGUMENT, "policy is longer than S3's %d bytes", BP_POLICY_MAX);
        return NULL;
    }
    char *out = str_dup(p);
    if (!out)
        res_oom(e);
    else
        *len = strlen(out);
    return out;
}

/* GetBucketPolicy answers the document itself; the user's text stays when it
 * means the same. */
static int bp_read_body(const char *body, size_t len, const pv *old, pv *out, err *e)
{
    const char *mine = old ? prop_str(old, "policy") : NULL;
    char *text = str_ndup(body, len);
    if (!text)
        return res_oom(e);
    int rc = prop_set_str(out, "policy", mine && policy_same(mine, text) ? mine : text) == 0
                 ? 0
                 : res_oom(e);
    free(text);
    return rc;
}

static const char *const bp_missing[] = {"NoSuchBucketPolicy", NULL};

static const s3s_config bp_config = {.what = "bucket policy",
                                     .subresource = "policy",
                                     .put_op = "PutBucketPolicy",
                                     .get_op = "GetBucketPolicy",
                                     .delete_op = "DeleteBucketPolicy",
                                     .missing_codes = bp_missing,
                                     .table = &bp_table,
                                     .body = bp_body,
                                     .content_type = "application/json",
                                     .read = bp_read_body};

static int bp_create(res_ctx *ctx, const pv *inputs, char **id, pv **outputs, err *e)
{
    return s3s_cfg_create(ctx, &bp_config, inputs, id, outputs, e);
}

static int bp_read(res_ctx *ctx, const char *id, const pv *props, const pv *inputs, char **new_id,
                   pv **outputs, pv **new_inputs, err *e)
{
    return s3s_cfg_read(ctx, &bp_config, id, props, inputs, new_id, outputs, new_inputs, e);
}

static int bp_update(res_ctx *ctx, const char *id, const pv *olds, const pv *news,
                     const pv *old_inputs, pv **outputs, err *e)
{
    return s3s_cfg_update(ctx, &bp_config, id, news, outputs, e);
}

static int bp_delete(res_ctx *ctx, const char *id, const pv *props, err *e)
{
    return s3s_cfg_delete(ctx, &bp_config, id, props, e);
}

const resource_type s3_policy_type = {
    .token = "s3/bucketPolicy:BucketPolicy",
    .table = &bp_table,
    .create = bp_create,
    .read = bp_read,
    .update = bp_update,
    .del = bp_delete,
};
