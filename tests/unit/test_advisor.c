/* The security advisor's rules (issue 7): for every rule a case that fires
 * and a near miss that must not; the seed program's findings; unknowns
 * skipped; deterministic order; and the secure example clean. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>
#include <cmocka.h>

#include "resources/advisor.h"
#include "util/str.h"

#define ROLE "iam/role:Role"
#define ATT "iam/rolePolicyAttachment:RolePolicyAttachment"
#define PIPE "sagemaker/pipeline:Pipeline"
#define BOUNDARY "arn:aws:iam::123456789012:policy/Boundary"

/* The seed document's trust policy, as examples/seed/__main__.py has it. */
#define SEED_TRUST                                                                                 \
    "{\"Version\": \"2012-10-17\", \"Statement\": [{\"Effect\": \"Allow\", \"Principal\": "        \
    "{\"Service\": \"sagemaker.amazonaws.com\"}, \"Action\": \"sts:AssumeRole\"}]}"
#define SEED_ARN "arn:aws:iam::aws:policy/AmazonSageMakerFullAccess"

/* ---- helpers -------------------------------------------------------------------- */

static char *slurp(const char *rel)
{
    const char *root = getenv("AWSML_ROOT");
    char path[1024];
    snprintf(path, sizeof(path), "%s/%s", root ? root : ".", rel);
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return NULL;
    char *data = NULL;
    if (fseek(fp, 0, SEEK_END) == 0) {
        long n = ftell(fp);
        if (n >= 0 && fseek(fp, 0, SEEK_SET) == 0 && (data = malloc((size_t)n + 1))) {
            size_t got = fread(data, 1, (size_t)n, fp);
            data[got] = '\0';
        }
    }
    fclose(fp);
    return data;
}

static void set_str(pv *o, const char *k, const char *s)
{
    assert_int_equal(pv_object_set(o, k, pv_string(s)), 0);
}

/* Role inputs with a boundary (so only the rule under test fires) and the
 * given trust policy, or the seed's. */
static pv *role_with(const char *trust)
{
    pv *in = pv_object();
    assert_non_null(in);
    set_str(in, "assumeRolePolicy", trust ? trust : SEED_TRUST);
    set_str(in, "permissionsBoundary", BOUNDARY);
    return in;
}

/* A role with a conditioned trust policy and one inline policy. */
#define GOOD_TRUST                                                                                 \
    "{\"Statement\":{\"Effect\":\"Allow\",\"Principal\":{\"Service\":\"sagemaker.amazonaws.com\"}" \
    ","                                                                                            \
    "\"Action\":\"sts:AssumeRole\",\"Condition\":{\"StringEquals\":{\"aws:SourceAccount\":"        \
    "\"123456789012\"}}}}"
static pv *role_inline(const char *policy)
{
    pv *in = role_with(GOOD_TRUST);
    pv *list = pv_array(), *el = pv_object();
    assert_non_null(list);
    assert_non_null(el);
    set_str(el, "name", "p");
    set_str(el, "policy", policy);
    assert_int_equal(pv_array_push(list, el), 0);
    assert_int_equal(pv_object_set(in, "inlinePolicies", list), 0);
    return in;
}

static void run(const char *tok, pv *in, advisor_findings *f)
{
    memset(f, 0, sizeof(*f));
    assert_int_equal(advisor_run(tok, in, f), 0);
    pv_free(in);
}

static size_t count(const advisor_findings *f, const char *id)
{
    size_t n = 0;
    for (size_t i = 0; i < f->len; i++)
        n += strcmp(f->items[i].id, id) == 0;
    return n;
}

/* The findings as "ID@property" lines, in order, compared with want. */
static void expect(const advisor_findings *f, const char *want)
{
    char got[4096] = "";
    size_t k = 0;
    for (size_t i = 0; i < f->len && k < sizeof(got); i++)
        k += (size_t)snprintf(got + k, sizeof(got) - k, "%s%s@%s", i ? " " : "", f->items[i].id,
                              f->items[i].property);
    assert_string_equal(got, want);
}

/* Runs one inline policy and returns how often rule id fired. */
static size_t inline_count(const char *policy, const char *id)
{
    advisor_findings f;
    run(ROLE, role_inline(policy), &f);
    size_t n = count(&f, id);
    for (size_t i = 0; i < f.len; i++)
        if (strcmp(f.items[i].id, id) == 0)
            assert_string_equal(f.items[i].property, "inlinePolicies[0].policy");
    advisor_findings_free(&f);
    return n;
}

static size_t trust_count(const char *trust, const char *id)
{
    advisor_findings f;
    run(ROLE, role_with(trust), &f);
    size_t n = count(&f, id);
    advisor_findings_free(&f);
    return n;
}

#define STMT(body) "{\"Version\":\"2012-10-17\",\"Statement\":[{" body "}]}"

/* ---- the seed program ------------------------------------------------------------- */

static void test_seed_role_and_attachment(void **state)
{
    (void)state;
    advisor_findings f;
    pv *in = pv_object();
    set_str(in, "assumeRolePolicy", SEED_TRUST);
    run(ROLE, in, &f);
    expect(&f, "AWSML-IAM-001@assumeRolePolicy AWSML-IAM-013@permissionsBoundary");
    assert_int_equal(f.items[0].severity, ADVISOR_WARNING);
    assert_non_null(strstr(f.items[0].message, "sagemaker.amazonaws.com"));
    assert_non_null(strstr(f.items[0].message, "confused deputy"));
    assert_true(f.items[0].fix[0] != '\0');
    assert_int_equal(f.items[1].severity, ADVISOR_INFO);
    advisor_findings_free(&f);
    advisor_findings_free(&f); /* twice is fine */

    in = pv_object();
    set_str(in, "role", "SageMakerRole");
    set_str(in, "policyArn", SEED_ARN);
    run(ATT, in, &f);
    expect(&f, "AWSML-IAM-012@policyArn");
    assert_non_null(strstr(f.items[0].message, "AmazonSageMakerFullAccess"));
    advisor_findings_free(&f);

    /* The seed pipeline (definition in S3) says its steps were not checked. */
    in = pv_object();
    pv *loc = pv_object();
    set_str(loc, "bucket", "my-model-artifacts-bucket");
    set_str(loc, "objectKey", "my-pipeline-definition.json");
    assert_int_equal(pv_object_set(in, "pipelineDefinitionS3Location", loc), 0);
    run(PIPE, in, &f);
    expect(&f, "AWSML-SM-006@pipelineDefinitionS3Location");
    assert_int_equal(f.items[0].severity, ADVISOR_INFO);
    advisor_findings_free(&f);
}

/* ---- trust policies ----------------------------------------------------------------- */

static void test_trust_service_without_source(void **state)
{
    (void)state;
    assert_int_equal(trust_count(NULL, "AWSML-IAM-001"), 1);
    /* near misses: either key, any operator, any case */
    assert_int_equal(trust_count(GOOD_TRUST, "AWSML-IAM-001"), 0);
    assert_int_equal(
        trust_count(STMT("\"Effect\":\"Allow\",\"Principal\":{\"Service\":\"sagemaker.amazonaws."
                         "com\"},\"Action\":\"sts:AssumeRole\",\"Condition\":{\"ArnLike\":{\"AWS:"
                         "sourcearn\":\"arn:aws:sagemaker:us-east-1:123456789012:*\"}}"),
                    "AWSML-IAM-001"),
        0);
    /* a condition on something else does not protect */
    assert_int_equal(
        trust_count(STMT("\"Effect\":\"Allow\",\"Principal\":{\"Service\":\"sagemaker.amazonaws."
                         "com\"},\"Action\":\"sts:AssumeRole\",\"Condition\":{\"Bool\":{\"aws:"
                         "SecureTransport\":\"true\"}}"),
                    "AWSML-IAM-001"),
        1);
    /* a Deny is not a grant */
    assert_int_equal(trust_count(STMT("\"Effect\":\"Deny\",\"Principal\":{\"Service\":"
                                      "\"sagemaker.amazonaws.com\"},\"Action\":\"sts:AssumeRole\""),
                                 "AWSML-IAM-001"),
                     0);
}

