/* s3_bucket: aws:s3/bucket:Bucket, and the deprecated aws:s3/bucketV2:BucketV2
 * served by the same table and hooks (pulumi-aws 7 renamed BucketV2 to Bucket).
 *
 * ID: the bucket name. CreateBucket (LocationConstraint outside us-east-1,
 * x-amz-bucket-object-lock-enabled), then PutBucketTagging; Read is HeadBucket
 * (its region), GetBucketTagging and GetObjectLockConfiguration; an update
 * writes the tag set; Delete empties the bucket first when forceDestroy is
 * set (every object version and delete marker, ListObjectVersions and
 * DeleteObjects 1000 at a time). The inline settings pulumi-aws 7 deprecates
 * (acl, policy, versioning, serverSideEncryptionConfiguration, ...) are
 * refused at Check, naming the resource that manages each. A create whose
 * answer is lost is adopted (HeadBucket, ListBuckets' creation date). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aws/s3.h"
#include "resources/common.h"
#include "resources/engine.h"
#include "resources/pending.h"
#include "resources/s3_shared.h"
#include "util/buf.h"
#include "util/log.h"
#include "util/str.h"

#define BK_PREFIX_MAX 37
#define BK_DELETE_BATCH 1000
/* Emptying and deleting a forceDestroy bucket while objects keep arriving. */
#define BK_EMPTY_ROUNDS 5

static const char *const bk_namespaces[] = {"global", NULL};

static const eng_prop bk_rows[] = {
    {.name = "bucket",
     .type = ET_STRING,
     .flags = EP_NAME | EP_REPLACE | EP_ALWAYS,
     .doc = "Name of the bucket: 3-63 of lowercase letters, digits, `.` and `-`, starting and "
            "ending with a letter or digit. Generated from the resource name (lowercased) when "
            "absent. Changing it replaces the bucket.",
     .valid = EV_STRING,
     .min = 3,
     .max = S3S_BUCKET_MAX,
     .charset = s3s_bucket_char,
     .rule = S3S_BUCKET_RULE,
     .pred = s3s_bucket_shape,
     .pred_rule = S3S_BUCKET_SHAPE_RULE,
     .prefix_of = "bucketPrefix"},
    {.name = "bucketPrefix",
     .type = ET_STRING,
     .flags = EP_REPLACE | EP_LOCAL,
     .doc = "A prefix for a generated bucket name (at most 37 characters, same characters as "
            "`bucket`). Conflicts with `bucket`.",
     .valid = EV_STRING,
     .min = 1,
     .max = BK_PREFIX_MAX,
     .charset = s3s_bucket_char,
     .rule = S3S_BUCKET_RULE},
    {.name = "bucketNamespace",
     .type = ET_STRING,
     .flags = EP_REPLACE | EP_LOCAL,
     .doc = "Namespace of the bucket name. awsml creates buckets in the `global` namespace only.",
     .valid = EV_ENUM,
     .values = bk_namespaces},
    {.name = "forceDestroy",
     .type = ET_BOOL,
     .flags = EP_LOCAL,
     .def = "false",
     .doc = "Delete every object version and delete marker when the bucket is destroyed, so the "
            "delete succeeds. Takes effect once recorded by an `up`."},
    {.name = "objectLockEnabled",
     .type = ET_BOOL,
     .flags = EP_REPLACE,
     .def = "false",
     .doc = "Whether the bucket has Object Lock enabled (set at creation; changing it replaces the "
            "bucket).",
     .aws = "ObjectLockEnabled"},
    {.name = "tags",
     .type = ET_MAP,
     .item = ET_STRING,
     .flags = EP_TAGS,
     .doc = "Tags of the bucket.",
     .diff = ED_MAP,
     .aws = "Tags"},
    ENG_REGION_ROW,
    {.name = "arn",
     .type = ET_STRING,
     .flags = EP_OUTPUT | EP_ALWAYS,
     .doc = "ARN of the bucket: `arn:<partition>:s3:::<bucket>`."},
    {.name = "bucketDomainName",
     .type = ET_STRING,
     .flags = EP_OUTPUT | EP_ALWAYS,
     .doc = "The bucket's domain name, `<bucket>.s3.amazonaws.com`."},
    {.name = "bucketRegionalDomainName",
     .type = ET_STRING,
     .flags = EP_OUTPUT | EP_ALWAYS,
     .doc = "The bucket's region-specific domain name, `<bucket>.s3.<region>.amazonaws.com`."},
    {.name = "bucketRegion",
     .type = ET_STRING,
     .flags = EP_OUTPUT | EP_ALWAYS,
     .doc = "The region the bucket lives in."},
    {.name = "hostedZoneId",
     .type = ET_STRING,
     .flags = EP_OUTPUT | EP_ALWAYS,
     .doc = "Route 53 hosted zone id of the bucket region's S3 website endpoint."},
    {.name = "tagsAll",
     .type = ET_MAP,
     .item = ET_STRING,
     .flags = EP_OUTPUT | EP_TAGS_ALL,
     .doc = "The bucket's tags including the provider's `defaultTags`, minus `ignoreTags`.",
     .diff = ED_MAP},
};

