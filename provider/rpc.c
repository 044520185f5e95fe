#include "rpc.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "advice.h"
#include "analyzer.h"
#include "aws/client.h"
#include "config.h"
#include "google/protobuf/empty.pb-c.h"
#include "provider.h"
#include "props.h"
#include "pulumi/plugin.pb-c.h"
#include "pulumi/provider.pb-c.h"
#include "resource.h"
#include "resources/engine.h"
#include "resources/function.h"
#include "schema.h"
#include "status.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/log.h"
#include "util/mem.h"
#include "util/str.h"
#include "wire.h"

#define RPC_PREFIX "/pulumirpc.ResourceProvider/"

/* ---- replies ------------------------------------------------------------- */

static void reply_error(rpc_reply *out, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void reply_error(rpc_reply *out, int code, const char *fmt, ...)
{
    char msg[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    free(out->message);
    out->code = code ? code : ERR_UNKNOWN;
    out->message = str_dup(msg);
    if (!out->message) /* the server then sends a fixed text: the code must say why */
        out->code = ERR_RESOURCE_EXHAUSTED;
}

static void reply_err(rpc_reply *out, const err *e)
{
    reply_error(out, e->code ? e->code : ERR_UNKNOWN, "%s", e->msg);
}

static void reply_msg(rpc_reply *out, const ProtobufCMessage *m)
{
    size_t n = protobuf_c_message_get_packed_size(m);
    out->body = malloc(n ? n : 1);
    if (!out->body) {
        reply_error(out, ERR_RESOURCE_EXHAUSTED, "out of memory packing the response");
        return;
    }
    protobuf_c_message_pack(m, out->body);
    out->body_len = n;
    out->code = ERR_OK;
}

static void reply_empty(rpc_reply *out)
{
    Google__Protobuf__Empty e = GOOGLE__PROTOBUF__EMPTY__INIT;
    reply_msg(out, &e.base);
}

/* A failed call whose resource nonetheless exists: carry its id and state in
 * ErrorResourceInitFailed so the engine records it rather than losing it. */
static void reply_init_failed(rpc_reply *out, const err *e, const char *id, const pv *props,
                              const pv *inputs)
{
    reply_err(out, e);
    if (status_pack_init_failed(out->code, e->msg, id, props, inputs, &out->details,
                                &out->details_len) != 0)
        log_at(1, "could not encode ErrorResourceInitFailed for %s", id);
}

void rpc_reply_free(rpc_reply *r)
{
    free(r->message);
    free(r->body);
    free(r->details);
    free(r->engine_address);
    memset(r, 0, sizeof(*r));
}

/* ---- request helpers --------------------------------------------------------- */

/* The per-resource-call state shared by the resource handlers. */
typedef struct res_call {
    res_ctx ctx;
    const resource_type *rt;
    char type[512];
    char name[512];
} res_call;

static int res_call_init(res_call *rc, const rpc_call *call, const char *urn, const char *type,
                         const char *name, rpc_reply *out)
{
    err e;
    memset(rc, 0, sizeof(*rc));
    char urn_name[512] = "";
    if (urn && *urn &&
        registry_urn_parts(urn, rc->type, sizeof(rc->type), urn_name, sizeof(urn_name)) != 0) {
        reply_error(out, ERR_INVALID_ARGUMENT, "malformed resource URN '%s'", urn);
        return -1;
    }
    if (type && *type)
        str_copy(rc->type, sizeof(rc->type), type);
    str_copy(rc->name, sizeof(rc->name), name && *name ? name : urn_name);
    if (!rc->type[0]) {
        reply_error(out, ERR_INVALID_ARGUMENT, "request names no resource type (no type, no URN)");
        return -1;
    }
    rc->rt = registry_find(rc->type, &e);
    if (!rc->rt) {
        reply_err(out, &e);
        return -1;
    }
    rc->ctx.urn = urn ? urn : "";
    rc->ctx.name = rc->name;
    rc->ctx.type = rc->type;
    rc->ctx.call_cancelled = call->cancelled;
    provider_fill_ctx(&rc->ctx);
    return 0;
}

/* Decodes a Struct field into a tree (an absent Struct is an empty object). */
static int decode_props(const Google__Protobuf__Struct *s, const char *field, pv **out,
                        rpc_reply *reply)
{
    char why[1024];
    unsigned long mark = mem_failures();
    if (props_from_struct(s, out, why, sizeof(why)) != 0) {
        if (mem_failures() != mark)
            reply_error(reply, ERR_RESOURCE_EXHAUSTED, "out of memory decoding %s", field);
        else
            reply_error(reply, ERR_INVALID_ARGUMENT, "invalid %s: %s", field, why);
        return -1;
    }
    return 0;
}

/* Decodes and also makes the plain copy that resources see. */
static int decode_plain(const Google__Protobuf__Struct *s, const char *field, pv **raw, pv **plain,
                        rpc_reply *reply)
{
    if (decode_props(s, field, raw, reply) != 0)
        return -1;
    *plain = pv_strip_secrets(*raw);
    if (!*plain) {
        reply_error(reply, ERR_RESOURCE_EXHAUSTED, "out of memory");
        return -1;
    }
    return 0;
}

/* The plain tree alone, for a Struct whose secret marks are not needed
 * afterwards: the marks are dropped in place instead of in a copy. */
static int decode_plain_only(const Google__Protobuf__Struct *s, const char *field, pv **plain,
                             rpc_reply *reply)
{
    pv *raw = NULL;
    if (decode_props(s, field, &raw, reply) != 0)
        return -1;
    *plain = pv_take_plain(raw);
    if (!*plain) {
        reply_error(reply, ERR_RESOURCE_EXHAUSTED, "out of memory");
        return -1;
    }
    return 0;
}

/* protobuf-c answers NULL both for bytes that do not decode and when memory
 * runs out; requests are unpacked with this allocator, which notes the latter. */
static void *unpack_alloc(void *data, size_t n)
{
    void *p = malloc(n);
    if (!p)
        mem_note_failure();
    return p;
}

static void unpack_free(void *data, void *p)
{
    free(p);
}

static ProtobufCAllocator unpack_allocator = {unpack_alloc, unpack_free, NULL};

void rpc_reply_text(rpc_reply *out, int code, const char *msg)
{
    reply_error(out, code, "%s", msg);
}

void rpc_reply_message(rpc_reply *out, const ProtobufCMessage *m)
{
    reply_msg(out, m);
}

ProtobufCAllocator *rpc_unpack_allocator(void)
{
    return &unpack_allocator;
}

/* mem_failures() when this thread's call started. */
static _Thread_local unsigned long call_mem_mark;

static int malformed(rpc_reply *out, const char *method, const char *msgname)
{
    if (mem_failures() != call_mem_mark)
        reply_error(out, ERR_RESOURCE_EXHAUSTED, "out of memory decoding the %s request", method);
    else
        reply_error(out, ERR_INVALID_ARGUMENT,
                    "malformed %s request: the bytes do not decode as pulumirpc.%s", method,
                    msgname);
    return -1;
}

/* Converts a tree into a Struct the response owns (freed by the caller). */
static Google__Protobuf__Struct *encode_props(const pv *v, rpc_reply *out)
{
    Google__Protobuf__Struct *s = NULL;
    if (!v)
        return NULL;
    if (props_to_struct(v, &s) != 0)
        reply_error(out, ERR_RESOURCE_EXHAUSTED, "out of memory encoding properties");
    return s;
}

static void free_struct(Google__Protobuf__Struct *s)
{
    if (s)
        protobuf_c_message_free_unpacked(&s->base, NULL);
}

/* ---- plugin-level methods -------------------------------------------------------- */

static void rpc_handshake(const rpc_call *call, rpc_reply *out)
{
    Pulumirpc__ProviderHandshakeRequest *req =
        pulumirpc__provider_handshake_request__unpack(&unpack_allocator, call->req_len, call->req);
    if (!req) {
        malformed(out, "Handshake", "ProviderHandshakeRequest");
        return;
    }
    if (req->engine_address && *req->engine_address &&
        !(out->engine_address = str_dup(req->engine_address))) {
        reply_error(out, ERR_RESOURCE_EXHAUSTED, "out of memory");
        pulumirpc__provider_handshake_request__free_unpacked(req, &unpack_allocator);
        return;
    }
    Pulumirpc__ProviderHandshakeResponse resp = PULUMIRPC__PROVIDER_HANDSHAKE_RESPONSE__INIT;
    resp.accept_secrets = 1;
    resp.accept_resources = 1;
    resp.accept_outputs = 0;
    resp.supports_autonaming_configuration = 1;
    reply_msg(out, &resp.base);
    pulumirpc__provider_handshake_request__free_unpacked(req, &unpack_allocator);
}

static void rpc_get_plugin_info(const rpc_call *call, rpc_reply *out)
{
    Google__Protobuf__Empty *req =
        google__protobuf__empty__unpack(&unpack_allocator, call->req_len, call->req);
    if (!req) {
        malformed(out, "GetPluginInfo", "google.protobuf.Empty");
        return;
    }
    Pulumirpc__PluginInfo info = PULUMIRPC__PLUGIN_INFO__INIT;
    info.version = (char *)schema_plugin_version();
    reply_msg(out, &info.base);
    google__protobuf__empty__free_unpacked(req, &unpack_allocator);
}

static void rpc_get_schema(const rpc_call *call, rpc_reply *out)
{
    Pulumirpc__GetSchemaRequest *req =
        pulumirpc__get_schema_request__unpack(&unpack_allocator, call->req_len, call->req);
    if (!req) {
        malformed(out, "GetSchema", "GetSchemaRequest");
        return;
    }
    if (req->subpackage_name && *req->subpackage_name) {
        reply_error(out, ERR_INVALID_ARGUMENT, "%s has no subpackage '%s'", schema_package(),
                    req->subpackage_name);
    } else if (!schema_json()) {
        reply_error(out, ERR_RESOURCE_EXHAUSTED, "out of memory building the %s schema",
                    schema_package());
    } else {
        Pulumirpc__GetSchemaResponse resp = PULUMIRPC__GET_SCHEMA_RESPONSE__INIT;
        resp.schema = (char *)schema_json();
        reply_msg(out, &resp.base);
    }
    pulumirpc__get_schema_request__free_unpacked(req, &unpack_allocator);
}

static void rpc_cancel(const rpc_call *call, rpc_reply *out)
{
    Google__Protobuf__Empty *req =
        google__protobuf__empty__unpack(&unpack_allocator, call->req_len, call->req);
    if (!req) {
        malformed(out, "Cancel", "google.protobuf.Empty");
        return;
    }
    google__protobuf__empty__free_unpacked(req, &unpack_allocator);
    log_at(1, "Cancel: aborting in-flight operations and shutting down");
    provider_cancel();
    out->after = RPC_AFTER_SHUTDOWN;
    reply_empty(out);
}

static void rpc_attach(const rpc_call *call, rpc_reply *out)
{
    Pulumirpc__PluginAttach *req =
        pulumirpc__plugin_attach__unpack(&unpack_allocator, call->req_len, call->req);
    if (!req) {
        malformed(out, "Attach", "PluginAttach");
        return;
    }
    if (!req->address || !*req->address) {
        reply_error(out, ERR_INVALID_ARGUMENT, "Attach: address is empty");
    } else if (!(out->engine_address = str_dup(req->address))) {
        reply_error(out, ERR_RESOURCE_EXHAUSTED, "out of memory");
    } else {
        reply_empty(out);
    }
    pulumirpc__plugin_attach__free_unpacked(req, &unpack_allocator);
}

/* ---- configuration ------------------------------------------------------------------ */

static bool call_is_cancelled(void *ctx)
{
    const rpc_call *call = ctx;
    return (call->cancelled && atomic_load(call->cancelled)) || provider_cancelled();
}

/* The deprecated `variables` map: "<pkg>:config:<key>" -> string value. */
static int config_from_variables(const Pulumirpc__ConfigureRequest *req, pv *cfg)
{
    for (size_t i = 0; i < req->n_variables; i++) {
        const char *k = req->variables[i]->key;
        const char *v = req->variables[i]->value ? req->variables[i]->value : "";
        const char *sep = k ? strstr(k, ":config:") : NULL;
        if (!sep)
            continue;
        if (!str_utf8_valid(v, strlen(v)) || pv_object_set(cfg, sep + 8, pv_string(v)) != 0)
            return -1;
    }
    return 0;
}

static void rpc_configure(const rpc_call *call, rpc_reply *out)
{
    pv *cfg = NULL;
    Pulumirpc__ConfigureRequest *req =
        pulumirpc__configure_request__unpack(&unpack_allocator, call->req_len, call->req);
    if (!req) {
        malformed(out, "Configure", "ConfigureRequest");
        return;
    }
    if (req->args) {
        if (decode_props(req->args, "Configure args", &cfg, out) != 0)
            goto out;
    } else {
        cfg = pv_object();
        if (!cfg || config_from_variables(req, cfg) != 0) {
            reply_error(out, ERR_INVALID_ARGUMENT,
                        "invalid Configure variables: values must be UTF-8 strings");
            goto out;
        }
    }
    config_settings *conf = NULL;
    config_problems problems = {0};
    aws_client *client = NULL;
    err e = {0};
    aws_cancel cancel = {call_is_cancelled, (void *)call};
    int rc = config_load(cfg, NULL, CONFIG_CONFIGURE, &conf, &problems, &e);
    if (rc == 0)
        rc = advice_check_config(&conf->advisor, &problems, &e);
    if (rc == 0)
        rc = config_client_new(conf, &problems, &client, &e);
    if (rc == 0)
        rc = aws_client_validate(client, cancel, &e);
    config_problems_free(&problems);
    if (rc != 0) {
        aws_client_free(client);
        config_free(conf);
        reply_err(out, &e);
        goto out;
    }
    provider_set_config(conf); /* first: the client borrows from it */
    provider_set_client(client);
    Pulumirpc__ConfigureResponse resp = PULUMIRPC__CONFIGURE_RESPONSE__INIT;
    resp.acceptsecrets = 1;
    resp.supportspreview = 1;
    resp.acceptresources = 1;
    resp.acceptoutputs = 0;
    resp.supports_autonaming_configuration = 1;
    reply_msg(out, &resp.base);
out:
    pv_free(cfg);
    pulumirpc__configure_request__free_unpacked(req, &unpack_allocator);
}

/* ---- check ------------------------------------------------------------------------------ */

static void send_check_response(rpc_reply *out, const pv *inputs, const check_failures *f)
{
    Pulumirpc__CheckResponse resp = PULUMIRPC__CHECK_RESPONSE__INIT;
    Pulumirpc__CheckFailure *fails = NULL;
    Pulumirpc__CheckFailure **fptrs = NULL;
    if (f->len) {
        fails = calloc(f->len, sizeof(*fails));
        fptrs = calloc(f->len, sizeof(*fptrs));
        if (!fails || !fptrs) {
            reply_error(out, ERR_RESOURCE_EXHAUSTED, "out of memory");
            goto out;
        }
        for (size_t i = 0; i < f->len; i++) {
            pulumirpc__check_failure__init(&fails[i]);
            fails[i].property = f->props[i];
            fails[i].reason = f->reasons[i];
            fptrs[i] = &fails[i];
        }
        resp.failures = fptrs;
        resp.n_failures = f->len;
    }
    resp.inputs = encode_props(inputs, out);
    if (inputs && !resp.inputs)
        goto out;
    reply_msg(out, &resp.base);
out:
    free_struct(resp.inputs);
    free(fails);
    free(fptrs);
}

/* CheckConfig's failures: the configuration's problems, one per key. */
static int config_failures(const pv *news, check_failures *f, err *e)
{
    config_settings *conf = NULL;
    config_problems p = {0};
    int rc = config_load(news, NULL, CONFIG_CHECK, &conf, &p, e);
    if (rc == 0)
        rc = advice_check_config(&conf->advisor, &p, e);
    for (size_t i = 0; rc == 0 && i < p.len; i++)
        if (check_failure_add(f, p.items[i].key, "%s", p.items[i].reason) != 0)
            rc = err_set(e, ERR_RESOURCE_EXHAUSTED, "out of memory");
    config_free(conf);
    config_problems_free(&p);
    return rc;
}

/* Check and CheckConfig share the request type; config has no resource type. */
static void do_check(const rpc_call *call, rpc_reply *out, bool config)
{
    pv *news = NULL, *plain_olds = NULL, *plain_news = NULL, *inputs = NULL;
    check_failures fails = {0};
    res_call rc;
    err e = {0};
    Pulumirpc__CheckRequest *req =
        pulumirpc__check_request__unpack(&unpack_allocator, call->req_len, call->req);
    if (!req) {
        malformed(out, config ? "CheckConfig" : "Check", "CheckRequest");
        return;
    }
    if (!config && res_call_init(&rc, call, req->urn, req->type, req->name, out) != 0)
        goto out;
    if (decode_plain_only(req->olds, "olds", &plain_olds, out) != 0 ||
        decode_plain(req->news, "news", &news, &plain_news, out) != 0)
        goto out;
    if (config) {
        /* Every rule Configure applies that needs no network and no credentials,
         * one failure per key (the engine then never calls Configure). */
        inputs = pv_copy(plain_news);
        if (config_failures(plain_news, &fails, &e) != 0) {
            reply_err(out, &e);
            goto out;
        }
    } else {
        rc.ctx.random_seed = req->randomseed.data;
        rc.ctx.random_seed_len = req->randomseed.len;
        if (req->autonaming) {
            /* The protocol's PROPOSE=0, ENFORCE=1, DISABLE=2, one below ours. */
            rc.ctx.autonaming = (enum res_autonaming)(req->autonaming->mode + 1);
            rc.ctx.proposed_name = req->autonaming->proposed_name;
        }
        if (engine_check(rc.rt, &rc.ctx, plain_olds, plain_news, &inputs, &fails, &e) != 0) {
            reply_err(out, &e);
            goto out;
        }
    }
    if (!inputs || pv_mark_secrets_like(&inputs, news) != 0) {
        reply_error(out, ERR_RESOURCE_EXHAUSTED, "out of memory");
        goto out;
    }
    /* The security advisor sees what Check accepted (no point advising on
     * inputs that already fail). */
    if (!config && fails.len == 0) {
        pv *plain = pv_strip_secrets(inputs);
        const config_settings *conf = provider_config();
        int ar = plain ? advice_apply(conf ? &conf->advisor : NULL, strchr(rc.type, ':') + 1,
                                      rc.ctx.urn, plain, &fails, &e)
                       : err_set(&e, ERR_RESOURCE_EXHAUSTED, "out of memory");
        if (ar == 0)
            ar = advice_apply_stack(conf ? &conf->advisor : NULL, rc.type, rc.ctx.name, rc.ctx.urn,
                                    plain, &fails, &e);
        pv_free(plain);
        if (ar != 0) {
            reply_err(out, &e);
            goto out;
        }
    }
    send_check_response(out, inputs, &fails);
out:
    pv_free(news);
    pv_free(plain_olds);
    pv_free(plain_news);
    pv_free(inputs);
    check_failures_free(&fails);
    pulumirpc__check_request__free_unpacked(req, &unpack_allocator);
}

static void rpc_check(const rpc_call *call, rpc_reply *out)
{
    do_check(call, out, false);
}

static void rpc_check_config(const rpc_call *call, rpc_reply *out)
{
    do_check(call, out, true);
}

/* ---- diff ------------------------------------------------------------------------------------ */

/* The top-level property of a diff path: "a.b" -> "a", "a[0]" -> "a",
 * "[\"k.x\"].y" -> "k.x". */
static void path_top(const char *path, char *top, size_t toplen)
{
    if (path[0] == '[' && path[1] == '"') {
        const char *end = strstr(path + 2, "\"]");
        size_t n = end ? (size_t)(end - (path + 2)) : strlen(path + 2);
        if (n >= toplen)
            n = toplen - 1;
        memcpy(top, path + 2, n);
        top[n] = '\0';
        return;
    }
    size_t n = strcspn(path, ".[");
    if (n >= toplen)
        n = toplen - 1;
    memcpy(top, path, n);
    top[n] = '\0';
}

static bool list_has(char **list, size_t n, const char *s)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(list[i], s) == 0)
            return true;
    return false;
}

