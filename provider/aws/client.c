#include "aws/client.h"

#include <cJSON.h>
#include <ctype.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "advice.h"
#include "aws/awserr.h"
#include "aws/credentials.h"
#include "aws/credentials_parse.h"
#include "aws/retry.h"
#include "aws/sigv4.h"
#include "util/buf.h"
#include "util/log.h"
#include "util/mem.h"
#include "util/str.h"

#define STS_VERSION "2011-06-15"
#define CLIENT_MAX_LIST 64 /* entries of a list config key we keep */

struct aws_client {
    pv *cfg; /* normalised copy of the configuration; every borrowed string points into it */
    profile_env env;
    profile_set profiles;
    bool have_profiles;
    char region[ENDPOINTS_MAX_REGION];
    endpoints_result ep[ENDPOINTS_N_SERVICES];
    retry_policy retry;
    http_client *http;
    creds_provider *creds;
    creds_assume_role assume_roles[CLIENT_MAX_LIST];
    size_t n_assume_roles;
    creds_web_identity web_identity;
    bool have_web_identity;
    /* The string arrays behind assume_roles / web_identity, freed with the client. */
    const char **arrays[CLIENT_MAX_LIST * 4 + 8];
    size_t n_arrays;
    bool skip_credentials_validation, skip_requesting_account_id;
    char account_id[32];
};

/* ---- configuration ------------------------------------------------------------ */

static const pv *cfg_get(const aws_client *c, const char *key)
{
    const pv *v = pv_object_get(c->cfg, key);
    return v && v->kind != PV_NULL ? v : NULL;
}

static const char *cfg_str(const aws_client *c, const char *key)
{
    const pv *v = cfg_get(c, key);
    return v && v->kind == PV_STRING && v->u.str.len ? v->u.str.s : NULL;
}

/* Booleans arrive as bools, or as "true"/"false" strings from provider resources. */
static int cfg_bool(const aws_client *c, const char *key, bool *out, err *e)
{
    const pv *v = cfg_get(c, key);
    *out = false;
    if (!v)
        return 0;
    if (v->kind == PV_BOOL) {
        *out = v->u.b;
        return 0;
    }
    if (v->kind == PV_STRING && (!strcmp(v->u.str.s, "true") || !strcmp(v->u.str.s, "false"))) {
        *out = v->u.str.s[0] == 't';
        return 0;
    }
    return err_set(e, ERR_INVALID_ARGUMENT, "provider config '%s' must be true or false", key);
}

static int num_of(const pv *v, const char *what, long lo, long hi, long *out, err *e)
{
    double d;
    char *end = NULL;
    if (v->kind == PV_NUMBER)
        d = v->u.n;
    else if (v->kind == PV_STRING && v->u.str.len && (d = strtod(v->u.str.s, &end), *end == '\0'))
        ;
    else
        return err_set(e, ERR_INVALID_ARGUMENT, "%s must be a whole number", what);
    /* The range first: converting a double outside long's range is undefined. */
    if (!(d >= (double)lo && d <= (double)hi) || d != (double)(long)d)
        return err_set(e, ERR_INVALID_ARGUMENT, "%s must be a whole number from %ld to %ld", what,
                       lo, hi);
    *out = (long)d;
    return 0;
}

/* The keys whose values are lists or objects: provider resources send them
 * JSON-encoded in strings. */
static const char *const config_structured[] = {"endpoints",
                                                "assumeRoles",
                                                "assumeRoleWithWebIdentity",
                                                "allowedAccountIds",
                                                "forbiddenAccountIds",
                                                "sharedCredentialsFiles",
                                                "sharedConfigFiles",
                                                "defaultTags",
                                                "ignoreTags",
                                                "assumeRole",
                                                "securityAdvisorSuppress",
                                                NULL};

/* Decodes key's value when it is JSON in a string, so the rest of the code sees
 * one shape. */
static int decode_json_value(aws_client *c, const char *key, err *e)
{
    const pv *v = pv_object_get(c->cfg, key);
    if (!v || v->kind != PV_STRING)
        return 0;
    const char *s = v->u.str.s;
    while (isspace((unsigned char)*s))
        s++;
    if (*s != '[' && *s != '{')
        return 0;
    unsigned long mark = mem_failures();
    cJSON *j = cJSON_Parse(v->u.str.s);
    if (!j && mem_failures() != mark)
        return err_set(e, ERR_RESOURCE_EXHAUSTED, "out of memory");
    if (!j)
        return err_set(e, ERR_INVALID_ARGUMENT, "provider config '%s' is not valid JSON", key);
    pv *n = pv_from_cjson(j);
    cJSON_Delete(j);
    if (!n || pv_object_set(c->cfg, key, n) != 0)
        return err_set(e, ERR_RESOURCE_EXHAUSTED, "out of memory");
    return 0;
}

/* A list of strings from an array (or one string): borrowed pointers into cfg. */
static int str_list(aws_client *c, const pv *v, const char *what, const char ***out, size_t *n,
                    err *e)
{
    *out = NULL;
    *n = 0;
    if (!v || v->kind == PV_NULL)
        return 0;
    if (v->kind != PV_ARRAY)
        return err_set(e, ERR_INVALID_ARGUMENT, "%s must be a list of strings", what);
    if (v->u.arr.len > CLIENT_MAX_LIST || c->n_arrays >= sizeof(c->arrays) / sizeof(c->arrays[0]))
        return err_set(e, ERR_INVALID_ARGUMENT, "%s has more than %d entries", what,
                       CLIENT_MAX_LIST);
    const char **a = calloc(v->u.arr.len + 1, sizeof(*a));
    if (!a)
        return err_set(e, ERR_RESOURCE_EXHAUSTED, "out of memory");
    c->arrays[c->n_arrays++] = a;
    for (size_t i = 0; i < v->u.arr.len; i++) {
        const pv *it = v->u.arr.items[i];
        if (it->kind != PV_STRING)
            return err_set(e, ERR_INVALID_ARGUMENT, "%s[%zu] must be a string", what, i);
        a[i] = it->u.str.s;
    }
    *out = a;
    *n = v->u.arr.len;
    return 0;
}

static const char *obj_str(const pv *o, const char *key)
{
    const pv *v = pv_object_get(o, key);
    return v && v->kind == PV_STRING && v->u.str.len ? v->u.str.s : NULL;
}

