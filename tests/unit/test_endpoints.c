/* Unit tests for provider/aws/endpoints.c: partitions, standard and FIPS endpoints per
 * service, override precedence (config > AWS_ENDPOINT_URL_<SVC> > AWS_ENDPOINT_URL), signing
 * regions, region validation and region precedence. The environment is a fake table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "aws/endpoints.h"
#include "fake_env.h"

static void expect(enum endpoints_service svc, const char *region, const endpoints_opts *opts,
                   const profile_env *env, const char *url, const char *signing)
{
    endpoints_result r;
    err e = {0};
    int rc = endpoints_resolve(svc, region, opts, env, &r, &e);
    if (rc != 0)
        print_error("%s in %s: %s\n", endpoints_service_name(svc), region, e.msg);
    assert_int_equal(rc, 0);
    assert_string_equal(r.url, url);
    assert_string_equal(r.signing_region, signing);
    assert_string_equal(r.signing_name, endpoints_service_name(svc));
}

static void test_partitions(void **state)
{
    (void)state;
    static const char *const cases[][3] = {
        {"us-east-1", "aws", "amazonaws.com"},
        {"eu-central-2", "aws", "amazonaws.com"},
        {"ap-southeast-4", "aws", "amazonaws.com"},
        {"sa-east-1", "aws", "amazonaws.com"},
        {"ca-west-1", "aws", "amazonaws.com"},
        {"me-central-1", "aws", "amazonaws.com"},
        {"af-south-1", "aws", "amazonaws.com"},
        {"il-central-1", "aws", "amazonaws.com"},
        {"mx-central-1", "aws", "amazonaws.com"},
        {"cn-north-1", "aws-cn", "amazonaws.com.cn"},
        {"cn-northwest-1", "aws-cn", "amazonaws.com.cn"},
        {"us-gov-west-1", "aws-us-gov", "amazonaws.com"},
        {"us-gov-east-1", "aws-us-gov", "amazonaws.com"},
        {"us-iso-east-1", "aws-iso", "c2s.ic.gov"},
        {"us-isob-east-1", "aws-iso-b", "sc2s.sgov.gov"},
        {"us-isof-south-1", "aws-iso-f", "csp.hci.ic.gov"},
        {"eu-isoe-west-1", "aws-iso-e", "cloud.adc-e.uk"},
        {"zz-future-9", "aws", "amazonaws.com"}, /* unknown: the aws fallback */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const endpoints_partition *p = endpoints_partition_for(cases[i][0]);
        assert_string_equal(p->id, cases[i][1]);
        assert_string_equal(p->dns_suffix, cases[i][2]);
    }
    assert_string_equal(endpoints_partition_for(NULL)->id, "aws");
}

