/* iam_policy: aws:iam/policy:Policy, a customer managed IAM policy. ID = its ARN.
 *
 * name, namePrefix, path and description replace (IAM cannot change them);
 * the document and the tags change in place. The document is compared by
 * meaning (policy_same): key order, one-element lists and AWS's percent
 * encoding and reformatting never diff, and state keeps the user's text.
 *
 * A new document is a new policy version made the default. IAM keeps at most
 * five versions, so before each one the oldest non-default version goes when
 * five exist; any number of updates in a row succeed. With
 * delayAfterPolicyCreationInMs the version is created, the wait observed, and
 * only then made the default (SetDefaultPolicyVersion), as pulumi-aws does.
 *
 * Delete removes the non-default versions and then the policy (as pulumi-aws,
 * it does not detach it: the attachments are resources of their own, deleted
 * first; a DeleteConflict is retried for a while and then named).
 *
 * A CreatePolicy whose answer was lost is settled by looking the policy up by
 * name and path (GetPolicy on the ARN they make, or ListPolicies when the
 * account is not known) and res_adopt(). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aws/pages.h"
#include "aws/query.h"
#include "resources/common.h"
#include "resources/engine.h"
#include "resources/iam.h"
#include "resources/pending.h"
#include "resources/policy.h"
#include "util/buf.h"
#include "util/log.h"
#include "util/str.h"

#define POL_NAME_MAX 128
#define POL_PREFIX_MAX (POL_NAME_MAX - 26)
#define POL_PATH_MAX 512
#define POL_ARN_MAX 2048
/* IAM's limit of versions per managed policy. */
#define POL_VERSIONS_MAX 5
/* delayAfterPolicyCreationInMs at most one hour. */
#define POL_DELAY_MAX (3600L * 1000)
/* NoSuchEntity right after CreatePolicy, a concurrent change, an attachment
 * whose removal has not landed yet. */
#define POL_READ_RETRY_MS (60L * 1000)
#define POL_DELETE_RETRY_MS (30L * 1000)

static const eng_prop pol_rows[] = {
    {.name = "delayAfterPolicyCreationInMs",
     .type = ET_INT,
     .flags = EP_LOCAL,
     .doc = "Milliseconds to wait between creating a new version of the document and making it "
            "the default (0 to 3600000). Unset or 0: the new version is made the default at once.",
     .valid = EV_INT,
     .min = 0,
     .max = POL_DELAY_MAX},
    {.name = "description",
     .type = ET_STRING,
     .flags = EP_REPLACE,
     .doc = "Description of the policy (at most 1000 characters). Changing it replaces the "
            "policy.",
     .valid = EV_STRING,
     .min = 0,
     .max = 1000,
     .aws = "Description",
     .send = ES_CREATE},
    {.name = "name",
     .type = ET_STRING,
     .flags = EP_NAME | EP_REPLACE | EP_ALWAYS,
     .doc = "Name of the policy: 1-128 letters, digits and `_+=,.@-`. Unset: `<logical "
            "name>-<7 hex>`. Conflicts with `namePrefix`. Changing it replaces the policy.",
     .valid = EV_STRING,
     .min = 1,
     .max = POL_NAME_MAX,
     .charset = charset_iam_name,
     .rule = IAM_NAME_RULE,
     .prefix_of = "namePrefix",
     .aws = "PolicyName",
     .send = ES_CREATE},
    {.name = "namePrefix",
     .type = ET_STRING,
     .flags = EP_REPLACE | EP_LOCAL,
     .doc = "Creates a unique name beginning with this prefix (1-102 characters). Conflicts with "
            "`name`. Changing it replaces the policy.",
     .valid = EV_STRING,
     .min = 1,
     .max = POL_PREFIX_MAX,
     .charset = charset_iam_name,
     .rule = IAM_NAME_RULE},
    {.name = "path",
     .type = ET_STRING,
     .flags = EP_REPLACE | EP_ALWAYS,
     .def = "\"/\"",
     .doc = "Path of the policy: starts and ends with `/`, at most 512 characters. Changing it "
            "replaces the policy.",
     .valid = EV_STRING,
     .min = 1,
     .max = POL_PATH_MAX,
     .pred = iam_path_ok,
     .pred_rule = "must start and end with / and hold only printable ASCII without spaces",
     .aws = "Path",
     .send = ES_CREATE},
    {.name = "policy",
     .type = ET_STRING,
     .flags = EP_REQUIRED,
     .doc = "The policy document as JSON. Equivalent documents never diff; state keeps your "
            "text. A change makes a new default version (the oldest non-default one goes when "
            "IAM's five exist).",
     .valid = EV_POLICY,
     .diff = ED_POLICY,
     .aws = "PolicyDocument",
     .send = ES_CREATE},
    {.name = "tags",
     .type = ET_MAP,
     .item = ET_STRING,
     .flags = EP_TAGS,
     .doc = "Tags of the policy (keys 1-128, values at most 256 characters).",
     .diff = ED_MAP,
     .aws = "Tags"},
    {.name = "arn",
     .type = ET_STRING,
     .flags = EP_OUTPUT,
     .doc = "ARN of the policy (also its ID).",
     .aws = "Arn"},
    {.name = "attachmentCount",
     .type = ET_INT,
     .flags = EP_OUTPUT,
     .doc = "Number of users, groups and roles the policy is attached to.",
     .aws = "AttachmentCount"},
    {.name = "policyId",
     .type = ET_STRING,
     .flags = EP_OUTPUT,
     .doc = "The policy's stable unique ID.",
     .aws = "PolicyId"},
    {.name = "tagsAll",
     .type = ET_MAP,
     .item = ET_STRING,
     .flags = EP_OUTPUT | EP_TAGS_ALL,
     .doc = "The policy's tags including the provider's `defaultTags`, minus `ignoreTags`.",
     .diff = ED_MAP},
};

