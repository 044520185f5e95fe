/* advisor_stack: the security advisor's stack-level rules (issue 14).
 *
 * The interface is in advisor.h. A rule here relates resources: a pipeline
 * and the buckets its definition and steps use (AWSML-STACK-001), a role
 * SageMaker assumes and the policies it is given (AWSML-STACK-002), a bucket's
 * encryption configuration and the key it names (AWSML-STACK-003), and, when
 * the whole stack is known, a bucket and the companions it lacks
 * (AWSML-S3-101..104).
 *
 * Links. A companion's reference (an SSE configuration's `bucket`, an
 * attachment's `role` and `policyArn`, ...) is matched by value against the
 * target's names (a bucket's `bucket`/`id`, a key's `arn`/`keyId`/`id`, a
 * role's `name`/`id`/`arn`, a policy's `arn`/`id`). When the value is not a
 * known string (a preview's new names), the property dependencies decide:
 * propdeps[property] holding the target's URN links them. With no property
 * dependencies for it at all, the resource's deps decide, but only when they
 * hold exactly one resource of the target's kind. Unknown settings are never
 * guessed: an aspect that depends on one is neither good nor bad.
 *
 * Findings are reported on the resource that carries the link (the
 * pipeline; the role, RolePolicy or attachment; the SSE configuration or the
 * bucket), so the Check door, which sees resources in dependency order,
 * meets them when it checks that resource. */
#include <cJSON.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "resources/advisor.h"
#include "resources/advisor_impl.h"
#include "util/str.h"

/* Definitions nest JSON; deeper than this is not walked for S3 paths. */
#define STACK_MAX_JSON_DEPTH 32
/* Buckets or keys named by one pipeline; more are not told apart. */
#define STACK_MAX_REFS 32

enum kind {
    K_OTHER,
    K_BUCKET,
    K_SSE,
    K_PAB,
    K_VERSIONING,
    K_BPOLICY,
    K_KEY,
    K_ALIAS,
    K_ROLE,
    K_POLICY,
    K_ROLE_POLICY,
    K_ATTACHMENT,
    K_PIPELINE,
};

static const struct {
    const char *token;
    enum kind kind;
} kinds[] = {
    {"s3/bucket:Bucket", K_BUCKET},
    {"s3/bucketV2:BucketV2", K_BUCKET},
    {"s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", K_SSE},
    {"s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2",
     K_SSE},
    {"s3/bucketPublicAccessBlock:BucketPublicAccessBlock", K_PAB},
    {"s3/bucketVersioning:BucketVersioning", K_VERSIONING},
    {"s3/bucketVersioningV2:BucketVersioningV2", K_VERSIONING},
    {"s3/bucketPolicy:BucketPolicy", K_BPOLICY},
    {"kms/key:Key", K_KEY},
    {"kms/alias:Alias", K_ALIAS},
    {"iam/role:Role", K_ROLE},
    {"iam/policy:Policy", K_POLICY},
    {"iam/rolePolicy:RolePolicy", K_ROLE_POLICY},
    {"iam/rolePolicyAttachment:RolePolicyAttachment", K_ATTACHMENT},
    {"sagemaker/pipeline:Pipeline", K_PIPELINE},
};

static enum kind kind_of(const advisor_resource *r)
{
    const char *rest = advisor_token_rest(r->type);
    for (size_t i = 0; rest && i < sizeof(kinds) / sizeof(kinds[0]); i++)
        if (strcmp(rest, kinds[i].token) == 0)
            return kinds[i].kind;
    return K_OTHER;
}

/* The state of the stack being analysed. */
typedef struct stack {
    const advisor_resource *res;
    size_t n;
    enum kind *kind;
    bool complete;
    advisor_findings *out;
} stack;

/* ---- names and links ------------------------------------------------------------ */

