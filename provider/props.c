#include "props.h"

#include <cJSON.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/mem.h"
#include "util/str.h"

/* Pulumi's signature key and values for special objects. */
#define SIG_KEY "4dabf18193072939515e22adb298388d"
#define SIG_SECRET "1b47061264138c4ac30d75fd1eb44270"
#define SIG_RESOURCE "5cf8f73096256a8f31e491e813e4eb8e"
#define SIG_OUTPUT "d0e6a833031e9bbcd3f4e8bde6ca49a4"
#define SIG_ASSET "c44067f5952c0a294b673a41bacd8c17"
#define SIG_ARCHIVE "0def7320c3a5731c473e5ecbe6d01bc7"

static const char *const unknown_sentinels[] = {
    [PV_UNK_ANY] = "04da6b54-80e4-46f7-96ec-b56ff0331ba9",
    [PV_UNK_BOOL] = "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7",
    [PV_UNK_NUMBER] = "3eeb2bf0-c639-47a8-9e75-3b44932eb421",
    [PV_UNK_ARRAY] = "6a19a0b0-7e62-4c92-b797-7f8e31da9cc2",
    [PV_UNK_OBJECT] = "dd056dcd-154b-4c76-9bd3-c8f88648b5ff",
};
#define N_SENTINELS (sizeof(unknown_sentinels) / sizeof(unknown_sentinels[0]))

/* ---- construction ------------------------------------------------------ */

static pv *pv_new(pv_kind k)
{
    pv *v = calloc(1, sizeof(*v));
    if (v)
        v->kind = k;
    return v;
}

pv *pv_null(void)
{
    return pv_new(PV_NULL);
}

pv *pv_bool(bool b)
{
    pv *v = pv_new(PV_BOOL);
    if (v)
        v->u.b = b;
    return v;
}

pv *pv_number(double n)
{
    pv *v = pv_new(PV_NUMBER);
    if (v)
        v->u.n = n;
    return v;
}

pv *pv_stringn(const char *s, size_t len)
{
    pv *v = pv_new(PV_STRING);
    if (!v)
        return NULL;
    v->u.str.s = str_ndup(s, len);
    if (!v->u.str.s) {
        free(v);
        return NULL;
    }
    v->u.str.len = len;
    return v;
}

pv *pv_string(const char *s)
{
    return pv_stringn(s, strlen(s));
}

pv *pv_array(void)
{
    return pv_new(PV_ARRAY);
}

pv *pv_object(void)
{
    return pv_new(PV_OBJECT);
}

pv *pv_secret(pv *inner)
{
    if (!inner)
        return NULL;
    pv *v = pv_new(PV_SECRET);
    if (!v) {
        pv_free(inner);
        return NULL;
    }
    v->u.inner = inner;
    return v;
}

pv *pv_unknown(pv_unknown_kind k)
{
    pv *v = pv_new(PV_UNKNOWN);
    if (v)
        v->u.unknown = k;
    return v;
}

static bool pv_has_fields(const pv *v)
{
    return v->kind == PV_OBJECT || v->kind == PV_RESOURCE || v->kind == PV_ASSET ||
           v->kind == PV_ARCHIVE;
}

static void pv_obj_clear(pv_obj *o)
{
    for (size_t i = 0; i < o->len; i++) {
        free(o->keys[i]);
        pv_free(o->vals[i]);
    }
    free(o->keys);
    free(o->vals);
    memset(o, 0, sizeof(*o));
}

void pv_free(pv *v)
{
    if (!v)
        return;
    switch (v->kind) {
    case PV_STRING:
        free(v->u.str.s);
        break;
    case PV_ARRAY:
        for (size_t i = 0; i < v->u.arr.len; i++)
            pv_free(v->u.arr.items[i]);
        free(v->u.arr.items);
        break;
    case PV_OBJECT:
    case PV_RESOURCE:
    case PV_ASSET:
    case PV_ARCHIVE:
        pv_obj_clear(&v->u.obj);
        break;
    case PV_SECRET:
        pv_free(v->u.inner);
        break;
    case PV_OUTPUT:
        pv_free(v->u.out.value);
        for (size_t i = 0; i < v->u.out.ndeps; i++)
            free(v->u.out.deps[i]);
        free(v->u.out.deps);
        break;
    default:
        break;
    }
    free(v);
}

int pv_array_push(pv *arr, pv *item)
{
    if (!item)
        return -1;
    if (arr->u.arr.len == arr->u.arr.cap) {
        size_t cap = arr->u.arr.cap ? arr->u.arr.cap * 2 : 4;
        pv **p = realloc(arr->u.arr.items, cap * sizeof(*p));
        if (!p) {
            pv_free(item);
            return -1;
        }
        arr->u.arr.items = p;
        arr->u.arr.cap = cap;
    }
    arr->u.arr.items[arr->u.arr.len++] = item;
    return 0;
}

