/* S3 objects without AWS: aws/s3_upload.c and resources/s3_object.c against
 * tests/support/s3_object_server.py, a small in-memory S3 that recomputes the
 * MD5, SHA-256 and checksum of every body it receives.
 *
 * - a streamed PutObject of a 96 MiB file sends the real Content-MD5,
 *   x-amz-content-sha256 and x-amz-checksum-sha256, and the process's peak
 *   RSS does not grow with the file (the body is read through the range
 *   reader, never held);
 * - a multipart upload hashes and streams each part (every header right),
 *   and its result is the composite checksum and multipart ETag S3 reports;
 * - a part S3 refuses, or a cancellation while a part is in flight, aborts
 *   the upload: no upload is left open;
 * - a PutObject whose answer is lost is adopted when the key holds the
 *   checksum awsml computed; NoSuchKey right after a PutObject is retried;
 * - under SSE-KMS the ETag is not an MD5: a refresh keeps the etag the user
 *   gave and the next diff is empty (the naive compare with S3's ETag would
 *   update forever);
 * - Check (one source of content, key defaults and cleaning, metadata keys,
 *   etag with kmsKeyId) and Diff (a source asset compares by its hash). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cJSON.h>
#include <cmocka.h>

#include "aws/s3.h"
#include "aws/s3_upload.h"
#include "fake_env.h"
#include "fault_server.h"
#include "resource.h"
#include "resources/common.h"
#include "resources/engine.h"

extern const resource_type s3_bucket_object_v2_type;

#define MIB (1024UL * 1024UL)

static fault_server server;
static aws_client *the_client;
static char state_dir[64] = "/tmp/awsml-s3obj-XXXXXX";

static int start_server(fault_server *s)
{
    int in[2] = {-1, -1}, outp[2] = {-1, -1};
    memset(s, 0, sizeof(*s));
    s->pid = -1;
    s->stdin_fd = -1;
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
        execlp("python3", "python3", "tests/support/s3_object_server.py", (char *)NULL);
        _exit(127);
    }
    close(in[0]);
    close(outp[1]);
    s->pid = pid;
    s->stdin_fd = in[1];
    char line[256];
    int rc = fault_server_read_line(outp[0], line, sizeof(line)) == 0 &&
                     fault_server_parse_port(line, &s->port) == 0
                 ? 0
                 : -1;
    close(outp[0]);
    if (rc != 0) {
        fprintf(stderr, "s3_object_server.py did not start (run the tests from the repo root)\n");
        fault_server_stop(s);
    }
    return rc;
}

static aws_client *make_client(void)
{
    static struct fake_env fe = {{{0}}};
    profile_env env = env_of(&fe);
    char url[128];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d", server.port);
    aws_options o = {.env = &env,
                     .region = "us-east-1",
                     .access_key = "AKIAS3OBJTEST",
                     .secret_key = "s3-object-test-secret",
                     .max_attempts = 1};
    o.endpoints[ENDPOINTS_S3] = url;
    aws_client *c = NULL;
    err e = {0};
    if (aws_client_new(&o, &c, &e) != 0)
        fail_msg("aws_client_new: %s", e.msg);
    return c;
}

static int group_setup(void **state)
{
    (void)state;
    if (!mkdtemp(state_dir))
        return -1;
    setenv("AWSML_STATE_DIR", state_dir, 1);
    if (start_server(&server) != 0)
        return -1;
    the_client = make_client();
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    aws_client_free(the_client);
    fault_server_stop(&server);
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", state_dir);
    if (system(cmd) != 0)
        return -1;
    return 0;
}

/* The server's JSON at path (/_log, /_uploads). */
static cJSON *server_json(const char *path)
{
    char url[128];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", server.port, path);
    http_client *h = NULL;
    http_options ho = {0};
    err e = {0};
    assert_int_equal(http_client_new(&ho, &h, &e), 0);
    http_request rq = {.method = "GET", .url = url};
    http_response resp;
    enum http_failure f;
    assert_int_equal(http_do(h, &rq, NULL, NULL, &resp, &f, &e), 0);
    cJSON *j = cJSON_Parse(resp.body);
    assert_non_null(j);
    http_response_free(&resp);
    http_client_free(h);
    return j;
}

static size_t log_len(void)
{
    cJSON *j = server_json("/_log");
    size_t n = (size_t)cJSON_GetArraySize(j);
    cJSON_Delete(j);
    return n;
}

