/* engine: generic Check, Diff, read-back and schema from a type's table. */
#include "resources/engine.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/query.h"
#include "aws/xml.h"
#include "resources/common.h"
#include "resources/policy.h"
#include "util/buf.h"
#include "util/mem.h"
#include "util/str.h"

#define ENG_ARN_MAX 2048
#define ENG_PATH_MAX 600

const eng_prop *engine_prop(const eng_table *t, const char *name)
{
    for (size_t i = 0; t && i < t->n; i++)
        if (strcmp(t->props[i].name, name) == 0)
            return &t->props[i];
    return NULL;
}

static bool eng_nullish(const pv *v)
{
    return !v || pv_plain(v)->kind == PV_NULL;
}

static int eng_oom(err *e)
{
    return err_set(e, ERR_RESOURCE_EXHAUSTED, "out of memory checking inputs");
}

/* ---- Check ------------------------------------------------------------------ */

/* Characters, not bytes: AWS limits count Unicode code points. */
static long eng_chars(const char *s)
{
    long n = 0;
    for (; *s; s++)
        if (((unsigned char)*s & 0xC0) != 0x80)
            n++;
    return n;
}

/* arn:<partition>:<service>:<region>:<account>:<resource>, at most 2048
 * characters, partition and resource non-empty, service as asked. */
bool engine_arn_ok(const char *s, const char *service)
{
    if (!str_has_prefix(s, "arn:") || strlen(s) > ENG_ARN_MAX || s[4] == ':' || !s[4])
        return false;
    const char *f[6] = {s};
    for (int i = 1; i < 6; i++) {
        f[i] = strchr(f[i - 1], ':');
        if (!f[i])
            return false;
        f[i]++;
    }
    if (!*f[5])
        return false;
    if (!service)
        return true;
    size_t n = strlen(service);
    return strncmp(f[2], service, n) == 0 && f[2][n] == ':';
}

static const char *eng_type_word(enum eng_type t)
{
    switch (t) {
    case ET_STRING:
        return "a string";
    case ET_INT:
        return "a whole number";
    case ET_NUMBER:
        return "a number";
    case ET_BOOL:
        return "a boolean";
    case ET_LIST:
        return "a list";
    case ET_MAP:
        return "a map";
    case ET_OBJECT:
        return "an object";
    case ET_ASSET:
        return "an asset or archive";
    }
    return "a value";
}

static bool eng_kind_ok(enum eng_type t, const pv *v)
{
    switch (t) {
    case ET_STRING:
        return v->kind == PV_STRING;
    case ET_INT:
        return v->kind == PV_NUMBER && v->u.n == (double)(long long)v->u.n;
    case ET_NUMBER:
        return v->kind == PV_NUMBER;
    case ET_BOOL:
        return v->kind == PV_BOOL;
    case ET_LIST:
        return v->kind == PV_ARRAY;
    case ET_MAP:
    case ET_OBJECT:
        return v->kind == PV_OBJECT;
    case ET_ASSET:
        return v->kind == PV_ASSET || v->kind == PV_ARCHIVE;
    }
    return false;
}

/* A JSON document given as an object or list: serialised in place; one that
 * holds unknowns becomes unknown (preview). */
static int eng_serialise(pv **slot)
{
    const pv *v = pv_plain(*slot);
    if (v->kind != PV_OBJECT && v->kind != PV_ARRAY)
        return 0;
    pv *nv;
    if (pv_contains_unknown(v)) {
        nv = pv_unknown(PV_UNK_ANY);
    } else {
        cJSON *j = pv_to_cjson(v);
        char *s = j ? cJSON_PrintUnformatted(j) : NULL;
        cJSON_Delete(j);
        nv = s ? pv_string(s) : NULL;
        cJSON_free(s);
    }
    if (!nv)
        return -1;
    pv_free(*slot);
    *slot = nv;
    return 0;
}

/* A resource reference where a string belongs: its ID (unknown while the
 * referenced resource is being created). */
static int eng_resource_id(pv **slot)
{
    const pv *v = pv_plain(*slot);
    if (v->kind != PV_RESOURCE)
        return 0;
    const pv *id = pv_object_get(v, "id");
    pv *nv = (id && id->kind == PV_STRING && id->u.str.len) ? pv_string(id->u.str.s)
                                                            : pv_unknown(PV_UNK_ANY);
    if (!nv)
        return -1;
    pv_free(*slot);
    *slot = nv;
    return 0;
}

static int eng_check_value(const eng_prop *p, enum eng_type t, const char *path, pv **slot,
                           check_failures *f);

/* The rules of a known string (EV_* of the row). */
static int eng_check_string(const eng_prop *p, const char *path, const pv *v, check_failures *f)
{
    const char *s = v->u.str.s;
    char why[160];
    switch (p->valid) {
    case EV_STRING: {
        long n = eng_chars(s);
        if (n < p->min || n > p->max) {
            if (p->min == p->max)
                return check_failure_add(f, path, "'%s' must be %ld characters long (it has %ld)",
                                         path, p->min, n);
            return check_failure_add(f, path,
                                     "'%s' must be %ld to %ld characters long (it has %ld)", path,
                                     p->min, p->max, n);
        }
        for (const char *c = s; p->charset && *c; c++)
            if (!p->charset((unsigned char)*c))
                return check_failure_add(f, path, "'%s' may only contain %s; '%c' is not allowed",
                                         path, p->rule, *c);
        break;
    }
    case EV_ENUM: {
        for (size_t i = 0; p->values && p->values[i]; i++)
            if (strcmp(p->values[i], s) == 0)
                return 0;
        buf b;
        buf_init(&b, 1024);
        for (size_t i = 0; p->values && p->values[i]; i++)
            if (buf_printf(&b, "%s%s", i ? ", " : "", p->values[i]) != 0)
                mem_note_failure(); /* the message would be cut: the call fails instead */
        int rc = check_failure_add(f, path, "'%s' must be one of %s, got '%.100s'", path,
                                   b.data ? b.data : "", s);
        buf_free(&b);
        return rc;
    }
    case EV_ARN:
        if (!engine_arn_ok(s, p->service))
            return check_failure_add(f, path,
                                     "'%s' must be an ARN (arn:<partition>:%s:<region>:<account>:"
                                     "<resource>, at most 2048 characters), got '%.200s'",
                                     path, p->service ? p->service : "<service>", s);
        break;
    case EV_POLICY:
        if (policy_check(s, why, sizeof(why)) != 0)
            return check_failure_add(f, path, "'%s' %s", path, why);
        break;
    case EV_JSON: {
        size_t n = v->u.str.len;
        if (n == 0 || (p->max && n > (size_t)p->max))
            return check_failure_add(f, path, "'%s' must be 1 to %ld bytes of JSON, got %zu", path,
                                     p->max, n);
        cJSON *j = cJSON_ParseWithLength(s, n);
        bool ok = j != NULL;
        cJSON_Delete(j);
        if (!ok)
            return check_failure_add(f, path, "'%s' must be valid JSON", path);
        break;
    }
    default:
        break;
    }
    if (p->pred && !p->pred(s))
        return check_failure_add(f, path, "'%s' %s", path,
                                 p->pred_rule ? p->pred_rule : "is not valid");
    return 0;
}