/* The identifiers a resource of this kind is referred to by. */
static const char *const *ids_of(enum kind k)
{
    static const char *const bucket[] = {"bucket", "id", NULL};
    static const char *const key[] = {"arn", "keyId", "id", NULL};
    static const char *const alias[] = {"name", "arn", "id", NULL};
    static const char *const role[] = {"name", "id", "arn", NULL};
    static const char *const policy[] = {"arn", "id", NULL};
    static const char *const none[] = {NULL};
    switch (k) {
    case K_BUCKET:
        return bucket;
    case K_KEY:
        return key;
    case K_ALIAS:
        return alias;
    case K_ROLE:
        return role;
    case K_POLICY:
        return policy;
    default:
        return none;
    }
}

static bool has_id(const stack *s, size_t t, const char *value)
{
    const char *const *ids = ids_of(s->kind[t]);
    for (size_t i = 0; ids[i]; i++) {
        const char *v = advisor_get_str(s->res[t].props, ids[i]);
        if (v && v[0] && strcmp(v, value) == 0)
            return true;
    }
    return false;
}

static bool urn_is(const char *a, const advisor_resource *t)
{
    return a && t->urn && strcmp(a, t->urn) == 0;
}

/* Does property prop of resource r (whose value is not a known string) come
 * from resource t? */
static bool dep_link(const stack *s, size_t r, const char *prop, size_t t)
{
    const advisor_resource *a = &s->res[r];
    for (size_t i = 0; i < a->npropdeps; i++) {
        if (!a->propdeps[i].property || strcmp(a->propdeps[i].property, prop) != 0)
            continue;
        for (size_t j = 0; j < a->propdeps[i].n; j++)
            if (urn_is(a->propdeps[i].urns[j], &s->res[t]))
                return true;
        return false;
    }
    /* No property dependencies reported for prop: the deps, when they name
     * exactly one resource of t's kind, and it is t. */
    size_t found = 0;
    bool is_t = false;
    for (size_t j = 0; j < a->ndeps; j++)
        for (size_t k = 0; k < s->n; k++)
            if (s->kind[k] == s->kind[t] && urn_is(a->deps[j], &s->res[k])) {
                found++;
                is_t = is_t || k == t;
            }
    return found == 1 && is_t;
}

/* Does r's top-level property prop refer to t? By value when it is a known
 * string, else through the dependencies when it is unknown. Absent: no. */
static bool links(const stack *s, size_t r, const char *prop, size_t t)
{
    const pv *v = advisor_get(s->res[r].props, prop);
    if (!v || v->kind == PV_NULL)
        return false;
    if (v->kind == PV_STRING)
        return has_id(s, t, v->u.str.s);
    return advisor_is_unknown(v) && dep_link(s, r, prop, t);
}

/* Does value name key k: the key itself, or an alias of the stack whose
 * targetKeyId is k ("alias/x" or the alias's ARN)? */
static bool key_by_value(const stack *s, size_t k, const char *value)
{
    if (has_id(s, k, value))
        return true;
    for (size_t a = 0; a < s->n; a++)
        if (s->kind[a] == K_ALIAS && has_id(s, a, value) && links(s, a, "targetKeyId", k))
            return true;
    return false;
}

/* Does r's property prop (not a known string) come from key k, directly or
 * through an alias of the stack that targets k? */
static bool key_by_dep(const stack *s, size_t r, const char *prop, size_t k)
{
    if (dep_link(s, r, prop, k))
        return true;
    for (size_t a = 0; a < s->n; a++)
        if (s->kind[a] == K_ALIAS && dep_link(s, r, prop, a) && links(s, a, "targetKeyId", k))
            return true;
    return false;
}

static const char *name_of(const advisor_resource *r)
{
    return r->name && r->name[0] ? r->name : (r->urn ? r->urn : "?");
}

/* ---- what a bucket has -------------------------------------------------------------- */

/* One aspect of a bucket: fine, set badly by a present resource, missing,
 * or not known (an unknown value decides it). */
typedef enum aspect { A_ABSENT, A_BAD, A_UNKNOWN, A_OK } aspect;

