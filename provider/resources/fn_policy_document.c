/* fn_policy_document: aws:iam/getPolicyDocument:getPolicyDocument, computed
 * here without any AWS call, producing the very bytes pulumi-aws produces
 * (its Terraform aws_iam_policy_document data source, files
 * internal/service/iam/policy_document_data_source.go and policy_model.go of
 * terraform-provider-aws), so a program switching providers sees no diff.
 * The rules, each cited where it is applied below:
 *
 *   - The document is Go's encoding/json of a struct: keys Version, Id,
 *     Statement; a statement's Sid, Effect, Action, NotAction, Resource,
 *     NotResource, Principal, NotPrincipal, Condition, empty ones left out.
 *     `json` is json.MarshalIndent(doc, "", "  "), `minifiedJson` json.Marshal:
 *     HTML characters escaped as \u003c \u003e \u0026, map keys sorted.
 *   - actions, notActions, resources, notResources and principal identifiers
 *     are Terraform sets: duplicates go, one element becomes a plain string,
 *     more are sorted in reverse byte order (policyDecodeConfigStrings).
 *   - Principals are grouped by type (a map, so types sorted); a single "*"
 *     principal of type "*" is the string "*". Conditions group by test, then
 *     variable (both sorted); values keep their order, one value is a string.
 *   - In version 2012-10-17, "&{" becomes "${" in resources, notResources,
 *     identifiers and condition values; 2008-10-17 refuses "&{".
 *   - sourcePolicyDocuments merge first (a Sid may appear once across them),
 *     then the statements (a statement with a Sid already present replaces
 *     it in place), then overridePolicyDocuments the same way. A merged
 *     document's Id replaces the Id, a greater Version the Version.
 *   - id is the CRC-32 (IEEE) of `json`, in decimal.
 *   - principals and conditions are Terraform sets of blocks: several blocks
 *     of one principal type (or of one test and variable) are merged in the
 *     set's order, which is their hash order (pd_set_key below).
 *   - An empty Sid is left out (terraform-provider-aws v5 on, PR #28539). */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "resources/common.h"
#include "resources/engine.h"
#include "resources/function.h"
#include "util/buf.h"
#include "util/str.h"

#define PD_JSON_MAX ((size_t)4 * 1024 * 1024)
#define PD_WHY 512

/* ---- the table ------------------------------------------------------------------- */

