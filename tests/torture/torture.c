/* Allocation-failure torture (issue 8): every operation in the table below
 * runs once to count its allocations M, then M more times with allocation N
 * (N = 1..M) refused, and again with every allocation from N on refused
 * ("sticky"). Each time it must not crash, must leave none of its allocations
 * live, and must either fail with a sane message (non-empty, and saying the
 * memory ran out: "memory" in the text or RESOURCE_EXHAUSTED) or give exactly
 * the result of the clean run (the refused allocation was optional).
 *
 * The allocator is tests/torture/alloc_fail.c; mk/torture.mk builds this with
 * and without ASan+UBSan. Operations read their inputs from the fuzz seed
 * corpora (tests/fuzz/corpus, so the binary runs from the repository root)
 * and from requests built here; the HTTP operations talk to fake_aws.c, a
 * canned AWS on loopback in a child process.
 *
 * Knobs: TORTURE_OP=substring (only matching operations), TORTURE_N=n (only
 * that N), TORTURE_STICKY=0|1 (only that mode), TORTURE_TRACE=seq (print the
 * stack of allocation seq in every run), TORTURE_VERBOSE=1 (one line per
 * operation; 2: also its clean result). */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "advice.h"
#include "alloc_fail.h"
#include "analyzer.h"
#include "aws/awserr.h"
#include "aws/client.h"
#include "aws/credentials.h"
#include "aws/credentials_parse.h"
#include "aws/endpoints.h"
#include "aws/http.h"
#include "aws/profile.h"
#include "aws/query.h"
#include "aws/sigv4.h"
#include "aws/xml.h"
#include "config.h"
#include "fake_aws.h"
#include "props.h"
#include "provider.h"
#include "google/protobuf/empty.pb-c.h"
#include "pulumi/analyzer.pb-c.h"
#include "pulumi/provider.pb-c.h"
#include "resource.h"
#include "resources/advisor.h"
#include "resources/function.h"
#include "resources/policy.h"
#include "rpc.h"
#include "status.h"
#include "util/buf.h"
#include "util/log.h"
#include "util/mem.h"
#include "util/str.h"

void test_resources_register(void);

/* ---- outcomes ----------------------------------------------------------------- */

#define MAX_STEPS 16

/* What one run of an operation gave. rc != 0: it failed with code/msg. */
typedef struct outcome {
    int rc;
    int code;
    char msg[2048];
    /* The result, rendered, compared with the clean run's. Kept with the real
     * allocator: the driver's own memory is never counted or refused. */
    char *text;
    size_t text_len, text_cap;
    int step_codes[MAX_STEPS];
    size_t n_steps;
} outcome;

void *__real_realloc(void *p, size_t n);
void __real_free(void *p);

static void out_printf(outcome *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void out_printf(outcome *o, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char tmp[4096];
    int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    size_t len = (size_t)n < sizeof(tmp) ? (size_t)n : sizeof(tmp) - 1;
    if (o->text_len + len + 1 > o->text_cap) {
        size_t cap = (o->text_len + len + 1) * 2;
        char *t = __real_realloc(o->text, cap);
        if (!t) {
            fprintf(stderr, "torture: out of memory in the driver\n");
            exit(2);
        }
        o->text = t;
        o->text_cap = cap;
    }
    memcpy(o->text + o->text_len, tmp, len + 1);
    o->text_len += len;
}

static void outcome_free(outcome *o)
{
    __real_free(o->text);
    o->text = NULL;
}

static int fail_with(outcome *o, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fail_with(outcome *o, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(o->msg, sizeof(o->msg), fmt, ap);
    va_end(ap);
    o->rc = -1;
    o->code = code;
    return -1;
}

/* A NULL from a constructor documented to fail only when memory runs out. */
static int oom(outcome *o, const char *what)
{
    return fail_with(o, ERR_RESOURCE_EXHAUSTED, "out of memory (%s returned NULL)", what);
}

static int fail_err(outcome *o, const char *what, const err *e)
{
    return fail_with(o, e->code, "%s: %s", what, e->msg);
}

static uint64_t fnv(const void *p, size_t n)
{
    const unsigned char *b = p;
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < n; i++) {
        h ^= b[i];
        h *= 1099511628211ULL;
    }
    return h;
}

/* ---- the driver's allocations ------------------------------------------------------ */

/* The driver builds its inputs before a run and checks results after it, so
 * its own allocations are never counted (af_begin/af_end bracket only the
 * operation); they still go through the wrapped malloc, which is fine. */

typedef struct blob {
    char name[128];
    uint8_t *data;
    size_t len;
} blob;

static int read_file(const char *path, uint8_t **data, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    buf b;
    buf_init(&b, 1 << 20);
    char chunk[4096];
    size_t n;
    int rc = 0;
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
        if (buf_append(&b, chunk, n) != 0)
            rc = -1;
    fclose(f);
    if (rc != 0) {
        buf_free(&b);
        return -1;
    }
    if (!b.data && buf_append(&b, "", 0) != 0)
        return -1;
    *data = (uint8_t *)buf_take(&b, len);
    return 0;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(((const blob *)a)->name, ((const blob *)b)->name);
}

/* Every file of tests/fuzz/corpus/<target>, sorted by name. */
static blob *load_corpus(const char *target, size_t *n)
{
    char dir[256];
    snprintf(dir, sizeof(dir), "tests/fuzz/corpus/%.64s", target);
    DIR *d = opendir(dir);
    if (!d) {
        fprintf(stderr, "torture: cannot open %s (run from the repository root)\n", dir);
        exit(2);
    }
    blob *v = NULL;
    size_t len = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.')
            continue;
        blob *nv = realloc(v, (len + 1) * sizeof(*v));
        if (!nv)
            exit(2);
        v = nv;
        snprintf(v[len].name, sizeof(v[len].name), "%.120s", de->d_name);
        char path[512];
        snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
        if (read_file(path, &v[len].data, &v[len].len) != 0) {
            fprintf(stderr, "torture: cannot read %s\n", path);
            exit(2);
        }
        len++;
    }
    closedir(d);
    if (len)
        qsort(v, len, sizeof(*v), cmp_names);
    *n = len;
    return v;
}

/* ---- RPC ----------------------------------------------------------------------- */

static const char *const rpc_methods[] = {
    "Handshake", "GetPluginInfo", "GetSchema",    "CheckConfig", "DiffConfig",
    "Check",     "Diff",          "Create",       "Read",        "Update",
    "Delete",    "Attach",        "Parameterize", "Invoke",      "Call",
    "List",      "Construct",     "GetMapping",   "GetMappings", "NoSuchMethod",
};
#define N_RPC_METHODS (sizeof(rpc_methods) / sizeof(rpc_methods[0]))

typedef struct rpc_step {
    const char *method; /* "Check", ... */
    uint8_t *req;
    size_t len;
} rpc_step;

typedef struct rpc_script {
    rpc_step steps[MAX_STEPS];
    size_t n;
} rpc_script;

static int sink(enum log_severity sev, const char *urn, const char *msg, bool ephemeral)
{
    volatile size_t n = strlen(msg) + (urn ? strlen(urn) : 0);
    (void)n;
    return 0;
}

/* One call; the reply goes into the outcome (code, message or body digest). */
static void rpc_once(const rpc_step *s, outcome *o, int *code, char *msg, size_t msglen)
{
    char path[128];
    snprintf(path, sizeof(path), "/pulumirpc.ResourceProvider/%s", s->method);
    rpc_call call = {.method = path, .method_len = strlen(path), .req = s->req, .req_len = s->len};
    rpc_reply r;
    rpc_handle(&call, &r);
    *code = r.code;
    if (r.code) {
        snprintf(msg, msglen, "%s", r.message ? r.message : "");
        out_printf(o, "%s: error %d: %s", s->method, r.code, r.message ? r.message : "(null)");
    } else {
        out_printf(o, "%s: OK %zu bytes %016llx", s->method, r.body_len,
                   (unsigned long long)fnv(r.body, r.body_len));
    }
    if (r.details_len)
        out_printf(o, " details %zu bytes %016llx", r.details_len,
                   (unsigned long long)fnv(r.details, r.details_len));
    if (r.engine_address)
        out_printf(o, " engine %s", r.engine_address);
    out_printf(o, "\n");
    rpc_reply_free(&r);
}

/* The steps in order; a step whose status differs from the clean run's ends
 * the script as a failure (later steps would see other state). Provider
 * state (configuration, client, reported advice) is reset at the end, inside
 * the run, so everything the script made must be gone afterwards. */
static void op_rpc(const void *arg, const outcome *clean, outcome *o)
{
    const rpc_script *sc = arg;
    for (size_t i = 0; i < sc->n; i++) {
        int code;
        char msg[2048] = "";
        rpc_once(&sc->steps[i], o, &code, msg, sizeof(msg));
        o->step_codes[o->n_steps++] = code;
        if (clean && code != clean->step_codes[i]) {
            fail_with(o, code, "%s: %s", sc->steps[i].method, msg);
            break;
        }
    }
    provider_reset();
    advice_reset();
}

/* ---- props ----------------------------------------------------------------------- */

static void render_pv(outcome *o, const pv *v);

static void op_props(const void *arg, const outcome *clean, outcome *o)
{
    const blob *b = arg;
    pv *a = NULL, *c = NULL, *plain = NULL, *back = NULL, *marked = NULL;
    Google__Protobuf__Struct *s2 = NULL;
    cJSON *j = NULL;
    char *json = NULL;
    char why[512];
    Google__Protobuf__Struct *s1 = google__protobuf__struct__unpack(NULL, b->len, b->data);
    if (!s1) {
        fail_with(o, ERR_RESOURCE_EXHAUSTED, "Struct does not unpack (out of memory)");
        goto out;
    }
    if (props_from_struct(s1, &a, why, sizeof(why)) != 0) {
        fail_with(o, ERR_INVALID_ARGUMENT, "props_from_struct: %s", why);
        goto out;
    }
    render_pv(o, a);
    if (props_to_struct(a, &s2) != 0) {
        fail_with(o, ERR_RESOURCE_EXHAUSTED, "props_to_struct failed (out of memory)");
        goto out;
    }
    size_t n = google__protobuf__struct__get_packed_size(s2);
    uint8_t packed[65536];
    if (n <= sizeof(packed)) {
        google__protobuf__struct__pack(s2, packed);
        out_printf(o, "\nstruct %zu %016llx", n, (unsigned long long)fnv(packed, n));
    }
    if (!(c = pv_copy(a))) {
        oom(o, "pv_copy");
        goto out;
    }
    out_printf(o, "\nequal %d secret %d unknown %d", pv_equal(a, c), pv_contains_secret(a),
               pv_contains_unknown(a));
    if (!(plain = pv_strip_secrets(a))) {
        oom(o, "pv_strip_secrets");
        goto out;
    }
    marked = pv_copy(plain);
    if (!marked || pv_mark_secrets_like(&marked, a) != 0) {
        oom(o, "pv_mark_secrets_like");
        goto out;
    }
    out_printf(o, "\nmarked equal %d", pv_equal(a, marked));
    j = pv_to_cjson(plain); /* NULL also when a value has no JSON form */
    if (j) {
        if (!(json = cJSON_PrintUnformatted(j))) {
            oom(o, "cJSON_PrintUnformatted");
            goto out;
        }
        out_printf(o, "\njson %s", json);
        if (!(back = pv_from_cjson(j))) {
            oom(o, "pv_from_cjson");
            goto out;
        }
        render_pv(o, back);
    } else {
        out_printf(o, "\nno json");
    }
out:
    free(json);
    cJSON_Delete(j);
    pv_free(a);
    pv_free(c);
    pv_free(plain);
    pv_free(back);
    pv_free(marked);
    if (s2)
        protobuf_c_message_free_unpacked(&s2->base, NULL);
    if (s1)
        google__protobuf__struct__free_unpacked(s1, NULL);
}

/* A one-line rendering of a tree, in the driver's memory. */
static void render_pv(outcome *o, const pv *v)
{
    if (!v) {
        out_printf(o, "<nil>");
        return;
    }
    switch (v->kind) {
    case PV_NULL:
        out_printf(o, "null");
        break;
    case PV_BOOL:
        out_printf(o, v->u.b ? "true" : "false");
        break;
    case PV_NUMBER:
        out_printf(o, "%.17g", v->u.n);
        break;
    case PV_STRING:
        out_printf(o, "\"%.*s\"", (int)v->u.str.len, v->u.str.s);
        break;
    case PV_ARRAY:
        out_printf(o, "[");
        for (size_t i = 0; i < v->u.arr.len; i++) {
            render_pv(o, v->u.arr.items[i]);
            out_printf(o, ",");
        }
        out_printf(o, "]");
        break;
    case PV_SECRET:
        out_printf(o, "secret(");
        render_pv(o, v->u.inner);
        out_printf(o, ")");
        break;
    case PV_UNKNOWN:
        out_printf(o, "unknown%d", (int)v->u.unknown);
        break;
    case PV_OUTPUT:
        out_printf(o, "output%d(", v->u.out.secret);
        render_pv(o, v->u.out.value);
        for (size_t i = 0; i < v->u.out.ndeps; i++)
            out_printf(o, ",%s", v->u.out.deps[i]);
        out_printf(o, ")");
        break;
    case PV_OBJECT:
    case PV_RESOURCE:
    case PV_ASSET:
    case PV_ARCHIVE:
        out_printf(o, "k%d{", (int)v->kind);
        for (size_t i = 0; i < v->u.obj.len; i++) {
            out_printf(o, "%s:", v->u.obj.keys[i]);
            render_pv(o, v->u.obj.vals[i]);
            out_printf(o, ",");
        }
        out_printf(o, "}");
        break;
    }
}