#define BK_DOC                                                                                     \
    "An S3 general purpose bucket. ID: the bucket name. Import with `pulumi import "               \
    "aws:s3/bucket:Bucket NAME <bucket-name>`. The inline settings pulumi-aws 7 deprecates "       \
    "(acl, policy, versioning, serverSideEncryptionConfiguration, lifecycleRules, ...) are "       \
    "refused: use the separate resources."

static const eng_table bk_table = {.doc = BK_DOC, ENG_ROWS(bk_rows)};
static const eng_table bk_v2_table = {
    .doc = BK_DOC,
    ENG_ROWS(bk_rows),
    .deprecated = "s3.BucketV2 has been deprecated in favor of s3.Bucket",
};

/* ---- Check ------------------------------------------------------------------- */

/* The deprecated inline settings and what manages each instead. */
static const char *const bk_refused[][2] = {
    {"accelerationStatus", "aws.s3.BucketAccelerateConfiguration"},
    {"acl", "aws.s3.BucketAcl"},
    {"corsRules", "aws.s3.BucketCorsConfiguration"},
    {"grants", "aws.s3.BucketAcl"},
    {"lifecycleRules", "aws.s3.BucketLifecycleConfiguration"},
    {"logging", "aws.s3.BucketLogging"},
    {"loggings", "aws.s3.BucketLogging"},
    {"objectLockConfiguration", "objectLockEnabled and aws.s3.BucketObjectLockConfiguration"},
    {"policy", "aws.s3.BucketPolicy"},
    {"replicationConfiguration", "aws.s3.BucketReplicationConfig"},
    {"requestPayer", "aws.s3.BucketRequestPaymentConfiguration"},
    {"serverSideEncryptionConfiguration", "aws.s3.BucketServerSideEncryptionConfiguration"},
    {"versioning", "aws.s3.BucketVersioning"},
    {"website", "aws.s3.BucketWebsiteConfiguration"},
};

/* The resource name as a generated bucket name starts: lowercase, '-' for
 * the characters a bucket name cannot hold. */
static void bk_name_base(const char *name, char *out, size_t cap)
{
    size_t n = str_copy(out, cap, name ? name : "");
    if (n >= cap)
        n = cap - 1;
    for (size_t i = 0; i < n; i++) {
        char c = out[i];
        if (c >= 'A' && c <= 'Z')
            out[i] = (char)(c - 'A' + 'a');
        else if (!s3s_bucket_char((unsigned char)c))
            out[i] = '-';
    }
}

static bool bk_failed(const check_failures *f, const char *prop)
{
    for (size_t i = 0; i < f->len; i++)
        if (strcmp(f->props[i], prop) == 0)
            return true;
    return false;
}

static int bk_check_hook(res_ctx *ctx, const pv *olds, pv *in, check_failures *fails, err *e)
{
    for (size_t i = 0; i < sizeof(bk_refused) / sizeof(bk_refused[0]); i++) {
        const pv *v = pv_object_get(in, bk_refused[i][0]);
        if (v && pv_plain(v)->kind != PV_NULL &&
            check_failure_add(fails, bk_refused[i][0],
                              "%s is a deprecated inline setting that awsml does not manage: use "
                              "the separate %s resource instead",
                              bk_refused[i][0], bk_refused[i][1]) != 0)
            return res_oom(e);
    }
    /* A generated name comes from the resource name: S3's rules want it in
     * lowercase with '-' for anything else (as pulumi-aws makes it). A name
     * the user gave and that passed the rules is not changed by this. */
    const char *name = prop_str(in, "bucket");
    if (!name || bk_failed(fails, "bucket"))
        return 0;
    char fixed[S3S_BUCKET_MAX + 64];
    bk_name_base(name, fixed, sizeof(fixed));
    if (strcmp(fixed, name) != 0 && prop_set_str(in, "bucket", fixed) != 0)
        return res_oom(e);
    if (!s3s_bucket_shape(fixed) &&
        check_failure_add(fails, "bucket", "bucket '%s' %s", fixed, S3S_BUCKET_SHAPE_RULE) != 0)
        return res_oom(e);
    return 0;
}