static bool pd_alnum(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static bool pd_empty(const char *s)
{
    return s[0] == '\0';
}

static const char *const pd_effects[] = {"Allow", "Deny", NULL};
static const char *const pd_versions[] = {"2008-10-17", "2012-10-17", NULL};

static const eng_prop pd_condition_rows[] = {
    {.name = "test",
     .type = ET_STRING,
     .flags = EP_REQUIRED,
     .doc = "Name of the IAM condition operator to evaluate (e.g. `StringLike`)."},
    {.name = "values",
     .type = ET_LIST,
     .item = ET_STRING,
     .flags = EP_REQUIRED,
     .doc = "Values to evaluate the condition against; several values are ORed."},
    {.name = "variable",
     .type = ET_STRING,
     .flags = EP_REQUIRED,
     .doc = "Name of a Context Variable to apply the condition to (e.g. `aws:SourceAccount`)."},
};

static const eng_object pd_condition = {
    .token = "iam/getPolicyDocumentStatementCondition:getPolicyDocumentStatementCondition",
    .doc = "A condition of a statement.",
    ENG_ROWS(pd_condition_rows)};

static const eng_prop pd_principal_rows[] = {
    {.name = "identifiers",
     .type = ET_LIST,
     .item = ET_STRING,
     .flags = EP_REQUIRED,
     .doc = "List of identifiers for principals (ARNs, account ids, service names, `*`)."},
    {.name = "type",
     .type = ET_STRING,
     .flags = EP_REQUIRED,
     .doc = "Type of principal: `AWS`, `Service`, `Federated`, `CanonicalUser` or `*`."},
};

static const eng_object pd_principal = {
    .token = "iam/getPolicyDocumentStatementPrincipal:getPolicyDocumentStatementPrincipal",
    .doc = "Principals a statement applies to.",
    ENG_ROWS(pd_principal_rows)};
static const eng_object pd_not_principal = {
    .token = "iam/getPolicyDocumentStatementNotPrincipal:getPolicyDocumentStatementNotPrincipal",
    .doc = "Principals a statement does not apply to.",
    ENG_ROWS(pd_principal_rows)};

#define PD_SET_ROW(n, d)                                                                           \
    {                                                                                              \
        .name = n, .type = ET_LIST, .item = ET_STRING, .doc = d                                    \
    }

static const eng_prop pd_statement_rows[] = {
    PD_SET_ROW("actions", "List of actions this statement allows or denies (e.g. `s3:GetObject`)."),
    {.name = "conditions",
     .type = ET_LIST,
     .object = &pd_condition,
     .doc = "Conditions under which the statement applies."},
    {.name = "effect",
     .type = ET_STRING,
     .valid = EV_ENUM,
     .values = pd_effects,
     .doc = "Whether the statement allows or denies: `Allow` (the default) or `Deny`."},
    PD_SET_ROW("notActions", "List of actions this statement does not apply to."),
    {.name = "notPrincipals",
     .type = ET_LIST,
     .object = &pd_not_principal,
     .doc = "Principals the statement does not apply to."},
    PD_SET_ROW("notResources", "List of resource ARNs this statement does not apply to."),
    {.name = "principals",
     .type = ET_LIST,
     .object = &pd_principal,
     .doc = "Principals the statement applies to."},
    PD_SET_ROW("resources", "List of resource ARNs this statement applies to."),
    {.name = "sid",
     .type = ET_STRING,
     .valid = EV_STRING,
     .min = 0,
     .max = 1024,
     .charset = pd_alnum,
     .rule = "letters and digits",
     .doc = "Statement ID: letters and digits, unique within the document."},
};

static const eng_object pd_statement = {
    .token = "iam/getPolicyDocumentStatement:getPolicyDocumentStatement",
    .doc = "A statement of the policy document.",
    ENG_ROWS(pd_statement_rows)};

static const eng_prop pd_rows[] = {
    {.name = "overrideJson",
     .type = ET_STRING,
     .pred = pd_empty,
     .pred_rule = "must be empty: it is not used (give overridePolicyDocuments)",
     .deprecated = "Not used",
     .doc = "Not used; must be empty."},
    {.name = "overridePolicyDocuments",
     .type = ET_LIST,
     .item = ET_STRING,
     .valid = EV_JSON,
     .doc = "IAM policy documents merged last, in order: a statement whose Sid is already present "
            "replaces it, others are added."},
    {.name = "policyId", .type = ET_STRING, .doc = "ID for the policy document."},
    {.name = "sourceJson",
     .type = ET_STRING,
     .pred = pd_empty,
     .pred_rule = "must be empty: it is not used (give sourcePolicyDocuments)",
     .deprecated = "Not used",
     .doc = "Not used; must be empty."},
    {.name = "sourcePolicyDocuments",
     .type = ET_LIST,
     .item = ET_STRING,
     .valid = EV_JSON,
     .doc = "IAM policy documents merged first, in order; a Sid may appear only once across them."},
    {.name = "statements",
     .type = ET_LIST,
     .object = &pd_statement,
     .doc = "Configuration blocks of the policy's statements."},
    {.name = "version",
     .type = ET_STRING,
     .valid = EV_ENUM,
     .values = pd_versions,
     .def = "\"2012-10-17\"",
     .doc = "IAM policy document version: `2012-10-17` (the default) or `2008-10-17`."},
    {.name = "id",
     .type = ET_STRING,
     .flags = EP_OUTPUT,
     .doc = "CRC-32 of `json`, in decimal (as pulumi-aws)."},
    {.name = "json",
     .type = ET_STRING,
     .flags = EP_OUTPUT,
     .doc = "Standard JSON policy document rendered from the arguments, indented as pulumi-aws "
            "does."},
    {.name = "minifiedJson",
     .type = ET_STRING,
     .flags = EP_OUTPUT,
     .doc = "The same document without whitespace."},
};

static const eng_table pd_table = {
    .doc = "Generates an IAM policy document in JSON format, byte for byte as pulumi-aws does, "
           "for use with resources that expect policy documents (computed locally, no AWS call).",
    ENG_ROWS(pd_rows)};

/* ---- Go's encoding/json output ----------------------------------------------------- */

/* A float64 as encoding/json writes it: strconv's shortest form, 'e' below
 * 1e-6 and from 1e21 on with a one-digit negative exponent ("1e-7"). */
static int pd_number(buf *b, double d)
{
    if (!isfinite(d))
        return -1;
    char digits[40];
    int prec = 1;
    for (; prec <= 17; prec++) {
        snprintf(digits, sizeof(digits), "%.*e", prec - 1, d);
        if (strtod(digits, NULL) == d)
            break;
    }
    /* digits: [-]D[.DDD]e(+|-)XX */
    const char *p = digits;
    bool neg = *p == '-';
    if (neg)
        p++;
    char mant[24];
    size_t m = 0;
    for (; *p && *p != 'e'; p++)
        if (*p != '.' && m + 1 < sizeof(mant))
            mant[m++] = *p;
    mant[m] = '\0';
    int exp = *p == 'e' ? (int)strtol(p + 1, NULL, 10) : 0;
    while (m > 1 && mant[m - 1] == '0')
        mant[--m] = '\0';
    double a = fabs(d);
    if (neg && buf_append_byte(b, '-') != 0)
        return -1;
    if (a != 0 && (a < 1e-6 || a >= 1e21)) {
        if (buf_append_byte(b, mant[0]) != 0 || (m > 1 && buf_printf(b, ".%s", mant + 1) != 0))
            return -1;
        return exp < 0 ? buf_printf(b, "e-%d", -exp) : buf_printf(b, "e+%02d", exp);
    }
    if (a == 0)
        return buf_append_byte(b, '0');
    if (exp < 0) {
        if (buf_append_str(b, "0.") != 0)
            return -1;
        for (int i = 0; i < -exp - 1; i++)
            if (buf_append_byte(b, '0') != 0)
                return -1;
        return buf_append_str(b, mant);
    }
    for (int i = 0; i <= exp || i < (int)m; i++) {
        if (i == exp + 1 && buf_append_byte(b, '.') != 0)
            return -1;
        if (buf_append_byte(b, i < (int)m ? mant[i] : '0') != 0)
            return -1;
    }
    return 0;
}

/* A string as encoding/json writes it (HTML escaping on, Go 1.22's \b and
 * \f, U+2028 and U+2029 escaped). Input is valid UTF-8 (rpc.c checks it). */
static int pd_string(buf *b, const char *s)
{
    static const char hex[] = "0123456789abcdef";
    if (buf_append_byte(b, '"') != 0)
        return -1;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        unsigned char c = *p;
        int rc = 0;
        if (c == '"' || c == '\\') {
            char esc[2] = {'\\', (char)c};
            rc = buf_append(b, esc, 2);
        } else if (c == '\n') {
            rc = buf_append_str(b, "\\n");
        } else if (c == '\r') {
            rc = buf_append_str(b, "\\r");
        } else if (c == '\t') {
            rc = buf_append_str(b, "\\t");
        } else if (c == '\b') {
            rc = buf_append_str(b, "\\b");
        } else if (c == '\f') {
            rc = buf_append_str(b, "\\f");
        } else if (c < 0x20 || c == '<' || c == '>' || c == '&') {
            char esc[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 0xf]};
            rc = buf_append(b, esc, 6);
        } else if (c == 0xe2 && p[1] == 0x80 && (p[2] == 0xa8 || p[2] == 0xa9)) {
            rc = buf_append_str(b, p[2] == 0xa8 ? "\\u2028" : "\\u2029");
            p += 2;
        } else {
            rc = buf_append_byte(b, (char)c);
        }
        if (rc != 0)
            return -1;
    }
    return buf_append_byte(b, '"');
}

static int pd_indent(buf *b, int depth)
{
    if (buf_append_byte(b, '\n') != 0)
        return -1;
    for (int i = 0; i < depth; i++)
        if (buf_append_str(b, "  ") != 0)
            return -1;
    return 0;
}

/* v in Go's form: compact (json.Marshal) or indented by two spaces
 * (json.MarshalIndent(v, "", "  ")); keys in the order of v. */
static int pd_write(buf *b, const cJSON *v, bool pretty, int depth)
{
    if (cJSON_IsString(v))
        return pd_string(b, v->valuestring);
    if (cJSON_IsNumber(v))
        return pd_number(b, v->valuedouble);
    if (cJSON_IsBool(v))
        return buf_append_str(b, cJSON_IsTrue(v) ? "true" : "false");
    if (cJSON_IsNull(v))
        return buf_append_str(b, "null");
    bool obj = cJSON_IsObject(v);
    if (!obj && !cJSON_IsArray(v))
        return -1;
    if (buf_append_byte(b, obj ? '{' : '[') != 0)
        return -1;
    bool any = false;
    for (const cJSON *c = v->child; c; c = c->next) {
        if ((any && buf_append_byte(b, ',') != 0) || (pretty && pd_indent(b, depth + 1) != 0))
            return -1;
        if (obj && (pd_string(b, c->string) != 0 || buf_append_str(b, pretty ? ": " : ":") != 0))
            return -1;
        if (pd_write(b, c, pretty, depth + 1) != 0)
            return -1;
        any = true;
    }
    if (any && pretty && pd_indent(b, depth) != 0)
        return -1;
    return buf_append_byte(b, obj ? '}' : ']');
}

