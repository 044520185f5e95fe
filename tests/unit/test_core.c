/* Registry, URN parsing, generic diff, status details, buffers, UTF-8, errors. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "resource.h"
#include "schema.h"
#include "status.h"
#include "util/buf.h"
#include "util/str.h"

static int noop_del(res_ctx *ctx, const char *id, const pv *props, err *e)
{
    return 0;
}

static const char *const replace_name[] = {"name", NULL};
static const resource_type fake_role = {
    .token = "test/fake:Fake", .del = noop_del, .replace_props = replace_name};

static void test_registry_accepts_both_packages(void **state)
{
    (void)state;
    err e = {0};
    assert_int_equal(registry_add(&fake_role), 0);
    assert_ptr_equal(registry_find("aws:test/fake:Fake", &e), &fake_role);
    assert_ptr_equal(registry_find("awsml:test/fake:Fake", &e), &fake_role);
    /* The built-in types answer to both packages too. */
    const resource_type *role = registry_find("aws:iam/role:Role", &e);
    assert_non_null(role);
    assert_ptr_equal(registry_find("awsml:iam/role:Role", &e), role);
    assert_null(registry_find("gcp:test/fake:Fake", &e));
    assert_non_null(strstr(e.msg, "'gcp:test/fake:Fake'"));
    assert_non_null(strstr(e.msg, "iam/role:Role")); /* the message lists what is served */
    assert_non_null(strstr(e.msg, "test/fake:Fake"));
    assert_int_equal(e.code, ERR_INVALID_ARGUMENT);
    assert_null(registry_find("aws:test/fake:Fakex", &e));
    assert_null(registry_find("awsmlx:test/fake:Fake", &e));
    assert_null(registry_find("nocolon", &e));
    assert_null(registry_find(NULL, &e));
}

static void test_urn_parts(void **state)
{
    (void)state;
    char type[128], name[128];
    assert_int_equal(registry_urn_parts("urn:pulumi:dev::proj::aws:iam/role:Role::my-role", type,
                                        sizeof(type), name, sizeof(name)),
                     0);
    assert_string_equal(type, "aws:iam/role:Role");
    assert_string_equal(name, "my-role");
    assert_int_equal(registry_urn_parts("urn:pulumi:dev::proj::my:comp:C$awsml:iam/role:Role::a::b",
                                        type, sizeof(type), name, sizeof(name)),
                     0);
    assert_string_equal(type, "awsml:iam/role:Role");
    assert_string_equal(name, "a::b");
    assert_int_equal(registry_urn_parts("not-a-urn", type, sizeof(type), name, sizeof(name)), -1);
    char tiny[4];
    assert_int_equal(registry_urn_parts("urn:pulumi:dev::proj::aws:iam/role:Role::r", tiny,
                                        sizeof(tiny), NULL, 0),
                     -1);
}

static void test_generic_diff(void **state)
{
    (void)state;
    pv *olds = pv_object(), *news = pv_object();
    pv_object_set(olds, "name", pv_string("a"));
    pv_object_set(olds, "desc", pv_string("d"));
    pv_object_set(olds, "gone", pv_string("g"));
    pv_object_set(olds, "nul", pv_null());
    pv_object_set(news, "name", pv_string("b"));
    pv_object_set(news, "desc", pv_string("d"));
    pv_object_set(news, "added", pv_bool(true));
    pv_object_set(news, "later", pv_unknown(PV_UNK_ANY));
    diff_result d = {0};
    err e = {0};
    assert_int_equal(diff_generic(&fake_role, olds, news, NULL, NULL, 0, &d, &e), 0);
    int seen = 0;
    for (size_t i = 0; i < d.len; i++) {
        const diff_entry *x = &d.entries[i];
        if (!strcmp(x->path, "name"))
            seen |= 1, assert_int_equal(x->kind, DIFF_UPDATE_REPLACE);
        else if (!strcmp(x->path, "added"))
            seen |= 2, assert_int_equal(x->kind, DIFF_ADD);
        else if (!strcmp(x->path, "later"))
            seen |= 4, assert_int_equal(x->kind, DIFF_ADD);
        else if (!strcmp(x->path, "gone"))
            seen |= 8, assert_int_equal(x->kind, DIFF_DELETE);
        else
            fail_msg("unexpected diff path %s", x->path);
    }
    assert_int_equal(seen, 15);
    assert_true(diff_has_replace(&d));
    diff_result_free(&d);
    /* ignoreChanges hides a key. */
    char *ignore[] = {"name", "gone", "added", "later"};
    assert_int_equal(diff_generic(&fake_role, olds, news, NULL, ignore, 4, &d, &e), 0);
    assert_int_equal(d.len, 0);
    diff_result_free(&d);
    pv_free(olds);
    pv_free(news);
}

