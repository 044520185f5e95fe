/* http: the one HTTP client of awsml, on libcurl.
 *
 * TLS verification is always on unless the user sets `insecure`; a custom CA
 * bundle replaces the system store. Keep-alive connections are shared between
 * worker threads (a curl share handle), proxies come from the options or, when
 * unset, from the environment (curl's own http_proxy/https_proxy/no_proxy
 * handling), and every request has a connect and a total timeout. Response
 * bodies are capped. A cancel callback is polled during transfers so Cancel and
 * signals abort in-flight requests promptly.
 *
 * Nothing here logs a header or a body: requests carry credentials. */
#ifndef AWSML_AWS_HTTP_H
#define AWSML_AWS_HTTP_H

#include <stdbool.h>
#include <stddef.h>

#include "util/err.h"

#define HTTP_DEFAULT_MAX_RESPONSE ((size_t)16 * 1024 * 1024)
#define HTTP_DEFAULT_CONNECT_TIMEOUT_MS 10000L
#define HTTP_DEFAULT_TIMEOUT_MS 60000L

typedef struct http_options {
    const char *ca_bundle;   /* customCaBundle: a PEM file; NULL = system store */
    bool insecure;           /* skip TLS verification (only when the user asks) */
    const char *http_proxy;  /* NULL = environment */
    const char *https_proxy; /* NULL = environment */
    const char *no_proxy;    /* NULL = environment */
    const char *user_agent;  /* NULL = "awsml/<version>" */
    long connect_timeout_ms; /* 0 = default */
    long timeout_ms;         /* 0 = default */
} http_options;

typedef struct http_header {
    const char *name;
    const char *value;
} http_header;

/* A streamed request body: read copies up to n bytes into dst and returns how
 * many (0 only at the end), or HTTP_READ_FAILED to abort the request; rewind
 * starts it again from the first byte (before a retry), 0 or -1. */
#define HTTP_READ_FAILED ((size_t)-1)
typedef struct http_body_reader {
    size_t (*read)(void *ctx, char *dst, size_t n);
    int (*rewind)(void *ctx);
    void *ctx;
} http_body_reader;

/* Response headers a request asks for by name (http_request.capture). */
#define HTTP_MAX_CAPTURE 6
#define HTTP_CAPTURE_MAX 512

typedef struct http_request {
    const char *method; /* "GET", "POST", "PUT", "HEAD" */
    const char *url;    /* absolute http(s) URL */
    const http_header *headers;
    size_t n_headers;
    const void *body;
    size_t body_len; /* with reader: the exact length it will give */
    /* A streamed body instead of body (PUT): body_len bytes are read through
     * it while sending, never held whole in memory. */
    const http_body_reader *reader;
    /* Response headers to keep (case-insensitive names), at most
     * HTTP_MAX_CAPTURE: their values land in http_response.captured[i]. */
    const char *const *capture;
    size_t n_capture;
    long timeout_ms;     /* 0 = the client's */
    size_t max_response; /* 0 = HTTP_DEFAULT_MAX_RESPONSE */
    /* Send at most once: on a new connection. On a reused keep-alive
     * connection that dies before any byte of the answer, libcurl sends the
     * request again by itself (it cannot tell a stale connection from a server
     * that acted and then dropped it), which a call that is not idempotent
     * cannot afford. */
    bool fresh_connection;
    /* Keep every header of the response in http_response.headers (S3's
     * HeadObject: x-amz-meta-* and the object's settings). */
    bool keep_headers;
} http_request;

/* Why a request failed below HTTP, for retry decisions. */
enum http_failure {
    HTTP_OK = 0,         /* a complete response arrived (any status) */
    HTTP_FAIL_CONNECT,   /* never connected: nothing was sent, always safe to retry */
    HTTP_FAIL_TIMEOUT,   /* timed out after sending: the effect is unknown */
    HTTP_FAIL_RESET,     /* connection reset or closed mid-exchange: effect unknown */
    HTTP_FAIL_TRUNCATED, /* the response ended early: effect unknown */
    HTTP_FAIL_TOO_LARGE, /* the response exceeded max_response */
    HTTP_FAIL_TLS,       /* certificate or handshake problem: not retried */
    HTTP_FAIL_CANCELLED, /* the cancel callback said stop */
    HTTP_FAIL_OTHER,
};

typedef struct http_response {
    long status;
    char *body; /* NUL-terminated, body_len bytes */
    size_t body_len;
    char request_id[128]; /* x-amzn-RequestId or x-amz-request-id, if sent */
    char content_type[128];
    char amzn_error_type[256]; /* x-amzn-ErrorType, if sent (JSON protocols) */
    char bucket_region[64];    /* x-amz-bucket-region, if sent (S3) */
    /* The values of http_request.capture, in its order ("" when absent;
     * longer values are cut). */
    char captured[HTTP_MAX_CAPTURE][HTTP_CAPTURE_MAX];
    /* With http_request.keep_headers: the final response's headers as
     * "name: value\n" lines (values trimmed; at most HTTP_HEADERS_MAX bytes),
     * NULL otherwise. http_header_value() finds one. */
    char *headers;
    size_t headers_len;
} http_response;

#define HTTP_HEADERS_MAX ((size_t)64 * 1024)

/* The value of header name in r->headers (case-insensitive), copied into out
 * (cap bytes, cut when longer); false when absent. With prefix set, name is a
 * prefix and the i-th header that starts with it is found (its full name in
 * name_out, name_cap bytes). */
bool http_header_value(const http_response *r, const char *name, char *out, size_t cap);
bool http_header_prefixed(const http_response *r, const char *prefix, size_t i, char *name_out,
                          size_t name_cap, char *out, size_t cap);

typedef bool (*http_cancel_fn)(void *ctx);

typedef struct http_client http_client;

/* One client per provider; safe to use from many threads at once. */
int http_client_new(const http_options *opts, http_client **out, err *e);
void http_client_free(http_client *c);

/* Performs one request (no retries: see retry.h). On a transport failure
 * returns -1 with *failure set and e naming the host and what went wrong;
 * a complete response of any status returns 0. */
int http_do(http_client *c, const http_request *req, http_cancel_fn cancel, void *cancel_ctx,
            http_response *resp, enum http_failure *failure, err *e);
void http_response_free(http_response *r);

#endif
