/* s3_object: aws:s3/bucketObjectv2:BucketObjectv2 and the older
 * aws:s3/bucketObject:BucketObject (the same resource; BucketObject lacks
 * checksumAlgorithm, the checksum outputs and overrideProvider).
 *
 * ID: the key (as pulumi-aws). Import `<bucket>/<key>` or `s3://<bucket>/<key>`.
 * The content is one of content, contentBase64 or source (a file asset,
 * streamed from disk, or a string asset); it goes up through aws/s3_upload
 * (one PutObject, or a multipart upload above AWSML_S3_MULTIPART_THRESHOLD,
 * 64 MiB by default) with the real payload SHA-256, Content-MD5 and an
 * x-amz-checksum-sha256 (or -sha1) S3 keeps with the object. Read is
 * HeadObject (checksum mode on) + GetObjectTagging; a change of content or of
 * any object setting uploads again, a change of tags alone is
 * PutObjectTagging, of acl alone PutObjectAcl.
 *
 * Under SSE-KMS (and for multipart uploads) the ETag is not the MD5 of the
 * content: the etag a user gives is then never compared with AWS's ETag; the
 * object's content is judged by the checksum S3 keeps, which awsml computed
 * and recorded at upload. */
#define _XOPEN_SOURCE 700 /* strptime */
#include <errno.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aws/s3.h"
#include "aws/s3_upload.h"
#include "aws/sigv4.h"
#include "resources/common.h"
#include "resources/engine.h"
#include "resources/pending.h"
#include "resources/s3_shared.h"
#include "util/buf.h"
#include "util/log.h"
#include "util/str.h"
#include "util/strv.h"

#define OBJ_KEY_MAX 1024
#define OBJ_META_MAX 32
/* How long a HeadObject right after an upload keeps retrying NoSuchKey. */
#define OBJ_READ_RETRY_MS (60 * 1000L)

static const char *const obj_acls[] = {"private",
                                       "public-read",
                                       "public-read-write",
                                       "aws-exec-read",
                                       "authenticated-read",
                                       "bucket-owner-read",
                                       "bucket-owner-full-control",
                                       NULL};
static const char *const obj_sse[] = {"AES256", "aws:kms", "aws:kms:dsse", "aws:fsx", NULL};
static const char *const obj_classes[] = {
    "STANDARD",   "REDUCED_REDUNDANCY",  "GLACIER",      "STANDARD_IA",
    "ONEZONE_IA", "INTELLIGENT_TIERING", "DEEP_ARCHIVE", "GLACIER_IR",
    "SNOW",       "EXPRESS_ONEZONE",     "FSX_OPENZFS",  NULL};
static const char *const obj_checksums[] = {"CRC32", "CRC32C", "CRC64NVME", "SHA1", "SHA256", NULL};

static bool obj_no_upper(int c)
{
    return !(c >= 'A' && c <= 'Z');
}

#define OBJ_STR(n, d)                                                                              \
    {                                                                                              \
        .name = n, .type = ET_STRING, .doc = d                                                     \
    }

/* The rows both tokens have. */
#define OBJ_COMMON_ROWS                                                                            \
    {.name = "bucket",                                                                             \
     .type = ET_STRING,                                                                            \
     .flags = EP_REQUIRED | EP_REPLACE | EP_ALWAYS | EP_RESOURCE_ID,                               \
     .doc = "Name of the bucket to put the object in (a Bucket resource stands for its name). "    \
            "Changing it replaces the object.",                                                    \
     .valid = EV_STRING,                                                                           \
     .min = 1,                                                                                     \
     .max = 255},                                                                                  \
        {.name = "key",                                                                            \
         .type = ET_STRING,                                                                        \
         .flags = EP_REPLACE | EP_ALWAYS,                                                          \
         .doc = "Name of the object in the bucket; defaults to the resource's name. Leading `/` "  \
                "and `./` are dropped and runs of `/` count as one, as pulumi-aws does. Changing " \
                "it replaces the object.",                                                         \
         .valid = EV_STRING,                                                                       \
         .min = 1,                                                                                 \
         .max = OBJ_KEY_MAX},                                                                      \
        {.name = "acl",                                                                            \
         .type = ET_STRING,                                                                        \
         .flags = EP_UNMANAGED_ABSENT,                                                             \
         .doc = "Canned ACL of the object.",                                                       \
         .valid = EV_ENUM,                                                                         \
         .values = obj_acls},                                                                      \
        {.name = "bucketKeyEnabled",                                                               \
         .type = ET_BOOL,                                                                          \
         .flags = EP_UNMANAGED_ABSENT,                                                             \
         .doc = "Whether S3 Bucket Keys are used for SSE-KMS."},                                   \
        OBJ_STR("cacheControl", "Cache-Control of the object."),                                   \
        {.name = "content",                                                                        \
         .type = ET_STRING,                                                                        \
         .doc = "The object's content as UTF-8 text. At most one of content, contentBase64 and "   \
                "source."},                                                                        \
        {.name = "contentBase64",                                                                  \
         .type = ET_STRING,                                                                        \
         .doc = "The object's content as base64 (decoded before upload): binary data."},           \
        OBJ_STR("contentDisposition", "Content-Disposition of the object."),                       \
        OBJ_STR("contentEncoding", "Content-Encoding of the object."),                             \
        OBJ_STR("contentLanguage", "Content-Language of the object."),                             \
        {.name = "contentType",                                                                    \
         .type = ET_STRING,                                                                        \
         .flags = EP_UNMANAGED_ABSENT,                                                             \
         .doc = "MIME type of the object (S3's default `binary/octet-stream` when absent)."},      \
        {.name = "etag",                                                                           \
         .type = ET_STRING,                                                                        \
         .flags = EP_UNMANAGED_ABSENT,                                                             \
         .doc = "Triggers an upload when it changes (e.g. the MD5 of the file). Reported: S3's "   \
                "ETag. Under SSE-KMS or for multipart uploads the ETag is not an MD5; awsml then " \
                "never compares it with what was given (use sourceHash). Conflicts with "          \
                "kmsKeyId."},                                                                      \
        {.name = "forceDestroy",                                                                   \
         .type = ET_BOOL,                                                                          \
         .flags = EP_LOCAL,                                                                        \
         .def = "false",                                                                           \
         .doc = "Delete the object even under an Object Lock governance retention."},              \
        {.name = "kmsKeyId",                                                                       \
         .type = ET_STRING,                                                                        \
         .flags = EP_UNMANAGED_ABSENT,                                                             \
         .doc = "ARN of the KMS key that encrypts the object (implies serverSideEncryption "       \
                "`aws:kms`).",                                                                     \
         .valid = EV_ARN,                                                                          \
         .service = "kms"},                                                                        \
        {.name = "metadata",                                                                       \
         .type = ET_MAP,                                                                           \
         .item = ET_STRING,                                                                        \
         .doc = "User metadata (`x-amz-meta-<key>`); keys in lowercase, at most 32.",              \
         .diff = ED_MAP},                                                                          \
        OBJ_STR("objectLockLegalHoldStatus", "Object Lock legal hold (not supported by awsml)."),  \
        OBJ_STR("objectLockMode", "Object Lock retention mode (not supported by awsml)."),         \
        OBJ_STR("objectLockRetainUntilDate", "Object Lock retention date (not supported by "       \
                                             "awsml)."),                                           \
        ENG_REGION_ROW,                                                                            \
        {.name = "serverSideEncryption",                                                           \
         .type = ET_STRING,                                                                        \
         .flags = EP_UNMANAGED_ABSENT,                                                             \
         .doc = "Server-side encryption: AES256, aws:kms, aws:kms:dsse or aws:fsx.",               \
         .valid = EV_ENUM,                                                                         \
         .values = obj_sse},                                                                       \
        {.name = "source",                                                                         \
         .type = ET_ASSET,                                                                         \
         .doc = "The content from an asset: a FileAsset (streamed from disk) or a StringAsset. "   \
                "Compared by the asset's hash.",                                                   \
         .diff = ED_HOOK},                                                                         \
        OBJ_STR("sourceHash", "Triggers an upload when it changes (kept in state only)."),         \
        {.name = "storageClass",                                                                   \
         .type = ET_STRING,                                                                        \
         .flags = EP_UNMANAGED_ABSENT,                                                             \
         .doc = "Storage class of the object (STANDARD when absent).",                             \
         .valid = EV_ENUM,                                                                         \
         .values = obj_classes},                                                                   \
        {.name = "tags",                                                                           \
         .type = ET_MAP,                                                                           \
         .item = ET_STRING,                                                                        \
         .flags = EP_TAGS,                                                                         \
         .doc = "Tags of the object (at most 10).",                                                \
         .diff = ED_MAP},                                                                          \
        OBJ_STR("websiteRedirect", "Target URL of a website redirect."),                           \
        {.name = "arn",                                                                            \
         .type = ET_STRING,                                                                        \
         .flags = EP_OUTPUT | EP_ALWAYS,                                                           \
         .doc = "ARN of the object: `arn:<partition>:s3:::<bucket>/<key>`."},                      \
        {.name = "tagsAll",                                                                        \
         .type = ET_MAP,                                                                           \
         .item = ET_STRING,                                                                        \
         .flags = EP_OUTPUT | EP_TAGS_ALL,                                                         \
         .doc = "Tags including the provider's defaultTags, minus ignoreTags.",                    \
         .diff = ED_MAP},                                                                          \
    {                                                                                              \
        .name = "versionId", .type = ET_STRING, .flags = EP_OUTPUT | EP_ALWAYS,                    \
        .doc = "Version of the object (\"\" when the bucket is not versioned)."                    \
    }

