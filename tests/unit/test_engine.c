/* The resource engine on a table of its own (not one of the shipped types),
 * so every rule it offers is pinned here: Check's types, rules, defaults,
 * paths and resource IDs, Diff's kinds and comparisons, read-back and the
 * schema a table gives. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>
#include <cmocka.h>

#include "resources/common.h"
#include "resources/engine.h"
#include "aws/query.h"

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

/* ---- updates, tag writes and reads (engine_calls.c) ---------------------------------- */

/* Every request a type would send, as text: "Action body" (query) or
 * "Action {json}"; ERR_NOT_FOUND for actions starting with "Delete". */
typedef struct sent {
    char calls[8][600];
    size_t n;
} sent;

static int capture(res_ctx *ctx, void *arg, const char *action, void *req, bool json, err *e)
{
    sent *s = arg;
    assert_true(s->n < 8);
    if (json) {
        char *t = cJSON_PrintUnformatted(req);
        snprintf(s->calls[s->n++], sizeof(s->calls[0]), "%s %s", action, t);
        cJSON_free(t);
    } else {
        const query *q = req;
        snprintf(s->calls[s->n++], sizeof(s->calls[0]), "%s %s", action, q->body.data);
    }
    if (strncmp(action, "Delete", 6) == 0)
        return err_set(e, ERR_NOT_FOUND, "gone already");
    return 0;
}

static int capture_query(res_ctx *ctx, void *arg, const char *action, void *req, err *e)
{
    return capture(ctx, arg, action, req, false, e);
}

static int capture_json(res_ctx *ctx, void *arg, const char *action, void *req, err *e)
{
    return capture(ctx, arg, action, req, true, e);
}

static const eng_api q_api = {.version = "2010-05-08", .send = capture_query};
static const eng_api j_api = {.json = true, .send = capture_json};

static const eng_prop u_inner_rows[] = {
    {.name = "size", .type = ET_INT, .aws = "Size"},
};
static const eng_object u_inner = {.token = "test/U:U", .doc = "U.", ENG_ROWS(u_inner_rows)};

static const eng_prop u_rows[] = {
    {.name = "policy",
     .type = ET_STRING,
     .diff = ED_POLICY,
     .aws = "AssumePolicy",
     .send = ES_CREATE | ES_UPDATE},
    {.name = "desc", .type = ET_STRING, .aws = "Description", .send = ES_UPDATE},
    {.name = "count", .type = ET_INT, .def = "3", .aws = "Count", .send = ES_UPDATE},
    {.name = "bound", .type = ET_STRING, .aws = "Bound", .send = ES_UPDATE},
    {.name = "doc", .type = ET_STRING, .diff = ED_JSON, .aws = "Doc", .send = ES_UPDATE},
    {.name = "inner", .type = ET_OBJECT, .object = &u_inner, .aws = "Inner", .send = ES_UPDATE},
    {.name = "fixed", .type = ET_STRING, .aws = "Fixed", .send = ES_CREATE},
    {.name = "tags", .type = ET_MAP, .item = ET_STRING, .flags = EP_TAGS, .diff = ED_MAP},
    {.name = "tagsAll",
     .type = ET_MAP,
     .item = ET_STRING,
     .flags = EP_OUTPUT | EP_TAGS_ALL,
     .diff = ED_MAP},
    {.name = "arn", .type = ET_STRING, .flags = EP_OUTPUT, .aws = "Arn"},
};
static const eng_table u_table = {.doc = "U.", ENG_ROWS(u_rows), .empty_is_absent = true};

/* IAM-like: one call per property, one that resets what it is not given,
 * and one with a removal call of its own. */
static const eng_update u_calls[] = {
    {.action = "UpdatePolicy", .props = {"policy"}, .fields = {"PolicyDocument"}},
    {.action = "UpdateThing", .props = {"desc", "count"}, .all = true},
    {.action = "PutBound", .props = {"bound"}, .clear = "DeleteBound"},
};

static sent run_update(const eng_api *api, const eng_update *u, size_t n, const pv *news,
                       const pv *base, int want_rc)
{
    res_ctx ctx = {.name = "thing"};
    sent s = {0};
    err e = {0};
    int rc = engine_update(&ctx, &u_table, api, &s, u, n, "Name", "n1", news, base, &e);
    if (rc != want_rc)
        fail_msg("engine_update: %d (%s)", rc, e.msg);
    return s;
}

