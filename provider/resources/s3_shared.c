#include "resources/s3_shared.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/buf.h"
#include "util/str.h"

/* ---- the lock table ------------------------------------------------------- */

/* A slot is in use while held; a waiter looks its bucket up again after
 * every wake-up, so a released slot can serve any bucket. */
typedef struct s3s_slot {
    char bucket[S3S_BUCKET_MAX + 1];
    bool held;
} s3s_slot;

static s3s_slot slots[S3S_LOCK_SLOTS];
static pthread_mutex_t slots_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t slots_cv = PTHREAD_COND_INITIALIZER;

/* How often a waiter looks at its call's cancellation. */
#define S3S_WAIT_POLL_MS 100L

static s3s_slot *slot_of(const char *bucket)
{
    for (size_t i = 0; i < S3S_LOCK_SLOTS; i++)
        if (slots[i].held && strcmp(slots[i].bucket, bucket) == 0)
            return &slots[i];
    return NULL;
}

int s3s_lock(res_ctx *ctx, const char *bucket, err *e)
{
    int rc = -1;
    pthread_mutex_lock(&slots_mu);
    for (;;) {
        if (!slot_of(bucket)) {
            s3s_slot *free_slot = NULL;
            for (size_t i = 0; i < S3S_LOCK_SLOTS && !free_slot; i++)
                if (!slots[i].held)
                    free_slot = &slots[i];
            if (free_slot) {
                str_copy(free_slot->bucket, sizeof(free_slot->bucket), bucket);
                free_slot->held = true;
                rc = 0;
                break;
            }
        }
        if (res_cancelled(ctx)) {
            err_set(e, ERR_CANCELLED,
                    "cancelled while waiting for another change of bucket %s to finish", bucket);
            break;
        }
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_nsec += S3S_WAIT_POLL_MS * 1000000L;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&slots_cv, &slots_mu, &until);
    }
    pthread_mutex_unlock(&slots_mu);
    return rc;
}

void s3s_unlock(const char *bucket)
{
    pthread_mutex_lock(&slots_mu);
    s3s_slot *s = slot_of(bucket);
    if (s) {
        s->held = false;
        s->bucket[0] = '\0';
    }
    pthread_cond_broadcast(&slots_cv);
    pthread_mutex_unlock(&slots_mu);
}

size_t s3s_locks_held(void)
{
    size_t n = 0;
    pthread_mutex_lock(&slots_mu);
    for (size_t i = 0; i < S3S_LOCK_SLOTS; i++)
        n += slots[i].held;
    pthread_mutex_unlock(&slots_mu);
    return n;
}

/* ---- calls ------------------------------------------------------------------- */

bool s3s_aborted(const err *e)
{
    return err_aws_code_is(e, "OperationAborted");
}

bool s3s_no_bucket(const err *e)
{
    return err_aws_code_is(e, "NoSuchBucket");
}

static bool s3s_aborted_or_fresh(const err *e)
{
    return s3s_aborted(e) || s3s_no_bucket(e);
}

int s3s_call_raw(res_ctx *ctx, aws_client *c, const s3_request *rq, unsigned flags,
                 http_response *resp, err *e)
{
    bool locked = false;
    int rc = -1;
    memset(resp, 0, sizeof(*resp));
    if ((flags & S3S_WRITE) && rq->bucket) {
        if (strlen(rq->bucket) > S3S_BUCKET_MAX)
            return err_set(e, ERR_INVALID_ARGUMENT, "bucket name '%.80s' is longer than %d",
                           rq->bucket, S3S_BUCKET_MAX);
        if (s3s_lock(ctx, rq->bucket, e) != 0)
            return -1;
        locked = true;
    }
    res_backoff b;
    res_backoff_init(&b, S3S_RETRY_MS);
    char status[160];
    snprintf(status, sizeof(status), "waiting for S3: %s of bucket %.63s",
             (flags & S3S_FRESH) ? "a change in progress or a bucket just created"
                                 : "another change in progress",
             rq->bucket ? rq->bucket : "");
    for (;;) {
        http_response_free(resp);
        if (s3_call(c, rq, res_aws_cancel(ctx), resp, e) == 0) {
            rc = 0;
            break;
        }
        if (res_backoff_wait(ctx, &b, (flags & S3S_FRESH) ? s3s_aborted_or_fresh : s3s_aborted,
                             status, e) != 0)
            break;
    }
    if (locked)
        s3s_unlock(rq->bucket);
    return rc;
}

