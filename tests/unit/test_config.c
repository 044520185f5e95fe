/* Unit tests for provider/config.c's keys: the C list of provider config keys
 * is the embedded schema's, the engine's own keys are accepted, and an
 * unknown key is a problem of CheckConfig (with the key it most likely meant)
 * but only a warning at Configure. (Every value rule runs over gRPC in
 * tests/integration/test_check_config.py.) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>
#include <cmocka.h>

#include "config.h"
#include "fake_env.h"
#include "schema.h"

static bool in_c_list(const char *key)
{
    for (size_t i = 0; config_keys[i]; i++)
        if (strcmp(config_keys[i], key) == 0)
            return true;
    return false;
}

/* The schema's keys in `section` (config.variables or provider.inputProperties)
 * and the C list are the same set. */
static void same_keys(const cJSON *section)
{
    size_t n_schema = 0, n_c = 0;
    assert_non_null(section);
    for (const cJSON *k = section->child; k; k = k->next, n_schema++)
        if (!in_c_list(k->string))
            fail_msg("schema key %s is missing from config_keys", k->string);
    for (; config_keys[n_c]; n_c++)
        if (!cJSON_GetObjectItemCaseSensitive(section, config_keys[n_c]))
            fail_msg("config_keys has %s, which the schema does not", config_keys[n_c]);
    assert_int_equal(n_schema, n_c);
}

static void test_keys_are_the_schemas(void **state)
{
    (void)state;
    schema_select("pulumi-resource-awsml");
    cJSON *root = cJSON_Parse(schema_json());
    assert_non_null(root);
    same_keys(cJSON_GetObjectItem(cJSON_GetObjectItem(root, "config"), "variables"));
    same_keys(cJSON_GetObjectItem(cJSON_GetObjectItem(root, "provider"), "inputProperties"));
    cJSON_Delete(root);
}

static void test_known_keys(void **state)
{
    (void)state;
    static const char *const known[] = {
        "region",     "maxRetries",        "assumeRole",
        "version",    "pluginDownloadURL", "pluginChecksums",
        "__internal", "__anything",        "pulumi:disable-default-providers",
    };
    static const char *const unknown[] = {"regoin", "Region", "s3UsePathStyle", "", "_x", "pulumi"};
    for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
        if (!config_key_known(known[i]))
            fail_msg("%s is not known", known[i]);
    for (size_t i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++)
        if (config_key_known(unknown[i]))
            fail_msg("%s is known", unknown[i]);
}

static void test_suggestions(void **state)
{
    (void)state;
    static const char *const cases[][2] = {
        {"regoin", "region"},
        {"Region", "region"},
        {"regin", "region"},
        {"REGION", "region"},
        {"skip_credentials_validation", "skipCredentialsValidation"},
        {"max-retries", "maxRetries"},
        {"maxRetrys", "maxRetries"},
        {"assumeRol", "assumeRoles"},
        {"sharedCredentialsFile", "sharedCredentialsFiles"},
        {"tokne", "token"},
        {"defualtTags", "defaultTags"},
        {"proifle", "profile"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const char *got = config_key_suggest(cases[i][0]);
        if (!got || strcmp(got, cases[i][1]) != 0)
            fail_msg("%s: suggested %s, want %s", cases[i][0], got ? got : "nothing", cases[i][1]);
    }
    static const char *const far[] = {"s3UsePathStyle", "x", "", "regionsss",
                                      "endpointsUrlOverride"};
    for (size_t i = 0; i < sizeof(far) / sizeof(far[0]); i++) {
        const char *got = config_key_suggest(far[i]);
        if (got)
            fail_msg("%s: suggested %s, want nothing", far[i], got);
    }
    char lng[300];
    memset(lng, 'r', sizeof(lng) - 1);
    lng[sizeof(lng) - 1] = '\0';
    assert_null(config_key_suggest(lng));
}

static pv *config_with(const char *key, pv *v)
{
    pv *c = pv_object();
    assert_int_equal(pv_object_set(c, "region", pv_string("us-east-1")), 0);
    assert_int_equal(pv_object_set(c, "version", pv_string("1.2.3")), 0);
    assert_int_equal(pv_object_set(c, "__internal", pv_object()), 0);
    assert_int_equal(pv_object_set(c, key, v), 0);
    return c;
}

static void test_unknown_key_is_a_check_problem_only(void **state)
{
    (void)state;
    struct fake_env fe = {{{"AWS_EC2_METADATA_DISABLED", "true"}}};
    profile_env env = env_of(&fe);
    pv *given = config_with("maxRetires", pv_number(3));
    config_settings *c = NULL;
    config_problems p = {0};
    err e = {0};

    assert_int_equal(config_load(given, &env, CONFIG_CHECK, &c, &p, &e), 0);
    assert_int_equal(p.len, 1);
    assert_string_equal(p.items[0].key, "maxRetires");
    assert_int_equal(p.items[0].code, ERR_INVALID_ARGUMENT);
    assert_string_equal(p.items[0].reason,
                        "unknown provider config key 'maxRetires': did you mean maxRetries?");
    config_free(c);
    config_problems_free(&p);

    /* Configure warns and goes on. */
    assert_int_equal(config_load(given, &env, CONFIG_CONFIGURE, &c, &p, &e), 0);
    assert_int_equal(p.len, 0);
    config_free(c);
    pv_free(given);

    /* No key close enough: the reason says where the keys are; a null value is
     * no setting at all. */
    given = config_with("s3UsePathStyle", pv_bool(true));
    assert_int_equal(pv_object_set(given, "regoin", pv_null()), 0);
    assert_int_equal(config_load(given, &env, CONFIG_CHECK, &c, &p, &e), 0);
    assert_int_equal(p.len, 1);
    assert_string_equal(p.items[0].key, "s3UsePathStyle");
    assert_non_null(strstr(p.items[0].reason, "unknown provider config key 's3UsePathStyle'"));
    assert_null(strstr(p.items[0].reason, "did you mean"));
    config_free(c);
    config_problems_free(&p);
    pv_free(given);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_keys_are_the_schemas),
        cmocka_unit_test(test_known_keys),
        cmocka_unit_test(test_suggestions),
        cmocka_unit_test(test_unknown_key_is_a_check_problem_only),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
