/* Unit tests for provider/aws/profile.c: the shared credentials/config file syntax as the AWS
 * CLI reads it (with the documented deviations), file and profile resolution, precedence,
 * and that no secret ever reaches an error message. Files go to a mkdtemp directory; the
 * environment is a fake table, never the process's. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "aws/profile.h"
#include "fake_env.h"

#define SECRET "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
#define TOKEN "FQoGZXIvYXdzEXAMPLETOKENvalue/+=="

static char tmpdir[256];

static int setup_dir(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof tmpdir, "/tmp/awsml-profile-XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown_dir(void **state)
{
    char cmd[512];
    (void)state;
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

/* Writes content to <tmpdir>/name and returns the path in a static buffer ring. */
static const char *write_file(const char *name, const char *content, size_t len)
{
    static char paths[8][512];
    static int next;
    char *p = paths[next++ % 8];
    snprintf(p, 512, "%s/%s", tmpdir, name);
    FILE *fp = fopen(p, "wb");
    assert_non_null(fp);
    assert_int_equal(fwrite(content, 1, len, fp), len);
    assert_int_equal(fclose(fp), 0);
    return p;
}

#define WRITE(name, lit) write_file(name, lit, sizeof(lit) - 1)

static void parse_ok(profile_file *f, const char *text, enum profile_kind kind)
{
    err e = {0};
    int rc = profile_file_parse(f, text, strlen(text), kind, "test", &e);
    if (rc != 0)
        print_error("unexpected error: %s\n", e.msg);
    assert_int_equal(rc, 0);
}

static void parse_fails(const char *text, enum profile_kind kind, const char *want)
{
    profile_file f = {0};
    err e = {0};
    assert_int_equal(profile_file_parse(&f, text, strlen(text), kind, "/x/creds", &e), -1);
    assert_int_equal(e.code, ERR_INVALID_ARGUMENT);
    assert_non_null(strstr(e.msg, want));
    assert_non_null(strstr(e.msg, "/x/creds"));
    assert_null(strstr(e.msg, SECRET));
    assert_null(strstr(e.msg, TOKEN));
    profile_file_free(&f);
}

static void test_credentials_basic(void **state)
{
    profile_file f = {0};
    (void)state;
    parse_ok(&f,
             "# leading comment\n"
             "; another\n"
             "[default]\n"
             "  aws_secret_access_key   =   " SECRET "   \n"
             "  aws_access_key_id=AKIDDEFAULT\n"
             "\n"
             "[dev]\r\n"
             "aws_access_key_id = AKIDDEV\r\n"
             "AWS_Session_Token = " TOKEN "\r\n"
             "region: eu-west-1\r\n"
             "[Dev]\n"
             "aws_access_key_id = AKIDUPPER",
             PROFILE_CREDENTIALS);
    assert_string_equal(profile_file_get(&f, "default", "aws_access_key_id"), "AKIDDEFAULT");
    assert_string_equal(profile_file_get(&f, "default", "aws_secret_access_key"), SECRET);
    assert_string_equal(profile_file_get(&f, "dev", "aws_access_key_id"), "AKIDDEV");
    /* Keys are case-insensitive (stored lowercased), lookups too. */
    assert_string_equal(profile_file_get(&f, "dev", "aws_session_token"), TOKEN);
    assert_string_equal(profile_file_get(&f, "dev", "AWS_SESSION_TOKEN"), TOKEN);
    /* ':' is a delimiter too, CR is not part of the value. */
    assert_string_equal(profile_file_get(&f, "dev", "region"), "eu-west-1");
    /* Profile names are case-sensitive; no trailing newline is fine. */
    assert_string_equal(profile_file_get(&f, "Dev", "aws_access_key_id"), "AKIDUPPER");
    assert_null(profile_file_get(&f, "DEV", "aws_access_key_id"));
    assert_null(profile_file_get(&f, "default", "region"));
    assert_true(profile_file_has(&f, "dev"));
    assert_false(profile_file_has(&f, "prod"));
    profile_file_free(&f);
    profile_file_free(&f); /* idempotent */
}