/* Room for n members in all, allocated at once when the count is known. */
static int pv_obj_reserve(pv_obj *o, size_t n)
{
    if (o->cap >= n)
        return 0;
    char **k = realloc(o->keys, n * sizeof(*k));
    if (!k)
        return -1;
    o->keys = k;
    pv **vv = realloc(o->vals, n * sizeof(*vv));
    if (!vv)
        return -1;
    o->vals = vv;
    o->cap = n;
    return 0;
}

/* Appends without looking for an existing key (callers ensure uniqueness). */
static int pv_obj_append(pv_obj *o, const char *key, size_t keylen, pv *val)
{
    if (!val)
        return -1;
    if (o->len == o->cap) {
        size_t cap = o->cap ? o->cap * 2 : 4;
        char **k = realloc(o->keys, cap * sizeof(*k));
        if (!k)
            goto fail;
        o->keys = k;
        pv **vv = realloc(o->vals, cap * sizeof(*vv));
        if (!vv)
            goto fail;
        o->vals = vv;
        o->cap = cap;
    }
    o->keys[o->len] = str_ndup(key, keylen);
    if (!o->keys[o->len])
        goto fail;
    o->vals[o->len++] = val;
    return 0;
fail:
    pv_free(val);
    return -1;
}

static long pv_obj_index(const pv_obj *o, const char *key)
{
    for (size_t i = 0; i < o->len; i++)
        if (strcmp(o->keys[i], key) == 0)
            return (long)i;
    return -1;
}

int pv_object_set(pv *obj, const char *key, pv *val)
{
    if (!val)
        return -1;
    long i = pv_obj_index(&obj->u.obj, key);
    if (i >= 0) {
        pv_free(obj->u.obj.vals[i]);
        obj->u.obj.vals[i] = val;
        return 0;
    }
    return pv_obj_append(&obj->u.obj, key, strlen(key), val);
}

pv *pv_object_get(const pv *obj, const char *key)
{
    if (!obj || !pv_has_fields(obj))
        return NULL;
    long i = pv_obj_index(&obj->u.obj, key);
    return i >= 0 ? obj->u.obj.vals[i] : NULL;
}

int pv_object_remove(pv *obj, const char *key)
{
    pv_obj *o = &obj->u.obj;
    long i = pv_obj_index(o, key);
    if (i < 0)
        return -1;
    free(o->keys[i]);
    pv_free(o->vals[i]);
    memmove(o->keys + i, o->keys + i + 1, (o->len - (size_t)i - 1) * sizeof(*o->keys));
    memmove(o->vals + i, o->vals + i + 1, (o->len - (size_t)i - 1) * sizeof(*o->vals));
    o->len--;
    return 0;
}

static int pv_obj_copy(pv_obj *dst, const pv_obj *src, pv *(*copy)(const pv *))
{
    if (pv_obj_reserve(dst, dst->len + src->len) != 0)
        return -1;
    for (size_t i = 0; i < src->len; i++) {
        pv *c = copy(src->vals[i]);
        if (!c || pv_obj_append(dst, src->keys[i], strlen(src->keys[i]), c) != 0)
            return -1;
    }
    return 0;
}

pv *pv_copy(const pv *v)
{
    if (!v)
        return NULL;
    pv *c = NULL;
    switch (v->kind) {
    case PV_NULL:
        return pv_null();
    case PV_BOOL:
        return pv_bool(v->u.b);
    case PV_NUMBER:
        return pv_number(v->u.n);
    case PV_STRING:
        return pv_stringn(v->u.str.s, v->u.str.len);
    case PV_UNKNOWN:
        return pv_unknown(v->u.unknown);
    case PV_SECRET:
        return pv_secret(pv_copy(v->u.inner));
    case PV_ARRAY:
        c = pv_array();
        for (size_t i = 0; c && i < v->u.arr.len; i++) {
            if (pv_array_push(c, pv_copy(v->u.arr.items[i])) != 0)
                goto fail;
        }
        return c;
    case PV_OBJECT:
    case PV_RESOURCE:
    case PV_ASSET:
    case PV_ARCHIVE:
        c = pv_new(v->kind);
        if (c && pv_obj_copy(&c->u.obj, &v->u.obj, pv_copy) != 0)
            goto fail;
        return c;
    case PV_OUTPUT:
        c = pv_new(PV_OUTPUT);
        if (!c)
            return NULL;
        c->u.out.secret = v->u.out.secret;
        if (v->u.out.value && !(c->u.out.value = pv_copy(v->u.out.value)))
            goto fail;
        if (v->u.out.ndeps) {
            c->u.out.deps = calloc(v->u.out.ndeps, sizeof(char *));
            if (!c->u.out.deps)
                goto fail;
            for (size_t i = 0; i < v->u.out.ndeps; i++) {
                if (!(c->u.out.deps[i] = str_dup(v->u.out.deps[i])))
                    goto fail;
                c->u.out.ndeps = i + 1;
            }
        }
        return c;
    }
fail:
    pv_free(c);
    return NULL;
}

/* ---- inspection ----------------------------------------------------------- */

