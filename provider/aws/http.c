/* http: libcurl behind a small request/response API.
 *
 * Each request runs on its own easy handle driven by its own multi handle
 * (rather than curl_easy_perform) so the cancel callback is polled at least
 * every HTTP_POLL_MS even while the peer is silent; curl_easy_perform would
 * sleep up to a second between progress callbacks. All handles attach to one
 * share handle holding the connection cache, DNS cache and TLS sessions, so a
 * keep-alive connection opened by one worker thread is reused by the next. */
#include "aws/http.h"

#include <curl/curl.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/buf.h"
#include "util/str.h"

#ifndef AWSML_VERSION
#define AWSML_VERSION "dev"
#endif

/* Longest wait between two checks of the cancel callback. */
#define HTTP_POLL_MS 100
/* Connections the shared cache may hold (idle and busy). A per-request multi
 * handle would otherwise cap it at 4, and busy worker threads would keep
 * closing each other's idle connections. */
#define HTTP_MAX_CONNECTIONS 64L
#define HTTP_HEADER_LINE_MAX 8192

struct http_client {
    CURLSH *share;
    pthread_mutex_t locks[CURL_LOCK_DATA_LAST];
    bool locks_ready;
    char *ca_bundle;
    bool insecure;
    char *http_proxy;
    char *https_proxy;
    char *no_proxy;
    char *user_agent;
    long connect_timeout_ms;
    long timeout_ms;
};

/* Per-request state the curl callbacks fill in. */
typedef struct transfer {
    buf body;
    size_t max_response;
    bool too_large;
    bool out_of_memory;
    bool cancelled;
    http_cancel_fn cancel;
    void *cancel_ctx;
    http_response *resp;
    const http_request *req;
    bool read_failed; /* the body reader gave up */
    buf hdrs;         /* keep_headers: the final response's header lines */
} transfer;

/* curl_global_init is not thread-safe in every libcurl build: run it once. */
static pthread_once_t global_once = PTHREAD_ONCE_INIT;
static CURLcode global_rc = CURLE_FAILED_INIT;

