/* libFuzzer harness for the AWS shared credentials and config file parser:
 * the bytes are parsed as both kinds of file (the data is not NUL-terminated,
 * as read from disk), then looked up; a failed parse must leave the file as
 * it was. The credential expiry timestamp parser runs on the same bytes. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/credentials.h"
#include "aws/profile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what)
{
    fprintf(stderr, "fuzz_profile: %s\n", what);
    __builtin_trap();
}

static void lookups(const profile_file *f)
{
    static const char *const profiles[] = {"default", "dev", "a", ""};
    static const char *const keys[] = {"aws_access_key_id",
                                       "AWS_Secret_Access_Key",
                                       "region",
                                       "role_arn",
                                       "source_profile",
                                       "s3",
                                       ""};
    for (size_t i = 0; i < sizeof(profiles) / sizeof(profiles[0]); i++) {
        (void)profile_file_has(f, profiles[i]);
        for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
            const char *v = profile_file_get(f, profiles[i], keys[k]);
            if (v) {
                volatile size_t n = strlen(v);
                (void)n;
            }
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *copy = malloc(size ? size : 1);
    if (!copy)
        return 0;
    if (size)
        memcpy(copy, data, size);

    static const enum profile_kind kinds[] = {PROFILE_CREDENTIALS, PROFILE_CONFIG};
    for (size_t k = 0; k < 2; k++) {
        profile_file f = {0};
        err e = {0};
        /* One good file first: a failing second parse must keep it intact. */
        static const char base[] =
            "[default]\nregion = us-east-1\n[profile dev]\nregion=eu-west-1\n";
        if (profile_file_parse(&f, base, sizeof(base) - 1, kinds[k], "base", &e) != 0)
            fail("the base file does not parse");
        size_t n_before = f.n, s_before = f.n_sections;
        if (profile_file_parse(&f, copy, size, kinds[k], "/fuzz/file", &e) != 0) {
            if (f.n != n_before || f.n_sections != s_before)
                fail("a failed parse changed the file");
            if (!memchr(e.msg, 0, sizeof(e.msg)))
                fail("error message not terminated");
        }
        lookups(&f);
        profile_file_free(&f);
        profile_file_free(&f); /* idempotent */
    }

    char *s = malloc(size + 1);
    if (s) {
        memcpy(s, data, size);
        s[size] = 0;
        (void)creds_parse_time(s);
        free(s);
    }
    free(copy);
    return 0;
}
