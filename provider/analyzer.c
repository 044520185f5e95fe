#include "analyzer.h"

#include <cJSON.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "advice.h"
#include "google/protobuf/empty.pb-c.h"
#include "props.h"
#include "pulumi/analyzer.pb-c.h"
#include "pulumi/plugin.pb-c.h"
#include "resources/advisor.h"
#include "util/err.h"
#include "util/log.h"
#include "util/str.h"
#include "wire.h"

#if !defined(AWSML_VERSION)
#error "AWSML_VERSION is defined by the Makefile"
#endif

#define ANALYZER_PREFIX "/pulumirpc.Analyzer/"
#define ANALYZER_DESCRIPTION                                                                       \
    "awsml's security advisor for SageMaker training pipelines and their artifact store: "         \
    "IAM trust and permissions, S3, KMS and pipeline rules, per resource and across the stack"

static bool mode;

/* What Configure sets. levels: per rule (index in advisor_rules()), a
 * Pulumirpc__EnforcementLevel; zero is ADVISORY, the default. opts: the rule
 * properties; zeroed is the default. Configure runs before any Analyze, but
 * nothing in the protocol forbids a late one, and a request over 64 KiB is
 * served on a pool thread: Configure replaces the whole struct under the
 * write lock, and each Analyze works on a copy taken under the read lock, so
 * one call never mixes two configurations. */
typedef struct pack_config {
    unsigned char levels[ANALYZER_MAX_RULES];
    advisor_options opts;
} pack_config;
static pthread_rwlock_t config_lock = PTHREAD_RWLOCK_INITIALIZER;
static pack_config config; /* guarded by config_lock */

static void config_get(pack_config *snap)
{
    pthread_rwlock_rdlock(&config_lock);
    *snap = config;
    pthread_rwlock_unlock(&config_lock);
}

static void config_set(const pack_config *next)
{
    pthread_rwlock_wrlock(&config_lock);
    config = *next;
    pthread_rwlock_unlock(&config_lock);
}

void analyzer_select(const char *argv0)
{
    const char *base = argv0 ? strrchr(argv0, '/') : NULL;
    base = base ? base + 1 : argv0;
    mode = base && strcmp(base, ANALYZER_BIN) == 0;
}

bool analyzer_mode(void)
{
    return mode;
}

void analyzer_reset(void)
{
    static const pack_config defaults; /* ADVISORY is 0: every rule advisory */
    config_set(&defaults);
}

