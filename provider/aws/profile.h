/* profile: the AWS shared credentials and config files (~/.aws/credentials, ~/.aws/config).
 *
 * Which files: provider config sharedCredentialsFiles / sharedConfigFiles (lists) override
 * AWS_SHARED_CREDENTIALS_FILE / AWS_CONFIG_FILE, which override ~/.aws/credentials and
 * ~/.aws/config. A leading "~" or "~/" is expanded from HOME. A missing file reads as empty
 * (the SDKs do the same); any other read failure is an error naming the path.
 * Which profile: provider config `profile` > AWS_PROFILE > "default".
 *
 * File syntax, as the AWS CLI (botocore over Python's configparser) reads it, with the
 * deviations chosen here written down:
 * - Sections: credentials file `[name]`; config file `[profile name]` and `[default]`. In the
 *   config file any other `[name]` (sso-session, services, typos) is not a profile and is
 *   ignored. `[profile default]` wins over `[default]` in the same file (the SDKs' shared-config
 *   rule). Whitespace inside the brackets around the name is trimmed; text after the closing
 *   bracket is ignored (configparser ignores it too, though it
 *   splits at the last ']', not the first). Profile names are case-sensitive.
 * - Keys: `key = value` or `key: value` (configparser accepts both delimiters; the first one on
 *   the line splits). Key and value are trimmed. Keys are case-insensitive (configparser
 *   lowercases them); they are stored lowercased.
 * - Comments: a line whose first non-blank byte is `#` or `;`. Inline comments: a `#` or `;`
 *   preceded by a blank ends a value (the Go SDK that pulumi-aws uses strips them; Python 3's
 *   configparser would keep them in the value, which then fails later, e.g. as an invalid
 *   region). Key material never contains a blank, so this cannot cut a key or token short; a
 *   credential_process command that needs " #" or " ;" must be wrapped in a script.
 * - An indented line after a key is a continuation. When the key's value is empty it opens a
 *   nested sub-section (`s3 =` then `  max_concurrent_requests = 10`): the nested lines are
 *   skipped and the key itself reads as absent. Continuations of non-empty values are skipped
 *   too (the CLI would glue them onto the value with a newline, which no setting accepts).
 * - CRLF and a missing final newline are fine; a UTF-8 BOM is skipped. NUL bytes are an error.
 * - Duplicates: configparser (strict) rejects a repeated section or key in one file, so the
 *   CLI refuses such a file. The Go SDK behind pulumi-aws accepts it, merging sections with the
 *   last value winning; awsml does the same so a file pulumi-aws accepts keeps working.
 * - A key line before any section, or a line that is neither section, key nor comment, is an
 *   error naming the path and line number (never the line: it may hold a secret).
 * - Files are capped at PROFILE_MAX_FILE bytes.
 *
 * Lookup: profile_get() looks in the credentials files first, then the config files, for every
 * key (botocore merges the credentials file's profiles over the config file's); among several
 * files of one kind the later file wins (the Go SDK's merge order). Values are plain strings:
 * region, role_arn, source_profile, external_id, role_session_name, web_identity_token_file,
 * credential_process, duration_seconds, mfa_serial, sts_regional_endpoints, ...
 * Secret values are wiped when the set is freed and never appear in an error message.
 */
#ifndef AWSML_AWS_PROFILE_H
#define AWSML_AWS_PROFILE_H

#include <stdbool.h>
#include <stddef.h>

#include "util/err.h"

#define PROFILE_MAX_FILE ((size_t)1 << 20) /* 1 MiB: real files are a few KiB */
#define PROFILE_MAX_FILES 16               /* per kind (credentials, config) */
#define PROFILE_DEFAULT "default"

/* An environment to read variables from, so tests and callers never depend on the process
 * environment by accident. get returns NULL when the variable is unset. */
typedef struct profile_env {
    const char *(*get)(void *ctx, const char *name);
    void *ctx;
} profile_env;

/* The process environment (getenv). */
profile_env profile_env_system(void);
/* A variable's value, or NULL when it is unset or empty (the SDKs treat an empty variable as
 * unset). A NULL env or env->get reads as an empty environment. */
const char *profile_env_get(const profile_env *env, const char *name);

enum profile_kind {
    PROFILE_CREDENTIALS, /* sections are profile names as written */
    PROFILE_CONFIG,      /* [profile name] and [default] only */
};

/* One parsed file's entries, or the merge of several. Zeroed = empty; free is idempotent. */
typedef struct profile_file {
    struct profile_section *sections; /* one per header line, in file order */
    size_t n_sections, sections_size;
    struct profile_entry *entries; /* key lines, pointing at their section by index */
    size_t n, size;
} profile_file;

/* Parses data[0..len) and appends its entries to f. path only names the file in errors. On
 * error nothing of this file is kept (f is as before the call). */
int profile_file_parse(profile_file *f, const char *data, size_t len, enum profile_kind kind,
                       const char *path, err *e);
/* Reads and parses path (already expanded). A missing file adds nothing and sets *found false
 * (found may be NULL). */
int profile_file_load(profile_file *f, const char *path, enum profile_kind kind, bool *found,
                      err *e);
/* The last value of key in profile, or NULL. key is matched case-insensitively. */
const char *profile_file_get(const profile_file *f, const char *profile, const char *key);
/* true when the file has a section for profile (even an empty one). */
bool profile_file_has(const profile_file *f, const char *profile);
void profile_file_free(profile_file *f);

/* Provider config inputs; every field may be NULL / 0 (= not configured). */
typedef struct profile_opts {
    const char *const *credentials_files; /* sharedCredentialsFiles */
    size_t n_credentials_files;
    const char *const *config_files; /* sharedConfigFiles */
    size_t n_config_files;
    const char *profile; /* profile; NULL or "" = not set */
} profile_opts;

typedef struct profile_set {
    profile_file credentials;
    profile_file config;
    char *name;           /* the selected profile */
    const char *name_src; /* "provider config", "AWS_PROFILE" or "default" */
    /* Expanded paths, in load order, and whether each existed. For messages that name what
     * was tried. */
    char *cred_paths[PROFILE_MAX_FILES];
    bool cred_found[PROFILE_MAX_FILES];
    size_t n_cred_paths;
    char *config_paths[PROFILE_MAX_FILES];
    bool config_found[PROFILE_MAX_FILES];
    size_t n_config_paths;
} profile_set;

/* Expands a leading "~" / "~/" from env HOME into a malloc'd string in *out. */
int profile_expand_path(const char *path, const profile_env *env, char **out, err *e);
/* Resolves the files and the profile name, loads every file. On error ps is freed. */
int profile_load(profile_set *ps, const profile_opts *opts, const profile_env *env, err *e);
/* key in profile (NULL = the selected profile): credentials files first, then config files. */
const char *profile_get(const profile_set *ps, const char *profile, const char *key);
/* true when any loaded file has a section for profile (NULL = the selected profile). */
bool profile_exists(const profile_set *ps, const char *profile);
/* Fails when the selected profile was asked for (config or AWS_PROFILE) but no file defines
 * it, naming the profile and the files tried, as the CLI does ("could not be found"). An
 * implicit "default" that does not exist is fine: other credential sources may follow. */
int profile_check_selected(const profile_set *ps, err *e);
void profile_set_free(profile_set *ps);

#endif
