/* pending: creates whose answer may never have reached the engine,
 * remembered on this machine so the next create of the same resource finds
 * what they made instead of making a second one.
 *
 * Pulumi records a resource only when Create answers. If the provider dies
 * (or the engine goes away) after AWS made the resource and before the answer
 * arrives, the state has nothing, and for an autonamed role the next
 * `pulumi up` would draw a new name and leave the first role behind. So each
 * non-preview Create writes a record (URN, physical id, start time) before
 * its AWS call and removes it once it answers an engine that is still
 * listening. A record left behind makes Check reuse its name and lets Create
 * adopt a resource of that name that AWS says was created after the record's
 * start (with the properties asked for), instead of failing "already exists".
 *
 * One small file per URN (named by the URN's SHA-256) in
 * $AWSML_STATE_DIR/pending-creates, else $XDG_STATE_HOME/awsml/pending-creates,
 * else ~/.local/state/awsml/pending-creates (mode 0700). Records older than
 * PENDING_MAX_AGE_S are ignored and removed. Failing to write or read a
 * record never fails a call: it only turns this safety net off. */
#ifndef AWSML_RESOURCES_PENDING_H
#define AWSML_RESOURCES_PENDING_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "resource.h"

#define PENDING_MAX_AGE_S (24L * 60 * 60)
#define PENDING_ID_MAX 4096

/* The record of an earlier, unanswered create of ctx->urn: true with its id
 * (copied into id, cap bytes) and start time. With want_id set, only a record
 * of that id counts. */
bool pending_find(const res_ctx *ctx, const char *want_id, char *id, size_t cap, time_t *started);

/* One create's record, from pending_begin to pending_end. */
typedef struct pending {
    bool written;
    char path[4096]; /* "" when no record file is known */
} pending;

/* Records that a create of ctx->urn making `id` starts (started: when the
 * first attempt began). Replaces any earlier record of the URN. */
void pending_begin(const res_ctx *ctx, const char *id, time_t started, pending *p);

/* The create answered: forgets the record (no allocation, so it cannot fail
 * half way), unless the call was cancelled or the engine is gone (nobody will
 * record the answer), so a record stays until an engine has the resource. */
void pending_end(const res_ctx *ctx, pending *p);

/* A create's body: resumed_from is the start of an earlier create of the same
 * resource whose answer was lost, 0 for none. */
typedef int (*pending_create_fn)(res_ctx *ctx, const pv *inputs, time_t resumed_from, char **id,
                                 pv **outputs, err *e);

/* Runs create for the resource whose physical id will be `id`, between
 * pending_begin and pending_end, telling it about an earlier unanswered create
 * of the same id. Previews, and id NULL, run create alone with 0. */
int pending_create(res_ctx *ctx, const char *id, pending_create_fn create, const pv *inputs,
                   char **out_id, pv **outputs, err *e);

/* A Read found `id` under ctx->urn (refresh, import): the engine has it now,
 * so a record of the same id is dropped. */
void pending_forget(const res_ctx *ctx, const char *id);

#endif