int s3s_call(res_ctx *ctx, aws_client *c, const s3_request *rq, unsigned flags, xml_node **out,
             err *e)
{
    http_response resp;
    int rc = s3s_call_raw(ctx, c, rq, flags, &resp, e);
    if (out)
        *out = NULL;
    if (rc == 0 && out && resp.body_len && xml_parse(resp.body, resp.body_len, out, e) != 0) {
        err_set(e, e->code == ERR_RESOURCE_EXHAUSTED ? e->code : ERR_UNAVAILABLE,
                "s3 %s: unreadable response: %s", rq->operation, e->msg);
        rc = -1;
    }
    http_response_free(&resp);
    return rc;
}

/* ---- names ---------------------------------------------------------------------- */

bool s3s_bucket_char(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-';
}

static bool is_alnum_lower(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && strcmp(s + n - k, suffix) == 0;
}

/* Four dot-separated groups of digits: 192.168.5.4. */
static bool looks_like_ip(const char *s)
{
    int groups = 0, digits = 0;
    for (; *s; s++) {
        if (*s >= '0' && *s <= '9') {
            digits++;
        } else if (*s == '.' && digits) {
            groups++;
            digits = 0;
        } else {
            return false;
        }
    }
    return digits && groups == 3;
}

bool s3s_bucket_shape(const char *s)
{
    size_t n = strlen(s);
    if (n < 3 || n > S3S_BUCKET_MAX || !is_alnum_lower(s[0]) || !is_alnum_lower(s[n - 1]))
        return false;
    for (size_t i = 0; i < n; i++)
        if (!s3s_bucket_char((unsigned char)s[i]))
            return false;
    if (strstr(s, "..") || looks_like_ip(s))
        return false;
    if (str_has_prefix(s, "xn--") || str_has_prefix(s, "sthree-") ||
        str_has_prefix(s, "amzn-s3-demo-"))
        return false;
    return !ends_with(s, "-s3alias") && !ends_with(s, "--ol-s3") && !ends_with(s, "--x-s3") &&
           !ends_with(s, ".mrap");
}

/* The Route 53 zones of the S3 website endpoints, as AWS publishes them. */
static const char *const hosted_zones[][2] = {
    {"af-south-1", "Z83WF9RJE8B12"},
    {"ap-east-1", "ZNB98KWMFR0R6"},
    {"ap-northeast-1", "Z2M4EHUR26P7ZW"},
    {"ap-northeast-2", "Z3W03O7B5YMIYP"},
    {"ap-northeast-3", "Z2YQB5RD63NC85"},
    {"ap-south-1", "Z11RGJOFQNVJUP"},
    {"ap-south-2", "Z02976202B4EZMXIPMXF7"},
    {"ap-southeast-1", "Z3O0J2DXBE1FTB"},
    {"ap-southeast-2", "Z1WCIGYICN2BYD"},
    {"ap-southeast-3", "Z01846753K324LI26A3VV"},
    {"ap-southeast-4", "Z0312387243XT5FE14WFO"},
    {"ca-central-1", "Z1QDHH18159H29"},
    {"ca-west-1", "Z03565811Z33SLEZTHOUL"},
    {"cn-north-1", "Z5CN8UMXT92WN"},
    {"cn-northwest-1", "Z282HJ1KT0DH03"},
    {"eu-central-1", "Z21DNDUVLTQW6Q"},
    {"eu-central-2", "Z030506016YDQGETNASS"},
    {"eu-north-1", "Z3BAZG2TWCNX0D"},
    {"eu-south-1", "Z30OZKI7KPW7MI"},
    {"eu-south-2", "Z0081959F7139GRJC19J"},
    {"eu-west-1", "Z1BKCTXD74EZPE"},
    {"eu-west-2", "Z3GKZC51ZF0DB4"},
    {"eu-west-3", "Z3R1K369G5AVDG"},
    {"il-central-1", "Z09640613K4A3MN55U7GU"},
    {"me-central-1", "Z06143092I8HRXZRUZROF"},
    {"me-south-1", "Z1MPMWCPA7YB62"},
    {"sa-east-1", "Z7KQH4QJS55SO"},
    {"us-east-1", "Z3AQBSTGFYJSTF"},
    {"us-east-2", "Z2O1EMRO9K5GLX"},
    {"us-gov-east-1", "Z2NIFVYYW2VKV1"},
    {"us-gov-west-1", "Z31GFT0UA1I2HV"},
    {"us-west-1", "Z2F56UZL2M1ACD"},
    {"us-west-2", "Z3BJ6K6RIION7M"},
};