/* "1h", "15m", "900s", "1h30m" (Go durations, as pulumi-aws takes them) -> seconds. */
static int parse_duration(const char *s, const char *what, int *out, err *e)
{
    long total = 0;
    const char *p = s;
    if (!*p)
        goto bad;
    while (*p) {
        char *end;
        long n = strtol(p, &end, 10);
        if (end == p || n < 0)
            goto bad;
        long mul = *end == 'h' ? 3600 : *end == 'm' ? 60 : *end == 's' ? 1 : 0;
        if (!mul || n > 43200 / mul) /* checked before multiplying: no overflow */
            goto bad;
        total += n * mul;
        if (total > 43200)
            goto bad;
        p = end + 1;
    }
    *out = (int)total;
    return 0;
bad:
    return err_set(e, ERR_INVALID_ARGUMENT,
                   "%s must be a duration like \"1h\" or \"15m\" of at most 12h", what);
}

static int role_duration(const pv *o, const char *what, int *out, err *e)
{
    char w[160];
    const pv *ds = pv_object_get(o, "durationSeconds");
    const char *d = obj_str(o, "duration");
    *out = 0;
    if (d) {
        snprintf(w, sizeof(w), "%s.duration", what);
        return parse_duration(d, w, out, e);
    }
    if (ds && ds->kind != PV_NULL) {
        long n;
        snprintf(w, sizeof(w), "%s.durationSeconds", what);
        if (num_of(ds, w, 900, 43200, &n, e) != 0)
            return -1;
        *out = (int)n;
    }
    return 0;
}

static int parse_assume_roles(aws_client *c, err *e)
{
    const pv *v = cfg_get(c, "assumeRoles");
    if (!v)
        return 0;
    if (v->kind != PV_ARRAY)
        return err_set(e, ERR_INVALID_ARGUMENT, "provider config 'assumeRoles' must be a list");
    if (v->u.arr.len > CLIENT_MAX_LIST)
        return err_set(e, ERR_INVALID_ARGUMENT, "assumeRoles has more than %d entries",
                       CLIENT_MAX_LIST);
    for (size_t i = 0; i < v->u.arr.len; i++) {
        const pv *o = v->u.arr.items[i];
        char what[64];
        snprintf(what, sizeof(what), "assumeRoles[%zu]", i);
        if (o->kind != PV_OBJECT)
            return err_set(e, ERR_INVALID_ARGUMENT, "%s must be an object", what);
        creds_assume_role *ar = &c->assume_roles[c->n_assume_roles];
        memset(ar, 0, sizeof(*ar));
        ar->role_arn = obj_str(o, "roleArn");
        if (!ar->role_arn)
            return err_set(e, ERR_INVALID_ARGUMENT, "%s.roleArn is required", what);
        ar->session_name = obj_str(o, "sessionName");
        ar->external_id = obj_str(o, "externalId");
        ar->policy = obj_str(o, "policy");
        ar->source_identity = obj_str(o, "sourceIdentity");
        char w[96];
        snprintf(w, sizeof(w), "%s.policyArns", what);
        if (str_list(c, pv_object_get(o, "policyArns"), w, (const char ***)&ar->policy_arns,
                     &ar->n_policy_arns, e) != 0)
            return -1;
        snprintf(w, sizeof(w), "%s.transitiveTagKeys", what);
        if (str_list(c, pv_object_get(o, "transitiveTagKeys"), w,
                     (const char ***)&ar->transitive_tag_keys, &ar->n_transitive, e) != 0)
            return -1;
        const pv *tags = pv_object_get(o, "tags");
        if (tags && tags->kind == PV_OBJECT && tags->u.obj.len) {
            if (c->n_arrays + 2 > sizeof(c->arrays) / sizeof(c->arrays[0]))
                return err_set(e, ERR_INVALID_ARGUMENT, "too many assumeRoles tags");
            const char **k = calloc(tags->u.obj.len, sizeof(*k));
            const char **vv = calloc(tags->u.obj.len, sizeof(*vv));
            c->arrays[c->n_arrays++] = k;
            c->arrays[c->n_arrays++] = vv;
            if (!k || !vv)
                return err_set(e, ERR_RESOURCE_EXHAUSTED, "out of memory");
            for (size_t t = 0; t < tags->u.obj.len; t++) {
                if (tags->u.obj.vals[t]->kind != PV_STRING)
                    return err_set(e, ERR_INVALID_ARGUMENT, "%s.tags values must be strings", what);
                k[t] = tags->u.obj.keys[t];
                vv[t] = tags->u.obj.vals[t]->u.str.s;
            }
            ar->tag_keys = k;
            ar->tag_values = vv;
            ar->n_tags = tags->u.obj.len;
        }
        if (role_duration(o, what, &ar->duration_seconds, e) != 0)
            return -1;
        c->n_assume_roles++;
    }
    return 0;
}

static int parse_web_identity(aws_client *c, err *e)
{
    const pv *o = cfg_get(c, "assumeRoleWithWebIdentity");
    if (!o)
        return 0;
    if (o->kind != PV_OBJECT)
        return err_set(e, ERR_INVALID_ARGUMENT,
                       "provider config 'assumeRoleWithWebIdentity' must be an object");
    creds_web_identity *wi = &c->web_identity;
    wi->role_arn = obj_str(o, "roleArn");
    if (!wi->role_arn)
        return err_set(e, ERR_INVALID_ARGUMENT, "assumeRoleWithWebIdentity.roleArn is required");
    wi->session_name = obj_str(o, "sessionName");
    wi->token = obj_str(o, "webIdentityToken");
    wi->token_file = obj_str(o, "webIdentityTokenFile");
    wi->policy = obj_str(o, "policy");
    if (!wi->token && !wi->token_file)
        return err_set(e, ERR_INVALID_ARGUMENT,
                       "assumeRoleWithWebIdentity needs webIdentityToken or webIdentityTokenFile");
    if (str_list(c, pv_object_get(o, "policyArns"), "assumeRoleWithWebIdentity.policyArns",
                 (const char ***)&wi->policy_arns, &wi->n_policy_arns, e) != 0)
        return -1;
    if (role_duration(o, "assumeRoleWithWebIdentity", &wi->duration_seconds, e) != 0)
        return -1;
    c->have_web_identity = true;
    return 0;
}