static void reply_errorf(rpc_reply *out, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void reply_errorf(rpc_reply *out, int code, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    rpc_reply_text(out, code, msg);
}

static void malformed(rpc_reply *out, const char *method, const char *msgname)
{
    reply_errorf(out, ERR_INVALID_ARGUMENT,
                 "malformed %s request: the bytes do not decode as %s (or memory ran out)", method,
                 msgname);
}

static Pulumirpc__PolicySeverity severity_of(enum advisor_severity s)
{
    switch (s) {
    case ADVISOR_INFO:
        return PULUMIRPC__POLICY_SEVERITY__POLICY_SEVERITY_LOW;
    case ADVISOR_WARNING:
        return PULUMIRPC__POLICY_SEVERITY__POLICY_SEVERITY_MEDIUM;
    case ADVISOR_HIGH:
        return PULUMIRPC__POLICY_SEVERITY__POLICY_SEVERITY_HIGH;
    }
    return PULUMIRPC__POLICY_SEVERITY__POLICY_SEVERITY_UNSPECIFIED;
}

/* The rule's index in advisor_rules(), or -1. */
static long rule_index(const char *id)
{
    size_t n = 0;
    const advisor_rule *rules = advisor_rules(&n);
    const advisor_rule *r = advisor_rule_find(id);
    if (!r || r < rules || r >= rules + n || (size_t)(r - rules) >= ANALYZER_MAX_RULES)
        return -1;
    return (long)(r - rules);
}

/* ---- diagnostics -------------------------------------------------------------------- */

typedef struct diag {
    Pulumirpc__AnalyzeDiagnostic d;
    char message[1024];
} diag;

typedef struct diags {
    diag *items;
    size_t len;
} diags;

/* Adds the findings that are neither disabled nor suppressed; urn_of gives
 * each finding's resource URN and props_of its properties (for the tag). */
static int diags_add(diags *ds, const pack_config *cfg, const advisor_findings *found,
                     const char *const *urns, const pv *const *props, size_t nres)
{
    diag *grown = found->len ? realloc(ds->items, (ds->len + found->len) * sizeof(diag)) : NULL;
    if (found->len && !grown)
        return -1;
    if (grown)
        ds->items = grown;
    for (size_t i = 0; i < found->len; i++) {
        const advisor_finding *fd = &found->items[i];
        size_t r = fd->resource < nres ? fd->resource : 0;
        long idx = rule_index(fd->id);
        if (idx < 0)
            continue;
        const advisor_rule *rule = &advisor_rules(NULL)[idx];
        unsigned level = cfg->levels[idx];
        if (level == PULUMIRPC__ENFORCEMENT_LEVEL__DISABLED ||
            advice_suppressed(NULL, fd->id, props[r]))
            continue;
        diag *d = &ds->items[ds->len++];
        Pulumirpc__AnalyzeDiagnostic init = PULUMIRPC__ANALYZE_DIAGNOSTIC__INIT;
        d->d = init;
        if (fd->property[0])
            snprintf(d->message, sizeof(d->message), "%s: %s Fix: %s", fd->property, fd->message,
                     fd->fix);
        else
            snprintf(d->message, sizeof(d->message), "%s Fix: %s", fd->message, fd->fix);
        d->d.policyname = (char *)rule->id;
        d->d.policypackname = (char *)ANALYZER_PACK;
        d->d.policypackversion = (char *)AWSML_VERSION;
        d->d.description = (char *)rule->what;
        d->d.urn = (char *)(urns[r] ? urns[r] : "");
        d->d.severity = severity_of(fd->severity);
        d->d.enforcementlevel = level == PULUMIRPC__ENFORCEMENT_LEVEL__ADVISORY
                                    ? PULUMIRPC__ENFORCEMENT_LEVEL__ADVISORY
                                    : PULUMIRPC__ENFORCEMENT_LEVEL__MANDATORY;
    }
    return 0;
}

static void reply_diags(rpc_reply *out, diags *ds)
{
    Pulumirpc__AnalyzeDiagnostic **ptrs = ds->len ? calloc(ds->len, sizeof(*ptrs)) : NULL;
    if (ds->len && !ptrs) {
        rpc_reply_text(out, ERR_RESOURCE_EXHAUSTED, "out of memory");
        return;
    }
    for (size_t i = 0; i < ds->len; i++) {
        ds->items[i].d.message = ds->items[i].message;
        ptrs[i] = &ds->items[i].d;
    }
    Pulumirpc__AnalyzeResponse resp = PULUMIRPC__ANALYZE_RESPONSE__INIT;
    resp.n_diagnostics = ds->len;
    resp.diagnostics = ptrs;
    rpc_reply_message(out, &resp.base);
    free(ptrs);
}

/* The plain tree of a Struct (an absent one is an empty object). */
static int decode_plain(const Google__Protobuf__Struct *s, const char *what, pv **plain,
                        rpc_reply *out)
{
    char why[512];
    pv *raw = NULL;
    if (props_from_struct(s, &raw, why, sizeof(why)) != 0) {
        reply_errorf(out, ERR_INVALID_ARGUMENT, "invalid %s: %s", what, why);
        return -1;
    }
    *plain = pv_take_plain(raw);
    if (!*plain) {
        rpc_reply_text(out, ERR_RESOURCE_EXHAUSTED, "out of memory");
        return -1;
    }
    return 0;
}

/* ---- rule properties ---------------------------------------------------------------- */

/* The configSchema of a rule's properties (NULL when it has none); 0, or -1
 * when memory ran out. Free with protobuf_c_message_free_unpacked. */
static int config_schema(const char *rule, Google__Protobuf__Struct **out)
{
    cJSON *obj = NULL;
    pv *v = NULL;
    int rc = -1;
    *out = NULL;
    if (!advisor_rule_has_props(rule))
        return 0;
    if (!(obj = cJSON_CreateObject()))
        goto done;
    const advisor_prop *ap;
    for (size_t i = 0; (ap = advisor_prop_at(i)) != NULL; i++) {
        if (strcmp(ap->rule, rule) != 0)
            continue;
        cJSON *one = cJSON_Parse(ap->schema);
        if (!one || !cJSON_AddItemToObject(obj, ap->name, one)) {
            cJSON_Delete(one);
            goto done;
        }
    }
    if (!(v = pv_from_cjson(obj)) || props_to_struct(v, out) != 0)
        goto done;
    rc = 0;
done:
    cJSON_Delete(obj);
    pv_free(v);
    return rc;
}

/* Reads a policy's properties into o (advisor_options_parse); on a bad one
 * the error goes to out and -1 comes back. */
static int props_parse(const char *rule, const Google__Protobuf__Struct *props, advisor_options *o,
                       rpc_reply *out)
{
    char why[640];
    pv *plain = NULL;
    if (!props || props->n_fields == 0)
        return 0;
    snprintf(why, sizeof(why), "properties of %s", rule);
    if (decode_plain(props, why, &plain, out) != 0)
        return -1;
    int rc = advisor_options_parse(o, rule, plain, why, sizeof(why));
    if (rc != 0)
        reply_errorf(out, ERR_INVALID_ARGUMENT, "policy pack config %s", why);
    pv_free(plain);
    return rc;
}

/* ---- methods ------------------------------------------------------------------------ */

static void an_get_plugin_info(const rpc_call *call, rpc_reply *out)
{
    Google__Protobuf__Empty *req =
        google__protobuf__empty__unpack(rpc_unpack_allocator(), call->req_len, call->req);
    if (!req) {
        malformed(out, "GetPluginInfo", "google.protobuf.Empty");
        return;
    }
    Pulumirpc__PluginInfo info = PULUMIRPC__PLUGIN_INFO__INIT;
    info.version = (char *)AWSML_VERSION;
    rpc_reply_message(out, &info.base);
    google__protobuf__empty__free_unpacked(req, rpc_unpack_allocator());
}

static void an_get_analyzer_info(const rpc_call *call, rpc_reply *out)
{
    Google__Protobuf__Empty *req =
        google__protobuf__empty__unpack(rpc_unpack_allocator(), call->req_len, call->req);
    if (!req) {
        malformed(out, "GetAnalyzerInfo", "google.protobuf.Empty");
        return;
    }
    size_t n = 0;
    const advisor_rule *rules = advisor_rules(&n);
    Pulumirpc__PolicyInfo *infos = n ? calloc(n, sizeof(*infos)) : NULL;
    Pulumirpc__PolicyInfo **ptrs = n ? calloc(n, sizeof(*ptrs)) : NULL;
    Pulumirpc__PolicyConfigSchema *schemas = n ? calloc(n, sizeof(*schemas)) : NULL;
    if (n && (!infos || !ptrs || !schemas)) {
        rpc_reply_text(out, ERR_RESOURCE_EXHAUSTED, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        Pulumirpc__PolicyInfo init = PULUMIRPC__POLICY_INFO__INIT;
        infos[i] = init;
        infos[i].name = (char *)rules[i].id;
        infos[i].displayname = (char *)rules[i].id;
        infos[i].description = (char *)rules[i].what;
        infos[i].message = (char *)rules[i].fix;
        infos[i].remediation_steps = (char *)rules[i].fix;
        infos[i].enforcementlevel = PULUMIRPC__ENFORCEMENT_LEVEL__ADVISORY;
        infos[i].severity = severity_of(rules[i].severity);
        infos[i].policy_type = rules[i].scope && strcmp(rules[i].scope, "stack") == 0
                                   ? PULUMIRPC__POLICY_TYPE__POLICY_TYPE_STACK
                                   : PULUMIRPC__POLICY_TYPE__POLICY_TYPE_RESOURCE;
        Pulumirpc__PolicyConfigSchema sinit = PULUMIRPC__POLICY_CONFIG_SCHEMA__INIT;
        schemas[i] = sinit;
        if (config_schema(rules[i].id, &schemas[i].properties) != 0) {
            rpc_reply_text(out, ERR_RESOURCE_EXHAUSTED, "out of memory");
            goto done;
        }
        if (schemas[i].properties)
            infos[i].configschema = &schemas[i];
        ptrs[i] = &infos[i];
    }
    Pulumirpc__AnalyzerInfo info = PULUMIRPC__ANALYZER_INFO__INIT;
    info.name = (char *)ANALYZER_PACK;
    info.displayname = (char *)"awsml security advisor";
    info.version = (char *)AWSML_VERSION;
    info.description = (char *)ANALYZER_DESCRIPTION;
    info.supportsconfig = 1;
    info.n_policies = n;
    info.policies = ptrs;
    rpc_reply_message(out, &info.base);
done:
    for (size_t i = 0; schemas && i < n; i++)
        if (schemas[i].properties)
            protobuf_c_message_free_unpacked(&schemas[i].properties->base, NULL);
    free(schemas);
    free(infos);
    free(ptrs);
    google__protobuf__empty__free_unpacked(req, rpc_unpack_allocator());
}

static const char *level_name(Pulumirpc__EnforcementLevel l)
{
    switch (l) {
    case PULUMIRPC__ENFORCEMENT_LEVEL__ADVISORY:
        return "advisory";
    case PULUMIRPC__ENFORCEMENT_LEVEL__MANDATORY:
        return "mandatory";
    case PULUMIRPC__ENFORCEMENT_LEVEL__DISABLED:
        return "disabled";
    case PULUMIRPC__ENFORCEMENT_LEVEL__REMEDIATE:
        return "remediate";
    default:
        return "?";
    }
}

static void an_configure(const rpc_call *call, rpc_reply *out)
{
    Pulumirpc__ConfigureAnalyzerRequest *req = pulumirpc__configure_analyzer_request__unpack(
        rpc_unpack_allocator(), call->req_len, call->req);
    if (!req) {
        malformed(out, "Configure", "pulumirpc.ConfigureAnalyzerRequest");
        return;
    }
    /* Everything is checked before anything changes. */
    pack_config *next = calloc(1, sizeof(*next));
    if (!next) {
        rpc_reply_text(out, ERR_RESOURCE_EXHAUSTED, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < req->n_policyconfig; i++) {
        const char *name = req->policyconfig[i]->key ? req->policyconfig[i]->key : "";
        const Pulumirpc__PolicyConfig *pc = req->policyconfig[i]->value;
        if (strcmp(name, "all") == 0) /* the engine already applied it to each policy */
            continue;
        long idx = rule_index(name);
        if (idx < 0) {
            reply_errorf(out, ERR_INVALID_ARGUMENT,
                         "policy pack config: '%s' is not a policy of the %s pack (policy names "
                         "are the advisor's rule IDs, e.g. AWSML-IAM-001; see the README)",
                         name, ANALYZER_PACK);
            goto done;
        }
        Pulumirpc__EnforcementLevel l = pc ? pc->enforcementlevel : 0;
        if (l != PULUMIRPC__ENFORCEMENT_LEVEL__ADVISORY &&
            l != PULUMIRPC__ENFORCEMENT_LEVEL__MANDATORY &&
            l != PULUMIRPC__ENFORCEMENT_LEVEL__DISABLED &&
            l != PULUMIRPC__ENFORCEMENT_LEVEL__REMEDIATE) {
            reply_errorf(out, ERR_INVALID_ARGUMENT,
                         "policy pack config %s.enforcementLevel: %d is not one of advisory, "
                         "mandatory, disabled",
                         name, (int)l);
            goto done;
        }
        next->levels[idx] = (unsigned char)l;
        if (pc && props_parse(name, pc->properties, &next->opts, out) != 0)
            goto done;
        log_at(2, "policy %s: %s%s", name, level_name(l),
               pc && pc->properties && pc->properties->n_fields ? " with properties" : "");
    }
    config_set(next);
    Google__Protobuf__Empty e = GOOGLE__PROTOBUF__EMPTY__INIT;
    rpc_reply_message(out, &e.base);
done:
    free(next);
    pulumirpc__configure_analyzer_request__free_unpacked(req, rpc_unpack_allocator());
}

static void an_handshake(const rpc_call *call, rpc_reply *out)
{
    Pulumirpc__AnalyzerHandshakeRequest *req = pulumirpc__analyzer_handshake_request__unpack(
        rpc_unpack_allocator(), call->req_len, call->req);
    if (!req) {
        malformed(out, "Handshake", "pulumirpc.AnalyzerHandshakeRequest");
        return;
    }
    if (req->engine_address && *req->engine_address &&
        !(out->engine_address = str_dup(req->engine_address))) {
        rpc_reply_text(out, ERR_RESOURCE_EXHAUSTED, "out of memory");
    } else {
        Pulumirpc__AnalyzerHandshakeResponse resp = PULUMIRPC__ANALYZER_HANDSHAKE_RESPONSE__INIT;
        rpc_reply_message(out, &resp.base);
    }
    pulumirpc__analyzer_handshake_request__free_unpacked(req, rpc_unpack_allocator());
}

static void an_configure_stack(const rpc_call *call, rpc_reply *out)
{
    Pulumirpc__AnalyzerStackConfigureRequest *req =
        pulumirpc__analyzer_stack_configure_request__unpack(rpc_unpack_allocator(), call->req_len,
                                                            call->req);
    if (!req) {
        malformed(out, "ConfigureStack", "pulumirpc.AnalyzerStackConfigureRequest");
        return;
    }
    log_at(2, "policy pack for stack %s (%s)", req->stack ? req->stack : "?",
           req->dry_run ? "preview" : "update");
    Pulumirpc__AnalyzerStackConfigureResponse resp =
        PULUMIRPC__ANALYZER_STACK_CONFIGURE_RESPONSE__INIT;
    rpc_reply_message(out, &resp.base);
    pulumirpc__analyzer_stack_configure_request__free_unpacked(req, rpc_unpack_allocator());
}

static void an_cancel(const rpc_call *call, rpc_reply *out)
{
    Google__Protobuf__Empty *req =
        google__protobuf__empty__unpack(rpc_unpack_allocator(), call->req_len, call->req);
    if (!req) {
        malformed(out, "Cancel", "google.protobuf.Empty");
        return;
    }
    google__protobuf__empty__free_unpacked(req, rpc_unpack_allocator());
    Google__Protobuf__Empty e = GOOGLE__PROTOBUF__EMPTY__INIT;
    rpc_reply_message(out, &e.base);
    out->after = RPC_AFTER_SHUTDOWN;
}

static void an_analyze(const rpc_call *call, rpc_reply *out)
{
    pv *plain = NULL;
    advisor_findings found = {0};
    diags ds = {0};
    pack_config cfg;
    config_get(&cfg);
    found.opts = &cfg.opts;
    Pulumirpc__AnalyzeRequest *req =
        pulumirpc__analyze_request__unpack(rpc_unpack_allocator(), call->req_len, call->req);
    if (!req) {
        malformed(out, "Analyze", "pulumirpc.AnalyzeRequest");
        return;
    }
    const char *rest = advisor_token_rest(req->type);
    if (rest) {
        if (decode_plain(req->properties, "properties", &plain, out) != 0)
            goto done;
        const char *urns[1] = {req->urn};
        const pv *props[1] = {plain};
        if (advisor_run(rest, plain, &found) != 0 ||
            diags_add(&ds, &cfg, &found, urns, props, 1) != 0) {
            rpc_reply_text(out, ERR_RESOURCE_EXHAUSTED, "out of memory running the advisor");
            goto done;
        }
    }
    reply_diags(out, &ds);
done:
    free(ds.items);
    advisor_findings_free(&found);
    pv_free(plain);
    pulumirpc__analyze_request__free_unpacked(req, rpc_unpack_allocator());
}

/* The arrays AnalyzeStack lends advisor_stack_run. */
typedef struct stack_view {
    advisor_resource *res;
    pv **plain;
    const char **urns;
    const char ***deps;
    advisor_propdeps **propdeps;
    size_t n;
} stack_view;

static void stack_view_free(stack_view *v)
{
    for (size_t i = 0; i < v->n; i++) {
        if (v->plain)
            pv_free(v->plain[i]);
        if (v->deps)
            free(v->deps[i]);
        if (v->propdeps)
            free(v->propdeps[i]);
    }
    free(v->res);
    free(v->plain);
    free(v->urns);
    free(v->deps);
    free(v->propdeps);
    memset(v, 0, sizeof(*v));
}

/* Fills resource i: deps are the dependencies plus every property
 * dependency's URNs (a preview links new resources only through those). */
static int stack_view_fill(stack_view *v, size_t i, const Pulumirpc__AnalyzerResource *r,
                           rpc_reply *out)
{
    char what[640];
    snprintf(what, sizeof(what), "properties of %s", r->urn ? r->urn : "?");
    if (decode_plain(r->properties, what, &v->plain[i], out) != 0)
        return -1;
    size_t nd = r->n_dependencies;
    for (size_t k = 0; k < r->n_propertydependencies; k++)
        if (r->propertydependencies[k]->value)
            nd += r->propertydependencies[k]->value->n_urns;
    v->deps[i] = nd ? calloc(nd, sizeof(char *)) : NULL;
    v->propdeps[i] = r->n_propertydependencies
                         ? calloc(r->n_propertydependencies, sizeof(advisor_propdeps))
                         : NULL;
    if ((nd && !v->deps[i]) || (r->n_propertydependencies && !v->propdeps[i])) {
        rpc_reply_text(out, ERR_RESOURCE_EXHAUSTED, "out of memory");
        return -1;
    }
    size_t d = 0;
    for (size_t k = 0; k < r->n_dependencies; k++)
        v->deps[i][d++] = r->dependencies[k];
    for (size_t k = 0; k < r->n_propertydependencies; k++) {
        const Pulumirpc__AnalyzerPropertyDependencies *pd = r->propertydependencies[k]->value;
        v->propdeps[i][k].property = r->propertydependencies[k]->key;
        v->propdeps[i][k].urns = pd ? (const char *const *)pd->urns : NULL;
        v->propdeps[i][k].n = pd ? pd->n_urns : 0;
        for (size_t u = 0; pd && u < pd->n_urns; u++)
            v->deps[i][d++] = pd->urns[u];
    }
    v->urns[i] = r->urn;
    v->res[i] = (advisor_resource){
        .urn = r->urn,
        .type = r->type ? r->type : "",
        .name = r->name ? r->name : "",
        .props = v->plain[i],
        .parent = r->parent && *r->parent ? r->parent : NULL,
        .deps = v->deps[i],
        .ndeps = d,
        .propdeps = v->propdeps[i],
        .npropdeps = r->n_propertydependencies,
    };
    return 0;
}

static void an_analyze_stack(const rpc_call *call, rpc_reply *out)
{
    stack_view v = {0};
    advisor_findings found = {0};
    diags ds = {0};
    pack_config cfg;
    config_get(&cfg);
    found.opts = &cfg.opts;
    static const uint32_t resource_structs[] = {2};
    char why[256];
    if (wire_check_nested_struct_depth(call->req, call->req_len, 1, resource_structs, 1, why,
                                       sizeof(why)) != 0) {
        reply_errorf(out, ERR_INVALID_ARGUMENT, "invalid AnalyzeStack request: resources: %s", why);
        return;
    }
    Pulumirpc__AnalyzeStackRequest *req =
        pulumirpc__analyze_stack_request__unpack(rpc_unpack_allocator(), call->req_len, call->req);
    if (!req) {
        malformed(out, "AnalyzeStack", "pulumirpc.AnalyzeStackRequest");
        return;
    }
    size_t n = req->n_resources;
    if (n) {
        v.res = calloc(n, sizeof(*v.res));
        v.plain = calloc(n, sizeof(*v.plain));
        v.urns = calloc(n, sizeof(*v.urns));
        v.deps = calloc(n, sizeof(*v.deps));
        v.propdeps = calloc(n, sizeof(*v.propdeps));
        if (!v.res || !v.plain || !v.urns || !v.deps || !v.propdeps) {
            rpc_reply_text(out, ERR_RESOURCE_EXHAUSTED, "out of memory");
            goto done;
        }
        v.n = n;
    }
    for (size_t i = 0; i < n; i++)
        if (stack_view_fill(&v, i, req->resources[i], out) != 0)
            goto done;
    if (advisor_stack_run(v.res, n, ADVISOR_ALL, true, &found) != 0 ||
        diags_add(&ds, &cfg, &found, v.urns, (const pv *const *)v.plain, n) != 0) {
        rpc_reply_text(out, ERR_RESOURCE_EXHAUSTED, "out of memory running the advisor");
        goto done;
    }
    reply_diags(out, &ds);
done:
    free(ds.items);
    advisor_findings_free(&found);
    stack_view_free(&v);
    pulumirpc__analyze_stack_request__free_unpacked(req, rpc_unpack_allocator());
}

static const uint32_t analyze_structs[] = {2, 0};

static const rpc_method methods[] = {
    {"GetPluginInfo", an_get_plugin_info, NULL, NULL},
    {"GetAnalyzerInfo", an_get_analyzer_info, NULL, NULL},
    {"Handshake", an_handshake, NULL, NULL},
    {"ConfigureStack", an_configure_stack, NULL, NULL},
    {"Configure", an_configure, NULL, NULL},
    {"Analyze", an_analyze, NULL, analyze_structs},
    {"AnalyzeStack", an_analyze_stack, NULL, NULL},
    {"Cancel", an_cancel, NULL, NULL},
};

void analyzer_handle(const rpc_call *call, rpc_reply *out)
{
    memset(out, 0, sizeof(*out));
    bool refused = false;
    const rpc_method *mt = rpc_method_find(call, ANALYZER_PREFIX, methods,
                                           sizeof(methods) / sizeof(methods[0]), out, &refused);
    if (refused)
        return;
    if (mt) {
        log_at(2, "analyzer %s (%zu bytes)", mt->name, call->req_len);
        mt->fn(call, out);
        return;
    }
    reply_errorf(out, ERR_UNIMPLEMENTED,
                 "the awsml policy pack does not implement %.*s (it serves pulumirpc.Analyzer "
                 "without Remediate)",
                 (int)call->method_len, call->method);
}
