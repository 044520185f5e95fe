/* Calls whose effect is unknown: what the client reports in aws_outcome
 * (maybe_applied after a 5xx, a reset, a cut-short answer or a timeout, never
 * after throttling, a 4xx or a refused connection), that a call which is not
 * idempotent (or whose outcome is tracked) is sent exactly once even on a
 * reused keep-alive connection that the server resets (libcurl would re-send
 * it by itself), the AWSML_HTTP_TIMEOUT_MS / AWSML_RETRY_BASE_MS knobs, and
 * res_created_since, which tells "created by this call" from "older".
 *
 * Against tests/support/fault_server.py and, for the reset on a reused
 * connection, tests/support/fault_proxy.py in front of it (run from the repo
 * root). The e2e suite tests/e2e/test_faults.py drives the same paths through
 * the resources against moto. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cJSON.h>
#include <cmocka.h>

#include "aws/client.h"
#include "fake_env.h"
#include "fault_server.h"
#include "resources/common.h"

#define SECRET "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"

static fault_server server;
static fault_server proxy; /* fault_proxy.py: same life cycle, other program */

static int start_proxy(fault_server *s, int upstream_port)
{
    int in[2] = {-1, -1}, outp[2] = {-1, -1};
    char up[64];
    memset(s, 0, sizeof(*s));
    s->pid = -1;
    s->stdin_fd = -1;
    snprintf(up, sizeof(up), "http://127.0.0.1:%d", upstream_port);
    if (pipe(in) != 0 || pipe(outp) != 0)
        return -1;
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        dup2(in[0], 0);
        dup2(outp[1], 1);
        close(in[0]);
        close(in[1]);
        close(outp[0]);
        close(outp[1]);
        execlp("python3", "python3", "tests/support/fault_proxy.py", "--upstream", up,
               (char *)NULL);
        _exit(127);
    }
    close(in[0]);
    close(outp[1]);
    s->pid = pid;
    s->stdin_fd = in[1];
    char line[64];
    int rc = fault_server_read_line(outp[0], line, sizeof line) == 0 &&
                     fault_server_parse_port(line, &s->port) == 0
                 ? 0
                 : -1;
    close(outp[0]);
    if (rc != 0) {
        fprintf(stderr, "fault_proxy.py did not start (run the tests from the repo root)\n");
        fault_server_stop(s);
    }
    return rc;
}

static int group_setup(void **state)
{
    (void)state;
    if (fault_server_start(&server, false) != 0)
        return -1;
    return start_proxy(&proxy, server.port);
}

static int group_teardown(void **state)
{
    (void)state;
    fault_server_stop(&proxy);
    fault_server_stop(&server);
    return 0;
}

/* A client whose SageMaker endpoint is port + path, with extra environment. */
static aws_client *client_env(int port, const char *path, int max_retries, const char *k1,
                              const char *v1, err *e)
{
    static struct fake_env fe;
    memset(&fe, 0, sizeof(fe));
    fe.vars[0][0] = k1;
    fe.vars[0][1] = v1;
    profile_env env = env_of(&fe);
    char url[128];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", port, path);
    aws_options o = {.env = &env,
                     .region = "us-east-1",
                     .access_key = "AKIAFAULTTEST",
                     .secret_key = SECRET,
                     .max_attempts = max_retries + 1};
    o.endpoints[ENDPOINTS_SAGEMAKER] = url; /* copied: the client keeps the resolved URL */
    aws_client *c = NULL;
    return aws_client_new(&o, &c, e) == 0 ? c : NULL;
}

static aws_client *client_for(int port, const char *path, int max_retries)
{
    err e = {0};
    aws_client *c = client_env(port, path, max_retries, NULL, NULL, &e);
    if (!c)
        fail_msg("aws_client_new: %s", e.msg);
    return c;
}

/* One JSON 1.1 call; returns its outcome, the error in *e. */
static aws_outcome call(aws_client *c, const char *target, bool idempotent, int *rc, err *e)
{
    aws_outcome oc = {0};
    aws_cancel none = {0};
    char *out = NULL;
    *rc = aws_json_ex(c, ENDPOINTS_SAGEMAKER, target, "{}", idempotent, none, &oc, &out, NULL, e);
    free(out);
    return oc;
}

