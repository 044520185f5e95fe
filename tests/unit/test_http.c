/* Unit tests for provider/aws/http.c against tests/support/fault_server.py on
 * 127.0.0.1: responses of any status, each transport failure kind (reset,
 * truncation, timeout, size cap, cancel, refused connection), keep-alive reuse
 * and many threads sharing one client. The server is started by the group
 * setup; if it cannot start, the whole suite fails. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "aws/http.h"
#include "aws/retry.h"
#include "fault_server.h"

static fault_server server;
static http_client *client;

static int group_setup(void **state)
{
    (void)state;
    if (fault_server_start(&server, true) != 0)
        return -1;
    /* The proxy variables of the machine running the tests must not send
     * loopback requests elsewhere: the client gets an explicit empty proxy. */
    http_options o = {.connect_timeout_ms = 3000, .timeout_ms = 15000, .http_proxy = ""};
    err e = {0};
    if (http_client_new(&o, &client, &e) != 0) {
        fprintf(stderr, "http_client_new: %s\n", e.msg);
        fault_server_stop(&server);
        return -1;
    }
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    http_client_free(client);
    client = NULL;
    fault_server_stop(&server);
    return 0;
}

/* ---- helpers ------------------------------------------------------------- */

static void url_for(char *out, size_t cap, const char *path)
{
    snprintf(out, cap, "http://127.0.0.1:%d%s", server.port, path);
}

static long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* GET path with the given per-request timeout and cap (0 = defaults). */
static int get(http_client *c, const char *path, long timeout_ms, size_t max_response,
               http_response *resp, enum http_failure *f, err *e)
{
    char url[256];
    url_for(url, sizeof url, path);
    http_request req = {
        .method = "GET", .url = url, .timeout_ms = timeout_ms, .max_response = max_response};
    return http_do(c, &req, NULL, NULL, resp, f, e);
}

/* The server's count of accepted connections, read through client c. */
static long server_connections(http_client *c)
{
    http_response r;
    enum http_failure f;
    err e = {0};
    assert_int_equal(get(c, "/stats", 0, 0, &r, &f, &e), 0);
    assert_int_equal(r.status, 200);
    const char *p = strstr(r.body, "\"connections\": ");
    assert_non_null(p);
    long n = strtol(p + strlen("\"connections\": "), NULL, 10);
    http_response_free(&r);
    return n;
}

static void expect_failure(const char *path, long timeout_ms, size_t max_response,
                           enum http_failure want, int want_code)
{
    http_response r;
    enum http_failure f = HTTP_OK;
    err e = {0};
    int rc = get(client, path, timeout_ms, max_response, &r, &f, &e);
    if (rc == 0 || f != want)
        print_error("%s: rc %d failure %d (want %d) status %ld: %s\n", path, rc, (int)f, (int)want,
                    r.status, e.msg);
    assert_int_equal(rc, -1);
    assert_int_equal(f, want);
    assert_int_equal(e.code, want_code);
    /* The message names the host, never the path or the query. */
    assert_non_null(strstr(e.msg, "127.0.0.1"));
    assert_null(strstr(e.msg, "SECRETSIG"));
    assert_null(r.body);
    http_response_free(&r);
}

/* ---- tests ----------------------------------------------------------------- */

static void test_ok(void **state)
{
    (void)state;
    http_response r;
    enum http_failure f = HTTP_FAIL_OTHER;
    err e = {0};
    assert_int_equal(get(client, "/ok", 0, 0, &r, &f, &e), 0);
    assert_int_equal(f, HTTP_OK);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "hello from fault_server\n");
    assert_int_equal(r.body_len, strlen("hello from fault_server\n"));
    assert_string_equal(r.request_id, "req-ok");
    assert_string_equal(r.content_type, "text/plain");
    assert_string_equal(r.amzn_error_type, "");
    http_response_free(&r);
    http_response_free(&r); /* idempotent */
}