/* quiet: no warning for the services awsml ignores (CheckConfig; Configure warns). */
static int parse_endpoints(aws_client *c, endpoints_opts *eo, bool quiet, err *e)
{
    static const char *const names[ENDPOINTS_N_SERVICES] = {"iam", "sts", "sagemaker", "s3"};
    const pv *v = cfg_get(c, "endpoints");
    if (!v)
        return 0;
    /* pulumi-aws takes a list of objects; an object alone is accepted too. */
    size_t n = v->kind == PV_ARRAY ? v->u.arr.len : 1;
    for (size_t i = 0; i < n; i++) {
        const pv *o = v->kind == PV_ARRAY ? v->u.arr.items[i] : v;
        if (o->kind != PV_OBJECT)
            return err_set(e, ERR_INVALID_ARGUMENT,
                           "provider config 'endpoints' must be a list of objects like "
                           "{\"iam\": \"https://...\"}");
        for (size_t k = 0; k < o->u.obj.len; k++) {
            size_t s = 0;
            while (s < ENDPOINTS_N_SERVICES && strcmp(names[s], o->u.obj.keys[k]) != 0)
                s++;
            if (s == ENDPOINTS_N_SERVICES) {
                if (!quiet)
                    log_user(LOG_WARNING, NULL, false,
                             "provider config endpoints.%s is ignored: awsml calls only iam, sts, "
                             "sagemaker and s3",
                             o->u.obj.keys[k]);
                continue;
            }
            const pv *u = o->u.obj.vals[k];
            if (u->kind != PV_STRING)
                return err_set(e, ERR_INVALID_ARGUMENT, "endpoints.%s must be a URL string",
                               names[s]);
            if (u->u.str.len)
                eo->overrides[s] = u->u.str.s;
        }
    }
    return 0;
}

/* A whole number from an environment variable, lo..hi; unset or "" leaves *out. */
static int env_num(aws_client *c, const char *name, long lo, long hi, long *out, err *e)
{
    const char *s = profile_env_get(&c->env, name);
    if (!s || !*s)
        return 0;
    pv *tmp = pv_string(s);
    if (!tmp)
        return err_set(e, ERR_RESOURCE_EXHAUSTED, "out of memory");
    int rc = num_of(tmp, name, lo, hi, out, e);
    pv_free(tmp);
    return rc;
}

static bool list_has(const pv *list, const char *s)
{
    for (size_t i = 0; list && list->kind == PV_ARRAY && i < list->u.arr.len; i++) {
        const pv *it = list->u.arr.items[i];
        if (it->kind == PV_STRING && strcmp(it->u.str.s, s) == 0)
            return true;
    }
    return false;
}

/* ---- requests ----------------------------------------------------------------------- */

static bool cancelled(aws_cancel cancel)
{
    return cancel.fn && cancel.fn(cancel.ctx);
}

/* Waits ms, waking every 50 ms to notice cancellation. */
static int wait_ms(long ms, aws_cancel cancel)
{
    while (ms > 0) {
        if (cancelled(cancel))
            return -1;
        long step = ms < 50 ? ms : 50;
        struct timespec ts = {0, step * 1000000L};
        nanosleep(&ts, NULL);
        ms -= step;
    }
    return cancelled(cancel) ? -1 : 0;
}

static double rand01(void)
{
    unsigned int r = 0;
    if (RAND_bytes((unsigned char *)&r, sizeof(r)) != 1)
        r = (unsigned int)time(NULL) * 2654435761u;
    return (double)r / 4294967296.0;
}

/* Splits an endpoint URL into host[:port] and base path. */
static int split_url(const char *url, char *host, size_t hostlen, const char **path, err *e)
{
    const char *p = strstr(url, "://");
    if (!p)
        return err_set(e, ERR_INVALID_ARGUMENT, "endpoint '%s' is not a URL", url);
    p += 3;
    size_t n = strcspn(p, "/");
    if (n == 0 || n >= hostlen)
        return err_set(e, ERR_INVALID_ARGUMENT, "endpoint '%s' has no usable host", url);
    memcpy(host, p, n);
    host[n] = '\0';
    *path = p[n] ? p + n : "/";
    return 0;
}

enum body_kind { BODY_XML, BODY_JSON, BODY_S3 };

typedef struct call {
    enum endpoints_service svc;
    const char *operation;
    const char *method;
    const char *path; /* already encoded; NULL = the endpoint's */
    const char *query;
    const http_header *headers; /* besides the signed ones */
    size_t n_headers;
    const char *body;
    size_t body_len;
    bool idempotent;
    enum body_kind kind;
    const aws_credentials *creds; /* NULL: the provider's chain */
    bool unsigned_;               /* STS AssumeRoleWithWebIdentity */
    aws_outcome *outcome;         /* NULL: not wanted */
} call;

static int send_once(aws_client *c, const call *k, aws_cancel cancel, const aws_credentials *cr,
                     http_response *resp, enum http_failure *fail, err *e)
{
    int rc = -1;
    const endpoints_result *ep = &c->ep[k->svc];
    char host[512], url[ENDPOINTS_MAX_URL + 2048];
    const char *base_path = "/";
    struct sigv4_result sr;
    memset(&sr, 0, sizeof(sr));
    http_header hs[16];
    size_t nh = 0;
    if (split_url(ep->url, host, sizeof(host), &base_path, e) != 0)
        goto out;
    const char *path = k->path ? k->path : base_path;
    size_t urlbase = (size_t)(strstr(ep->url, "://") + 3 - ep->url) + strlen(host);
    snprintf(url, sizeof(url), "%.*s%s%s%s", (int)urlbase, ep->url, path,
             k->query && *k->query ? "?" : "", k->query ? k->query : "");
    struct sigv4_header sh[8];
    size_t nsh = 0;
    for (size_t i = 0; i < k->n_headers && i < 8; i++) {
        sh[nsh++] = (struct sigv4_header){k->headers[i].name, strlen(k->headers[i].name),
                                          k->headers[i].value, strlen(k->headers[i].value)};
        hs[nh++] = k->headers[i];
    }
    if (!k->unsigned_) {
        struct sigv4_request rq = {.method = k->method,
                                   .host = host,
                                   .path = path,
                                   .path_len = strlen(path),
                                   .query = k->query ? k->query : "",
                                   .query_len = k->query ? strlen(k->query) : 0,
                                   .headers = sh,
                                   .n_headers = nsh,
                                   .payload = k->body,
                                   .payload_len = k->body_len};
        struct sigv4_credentials sc = {cr->access_key_id, cr->secret_access_key,
                                       cr->session_token[0] ? cr->session_token : NULL};
        struct sigv4_params sp = {
            .region = ep->signing_region, .service = ep->signing_name, .when = time(NULL)};
        if (sigv4_sign_headers(&rq, &sc, &sp, &sr, e->msg, sizeof(e->msg)) != 0) {
            e->code = ERR_INTERNAL;
            goto out;
        }
        for (size_t i = 0; i < sr.n_headers && nh < 16; i++)
            hs[nh++] = (http_header){sr.headers[i].name, sr.headers[i].value};
    }
    http_request req = {.method = k->method,
                        .url = url,
                        .headers = hs,
                        .n_headers = nh,
                        .body = k->body,
                        .body_len = k->body_len,
                        /* libcurl may re-send on a reused connection: never a
                         * call that is not idempotent, nor one whose outcome the
                         * caller tracks (a hidden re-send would hide it). */
                        .fresh_connection = !k->idempotent || k->outcome != NULL};
    rc = http_do(c->http, &req, cancel.fn, cancel.ctx, resp, fail, e);
out:
    sigv4_result_free(&sr);
    return rc;
}

