#include "resources/policy.h"

#include <cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/mem.h"
#include "util/str.h"

#define POLICY_MAX_DEPTH 32

static cJSON *canon(const cJSON *j, int depth, bool in_statement, const char *key);

static bool is_set_key(const char *k)
{
    static const char *const keys[] = {"Action", "NotAction", "Resource", "NotResource", NULL};
    for (size_t i = 0; keys[i]; i++)
        if (k && strcmp(k, keys[i]) == 0)
            return true;
    return false;
}

/* A canonical set member and its compact text, the sort key. */
typedef struct printed_item {
    char *text;
    cJSON *item;
} printed_item;

static int cmp_printed(const void *a, const void *b)
{
    const printed_item *x = a, *y = b;
    return strcmp(x->text, y->text);
}

/* A list whose order does not matter: canonical items, sorted by their
 * printed text, duplicates dropped. A scalar is a one-element list. */
static cJSON *canon_set(const cJSON *j, int depth)
{
    cJSON *out = cJSON_CreateArray();
    size_t n = cJSON_IsArray(j) ? (size_t)cJSON_GetArraySize(j) : 1;
    printed_item *printed = calloc(n ? n : 1, sizeof(*printed));
    if (!printed)
        mem_note_failure();
    if (!out || !printed)
        goto fail;
    size_t k = 0;
    const cJSON *it = cJSON_IsArray(j) ? j->child : j;
    for (; it && k < n; it = cJSON_IsArray(j) ? it->next : NULL) {
        cJSON *c = canon(it, depth + 1, false, NULL);
        if (c && c->string) { /* a member's copy keeps its key: a list item has none */
            if (!(c->type & cJSON_StringIsConst))
                cJSON_free(c->string);
            c->string = NULL;
            c->type &= ~cJSON_StringIsConst;
        }
        printed[k].item = c;
        if (!c)
            goto fail;
        /* The text is only a sort key: a set of one needs none. */
        printed[k].text = n > 1 ? cJSON_PrintUnformatted(c) : NULL;
        k++;
        if (n > 1 && !printed[k - 1].text)
            goto fail;
    }
    qsort(printed, k, sizeof(*printed), cmp_printed);
    for (size_t i = 0; i < k; i++) {
        if (i && strcmp(printed[i].text, printed[i - 1].text) == 0)
            continue; /* left for the cleanup below */
        cJSON_AddItemToArray(out, printed[i].item);
        printed[i].item = NULL;
    }
    for (size_t i = 0; i < k; i++) {
        free(printed[i].text);
        cJSON_Delete(printed[i].item);
    }
    free(printed);
    return out;
fail:
    for (size_t i = 0; printed && i < n; i++) {
        free(printed[i].text);
        cJSON_Delete(printed[i].item);
    }
    free(printed);
    cJSON_Delete(out);
    return NULL;
}

static int cmp_keys(const void *a, const void *b)
{
    const cJSON *const *x = a, *const *y = b;
    return strcmp((*x)->string, (*y)->string);
}

/* An object with its keys sorted; inside a Statement, the set-valued keys,
 * principals and condition values become sorted lists. */