static void test_trust_star(void **state)
{
    (void)state;
    assert_int_equal(
        trust_count(STMT("\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"sts:AssumeRole\""),
                    "AWSML-IAM-002"),
        1);
    assert_int_equal(trust_count(STMT("\"Effect\":\"Allow\",\"Principal\":{\"AWS\":[\"*\"]},"
                                      "\"Action\":\"sts:AssumeRole\""),
                                 "AWSML-IAM-002"),
                     1);
    /* near misses: a named role; "*" in a Deny */
    assert_int_equal(trust_count(STMT("\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"arn:aws:iam::"
                                      "123456789012:role/ci\"},\"Action\":\"sts:AssumeRole\""),
                                 "AWSML-IAM-002"),
                     0);
    assert_int_equal(
        trust_count(STMT("\"Effect\":\"Deny\",\"Principal\":\"*\",\"Action\":\"sts:AssumeRole\""),
                    "AWSML-IAM-002"),
        0);
}

static void test_trust_whole_account(void **state)
{
    (void)state;
    assert_int_equal(trust_count(STMT("\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"arn:aws:iam::"
                                      "123456789012:root\"},\"Action\":\"sts:AssumeRole\""),
                                 "AWSML-IAM-003"),
                     1);
    assert_int_equal(
        trust_count(STMT("\"Effect\":\"Allow\",\"Principal\":{\"AWS\":[\"123456789012\","
                         "\"arn:aws-cn:iam::210987654321:root\"]},\"Action\":\"sts:"
                         "AssumeRole\""),
                    "AWSML-IAM-003"),
        2);
    /* near misses: with a condition; a role in that account; not 12 digits */
    assert_int_equal(
        trust_count(STMT("\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"arn:aws:iam::"
                         "123456789012:root\"},\"Action\":\"sts:AssumeRole\","
                         "\"Condition\":{\"StringEquals\":{\"sts:ExternalId\":\"x\"}}"),
                    "AWSML-IAM-003"),
        0);
    assert_int_equal(trust_count(STMT("\"Effect\":\"Allow\",\"Principal\":{\"AWS\":[\"arn:aws:iam::"
                                      "123456789012:role/root\",\"12345678901\"]},\"Action\":\"sts:"
                                      "AssumeRole\""),
                                 "AWSML-IAM-003"),
                     0);
}

static void test_trust_several_services(void **state)
{
    (void)state;
    const char *multi =
        STMT("\"Effect\":\"Allow\",\"Principal\":{\"Service\":[\"ec2.amazonaws.com\","
             "\"sagemaker.amazonaws.com\"]},\"Action\":\"sts:AssumeRole\","
             "\"Condition\":{\"StringEquals\":{\"aws:SourceAccount\":\"1\"}}");
    advisor_findings f;
    run(ROLE, role_with(multi), &f);
    expect(&f, "AWSML-IAM-004@assumeRolePolicy");
    assert_int_equal(f.items[0].severity, ADVISOR_INFO);
    advisor_findings_free(&f);
    /* two statements, one service each, count the same */
    assert_int_equal(
        trust_count("{\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"Service\":\"sagemaker."
                    "amazonaws.com\"},\"Action\":\"sts:AssumeRole\"},{\"Effect\":\"Allow\","
                    "\"Principal\":{\"Service\":\"lambda.amazonaws.com\"},\"Action\":\"sts:"
                    "AssumeRole\"}]}",
                    "AWSML-IAM-004"),
        1);
    /* near misses: several services without SageMaker; SageMaker twice */
    assert_int_equal(trust_count(STMT("\"Effect\":\"Allow\",\"Principal\":{\"Service\":[\"ec2."
                                      "amazonaws.com\",\"lambda.amazonaws.com\"]},\"Action\":\"sts:"
                                      "AssumeRole\""),
                                 "AWSML-IAM-004"),
                     0);
    assert_int_equal(
        trust_count(STMT("\"Effect\":\"Allow\",\"Principal\":{\"Service\":[\"sagemaker."
                         "amazonaws.com\",\"sagemaker.amazonaws.com\"]},\"Action\":"
                         "\"sts:AssumeRole\""),
                    "AWSML-IAM-004"),
        0);
}

/* ---- any policy ---------------------------------------------------------------------- */

static void test_not_principal(void **state)
{
    (void)state;
    assert_int_equal(
        trust_count(STMT("\"Effect\":\"Allow\",\"NotPrincipal\":{\"AWS\":\"arn:aws:iam::"
                         "123456789012:role/x\"},\"Action\":\"sts:AssumeRole\""),
                    "AWSML-IAM-005"),
        1);
    assert_int_equal(
        trust_count(STMT("\"Effect\":\"Deny\",\"NotPrincipal\":{\"AWS\":\"arn:aws:iam::"
                         "123456789012:role/x\"},\"Action\":\"sts:AssumeRole\""),
                    "AWSML-IAM-005"),
        0);
}

static void test_not_action(void **state)
{
    (void)state;
    assert_int_equal(
        inline_count(STMT("\"Effect\":\"Allow\",\"NotAction\":\"iam:*\",\"Resource\":\"*\""),
                     "AWSML-IAM-006"),
        1);
    assert_int_equal(
        inline_count(STMT("\"Effect\":\"Deny\",\"NotAction\":\"s3:GetObject\",\"Resource\":\"*\""),
                     "AWSML-IAM-006"),
        0);
}

static void test_star_action(void **state)
{
    (void)state;
    assert_int_equal(inline_count(STMT("\"Effect\":\"Allow\",\"Action\":\"*\",\"Resource\":\"*\""),
                                  "AWSML-IAM-007"),
                     1);
    assert_int_equal(inline_count(STMT("\"Effect\":\"Allow\",\"Action\":[\"s3:GetObject\",\"*:*\"],"
                                       "\"Resource\":\"arn:aws:s3:::b/*\""),
                                  "AWSML-IAM-007"),
                     1);
    /* "*:*" is not also a "service:*" */
    assert_int_equal(
        inline_count(STMT("\"Effect\":\"Allow\",\"Action\":\"*:*\",\"Resource\":\"*\""),
                     "AWSML-IAM-008"),
        0);
    assert_int_equal(
        inline_count(STMT("\"Effect\":\"Allow\",\"Action\":\"s3:Get*\",\"Resource\":\"*\""),
                     "AWSML-IAM-007"),
        0);
    assert_int_equal(inline_count(STMT("\"Effect\":\"Deny\",\"Action\":\"*\",\"Resource\":\"*\""),
                                  "AWSML-IAM-007"),
                     0);
}

static void test_service_star(void **state)
{
    (void)state;
    assert_int_equal(
        inline_count(
            STMT("\"Effect\":\"Allow\",\"Action\":[\"s3:*\",\"SageMaker:*\"],\"Resource\":\"*\""),
            "AWSML-IAM-008"),
        2);
    /* near misses: scoped resource; a prefix wildcard; iam:* has its own rule */
    assert_int_equal(inline_count(STMT("\"Effect\":\"Allow\",\"Action\":\"s3:*\",\"Resource\":"
                                       "\"arn:aws:s3:::bucket/*\""),
                                  "AWSML-IAM-008"),
                     0);
    assert_int_equal(
        inline_count(STMT("\"Effect\":\"Allow\",\"Action\":\"s3:Get*\",\"Resource\":\"*\""),
                     "AWSML-IAM-008"),
        0);
    assert_int_equal(
        inline_count(STMT("\"Effect\":\"Allow\",\"Action\":\"iam:*\",\"Resource\":\"*\""),
                     "AWSML-IAM-008"),
        0);
}

