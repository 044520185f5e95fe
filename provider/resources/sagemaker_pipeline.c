/* sagemaker_pipeline: aws:sagemaker/pipeline:Pipeline, ID = pipelineName.
 *
 * SageMaker JSON 1.1: CreatePipeline, DescribePipeline, UpdatePipeline,
 * DeletePipeline, AddTags/DeleteTags/ListTags on the pipeline ARN.
 *
 * Where it differs from pulumi-aws, on purpose:
 * - pipelineDisplayName is optional and defaults to pipelineName (what
 *   SageMaker itself does), so programs need not repeat the name.
 * - Pain point 6: with pipelineDefinitionS3Location, Read never copies the
 *   fetched definition into pipelineDefinition, so a refresh leaves nothing
 *   to diff and no update tries to null a property the user never set.
 * - Pain point 7: CreatePipeline/UpdatePipeline are retried (bounded) while
 *   SageMaker cannot yet assume a role IAM created seconds ago.
 * - pipelineDefinition is compared as JSON, not text: reformatting the
 *   document is not a change.
 * - A missing pipeline is ResourceNotFound on AWS but a ValidationException
 *   "Could not find pipeline" on moto: both mean gone. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "aws/sha.h"
#include "aws/s3.h"
#include "resources/common.h"
#include "resources/engine.h"
#include "resources/pending.h"
#include "util/buf.h"
#include "util/str.h"

#define PL_NAME_MAX 256
#define PL_DESC_MAX 3072
#define PL_DEF_MAX ((size_t)1024 * 1024)
#define PL_ROLE_WAIT_MS (120 * 1000L)

/* ---- small helpers ----------------------------------------------------- */

static bool pl_nullish(const pv *v)
{
    return !v || pv_plain(v)->kind == PV_NULL;
}

/* Moto reports a missing pipeline as a ValidationException; AWS as
 * ResourceNotFound (ERR_NOT_FOUND already). */
static bool pl_not_found(const err *e)
{
    return e->code == ERR_NOT_FOUND ||
           (err_aws_code_is(e, "ValidationException") &&
            (err_aws_says(e, "Could not find") || err_aws_says(e, "does not exist")));
}

/* A pipeline of that name exists already (moto: a ValidationException). */
static bool pl_exists_error(const err *e)
{
    return e->code == ERR_ALREADY_EXISTS || err_aws_code_is(e, "ResourceInUse") ||
           (err_aws_code_is(e, "ValidationException") && err_aws_says(e, "already exists"));
}

/* SageMaker refusing a role it cannot assume yet (IAM propagation): AWS
 * says "Could not assume role ...". Other role complaints ("role ... does
 * not exist", "not authorized") are retried too, since a role created in the
 * same update reads as missing until IAM has propagated it; anything else is
 * a real validation error and fails at once. */
static bool pl_role_not_ready(const err *e)
{
    if (!err_aws_code_is(e, "ValidationException"))
        return false;
    if (err_aws_says(e, "assume"))
        return true;
    return err_aws_says(e, "role") && (err_aws_says(e, "exist") || err_aws_says(e, "authoriz") ||
                                       err_aws_says(e, "trust") || err_aws_says(e, "principal"));
}

/* ---- The table ---------------------------------------------------------- */

static bool pl_name_char(int c)
{
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '-';
}

static bool pl_name_starts_alnum(const char *s)
{
    return *s != '-';
}

#define PL_NAME_RULES                                                                              \
    .valid = EV_STRING, .min = 1, .max = PL_NAME_MAX, .charset = pl_name_char,                     \
    .rule = "letters, digits and hyphens", .pred = pl_name_starts_alnum,                           \
    .pred_rule = "must start with a letter or digit (^[0-9A-Za-z][0-9A-Za-z-]*$)"