/* Several resources may configure one aspect: any good one wins, then an
 * unknown one (it may be good), then a bad one. */
static aspect merge(aspect a, aspect b)
{
    return a > b ? a : b;
}

static bool bool_is(const pv *v, bool want)
{
    return v && v->kind == PV_BOOL && v->u.b == want;
}

/* An SSE configuration's rules (a list, or the Bucket's inline single rule). */
static aspect sse_rules_aspect(const pv *rules)
{
    if (!rules || rules->kind == PV_NULL)
        return A_ABSENT;
    if (advisor_is_unknown(rules))
        return A_UNKNOWN;
    aspect a = A_BAD;
    size_t n = rules->kind == PV_ARRAY ? rules->u.arr.len : 1;
    for (size_t i = 0; i < n; i++) {
        const pv *rule = rules->kind == PV_ARRAY ? pv_plain(rules->u.arr.items[i]) : rules;
        const pv *by = advisor_get(rule, "applyServerSideEncryptionByDefault");
        const pv *alg = advisor_get(by, "sseAlgorithm");
        if (advisor_is_unknown(rule) || advisor_is_unknown(by) || advisor_is_unknown(alg))
            a = merge(a, A_UNKNOWN);
        else if (alg && alg->kind == PV_STRING && str_has_prefix(alg->u.str.s, "aws:kms"))
            a = A_OK;
    }
    return a;
}

/* The Bucket's own (deprecated inline) SSE rule or rules. pulumi-aws computes
 * serverSideEncryptionConfiguration when the program does not set it, so a
 * wholly unknown value (a new bucket's preview outputs) is the account default
 * to come, never SSE-KMS: it reads as absent. A program's own inline rule with
 * an unknown part is unknown (sse_rules_aspect). */
static const pv *inline_sse_rules(const pv *bucket_props)
{
    const pv *sse = advisor_get(bucket_props, "serverSideEncryptionConfiguration");
    const pv *r = advisor_get(sse, "rule");
    return r ? r : advisor_get(sse, "rules");
}

static aspect pab_aspect(const pv *props)
{
    static const char *const flags[] = {"blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls",
                                        "restrictPublicBuckets", NULL};
    aspect a = A_OK;
    for (size_t i = 0; flags[i]; i++) {
        const pv *v = advisor_get(props, flags[i]);
        if (advisor_is_unknown(v))
            a = a == A_BAD ? A_BAD : A_UNKNOWN;
        else if (!bool_is(v, true))
            a = A_BAD; /* false or unset (default false) */
    }
    return a;
}

static aspect versioning_aspect(const pv *props)
{
    const pv *cfg = advisor_get(props, "versioningConfiguration");
    const pv *st = advisor_get(cfg, "status");
    if (advisor_is_unknown(cfg) || advisor_is_unknown(st))
        return A_UNKNOWN;
    return st && st->kind == PV_STRING && strcmp(st->u.str.s, "Enabled") == 0 ? A_OK : A_BAD;
}

/* 1 when the policy denies non-TLS requests, 0 when not, -1 when memory
 * ran out; unknown and unparsable documents are A_UNKNOWN (Check reports
 * the latter). */
static int tls_aspect(const pv *props, aspect *a)
{
    const pv *pol = advisor_get(props, "policy");
    *a = A_UNKNOWN;
    if (!pol || pol->kind != PV_STRING)
        return 0;
    bool oom = false;
    cJSON *doc = advisor_policy_parse(pol->u.str.s, &oom);
    if (!doc)
        return oom ? -1 : 0;
    *a = advisor_policy_denies_insecure_transport(doc) ? A_OK : A_BAD;
    cJSON_Delete(doc);
    return 0;
}

typedef struct bucket_state {
    aspect sse, pab, tls, versioning;
    bool sse_companion, pab_companion, policy_companion, versioning_companion;
} bucket_state;