static char *pd_render(const cJSON *doc, bool pretty)
{
    buf b;
    buf_init(&b, PD_JSON_MAX);
    if (pd_write(&b, doc, pretty, 0) != 0) {
        buf_free(&b);
        return NULL;
    }
    return buf_take(&b, NULL);
}

/* crc32.ChecksumIEEE of n bytes (create.StringHashcode, Terraform's set
 * hash codes). */
static uint32_t pd_crc32(const char *s, size_t n)
{
    uint32_t crc = 0xffffffffu;
    for (const unsigned char *p = (const unsigned char *)s; p < (const unsigned char *)s + n; p++) {
        crc ^= *p;
        for (int k = 0; k < 8; k++)
            crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1u)));
    }
    return ~crc;
}

/* ---- building blocks ------------------------------------------------------------------ */

static int pd_cmp_desc(const void *a, const void *b)
{
    return strcmp(*(const char *const *)b, *(const char *const *)a);
}

/* Adds item to o under key, taking it (also on failure). */
static int pd_add(cJSON *o, const char *key, cJSON *item)
{
    if (!item)
        return -1;
    if (!cJSON_AddItemToObject(o, key, item)) {
        cJSON_Delete(item);
        return -1;
    }
    return 0;
}

static int pd_push(cJSON *a, cJSON *item)
{
    if (!item)
        return -1;
    if (!cJSON_AddItemToArray(a, item)) {
        cJSON_Delete(item);
        return -1;
    }
    return 0;
}

/* The strings of a list, in order, into *out (NULL when absent or empty; the
 * caller frees it); *n their number. -1 when memory ran out. */
static int pd_strings(const pv *list, const char ***out, size_t *n)
{
    *n = 0;
    *out = NULL;
    list = list ? pv_plain(list) : NULL;
    if (!list || list->kind != PV_ARRAY || list->u.arr.len == 0)
        return 0;
    const char **s = calloc(list->u.arr.len, sizeof(*s));
    if (!s)
        return -1;
    for (size_t i = 0; i < list->u.arr.len; i++) {
        const pv *v = pv_plain(list->u.arr.items[i]);
        if (v->kind == PV_STRING)
            s[(*n)++] = v->u.str.s;
    }
    *out = s;
    return 0;
}

/* policyDecodeConfigStrings on a Terraform set of strings: duplicates
 * dropped; one element is a string, more a reverse-sorted array. *out NULL
 * when the list is absent or empty. */
static int pd_set(const pv *list, cJSON **out)
{
    size_t n = 0;
    const char **s = NULL;
    *out = NULL;
    if (pd_strings(list, &s, &n) != 0)
        return -1;
    if (!s)
        return 0;
    qsort(s, n, sizeof(*s), pd_cmp_desc);
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (k == 0 || strcmp(s[k - 1], s[i]) != 0)
            s[k++] = s[i];
    int rc = 0;
    if (k == 1) {
        *out = cJSON_CreateString(s[0]);
    } else if (k > 1) {
        *out = cJSON_CreateArray();
        for (size_t i = 0; *out && i < k && rc == 0; i++)
            rc = pd_push(*out, cJSON_CreateString(s[i]));
    }
    free(s);
    if (k && (!*out || rc != 0)) {
        cJSON_Delete(*out);
        *out = NULL;
        return -1;
    }
    return 0;
}

/* dataSourcePolicyDocumentReplaceVarsInList: "&{" -> "${" in version
 * 2012-10-17; refused in 2008-10-17. v is a string or array of strings. */
static int pd_vars(cJSON *v, const char *version, char *why, size_t whylen)
{
    if (cJSON_IsArray(v)) {
        for (cJSON *c = v->child; c; c = c->next)
            if (pd_vars(c, version, why, whylen) != 0)
                return -1;
        return 0;
    }
    if (!cJSON_IsString(v) || !strstr(v->valuestring, "&{"))
        return 0;
    if (strcmp(version, "2008-10-17") == 0) {
        snprintf(why, whylen,
                 "found &{ sequence in (%.200s), which is not supported in document version "
                 "2008-10-17",
                 v->valuestring);
        return 1;
    }
    for (char *p = v->valuestring; (p = strstr(p, "&{")) != NULL; p += 2)
        *p = '$';
    return 0;
}

/* ---- principals and conditions (policy_model.go's MarshalJSON) --------------------------- */

typedef struct pd_entry {
    const char *key, *sub; /* principal: type; condition: test, variable */
    cJSON *val;            /* a string or an array of strings (owned) */
    char order[16];        /* the block's place in Terraform's set ("" from JSON) */
} pd_entry;

typedef struct pd_entries {
    pd_entry *e;
    size_t n;
} pd_entries;

static void pd_entries_free(pd_entries *es)
{
    for (size_t i = 0; i < es->n; i++)
        cJSON_Delete(es->e[i].val);
    free(es->e);
    es->e = NULL;
    es->n = 0;
}

static int pd_entries_add(pd_entries *es, const char *key, const char *sub, cJSON *val,
                          const char *order)
{
    pd_entry *p = realloc(es->e, (es->n + 1) * sizeof(*p));
    if (!p) {
        cJSON_Delete(val);
        return -1;
    }
    es->e = p;
    es->e[es->n] = (pd_entry){.key = key, .sub = sub, .val = val};
    str_copy(es->e[es->n++].order, sizeof(es->e[0].order), order ? order : "");
    return 0;
}

/* Appends a string or each string of an array to the array acc. */
static int pd_append(cJSON *acc, const cJSON *v)
{
    if (cJSON_IsString(v))
        return pd_push(acc, cJSON_CreateString(v->valuestring));
    for (const cJSON *c = v ? v->child : NULL; c; c = c->next)
        if (pd_push(acc, cJSON_CreateString(c->valuestring)) != 0)
            return -1;
    return 0;
}

/* An object with es's keys sorted (Go's map marshalling) from the values
 * collected per key in vals (taken). */