static void global_init(void)
{
    global_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

static void share_lock(CURL *h, curl_lock_data data, curl_lock_access access, void *ctx)
{
    (void)h;
    (void)access;
    http_client *c = ctx;
    if ((int)data >= 0 && data < CURL_LOCK_DATA_LAST)
        pthread_mutex_lock(&c->locks[data]);
}

static void share_unlock(CURL *h, curl_lock_data data, void *ctx)
{
    (void)h;
    http_client *c = ctx;
    if ((int)data >= 0 && data < CURL_LOCK_DATA_LAST)
        pthread_mutex_unlock(&c->locks[data]);
}

/* strdup that keeps NULL as NULL; *ok goes false on allocation failure. */
static char *dup_opt(const char *s, bool *ok)
{
    if (!s)
        return NULL;
    char *d = strdup(s);
    if (!d)
        *ok = false;
    return d;
}

int http_client_new(const http_options *opts, http_client **out, err *e)
{
    int rc = -1;
    http_client *c = NULL;
    http_options none = {0};
    if (!opts)
        opts = &none;
    *out = NULL;

    pthread_once(&global_once, global_init);
    if (global_rc != CURLE_OK) {
        err_set(e, ERR_INTERNAL, "cannot initialise libcurl: %s", curl_easy_strerror(global_rc));
        goto out;
    }

    /* A bad customCaBundle is reported here, naming the file, rather than as a
     * puzzling TLS failure on the first AWS call. */
    if (opts->ca_bundle && !opts->insecure) {
        FILE *f = fopen(opts->ca_bundle, "r");
        if (!f) {
            char eb[STR_ERRNO_MAX];
            err_set(e, ERR_INVALID_ARGUMENT, "customCaBundle %s cannot be read: %s",
                    opts->ca_bundle, str_errno(errno, eb, sizeof(eb)));
            goto out;
        }
        fclose(f);
    }

    c = calloc(1, sizeof(*c));
    if (!c) {
        err_set(e, ERR_RESOURCE_EXHAUSTED, "out of memory creating the HTTP client");
        goto out;
    }
    bool ok = true;
    c->ca_bundle = dup_opt(opts->ca_bundle, &ok);
    c->http_proxy = dup_opt(opts->http_proxy, &ok);
    c->https_proxy = dup_opt(opts->https_proxy, &ok);
    c->no_proxy = dup_opt(opts->no_proxy, &ok);
    c->user_agent = dup_opt(opts->user_agent ? opts->user_agent : "awsml/" AWSML_VERSION, &ok);
    c->insecure = opts->insecure;
    c->connect_timeout_ms =
        opts->connect_timeout_ms > 0 ? opts->connect_timeout_ms : HTTP_DEFAULT_CONNECT_TIMEOUT_MS;
    c->timeout_ms = opts->timeout_ms > 0 ? opts->timeout_ms : HTTP_DEFAULT_TIMEOUT_MS;
    if (!ok) {
        err_set(e, ERR_RESOURCE_EXHAUSTED, "out of memory creating the HTTP client");
        goto out;
    }

    for (int i = 0; i < CURL_LOCK_DATA_LAST; i++)
        pthread_mutex_init(&c->locks[i], NULL);
    c->locks_ready = true;

    c->share = curl_share_init();
    if (!c->share) {
        err_set(e, ERR_RESOURCE_EXHAUSTED, "cannot create the libcurl share handle");
        goto out;
    }
    CURLSHcode sc = CURLSHE_OK;
    if (!sc)
        sc = curl_share_setopt(c->share, CURLSHOPT_USERDATA, c);
    if (!sc)
        sc = curl_share_setopt(c->share, CURLSHOPT_LOCKFUNC, share_lock);
    if (!sc)
        sc = curl_share_setopt(c->share, CURLSHOPT_UNLOCKFUNC, share_unlock);
    if (!sc)
        sc = curl_share_setopt(c->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_CONNECT);
    if (!sc)
        sc = curl_share_setopt(c->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
    if (!sc)
        sc = curl_share_setopt(c->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
    if (sc) {
        err_set(e, ERR_INTERNAL, "cannot configure the libcurl share handle: %s",
                curl_share_strerror(sc));
        goto out;
    }

    *out = c;
    c = NULL;
    rc = 0;
out:
    http_client_free(c);
    return rc;
}

void http_client_free(http_client *c)
{
    if (!c)
        return;
    if (c->share)
        curl_share_cleanup(c->share);
    if (c->locks_ready)
        for (int i = 0; i < CURL_LOCK_DATA_LAST; i++)
            pthread_mutex_destroy(&c->locks[i]);
    free(c->ca_bundle);
    free(c->http_proxy);
    free(c->https_proxy);
    free(c->no_proxy);
    free(c->user_agent);
    free(c);
}

void http_response_free(http_response *r)
{
    if (!r)
        return;
    free(r->body);
    free(r->headers);
    memset(r, 0, sizeof(*r));
}

/* ---- callbacks ------------------------------------------------------------ */

static size_t on_body(char *data, size_t size, size_t nmemb, void *ctx)
{
    transfer *t = ctx;
    size_t n = size * nmemb;
    if (n > t->max_response || t->body.len > t->max_response - n) {
        t->too_large = true;
        return 0; /* anything short of n makes curl stop with CURLE_WRITE_ERROR */
    }
    if (buf_append(&t->body, data, n) != 0) {
        t->out_of_memory = true;
        return 0;
    }
    return n;
}

/* Copies [v, v+n) into a fixed field, truncating, always NUL-terminated. */
static void set_field(char *dst, size_t cap, const char *v, size_t n)
{
    if (n >= cap)
        n = cap - 1;
    memcpy(dst, v, n);
    dst[n] = '\0';
}

static bool header_is(const char *line, size_t name_len, const char *name)
{
    return strlen(name) == name_len && strncasecmp(line, name, name_len) == 0;
}

/* Header lines arrive one by one, unterminated. A status line starts a new
 * response (a 100 Continue or a proxy's CONNECT reply come before the real
 * one), so the captured fields are cleared there and only the last
 * response's headers remain. */
static size_t on_header(char *line, size_t size, size_t nmemb, void *ctx)
{
    transfer *t = ctx;
    size_t n = size * nmemb;
    http_response *r = t->resp;
    if (n >= 5 && strncmp(line, "HTTP/", 5) == 0) {
        r->request_id[0] = r->content_type[0] = r->amzn_error_type[0] = '\0';
        r->bucket_region[0] = '\0';
        for (size_t i = 0; i < HTTP_MAX_CAPTURE; i++)
            r->captured[i][0] = '\0';
        buf_reset(&t->hdrs);
        return n;
    }
    if (n > HTTP_HEADER_LINE_MAX)
        return n;
    const char *colon = memchr(line, ':', n);
    if (!colon)
        return n;
    size_t name_len = (size_t)(colon - line);
    const char *v = colon + 1;
    const char *end = line + n;
    while (v < end && (*v == ' ' || *v == '\t'))
        v++;
    while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' ' || end[-1] == '\t'))
        end--;
    size_t vlen = (size_t)(end - v);

    /* x-amzn-RequestId is the JSON services' spelling, x-amz-request-id S3's. */
    if (header_is(line, name_len, "x-amzn-RequestId") ||
        (header_is(line, name_len, "x-amz-request-id") && !r->request_id[0]))
        set_field(r->request_id, sizeof r->request_id, v, vlen);
    else if (header_is(line, name_len, "Content-Type"))
        set_field(r->content_type, sizeof r->content_type, v, vlen);
    else if (header_is(line, name_len, "x-amzn-ErrorType"))
        set_field(r->amzn_error_type, sizeof r->amzn_error_type, v, vlen);
    else if (header_is(line, name_len, "x-amz-bucket-region"))
        set_field(r->bucket_region, sizeof r->bucket_region, v, vlen);
    for (size_t i = 0; i < t->req->n_capture && i < HTTP_MAX_CAPTURE; i++)
        if (t->req->capture[i] && header_is(line, name_len, t->req->capture[i]))
            set_field(r->captured[i], sizeof r->captured[i], v, vlen);
    if (t->req->keep_headers && t->hdrs.len + name_len + vlen + 3 <= HTTP_HEADERS_MAX &&
        (buf_append(&t->hdrs, line, name_len) != 0 || buf_append(&t->hdrs, ": ", 2) != 0 ||
         buf_append(&t->hdrs, v, vlen) != 0 || buf_append_byte(&t->hdrs, '\n') != 0))
        t->out_of_memory = true;
    return n;
}

/* The i-th line of r->headers whose name starts with prefix (exact name
 * when !is_prefix). */
static bool header_find(const http_response *r, const char *name, bool is_prefix, size_t i,
                        char *name_out, size_t name_cap, char *out, size_t cap)
{
    size_t nl = strlen(name);
    const char *p = r->headers, *end = r->headers ? r->headers + r->headers_len : NULL;
    while (p && p < end) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        const char *colon = memchr(p, ':', (size_t)((eol ? eol : end) - p));
        if (!eol)
            eol = end;
        if (colon) {
            size_t len = (size_t)(colon - p);
            bool match = is_prefix ? (len > nl && strncasecmp(p, name, nl) == 0)
                                   : (len == nl && strncasecmp(p, name, nl) == 0);
            if (match && i-- == 0) {
                const char *v = colon + 2 <= eol ? colon + 2 : eol;
                if (name_out)
                    set_field(name_out, name_cap, p, len);
                set_field(out, cap, v, (size_t)(eol - v));
                return true;
            }
        }
        p = eol + 1;
    }
    return false;
}