/* ---- policies and the advisor ---------------------------------------------------------- */

static void render_findings(outcome *o, const advisor_findings *f)
{
    for (size_t i = 0; i < f->len; i++)
        out_printf(o, "\n  %s %s: %s", f->items[i].id, f->items[i].property, f->items[i].message);
}

/* Takes in. */
static int advise(outcome *o, const char *token, pv *in)
{
    if (!in)
        return oom(o, "building the advisor's inputs");
    advisor_findings f = {0};
    int rc = advisor_run(token, in, &f);
    if (rc != 0)
        fail_with(o, ERR_RESOURCE_EXHAUSTED, "advisor_run %s failed (out of memory)", token);
    else {
        out_printf(o, "\nadvisor %s: %zu", token, f.len);
        render_findings(o, &f);
    }
    advisor_findings_free(&f);
    pv_free(in);
    return rc;
}

static pv *obj_with(const char *k1, pv *v1, const char *k2, pv *v2)
{
    pv *o = pv_object();
    if (!o) {
        pv_free(v1);
        pv_free(v2);
        return NULL;
    }
    int rc = pv_object_set(o, k1, v1);
    if (k2)
        rc |= pv_object_set(o, k2, v2);
    if (rc != 0) {
        pv_free(o);
        return NULL;
    }
    return o;
}

static void op_policy(const void *arg, const outcome *clean, outcome *o)
{
    const blob *b = arg;
    char json[8192];
    size_t n = b->len < sizeof(json) - 1 ? b->len : sizeof(json) - 1;
    memcpy(json, b->data, n);
    json[n] = '\0';
    char *c1 = NULL, *dec = NULL;
    err e = {0};
    if (policy_canonical(json, &c1, &e) == 0) {
        out_printf(o, "canonical %s", c1);
        int eq = policy_equivalent(json, c1);
        out_printf(o, "\nequivalent %d", eq);
    } else if (e.code == ERR_RESOURCE_EXHAUSTED) {
        fail_err(o, "policy_canonical", &e);
        goto out;
    } else {
        out_printf(o, "not canonical: %s", e.msg);
    }
    char why[256];
    int ck = policy_check(json, why, sizeof(why));
    out_printf(o, "\ncheck %d %s", ck, ck ? why : "");
    err_clear(&e);
    if (policy_url_decode(json, &dec, &e) == 0) {
        out_printf(o, "\ndecoded %s", dec);
    } else if (e.code == ERR_RESOURCE_EXHAUSTED) {
        fail_err(o, "policy_url_decode", &e);
        goto out;
    } else {
        out_printf(o, "\nnot decoded: %s", e.msg);
    }

    pv *pol = obj_with("name", pv_string("p"), "policy", pv_string(json));
    pv *pols = pv_array();
    if (!pol || !pols) {
        pv_free(pol);
        pv_free(pols);
        oom(o, "building a Role");
        goto out;
    }
    if (pv_array_push(pols, pol) != 0) { /* took pol */
        pv_free(pols);
        oom(o, "pv_array_push");
        goto out;
    }
    if (advise(o, "iam/role:Role",
               obj_with("inlinePolicies", pols, "assumeRolePolicy", pv_string(json))) != 0)
        goto out;
    if (advise(o, "sagemaker/pipeline:Pipeline",
               obj_with("pipelineDefinition", pv_string(json), NULL, NULL)) != 0)
        goto out;
    if (advise(o, "iam/rolePolicyAttachment:RolePolicyAttachment",
               obj_with("policyArn", pv_string(json), NULL, NULL)) != 0)
        goto out;
    /* The artifact store's documents: a customer managed policy, a key
     * policy, a bucket policy. */
    if (advise(o, "iam/policy:Policy", obj_with("policy", pv_string(json), NULL, NULL)) != 0 ||
        advise(o, "kms/key:Key", obj_with("policy", pv_string(json), NULL, NULL)) != 0 ||
        advise(o, "s3/bucketPolicy:BucketPolicy",
               obj_with("policy", pv_string(json), "bucket", pv_string("b"))) != 0)
        goto out;
out:
    /* A failed canonicalisation or decode above is part of the rendered result;
     * when it was the refused allocation the result differs from the clean run. */
    free(c1);
    free(dec);
}

/* The stack rules on a small stack: a pipeline whose definition bucket has an
 * SSE-S3 configuration (by value) and no other companion, a SageMaker role
 * with s3:* on "*" attached by dependency, and a bucket encrypted with a key
 * that does not rotate. Both modes. */
static const char *const stack_json[][3] = {
    {"aws:s3/bucket:Bucket", "Bucket", "{\"bucket\":\"art\",\"id\":\"art\"}"},
    {"aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
     "Sse",
     "{\"bucket\":\"art\",\"rules\":[{\"applyServerSideEncryptionByDefault\":{"
     "\"sseAlgorithm\":\"aws:kms\",\"kmsMasterKeyId\":\"arn:aws:kms:us-east-1:1:key/k\"}}]}"},
    {"awsml:kms/key:Key", "Key", "{\"arn\":\"arn:aws:kms:us-east-1:1:key/k\"}"},
    {"aws:iam/role:Role", "Role",
     "{\"name\":\"r\",\"assumeRolePolicy\":\"{\\\"Statement\\\":[{\\\"Effect\\\":"
     "\\\"Allow\\\",\\\"Principal\\\":{\\\"Service\\\":\\\"sagemaker.amazonaws.com"
     "\\\"},\\\"Action\\\":\\\"sts:AssumeRole\\\"}]}\"}"},
    {"aws:iam/policy:Policy", "Wide",
     "{\"arn\":\"arn:aws:iam::1:policy/w\",\"policy\":\"{\\\"Statement\\\":[{"
     "\\\"Effect\\\":\\\"Allow\\\",\\\"Action\\\":\\\"s3:*\\\",\\\"Resource"
     "\\\":\\\"*\\\"}]}\"}"},
    {"aws:iam/rolePolicyAttachment:RolePolicyAttachment", "Att",
     "{\"role\":\"r\",\"policyArn\":\"arn:aws:iam::1:policy/w\"}"},
    {"aws:sagemaker/pipeline:Pipeline", "Pipeline",
     "{\"pipelineDefinitionS3Location\":{\"bucket\":\"art\",\"objectKey\":\"d\"}}"},
};
#define STACK_N (sizeof(stack_json) / sizeof(stack_json[0]))

static void op_advisor_stack(const void *arg, const outcome *clean, outcome *o)
{
    (void)arg;
    (void)clean;
    advisor_resource res[STACK_N];
    pv *props[STACK_N] = {0};
    advisor_findings f = {0};
    memset(res, 0, sizeof(res));
    for (size_t i = 0; i < STACK_N; i++) {
        cJSON *j = cJSON_Parse(stack_json[i][2]);
        props[i] = j ? pv_from_cjson(j) : NULL;
        cJSON_Delete(j);
        if (!props[i]) {
            oom(o, "building the stack's props");
            goto out;
        }
        res[i] = (advisor_resource){.urn = stack_json[i][1],
                                    .type = stack_json[i][0],
                                    .name = stack_json[i][1],
                                    .props = props[i]};
    }
    for (int complete = 0; complete < 2; complete++) {
        if (advisor_stack_run(res, STACK_N, ADVISOR_ALL, complete != 0, &f) != 0) {
            fail_with(o, ERR_RESOURCE_EXHAUSTED, "advisor_stack_run failed (out of memory)");
            goto out;
        }
        out_printf(o, "\nstack complete=%d: %zu", complete, f.len);
        render_findings(o, &f);
        advisor_findings_free(&f);
    }
out:
    advisor_findings_free(&f);
    for (size_t i = 0; i < STACK_N; i++)
        pv_free(props[i]);
}

/* ---- XML and AWS errors ------------------------------------------------------------------- */

static void render_xml(outcome *o, const xml_node *n, int depth)
{
    out_printf(o, "\n%*s<%s>%.*s", depth * 2, "", n->name, (int)n->text_len, n->text);
    for (size_t i = 0; i < n->n_children; i++)
        render_xml(o, n->children[i], depth + 1);
}

static void render_awserr(outcome *o, const aws_error *ae)
{
    err e = {0};
    awserr_to_err(ae, &e);
    out_printf(o, "\n%s/%s %ld [%s] [%s] [%s] -> %d %s", ae->service, ae->operation,
               ae->http_status, ae->code, ae->message, ae->request_id, awserr_grpc_code(ae), e.msg);
}

static void op_xml(const void *arg, const outcome *clean, outcome *o)
{
    const blob *b = arg;
    const uint8_t *nul = memchr(b->data, 0, b->len);
    size_t body_len = nul ? (size_t)(nul - b->data) : b->len;
    char header[512] = "";
    if (nul) {
        size_t hl = b->len - body_len - 1;
        if (hl >= sizeof(header))
            hl = sizeof(header) - 1;
        memcpy(header, nul + 1, hl);
        header[hl] = '\0';
    }
    const char *body = (const char *)b->data;
    xml_node *root = NULL;
    err e = {0};
    if (xml_parse(body, body_len, &root, &e) == 0) {
        render_xml(o, root, 0);
        xml_free(root);
    } else if (e.code == ERR_RESOURCE_EXHAUSTED) {
        fail_err(o, "xml_parse", &e);
        return;
    } else {
        out_printf(o, "xml error: %s", e.msg);
    }
    aws_error ae;
    awserr_from_xml(&ae, "iam", "GetRole", 400, body, body_len, "req-1");
    render_awserr(o, &ae);
    awserr_from_json(&ae, "sagemaker", "CreatePipeline", 400, body, body_len, nul ? header : NULL,
                     NULL);
    render_awserr(o, &ae);
}

/* ---- profiles, SigV4, query ----------------------------------------------------------------- */

static void op_profile(const void *arg, const outcome *clean, outcome *o)
{
    const blob *b = arg;
    static const enum profile_kind kinds[] = {PROFILE_CREDENTIALS, PROFILE_CONFIG};
    static const char *const profiles[] = {"default", "dev", "a"};
    static const char *const keys[] = {"aws_access_key_id", "region", "role_arn", "source_profile",
                                       "s3"};
    for (size_t k = 0; k < 2; k++) {
        profile_file f = {0};
        err e = {0};
        if (profile_file_parse(&f, (const char *)b->data, b->len, kinds[k], "/torture/file", &e) !=
            0) {
            out_printf(o, "\nkind %zu: %s", k, e.msg);
            profile_file_free(&f);
            if (e.code == ERR_RESOURCE_EXHAUSTED) {
                fail_err(o, "profile_file_parse", &e);
                return;
            }
            continue;
        }
        for (size_t p = 0; p < 3; p++) {
            out_printf(o, "\n[%s] %d", profiles[p], profile_file_has(&f, profiles[p]));
            for (size_t i = 0; i < 5; i++) {
                const char *v = profile_file_get(&f, profiles[p], keys[i]);
                out_printf(o, " %s=%s", keys[i], v ? v : "-");
            }
        }
        profile_file_free(&f);
    }
}

static void render_sig(outcome *o, const struct sigv4_result *r)
{
    out_printf(o, "\nsig %s", r->signature);
    for (size_t i = 0; i < r->n_headers; i++)
        out_printf(o, "\n%s: %s", r->headers[i].name, r->headers[i].value);
    if (r->query)
        out_printf(o, "\n?%s", r->query);
    if (r->canonical_request)
        out_printf(o, "\n%s\n%s", r->canonical_request, r->string_to_sign);
}

/* The fuzz_sigv4 layout: flags byte, expiry byte, method, path?query,
 * headers up to an empty line, payload. */
