/* iam: the IAM calls every IAM resource makes. */
#include "resources/iam.h"

#include <stdarg.h>
#include <string.h>

#include "aws/pages.h"
#include "aws/query.h"
#include "resources/common.h"

int iam_call_oc(res_ctx *ctx, const char *action, bool idempotent, aws_outcome *oc, xml_node **out,
                err *e, ...)
{
    query q = {0};
    int rc = -1;
    va_list ap;
    va_start(ap, e);
    if (out)
        *out = NULL;
    if (query_init(&q, action, IAM_API_VERSION) != 0) {
        res_oom(e);
        goto out;
    }
    for (;;) {
        const char *k = va_arg(ap, const char *);
        if (!k)
            break;
        const char *v = va_arg(ap, const char *);
        if (v && query_add(&q, k, v) != 0) {
            res_oom(e);
            goto out;
        }
    }
    rc = iam_send(ctx, action, &q, idempotent, oc, out, e);
out:
    va_end(ap);
    query_free(&q);
    return rc;
}

int iam_send(res_ctx *ctx, const char *action, query *q, bool idempotent, aws_outcome *oc,
             xml_node **out, err *e)
{
    xml_node *root = NULL;
    aws_client *c = res_client(ctx, e);
    if (out)
        *out = NULL;
    if (!c)
        return -1;
    int rc =
        aws_query_ex(c, ENDPOINTS_IAM, action, q, idempotent, res_aws_cancel(ctx), oc, &root, e);
    if (rc == 0 && out)
        *out = root;
    else
        xml_free(root);
    return rc;
}

typedef struct iam_list_into {
    const char *f1, *f2;
    strv *a, *b;
} iam_list_into;

static int iam_list_item(void *arg, const xml_node *m, err *e)
{
    iam_list_into *in = arg;
    const char *v1 = in->f1 ? xml_path_text(m, in->f1) : m->text;
    if (strv_push(in->a, v1) != 0 || (in->f2 && strv_push(in->b, xml_path_text(m, in->f2)) != 0))
        return res_oom(e);
    return 0;
}

int iam_list(res_ctx *ctx, const char *action, const char *role, const char *list, const char *f1,
             const char *f2, strv *a, strv *b, err *e)
{
    aws_client *c = res_client(ctx, e);
    const char *const params[] = {"RoleName", role, NULL};
    iam_list_into in = {f1, f2, a, b};
    if (!c)
        return -1;
    return pages_query(c, ENDPOINTS_IAM, action, IAM_API_VERSION, params, list, res_aws_cancel(ctx),
                       iam_list_item, &in, e);
}

int iam_each(res_ctx *ctx, const char *list_action, const char *role, const char *list,
             const char *f1, const char *call, const char *param,
             bool (*keep)(const void *arg, const char *item), const void *arg, err *e)
{
    strv l = {0};
    int rc = iam_list(ctx, list_action, role, list, f1, NULL, &l, NULL, e);
    for (size_t i = 0; rc == 0 && i < l.n; i++) {
        if ((keep && !keep(arg, l.v[i])) ||
            iam_call(ctx, call, true, NULL, e, "RoleName", role, param, l.v[i], NULL) == 0)
            continue;
        if (e->code == ERR_NOT_FOUND)
            err_clear(e);
        else
            rc = -1;
    }
    strv_free(&l);
    return rc;
}

int iam_list_tags(res_ctx *ctx, const char *action, const char *role, pv *out, err *e)
{
    strv k = {0}, v = {0};
    int rc = iam_list(ctx, action, role, "Tags", "Key", "Value", &k, &v, e);
    for (size_t i = 0; rc == 0 && i < k.n && i < v.n; i++)
        if (prop_set_str(out, k.v[i], v.v[i]) != 0)
            rc = res_oom(e);
    strv_free(&k);
    strv_free(&v);
    return rc;
}

static int iam_api_send(res_ctx *ctx, void *arg, const char *action, void *req, err *e)
{
    (void)arg;
    return iam_send(ctx, action, req, true, NULL, NULL, e);
}

const eng_api iam_api = {.version = IAM_API_VERSION, .send = iam_api_send};

bool iam_path_ok(const char *p)
{
    size_t n = strlen(p);
    bool ok = n > 0 && p[0] == '/' && p[n - 1] == '/';
    for (size_t i = 0; ok && i < n; i++)
        ok = p[i] >= 0x21 && p[i] <= 0x7e;
    return ok;
}

const pv *iam_tags_to_send(const pv *obj)
{
    const pv *t = prop_get(obj, "tagsAll");
    if (t && t->kind == PV_OBJECT)
        return t;
    t = prop_get(obj, "tags");
    return (t && t->kind == PV_OBJECT) ? t : NULL;
}

int iam_add_tags(const res_ctx *ctx, query *q, const pv *tags)
{
    static const eng_tagging tg = {.list = "Tags"};
    err e = {0};
    return engine_tags_request(ctx, &iam_api, &tg, tags, q, &e);
}

int iam_update_tags(res_ctx *ctx, const char *tag_action, const char *untag_action,
                    const char *key_param, const char *key_value, const pv *want, const pv *have,
                    err *e)
{
    const eng_tagging tg = {.tag = tag_action,
                            .untag = untag_action,
                            .id_field = key_param,
                            .list = "Tags",
                            .keys = "TagKeys"};
    return engine_write_tags(ctx, &iam_api, NULL, &tg, key_value, want, have, e);
}