/* Diff against the policy as last read (refresh drift is put right by the
 * next update); "" descriptions in state written by pulumi-aws are none. */
static const eng_table pol_table = {
    .doc = "A customer managed IAM policy. ID: the policy ARN. Import with `pulumi import "
           "aws:iam/policy:Policy NAME <arn>`.",
    ENG_ROWS(pol_rows),
    .diff_outputs = true,
    .empty_is_absent = true,
    .aws_url_encoded_docs = true,
};

/* ---- read ------------------------------------------------------------------------ */

static int pol_tag_item(void *arg, const xml_node *m, err *e)
{
    const char *k = xml_path_text(m, "Key"), *v = xml_path_text(m, "Value");
    if (k && prop_set_str(arg, k, v ? v : "") != 0)
        return res_oom(e);
    return 0;
}

/* The document of one version, percent-decoded (*doc, the caller frees). */
static int pol_version_doc(res_ctx *ctx, const char *arn, const char *version, char **doc, err *e)
{
    xml_node *root = NULL;
    *doc = NULL;
    if (iam_call(ctx, "GetPolicyVersion", true, &root, e, "PolicyArn", arn, "VersionId", version,
                 NULL) != 0)
        return -1;
    const char *enc = xml_path_text(root, "GetPolicyVersionResult/PolicyVersion/Document");
    int rc =
        enc ? policy_url_decode(enc, doc, e)
            : err_set(e, ERR_UNAVAILABLE,
                      "iam GetPolicyVersion for %s %s: the response has no Document", arn, version);
    xml_free(root);
    return rc;
}

/* The policy at arn as outputs; ref holds the user's values (the text kept
 * where AWS's document means the same). ERR_NOT_FOUND: gone. */
