/* kms_key: aws:kms/key:Key, ID = the key ID.
 *
 * KMS JSON 1.1: CreateKey, DescribeKey, GetKeyPolicy/PutKeyPolicy,
 * GetKeyRotationStatus, Enable/DisableKeyRotation, EnableKey/DisableKey,
 * UpdateKeyDescription, ListResourceTags/TagResource/UntagResource, and
 * ScheduleKeyDeletion (a key pending deletion counts as gone).
 *
 * Where it differs from pulumi-aws, on purpose:
 * - The policy is compared by meaning (GetKeyPolicy returns keys in any
 *   order); the state keeps the user's text. Without a policy in the program,
 *   the default policy AWS writes is not drift (the policy is then not managed).
 * - CreateKey and PutKeyPolicy are retried (2 minutes, the shared backoff)
 *   while KMS refuses a principal IAM created seconds ago ("invalid principals").
 * - CreateKey has no name, so a create whose answer is lost could leave a key
 *   nobody knows. Each create tags the key `awsml:create-token` = a random
 *   token, recorded on this machine before the call (pending.h); when the
 *   answer is lost (or the next `up` resumes an interrupted create) the key
 *   carrying the token is looked up (ListKeys, ListResourceTags) and adopted
 *   instead of a second one being made. The tag is removed once the create
 *   has answered, and never reported as one of the key's tags.
 * - When AWS does not report rotationPeriodInDays (moto never does), the
 *   period given stays in the state instead of showing as drift. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>
#include <openssl/rand.h>

#include "resources/common.h"
#include "resources/engine.h"
#include "resources/kms.h"
#include "resources/pending.h"
#include "resources/policy.h"
#include "util/log.h"
#include "util/mem.h"
#include "util/str.h"
#include "util/strv.h"

#define KEY_MARKER "awsml:create-token"
#define KEY_TOKEN_PREFIX "kms-create-"
#define KEY_POLICY_WAIT_MS (120 * 1000L)
#define KEY_POLICY_MAX 32768
#define KEY_DELETION_WINDOW_DEFAULT 30

/* ---- The table ---------------------------------------------------------- */

static const char *const key_usages[] = {"ENCRYPT_DECRYPT", "SIGN_VERIFY", "GENERATE_VERIFY_MAC",
                                         "KEY_AGREEMENT", NULL};
static const char *const key_specs[] = {"SYMMETRIC_DEFAULT",
                                        "RSA_2048",
                                        "RSA_3072",
                                        "RSA_4096",
                                        "HMAC_224",
                                        "HMAC_256",
                                        "HMAC_384",
                                        "HMAC_512",
                                        "ECC_NIST_P256",
                                        "ECC_NIST_P384",
                                        "ECC_NIST_P521",
                                        "ECC_SECG_P256K1",
                                        "ECC_NIST_EDWARDS25519",
                                        "ML_DSA_44",
                                        "ML_DSA_65",
                                        "ML_DSA_87",
                                        "SM2",
                                        NULL};