static const eng_prop pl_s3_rows[] = {
    {.name = "bucket",
     .type = ET_STRING,
     .flags = EP_REQUIRED,
     .doc = "Name of the S3 bucket.",
     .valid = EV_STRING,
     .min = 1,
     .max = 63,
     .aws = "Bucket",
     .send = ES_CREATE},
    {.name = "objectKey",
     .type = ET_STRING,
     .flags = EP_REQUIRED,
     .doc = "Key of the object holding the definition.",
     .valid = EV_STRING,
     .min = 1,
     .max = 1024,
     .aws = "ObjectKey",
     .send = ES_CREATE},
    {.name = "versionId",
     .type = ET_STRING,
     .doc = "Version of the object (else the latest).",
     .aws = "VersionId",
     .send = ES_CREATE},
};

static const eng_object pl_s3_object = {
    .token = "sagemaker/PipelinePipelineDefinitionS3Location:PipelinePipelineDefinitionS3Location",
    .doc = "An S3 object holding a pipeline definition.",
    ENG_ROWS(pl_s3_rows),
};

static const eng_prop pl_parallelism_rows[] = {
    {.name = "maxParallelExecutionSteps",
     .type = ET_INT,
     .flags = EP_REQUIRED,
     .doc = "The most steps of an execution that may run in parallel (at least 1).",
     .valid = EV_INT,
     .min = 1,
     .max = 2147483647L,
     .aws = "MaxParallelExecutionSteps",
     .send = ES_CREATE},
};

static const eng_object pl_parallelism_object = {
    .token = "sagemaker/PipelineParallelismConfiguration:PipelineParallelismConfiguration",
    .doc = "Parallelism of pipeline executions.",
    ENG_ROWS(pl_parallelism_rows),
};

static const eng_prop pl_rows[] = {
    {.name = "pipelineName",
     .type = ET_STRING,
     .flags = EP_REQUIRED | EP_REPLACE,
     .doc = "Name of the pipeline: 1-256 of `[0-9A-Za-z-]`, starting with a letter or digit. "
            "Changing it replaces the pipeline.",
     PL_NAME_RULES,
     .aws = "PipelineName",
     .send = ES_CREATE},
    {.name = "pipelineDisplayName",
     .type = ET_STRING,
     .flags = EP_ALWAYS,
     .doc = "Display name of the pipeline (same rules as `pipelineName`); defaults to "
            "`pipelineName`.",
     PL_NAME_RULES,
     .aws = "PipelineDisplayName",
     .send = ES_CREATE | ES_UPDATE},
    {.name = "pipelineDefinition",
     .type = ET_STRING,
     .doc = "The JSON pipeline definition (at most 1 MiB). Exactly one of `pipelineDefinition` "
            "and `pipelineDefinitionS3Location`.",
     .valid = EV_JSON,
     .max = (long)PL_DEF_MAX,
     .diff = ED_JSON,
     .aws = "PipelineDefinition",
     .send = ES_CREATE | ES_UPDATE},
    {.name = "pipelineDefinitionS3Location",
     .type = ET_OBJECT,
     .object = &pl_s3_object,
     .doc = "Location of the pipeline definition in S3 (the object is checked before creating).",
     .aws = "PipelineDefinitionS3Location",
     .send = ES_CREATE | ES_UPDATE},
    {.name = "pipelineDescription",
     .type = ET_STRING,
     .doc = "Description of the pipeline (at most 3072 characters).",
     .valid = EV_STRING,
     .min = 0,
     .max = PL_DESC_MAX,
     .aws = "PipelineDescription",
     .send = ES_CREATE | ES_UPDATE},
    {.name = "roleArn",
     .type = ET_STRING,
     .doc = "ARN of the IAM role SageMaker assumes to run the pipeline.",
     .valid = EV_ARN,
     .service = "iam",
     .aws = "RoleArn",
     .send = ES_CREATE | ES_UPDATE},
    {.name = "parallelismConfiguration",
     .type = ET_OBJECT,
     .object = &pl_parallelism_object,
     .doc = "How many steps of an execution may run in parallel.",
     .aws = "ParallelismConfiguration",
     .send = ES_CREATE | ES_UPDATE},
    {.name = "tags",
     .type = ET_MAP,
     .item = ET_STRING,
     .flags = EP_TAGS,
     .doc = "Tags of the pipeline.",
     .diff = ED_MAP,
     .aws = "Tags"},
    ENG_REGION_ROW,
    {.name = "arn",
     .type = ET_STRING,
     .flags = EP_OUTPUT,
     .doc = "ARN of the pipeline.",
     .aws = "PipelineArn"},
    {.name = "tagsAll",
     .type = ET_MAP,
     .item = ET_STRING,
     .flags = EP_OUTPUT | EP_TAGS_ALL,
     .doc = "The pipeline's tags including the provider's `defaultTags`, minus `ignoreTags`.",
     .diff = ED_MAP},
};