const pv *pv_plain(const pv *v)
{
    while (v) {
        if (v->kind == PV_SECRET)
            v = v->u.inner;
        else if (v->kind == PV_OUTPUT && v->u.out.value)
            v = v->u.out.value;
        else
            break;
    }
    return v;
}

static bool pv_any(const pv *v, bool (*pred)(const pv *))
{
    if (!v)
        return false;
    if (pred(v))
        return true;
    switch (v->kind) {
    case PV_ARRAY:
        for (size_t i = 0; i < v->u.arr.len; i++)
            if (pv_any(v->u.arr.items[i], pred))
                return true;
        return false;
    case PV_OBJECT:
    case PV_RESOURCE:
    case PV_ASSET:
    case PV_ARCHIVE:
        for (size_t i = 0; i < v->u.obj.len; i++)
            if (pv_any(v->u.obj.vals[i], pred))
                return true;
        return false;
    case PV_SECRET:
        return pv_any(v->u.inner, pred);
    case PV_OUTPUT:
        return pv_any(v->u.out.value, pred);
    default:
        return false;
    }
}

static bool is_secret(const pv *v)
{
    return v->kind == PV_SECRET || (v->kind == PV_OUTPUT && v->u.out.secret);
}

static bool is_unknown(const pv *v)
{
    return v->kind == PV_UNKNOWN || (v->kind == PV_OUTPUT && !v->u.out.value);
}

bool pv_contains_secret(const pv *v)
{
    return pv_any(v, is_secret);
}

bool pv_contains_unknown(const pv *v)
{
    return pv_any(v, is_unknown);
}

pv *pv_strip_secrets(const pv *v)
{
    if (!v)
        return NULL;
    pv *c = NULL;
    switch (v->kind) {
    case PV_SECRET:
        return pv_strip_secrets(v->u.inner);
    case PV_OUTPUT:
        return v->u.out.value ? pv_strip_secrets(v->u.out.value) : pv_unknown(PV_UNK_ANY);
    case PV_ARRAY:
        c = pv_array();
        for (size_t i = 0; c && i < v->u.arr.len; i++)
            if (pv_array_push(c, pv_strip_secrets(v->u.arr.items[i])) != 0)
                goto fail;
        return c;
    case PV_OBJECT:
    case PV_RESOURCE:
    case PV_ASSET:
    case PV_ARCHIVE:
        c = pv_new(v->kind);
        if (c && pv_obj_copy(&c->u.obj, &v->u.obj, pv_strip_secrets) != 0)
            goto fail;
        return c;
    default:
        return pv_copy(v);
    }
fail:
    pv_free(c);
    return NULL;
}

pv *pv_take_plain(pv *v)
{
    if (!v)
        return NULL;
    pv *r = NULL;
    switch (v->kind) {
    case PV_SECRET:
        r = v->u.inner;
        v->u.inner = NULL;
        pv_free(v);
        return r ? pv_take_plain(r) : NULL;
    case PV_OUTPUT:
        r = v->u.out.value;
        v->u.out.value = NULL;
        pv_free(v);
        return r ? pv_take_plain(r) : pv_unknown(PV_UNK_ANY);
    case PV_ARRAY:
        for (size_t i = 0; i < v->u.arr.len; i++)
            if (!(v->u.arr.items[i] = pv_take_plain(v->u.arr.items[i])))
                goto fail;
        return v;
    case PV_OBJECT:
    case PV_RESOURCE:
    case PV_ASSET:
    case PV_ARCHIVE:
        for (size_t i = 0; i < v->u.obj.len; i++)
            if (!(v->u.obj.vals[i] = pv_take_plain(v->u.obj.vals[i])))
                goto fail;
        return v;
    default:
        return v;
    }
fail:
    pv_free(v);
    return NULL;
}

static bool pv_obj_equal(const pv_obj *a, const pv_obj *b)
{
    if (a->len != b->len)
        return false;
    for (size_t i = 0; i < a->len; i++) {
        long j = pv_obj_index(b, a->keys[i]);
        if (j < 0 || !pv_equal(a->vals[i], b->vals[j]))
            return false;
    }
    return true;
}

bool pv_equal(const pv *a, const pv *b)
{
    if (!a || !b)
        return a == b;
    if (a->kind != b->kind)
        return false;
    switch (a->kind) {
    case PV_NULL:
        return true;
    case PV_BOOL:
        return a->u.b == b->u.b;
    case PV_NUMBER:
        return a->u.n == b->u.n || (isnan(a->u.n) && isnan(b->u.n));
    case PV_STRING:
        return a->u.str.len == b->u.str.len && memcmp(a->u.str.s, b->u.str.s, a->u.str.len) == 0;
    case PV_UNKNOWN:
        return a->u.unknown == b->u.unknown;
    case PV_SECRET:
        return pv_equal(a->u.inner, b->u.inner);
    case PV_ARRAY:
        if (a->u.arr.len != b->u.arr.len)
            return false;
        for (size_t i = 0; i < a->u.arr.len; i++)
            if (!pv_equal(a->u.arr.items[i], b->u.arr.items[i]))
                return false;
        return true;
    case PV_OBJECT:
    case PV_RESOURCE:
    case PV_ASSET:
    case PV_ARCHIVE:
        return pv_obj_equal(&a->u.obj, &b->u.obj);
    case PV_OUTPUT:
        if (a->u.out.secret != b->u.out.secret || a->u.out.ndeps != b->u.out.ndeps ||
            !pv_equal(a->u.out.value, b->u.out.value))
            return false;
        for (size_t i = 0; i < a->u.out.ndeps; i++)
            if (strcmp(a->u.out.deps[i], b->u.out.deps[i]) != 0)
                return false;
        return true;
    }
    return false;
}

