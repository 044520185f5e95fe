/* s3: the S3 REST-XML protocol on top of the client (aws_raw_call).
 *
 * One request is a method, a bucket, a key and a sub-resource query
 * (`?tagging`, `?encryption`, `?versions`, ...) with an XML (or any) body:
 *
 *   s3_request -> s3_call -> URL (s3_url) -> Content-MD5 -> aws_raw_call (SigV4 with the
 *                 payload's real SHA-256, retries) -> 301 PermanentRedirect: once more in
 *                 the region of x-amz-bucket-region
 *
 * URLs: a custom endpoint (the provider's `endpoints`, AWS_ENDPOINT_URL_S3: moto,
 * MinIO) is addressed path-style (<endpoint>/<bucket>/<key>); AWS's regional
 * endpoint virtual-hosted (https://<bucket>.s3.<region>.amazonaws.com/<key>)
 * when the bucket name is a DNS label without dots, else path-style. Keys are
 * percent-encoded per RFC 3986 with '/' kept, as S3 signs them.
 *
 * Bodies: in memory (body/body_len; hashed for x-amz-content-sha256 by the
 * signer), or streamed (reader + body_len + payload_hash the caller computed
 * while reading the source once before, or SIGV4_UNSIGNED_PAYLOAD over TLS):
 * the reader is rewound before a retry. content_md5 adds Content-MD5 (base64 MD5
 * of an in-memory body), which AWS requires on PutBucketEncryption, Versioning,
 * PublicAccessBlock, Policy, Tagging, OwnershipControls and DeleteObjects.
 *
 * Errors: S3's <Error><Code> documents become the err record (aws_code,
 * http_status); a missing bucket or key is ERR_NOT_FOUND. */
#ifndef AWSML_AWS_S3_H
#define AWSML_AWS_S3_H

#include <stdbool.h>
#include <stddef.h>

#include "aws/client.h"
#include "aws/endpoints.h"
#include "aws/http.h"
#include "aws/xml.h"
#include "util/buf.h"
#include "util/err.h"

#define S3_MD5_B64_LEN 24 /* characters of a base64 MD5, without the NUL */

typedef struct s3_request {
    const char *operation;     /* "PutBucketTagging": errors and logs */
    const char *method;        /* GET, HEAD, PUT, POST, DELETE */
    const char *bucket;        /* NULL or "": the service itself (ListBuckets) */
    const char *key;           /* NULL: the bucket itself */
    const char *subresource;   /* "tagging", "versions", "delete", ...: a name without a value */
    const char *const *params; /* n_params name/value pairs (2 * n_params strings), not encoded */
    size_t n_params;
    const http_header *headers; /* extra headers: x-amz-*, Content-Type */
    size_t n_headers;
    const void *body; /* in memory; Content-Type application/xml unless headers name one */
    size_t body_len;
    const http_body_reader *reader; /* or streamed: body_len bytes */
    const char *payload_hash;       /* with reader: hex SHA-256 or SIGV4_UNSIGNED_PAYLOAD */
    bool content_md5;               /* add Content-MD5 of body */
    bool idempotent;                /* safe to send again after an unknown outcome */
    aws_outcome *outcome;           /* may be NULL */
    const char *const *capture;     /* response headers to keep (http_response.captured) */
    size_t n_capture;
    size_t max_response; /* 0 = HTTP_DEFAULT_MAX_RESPONSE */
    bool keep_headers;   /* every response header in http_response.headers */
} s3_request;

/* Where one request goes: malloc'ed parts (s3_url_free). */
typedef struct s3_url_parts {
    char *base;  /* scheme://host[:port] */
    char *path;  /* encoded, starting with '/' */
    char *query; /* encoded, without '?'; "" when none */
} s3_url_parts;

/* The URL of a request against ep (virtual-hosted or path-style as above). */
int s3_url(const endpoints_result *ep, const s3_request *rq, s3_url_parts *out, err *e);
void s3_url_free(s3_url_parts *u);

/* Whether a bucket name can be a host label (3-63 of a-z 0-9 '-', starting and
 * ending with a letter or digit, no dots): only such buckets go virtual-hosted. */
bool s3_bucket_dns_label(const char *bucket);

/* Base64 MD5 of data[0..len), the Content-MD5 value. 0 or -1. */
int s3_content_md5(const void *data, size_t len, char out[S3_MD5_B64_LEN + 1]);

/* Appends s to b with &, <, >, " and ' escaped for XML text. 0 or -1 (memory). */
int s3_xml_escape(buf *b, const char *s);

/* One request. *resp (free with http_response_free) holds the 2xx answer;
 * on failure the last answer. A 301 naming another region in
 * x-amz-bucket-region is sent once more there. */
int s3_call(aws_client *c, const s3_request *rq, aws_cancel cancel, http_response *resp, err *e);

/* The same, with the answer's XML document in *out (NULL for an empty body;
 * free with xml_free). */
int s3_call_xml(aws_client *c, const s3_request *rq, aws_cancel cancel, xml_node **out, err *e);

/* GET (or HEAD when head) of s3://bucket/key[?versionId]. A missing object or
 * bucket is ERR_NOT_FOUND. With GET, *out receives the body (may be NULL for HEAD). */
int s3_get_object(aws_client *c, const char *bucket, const char *key, const char *version_id,
                  bool head, aws_cancel cancel, char **out, size_t *outlen, err *e);

#endif
