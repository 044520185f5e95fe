/* sigv4-case: runs one case of the AWS SigV4 test suite through the signer.
 *
 *   sigv4-case [-o OUTDIR] CASEDIR
 *
 * Reads CASEDIR/context.json (credentials, region, service, timestamp, flags) and
 * CASEDIR/request.txt (an HTTP/1.1 request without X-Amz-Date, LF or CRLF line ends, folded
 * header lines allowed), signs it both ways and writes
 * header-{canonical-request,string-to-sign,signature,signed-request}.txt and the query-*
 * equivalents into OUTDIR (default: the current directory), byte for byte in the suite's
 * format: no trailing newline except where the signed request itself ends in one.
 *
 * Exit status: 0 done, 1 bad case data or I/O error, 2 usage error. Messages name the file and
 * the rule that failed and never print a credential.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <openssl/crypto.h>

#include "aws/sigv4.h"
#include "util/str.h"

#define PROG "sigv4-case"
#define MAX_CONTEXT ((size_t)1 << 20)  /* context.json */
#define MAX_REQUEST ((size_t)16 << 20) /* request.txt, body included */
#define MAX_LINES 1024                 /* header lines in request.txt */
#define PATH_CAP 4096
#define ERR_CAP 512

/* Growable output text with a cap (the signed requests are assembled in memory). */
struct text {
    char *p;
    size_t len;
    size_t cap;
    int failed;
};

struct line {
    const char *p;
    size_t n;
};

/* What context.json says. The strings point into the cJSON tree. */
struct case_context {
    const char *access_key_id;
    const char *secret_access_key;
    const char *token;
    const char *region;
    const char *service;
    time_t when;
    unsigned expires;
    int normalize;
    int sign_body;
    int omit_session_token;
};

/* request.txt cut into pieces; every slice points into the file buffer. */
struct case_request {
    char method[33];
    struct line request_line;
    struct line method_s, target, version;
    struct line path, query;
    struct line lines[MAX_LINES]; /* header lines as written, for the signed-request echo */
    size_t n_lines;
    struct sigv4_header headers[MAX_LINES];
    size_t n_headers;
    const char *body;
    size_t body_len;
};

#if defined(__GNUC__)
__attribute__((format(printf, 1, 2)))
#endif
static void
fail(const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, PROG ": ");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

static void usage(FILE *to)
{
    fprintf(to, "usage: " PROG " [-o OUTDIR] CASEDIR\n"
                "Signs CASEDIR/request.txt as described by CASEDIR/context.json and writes the\n"
                "header-*.txt and query-*.txt files of the AWS SigV4 test suite into OUTDIR\n"
                "(default: the current directory).\n");
}

/* ---- small helpers -------------------------------------------------------------------- */

/* Moves buf[0..len) to a new block of ncap bytes and wipes the old one: realloc could leave a
 * copy of the credentials (context.json, the token in a signed request) in freed memory. */
static int grow(char **buf, size_t *cap, size_t len, size_t ncap)
{
    char *nb = malloc(ncap);

    if (nb == NULL)
        return -1;
    if (*buf != NULL) {
        memcpy(nb, *buf, len);
        OPENSSL_cleanse(*buf, *cap);
        free(*buf);
    }
    *buf = nb;
    *cap = ncap;
    return 0;
}

static void text_add(struct text *t, const void *s, size_t n)
{
    size_t ncap;

    if (t->failed)
        return;
    if (n > MAX_REQUEST * 2 - t->len) {
        t->failed = 1;
        return;
    }
    if (t->len + n + 1 > t->cap) {
        ncap = t->cap ? t->cap : 1024;
        while (ncap < t->len + n + 1)
            ncap *= 2;
        if (grow(&t->p, &t->cap, t->len, ncap) != 0) {
            t->failed = 1;
            return;
        }
    }
    if (n > 0)
        memcpy(t->p + t->len, s, n);
    t->len += n;
    t->p[t->len] = '\0';
}

static void text_adds(struct text *t, const char *s)
{
    text_add(t, s, strlen(s));
}

static void text_free(struct text *t)
{
    if (t->p != NULL) {
        /* Signed requests carry the session token. */
        OPENSSL_cleanse(t->p, t->cap);
        free(t->p);
    }
    memset(t, 0, sizeof *t);
}