static const eng_prop key_rows[] = {
    {.name = "description",
     .type = ET_STRING,
     .doc = "Description of the key (at most 8192 characters).",
     .valid = EV_STRING,
     .min = 0,
     .max = 8192,
     .aws = "Description",
     .send = ES_CREATE},
    {.name = "keyUsage",
     .type = ET_STRING,
     .flags = EP_REPLACE,
     .def = "\"ENCRYPT_DECRYPT\"",
     .doc = "What the key is for: `ENCRYPT_DECRYPT` (default), `SIGN_VERIFY`, "
            "`GENERATE_VERIFY_MAC` or `KEY_AGREEMENT`. Changing it replaces the key.",
     .valid = EV_ENUM,
     .values = key_usages,
     .aws = "KeyUsage",
     .send = ES_CREATE},
    {.name = "customerMasterKeySpec",
     .type = ET_STRING,
     .flags = EP_REPLACE,
     .def = "\"SYMMETRIC_DEFAULT\"",
     .doc = "The key spec: `SYMMETRIC_DEFAULT` (default), `RSA_2048`, `HMAC_256`, "
            "`ECC_NIST_P256`, ... Changing it replaces the key.",
     .valid = EV_ENUM,
     .values = key_specs,
     .aws = "KeySpec",
     .send = ES_CREATE},
    {.name = "multiRegion",
     .type = ET_BOOL,
     .flags = EP_REPLACE,
     .def = "false",
     .doc = "A multi-Region primary key. Changing it replaces the key.",
     .aws = "MultiRegion",
     .send = ES_CREATE},
    {.name = "customKeyStoreId",
     .type = ET_STRING,
     .flags = EP_REPLACE,
     .doc = "ID of the custom key store (CloudHSM or external) to create the key in. Changing it "
            "replaces the key.",
     .valid = EV_STRING,
     .min = 1,
     .max = 64,
     .aws = "CustomKeyStoreId",
     .send = ES_CREATE},
    {.name = "xksKeyId",
     .type = ET_STRING,
     .flags = EP_REPLACE,
     .doc = "ID of the key in the external key manager (needs `customKeyStoreId` of an external "
            "key store). Changing it replaces the key.",
     .valid = EV_STRING,
     .min = 1,
     .max = 128,
     .aws = "XksKeyId",
     .aws_out = "XksKeyConfiguration/Id",
     .send = ES_CREATE},
    {.name = "policy",
     .type = ET_STRING,
     .flags = EP_UNMANAGED_ABSENT,
     .doc = "The key policy (JSON, at most 32768 bytes), compared by meaning. Unset: AWS's "
            "default policy, not managed.",
     .valid = EV_POLICY,
     .max = KEY_POLICY_MAX,
     .diff = ED_POLICY,
     .aws = "Policy",
     .send = ES_CREATE},
    {.name = "bypassPolicyLockoutSafetyCheck",
     .type = ET_BOOL,
     .flags = EP_LOCAL,
     .def = "false",
     .doc = "Skip KMS's check that the policy does not lock the caller out (default false).",
     .aws = "BypassPolicyLockoutSafetyCheck",
     .send = ES_CREATE},
    {.name = "enableKeyRotation",
     .type = ET_BOOL,
     .def = "false",
     .doc = "Rotate the key material automatically (symmetric keys only).",
     .aws = "KeyRotationEnabled"},
    {.name = "rotationPeriodInDays",
     .type = ET_INT,
     .flags = EP_UNMANAGED_ABSENT,
     .doc = "Days between rotations, 90 to 2560 (AWS's default: 365).",
     .valid = EV_INT,
     .min = 90,
     .max = 2560,
     .aws = "RotationPeriodInDays"},
    {.name = "isEnabled",
     .type = ET_BOOL,
     .def = "true",
     .doc = "Whether the key can be used (default true).",
     .aws = "Enabled"},
    {.name = "deletionWindowInDays",
     .type = ET_INT,
     .flags = EP_LOCAL,
     .doc = "Days, 7 to 30, between destroy and the key's deletion (AWS's default 30 applies when "
            "unset); the key is unusable meanwhile.",
     .valid = EV_INT,
     .min = 7,
     .max = 30},
    {.name = "tags",
     .type = ET_MAP,
     .item = ET_STRING,
     .flags = EP_TAGS,
     .doc = "Tags of the key.",
     .diff = ED_MAP},
    ENG_REGION_ROW,
    {.name = "arn", .type = ET_STRING, .flags = EP_OUTPUT, .doc = "ARN of the key.", .aws = "Arn"},
    {.name = "keyId",
     .type = ET_STRING,
     .flags = EP_OUTPUT,
     .doc = "ID of the key (the resource's ID).",
     .aws = "KeyId"},
    {.name = "tagsAll",
     .type = ET_MAP,
     .item = ET_STRING,
     .flags = EP_OUTPUT | EP_TAGS_ALL,
     .doc = "The key's tags including the provider's `defaultTags`, minus `ignoreTags`.",
     .diff = ED_MAP},
};

static const eng_table key_table = {
    .doc = "A KMS key. ID: the key ID. Destroy schedules its deletion (`deletionWindowInDays`). "
           "Import with `pulumi import aws:kms/key:Key NAME <key-id>`.",
    ENG_ROWS(key_rows),
    .empty_is_absent = true,
};

static int key_check(res_ctx *ctx, const pv *olds, pv *in, check_failures *f, err *e)
{
    if (prop_present(in, "xksKeyId") && !prop_present(in, "customKeyStoreId") &&
        check_failure_add(f, "xksKeyId",
                          "xksKeyId needs customKeyStoreId (the external key store holding it)") !=
            0)
        return res_oom(e);
    return 0;
}

/* ---- AWS calls ---------------------------------------------------------- */

/* KMS refusing a principal IAM has not propagated yet. */
static bool key_principal_not_ready(const err *e)
{
    return err_aws_code_is(e, "MalformedPolicyDocumentException") && err_aws_says(e, "principal");
}

/* A call that may name a new principal in a policy (CreateKey, PutKeyPolicy). */
static int key_call_policy(res_ctx *ctx, aws_client *c, const char *op, const cJSON *req, bool idem,
                           aws_outcome *oc, cJSON **resp, err *e)
{
    res_backoff b;
    res_backoff_init(&b, KEY_POLICY_WAIT_MS);
    while (kms_call(ctx, c, op, req, idem, oc, resp, e) != 0)
        if (res_backoff_wait(ctx, &b, key_principal_not_ready,
                             "waiting for IAM: KMS does not know a principal of the key policy yet",
                             e) != 0)
            return -1;
    return 0;
}

