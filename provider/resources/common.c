#include "resources/common.h"

#include <cjson/cJSON.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aws/credentials.h"
#include "config.h"
#include "resources/pending.h"
#include "util/log.h"
#include "util/mem.h"
#include "util/str.h"
#include "util/strv.h"

/* ---- property access --------------------------------------------------------- */

int res_oom(err *e)
{
    return err_set(e, ERR_RESOURCE_EXHAUSTED, "out of memory");
}

const pv *prop_get(const pv *obj, const char *key)
{
    const pv *v = obj ? pv_object_get(obj, key) : NULL;
    v = v ? pv_plain(v) : NULL;
    return (v && v->kind != PV_NULL) ? v : NULL;
}

const char *prop_str(const pv *obj, const char *key)
{
    const pv *v = obj ? pv_object_get(obj, key) : NULL;
    return v && v->kind == PV_STRING ? v->u.str.s : NULL;
}

bool prop_is_unknown(const pv *obj, const char *key)
{
    const pv *v = obj ? pv_object_get(obj, key) : NULL;
    return v && pv_contains_unknown(v);
}

bool prop_present(const pv *obj, const char *key)
{
    const pv *v = obj ? pv_object_get(obj, key) : NULL;
    return v && v->kind != PV_NULL;
}

int prop_set_str(pv *obj, const char *key, const char *s)
{
    return pv_object_set(obj, key, pv_string(s));
}

int prop_set_num(pv *obj, const char *key, double n)
{
    return pv_object_set(obj, key, pv_number(n));
}

int prop_set_bool(pv *obj, const char *key, bool b)
{
    return pv_object_set(obj, key, pv_bool(b));
}

int prop_set_unknown(pv *obj, const char *key)
{
    return pv_object_set(obj, key, pv_unknown(PV_UNK_ANY));
}

/* ---- validation ------------------------------------------------------------------ */

bool charset_iam_name(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           strchr("_+=,.@-", c) != NULL;
}

/* ---- autonaming ----------------------------------------------------------------------- */

/* Whether a recorded name has the shape this call would generate. */
static bool pending_name_fits(const res_ctx *ctx, const char *rec, const char *prefix,
                              size_t maxlen)
{
    size_t len = strlen(rec);
    if (len > maxlen)
        return false;
    if (prefix)
        return str_has_prefix(rec, prefix) && len == strlen(prefix) + 26;
    if (ctx->autonaming == RES_AUTONAME_PROPOSE)
        return true;
    const char *base = ctx->name ? ctx->name : "resource";
    size_t room = maxlen > 8 ? maxlen - 8 : 0, blen = strlen(base) < room ? strlen(base) : room;
    return len == blen + 8 && strncmp(rec, base, blen) == 0 && rec[blen] == '-';
}