bool http_header_value(const http_response *r, const char *name, char *out, size_t cap)
{
    if (cap)
        out[0] = '\0';
    return header_find(r, name, false, 0, NULL, 0, out, cap);
}

bool http_header_prefixed(const http_response *r, const char *prefix, size_t i, char *name_out,
                          size_t name_cap, char *out, size_t cap)
{
    return header_find(r, prefix, true, i, name_out, name_cap, out, cap);
}

/* Feeds a streamed body to curl. */
static size_t on_read(char *dst, size_t size, size_t nmemb, void *ctx)
{
    transfer *t = ctx;
    const http_body_reader *rd = t->req->reader;
    size_t n = rd->read(rd->ctx, dst, size * nmemb);
    if (n == HTTP_READ_FAILED || n > size * nmemb) {
        t->read_failed = true;
        return CURL_READFUNC_ABORT;
    }
    return n;
}

static int on_progress(void *ctx, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                       curl_off_t ulnow)
{
    (void)dltotal;
    (void)dlnow;
    (void)ultotal;
    (void)ulnow;
    transfer *t = ctx;
    if (t->cancel && t->cancel(t->cancel_ctx)) {
        t->cancelled = true;
        return 1;
    }
    return 0;
}

/* ---- request setup ------------------------------------------------------- */