static const eng_table pl_table = {
    .doc = "A SageMaker pipeline. ID: the pipeline name. Import with `pulumi import "
           "awsml:sagemaker/pipeline:Pipeline NAME <pipeline-name>`.",
    ENG_ROWS(pl_rows),
};

/* One UpdatePipeline carries every changed ES_UPDATE row; tags are AddTags
 * and DeleteTags on the pipeline's ARN. */
static const eng_update pl_updates[] = {{.action = "UpdatePipeline"}};

static const eng_tagging pl_tagging = {.tag = "AddTags",
                                       .untag = "DeleteTags",
                                       .id_field = "ResourceArn",
                                       .list = "Tags",
                                       .key = "Key",
                                       .value = "Value",
                                       .keys = "TagKeys"};

/* What the table cannot say: the display name defaults to the name, and
 * exactly one of the two definition sources. */
static int pl_check_hook(res_ctx *ctx, const pv *olds, pv *in, check_failures *fails, err *e)
{
    if (pl_nullish(pv_object_get(in, "pipelineDisplayName"))) {
        const char *name = prop_str(in, "pipelineName");
        if (prop_is_unknown(in, "pipelineName")) {
            if (prop_set_unknown(in, "pipelineDisplayName") != 0)
                goto oom;
        } else if (name && prop_set_str(in, "pipelineDisplayName", name) != 0) {
            goto oom;
        }
    }
    bool has_def = !pl_nullish(pv_object_get(in, "pipelineDefinition"));
    bool has_s3 = !pl_nullish(pv_object_get(in, "pipelineDefinitionS3Location"));
    if (has_def == has_s3) {
        const char *why = has_def ? "are both set" : "are both missing";
        if (check_failure_add(fails, "pipelineDefinition",
                              "exactly one of pipelineDefinition and pipelineDefinitionS3Location "
                              "must be set; they %s",
                              why) != 0 ||
            check_failure_add(fails, "pipelineDefinitionS3Location",
                              "exactly one of pipelineDefinition and pipelineDefinitionS3Location "
                              "must be set; they %s",
                              why) != 0)
            goto oom;
    }
    return 0;
oom:
    return err_set(e, ERR_RESOURCE_EXHAUSTED, "out of memory checking inputs");
}

/* ---- AWS calls ------------------------------------------------------------ */

static int pl_call(res_ctx *ctx, aws_client *c, const char *op, const cJSON *body, bool idem,
                   cJSON **resp, err *e)
{
    return res_json_call(ctx, c, ENDPOINTS_SAGEMAKER, "SageMaker", op, body, idem, NULL, resp, e);
}

/* Create/UpdatePipeline, retried while SageMaker cannot assume a new role. */
static int pl_call_role_retry(res_ctx *ctx, aws_client *c, const char *op, const cJSON *body,
                              aws_outcome *oc, err *e)
{
    res_backoff b;
    res_backoff_init(&b, PL_ROLE_WAIT_MS);
    while (res_json_call(ctx, c, ENDPOINTS_SAGEMAKER, "SageMaker", op, body, true, oc, NULL, e) !=
           0)
        if (res_backoff_wait(ctx, &b, pl_role_not_ready,
                             "waiting for IAM: SageMaker cannot assume the pipeline's role yet",
                             e) != 0)
            return -1;
    return 0;
}

