/* The security advisor's stack rules (issue 14): every rule fires on a
 * stack that has the flaw and stays silent on a near miss, in both modes
 * (complete: AnalyzeStack's whole stack; !complete: what Check has seen), with
 * resources linked by values and by the dependencies a preview reports, and
 * for both token families (aws: and awsml:). */
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

#define MAXR 16
#define UNKNOWN "<?>"

/* ---- building a stack -------------------------------------------------------------- */

/* Turns every string UNKNOWN of the tree into an unknown value. */
static pv *unknowns(pv *v)
{
    if (!v)
        return NULL;
    if (v->kind == PV_STRING && strcmp(v->u.str.s, UNKNOWN) == 0) {
        pv_free(v);
        return pv_unknown(PV_UNK_ANY);
    }
    if (v->kind == PV_ARRAY)
        for (size_t i = 0; i < v->u.arr.len; i++)
            v->u.arr.items[i] = unknowns(v->u.arr.items[i]);
    if (v->kind == PV_OBJECT)
        for (size_t i = 0; i < v->u.obj.len; i++)
            v->u.obj.vals[i] = unknowns(v->u.obj.vals[i]);
    return v;
}

typedef struct stk {
    advisor_resource r[MAXR];
    pv *props[MAXR];
    char urn[MAXR][128];
    /* one property dependency per resource at most, and its deps */
    advisor_propdeps pd[MAXR];
    const char *pd_urns[MAXR][4];
    const char *deps[MAXR][4];
    size_t n;
} stk;

static stk *stk_new(void)
{
    stk *s = calloc(1, sizeof(*s));
    assert_non_null(s);
    return s;
}

static void stk_free(stk *s)
{
    for (size_t i = 0; i < s->n; i++)
        pv_free(s->props[i]);
    free(s);
}

/* Adds a resource of token type (whole token) named name with props given as
 * JSON (UNKNOWN strings become unknowns); returns its index. */
static size_t add_res(stk *s, const char *type, const char *name, const char *json)
{
    size_t i = s->n++;
    assert_true(i < MAXR);
    cJSON *j = cJSON_Parse(json);
    assert_non_null(j);
    s->props[i] = unknowns(pv_from_cjson(j));
    cJSON_Delete(j);
    assert_non_null(s->props[i]);
    snprintf(s->urn[i], sizeof(s->urn[i]), "urn:pulumi:dev::p::%s::%s", type, name);
    s->r[i].urn = s->urn[i];
    s->r[i].type = type;
    s->r[i].name = name;
    s->r[i].props = s->props[i];
    return i;
}

/* Property prop of resource i came from resource from (a preview's link). */
static void propdep(stk *s, size_t i, const char *prop, size_t from)
{
    s->pd_urns[i][0] = s->urn[from];
    s->pd[i].property = prop;
    s->pd[i].urns = s->pd_urns[i];
    s->pd[i].n = 1;
    s->r[i].propdeps = &s->pd[i];
    s->r[i].npropdeps = 1;
    s->deps[i][s->r[i].ndeps] = s->urn[from];
    s->r[i].deps = s->deps[i];
    s->r[i].ndeps++;
}

/* Only a dependency (no property dependencies reported). */
static void dep(stk *s, size_t i, size_t on)
{
    s->deps[i][s->r[i].ndeps] = s->urn[on];
    s->r[i].deps = s->deps[i];
    s->r[i].ndeps++;
}

/* The findings as "ID@resource-name:property" words, in order. */
static void expect_run(stk *s, size_t focus, bool complete, const char *want)
{
    advisor_findings f = {0};
    char got[4096] = "";
    size_t k = 0;
    assert_int_equal(advisor_stack_run(s->r, s->n, focus, complete, &f), 0);
    for (size_t i = 0; i < f.len && k < sizeof(got); i++) {
        assert_true(f.items[i].resource < s->n);
        assert_non_null(advisor_rule_find(f.items[i].id));
        k += (size_t)snprintf(got + k, sizeof(got) - k, "%s%s@%s:%s", i ? " " : "", f.items[i].id,
                              s->r[f.items[i].resource].name, f.items[i].property);
    }
    assert_string_equal(got, want);
    advisor_findings_free(&f);
}

/* The message of the only finding of rule id. */
static void expect_message(stk *s, bool complete, const char *id, const char *const *parts)
{
    advisor_findings f = {0};
    size_t hits = 0;
    assert_int_equal(advisor_stack_run(s->r, s->n, ADVISOR_ALL, complete, &f), 0);
    for (size_t i = 0; i < f.len; i++) {
        if (strcmp(f.items[i].id, id) != 0)
            continue;
        hits++;
        for (size_t p = 0; parts[p]; p++)
            if (!strstr(f.items[i].message, parts[p]))
                fail_msg("message '%s' lacks '%s'", f.items[i].message, parts[p]);
    }
    assert_int_equal(hits, 1);
    advisor_findings_free(&f);
}