int pv_mark_secrets_like(pv **out, const pv *in)
{
    if (!*out || !in)
        return 0;
    if (is_secret(in)) {
        if ((*out)->kind == PV_SECRET)
            return 0;
        pv *w = pv_secret(*out);
        if (!w) {
            *out = NULL;
            return -1;
        }
        *out = w;
        return 0;
    }
    const pv *pin = pv_plain(in);
    pv *o = *out;
    if (pin->kind == PV_OBJECT && o->kind == PV_OBJECT) {
        for (size_t i = 0; i < o->u.obj.len; i++) {
            const pv *iv = pv_object_get(pin, o->u.obj.keys[i]);
            if (iv && pv_mark_secrets_like(&o->u.obj.vals[i], iv) != 0)
                return -1;
        }
    } else if (pin->kind == PV_ARRAY && o->kind == PV_ARRAY) {
        for (size_t i = 0; i < o->u.arr.len && i < pin->u.arr.len; i++)
            if (pv_mark_secrets_like(&o->u.arr.items[i], pin->u.arr.items[i]) != 0)
                return -1;
    }
    return 0;
}

/* ---- Struct -> tree --------------------------------------------------------- */

typedef struct decoder {
    char path[512];
    size_t pathlen;
    char *err;
    size_t errlen;
} decoder;

static int dec_fail(decoder *d, const char *rule)
{
    snprintf(d->err, d->errlen, "property '%s': %s", d->pathlen ? d->path : "(top level)", rule);
    return -1;
}

/* Out of memory: also noted (util/mem.h) so the caller can tell it from bad input. */
static int dec_oom(decoder *d)
{
    mem_note_failure();
    return dec_fail(d, "out of memory");
}

/* Appends n bytes of s to the path, cut where the path buffer ends. Every
 * decoded value pushes its key, so this stays cheaper than snprintf. */
static void dec_append(decoder *d, const char *s, size_t n)
{
    size_t room = sizeof(d->path) - 1 - d->pathlen;
    if (n > room)
        n = room;
    memcpy(d->path + d->pathlen, s, n);
    d->pathlen += n;
    d->path[d->pathlen] = '\0';
}

/* Appends ".key", "key" or "[\"key\"]" to the path; returns the old length. */
static size_t dec_push_key(decoder *d, const char *key)
{
    size_t old = d->pathlen;
    size_t len = strlen(key);
    bool plain = len > 0 && strcspn(key, ".[]\"") == len;
    if (plain) {
        if (old)
            dec_append(d, ".", 1);
        dec_append(d, key, len);
    } else {
        dec_append(d, "[\"", 2);
        dec_append(d, key, len);
        dec_append(d, "\"]", 2);
    }
    return old;
}

static size_t dec_push_index(decoder *d, size_t i)
{
    size_t old = d->pathlen;
    char digits[24];
    size_t n = sizeof(digits);
    do {
        digits[--n] = (char)('0' + i % 10);
        i /= 10;
    } while (i);
    dec_append(d, "[", 1);
    dec_append(d, digits + n, sizeof(digits) - n);
    dec_append(d, "]", 1);
    return old;
}

static void dec_pop(decoder *d, size_t old)
{
    d->pathlen = old;
    d->path[old] = '\0';
}

static pv *dec_value(decoder *d, const Google__Protobuf__Value *v, int depth);
static int dec_fields(decoder *d, const Google__Protobuf__Struct *s, pv_obj *o, int depth);

static pv *dec_string(decoder *d, const char *s)
{
    size_t len = strlen(s);
    if (!str_utf8_valid(s, len)) {
        dec_fail(d, "string is not valid UTF-8");
        return NULL;
    }
    pv *r = NULL;
    for (size_t k = 0; k < N_SENTINELS && !r; k++)
        if (strcmp(s, unknown_sentinels[k]) == 0 && !(r = pv_unknown((pv_unknown_kind)k))) {
            dec_oom(d);
            return NULL;
        }
    if (!r)
        r = pv_stringn(s, len);
    if (!r)
        dec_oom(d);
    return r;
}

/* The entry for key (the last one: protobuf maps), or NULL. Its value may be
 * NULL: an entry without a value field, which reads as null. */
