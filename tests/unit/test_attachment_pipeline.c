/* RolePolicyAttachment and SageMaker Pipeline without AWS: Check rules (each
 * failure names its property), defaults, ExactlyOneOf, ID parsing in both
 * forms, diff kinds (replace, delete-before-replace, JSON equivalence, tags
 * by key) and preview outputs. No provider is configured here, so every call
 * that would reach AWS stops at "not configured" — which tells a test that
 * the ID parsed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fake_env.h"
#include "provider.h"
#include "resource.h"
#include "resources/common.h"
#include "resources/engine.h"

extern const resource_type iam_role_policy_attachment_type;
extern const resource_type sagemaker_pipeline_type;

#define RPA (&iam_role_policy_attachment_type)
#define PL (&sagemaker_pipeline_type)
#define ARN_RO "arn:aws:iam::aws:policy/ReadOnlyAccess"
#define DEF "{\"Version\":\"2020-12-01\",\"Steps\":[]}"

static res_ctx test_ctx(bool preview)
{
    res_ctx c = {.urn = "urn:pulumi:dev::proj::aws:x/y:Z::res", .name = "res", .preview = preview};
    provider_fill_ctx(&c);
    return c;
}

static pv *obj(void)
{
    pv *o = pv_object();
    assert_non_null(o);
    return o;
}

static void set_s(pv *o, const char *k, const char *v)
{
    assert_int_equal(prop_set_str(o, k, v), 0);
}

static void set_v(pv *o, const char *k, pv *v)
{
    assert_int_equal(pv_object_set(o, k, v), 0);
}

/* Runs check; returns the failures (caller frees) and the inputs in *in. */
static check_failures run_check(const resource_type *rt, const pv *olds, const pv *news, pv **in)
{
    res_ctx ctx = test_ctx(false);
    check_failures f = {0};
    err e = {0};
    pv *inputs = NULL;
    assert_int_equal(engine_check(rt, &ctx, olds, news, &inputs, &f, &e), 0);
    assert_non_null(inputs);
    if (in)
        *in = inputs;
    else
        pv_free(inputs);
    return f;
}

static bool failed_on(const check_failures *f, const char *prop)
{
    for (size_t i = 0; i < f->len; i++)
        if (strcmp(f->props[i], prop) == 0)
            return true;
    return false;
}

static const char *reason_of(const check_failures *f, const char *prop)
{
    for (size_t i = 0; i < f->len; i++)
        if (strcmp(f->props[i], prop) == 0)
            return f->reasons[i];
    return "";
}

static diff_result run_diff(const resource_type *rt, const pv *olds, const pv *news)
{
    res_ctx ctx = test_ctx(false);
    diff_result d = {0};
    err e = {0};
    int rc = engine_diff(rt, &ctx, "id", olds, news, olds, NULL, 0, &d, &e);
    assert_int_equal(rc, 0);
    return d;
}

static int kind_of(const diff_result *d, const char *path)
{
    for (size_t i = 0; i < d->len; i++)
        if (strcmp(d->entries[i].path, path) == 0)
            return (int)d->entries[i].kind;
    return -1;
}

/* ---- RolePolicyAttachment -------------------------------------------------- */

static void test_rpa_token_and_flags(void **state)
{
    (void)state;
    assert_string_equal(RPA->token, "iam/rolePolicyAttachment:RolePolicyAttachment");
    assert_true(RPA->delete_before_replace);
    assert_non_null(RPA->table);
    assert_non_null(RPA->create);
    assert_non_null(RPA->read);
    assert_non_null(RPA->del);
}

static void test_rpa_check_requires_both(void **state)
{
    (void)state;
    pv *news = obj();
    check_failures f = run_check(RPA, NULL, news, NULL);
    assert_true(failed_on(&f, "role"));
    assert_true(failed_on(&f, "policyArn"));
    check_failures_free(&f);
    pv_free(news);
}