static int join_path(char *out, size_t cap, const char *dir, const char *name)
{
    int n = snprintf(out, cap, "%s/%s", dir, name);

    if (n < 0 || (size_t)n >= cap) {
        fail("%s/%s: path is longer than %zu bytes", dir, name, cap - 1);
        return -1;
    }
    return 0;
}

/* Reads a whole file (at most max bytes) into a NUL-terminated heap buffer. */
static int read_file(const char *path, size_t max, char **out, size_t *out_len)
{
    FILE *f = NULL;
    char *buf = NULL;
    size_t len = 0, cap = 0;
    int rc = -1;

    *out = NULL;
    *out_len = 0;
    f = fopen(path, "rb");
    if (f == NULL) {
        char eb[STR_ERRNO_MAX];
        fail("%s: cannot open: %s", path, str_errno(errno, eb, sizeof(eb)));
        goto out;
    }
    for (;;) {
        size_t got;

        /* One spare byte past cap always stays free for the NUL. */
        if (cap - len < 4096) {
            size_t ncap = cap ? cap * 2 : 8192;
            size_t alloc = cap ? cap + 1 : 0;

            if (ncap > max + 4096)
                ncap = max + 4096;
            if (grow(&buf, &alloc, len, ncap + 1) != 0) {
                fail("%s: out of memory", path);
                goto out;
            }
            cap = ncap;
        }
        got = fread(buf + len, 1, cap - len, f);
        len += got;
        if (len > max) {
            fail("%s: larger than %zu bytes", path, max);
            goto out;
        }
        if (got == 0)
            break;
    }
    if (ferror(f)) {
        fail("%s: read error", path);
        goto out;
    }
    buf[len] = '\0';
    *out = buf;
    *out_len = len;
    buf = NULL;
    rc = 0;
out:
    if (f != NULL)
        fclose(f);
    if (buf != NULL) {
        OPENSSL_cleanse(buf, cap + 1);
        free(buf);
    }
    return rc;
}

static int write_file(const char *dir, const char *name, const char *data, size_t len)
{
    char path[PATH_CAP], eb[STR_ERRNO_MAX];
    FILE *f = NULL;
    int rc = -1;

    if (join_path(path, sizeof path, dir, name) != 0)
        goto out;
    f = fopen(path, "wb");
    if (f == NULL) {
        fail("%s: cannot create: %s", path, str_errno(errno, eb, sizeof(eb)));
        goto out;
    }
    if (len > 0 && fwrite(data, 1, len, f) != len) {
        fail("%s: write error: %s", path, str_errno(errno, eb, sizeof(eb)));
        goto out;
    }
    if (fclose(f) != 0) {
        f = NULL;
        fail("%s: write error: %s", path, str_errno(errno, eb, sizeof(eb)));
        goto out;
    }
    f = NULL;
    rc = 0;
out:
    if (f != NULL)
        fclose(f);
    return rc;
}

/* ---- context.json ----------------------------------------------------------------------- */

static int is_leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* Two ASCII digits at s, or -1. */
static int two_digits(const char *s)
{
    if (s[0] < '0' || s[0] > '9' || s[1] < '0' || s[1] > '9')
        return -1;
    return (s[0] - '0') * 10 + (s[1] - '0');
}

/* "YYYY-MM-DDTHH:MM:SSZ" (UTC) to seconds since the epoch. Done by hand because timegm is
 * not standard C and mktime would apply the local time zone. */
static int parse_timestamp(const char *s, time_t *out)
{
    static const int month_days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int year, mon, day, hh, mm, ss, y, m;
    long long days = 0;

    if (strlen(s) != 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' ||
        s[16] != ':' || s[19] != 'Z')
        return -1;
    if (two_digits(s) < 0 || two_digits(s + 2) < 0)
        return -1;
    year = two_digits(s) * 100 + two_digits(s + 2);
    mon = two_digits(s + 5);
    day = two_digits(s + 8);
    hh = two_digits(s + 11);
    mm = two_digits(s + 14);
    ss = two_digits(s + 17);
    if (year < 1970 || mon < 1 || mon > 12 || day < 1 || hh < 0 || hh > 23 || mm < 0 || mm > 59 ||
        ss < 0 || ss > 59)
        return -1;
    if (day > month_days[mon - 1] + (mon == 2 && is_leap(year)))
        return -1;
    for (y = 1970; y < year; y++)
        days += 365 + is_leap(y);
    for (m = 1; m < mon; m++)
        days += month_days[m - 1] + (m == 2 && is_leap(year));
    days += day - 1;
    *out = (time_t)(days * 86400 + hh * 3600 + mm * 60 + ss);
    return 0;
}

