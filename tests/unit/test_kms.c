/* KMS key and alias: Check rules (each failure names its property and rule),
 * defaults, Diff of the key policy by meaning, and the hooks against scripted
 * KMS answers from tests/support/fault_server.py (POST /script) for what moto
 * cannot do: a key policy naming a principal KMS does not know yet
 * (MalformedPolicyDocumentException "invalid principals") retried with the
 * shared backoff, a key pending deletion read as gone, the delete window,
 * KMS's Marker/NextMarker pagination, and an alias whose CreateAlias answer was
 * lost (a 500 after KMS acted) adopted after a lookup. Run from the repo root. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cJSON.h>
#include <cmocka.h>

#include "aws/client.h"
#include "aws/http.h"
#include "fake_env.h"
#include "fault_server.h"
#include "resource.h"
#include "resources/common.h"
#include "resources/engine.h"
#include "resources/pending.h"

extern const resource_type kms_key_type;
extern const resource_type kms_alias_type;

#define KEY (&kms_key_type)
#define ALIAS (&kms_alias_type)
#define KID "1234abcd-12ab-34cd-56ef-1234567890ab"
#define KARN "arn:aws:kms:us-east-1:123456789012:key/" KID
#define POL                                                                                        \
    "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Sid\":\"Root\",\"Effect\":\"Allow\","           \
    "\"Principal\":{\"AWS\":\"arn:aws:iam::123456789012:root\"},\"Action\":\"kms:*\","             \
    "\"Resource\":\"*\"}]}"
/* POL with keys reordered and one-element arrays. */
#define POL_EQUIV                                                                                  \
    "{\"Statement\":[{\"Resource\":[\"*\"],\"Action\":[\"kms:*\"],\"Principal\":{\"AWS\":"         \
    "[\"arn:aws:iam::123456789012:root\"]},\"Effect\":\"Allow\",\"Sid\":\"Root\"}],"               \
    "\"Version\":\"2012-10-17\"}"
#define POL_OTHER                                                                                  \
    "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":"     \
    "\"arn:aws:iam::123456789012:role/"                                                            \
    "new-role\"},\"Action\":\"kms:Decrypt\",\"Resource\":\"*\"}]}"

static fault_server server;
static aws_client *client;

static aws_client *test_client_for(const char *region, err *e)
{
    (void)region;
    (void)e;
    return client;
}

static res_ctx mkctx(bool preview)
{
    res_ctx c = {.urn = "urn:pulumi:dev::p::aws:kms/key:Key::k",
                 .name = "k",
                 .type = "aws:kms/key:Key",
                 .preview = preview,
                 .client_for = test_client_for};
    return c;
}

static int group_setup(void **state)
{
    (void)state;
    if (fault_server_start(&server, false) != 0)
        return -1;
    static struct fake_env fe;
    static profile_env env;
    env = env_of(&fe);
    char url[128];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/script", server.port);
    aws_options o = {.env = &env,
                     .region = "us-east-1",
                     .access_key = "AKIAKMSTEST",
                     .secret_key = "kms-test-secret",
                     .max_attempts = 1,
                     .http_proxy = "",
                     .https_proxy = ""};
    o.endpoints[ENDPOINTS_KMS] = url;
    err e = {0};
    if (aws_client_new(&o, &client, &e) != 0) {
        fprintf(stderr, "aws_client_new: %s\n", e.msg);
        return -1;
    }
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    aws_client_free(client);
    fault_server_stop(&server);
    return 0;
}

/* POST or GET path of the fault server; the response body (caller frees). */
static char *server_call(const char *method, const char *path, const char *body)
{
    http_options o = {.http_proxy = ""};
    http_client *h = NULL;
    err e = {0};
    assert_int_equal(http_client_new(&o, &h, &e), 0);
    char url[128];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", server.port, path);
    http_request rq = {
        .method = method, .url = url, .body = body, .body_len = body ? strlen(body) : 0};
    http_response r = {0};
    enum http_failure f;
    assert_int_equal(http_do(h, &rq, NULL, NULL, &r, &f, &e), 0);
    assert_int_equal(r.status, 200);
    char *text = strndup(r.body ? r.body : "", r.body_len);
    http_response_free(&r);
    http_client_free(h);
    return text;
}

static void script(const char *json)
{
    free(server_call("POST", "/script/set", json));
}