static void test_rpa_check_rules(void **state)
{
    (void)state;
    pv *news = obj();
    set_s(news, "role", "bad role");
    set_s(news, "policyArn", "ReadOnlyAccess");
    check_failures f = run_check(RPA, NULL, news, NULL);
    assert_int_equal(f.len, 2);
    assert_true(failed_on(&f, "role"));
    assert_true(failed_on(&f, "policyArn"));
    assert_non_null(strstr(reason_of(&f, "policyArn"), "must be an ARN"));
    check_failures_free(&f);
    pv_free(news);

    news = obj();
    set_s(news, "role", "ok-role_1+=,.@");
    set_s(news, "policyArn", ARN_RO);
    pv *in = NULL;
    f = run_check(RPA, NULL, news, &in);
    assert_int_equal(f.len, 0);
    assert_string_equal(prop_str(in, "role"), "ok-role_1+=,.@");
    check_failures_free(&f);
    pv_free(in);
    pv_free(news);

    /* 65 characters is one too many for a role name */
    char longname[66];
    memset(longname, 'r', 65);
    longname[65] = '\0';
    news = obj();
    set_s(news, "role", longname);
    set_s(news, "policyArn", ARN_RO);
    f = run_check(RPA, NULL, news, NULL);
    assert_int_equal(f.len, 1);
    assert_true(failed_on(&f, "role"));
    check_failures_free(&f);
    pv_free(news);
}

static void test_rpa_check_role_reference_and_unknowns(void **state)
{
    (void)state;
    pv *ref = obj();
    set_s(ref, "urn", "urn:pulumi:dev::proj::aws:iam/role:Role::r");
    set_s(ref, "id", "my-role");
    ref->kind = PV_RESOURCE;
    pv *news = obj();
    set_v(news, "role", ref);
    set_s(news, "policyArn", ARN_RO);
    pv *in = NULL;
    check_failures f = run_check(RPA, NULL, news, &in);
    assert_int_equal(f.len, 0);
    assert_string_equal(prop_str(in, "role"), "my-role");
    check_failures_free(&f);
    pv_free(in);
    pv_free(news);

    /* a reference without an id yet (preview) and an unknown ARN pass as unknown */
    ref = obj();
    set_s(ref, "urn", "urn:pulumi:dev::proj::aws:iam/role:Role::r");
    set_s(ref, "id", "");
    ref->kind = PV_RESOURCE;
    news = obj();
    set_v(news, "role", ref);
    set_v(news, "policyArn", pv_unknown(PV_UNK_ANY));
    f = run_check(RPA, NULL, news, &in);
    assert_int_equal(f.len, 0);
    assert_true(prop_is_unknown(in, "role"));
    assert_true(prop_is_unknown(in, "policyArn"));
    check_failures_free(&f);
    pv_free(in);
    pv_free(news);
}

/* Read's ID parsing: a parsed ID gets as far as the (missing) client. */
static int rpa_read_code(const char *id, const pv *props)
{
    res_ctx ctx = test_ctx(false);
    err e = {0};
    char *nid = NULL;
    pv *out = NULL, *in = NULL;
    int rc = RPA->read(&ctx, id, props, NULL, &nid, &out, &in, &e);
    assert_int_equal(rc, -1);
    assert_null(out);
    return e.code;
}

static int rpa_delete_code(const char *id, const pv *props)
{
    res_ctx ctx = test_ctx(false);
    err e = {0};
    assert_int_equal(RPA->del(&ctx, id, props, &e), -1);
    return e.code;
}