static void send_diff_response(rpc_reply *out, const diff_result *d)
{
    Pulumirpc__DiffResponse resp = PULUMIRPC__DIFF_RESPONSE__INIT;
    size_t n = d->len;
    char **tops = calloc(n ? n : 1, sizeof(char *));
    char **diffs = calloc(n ? n : 1, sizeof(char *));
    char **replaces = calloc(n ? n : 1, sizeof(char *));
    Pulumirpc__PropertyDiff *pd = calloc(n ? n : 1, sizeof(*pd));
    Pulumirpc__DiffResponse__DetailedDiffEntry *ents = calloc(n ? n : 1, sizeof(*ents));
    Pulumirpc__DiffResponse__DetailedDiffEntry **eptrs = calloc(n ? n : 1, sizeof(*eptrs));
    if (!tops || !diffs || !replaces || !pd || !ents || !eptrs) {
        reply_error(out, ERR_RESOURCE_EXHAUSTED, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        const diff_entry *de = &d->entries[i];
        char top[512];
        path_top(de->path, top, sizeof(top));
        if (!(tops[i] = str_dup(top))) {
            reply_error(out, ERR_RESOURCE_EXHAUSTED, "out of memory");
            goto out;
        }
        if (!list_has(diffs, resp.n_diffs, top))
            diffs[resp.n_diffs++] = tops[i];
        bool repl = de->kind == DIFF_ADD_REPLACE || de->kind == DIFF_DELETE_REPLACE ||
                    de->kind == DIFF_UPDATE_REPLACE;
        if (repl && !list_has(replaces, resp.n_replaces, top))
            replaces[resp.n_replaces++] = tops[i];
        pulumirpc__property_diff__init(&pd[i]);
        pd[i].kind = (Pulumirpc__PropertyDiff__Kind)de->kind;
        pd[i].inputdiff = de->input_diff;
        pulumirpc__diff_response__detailed_diff_entry__init(&ents[i]);
        ents[i].key = de->path;
        ents[i].value = &pd[i];
        eptrs[i] = &ents[i];
    }
    resp.changes = n ? PULUMIRPC__DIFF_RESPONSE__DIFF_CHANGES__DIFF_SOME
                     : PULUMIRPC__DIFF_RESPONSE__DIFF_CHANGES__DIFF_NONE;
    resp.diffs = diffs;
    resp.replaces = replaces;
    resp.detaileddiff = eptrs;
    resp.n_detaileddiff = n;
    resp.hasdetaileddiff = 1;
    resp.deletebeforereplace = d->delete_before_replace && resp.n_replaces > 0;
    reply_msg(out, &resp.base);
out:
    for (size_t i = 0; tops && i < n; i++)
        free(tops[i]);
    free(tops);
    free(diffs);
    free(replaces);
    free(pd);
    free(ents);
    free(eptrs);
}

/* A resource type for provider configuration: every change is an update. */
static const resource_type config_type = {.token = "pulumi:providers:awsml"};

static void do_diff(const rpc_call *call, rpc_reply *out, bool config)
{
    pv *p_olds = NULL, *p_news = NULL, *p_oldin = NULL;
    diff_result d = {0};
    err e = {0};
    res_call rc;
    Pulumirpc__DiffRequest *req =
        pulumirpc__diff_request__unpack(&unpack_allocator, call->req_len, call->req);
    if (!req) {
        malformed(out, config ? "DiffConfig" : "Diff", "DiffRequest");
        return;
    }
    if (!config && res_call_init(&rc, call, req->urn, req->type, req->name, out) != 0)
        goto out;
    if (decode_plain_only(req->olds, "olds", &p_olds, out) != 0 ||
        decode_plain_only(req->news, "news", &p_news, out) != 0 ||
        decode_plain_only(req->old_inputs, "old_inputs", &p_oldin, out) != 0)
        goto out;
    const resource_type *rt = config ? &config_type : rc.rt;
    int r;
    if (!config)
        r = engine_diff(rt, &rc.ctx, req->id, p_olds, p_news, p_oldin, req->ignorechanges,
                        req->n_ignorechanges, &d, &e);
    else
        r = diff_generic(rt, p_olds, p_news, p_oldin, req->ignorechanges, req->n_ignorechanges, &d,
                         &e);
    if (r != 0) {
        reply_err(out, &e);
        goto out;
    }
    send_diff_response(out, &d);
out:
    pv_free(p_olds);
    pv_free(p_news);
    pv_free(p_oldin);
    diff_result_free(&d);
    pulumirpc__diff_request__free_unpacked(req, &unpack_allocator);
}

static void rpc_diff(const rpc_call *call, rpc_reply *out)
{
    do_diff(call, out, false);
}

static void rpc_diff_config(const rpc_call *call, rpc_reply *out)
{
    do_diff(call, out, true);
}

/* ---- create / read / update / delete ------------------------------------------------ */

static void rpc_create(const rpc_call *call, rpc_reply *out)
{
    pv *props = NULL, *plain = NULL, *outputs = NULL;
    char *id = NULL;
    err e = {0};
    res_call rc;
    Pulumirpc__CreateResponse resp = PULUMIRPC__CREATE_RESPONSE__INIT;
    Pulumirpc__CreateRequest *req =
        pulumirpc__create_request__unpack(&unpack_allocator, call->req_len, call->req);
    if (!req) {
        malformed(out, "Create", "CreateRequest");
        return;
    }
    if (res_call_init(&rc, call, req->urn, req->type, req->name, out) != 0 ||
        decode_plain(req->properties, "properties", &props, &plain, out) != 0)
        goto out;
    rc.ctx.preview = req->preview;
    rc.ctx.timeout = req->timeout;
    int r = rc.rt->create(&rc.ctx, plain, &id, &outputs, &e);
    if (outputs && pv_mark_secrets_like(&outputs, props) != 0) {
        reply_error(out, ERR_RESOURCE_EXHAUSTED, "out of memory");
        goto out;
    }
    if (r != 0) {
        if (id && *id && !req->preview)
            reply_init_failed(out, &e, id, outputs ? outputs : props, props);
        else
            reply_err(out, &e);
        goto out;
    }
    resp.id = id ? id : (char *)"";
    resp.properties = encode_props(outputs ? outputs : props, out);
    if (!resp.properties)
        goto out;
    reply_msg(out, &resp.base);
out:
    free_struct(resp.properties);
    free(id);
    pv_free(props);
    pv_free(plain);
    pv_free(outputs);
    pulumirpc__create_request__free_unpacked(req, &unpack_allocator);
}

static void rpc_read(const rpc_call *call, rpc_reply *out)
{
    pv *props = NULL, *p_props = NULL, *inputs = NULL, *p_inputs = NULL;
    pv *outputs = NULL, *new_inputs = NULL;
    char *new_id = NULL;
    err e = {0};
    res_call rc;
    Pulumirpc__ReadResponse resp = PULUMIRPC__READ_RESPONSE__INIT;
    Pulumirpc__ReadRequest *req =
        pulumirpc__read_request__unpack(&unpack_allocator, call->req_len, call->req);
    if (!req) {
        malformed(out, "Read", "ReadRequest");
        return;
    }
    if (res_call_init(&rc, call, req->urn, req->type, req->name, out) != 0 ||
        decode_plain(req->properties, "properties", &props, &p_props, out) != 0 ||
        decode_plain(req->inputs, "inputs", &inputs, &p_inputs, out) != 0)
        goto out;
    rc.ctx.timeout = req->timeout;
    if (!req->id || !*req->id) {
        reply_error(out, ERR_INVALID_ARGUMENT, "Read of %s needs a resource id", rc.type);
        goto out;
    }
    int r = rc.rt->read(&rc.ctx, req->id, p_props, p_inputs, &new_id, &outputs, &new_inputs, &e);
    if ((outputs && (pv_mark_secrets_like(&outputs, props) != 0 ||
                     pv_mark_secrets_like(&outputs, inputs) != 0)) ||
        (new_inputs && pv_mark_secrets_like(&new_inputs, inputs) != 0)) {
        reply_error(out, ERR_RESOURCE_EXHAUSTED, "out of memory");
        goto out;
    }
    if (r != 0) {
        if (new_id && *new_id && outputs)
            reply_init_failed(out, &e, new_id, outputs, new_inputs);
        else
            reply_err(out, &e);
        goto out;
    }
    resp.id = new_id ? new_id : (char *)"";
    if (resp.id[0]) {
        resp.properties = encode_props(outputs, out);
        resp.inputs = encode_props(new_inputs, out);
        if (out->code)
            goto out;
    }
    reply_msg(out, &resp.base);
out:
    free_struct(resp.properties);
    free_struct(resp.inputs);
    free(new_id);
    pv_free(props);
    pv_free(p_props);
    pv_free(inputs);
    pv_free(p_inputs);
    pv_free(outputs);
    pv_free(new_inputs);
    pulumirpc__read_request__free_unpacked(req, &unpack_allocator);
}

static void rpc_update(const rpc_call *call, rpc_reply *out)
{
    pv *olds = NULL, *news = NULL, *oldin = NULL, *p_olds = NULL, *p_news = NULL, *p_oldin = NULL;
    pv *outputs = NULL;
    err e = {0};
    res_call rc;
    Pulumirpc__UpdateResponse resp = PULUMIRPC__UPDATE_RESPONSE__INIT;
    Pulumirpc__UpdateRequest *req =
        pulumirpc__update_request__unpack(&unpack_allocator, call->req_len, call->req);
    if (!req) {
        malformed(out, "Update", "UpdateRequest");
        return;
    }
    if (res_call_init(&rc, call, req->urn, req->type, req->name, out) != 0 ||
        decode_plain(req->olds, "olds", &olds, &p_olds, out) != 0 ||
        decode_plain(req->news, "news", &news, &p_news, out) != 0 ||
        decode_plain(req->old_inputs, "old_inputs", &oldin, &p_oldin, out) != 0)
        goto out;
    rc.ctx.preview = req->preview;
    rc.ctx.timeout = req->timeout;
    int r = rc.rt->update(&rc.ctx, req->id, p_olds, p_news, p_oldin, &outputs, &e);
    if (outputs && pv_mark_secrets_like(&outputs, news) != 0) {
        reply_error(out, ERR_RESOURCE_EXHAUSTED, "out of memory");
        goto out;
    }
    if (r != 0) {
        if (outputs && !req->preview)
            reply_init_failed(out, &e, req->id, outputs, news);
        else
            reply_err(out, &e);
        goto out;
    }
    resp.properties = encode_props(outputs ? outputs : news, out);
    if (!resp.properties)
        goto out;
    reply_msg(out, &resp.base);
out:
    free_struct(resp.properties);
    pv_free(olds);
    pv_free(news);
    pv_free(oldin);
    pv_free(p_olds);
    pv_free(p_news);
    pv_free(p_oldin);
    pv_free(outputs);
    pulumirpc__update_request__free_unpacked(req, &unpack_allocator);
}

static void rpc_delete(const rpc_call *call, rpc_reply *out)
{
    pv *props = NULL, *plain = NULL;
    err e = {0};
    res_call rc;
    Pulumirpc__DeleteRequest *req =
        pulumirpc__delete_request__unpack(&unpack_allocator, call->req_len, call->req);
    if (!req) {
        malformed(out, "Delete", "DeleteRequest");
        return;
    }
    if (res_call_init(&rc, call, req->urn, req->type, req->name, out) != 0 ||
        decode_plain(req->properties, "properties", &props, &plain, out) != 0)
        goto out;
    rc.ctx.timeout = req->timeout;
    if (rc.rt->del(&rc.ctx, req->id, plain, &e) != 0) {
        reply_err(out, &e);
        goto out;
    }
    reply_empty(out);
out:
    pv_free(props);
    pv_free(plain);
    pulumirpc__delete_request__free_unpacked(req, &unpack_allocator);
}

/* ---- invoke (functions) ---------------------------------------------------------------- */

/* Wraps each value of the object o in a secret (those not secret already). */
static int secret_values(pv *o)
{
    for (size_t i = 0; o->kind == PV_OBJECT && i < o->u.obj.len; i++) {
        if (o->u.obj.vals[i]->kind == PV_SECRET)
            continue;
        pv *s = pv_secret(pv_copy(o->u.obj.vals[i])); /* the value stays on failure */
        if (!s)
            return -1;
        pv_free(o->u.obj.vals[i]);
        o->u.obj.vals[i] = s;
    }
    return 0;
}

static void rpc_invoke(const rpc_call *call, rpc_reply *out)
{
    pv *args = NULL, *plain = NULL, *result = NULL;
    check_failures fails = {0};
    Pulumirpc__CheckFailure *fs = NULL;
    Pulumirpc__CheckFailure **fptrs = NULL;
    err e = {0};
    res_ctx ctx;
    Pulumirpc__InvokeResponse resp = PULUMIRPC__INVOKE_RESPONSE__INIT;
    Pulumirpc__InvokeRequest *req =
        pulumirpc__invoke_request__unpack(&unpack_allocator, call->req_len, call->req);
    if (!req) {
        malformed(out, "Invoke", "InvokeRequest");
        return;
    }
    const function_type *ft = function_find(req->tok, &e);
    if (!ft) {
        reply_err(out, &e);
        goto out;
    }
    if (decode_plain(req->args, "args", &args, &plain, out) != 0)
        goto out;
    memset(&ctx, 0, sizeof(ctx));
    ctx.urn = "";
    ctx.name = "";
    ctx.type = req->tok;
    ctx.call_cancelled = call->cancelled;
    provider_fill_ctx(&ctx);
    if (function_invoke(ft, &ctx, plain, &result, &fails, &e) != 0) {
        reply_err(out, &e);
        goto out;
    }
    if (fails.len) {
        fs = calloc(fails.len, sizeof(*fs));
        fptrs = calloc(fails.len, sizeof(*fptrs));
        if (!fs || !fptrs) {
            reply_error(out, ERR_RESOURCE_EXHAUSTED, "out of memory");
            goto out;
        }
        for (size_t i = 0; i < fails.len; i++) {
            pulumirpc__check_failure__init(&fs[i]);
            fs[i].property = fails.props[i];
            fs[i].reason = fails.reasons[i];
            fptrs[i] = &fs[i];
        }
        resp.failures = fptrs;
        resp.n_failures = fails.len;
    }
    /* A result computed from a secret argument may hold it (a policy's JSON
     * text): with any secret argument, every value of the result is secret. */
    if (result && pv_contains_secret(args) && secret_values(result) != 0) {
        reply_error(out, ERR_RESOURCE_EXHAUSTED, "out of memory");
        goto out;
    }
    if (result && !(resp.return_ = encode_props(result, out)))
        goto out;
    reply_msg(out, &resp.base);
out:
    free_struct(resp.return_);
    free(fs);
    free(fptrs);
    check_failures_free(&fails);
    pv_free(args);
    pv_free(plain);
    pv_free(result);
    pulumirpc__invoke_request__free_unpacked(req, &unpack_allocator);
}

/* ---- dispatch ------------------------------------------------------------------------------ */

/* Which request fields are google.protobuf.Struct, per request type; 0 ends. */
static const uint32_t check_structs[] = {2, 3, 0};
static const uint32_t diff_structs[] = {3, 4, 6, 0};
static const uint32_t configure_structs[] = {2, 0};
static const uint32_t create_structs[] = {2, 0};
static const uint32_t read_structs[] = {3, 4, 0};
static const uint32_t update_structs[] = {3, 4, 8, 0};
static const uint32_t delete_structs[] = {3, 5, 0};
static const uint32_t args_structs[] = {2, 0}; /* Invoke, Call */

static const rpc_method methods[] = {
    {"Handshake", rpc_handshake, NULL, NULL},
    {"GetPluginInfo", rpc_get_plugin_info, NULL, NULL},
    {"GetSchema", rpc_get_schema, NULL, NULL},
    {"CheckConfig", rpc_check_config, NULL, check_structs},
    {"DiffConfig", rpc_diff_config, NULL, diff_structs},
    {"Configure", rpc_configure, NULL, configure_structs},
    {"Check", rpc_check, NULL, check_structs},
    {"Diff", rpc_diff, NULL, diff_structs},
    {"Create", rpc_create, NULL, create_structs},
    {"Read", rpc_read, NULL, read_structs},
    {"Update", rpc_update, NULL, update_structs},
    {"Delete", rpc_delete, NULL, delete_structs},
    {"Cancel", rpc_cancel, NULL, NULL},
    {"Attach", rpc_attach, NULL, NULL},
    {"Parameterize", NULL, &pulumirpc__parameterize_request__descriptor, NULL},
    {"Invoke", rpc_invoke, NULL, args_structs},
    {"Call", NULL, &pulumirpc__call_request__descriptor, args_structs},
    {"List", NULL, &pulumirpc__list_request__descriptor, NULL},
    {"Construct", NULL, &pulumirpc__construct_request__descriptor, NULL},
    {"GetMapping", NULL, &pulumirpc__get_mapping_request__descriptor, NULL},
    {"GetMappings", NULL, &pulumirpc__get_mappings_request__descriptor, NULL},
};

/* Calls without side effects fail whole when memory ran out anywhere inside
 * them, also where a helper could only swallow it (a degraded answer, such as
 * a diff that sees a change because a comparison could not allocate, is worse
 * than an error). Not Create, Update or Delete: what they did at AWS must
 * still be reported. */
static bool side_effect_free(const char *name)
{
    static const char *const names[] = {"Handshake",  "GetPluginInfo", "GetSchema", "CheckConfig",
                                        "DiffConfig", "Configure",     "Check",     "Diff",
                                        "Read",       "Attach",        "Invoke"};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (strcmp(names[i], name) == 0)
            return true;
    return false;
}

/* Every Analyzer method is side-effect free. */
static void fail_if_memory_ran_out_in(bool side_effect_free_call, const char *name, rpc_reply *out)
{
    if (mem_failures() == call_mem_mark || out->code == ERR_RESOURCE_EXHAUSTED ||
        !side_effect_free_call)
        return;
    free(out->body);
    free(out->details);
    free(out->engine_address);
    out->body = out->details = NULL;
    out->engine_address = NULL;
    out->body_len = out->details_len = 0;
    reply_error(out, ERR_RESOURCE_EXHAUSTED, "out of memory serving %s", name);
}

static void fail_if_memory_ran_out(const char *name, rpc_reply *out)
{
    fail_if_memory_ran_out_in(side_effect_free(name), name, out);
}

const rpc_method *rpc_method_find(const rpc_call *call, const char *prefix, const rpc_method *table,
                                  size_t n, rpc_reply *out, bool *refused)
{
    size_t plen = strlen(prefix);
    *refused = false;
    if (call->method_len <= plen || strncmp(call->method, prefix, plen) != 0)
        return NULL;
    const char *name = call->method + plen;
    size_t nlen = call->method_len - plen;
    for (size_t i = 0; i < n; i++) {
        const rpc_method *mt = &table[i];
        if (strlen(mt->name) != nlen || strncmp(mt->name, name, nlen) != 0)
            continue;
        size_t ns = 0;
        while (mt->structs && mt->structs[ns])
            ns++;
        char why[256];
        if (ns && wire_check_struct_depth(call->req, call->req_len, mt->structs, ns, why,
                                          sizeof(why)) != 0) {
            reply_error(out, ERR_INVALID_ARGUMENT, "invalid %s request: %s", mt->name, why);
            *refused = true;
            return NULL;
        }
        return mt;
    }
    return NULL;
}

void rpc_handle(const rpc_call *call, rpc_reply *out)
{
    memset(out, 0, sizeof(*out));
    call_mem_mark = mem_failures();
    if (analyzer_mode()) { /* pulumi-analyzer-awsml serves the Analyzer service only */
        analyzer_handle(call, out);
        fail_if_memory_ran_out_in(true, "the policy pack", out);
        return;
    }
    bool refused = false;
    const rpc_method *mt = rpc_method_find(call, RPC_PREFIX, methods,
                                           sizeof(methods) / sizeof(methods[0]), out, &refused);
    if (refused)
        return;
    if (mt && mt->fn) {
        log_at(2, "rpc %s (%zu bytes)", mt->name, call->req_len);
        mt->fn(call, out);
        fail_if_memory_ran_out(mt->name, out);
        return;
    }
    if (mt) {
        ProtobufCMessage *req =
            protobuf_c_message_unpack(mt->req_desc, &unpack_allocator, call->req_len, call->req);
        if (!req) {
            malformed(out, mt->name, mt->req_desc->short_name);
            return;
        }
        protobuf_c_message_free_unpacked(req, &unpack_allocator);
        reply_error(out, ERR_UNIMPLEMENTED,
                    "awsml does not implement ResourceProvider.%s (it has no methods, "
                    "components, lists or parameterization)",
                    mt->name);
        return;
    }
    reply_error(out, ERR_UNIMPLEMENTED, "awsml does not implement method %.*s",
                (int)call->method_len, call->method);
}

bool rpc_runs_inline(const rpc_call *call)
{
    static const struct {
        const char *name;
        uint32_t preview_field; /* 0: always; else only with this bool field set */
    } quick[] = {{"Check", 0}, {"Diff", 0}, {"DiffConfig", 0}, {"Create", 4}, {"Update", 7}};
    size_t plen = strlen(RPC_PREFIX);
    if (call->req_len > RPC_INLINE_MAX_BYTES)
        return false;
    if (analyzer_mode()) /* the pack only computes: every call of it is quick */
        return true;
    if (call->method_len <= plen || strncmp(call->method, RPC_PREFIX, plen) != 0)
        return false;
    const char *name = call->method + plen;
    size_t nlen = call->method_len - plen;
    for (size_t i = 0; i < sizeof(quick) / sizeof(quick[0]); i++) {
        if (strlen(quick[i].name) != nlen || strncmp(quick[i].name, name, nlen) != 0)
            continue;
        uint64_t preview = 0;
        return quick[i].preview_field == 0 ||
               (wire_varint_field(call->req, call->req_len, quick[i].preview_field, &preview) ==
                    1 &&
                preview != 0);
    }
    return false;
}