/* The host (and port) of url for messages: never the path or the query,
 * which may carry a presigned signature. */
static void url_host(const char *url, char *out, size_t cap)
{
    set_field(out, cap, "(invalid URL)", strlen("(invalid URL)"));
    CURLU *u = curl_url();
    if (!u)
        return;
    char *host = NULL;
    char *port = NULL;
    if (curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK) {
        if (curl_url_get(u, CURLUPART_PORT, &port, 0) == CURLUE_OK)
            snprintf(out, cap, "%s:%s", host, port);
        else
            snprintf(out, cap, "%s", host);
    }
    curl_free(host);
    curl_free(port);
    curl_url_cleanup(u);
}

static bool has_crlf(const char *s)
{
    return strpbrk(s, "\r\n") != NULL;
}

/* The request headers as a curl list, plus an empty "Expect:" that stops curl
 * from adding "Expect: 100-continue" to larger POST bodies (an extra round
 * trip, and some proxies mishandle it). */
static int build_headers(const http_request *req, struct curl_slist **out, err *e)
{
    int rc = -1;
    struct curl_slist *list = NULL;
    buf line;
    buf_init(&line, HTTP_HEADER_LINE_MAX);

    for (size_t i = 0; i < req->n_headers; i++) {
        const http_header *h = &req->headers[i];
        if (!h->name || !*h->name || !h->value || has_crlf(h->name) || has_crlf(h->value) ||
            strchr(h->name, ':')) {
            err_set(e, ERR_INVALID_ARGUMENT, "invalid HTTP header (number %zu)", i + 1);
            goto out;
        }
        buf_reset(&line);
        /* "Name;" is curl's spelling of a header with an empty value ("Name:"
         * would remove it). */
        int r = *h->value ? buf_printf(&line, "%s: %s", h->name, h->value)
                          : buf_printf(&line, "%s;", h->name);
        if (r != 0) {
            if (strlen(h->name) + strlen(h->value) + 2 <= HTTP_HEADER_LINE_MAX)
                err_set(e, ERR_RESOURCE_EXHAUSTED, "out of memory building HTTP headers");
            else
                err_set(e, ERR_INVALID_ARGUMENT, "HTTP header %zu is too long", i + 1);
            goto out;
        }
        struct curl_slist *next = curl_slist_append(list, line.data);
        if (!next) {
            err_set(e, ERR_RESOURCE_EXHAUSTED, "out of memory building HTTP headers");
            goto out;
        }
        list = next;
    }
    struct curl_slist *next = curl_slist_append(list, "Expect:");
    if (!next) {
        err_set(e, ERR_RESOURCE_EXHAUSTED, "out of memory building HTTP headers");
        goto out;
    }
    list = next;

    *out = list;
    list = NULL;
    rc = 0;
out:
    curl_slist_free_all(list);
    buf_free(&line);
    return rc;
}

static bool is_https(const char *url)
{
    return strncasecmp(url, "https://", 8) == 0;
}

static CURLcode configure(http_client *c, CURL *h, const http_request *req, transfer *t,
                          struct curl_slist *headers)
{
    CURLcode r = CURLE_OK;
    long timeout = req->timeout_ms > 0 ? req->timeout_ms : c->timeout_ms;
#define SET(opt, val)                                                                              \
    do {                                                                                           \
        if (r == CURLE_OK)                                                                         \
            r = curl_easy_setopt(h, opt, val);                                                     \
    } while (0)
    SET(CURLOPT_SHARE, c->share);
    SET(CURLOPT_URL, req->url);
    /* Only http(s), no redirects: an AWS endpoint never redirects a signed
     * request anywhere we should follow. */
    SET(CURLOPT_PROTOCOLS_STR, "http,https");
    SET(CURLOPT_FOLLOWLOCATION, 0L);
    /* Worker threads: curl must not use signals (SIGALRM) for DNS timeouts. */
    SET(CURLOPT_NOSIGNAL, 1L);
    SET(CURLOPT_CONNECTTIMEOUT_MS, c->connect_timeout_ms);
    SET(CURLOPT_TIMEOUT_MS, timeout);
    SET(CURLOPT_TCP_KEEPALIVE, 1L);
    if (req->fresh_connection)
        SET(CURLOPT_FRESH_CONNECT, 1L);
    SET(CURLOPT_USERAGENT, c->user_agent);
    SET(CURLOPT_HTTPHEADER, headers);