static const eng_prop obj_v1_rows[] = {OBJ_COMMON_ROWS};

static const eng_prop obj_dt_rows[] = {
    {.name = "tags",
     .type = ET_MAP,
     .item = ET_STRING,
     .doc = "Default tags to leave out (awsml refuses overrideProvider)."},
};
static const eng_object obj_dt_object = {
    .token =
        "s3/BucketObjectv2OverrideProviderDefaultTags:BucketObjectv2OverrideProviderDefaultTags",
    .doc = "Default tags of the provider override.",
    ENG_ROWS(obj_dt_rows)};
static const eng_prop obj_op_rows[] = {
    {.name = "defaultTags",
     .type = ET_OBJECT,
     .object = &obj_dt_object,
     .doc = "Override of the provider's defaultTags."},
};
static const eng_object obj_op_object = {
    .token = "s3/BucketObjectv2OverrideProvider:BucketObjectv2OverrideProvider",
    .doc = "Provider-level settings overridden for this object.",
    ENG_ROWS(obj_op_rows)};

static const eng_prop obj_v2_rows[] = {
    OBJ_COMMON_ROWS,
    {.name = "checksumAlgorithm",
     .type = ET_STRING,
     .doc = "Algorithm of the checksum S3 keeps with the object: CRC32, CRC32C, CRC64NVME, SHA1 "
            "or SHA256 (awsml always "
            "sends one; SHA256 when absent).",
     .valid = EV_ENUM,
     .values = obj_checksums},
    {.name = "overrideProvider",
     .type = ET_OBJECT,
     .object = &obj_op_object,
     .flags = EP_UNMANAGED_ABSENT,
     .doc = "Provider overrides (not supported by awsml: refused when given)."},
    {.name = "checksumCrc32",
     .type = ET_STRING,
     .flags = EP_OUTPUT,
     .doc = "Base64 CRC32 checksum of the object."},
    {.name = "checksumCrc32c",
     .type = ET_STRING,
     .flags = EP_OUTPUT,
     .doc = "Base64 CRC32C checksum of the object."},
    {.name = "checksumCrc64nvme",
     .type = ET_STRING,
     .flags = EP_OUTPUT,
     .doc = "Base64 CRC64NVME checksum of the object."},
    {.name = "checksumSha1",
     .type = ET_STRING,
     .flags = EP_OUTPUT,
     .doc = "Base64 SHA-1 checksum of the object."},
    {.name = "checksumSha256",
     .type = ET_STRING,
     .flags = EP_OUTPUT,
     .doc = "Base64 SHA-256 checksum of the object (`<base64>-<parts>` for a multipart upload)."},
};

#define OBJ_DOC                                                                                    \
    "An S3 object. ID: the key. Import with `pulumi import "                                       \
    "aws:s3/bucketObjectv2:BucketObjectv2 NAME <bucket>/<key>` (or `s3://<bucket>/<key>`). A "     \
    "FileAsset source is streamed from disk; objects above 64 MiB go up as a multipart upload."

/* State written by pulumi-aws holds "" where S3 reports nothing. */
static const eng_table obj_v1_table = {
    .doc = OBJ_DOC, ENG_ROWS(obj_v1_rows), .empty_is_absent = true};
static const eng_table obj_v2_table = {
    .doc = OBJ_DOC, ENG_ROWS(obj_v2_rows), .empty_is_absent = true};

/* The rows whose change uploads the object again. */
static const char *const obj_content_rows[] = {
    "bucketKeyEnabled",   "cacheControl",    "checksumAlgorithm",    "content",     "contentBase64",
    "contentDisposition", "contentEncoding", "contentLanguage",      "contentType", "etag",
    "kmsKeyId",           "metadata",        "serverSideEncryption", "source",      "sourceHash",
    "storageClass",       "websiteRedirect"};

