/* sigv4: AWS Signature Version 4 signing (see sigv4.h for the rules and the API contract).
 *
 * One pass, in the order AWS defines it: canonical URI, canonical query, canonical headers,
 * payload hash -> canonical request -> string to sign -> signing key -> signature. Everything
 * is built in capped buffers so a hostile or runaway request cannot make the signer allocate
 * without bound, and every buffer that may have held a secret is wiped before it is freed.
 */
#include "aws/sigv4.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

/* Caps. Real requests are far below them; they exist to stop runaway input, not to shape it. */
#define MAX_CANONICAL ((size_t)1 << 20) /* canonical request, query or headers block */
#define MAX_PATH ((size_t)16 * 1024)    /* wire path (S3 keys are at most 1024 bytes) */
#define MAX_QUERY ((size_t)256 * 1024)  /* wire query */
#define MAX_HEADERS 512                 /* header entries, repeats included */
#define MAX_HEADER_BYTES ((size_t)256 * 1024)
#define MAX_ACCESS_KEY 128
#define MAX_SECRET 256
#define MAX_TOKEN ((size_t)16 * 1024)
#define MAX_SCOPE_PART 64 /* region or service */
#define MAX_METHOD 32
#define MAX_PAYLOAD_HASH 64 /* a hex SHA-256; STREAMING-* values are shorter */
#define DATE_LEN 16         /* 20150830T123600Z */
#define DAY_LEN 8           /* 20150830 */
#define TERMINATOR "aws4_request"

/* Capped growable buffer. Errors are sticky so a run of appends is checked once. */
struct sbuf {
    char *p;
    size_t len;
    size_t cap;
    size_t max;
    int failed;
};

/* Slice of bytes inside a store owned elsewhere. */
struct slice {
    const char *p;
    size_t n;
};

struct qparam {
    struct slice key; /* encoded */
    struct slice val; /* encoded */
};

struct hentry {
    struct slice name; /* lowercased */
    struct slice val;  /* trimmed, blank runs collapsed */
    size_t order;      /* position given: repeated headers keep the order they are sent in */
};

/* Fixed-size arrays sized once from the input, so slices into store never move. */
struct qset {
    struct qparam *v;
    size_t n;
    size_t cap;
    char *store;
    size_t used;
    size_t size;
    int failed; /* a sizing bug, never input: the store is sized for the worst case */
};

struct hset {
    struct hentry *v;
    size_t n;
    size_t cap;
    char *store;
    size_t used;
    size_t size;
};

struct signer {
    const struct sigv4_request *req;
    const struct sigv4_credentials *cred;
    const struct sigv4_params *par;
    unsigned flags;
    int presign;
    int have_token; /* temporary credentials: the token travels with the request */
    int sign_token; /* ... and is part of the signature */
    char amz_date[DATE_LEN + 1];
    char day[DAY_LEN + 1];
    char expires[16];
    char payload_hash[MAX_PAYLOAD_HASH + 1];
    struct sbuf scope;          /* 20150830/us-east-1/service/aws4_request */
    struct sbuf canon_headers;  /* "name:value\n" lines */
    struct sbuf signed_headers; /* "host;x-amz-date" */
    struct sbuf canon_query;
    struct sbuf canon_uri;
    struct sbuf creq;
    struct sbuf sts;
    struct hset hs;
    struct qset qs;
};

/* Headers verifiers drop or rewrite on the way (proxies, load balancers, curl itself): a
 * signature over them cannot be checked. "proxy-*" is matched as a prefix separately. */
static const char *const unsigned_headers[] = {
    "user-agent", "expect",  "connection", "transfer-encoding", "keep-alive",
    "te",         "trailer", "upgrade",    "x-amzn-trace-id",   NULL,
};

/* Headers the signer writes itself; a second copy from the caller would be ambiguous. */
static const char *const owned_headers[] = {
    "authorization", "x-amz-date", "x-amz-security-token", "x-amz-content-sha256", NULL,
};

/* Presigned-URL parameters the signer writes itself, lowercase: a differently cased copy
 * would still confuse a verifier, so the match ignores case. */
static const char *const owned_params[] = {
    "x-amz-algorithm",     "x-amz-credential",     "x-amz-date",      "x-amz-expires",
    "x-amz-signedheaders", "x-amz-security-token", "x-amz-signature", NULL,
};

#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static void
set_err(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    int n;

    if (err == NULL || errlen == 0)
        return;
    n = snprintf(err, errlen, "sigv4: ");
    if (n < 0 || (size_t)n >= errlen)
        return;
    va_start(ap, fmt);
    vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
    va_end(ap);
}

/* ---- capped buffer --------------------------------------------------------------------- */

static void sb_init(struct sbuf *b, size_t max)
{
    memset(b, 0, sizeof *b);
    b->max = max;
}

static void sb_free(struct sbuf *b)
{
    if (b->p != NULL) {
        /* Canonical strings can carry the session token. */
        OPENSSL_cleanse(b->p, b->cap);
        free(b->p);
    }
    b->p = NULL;
    b->len = b->cap = 0;
    b->failed = 0;
}

/* Makes room for extra bytes plus a NUL. Grows by copying rather than realloc so the old
 * block can be wiped: realloc may leave a copy of a secret behind in freed memory. */
static int sb_reserve(struct sbuf *b, size_t extra)
{
    size_t need, ncap;
    char *np;

    if (b->failed)
        return -1;
    if (extra > b->max - b->len) {
        b->failed = 1;
        return -1;
    }
    need = b->len + extra + 1;
    if (need <= b->cap)
        return 0;
    ncap = b->cap ? b->cap : 128;
    while (ncap < need)
        ncap *= 2;
    if (ncap > b->max + 1)
        ncap = b->max + 1;
    np = malloc(ncap);
    if (np == NULL) {
        b->failed = 1;
        return -1;
    }
    if (b->p != NULL) {
        memcpy(np, b->p, b->len);
        OPENSSL_cleanse(b->p, b->cap);
        free(b->p);
    }
    b->p = np;
    b->cap = ncap;
    return 0;
}

