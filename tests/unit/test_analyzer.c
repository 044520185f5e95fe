/* The policy-pack door (analyzer.c) called as the server calls it, bytes in
 * and bytes out: the pack's info, diagnostics and their messages, Configure's
 * enforcement levels and bad names, nesting limits; and the Check door of the
 * stack rules (advice_apply_stack): bounded, refreshed per URN. */
#include <pthread.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>
#include <cmocka.h>

#include "advice.h"
#include "analyzer.h"
#include "google/protobuf/empty.pb-c.h"
#include "props.h"
#include "pulumi/analyzer.pb-c.h"
#include "resources/advisor.h"
#include "rpc.h"
#include "util/err.h"

#define ROLE "aws:iam/role:Role"
#define OPEN_TRUST                                                                                 \
    "{\"assumeRolePolicy\": \"{\\\"Version\\\":\\\"2012-10-17\\\",\\\"Statement\\\":[{"            \
    "\\\"Effect\\\":\\\"Allow\\\",\\\"Principal\\\":{\\\"AWS\\\":\\\"*\\\"},"                      \
    "\\\"Action\\\":\\\"sts:AssumeRole\\\"}]}\"}"

/* Calls one Analyzer method with a packed request. */
static void call(const char *method, const ProtobufCMessage *req, rpc_reply *out)
{
    char name[128];
    snprintf(name, sizeof(name), "/pulumirpc.Analyzer/%s", method);
    size_t n = protobuf_c_message_get_packed_size(req);
    uint8_t *bytes = malloc(n ? n : 1);
    assert_non_null(bytes);
    protobuf_c_message_pack(req, bytes);
    rpc_call c = {.method = name, .method_len = strlen(name), .req = bytes, .req_len = n};
    analyzer_handle(&c, out);
    free(bytes);
}

static Google__Protobuf__Struct *props_json(const char *json)
{
    cJSON *j = cJSON_Parse(json);
    assert_non_null(j);
    pv *v = pv_from_cjson(j);
    cJSON_Delete(j);
    assert_non_null(v);
    Google__Protobuf__Struct *s = NULL;
    assert_int_equal(props_to_struct(v, &s), 0);
    pv_free(v);
    return s;
}

static Pulumirpc__AnalyzeResponse *analyze(const char *type, const char *json)
{
    Pulumirpc__AnalyzeRequest req = PULUMIRPC__ANALYZE_REQUEST__INIT;
    req.type = (char *)type;
    req.urn = (char *)"urn:pulumi:dev::p::x::r";
    req.name = (char *)"r";
    req.properties = props_json(json);
    rpc_reply out;
    call("Analyze", &req.base, &out);
    protobuf_c_message_free_unpacked(&req.properties->base, NULL);
    assert_int_equal(out.code, ERR_OK);
    Pulumirpc__AnalyzeResponse *resp =
        pulumirpc__analyze_response__unpack(NULL, out.body_len, out.body);
    assert_non_null(resp);
    rpc_reply_free(&out);
    return resp;
}

static const Pulumirpc__AnalyzeDiagnostic *find(const Pulumirpc__AnalyzeResponse *r, const char *id)
{
    for (size_t i = 0; i < r->n_diagnostics; i++)
        if (strcmp(r->diagnostics[i]->policyname, id) == 0)
            return r->diagnostics[i];
    return NULL;
}

static int configure(const char *name, Pulumirpc__EnforcementLevel level)
{
    Pulumirpc__PolicyConfig pc = PULUMIRPC__POLICY_CONFIG__INIT;
    pc.enforcementlevel = level;
    Pulumirpc__ConfigureAnalyzerRequest__PolicyConfigEntry e =
        PULUMIRPC__CONFIGURE_ANALYZER_REQUEST__POLICY_CONFIG_ENTRY__INIT;
    e.key = (char *)name;
    e.value = &pc;
    Pulumirpc__ConfigureAnalyzerRequest__PolicyConfigEntry *ep = &e;
    Pulumirpc__ConfigureAnalyzerRequest req = PULUMIRPC__CONFIGURE_ANALYZER_REQUEST__INIT;
    req.n_policyconfig = name ? 1 : 0;
    req.policyconfig = &ep;
    rpc_reply out;
    call("Configure", &req.base, &out);
    int code = out.code;
    if (code)
        assert_non_null(strstr(out.message, name));
    rpc_reply_free(&out);
    return code;
}