static void test_credentials_sections_as_written(void **state)
{
    profile_file f = {0};
    (void)state;
    /* In the credentials file "[profile x]" is a profile literally named "profile x". */
    parse_ok(&f, "[profile x]\nk = 1\n[  spaced  ]\nk = 2\n[a] ; trailing comment\nk = 3\n",
             PROFILE_CREDENTIALS);
    assert_null(profile_file_get(&f, "x", "k"));
    assert_string_equal(profile_file_get(&f, "profile x", "k"), "1");
    assert_string_equal(profile_file_get(&f, "spaced", "k"), "2");
    assert_string_equal(profile_file_get(&f, "a", "k"), "3");
    profile_file_free(&f);
}

static void test_config_sections(void **state)
{
    profile_file f = {0};
    (void)state;
    parse_ok(&f,
             "[default]\nregion = us-east-1\n"
             "[profile dev]\nregion = eu-west-1\n"
             "[prod]\nregion = ap-south-1\n" /* plain [name]: ignored in config */
             "[profilefoo]\nregion = sa-east-1\n"
             "[profile\t tabbed ]\nregion = ca-central-1\n"
             "[sso-session corp]\nsso_region = us-east-2\n"
             "[services local]\nsts =\n  endpoint_url = http://localhost\n",
             PROFILE_CONFIG);
    assert_string_equal(profile_file_get(&f, "default", "region"), "us-east-1");
    assert_string_equal(profile_file_get(&f, "dev", "region"), "eu-west-1");
    assert_null(profile_file_get(&f, "prod", "region"));
    assert_false(profile_file_has(&f, "prod"));
    assert_null(profile_file_get(&f, "profile dev", "region"));
    assert_null(profile_file_get(&f, "profilefoo", "region"));
    assert_null(profile_file_get(&f, "foo", "region"));
    assert_string_equal(profile_file_get(&f, "tabbed", "region"), "ca-central-1");
    assert_null(profile_file_get(&f, "corp", "sso_region"));
    assert_null(profile_file_get(&f, "sso-session corp", "sso_region"));
    profile_file_free(&f);
}

static void test_config_profile_default_wins(void **state)
{
    profile_file f = {0};
    (void)state;
    parse_ok(&f, "[profile default]\nregion = eu-north-1\n[default]\nregion = us-west-2\nx = 1\n",
             PROFILE_CONFIG);
    assert_string_equal(profile_file_get(&f, "default", "region"), "eu-north-1");
    assert_null(profile_file_get(&f, "default", "x"));
    profile_file_free(&f);

    /* Without [profile default], [default] counts. */
    memset(&f, 0, sizeof f);
    parse_ok(&f, "[default]\nregion = us-west-2\n", PROFILE_CONFIG);
    assert_string_equal(profile_file_get(&f, "default", "region"), "us-west-2");
    profile_file_free(&f);
}

static void test_comments(void **state)
{
    profile_file f = {0};
    (void)state;
    parse_ok(&f,
             "[p] # header comment\n"
             "   # indented comment\n"
             "a = one # inline\n"
             "b = two\t; inline after tab\n"
             "c = three#not-a-comment\n"
             "d = # only a comment\n"
             "e = x;y\n"
             "; k = v\n"
             "f = arn:aws:iam::123456789012:role/r\n",
             PROFILE_CREDENTIALS);
    assert_string_equal(profile_file_get(&f, "p", "a"), "one");
    assert_string_equal(profile_file_get(&f, "p", "b"), "two");
    assert_string_equal(profile_file_get(&f, "p", "c"), "three#not-a-comment");
    assert_string_equal(profile_file_get(&f, "p", "d"), "");
    assert_string_equal(profile_file_get(&f, "p", "e"), "x;y");
    assert_null(profile_file_get(&f, "p", "k"));
    assert_null(profile_file_get(&f, "p", "; k"));
    assert_string_equal(profile_file_get(&f, "p", "f"), "arn:aws:iam::123456789012:role/r");
    profile_file_free(&f);
}