/* The rows of a nested object, under path. */
static int eng_check_object(const eng_object *o, const char *path, pv *obj, check_failures *f)
{
    char sub[ENG_PATH_MAX];
    for (size_t i = 0; i < o->n; i++) {
        const eng_prop *p = &o->props[i];
        snprintf(sub, sizeof(sub), "%s.%s", path, p->name);
        pv **slot = NULL;
        for (size_t k = 0; k < obj->u.obj.len; k++)
            if (strcmp(obj->u.obj.keys[k], p->name) == 0)
                slot = &obj->u.obj.vals[k];
        if (!slot || eng_nullish(*slot)) {
            if ((p->flags & EP_REQUIRED) && check_failure_add(f, sub, "'%s' is required (%s)", sub,
                                                              eng_type_word(p->type)) != 0)
                return -1;
            continue;
        }
        if (eng_check_value(p, p->type, sub, slot, f) != 0)
            return -1;
    }
    return 0;
}

/* One value of type t (a row, or an element of a list or map row). */
static int eng_check_value(const eng_prop *p, enum eng_type t, const char *path, pv **slot,
                           check_failures *f)
{
    if ((t == ET_STRING && ((p->flags & EP_RESOURCE_ID) && eng_resource_id(slot) != 0)) ||
        (t == ET_STRING && (p->valid == EV_POLICY || p->valid == EV_JSON) &&
         eng_serialise(slot) != 0))
        return -1;
    pv *v = *slot;
    if (v->kind == PV_SECRET)
        v = v->u.inner;
    if (v->kind == PV_UNKNOWN || v->kind == PV_NULL)
        return 0;
    if (!eng_kind_ok(t, v))
        return check_failure_add(f, path, "'%s' must be %s%s", path, eng_type_word(t),
                                 t == ET_MAP ? " of strings" : "");
    char sub[ENG_PATH_MAX];
    switch (t) {
    case ET_STRING:
        return eng_check_string(p, path, v, f);
    case ET_INT:
    case ET_NUMBER:
        if (p->valid == EV_INT && (v->u.n < (double)p->min || v->u.n > (double)p->max))
            return check_failure_add(f, path, "'%s' must be a whole number from %ld to %ld", path,
                                     p->min, p->max);
        return 0;
    case ET_LIST:
        for (size_t i = 0; i < v->u.arr.len; i++) {
            snprintf(sub, sizeof(sub), "%s[%zu]", path, i);
            if (eng_check_value(p, p->object ? ET_OBJECT : p->item, sub, &v->u.arr.items[i], f) !=
                0)
                return -1;
        }
        return 0;
    case ET_MAP:
        for (size_t i = 0; i < v->u.obj.len; i++) {
            if (engine_map_path(sub, sizeof(sub), path, v->u.obj.keys[i]) != 0)
                snprintf(sub, sizeof(sub), "%s", path);
            if (eng_check_value(p, p->item, sub, &v->u.obj.vals[i], f) != 0)
                return -1;
        }
        return 0;
    case ET_OBJECT:
        return p->object ? eng_check_object(p->object, path, v, f) : 0;
    default:
        return 0;
    }
}

/* Tags: AWS's limits (keys 1-128 characters, values at most 256), reported
 * on the tag's own path (tags.env), as type errors are. */
static int eng_check_tags(const char *name, const pv *in, check_failures *f)
{
    const pv *t = pv_object_get(in, name);
    t = t ? pv_plain(t) : NULL;
    char path[ENG_PATH_MAX];
    for (size_t i = 0; t && t->kind == PV_OBJECT && i < t->u.obj.len; i++) {
        const char *k = t->u.obj.keys[i];
        const pv *v = pv_plain(t->u.obj.vals[i]);
        long kn = eng_chars(k);
        if (engine_map_path(path, sizeof(path), name, k) != 0)
            snprintf(path, sizeof(path), "%s", name);
        if ((kn < 1 || kn > 128) &&
            check_failure_add(f, path, "%s: a tag key has 1 to 128 characters (%.40s)", name, k) !=
                0)
            return -1;
        if (v->kind == PV_STRING && eng_chars(v->u.str.s) > 256 &&
            check_failure_add(f, path, "%s: a tag value has at most 256 characters", path) != 0)
            return -1;
    }
    return 0;
}

/* A row's default (JSON text) as a value: the scalars the tables use are read
 * directly, anything else through cJSON. NULL when memory ran out. */
static pv *eng_default_value(const char *def)
{
    size_t n = strlen(def);
    if (n >= 2 && def[0] == '"' && def[n - 1] == '"' && !memchr(def + 1, '\\', n - 2))
        return pv_stringn(def + 1, n - 2);
    if (strcmp(def, "true") == 0 || strcmp(def, "false") == 0)
        return pv_bool(def[0] == 't');
    char *end = NULL;
    double d = strtod(def, &end);
    if (end && end != def && !*end)
        return pv_number(d);
    cJSON *j = cJSON_Parse(def);
    pv *v = j ? pv_from_cjson(j) : NULL;
    cJSON_Delete(j);
    return v;
}

pv *engine_default_value(const char *def)
{
    return eng_default_value(def);
}

static int eng_default(const eng_prop *p, pv *in, err *e)
{
    pv *v = eng_default_value(p->def);
    if (!v || pv_object_set(in, p->name, v) != 0)
        return eng_oom(e);
    return 0;
}

/* The physical name when none is given: unknown while the prefix is, else
 * autoname() (old name, pending record, pulumi:autonaming, seed). */
static int eng_autoname(const eng_table *t, const eng_prop *p, res_ctx *ctx, const pv *olds, pv *in,
                        check_failures *f, err *e)
{
    const eng_prop *pp = p->prefix_of ? engine_prop(t, p->prefix_of) : NULL;
    const pv *pre = pp ? pv_object_get(in, pp->name) : NULL;
    if (pre && pv_plain(pre)->kind == PV_UNKNOWN)
        return pv_object_set(in, p->name, pv_unknown(PV_UNK_ANY)) == 0 ? 0 : eng_oom(e);
    const char *prefix = pre ? prop_str(in, pp->name) : NULL;
    if (pre && !eng_nullish(pre)) {
        size_t before = f->len;
        for (size_t i = 0; i < before; i++)
            if (strcmp(f->props[i], pp->name) == 0)
                return 0; /* a bad prefix is already reported */
        if (!prefix)
            return 0;
    }
    char *name = NULL;
    if (autoname(ctx, olds, p->name, prefix, (size_t)p->max, &name, e) != 0)
        return e->code ? -1 : eng_oom(e);
    int rc = prop_set_str(in, p->name, name) == 0 ? 0 : eng_oom(e);
    free(name);
    return rc;
}