static int pl_describe(res_ctx *ctx, aws_client *c, const char *name, cJSON **out, err *e)
{
    cJSON *req = cJSON_CreateObject();
    if (!req || !cJSON_AddStringToObject(req, "PipelineName", name)) {
        cJSON_Delete(req);
        return err_set(e, ERR_RESOURCE_EXHAUSTED, "out of memory");
    }
    int rc = pl_call(ctx, c, "DescribePipeline", req, true, out, e);
    cJSON_Delete(req);
    if (rc != 0 && pl_not_found(e))
        e->code = ERR_NOT_FOUND;
    return rc;
}

/* The idempotency token: deterministic in the operation, URN, name, request
 * and salt, so a retried call (or a rerun after a lost reply) is the same
 * request to SageMaker and not a second pipeline; 64 hex characters.
 * Deterministic tokens have one hazard: SageMaker may answer a token it has
 * seen with the earlier result, so re-creating a pipeline just destroyed (or
 * deleting a later pipeline of the same name) could be a silent no-op.
 * Create checks the pipeline exists afterwards and retries with a fresh salt;
 * Delete salts with the pipeline's CreationTime, unique per incarnation. */
static int pl_token(const char *op, const res_ctx *ctx, const char *name, const cJSON *body,
                    const char *salt, char out[SHA_256_HEX_LEN + 1], err *e)
{
    buf b;
    buf_init(&b, PL_DEF_MAX * 2 + 4096);
    char *text = body ? cJSON_PrintUnformatted(body) : NULL;
    /* Without the body the token would not be the same on a retry. */
    int rc = body && !text
                 ? -1
                 : buf_printf(&b, "awsml\n%s\n%s\n%s\n%s\n%s", op, ctx->urn ? ctx->urn : "", name,
                              salt ? salt : "", text ? text : "");
    cJSON_free(text);
    if (rc != 0)
        rc = err_set(e, ERR_RESOURCE_EXHAUSTED, "out of memory deriving the request token");
    else if (sha_256_hex(b.data, b.len, out) != 0)
        rc = err_set(e, ERR_INTERNAL,
                     "cannot derive the request token: SHA-256 failed in OpenSSL (out of memory?)");
    buf_free(&b);
    return rc;
}

/* S3 definitions must exist before SageMaker is asked (its error is vague). */
static int pl_check_s3_object(res_ctx *ctx, aws_client *c, const pv *loc, err *e)
{
    const char *bucket = prop_str(loc, "bucket"), *key = prop_str(loc, "objectKey");
    const char *ver = prop_str(loc, "versionId");
    if (!bucket || !key)
        return err_set(e, ERR_INVALID_ARGUMENT,
                       "pipelineDefinitionS3Location needs bucket and objectKey");
    if (s3_get_object(c, bucket, key, ver, true, res_aws_cancel(ctx), NULL, NULL, e) == 0)
        return 0;
    if (e->code == ERR_NOT_FOUND)
        return err_set(e, ERR_FAILED_PRECONDITION,
                       "pipeline definition s3://%.200s/%.500s%s%.100s does not exist (or is not "
                       "readable): upload it before creating or updating the pipeline",
                       bucket, key, ver ? " version " : "", ver ? ver : "");
    return -1;
}

/* What the engine's calls need: the region's client, the pipeline and the
 * inputs being applied. */
typedef struct pl_send_arg {
    aws_client *c;
    const char *name;
    const pv *news;
} pl_send_arg;

/* The engine's calls (UpdatePipeline, AddTags, DeleteTags). UpdatePipeline
 * first checks the S3 definition it names, takes a removed display name back
 * to the default (the name), and is retried while SageMaker cannot assume a
 * new role. */