static void test_subsections(void **state)
{
    profile_file f = {0};
    (void)state;
    parse_ok(&f,
             "[profile p]\n"
             "s3 =\n"
             "  max_concurrent_requests = 10\n"
             "\n"
             "  addressing_style = path\n"
             "region = us-east-2\n"
             "role_arn = arn:aws:iam::1:role/a\n"
             "   continued line ignored\n"
             "  indented_key = also a continuation\n",
             PROFILE_CONFIG);
    assert_null(profile_file_get(&f, "p", "s3"));
    assert_null(profile_file_get(&f, "p", "max_concurrent_requests"));
    assert_null(profile_file_get(&f, "p", "addressing_style"));
    assert_string_equal(profile_file_get(&f, "p", "region"), "us-east-2");
    assert_string_equal(profile_file_get(&f, "p", "role_arn"), "arn:aws:iam::1:role/a");
    assert_null(profile_file_get(&f, "p", "continued line ignored"));
    /* configparser: deeper indentation than the key's line continues it. */
    assert_null(profile_file_get(&f, "p", "indented_key"));
    profile_file_free(&f);

    /* An indented key right after a header is an ordinary key (nothing to continue). */
    memset(&f, 0, sizeof f);
    parse_ok(&f, "[default]\n   region = us-west-1\n", PROFILE_CONFIG);
    assert_string_equal(profile_file_get(&f, "default", "region"), "us-west-1");
    profile_file_free(&f);
}

static void test_duplicates_last_wins(void **state)
{
    profile_file f = {0};
    (void)state;
    parse_ok(&f,
             "[a]\nk = 1\nk = 2\n[b]\nk = b\n[a]\nk = 3\nother = o\n"
             "[c]\ns3 = plain\ns3 =\n  nested = 1\n",
             PROFILE_CREDENTIALS);
    assert_string_equal(profile_file_get(&f, "a", "k"), "3");
    assert_string_equal(profile_file_get(&f, "a", "other"), "o");
    assert_string_equal(profile_file_get(&f, "b", "k"), "b");
    assert_null(profile_file_get(&f, "c", "s3")); /* the last one is a sub-section */
    profile_file_free(&f);
}

static void test_bom_and_empty(void **state)
{
    profile_file f = {0};
    (void)state;
    parse_ok(&f, "\xEF\xBB\xBF[default]\nregion=x\n", PROFILE_CONFIG);
    assert_string_equal(profile_file_get(&f, "default", "region"), "x");
    profile_file_free(&f);
    parse_ok(&f, "", PROFILE_CONFIG);
    parse_ok(&f, "\n\r\n  \n# c\n", PROFILE_CONFIG);
    assert_int_equal(f.n, 0);
    profile_file_free(&f);
}

static void test_parse_errors(void **state)
{
    (void)state;
    parse_fails("aws_secret_access_key = " SECRET "\n[default]\n", PROFILE_CREDENTIALS,
                "line 1: setting outside");
    parse_fails("[default]\n" SECRET "\n", PROFILE_CREDENTIALS, "line 2: expected");
    parse_fails("[default]\n = " TOKEN "\n", PROFILE_CREDENTIALS, "line 2: missing key");
    parse_fails("[default\nk = v\n", PROFILE_CREDENTIALS, "line 1: section header without");
    parse_fails("[ ]\n", PROFILE_CREDENTIALS, "empty section name");
    parse_fails("[profile]\nk = v\n[]\n", PROFILE_CONFIG, "line 3: empty section name");

    /* A failed parse keeps nothing of that file; earlier files stay. */
    profile_file f = {0};
    err e = {0};
    parse_ok(&f, "[a]\nk = 1\n", PROFILE_CREDENTIALS);
    static const char broken[] = "[a]\nk = 2\n[b]\nj = 3\noops\n";
    assert_int_equal(
        profile_file_parse(&f, broken, sizeof broken - 1, PROFILE_CREDENTIALS, "p", &e), -1);
    assert_string_equal(profile_file_get(&f, "a", "k"), "1");
    assert_false(profile_file_has(&f, "b"));
    assert_int_equal(f.n, 1);
    assert_int_equal(f.n_sections, 1);
    static const char nul[] = "[default]\nk = a\0b\n";
    assert_int_equal(profile_file_parse(&f, nul, sizeof nul - 1, PROFILE_CREDENTIALS, "p", &e), -1);
    assert_non_null(strstr(e.msg, "NUL"));
    profile_file_free(&f);
}