const char *s3s_hosted_zone(const char *region)
{
    for (size_t i = 0; region && i < sizeof(hosted_zones) / sizeof(hosted_zones[0]); i++)
        if (strcmp(hosted_zones[i][0], region) == 0)
            return hosted_zones[i][1];
    return NULL;
}

int s3s_arn(aws_client *c, const char *bucket, char *out, size_t cap)
{
    int n = snprintf(out, cap, "arn:%s:s3:::%s", aws_client_partition(c), bucket);
    return n > 0 && (size_t)n < cap ? 0 : -1;
}

char *s3s_tagging_xml(const pv *tags, size_t *len)
{
    buf b;
    buf_init(&b, 1024 * 1024);
    bool ok = buf_append_str(&b, "<Tagging xmlns=\"" S3S_XMLNS "\"><TagSet>") == 0;
    tags = tags ? pv_plain(tags) : NULL;
    for (size_t i = 0; ok && tags && tags->kind == PV_OBJECT && i < tags->u.obj.len; i++) {
        const pv *v = pv_plain(tags->u.obj.vals[i]);
        ok = buf_append_str(&b, "<Tag><Key>") == 0 && s3_xml_escape(&b, tags->u.obj.keys[i]) == 0 &&
             buf_append_str(&b, "</Key><Value>") == 0 &&
             s3_xml_escape(&b, v->kind == PV_STRING ? v->u.str.s : "") == 0 &&
             buf_append_str(&b, "</Value></Tag>") == 0;
    }
    ok = ok && buf_append_str(&b, "</TagSet></Tagging>") == 0;
    char *out = ok ? buf_take(&b, len) : NULL;
    buf_free(&b);
    return out;
}

/* ---- a bucket configuration as a resource of its own ------------------------------ */

int s3s_set_xml_bool(pv *out, const char *prop, const xml_node *n, const char *path)
{
    const char *v = n ? xml_path_text(n, path) : NULL;
    if (!v)
        return 0;
    return prop_set_bool(out, prop, strcmp(v, "true") == 0);
}

/* Outputs = inputs + the region the configuration lives in. */
static pv *cfg_outputs(aws_client *c, const pv *inputs)
{
    pv *out = pv_copy(inputs);
    if (out && c && prop_set_str(out, "region", aws_client_region(c)) != 0) {
        pv_free(out);
        return NULL;
    }
    return out;
}

static int cfg_put(res_ctx *ctx, const s3s_config *k, aws_client *c, const char *bucket,
                   const pv *in, unsigned flags, err *e)
{
    if (k->skip_put && k->skip_put(in))
        return 0;
    size_t len = 0;
    char *body = k->body(in, &len, e);
    if (!body)
        return -1;
    const char *owner = prop_str(in, "expectedBucketOwner"), *mfa = prop_str(in, "mfa");
    http_header h[3];
    size_t nh = 0;
    if (k->content_type)
        h[nh++] = (http_header){"Content-Type", k->content_type};
    if (owner && *owner)
        h[nh++] = (http_header){"x-amz-expected-bucket-owner", owner};
    if (mfa && *mfa)
        h[nh++] = (http_header){"x-amz-mfa", mfa};
    s3_request rq = {.operation = k->put_op,
                     .method = "PUT",
                     .bucket = bucket,
                     .subresource = k->subresource,
                     .headers = h,
                     .n_headers = nh,
                     .body = body,
                     .body_len = len,
                     .content_md5 = true,
                     .idempotent = true};
    int rc = s3s_call(ctx, c, &rq, flags, NULL, e);
    free(body);
    return rc;
}

int s3s_cfg_create(res_ctx *ctx, const s3s_config *k, const pv *inputs, char **id, pv **outputs,
                   err *e)
{
    err ignore = {0};
    aws_client *c = res_client_for(ctx, inputs, ctx->preview ? &ignore : e);
    const char *bucket = prop_str(inputs, "bucket");
    if (ctx->preview) {
        *outputs = cfg_outputs(c, inputs);
        return *outputs ? 0 : res_oom(e);
    }
    if (!c)
        return -1;
    if (!bucket)
        return err_set(e, ERR_INVALID_ARGUMENT, "bucket must be a known string");
    if (cfg_put(ctx, k, c, bucket, inputs, S3S_WRITE | S3S_FRESH, e) != 0)
        return -1;
    /* Put twice is the same: no answer to lose, nothing to adopt. */
    if (!(*id = str_dup(bucket)) || !(*outputs = cfg_outputs(c, inputs))) {
        free(*id);
        *id = NULL;
        return res_oom(e);
    }
    return 0;
}