#define BUCKET "aws:s3/bucket:Bucket"
#define SSE "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
#define PAB "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
#define VER "aws:s3/bucketVersioning:BucketVersioning"
#define BPOL "aws:s3/bucketPolicy:BucketPolicy"
#define KEY "aws:kms/key:Key"
#define ROLE "aws:iam/role:Role"
#define POLICY "aws:iam/policy:Policy"
#define ROLEPOL "aws:iam/rolePolicy:RolePolicy"
#define ATT "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
#define PIPE "aws:sagemaker/pipeline:Pipeline"

#define KMS_RULES(key)                                                                             \
    "\"rules\":[{\"applyServerSideEncryptionByDefault\":{\"sseAlgorithm\":\"aws:kms\","            \
    "\"kmsMasterKeyId\":\"" key "\"}}]"
#define AES_RULES                                                                                  \
    "\"rules\":[{\"applyServerSideEncryptionByDefault\":{\"sseAlgorithm\":\"AES256\"}}]"
#define ALL_FLAGS                                                                                  \
    "\"blockPublicAcls\":true,\"blockPublicPolicy\":true,\"ignorePublicAcls\":true,"               \
    "\"restrictPublicBuckets\":true"
#define TLS_POLICY                                                                                 \
    "{\\\"Version\\\":\\\"2012-10-17\\\",\\\"Statement\\\":[{\\\"Effect\\\":\\\"Deny\\\","         \
    "\\\"Principal\\\":\\\"*\\\",\\\"Action\\\":\\\"s3:*\\\",\\\"Resource\\\":\\\"*\\\","          \
    "\\\"Condition\\\":{\\\"Bool\\\":{\\\"aws:SecureTransport\\\":\\\"false\\\"}}}]}"
#define OTHER_POLICY                                                                               \
    "{\\\"Statement\\\":[{\\\"Effect\\\":\\\"Deny\\\",\\\"Principal\\\":\\\"*\\\","                \
    "\\\"Action\\\":\\\"s3:DeleteBucket\\\",\\\"Resource\\\":\\\"*\\\"}]}"
#define KEY_ARN "arn:aws:kms:us-east-1:123456789012:key/k1"

/* A bucket named "art" with every companion linked by value, secure. */
static void secure_bucket(stk *s, const char *name)
{
    char json[512];
    snprintf(json, sizeof(json), "{\"bucket\":\"%s\",\"id\":\"%s\"}", name, name);
    add_res(s, BUCKET, "Bucket", json);
    snprintf(json, sizeof(json), "{\"bucket\":\"%s\"," KMS_RULES(KEY_ARN) "}", name);
    add_res(s, SSE, "Sse", json);
    snprintf(json, sizeof(json), "{\"bucket\":\"%s\"," ALL_FLAGS "}", name);
    add_res(s, PAB, "Pab", json);
    snprintf(json, sizeof(json),
             "{\"bucket\":\"%s\",\"versioningConfiguration\":{\"status\":\"Enabled\"}}", name);
    add_res(s, VER, "Ver", json);
    snprintf(json, sizeof(json), "{\"bucket\":\"%s\",\"policy\":\"" TLS_POLICY "\"}", name);
    add_res(s, BPOL, "Tls", json);
}

#define PIPE_AT(bucket)                                                                            \
    "{\"pipelineName\":\"p\",\"pipelineDefinitionS3Location\":{\"bucket\":\"" bucket "\","         \
    "\"objectKey\":\"def.json\"}}"

/* ---- AWSML-STACK-001 --------------------------------------------------------------- */

static void test_pipeline_bucket_without_encryption(void **state)
{
    (void)state;
    /* The analyzer's e2e case: the definition's bucket has no encryption
     * configuration at all (nor anything else). */
    stk *s = stk_new();
    add_res(s, BUCKET, "Artifacts",
            "{\"bucket\":\"art\",\"id\":\"art\",\"arn\":\"arn:aws:s3:::art\"}");
    add_res(s, PIPE, "Pipeline", PIPE_AT("art"));
    expect_run(s, 1, true, "AWSML-STACK-001@Pipeline:pipelineDefinitionS3Location");
    static const char *const parts[] = {
        "Pipeline", "Artifacts", "SSE-KMS", "full public access block", "TLS-only", NULL};
    expect_message(s, true, "AWSML-STACK-001", parts);
    /* Check's door has seen no bad setting: an absence is no evidence there. */
    expect_run(s, 1, false, "");
    expect_run(s, ADVISOR_ALL, false, "");
    /* focus on the bucket: the pipeline's finding is not the bucket's. */
    advisor_findings f = {0};
    assert_int_equal(advisor_stack_run(s->r, s->n, 0, true, &f), 0);
    for (size_t i = 0; i < f.len; i++)
        assert_int_equal(f.items[i].resource, 0);
    advisor_findings_free(&f);
    stk_free(s);
}

static void test_pipeline_bucket_secure_is_silent(void **state)
{
    (void)state;
    stk *s = stk_new();
    secure_bucket(s, "art");
    size_t p = add_res(s, PIPE, "Pipeline", PIPE_AT("art"));
    expect_run(s, p, true, "");
    expect_run(s, p, false, "");
    expect_run(s, ADVISOR_ALL, true, "");
    stk_free(s);
    /* A bucket that is not of this stack: nothing to say. */
    s = stk_new();
    add_res(s, BUCKET, "Other", "{\"bucket\":\"other\"}");
    add_res(s, PIPE, "Pipeline", PIPE_AT("my-model-artifacts-bucket"));
    expect_run(s, 1, true, "");
    stk_free(s);
}