static void test_post_headers(void **state)
{
    (void)state;
    char url[256];
    url_for(url, sizeof url, "/echo");
    /* Big enough that curl would add "Expect: 100-continue" if let. */
    static char body[4000];
    memset(body, 'a', sizeof body);
    http_header h[] = {
        {"Content-Type", "application/x-amz-json-1.1"},
        {"X-Amz-Target", "SageMaker.DescribePipeline"},
        {"X-Empty", ""},
    };
    http_request req = {.method = "POST",
                        .url = url,
                        .headers = h,
                        .n_headers = 3,
                        .body = body,
                        .body_len = sizeof body};
    http_response r;
    enum http_failure f;
    err e = {0};
    assert_int_equal(http_do(client, &req, NULL, NULL, &r, &f, &e), 0);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.request_id, "req-echo"); /* x-amz-request-id, S3's spelling */
    assert_non_null(strstr(r.body, "\"method\": \"POST\""));
    assert_non_null(strstr(r.body, "\"body_len\": 4000"));
    assert_non_null(strstr(r.body, "\"user-agent\": \"awsml/" AWSML_VERSION "\""));
    assert_non_null(strstr(r.body, "\"x-amz-target\": \"SageMaker.DescribePipeline\""));
    assert_non_null(strstr(r.body, "\"content-type\": \"application/x-amz-json-1.1\""));
    assert_non_null(strstr(r.body, "\"x-empty\": \"\""));
    assert_null(strstr(r.body, "\"expect\""));
    http_response_free(&r);

    /* PUT without a body (the IMDSv2 token request) still says Content-Length: 0. */
    http_header ttl[] = {{"X-aws-ec2-metadata-token-ttl-seconds", "21600"}};
    http_request put = {.method = "PUT", .url = url, .headers = ttl, .n_headers = 1};
    assert_int_equal(http_do(client, &put, NULL, NULL, &r, &f, &e), 0);
    assert_non_null(strstr(r.body, "\"method\": \"PUT\""));
    assert_non_null(strstr(r.body, "\"content-length\": \"0\""));
    http_response_free(&r);

    /* HEAD: a status, no body. */
    http_request head = {.method = "HEAD", .url = url};
    assert_int_equal(http_do(client, &head, NULL, NULL, &r, &f, &e), 0);
    assert_int_equal(r.status, 200);
    assert_int_equal(r.body_len, 0);
    assert_string_equal(r.body, "");
    http_response_free(&r);

    /* A custom User-Agent replaces the default. */
    http_options o = {.user_agent = "custom-agent/1", .http_proxy = ""};
    http_client *c2 = NULL;
    assert_int_equal(http_client_new(&o, &c2, &e), 0);
    http_request g = {.method = "GET", .url = url};
    assert_int_equal(http_do(c2, &g, NULL, NULL, &r, &f, &e), 0);
    assert_non_null(strstr(r.body, "\"user-agent\": \"custom-agent/1\""));
    http_response_free(&r);
    http_client_free(c2);
}

static void test_bad_header(void **state)
{
    (void)state;
    char url[256];
    url_for(url, sizeof url, "/ok");
    http_header h[] = {{"X-Injected", "a\r\nX-Other: b"}};
    http_request req = {.method = "GET", .url = url, .headers = h, .n_headers = 1};
    http_response r;
    enum http_failure f;
    err e = {0};
    assert_int_equal(http_do(client, &req, NULL, NULL, &r, &f, &e), -1);
    assert_int_equal(e.code, ERR_INVALID_ARGUMENT);
    assert_int_equal(f, HTTP_FAIL_OTHER);
}

static void test_status_is_a_response(void **state)
{
    (void)state;
    http_response r;
    enum http_failure f = HTTP_FAIL_OTHER;
    err e = {0};
    assert_int_equal(get(client, "/status/503", 0, 0, &r, &f, &e), 0);
    assert_int_equal(f, HTTP_OK);
    assert_int_equal(r.status, 503);
    assert_string_equal(r.request_id, "req-status-503");
    assert_string_equal(r.amzn_error_type, "FaultStatus");
    assert_string_equal(r.content_type, "application/json");
    assert_non_null(strstr(r.body, "FaultStatus"));
    assert_true(retry_should(NULL, 1, f, r.status, NULL, false));
    http_response_free(&r);

    assert_int_equal(get(client, "/status/404", 0, 0, &r, &f, &e), 0);
    assert_int_equal(r.status, 404);
    assert_false(retry_should(NULL, 1, f, r.status, NULL, true));
    http_response_free(&r);
}