/* A non-empty string member; when not required, absent or null leaves *out NULL. */
static int json_string(const cJSON *obj, const char *key, const char *file, const char *where,
                       int required, const char **out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

    *out = NULL;
    if (v == NULL || cJSON_IsNull(v)) {
        if (!required)
            return 0;
        fail("%s: %s\"%s\" is missing (rule: a non-empty string)", file, where, key);
        return -1;
    }
    if (!cJSON_IsString(v) || v->valuestring == NULL || v->valuestring[0] == '\0') {
        fail("%s: %s\"%s\" must be a non-empty string", file, where, key);
        return -1;
    }
    *out = v->valuestring;
    return 0;
}

static int json_bool(const cJSON *obj, const char *key, const char *file, int dflt, int *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

    *out = dflt;
    if (v == NULL)
        return 0;
    if (!cJSON_IsBool(v)) {
        fail("%s: \"%s\" must be true or false", file, key);
        return -1;
    }
    *out = cJSON_IsTrue(v);
    return 0;
}

/* Parses context.json. Optional members default the way the suite's own harness does. */
static int parse_context(const cJSON *root, const char *file, struct case_context *ctx)
{
    const cJSON *cred, *exp;
    const char *ts = NULL;

    memset(ctx, 0, sizeof *ctx);
    if (!cJSON_IsObject(root)) {
        fail("%s: top level must be a JSON object", file);
        return -1;
    }
    cred = cJSON_GetObjectItemCaseSensitive(root, "credentials");
    if (!cJSON_IsObject(cred)) {
        fail("%s: \"credentials\" must be an object with access_key_id and secret_access_key",
             file);
        return -1;
    }
    if (json_string(cred, "access_key_id", file, "credentials.", 1, &ctx->access_key_id) != 0 ||
        json_string(cred, "secret_access_key", file, "credentials.", 1, &ctx->secret_access_key) !=
            0 ||
        json_string(cred, "token", file, "credentials.", 0, &ctx->token) != 0 ||
        json_string(root, "region", file, "", 1, &ctx->region) != 0 ||
        json_string(root, "service", file, "", 1, &ctx->service) != 0 ||
        json_string(root, "timestamp", file, "", 1, &ts) != 0)
        return -1;
    if (parse_timestamp(ts, &ctx->when) != 0) {
        fail("%s: \"timestamp\" must be a UTC time YYYY-MM-DDTHH:MM:SSZ from 1970 on", file);
        return -1;
    }
    ctx->expires = 3600;
    exp = cJSON_GetObjectItemCaseSensitive(root, "expiration_in_seconds");
    if (exp != NULL) {
        double d = cJSON_GetNumberValue(exp);

        if (!cJSON_IsNumber(exp) || d < 1 || d > SIGV4_MAX_EXPIRES || d != (double)(long)d) {
            fail("%s: \"expiration_in_seconds\" must be a whole number from 1 to %u", file,
                 SIGV4_MAX_EXPIRES);
            return -1;
        }
        ctx->expires = (unsigned)d;
    }
    if (json_bool(root, "normalize", file, 1, &ctx->normalize) != 0 ||
        json_bool(root, "sign_body", file, 0, &ctx->sign_body) != 0 ||
        json_bool(root, "omit_session_token", file, 0, &ctx->omit_session_token) != 0)
        return -1;
    return 0;
}

/* Wipes the credential strings inside the parsed tree before it is freed. */
static void wipe_credentials(cJSON *root)
{
    static const char *const keys[] = {"access_key_id", "secret_access_key", "token"};
    cJSON *cred = cJSON_GetObjectItemCaseSensitive(root, "credentials");
    size_t i;

    for (i = 0; cred != NULL && i < sizeof keys / sizeof keys[0]; i++) {
        cJSON *v = cJSON_GetObjectItemCaseSensitive(cred, keys[i]);

        if (cJSON_IsString(v) && v->valuestring != NULL)
            OPENSSL_cleanse(v->valuestring, strlen(v->valuestring));
    }
}

