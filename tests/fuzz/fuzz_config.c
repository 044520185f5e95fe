/* libFuzzer harness for the provider configuration parser: what Configure does with
 * its args before it calls AWS. The input is the configuration as JSON text (as a
 * Pulumi.yaml config or an explicit provider resource gives it: native values, or
 * lists and objects JSON-encoded in strings, secrets as signature objects). It goes
 * JSON -> property tree -> google.protobuf.Struct -> props_from_struct, so the client
 * sees exactly what Configure would decode, then through Configure's steps:
 * config_load (every key: region, profile and shared files, endpoints, FIPS,
 * retries, proxies, CA bundle, assumeRoles, assumeRoleWithWebIdentity, the
 * advisor's and the tag keys, unknown keys), advice_check_config and
 * config_client_new.
 *
 * No network: config_client_new makes no call (credentials are resolved lazily), and
 * aws_client_validate, which calls STS GetCallerIdentity, runs only when the input
 * sets both skipCredentialsValidation and skipRequestingAccountId, where it must
 * return before any request. The environment is a fixed fake one (profile_env), and
 * the file names the config may give (sharedCredentialsFiles, sharedConfigFiles,
 * customCaBundle) are replaced by files this harness writes into a directory of its
 * own in $TMPDIR, a missing file, or that directory itself, so no input makes the parser
 * open a device or FIFO of the machine.
 *
 * Checked: no crash, leak or hang; a failure has a code and a terminated message
 * that never holds the secretKey or token; a client that was built has a region,
 * a partition and a configuration copy without secrets. */
#include <ctype.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cJSON.h>

#include "advice.h"
#include "aws/client.h"
#include "aws/profile.h"
#include "config.h"
#include "props.h"
#include "util/log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

static void fail(const char *what)
{
    fprintf(stderr, "fuzz_config: %s\n", what);
    __builtin_trap();
}

/* ---- the sandbox: fake environment and files -------------------------------------- */

static char dir[200];
static char path_creds[256], path_config[256], path_ca[256], path_missing[256];

static const char *const fake_vars[][2] = {
    {"HOME", dir},
    {"AWS_SHARED_CREDENTIALS_FILE", path_creds},
    {"AWS_CONFIG_FILE", path_config},
};

static const char *fake_get(void *ctx, const char *name)
{
    (void)ctx;
    for (size_t i = 0; i < sizeof(fake_vars) / sizeof(fake_vars[0]); i++)
        if (strcmp(fake_vars[i][0], name) == 0)
            return fake_vars[i][1];
    return NULL;
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (!f || fputs(text, f) < 0 || fclose(f) != 0)
        fail("cannot write the sandbox files");
}

static int sink(enum log_severity sev, const char *urn, const char *msg, bool ephemeral)
{
    volatile size_t n = strlen(msg) + (urn ? strlen(urn) : 0);
    (void)n;
    return 0;
}

/* FUZZ_CONFIG_VERBOSE=1 prints each input's outcome (to see what a seed reaches). */
static bool verbose;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    const char *v = getenv("FUZZ_CONFIG_VERBOSE");
    verbose = v && *v && strcmp(v, "0") != 0;
    /* One directory per user, reused by every run (libFuzzer ends runs without
     * atexit handlers, so a fresh directory per run would stay behind). */
    const char *tmp = getenv("TMPDIR");
    struct stat st;
    snprintf(dir, sizeof(dir), "%s/awsml-fuzz_config-%u", tmp && *tmp ? tmp : "/tmp",
             (unsigned)getuid());
    if (mkdir(dir, 0700) != 0 &&
        (lstat(dir, &st) != 0 || !S_ISDIR(st.st_mode) || st.st_uid != getuid()))
        fail("cannot make the sandbox directory");
    snprintf(path_creds, sizeof(path_creds), "%s/credentials", dir);
    snprintf(path_config, sizeof(path_config), "%s/config", dir);
    snprintf(path_ca, sizeof(path_ca), "%s/ca.pem", dir);
    snprintf(path_missing, sizeof(path_missing), "%s/missing", dir);
    write_file(path_creds, "[default]\naws_access_key_id = AKIDFUZZDEFAULT\n"
                           "aws_secret_access_key = fuzzDefaultSecret0\n"
                           "[static]\naws_access_key_id = AKIDFUZZSTATIC\n"
                           "aws_secret_access_key = fuzzStaticSecret0\n");
    write_file(path_config, "[default]\nregion = us-east-1\n"
                            "[profile dev]\nregion = eu-west-1\nrole_arn = "
                            "arn:aws:iam::123456789012:role/dev\nsource_profile = default\n"
                            "[profile cn]\nregion = cn-north-1\n"
                            "[profile gov]\nregion = us-gov-west-1\n"
                            "[profile noregion]\noutput = json\n");
    write_file(path_ca, "-----BEGIN CERTIFICATE-----\nMIIBfuzz\n-----END CERTIFICATE-----\n");
    log_set_engine_sink(sink);
    return 0;
}

/* A sandbox path in place of the one the input named, by what the name says: the
 * credentials or config file, the CA bundle (".pem"), the directory ("dir"), or else
 * a file that does not exist. */
static const char *sandbox_path(const char *given)
{
    if (strstr(given, "credentials"))
        return path_creds;
    if (strstr(given, "config"))
        return path_config;
    if (strstr(given, ".pem"))
        return path_ca;
    if (strstr(given, "dir"))
        return dir;
    return path_missing;
}

/* Replaces config key's file names with sandbox paths, in whatever form the key has
 * (secret, JSON-encoded string, list); other shapes are left for the parser to refuse. */