/* Sends a call with retries; on success resp holds a 2xx response. */
static int do_call(aws_client *c, const call *k, aws_cancel cancel, http_response *resp, err *e)
{
    aws_credentials cr;
    memset(&cr, 0, sizeof(cr));
    int rc = -1;
    const char *svc = endpoints_service_name(k->svc);
    for (int attempt = 1;; attempt++) {
        if (cancelled(cancel)) {
            err_set(e, ERR_CANCELLED, "%s %s cancelled", svc, k->operation);
            goto out;
        }
        if (!k->unsigned_) {
            if (k->creds)
                cr = *k->creds;
            else if (creds_get(c->creds, cancel.fn, cancel.ctx, &cr, e) != 0)
                goto out;
        }
        enum http_failure fail = HTTP_OK;
        http_response_free(resp);
        memset(resp, 0, sizeof(*resp));
        int r = send_once(c, k, cancel, &cr, resp, &fail, e);
        creds_wipe(&cr);
        /* Sent and then no definite answer: the call may have taken effect. */
        if (k->outcome &&
            ((r != 0 && fail != HTTP_OK && fail != HTTP_FAIL_CONNECT && fail != HTTP_FAIL_TLS) ||
             (r == 0 && resp->status >= 500)))
            k->outcome->maybe_applied = true;
        aws_error ae;
        memset(&ae, 0, sizeof(ae));
        if (r != 0 && fail == HTTP_OK)
            goto out; /* not a transport failure: signing or a bad URL */
        if (r == 0 && resp->status >= 200 && resp->status < 300) {
            rc = 0;
            goto out;
        }
        if (r == 0) {
            if (k->kind == BODY_JSON)
                awserr_from_json(&ae, svc, k->operation, resp->status, resp->body, resp->body_len,
                                 resp->amzn_error_type[0] ? resp->amzn_error_type : NULL,
                                 resp->request_id);
            else
                awserr_from_xml(&ae, svc, k->operation, resp->status, resp->body, resp->body_len,
                                resp->request_id);
        }
        if (!retry_should(&c->retry, attempt, fail, r == 0 ? resp->status : 0,
                          r == 0 ? ae.code : NULL, k->idempotent)) {
            if (r == 0)
                awserr_to_err(&ae, e);
            else
                err_set(e, e->code, "%s %s: %s%s", svc, k->operation, e->msg,
                        attempt > 1 ? " (after retries)" : "");
            goto out;
        }
        long delay = retry_delay_ms(&c->retry, attempt, rand01());
        log_at(1, "%s %s: attempt %d failed (%s); retrying in %ld ms", svc, k->operation, attempt,
               r == 0 ? ae.code : "transport", delay);
        if (wait_ms(delay, cancel) != 0) {
            err_set(e, ERR_CANCELLED, "%s %s cancelled while waiting to retry", svc, k->operation);
            goto out;
        }
    }
out:
    creds_wipe(&cr);
    return rc;
}

int aws_query(aws_client *c, enum endpoints_service svc, const char *action, query *q,
              bool idempotent, aws_cancel cancel, xml_node **out, err *e)
{
    return aws_query_ex(c, svc, action, q, idempotent, cancel, NULL, out, e);
}

int aws_query_ex(aws_client *c, enum endpoints_service svc, const char *action, query *q,
                 bool idempotent, aws_cancel cancel, aws_outcome *outcome, xml_node **out, err *e)
{
    http_response resp = {0};
    size_t len = 0;
    char *body = query_finish(q, &len, e);
    int rc = -1;
    *out = NULL;
    if (!body)
        return -1;
    http_header h[1] = {{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}};
    call k = {.svc = svc,
              .operation = action,
              .method = "POST",
              .headers = h,
              .n_headers = 1,
              .body = body,
              .body_len = len,
              .idempotent = idempotent,
              .kind = BODY_XML,
              .outcome = outcome};
    if (do_call(c, &k, cancel, &resp, e) != 0)
        goto out;
    if (xml_parse(resp.body ? resp.body : "", resp.body_len, out, e) != 0) {
        if (outcome)
            outcome->maybe_applied = true; /* AWS said yes in words we could not read */
        err_set(e, ERR_UNAVAILABLE, "%s %s: unreadable response: %s", endpoints_service_name(svc),
                action, e->msg);
        goto out;
    }
    rc = 0;
out:
    OPENSSL_cleanse(body, len);
    free(body);
    if (resp.body)
        OPENSSL_cleanse(resp.body, resp.body_len);
    http_response_free(&resp);
    return rc;
}

int aws_json(aws_client *c, enum endpoints_service svc, const char *target, const char *body,
             bool idempotent, aws_cancel cancel, char **out, size_t *outlen, err *e)
{
    return aws_json_ex(c, svc, target, body, idempotent, cancel, NULL, out, outlen, e);
}

int aws_json_ex(aws_client *c, enum endpoints_service svc, const char *target, const char *body,
                bool idempotent, aws_cancel cancel, aws_outcome *outcome, char **out,
                size_t *outlen, err *e)
{
    http_response resp = {0};
    const char *op = strchr(target, '.') ? strchr(target, '.') + 1 : target;
    http_header h[2] = {{"Content-Type", "application/x-amz-json-1.1"}, {"X-Amz-Target", target}};
    call k = {.svc = svc,
              .operation = op,
              .method = "POST",
              .headers = h,
              .n_headers = 2,
              .body = body,
              .body_len = strlen(body),
              .idempotent = idempotent,
              .kind = BODY_JSON,
              .outcome = outcome};
    *out = NULL;
    if (do_call(c, &k, cancel, &resp, e) != 0) {
        http_response_free(&resp);
        return -1;
    }
    *out = resp.body ? resp.body : str_dup("{}");
    if (outlen)
        *outlen = resp.body ? resp.body_len : 2;
    resp.body = NULL;
    http_response_free(&resp);
    return *out ? 0 : err_set(e, ERR_RESOURCE_EXHAUSTED, "out of memory");
}