static int eng_tags_all(const res_ctx *ctx, const eng_prop *tp, const eng_prop *ap, pv *in, err *e)
{
    const pv *tags = pv_object_get(in, tp->name);
    tags = tags ? pv_plain(tags) : NULL;
    pv *all = NULL;
    if (tags && tags->kind == PV_UNKNOWN)
        all = pv_unknown(PV_UNK_ANY);
    else if (tags_all(ctx, tags && tags->kind == PV_OBJECT ? tags : NULL, &all, e) != 0)
        return -1;
    if (!all || pv_object_set(in, ap->name, all) != 0)
        return eng_oom(e);
    return 0;
}

static int eng_check_table(const resource_type *rt, res_ctx *ctx, const pv *olds, pv *in,
                           check_failures *f, err *e)
{
    const eng_table *t = rt->table;
    const eng_prop *tags = NULL, *all = NULL;
    /* Values first (resource IDs, serialised documents, types, rules)... */
    for (size_t i = 0; i < t->n; i++) {
        const eng_prop *p = &t->props[i];
        if (p->flags & EP_TAGS)
            tags = p;
        if (p->flags & EP_TAGS_ALL)
            all = p;
        if (p->flags & EP_OUTPUT)
            continue;
        pv **slot = NULL;
        for (size_t k = 0; k < in->u.obj.len; k++)
            if (strcmp(in->u.obj.keys[k], p->name) == 0)
                slot = &in->u.obj.vals[k];
        if (slot && !eng_nullish(*slot) && eng_check_value(p, p->type, p->name, slot, f) != 0)
            goto oom;
    }
    if (tags && eng_check_tags(tags->name, in, f) != 0)
        goto oom;
    /* A name and a name prefix exclude each other. */
    for (size_t i = 0; i < t->n; i++) {
        const eng_prop *p = &t->props[i];
        if ((p->flags & EP_NAME) && p->prefix_of && !eng_nullish(pv_object_get(in, p->name)) &&
            !eng_nullish(pv_object_get(in, p->prefix_of)) &&
            check_failure_add(f, p->name, "%s conflicts with %s: set only one of them", p->name,
                              p->prefix_of) != 0)
            goto oom;
    }
    /* ...then what absence means: a default, a generated name, or a failure. */
    for (size_t i = 0; i < t->n; i++) {
        const eng_prop *p = &t->props[i];
        if ((p->flags & EP_OUTPUT) || !eng_nullish(pv_object_get(in, p->name)))
            continue;
        if (p->def) {
            if (eng_default(p, in, e) != 0)
                return -1;
        } else if (p->flags & EP_NAME) {
            if (eng_autoname(t, p, ctx, olds, in, f, e) != 0)
                return -1;
        } else if (p->flags & EP_REGION) {
            err none = {0};
            aws_client *c = res_client(ctx, &none); /* unconfigured: left to Create */
            if (c && prop_set_str(in, p->name, aws_client_region(c)) != 0)
                goto oom;
        } else if ((p->flags & EP_REQUIRED) &&
                   check_failure_add(f, p->name, "'%s' is required", p->name) != 0) {
            goto oom;
        }
    }
    if (tags && all && eng_tags_all(ctx, tags, all, in, e) != 0)
        return -1;
    return 0;
oom:
    return eng_oom(e);
}

int engine_check(const resource_type *rt, res_ctx *ctx, const pv *olds, const pv *news, pv **inputs,
                 check_failures *f, err *e)
{
    if (!rt->table) {
        if (rt->check)
            return rt->check(ctx, olds, news, inputs, f, e);
        *inputs = pv_copy(news);
        return *inputs ? 0 : eng_oom(e);
    }
    pv *in = news ? pv_copy(news) : pv_object();
    if (!in)
        return eng_oom(e);
    if (eng_check_table(rt, ctx, olds, in, f, e) != 0 ||
        (rt->check_hook && rt->check_hook(ctx, olds, in, f, e) != 0)) {
        pv_free(in);
        return -1;
    }
    *inputs = in;
    return 0;
}

/* ---- Diff ------------------------------------------------------------------- */

int engine_map_path(char *out, size_t outlen, const char *prop, const char *key)
{
    bool plain = *key != '\0';
    for (const char *p = key; *p; p++)
        if (!isalnum((unsigned char)*p) && *p != '_' && *p != '-')
            plain = false;
    int n;
    if (plain) {
        n = snprintf(out, outlen, "%s.%s", prop, key);
    } else {
        char esc[ENG_PATH_MAX];
        size_t j = 0;
        for (const char *p = key; *p && j + 2 < sizeof(esc); p++) {
            if (*p == '"' || *p == '\\')
                esc[j++] = '\\';
            esc[j++] = *p;
        }
        esc[j] = '\0';
        n = snprintf(out, outlen, "%s[\"%s\"]", prop, esc);
    }
    return n < 0 || (size_t)n >= outlen ? -1 : 0;
}

bool engine_json_text_equal(const char *a, const char *b)
{
    if (!a || !b)
        return false;
    if (strcmp(a, b) == 0)
        return true;
    cJSON *ja = cJSON_Parse(a), *jb = cJSON_Parse(b);
    bool eq = ja && jb && cJSON_Compare(ja, jb, true);
    cJSON_Delete(ja);
    cJSON_Delete(jb);
    return eq;
}

static bool eng_json_equal(const pv *a, const pv *b)
{
    if (a->kind != PV_STRING || b->kind != PV_STRING)
        return pv_equal(a, b);
    return engine_json_text_equal(a->u.str.s, b->u.str.s);
}

static bool eng_in_list(const pv *l, const pv *x)
{
    for (size_t i = 0; i < l->u.arr.len; i++)
        if (pv_equal(pv_plain(l->u.arr.items[i]), x))
            return true;
    return false;
}

static bool eng_set_equal(const pv *a, const pv *b)
{
    if (a->kind != PV_ARRAY || b->kind != PV_ARRAY)
        return pv_equal(a, b);
    for (size_t i = 0; i < a->u.arr.len; i++)
        if (!eng_in_list(b, pv_plain(a->u.arr.items[i])))
            return false;
    for (size_t i = 0; i < b->u.arr.len; i++)
        if (!eng_in_list(a, pv_plain(b->u.arr.items[i])))
            return false;
    return true;
}

