#include "aws/s3.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "aws/sigv4.h"
#include "util/log.h"
#include "util/str.h"

#define S3_MAX_PARAMS 16

void s3_url_free(s3_url_parts *u)
{
    if (!u)
        return;
    free(u->base);
    free(u->path);
    free(u->query);
    memset(u, 0, sizeof(*u));
}

bool s3_bucket_dns_label(const char *b)
{
    size_t n = b ? strlen(b) : 0;
    if (n < 3 || n > 63)
        return false;
    for (size_t i = 0; i < n; i++) {
        char ch = b[i];
        bool alnum = (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9');
        if (!alnum && ch != '-')
            return false;
        if ((i == 0 || i == n - 1) && !alnum)
            return false;
    }
    return true;
}

/* Percent-encodes s into b (RFC 3986, '/' kept when keep_slash). */
static int put_encoded(buf *b, const char *s, int keep_slash, err *e)
{
    char *enc = NULL;
    if (sigv4_uri_encode(s, strlen(s), keep_slash, &enc, e->msg, sizeof(e->msg)) != 0) {
        e->code = ERR_RESOURCE_EXHAUSTED;
        return -1;
    }
    int rc = buf_append_str(b, enc);
    free(enc);
    return rc == 0 ? 0 : err_set(e, ERR_RESOURCE_EXHAUSTED, "out of memory");
}

int s3_url(const endpoints_result *ep, const s3_request *rq, s3_url_parts *out, err *e)
{
    int rc = -1;
    buf b;
    memset(out, 0, sizeof(*out));
    buf_init(&b, ENDPOINTS_MAX_URL + 8192);
    const char *scheme_end = strstr(ep->url, "://");
    if (!scheme_end) {
        err_set(e, ERR_INVALID_ARGUMENT, "S3 endpoint '%s' is not a URL", ep->url);
        goto done;
    }
    const char *host = scheme_end + 3;
    size_t host_len = strcspn(host, "/");
    const char *base_path = host + host_len; /* "" or "/prefix" */
    size_t base_path_len = strlen(base_path);
    while (base_path_len && base_path[base_path_len - 1] == '/')
        base_path_len--;
    bool has_bucket = rq->bucket && *rq->bucket;
    /* AWS's own endpoint over TLS: the bucket in the host name when it can be one. */
    bool virtual_host = has_bucket && strcmp(ep->source ? ep->source : "", "standard") == 0 &&
                        strncmp(ep->url, "https://", 8) == 0 && base_path_len == 0 &&
                        s3_bucket_dns_label(rq->bucket);
    if (rq->n_params > S3_MAX_PARAMS) {
        err_set(e, ERR_INVALID_ARGUMENT, "S3 %s: more than %d query parameters", rq->operation,
                S3_MAX_PARAMS);
        goto done;
    }

    /* base */
    int pr = virtual_host ? buf_printf(&b, "%.*s%s.%.*s", (int)(host - ep->url), ep->url,
                                       rq->bucket, (int)host_len, host)
                          : buf_printf(&b, "%.*s", (int)(host + host_len - ep->url), ep->url);
    if (pr != 0 || !(out->base = buf_take(&b, NULL)))
        goto oom;

    /* path */
    buf_reset(&b);
    if (base_path_len && buf_append(&b, base_path, base_path_len) != 0)
        goto oom;
    if (has_bucket && !virtual_host) {
        if (buf_append_byte(&b, '/') != 0)
            goto oom;
        if (put_encoded(&b, rq->bucket, 0, e) != 0)
            goto done;
    }
    if (rq->key) {
        if (buf_append_byte(&b, '/') != 0)
            goto oom;
        if (put_encoded(&b, rq->key, 1, e) != 0)
            goto done;
    }
    if (b.len == 0 && buf_append_byte(&b, '/') != 0)
        goto oom;
    if (!(out->path = buf_take(&b, NULL)))
        goto oom;

    /* query: the sub-resource, then name=value pairs */
    buf_reset(&b);
    if (rq->subresource && *rq->subresource && buf_append_str(&b, rq->subresource) != 0)
        goto oom;
    for (size_t i = 0; i < rq->n_params; i++) {
        const char *name = rq->params[2 * i], *value = rq->params[2 * i + 1];
        if (!name || !value)
            continue;
        if (b.len && buf_append_byte(&b, '&') != 0)
            goto oom;
        if (put_encoded(&b, name, 0, e) != 0)
            goto done;
        if (buf_append_byte(&b, '=') != 0)
            goto oom;
        if (put_encoded(&b, value, 0, e) != 0)
            goto done;
    }
    if (!(out->query = buf_take(&b, NULL)))
        goto oom;
    rc = 0;
    goto done;
oom:
    err_set(e, ERR_RESOURCE_EXHAUSTED, "out of memory");
done:
    buf_free(&b);
    if (rc != 0)
        s3_url_free(out);
    return rc;
}

int s3_content_md5(const void *data, size_t len, char out[S3_MD5_B64_LEN + 1])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    out[0] = '\0';
    if (EVP_Digest(data ? data : "", len, md, &n, EVP_md5(), NULL) != 1 || n != 16)
        return -1;
    if (EVP_EncodeBlock((unsigned char *)out, md, 16) != S3_MD5_B64_LEN)
        return -1;
    return 0;
}

