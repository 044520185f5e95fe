/* The functions (resources/function.h): the registry, argument checks, and
 * getPolicyDocument's text, which must be byte for byte what pulumi-aws
 * (terraform-provider-aws's aws_iam_policy_document) writes. Each expected
 * text below is derived by hand from the rule it cites; the rules live in
 * terraform-provider-aws internal/service/iam/policy_document_data_source.go
 * (DS) and policy_model.go (PM), and in Go's encoding/json (GO). */
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
#include "resources/function.h"

static pv *args_of(const char *json)
{
    cJSON *j = cJSON_Parse(json);
    assert_non_null(j);
    pv *v = pv_from_cjson(j);
    cJSON_Delete(j);
    assert_non_null(v);
    return v;
}

static res_ctx unconfigured_ctx(void)
{
    res_ctx ctx = {.urn = "", .name = "", .type = "test"};
    return ctx;
}

/* Invokes token with args (JSON text); result or NULL, failures in f. */
static pv *invoke(const char *token, const char *args_json, check_failures *f, err *e, int *rc)
{
    err fe = {0};
    const function_type *ft = function_find(token, &fe);
    if (!ft)
        fail_msg("no function %s: %s", token, fe.msg);
    res_ctx ctx = unconfigured_ctx();
    pv *args = args_of(args_json);
    pv *result = NULL;
    *rc = function_invoke(ft, &ctx, args, &result, f, e);
    pv_free(args);
    return result;
}

/* getPolicyDocument's json and minifiedJson for args, both checked. */
static void expect_doc(const char *args_json, const char *pretty, const char *mini)
{
    check_failures f = {0};
    err e = {0};
    int rc;
    pv *r = invoke("aws:iam/getPolicyDocument:getPolicyDocument", args_json, &f, &e, &rc);
    for (size_t i = 0; i < f.len; i++)
        print_message("failure %s: %s\n", f.props[i], f.reasons[i]);
    if (rc != 0)
        fail_msg("invoke failed: %s", e.msg);
    assert_int_equal(f.len, 0);
    assert_non_null(r);
    if (pretty)
        assert_string_equal(prop_str(r, "json"), pretty);
    if (mini)
        assert_string_equal(prop_str(r, "minifiedJson"), mini);
    pv_free(r);
}

/* One check failure on path whose reason holds needle. */
static void expect_failure(const char *token, const char *args_json, const char *path,
                           const char *needle)
{
    check_failures f = {0};
    err e = {0};
    int rc;
    pv *r = invoke(token, args_json, &f, &e, &rc);
    assert_int_equal(rc, 0);
    assert_null(r);
    for (size_t i = 0; i < f.len; i++)
        print_message("failure %s: %s\n", f.props[i], f.reasons[i]);
    assert_int_equal(f.len, 1);
    assert_string_equal(f.props[0], path);
    assert_non_null(strstr(f.reasons[0], needle));
    check_failures_free(&f);
}

/* An error (not a check failure) whose message holds needle. */
static void expect_error(const char *token, const char *args_json, const char *needle)
{
    check_failures f = {0};
    err e = {0};
    int rc;
    pv *r = invoke(token, args_json, &f, &e, &rc);
    assert_int_equal(rc, -1);
    assert_null(r);
    assert_int_equal(f.len, 0);
    if (!strstr(e.msg, needle))
        fail_msg("error '%s' does not say '%s'", e.msg, needle);
}

static void test_registry_finds_both_prefixes_and_lists_the_known(void **state)
{
    (void)state;
    err e = {0};
    assert_non_null(function_find("aws:index/getRegion:getRegion", &e));
    assert_ptr_equal(function_find("awsml:index/getRegion:getRegion", &e),
                     function_find("aws:index/getRegion:getRegion", &e));
    assert_null(function_find("aws:index/getAmi:getAmi", &e));
    assert_int_equal(e.code, ERR_INVALID_ARGUMENT);
    assert_non_null(strstr(e.msg, "'aws:index/getAmi:getAmi'"));
    assert_non_null(strstr(e.msg, "iam/getPolicyDocument:getPolicyDocument"));
    assert_non_null(strstr(e.msg, "index/getCallerIdentity:getCallerIdentity"));
    assert_null(function_find("gcp:index/getRegion:getRegion", &e));
    size_t n = 0;
    while (function_at(n))
        n++;
    assert_int_equal(n, 4);
}

