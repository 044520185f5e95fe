/* sigv4: AWS Signature Version 4 (AWS4-HMAC-SHA256), header and presigned-query forms.
 *
 * The HTTP client describes a request as it will go on the wire (method, Host, raw path and
 * query, headers, payload) and gets back exactly what to add: headers for the header form, or
 * the complete query string for the presigned form. The signer never sends anything and never
 * logs; nothing here prints a secret. Every function is reentrant and thread-safe.
 *
 * Rules (the ones that bite when they are wrong):
 * - path and query are the wire form, already percent-encoded. For every service but S3 the
 *   canonical URI is the path with dot segments removed and "//" collapsed, then percent-encoded
 *   once more ("double encoding"); S3 signs the path as sent (no normalization, one encoding:
 *   only bytes that are not unreserved, '/' or part of a %XX escape get encoded).
 * - Query parameters are decoded, re-encoded per RFC 3986 (unreserved A-Z a-z 0-9 - . _ ~ kept,
 *   '+' is a literal plus) and sorted by key then value; an empty value signs as "key=".
 * - Header names are lowercased and sorted; values trimmed with inner blank runs collapsed to
 *   one space; repeated headers are joined with ',' in the order given.
 * - Hop-by-hop and proxy-mangled headers are never signed even when passed in: user-agent,
 *   expect, connection, transfer-encoding, keep-alive, proxy-*, te, trailer, upgrade,
 *   x-amzn-trace-id. Verifiers drop or rewrite them, and signing them means a mismatch.
 * - The signer owns authorization, x-amz-date, x-amz-security-token and x-amz-content-sha256
 *   (headers) and the X-Amz-* authentication parameters (presigned query): passing any of them
 *   in is an error, so a retry must start again from the unsigned request.
 */
#ifndef AWSML_AWS_SIGV4_H
#define AWSML_AWS_SIGV4_H

#include <stddef.h>
#include <time.h>

#include "aws/sha.h"

#define SIGV4_ALGORITHM "AWS4-HMAC-SHA256"
/* Payload hash value for S3 requests whose body is not hashed (large uploads, presigned GETs). */
#define SIGV4_UNSIGNED_PAYLOAD "UNSIGNED-PAYLOAD"
#define SIGV4_MAX_EXPIRES 604800u /* seven days: the longest a presigned URL may live */
#define SIGV4_SIGNATURE_LEN SHA_256_HEX_LEN

/* sigv4_params.flags. Zero is right for every service: the S3 signing names ("s3",
 * "s3-object-lambda", "s3-outposts") imply SIGV4_NO_NORMALIZE | SIGV4_SINGLE_ENCODE |
 * SIGV4_CONTENT_SHA256 whatever the flags say. */
#define SIGV4_NO_NORMALIZE 0x01u   /* keep "." / ".." segments and "//" in the canonical URI */
#define SIGV4_SINGLE_ENCODE 0x02u  /* sign the path as sent instead of encoding it again */
#define SIGV4_CONTENT_SHA256 0x04u /* header form: add and sign x-amz-content-sha256 */
#define SIGV4_OMIT_TOKEN                                                                           \
    0x08u                 /* send the session token without signing it (IoT and                    \
                             services that verify the token out of band) */
#define SIGV4_DEBUG 0x10u /* keep canonical_request and string_to_sign in the result */

/* One request header, pointer+length: need not be NUL-terminated. Repeat a name to send it
 * more than once. Values must not contain CR, LF or other control bytes except TAB. */
struct sigv4_header {
    const char *name;
    size_t name_len;
    const char *value;
    size_t value_len;
};

struct sigv4_request {
    const char *method; /* NUL-terminated, as sent: "GET", "POST" */
    /* Host header value exactly as sent, with ":port" when the port is not the scheme's
     * default (a local emulator on 127.0.0.1:5000 signs "127.0.0.1:5000"). Leave NULL when
     * headers already carry Host; giving both is an error. Not returned as a header to add:
     * libcurl sends Host from the URL, which must agree. */
    const char *host;
    const char *path; /* wire path starting with '/', no query; NULL or empty means "/" */
    size_t path_len;
    const char *query; /* wire query without the '?'; may be NULL */
    size_t query_len;
    const struct sigv4_header *headers;
    size_t n_headers;
    /* Body: hashed here unless payload_hash is set. payload_hash is a lowercase hex SHA-256
     * computed elsewhere, SIGV4_UNSIGNED_PAYLOAD (S3 only), or a STREAMING-* value (S3 only).
     * Both payload and payload_hash unset means an empty body. */
    const void *payload;
    size_t payload_len;
    const char *payload_hash;
};

