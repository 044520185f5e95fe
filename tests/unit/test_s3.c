/* The S3 REST-XML path (aws/s3.c): URLs (path-style for custom endpoints,
 * virtual-hosted on AWS, keys and queries escaped), and against the recording
 * S3 endpoint of tests/support/fault_server.py (/s3rec), which recomputes the
 * MD5 and SHA-256 of the body it received: Content-MD5 and
 * x-amz-content-sha256 are sent and right (moto checks neither), also for a
 * streamed body; a 301 PermanentRedirect is followed once into the region of
 * x-amz-bucket-region; S3's <Error> documents become the err record. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>
#include <cmocka.h>

#include "aws/s3.h"
#include "aws/sha.h"
#include "aws/sigv4.h"
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

/* A client in us-east-1 whose S3 endpoint is the recording server. */
static aws_client *client(void)
{
    static struct fake_env fe = {{{0}}};
    profile_env env = env_of(&fe);
    char url[128];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/s3rec", server.port);
    aws_options o = {.env = &env,
                     .region = "us-east-1",
                     .access_key = "AKIAFAULTTEST",
                     .secret_key = SECRET,
                     .max_attempts = 1};
    o.endpoints[ENDPOINTS_S3] = url;
    aws_client *c = NULL;
    err e = {0};
    if (aws_client_new(&o, &c, &e) != 0)
        fail_msg("aws_client_new: %s", e.msg);
    return c;
}

/* Sends rq and returns the server's record of it (cJSON_Delete it). */
static cJSON *recorded(const s3_request *rq, http_response *keep)
{
    aws_client *c = client();
    aws_cancel none = {0};
    http_response resp;
    err e = {0};
    if (s3_call(c, rq, none, &resp, &e) != 0)
        fail_msg("s3_call %s: %s", rq->operation, e.msg);
    cJSON *j = cJSON_Parse(resp.body);
    assert_non_null(j);
    if (keep)
        *keep = resp;
    else
        http_response_free(&resp);
    aws_client_free(c);
    return j;
}

static const char *jstr(const cJSON *j, const char *name)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(j, name);
    return cJSON_IsString(it) ? it->valuestring : "";
}

static bool jtrue(const cJSON *j, const char *name)
{
    return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, name));
}

static void expect_url(const endpoints_result *ep, const s3_request *rq, const char *base,
                       const char *path, const char *want_query)
{
    s3_url_parts u;
    err e = {0};
    if (s3_url(ep, rq, &u, &e) != 0)
        fail_msg("s3_url: %s", e.msg);
    assert_string_equal(u.base, base);
    assert_string_equal(u.path, path);
    assert_string_equal(u.query, want_query);
    s3_url_free(&u);
}

static void test_urls(void **state)
{
    (void)state;
    endpoints_result custom = {.url = "http://127.0.0.1:5000", .source = "AWS_ENDPOINT_URL_S3"};
    endpoints_result prefixed = {.url = "http://h:1/prefix/", .source = "provider endpoints"};
    endpoints_result aws = {.url = "https://s3.eu-west-1.amazonaws.com", .source = "standard"};
    s3_request rq = {.operation = "GetObject", .bucket = "my-bucket", .key = "a b/c+d~\xc3\xa9"};
    /* Custom endpoints are path-style; keys keep '/' and escape the rest. */
    expect_url(&custom, &rq, "http://127.0.0.1:5000", "/my-bucket/a%20b/c%2Bd~%C3%A9", "");
    rq.key = "k";
    expect_url(&prefixed, &rq, "http://h:1", "/prefix/my-bucket/k", "");
    /* AWS: virtual-hosted when the bucket is a DNS label, else path-style. */
    expect_url(&aws, &rq, "https://my-bucket.s3.eu-west-1.amazonaws.com", "/k", "");
    rq.bucket = "my.bucket";
    expect_url(&aws, &rq, "https://s3.eu-west-1.amazonaws.com", "/my.bucket/k", "");
    /* A bucket-level call: the sub-resource, then escaped parameters. */
    static const char *const params[] = {"key-marker", "a&b =", "max-keys", "1000"};
    s3_request list = {.operation = "ListObjectVersions",
                       .bucket = "my-bucket",
                       .subresource = "versions",
                       .params = params,
                       .n_params = 2};
    expect_url(&aws, &list, "https://my-bucket.s3.eu-west-1.amazonaws.com", "/",
               "versions&key-marker=a%26b%20%3D&max-keys=1000");
    expect_url(&custom, &list, "http://127.0.0.1:5000", "/my-bucket",
               "versions&key-marker=a%26b%20%3D&max-keys=1000");
    s3_request service = {.operation = "ListBuckets"};
    expect_url(&aws, &service, "https://s3.eu-west-1.amazonaws.com", "/", "");

    assert_true(s3_bucket_dns_label("abc-123"));
    assert_false(s3_bucket_dns_label("ab"));
    assert_false(s3_bucket_dns_label("a.bc"));
    assert_false(s3_bucket_dns_label("-abc"));
    assert_false(s3_bucket_dns_label("Abc"));
}