static int bucket_state_of(const stack *s, size_t b, bucket_state *st)
{
    const pv *props = s->res[b].props;
    memset(st, 0, sizeof(*st));
    st->sse = sse_rules_aspect(inline_sse_rules(props));
    const pv *ver = advisor_get(props, "versioning");
    const pv *en = advisor_get(ver, "enabled");
    st->versioning = bool_is(en, true) ? A_OK : advisor_is_unknown(en) ? A_UNKNOWN : A_ABSENT;
    for (size_t c = 0; c < s->n; c++) {
        aspect a;
        if (c == b || !links(s, c, "bucket", b))
            continue;
        switch (s->kind[c]) {
        case K_SSE:
            st->sse_companion = true;
            a = sse_rules_aspect(advisor_get(s->res[c].props, "rules"));
            st->sse = merge(st->sse, a == A_ABSENT ? A_BAD : a);
            break;
        case K_PAB:
            st->pab_companion = true;
            st->pab = merge(st->pab, pab_aspect(s->res[c].props));
            break;
        case K_VERSIONING:
            st->versioning_companion = true;
            st->versioning = merge(st->versioning, versioning_aspect(s->res[c].props));
            break;
        case K_BPOLICY:
            st->policy_companion = true;
            if (tls_aspect(s->res[c].props, &a) != 0)
                return -1;
            st->tls = merge(st->tls, a);
            break;
        default:
            break;
        }
    }
    return 0;
}

/* Whether an aspect is evidence: a bad present setting always, a missing
 * companion only when the whole stack is known. */
static bool lacks(const stack *s, aspect a)
{
    return a == A_BAD || (a == A_ABSENT && s->complete);
}

/* ---- AWSML-STACK-001: a pipeline, its buckets and its keys -------------------------- */

typedef struct res_refs {
    size_t idx[STACK_MAX_REFS];
    size_t n;
} res_refs;

static void ref_add(res_refs *r, size_t b)
{
    for (size_t i = 0; i < r->n; i++)
        if (r->idx[i] == b)
            return;
    if (r->n < STACK_MAX_REFS)
        r->idx[r->n++] = b;
}

/* Buckets of the stack named by "s3://name/..." strings anywhere in a JSON value. */
static void s3_paths(const stack *s, const cJSON *j, int depth, res_refs *r)
{
    if (!j || depth > STACK_MAX_JSON_DEPTH)
        return;
    if (cJSON_IsString(j) && strncasecmp(j->valuestring, "s3://", 5) == 0) {
        char name[256];
        const char *p = j->valuestring + 5;
        size_t len = strcspn(p, "/");
        if (len == 0 || len >= sizeof(name))
            return;
        memcpy(name, p, len);
        name[len] = '\0';
        for (size_t b = 0; b < s->n; b++)
            if (s->kind[b] == K_BUCKET && has_id(s, b, name))
                ref_add(r, b);
        return;
    }
    for (const cJSON *c = j->child; c && (cJSON_IsArray(j) || cJSON_IsObject(j)); c = c->next)
        s3_paths(s, c, depth + 1, r);
}

static int pipeline_finding(const stack *s, size_t p, size_t b, const char *prop, const char *how)
{
    bucket_state st;
    char what[160] = "", pname[96], bname[96];
    if (bucket_state_of(s, b, &st) != 0)
        return -1;
    if (lacks(s, st.sse))
        str_copy(what, sizeof(what), "SSE-KMS default encryption");
    if (lacks(s, st.pab)) {
        size_t k = strlen(what);
        snprintf(what + k, sizeof(what) - k, "%sa full public access block", k ? ", " : "");
    }
    if (lacks(s, st.tls)) {
        size_t k = strlen(what);
        snprintf(what + k, sizeof(what) - k, "%sa TLS-only bucket policy", k ? ", " : "");
    }
    if (!what[0])
        return 0;
    advisor_clean_name(pname, sizeof(pname), name_of(&s->res[p]));
    advisor_clean_name(bname, sizeof(bname), name_of(&s->res[b]));
    return advisor_add(s->out, "AWSML-STACK-001", p, prop,
                       "Pipeline %s %s bucket %s of this stack, which lacks %s", pname, how, bname,
                       what);
}

