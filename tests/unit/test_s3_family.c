/* The bucket family's hooks against the recording S3 endpoint of
 * tests/support/fault_server.py (/s3rec), for what moto cannot show: the
 * public access block, policy and encryption of one bucket created at the same
 * time on three threads reach S3 one at a time (the per-bucket lock), while
 * another bucket's go on in parallel; 409 OperationAborted and the NoSuchBucket
 * of a bucket created a moment ago are retried with the shared backoff; the
 * bodies carry Content-MD5. Also Check rules moto never sees. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>
#include <cmocka.h>

#include "aws/client.h"
#include "fake_env.h"
#include "fault_server.h"
#include "resource.h"
#include "resources/common.h"
#include "resources/engine.h"
#include "resources/s3_shared.h"

extern const resource_type s3_bucket_type;
extern const resource_type s3_public_access_block_type;
extern const resource_type s3_encryption_type;
extern const resource_type s3_policy_type;
extern const resource_type s3_versioning_type;

static fault_server server;
static aws_client *client;

static aws_client *client_for(const char *region, err *e)
{
    (void)region;
    (void)e;
    return client;
}

static int group_setup(void **state)
{
    (void)state;
    if (fault_server_start(&server, false) != 0)
        return -1;
    static struct fake_env fe = {{{0}}};
    profile_env env = env_of(&fe);
    char url[128];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/s3rec", server.port);
    aws_options o = {.env = &env,
                     .region = "us-east-1",
                     .access_key = "AKIAFAULTTEST",
                     .secret_key = "secret",
                     .max_attempts = 1};
    o.endpoints[ENDPOINTS_S3] = url;
    err e = {0};
    return aws_client_new(&o, &client, &e);
}

static int group_teardown(void **state)
{
    (void)state;
    aws_client_free(client);
    fault_server_stop(&server);
    return 0;
}

static res_ctx ctx_for(const char *name)
{
    res_ctx c = {.urn = "urn:pulumi:dev::proj::aws:s3/x:X::res", .name = name};
    c.client_for = client_for;
    return c;
}

static pv *parse(const char *json)
{
    cJSON *j = cJSON_Parse(json);
    assert_non_null(j);
    pv *v = pv_from_cjson(j);
    cJSON_Delete(j);
    assert_non_null(v);
    return v;
}

/* The fault server's /stats. */
static cJSON *stats(void)
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
    http_response_free(&r);
    http_client_free(h);
    assert_non_null(j);
    return j;
}

static int most_in_flight(const char *bucket)
{
    cJSON *j = stats();
    const cJSON *n = cJSON_GetObjectItem(cJSON_GetObjectItem(j, "s3max"), bucket);
    int v = cJSON_IsNumber(n) ? n->valueint : 0;
    cJSON_Delete(j);
    return v;
}

typedef struct job {
    const resource_type *rt;
    const char *inputs;
    int rc;
    char msg[512];
} job;

static void *run_create(void *arg)
{
    job *j = arg;
    res_ctx ctx = ctx_for("res");
    pv *in = parse(j->inputs), *out = NULL;
    char *id = NULL;
    err e = {0};
    j->rc = j->rt->create(&ctx, in, &id, &out, &e);
    snprintf(j->msg, sizeof(j->msg), "%.500s", e.msg);
    free(id);
    pv_free(out);
    pv_free(in);
    return NULL;
}

#define PAB_IN(b) "{\"bucket\":\"" b "\",\"blockPublicAcls\":true,\"region\":\"us-east-1\"}"
#define POL_IN(b)                                                                                  \
    "{\"bucket\":\"" b "\",\"region\":\"us-east-1\",\"policy\":\"{\\\"Version\\\":"                \
    "\\\"2012-10-17\\\",\\\"Statement\\\":[]}\"}"
#define SSE_KMS_IN                                                                                 \
    "{\"bucket\":\"default-sse\",\"region\":\"us-east-1\",\"rules\":[{"                            \
    "\"applyServerSideEncryptionByDefault\":{\"sseAlgorithm\":\"aws:kms\"}}]}"
#define SSE_IN(b)                                                                                  \
    "{\"bucket\":\"" b "\",\"region\":\"us-east-1\",\"rules\":[{"                                  \
    "\"applyServerSideEncryptionByDefault\":{\"sseAlgorithm\":\"AES256\"}}]}"

/* Three configurations of one bucket at once reach S3 one at a time; two
 * buckets' do not wait for each other. */