/* The operations the server saw, in order ("CreateKey,CreateKey,..."), and
 * the body of the n-th call of op in body (may be NULL). */
static void script_log(char *ops, size_t cap, const char *op, int n, char *body, size_t bcap)
{
    char *text = server_call("GET", "/script/log", NULL);
    cJSON *log = cJSON_Parse(text);
    const cJSON *it;
    int seen = 0;
    ops[0] = '\0';
    if (body)
        body[0] = '\0';
    cJSON_ArrayForEach(it, log)
    {
        const char *o = cJSON_GetObjectItem(it, "op")->valuestring;
        size_t len = strlen(ops);
        snprintf(ops + len, cap - len, "%s%s", len ? "," : "", o);
        if (body && op && strcmp(o, op) == 0 && seen++ == n)
            snprintf(body, bcap, "%s", cJSON_GetObjectItem(it, "body")->valuestring);
    }
    cJSON_Delete(log);
    free(text);
}

static pv *obj(void)
{
    pv *o = pv_object();
    assert_non_null(o);
    return o;
}

static pv *from_json(const char *json)
{
    cJSON *j = cJSON_Parse(json);
    assert_non_null(j);
    pv *o = obj();
    const cJSON *it;
    cJSON_ArrayForEach(it, j)
    {
        pv *v = cJSON_IsString(it)   ? pv_string(it->valuestring)
                : cJSON_IsBool(it)   ? pv_bool(cJSON_IsTrue(it))
                : cJSON_IsNumber(it) ? pv_number(it->valuedouble)
                                     : NULL;
        if (cJSON_IsObject(it)) {
            char *t = cJSON_PrintUnformatted(it);
            v = from_json(t);
            free(t);
        }
        assert_non_null(v);
        assert_int_equal(pv_object_set(o, it->string, v), 0);
    }
    cJSON_Delete(j);
    return o;
}

static check_failures run_check(const resource_type *rt, const char *news_json, pv **in)
{
    res_ctx ctx = mkctx(false);
    ctx.client_for = NULL; /* Check never calls AWS */
    static const unsigned char seed[] = "0123456789abcdef0123456789abcdef";
    ctx.random_seed = seed;
    ctx.random_seed_len = sizeof(seed) - 1;
    ctx.name = "myalias";
    check_failures f = {0};
    err e = {0};
    pv *news = from_json(news_json);
    if (engine_check(rt, &ctx, NULL, news, in, &f, &e) != 0)
        fail_msg("check failed: %s", e.msg);
    pv_free(news);
    return f;
}

static const char *reason_of(const check_failures *f, const char *prop)
{
    for (size_t i = 0; i < f->len; i++)
        if (strcmp(f->props[i], prop) == 0)
            return f->reasons[i];
    return NULL;
}

static void expect_reason(const char *rt_json, const resource_type *rt, const char *prop,
                          const char *needle)
{
    pv *in = NULL;
    check_failures f = run_check(rt, rt_json, &in);
    const char *r = reason_of(&f, prop);
    if (!r || !strstr(r, needle))
        fail_msg("%s: no failure on %s with '%s' (got %s)", rt_json, prop, needle, r ? r : "none");
    check_failures_free(&f);
    pv_free(in);
}

/* ---- Check ------------------------------------------------------------------ */

static void test_key_check_rules_and_defaults(void **state)
{
    (void)state;
    pv *in = NULL;
    check_failures f = run_check(KEY, "{\"description\":\"d\"}", &in);
    assert_int_equal(f.len, 0);
    assert_string_equal(prop_str(in, "keyUsage"), "ENCRYPT_DECRYPT");
    assert_string_equal(prop_str(in, "customerMasterKeySpec"), "SYMMETRIC_DEFAULT");
    assert_true(prop_get(in, "isEnabled")->u.b);
    assert_false(prop_get(in, "enableKeyRotation")->u.b);
    assert_false(prop_get(in, "multiRegion")->u.b);
    assert_false(prop_get(in, "bypassPolicyLockoutSafetyCheck")->u.b);
    assert_null(prop_get(in, "deletionWindowInDays")); /* AWS's 30 at delete */
    assert_null(prop_get(in, "policy"));
    check_failures_free(&f);
    pv_free(in);

    expect_reason("{\"deletionWindowInDays\":3}", KEY, "deletionWindowInDays", "7 to 30");
    expect_reason("{\"deletionWindowInDays\":31}", KEY, "deletionWindowInDays", "7 to 30");
    expect_reason("{\"rotationPeriodInDays\":89}", KEY, "rotationPeriodInDays", "90 to 2560");
    expect_reason("{\"keyUsage\":\"ENCRYPT\"}", KEY, "keyUsage", "ENCRYPT_DECRYPT");
    expect_reason("{\"customerMasterKeySpec\":\"RSA_1024\"}", KEY, "customerMasterKeySpec",
                  "RSA_2048");
    expect_reason("{\"policy\":\"not json\"}", KEY, "policy", "JSON");
    expect_reason("{\"xksKeyId\":\"x\"}", KEY, "xksKeyId", "needs customKeyStoreId");
}