static const Google__Protobuf__Struct__FieldsEntry *struct_entry(const Google__Protobuf__Struct *s,
                                                                 const char *key)
{
    const Google__Protobuf__Struct__FieldsEntry *found = NULL;
    for (size_t i = 0; i < s->n_fields; i++)
        if (s->fields[i]->key && strcmp(s->fields[i]->key, key) == 0)
            found = s->fields[i];
    return found;
}

static const Google__Protobuf__Value *struct_get(const Google__Protobuf__Struct *s, const char *key)
{
    const Google__Protobuf__Struct__FieldsEntry *e = struct_entry(s, key);
    return e ? e->value : NULL;
}

/* A special object: everything but the signature key goes into the node's
 * fields, except for secrets and output values, which have typed members. */
static pv *dec_special(decoder *d, const Google__Protobuf__Struct *s, const char *sig, int depth)
{
    pv *r = NULL;
    if (strcmp(sig, SIG_SECRET) == 0) {
        const Google__Protobuf__Value *val = struct_get(s, "value");
        pv *inner = val ? dec_value(d, val, depth + 1) : pv_null();
        if (!inner) {
            if (!val)
                dec_oom(d);
            return NULL;
        }
        if (!(r = pv_secret(inner)))
            dec_oom(d);
        return r;
    }
    if (strcmp(sig, SIG_OUTPUT) == 0) {
        r = pv_new(PV_OUTPUT);
        if (!r)
            goto oom;
        const Google__Protobuf__Value *val = struct_get(s, "value");
        if (val && !(r->u.out.value = dec_value(d, val, depth + 1)))
            goto fail;
        const Google__Protobuf__Value *sec = struct_get(s, "secret");
        if (sec) {
            if (sec->kind_case != GOOGLE__PROTOBUF__VALUE__KIND_BOOL_VALUE) {
                dec_fail(d, "output value's 'secret' must be a bool");
                goto fail;
            }
            r->u.out.secret = sec->bool_value;
        }
        const Google__Protobuf__Value *deps = struct_get(s, "dependencies");
        if (deps && deps->kind_case == GOOGLE__PROTOBUF__VALUE__KIND_LIST_VALUE) {
            const Google__Protobuf__ListValue *l = deps->list_value;
            r->u.out.deps = calloc(l->n_values ? l->n_values : 1, sizeof(char *));
            if (!r->u.out.deps)
                goto oom;
            for (size_t i = 0; i < l->n_values; i++) {
                if (l->values[i]->kind_case != GOOGLE__PROTOBUF__VALUE__KIND_STRING_VALUE ||
                    !str_utf8_valid(l->values[i]->string_value,
                                    strlen(l->values[i]->string_value))) {
                    dec_fail(d, "output value's dependencies must be URN strings");
                    goto fail;
                }
                if (!(r->u.out.deps[i] = str_dup(l->values[i]->string_value)))
                    goto oom;
                r->u.out.ndeps = i + 1;
            }
        } else if (deps) {
            dec_fail(d, "output value's 'dependencies' must be a list");
            goto fail;
        }
        return r;
    }
    pv_kind k;
    if (strcmp(sig, SIG_RESOURCE) == 0)
        k = PV_RESOURCE;
    else if (strcmp(sig, SIG_ASSET) == 0)
        k = PV_ASSET;
    else if (strcmp(sig, SIG_ARCHIVE) == 0)
        k = PV_ARCHIVE;
    else {
        dec_fail(d, "object has an unrecognized Pulumi signature");
        return NULL;
    }
    r = pv_new(k);
    if (!r)
        goto oom;
    if (dec_fields(d, s, &r->u.obj, depth) != 0)
        goto fail;
    pv_object_remove(r, SIG_KEY);
    if (k == PV_RESOURCE) {
        const pv *urn = pv_object_get(r, "urn");
        if (!urn || urn->kind != PV_STRING) {
            dec_fail(d, "resource reference needs a string 'urn'");
            goto fail;
        }
    }
    return r;
oom:
    dec_oom(d);
fail:
    pv_free(r);
    return NULL;
}

/* A key and where it stands, to find repeated keys by sorting. */
typedef struct keyref {
    const char *key;
    size_t pos;
} keyref;

static int keyref_cmp(const void *a, const void *b)
{
    const keyref *x = a, *y = b;
    int c = strcmp(x->key, y->key);
    if (c)
        return c;
    return x->pos < y->pos ? -1 : x->pos > y->pos;
}

/* Protobuf map semantics: of a key repeated on the wire the last entry wins.
 * Sorting (key, position) finds every repeat in O(n log n), so a hostile
 * Struct with many repeats costs no more than one without. */