static void test_pipeline_bucket_present_bad_setting(void **state)
{
    (void)state;
    /* SSE-S3 and a partial public access block, seen by Check (!complete):
     * present evidence, reported; the missing policy is not (absence). */
    stk *s = stk_new();
    add_res(s, BUCKET, "Bucket", "{\"bucket\":\"art\"}");
    add_res(s, SSE, "Sse", "{\"bucket\":\"art\"," AES_RULES "}");
    add_res(s, PAB, "Pab", "{\"bucket\":\"art\",\"blockPublicAcls\":true}");
    size_t p = add_res(s, PIPE, "Pipeline", PIPE_AT("art"));
    expect_run(s, p, false, "AWSML-STACK-001@Pipeline:pipelineDefinitionS3Location");
    static const char *const parts[] = {"SSE-KMS", "public access block", NULL};
    expect_message(s, false, "AWSML-STACK-001", parts);
    advisor_findings f = {0};
    assert_int_equal(advisor_stack_run(s->r, s->n, p, false, &f), 0);
    assert_null(strstr(f.items[0].message, "TLS"));
    advisor_findings_free(&f);
    stk_free(s);
}

static void test_pipeline_definition_step_paths(void **state)
{
    (void)state;
    stk *s = stk_new();
    add_res(s, BUCKET, "Bucket", "{\"bucket\":\"art\"}");
    add_res(s, BPOL, "Open", "{\"bucket\":\"art\",\"policy\":\"" OTHER_POLICY "\"}");
    size_t p = add_res(
        s, PIPE, "Pipeline",
        "{\"pipelineDefinition\":\"{\\\"Steps\\\":[{\\\"Name\\\":\\\"Train\\\",\\\"Type\\\":"
        "\\\"Training\\\",\\\"Arguments\\\":{\\\"OutputDataConfig\\\":{\\\"S3OutputPath\\\":"
        "\\\"s3://art/models/\\\"}}}]}\"}");
    /* The policy present lacks the TLS deny: evidence in both modes. */
    expect_run(s, p, false, "AWSML-STACK-001@Pipeline:pipelineDefinition");
    static const char *const parts[] = {"TLS-only", NULL};
    expect_message(s, false, "AWSML-STACK-001", parts);
    stk_free(s);
    /* Near miss: a path in a bucket of another name. */
    s = stk_new();
    add_res(s, BUCKET, "Bucket", "{\"bucket\":\"art\"}");
    p = add_res(s, PIPE, "Pipeline",
                "{\"pipelineDefinition\":\"{\\\"Steps\\\":[{\\\"Arguments\\\":{\\\"P\\\":"
                "\\\"s3://article/x\\\"}}]}\"}");
    expect_run(s, p, true, "");
    stk_free(s);
}

static void test_pipeline_linked_by_dependencies(void **state)
{
    (void)state;
    /* A preview: the bucket's name is unknown, so the pipeline's location
     * and the companions' bucket are unknown; propdeps link them. */
    stk *s = stk_new();
    size_t b = add_res(s, "awsml:s3/bucket:Bucket", "Bucket", "{\"bucket\":\"" UNKNOWN "\"}");
    size_t c = add_res(s, SSE, "Sse", "{\"bucket\":\"" UNKNOWN "\"," AES_RULES "}");
    propdep(s, c, "bucket", b);
    size_t p = add_res(s, "awsml:sagemaker/pipeline:Pipeline", "Pipeline",
                       "{\"pipelineDefinitionS3Location\":{\"bucket\":\"" UNKNOWN
                       "\",\"objectKey\":\"d.json\"}}");
    propdep(s, p, "pipelineDefinitionS3Location", b);
    expect_run(s, p, false, "AWSML-STACK-001@Pipeline:pipelineDefinitionS3Location");
    stk_free(s);
    /* Near miss: the unknown location comes from another resource. */
    s = stk_new();
    b = add_res(s, BUCKET, "Bucket", "{\"bucket\":\"" UNKNOWN "\"}");
    size_t o = add_res(s, BUCKET, "Other", "{\"bucket\":\"other\"}");
    c = add_res(s, SSE, "Sse", "{\"bucket\":\"" UNKNOWN "\"," AES_RULES "}");
    propdep(s, c, "bucket", b);
    p = add_res(s, PIPE, "Pipeline",
                "{\"pipelineDefinitionS3Location\":{\"bucket\":\"" UNKNOWN "\"}}");
    propdep(s, p, "pipelineDefinitionS3Location", o);
    /* Other has nothing bad present: silent in Check. */
    expect_run(s, p, false, "");
    stk_free(s);
    /* Unknown settings are not guessed: an SSE configuration whose algorithm
     * is unknown is neither good nor bad. */
    s = stk_new();
    add_res(s, BUCKET, "Bucket", "{\"bucket\":\"art\"}");
    add_res(s, SSE, "Sse",
            "{\"bucket\":\"art\",\"rules\":[{\"applyServerSideEncryptionByDefault\":"
            "{\"sseAlgorithm\":\"" UNKNOWN "\"}}]}");
    add_res(s, PAB, "Pab", "{\"bucket\":\"art\"," ALL_FLAGS "}");
    add_res(s, BPOL, "Tls", "{\"bucket\":\"art\",\"policy\":\"" TLS_POLICY "\"}");
    p = add_res(s, PIPE, "Pipeline", PIPE_AT("art"));
    expect_run(s, p, true, "");
    stk_free(s);
}