static void op_sigv4(const void *arg, const outcome *clean, outcome *o)
{
    const blob *b = arg;
    if (b->len < 2)
        return;
    unsigned sel = b->data[0];
    const char *p = (const char *)b->data + 2, *end = (const char *)b->data + b->len;
    const char *lines[4] = {0};
    size_t lens[4] = {0};
    struct sigv4_header hs[32];
    size_t nh = 0;
    for (int i = 0; i < 2; i++) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        lines[i] = p;
        lens[i] = nl ? (size_t)(nl - p) : (size_t)(end - p);
        p = nl ? nl + 1 : end;
    }
    while (p < end && nh < 32) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
        const char *line = p;
        p = nl ? nl + 1 : end;
        if (len == 0)
            break;
        const char *colon = memchr(line, ':', len);
        hs[nh].name = line;
        hs[nh].name_len = colon ? (size_t)(colon - line) : len;
        hs[nh].value = colon ? colon + 1 : line;
        hs[nh].value_len = colon ? len - hs[nh].name_len - 1 : 0;
        nh++;
    }
    char method[32];
    snprintf(method, sizeof(method), "%.*s", (int)lens[0], lines[0]);
    const char *q = memchr(lines[1], '?', lens[1]);
    struct sigv4_request req = {
        .method = method,
        .path = lines[1],
        .path_len = q ? (size_t)(q - lines[1]) : lens[1],
        .query = q ? q + 1 : NULL,
        .query_len = q ? lens[1] - (size_t)(q - lines[1]) - 1 : 0,
        .headers = hs,
        .n_headers = nh,
        .payload = p < end ? p : NULL,
        .payload_len = (size_t)(end - p),
        .host = (sel & 0x80u) ? "iam.amazonaws.com" : NULL,
    };
    struct sigv4_credentials cred = {
        .access_key_id = "AKIDEXAMPLE",
        .secret_access_key = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
        .session_token = (sel & 0x20u) ? "AQoDYXdzEPT//////////wEXAMPLE" : NULL,
    };
    struct sigv4_params params = {
        .region = "us-east-1",
        .service = (sel & 0x40u) ? "s3" : "iam",
        .when = 1440938160,
        .flags = (sel & 0x1fu) | SIGV4_DEBUG,
        .expires = 86400,
    };
    char why[512];
    struct sigv4_result r;
    if (sigv4_sign_headers(&req, &cred, &params, &r, why, sizeof(why)) != 0) {
        fail_with(o, ERR_INVALID_ARGUMENT, "sign: %s", why);
        return;
    }
    render_sig(o, &r);
    sigv4_result_free(&r);
    if (sigv4_presign(&req, &cred, &params, &r, why, sizeof(why)) != 0) {
        fail_with(o, ERR_INVALID_ARGUMENT, "presign: %s", why);
        return;
    }
    render_sig(o, &r);
    sigv4_result_free(&r);
    char *s = NULL;
    if (sigv4_canonical_query("b=2&a=1&a=%7e&c", 15, &s, why, sizeof(why)) != 0) {
        fail_with(o, ERR_INVALID_ARGUMENT, "canonical query: %s", why);
        return;
    }
    out_printf(o, "\n%s", s);
    free(s);
    if (sigv4_canonical_uri("/a/./b/../c//d e", 16, 0, &s, why, sizeof(why)) != 0) {
        fail_with(o, ERR_INVALID_ARGUMENT, "canonical uri: %s", why);
        return;
    }
    out_printf(o, "\n%s", s);
    free(s);
}

static void op_query(const void *arg, const outcome *clean, outcome *o)
{
    query q;
    err e = {0};
    size_t len;
    if (query_init(&q, "CreateRole", "2010-05-08") != 0) {
        fail_with(o, ERR_RESOURCE_EXHAUSTED, "query_init failed (out of memory)");
        return;
    }
    query_add(&q, "RoleName", "torture role/ä+");
    query_add(&q, "AssumeRolePolicyDocument", "{\"Version\":\"2012-10-17\",\"Statement\":[]}");
    for (size_t i = 1; i <= 12; i++) {
        char k[32], v[32];
        snprintf(k, sizeof(k), "key %zu", i);
        snprintf(v, sizeof(v), "value=%zu&", i);
        query_add_tag(&q, "Tags", i, k, v);
        query_add_member(&q, "PolicyArns", i, "arn:aws:iam::aws:policy/ReadOnlyAccess");
    }
    char *body = query_finish(&q, &len, &e);
    if (!body)
        fail_err(o, "query_finish", &e);
    else
        out_printf(o, "%zu %s", len, body);
    free(body);
    query_free(&q);
}

/* ---- configuration, client, credentials ---------------------------------------------- */

static char tmpdir[256];
static char state_dir[320];

struct fake_env {
    const char *vars[16][2];
};

static const char *fake_get(void *ctx, const char *name)
{
    const struct fake_env *fe = ctx;
    for (size_t i = 0; i < 16 && fe->vars[i][0]; i++)
        if (strcmp(fe->vars[i][0], name) == 0)
            return fe->vars[i][1];
    return NULL;
}

static char cred_file[512], config_file[512], token_file[512];
static struct fake_env env_files, env_plain, env_home;

typedef struct client_case {
    const char *config_json; /* the provider configuration, as JSON */
    const struct fake_env *env;
    bool get_creds; /* also resolve credentials (no HTTP in these cases) */
} client_case;

static void op_client(const void *arg, const outcome *clean, outcome *o)
{
    const client_case *cc = arg;
    cJSON *j = NULL;
    pv *cfg = NULL;
    config_settings *conf = NULL;
    config_problems problems = {0};
    aws_client *c = NULL;
    err e = {0};
    profile_env env = {fake_get, (void *)cc->env};
    j = cJSON_Parse(cc->config_json);
    if (!j) {
        /* The case's JSON is valid: only memory can stop cJSON here. */
        oom(o, "cJSON_Parse");
        goto out;
    }
    if (!(cfg = pv_from_cjson(j))) {
        oom(o, "pv_from_cjson");
        goto out;
    }
    /* Configure's steps, without the STS call. */
    if (config_load(cfg, &env, CONFIG_CONFIGURE, &conf, &problems, &e) != 0 ||
        advice_check_config(&conf->advisor, &problems, &e) != 0 ||
        config_client_new(conf, &problems, &c, &e) != 0) {
        fail_err(o, "config_client_new", &e);
        goto out;
    }
    out_printf(o, "region %s partition %s account [%s]", aws_client_region(c),
               aws_client_partition(c), aws_client_account_id(c));
    render_pv(o, config_tree(conf));
out:
    aws_client_free(c);
    config_free(conf);
    config_problems_free(&problems);
    pv_free(cfg);
    cJSON_Delete(j);
}

typedef struct creds_case {
    const char *profile;
    bool static_keys;
} creds_case;

static void op_creds(const void *arg, const outcome *clean, outcome *o)
{
    const creds_case *cs = arg;
    profile_env env = {fake_get, &env_files};
    profile_set ps;
    memset(&ps, 0, sizeof(ps));
    creds_provider *p = NULL;
    err e = {0};
    profile_opts po = {.profile = cs->profile};
    if (profile_load(&ps, &po, &env, &e) != 0) {
        fail_err(o, "profile_load", &e);
        return;
    }
    creds_config cfg = {
        .access_key = cs->static_keys ? "AKIDTORTURE" : NULL,
        .secret_key = cs->static_keys ? "torture-secret" : NULL,
        .profiles = &ps,
        .skip_metadata_api_check = true,
        .env = &env,
    };
    aws_credentials cr;
    if (creds_provider_new(&cfg, &p, &e) != 0) {
        fail_err(o, "creds_provider_new", &e);
        goto out;
    }
    if (creds_get(p, NULL, NULL, &cr, &e) != 0) {
        fail_err(o, "creds_get", &e);
        goto out;
    }
    out_printf(o, "%s %s expires %lld", cr.access_key_id, cr.source, (long long)cr.expires);
    creds_wipe(&cr);
    const char *r = profile_get(&ps, NULL, "region");
    out_printf(o, "\nregion %s", r ? r : "-");
    char region[64];
    const char *src = NULL;
    if (endpoints_region(NULL, &ps, &env, false, region, sizeof(region), &src, &e) == 0)
        out_printf(o, " -> %s from %s", region, src);
    for (int s = 0; s < ENDPOINTS_N_SERVICES; s++) {
        endpoints_opts eo;
        memset(&eo, 0, sizeof(eo));
        endpoints_result er;
        if (endpoints_resolve((enum endpoints_service)s, "cn-north-1", &eo, &env, &er, &e) == 0)
            out_printf(o, "\n%s %s %s", er.url, er.signing_region, er.source);
    }
out:
    creds_provider_free(p);
    profile_set_free(&ps);
}

/* Credentials over HTTP: container (ECS/EKS) and instance metadata (IMDSv2),
 * from the fake AWS; env is the whole environment the chain sees. */
static void op_creds_http(const void *arg, const outcome *clean, outcome *o)
{
    const struct fake_env *fe = arg;
    profile_env env = {fake_get, (void *)fe};
    profile_set ps;
    memset(&ps, 0, sizeof(ps));
    http_client *h = NULL;
    creds_provider *p = NULL;
    err e = {0};
    profile_opts po = {0};
    aws_credentials cr;
    if (profile_load(&ps, &po, &env, &e) != 0) {
        fail_err(o, "profile_load", &e);
        return;
    }
    http_options ho = {0};
    if (http_client_new(&ho, &h, &e) != 0) {
        fail_err(o, "http_client_new", &e);
        goto out;
    }
    creds_config cfg = {.profiles = &ps, .env = &env, .http = h};
    if (creds_provider_new(&cfg, &p, &e) != 0) {
        fail_err(o, "creds_provider_new", &e);
        goto out;
    }
    if (creds_get(p, NULL, NULL, &cr, &e) != 0) {
        fail_err(o, "creds_get", &e);
        goto out;
    }
    out_printf(o, "%s %s expires %lld", cr.access_key_id, cr.source, (long long)cr.expires);
    creds_wipe(&cr);
out:
    creds_provider_free(p);
    http_client_free(h);
    profile_set_free(&ps);
}

/* What credential sources answer (credentials_parse.h), as fuzz_credentials feeds it. */
static void op_credparse(const void *arg, const outcome *clean, outcome *o)
{
    const blob *b = arg;
    aws_credentials cr;
    err e = {0};
    if (creds_from_json((const char *)b->data, b->len, "torture", &cr, &e) == 0) {
        out_printf(o, "json %s %lld", cr.access_key_id, (long long)cr.expires);
        creds_wipe(&cr);
    } else if (e.code == ERR_RESOURCE_EXHAUSTED) {
        fail_err(o, "creds_from_json", &e);
        return;
    } else {
        out_printf(o, "json: %s", e.msg);
    }
    xml_node *root = NULL;
    err_clear(&e);
    if (xml_parse((const char *)b->data, b->len, &root, &e) != 0) {
        if (e.code == ERR_RESOURCE_EXHAUSTED) {
            fail_err(o, "xml_parse", &e);
            return;
        }
        out_printf(o, "\nxml: %s", e.msg);
    } else {
        static const char *const results[] = {"AssumeRoleResult",
                                              "AssumeRoleWithWebIdentityResult"};
        for (size_t i = 0; i < 2; i++) {
            err_clear(&e);
            /* A missing Expiration reads as "in 15 minutes": only whether it is set. */
            if (creds_from_sts_xml(root, results[i], "role r", &cr, &e) == 0) {
                out_printf(o, "\nsts %s %d", cr.access_key_id, cr.expires != 0);
                creds_wipe(&cr);
            } else if (e.code == ERR_RESOURCE_EXHAUSTED) {
                fail_err(o, "creds_from_sts_xml", &e);
                break;
            } else {
                out_printf(o, "\nsts: %s", e.msg);
            }
        }
        xml_free(root);
    }
}

/* The provider configuration as JSON text (the fuzz_config seeds), through Configure's steps. */
static void op_config(const void *arg, const outcome *clean, outcome *o)
{
    const blob *b = arg;
    char *text = malloc(b->len + 1);
    if (!text) {
        oom(o, "malloc");
        return;
    }
    memcpy(text, b->data, b->len);
    text[b->len] = '\0';
    client_case cc = {text, &env_home, false};
    op_client(&cc, clean, o);
    free(text);
}

static void op_status(const void *arg, const outcome *clean, outcome *o)
{
    pv *props = obj_with("arn", pv_string("arn:aws:iam::1:role/r"), "tags",
                         obj_with("team", pv_string("ml"), "s", pv_secret(pv_string("x"))));
    pv *inputs = obj_with("name", pv_string("r"), NULL, NULL);
    uint8_t *packed = NULL;
    size_t len = 0;
    status_info si;
    memset(&si, 0, sizeof(si));
    if (!props || !inputs) {
        oom(o, "building properties");
        goto out;
    }
    if (status_pack_init_failed(ERR_UNKNOWN, "creation failed half way", "r", props, inputs,
                                &packed, &len) != 0) {
        fail_with(o, ERR_RESOURCE_EXHAUSTED, "status_pack_init_failed failed (out of memory)");
        goto out;
    }
    out_printf(o, "%zu %016llx", len, (unsigned long long)fnv(packed, len));
    if (status_unpack(packed, len, &si) != 0) {
        fail_with(o, ERR_RESOURCE_EXHAUSTED, "status_unpack failed (out of memory)");
        goto out;
    }
    out_printf(o, "\n%d %s %d %s %zu", si.code, si.message, si.has_init_failed, si.id ? si.id : "-",
               si.nreasons);
    render_pv(o, si.properties);
    render_pv(o, si.inputs);
out:
    status_info_free(&si);
    free(packed);
    pv_free(props);
    pv_free(inputs);
}

/* ---- the operation table --------------------------------------------------------------- */

typedef void (*op_fn)(const void *arg, const outcome *clean, outcome *o);

typedef struct optab {
    char name[160];
    op_fn fn;
    const void *arg;
} optab;

static optab *ops;
static size_t n_ops;