static void test_throttle(void **state)
{
    (void)state;
    http_response r;
    enum http_failure f;
    err e = {0};
    assert_int_equal(get(client, "/throttle", 0, 0, &r, &f, &e), 0);
    assert_int_equal(r.status, 400);
    assert_string_equal(r.amzn_error_type, "ThrottlingException:http://internal");
    assert_non_null(strstr(r.body, "ThrottlingException"));
    assert_true(retry_should(NULL, 1, f, r.status, "ThrottlingException", false));
    http_response_free(&r);

    assert_int_equal(get(client, "/throttle?format=xml", 0, 0, &r, &f, &e), 0);
    assert_int_equal(r.status, 400);
    assert_string_equal(r.content_type, "text/xml");
    assert_string_equal(r.request_id, "req-throttle-xml");
    assert_non_null(strstr(r.body, "<Code>Throttling</Code>"));
    http_response_free(&r);
}

static void test_reset(void **state)
{
    (void)state;
    expect_failure("/reset?X-Amz-Signature=SECRETSIG", 0, 0, HTTP_FAIL_RESET, ERR_UNAVAILABLE);
}

static void test_truncated(void **state)
{
    (void)state;
    expect_failure("/truncate", 0, 0, HTTP_FAIL_TRUNCATED, ERR_UNAVAILABLE);
}

static void test_timeout(void **state)
{
    (void)state;
    long t0 = now_ms();
    expect_failure("/slow?ms=5000&X-Amz-Signature=SECRETSIG", 300, 0, HTTP_FAIL_TIMEOUT,
                   ERR_DEADLINE_EXCEEDED);
    long took = now_ms() - t0;
    assert_true(took >= 250 && took < 3000);
}

static void test_too_large(void **state)
{
    (void)state;
    /* Known length: refused from Content-Length. */
    expect_failure("/big?bytes=200000", 0, 100000, HTTP_FAIL_TOO_LARGE, ERR_RESOURCE_EXHAUSTED);
    /* Unknown length (chunked): stopped by the running count. */
    expect_failure("/big?bytes=200000&chunked=1", 0, 100000, HTTP_FAIL_TOO_LARGE,
                   ERR_RESOURCE_EXHAUSTED);
    /* Exactly at the cap is fine. */
    http_response r;
    enum http_failure f;
    err e = {0};
    assert_int_equal(get(client, "/big?bytes=100000&chunked=1", 0, 100000, &r, &f, &e), 0);
    assert_int_equal(r.body_len, 100000);
    assert_int_equal(strlen(r.body), 100000);
    http_response_free(&r);
    assert_int_equal(get(client, "/big?bytes=100000", 0, 100000, &r, &f, &e), 0);
    assert_int_equal(r.body_len, 100000);
    http_response_free(&r);
    /* HEAD of a large object: its Content-Length is over the cap, but no body
     * comes, so nothing is refused (S3 HeadObject after a big upload). */
    char url[256];
    url_for(url, sizeof url, "/big?bytes=200000");
    http_request head = {.method = "HEAD", .url = url, .max_response = 100000};
    assert_int_equal(http_do(client, &head, NULL, NULL, &r, &f, &e), 0);
    assert_int_equal(r.status, 200);
    assert_int_equal(r.body_len, 0);
    http_response_free(&r);
}

typedef struct cancel_after {
    long deadline_ms;
    int calls;
} cancel_after;

static bool cancel_when_due(void *ctx)
{
    cancel_after *c = ctx;
    c->calls++;
    return now_ms() >= c->deadline_ms;
}

static void test_cancel(void **state)
{
    (void)state;
    char url[256];
    url_for(url, sizeof url, "/slow?ms=20000");
    http_request req = {.method = "GET", .url = url, .timeout_ms = 30000};
    http_response r;
    enum http_failure f = HTTP_OK;
    err e = {0};

    long t0 = now_ms();
    cancel_after ca = {.deadline_ms = t0 + 200};
    assert_int_equal(http_do(client, &req, cancel_when_due, &ca, &r, &f, &e), -1);
    long took = now_ms() - t0;
    assert_int_equal(f, HTTP_FAIL_CANCELLED);
    assert_int_equal(e.code, ERR_CANCELLED);
    assert_true(took >= 200);
    assert_true(took < 1000); /* prompt: well before curl's 1 s progress tick */
    assert_false(retry_should(NULL, 1, f, 0, NULL, true));

    /* Already cancelled: nothing is sent. */
    cancel_after now = {.deadline_ms = 0};
    assert_int_equal(http_do(client, &req, cancel_when_due, &now, &r, &f, &e), -1);
    assert_int_equal(f, HTTP_FAIL_CANCELLED);

    /* A cancel callback that never fires does not disturb a normal request. */
    url_for(url, sizeof url, "/ok");
    cancel_after never = {.deadline_ms = now_ms() + 3600000};
    assert_int_equal(http_do(client, &req, cancel_when_due, &never, &r, &f, &e), 0);
    assert_int_equal(r.status, 200);
    http_response_free(&r);
}