/* GetAnalyzerInfo's answer, decoded (free with ..._free_unpacked). */
static Pulumirpc__AnalyzerInfo *get_info(void)
{
    Google__Protobuf__Empty e = GOOGLE__PROTOBUF__EMPTY__INIT;
    rpc_reply out;
    call("GetAnalyzerInfo", &e.base, &out);
    assert_int_equal(out.code, ERR_OK);
    Pulumirpc__AnalyzerInfo *info = pulumirpc__analyzer_info__unpack(NULL, out.body_len, out.body);
    assert_non_null(info);
    rpc_reply_free(&out);
    return info;
}

static void test_info_lists_every_rule(void **state)
{
    Pulumirpc__AnalyzerInfo *info = get_info();
    size_t n = 0;
    const advisor_rule *rules = advisor_rules(&n);
    assert_int_equal(info->n_policies, n);
    assert_string_equal(info->name, "awsml");
    assert_true(info->supportsconfig);
    for (size_t i = 0; i < n; i++) {
        assert_string_equal(info->policies[i]->name, rules[i].id);
        assert_string_equal(info->policies[i]->description, rules[i].what);
        assert_string_equal(info->policies[i]->remediation_steps, rules[i].fix);
        Pulumirpc__PolicySeverity want = rules[i].severity == ADVISOR_HIGH
                                             ? PULUMIRPC__POLICY_SEVERITY__POLICY_SEVERITY_HIGH
                                         : rules[i].severity == ADVISOR_WARNING
                                             ? PULUMIRPC__POLICY_SEVERITY__POLICY_SEVERITY_MEDIUM
                                             : PULUMIRPC__POLICY_SEVERITY__POLICY_SEVERITY_LOW;
        assert_int_equal(info->policies[i]->severity, want);
        assert_int_equal(info->policies[i]->enforcementlevel,
                         PULUMIRPC__ENFORCEMENT_LEVEL__ADVISORY);
    }
    pulumirpc__analyzer_info__free_unpacked(info, NULL);
}