static void test_alias_check_names(void **state)
{
    (void)state;
    expect_reason("{\"name\":\"no-prefix\",\"targetKeyId\":\"k\"}", ALIAS, "name",
                  "must be alias/ (not alias/aws/)");
    expect_reason("{\"name\":\"alias/aws/s3\",\"targetKeyId\":\"k\"}", ALIAS, "name",
                  "must be alias/");
    expect_reason("{\"name\":\"alias/bad name\",\"targetKeyId\":\"k\"}", ALIAS, "name",
                  "letters, digits and /_-:");
    expect_reason("{\"name\":\"alias/x\",\"namePrefix\":\"alias/y\",\"targetKeyId\":\"k\"}", ALIAS,
                  "name", "conflicts with namePrefix");
    expect_reason("{\"name\":\"alias/x\"}", ALIAS, "targetKeyId", "required");

    /* No name: pulumi-aws's alias/<logical name>-<7 hex>; a prefix: prefix + suffix. */
    pv *in = NULL;
    check_failures f = run_check(ALIAS, "{\"targetKeyId\":\"k\"}", &in);
    assert_int_equal(f.len, 0);
    const char *n = prop_str(in, "name");
    assert_non_null(n);
    assert_int_equal(strncmp(n, "alias/myalias-", 14), 0);
    assert_int_equal(strlen(n), 14 + 7);
    check_failures_free(&f);
    pv_free(in);
    f = run_check(ALIAS, "{\"namePrefix\":\"alias/team-\",\"targetKeyId\":\"k\"}", &in);
    assert_int_equal(f.len, 0);
    assert_int_equal(strncmp(prop_str(in, "name"), "alias/team-", 11), 0);
    check_failures_free(&f);
    pv_free(in);
}

/* ---- Diff ------------------------------------------------------------------- */

static diff_result run_diff(const char *olds_json, const char *news_json)
{
    res_ctx ctx = mkctx(false);
    pv *olds = from_json(olds_json), *news = from_json(news_json);
    diff_result d = {0};
    err e = {0};
    assert_int_equal(engine_diff(KEY, &ctx, KID, olds, news, olds, NULL, 0, &d, &e), 0);
    pv_free(olds);
    pv_free(news);
    return d;
}

static int kind_of(const diff_result *d, const char *path)
{
    for (size_t i = 0; i < d->len; i++)
        if (strcmp(d->entries[i].path, path) == 0)
            return (int)d->entries[i].kind;
    return -1;
}

/* {"policy": <policy as a JSON string>, "description": "d"} into out. */
static void with_policy(char *out, size_t cap, const char *policy)
{
    cJSON *o = cJSON_CreateObject();
    assert_non_null(cJSON_AddStringToObject(o, "policy", policy));
    assert_non_null(cJSON_AddStringToObject(o, "description", "d"));
    char *t = cJSON_PrintUnformatted(o);
    snprintf(out, cap, "%s", t);
    free(t);
    cJSON_Delete(o);
}