static cJSON *pd_sorted_object(const char **keys, cJSON **vals, size_t n)
{
    size_t *order = calloc(n ? n : 1, sizeof(*order));
    cJSON *o = cJSON_CreateObject();
    bool ok = order && o;
    for (size_t i = 0; ok && i < n; i++)
        order[i] = i;
    /* insertion sort by key: n is small */
    for (size_t i = 1; ok && i < n; i++)
        for (size_t j = i; j > 0 && strcmp(keys[order[j - 1]], keys[order[j]]) > 0; j--) {
            size_t t = order[j];
            order[j] = order[j - 1];
            order[j - 1] = t;
        }
    for (size_t i = 0; ok && i < n; i++) {
        ok = pd_add(o, keys[order[i]], vals[order[i]]) == 0;
        vals[order[i]] = NULL;
    }
    for (size_t i = 0; i < n; i++)
        cJSON_Delete(vals[i]);
    free(order);
    if (!ok) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

/* iamPolicyStatementPrincipalSet.MarshalJSON: one "*" of type "*" is "*";
 * otherwise identifiers grouped by type (arrays reverse-sorted, several
 * blocks of a type appended in order). */
static cJSON *pd_principals_json(const pd_entries *es)
{
    if (es->n == 1 && strcmp(es->e[0].key, "*") == 0) {
        const cJSON *v = es->e[0].val;
        if ((cJSON_IsString(v) && strcmp(v->valuestring, "*") == 0) ||
            (cJSON_IsArray(v) && cJSON_GetArraySize(v) == 1 && cJSON_IsString(v->child) &&
             strcmp(v->child->valuestring, "*") == 0))
            return cJSON_CreateString("*");
    }
    const char **keys = calloc(es->n, sizeof(*keys));
    cJSON **vals = calloc(es->n, sizeof(*vals));
    size_t k = 0;
    bool ok = keys && vals;
    for (size_t i = 0; ok && i < es->n; i++) {
        const pd_entry *p = &es->e[i];
        size_t j = 0;
        while (j < k && strcmp(keys[j], p->key) != 0)
            j++;
        if (j == k) {
            keys[k] = p->key;
            vals[k++] = NULL;
        }
        if (cJSON_IsArray(p->val)) {
            /* []string: an existing string becomes the first element; the
             * identifiers follow, sorted in reverse. */
            if (!vals[j] || cJSON_IsString(vals[j])) {
                cJSON *a = cJSON_CreateArray();
                ok = a && (!vals[j] || pd_append(a, vals[j]) == 0);
                cJSON_Delete(vals[j]);
                vals[j] = a;
            }
            int n = cJSON_GetArraySize(p->val);
            const char **ids = calloc((size_t)n + 1, sizeof(*ids));
            ok = ok && ids;
            int m = 0;
            for (const cJSON *c = p->val->child; ok && c; c = c->next)
                ids[m++] = c->valuestring;
            if (ok)
                qsort(ids, (size_t)m, sizeof(*ids), pd_cmp_desc);
            for (int q = 0; ok && q < m; q++)
                ok = pd_push(vals[j], cJSON_CreateString(ids[q])) == 0;
            free(ids);
        } else if (!vals[j]) {
            ok = (vals[j] = cJSON_CreateString(p->val->valuestring)) != NULL;
        } else {
            /* string after a string: both, in order; after an array: appended */
            if (cJSON_IsString(vals[j])) {
                cJSON *a = cJSON_CreateArray();
                ok = a && pd_append(a, vals[j]) == 0;
                cJSON_Delete(vals[j]);
                vals[j] = a;
            }
            ok = ok && pd_append(vals[j], p->val) == 0;
        }
    }
    cJSON *o = ok ? pd_sorted_object(keys, vals, k) : NULL;
    if (!ok)
        for (size_t i = 0; vals && i < k; i++)
            cJSON_Delete(vals[i]);
    free(keys);
    free(vals);
    return o;
}

/* iamPolicyStatementConditionSet.MarshalJSON: values appended per test and
 * variable, one value flattened to a string; tests and variables sorted. */
static cJSON *pd_conditions_json(const pd_entries *es)
{
    const char **tests = calloc(es->n, sizeof(*tests));
    size_t nt = 0;
    bool ok = tests != NULL;
    for (size_t i = 0; ok && i < es->n; i++) {
        size_t j = 0;
        while (j < nt && strcmp(tests[j], es->e[i].key) != 0)
            j++;
        if (j == nt) {
            tests[nt++] = es->e[i].key;
        }
    }
    cJSON **objs = calloc(nt ? nt : 1, sizeof(*objs));
    ok = ok && objs;
    for (size_t t = 0; ok && t < nt; t++) {
        const char **vars = calloc(es->n, sizeof(*vars));
        cJSON **vals = calloc(es->n, sizeof(*vals));
        size_t nv = 0;
        ok = vars && vals;
        for (size_t i = 0; ok && i < es->n; i++) {
            if (strcmp(es->e[i].key, tests[t]) != 0)
                continue;
            size_t j = 0;
            while (j < nv && strcmp(vars[j], es->e[i].sub) != 0)
                j++;
            if (j == nv) {
                vars[nv] = es->e[i].sub;
                ok = (vals[nv++] = cJSON_CreateArray()) != NULL;
            }
            ok = ok && pd_append(vals[j], es->e[i].val) == 0;
        }
        for (size_t j = 0; ok && j < nv; j++)
            if (cJSON_GetArraySize(vals[j]) == 1) {
                cJSON *one = cJSON_DetachItemFromArray(vals[j], 0);
                cJSON_Delete(vals[j]);
                vals[j] = one;
            }
        if (ok)
            ok = (objs[t] = pd_sorted_object(vars, vals, nv)) != NULL;
        else
            for (size_t j = 0; vals && j < nv; j++)
                cJSON_Delete(vals[j]);
        free(vars);
        free(vals);
    }
    cJSON *o = ok ? pd_sorted_object(tests, objs, nt) : NULL;
    if (!ok)
        for (size_t t = 0; objs && t < nt; t++)
            cJSON_Delete(objs[t]);
    free(tests);
    free(objs);
    return o;
}

/* ---- statements ------------------------------------------------------------------------ */

/* A statement: its Sid (for merging) and its JSON, keys in Go's order. */
typedef struct pd_stmt {
    char *sid;
    cJSON *json;
} pd_stmt;

typedef struct pd_doc {
    char version[32];
    char *id;
    pd_stmt *s;
    size_t n;
} pd_doc;

static void pd_doc_free(pd_doc *d)
{
    for (size_t i = 0; i < d->n; i++) {
        free(d->s[i].sid);
        cJSON_Delete(d->s[i].json);
    }
    free(d->s);
    free(d->id);
    memset(d, 0, sizeof(*d));
}

/* iamPolicyDoc.Merge: newer Id and greater Version win; a statement whose
 * Sid is present replaces that one in place, others are appended. Takes
 * the statements of add. */
static int pd_merge(pd_doc *into, pd_doc *add)
{
    if (add->id && *add->id) {
        free(into->id);
        into->id = add->id;
        add->id = NULL;
    }
    if (strcmp(add->version, into->version) > 0)
        str_copy(into->version, sizeof(into->version), add->version);
    for (size_t i = 0; i < add->n; i++) {
        pd_stmt st = add->s[i];
        add->s[i] = (pd_stmt){0};
        size_t j = into->n;
        if (st.sid && *st.sid)
            for (j = 0; j < into->n; j++)
                if (into->s[j].sid && strcmp(into->s[j].sid, st.sid) == 0)
                    break;
        if (j < into->n) {
            free(into->s[j].sid);
            cJSON_Delete(into->s[j].json);
            into->s[j] = st;
            continue;
        }
        pd_stmt *p = realloc(into->s, (into->n + 1) * sizeof(*p));
        if (!p) {
            free(st.sid);
            cJSON_Delete(st.json);
            return -1;
        }
        into->s = p;
        into->s[into->n++] = st;
    }
    return 0;
}

static int pd_doc_add(pd_doc *d, char *sid, cJSON *json)
{
    pd_stmt *p = realloc(d->s, (d->n + 1) * sizeof(*p));
    if (!p) {
        free(sid);
        cJSON_Delete(json);
        return -1;
    }
    d->s = p;
    d->s[d->n++] = (pd_stmt){sid, json};
    return 0;
}

/* Terraform's set order (terraform-plugin-sdk helper/schema set.go and
 * serialize.go): a set lists its elements by the decimal text of each one's
 * hash code, the CRC-32 of a serialisation, compared as strings. A string is
 * itself; a principal block is "identifiers:{<id>;...};type:<type>;" (its
 * identifiers in their own set order), a condition block
 * "test:<t>;values:(<v>;...);variable:<var>;". This reproduces the orders
 * terraform-provider-aws's acceptance tests expect for several principal
 * blocks of one type (TestAccIAMPolicyDocumentDataSource_
 * statementPrincipalIdentifiers_multiplePrincipals, aws and aws-us-gov). */
static void pd_set_key(const char *s, size_t n, char *out, size_t outlen)
{
    snprintf(out, outlen, "%lu", (unsigned long)pd_crc32(s, n));
}

typedef struct pd_keyed {
    const char *s;
    char key[16];
} pd_keyed;

static int pd_cmp_keyed(const void *a, const void *b)
{
    return strcmp(((const pd_keyed *)a)->key, ((const pd_keyed *)b)->key);
}

/* Appends the strings of a list to b in set order (duplicates once), each
 * followed by ';'. */
static int pd_serialise_set(buf *b, const pv *list)
{
    size_t n = 0;
    const char **s = NULL;
    if (pd_strings(list, &s, &n) != 0)
        return -1;
    pd_keyed *k = calloc(n ? n : 1, sizeof(*k));
    int rc = k ? 0 : -1;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        k[i].s = s[i];
        pd_set_key(s[i], strlen(s[i]), k[i].key, sizeof(k[i].key));
    }
    if (rc == 0)
        qsort(k, n, sizeof(*k), pd_cmp_keyed);
    for (size_t i = 0; rc == 0 && i < n; i++)
        if (i == 0 || strcmp(k[i].key, k[i - 1].key) != 0)
            rc = buf_printf(b, "%s;", k[i].s);
    free(k);
    free(s);
    return rc;
}