/* ---- helpers ------------------------------------------------------------------- */

static bool obj_given(const pv *in, const char *k)
{
    const pv *v = pv_object_get(in, k);
    return v && pv_plain(v)->kind != PV_NULL;
}

/* pulumi-aws's key cleaning: no leading "./" or '/', runs of '/' as one. */
static void obj_clean_key(const char *in, char *out, size_t cap)
{
    size_t n = 0;
    if (strncmp(in, "./", 2) == 0)
        in += 2;
    while (*in == '/')
        in++;
    for (; *in && n + 1 < cap; in++) {
        if (*in == '/' && n && out[n - 1] == '/')
            continue;
        out[n++] = *in;
    }
    out[n] = '\0';
}

/* Decoded base64 (malloc'ed) or NULL when it is not base64 (*bad) or on OOM. */
static unsigned char *obj_b64_decode(const char *s, size_t *len, bool *bad)
{
    size_t n = strlen(s);
    *bad = false;
    if (n % 4 != 0) {
        *bad = true;
        return NULL;
    }
    unsigned char *out = malloc(n / 4 * 3 + 1);
    if (!out)
        return NULL;
    int got = n ? EVP_DecodeBlock(out, (const unsigned char *)s, (int)n) : 0;
    if (got < 0) {
        free(out);
        *bad = true;
        return NULL;
    }
    size_t pad = (n >= 1 && s[n - 1] == '=') + (n >= 2 && s[n - 2] == '=');
    *len = (size_t)got - pad;
    return out;
}

static const pv *obj_asset(const pv *in)
{
    const pv *v = pv_object_get(in, "source");
    v = v ? pv_plain(v) : NULL;
    return v && (v->kind == PV_ASSET || v->kind == PV_ARCHIVE) ? v : NULL;
}

/* ---- Check ------------------------------------------------------------------------ */

static int obj_check_hook(res_ctx *ctx, const pv *olds, pv *in, check_failures *f, err *e)
{
    /* key: the resource's name when absent, cleaned as pulumi-aws does. */
    if (!obj_given(in, "key") && prop_set_str(in, "key", ctx->name ? ctx->name : "") != 0)
        return res_oom(e);
    const char *key = prop_str(in, "key");
    if (key) {
        char clean[OBJ_KEY_MAX + 8];
        obj_clean_key(key, clean, sizeof(clean));
        if (!clean[0]) {
            if (check_failure_add(f, "key",
                                  "key must name an object: '%s' is empty once leading "
                                  "'/' are dropped",
                                  key) != 0)
                return res_oom(e);
        } else if (strcmp(clean, key) != 0 && prop_set_str(in, "key", clean) != 0) {
            return res_oom(e);
        }
    }
    /* At most one source of content. */
    static const char *const srcs[] = {"content", "contentBase64", "source"};
    const char *given[3];
    size_t ng = 0;
    for (size_t i = 0; i < 3; i++)
        if (obj_given(in, srcs[i]))
            given[ng++] = srcs[i];
    if (ng > 1)
        for (size_t i = 0; i < ng; i++)
            if (check_failure_add(f, given[i],
                                  "only one of content, contentBase64 and source may be set: "
                                  "%s and %s are both set",
                                  given[0], given[1]) != 0)
                return res_oom(e);
    const char *b64 = prop_str(in, "contentBase64");
    if (b64) {
        size_t len = 0;
        bool bad = false;
        unsigned char *d = obj_b64_decode(b64, &len, &bad);
        free(d);
        if (bad && check_failure_add(f, "contentBase64",
                                     "contentBase64 must be base64 (A-Z a-z 0-9 + / with = "
                                     "padding, a multiple of 4 characters)") != 0)
            return res_oom(e);
        if (!bad && !d && b64[0])
            return res_oom(e);
    }
    const pv *src = pv_object_get(in, "source");
    if (src && pv_plain(src)->kind == PV_ARCHIVE &&
        check_failure_add(f, "source",
                          "source must be a FileAsset or a StringAsset: archives are "
                          "not supported") != 0)
        return res_oom(e);
    const pv *a = obj_asset(in);
    if (a && a->kind == PV_ASSET && !prop_str(a, "path") && !prop_str(a, "text") &&
        !prop_is_unknown(a, "path") &&
        check_failure_add(f, "source",
                          "source must be a FileAsset or a StringAsset: remote "
                          "(uri) assets are not supported") != 0)
        return res_oom(e);
    const pv *md = pv_object_get(in, "metadata");
    md = md ? pv_plain(md) : NULL;
    if (md && md->kind == PV_OBJECT) {
        for (size_t i = 0; i < md->u.obj.len; i++) {
            const char *k = md->u.obj.keys[i];
            bool lower = true;
            for (const char *p = k; *p; p++)
                lower = lower && obj_no_upper((unsigned char)*p);
            if (!lower && check_failure_add(f, "metadata",
                                            "metadata keys must be lowercase: '%s' is not", k) != 0)
                return res_oom(e);
        }
        if (md->u.obj.len > OBJ_META_MAX &&
            check_failure_add(f, "metadata", "metadata holds at most %d keys in awsml (%zu given)",
                              OBJ_META_MAX, md->u.obj.len) != 0)
            return res_oom(e);
    }
    if (obj_given(in, "etag") && obj_given(in, "kmsKeyId") &&
        check_failure_add(f, "etag",
                          "etag conflicts with kmsKeyId: under SSE-KMS the ETag is not an MD5 of "
                          "the content; use sourceHash to trigger uploads") != 0)
        return res_oom(e);
    static const char *const refused[] = {"objectLockLegalHoldStatus", "objectLockMode",
                                          "objectLockRetainUntilDate", "overrideProvider"};
    for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++)
        if (obj_given(in, refused[i]) &&
            check_failure_add(f, refused[i], "%s is not supported by awsml yet", refused[i]) != 0)
            return res_oom(e);
    (void)olds;
    return 0;
}

/* ---- Diff -------------------------------------------------------------------------- */

/* Assets compare by their content hash (the engine computes it), whatever
 * the path: a file moved but unchanged is no change. */
static bool obj_asset_same(const pv *a, const pv *b)
{
    if (!a || !b)
        return !a && !b;
    const char *ha = prop_str(a, "hash"), *hb = prop_str(b, "hash");
    if (ha && hb && *ha && *hb)
        return strcmp(ha, hb) == 0;
    return pv_equal(a, b);
}