static void test_diagnostic_message_and_levels(void **state)
{
    analyzer_reset();
    Pulumirpc__AnalyzeResponse *r = analyze(ROLE, OPEN_TRUST);
    const Pulumirpc__AnalyzeDiagnostic *d = find(r, "AWSML-IAM-002");
    assert_non_null(d);
    assert_true(strncmp(d->message, "assumeRolePolicy: ", 18) == 0);
    assert_non_null(strstr(d->message, " Fix: Name the exact service"));
    assert_string_equal(d->urn, "urn:pulumi:dev::p::x::r");
    assert_string_equal(d->policypackname, "awsml");
    assert_int_equal(d->enforcementlevel, PULUMIRPC__ENFORCEMENT_LEVEL__ADVISORY);
    assert_int_equal(d->severity, PULUMIRPC__POLICY_SEVERITY__POLICY_SEVERITY_HIGH);
    pulumirpc__analyze_response__free_unpacked(r, NULL);

    assert_int_equal(configure("AWSML-IAM-002", PULUMIRPC__ENFORCEMENT_LEVEL__MANDATORY), 0);
    r = analyze("awsml:iam/role:Role", OPEN_TRUST);
    assert_int_equal(find(r, "AWSML-IAM-002")->enforcementlevel,
                     PULUMIRPC__ENFORCEMENT_LEVEL__MANDATORY);
    pulumirpc__analyze_response__free_unpacked(r, NULL);

    assert_int_equal(configure("AWSML-IAM-002", PULUMIRPC__ENFORCEMENT_LEVEL__DISABLED), 0);
    r = analyze(ROLE, OPEN_TRUST);
    assert_null(find(r, "AWSML-IAM-002"));
    pulumirpc__analyze_response__free_unpacked(r, NULL);

    /* A bad name changes nothing: the rule stays disabled. */
    assert_int_equal(configure("IAM-002", PULUMIRPC__ENFORCEMENT_LEVEL__MANDATORY),
                     ERR_INVALID_ARGUMENT);
    r = analyze(ROLE, OPEN_TRUST);
    assert_null(find(r, "AWSML-IAM-002"));
    pulumirpc__analyze_response__free_unpacked(r, NULL);
    assert_int_equal(configure("all", PULUMIRPC__ENFORCEMENT_LEVEL__MANDATORY), 0);
    r = analyze(ROLE, OPEN_TRUST);
    assert_int_equal(find(r, "AWSML-IAM-002")->enforcementlevel,
                     PULUMIRPC__ENFORCEMENT_LEVEL__ADVISORY);
    pulumirpc__analyze_response__free_unpacked(r, NULL);

    /* Other packages: no findings. */
    r = analyze("gcp:iam/role:Role", OPEN_TRUST);
    assert_int_equal(r->n_diagnostics, 0);
    pulumirpc__analyze_response__free_unpacked(r, NULL);
    analyzer_reset();
}

/* Configure with properties: entries name[i] with the properties in json[i]
 * (NULL: none), all advisory. The error message, if any, goes to msg. */
static int configure_props(size_t n, const char *const *names, const char *const *json, char *msg,
                           size_t msglen)
{
    Pulumirpc__PolicyConfig pc[4];
    Pulumirpc__ConfigureAnalyzerRequest__PolicyConfigEntry e[4], *ep[4];
    assert_true(n <= 4);
    for (size_t i = 0; i < n; i++) {
        Pulumirpc__PolicyConfig pinit = PULUMIRPC__POLICY_CONFIG__INIT;
        Pulumirpc__ConfigureAnalyzerRequest__PolicyConfigEntry einit =
            PULUMIRPC__CONFIGURE_ANALYZER_REQUEST__POLICY_CONFIG_ENTRY__INIT;
        pc[i] = pinit;
        pc[i].properties = json[i] ? props_json(json[i]) : NULL;
        e[i] = einit;
        e[i].key = (char *)names[i];
        e[i].value = &pc[i];
        ep[i] = &e[i];
    }
    Pulumirpc__ConfigureAnalyzerRequest req = PULUMIRPC__CONFIGURE_ANALYZER_REQUEST__INIT;
    req.n_policyconfig = n;
    req.policyconfig = ep;
    rpc_reply out;
    call("Configure", &req.base, &out);
    int code = out.code;
    snprintf(msg, msglen, "%s", code && out.message ? out.message : "");
    rpc_reply_free(&out);
    for (size_t i = 0; i < n; i++)
        if (pc[i].properties)
            protobuf_c_message_free_unpacked(&pc[i].properties->base, NULL);
    return code;
}

/* Configure with one policy's properties; on an error, its message must
 * contain want. */
static int configure_one(const char *name, const char *json, const char *want)
{
    char msg[1024];
    int code = configure_props(1, &name, &json, msg, sizeof(msg));
    if (want) {
        assert_int_equal(code, ERR_INVALID_ARGUMENT);
        if (!strstr(msg, want))
            fail_msg("'%s' not in '%s'", want, msg);
    }
    return code;
}

static bool reports(const char *type, const char *json, const char *id)
{
    Pulumirpc__AnalyzeResponse *r = analyze(type, json);
    bool got = find(r, id) != NULL;
    pulumirpc__analyze_response__free_unpacked(r, NULL);
    return got;
}