static void test_update_calls_from_rows(void **state)
{
    (void)state;
    pv *base = obj(), *news = obj();
    set(base, "policy", pv_string(POLICY_A));
    set(base, "desc", pv_string("old"));
    set(base, "bound", pv_string("b1"));
    set(news, "policy", pv_string(POLICY_A2)); /* the same document */
    set(news, "desc", pv_string("old"));
    set(news, "count", pv_number(3)); /* the default base lacks */
    set(news, "bound", pv_string("b1"));
    sent s = run_update(&q_api, u_calls, 3, news, base, 0);
    assert_int_equal(s.n, 0);

    /* desc removed: UpdateThing gets both rows, the absent one as "" and
     * count as its default; bound emptied: its removal call, NotFound is fine. */
    pv_object_remove(news, "desc");
    set(news, "bound", pv_string(""));
    s = run_update(&q_api, u_calls, 3, news, base, 0);
    assert_int_equal(s.n, 2);
    assert_string_equal(s.calls[0], "UpdateThing Action=UpdateThing&Version=2010-05-08&Name=n1&"
                                    "Description=&Count=3");
    assert_string_equal(s.calls[1], "DeleteBound Action=DeleteBound&Version=2010-05-08&Name=n1");

    /* another policy (under its call's own field), another bound */
    set(news, "policy", pv_string("{\"Version\":\"2012-10-17\",\"Statement\":[]}"));
    set(news, "desc", pv_string("old"));
    set(news, "bound", pv_string("b2"));
    s = run_update(&q_api, u_calls, 3, news, base, 0);
    assert_int_equal(s.n, 2);
    assert_non_null(strstr(s.calls[0], "UpdatePolicy Action=UpdatePolicy&"));
    assert_non_null(strstr(s.calls[0], "&Name=n1&PolicyDocument=%7B"));
    assert_string_equal(s.calls[1], "PutBound Action=PutBound&Version=2010-05-08&Name=n1&Bound=b2");
    pv_free(news);
    pv_free(base);
}

static void test_update_one_call_for_every_row(void **state)
{
    (void)state;
    static const eng_update all[] = {{.action = "UpdateAll"}};
    pv *base = obj(), *news = obj(), *inner = obj();
    set(base, "doc", pv_string("{\"a\": 1}"));
    set(base, "desc", pv_string("d"));
    set(base, "fixed", pv_string("f1"));
    set(news, "doc", pv_string("{\"a\":1}")); /* the same JSON */
    set(news, "desc", pv_string("d"));
    set(news, "fixed", pv_string("f2")); /* not an update row */
    sent s = run_update(&j_api, all, 1, news, base, 0);
    assert_int_equal(s.n, 0);

    /* only the changed rows go, objects by their rows */
    set(inner, "size", pv_number(2));
    set(news, "inner", inner);
    set(news, "desc", pv_string("d2"));
    s = run_update(&j_api, all, 1, news, base, 0);
    assert_int_equal(s.n, 1);
    assert_string_equal(
        s.calls[0], "UpdateAll {\"Name\":\"n1\",\"Description\":\"d2\",\"Inner\":{\"Size\":2}}");

    /* a document dropped is left out, and a call with nothing to send is not made */
    pv_object_remove(news, "doc");
    pv_object_remove(news, "inner");
    set(news, "desc", pv_string("d"));
    s = run_update(&j_api, all, 1, news, base, 0);
    assert_int_equal(s.n, 0);

    /* a call naming a row that is not sent in updates is the table's mistake */
    static const eng_update bad[] = {{.action = "UpdateFixed", .props = {"fixed"}}};
    s = run_update(&j_api, bad, 1, news, base, -1);
    assert_int_equal(s.n, 0);
    pv_free(news);
    pv_free(base);
}

static pv *tags_of(const char *const *kv)
{
    pv *t = obj();
    for (size_t i = 0; kv[i]; i += 2)
        set(t, kv[i], pv_string(kv[i + 1]));
    return t;
}