static int dedupe_keys(decoder *d, pv_obj *o)
{
    int rc = -1;
    keyref *refs = malloc(o->len * sizeof(*refs));
    bool *drop = calloc(o->len, sizeof(*drop));
    if (!refs || !drop) {
        dec_oom(d);
        goto out;
    }
    for (size_t i = 0; i < o->len; i++)
        refs[i] = (keyref){o->keys[i], i};
    qsort(refs, o->len, sizeof(*refs), keyref_cmp);
    size_t ndrop = 0;
    for (size_t i = 1; i < o->len; i++) {
        if (strcmp(refs[i - 1].key, refs[i].key) == 0) {
            drop[refs[i - 1].pos] = true;
            ndrop++;
        }
    }
    if (ndrop) {
        size_t k = 0;
        for (size_t i = 0; i < o->len; i++) {
            if (drop[i]) {
                free(o->keys[i]);
                pv_free(o->vals[i]);
                continue;
            }
            o->keys[k] = o->keys[i];
            o->vals[k++] = o->vals[i];
        }
        o->len = k;
    }
    rc = 0;
out:
    free(refs);
    free(drop);
    return rc;
}

/* Decodes every entry; a key repeated on the wire keeps its last value. */
static int dec_fields(decoder *d, const Google__Protobuf__Struct *s, pv_obj *o, int depth)
{
    if (pv_obj_reserve(o, o->len + s->n_fields) != 0)
        return dec_oom(d);
    for (size_t i = 0; i < s->n_fields; i++) {
        const Google__Protobuf__Struct__FieldsEntry *e = s->fields[i];
        const char *key = e->key ? e->key : "";
        if (!str_utf8_valid(key, strlen(key)))
            return dec_fail(d, "object key is not valid UTF-8");
        size_t old = dec_push_key(d, key);
        pv *v = e->value ? dec_value(d, e->value, depth + 1) : pv_null();
        if (!v)
            return -1;
        if (pv_obj_append(o, key, strlen(key), v) != 0)
            return dec_oom(d);
        dec_pop(d, old);
    }
    return o->len < 2 ? 0 : dedupe_keys(d, o);
}

static pv *dec_struct(decoder *d, const Google__Protobuf__Struct *s, int depth)
{
    const Google__Protobuf__Struct__FieldsEntry *sige = struct_entry(s, SIG_KEY);
    if (sige) {
        const Google__Protobuf__Value *sig = sige->value;
        if (!sig || sig->kind_case != GOOGLE__PROTOBUF__VALUE__KIND_STRING_VALUE) {
            dec_fail(d, "Pulumi signature must be a string");
            return NULL;
        }
        return dec_special(d, s, sig->string_value, depth);
    }
    pv *o = pv_object();
    if (!o) {
        dec_oom(d);
        return NULL;
    }
    if (dec_fields(d, s, &o->u.obj, depth) != 0) {
        pv_free(o);
        return NULL;
    }
    return o;
}

static pv *dec_value(decoder *d, const Google__Protobuf__Value *v, int depth)
{
    if (depth > PROPS_MAX_DEPTH) {
        dec_fail(d, "value nests deeper than 128 levels");
        return NULL;
    }
    pv *r = NULL;
    switch (v->kind_case) {
    case GOOGLE__PROTOBUF__VALUE__KIND_NULL_VALUE:
    case GOOGLE__PROTOBUF__VALUE__KIND__NOT_SET:
        r = pv_null();
        break;
    case GOOGLE__PROTOBUF__VALUE__KIND_BOOL_VALUE:
        r = pv_bool(v->bool_value);
        break;
    case GOOGLE__PROTOBUF__VALUE__KIND_NUMBER_VALUE:
        r = pv_number(v->number_value);
        break;
    case GOOGLE__PROTOBUF__VALUE__KIND_STRING_VALUE:
        return dec_string(d, v->string_value ? v->string_value : "");
    case GOOGLE__PROTOBUF__VALUE__KIND_STRUCT_VALUE:
        if (!v->struct_value) {
            r = pv_object();
            break;
        }
        return dec_struct(d, v->struct_value, depth);
    case GOOGLE__PROTOBUF__VALUE__KIND_LIST_VALUE:
        r = pv_array();
        if (!r || !v->list_value)
            break;
        for (size_t i = 0; i < v->list_value->n_values; i++) {
            size_t old = dec_push_index(d, i);
            pv *item = dec_value(d, v->list_value->values[i], depth + 1);
            if (!item) {
                pv_free(r);
                return NULL;
            }
            if (pv_array_push(r, item) != 0) {
                pv_free(r);
                r = NULL;
                break;
            }
            dec_pop(d, old);
        }
        break;
    default:
        dec_fail(d, "value has an unknown kind");
        return NULL;
    }
    if (!r)
        dec_oom(d);
    return r;
}

int props_from_struct(const Google__Protobuf__Struct *s, pv **out, char *err, size_t errlen)
{
    decoder d = {.err = err, .errlen = errlen};
    *out = NULL;
    if (!s) {
        *out = pv_object();
        return *out ? 0 : dec_oom(&d);
    }
    pv *o = pv_object();
    if (!o)
        return dec_oom(&d);
    if (dec_fields(&d, s, &o->u.obj, 0) != 0) {
        pv_free(o);
        return -1;
    }
    *out = o;
    return 0;
}

/* ---- tree -> Struct ----------------------------------------------------------- */