static int obj_diff_hook(res_ctx *ctx, const pv *news, const pv *base, diff_result *out, err *e)
{
    const pv *n = pv_object_get(news, "source"), *o = pv_object_get(base, "source");
    if (n && pv_contains_unknown(n)) {
        if (diff_add(out, "source", DIFF_UPDATE, true) != 0)
            return res_oom(e);
        return 0;
    }
    if (!obj_asset_same(obj_asset(news), obj_asset(base)) &&
        diff_add(out, "source", diff_kind_of(!o, !n, false), true) != 0)
        return res_oom(e);
    (void)ctx;
    return 0;
}

/* ---- requests ---------------------------------------------------------------------- */

static int obj_env_size(const char *name, unsigned long long *out)
{
    const char *v = getenv(name);
    if (!v || !*v)
        return 0;
    char *end = NULL;
    errno = 0;
    unsigned long long n = strtoull(v, &end, 10);
    if (errno || !end || *end || n == 0)
        return -1;
    *out = n;
    return 0;
}

/* The object's settings as request headers (owned by names/values). */
typedef struct obj_headers {
    strv names, values;
    http_header h[AWS_MAX_HEADERS];
    size_t n;
} obj_headers;

static int oh_add(obj_headers *oh, const char *name, const char *value)
{
    if (oh->names.n >= AWS_MAX_HEADERS - 8)
        return -1;
    return strv_push(&oh->names, name) == 0 && strv_push(&oh->values, value) == 0 ? 0 : -1;
}

static void oh_free(obj_headers *oh)
{
    strv_free(&oh->names);
    strv_free(&oh->values);
}

static void oh_finish(obj_headers *oh)
{
    oh->n = oh->names.n;
    for (size_t i = 0; i < oh->n; i++)
        oh->h[i] = (http_header){oh->names.v[i], oh->values.v[i]};
}

/* k=v&k=v, RFC 3986-encoded (x-amz-tagging). */
static int obj_tagging_query(const pv *tags, buf *b)
{
    for (size_t i = 0; tags && i < tags->u.obj.len; i++) {
        const pv *v = pv_plain(tags->u.obj.vals[i]);
        const char *vs = v->kind == PV_STRING ? v->u.str.s : "";
        char *ek = NULL, *ev = NULL, eb[64];
        const char *k = tags->u.obj.keys[i];
        int rc = sigv4_uri_encode(k, strlen(k), 0, &ek, eb, sizeof(eb)) == 0 &&
                         sigv4_uri_encode(vs, strlen(vs), 0, &ev, eb, sizeof(eb)) == 0 &&
                         buf_printf(b, "%s%s=%s", i ? "&" : "", ek, ev) == 0
                     ? 0
                     : -1;
        free(ek);
        free(ev);
        if (rc != 0)
            return -1;
    }
    return 0;
}

static const pv *obj_tags_of(const pv *in)
{
    const pv *t = pv_object_get(in, "tagsAll");
    t = t ? pv_plain(t) : NULL;
    return t && t->kind == PV_OBJECT ? t : NULL;
}

static int obj_build_headers(const pv *in, obj_headers *oh)
{
    static const char *const plain[][2] = {
        {"cacheControl", "Cache-Control"},
        {"contentDisposition", "Content-Disposition"},
        {"contentEncoding", "Content-Encoding"},
        {"contentLanguage", "Content-Language"},
        {"contentType", "Content-Type"},
        {"websiteRedirect", "x-amz-website-redirect-location"},
        {"storageClass", "x-amz-storage-class"},
        {"acl", "x-amz-acl"},
        {"kmsKeyId", "x-amz-server-side-encryption-aws-kms-key-id"},
    };
    for (size_t i = 0; i < sizeof(plain) / sizeof(plain[0]); i++) {
        const char *v = prop_str(in, plain[i][0]);
        if (v && *v && oh_add(oh, plain[i][1], v) != 0)
            return -1;
    }
    const char *sse = prop_str(in, "serverSideEncryption");
    const char *kms = prop_str(in, "kmsKeyId");
    if (!sse && kms && *kms)
        sse = "aws:kms";
    if (sse && *sse && oh_add(oh, "x-amz-server-side-encryption", sse) != 0)
        return -1;
    const pv *bke = pv_object_get(in, "bucketKeyEnabled");
    bke = bke ? pv_plain(bke) : NULL;
    if (bke && bke->kind == PV_BOOL &&
        oh_add(oh, "x-amz-server-side-encryption-bucket-key-enabled",
               bke->u.b ? "true" : "false") != 0)
        return -1;
    const pv *md = pv_object_get(in, "metadata");
    md = md ? pv_plain(md) : NULL;
    for (size_t i = 0; md && md->kind == PV_OBJECT && i < md->u.obj.len; i++) {
        const pv *v = pv_plain(md->u.obj.vals[i]);
        char name[300];
        snprintf(name, sizeof(name), "x-amz-meta-%s", md->u.obj.keys[i]);
        if (v->kind == PV_STRING && oh_add(oh, name, v->u.str.s) != 0)
            return -1;
    }
    const pv *tags = obj_tags_of(in);
    if (tags && tags->u.obj.len) {
        buf b;
        buf_init(&b, 64 * 1024);
        int rc =
            obj_tagging_query(tags, &b) == 0 && b.data ? oh_add(oh, "x-amz-tagging", b.data) : -1;
        buf_free(&b);
        if (rc != 0)
            return -1;
    }
    oh_finish(oh);
    return 0;
}

/* ---- HeadObject ------------------------------------------------------------------- */

static int obj_head(res_ctx *ctx, aws_client *c, const char *bucket, const char *key,
                    http_response *resp, err *e)
{
    static const http_header mode[] = {{"x-amz-checksum-mode", "ENABLED"}};
    s3_request rq = {.operation = "HeadObject",
                     .method = "HEAD",
                     .bucket = bucket,
                     .key = key,
                     .headers = mode,
                     .n_headers = 1,
                     .idempotent = true,
                     .keep_headers = true};
    int rc = s3_call(c, &rq, res_aws_cancel(ctx), resp, e);
    if (rc != 0 && (resp->status == 404 || e->code == ERR_NOT_FOUND))
        e->code = ERR_NOT_FOUND;
    return rc;
}

static bool obj_not_found(const err *e)
{
    return e->code == ERR_NOT_FOUND;
}

/* HeadObject right after an upload: NoSuchKey is retried (read-after-write). */
static int obj_head_fresh(res_ctx *ctx, aws_client *c, const char *bucket, const char *key,
                          http_response *resp, err *e)
{
    res_backoff b;
    res_backoff_init(&b, OBJ_READ_RETRY_MS);
    for (;;) {
        if (obj_head(ctx, c, bucket, key, resp, e) == 0)
            return 0;
        http_response_free(resp);
        if (res_backoff_wait(ctx, &b, obj_not_found, "waiting for the new object to be readable",
                             e) != 0)
            return -1;
    }
}

