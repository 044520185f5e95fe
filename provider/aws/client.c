#include "aws/client.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aws/awserr.h"
#include "aws/credentials_parse.h"
#include "aws/retry.h"
#include "aws/sigv4.h"
#include "util/buf.h"
#include "util/log.h"
#include "util/str.h"

#define STS_VERSION "2011-06-15"

struct aws_client {
    profile_env env;
    profile_set profiles;
    bool have_profiles;
    char region[ENDPOINTS_MAX_REGION];
    endpoints_result ep[ENDPOINTS_N_SERVICES];
    retry_policy retry;
    http_client *http;
    creds_provider *creds;
    bool skip_credentials_validation, skip_requesting_account_id;
    /* Borrowed from the options, like every string the credential chain reads. */
    const char *const *allowed_account_ids;
    size_t n_allowed_account_ids;
    const char *const *forbidden_account_ids;
    size_t n_forbidden_account_ids;
    char account_id[32];
};

/* NULL for an option that is not set ("" counts as not set). */
static const char *opt_str(const char *s)
{
    return s && *s ? s : NULL;
}

/* A whole number from an environment variable, lo..hi; unset or "" leaves *out. */
static int env_num(const aws_client *c, const char *name, long lo, long hi, long *out, err *e)
{
    const char *s = profile_env_get(&c->env, name);
    char *end = NULL;
    if (!s || !*s)
        return 0;
    double d = strtod(s, &end);
    if (*end != '\0')
        return err_set(e, ERR_INVALID_ARGUMENT, "%s must be a whole number", name);
    /* The range first: converting a double outside long's range is undefined. */
    if (!(d >= (double)lo && d <= (double)hi) || d != (double)(long)d)
        return err_set(e, ERR_INVALID_ARGUMENT, "%s must be a whole number from %ld to %ld", name,
                       lo, hi);
    *out = (long)d;
    return 0;
}

static bool list_has(const char *const *list, size_t n, const char *s)
{
    for (size_t i = 0; i < n; i++)
        if (list[i] && strcmp(list[i], s) == 0)
            return true;
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
    /* S3 REST (aws_raw_call): */
    const char *base;               /* scheme://host[:port]; NULL = the endpoint's */
    const char *signing_region;     /* NULL = the endpoint's */
    const char *payload_hash;       /* NULL = hash the body here */
    const http_body_reader *reader; /* a streamed body of body_len bytes */
    const char *const *capture;     /* response headers to keep */
    size_t n_capture;
    size_t max_response;
    bool keep_headers; /* all of them (http_request.keep_headers) */
} call;

/* S3 answers HEAD (and some other failures) with a status and no body: the
 * code the SDKs give them. */
static void s3_code_from_status(aws_error *ae)
{
    const char *code = ae->http_status == 301   ? "PermanentRedirect"
                       : ae->http_status == 307 ? "TemporaryRedirect"
                       : ae->http_status == 400 ? "BadRequest"
                       : ae->http_status == 403 ? "Forbidden"
                       : ae->http_status == 404 ? "NotFound"
                       : ae->http_status == 409 ? "Conflict"
                       : ae->http_status == 412 ? "PreconditionFailed"
                                                : NULL;
    if (code)
        str_copy(ae->code, sizeof(ae->code), code);
}