static void test_tag_writes_in_each_shape(void **state)
{
    (void)state;
    static const eng_tagging iam = {.tag = "TagRole",
                                    .untag = "UntagRole",
                                    .id_field = "RoleName",
                                    .list = "Tags",
                                    .keys = "TagKeys"};
    static const eng_tagging kms = {.tag = "TagResource",
                                    .untag = "UntagResource",
                                    .id_field = "KeyId",
                                    .list = "Tags",
                                    .key = "TagKey",
                                    .value = "TagValue",
                                    .keys = "TagKeys"};
    static const eng_tagging s3 = {.tag = "PutBucketTagging",
                                   .untag_all = "DeleteBucketTagging",
                                   .id_field = "Bucket",
                                   .list = "TagSet",
                                   .key = "Key",
                                   .value = "Value"};
    static const char *const w[] = {"a", "1", "b", "2", "aws:x", "y", NULL};
    static const char *const h[] = {"a", "0", "c", "3", "aws:z", "y", NULL};
    res_ctx ctx = {.name = "thing"};
    pv *want = tags_of(w), *have = tags_of(h), *none = obj();
    sent s = {0};
    err e = {0};

    assert_int_equal(engine_write_tags(&ctx, &q_api, &s, &iam, "r1", want, have, &e), 0);
    assert_int_equal(s.n, 2); /* removals first; aws: keys are never touched */
    assert_string_equal(s.calls[0], "UntagRole Action=UntagRole&Version=2010-05-08&RoleName=r1&"
                                    "TagKeys.member.1=c");
    assert_string_equal(s.calls[1], "TagRole Action=TagRole&Version=2010-05-08&RoleName=r1&"
                                    "Tags.member.1.Key=a&Tags.member.1.Value=1&"
                                    "Tags.member.2.Key=b&Tags.member.2.Value=2");

    s.n = 0;
    assert_int_equal(engine_write_tags(&ctx, &j_api, &s, &kms, "k1", want, have, &e), 0);
    assert_int_equal(s.n, 2);
    assert_string_equal(s.calls[0], "UntagResource {\"KeyId\":\"k1\",\"TagKeys\":[\"c\"]}");
    assert_string_equal(s.calls[1],
                        "TagResource {\"KeyId\":\"k1\",\"Tags\":[{\"TagKey\":\"a\",\"TagValue\":"
                        "\"1\"},{\"TagKey\":\"b\",\"TagValue\":\"2\"}]}");

    /* a whole-set service gets every tag at once, or its removal of all */
    s.n = 0;
    assert_int_equal(engine_write_tags(&ctx, &j_api, &s, &s3, "bk", want, have, &e), 0);
    assert_int_equal(s.n, 1);
    assert_string_equal(s.calls[0],
                        "PutBucketTagging {\"Bucket\":\"bk\",\"TagSet\":[{\"Key\":\"a\",\"Value\":"
                        "\"1\"},{\"Key\":\"b\",\"Value\":\"2\"}]}");
    s.n = 0;
    assert_int_equal(engine_write_tags(&ctx, &j_api, &s, &s3, "bk", none, have, &e), -1);
    assert_int_equal(e.code, ERR_NOT_FOUND); /* capture answers Delete* so */
    assert_int_equal(s.n, 1);
    assert_string_equal(s.calls[0], "DeleteBucketTagging {\"Bucket\":\"bk\"}");

    /* no change: no call */
    s.n = 0;
    assert_int_equal(engine_write_tags(&ctx, &q_api, &s, &iam, "r1", want, want, &e), 0);
    assert_int_equal(s.n, 0);

    /* a create request: tagsAll before tags, ignored keys left out, no list when none */
    pv *in = obj();
    set(in, "tags", pv_copy(have));
    set(in, "tagsAll", pv_copy(want));
    cJSON *req = cJSON_CreateObject();
    assert_ptr_equal(engine_tags_of(&u_table, in), pv_object_get(in, "tagsAll"));
    assert_int_equal(engine_tags_request(&ctx, &j_api, &kms, engine_tags_of(&u_table, in), req, &e),
                     0);
    char *t = cJSON_PrintUnformatted(req);
    assert_string_equal(t, "{\"Tags\":[{\"TagKey\":\"a\",\"TagValue\":\"1\"},{\"TagKey\":\"b\","
                           "\"TagValue\":\"2\"}]}");
    cJSON_free(t);
    cJSON_Delete(req);
    req = cJSON_CreateObject();
    assert_int_equal(engine_tags_request(&ctx, &j_api, &kms, none, req, &e), 0);
    assert_null(cJSON_GetObjectItem(req, "Tags"));
    cJSON_Delete(req);
    pv_free(in);
    pv_free(want);
    pv_free(have);
    pv_free(none);
}

/* A fetch that finds the resource (outputs: arn, desc "aws") or, for id
 * "gone", does not. */