static void test_load_missing_and_unreadable(void **state)
{
    profile_file f = {0};
    err e = {0};
    bool found = true;
    char path[512];
    (void)state;

    snprintf(path, sizeof path, "%s/does-not-exist", tmpdir);
    assert_int_equal(profile_file_load(&f, path, PROFILE_CONFIG, &found, &e), 0);
    assert_false(found);
    snprintf(path, sizeof path, "%s/nodir/config", tmpdir);
    assert_int_equal(profile_file_load(&f, path, PROFILE_CONFIG, &found, &e), 0);
    assert_false(found);

    /* A directory opens but cannot be read. */
    assert_int_equal(profile_file_load(&f, tmpdir, PROFILE_CONFIG, &found, &e), -1);
    assert_non_null(strstr(e.msg, tmpdir));

    const char *p = WRITE("secret-creds", "[default]\naws_secret_access_key = " SECRET "\n");
    if (geteuid() != 0) { /* root reads through mode 000 */
        assert_int_equal(chmod(p, 0), 0);
        err_clear(&e);
        assert_int_equal(profile_file_load(&f, p, PROFILE_CREDENTIALS, &found, &e), -1);
        assert_non_null(strstr(e.msg, p));
        assert_null(strstr(e.msg, SECRET));
        assert_int_equal(chmod(p, 0600), 0);
    }
    assert_int_equal(profile_file_load(&f, p, PROFILE_CREDENTIALS, &found, &e), 0);
    assert_true(found);
    assert_string_equal(profile_file_get(&f, "default", "aws_secret_access_key"), SECRET);
    profile_file_free(&f);
}

static void test_load_size_cap(void **state)
{
    profile_file f = {0};
    err e = {0};
    bool found;
    char tmpl[512];
    (void)state;

    snprintf(tmpl, sizeof tmpl, "%s/big-XXXXXX", tmpdir);
    int fd = mkstemp(tmpl);
    assert_true(fd >= 0);
    FILE *fp = fdopen(fd, "wb");
    assert_non_null(fp);
    fputs("[default]\n", fp);
    for (size_t i = 0; i < PROFILE_MAX_FILE / 16 + 1; i++)
        fputs("# padding line.\n", fp);
    assert_int_equal(fclose(fp), 0);
    assert_int_equal(profile_file_load(&f, tmpl, PROFILE_CONFIG, &found, &e), -1);
    assert_non_null(strstr(e.msg, "larger than"));
    assert_non_null(strstr(e.msg, tmpl));
    profile_file_free(&f);
}

static void test_expand_path(void **state)
{
    struct fake_env fe = {{{"HOME", "/home/u"}}};
    profile_env env = env_of(&fe);
    struct fake_env nohome = {{{NULL, NULL}}};
    profile_env env2 = env_of(&nohome);
    char *out = NULL;
    err e = {0};
    (void)state;

    assert_int_equal(profile_expand_path("~/.aws/config", &env, &out, &e), 0);
    assert_string_equal(out, "/home/u/.aws/config");
    free(out);
    assert_int_equal(profile_expand_path("~", &env, &out, &e), 0);
    assert_string_equal(out, "/home/u");
    free(out);
    assert_int_equal(profile_expand_path("~other/x", &env, &out, &e), 0);
    assert_string_equal(out, "~other/x");
    free(out);
    assert_int_equal(profile_expand_path("/abs/x", &env, &out, &e), 0);
    assert_string_equal(out, "/abs/x");
    free(out);
    assert_int_equal(profile_expand_path("~/x", &env2, &out, &e), -1);
    assert_null(out);
    assert_non_null(strstr(e.msg, "HOME"));
}