static void test_key_diff_policy_by_meaning(void **state)
{
    (void)state;
    char olds[2048], news[2048];
    with_policy(olds, sizeof(olds), POL);
    /* Reordered keys and one-element arrays: no change. */
    with_policy(news, sizeof(news), POL_EQUIV);
    diff_result d = run_diff(olds, news);
    assert_int_equal(d.len, 0);
    diff_result_free(&d);
    /* Another policy: an update of policy. */
    with_policy(news, sizeof(news), POL_OTHER);
    d = run_diff(olds, news);
    assert_int_equal(kind_of(&d, "policy"), DIFF_UPDATE);
    diff_result_free(&d);
    /* No policy in the program: not managed, no change. */
    d = run_diff(olds, "{\"description\":\"d\"}");
    assert_int_equal(d.len, 0);
    diff_result_free(&d);
    /* The spec and multiRegion replace; the description updates. */
    d = run_diff("{\"customerMasterKeySpec\":\"SYMMETRIC_DEFAULT\",\"multiRegion\":false,"
                 "\"description\":\"d\"}",
                 "{\"customerMasterKeySpec\":\"RSA_2048\",\"multiRegion\":true,"
                 "\"description\":\"e\"}");
    assert_int_equal(kind_of(&d, "customerMasterKeySpec"), DIFF_UPDATE_REPLACE);
    assert_int_equal(kind_of(&d, "multiRegion"), DIFF_UPDATE_REPLACE);
    assert_int_equal(kind_of(&d, "description"), DIFF_UPDATE);
    diff_result_free(&d);
}

/* ---- Hooks against scripted KMS answers ----------------------------------------- */

#define MD_JSON(state)                                                                             \
    "{\"KeyMetadata\":{\"KeyId\":\"" KID "\",\"Arn\":\"" KARN "\",\"Description\":\"d\","          \
    "\"KeyUsage\":\"ENCRYPT_DECRYPT\",\"KeySpec\":\"SYMMETRIC_DEFAULT\",\"Enabled\":true,"         \
    "\"MultiRegion\":false,\"KeyState\":\"" state "\",\"CreationDate\":1577836800.0}}"
#define INVALID_PRINCIPAL                                                                          \
    "{\"__type\":\"MalformedPolicyDocumentException\",\"message\":\"Policy contains a "            \
    "statement with one or more invalid principals.\"}"
#define READ_SCRIPT(state)                                                                         \
    "\"DescribeKey\":[[200," MD_JSON(                                                              \
        state) "]],\"GetKeyPolicy\":[[200,{\"Policy\":"                                            \
               "\"{\\\"Statement\\\":[{\\\"Resource\\\":\\\"*\\\",\\\"Action\\\":\\\"kms:*\\\","   \
               "\\\"Principal\\\":{\\\"AWS\\\":\\\"arn:aws:iam::123456789012:root\\\"},"           \
               "\\\"Effect\\\":"                                                                   \
               "\\\"Allow\\\",\\\"Sid\\\":\\\"Root\\\"}],\\\"Version\\\":\\\"2012-10-17\\\"}\"}]]" \
               ","                                                                                 \
               "\"GetKeyRotationStatus\":[[200,{\"KeyRotationEnabled\":false}]],"                  \
               "\"ListResourceTags\":[[200,{\"Tags\":[{\"TagKey\":\"team\",\"TagValue\":\"ml\"},"  \
               "{\"TagKey\":\"awsml:create-token\",\"TagValue\":\"kms-create-x\"}],\"Truncated\":" \
               "false}]]"

static pv *key_inputs(const char *policy)
{
    pv *in = obj();
    assert_int_equal(prop_set_str(in, "description", "d"), 0);
    assert_int_equal(prop_set_str(in, "keyUsage", "ENCRYPT_DECRYPT"), 0);
    assert_int_equal(prop_set_bool(in, "isEnabled", true), 0);
    assert_int_equal(prop_set_bool(in, "enableKeyRotation", false), 0);
    assert_int_equal(prop_set_str(in, "region", "us-east-1"), 0);
    if (policy)
        assert_int_equal(prop_set_str(in, "policy", policy), 0);
    return in;
}

