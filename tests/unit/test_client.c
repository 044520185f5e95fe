/* The client's retry loop against tests/support/fault_server.py: transient
 * statuses and throttling are retried up to maxRetries, client errors are
 * not, the final error names the service, operation and AWS code, and a
 * cancel aborts the wait between attempts. Also the credential chain's STS
 * calls (signed AssumeRole, unsigned AssumeRoleWithWebIdentity). (Happy paths run against moto in
 * tests/integration/test_aws_moto.py.) */
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

#define SECRET "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"

static fault_server server;

static int group_setup(void **state)
{
    (void)state;
    return fault_server_start(&server, false);
}

static int group_teardown(void **state)
{
    (void)state;
    fault_server_stop(&server);
    return 0;
}

/* A client whose SageMaker endpoint is the fault server at path. */
static aws_client *client_for(const char *path, int max_retries)
{
    static struct fake_env fe = {{{0}}}; /* nothing from the machine's environment */
    profile_env env = env_of(&fe);
    char url[128];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", server.port, path);
    aws_options o = {.env = &env,
                     .region = "us-east-1",
                     .access_key = "AKIAFAULTTEST",
                     .secret_key = SECRET,
                     .max_attempts = max_retries + 1};
    o.endpoints[ENDPOINTS_SAGEMAKER] = url; /* copied: the client keeps the resolved URL */
    aws_client *c = NULL;
    err e = {0};
    if (aws_client_new(&o, &c, &e) != 0)
        fail_msg("aws_client_new: %s", e.msg);
    return c;
}

/* How many requests the fault server has seen for path. */
static int hits(const char *path)
{
    http_options o = {.http_proxy = ""};
    http_client *h = NULL;
    err e = {0};
    assert_int_equal(http_client_new(&o, &h, &e), 0);
    char url[128];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/stats", server.port);
    http_request rq = {.method = "GET", .url = url};
    http_response r = {0};
    enum http_failure f;
    assert_int_equal(http_do(h, &rq, NULL, NULL, &r, &f, &e), 0);
    cJSON *j = cJSON_Parse(r.body);
    const cJSON *n = cJSON_GetObjectItem(cJSON_GetObjectItem(j, "paths"), path);
    int count = cJSON_IsNumber(n) ? n->valueint : 0;
    cJSON_Delete(j);
    http_response_free(&r);
    http_client_free(h);
    return count;
}

static void test_5xx_is_retried_then_reported(void **state)
{
    (void)state;
    aws_client *c = client_for("/status/503", 2);
    aws_cancel none = {0};
    char *out = NULL;
    err e = {0};
    int before = hits("/status/503");
    assert_int_equal(aws_json(c, ENDPOINTS_SAGEMAKER, "SageMaker.ListPipelines", "{}", true, none,
                              &out, NULL, &e),
                     -1);
    assert_int_equal(hits("/status/503") - before, 3); /* maxRetries 2 = 3 attempts */
    assert_int_equal(e.code, ERR_UNAVAILABLE);
    assert_non_null(strstr(e.msg, "sagemaker ListPipelines failed"));
    assert_non_null(strstr(e.msg, "FaultStatus"));
    assert_non_null(strstr(e.msg, "HTTP 503"));
    assert_null(strstr(e.msg, SECRET));
    aws_client_free(c);
}

static void test_throttling_is_retried(void **state)
{
    (void)state;
    aws_client *c = client_for("/throttle", 1);
    aws_cancel none = {0};
    char *out = NULL;
    err e = {0};
    int before = hits("/throttle");
    assert_int_equal(aws_json(c, ENDPOINTS_SAGEMAKER, "SageMaker.CreatePipeline", "{}", false, none,
                              &out, NULL, &e),
                     -1);
    assert_int_equal(hits("/throttle") - before, 2);
    assert_non_null(strstr(e.msg, "ThrottlingException"));
    aws_client_free(c);
}

static void test_client_errors_are_not_retried(void **state)
{
    (void)state;
    aws_client *c = client_for("/status/400", 5);
    aws_cancel none = {0};
    char *out = NULL;
    err e = {0};
    int before = hits("/status/400");
    assert_int_equal(aws_json(c, ENDPOINTS_SAGEMAKER, "SageMaker.DescribePipeline", "{}", true,
                              none, &out, NULL, &e),
                     -1);
    assert_int_equal(hits("/status/400") - before, 1);
    assert_int_equal(e.code, ERR_INVALID_ARGUMENT);
    aws_client_free(c);
}

