/* common: what every resource needs besides its own AWS mapping: property
 * access on value trees, validation that records CheckFailures, autonaming,
 * tags/tagsAll, the AWS client with the call's cancellation, and waiting on
 * eventual consistency with a status line. */
#ifndef AWSML_RESOURCES_COMMON_H
#define AWSML_RESOURCES_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "aws/client.h"
#include "props.h"
#include "resource.h"
#include "util/err.h"

/* ERR_RESOURCE_EXHAUSTED "out of memory"; returns -1. */
int res_oom(err *e);

/* ---- property access (plain values: secrets were removed by rpc.c) ---- */
/* The value at key without secret wrappers, or NULL when absent or null. */
const pv *prop_get(const pv *obj, const char *key);
/* The string at key, or NULL when absent, null, unknown or not a string. */
const char *prop_str(const pv *obj, const char *key);
bool prop_is_unknown(const pv *obj, const char *key); /* present and unknown */
bool prop_present(const pv *obj, const char *key);    /* present, not null */
/* Sets key to a string/number/bool (copies); -1 on allocation failure. */
int prop_set_str(pv *obj, const char *key, const char *s);
int prop_set_num(pv *obj, const char *key, double n);
int prop_set_bool(pv *obj, const char *key, bool b);
int prop_set_unknown(pv *obj, const char *key);

/* ---- validation (the rules themselves are the engine's: resources/engine.h) ---- */
/* IAM name characters: letters, digits and _+=,.@- */
bool charset_iam_name(int c);

/* ---- autonaming --------------------------------------------------------- */
/* The physical name for prop: the old one when olds has it (a preview's seed
 * differs from up's), else "<name>-<7 hex>" derived from the call's random
 * seed, cut to maxlen. With prefix set, prefix + a 26-character suffix.
 * pulumi:autonaming overrides: PROPOSE uses the proposal (cut to maxlen) for
 * new resources, ENFORCE uses it exactly or fails, DISABLE fails (a name is
 * required). */
int autoname(const res_ctx *ctx, const pv *olds, const char *prop, const char *prefix,
             size_t maxlen, char **out, err *e);

/* ---- tags ------------------------------------------------------------------ */
/* tagsAll = provider defaultTags.tags overlaid with tags, minus ignoreTags
 * keys/prefixes and aws:-prefixed keys; unknown when tags holds an unknown. */
int tags_all(const res_ctx *ctx, const pv *tags, pv **out, err *e);
/* For Read: tags = actual - ignored - default tags with equal values;
 * tagsAll = actual - ignored. actual is an object of strings. */
int tags_from_actual(const res_ctx *ctx, const pv *actual, pv **tags, pv **tags_all_out, err *e);
/* Whether a key is ignored by the provider's ignoreTags or is AWS's own. */
bool tags_ignored(const res_ctx *ctx, const char *key);

/* What a tag update sends, from the tags wanted and the tags the resource has
 * (objects of strings, either may be NULL): keys to set (new or changed,
 * with their values) and keys to remove; keys the provider ignores (ignoreTags,
 * aws:) are neither. -1 on allocation failure. */
struct strv;
int tags_delta(const res_ctx *ctx, const pv *want, const pv *have, struct strv *set_keys,
               struct strv *set_values, struct strv *remove_keys, err *e);

/* ---- AWS ---------------------------------------------------------------------- */
/* true once the engine cancelled this call or the provider is shutting down
 * (unless within the call's grace_until_ms). */
bool res_cancelled(const res_ctx *ctx);
/* The provider's client, or an error telling to Configure first. */
aws_client *res_client(const res_ctx *ctx, err *e);
/* The client of the region props name ("region"; absent: the provider's),
 * or an error telling to Configure first. Each region's client is made once
 * and shared: a regional resource lives, is read, changed and deleted in its
 * own region. */
aws_client *res_client_for(const res_ctx *ctx, const pv *props, err *e);
/* Cancellation of this call for the client. */
aws_cancel res_aws_cancel(res_ctx *ctx);
/* Sleeps ms while showing msg as an ephemeral status line on the resource;
 * -1 when cancelled. For eventual-consistency waits. */
int res_wait(res_ctx *ctx, long ms, const char *msg);

/* ---- waiting on eventual consistency ------------------------------------------ */
/* One backoff policy for every wait of every resource: 1 s, doubling up to
 * 8 s, while the call's budget lasts (wall clock from res_backoff_init). */
