/* IAM policy equivalence (no perpetual diffs on equivalent JSON), the URL
 * decoding of IAM's documents, and the shared validation and tag helpers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "resources/common.h"
#include "resources/policy.h"

#define TRUST                                                                                      \
    "{\"Version\": \"2012-10-17\", \"Statement\": [{\"Effect\": \"Allow\", \"Principal\": "        \
    "{\"Service\": \"sagemaker.amazonaws.com\"}, \"Action\": \"sts:AssumeRole\"}]}"

static void test_equivalent_forms(void **state)
{
    (void)state;
    /* key order, whitespace, scalar vs list, Statement object vs list */
    assert_true(policy_equivalent(
        TRUST, "{\"Statement\":{\"Action\":[\"sts:AssumeRole\"],\"Principal\":{\"Service\":"
               "[\"sagemaker.amazonaws.com\"]},\"Effect\":\"Allow\"},\"Version\":\"2012-10-17\"}"));
    /* set semantics for Action and Resource, duplicates dropped */
    assert_true(policy_equivalent(
        "{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":[\"s3:Get*\",\"s3:List*\"],"
        "\"Resource\":[\"arn:b\",\"arn:a\"]}]}",
        "{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":[\"s3:List*\",\"s3:Get*\",\"s3:Get*\"],"
        "\"Resource\":[\"arn:a\",\"arn:b\"]}]}"));
    /* statement order */
    assert_true(policy_equivalent("{\"Statement\":[{\"Sid\":\"a\",\"Effect\":\"Allow\"},{\"Sid\":"
                                  "\"b\",\"Effect\":\"Deny\"}]}",
                                  "{\"Statement\":[{\"Sid\":\"b\",\"Effect\":\"Deny\"},{\"Sid\":"
                                  "\"a\",\"Effect\":\"Allow\"}]}"));
    /* "Principal": "*" is {"AWS": "*"} */
    assert_true(policy_equivalent("{\"Statement\":[{\"Principal\":\"*\"}]}",
                                  "{\"Statement\":[{\"Principal\":{\"AWS\":[\"*\"]}}]}"));
    /* condition values: scalar vs list */
    assert_true(policy_equivalent(
        "{\"Statement\":[{\"Condition\":{\"StringEquals\":{\"aws:SourceAccount\":\"1\"}}}]}",
        "{\"Statement\":[{\"Condition\":{\"StringEquals\":{\"aws:SourceAccount\":[\"1\"]}}}]}"));
}

static void test_real_differences(void **state)
{
    (void)state;
    assert_false(policy_equivalent(TRUST, "{\"Version\": \"2012-10-17\", \"Statement\": "
                                          "[{\"Effect\": \"Deny\", \"Principal\": {\"Service\": "
                                          "\"sagemaker.amazonaws.com\"}, \"Action\": "
                                          "\"sts:AssumeRole\"}]}"));
    assert_false(policy_equivalent("{\"Statement\":[{\"Action\":[\"a\",\"b\"]}]}",
                                   "{\"Statement\":[{\"Action\":[\"a\"]}]}"));
    assert_false(policy_equivalent(TRUST, "not json"));
    assert_false(policy_equivalent("[1,2]", "[1,2]")); /* not a policy (and nothing leaks) */
    assert_false(policy_equivalent(NULL, TRUST));
}

static void test_check_and_decode(void **state)
{
    (void)state;
    char why[160];
    assert_int_equal(policy_check(TRUST, why, sizeof(why)), 0);
    assert_int_equal(policy_check("[1]", why, sizeof(why)), -1);
    assert_non_null(strstr(why, "JSON object"));
    assert_int_equal(policy_check("{", why, sizeof(why)), -1);
    assert_non_null(strstr(why, "valid JSON"));
    /* Found by fuzzing: repeated keys had no stable canonical form. */
    const char *dup = "{\"Statement\":{\"Action\":\"b\"},\"Statement\":{\"Action\":\"a\"}}";
    assert_int_equal(policy_check(dup, why, sizeof(why)), -1);
    assert_non_null(strstr(why, "repeats the key \"Statement\""));
    assert_false(policy_equivalent(dup, dup));
    assert_int_equal(
        policy_check("{\"Statement\":[{\"Action\":\"a\",\"Action\":\"b\"}]}", why, sizeof(why)),
        -1);
    char *d = NULL;
    err e = {0};
    assert_int_equal(policy_url_decode("%7B%22a%22%3A%20%22b+c%22%7D%", &d, &e), 0);
    assert_string_equal(d, "{\"a\": \"b c\"}%");
    free(d);
}

static void test_autoname(void **state)
{
    (void)state;
    unsigned char seed[32] = {1, 2, 3};
    res_ctx ctx = {.name = "SageMakerRole", .random_seed = seed, .random_seed_len = 32};
    char *a = NULL, *b = NULL;
    err e = {0};
    assert_int_equal(autoname(&ctx, NULL, "name", NULL, 64, &a, &e), 0);
    assert_int_equal(autoname(&ctx, NULL, "name", NULL, 64, &b, &e), 0);
    assert_string_equal(a, b); /* same seed, same name */
    assert_int_equal(strlen(a), strlen("SageMakerRole") + 8);
    assert_memory_equal(a, "SageMakerRole-", 14);
    free(b);
    pv *olds = pv_object();
    pv_object_set(olds, "name", pv_string("kept-name"));
    assert_int_equal(autoname(&ctx, olds, "name", NULL, 64, &b, &e), 0);
    assert_string_equal(b, "kept-name");
    free(b);
    assert_int_equal(autoname(&ctx, NULL, "name", "pre-", 64, &b, &e), 0);
    assert_int_equal(strlen(b), 4 + 26);
    free(b);
    ctx.name = "a-very-long-logical-name-that-goes-on-and-on-and-on-beyond-sixty-four";
    assert_int_equal(autoname(&ctx, NULL, "name", NULL, 64, &b, &e), 0);
    assert_int_equal(strlen(b), 64);
    free(b);
    free(a);
    pv_free(olds);
}

static void test_autonaming_modes(void **state)
{
    (void)state;
    unsigned char seed[32] = {9};
    res_ctx ctx = {.name = "r",
                   .random_seed = seed,
                   .random_seed_len = 32,
                   .autonaming = RES_AUTONAME_PROPOSE,
                   .proposed_name = "proposed-name"};
    pv *olds = pv_object();
    pv_object_set(olds, "name", pv_string("old-name"));
    char *n = NULL;
    err e = {0};
    assert_int_equal(autoname(&ctx, NULL, "name", NULL, 64, &n, &e), 0);
    assert_string_equal(n, "proposed-name");
    free(n);
    assert_int_equal(autoname(&ctx, olds, "name", NULL, 64, &n, &e), 0);
    assert_string_equal(n, "old-name"); /* a proposal never renames an existing resource */
    free(n);
    assert_int_equal(autoname(&ctx, NULL, "name", NULL, 8, &n, &e), 0);
    assert_string_equal(n, "proposed"); /* adjusted to the limit */
    free(n);
    ctx.autonaming = RES_AUTONAME_ENFORCE;
    assert_int_equal(autoname(&ctx, olds, "name", NULL, 64, &n, &e), 0);
    assert_string_equal(n, "proposed-name");
    free(n);
    assert_int_equal(autoname(&ctx, NULL, "name", NULL, 8, &n, &e), -1);
    assert_non_null(strstr(e.msg, "must be 1 to 8 characters"));
    ctx.autonaming = RES_AUTONAME_DISABLE;
    assert_int_equal(autoname(&ctx, NULL, "name", NULL, 64, &n, &e), -1);
    assert_non_null(strstr(e.msg, "'name' is required"));
    pv_free(olds);
}

static void test_tags_without_config(void **state)
{
    (void)state;
    pv *tags = pv_object();
    pv_object_set(tags, "team", pv_string("ml"));
    pv_object_set(tags, "aws:cloudformation:stack", pv_string("x"));
    pv *all = NULL;
    err e = {0};
    res_ctx ctx = {.name = "r"}; /* no configuration: no default or ignored tags */
    assert_int_equal(tags_all(&ctx, tags, &all, &e), 0);
    assert_int_equal(all->u.obj.len, 1); /* aws: keys are AWS's own */
    assert_string_equal(pv_object_get(all, "team")->u.str.s, "ml");
    pv_free(all);
    pv_object_set(tags, "later", pv_unknown(PV_UNK_ANY));
    assert_int_equal(tags_all(&ctx, tags, &all, &e), 0);
    assert_int_equal(all->kind, PV_UNKNOWN);
    pv_free(all);
    pv *own = NULL;
    assert_int_equal(tags_from_actual(&ctx, tags, &own, &all, &e), 0);
    assert_null(pv_object_get(own, "aws:cloudformation:stack"));
    pv_free(own);
    pv_free(all);
    pv_free(tags);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_equivalent_forms), cmocka_unit_test(test_real_differences),
        cmocka_unit_test(test_check_and_decode), cmocka_unit_test(test_autoname),
        cmocka_unit_test(test_autonaming_modes), cmocka_unit_test(test_tags_without_config),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