int s3s_cfg_update(res_ctx *ctx, const s3s_config *k, const char *id, const pv *news, pv **outputs,
                   err *e)
{
    err ignore = {0};
    aws_client *c = res_client_for(ctx, news, ctx->preview ? &ignore : e);
    if (!ctx->preview) {
        if (!c || cfg_put(ctx, k, c, id, news, S3S_WRITE, e) != 0)
            return -1;
    }
    *outputs = cfg_outputs(c, news);
    return *outputs ? 0 : res_oom(e);
}

static bool cfg_missing(const s3s_config *k, const err *e)
{
    if (s3s_no_bucket(e))
        return true;
    for (const char *const *m = k->missing_codes; m && *m; m++)
        if (err_aws_code_is(e, *m))
            return true;
    return false;
}

int s3s_cfg_read(res_ctx *ctx, const s3s_config *k, const char *id, const pv *props,
                 const pv *inputs, char **new_id, pv **outputs, pv **new_inputs, err *e)
{
    const pv *old = (props && props->u.obj.len) ? props : inputs;
    bool import = !inputs || inputs->kind != PV_OBJECT || inputs->u.obj.len == 0;
    aws_client *c = res_client_for(ctx, old, e);
    http_response resp;
    pv *out = NULL;
    int rc = -1;
    if (!c)
        return -1;
    const char *owner = old ? prop_str(old, "expectedBucketOwner") : NULL;
    http_header h[1] = {{"x-amz-expected-bucket-owner", owner ? owner : ""}};
    s3_request rq = {.operation = k->get_op,
                     .method = "GET",
                     .bucket = id,
                     .subresource = k->subresource,
                     .headers = h,
                     .n_headers = owner && *owner ? 1 : 0,
                     .idempotent = true};
    if (s3s_call_raw(ctx, c, &rq, 0, &resp, e) != 0) {
        http_response_free(&resp);
        if (!cfg_missing(k, e))
            return -1;
        err_clear(e);
        *new_id = NULL; /* gone: deleted out of band, or its bucket is */
        return 0;
    }
    out = pv_object();
    if (!out || prop_set_str(out, "bucket", id) != 0 ||
        prop_set_str(out, "region", aws_client_region(c)) != 0)
        goto oom;
    /* The provider's own settings as recorded. */
    for (size_t i = 0; old && i < k->table->n; i++) {
        const eng_prop *p = &k->table->props[i];
        const pv *v = (p->flags & EP_LOCAL) && strcmp(p->name, "region") != 0
                          ? pv_object_get(old, p->name)
                          : NULL;
        pv *cp = v ? pv_copy(v) : NULL;
        if (v && (!cp || pv_object_set(out, p->name, cp) != 0))
            goto oom;
    }
    int r = k->read(resp.body ? resp.body : "", resp.body_len, import ? NULL : inputs, out, e);
    if (r < 0)
        goto done;
    if (r == 1) {
        *new_id = NULL; /* AWS's default stands where the configuration was */
        rc = 0;
        goto done;
    }
    *new_inputs = engine_read_inputs(k->table, out, inputs);
    *new_id = str_dup(id);
    if (!*new_inputs || !*new_id) {
        pv_free(*new_inputs);
        free(*new_id);
        *new_inputs = NULL;
        *new_id = NULL;
        goto oom;
    }
    *outputs = out;
    out = NULL;
    rc = 0;
    goto done;
oom:
    res_oom(e);
done:
    http_response_free(&resp);
    pv_free(out);
    return rc;
}

int s3s_cfg_delete(res_ctx *ctx, const s3s_config *k, const char *id, const pv *props, err *e)
{
    aws_client *c = res_client_for(ctx, props, e);
    if (!c)
        return -1;
    const char *owner = prop_str(props, "expectedBucketOwner");
    http_header h[1] = {{"x-amz-expected-bucket-owner", owner ? owner : ""}};
    s3_request rq = {.operation = k->delete_op,
                     .method = "DELETE",
                     .bucket = id,
                     .subresource = k->subresource,
                     .headers = h,
                     .n_headers = owner && *owner ? 1 : 0,
                     .idempotent = true};
    if (s3s_call(ctx, c, &rq, S3S_WRITE, NULL, e) == 0)
        return 0;
    if (!cfg_missing(k, e))
        return -1;
    err_clear(e); /* already gone */
    return 0;
}