/* DS: sets of strings lose duplicates; PM policyDecodeConfigStrings: more
 * than one element is sorted in reverse; GO: MarshalIndent with two spaces,
 * struct field order Version, Statement; Effect defaults to Allow (DS). */
static void test_actions_and_resources_are_reverse_sorted_sets(void **state)
{
    (void)state;
    expect_doc(
        "{\"statements\":[{\"actions\":[\"s3:GetObject\",\"s3:ListBucket\",\"s3:GetObject\"],"
        "\"resources\":[\"arn:aws:s3:::b\",\"arn:aws:s3:::b/*\"]}]}",
        "{\n"
        "  \"Version\": \"2012-10-17\",\n"
        "  \"Statement\": [\n"
        "    {\n"
        "      \"Effect\": \"Allow\",\n"
        "      \"Action\": [\n"
        "        \"s3:ListBucket\",\n"
        "        \"s3:GetObject\"\n"
        "      ],\n"
        "      \"Resource\": [\n"
        "        \"arn:aws:s3:::b/*\",\n"
        "        \"arn:aws:s3:::b\"\n"
        "      ]\n"
        "    }\n"
        "  ]\n"
        "}",
        "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":"
        "[\"s3:ListBucket\",\"s3:GetObject\"],\"Resource\":[\"arn:aws:s3:::b/*\","
        "\"arn:aws:s3:::b\"]}]}");
    /* One element is a plain string (policyDecodeConfigStrings); NotAction
     * and NotResource follow Resource in the struct's order (PM). */
    expect_doc(
        "{\"statements\":[{\"sid\":\"Deny1\",\"effect\":\"Deny\",\"notActions\":[\"iam:*\"],"
        "\"notResources\":[\"*\"],\"actions\":[\"s3:*\"]}],\"policyId\":\"P1\"}",
        NULL,
        "{\"Version\":\"2012-10-17\",\"Id\":\"P1\",\"Statement\":[{\"Sid\":\"Deny1\",\"Effect\":"
        "\"Deny\",\"Action\":\"s3:*\",\"NotAction\":\"iam:*\",\"NotResource\":\"*\"}]}");
}

/* PM principal MarshalJSON: grouped by type in a map (GO sorts keys), one
 * identifier a string, several reverse-sorted; conditions by test then
 * variable (sorted), values in their order, one value a string; GO escapes
 * <, > and & as \u003c, \u003e, \u0026. */