int aws_s3_object(aws_client *c, const char *bucket, const char *key, const char *version_id,
                  bool head, aws_cancel cancel, char **out, size_t *outlen, err *e)
{
    int rc = -1;
    char *ebucket = NULL, *ekey = NULL, *ever = NULL, *path = NULL, *q = NULL;
    http_response resp = {0};
    if (out)
        *out = NULL;
    if (sigv4_uri_encode(bucket, strlen(bucket), 0, &ebucket, e->msg, sizeof(e->msg)) != 0 ||
        sigv4_uri_encode(key, strlen(key), 1, &ekey, e->msg, sizeof(e->msg)) != 0) {
        e->code = ERR_INVALID_ARGUMENT;
        goto out;
    }
    buf b;
    buf_init(&b, 8192);
    buf_printf(&b, "/%s/%s", ebucket, ekey);
    path = buf_take(&b, NULL);
    if (version_id && *version_id) {
        if (sigv4_uri_encode(version_id, strlen(version_id), 0, &ever, e->msg, sizeof(e->msg)) !=
            0) {
            e->code = ERR_INVALID_ARGUMENT;
            goto out;
        }
        buf_printf(&b, "versionId=%s", ever);
        q = buf_take(&b, NULL);
    }
    buf_free(&b);
    call k = {.svc = ENDPOINTS_S3,
              .operation = head ? "HeadObject" : "GetObject",
              .method = head ? "HEAD" : "GET",
              .path = path,
              .query = q,
              .idempotent = true,
              .kind = BODY_S3};
    if (!path) {
        err_set(e, ERR_RESOURCE_EXHAUSTED, "out of memory");
        goto out;
    }
    if (do_call(c, &k, cancel, &resp, e) != 0) {
        if (resp.status == 404 || e->code == ERR_NOT_FOUND)
            err_set(e, ERR_NOT_FOUND, "s3://%s/%s%s%s does not exist (or is not readable)", bucket,
                    key, q ? " version " : "", q ? version_id : "");
        goto out;
    }
    if (out && !head) {
        *out = resp.body ? resp.body : str_dup("");
        if (outlen)
            *outlen = resp.body ? resp.body_len : 0;
        resp.body = NULL;
        if (!*out) {
            err_set(e, ERR_RESOURCE_EXHAUSTED, "out of memory");
            goto out;
        }
    }
    rc = 0;
out:
    http_response_free(&resp);
    free(ebucket);
    free(ekey);
    free(ever);
    free(path);
    free(q);
    return rc;
}

/* ---- STS for the credential chain ------------------------------------------------------ */

static void session_name(const char *given, char *out, size_t len)
{
    if (given && *given)
        str_copy(out, len, given);
    else
        snprintf(out, len, "awsml-%lld", (long long)time(NULL));
}

static int add_policy_arns(query *q, const char *const *arns, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char k[64];
        snprintf(k, sizeof(k), "PolicyArns.member.%zu.arn", i + 1);
        if (query_add(q, k, arns[i]) != 0)
            return -1;
    }
    return 0;
}

static int sts_assume_role(void *ctx, const aws_credentials *base, const creds_assume_role *ar,
                           aws_credentials *out, err *e)
{
    aws_client *c = ctx;
    query q;
    xml_node *root = NULL;
    char sn[128], num[32];
    int rc = -1;
    session_name(ar->session_name, sn, sizeof(sn));
    if (query_init(&q, "AssumeRole", STS_VERSION) != 0)
        return err_set(e, ERR_RESOURCE_EXHAUSTED, "out of memory");
    query_add(&q, "RoleArn", ar->role_arn);
    query_add(&q, "RoleSessionName", sn);
    if (ar->external_id)
        query_add(&q, "ExternalId", ar->external_id);
    if (ar->policy)
        query_add(&q, "Policy", ar->policy);
    if (ar->source_identity)
        query_add(&q, "SourceIdentity", ar->source_identity);
    if (ar->duration_seconds) {
        snprintf(num, sizeof(num), "%d", ar->duration_seconds);
        query_add(&q, "DurationSeconds", num);
    }
    add_policy_arns(&q, ar->policy_arns, ar->n_policy_arns);
    for (size_t i = 0; i < ar->n_tags; i++)
        query_add_tag(&q, "Tags", i + 1, ar->tag_keys[i], ar->tag_values[i]);
    for (size_t i = 0; i < ar->n_transitive; i++)
        query_add_member(&q, "TransitiveTagKeys", i + 1, ar->transitive_tag_keys[i]);
    http_response resp = {0};
    size_t len = 0;
    char *body = query_finish(&q, &len, e);
    if (!body)
        goto out;
    http_header h[1] = {{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}};
    call k = {.svc = ENDPOINTS_STS,
              .operation = "AssumeRole",
              .method = "POST",
              .headers = h,
              .n_headers = 1,
              .body = body,
              .body_len = len,
              .idempotent = true,
              .kind = BODY_XML,
              .creds = base};
    aws_cancel none = {0};
    int r = do_call(c, &k, none, &resp, e);
    free(body);
    if (r != 0 || xml_parse(resp.body ? resp.body : "", resp.body_len, &root, e) != 0)
        goto out;
    rc = creds_from_sts_xml(root, "AssumeRoleResult", ar->role_arn, out, e);
out:
    if (resp.body)
        OPENSSL_cleanse(resp.body, resp.body_len);
    http_response_free(&resp);
    xml_free(root);
    query_free(&q);
    return rc;
}