static bool jtrue(const cJSON *j, const char *k)
{
    return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, k));
}

static const char *jstr(const cJSON *j, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, k);
    return cJSON_IsString(v) ? v->valuestring : "";
}

static long max_rss_kb(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

/* A temporary file of size bytes: sparse zeros with a pattern every MiB. */
static char *temp_file(unsigned long size)
{
    char *path = strdup("/tmp/awsml-s3obj-src-XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(ftruncate(fd, (off_t)size), 0);
    for (unsigned long off = 0; off < size; off += MIB) {
        char mark[32];
        int n = snprintf(mark, sizeof(mark), "block %lu", off / MIB);
        if (off + (unsigned long)n > size)
            break;
        assert_true(pwrite(fd, mark, (size_t)n, (off_t)off) == n);
    }
    close(fd);
    return path;
}

/* ---- the body reader and a streamed PutObject ----------------------------------- */

static void test_range_reader_reads_and_rewinds(void **state)
{
    (void)state;
    const char data[] = "0123456789abcdef";
    s3u_range r;
    s3u_range_init(&r, -1, data, 4, 8);
    http_body_reader rd = s3u_range_reader(&r);
    char out[16];
    assert_int_equal(rd.read(rd.ctx, out, 5), 5);
    assert_int_equal(rd.read(rd.ctx, out + 5, 16), 3);
    assert_memory_equal(out, "456789ab", 8);
    assert_int_equal(rd.read(rd.ctx, out, 16), 0);
    assert_int_equal(rd.rewind(rd.ctx), 0);
    assert_int_equal(rd.read(rd.ctx, out, 16), 8);

    /* A file shorter than the range fails the read instead of sending less. */
    char *path = temp_file(100);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    s3u_range_init(&r, fileno(f), NULL, 50, 100);
    char chunk[200];
    size_t got = rd.read(&r, chunk, sizeof(chunk));
    assert_int_equal(got, 50);
    assert_true(rd.read(&r, chunk, sizeof(chunk)) == HTTP_READ_FAILED);
    assert_true(r.short_file);
    fclose(f);
    unlink(path);
    free(path);
}

static void test_streamed_put_is_hashed_and_does_not_grow_memory(void **state)
{
    (void)state;
    unsigned long size = 96 * MIB;
    char *path = temp_file(size);
    s3u_request rq = {
        .bucket = "plain", .key = "big/file.bin", .path = path, .threshold = 1ULL << 30};
    s3u_result res;
    err e = {0};
    aws_cancel none = {0};
    size_t before_log = log_len();
    long rss_before = max_rss_kb();
    if (s3u_upload(the_client, &rq, none, &res, &e) != 0)
        fail_msg("upload: %s", e.msg);
    long grown_kb = max_rss_kb() - rss_before;
    assert_int_equal(res.parts, 0);
    assert_int_equal(res.size, size);
    /* Peak RSS stays far below the file (curl's buffers only). */
    if (grown_kb > 16 * 1024)
        fail_msg("peak RSS grew by %ld KiB uploading a 96 MiB file", grown_kb);
    cJSON *log = server_json("/_log");
    assert_int_equal((size_t)cJSON_GetArraySize(log), before_log + 1);
    cJSON *put = cJSON_GetArrayItem(log, (int)before_log);
    assert_string_equal(jstr(put, "method"), "PUT");
    assert_int_equal(cJSON_GetObjectItem(put, "body_len")->valuedouble, (double)size);
    assert_true(jtrue(put, "md5_ok"));
    assert_true(jtrue(put, "sha256_ok")); /* the real hash, not UNSIGNED-PAYLOAD */
    assert_true(jtrue(put, "checksum_ok"));
    assert_string_equal(jstr(put, "content_sha256"), res.sha256_hex);
    cJSON_Delete(log);
    unlink(path);
    free(path);
}

/* ---- multipart ------------------------------------------------------------------- */

static void test_multipart_parts_are_hashed_and_completed(void **state)
{
    (void)state;
    unsigned long size = 12 * MIB + 5;
    char *path = temp_file(size);
    s3u_request rq = {.bucket = "plain",
                      .key = "mp.bin",
                      .path = path,
                      .threshold = 5 * MIB,
                      .part_size = 5 * MIB};
    s3u_result res, hashed;
    err e = {0};
    aws_cancel none = {0};
    size_t before = log_len();
    if (s3u_upload(the_client, &rq, none, &res, &e) != 0)
        fail_msg("upload: %s", e.msg);
    assert_int_equal(res.parts, 3);
    /* S3's multipart ETag and composite checksum, computed by the hash pass. */
    assert_int_equal(s3u_hash(&rq, none, &hashed, &e), 0);
    assert_string_equal(res.etag, hashed.etag);
    assert_non_null(strstr(res.etag, "-3"));
    assert_string_equal(res.checksum, hashed.checksum);
    cJSON *log = server_json("/_log");
    assert_int_equal((size_t)cJSON_GetArraySize(log), before + 5);
    assert_string_equal(jstr(cJSON_GetArrayItem(log, (int)before), "query"), "uploads");
    for (int i = 1; i <= 3; i++) {
        cJSON *p = cJSON_GetArrayItem(log, (int)before + i);
        assert_string_equal(jstr(p, "method"), "PUT");
        assert_non_null(strstr(jstr(p, "query"), "partNumber="));
        assert_true(jtrue(p, "md5_ok"));
        assert_true(jtrue(p, "sha256_ok"));
        assert_true(jtrue(p, "checksum_ok"));
        double want = i < 3 ? (double)(5 * MIB) : (double)(2 * MIB + 5);
        double got = cJSON_GetObjectItem(p, "body_len")->valuedouble;
        if (got != want)
            fail_msg("part %d: %.0f bytes sent, %.0f expected", i, got, want);
    }
    cJSON *done = cJSON_GetArrayItem(log, (int)before + 4);
    assert_string_equal(jstr(done, "method"), "POST");
    assert_true(jtrue(done, "sha256_ok"));
    cJSON_Delete(log);
    cJSON *open_uploads = server_json("/_uploads");
    assert_int_equal(cJSON_GetArraySize(open_uploads), 0);
    cJSON_Delete(open_uploads);
    unlink(path);
    free(path);
}

static void test_multipart_failure_aborts_the_upload(void **state)
{
    (void)state;
    unsigned long size = 11 * MIB;
    char *path = temp_file(size);
    s3u_request rq = {.bucket = "fail-part-2",
                      .key = "mp.bin",
                      .path = path,
                      .threshold = 5 * MIB,
                      .part_size = 5 * MIB};
    s3u_result res;
    err e = {0};
    aws_cancel none = {0};
    size_t before = log_len();
    assert_int_equal(s3u_upload(the_client, &rq, none, &res, &e), -1);
    assert_non_null(strstr(e.msg, "InvalidPart"));
    assert_false(res.maybe_applied);
    assert_true(res.aborted_upload[0] != '\0');
    cJSON *log = server_json("/_log");
    /* Create, part 1, part 2 (refused), Abort: no part 3, no Complete. */
    assert_int_equal((size_t)cJSON_GetArraySize(log), before + 4);
    cJSON *abort_rq = cJSON_GetArrayItem(log, (int)before + 3);
    assert_string_equal(jstr(abort_rq, "method"), "DELETE");
    assert_non_null(strstr(jstr(abort_rq, "query"), res.aborted_upload));
    cJSON_Delete(log);
    cJSON *open_uploads = server_json("/_uploads");
    assert_int_equal(cJSON_GetArraySize(open_uploads), 0);
    cJSON_Delete(open_uploads);
    unlink(path);
    free(path);
}

/* The CRC checksums (S3's check values of "123456789"); a multipart upload
 * with a CRC keeps the whole object's CRC (FULL_OBJECT), each part its own. */
static void test_crc_checksums(void **state)
{
    (void)state;
    static const struct {
        enum s3u_checksum ck;
        const char *want;
    } cases[] = {{S3U_CK_CRC32, "y/Q5Jg=="},
                 {S3U_CK_CRC32C, "4waSgw=="},
                 {S3U_CK_CRC64NVME, "rosUhgp5mIg="}};
    aws_cancel none = {0};
    err e = {0};
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        s3u_request rq = {.data = "123456789", .len = 9, .checksum = cases[i].ck};
        s3u_result res;
        assert_int_equal(s3u_hash(&rq, none, &res, &e), 0);
        assert_string_equal(res.checksum, cases[i].want);
    }
    s3u_request mp = {.bucket = "plain",
                      .key = "crc.bin",
                      .data = "hello multipart world",
                      .len = 21,
                      .checksum = S3U_CK_CRC32,
                      .threshold = 5,
                      .part_size = 5};
    s3u_result res;
    size_t before = log_len();
    if (s3u_upload(the_client, &mp, none, &res, &e) != 0)
        fail_msg("upload: %s", e.msg);
    assert_int_equal(res.parts, 5);
    assert_string_equal(res.checksum, "KeSq5w=="); /* zlib.crc32 of the whole content */
    cJSON *log = server_json("/_log");
    assert_int_equal((size_t)cJSON_GetArraySize(log), before + 7);
    for (int i = 1; i <= 5; i++) {
        cJSON *p = cJSON_GetArrayItem(log, (int)before + i);
        assert_true(jtrue(p, "checksum_ok")); /* each part's CRC32 */
        assert_true(jtrue(p, "md5_ok"));
        assert_true(jtrue(p, "sha256_ok"));
    }
    /* Create and Complete say FULL_OBJECT; Complete carries the whole object's CRC32. */
    assert_string_equal(jstr(cJSON_GetArrayItem(log, (int)before), "checksum_type"), "FULL_OBJECT");
    cJSON *done = cJSON_GetArrayItem(log, (int)before + 6);
    assert_string_equal(jstr(done, "checksum_type"), "FULL_OBJECT");
    assert_string_equal(jstr(done, "checksum_sent"), "KeSq5w==");
    cJSON_Delete(log);
}

/* Cancellation after the first part reached S3 (a watcher sees it in the log). */
static atomic_bool cancel_flag;

static bool cancel_now(void *ctx)
{
    (void)ctx;
    return atomic_load(&cancel_flag);
}

static void *watch_for_part(void *arg)
{
    size_t before = *(size_t *)arg;
    for (int i = 0; i < 400 && !atomic_load(&cancel_flag); i++) {
        cJSON *log = server_json("/_log");
        for (int k = (int)before; k < cJSON_GetArraySize(log); k++)
            if (strstr(jstr(cJSON_GetArrayItem(log, k), "query"), "partNumber="))
                atomic_store(&cancel_flag, true);
        cJSON_Delete(log);
        usleep(20 * 1000);
    }
    return NULL;
}

static void test_multipart_cancel_aborts_the_upload(void **state)
{
    (void)state;
    char *path = temp_file(11 * MIB);
    s3u_request rq = {.bucket = "slow",
                      .key = "mp.bin",
                      .path = path,
                      .threshold = 5 * MIB,
                      .part_size = 5 * MIB};
    s3u_result res;
    err e = {0};
    aws_cancel cancel = {.fn = cancel_now};
    size_t before = log_len();
    atomic_store(&cancel_flag, false);
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, watch_for_part, &before), 0);
    assert_int_equal(s3u_upload(the_client, &rq, cancel, &res, &e), -1);
    atomic_store(&cancel_flag, true);
    pthread_join(t, NULL);
    assert_int_equal(e.code, ERR_CANCELLED);
    assert_true(res.aborted_upload[0] != '\0');
    cJSON *log = server_json("/_log");
    cJSON *last = cJSON_GetArrayItem(log, cJSON_GetArraySize(log) - 1);
    assert_string_equal(jstr(last, "method"), "DELETE"); /* AbortMultipartUpload */
    bool completed = false;
    for (int k = (int)before; k < cJSON_GetArraySize(log); k++) {
        cJSON *r = cJSON_GetArrayItem(log, k);
        completed = completed || (strcmp(jstr(r, "method"), "POST") == 0 &&
                                  strstr(jstr(r, "query"), "uploadId=") != NULL);
    }
    assert_false(completed);
    cJSON_Delete(log);
    cJSON *open_uploads = server_json("/_uploads");
    assert_int_equal(cJSON_GetArraySize(open_uploads), 0);
    cJSON_Delete(open_uploads);
    unlink(path);
    free(path);
}