static void test_passrole_star(void **state)
{
    (void)state;
    assert_int_equal(inline_count(STMT("\"Effect\":\"Allow\",\"Action\":\"iam:passrole\","
                                       "\"Resource\":[\"arn:aws:iam::1:role/a\",\"*\"]"),
                                  "AWSML-IAM-009"),
                     1);
    assert_int_equal(inline_count(STMT("\"Effect\":\"Allow\",\"Action\":\"iam:PassRole\","
                                       "\"Resource\":\"arn:aws:iam::123456789012:role/pipeline\""),
                                  "AWSML-IAM-009"),
                     0);
}

static void test_iam_star(void **state)
{
    (void)state;
    assert_int_equal(inline_count(STMT("\"Effect\":\"Allow\",\"Action\":\"IAM:*\",\"Resource\":"
                                       "\"arn:aws:iam::123456789012:role/x\""),
                                  "AWSML-IAM-010"),
                     1);
    assert_int_equal(
        inline_count(STMT("\"Effect\":\"Allow\",\"Action\":\"iam:Get*\",\"Resource\":\"*\""),
                     "AWSML-IAM-010"),
        0);
}

/* ---- managed policies -------------------------------------------------------------------- */

static size_t managed_count(const char *arn, const char *id)
{
    advisor_findings f;
    pv *in = role_with(GOOD_TRUST), *list = pv_array();
    assert_int_equal(pv_array_push(list, pv_string("arn:aws:iam::aws:policy/ReadOnlyAccess")), 0);
    assert_int_equal(pv_array_push(list, pv_string(arn)), 0);
    assert_int_equal(pv_object_set(in, "managedPolicyArns", list), 0);
    run(ROLE, in, &f);
    size_t n = count(&f, id);
    for (size_t i = 0; i < f.len; i++)
        assert_string_equal(f.items[i].property, "managedPolicyArns[1]");
    advisor_findings_free(&f);
    return n;
}

static void test_managed_admin(void **state)
{
    (void)state;
    assert_int_equal(managed_count("arn:aws:iam::aws:policy/AdministratorAccess", "AWSML-IAM-011"),
                     1);
    assert_int_equal(managed_count("arn:aws:iam::aws:policy/PowerUserAccess", "AWSML-IAM-011"), 1);
    assert_int_equal(managed_count("arn:aws-us-gov:iam::aws:policy/IAMFullAccess", "AWSML-IAM-011"),
                     1);
    /* IAMFullAccess is admin, not also the generic full-access rule */
    assert_int_equal(managed_count("arn:aws:iam::aws:policy/IAMFullAccess", "AWSML-IAM-012"), 0);
    /* near misses: a customer policy of that name; another service's ARN */
    assert_int_equal(
        managed_count("arn:aws:iam::123456789012:policy/AdministratorAccess", "AWSML-IAM-011"), 0);
    assert_int_equal(
        managed_count("arn:aws:iam::aws:policy/job-function/ViewOnlyAccess", "AWSML-IAM-011"), 0);
    assert_int_equal(managed_count("arn:awsx:iam::aws:policy/AdministratorAccess", "AWSML-IAM-011"),
                     0);
}

static void test_managed_full_access(void **state)
{
    (void)state;
    assert_int_equal(managed_count(SEED_ARN, "AWSML-IAM-012"), 1);
    assert_int_equal(
        managed_count("arn:aws-cn:iam::aws:policy/AmazonS3FullAccess", "AWSML-IAM-012"), 1);
    assert_int_equal(managed_count("arn:aws:iam::aws:policy/AWSLambda_FullAccess", "AWSML-IAM-012"),
                     1);
    /* near misses */
    assert_int_equal(
        managed_count("arn:aws:iam::aws:policy/AmazonSageMakerReadOnly", "AWSML-IAM-012"), 0);
    assert_int_equal(
        managed_count("arn:aws:iam::123456789012:policy/MyFullAccess", "AWSML-IAM-012"), 0);
    assert_int_equal(managed_count("arn:aws:iam::aws:policy/FullAccessReview", "AWSML-IAM-012"), 0);
}

/* ---- role settings -------------------------------------------------------------------- */

static void test_boundary_and_session(void **state)
{
    (void)state;
    advisor_findings f;
    pv *in = role_with(GOOD_TRUST);
    assert_int_equal(pv_object_set(in, "maxSessionDuration", pv_number(7200)), 0);
    assert_int_equal(pv_object_set(in, "permissionsBoundary", pv_null()), 0);
    run(ROLE, in, &f);
    expect(&f, "AWSML-IAM-013@permissionsBoundary AWSML-IAM-014@maxSessionDuration");
    assert_non_null(strstr(f.items[1].message, "7200"));
    advisor_findings_free(&f);
    /* near misses: a boundary and the default duration */
    in = role_with(GOOD_TRUST);
    assert_int_equal(pv_object_set(in, "maxSessionDuration", pv_number(3600)), 0);
    run(ROLE, in, &f);
    expect(&f, "");
    advisor_findings_free(&f);
}

/* ---- pipelines -------------------------------------------------------------------------- */

/* The secure example's definition with the value at path of step removed
 * (path NULL: unchanged). */
static pv *pipeline_without(const char *step, const char *path)
{
    char *text = slurp("examples/secure-pipeline/pipeline-definition.json");
    assert_non_null(text);
    cJSON *doc = cJSON_Parse(text);
    assert_non_null(doc);
    free(text);
    cJSON *s = cJSON_GetObjectItem(doc, "Steps")->child;
    while (step && s && strcmp(cJSON_GetObjectItem(s, "Name")->valuestring, step) != 0)
        s = s->next;
    if (path) {
        assert_non_null(s);
        cJSON *parent = cJSON_GetObjectItem(s, "Arguments");
        char buf[256];
        snprintf(buf, sizeof(buf), "%s", path);
        char *dot, *key = buf;
        while ((dot = strchr(key, '.'))) {
            *dot = '\0';
            parent = cJSON_GetObjectItem(parent, key);
            key = dot + 1;
        }
        assert_non_null(cJSON_GetObjectItem(parent, key));
        cJSON_DeleteItemFromObject(parent, key);
    }
    char *out = cJSON_PrintUnformatted(doc);
    cJSON_Delete(doc);
    pv *in = pv_object();
    set_str(in, "pipelineName", "p");
    set_str(in, "pipelineDefinition", out);
    free(out);
    return in;
}

static void expect_pipeline(const char *step, const char *path, const char *want)
{
    advisor_findings f;
    run(PIPE, pipeline_without(step, path), &f);
    expect(&f, want);
    for (size_t i = 0; i < f.len; i++)
        assert_non_null(strstr(f.items[i].message, step));
    advisor_findings_free(&f);
}

/* Rule properties (advisor_options): each silences what it names and only
 * that; a zeroed struct and NULL are the defaults. */
static size_t run_opts(const char *tok, pv *in, const advisor_options *o, const char *id)
{
    advisor_findings f = {0};
    f.opts = o;
    assert_int_equal(advisor_run(tok, in, &f), 0);
    size_t n = count(&f, id);
    advisor_findings_free(&f);
    assert_ptr_equal(f.opts, o); /* freeing keeps the options */
    pv_free(in);
    return n;
}

static pv *attachment(const char *arn)
{
    pv *in = pv_object();
    assert_non_null(in);
    set_str(in, "role", "r");
    set_str(in, "policyArn", arn);
    return in;
}