static void test_one_bucket_one_change_at_a_time(void **state)
{
    (void)state;
    job jobs[] = {
        {&s3_public_access_block_type, PAB_IN("slow-one"), -1, ""},
        {&s3_policy_type, POL_IN("slow-one"), -1, ""},
        {&s3_encryption_type, SSE_IN("slow-one"), -1, ""},
        {&s3_public_access_block_type, PAB_IN("slow-two"), -1, ""},
        {&s3_policy_type, POL_IN("slow-two"), -1, ""},
        {&s3_public_access_block_type, PAB_IN("slow-three"), -1, ""},
    };
    enum { N = sizeof(jobs) / sizeof(jobs[0]) };
    pthread_t t[N];
    for (size_t i = 0; i < N; i++)
        assert_int_equal(pthread_create(&t[i], NULL, run_create, &jobs[i]), 0);
    for (size_t i = 0; i < N; i++) {
        pthread_join(t[i], NULL);
        if (jobs[i].rc != 0)
            fail_msg("create %zu: %s", i, jobs[i].msg);
    }
    assert_int_equal(most_in_flight("slow-one"), 1);
    assert_int_equal(most_in_flight("slow-two"), 1);
    assert_true(most_in_flight("*") >= 2); /* a lock per bucket, not one for all */
    assert_int_equal(s3s_locks_held(), 0);
}

/* 409 OperationAborted once, then success: retried after the backoff. */
static void test_operation_aborted_is_retried(void **state)
{
    (void)state;
    job j = {&s3_public_access_block_type, PAB_IN("once-aborted-pab"), -1, ""};
    run_create(&j);
    if (j.rc != 0)
        fail_msg("create: %s", j.msg);
    cJSON *s = stats();
    const cJSON *paths = cJSON_GetObjectItem(s, "paths");
    const cJSON *n = cJSON_GetObjectItem(paths, "/s3rec/once-aborted-pab");
    assert_true(cJSON_IsNumber(n) && n->valueint == 2);
    cJSON_Delete(s);
}

/* A configuration written right after its bucket was created: NoSuchBucket
 * once, then success. */
static void test_fresh_bucket_no_such_bucket_is_retried(void **state)
{
    (void)state;
    job j = {&s3_encryption_type, SSE_IN("once-missing-sse"), -1, ""};
    run_create(&j);
    if (j.rc != 0)
        fail_msg("create: %s", j.msg);
}

/* Without retries left, the error names the call and S3's code. */
static void test_errors_name_the_call(void **state)
{
    (void)state;
    res_ctx ctx = ctx_for("res");
    err e = {0};
    pv *props = parse("{\"bucket\":\"missing\",\"region\":\"us-east-1\"}");
    /* Delete of a configuration whose bucket is gone: success. */
    assert_int_equal(s3_policy_type.del(&ctx, "missing", props, &e), 0);
    /* Read of it: gone. */
    char *nid = (char *)"x";
    pv *out = NULL, *nin = NULL;
    assert_int_equal(
        s3_public_access_block_type.read(&ctx, "missing", props, props, &nid, &out, &nin, &e), 0);
    assert_null(nid);
    pv_free(props);
}

static check_failures check(const resource_type *rt, const char *olds, const char *news, pv **in)
{
    res_ctx ctx = ctx_for("My_Bucket");
    check_failures f = {0};
    err e = {0};
    pv *o = olds ? parse(olds) : NULL, *n = parse(news), *inputs = NULL;
    assert_int_equal(engine_check(rt, &ctx, o, n, &inputs, &f, &e), 0);
    pv_free(o);
    pv_free(n);
    if (in)
        *in = inputs;
    else
        pv_free(inputs);
    return f;
}

static const char *reason(const check_failures *f, const char *prop)
{
    for (size_t i = 0; i < f->len; i++)
        if (strcmp(f->props[i], prop) == 0)
            return f->reasons[i];
    return NULL;
}

