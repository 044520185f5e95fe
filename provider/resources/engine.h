/* engine: a resource type as a description. One row per property says what
 * the schema, Check, Diff and Read need to know about it; generic code here
 * does the rest, so a resource file holds its table plus the hooks only AWS
 * can explain (policy reconciliation, replay tokens, delete prerequisites,
 * error classifiers).
 *
 *   Check   type of every input, required, defaults, validation (length,
 *           charset, range, enum, ARN, JSON and policy documents, a
 *           predicate), resource references as their IDs, JSON documents
 *           given as objects serialised, autonaming, tags and tagsAll; then
 *           the type's check hook.
 *   Diff    per row: plain, policy or JSON document by meaning, set, keyed
 *           set of objects, map by key (tags, tagsAll); replace-on-change
 *           rows replace; then the type's diff hook for rows marked ED_HOOK.
 *   Read    engine_read_inputs(): the inputs of an imported or refreshed
 *           resource from its outputs, keeping the user's text where AWS's
 *           value means the same.
 *   Schema  engine_schema_resource(): the resource's entry and its object
 *           types for schema.json (cmd/gen_schema.c writes the file at build
 *           time; nothing about a property is written twice). */
#ifndef AWSML_RESOURCES_ENGINE_H
#define AWSML_RESOURCES_ENGINE_H

#include <stdbool.h>
#include <stddef.h>

#include "aws/endpoints.h"
#include "props.h"
#include "resource.h"
#include "util/err.h"

/* The value type of a property (and of list and map elements). */
enum eng_type {
    ET_STRING = 0,
    ET_INT,
    ET_NUMBER,
    ET_BOOL,
    ET_LIST,   /* of .item (or objects of .object) */
    ET_MAP,    /* string keys to .item */
    ET_OBJECT, /* nested rows in .object */
    ET_ASSET,  /* an asset or archive (schema pulumi.json#/Asset) */
};

/* Validation of a known value (absent, null and unknown values pass). */
enum eng_valid {
    EV_NONE = 0,
    EV_STRING, /* min..max characters, each in .charset (NULL: any), then .pred */
    EV_INT,    /* a whole number in min..max */
    EV_ENUM,   /* one of .values */
    EV_ARN,    /* arn:<partition>:<.service>:<region>:<account>:<resource>, at most 2048 */
    EV_POLICY, /* a JSON IAM policy document (an object given is serialised) */
    EV_JSON,   /* a JSON document of 1..max bytes (an object given is serialised) */
};

/* How Diff compares the row. */
enum eng_diff {
    ED_PLAIN = 0, /* structural equality */
    ED_POLICY,    /* JSON policy documents by meaning (policy_equivalent) */
    ED_JSON,      /* JSON documents by value (key order, spacing) */
    ED_SET,       /* a list whose order does not matter */
    ED_MAP,       /* one entry per added, removed or changed key (tags, tagsAll) */
    ED_HOOK,      /* the type's diff hook compares it */
    ED_NEVER,     /* never diffed (outputs only) */
    /* A list of objects as a set keyed by .object->key: elements holding no
     * row are no elements ([] and [{}] are the same), the others compare by
     * key, their rows by their own rules; with the same keys in the same
     * places only the rows that changed show ("list[1].policy"). */
    ED_KEYED,
};

/* Row flags. */
#define EP_REQUIRED 0x001u    /* a required input */
#define EP_REPLACE 0x002u     /* a change replaces the resource */
#define EP_SECRET 0x004u      /* always secret */
#define EP_OUTPUT 0x008u      /* computed: an output only, never an input */
#define EP_ALWAYS 0x010u      /* always present in the outputs (schema "required") */
#define EP_NAME 0x020u        /* the physical name: autonamed when absent (see .prefix_of) */
#define EP_TAGS 0x040u        /* the resource's tags: Check derives tagsAll from them */
#define EP_TAGS_ALL 0x080u    /* tagsAll: output set by Check, diffed like an input */
#define EP_RESOURCE_ID 0x100u /* a resource reference stands for its ID */
/* Absent means "not managed": no diff when news lacks it (a list the user
 * stops giving is left as it is in AWS, not emptied). */
#define EP_UNMANAGED_ABSENT 0x200u
/* Not AWS's: the provider's own setting (namePrefix, forceDetachPolicies,
 * region), reported in the outputs as the user gave it. */
#define EP_LOCAL 0x400u

/* The resource's region (pulumi-aws 7): Check defaults it to the provider's;
 * res_client_for() picks that region's client. */
#define EP_REGION 0x800u