static void test_principals_conditions_and_escaping(void **state)
{
    (void)state;
    expect_doc(
        "{\"statements\":[{\"sid\":\"Trust\",\"actions\":[\"sts:AssumeRole\"],"
        "\"principals\":[{\"type\":\"Service\",\"identifiers\":[\"sagemaker.amazonaws.com\"]},"
        "{\"type\":\"AWS\",\"identifiers\":[\"111122223333\",\"arn:aws:iam::123456789012:root\"]}],"
        "\"conditions\":[{\"test\":\"StringEquals\",\"variable\":\"aws:SourceAccount\","
        "\"values\":[\"123456789012\"]},{\"test\":\"ArnLike\",\"variable\":\"aws:SourceArn\","
        "\"values\":[\"z:1\",\"a&b<c>\"]}]}]}",
        "{\n"
        "  \"Version\": \"2012-10-17\",\n"
        "  \"Statement\": [\n"
        "    {\n"
        "      \"Sid\": \"Trust\",\n"
        "      \"Effect\": \"Allow\",\n"
        "      \"Action\": \"sts:AssumeRole\",\n"
        "      \"Principal\": {\n"
        "        \"AWS\": [\n"
        "          \"arn:aws:iam::123456789012:root\",\n"
        "          \"111122223333\"\n"
        "        ],\n"
        "        \"Service\": \"sagemaker.amazonaws.com\"\n"
        "      },\n"
        "      \"Condition\": {\n"
        "        \"ArnLike\": {\n"
        "          \"aws:SourceArn\": [\n"
        "            \"z:1\",\n"
        "            \"a\\u0026b\\u003cc\\u003e\"\n"
        "          ]\n"
        "        },\n"
        "        \"StringEquals\": {\n"
        "          \"aws:SourceAccount\": \"123456789012\"\n"
        "        }\n"
        "      }\n"
        "    }\n"
        "  ]\n"
        "}",
        NULL);
    /* PM: only a lone "*" principal of type "*" is the string "*";
     * {"AWS": "*"} stays an object. NotPrincipal follows Principal. */
    expect_doc(
        "{\"statements\":[{\"principals\":[{\"type\":\"*\",\"identifiers\":[\"*\"]}],"
        "\"notPrincipals\":[{\"type\":\"AWS\",\"identifiers\":[\"*\"]}]}]}",
        NULL,
        "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":\"*\","
        "\"NotPrincipal\":{\"AWS\":\"*\"}}]}");
    /* PM: two blocks of one type: a string then a string become both;
     * two conditions on one test and variable append their values. Blocks
     * are Terraform sets: an identical block is dropped, and they come in the
     * set's order: the decimal CRC-32 of "identifiers:{a;};type:AWS;" sorts
     * before b's, "test:StringLike;values:(2;0;);variable:k;" before the
     * block of value 1 (terraform-plugin-sdk set.go and serialize.go). */
    expect_doc(
        "{\"statements\":[{\"principals\":[{\"type\":\"AWS\",\"identifiers\":[\"b\"]},"
        "{\"type\":\"AWS\",\"identifiers\":[\"a\"]},{\"type\":\"AWS\",\"identifiers\":[\"a\"]}],"
        "\"conditions\":[{\"test\":\"StringLike\",\"variable\":\"k\",\"values\":[\"1\"]},"
        "{\"test\":\"StringLike\",\"variable\":\"k\",\"values\":[\"2\",\"0\"]}]}]}",
        NULL,
        "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":"
        "{\"AWS\":[\"a\",\"b\"]},\"Condition\":{\"StringLike\":{\"k\":[\"2\",\"0\",\"1\"]}}}]}");
}

#define TF_ARN(p, n) "\"arn:" p ":iam::" n n n n n n n n n n n n ":root\""
#define TF_BLOCK(ids) "{\"type\":\"AWS\",\"identifiers\":[" ids "]}"
#define TF_ARGS(blocks)                                                                            \
    "{\"statements\":[{\"actions\":[\"*\"],\"resources\":[\"*\"],\"sid\":\"S\",\"principals\":"    \
    "[" blocks "]}]}"
#define TF_WANT(ids)                                                                               \
    "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Sid\":\"S\",\"Effect\":\"Allow\",\"Action\":"   \
    "\"*\",\"Resource\":\"*\",\"Principal\":{\"AWS\":[" ids "]}}]}"

/* terraform-provider-aws's own expectations (policy_document_data_source_test.go,
 * TestAccIAMPolicyDocumentDataSource_statementPrincipalIdentifiers_*): several
 * AWS principal blocks are merged in Terraform's set order, a lone
 * identifier as a string first appended, a block's several identifiers
 * reverse-sorted; the order differs between partitions because the ARNs
 * hash differently. */
static void test_terraform_principal_block_orders(void **state)
{
    (void)state;
    expect_doc(TF_ARGS(TF_BLOCK(TF_ARN("aws", "1")) "," TF_BLOCK(
                   TF_ARN("aws", "2") "," TF_ARN("aws", "3"))),
               NULL, TF_WANT(TF_ARN("aws", "1") "," TF_ARN("aws", "3") "," TF_ARN("aws", "2")));
    expect_doc(TF_ARGS(TF_BLOCK(TF_ARN("aws", "1") "," TF_ARN("aws", "2")) "," TF_BLOCK(
                   TF_ARN("aws", "3")) "," TF_BLOCK(TF_ARN("aws", "4"))),
               NULL,
               TF_WANT(TF_ARN("aws", "3") "," TF_ARN("aws", "4") "," TF_ARN("aws", "2") "," TF_ARN(
                   "aws", "1")));
    expect_doc(
        TF_ARGS(TF_BLOCK(TF_ARN("aws-us-gov", "1") "," TF_ARN("aws-us-gov", "2")) "," TF_BLOCK(
            TF_ARN("aws-us-gov", "3")) "," TF_BLOCK(TF_ARN("aws-us-gov", "4"))),
        NULL,
        TF_WANT(TF_ARN("aws-us-gov", "3") "," TF_ARN("aws-us-gov", "2") "," TF_ARN(
            "aws-us-gov", "1") "," TF_ARN("aws-us-gov", "4")));
}