static int pol_fetch(res_ctx *ctx, const char *arn, const pv *ref, pv **outputs, err *e)
{
    xml_node *root = NULL;
    pv *o = pv_object(), *actual = pv_object();
    char *doc = NULL;
    int rc = -1;
    *outputs = NULL;
    aws_client *c = res_client(ctx, e);
    if (!c)
        goto out;
    if (!o || !actual) {
        res_oom(e);
        goto out;
    }
    if (iam_call(ctx, "GetPolicy", true, &root, e, "PolicyArn", arn, NULL) != 0)
        goto out;
    const xml_node *p = xml_path(root, "GetPolicyResult/Policy");
    const char *ver = p ? xml_path_text(p, "DefaultVersionId") : NULL;
    if (!ver) {
        err_set(e, ERR_UNAVAILABLE, "iam GetPolicy for %s: the response has no DefaultVersionId",
                arn);
        goto out;
    }
    if (engine_xml_outputs(&pol_table, p, ref, o, e) != 0 ||
        pol_version_doc(ctx, arn, ver, &doc, e) != 0)
        goto out;
    const char *mine = prop_str(ref, "policy");
    if (prop_set_str(o, "policy", mine && policy_same(mine, doc) ? mine : doc) != 0) {
        res_oom(e);
        goto out;
    }
    const char *const params[] = {"PolicyArn", arn, NULL};
    if (pages_query(c, ENDPOINTS_IAM, "ListPolicyTags", IAM_API_VERSION, params, "Tags",
                    res_aws_cancel(ctx), pol_tag_item, actual, e) != 0 ||
        engine_read_tags(ctx, &pol_table, actual, ref, o, e) != 0)
        goto out;
    *outputs = o;
    o = NULL;
    rc = 0;
out:
    xml_free(root);
    free(doc);
    pv_free(o);
    pv_free(actual);
    return rc;
}

static bool pol_not_yet(const err *e)
{
    return e->code == ERR_NOT_FOUND || e->code == ERR_ABORTED;
}

/* pol_fetch right after a create or update: NoSuchEntity (IAM's eventual
 * consistency) and ConcurrentModification are waited out. */
static int pol_fetch_new(res_ctx *ctx, const char *arn, const pv *ref, pv **outputs, err *e)
{
    res_backoff b;
    res_backoff_init(&b, POL_READ_RETRY_MS);
    while (pol_fetch(ctx, arn, ref, outputs, e) != 0)
        if (res_backoff_wait(ctx, &b, pol_not_yet, "waiting for IAM to show the new policy", e) !=
            0)
            return -1;
    return 0;
}

/* An ID that is an IAM policy ARN (arn:<partition>:iam::<account>:policy/...). */
static int pol_check_id(const char *id, err *e)
{
    const char *r = id ? strstr(id, ":policy/") : NULL;
    if (id && engine_arn_ok(id, "iam") && r && r[8])
        return 0;
    return err_set(e, ERR_INVALID_ARGUMENT,
                   "Policy ID '%.300s' is not a policy ARN (expected "
                   "arn:aws:iam::<account>:policy/<path><name>)",
                   id ? id : "");
}

static bool is_empty_obj(const pv *v)
{
    return !v || v->kind != PV_OBJECT || v->u.obj.len == 0;
}

static int pol_read(res_ctx *ctx, const char *id, const pv *props, const pv *inputs, char **new_id,
                    pv **outputs, pv **new_inputs, err *e)
{
    bool import = is_empty_obj(props) && is_empty_obj(inputs);
    const pv *ref = !is_empty_obj(inputs) ? inputs : props;
    *new_id = NULL;
    if (pol_check_id(id, e) != 0)
        return -1;
    if (pol_fetch(ctx, id, ref, outputs, e) != 0) {
        if (e->code == ERR_NOT_FOUND) {
            err_clear(e);
            return 0; /* gone: the engine drops it from state */
        }
        return -1;
    }
    *new_inputs = engine_read_inputs(&pol_table, *outputs, import ? NULL : ref);
    *new_id = str_dup(id);
    if (!*new_inputs || !*new_id) {
        pv_free(*outputs);
        pv_free(*new_inputs);
        free(*new_id);
        *outputs = *new_inputs = NULL;
        *new_id = NULL;
        return res_oom(e);
    }
    pending_forget(ctx, prop_str(*outputs, "name"));
    return 0;
}

/* ---- create -------------------------------------------------------------------------- */