/* A loopback port nobody listens on: bound, read back, then closed. */
static int closed_port(void)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(s >= 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = 0};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(s, (struct sockaddr *)&a, sizeof a), 0);
    socklen_t len = sizeof a;
    assert_int_equal(getsockname(s, (struct sockaddr *)&a, &len), 0);
    close(s);
    return ntohs(a.sin_port);
}

static void test_refused(void **state)
{
    (void)state;
    char url[256];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/x?X-Amz-Signature=SECRETSIG", closed_port());
    http_request req = {.method = "POST", .url = url, .body = "Action=CreateRole", .body_len = 17};
    http_response r;
    enum http_failure f = HTTP_OK;
    err e = {0};
    assert_int_equal(http_do(client, &req, NULL, NULL, &r, &f, &e), -1);
    assert_int_equal(f, HTTP_FAIL_CONNECT);
    assert_int_equal(e.code, ERR_UNAVAILABLE);
    assert_non_null(strstr(e.msg, "127.0.0.1"));
    assert_null(strstr(e.msg, "SECRETSIG"));
    /* Never sent: safe to retry even a non-idempotent call. */
    assert_true(retry_should(NULL, 1, f, 0, NULL, false));
}

static void test_proxy_option(void **state)
{
    (void)state;
    /* A proxy from the options is used: pointing at a dead port, the request
     * fails to connect instead of reaching the (working) server. */
    char proxy[64];
    snprintf(proxy, sizeof proxy, "http://127.0.0.1:%d", closed_port());
    http_options o = {.http_proxy = proxy};
    http_client *c2 = NULL;
    err e = {0};
    assert_int_equal(http_client_new(&o, &c2, &e), 0);
    http_response r;
    enum http_failure f;
    assert_int_equal(get(c2, "/ok", 0, 0, &r, &f, &e), -1);
    assert_int_equal(f, HTTP_FAIL_CONNECT);
    http_client_free(c2);

    /* no_proxy from the options exempts the host. */
    o.no_proxy = "127.0.0.1";
    assert_int_equal(http_client_new(&o, &c2, &e), 0);
    assert_int_equal(get(c2, "/ok", 0, 0, &r, &f, &e), 0);
    assert_int_equal(r.status, 200);
    http_response_free(&r);
    http_client_free(c2);
}

static void test_ca_bundle(void **state)
{
    (void)state;
    http_options o = {.ca_bundle = "/nonexistent/awsml-test-ca.pem"};
    http_client *c2 = NULL;
    err e = {0};
    assert_int_equal(http_client_new(&o, &c2, &e), -1);
    assert_null(c2);
    assert_int_equal(e.code, ERR_INVALID_ARGUMENT);
    assert_non_null(strstr(e.msg, "/nonexistent/awsml-test-ca.pem"));
    assert_non_null(strstr(e.msg, "customCaBundle"));

    /* A readable bundle is accepted (it only matters for https). */
    o.ca_bundle = "tests/support/fault_server.py";
    assert_int_equal(http_client_new(&o, &c2, &e), 0);
    http_client_free(c2);
    http_client_free(NULL);
}