static void test_md5_and_xml_escape(void **state)
{
    (void)state;
    char md5[S3_MD5_B64_LEN + 1];
    assert_int_equal(s3_content_md5("", 0, md5), 0);
    assert_string_equal(md5, "1B2M2Y8AsgTpgAmY7PhCfg==");
    assert_int_equal(s3_content_md5("hello", 5, md5), 0);
    assert_string_equal(md5, "XUFAKrxLKna5cZ2REBfFkg==");
    buf b;
    buf_init(&b, 1024);
    assert_int_equal(s3_xml_escape(&b, "a<b>&\"c'"), 0);
    assert_string_equal(b.data, "a&lt;b&gt;&amp;&quot;c&apos;");
    buf_free(&b);
}

/* A PUT with an XML body and Content-MD5: both hashes are the body's. */
static void test_put_sends_real_md5_and_sha256(void **state)
{
    (void)state;
    const char *xml = "<Tagging><TagSet><Tag><Key>env</Key><Value>a&amp;b</Value></Tag>"
                      "</TagSet></Tagging>";
    s3_request rq = {.operation = "PutBucketTagging",
                     .method = "PUT",
                     .bucket = "bkt",
                     .subresource = "tagging",
                     .body = xml,
                     .body_len = strlen(xml),
                     .content_md5 = true};
    cJSON *j = recorded(&rq, NULL);
    assert_string_equal(jstr(j, "method"), "PUT");
    assert_string_equal(jstr(j, "path"), "/s3rec/bkt");
    assert_string_equal(jstr(j, "query"), "tagging");
    assert_true(jtrue(j, "md5_sent"));
    assert_true(jtrue(j, "md5_ok"));
    assert_true(jtrue(j, "sha256_ok"));
    assert_string_equal(jstr(j, "region"), "us-east-1");
    const cJSON *h = cJSON_GetObjectItemCaseSensitive(j, "headers");
    assert_string_equal(jstr(h, "content-type"), "application/xml");
    assert_string_equal(jstr(h, "content-length"), "83");
    cJSON_Delete(j);
}

/* Without content_md5 no Content-MD5; the empty body's hash is still real,
 * and a PUT with a query and no body still says Content-Length: 0 (moto
 * answers 411 otherwise). */
static void test_no_md5_unless_asked(void **state)
{
    (void)state;
    s3_request rq = {
        .operation = "PutBucket", .method = "PUT", .bucket = "bkt", .subresource = "acl"};
    cJSON *j = recorded(&rq, NULL);
    assert_false(jtrue(j, "md5_sent"));
    assert_true(jtrue(j, "sha256_ok"));
    assert_string_equal(jstr(cJSON_GetObjectItemCaseSensitive(j, "headers"), "content-length"),
                        "0");
    cJSON_Delete(j);
}

/* A streamed body, read a few bytes at a time, with the hash the caller
 * computed: the server receives exactly the bytes and the hash matches. */
typedef struct chunks {
    const char *data;
    size_t len, pos;
} chunks;

static size_t chunk_read(void *ctx, char *dst, size_t n)
{
    chunks *c = ctx;
    size_t k = c->len - c->pos < 3 ? c->len - c->pos : 3;
    if (k > n)
        k = n;
    memcpy(dst, c->data + c->pos, k);
    c->pos += k;
    return k;
}

static int chunk_rewind(void *ctx)
{
    ((chunks *)ctx)->pos = 0;
    return 0;
}