    SET(CURLOPT_SSL_VERIFYPEER, c->insecure ? 0L : 1L);
    SET(CURLOPT_SSL_VERIFYHOST, c->insecure ? 0L : 2L);
    if (c->ca_bundle && !c->insecure)
        SET(CURLOPT_CAINFO, c->ca_bundle);

    /* Proxies: only what the options say. Unset, curl applies the environment
     * itself: http_proxy (lowercase only: an uppercase HTTP_PROXY may be
     * injected by CGI, "httpoxy"), https_proxy or HTTPS_PROXY, all_proxy or
     * ALL_PROXY, and no_proxy or NO_PROXY — the same variables the AWS CLI
     * honours. An empty string option means "no proxy" even when the
     * environment names one. */
    const char *proxy = is_https(req->url) ? c->https_proxy : c->http_proxy;
    if (proxy)
        SET(CURLOPT_PROXY, proxy);
    if (c->no_proxy)
        SET(CURLOPT_NOPROXY, c->no_proxy);

    const char *m = req->method ? req->method : "GET";
    if (strcmp(m, "GET") == 0) {
        SET(CURLOPT_HTTPGET, 1L);
    } else if (strcmp(m, "HEAD") == 0) {
        SET(CURLOPT_NOBODY, 1L);
    } else if (req->reader) {
        /* Streamed: curl reads the body through on_read, its length known up
         * front (Content-Length, no chunked encoding). */
        SET(CURLOPT_UPLOAD, 1L);
        SET(CURLOPT_CUSTOMREQUEST, m);
        SET(CURLOPT_INFILESIZE_LARGE, (curl_off_t)req->body_len);
        SET(CURLOPT_READFUNCTION, on_read);
        SET(CURLOPT_READDATA, t);
    } else {
        if (strcmp(m, "POST") != 0)
            SET(CURLOPT_CUSTOMREQUEST, m);
        /* POST and PUT always send a Content-Length, even 0 (IMDSv2's token
         * PUT has no body and a server may insist on the length). */
        if (req->body_len > 0 || strcmp(m, "POST") == 0 || strcmp(m, "PUT") == 0) {
            SET(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
            SET(CURLOPT_POSTFIELDS, req->body_len ? (const char *)req->body : "");
        }
    }

    /* Refuses a too-large response from its Content-Length before reading it;
     * the write callback enforces the cap when the length is unknown. Not for
     * HEAD: its Content-Length is the size of a body that never comes (S3's
     * HeadObject of a large object), yet curl would still refuse it. */
    if (strcmp(m, "HEAD") != 0)
        SET(CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)t->max_response);
    SET(CURLOPT_WRITEFUNCTION, on_body);
    SET(CURLOPT_WRITEDATA, t);
    SET(CURLOPT_HEADERFUNCTION, on_header);
    SET(CURLOPT_HEADERDATA, t);
    SET(CURLOPT_NOPROGRESS, 0L);
    SET(CURLOPT_XFERINFOFUNCTION, on_progress);
    SET(CURLOPT_XFERINFODATA, t);
#undef SET
    return r;
}

/* Runs the transfer, checking the cancel callback between polls. */
static CURLcode run(CURLM *m, CURL *h, transfer *t)
{
    /* Stays an error unless curl reports the transfer done. */
    CURLcode result = CURLE_FAILED_INIT;
    bool done = false;
    while (!done) {
        int running = 0;
        CURLMcode mc = curl_multi_perform(m, &running);
        if (mc != CURLM_OK)
            return mc == CURLM_OUT_OF_MEMORY ? CURLE_OUT_OF_MEMORY : CURLE_FAILED_INIT;
        int left = 0;
        CURLMsg *msg;
        while ((msg = curl_multi_info_read(m, &left)) != NULL) {
            if (msg->msg == CURLMSG_DONE && msg->easy_handle == h) {
                result = msg->data.result;
                done = true;
            }
        }
        if (done || !running)
            break;
        if (t->cancel && t->cancel(t->cancel_ctx)) {
            t->cancelled = true;
            return CURLE_ABORTED_BY_CALLBACK;
        }
        mc = curl_multi_poll(m, NULL, 0, HTTP_POLL_MS, NULL);
        if (mc != CURLM_OK)
            return CURLE_FAILED_INIT;
    }
    return result;
}

