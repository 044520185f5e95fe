/* s3_shared: what the bucket and its sub-resources (public access block,
 * encryption, versioning, policy) share.
 *
 * - Per-bucket serialisation: a small lock table keyed by bucket name. Every
 *   call that changes a bucket's configuration holds its bucket's lock, so the
 *   public access block, the policy and the encryption of one bucket, applied
 *   in one `up` on parallel worker threads, reach S3 one at a time (S3 answers
 *   409 OperationAborted to concurrent configuration changes).
 * - s3s_call: one S3 call for a resource, under the lock when it writes,
 *   retried with the shared backoff (res_backoff) while S3 says
 *   OperationAborted, and NoSuchBucket for a bucket created moments ago.
 * - Bucket names, ARNs, domain names and the S3 website hosted zone ids. */
#ifndef AWSML_RESOURCES_S3_SHARED_H
#define AWSML_RESOURCES_S3_SHARED_H

#include <stdbool.h>
#include <stddef.h>

#include "aws/s3.h"
#include "resources/common.h"
#include "resources/engine.h"

/* Buckets whose locks can be held at once; more callers wait for a slot. */
#define S3S_LOCK_SLOTS 128
/* How long a call keeps retrying OperationAborted or a fresh bucket's NoSuchBucket. */
#define S3S_RETRY_MS (120 * 1000L)
#define S3S_BUCKET_MAX 63

/* Takes the lock of bucket's configuration, waiting while another call holds
 * it; -1 (e says so) when the call is cancelled while waiting. */
int s3s_lock(res_ctx *ctx, const char *bucket, err *e);
void s3s_unlock(const char *bucket);
/* How many bucket locks are held now (tests). */
size_t s3s_locks_held(void);

/* s3s_call flags. */
#define S3S_WRITE 0x1u /* changes the bucket's configuration: under its lock */
#define S3S_FRESH 0x2u /* the bucket may have been created moments ago: NoSuchBucket is retried */

/* One call for a resource (rq->bucket is the bucket locked); *out (may be
 * NULL) the XML answer as s3_call_xml gives it. */
int s3s_call(res_ctx *ctx, aws_client *c, const s3_request *rq, unsigned flags, xml_node **out,
             err *e);
/* The same with the raw answer (free *resp with http_response_free either way). */
int s3s_call_raw(res_ctx *ctx, aws_client *c, const s3_request *rq, unsigned flags,
                 http_response *resp, err *e);

/* Whether S3 refused because another change of the bucket is in progress
 * (409 OperationAborted), or the bucket is not there (yet). */
bool s3s_aborted(const err *e);
bool s3s_no_bucket(const err *e);

/* Bucket names (the general purpose bucket rules): characters, and the
 * shape: 3-63, starting and ending with a letter or digit, no "..", not an
 * IP address, none of AWS's reserved prefixes and suffixes. */
bool s3s_bucket_char(int c);
bool s3s_bucket_shape(const char *s);
#define S3S_BUCKET_RULE "lowercase letters, digits, '.' and '-'"
#define S3S_BUCKET_SHAPE_RULE                                                                      \
    "must start and end with a letter or digit, hold no '..', not be an IP address, and not use "  \
    "the prefixes xn--, sthree-, amzn-s3-demo- or the suffixes -s3alias, --ol-s3, --x-s3, .mrap"

/* The Route 53 hosted zone id of the S3 website endpoint of a region; NULL
 * when not known. */
const char *s3s_hosted_zone(const char *region);

/* arn:<partition>:s3:::<bucket> into out; 0, or -1 when out is short. */
int s3s_arn(aws_client *c, const char *bucket, char *out, size_t cap);

/* The bucket's XML body for a tag set: <Tagging><TagSet>... from an object of
 * strings (NULL: none). Malloc'ed, NULL on allocation failure. */
char *s3s_tagging_xml(const pv *tags, size_t *len);

/* ---- a bucket configuration as a resource of its own ------------------------------ */
/* The public access block, encryption, versioning and policy resources: ID the
 * bucket name; Create and Update put the configuration (under the bucket's
 * lock, retrying OperationAborted and a fresh bucket's NoSuchBucket), Read gets
 * it, Delete removes it. Rows every such table has: bucket (required, replace,
 * a resource reference stands for its ID), expectedBucketOwner (optional,
 * replace, sent as x-amz-expected-bucket-owner) and region. */
typedef struct s3s_config {
    const char *what;        /* "public access block": messages */
    const char *subresource; /* "publicAccessBlock" */
    const char *put_op, *get_op, *delete_op;
    const char *const *missing_codes; /* what Get answers when there is none; NULL-terminated */
    const eng_table *table;
    /* The PUT body from the inputs (malloc'ed, *len set); NULL with e set on
     * failure. content_type NULL: application/xml. */
    char *(*body)(const pv *in, size_t *len, err *e);
    const char *content_type;
    /* Nothing to put for these inputs (versioning "Disabled" on a new bucket). */
    bool (*skip_put)(const pv *in);
    /* The type's rows into out from Get's answer; old: the recorded inputs
     * (NULL on import), for the user's shapes. 1: the answer means "none" (as
     * AWS's default encryption after a delete), 0 done, -1 error. */
    int (*read)(const char *body, size_t len, const pv *old, pv *out, err *e);
} s3s_config;

/* Rows of the same local settings copied from the recorded inputs on Read. */
#define S3S_BUCKET_ROW(docstr)                                                                     \
    {                                                                                              \
        .name = "bucket", .type = ET_STRING, .flags = EP_REQUIRED | EP_REPLACE | EP_RESOURCE_ID,   \
        .doc = docstr, .valid = EV_STRING, .min = 1, .max = S3S_BUCKET_MAX                         \
    }
#define S3S_OWNER_ROW                                                                              \
    {                                                                                              \
        .name = "expectedBucketOwner", .type = ET_STRING, .flags = EP_REPLACE | EP_LOCAL,          \
        .doc = "Account ID of the expected bucket owner (S3 refuses the calls when the bucket "    \
               "belongs to another account).",                                                     \
        .deprecated =                                                                              \
            "expected_bucket_owner is deprecated. It will be removed in a future verion "          \
            "of the provider."                                                                     \
    }

int s3s_cfg_create(res_ctx *ctx, const s3s_config *k, const pv *inputs, char **id, pv **outputs,
                   err *e);
int s3s_cfg_read(res_ctx *ctx, const s3s_config *k, const char *id, const pv *props,
                 const pv *inputs, char **new_id, pv **outputs, pv **new_inputs, err *e);
int s3s_cfg_update(res_ctx *ctx, const s3s_config *k, const char *id, const pv *news, pv **outputs,
                   err *e);
/* Delete*: the configuration is removed; a bucket or configuration already
 * gone is success. */
int s3s_cfg_delete(res_ctx *ctx, const s3s_config *k, const char *id, const pv *props, err *e);

/* A bool row of an XML answer ("true"/"false"); absent leaves out alone. */
int s3s_set_xml_bool(pv *out, const char *prop, const xml_node *n, const char *path);

/* xmlns of S3's documents. */
#define S3S_XMLNS "http://s3.amazonaws.com/doc/2006-03-01/"

#endif