static int sts_web_identity(void *ctx, const creds_web_identity *wi, const char *token,
                            aws_credentials *out, err *e)
{
    aws_client *c = ctx;
    query q;
    xml_node *root = NULL;
    char sn[128], num[32];
    int rc = -1;
    session_name(wi->session_name, sn, sizeof(sn));
    if (query_init(&q, "AssumeRoleWithWebIdentity", STS_VERSION) != 0)
        return err_set(e, ERR_RESOURCE_EXHAUSTED, "out of memory");
    query_add(&q, "RoleArn", wi->role_arn);
    query_add(&q, "RoleSessionName", sn);
    query_add(&q, "WebIdentityToken", token);
    if (wi->policy)
        query_add(&q, "Policy", wi->policy);
    if (wi->duration_seconds) {
        snprintf(num, sizeof(num), "%d", wi->duration_seconds);
        query_add(&q, "DurationSeconds", num);
    }
    add_policy_arns(&q, wi->policy_arns, wi->n_policy_arns);
    http_response resp = {0};
    size_t len = 0;
    char *body = query_finish(&q, &len, e);
    if (!body)
        goto out;
    http_header h[1] = {{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}};
    call k = {.svc = ENDPOINTS_STS,
              .operation = "AssumeRoleWithWebIdentity",
              .method = "POST",
              .headers = h,
              .n_headers = 1,
              .body = body,
              .body_len = len,
              .idempotent = true,
              .kind = BODY_XML,
              .unsigned_ = true};
    aws_cancel none = {0};
    int r = do_call(c, &k, none, &resp, e);
    OPENSSL_cleanse(body, len);
    free(body);
    if (r != 0 || xml_parse(resp.body ? resp.body : "", resp.body_len, &root, e) != 0)
        goto out;
    rc = creds_from_sts_xml(root, "AssumeRoleWithWebIdentityResult", wi->role_arn, out, e);
out:
    if (resp.body)
        OPENSSL_cleanse(resp.body, resp.body_len);
    http_response_free(&resp);
    xml_free(root);
    query_free(&q);
    return rc;
}

/* ---- construction --------------------------------------------------------------- */

/* Building a client is also how a configuration is checked: CheckConfig builds
 * one and throws it away, so every rule lives once, in the steps below. A step
 * that finds a broken rule records it against the config key it is about ("" when
 * an environment variable or a default file is at fault) and the build goes on,
 * so every problem comes out at once. Nothing here uses the network or resolves
 * credentials: files are read, values are checked, and creds_provider_new only
 * records where to look. */
typedef struct build {
    aws_client *c;
    check_failures *f;
    const pv *given; /* the configuration as received */
    bool checking;   /* CheckConfig: values not known yet are not judged, no warnings */
    int first_code;  /* the code of the first failure */
} build;

/* Records e, a broken rule, against key: the first failure of a key is the one
 * that counts (later ones follow from it). -1 when e is no broken rule (out of
 * memory, an internal error) or the failure cannot be recorded; e says why. */
static int note(build *b, const char *key, err *e)
{
    if (e->code == ERR_RESOURCE_EXHAUSTED || e->code == ERR_INTERNAL || e->code == ERR_OK)
        return -1;
    for (size_t i = 0; key[0] && i < b->f->len; i++)
        if (strcmp(b->f->props[i], key) == 0)
            return 0;
    if (b->f->len == 0)
        b->first_code = e->code;
    if (check_failure_add(b->f, key, "%s", e->msg) != 0)
        return err_set(e, ERR_RESOURCE_EXHAUSTED, "out of memory");
    return 0;
}

/* CheckConfig may see values that are not known yet (outputs of other resources). */
static bool unknown(const build *b, const char *key)
{
    const pv *v = b->checking && b->given ? pv_object_get(b->given, key) : NULL;
    return v && pv_contains_unknown(v);
}

/* Which configured list of shared files a profile_load failure comes from: each
 * list is loaded again with an empty file standing for the other kind. "" when
 * neither alone fails (the files came from the environment or the defaults). */
static const char *profile_files_key(const char **cf, size_t ncf, const char **sf, size_t nsf,
                                     const profile_env *env)
{
    static const char *const empty[] = {"/dev/null"};
    profile_opts po = {.credentials_files = cf,
                       .n_credentials_files = ncf,
                       .config_files = empty,
                       .n_config_files = 1};
    profile_set ps;
    err e;
    if (ncf) {
        if (profile_load(&ps, &po, env, &e) != 0)
            return "sharedCredentialsFiles";
        profile_set_free(&ps);
    }
    po = (profile_opts){.credentials_files = empty,
                        .n_credentials_files = 1,
                        .config_files = sf,
                        .n_config_files = nsf};
    if (nsf) {
        if (profile_load(&ps, &po, env, &e) != 0)
            return "sharedConfigFiles";
        profile_set_free(&ps);
    }
    return "";
}

/* The shared files and the profile. */
static int build_profiles(build *b, err *e)
{
    aws_client *c = b->c;
    const char **cf = NULL, **sf = NULL;
    size_t ncf = 0, nsf = 0;
    int r1 =
        str_list(c, cfg_get(c, "sharedCredentialsFiles"), "sharedCredentialsFiles", &cf, &ncf, e);
    if (r1 != 0 && note(b, "sharedCredentialsFiles", e) != 0)
        return -1;
    int r2 = str_list(c, cfg_get(c, "sharedConfigFiles"), "sharedConfigFiles", &sf, &nsf, e);
    if (r2 != 0 && note(b, "sharedConfigFiles", e) != 0)
        return -1;
    if (r1 != 0 || r2 != 0 || unknown(b, "sharedCredentialsFiles") ||
        unknown(b, "sharedConfigFiles"))
        return 0;
    profile_opts po = {.credentials_files = cf,
                       .n_credentials_files = ncf,
                       .config_files = sf,
                       .n_config_files = nsf,
                       .profile = cfg_str(c, "profile")};
    if (profile_load(&c->profiles, &po, &c->env, e) != 0) {
        if (e->code == ERR_RESOURCE_EXHAUSTED)
            return -1;
        err saved = *e;
        const char *key = profile_files_key(cf, ncf, sf, nsf, &c->env);
        *e = saved;
        return note(b, key, e);
    }
    c->have_profiles = true;
    return 0;
}

