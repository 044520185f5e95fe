/* resource: the interface each resource type implements, and the registry
 * that maps a type token to it.
 *
 * A type is registered once as "<module>/<name>:<Name>" and answers to both
 * "awsml:<module>/<name>:<Name>" and the pulumi-aws token "aws:...". The rpc
 * layer hands resources plain values (secret marks removed; it restores them
 * on the way out), so resource code never has to think about secrets. */
#ifndef AWSML_RESOURCE_H
#define AWSML_RESOURCE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include "props.h"
#include "util/err.h"

/* The stack's autonaming configuration for Check (pulumi:autonaming), as the
 * engine sends it; NONE when it sent none (the provider's own rule applies). */
enum res_autonaming {
    RES_AUTONAME_NONE = 0,
    RES_AUTONAME_PROPOSE, /* use the proposed name; the provider may adjust it */
    RES_AUTONAME_ENFORCE, /* use exactly the proposed name, or fail */
    RES_AUTONAME_DISABLE, /* no generated names: a name is required */
};

/* Per-call context. */
typedef struct res_ctx {
    const char *urn;
    const char *name; /* the logical name (from the URN when the engine omits it) */
    const char *type; /* the token as the engine sent it */
    bool preview;
    double timeout; /* seconds, 0 = provider default */
    const atomic_bool *call_cancelled;
    const unsigned char *random_seed;
    size_t random_seed_len;
    enum res_autonaming autonaming;
    const char *proposed_name; /* PROPOSE and ENFORCE */
    /* CLOCK_MONOTONIC ms until which the provider shutting down (Cancel,
     * SIGINT) does not cancel this call: set while it finds out what an
     * interrupted create did, so the answer can still name it. 0 = none. */
    long long grace_until_ms;
    /* What the provider process holds, handed to the call (rpc.c fills them
     * through provider_fill_ctx; resources never reach for globals). */
    /* The AWS client for region (NULL: the provider's own region), built on
     * first use per region and shared; NULL with e set before Configure. */
    struct aws_client *(*client_for)(const char *region, err *e);
    const struct config_settings *config; /* NULL before Configure */
    bool (*shutting_down)(void);          /* Cancel, SIGINT or SIGTERM seen */
    bool (*engine_gone)(void);            /* the engine's stdin pipe closed */
} res_ctx;

typedef struct check_failures {
    char **props;
    char **reasons;
    size_t len;
} check_failures;

int check_failure_add(check_failures *f, const char *prop, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void check_failures_free(check_failures *f);

/* PropertyDiff.Kind numbers of the protocol. */
enum diff_kind {
    DIFF_ADD = 0,
    DIFF_ADD_REPLACE = 1,
    DIFF_DELETE = 2,
    DIFF_DELETE_REPLACE = 3,
    DIFF_UPDATE = 4,
    DIFF_UPDATE_REPLACE = 5,
};

typedef struct diff_entry {
    char *path; /* "a", "a.b", "a[0]", "[\"k.with.dots\"]" */
    enum diff_kind kind;
    bool input_diff;
} diff_entry;

typedef struct diff_result {
    diff_entry *entries;
    size_t len, cap;
    bool delete_before_replace;
} diff_result;

int diff_add(diff_result *d, const char *path, enum diff_kind kind, bool input_diff);
/* The kind of a changed property: added, deleted or updated, replacing or not. */
enum diff_kind diff_kind_of(bool old_absent, bool new_absent, bool replace);
bool diff_has_replace(const diff_result *d);
void diff_result_free(diff_result *d);

struct eng_table;

typedef struct resource_type {
    const char *token; /* "<module>/<name>:<Name>" */
    /* The type's description (resources/engine.h): with it, Check and Diff
     * are the engine's, followed by the hooks below; check and diff are then
     * unused. */
    const struct eng_table *table;
    /* After the table's checks, on the checked inputs (may change them). */
    int (*check_hook)(res_ctx *ctx, const pv *olds, pv *inputs, check_failures *fails, err *e);
    /* After the table's diff: rows marked ED_HOOK, and whatever else. base is
     * what the table compared news with. */
    int (*diff_hook)(res_ctx *ctx, const pv *news, const pv *base, diff_result *out, err *e);
    /* Validates news and fills in defaults; NULL: inputs are news as given. */
    int (*check)(res_ctx *ctx, const pv *olds, const pv *news, pv **inputs, check_failures *fails,
                 err *e);
    /* NULL: the generic top-level diff below, using replace_props. */
    int (*diff)(res_ctx *ctx, const char *id, const pv *olds, const pv *news, const pv *old_inputs,
                diff_result *out, err *e);
    /* On failure after the resource came to exist, set *id (and *outputs):
     * the engine then records it instead of losing it. */
    int (*create)(res_ctx *ctx, const pv *inputs, char **id, pv **outputs, err *e);
    /* *new_id NULL or "" means the resource is gone. */
    int (*read)(res_ctx *ctx, const char *id, const pv *props, const pv *inputs, char **new_id,
                pv **outputs, pv **new_inputs, err *e);
    int (*update)(res_ctx *ctx, const char *id, const pv *olds, const pv *news,
                  const pv *old_inputs, pv **outputs, err *e);
    int (*del)(res_ctx *ctx, const char *id, const pv *props, err *e);
    const char *const *replace_props; /* NULL-terminated */
    bool delete_before_replace;
} resource_type;

/* Compares news with the old inputs (or old outputs when there are none),
 * top-level key by key; a changed key listed in replace_props is a replace. */
int diff_generic(const resource_type *rt, const pv *olds, const pv *news, const pv *old_inputs,
                 char *const *ignore, size_t nignore, diff_result *out, err *e);

/* Registry ------------------------------------------------------------------ */

/* Registers an extra type (tests); the built-in ones are always there. */
int registry_add(const resource_type *rt);
/* The i-th type (built-in ones first); NULL past the last. */
const resource_type *registry_at(size_t i);
/* Finds the type for a full token; NULL with a message naming the token and
 * what is known when there is none. */
const resource_type *registry_find(const char *token, err *e);
/* The type token of a URN "urn:pulumi:stack::project::[parent$]type::name",
 * copied into out; the name goes into name when non-NULL. */
int registry_urn_parts(const char *urn, char *type, size_t typelen, char *name, size_t namelen);

#endif