static void test_streamed_body(void **state)
{
    (void)state;
    const char *data = "streamed body, a few bytes at a time\n";
    chunks ch = {data, strlen(data), 0};
    http_body_reader rd = {chunk_read, chunk_rewind, &ch};
    char hash[SHA_256_HEX_LEN + 1];
    assert_int_equal(sha_256_hex(data, strlen(data), hash), 0);
    static const char *const capture[] = {"ETag"};
    s3_request rq = {.operation = "PutObject",
                     .method = "PUT",
                     .bucket = "bkt",
                     .key = "dir/a b+c%.txt",
                     .reader = &rd,
                     .body_len = strlen(data),
                     .payload_hash = hash,
                     .capture = capture,
                     .n_capture = 1};
    http_response resp;
    cJSON *j = recorded(&rq, &resp);
    assert_string_equal(jstr(j, "path"), "/s3rec/bkt/dir/a%20b%2Bc%25.txt");
    assert_int_equal(cJSON_GetObjectItemCaseSensitive(j, "body_len")->valueint, (int)strlen(data));
    assert_true(jtrue(j, "sha256_ok"));
    assert_string_equal(resp.captured[0], "\"rec-etag\"");
    http_response_free(&resp);
    cJSON_Delete(j);

    /* The hash must be the caller's: without it the request is refused. */
    rq.payload_hash = NULL;
    aws_client *c = client();
    aws_cancel none = {0};
    err e = {0};
    assert_int_equal(s3_call(c, &rq, none, &resp, &e), -1);
    assert_non_null(strstr(e.msg, "payload hash"));
    http_response_free(&resp);
    aws_client_free(c);
}

/* 301 with x-amz-bucket-region: sent once more, signed for that region. */
static void test_redirect_to_bucket_region(void **state)
{
    (void)state;
    s3_request rq = {.operation = "GetBucketTagging",
                     .method = "GET",
                     .bucket = "redirect-me",
                     .subresource = "tagging",
                     .idempotent = true};
    cJSON *j = recorded(&rq, NULL);
    assert_string_equal(jstr(j, "region"), "eu-west-1");
    assert_string_equal(jstr(j, "path"), "/s3rec/redirect-me");
    cJSON_Delete(j);
}

static void test_errors(void **state)
{
    (void)state;
    aws_client *c = client();
    aws_cancel none = {0};
    http_response resp;
    err e = {0};
    const char *xml = "<PublicAccessBlockConfiguration/>";
    s3_request rq = {.operation = "PutPublicAccessBlock",
                     .method = "PUT",
                     .bucket = "busy",
                     .subresource = "publicAccessBlock",
                     .body = xml,
                     .body_len = strlen(xml),
                     .content_md5 = true};
    assert_int_equal(s3_call(c, &rq, none, &resp, &e), -1);
    assert_string_equal(e.aws_code, "OperationAborted");
    assert_int_equal(e.http_status, 409);
    assert_non_null(strstr(e.msg, "s3 PutPublicAccessBlock failed: OperationAborted"));
    assert_non_null(strstr(e.msg, "req-409"));
    http_response_free(&resp);

    s3_request get = {.operation = "GetBucketPolicy",
                      .method = "GET",
                      .bucket = "missing",
                      .subresource = "policy"};
    assert_int_equal(s3_call(c, &get, none, &resp, &e), -1);
    assert_int_equal(e.code, ERR_NOT_FOUND);
    assert_string_equal(e.aws_code, "NoSuchBucket");
    http_response_free(&resp);

    /* HEAD has no body: the code comes from the status. */
    s3_request head = {.operation = "HeadBucket", .method = "HEAD", .bucket = "missing"};
    assert_int_equal(s3_call(c, &head, none, &resp, &e), -1);
    assert_int_equal(e.code, ERR_NOT_FOUND);
    assert_string_equal(e.aws_code, "NotFound");
    http_response_free(&resp);

    /* The XML answer as a tree; and s3_get_object's missing object. */
    xml_node *root = NULL;
    s3_request ok = {.operation = "GetBucketVersioning",
                     .method = "GET",
                     .bucket = "bkt",
                     .subresource = "versioning"};
    assert_int_equal(s3_call_xml(c, &ok, none, &root, &e), -1); /* JSON is no XML */
    assert_null(root);
    char *body = NULL;
    size_t len = 0;
    assert_int_equal(s3_get_object(c, "bkt", "k", NULL, false, none, &body, &len, &e), 0);
    assert_non_null(strstr(body, "\"path\": \"/s3rec/bkt/k\""));
    free(body);
    assert_int_equal(s3_get_object(c, "missing", "k", "v1", true, none, NULL, NULL, &e), -1);
    assert_int_equal(e.code, ERR_NOT_FOUND);
    assert_non_null(strstr(e.msg, "s3://missing/k version v1 does not exist"));
    aws_client_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_urls),
        cmocka_unit_test(test_md5_and_xml_escape),
        cmocka_unit_test(test_put_sends_real_md5_and_sha256),
        cmocka_unit_test(test_no_md5_unless_asked),
        cmocka_unit_test(test_streamed_body),
        cmocka_unit_test(test_redirect_to_bucket_region),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
