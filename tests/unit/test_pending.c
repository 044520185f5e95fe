/* pending: records of creates whose answer may not have reached the engine,
 * and Check's autonaming reusing a recorded name. Records go to a temporary
 * AWSML_STATE_DIR. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "aws/sha.h"
#include "resource.h"
#include "resources/common.h"
#include "resources/pending.h"

#define URN "urn:pulumi:dev::p::aws:iam/role:Role::myrole"

static char dir[256];
static const unsigned char SEED[] = "0123456789abcdef0123456789abcdef";

static res_ctx mkctx(void)
{
    res_ctx c = {.urn = URN,
                 .name = "myrole",
                 .type = "aws:iam/role:Role",
                 .random_seed = SEED,
                 .random_seed_len = sizeof(SEED) - 1};
    return c;
}

static void record_path(const char *urn, char *out, size_t cap)
{
    char hex[SHA_256_HEX_LEN + 1];
    assert_int_equal(sha_256_hex(urn, strlen(urn), hex), 0);
    snprintf(out, cap, "%s/pending-creates/%s", dir, hex);
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof(dir), "/tmp/awsml-pending-test.XXXXXX");
    if (!mkdtemp(dir))
        return -1;
    setenv("AWSML_STATE_DIR", dir, 1);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char path[512];
    res_ctx c = mkctx();
    record_path(c.urn, path, sizeof(path));
    unlink(path);
    snprintf(path, sizeof(path), "%s/pending-creates", dir);
    rmdir(path);
    rmdir(dir);
    return 0;
}

static void test_begin_find_end(void **state)
{
    (void)state;
    res_ctx c = mkctx();
    char id[PENDING_ID_MAX], path[512];
    time_t started = 0;
    assert_false(pending_find(&c, NULL, id, sizeof(id), &started));
    pending p;
    pending_begin(&c, "myrole-1234567", time(NULL), &p);
    assert_true(p.written);
    record_path(c.urn, path, sizeof(path));
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    char sub[300];
    snprintf(sub, sizeof(sub), "%s/pending-creates", dir);
    assert_int_equal(stat(sub, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0700);

    assert_true(pending_find(&c, NULL, id, sizeof(id), &started));
    assert_string_equal(id, "myrole-1234567");
    assert_true(started > 0 && started <= time(NULL));
    assert_true(pending_find(&c, "myrole-1234567", id, sizeof(id), NULL));
    assert_false(pending_find(&c, "myrole-other00", id, sizeof(id), NULL));

    res_ctx other = mkctx();
    other.urn = "urn:pulumi:dev::p::aws:iam/role:Role::another";
    assert_false(pending_find(&other, NULL, id, sizeof(id), NULL));

    pending_end(&c, &p);
    assert_int_not_equal(stat(path, &st), 0);
    assert_false(pending_find(&c, NULL, id, sizeof(id), NULL));
}

static void test_end_keeps_the_record_when_nobody_listens(void **state)
{
    (void)state;
    atomic_bool cancelled = true;
    res_ctx c = mkctx();
    c.call_cancelled = &cancelled;
    char id[PENDING_ID_MAX];
    pending p;
    pending_begin(&c, "myrole-7654321", time(NULL), &p);
    pending_end(&c, &p);
    assert_true(pending_find(&c, "myrole-7654321", id, sizeof(id), NULL));
    atomic_store(&cancelled, false);
    pending_end(&c, &p);
    assert_false(pending_find(&c, NULL, id, sizeof(id), NULL));
}

static void test_stale_odd_and_foreign_records_are_ignored(void **state)
{
    (void)state;
    res_ctx c = mkctx();
    char id[PENDING_ID_MAX], path[512], text[1024];
    pending p;
    pending_begin(&c, "myrole-1111111", time(NULL), &p); /* makes the directory */
    record_path(c.urn, path, sizeof(path));

    /* older than a day: ignored and removed */
    snprintf(text, sizeof(text), "awsml-pending-create 1\n%lld\nmyrole-1111111\n%s\n",
             (long long)(time(NULL) - PENDING_MAX_AGE_S - 60), URN);
    write_file(path, text);
    assert_false(pending_find(&c, NULL, id, sizeof(id), NULL));
    assert_int_not_equal(access(path, F_OK), 0);

    /* another URN's record under this URN's file name */
    snprintf(text, sizeof(text), "awsml-pending-create 1\n%lld\nmyrole-1111111\n%s\n",
             (long long)time(NULL), "urn:pulumi:dev::p::aws:iam/role:Role::x");
    write_file(path, text);
    assert_false(pending_find(&c, NULL, id, sizeof(id), NULL));

    /* not a record: wrong magic, bad time, missing lines, empty id */
    const char *bad[] = {"something else\n1\nid\n" URN "\n",
                         "awsml-pending-create 1\nsoon\nid\n" URN "\n", "awsml-pending-create 1\n",
                         "awsml-pending-create 1\n1\n\n" URN "\n"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        write_file(path, bad[i]);
        assert_false(pending_find(&c, NULL, id, sizeof(id), NULL));
    }
    unlink(path);

    /* ids that cannot be one line are not recorded */
    pending_begin(&c, "two\nlines", time(NULL), &p);
    assert_false(p.written);
    assert_false(pending_find(&c, NULL, id, sizeof(id), NULL));
}