/* The place of a principal (sub NULL) or condition block in its set. */
static int pd_block_order(const pv *block, bool principal, char *out, size_t outlen)
{
    buf b;
    buf_init(&b, PD_JSON_MAX);
    int rc;
    if (principal) {
        rc = buf_append_str(&b, "identifiers:{");
        if (rc == 0)
            rc = pd_serialise_set(&b, pv_object_get(block, "identifiers"));
        if (rc == 0)
            rc = buf_printf(&b, "};type:%s;", prop_str(block, "type"));
    } else {
        size_t n = 0;
        const char **vals = NULL;
        rc = pd_strings(pv_object_get(block, "values"), &vals, &n);
        if (rc == 0)
            rc = buf_printf(&b, "test:%s;values:(", prop_str(block, "test"));
        for (size_t i = 0; rc == 0 && i < n; i++)
            rc = buf_printf(&b, "%s;", vals[i]);
        if (rc == 0)
            rc = buf_printf(&b, ");variable:%s;", prop_str(block, "variable"));
        free(vals);
    }
    if (rc == 0)
        pd_set_key(b.data, b.len, out, outlen);
    buf_free(&b);
    return rc;
}

/* Entries in their set's order (insertion sort: stable, and blocks are few). */
static void pd_entries_sort(pd_entries *es)
{
    for (size_t i = 1; i < es->n; i++)
        for (size_t j = i; j > 0 && strcmp(es->e[j - 1].order, es->e[j].order) > 0; j--) {
            pd_entry t = es->e[j];
            es->e[j] = es->e[j - 1];
            es->e[j - 1] = t;
        }
}

/* Principal blocks of a statement argument, in Terraform's set order; a
 * block equal to another (same type, same identifiers) is one element. */
static int pd_principal_entries(const pv *list, const char *version, pd_entries *es, char *why,
                                size_t whylen)
{
    list = list ? pv_plain(list) : NULL;
    for (size_t i = 0; list && list->kind == PV_ARRAY && i < list->u.arr.len; i++) {
        const pv *b = pv_plain(list->u.arr.items[i]);
        const char *type = prop_str(b, "type");
        cJSON *ids = NULL;
        char order[16];
        if (!type || pd_block_order(b, true, order, sizeof(order)) != 0 ||
            pd_set(pv_object_get(b, "identifiers"), &ids) != 0)
            return -1;
        if (!ids && !(ids = cJSON_CreateArray()))
            return -1;
        int vr = pd_vars(ids, version, why, whylen);
        if (vr != 0) {
            cJSON_Delete(ids);
            return vr;
        }
        bool dup = false;
        for (size_t k = 0; k < es->n && !dup; k++)
            dup = strcmp(es->e[k].key, type) == 0 && cJSON_Compare(es->e[k].val, ids, true);
        if (dup)
            cJSON_Delete(ids);
        else if (pd_entries_add(es, type, NULL, ids, order) != 0)
            return -1;
    }
    pd_entries_sort(es);
    return 0;
}

/* Condition blocks in Terraform's set order (an identical block is one
 * element); values keep their order, one value is a string. */
static int pd_condition_entries(const pv *list, const char *version, pd_entries *es, char *why,
                                size_t whylen)
{
    list = list ? pv_plain(list) : NULL;
    for (size_t i = 0; list && list->kind == PV_ARRAY && i < list->u.arr.len; i++) {
        const pv *b = pv_plain(list->u.arr.items[i]);
        const char *test = prop_str(b, "test"), *var = prop_str(b, "variable");
        size_t n = 0;
        const char **vals = NULL;
        char order[16];
        if (!test || !var || pd_block_order(b, false, order, sizeof(order)) != 0 ||
            pd_strings(pv_object_get(b, "values"), &vals, &n) != 0)
            return -1;
        cJSON *v = n == 1 ? cJSON_CreateString(vals[0]) : cJSON_CreateArray();
        bool ok = v != NULL;
        for (size_t k = 0; ok && n != 1 && k < n; k++)
            ok = pd_push(v, cJSON_CreateString(vals[k])) == 0;
        free(vals);
        if (!ok) {
            cJSON_Delete(v);
            return -1;
        }
        int vr = pd_vars(v, version, why, whylen);
        if (vr != 0) {
            cJSON_Delete(v);
            return vr;
        }
        bool dup = false;
        for (size_t k = 0; k < es->n && !dup; k++)
            dup = strcmp(es->e[k].key, test) == 0 && strcmp(es->e[k].sub, var) == 0 &&
                  cJSON_Compare(es->e[k].val, v, true);
        if (dup)
            cJSON_Delete(v);
        else if (pd_entries_add(es, test, var, v, order) != 0)
            return -1;
    }
    pd_entries_sort(es);
    return 0;
}