static void test_rpa_id_forms(void **state)
{
    (void)state;
    /* <role>/<arn>, split at the first '/' (the ARN holds more of them) */
    assert_int_equal(rpa_read_code("my-role/arn:aws:iam::123456789012:policy/team/p", NULL),
                     ERR_FAILED_PRECONDITION);
    assert_int_equal(rpa_delete_code("my-role/" ARN_RO, NULL), ERR_FAILED_PRECONDITION);
    /* after the first '/' must come an ARN */
    assert_int_equal(rpa_read_code("my-role/ReadOnlyAccess", NULL), ERR_INVALID_ARGUMENT);
    assert_int_equal(rpa_read_code("/" ARN_RO, NULL), ERR_INVALID_ARGUMENT);
    assert_int_equal(rpa_read_code("", NULL), ERR_INVALID_ARGUMENT);

    /* the older <role>-<26-char suffix> form takes role and ARN from the state */
    const char *old_id = "my-role-20240101000000000000000001";
    assert_int_equal(rpa_read_code(old_id, NULL), ERR_INVALID_ARGUMENT);
    pv *props = obj();
    set_s(props, "role", "my-role");
    set_s(props, "policyArn", ARN_RO);
    assert_int_equal(rpa_read_code(old_id, props), ERR_FAILED_PRECONDITION);
    assert_int_equal(rpa_delete_code(old_id, props), ERR_FAILED_PRECONDITION);
    /* ...but only when the state's role is the ID's prefix */
    set_s(props, "role", "other-role");
    assert_int_equal(rpa_delete_code(old_id, props), ERR_INVALID_ARGUMENT);
    pv_free(props);
}

static void test_rpa_diff_replaces_delete_first(void **state)
{
    (void)state;
    pv *olds = obj(), *news = obj();
    set_s(olds, "role", "a");
    set_s(olds, "policyArn", ARN_RO);
    set_s(news, "role", "a");
    set_s(news, "policyArn", ARN_RO);
    diff_result d = run_diff(RPA, olds, news);
    assert_int_equal(d.len, 0);
    diff_result_free(&d);

    set_s(news, "role", "b");
    d = run_diff(RPA, olds, news);
    assert_int_equal(kind_of(&d, "role"), DIFF_UPDATE_REPLACE);
    assert_true(d.delete_before_replace);
    diff_result_free(&d);

    set_s(news, "role", "a");
    set_s(news, "policyArn", "arn:aws:iam::aws:policy/PowerUserAccess");
    d = run_diff(RPA, olds, news);
    assert_int_equal(kind_of(&d, "policyArn"), DIFF_UPDATE_REPLACE);
    assert_true(d.delete_before_replace);
    diff_result_free(&d);
    pv_free(olds);
    pv_free(news);
}

static void test_rpa_preview_create(void **state)
{
    (void)state;
    res_ctx ctx = test_ctx(true);
    pv *in = obj();
    set_s(in, "role", "a");
    set_v(in, "policyArn", pv_unknown(PV_UNK_ANY));
    char *id = NULL;
    pv *out = NULL;
    err e = {0};
    assert_int_equal(RPA->create(&ctx, in, &id, &out, &e), 0);
    assert_null(id);
    assert_true(pv_equal(out, in));
    pv_free(out);
    pv_free(in);
}

/* ---- Pipeline ------------------------------------------------------------------ */

static pv *pipeline_news(void)
{
    pv *n = obj();
    set_s(n, "pipelineName", "my-pipeline-1");
    set_s(n, "pipelineDefinition", DEF);
    return n;
}

static void test_pl_token_and_flags(void **state)
{
    (void)state;
    assert_string_equal(PL->token, "sagemaker/pipeline:Pipeline");
    assert_false(PL->delete_before_replace);
}

static void test_pl_check_defaults(void **state)
{
    (void)state;
    pv *news = pipeline_news();
    pv *in = NULL;
    check_failures f = run_check(PL, NULL, news, &in);
    assert_int_equal(f.len, 0);
    assert_string_equal(prop_str(in, "pipelineDisplayName"), "my-pipeline-1");
    const pv *all = pv_object_get(in, "tagsAll");
    assert_non_null(all);
    assert_int_equal(all->kind, PV_OBJECT);
    check_failures_free(&f);
    pv_free(in);

    /* an explicit display name is kept; tags flow into tagsAll */
    set_s(news, "pipelineDisplayName", "Shown");
    pv *tags = obj();
    set_s(tags, "env", "dev");
    set_v(news, "tags", tags);
    f = run_check(PL, NULL, news, &in);
    assert_int_equal(f.len, 0);
    assert_string_equal(prop_str(in, "pipelineDisplayName"), "Shown");
    assert_string_equal(prop_str(pv_object_get(in, "tagsAll"), "env"), "dev");
    check_failures_free(&f);
    pv_free(in);
    pv_free(news);

    /* unknown name: the defaulted display name is unknown too, nothing fails */
    news = obj();
    set_v(news, "pipelineName", pv_unknown(PV_UNK_ANY));
    set_v(news, "pipelineDefinition", pv_unknown(PV_UNK_ANY));
    f = run_check(PL, NULL, news, &in);
    assert_int_equal(f.len, 0);
    assert_true(prop_is_unknown(in, "pipelineDisplayName"));
    check_failures_free(&f);
    pv_free(in);
    pv_free(news);
}