static int pl_send(res_ctx *ctx, void *arg, const char *action, void *req, err *e)
{
    pl_send_arg *a = arg;
    if (strcmp(action, "UpdatePipeline") != 0)
        return pl_call(ctx, a->c, action, req, true, NULL, e);
    const cJSON *disp = cJSON_GetObjectItemCaseSensitive(req, "PipelineDisplayName");
    cJSON *name = cJSON_IsString(disp) && !*disp->valuestring ? cJSON_CreateString(a->name) : NULL;
    if (name && !cJSON_ReplaceItemInObjectCaseSensitive(req, "PipelineDisplayName", name)) {
        cJSON_Delete(name);
        return err_set(e, ERR_RESOURCE_EXHAUSTED, "out of memory building UpdatePipeline");
    }
    if (cJSON_GetObjectItemCaseSensitive(req, "PipelineDefinitionS3Location") &&
        pl_check_s3_object(
            ctx, a->c, pv_plain(pv_object_get(a->news, "pipelineDefinitionS3Location")), e) != 0)
        return -1;
    return pl_call_role_retry(ctx, a->c, action, req, NULL, e);
}

static const eng_api pl_api = {.json = true, .send = pl_send};

/* Outputs = inputs + arn + region (tagsAll came from Check). */
static pv *pl_outputs(const pv *inputs, const char *arn, bool arn_unknown, aws_client *c)
{
    pv *out = pv_copy(inputs);
    if (!out)
        return NULL;
    int rc = 0;
    if (arn_unknown)
        rc = prop_set_unknown(out, "arn");
    else if (arn)
        rc = prop_set_str(out, "arn", arn);
    if (rc == 0 && pl_nullish(pv_object_get(out, "region")) && c)
        rc = prop_set_str(out, "region", aws_client_region(c));
    if (rc == 0 && pl_nullish(pv_object_get(out, "tagsAll"))) {
        const pv *t = pv_object_get(out, "tags");
        pv *cp = pl_nullish(t) ? pv_object() : pv_copy(t);
        rc = cp ? pv_object_set(out, "tagsAll", cp) : -1;
    }
    if (rc != 0) {
        pv_free(out);
        return NULL;
    }
    return out;
}

/* ---- Create ------------------------------------------------------------- */