/* One call with string parameters and no answer needed. */
static int key_simple(res_ctx *ctx, aws_client *c, const char *op, const char *id, const char *k,
                      const char *v, err *e)
{
    cJSON *req = kms_req("KeyId", id, k, v, NULL);
    int rc = req ? kms_call(ctx, c, op, req, true, NULL, NULL, e) : res_oom(e);
    cJSON_Delete(req);
    return rc;
}

/* [{TagKey, TagValue}] of n keys and values, plus the create marker when given. */
static cJSON *key_tags_json(const strv *keys, const strv *values, const char *marker)
{
    cJSON *a = cJSON_CreateArray();
    for (size_t i = 0; a && i < keys->n + (marker ? 1 : 0); i++) {
        cJSON *t = cJSON_CreateObject();
        if (!t || !cJSON_AddItemToArray(a, t)) {
            cJSON_Delete(t);
            goto fail;
        }
        if (!cJSON_AddStringToObject(t, "TagKey", i < keys->n ? keys->v[i] : KEY_MARKER) ||
            !cJSON_AddStringToObject(t, "TagValue", i < keys->n ? values->v[i] : marker))
            goto fail;
    }
    return a;
fail:
    cJSON_Delete(a);
    return NULL;
}

/* UntagResource of keys (none: no call), then TagResource of set (none: no call). */
static int key_retag(res_ctx *ctx, aws_client *c, const char *id, const strv *remove,
                     const strv *set_keys, const strv *set_values, err *e)
{
    cJSON *req = NULL, *arr = NULL;
    int rc = -1;
    if (remove->n) {
        req = kms_req("KeyId", id, NULL);
        arr = req ? cJSON_AddArrayToObject(req, "TagKeys") : NULL;
        for (size_t i = 0; arr && i < remove->n; i++) {
            cJSON *k = cJSON_CreateString(remove->v[i]);
            if (!k || !cJSON_AddItemToArray(arr, k)) {
                cJSON_Delete(k);
                arr = NULL;
            }
        }
        if (!arr) {
            res_oom(e);
            goto done;
        }
        if (kms_call(ctx, c, "UntagResource", req, true, NULL, NULL, e) != 0)
            goto done;
        cJSON_Delete(req);
        req = NULL;
    }
    if (set_keys->n) {
        req = kms_req("KeyId", id, NULL);
        arr = req ? key_tags_json(set_keys, set_values, NULL) : NULL;
        if (!arr || !cJSON_AddItemToObject(req, "Tags", arr)) {
            cJSON_Delete(arr);
            res_oom(e);
            goto done;
        }
        if (kms_call(ctx, c, "TagResource", req, true, NULL, NULL, e) != 0)
            goto done;
    }
    rc = 0;
done:
    cJSON_Delete(req);
    return rc;
}

/* The tags of a key (every page), without the create marker; *marker (may be
 * NULL) gets the marker's value ("" when absent, 128 bytes). */
typedef struct key_tag_read {
    pv *tags;
    char *marker;
} key_tag_read;

static int key_tag_item(void *arg, const cJSON *t, err *e)
{
    key_tag_read *r = arg;
    const char *k = kms_str(t, "TagKey"), *v = kms_str(t, "TagValue");
    if (!k)
        return 0;
    if (strcmp(k, KEY_MARKER) == 0) {
        if (r->marker)
            snprintf(r->marker, 128, "%s", v ? v : "");
        return 0;
    }
    return prop_set_str(r->tags, k, v ? v : "") == 0 ? 0 : res_oom(e);
}

static int key_list_tags(res_ctx *ctx, aws_client *c, const char *id, pv **tags, char *marker,
                         err *e)
{
    key_tag_read r = {pv_object(), marker};
    cJSON *req = kms_req("KeyId", id, NULL);
    int rc = -1;
    if (marker)
        marker[0] = '\0';
    if (!r.tags || !req)
        res_oom(e);
    else
        rc = kms_list(ctx, c, "ListResourceTags", req, "Tags", key_tag_item, &r, e);
    cJSON_Delete(req);
    if (rc == 0 && tags) {
        *tags = r.tags;
        r.tags = NULL;
    }
    pv_free(r.tags);
    return rc;
}

/* ---- Describe: everything Read reports ----------------------------------- */

static bool key_gone_state(const char *state)
{
    return str_eq(state, "PendingDeletion") || str_eq(state, "PendingReplicaDeletion");
}