/* The region and every service's endpoint. */
static int build_endpoints(build *b, bool skip_region, err *e)
{
    aws_client *c = b->c;
    /* Without the profiles (a file failed, already reported) a region from the
     * profile is unknowable: "no region" would be a wrong second failure. */
    bool judge_region = !unknown(b, "region") && !unknown(b, "profile") &&
                        !unknown(b, "skipRegionValidation") &&
                        (c->have_profiles || cfg_str(c, "region"));
    if (!judge_region ||
        endpoints_region(cfg_str(c, "region"), c->have_profiles ? &c->profiles : NULL, &c->env,
                         skip_region, c->region, sizeof(c->region), NULL, e) != 0) {
        if (judge_region && note(b, "region", e) != 0)
            return -1;
        /* Only to check the rest; a client with a failure is never used. */
        str_copy(c->region, sizeof(c->region), "us-east-1");
    }

    endpoints_opts eo;
    memset(&eo, 0, sizeof(eo));
    eo.skip_region_validation = skip_region;
    if (cfg_get(c, "useFipsEndpoint")) {
        bool f;
        if (cfg_bool(c, "useFipsEndpoint", &f, e) != 0) {
            if (note(b, "useFipsEndpoint", e) != 0)
                return -1;
        } else {
            eo.use_fips = f ? ENDPOINTS_ON : ENDPOINTS_OFF;
        }
    }
    if (parse_endpoints(c, &eo, b->checking, e) != 0 && note(b, "endpoints", e) != 0)
        return -1;
    const char *sts_region = cfg_str(c, "stsRegion");
    if (sts_region && endpoints_validate_region(sts_region, skip_region, e) != 0) {
        if (note(b, "stsRegion", e) != 0)
            return -1;
        sts_region = NULL;
    }
    if (unknown(b, "endpoints") || unknown(b, "useFipsEndpoint") || unknown(b, "stsRegion"))
        return 0;
    for (int s = 0; s < ENDPOINTS_N_SERVICES; s++) {
        const char *r = (s == ENDPOINTS_STS && sts_region) ? sts_region : c->region;
        if (endpoints_resolve((enum endpoints_service)s, r, &eo, &c->env, &c->ep[s], e) == 0)
            continue;
        /* Only an override URL or FIPS without an IAM endpoint can fail here. */
        const char *key = eo.overrides[s]                                     ? "endpoints"
                          : s == ENDPOINTS_IAM && eo.use_fips == ENDPOINTS_ON ? "useFipsEndpoint"
                                                                              : "";
        if (note(b, key, e) != 0)
            return -1;
    }
    return 0;
}

/* Retries and the tuning variables. */
static int build_retry(build *b, err *e)
{
    aws_client *c = b->c;
    /* maxRetries (config) > AWS_MAX_ATTEMPTS > 3 attempts. */
    c->retry.max_attempts = RETRY_DEFAULT_MAX_ATTEMPTS;
    const pv *mr = cfg_get(c, "maxRetries");
    const char *ma = profile_env_get(&c->env, "AWS_MAX_ATTEMPTS");
    long n = RETRY_DEFAULT_MAX_ATTEMPTS;
    if (mr) {
        if (num_of(mr, "provider config 'maxRetries'", 0, 100, &n, e) != 0) {
            if (note(b, "maxRetries", e) != 0)
                return -1;
        } else {
            c->retry.max_attempts = (int)n + 1;
        }
    } else if (ma && !unknown(b, "maxRetries")) {
        if (env_num(c, "AWS_MAX_ATTEMPTS", 1, 100, &n, e) != 0) {
            if (note(b, "", e) != 0)
                return -1;
        } else {
            c->retry.max_attempts = (int)n;
        }
    }
    const char *mode = cfg_str(c, "retryMode");
    if (mode && strcmp(mode, "standard") != 0 && strcmp(mode, "adaptive") != 0) {
        err_set(e, ERR_INVALID_ARGUMENT,
                "provider config 'retryMode' must be standard or adaptive");
        if (note(b, "retryMode", e) != 0)
            return -1;
    }
    return 0;
}

/* The lists of strings awsml reads without building anything from them. */
static int build_lists(build *b, err *e)
{
    static const char *const keys[] = {"allowedAccountIds", "forbiddenAccountIds"};
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        const char **a;
        size_t n;
        if (str_list(b->c, cfg_get(b->c, keys[i]), keys[i], &a, &n, e) != 0 &&
            note(b, keys[i], e) != 0)
            return -1;
    }
    return 0;
}

static int build_client(build *b, const pv *config, const profile_env *env, err *e)
{
    aws_client *c = b->c;
    check_failures advice = {0};
    int rc = -1;
    c->env = env ? *env : profile_env_system();
    c->cfg = config ? pv_strip_secrets(config) : pv_object();
    if (!c->cfg) {
        err_set(e, ERR_RESOURCE_EXHAUSTED, "out of memory");
        goto out;
    }
    if (c->cfg->kind != PV_OBJECT) {
        err_set(e, ERR_INVALID_ARGUMENT, "provider config must be an object");
        rc = note(b, "", e);
        goto out;
    }
    /* Values not known yet are judged when they are (at Configure). */
    for (size_t i = c->cfg->u.obj.len; b->checking && i-- > 0;)
        if (pv_contains_unknown(c->cfg->u.obj.vals[i]))
            pv_object_remove(c->cfg, c->cfg->u.obj.keys[i]);
    for (size_t i = 0; config_structured[i]; i++)
        if (decode_json_value(c, config_structured[i], e) != 0 &&
            note(b, config_structured[i], e) != 0)
            goto out;
    if (build_profiles(b, e) != 0)
        goto out;

    bool skip_region = false, skip_md = false, insecure = false;
    struct {
        const char *key;
        bool *out;
    } flags[] = {{"skipRegionValidation", &skip_region},
                 {"skipMetadataApiCheck", &skip_md},
                 {"skipCredentialsValidation", &c->skip_credentials_validation},
                 {"skipRequestingAccountId", &c->skip_requesting_account_id},
                 {"insecure", &insecure}};
    for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++)
        if (cfg_bool(c, flags[i].key, flags[i].out, e) != 0 && note(b, flags[i].key, e) != 0)
            goto out;
    if (build_endpoints(b, skip_region, e) != 0 || build_retry(b, e) != 0)
        goto out;

    /* Tuning (and fast fault tests): the total time of one attempt and the
     * backoff base. */
    long timeout_ms = 0;
    if (env_num(c, "AWSML_HTTP_TIMEOUT_MS", 100, 3600000, &timeout_ms, e) != 0 &&
        note(b, "", e) != 0)
        goto out;
    if (env_num(c, "AWSML_RETRY_BASE_MS", 1, 60000, &c->retry.base_delay_ms, e) != 0 &&
        note(b, "", e) != 0)
        goto out;

    http_options ho = {.ca_bundle = cfg_str(c, "customCaBundle"),
                       .timeout_ms = timeout_ms,
                       .insecure = insecure,
                       .http_proxy = cfg_str(c, "httpProxy"),
                       .https_proxy = cfg_str(c, "httpsProxy"),
                       .no_proxy = cfg_str(c, "noProxy")};
    const char *ca_key = ho.ca_bundle ? "customCaBundle" : "";
    if (!ho.ca_bundle)
        ho.ca_bundle = profile_env_get(&c->env, "AWS_CA_BUNDLE");
    if (!unknown(b, "customCaBundle") && !unknown(b, "insecure") &&
        http_client_new(&ho, &c->http, e) != 0 && note(b, ca_key, e) != 0)
        goto out;

    if (cfg_get(c, "assumeRole")) {
        err_set(e, ERR_INVALID_ARGUMENT,
                "provider config 'assumeRole' is not supported; use 'assumeRoles', a list of "
                "roles assumed in order");
        if (note(b, "assumeRole", e) != 0)
            goto out;
    }
    if (parse_assume_roles(c, e) != 0 && note(b, "assumeRoles", e) != 0)
        goto out;
    if (parse_web_identity(c, e) != 0 && note(b, "assumeRoleWithWebIdentity", e) != 0)
        goto out;
    if (build_lists(b, e) != 0 || advice_check_config(c->cfg, &advice, e) != 0)
        goto out;
    for (size_t i = 0; i < advice.len; i++) {
        err_set(e, ERR_INVALID_ARGUMENT, "%s", advice.reasons[i]);
        if (note(b, advice.props[i], e) != 0)
            goto out;
    }
    if (b->checking || b->f->len) {
        rc = 0;
        goto out;
    }
    creds_config cc = {.access_key = cfg_str(c, "accessKey"),
                       .secret_key = cfg_str(c, "secretKey"),
                       .token = cfg_str(c, "token"),
                       .web_identity = c->have_web_identity ? &c->web_identity : NULL,
                       .assume_roles = c->assume_roles,
                       .n_assume_roles = c->n_assume_roles,
                       .profiles = &c->profiles,
                       .skip_metadata_api_check = skip_md,
                       .env = &c->env,
                       .http = c->http,
                       .sts = {sts_assume_role, sts_web_identity, c}};
    rc = creds_provider_new(&cc, &c->creds, e);