static const char *pl_jstr(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* After a CreatePipeline whose effect is unknown (an attempt was sent and came
 * back without a definite answer), perhaps followed by "already exists" from a
 * retry (an endpoint that does not honour ClientRequestToken answers so): is
 * there a pipeline, and is it the one this call asked for (role, display name,
 * description, inline definition, created during this call)? res_adopt
 * decides; on OURS *desc gets its description. */
typedef struct pl_create_arg {
    aws_client *c;
    const char *name;
    const pv *in;
    cJSON *req, *desc;
} pl_create_arg;

static enum res_adopt pl_adopt(res_ctx *ctx, void *arg, time_t started, err *e)
{
    pl_create_arg *pa = arg;
    aws_client *c = pa->c;
    const char *name = pa->name;
    const pv *in = pa->in;
    err le = {0};
    cJSON *d = NULL;
    char created[64] = "";
    const char *why = NULL;
    if (pl_describe(ctx, c, name, &d, &le) == 0) {
        const char *disp = prop_str(in, "pipelineDisplayName");
        const char *descr = prop_str(in, "pipelineDescription");
        const char *role = prop_str(in, "roleArn");
        const char *def = prop_str(in, "pipelineDefinition");
        const char *got_descr = pl_jstr(d, "PipelineDescription");
        const cJSON *ct = cJSON_GetObjectItemCaseSensitive(d, "CreationTime");
        if (cJSON_IsNumber(ct))
            snprintf(created, sizeof(created), "%.3f", ct->valuedouble);
        else if (cJSON_IsString(ct))
            snprintf(created, sizeof(created), "%.60s", ct->valuestring);
        if (role && !str_eq(role, pl_jstr(d, "RoleArn")))
            why = "its role differs";
        else if (!str_eq(disp ? disp : name, pl_jstr(d, "PipelineDisplayName")))
            why = "its display name differs";
        else if (!str_eq(descr ? descr : "", got_descr ? got_descr : ""))
            why = "its description differs";
        else if (def && !engine_json_text_equal(def, pl_jstr(d, "PipelineDefinition")))
            why = "its definition differs";
    }
    enum res_adopt a =
        res_adopt(ctx, "sagemaker pipeline", "CreatePipeline", "sagemaker/pipeline:Pipeline", name,
                  started, &le, created[0] ? created : NULL, why, e);
    if (a == RES_ADOPT_OURS)
        pa->desc = d;
    else
        cJSON_Delete(d);
    return a;
}

static int pl_create_call(res_ctx *ctx, void *arg, aws_outcome *oc, err *e)
{
    pl_create_arg *pa = arg;
    return pl_call_role_retry(ctx, pa->c, "CreatePipeline", pa->req, oc, e);
}

/* CreatePipeline retries by itself while SageMaker cannot assume the role;
 * moto's "already exists" is a ValidationException. */
static const res_create pl_creating = {
    .call = pl_create_call, .adopt = pl_adopt, .exists = pl_exists_error};

/* resumed_from: the start of an earlier create of this pipeline whose answer
 * was lost (pending.h), 0 for none. */
static int pl_create_in(res_ctx *ctx, const pv *inputs, time_t resumed_from, char **id,
                        pv **outputs, err *e)
{
    if (ctx->preview) {
        err ignore;
        *outputs = pl_outputs(inputs, NULL, true, res_client(ctx, &ignore));
        return *outputs ? 0 : err_set(e, ERR_RESOURCE_EXHAUSTED, "out of memory");
    }
    cJSON *req = NULL, *desc = NULL;
    int rc = -1;
    aws_client *c = res_client_for(ctx, inputs, e);
    const char *name = prop_str(inputs, "pipelineName");
    if (!c)
        goto out;
    if (!name) {
        err_set(e, ERR_INVALID_ARGUMENT, "pipelineName must be a known string");
        goto out;
    }
    const pv *loc = pv_object_get(inputs, "pipelineDefinitionS3Location");
    if (!pl_nullish(loc) && pl_check_s3_object(ctx, c, pv_plain(loc), e) != 0)
        goto out;

    req = cJSON_CreateObject();
    if (!req || engine_json_request(&pl_table, inputs, ES_CREATE, req) != 0) {
        err_set(e, ERR_RESOURCE_EXHAUSTED, "out of memory building CreatePipeline");
        goto out;
    }
    if (engine_tags_request(ctx, &pl_api, &pl_tagging, engine_tags_of(&pl_table, inputs), req, e) !=
        0)
        goto out;
    char token[SHA_256_HEX_LEN + 1];
    if (pl_token("CreatePipeline", ctx, name, req, NULL, token, e) != 0)
        goto out;
    if (!cJSON_AddStringToObject(req, "ClientRequestToken", token)) {
        err_set(e, ERR_RESOURCE_EXHAUSTED, "out of memory");
        goto out;
    }
    pl_create_arg pa = {c, name, inputs, req, NULL};
    int made = res_create_adopting(ctx, &pl_creating, &pa, resumed_from, e);
    desc = pa.desc;
    if (made > 0 && !(*id = str_dup(name))) /* unknown: recorded; refresh settles it */
        err_set(e, ERR_RESOURCE_EXHAUSTED, "out of memory");
    if (made != 0)
        goto out;
    int drc = desc ? 0 : pl_describe(ctx, c, name, &desc, e);
    if (drc != 0 && e->code == ERR_NOT_FOUND) {
        /* the token replayed an earlier, deleted pipeline: create anew */
        struct timespec now;
        clock_gettime(CLOCK_REALTIME, &now);
        char salt[64];
        snprintf(salt, sizeof(salt), "%lld.%ld", (long long)now.tv_sec, now.tv_nsec);
        if (pl_token("CreatePipeline", ctx, name, req, salt, token, e) != 0)
            goto out;
        cJSON_DeleteItemFromObjectCaseSensitive(req, "ClientRequestToken");
        if (!cJSON_AddStringToObject(req, "ClientRequestToken", token)) {
            err_set(e, ERR_RESOURCE_EXHAUSTED, "out of memory");
            goto out;
        }
        if (pl_call_role_retry(ctx, c, "CreatePipeline", req, NULL, e) != 0)
            goto out;
        drc = pl_describe(ctx, c, name, &desc, e);
    }

    /* From here the pipeline exists: always hand back its id. */
    *id = str_dup(name);
    if (!*id) {
        err_set(e, ERR_RESOURCE_EXHAUSTED, "out of memory");
        goto out;
    }
    const char *arn = NULL;
    if (drc == 0) {
        const cJSON *a = cJSON_GetObjectItemCaseSensitive(desc, "PipelineArn");
        arn = cJSON_IsString(a) ? a->valuestring : NULL;
        if (!arn)
            err_set(e, ERR_INTERNAL, "DescribePipeline of %s returned no PipelineArn", name);
    }
    *outputs = pl_outputs(inputs, arn, false, c);
    if (!*outputs)
        err_set(e, ERR_RESOURCE_EXHAUSTED, "out of memory");
    else if (arn)
        rc = 0;
out:
    cJSON_Delete(req);
    cJSON_Delete(desc);
    return rc;
}

static int pl_create(res_ctx *ctx, const pv *inputs, char **id, pv **outputs, err *e)
{
    return pending_create(ctx, prop_str(inputs, "pipelineName"), pl_create_in, inputs, id, outputs,
                          e);
}

/* ---- Read ------------------------------------------------------------------ */

/* The properties Read reports and that refresh carries into the inputs. */
static int pl_out_from_describe(const cJSON *d, const pv *old, aws_client *c, pv *out)
{
    if (engine_json_outputs(&pl_table, d, old, out) != 0)
        return -1;
    const pv *loc = pv_object_get(old, "pipelineDefinitionS3Location");
    if (!pl_nullish(loc)) {
        /* Pain point 6: the S3 location stays the source of truth, and the
         * definition SageMaker fetched from it is not an input. */
        pv *cp = pv_copy(loc);
        if (!cp || pv_object_set(out, "pipelineDefinitionS3Location", cp) != 0 ||
            (pv_object_get(out, "pipelineDefinition") &&
             pv_object_remove(out, "pipelineDefinition") != 0))
            return -1;
    }
    if (!prop_str(out, "region") && c && prop_set_str(out, "region", aws_client_region(c)) != 0)
        return -1;
    return 0;
}

/* The pipeline as AWS has it (ERR_NOT_FOUND: gone), in old's region. */
static int pl_fetch(res_ctx *ctx, const char *id, const pv *old, bool import, pv **outputs, err *e)
{
    aws_client *c = res_client_for(ctx, old, e);
    cJSON *d = NULL;
    pv *out = NULL, *tags = NULL;
    int rc = -1;
    if (!c || pl_describe(ctx, c, id, &d, e) != 0)
        return -1;
    out = pv_object();
    if (!out || pl_out_from_describe(d, old, c, out) != 0) {
        err_set(e, ERR_RESOURCE_EXHAUSTED, "out of memory");
        goto out;
    }
    const char *arn = prop_str(out, "arn");
    if (arn && (!(tags = pv_object()) ||
                engine_list_tags_json(ctx, c, ENDPOINTS_SAGEMAKER, "SageMaker.ListTags",
                                      &pl_tagging, arn, tags, e) != 0 ||
                engine_read_tags(ctx, &pl_table, tags, old, out, e) != 0)) {
        if (!tags)
            err_set(e, ERR_RESOURCE_EXHAUSTED, "out of memory");
        goto out;
    }
    *outputs = out;
    out = NULL;
    rc = 0;
out:
    cJSON_Delete(d);
    pv_free(out);
    pv_free(tags);
    return rc;
}

/* Refreshed inputs: the old ones with every managed property set to what
 * AWS reports, so drift shows in the next diff. */
static int pl_read(res_ctx *ctx, const char *id, const pv *props, const pv *inputs, char **new_id,
                   pv **outputs, pv **new_inputs, err *e)
{
    return engine_read(&pl_table, pl_fetch, true, ctx, id, props, inputs, new_id, outputs,
                       new_inputs, e);
}

/* ---- Update ---------------------------------------------------------------- */

static int pl_update(res_ctx *ctx, const char *id, const pv *olds, const pv *news,
                     const pv *old_inputs, pv **outputs, err *e)
{
    err ignore;
    aws_client *c =
        ctx->preview ? res_client_for(ctx, news, &ignore) : res_client_for(ctx, news, e);
    const char *arn = prop_str(olds, "arn");
    if (ctx->preview) {
        *outputs = pl_outputs(news, arn, !arn, c);
        return *outputs ? 0 : err_set(e, ERR_RESOURCE_EXHAUSTED, "out of memory");
    }
    if (!c)
        return -1;
    const pv *base = (old_inputs && old_inputs->u.obj.len) ? old_inputs : olds;
    cJSON *d = NULL;
    int rc = -1;
    pl_send_arg a = {c, id, news};
    if (engine_update(ctx, &pl_table, &pl_api, &a, pl_updates, 1, "PipelineName", id, news, base,
                      e) != 0)
        goto out;
    if (!arn) {
        if (pl_describe(ctx, c, id, &d, e) != 0)
            goto out;
        arn = pl_jstr(d, "PipelineArn");
    }
    if (arn &&
        engine_write_tags(ctx, &pl_api, &a, &pl_tagging, arn, engine_tags_of(&pl_table, news),
                          engine_tags_of(&pl_table, olds), e) != 0)
        goto out;
    *outputs = pl_outputs(news, arn, false, c);
    if (!*outputs) {
        err_set(e, ERR_RESOURCE_EXHAUSTED, "out of memory");
        goto out;
    }
    rc = 0;
out:
    cJSON_Delete(d);
    return rc;
}

/* ---- Delete ----------------------------------------------------------------- */

static int pl_delete(res_ctx *ctx, const char *id, const pv *props, err *e)
{
    aws_client *c = res_client_for(ctx, props, e);
    if (!c)
        return -1;
    cJSON *d = NULL;
    if (pl_describe(ctx, c, id, &d, e) != 0) {
        if (e->code != ERR_NOT_FOUND)
            return -1;
        err_clear(e); /* already gone */
        return 0;
    }
    const cJSON *ct = cJSON_GetObjectItemCaseSensitive(d, "CreationTime");
    char salt[64] = "";
    if (cJSON_IsNumber(ct))
        snprintf(salt, sizeof(salt), "%.6f", ct->valuedouble);
    else if (cJSON_IsString(ct))
        snprintf(salt, sizeof(salt), "%.60s", ct->valuestring);
    cJSON_Delete(d);
    char token[SHA_256_HEX_LEN + 1];
    if (pl_token("DeletePipeline", ctx, id, NULL, salt, token, e) != 0)
        return -1;
    cJSON *req = cJSON_CreateObject();
    if (!req || !cJSON_AddStringToObject(req, "PipelineName", id) ||
        !cJSON_AddStringToObject(req, "ClientRequestToken", token)) {
        cJSON_Delete(req);
        return err_set(e, ERR_RESOURCE_EXHAUSTED, "out of memory");
    }
    int rc = pl_call(ctx, c, "DeletePipeline", req, true, NULL, e);
    cJSON_Delete(req);
    if (rc != 0 && pl_not_found(e)) {
        err_clear(e);
        rc = 0;
    }
    return rc;
}

const resource_type sagemaker_pipeline_type = {
    .token = "sagemaker/pipeline:Pipeline",
    .table = &pl_table,
    .check_hook = pl_check_hook,
    .create = pl_create,
    .read = pl_read,
    .update = pl_update,
    .del = pl_delete,
};