static void test_tls(void **state)
{
    (void)state;
    char url[256];
    snprintf(url, sizeof url, "https://127.0.0.1:%d/ok?X-Amz-Signature=SECRETSIG", server.tls_port);
    http_request req = {.method = "GET", .url = url};
    http_response r;
    enum http_failure f = HTTP_OK;
    err e = {0};

    /* The system store does not know the self-signed certificate. */
    http_options o = {.http_proxy = "", .https_proxy = ""};
    http_client *c2 = NULL;
    assert_int_equal(http_client_new(&o, &c2, &e), 0);
    assert_int_equal(http_do(c2, &req, NULL, NULL, &r, &f, &e), -1);
    assert_int_equal(f, HTTP_FAIL_TLS);
    assert_int_equal(e.code, ERR_UNAVAILABLE);
    assert_non_null(strstr(e.msg, "certificate verification failed"));
    assert_non_null(strstr(e.msg, "customCaBundle"));
    assert_non_null(strstr(e.msg, "127.0.0.1"));
    assert_null(strstr(e.msg, "SECRETSIG"));
    assert_false(retry_should(NULL, 1, f, 0, NULL, true));
    http_client_free(c2);

    /* customCaBundle naming it: verified and accepted. */
    o.ca_bundle = server.tls_cert;
    assert_int_equal(http_client_new(&o, &c2, &e), 0);
    assert_int_equal(http_do(c2, &req, NULL, NULL, &r, &f, &e), 0);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.request_id, "req-ok");
    http_response_free(&r);
    http_client_free(c2);

    /* insecure: accepted without verification. */
    http_options ins = {.insecure = true, .http_proxy = "", .https_proxy = ""};
    assert_int_equal(http_client_new(&ins, &c2, &e), 0);
    assert_int_equal(http_do(c2, &req, NULL, NULL, &r, &f, &e), 0);
    assert_int_equal(r.status, 200);
    http_response_free(&r);

    /* https to a plain-HTTP port: a handshake failure, also TLS. */
    snprintf(url, sizeof url, "https://127.0.0.1:%d/ok", server.port);
    assert_int_equal(http_do(c2, &req, NULL, NULL, &r, &f, &e), -1);
    assert_int_equal(f, HTTP_FAIL_TLS);
    assert_non_null(strstr(e.msg, "customCaBundle"));
    http_client_free(c2);
}

static void test_keepalive(void **state)
{
    (void)state;
    http_options o = {.http_proxy = ""};
    http_client *c2 = NULL;
    err e = {0};
    assert_int_equal(http_client_new(&o, &c2, &e), 0);
    long before = server_connections(c2); /* opens the connection the rest reuse */
    for (int i = 0; i < 3; i++) {
        http_response r;
        enum http_failure f;
        assert_int_equal(get(c2, "/ok", 0, 0, &r, &f, &e), 0);
        assert_int_equal(r.status, 200);
        http_response_free(&r);
    }
    long after = server_connections(c2);
    assert_int_equal(after, before);
    http_client_free(c2);
}

#define N_THREADS 16
#define N_PER_THREAD 25

typedef struct worker {
    pthread_t tid;
    int ok;
    char msg[2300]; /* path + an err message */
} worker;

static void *work(void *arg)
{
    worker *w = arg;
    for (int i = 0; i < N_PER_THREAD; i++) {
        http_response r;
        enum http_failure f;
        err e = {0};
        const char *path = (i % 5 == 4) ? "/status/503" : "/ok";
        if (get(client, path, 0, 0, &r, &f, &e) != 0) {
            snprintf(w->msg, sizeof w->msg, "%s: %s", path, e.msg);
            return NULL;
        }
        long want = (i % 5 == 4) ? 503 : 200;
        bool good = r.status == want && (want != 200 || strcmp(r.request_id, "req-ok") == 0);
        http_response_free(&r);
        if (!good) {
            snprintf(w->msg, sizeof w->msg, "%s: unexpected response", path);
            return NULL;
        }
        w->ok++;
    }
    return NULL;
}

static void test_threads(void **state)
{
    (void)state;
    long before = server_connections(client);
    static worker w[N_THREADS];
    memset(w, 0, sizeof w);
    for (int i = 0; i < N_THREADS; i++)
        assert_int_equal(pthread_create(&w[i].tid, NULL, work, &w[i]), 0);
    for (int i = 0; i < N_THREADS; i++)
        pthread_join(w[i].tid, NULL);
    for (int i = 0; i < N_THREADS; i++) {
        if (w[i].msg[0])
            print_error("thread %d: %s\n", i, w[i].msg);
        assert_int_equal(w[i].ok, N_PER_THREAD);
    }
    /* Connections are shared and kept: far fewer than one per request. */
    long opened = server_connections(client) - before;
    print_message("%ld new connections for %d requests\n", opened, N_THREADS * N_PER_THREAD);
    assert_true(opened <= 2 * N_THREADS);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ok),         cmocka_unit_test(test_post_headers),
        cmocka_unit_test(test_bad_header), cmocka_unit_test(test_status_is_a_response),
        cmocka_unit_test(test_throttle),   cmocka_unit_test(test_reset),
        cmocka_unit_test(test_truncated),  cmocka_unit_test(test_timeout),
        cmocka_unit_test(test_too_large),  cmocka_unit_test(test_cancel),
        cmocka_unit_test(test_refused),    cmocka_unit_test(test_proxy_option),
        cmocka_unit_test(test_ca_bundle),  cmocka_unit_test(test_tls),
        cmocka_unit_test(test_keepalive),  cmocka_unit_test(test_threads),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