/* ---- the resource ------------------------------------------------------------------ */

static aws_client *client_for(const char *region, err *e)
{
    (void)region;
    (void)e;
    return the_client;
}

static bool never(void)
{
    return false;
}

static res_ctx mkctx(const char *name)
{
    static char urn[256];
    snprintf(urn, sizeof(urn), "urn:pulumi:dev::p::aws:s3/bucketObjectv2:BucketObjectv2::%s", name);
    res_ctx c = {.urn = urn,
                 .name = name,
                 .type = "aws:s3/bucketObjectv2:BucketObjectv2",
                 .client_for = client_for,
                 .shutting_down = never,
                 .engine_gone = never};
    return c;
}

static pv *json_pv(const char *json)
{
    cJSON *j = cJSON_Parse(json);
    assert_non_null(j);
    pv *v = pv_from_cjson(j);
    cJSON_Delete(j);
    assert_non_null(v);
    return v;
}

static pv *checked(const char *name, const char *json, check_failures *f)
{
    res_ctx c = mkctx(name);
    pv *news = json_pv(json), *in = NULL;
    err e = {0};
    if (engine_check(&s3_bucket_object_v2_type, &c, NULL, news, &in, f, &e) != 0)
        fail_msg("check: %s", e.msg);
    pv_free(news);
    return in;
}

