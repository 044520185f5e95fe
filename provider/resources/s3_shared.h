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

/* xmlns of S3's documents. */
#define S3S_XMLNS "http://s3.amazonaws.com/doc/2006-03-01/"

#endif