static void test_standard_endpoints(void **state)
{
    (void)state;
    expect(ENDPOINTS_IAM, "eu-west-1", NULL, NULL, "https://iam.amazonaws.com", "us-east-1");
    expect(ENDPOINTS_STS, "eu-west-1", NULL, NULL, "https://sts.eu-west-1.amazonaws.com",
           "eu-west-1");
    expect(ENDPOINTS_SAGEMAKER, "eu-west-1", NULL, NULL,
           "https://api.sagemaker.eu-west-1.amazonaws.com", "eu-west-1");
    expect(ENDPOINTS_S3, "us-east-1", NULL, NULL, "https://s3.us-east-1.amazonaws.com",
           "us-east-1");

    expect(ENDPOINTS_IAM, "cn-northwest-1", NULL, NULL, "https://iam.cn-north-1.amazonaws.com.cn",
           "cn-north-1");
    expect(ENDPOINTS_STS, "cn-northwest-1", NULL, NULL,
           "https://sts.cn-northwest-1.amazonaws.com.cn", "cn-northwest-1");
    expect(ENDPOINTS_SAGEMAKER, "cn-north-1", NULL, NULL,
           "https://api.sagemaker.cn-north-1.amazonaws.com.cn", "cn-north-1");
    expect(ENDPOINTS_S3, "cn-north-1", NULL, NULL, "https://s3.cn-north-1.amazonaws.com.cn",
           "cn-north-1");

    expect(ENDPOINTS_IAM, "us-gov-east-1", NULL, NULL, "https://iam.us-gov.amazonaws.com",
           "us-gov-west-1");
    expect(ENDPOINTS_STS, "us-gov-east-1", NULL, NULL, "https://sts.us-gov-east-1.amazonaws.com",
           "us-gov-east-1");
    expect(ENDPOINTS_SAGEMAKER, "us-gov-west-1", NULL, NULL,
           "https://api.sagemaker.us-gov-west-1.amazonaws.com", "us-gov-west-1");

    expect(ENDPOINTS_IAM, "us-iso-west-1", NULL, NULL, "https://iam.us-iso-east-1.c2s.ic.gov",
           "us-iso-east-1");
    expect(ENDPOINTS_STS, "us-isob-east-1", NULL, NULL, "https://sts.us-isob-east-1.sc2s.sgov.gov",
           "us-isob-east-1");

    /* KMS is regional everywhere. */
    expect(ENDPOINTS_KMS, "eu-west-1", NULL, NULL, "https://kms.eu-west-1.amazonaws.com",
           "eu-west-1");
    expect(ENDPOINTS_KMS, "cn-north-1", NULL, NULL, "https://kms.cn-north-1.amazonaws.com.cn",
           "cn-north-1");
    expect(ENDPOINTS_KMS, "us-gov-west-1", NULL, NULL, "https://kms.us-gov-west-1.amazonaws.com",
           "us-gov-west-1");
    endpoints_result kr;
    err ke = {0};
    assert_int_equal(endpoints_resolve(ENDPOINTS_KMS, "eu-west-1", NULL, NULL, &kr, &ke), 0);
    assert_string_equal(kr.signing_name, "kms");
    assert_string_equal(endpoints_service_name(ENDPOINTS_KMS), "kms");
}

static void test_fips(void **state)
{
    endpoints_opts on = {0};
    endpoints_opts off = {0};
    struct fake_env fe = {{{"AWS_USE_FIPS_ENDPOINT", "TRUE"}}};
    profile_env env = env_of(&fe);
    endpoints_result r;
    err e = {0};
    (void)state;

    on.use_fips = ENDPOINTS_ON;
    off.use_fips = ENDPOINTS_OFF;
    expect(ENDPOINTS_IAM, "us-west-2", &on, NULL, "https://iam-fips.amazonaws.com", "us-east-1");
    expect(ENDPOINTS_STS, "us-west-2", &on, NULL, "https://sts-fips.us-west-2.amazonaws.com",
           "us-west-2");
    expect(ENDPOINTS_SAGEMAKER, "us-west-2", &on, NULL,
           "https://api-fips.sagemaker.us-west-2.amazonaws.com", "us-west-2");
    expect(ENDPOINTS_S3, "us-west-2", &on, NULL, "https://s3-fips.us-west-2.amazonaws.com",
           "us-west-2");
    expect(ENDPOINTS_KMS, "us-west-2", &on, NULL, "https://kms-fips.us-west-2.amazonaws.com",
           "us-west-2");
    /* GovCloud: IAM and STS standard endpoints are FIPS already. */
    expect(ENDPOINTS_IAM, "us-gov-west-1", &on, NULL, "https://iam.us-gov.amazonaws.com",
           "us-gov-west-1");
    expect(ENDPOINTS_STS, "us-gov-west-1", &on, NULL, "https://sts.us-gov-west-1.amazonaws.com",
           "us-gov-west-1");
    /* The environment decides only when the config does not. */
    expect(ENDPOINTS_STS, "us-east-2", NULL, &env, "https://sts-fips.us-east-2.amazonaws.com",
           "us-east-2");
    expect(ENDPOINTS_STS, "us-east-2", &off, &env, "https://sts.us-east-2.amazonaws.com",
           "us-east-2");
    assert_int_equal(endpoints_resolve(ENDPOINTS_STS, "us-east-2", NULL, &env, &r, &e), 0);
    assert_true(r.fips);

    /* No FIPS IAM in China: a clear error, unless an override makes it moot. */
    assert_int_equal(endpoints_resolve(ENDPOINTS_IAM, "cn-north-1", &on, NULL, &r, &e), -1);
    assert_non_null(strstr(e.msg, "aws-cn"));
    assert_non_null(strstr(e.msg, "FIPS"));
    assert_string_equal(r.url, "");
    on.overrides[ENDPOINTS_IAM] = "http://127.0.0.1:5000";
    expect(ENDPOINTS_IAM, "cn-north-1", &on, NULL, "http://127.0.0.1:5000", "cn-north-1");
}