/* Keys of the stack named by the strings of "...KmsKeyId" members (KmsKeyId,
 * VolumeKmsKeyId, ...) anywhere in a definition. */
static void kms_ids(const stack *s, const cJSON *j, int depth, res_refs *r)
{
    static const char suffix[] = "KmsKeyId";
    if (!j || depth > STACK_MAX_JSON_DEPTH)
        return;
    for (const cJSON *c = j->child; c && (cJSON_IsArray(j) || cJSON_IsObject(j)); c = c->next) {
        size_t n = c->string ? strlen(c->string) : 0, k = sizeof(suffix) - 1;
        if (cJSON_IsString(c) && n >= k && strcmp(c->string + n - k, suffix) == 0) {
            for (size_t t = 0; t < s->n; t++)
                if (s->kind[t] == K_KEY && key_by_value(s, t, c->valuestring))
                    ref_add(r, t);
        } else {
            kms_ids(s, c, depth + 1, r);
        }
    }
}

/* A step's key of the stack that does not rotate (unknown rotation: no). */
static int pipeline_key_findings(const stack *s, size_t p, const res_refs *keys)
{
    char pname[96], kname[96];
    for (size_t i = 0; i < keys->n; i++) {
        const pv *rot = advisor_get(s->res[keys->idx[i]].props, "enableKeyRotation");
        if (advisor_is_unknown(rot) || bool_is(rot, true))
            continue;
        advisor_clean_name(pname, sizeof(pname), name_of(&s->res[p]));
        advisor_clean_name(kname, sizeof(kname), name_of(&s->res[keys->idx[i]]));
        if (advisor_add(s->out, "AWSML-STACK-001", p, "pipelineDefinition",
                        "Pipeline %s has steps encrypting with KMS key %s of this stack, which "
                        "does not rotate its key material",
                        pname, kname) != 0)
            return -1;
    }
    return 0;
}

static int rule_pipeline(const stack *s, size_t p)
{
    const pv *props = s->res[p].props;
    res_refs loc = {.n = 0}, def = {.n = 0}, keys = {.n = 0};
    const pv *l = advisor_get(props, "pipelineDefinitionS3Location");
    const pv *lb = advisor_get(l, "bucket");
    for (size_t b = 0; b < s->n; b++) {
        if (s->kind[b] != K_BUCKET)
            continue;
        if (lb && lb->kind == PV_STRING ? has_id(s, b, lb->u.str.s)
                                        : (advisor_is_unknown(l) || advisor_is_unknown(lb)) &&
                                              dep_link(s, p, "pipelineDefinitionS3Location", b))
            ref_add(&loc, b);
    }
    const pv *d = advisor_get(props, "pipelineDefinition");
    if (d && d->kind == PV_STRING) {
        cJSON *doc = cJSON_ParseWithLength(d->u.str.s, d->u.str.len);
        s3_paths(s, doc, 0, &def);
        kms_ids(s, doc, 0, &keys);
        cJSON_Delete(doc);
    } else if (advisor_is_unknown(d)) {
        for (size_t b = 0; b < s->n; b++) {
            if (s->kind[b] == K_BUCKET && dep_link(s, p, "pipelineDefinition", b))
                ref_add(&def, b);
            if (s->kind[b] == K_KEY && key_by_dep(s, p, "pipelineDefinition", b))
                ref_add(&keys, b);
        }
    }
    for (size_t i = 0; i < loc.n; i++)
        if (pipeline_finding(s, p, loc.idx[i], "pipelineDefinitionS3Location",
                             "reads its definition from") != 0)
            return -1;
    for (size_t i = 0; i < def.n; i++)
        if (pipeline_finding(s, p, def.idx[i], "pipelineDefinition",
                             "has steps reading or writing S3 paths in") != 0)
            return -1;
    return pipeline_key_findings(s, p, &keys);
}