static void test_lost_put_answer_is_adopted(void **state)
{
    (void)state;
    check_failures f = {0};
    pv *in = checked("lost-obj", "{\"bucket\":\"lost\",\"key\":\"k.txt\",\"content\":\"x\"}", &f);
    assert_int_equal(f.len, 0);
    res_ctx c = mkctx("lost-obj");
    char *id = NULL;
    pv *out = NULL;
    err e = {0};
    if (s3_bucket_object_v2_type.create(&c, in, &id, &out, &e) != 0)
        fail_msg("create: %s", e.msg);
    assert_string_equal(id, "k.txt");
    assert_string_equal(prop_str(out, "bucket"), "lost");
    free(id);
    pv_free(out);
    pv_free(in);
}

static void test_no_such_key_right_after_put_is_retried(void **state)
{
    (void)state;
    check_failures f = {0};
    pv *in = checked("ev", "{\"bucket\":\"eventual\",\"key\":\"e.txt\",\"content\":\"x\"}", &f);
    res_ctx c = mkctx("ev");
    char *id = NULL;
    pv *out = NULL;
    err e = {0};
    size_t before = log_len();
    if (s3_bucket_object_v2_type.create(&c, in, &id, &out, &e) != 0)
        fail_msg("create: %s", e.msg);
    assert_string_equal(id, "e.txt");
    /* PUT, HEAD (404), HEAD (200), GetObjectTagging is not needed at create. */
    cJSON *log = server_json("/_log");
    int heads = 0;
    for (int k = (int)before; k < cJSON_GetArraySize(log); k++)
        heads += strcmp(jstr(cJSON_GetArrayItem(log, k), "method"), "HEAD") == 0;
    assert_int_equal(heads, 2);
    cJSON_Delete(log);
    free(id);
    pv_free(out);
    pv_free(in);
}

