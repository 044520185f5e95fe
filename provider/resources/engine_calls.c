/* engine_calls: the AWS side of the engine that a type's hooks would each
 * write again: update calls per changed row, tag writes in each service's
 * shape, the whole of a Read around the type's fetch, a preview's outputs
 * and composite IDs. The type says which calls and which fields
 * (engine.h: eng_update, eng_tagging) and sends (eng_api). */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/pages.h"
#include "aws/query.h"
#include "resources/common.h"
#include "resources/engine.h"
#include "resources/pending.h"
#include "util/str.h"
#include "util/strv.h"

static bool ec_empty(const pv *v)
{
    return !v || v->kind != PV_OBJECT || v->u.obj.len == 0;
}

/* ---- requests in the service's shape -------------------------------------------- */

int engine_query_value(query *q, const char *field, const pv *v)
{
    char num[32];
    const char *text = NULL;
    if (v->kind == PV_STRING)
        text = v->u.str.s;
    else if (v->kind == PV_BOOL)
        text = v->u.b ? "true" : "false";
    else if (v->kind == PV_NUMBER && snprintf(num, sizeof(num), "%.0f", v->u.n) > 0)
        text = num;
    return text ? query_add(q, field, text) : 0;
}

/* A request for action holding id_field = id (none when id_field is NULL):
 * a query or a cJSON object, as api says. NULL when memory ran out. */
static void *ec_request(const eng_api *api, const char *action, const char *id_field,
                        const char *id)
{
    if (api->json) {
        cJSON *j = cJSON_CreateObject();
        if (j && id_field && !cJSON_AddStringToObject(j, id_field, id)) {
            cJSON_Delete(j);
            return NULL;
        }
        return j;
    }
    query *q = calloc(1, sizeof(*q));
    if (!q)
        return NULL;
    if (query_init(q, action, api->version) != 0) {
        free(q);
        return NULL;
    }
    if (id_field && query_add(q, id_field, id) != 0) {
        query_free(q);
        free(q);
        return NULL;
    }
    return q;
}

static void ec_request_free(const eng_api *api, void *req)
{
    if (!req)
        return;
    if (api->json) {
        cJSON_Delete(req);
        return;
    }
    query_free(req);
    free(req);
}

/* field = v (known) in req. Objects go by their rows (JSON only). */
static int ec_add(const eng_table *t, const eng_api *api, const eng_prop *p, const pv *news,
                  void *req, const char *field, const pv *v)
{
    if (api->json) {
        cJSON *c = v->kind == PV_STRING   ? cJSON_CreateString(v->u.str.s)
                   : v->kind == PV_NUMBER ? cJSON_CreateNumber(v->u.n)
                   : v->kind == PV_BOOL   ? cJSON_CreateBool(v->u.b)
                                          : engine_json_of(t, p->name, news);
        if (!c || !cJSON_AddItemToObject(req, field, c)) {
            cJSON_Delete(c);
            return -1;
        }
        return 0;
    }
    return engine_query_value(req, field, v);
}

/* ---- updates -------------------------------------------------------------------- */

/* The row's value in obj as compared and sent: NULL when absent (null, or ""
 * with empty_is_absent), the row's default then (*tmp owns it). -1 when
 * memory ran out. */
static int ec_value(const eng_table *t, const eng_prop *p, const pv *obj, const pv **out, pv **tmp)
{
    const pv *v = obj ? pv_object_get(obj, p->name) : NULL;
    *out = NULL;
    *tmp = NULL;
    if (v && pv_plain(v)->kind != PV_NULL && pv_plain(v)->kind != PV_UNKNOWN) {
        v = pv_plain(v);
        if (!(t->empty_is_absent && v->kind == PV_STRING && v->u.str.len == 0)) {
            *out = v;
            return 0;
        }
    }
    if (!p->def)
        return 0;
    *out = *tmp = engine_default_value(p->def);
    return *tmp ? 0 : -1;
}

static int ec_changed(const eng_table *t, const eng_prop *p, const pv *news, const pv *base,
                      bool *changed)
{
    const pv *n = NULL, *b = NULL;
    pv *tn = NULL, *tb = NULL;
    int rc = ec_value(t, p, news, &n, &tn);
    if (rc == 0)
        rc = ec_value(t, p, base, &b, &tb);
    if (rc == 0)
        *changed = (n || b) && (!n || !b || !engine_same(p->diff, n, b));
    pv_free(tn);
    pv_free(tb);
    return rc;
}