/* Whether the bucket's name was generated (a prefix, or "<resource name>-<7
 * hex>"): the engine draws a new one for a replacement. */
static bool bk_autonamed(const res_ctx *ctx, const pv *in)
{
    const char *name = prop_str(in, "bucket");
    char base[S3S_BUCKET_MAX + 64];
    if (prop_str(in, "bucketPrefix"))
        return true;
    if (!name)
        return false;
    bk_name_base(ctx->name, base, sizeof(base));
    size_t bl = strlen(base), nl = strlen(name);
    if (nl != bl + 8 || strncmp(name, base, bl) != 0 || name[bl] != '-')
        return false;
    for (size_t i = bl + 1; i < nl; i++)
        if (!((name[i] >= '0' && name[i] <= '9') || (name[i] >= 'a' && name[i] <= 'f')))
            return false;
    return true;
}

/* A replacement that keeps the bucket's name (region, objectLockEnabled)
 * cannot create the new bucket while the old one holds the name: the old one
 * goes first, as pulumi-aws does for a resource whose name is set. */
static int bk_diff_hook(res_ctx *ctx, const pv *news, const pv *base, diff_result *out, err *e)
{
    const char *now = prop_str(news, "bucket"), *was = prop_str(base, "bucket");
    if (diff_has_replace(out) && now && was && strcmp(now, was) == 0 && !bk_autonamed(ctx, news))
        out->delete_before_replace = true;
    return 0;
}

/* ---- outputs ----------------------------------------------------------------- */

/* Outputs = inputs + what the bucket's name and region give. */
static pv *bk_outputs(aws_client *c, const pv *inputs, const char *bucket, const char *region)
{
    pv *out = pv_copy(inputs);
    char arn[S3S_BUCKET_MAX + 64], dn[S3S_BUCKET_MAX + 64], rdn[S3S_BUCKET_MAX + 128];
    if (!out)
        return NULL;
    const endpoints_partition *p = endpoints_partition_for(region);
    snprintf(dn, sizeof(dn), "%s.s3.%s", bucket, p->dns_suffix);
    snprintf(rdn, sizeof(rdn), "%s.s3.%s.%s", bucket, region, p->dns_suffix);
    const char *zone = s3s_hosted_zone(region);
    bool ok = s3s_arn(c, bucket, arn, sizeof(arn)) == 0 && prop_set_str(out, "arn", arn) == 0 &&
              prop_set_str(out, "bucket", bucket) == 0 &&
              prop_set_str(out, "bucketDomainName", dn) == 0 &&
              prop_set_str(out, "bucketRegionalDomainName", rdn) == 0 &&
              prop_set_str(out, "bucketRegion", region) == 0 &&
              prop_set_str(out, "region", region) == 0 &&
              (!zone || prop_set_str(out, "hostedZoneId", zone) == 0);
    if (ok && !pv_object_get(out, "tagsAll")) {
        const pv *t = pv_object_get(out, "tags");
        pv *cp = t ? pv_copy(t) : pv_object();
        ok = cp && pv_object_set(out, "tagsAll", cp) == 0;
    }
    if (!ok) {
        pv_free(out);
        return NULL;
    }
    return out;
}

/* Outputs of a preview: everything the name and region give, else unknown. */
static pv *bk_preview_outputs(res_ctx *ctx, const pv *inputs)
{
    err ignore = {0};
    aws_client *c = res_client_for(ctx, inputs, &ignore);
    const char *bucket = prop_str(inputs, "bucket");
    const char *region = prop_str(inputs, "region");
    if (c && bucket && region)
        return bk_outputs(c, inputs, bucket, region);
    pv *out = pv_copy(inputs);
    static const char *const computed[] = {"arn", "bucketDomainName", "bucketRegionalDomainName",
                                           "bucketRegion", "hostedZoneId"};
    for (size_t i = 0; out && i < sizeof(computed) / sizeof(computed[0]); i++)
        if (prop_set_unknown(out, computed[i]) != 0) {
            pv_free(out);
            return NULL;
        }
    return out;
}

/* ---- AWS calls ----------------------------------------------------------------- */

/* tagsAll (Check made it), else tags. */
static const pv *bk_tags_of(const pv *obj)
{
    const pv *all = pv_object_get(obj, "tagsAll");
    if (!all || pv_plain(all)->kind != PV_OBJECT)
        all = pv_object_get(obj, "tags");
    return all && pv_plain(all)->kind == PV_OBJECT ? pv_plain(all) : NULL;
}