int autoname(const res_ctx *ctx, const pv *olds, const char *prop, const char *prefix,
             size_t maxlen, char **out, err *e)
{
    const char *old = prop_str(olds, prop);
    const char *proposed = ctx->proposed_name;
    switch (ctx->autonaming) {
    case RES_AUTONAME_DISABLE:
        return err_set(e, ERR_INVALID_ARGUMENT,
                       "'%s' is required: the stack turns autonaming off (pulumi:autonaming)",
                       prop);
    case RES_AUTONAME_ENFORCE:
        if (!proposed || !*proposed || strlen(proposed) > maxlen)
            return err_set(e, ERR_INVALID_ARGUMENT,
                           "'%s': the name pulumi:autonaming enforces, '%s', must be 1 to %zu "
                           "characters",
                           prop, proposed ? proposed : "", maxlen);
        *out = str_dup(proposed);
        return *out ? 0 : err_set(e, ERR_RESOURCE_EXHAUSTED, "out of memory");
    default:
        break;
    }
    if (old && *old) {
        *out = str_dup(old);
        return *out ? 0 : err_set(e, ERR_RESOURCE_EXHAUSTED, "out of memory");
    }
    /* A create of this resource whose answer never reached an engine (the
     * provider or the CLI died): the same name again, so the next create finds
     * what that one made instead of leaving it behind (pending.h). */
    char rec[PENDING_ID_MAX];
    if (pending_find(ctx, NULL, rec, sizeof(rec), NULL) &&
        pending_name_fits(ctx, rec, prefix, maxlen)) {
        log_at(1, "%s: reusing the name of an interrupted create", ctx->urn);
        *out = str_dup(rec);
        return *out ? 0 : err_set(e, ERR_RESOURCE_EXHAUSTED, "out of memory");
    }
    if (ctx->autonaming == RES_AUTONAME_PROPOSE && proposed && *proposed) {
        /* A proposal may be adjusted: cut to the limit. */
        *out = str_ndup(proposed, strlen(proposed) < maxlen ? strlen(proposed) : maxlen);
        return *out ? 0 : err_set(e, ERR_RESOURCE_EXHAUSTED, "out of memory");
    }
    /* The suffix comes from the engine's random seed, so the same seed gives
     * the same name; without one (older engines), from OpenSSL's generator. */
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int dlen = 0;
    unsigned char rnd[32];
    const unsigned char *seed = ctx->random_seed;
    size_t seedlen = ctx->random_seed_len;
    if (!seed || !seedlen) {
        if (RAND_bytes(rnd, sizeof(rnd)) != 1)
            return err_set(e, ERR_INTERNAL, "no randomness for a generated name");
        seed = rnd;
        seedlen = sizeof(rnd);
    }
    if (EVP_Digest(seed, seedlen, digest, &dlen, EVP_sha256(), NULL) != 1)
        return err_set(e, ERR_INTERNAL,
                       "hashing the random seed failed in OpenSSL (out of memory, or no SHA-256 "
                       "in its providers)");
    static const char digits[] = "0123456789abcdef";
    char hex[2 * EVP_MAX_MD_SIZE + 1];
    for (unsigned int i = 0; i < dlen; i++) {
        hex[2 * i] = digits[digest[i] >> 4];
        hex[2 * i + 1] = digits[digest[i] & 15];
    }
    hex[2 * dlen] = '\0';
    char name[512];
    if (prefix) {
        /* namePrefix: the prefix and a 26-character unique suffix. */
        snprintf(name, sizeof(name), "%s%.26s", prefix, hex);
    } else {
        const char *base = ctx->name ? ctx->name : "resource";
        size_t room = maxlen > 8 ? maxlen - 8 : 0;
        snprintf(name, sizeof(name), "%.*s-%.7s", (int)room, base, hex);
    }
    if (strlen(name) > maxlen)
        return err_set(e, ERR_INVALID_ARGUMENT,
                       "the generated name for '%s' would be longer than %zu characters", prop,
                       maxlen);
    *out = str_dup(name);
    return *out ? 0 : err_set(e, ERR_RESOURCE_EXHAUSTED, "out of memory");
}

/* ---- tags ------------------------------------------------------------------------------- */

/* The provider configuration's tag settings; NULL before Configure. */
static const config_tags *tag_settings(const res_ctx *ctx)
{
    return ctx && ctx->config ? &ctx->config->tags : NULL;
}

bool tags_ignored(const res_ctx *ctx, const char *key)
{
    if (str_has_prefix(key, "aws:"))
        return true;
    const config_tags *t = tag_settings(ctx);
    for (size_t i = 0; t && i < t->n_ignore_keys; i++)
        if (strcmp(t->ignore_keys[i], key) == 0)
            return true;
    for (size_t i = 0; t && i < t->n_ignore_key_prefixes; i++)
        if (str_has_prefix(key, t->ignore_key_prefixes[i]))
            return true;
    return false;
}