static bool eng_same(enum eng_diff how, const pv *n, const pv *o)
{
    switch (how) {
    case ED_POLICY:
        return n->kind == PV_STRING && o->kind == PV_STRING ? policy_same(n->u.str.s, o->u.str.s)
                                                            : pv_equal(n, o);
    case ED_JSON:
        return eng_json_equal(n, o);
    case ED_SET:
        return eng_set_equal(n, o);
    default:
        return pv_equal(n, o);
    }
}

bool engine_same(enum eng_diff how, const pv *a, const pv *b)
{
    return eng_same(how, a, b);
}

static int eng_diff_map(diff_result *out, const char *prop, const pv *nv, const pv *ov)
{
    if (nv && pv_plain(nv)->kind == PV_UNKNOWN)
        return diff_add(out, prop, DIFF_UPDATE, true);
    const pv *n = eng_nullish(nv) ? NULL : pv_plain(nv);
    const pv *o = eng_nullish(ov) ? NULL : pv_plain(ov);
    if ((n && n->kind != PV_OBJECT) || (o && o->kind != PV_OBJECT)) {
        if (n && o && pv_equal(n, o))
            return 0;
        return diff_add(out, prop, DIFF_UPDATE, true);
    }
    char path[ENG_PATH_MAX];
    for (size_t i = 0; n && i < n->u.obj.len; i++) {
        const char *k = n->u.obj.keys[i];
        const pv *a = pv_plain(n->u.obj.vals[i]);
        const pv *b = o ? pv_object_get(o, k) : NULL;
        b = b ? pv_plain(b) : NULL;
        if (b && a->kind != PV_UNKNOWN && pv_equal(a, b))
            continue;
        if (engine_map_path(path, sizeof(path), prop, k) != 0)
            snprintf(path, sizeof(path), "%s", prop);
        if (diff_add(out, path, b ? DIFF_UPDATE : DIFF_ADD, true) != 0)
            return -1;
    }
    for (size_t i = 0; o && i < o->u.obj.len; i++) {
        const char *k = o->u.obj.keys[i];
        if (n && pv_object_get(n, k))
            continue;
        if (engine_map_path(path, sizeof(path), prop, k) != 0)
            snprintf(path, sizeof(path), "%s", prop);
        if (diff_add(out, path, DIFF_DELETE, true) != 0)
            return -1;
    }
    return 0;
}

static bool eng_ignored(const char *key, char *const *ignore, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(ignore[i], key) == 0)
            return true;
    return false;
}

/* Absent for Diff: missing, null, or "" where the table says so. */
static bool eng_absent(const eng_table *t, const pv *v)
{
    if (eng_nullish(v))
        return true;
    v = pv_plain(v);
    return t && t->empty_is_absent && v->kind == PV_STRING && v->u.str.len == 0;
}

/* ---- keyed sets of objects (ED_KEYED) ---- */

/* Row r of two elements is the same (absent on both sides too). */
static bool eng_row_same(const eng_prop *r, const pv *a, const pv *b)
{
    const pv *x = pv_object_get(a, r->name), *y = pv_object_get(b, r->name);
    if (eng_nullish(x) || eng_nullish(y))
        return eng_nullish(x) && eng_nullish(y);
    return eng_same(r->diff, pv_plain(x), pv_plain(y));
}

/* An element of the set: an object holding at least one row. */
static bool eng_member(const eng_object *o, const pv *el)
{
    for (size_t i = 0; el->kind == PV_OBJECT && i < o->n; i++)
        if (!eng_nullish(pv_object_get(el, o->props[i].name)))
            return true;
    return false;
}

static size_t eng_keyed_count(const eng_object *o, const pv *l)
{
    size_t n = 0;
    for (size_t i = 0; l->kind == PV_ARRAY && i < l->u.arr.len; i++)
        n += eng_member(o, pv_plain(l->u.arr.items[i]));
    return n;
}

/* Every element of a has an element of b with its key and the same rows. */
static bool eng_keyed_subset(const eng_object *o, const pv *a, const pv *b)
{
    for (size_t i = 0; a->kind == PV_ARRAY && i < a->u.arr.len; i++) {
        const pv *el = pv_plain(a->u.arr.items[i]), *other = NULL;
        if (!eng_member(o, el))
            continue;
        const char *k = prop_str(el, o->key);
        for (size_t j = 0; k && !other && b->kind == PV_ARRAY && j < b->u.arr.len; j++) {
            const pv *c = pv_plain(b->u.arr.items[j]);
            other = c->kind == PV_OBJECT && str_eq(prop_str(c, o->key), k) ? c : NULL;
        }
        for (size_t r = 0; other && r < o->n; r++)
            if (!eng_row_same(&o->props[r], el, other))
                other = NULL;
        if (!other)
            return false;
    }
    return true;
}

/* nv and ov present and known. */
static int eng_diff_keyed(const eng_prop *p, bool replace, const char *key, const pv *nv,
                          const pv *ov, diff_result *out)
{
    const eng_object *o = p->object;
    if (eng_keyed_count(o, nv) == eng_keyed_count(o, ov) && eng_keyed_subset(o, nv, ov) &&
        eng_keyed_subset(o, ov, nv))
        return 0;
    bool same_keys = nv->kind == PV_ARRAY && ov->kind == PV_ARRAY && nv->u.arr.len == ov->u.arr.len;
    for (size_t i = 0; same_keys && i < nv->u.arr.len; i++) {
        const pv *a = pv_plain(nv->u.arr.items[i]), *b = pv_plain(ov->u.arr.items[i]);
        same_keys = a->kind == PV_OBJECT && b->kind == PV_OBJECT && prop_str(a, o->key) &&
                    str_eq(prop_str(a, o->key), prop_str(b, o->key));
    }
    if (!same_keys)
        return diff_add(out, key, diff_kind_of(false, false, replace), true);
    for (size_t i = 0; i < nv->u.arr.len; i++)
        for (size_t r = 0; r < o->n; r++) {
            const pv *a = pv_plain(nv->u.arr.items[i]), *b = pv_plain(ov->u.arr.items[i]);
            char path[ENG_PATH_MAX];
            if (eng_row_same(&o->props[r], a, b))
                continue;
            snprintf(path, sizeof(path), "%s[%zu].%s", key, i, o->props[r].name);
            if (diff_add(out, path, diff_kind_of(false, false, replace), true) != 0)
                return -1;
        }
    return 0;
}