/* ---- AWSML-STACK-002: what a SageMaker role gets ------------------------------------- */

/* The assume-role policy lets a SageMaker service principal in. Unknown: no. */
static int sagemaker_can_assume(const pv *role_props, bool *yes)
{
    const char *trust = advisor_get_str(role_props, "assumeRolePolicy");
    bool oom = false;
    *yes = false;
    cJSON *doc = trust ? advisor_policy_parse(trust, &oom) : NULL;
    if (oom)
        return -1;
    for (const cJSON *st = advisor_next_statement(doc, NULL); st && !*yes;
         st = advisor_next_statement(doc, st)) {
        const cJSON *pr = cJSON_GetObjectItemCaseSensitive(st, "Principal");
        const cJSON *svc =
            cJSON_IsObject(pr) ? cJSON_GetObjectItemCaseSensitive(pr, "Service") : NULL;
        if (!advisor_is_allow(st))
            continue;
        for (const cJSON *it = cJSON_IsArray(svc) ? svc->child : svc; it;
             it = cJSON_IsArray(svc) ? it->next : NULL)
            if (cJSON_IsString(it) && str_has_prefix(it->valuestring, "sagemaker."))
                *yes = true;
    }
    cJSON_Delete(doc);
    return 0;
}

/* The first broad grant of a policy document: "*", "s3:*" or "kms:*" allowed
 * on Resource "*". Writes the action into act; 1 found, 0 not, -1 OOM. */
static int broad_grant(const char *json, char *act, size_t actlen)
{
    static const char *const broad[] = {"*", "*:*", "s3:*", "kms:*", NULL};
    bool oom = false;
    int found = 0;
    cJSON *doc = json ? advisor_policy_parse(json, &oom) : NULL;
    if (oom)
        return -1;
    for (const cJSON *st = advisor_next_statement(doc, NULL); st && !found;
         st = advisor_next_statement(doc, st)) {
        if (!advisor_is_allow(st) ||
            !advisor_list_has(cJSON_GetObjectItemCaseSensitive(st, "Resource"), "*", false))
            continue;
        const cJSON *a = cJSON_GetObjectItemCaseSensitive(st, "Action");
        for (size_t i = 0; broad[i] && !found; i++)
            if (advisor_list_has(a, broad[i], true)) {
                str_copy(act, actlen, broad[i]);
                found = 1;
            }
    }
    cJSON_Delete(doc);
    return found;
}

static int role_grant(const stack *s, size_t at, size_t role, const char *prop, const char *json,
                      const char *via)
{
    char act[16], rname[96];
    int g = broad_grant(json, act, sizeof(act));
    if (g <= 0)
        return g;
    advisor_clean_name(rname, sizeof(rname), name_of(&s->res[role]));
    return advisor_add(s->out, "AWSML-STACK-002", at, prop,
                       "Role %s, which SageMaker can assume, is granted %s on Resource \"*\" by "
                       "%s",
                       rname, act, via);
}