#define ATT "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
#define ATT_SM                                                                                     \
    "{\"role\":\"r\",\"policyArn\":\"arn:aws:iam::aws:policy/AmazonSageMakerFullAccess\"}"
#define ATT_S3 "{\"role\":\"r\",\"policyArn\":\"arn:aws:iam::aws:policy/AmazonS3FullAccess\"}"
#define ROLE_7200 "{\"maxSessionDuration\":7200}"
#define ROLE_7201 "{\"maxSessionDuration\":7201}"
#define ACCOUNT_TRUST                                                                              \
    "{\"assumeRolePolicy\": "                                                                      \
    "\"{\\\"Statement\\\":[{\\\"Effect\\\":\\\"Allow\\\",\\\"Principal\\\":"                       \
    "{\\\"AWS\\\":\\\"arn:aws:iam::111122223333:root\\\"},\\\"Action\\\":\\\"sts:AssumeRole\\\"}]" \
    "}\"}"

static void test_info_config_schemas(void **state)
{
    Pulumirpc__AnalyzerInfo *info = get_info();
    char seen[256] = "";
    size_t k = 0;
    for (size_t i = 0; i < info->n_policies; i++) {
        const Pulumirpc__PolicyConfigSchema *cs = info->policies[i]->configschema;
        if (!cs)
            continue;
        assert_non_null(cs->properties);
        assert_int_equal(cs->properties->n_fields, 1);
        const Google__Protobuf__Struct *sch =
            cs->properties->fields[0]->value->struct_value; /* the property's JSON schema */
        assert_non_null(sch);
        bool described = false;
        for (size_t f = 0; f < sch->n_fields; f++)
            described = described || strcmp(sch->fields[f]->key, "description") == 0;
        assert_true(described);
        k += (size_t)snprintf(seen + k, sizeof(seen) - k, "%s.%s ", info->policies[i]->name,
                              cs->properties->fields[0]->key);
    }
    assert_string_equal(seen, "AWSML-IAM-003.trustedAccounts AWSML-IAM-011.allowedPolicies "
                              "AWSML-IAM-012.allowedPolicies AWSML-IAM-014.maxSessionDuration ");
    pulumirpc__analyzer_info__free_unpacked(info, NULL);
}