static void test_overrides(void **state)
{
    endpoints_opts opts = {0};
    endpoints_result r;
    err e = {0};
    (void)state;

    struct fake_env fe = {{{"AWS_ENDPOINT_URL", "http://localhost:4566/"},
                           {"AWS_ENDPOINT_URL_STS", "http://sts.local:1234"}}};
    profile_env env = env_of(&fe);

    /* Global variable for services without their own. */
    expect(ENDPOINTS_IAM, "eu-west-1", &opts, &env, "http://localhost:4566", "us-east-1");
    expect(ENDPOINTS_SAGEMAKER, "eu-west-1", &opts, &env, "http://localhost:4566", "eu-west-1");
    /* Service variable beats the global one. */
    expect(ENDPOINTS_STS, "eu-west-1", &opts, &env, "http://sts.local:1234", "eu-west-1");
    assert_int_equal(endpoints_resolve(ENDPOINTS_STS, "eu-west-1", &opts, &env, &r, &e), 0);
    assert_string_equal(r.source, "AWS_ENDPOINT_URL_STS");
    /* Provider config beats both; trailing slashes dropped; path kept. */
    opts.overrides[ENDPOINTS_STS] = "https://sts.example.test/base//";
    expect(ENDPOINTS_STS, "eu-west-1", &opts, &env, "https://sts.example.test/base", "eu-west-1");
    assert_int_equal(endpoints_resolve(ENDPOINTS_STS, "eu-west-1", &opts, &env, &r, &e), 0);
    assert_string_equal(r.source, "the provider endpoints config");
    /* IAM signs for the partition's home region even when overridden. */
    opts.overrides[ENDPOINTS_IAM] = "http://127.0.0.1:5000";
    expect(ENDPOINTS_IAM, "us-gov-east-1", &opts, &env, "http://127.0.0.1:5000", "us-gov-west-1");
    /* An empty config value is unset. */
    opts.overrides[ENDPOINTS_S3] = "";
    expect(ENDPOINTS_S3, "eu-west-1", &opts, &env, "http://localhost:4566", "eu-west-1");
    /* KMS has its own variable and config key. */
    struct fake_env kfe = {{{"AWS_ENDPOINT_URL", "http://localhost:4566"},
                            {"AWS_ENDPOINT_URL_KMS", "http://kms.local:4000"}}};
    profile_env kenv = env_of(&kfe);
    expect(ENDPOINTS_KMS, "eu-west-1", &opts, &kenv, "http://kms.local:4000", "eu-west-1");
    assert_int_equal(endpoints_resolve(ENDPOINTS_KMS, "eu-west-1", &opts, &kenv, &r, &e), 0);
    assert_string_equal(r.source, "AWS_ENDPOINT_URL_KMS");
    opts.overrides[ENDPOINTS_KMS] = "http://127.0.0.1:4001";
    expect(ENDPOINTS_KMS, "eu-west-1", &opts, &kenv, "http://127.0.0.1:4001", "eu-west-1");

    /* AWS_IGNORE_CONFIGURED_ENDPOINT_URLS drops the variables, not the provider config. */
    struct fake_env ign = {{{"AWS_ENDPOINT_URL", "http://localhost:4566"},
                            {"AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true"}}};
    profile_env env2 = env_of(&ign);
    expect(ENDPOINTS_SAGEMAKER, "eu-west-1", &opts, &env2,
           "https://api.sagemaker.eu-west-1.amazonaws.com", "eu-west-1");
    expect(ENDPOINTS_STS, "eu-west-1", &opts, &env2, "https://sts.example.test/base", "eu-west-1");

    /* Bad overrides name their source, not the URL. */
    static const char *const bad[] = {"localhost:4566", "ftp://x",    "http://",
                                      "https:///path",  "http://a b", "http://x\r\nHost: y"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        endpoints_opts b = {0};
        b.overrides[ENDPOINTS_SAGEMAKER] = bad[i];
        assert_int_equal(endpoints_resolve(ENDPOINTS_SAGEMAKER, "us-east-1", &b, NULL, &r, &e), -1);
        assert_non_null(strstr(e.msg, "provider endpoints config"));
    }
    struct fake_env badenv = {{{"AWS_ENDPOINT_URL_IAM", "user:pw@host"}}};
    profile_env env3 = env_of(&badenv);
    assert_int_equal(endpoints_resolve(ENDPOINTS_IAM, "us-east-1", NULL, &env3, &r, &e), -1);
    assert_non_null(strstr(e.msg, "AWS_ENDPOINT_URL_IAM"));
    assert_null(strstr(e.msg, "pw"));
}