/* Whether row p goes in call i of u, and its field there. */
static bool ec_member(const eng_update *u, size_t n, size_t i, const eng_prop *p,
                      const char **field)
{
    if (!(p->send & ES_UPDATE))
        return false;
    if (u[i].props[0]) {
        for (size_t k = 0; k < ENG_CALL_MAX && u[i].props[k]; k++)
            if (strcmp(u[i].props[k], p->name) == 0) {
                *field = u[i].fields[k] ? u[i].fields[k] : p->aws;
                return *field != NULL;
            }
        return false;
    }
    for (size_t j = 0; j < n; j++)
        for (size_t k = 0; j != i && k < ENG_CALL_MAX && u[j].props[k]; k++)
            if (strcmp(u[j].props[k], p->name) == 0)
                return false;
    *field = p->aws;
    return *field != NULL;
}

/* Every row a call names is an ES_UPDATE row of the table. */
static int ec_valid(const eng_table *t, const eng_update *u, size_t n, err *e)
{
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < ENG_CALL_MAX && u[i].props[k]; k++) {
            const eng_prop *p = engine_prop(t, u[i].props[k]);
            if (!p || !(p->send & ES_UPDATE) || !(p->aws || u[i].fields[k]))
                return err_set(e, ERR_INTERNAL,
                               "update call %s names %s, which is not a row sent in updates",
                               u[i].action, u[i].props[k]);
        }
    return 0;
}

/* Call i of u, when one of its rows changed. */
static int ec_update_call(res_ctx *ctx, const eng_table *t, const eng_api *api, void *arg,
                          const eng_update *u, size_t n, size_t i, const char *id_field,
                          const char *id, const pv *news, const pv *base, err *e)
{
    const char *field = NULL;
    const eng_prop *last = NULL;
    bool any = false, changed = false;
    for (size_t r = 0; r < t->n; r++) {
        const eng_prop *p = &t->props[r];
        if (!ec_member(u, n, i, p, &field))
            continue;
        if (ec_changed(t, p, news, base, &changed) != 0)
            return res_oom(e);
        any = any || changed;
        last = p;
    }
    if (!any)
        return 0;
    const pv *v = NULL;
    pv *tmp = NULL;
    if (u[i].clear && last) {
        if (ec_value(t, last, news, &v, &tmp) != 0)
            return res_oom(e);
        pv_free(tmp);
        if (!v) { /* the value is gone: remove it */
            void *req = ec_request(api, u[i].clear, id_field, id);
            int rc = req ? api->send(ctx, arg, u[i].clear, req, e) : res_oom(e);
            ec_request_free(api, req);
            if (rc != 0 && e->code == ERR_NOT_FOUND) {
                err_clear(e);
                rc = 0;
            }
            return rc;
        }
    }
    void *req = ec_request(api, u[i].action, id_field, id);
    size_t sent = 0;
    int rc = req ? 0 : -1;
    for (size_t r = 0; rc == 0 && r < t->n; r++) {
        const eng_prop *p = &t->props[r];
        if (!ec_member(u, n, i, p, &field))
            continue;
        if (!u[i].all && (rc = ec_changed(t, p, news, base, &changed)) == 0 && !changed)
            continue;
        if (rc != 0 || (rc = ec_value(t, p, news, &v, &tmp)) != 0)
            break;
        static const pv blank = {.kind = PV_STRING, .u.str = {.s = "", .len = 0}};
        /* A plain string now absent goes as ""; documents and objects are left out. */
        if (!v && p->type == ET_STRING && p->diff != ED_JSON && p->diff != ED_POLICY)
            v = &blank;
        if (v) {
            rc = ec_add(t, api, p, news, req, field, v);
            sent++;
        }
        pv_free(tmp);
        tmp = NULL;
    }
    if (rc != 0)
        rc = res_oom(e);
    else if (sent)
        rc = api->send(ctx, arg, u[i].action, req, e);
    ec_request_free(api, req);
    return rc;
}

int engine_update(res_ctx *ctx, const eng_table *t, const eng_api *api, void *arg,
                  const eng_update *u, size_t n, const char *id_field, const char *id,
                  const pv *news, const pv *base, err *e)
{
    if (ec_valid(t, u, n, e) != 0)
        return -1;
    for (size_t i = 0; i < n; i++)
        if (ec_update_call(ctx, t, api, arg, u, n, i, id_field, id, news, base, e) != 0)
            return -1;
    return 0;
}

/* ---- tags ----------------------------------------------------------------------- */