/* Writes the whole tag set (PutBucketTagging), or removes it when empty. */
static int bk_put_tags(res_ctx *ctx, aws_client *c, const char *bucket, const pv *tags,
                       unsigned flags, err *e)
{
    if (!tags || tags->u.obj.len == 0) {
        s3_request del = {.operation = "DeleteBucketTagging",
                          .method = "DELETE",
                          .bucket = bucket,
                          .subresource = "tagging",
                          .idempotent = true};
        return s3s_call(ctx, c, &del, flags, NULL, e);
    }
    size_t len = 0;
    char *xml = s3s_tagging_xml(tags, &len);
    if (!xml)
        return res_oom(e);
    s3_request rq = {.operation = "PutBucketTagging",
                     .method = "PUT",
                     .bucket = bucket,
                     .subresource = "tagging",
                     .body = xml,
                     .body_len = len,
                     .content_md5 = true,
                     .idempotent = true};
    int rc = s3s_call(ctx, c, &rq, flags, NULL, e);
    free(xml);
    return rc;
}

/* HeadBucket: 0 when it exists and is readable (its region in region), else
 * -1 (ERR_NOT_FOUND when it does not exist). */
static int bk_head(res_ctx *ctx, aws_client *c, const char *bucket, char *region, size_t cap,
                   err *e)
{
    http_response resp;
    s3_request rq = {
        .operation = "HeadBucket", .method = "HEAD", .bucket = bucket, .idempotent = true};
    int rc = s3_call(c, &rq, res_aws_cancel(ctx), &resp, e);
    if (rc == 0)
        str_copy(region, cap, resp.bucket_region[0] ? resp.bucket_region : aws_client_region(c));
    http_response_free(&resp);
    return rc;
}

/* ListBuckets' CreationDate of bucket (to the second, "Z"), "" when absent. */
static int bk_created(res_ctx *ctx, aws_client *c, const char *bucket, char *out, size_t cap,
                      err *e)
{
    xml_node *root = NULL;
    const char *params[] = {"prefix", bucket};
    s3_request rq = {.operation = "ListBuckets",
                     .method = "GET",
                     .params = params,
                     .n_params = 1,
                     .idempotent = true};
    out[0] = '\0';
    if (s3_call_xml(c, &rq, res_aws_cancel(ctx), &root, e) != 0)
        return -1;
    const xml_node *list = root ? xml_child(root, "Buckets") : NULL;
    for (size_t i = 0; list && i < list->n_children; i++) {
        const char *name = xml_path_text(list->children[i], "Name");
        const char *date = xml_path_text(list->children[i], "CreationDate");
        if (name && date && strcmp(name, bucket) == 0 && strlen(date) >= 19)
            snprintf(out, cap, "%.19sZ", date);
    }
    xml_free(root);
    return 0;
}

/* After a CreateBucket whose answer was lost (or a resumed create that finds
 * the bucket): is it there, and ours? */
static enum res_adopt bk_adopt(res_ctx *ctx, aws_client *c, const char *bucket, time_t started,
                               err *e)
{
    err le = {0};
    char region[ENDPOINTS_MAX_REGION] = "", created[40] = "";
    const char *why = NULL;
    if (bk_head(ctx, c, bucket, region, sizeof(region), &le) == 0) {
        if (strcmp(region, aws_client_region(c)) != 0)
            why = "it is in another region";
        else if (bk_created(ctx, c, bucket, created, sizeof(created), &le) == 0 && !created[0])
            why = "it belongs to another account";
    } else if (le.code == ERR_PERMISSION_DENIED) {
        err_clear(&le);
        why = "it belongs to another account";
    }
    return res_adopt(ctx, "s3 bucket", "CreateBucket", "s3/bucket:Bucket", bucket, started, &le,
                     created[0] ? created : NULL, why, e);
}

/* resumed_from: the start of an earlier create of this bucket whose answer
 * was lost (pending.h), 0 for none. */