static void test_region_validation(void **state)
{
    err e = {0};
    endpoints_result r;
    endpoints_opts skip = {0};
    (void)state;

    static const char *const good[] = {"us-east-1",      "us-gov-west-1",  "ap-northeast-3",
                                       "us-isob-east-1", "eu-isoe-west-1", "xx-yy-zz-10"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        assert_int_equal(endpoints_validate_region(good[i], false, &e), 0);

    static const char *const bad[] = {"",           "us-east",    "useast1",    "us-1",
                                      "US-EAST-1",  "us-east-1a", "usa-east-1", "u-east-1",
                                      "us--east-1", "-us-east-1", "us-east-1-", "us-east1-1",
                                      "us-east-",   "aws-global", "local",      "us_east_1"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err_clear(&e);
        if (endpoints_validate_region(bad[i], false, &e) != -1)
            fail_msg("region \"%s\" passed validation", bad[i]);
        assert_int_equal(e.code, ERR_INVALID_ARGUMENT);
        assert_non_null(strstr(e.msg, "invalid AWS region"));
    }
    assert_int_equal(endpoints_validate_region("us-east", false, &e), -1);
    assert_non_null(strstr(e.msg, "\"us-east\""));
    assert_non_null(strstr(e.msg, "skipRegionValidation"));
    assert_non_null(strstr(e.msg, "[a-z]{2}"));

    /* skip: any host-safe label goes; host injection never does. */
    assert_int_equal(endpoints_validate_region("local", true, &e), 0);
    assert_int_equal(endpoints_validate_region("aws-global", true, &e), 0);
    static const char *const unsafe[] = {"",          "evil.com/", "a b", "us-east-1.evil.com",
                                         "US-EAST-1", "x:1"};
    for (size_t i = 0; i < sizeof unsafe / sizeof unsafe[0]; i++)
        assert_int_equal(endpoints_validate_region(unsafe[i], true, &e), -1);
    char longr[80];
    memset(longr, 'a', sizeof longr - 1);
    longr[sizeof longr - 1] = '\0';
    assert_int_equal(endpoints_validate_region(longr, true, &e), -1);
    assert_int_equal(endpoints_validate_region(NULL, true, &e), -1);

    skip.skip_region_validation = true;
    expect(ENDPOINTS_STS, "local", &skip, NULL, "https://sts.local.amazonaws.com", "local");
    assert_int_equal(endpoints_resolve(ENDPOINTS_STS, "local", NULL, NULL, &r, &e), -1);
    assert_non_null(strstr(e.msg, "\"local\""));
    assert_int_equal(endpoints_resolve((enum endpoints_service)9, "us-east-1", NULL, NULL, &r, &e),
                     -1);
}

static void test_region_precedence(void **state)
{
    char region[ENDPOINTS_MAX_REGION];
    const char *src;
    err e = {0};
    profile_set ps = {0};
    (void)state;

    static const char cfg[] = "[profile dev]\nregion = ap-south-2\n[default]\nregion = bogus\n";
    assert_int_equal(profile_file_parse(&ps.config, cfg, sizeof cfg - 1, PROFILE_CONFIG, "cfg", &e),
                     0);
    ps.name = "dev";

    struct fake_env both = {{{"AWS_REGION", "eu-west-1"}, {"AWS_DEFAULT_REGION", "eu-west-2"}}};
    struct fake_env dflt = {{{"AWS_DEFAULT_REGION", "eu-west-2"}, {"AWS_REGION", ""}}};
    struct fake_env none = {{{NULL, NULL}}};
    profile_env e_both = env_of(&both), e_dflt = env_of(&dflt), e_none = env_of(&none);

    assert_int_equal(
        endpoints_region("us-west-1", &ps, &e_both, false, region, sizeof region, &src, &e), 0);
    assert_string_equal(region, "us-west-1");
    assert_string_equal(src, "provider config");
    assert_int_equal(endpoints_region("", &ps, &e_both, false, region, sizeof region, &src, &e), 0);
    assert_string_equal(region, "eu-west-1");
    assert_string_equal(src, "AWS_REGION");
    assert_int_equal(endpoints_region(NULL, &ps, &e_dflt, false, region, sizeof region, &src, &e),
                     0);
    assert_string_equal(region, "eu-west-2");
    assert_string_equal(src, "AWS_DEFAULT_REGION");
    assert_int_equal(endpoints_region(NULL, &ps, &e_none, false, region, sizeof region, &src, &e),
                     0);
    assert_string_equal(region, "ap-south-2");
    assert_string_equal(src, "profile");

    /* Invalid values name their source. */
    ps.name = "default";
    assert_int_equal(endpoints_region(NULL, &ps, &e_none, false, region, sizeof region, &src, &e),
                     -1);
    assert_non_null(strstr(e.msg, "\"bogus\""));
    assert_non_null(strstr(e.msg, "profile \"default\""));
    assert_int_equal(endpoints_region(NULL, &ps, &e_none, true, region, sizeof region, &src, &e),
                     0);
    assert_string_equal(region, "bogus");
    struct fake_env badenv = {{{"AWS_REGION", "eu west 1"}}};
    profile_env e_bad = env_of(&badenv);
    assert_int_equal(endpoints_region(NULL, &ps, &e_bad, false, region, sizeof region, &src, &e),
                     -1);
    assert_non_null(strstr(e.msg, "(from AWS_REGION)"));

    /* Nothing anywhere: the error lists what was tried. */
    ps.name = "other";
    assert_int_equal(endpoints_region(NULL, &ps, &e_none, false, region, sizeof region, &src, &e),
                     -1);
    assert_int_equal(e.code, ERR_FAILED_PRECONDITION);
    assert_non_null(strstr(e.msg, "AWS_REGION"));
    assert_non_null(strstr(e.msg, "AWS_DEFAULT_REGION"));
    assert_non_null(strstr(e.msg, "profile \"other\""));
    assert_int_equal(endpoints_region(NULL, NULL, NULL, false, region, sizeof region, &src, &e),
                     -1);
    assert_non_null(strstr(e.msg, "profile \"default\""));

    ps.name = NULL;
    profile_set_free(&ps);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_partitions),
        cmocka_unit_test(test_standard_endpoints),
        cmocka_unit_test(test_fips),
        cmocka_unit_test(test_overrides),
        cmocka_unit_test(test_region_validation),
        cmocka_unit_test(test_region_precedence),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
