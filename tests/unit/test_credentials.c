/* The credential chain: precedence, profiles with roles and processes,
 * provider assumeRoles, container and instance-metadata credentials (from
 * tests/support/fault_server.py on loopback), caching across threads, and
 * errors that list what was tried and never hold a secret. STS is replaced by
 * a fake through the creds_sts interface; the real STS path is covered
 * against moto in tests/integration/test_aws_moto.py. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include <pthread.h>

#include "aws/credentials.h"
#include "aws/credentials_parse.h"
#include "fake_env.h"
#include "fault_server.h"

#define SECRET "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"

static fault_server server;
static http_client *http;
static char tmpdir[] = "/tmp/awsml-creds-XXXXXX";

/* ---- a fake STS --------------------------------------------------------- */

typedef struct fake_sts {
    pthread_mutex_t lock;
    int calls;
    long ttl; /* lifetime of issued credentials */
    char last_base[CREDS_MAX_KEY];
    char last_role[256];
} fake_sts;

static int fake_assume(void *ctx, const aws_credentials *base, const creds_assume_role *ar,
                       aws_credentials *out, err *e)
{
    fake_sts *f = ctx;
    pthread_mutex_lock(&f->lock);
    int n = ++f->calls;
    snprintf(f->last_base, sizeof(f->last_base), "%s", base->access_key_id);
    snprintf(f->last_role, sizeof(f->last_role), "%s", ar->role_arn);
    pthread_mutex_unlock(&f->lock);
    if (strstr(ar->role_arn, "denied"))
        return err_set(e, ERR_PERMISSION_DENIED, "sts AssumeRole failed: AccessDenied");
    memset(out, 0, sizeof(*out));
    snprintf(out->access_key_id, sizeof(out->access_key_id), "ASIAROLE%d", n);
    snprintf(out->secret_access_key, sizeof(out->secret_access_key), "role-secret-%d", n);
    snprintf(out->session_token, sizeof(out->session_token), "role-token-%d", n);
    out->expires = time(NULL) + f->ttl;
    return 0;
}

static fake_sts sts = {.lock = PTHREAD_MUTEX_INITIALIZER, .ttl = 3600};

static void sts_reset(long ttl)
{
    sts.calls = 0;
    sts.ttl = ttl;
    sts.last_base[0] = sts.last_role[0] = '\0';
}

/* ---- helpers ---------------------------------------------------------------- */

static char *write_file(const char *name, const char *content)
{
    static char path[512];
    snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(content, f);
    fclose(f);
    return path;
}

/* Resolves once with the given config pieces; returns the rc and fills out/e. */
static int resolve(creds_config *cfg, aws_credentials *out, err *e)
{
    creds_provider *p = NULL;
    cfg->http = http;
    cfg->sts.assume_role = fake_assume;
    cfg->sts.ctx = &sts;
    assert_int_equal(creds_provider_new(cfg, &p, e), 0);
    int rc = creds_get(p, NULL, NULL, out, e);
    creds_provider_free(p);
    return rc;
}

static void load_profiles(profile_set *ps, const char *creds_path, const char *profile,
                          const profile_env *env)
{
    const char *files[1] = {creds_path};
    profile_opts o = {.credentials_files = files, .n_credentials_files = 1, .profile = profile};
    err e = {0};
    assert_int_equal(profile_load(ps, &o, env, &e), 0);
}

static int group_setup(void **state)
{
    (void)state;
    if (!mkdtemp(tmpdir))
        return -1;
    setenv("FAULT_ACCESS_KEY_ID", "ASIAFROMFAULTSERVER", 1);
    setenv("FAULT_SECRET_ACCESS_KEY", SECRET, 1);
    setenv("FAULT_ECS_AUTH", "container-auth-token", 1);
    if (fault_server_start(&server, false) != 0)
        return -1;
    http_options o = {.connect_timeout_ms = 3000, .timeout_ms = 10000, .http_proxy = ""};
    err e = {0};
    return http_client_new(&o, &http, &e);
}