const pv *engine_tags_of(const eng_table *t, const pv *obj)
{
    static const unsigned order[] = {EP_TAGS_ALL, EP_TAGS};
    for (size_t k = 0; k < 2; k++)
        for (size_t i = 0; i < t->n; i++) {
            const pv *v =
                (t->props[i].flags & order[k]) ? pv_object_get(obj, t->props[i].name) : NULL;
            if (v && pv_plain(v)->kind == PV_OBJECT)
                return pv_plain(v);
        }
    return NULL;
}

/* Tag index (from 1) key = value in a request of api's shape. */
static int ec_add_tag(const eng_api *api, const eng_tagging *tg, void *req, size_t index,
                      const char *key, const char *value)
{
    if (!api->json)
        return query_add_tag(req, tg->list, index, key, value);
    cJSON *list = cJSON_GetObjectItemCaseSensitive(req, tg->list);
    if (!list && !(list = cJSON_AddArrayToObject(req, tg->list)))
        return -1;
    cJSON *o = cJSON_CreateObject();
    if (!o || !cJSON_AddItemToArray(list, o)) {
        cJSON_Delete(o);
        return -1;
    }
    return cJSON_AddStringToObject(o, tg->key, key) && cJSON_AddStringToObject(o, tg->value, value)
               ? 0
               : -1;
}

/* Key index (from 1) in the list of keys to remove. */
static int ec_add_key(const eng_api *api, const eng_tagging *tg, void *req, size_t index,
                      const char *key)
{
    if (!api->json)
        return query_add_member(req, tg->keys, index, key);
    cJSON *list = cJSON_GetObjectItemCaseSensitive(req, tg->keys);
    if (!list && !(list = cJSON_AddArrayToObject(req, tg->keys)))
        return -1;
    cJSON *s = cJSON_CreateString(key);
    if (!s || !cJSON_AddItemToArray(list, s)) {
        cJSON_Delete(s);
        return -1;
    }
    return 0;
}

int engine_tags_request(const res_ctx *ctx, const eng_api *api, const eng_tagging *tg,
                        const pv *tags, void *req, err *e)
{
    tags = tags ? pv_plain(tags) : NULL;
    size_t n = 0;
    for (size_t i = 0; tags && tags->kind == PV_OBJECT && i < tags->u.obj.len; i++) {
        const pv *v = pv_plain(tags->u.obj.vals[i]);
        if (v->kind != PV_STRING || tags_ignored(ctx, tags->u.obj.keys[i]))
            continue;
        if (ec_add_tag(api, tg, req, ++n, tags->u.obj.keys[i], v->u.str.s) != 0)
            return res_oom(e);
    }
    return 0;
}

/* One tag call: its request from fill (keys or tags), then send. */
static int ec_tag_call(res_ctx *ctx, const eng_api *api, void *arg, const eng_tagging *tg,
                       const char *action, const char *id, const strv *keys, const strv *values,
                       const pv *all, err *e)
{
    void *req = ec_request(api, action, tg->id_field, id);
    int rc = req ? 0 : -1;
    for (size_t i = 0; rc == 0 && keys && i < keys->n; i++)
        rc = values ? ec_add_tag(api, tg, req, i + 1, keys->v[i], values->v[i])
                    : ec_add_key(api, tg, req, i + 1, keys->v[i]);
    if (rc != 0)
        rc = res_oom(e);
    else if (all && engine_tags_request(ctx, api, tg, all, req, e) != 0)
        rc = -1;
    else
        rc = api->send(ctx, arg, action, req, e);
    ec_request_free(api, req);
    return rc;
}

int engine_write_tags(res_ctx *ctx, const eng_api *api, void *arg, const eng_tagging *tg,
                      const char *id, const pv *want, const pv *have, err *e)
{
    strv sk = {0}, sv = {0}, rk = {0};
    int rc = tags_delta(ctx, want, have, &sk, &sv, &rk, e);
    if (rc == 0 && (sk.n || rk.n)) {
        if (!tg->untag) {
            /* The whole set at once: what is wanted, or nothing. */
            size_t left = 0;
            const pv *w = want ? pv_plain(want) : NULL;
            for (size_t i = 0; w && w->kind == PV_OBJECT && i < w->u.obj.len; i++)
                left += !tags_ignored(ctx, w->u.obj.keys[i]);
            rc = ec_tag_call(ctx, api, arg, tg, left ? tg->tag : tg->untag_all, id, NULL, NULL,
                             left ? w : NULL, e);
        } else {
            if (rk.n)
                rc = ec_tag_call(ctx, api, arg, tg, tg->untag, id, &rk, NULL, NULL, e);
            if (rc == 0 && sk.n)
                rc = ec_tag_call(ctx, api, arg, tg, tg->tag, id, &sk, &sv, NULL, e);
        }
    }
    strv_free(&sk);
    strv_free(&sv);
    strv_free(&rk);
    return rc;
}