static void add_op(const char *name, op_fn fn, const void *arg)
{
    optab *n = realloc(ops, (n_ops + 1) * sizeof(*ops));
    if (!n)
        exit(2);
    ops = n;
    snprintf(ops[n_ops].name, sizeof(ops[n_ops].name), "%s", name);
    ops[n_ops].fn = fn;
    ops[n_ops].arg = arg;
    n_ops++;
}

static void add_corpus(const char *target, const char *prefix, op_fn fn)
{
    size_t n;
    blob *v = load_corpus(target, &n);
    for (size_t i = 0; i < n; i++) {
        char name[160];
        snprintf(name, sizeof(name), "%s/%s", prefix, v[i].name);
        add_op(name, fn, &v[i]);
    }
}

/* RPC requests: the fuzz_rpc seeds (first byte = method), one call each. */
static void add_rpc_corpus(void)
{
    size_t n;
    blob *v = load_corpus("fuzz_rpc", &n);
    for (size_t i = 0; i < n; i++) {
        if (v[i].len < 1)
            continue;
        rpc_script *sc = calloc(1, sizeof(*sc));
        if (!sc)
            exit(2);
        sc->steps[0] =
            (rpc_step){rpc_methods[v[i].data[0] % N_RPC_METHODS], v[i].data + 1, v[i].len - 1};
        sc->n = 1;
        char name[160];
        snprintf(name, sizeof(name), "rpc/%s", v[i].name);
        add_op(name, op_rpc, sc);
    }
}

/* ---- requests built here ----------------------------------------------------------------- */

static pv *json_pv(const char *json)
{
    cJSON *j = cJSON_Parse(json);
    if (!j) {
        fprintf(stderr, "torture: bad JSON in a case: %s\n", json);
        exit(2);
    }
    pv *v = pv_from_cjson(j);
    cJSON_Delete(j);
    if (!v)
        exit(2);
    return v;
}

static Google__Protobuf__Struct *json_struct(const char *json)
{
    if (!json)
        return NULL;
    pv *v = json_pv(json);
    Google__Protobuf__Struct *s = NULL;
    if (props_to_struct(v, &s) != 0)
        exit(2);
    pv_free(v);
    return s;
}

static void pack_into(rpc_step *st, const char *method, const ProtobufCMessage *m)
{
    st->method = method;
    st->len = protobuf_c_message_get_packed_size(m);
    st->req = malloc(st->len ? st->len : 1);
    if (!st->req)
        exit(2);
    protobuf_c_message_pack(m, st->req);
}

static void free_struct(Google__Protobuf__Struct *s)
{
    if (s)
        protobuf_c_message_free_unpacked(&s->base, NULL);
}

static void step_configure(rpc_step *st, const char *args_json)
{
    Pulumirpc__ConfigureRequest r = PULUMIRPC__CONFIGURE_REQUEST__INIT;
    r.args = json_struct(args_json);
    r.acceptsecrets = 1;
    r.acceptresources = 1;
    pack_into(st, "Configure", &r.base);
    free_struct(r.args);
}

static void step_check(rpc_step *st, const char *type, const char *name, const char *olds,
                       const char *news)
{
    Pulumirpc__CheckRequest r = PULUMIRPC__CHECK_REQUEST__INIT;
    char urn[512];
    snprintf(urn, sizeof(urn), "urn:pulumi:dev::proj::%s::%s", type, name);
    r.urn = urn;
    r.type = (char *)type;
    r.name = (char *)name;
    r.olds = json_struct(olds ? olds : "{}");
    r.news = json_struct(news);
    static uint8_t seed[32] = "torture-random-seed-0123456789ab";
    r.randomseed.data = seed;
    r.randomseed.len = sizeof(seed);
    pack_into(st, "Check", &r.base);
    free_struct(r.olds);
    free_struct(r.news);
}

static void step_diff(rpc_step *st, const char *type, const char *name, const char *id,
                      const char *olds, const char *news)
{
    Pulumirpc__DiffRequest r = PULUMIRPC__DIFF_REQUEST__INIT;
    char urn[512];
    snprintf(urn, sizeof(urn), "urn:pulumi:dev::proj::%s::%s", type, name);
    r.urn = urn;
    r.type = (char *)type;
    r.name = (char *)name;
    r.id = (char *)id;
    r.olds = json_struct(olds);
    r.news = json_struct(news);
    r.old_inputs = json_struct(olds);
    pack_into(st, "Diff", &r.base);
    free_struct(r.olds);
    free_struct(r.news);
    free_struct(r.old_inputs);
}

static void step_create(rpc_step *st, const char *type, const char *name, const char *props,
                        bool preview)
{
    Pulumirpc__CreateRequest r = PULUMIRPC__CREATE_REQUEST__INIT;
    char urn[512];
    snprintf(urn, sizeof(urn), "urn:pulumi:dev::proj::%s::%s", type, name);
    r.urn = urn;
    r.type = (char *)type;
    r.name = (char *)name;
    r.properties = json_struct(props);
    r.preview = preview;
    pack_into(st, "Create", &r.base);
    free_struct(r.properties);
}

static void step_read(rpc_step *st, const char *type, const char *name, const char *id,
                      const char *props, const char *inputs)
{
    Pulumirpc__ReadRequest r = PULUMIRPC__READ_REQUEST__INIT;
    char urn[512];
    snprintf(urn, sizeof(urn), "urn:pulumi:dev::proj::%s::%s", type, name);
    r.urn = urn;
    r.type = (char *)type;
    r.name = (char *)name;
    r.id = (char *)id;
    r.properties = json_struct(props);
    r.inputs = json_struct(inputs);
    pack_into(st, "Read", &r.base);
    free_struct(r.properties);
    free_struct(r.inputs);
}

static void step_update(rpc_step *st, const char *type, const char *name, const char *id,
                        const char *olds, const char *news, bool preview)
{
    Pulumirpc__UpdateRequest r = PULUMIRPC__UPDATE_REQUEST__INIT;
    char urn[512];
    snprintf(urn, sizeof(urn), "urn:pulumi:dev::proj::%s::%s", type, name);
    r.urn = urn;
    r.type = (char *)type;
    r.name = (char *)name;
    r.id = (char *)id;
    r.olds = json_struct(olds);
    r.news = json_struct(news);
    r.old_inputs = json_struct(olds);
    r.preview = preview;
    pack_into(st, "Update", &r.base);
    free_struct(r.olds);
    free_struct(r.news);
    free_struct(r.old_inputs);
}

static void step_delete(rpc_step *st, const char *type, const char *name, const char *id,
                        const char *props)
{
    Pulumirpc__DeleteRequest r = PULUMIRPC__DELETE_REQUEST__INIT;
    char urn[512];
    snprintf(urn, sizeof(urn), "urn:pulumi:dev::proj::%s::%s", type, name);
    r.urn = urn;
    r.type = (char *)type;
    r.name = (char *)name;
    r.id = (char *)id;
    r.properties = json_struct(props);
    r.old_inputs = json_struct(props);
    pack_into(st, "Delete", &r.base);
    free_struct(r.properties);
    free_struct(r.old_inputs);
}

static void step_invoke(rpc_step *st, const char *tok, const char *args)
{
    Pulumirpc__InvokeRequest r = PULUMIRPC__INVOKE_REQUEST__INIT;
    r.tok = (char *)tok;
    r.args = json_struct(args);
    pack_into(st, "Invoke", &r.base);
    free_struct(r.args);
}

static rpc_script *new_script(void)
{
    rpc_script *sc = calloc(1, sizeof(*sc));
    if (!sc)
        exit(2);
    return sc;
}

#define REGISTRY_TORTURE_MAX 64
#define ROLE_T "aws:iam/role:Role"
#define RPA_T "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
#define PIPE_T "aws:sagemaker/pipeline:Pipeline"
#define POL_T "aws:iam/policy:Policy"
#define RP_T "aws:iam/rolePolicy:RolePolicy"
#define BUCKET_T "aws:s3/bucket:Bucket"
#define BUCKET_V2_T "aws:s3/bucketV2:BucketV2"
#define PAB_T "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
#define SSE_T                                                                                      \
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
#define SSE_V2_T                                                                                   \
    "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2"
#define VER_T "aws:s3/bucketVersioning:BucketVersioning"
#define VER_V2_T "aws:s3/bucketVersioningV2:BucketVersioningV2"
#define BPOL_T "aws:s3/bucketPolicy:BucketPolicy"
#define KEY_T "aws:kms/key:Key"
#define ALIAS_T "aws:kms/alias:Alias"

#define TRUST_OPEN                                                                                 \
    "{\\\"Version\\\":\\\"2012-10-17\\\",\\\"Statement\\\":[{\\\"Effect\\\":\\\"Allow\\\","        \
    "\\\"Principal\\\":{\\\"AWS\\\":\\\"*\\\"},\\\"Action\\\":\\\"sts:AssumeRole\\\"}]}"
#define TRUST_SM                                                                                   \
    "{\\\"Version\\\":\\\"2012-10-17\\\",\\\"Statement\\\":[{\\\"Effect\\\":\\\"Allow\\\","        \
    "\\\"Principal\\\":{\\\"Service\\\":\\\"sagemaker.amazonaws.com\\\"},\\\"Action\\\":"          \
    "\\\"sts:AssumeRole\\\"}]}"
#define POL_STAR                                                                                   \
    "{\\\"Version\\\":\\\"2012-10-17\\\",\\\"Statement\\\":[{\\\"Effect\\\":\\\"Allow\\\","        \
    "\\\"Action\\\":\\\"*\\\",\\\"Resource\\\":\\\"*\\\"}]}"
#define PIPE_DEF                                                                                   \
    "{\\\"Version\\\":\\\"2020-12-01\\\",\\\"Parameters\\\":[{\\\"Name\\\":\\\"Kms\\\","           \
    "\\\"Type\\\":\\\"String\\\"}],\\\"Steps\\\":[{\\\"Name\\\":\\\"Train\\\",\\\"Type\\\":"       \
    "\\\"Training\\\",\\\"Arguments\\\":{\\\"ResourceConfig\\\":{\\\"InstanceCount\\\":1},"        \
    "\\\"OutputDataConfig\\\":{\\\"S3OutputPath\\\":\\\"s3://b/o\\\"}}},{\\\"Name\\\":"            \
    "\\\"Prep\\\",\\\"Type\\\":\\\"Processing\\\",\\\"Arguments\\\":{\\\"ProcessingResources\\\":" \
    "{\\\"ClusterConfig\\\":{\\\"VolumeKmsKeyId\\\":{\\\"Get\\\":\\\"Parameters.Kms\\\"}}},"       \
    "\\\"NetworkConfig\\\":{\\\"EnableNetworkIsolation\\\":true}}}]}"

#define ROLE_IN                                                                                    \
    "{\"name\":\"torture-role\",\"assumeRolePolicy\":\"" TRUST_OPEN "\",\"description\":"          \
    "\"d\",\"maxSessionDuration\":7200,\"tags\":{\"team\":\"ml\",\"awsml:advisor-suppress\":"      \
    "\"AWSML-IAM-013: tested\"},\"inlinePolicies\":[{\"name\":\"all\",\"policy\":\"" POL_STAR      \
    "\"}],\"managedPolicyArns\":[\"arn:aws:iam::aws:policy/AdministratorAccess\"]}"
#define ROLE_IN2                                                                                   \
    "{\"name\":\"torture-role\",\"assumeRolePolicy\":\"" TRUST_SM "\",\"description\":"            \
    "\"d2\",\"tags\":{\"team\":\"ai\",\"new\":\"1\"},\"inlinePolicies\":[],"                       \
    "\"managedPolicyArns\":[\"arn:aws:iam::aws:policy/ReadOnlyAccess\"]}"
#define RPA_IN                                                                                     \
    "{\"role\":\"torture-role\",\"policyArn\":\"arn:aws:iam::aws:policy/"                          \
    "AmazonSageMakerFullAccess\"}"
#define RPA_NEW                                                                                    \
    "{\"role\":\"torture-role\",\"policyArn\":\"arn:aws:iam::aws:policy/ReadOnlyAccess\"}"
#define PIPE_IN                                                                                    \
    "{\"pipelineName\":\"torture-pipe\",\"pipelineDisplayName\":\"torture-pipe\",\"roleArn\":"     \
    "\"arn:aws:iam::123456789012:role/r\",\"pipelineDefinition\":\"" PIPE_DEF "\",\"tags\":"       \
    "{\"k\":\"v\"}}"
#define PIPE_IN2                                                                                   \
    "{\"pipelineName\":\"torture-pipe\",\"pipelineDisplayName\":\"other\",\"roleArn\":"            \
    "\"arn:aws:iam::123456789012:role/r2\",\"pipelineDefinition\":\"{\\\"Version\\\":"             \
    "\\\"2020-12-01\\\",\\\"Steps\\\":[]}\",\"pipelineDescription\":\"x\",\"tags\":{}}"

#define POL_IN                                                                                     \
    "{\"name\":\"torture-pol\",\"path\":\"/t/\",\"description\":\"d\",\"policy\":\"" POL_STAR      \
    "\",\"tags\":{\"team\":\"ml\"}}"