/* The row every regional resource has. */
#define ENG_REGION_ROW                                                                             \
    {                                                                                              \
        .name = "region", .type = ET_STRING,                                                       \
        .flags = EP_REPLACE | EP_ALWAYS | EP_LOCAL | EP_REGION,                                    \
        .doc =                                                                                     \
            "Region where this resource is managed; defaults to the provider's region. Changing "  \
            "it replaces the resource (the old one is deleted in its own region)."                 \
    }

/* The requests a row is sent in (eng_prop.send). */
#define ES_CREATE 0x1u
#define ES_UPDATE 0x2u

typedef struct eng_object eng_object;

typedef struct eng_prop {
    const char *name;
    enum eng_type type;
    enum eng_type item;       /* element type of ET_LIST / ET_MAP */
    const eng_object *object; /* ET_OBJECT, or elements of ET_LIST that are objects */
    const char *ref;          /* schema $ref of an element type defined outside the tables */
    unsigned flags;
    const char *def;        /* default, as JSON text ("\"/\"", "3600", "false"); NULL none */
    const char *doc;        /* description */
    const char *doc_in;     /* input description when it differs (NULL: doc) */
    const char *deprecated; /* deprecation message, as pulumi-aws gives it */
    enum eng_valid valid;
    long min, max; /* EV_STRING lengths, EV_INT range, EV_JSON max bytes */
    bool (*charset)(int c);
    const char *rule; /* the charset in words, for messages */
    bool (*pred)(const char *s);
    const char *pred_rule;     /* what pred asks, after the name ("must start with ...") */
    const char *const *values; /* EV_ENUM, NULL-terminated */
    const char *service;       /* EV_ARN: the service ("iam"), NULL any */
    enum eng_diff diff;
    const char *aws;     /* the field in AWS's request and response (e.g. "RoleName") */
    const char *aws_out; /* its path in the response when that differs ("A/B"); NULL: aws */
    unsigned send;       /* ES_* requests it goes in (engine_*_request) */
    /* EP_NAME: the row holding a name prefix (NULL: none), and max length. */
    const char *prefix_of;
} eng_prop;

struct eng_object {
    const char *token; /* "<module>/<Name>:<Name>" without package (schema types) */
    const char *doc;
    const eng_prop *props;
    size_t n;
    const char *key; /* ED_KEYED lists of it: the row naming each element */
};

/* The table of one resource type. */
typedef struct eng_table {
    const char *doc; /* the resource's description */
    const eng_prop *props;
    size_t n;
    /* Diff against the old outputs rather than the old inputs (drift found
     * by refresh is then put right by the next update). */
    bool diff_outputs;
    /* In Diff, a string property holding "" is absent (state written by
     * pulumi-aws has empty strings where AWS returns nothing). */
    bool empty_is_absent;
    /* The service returns policy documents URL-encoded (IAM). */
    bool aws_url_encoded_docs;
    /* The resource's deprecation message in the schema (a deprecated token
     * served by the same rows and hooks as its successor); NULL none. */
    const char *deprecated;
} eng_table;

#define ENG_ROWS(a) (a), (sizeof(a) / sizeof((a)[0]))

const eng_prop *engine_prop(const eng_table *t, const char *name);

/* Check and Diff for a type: the table's generic code and then the type's
 * hooks; a type without a table uses its own check/diff (or none). */
int engine_check(const resource_type *rt, res_ctx *ctx, const pv *olds, const pv *news, pv **inputs,
                 check_failures *f, err *e);
int engine_diff(const resource_type *rt, res_ctx *ctx, const char *id, const pv *olds,
                const pv *news, const pv *old_inputs, char *const *ignore, size_t nignore,
                diff_result *out, err *e);

/* The inputs that describe outputs (import, refresh): the old inputs (none
 * on import) with every input row set to what AWS reports, except where the
 * old value means the same (policy and JSON rows, sets keep the user's text
 * and order). A row AWS no longer reports is removed when it is AWS's (.aws
 * set) and was not "" (AWS omits empty values). A not-managed row
 * (EP_UNMANAGED_ABSENT) the user did not give stays absent; tagsAll stays as
 * Check made it (tags carry any drift). Other outputs are dropped.
 * NULL on allocation failure. */
pv *engine_read_inputs(const eng_table *t, const pv *outputs, const pv *old_inputs);

/* Requests and responses from the rows' AWS fields. A request holds each
 * row with .aws that op is in .send, whose value is known and not empty:
 * strings, numbers, booleans, and objects by their own rows (JSON). Tags are
 * the hook's: every service has its own shape for them. */
struct cJSON;
struct query;
struct xml_node;
int engine_json_request(const eng_table *t, const pv *in, unsigned op, struct cJSON *req);
int engine_query_request(const eng_table *t, const pv *in, unsigned op, struct query *q);
/* field = v (a string, boolean or whole number; other kinds add nothing) in
 * a query; -1 when memory ran out. */