/* terraform-provider-aws's basic acceptance case (testAccPolicyDocumentConfig
 * and its expected JSON), with the empty Sids its newer versions leave out
 * (PR #28539): Id after Version, sets reverse-sorted, condition values in
 * their order with &{ turned into ${, NotPrincipal, {"AWS": "*"} kept and a
 * "*" principal of type "*" written as "*". */
static void test_terraform_basic_document(void **state)
{
    (void)state;
    expect_doc(
        "{\"policyId\":\"policy_id\",\"statements\":["
        "{\"sid\":\"1\",\"actions\":[\"s3:ListAllMyBuckets\",\"s3:GetBucketLocation\"],"
        "\"resources\":[\"arn:aws:s3:::*\"]},"
        "{\"actions\":[\"s3:ListBucket\"],\"resources\":[\"arn:aws:s3:::foo\"],\"conditions\":[{"
        "\"test\":\"StringLike\",\"variable\":\"s3:prefix\",\"values\":[\"home/\",\"\","
        "\"home/&{aws:username}/\"]}],\"notPrincipals\":[{\"type\":\"AWS\",\"identifiers\":["
        "\"arn:blahblah:example\"]}]},"
        "{\"actions\":[\"s3:*\"],\"resources\":[\"arn:aws:s3:::foo/home/&{aws:username}\","
        "\"arn:aws:s3:::foo/home/&{aws:username}/*\"],\"principals\":[{\"type\":\"AWS\","
        "\"identifiers\":[\"arn:blahblah:example\"]}]},"
        "{\"effect\":\"Deny\",\"notActions\":[\"s3:*\"],\"notResources\":[\"arn:aws:s3:::*\"]},"
        "{\"effect\":\"Allow\",\"actions\":[\"kinesis:*\"],\"principals\":[{\"type\":\"AWS\","
        "\"identifiers\":[\"*\"]}]},"
        "{\"effect\":\"Allow\",\"actions\":[\"firehose:*\"],\"principals\":[{\"type\":\"*\","
        "\"identifiers\":[\"*\"]}]}]}",
        "{\n"
        "  \"Version\": \"2012-10-17\",\n"
        "  \"Id\": \"policy_id\",\n"
        "  \"Statement\": [\n"
        "    {\n"
        "      \"Sid\": \"1\",\n"
        "      \"Effect\": \"Allow\",\n"
        "      \"Action\": [\n"
        "        \"s3:ListAllMyBuckets\",\n"
        "        \"s3:GetBucketLocation\"\n"
        "      ],\n"
        "      \"Resource\": \"arn:aws:s3:::*\"\n"
        "    },\n"
        "    {\n"
        "      \"Effect\": \"Allow\",\n"
        "      \"Action\": \"s3:ListBucket\",\n"
        "      \"Resource\": \"arn:aws:s3:::foo\",\n"
        "      \"NotPrincipal\": {\n"
        "        \"AWS\": \"arn:blahblah:example\"\n"
        "      },\n"
        "      \"Condition\": {\n"
        "        \"StringLike\": {\n"
        "          \"s3:prefix\": [\n"
        "            \"home/\",\n"
        "            \"\",\n"
        "            \"home/${aws:username}/\"\n"
        "          ]\n"
        "        }\n"
        "      }\n"
        "    },\n"
        "    {\n"
        "      \"Effect\": \"Allow\",\n"
        "      \"Action\": \"s3:*\",\n"
        "      \"Resource\": [\n"
        "        \"arn:aws:s3:::foo/home/${aws:username}/*\",\n"
        "        \"arn:aws:s3:::foo/home/${aws:username}\"\n"
        "      ],\n"
        "      \"Principal\": {\n"
        "        \"AWS\": \"arn:blahblah:example\"\n"
        "      }\n"
        "    },\n"
        "    {\n"
        "      \"Effect\": \"Deny\",\n"
        "      \"NotAction\": \"s3:*\",\n"
        "      \"NotResource\": \"arn:aws:s3:::*\"\n"
        "    },\n"
        "    {\n"
        "      \"Effect\": \"Allow\",\n"
        "      \"Action\": \"kinesis:*\",\n"
        "      \"Principal\": {\n"
        "        \"AWS\": \"*\"\n"
        "      }\n"
        "    },\n"
        "    {\n"
        "      \"Effect\": \"Allow\",\n"
        "      \"Action\": \"firehose:*\",\n"
        "      \"Principal\": \"*\"\n"
        "    }\n"
        "  ]\n"
        "}",
        NULL);
}