static int bk_create_in(res_ctx *ctx, const pv *inputs, time_t resumed_from, char **id,
                        pv **outputs, err *e)
{
    if (ctx->preview) {
        *outputs = bk_preview_outputs(ctx, inputs);
        return *outputs ? 0 : res_oom(e);
    }
    aws_client *c = res_client_for(ctx, inputs, e);
    const char *bucket = prop_str(inputs, "bucket");
    char *body = NULL;
    int rc = -1;
    if (!c)
        return -1;
    if (!bucket)
        return err_set(e, ERR_INVALID_ARGUMENT, "bucket must be a known string to create it");
    const char *region = aws_client_region(c);
    buf b;
    buf_init(&b, 4096);
    if (strcmp(region, "us-east-1") != 0 &&
        buf_printf(&b,
                   "<CreateBucketConfiguration xmlns=\"" S3S_XMLNS "\"><LocationConstraint>%s"
                   "</LocationConstraint></CreateBucketConfiguration>",
                   region) != 0) {
        buf_free(&b);
        return res_oom(e);
    }
    size_t body_len = 0;
    body = buf_take(&b, &body_len);
    buf_free(&b);
    if (!body)
        return res_oom(e);
    const pv *lock = pv_object_get(inputs, "objectLockEnabled");
    bool object_lock = lock && pv_plain(lock)->kind == PV_BOOL && pv_plain(lock)->u.b;
    http_header h[1] = {{"x-amz-bucket-object-lock-enabled", "true"}};
    aws_outcome oc = {0};
    s3_request rq = {.operation = "CreateBucket",
                     .method = "PUT",
                     .bucket = bucket,
                     .headers = h,
                     .n_headers = object_lock ? 1 : 0,
                     .body = body,
                     .body_len = body_len,
                     .outcome = &oc};
    time_t started = resumed_from ? resumed_from : time(NULL);
    /* In us-east-1 CreateBucket of a bucket this account has answers 200:
     * look first, so an existing bucket is never taken over silently. */
    char where[ENDPOINTS_MAX_REGION];
    err he = {0};
    if (!resumed_from && strcmp(region, "us-east-1") == 0) {
        if (bk_head(ctx, c, bucket, where, sizeof(where), &he) == 0) {
            err_set(e, ERR_ALREADY_EXISTS,
                    "s3 bucket %s already exists in this account and Pulumi does not manage it: "
                    "import it with `pulumi import aws:s3/bucket:Bucket <name> %s`, delete it, "
                    "or choose another name",
                    bucket, bucket);
            goto out;
        }
        /* Absent, or someone else's (CreateBucket then says so): go on. */
        if (he.code != ERR_NOT_FOUND && he.code != ERR_PERMISSION_DENIED) {
            *e = he;
            goto out;
        }
    }
    if (s3s_call(ctx, c, &rq, S3S_WRITE, NULL, e) != 0) {
        bool mine = err_aws_code_is(e, "BucketAlreadyOwnedByYou");
        if (mine && !resumed_from && !oc.maybe_applied) {
            err_set(e, ERR_ALREADY_EXISTS,
                    "s3 bucket %s already exists in this account and Pulumi does not manage it: "
                    "import it with `pulumi import aws:s3/bucket:Bucket <name> %s`, delete it, or "
                    "choose another name",
                    bucket, bucket);
            goto out;
        }
        if (err_aws_code_is(e, "BucketAlreadyExists") && !resumed_from) {
            err_set(e, ERR_ALREADY_EXISTS,
                    "s3 bucket name %s is taken by another AWS account (bucket names are global): "
                    "choose another name or a bucketPrefix",
                    bucket);
            goto out;
        }
        if (!oc.maybe_applied && !(resumed_from && mine))
            goto out;
        res_grace(ctx);
        enum res_adopt a = bk_adopt(ctx, c, bucket, started, e);
        if (a == RES_ADOPT_UNKNOWN && !(*id = str_dup(bucket)))
            res_oom(e);
        if (a != RES_ADOPT_OURS)
            goto out;
    }
    /* From here the bucket exists: always hand back its id and outputs. */
    if (!(*id = str_dup(bucket)) || !(*outputs = bk_outputs(c, inputs, bucket, region))) {
        res_oom(e);
        goto out;
    }
    const pv *tags = bk_tags_of(inputs);
    if (tags && tags->u.obj.len && bk_put_tags(ctx, c, bucket, tags, S3S_WRITE | S3S_FRESH, e) != 0)
        goto out;
    rc = 0;
out:
    free(body);
    return rc;
}

static int bk_create(res_ctx *ctx, const pv *inputs, char **id, pv **outputs, err *e)
{
    return pending_create(ctx, prop_str(inputs, "bucket"), bk_create_in, inputs, id, outputs, e);
}

/* ---- Read ------------------------------------------------------------------------ */