/* Certificate problems: the peer's chain did not verify against the trusted
 * CAs, or the CA file itself is unusable. */
static bool is_cert_error(CURLcode r)
{
    switch (r) {
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
        return true;
    default:
        return false;
    }
}

/* Other TLS failures: the handshake itself broke. */
static bool is_handshake_error(CURLcode r)
{
    switch (r) {
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_ENGINE_NOTFOUND:
    case CURLE_SSL_ENGINE_SETFAILED:
    case CURLE_SSL_ENGINE_INITFAILED:
    case CURLE_SSL_SHUTDOWN_FAILED:
    case CURLE_USE_SSL_FAILED:
        return true;
    default:
        return false;
    }
}

/* Maps a finished transfer's curl code to a failure kind and a message that
 * names the host and what happened, never the URL's query, a header or a
 * body. detail is curl's error buffer, cut at any '?' so a URL that curl may
 * quote there cannot leak its query. */
static enum http_failure classify(CURL *h, CURLcode r, const transfer *t, const char *host,
                                  char *detail, long timeout_ms, err *e)
{
    char *q = strchr(detail, '?');
    if (q)
        *q = '\0';
    if (!*detail)
        snprintf(detail, CURL_ERROR_SIZE, "%s", curl_easy_strerror(r));

    if (t->cancelled || r == CURLE_ABORTED_BY_CALLBACK) {
        err_set(e, ERR_CANCELLED, "request to %s cancelled", host);
        return HTTP_FAIL_CANCELLED;
    }
    if ((r == CURLE_WRITE_ERROR && t->too_large) || r == CURLE_FILESIZE_EXCEEDED) {
        err_set(e, ERR_RESOURCE_EXHAUSTED, "response from %s exceeds the %zu-byte limit", host,
                t->max_response);
        return HTTP_FAIL_TOO_LARGE;
    }
    if (t->read_failed) {
        err_set(e, ERR_UNAVAILABLE, "reading the request body for %s failed", host);
        return HTTP_FAIL_OTHER;
    }
    if (t->out_of_memory || r == CURLE_OUT_OF_MEMORY) {
        err_set(e, ERR_RESOURCE_EXHAUSTED, "out of memory reading the response from %s", host);
        return HTTP_FAIL_OTHER;
    }
    switch (r) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_CONNECT:
        err_set(e, ERR_UNAVAILABLE, "cannot connect to %s: %s", host, detail);
        return HTTP_FAIL_CONNECT;
    case CURLE_OPERATION_TIMEDOUT: {
        /* Nothing sent means the connect (or TLS handshake) timed out: the
         * request never reached AWS, so it is as safe to retry as a refusal. */
        long sent = 0;
        curl_easy_getinfo(h, CURLINFO_REQUEST_SIZE, &sent);
        if (sent <= 0) {
            err_set(e, ERR_UNAVAILABLE, "cannot connect to %s: timed out connecting", host);
            return HTTP_FAIL_CONNECT;
        }
        err_set(e, ERR_DEADLINE_EXCEEDED, "request to %s timed out after %ld ms", host, timeout_ms);
        return HTTP_FAIL_TIMEOUT;
    }
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_GOT_NOTHING:
        err_set(e, ERR_UNAVAILABLE, "connection to %s was reset: %s", host, detail);
        return HTTP_FAIL_RESET;
    case CURLE_PARTIAL_FILE:
        err_set(e, ERR_UNAVAILABLE, "response from %s ended early: %s", host, detail);
        return HTTP_FAIL_TRUNCATED;
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
        err_set(e, ERR_INVALID_ARGUMENT, "invalid URL for host %s: %s", host, detail);
        return HTTP_FAIL_OTHER;
    default:
        break;
    }
    /* Both TLS messages point at customCaBundle: behind a TLS-inspecting proxy
     * or with a private CA it is what the user has to set. */
    if (is_cert_error(r)) {
        err_set(e, ERR_UNAVAILABLE,
                "TLS certificate verification failed for %s (%s); if it is reached through a "
                "TLS-inspecting proxy or uses a private CA, set customCaBundle to a PEM file with "
                "that CA",
                host, detail);
        return HTTP_FAIL_TLS;
    }
    if (is_handshake_error(r)) {
        err_set(e, ERR_UNAVAILABLE,
                "TLS handshake with %s failed (%s); check that the endpoint speaks HTTPS, and set "
                "customCaBundle if a TLS-inspecting proxy sits in between",
                host, detail);
        return HTTP_FAIL_TLS;
    }
    err_set(e, ERR_UNAVAILABLE, "request to %s failed: %s", host, detail);
    return HTTP_FAIL_OTHER;
}