static void test_configure_rule_properties(void **state)
{
    analyzer_reset();
    assert_true(reports(ATT, ATT_SM, "AWSML-IAM-012"));
    assert_true(reports(ROLE, ROLE_7200, "AWSML-IAM-014"));
    assert_true(reports(ROLE, ACCOUNT_TRUST, "AWSML-IAM-003"));

    /* Good properties, three rules at once; enforcementLevel among them is the engine's. */
    const char *names[] = {"AWSML-IAM-012", "AWSML-IAM-014", "AWSML-IAM-003"};
    const char *json[] = {
        "{\"allowedPolicies\":[\"AmazonSageMakerFullAccess\"],\"enforcementLevel\":\"advisory\"}",
        "{\"maxSessionDuration\":7200}", "{\"trustedAccounts\":[\"111122223333\"]}"};
    char msg[1024];
    assert_int_equal(configure_props(3, names, json, msg, sizeof(msg)), 0);
    assert_false(reports(ATT, ATT_SM, "AWSML-IAM-012"));
    assert_true(reports(ATT, ATT_S3, "AWSML-IAM-012"));
    assert_false(reports(ROLE, ROLE_7200, "AWSML-IAM-014"));
    assert_true(reports(ROLE, ROLE_7201, "AWSML-IAM-014"));
    assert_false(reports(ROLE, ACCOUNT_TRUST, "AWSML-IAM-003"));

    /* Bad properties: named errors, and nothing changes. */
    configure_one("AWSML-IAM-014", "{\"maxSessionDuration\":99}",
                  "policy pack config AWSML-IAM-014.maxSessionDuration: 99 is below 3600");
    configure_one("AWSML-IAM-014", "{\"maxSessionDuration\":43201}",
                  "AWSML-IAM-014.maxSessionDuration: 43201 is above 43200");
    configure_one("AWSML-IAM-014", "{\"maxSessionDuration\":3600.5}",
                  "AWSML-IAM-014.maxSessionDuration: 3600.5 is not a whole number");
    configure_one("AWSML-IAM-014", "{\"maxSessionDuration\":\"long\"}",
                  "AWSML-IAM-014.maxSessionDuration: must be an integer number of seconds "
                  "(3600..43200), not a string");
    configure_one("AWSML-IAM-003", "{\"trustedAccounts\":\"111122223333\"}",
                  "AWSML-IAM-003.trustedAccounts: must be an array of 12-digit AWS account ID "
                  "strings, not a string");
    configure_one("AWSML-IAM-003", "{\"trustedAccounts\":[\"111122223333\", \"12345\"]}",
                  "AWSML-IAM-003.trustedAccounts[1]: '12345' is not an AWS account ID");
    configure_one("AWSML-IAM-003", "{\"trustedAccounts\":[111122223333]}",
                  "AWSML-IAM-003.trustedAccounts[0]: must be a string");
    configure_one("AWSML-IAM-012", "{\"allowedPolicies\":[\"arn:aws:iam::123456789012:policy/X\"]}",
                  "AWSML-IAM-012.allowedPolicies[0]: 'arn:aws:iam::123456789012:policy/X' is "
                  "neither an AWS managed policy name");
    configure_one("AWSML-IAM-011", "{\"allowedPolicies\":[\"Admin Access\"]}",
                  "AWSML-IAM-011.allowedPolicies[0]: 'Admin Access' is neither");
    configure_one("AWSML-IAM-012",
                  "{\"allowedPolicies\":[\"a\",\"a\",\"a\",\"a\",\"a\",\"a\","
                  "\"a\",\"a\",\"a\",\"a\",\"a\",\"a\",\"a\",\"a\",\"a\",\"a\","
                  "\"a\",\"a\",\"a\",\"a\",\"a\",\"a\",\"a\",\"a\",\"a\",\"a\","
                  "\"a\",\"a\",\"a\",\"a\",\"a\",\"a\",\"a\"]}",
                  "AWSML-IAM-012.allowedPolicies: 33 items, more than the 32 allowed");
    configure_one("AWSML-IAM-001", "{\"trustedAccounts\":[]}",
                  "AWSML-IAM-001.trustedAccounts: AWSML-IAM-001 has no property 'trustedAccounts' "
                  "(it takes none");
    configure_one("AWSML-IAM-012", "{\"allowedPolicy\":[]}",
                  "AWSML-IAM-012.allowedPolicy: AWSML-IAM-012 has no property 'allowedPolicy' (it "
                  "takes allowedPolicies");
    /* A valid entry before a bad one changes nothing either. */
    const char *names2[] = {"AWSML-IAM-012", "AWSML-IAM-014"};
    const char *json2[] = {"{\"allowedPolicies\":[]}", "{\"maxSessionDuration\":-1}"};
    assert_int_equal(configure_props(2, names2, json2, msg, sizeof(msg)), ERR_INVALID_ARGUMENT);
    assert_non_null(strstr(msg, "AWSML-IAM-014.maxSessionDuration: -1 is below 3600"));
    assert_false(reports(ATT, ATT_SM, "AWSML-IAM-012"));
    assert_false(reports(ROLE, ROLE_7200, "AWSML-IAM-014"));
    assert_false(reports(ROLE, ACCOUNT_TRUST, "AWSML-IAM-003"));

    /* ARNs in any partition name the same policy; an empty list is the default. */
    assert_int_equal(
        configure_one("AWSML-IAM-012",
                      "{\"allowedPolicies\":[\"arn:aws-cn:iam::aws:policy/service-role/"
                      "AmazonSageMakerFullAccess\"]}",
                      NULL),
        0);
    assert_false(reports(ATT, ATT_SM, "AWSML-IAM-012"));
    assert_true(reports(ROLE, ROLE_7200, "AWSML-IAM-014")); /* not named: default again */
    assert_int_equal(configure_one("AWSML-IAM-012", "{\"allowedPolicies\":[]}", NULL), 0);
    assert_true(reports(ATT, ATT_SM, "AWSML-IAM-012"));

    /* A later Configure without properties restores every default. */
    assert_int_equal(configure_one("AWSML-IAM-014", "{\"maxSessionDuration\":43200}", NULL), 0);
    assert_false(reports(ROLE, ROLE_7201, "AWSML-IAM-014"));
    assert_int_equal(configure_props(0, NULL, NULL, msg, sizeof(msg)), 0);
    assert_true(reports(ROLE, ROLE_7201, "AWSML-IAM-014"));
    assert_true(reports(ROLE, ACCOUNT_TRUST, "AWSML-IAM-003"));
    analyzer_reset();
}