static void sb_add(struct sbuf *b, const void *s, size_t n)
{
    if (sb_reserve(b, n) != 0)
        return;
    if (n > 0)
        memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static void sb_addc(struct sbuf *b, char c)
{
    sb_add(b, &c, 1);
}

/* For text this file controls or has already validated as NUL-terminated. */
static void sb_adds(struct sbuf *b, const char *s)
{
    sb_add(b, s, strlen(s));
}

/* Hands the contents over as a NUL-terminated heap string (never NULL on success). */
static char *sb_take(struct sbuf *b)
{
    char *p;

    if (sb_reserve(b, 0) != 0)
        return NULL;
    p = b->p;
    p[b->len] = '\0';
    b->p = NULL;
    b->len = b->cap = 0;
    return p;
}

/* ---- character classes and encoding ---------------------------------------------------- */

static int is_unreserved(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == '_' || c == '~';
}

static int hex_value(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* True when s[i..] starts a well-formed %XX escape. */
static int is_escape(const char *s, size_t n, size_t i)
{
    return s[i] == '%' && n - i >= 3 && hex_value((unsigned char)s[i + 1]) >= 0 &&
           hex_value((unsigned char)s[i + 2]) >= 0;
}

/* Writes the %XX form of one byte; '\0'-free output, uppercase hex as SigV4 requires. */
static void put_escape(char *dst, unsigned char c)
{
    static const char digits[] = "0123456789ABCDEF";

    dst[0] = '%';
    dst[1] = digits[c >> 4];
    dst[2] = digits[c & 0x0f];
}

static void sb_add_byte_encoded(struct sbuf *b, unsigned char c, int keep_slash)
{
    char esc[3];

    if (is_unreserved(c) || (keep_slash && c == '/')) {
        sb_addc(b, (char)c);
        return;
    }
    put_escape(esc, c);
    sb_add(b, esc, sizeof esc);
}

static void sb_add_encoded(struct sbuf *b, const char *s, size_t n, int keep_slash)
{
    size_t i;

    for (i = 0; i < n; i++)
        sb_add_byte_encoded(b, (unsigned char)s[i], keep_slash);
}

/* Decodes %XX escapes and encodes the result: a wire query may be encoded loosely (lowercase
 * hex, raw UTF-8, over-encoded letters) but the canonical form is exact. A '%' that starts no
 * valid escape is taken literally; '+' is a plus, not a space, as in the AWS canonical form. */
static void sb_add_reencoded(struct sbuf *b, const char *s, size_t n)
{
    size_t i = 0;

    while (i < n) {
        unsigned char c = (unsigned char)s[i];

        if (is_escape(s, n, i)) {
            c = (unsigned char)(hex_value((unsigned char)s[i + 1]) * 16 +
                                hex_value((unsigned char)s[i + 2]));
            i += 3;
        } else {
            i++;
        }
        sb_add_byte_encoded(b, c, 0);
    }
}

/* S3 signs the path it receives: valid escapes stay as sent, anything else that is not
 * unreserved or '/' gets its single encoding. */
static void sb_add_single_encoded_path(struct sbuf *b, const char *s, size_t n)
{
    size_t i = 0;

    while (i < n) {
        if (is_escape(s, n, i)) {
            sb_add(b, s + i, 3);
            i += 3;
            continue;
        }
        sb_add_byte_encoded(b, (unsigned char)s[i], 1);
        i++;
    }
}

/* RFC 3986 remove_dot_segments plus collapsing empty segments ("//"), on the wire path. A
 * trailing slash survives, and "." or ".." as the last segment leaves one (RFC 3986 5.2.4);
 * ".." never climbs above the root. */
static void sb_add_normalized_path(struct sbuf *b, const char *p, size_t n)
{
    size_t start = b->len, i = 0;
    int trailing = 0;

    while (i < n) {
        size_t j = i;

        if (p[i] == '/') {
            i++;
            continue;
        }
        while (j < n && p[j] != '/')
            j++;
        if (j - i == 1 && p[i] == '.') {
            trailing = 1;
        } else if (j - i == 2 && p[i] == '.' && p[i + 1] == '.') {
            while (b->len > start && b->p[b->len - 1] != '/')
                b->len--;
            if (b->len > start)
                b->len--;
            trailing = 1;
        } else {
            sb_addc(b, '/');
            sb_add(b, p + i, j - i);
            trailing = 0;
        }
        i = j;
    }
    if (n > 0 && p[n - 1] == '/')
        trailing = 1;
    if (b->len == start || trailing)
        sb_addc(b, '/');
    if (!b->failed)
        b->p[b->len] = '\0';
}

static int ascii_lower(int c)
{
    return (c >= 'A' && c <= 'Z') ? c - 'A' + 'a' : c;
}

/* Case-insensitive compare of a slice with a lowercase NUL-terminated word. */
static int slice_ieq(const char *s, size_t n, const char *word)
{
    size_t i;

    for (i = 0; i < n; i++) {
        if (word[i] == '\0' || ascii_lower((unsigned char)s[i]) != word[i])
            return 0;
    }
    return word[n] == '\0';
}

static int slice_iprefix(const char *s, size_t n, const char *prefix)
{
    size_t i;

    for (i = 0; prefix[i] != '\0'; i++) {
        if (i >= n || ascii_lower((unsigned char)s[i]) != prefix[i])
            return 0;
    }
    return 1;
}

static int in_list(const char *s, size_t n, const char *const *list)
{
    size_t i;

    for (i = 0; list[i] != NULL; i++) {
        if (slice_ieq(s, n, list[i]))
            return 1;
    }
    return 0;
}

static int cmp_bytes(const char *a, size_t an, const char *b, size_t bn)
{
    size_t m = an < bn ? an : bn;
    int c = m > 0 ? memcmp(a, b, m) : 0;

    if (c != 0)
        return c;
    return (an > bn) - (an < bn);
}

/* RFC 7230 token characters: what a header name or method may contain. */
static int is_tchar(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

static int is_blank(char c)
{
    return c == ' ' || c == '\t';
}

/* ---- input checks ---------------------------------------------------------------------- */

/* A NUL-terminated string of printable, non-blank ASCII without the given bytes. */
static int check_word(const char *s, size_t max, const char *forbidden)
{
    size_t i;

    if (s == NULL || s[0] == '\0')
        return -1;
    for (i = 0; s[i] != '\0'; i++) {
        unsigned char c = (unsigned char)s[i];

        if (i >= max || c <= 0x20 || c >= 0x7f || strchr(forbidden, c) != NULL)
            return -1;
    }
    return 0;
}

/* Signing names that follow S3's rules (path as sent, payload hash header, unsigned or
 * streaming payloads): the services botocore signs with its S3 signer. */
static int is_s3(const char *service)
{
    return strcmp(service, "s3") == 0 || strcmp(service, "s3-object-lambda") == 0 ||
           strcmp(service, "s3-outposts") == 0;
}

static int check_credentials(const struct sigv4_credentials *cred, char *err, size_t errlen)
{
    const char *tok;
    size_t i;

    if (cred == NULL) {
        set_err(err, errlen, "no credentials given");
        return -1;
    }
    /* Never echo a credential: the messages name the rule, not the value. */
    if (check_word(cred->access_key_id, MAX_ACCESS_KEY, "/,") != 0) {
        set_err(err, errlen,
                "access key id is missing or malformed (1-%d printable characters, no blanks, "
                "'/' or ',')",
                MAX_ACCESS_KEY);
        return -1;
    }
    if (cred->secret_access_key == NULL || cred->secret_access_key[0] == '\0' ||
        strlen(cred->secret_access_key) > MAX_SECRET) {
        set_err(err, errlen, "secret access key is missing or longer than %d bytes", MAX_SECRET);
        return -1;
    }
    tok = cred->session_token;
    if (tok != NULL) {
        for (i = 0; tok[i] != '\0'; i++) {
            unsigned char c = (unsigned char)tok[i];

            if (i >= MAX_TOKEN || c <= 0x20 || c >= 0x7f) {
                set_err(err, errlen,
                        "session token is malformed (printable ASCII without blanks, at most %zu "
                        "bytes)",
                        MAX_TOKEN);
                return -1;
            }
        }
    }
    return 0;
}

static int check_params(const struct sigv4_params *par, int presign, char *err, size_t errlen)
{
    if (par == NULL) {
        set_err(err, errlen, "no signing parameters given");
        return -1;
    }
    if (check_word(par->region, MAX_SCOPE_PART, "/,;=") != 0) {
        set_err(err, errlen, "region is missing or malformed (1-%d printable characters)",
                MAX_SCOPE_PART);
        return -1;
    }
    if (check_word(par->service, MAX_SCOPE_PART, "/,;=") != 0) {
        set_err(err, errlen, "service is missing or malformed (1-%d printable characters)",
                MAX_SCOPE_PART);
        return -1;
    }
    if (presign && (par->expires == 0 || par->expires > SIGV4_MAX_EXPIRES)) {
        set_err(err, errlen, "presign expiry %u s is out of range (1-%u s)", par->expires,
                SIGV4_MAX_EXPIRES);
        return -1;
    }
    return 0;
}

static int check_request(const struct sigv4_request *req, char *err, size_t errlen)
{
    size_t i;

    if (req == NULL) {
        set_err(err, errlen, "no request given");
        return -1;
    }
    if (req->method == NULL || req->method[0] == '\0') {
        set_err(err, errlen, "request method is missing");
        return -1;
    }
    for (i = 0; req->method[i] != '\0'; i++) {
        if (i >= MAX_METHOD || !is_tchar((unsigned char)req->method[i])) {
            set_err(err, errlen, "request method is not an HTTP token of at most %d characters",
                    MAX_METHOD);
            return -1;
        }
    }
    if (req->path_len > MAX_PATH || (req->path_len > 0 && req->path == NULL)) {
        set_err(err, errlen, "request path is longer than %zu bytes", MAX_PATH);
        return -1;
    }
    if (req->path_len > 0 && req->path[0] != '/') {
        set_err(err, errlen, "request path must start with '/'");
        return -1;
    }
    for (i = 0; i < req->path_len; i++) {
        unsigned char c = (unsigned char)req->path[i];

        if (c < 0x20 || c == 0x7f || c == '?' || c == '#') {
            set_err(err, errlen,
                    "request path has a control byte, '?' or '#' at offset %zu (pass the query "
                    "separately, without the '?')",
                    i);
            return -1;
        }
    }
    if (req->query_len > MAX_QUERY || (req->query_len > 0 && req->query == NULL)) {
        set_err(err, errlen, "request query is longer than %zu bytes", MAX_QUERY);
        return -1;
    }
    for (i = 0; i < req->query_len; i++) {
        unsigned char c = (unsigned char)req->query[i];

        if (c < 0x20 || c == 0x7f || c == '#') {
            set_err(err, errlen, "request query has a control byte or '#' at offset %zu", i);
            return -1;
        }
    }
    if (req->n_headers > MAX_HEADERS || (req->n_headers > 0 && req->headers == NULL)) {
        set_err(err, errlen, "more than %d request headers", MAX_HEADERS);
        return -1;
    }
    if (req->payload_len > 0 && req->payload == NULL && req->payload_hash == NULL) {
        set_err(err, errlen, "payload length is set but the payload is missing");
        return -1;
    }
    return 0;
}

/* ---- pieces of the canonical request ----------------------------------------------------- */

static int format_dates(time_t when, char amz_date[DATE_LEN + 1], char day[DAY_LEN + 1])
{
    struct tm tm;
    char buf[64];
    int n;

    if (gmtime_r(&when, &tm) == NULL)
        return -1;
    /* The scope date has exactly four year digits. */
    if (tm.tm_year < 0 - 1900 || tm.tm_year > 9999 - 1900)
        return -1;
    n = snprintf(buf, sizeof buf, "%04d%02d%02dT%02d%02d%02dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
    if (n != DATE_LEN)
        return -1;
    memcpy(amz_date, buf, DATE_LEN + 1);
    memcpy(day, buf, DAY_LEN);
    day[DAY_LEN] = '\0';
    return 0;
}

/* 64 lowercase hex digits, UNSIGNED-PAYLOAD, or STREAMING-[A-Z0-9-]* (S3 chunked uploads). */
static int valid_payload_hash(const char *h, size_t n)
{
    size_t i;

    if (n == SHA_256_HEX_LEN) {
        for (i = 0; i < n; i++) {
            if (!((h[i] >= '0' && h[i] <= '9') || (h[i] >= 'a' && h[i] <= 'f')))
                return 0;
        }
        return 1;
    }
    if (strcmp(h, SIGV4_UNSIGNED_PAYLOAD) == 0)
        return 1;
    if (n > MAX_PAYLOAD_HASH || strncmp(h, "STREAMING-", 10) != 0)
        return 0;
    for (i = 0; i < n; i++) {
        if (!((h[i] >= 'A' && h[i] <= 'Z') || (h[i] >= '0' && h[i] <= '9') || h[i] == '-'))
            return 0;
    }
    return 1;
}

/* The payload hash as given (validated), or the SHA-256 of the payload. */
static int resolve_payload_hash(struct signer *sg, char *err, size_t errlen)
{
    const struct sigv4_request *req = sg->req;
    const char *h = req->payload_hash;
    size_t n;

    if (h == NULL) {
        if (sha_256_hex(req->payload, req->payload_len, sg->payload_hash) != 0) {
            set_err(err, errlen,
                    "SHA-256 of the payload failed in OpenSSL (out of memory, or no SHA-256 in "
                    "its providers)");
            return -1;
        }
        return 0;
    }
    n = strnlen(h, MAX_PAYLOAD_HASH + 1);
    if (!valid_payload_hash(h, n)) {
        set_err(err, errlen,
                "payload hash must be 64 lowercase hex digits, " SIGV4_UNSIGNED_PAYLOAD
                " or a STREAMING-* value");
        return -1;
    }
    /* Only S3 accepts a body that is not hashed up front. */
    if (n != SHA_256_HEX_LEN && !is_s3(sg->par->service)) {
        set_err(err, errlen,
                SIGV4_UNSIGNED_PAYLOAD " and STREAMING-* payloads are only accepted by S3, "
                                       "not by service %s",
                sg->par->service);
        return -1;
    }
    memcpy(sg->payload_hash, h, n);
    sg->payload_hash[n] = '\0';
    return 0;
}

int sigv4_uri_encode(const char *s, size_t len, int keep_slash, char **out, char *err,
                     size_t errlen)
{
    struct sbuf b;
    int rc = -1;

    sb_init(&b, MAX_CANONICAL);
    *out = NULL;
    if (s == NULL && len > 0) {
        set_err(err, errlen, "nothing to encode");
        goto out;
    }
    sb_add_encoded(&b, s, len, keep_slash);
    *out = sb_take(&b);
    if (*out == NULL) {
        set_err(err, errlen, "encoded text exceeds %zu bytes or memory ran out", MAX_CANONICAL);
        goto out;
    }
    rc = 0;
out:
    sb_free(&b);
    return rc;
}

/* Canonical URI into b. The caller has checked the path. */
static int build_canonical_uri(struct sbuf *b, const char *path, size_t len, unsigned flags)
{
    struct sbuf norm;
    int rc = -1;

    sb_init(&norm, MAX_CANONICAL);
    if (len == 0) {
        sb_addc(b, '/');
    } else {
        const char *src = path;
        size_t n = len;

        if (!(flags & SIGV4_NO_NORMALIZE)) {
            sb_add_normalized_path(&norm, path, len);
            if (norm.failed)
                goto out;
            src = norm.p;
            n = norm.len;
        }
        if (flags & SIGV4_SINGLE_ENCODE)
            sb_add_single_encoded_path(b, src, n);
        else
            sb_add_encoded(b, src, n, 1);
    }
    rc = b->failed ? -1 : 0;
out:
    sb_free(&norm);
    return rc;
}

int sigv4_canonical_uri(const char *path, size_t len, unsigned flags, char **out, char *err,
                        size_t errlen)
{
    struct sigv4_request req;
    struct sbuf b;
    int rc = -1;

    *out = NULL;
    sb_init(&b, MAX_CANONICAL);
    memset(&req, 0, sizeof req);
    req.method = "GET";
    req.path = path;
    req.path_len = len;
    if (check_request(&req, err, errlen) != 0)
        goto out;
    if (build_canonical_uri(&b, path, len, flags) != 0 || (*out = sb_take(&b)) == NULL) {
        set_err(err, errlen, "canonical URI exceeds %zu bytes or memory ran out", MAX_CANONICAL);
        goto out;
    }
    rc = 0;
out:
    sb_free(&b);
    return rc;
}

/* ---- canonical query --------------------------------------------------------------------- */

static void qset_free(struct qset *qs)
{
    if (qs->store != NULL) {
        OPENSSL_cleanse(qs->store, qs->size);
        free(qs->store);
    }
    free(qs->v);
    memset(qs, 0, sizeof *qs);
}

/* Sizes the set for a wire query plus `extra_params` signer parameters whose encoded text
 * takes at most `extra_bytes`. Decoding only shrinks and encoding at most triples a byte. */
static int qset_init(struct qset *qs, const char *q, size_t n, size_t extra_params,
                     size_t extra_bytes)
{
    size_t i, count = 1;

    memset(qs, 0, sizeof *qs);
    for (i = 0; i < n; i++) {
        if (q[i] == '&')
            count++;
    }
    qs->cap = count + extra_params;
    qs->size = 3 * n + extra_bytes + 1;
    qs->v = calloc(qs->cap, sizeof *qs->v);
    qs->store = malloc(qs->size);
    if (qs->v == NULL || qs->store == NULL) {
        qset_free(qs);
        return -1;
    }
    return 0;
}

/* Appends the re-encoded s to the store and returns where it went. Cannot overflow: the store
 * was sized for the worst case in qset_init. */
static struct slice qset_put(struct qset *qs, const char *s, size_t n, int reencode)
{
    struct sbuf tmp;
    struct slice out = {qs->store + qs->used, 0};

    /* A non-growing view of the free part of the store. */
    tmp.p = qs->store + qs->used;
    tmp.len = 0;
    tmp.cap = qs->size - qs->used;
    tmp.max = tmp.cap - 1;
    tmp.failed = 0;
    if (reencode)
        sb_add_reencoded(&tmp, s, n);
    else
        sb_add_encoded(&tmp, s, n, 0);
    if (tmp.failed)
        qs->failed = 1;
    out.n = tmp.len;
    qs->used += tmp.len;
    return out;
}

static void qset_add(struct qset *qs, const char *k, size_t kn, const char *v, size_t vn,
                     int reencode)
{
    struct qparam *p;

    if (qs->n >= qs->cap) {
        qs->failed = 1;
        return;
    }
    p = &qs->v[qs->n++];

    p->key = qset_put(qs, k, kn, reencode);
    p->val = qset_put(qs, v, vn, reencode);
}

/* Splits a wire query on '&' and the first '='; empty pieces ("a&&b") carry nothing. */
static int qset_add_wire(struct qset *qs, const char *q, size_t n, int presign, char *err,
                         size_t errlen)
{
    size_t i = 0;

    while (i < n) {
        const struct slice *key;
        size_t j = i, eq;

        while (j < n && q[j] != '&')
            j++;
        if (j > i) {
            eq = i;
            while (eq < j && q[eq] != '=')
                eq++;
            qset_add(qs, q + i, eq - i, q + eq + (eq < j), j - eq - (eq < j), 1);
            key = &qs->v[qs->n - 1].key;
            if (presign && in_list(key->p, key->n, owned_params)) {
                set_err(err, errlen,
                        "query parameter %.*s is added by the signer; leave it out of the "
                        "request",
                        (int)key->n, key->p);
                return -1;
            }
        }
        i = j + 1;
    }
    return 0;
}

static int cmp_qparam(const void *a, const void *b)
{
    const struct qparam *x = a, *y = b;
    int c = cmp_bytes(x->key.p, x->key.n, y->key.p, y->key.n);

    return c != 0 ? c : cmp_bytes(x->val.p, x->val.n, y->val.p, y->val.n);
}

/* Sorted "k=v&k=v" into b. */
static void qset_emit(struct qset *qs, struct sbuf *b)
{
    size_t i;

    if (qs->failed) {
        b->failed = 1;
        return;
    }
    if (qs->n > 1)
        qsort(qs->v, qs->n, sizeof *qs->v, cmp_qparam);
    for (i = 0; i < qs->n; i++) {
        if (i > 0)
            sb_addc(b, '&');
        sb_add(b, qs->v[i].key.p, qs->v[i].key.n);
        sb_addc(b, '=');
        sb_add(b, qs->v[i].val.p, qs->v[i].val.n);
    }
}

int sigv4_canonical_query(const char *query, size_t len, char **out, char *err, size_t errlen)
{
    struct sigv4_request req;
    struct qset qs;
    struct sbuf b;
    int rc = -1;

    *out = NULL;
    memset(&qs, 0, sizeof qs);
    sb_init(&b, MAX_CANONICAL);
    memset(&req, 0, sizeof req);
    req.method = "GET";
    req.query = query;
    req.query_len = len;
    if (check_request(&req, err, errlen) != 0)
        goto out;
    if (qset_init(&qs, query, len, 0, 0) != 0) {
        set_err(err, errlen, "out of memory");
        goto out;
    }
    if (qset_add_wire(&qs, query, len, 0, err, errlen) != 0)
        goto out;
    qset_emit(&qs, &b);
    if ((*out = sb_take(&b)) == NULL) {
        set_err(err, errlen, "canonical query exceeds %zu bytes or memory ran out", MAX_CANONICAL);
        goto out;
    }
    rc = 0;
out:
    qset_free(&qs);
    sb_free(&b);
    return rc;
}

/* ---- canonical headers ------------------------------------------------------------------- */

static void hset_free(struct hset *hs)
{
    if (hs->store != NULL) {
        OPENSSL_cleanse(hs->store, hs->size);
        free(hs->store);
    }
    free(hs->v);
    memset(hs, 0, sizeof *hs);
}

/* Lowercased name and trimmed value into the store. Trimming drops leading and trailing
 * blanks and turns every inner run of blanks into one space, as the verifiers do. */
static void hset_add(struct hset *hs, const char *name, size_t nn, const char *val, size_t vn)
{
    struct hentry *e = &hs->v[hs->n];
    char *dst = hs->store + hs->used;
    size_t i, o = 0;
    int pending = 0;

    for (i = 0; i < nn; i++)
        dst[i] = (char)ascii_lower((unsigned char)name[i]);
    e->name.p = dst;
    e->name.n = nn;
    dst += nn;
    while (vn > 0 && is_blank(val[0])) {
        val++;
        vn--;
    }
    while (vn > 0 && is_blank(val[vn - 1]))
        vn--;
    for (i = 0; i < vn; i++) {
        if (is_blank(val[i])) {
            pending = 1;
            continue;
        }
        if (pending)
            dst[o++] = ' ';
        pending = 0;
        dst[o++] = val[i];
    }
    e->val.p = dst;
    e->val.n = o;
    e->order = hs->n;
    hs->used += nn + o;
    hs->n++;
}

static int check_header(const struct sigv4_header *h, size_t idx, char *err, size_t errlen)
{
    size_t i;

    if (h->name == NULL || h->name_len == 0) {
        set_err(err, errlen, "header #%zu has no name", idx);
        return -1;
    }
    if (h->value == NULL && h->value_len > 0) {
        set_err(err, errlen, "header #%zu has a value length but no value", idx);
        return -1;
    }
    for (i = 0; i < h->name_len; i++) {
        if (!is_tchar((unsigned char)h->name[i])) {
            set_err(err, errlen, "header #%zu: name has a byte that is not an HTTP token character",
                    idx);
            return -1;
        }
    }
    for (i = 0; i < h->value_len; i++) {
        unsigned char c = (unsigned char)h->value[i];

        /* CR/LF would let a value smuggle in a second header the signature does not cover. */
        if ((c < 0x20 && c != '\t') || c == 0x7f) {
            set_err(err, errlen, "header %.*s: value has a control byte at offset %zu",
                    (int)h->name_len, h->name, i);
            return -1;
        }
    }
    if (in_list(h->name, h->name_len, owned_headers)) {
        set_err(err, errlen, "header %.*s is added by the signer; leave it out of the request",
                (int)h->name_len, h->name);
        return -1;
    }
    return 0;
}

static int skip_header(const char *name, size_t n)
{
    return in_list(name, n, unsigned_headers) || slice_iprefix(name, n, "proxy-");
}

static int cmp_hentry(const void *a, const void *b)
{
    const struct hentry *x = a, *y = b;
    int c = cmp_bytes(x->name.p, x->name.n, y->name.p, y->name.n);

    if (c != 0)
        return c;
    return (x->order > y->order) - (x->order < y->order);
}

/* Collects the headers to sign: the caller's (checked, minus the unsigned ones), Host when
 * given separately, and the signer's own. */
static int collect_headers(struct signer *sg, char *err, size_t errlen)
{
    const struct sigv4_request *req = sg->req;
    struct hset *hs = &sg->hs;
    size_t i, bytes = 0, hosts = 0;
    const char *token = sg->cred->session_token;

    for (i = 0; i < req->n_headers; i++) {
        const struct sigv4_header *h = &req->headers[i];

        if (check_header(h, i, err, errlen) != 0)
            return -1;
        if (slice_ieq(h->name, h->name_len, "host"))
            hosts++;
        bytes += h->name_len + h->value_len;
        if (bytes > MAX_HEADER_BYTES) {
            set_err(err, errlen, "request headers exceed %zu bytes", MAX_HEADER_BYTES);
            return -1;
        }
    }
    if (req->host != NULL && hosts > 0) {
        set_err(err, errlen, "Host is given both as request.host and as a header");
        return -1;
    }
    if (hosts > 1) {
        set_err(err, errlen, "Host header is given %zu times", hosts);
        return -1;
    }
    if (req->host == NULL && hosts == 0) {
        set_err(err, errlen, "no Host: set request.host or pass a Host header");
        return -1;
    }
    if (req->host != NULL && check_word(req->host, 1024, "/,;") != 0) {
        set_err(err, errlen, "request.host is empty or malformed (host[:port])");
        return -1;
    }

    hs->cap = req->n_headers + 4;
    hs->size = bytes + 512 + (req->host ? strlen(req->host) : 0) + (token ? strlen(token) : 0);
    hs->v = calloc(hs->cap, sizeof *hs->v);
    hs->store = malloc(hs->size);
    if (hs->v == NULL || hs->store == NULL) {
        set_err(err, errlen, "out of memory");
        return -1;
    }
    for (i = 0; i < req->n_headers; i++) {
        const struct sigv4_header *h = &req->headers[i];

        if (!skip_header(h->name, h->name_len))
            hset_add(hs, h->name, h->name_len, h->value, h->value_len);
    }
    if (req->host != NULL)
        hset_add(hs, "host", 4, req->host, strlen(req->host));
    if (!sg->presign) {
        hset_add(hs, "x-amz-date", 10, sg->amz_date, DATE_LEN);
        if (sg->sign_token)
            hset_add(hs, "x-amz-security-token", 20, token, strlen(token));
        if (sg->flags & SIGV4_CONTENT_SHA256)
            hset_add(hs, "x-amz-content-sha256", 20, sg->payload_hash, strlen(sg->payload_hash));
    }
    return 0;
}

/* Sorted "name:v1,v2\n" lines and the "a;b;c" list of their names. */
static int emit_headers(struct signer *sg, char *err, size_t errlen)
{
    struct hset *hs = &sg->hs;
    size_t i;

    qsort(hs->v, hs->n, sizeof *hs->v, cmp_hentry);
    for (i = 0; i < hs->n; i++) {
        const struct hentry *e = &hs->v[i];

        if (i > 0 &&
            cmp_bytes(e->name.p, e->name.n, hs->v[i - 1].name.p, hs->v[i - 1].name.n) == 0) {
            sb_addc(&sg->canon_headers, ',');
        } else {
            if (i > 0) {
                sb_addc(&sg->canon_headers, '\n');
                sb_addc(&sg->signed_headers, ';');
            }
            sb_add(&sg->canon_headers, e->name.p, e->name.n);
            sb_addc(&sg->canon_headers, ':');
            sb_add(&sg->signed_headers, e->name.p, e->name.n);
        }
        sb_add(&sg->canon_headers, e->val.p, e->val.n);
    }
    if (hs->n > 0)
        sb_addc(&sg->canon_headers, '\n');
    if (sg->canon_headers.failed || sg->signed_headers.failed) {
        set_err(err, errlen, "canonical headers exceed %zu bytes or memory ran out", MAX_CANONICAL);
        return -1;
    }
    return 0;
}

/* ---- assembling and signing -------------------------------------------------------------- */

static void add_credential(struct sbuf *b, const struct signer *sg, int encode)
{
    if (encode) {
        sb_add_encoded(b, sg->cred->access_key_id, strlen(sg->cred->access_key_id), 0);
        sb_add(b, "%2F", 3);
        sb_add_encoded(b, sg->scope.p, sg->scope.len, 0);
    } else {
        sb_adds(b, sg->cred->access_key_id);
        sb_addc(b, '/');
        sb_add(b, sg->scope.p, sg->scope.len);
    }
}

static int build_query(struct signer *sg, char *err, size_t errlen)
{
    const struct sigv4_request *req = sg->req;
    struct qset *qs = &sg->qs;
    struct sbuf cred;
    size_t extra = 0;
    int rc = -1;

    sb_init(&cred, MAX_CANONICAL);
    if (sg->presign) {
        add_credential(&cred, sg, 0);
        extra = 3 * (cred.len + sg->signed_headers.len + strlen(sg->expires) + DATE_LEN) + 256;
        if (sg->sign_token)
            extra += 3 * strlen(sg->cred->session_token);
    }
    if (cred.failed || qset_init(qs, req->query, req->query_len, 7, extra) != 0) {
        set_err(err, errlen, "out of memory");
        goto out;
    }
    if (qset_add_wire(qs, req->query, req->query_len, sg->presign, err, errlen) != 0)
        goto out;
    if (sg->presign) {
        qset_add(qs, "X-Amz-Algorithm", 15, SIGV4_ALGORITHM, strlen(SIGV4_ALGORITHM), 0);
        qset_add(qs, "X-Amz-Credential", 16, cred.p, cred.len, 0);
        qset_add(qs, "X-Amz-Date", 10, sg->amz_date, DATE_LEN, 0);
        qset_add(qs, "X-Amz-Expires", 13, sg->expires, strlen(sg->expires), 0);
        qset_add(qs, "X-Amz-SignedHeaders", 19, sg->signed_headers.p, sg->signed_headers.len, 0);
        if (sg->sign_token)
            qset_add(qs, "X-Amz-Security-Token", 20, sg->cred->session_token,
                     strlen(sg->cred->session_token), 0);
    }
    qset_emit(qs, &sg->canon_query);
    if (sg->canon_query.failed) {
        set_err(err, errlen, "canonical query exceeds %zu bytes or memory ran out", MAX_CANONICAL);
        goto out;
    }
    rc = 0;
out:
    sb_free(&cred);
    return rc;
}

static int build_string_to_sign(struct signer *sg, char *err, size_t errlen)
{
    struct sbuf *c = &sg->creq;
    char hash[SHA_256_HEX_LEN + 1];

    sb_adds(c, sg->req->method);
    sb_addc(c, '\n');
    sb_add(c, sg->canon_uri.p, sg->canon_uri.len);
    sb_addc(c, '\n');
    sb_add(c, sg->canon_query.p, sg->canon_query.len);
    sb_addc(c, '\n');
    sb_add(c, sg->canon_headers.p, sg->canon_headers.len);
    sb_addc(c, '\n');
    sb_add(c, sg->signed_headers.p, sg->signed_headers.len);
    sb_addc(c, '\n');
    sb_adds(c, sg->payload_hash);
    if (c->failed) {
        set_err(err, errlen, "canonical request exceeds %zu bytes or memory ran out",
                MAX_CANONICAL);
        return -1;
    }
    if (sha_256_hex(c->p, c->len, hash) != 0) {
        set_err(err, errlen,
                "SHA-256 of the canonical request failed in OpenSSL (out of memory, or no "
                "SHA-256 in its providers)");
        return -1;
    }
    sb_adds(&sg->sts, SIGV4_ALGORITHM "\n");
    sb_add(&sg->sts, sg->amz_date, DATE_LEN);
    sb_addc(&sg->sts, '\n');
    sb_add(&sg->sts, sg->scope.p, sg->scope.len);
    sb_addc(&sg->sts, '\n');
    sb_add(&sg->sts, hash, SHA_256_HEX_LEN);
    if (sg->sts.failed) {
        set_err(err, errlen, "out of memory");
        return -1;
    }
    return 0;
}

/* kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, day), region), service), "aws4_request"),
 * signature = hex(HMAC(kSigning, string to sign)). Every intermediate key is wiped. */
static int compute_signature(struct signer *sg, char out[SIGV4_SIGNATURE_LEN + 1])
{
    unsigned char seed[4 + MAX_SECRET];
    unsigned char ka[SHA_256_LEN], kb[SHA_256_LEN], mac[SHA_256_LEN];
    const char *secret = sg->cred->secret_access_key;
    size_t slen = strlen(secret); /* checked against MAX_SECRET on entry */
    const char *region = sg->par->region, *service = sg->par->service;
    int rc = -1;

    memcpy(seed, "AWS4", 4);
    memcpy(seed + 4, secret, slen);
    if (sha_hmac_256(seed, 4 + slen, sg->day, DAY_LEN, ka) != 0 ||
        sha_hmac_256(ka, sizeof ka, region, strlen(region), kb) != 0 ||
        sha_hmac_256(kb, sizeof kb, service, strlen(service), ka) != 0 ||
        sha_hmac_256(ka, sizeof ka, TERMINATOR, strlen(TERMINATOR), kb) != 0 ||
        sha_hmac_256(kb, sizeof kb, sg->sts.p, sg->sts.len, mac) != 0)
        goto out;
    sha_hex(mac, sizeof mac, out);
    rc = 0;
out:
    OPENSSL_cleanse(seed, sizeof seed);
    OPENSSL_cleanse(ka, sizeof ka);
    OPENSSL_cleanse(kb, sizeof kb);
    OPENSSL_cleanse(mac, sizeof mac);
    return rc;
}

static int add_result_header(struct sigv4_result *res, const char *name, struct sbuf *value)
{
    char *v = sb_take(value);

    if (v == NULL)
        return -1;
    res->headers[res->n_headers].name = name;
    res->headers[res->n_headers].value = v;
    res->n_headers++;
    return 0;
}

static int add_result_header_text(struct sigv4_result *res, const char *name, const char *text)
{
    struct sbuf b;
    int rc;

    sb_init(&b, MAX_CANONICAL);
    sb_adds(&b, text);
    rc = add_result_header(res, name, &b);
    sb_free(&b);
    return rc;
}

static int build_header_result(struct signer *sg, struct sigv4_result *res)
{
    struct sbuf auth;
    const char *token = sg->cred->session_token;
    int rc = -1;

    sb_init(&auth, MAX_CANONICAL);
    if (sg->sign_token && add_result_header_text(res, "X-Amz-Security-Token", token) != 0)
        goto out;
    if (add_result_header_text(res, "X-Amz-Date", sg->amz_date) != 0)
        goto out;
    /* Lowercase as the AWS suite writes it; header names are case-insensitive on the wire. */
    if ((sg->flags & SIGV4_CONTENT_SHA256) &&
        add_result_header_text(res, "x-amz-content-sha256", sg->payload_hash) != 0)
        goto out;
    sb_adds(&auth, SIGV4_ALGORITHM " Credential=");
    add_credential(&auth, sg, 0);
    sb_adds(&auth, ", SignedHeaders=");
    sb_add(&auth, sg->signed_headers.p, sg->signed_headers.len);
    sb_adds(&auth, ", Signature=");
    sb_adds(&auth, res->signature);
    if (add_result_header(res, "Authorization", &auth) != 0)
        goto out;
    if (sg->have_token && !sg->sign_token &&
        add_result_header_text(res, "X-Amz-Security-Token", token) != 0)
        goto out;
    rc = 0;
out:
    sb_free(&auth);
    return rc;
}

static int build_query_result(struct signer *sg, struct sigv4_result *res)
{
    const struct sigv4_request *req = sg->req;
    const char *token = sg->cred->session_token;
    struct sbuf q;
    int rc = -1;

    sb_init(&q, MAX_CANONICAL);
    /* The caller's query goes out exactly as given: it is what the server will see. */
    if (req->query_len > 0) {
        sb_add(&q, req->query, req->query_len);
        if (req->query[req->query_len - 1] != '&')
            sb_addc(&q, '&');
    }
    sb_adds(&q, "X-Amz-Algorithm=" SIGV4_ALGORITHM "&X-Amz-Credential=");
    add_credential(&q, sg, 1);
    sb_adds(&q, "&X-Amz-Date=");
    sb_add(&q, sg->amz_date, DATE_LEN);
    sb_adds(&q, "&X-Amz-SignedHeaders=");
    sb_add_encoded(&q, sg->signed_headers.p, sg->signed_headers.len, 0);
    sb_adds(&q, "&X-Amz-Expires=");
    sb_adds(&q, sg->expires);
    if (sg->sign_token) {
        sb_adds(&q, "&X-Amz-Security-Token=");
        sb_add_encoded(&q, token, strlen(token), 0);
    }
    sb_adds(&q, "&X-Amz-Signature=");
    sb_adds(&q, res->signature);
    if (sg->have_token && !sg->sign_token) {
        sb_adds(&q, "&X-Amz-Security-Token=");
        sb_add_encoded(&q, token, strlen(token), 0);
    }
    if ((res->query = sb_take(&q)) == NULL)
        goto out;
    rc = 0;
out:
    sb_free(&q);
    return rc;
}

static void signer_free(struct signer *sg)
{
    sb_free(&sg->scope);
    sb_free(&sg->canon_headers);
    sb_free(&sg->signed_headers);
    sb_free(&sg->canon_query);
    sb_free(&sg->canon_uri);
    sb_free(&sg->creq);
    sb_free(&sg->sts);
    hset_free(&sg->hs);
    qset_free(&sg->qs);
    OPENSSL_cleanse(sg, sizeof *sg);
}

static int signer_init(struct signer *sg, const struct sigv4_request *req,
                       const struct sigv4_credentials *cred, const struct sigv4_params *par,
                       int presign, char *err, size_t errlen)
{
    memset(sg, 0, sizeof *sg);
    sb_init(&sg->scope, 4 * MAX_SCOPE_PART);
    sb_init(&sg->canon_headers, MAX_CANONICAL);
    sb_init(&sg->signed_headers, MAX_CANONICAL);
    sb_init(&sg->canon_query, MAX_CANONICAL);
    sb_init(&sg->canon_uri, MAX_CANONICAL);
    sb_init(&sg->creq, MAX_CANONICAL);
    sb_init(&sg->sts, MAX_CANONICAL);
    sg->req = req;
    sg->cred = cred;
    sg->par = par;
    sg->presign = presign;
    if (check_request(req, err, errlen) != 0 || check_credentials(cred, err, errlen) != 0 ||
        check_params(par, presign, err, errlen) != 0)
        return -1;
    sg->flags = par->flags;
    /* S3 signs the path it receives and wants the payload hash as a header, always. */
    if (is_s3(par->service))
        sg->flags |= SIGV4_NO_NORMALIZE | SIGV4_SINGLE_ENCODE | SIGV4_CONTENT_SHA256;
    if (presign)
        sg->flags &= ~SIGV4_CONTENT_SHA256;
    sg->have_token = cred->session_token != NULL && cred->session_token[0] != '\0';
    sg->sign_token = sg->have_token && !(sg->flags & SIGV4_OMIT_TOKEN);
    if (format_dates(par->when, sg->amz_date, sg->day) != 0) {
        set_err(err, errlen, "signing time %lld is not a date between years 0 and 9999",
                (long long)par->when);
        return -1;
    }
    snprintf(sg->expires, sizeof sg->expires, "%u", par->expires);
    sb_add(&sg->scope, sg->day, DAY_LEN);
    sb_addc(&sg->scope, '/');
    sb_adds(&sg->scope, par->region);
    sb_addc(&sg->scope, '/');
    sb_adds(&sg->scope, par->service);
    sb_adds(&sg->scope, "/" TERMINATOR);
    if (sg->scope.failed) {
        set_err(err, errlen, "out of memory");
        return -1;
    }
    return 0;
}

static int sign(const struct sigv4_request *req, const struct sigv4_credentials *cred,
                const struct sigv4_params *par, int presign, struct sigv4_result *out, char *err,
                size_t errlen)
{
    struct signer sg;
    int rc = -1;

    if (err != NULL && errlen > 0)
        err[0] = '\0';
    if (out == NULL) {
        set_err(err, errlen, "no result given");
        return -1;
    }
    memset(out, 0, sizeof *out);
    if (signer_init(&sg, req, cred, par, presign, err, errlen) != 0)
        goto out;
    if (resolve_payload_hash(&sg, err, errlen) != 0)
        goto out;
    if (build_canonical_uri(&sg.canon_uri, req->path, req->path_len, sg.flags) != 0) {
        set_err(err, errlen, "canonical URI exceeds %zu bytes or memory ran out", MAX_CANONICAL);
        goto out;
    }
    if (collect_headers(&sg, err, errlen) != 0 || emit_headers(&sg, err, errlen) != 0)
        goto out;
    if (build_query(&sg, err, errlen) != 0)
        goto out;
    if (build_string_to_sign(&sg, err, errlen) != 0)
        goto out;
    if (compute_signature(&sg, out->signature) != 0) {
        set_err(err, errlen,
                "HMAC-SHA256 failed in OpenSSL (out of memory, or no SHA-256 in its providers)");
        goto out;
    }
    if ((presign ? build_query_result(&sg, out) : build_header_result(&sg, out)) != 0) {
        set_err(err, errlen, "out of memory");
        goto out;
    }
    if (sg.flags & SIGV4_DEBUG) {
        out->canonical_request = sb_take(&sg.creq);
        out->string_to_sign = sb_take(&sg.sts);
        if (out->canonical_request == NULL || out->string_to_sign == NULL) {
            set_err(err, errlen, "out of memory");
            goto out;
        }
    }
    rc = 0;
out:
    signer_free(&sg);
    if (rc != 0)
        sigv4_result_free(out);
    return rc;
}

int sigv4_sign_headers(const struct sigv4_request *req, const struct sigv4_credentials *cred,
                       const struct sigv4_params *params, struct sigv4_result *out, char *err,
                       size_t errlen)
{
    return sign(req, cred, params, 0, out, err, errlen);
}

int sigv4_presign(const struct sigv4_request *req, const struct sigv4_credentials *cred,
                  const struct sigv4_params *params, struct sigv4_result *out, char *err,
                  size_t errlen)
{
    return sign(req, cred, params, 1, out, err, errlen);
}

static void free_secret_string(char **s)
{
    if (*s != NULL) {
        OPENSSL_cleanse(*s, strlen(*s));
        free(*s);
        *s = NULL;
    }
}

void sigv4_result_free(struct sigv4_result *res)
{
    size_t i;

    if (res == NULL)
        return;
    for (i = 0; i < SIGV4_MAX_ADDED_HEADERS; i++) {
        free_secret_string(&res->headers[i].value);
        res->headers[i].name = NULL;
    }
    res->n_headers = 0;
    free_secret_string(&res->query);
    free_secret_string(&res->canonical_request);
    free_secret_string(&res->string_to_sign);
    memset(res->signature, 0, sizeof res->signature);
}