static int copy_unignored(const res_ctx *ctx, pv *dst, const pv *src)
{
    for (size_t i = 0; src && src->kind == PV_OBJECT && i < src->u.obj.len; i++) {
        if (tags_ignored(ctx, src->u.obj.keys[i]))
            continue;
        if (pv_object_set(dst, src->u.obj.keys[i], pv_copy(src->u.obj.vals[i])) != 0)
            return -1;
    }
    return 0;
}

int tags_all(const res_ctx *ctx, const pv *tags, pv **out, err *e)
{
    *out = NULL;
    if (tags && pv_contains_unknown(tags)) {
        *out = pv_unknown(PV_UNK_OBJECT);
        return *out ? 0 : err_set(e, ERR_RESOURCE_EXHAUSTED, "out of memory");
    }
    pv *all = pv_object();
    const config_tags *t = tag_settings(ctx);
    if (!all || copy_unignored(ctx, all, t ? t->default_tags : NULL) != 0 ||
        copy_unignored(ctx, all, tags) != 0) {
        pv_free(all);
        return err_set(e, ERR_RESOURCE_EXHAUSTED, "out of memory");
    }
    *out = all;
    return 0;
}

int tags_from_actual(const res_ctx *ctx, const pv *actual, pv **tags, pv **tags_all_out, err *e)
{
    pv *all = pv_object(), *own = pv_object();
    const config_tags *t = tag_settings(ctx);
    const pv *defaults = t ? t->default_tags : NULL;
    *tags = *tags_all_out = NULL;
    if (!all || !own || copy_unignored(ctx, all, actual) != 0)
        goto oom;
    for (size_t i = 0; i < all->u.obj.len; i++) {
        const char *k = all->u.obj.keys[i];
        const pv *d = defaults ? pv_object_get(defaults, k) : NULL;
        if (d && pv_equal(d, all->u.obj.vals[i]))
            continue; /* it came from defaultTags */
        if (pv_object_set(own, k, pv_copy(all->u.obj.vals[i])) != 0)
            goto oom;
    }
    *tags = own;
    *tags_all_out = all;
    return 0;
oom:
    pv_free(all);
    pv_free(own);
    return err_set(e, ERR_RESOURCE_EXHAUSTED, "out of memory");
}

int tags_delta(const res_ctx *ctx, const pv *want, const pv *have, strv *set_keys, strv *set_values,
               strv *remove_keys, err *e)
{
    want = want ? pv_plain(want) : NULL;
    have = have ? pv_plain(have) : NULL;
    bool w = want && want->kind == PV_OBJECT, h = have && have->kind == PV_OBJECT;
    for (size_t i = 0; w && i < want->u.obj.len; i++) {
        const char *k = want->u.obj.keys[i];
        const pv *v = pv_plain(want->u.obj.vals[i]);
        const pv *o = h ? pv_object_get(have, k) : NULL;
        if (v->kind != PV_STRING || tags_ignored(ctx, k) || (o && pv_equal(v, pv_plain(o))))
            continue;
        if (strv_push(set_keys, k) != 0 || strv_push(set_values, v->u.str.s) != 0)
            return res_oom(e);
    }
    for (size_t i = 0; h && i < have->u.obj.len; i++) {
        const char *k = have->u.obj.keys[i];
        if ((w && pv_object_get(want, k)) || tags_ignored(ctx, k))
            continue;
        if (strv_push(remove_keys, k) != 0)
            return res_oom(e);
    }
    return 0;
}

/* ---- AWS --------------------------------------------------------------------------------------
 */

bool res_cancelled(const res_ctx *ctx)
{
    if (ctx && ctx->call_cancelled && atomic_load(ctx->call_cancelled))
        return true;
    if (!ctx || !ctx->shutting_down || !ctx->shutting_down())
        return false;
    if (ctx->grace_until_ms)
        return res_now_ms() >= ctx->grace_until_ms;
    return true;
}