/* GetObjectTagging as an object of strings. */
static int obj_get_tags(res_ctx *ctx, aws_client *c, const char *bucket, const char *key, pv **out,
                        err *e)
{
    xml_node *root = NULL;
    s3_request rq = {.operation = "GetObjectTagging",
                     .method = "GET",
                     .bucket = bucket,
                     .key = key,
                     .subresource = "tagging",
                     .idempotent = true};
    pv *tags = pv_object();
    if (!tags)
        return res_oom(e);
    if (s3_call_xml(c, &rq, res_aws_cancel(ctx), &root, e) != 0) {
        pv_free(tags);
        return -1;
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

static bool obj_is_v2(const res_ctx *ctx)
{
    return ctx->type && strstr(ctx->type, "bucketObjectv2") != NULL;
}

/* Sets out[prop] from a response header, or removes it when absent. */
static int obj_from_header(const http_response *r, const char *hdr, pv *out, const char *prop)
{
    char v[HTTP_CAPTURE_MAX * 4];
    if (!http_header_value(r, hdr, v, sizeof(v)))
        return pv_object_get(out, prop) ? pv_object_remove(out, prop) : 0;
    return prop_set_str(out, prop, v);
}

/* Outputs from a HeadObject answer on top of base (inputs or old state). */
static pv *obj_outputs(res_ctx *ctx, aws_client *c, const pv *base, const char *bucket,
                       const char *key, const http_response *r, bool v2)
{
    pv *out = pv_copy(base);
    char v[HTTP_CAPTURE_MAX * 4], name[300];
    buf arn;
    buf_init(&arn, 4096);
    if (!out)
        return NULL;
    bool ok = buf_printf(&arn, "arn:%s:s3:::%s/%s", aws_client_partition(c), bucket, key) == 0 &&
              prop_set_str(out, "arn", arn.data) == 0 && prop_set_str(out, "bucket", bucket) == 0 &&
              prop_set_str(out, "key", key) == 0;
    buf_free(&arn);
    if (ok) {
        http_header_value(r, "ETag", v, sizeof(v));
        size_t n = strlen(v);
        if (n >= 2 && v[0] == '"' && v[n - 1] == '"') {
            memmove(v, v + 1, n - 2);
            v[n - 2] = '\0';
        }
        ok = prop_set_str(out, "etag", v) == 0;
    }
    if (ok) {
        http_header_value(r, "x-amz-version-id", v, sizeof(v));
        ok = prop_set_str(out, "versionId", strcmp(v, "null") == 0 ? "" : v) == 0;
    }
    static const char *const hdrs[][2] = {
        {"Cache-Control", "cacheControl"},
        {"Content-Disposition", "contentDisposition"},
        {"Content-Encoding", "contentEncoding"},
        {"Content-Language", "contentLanguage"},
        {"Content-Type", "contentType"},
        {"x-amz-website-redirect-location", "websiteRedirect"},
        {"x-amz-server-side-encryption", "serverSideEncryption"},
    };
    for (size_t i = 0; ok && i < sizeof(hdrs) / sizeof(hdrs[0]); i++)
        ok = obj_from_header(r, hdrs[i][0], out, hdrs[i][1]) == 0;
    if (ok) {
        bool has = http_header_value(r, "x-amz-storage-class", v, sizeof(v));
        ok = prop_set_str(out, "storageClass", has ? v : "STANDARD") == 0;
    }
    if (ok) {
        bool has =
            http_header_value(r, "x-amz-server-side-encryption-bucket-key-enabled", v, sizeof(v));
        ok = prop_set_bool(out, "bucketKeyEnabled", has && strcmp(v, "true") == 0) == 0;
    }
    if (ok && http_header_value(r, "x-amz-server-side-encryption-aws-kms-key-id", v, sizeof(v)))
        ok = prop_set_str(out, "kmsKeyId", v) == 0;
    if (ok) {
        pv *md = pv_object();
        for (size_t i = 0;
             md && http_header_prefixed(r, "x-amz-meta-", i, name, sizeof(name), v, sizeof(v));
             i++) {
            for (char *p = name; *p; p++)
                if (*p >= 'A' && *p <= 'Z')
                    *p = (char)(*p - 'A' + 'a');
            if (prop_set_str(md, name + strlen("x-amz-meta-"), v) != 0) {
                pv_free(md);
                md = NULL;
            }
        }
        const pv *had = pv_object_get(out, "metadata");
        if (!md)
            ok = false;
        else if (md->u.obj.len == 0 && !had)
            pv_free(md);
        else
            ok = pv_object_set(out, "metadata", md) == 0;
    }
    static const char *const cks[][2] = {
        {"x-amz-checksum-crc32", "checksumCrc32"},
        {"x-amz-checksum-crc32c", "checksumCrc32c"},
        {"x-amz-checksum-crc64nvme", "checksumCrc64nvme"},
        {"x-amz-checksum-sha1", "checksumSha1"},
        {"x-amz-checksum-sha256", "checksumSha256"},
    };
    for (size_t i = 0; ok && i < sizeof(cks) / sizeof(cks[0]); i++) {
        /* v2 reports every checksum ("" when S3 keeps none of that kind). */
        bool has = http_header_value(r, cks[i][0], v, sizeof(v));
        ok = v2 ? prop_set_str(out, cks[i][1], has ? v : "") == 0
                : (!pv_object_get(out, cks[i][1]) || pv_object_remove(out, cks[i][1]) == 0);
    }
    if (ok && !pv_object_get(out, "tagsAll")) {
        const pv *t = pv_object_get(out, "tags");
        pv *cp = t ? pv_copy(t) : pv_object();
        ok = cp && pv_object_set(out, "tagsAll", cp) == 0;
    }
    if (ok && !pv_object_get(out, "forceDestroy"))
        ok = prop_set_bool(out, "forceDestroy", false) == 0;
    if (ok && !prop_str(out, "region"))
        ok = prop_set_str(out, "region", aws_client_region(c)) == 0;
    (void)ctx;
    if (!ok) {
        pv_free(out);
        return NULL;
    }
    return out;
}

/* ---- upload ---------------------------------------------------------------------------- */

/* checksumAlgorithm (absent: SHA256) and the output row S3's value lands in. */
static enum s3u_checksum obj_checksum_of(const pv *in)
{
    const char *ck = prop_str(in, "checksumAlgorithm");
    static const enum s3u_checksum all[] = {S3U_CK_SHA256, S3U_CK_SHA1, S3U_CK_CRC32, S3U_CK_CRC32C,
                                            S3U_CK_CRC64NVME};
    for (size_t i = 0; ck && i < sizeof(all) / sizeof(all[0]); i++)
        if (strcmp(ck, s3u_checksum_name(all[i])) == 0)
            return all[i];
    return S3U_CK_SHA256;
}

static const char *obj_checksum_row(enum s3u_checksum ck)
{
    static const char *const rows[] = {"checksumSha256", "checksumSha1", "checksumCrc32",
                                       "checksumCrc32c", "checksumCrc64nvme"};
    return rows[ck];
}

/* Uploads the object as in says; res holds the content hashes. */
static int obj_upload(res_ctx *ctx, aws_client *c, const pv *in, bool hash_only, s3u_result *res,
                      err *e)
{
    obj_headers oh;
    memset(&oh, 0, sizeof(oh));
    unsigned char *decoded = NULL;
    int rc = -1;
    s3u_request rq = {.bucket = prop_str(in, "bucket"), .key = prop_str(in, "key")};
    rq.checksum = obj_checksum_of(in);
    if (obj_env_size("AWSML_S3_MULTIPART_THRESHOLD", &rq.threshold) != 0 ||
        obj_env_size("AWSML_S3_PART_SIZE", &rq.part_size) != 0)
        return err_set(e, ERR_INVALID_ARGUMENT,
                       "AWSML_S3_MULTIPART_THRESHOLD and AWSML_S3_PART_SIZE must be byte counts");
    const char *content = prop_str(in, "content"), *b64 = prop_str(in, "contentBase64");
    const pv *a = obj_asset(in);
    if (content) {
        rq.data = content;
        rq.len = strlen(content);
    } else if (b64) {
        bool bad = false;
        size_t len = 0;
        decoded = obj_b64_decode(b64, &len, &bad);
        if (!decoded && bad)
            return err_set(e, ERR_INVALID_ARGUMENT, "contentBase64 must be base64");
        if (!decoded && b64[0])
            return res_oom(e);
        rq.data = decoded ? (const void *)decoded : "";
        rq.len = decoded ? len : 0;
    } else if (a && prop_str(a, "path")) {
        rq.path = prop_str(a, "path");
    } else if (a && prop_str(a, "text")) {
        rq.data = prop_str(a, "text");
        rq.len = strlen(rq.data);
    } else {
        rq.data = "";
        rq.len = 0;
    }
    if (obj_build_headers(in, &oh) != 0) {
        res_oom(e);
        goto done;
    }
    rq.headers = oh.h;
    rq.n_headers = oh.n;
    rc = hash_only ? s3u_hash(&rq, res_aws_cancel(ctx), res, e)
                   : s3u_upload(c, &rq, res_aws_cancel(ctx), res, e);
done:
    oh_free(&oh);
    free(decoded);
    return rc;
}

/* The last write's content checksum as S3 keeps it (from HeadObject). */
static void obj_stored_checksum(const http_response *r, enum s3u_checksum ck, char *out, size_t cap)
{
    http_header_value(r, s3u_checksum_header(ck), out, cap);
}

/* HTTP date (Last-Modified) as RFC 3339 ("2026-12-05T11:14:18Z"), "" when unreadable. */
static void obj_rfc3339(const char *http_date, char *out, size_t cap)
{
    struct tm tm;
    memset(&tm, 0, sizeof(tm));
    out[0] = '\0';
    if (strptime(http_date, "%a, %d %b %Y %H:%M:%S GMT", &tm) &&
        strftime(out, cap, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        out[0] = '\0';
}

static int obj_create_in(res_ctx *ctx, const pv *inputs, time_t resumed_from, char **id,
                         pv **outputs, err *e)
{
    const char *bucket = prop_str(inputs, "bucket"), *key = prop_str(inputs, "key");
    if (ctx->preview) {
        /* What S3 decides is unknown until the upload; a given etag stays. */
        *outputs = pv_copy(inputs);
        static const char *const computed[] = {"arn", "versionId", "etag"};
        for (size_t i = 0; *outputs && i < 3; i++)
            if (!(i == 2 && prop_str(inputs, "etag")) &&
                prop_set_unknown(*outputs, computed[i]) != 0) {
                pv_free(*outputs);
                *outputs = NULL;
            }
        return *outputs ? 0 : res_oom(e);
    }
    aws_client *c = res_client_for(ctx, inputs, e);
    if (!c)
        return -1;
    if (!bucket || !key)
        return err_set(e, ERR_INVALID_ARGUMENT, "bucket and key must be known to create an object");
    s3u_result res;
    memset(&res, 0, sizeof(res));
    time_t started = resumed_from ? resumed_from : time(NULL);
    http_response head;
    memset(&head, 0, sizeof(head));
    int rc = -1;
    if (obj_upload(ctx, c, inputs, false, &res, e) != 0) {
        if (!res.maybe_applied)
            return -1;
        /* The answer was lost: is our content there? */
        res_grace(ctx);
        err le = {0};
        char have[S3U_CHECKSUM_MAX] = "", lm[128] = "", created[32] = "";
        char etag[S3U_FIELD_MAX] = "", sse[64] = "";
        if (obj_head(ctx, c, bucket, key, &head, &le) == 0) {
            obj_stored_checksum(&head, obj_checksum_of(inputs), have, sizeof(have));
            http_header_value(&head, "Last-Modified", lm, sizeof(lm));
            obj_rfc3339(lm, created, sizeof(created));
            http_header_value(&head, "ETag", etag, sizeof(etag));
            http_header_value(&head, "x-amz-server-side-encryption", sse, sizeof(sse));
        }
        http_response_free(&head);
        /* Ours when S3 keeps the checksum awsml sent; without one (S3
         * implementations that drop it), when the ETag is the content's MD5
         * (not under SSE-KMS, whose ETags are not); else the time decides. */
        size_t el = strlen(etag);
        if (el >= 2 && etag[0] == '"' && etag[el - 1] == '"') {
            memmove(etag, etag + 1, el - 2);
            etag[el - 2] = '\0';
        }
        const char *differs = NULL;
        if (!le.code && have[0] && strcmp(have, res.checksum) != 0)
            differs = "its content checksum is not the one uploaded";
        else if (!le.code && !have[0] && !str_has_prefix(sse, "aws:kms") &&
                 strcmp(etag, res.plain_etag) != 0)
            differs = "its ETag is not the MD5 of the content uploaded";
        enum res_adopt a =
            res_adopt(ctx, "s3 object", "PutObject", "s3/bucketObjectv2:BucketObjectv2", key,
                      started, &le, created[0] ? created : NULL, differs, e);
        if (a == RES_ADOPT_UNKNOWN && !(*id = str_dup(key)))
            res_oom(e);
        if (a != RES_ADOPT_OURS)
            return -1;
    }
    if (!(*id = str_dup(key)))
        return res_oom(e);
    if (obj_head_fresh(ctx, c, bucket, key, &head, e) != 0) {
        /* It exists (the upload succeeded): record it with what is known. */
        *outputs = pv_copy(inputs);
        goto done;
    }
    *outputs = obj_outputs(ctx, c, inputs, bucket, key, &head, obj_is_v2(ctx));
    if (!*outputs) {
        res_oom(e);
        goto done;
    }
    rc = 0;
done:
    http_response_free(&head);
    return rc;
}

static int obj_create(res_ctx *ctx, const pv *inputs, char **id, pv **outputs, err *e)
{
    return pending_create(ctx, prop_str(inputs, "key"), obj_create_in, inputs, id, outputs, e);
}

/* ---- Read ----------------------------------------------------------------------------- */

static int obj_read(res_ctx *ctx, const char *id, const pv *props, const pv *inputs, char **new_id,
                    pv **outputs, pv **new_inputs, err *e)
{
    const pv *old = (props && props->u.obj.len) ? props : inputs;
    bool import = !old || old->kind != PV_OBJECT || !prop_str(old, "bucket");
    char bucket[S3S_BUCKET_MAX + 256], key[OBJ_KEY_MAX + 8];
    if (import) {
        const char *s = str_has_prefix(id, "s3://") ? id + 5 : id;
        const char *slash = strchr(s, '/');
        if (!slash || slash == s || !slash[1])
            return err_set(e, ERR_INVALID_ARGUMENT,
                           "import ID '%s' must be <bucket>/<key> or s3://<bucket>/<key>", id);
        snprintf(bucket, sizeof(bucket), "%.*s", (int)(slash - s), s);
        obj_clean_key(slash + 1, key, sizeof(key));
    } else {
        str_copy(bucket, sizeof(bucket), prop_str(old, "bucket"));
        const char *k = prop_str(old, "key");
        obj_clean_key(k ? k : id, key, sizeof(key));
    }
    aws_client *c = res_client_for(ctx, old, e);
    const eng_table *t = obj_is_v2(ctx) ? &obj_v2_table : &obj_v1_table;
    http_response head;
    pv *tags = NULL, *base = NULL, *out = NULL;
    int rc = -1;
    *new_inputs = NULL;
    if (!c)
        return -1;
    if (obj_head(ctx, c, bucket, key, &head, e) != 0) {
        http_response_free(&head);
        if (e->code != ERR_NOT_FOUND)
            return -1;
        err_clear(e);
        *new_id = NULL; /* deleted out of band */
        return 0;
    }
    if (obj_get_tags(ctx, c, bucket, key, &tags, e) != 0)
        goto done;
    base = import ? pv_object() : pv_copy(old);
    if (!base)
        goto oom;
    out = obj_outputs(ctx, c, base, bucket, key, &head, obj_is_v2(ctx));
    if (!out || pv_object_remove(out, "tagsAll") != 0)
        goto oom;
    /* etag: the ETag is the content's MD5 only without SSE-KMS and multipart.
     * Otherwise the etag the user gave stays while the checksum S3 keeps is
     * the one recorded at the last upload (the content is ours). */
    const char *sse = prop_str(out, "serverSideEncryption");
    const char *etag = prop_str(out, "etag");
    bool not_md5 = (sse && str_has_prefix(sse, "aws:kms")) || (etag && strchr(etag, '-'));
    const char *given = !import && inputs ? prop_str(inputs, "etag") : NULL;
    if (not_md5 && given) {
        const char *row = obj_checksum_row(obj_checksum_of(inputs));
        const char *rec = prop_str(old, row), *now = prop_str(out, row);
        bool same = !rec || !now || !*rec || !*now || strcmp(rec, now) == 0;
        if (same) {
            pv *keep = pv_copy(out);
            if (!keep || prop_set_str(keep, "etag", given) != 0) {
                pv_free(keep);
                goto oom;
            }
            if (engine_read_tags(ctx, t, tags, old, keep, e) != 0) {
                pv_free(keep);
                goto done;
            }
            *new_inputs = engine_read_inputs(t, keep, inputs);
            pv_free(keep);
            if (!*new_inputs)
                goto oom;
        }
    }
    if (engine_read_tags(ctx, t, tags, old, out, e) != 0)
        goto done;
    if (!*new_inputs)
        *new_inputs = engine_read_inputs(t, out, inputs);
    *new_id = str_dup(key);
    if (!*new_inputs || !*new_id) {
        pv_free(*new_inputs);
        free(*new_id);
        *new_inputs = NULL;
        *new_id = NULL;
        goto oom;
    }
    *outputs = out;
    out = NULL;
    pending_forget(ctx, key);
    rc = 0;
    goto done;
oom:
    res_oom(e);
done:
    if (rc != 0) {
        pv_free(*new_inputs);
        *new_inputs = NULL;
    }
    http_response_free(&head);
    pv_free(tags);
    pv_free(base);
    pv_free(out);
    return rc;
}

/* ---- Update ----------------------------------------------------------------------------- */

static bool obj_changed(const pv *a, const pv *b, const char *k)
{
    const pv *x = pv_object_get(a, k), *y = pv_object_get(b, k);
    if (strcmp(k, "source") == 0)
        return !obj_asset_same(obj_asset(a), obj_asset(b));
    if (!x || pv_plain(x)->kind == PV_NULL)
        return y && pv_plain(y)->kind != PV_NULL;
    return !y || !pv_equal(pv_plain(x), pv_plain(y));
}

static int obj_put_tags(res_ctx *ctx, aws_client *c, const char *bucket, const char *key,
                        const pv *tags, err *e)
{
    if (!tags || tags->u.obj.len == 0) {
        http_response r;
        s3_request del = {.operation = "DeleteObjectTagging",
                          .method = "DELETE",
                          .bucket = bucket,
                          .key = key,
                          .subresource = "tagging",
                          .idempotent = true};
        int rc = s3_call(c, &del, res_aws_cancel(ctx), &r, e);
        http_response_free(&r);
        return rc;
    }
    size_t len = 0;
    char *xml = s3s_tagging_xml(tags, &len);
    if (!xml)
        return res_oom(e);
    http_response r;
    s3_request rq = {.operation = "PutObjectTagging",
                     .method = "PUT",
                     .bucket = bucket,
                     .key = key,
                     .subresource = "tagging",
                     .body = xml,
                     .body_len = len,
                     .content_md5 = true,
                     .idempotent = true};
    int rc = s3_call(c, &rq, res_aws_cancel(ctx), &r, e);
    http_response_free(&r);
    free(xml);
    return rc;
}

static int obj_update(res_ctx *ctx, const char *id, const pv *olds, const pv *news,
                      const pv *old_inputs, pv **outputs, err *e)
{
    bool upload = false;
    for (size_t i = 0; i < sizeof(obj_content_rows) / sizeof(obj_content_rows[0]); i++)
        upload = upload || obj_changed(news, old_inputs ? old_inputs : olds, obj_content_rows[i]);
    if (ctx->preview) {
        *outputs = pv_copy(news);
        if (*outputs && upload &&
            (prop_set_unknown(*outputs, "versionId") != 0 ||
             (!prop_str(news, "etag") && prop_set_unknown(*outputs, "etag") != 0))) {
            pv_free(*outputs);
            *outputs = NULL;
        }
        return *outputs ? 0 : res_oom(e);
    }
    aws_client *c = res_client_for(ctx, news, e);
    const char *bucket = prop_str(news, "bucket"), *key = prop_str(news, "key");
    if (!c)
        return -1;
    if (!bucket || !key)
        return err_set(e, ERR_INVALID_ARGUMENT, "bucket and key must be known");
    if (upload) {
        s3u_result res;
        if (obj_upload(ctx, c, news, false, &res, e) != 0)
            return -1;
    } else {
        const pv *want = obj_tags_of(news), *have = obj_tags_of(olds);
        bool same = (!want && !have) || (want && have && pv_equal(want, have));
        if (!same && obj_put_tags(ctx, c, bucket, key, want, e) != 0)
            return -1;
        const char *acl = prop_str(news, "acl");
        if (acl && obj_changed(news, olds, "acl")) {
            http_header h[1] = {{"x-amz-acl", acl}};
            http_response r;
            s3_request rq = {.operation = "PutObjectAcl",
                             .method = "PUT",
                             .bucket = bucket,
                             .key = key,
                             .subresource = "acl",
                             .headers = h,
                             .n_headers = 1,
                             .idempotent = true};
            int rc = s3_call(c, &rq, res_aws_cancel(ctx), &r, e);
            http_response_free(&r);
            if (rc != 0)
                return -1;
        }
    }
    http_response head;
    int rc = obj_head_fresh(ctx, c, bucket, key, &head, e);
    if (rc == 0) {
        *outputs = obj_outputs(ctx, c, news, bucket, key, &head, obj_is_v2(ctx));
        if (!*outputs)
            rc = res_oom(e);
    }
    http_response_free(&head);
    (void)id;
    return rc;
}

/* ---- Delete ----------------------------------------------------------------------------- */

static int obj_delete_version(res_ctx *ctx, aws_client *c, const char *bucket, const char *key,
                              const char *version, bool force, err *e)
{
    const char *params[] = {"versionId", version};
    http_header h[1] = {{"x-amz-bypass-governance-retention", "true"}};
    http_response r;
    s3_request rq = {.operation = "DeleteObject",
                     .method = "DELETE",
                     .bucket = bucket,
                     .key = key,
                     .params = params,
                     .n_params = version ? 1 : 0,
                     .headers = h,
                     .n_headers = force ? 1 : 0,
                     .idempotent = true};
    int rc = s3_call(c, &rq, res_aws_cancel(ctx), &r, e);
    long status = r.status;
    http_response_free(&r);
    if (rc != 0 && (e->code == ERR_NOT_FOUND || status == 404)) {
        err_clear(e);
        rc = 0;
    }
    return rc;
}

/* Every version and delete marker of exactly key (a versioned bucket). */
static int obj_delete_versions(res_ctx *ctx, aws_client *c, const char *bucket, const char *key,
                               bool force, err *e)
{
    for (int round = 0; round < 100; round++) {
        xml_node *root = NULL;
        const char *params[] = {"prefix", key, "max-keys", "1000"};
        s3_request rq = {.operation = "ListObjectVersions",
                         .method = "GET",
                         .bucket = bucket,
                         .subresource = "versions",
                         .params = params,
                         .n_params = 2,
                         .idempotent = true};
        if (s3_call_xml(c, &rq, res_aws_cancel(ctx), &root, e) != 0) {
            if (e->code == ERR_NOT_FOUND) {
                err_clear(e);
                return 0;
            }
            return -1;
        }
        size_t deleted = 0;
        for (size_t i = 0; root && i < root->n_children; i++) {
            const xml_node *v = root->children[i];
            if (strcmp(v->name, "Version") != 0 && strcmp(v->name, "DeleteMarker") != 0)
                continue;
            const char *k = xml_path_text(v, "Key"), *ver = xml_path_text(v, "VersionId");
            if (!k || strcmp(k, key) != 0)
                continue;
            if (obj_delete_version(ctx, c, bucket, key, ver ? ver : "null", force, e) != 0) {
                xml_free(root);
                return -1;
            }
            deleted++;
        }
        xml_free(root);
        if (!deleted)
            return 0;
    }
    return 0;
}

static int obj_delete(res_ctx *ctx, const char *id, const pv *props, err *e)
{
    aws_client *c = res_client_for(ctx, props, e);
    if (!c)
        return -1;
    const char *bucket = prop_str(props, "bucket"), *key = prop_str(props, "key");
    const pv *fd = pv_object_get(props, "forceDestroy");
    bool force = fd && pv_plain(fd)->kind == PV_BOOL && pv_plain(fd)->u.b;
    const char *ver = prop_str(props, "versionId");
    if (!bucket)
        return err_set(e, ERR_INVALID_ARGUMENT, "the object's bucket is not in the state");
    if (!key)
        key = id;
    if (ver && *ver)
        return obj_delete_versions(ctx, c, bucket, key, force, e);
    return obj_delete_version(ctx, c, bucket, key, NULL, force, e);
}

const resource_type s3_bucket_object_v2_type = {
    .token = "s3/bucketObjectv2:BucketObjectv2",
    .table = &obj_v2_table,
    .check_hook = obj_check_hook,
    .diff_hook = obj_diff_hook,
    .create = obj_create,
    .read = obj_read,
    .update = obj_update,
    .del = obj_delete,
};

const resource_type s3_bucket_object_type = {
    .token = "s3/bucketObject:BucketObject",
    .table = &obj_v1_table,
    .check_hook = obj_check_hook,
    .diff_hook = obj_diff_hook,
    .create = obj_create,
    .read = obj_read,
    .update = obj_update,
    .del = obj_delete,
};