static void test_create_retries_an_unknown_principal(void **state)
{
    (void)state;
    script("{\"CreateKey\":[[400," INVALID_PRINCIPAL
           "],[200," MD_JSON("Enabled") "]],"
                                        "\"UntagResource\":[[200,{}]]," READ_SCRIPT("Enabled") "}");
    res_ctx ctx = mkctx(false);
    pv *in = key_inputs(POL_OTHER), *out = NULL;
    char *id = NULL;
    err e = {0};
    long long t0 = res_now_ms();
    if (KEY->create(&ctx, in, &id, &out, &e) != 0)
        fail_msg("create: %s", e.msg);
    assert_true(res_now_ms() - t0 >= RES_BACKOFF_FIRST_MS); /* waited once */
    assert_string_equal(id, KID);
    assert_string_equal(prop_str(out, "arn"), KARN);
    assert_non_null(strstr(prop_str(out, "policy"), "\"Sid\":\"Root\"")); /* AWS's, as read */
    /* The create token is not one of the key's tags. */
    const pv *tags = prop_get(out, "tags");
    assert_non_null(tags);
    assert_int_equal(tags->u.obj.len, 1);
    char ops[1024], body[4096];
    script_log(ops, sizeof(ops), "CreateKey", 1, body, sizeof(body));
    assert_non_null(strstr(ops, "CreateKey,CreateKey,UntagResource,DescribeKey"));
    assert_non_null(strstr(body, "\"TagKey\":\"awsml:create-token\""));
    assert_non_null(strstr(body, "\"Policy\":"));
    script_log(ops, sizeof(ops), "UntagResource", 0, body, sizeof(body));
    assert_non_null(strstr(body, "\"TagKeys\":[\"awsml:create-token\"]"));
    free(id);
    pv_free(out);

    /* Another malformed policy is the user's to fix: not retried. */
    script("{\"CreateKey\":[[400,{\"__type\":\"MalformedPolicyDocumentException\","
           "\"message\":\"The new key policy will not allow you to update the key policy in "
           "the future.\"}]]}");
    id = NULL;
    out = NULL;
    assert_int_equal(KEY->create(&ctx, in, &id, &out, &e), -1);
    assert_null(id);
    assert_non_null(strstr(e.msg, "MalformedPolicyDocumentException"));
    script_log(ops, sizeof(ops), NULL, 0, NULL, 0);
    assert_string_equal(ops, "CreateKey");
    pv_free(in);
}

static void test_read_pending_deletion_is_gone(void **state)
{
    (void)state;
    res_ctx ctx = mkctx(false);
    pv *in = key_inputs(POL), *out = NULL, *new_in = NULL;
    char *nid = NULL;
    err e = {0};
    script("{" READ_SCRIPT("Enabled") "}");
    assert_int_equal(KEY->read(&ctx, KID, in, in, &nid, &out, &new_in, &e), 0);
    assert_string_equal(nid, KID);
    /* GetKeyPolicy's text differs in key order only: the user's text stays. */
    assert_string_equal(prop_str(new_in, "policy"), POL);
    assert_string_equal(prop_str(out, "keyId"), KID);
    free(nid);
    pv_free(out);
    pv_free(new_in);

    script("{" READ_SCRIPT("PendingDeletion") "}");
    nid = (char *)"unset";
    assert_int_equal(KEY->read(&ctx, KID, in, in, &nid, &out, &new_in, &e), 0);
    assert_null(nid);
    script("{\"DescribeKey\":[[400,{\"__type\":\"NotFoundException\",\"message\":\"Key '" KID
           "' does not exist\"}]]}");
    nid = (char *)"unset";
    assert_int_equal(KEY->read(&ctx, KID, in, in, &nid, &out, &new_in, &e), 0);
    assert_null(nid);
    pv_free(in);
}

static void test_delete_window_and_already_pending(void **state)
{
    (void)state;
    res_ctx ctx = mkctx(false);
    pv *props = key_inputs(NULL);
    err e = {0};
    char ops[512], body[1024];
    script("{\"ScheduleKeyDeletion\":[[200,{}]]}");
    assert_int_equal(KEY->del(&ctx, KID, props, &e), 0);
    script_log(ops, sizeof(ops), "ScheduleKeyDeletion", 0, body, sizeof(body));
    assert_non_null(strstr(body, "\"PendingWindowInDays\":30"));
    assert_int_equal(prop_set_num(props, "deletionWindowInDays", 7), 0);
    script("{\"ScheduleKeyDeletion\":[[200,{}]]}");
    assert_int_equal(KEY->del(&ctx, KID, props, &e), 0);
    script_log(ops, sizeof(ops), "ScheduleKeyDeletion", 0, body, sizeof(body));
    assert_non_null(strstr(body, "\"PendingWindowInDays\":7"));
    /* Pending deletion already (an earlier destroy): done. */
    script("{\"ScheduleKeyDeletion\":[[400,{\"__type\":\"KMSInvalidStateException\","
           "\"message\":\"" KARN " is pending deletion.\"}]]," READ_SCRIPT("PendingDeletion") "}");
    assert_int_equal(KEY->del(&ctx, KID, props, &e), 0);
    /* Gone already: done. */
    script(
        "{\"ScheduleKeyDeletion\":[[400,{\"__type\":\"NotFoundException\",\"message\":\"no\"}]]}");
    assert_int_equal(KEY->del(&ctx, KID, props, &e), 0);
    /* Refused otherwise: the error stands. */
    script("{\"ScheduleKeyDeletion\":[[400,{\"__type\":\"AccessDeniedException\",\"message\":"
           "\"not allowed\"}]]}");
    assert_int_equal(KEY->del(&ctx, KID, props, &e), -1);
    assert_non_null(strstr(e.msg, "AccessDeniedException"));
    pv_free(props);
}