static void test_read_forgets_a_recorded_id(void **state)
{
    (void)state;
    res_ctx c = mkctx();
    char id[PENDING_ID_MAX];
    pending p;
    pending_begin(&c, "myrole-2222222", time(NULL), &p);
    pending_forget(&c, "myrole-3333333"); /* another resource: kept */
    assert_true(pending_find(&c, NULL, id, sizeof(id), NULL));
    pending_forget(&c, "myrole-2222222");
    assert_false(pending_find(&c, NULL, id, sizeof(id), NULL));
}

static void test_autoname_reuses_a_recorded_name(void **state)
{
    (void)state;
    res_ctx c = mkctx();
    err e = {0};
    char *n = NULL, *fresh = NULL;
    pending p;
    assert_int_equal(autoname(&c, NULL, "name", NULL, 64, &fresh, &e), 0);

    pending_begin(&c, "myrole-abcdef0", time(NULL), &p);
    assert_int_equal(autoname(&c, NULL, "name", NULL, 64, &n, &e), 0);
    assert_string_equal(n, "myrole-abcdef0");
    free(n);

    /* the old name of an existing resource still wins */
    pv *olds = pv_object();
    assert_int_equal(pv_object_set(olds, "name", pv_string("myrole-0000000")), 0);
    assert_int_equal(autoname(&c, olds, "name", NULL, 64, &n, &e), 0);
    assert_string_equal(n, "myrole-0000000");
    free(n);
    pv_free(olds);

    /* a record not of this rule's shape (the program changed) is not used */
    pending_begin(&c, "somebody-abcdef0", time(NULL), &p);
    assert_int_equal(autoname(&c, NULL, "name", NULL, 64, &n, &e), 0);
    assert_string_equal(n, fresh);
    free(n);
    assert_int_equal(autoname(&c, NULL, "name", "pre-", 64, &n, &e), 0);
    assert_string_not_equal(n, "somebody-abcdef0");
    free(n);

    /* namePrefix: the prefix and 26 characters */
    pending_begin(&c, "pre-0123456789abcdef0123456789", time(NULL), &p);
    assert_int_equal(autoname(&c, NULL, "name", "pre-", 64, &n, &e), 0);
    assert_string_equal(n, "pre-0123456789abcdef0123456789");
    free(n);
    assert_int_equal(autoname(&c, NULL, "name", "other-", 64, &n, &e), 0);
    assert_true(strncmp(n, "other-", 6) == 0 && strcmp(n + 6, "0123456789abcdef0123456789") != 0);
    free(n);

    pending_end(&c, &p);
    free(fresh);
}

static void test_no_state_directory_turns_it_off(void **state)
{
    (void)state;
    res_ctx c = mkctx();
    char id[PENDING_ID_MAX];
    char *home = getenv("HOME") ? strdup(getenv("HOME")) : NULL;
    char *xdg = getenv("XDG_STATE_HOME") ? strdup(getenv("XDG_STATE_HOME")) : NULL;
    unsetenv("AWSML_STATE_DIR");
    unsetenv("XDG_STATE_HOME");
    unsetenv("HOME");
    pending p;
    pending_begin(&c, "myrole-4444444", time(NULL), &p);
    assert_false(p.written);
    assert_false(pending_find(&c, NULL, id, sizeof(id), NULL));
    pending_end(&c, &p); /* nothing to do, nothing breaks */
    setenv("AWSML_STATE_DIR", dir, 1);
    if (home)
        setenv("HOME", home, 1);
    if (xdg)
        setenv("XDG_STATE_HOME", xdg, 1);
    free(home);
    free(xdg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_begin_find_end),
        cmocka_unit_test(test_end_keeps_the_record_when_nobody_listens),
        cmocka_unit_test(test_stale_odd_and_foreign_records_are_ignored),
        cmocka_unit_test(test_read_forgets_a_recorded_id),
        cmocka_unit_test(test_autoname_reuses_a_recorded_name),
        cmocka_unit_test(test_no_state_directory_turns_it_off),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