static Google__Protobuf__Value *enc_value(const pv *v);
static Google__Protobuf__Struct *enc_struct(const pv_obj *o, const char *sig);

static Google__Protobuf__Value *enc_new(Google__Protobuf__Value__KindCase k)
{
    Google__Protobuf__Value *m = malloc(sizeof(*m));
    if (!m)
        return NULL;
    google__protobuf__value__init(m);
    m->kind_case = k;
    return m;
}

static Google__Protobuf__Value *enc_stringn(const char *s, size_t len)
{
    Google__Protobuf__Value *m = enc_new(GOOGLE__PROTOBUF__VALUE__KIND_STRING_VALUE);
    if (m && !(m->string_value = str_ndup(s, len))) {
        free(m);
        return NULL;
    }
    return m;
}

static Google__Protobuf__Value *enc_struct_value(Google__Protobuf__Struct *s)
{
    if (!s)
        return NULL;
    Google__Protobuf__Value *m = enc_new(GOOGLE__PROTOBUF__VALUE__KIND_STRUCT_VALUE);
    if (!m) {
        protobuf_c_message_free_unpacked(&s->base, NULL);
        return NULL;
    }
    m->struct_value = s;
    return m;
}

/* Adds key -> val (taken) to s; frees val on failure. */
static int enc_put(Google__Protobuf__Struct *s, const char *key, Google__Protobuf__Value *val)
{
    if (!val)
        return -1;
    Google__Protobuf__Struct__FieldsEntry **f =
        realloc(s->fields, (s->n_fields + 1) * sizeof(*s->fields));
    if (!f)
        goto fail;
    s->fields = f;
    Google__Protobuf__Struct__FieldsEntry *e = malloc(sizeof(*e));
    if (!e)
        goto fail;
    google__protobuf__struct__fields_entry__init(e);
    e->key = str_dup(key);
    if (!e->key) {
        free(e);
        goto fail;
    }
    e->value = val;
    s->fields[s->n_fields++] = e;
    return 0;
fail:
    protobuf_c_message_free_unpacked(&val->base, NULL);
    return -1;
}

static Google__Protobuf__Struct *enc_new_struct(void)
{
    Google__Protobuf__Struct *s = malloc(sizeof(*s));
    if (s)
        google__protobuf__struct__init(s);
    return s;
}

static Google__Protobuf__Struct *enc_struct(const pv_obj *o, const char *sig)
{
    Google__Protobuf__Struct *s = enc_new_struct();
    if (!s)
        return NULL;
    if (sig && enc_put(s, SIG_KEY, enc_stringn(sig, strlen(sig))) != 0)
        goto fail;
    for (size_t i = 0; i < o->len; i++)
        if (enc_put(s, o->keys[i], enc_value(o->vals[i])) != 0)
            goto fail;
    return s;
fail:
    protobuf_c_message_free_unpacked(&s->base, NULL);
    return NULL;
}

static Google__Protobuf__Struct *enc_output(const pv *v)
{
    Google__Protobuf__Struct *s = enc_new_struct();
    if (!s)
        return NULL;
    if (enc_put(s, SIG_KEY, enc_stringn(SIG_OUTPUT, strlen(SIG_OUTPUT))) != 0)
        goto fail;
    if (v->u.out.value && enc_put(s, "value", enc_value(v->u.out.value)) != 0)
        goto fail;
    if (v->u.out.secret) {
        Google__Protobuf__Value *b = enc_new(GOOGLE__PROTOBUF__VALUE__KIND_BOOL_VALUE);
        if (b)
            b->bool_value = 1;
        if (enc_put(s, "secret", b) != 0)
            goto fail;
    }
    if (v->u.out.ndeps) {
        Google__Protobuf__Value *l = enc_new(GOOGLE__PROTOBUF__VALUE__KIND_LIST_VALUE);
        if (!l)
            goto fail;
        l->list_value = malloc(sizeof(*l->list_value));
        if (!l->list_value) {
            free(l);
            goto fail;
        }
        google__protobuf__list_value__init(l->list_value);
        if (enc_put(s, "dependencies", l) != 0)
            goto fail;
        Google__Protobuf__ListValue *lv = l->list_value;
        lv->values = calloc(v->u.out.ndeps, sizeof(*lv->values));
        if (!lv->values)
            goto fail;
        for (size_t i = 0; i < v->u.out.ndeps; i++) {
            lv->values[i] = enc_stringn(v->u.out.deps[i], strlen(v->u.out.deps[i]));
            if (!lv->values[i])
                goto fail;
            lv->n_values = i + 1;
        }
    }
    return s;
fail:
    protobuf_c_message_free_unpacked(&s->base, NULL);
    return NULL;
}