static void test_pipeline_deps_without_propdeps(void **state)
{
    (void)state;
    /* No property dependencies: the deps decide, when they name exactly one
     * bucket. */
    stk *s = stk_new();
    size_t b = add_res(s, BUCKET, "Bucket", "{}");
    size_t p = add_res(s, PIPE, "Pipeline", "{\"pipelineDefinitionS3Location\":\"" UNKNOWN "\"}");
    dep(s, p, b);
    expect_run(s, p, true, "AWSML-STACK-001@Pipeline:pipelineDefinitionS3Location");
    stk_free(s);
    s = stk_new();
    b = add_res(s, BUCKET, "Bucket", "{}");
    size_t b2 = add_res(s, BUCKET, "Bucket2", "{}");
    p = add_res(s, PIPE, "Pipeline", "{\"pipelineDefinitionS3Location\":\"" UNKNOWN "\"}");
    dep(s, p, b);
    dep(s, p, b2);
    expect_run(s, p, true, "");
    stk_free(s);
}

/* A definition whose training step encrypts its volume with key kid. */
#define PIPE_KEYED(kid)                                                                            \
    "{\"pipelineDefinition\":\"{\\\"Steps\\\":[{\\\"Name\\\":\\\"Train\\\",\\\"Arguments\\\":"     \
    "{\\\"ResourceConfig\\\":{\\\"VolumeKmsKeyId\\\":\\\"" kid "\\\"}}}]}\"}"

static void test_pipeline_step_key_without_rotation(void **state)
{
    (void)state;
    stk *s = stk_new();
    add_res(s, KEY, "Key",
            "{\"arn\":\"" KEY_ARN "\",\"keyId\":\"k1\",\"enableKeyRotation\":false}");
    size_t p = add_res(s, PIPE, "Pipeline", PIPE_KEYED(KEY_ARN));
    expect_run(s, p, false, "AWSML-STACK-001@Pipeline:pipelineDefinition");
    static const char *const parts[] = {"Pipeline", "Key", "rotate", NULL};
    expect_message(s, false, "AWSML-STACK-001", parts);
    stk_free(s);
    /* A preview: the definition is unknown and depends on the key. */
    s = stk_new();
    size_t k = add_res(s, "awsml:kms/key:Key", "Key", "{\"arn\":\"" UNKNOWN "\"}");
    p = add_res(s, PIPE, "Pipeline", "{\"pipelineDefinition\":\"" UNKNOWN "\"}");
    propdep(s, p, "pipelineDefinition", k);
    expect_run(s, p, false, "AWSML-STACK-001@Pipeline:pipelineDefinition");
    stk_free(s);
    /* Near misses: rotation on; rotation unknown; a key of another stack
     * (not named); the key id under a member that is not a KMS key id. */
    s = stk_new();
    add_res(s, KEY, "Key", "{\"arn\":\"" KEY_ARN "\",\"enableKeyRotation\":true}");
    add_res(s, KEY, "Unk",
            "{\"arn\":\"arn:aws:kms:us-east-1:1:key/u\",\"enableKeyRotation\":\"" UNKNOWN "\"}");
    add_res(s, KEY, "Off", "{\"arn\":\"arn:aws:kms:us-east-1:1:key/off\"}");
    add_res(s, PIPE, "A", PIPE_KEYED(KEY_ARN));
    add_res(s, PIPE, "B", PIPE_KEYED("arn:aws:kms:us-east-1:1:key/u"));
    add_res(s, PIPE, "C", PIPE_KEYED("arn:aws:kms:us-east-1:9:key/elsewhere"));
    add_res(s, PIPE, "D",
            "{\"pipelineDefinition\":\"{\\\"Steps\\\":[{\\\"Arguments\\\":{\\\"Note\\\":"
            "\\\"arn:aws:kms:us-east-1:1:key/off\\\"}}]}\"}");
    expect_run(s, ADVISOR_ALL, true, "");
    stk_free(s);
}

/* ---- AWSML-STACK-002 --------------------------------------------------------------- */

#define SM_TRUST                                                                                   \
    "{\\\"Statement\\\":[{\\\"Effect\\\":\\\"Allow\\\",\\\"Principal\\\":{\\\"Service\\\":"        \
    "\\\"sagemaker.amazonaws.com\\\"},\\\"Action\\\":\\\"sts:AssumeRole\\\"}]}"