/* One top-level key: rows by their diff rule, keys outside the table plainly. */
static int eng_diff_key(const eng_table *t, const eng_prop *p, bool replace, const char *key,
                        const pv *news, const pv *base, diff_result *out)
{
    const pv *nv = pv_object_get(news, key), *ov = pv_object_get(base, key);
    enum eng_diff how = p ? p->diff : ED_PLAIN;
    if (how == ED_HOOK || how == ED_NEVER)
        return 0;
    if (p && (p->flags & EP_UNMANAGED_ABSENT) && eng_nullish(nv))
        return 0;
    if (how == ED_MAP)
        return eng_diff_map(out, key, nv, ov);
    if (how == ED_KEYED && p->object && p->object->key && !eng_absent(t, nv) &&
        !eng_absent(t, ov) && !pv_contains_unknown(nv))
        return eng_diff_keyed(p, replace, key, pv_plain(nv), pv_plain(ov), out);
    bool changed;
    if (nv && pv_contains_unknown(nv))
        changed = true;
    else if (eng_absent(t, nv) && eng_absent(t, ov))
        changed = false;
    else
        changed =
            eng_absent(t, ov) || eng_absent(t, nv) || !eng_same(how, pv_plain(nv), pv_plain(ov));
    if (!changed)
        return 0;
    return diff_add(out, key, diff_kind_of(eng_absent(t, ov), eng_absent(t, nv), replace), true);
}

static bool eng_listed(const char *key, const char *const *list)
{
    for (size_t i = 0; list && list[i]; i++)
        if (strcmp(list[i], key) == 0)
            return true;
    return false;
}

/* Every key of news and base once: by its row when t has one, else plainly
 * (replacing when rt's replace_props lists it). */
static int eng_diff_keys(const resource_type *rt, const pv *news, const pv *base, bool base_outputs,
                         char *const *ignore, size_t nignore, diff_result *out, err *e)
{
    const eng_table *t = rt->table;
    const pv *sides[2] = {news, base};
    for (int side = 0; side < 2; side++) {
        const pv *obj = sides[side];
        for (size_t i = 0; obj && i < obj->u.obj.len; i++) {
            const char *key = obj->u.obj.keys[i];
            if (side == 1 && pv_object_get(news, key))
                continue; /* compared from the news side */
            const eng_prop *p = engine_prop(t, key);
            /* Outputs are not inputs: an old output missing from news is no
             * change (tagsAll is set by Check, so it is compared), nor is a
             * key of the old outputs the table does not know ("id"). */
            if (eng_ignored(key, ignore, nignore) ||
                (p && (p->flags & EP_OUTPUT) && !(p->flags & EP_TAGS_ALL)) ||
                (t && !p && side == 1 && base_outputs))
                continue;
            bool replace = p ? (p->flags & EP_REPLACE) != 0 : eng_listed(key, rt->replace_props);
            if (eng_diff_key(t, p, replace, key, news, base, out) != 0)
                return err_set(e, ERR_RESOURCE_EXHAUSTED, "out of memory computing the diff");
        }
    }
    out->delete_before_replace = rt->delete_before_replace;
    return 0;
}

int diff_generic(const resource_type *rt, const pv *olds, const pv *news, const pv *old_inputs,
                 char *const *ignore, size_t nignore, diff_result *out, err *e)
{
    const pv *base = (old_inputs && old_inputs->u.obj.len) ? old_inputs : olds;
    return eng_diff_keys(rt, news, base, false, ignore, nignore, out, e);
}

int engine_diff(const resource_type *rt, res_ctx *ctx, const char *id, const pv *olds,
                const pv *news, const pv *old_inputs, char *const *ignore, size_t nignore,
                diff_result *out, err *e)
{
    const eng_table *t = rt->table;
    if (!t) {
        if (rt->diff)
            return rt->diff(ctx, id, olds, news, old_inputs, out, e);
        return diff_generic(rt, olds, news, old_inputs, ignore, nignore, out, e);
    }
    bool has_inputs = old_inputs && old_inputs->u.obj.len, has_outputs = olds && olds->u.obj.len;
    const pv *base =
        (t->diff_outputs ? has_outputs || !has_inputs : !has_inputs) ? olds : old_inputs;
    if (eng_diff_keys(rt, news, base, base == olds, ignore, nignore, out, e) != 0)
        return -1;
    if (rt->diff_hook && rt->diff_hook(ctx, news, base, out, e) != 0)
        return -1;
    return 0;
}

/* ---- Read ------------------------------------------------------------------- */

/* One row of engine_read_inputs. */
static int eng_read_row(const eng_prop *p, bool import, const pv *outputs, pv *in)
{
    const pv *actual = pv_object_get(outputs, p->name), *had = pv_object_get(in, p->name);
    if (eng_nullish(actual)) {
        /* Gone from AWS: drift, unless AWS just omits an empty value, or the
         * row is not AWS's to report (namePrefix, forceDetachPolicies). */
        const pv *h = had ? pv_plain(had) : NULL;
        bool empty = h && h->kind == PV_STRING && h->u.str.len == 0;
        if (had && p->aws && !empty && !(p->flags & EP_UNMANAGED_ABSENT))
            return pv_object_remove(in, p->name);
        return 0;
    }
    if (!import && !had && (p->flags & EP_UNMANAGED_ABSENT))
        return 0; /* not managed: stays so */
    if (had && !pv_contains_unknown(had) && eng_same(p->diff, pv_plain(actual), pv_plain(had)))
        return 0; /* the user's text and order where AWS's means the same */
    pv *cp = pv_copy(actual);
    return cp ? pv_object_set(in, p->name, cp) : -1;
}

pv *engine_read_inputs(const eng_table *t, const pv *outputs, const pv *old_inputs)
{
    bool import = !old_inputs || old_inputs->kind != PV_OBJECT || old_inputs->u.obj.len == 0;
    pv *in = import ? pv_object() : pv_copy(old_inputs);
    for (size_t i = 0; in && i < t->n; i++) {
        const eng_prop *p = &t->props[i];
        int rc = 0;
        if (p->flags & EP_TAGS_ALL)
            continue; /* Check's to make from tags (which carry any drift) */
        if (p->flags & EP_OUTPUT)
            rc = pv_object_get(in, p->name) ? pv_object_remove(in, p->name) : 0;
        else
            rc = eng_read_row(p, import, outputs, in);
        if (rc != 0) {
            pv_free(in);
            return NULL;
        }
    }
    return in;
}

/* ---- AWS requests and responses --------------------------------------------- */

/* A known, non-empty scalar of in for a request; NULL for anything else. */
static const pv *eng_sendable(const eng_table *t, const eng_prop *p, const pv *in)
{
    const pv *v = pv_object_get(in, p->name);
    if (eng_nullish(v) || pv_contains_unknown(v))
        return NULL;
    v = pv_plain(v);
    if (v->kind == PV_STRING && v->u.str.len == 0)
        return NULL;
    return v;
}

