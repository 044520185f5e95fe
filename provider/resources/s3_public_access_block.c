/* s3_public_access_block: aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock.
 *
 * ID: the bucket name. Put/Get/DeletePublicAccessBlock through the shared
 * bucket-configuration path (s3_shared.h: under the bucket's lock, retrying
 * OperationAborted). skipDestroy leaves the block in place on destroy. */
#include <stdlib.h>
#include <string.h>

#include "resources/s3_shared.h"
#include "util/buf.h"

static const eng_prop pab_rows[] = {
    S3S_BUCKET_ROW("S3 bucket to which this public access block applies. Changing it replaces the "
                   "resource."),
    {.name = "blockPublicAcls",
     .type = ET_BOOL,
     .def = "false",
     .doc = "Whether S3 blocks public ACLs for this bucket (PUT calls with a public ACL fail).",
     .aws = "BlockPublicAcls"},
    {.name = "blockPublicPolicy",
     .type = ET_BOOL,
     .def = "false",
     .doc = "Whether S3 refuses bucket policies that grant public access.",
     .aws = "BlockPublicPolicy"},
    {.name = "ignorePublicAcls",
     .type = ET_BOOL,
     .def = "false",
     .doc = "Whether S3 ignores public ACLs on this bucket and its objects.",
     .aws = "IgnorePublicAcls"},
    {.name = "restrictPublicBuckets",
     .type = ET_BOOL,
     .def = "false",
     .doc = "Whether only AWS services and the bucket owner's account may use a public bucket "
            "policy.",
     .aws = "RestrictPublicBuckets"},
    {.name = "skipDestroy",
     .type = ET_BOOL,
     .flags = EP_LOCAL,
     .doc = "Leave the public access block in place when the resource is destroyed (it is only "
            "removed from the state)."},
    ENG_REGION_ROW,
};

static const eng_table pab_table = {
    .doc = "The public access block of an S3 bucket. ID: the bucket name. Import with `pulumi "
           "import aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock NAME <bucket>`.",
    ENG_ROWS(pab_rows),
};

static const char *const pab_flags[] = {"blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls",
                                        "restrictPublicBuckets"};

static char *pab_body(const pv *in, size_t *len, err *e)
{
    buf b;
    buf_init(&b, 4096);
    int rc = buf_append_str(&b, "<PublicAccessBlockConfiguration xmlns=\"" S3S_XMLNS "\">");
    for (size_t i = 0; rc == 0 && i < sizeof(pab_flags) / sizeof(pab_flags[0]); i++) {
        const eng_prop *p = engine_prop(&pab_table, pab_flags[i]);
        const pv *v = pv_object_get(in, p->name);
        bool on = v && pv_plain(v)->kind == PV_BOOL && pv_plain(v)->u.b;
        rc = buf_printf(&b, "<%s>%s</%s>", p->aws, on ? "true" : "false", p->aws);
    }
    if (rc == 0)
        rc = buf_append_str(&b, "</PublicAccessBlockConfiguration>");
    char *out = rc == 0 ? buf_take(&b, len) : NULL;
    buf_free(&b);
    if (!out)
        res_oom(e);
    return out;
}

static int pab_read_body(const char *body, size_t len, const pv *old, pv *out, err *e)
{
    xml_node *root = NULL;
    if (xml_parse(body, len, &root, e) != 0)
        return -1;
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < sizeof(pab_flags) / sizeof(pab_flags[0]); i++) {
        const eng_prop *p = engine_prop(&pab_table, pab_flags[i]);
        rc = prop_set_bool(out, p->name, false) == 0 &&
                     s3s_set_xml_bool(out, p->name, root, p->aws) == 0
                 ? 0
                 : res_oom(e);
    }
    xml_free(root);
    return rc;
}

static const char *const pab_missing[] = {"NoSuchPublicAccessBlockConfiguration", NULL};

static const s3s_config pab_config = {.what = "public access block",
                                      .subresource = "publicAccessBlock",
                                      .put_op = "PutPublicAccessBlock",
                                      .get_op = "GetPublicAccessBlock",
                                      .delete_op = "DeletePublicAccessBlock",
                                      .missing_codes = pab_missing,
                                      .table = &pab_table,
                                      .body = pab_body,
                                      .read = pab_read_body};

static int pab_create(res_ctx *ctx, const pv *inputs, char **id, pv **outputs, err *e)
{
    return s3s_cfg_create(ctx, &pab_config, inputs, id, outputs, e);
}

static int pab_read(res_ctx *ctx, const char *id, const pv *props, const pv *inputs, char **new_id,
                    pv **outputs, pv **new_inputs, err *e)
{
    return s3s_cfg_read(ctx, &pab_config, id, props, inputs, new_id, outputs, new_inputs, e);
}

static int pab_update(res_ctx *ctx, const char *id, const pv *olds, const pv *news,
                      const pv *old_inputs, pv **outputs, err *e)
{
    return s3s_cfg_update(ctx, &pab_config, id, news, outputs, e);
}

static int pab_delete(res_ctx *ctx, const char *id, const pv *props, err *e)
{
    const pv *skip = pv_object_get(props, "skipDestroy");
    if (skip && pv_plain(skip)->kind == PV_BOOL && pv_plain(skip)->u.b)
        return 0;
    return s3s_cfg_delete(ctx, &pab_config, id, props, e);
}

const resource_type s3_public_access_block_type = {
    .token = "s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
    .table = &pab_table,
    .create = pab_create,
    .read = pab_read,
    .update = pab_update,
    .del = pab_delete,
};