static void test_alias_read_follows_markers(void **state)
{
    (void)state;
    res_ctx ctx = mkctx(false);
    script("{\"ListAliases\":[[200,{\"Aliases\":[{\"AliasName\":\"alias/one\",\"AliasArn\":"
           "\"arn:aws:kms:us-east-1:123456789012:alias/one\",\"TargetKeyId\":\"k1\"}],"
           "\"Truncated\":true,\"NextMarker\":\"page-2\"}],[200,{\"Aliases\":[{\"AliasName\":"
           "\"alias/two\",\"AliasArn\":\"arn:aws:kms:us-east-1:123456789012:alias/two\","
           "\"TargetKeyId\":\"" KID "\"}],\"Truncated\":false}]]}");
    pv *in = obj(), *out = NULL, *new_in = NULL;
    assert_int_equal(prop_set_str(in, "targetKeyId", KARN), 0); /* an ARN for the same key */
    char *nid = NULL;
    err e = {0};
    if (ALIAS->read(&ctx, "alias/two", in, in, &nid, &out, &new_in, &e) != 0)
        fail_msg("read: %s", e.msg);
    assert_string_equal(nid, "alias/two");
    assert_string_equal(prop_str(out, "arn"), "arn:aws:kms:us-east-1:123456789012:alias/two");
    assert_string_equal(prop_str(out, "targetKeyArn"), KARN);
    assert_string_equal(prop_str(new_in, "targetKeyId"), KARN); /* no drift */
    char ops[256], body[256];
    script_log(ops, sizeof(ops), "ListAliases", 1, body, sizeof(body));
    assert_string_equal(ops, "ListAliases,ListAliases");
    assert_non_null(strstr(body, "\"Marker\":\"page-2\""));
    free(nid);
    pv_free(out);
    pv_free(new_in);
    pv_free(in);
}

static void test_alias_lost_create_is_adopted(void **state)
{
    (void)state;
    res_ctx ctx = mkctx(false);
    char s[2048];
    /* KMS made the alias (created just now, pointing at the key asked for), but the
     * answer was a 500; a single attempt, so the lookup decides. */
    snprintf(s, sizeof(s),
             "{\"CreateAlias\":[[500,{\"__type\":\"KMSInternalException\",\"message\":"
             "\"boom\"}]],\"ListAliases\":[[200,{\"Aliases\":[{\"AliasName\":\"alias/lost\","
             "\"AliasArn\":\"arn:aws:kms:us-east-1:123456789012:alias/lost\",\"TargetKeyId\":"
             "\"%s\",\"CreationDate\":%lld}],\"Truncated\":false}]]}",
             KID, (long long)time(NULL));
    script(s);
    pv *in = obj(), *out = NULL;
    assert_int_equal(prop_set_str(in, "name", "alias/lost"), 0);
    assert_int_equal(prop_set_str(in, "targetKeyId", KID), 0);
    char *id = NULL;
    err e = {0};
    if (ALIAS->create(&ctx, in, &id, &out, &e) != 0)
        fail_msg("create: %s", e.msg);
    assert_string_equal(id, "alias/lost");
    assert_string_equal(prop_str(out, "targetKeyArn"), KARN);
    free(id);
    pv_free(out);
    /* The alias there points elsewhere: someone else's, refused naming the import. */
    snprintf(s, sizeof(s),
             "{\"CreateAlias\":[[500,{\"__type\":\"KMSInternalException\",\"message\":"
             "\"boom\"}]],\"ListAliases\":[[200,{\"Aliases\":[{\"AliasName\":\"alias/lost\","
             "\"AliasArn\":\"arn:aws:kms:us-east-1:123456789012:alias/lost\",\"TargetKeyId\":"
             "\"other-key\",\"CreationDate\":%lld}],\"Truncated\":false}]]}",
             (long long)time(NULL));
    script(s);
    id = NULL;
    out = NULL;
    assert_int_equal(ALIAS->create(&ctx, in, &id, &out, &e), -1);
    assert_null(id);
    assert_non_null(strstr(e.msg, "its target key differs"));
    assert_non_null(strstr(e.msg, "pulumi import aws:kms/alias:Alias"));
    pv_free(in);
}