/* The outputs of key id (ref: the inputs or state to keep the user's text
 * and local settings from); *gone when it does not exist or is pending
 * deletion. */
static int key_describe(res_ctx *ctx, aws_client *c, const char *id, const pv *ref, pv **outputs,
                        bool *gone, err *e)
{
    cJSON *d = NULL, *pol = NULL, *rot = NULL, *req = kms_req("KeyId", id, NULL);
    pv *out = NULL, *tags = NULL;
    int rc = -1;
    /* Comparing policies swallows a failed allocation (and keeps AWS's text):
     * noticed here, so the outputs are never quietly different. */
    unsigned long mark = mem_failures();
    *gone = false;
    if (!req) {
        res_oom(e);
        goto done;
    }
    if (kms_call(ctx, c, "DescribeKey", req, true, NULL, &d, e) != 0) {
        if (e->code == ERR_NOT_FOUND) {
            err_clear(e);
            *gone = true;
            rc = 0;
        }
        goto done;
    }
    cJSON *md = cJSON_GetObjectItemCaseSensitive(d, "KeyMetadata");
    if (!cJSON_IsObject(md)) {
        err_set(e, ERR_INTERNAL, "KMS DescribeKey of %s returned no KeyMetadata", id);
        goto done;
    }
    if (key_gone_state(kms_str(md, "KeyState"))) {
        *gone = true;
        rc = 0;
        goto done;
    }
    const char *kid = kms_str(md, "KeyId");
    cJSON_DeleteItemFromObjectCaseSensitive(req, "KeyId");
    if (!cJSON_AddStringToObject(req, "KeyId", kid ? kid : id) ||
        !cJSON_AddStringToObject(req, "PolicyName", "default")) {
        res_oom(e);
        goto done;
    }
    if (kms_call(ctx, c, "GetKeyPolicy", req, true, NULL, &pol, e) != 0)
        goto done;
    cJSON_DeleteItemFromObjectCaseSensitive(req, "PolicyName");
    if (kms_call(ctx, c, "GetKeyRotationStatus", req, true, NULL, &rot, e) != 0) {
        /* Asymmetric, HMAC and custom key store keys have no rotation. */
        if (!err_aws_code_is(e, "UnsupportedOperationException"))
            goto done;
        err_clear(e);
    }
    /* One document for the table's rows: the metadata, policy and rotation. */
    const char *p = kms_str(pol, "Policy");
    const cJSON *re = cJSON_GetObjectItemCaseSensitive(rot, "KeyRotationEnabled");
    const cJSON *rp = cJSON_GetObjectItemCaseSensitive(rot, "RotationPeriodInDays");
    const pv *mine = prop_get(ref, "rotationPeriodInDays");
    if ((p && !cJSON_AddStringToObject(md, "Policy", p)) ||
        !cJSON_AddBoolToObject(md, "KeyRotationEnabled", cJSON_IsTrue(re)) ||
        (cJSON_IsNumber(rp) &&
         !cJSON_AddNumberToObject(md, "RotationPeriodInDays", rp->valuedouble)) ||
        (!cJSON_IsNumber(rp) && mine && mine->kind == PV_NUMBER &&
         !cJSON_AddNumberToObject(md, "RotationPeriodInDays", mine->u.n))) {
        res_oom(e);
        goto done;
    }
    out = pv_object();
    if (!out || engine_json_outputs(&key_table, md, ref, out) != 0 ||
        (!prop_str(out, "region") && prop_set_str(out, "region", aws_client_region(c)) != 0)) {
        res_oom(e);
        goto done;
    }
    if (key_list_tags(ctx, c, kid ? kid : id, &tags, NULL, e) != 0 ||
        engine_read_tags(ctx, &key_table, tags, ref, out, e) != 0)
        goto done;
    if (mem_failures() != mark) {
        res_oom(e);
        goto done;
    }
    *outputs = out;
    out = NULL;
    rc = 0;
done:
    cJSON_Delete(req);
    cJSON_Delete(d);
    cJSON_Delete(pol);
    cJSON_Delete(rot);
    pv_free(out);
    pv_free(tags);
    return rc;
}

/* ---- Create ------------------------------------------------------------- */

/* Rotation and enabled state as the inputs ask (after a create or an update).
 * Rotation changes need an enabled key: enable first, disable last. */