/* Adds "key": the set's JSON (resources-like rows take variables). */
static int pd_add_set(cJSON *st, const char *key, const pv *list, const char *version, bool vars,
                      char *why, size_t whylen)
{
    cJSON *v = NULL;
    if (pd_set(list, &v) != 0)
        return -1;
    if (!v)
        return 0;
    int vr = vars ? pd_vars(v, version, why, whylen) : 0;
    if (vr != 0) {
        cJSON_Delete(v);
        return vr;
    }
    return pd_add(st, key, v);
}

static int pd_add_entries(cJSON *st, const char *key, pd_entries *es, bool principals)
{
    int rc = 0;
    if (es->n)
        rc = pd_add(st, key, principals ? pd_principals_json(es) : pd_conditions_json(es));
    pd_entries_free(es);
    return rc;
}

/* One statement argument as JSON. 1 with why set for a rule it breaks. */
static int pd_config_statement(const pv *s, const char *version, cJSON **out, char *why,
                               size_t whylen)
{
    cJSON *st = cJSON_CreateObject();
    pd_entries pr = {0}, np = {0}, co = {0};
    const char *sid = prop_str(s, "sid");
    const char *effect = prop_str(s, "effect");
    int rc = st ? 0 : -1;
    if (rc == 0 && sid && *sid)
        rc = pd_add(st, "Sid", cJSON_CreateString(sid));
    if (rc == 0)
        rc = pd_add(st, "Effect", cJSON_CreateString(effect ? effect : "Allow"));
    if (rc == 0)
        rc = pd_add_set(st, "Action", pv_object_get(s, "actions"), version, false, why, whylen);
    if (rc == 0)
        rc = pd_add_set(st, "NotAction", pv_object_get(s, "notActions"), version, false, why,
                        whylen);
    if (rc == 0)
        rc = pd_add_set(st, "Resource", pv_object_get(s, "resources"), version, true, why, whylen);
    if (rc == 0)
        rc = pd_add_set(st, "NotResource", pv_object_get(s, "notResources"), version, true, why,
                        whylen);
    if (rc == 0)
        rc = pd_principal_entries(pv_object_get(s, "principals"), version, &pr, why, whylen);
    if (rc == 0)
        rc = pd_add_entries(st, "Principal", &pr, true);
    if (rc == 0)
        rc = pd_principal_entries(pv_object_get(s, "notPrincipals"), version, &np, why, whylen);
    if (rc == 0)
        rc = pd_add_entries(st, "NotPrincipal", &np, true);
    if (rc == 0)
        rc = pd_condition_entries(pv_object_get(s, "conditions"), version, &co, why, whylen);
    if (rc == 0)
        rc = pd_add_entries(st, "Condition", &co, false);
    pd_entries_free(&pr);
    pd_entries_free(&np);
    pd_entries_free(&co);
    if (rc != 0) {
        cJSON_Delete(st);
        return rc;
    }
    *out = st;
    return 0;
}

/* ---- documents given as JSON (json.Unmarshal into iamPolicyDoc) ---------------------------- */

/* A value of an `any` field as Go re-marshals it: objects with sorted keys. */
static cJSON *pd_any(const cJSON *v)
{
    if (!cJSON_IsObject(v))
        return cJSON_Duplicate(v, true);
    size_t n = (size_t)cJSON_GetArraySize(v);
    const char **keys = calloc(n ? n : 1, sizeof(*keys));
    cJSON **vals = calloc(n ? n : 1, sizeof(*vals));
    size_t k = 0;
    bool ok = keys && vals;
    for (const cJSON *c = v->child; ok && c; c = c->next) {
        /* a repeated key: the last one wins, as in Go */
        size_t j = 0;
        while (j < k && strcmp(keys[j], c->string) != 0)
            j++;
        cJSON *cv = pd_any(c);
        ok = cv != NULL;
        if (j < k) {
            cJSON_Delete(vals[j]);
            vals[j] = cv;
        } else if (ok) {
            keys[k] = c->string;
            vals[k++] = cv;
        }
    }
    cJSON *o = ok ? pd_sorted_object(keys, vals, k) : NULL;
    if (!ok)
        for (size_t i = 0; vals && i < k; i++)
            cJSON_Delete(vals[i]);
    free(keys);
    free(vals);
    return o;
}

/* The member of o whose key matches name case-insensitively (Go's rule;
 * the last one when several do). */
static const cJSON *pd_member(const cJSON *o, const char *name)
{
    const cJSON *found = NULL;
    for (const cJSON *c = o->child; c; c = c->next)
        if (strcasecmp(c->string, name) == 0)
            found = c;
    return found;
}

static int pd_bad(char *why, size_t whylen, const char *fmt, const char *what)
{
    snprintf(why, whylen, fmt, what);
    return 1;
}

/* iamPolicyStatementPrincipalSet.UnmarshalJSON. */
static int pd_json_principals(const cJSON *v, pd_entries *es, char *why, size_t whylen)
{
    if (cJSON_IsString(v)) {
        cJSON *a = cJSON_CreateArray();
        if (!a || pd_push(a, cJSON_CreateString("*")) != 0) {
            cJSON_Delete(a);
            return -1;
        }
        return pd_entries_add(es, "*", NULL, a, NULL);
    }
    if (!cJSON_IsObject(v))
        return pd_bad(why, whylen, "%s must be \"*\" or an object of principal types", "Principal");
    for (const cJSON *c = v->child; c; c = c->next) {
        cJSON *ids = NULL;
        if (cJSON_IsString(c)) {
            ids = cJSON_CreateString(c->valuestring);
        } else if (cJSON_IsArray(c)) {
            ids = cJSON_CreateArray();
            for (const cJSON *x = c->child; ids && x; x = x->next) {
                if (!cJSON_IsString(x)) {
                    cJSON_Delete(ids);
                    return pd_bad(why, whylen,
                                  "the identifiers of principal type '%.100s' must "
                                  "be strings",
                                  c->string);
                }
                if (pd_push(ids, cJSON_CreateString(x->valuestring)) != 0) {
                    cJSON_Delete(ids);
                    return -1;
                }
            }
        } else {
            return pd_bad(why, whylen,
                          "principal type '%.100s' must have a string or an array of strings",
                          c->string);
        }
        if (!ids || pd_entries_add(es, c->string, NULL, ids, NULL) != 0)
            return -1;
    }
    return 0;
}

/* iamPolicyStatementConditionSet.UnmarshalJSON: strings, booleans (as
 * "true"/"false") and arrays of strings; other values are dropped. */