static void test_rule_options(void **state)
{
    static const char two_accounts[] =
        "{\"Statement\":{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":[\"111122223333\","
        "\"arn:aws-cn:iam::444455556666:root\"]},\"Action\":\"sts:AssumeRole\"}}";
    advisor_options o;
    memset(&o, 0, sizeof(o));
    /* Defaults: both accounts, both managed policies, 7200 seconds. */
    assert_int_equal(run_opts(ROLE, role_with(two_accounts), &o, "AWSML-IAM-003"), 2);
    assert_int_equal(run_opts(ROLE, role_with(two_accounts), NULL, "AWSML-IAM-003"), 2);

    /* AWSML-IAM-003: one trusted account silences it, whether the policy
     * names the bare ID or the :root ARN; the other account is still reported. */
    memcpy(o.trusted_accounts[0], "444455556666", 13);
    o.n_trusted_accounts = 1;
    advisor_findings f = {.opts = &o};
    pv *in = role_with(two_accounts);
    assert_int_equal(advisor_run(ROLE, in, &f), 0);
    pv_free(in);
    assert_int_equal(count(&f, "AWSML-IAM-003"), 1);
    for (size_t i = 0; i < f.len; i++)
        if (strcmp(f.items[i].id, "AWSML-IAM-003") == 0)
            assert_non_null(strstr(f.items[i].message, "111122223333"));
    advisor_findings_free(&f);
    memcpy(o.trusted_accounts[1], "111122223333", 13);
    o.n_trusted_accounts = 2;
    assert_int_equal(run_opts(ROLE, role_with(two_accounts), &o, "AWSML-IAM-003"), 0);
    /* A near miss: a listed account that differs in one digit. */
    memcpy(o.trusted_accounts[1], "111122223334", 13);
    assert_int_equal(run_opts(ROLE, role_with(two_accounts), &o, "AWSML-IAM-003"), 1);

    /* AWSML-IAM-012: the allowed full-access policy, any partition, not
     * another one; and not AWSML-IAM-011's list. */
    memset(&o, 0, sizeof(o));
    str_copy(o.allowed_full[0], sizeof(o.allowed_full[0]), "AmazonSageMakerFullAccess");
    o.n_allowed_full = 1;
    assert_int_equal(run_opts(ATT, attachment(SEED_ARN), &o, "AWSML-IAM-012"), 0);
    assert_int_equal(
        run_opts(ATT, attachment("arn:aws-us-gov:iam::aws:policy/AmazonSageMakerFullAccess"), &o,
                 "AWSML-IAM-012"),
        0);
    assert_int_equal(run_opts(ATT, attachment("arn:aws:iam::aws:policy/AmazonS3FullAccess"), &o,
                              "AWSML-IAM-012"),
                     1);
    /* Without options (NULL) it is reported. */
    assert_int_equal(run_opts(ATT, attachment(SEED_ARN), NULL, "AWSML-IAM-012"), 1);
    memset(&o, 0, sizeof(o));
    str_copy(o.allowed_admin[0], sizeof(o.allowed_admin[0]), "AmazonSageMakerFullAccess");
    o.n_allowed_admin = 1;
    assert_int_equal(run_opts(ATT, attachment(SEED_ARN), &o, "AWSML-IAM-012"), 1);

    /* AWSML-IAM-011: the allowed admin policy, not another admin policy; on
     * a role's managedPolicyArns as on an attachment. */
    memset(&o, 0, sizeof(o));
    str_copy(o.allowed_admin[0], sizeof(o.allowed_admin[0]), "PowerUserAccess");
    o.n_allowed_admin = 1;
    assert_int_equal(
        run_opts(ATT, attachment("arn:aws:iam::aws:policy/PowerUserAccess"), &o, "AWSML-IAM-011"),
        0);
    assert_int_equal(run_opts(ATT, attachment("arn:aws:iam::aws:policy/AdministratorAccess"), &o,
                              "AWSML-IAM-011"),
                     1);
    in = role_with(GOOD_TRUST);
    pv *arns = pv_array();
    assert_non_null(arns);
    assert_int_equal(pv_array_push(arns, pv_string("arn:aws:iam::aws:policy/PowerUserAccess")), 0);
    assert_int_equal(pv_array_push(arns, pv_string("arn:aws:iam::aws:policy/IAMFullAccess")), 0);
    assert_int_equal(pv_object_set(in, "managedPolicyArns", arns), 0);
    f = (advisor_findings){.opts = &o};
    assert_int_equal(advisor_run(ROLE, in, &f), 0);
    pv_free(in);
    assert_int_equal(count(&f, "AWSML-IAM-011"), 1);
    assert_int_equal(count(&f, "AWSML-IAM-012"), 0);
    for (size_t i = 0; i < f.len; i++)
        if (strcmp(f.items[i].id, "AWSML-IAM-011") == 0)
            assert_string_equal(f.items[i].property, "managedPolicyArns[1]");
    advisor_findings_free(&f);

    /* AWSML-IAM-014: a higher maximum silences durations up to it, not above. */
    memset(&o, 0, sizeof(o));
    o.max_session_duration = 14400;
    in = role_with(GOOD_TRUST);
    assert_int_equal(pv_object_set(in, "maxSessionDuration", pv_number(14400)), 0);
    assert_int_equal(run_opts(ROLE, in, &o, "AWSML-IAM-014"), 0);
    in = role_with(GOOD_TRUST);
    assert_int_equal(pv_object_set(in, "maxSessionDuration", pv_number(14401)), 0);
    f = (advisor_findings){.opts = &o};
    assert_int_equal(advisor_run(ROLE, in, &f), 0);
    pv_free(in);
    assert_int_equal(count(&f, "AWSML-IAM-014"), 1);
    for (size_t i = 0; i < f.len; i++)
        if (strcmp(f.items[i].id, "AWSML-IAM-014") == 0)
            assert_non_null(strstr(f.items[i].message, "configured maximum of 14400"));
    advisor_findings_free(&f);
    in = role_with(GOOD_TRUST);
    assert_int_equal(pv_object_set(in, "maxSessionDuration", pv_number(14400)), 0);
    assert_int_equal(run_opts(ROLE, in, NULL, "AWSML-IAM-014"), 1);
}

static void test_pipeline_controls(void **state)
{
    (void)state;
    expect_pipeline("TrainModel", "ResourceConfig.VolumeKmsKeyId",
                    "AWSML-SM-001@pipelineDefinition");
    expect_pipeline("TrainModel", "OutputDataConfig.KmsKeyId", "AWSML-SM-002@pipelineDefinition");
    expect_pipeline("TrainModel", "EnableNetworkIsolation", "AWSML-SM-003@pipelineDefinition");
    expect_pipeline("TrainModel", "EnableInterContainerTrafficEncryption",
                    "AWSML-SM-004@pipelineDefinition");
    expect_pipeline("TrainModel", "VpcConfig", "AWSML-SM-005@pipelineDefinition");
    expect_pipeline("PrepareData", "ProcessingResources.ClusterConfig.VolumeKmsKeyId",
                    "AWSML-SM-001@pipelineDefinition");
    expect_pipeline("PrepareData", "ProcessingOutputConfig.KmsKeyId",
                    "AWSML-SM-002@pipelineDefinition");
    expect_pipeline("PrepareData", "NetworkConfig.EnableNetworkIsolation",
                    "AWSML-SM-003@pipelineDefinition");
    expect_pipeline("PrepareData", "NetworkConfig.EnableInterContainerTrafficEncryption",
                    "AWSML-SM-004@pipelineDefinition");
    expect_pipeline("PrepareData", "NetworkConfig.VpcConfig", "AWSML-SM-005@pipelineDefinition");
    /* near miss: a processing step without outputs has nothing to encrypt */
    expect_pipeline("PrepareData", "ProcessingOutputConfig", "");
    /* near miss: the untouched secure definition (parameters count as set) */
    expect_pipeline("TrainModel", NULL, "");
}

static void test_pipeline_values(void **state)
{
    (void)state;
    /* false, "" and null are not set; a parameter is */
    const char *def =
        "{\"Steps\":[{\"Name\":\"T\",\"Type\":\"Training\",\"Arguments\":{"
        "\"ResourceConfig\":{\"VolumeKmsKeyId\":\"\"},\"OutputDataConfig\":{\"KmsKeyId\":null},"
        "\"EnableNetworkIsolation\":false,\"EnableInterContainerTrafficEncryption\":{\"Get\":"
        "\"Parameters.Enc\"},\"VpcConfig\":{\"Subnets\":[\"s\"],\"SecurityGroupIds\":[\"g\"]}}},"
        "{\"Name\":\"Ignored\",\"Type\":\"RegisterModel\",\"Arguments\":{}}]}";
    advisor_findings f;
    pv *in = pv_object();
    set_str(in, "pipelineDefinition", def);
    run(PIPE, in, &f);
    expect(&f, "AWSML-SM-001@pipelineDefinition AWSML-SM-002@pipelineDefinition "
               "AWSML-SM-003@pipelineDefinition");
    advisor_findings_free(&f);
}

static void test_pipeline_seed_definition_and_conditions(void **state)
{
    (void)state;
    /* The seed's definition, passed inline, lacks all five controls. */
    char *seed = slurp("examples/seed/my-pipeline-definition.json");
    assert_non_null(seed);
    advisor_findings f;
    pv *in = pv_object();
    set_str(in, "pipelineDefinition", seed);
    free(seed);
    run(PIPE, in, &f);
    expect(&f, "AWSML-SM-001@pipelineDefinition AWSML-SM-002@pipelineDefinition "
               "AWSML-SM-003@pipelineDefinition AWSML-SM-004@pipelineDefinition "
               "AWSML-SM-005@pipelineDefinition");
    for (size_t i = 0; i < f.len; i++) {
        assert_non_null(strstr(f.items[i].message, "\"TrainModel\""));
        assert_int_equal(f.items[i].severity, ADVISOR_WARNING);
    }
    advisor_findings_free(&f);

    /* Steps inside a condition step are checked; ordered by rule, then step. */
    const char *def =
        "{\"Steps\":[{\"Name\":\"A\",\"Type\":\"Training\",\"Arguments\":{}},"
        "{\"Name\":\"C\",\"Type\":\"Condition\",\"Arguments\":{\"IfSteps\":[{\"Name\":"
        "\"B\",\"Type\":\"Processing\",\"Arguments\":{}}],\"ElseSteps\":[]}}]}";
    in = pv_object();
    set_str(in, "pipelineDefinition", def);
    run(PIPE, in, &f);
    /* A: 5 findings; B: no outputs, so 4 */
    assert_int_equal(f.len, 9);
    assert_string_equal(f.items[0].id, "AWSML-SM-001");
    assert_non_null(strstr(f.items[0].message, "\"A\""));
    assert_string_equal(f.items[1].id, "AWSML-SM-001");
    assert_non_null(strstr(f.items[1].message, "\"B\""));
    assert_string_equal(f.items[2].id, "AWSML-SM-002");
    assert_string_equal(f.items[8].id, "AWSML-SM-005");
    advisor_findings_free(&f);

    /* near miss for AWSML-SM-006: an inline definition, and no definition at all */
    in = pv_object();
    set_str(in, "pipelineDefinition", "{\"Steps\":[]}");
    run(PIPE, in, &f);
    assert_int_equal(f.len, 0);
    in = pv_object();
    run(PIPE, in, &f);
    assert_int_equal(f.len, 0);
}

/* ---- unknowns, invalid input, order ------------------------------------------------------- */

static void test_unknowns_are_skipped(void **state)
{
    (void)state;
    advisor_findings f;
    pv *in = pv_object(), *list = pv_array(), *el = pv_object();
    assert_int_equal(pv_object_set(in, "assumeRolePolicy", pv_unknown(PV_UNK_ANY)), 0);
    assert_int_equal(pv_object_set(in, "permissionsBoundary", pv_unknown(PV_UNK_ANY)), 0);
    assert_int_equal(pv_object_set(in, "maxSessionDuration", pv_unknown(PV_UNK_NUMBER)), 0);
    assert_int_equal(pv_array_push(list, pv_unknown(PV_UNK_ANY)), 0);
    assert_int_equal(pv_object_set(el, "name", pv_string("p")), 0);
    assert_int_equal(pv_object_set(el, "policy", pv_unknown(PV_UNK_ANY)), 0);
    assert_int_equal(pv_array_push(list, el), 0);
    assert_int_equal(pv_object_set(in, "inlinePolicies", list), 0);
    list = pv_array();
    assert_int_equal(pv_array_push(list, pv_unknown(PV_UNK_ANY)), 0);
    assert_int_equal(pv_object_set(in, "managedPolicyArns", list), 0);
    run(ROLE, in, &f);
    assert_int_equal(f.len, 0);

    in = pv_object();
    assert_int_equal(pv_object_set(in, "inlinePolicies", pv_unknown(PV_UNK_ARRAY)), 0);
    assert_int_equal(pv_object_set(in, "managedPolicyArns", pv_unknown(PV_UNK_ARRAY)), 0);
    assert_int_equal(pv_object_set(in, "permissionsBoundary", pv_unknown(PV_UNK_ANY)), 0);
    run(ROLE, in, &f);
    assert_int_equal(f.len, 0);

    in = pv_object();
    assert_int_equal(pv_object_set(in, "policyArn", pv_unknown(PV_UNK_ANY)), 0);
    run(ATT, in, &f);
    assert_int_equal(f.len, 0);

    in = pv_object();
    assert_int_equal(pv_object_set(in, "pipelineDefinition", pv_unknown(PV_UNK_ANY)), 0);
    run(PIPE, in, &f);
    assert_int_equal(f.len, 0);
    in = pv_object();
    assert_int_equal(pv_object_set(in, "pipelineDefinitionS3Location", pv_unknown(PV_UNK_OBJECT)),
                     0);
    run(PIPE, in, &f);
    assert_int_equal(f.len, 0);

    run(ROLE, pv_unknown(PV_UNK_OBJECT), &f);
    assert_int_equal(f.len, 0);
    assert_int_equal(advisor_run(ROLE, NULL, &f), 0);
    assert_int_equal(f.len, 0);
}

static void test_secrets_and_invalid_input(void **state)
{
    (void)state;
    advisor_findings f;
    /* a secret policy is still a policy (the advisor never prints its values wholesale) */
    pv *in = role_with(GOOD_TRUST);
    assert_int_equal(pv_object_set(in, "assumeRolePolicy", pv_secret(pv_string(SEED_TRUST))), 0);
    run(ROLE, in, &f);
    expect(&f, "AWSML-IAM-001@assumeRolePolicy");
    advisor_findings_free(&f);
    /* invalid JSON and wrong types are Check's to report */
    in = role_inline("not json");
    set_str(in, "assumeRolePolicy", "[1,2]");
    assert_int_equal(pv_object_set(in, "maxSessionDuration", pv_string("7200")), 0);
    run(ROLE, in, &f);
    expect(&f, "");
    in = pv_object();
    set_str(in, "pipelineDefinition", "{\"Steps\":");
    run(PIPE, in, &f);
    expect(&f, "");
    /* unknown tokens: nothing */
    in = pv_object();
    set_str(in, "policyArn", SEED_ARN);
    run("s3/bucket:Bucket", in, &f);
    expect(&f, "");
    in = pv_object();
    set_str(in, "policyArn", SEED_ARN);
    assert_int_equal(advisor_run(NULL, in, &f), 0);
    pv_free(in);
    expect(&f, "");
}

static void test_order_is_stable(void **state)
{
    (void)state;
    /* One policy, two spellings (statement order, scalar vs list, key order):
     * same findings in the same order, by rule ID within the property. */
    const char *a =
        "{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"iam:*\",\"Resource\":\"*\"},"
        "{\"Effect\":\"Allow\",\"Action\":[\"s3:*\",\"iam:PassRole\"],\"Resource\":\"*\"},"
        "{\"Effect\":\"Allow\",\"NotAction\":\"s3:*\",\"Resource\":\"*\"},"
        "{\"Effect\":\"Allow\",\"Action\":\"*\",\"Resource\":\"*\"}]}";
    const char *b =
        "{\"Statement\":[{\"Resource\":[\"*\"],\"Action\":[\"*\"],\"Effect\":\"Allow\"},"
        "{\"NotAction\":[\"s3:*\"],\"Resource\":\"*\",\"Effect\":\"Allow\"},"
        "{\"Effect\":\"Allow\",\"Action\":[\"iam:PassRole\",\"s3:*\"],\"Resource\":\"*\"},"
        "{\"Resource\":\"*\",\"Effect\":\"Allow\",\"Action\":[\"iam:*\"]}]}";
    const char *want =
        "AWSML-IAM-006@inlinePolicies[0].policy AWSML-IAM-007@inlinePolicies[0].policy "
        "AWSML-IAM-008@inlinePolicies[0].policy AWSML-IAM-009@inlinePolicies[0].policy "
        "AWSML-IAM-010@inlinePolicies[0].policy";
    advisor_findings fa, fb;
    run(ROLE, role_inline(a), &fa);
    run(ROLE, role_inline(b), &fb);
    expect(&fa, want);
    assert_int_equal(fa.len, fb.len);
    for (size_t i = 0; i < fa.len; i++)
        assert_memory_equal(&fa.items[i], &fb.items[i], sizeof(fa.items[i]));
    advisor_findings_free(&fa);
    advisor_findings_free(&fb);

    /* Across properties: the resource's order, each sorted by ID; duplicates once. */
    pv *in =
        role_inline(STMT("\"Effect\":\"Allow\",\"Action\":[\"s3:*\",\"*\"],\"Resource\":\"*\""));
    set_str(
        in, "assumeRolePolicy",
        "{\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"sts:AssumeRole\"},"
        "{\"Effect\":\"Allow\",\"Principal\":{\"Service\":\"sagemaker.amazonaws.com\"},"
        "\"Action\":\"sts:AssumeRole\"},{\"Effect\":\"Allow\",\"Principal\":{\"Service\":"
        "\"sagemaker.amazonaws.com\"},\"Action\":\"sts:TagSession\"}]}");
    pv *list = pv_array();
    assert_int_equal(pv_array_push(list, pv_string(SEED_ARN)), 0);
    assert_int_equal(pv_object_set(in, "managedPolicyArns", list), 0);
    pv_object_remove(in, "permissionsBoundary");
    assert_int_equal(pv_object_set(in, "maxSessionDuration", pv_number(43200)), 0);
    run(ROLE, in, &fa);
    expect(&fa, "AWSML-IAM-001@assumeRolePolicy AWSML-IAM-002@assumeRolePolicy "
                "AWSML-IAM-007@inlinePolicies[0].policy AWSML-IAM-008@inlinePolicies[0].policy "
                "AWSML-IAM-012@managedPolicyArns[0] AWSML-IAM-013@permissionsBoundary "
                "AWSML-IAM-014@maxSessionDuration");
    advisor_findings_free(&fa);
}

/* A later property's lower rule ID stays after an earlier property's findings. */
static void test_order_across_properties(void **state)
{
    (void)state;
    advisor_findings f;
    pv *in = role_inline(STMT("\"Effect\":\"Allow\",\"NotAction\":\"s3:*\",\"Resource\":\"*\""));
    set_str(in, "assumeRolePolicy",
            STMT("\"Effect\":\"Allow\",\"Principal\":{\"Service\":\"sagemaker.amazonaws.com\"},"
                 "\"Action\":\"*\""));
    run(ROLE, in, &f);
    expect(&f, "AWSML-IAM-001@assumeRolePolicy AWSML-IAM-007@assumeRolePolicy "
               "AWSML-IAM-006@inlinePolicies[0].policy");
    advisor_findings_free(&f);
}

/* ---- the artifact store (issue 14) ------------------------------------------------- */

/* Inputs from JSON (the advisor's view of a resource's checked inputs). */
static pv *json_in(const char *json)
{
    cJSON *j = cJSON_Parse(json);
    assert_non_null(j);
    pv *in = pv_from_cjson(j);
    cJSON_Delete(j);
    assert_non_null(in);
    return in;
}

/* The findings of one resource as "ID@property" words. */
static void expect_res(const char *tok, const char *json, const char *want)
{
    advisor_findings f;
    run(tok, json_in(json), &f);
    expect(&f, want);
    advisor_findings_free(&f);
}

/* A policy document as the JSON string value of "policy". */
#define POLICY_OF(stmt)                                                                            \
    "{\"policy\":\"{\\\"Version\\\":\\\"2012-10-17\\\",\\\"Statement\\\":[{" stmt "}]}\"}"
#define Q(s) "\\\"" s "\\\""

static void test_policy_documents(void **state)
{
    (void)state;
    static const char *const toks[] = {"iam/policy:Policy", "iam/rolePolicy:RolePolicy", NULL};
    for (size_t i = 0; toks[i]; i++) {
        const char *t = toks[i];
        expect_res(t,
                   POLICY_OF(Q("Effect") ":" Q("Allow") "," Q("Action") ":" Q("*") "," Q(
                       "Resource") ":" Q("*")),
                   "AWSML-IAM-007@policy");
        expect_res(t,
                   POLICY_OF(Q("Effect") ":" Q("Allow") "," Q("Action") ":" Q("iam:PassRole") "," Q(
                       "Resource") ":" Q("*")),
                   "AWSML-IAM-009@policy");
        expect_res(t,
                   POLICY_OF(Q("Effect") ":" Q("Allow") "," Q("NotAction") ":" Q("s3:*") "," Q(
                       "Resource") ":" Q("arn:aws:s3:::b")),
                   "AWSML-IAM-006@policy");
        expect_res(t,
                   POLICY_OF(Q("Effect") ":" Q("Allow") "," Q("Action") ":" Q("s3:GetObject") "," Q(
                       "NotResource") ":" Q("arn:aws:s3:::secret/*")),
                   "AWSML-IAM-015@policy");
        expect_res(t,
                   POLICY_OF(Q("Effect") ":" Q("Allow") "," Q("Action") ":[" Q(
                       "s3:GetObject") "," Q("s3:PutObject") "]," Q("Resource") ":" Q("*")),
                   "AWSML-IAM-016@policy");
        /* Near misses: scoped, conditioned, read-only on "*", Deny. */
        expect_res(t,
                   POLICY_OF(Q("Effect") ":" Q("Allow") "," Q("Action") ":" Q("s3:PutObject") "," Q(
                       "Resource") ":" Q("arn:aws:s3:::b/*")),
                   "");
        expect_res(
            t,
            POLICY_OF(Q("Effect") ":" Q("Allow") "," Q("Action") ":" Q("s3:PutObject") "," Q(
                "Resou"
                "rce") ":" Q("*") "," Q("Condition") ":{" Q("StringEquals") ":{" Q("aws:"
                                                                                   "ResourceAccoun"
                                                                                   "t") ":" Q("1234"
                                                                                              "56"
                                                                                              "7890"
                                                                                              "1"
                                                                                              "2") "}"
                                                                                                   "}"),
            "");
        expect_res(
            t,
            POLICY_OF(Q("Effect") ":" Q("Allow") "," Q("Action") ":[" Q("ec2:Describe*") "," Q(
                "ecr:GetAuthorizationToken") "]," Q("Resource") ":" Q("*")),
            "");
        expect_res(t,
                   POLICY_OF(Q("Effect") ":" Q("Deny") "," Q("Action") ":" Q("*") "," Q(
                       "NotResource") ":" Q("arn:aws:s3:::b/*")),
                   "");
        expect_res(t,
                   POLICY_OF(Q("Effect") ":" Q("Allow") "," Q("Action") ":" Q("iam:PassRole") "," Q(
                       "Resource") ":" Q("arn:aws:iam::1:role/r")),
                   "");
    }
}

#define KEY_T "kms/key:Key"
#define KEY_POLICY(principal, cond)                                                                \
    "\"policy\":\"{\\\"Statement\\\":[{\\\"Effect\\\":\\\"Allow\\\",\\\"Principal\\\":" principal  \
    ",\\\"Action\\\":\\\"kms:*\\\",\\\"Resource\\\":\\\"*\\\"" cond "}]}\""

static void test_kms_key(void **state)
{
    (void)state;
    expect_res(KEY_T, "{}", "AWSML-KMS-001@enableKeyRotation");
    expect_res(KEY_T, "{\"enableKeyRotation\":false}", "AWSML-KMS-001@enableKeyRotation");
    expect_res(KEY_T, "{\"enableKeyRotation\":true}", "");
    /* Asymmetric and HMAC keys cannot rotate automatically. */
    expect_res(KEY_T, "{\"customerMasterKeySpec\":\"RSA_2048\",\"keyUsage\":\"SIGN_VERIFY\"}", "");
    expect_res(KEY_T, "{\"keyUsage\":\"GENERATE_VERIFY_MAC\"}", "");
    expect_res(KEY_T, "{\"enableKeyRotation\":true," KEY_POLICY("\\\"*\\\"", "") "}",
               "AWSML-KMS-002@policy");
    expect_res(KEY_T, "{\"enableKeyRotation\":true," KEY_POLICY("{\\\"AWS\\\":\\\"*\\\"}", "") "}",
               "AWSML-KMS-002@policy");
    expect_res(KEY_T,
               "{\"enableKeyRotation\":true," KEY_POLICY(
                   "{\\\"AWS\\\":\\\"*\\\"}",
                   ",\\\"Condition\\\":{\\\"StringEquals\\\":{\\\"aws:PrincipalAccount\\\":"
                   "\\\"123456789012\\\"}}") "}",
               "");
    expect_res(KEY_T,
               "{\"enableKeyRotation\":true," KEY_POLICY(
                   "{\\\"AWS\\\":\\\"arn:aws:iam::123456789012:root\\\"}", "") "}",
               "");
    expect_res(KEY_T, "{\"enableKeyRotation\":true,\"bypassPolicyLockoutSafetyCheck\":true}",
               "AWSML-KMS-003@bypassPolicyLockoutSafetyCheck");
    expect_res(KEY_T, "{\"enableKeyRotation\":true,\"bypassPolicyLockoutSafetyCheck\":false}", "");
}

#define SSE_T "s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
#define SSE_V2_T                                                                                   \
    "s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2"
#define ALG(a)                                                                                     \
    "{\"bucket\":\"b\",\"rules\":[{\"applyServerSideEncryptionByDefault\":{\"sseAlgorithm\":\"" a  \
    "\"}}]}"

static void test_s3_encryption(void **state)
{
    (void)state;
    expect_res(SSE_T, ALG("AES256"),
               "AWSML-S3-001@rules[0].applyServerSideEncryptionByDefault.sseAlgorithm");
    expect_res(SSE_V2_T, ALG("AES256"),
               "AWSML-S3-001@rules[0].applyServerSideEncryptionByDefault.sseAlgorithm");
    expect_res(SSE_T, ALG("aws:kms"), "");
    expect_res(SSE_T, ALG("aws:kms:dsse"), "");
    /* The deprecated inline form of Bucket/BucketV2, where the program sets it. */
    static const char *const buckets[] = {"s3/bucket:Bucket", "s3/bucketV2:BucketV2", NULL};
    for (size_t i = 0; buckets[i]; i++) {
        expect_res(buckets[i],
                   "{\"serverSideEncryptionConfiguration\":{\"rule\":{"
                   "\"applyServerSideEncryptionByDefault\":{\"sseAlgorithm\":\"AES256\"}}}}",
                   "AWSML-S3-001@serverSideEncryptionConfiguration.rule."
                   "applyServerSideEncryptionByDefault.sseAlgorithm");
        expect_res(buckets[i], "{\"versioning\":{\"enabled\":false}}",
                   "AWSML-S3-003@versioning.enabled");
        expect_res(buckets[i],
                   "{\"bucket\":\"b\",\"versioning\":{\"enabled\":true},"
                   "\"serverSideEncryptionConfiguration\":{\"rule\":{"
                   "\"applyServerSideEncryptionByDefault\":{\"sseAlgorithm\":\"aws:kms\"}}}}",
                   "");
        expect_res(buckets[i], "{\"bucket\":\"b\"}", "");
    }
}

#define PAB_T "s3/bucketPublicAccessBlock:BucketPublicAccessBlock"

static void test_s3_public_access_block(void **state)
{
    (void)state;
    expect_res(PAB_T,
               "{\"bucket\":\"b\",\"blockPublicAcls\":true,\"blockPublicPolicy\":false,"
               "\"ignorePublicAcls\":true}",
               "AWSML-S3-002@blockPublicPolicy AWSML-S3-002@restrictPublicBuckets");
    expect_res(PAB_T,
               "{\"bucket\":\"b\",\"blockPublicAcls\":true,\"blockPublicPolicy\":true,"
               "\"ignorePublicAcls\":true,\"restrictPublicBuckets\":true}",
               "");
    /* Unknown flags are skipped, not guessed. */
    pv *in = json_in("{\"bucket\":\"b\",\"blockPublicAcls\":true,\"blockPublicPolicy\":true,"
                     "\"ignorePublicAcls\":true}");
    assert_int_equal(pv_object_set(in, "restrictPublicBuckets", pv_unknown(PV_UNK_BOOL)), 0);
    advisor_findings f;
    run(PAB_T, in, &f);
    expect(&f, "");
    advisor_findings_free(&f);
}

static void test_s3_versioning(void **state)
{
    (void)state;
    static const char *const toks[] = {"s3/bucketVersioning:BucketVersioning",
                                       "s3/bucketVersioningV2:BucketVersioningV2", NULL};
    for (size_t i = 0; toks[i]; i++) {
        expect_res(toks[i], "{\"versioningConfiguration\":{\"status\":\"Suspended\"}}",
                   "AWSML-S3-003@versioningConfiguration.status");
        expect_res(toks[i], "{\"versioningConfiguration\":{\"status\":\"Disabled\"}}",
                   "AWSML-S3-003@versioningConfiguration.status");
        expect_res(toks[i], "{\"versioningConfiguration\":{\"status\":\"Enabled\"}}", "");
    }
}

#define BPOL_T "s3/bucketPolicy:BucketPolicy"
#define TLS_DENY                                                                                     \
    "{" Q("Effect") ":" Q("Deny") "," Q("Principal") ":" Q("*") "," Q("Action") ":" Q("s3:*") "," Q( \
        "Resource") ":" Q("*") "," Q("Condition") ":{" Q("Bool") ":{" Q("aws:"                       \
                                                                        "SecureTran"                 \
                                                                        "sport") ":"                 \
                                                                                 "[" Q(              \
                                                                                     "false") "]}"   \
                                                                                              "}}"
#define BPOLICY(stmts) "{\"bucket\":\"b\",\"policy\":\"{" Q("Statement") ":[" stmts "]}\"}"

static void test_s3_bucket_policy(void **state)
{
    (void)state;
    expect_res(BPOL_T, BPOLICY(TLS_DENY), "");
    expect_res(BPOL_T,
               BPOLICY("{" Q("Effect") ":" Q("Deny") "," Q("Principal") ":" Q("*") "," Q(
                   "Action") ":" Q("s3:DeleteBucket") "," Q("Resource") ":" Q("*") "}"),
               "AWSML-S3-004@policy");
    /* aws:SecureTransport true is not the deny (it denies TLS requests). */
    expect_res(
        BPOL_T,
        BPOLICY("{" Q("Effect") ":" Q("Deny") "," Q("Principal") ":" Q("*") "," Q("Action") ":" Q(
            "s3:"
            "*") "," Q("Resource") ":" Q("*") "," Q("Condition") ":{" Q("Bool") ":{" Q("aws:"
                                                                                       "SecureTrans"
                                                                                       "port") ":" Q("true") "}}}"),
        "AWSML-S3-004@policy");
    expect_res(
        BPOL_T,
        BPOLICY(
            TLS_DENY
            ",{" Q("Effect") ":" Q("Allow") "," Q("Principal") ":{" Q("AWS") ":" Q("*") "}," Q(
                "Action") ":" Q("s3:GetObject") "," Q("Resource") ":" Q("arn:aws:s3:::b/*") "}"),
        "AWSML-S3-005@policy");
    expect_res(
        BPOL_T,
        BPOLICY(TLS_DENY ",{" Q("Effect") ":" Q("Allow") "," Q("Principal") ":" Q("*") "," Q(
            "Actio"
            "n") ":" Q("s3"
                       ":G"
                       "et"
                       "Ob"
                       "je"
                       "c"
                       "t") "," Q("Resource") ":" Q("arn:aws:s3:::b/*") "," Q("Condition") ":{" Q("StringEqual"
                                                                                                  "s") ":{" Q("aws:"
                                                                                                              "SourceVpce") ":" Q("vpce-1") "}}}"),
        "");
    expect_res(BPOL_T, "{\"bucket\":\"b\",\"policy\":\"not json\"}", "");
}

static void test_s3_objects(void **state)
{
    (void)state;
    static const char *const toks[] = {"s3/bucketObjectv2:BucketObjectv2",
                                       "s3/bucketObject:BucketObject", NULL};
    for (size_t i = 0; toks[i]; i++) {
        expect_res(toks[i], "{\"bucket\":\"b\",\"key\":\"k\"}",
                   "AWSML-S3-006@serverSideEncryption");
        expect_res(toks[i], "{\"bucket\":\"b\",\"key\":\"k\",\"serverSideEncryption\":\"\"}",
                   "AWSML-S3-006@serverSideEncryption");
        expect_res(toks[i], "{\"bucket\":\"b\",\"key\":\"k\",\"serverSideEncryption\":\"aws:kms\"}",
                   "");
        expect_res(toks[i], "{\"bucket\":\"b\",\"key\":\"k\",\"kmsKeyId\":\"arn:aws:kms:x\"}", "");
    }
    pv *in = json_in("{\"bucket\":\"b\",\"key\":\"k\"}");
    assert_int_equal(pv_object_set(in, "kmsKeyId", pv_unknown(PV_UNK_ANY)), 0);
    advisor_findings f;
    run("s3/bucketObjectv2:BucketObjectv2", in, &f);
    expect(&f, "");
    advisor_findings_free(&f);
}

/* The secure example's artifact store, with the example's values: silent. */
static void test_secure_example_store_is_clean(void **state)
{
    (void)state;
    char *exec = slurp("examples/secure-pipeline/execution-policy.json");
    assert_non_null(exec);
    pv *in = pv_object();
    assert_non_null(in);
    set_str(in, "policy", exec);
    free(exec);
    advisor_findings f;
    run("iam/policy:Policy", in, &f);
    expect(&f, "");
    expect_res(KEY_T,
               "{\"enableKeyRotation\":true,\"deletionWindowInDays\":7," KEY_POLICY(
                   "{\\\"AWS\\\":\\\"arn:aws:iam::123456789012:root\\\"}", "") "}",
               "");
    expect_res("s3/bucket:Bucket", "{\"bucket\":\"b\",\"forceDestroy\":true}", "");
    expect_res(SSE_T,
               "{\"bucket\":\"b\",\"rules\":[{\"applyServerSideEncryptionByDefault\":{"
               "\"sseAlgorithm\":\"aws:kms\",\"kmsMasterKeyId\":\"arn:aws:kms:x\"},"
               "\"bucketKeyEnabled\":true}]}",
               "");
    expect_res("s3/bucketObjectv2:BucketObjectv2",
               "{\"bucket\":\"b\",\"key\":\"k\",\"serverSideEncryption\":\"aws:kms\","
               "\"kmsKeyId\":\"arn:aws:kms:x\"}",
               "");
}

/* ---- the rule table and the secure example ------------------------------------------------- */

static void test_rule_table(void **state)
{
    (void)state;
    size_t n = 0;
    const advisor_rule *r = advisor_rules(&n);
    assert_int_equal(n, 38);
    for (size_t i = 0; i < n; i++) {
        assert_non_null(r[i].id);
        assert_true(strlen(r[i].id) < sizeof(((advisor_finding *)0)->id));
        assert_true(r[i].what[0] && r[i].why_source[0] && r[i].fix[0]);
        assert_true(strlen(r[i].fix) < sizeof(((advisor_finding *)0)->fix));
        if (i)
            assert_true(strcmp(r[i - 1].id, r[i].id) < 0);
        assert_ptr_equal(advisor_rule_find(r[i].id), &r[i]);
    }
    /* The README's rule table has a row per rule with its scope, severity
     * and Checkov / Security Hub mapping. */
    char *readme = slurp("README.md");
    assert_non_null(readme);
    for (size_t i = 0; i < n; i++) {
        char head[128], line[2048];
        snprintf(head, sizeof(head), "\n| %s | %s | %s | ", r[i].id, r[i].scope,
                 advisor_severity_name(r[i].severity));
        const char *row = strstr(readme, head);
        if (!row)
            fail_msg("README.md has no rule table row starting '%s'", head + 1);
        size_t len = strcspn(row + 1, "\n");
        snprintf(line, sizeof(line), "%.*s", (int)len, row + 1);
        snprintf(head, sizeof(head), " | %s | %s | ", r[i].checkov, r[i].securityhub);
        if (!strstr(line, head))
            fail_msg("README.md row of %s lacks '%s'", r[i].id, head);
    }
    free(readme);
    assert_null(advisor_rule_find("AWSML-IAM-999"));
    assert_null(advisor_rule_find("awsml-iam-001"));
    assert_null(advisor_rule_find(NULL));
    assert_string_equal(advisor_severity_name(ADVISOR_HIGH), "high");
    assert_string_equal(advisor_severity_name(ADVISOR_WARNING), "warning");
    assert_string_equal(advisor_severity_name(ADVISOR_INFO), "info");
}

static void test_secure_example_is_clean(void **state)
{
    (void)state;
    char *trust = slurp("examples/secure-pipeline/trust-policy.json");
    char *exec = slurp("examples/secure-pipeline/execution-policy.json");
    assert_non_null(trust);
    assert_non_null(exec);
    advisor_findings f;
    pv *in = role_inline(exec);
    set_str(in, "assumeRolePolicy", trust);
    set_str(in, "name", "SecureSageMakerPipelineRole");
    free(trust);
    free(exec);
    run(ROLE, in, &f);
    expect(&f, "");
    run(PIPE, pipeline_without(NULL, NULL), &f);
    expect(&f, "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_seed_role_and_attachment),
        cmocka_unit_test(test_trust_service_without_source),
        cmocka_unit_test(test_trust_star),
        cmocka_unit_test(test_trust_whole_account),
        cmocka_unit_test(test_trust_several_services),
        cmocka_unit_test(test_not_principal),
        cmocka_unit_test(test_not_action),
        cmocka_unit_test(test_star_action),
        cmocka_unit_test(test_service_star),
        cmocka_unit_test(test_passrole_star),
        cmocka_unit_test(test_iam_star),
        cmocka_unit_test(test_managed_admin),
        cmocka_unit_test(test_managed_full_access),
        cmocka_unit_test(test_boundary_and_session),
        cmocka_unit_test(test_rule_options),
        cmocka_unit_test(test_pipeline_controls),
        cmocka_unit_test(test_pipeline_values),
        cmocka_unit_test(test_pipeline_seed_definition_and_conditions),
        cmocka_unit_test(test_unknowns_are_skipped),
        cmocka_unit_test(test_secrets_and_invalid_input),
        cmocka_unit_test(test_order_is_stable),
        cmocka_unit_test(test_order_across_properties),
        cmocka_unit_test(test_policy_documents),
        cmocka_unit_test(test_kms_key),
        cmocka_unit_test(test_s3_encryption),
        cmocka_unit_test(test_s3_public_access_block),
        cmocka_unit_test(test_s3_versioning),
        cmocka_unit_test(test_s3_bucket_policy),
        cmocka_unit_test(test_s3_objects),
        cmocka_unit_test(test_secure_example_store_is_clean),
        cmocka_unit_test(test_rule_table),
        cmocka_unit_test(test_secure_example_is_clean),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