#define POL_IN2                                                                                    \
    "{\"name\":\"torture-pol\",\"path\":\"/t/\",\"description\":\"d\",\"policy\":\"" TRUST_SM      \
    "\",\"tags\":{\"team\":\"ai\"},\"delayAfterPolicyCreationInMs\":1}"
#define RP_IN "{\"role\":\"torture-role\",\"name\":\"all\",\"policy\":\"" POL_STAR "\"}"
#define RP_IN2 "{\"role\":\"torture-role\",\"name\":\"all\",\"policy\":\"" TRUST_SM "\"}"
#define BUCKET_IN                                                                                  \
    "{\"bucket\":\"torture-bucket\",\"forceDestroy\":true,\"tags\":{\"team\":\"ml\"},"             \
    "\"region\":\"eu-west-1\"}"
#define BUCKET_IN2                                                                                 \
    "{\"bucket\":\"torture-bucket\",\"forceDestroy\":false,\"objectLockEnabled\":false,"           \
    "\"tags\":{\"team\":\"ai\",\"new\":\"1\"}}"
#define PAB_IN "{\"bucket\":\"torture-bucket\",\"blockPublicAcls\":true,\"blockPublicPolicy\":true}"
#define PAB_IN2 "{\"bucket\":\"torture-bucket\",\"ignorePublicAcls\":true,\"skipDestroy\":false}"
#define SSE_IN                                                                                     \
    "{\"bucket\":\"torture-bucket\",\"rules\":[{\"applyServerSideEncryptionByDefault\":"           \
    "{\"sseAlgorithm\":\"aws:kms\",\"kmsMasterKeyId\":\"arn:aws:kms:us-east-1:123456789012:"       \
    "key/k\"},\"bucketKeyEnabled\":true,\"blockedEncryptionTypes\":[\"SSE-C\"]}]}"
#define SSE_IN2                                                                                    \
    "{\"bucket\":\"torture-bucket\",\"rules\":[{\"applyServerSideEncryptionByDefault\":"           \
    "{\"sseAlgorithm\":\"AES256\"}}]}"
#define VER_IN                                                                                     \
    "{\"bucket\":\"torture-bucket\",\"versioningConfiguration\":{\"status\":\"Enabled\","          \
    "\"mfaDelete\":\"Disabled\"}}"
#define VER_IN2                                                                                    \
    "{\"bucket\":\"torture-bucket\",\"versioningConfiguration\":{\"status\":\"Suspended\"}}"
#define BPOL_DOC                                                                                   \
    "{\\\"Version\\\":\\\"2012-10-17\\\",\\\"Statement\\\":[{\\\"Effect\\\":\\\"Allow\\\","        \
    "\\\"Principal\\\":{\\\"AWS\\\":\\\"arn:aws:iam::123456789012:root\\\"},\\\"Action\\\":"       \
    "\\\"s3:GetObject\\\",\\\"Resource\\\":\\\"arn:aws:s3:::torture-bucket/*\\\"}]}"
#define BPOL_IN "{\"bucket\":\"torture-bucket\",\"policy\":\"" BPOL_DOC "\"}"
#define BPOL_IN2 "{\"bucket\":\"torture-bucket\",\"policy\":\"" POL_STAR "\"}"
/* S3 objects: content with settings and tags; base64 under SSE-KMS; string assets. */
#define OBJ_T "aws:s3/bucketObjectv2:BucketObjectv2"
#define OBJ1_T "aws:s3/bucketObject:BucketObject"
#define OBJ_IN                                                                                     \
    "{\"bucket\":\"torture-bucket\",\"key\":\"k/obj.txt\",\"content\":\"hello\",\"contentType\":"  \
    "\"text/plain\",\"cacheControl\":\"no-cache\",\"metadata\":{\"a\":\"b\"},\"tags\":{\"t\":"     \
    "\"v\"}}"
#define OBJ_IN2                                                                                    \
    "{\"bucket\":\"torture-bucket\",\"key\":\"k/obj.txt\",\"contentBase64\":\"aGVsbG8=\","         \
    "\"serverSideEncryption\":\"aws:kms\",\"kmsKeyId\":\"arn:aws:kms:us-east-1:123456789012:key/"  \
    "k\",\"checksumAlgorithm\":\"SHA1\"}"
#define ASSET_SIG "\"4dabf18193072939515e22adb298388d\":\"c44067f5952c0a294b673a41bacd8c17\""
#define OBJ1_IN                                                                                    \
    "{\"bucket\":\"torture-bucket\",\"key\":\"/s//t.txt\",\"source\":{" ASSET_SIG                  \
    ",\"text\":\"asset text\",\"hash\":\"h1\"},\"etag\":\"e1\"}"
#define OBJ1_IN2                                                                                   \
    "{\"bucket\":\"torture-bucket\",\"key\":\"s/t.txt\",\"source\":{" ASSET_SIG                    \
    ",\"text\":\"other text\",\"hash\":\"h2\"},\"tags\":{\"x\":\"y\"}}"
#define KMS_POL                                                                                    \
    "{\\\"Version\\\":\\\"2012-10-17\\\",\\\"Statement\\\":[{\\\"Effect\\\":\\\"Allow\\\","        \
    "\\\"Principal\\\":{\\\"AWS\\\":\\\"arn:aws:iam::123456789012:root\\\"},\\\"Action\\\":"       \
    "\\\"kms:*\\\",\\\"Resource\\\":\\\"*\\\"}]}"
#define KEY_IN                                                                                     \
    "{\"description\":\"torture key\",\"policy\":\"" KMS_POL "\",\"enableKeyRotation\":true,"      \
    "\"rotationPeriodInDays\":180,\"deletionWindowInDays\":7,\"tags\":{\"team\":\"ml\"}}"
#define KEY_IN2                                                                                    \
    "{\"description\":\"torture key 2\",\"isEnabled\":false,\"enableKeyRotation\":false,"          \
    "\"policy\":\"{\\\"Version\\\":\\\"2012-10-17\\\",\\\"Statement\\\":[]}\",\"tags\":{\"new\":"  \
    "\"1\"}}"
#define ALIAS_IN "{\"name\":\"alias/torture\",\"targetKeyId\":\"torture-key\"}"
#define ALIAS_IN2 "{\"name\":\"alias/torture\",\"targetKeyId\":\"other-key\"}"

/* The configuration of every configured script: static keys, no STS call at
 * Configure, endpoints on the fake AWS (port filled in at start). */
static char config_json[2048];

static void set_config_json(int port, const char *extra)
{
    snprintf(config_json, sizeof(config_json),
             "{\"region\":\"us-east-1\",\"accessKey\":\"AKIDTORTURE\",\"secretKey\":"
             "\"torture-secret\",\"skipCredentialsValidation\":\"true\","
             "\"skipMetadataApiCheck\":\"true\",\"maxRetries\":\"0\",\"endpoints\":"
             "\"[{\\\"iam\\\":\\\"http://127.0.0.1:%d\\\",\\\"sts\\\":\\\"http://127.0.0.1:%d\\\","
             "\\\"sagemaker\\\":\\\"http://127.0.0.1:%d\\\",\\\"s3\\\":\\\"http://127.0.0.1:%d\\\","
             "\\\"kms\\\":\\\"http://127.0.0.1:%d\\\"}]\","
             "\"defaultTags\":\"{\\\"tags\\\":{\\\"env\\\":\\\"torture\\\"}}\","
             "\"ignoreTags\":\"{\\\"keyPrefixes\\\":[\\\"ignored:\\\"]}\"%s}",
             port, port, port, port, port, extra);
}

/* The policy pack (analyzer.c) through rpc_handle in policy-pack mode:
 * GetAnalyzerInfo, Configure (one rule mandatory, every rule property set),
 * Analyze of an open role,
 * AnalyzeStack of the advisor/stack stack with each resource depending on
 * the one before (also as a property dependency on "bucket"). Requests are
 * packed once, here, with the real allocator. */
typedef struct an_step {
    const char *method;
    uint8_t *req;
    size_t len;
} an_step;
static an_step an_steps[4];

static void an_pack(an_step *st, const char *method, const ProtobufCMessage *m)
{
    st->method = method;
    st->len = protobuf_c_message_get_packed_size(m);
    st->req = malloc(st->len ? st->len : 1);
    if (!st->req)
        exit(2);
    protobuf_c_message_pack(m, st->req);
}

static void add_analyzer(void)
{
    Google__Protobuf__Empty empty = GOOGLE__PROTOBUF__EMPTY__INIT;
    an_pack(&an_steps[0], "GetAnalyzerInfo", &empty.base);

    /* One rule mandatory, and every rule property set. */
    static const char *const cfg[][2] = {
        {"AWSML-IAM-002", NULL},
        {"AWSML-IAM-003", "{\"trustedAccounts\":[\"111122223333\"]}"},
        {"AWSML-IAM-011", "{\"allowedPolicies\":[\"arn:aws:iam::aws:policy/PowerUserAccess\"]}"},
        {"AWSML-IAM-012", "{\"allowedPolicies\":[\"AmazonSageMakerFullAccess\"]}"},
        {"AWSML-IAM-014", "{\"maxSessionDuration\":7200}"},
    };
    enum { N_CFG = sizeof(cfg) / sizeof(cfg[0]) };
    Pulumirpc__PolicyConfig pc[N_CFG];
    Pulumirpc__ConfigureAnalyzerRequest__PolicyConfigEntry ce[N_CFG], *cep[N_CFG];
    for (size_t i = 0; i < N_CFG; i++) {
        Pulumirpc__PolicyConfig pinit = PULUMIRPC__POLICY_CONFIG__INIT;
        Pulumirpc__ConfigureAnalyzerRequest__PolicyConfigEntry einit =
            PULUMIRPC__CONFIGURE_ANALYZER_REQUEST__POLICY_CONFIG_ENTRY__INIT;
        pc[i] = pinit;
        pc[i].enforcementlevel = i == 0 ? PULUMIRPC__ENFORCEMENT_LEVEL__MANDATORY
                                        : PULUMIRPC__ENFORCEMENT_LEVEL__ADVISORY;
        pc[i].properties = cfg[i][1] ? json_struct(cfg[i][1]) : NULL;
        ce[i] = einit;
        ce[i].key = (char *)cfg[i][0];
        ce[i].value = &pc[i];
        cep[i] = &ce[i];
    }
    Pulumirpc__ConfigureAnalyzerRequest cr = PULUMIRPC__CONFIGURE_ANALYZER_REQUEST__INIT;
    cr.n_policyconfig = N_CFG;
    cr.policyconfig = cep;
    an_pack(&an_steps[1], "Configure", &cr.base);
    for (size_t i = 0; i < N_CFG; i++)
        if (pc[i].properties)
            free_struct(pc[i].properties);

    Pulumirpc__AnalyzeRequest ar = PULUMIRPC__ANALYZE_REQUEST__INIT;
    ar.type = (char *)ROLE_T;
    ar.urn = (char *)"urn:pulumi:dev::p::aws:iam/role:Role::open";
    ar.properties = json_struct("{\"assumeRolePolicy\":\"" TRUST_OPEN "\",\"tags\":{\"a\":\"b\"}}");
    an_pack(&an_steps[2], "Analyze", &ar.base);
    free_struct(ar.properties);

    Pulumirpc__AnalyzerResource res[STACK_N], *resp[STACK_N];
    Pulumirpc__AnalyzerPropertyDependencies pd[STACK_N];
    Pulumirpc__AnalyzerResource__PropertyDependenciesEntry pde[STACK_N], *pdep[STACK_N];
    char urns[STACK_N][160];
    char *urnp[STACK_N];
    for (size_t i = 0; i < STACK_N; i++) {
        snprintf(urns[i], sizeof(urns[i]), "urn:pulumi:dev::p::%s::%s", stack_json[i][0],
                 stack_json[i][1]);
        urnp[i] = urns[i];
    }
    for (size_t i = 0; i < STACK_N; i++) {
        Pulumirpc__AnalyzerResource r = PULUMIRPC__ANALYZER_RESOURCE__INIT;
        Pulumirpc__AnalyzerPropertyDependencies d = PULUMIRPC__ANALYZER_PROPERTY_DEPENDENCIES__INIT;
        Pulumirpc__AnalyzerResource__PropertyDependenciesEntry e =
            PULUMIRPC__ANALYZER_RESOURCE__PROPERTY_DEPENDENCIES_ENTRY__INIT;
        res[i] = r;
        pd[i] = d;
        pde[i] = e;
        res[i].type = (char *)stack_json[i][0];
        res[i].name = (char *)stack_json[i][1];
        res[i].urn = urns[i];
        res[i].properties = json_struct(stack_json[i][2]);
        if (i > 0) {
            res[i].n_dependencies = 1;
            res[i].dependencies = &urnp[i - 1];
            pd[i].n_urns = 1;
            pd[i].urns = &urnp[i - 1];
            pde[i].key = (char *)"bucket";
            pde[i].value = &pd[i];
            pdep[i] = &pde[i];
            res[i].n_propertydependencies = 1;
            res[i].propertydependencies = &pdep[i];
        }
        resp[i] = &res[i];
    }
    Pulumirpc__AnalyzeStackRequest sr = PULUMIRPC__ANALYZE_STACK_REQUEST__INIT;
    sr.n_resources = STACK_N;
    sr.resources = resp;
    an_pack(&an_steps[3], "AnalyzeStack", &sr.base);
    for (size_t i = 0; i < STACK_N; i++)
        free_struct(res[i].properties);
}