int s3_xml_escape(buf *b, const char *s)
{
    for (; *s; s++) {
        int r;
        switch (*s) {
        case '&':
            r = buf_append_str(b, "&amp;");
            break;
        case '<':
            r = buf_append_str(b, "&lt;");
            break;
        case '>':
            r = buf_append_str(b, "&gt;");
            break;
        case '"':
            r = buf_append_str(b, "&quot;");
            break;
        case '\'':
            r = buf_append_str(b, "&apos;");
            break;
        case '\r':
            r = buf_append_str(b, "&#13;");
            break;
        default:
            r = buf_append_byte(b, *s);
        }
        if (r != 0)
            return -1;
    }
    return 0;
}

static bool has_header(const s3_request *rq, const char *name)
{
    for (size_t i = 0; i < rq->n_headers; i++)
        if (strcasecmp(rq->headers[i].name, name) == 0)
            return true;
    return false;
}

/* One attempt against ep, signed for region (NULL: ep's). */
static int send_to(aws_client *c, const s3_request *rq, const endpoints_result *ep,
                   const char *region, aws_cancel cancel, http_response *resp, err *e)
{
    int rc = -1;
    s3_url_parts u;
    http_header hs[AWS_MAX_HEADERS];
    size_t nh = 0;
    char md5[S3_MD5_B64_LEN + 1];
    memset(resp, 0, sizeof(*resp));
    if (s3_url(ep, rq, &u, e) != 0)
        return -1;
    if (rq->n_headers + 2 > AWS_MAX_HEADERS) {
        err_set(e, ERR_INVALID_ARGUMENT, "S3 %s: more than %d request headers", rq->operation,
                AWS_MAX_HEADERS - 2);
        goto done;
    }
    for (size_t i = 0; i < rq->n_headers; i++)
        hs[nh++] = rq->headers[i];
    if (rq->body_len && !rq->reader && !has_header(rq, "Content-Type"))
        hs[nh++] = (http_header){"Content-Type", "application/xml"};
    if (rq->content_md5) {
        if (rq->reader) {
            err_set(e, ERR_INTERNAL, "S3 %s: Content-MD5 of a streamed body is the caller's",
                    rq->operation);
            goto done;
        }
        if (s3_content_md5(rq->body, rq->body_len, md5) != 0) {
            err_set(e, ERR_INTERNAL,
                    "S3 %s: computing Content-MD5 failed in OpenSSL (out of memory, or no MD5 in "
                    "its providers)",
                    rq->operation);
            goto done;
        }
        hs[nh++] = (http_header){"Content-MD5", md5};
    }
    aws_raw r = {.svc = ENDPOINTS_S3,
                 .operation = rq->operation,
                 .method = rq->method,
                 .base = u.base,
                 .signing_region = region,
                 .path = u.path,
                 .query = u.query,
                 .headers = hs,
                 .n_headers = nh,
                 .body = rq->body,
                 .body_len = rq->body_len,
                 .reader = rq->reader,
                 .payload_hash = rq->payload_hash,
                 .capture = rq->capture,
                 .n_capture = rq->n_capture,
                 .max_response = rq->max_response,
                 .idempotent = rq->idempotent,
                 .outcome = rq->outcome,
                 .keep_headers = rq->keep_headers};
    rc = aws_raw_call(c, &r, cancel, resp, e);
done:
    s3_url_free(&u);
    return rc;
}