/* DS dataSourcePolicyDocumentReplaceVarsInList: &{ becomes ${ in resources,
 * identifiers and condition values (not in actions), and 2008-10-17 refuses
 * it. A document with no statements has no Statement key (GO omitempty). */
static void test_variables_versions_and_empty_documents(void **state)
{
    (void)state;
    expect_doc("{\"statements\":[{\"actions\":[\"a:&{x}\"],\"resources\":[\"arn:aws:s3:::b/"
               "&{aws:username}\"],"
               "\"conditions\":[{\"test\":\"StringEquals\",\"variable\":\"v\",\"values\":[\"&{aws:"
               "userid}\"]}]}]}",
               NULL,
               "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"a:"
               "\\u0026{x}\","
               "\"Resource\":\"arn:aws:s3:::b/${aws:username}\",\"Condition\":{\"StringEquals\":"
               "{\"v\":\"${aws:userid}\"}}}]}");
    expect_error(
        "aws:iam/getPolicyDocument:getPolicyDocument",
        "{\"version\":\"2008-10-17\",\"statements\":[{\"resources\":[\"&{aws:username}\"]}]}",
        "not supported in document version 2008-10-17");
    expect_doc("{}", "{\n  \"Version\": \"2012-10-17\"\n}", "{\"Version\":\"2012-10-17\"}");
    expect_doc("{\"version\":\"2008-10-17\"}", "{\n  \"Version\": \"2008-10-17\"\n}", NULL);
}

/* DS: source documents first (a Sid at most once across them), then the
 * statements (a Sid already present is replaced in place: PM Merge), then
 * overrides; an override's Id wins. PM UnmarshalJSON: principal lists come
 * out reverse-sorted, a bare "*" principal stays "*", Action arrays keep
 * their order, a boolean condition value becomes a string; GO: numbers in
 * `any` fields use Go's float format. */