static void op_analyzer(const void *arg, const outcome *clean, outcome *o)
{
    (void)arg;
    (void)clean;
    analyzer_select(ANALYZER_BIN);
    for (size_t i = 0; i < sizeof(an_steps) / sizeof(an_steps[0]); i++) {
        char path[128];
        snprintf(path, sizeof(path), "/pulumirpc.Analyzer/%s", an_steps[i].method);
        rpc_call call = {.method = path,
                         .method_len = strlen(path),
                         .req = an_steps[i].req,
                         .req_len = an_steps[i].len};
        rpc_reply r;
        rpc_handle(&call, &r);
        if (r.code) {
            fail_with(o, r.code, "%s: %s", an_steps[i].method, r.message ? r.message : "");
            rpc_reply_free(&r);
            break;
        }
        out_printf(o, "%s: OK %zu bytes %016llx\n", an_steps[i].method, r.body_len,
                   (unsigned long long)fnv(r.body, r.body_len));
        rpc_reply_free(&r);
    }
    analyzer_reset();
    analyzer_select(NULL);
}

static void add_built_rpc(int port)
{
    rpc_script *sc;
    /* Check and Diff of every registered resource type, unconfigured (advisor
     * warns): each needs two sets of inputs here, so a new type cannot be
     * left out of the torture run. */
    static const struct {
        const char *type, *name, *in, *in2;
    } samples[] = {
        {ROLE_T, "r1", ROLE_IN, ROLE_IN2},
        {RPA_T, "a1", RPA_IN,
         "{\"role\":\"other\",\"policyArn\":\"arn:aws:iam::aws:policy/ReadOnlyAccess\"}"},
        {PIPE_T, "p1", PIPE_IN, PIPE_IN2},
        {POL_T, "pol1", POL_IN, POL_IN2},
        {RP_T, "rp1", RP_IN, RP_IN2},
        {BUCKET_T, "b1", BUCKET_IN, BUCKET_IN2},
        {BUCKET_V2_T, "b2", BUCKET_IN, BUCKET_IN2},
        {PAB_T, "pab1", PAB_IN, PAB_IN2},
        {SSE_T, "sse1", SSE_IN, SSE_IN2},
        {SSE_V2_T, "sse2", SSE_IN, SSE_IN2},
        {VER_T, "ver1", VER_IN, VER_IN2},
        {VER_V2_T, "ver2", VER_IN, VER_IN2},
        {BPOL_T, "bp1", BPOL_IN, BPOL_IN2},
        {OBJ_T, "o1", OBJ_IN, OBJ_IN2},
        {OBJ1_T, "o2", OBJ1_IN, OBJ1_IN2},
        {KEY_T, "k1", KEY_IN, KEY_IN2},
        {ALIAS_T, "al1", ALIAS_IN, ALIAS_IN2},
    };
    struct {
        const char *type, *name, *in, *in2;
    } res[REGISTRY_TORTURE_MAX];
    size_t nres = 0;
    for (size_t t = 0; registry_at(t); t++) {
        const char *token = registry_at(t)->token;
        if (str_has_prefix(token, "test/"))
            continue; /* tests/support's own types */
        size_t k = 0;
        while (k < sizeof(samples) / sizeof(samples[0]) && strcmp(samples[k].type + 4, token) != 0)
            k++;
        if (k == sizeof(samples) / sizeof(samples[0]) || nres == REGISTRY_TORTURE_MAX) {
            fprintf(stderr,
                    "torture: no sample inputs for resource type %s: add it to samples[] "
                    "in add_built_rpc\n",
                    token);
            exit(2);
        }
        res[nres].type = samples[k].type;
        res[nres].name = samples[k].name;
        res[nres].in = samples[k].in;
        res[nres].in2 = samples[k].in2;
        nres++;
    }
    for (size_t i = 0; i < nres; i++) {
        char name[160];
        sc = new_script();
        step_check(&sc->steps[sc->n++], res[i].type, res[i].name, NULL, res[i].in);
        snprintf(name, sizeof(name), "built/check %s", res[i].type);
        add_op(name, op_rpc, sc);
        sc = new_script();
        step_check(&sc->steps[sc->n++], res[i].type, res[i].name, res[i].in, res[i].in2);
        snprintf(name, sizeof(name), "built/check-olds %s", res[i].type);
        add_op(name, op_rpc, sc);
        sc = new_script();
        step_diff(&sc->steps[sc->n++], res[i].type, res[i].name, "id-1", res[i].in, res[i].in2);
        snprintf(name, sizeof(name), "built/diff %s", res[i].type);
        add_op(name, op_rpc, sc);
        sc = new_script();
        step_diff(&sc->steps[sc->n++], res[i].type, res[i].name, "id-1", res[i].in, res[i].in);
        snprintf(name, sizeof(name), "built/diff-same %s", res[i].type);
        add_op(name, op_rpc, sc);
        sc = new_script();
        step_create(&sc->steps[sc->n++], res[i].type, res[i].name, res[i].in, true);
        step_update(&sc->steps[sc->n++], res[i].type, res[i].name, "id-1", res[i].in, res[i].in2,
                    true);
        step_create(&sc->steps[sc->n++], res[i].type, res[i].name, res[i].in, false);
        step_read(&sc->steps[sc->n++], res[i].type, res[i].name, "id-1", res[i].in, res[i].in);
        step_delete(&sc->steps[sc->n++], res[i].type, res[i].name, "id-1", res[i].in);
        snprintf(name, sizeof(name), "built/unconfigured %s", res[i].type);
        add_op(name, op_rpc, sc);
    }
    /* Invoke of every registered function, unconfigured (the account ones then
     * fail): each needs sample arguments here, so none is left out. */
    static const struct {
        const char *tok, *args;
    } fn_samples[] = {
        {"aws:index/getCallerIdentity:getCallerIdentity", "{}"},
        {"aws:index/getPartition:getPartition", "{}"},
        {"aws:index/getRegion:getRegion",
         "{\"region\":\"eu-west-1\",\"endpoint\":\"ec2.eu-west-1.amazonaws.com\"}"},
        {"aws:iam/getPolicyDocument:getPolicyDocument",
         "{\"policyId\":\"p\",\"sourcePolicyDocuments\":[\"" POL_STAR "\"],"
         "\"overridePolicyDocuments\":[\"" TRUST_SM "\"],\"statements\":[{\"sid\":\"A\","
         "\"actions\":[\"s3:GetObject\",\"s3:ListBucket\"],\"resources\":[\"arn:aws:s3:::b/"
         "&{aws:username}\"],\"principals\":[{\"type\":\"AWS\",\"identifiers\":[\"1\","
         "\"2\"]},{\"type\":\"AWS\",\"identifiers\":[\"3\"]}],\"notPrincipals\":[{"
         "\"type\":\"*\",\"identifiers\":[\"*\"]}],\"conditions\":[{\"test\":"
         "\"StringEquals\",\"variable\":\"aws:SourceAccount\",\"values\":[\"1\",\"<&>\"]}]},"
         "{\"effect\":\"Deny\",\"notActions\":[\"iam:*\"],\"notResources\":[\"*\"]}]}"},
    };
    for (size_t t = 0; function_at(t); t++) {
        size_t k = 0;
        while (k < sizeof(fn_samples) / sizeof(fn_samples[0]) &&
               strcmp(fn_samples[k].tok + 4, function_at(t)->token) != 0)
            k++;
        if (k == sizeof(fn_samples) / sizeof(fn_samples[0])) {
            fprintf(stderr,
                    "torture: no sample arguments for function %s: add it to fn_samples[] in "
                    "add_built_rpc\n",
                    function_at(t)->token);
            exit(2);
        }
        char name[160];
        sc = new_script();
        step_invoke(&sc->steps[sc->n++], fn_samples[k].tok, fn_samples[k].args);
        snprintf(name, sizeof(name), "built/invoke %s", fn_samples[k].tok);
        add_op(name, op_rpc, sc);
    }
    sc = new_script();
    step_invoke(&sc->steps[sc->n++], "aws:iam/getPolicyDocument:getPolicyDocument",
                "{\"version\":\"2013\",\"statements\":[{\"effect\":\"x\",\"sid\":\"-\"}]}");
    step_invoke(&sc->steps[sc->n++], "aws:index/getNothing:getNothing", "{}");
    add_op("built/invoke failures", op_rpc, sc);

    /* Autonaming: a name from the random seed, a prefix, and the engine's proposal. */
    sc = new_script();
    step_check(&sc->steps[sc->n++], ROLE_T, "r2", NULL,
               "{\"assumeRolePolicy\":\"" TRUST_SM "\",\"namePrefix\":\"pre-\"}");
    step_check(&sc->steps[sc->n++], PIPE_T, "p2", NULL,
               "{\"roleArn\":\"arn:aws:iam::123456789012:role/r\",\"pipelineDefinition\":"
               "\"{\\\"Version\\\":\\\"2020-12-01\\\",\\\"Steps\\\":[]}\"}");
    step_check(&sc->steps[sc->n++], RPA_T, "a2", NULL,
               "{\"role\":\"r\",\"policyArn\":\"arn:aws:iam::123456789012:policy/p\"}");
    add_op("built/check autonamed", op_rpc, sc);
    sc = new_script();
    Pulumirpc__CheckRequest an = PULUMIRPC__CHECK_REQUEST__INIT;
    Pulumirpc__CheckRequest__AutonamingOptions ao =
        PULUMIRPC__CHECK_REQUEST__AUTONAMING_OPTIONS__INIT;
    ao.proposed_name = "proposed-name";
    ao.mode = PULUMIRPC__CHECK_REQUEST__AUTONAMING_OPTIONS__MODE__ENFORCE;
    an.urn = "urn:pulumi:dev::proj::" ROLE_T "::r3";
    an.type = ROLE_T;
    an.name = "r3";
    an.autonaming = &ao;
    an.news = json_struct("{\"assumeRolePolicy\":\"" TRUST_SM "\"}");
    pack_into(&sc->steps[sc->n++], "Check", &an.base);
    free_struct(an.news);
    add_op("built/check autonaming enforce", op_rpc, sc);

    /* Configure (no network: validation skipped), then Check with the advisor enforcing. */
    char cfg2[2600];
    set_config_json(port, ",\"securityAdvisor\":\"enforce\",\"securityAdvisorSuppress\":"
                          "\"[\\\"AWSML-IAM-014\\\"]\",\"securityAdvisorRules\":"
                          "\"{\\\"AWSML-IAM-012\\\":{\\\"allowedPolicies\\\":"
                          "[\\\"AmazonSageMakerFullAccess\\\"]}}\"");
    snprintf(cfg2, sizeof(cfg2), "%s", config_json);
    sc = new_script();
    step_configure(&sc->steps[sc->n++], cfg2);
    step_check(&sc->steps[sc->n++], ROLE_T, "r1", NULL, ROLE_IN);
    step_check(&sc->steps[sc->n++], PIPE_T, "p1", NULL, PIPE_IN);
    step_check(&sc->steps[sc->n++], RPA_T, "a1", NULL, RPA_IN);
    add_op("built/configure+check enforce", op_rpc, sc);

    sc = new_script();
    Pulumirpc__CheckRequest cr = PULUMIRPC__CHECK_REQUEST__INIT;
    cr.urn = "urn:pulumi:dev::proj::pulumi:providers:aws::default";
    cr.olds = json_struct("{}");
    set_config_json(port, "");
    cr.news = json_struct(config_json);
    pack_into(&sc->steps[sc->n++], "CheckConfig", &cr.base);
    free_struct(cr.olds);
    free_struct(cr.news);
    step_diff(&sc->steps[sc->n++], "pulumi:providers:aws", "default", "id", config_json,
              "{\"region\":\"eu-west-1\",\"profile\":\"x\"}");
    sc->steps[sc->n - 1].method = "DiffConfig";
    add_op("built/checkconfig+diffconfig", op_rpc, sc);
}

/* Create, Read, Update and Delete of every real resource against the fake
 * AWS, after a Configure that checks the credentials with STS. The AWS
 * answers are canned (fake_aws.c), so every run sends and reads the same. */