/* GetBucketTagging as an object of strings (none: empty). */
static int bk_get_tags(res_ctx *ctx, aws_client *c, const char *bucket, pv **out, err *e)
{
    xml_node *root = NULL;
    s3_request rq = {.operation = "GetBucketTagging",
                     .method = "GET",
                     .bucket = bucket,
                     .subresource = "tagging",
                     .idempotent = true};
    pv *tags = pv_object();
    if (!tags)
        return res_oom(e);
    if (s3_call_xml(c, &rq, res_aws_cancel(ctx), &root, e) != 0) {
        if (!err_aws_code_is(e, "NoSuchTagSet")) {
            pv_free(tags);
            return -1;
        }
        err_clear(e);
    }
    const xml_node *set = root ? xml_child(root, "TagSet") : NULL;
    for (size_t i = 0; set && i < set->n_children; i++) {
        const char *k = xml_path_text(set->children[i], "Key");
        const char *v = xml_path_text(set->children[i], "Value");
        if (k && prop_set_str(tags, k, v ? v : "") != 0) {
            xml_free(root);
            pv_free(tags);
            return res_oom(e);
        }
    }
    xml_free(root);
    *out = tags;
    return 0;
}

/* Whether Object Lock is enabled (GetObjectLockConfiguration). */
static int bk_object_lock(res_ctx *ctx, aws_client *c, const char *bucket, bool *on, err *e)
{
    xml_node *root = NULL;
    s3_request rq = {.operation = "GetObjectLockConfiguration",
                     .method = "GET",
                     .bucket = bucket,
                     .subresource = "object-lock",
                     .idempotent = true};
    *on = false;
    if (s3_call_xml(c, &rq, res_aws_cancel(ctx), &root, e) != 0) {
        if (!err_aws_code_is(e, "ObjectLockConfigurationNotFoundError"))
            return -1;
        err_clear(e);
        return 0;
    }
    const char *v = root ? xml_path_text(root, "ObjectLockEnabled") : NULL;
    *on = v && strcmp(v, "Enabled") == 0;
    xml_free(root);
    return 0;
}

static int bk_read(res_ctx *ctx, const char *id, const pv *props, const pv *inputs, char **new_id,
                   pv **outputs, pv **new_inputs, err *e)
{
    const pv *old = (props && props->u.obj.len) ? props : inputs;
    aws_client *c = res_client_for(ctx, old, e);
    char region[ENDPOINTS_MAX_REGION];
    pv *tags = NULL, *base = NULL, *out = NULL;
    bool lock = false;
    int rc = -1;
    if (!c)
        return -1;
    if (bk_head(ctx, c, id, region, sizeof(region), e) != 0) {
        if (e->code != ERR_NOT_FOUND)
            return -1;
        err_clear(e);
        *new_id = NULL; /* deleted out of band */
        return 0;
    }
    if (strcmp(region, aws_client_region(c)) != 0) {
        /* Imported from another region: that region's client from here. */
        pv *where = pv_object();
        if (!where || prop_set_str(where, "region", region) != 0) {
            pv_free(where);
            return res_oom(e);
        }
        c = res_client_for(ctx, where, e);
        pv_free(where);
        if (!c)
            return -1;
    }
    if (bk_get_tags(ctx, c, id, &tags, e) != 0 || bk_object_lock(ctx, c, id, &lock, e) != 0)
        goto done;
    /* The provider's own settings as recorded (or their defaults), AWS's facts. */
    base = pv_object();
    if (!base)
        goto oom;
    static const char *const local[] = {"bucketPrefix", "bucketNamespace", "forceDestroy"};
    for (size_t i = 0; i < sizeof(local) / sizeof(local[0]); i++) {
        const pv *v = old ? pv_object_get(old, local[i]) : NULL;
        pv *cp = v ? pv_copy(v) : NULL;
        if (v && (!cp || pv_object_set(base, local[i], cp) != 0))
            goto oom;
    }
    if (!pv_object_get(base, "forceDestroy") && prop_set_bool(base, "forceDestroy", false) != 0)
        goto oom;
    if (prop_set_bool(base, "objectLockEnabled", lock) != 0)
        goto oom;
    out = bk_outputs(c, base, id, region);
    if (!out || pv_object_remove(out, "tagsAll") != 0)
        goto oom;
    if (engine_read_tags(ctx, &bk_table, tags, old, out, e) != 0)
        goto done;
    *new_inputs = engine_read_inputs(&bk_table, out, inputs);
    *new_id = str_dup(id);
    if (!*new_inputs || !*new_id) {
        pv_free(*new_inputs);
        free(*new_id);
        *new_inputs = NULL;
        *new_id = NULL;
        goto oom;
    }
    *outputs = out;
    out = NULL;
    pending_forget(ctx, id); /* the engine has this bucket now (import, refresh) */
    rc = 0;
    goto done;
oom:
    res_oom(e);
done:
    pv_free(tags);
    pv_free(base);
    pv_free(out);
    return rc;
}

/* ---- Update ----------------------------------------------------------------------- */