static cJSON *canon_object(const cJSON *j, int depth, bool in_statement, const char *parent)
{
    size_t n = (size_t)cJSON_GetArraySize(j);
    const cJSON **items = calloc(n ? n : 1, sizeof(*items));
    cJSON *out = cJSON_CreateObject();
    if (!items)
        mem_note_failure();
    if (!items || !out)
        goto fail;
    size_t k = 0;
    for (const cJSON *it = j->child; it; it = it->next)
        items[k++] = it;
    qsort(items, k, sizeof(*items), cmp_keys);
    for (size_t i = 0; i < k; i++) {
        const cJSON *v = items[i];
        const char *key = v->string;
        cJSON *c;
        bool principal =
            in_statement && (!strcmp(key, "Principal") || !strcmp(key, "NotPrincipal"));
        if (principal && cJSON_IsString(v) && strcmp(v->valuestring, "*") == 0) {
            /* "Principal": "*" means {"AWS": "*"}. */
            c = cJSON_CreateObject();
            cJSON *aws = c ? canon_set(v, depth + 1) : NULL;
            if (!aws) {
                cJSON_Delete(c);
                goto fail;
            }
            if (!cJSON_AddItemToObject(c, "AWS", aws)) {
                cJSON_Delete(aws);
                cJSON_Delete(c);
                goto fail;
            }
        } else if (in_statement && is_set_key(key)) {
            c = canon_set(v, depth + 1);
        } else if (principal && cJSON_IsObject(v)) {
            c = canon_object(v, depth + 1, false, "Principal");
        } else if (parent && (!strcmp(parent, "Principal") || !strcmp(parent, "ConditionOp"))) {
            c = canon_set(v, depth + 1);
        } else if (in_statement && !strcmp(key, "Condition") && cJSON_IsObject(v)) {
            c = cJSON_CreateObject();
            for (const cJSON *op = v->child; c && op; op = op->next) {
                cJSON *co = cJSON_IsObject(op) ? canon_object(op, depth + 2, false, "ConditionOp")
                                               : canon(op, depth + 2, false, NULL);
                if (!co) {
                    cJSON_Delete(c);
                    c = NULL;
                    break;
                }
                if (!cJSON_AddItemToObject(c, op->string, co)) {
                    cJSON_Delete(co);
                    cJSON_Delete(c);
                    c = NULL;
                    break;
                }
            }
            if (c) { /* sort the operators too */
                cJSON *sorted = canon_object(c, depth + 1, false, "Condition");
                cJSON_Delete(c);
                c = sorted;
            }
        } else {
            c = canon(v, depth + 1, false, key);
        }
        if (!c)
            goto fail;
        if (!cJSON_AddItemToObject(out, key, c)) {
            cJSON_Delete(c);
            goto fail;
        }
    }
    free(items);
    return out;
fail:
    free(items);
    cJSON_Delete(out);
    return NULL;
}

static cJSON *canon(const cJSON *j, int depth, bool in_statement, const char *key)
{
    if (depth > POLICY_MAX_DEPTH)
        return NULL;
    if (cJSON_IsObject(j))
        return canon_object(j, depth, in_statement, NULL);
    if (cJSON_IsArray(j)) {
        cJSON *out = cJSON_CreateArray();
        for (const cJSON *it = j->child; out && it; it = it->next) {
            cJSON *c = canon(it, depth + 1, false, NULL);
            if (!c) {
                cJSON_Delete(out);
                return NULL;
            }
            cJSON_AddItemToArray(out, c);
        }
        return out;
    }
    (void)key;
    return cJSON_Duplicate(j, 1);
}

/* The first key an object repeats, anywhere in j (NULL: none). cJSON keeps
 * every duplicate; IAM refuses them, and a repeated key has no single meaning
 * to compare. */
static const char *repeated_key(const cJSON *j, int depth)
{
    if (depth > POLICY_MAX_DEPTH)
        return NULL;
    for (const cJSON *a = j ? j->child : NULL; a; a = a->next) {
        if (cJSON_IsObject(j))
            for (const cJSON *b = a->next; b; b = b->next)
                if (a->string && b->string && strcmp(a->string, b->string) == 0)
                    return a->string;
        const char *inner = repeated_key(a, depth + 1);
        if (inner)
            return inner;
    }
    return NULL;
}

/* An error of policy_canonical: out of memory when an allocation failed
 * since mark (cJSON's are noted too, see util/mem.h), else msg. */
static int canon_fail(err *e, unsigned long mark, const char *msg)
{
    if (mem_failures() != mark)
        return err_set(e, ERR_RESOURCE_EXHAUSTED, "out of memory");
    return err_set(e, ERR_INVALID_ARGUMENT, "%s", msg);
}