static void add_http_rpc(int port)
{
    static char cfg_validate[2600], cfg_assume[2600], cfg_web[2600];
    set_config_json(port, ",\"skipCredentialsValidation\":\"false\"");
    snprintf(cfg_validate, sizeof(cfg_validate), "%s", config_json);
    set_config_json(port, ",\"skipCredentialsValidation\":\"false\",\"assumeRoles\":"
                          "\"[{\\\"roleArn\\\":\\\"arn:aws:iam::123456789012:role/a\\\","
                          "\\\"sessionName\\\":\\\"s\\\",\\\"tags\\\":{\\\"k\\\":"
                          "\\\"v\\\"},\\\"policyArns\\\":[\\\"arn:aws:iam::aws:policy/P\\\"]}]\"");
    snprintf(cfg_assume, sizeof(cfg_assume), "%s", config_json);
    char web[1400];
    snprintf(web, sizeof(web),
             ",\"skipCredentialsValidation\":\"false\",\"accessKey\":null,\"secretKey\":null,"
             "\"assumeRoleWithWebIdentity\":\"{\\\"roleArn\\\":\\\"arn:aws:iam::1:role/w\\\","
             "\\\"sessionName\\\":\\\"w\\\",\\\"webIdentityTokenFile\\\":\\\"%s\\\"}\"",
             token_file);
    set_config_json(port, web);
    snprintf(cfg_web, sizeof(cfg_web), "%s", config_json);

    rpc_script *sc = new_script();
    step_configure(&sc->steps[sc->n++], cfg_validate);
    add_op("http/configure validate", op_rpc, sc);
    sc = new_script();
    step_configure(&sc->steps[sc->n++], cfg_assume);
    add_op("http/configure assumeRoles", op_rpc, sc);
    sc = new_script();
    step_configure(&sc->steps[sc->n++], cfg_web);
    add_op("http/configure web identity", op_rpc, sc);
    /* The account functions through the configured client (STS on the fake AWS). */
    sc = new_script();
    set_config_json(port, "");
    step_configure(&sc->steps[sc->n++], config_json);
    step_invoke(&sc->steps[sc->n++], "aws:index/getCallerIdentity:getCallerIdentity", "{}");
    step_invoke(&sc->steps[sc->n++], "awsml:index/getPartition:getPartition", "{}");
    step_invoke(&sc->steps[sc->n++], "aws:index/getRegion:getRegion", "{}");
    add_op("http/invoke account functions", op_rpc, sc);

    struct {
        const char *type, *name, *id, *in, *in2;
    } res[] = {
        {ROLE_T, "r1", "torture-role", ROLE_IN, ROLE_IN2},
        {RPA_T, "a1", "torture-role/arn:aws:iam::aws:policy/AmazonSageMakerFullAccess", RPA_IN,
         RPA_IN},
        {PIPE_T, "p1", "torture-pipe", PIPE_IN, PIPE_IN2},
        {POL_T, "pol1", "arn:aws:iam::123456789012:policy/t/torture-pol", POL_IN, POL_IN2},
        {RP_T, "rp1", "torture-role:all", RP_IN, RP_IN2},
        {BUCKET_T, "b1", "torture-bucket", BUCKET_IN, BUCKET_IN2},
        {PAB_T, "pab1", "torture-bucket", PAB_IN, PAB_IN2},
        {SSE_T, "sse1", "torture-bucket", SSE_IN, SSE_IN2},
        {VER_T, "ver1", "torture-bucket", VER_IN, VER_IN2},
        {BPOL_T, "bp1", "torture-bucket", BPOL_IN, BPOL_IN2},
        {KEY_T, "k1", "torture-key", KEY_IN, KEY_IN2},
        {ALIAS_T, "al1", "alias/torture", ALIAS_IN, ALIAS_IN2},
    };
    for (size_t i = 0; i < sizeof(res) / sizeof(res[0]); i++) {
        char name[160];
        const char *verbs[] = {"create", "read", "update", "delete"};
        for (size_t v = 0; v < 4; v++) {
            if (i == 1 && v == 2)
                continue; /* an attachment is never updated: every change replaces */
            sc = new_script();
            set_config_json(port, "");
            step_configure(&sc->steps[sc->n++], config_json);
            rpc_step *st = &sc->steps[sc->n++];
            if (v == 0)
                step_create(st, res[i].type, res[i].name, i == 1 ? RPA_NEW : res[i].in, false);
            else if (v == 1)
                step_read(st, res[i].type, res[i].name, res[i].id, res[i].in, res[i].in);
            else if (v == 2)
                step_update(st, res[i].type, res[i].name, res[i].id, res[i].in, res[i].in2, false);
            else
                step_delete(st, res[i].type, res[i].name, res[i].id, res[i].in);
            snprintf(name, sizeof(name), "http/%s %s", verbs[v], res[i].type);
            add_op(name, op_rpc, sc);
        }
    }
    /* An attachment that exists already (the fake lists it): refused, naming the import. */
    sc = new_script();
    set_config_json(port, "");
    step_configure(&sc->steps[sc->n++], config_json);
    step_create(&sc->steps[sc->n++], RPA_T, "a1", RPA_IN, false);
    add_op("http/create attachment already attached", op_rpc, sc);
    /* A pipeline defined in S3: the object is looked up (HEAD) before SageMaker is asked. */
    sc = new_script();
    set_config_json(port, "");
    step_configure(&sc->steps[sc->n++], config_json);
    step_create(
        &sc->steps[sc->n++], PIPE_T, "p3",
        "{\"pipelineName\":\"torture-pipe\",\"roleArn\":\"arn:aws:iam::123456789012:role/r\","
        "\"pipelineDefinitionS3Location\":{\"bucket\":\"b\",\"objectKey\":\"k/def.json\","
        "\"versionId\":\"v1\"}}",
        false);
    add_op("http/create pipeline from S3", op_rpc, sc);
    /* Resources that are gone: Read reports them gone, Delete succeeds. */
    sc = new_script();
    set_config_json(port, "");
    step_configure(&sc->steps[sc->n++], config_json);
    step_read(&sc->steps[sc->n++], ROLE_T, "r1", "missing-role", ROLE_IN, ROLE_IN);
    step_delete(&sc->steps[sc->n++], ROLE_T, "r1", "missing-role", ROLE_IN);
    add_op("http/gone role", op_rpc, sc);
    sc = new_script();
    set_config_json(port, "");
    step_configure(&sc->steps[sc->n++], config_json);
    step_read(&sc->steps[sc->n++], PIPE_T, "p1", "missing-pipe", PIPE_IN, PIPE_IN);
    step_delete(&sc->steps[sc->n++], PIPE_T, "p1", "missing-pipe", PIPE_IN);
    add_op("http/gone pipeline", op_rpc, sc);
    sc = new_script();
    set_config_json(port, "");
    step_configure(&sc->steps[sc->n++], config_json);
    step_read(&sc->steps[sc->n++], RPA_T, "a1",
              "missing-role/arn:aws:iam::aws:policy/AmazonSageMakerFullAccess", RPA_IN, RPA_IN);
    step_delete(&sc->steps[sc->n++], RPA_T, "a1",
                "missing-role/arn:aws:iam::aws:policy/AmazonSageMakerFullAccess", RPA_IN);
    add_op("http/gone attachment", op_rpc, sc);
    /* A bucket that is gone: every bucket-family Read reports it gone, Delete succeeds. */
    static const char *const gone_s3[][2] = {{BUCKET_T, BUCKET_IN},
                                             {PAB_T, PAB_IN},
                                             {SSE_T, SSE_IN},
                                             {VER_T, VER_IN},
                                             {BPOL_T, BPOL_IN}};
    sc = new_script();
    set_config_json(port, "");
    step_configure(&sc->steps[sc->n++], config_json);
    for (size_t i = 0; i < sizeof(gone_s3) / sizeof(gone_s3[0]); i++) {
        step_read(&sc->steps[sc->n++], gone_s3[i][0], "g", "missing-bucket", gone_s3[i][1],
                  gone_s3[i][1]);
        step_delete(&sc->steps[sc->n++], gone_s3[i][0], "g", "missing-bucket", gone_s3[i][1]);
    }
    add_op("http/gone bucket family", op_rpc, sc);
    /* In us-east-1 a bucket that exists is looked up first and refused, naming the import. */
    sc = new_script();
    set_config_json(port, "");
    step_configure(&sc->steps[sc->n++], config_json);
    step_create(&sc->steps[sc->n++], BUCKET_T, "b1", "{\"bucket\":\"torture-bucket\"}", false);
    add_op("http/create bucket family: existing bucket", op_rpc, sc);
    /* Import: Read with no inputs reports everything. */
    sc = new_script();
    set_config_json(port, "");
    step_configure(&sc->steps[sc->n++], config_json);
    step_read(&sc->steps[sc->n++], ROLE_T, "r1", "torture-role", "{}", "{}");
    step_read(&sc->steps[sc->n++], PIPE_T, "p1", "torture-pipe", "{}", "{}");
    add_op("http/import role+pipeline", op_rpc, sc);
    sc = new_script();
    set_config_json(port, "");
    step_configure(&sc->steps[sc->n++], config_json);
    step_read(&sc->steps[sc->n++], BUCKET_T, "b1", "torture-bucket", "{}", "{}");
    step_read(&sc->steps[sc->n++], SSE_T, "sse1", "torture-bucket", "{}", "{}");
    step_read(&sc->steps[sc->n++], BPOL_T, "bp1", "torture-bucket", "{}", "{}");
    add_op("http/import bucket family", op_rpc, sc);
    /* S3 objects: upload, HeadObject + GetObjectTagging, an update that uploads again and
     * one that only retags, delete, and an import by <bucket>/<key>. */
    static const struct {
        const char *type, *name, *in, *in2;
    } objs[] = {{OBJ_T, "o1", OBJ_IN, OBJ_IN2}, {OBJ1_T, "o2", OBJ1_IN, OBJ1_IN2}};
    for (size_t i = 0; i < 2; i++) {
        char name[160];
        sc = new_script();
        set_config_json(port, "");
        step_configure(&sc->steps[sc->n++], config_json);
        step_create(&sc->steps[sc->n++], objs[i].type, objs[i].name, objs[i].in, false);
        step_read(&sc->steps[sc->n++], objs[i].type, objs[i].name, "k/obj.txt", objs[i].in,
                  objs[i].in);
        step_update(&sc->steps[sc->n++], objs[i].type, objs[i].name, "k/obj.txt", objs[i].in,
                    objs[i].in2, false);
        step_update(&sc->steps[sc->n++], objs[i].type, objs[i].name, "k/obj.txt", objs[i].in2,
                    objs[i].in2, false);
        step_delete(&sc->steps[sc->n++], objs[i].type, objs[i].name, "k/obj.txt", objs[i].in);
        step_read(&sc->steps[sc->n++], objs[i].type, objs[i].name, "torture-bucket/k/obj.txt", "{}",
                  "{}");
        snprintf(name, sizeof(name), "http/crud %s", objs[i].type);
        add_op(name, op_rpc, sc);
    }
    /* KMS: a key pending deletion and an alias that is not there are gone; import both. */
    sc = new_script();
    set_config_json(port, "");
    step_configure(&sc->steps[sc->n++], config_json);
    step_read(&sc->steps[sc->n++], KEY_T, "k1", "missing-key", KEY_IN, KEY_IN);
    step_delete(&sc->steps[sc->n++], KEY_T, "k1", "missing-key", KEY_IN);
    step_read(&sc->steps[sc->n++], ALIAS_T, "al1", "alias/missing", ALIAS_IN, ALIAS_IN);
    step_delete(&sc->steps[sc->n++], ALIAS_T, "al1", "alias/missing", ALIAS_IN);
    add_op("http/gone key+alias", op_rpc, sc);
    sc = new_script();
    set_config_json(port, "");
    step_configure(&sc->steps[sc->n++], config_json);
    step_read(&sc->steps[sc->n++], KEY_T, "k1", "torture-key", "{}", "{}");
    step_read(&sc->steps[sc->n++], ALIAS_T, "al1", "alias/torture", "{}", "{}");
    add_op("http/import key+alias", op_rpc, sc);
}

/* ---- running ----------------------------------------------------------------------------- */

static bool verbose;
static unsigned long n_failures, n_runs;

static bool mentions_memory(const char *s)
{
    /* "out of memory", "Out of memory", "memory" in "cannot allocate memory". */
    for (const char *p = s; *p; p++)
        if (strncasecmp(p, "memory", 6) == 0)
            return true;
    return false;
}

static bool printable(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p < 0x20 && *p != '\n' && *p != '\t')
            return false;
    return true;
}

static void outcome_init(outcome *o)
{
    memset(o, 0, sizeof(*o));
}

static const char *text_of(const outcome *o)
{
    return o->text ? o->text : "";
}

/* Runs op once with allocation n refused (0: none); returns the allocations counted. */
static uint64_t run_once(const optab *op, uint64_t n, bool sticky, const outcome *clean, outcome *o)
{
    outcome_init(o);
    unsigned long mark = mem_failures();
    af_begin(n, sticky);
    op->fn(op->arg, clean, o);
    uint64_t count = af_end();
    /* A helper that had to swallow a failed allocation noted it (util/mem.h):
     * the caller's contract is to fail then, as rpc.c does for side-effect-free
     * calls. RPC operations are judged on their replies alone. */
    if (o->rc == 0 && op->fn != op_rpc && mem_failures() != mark)
        fail_with(o, ERR_RESOURCE_EXHAUSTED, "out of memory (noted by a helper)");
    n_runs++;
    return count;
}

static void report(const optab *op, uint64_t n, bool sticky, const char *what, const outcome *o,
                   const outcome *clean)
{
    n_failures++;
    fprintf(stderr, "FAIL %s N=%llu%s (refused in %s): %s\n", op->name, (unsigned long long)n,
            sticky ? " sticky" : "", af_failed_source(), what);
    if (o->rc)
        fprintf(stderr, "  error %d: %s\n", o->code, o->msg);
    if (clean && o->rc == 0) {
        fprintf(stderr, "  clean result:\n%.1500s\n  this result:\n%.1500s\n", text_of(clean),
                text_of(o));
    }
}

