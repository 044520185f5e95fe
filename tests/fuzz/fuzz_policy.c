/* libFuzzer harness for IAM policy normalization and the security advisor:
 * the bytes, as a JSON string, go through policy_canonical (which must be
 * idempotent and make a document equivalent to itself) and policy_check, and
 * through advisor_run as the documents of a Role, Policy, Key and BucketPolicy, and
 * through advisor_stack_run as every document and name of a small stack. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "props.h"
#include "resources/advisor.h"
#include "resources/policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what)
{
    fprintf(stderr, "fuzz_policy: %s\n", what);
    __builtin_trap();
}

/* Takes in. */
static void run_advisor(const char *token, pv *in)
{
    if (!in)
        return;
    advisor_findings f = {0};
    if (advisor_run(token, in, &f) == 0) {
        for (size_t i = 0; i < f.len; i++) {
            const advisor_finding *x = &f.items[i];
            if (!memchr(x->id, 0, sizeof(x->id)) || !memchr(x->property, 0, sizeof(x->property)) ||
                !memchr(x->message, 0, sizeof(x->message)) || !memchr(x->fix, 0, sizeof(x->fix)))
                fail("advisor finding not terminated");
            if (!advisor_rule_find(x->id))
                fail("advisor finding with an unknown rule id");
        }
    }
    advisor_findings_free(&f);
    advisor_findings_free(&f); /* documented as safe twice */
    pv_free(in);
}

/* One object {k1: json, k2: json} (k2 may be NULL); NULL when memory runs out. */
static pv *obj2(const char *k1, const char *k2, const char *json)
{
    pv *o = pv_object();
    if (o && (pv_object_set(o, k1, pv_string(json)) != 0 ||
              (k2 && pv_object_set(o, k2, pv_string(json)) != 0))) {
        pv_free(o);
        return NULL;
    }
    return o;
}

static void run_stack(const char *json)
{
    static const char *const types[] = {"aws:s3/bucket:Bucket",
                                        "aws:s3/bucketPolicy:BucketPolicy",
                                        "aws:iam/role:Role",
                                        "aws:iam/policy:Policy",
                                        "awsml:iam/rolePolicyAttachment:RolePolicyAttachment",
                                        "aws:sagemaker/pipeline:Pipeline"};
    static const char *const k1[] = {"bucket", "bucket", "assumeRolePolicy",
                                     "policy", "role",   "pipelineDefinition"};
    static const char *const k2[] = {"id", "policy", "name", "arn", "policyArn", NULL};
    enum { N = sizeof(types) / sizeof(types[0]) };
    advisor_resource res[N];
    pv *props[N];
    memset(res, 0, sizeof(res));
    for (size_t i = 0; i < N; i++) {
        props[i] = obj2(k1[i], k2[i], json);
        res[i] = (advisor_resource){
            .urn = types[i], .type = types[i], .name = "fuzz", .props = props[i]};
    }
    for (int complete = 0; complete < 2; complete++) {
        advisor_findings f = {0};
        if (advisor_stack_run(res, N, ADVISOR_ALL, complete != 0, &f) == 0)
            for (size_t i = 0; i < f.len; i++)
                if (f.items[i].resource >= N || !advisor_rule_find(f.items[i].id) ||
                    !memchr(f.items[i].message, 0, sizeof(f.items[i].message)))
                    fail("stack finding out of range, unknown or not terminated");
        advisor_findings_free(&f);
    }
    for (size_t i = 0; i < N; i++)
        pv_free(props[i]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *json = malloc(size + 1);
    if (!json)
        return 0;
    memcpy(json, data, size);
    json[size] = 0;

    char *c1 = NULL, *c2 = NULL;
    err e = {0};
    if (policy_canonical(json, &c1, &e) == 0) {
        if (!policy_equivalent(json, json))
            fail("a document is not equivalent to itself");
        if (policy_canonical(c1, &c2, &e) != 0)
            fail("the canonical form does not parse again");
        if (strcmp(c1, c2) != 0)
            fail("policy_canonical is not idempotent");
        if (!policy_equivalent(json, c1))
            fail("a document is not equivalent to its canonical form");
    }
    char why[256];
    (void)policy_check(json, why, sizeof(why));
    char *dec = NULL;
    if (policy_url_decode(json, &dec, &e) == 0)
        free(dec);

    /* A Role with the bytes as trust policy and as its one inline policy. */
    pv *role = pv_object(), *pols = pv_array(), *pol = pv_object();
    if (role && pols && pol) {
        /* Containers own what is put in them, also when putting fails. */
        int rc = pv_object_set(pol, "name", pv_string("fuzz"));
        rc |= pv_object_set(pol, "policy", pv_string(json));
        rc |= pv_array_push(pols, pol);
        rc |= pv_object_set(role, "inlinePolicies", pols);
        rc |= pv_object_set(role, "assumeRolePolicy", pv_string(json));
        if (rc == 0)
            run_advisor("iam/role:Role", role);
        else
            pv_free(role);
    } else {
        pv_free(role);
        pv_free(pols);
        pv_free(pol);
    }
    /* A Pipeline with the bytes as its definition, an attachment with them as ARN. */
    pv *pipe = pv_object();
    if (pipe && pv_object_set(pipe, "pipelineDefinition", pv_string(json)) == 0)
        run_advisor("sagemaker/pipeline:Pipeline", pipe);
    else
        pv_free(pipe);
    pv *att = pv_object();
    if (att && pv_object_set(att, "policyArn", pv_string(json)) == 0)
        run_advisor("iam/rolePolicyAttachment:RolePolicyAttachment", att);
    else
        pv_free(att);
    /* The artifact store's documents, and a stack where the bytes are every
     * document and name (trust, policy, bucket policy, definition, bucket). */
    static const char *const doc_tokens[] = {"iam/policy:Policy", "kms/key:Key",
                                             "s3/bucketPolicy:BucketPolicy", NULL};
    for (size_t i = 0; doc_tokens[i]; i++) {
        pv *o = pv_object();
        if (o && pv_object_set(o, "policy", pv_string(json)) == 0)
            run_advisor(doc_tokens[i], o);
        else
            pv_free(o);
    }
    run_stack(json);
    free(c1);
    free(c2);
    free(json);
    return 0;
}
