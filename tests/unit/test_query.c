/* Unit tests for provider/aws/query.c: the form body of IAM/STS requests,
 * RFC 3986 encoding of special characters, list members, tags, the size cap
 * and the "fail once, report at finish" contract. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "aws/query.h"

static void expect_body(query *q, const char *want)
{
    err e = {0};
    size_t len = 0;
    char *body = query_finish(q, &len, &e);
    if (!body)
        print_error("query_finish: %s\n", e.msg);
    assert_non_null(body);
    assert_string_equal(body, want);
    assert_int_equal(len, strlen(want));
    free(body);
}

static void test_action_only(void **state)
{
    (void)state;
    query q;
    assert_int_equal(query_init(&q, "GetCallerIdentity", "2011-06-15"), 0);
    expect_body(&q, "Action=GetCallerIdentity&Version=2011-06-15");
    query_free(&q); /* safe after finish */
}

static void test_special_characters(void **state)
{
    (void)state;
    query q;
    assert_int_equal(query_init(&q, "CreateRole", "2010-05-08"), 0);
    assert_int_equal(query_add(&q, "RoleName", "my-role_1.x~"), 0);
    assert_int_equal(query_add(&q, "Path", "/service role/"), 0);
    assert_int_equal(query_add(&q, "AssumeRolePolicyDocument",
                               "{\"Version\":\"2012-10-17\",\"a\":\"b+c=d&e*f\"}"),
                     0);
    assert_int_equal(query_add(&q, "Description", "caf\xc3\xa9 100%"), 0);
    assert_int_equal(query_add(&q, "Empty", ""), 0);
    expect_body(&q, "Action=CreateRole&Version=2010-05-08"
                    "&RoleName=my-role_1.x~"
                    "&Path=%2Fservice+role%2F"
                    "&AssumeRolePolicyDocument=%7B%22Version%22%3A%222012-10-17%22%2C%22a%22%3A"
                    "%22b%2Bc%3Dd%26e%2Af%22%7D"
                    "&Description=caf%C3%A9+100%25"
                    "&Empty=");
}

static void test_members_and_tags(void **state)
{
    (void)state;
    query q;
    assert_int_equal(query_init(&q, "CreateRole", "2010-05-08"), 0);
    assert_int_equal(query_add_tag(&q, "Tags", 1, "team", "ml ops"), 0);
    assert_int_equal(query_add_tag(&q, "Tags", 2, "aws:x", "a/b"), 0);
    assert_int_equal(query_add_member(&q, "TagKeys", 1, "team"), 0);
    assert_int_equal(query_add_member(&q, "TagKeys", 12, "env"), 0);
    expect_body(&q, "Action=CreateRole&Version=2010-05-08"
                    "&Tags.member.1.Key=team&Tags.member.1.Value=ml+ops"
                    "&Tags.member.2.Key=aws%3Ax&Tags.member.2.Value=a%2Fb"
                    "&TagKeys.member.1=team&TagKeys.member.12=env");
}

static void test_failure_is_sticky(void **state)
{
    (void)state;
    query q;
    err e = {0};
    size_t len = 99;
    assert_int_equal(query_init(&q, "GetRole", "2010-05-08"), 0);
    assert_int_equal(query_add(&q, "RoleName", NULL), -1);
    /* Later adds are refused without touching the body; finish reports it. */
    assert_int_equal(query_add(&q, "RoleName", "ok"), -1);
    assert_int_equal(query_add_member(&q, "L", 1, "v"), -1);
    assert_null(query_finish(&q, &len, &e));
    assert_int_equal(len, 0);
    assert_int_not_equal(e.code, ERR_OK);
    assert_non_null(strstr(e.msg, "query:"));

    assert_int_equal(query_init(&q, "GetRole", "2010-05-08"), 0);
    assert_int_equal(query_add_member(&q, "L", 0, "v"), -1); /* members count from 1 */
    assert_null(query_finish(&q, NULL, &e));

    assert_int_equal(query_init(&q, NULL, "2010-05-08"), -1);
    assert_null(query_finish(&q, NULL, &e));
}

static void test_cap(void **state)
{
    (void)state;
    /* 1 MiB of spaces encodes to 3 MiB: over the 2 MiB body cap. */
    size_t n = (size_t)1024 * 1024;
    char *big = malloc(n + 1);
    assert_non_null(big);
    memset(big, ' ', n);
    big[n] = '\0';
    query q;
    err e = {0};
    assert_int_equal(query_init(&q, "PutRolePolicy", "2010-05-08"), 0);
    assert_int_equal(query_add(&q, "PolicyDocument", big), -1);
    assert_null(query_finish(&q, NULL, &e));
    assert_int_equal(e.code, ERR_INVALID_ARGUMENT);
    assert_non_null(strstr(e.msg, "larger than"));

    /* Many small adds hit the same cap. */
    memset(big, 'a', 1000);
    big[1000] = '\0';
    assert_int_equal(query_init(&q, "PutRolePolicy", "2010-05-08"), 0);
    int rc = 0;
    for (int i = 0; i < 3000 && rc == 0; i++)
        rc = query_add(&q, "K", big);
    assert_int_equal(rc, -1);
    assert_null(query_finish(&q, NULL, &e));
    assert_int_equal(e.code, ERR_INVALID_ARGUMENT);

    /* A realistic policy document (10 KiB) fits easily. */
    memset(big, '{', 10 * 1024);
    big[10 * 1024] = '\0';
    assert_int_equal(query_init(&q, "PutRolePolicy", "2010-05-08"), 0);
    assert_int_equal(query_add(&q, "PolicyDocument", big), 0);
    size_t len = 0;
    char *body = query_finish(&q, &len, &e);
    assert_non_null(body);
    assert_int_equal(len, strlen("Action=PutRolePolicy&Version=2010-05-08&PolicyDocument=") +
                              3 * 10 * 1024);
    free(body);
    free(big);
}

static void test_free_without_finish(void **state)
{
    (void)state;
    query q;
    assert_int_equal(query_init(&q, "GetRole", "2010-05-08"), 0);
    assert_int_equal(query_add(&q, "RoleName", "r"), 0);
    query_free(&q);
    query_free(&q);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_action_only),
        cmocka_unit_test(test_special_characters),
        cmocka_unit_test(test_members_and_tags),
        cmocka_unit_test(test_failure_is_sticky),
        cmocka_unit_test(test_cap),
        cmocka_unit_test(test_free_without_finish),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