/* Secrets: never logged, never part of an error message. The access key id is not secret to
 * AWS but the project treats it as one; it appears only in Authorization / X-Amz-Credential. */
struct sigv4_credentials {
    const char *access_key_id;
    const char *secret_access_key;
    const char *session_token; /* NULL or "" without temporary credentials */
};

struct sigv4_params {
    const char *region;  /* credential scope region, e.g. "us-east-1" */
    const char *service; /* signing name, e.g. "iam", "sts", "sagemaker", "s3" */
    time_t when;         /* signing time (UTC seconds); must be within 15 min of AWS's clock */
    unsigned flags;      /* SIGV4_* above */
    unsigned expires;    /* presign only: lifetime in seconds, 1..SIGV4_MAX_EXPIRES */
};

/* A header the caller must add to the request, in the order given. name is static text;
 * value is owned by the result. Values can be secret (the session token, and Authorization
 * names the access key): never log them. */
struct sigv4_added_header {
    const char *name;
    char *value;
};

#define SIGV4_MAX_ADDED_HEADERS 4

struct sigv4_result {
    /* Header form: X-Amz-Security-Token (unless omitted from the signature), X-Amz-Date,
     * x-amz-content-sha256 (when asked or S3), Authorization, then X-Amz-Security-Token when
     * SIGV4_OMIT_TOKEN. Empty for the presigned form. */
    struct sigv4_added_header headers[SIGV4_MAX_ADDED_HEADERS];
    size_t n_headers;
    /* Presigned form: the complete query to send after '?': the caller's query as given, then
     * X-Amz-Algorithm, X-Amz-Credential, X-Amz-Date, X-Amz-SignedHeaders, X-Amz-Expires,
     * X-Amz-Security-Token, X-Amz-Signature. NULL for the header form. Contains the session
     * token: the whole URL is a bearer credential, never log it. */
    char *query;
    char signature[SIGV4_SIGNATURE_LEN + 1]; /* lowercase hex */
    /* Only with SIGV4_DEBUG, else NULL. The canonical request holds the session token
     * verbatim when it is signed: for tests and local debugging, never for logs. */
    char *canonical_request;
    char *string_to_sign;
};

/* Header form. On success fills *out (release with sigv4_result_free) and returns 0; on error
 * returns -1 with a message in err (which never contains a secret) and *out zeroed. */
int sigv4_sign_headers(const struct sigv4_request *req, const struct sigv4_credentials *cred,
                       const struct sigv4_params *params, struct sigv4_result *out, char *err,
                       size_t errlen);

/* Presigned (query) form, same contract. The payload hash still enters the signature: use
 * SIGV4_UNSIGNED_PAYLOAD for an S3 URL whose body is not known in advance. */
int sigv4_presign(const struct sigv4_request *req, const struct sigv4_credentials *cred,
                  const struct sigv4_params *params, struct sigv4_result *out, char *err,
                  size_t errlen);

/* Frees and wipes everything the result owns; safe on a zeroed or already freed result. */
void sigv4_result_free(struct sigv4_result *res);

/* Building blocks, exposed for the query-protocol codec and the tests. Each returns 0 and a
 * malloc'd NUL-terminated string in *out, or -1 with a message in err. */

/* RFC 3986 encoding: everything but A-Z a-z 0-9 - . _ ~ becomes %XX (uppercase hex); '/'
 * stays when keep_slash. The form the query protocol and canonical strings both need. */
int sigv4_uri_encode(const char *s, size_t len, int keep_slash, char **out, char *err,
                     size_t errlen);

/* Canonical URI of a wire path under flags (SIGV4_NO_NORMALIZE, SIGV4_SINGLE_ENCODE). */
int sigv4_canonical_uri(const char *path, size_t len, unsigned flags, char **out, char *err,
                        size_t errlen);

/* Canonical query string of a wire query (no '?'). */
int sigv4_canonical_query(const char *query, size_t len, char **out, char *err, size_t errlen);

#endif