/* A late Configure while Analyze runs on another thread (a request over
 * 64 KiB is served on a pool thread): every Analyze sees one whole
 * configuration, both properties set or neither, never a mix. Built with
 * -fsanitize=thread (make BUILD=build/tsan SAN=-fsanitize=thread
 * build/tsan/unit/test_analyzer) it also reports any unguarded access: with
 * the read lock taken out, ThreadSanitizer reports the race here. */
#define ROLE_BOTH                                                                                  \
    "{\"managedPolicyArns\":[\"arn:aws:iam::aws:policy/AmazonSageMakerFullAccess\"],"              \
    "\"maxSessionDuration\":7200}"
#define RACE_ROUNDS 400

static void *race_configure(void *arg)
{
    const char *names[] = {"AWSML-IAM-012", "AWSML-IAM-014"};
    const char *on[] = {"{\"allowedPolicies\":[\"AmazonSageMakerFullAccess\"]}",
                        "{\"maxSessionDuration\":7200}"};
    const char *off[] = {NULL, NULL};
    char msg[256];
    int *bad = arg;
    for (int i = 0; i < RACE_ROUNDS; i++)
        if (configure_props(2, names, i % 2 ? off : on, msg, sizeof(msg)) != 0)
            (*bad)++;
    return NULL;
}

static void test_configure_during_analyze(void **state)
{
    analyzer_reset();
    pthread_t th;
    int bad_configure = 0, mixed = 0, saw_on = 0, saw_off = 0;
    assert_int_equal(pthread_create(&th, NULL, race_configure, &bad_configure), 0);
    for (int i = 0; i < RACE_ROUNDS; i++) {
        Pulumirpc__AnalyzeResponse *r = analyze(ROLE, ROLE_BOTH);
        bool full = find(r, "AWSML-IAM-012") != NULL, session = find(r, "AWSML-IAM-014") != NULL;
        pulumirpc__analyze_response__free_unpacked(r, NULL);
        mixed += full != session;
        saw_on += !full;
        saw_off += full;
    }
    assert_int_equal(pthread_join(th, NULL), 0);
    assert_int_equal(bad_configure, 0);
    assert_int_equal(mixed, 0);
    assert_int_equal(saw_on + saw_off, RACE_ROUNDS);
    analyzer_reset();
}