/* arn:<partition>:iam::<account>:policy<path><name> when the account is known. */
static bool pol_arn_of(res_ctx *ctx, const char *name, const char *path, char *out, size_t outlen)
{
    err none = {0};
    aws_client *c = res_client(ctx, &none);
    const char *acct = c ? aws_client_account_id(c) : "";
    if (!acct || !*acct)
        return false;
    int n = snprintf(out, outlen, "arn:%s:iam::%s:policy%s%s", aws_client_partition(c), acct, path,
                     name);
    return n > 0 && (size_t)n < outlen;
}

typedef struct pol_found {
    const char *name, *path;
    char arn[POL_ARN_MAX + 1];
    char created[64];
    char version[64];
    bool found;
} pol_found;

static void pol_found_set(pol_found *f, const xml_node *p)
{
    const char *arn = xml_path_text(p, "Arn"), *cd = xml_path_text(p, "CreateDate");
    const char *v = xml_path_text(p, "DefaultVersionId");
    f->found = arn && str_copy(f->arn, sizeof(f->arn), arn) < sizeof(f->arn);
    str_copy(f->created, sizeof(f->created), cd ? cd : "");
    str_copy(f->version, sizeof(f->version), v ? v : "v1");
}

static int pol_find_item(void *arg, const xml_node *m, err *e)
{
    pol_found *f = arg;
    const char *n = xml_path_text(m, "PolicyName"), *p = xml_path_text(m, "Path");
    if (!n || strcmp(n, f->name) != 0 || !str_eq(p ? p : "/", f->path))
        return 0;
    pol_found_set(f, m);
    return 1;
}

/* The policy of that name and path: GetPolicy on the ARN they make, or (the
 * account unknown) every page of ListPolicies. ERR_NOT_FOUND when none. */
static int pol_find(res_ctx *ctx, pol_found *f, err *e)
{
    char arn[POL_ARN_MAX + 1];
    f->found = false;
    if (pol_arn_of(ctx, f->name, f->path, arn, sizeof(arn))) {
        xml_node *root = NULL;
        if (iam_call(ctx, "GetPolicy", true, &root, e, "PolicyArn", arn, NULL) != 0)
            return -1;
        const xml_node *p = xml_path(root, "GetPolicyResult/Policy");
        if (p)
            pol_found_set(f, p);
        xml_free(root);
    } else {
        aws_client *c = res_client(ctx, e);
        const char *const params[] = {"Scope", "Local", "PathPrefix", f->path, NULL};
        if (!c || pages_query(c, ENDPOINTS_IAM, "ListPolicies", IAM_API_VERSION, params, "Policies",
                              res_aws_cancel(ctx), pol_find_item, f, e) != 0)
            return -1;
    }
    return f->found ? 0 : err_set(e, ERR_NOT_FOUND, "no iam policy %s%s", f->path, f->name);
}

/* After a CreatePolicy whose effect is unknown (or, resuming an interrupted
 * create, EntityAlreadyExists): is there a policy of this name and path, made
 * during this create, with this document? res_adopt decides; *arn is set
 * when it is ours (or, UNKNOWN, to the ARN it would have when that is known). */
static enum res_adopt pol_adopt(res_ctx *ctx, const pv *in, time_t started, char *arn,
                                size_t arnlen, err *e)
{
    pol_found f = {.name = prop_str(in, "name"), .path = prop_str(in, "path")};
    if (!f.path)
        f.path = "/";
    err le = {0};
    const char *why = NULL;
    char *doc = NULL;
    if (pol_find(ctx, &f, &le) == 0) {
        err de = {0};
        if (pol_version_doc(ctx, f.arn, f.version, &doc, &de) != 0 ||
            !policy_same(doc, prop_str(in, "policy")))
            why = "its document differs from this policy's";
    }
    enum res_adopt a =
        res_adopt(ctx, "iam policy", "CreatePolicy", "iam/policy:Policy", f.found ? f.arn : f.name,
                  started, &le, f.found ? f.created : NULL, why, e);
    free(doc);
    arn[0] = '\0';
    if (a == RES_ADOPT_OURS)
        str_copy(arn, arnlen, f.arn);
    else if (a == RES_ADOPT_UNKNOWN && !pol_arn_of(ctx, f.name, f.path, arn, arnlen))
        arn[0] = '\0';
    return a;
}