out:
    check_failures_free(&advice);
    return rc;
}

/* One error for Configure: the failure itself when there is one, else all of them. */
static void failures_to_err(const check_failures *f, int code, err *e)
{
    if (f->len == 1) {
        err_set(e, code, "%s", f->reasons[0]);
        return;
    }
    /* Room for every reason at its longest (an err message), so only a lack of
     * memory can stop the list; e->msg then keeps what fits. */
    buf b;
    buf_init(&b, 64 + f->len * (sizeof(e->msg) + 16));
    int rc = buf_printf(&b, "the provider configuration has %zu problems:", f->len);
    for (size_t i = 0; rc == 0 && i < f->len; i++)
        rc = buf_printf(&b, " (%zu) %s%s", i + 1, f->reasons[i], i + 1 < f->len ? ";" : "");
    if (rc == 0)
        err_set(e, code, "%s", b.data);
    else
        err_set(e, ERR_RESOURCE_EXHAUSTED, "out of memory listing %zu configuration problems",
                f->len);
    buf_free(&b);
}

int aws_client_new(const pv *config, const profile_env *env, aws_client **out, err *e)
{
    check_failures f = {0};
    build b = {.f = &f, .given = config};
    int rc = -1;
    *out = NULL;
    b.c = calloc(1, sizeof(*b.c));
    if (!b.c)
        return err_set(e, ERR_RESOURCE_EXHAUSTED, "out of memory");
    if (build_client(&b, config, env, e) != 0)
        goto out;
    if (f.len) {
        failures_to_err(&f, b.first_code, e);
        goto out;
    }
    *out = b.c;
    b.c = NULL;
    rc = 0;
out:
    aws_client_free(b.c);
    check_failures_free(&f);
    return rc;
}

int aws_config_check(const pv *config, const profile_env *env, check_failures *f, err *e)
{
    build b = {.f = f, .given = config, .checking = true};
    b.c = calloc(1, sizeof(*b.c));
    if (!b.c)
        return err_set(e, ERR_RESOURCE_EXHAUSTED, "out of memory");
    int rc = build_client(&b, config, env, e);
    aws_client_free(b.c);
    return rc;
}

void aws_client_free(aws_client *c)
{
    if (!c)
        return;
    creds_provider_free(c->creds);
    http_client_free(c->http);
    if (c->have_profiles)
        profile_set_free(&c->profiles);
    for (size_t i = 0; i < c->n_arrays; i++)
        free(c->arrays[i]);
    pv_free(c->cfg);
    OPENSSL_cleanse(c, sizeof(*c));
    free(c);
}

const pv *aws_client_config(const aws_client *c)
{
    return c->cfg;
}

const char *aws_client_region(const aws_client *c)
{
    return c->region;
}

const char *aws_client_account_id(const aws_client *c)
{
    return c->account_id;
}

const char *aws_client_partition(const aws_client *c)
{
    return c->ep[ENDPOINTS_IAM].partition ? c->ep[ENDPOINTS_IAM].partition->id : "aws";
}

int aws_client_validate(aws_client *c, aws_cancel cancel, err *e)
{
    if (c->skip_credentials_validation && c->skip_requesting_account_id)
        return 0;
    query q;
    xml_node *root = NULL;
    int rc = -1;
    if (query_init(&q, "GetCallerIdentity", STS_VERSION) != 0)
        return err_set(e, ERR_RESOURCE_EXHAUSTED, "out of memory");
    if (aws_query(c, ENDPOINTS_STS, "GetCallerIdentity", &q, true, cancel, &root, e) != 0) {
        if (c->skip_credentials_validation) {
            log_user(LOG_WARNING, NULL, false,
                     "could not look up the AWS account id (skipRequestingAccountId is false): %s",
                     e->msg);
            rc = 0;
        } else {
            err_set(e, e->code, "validating AWS credentials failed: %s", e->msg);
        }
        goto out;
    }
    const char *acct = xml_path_text(root, "GetCallerIdentityResult/Account");
    if (!acct || !*acct || strlen(acct) >= sizeof(c->account_id)) {
        err_set(e, ERR_UNAVAILABLE, "STS GetCallerIdentity answered without an account id");
        goto out;
    }
    str_copy(c->account_id, sizeof(c->account_id), acct);
    const pv *allowed = cfg_get(c, "allowedAccountIds");
    const pv *forbidden = cfg_get(c, "forbiddenAccountIds");
    if (allowed && allowed->kind == PV_ARRAY && allowed->u.arr.len && !list_has(allowed, acct)) {
        err_set(e, ERR_PERMISSION_DENIED,
                "the credentials belong to AWS account %s, which is not in allowedAccountIds",
                acct);
        goto out;
    }
    if (forbidden && list_has(forbidden, acct)) {
        err_set(e, ERR_PERMISSION_DENIED,
                "the credentials belong to AWS account %s, which forbiddenAccountIds lists", acct);
        goto out;
    }
    log_at(1, "AWS account %s, region %s", acct, c->region);
    rc = 0;
out:
    xml_free(root);
    query_free(&q);
    return rc;
}