/* Reruns with a stack trace of allocation seq, for a report. */
static void trace_run(const optab *op, uint64_t n, bool sticky, const outcome *clean, uint64_t seq)
{
    outcome o;
    af_trace(seq);
    run_once(op, n, sticky, clean, &o);
    af_trace(0);
    outcome_free(&o);
}

static int env_int(const char *name, long def)
{
    const char *v = getenv(name);
    return v && *v ? (int)strtol(v, NULL, 10) : (int)def;
}

/* The whole sweep of one operation; returns false when anything failed. */
static bool torture_op(const optab *op)
{
    unsigned long before = n_failures;
    outcome warm, clean, again;
    /* A warm-up run first: libraries set up their process-wide state once
     * (OpenSSL's algorithm tables, curl's) and that is not a leak. */
    run_once(op, 0, false, NULL, &warm);
    uint64_t m = run_once(op, 0, false, NULL, &clean);
    uint64_t leaks[8];
    size_t nl = af_leaked(leaks, 8);
    if (nl) {
        report(op, 0, false, "clean run leaks", &clean, NULL);
        trace_run(op, 0, false, NULL, leaks[0]);
    }
    uint64_t m2 = run_once(op, 0, false, NULL, &again);
    if (m2 != m || strcmp(text_of(&again), text_of(&clean)) != 0 || again.rc != clean.rc) {
        fprintf(stderr, "FAIL %s: not deterministic (%llu then %llu allocations)\n%s\n---\n%s\n",
                op->name, (unsigned long long)m, (unsigned long long)m2, text_of(&clean),
                text_of(&again));
        n_failures++;
    }
    if (verbose)
        fprintf(stderr, "%-60s %6llu allocations, rc %d%s%s\n", op->name, (unsigned long long)m,
                clean.rc, clean.rc ? ": " : "", clean.rc ? clean.msg : "");
    if (env_int("TORTURE_VERBOSE", 0) > 1)
        fprintf(stderr, "%s\n", text_of(&clean));
    int only_n = env_int("TORTURE_N", 0), only_sticky = env_int("TORTURE_STICKY", -1);
    for (int s = 0; s < 2 && n_failures == before; s++) {
        bool sticky = s == 1;
        if (only_sticky >= 0 && only_sticky != s)
            continue;
        for (uint64_t n = 1; n <= m && n_failures == before; n++) {
            if (only_n && (uint64_t)only_n != n)
                continue;
            outcome o;
            run_once(op, n, sticky, &clean, &o);
            if (!af_failed()) {
                report(op, n, sticky, "allocation N never happened (not deterministic)", &o,
                       &clean);
            } else if ((nl = af_leaked(leaks, 8)) != 0) {
                char what[256];
                int k = snprintf(what, sizeof(what), "%zu allocation(s) leaked: #%llu", nl,
                                 (unsigned long long)leaks[0]);
                for (size_t i = 1; i < nl && i < 8 && k > 0 && (size_t)k < sizeof(what); i++)
                    k += snprintf(what + k, sizeof(what) - (size_t)k, ", #%llu",
                                  (unsigned long long)leaks[i]);
                report(op, n, sticky, what, &o, &clean);
                trace_run(op, n, sticky, &clean, leaks[0]);
            } else if (o.rc == 0 && clean.rc == 0) {
                if (strcmp(text_of(&o), text_of(&clean)) != 0)
                    report(op, n, sticky, "succeeded with a different result", &o, &clean);
            } else if (o.rc == 0 ||
                       (clean.rc != 0 && o.code == clean.code && strcmp(o.msg, clean.msg) == 0)) {
                /* The clean run's own error, unchanged: fine when the text is the same. */
                if (strcmp(text_of(&o), text_of(&clean)) != 0)
                    report(op, n, sticky, "different result", &o, &clean);
            } else if (!o.msg[0] || !printable(o.msg)) {
                report(op, n, sticky, "empty or unprintable error message", &o, &clean);
            } else if (o.code != ERR_RESOURCE_EXHAUSTED && !mentions_memory(o.msg) &&
                       strcmp(af_failed_source(), "libcurl") != 0) {
                /* libcurl maps some of its own failed allocations to other errors
                 * ("Could not resolve host"): the provider can only pass them on. */
                report(op, n, sticky, "error does not say memory ran out", &o, &clean);
            }
            if (n_failures != before)
                trace_run(op, n, sticky, &clean, n);
            outcome_free(&o);
        }
    }
    outcome_free(&warm);
    outcome_free(&clean);
    outcome_free(&again);
    if (verbose || n_failures != before)
        fprintf(stderr, "%s %s: %llu allocations\n", n_failures == before ? "ok  " : "FAIL",
                op->name, (unsigned long long)m);
    return n_failures == before;
}

/* ---- set-up -------------------------------------------------------------------------------- */

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (!f || fputs(text, f) < 0 || fclose(f) != 0) {
        fprintf(stderr, "torture: cannot write %s\n", path);
        exit(2);
    }
}

static void setup_files(void)
{
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/awsml-torture-XXXXXX");
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        exit(2);
    }
    snprintf(cred_file, sizeof(cred_file), "%s/credentials", tmpdir);
    snprintf(config_file, sizeof(config_file), "%s/config", tmpdir);
    snprintf(token_file, sizeof(token_file), "%s/token", tmpdir);
    write_text(cred_file, "[default]\naws_access_key_id = AKIDFILE\naws_secret_access_key = "
                          "file-secret\n\n[dev]\naws_access_key_id=AKIDDEV\n"
                          "aws_secret_access_key=dev-secret\naws_session_token=tok\n");
    write_text(config_file,
               "[default]\nregion = eu-west-1\n\n[profile dev]\nregion = us-west-2\n"
               "s3 =\n  max_concurrent_requests = 10\n\n[profile proc]\nregion=cn-north-1\n"
               "credential_process = printf '{\"Version\": 1, \"AccessKeyId\": \"AKIDPROC\", "
               "\"SecretAccessKey\": \"proc-secret\", \"SessionToken\": \"t\", \"Expiration\": "
               "\"2099-01-01T00:00:00Z\"}'\n");
    write_text(token_file, "web-identity-token");
    env_files = (struct fake_env){{{"AWS_SHARED_CREDENTIALS_FILE", cred_file},
                                   {"AWS_CONFIG_FILE", config_file},
                                   {"HOME", tmpdir}}};
    env_home = (struct fake_env){{{"HOME", tmpdir}}};
    /* The pending-create records (resources/pending.c) go to a directory of
     * this run's own. By default they live under $HOME, shared by every
     * process of the user and keyed by URN only, and the URNs here are the
     * same in every torture run: another torture (or e2e) run creating
     * aws:iam/role:Role::r1 at the same moment left its record there for a
     * while, and a Read here that found it (pending_forget) hashed and
     * unlinked it: 3 allocations more in one clean run than in the next,
     * "not deterministic", the more often the busier the machine (parallel
     * runs overlap longer). */
    snprintf(state_dir, sizeof(state_dir), "%s/state", tmpdir);
    if (setenv("AWSML_STATE_DIR", state_dir, 1) != 0) {
        perror("setenv AWSML_STATE_DIR");
        exit(2);
    }
}

/* Removes dir's files, then dir. */
static void remove_flat_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.')
            continue;
        char path[1024];
        snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
        unlink(path);
    }
    closedir(d);
    rmdir(dir);
}

static void cleanup_files(void)
{
    unlink(cred_file);
    unlink(config_file);
    unlink(token_file);
    char records[400];
    snprintf(records, sizeof(records), "%s/pending-creates", state_dir);
    remove_flat_dir(records);
    rmdir(state_dir);
    rmdir(tmpdir);
}

int main(int argc, char **argv)
{
    af_init();
    mem_init_cjson();
    verbose = env_int("TORTURE_VERBOSE", 0) != 0;
    const char *only = getenv("TORTURE_OP");
    uint64_t trace = (uint64_t)env_int("TORTURE_TRACE", 0);

    fake_aws srv;
    if (fake_aws_start(&srv) != 0) {
        fprintf(stderr, "torture: the fake AWS did not start\n");
        return 2;
    }
    setup_files();
    test_resources_register();
    log_set_engine_sink(sink);

    add_rpc_corpus();
    add_built_rpc(srv.port);
    add_http_rpc(srv.port);
    add_corpus("fuzz_props", "props", op_props);
    add_corpus("fuzz_policy", "policy", op_policy);
    add_corpus("fuzz_xml", "xml", op_xml);
    add_corpus("fuzz_profile", "profile", op_profile);
    add_corpus("fuzz_sigv4", "sigv4", op_sigv4);
    add_corpus("fuzz_credentials", "credparse", op_credparse);
    add_corpus("fuzz_config", "config", op_config);
    add_op("advisor/stack", op_advisor_stack, NULL);
    add_analyzer();
    add_op("analyzer", op_analyzer, NULL);
    add_op("query", op_query, NULL);
    add_op("status", op_status, NULL);

    static creds_case cc_static = {NULL, true}, cc_default = {NULL, false}, cc_dev = {"dev", false},
                      cc_proc = {"proc", false};
    add_op("creds/static", op_creds, &cc_static);
    add_op("creds/profile default", op_creds, &cc_default);
    add_op("creds/profile dev", op_creds, &cc_dev);
    add_op("creds/credential_process", op_creds, &cc_proc);
    static char ecs_uri[128], imds_uri[128];
    snprintf(ecs_uri, sizeof(ecs_uri), "http://127.0.0.1:%d/ecs", srv.port);
    snprintf(imds_uri, sizeof(imds_uri), "http://127.0.0.1:%d", srv.port);
    static struct fake_env env_ecs, env_imds;
    env_ecs = (struct fake_env){{{"HOME", tmpdir},
                                 {"AWS_CONTAINER_CREDENTIALS_FULL_URI", ecs_uri},
                                 {"AWS_CONTAINER_AUTHORIZATION_TOKEN", "Bearer fake"}}};
    env_imds =
        (struct fake_env){{{"HOME", tmpdir}, {"AWS_EC2_METADATA_SERVICE_ENDPOINT", imds_uri}}};
    add_op("creds/container", op_creds_http, &env_ecs);
    add_op("creds/instance metadata", op_creds_http, &env_imds);

    static client_case cl_files, cl_full, cl_bad;
    static char full_json[4096], files_json[4096];
    set_config_json(srv.port,
                    ",\"assumeRoles\":\"[{\\\"roleArn\\\":\\\"arn:aws:iam::1:role/a\\\","
                    "\\\"sessionName\\\":\\\"s\\\",\\\"externalId\\\":\\\"x\\\","
                    "\\\"policyArns\\\":[\\\"arn:aws:iam::aws:policy/P\\\"],"
                    "\\\"tags\\\":{\\\"k\\\":\\\"v\\\"},\\\"transitiveTagKeys\\\":[\\\"k\\\"],"
                    "\\\"duration\\\":\\\"1h\\\"}]\",\"stsRegion\":\"us-west-2\","
                    "\"useFipsEndpoint\":\"false\",\"allowedAccountIds\":"
                    "\"[\\\"123456789012\\\"]\",\"retryMode\":\"standard\","
                    "\"securityAdvisorSuppress\":\"[\\\"AWSML-IAM-013\\\"]\"");
    snprintf(full_json, sizeof(full_json), "%s", config_json);
    cl_full = (client_case){full_json, &env_plain, false};
    snprintf(files_json, sizeof(files_json),
             "{\"profile\":\"dev\",\"sharedCredentialsFiles\":[\"%s\"],\"sharedConfigFiles\":"
             "[\"%s\"],\"skipCredentialsValidation\":true,\"assumeRoleWithWebIdentity\":{"
             "\"roleArn\":\"arn:aws:iam::1:role/w\",\"webIdentityTokenFile\":\"%s\"}}",
             cred_file, config_file, token_file);
    cl_files = (client_case){files_json, &env_plain, false};
    cl_bad = (client_case){"{\"region\":\"us-east-1\",\"maxRetries\":\"many\"}", &env_plain, false};
    add_op("client/full config", op_client, &cl_full);
    add_op("client/shared files", op_client, &cl_files);
    add_op("client/bad value", op_client, &cl_bad);

    size_t n_selected = 0, n_ok = 0;
    unsigned long runs_before = 0;
    for (size_t i = 0; i < n_ops; i++) {
        if (only && !strstr(ops[i].name, only))
            continue;
        n_selected++;
        af_trace(trace);
        struct timespec t0, t1;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        if (torture_op(&ops[i]))
            n_ok++;
        clock_gettime(CLOCK_MONOTONIC, &t1);
        if (verbose)
            fprintf(stderr, "     %.2f s\n",
                    (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
    }
    (void)runs_before;
    fake_aws_stop(&srv);
    cleanup_files();
    fprintf(stderr, "torture: %zu operations, %lu runs, %lu failures\n", n_selected, n_runs,
            n_failures);
    printf("torture: %zu passed, %zu failed\n", n_ok, n_selected - n_ok);
    return n_ok == n_selected && n_selected > 0 ? 0 : 1;
}
