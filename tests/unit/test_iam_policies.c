/* iam/policy:Policy and iam/rolePolicy:RolePolicy: Check rules, Diff by
 * document meaning, the preview halves of Create/Update and ID errors without
 * AWS; then, against tests/support/fault_server.py (POST /iam/<scenario>),
 * what moto cannot show: the version IAM's five-version limit makes the
 * update delete, a DeleteConflict while an attachment's removal lands,
 * NoSuchEntity from PutRolePolicy for a role IAM does not show yet, and an
 * inline policy of the same name that create refuses to overwrite. (The
 * whole life cycle runs against moto in tests/e2e/test_iam_policies.py.) */
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
#include "aws/http.h"
#include "fake_env.h"
#include "fault_server.h"
#include "resource.h"
#include "resources/common.h"
#include "resources/engine.h"

extern const resource_type iam_policy_type;
extern const resource_type iam_role_policy_type;

#define POL_A                                                                                      \
    "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":"                 \
    "[\"s3:GetObject\",\"s3:PutObject\"],\"Resource\":\"*\"}]}"
/* POL_A with keys reordered, spacing, sets in another order and Resource a list. */
#define POL_A_EQUIV                                                                                \
    "{ \"Statement\": {\"Resource\": [\"*\"], \"Action\": [\"s3:PutObject\", \"s3:GetObject\"], "  \
    "\"Effect\": \"Allow\"}, \"Version\": \"2012-10-17\" }"
#define POL_B                                                                                      \
    "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Deny\",\"Action\":\"s3:*\","         \
    "\"Resource\":\"*\"}]}"
#define ARN "arn:aws:iam::123456789012:policy/p"
#define SECRET "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"

static const unsigned char SEED[] = "0123456789abcdef0123456789abcdef";
static fault_server server;
static aws_client *client; /* the fault server's /iam/<scenario> as IAM */

static aws_client *client_for(const char *region, err *e)
{
    (void)region;
    (void)e;
    return client;
}

static res_ctx mkctx(const resource_type *rt, bool configured)
{
    res_ctx c = {.urn = rt == &iam_policy_type ? "urn:pulumi:dev::p::aws:iam/policy:Policy::pol"
                                               : "urn:pulumi:dev::p::aws:iam/rolePolicy:"
                                                 "RolePolicy::rp",
                 .name = rt == &iam_policy_type ? "pol" : "rp",
                 .random_seed = SEED,
                 .random_seed_len = sizeof(SEED) - 1,
                 .client_for = configured ? client_for : NULL};
    return c;
}

static void use_scenario(const char *scenario)
{
    static struct fake_env fe = {{{0}}};
    profile_env env = env_of(&fe);
    char url[128];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/iam/%s", server.port, scenario);
    aws_options o = {.env = &env,
                     .region = "us-east-1",
                     .access_key = "AKIAFAULTTEST",
                     .secret_key = SECRET,
                     .max_attempts = 1};
    o.endpoints[ENDPOINTS_IAM] = url;
    err e = {0};
    aws_client_free(client);
    client = NULL;
    if (aws_client_new(&o, &client, &e) != 0)
        fail_msg("aws_client_new: %s", e.msg);
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

static pv *obj(void)
{
    pv *o = pv_object();
    assert_non_null(o);
    return o;
}

static void set(pv *o, const char *k, pv *v)
{
    assert_int_equal(pv_object_set(o, k, v), 0);
}

static pv *policy_news(void)
{
    pv *n = obj();
    set(n, "policy", pv_string(POL_A));
    return n;
}

static pv *role_policy_news(void)
{
    pv *n = policy_news();
    set(n, "role", pv_string("r"));
    return n;
}

static pv *check(const resource_type *rt, const pv *olds, const pv *news, check_failures *f)
{
    res_ctx c = mkctx(rt, false);
    pv *in = NULL;
    err e = {0};
    if (engine_check(rt, &c, olds, news, &in, f, &e) != 0)
        fail_msg("check failed: %s", e.msg);
    assert_non_null(in);
    return in;
}

static bool has_failure(const check_failures *f, const char *prop, const char *needle)
{
    for (size_t i = 0; i < f->len; i++)
        if (strcmp(f->props[i], prop) == 0 && (!needle || strstr(f->reasons[i], needle)))
            return true;
    return false;
}

/* Check of news; asserts a failure on prop mentioning needle. Frees news. */
static void expect_failure(const resource_type *rt, pv *news, const char *prop, const char *needle)
{
    check_failures f = {0};
    pv *in = check(rt, NULL, news, &f);
    if (!has_failure(&f, prop, needle)) {
        for (size_t i = 0; i < f.len; i++)
            print_message("failure %s: %s\n", f.props[i], f.reasons[i]);
        fail_msg("no failure on %s mentioning %s", prop, needle ? needle : "(any)");
    }
    check_failures_free(&f);
    pv_free(in);
    pv_free(news);
}

static char *repeat(char c, size_t n)
{
    char *s = malloc(n + 1);
    assert_non_null(s);
    memset(s, c, n);
    s[n] = '\0';
    return s;
}

/* ---- check ------------------------------------------------------------------- */

static void test_policy_check_defaults_and_autoname(void **state)
{
    (void)state;
    check_failures f = {0};
    pv *news = policy_news();
    pv *in = check(&iam_policy_type, NULL, news, &f);
    assert_int_equal(f.len, 0);
    assert_string_equal(prop_str(in, "path"), "/");
    const char *name = prop_str(in, "name");
    assert_non_null(name);
    assert_true(strncmp(name, "pol-", 4) == 0 && strlen(name) == 11);
    assert_non_null(prop_get(in, "tagsAll"));
    pv_free(in);
    set(news, "namePrefix", pv_string("pre-"));
    in = check(&iam_policy_type, NULL, news, &f);
    assert_int_equal(f.len, 0);
    assert_int_equal(strlen(prop_str(in, "name")), 4 + 26);
    pv_free(in);
    pv_free(news);
}

static void test_policy_check_rules_name_the_property(void **state)
{
    (void)state;
    char *n128 = repeat('a', 128), *n129 = repeat('a', 129), *p103 = repeat('p', 103);
    char *d1001 = repeat('d', 1001);
    check_failures f = {0};
    pv *news = policy_news();
    set(news, "name", pv_string(n128)); /* 128 is allowed (a role's limit is 64) */
    pv *in = check(&iam_policy_type, NULL, news, &f);
    assert_int_equal(f.len, 0);
    pv_free(in);
    pv_free(news);

    news = policy_news();
    set(news, "name", pv_string(n129));
    expect_failure(&iam_policy_type, news, "name", "128");
    news = policy_news();
    set(news, "name", pv_string("bad name"));
    expect_failure(&iam_policy_type, news, "name", "' ' is not allowed");
    news = policy_news();
    set(news, "namePrefix", pv_string(p103));
    expect_failure(&iam_policy_type, news, "namePrefix", "102");
    news = policy_news();
    set(news, "name", pv_string("a"));
    set(news, "namePrefix", pv_string("b"));
    expect_failure(&iam_policy_type, news, "name", "conflicts with namePrefix");
    news = policy_news();
    set(news, "path", pv_string("no-slashes"));
    expect_failure(&iam_policy_type, news, "path", "must start and end with /");
    news = policy_news();
    set(news, "description", pv_string(d1001));
    expect_failure(&iam_policy_type, news, "description", "1000");
    news = policy_news();
    set(news, "delayAfterPolicyCreationInMs", pv_number(-1));
    expect_failure(&iam_policy_type, news, "delayAfterPolicyCreationInMs", "0 to 3600000");
    news = policy_news();
    set(news, "policy", pv_string("not json"));
    expect_failure(&iam_policy_type, news, "policy", NULL);
    news = obj();
    expect_failure(&iam_policy_type, news, "policy", "'policy' is required");
    free(n128);
    free(n129);
    free(p103);
    free(d1001);
}

static void test_role_policy_check_rules(void **state)
{
    (void)state;
    check_failures f = {0};
    pv *news = role_policy_news();
    pv *in = check(&iam_role_policy_type, NULL, news, &f);
    assert_int_equal(f.len, 0);
    assert_true(strncmp(prop_str(in, "name"), "rp-", 3) == 0);
    pv_free(in);
    pv_free(news);

    char *r65 = repeat('r', 65);
    news = role_policy_news();
    set(news, "role", pv_string(r65));
    expect_failure(&iam_role_policy_type, news, "role", "64");
    news = policy_news();
    expect_failure(&iam_role_policy_type, news, "role", "'role' is required");
    news = role_policy_news();
    set(news, "name", pv_string("a:b"));
    expect_failure(&iam_role_policy_type, news, "name", "':' is not allowed");
    news = role_policy_news();
    set(news, "policy", pv_string("[1]"));
    expect_failure(&iam_role_policy_type, news, "policy", NULL);
    free(r65);

    /* A policy document given as an object (pulumi_aws's PolicyDocumentArgs) is serialised. */
    news = role_policy_news();
    cJSON *j = cJSON_Parse(POL_B);
    pv *docobj = pv_from_cjson(j);
    cJSON_Delete(j);
    set(news, "policy", docobj);
    in = check(&iam_role_policy_type, NULL, news, &f);
    assert_int_equal(f.len, 0);
    assert_non_null(prop_str(in, "policy"));
    assert_true(engine_json_text_equal(prop_str(in, "policy"), POL_B));
    pv_free(in);
    pv_free(news);
}

/* ---- diff -------------------------------------------------------------------- */

static pv *policy_outputs(void)
{
    check_failures f = {0};
    pv *news = policy_news();
    set(news, "name", pv_string("p"));
    set(news, "description", pv_string("d"));
    pv *tags = obj();
    set(tags, "team", pv_string("ml"));
    set(news, "tags", tags);
    pv *in = check(&iam_policy_type, NULL, news, &f);
    assert_int_equal(f.len, 0);
    pv_free(news);
    set(in, "arn", pv_string(ARN));
    set(in, "policyId", pv_string("ANPAEXAMPLE"));
    set(in, "attachmentCount", pv_number(0));
    return in;
}

static diff_result diff(const resource_type *rt, const pv *olds, const pv *news)
{
    res_ctx c = mkctx(rt, false);
    diff_result d = {0};
    err e = {0};
    assert_int_equal(engine_diff(rt, &c, "id", olds, news, NULL, NULL, 0, &d, &e), 0);
    return d;
}

static const diff_entry *entry(const diff_result *d, const char *path)
{
    for (size_t i = 0; i < d->len; i++)
        if (strcmp(d->entries[i].path, path) == 0)
            return &d->entries[i];
    return NULL;
}

static void test_policy_diff(void **state)
{
    (void)state;
    pv *olds = policy_outputs();
    pv *news = pv_copy(olds);
    pv_object_remove(news, "arn");
    pv_object_remove(news, "policyId");
    pv_object_remove(news, "attachmentCount");
    diff_result d = diff(&iam_policy_type, olds, news);
    assert_int_equal(d.len, 0);
    diff_result_free(&d);

    set(news, "policy", pv_string(POL_A_EQUIV)); /* the same document, written otherwise */
    d = diff(&iam_policy_type, olds, news);
    assert_int_equal(d.len, 0);
    diff_result_free(&d);

    set(news, "policy", pv_string(POL_B));
    set(news, "delayAfterPolicyCreationInMs", pv_number(50));
    d = diff(&iam_policy_type, olds, news);
    assert_int_equal(d.len, 2);
    assert_int_equal(entry(&d, "policy")->kind, DIFF_UPDATE);
    assert_int_equal(entry(&d, "delayAfterPolicyCreationInMs")->kind, DIFF_ADD);
    assert_false(diff_has_replace(&d));
    diff_result_free(&d);

    set(news, "policy", pv_string(POL_A));
    pv_object_remove(news, "delayAfterPolicyCreationInMs");
    set(news, "description", pv_string("other"));
    set(news, "path", pv_string("/x/"));
    d = diff(&iam_policy_type, olds, news);
    assert_int_equal(entry(&d, "description")->kind, DIFF_UPDATE_REPLACE);
    assert_int_equal(entry(&d, "path")->kind, DIFF_UPDATE_REPLACE);
    diff_result_free(&d);
    pv_free(olds);
    pv_free(news);
}

static void test_role_policy_diff(void **state)
{
    (void)state;
    check_failures f = {0};
    pv *news = role_policy_news();
    set(news, "name", pv_string("p"));
    pv *olds = check(&iam_role_policy_type, NULL, news, &f);
    assert_int_equal(f.len, 0);
    set(news, "policy", pv_string(POL_A_EQUIV));
    diff_result d = diff(&iam_role_policy_type, olds, news);
    assert_int_equal(d.len, 0);
    diff_result_free(&d);
    set(news, "policy", pv_string(POL_B));
    set(news, "role", pv_string("other"));
    d = diff(&iam_role_policy_type, olds, news);
    assert_int_equal(entry(&d, "policy")->kind, DIFF_UPDATE);
    assert_int_equal(entry(&d, "role")->kind, DIFF_UPDATE_REPLACE);
    diff_result_free(&d);
    pv_free(olds);
    pv_free(news);
}

/* ---- previews and IDs ------------------------------------------------------------ */

static void test_previews(void **state)
{
    (void)state;
    pv *in = policy_outputs();
    pv_object_remove(in, "arn");
    res_ctx c = mkctx(&iam_policy_type, false);
    c.preview = true;
    char *id = NULL;
    pv *out = NULL;
    err e = {0};
    assert_int_equal(iam_policy_type.create(&c, in, &id, &out, &e), 0);
    assert_null(id);
    assert_true(prop_is_unknown(out, "arn"));
    assert_true(prop_is_unknown(out, "policyId"));
    assert_true(prop_is_unknown(out, "attachmentCount"));
    pv_free(out);
    pv *olds = policy_outputs();
    set(in, "policy", pv_string(POL_B));
    assert_int_equal(iam_policy_type.update(&c, ARN, olds, in, NULL, &out, &e), 0);
    assert_string_equal(prop_str(out, "arn"), ARN);
    assert_string_equal(prop_str(out, "policy"), POL_B);
    pv_free(out);
    pv_free(olds);
    pv_free(in);
}

static void test_bad_ids_are_named(void **state)
{
    (void)state;
    static const char *const bad_rp[] = {"no-colon", ":p", "r:", "r:bad name", "r r:p"};
    for (size_t i = 0; i < sizeof(bad_rp) / sizeof(bad_rp[0]); i++) {
        res_ctx c = mkctx(&iam_role_policy_type, false);
        char *nid = NULL;
        pv *out = NULL, *nin = NULL;
        err e = {0};
        assert_int_equal(iam_role_policy_type.read(&c, bad_rp[i], NULL, NULL, &nid, &out, &nin, &e),
                         -1);
        assert_int_equal(e.code, ERR_INVALID_ARGUMENT);
        assert_non_null(strstr(e.msg, "is not <role-name>:<policy-name>"));
        err_clear(&e);
        assert_int_equal(iam_role_policy_type.del(&c, bad_rp[i], NULL, &e), -1);
        assert_int_equal(e.code, ERR_INVALID_ARGUMENT);
    }
    static const char *const bad_pol[] = {"p", "arn:aws:iam::123456789012:role/r",
                                          "arn:aws:s3:::policy/x", "arn:aws:iam::1:policy/"};
    for (size_t i = 0; i < sizeof(bad_pol) / sizeof(bad_pol[0]); i++) {
        res_ctx c = mkctx(&iam_policy_type, false);
        char *nid = NULL;
        pv *out = NULL, *nin = NULL;
        err e = {0};
        assert_int_equal(iam_policy_type.read(&c, bad_pol[i], NULL, NULL, &nid, &out, &nin, &e),
                         -1);
        assert_non_null(strstr(e.msg, "is not a policy ARN"));
    }
    /* A good ID gets as far as the client: not configured. */
    res_ctx c = mkctx(&iam_role_policy_type, false);
    err e = {0};
    assert_int_equal(iam_role_policy_type.del(&c, "r:p", NULL, &e), -1);
    assert_non_null(strstr(e.msg, "not configured"));
}

/* ---- against the fault server ------------------------------------------------------ */

/* Five versions, the oldest the default, two made the same second: the
 * oldest non-default (v9, before v10) goes, then the new version is made. */
static void test_update_deletes_the_oldest_non_default_version(void **state)
{
    (void)state;
    use_scenario("prune");
    res_ctx c = mkctx(&iam_policy_type, true);
    pv *olds = policy_outputs();
    pv *news = pv_copy(olds);
    set(news, "policy", pv_string(POL_B));
    pv *out = NULL;
    err e = {0};
    if (iam_policy_type.update(&c, ARN, olds, news, NULL, &out, &e) != 0)
        fail_msg("update: %s", e.msg);
    assert_int_equal(hits("/iam/prune/DeletePolicyVersion"), 1);
    assert_int_equal(hits("/iam/prune/DeletePolicyVersion/v9"), 1);
    assert_int_equal(hits("/iam/prune/CreatePolicyVersion"), 1);
    assert_int_equal(hits("/iam/prune/SetDefaultPolicyVersion"), 0); /* SetAsDefault=true */
    /* Tags unchanged: no tag calls. */
    assert_int_equal(hits("/iam/prune/TagPolicy") + hits("/iam/prune/UntagPolicy"), 0);
    assert_string_equal(prop_str(out, "arn"), ARN);
    pv_free(out);

    /* With a delay: created, waited for, then made the default. */
    set(news, "delayAfterPolicyCreationInMs", pv_number(5));
    if (iam_policy_type.update(&c, ARN, olds, news, NULL, &out, &e) != 0)
        fail_msg("update: %s", e.msg);
    assert_int_equal(hits("/iam/prune/SetDefaultPolicyVersion"), 1);
    pv_free(out);
    pv_free(olds);
    pv_free(news);
}

/* DeleteConflict while an attachment's removal lands: retried; the
 * non-default versions go first. */
static void test_delete_waits_out_a_conflict(void **state)
{
    (void)state;
    use_scenario("conflict");
    res_ctx c = mkctx(&iam_policy_type, true);
    err e = {0};
    if (iam_policy_type.del(&c, ARN, NULL, &e) != 0)
        fail_msg("delete: %s", e.msg);
    assert_int_equal(hits("/iam/conflict/DeletePolicyVersion/v2"), 1);
    assert_int_equal(hits("/iam/conflict/DeletePolicyVersion/v1"), 0); /* the default stays */
    assert_int_equal(hits("/iam/conflict/DeletePolicy"), 2);
}

/* PutRolePolicy for a role IAM does not show yet: NoSuchEntity twice, then it works. */
static void test_put_role_policy_waits_for_the_role(void **state)
{
    (void)state;
    use_scenario("notyet");
    res_ctx c = mkctx(&iam_role_policy_type, true);
    /* The fake's document, written otherwise. */
    static const char mine[] = "{\"Statement\":{\"Resource\":[\"*\"],\"Action\":[\"s3:GetObject\"],"
                               "\"Effect\":\"Allow\"},\"Version\":\"2012-10-17\"}";
    pv *in = role_policy_news();
    set(in, "name", pv_string("p"));
    set(in, "policy", pv_string(mine));
    char *id = NULL;
    pv *out = NULL;
    err e = {0};
    if (iam_role_policy_type.create(&c, in, &id, &out, &e) != 0)
        fail_msg("create: %s", e.msg);
    assert_string_equal(id, "r:p");
    assert_int_equal(hits("/iam/notyet/PutRolePolicy"), 3);
    assert_string_equal(prop_str(out, "policy"), mine); /* the user's text: means the same */
    assert_string_equal(prop_str(out, "role"), "r");
    free(id);
    pv_free(out);
    pv_free(in);
}

/* The role has an inline policy of that name already: refused (PutRolePolicy
 * would overwrite it without a word), naming the import command. */
static void test_role_policy_create_refuses_to_overwrite(void **state)
{
    (void)state;
    use_scenario("exists");
    res_ctx c = mkctx(&iam_role_policy_type, true);
    pv *in = role_policy_news();
    set(in, "name", pv_string("p"));
    char *id = NULL;
    pv *out = NULL;
    err e = {0};
    assert_int_equal(iam_role_policy_type.create(&c, in, &id, &out, &e), -1);
    assert_int_equal(e.code, ERR_ALREADY_EXISTS);
    assert_non_null(strstr(e.msg, "role r already has an inline policy named p"));
    assert_non_null(strstr(e.msg, "pulumi import aws:iam/rolePolicy:RolePolicy <name> r:p"));
    assert_null(id); /* nothing of this resource's was made */
    assert_null(out);
    assert_int_equal(hits("/iam/exists/PutRolePolicy"), 0);
    pv_free(in);
}

static int group_setup(void **state)
{
    (void)state;
    return fault_server_start(&server, false);
}

static int group_teardown(void **state)
{
    (void)state;
    aws_client_free(client);
    client = NULL;
    fault_server_stop(&server);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_policy_check_defaults_and_autoname),
        cmocka_unit_test(test_policy_check_rules_name_the_property),
        cmocka_unit_test(test_role_policy_check_rules),
        cmocka_unit_test(test_policy_diff),
        cmocka_unit_test(test_role_policy_diff),
        cmocka_unit_test(test_previews),
        cmocka_unit_test(test_bad_ids_are_named),
        cmocka_unit_test(test_update_deletes_the_oldest_non_default_version),
        cmocka_unit_test(test_delete_waits_out_a_conflict),
        cmocka_unit_test(test_put_role_policy_waits_for_the_role),
        cmocka_unit_test(test_role_policy_create_refuses_to_overwrite),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