static void test_init_failed_status_round_trip(void **state)
{
    (void)state;
    pv *props = pv_object();
    pv_object_set(props, "arn", pv_string("arn:aws:iam::123456789012:role/r"));
    pv_object_set(props, "token", pv_secret(pv_string("s")));
    pv *inputs = pv_object();
    pv_object_set(inputs, "name", pv_string("r"));
    uint8_t *bytes = NULL;
    size_t len = 0;
    assert_int_equal(status_pack_init_failed(ERR_UNKNOWN, "attaching policy failed", "r", props,
                                             inputs, &bytes, &len),
                     0);
    status_info si;
    assert_int_equal(status_unpack(bytes, len, &si), 0);
    assert_int_equal(si.code, ERR_UNKNOWN);
    assert_string_equal(si.message, "attaching policy failed");
    assert_true(si.has_init_failed);
    assert_string_equal(si.id, "r");
    assert_true(pv_equal(si.properties, props));
    assert_true(pv_equal(si.inputs, inputs));
    assert_int_equal(si.nreasons, 1);
    assert_string_equal(si.reasons[0], "attaching policy failed");
    status_info_free(&si);
    free(bytes);
    const uint8_t junk[] = {0xff, 0xff};
    assert_int_equal(status_unpack(junk, sizeof(junk), &si), -1);
    pv_free(props);
    pv_free(inputs);
}

static void test_buf_cap(void **state)
{
    (void)state;
    buf b;
    buf_init(&b, 8);
    assert_int_equal(buf_append_str(&b, "1234"), 0);
    assert_int_equal(buf_printf(&b, "%d", 5678), 0);
    assert_int_equal(buf_append_byte(&b, 'x'), -1); /* over the cap */
    assert_int_equal(b.len, 8);
    size_t n = 0;
    char *s = buf_take(&b, &n);
    assert_string_equal(s, "12345678");
    assert_int_equal(n, 8);
    assert_null(b.data);
    free(s);
    buf_free(&b);
    buf_free(&b); /* idempotent */
}

static void test_str_helpers(void **state)
{
    (void)state;
    char small[4];
    assert_int_equal(str_copy(small, sizeof(small), "abcdef"), 6);
    assert_string_equal(small, "abc");
    assert_true(str_utf8_valid("h\xc3\xa9llo \xf0\x9f\x98\x80", 11));
    assert_false(str_utf8_valid("\xc3", 1));             /* truncated */
    assert_false(str_utf8_valid("\xf4\x90\x80\x80", 4)); /* > U+10FFFF */
    assert_false(str_utf8_valid("\xc1\xbf", 2));         /* overlong */
    assert_true(str_has_prefix("awsml:x", "awsml:"));
    assert_false(str_eq("a", NULL));
}

static void test_err_set_may_quote_its_own_message(void **state)
{
    (void)state;
    err e = {0};
    err_set(&e, ERR_NOT_FOUND, "role %s not found", "r1");
    assert_int_equal(err_set(&e, e.code, "reading the role: %s", e.msg), -1);
    assert_string_equal(e.msg, "reading the role: role r1 not found");
    assert_int_equal(e.code, ERR_NOT_FOUND);
}

static void test_str_errno_fills_the_callers_buffer(void **state)
{
    (void)state;
    char b[STR_ERRNO_MAX];
    errno = EAGAIN;
    assert_ptr_equal(str_errno(ENOENT, b, sizeof(b)), b);
    assert_string_equal(b, "No such file or directory");
    assert_int_equal(errno, EAGAIN);
    /* a value the C library does not know still reads as something */
    str_errno(123456, b, sizeof(b));
    assert_non_null(strstr(b, "123456"));
    /* a short buffer is cut, never overrun */
    char small[6];
    memset(small, 'x', sizeof(small));
    str_errno(ENOENT, small, sizeof(small));
    assert_true(strlen(small) < sizeof(small));
    assert_string_equal(str_errno(ENOENT, NULL, 0), "");
}

static void test_plugin_version_follows_the_name_started_by(void **state)
{
    (void)state;
    schema_select("/opt/awsml/bin/pulumi-resource-awsml");
    assert_string_equal(schema_package(), "awsml");
    assert_string_equal(schema_plugin_version(), AWSML_VERSION);
    schema_select("/tmp/dropin/pulumi-resource-aws");
    assert_string_equal(schema_package(), "aws");
    const char *v = schema_plugin_version();
    assert_string_equal(v, AWSML_DROPIN_VERSION);
    /* <pulumi-aws version>+awsml.<awsml version> */
    const char *meta = strchr(v, '+');
    assert_non_null(meta);
    assert_string_equal(meta, "+awsml." AWSML_VERSION);
    schema_select("pulumi-resource-aws-old");
    assert_string_equal(schema_plugin_version(), AWSML_VERSION);
    schema_select(NULL);
    assert_string_equal(schema_plugin_version(), AWSML_VERSION);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_registry_accepts_both_packages),
        cmocka_unit_test(test_urn_parts),
        cmocka_unit_test(test_generic_diff),
        cmocka_unit_test(test_init_failed_status_round_trip),
        cmocka_unit_test(test_buf_cap),
        cmocka_unit_test(test_str_helpers),
        cmocka_unit_test(test_err_set_may_quote_its_own_message),
        cmocka_unit_test(test_str_errno_fills_the_callers_buffer),
        cmocka_unit_test(test_plugin_version_follows_the_name_started_by),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
