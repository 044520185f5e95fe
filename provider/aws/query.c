/* query: the form-encoded body of a query-protocol request (see query.h).
 * Adds after a failure are no-ops, so a caller can build a whole request and
 * check once, at query_finish. */
#include "aws/query.h"

#include <stdbool.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/sigv4.h"

/* IAM policy documents are at most 10 KiB (encoded up to three times that) and
 * a role carries at most 50 tags; 2 MiB is far beyond any legitimate body. */
#define QUERY_MAX_BODY ((size_t)2 * 1024 * 1024)

/* Values of q->failed, so query_finish can say why. */
enum { QUERY_OK = 0, QUERY_FAIL_ARG, QUERY_FAIL_SIZE, QUERY_FAIL_ENCODE, QUERY_FAIL_MEMORY };

/* Length of the RFC 3986 encoding of s[0..len): unreserved bytes stay, every
 * other byte becomes %XX. */
static size_t encoded_len(const char *s, size_t len)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        int keep = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                   c == '-' || c == '.' || c == '_' || c == '~';
        n += keep ? 1 : 3;
    }
    return n;
}

/* Appends the RFC 3986 encoding of s; sets q->failed on any failure. The size
 * is checked first so an oversized value is reported as such, whatever limit
 * the encoder itself has. */
static int append_encoded(query *q, const char *s)
{
    int rc = -1;
    char *enc = NULL;
    char msg[128];
    size_t len = strlen(s);
    size_t want = encoded_len(s, len);
    if (want > QUERY_MAX_BODY || q->body.len > QUERY_MAX_BODY - want) {
        q->failed = QUERY_FAIL_SIZE;
        goto out;
    }
    if (sigv4_uri_encode(s, len, 0, &enc, msg, sizeof(msg)) != 0) {
        q->failed = QUERY_FAIL_ENCODE; /* its own size limit, or memory */
        goto out;
    }
    size_t n = strlen(enc);
    if (n > QUERY_MAX_BODY || q->body.len > QUERY_MAX_BODY - n) {
        q->failed = QUERY_FAIL_SIZE;
        goto out;
    }
    /* Form encoding writes a space as '+', as botocore does; moto (and any
     * verifier that re-encodes the parsed form) signs what that gives. */
    for (size_t i = 0; i < n;) {
        bool space = i + 2 < n && enc[i] == '%' && enc[i + 1] == '2' && enc[i + 2] == '0';
        if (buf_append(&q->body, space ? "+" : enc + i, 1) != 0) {
            q->failed = QUERY_FAIL_MEMORY;
            goto out;
        }
        i += space ? 3 : 1;
    }
    rc = 0;
out:
    free(enc);
    return rc;
}

static int append_raw(query *q, const char *s)
{
    size_t n = strlen(s);
    if (q->body.len + n > QUERY_MAX_BODY) {
        q->failed = QUERY_FAIL_SIZE;
        return -1;
    }
    if (buf_append(&q->body, s, n) != 0) {
        q->failed = QUERY_FAIL_MEMORY;
        return -1;
    }
    return 0;
}

/* "&key=value", both encoded. */
static int add_pair(query *q, const char *key, const char *value)
{
    if (q->failed)
        return -1;
    if (!key || !*key || !value) {
        q->failed = QUERY_FAIL_ARG;
        return -1;
    }
    if (append_raw(q, "&") != 0 || append_encoded(q, key) != 0 || append_raw(q, "=") != 0 ||
        append_encoded(q, value) != 0)
        return -1;
    return 0;
}

int query_init(query *q, const char *action, const char *version)
{
    memset(q, 0, sizeof(*q));
    buf_init(&q->body, QUERY_MAX_BODY);
    if (!action || !*action || !version || !*version) {
        q->failed = QUERY_FAIL_ARG;
        return -1;
    }
    if (append_raw(q, "Action=") != 0 || append_encoded(q, action) != 0 ||
        append_raw(q, "&Version=") != 0 || append_encoded(q, version) != 0) {
        /* Nothing to free for a caller that gives up here (most do). */
        buf_free(&q->body);
        return -1;
    }
    return 0;
}

int query_add(query *q, const char *key, const char *value)
{
    return add_pair(q, key, value);
}

int query_add_member(query *q, const char *prefix, size_t index, const char *value)
{
    char key[256];
    if (q->failed)
        return -1;
    if (!prefix || index == 0) {
        q->failed = QUERY_FAIL_ARG;
        return -1;
    }
    int n = snprintf(key, sizeof(key), "%s.member.%zu", prefix, index);
    if (n < 0 || (size_t)n >= sizeof(key)) {
        q->failed = QUERY_FAIL_ARG;
        return -1;
    }
    return add_pair(q, key, value);
}

int query_add_tag(query *q, const char *prefix, size_t index, const char *key, const char *value)
{
    char kname[256], vname[256];
    if (q->failed)
        return -1;
    if (!prefix || index == 0) {
        q->failed = QUERY_FAIL_ARG;
        return -1;
    }
    int n1 = snprintf(kname, sizeof(kname), "%s.member.%zu.Key", prefix, index);
    int n2 = snprintf(vname, sizeof(vname), "%s.member.%zu.Value", prefix, index);
    if (n1 < 0 || (size_t)n1 >= sizeof(kname) || n2 < 0 || (size_t)n2 >= sizeof(vname)) {
        q->failed = QUERY_FAIL_ARG;
        return -1;
    }
    if (add_pair(q, kname, key) != 0 || add_pair(q, vname, value) != 0)
        return -1;
    return 0;
}

char *query_finish(query *q, size_t *len, err *e)
{
    char *out = NULL;
    if (len)
        *len = 0;
    switch (q->failed) {
    case QUERY_OK:
        break;
    case QUERY_FAIL_ARG:
        err_set(e, ERR_INTERNAL, "query: a parameter name or value was missing or too long");
        goto out;
    case QUERY_FAIL_SIZE:
        err_set(e, ERR_INVALID_ARGUMENT, "query: request body larger than %zu bytes",
                QUERY_MAX_BODY);
        goto out;
    case QUERY_FAIL_ENCODE:
        err_set(e, ERR_INVALID_ARGUMENT,
                "query: a parameter value could not be encoded "
                "(too large, or out of memory)");
        goto out;
    default:
        err_set(e, ERR_RESOURCE_EXHAUSTED, "query: out of memory");
        goto out;
    }
    out = buf_take(&q->body, len);
    if (!out)
        err_set(e, ERR_RESOURCE_EXHAUSTED, "query: out of memory");
out:
    query_free(q);
    return out;
}

void query_free(query *q)
{
    if (!q)
        return;
    buf_free(&q->body);
    q->failed = QUERY_OK;
}