/* PutBucketTagging replaces the whole set: the tags the provider ignores
 * (ignoreTags) that the bucket has are written back with the wanted ones, so
 * an update leaves them alone. */
static int bk_update_tags(res_ctx *ctx, aws_client *c, const char *bucket, const pv *want, err *e)
{
    pv *actual = NULL, *merged = NULL;
    int rc = -1;
    if (bk_get_tags(ctx, c, bucket, &actual, e) != 0)
        return -1;
    merged = want ? pv_copy(want) : pv_object();
    if (!merged)
        goto oom;
    for (size_t i = 0; i < actual->u.obj.len; i++) {
        const char *k = actual->u.obj.keys[i];
        pv *cp = NULL;
        if (!tags_ignored(ctx, k) || str_has_prefix(k, "aws:") || pv_object_get(merged, k))
            continue;
        if (!(cp = pv_copy(actual->u.obj.vals[i])) || pv_object_set(merged, k, cp) != 0)
            goto oom;
    }
    rc = bk_put_tags(ctx, c, bucket, merged, S3S_WRITE, e);
    goto done;
oom:
    res_oom(e);
done:
    pv_free(actual);
    pv_free(merged);
    return rc;
}

/* Everything but tags replaces or is the provider's own (forceDestroy). */
static int bk_update(res_ctx *ctx, const char *id, const pv *olds, const pv *news,
                     const pv *old_inputs, pv **outputs, err *e)
{
    err ignore = {0};
    aws_client *c = res_client_for(ctx, news, ctx->preview ? &ignore : e);
    const char *region = prop_str(olds, "bucketRegion");
    if (!c) {
        if (!ctx->preview)
            return -1;
        *outputs = pv_copy(news);
        return *outputs ? 0 : res_oom(e);
    }
    if (!region)
        region = aws_client_region(c);
    const pv *want = bk_tags_of(news), *have = bk_tags_of(olds);
    bool same = (!want && !have) || (want && have && pv_equal(want, have));
    if (!ctx->preview && !same && bk_update_tags(ctx, c, id, want, e) != 0)
        return -1;
    *outputs = bk_outputs(c, news, id, region);
    return *outputs ? 0 : res_oom(e);
}

/* ---- Delete ----------------------------------------------------------------------- */

/* One DeleteObjects of the keys/versions gathered in body (<Delete>...). */
static int bk_delete_batch(res_ctx *ctx, aws_client *c, const char *bucket, buf *body, err *e)
{
    if (buf_append_str(body, "<Quiet>true</Quiet></Delete>") != 0)
        return res_oom(e);
    xml_node *root = NULL;
    /* Objects under a governance-mode retention go too, as pulumi-aws deletes them. */
    http_header h[1] = {{"x-amz-bypass-governance-retention", "true"}};
    s3_request rq = {.operation = "DeleteObjects",
                     .method = "POST",
                     .bucket = bucket,
                     .subresource = "delete",
                     .headers = h,
                     .n_headers = 1,
                     .body = body->data,
                     .body_len = body->len,
                     .content_md5 = true,
                     .idempotent = true};
    int rc = s3s_call(ctx, c, &rq, 0, &root, e);
    const xml_node *failed = rc == 0 && root ? xml_child(root, "Error") : NULL;
    if (failed) {
        const char *key = xml_path_text(failed, "Key"), *code = xml_path_text(failed, "Code");
        const char *msg = xml_path_text(failed, "Message");
        rc = err_set(e, ERR_FAILED_PRECONDITION,
                     "forceDestroy: S3 refused to delete s3://%s/%s: %s: %s (a compliance-mode "
                     "retention or a legal hold keeps it?)",
                     bucket, key ? key : "?", code ? code : "?", msg ? msg : "");
    }
    xml_free(root);
    buf_reset(body);
    return rc;
}