static aws_client *res_client_in(const res_ctx *ctx, const char *region, err *e)
{
    aws_client *c = ctx && ctx->client_for ? ctx->client_for(region, e) : NULL;
    if (!c && (!ctx || !ctx->client_for)) /* client_for says why itself */
        err_set(e, ERR_FAILED_PRECONDITION,
                "the awsml provider is not configured (Configure has not run)");
    return c;
}

aws_client *res_client(const res_ctx *ctx, err *e)
{
    return res_client_in(ctx, NULL, e);
}

aws_client *res_client_for(const res_ctx *ctx, const pv *props, err *e)
{
    return res_client_in(ctx, prop_str(props, "region"), e);
}

static bool ctx_cancelled(void *ctx)
{
    return res_cancelled(ctx);
}

aws_cancel res_aws_cancel(res_ctx *ctx)
{
    aws_cancel c = {ctx_cancelled, ctx};
    return c;
}

int res_wait(res_ctx *ctx, long ms, const char *msg)
{
    if (msg)
        log_user(LOG_INFO, ctx->urn, true, "%s", msg);
    while (ms > 0) {
        if (res_cancelled(ctx))
            return -1;
        long step = ms < 100 ? ms : 100;
        struct timespec ts = {0, step * 1000000L};
        nanosleep(&ts, NULL);
        ms -= step;
    }
    return res_cancelled(ctx) ? -1 : 0;
}

/* ---- waiting on eventual consistency ------------------------------------------------------- */

long long res_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void res_backoff_init(res_backoff *b, long budget_ms)
{
    b->deadline_ms = res_now_ms() + budget_ms;
    b->step_ms = RES_BACKOFF_FIRST_MS;
}

int res_backoff_wait(res_ctx *ctx, res_backoff *b, bool (*retry_if)(const err *e),
                     const char *status, err *e)
{
    if (!retry_if(e) || res_now_ms() >= b->deadline_ms)
        return -1;
    if (res_wait(ctx, b->step_ms, status) != 0)
        return err_set(e, ERR_CANCELLED, "cancelled while %s (the last attempt: %s)", status,
                       e->msg);
    if (b->step_ms < RES_BACKOFF_MAX_MS)
        b->step_ms = b->step_ms * 2 < RES_BACKOFF_MAX_MS ? b->step_ms * 2 : RES_BACKOFF_MAX_MS;
    return 0;
}

/* ---- creates whose outcome is unknown ------------------------------------------------------- */

bool res_created_since(const char *created, time_t started, time_t now)
{
    double t;
    char *end = NULL;
    if (!created || !*created)
        return false;
    t = strtod(created, &end);
    if (end == created || *end != '\0') {
        time_t p = creds_parse_time(created);
        if (p == (time_t)-1)
            return false;
        t = (double)p;
    }
    return t >= (double)started - RES_CLOCK_SKEW_S && t <= (double)now + RES_CLOCK_SKEW_S;
}

const char RES_CREATED_DURING[] = "during this create";