static int key_set_state(res_ctx *ctx, aws_client *c, const char *id, const pv *in, const pv *base,
                         err *e)
{
    const pv *en = prop_get(in, "isEnabled"), *was_en = prop_get(base, "isEnabled");
    bool enabled = !en || en->kind != PV_BOOL || en->u.b;
    bool was = !was_en || was_en->kind != PV_BOOL || was_en->u.b;
    if (enabled && !was && key_simple(ctx, c, "EnableKey", id, NULL, NULL, e) != 0)
        return -1;
    const pv *r = prop_get(in, "enableKeyRotation"), *old_r = prop_get(base, "enableKeyRotation");
    const pv *per = prop_get(in, "rotationPeriodInDays");
    const pv *old_per = prop_get(base, "rotationPeriodInDays");
    bool rotate = r && r->kind == PV_BOOL && r->u.b;
    bool rotated = old_r && old_r->kind == PV_BOOL && old_r->u.b;
    bool per_changed = per && per->kind == PV_NUMBER &&
                       !(old_per && old_per->kind == PV_NUMBER && old_per->u.n == per->u.n);
    if (rotate && (!rotated || per_changed)) {
        cJSON *req = kms_req("KeyId", id, NULL);
        int rc = req && (!per || per->kind != PV_NUMBER ||
                         cJSON_AddNumberToObject(req, "RotationPeriodInDays", per->u.n))
                     ? kms_call(ctx, c, "EnableKeyRotation", req, true, NULL, NULL, e)
                     : res_oom(e);
        cJSON_Delete(req);
        if (rc != 0)
            return -1;
    } else if (!rotate && rotated &&
               key_simple(ctx, c, "DisableKeyRotation", id, NULL, NULL, e) != 0) {
        return -1;
    }
    if (!enabled && was && key_simple(ctx, c, "DisableKey", id, NULL, NULL, e) != 0)
        return -1;
    return 0;
}

/* A fresh marker token, or the one of an earlier create of this resource
 * whose answer never arrived (so its key is found, not made twice). */
static int key_token(const res_ctx *ctx, char *out, size_t cap, err *e)
{
    char rec[PENDING_ID_MAX];
    if (pending_find(ctx, NULL, rec, sizeof(rec), NULL) && str_has_prefix(rec, KEY_TOKEN_PREFIX) &&
        strlen(rec) < cap) {
        snprintf(out, cap, "%s", rec);
        return 0;
    }
    unsigned char rnd[16];
    if (RAND_bytes(rnd, sizeof(rnd)) != 1)
        return err_set(e, ERR_INTERNAL, "no randomness for the key's create token");
    int n = snprintf(out, cap, "%s", KEY_TOKEN_PREFIX);
    for (size_t i = 0; i < sizeof(rnd) && n > 0 && (size_t)n + 2 < cap; i++)
        n += snprintf(out + n, cap - (size_t)n, "%02x", rnd[i]);
    return 0;
}

typedef struct key_search {
    res_ctx *ctx;
    aws_client *c;
    const char *token;
    strv ids; /* the keys carrying the token that are not pending deletion */
} key_search;

static int key_search_item(void *arg, const cJSON *item, err *e)
{
    key_search *s = arg;
    const char *kid = kms_str(item, "KeyId");
    char marker[128];
    cJSON *req = NULL, *d = NULL;
    int rc = 0;
    if (!kid)
        return 0;
    rc = key_list_tags(s->ctx, s->c, kid, NULL, marker, e);
    if (rc == 0 && strcmp(marker, s->token) == 0) {
        req = kms_req("KeyId", kid, NULL);
        rc = req ? kms_call(s->ctx, s->c, "DescribeKey", req, true, NULL, &d, e) : res_oom(e);
        if (rc == 0 && !key_gone_state(kms_str(d, "KeyMetadata/KeyState")) &&
            strv_push(&s->ids, kid) != 0)
            rc = res_oom(e);
    }
    cJSON_Delete(req);
    cJSON_Delete(d);
    if (rc != 0 && e->code == ERR_NOT_FOUND) {
        err_clear(e); /* deleted meanwhile */
        rc = 0;
    }
    return rc;
}

/* The live keys carrying token (every page of ListKeys), into ids. */
static int key_find_token(res_ctx *ctx, aws_client *c, const char *token, strv *ids, err *e)
{
    key_search s = {ctx, c, token, {0}};
    cJSON *req = cJSON_CreateObject();
    int rc = req ? kms_list(ctx, c, "ListKeys", req, "Keys", key_search_item, &s, e) : res_oom(e);
    cJSON_Delete(req);
    *ids = s.ids;
    return rc;
}

/* After a CreateKey whose answer was lost (or a resumed create): the key
 * carrying token, decided by res_adopt. On OURS, id gets the key's ID. */