/* A role's own inline policies and managed policy ARNs of stack policies. */
static int rule_role(const stack *s, size_t r)
{
    char prop[64], via[160], pname[96];
    bool sm = false;
    if (sagemaker_can_assume(s->res[r].props, &sm) != 0)
        return -1;
    if (!sm)
        return 0;
    const pv *inl = advisor_get(s->res[r].props, "inlinePolicies");
    for (size_t i = 0; inl && inl->kind == PV_ARRAY && i < inl->u.arr.len; i++) {
        const char *doc = advisor_get_str(inl->u.arr.items[i], "policy");
        snprintf(prop, sizeof(prop), "inlinePolicies[%zu].policy", i);
        snprintf(via, sizeof(via), "its inline policy %zu", i);
        if (doc && role_grant(s, r, r, prop, doc, via) != 0)
            return -1;
    }
    const pv *arns = advisor_get(s->res[r].props, "managedPolicyArns");
    for (size_t p = 0; p < s->n; p++) {
        if (s->kind[p] != K_POLICY)
            continue;
        bool linked = false;
        for (size_t i = 0; arns && arns->kind == PV_ARRAY && i < arns->u.arr.len && !linked; i++) {
            const pv *a = pv_plain(arns->u.arr.items[i]);
            linked = a && (a->kind == PV_STRING
                               ? has_id(s, p, a->u.str.s)
                               : advisor_is_unknown(a) && dep_link(s, r, "managedPolicyArns", p));
        }
        if (!linked && advisor_is_unknown(arns))
            linked = dep_link(s, r, "managedPolicyArns", p);
        if (!linked)
            continue;
        advisor_clean_name(pname, sizeof(pname), name_of(&s->res[p]));
        snprintf(via, sizeof(via), "the managed policy %s of this stack", pname);
        const char *doc = advisor_get_str(s->res[p].props, "policy");
        if (doc && role_grant(s, r, r, "managedPolicyArns", doc, via) != 0)
            return -1;
    }
    return 0;
}

/* A RolePolicy (policy of its own) or an attachment (a Policy of the stack)
 * whose role is a SageMaker role of the stack. */
static int rule_role_link(const stack *s, size_t x)
{
    char via[160], pname[96];
    for (size_t r = 0; r < s->n; r++) {
        bool sm = false;
        if (s->kind[r] != K_ROLE || !links(s, x, "role", r))
            continue;
        if (sagemaker_can_assume(s->res[r].props, &sm) != 0)
            return -1;
        if (!sm)
            continue;
        if (s->kind[x] == K_ROLE_POLICY) {
            advisor_clean_name(pname, sizeof(pname), name_of(&s->res[x]));
            snprintf(via, sizeof(via), "the role policy %s", pname);
            const char *doc = advisor_get_str(s->res[x].props, "policy");
            if (doc && role_grant(s, x, r, "policy", doc, via) != 0)
                return -1;
            continue;
        }
        for (size_t p = 0; p < s->n; p++) {
            if (s->kind[p] != K_POLICY || !links(s, x, "policyArn", p))
                continue;
            advisor_clean_name(pname, sizeof(pname), name_of(&s->res[p]));
            snprintf(via, sizeof(via), "the attached policy %s", pname);
            const char *doc = advisor_get_str(s->res[p].props, "policy");
            if (doc && role_grant(s, x, r, "policyArn", doc, via) != 0)
                return -1;
        }
    }
    return 0;
}

/* ---- AWSML-STACK-003: a bucket's key does not rotate --------------------------------- */

/* Keys of the stack a rule list's kmsMasterKeyId names (by value, or by the
 * dependencies of property `prop` when unknown; directly or through an alias
 * of the stack) that do not rotate. */
static int key_rotation(const stack *s, size_t at, size_t bucket, const char *prop, const pv *rules)
{
    size_t n = rules && rules->kind == PV_ARRAY ? rules->u.arr.len : (rules ? 1 : 0);
    char bname[96], kname[96];
    for (size_t i = 0; i < n; i++) {
        const pv *rule = rules->kind == PV_ARRAY ? pv_plain(rules->u.arr.items[i]) : rules;
        const pv *by = advisor_get(rule, "applyServerSideEncryptionByDefault");
        const pv *kid = advisor_get(by, "kmsMasterKeyId");
        if (!kid || kid->kind == PV_NULL)
            continue;
        for (size_t k = 0; k < s->n; k++) {
            if (s->kind[k] != K_KEY)
                continue;
            bool linked = kid->kind == PV_STRING
                              ? key_by_value(s, k, kid->u.str.s)
                              : advisor_is_unknown(kid) && key_by_dep(s, at, prop, k);
            const pv *rot = advisor_get(s->res[k].props, "enableKeyRotation");
            if (!linked || advisor_is_unknown(rot) || bool_is(rot, true))
                continue;
            advisor_clean_name(bname, sizeof(bname), name_of(&s->res[bucket]));
            advisor_clean_name(kname, sizeof(kname), name_of(&s->res[k]));
            if (advisor_add(s->out, "AWSML-STACK-003", at, prop,
                            "Bucket %s is encrypted with KMS key %s of this stack, which does "
                            "not rotate its key material",
                            bname, kname) != 0)
                return -1;
        }
    }
    return 0;
}