static int fake_fetch(res_ctx *ctx, const char *id, const pv *ref, bool import, pv **outputs,
                      err *e)
{
    if (strcmp(id, "gone") == 0)
        return err_set(e, ERR_NOT_FOUND, "no such thing");
    pv *o = obj();
    set(o, "arn", pv_string("arn:aws:test::1:thing/x"));
    set(o, "desc", pv_string(import ? "imported" : "aws"));
    set(o, "policy", pv_string(POLICY_A2));
    *outputs = o;
    return 0;
}

static void test_read_preview_and_ids(void **state)
{
    (void)state;
    res_ctx ctx = {.name = "thing"};
    char *id = NULL;
    pv *out = NULL, *in = NULL, *old = obj();
    err e = {0};
    assert_int_equal(
        engine_read(&u_table, fake_fetch, false, &ctx, "gone", old, old, &id, &out, &in, &e), 0);
    assert_null(id); /* gone: dropped from state */

    set(old, "policy", pv_string(POLICY_A));
    set(old, "desc", pv_string("mine"));
    assert_int_equal(
        engine_read(&u_table, fake_fetch, false, &ctx, "x", NULL, old, &id, &out, &in, &e), 0);
    assert_string_equal(id, "x");
    assert_string_equal(prop_str(in, "policy"), POLICY_A); /* the user's text kept */
    assert_string_equal(prop_str(in, "desc"), "aws");      /* drift shows */
    assert_null(pv_object_get(in, "arn"));
    assert_string_equal(prop_str(out, "arn"), "arn:aws:test::1:thing/x");
    free(id);
    pv_free(out);
    pv_free(in);
    assert_int_equal(
        engine_read(&u_table, fake_fetch, false, &ctx, "x", NULL, NULL, &id, &out, &in, &e), 0);
    assert_string_equal(prop_str(in, "desc"), "imported");
    free(id);
    pv_free(out);
    pv_free(in);

    /* preview: outputs AWS computes are kept from olds, else unknown */
    pv *p = engine_preview_outputs(&u_table, old, NULL);
    assert_true(prop_is_unknown(p, "arn"));
    assert_string_equal(prop_str(p, "desc"), "mine");
    pv *q = engine_preview_outputs(&u_table, old, p);
    assert_true(prop_is_unknown(q, "arn"));
    set(p, "arn", pv_string("a1"));
    pv_free(q);
    q = engine_preview_outputs(&u_table, old, p);
    assert_string_equal(prop_str(q, "arn"), "a1");
    assert_null(pv_object_get(q, "tagsAll"));
    pv_free(p);
    pv_free(q);
    pv_free(old);

    char a[8], b[32];
    assert_int_equal(
        engine_id_split("role/arn:aws:iam::aws:policy/x", '/', a, sizeof(a), b, sizeof(b)), 0);
    assert_string_equal(a, "role");
    assert_string_equal(b, "arn:aws:iam::aws:policy/x");
    assert_int_equal(engine_id_split("/x", '/', a, sizeof(a), b, sizeof(b)), -1);
    assert_int_equal(engine_id_split("x/", '/', a, sizeof(a), b, sizeof(b)), -1);
    assert_int_equal(engine_id_split("nosep", '/', a, sizeof(a), b, sizeof(b)), -1);
    assert_int_equal(engine_id_split("a-very-long-role/x", '/', a, sizeof(a), b, sizeof(b)), -2);
}

static const eng_prop k_rows[] = {
    {.name = "name", .type = ET_STRING},
    {.name = "policy", .type = ET_STRING, .diff = ED_POLICY},
};
static const eng_object k_object = {
    .token = "test/K:K", .doc = "K.", ENG_ROWS(k_rows), .key = "name"};
static const eng_prop keyed_rows[] = {
    {.name = "named", .type = ET_LIST, .object = &k_object, .diff = ED_KEYED},
};
static const eng_table keyed_table = {.doc = "Keyed.", ENG_ROWS(keyed_rows)};
static const resource_type keyed_type = {.token = "test/keyed:Keyed", .table = &keyed_table};

static pv *named(const char *n1, const char *p1, const char *n2, const char *p2)
{
    pv *l = pv_array(), *wrap = obj();
    const char *n[2] = {n1, n2}, *p[2] = {p1, p2};
    for (int i = 0; i < 2; i++) {
        if (!n[i] && !p[i])
            continue;
        pv *el = obj();
        if (n[i])
            set(el, "name", pv_string(n[i]));
        if (p[i])
            set(el, "policy", pv_string(p[i]));
        assert_int_equal(pv_array_push(l, el), 0);
    }
    set(wrap, "named", l);
    return wrap;
}