static void test_pl_check_names(void **state)
{
    (void)state;
    static const char *const bad[] = {"-lead", "under_score", "sp ace", ""};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        pv *news = pipeline_news();
        set_s(news, "pipelineName", bad[i]);
        set_s(news, "pipelineDisplayName", "ok");
        check_failures f = run_check(PL, NULL, news, NULL);
        assert_int_equal(f.len, 1);
        assert_true(failed_on(&f, "pipelineName"));
        check_failures_free(&f);
        pv_free(news);
    }
    char name[258];
    memset(name, 'a', 257);
    name[257] = '\0';
    pv *news = pipeline_news();
    set_s(news, "pipelineName", name);
    set_s(news, "pipelineDisplayName", "bad_display");
    check_failures f = run_check(PL, NULL, news, NULL);
    assert_int_equal(f.len, 2);
    assert_true(failed_on(&f, "pipelineName"));
    assert_true(failed_on(&f, "pipelineDisplayName"));
    check_failures_free(&f);
    name[256] = '\0'; /* 256 is allowed */
    set_s(news, "pipelineName", name);
    set_s(news, "pipelineDisplayName", "Ok-1");
    f = run_check(PL, NULL, news, NULL);
    assert_int_equal(f.len, 0);
    check_failures_free(&f);
    pv_free(news);

    news = obj();
    set_s(news, "pipelineDefinition", DEF);
    f = run_check(PL, NULL, news, NULL);
    assert_true(failed_on(&f, "pipelineName"));
    check_failures_free(&f);
    pv_free(news);
}

static pv *s3_location(const char *bucket, const char *key)
{
    pv *loc = obj();
    if (bucket)
        set_s(loc, "bucket", bucket);
    if (key)
        set_s(loc, "objectKey", key);
    return loc;
}

static void test_pl_check_exactly_one_definition(void **state)
{
    (void)state;
    pv *news = obj();
    set_s(news, "pipelineName", "p");
    check_failures f = run_check(PL, NULL, news, NULL);
    assert_int_equal(f.len, 2);
    assert_true(failed_on(&f, "pipelineDefinition"));
    assert_true(failed_on(&f, "pipelineDefinitionS3Location"));
    assert_non_null(strstr(reason_of(&f, "pipelineDefinition"), "both missing"));
    check_failures_free(&f);

    set_s(news, "pipelineDefinition", DEF);
    set_v(news, "pipelineDefinitionS3Location", s3_location("b", "k.json"));
    f = run_check(PL, NULL, news, NULL);
    assert_int_equal(f.len, 2);
    assert_non_null(strstr(reason_of(&f, "pipelineDefinitionS3Location"), "both set"));
    check_failures_free(&f);

    /* S3 alone is fine; a null definition counts as absent */
    set_v(news, "pipelineDefinition", pv_null());
    f = run_check(PL, NULL, news, NULL);
    assert_int_equal(f.len, 0);
    check_failures_free(&f);

    /* bucket and objectKey are required inside the location */
    set_v(news, "pipelineDefinitionS3Location", s3_location("b", NULL));
    f = run_check(PL, NULL, news, NULL);
    assert_int_equal(f.len, 1);
    assert_true(failed_on(&f, "pipelineDefinitionS3Location.objectKey"));
    check_failures_free(&f);
    pv_free(news);
}

