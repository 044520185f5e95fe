/* props: Pulumi property values as an in-memory tree, and the one conversion
 * between that tree and google.protobuf.Struct.
 *
 * Pulumi encodes secrets, resource references, output values, assets and
 * archives as objects carrying a signature key, and unknown (computed) values
 * as sentinel strings. The tree gives each its own kind so no code confuses a
 * secret with an object or an unknown with a string, and props_to_struct()
 * gives back exactly what props_from_struct() read. */
#ifndef AWSML_PROPS_H
#define AWSML_PROPS_H

#include <stdbool.h>
#include <stddef.h>

#include "google/protobuf/struct.pb-c.h"

typedef enum pv_kind {
    PV_NULL,
    PV_BOOL,
    PV_NUMBER,
    PV_STRING,
    PV_ARRAY,
    PV_OBJECT,
    PV_SECRET,   /* u.inner */
    PV_UNKNOWN,  /* u.unknown: which sentinel */
    PV_RESOURCE, /* u.obj: urn, id?, packageVersion? (signature key removed) */
    PV_OUTPUT,   /* u.out */
    PV_ASSET,    /* u.obj: the asset's fields (signature key removed) */
    PV_ARCHIVE,  /* u.obj: the archive's fields (signature key removed) */
} pv_kind;

/* The typed unknown sentinels; PV_UNK_ANY is the usual one. */
typedef enum pv_unknown_kind {
    PV_UNK_ANY,
    PV_UNK_BOOL,
    PV_UNK_NUMBER,
    PV_UNK_ARRAY,
    PV_UNK_OBJECT,
} pv_unknown_kind;

typedef struct pv pv;

typedef struct pv_obj {
    char **keys;
    pv **vals;
    size_t len, cap;
} pv_obj;

struct pv {
    pv_kind kind;
    union {
        bool b;
        double n;
        struct {
            char *s;
            size_t len;
        } str;
        struct {
            pv **items;
            size_t len, cap;
        } arr;
        pv_obj obj;
        pv *inner;
        pv_unknown_kind unknown;
        struct {
            pv *value; /* NULL: the output's value is unknown */
            bool secret;
            char **deps;
            size_t ndeps;
        } out;
    } u;
};

/* Limits on what the engine may send; beyond them a request is refused. */
#define PROPS_MAX_DEPTH 128

/* Constructors return NULL only on allocation failure. */
pv *pv_null(void);
pv *pv_bool(bool b);
pv *pv_number(double n);
pv *pv_string(const char *s);
pv *pv_stringn(const char *s, size_t len);
pv *pv_array(void);
pv *pv_object(void);
pv *pv_secret(pv *inner); /* takes inner */
pv *pv_unknown(pv_unknown_kind k);
void pv_free(pv *v);
pv *pv_copy(const pv *v);

/* Containers take ownership of the value, also when they fail. */
int pv_array_push(pv *arr, pv *item);
int pv_object_set(pv *obj, const char *key, pv *val); /* replaces an existing key */
/* Lookup in an object (or resource/asset/archive fields); NULL when absent. */
pv *pv_object_get(const pv *obj, const char *key);
int pv_object_remove(pv *obj, const char *key);

/* Sees through secret wrappers (and known output values). */
const pv *pv_plain(const pv *v);
/* true when v or anything inside it is secret / unknown. */
bool pv_contains_secret(const pv *v);
bool pv_contains_unknown(const pv *v);
/* Deep copy without secret wrappers (outputs resolved to their values). */
pv *pv_strip_secrets(const pv *v);
/* pv_strip_secrets without the copy: consumes v and returns the same tree
 * with the marks removed in place (NULL when memory runs out; v is freed). */
pv *pv_take_plain(pv *v);
/* Deep structural equality; secret wrappers are compared as marks, too. */
bool pv_equal(const pv *a, const pv *b);
/* Wraps in secret every part of out whose counterpart in in was secret
 * (same key path), so secret inputs come back secret in outputs. */
int pv_mark_secrets_like(pv **out, const pv *in);

/* JSON (cJSON) conversion, for documents and JSON-encoded configuration.
 * pv_to_cjson sees through secrets; unknowns, resources, assets and archives
 * have no JSON form (NULL, as on allocation failure). */
struct cJSON;
struct cJSON *pv_to_cjson(const pv *v);
pv *pv_from_cjson(const struct cJSON *j);

/* Struct conversion. On failure err names the property path and the rule. */
int props_from_struct(const Google__Protobuf__Struct *s, pv **out, char *err, size_t errlen);
/* Allocates with malloc; free with protobuf_c_message_free_unpacked(msg, NULL). */
int props_to_struct(const pv *obj, Google__Protobuf__Struct **out);

#endif