static void test_kms_object_keeps_the_given_etag(void **state)
{
    (void)state;
    /* md5("secret content") as the user's etag (e.g. filemd5). */
    check_failures f = {0};
    const char *json = "{\"bucket\":\"kms\",\"key\":\"s.json\",\"content\":\"secret content\","
                       "\"serverSideEncryption\":\"aws:kms\",\"etag\":"
                       "\"a9d9ef1ad7dcc8d2ed4b67c44f4d1ac9\"}";
    pv *in = checked("kms-obj", json, &f);
    assert_int_equal(f.len, 0);
    res_ctx c = mkctx("kms-obj");
    char *id = NULL, *new_id = NULL;
    pv *out = NULL, *read_out = NULL, *new_in = NULL;
    err e = {0};
    if (s3_bucket_object_v2_type.create(&c, in, &id, &out, &e) != 0)
        fail_msg("create: %s", e.msg);
    /* S3's ETag is not the MD5: a naive compare would diff on every preview. */
    assert_string_not_equal(prop_str(out, "etag"), "a9d9ef1ad7dcc8d2ed4b67c44f4d1ac9");
    if (s3_bucket_object_v2_type.read(&c, id, out, in, &new_id, &read_out, &new_in, &e) != 0)
        fail_msg("read: %s", e.msg);
    assert_string_equal(new_id, "s.json");
    assert_string_equal(prop_str(new_in, "etag"), "a9d9ef1ad7dcc8d2ed4b67c44f4d1ac9");
    diff_result d = {0};
    if (engine_diff(&s3_bucket_object_v2_type, &c, id, read_out, in, new_in, NULL, 0, &d, &e) != 0)
        fail_msg("diff: %s", e.msg);
    for (size_t i = 0; i < d.len; i++)
        print_message("diff %s\n", d.entries[i].path);
    assert_int_equal(d.len, 0);
    diff_result_free(&d);
    free(id);
    free(new_id);
    pv_free(out);
    pv_free(read_out);
    pv_free(new_in);
    pv_free(in);
}