static bool after_deadline(void *ctx)
{
    const struct timespec *deadline = ctx;
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return now.tv_sec > deadline->tv_sec ||
           (now.tv_sec == deadline->tv_sec && now.tv_nsec >= deadline->tv_nsec);
}

static void test_cancel_aborts_retry_waits(void **state)
{
    (void)state;
    aws_client *c = client_for("/status/503", 10);
    struct timespec start, deadline, end;
    clock_gettime(CLOCK_MONOTONIC, &start);
    deadline = start;
    deadline.tv_nsec += 300 * 1000000L;
    if (deadline.tv_nsec >= 1000000000L) {
        deadline.tv_sec++;
        deadline.tv_nsec -= 1000000000L;
    }
    aws_cancel cancel = {after_deadline, &deadline};
    char *out = NULL;
    err e = {0};
    int before = hits("/status/503");
    assert_int_equal(aws_json(c, ENDPOINTS_SAGEMAKER, "SageMaker.ListPipelines", "{}", true, cancel,
                              &out, NULL, &e),
                     -1);
    clock_gettime(CLOCK_MONOTONIC, &end);
    double secs = (double)(end.tv_sec - start.tv_sec) + (end.tv_nsec - start.tv_nsec) / 1e9;
    assert_int_equal(e.code, ERR_CANCELLED);
    assert_true(hits("/status/503") - before < 11); /* did not run every attempt */
    assert_true(secs < 2.0);                        /* and stopped soon after the cancel */
    aws_client_free(c);
}

/* The credential chain's two STS calls: AssumeRole signed with the base
 * credentials, AssumeRoleWithWebIdentity unsigned (the token is the proof);
 * what each answers is what the next call signs with. */
static void validate_through_sts(const aws_options *o)
{
    aws_client *c = NULL;
    aws_cancel none = {0};
    err e = {0};
    if (aws_client_new(o, &c, &e) != 0)
        fail_msg("aws_client_new: %s", e.msg);
    if (aws_client_validate(c, none, &e) != 0)
        fail_msg("aws_client_validate: %s", e.msg);
    assert_string_equal(aws_client_account_id(c), "123456789012");
    aws_client_free(c);
}

static void test_sts_calls_of_the_chain(void **state)
{
    (void)state;
    static struct fake_env fe = {{{0}}};
    static const creds_assume_role role = {.role_arn = "arn:aws:iam::123456789012:role/a",
                                           .session_name = "s"};
    static const creds_web_identity wi = {.role_arn = "arn:aws:iam::123456789012:role/w",
                                          .token = "a-web-identity-token"};
    profile_env env = env_of(&fe);
    char url[128];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/sts", server.port);
    const char *assumed = "/sts/GetCallerIdentity/ASIAFAULTSERVER0001";

    aws_options o = {.env = &env,
                     .region = "us-east-1",
                     .access_key = "AKIAFAULTTEST",
                     .secret_key = SECRET,
                     .assume_roles = &role,
                     .n_assume_roles = 1,
                     .max_attempts = 1};
    o.endpoints[ENDPOINTS_STS] = url;
    int roles = hits("/sts/AssumeRole/AKIAFAULTTEST"), ids = hits(assumed);
    validate_through_sts(&o);
    assert_int_equal(hits("/sts/AssumeRole/AKIAFAULTTEST") - roles, 1);
    assert_int_equal(hits(assumed) - ids, 1);

    o = (aws_options){.env = &env,
                      .region = "us-east-1",
                      .web_identity = &wi,
                      .skip_metadata_api_check = true,
                      .max_attempts = 1};
    o.endpoints[ENDPOINTS_STS] = url;
    int web = hits("/sts/AssumeRoleWithWebIdentity/unsigned");
    ids = hits(assumed);
    validate_through_sts(&o);
    assert_int_equal(hits("/sts/AssumeRoleWithWebIdentity/unsigned") - web, 1);
    assert_int_equal(hits(assumed) - ids, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_5xx_is_retried_then_reported),
        cmocka_unit_test(test_throttling_is_retried),
        cmocka_unit_test(test_client_errors_are_not_retried),
        cmocka_unit_test(test_cancel_aborts_retry_waits),
        cmocka_unit_test(test_sts_calls_of_the_chain),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