static int pd_json_conditions(const cJSON *v, pd_entries *es, char *why, size_t whylen)
{
    if (!cJSON_IsObject(v))
        return pd_bad(why, whylen, "%s must be an object of condition operators", "Condition");
    for (const cJSON *t = v->child; t; t = t->next) {
        if (!cJSON_IsObject(t))
            return pd_bad(why, whylen, "condition operator '%.100s' must hold an object",
                          t->string);
        for (const cJSON *c = t->child; c; c = c->next) {
            cJSON *val = NULL;
            if (cJSON_IsString(c)) {
                val = cJSON_CreateArray();
                if (val && pd_push(val, cJSON_CreateString(c->valuestring)) != 0) {
                    cJSON_Delete(val);
                    return -1;
                }
            } else if (cJSON_IsBool(c)) {
                val = cJSON_CreateString(cJSON_IsTrue(c) ? "true" : "false");
            } else if (cJSON_IsArray(c)) {
                val = cJSON_CreateArray();
                for (const cJSON *x = c->child; val && x; x = x->next) {
                    if (!cJSON_IsString(x)) {
                        cJSON_Delete(val);
                        return pd_bad(why, whylen,
                                      "the values of condition key '%.100s' must be strings",
                                      c->string);
                    }
                    if (pd_push(val, cJSON_CreateString(x->valuestring)) != 0) {
                        cJSON_Delete(val);
                        return -1;
                    }
                }
            } else {
                continue;
            }
            if (!val || pd_entries_add(es, t->string, c->string, val, NULL) != 0)
                return -1;
        }
    }
    return 0;
}

static int pd_json_string(const cJSON *o, const char *name, const char **out, char *why,
                          size_t whylen)
{
    const cJSON *v = pd_member(o, name);
    *out = NULL;
    if (!v || cJSON_IsNull(v))
        return 0;
    if (!cJSON_IsString(v))
        return pd_bad(why, whylen, "%s must be a string", name);
    *out = v->valuestring;
    return 0;
}

/* One statement of a JSON document, re-marshalled in Go's key order. */
static int pd_json_statement(const cJSON *s, char **sid_out, cJSON **out, char *why, size_t whylen)
{
    static const char *const anys[] = {"Action", "NotAction", "Resource", "NotResource"};
    const char *sid = NULL, *effect = NULL;
    pd_entries pr = {0}, np = {0}, co = {0};
    if (!cJSON_IsObject(s))
        return pd_bad(why, whylen, "%s must be objects", "statements");
    int rc = pd_json_string(s, "Sid", &sid, why, whylen);
    if (rc == 0)
        rc = pd_json_string(s, "Effect", &effect, why, whylen);
    cJSON *st = rc == 0 ? cJSON_CreateObject() : NULL;
    if (rc == 0 && !st)
        rc = -1;
    if (rc == 0 && sid && *sid)
        rc = pd_add(st, "Sid", cJSON_CreateString(sid));
    if (rc == 0 && effect && *effect)
        rc = pd_add(st, "Effect", cJSON_CreateString(effect));
    for (size_t i = 0; rc == 0 && i < 4; i++) {
        const cJSON *v = pd_member(s, anys[i]);
        if (v && !cJSON_IsNull(v))
            rc = pd_add(st, anys[i], pd_any(v));
    }
    const cJSON *p = rc == 0 ? pd_member(s, "Principal") : NULL;
    if (p && !cJSON_IsNull(p))
        rc = pd_json_principals(p, &pr, why, whylen);
    if (rc == 0)
        rc = pd_add_entries(st, "Principal", &pr, true);
    p = rc == 0 ? pd_member(s, "NotPrincipal") : NULL;
    if (p && !cJSON_IsNull(p))
        rc = pd_json_principals(p, &np, why, whylen);
    if (rc == 0)
        rc = pd_add_entries(st, "NotPrincipal", &np, true);
    p = rc == 0 ? pd_member(s, "Condition") : NULL;
    if (p && !cJSON_IsNull(p))
        rc = pd_json_conditions(p, &co, why, whylen);
    if (rc == 0)
        rc = pd_add_entries(st, "Condition", &co, false);
    pd_entries_free(&pr);
    pd_entries_free(&np);
    pd_entries_free(&co);
    char *sid_copy = rc == 0 && sid ? str_dup(sid) : NULL;
    if (rc == 0 && sid && !sid_copy)
        rc = -1;
    if (rc != 0) {
        cJSON_Delete(st);
        return rc;
    }
    *sid_out = sid_copy;
    *out = st;
    return 0;
}

/* A whole JSON document. 1 with why set when it is not one. */
static int pd_json_doc(const char *text, pd_doc *d, char *why, size_t whylen)
{
    cJSON *j = cJSON_Parse(text);
    int rc = 0;
    const char *version = NULL, *id = NULL;
    if (!j)
        return pd_bad(why, whylen, "%s", "is not valid JSON");
    if (!cJSON_IsObject(j)) {
        rc = pd_bad(why, whylen, "%s", "must be a JSON object (a policy document)");
        goto done;
    }
    rc = pd_json_string(j, "Version", &version, why, whylen);
    if (rc == 0)
        rc = pd_json_string(j, "Id", &id, why, whylen);
    if (rc != 0)
        goto done;
    if (version && str_copy(d->version, sizeof(d->version), version) >= sizeof(d->version)) {
        rc = pd_bad(why, whylen, "%s", "has a Version longer than 31 characters");
        goto done;
    }
    if (id && *id && !(d->id = str_dup(id))) {
        rc = -1;
        goto done;
    }
    const cJSON *sts = pd_member(j, "Statement");
    if (sts && !cJSON_IsNull(sts) && !cJSON_IsArray(sts)) {
        rc = pd_bad(why, whylen, "%s", "must have Statement as an array");
        goto done;
    }
    for (const cJSON *s = sts ? sts->child : NULL; s && rc == 0; s = s->next) {
        char *sid = NULL;
        cJSON *st = NULL;
        rc = pd_json_statement(s, &sid, &st, why, whylen);
        if (rc == 0)
            rc = pd_doc_add(d, sid, st);
    }
done:
    cJSON_Delete(j);
    return rc;
}

/* ---- the function ------------------------------------------------------------------------- */

/* Duplicate Sids among the statements (Terraform: "duplicate Sid"). */
static int pd_check(res_ctx *ctx, const pv *args, check_failures *f, err *e)
{
    (void)ctx;
    const pv *sts = pv_object_get(args, "statements");
    sts = sts ? pv_plain(sts) : NULL;
    int rc = 0;
    for (size_t i = 0; sts && sts->kind == PV_ARRAY && i < sts->u.arr.len; i++) {
        const char *sid = prop_str(pv_plain(sts->u.arr.items[i]), "sid");
        for (size_t k = 0; sid && *sid && k < i; k++) {
            const char *other = prop_str(pv_plain(sts->u.arr.items[k]), "sid");
            if (other && strcmp(other, sid) == 0) {
                char path[64];
                snprintf(path, sizeof(path), "statements[%zu].sid", i);
                rc |= check_failure_add(f, path,
                                        "'%s' repeats Sid '%.100s' of statements[%zu]: a Sid "
                                        "must be unique (remove it or change it)",
                                        path, sid, k);
                break;
            }
        }
    }
    return rc ? res_oom(e) : 0;
}