static void test_pl_check_definition_json(void **state)
{
    (void)state;
    pv *news = pipeline_news();
    set_s(news, "pipelineDefinition", "{not json");
    check_failures f = run_check(PL, NULL, news, NULL);
    assert_int_equal(f.len, 1);
    assert_true(failed_on(&f, "pipelineDefinition"));
    check_failures_free(&f);

    /* an object (SDKs may pass one) is serialised */
    pv *def = obj();
    set_s(def, "Version", "2020-12-01");
    set_v(def, "Steps", pv_array());
    set_v(news, "pipelineDefinition", def);
    pv *in = NULL;
    f = run_check(PL, NULL, news, &in);
    assert_int_equal(f.len, 0);
    assert_string_equal(prop_str(in, "pipelineDefinition"), DEF);
    check_failures_free(&f);
    pv_free(in);

    /* over 1 MiB */
    size_t big = 1024 * 1024 + 16;
    char *s = malloc(big + 1);
    assert_non_null(s);
    memset(s, ' ', big);
    memcpy(s, "{}", 2);
    s[big] = '\0';
    set_s(news, "pipelineDefinition", s);
    free(s);
    f = run_check(PL, NULL, news, NULL);
    assert_int_equal(f.len, 1);
    assert_true(failed_on(&f, "pipelineDefinition"));
    check_failures_free(&f);
    pv_free(news);
}

static void test_pl_check_other_rules(void **state)
{
    (void)state;
    pv *news = pipeline_news();
    pv *pc = obj();
    set_v(pc, "maxParallelExecutionSteps", pv_number(0));
    set_v(news, "parallelismConfiguration", pc);
    char *desc = malloc(3074);
    assert_non_null(desc);
    memset(desc, 'd', 3073);
    desc[3073] = '\0';
    set_s(news, "pipelineDescription", desc);
    free(desc);
    set_s(news, "roleArn", "SageMakerRole");
    pv *tags = obj();
    set_v(tags, "n", pv_number(1));
    set_v(news, "tags", tags);
    check_failures f = run_check(PL, NULL, news, NULL);
    assert_true(failed_on(&f, "parallelismConfiguration.maxParallelExecutionSteps"));
    assert_true(failed_on(&f, "pipelineDescription"));
    assert_true(failed_on(&f, "roleArn"));
    assert_true(failed_on(&f, "tags.n"));
    assert_int_equal(f.len, 4);
    check_failures_free(&f);

    pc = obj();
    set_v(pc, "maxParallelExecutionSteps", pv_number(4));
    set_v(news, "parallelismConfiguration", pc);
    set_s(news, "pipelineDescription", "");
    set_s(news, "roleArn", "arn:aws:iam::123456789012:role/sm");
    tags = obj();
    set_s(tags, "n", "1");
    set_v(news, "tags", tags);
    f = run_check(PL, NULL, news, NULL);
    assert_int_equal(f.len, 0);
    check_failures_free(&f);
    pv_free(news);
}

static pv *pipeline_state(void)
{
    pv *s = pipeline_news();
    set_s(s, "pipelineDisplayName", "my-pipeline-1");
    set_s(s, "region", "us-east-1");
    pv *tags = obj();
    set_s(tags, "env", "dev");
    set_s(tags, "team.name", "ml");
    set_v(s, "tags", tags);
    set_v(s, "tagsAll", pv_copy(tags));
    return s;
}