static int pol_create_call(res_ctx *ctx, const pv *in, aws_outcome *oc, char *arn, size_t arnlen,
                           err *e)
{
    query q = {0};
    xml_node *root = NULL;
    int rc = -1;
    if (query_init(&q, "CreatePolicy", IAM_API_VERSION) != 0 ||
        engine_query_request(&pol_table, in, ES_CREATE, &q) != 0 ||
        iam_add_tags(ctx, &q, iam_tags_to_send(in)) != 0) {
        res_oom(e);
        goto out;
    }
    if (iam_send(ctx, "CreatePolicy", &q, false, oc, &root, e) != 0)
        goto out;
    const char *a = xml_path_text(root, "CreatePolicyResult/Policy/Arn");
    if (!a || str_copy(arn, arnlen, a) >= arnlen) {
        /* Created, but the answer does not say where: settle it by lookup. */
        if (oc)
            oc->maybe_applied = true;
        err_set(e, ERR_UNAVAILABLE, "iam CreatePolicy: the response has no policy ARN");
        goto out;
    }
    rc = 0;
out:
    query_free(&q);
    xml_free(root);
    return rc;
}

static int pol_preview(const pv *inputs, pv **outputs, err *e)
{
    pv *o = pv_copy(inputs);
    if (!o || prop_set_unknown(o, "arn") != 0 || prop_set_unknown(o, "policyId") != 0 ||
        prop_set_unknown(o, "attachmentCount") != 0) {
        pv_free(o);
        return res_oom(e);
    }
    *outputs = o;
    return 0;
}

/* resumed_from: the start of an earlier create of this policy whose answer
 * was lost (pending.h), 0 for none. */
static int pol_create_in(res_ctx *ctx, const pv *inputs, time_t resumed_from, char **id,
                         pv **outputs, err *e)
{
    *id = NULL;
    *outputs = NULL;
    if (ctx->preview)
        return pol_preview(inputs, outputs, e);
    const char *name = prop_str(inputs, "name");
    if (!name || !prop_str(inputs, "policy"))
        return err_set(e, ERR_INVALID_ARGUMENT,
                       "iam policy %s: name and policy must be known strings to create it",
                       ctx->name ? ctx->name : "");
    char arn[POL_ARN_MAX + 1];
    time_t started = resumed_from ? resumed_from : time(NULL);
    aws_outcome oc = {0};
    if (pol_create_call(ctx, inputs, &oc, arn, sizeof(arn), e) != 0) {
        if (!oc.maybe_applied && !(resumed_from && e->code == ERR_ALREADY_EXISTS))
            return -1;
        /* It may exist although the call failed (or an earlier, interrupted
         * create made it): never lose it. */
        res_grace(ctx);
        enum res_adopt a = pol_adopt(ctx, inputs, started, arn, sizeof(arn), e);
        if (a == RES_ADOPT_UNKNOWN && arn[0]) {
            *id = str_dup(arn); /* recorded with the inputs; refresh settles it */
            return *id ? -1 : res_oom(e);
        }
        if (a != RES_ADOPT_OURS)
            return -1;
    }
    if (!(*id = str_dup(arn)))
        return res_oom(e);
    /* From here on the policy exists: every failure returns with *id set. */
    if (pol_fetch_new(ctx, arn, inputs, outputs, e) != 0)
        return -1;
    return 0;
}

static int pol_create(res_ctx *ctx, const pv *inputs, char **id, pv **outputs, err *e)
{
    return pending_create(ctx, prop_str(inputs, "name"), pol_create_in, inputs, id, outputs, e);
}

/* ---- update ---------------------------------------------------------------------------- */

typedef struct pol_oldest {
    char version[64], created[64];
    size_t n;
} pol_oldest;

/* Counts the versions and keeps the oldest non-default one (by CreateDate,
 * then by version number). */