static bool failed_on(const check_failures *f, const char *prop, const char *needle)
{
    for (size_t i = 0; i < f->len; i++)
        if (strcmp(f->props[i], prop) == 0 && strstr(f->reasons[i], needle))
            return true;
    return false;
}

static void test_check_rules(void **state)
{
    (void)state;
    check_failures f = {0};
    pv *in = checked("idx.html", "{\"bucket\":\"b\"}", &f);
    assert_int_equal(f.len, 0);
    assert_string_equal(prop_str(in, "key"), "idx.html"); /* the resource's name */
    pv_free(in);
    in = checked("n", "{\"bucket\":\"b\",\"key\":\"./a//b///c\"}", &f);
    assert_string_equal(prop_str(in, "key"), "a/b/c");
    pv_free(in);
    in = checked("n", "{\"bucket\":\"b\",\"content\":\"a\",\"contentBase64\":\"YQ==\"}", &f);
    assert_true(failed_on(&f, "content", "only one of content, contentBase64 and source"));
    assert_true(failed_on(&f, "contentBase64", "content and contentBase64 are both set"));
    check_failures_free(&f);
    pv_free(in);
    in = checked("n", "{\"bucket\":\"b\",\"contentBase64\":\"not base64!\"}", &f);
    assert_true(failed_on(&f, "contentBase64", "must be base64"));
    check_failures_free(&f);
    pv_free(in);
    in = checked("n", "{\"bucket\":\"b\",\"metadata\":{\"Upper\":\"x\"}}", &f);
    assert_true(failed_on(&f, "metadata", "lowercase"));
    check_failures_free(&f);
    pv_free(in);
    in = checked("n",
                 "{\"bucket\":\"b\",\"etag\":\"x\",\"kmsKeyId\":"
                 "\"arn:aws:kms:us-east-1:123456789012:key/k\"}",
                 &f);
    assert_true(failed_on(&f, "etag", "conflicts with kmsKeyId"));
    check_failures_free(&f);
    pv_free(in);
    in = checked("n", "{\"bucket\":\"b\",\"source\":\"path.txt\"}", &f);
    assert_true(failed_on(&f, "source", "must be an asset or archive"));
    check_failures_free(&f);
    pv_free(in);
}

static pv *with_asset(const char *path, const char *hash)
{
    pv *in = json_pv("{\"bucket\":\"b\",\"key\":\"k\"}");
    pv *a = pv_object();
    assert_int_equal(prop_set_str(a, "path", path), 0);
    assert_int_equal(prop_set_str(a, "hash", hash), 0);
    a->kind = PV_ASSET;
    assert_int_equal(pv_object_set(in, "source", a), 0);
    return in;
}

static void test_source_compares_by_hash(void **state)
{
    (void)state;
    res_ctx c = mkctx("n");
    pv *a = with_asset("old/place.bin", "aaaa"), *moved = with_asset("new/place.bin", "aaaa");
    pv *changed = with_asset("old/place.bin", "bbbb");
    diff_result d = {0};
    err e = {0};
    assert_int_equal(engine_diff(&s3_bucket_object_v2_type, &c, "k", a, moved, a, NULL, 0, &d, &e),
                     0);
    assert_int_equal(d.len, 0);
    diff_result_free(&d);
    assert_int_equal(
        engine_diff(&s3_bucket_object_v2_type, &c, "k", a, changed, a, NULL, 0, &d, &e), 0);
    assert_int_equal(d.len, 1);
    assert_string_equal(d.entries[0].path, "source");
    assert_int_equal(d.entries[0].kind, DIFF_UPDATE);
    diff_result_free(&d);
    pv_free(a);
    pv_free(moved);
    pv_free(changed);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_range_reader_reads_and_rewinds),
        cmocka_unit_test(test_streamed_put_is_hashed_and_does_not_grow_memory),
        cmocka_unit_test(test_multipart_parts_are_hashed_and_completed),
        cmocka_unit_test(test_multipart_failure_aborts_the_upload),
        cmocka_unit_test(test_multipart_cancel_aborts_the_upload),
        cmocka_unit_test(test_crc_checksums),
        cmocka_unit_test(test_lost_put_answer_is_adopted),
        cmocka_unit_test(test_no_such_key_right_after_put_is_retried),
        cmocka_unit_test(test_kms_object_keeps_the_given_etag),
        cmocka_unit_test(test_check_rules),
        cmocka_unit_test(test_source_compares_by_hash),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
