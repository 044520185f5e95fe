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
 *   Diff    per row: plain, policy or JSON document by meaning, set, map by
 *           key (tags, tagsAll); replace-on-change rows replace; then the
 *           type's diff hook for rows marked ED_HOOK.
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

#endif
