/* libFuzzer harness for the SigV4 signer and its canonicalization: the bytes
 * describe a request, which is signed in both forms with fixed credentials.
 * Any request must be signed or refused with a message, never crash.
 *
 * Layout: byte 0 = flags (SIGV4_* low five bits; 0x20 session token; 0x40
 * S3 signing name; 0x80 Host given apart from the headers), byte 1 = presign
 * lifetime selector, then '\n'-separated lines: method, path[?query], header
 * lines "name:value" up to an empty line, and the rest is the payload.
 * Every slice is copied into its own exact-size allocation, so ASan sees a
 * read one byte past any pointer+length the signer was given. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/sigv4.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_HEADERS 64

struct slices {
    void *owned[2 * MAX_HEADERS + 8];
    size_t n;
};

/* An exact-size copy (NUL-terminated only when nul is set). */
static char *dup_slice(struct slices *s, const uint8_t *p, size_t len, int nul)
{
    char *c = malloc(len + (nul ? 1 : 0) + (len == 0 && !nul ? 1 : 0));
    if (!c)
        return NULL;
    if (len)
        memcpy(c, p, len);
    if (nul)
        c[len] = 0;
    s->owned[s->n++] = c;
    return c;
}

/* The next line of [*p, end): its start and length; *p moves past the '\n'. */
static size_t next_line(const uint8_t **p, const uint8_t *end, const uint8_t **start)
{
    *start = *p;
    const uint8_t *nl = memchr(*p, '\n', (size_t)(end - *p));
    size_t len = nl ? (size_t)(nl - *p) : (size_t)(end - *p);
    *p = nl ? nl + 1 : end;
    return len;
}

static void check_result(const struct sigv4_result *r, unsigned flags)
{
    if (strlen(r->signature) != SIGV4_SIGNATURE_LEN)
        __builtin_trap();
    for (size_t i = 0; i < SIGV4_SIGNATURE_LEN; i++)
        if (!strchr("0123456789abcdef", r->signature[i]))
            __builtin_trap();
    if (r->n_headers > SIGV4_MAX_ADDED_HEADERS)
        __builtin_trap();
    for (size_t i = 0; i < r->n_headers; i++) {
        volatile size_t n = strlen(r->headers[i].name) + strlen(r->headers[i].value);
        (void)n;
    }
    if (r->query) {
        volatile size_t n = strlen(r->query);
        (void)n;
    }
    if ((flags & SIGV4_DEBUG) && (!r->canonical_request || !r->string_to_sign)) {
        fprintf(stderr, "fuzz_sigv4: SIGV4_DEBUG without canonical request\n");
        __builtin_trap();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    unsigned sel = data[0];
    unsigned flags = sel & 0x1fu;
    unsigned expires = (unsigned)data[1] * 4000u; /* 0 and > SIGV4_MAX_EXPIRES included */
    const uint8_t *p = data + 2, *end = data + size, *ln;
    size_t len;

    struct slices s = {.n = 0};
    struct sigv4_header headers[MAX_HEADERS];
    size_t nh = 0;
    struct sigv4_request req = {0};

    len = next_line(&p, end, &ln);
    req.method = dup_slice(&s, ln, len, 1);
    len = next_line(&p, end, &ln);
    const uint8_t *q = memchr(ln, '?', len);
    size_t plen = q ? (size_t)(q - ln) : len;
    req.path = dup_slice(&s, ln, plen, 0);
    req.path_len = plen;
    if (q) {
        req.query = dup_slice(&s, q + 1, len - plen - 1, 0);
        req.query_len = len - plen - 1;
    }
    while (p < end && nh < MAX_HEADERS) {
        len = next_line(&p, end, &ln);
        if (len == 0)
            break;
        const uint8_t *colon = memchr(ln, ':', len);
        size_t nlen = colon ? (size_t)(colon - ln) : len;
        size_t vlen = colon ? len - nlen - 1 : 0;
        headers[nh].name = dup_slice(&s, ln, nlen, 0);
        headers[nh].name_len = nlen;
        headers[nh].value = dup_slice(&s, colon ? colon + 1 : ln, vlen, 0);
        headers[nh].value_len = vlen;
        if (!headers[nh].name || !headers[nh].value)
            goto out;
        nh++;
    }
    req.headers = headers;
    req.n_headers = nh;
    if (p < end) {
        req.payload = dup_slice(&s, p, (size_t)(end - p), 0);
        req.payload_len = (size_t)(end - p);
    }
    if (sel & 0x80u)
        req.host = "iam.amazonaws.com";
    if (!req.method || !req.path || (q && !req.query) || (p < end && !req.payload))
        goto out;

    struct sigv4_credentials cred = {
        .access_key_id = "AKIDEXAMPLE",
        .secret_access_key = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
        .session_token = (sel & 0x20u) ? "AQoDYXdzEPT//////////wEXAMPLE" : NULL,
    };
    struct sigv4_params params = {
        .region = "us-east-1",
        .service = (sel & 0x40u) ? "s3" : "iam",
        .when = 1440938160, /* 20150830T123600Z, the test suite's time */
        .flags = flags,
        .expires = expires,
    };
    char errbuf[256];
    struct sigv4_result r;
    if (sigv4_sign_headers(&req, &cred, &params, &r, errbuf, sizeof(errbuf)) == 0)
        check_result(&r, flags);
    else if (!memchr(errbuf, 0, sizeof(errbuf)))
        __builtin_trap();
    sigv4_result_free(&r);
    sigv4_result_free(&r); /* safe twice */
    if (sigv4_presign(&req, &cred, &params, &r, errbuf, sizeof(errbuf)) == 0) {
        check_result(&r, flags);
        if (!r.query)
            __builtin_trap();
    }
    sigv4_result_free(&r);

    char *out = NULL;
    if (sigv4_canonical_uri(req.path, req.path_len, flags, &out, errbuf, sizeof(errbuf)) == 0)
        free(out);
    out = NULL;
    if (req.query &&
        sigv4_canonical_query(req.query, req.query_len, &out, errbuf, sizeof(errbuf)) == 0)
        free(out);
    out = NULL;
    int keep_slash = (int)(sel & 1u);
    if (sigv4_uri_encode(req.path, req.path_len, keep_slash, &out, errbuf, sizeof(errbuf)) == 0)
        free(out);
out:
    for (size_t i = 0; i < s.n; i++)
        free(s.owned[i]);
    return 0;
}