static void test_pl_diff(void **state)
{
    (void)state;
    pv *olds = pipeline_state();
    pv *news = pipeline_state();
    diff_result d = run_diff(PL, olds, news);
    assert_int_equal(d.len, 0);
    diff_result_free(&d);

    /* the same document, reformatted and reordered: no diff */
    set_s(news, "pipelineDefinition", "{ \"Steps\": [ ],\n  \"Version\": \"2020-12-01\" }");
    d = run_diff(PL, olds, news);
    assert_int_equal(d.len, 0);
    diff_result_free(&d);

    set_s(news, "pipelineDefinition", "{\"Version\":\"2020-12-01\",\"Steps\":[{}]}");
    set_s(news, "pipelineDescription", "new");
    d = run_diff(PL, olds, news);
    assert_int_equal(kind_of(&d, "pipelineDefinition"), DIFF_UPDATE);
    assert_int_equal(kind_of(&d, "pipelineDescription"), DIFF_ADD);
    assert_false(diff_has_replace(&d));
    diff_result_free(&d);
    pv_free(news);

    /* tags by key, with a dotted key quoted */
    news = pipeline_state();
    pv *tags = obj();
    set_s(tags, "env", "prod");
    set_s(tags, "owner", "me");
    set_v(news, "tags", tags);
    d = run_diff(PL, olds, news);
    assert_int_equal(kind_of(&d, "tags.env"), DIFF_UPDATE);
    assert_int_equal(kind_of(&d, "tags.owner"), DIFF_ADD);
    assert_int_equal(kind_of(&d, "tags[\"team.name\"]"), DIFF_DELETE);
    assert_false(diff_has_replace(&d));
    diff_result_free(&d);
    pv_free(news);

    /* name and region replace; create-before-delete is fine for a pipeline */
    news = pipeline_state();
    set_s(news, "pipelineName", "renamed");
    set_s(news, "region", "eu-west-1");
    d = run_diff(PL, olds, news);
    assert_int_equal(kind_of(&d, "pipelineName"), DIFF_UPDATE_REPLACE);
    assert_int_equal(kind_of(&d, "region"), DIFF_UPDATE_REPLACE);
    assert_false(d.delete_before_replace);
    diff_result_free(&d);
    pv_free(news);

    /* unknown definition in preview: an update */
    news = pipeline_state();
    set_v(news, "pipelineDefinition", pv_unknown(PV_UNK_ANY));
    d = run_diff(PL, olds, news);
    assert_int_equal(kind_of(&d, "pipelineDefinition"), DIFF_UPDATE);
    diff_result_free(&d);
    pv_free(news);
    pv_free(olds);
}

/* Pain point 6: an S3-defined pipeline carries no pipelineDefinition on
 * either side, so nothing diffs after a refresh. */
static void test_pl_diff_s3_defined_is_stable(void **state)
{
    (void)state;
    pv *olds = pipeline_state(), *news = pipeline_state();
    pv_object_remove(olds, "pipelineDefinition");
    pv_object_remove(news, "pipelineDefinition");
    set_v(olds, "pipelineDefinitionS3Location", s3_location("b", "k.json"));
    set_v(news, "pipelineDefinitionS3Location", s3_location("b", "k.json"));
    diff_result d = run_diff(PL, olds, news);
    assert_int_equal(d.len, 0);
    diff_result_free(&d);

    set_v(news, "pipelineDefinitionS3Location", s3_location("b", "k2.json"));
    d = run_diff(PL, olds, news);
    assert_int_equal(kind_of(&d, "pipelineDefinitionS3Location"), DIFF_UPDATE);
    diff_result_free(&d);
    pv_free(olds);
    pv_free(news);
}

static void test_pl_preview_outputs(void **state)
{
    (void)state;
    res_ctx ctx = test_ctx(true);
    pv *in = pipeline_state();
    char *id = NULL;
    pv *out = NULL;
    err e = {0};
    assert_int_equal(PL->create(&ctx, in, &id, &out, &e), 0);
    assert_null(id);
    assert_true(prop_is_unknown(out, "arn"));
    assert_string_equal(prop_str(out, "pipelineName"), "my-pipeline-1");
    assert_non_null(pv_object_get(out, "tagsAll"));
    pv_free(out);

    /* preview update keeps the known ARN */
    pv *olds = pipeline_state();
    set_s(olds, "arn", "arn:aws:sagemaker:us-east-1:123456789012:pipeline/my-pipeline-1");
    set_s(in, "pipelineDescription", "changed");
    assert_int_equal(PL->update(&ctx, "my-pipeline-1", olds, in, olds, &out, &e), 0);
    assert_string_equal(prop_str(out, "arn"),
                        "arn:aws:sagemaker:us-east-1:123456789012:pipeline/my-pipeline-1");
    assert_string_equal(prop_str(out, "pipelineDescription"), "changed");
    pv_free(out);
    pv_free(olds);
    pv_free(in);
}