static void test_source_and_override_documents_merge_by_sid(void **state)
{
    (void)state;
    const char *source = "{\\\"Version\\\":\\\"2012-10-17\\\",\\\"Statement\\\":["
                         "{\\\"Sid\\\":\\\"A\\\",\\\"Effect\\\":\\\"Allow\\\",\\\"Action\\\":"
                         "\\\"s3:*\\\",\\\"Resource\\\":\\\"*\\\"},"
                         "{\\\"Sid\\\":\\\"B\\\",\\\"Effect\\\":\\\"Deny\\\",\\\"Action\\\":\\\"x:"
                         "1\\\",\\\"Resource\\\":\\\"*\\\"},"
                         "{\\\"Sid\\\":\\\"C\\\",\\\"Effect\\\":\\\"Allow\\\",\\\"Action\\\":["
                         "\\\"b:2\\\",\\\"a:1\\\"],"
                         "\\\"Resource\\\":[1,1.5,1e21,0.0000001],\\\"Principal\\\":{\\\"AWS\\\":["
                         "\\\"x\\\",\\\"y\\\"]},"
                         "\\\"Condition\\\":{\\\"Bool\\\":{\\\"aws:SecureTransport\\\":false}}},"
                         "{\\\"Sid\\\":\\\"D\\\",\\\"Principal\\\":\\\"*\\\"}]}";
    const char *override = "{\\\"Id\\\":\\\"pid\\\",\\\"Statement\\\":[{\\\"Sid\\\":\\\"A\\\","
                           "\\\"Effect\\\":\\\"Deny\\\",\\\"Action\\\":\\\"s3:DeleteBucket\\\","
                           "\\\"Resource\\\":\\\"*\\\"}]}";
    char args[4096];
    snprintf(args, sizeof(args),
             "{\"sourcePolicyDocuments\":[\"%s\"],\"overridePolicyDocuments\":[\"%s\"],"
             "\"statements\":[{\"sid\":\"B\",\"actions\":[\"iam:PassRole\"],\"resources\":[\"*\"]},"
             "{\"actions\":[\"ec2:*\"],\"resources\":[\"*\"]}]}",
             source, override);
    expect_doc(
        args, NULL,
        "{\"Version\":\"2012-10-17\",\"Id\":\"pid\",\"Statement\":["
        "{\"Sid\":\"A\",\"Effect\":\"Deny\",\"Action\":\"s3:DeleteBucket\",\"Resource\":\"*\"},"
        "{\"Sid\":\"B\",\"Effect\":\"Allow\",\"Action\":\"iam:PassRole\",\"Resource\":\"*\"},"
        "{\"Sid\":\"C\",\"Effect\":\"Allow\",\"Action\":[\"b:2\",\"a:1\"],"
        "\"Resource\":[1,1.5,1e+21,1e-7],\"Principal\":{\"AWS\":[\"y\",\"x\"]},"
        "\"Condition\":{\"Bool\":{\"aws:SecureTransport\":\"false\"}}},"
        "{\"Sid\":\"D\",\"Principal\":\"*\"},"
        "{\"Effect\":\"Allow\",\"Action\":\"ec2:*\",\"Resource\":\"*\"}]}");
    /* A Sid twice across source documents is refused (DS). */
    snprintf(args, sizeof(args), "{\"sourcePolicyDocuments\":[\"%s\",\"%s\"]}", source, source);
    expect_error("aws:iam/getPolicyDocument:getPolicyDocument", args,
                 "'sourcePolicyDocuments[1]' statement 0 repeats Sid 'A'");
    expect_error("aws:iam/getPolicyDocument:getPolicyDocument",
                 "{\"overridePolicyDocuments\":[\"[1,2]\"]}",
                 "'overridePolicyDocuments[0]' must be a JSON object");
}

/* The id is create.StringHashcode(json): CRC-32 (IEEE) in decimal. The
 * value here is zlib.crc32 of the two-line document. */
static void test_id_is_the_crc32_of_json(void **state)
{
    (void)state;
    check_failures f = {0};
    err e = {0};
    int rc;
    pv *r = invoke("aws:iam/getPolicyDocument:getPolicyDocument", "{}", &f, &e, &rc);
    assert_int_equal(rc, 0);
    assert_string_equal(prop_str(r, "id"), "1132004489");
    assert_string_equal(prop_str(r, "version"), "2012-10-17");
    pv_free(r);
}

static void test_bad_arguments_are_check_failures_naming_the_path(void **state)
{
    (void)state;
    const char *pd = "aws:iam/getPolicyDocument:getPolicyDocument";
    expect_failure(pd, "{\"statements\":[{\"effect\":\"Maybe\"}]}", "statements[0].effect",
                   "must be one of Allow, Deny");
    expect_failure(pd, "{\"statements\":[{\"sid\":\"no-dash\"}]}", "statements[0].sid",
                   "letters and digits");
    expect_failure(pd, "{\"statements\":[{\"sid\":\"A\"},{\"sid\":\"A\"}]}", "statements[1].sid",
                   "repeats Sid 'A' of statements[0]");
    expect_failure(pd, "{\"statements\":[{\"principals\":[{\"identifiers\":[\"*\"]}]}]}",
                   "statements[0].principals[0].type", "is required");
    expect_failure(pd, "{\"version\":\"2013-01-01\"}", "version", "2008-10-17, 2012-10-17");
    expect_failure(pd, "{\"sourceJson\":\"{}\"}", "sourceJson", "must be empty");
    expect_failure(pd, "{\"sourcePolicyDocuments\":[\"{nope\"]}", "sourcePolicyDocuments[0]",
                   "valid JSON");
    expect_failure(pd, "{\"statements\":[{\"actions\":\"s3:*\"}]}", "statements[0].actions",
                   "must be");
    const char *gr = "aws:index/getRegion:getRegion";
    expect_failure(gr, "{\"region\":\"xx-nowhere-9\"}", "region", "known AWS Region");
    expect_failure(gr, "{\"endpoint\":\"ec2.nowhere.example\"}", "endpoint", "EC2 endpoint");
    expect_failure(gr, "{\"region\":\"us-east-1\",\"endpoint\":\"ec2.eu-west-1.amazonaws.com\"}",
                   "region", "different Regions");
}