int engine_query_value(struct query *q, const char *field, const pv *v);
/* One row of in as its request JSON (objects by their rows); NULL when it
 * is absent, unknown or empty, or memory ran out. */
struct cJSON *engine_json_of(const eng_table *t, const char *prop, const pv *in);
/* The outputs AWS reports: each row with .aws (.aws_out when set) found in
 * the response, typed by its row, policy and JSON documents kept in ref's
 * text when they mean the same; a row's default when AWS omits it, "" for a
 * string ref has and AWS no longer does (drift); EP_LOCAL rows from ref.
 * Lists, maps, tags and ED_HOOK rows are the hooks'. -1 only when memory ran
 * out (or, for XML, a document does not decode: e says so). */
int engine_json_outputs(const eng_table *t, const struct cJSON *resp, const pv *ref, pv *out);
int engine_xml_outputs(const eng_table *t, const struct xml_node *node, const pv *ref, pv *out,
                       err *e);
/* tags and tagsAll in out from the tags AWS reports (actual, an object of
 * strings): tags without the provider's default and ignored tags, kept absent
 * when empty and the user gave none (no refresh drift); tagsAll all of them
 * minus the ignored ones. */
int engine_read_tags(const res_ctx *ctx, const eng_table *t, const pv *actual, const pv *ref,
                     pv *out, err *e);

/* arn:<partition>:<service>:<region>:<account>:<resource>, at most 2048
 * characters, partition and resource non-empty; service NULL for any. */
bool engine_arn_ok(const char *s, const char *service);

/* Both strings parse as JSON and are the same document (ED_JSON's rule). */
bool engine_json_text_equal(const char *a, const char *b);

/* The Diff path of a map key: "tags.env", or tags["k.with dots"]. */
int engine_map_path(char *out, size_t outlen, const char *prop, const char *key);

/* Adds the schema of a type (token "<module>/<name>:<Name>") to the package
 * schema's "resources" and "types" objects, with tokens of package pkg. */
struct cJSON;
int engine_schema_resource(const char *pkg, const char *token, const eng_table *t,
                           struct cJSON *resources, struct cJSON *types);
/* Adds a function (token "<module>/<name>:<name>") to "functions" and its
 * object types to "types": rows that are not EP_OUTPUT are its inputs, every
 * row is in its outputs (required: EP_REQUIRED, EP_ALWAYS and EP_OUTPUT rows). */
int engine_schema_function(const char *pkg, const char *token, const eng_table *t,
                           struct cJSON *functions, struct cJSON *types);

/* ---- Reads, updates and tag writes from the table (engine_calls.c) ---------- */

/* A row's default (its .def JSON text) as a value; NULL when memory ran out. */
pv *engine_default_value(const char *def);
/* Whether two known values are the same by the row's comparison (policy and
 * JSON documents by meaning, sets in any order, else structurally). */
bool engine_same(enum eng_diff how, const pv *a, const pv *b);

/* How a type's service takes requests: the engine builds them in the
 * service's shape (an AWS query, or a JSON object) and the type's send hook
 * sends them (client, region, retries and error classifiers are the
 * type's). A REST service (S3) is .json: its hook writes its own body from
 * the JSON shape. */
typedef struct eng_api {
    bool json;           /* requests are cJSON objects; else struct query */
    const char *version; /* query: the API version */
    /* Sends action; req is a struct query * or a struct cJSON * (.json);
     * arg is what the caller handed engine_update / engine_write_tags. */
    int (*send)(res_ctx *ctx, void *arg, const char *action, void *req, err *e);
} eng_api;

#define ENG_CALL_MAX 8

/* One update call of a type and the rows it carries. Each row has ES_UPDATE
 * in .send; its field in the call is its .aws unless .fields says otherwise. */
typedef struct eng_update {
    const char *action; /* "UpdateRole" */
    /* The rows that, changed, make the call. None: every ES_UPDATE row that
     * no other call of the list names (one call for everything). */
    const char *props[ENG_CALL_MAX];
    const char *fields[ENG_CALL_MAX]; /* per row, its field when not .aws */
    /* When one row changed, send them all (the call resets what it is not
     * given): an absent row goes as its default, else "". Otherwise only the
     * changed rows go. */
    bool all;
    /* A single-row call: the action that removes the value when the row
     * became absent (or "", with empty_is_absent), instead of sending "";
     * NotFound from it is success ("DeleteRolePermissionsBoundary"). */
    const char *clear;
} eng_update;