int http_do(http_client *c, const http_request *req, http_cancel_fn cancel, void *cancel_ctx,
            http_response *resp, enum http_failure *failure, err *e)
{
    int rc = -1;
    CURL *h = NULL;
    CURLM *m = NULL;
    bool added = false;
    struct curl_slist *headers = NULL;
    char host[256];
    char detail[CURL_ERROR_SIZE];
    transfer t;
    enum http_failure fail = HTTP_FAIL_OTHER;

    memset(resp, 0, sizeof(*resp));
    memset(&t, 0, sizeof(t));
    detail[0] = '\0';
    t.max_response = req->max_response ? req->max_response : HTTP_DEFAULT_MAX_RESPONSE;
    buf_init(&t.body, t.max_response);
    buf_init(&t.hdrs, HTTP_HEADERS_MAX + 1);
    t.cancel = cancel;
    t.cancel_ctx = cancel_ctx;
    t.resp = resp;
    t.req = req;

    if (!req->url) {
        err_set(e, ERR_INVALID_ARGUMENT, "HTTP request without a URL");
        goto out;
    }
    url_host(req->url, host, sizeof host);

    if (cancel && cancel(cancel_ctx)) {
        fail = HTTP_FAIL_CANCELLED;
        err_set(e, ERR_CANCELLED, "request to %s cancelled", host);
        goto out;
    }
    if (build_headers(req, &headers, e) != 0)
        goto out;

    h = curl_easy_init();
    m = curl_multi_init();
    if (!h || !m) {
        err_set(e, ERR_RESOURCE_EXHAUSTED, "cannot create a libcurl handle for %s", host);
        goto out;
    }
    CURLcode r = configure(c, h, req, &t, headers);
    if (r == CURLE_OK)
        r = curl_easy_setopt(h, CURLOPT_ERRORBUFFER, detail);
    if (r != CURLE_OK) {
        err_set(e, ERR_INTERNAL, "cannot configure the request to %s: %s", host,
                curl_easy_strerror(r));
        goto out;
    }
    if (curl_multi_setopt(m, CURLMOPT_MAXCONNECTS, HTTP_MAX_CONNECTIONS) != CURLM_OK ||
        curl_multi_add_handle(m, h) != CURLM_OK) {
        err_set(e, ERR_INTERNAL, "cannot start the request to %s", host);
        goto out;
    }
    added = true;

    r = run(m, h, &t);
    if (r != CURLE_OK) {
        long timeout = req->timeout_ms > 0 ? req->timeout_ms : c->timeout_ms;
        fail = classify(h, r, &t, host, detail, timeout, e);
        goto out;
    }

    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &resp->status);
    resp->body = buf_take(&t.body, &resp->body_len);
    if (!resp->body) {
        err_set(e, ERR_RESOURCE_EXHAUSTED, "out of memory reading the response from %s", host);
        goto out;
    }
    if (req->keep_headers) {
        if (t.out_of_memory || !(resp->headers = buf_take(&t.hdrs, &resp->headers_len))) {
            err_set(e, ERR_RESOURCE_EXHAUSTED, "out of memory reading the response from %s", host);
            goto out;
        }
    }
    fail = HTTP_OK;
    rc = 0;
out:
    if (added)
        curl_multi_remove_handle(m, h);
    if (m)
        curl_multi_cleanup(m);
    if (h)
        curl_easy_cleanup(h);
    curl_slist_free_all(headers);
    buf_free(&t.body);
    buf_free(&t.hdrs);
    if (rc != 0)
        http_response_free(resp);
    if (failure)
        *failure = fail;
    return rc;
}