static void test_region_and_partition(void **state)
{
    (void)state;
    check_failures f = {0};
    err e = {0};
    int rc;
    pv *r = invoke("aws:index/getRegion:getRegion", "{\"region\":\"eu-west-1\"}", &f, &e, &rc);
    assert_int_equal(rc, 0);
    assert_string_equal(prop_str(r, "region"), "eu-west-1");
    assert_string_equal(prop_str(r, "name"), "eu-west-1");
    assert_string_equal(prop_str(r, "id"), "eu-west-1");
    assert_string_equal(prop_str(r, "endpoint"), "ec2.eu-west-1.amazonaws.com");
    assert_string_equal(prop_str(r, "description"), "Europe (Ireland)");
    pv_free(r);
    r = invoke("awsml:index/getRegion:getRegion",
               "{\"endpoint\":\"ec2.cn-north-1.amazonaws.com.cn\"}", &f, &e, &rc);
    assert_int_equal(rc, 0);
    assert_string_equal(prop_str(r, "region"), "cn-north-1");
    assert_string_equal(prop_str(r, "description"), "China (Beijing)");
    pv_free(r);
    /* The provider's own region and partition need Configure. */
    expect_error("aws:index/getRegion:getRegion", "{}", "not configured");
    expect_error("aws:index/getPartition:getPartition", "{}", "not configured");
    expect_error("aws:index/getCallerIdentity:getCallerIdentity", "{}", "not configured");
}

static void test_schema_has_functions_from_the_tables(void **state)
{
    (void)state;
    cJSON *functions = cJSON_CreateObject(), *types = cJSON_CreateObject();
    for (size_t i = 0; function_at(i); i++)
        assert_int_equal(engine_schema_function("awsml", function_at(i)->token,
                                                function_at(i)->table, functions, types),
                         0);
    const cJSON *pd =
        cJSON_GetObjectItem(functions, "awsml:iam/getPolicyDocument:getPolicyDocument");
    assert_non_null(pd);
    const cJSON *in = cJSON_GetObjectItem(cJSON_GetObjectItem(pd, "inputs"), "properties");
    const cJSON *out = cJSON_GetObjectItem(cJSON_GetObjectItem(pd, "outputs"), "properties");
    assert_non_null(cJSON_GetObjectItem(in, "statements"));
    assert_null(cJSON_GetObjectItem(in, "json"));
    assert_non_null(cJSON_GetObjectItem(out, "minifiedJson"));
    assert_string_equal(
        cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(in, "statements"), "items"),
                            "$ref")
            ->valuestring,
        "#/types/awsml:iam/getPolicyDocumentStatement:getPolicyDocumentStatement");
    assert_non_null(cJSON_GetObjectItem(
        types,
        "awsml:iam/getPolicyDocumentStatementCondition:getPolicyDocumentStatementCondition"));
    const cJSON *gci =
        cJSON_GetObjectItem(functions, "awsml:index/getCallerIdentity:getCallerIdentity");
    char *req = cJSON_PrintUnformatted(
        cJSON_GetObjectItem(cJSON_GetObjectItem(gci, "outputs"), "required"));
    assert_string_equal(req, "[\"accountId\",\"arn\",\"id\",\"userId\"]");
    cJSON_free(req);
    cJSON_Delete(functions);
    cJSON_Delete(types);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_registry_finds_both_prefixes_and_lists_the_known),
        cmocka_unit_test(test_actions_and_resources_are_reverse_sorted_sets),
        cmocka_unit_test(test_principals_conditions_and_escaping),
        cmocka_unit_test(test_terraform_basic_document),
        cmocka_unit_test(test_terraform_principal_block_orders),
        cmocka_unit_test(test_variables_versions_and_empty_documents),
        cmocka_unit_test(test_source_and_override_documents_merge_by_sid),
        cmocka_unit_test(test_id_is_the_crc32_of_json),
        cmocka_unit_test(test_bad_arguments_are_check_failures_naming_the_path),
        cmocka_unit_test(test_region_and_partition),
        cmocka_unit_test(test_schema_has_functions_from_the_tables),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
