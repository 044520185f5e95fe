/* s3_upload: one object's bytes into S3, from a file streamed from disk or
 * from memory, never holding a file whole.
 *
 *   small (size <= threshold): hash pass over the source (SHA-256 for
 *       x-amz-content-sha256, MD5 for Content-MD5, the object checksum), then
 *       one PutObject whose body is read again through an http_body_reader;
 *   large: CreateMultipartUpload, then per part a hash pass over the part's
 *       byte range and an UploadPart streaming that range, then
 *       CompleteMultipartUpload. Any failure after the upload was created
 *       (an error, a cancellation, a file that changed under it) sends
 *       AbortMultipartUpload, so no parts are left behind to be billed.
 *
 * Every request carries the real payload hash (never UNSIGNED-PAYLOAD), a
 * Content-MD5 and an x-amz-checksum-<algorithm> of its body. The whole
 * object's SHA-256 and MD5, and the checksum S3 keeps for it (for multipart
 * the composite "<base64>-<parts>"), come back in s3u_result, so a caller
 * can tell its own object from another by content, whatever the ETag is
 * (under SSE-KMS and for multipart uploads it is not the MD5). */
#ifndef AWSML_AWS_S3_UPLOAD_H
#define AWSML_AWS_S3_UPLOAD_H

#include <stdbool.h>
#include <stddef.h>

#include "aws/client.h"
#include "aws/http.h"
#include "util/err.h"

#define S3U_MIB (1024ULL * 1024ULL)
/* Objects larger than this go up as a multipart upload. */
#define S3U_THRESHOLD_DEFAULT (64ULL * S3U_MIB)
#define S3U_PART_SIZE_DEFAULT (16ULL * S3U_MIB)
#define S3U_MAX_PARTS 10000
/* The largest object one PutObject may carry (AWS: 5 GiB). */
#define S3U_PUT_MAX (5ULL * 1024ULL * S3U_MIB)

enum s3u_checksum {
    S3U_CK_SHA256 = 0, /* x-amz-checksum-sha256 (the default) */
    S3U_CK_SHA1,       /* x-amz-checksum-sha1 */
    /* CRCs: a multipart upload is then of checksum type FULL_OBJECT (the
     * object's CRC, not a checksum of the parts' checksums). */
    S3U_CK_CRC32,
    S3U_CK_CRC32C,
    S3U_CK_CRC64NVME,
};

/* The algorithm's name as S3 spells it ("SHA256", "CRC64NVME") and its
 * header ("x-amz-checksum-crc64nvme"). */
const char *s3u_checksum_name(enum s3u_checksum ck);
const char *s3u_checksum_header(enum s3u_checksum ck);

typedef struct s3u_request {
    const char *bucket;
    const char *key;
    const char *path; /* a file, streamed; or NULL and: */
    const void *data; /* bytes in memory */
    size_t len;
    /* The object's settings (Content-Type, Cache-Control, x-amz-meta-*,
     * x-amz-server-side-encryption*, x-amz-storage-class, x-amz-tagging, ...):
     * sent on PutObject or CreateMultipartUpload. At most AWS_MAX_HEADERS - 6. */
    const http_header *headers;
    size_t n_headers;
    enum s3u_checksum checksum;
    unsigned long long threshold; /* 0 = S3U_THRESHOLD_DEFAULT */
    unsigned long long part_size; /* 0 = S3U_PART_SIZE_DEFAULT (raised to fit 10000 parts) */
} s3u_request;

#define S3U_CHECKSUM_MAX 96
#define S3U_FIELD_MAX 512

typedef struct s3u_result {
    unsigned long long size;
    unsigned parts;      /* 0: one PutObject */
    char sha256_hex[65]; /* of the whole content; "" after a multipart upload */
    char md5_hex[33];    /* of the whole content; "" after a multipart upload */
    /* What S3 keeps as the object's checksum: base64; for a multipart upload
     * with SHA-256/SHA-1 "<checksum of the parts' checksums>-<parts>". */
    char checksum[S3U_CHECKSUM_MAX];
    /* The ETag S3 gives the content without SSE-KMS: the MD5 in hex, or for a
     * multipart upload the MD5 of the parts' MD5s and "-<parts>". */
    char plain_etag[S3U_CHECKSUM_MAX];
    char etag[S3U_FIELD_MAX];       /* S3's answer, without quotes */
    char version_id[S3U_FIELD_MAX]; /* "" when the bucket is not versioned */
    /* The upload failed, but its last request may have been carried out (the
     * answer was lost): the object may be there; look it up. */
    bool maybe_applied;
    /* Multipart only: the upload was aborted after a failure ("" none). */
    char aborted_upload[S3U_FIELD_MAX];
} s3u_result;

/* Uploads rq; 0 with out filled, or -1 (e says why; out->maybe_applied). */
int s3u_upload(aws_client *c, const s3u_request *rq, aws_cancel cancel, s3u_result *out, err *e);

/* The hash pass alone: size, SHA-256, MD5 and the checksum S3 would keep
 * for rq uploaded with rq's threshold and part size (no network). */
int s3u_hash(const s3u_request *rq, aws_cancel cancel, s3u_result *out, err *e);

/* A body reader over [off, off + len) of an open file (pread: the file
 * position is not used), or of bytes in memory (fd < 0, mem). It holds no
 * more than curl's own buffer at a time, whatever the size; rewind starts
 * the range again. A file that ends early fails the read. */
typedef struct s3u_range {
    int fd;
    const char *mem;
    unsigned long long off, len, pos;
    int failed_errno; /* 0, or why a read failed (EIO, or 0 with short for a short file) */
    bool short_file;
} s3u_range;
void s3u_range_init(s3u_range *r, int fd, const void *mem, unsigned long long off,
                    unsigned long long len);
http_body_reader s3u_range_reader(s3u_range *r);

/* The part size used for an object of size bytes (rq's, raised so that
 * there are at most S3U_MAX_PARTS parts), and whether it goes multipart. */
unsigned long long s3u_part_size(const s3u_request *rq, unsigned long long size);
bool s3u_is_multipart(const s3u_request *rq, unsigned long long size);

#endif