static enum res_adopt key_adopt(res_ctx *ctx, aws_client *c, const char *token, const pv *in,
                                time_t started, char *id, size_t cap, err *e)
{
    strv ids = {0};
    err le = {0};
    cJSON *req = NULL, *d = NULL;
    char created[32];
    const char *when = NULL, *why = NULL;
    if (key_find_token(ctx, c, token, &ids, &le) == 0 && ids.n == 0)
        err_set(&le, ERR_NOT_FOUND, "no key carries the create token");
    if (ids.n && !le.code && (req = kms_req("KeyId", ids.v[0], NULL)) != NULL &&
        kms_call(ctx, c, "DescribeKey", req, true, NULL, &d, &le) == 0) {
        const cJSON *md = cJSON_GetObjectItemCaseSensitive(d, "KeyMetadata");
        const char *desc = prop_str(in, "description"), *got = kms_str(md, "Description");
        when = kms_created(md, created);
        if (!str_eq(desc ? desc : "", got ? got : ""))
            why = "its description differs";
        else if (!str_eq(prop_str(in, "keyUsage"), kms_str(md, "KeyUsage")))
            why = "its key usage differs";
    }
    cJSON_Delete(req);
    cJSON_Delete(d);
    char call_msg[sizeof(e->msg)];
    snprintf(call_msg, sizeof(call_msg), "%s", e->msg);
    enum res_adopt a = res_adopt(ctx, "kms key", "CreateKey", "kms/key:Key",
                                 ids.n ? ids.v[0] : token, started, &le, when, why, e);
    if (a == RES_ADOPT_OURS)
        snprintf(id, cap, "%s", ids.v[0]);
    else if (a == RES_ADOPT_UNKNOWN) /* no ID to record: say how to find the key */
        err_set(e, ERR_UNAVAILABLE,
                "kms key: whether CreateKey made a key is unknown (%.700s), and looking for it "
                "failed (%.700s); a key it made carries the tag %s=%s: find it (ListKeys, "
                "ListResourceTags) and import it with `pulumi import aws:kms/key:Key <name> "
                "<key-id>`, or schedule its deletion",
                call_msg, le.msg, KEY_MARKER, token);
    strv_free(&ids);
    return a;
}

/* A CreateKey retried after an answer that may have hidden a key (a 5xx
 * after KMS acted, then a retry that made another): every other live key
 * carrying this create's token is one nobody will know, so its deletion is
 * scheduled (7 days, cancellable). Failures only warn. */
static void key_dedupe(res_ctx *ctx, aws_client *c, const char *token, const char *kid)
{
    strv ids = {0};
    err e = {0};
    if (key_find_token(ctx, c, token, &ids, &e) != 0)
        log_user(LOG_WARNING, ctx->urn, false,
                 "could not check for a second KMS key made by a retried CreateKey (%s): look for "
                 "keys tagged %s=%s",
                 e.msg, KEY_MARKER, token);
    for (size_t i = 0; i < ids.n; i++) {
        if (strcmp(ids.v[i], kid) == 0)
            continue;
        err_clear(&e);
        cJSON *req = kms_req("KeyId", ids.v[i], NULL);
        int rc = req && cJSON_AddNumberToObject(req, "PendingWindowInDays", 7)
                     ? kms_call(ctx, c, "ScheduleKeyDeletion", req, true, NULL, NULL, &e)
                     : res_oom(&e);
        cJSON_Delete(req);
        log_user(LOG_WARNING, ctx->urn, false,
                 "a retried CreateKey made a second KMS key, %s, besides %s: %s", ids.v[i], kid,
                 rc == 0 ? "its deletion is scheduled in 7 days" : e.msg);
    }
    strv_free(&ids);
}

/* The outputs of a key that exists but could not be described: the inputs
 * with its ID (and ARN when known). */
static pv *key_fallback(const pv *in, const char *id, const char *arn)
{
    pv *o = pv_copy(in);
    if (!o || prop_set_str(o, "keyId", id) != 0 || (arn && prop_set_str(o, "arn", arn) != 0)) {
        pv_free(o);
        return NULL;
    }
    return o;
}

static int key_create_in(res_ctx *ctx, const pv *in, time_t resumed, char **id, pv **outputs,
                         err *e);

static int key_create(res_ctx *ctx, const pv *in, char **id, pv **outputs, err *e)
{
    char token[96];
    if (ctx->preview)
        return key_create_in(ctx, in, 0, id, outputs, e);
    if (key_token(ctx, token, sizeof(token), e) != 0)
        return -1;
    return pending_create(ctx, token, key_create_in, in, id, outputs, e);
}