static int sandbox_key(pv *cfg, const char *key, bool list)
{
    const pv *v = pv_object_get(cfg, key);
    if (!v)
        return 0;
    pv *plain = pv_strip_secrets(v);
    if (!plain)
        return -1;
    if (list && plain->kind == PV_STRING) {
        const char *s = plain->u.str.s;
        while (isspace((unsigned char)*s))
            s++;
        if (*s == '[' || *s == '{') {
            cJSON *j = cJSON_Parse(plain->u.str.s);
            if (j) {
                pv *decoded = pv_from_cjson(j);
                cJSON_Delete(j);
                if (!decoded) {
                    pv_free(plain);
                    return -1;
                }
                pv_free(plain);
                plain = decoded;
            }
        }
    }
    if (!list && plain->kind == PV_STRING && plain->u.str.len) {
        pv *p = pv_string(sandbox_path(plain->u.str.s));
        pv_free(plain);
        plain = p;
    } else if (list && plain->kind == PV_ARRAY) {
        for (size_t i = 0; i < plain->u.arr.len; i++) {
            pv *it = plain->u.arr.items[i];
            if (it->kind != PV_STRING)
                continue;
            pv *p = pv_string(sandbox_path(it->u.str.s));
            if (!p) {
                pv_free(plain);
                return -1;
            }
            pv_free(it);
            plain->u.arr.items[i] = p;
        }
    }
    if (!plain)
        return -1;
    return pv_object_set(cfg, key, plain);
}

/* ---- properties ------------------------------------------------------------------ */

/* A secret worth looking for in messages: long, key-like, given once in the input (so
 * a message echoing some other value cannot hold it by coincidence). */
static const char *secret_of(const pv *cfg, const char *key, const uint8_t *data, size_t size)
{
    const pv *v = pv_plain(pv_object_get(cfg, key));
    if (!v || v->kind != PV_STRING || v->u.str.len < 16)
        return NULL;
    const char *s = v->u.str.s;
    bool digit = false, upper = false, lower = false;
    for (const char *p = s; *p; p++) {
        if (!isalnum((unsigned char)*p) && *p != '/' && *p != '+')
            return NULL;
        digit |= isdigit((unsigned char)*p) != 0;
        upper |= isupper((unsigned char)*p) != 0;
        lower |= islower((unsigned char)*p) != 0;
    }
    if (!digit || !upper || !lower)
        return NULL;
    size_t n = v->u.str.len, seen = 0;
    for (size_t i = 0; i + n <= size; i++)
        if (memcmp(data + i, s, n) == 0)
            seen++;
    return seen == 1 ? s : NULL;
}

static bool is_true(const pv *cfg, const char *key)
{
    const pv *v = pv_plain(pv_object_get(cfg, key));
    return v && ((v->kind == PV_BOOL && v->u.b) ||
                 (v->kind == PV_STRING && strcmp(v->u.str.s, "true") == 0));
}

static bool never_cancelled(void *ctx)
{
    (void)ctx;
    return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cJSON *j = cJSON_ParseWithLength((const char *)data, size);
    pv *tree = NULL, *cfg = NULL;
    Google__Protobuf__Struct *st = NULL;
    char why[512];
    if (!j || !cJSON_IsObject(j))
        goto out;
    /* What Configure decodes: the engine's Struct, with secrets and unknowns. */
    tree = pv_from_cjson(j);
    if (!tree || props_to_struct(tree, &st) != 0 || props_from_struct(st, &cfg, why, sizeof(why)))
        goto out;
    if (sandbox_key(cfg, "sharedCredentialsFiles", true) != 0 ||
        sandbox_key(cfg, "sharedConfigFiles", true) != 0 ||
        sandbox_key(cfg, "customCaBundle", false) != 0)
        goto out;

    profile_env env = {fake_get, NULL};
    config_settings *conf = NULL;
    config_problems problems = {0};
    aws_client *c = NULL;
    err e = {0};
    int rc = config_load(cfg, &env, CONFIG_CONFIGURE, &conf, &problems, &e);
    if (rc == 0)
        rc = advice_check_config(&conf->advisor, &problems, &e);
    if (rc == 0)
        rc = config_client_new(conf, &problems, &c, &e);
    if (verbose)
        fprintf(stderr, "fuzz_config: %s\n", rc == 0 ? aws_client_region(c) : e.msg);
    if (rc == 0) {
        if (!c)
            fail("success without a client");
        const char *region = aws_client_region(c);
        if (!region || !*region)
            fail("a client without a region");
        if (!aws_client_partition(c) || !*aws_client_partition(c))
            fail("a client without a partition");
        if (pv_contains_secret(config_tree(conf)))
            fail("the configuration copy still holds secrets");
        if (is_true(cfg, "skipCredentialsValidation") && is_true(cfg, "skipRequestingAccountId")) {
            err ve = {0};
            aws_cancel cancel = {never_cancelled, NULL};
            if (aws_client_validate(c, cancel, &ve) != 0)
                fail("validation with both skip flags set did not return at once");
        }
        aws_client_free(c);
    } else {
        if (c)
            fail("failure left a client");
        if (!e.code)
            fail("failure without an error code");
        if (!memchr(e.msg, 0, sizeof(e.msg)))
            fail("error message not terminated");
        static const char *const secrets[] = {"secretKey", "token"};
        for (size_t i = 0; i < 2; i++) {
            const char *s = secret_of(cfg, secrets[i], data, size);
            if (s && strstr(e.msg, s))
                fail("an error message holds a secret");
        }
    }
    config_free(conf);
    config_problems_free(&problems);
out:
    if (st)
        protobuf_c_message_free_unpacked(&st->base, NULL);
    pv_free(cfg);
    pv_free(tree);
    cJSON_Delete(j);
    return 0;
}