/* Deletes every object version and delete marker of the bucket. */
static int bk_empty(res_ctx *ctx, aws_client *c, const char *bucket, err *e)
{
    char key_marker[1100] = "", version_marker[1100] = "";
    buf body;
    buf_init(&body, 4 * 1024 * 1024);
    size_t in_batch = 0, deleted = 0;
    int rc = -1;
    for (;;) {
        const char *params[6] = {"max-keys",          "1000",        "key-marker", key_marker,
                                 "version-id-marker", version_marker};
        s3_request rq = {.operation = "ListObjectVersions",
                         .method = "GET",
                         .bucket = bucket,
                         .subresource = "versions",
                         .params = params,
                         .n_params = key_marker[0] ? 3 : 1,
                         .idempotent = true};
        xml_node *root = NULL;
        if (s3_call_xml(c, &rq, res_aws_cancel(ctx), &root, e) != 0)
            goto done;
        for (size_t i = 0; root && i < root->n_children; i++) {
            const xml_node *v = root->children[i];
            if (strcmp(v->name, "Version") != 0 && strcmp(v->name, "DeleteMarker") != 0)
                continue;
            const char *key = xml_path_text(v, "Key"), *ver = xml_path_text(v, "VersionId");
            if (!key)
                continue;
            if (in_batch == 0 && buf_append_str(&body, "<Delete xmlns=\"" S3S_XMLNS "\">") != 0)
                goto oom_root;
            if (buf_append_str(&body, "<Object><Key>") != 0 || s3_xml_escape(&body, key) != 0 ||
                buf_append_str(&body, "</Key>") != 0)
                goto oom_root;
            if (ver && *ver && strcmp(ver, "null") != 0 &&
                (buf_append_str(&body, "<VersionId>") != 0 || s3_xml_escape(&body, ver) != 0 ||
                 buf_append_str(&body, "</VersionId>") != 0))
                goto oom_root;
            if (buf_append_str(&body, "</Object>") != 0)
                goto oom_root;
            if (++in_batch == BK_DELETE_BATCH) {
                if (bk_delete_batch(ctx, c, bucket, &body, e) != 0) {
                    xml_free(root);
                    goto done;
                }
                deleted += in_batch;
                in_batch = 0;
            }
        }
        const char *trunc = root ? xml_path_text(root, "IsTruncated") : NULL;
        const char *nk = root ? xml_path_text(root, "NextKeyMarker") : NULL;
        const char *nv = root ? xml_path_text(root, "NextVersionIdMarker") : NULL;
        bool more = trunc && strcmp(trunc, "true") == 0 && nk;
        if (more) {
            str_copy(key_marker, sizeof(key_marker), nk);
            str_copy(version_marker, sizeof(version_marker), nv ? nv : "");
        }
        xml_free(root);
        if (!more)
            break;
        continue;
    oom_root:
        xml_free(root);
        res_oom(e);
        goto done;
    }
    if (in_batch) {
        if (bk_delete_batch(ctx, c, bucket, &body, e) != 0)
            goto done;
        deleted += in_batch;
    }
    if (deleted)
        log_at(1, "forceDestroy: deleted %zu object versions and delete markers of %s", deleted,
               bucket);
    rc = 0;
done:
    buf_free(&body);
    return rc;
}

static int bk_delete(res_ctx *ctx, const char *id, const pv *props, err *e)
{
    aws_client *c = res_client_for(ctx, props, e);
    if (!c)
        return -1;
    const pv *fd = pv_object_get(props, "forceDestroy");
    bool force = fd && pv_plain(fd)->kind == PV_BOOL && pv_plain(fd)->u.b;
    s3_request rq = {
        .operation = "DeleteBucket", .method = "DELETE", .bucket = id, .idempotent = true};
    for (int round = 0;; round++) {
        if (force && bk_empty(ctx, c, id, e) != 0) {
            if (s3s_no_bucket(e)) {
                err_clear(e);
                return 0;
            }
            return -1;
        }
        if (s3s_call(ctx, c, &rq, S3S_WRITE, NULL, e) == 0)
            return 0;
        if (s3s_no_bucket(e)) {
            err_clear(e);
            return 0; /* already gone */
        }
        if (!err_aws_code_is(e, "BucketNotEmpty"))
            return -1;
        if (!force)
            return err_set(e, ERR_FAILED_PRECONDITION,
                           "s3 bucket %s is not empty, so it cannot be deleted: empty it, or set "
                           "forceDestroy: true and run `pulumi up` before destroying it",
                           id);
        if (round + 1 >= BK_EMPTY_ROUNDS)
            return err_set(e, ERR_FAILED_PRECONDITION,
                           "s3 bucket %s: objects kept arriving while forceDestroy emptied it (%d "
                           "rounds); stop what writes to it and destroy again",
                           id, BK_EMPTY_ROUNDS);
    }
}

const resource_type s3_bucket_type = {
    .token = "s3/bucket:Bucket",
    .table = &bk_table,
    .check_hook = bk_check_hook,
    .diff_hook = bk_diff_hook,
    .create = bk_create,
    .read = bk_read,
    .update = bk_update,
    .del = bk_delete,
};

const resource_type s3_bucket_v2_type = {
    .token = "s3/bucketV2:BucketV2",
    .table = &bk_v2_table,
    .check_hook = bk_check_hook,
    .diff_hook = bk_diff_hook,
    .create = bk_create,
    .read = bk_read,
    .update = bk_update,
    .del = bk_delete,
};