enum res_adopt res_adopt(const res_ctx *ctx, const char *what, const char *call, const char *token,
                         const char *name, time_t started, const err *lookup_err,
                         const char *created, const char *differs, err *e)
{
    if (lookup_err && lookup_err->code == ERR_NOT_FOUND)
        return RES_ADOPT_ABSENT; /* nothing was created: the create's error stands */
    if (lookup_err && lookup_err->code) {
        err_set(e, ERR_UNAVAILABLE,
                "%s %s: whether %s created it is unknown (%s), and looking it up failed (%s); it "
                "is recorded so it cannot be lost: run `pulumi refresh`, which drops it if it "
                "does not exist",
                what, name, call, e->msg, lookup_err->msg);
        return RES_ADOPT_UNKNOWN;
    }
    bool during = created == RES_CREATED_DURING;
    if (!differs && !during && !res_created_since(created, started, time(NULL)))
        differs = "it was created before this update started";
    if (differs) {
        const char *noun = strrchr(what, ' ') ? strrchr(what, ' ') + 1 : what;
        err_set(e, ERR_ALREADY_EXISTS,
                "%s %s: %s failed (%s), and a %s of that name exists that this update did not "
                "create (%s, created %s); awsml left it alone: delete or rename it, import it "
                "with `pulumi import aws:%s <name> %s`, or choose another name",
                what, name, call, e->msg, noun, differs, created ? created : "at an unknown time",
                token, name);
        return RES_ADOPT_FOREIGN;
    }
    if (during)
        log_user(LOG_WARNING, ctx->urn, false,
                 "%s %s: the answer to %s was lost (%s), but it exists as asked and did not "
                 "before this create began: it is taken as created",
                 what, name, call, e->msg);
    else
        log_user(LOG_WARNING, ctx->urn, false,
                 "%s %s: the answer to %s was lost (%s), but it exists as asked, created at %s, "
                 "after this create (or an interrupted earlier one) began: it is taken as created",
                 what, name, call, e->msg, created);
    err_clear(e);
    return RES_ADOPT_OURS;
}

void res_grace(res_ctx *ctx)
{
    if (!ctx->shutting_down || !ctx->shutting_down() || ctx->grace_until_ms)
        return;
    ctx->grace_until_ms = res_now_ms() + RES_GRACE_MS;
    log_at(1, "%s: shutting down; %d ms to find out what the interrupted create did",
           ctx->urn ? ctx->urn : "?", RES_GRACE_MS);
}

int res_create_adopting(res_ctx *ctx, const res_create *c, void *arg, time_t resumed_from, err *e)
{
    res_backoff b;
    res_backoff_init(&b, c->budget_ms);
    time_t started = resumed_from ? resumed_from : time(NULL);
    for (;;) {
        aws_outcome oc = {0};
        if (c->call(ctx, arg, &oc, e) == 0) {
            err_clear(e);
            return 0;
        }
        bool exists = c->exists ? c->exists(e) : e->code == ERR_ALREADY_EXISTS;
        if (oc.maybe_applied || (resumed_from && exists)) {
            /* It may exist although the call failed (or an earlier,
             * interrupted create made it): never lose it. */
            res_grace(ctx);
            enum res_adopt a = c->adopt(ctx, arg, started, e);
            if (a == RES_ADOPT_OURS)
                return 0;
            if (a == RES_ADOPT_UNKNOWN)
                return 1;
            if (a == RES_ADOPT_FOREIGN)
                return -1;
        }
        if (!c->retry_if || res_backoff_wait(ctx, &b, c->retry_if, c->status, e) != 0)
            return -1;
    }
}

int res_json_call(res_ctx *ctx, aws_client *c, enum endpoints_service svc, const char *prefix,
                  const char *op, const cJSON *body, bool idem, aws_outcome *oc, cJSON **resp,
                  err *e)
{
    char target[128];
    snprintf(target, sizeof(target), "%s.%s", prefix, op);
    char *text = cJSON_PrintUnformatted(body);
    if (!text)
        return err_set(e, ERR_RESOURCE_EXHAUSTED, "out of memory building %s", op);
    char *out = NULL;
    size_t outlen = 0;
    int rc = aws_json_ex(c, svc, target, text, idem, res_aws_cancel(ctx), oc, &out, &outlen, e);
    cJSON_free(text);
    if (rc == 0 && resp) {
        unsigned long mark = mem_failures();
        *resp = cJSON_ParseWithLength(out ? out : "{}", out ? outlen : 2);
        if (!*resp && mem_failures() != mark)
            rc = err_set(e, ERR_RESOURCE_EXHAUSTED, "out of memory reading the %s response", op);
        else if (!*resp)
            rc = err_set(e, ERR_INTERNAL, "%s %s returned a body that is not JSON", prefix, op);
    }
    free(out);
    return rc;
}