static int rule_sse(const stack *s, size_t c)
{
    for (size_t b = 0; b < s->n; b++)
        if (s->kind[b] == K_BUCKET && links(s, c, "bucket", b) &&
            key_rotation(s, c, b, "rules", advisor_get(s->res[c].props, "rules")) != 0)
            return -1;
    return 0;
}

/* ---- a bucket: its inline key, and (complete) what it lacks -------------------------- */

static int rule_bucket(const stack *s, size_t b)
{
    bucket_state st;
    char bname[96];
    if (key_rotation(s, b, b, "serverSideEncryptionConfiguration",
                     inline_sse_rules(s->res[b].props)) != 0)
        return -1;
    if (!s->complete)
        return 0;
    if (bucket_state_of(s, b, &st) != 0)
        return -1;
    advisor_clean_name(bname, sizeof(bname), name_of(&s->res[b]));
    /* A present companion with a bad setting is its own resource's finding
     * (AWSML-S3-001..004); these are about the companion that is missing. */
    if (!st.sse_companion && (st.sse == A_ABSENT || st.sse == A_BAD) &&
        advisor_add(s->out, "AWSML-S3-101", b, "bucket",
                    "Bucket %s has no server-side encryption configuration with SSE-KMS in "
                    "this stack",
                    bname) != 0)
        return -1;
    if (!st.pab_companion &&
        advisor_add(s->out, "AWSML-S3-102", b, "bucket",
                    "Bucket %s has no public access block in this stack", bname) != 0)
        return -1;
    if (!st.versioning_companion && st.versioning == A_ABSENT &&
        advisor_add(s->out, "AWSML-S3-103", b, "bucket",
                    "Bucket %s has no versioning configuration enabling versioning in this "
                    "stack",
                    bname) != 0)
        return -1;
    if (!st.policy_companion &&
        advisor_add(s->out, "AWSML-S3-104", b, "bucket",
                    "Bucket %s has no bucket policy in this stack, so nothing denies requests "
                    "made without TLS",
                    bname) != 0)
        return -1;
    return 0;
}

/* ---- the entry point ------------------------------------------------------------------ */

static int run_one(const stack *s, size_t i)
{
    switch (s->kind[i]) {
    case K_PIPELINE:
        return rule_pipeline(s, i);
    case K_ROLE:
        return rule_role(s, i);
    case K_ROLE_POLICY:
    case K_ATTACHMENT:
        return rule_role_link(s, i);
    case K_SSE:
        return rule_sse(s, i);
    case K_BUCKET:
        return rule_bucket(s, i);
    default:
        return 0;
    }
}

int advisor_stack_run(const advisor_resource *res, size_t n, size_t focus, bool complete,
                      advisor_findings *out)
{
    int rc = 0;
    stack s = {.res = res, .n = n, .complete = complete, .out = out};
    if (!res || n == 0 || (focus != ADVISOR_ALL && focus >= n))
        return 0;
    if (!(s.kind = calloc(n, sizeof(*s.kind)))) {
        rc = -1;
        goto done;
    }
    for (size_t i = 0; i < n; i++)
        s.kind[i] = kind_of(&res[i]);
    for (size_t i = 0; i < n && rc == 0; i++)
        if (focus == ADVISOR_ALL || focus == i)
            rc = run_one(&s, i);
done:
    free(s.kind);
    if (rc != 0)
        advisor_findings_free(out);
    return rc;
}