static bool eng_sent(const eng_prop *p, unsigned op)
{
    return p->aws && (p->send & op) && !(p->flags & (EP_TAGS | EP_TAGS_ALL | EP_OUTPUT));
}

static cJSON *eng_json_value(const eng_table *t, const eng_prop *p, const pv *v);

/* An object row's value as JSON, by its own rows' AWS names. */
static cJSON *eng_json_object(const eng_table *t, const eng_object *o, const pv *v)
{
    cJSON *j = cJSON_CreateObject();
    for (size_t i = 0; j && i < o->n; i++) {
        const eng_prop *p = &o->props[i];
        const pv *sv = p->aws ? eng_sendable(t, p, v) : NULL;
        if (!sv)
            continue;
        cJSON *c = eng_json_value(t, p, sv);
        if (!c || !cJSON_AddItemToObject(j, p->aws, c)) {
            cJSON_Delete(c);
            cJSON_Delete(j);
            return NULL;
        }
    }
    return j;
}

static cJSON *eng_json_value(const eng_table *t, const eng_prop *p, const pv *v)
{
    switch (v->kind) {
    case PV_STRING:
        return cJSON_CreateString(v->u.str.s);
    case PV_NUMBER:
        return cJSON_CreateNumber(v->u.n);
    case PV_BOOL:
        return cJSON_CreateBool(v->u.b);
    case PV_OBJECT:
        return p->object ? eng_json_object(t, p->object, v) : pv_to_cjson(v);
    default:
        return pv_to_cjson(v);
    }
}

int engine_json_request(const eng_table *t, const pv *in, unsigned op, cJSON *req)
{
    for (size_t i = 0; i < t->n; i++) {
        const eng_prop *p = &t->props[i];
        const pv *v = eng_sent(p, op) ? eng_sendable(t, p, in) : NULL;
        if (!v)
            continue;
        cJSON *c = eng_json_value(t, p, v);
        if (!c || !cJSON_AddItemToObject(req, p->aws, c)) {
            cJSON_Delete(c);
            return -1;
        }
    }
    return 0;
}

cJSON *engine_json_of(const eng_table *t, const char *prop, const pv *in)
{
    const eng_prop *p = engine_prop(t, prop);
    const pv *v = p ? eng_sendable(t, p, in) : NULL;
    return v ? eng_json_value(t, p, v) : NULL;
}

int engine_query_request(const eng_table *t, const pv *in, unsigned op, query *q)
{
    for (size_t i = 0; i < t->n; i++) {
        const eng_prop *p = &t->props[i];
        const pv *v = eng_sent(p, op) ? eng_sendable(t, p, in) : NULL;
        if (v && engine_query_value(q, p->aws, v) != 0)
            return -1;
    }
    return 0;
}

/* Rows the generic readers fill: AWS's scalars and objects. */
static bool eng_read_by_table(const eng_prop *p)
{
    return (p->aws || p->aws_out) && p->diff != ED_HOOK && !(p->flags & (EP_TAGS | EP_TAGS_ALL)) &&
           p->type != ET_LIST && p->type != ET_MAP;
}

/* out[p] from AWS's text (NULL: AWS has none), typed by the row. */
static int eng_set_read(const eng_prop *p, const char *text, double num, bool is_num, const pv *ref,
                        pv *out)
{
    const pv *mine = ref ? pv_object_get(ref, p->name) : NULL;
    pv *v = NULL;
    if (!text && !is_num) {
        if (p->def) {
            v = eng_default_value(p->def);
        } else if (p->type == ET_STRING && mine && pv_plain(mine)->kind == PV_STRING) {
            v = pv_string(""); /* the user's value is gone from AWS: drift */
        } else {
            return 0;
        }
    } else if (p->type == ET_STRING) {
        const pv *m = mine ? pv_plain(mine) : NULL;
        bool keep = false;
        if (m && m->kind == PV_STRING && (p->diff == ED_POLICY || p->diff == ED_JSON)) {
            pv theirs = {.kind = PV_STRING};
            theirs.u.str.s = (char *)text; /* read only: eng_same never writes */
            theirs.u.str.len = strlen(text);
            keep = eng_same(p->diff, m, &theirs);
        }
        v = pv_string(keep ? m->u.str.s : text);
    } else if (p->type == ET_BOOL) {
        v = pv_bool(text && strcmp(text, "true") == 0);
    } else {
        v = pv_number(is_num ? num : strtod(text, NULL));
    }
    return v ? pv_object_set(out, p->name, v) : -1;
}

/* The EP_LOCAL rows: as the user gave them, else their default. */
static int eng_read_local(const eng_prop *p, const pv *ref, pv *out)
{
    const pv *mine = ref ? pv_object_get(ref, p->name) : NULL;
    if (!eng_nullish(mine)) {
        pv *cp = pv_copy(pv_plain(mine));
        return cp ? pv_object_set(out, p->name, cp) : -1;
    }
    return p->def ? eng_set_read(p, NULL, 0, false, NULL, out) : 0;
}

static const cJSON *eng_json_path(const cJSON *j, const char *path)
{
    char part[128];
    while (j && *path) {
        size_t n = strcspn(path, "/");
        if (n >= sizeof(part))
            return NULL;
        memcpy(part, path, n);
        part[n] = '\0';
        j = cJSON_GetObjectItemCaseSensitive(j, part);
        path += n + (path[n] == '/');
    }
    return j;
}

static int eng_json_rows(const eng_table *t, const eng_prop *rows, size_t n, const cJSON *resp,
                         const pv *ref, pv *out)
{
    for (size_t i = 0; i < n; i++) {
        const eng_prop *p = &rows[i];
        if (p->flags & EP_LOCAL) {
            if (eng_read_local(p, ref, out) != 0)
                return -1;
            continue;
        }
        if (!eng_read_by_table(p))
            continue;
        const cJSON *j = eng_json_path(resp, p->aws_out ? p->aws_out : p->aws);
        if (p->type == ET_OBJECT && p->object) {
            if (!cJSON_IsObject(j))
                continue;
            const pv *sub_ref = ref ? pv_object_get(ref, p->name) : NULL;
            pv *o = pv_object();
            if (!o)
                return -1;
            if (eng_json_rows(t, p->object->props, p->object->n, j,
                              sub_ref ? pv_plain(sub_ref) : NULL, o) != 0) {
                pv_free(o);
                return -1;
            }
            if (pv_object_set(out, p->name, o) != 0) /* takes o, also when it fails */
                return -1;
            continue;
        }
        int rc = cJSON_IsString(j)   ? eng_set_read(p, j->valuestring, 0, false, ref, out)
                 : cJSON_IsNumber(j) ? eng_set_read(p, NULL, j->valuedouble, true, ref, out)
                 : cJSON_IsBool(j)
                     ? eng_set_read(p, cJSON_IsTrue(j) ? "true" : "false", 0, false, ref, out)
                     : eng_set_read(p, NULL, 0, false, ref, out);
        if (rc != 0)
            return -1;
    }
    return 0;
}