cJSON *policy_canonical_json(const char *json, err *e)
{
    unsigned long mark = mem_failures();
    cJSON *doc = cJSON_Parse(json);
    cJSON *c = NULL, *stmts = NULL;
    if (!doc && mem_failures() != mark) {
        err_set(e, ERR_RESOURCE_EXHAUSTED, "out of memory");
        return NULL;
    }
    if (!doc || !cJSON_IsObject(doc)) {
        cJSON_Delete(doc);
        err_set(e, ERR_INVALID_ARGUMENT, "the policy is not a JSON object");
        return NULL;
    }
    const char *dup = repeated_key(doc, 0);
    if (dup) {
        err_set(e, ERR_INVALID_ARGUMENT, "the policy repeats the key \"%s\"", dup);
        cJSON_Delete(doc);
        return NULL;
    }
    /* Statements: one object or a list, in any order; each canonicalised. */
    cJSON *st = cJSON_DetachItemFromObjectCaseSensitive(doc, "Statement");
    if (st) {
        cJSON *list = cJSON_CreateArray();
        const cJSON *it = cJSON_IsArray(st) ? st->child : st;
        for (; list && it; it = cJSON_IsArray(st) ? it->next : NULL) {
            cJSON *cs =
                cJSON_IsObject(it) ? canon_object(it, 1, true, NULL) : canon(it, 1, false, NULL);
            if (!cs)
                break;
            cJSON_AddItemToArray(list, cs);
        }
        stmts = list ? canon_set(list, 0) : NULL;
        cJSON_Delete(list);
        cJSON_Delete(st);
        if (!stmts) {
            canon_fail(e, mark, "the policy's Statement could not be read");
            goto out;
        }
    }
    c = canon(doc, 0, false, NULL);
    if (!c) {
        canon_fail(e, mark, "the policy nests too deeply");
        goto out;
    }
    if (stmts) {
        if (!cJSON_AddItemToObject(c, "Statement", stmts)) {
            err_set(e, ERR_RESOURCE_EXHAUSTED, "out of memory");
            cJSON_Delete(c);
            c = NULL;
            goto out;
        }
        stmts = NULL;
        cJSON *sorted = canon_object(c, 0, false, NULL);
        cJSON_Delete(c);
        c = sorted;
        if (!c)
            err_set(e, ERR_RESOURCE_EXHAUSTED, "out of memory");
    }
out:
    cJSON_Delete(stmts);
    cJSON_Delete(doc);
    return c;
}

int policy_canonical(const char *json, char **out, err *e)
{
    cJSON *c = policy_canonical_json(json, e);
    *out = c ? cJSON_PrintUnformatted(c) : NULL;
    int rc = *out ? 0 : c ? err_set(e, ERR_RESOURCE_EXHAUSTED, "out of memory") : -1;
    cJSON_Delete(c);
    return rc;
}

bool policy_same(const char *a, const char *b)
{
    if (!a || !b)
        return a == b;
    return strcmp(a, b) == 0 || policy_equivalent(a, b);
}

bool policy_equivalent(const char *a, const char *b)
{
    char *ca = NULL, *cb = NULL;
    err e;
    bool eq = a && b && policy_canonical(a, &ca, &e) == 0 && policy_canonical(b, &cb, &e) == 0 &&
              strcmp(ca, cb) == 0;
    free(ca);
    free(cb);
    return eq;
}

int policy_check(const char *json, char *why, size_t whylen)
{
    unsigned long mark = mem_failures();
    cJSON *doc = cJSON_Parse(json);
    int rc = 0;
    if (!doc && mem_failures() != mark) {
        snprintf(why, whylen, "could not be checked: out of memory");
        rc = -1;
    } else if (!doc) {
        snprintf(why, whylen, "must be valid JSON (an IAM policy document)");
        rc = -1;
    } else if (!cJSON_IsObject(doc)) {
        snprintf(why, whylen, "must be a JSON object (an IAM policy document)");
        rc = -1;
    } else if (repeated_key(doc, 0)) {
        snprintf(why, whylen, "repeats the key \"%s\" (IAM refuses duplicate keys)",
                 repeated_key(doc, 0));
        rc = -1;
    }
    cJSON_Delete(doc);
    return rc;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

int policy_url_decode(const char *s, char **out, err *e)
{
    size_t n = strlen(s);
    char *r = malloc(n + 1);
    size_t k = 0;
    if (!r)
        return err_set(e, ERR_RESOURCE_EXHAUSTED, "out of memory");
    for (size_t i = 0; i < n; i++) {
        int hi, lo;
        if (s[i] == '%' && i + 2 < n + 1 && (hi = hexval(s[i + 1])) >= 0 &&
            (lo = hexval(s[i + 2])) >= 0) {
            r[k++] = (char)(hi * 16 + lo);
            i += 2;
        } else if (s[i] == '+') {
            r[k++] = ' '; /* query unescaping, as the SDKs decode these documents */
        } else {
            r[k++] = s[i];
        }
    }
    r[k] = '\0';
    *out = r;
    return 0;
}