static void test_pl_calls_need_configure(void **state)
{
    (void)state;
    res_ctx ctx = test_ctx(false);
    err e = {0};
    assert_int_equal(PL->del(&ctx, "p", NULL, &e), -1);
    assert_int_equal(e.code, ERR_FAILED_PRECONDITION);
}

/* With a configured provider: region defaults to the provider's, and another
 * region (which the one-region client cannot serve) is a CheckFailure. */
/* Regions as in pulumi-aws 7: region defaults to the provider's; another
 * one is served by a client of that region, made once and shared. */
static void test_pl_region_default_and_other_regions(void **state)
{
    (void)state;
    struct fake_env fe = {{{"AWS_EC2_METADATA_DISABLED", "true"}}};
    profile_env env = env_of(&fe);
    pv *cfg = obj();
    set_s(cfg, "region", "us-east-1");
    set_s(cfg, "accessKey", "AKIDEXAMPLE");
    set_s(cfg, "secretKey", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");
    set_s(cfg, "skipCredentialsValidation", "true");
    config_settings *settings = NULL;
    config_problems problems = {0};
    err e = {0};
    assert_int_equal(config_load(cfg, &env, CONFIG_CONFIGURE, &settings, &problems, &e), 0);
    assert_int_equal(problems.len, 0);
    aws_client *c = NULL;
    assert_int_equal(config_client_new(settings, &problems, &c, &e), 0);
    provider_set_config(settings);
    provider_set_client(c);

    pv *news = pipeline_news();
    pv *in = NULL;
    check_failures f = run_check(PL, NULL, news, &in);
    assert_int_equal(f.len, 0);
    assert_string_equal(prop_str(in, "region"), "us-east-1");
    check_failures_free(&f);
    pv_free(in);

    set_s(news, "region", "eu-west-1");
    f = run_check(PL, NULL, news, &in);
    assert_int_equal(f.len, 0); /* served, no longer refused */
    assert_string_equal(prop_str(in, "region"), "eu-west-1");
    check_failures_free(&f);
    pv_free(in);

    res_ctx ctx = test_ctx(false);
    aws_client *eu = res_client_for(&ctx, news, &e);
    assert_non_null(eu);
    assert_string_equal(aws_client_region(eu), "eu-west-1");
    assert_ptr_equal(res_client_for(&ctx, news, &e), eu); /* made once, shared */
    assert_ptr_equal(res_client(&ctx, &e), c);
    set_s(news, "region", "us-east-1");
    assert_ptr_equal(res_client_for(&ctx, news, &e), c);
    set_s(news, "region", "not a region");
    assert_null(res_client_for(&ctx, news, &e));
    assert_non_null(strstr(e.msg, "not a region"));
    pv_free(news);
    pv_free(cfg);
    provider_reset();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rpa_token_and_flags),
        cmocka_unit_test(test_rpa_check_requires_both),
        cmocka_unit_test(test_rpa_check_rules),
        cmocka_unit_test(test_rpa_check_role_reference_and_unknowns),
        cmocka_unit_test(test_rpa_id_forms),
        cmocka_unit_test(test_rpa_diff_replaces_delete_first),
        cmocka_unit_test(test_rpa_preview_create),
        cmocka_unit_test(test_pl_token_and_flags),
        cmocka_unit_test(test_pl_check_defaults),
        cmocka_unit_test(test_pl_check_names),
        cmocka_unit_test(test_pl_check_exactly_one_definition),
        cmocka_unit_test(test_pl_check_definition_json),
        cmocka_unit_test(test_pl_check_other_rules),
        cmocka_unit_test(test_pl_diff),
        cmocka_unit_test(test_pl_diff_s3_defined_is_stable),
        cmocka_unit_test(test_pl_preview_outputs),
        cmocka_unit_test(test_pl_calls_need_configure),
        cmocka_unit_test(test_pl_region_default_and_other_regions),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
