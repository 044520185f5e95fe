/* config: the provider configuration as Pulumi sends it (CheckConfig's news,
 * Configure's args: a value tree whose lists and objects may come JSON-encoded
 * in strings, with secrets marked and, in a preview's CheckConfig, values not
 * known yet) turned into plain settings:
 *
 *   - the AWS client's options (aws/client.h: region, profile and shared files,
 *     credentials, assumed roles, endpoints, retries, HTTP, account guards),
 *   - the tag settings resources apply (defaultTags, ignoreTags),
 *   - the security advisor's settings (securityAdvisor, securityAdvisorSuppress),
 *
 * and every broken rule as a problem against its config key. CheckConfig and
 * Configure both load a configuration through here (with aws_options_check for
 * the rules that need the environment or local files), so every rule lives
 * once; the advisor's rule IDs are checked by advice.c, which knows them. */
#ifndef AWSML_CONFIG_H
#define AWSML_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "aws/client.h"
#include "aws/profile.h"
#include "props.h"
#include "util/err.h"

/* One broken rule: the config key it is about ("" when a variable of the
 * environment or a default file is at fault), the reason, and its err code. */
typedef struct config_problem {
    char *key;
    char *reason;
    int code;
} config_problem;

typedef struct config_problems {
    config_problem *items;
    size_t len, cap;
} config_problems;

/* Adds a problem unless key already has one (the first problem of a key is the
 * one that counts: later ones follow from it); problems of "" are all kept.
 * -1 only when memory runs out. */
int config_problem_add(config_problems *p, const char *key, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void config_problems_free(config_problems *p);
/* Configure's one error: the problem itself when there is one, else "the
 * provider configuration has N problems: (1) ...; (2) ..." with the code of
 * the first. */
void config_problems_to_err(const config_problems *p, err *e);

enum config_advisor_mode {
    CONFIG_ADVISOR_WARN = 0, /* the default */
    CONFIG_ADVISOR_OFF,
    CONFIG_ADVISOR_ENFORCE,
};

typedef struct config_advisor {
    enum config_advisor_mode mode;
    /* securityAdvisorSuppress as given: NULL for an entry that is no string. */
    const char *const *suppress;
    size_t n_suppress;
    /* securityAdvisorRules: an object, rule ID -> its properties (advice.c
     * reads them: it knows the rules), or NULL. */
    const pv *rules;
} config_advisor;

typedef struct config_tags {
    const pv *default_tags;         /* defaultTags.tags when it is an object, else NULL */
    const char *const *ignore_keys; /* ignoreTags.keys (its strings) */
    size_t n_ignore_keys;
    const char *const *ignore_key_prefixes; /* ignoreTags.keyPrefixes (its strings) */
    size_t n_ignore_key_prefixes;
} config_tags;

/* A loaded configuration. Every pointer in it points into the configuration
 * itself: it lives until config_free. */
typedef struct config_settings {
    aws_options aws;
    config_tags tags;
    config_advisor advisor;
    struct config_store *store; /* private: what the settings point into */
} config_settings;

enum config_mode {
    /* Configure: every value is judged; unknown keys and ignored endpoints
     * are warnings (the engine checked the keys with CheckConfig first). */
    CONFIG_CONFIGURE,
    /* CheckConfig: values not known yet are not judged; unknown keys are
     * problems; no warnings. */
    CONFIG_CHECK,
};

/* Loads given (NULL: an empty configuration) with env (NULL: the process
 * environment): every value rule, then aws_options_check. Broken rules go to
 * p; *out is the configuration even then (free it with config_free). -1 only
 * when memory runs out (e says so, *out is NULL). */
int config_load(const pv *given, const profile_env *env, enum config_mode mode,
                config_settings **out, config_problems *p, err *e);
void config_free(config_settings *c);

/* The configuration as read: secrets unmarked, JSON-encoded lists and objects
 * decoded, values not known yet removed (CONFIG_CHECK). */
const pv *config_tree(const config_settings *c);

/* Configure's client: when p holds problems, none, and e lists them
 * (config_problems_to_err); else aws_client_new on c's options. c must
 * outlive the client. */
int config_client_new(const config_settings *c, const config_problems *p, aws_client **out, err *e);

/* The provider's config keys (schema/schema.json's config variables),
 * NULL-terminated. */
extern const char *const config_keys[];
/* Whether key belongs: a provider config key, `assumeRole` (refused with a
 * hint of its own), the engine's `version`, `pluginDownloadURL` and
 * `pluginChecksums`, and anything starting with "__" or "pulumi:". */
bool config_key_known(const char *key);
/* The provider config key a misspelt key most likely meant (the same ignoring
 * case, '_' and '-', or at most 2 edits away), NULL when none is close. */
const char *config_key_suggest(const char *key);

#endif