static void test_outcome_of_answers(void **state)
{
    (void)state;
    static const struct {
        const char *path;
        bool maybe_applied;
    } cases[] = {
        {"/status/500", true},                        /* AWS may have acted before failing */
        {"/status/503", true},  {"/throttle", false}, /* throttling: AWS did not act */
        {"/status/400", false},                       /* refused */
        {"/status/409", false},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        aws_client *c = client_for(server.port, cases[i].path, 1);
        err e = {0};
        int rc;
        aws_outcome oc = call(c, "SageMaker.CreatePipeline", false, &rc, &e);
        assert_int_equal(rc, -1);
        if (oc.maybe_applied != cases[i].maybe_applied)
            fail_msg("%s: maybe_applied %d, want %d (%s)", cases[i].path, oc.maybe_applied,
                     cases[i].maybe_applied, e.msg);
        aws_client_free(c);
    }
}

static void test_outcome_of_transport_failures(void **state)
{
    (void)state;
    /* Sent, then reset or cut short: not retried (not idempotent), maybe applied. */
    const char *paths[] = {"/reset", "/truncate"};
    for (size_t i = 0; i < 2; i++) {
        aws_client *c = client_for(server.port, paths[i], 3);
        err e = {0};
        int rc;
        aws_outcome oc = call(c, "SageMaker.CreatePipeline", false, &rc, &e);
        assert_int_equal(rc, -1);
        assert_true(oc.maybe_applied);
        assert_null(strstr(e.msg, "after retries")); /* sent once */
        aws_client_free(c);
    }

    /* Nothing listens: never sent, so nothing can have happened. */
    fault_server dead;
    assert_int_equal(fault_server_start(&dead, false), 0);
    int dead_port = dead.port;
    fault_server_stop(&dead);
    aws_client *c = client_for(dead_port, "/ok", 1);
    err e = {0};
    int rc;
    aws_outcome oc = call(c, "SageMaker.CreatePipeline", false, &rc, &e);
    assert_int_equal(rc, -1);
    assert_false(oc.maybe_applied);
    aws_client_free(c);
}

static void test_timeout_knob_and_outcome(void **state)
{
    (void)state;
    err e = {0};
    aws_client *c = client_env(server.port, "/slow", 0, "AWSML_HTTP_TIMEOUT_MS", "300", &e);
    assert_non_null(c);
    int rc;
    aws_outcome oc = call(c, "SageMaker.CreatePipeline", false, &rc, &e);
    assert_int_equal(rc, -1);
    if (!oc.maybe_applied || !strstr(e.msg, "timed out after 300 ms"))
        fail_msg("maybe_applied %d: %s", oc.maybe_applied, e.msg);
    aws_client_free(c);
}