static int send_once(aws_client *c, const call *k, aws_cancel cancel, const aws_credentials *cr,
                     http_response *resp, enum http_failure *fail, err *e)
{
    int rc = -1;
    const endpoints_result *ep = &c->ep[k->svc];
    char host[512], url[ENDPOINTS_MAX_URL + 8192];
    const char *base_path = "/";
    struct sigv4_result sr;
    memset(&sr, 0, sizeof(sr));
    http_header hs[AWS_MAX_HEADERS + SIGV4_MAX_ADDED_HEADERS];
    size_t nh = 0;
    const char *ep_url = k->base ? k->base : ep->url;
    if (split_url(ep_url, host, sizeof(host), &base_path, e) != 0)
        goto out;
    const char *path = k->path ? k->path : base_path;
    size_t urlbase = (size_t)(strstr(ep_url, "://") + 3 - ep_url) + strlen(host);
    int un = snprintf(url, sizeof(url), "%.*s%s%s%s", (int)urlbase, ep_url, path,
                      k->query && *k->query ? "?" : "", k->query ? k->query : "");
    if (un < 0 || (size_t)un >= sizeof(url)) {
        err_set(e, ERR_INVALID_ARGUMENT, "%s %s: the request URL is longer than %zu bytes",
                endpoints_service_name(k->svc), k->operation, sizeof(url) - 1);
        goto out;
    }
    struct sigv4_header sh[AWS_MAX_HEADERS];
    size_t nsh = 0;
    if (k->n_headers > AWS_MAX_HEADERS) {
        err_set(e, ERR_INVALID_ARGUMENT, "%s %s: more than %d request headers",
                endpoints_service_name(k->svc), k->operation, AWS_MAX_HEADERS);
        goto out;
    }
    for (size_t i = 0; i < k->n_headers; i++) {
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
                                   .payload = k->reader ? NULL : k->body,
                                   .payload_len = k->reader ? 0 : k->body_len,
                                   .payload_hash = k->payload_hash};
        struct sigv4_credentials sc = {cr->access_key_id, cr->secret_access_key,
                                       cr->session_token[0] ? cr->session_token : NULL};
        struct sigv4_params sp = {.region =
                                      k->signing_region ? k->signing_region : ep->signing_region,
                                  .service = ep->signing_name,
                                  .when = time(NULL)};
        if (sigv4_sign_headers(&rq, &sc, &sp, &sr, e->msg, sizeof(e->msg)) != 0) {
            e->code = ERR_INTERNAL;
            goto out;
        }
        for (size_t i = 0; i < sr.n_headers && nh < sizeof(hs) / sizeof(hs[0]); i++)
            hs[nh++] = (http_header){sr.headers[i].name, sr.headers[i].value};
    }
    http_request req = {.method = k->method,
                        .url = url,
                        .headers = hs,
                        .n_headers = nh,
                        .body = k->body,
                        .body_len = k->body_len,
                        .reader = k->reader,
                        .capture = k->capture,
                        .n_capture = k->n_capture,
                        .max_response = k->max_response,
                        .keep_headers = k->keep_headers,
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
        if (attempt > 1 && k->reader && k->reader->rewind &&
            k->reader->rewind(k->reader->ctx) != 0) {
            err_set(e, ERR_UNAVAILABLE, "%s %s: the request body cannot be read again to retry",
                    svc, k->operation);
            goto out;
        }
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
            if (k->kind == BODY_S3 && resp->body_len == 0)
                s3_code_from_status(&ae);
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

/* One query-protocol POST of q and its parsed answer: signed with creds
 * (NULL: the client's chain), or unsigned. */
static int query_post(aws_client *c, enum endpoints_service svc, const char *action, query *q,
                      bool idempotent, const aws_credentials *creds, bool unsigned_,
                      aws_cancel cancel, aws_outcome *outcome, xml_node **out, err *e)
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
              .outcome = outcome,
              .creds = creds,
              .unsigned_ = unsigned_};
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

