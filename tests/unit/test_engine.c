/* The resource engine on a table of its own (not one of the shipped types),
 * so every rule it offers is pinned here: Check's types, rules, defaults,
 * paths and resource IDs, Diff's kinds and comparisons, read-back and the
 * schema a table gives. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>
#include <cmocka.h>

#include "resources/common.h"
#include "resources/engine.h"

#define POLICY_A                                                                                   \
    "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:*\","        \
    "\"Resource\":\"*\"}]}"
/* The same document, keys reordered and a one-element array. */
#define POLICY_A2                                                                                  \
    "{\"Statement\":[{\"Resource\":[\"*\"],\"Action\":[\"s3:*\"],\"Effect\":\"Allow\"}],"          \
    "\"Version\":\"2012-10-17\"}"

static bool t_lower(int c)
{
    return c >= 'a' && c <= 'z';
}

static bool t_not_x(const char *s)
{
    return strchr(s, 'x') == NULL;
}

static const char *const t_colours[] = {"red", "green", NULL};

static const eng_prop t_inner_rows[] = {
    {.name = "size", .type = ET_INT, .flags = EP_REQUIRED, .valid = EV_INT, .min = 1, .max = 9},
    {.name = "label", .type = ET_STRING, .doc = "A label."},
};
static const eng_object t_inner = {
    .token = "test/Inner:Inner", .doc = "Inner.", ENG_ROWS(t_inner_rows)};

static const eng_prop t_rows[] = {
    {.name = "name",
     .type = ET_STRING,
     .flags = EP_NAME | EP_REPLACE | EP_ALWAYS,
     .valid = EV_STRING,
     .min = 1,
     .max = 40,
     .charset = t_lower,
     .rule = "lower-case letters",
     .prefix_of = "namePrefix",
     .doc = "Name."},
    {.name = "namePrefix",
     .type = ET_STRING,
     .flags = EP_REPLACE,
     .valid = EV_STRING,
     .min = 1,
     .max = 5,
     .charset = t_lower,
     .rule = "lower-case letters"},
    {.name = "word",
     .type = ET_STRING,
     .valid = EV_STRING,
     .min = 0,
     .max = 10,
     .pred = t_not_x,
     .pred_rule = "must not contain x"},
    {.name = "colour", .type = ET_STRING, .valid = EV_ENUM, .values = t_colours},
    {.name = "roleArn", .type = ET_STRING, .valid = EV_ARN, .service = "iam"},
    {.name = "owner", .type = ET_STRING, .flags = EP_RESOURCE_ID},
    {.name = "policy",
     .type = ET_STRING,
     .flags = EP_REQUIRED,
     .valid = EV_POLICY,
     .diff = ED_POLICY},
    {.name = "doc", .type = ET_STRING, .valid = EV_JSON, .max = 100, .diff = ED_JSON},
    {.name = "count",
     .type = ET_INT,
     .def = "3",
     .valid = EV_INT,
     .min = 1,
     .max = 5,
     .doc = "Count.",
     .doc_in = "How many."},
    {.name = "on", .type = ET_BOOL, .def = "false"},
    {.name = "inner", .type = ET_OBJECT, .object = &t_inner},
    {.name = "items", .type = ET_LIST, .object = &t_inner},
    {.name = "arns",
     .type = ET_LIST,
     .item = ET_STRING,
     .flags = EP_UNMANAGED_ABSENT,
     .valid = EV_ARN,
     .diff = ED_SET},
    {.name = "desc", .type = ET_STRING},
    {.name = "tags", .type = ET_MAP, .item = ET_STRING, .flags = EP_TAGS, .diff = ED_MAP},
    {.name = "secretThing", .type = ET_STRING, .flags = EP_SECRET, .deprecated = "Use other."},
    {.name = "arn", .type = ET_STRING, .flags = EP_OUTPUT},
    {.name = "tagsAll",
     .type = ET_MAP,
     .item = ET_STRING,
     .flags = EP_OUTPUT | EP_TAGS_ALL,
     .diff = ED_MAP},
};
static const eng_table t_table = {.doc = "A test type.", ENG_ROWS(t_rows), .empty_is_absent = true};
static const resource_type t_type = {
    .token = "test/thing:Thing", .table = &t_table, .delete_before_replace = true};

static pv *obj(void)
{
    pv *o = pv_object();
    assert_non_null(o);
    return o;
}

static void set(pv *o, const char *k, pv *v)
{
    assert_non_null(v);
    assert_int_equal(pv_object_set(o, k, v), 0);
}

static pv *valid_news(void)
{
    pv *n = obj();
    set(n, "policy", pv_string(POLICY_A));
    return n;
}