static void test_load_default_paths_and_env(void **state)
{
    char awsdir[600], home[512];
    profile_set ps;
    err e = {0};
    (void)state;

    snprintf(home, sizeof home, "%s/home", tmpdir);
    snprintf(awsdir, sizeof awsdir, "%s/.aws", home);
    assert_int_equal(mkdir(home, 0700), 0);
    assert_int_equal(mkdir(awsdir, 0700), 0);
    WRITE("home/.aws/credentials", "[default]\naws_access_key_id = AKIDHOME\n");
    WRITE("home/.aws/config", "[default]\nregion = us-west-2\n[profile dev]\nregion = eu-west-3\n");
    const char *envcreds = WRITE("envcreds", "[default]\naws_access_key_id = AKIDENV\n");

    /* ~/.aws from HOME. */
    struct fake_env fe = {{{"HOME", home}}};
    profile_env env = env_of(&fe);
    assert_int_equal(profile_load(&ps, NULL, &env, &e), 0);
    assert_string_equal(ps.name, "default");
    assert_string_equal(profile_get(&ps, NULL, "aws_access_key_id"), "AKIDHOME");
    assert_string_equal(profile_get(&ps, NULL, "region"), "us-west-2");
    assert_int_equal(ps.n_cred_paths, 1);
    assert_true(ps.cred_found[0]);
    profile_set_free(&ps);

    /* AWS_SHARED_CREDENTIALS_FILE replaces ~/.aws/credentials; AWS_PROFILE picks the profile. */
    struct fe2 {
        struct fake_env fe;
    } f2 = {{{{"HOME", home}, {"AWS_SHARED_CREDENTIALS_FILE", envcreds}, {"AWS_PROFILE", "dev"}}}};
    env = env_of(&f2.fe);
    assert_int_equal(profile_load(&ps, NULL, &env, &e), 0);
    assert_string_equal(ps.name, "dev");
    assert_string_equal(ps.name_src, "AWS_PROFILE");
    assert_string_equal(profile_get(&ps, "default", "aws_access_key_id"), "AKIDENV");
    assert_string_equal(profile_get(&ps, NULL, "region"), "eu-west-3");
    assert_int_equal(profile_check_selected(&ps, &e), 0);
    profile_set_free(&ps);

    /* Config beats AWS_PROFILE; an empty variable is unset. */
    struct fake_env f3 = {{{"HOME", home}, {"AWS_PROFILE", "dev"}, {"AWS_CONFIG_FILE", ""}}};
    env = env_of(&f3);
    profile_opts opts = {0};
    opts.profile = "default";
    assert_int_equal(profile_load(&ps, &opts, &env, &e), 0);
    assert_string_equal(ps.name, "default");
    assert_string_equal(ps.name_src, "provider config");
    assert_string_equal(profile_get(&ps, NULL, "region"), "us-west-2");
    profile_set_free(&ps);

    /* No HOME and no variables: nothing read, not an error. */
    struct fake_env f4 = {{{NULL, NULL}}};
    env = env_of(&f4);
    assert_int_equal(profile_load(&ps, NULL, &env, &e), 0);
    assert_int_equal(ps.n_cred_paths + ps.n_config_paths, 0);
    assert_null(profile_get(&ps, NULL, "region"));
    assert_int_equal(profile_check_selected(&ps, &e), 0); /* implicit default may be absent */
    profile_set_free(&ps);
}