static void test_knobs_are_validated(void **state)
{
    (void)state;
    static const char *const bad[][2] = {
        {"AWSML_HTTP_TIMEOUT_MS", "soon"}, {"AWSML_HTTP_TIMEOUT_MS", "50"},
        {"AWSML_HTTP_TIMEOUT_MS", "1.5"},  {"AWSML_RETRY_BASE_MS", "0"},
        {"AWSML_RETRY_BASE_MS", "-3"},     {"AWSML_RETRY_BASE_MS", "600000"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        err e = {0};
        aws_client *c = client_env(server.port, "/ok", 0, bad[i][0], bad[i][1], &e);
        if (c)
            fail_msg("%s=%s was accepted", bad[i][0], bad[i][1]);
        assert_int_equal(e.code, ERR_INVALID_ARGUMENT);
        assert_non_null(strstr(e.msg, bad[i][0]));
        assert_non_null(strstr(e.msg, "whole number"));
    }
    err e = {0};
    aws_client *c = client_env(server.port, "/ok", 0, "AWSML_RETRY_BASE_MS", "25", &e);
    assert_non_null(c);
    aws_client_free(c);
}

/* ---- the proxy: reset on a reused connection ---------------------------------------- */

static int proxy_post(const char *path, const char *body, char **out)
{
    http_options o = {.http_proxy = ""};
    http_client *h = NULL;
    err e = {0};
    assert_int_equal(http_client_new(&o, &h, &e), 0);
    char url[128];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", proxy.port, path);
    http_request rq = {.method = body ? "POST" : "GET",
                       .url = url,
                       .body = body,
                       .body_len = body ? strlen(body) : 0};
    http_response r = {0};
    enum http_failure f;
    assert_int_equal(http_do(h, &rq, NULL, NULL, &r, &f, &e), 0);
    int status = (int)r.status;
    if (out) {
        *out = r.body;
        r.body = NULL;
    }
    http_response_free(&r);
    http_client_free(h);
    return status;
}

/* How many requests of action the proxy has seen since the last clear. */
static int proxy_count(const char *action)
{
    char *log = NULL;
    assert_int_equal(proxy_post("/__fault/log", NULL, &log), 200);
    cJSON *j = cJSON_Parse(log);
    int n = 0;
    const cJSON *it;
    cJSON_ArrayForEach(it, j)
    {
        const cJSON *a = cJSON_GetObjectItem(it, "action");
        if (cJSON_IsString(a) && strcmp(a->valuestring, action) == 0)
            n++;
    }
    cJSON_Delete(j);
    free(log);
    return n;
}

static void test_sent_once_when_a_reused_connection_is_reset(void **state)
{
    (void)state;
    /* Warm a keep-alive connection through the proxy to fault_server's /ok. */
    aws_client *c = client_for(proxy.port, "/ok", 0);
    err e = {0};
    int rc;
    assert_int_equal(proxy_post("/__fault/clear", "", NULL), 200);
    call(c, "SageMaker.ListPipelines", true, &rc, &e);
    assert_int_equal(rc, 0);
    assert_int_equal(proxy_post("/__fault/rules",
                                "[{\"action\": \"*\", \"fault\": \"reset\", \"times\": 0}]", NULL),
                     200);

    /* Not idempotent: one request on the wire, and maybe applied. */
    aws_outcome oc = call(c, "SageMaker.CreatePipeline", false, &rc, &e);
    assert_int_equal(rc, -1);
    assert_true(oc.maybe_applied);
    assert_int_equal(proxy_count("CreatePipeline"), 1);

    /* Idempotent but tracked (a create with a client token): also exactly once. */
    assert_int_equal(proxy_post("/__fault/rules", "[]", NULL), 200);
    call(c, "SageMaker.ListPipelines", true, &rc, &e);
    assert_int_equal(rc, 0);
    assert_int_equal(proxy_post("/__fault/rules",
                                "[{\"action\": \"*\", \"fault\": \"reset\", \"times\": 0}]", NULL),
                     200);
    oc = call(c, "SageMaker.DeleteThing", true, &rc, &e);
    assert_int_equal(rc, -1);
    assert_true(oc.maybe_applied);
    assert_int_equal(proxy_count("DeleteThing"), 1);
    assert_int_equal(proxy_post("/__fault/clear", "", NULL), 200);
    aws_client_free(c);
}

/* ---- res_created_since ---------------------------------------------------------------- */

static void test_created_since(void **state)
{
    (void)state;
    time_t started = 1700000000, now = started + 20;
    assert_true(res_created_since("2023-11-14T22:13:20Z", started, now));      /* = started */
    assert_true(res_created_since("2023-11-14T22:13:30.123Z", started, now));  /* fraction */
    assert_true(res_created_since("2023-11-14T22:10:00+00:00", started, now)); /* skew */
    assert_true(res_created_since("1700000010.5", started, now));              /* epoch */
    assert_false(res_created_since("2023-11-14T22:05:00Z", started, now));     /* 8 min before */
    assert_false(res_created_since("1699990000", started, now));
    assert_false(res_created_since("2023-11-14T23:13:20Z", started, now)); /* future */
    assert_false(res_created_since("", started, now));
    assert_false(res_created_since(NULL, started, now));
    assert_false(res_created_since("yesterday", started, now));
    assert_false(res_created_since("2023-11-14T22:13:20+02:00", started, now)); /* unread */
}

/* ---- res_create_adopting and res_adopt ---------------------------------------------- */

/* A scripted create: each attempt fails with codes[i] (0: succeeds), maybe
 * applied when maybe[i]; the lookup answers adopt_as. */
typedef struct script {
    int codes[4];
    bool maybe[4];
    enum res_adopt adopt_as;
    int calls, adopts;
} script;

static int script_call(res_ctx *ctx, void *arg, aws_outcome *oc, err *e)
{
    script *s = arg;
    int i = s->calls++;
    if (!s->codes[i])
        return 0;
    oc->maybe_applied = s->maybe[i];
    return err_set(e, (enum err_code)s->codes[i], "attempt %d failed", i + 1);
}

static enum res_adopt script_adopt(res_ctx *ctx, void *arg, time_t started, err *e)
{
    script *s = arg;
    s->adopts++;
    if (s->adopt_as == RES_ADOPT_OURS)
        err_clear(e);
    return s->adopt_as;
}

static bool aborted(const err *e)
{
    return e->code == ERR_ABORTED;
}

static void test_create_adopting(void **state)
{
    (void)state;
    res_ctx ctx = {.name = "thing"};
    const res_create c = {.call = script_call,
                          .adopt = script_adopt,
                          .retry_if = aborted,
                          .budget_ms = 5000,
                          .status = "waiting"};
    err e = {0};
    /* created at the second attempt, after a retryable failure */
    script s = {.codes = {ERR_ABORTED, 0}};
    assert_int_equal(res_create_adopting(&ctx, &c, &s, 0, &e), 0);
    assert_int_equal(s.calls, 2);
    assert_int_equal(e.code, ERR_OK);
    /* the answer lost: the lookup decides, ours, unknown or someone else's */
    s = (script){.codes = {ERR_UNAVAILABLE}, .maybe = {true}, .adopt_as = RES_ADOPT_OURS};
    assert_int_equal(res_create_adopting(&ctx, &c, &s, 0, &e), 0);
    assert_int_equal(s.adopts, 1);
    s = (script){.codes = {ERR_UNAVAILABLE}, .maybe = {true}, .adopt_as = RES_ADOPT_UNKNOWN};
    assert_int_equal(res_create_adopting(&ctx, &c, &s, 0, &e), 1);
    s = (script){.codes = {ERR_UNAVAILABLE}, .maybe = {true}, .adopt_as = RES_ADOPT_FOREIGN};
    assert_int_equal(res_create_adopting(&ctx, &c, &s, 0, &e), -1);
    assert_int_equal(s.calls, 1);
    /* absent and not retryable: the create's error stands */
    s = (script){.codes = {ERR_UNAVAILABLE}, .maybe = {true}, .adopt_as = RES_ADOPT_ABSENT};
    assert_int_equal(res_create_adopting(&ctx, &c, &s, 0, &e), -1);
    assert_int_equal(e.code, ERR_UNAVAILABLE);
    /* "already exists" is looked up only when an earlier create was interrupted */
    s = (script){.codes = {ERR_ALREADY_EXISTS}, .adopt_as = RES_ADOPT_OURS};
    assert_int_equal(res_create_adopting(&ctx, &c, &s, 0, &e), -1);
    assert_int_equal(s.adopts, 0);
    s = (script){.codes = {ERR_ALREADY_EXISTS}, .adopt_as = RES_ADOPT_OURS};
    assert_int_equal(res_create_adopting(&ctx, &c, &s, time(NULL) - 60, &e), 0);
    assert_int_equal(s.adopts, 1);

    /* a resource AWS keeps no time of, absent before the create: ours */
    err none = {0};
    err_set(&e, ERR_UNAVAILABLE, "connection reset");
    assert_int_equal(res_adopt(&ctx, "iam role policy attachment", "AttachRolePolicy",
                               "iam/rolePolicyAttachment:RolePolicyAttachment", "r/arn", 0, &none,
                               RES_CREATED_DURING, NULL, &e),
                     RES_ADOPT_OURS);
    assert_int_equal(e.code, ERR_OK);
    err_set(&e, ERR_UNAVAILABLE, "connection reset");
    err lost = {0};
    err_set(&lost, ERR_UNAVAILABLE, "throttled");
    assert_int_equal(res_adopt(&ctx, "iam role policy attachment", "AttachRolePolicy",
                               "iam/rolePolicyAttachment:RolePolicyAttachment", "r/arn", 0, &lost,
                               RES_CREATED_DURING, NULL, &e),
                     RES_ADOPT_UNKNOWN);
    assert_non_null(strstr(e.msg, "whether AttachRolePolicy created it is unknown"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_outcome_of_answers),
        cmocka_unit_test(test_outcome_of_transport_failures),
        cmocka_unit_test(test_timeout_knob_and_outcome),
        cmocka_unit_test(test_knobs_are_validated),
        cmocka_unit_test(test_sent_once_when_a_reused_connection_is_reset),
        cmocka_unit_test(test_created_since),
        cmocka_unit_test(test_create_adopting),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
