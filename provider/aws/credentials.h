/* credentials: where AWS credentials come from, first match wins, in the
 * order pulumi-aws (the AWS Go SDK) and the AWS CLI use:
 *
 *   1. provider config accessKey + secretKey (+ token)
 *   2. provider config assumeRoleWithWebIdentity
 *   3. environment AWS_ACCESS_KEY_ID + AWS_SECRET_ACCESS_KEY (+ AWS_SESSION_TOKEN)
 *   4. environment AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN (AssumeRoleWithWebIdentity)
 *   5. the selected profile of the shared files: role_arn with source_profile or
 *      credential_source (STS AssumeRole), web_identity_token_file, credential_process,
 *      or static keys
 *   6. ECS/EKS container credentials (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI / _FULL_URI)
 *   7. EC2 instance metadata, IMDSv2 (token first), unless skipMetadataApiCheck or
 *      AWS_EC2_METADATA_DISABLED=true
 *
 * then every provider config assumeRoles entry in turn, each assuming from the
 * previous credentials. Temporary credentials are cached, shared between threads
 * and refreshed five minutes before they expire. When nothing matches, the
 * error lists every source tried and why it did not apply; no error ever holds
 * a key, a secret or a token. */
#ifndef AWSML_AWS_CREDENTIALS_H
#define AWSML_AWS_CREDENTIALS_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "aws/http.h"
#include "aws/profile.h"
#include "util/err.h"

#define CREDS_MAX_KEY 256
#define CREDS_MAX_TOKEN 4096
#define CREDS_REFRESH_MARGIN_S 300

typedef struct aws_credentials {
    char access_key_id[CREDS_MAX_KEY];
    char secret_access_key[CREDS_MAX_KEY];
    char session_token[CREDS_MAX_TOKEN];
    time_t expires;   /* 0 = does not expire */
    char source[160]; /* where they came from, for messages: never secret */
} aws_credentials;

/* Zeroes every byte (OPENSSL_cleanse). */
void creds_wipe(aws_credentials *c);

/* One STS AssumeRole (provider assumeRoles entry or a profile's role_arn). */
typedef struct creds_assume_role {
    const char *role_arn;
    const char *session_name; /* NULL = "awsml-<time>" */
    const char *external_id;
    const char *policy;
    const char *source_identity;
    const char *const *policy_arns;
    size_t n_policy_arns;
    const char *const *tag_keys;
    const char *const *tag_values;
    size_t n_tags;
    const char *const *transitive_tag_keys;
    size_t n_transitive;
    int duration_seconds; /* 0 = STS default (3600) */
} creds_assume_role;

/* AssumeRoleWithWebIdentity: the token comes from token or token_file. */
typedef struct creds_web_identity {
    const char *role_arn;
    const char *session_name;
    const char *token;
    const char *token_file;
    const char *policy;
    const char *const *policy_arns;
    size_t n_policy_arns;
    int duration_seconds;
} creds_web_identity;

/* The STS calls the chain needs. The client implements them (it signs and
 * sends requests); keeping them behind pointers keeps this module free of
 * HTTP protocol code and lets tests substitute them. */
typedef struct creds_sts {
    int (*assume_role)(void *ctx, const aws_credentials *base, const creds_assume_role *ar,
                       aws_credentials *out, err *e);
    int (*assume_role_web_identity)(void *ctx, const creds_web_identity *wi, const char *token,
                                    aws_credentials *out, err *e);
    void *ctx;
} creds_sts;

/* Everything the chain reads. Strings are borrowed and must outlive the provider. */
typedef struct creds_config {
    const char *access_key, *secret_key, *token; /* provider config */
    const creds_web_identity *web_identity;      /* provider assumeRoleWithWebIdentity */
    const creds_assume_role *assume_roles;       /* provider assumeRoles */
    size_t n_assume_roles;
    const profile_set *profiles; /* loaded shared files, selected profile inside */
    bool skip_metadata_api_check;
    const profile_env *env;
    http_client *http; /* for container and instance metadata credentials */
    creds_sts sts;
} creds_config;

typedef struct creds_provider creds_provider;

int creds_provider_new(const creds_config *cfg, creds_provider **out, err *e);
/* Current credentials (a copy; wipe it after use). cancel may be NULL. */
int creds_get(creds_provider *p, http_cancel_fn cancel, void *cancel_ctx, aws_credentials *out,
              err *e);
void creds_provider_free(creds_provider *p);

/* "2026-11-27T15:00:00Z" (also with fractional seconds or +00:00) -> time_t; -1 if malformed. */
time_t creds_parse_time(const char *s);

#endif