int engine_json_outputs(const eng_table *t, const cJSON *resp, const pv *ref, pv *out)
{
    return eng_json_rows(t, t->props, t->n, resp, ref, out);
}

int engine_xml_outputs(const eng_table *t, const xml_node *node, const pv *ref, pv *out, err *e)
{
    for (size_t i = 0; i < t->n; i++) {
        const eng_prop *p = &t->props[i];
        if (p->flags & EP_LOCAL) {
            if (eng_read_local(p, ref, out) != 0)
                return err_set(e, ERR_RESOURCE_EXHAUSTED, "out of memory");
            continue;
        }
        if (!eng_read_by_table(p) || p->type == ET_OBJECT)
            continue;
        const char *text = xml_path_text(node, p->aws_out ? p->aws_out : p->aws);
        char *decoded = NULL;
        if (text && t->aws_url_encoded_docs && (p->diff == ED_POLICY || p->diff == ED_JSON)) {
            if (policy_url_decode(text, &decoded, e) != 0)
                return -1;
            text = decoded;
        }
        int rc = eng_set_read(p, text, 0, false, ref, out);
        free(decoded);
        if (rc != 0)
            return err_set(e, ERR_RESOURCE_EXHAUSTED, "out of memory");
    }
    return 0;
}

int engine_read_tags(const res_ctx *ctx, const eng_table *t, const pv *actual, const pv *ref,
                     pv *out, err *e)
{
    const eng_prop *tp = NULL, *ap = NULL;
    for (size_t i = 0; i < t->n; i++) {
        if (t->props[i].flags & EP_TAGS)
            tp = &t->props[i];
        if (t->props[i].flags & EP_TAGS_ALL)
            ap = &t->props[i];
    }
    pv *tags = NULL, *all = NULL;
    if (!tp || tags_from_actual(ctx, actual, &tags, &all, e) != 0)
        return tp ? -1 : 0;
    int rc = 0;
    /* an empty map where the program set none would show as refresh drift */
    if (tags->u.obj.len > 0 || (ref && pv_object_get(ref, tp->name)))
        rc = pv_object_set(out, tp->name, tags);
    else
        pv_free(tags);
    if (ap)
        rc |= pv_object_set(out, ap->name, all);
    else
        pv_free(all);
    return rc == 0 ? 0 : err_set(e, ERR_RESOURCE_EXHAUSTED, "out of memory");
}

/* ---- Schema ------------------------------------------------------------------ */

static cJSON *eng_schema_type(const char *pkg, enum eng_type t, const eng_prop *p, bool element);

static char *eng_ref(const char *pkg, const char *token)
{
    buf b;
    buf_init(&b, 512);
    if (buf_printf(&b, "#/types/%s:%s", pkg, token) != 0) {
        buf_free(&b);
        return NULL;
    }
    return buf_take(&b, NULL);
}

static bool eng_add_str(cJSON *o, const char *k, const char *v)
{
    return cJSON_AddStringToObject(o, k, v) != NULL;
}