/* Makes the calls of u[0..n) whose rows changed from base to news, in order.
 * A row changed as Diff sees it: absent and null alike, an absent row as its
 * default, "" absent with empty_is_absent, then engine_same.
 * Each request holds id_field = id and the rows to send: a changed string
 * row now absent goes as "" (or as its .clear call); absent documents and
 * objects are left out, and a call left with nothing to send is not made.
 * -1 with e set when a call failed (the calls before it were made) or a row
 * the list names is not in the table with ES_UPDATE (ERR_INTERNAL). */
int engine_update(res_ctx *ctx, const eng_table *t, const eng_api *api, void *arg,
                  const eng_update *u, size_t n, const char *id_field, const char *id,
                  const pv *news, const pv *base, err *e);

/* How a service takes tags. */
typedef struct eng_tagging {
    const char *tag;       /* sets tags: "TagRole", "AddTags", "TagResource", "PutBucketTagging" */
    const char *untag;     /* removes keys: "UntagRole", "DeleteTags", "UntagResource"; NULL:
                              .tag replaces the whole set (S3) */
    const char *untag_all; /* whole-set services: the call when no tag is left
                              ("DeleteBucketTagging") */
    const char *id_field;  /* "RoleName", "ResourceArn", "KeyId", "Bucket" */
    const char *list;      /* the list of tags: "Tags" (S3: "TagSet") */
    const char *key;       /* JSON: a tag's key and value fields, "Key" and "Value" (KMS: */
    const char *value;     /* "TagKey", "TagValue"); queries are always .member.N.Key/Value */
    const char *keys;      /* the list of keys to remove: "TagKeys" */
} eng_tagging;

/* The tags a resource carries: its tagsAll row (provider defaults included)
 * when that is an object, else its tags row; NULL for none. */
const pv *engine_tags_of(const eng_table *t, const pv *obj);
/* Adds tags, minus keys the provider ignores, to a create request of api's
 * shape (query: list.member.N.Key/Value; JSON: list as [{key, value}]); no
 * list when there are none. */
int engine_tags_request(const res_ctx *ctx, const eng_api *api, const eng_tagging *tg,
                        const pv *tags, void *req, err *e);
/* Brings the tags of resource id from have to want (tags_delta, so ignored
 * keys are left alone): removals first (moto's AddTags appends duplicates
 * rather than replacing), then the keys to set. A whole-set service gets all
 * of want in one .tag call, or .untag_all when none is left. No change, no
 * call. */
int engine_write_tags(res_ctx *ctx, const eng_api *api, void *arg, const eng_tagging *tg,
                      const char *id, const pv *want, const pv *have, err *e);

/* The tags of resource id (tg->id_field = id) from a JSON service's list
 * call (target "<Service>.<Op>", every page of tg->list, tags as tg->key and
 * tg->value) into out, an object. */
struct aws_client;
int engine_list_tags_json(res_ctx *ctx, struct aws_client *c, enum endpoints_service svc,
                          const char *target, const eng_tagging *tg, const char *id, pv *out,
                          err *e);

/* Reads a resource into *outputs: ERR_NOT_FOUND when it is gone. ref holds
 * what the user gave (the texts to keep, the sets managed); import: nothing
 * is known yet. */
typedef int (*eng_fetch_fn)(res_ctx *ctx, const char *id, const pv *ref, bool import, pv **outputs,
                            err *e);
/* The whole of a Read (refresh, import): fetch with ref = the old inputs
 * (ref_outputs: the old outputs) when there are any, else the other, else
 * {}; import when there are neither. Gone: *new_id NULL, success. Found:
 * *new_id = id, *outputs, and *new_inputs from engine_read_inputs against
 * the old inputs (without ref_outputs, the old outputs when there are no old
 * inputs); the record of a lost create of id is dropped (pending_forget). */
int engine_read(const eng_table *t, eng_fetch_fn fetch, bool ref_outputs, res_ctx *ctx,
                const char *id, const pv *props, const pv *inputs, char **new_id, pv **outputs,
                pv **new_inputs, err *e);

/* After a failure once the resource exists: *outputs = what fetch finds now
 * (NULL when that fails too), so the next run starts from the truth; e is
 * kept. Returns -1. */
int engine_refetch(eng_fetch_fn fetch, res_ctx *ctx, const char *id, const pv *ref, pv **outputs,
                   err *e);

/* The outputs of a preview's create or update: the inputs, with each value
 * AWS computes (EP_OUTPUT rows but tagsAll) as olds has it (it does not
 * change in place), else unknown. NULL when memory ran out. */
pv *engine_preview_outputs(const eng_table *t, const pv *news, const pv *olds);

/* A composite ID "<a><sep><b>" split at the first sep, a and b non-empty:
 * 0; -1 when it has no such form, -2 when a part does not fit. */
int engine_id_split(const char *id, char sep, char *a, size_t alen, char *b, size_t blen);

#endif