static int pol_oldest_item(void *arg, const xml_node *m, err *e)
{
    pol_oldest *o = arg;
    const char *v = xml_path_text(m, "VersionId"), *cd = xml_path_text(m, "CreateDate");
    const char *def = xml_path_text(m, "IsDefaultVersion");
    o->n++;
    if (!v || (def && strcmp(def, "true") == 0))
        return 0;
    cd = cd ? cd : "";
    int cmp = o->version[0] ? strcmp(cd, o->created) : -1;
    if (cmp == 0 && strlen(v) != strlen(o->version)) /* v10 after v9 */
        cmp = strlen(v) < strlen(o->version) ? -1 : 1;
    else if (cmp == 0)
        cmp = strcmp(v, o->version);
    if (cmp < 0) {
        str_copy(o->version, sizeof(o->version), v);
        str_copy(o->created, sizeof(o->created), cd);
    }
    return 0;
}

/* Room for one more version: with IAM's five, the oldest non-default goes. */
static int pol_prune(res_ctx *ctx, const char *arn, err *e)
{
    aws_client *c = res_client(ctx, e);
    const char *const params[] = {"PolicyArn", arn, NULL};
    pol_oldest o = {0};
    if (!c || pages_query(c, ENDPOINTS_IAM, "ListPolicyVersions", IAM_API_VERSION, params,
                          "Versions", res_aws_cancel(ctx), pol_oldest_item, &o, e) != 0)
        return -1;
    if (o.n < POL_VERSIONS_MAX || !o.version[0])
        return 0;
    log_at(1, "%s: deleting version %s of %s (IAM keeps %d)", ctx->urn ? ctx->urn : "?", o.version,
           arn, POL_VERSIONS_MAX);
    if (iam_call(ctx, "DeletePolicyVersion", true, NULL, e, "PolicyArn", arn, "VersionId",
                 o.version, NULL) != 0) {
        if (e->code != ERR_NOT_FOUND)
            return -1;
        err_clear(e); /* already gone */
    }
    return 0;
}

static long pol_delay(const pv *in)
{
    const pv *d = prop_get(in, "delayAfterPolicyCreationInMs");
    return d && d->kind == PV_NUMBER && d->u.n > 0 ? (long)d->u.n : 0;
}

/* A new default version holding doc. */
static int pol_new_version(res_ctx *ctx, const char *arn, const char *doc, long delay, err *e)
{
    xml_node *root = NULL;
    if (pol_prune(ctx, arn, e) != 0)
        return -1;
    if (iam_call(ctx, "CreatePolicyVersion", false, &root, e, "PolicyArn", arn, "PolicyDocument",
                 doc, "SetAsDefault", delay ? "false" : "true", NULL) != 0)
        return -1;
    int rc = 0;
    if (delay) {
        char version[64];
        const char *v = xml_path_text(root, "CreatePolicyVersionResult/PolicyVersion/VersionId");
        if (!v || str_copy(version, sizeof(version), v) >= sizeof(version))
            rc = err_set(e, ERR_UNAVAILABLE,
                         "iam CreatePolicyVersion for %s: the response has no VersionId", arn);
        else if (res_wait(ctx, delay,
                          "waiting delayAfterPolicyCreationInMs before making the new version "
                          "the default") != 0)
            rc = err_set(e, ERR_CANCELLED, "cancelled while waiting delayAfterPolicyCreationInMs");
        else
            rc = iam_call(ctx, "SetDefaultPolicyVersion", true, NULL, e, "PolicyArn", arn,
                          "VersionId", version, NULL);
    }
    xml_free(root);
    return rc;
}