int aws_query_ex(aws_client *c, enum endpoints_service svc, const char *action, query *q,
                 bool idempotent, aws_cancel cancel, aws_outcome *outcome, xml_node **out, err *e)
{
    return query_post(c, svc, action, q, idempotent, NULL, false, cancel, outcome, out, e);
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

const endpoints_result *aws_client_endpoint(const aws_client *c, enum endpoints_service svc)
{
    return (int)svc >= 0 && svc < ENDPOINTS_N_SERVICES ? &c->ep[svc] : NULL;
}

int aws_raw_call(aws_client *c, const aws_raw *r, aws_cancel cancel, http_response *resp, err *e)
{
    memset(resp, 0, sizeof(*resp));
    if (r->reader && !r->payload_hash)
        return err_set(e, ERR_INTERNAL, "%s %s: a streamed body needs its payload hash",
                       endpoints_service_name(r->svc), r->operation);
    call k = {.svc = r->svc,
              .operation = r->operation,
              .method = r->method,
              .path = r->path,
              .query = r->query,
              .headers = r->headers,
              .n_headers = r->n_headers,
              .body = r->body,
              .body_len = r->body_len,
              .idempotent = r->idempotent,
              .kind = BODY_S3,
              .outcome = r->outcome,
              .base = r->base,
              .signing_region = r->signing_region,
              .payload_hash = r->payload_hash,
              .reader = r->reader,
              .capture = r->capture,
              .n_capture = r->n_capture,
              .max_response = r->max_response,
              .keep_headers = r->keep_headers};
    return do_call(c, &k, cancel, resp, e);
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

/* One STS call of the credential chain: posts q, signed with base (NULL:
 * unsigned, as AssumeRoleWithWebIdentity is: its token is the proof), and
 * reads the credentials out of <action>Result; what names the role in errors.
 * The chain hands no cancellation down, so none is watched here. */
static int sts_credentials(aws_client *c, query *q, const char *action, const aws_credentials *base,
                           const char *what, aws_credentials *out, err *e)
{
    xml_node *root = NULL;
    char result[64];
    aws_cancel none = {0};
    int rc =
        query_post(c, ENDPOINTS_STS, action, q, true, base, base == NULL, none, NULL, &root, e);
    if (rc == 0) {
        snprintf(result, sizeof(result), "%sResult", action);
        rc = creds_from_sts_xml(root, result, what, out, e);
    }
    xml_free(root);
    return rc;
}

static int sts_assume_role(void *ctx, const aws_credentials *base, const creds_assume_role *ar,
                           aws_credentials *out, err *e)
{
    query q;
    char sn[128], num[32];
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
    int rc = sts_credentials(ctx, &q, "AssumeRole", base, ar->role_arn, out, e);
    query_free(&q);
    return rc;
}

static int sts_web_identity(void *ctx, const creds_web_identity *wi, const char *token,
                            aws_credentials *out, err *e)
{
    query q;
    char sn[128], num[32];
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
    int rc = sts_credentials(ctx, &q, "AssumeRoleWithWebIdentity", NULL, wi->role_arn, out, e);
    query_free(&q);
    return rc;
}

/* ---- construction --------------------------------------------------------------- */

/* Building a client is also how options are checked: aws_options_check builds
 * one and throws it away, so every rule lives once, in the steps below. A step
 * that finds a broken rule reports it against the option it is about and the
 * build goes on, so every problem comes out at once. Nothing here uses the
 * network or resolves credentials: files are read, values are checked, and
 * creds_provider_new only records where to look. */
typedef struct build {
    aws_client *c;
    const aws_options *o;
    aws_report report;
    bool checking;   /* aws_options_check: no credential chain */
    size_t problems; /* broken rules reported */
} build;

/* Reports e, a broken rule, against opt. -1 when e is no broken rule (out of
 * memory, an internal error), when there is no report to go on with (the
 * rule is then the error) or the report refuses it; e says why. */
static int note(build *b, enum aws_opt opt, err *e)
{
    if (e->code == ERR_RESOURCE_EXHAUSTED || e->code == ERR_INTERNAL || e->code == ERR_OK)
        return -1;
    b->problems++;
    return b->report.fn ? b->report.fn(b->report.ctx, opt, e) : -1;
}

/* A rule that depends on an unsettled option is not judged. */
static bool unsettled(const build *b, enum aws_opt opt)
{
    return (b->o->unsettled & AWS_OPT_BIT(opt)) != 0;
}

/* Which configured list of shared files a profile_load failure comes from: each
 * list is loaded again with an empty file standing for the other kind. NONE
 * when neither alone fails (the files came from the environment or the defaults). */
static enum aws_opt profile_files_opt(const aws_options *o, const profile_env *env)
{
    static const char *const empty[] = {"/dev/null"};
    profile_opts po = {.credentials_files = o->shared_credentials_files,
                       .n_credentials_files = o->n_shared_credentials_files,
                       .config_files = empty,
                       .n_config_files = 1};
    profile_set ps;
    err e;
    if (o->n_shared_credentials_files) {
        if (profile_load(&ps, &po, env, &e) != 0)
            return AWS_OPT_SHARED_CREDENTIALS_FILES;
        profile_set_free(&ps);
    }
    po = (profile_opts){.credentials_files = empty,
                        .n_credentials_files = 1,
                        .config_files = o->shared_config_files,
                        .n_config_files = o->n_shared_config_files};
    if (o->n_shared_config_files) {
        if (profile_load(&ps, &po, env, &e) != 0)
            return AWS_OPT_SHARED_CONFIG_FILES;
        profile_set_free(&ps);
    }
    return AWS_OPT_NONE;
}

/* The shared files and the profile. */
static int build_profiles(build *b, err *e)
{
    aws_client *c = b->c;
    const aws_options *o = b->o;
    if (unsettled(b, AWS_OPT_SHARED_CREDENTIALS_FILES) || unsettled(b, AWS_OPT_SHARED_CONFIG_FILES))
        return 0;
    profile_opts po = {.credentials_files = o->shared_credentials_files,
                       .n_credentials_files = o->n_shared_credentials_files,
                       .config_files = o->shared_config_files,
                       .n_config_files = o->n_shared_config_files,
                       .profile = opt_str(o->profile)};
    if (profile_load(&c->profiles, &po, &c->env, e) != 0) {
        if (e->code == ERR_RESOURCE_EXHAUSTED)
            return -1;
        err saved = *e;
        enum aws_opt opt = profile_files_opt(o, &c->env);
        *e = saved;
        return note(b, opt, e);
    }
    c->have_profiles = true;
    return 0;
}

/* The region and every service's endpoint. */
static int build_endpoints(build *b, err *e)
{
    aws_client *c = b->c;
    const aws_options *o = b->o;
    bool skip_region = o->skip_region_validation;
    const char *region = opt_str(o->region);
    /* Without the profiles (a file failed, already reported) a region from the
     * profile is unknowable: "no region" would be a wrong second failure. */
    bool judge_region = !unsettled(b, AWS_OPT_REGION) && !unsettled(b, AWS_OPT_PROFILE) &&
                        !unsettled(b, AWS_OPT_SKIP_REGION_VALIDATION) &&
                        (c->have_profiles || region);
    if (!judge_region ||
        endpoints_region(region, c->have_profiles ? &c->profiles : NULL, &c->env, skip_region,
                         c->region, sizeof(c->region), NULL, e) != 0) {
        if (judge_region && note(b, AWS_OPT_REGION, e) != 0)
            return -1;
        /* Only to check the rest; a client with a failure is never used. */
        str_copy(c->region, sizeof(c->region), "us-east-1");
    }

    endpoints_opts eo;
    memset(&eo, 0, sizeof(eo));
    eo.skip_region_validation = skip_region;
    eo.use_fips = o->use_fips_endpoint;
    for (int s = 0; s < ENDPOINTS_N_SERVICES; s++)
        eo.overrides[s] = opt_str(o->endpoints[s]);
    const char *sts_region = opt_str(o->sts_region);
    if (sts_region && endpoints_validate_region(sts_region, skip_region, e) != 0) {
        if (note(b, AWS_OPT_STS_REGION, e) != 0)
            return -1;
        sts_region = NULL;
    }
    if (unsettled(b, AWS_OPT_ENDPOINTS) || unsettled(b, AWS_OPT_USE_FIPS_ENDPOINT) ||
        unsettled(b, AWS_OPT_STS_REGION))
        return 0;
    for (int s = 0; s < ENDPOINTS_N_SERVICES; s++) {
        const char *r = (s == ENDPOINTS_STS && sts_region) ? sts_region : c->region;
        if (endpoints_resolve((enum endpoints_service)s, r, &eo, &c->env, &c->ep[s], e) == 0)
            continue;
        /* Only an override URL or FIPS without an IAM endpoint can fail here. */
        enum aws_opt opt = eo.overrides[s] ? AWS_OPT_ENDPOINTS
                           : s == ENDPOINTS_IAM && eo.use_fips == ENDPOINTS_ON
                               ? AWS_OPT_USE_FIPS_ENDPOINT
                               : AWS_OPT_NONE;
        if (note(b, opt, e) != 0)
            return -1;
    }
    return 0;
}

/* Retries and the tuning variables. */
static int build_retry(build *b, err *e)
{
    aws_client *c = b->c;
    /* max_attempts (config maxRetries + 1) > AWS_MAX_ATTEMPTS > 3 attempts. */
    c->retry.max_attempts = RETRY_DEFAULT_MAX_ATTEMPTS;
    if (b->o->max_attempts > 0) {
        c->retry.max_attempts = b->o->max_attempts;
    } else if (!unsettled(b, AWS_OPT_MAX_ATTEMPTS)) {
        long n = RETRY_DEFAULT_MAX_ATTEMPTS;
        if (env_num(c, "AWS_MAX_ATTEMPTS", 1, 100, &n, e) != 0) {
            if (note(b, AWS_OPT_NONE, e) != 0)
                return -1;
        } else {
            c->retry.max_attempts = (int)n;
        }
    }
    return 0;
}

/* The HTTP client: CA bundle, TLS verification, proxies; and the tuning
 * variables (also for fast fault tests): the total time of one attempt and
 * the backoff base. */
static int build_http(build *b, err *e)
{
    aws_client *c = b->c;
    const aws_options *o = b->o;
    long timeout_ms = 0;
    if (env_num(c, "AWSML_HTTP_TIMEOUT_MS", 100, 3600000, &timeout_ms, e) != 0 &&
        note(b, AWS_OPT_NONE, e) != 0)
        return -1;
    if (env_num(c, "AWSML_RETRY_BASE_MS", 1, 60000, &c->retry.base_delay_ms, e) != 0 &&
        note(b, AWS_OPT_NONE, e) != 0)
        return -1;
    http_options ho = {.ca_bundle = opt_str(o->ca_bundle),
                       .timeout_ms = timeout_ms,
                       .insecure = o->insecure,
                       .http_proxy = opt_str(o->http_proxy),
                       .https_proxy = opt_str(o->https_proxy),
                       .no_proxy = opt_str(o->no_proxy)};
    enum aws_opt ca_opt = ho.ca_bundle ? AWS_OPT_CA_BUNDLE : AWS_OPT_NONE;
    if (!ho.ca_bundle)
        ho.ca_bundle = profile_env_get(&c->env, "AWS_CA_BUNDLE");
    if (unsettled(b, AWS_OPT_CA_BUNDLE) || unsettled(b, AWS_OPT_INSECURE))
        return 0;
    if (http_client_new(&ho, &c->http, e) != 0 && note(b, ca_opt, e) != 0)
        return -1;
    return 0;
}

static int build_client(build *b, err *e)
{
    aws_client *c = b->c;
    const aws_options *o = b->o;
    c->env = o->env ? *o->env : profile_env_system();
    c->skip_credentials_validation = o->skip_credentials_validation;
    c->skip_requesting_account_id = o->skip_requesting_account_id;
    c->allowed_account_ids = o->allowed_account_ids;
    c->n_allowed_account_ids = o->n_allowed_account_ids;
    c->forbidden_account_ids = o->forbidden_account_ids;
    c->n_forbidden_account_ids = o->n_forbidden_account_ids;
    if (build_profiles(b, e) != 0 || build_endpoints(b, e) != 0 || build_retry(b, e) != 0 ||
        build_http(b, e) != 0)
        return -1;
    if (b->checking || b->problems)
        return 0;
    creds_config cc = {.access_key = opt_str(o->access_key),
                       .secret_key = opt_str(o->secret_key),
                       .token = opt_str(o->token),
                       .web_identity = o->web_identity,
                       .assume_roles = o->assume_roles,
                       .n_assume_roles = o->n_assume_roles,
                       .profiles = &c->profiles,
                       .skip_metadata_api_check = o->skip_metadata_api_check,
                       .env = &c->env,
                       .http = c->http,
                       .sts = {sts_assume_role, sts_web_identity, c}};
    return creds_provider_new(&cc, &c->creds, e);
}

int aws_options_check(const aws_options *o, aws_report report, err *e)
{
    build b = {.o = o, .report = report, .checking = true};
    b.c = calloc(1, sizeof(*b.c));
    if (!b.c)
        return err_set(e, ERR_RESOURCE_EXHAUSTED, "out of memory");
    int rc = build_client(&b, e);
    aws_client_free(b.c);
    return rc;
}

int aws_client_new(const aws_options *o, aws_client **out, err *e)
{
    build b = {.o = o}; /* no report: the first broken rule is the error */
    *out = NULL;
    b.c = calloc(1, sizeof(*b.c));
    if (!b.c)
        return err_set(e, ERR_RESOURCE_EXHAUSTED, "out of memory");
    if (build_client(&b, e) != 0) {
        aws_client_free(b.c);
        return -1;
    }
    *out = b.c;
    return 0;
}

void aws_client_free(aws_client *c)
{
    if (!c)
        return;
    creds_provider_free(c->creds);
    http_client_free(c->http);
    if (c->have_profiles)
        profile_set_free(&c->profiles);
    OPENSSL_cleanse(c, sizeof(*c));
    free(c);
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
    if (c->n_allowed_account_ids &&
        !list_has(c->allowed_account_ids, c->n_allowed_account_ids, acct)) {
        err_set(e, ERR_PERMISSION_DENIED,
                "the credentials belong to AWS account %s, which is not in allowedAccountIds",
                acct);
        goto out;
    }
    if (list_has(c->forbidden_account_ids, c->n_forbidden_account_ids, acct)) {
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