static check_failures run_check(const pv *olds, const pv *news, pv **in)
{
    unsigned char seed[32] = {7};
    res_ctx ctx = {.urn = "urn:pulumi:s::p::test:test/thing:Thing::thing",
                   .name = "thing",
                   .random_seed = seed,
                   .random_seed_len = sizeof(seed)};
    check_failures f = {0};
    err e = {0};
    pv *inputs = NULL;
    if (engine_check(&t_type, &ctx, olds, news, &inputs, &f, &e) != 0)
        fail_msg("check failed: %s", e.msg);
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

/* One bad value: exactly one failure, on path, mentioning needle. */
static void expect_one(const char *key, pv *v, const char *path, const char *needle)
{
    pv *n = valid_news();
    set(n, key, v);
    check_failures f = run_check(NULL, n, NULL);
    for (size_t i = 0; i < f.len; i++)
        print_message("failure %s: %s\n", f.props[i], f.reasons[i]);
    assert_int_equal(f.len, 1);
    assert_non_null(reason(&f, path));
    assert_non_null(strstr(reason(&f, path), needle));
    check_failures_free(&f);
    pv_free(n);
}

static void test_check_defaults_autoname_and_tags_all(void **state)
{
    (void)state;
    pv *n = valid_news(), *tags = obj(), *in = NULL;
    set(tags, "env", pv_string("dev"));
    set(n, "tags", tags);
    check_failures f = run_check(NULL, n, &in);
    assert_int_equal(f.len, 0);
    assert_int_equal((int)pv_object_get(in, "count")->u.n, 3);
    assert_false(pv_object_get(in, "on")->u.b);
    const char *name = prop_str(in, "name");
    assert_non_null(name);
    assert_memory_equal(name, "thing-", 6);
    assert_string_equal(prop_str(pv_object_get(in, "tagsAll"), "env"), "dev");
    check_failures_free(&f);
    pv_free(in);

    /* a prefix names it prefix + 26 characters; an unknown prefix leaves it unknown */
    set(n, "namePrefix", pv_string("abc"));
    f = run_check(NULL, n, &in);
    assert_int_equal(f.len, 0);
    assert_int_equal(strlen(prop_str(in, "name")), 3 + 26);
    check_failures_free(&f);
    pv_free(in);
    set(n, "namePrefix", pv_unknown(PV_UNK_ANY));
    f = run_check(NULL, n, &in);
    assert_true(prop_is_unknown(in, "name"));
    check_failures_free(&f);
    pv_free(in);

    /* name and prefix together: one failure on name */
    set(n, "namePrefix", pv_string("abc"));
    set(n, "name", pv_string("given"));
    f = run_check(NULL, n, NULL);
    assert_int_equal(f.len, 1);
    assert_non_null(strstr(reason(&f, "name"), "conflicts with namePrefix"));
    check_failures_free(&f);
    pv_free(n);
}

static void test_check_rules_and_paths(void **state)
{
    (void)state;
    expect_one("name", pv_string("Bad"), "name", "'B' is not allowed");
    expect_one("namePrefix", pv_string("toolong"), "namePrefix", "1 to 5 characters");
    expect_one("word", pv_string("xyz"), "word", "must not contain x");
    expect_one("colour", pv_string("blue"), "colour", "one of red, green");
    expect_one("roleArn", pv_string("arn:aws:s3:::bucket"), "roleArn", "arn:<partition>:iam:");
    expect_one("roleArn", pv_string("role-name"), "roleArn", "must be an ARN");
    expect_one("doc", pv_string("{nope"), "doc", "valid JSON");
    expect_one("count", pv_number(9), "count", "from 1 to 5");
    expect_one("count", pv_number(1.5), "count", "whole number");
    expect_one("on", pv_string("yes"), "on", "a boolean");
    expect_one("policy", pv_string("[1]"), "policy", "JSON object");
    pv *inner = obj();
    set(inner, "label", pv_string("l"));
    expect_one("inner", inner, "inner.size", "required");
    pv *items = pv_array(), *el = obj();
    set(el, "size", pv_number(0));
    assert_int_equal(pv_array_push(items, el), 0);
    expect_one("items", items, "items[0].size", "from 1 to 9");
    pv *arns = pv_array();
    assert_int_equal(pv_array_push(arns, pv_string("arn:aws:iam::aws:policy/A")), 0);
    assert_int_equal(pv_array_push(arns, pv_string("nope")), 0);
    expect_one("arns", arns, "arns[1]", "ARN");
    pv *tags = obj();
    set(tags, "a.b", pv_number(1));
    expect_one("tags", tags, "tags[\"a.b\"]", "a string");
    tags = obj();
    char big[300];
    memset(big, 'v', 257);
    big[257] = '\0';
    set(tags, "k", pv_string(big));
    expect_one("tags", tags, "tags.k", "256");

    /* missing required, and unknowns pass */
    pv *n = obj();
    check_failures f = run_check(NULL, n, NULL);
    assert_int_equal(f.len, 1);
    assert_non_null(strstr(reason(&f, "policy"), "'policy' is required"));
    check_failures_free(&f);
    set(n, "policy", pv_unknown(PV_UNK_ANY));
    set(n, "count", pv_unknown(PV_UNK_NUMBER));
    f = run_check(NULL, n, NULL);
    assert_int_equal(f.len, 0);
    check_failures_free(&f);
    pv_free(n);
}

static void test_check_normalises_values(void **state)
{
    (void)state;
    pv *n = obj(), *doc = obj(), *ref = obj(), *in = NULL;
    /* a policy given as an object is serialised; a reference stands for its ID */
    cJSON *j = cJSON_Parse(POLICY_A);
    set(n, "policy", pv_from_cjson(j));
    cJSON_Delete(j);
    set(doc, "a", pv_number(1));
    set(n, "doc", doc);
    set(ref, "urn", pv_string("urn:pulumi:s::p::aws:iam/role:Role::r"));
    set(ref, "id", pv_string("role-1"));
    ref->kind = PV_RESOURCE;
    set(n, "owner", ref);
    check_failures f = run_check(NULL, n, &in);
    assert_int_equal(f.len, 0);
    assert_non_null(prop_str(in, "policy"));
    assert_string_equal(prop_str(in, "doc"), "{\"a\":1}");
    assert_string_equal(prop_str(in, "owner"), "role-1");
    check_failures_free(&f);
    pv_free(in);
    pv_free(n);
}

static diff_result run_diff(const pv *olds, const pv *news)
{
    res_ctx ctx = {.name = "thing"};
    diff_result d = {0};
    err e = {0};
    assert_int_equal(engine_diff(&t_type, &ctx, "id", olds, news, olds, NULL, 0, &d, &e), 0);
    return d;
}

static int kind_of(const diff_result *d, const char *path)
{
    for (size_t i = 0; i < d->len; i++)
        if (strcmp(d->entries[i].path, path) == 0)
            return (int)d->entries[i].kind;
    return -1;
}

static void test_diff_kinds_and_comparisons(void **state)
{
    (void)state;
    pv *olds = valid_news(), *news = valid_news();
    pv *ot = obj(), *nt = obj(), *oa = pv_array(), *na = pv_array();
    set(olds, "name", pv_string("a"));
    set(news, "name", pv_string("b"));         /* replace */
    set(olds, "count", pv_number(3));          /* delete */
    set(news, "word", pv_string("w"));         /* add */
    set(news, "policy", pv_string(POLICY_A2)); /* same meaning: no diff */
    set(olds, "doc", pv_string("{\"a\": 1, \"b\": 2}"));
    set(news, "doc", pv_string("{\"b\":2,\"a\":1}")); /* same JSON: no diff */
    set(olds, "desc", pv_string(""));                 /* "" is absent: no diff */
    assert_int_equal(pv_array_push(oa, pv_string("arn:aws:iam::aws:policy/A")), 0);
    assert_int_equal(pv_array_push(oa, pv_string("arn:aws:iam::aws:policy/B")), 0);
    assert_int_equal(pv_array_push(na, pv_string("arn:aws:iam::aws:policy/B")), 0);
    assert_int_equal(pv_array_push(na, pv_string("arn:aws:iam::aws:policy/A")), 0);
    set(olds, "arns", oa);
    set(news, "arns", na); /* a set: order is no change */
    set(ot, "keep", pv_string("1"));
    set(ot, "drop", pv_string("2"));
    set(nt, "keep", pv_string("1"));
    set(nt, "new key", pv_string("3"));
    set(olds, "tags", ot);
    set(news, "tags", nt);
    set(olds, "arn", pv_string("arn:aws:iam::1:thing/a")); /* outputs are not inputs */
    diff_result d = run_diff(olds, news);
    for (size_t i = 0; i < d.len; i++)
        print_message("diff %s %d\n", d.entries[i].path, d.entries[i].kind);
    assert_int_equal(d.len, 5);
    assert_int_equal(kind_of(&d, "name"), DIFF_UPDATE_REPLACE);
    assert_int_equal(kind_of(&d, "count"), DIFF_DELETE);
    assert_int_equal(kind_of(&d, "word"), DIFF_ADD);
    assert_int_equal(kind_of(&d, "tags[\"new key\"]"), DIFF_ADD);
    assert_int_equal(kind_of(&d, "tags.drop"), DIFF_DELETE);
    assert_true(d.delete_before_replace);
    diff_result_free(&d);

    /* a list that is not managed (absent) is no change; an unknown is one */
    pv_object_remove(news, "arns");
    set(news, "doc", pv_unknown(PV_UNK_ANY));
    d = run_diff(olds, news);
    assert_int_equal(kind_of(&d, "arns"), -1);
    assert_int_equal(kind_of(&d, "doc"), DIFF_UPDATE);
    diff_result_free(&d);
    pv_free(olds);
    pv_free(news);
}

static void test_read_inputs_keep_the_users_text(void **state)
{
    (void)state;
    pv *out = valid_news(), *old = obj();
    set(out, "policy", pv_string(POLICY_A2)); /* AWS's form of the user's document */
    set(out, "arn", pv_string("arn:aws:iam::1:thing/a"));
    set(out, "word", pv_string("w"));
    set(old, "policy", pv_string(POLICY_A));
    pv *in = engine_read_inputs(&t_table, out, old);
    assert_non_null(in);
    assert_string_equal(prop_str(in, "policy"), POLICY_A);
    assert_string_equal(prop_str(in, "word"), "w");
    assert_null(pv_object_get(in, "arn"));
    pv_free(in);
    pv_free(out);
    pv_free(old);
}

static void test_schema_from_the_table(void **state)
{
    (void)state;
    cJSON *res = cJSON_CreateObject(), *types = cJSON_CreateObject();
    assert_int_equal(engine_schema_resource("pkg", t_type.token, &t_table, res, types), 0);
    cJSON *r = cJSON_GetObjectItem(res, "pkg:test/thing:Thing");
    assert_non_null(r);
    cJSON *in = cJSON_GetObjectItem(r, "inputProperties");
    cJSON *props = cJSON_GetObjectItem(r, "properties");
    assert_null(cJSON_GetObjectItem(in, "arn"));
    assert_non_null(cJSON_GetObjectItem(props, "arn"));
    cJSON *count_in = cJSON_GetObjectItem(in, "count");
    assert_int_equal(cJSON_GetObjectItem(count_in, "default")->valueint, 3);
    assert_string_equal(cJSON_GetObjectItem(count_in, "description")->valuestring, "How many.");
    assert_string_equal(
        cJSON_GetObjectItem(cJSON_GetObjectItem(props, "count"), "description")->valuestring,
        "Count.");
    assert_true(
        cJSON_IsTrue(cJSON_GetObjectItem(cJSON_GetObjectItem(props, "name"), "replaceOnChanges")));
    assert_null(cJSON_GetObjectItem(cJSON_GetObjectItem(in, "name"), "replaceOnChanges"));
    cJSON *secret = cJSON_GetObjectItem(props, "secretThing");
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(secret, "secret")));
    assert_string_equal(cJSON_GetObjectItem(secret, "deprecationMessage")->valuestring,
                        "Use other.");
    assert_string_equal(
        cJSON_GetObjectItem(cJSON_GetObjectItem(props, "inner"), "$ref")->valuestring,
        "#/types/pkg:test/Inner:Inner");
    cJSON *items = cJSON_GetObjectItem(cJSON_GetObjectItem(props, "items"), "items");
    assert_string_equal(cJSON_GetObjectItem(items, "$ref")->valuestring,
                        "#/types/pkg:test/Inner:Inner");
    char *req = cJSON_PrintUnformatted(cJSON_GetObjectItem(r, "requiredInputs"));
    assert_string_equal(req, "[\"policy\"]");
    cJSON_free(req);
    req = cJSON_PrintUnformatted(cJSON_GetObjectItem(r, "required"));
    assert_string_equal(req, "[\"arn\",\"name\",\"policy\",\"tagsAll\"]");
    cJSON_free(req);
    cJSON *inner = cJSON_GetObjectItem(types, "pkg:test/Inner:Inner");
    assert_non_null(inner);
    req = cJSON_PrintUnformatted(cJSON_GetObjectItem(inner, "required"));
    assert_string_equal(req, "[\"size\"]");
    cJSON_free(req);
    assert_null(cJSON_GetObjectItem(r, "deprecationMessage"));
    /* A deprecated token over the same rows says so at the resource. */
    eng_table old = t_table;
    old.deprecated = "test.OldThing has been deprecated in favor of test.Thing";
    assert_int_equal(engine_schema_resource("pkg", "test/oldThing:OldThing", &old, res, types), 0);
    r = cJSON_GetObjectItem(res, "pkg:test/oldThing:OldThing");
    assert_string_equal(cJSON_GetObjectItem(r, "deprecationMessage")->valuestring, old.deprecated);
    assert_non_null(cJSON_GetObjectItem(cJSON_GetObjectItem(r, "properties"), "arn"));
    cJSON_Delete(res);
    cJSON_Delete(types);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_check_defaults_autoname_and_tags_all),
        cmocka_unit_test(test_check_rules_and_paths),
        cmocka_unit_test(test_check_normalises_values),
        cmocka_unit_test(test_diff_kinds_and_comparisons),
        cmocka_unit_test(test_read_inputs_keep_the_users_text),
        cmocka_unit_test(test_schema_from_the_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