/* Merges each JSON document of the list arg into d. Source documents may
 * not repeat a Sid among themselves. */
static int pd_merge_list(const pv *args, const char *arg, bool unique_sids, pd_doc *d, err *e)
{
    size_t n = 0;
    const char **docs = NULL;
    char why[PD_WHY];
    int rc = 0;
    if (pd_strings(pv_object_get(args, arg), &docs, &n) != 0)
        return res_oom(e);
    for (size_t i = 0; i < n && rc == 0; i++) {
        pd_doc add = {0};
        int r = pd_json_doc(docs[i], &add, why, sizeof(why));
        if (r > 0)
            rc = err_set(e, ERR_INVALID_ARGUMENT, "getPolicyDocument: '%s[%zu]' %s", arg, i, why);
        else if (r < 0)
            rc = res_oom(e);
        for (size_t k = 0; rc == 0 && unique_sids && k < add.n; k++) {
            const char *sid = add.s[k].sid;
            for (size_t m = 0; sid && *sid && m < d->n; m++)
                if (d->s[m].sid && strcmp(d->s[m].sid, sid) == 0) {
                    rc = err_set(e, ERR_INVALID_ARGUMENT,
                                 "getPolicyDocument: '%s[%zu]' statement %zu repeats Sid '%.100s' "
                                 "of an earlier source document; Sids must be unique across "
                                 "sourcePolicyDocuments",
                                 arg, i, k, sid);
                    break;
                }
            for (size_t m = 0; rc == 0 && sid && *sid && m < k; m++)
                if (add.s[m].sid && strcmp(add.s[m].sid, sid) == 0)
                    rc = err_set(e, ERR_INVALID_ARGUMENT,
                                 "getPolicyDocument: '%s[%zu]' repeats Sid '%.100s' (statements "
                                 "%zu and %zu); Sids must be unique across sourcePolicyDocuments",
                                 arg, i, sid, m, k);
        }
        if (rc == 0 && pd_merge(d, &add) != 0)
            rc = res_oom(e);
        pd_doc_free(&add);
    }
    free(docs);
    return rc;
}

/* The document as Go marshals iamPolicyDoc (empty members left out). */
static cJSON *pd_doc_json(pd_doc *d)
{
    cJSON *o = cJSON_CreateObject();
    bool ok = o != NULL;
    if (ok && d->version[0])
        ok = pd_add(o, "Version", cJSON_CreateString(d->version)) == 0;
    if (ok && d->id && *d->id)
        ok = pd_add(o, "Id", cJSON_CreateString(d->id)) == 0;
    if (ok && d->n) {
        cJSON *a = cJSON_CreateArray();
        ok = a && pd_add(o, "Statement", a) == 0;
        for (size_t i = 0; ok && i < d->n; i++) {
            ok = pd_push(a, d->s[i].json) == 0;
            d->s[i].json = NULL;
        }
    }
    if (!ok) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

static int pd_invoke(res_ctx *ctx, const pv *args, pv **result, err *e)
{
    (void)ctx;
    pd_doc merged = {0}, own = {0};
    cJSON *doc = NULL;
    char *pretty = NULL, *mini = NULL;
    pv *out = NULL;
    char why[PD_WHY] = "";
    int rc = -1;
    const char *version = prop_str(args, "version");
    if (!version)
        version = "2012-10-17";
    if (pd_merge_list(args, "sourcePolicyDocuments", true, &merged, e) != 0)
        goto done;
    str_copy(own.version, sizeof(own.version), version);
    const char *pid = prop_str(args, "policyId");
    if (pid && *pid && !(own.id = str_dup(pid))) {
        res_oom(e);
        goto done;
    }
    const pv *sts = pv_object_get(args, "statements");
    sts = sts ? pv_plain(sts) : NULL;
    for (size_t i = 0; sts && sts->kind == PV_ARRAY && i < sts->u.arr.len; i++) {
        const pv *s = pv_plain(sts->u.arr.items[i]);
        cJSON *st = NULL;
        int r = pd_config_statement(s, version, &st, why, sizeof(why));
        if (r > 0) {
            err_set(e, ERR_INVALID_ARGUMENT, "getPolicyDocument: 'statements[%zu]': %s", i, why);
            goto done;
        }
        if (r < 0) {
            res_oom(e);
            goto done;
        }
        const char *sid = prop_str(s, "sid");
        char *sid_copy = sid ? str_dup(sid) : NULL;
        if (sid && !sid_copy) {
            cJSON_Delete(st);
            res_oom(e);
            goto done;
        }
        if (pd_doc_add(&own, sid_copy, st) != 0) { /* takes both */
            res_oom(e);
            goto done;
        }
    }
    if (pd_merge(&merged, &own) != 0) {
        res_oom(e);
        goto done;
    }
    if (pd_merge_list(args, "overridePolicyDocuments", false, &merged, e) != 0)
        goto done;
    doc = pd_doc_json(&merged);
    pretty = doc ? pd_render(doc, true) : NULL;
    mini = doc ? pd_render(doc, false) : NULL;
    if (!pretty || !mini) {
        err_set(e, ERR_RESOURCE_EXHAUSTED,
                "getPolicyDocument: out of memory, or the document is over %zu bytes", PD_JSON_MAX);
        goto done;
    }
    char id[16];
    snprintf(id, sizeof(id), "%lu", (unsigned long)pd_crc32(pretty, strlen(pretty)));
    out = pv_copy(args);
    if (!out || prop_set_str(out, "json", pretty) != 0 ||
        prop_set_str(out, "minifiedJson", mini) != 0 || prop_set_str(out, "id", id) != 0) {
        res_oom(e);
        goto done;
    }
    /* The statements as pulumi-aws reports them: effect filled in. */
    const pv *osts = pv_object_get(out, "statements");
    for (size_t i = 0; osts && osts->kind == PV_ARRAY && i < osts->u.arr.len; i++) {
        pv *s = osts->u.arr.items[i];
        if (s->kind == PV_OBJECT && !prop_str(s, "effect") && prop_set_str(s, "effect", "Allow")) {
            res_oom(e);
            goto done;
        }
    }
    *result = out;
    out = NULL;
    rc = 0;
done:
    pv_free(out);
    free(pretty);
    free(mini);
    cJSON_Delete(doc);
    pd_doc_free(&merged);
    pd_doc_free(&own);
    return rc;
}

const function_type fn_get_policy_document = {
    .token = "iam/getPolicyDocument:getPolicyDocument",
    .table = &pd_table,
    .check_hook = pd_check,
    .invoke = pd_invoke,
};