static int key_create_in(res_ctx *ctx, const pv *in, time_t resumed, char **id, pv **outputs,
                         err *e)
{
    if (ctx->preview) {
        pv *o = pv_copy(in);
        if (!o || prop_set_unknown(o, "arn") != 0 || prop_set_unknown(o, "keyId") != 0) {
            pv_free(o);
            return res_oom(e);
        }
        *outputs = o;
        return 0;
    }
    aws_client *c = res_client_for(ctx, in, e);
    cJSON *req = NULL, *resp = NULL, *tags = NULL;
    strv tk = {0}, tv = {0}, rk = {0};
    char kid[128] = "", token[96] = "";
    const char *arn = NULL;
    aws_outcome oc = {0};
    int rc = -1;
    if (!c)
        return -1;
    time_t started = resumed ? resumed : time(NULL);
    /* The token this create is recorded under (pending_create wrote it). */
    if (key_token(ctx, token, sizeof(token), e) != 0)
        return -1;
    if (resumed) {
        /* An earlier create of this key never answered: its key, if any, first. */
        err_set(e, ERR_UNAVAILABLE, "an earlier create of this key was interrupted");
        enum res_adopt a = key_adopt(ctx, c, token, in, started, kid, sizeof(kid), e);
        if (a == RES_ADOPT_UNKNOWN || a == RES_ADOPT_FOREIGN)
            return -1;
        err_clear(e);
    }
    if (!kid[0]) {
        req = cJSON_CreateObject();
        if (!req || engine_json_request(&key_table, in, ES_CREATE, req) != 0 ||
            tags_delta(ctx, prop_get(in, "tagsAll"), NULL, &tk, &tv, &rk, e) != 0 ||
            !(tags = key_tags_json(&tk, &tv, token)) || !cJSON_AddItemToObject(req, "Tags", tags)) {
            if (!e->code)
                res_oom(e);
            goto done;
        }
        tags = NULL;
        const char *origin = prop_present(in, "xksKeyId")           ? "EXTERNAL_KEY_STORE"
                             : prop_present(in, "customKeyStoreId") ? "AWS_CLOUDHSM"
                                                                    : NULL;
        if (origin && !cJSON_AddStringToObject(req, "Origin", origin)) {
            res_oom(e);
            goto done;
        }
        if (key_call_policy(ctx, c, "CreateKey", req, false, &oc, &resp, e) != 0) {
            if (!oc.maybe_applied)
                goto done;
            res_grace(ctx);
            enum res_adopt a = key_adopt(ctx, c, token, in, started, kid, sizeof(kid), e);
            if (a != RES_ADOPT_OURS)
                goto done; /* absent: the error stands; unknown: nothing to record */
        } else {
            const char *k = kms_str(resp, "KeyMetadata/KeyId");
            arn = kms_str(resp, "KeyMetadata/Arn");
            if (!k) {
                err_set(e, ERR_INTERNAL, "KMS CreateKey returned no KeyId");
                goto done;
            }
            snprintf(kid, sizeof(kid), "%s", k);
        }
    }
    /* From here the key exists: its ID is always handed back. */
    *id = str_dup(kid);
    if (!*id) {
        res_oom(e);
        goto done;
    }
    if (oc.maybe_applied)
        key_dedupe(ctx, c, token, kid);
    bool gone = false;
    strv_free(&tk);
    strv_free(&tv);
    if (strv_push(&rk, KEY_MARKER) != 0) {
        res_oom(e);
    } else if (key_set_state(ctx, c, kid, in, NULL, e) == 0 &&
               key_retag(ctx, c, kid, &rk, &tk, &tv, e) == 0 &&
               key_describe(ctx, c, kid, in, outputs, &gone, e) == 0) {
        if (!gone) {
            rc = 0;
            goto done;
        }
        err_set(e, ERR_INTERNAL, "KMS key %s vanished right after it was created", kid);
    }
    *outputs = key_fallback(in, kid, arn); /* recorded as asked; refresh settles the rest */
done:
    strv_free(&tk);
    strv_free(&tv);
    strv_free(&rk);
    cJSON_Delete(req);
    cJSON_Delete(resp);
    cJSON_Delete(tags);
    return rc;
}

/* ---- Read --------------------------------------------------------------- */

static int key_read(res_ctx *ctx, const char *id, const pv *props, const pv *inputs, char **new_id,
                    pv **outputs, pv **new_inputs, err *e)
{
    const pv *ref = (props && props->u.obj.len) ? props : inputs;
    aws_client *c = res_client_for(ctx, ref, e);
    pv *out = NULL;
    bool gone = false;
    if (!c || key_describe(ctx, c, id, ref, &out, &gone, e) != 0)
        return -1;
    if (gone) {
        *new_id = NULL; /* deleted, or pending deletion, out of band */
        return 0;
    }
    *new_inputs = engine_read_inputs(&key_table, out, inputs);
    *new_id = str_dup(id);
    if (!*new_inputs || !*new_id) {
        pv_free(*new_inputs);
        free(*new_id);
        *new_inputs = NULL;
        *new_id = NULL;
        pv_free(out);
        return res_oom(e);
    }
    *outputs = out;
    return 0;
}