static int pol_update(res_ctx *ctx, const char *id, const pv *olds, const pv *news,
                      const pv *old_inputs, pv **outputs, err *e)
{
    *outputs = NULL;
    if (ctx->preview) {
        /* What AWS computed does not change in place. */
        static const char *const kept[] = {"arn", "policyId", "attachmentCount"};
        pv *o = pv_copy(news);
        for (size_t i = 0; o && i < sizeof(kept) / sizeof(kept[0]); i++) {
            const pv *v = pv_object_get(olds, kept[i]);
            if (pv_object_set(o, kept[i], v ? pv_copy(v) : pv_unknown(PV_UNK_ANY)) != 0) {
                pv_free(o);
                o = NULL;
            }
        }
        *outputs = o;
        return o ? 0 : res_oom(e);
    }
    const pv *base = !is_empty_obj(olds) ? olds : old_inputs;
    const char *doc = prop_str(news, "policy");
    int rc = 0;
    if (doc && !policy_same(doc, prop_str(base, "policy")))
        rc = pol_new_version(ctx, id, doc, pol_delay(news), e);
    if (rc == 0) {
        const pv *have = prop_get(base, "tagsAll");
        if (!have || have->kind != PV_OBJECT)
            have = prop_get(base, "tags");
        rc = iam_update_tags(ctx, "TagPolicy", "UntagPolicy", "PolicyArn", id,
                             iam_tags_to_send(news), have && have->kind == PV_OBJECT ? have : NULL,
                             e);
    }
    if (rc != 0) {
        /* Record what the policy is now, so the next run starts from the truth. */
        err saved = *e, ignored = {0};
        if (pol_fetch(ctx, id, news, outputs, &ignored) != 0)
            *outputs = NULL;
        *e = saved;
        return -1;
    }
    return pol_fetch_new(ctx, id, news, outputs, e);
}

/* ---- delete ---------------------------------------------------------------------------- */

typedef struct pol_versions {
    strv ids;
} pol_versions;

static int pol_nondefault_item(void *arg, const xml_node *m, err *e)
{
    pol_versions *pvs = arg;
    const char *v = xml_path_text(m, "VersionId"), *def = xml_path_text(m, "IsDefaultVersion");
    if (v && !(def && strcmp(def, "true") == 0) && strv_push(&pvs->ids, v) != 0)
        return res_oom(e);
    return 0;
}

static bool pol_delete_retryable(const err *e)
{
    return e->code == ERR_FAILED_PRECONDITION || e->code == ERR_ABORTED;
}

static int pol_delete(res_ctx *ctx, const char *id, const pv *props, err *e)
{
    pol_versions vs = {{0}};
    int rc = -1;
    if (pol_check_id(id, e) != 0)
        return -1;
    aws_client *c = res_client(ctx, e);
    const char *const params[] = {"PolicyArn", id, NULL};
    if (!c || pages_query(c, ENDPOINTS_IAM, "ListPolicyVersions", IAM_API_VERSION, params,
                          "Versions", res_aws_cancel(ctx), pol_nondefault_item, &vs, e) != 0)
        goto out;
    for (size_t i = 0; i < vs.ids.n; i++)
        if (iam_call(ctx, "DeletePolicyVersion", true, NULL, e, "PolicyArn", id, "VersionId",
                     vs.ids.v[i], NULL) != 0) {
            if (e->code != ERR_NOT_FOUND)
                goto out;
            err_clear(e);
        }
    res_backoff b;
    res_backoff_init(&b, POL_DELETE_RETRY_MS);
    while (iam_call(ctx, "DeletePolicy", true, NULL, e, "PolicyArn", id, NULL) != 0)
        if (res_backoff_wait(ctx, &b, pol_delete_retryable,
                             "waiting for the policy's attachments to be removed", e) != 0) {
            if (e->code == ERR_FAILED_PRECONDITION) /* err_set formats e->msg first */
                err_set(e, ERR_FAILED_PRECONDITION,
                        "iam policy %.300s is still attached to a user, group or role (%s): "
                        "detach it (delete its attachments) and run destroy again",
                        id, e->msg);
            goto out;
        }
    rc = 0;
out:
    if (rc != 0 && e->code == ERR_NOT_FOUND) {
        err_clear(e); /* already gone */
        rc = 0;
    }
    strv_free(&vs.ids);
    return rc;
}

const resource_type iam_policy_type = {
    .token = "iam/policy:Policy",
    .table = &pol_table,
    .create = pol_create,
    .read = pol_read,
    .update = pol_update,
    .del = pol_delete,
};