static int group_teardown(void **state)
{
    (void)state;
    http_client_free(http);
    fault_server_stop(&server);
    char cmd[600];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

/* ---- tests ------------------------------------------------------------------------ */

static void test_config_beats_environment(void **state)
{
    (void)state;
    struct fake_env fe = {
        {{"AWS_ACCESS_KEY_ID", "AKIAENV"}, {"AWS_SECRET_ACCESS_KEY", "envsecret"}}};
    profile_env env = env_of(&fe);
    aws_credentials c;
    err e = {0};
    creds_config cfg = {.access_key = "AKIACONFIG", .secret_key = SECRET, .env = &env};
    assert_int_equal(resolve(&cfg, &c, &e), 0);
    assert_string_equal(c.access_key_id, "AKIACONFIG");
    assert_string_equal(c.secret_access_key, SECRET);
    assert_non_null(strstr(c.source, "provider config"));
    assert_int_equal(c.expires, 0);

    creds_config envonly = {.env = &env};
    assert_int_equal(resolve(&envonly, &c, &e), 0);
    assert_string_equal(c.access_key_id, "AKIAENV");
    assert_non_null(strstr(c.source, "environment"));
}

static void test_half_set_keys_are_errors(void **state)
{
    (void)state;
    struct fake_env fe = {{{"AWS_SECRET_ACCESS_KEY", SECRET}}};
    profile_env env = env_of(&fe);
    aws_credentials c;
    err e = {0};
    creds_config cfg = {.access_key = "AKIACONFIG", .env = &env};
    assert_int_equal(resolve(&cfg, &c, &e), -1);
    assert_non_null(strstr(e.msg, "accessKey but not secretKey"));
    creds_config envcfg = {.env = &env};
    assert_int_equal(resolve(&envcfg, &c, &e), -1);
    assert_non_null(strstr(e.msg, "AWS_SECRET_ACCESS_KEY but not AWS_ACCESS_KEY_ID"));
    assert_null(strstr(e.msg, SECRET));
}

static void test_profile_static_and_role(void **state)
{
    (void)state;
    struct fake_env fe = {{{"AWS_EC2_METADATA_DISABLED", "true"}}};
    profile_env env = env_of(&fe);
    char *path = write_file("credentials",
                            "[base]\naws_access_key_id = AKIABASE\naws_secret_access_key = " SECRET
                            "\n\n[ml]\nrole_arn = arn:aws:iam::123456789012:role/ml\n"
                            "source_profile = base\nexternal_id = ext\n\n"
                            "[loop]\nrole_arn = arn:aws:iam::1:role/x\nsource_profile = loop2\n"
                            "[loop2]\nrole_arn = arn:aws:iam::1:role/y\nsource_profile = loop\n");
    aws_credentials c;
    err e = {0};
    profile_set ps;
    load_profiles(&ps, path, "base", &env);
    creds_config cfg = {.profiles = &ps, .env = &env};
    assert_int_equal(resolve(&cfg, &c, &e), 0);
    assert_string_equal(c.access_key_id, "AKIABASE");
    profile_set_free(&ps);

    sts_reset(3600);
    load_profiles(&ps, path, "ml", &env);
    cfg.profiles = &ps;
    assert_int_equal(resolve(&cfg, &c, &e), 0);
    assert_string_equal(c.access_key_id, "ASIAROLE1");
    assert_string_equal(sts.last_base, "AKIABASE");
    assert_string_equal(sts.last_role, "arn:aws:iam::123456789012:role/ml");
    assert_non_null(strstr(c.source, "profile 'ml'"));
    profile_set_free(&ps);

    load_profiles(&ps, path, "loop", &env);
    cfg.profiles = &ps;
    assert_int_equal(resolve(&cfg, &c, &e), -1);
    assert_non_null(strstr(e.msg, "cycle"));
    profile_set_free(&ps);
}

static void test_credential_process(void **state)
{
    (void)state;
    struct fake_env fe = {{{"AWS_EC2_METADATA_DISABLED", "true"}}};
    profile_env env = env_of(&fe);
    char *path = write_file(
        "credentials-process",
        "[proc]\ncredential_process = printf '{\"Version\": 1, \"AccessKeyId\": \"AKIAPROC\", "
        "\"SecretAccessKey\": \"" SECRET "\", \"SessionToken\": \"tok\", \"Expiration\": "
        "\"2099-01-01T00:00:00Z\"}'\n\n"
        "[fails]\ncredential_process = sh -c 'echo " SECRET "; exit 3'\n");
    aws_credentials c;
    err e = {0};
    profile_set ps;
    load_profiles(&ps, path, "proc", &env);
    creds_config cfg = {.profiles = &ps, .env = &env};
    assert_int_equal(resolve(&cfg, &c, &e), 0);
    assert_string_equal(c.access_key_id, "AKIAPROC");
    assert_string_equal(c.session_token, "tok");
    assert_int_equal(c.expires, creds_parse_time("2099-01-01T00:00:00Z"));
    profile_set_free(&ps);

    load_profiles(&ps, path, "fails", &env);
    cfg.profiles = &ps;
    assert_int_equal(resolve(&cfg, &c, &e), -1);
    assert_non_null(strstr(e.msg, "exit status 3"));
    assert_null(strstr(e.msg, SECRET)); /* its output never reaches a message */
    profile_set_free(&ps);
}

static void test_assume_roles_chain_in_order(void **state)
{
    (void)state;
    struct fake_env fe = {{{0}}};
    profile_env env = env_of(&fe);
    creds_assume_role roles[2] = {{.role_arn = "arn:aws:iam::1:role/first"},
                                  {.role_arn = "arn:aws:iam::2:role/second"}};
    aws_credentials c;
    err e = {0};
    sts_reset(3600);
    creds_config cfg = {.access_key = "AKIASTART",
                        .secret_key = SECRET,
                        .env = &env,
                        .assume_roles = roles,
                        .n_assume_roles = 2};
    assert_int_equal(resolve(&cfg, &c, &e), 0);
    assert_int_equal(sts.calls, 2);
    assert_string_equal(sts.last_base, "ASIAROLE1"); /* the second assumed from the first */
    assert_string_equal(c.access_key_id, "ASIAROLE2");
    assert_non_null(strstr(c.source, "assumeRoles[1]"));

    creds_assume_role denied[1] = {{.role_arn = "arn:aws:iam::1:role/denied"}};
    cfg.assume_roles = denied;
    cfg.n_assume_roles = 1;
    assert_int_equal(resolve(&cfg, &c, &e), -1);
    assert_non_null(strstr(e.msg, "assumeRoles[0] (arn:aws:iam::1:role/denied)"));
    assert_non_null(strstr(e.msg, "AccessDenied"));
    assert_null(strstr(e.msg, SECRET));
}

static void test_nothing_found_lists_what_was_tried(void **state)
{
    (void)state;
    struct fake_env fe = {{{"AWS_EC2_METADATA_DISABLED", "true"}}};
    profile_env env = env_of(&fe);
    char *path = write_file("empty", "");
    profile_set ps;
    load_profiles(&ps, path, NULL, &env);
    aws_credentials c;
    err e = {0};
    creds_config cfg = {.profiles = &ps, .env = &env};
    assert_int_equal(resolve(&cfg, &c, &e), -1);
    assert_int_equal(e.code, ERR_UNAUTHENTICATED);
    static const char *const tried[] = {"provider config",
                                        "environment",
                                        "web identity",
                                        "profile 'default'",
                                        "container credentials",
                                        "EC2 instance metadata (turned off by "
                                        "AWS_EC2_METADATA_DISABLED)"};
    for (size_t i = 0; i < sizeof(tried) / sizeof(tried[0]); i++)
        if (!strstr(e.msg, tried[i]))
            fail_msg("'%s' not in: %s", tried[i], e.msg);
    profile_set_free(&ps);
}

static void test_instance_metadata_v2(void **state)
{
    (void)state;
    char base[64];
    snprintf(base, sizeof(base), "http://127.0.0.1:%d", server.port);
    struct fake_env fe = {{{"AWS_EC2_METADATA_SERVICE_ENDPOINT", base}}};
    profile_env env = env_of(&fe);
    aws_credentials c;
    err e = {0};
    creds_config cfg = {.env = &env};
    assert_int_equal(resolve(&cfg, &c, &e), 0);
    assert_string_equal(c.access_key_id, "ASIAFROMFAULTSERVER");
    assert_string_equal(c.secret_access_key, SECRET);
    assert_true(c.expires > time(NULL));
    assert_non_null(strstr(c.source, "EC2 instance metadata (role fault-instance-role)"));
    /* skipMetadataApiCheck turns it off. */
    cfg.skip_metadata_api_check = true;
    assert_int_equal(resolve(&cfg, &c, &e), -1);
    assert_non_null(strstr(e.msg, "turned off by skipMetadataApiCheck"));
}

static void test_container_credentials(void **state)
{
    (void)state;
    char uri[96];
    snprintf(uri, sizeof(uri), "http://127.0.0.1:%d/ecs/creds", server.port);
    struct fake_env fe = {{{"AWS_CONTAINER_CREDENTIALS_FULL_URI", uri},
                           {"AWS_CONTAINER_AUTHORIZATION_TOKEN", "container-auth-token"},
                           {"AWS_EC2_METADATA_DISABLED", "true"}}};
    profile_env env = env_of(&fe);
    aws_credentials c;
    err e = {0};
    creds_config cfg = {.env = &env};
    assert_int_equal(resolve(&cfg, &c, &e), 0);
    assert_string_equal(c.access_key_id, "ASIAFROMFAULTSERVER");
    assert_non_null(strstr(c.source, "container"));
    /* A wrong token is refused by the endpoint, and said so. */
    fe.vars[1][1] = "wrong-token";
    assert_int_equal(resolve(&cfg, &c, &e), -1);
    assert_non_null(strstr(e.msg, "container credentials"));
    /* A plain-http FULL_URI to a non-local host is refused before any request. */
    fe.vars[0][1] = "http://example.com/creds";
    assert_int_equal(resolve(&cfg, &c, &e), -1);
    assert_non_null(strstr(e.msg, "must be https or a loopback"));
}

typedef struct shared {
    creds_provider *p;
    int failures;
} shared;

static void *get_many(void *arg)
{
    shared *s = arg;
    for (int i = 0; i < 20; i++) {
        aws_credentials c;
        err e = {0};
        if (creds_get(s->p, NULL, NULL, &c, &e) != 0 || strcmp(c.access_key_id, "ASIAROLE1") != 0)
            __atomic_add_fetch(&s->failures, 1, __ATOMIC_SEQ_CST);
        creds_wipe(&c);
    }
    return NULL;
}

static void test_cache_is_shared_and_refreshed(void **state)
{
    (void)state;
    struct fake_env fe = {{{0}}};
    profile_env env = env_of(&fe);
    creds_assume_role roles[1] = {{.role_arn = "arn:aws:iam::1:role/cached"}};
    creds_config cfg = {.access_key = "AKIASTART",
                        .secret_key = SECRET,
                        .env = &env,
                        .assume_roles = roles,
                        .n_assume_roles = 1,
                        .http = http,
                        .sts = {fake_assume, NULL, &sts}};
    shared s = {0};
    err e = {0};
    sts_reset(3600);
    assert_int_equal(creds_provider_new(&cfg, &s.p, &e), 0);
    pthread_t t[8];
    for (int i = 0; i < 8; i++)
        assert_int_equal(pthread_create(&t[i], NULL, get_many, &s), 0);
    for (int i = 0; i < 8; i++)
        pthread_join(t[i], NULL);
    assert_int_equal(s.failures, 0);
    assert_int_equal(sts.calls, 1); /* 160 gets, one STS call */
    creds_provider_free(s.p);

    /* Credentials inside the refresh margin are fetched again each time. */
    sts_reset(CREDS_REFRESH_MARGIN_S - 10);
    assert_int_equal(creds_provider_new(&cfg, &s.p, &e), 0);
    aws_credentials c;
    assert_int_equal(creds_get(s.p, NULL, NULL, &c, &e), 0);
    assert_int_equal(creds_get(s.p, NULL, NULL, &c, &e), 0);
    assert_int_equal(sts.calls, 2);
    assert_string_equal(c.access_key_id, "ASIAROLE2");
    creds_provider_free(s.p);
}

static void test_parse_time(void **state)
{
    (void)state;
    assert_int_equal(creds_parse_time("1970-01-01T00:01:00Z"), 60);
    assert_int_equal(creds_parse_time("1970-01-01T00:01:00.123Z"), 60);
    assert_int_equal(creds_parse_time("1970-01-01T00:01:00+00:00"), 60);
    assert_int_equal(creds_parse_time("1970-01-01 00:01:00"), -1);
    assert_int_equal(creds_parse_time("1970-01-01T00:01:00+02:00"), -1);
    assert_int_equal(creds_parse_time(NULL), -1);
}

/* What credential sources answer, parsed (regressions of tests/fuzz/fuzz_credentials). */
static void test_source_answers(void **state)
{
    (void)state;
    /* FULL_URI: the whole host counts, not a prefix; user info would send the
     * request (and the authorization token) to the host after the '@'. */
    static const char *const allowed[] = {"http://127.0.0.1:51679/v2/credentials",
                                          "http://127.1.2.3/x",
                                          "http://localhost",
                                          "http://[::1]:8080/x",
                                          "http://169.254.170.2/v2",
                                          "http://169.254.170.23/v1?a=b",
                                          "http://[fd00:ec2::23]/x",
                                          "https://anything.example.com/x"};
    static const char *const refused[] = {"http://127.0.0.1@example.com/creds",
                                          "http://localhost:80@example.com/",
                                          "http://127.example.com/creds",
                                          "http://localhost.example.com/",
                                          "http://169.254.170.2.example.com/",
                                          "http://[::1]x/",
                                          "http://localhost:80x/",
                                          "http://localhost:/",
                                          "http://127.0.0.256/",
                                          "http://127.0.0/",
                                          "http://[::1/",
                                          "http://example.com/",
                                          "ftp://127.0.0.1/",
                                          "HTTP://127.0.0.1/"};
    for (size_t i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++)
        assert_true(creds_container_uri_allowed(allowed[i]));
    for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++)
        assert_false(creds_container_uri_allowed(refused[i]));

    char out[32];
#define LIT(s) s, sizeof(s) - 1
    assert_int_equal(creds_imds_token(LIT("AQAE=="), out, sizeof(out)), 0);
    assert_string_equal(out, "AQAE==");
    assert_int_equal(creds_imds_token(LIT("AQ\r\nX-Evil: 1"), out, sizeof(out)), -1);
    assert_int_equal(creds_imds_token(LIT(""), out, sizeof(out)), -1);
    assert_int_equal(creds_imds_role_name(LIT("my-role_1+=,.@\nother\n"), out, sizeof(out)), 0);
    assert_string_equal(out, "my-role_1+=,.@");
    assert_int_equal(creds_imds_role_name(LIT("../../latest\n"), out, sizeof(out)), -1);
    assert_int_equal(creds_imds_role_name(LIT("\n"), out, sizeof(out)), -1);

    /* STS answering with an empty key is no answer. */
    static const char empty_key[] =
        "<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId></AccessKeyId>"
        "<SecretAccessKey>s</SecretAccessKey><SessionToken>t</SessionToken></Credentials>"
        "</AssumeRoleResult></AssumeRoleResponse>";
    xml_node *root = NULL;
    err e = {0};
    aws_credentials c;
    assert_int_equal(xml_parse(empty_key, sizeof(empty_key) - 1, &root, &e), 0);
    assert_int_equal(creds_from_sts_xml(root, "AssumeRoleResult", "role r", &c, &e), -1);
    assert_non_null(strstr(e.msg, "without usable credentials"));
    xml_free(root);
#undef LIT
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_config_beats_environment),
        cmocka_unit_test(test_half_set_keys_are_errors),
        cmocka_unit_test(test_profile_static_and_role),
        cmocka_unit_test(test_credential_process),
        cmocka_unit_test(test_assume_roles_chain_in_order),
        cmocka_unit_test(test_nothing_found_lists_what_was_tried),
        cmocka_unit_test(test_instance_metadata_v2),
        cmocka_unit_test(test_container_credentials),
        cmocka_unit_test(test_cache_is_shared_and_refreshed),
        cmocka_unit_test(test_parse_time),
        cmocka_unit_test(test_source_answers),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