/* ---- Update ------------------------------------------------------------- */

static bool key_changed(const pv *news, const pv *base, const char *k)
{
    const pv *a = prop_get(news, k), *b = prop_get(base, k);
    if (!a || !b)
        return !a != !b;
    return !pv_equal(pv_plain(a), pv_plain(b));
}

static const pv *key_tags_of(const pv *obj)
{
    const pv *all = prop_get(obj, "tagsAll");
    return all ? all : prop_get(obj, "tags");
}

static int key_update(res_ctx *ctx, const char *id, const pv *olds, const pv *news,
                      const pv *old_inputs, pv **outputs, err *e)
{
    if (ctx->preview) {
        *outputs = pv_copy(news);
        const char *arn = prop_str(olds, "arn");
        if (!*outputs || prop_set_str(*outputs, "keyId", id) != 0 ||
            (arn && prop_set_str(*outputs, "arn", arn) != 0))
            return res_oom(e);
        return 0;
    }
    aws_client *c = res_client_for(ctx, news, e);
    if (!c)
        return -1;
    const pv *base = (old_inputs && old_inputs->u.obj.len) ? old_inputs : olds;
    strv sk = {0}, sv = {0}, rk = {0};
    cJSON *req = NULL;
    int rc = -1;
    const char *desc = prop_str(news, "description"), *pol = prop_str(news, "policy");
    if (key_changed(news, base, "description") &&
        key_simple(ctx, c, "UpdateKeyDescription", id, "Description", desc ? desc : "", e) != 0)
        goto done;
    if (pol && !policy_same(pol, prop_str(base, "policy"))) {
        const pv *by = prop_get(news, "bypassPolicyLockoutSafetyCheck");
        req = kms_req("KeyId", id, "PolicyName", "default", "Policy", pol, NULL);
        if (!req || !cJSON_AddBoolToObject(req, "BypassPolicyLockoutSafetyCheck",
                                           by && by->kind == PV_BOOL && by->u.b)) {
            res_oom(e);
            goto done;
        }
        if (key_call_policy(ctx, c, "PutKeyPolicy", req, true, NULL, NULL, e) != 0)
            goto done;
    }
    if (key_set_state(ctx, c, id, news, base, e) != 0)
        goto done;
    if (tags_delta(ctx, key_tags_of(news), key_tags_of(olds), &sk, &sv, &rk, e) != 0 ||
        key_retag(ctx, c, id, &rk, &sk, &sv, e) != 0)
        goto done;
    bool gone = false;
    if (key_describe(ctx, c, id, news, outputs, &gone, e) != 0)
        goto done;
    if (gone) {
        err_set(e, ERR_NOT_FOUND, "KMS key %s is gone (deleted or pending deletion)", id);
        goto done;
    }
    rc = 0;
done:
    strv_free(&sk);
    strv_free(&sv);
    strv_free(&rk);
    cJSON_Delete(req);
    return rc;
}

/* ---- Delete ------------------------------------------------------------- */

static int key_delete(res_ctx *ctx, const char *id, const pv *props, err *e)
{
    aws_client *c = res_client_for(ctx, props, e);
    if (!c)
        return -1;
    const pv *w = prop_get(props, "deletionWindowInDays");
    cJSON *req = kms_req("KeyId", id, NULL);
    int rc = req && cJSON_AddNumberToObject(req, "PendingWindowInDays",
                                            w && w->kind == PV_NUMBER ? w->u.n
                                                                      : KEY_DELETION_WINDOW_DEFAULT)
                 ? kms_call(ctx, c, "ScheduleKeyDeletion", req, true, NULL, NULL, e)
                 : res_oom(e);
    cJSON_Delete(req);
    if (rc == 0 || e->code == ERR_NOT_FOUND) {
        err_clear(e);
        return 0;
    }
    /* Already pending deletion (an earlier destroy, or out of band): done. */
    err le = {0};
    pv *out = NULL;
    bool gone = false;
    if (err_aws_code_is(e, "KMSInvalidStateException") &&
        key_describe(ctx, c, id, props, &out, &gone, &le) == 0 && gone) {
        err_clear(e);
        return 0;
    }
    pv_free(out);
    return -1;
}

const resource_type kms_key_type = {
    .token = "kms/key:Key",
    .table = &key_table,
    .check_hook = key_check,
    .create = key_create,
    .read = key_read,
    .update = key_update,
    .del = key_delete,
};
