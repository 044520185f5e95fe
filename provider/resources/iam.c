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
    size_t n = 0;
    for (size_t i = 0; tags && i < tags->u.obj.len; i++) {
        const pv *v = pv_plain(tags->u.obj.vals[i]);
        if (v->kind != PV_STRING || tags_ignored(ctx, tags->u.obj.keys[i]))
            continue;
        if (query_add_tag(q, "Tags", ++n, tags->u.obj.keys[i], v->u.str.s) != 0)
            return -1;
    }
    return 0;
}

int iam_update_tags(res_ctx *ctx, const char *tag_action, const char *untag_action,
                    const char *key_param, const char *key_value, const pv *want, const pv *have,
                    err *e)
{
    query tq = {0}, uq = {0};
    strv sk = {0}, sv = {0}, rk = {0};
    int rc = -1;
    if (tags_delta(ctx, want, have, &sk, &sv, &rk, e) != 0)
        goto out;
    if (query_init(&tq, tag_action, IAM_API_VERSION) != 0 ||
        query_add(&tq, key_param, key_value) != 0 ||
        query_init(&uq, untag_action, IAM_API_VERSION) != 0 ||
        query_add(&uq, key_param, key_value) != 0)
        goto nomem;
    for (size_t i = 0; i < sk.n; i++)
        if (query_add_tag(&tq, "Tags", i + 1, sk.v[i], sv.v[i]) != 0)
            goto nomem;
    for (size_t i = 0; i < rk.n; i++)
        if (query_add_member(&uq, "TagKeys", i + 1, rk.v[i]) != 0)
            goto nomem;
    if (rk.n && iam_send(ctx, untag_action, &uq, true, NULL, NULL, e) != 0)
        goto out;
    if (sk.n && iam_send(ctx, tag_action, &tq, true, NULL, NULL, e) != 0)
        goto out;
    rc = 0;
    goto out;
nomem:
    res_oom(e);
out:
    strv_free(&sk);
    strv_free(&sv);
    strv_free(&rk);
    query_free(&tq);
    query_free(&uq);
    return rc;
}