/* A create whose answer never reached the engine left its record (pending.h):
 * the next create finds the key carrying that record's token and adopts it,
 * with no second CreateKey. */
static void test_resumed_create_adopts_the_tokened_key(void **state)
{
    (void)state;
    char dir[] = "/tmp/awsml-test-kms-XXXXXX";
    assert_non_null(mkdtemp(dir));
    assert_int_equal(setenv("AWSML_STATE_DIR", dir, 1), 0);
    res_ctx ctx = mkctx(false);
    ctx.config = (const struct config_settings *)&ctx; /* "configured": records are kept */
    const char *token = "kms-create-00112233445566778899aabbccddeeff";
    pending p;
    pending_begin(&ctx, token, time(NULL) - 30, &p);
    assert_true(p.written);
    char s[4096];
    snprintf(s, sizeof(s),
             "{\"ListKeys\":[[200,{\"Keys\":[{\"KeyId\":\"other\"},{\"KeyId\":\"" KID "\"}],"
             "\"Truncated\":false}]],\"ListResourceTags\":[[200,{\"Tags\":[],\"Truncated\":"
             "false}],[200,{\"Tags\":[{\"TagKey\":\"awsml:create-token\",\"TagValue\":\"%s\"}],"
             "\"Truncated\":false}],[200,{\"Tags\":[],\"Truncated\":false}]],"
             "\"DescribeKey\":[[200,{\"KeyMetadata\":{\"KeyId\":\"" KID "\",\"Arn\":\"" KARN "\","
             "\"Description\":\"d\",\"KeyUsage\":\"ENCRYPT_DECRYPT\",\"Enabled\":true,"
             "\"KeyState\":\"Enabled\",\"CreationDate\":%lld}}]],\"GetKeyPolicy\":[[200,"
             "{\"Policy\":\"{}\"}]],\"GetKeyRotationStatus\":[[200,{\"KeyRotationEnabled\":"
             "false}]],\"UntagResource\":[[200,{}]]}",
             token, (long long)time(NULL) - 20);
    script(s);
    pv *in = key_inputs(NULL), *out = NULL;
    char *id = NULL;
    err e = {0};
    if (KEY->create(&ctx, in, &id, &out, &e) != 0)
        fail_msg("create: %s", e.msg);
    assert_string_equal(id, KID);
    char ops[1024];
    script_log(ops, sizeof(ops), NULL, 0, NULL, 0);
    assert_null(strstr(ops, "CreateKey"));
    assert_non_null(strstr(ops, "ListKeys,ListResourceTags,ListResourceTags,DescribeKey"));
    assert_non_null(strstr(ops, "UntagResource"));
    /* Answered: the record is gone. */
    char rec[PENDING_ID_MAX];
    assert_false(pending_find(&ctx, NULL, rec, sizeof(rec), NULL));
    free(id);
    pv_free(out);
    pv_free(in);
    unsetenv("AWSML_STATE_DIR");
    char sub[sizeof(dir) + 32];
    snprintf(sub, sizeof(sub), "%s/pending-creates", dir);
    assert_int_equal(rmdir(sub), 0); /* empty: the record was removed */
    assert_int_equal(rmdir(dir), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_key_check_rules_and_defaults),
        cmocka_unit_test(test_alias_check_names),
        cmocka_unit_test(test_key_diff_policy_by_meaning),
        cmocka_unit_test(test_create_retries_an_unknown_principal),
        cmocka_unit_test(test_read_pending_deletion_is_gone),
        cmocka_unit_test(test_delete_window_and_already_pending),
        cmocka_unit_test(test_alias_read_follows_markers),
        cmocka_unit_test(test_alias_lost_create_is_adopted),
        cmocka_unit_test(test_resumed_create_adopts_the_tokened_key),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