/* ---- request.txt ------------------------------------------------------------------------ */

/* Next line of buf[*pos..len): LF-terminated, a CR before the LF dropped. *pos moves past it. */
static struct line next_line(const char *buf, size_t len, size_t *pos)
{
    struct line l = {buf + *pos, 0};
    const char *nl = memchr(buf + *pos, '\n', len - *pos);
    size_t end = nl ? (size_t)(nl - buf) : len;

    l.n = end - *pos;
    *pos = nl ? end + 1 : len;
    if (l.n > 0 && l.p[l.n - 1] == '\r')
        l.n--;
    return l;
}

/* "METHOD SP target SP HTTP/x.y": the target may itself hold spaces ("/example space/"),
 * so the method ends at the first space and the version starts after the last. */
static int parse_request_line(struct case_request *r, const char *file)
{
    const struct line *l = &r->request_line;
    const char *sp1 = memchr(l->p, ' ', l->n);
    const char *sp2 = NULL, *q;
    size_t i;

    for (i = l->n; i > 0; i--) {
        if (l->p[i - 1] == ' ') {
            sp2 = l->p + i - 1;
            break;
        }
    }
    if (sp1 == NULL || sp2 == sp1 || sp1 == l->p) {
        fail("%s:1: request line must be METHOD SP TARGET SP HTTP/VERSION", file);
        return -1;
    }
    r->method_s.p = l->p;
    r->method_s.n = (size_t)(sp1 - l->p);
    r->target.p = sp1 + 1;
    r->target.n = (size_t)(sp2 - sp1 - 1);
    r->version.p = sp2 + 1;
    r->version.n = l->n - (size_t)(sp2 + 1 - l->p);
    if (r->version.n < 6 || memcmp(r->version.p, "HTTP/", 5) != 0) {
        fail("%s:1: request line must end with the HTTP version (HTTP/1.1)", file);
        return -1;
    }
    if (r->method_s.n >= sizeof r->method) {
        fail("%s:1: method is longer than %zu bytes", file, sizeof r->method - 1);
        return -1;
    }
    memcpy(r->method, r->method_s.p, r->method_s.n);
    r->method[r->method_s.n] = '\0';
    if (r->target.n == 0 || r->target.p[0] != '/') {
        fail("%s:1: request target must be an origin-form path starting with '/'", file);
        return -1;
    }
    q = memchr(r->target.p, '?', r->target.n);
    r->path.p = r->target.p;
    r->path.n = q ? (size_t)(q - r->target.p) : r->target.n;
    r->query.p = q ? q + 1 : NULL;
    r->query.n = q ? r->target.n - r->path.n - 1 : 0;
    return 0;
}

/* One header line. A line starting with a blank (space or tab) continues the header above it
 * (obsolete line folding). The suite signs each continuation line as one more value of that
 * header, so "My-Header1:value1" then "  value2" canonicalise as "my-header1:value1,value2"
 * (its get-header-value-multiline case); the signer trims each value and collapses its blank
 * runs as for any header. The line itself is kept as written for the signed-request echo. */
static int parse_header_line(struct case_request *r, struct line l, size_t lineno, const char *file)
{
    struct sigv4_header *h;
    const char *colon;
    size_t i;

    if (r->n_lines >= MAX_LINES) {
        fail("%s:%zu: more than %d header lines", file, lineno, MAX_LINES);
        return -1;
    }
    r->lines[r->n_lines++] = l;
    h = &r->headers[r->n_headers];
    if (l.p[0] == ' ' || l.p[0] == '\t') {
        if (r->n_headers == 0) {
            fail("%s:%zu: continuation line (leading blank) before any header", file, lineno);
            return -1;
        }
        h->name = r->headers[r->n_headers - 1].name;
        h->name_len = r->headers[r->n_headers - 1].name_len;
        h->value = l.p;
        h->value_len = l.n;
        r->n_headers++;
        return 0;
    }
    colon = memchr(l.p, ':', l.n);
    if (colon == NULL || colon == l.p) {
        fail("%s:%zu: header line must be NAME:VALUE", file, lineno);
        return -1;
    }
    for (i = 0; l.p + i < colon; i++) {
        if (l.p[i] == ' ' || l.p[i] == '\t') {
            fail("%s:%zu: header name must not contain blanks (none before the ':')", file, lineno);
            return -1;
        }
    }
    h->name = l.p;
    h->name_len = (size_t)(colon - l.p);
    h->value = colon + 1;
    h->value_len = l.n - h->name_len - 1;
    r->n_headers++;
    return 0;
}