static void test_load_config_lists_and_precedence(void **state)
{
    profile_set ps;
    err e = {0};
    (void)state;

    const char *c1 = WRITE("c1", "[p]\naws_access_key_id = AKID1\nregion = us-east-1\nk = c1\n");
    const char *c2 = WRITE("c2", "[p]\naws_access_key_id = AKID2\n");
    const char *g1 = WRITE("g1", "[profile p]\naws_access_key_id = AKIDCFG\n"
                                 "aws_secret_access_key = CFGSECRET\nregion = eu-west-1\n"
                                 "role_arn = arn:aws:iam::123456789012:role/x\n"
                                 "source_profile = base\nexternal_id = ext\n"
                                 "duration_seconds = 900\n"
                                 "credential_process = /bin/helper --profile p\n"
                                 "[p]\nk = ignored\n");
    const char *envcreds = WRITE("ignored-env", "[p]\naws_access_key_id = AKIDENV\n");
    char missing[512];
    snprintf(missing, sizeof missing, "%s/missing", tmpdir);

    const char *creds[] = {c1, missing, c2};
    const char *configs[] = {g1};
    profile_opts opts = {creds, 3, configs, 1, "p"};
    struct fake_env fe = {{{"HOME", "/nonexistent"}, {"AWS_SHARED_CREDENTIALS_FILE", envcreds}}};
    profile_env env = env_of(&fe);

    assert_int_equal(profile_load(&ps, &opts, &env, &e), 0);
    /* Later credentials file wins; credentials files beat the config file. */
    assert_string_equal(profile_get(&ps, NULL, "aws_access_key_id"), "AKID2");
    assert_string_equal(profile_get(&ps, NULL, "aws_secret_access_key"), "CFGSECRET");
    /* botocore merges the credentials file's profile over the config's for every key. */
    assert_string_equal(profile_get(&ps, NULL, "region"), "us-east-1");
    assert_string_equal(profile_get(&ps, NULL, "k"), "c1");
    assert_string_equal(profile_get(&ps, NULL, "role_arn"), "arn:aws:iam::123456789012:role/x");
    assert_string_equal(profile_get(&ps, NULL, "source_profile"), "base");
    assert_string_equal(profile_get(&ps, NULL, "external_id"), "ext");
    assert_string_equal(profile_get(&ps, NULL, "duration_seconds"), "900");
    assert_string_equal(profile_get(&ps, NULL, "credential_process"), "/bin/helper --profile p");
    assert_null(profile_get(&ps, NULL, "web_identity_token_file"));
    assert_int_equal(ps.n_cred_paths, 3);
    assert_false(ps.cred_found[1]);
    assert_true(profile_exists(&ps, "p"));
    assert_false(profile_exists(&ps, "base"));
    profile_set_free(&ps);

    /* A chosen profile that no file defines is an error naming it and the files. */
    opts.profile = "nope";
    assert_int_equal(profile_load(&ps, &opts, &env, &e), 0);
    assert_int_equal(profile_check_selected(&ps, &e), -1);
    assert_non_null(strstr(e.msg, "\"nope\""));
    assert_non_null(strstr(e.msg, "provider config"));
    assert_non_null(strstr(e.msg, c1));
    assert_non_null(strstr(e.msg, "missing (missing)"));
    assert_null(strstr(e.msg, "CFGSECRET"));
    profile_set_free(&ps);

    /* A broken file fails the load, naming the file. */
    const char *bad = WRITE("bad", "[p]\naws_secret_access_key " SECRET "\n");
    const char *badlist[] = {bad};
    profile_opts o2 = {badlist, 1, NULL, 0, NULL};
    assert_int_equal(profile_load(&ps, &o2, &env, &e), -1);
    assert_non_null(strstr(e.msg, bad));
    assert_non_null(strstr(e.msg, "line 2"));
    assert_null(strstr(e.msg, SECRET));
    assert_null(ps.name);
    profile_set_free(&ps);

    /* An empty path in the list is refused. */
    const char *emptylist[] = {""};
    profile_opts o3 = {NULL, 0, emptylist, 1, NULL};
    assert_int_equal(profile_load(&ps, &o3, &env, &e), -1);
    assert_non_null(strstr(e.msg, "empty"));
}

static void test_subsection_does_not_hide_config(void **state)
{
    profile_set ps;
    err e = {0};
    (void)state;
    const char *c = WRITE("sub-c", "[default]\ns3 =\n  x = 1\n");
    const char *g = WRITE("sub-g", "[default]\ns3 = plain\n");
    const char *cl[] = {c}, *gl[] = {g};
    profile_opts opts = {cl, 1, gl, 1, NULL};
    assert_int_equal(profile_load(&ps, &opts, NULL, &e), 0);
    assert_string_equal(profile_get(&ps, NULL, "s3"), "plain");
    profile_set_free(&ps);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_credentials_basic),
        cmocka_unit_test(test_credentials_sections_as_written),
        cmocka_unit_test(test_config_sections),
        cmocka_unit_test(test_config_profile_default_wins),
        cmocka_unit_test(test_comments),
        cmocka_unit_test(test_subsections),
        cmocka_unit_test(test_duplicates_last_wins),
        cmocka_unit_test(test_bom_and_empty),
        cmocka_unit_test(test_parse_errors),
        cmocka_unit_test(test_load_missing_and_unreadable),
        cmocka_unit_test(test_load_size_cap),
        cmocka_unit_test(test_expand_path),
        cmocka_unit_test(test_load_default_paths_and_env),
        cmocka_unit_test(test_load_config_lists_and_precedence),
        cmocka_unit_test(test_subsection_does_not_hide_config),
    };
    return cmocka_run_group_tests(tests, setup_dir, teardown_dir);
}