#define EC2_TRUST                                                                                  \
    "{\\\"Statement\\\":[{\\\"Effect\\\":\\\"Allow\\\",\\\"Principal\\\":{\\\"Service\\\":"        \
    "\\\"ec2.amazonaws.com\\\"},\\\"Action\\\":\\\"sts:AssumeRole\\\"}]}"
#define GRANT(action, resource)                                                                    \
    "{\\\"Statement\\\":[{\\\"Effect\\\":\\\"Allow\\\",\\\"Action\\\":\\\"" action "\\\","         \
    "\\\"Resource\\\":\\\"" resource "\\\"}]}"
#define POL_ARN "arn:aws:iam::123456789012:policy/wide"

static void test_role_attached_policy(void **state)
{
    (void)state;
    stk *s = stk_new();
    add_res(s, ROLE, "Role", "{\"name\":\"r\",\"assumeRolePolicy\":\"" SM_TRUST "\"}");
    add_res(s, POLICY, "Wide", "{\"arn\":\"" POL_ARN "\",\"policy\":\"" GRANT("s3:*", "*") "\"}");
    size_t a = add_res(s, ATT, "Att", "{\"role\":\"r\",\"policyArn\":\"" POL_ARN "\"}");
    expect_run(s, a, false, "AWSML-STACK-002@Att:policyArn");
    static const char *const parts[] = {"Role", "s3:*", "Wide", NULL};
    expect_message(s, false, "AWSML-STACK-002", parts);
    stk_free(s);
    /* Near misses: scoped resource; a role SageMaker cannot assume. */
    s = stk_new();
    add_res(s, ROLE, "Role", "{\"name\":\"r\",\"assumeRolePolicy\":\"" SM_TRUST "\"}");
    add_res(s, POLICY, "Scoped",
            "{\"arn\":\"" POL_ARN "\",\"policy\":\"" GRANT("s3:*", "arn:aws:s3:::art/*") "\"}");
    a = add_res(s, ATT, "Att", "{\"role\":\"r\",\"policyArn\":\"" POL_ARN "\"}");
    expect_run(s, ADVISOR_ALL, true, "");
    stk_free(s);
    s = stk_new();
    add_res(s, ROLE, "Role", "{\"name\":\"r\",\"assumeRolePolicy\":\"" EC2_TRUST "\"}");
    add_res(s, POLICY, "Wide", "{\"arn\":\"" POL_ARN "\",\"policy\":\"" GRANT("kms:*", "*") "\"}");
    add_res(s, ATT, "Att", "{\"role\":\"r\",\"policyArn\":\"" POL_ARN "\"}");
    expect_run(s, ADVISOR_ALL, true, "");
    stk_free(s);
}

static void test_role_links_by_dependencies(void **state)
{
    (void)state;
    /* Preview: the role's name and the policy's ARN are unknown. */
    stk *s = stk_new();
    size_t r = add_res(s, "awsml:iam/role:Role", "Role",
                       "{\"name\":\"" UNKNOWN "\",\"assumeRolePolicy\":\"" SM_TRUST "\"}");
    size_t p =
        add_res(s, POLICY, "Wide", "{\"arn\":\"" UNKNOWN "\",\"policy\":\"" GRANT("*", "*") "\"}");
    size_t a = add_res(s, ATT, "Att", "{\"role\":\"" UNKNOWN "\",\"policyArn\":\"" UNKNOWN "\"}");
    s->pd_urns[a][0] = s->urn[r];
    s->pd[a].property = "role";
    s->pd[a].urns = s->pd_urns[a];
    s->pd[a].n = 1;
    static advisor_propdeps two[2];
    static const char *purn[1];
    purn[0] = s->urn[p];
    two[0] = s->pd[a];
    two[1] = (advisor_propdeps){.property = "policyArn", .urns = purn, .n = 1};
    s->r[a].propdeps = two;
    s->r[a].npropdeps = 2;
    expect_run(s, a, false, "AWSML-STACK-002@Att:policyArn");
    /* The same in complete mode, with nothing else to say. */
    expect_run(s, ADVISOR_ALL, true, "AWSML-STACK-002@Att:policyArn");
    stk_free(s);
}

static void test_role_inline_and_role_policy(void **state)
{
    (void)state;
    stk *s = stk_new();
    add_res(s, ROLE, "Role",
            "{\"name\":\"r\",\"assumeRolePolicy\":\"" SM_TRUST "\",\"inlinePolicies\":["
            "{\"name\":\"a\",\"policy\":\"" GRANT("kms:*", "*") "\"}],"
                                                                "\"managedPolicyArns\":[\"" POL_ARN
                                                                "\"]}");
    add_res(s, POLICY, "Wide", "{\"arn\":\"" POL_ARN "\",\"policy\":\"" GRANT("S3:*", "*") "\"}");
    add_res(s, ROLEPOL, "Inline", "{\"role\":\"r\",\"policy\":\"" GRANT("*", "*") "\"}");
    add_res(s, ROLEPOL, "Fine", "{\"role\":\"r\",\"policy\":\"" GRANT("s3:GetObject", "*") "\"}");
    expect_run(s, ADVISOR_ALL, false,
               "AWSML-STACK-002@Role:inlinePolicies[0].policy "
               "AWSML-STACK-002@Role:managedPolicyArns AWSML-STACK-002@Inline:policy");
    stk_free(s);
}