static int parse_request(const char *buf, size_t len, const char *file, struct case_request *r)
{
    size_t pos = 0, lineno = 1;

    memset(r, 0, sizeof *r);
    if (len == 0) {
        fail("%s: empty file (rule: an HTTP/1.1 request)", file);
        return -1;
    }
    r->request_line = next_line(buf, len, &pos);
    if (parse_request_line(r, file) != 0)
        return -1;
    /* Headers run to the first empty line; the body is every byte after it, as is. */
    while (pos < len) {
        struct line l = next_line(buf, len, &pos);

        lineno++;
        if (l.n == 0) {
            r->body = buf + pos;
            r->body_len = len - pos;
            return 0;
        }
        if (parse_header_line(r, l, lineno, file) != 0)
            return -1;
    }
    r->body = buf + len;
    r->body_len = 0;
    return 0;
}

/* ---- signing and output ----------------------------------------------------------------- */

static void add_header_lines(struct text *t, const struct case_request *r)
{
    size_t i;

    for (i = 0; i < r->n_lines; i++) {
        text_add(t, r->lines[i].p, r->lines[i].n);
        text_add(t, "\n", 1);
    }
}

static int write_outputs(const char *outdir, const char *prefix, const struct sigv4_result *res,
                         const struct text *signed_request)
{
    char name[64];

    snprintf(name, sizeof name, "%s-canonical-request.txt", prefix);
    if (write_file(outdir, name, res->canonical_request, strlen(res->canonical_request)) != 0)
        return -1;
    snprintf(name, sizeof name, "%s-string-to-sign.txt", prefix);
    if (write_file(outdir, name, res->string_to_sign, strlen(res->string_to_sign)) != 0)
        return -1;
    snprintf(name, sizeof name, "%s-signature.txt", prefix);
    if (write_file(outdir, name, res->signature, strlen(res->signature)) != 0)
        return -1;
    snprintf(name, sizeof name, "%s-signed-request.txt", prefix);
    return write_file(outdir, name, signed_request->p, signed_request->len);
}