static diff_result keyed_diff(pv *olds, pv *news)
{
    res_ctx ctx = {.name = "thing"};
    diff_result d = {0};
    err e = {0};
    assert_int_equal(engine_diff(&keyed_type, &ctx, "id", olds, news, olds, NULL, 0, &d, &e), 0);
    pv_free(olds);
    pv_free(news);
    return d;
}

static void test_diff_keyed_sets(void **state)
{
    (void)state;
    /* [] and [{}] are the same empty set */
    pv *empty_el = obj(), *with_empty = obj(), *l = pv_array();
    assert_int_equal(pv_array_push(l, empty_el), 0);
    set(with_empty, "named", l);
    diff_result d = keyed_diff(named(NULL, NULL, NULL, NULL), with_empty);
    assert_int_equal(d.len, 0);
    diff_result_free(&d);
    /* order and equivalent documents do not matter */
    d = keyed_diff(named("a", POLICY_A, "b", "{}"), named("b", "{}", "a", POLICY_A2));
    assert_int_equal(d.len, 0);
    diff_result_free(&d);
    /* the same keys in the same places: just the row that changed */
    d = keyed_diff(named("a", POLICY_A, "b", "{}"), named("a", POLICY_A, "b", POLICY_A));
    assert_int_equal(d.len, 1);
    assert_int_equal(kind_of(&d, "named[1].policy"), DIFF_UPDATE);
    diff_result_free(&d);
    /* other keys: the list */
    d = keyed_diff(named("a", POLICY_A, NULL, NULL), named("c", POLICY_A, NULL, NULL));
    assert_int_equal(d.len, 1);
    assert_int_equal(kind_of(&d, "named"), DIFF_UPDATE);
    diff_result_free(&d);
}

/* ET_ASSET: an asset or archive, checked by kind, "pulumi.json#/Asset" in the schema. */
static const eng_prop asset_rows[] = {
    {.name = "source", .type = ET_ASSET, .doc = "The content."},
};
static const eng_table asset_table = {.doc = "Assets.", ENG_ROWS(asset_rows)};
static const resource_type asset_type = {.token = "test/blob:Blob", .table = &asset_table};

static void test_asset_rows(void **state)
{
    (void)state;
    res_ctx ctx = {.urn = "urn:pulumi:s::p::test:test/blob:Blob::b", .name = "b"};
    err e = {0};
    pv *in = NULL, *news = obj();
    check_failures f = {0};
    set(news, "source", pv_string("file.txt"));
    assert_int_equal(engine_check(&asset_type, &ctx, NULL, news, &in, &f, &e), 0);
    assert_int_equal(f.len, 1);
    assert_string_equal(f.props[0], "source");
    assert_non_null(strstr(f.reasons[0], "'source' must be an asset or archive"));
    check_failures_free(&f);
    pv_free(in);
    pv_free(news);
    news = obj();
    pv *a = obj();
    set(a, "path", pv_string("file.txt"));
    a->kind = PV_ASSET;
    set(news, "source", a);
    in = NULL;
    assert_int_equal(engine_check(&asset_type, &ctx, NULL, news, &in, &f, &e), 0);
    assert_int_equal(f.len, 0);
    assert_int_equal(pv_object_get(in, "source")->kind, PV_ASSET);
    pv_free(in);
    pv_free(news);
    cJSON *res = cJSON_CreateObject(), *types = cJSON_CreateObject();
    assert_int_equal(engine_schema_resource("pkg", asset_type.token, &asset_table, res, types), 0);
    cJSON *src = cJSON_GetObjectItem(
        cJSON_GetObjectItem(cJSON_GetObjectItem(res, "pkg:test/blob:Blob"), "inputProperties"),
        "source");
    assert_string_equal(cJSON_GetObjectItem(src, "$ref")->valuestring, "pulumi.json#/Asset");
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
        cmocka_unit_test(test_update_calls_from_rows),
        cmocka_unit_test(test_update_one_call_for_every_row),
        cmocka_unit_test(test_tag_writes_in_each_shape),
        cmocka_unit_test(test_read_preview_and_ids),
        cmocka_unit_test(test_diff_keyed_sets),
        cmocka_unit_test(test_asset_rows),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