/* ---- AWSML-STACK-003 --------------------------------------------------------------- */

static void test_bucket_key_without_rotation(void **state)
{
    (void)state;
    stk *s = stk_new();
    add_res(s, KEY, "Key",
            "{\"arn\":\"" KEY_ARN "\",\"keyId\":\"k1\",\"enableKeyRotation\":false}");
    add_res(s, BUCKET, "Bucket", "{\"bucket\":\"art\"}");
    size_t c = add_res(s, SSE, "Sse", "{\"bucket\":\"art\"," KMS_RULES(KEY_ARN) "}");
    expect_run(s, c, false, "AWSML-STACK-003@Sse:rules");
    static const char *const parts[] = {"Bucket", "Key", NULL};
    expect_message(s, false, "AWSML-STACK-003", parts);
    stk_free(s);
    /* By dependency (the key's ARN unknown in a preview), awsml: token, and
     * rotation absent (the default: off). */
    s = stk_new();
    size_t k = add_res(s, "awsml:kms/key:Key", "Key", "{\"arn\":\"" UNKNOWN "\"}");
    add_res(s, BUCKET, "Bucket", "{\"bucket\":\"art\"}");
    c = add_res(s, SSE, "Sse", "{\"bucket\":\"art\"," KMS_RULES(UNKNOWN) "}");
    propdep(s, c, "rules", k);
    expect_run(s, c, false, "AWSML-STACK-003@Sse:rules");
    stk_free(s);
    /* Near misses: rotation on; rotation unknown; a key not named. */
    s = stk_new();
    add_res(s, KEY, "Key", "{\"arn\":\"" KEY_ARN "\",\"enableKeyRotation\":true}");
    add_res(s, KEY, "Unk",
            "{\"arn\":\"arn:aws:kms:us-east-1:1:key/u\",\"enableKeyRotation\":\"" UNKNOWN "\"}");
    add_res(s, KEY, "Unused", "{\"arn\":\"arn:aws:kms:us-east-1:1:key/x\"}");
    add_res(s, BUCKET, "Bucket", "{\"bucket\":\"art\"}");
    add_res(s, SSE, "Sse", "{\"bucket\":\"art\"," KMS_RULES(KEY_ARN) "}");
    add_res(s, SSE, "Sse2", "{\"bucket\":\"art\"," KMS_RULES("arn:aws:kms:us-east-1:1:key/u") "}");
    expect_run(s, ADVISOR_ALL, false, "");
    stk_free(s);
}

static void test_key_through_an_alias(void **state)
{
    (void)state;
    /* kmsMasterKeyId names an alias of the stack, by name or by ARN; the
     * alias targets a key without rotation (by key id, or by dependency). */
    stk *s = stk_new();
    add_res(s, KEY, "Key",
            "{\"arn\":\"" KEY_ARN "\",\"keyId\":\"k1\",\"enableKeyRotation\":false}");
    add_res(s, "aws:kms/alias:Alias", "Alias",
            "{\"name\":\"alias/ml\",\"arn\":\"arn:aws:kms:us-east-1:123456789012:alias/ml\","
            "\"targetKeyId\":\"k1\"}");
    add_res(s, BUCKET, "Bucket", "{\"bucket\":\"art\"}");
    size_t c = add_res(s, SSE, "Sse", "{\"bucket\":\"art\"," KMS_RULES("alias/ml") "}");
    size_t c2 = add_res(
        s, SSE, "Sse2",
        "{\"bucket\":\"art\"," KMS_RULES("arn:aws:kms:us-east-1:123456789012:alias/ml") "}");
    size_t p = add_res(s, PIPE, "Pipeline", PIPE_KEYED("alias/ml"));
    expect_run(s, c, false, "AWSML-STACK-003@Sse:rules");
    expect_run(s, c2, false, "AWSML-STACK-003@Sse2:rules");
    expect_run(s, p, false, "AWSML-STACK-001@Pipeline:pipelineDefinition");
    stk_free(s);
    /* A preview: the alias's name and the key's id are unknown; the
     * configuration depends on the alias, the alias on the key. */
    s = stk_new();
    size_t k = add_res(s, "awsml:kms/key:Key", "Key", "{\"keyId\":\"" UNKNOWN "\"}");
    size_t a = add_res(s, "awsml:kms/alias:Alias", "Alias",
                       "{\"name\":\"" UNKNOWN "\",\"targetKeyId\":\"" UNKNOWN "\"}");
    propdep(s, a, "targetKeyId", k);
    add_res(s, BUCKET, "Bucket", "{\"bucket\":\"art\"}");
    c = add_res(s, SSE, "Sse", "{\"bucket\":\"art\"," KMS_RULES(UNKNOWN) "}");
    propdep(s, c, "rules", a);
    expect_run(s, c, false, "AWSML-STACK-003@Sse:rules");
    stk_free(s);
    /* Near misses: the alias targets a rotating key; an alias of another
     * name; an alias of the stack that targets a key elsewhere. */
    s = stk_new();
    add_res(s, KEY, "Rot", "{\"arn\":\"" KEY_ARN "\",\"keyId\":\"k1\",\"enableKeyRotation\":true}");
    add_res(s, KEY, "Off", "{\"arn\":\"arn:aws:kms:us-east-1:1:key/k2\",\"keyId\":\"k2\"}");
    add_res(s, "aws:kms/alias:Alias", "A1", "{\"name\":\"alias/rot\",\"targetKeyId\":\"k1\"}");
    add_res(s, "aws:kms/alias:Alias", "A2", "{\"name\":\"alias/far\",\"targetKeyId\":\"k9\"}");
    add_res(s, BUCKET, "Bucket", "{\"bucket\":\"art\"}");
    add_res(s, SSE, "S1", "{\"bucket\":\"art\"," KMS_RULES("alias/rot") "}");
    add_res(s, SSE, "S2", "{\"bucket\":\"art\"," KMS_RULES("alias/other") "}");
    add_res(s, SSE, "S3", "{\"bucket\":\"art\"," KMS_RULES("alias/far") "}");
    expect_run(s, ADVISOR_ALL, false, "");
    stk_free(s);
}