static int run_case(const char *casedir, const char *outdir)
{
    char ctx_path[PATH_CAP], req_path[PATH_CAP], err[ERR_CAP];
    char *ctx_buf = NULL, *req_buf = NULL;
    size_t ctx_len = 0, req_len = 0, i;
    cJSON *root = NULL;
    struct case_context ctx;
    struct case_request *req = NULL;
    struct sigv4_request sreq;
    struct sigv4_credentials cred;
    struct sigv4_params par;
    struct sigv4_result res;
    struct text out;
    int rc = -1;

    memset(&res, 0, sizeof res);
    memset(&out, 0, sizeof out);
    if (join_path(ctx_path, sizeof ctx_path, casedir, "context.json") != 0 ||
        join_path(req_path, sizeof req_path, casedir, "request.txt") != 0)
        goto out;
    if (read_file(ctx_path, MAX_CONTEXT, &ctx_buf, &ctx_len) != 0)
        goto out;
    root = cJSON_ParseWithLength(ctx_buf, ctx_len);
    if (root == NULL) {
        fail("%s: not valid JSON (near byte %ld)", ctx_path,
             cJSON_GetErrorPtr() ? (long)(cJSON_GetErrorPtr() - ctx_buf) : 0L);
        goto out;
    }
    if (parse_context(root, ctx_path, &ctx) != 0)
        goto out;
    if (read_file(req_path, MAX_REQUEST, &req_buf, &req_len) != 0)
        goto out;
    req = calloc(1, sizeof *req);
    if (req == NULL) {
        fail("out of memory");
        goto out;
    }
    if (parse_request(req_buf, req_len, req_path, req) != 0)
        goto out;

    memset(&sreq, 0, sizeof sreq);
    sreq.method = req->method;
    sreq.path = req->path.p;
    sreq.path_len = req->path.n;
    sreq.query = req->query.p;
    sreq.query_len = req->query.n;
    sreq.headers = req->headers;
    sreq.n_headers = req->n_headers;
    sreq.payload = req->body;
    sreq.payload_len = req->body_len;
    cred.access_key_id = ctx.access_key_id;
    cred.secret_access_key = ctx.secret_access_key;
    cred.session_token = ctx.token;
    memset(&par, 0, sizeof par);
    par.region = ctx.region;
    par.service = ctx.service;
    par.when = ctx.when;
    par.expires = ctx.expires;
    par.flags = SIGV4_DEBUG;
    if (!ctx.normalize)
        par.flags |= SIGV4_NO_NORMALIZE;
    if (ctx.sign_body)
        par.flags |= SIGV4_CONTENT_SHA256;
    if (ctx.omit_session_token)
        par.flags |= SIGV4_OMIT_TOKEN;

    /* Header form: the request as written, then the signer's headers, then the body. */
    if (sigv4_sign_headers(&sreq, &cred, &par, &res, err, sizeof err) != 0) {
        fail("%s: cannot sign request.txt with context.json (header form): %s", casedir, err);
        goto out;
    }
    text_add(&out, req->request_line.p, req->request_line.n);
    text_add(&out, "\n", 1);
    add_header_lines(&out, req);
    for (i = 0; i < res.n_headers; i++) {
        text_adds(&out, res.headers[i].name);
        text_add(&out, ":", 1);
        text_adds(&out, res.headers[i].value);
        text_add(&out, "\n", 1);
    }
    text_add(&out, "\n", 1);
    text_add(&out, req->body, req->body_len);
    if (out.failed) {
        fail("%s: signed request too large or out of memory", casedir);
        goto out;
    }
    if (write_outputs(outdir, "header", &res, &out) != 0)
        goto out;
    sigv4_result_free(&res);
    text_free(&out);

    /* Query form: the same request with the presigned query in the target. */
    if (sigv4_presign(&sreq, &cred, &par, &res, err, sizeof err) != 0) {
        fail("%s: cannot sign request.txt with context.json (query form): %s", casedir, err);
        goto out;
    }
    text_add(&out, req->method_s.p, req->method_s.n);
    text_add(&out, " ", 1);
    text_add(&out, req->path.p, req->path.n);
    text_add(&out, "?", 1);
    text_adds(&out, res.query);
    text_add(&out, " ", 1);
    text_add(&out, req->version.p, req->version.n);
    text_add(&out, "\n", 1);
    add_header_lines(&out, req);
    text_add(&out, "\n", 1);
    text_add(&out, req->body, req->body_len);
    if (out.failed) {
        fail("%s: signed request too large or out of memory", casedir);
        goto out;
    }
    if (write_outputs(outdir, "query", &res, &out) != 0)
        goto out;
    rc = 0;
out:
    sigv4_result_free(&res);
    text_free(&out);
    free(req);
    if (root != NULL) {
        wipe_credentials(root);
        cJSON_Delete(root);
    }
    if (ctx_buf != NULL) {
        OPENSSL_cleanse(ctx_buf, ctx_len);
        free(ctx_buf);
    }
    if (req_buf != NULL) {
        OPENSSL_cleanse(req_buf, req_len);
        free(req_buf);
    }
    return rc;
}

int main(int argc, char **argv)
{
    const char *outdir = ".";
    int opt;

    while ((opt = getopt(argc, argv, "ho:")) != -1) {
        switch (opt) {
        case 'o':
            if (optarg[0] == '\0') {
                fail("-o needs a directory");
                usage(stderr);
                return 2;
            }
            outdir = optarg;
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (argc - optind != 1) {
        fail("%s", argc - optind == 0 ? "missing CASEDIR" : "exactly one CASEDIR expected");
        usage(stderr);
        return 2;
    }
    return run_case(argv[optind], outdir) == 0 ? 0 : 1;
}