static Google__Protobuf__Value *enc_value(const pv *v)
{
    Google__Protobuf__Value *m = NULL;
    switch (v->kind) {
    case PV_NULL:
        m = enc_new(GOOGLE__PROTOBUF__VALUE__KIND_NULL_VALUE);
        return m;
    case PV_BOOL:
        m = enc_new(GOOGLE__PROTOBUF__VALUE__KIND_BOOL_VALUE);
        if (m)
            m->bool_value = v->u.b;
        return m;
    case PV_NUMBER:
        m = enc_new(GOOGLE__PROTOBUF__VALUE__KIND_NUMBER_VALUE);
        if (m)
            m->number_value = v->u.n;
        return m;
    case PV_STRING:
        return enc_stringn(v->u.str.s, v->u.str.len);
    case PV_UNKNOWN: {
        const char *s = unknown_sentinels[v->u.unknown];
        return enc_stringn(s, strlen(s));
    }
    case PV_ARRAY: {
        m = enc_new(GOOGLE__PROTOBUF__VALUE__KIND_LIST_VALUE);
        if (!m)
            return NULL;
        Google__Protobuf__ListValue *l = malloc(sizeof(*l));
        if (!l) {
            free(m);
            return NULL;
        }
        google__protobuf__list_value__init(l);
        m->list_value = l;
        if (v->u.arr.len) {
            l->values = calloc(v->u.arr.len, sizeof(*l->values));
            if (!l->values)
                goto fail;
        }
        for (size_t i = 0; i < v->u.arr.len; i++) {
            if (!(l->values[i] = enc_value(v->u.arr.items[i])))
                goto fail;
            l->n_values = i + 1;
        }
        return m;
    }
    case PV_OBJECT:
        return enc_struct_value(enc_struct(&v->u.obj, NULL));
    case PV_RESOURCE:
        return enc_struct_value(enc_struct(&v->u.obj, SIG_RESOURCE));
    case PV_ASSET:
        return enc_struct_value(enc_struct(&v->u.obj, SIG_ASSET));
    case PV_ARCHIVE:
        return enc_struct_value(enc_struct(&v->u.obj, SIG_ARCHIVE));
    case PV_SECRET: {
        Google__Protobuf__Struct *s = enc_new_struct();
        if (!s)
            return NULL;
        if (enc_put(s, SIG_KEY, enc_stringn(SIG_SECRET, strlen(SIG_SECRET))) != 0 ||
            enc_put(s, "value", enc_value(v->u.inner)) != 0) {
            protobuf_c_message_free_unpacked(&s->base, NULL);
            return NULL;
        }
        return enc_struct_value(s);
    }
    case PV_OUTPUT:
        return enc_struct_value(enc_output(v));
    }
    return NULL;
fail:
    protobuf_c_message_free_unpacked(&m->base, NULL);
    return NULL;
}

int props_to_struct(const pv *obj, Google__Protobuf__Struct **out)
{
    *out = NULL;
    if (!obj || obj->kind != PV_OBJECT)
        return -1;
    *out = enc_struct(&obj->u.obj, NULL);
    return *out ? 0 : -1;
}

/* ---- JSON ------------------------------------------------------------------ */

cJSON *pv_to_cjson(const pv *v)
{
    v = pv_plain(v);
    switch (v->kind) {
    case PV_NULL:
        return cJSON_CreateNull();
    case PV_BOOL:
        return cJSON_CreateBool(v->u.b);
    case PV_NUMBER:
        return cJSON_CreateNumber(v->u.n);
    case PV_STRING:
        return cJSON_CreateString(v->u.str.s);
    case PV_ARRAY: {
        cJSON *a = cJSON_CreateArray();
        for (size_t i = 0; a && i < v->u.arr.len; i++) {
            cJSON *it = pv_to_cjson(v->u.arr.items[i]);
            if (!it || !cJSON_AddItemToArray(a, it)) {
                cJSON_Delete(it);
                cJSON_Delete(a);
                return NULL;
            }
        }
        return a;
    }
    case PV_OBJECT: {
        cJSON *o = cJSON_CreateObject();
        for (size_t i = 0; o && i < v->u.obj.len; i++) {
            cJSON *it = pv_to_cjson(v->u.obj.vals[i]);
            if (!it || !cJSON_AddItemToObject(o, v->u.obj.keys[i], it)) {
                cJSON_Delete(it);
                cJSON_Delete(o);
                return NULL;
            }
        }
        return o;
    }
    default:
        return NULL; /* unknowns, resources, assets: not JSON */
    }
}

pv *pv_from_cjson(const cJSON *j)
{
    if (cJSON_IsString(j))
        return pv_string(j->valuestring);
    if (cJSON_IsBool(j))
        return pv_bool(cJSON_IsTrue(j));
    if (cJSON_IsNumber(j))
        return pv_number(j->valuedouble);
    if (cJSON_IsArray(j) || cJSON_IsObject(j)) {
        pv *r = cJSON_IsArray(j) ? pv_array() : pv_object();
        for (const cJSON *it = j->child; r && it; it = it->next) {
            pv *x = pv_from_cjson(it);
            int rc = cJSON_IsArray(j) ? pv_array_push(r, x) : pv_object_set(r, it->string, x);
            if (rc != 0) {
                pv_free(r);
                return NULL;
            }
        }
        return r;
    }
    return pv_null();
}