/* The endpoint of the same kind in another region: AWS's regional endpoint
 * (FIPS kept), or the same custom endpoint signed for that region. */
static int endpoint_in(const endpoints_result *ep, const char *region, endpoints_result *out,
                       err *e)
{
    if (endpoints_validate_region(region, true, e) != 0)
        return -1;
    if (strcmp(ep->source ? ep->source : "", "standard") != 0) {
        *out = *ep;
        str_copy(out->signing_region, sizeof(out->signing_region), region);
        return 0;
    }
    endpoints_opts eo;
    memset(&eo, 0, sizeof(eo));
    eo.use_fips = ep->fips ? ENDPOINTS_ON : ENDPOINTS_OFF;
    eo.skip_region_validation = true;
    return endpoints_resolve(ENDPOINTS_S3, region, &eo, NULL, out, e);
}

int s3_call(aws_client *c, const s3_request *rq, aws_cancel cancel, http_response *resp, err *e)
{
    const endpoints_result *ep = aws_client_endpoint(c, ENDPOINTS_S3);
    int rc = send_to(c, rq, ep, NULL, cancel, resp, e);
    if (rc == 0 || resp->status != 301 || !resp->bucket_region[0] ||
        strcmp(resp->bucket_region, ep->signing_region) == 0)
        return rc;
    /* The bucket lives elsewhere: once more, in its region. */
    char region[sizeof(resp->bucket_region)];
    endpoints_result other;
    err saved = *e;
    str_copy(region, sizeof(region), resp->bucket_region);
    if (endpoint_in(ep, region, &other, e) != 0) {
        *e = saved;
        return -1;
    }
    log_at(1, "s3 %s: bucket %s is in %s; sending there", rq->operation,
           rq->bucket ? rq->bucket : "", region);
    http_response_free(resp);
    if (rq->reader && rq->reader->rewind && rq->reader->rewind(rq->reader->ctx) != 0)
        return err_set(e, ERR_UNAVAILABLE, "s3 %s: the request body cannot be read again",
                       rq->operation);
    return send_to(c, rq, &other, other.signing_region, cancel, resp, e);
}

int s3_call_xml(aws_client *c, const s3_request *rq, aws_cancel cancel, xml_node **out, err *e)
{
    http_response resp;
    int rc = -1;
    *out = NULL;
    if (s3_call(c, rq, cancel, &resp, e) != 0)
        goto done;
    if (resp.body_len && xml_parse(resp.body, resp.body_len, out, e) != 0) {
        if (rq->outcome)
            rq->outcome->maybe_applied = true; /* S3 said yes in words we could not read */
        err_set(e, e->code == ERR_RESOURCE_EXHAUSTED ? e->code : ERR_UNAVAILABLE,
                "s3 %s: unreadable response: %s", rq->operation, e->msg);
        goto done;
    }
    rc = 0;
done:
    http_response_free(&resp);
    return rc;
}

int s3_get_object(aws_client *c, const char *bucket, const char *key, const char *version_id,
                  bool head, aws_cancel cancel, char **out, size_t *outlen, err *e)
{
    int rc = -1;
    http_response resp;
    bool versioned = version_id && *version_id;
    const char *params[2] = {"versionId", version_id};
    s3_request rq = {.operation = head ? "HeadObject" : "GetObject",
                     .method = head ? "HEAD" : "GET",
                     .bucket = bucket,
                     .key = key,
                     .params = params,
                     .n_params = versioned ? 1 : 0,
                     .idempotent = true};
    if (out)
        *out = NULL;
    if (s3_call(c, &rq, cancel, &resp, e) != 0) {
        if (resp.status == 404 || e->code == ERR_NOT_FOUND)
            err_set(e, ERR_NOT_FOUND, "s3://%s/%s%s%s does not exist (or is not readable)", bucket,
                    key, versioned ? " version " : "", versioned ? version_id : "");
        goto done;
    }
    if (out && !head) {
        *out = resp.body ? resp.body : str_dup("");
        if (outlen)
            *outlen = resp.body ? resp.body_len : 0;
        resp.body = NULL;
        if (!*out) {
            err_set(e, ERR_RESOURCE_EXHAUSTED, "out of memory");
            goto done;
        }
    }
    rc = 0;
done:
    http_response_free(&resp);
    return rc;
}