/* {"type": ...} / {"$ref": ...} / {"type": "array", "items": ...} for t. */
static cJSON *eng_schema_type(const char *pkg, enum eng_type t, const eng_prop *p, bool element)
{
    cJSON *o = cJSON_CreateObject();
    bool ok = o != NULL;
    switch (t) {
    case ET_STRING:
        if (element && p->ref) {
            char *r = eng_ref(pkg, p->ref);
            ok = ok && r && eng_add_str(o, "$ref", r);
            free(r);
        } else {
            ok = ok && eng_add_str(o, "type", "string");
        }
        break;
    case ET_INT:
        ok = ok && eng_add_str(o, "type", "integer");
        break;
    case ET_NUMBER:
        ok = ok && eng_add_str(o, "type", "number");
        break;
    case ET_BOOL:
        ok = ok && eng_add_str(o, "type", "boolean");
        break;
    case ET_LIST: {
        cJSON *items = eng_schema_type(pkg, p->object ? ET_OBJECT : p->item, p, true);
        ok = ok && eng_add_str(o, "type", "array") && items &&
             cJSON_AddItemToObject(o, "items", items);
        if (!ok && items && (!o || !cJSON_GetObjectItem(o, "items")))
            cJSON_Delete(items);
        break;
    }
    case ET_MAP: {
        cJSON *items = eng_schema_type(pkg, p->item, p, true);
        ok = ok && eng_add_str(o, "type", "object") && items &&
             cJSON_AddItemToObject(o, "additionalProperties", items);
        if (!ok && items && (!o || !cJSON_GetObjectItem(o, "additionalProperties")))
            cJSON_Delete(items);
        break;
    }
    case ET_OBJECT: {
        char *r = p->object ? eng_ref(pkg, p->object->token) : NULL;
        ok = ok && r && eng_add_str(o, "$ref", r);
        free(r);
        break;
    }
    case ET_ASSET:
        ok = ok && eng_add_str(o, "$ref", "pulumi.json#/Asset");
        break;
    }
    if (!ok) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

/* One property's schema: as an input (defaults, the input description) or
 * as an output (replaceOnChanges, secret). */
static cJSON *eng_schema_prop(const char *pkg, const eng_prop *p, bool input)
{
    cJSON *o = eng_schema_type(pkg, p->type, p, false);
    bool ok = o != NULL;
    const char *doc = input && p->doc_in ? p->doc_in : p->doc;
    if (ok && doc)
        ok = eng_add_str(o, "description", doc);
    if (ok && input && p->def) {
        cJSON *d = cJSON_Parse(p->def);
        ok = d && cJSON_AddItemToObject(o, "default", d);
        if (!ok)
            cJSON_Delete(d);
    }
    if (ok && !input && (p->flags & EP_REPLACE))
        ok = cJSON_AddTrueToObject(o, "replaceOnChanges") != NULL;
    if (ok && (p->flags & EP_SECRET))
        ok = cJSON_AddTrueToObject(o, "secret") != NULL;
    if (ok && p->deprecated)
        ok = eng_add_str(o, "deprecationMessage", p->deprecated);
    if (!ok) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

static int eng_cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* A sorted list of the rows' names that pass want. */
static cJSON *eng_names(const eng_prop *rows, size_t n, unsigned any_of, bool outputs_too)
{
    const char *names[128];
    size_t k = 0;
    for (size_t i = 0; i < n && k < 128; i++)
        if ((rows[i].flags & any_of) || (outputs_too && (rows[i].flags & EP_OUTPUT)))
            names[k++] = rows[i].name;
    qsort(names, k, sizeof(names[0]), eng_cmp_str);
    cJSON *a = cJSON_CreateArray();
    for (size_t i = 0; a && i < k; i++) {
        cJSON *s = cJSON_CreateString(names[i]);
        if (!s || !cJSON_AddItemToArray(a, s)) {
            cJSON_Delete(s);
            cJSON_Delete(a);
            return NULL;
        }
    }
    return a;
}

static bool eng_add(cJSON *o, const char *k, cJSON *v)
{
    if (v && cJSON_AddItemToObject(o, k, v))
        return true;
    cJSON_Delete(v);
    return false;
}

/* The object types of a table's rows (depth-first), into types. */
static int eng_schema_objects(const char *pkg, const eng_prop *rows, size_t n, cJSON *types)
{
    char key[512];
    for (size_t i = 0; i < n; i++) {
        const eng_object *ob = rows[i].object;
        if (!ob)
            continue;
        snprintf(key, sizeof(key), "%s:%s", pkg, ob->token);
        if (cJSON_GetObjectItemCaseSensitive(types, key))
            continue;
        cJSON *t = cJSON_CreateObject(), *props = cJSON_CreateObject();
        bool ok = t && props && eng_add_str(t, "type", "object") &&
                  (!ob->doc || eng_add_str(t, "description", ob->doc));
        for (size_t j = 0; ok && j < ob->n; j++)
            ok = eng_add(props, ob->props[j].name, eng_schema_prop(pkg, &ob->props[j], true));
        if (ok) {
            ok = eng_add(t, "properties", props);
            props = NULL;
        }
        bool any_required = false;
        for (size_t j = 0; j < ob->n; j++)
            any_required |= (ob->props[j].flags & EP_REQUIRED) != 0;
        if (ok && any_required)
            ok = eng_add(t, "required", eng_names(ob->props, ob->n, EP_REQUIRED, false));
        if (ok) {
            ok = eng_add(types, key, t);
            t = NULL;
        }
        cJSON_Delete(props);
        cJSON_Delete(t);
        if (!ok || eng_schema_objects(pkg, ob->props, ob->n, types) != 0)
            return -1;
    }
    return 0;
}

int engine_schema_resource(const char *pkg, const char *token, const eng_table *t, cJSON *resources,
                           cJSON *types)
{
    char key[512];
    snprintf(key, sizeof(key), "%s:%s", pkg, token);
    cJSON *r = cJSON_CreateObject(), *in = cJSON_CreateObject(), *out = cJSON_CreateObject();
    bool ok = r && in && out && (!t->doc || eng_add_str(r, "description", t->doc)) &&
              (!t->deprecated || eng_add_str(r, "deprecationMessage", t->deprecated));
    for (size_t i = 0; ok && i < t->n; i++) {
        const eng_prop *p = &t->props[i];
        if (!(p->flags & EP_OUTPUT))
            ok = eng_add(in, p->name, eng_schema_prop(pkg, p, true));
        if (ok)
            ok = eng_add(out, p->name, eng_schema_prop(pkg, p, false));
    }
    if (ok) {
        ok = eng_add(r, "inputProperties", in);
        in = NULL;
    }
    /* None required: no list (the CLI drops an empty one from the schema it serves). */
    bool any_required_input = false;
    for (size_t i = 0; i < t->n; i++)
        any_required_input |= (t->props[i].flags & EP_REQUIRED) != 0;
    ok = ok && (!any_required_input ||
                eng_add(r, "requiredInputs", eng_names(t->props, t->n, EP_REQUIRED, false)));
    if (ok) {
        ok = eng_add(r, "properties", out);
        out = NULL;
    }
    ok = ok && eng_add(r, "required",
                       eng_names(t->props, t->n, EP_REQUIRED | EP_ALWAYS | EP_TAGS_ALL, true));
    if (ok) {
        ok = eng_add(resources, key, r);
        r = NULL;
    }
    cJSON_Delete(in);
    cJSON_Delete(out);
    cJSON_Delete(r);
    if (!ok || eng_schema_objects(pkg, t->props, t->n, types) != 0)
        return -1;
    return 0;
}

/* One side of a function (its arguments or its result) as a schema object. */
static cJSON *eng_schema_fn_side(const char *pkg, const eng_table *t, bool inputs, const char *doc)
{
    cJSON *side = cJSON_CreateObject(), *props = cJSON_CreateObject();
    bool ok = side && props && eng_add_str(side, "description", doc);
    for (size_t i = 0; ok && i < t->n; i++) {
        const eng_prop *p = &t->props[i];
        if (!inputs || !(p->flags & EP_OUTPUT))
            ok = eng_add(props, p->name, eng_schema_prop(pkg, p, inputs));
    }
    if (ok) {
        ok = eng_add(side, "properties", props);
        props = NULL;
    }
    ok = ok && eng_add_str(side, "type", "object");
    cJSON *req = !ok      ? NULL
                 : inputs ? eng_names(t->props, t->n, EP_REQUIRED, false)
                          : eng_names(t->props, t->n, EP_REQUIRED | EP_ALWAYS, true);
    if (ok && req && cJSON_GetArraySize(req) == 0) { /* the CLI drops an empty list */
        cJSON_Delete(req);
    } else if (ok) {
        ok = eng_add(side, "required", req);
    }
    cJSON_Delete(props);
    if (!ok) {
        cJSON_Delete(side);
        return NULL;
    }
    return side;
}

int engine_schema_function(const char *pkg, const char *token, const eng_table *t, cJSON *functions,
                           cJSON *types)
{
    char key[512], in_doc[256], out_doc[256];
    const char *name = strchr(token, ':');
    name = name ? name + 1 : token;
    snprintf(key, sizeof(key), "%s:%s", pkg, token);
    snprintf(in_doc, sizeof(in_doc), "A collection of arguments for invoking %s.", name);
    snprintf(out_doc, sizeof(out_doc), "A collection of values returned by %s.", name);
    cJSON *f = cJSON_CreateObject();
    bool ok = f && (!t->doc || eng_add_str(f, "description", t->doc));
    ok = ok && eng_add(f, "inputs", eng_schema_fn_side(pkg, t, true, in_doc));
    ok = ok && eng_add(f, "outputs", eng_schema_fn_side(pkg, t, false, out_doc));
    if (ok) {
        ok = eng_add(functions, key, f);
        f = NULL;
    }
    cJSON_Delete(f);
    if (!ok || eng_schema_objects(pkg, t->props, t->n, types) != 0)
        return -1;
    return 0;
}