#define RES_BACKOFF_FIRST_MS 1000L
#define RES_BACKOFF_MAX_MS 8000L
typedef struct res_backoff {
    long long deadline_ms; /* res_now_ms() after which no more waits */
    long step_ms;
} res_backoff;
/* CLOCK_MONOTONIC in milliseconds. */
long long res_now_ms(void);
void res_backoff_init(res_backoff *b, long budget_ms);
/* After a failed attempt (e): when retry_if(e) says the failure may clear
 * with time and the budget lasts, waits the next step showing status as the
 * resource's status line and returns 0 (try again). Otherwise -1 with e
 * unchanged, or with a cancellation that names status and the last failure. */
int res_backoff_wait(res_ctx *ctx, res_backoff *b, bool (*retry_if)(const err *e),
                     const char *status, err *e);

/* ---- creates whose outcome is unknown ------------------------------------------ */
/* How far this machine's clock may be off AWS's (SigV4 refuses much larger skews). */
#define RES_CLOCK_SKEW_S 300
/* Whether a resource that AWS says was created at `created` (RFC 3339 as IAM
 * writes it, or epoch seconds as JSON 1.1 services do) can be the work of a
 * create call started at `started` (time(NULL) then) and running until `now`:
 * within [started - skew, now + skew]. false when the time is unreadable.
 * Used, with the resource's own properties, to tell "our lost create" from
 * "someone else's resource of the same name". */
bool res_created_since(const char *created, time_t started, time_t now);
/* A create whose answer was lost (an attempt may have created it) or that a
 * resumed create finds existing: the resource looks itself up by name and
 * hands over what it found; res_adopt decides, with one set of messages:
 *   ABSENT   lookup_err is NotFound: nothing was created, e (the create's
 *            failure) stands;
 *   UNKNOWN  the lookup failed too: e says so; the caller records the id so
 *            the resource cannot be lost (refresh settles it);
 *   FOREIGN  it exists but differs (differs says how) or was created before
 *            started: e names it and how to import it;
 *   OURS     it is what this create asked for: a warning, e cleared.
 * what: "iam role" (its last word names it in "a role of that name");
 * call: "CreateRole"; token: the type token for `pulumi import`; created:
 * AWS's creation time (res_created_since), NULL unknown, or
 * RES_CREATED_DURING for a resource AWS keeps no time of (an attachment)
 * that the create saw absent when it began: it can only be this create's. */
extern const char RES_CREATED_DURING[];
enum res_adopt { RES_ADOPT_ABSENT, RES_ADOPT_OURS, RES_ADOPT_FOREIGN, RES_ADOPT_UNKNOWN };
enum res_adopt res_adopt(const res_ctx *ctx, const char *what, const char *call, const char *token,
                         const char *name, time_t started, const err *lookup_err,
                         const char *created, const char *differs, err *e);

/* How long a create interrupted by the provider shutting down (Cancel, SIGINT)
 * may keep calling AWS to find out what it did: within the server's 3 s grace. */
#define RES_GRACE_MS 2000
/* Starts that grace for this call when the provider is shutting down: lookups
 * made then still run, so the answer names a resource that exists. */
void res_grace(res_ctx *ctx);

/* A create that may take effect without its answer arriving: one attempt
 * (with any retries of its own) and, after a failure that may have taken
 * effect (or "already exists" on a resumed create), a lookup that lets
 * res_adopt decide. */
typedef struct res_create {
    int (*call)(res_ctx *ctx, void *arg, aws_outcome *oc, err *e);
    enum res_adopt (*adopt)(res_ctx *ctx, void *arg, time_t started, err *e);
    bool (*exists)(const err *e); /* the call's "already exists"; NULL: ERR_ALREADY_EXISTS */
    /* Failures that may clear with time: retried within budget_ms, showing
     * status (res_backoff_wait); NULL: none. */
    bool (*retry_if)(const err *e);
    long budget_ms;
    const char *status;
} res_create;
/* Runs c (resumed_from as pending_create gives it): 0 when the resource was
 * created, or found and taken as this create's; 1 when whether it exists is
 * unknown (e says so: record its id, refresh settles it); -1 when it failed
 * and nothing of this create's exists (or another's does), e says why. */
int res_create_adopting(res_ctx *ctx, const res_create *c, void *arg, time_t resumed_from, err *e);

/* One call of a JSON 1.1 service: target "<prefix>.<op>" ("SageMaker"), body
 * serialised; *resp (may be NULL) gets the parsed answer ({} when empty), *oc
 * (may be NULL) whether a failed call may have taken effect. */
struct cJSON;
int res_json_call(res_ctx *ctx, aws_client *c, enum endpoints_service svc, const char *prefix,
                  const char *op, const struct cJSON *body, bool idem, aws_outcome *oc,
                  struct cJSON **resp, err *e);

#endif