/* ---- absence rules (complete only) ------------------------------------------------ */

static void test_bucket_absences(void **state)
{
    (void)state;
    stk *s = stk_new();
    add_res(s, BUCKET, "Bare", "{\"bucket\":\"bare\"}");
    expect_run(s, ADVISOR_ALL, true,
               "AWSML-S3-101@Bare:bucket AWSML-S3-102@Bare:bucket AWSML-S3-103@Bare:bucket "
               "AWSML-S3-104@Bare:bucket");
    expect_run(s, ADVISOR_ALL, false, "");
    stk_free(s);
    /* Every companion present, linked by value or by dependency: silent. */
    s = stk_new();
    secure_bucket(s, "art");
    expect_run(s, ADVISOR_ALL, true, "");
    stk_free(s);
    s = stk_new();
    size_t b = add_res(s, "aws:s3/bucketV2:BucketV2", "Bucket", "{\"bucket\":\"" UNKNOWN "\"}");
    size_t c = add_res(s,
                       "aws:s3/bucketServerSideEncryptionConfigurationV2:"
                       "BucketServerSideEncryptionConfigurationV2",
                       "Sse", "{\"bucket\":\"" UNKNOWN "\"," KMS_RULES(KEY_ARN) "}");
    propdep(s, c, "bucket", b);
    c = add_res(s, PAB, "Pab", "{\"bucket\":\"" UNKNOWN "\"," ALL_FLAGS "}");
    propdep(s, c, "bucket", b);
    c = add_res(s, "aws:s3/bucketVersioningV2:BucketVersioningV2", "Ver",
                "{\"bucket\":\"" UNKNOWN
                "\",\"versioningConfiguration\":{\"status\":\"Enabled\"}}");
    propdep(s, c, "bucket", b);
    c = add_res(s, BPOL, "Tls", "{\"bucket\":\"" UNKNOWN "\",\"policy\":\"" UNKNOWN "\"}");
    propdep(s, c, "bucket", b);
    expect_run(s, ADVISOR_ALL, true, "");
    stk_free(s);
    /* Outputs of a bucket with inline SSE-KMS and versioning (pulumi-aws
     * reports them): those two are covered. */
    s = stk_new();
    add_res(s, BUCKET, "Inline",
            "{\"bucket\":\"in\",\"serverSideEncryptionConfiguration\":{\"rule\":{"
            "\"applyServerSideEncryptionByDefault\":{\"sseAlgorithm\":\"aws:kms\"}}},"
            "\"versioning\":{\"enabled\":true}}");
    expect_run(s, ADVISOR_ALL, true, "AWSML-S3-102@Inline:bucket AWSML-S3-104@Inline:bucket");
    stk_free(s);
    /* The SSE-S3 default in outputs is no SSE-KMS. */
    s = stk_new();
    add_res(s, BUCKET, "Default",
            "{\"bucket\":\"d\",\"serverSideEncryptionConfiguration\":{\"rule\":{"
            "\"applyServerSideEncryptionByDefault\":{\"sseAlgorithm\":\"AES256\"}}},"
            "\"versioning\":{\"enabled\":false}}");
    expect_run(s, 0, true,
               "AWSML-S3-101@Default:bucket AWSML-S3-102@Default:bucket "
               "AWSML-S3-103@Default:bucket AWSML-S3-104@Default:bucket");
    stk_free(s);
}

/* The secure example as AnalyzeStack sees it in a preview: the bucket's name
 * is known (the program names it), every companion's `bucket` and the SSE
 * key and attached policy ARN are unknown and linked by propdeps. Silent in
 * both modes. */
