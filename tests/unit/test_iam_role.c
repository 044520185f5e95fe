/* iam/role:Role without AWS: Check rules and defaults, autonaming, Diff by
 * policy meaning and per-key tags, and the preview halves of Create/Update. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "resource.h"
#include "resources/common.h"
#include "resources/engine.h"

extern const resource_type iam_role_type;

#define TRUST                                                                                      \
    "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"Service\":" \
    "\"sagemaker.amazonaws.com\"},\"Action\":\"sts:AssumeRole\"}]}"
/* TRUST with keys reordered, whitespace, a one-element list and Statement as an object. */
#define TRUST_EQUIV                                                                                \
    "{ \"Statement\": {\"Action\": [\"sts:AssumeRole\"], \"Principal\": {\"Service\": "            \
    "[\"sagemaker.amazonaws.com\"]}, \"Effect\": \"Allow\"}, \"Version\": \"2012-10-17\" }"
#define TRUST_OTHER                                                                                \
    "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"Service\":" \
    "\"ec2.amazonaws.com\"},\"Action\":\"sts:AssumeRole\"}]}"
#define POL_A                                                                                      \
    "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":"                 \
    "[\"s3:GetObject\",\"s3:PutObject\"],\"Resource\":\"*\"}]}"
#define POL_A_EQUIV                                                                                \
    "{\"Statement\":[{\"Resource\":[\"*\"],\"Action\":[\"s3:PutObject\",\"s3:GetObject\"],"        \
    "\"Effect\":\"Allow\"}],\"Version\":\"2012-10-17\"}"
#define POL_B                                                                                      \
    "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Deny\",\"Action\":\"s3:*\","         \
    "\"Resource\":\"*\"}]}"

static const unsigned char SEED[] = "0123456789abcdef0123456789abcdef";

static res_ctx mkctx(void)
{
    res_ctx c = {.urn = "urn:pulumi:dev::p::aws:iam/role:Role::myrole",
                 .name = "myrole",
                 .type = "aws:iam/role:Role",
                 .random_seed = SEED,
                 .random_seed_len = sizeof(SEED) - 1};
    return c;
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

static pv *base_news(void)
{
    pv *n = obj();
    set(n, "assumeRolePolicy", pv_string(TRUST));
    return n;
}

static pv *inline_el(const char *name, const char *policy)
{
    pv *el = obj();
    if (name)
        set(el, "name", pv_string(name));
    if (policy)
        set(el, "policy", pv_string(policy));
    return el;
}

/* Runs Check; returns the inputs (NULL when the check itself failed). */
static pv *check(const pv *olds, const pv *news, check_failures *f)
{
    res_ctx c = mkctx();
    pv *in = NULL;
    err e = {0};
    int rc = engine_check(&iam_role_type, &c, olds, news, &in, f, &e);
    if (rc != 0)
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

/* Check of news with one property set; asserts a failure on prop. */
static void expect_failure(pv *news, const char *prop, const char *needle)
{
    check_failures f = {0};
    pv *in = check(NULL, news, &f);
    if (!has_failure(&f, prop, needle)) {
        for (size_t i = 0; i < f.len; i++)
            print_message("failure %s: %s\n", f.props[i], f.reasons[i]);
        fail_msg("no failure on %s mentioning %s", prop, needle ? needle : "(any)");
    }
    check_failures_free(&f);
    pv_free(in);
    pv_free(news);
}

/* ---- check ------------------------------------------------------------------ */

static void test_check_defaults_and_autoname(void **state)
{
    (void)state;
    check_failures f = {0};
    pv *news = base_news();
    pv *in = check(NULL, news, &f);
    assert_int_equal(f.len, 0);
    assert_string_equal(prop_str(in, "path"), "/");
    const pv *msd = pv_object_get(in, "maxSessionDuration");
    assert_non_null(msd);
    assert_int_equal((int)msd->u.n, 3600);
    const pv *fd = pv_object_get(in, "forceDetachPolicies");
    assert_non_null(fd);
    assert_int_equal(fd->kind, PV_BOOL);
    assert_false(fd->u.b);
    const char *name = prop_str(in, "name");
    assert_non_null(name);
    assert_int_equal(strlen(name), strlen("myrole-") + 7);
    assert_true(strncmp(name, "myrole-", 7) == 0);
    const pv *ta = pv_object_get(in, "tagsAll");
    assert_non_null(ta);
    assert_int_equal(ta->kind, PV_OBJECT);

    /* The same seed gives the same name; olds' name is reused whatever the seed. */
    pv *in2 = check(NULL, news, &f);
    assert_string_equal(prop_str(in2, "name"), name);
    pv *olds = obj();
    set(olds, "name", pv_string("myrole-1234567"));
    pv *in3 = check(olds, news, &f);
    assert_string_equal(prop_str(in3, "name"), "myrole-1234567");
    assert_int_equal(f.len, 0);
    pv_free(in);
    pv_free(in2);
    pv_free(in3);
    pv_free(olds);
    pv_free(news);
}

static void test_check_keeps_explicit_values(void **state)
{
    (void)state;
    check_failures f = {0};
    pv *news = base_news();
    set(news, "name", pv_string("exact_Name+=,.@-1"));
    set(news, "path", pv_string("/service/"));
    set(news, "maxSessionDuration", pv_number(43200));
    set(news, "description", pv_string("plain text"));
    pv *tags = obj();
    set(tags, "env", pv_string("dev"));
    set(news, "tags", tags);
    pv *in = check(NULL, news, &f);
    assert_int_equal(f.len, 0);
    assert_string_equal(prop_str(in, "name"), "exact_Name+=,.@-1");
    assert_string_equal(prop_str(in, "path"), "/service/");
    const pv *ta = pv_object_get(in, "tagsAll");
    assert_non_null(ta);
    assert_string_equal(prop_str(ta, "env"), "dev");
    pv_free(in);
    pv_free(news);
}

static void test_check_name_prefix(void **state)
{
    (void)state;
    check_failures f = {0};
    pv *news = base_news();
    set(news, "namePrefix", pv_string("app-"));
    pv *in = check(NULL, news, &f);
    assert_int_equal(f.len, 0);
    const char *name = prop_str(in, "name");
    assert_non_null(name);
    assert_true(strncmp(name, "app-", 4) == 0);
    assert_int_equal(strlen(name), 4 + 26);
    pv_free(in);
    pv_free(news);
}

static void test_check_rules_name_the_property(void **state)
{
    (void)state;
    pv *n = base_news();
    set(n, "name", pv_string("a"));
    set(n, "namePrefix", pv_string("b"));
    expect_failure(n, "name", "namePrefix");

    char long_name[80];
    memset(long_name, 'x', 65);
    long_name[65] = '\0';
    n = base_news();
    set(n, "name", pv_string(long_name));
    expect_failure(n, "name", "64");
    n = base_news();
    set(n, "name", pv_string("bad name"));
    expect_failure(n, "name", NULL);
    n = base_news();
    set(n, "name", pv_string(""));
    expect_failure(n, "name", NULL);

    long_name[39] = '\0';
    n = base_news();
    set(n, "namePrefix", pv_string(long_name));
    expect_failure(n, "namePrefix", "38");

    n = obj();
    expect_failure(n, "assumeRolePolicy", "required");
    n = obj();
    set(n, "assumeRolePolicy", pv_string("{not json"));
    expect_failure(n, "assumeRolePolicy", NULL);
    n = obj();
    set(n, "assumeRolePolicy", pv_number(3));
    expect_failure(n, "assumeRolePolicy", NULL);

    char desc[1100];
    memset(desc, 'd', 1001);
    desc[1001] = '\0';
    n = base_news();
    set(n, "description", pv_string(desc));
    expect_failure(n, "description", "1000");
    n = base_news();
    set(n, "description",
        pv_string("the \xe2\x80\x9c"
                  "best\xe2\x80\x9d role"));
    expect_failure(n, "description", "quotes");
    n = base_news();
    set(n, "description", pv_string("it\xe2\x80\x98s"));
    expect_failure(n, "description", "quotes");

    n = base_news();
    set(n, "path", pv_string("/no-trailing"));
    expect_failure(n, "path", "/");
    n = base_news();
    set(n, "path", pv_string("noslash/"));
    expect_failure(n, "path", "/");

    n = base_news();
    set(n, "maxSessionDuration", pv_number(3599));
    expect_failure(n, "maxSessionDuration", "3600");
    n = base_news();
    set(n, "maxSessionDuration", pv_number(43201));
    expect_failure(n, "maxSessionDuration", "43200");

    n = base_news();
    set(n, "forceDetachPolicies", pv_string("yes"));
    expect_failure(n, "forceDetachPolicies", NULL);

    n = base_news();
    pv *l = pv_array();
    assert_int_equal(pv_array_push(l, pv_string("AmazonS3FullAccess")), 0);
    set(n, "managedPolicyArns", l);
    expect_failure(n, "managedPolicyArns[0]", "ARN");

    n = base_news();
    set(n, "permissionsBoundary", pv_string("not-an-arn"));
    expect_failure(n, "permissionsBoundary", "ARN");

    n = base_news();
    pv *tags = obj();
    set(tags, "env", pv_number(1));
    set(n, "tags", tags);
    expect_failure(n, "tags.env", "string");
}

static void test_check_inline_policies(void **state)
{
    (void)state;
    pv *n = base_news();
    pv *l = pv_array();
    assert_int_equal(pv_array_push(l, inline_el("ok", POL_A)), 0);
    assert_int_equal(pv_array_push(l, inline_el("bad name!", POL_A)), 0);
    set(n, "inlinePolicies", l);
    expect_failure(n, "inlinePolicies[1].name", NULL);

    n = base_news();
    l = pv_array();
    assert_int_equal(pv_array_push(l, inline_el("p", "[1,2]")), 0);
    set(n, "inlinePolicies", l);
    expect_failure(n, "inlinePolicies[0].policy", NULL);

    n = base_news();
    l = pv_array();
    assert_int_equal(pv_array_push(l, inline_el("p", NULL)), 0);
    set(n, "inlinePolicies", l);
    expect_failure(n, "inlinePolicies[0]", "together");

    n = base_news();
    l = pv_array();
    assert_int_equal(pv_array_push(l, inline_el("p", POL_A)), 0);
    assert_int_equal(pv_array_push(l, inline_el("p", POL_B)), 0);
    set(n, "inlinePolicies", l);
    expect_failure(n, "inlinePolicies[1]", "twice");

    /* [{}] is the documented "remove all": no failure. */
    check_failures f = {0};
    n = base_news();
    l = pv_array();
    assert_int_equal(pv_array_push(l, obj()), 0);
    set(n, "inlinePolicies", l);
    pv *in = check(NULL, n, &f);
    assert_int_equal(f.len, 0);
    pv_free(in);
    pv_free(n);
}

static void test_check_policy_object_is_serialised(void **state)
{
    (void)state;
    check_failures f = {0};
    pv *n = obj();
    pv *doc = obj();
    set(doc, "Version", pv_string("2012-10-17"));
    pv *st = obj();
    set(st, "Effect", pv_string("Allow"));
    set(st, "Action", pv_string("sts:AssumeRole"));
    pv *pr = obj();
    set(pr, "Service", pv_string("sagemaker.amazonaws.com"));
    set(st, "Principal", pr);
    pv *sts = pv_array();
    assert_int_equal(pv_array_push(sts, st), 0);
    set(doc, "Statement", sts);
    set(n, "assumeRolePolicy", doc);
    pv *in = check(NULL, n, &f);
    assert_int_equal(f.len, 0);
    const char *s = prop_str(in, "assumeRolePolicy");
    assert_non_null(s);
    assert_non_null(strstr(s, "\"sts:AssumeRole\""));
    pv_free(in);
    pv_free(n);
}

static void test_check_unknowns_pass(void **state)
{
    (void)state;
    check_failures f = {0};
    pv *n = obj();
    set(n, "assumeRolePolicy", pv_unknown(PV_UNK_ANY));
    set(n, "namePrefix", pv_unknown(PV_UNK_ANY));
    set(n, "description", pv_unknown(PV_UNK_ANY));
    set(n, "maxSessionDuration", pv_unknown(PV_UNK_NUMBER));
    set(n, "managedPolicyArns", pv_unknown(PV_UNK_ARRAY));
    set(n, "tags", pv_unknown(PV_UNK_OBJECT));
    pv *l = pv_array();
    assert_int_equal(pv_array_push(l, pv_unknown(PV_UNK_OBJECT)), 0);
    set(n, "inlinePolicies", l);
    pv *in = check(NULL, n, &f);
    for (size_t i = 0; i < f.len; i++)
        print_message("failure %s: %s\n", f.props[i], f.reasons[i]);
    assert_int_equal(f.len, 0);
    assert_true(prop_is_unknown(in, "name"));
    assert_true(prop_is_unknown(in, "tagsAll"));
    pv_free(in);
    pv_free(n);
}

/* ---- diff ------------------------------------------------------------------- */

/* Old outputs as Create leaves them: checked inputs plus AWS's values. */
static pv *old_outputs(void)
{
    check_failures f = {0};
    pv *news = base_news();
    set(news, "name", pv_string("r1"));
    pv *tags = obj();
    set(tags, "env", pv_string("dev"));
    set(tags, "team", pv_string("ml"));
    set(news, "tags", tags);
    pv *l = pv_array();
    assert_int_equal(pv_array_push(l, inline_el("a", POL_A)), 0);
    assert_int_equal(pv_array_push(l, inline_el("b", POL_B)), 0);
    set(news, "inlinePolicies", l);
    pv *m = pv_array();
    assert_int_equal(pv_array_push(m, pv_string("arn:aws:iam::aws:policy/A")), 0);
    assert_int_equal(pv_array_push(m, pv_string("arn:aws:iam::aws:policy/B")), 0);
    set(news, "managedPolicyArns", m);
    pv *in = check(NULL, news, &f);
    assert_int_equal(f.len, 0);
    pv_free(news);
    set(in, "arn", pv_string("arn:aws:iam::123456789012:role/r1"));
    set(in, "uniqueId", pv_string("AROAEXAMPLE"));
    set(in, "createDate", pv_string("2026-01-01T00:00:00Z"));
    return in;
}

static diff_result diff(const pv *olds, const pv *news)
{
    res_ctx c = mkctx();
    diff_result d = {0};
    err e = {0};
    assert_int_equal(engine_diff(&iam_role_type, &c, "r1", olds, news, NULL, NULL, 0, &d, &e), 0);
    return d;
}

static const diff_entry *entry(const diff_result *d, const char *path)
{
    for (size_t i = 0; i < d->len; i++)
        if (strcmp(d->entries[i].path, path) == 0)
            return &d->entries[i];
    return NULL;
}

static void dump(const diff_result *d)
{
    for (size_t i = 0; i < d->len; i++)
        print_message("diff %s kind %d\n", d->entries[i].path, d->entries[i].kind);
}

static void test_diff_none_for_same_and_equivalent(void **state)
{
    (void)state;
    pv *olds = old_outputs();
    pv *news = pv_copy(olds);
    /* Computed outputs are not inputs: never compared. */
    pv_object_remove(news, "arn");
    pv_object_remove(news, "uniqueId");
    pv_object_remove(news, "createDate");
    diff_result d = diff(olds, news);
    dump(&d);
    assert_int_equal(d.len, 0);
    diff_result_free(&d);

    /* Equivalent documents, inline policies in another order, ARNs in another order. */
    set(news, "assumeRolePolicy", pv_string(TRUST_EQUIV));
    pv *l = pv_array();
    assert_int_equal(pv_array_push(l, inline_el("b", POL_B)), 0);
    assert_int_equal(pv_array_push(l, inline_el("a", POL_A_EQUIV)), 0);
    set(news, "inlinePolicies", l);
    pv *m = pv_array();
    assert_int_equal(pv_array_push(m, pv_string("arn:aws:iam::aws:policy/B")), 0);
    assert_int_equal(pv_array_push(m, pv_string("arn:aws:iam::aws:policy/A")), 0);
    set(news, "managedPolicyArns", m);
    /* An empty description in old state (pulumi-aws writes them) is no description. */
    set(olds, "description", pv_string(""));
    d = diff(olds, news);
    dump(&d);
    assert_int_equal(d.len, 0);
    diff_result_free(&d);

    /* Absent policy sets are not managed: no diff. */
    pv_object_remove(news, "inlinePolicies");
    pv_object_remove(news, "managedPolicyArns");
    d = diff(olds, news);
    dump(&d);
    assert_int_equal(d.len, 0);
    diff_result_free(&d);
    pv_free(olds);
    pv_free(news);
}

static void test_diff_detailed_paths(void **state)
{
    (void)state;
    pv *olds = old_outputs();
    pv *news = pv_copy(olds);
    set(news, "assumeRolePolicy", pv_string(TRUST_OTHER));
    set(news, "description", pv_string("new"));
    pv *tags = obj();
    set(tags, "env", pv_string("prod"));
    set(tags, "owner", pv_string("me"));
    set(news, "tags", tags);
    pv *l = pv_array();
    assert_int_equal(pv_array_push(l, inline_el("a", POL_B)), 0);
    assert_int_equal(pv_array_push(l, inline_el("b", POL_B)), 0);
    set(news, "inlinePolicies", l);
    pv *m = pv_array();
    assert_int_equal(pv_array_push(m, pv_string("arn:aws:iam::aws:policy/A")), 0);
    set(news, "managedPolicyArns", m);
    diff_result d = diff(olds, news);
    dump(&d);
    const diff_entry *x;
    assert_non_null(x = entry(&d, "assumeRolePolicy"));
    assert_int_equal(x->kind, DIFF_UPDATE);
    assert_non_null(x = entry(&d, "description"));
    assert_int_equal(x->kind, DIFF_ADD);
    assert_non_null(x = entry(&d, "tags.env"));
    assert_int_equal(x->kind, DIFF_UPDATE);
    assert_non_null(x = entry(&d, "tags.owner"));
    assert_int_equal(x->kind, DIFF_ADD);
    assert_non_null(x = entry(&d, "tags.team"));
    assert_int_equal(x->kind, DIFF_DELETE);
    assert_non_null(x = entry(&d, "inlinePolicies[0].policy"));
    assert_int_equal(x->kind, DIFF_UPDATE);
    assert_null(entry(&d, "inlinePolicies[1].policy"));
    assert_non_null(x = entry(&d, "managedPolicyArns"));
    assert_int_equal(x->kind, DIFF_UPDATE);
    assert_false(diff_has_replace(&d));
    diff_result_free(&d);
    pv_free(news);

    /* name and path replace. */
    news = pv_copy(olds);
    set(news, "name", pv_string("r2"));
    set(news, "path", pv_string("/x/"));
    d = diff(olds, news);
    dump(&d);
    assert_non_null(x = entry(&d, "name"));
    assert_int_equal(x->kind, DIFF_UPDATE_REPLACE);
    assert_non_null(x = entry(&d, "path"));
    assert_int_equal(x->kind, DIFF_UPDATE_REPLACE);
    assert_true(diff_has_replace(&d));
    diff_result_free(&d);
    pv_free(news);

    /* A tag key with a dot is quoted. */
    news = pv_copy(olds);
    tags = obj();
    set(tags, "env", pv_string("dev"));
    set(tags, "team", pv_string("ml"));
    set(tags, "a.b", pv_string("x"));
    set(news, "tags", tags);
    d = diff(olds, news);
    dump(&d);
    assert_int_equal(d.len, 1);
    assert_non_null(entry(&d, "tags[\"a.b\"]"));
    diff_result_free(&d);
    pv_free(news);
    pv_free(olds);
}

static void test_diff_inline_empty_list_semantics(void **state)
{
    (void)state;
    pv *olds = old_outputs();
    pv_object_remove(olds, "inlinePolicies");
    pv *news = pv_copy(olds);
    /* Unmanaged -> [] : a change (the update removes every inline policy). */
    set(news, "inlinePolicies", pv_array());
    diff_result d = diff(olds, news);
    dump(&d);
    const diff_entry *x = entry(&d, "inlinePolicies");
    assert_non_null(x);
    assert_int_equal(x->kind, DIFF_ADD);
    diff_result_free(&d);

    /* [] and [{}] mean the same. */
    set(olds, "inlinePolicies", pv_array());
    pv *l = pv_array();
    assert_int_equal(pv_array_push(l, obj()), 0);
    set(news, "inlinePolicies", l);
    d = diff(olds, news);
    dump(&d);
    assert_int_equal(d.len, 0);
    diff_result_free(&d);

    /* Managed -> []: the existing ones go. */
    l = pv_array();
    assert_int_equal(pv_array_push(l, inline_el("a", POL_A)), 0);
    set(olds, "inlinePolicies", l);
    set(news, "inlinePolicies", pv_array());
    d = diff(olds, news);
    dump(&d);
    assert_non_null(entry(&d, "inlinePolicies"));
    diff_result_free(&d);
    pv_free(olds);
    pv_free(news);
}

static void test_diff_unknowns_are_changes(void **state)
{
    (void)state;
    pv *olds = old_outputs();
    pv *news = pv_copy(olds);
    set(news, "assumeRolePolicy", pv_unknown(PV_UNK_ANY));
    set(news, "tags", pv_unknown(PV_UNK_OBJECT));
    diff_result d = diff(olds, news);
    dump(&d);
    assert_non_null(entry(&d, "assumeRolePolicy"));
    assert_non_null(entry(&d, "tags"));
    diff_result_free(&d);
    pv_free(olds);
    pv_free(news);
}

static void test_diff_tags_all_alone(void **state)
{
    (void)state;
    /* defaultTags changed: tags equal, tagsAll differs -> the tagsAll key that changed. */
    pv *olds = old_outputs();
    pv *news = pv_copy(olds);
    pv *ta = obj();
    set(ta, "env", pv_string("dev"));
    set(ta, "team", pv_string("ml"));
    set(ta, "costCenter", pv_string("42"));
    set(news, "tagsAll", ta);
    diff_result d = diff(olds, news);
    dump(&d);
    assert_int_equal(d.len, 1);
    assert_non_null(entry(&d, "tagsAll.costCenter"));
    diff_result_free(&d);
    pv_free(olds);
    pv_free(news);
}

/* ---- create / update previews, and calls without a configured provider -------- */

static void test_create_preview(void **state)
{
    (void)state;
    pv *in = old_outputs();
    pv_object_remove(in, "arn");
    pv_object_remove(in, "uniqueId");
    pv_object_remove(in, "createDate");
    res_ctx c = mkctx();
    c.preview = true;
    char *id = NULL;
    pv *out = NULL;
    err e = {0};
    assert_int_equal(iam_role_type.create(&c, in, &id, &out, &e), 0);
    assert_null(id);
    assert_non_null(out);
    assert_true(prop_is_unknown(out, "arn"));
    assert_true(prop_is_unknown(out, "uniqueId"));
    assert_true(prop_is_unknown(out, "createDate"));
    assert_string_equal(prop_str(out, "name"), "r1");
    pv_free(out);
    pv_free(in);
}

static void test_update_preview_keeps_computed(void **state)
{
    (void)state;
    pv *olds = old_outputs();
    pv *news = pv_copy(olds);
    pv_object_remove(news, "arn");
    set(news, "description", pv_string("x"));
    res_ctx c = mkctx();
    c.preview = true;
    pv *out = NULL;
    err e = {0};
    assert_int_equal(iam_role_type.update(&c, "r1", olds, news, NULL, &out, &e), 0);
    assert_string_equal(prop_str(out, "arn"), "arn:aws:iam::123456789012:role/r1");
    assert_string_equal(prop_str(out, "description"), "x");
    pv_free(out);
    pv_free(olds);
    pv_free(news);
}

static void test_unconfigured_create_fails_cleanly(void **state)
{
    (void)state;
    pv *in = old_outputs();
    res_ctx c = mkctx();
    char *id = NULL;
    pv *out = NULL;
    err e = {0};
    assert_int_equal(iam_role_type.create(&c, in, &id, &out, &e), -1);
    assert_null(id); /* nothing was created: nothing to record */
    assert_null(out);
    assert_non_null(strstr(e.msg, "not configured"));
    pv_free(in);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_check_defaults_and_autoname),
        cmocka_unit_test(test_check_keeps_explicit_values),
        cmocka_unit_test(test_check_name_prefix),
        cmocka_unit_test(test_check_rules_name_the_property),
        cmocka_unit_test(test_check_inline_policies),
        cmocka_unit_test(test_check_policy_object_is_serialised),
        cmocka_unit_test(test_check_unknowns_pass),
        cmocka_unit_test(test_diff_none_for_same_and_equivalent),
        cmocka_unit_test(test_diff_detailed_paths),
        cmocka_unit_test(test_diff_inline_empty_list_semantics),
        cmocka_unit_test(test_diff_unknowns_are_changes),
        cmocka_unit_test(test_diff_tags_all_alone),
        cmocka_unit_test(test_create_preview),
        cmocka_unit_test(test_update_preview_keeps_computed),
        cmocka_unit_test(test_unconfigured_create_fails_cleanly),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