static void test_stack_request_nesting_is_bounded(void **state)
{
    /* 200 nested objects in one resource's properties. */
    char json[4096] = "";
    size_t at = 0;
    for (int i = 0; i < 200; i++)
        at += (size_t)snprintf(json + at, sizeof(json) - at, "{\"a\":");
    at += (size_t)snprintf(json + at, sizeof(json) - at, "1");
    for (int i = 0; i < 200; i++)
        at += (size_t)snprintf(json + at, sizeof(json) - at, "}");
    cJSON *j = cJSON_ParseWithOpts(json, NULL, 0);
    /* cJSON's own nesting limit may refuse it first; then build it by hand. */
    pv *v = NULL;
    if (j) {
        v = pv_from_cjson(j);
        cJSON_Delete(j);
    } else {
        v = pv_number(1);
        for (int i = 0; i < 200; i++) {
            pv *o = pv_object();
            assert_int_equal(pv_object_set(o, "a", v), 0);
            v = o;
        }
    }
    assert_non_null(v);
    Google__Protobuf__Struct *s = NULL;
    assert_int_equal(props_to_struct(v, &s), 0);
    pv_free(v);
    Pulumirpc__AnalyzerResource r = PULUMIRPC__ANALYZER_RESOURCE__INIT;
    r.type = (char *)ROLE;
    r.urn = (char *)"urn:pulumi:dev::p::aws:iam/role:Role::r";
    r.properties = s;
    Pulumirpc__AnalyzerResource *rp = &r;
    Pulumirpc__AnalyzeStackRequest req = PULUMIRPC__ANALYZE_STACK_REQUEST__INIT;
    req.n_resources = 1;
    req.resources = &rp;
    rpc_reply out;
    call("AnalyzeStack", &req.base, &out);
    assert_int_equal(out.code, ERR_INVALID_ARGUMENT);
    assert_non_null(strstr(out.message, "nest deeper"));
    rpc_reply_free(&out);
    protobuf_c_message_free_unpacked(&s->base, NULL);
}

static void test_unknown_methods_and_remediate(void **state)
{
    Pulumirpc__AnalyzeRequest req = PULUMIRPC__ANALYZE_REQUEST__INIT;
    rpc_reply out;
    call("Remediate", &req.base, &out);
    assert_int_equal(out.code, ERR_UNIMPLEMENTED);
    rpc_reply_free(&out);
}

static void test_check_door_is_bounded(void **state)
{
    advice_reset();
    pv *inputs = pv_object();
    assert_non_null(inputs);
    check_failures f = {0};
    err e;
    char urn[128];
    for (int i = 0; i < ADVICE_MAX_SEEN + 20; i++) {
        snprintf(urn, sizeof(urn), "urn:pulumi:dev::p::aws:s3/bucket:Bucket::b%d", i);
        assert_int_equal(advice_apply_stack(NULL, "aws:s3/bucket:Bucket", "b", urn, inputs, &f, &e),
                         0);
    }
    assert_int_equal(advice_seen_count(), ADVICE_MAX_SEEN);
    /* Checked again: the entry is refreshed, not added. */
    assert_int_equal(advice_apply_stack(NULL, "aws:s3/bucket:Bucket", "b",
                                        "urn:pulumi:dev::p::aws:s3/bucket:Bucket::b0", inputs, &f,
                                        &e),
                     0);
    assert_int_equal(advice_seen_count(), ADVICE_MAX_SEEN);
    /* off: nothing is kept. */
    advice_reset();
    config_advisor off = {.mode = CONFIG_ADVISOR_OFF};
    assert_int_equal(advice_apply_stack(&off, "aws:s3/bucket:Bucket", "b", urn, inputs, &f, &e), 0);
    assert_int_equal(advice_seen_count(), 0);
    assert_int_equal(f.len, 0);
    check_failures_free(&f);
    pv_free(inputs);
    advice_reset();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_info_lists_every_rule),
        cmocka_unit_test(test_diagnostic_message_and_levels),
        cmocka_unit_test(test_info_config_schemas),
        cmocka_unit_test(test_configure_rule_properties),
        cmocka_unit_test(test_configure_during_analyze),
        cmocka_unit_test(test_stack_request_nesting_is_bounded),
        cmocka_unit_test(test_unknown_methods_and_remediate),
        cmocka_unit_test(test_check_door_is_bounded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