static void test_check_rules(void **state)
{
    (void)state;
    pv *in = NULL;
    /* Autonamed from the resource name: lowercase, '_' as '-'. */
    check_failures f = check(&s3_bucket_type, NULL, "{}", &in);
    assert_int_equal(f.len, 0);
    const char *name = prop_str(in, "bucket");
    assert_non_null(name);
    assert_true(str_has_prefix(name, "my-bucket-"));
    assert_true(s3s_bucket_shape(name));
    pv_free(in);
    check_failures_free(&f);

    f = check(&s3_bucket_type, NULL, "{\"bucket\":\"a..b\",\"acl\":\"private\",\"versioning\":{}}",
              NULL);
    assert_non_null(strstr(reason(&f, "bucket"), "no '..'"));
    assert_non_null(strstr(reason(&f, "acl"), "aws.s3.BucketAcl"));
    assert_non_null(strstr(reason(&f, "versioning"), "aws.s3.BucketVersioning"));
    check_failures_free(&f);

    f = check(&s3_bucket_type, NULL, "{\"bucket\":\"x\",\"bucketPrefix\":\"p\"}", NULL);
    assert_non_null(reason(&f, "bucket"));
    check_failures_free(&f);

    f = check(&s3_encryption_type, NULL, "{\"bucket\":\"b\",\"rules\":[{},{}]}", NULL);
    assert_non_null(strstr(reason(&f, "rules"), "exactly one rule"));
    check_failures_free(&f);
    f = check(&s3_encryption_type, NULL,
              "{\"bucket\":\"b\",\"rules\":[{\"applyServerSideEncryptionByDefault\":{"
              "\"sseAlgorithm\":\"AES256\",\"kmsMasterKeyId\":\"k\"}}]}",
              NULL);
    assert_non_null(
        strstr(reason(&f, "rules[0].applyServerSideEncryptionByDefault.kmsMasterKeyId"), "AES256"));
    check_failures_free(&f);

    f = check(&s3_versioning_type,
              "{\"bucket\":\"b\",\"versioningConfiguration\":{\"status\":\"Enabled\"}}",
              "{\"bucket\":\"b\",\"versioningConfiguration\":{\"status\":\"Disabled\"}}", NULL);
    assert_non_null(strstr(reason(&f, "versioningConfiguration.status"), "only be Suspended"));
    check_failures_free(&f);
}

/* Real S3 answers its default (SSE-S3) where an encryption configuration
 * was deleted: read as gone when the resource asked for something else, as
 * is when it asked for AES256 or on import. */
static bool sse_read_finds(const char *inputs)
{
    res_ctx ctx = ctx_for("res");
    pv *in = parse(inputs), *out = NULL, *nin = NULL;
    char *nid = NULL;
    err e = {0};
    assert_int_equal(s3_encryption_type.read(&ctx, "default-sse", in, in, &nid, &out, &nin, &e), 0);
    bool found = nid != NULL;
    if (found) {
        const pv *rules = pv_object_get(out, "rules");
        assert_non_null(rules);
        assert_int_equal(pv_plain(rules)->u.arr.len, 1);
    }
    free(nid);
    pv_free(out);
    pv_free(nin);
    pv_free(in);
    return found;
}

static void test_default_encryption_is_not_drift(void **state)
{
    (void)state;
    assert_false(sse_read_finds(SSE_KMS_IN));
    assert_true(sse_read_finds(SSE_IN("default-sse")));
    assert_true(sse_read_finds("{}")); /* import */
}

/* A replacement keeping a name the user set deletes the old bucket first (the
 * name is taken until then); a generated name is drawn anew, so it does not. */
static bool replaces_first(const char *olds, const char *news)
{
    res_ctx ctx = ctx_for("My_Bucket");
    pv *o = parse(olds), *n = parse(news);
    diff_result d = {0};
    err e = {0};
    assert_int_equal(engine_diff(&s3_bucket_type, &ctx, "id", o, n, o, NULL, 0, &d, &e), 0);
    assert_true(diff_has_replace(&d));
    bool dbr = d.delete_before_replace;
    diff_result_free(&d);
    pv_free(o);
    pv_free(n);
    return dbr;
}

static void test_replace_order(void **state)
{
    (void)state;
    assert_true(replaces_first("{\"bucket\":\"explicit-name\",\"objectLockEnabled\":false}",
                               "{\"bucket\":\"explicit-name\",\"objectLockEnabled\":true}"));
    assert_false(replaces_first("{\"bucket\":\"my-bucket-0a1b2c3\",\"objectLockEnabled\":false}",
                                "{\"bucket\":\"my-bucket-0a1b2c3\",\"objectLockEnabled\":true}"));
    assert_false(replaces_first("{\"bucket\":\"one-name\"}", "{\"bucket\":\"other-name\"}"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_one_bucket_one_change_at_a_time),
        cmocka_unit_test(test_operation_aborted_is_retried),
        cmocka_unit_test(test_fresh_bucket_no_such_bucket_is_retried),
        cmocka_unit_test(test_errors_name_the_call),
        cmocka_unit_test(test_check_rules),
        cmocka_unit_test(test_replace_order),
        cmocka_unit_test(test_default_encryption_is_not_drift),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