typedef struct ec_tag_sink {
    const eng_tagging *tg;
    pv *out;
} ec_tag_sink;

static int ec_tag_item(void *arg, const cJSON *t, err *e)
{
    ec_tag_sink *s = arg;
    const cJSON *k = cJSON_GetObjectItemCaseSensitive(t, s->tg->key);
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(t, s->tg->value);
    if (cJSON_IsString(k) &&
        prop_set_str(s->out, k->valuestring, cJSON_IsString(v) ? v->valuestring : "") != 0)
        return res_oom(e);
    return 0;
}

int engine_list_tags_json(res_ctx *ctx, aws_client *c, enum endpoints_service svc,
                          const char *target, const eng_tagging *tg, const char *id, pv *out,
                          err *e)
{
    cJSON *req = cJSON_CreateObject();
    ec_tag_sink sink = {tg, out};
    int rc = req && cJSON_AddStringToObject(req, tg->id_field, id) ? 0 : res_oom(e);
    if (rc == 0)
        rc = pages_json(c, svc, target, req, tg->list, res_aws_cancel(ctx), ec_tag_item, &sink, e);
    cJSON_Delete(req);
    return rc;
}

/* ---- read, preview, IDs ---------------------------------------------------------- */

int engine_read(const eng_table *t, eng_fetch_fn fetch, bool ref_outputs, res_ctx *ctx,
                const char *id, const pv *props, const pv *inputs, char **new_id, pv **outputs,
                pv **new_inputs, err *e)
{
    bool import = ec_empty(props) && ec_empty(inputs);
    const pv *first = ref_outputs ? props : inputs, *second = ref_outputs ? inputs : props;
    const pv *ref = !ec_empty(first) ? first : !ec_empty(second) ? second : NULL;
    const pv *old = ref_outputs || !ec_empty(inputs) ? inputs : props;
    pv *empty = NULL, *out = NULL;
    *new_id = NULL;
    if (!ref && !(ref = empty = pv_object()))
        return res_oom(e);
    int rc = fetch(ctx, id, ref, import, &out, e);
    pv_free(empty);
    if (rc != 0) {
        pv_free(out);
        if (e->code != ERR_NOT_FOUND)
            return -1;
        err_clear(e);
        return 0; /* gone: the engine drops it from state */
    }
    pv *in = engine_read_inputs(t, out, import ? NULL : old);
    char *nid = str_dup(id);
    if (!in || !nid) {
        pv_free(out);
        pv_free(in);
        free(nid);
        return res_oom(e);
    }
    *outputs = out;
    *new_inputs = in;
    *new_id = nid;
    pending_forget(ctx, id); /* the engine has it now (import, refresh) */
    return 0;
}

int engine_refetch(eng_fetch_fn fetch, res_ctx *ctx, const char *id, const pv *ref, pv **outputs,
                   err *e)
{
    err saved = *e, ignored = {0};
    if (fetch(ctx, id, ref, false, outputs, &ignored) != 0)
        *outputs = NULL;
    *e = saved;
    return -1;
}

pv *engine_preview_outputs(const eng_table *t, const pv *news, const pv *olds)
{
    pv *o = pv_copy(news);
    for (size_t i = 0; o && i < t->n; i++) {
        const eng_prop *p = &t->props[i];
        if (!(p->flags & EP_OUTPUT) || (p->flags & EP_TAGS_ALL))
            continue;
        const pv *v = olds ? pv_object_get(olds, p->name) : NULL;
        if (pv_object_set(o, p->name, v ? pv_copy(v) : pv_unknown(PV_UNK_ANY)) != 0) {
            pv_free(o);
            o = NULL;
        }
    }
    return o;
}

int engine_id_split(const char *id, char sep, char *a, size_t alen, char *b, size_t blen)
{
    const char *s = id ? strchr(id, sep) : NULL;
    if (!s || s == id || !s[1])
        return -1;
    size_t n = (size_t)(s - id);
    if (n >= alen || str_copy(b, blen, s + 1) >= blen)
        return -2;
    memcpy(a, id, n);
    a[n] = '\0';
    return 0;
}