static void test_secure_preview_is_silent(void **state)
{
    (void)state;
    stk *s = stk_new();
    size_t k =
        add_res(s, KEY, "PipelineKey", "{\"arn\":\"" UNKNOWN "\",\"enableKeyRotation\":true}");
    size_t b = add_res(s, BUCKET, "ArtifactsBucket", "{\"bucket\":\"art\",\"id\":\"" UNKNOWN "\"}");
    size_t c = add_res(s, PAB, "Pab", "{\"bucket\":\"" UNKNOWN "\"," ALL_FLAGS "}");
    propdep(s, c, "bucket", b);
    c = add_res(s, SSE, "Sse", "{\"bucket\":\"" UNKNOWN "\"," KMS_RULES(UNKNOWN) "}");
    propdep(s, c, "bucket", b);
    s->pd_urns[c][1] = s->urn[k];
    static advisor_propdeps sse_pd[2];
    static const char *key_urn[1];
    key_urn[0] = s->urn[k];
    sse_pd[0] = s->pd[c];
    sse_pd[1] = (advisor_propdeps){.property = "rules", .urns = key_urn, .n = 1};
    s->r[c].propdeps = sse_pd;
    s->r[c].npropdeps = 2;
    c = add_res(s, VER, "Ver",
                "{\"bucket\":\"" UNKNOWN
                "\",\"versioningConfiguration\":{\"status\":\"Enabled\"}}");
    propdep(s, c, "bucket", b);
    c = add_res(s, BPOL, "Tls", "{\"bucket\":\"" UNKNOWN "\",\"policy\":\"" TLS_POLICY "\"}");
    propdep(s, c, "bucket", b);
    size_t r =
        add_res(s, ROLE, "Role", "{\"name\":\"SecureRole\",\"assumeRolePolicy\":\"" SM_TRUST "\"}");
    size_t p = add_res(s, POLICY, "Exec",
                       "{\"arn\":\"" UNKNOWN
                       "\",\"policy\":\"" GRANT("s3:GetObject", "arn:aws:s3:::art/data/*") "\"}");
    size_t a = add_res(s, ATT, "Att", "{\"role\":\"SecureRole\",\"policyArn\":\"" UNKNOWN "\"}");
    propdep(s, a, "policyArn", p);
    (void)r;
    add_res(s, PIPE, "Pipeline",
            "{\"pipelineDefinition\":\"{\\\"Steps\\\":[{\\\"Arguments\\\":{\\\"S3OutputPath\\\":"
            "\\\"s3://art/models/\\\"}}]}\"}");
    expect_run(s, ADVISOR_ALL, true, "");
    expect_run(s, ADVISOR_ALL, false, "");
    /* The links are real: the key without rotation is found through them. */
    assert_int_equal(pv_object_set(s->props[k], "enableKeyRotation", pv_bool(false)), 0);
    expect_run(s, ADVISOR_ALL, true, "AWSML-STACK-003@Sse:rules");
    stk_free(s);
}

/* ---- the interface ----------------------------------------------------------------- */

static void test_edges(void **state)
{
    (void)state;
    advisor_findings f = {0};
    assert_int_equal(advisor_stack_run(NULL, 0, ADVISOR_ALL, true, &f), 0);
    assert_int_equal(f.len, 0);
    stk *s = stk_new();
    add_res(s, "gcp:storage/bucket:Bucket", "G", "{\"name\":\"x\"}");
    add_res(s, BUCKET, "B", "{\"bucket\":\"b\"}");
    s->r[1].props = NULL; /* no props at all: no crash, and nothing but absences */
    assert_int_equal(advisor_stack_run(s->r, s->n, 5, true, &f), 0); /* focus out of range */
    assert_int_equal(f.len, 0);
    expect_run(s, 0, true, "");
    stk_free(s);
    size_t n = 0;
    const advisor_rule *r = advisor_rules(&n);
    for (size_t i = 0; i < n; i++) {
        assert_non_null(r[i].checkov);
        assert_non_null(r[i].securityhub);
        assert_true(!strcmp(r[i].scope, "resource") || !strcmp(r[i].scope, "stack"));
        if (!strncmp(r[i].id, "AWSML-STACK-", 12))
            assert_string_equal(r[i].scope, "stack");
    }
    assert_non_null(advisor_rule_find("AWSML-STACK-001"));
    assert_int_equal(advisor_rule_find("AWSML-STACK-001")->severity, ADVISOR_HIGH);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pipeline_bucket_without_encryption),
        cmocka_unit_test(test_pipeline_bucket_secure_is_silent),
        cmocka_unit_test(test_pipeline_bucket_present_bad_setting),
        cmocka_unit_test(test_pipeline_definition_step_paths),
        cmocka_unit_test(test_pipeline_linked_by_dependencies),
        cmocka_unit_test(test_pipeline_deps_without_propdeps),
        cmocka_unit_test(test_pipeline_step_key_without_rotation),
        cmocka_unit_test(test_key_through_an_alias),
        cmocka_unit_test(test_role_attached_policy),
        cmocka_unit_test(test_role_links_by_dependencies),
        cmocka_unit_test(test_role_inline_and_role_policy),
        cmocka_unit_test(test_bucket_key_without_rotation),
        cmocka_unit_test(test_bucket_absences),
        cmocka_unit_test(test_secure_preview_is_silent),
        cmocka_unit_test(test_edges),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
