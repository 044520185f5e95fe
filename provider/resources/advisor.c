#include "resources/advisor.h"

#include <cJSON.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "resources/advisor_impl.h"
#include "resources/policy.h"
#include "util/err.h"
#include "util/str.h"

/* Condition steps nest steps; deeper than this is not a real pipeline. */
#define ADVISOR_MAX_STEP_DEPTH 16
/* More services than this in one trust policy are not told apart. */
#define ADVISOR_MAX_SERVICES 64

/* Indexes into the rule table; the table is in ID order, so sorting by index
 * sorts by ID. */
enum rule_idx {
    R_TRUST_SERVICE,
    R_TRUST_STAR,
    R_TRUST_ACCOUNT,
    R_TRUST_MULTI,
    R_NOT_PRINCIPAL,
    R_NOT_ACTION,
    R_STAR_ACTION,
    R_SERVICE_STAR,
    R_PASSROLE,
    R_IAM_STAR,
    R_MANAGED_ADMIN,
    R_MANAGED_FULL,
    R_NO_BOUNDARY,
    R_SESSION,
    R_NOT_RESOURCE,
    R_WRITE_STAR,
    R_KMS_ROTATION,
    R_KMS_PUBLIC,
    R_KMS_BYPASS,
    R_S3_SSE_S3,
    R_S3_PAB,
    R_S3_VERSIONING,
    R_S3_NO_TLS,
    R_S3_PUBLIC,
    R_S3_OBJECT_SSE,
    R_S3_NO_KMS,
    R_S3_NO_PAB,
    R_S3_NO_VERSIONING,
    R_S3_NO_TLS_POLICY,
    R_SM_VOLUME_KMS,
    R_SM_OUTPUT_KMS,
    R_SM_ISOLATION,
    R_SM_ICC,
    R_SM_VPC,
    R_SM_S3_DEF,
    R_STACK_PIPELINE_BUCKET,
    R_STACK_ROLE_GRANTS,
    R_STACK_KEY_ROTATION,
    R_COUNT
};

static const advisor_rule rules[R_COUNT] = {
    [R_TRUST_SERVICE] = {"AWSML-IAM-001", ADVISOR_WARNING,
                         "Trust policy lets a service principal assume the role without an "
                         "aws:SourceAccount or aws:SourceArn condition (confused deputy)",
                         "AWS IAM User Guide, \"The confused deputy problem\" (cross-service "
                         "confused deputy prevention); SageMaker Developer Guide, \"Cross-service "
                         "confused deputy prevention\"; Checkov: n/a",
                         "Add a Condition with aws:SourceAccount (your account id) and/or "
                         "aws:SourceArn (the calling resource's ARN) to the statement",
                         "n/a", "n/a", "resource"},
    [R_TRUST_STAR] = {"AWSML-IAM-002", ADVISOR_HIGH,
                      "Trust policy allows Principal \"*\" (or AWS \"*\"): any AWS principal may "
                      "try to assume the role",
                      "IAM Access Analyzer (public/cross-account access findings); Checkov "
                      "CKV_AWS_60",
                      "Name the exact service or role ARNs that may assume the role", "CKV_AWS_60",
                      "n/a", "resource"},
    [R_TRUST_ACCOUNT] = {"AWSML-IAM-003", ADVISOR_WARNING,
                         "Trust policy trusts a whole account (account id or :root) without any "
                         "condition, so every principal that account allows may assume the role",
                         "Checkov CKV_AWS_61; IAM User Guide, \"Specifying a principal\" (AWS "
                         "account principals)",
                         "Trust specific role ARNs, or add conditions such as aws:PrincipalArn "
                         "or sts:ExternalId",
                         "CKV_AWS_61", "n/a", "resource"},
    [R_TRUST_MULTI] = {"AWSML-IAM-004", ADVISOR_INFO,
                       "Trust policy lets SageMaker and other services assume the same role, so "
                       "the pipeline's permissions are shared with them",
                       "SageMaker Developer Guide, \"How to use SageMaker AI execution roles\" "
                       "(one role per purpose, least privilege); Checkov: n/a",
                       "Give the pipeline its own role trusted only by sagemaker.amazonaws.com",
                       "n/a", "n/a", "resource"},
    [R_NOT_PRINCIPAL] = {"AWSML-IAM-005", ADVISOR_HIGH,
                         "An Allow statement uses NotPrincipal: it allows everyone except the "
                         "principals listed",
                         "IAM Access Analyzer policy check \"Allow with NotPrincipal\" (security "
                         "warning); IAM User Guide, NotPrincipal; Checkov: n/a",
                         "Use Principal with the principals that should be allowed", "n/a", "n/a",
                         "resource"},
    [R_NOT_ACTION] = {"AWSML-IAM-006", ADVISOR_WARNING,
                      "An Allow statement uses NotAction: it allows every action except those "
                      "listed, including actions added to AWS later",
                      "IAM User Guide, NotAction (\"use with caution\"); IAM Access Analyzer "
                      "policy checks; Checkov: n/a",
                      "List the allowed actions in Action instead", "n/a", "n/a", "resource"},
    [R_STAR_ACTION] = {"AWSML-IAM-007", ADVISOR_HIGH,
                       "An Allow statement has Action \"*\" (or \"*:*\"): every action of "
                       "every service",
                       "Checkov CKV_AWS_62 (full \"*-*\" admin) and CKV_AWS_63 (\"*\" as "
                       "action); IAM User Guide, security best practices (least privilege)",
                       "List the actions the pipeline needs (e.g. sagemaker:CreateTrainingJob, "
                       "s3:GetObject)",
                       "CKV_AWS_62, CKV_AWS_63", "IAM.1", "resource"},
    [R_SERVICE_STAR] = {"AWSML-IAM-008", ADVISOR_WARNING,
                        "An Allow statement grants every action of a service (\"service:*\") "
                        "on Resource \"*\"",
                        "Checkov CKV_AWS_289 and CKV_AWS_290 (Terraform; Cloudsplaining: "
                        "permissions management and write access without constraints); IAM "
                        "User Guide, least privilege",
                        "List the needed actions and scope Resource to the ARNs they act on",
                        "CKV_AWS_289, CKV_AWS_290", "IAM.21", "resource"},
    [R_PASSROLE] = {"AWSML-IAM-009", ADVISOR_HIGH,
                    "An Allow statement grants iam:PassRole on Resource \"*\": any role, "
                    "including admin roles, can be handed to a service (privilege escalation)",
                    "IAM Access Analyzer policy check \"PassRole with star in resource\" "
                    "(security warning); Checkov CKV_AWS_286 (Terraform, privilege escalation)",
                    "Scope Resource to the execution role ARNs and add an iam:PassedToService "
                    "condition",
                    "CKV_AWS_286", "n/a", "resource"},
    [R_IAM_STAR] = {"AWSML-IAM-010", ADVISOR_HIGH,
                    "An Allow statement grants iam:*: the role can change its own and others' "
                    "permissions",
                    "Checkov CKV_AWS_286 and CKV_AWS_289 (Terraform; privilege escalation, "
                    "permissions management); IAM User Guide, least privilege",
                    "Remove iam:* and list the few IAM read actions needed, if any",
                    "CKV_AWS_286, CKV_AWS_289", "IAM.21", "resource"},
    [R_MANAGED_ADMIN] = {"AWSML-IAM-011", ADVISOR_HIGH,
                         "An AWS managed administrator policy (AdministratorAccess, "
                         "PowerUserAccess or IAMFullAccess) is attached",
                         "Checkov CKV_AWS_274 (AdministratorAccess); IAM User Guide, \"AWS "
                         "managed policies for job functions\" and least privilege",
                         "Attach a customer managed or inline policy scoped to what the role "
                         "does",
                         "CKV_AWS_274", "n/a", "resource"},
    [R_MANAGED_FULL] = {"AWSML-IAM-012", ADVISOR_WARNING,
                        "An AWS managed *FullAccess policy (e.g. AmazonSageMakerFullAccess) is "
                        "attached: every action of the service on every resource",
                        "SageMaker Developer Guide, \"AWS managed policies for Amazon SageMaker "
                        "AI\" (scope down for production); IAM User Guide, \"Get started with "
                        "AWS managed policies and move toward least-privilege permissions\"; "
                        "Checkov: n/a",
                        "Replace it with an inline or customer managed policy listing the "
                        "actions and ARNs the pipeline uses",
                        "n/a", "n/a", "resource"},
    [R_NO_BOUNDARY] = {"AWSML-IAM-013", ADVISOR_INFO,
                       "The role has no permissions boundary, so nothing caps what later "
                       "attached policies can grant",
                       "IAM User Guide, \"Permissions boundaries for IAM entities\"; Checkov: "
                       "n/a",
                       "Set permissionsBoundary to a managed policy ARN that caps the role", "n/a",
                       "n/a", "resource"},
    [R_SESSION] = {"AWSML-IAM-014", ADVISOR_INFO,
                   "maxSessionDuration is above the default of 3600 seconds, so leaked "
                   "session credentials stay valid longer",
                   "IAM User Guide, \"Update the maximum session duration for a role\"; "
                   "Checkov: n/a",
                   "Keep maxSessionDuration at 3600 unless a job really needs longer", "n/a", "n/a",
                   "resource"},
    [R_NOT_RESOURCE] = {"AWSML-IAM-015", ADVISOR_WARNING,
                        "An Allow statement uses NotResource: it allows the actions on every "
                        "resource except those listed, including resources made later",
                        "IAM User Guide, NotResource (\"use with caution\"); IAM Access Analyzer "
                        "policy checks",
                        "List the resources in Resource instead", "n/a", "n/a", "resource"},
    [R_WRITE_STAR] = {"AWSML-IAM-016", ADVISOR_WARNING,
                      "An Allow statement grants write actions (Put*, Delete*, Create*, ...) on "
                      "Resource \"*\" without a condition",
                      "Checkov CKV_AWS_290 (write access without constraints); IAM User Guide, "
                      "least privilege",
                      "Scope Resource to the ARNs written, or add a condition that narrows it",
                      "CKV_AWS_290", "n/a", "resource"},
    [R_KMS_ROTATION] = {"AWSML-KMS-001", ADVISOR_WARNING,
                        "A KMS key does not enable automatic key rotation (enableKeyRotation "
                        "false or not set)",
                        "AWS Security Hub KMS.4; Checkov CKV_AWS_7; KMS Developer Guide, "
                        "\"Rotate AWS KMS keys\"",
                        "Set enableKeyRotation: true", "CKV_AWS_7", "KMS.4", "resource"},
    [R_KMS_PUBLIC] = {"AWSML-KMS-002", ADVISOR_HIGH,
                      "A key policy Allow statement names a wildcard principal (\"*\" or AWS "
                      "\"*\") with no condition: anyone may use or manage the key",
                      "Checkov CKV_AWS_33; AWS Security Hub KMS.5 (keys not publicly "
                      "accessible); KMS Developer Guide, key policies",
                      "Name the account root or the role ARNs in Principal, or add a condition "
                      "such as aws:PrincipalAccount",
                      "CKV_AWS_33", "KMS.5", "resource"},
    [R_KMS_BYPASS] = {"AWSML-KMS-003", ADVISOR_HIGH,
                      "bypassPolicyLockoutSafetyCheck is true: KMS does not check that the "
                      "policy still lets its author manage the key, which can make it "
                      "unmanageable",
                      "KMS API reference, CreateKey BypassPolicyLockoutSafetyCheck (\"only when "
                      "you intend to prevent the principal making the request from making a "
                      "subsequent PutKeyPolicy request\")",
                      "Remove bypassPolicyLockoutSafetyCheck (default false)", "n/a", "n/a",
                      "resource"},
    [R_S3_SSE_S3] = {"AWSML-S3-001", ADVISOR_WARNING,
                     "A bucket's default encryption is SSE-S3 (AES256), not SSE-KMS with your "
                     "key: access to the data is not controlled or logged through KMS",
                     "AWS Security Hub S3.17; Checkov CKV_AWS_145",
                     "Set sseAlgorithm: aws:kms "
                     "and kmsMasterKeyId to a customer managed key",
                     "CKV_AWS_145", "S3.17", "resource"},
    [R_S3_PAB] = {"AWSML-S3-002", ADVISOR_HIGH,
                  "A bucket public access block leaves one of blockPublicAcls, "
                  "blockPublicPolicy, ignorePublicAcls, restrictPublicBuckets false or unset",
                  "AWS Security Hub S3.8; Checkov CKV_AWS_53, CKV_AWS_54, CKV_AWS_55, "
                  "CKV_AWS_56",
                  "Set all four flags to true", "CKV_AWS_53, CKV_AWS_54, CKV_AWS_55, CKV_AWS_56",
                  "S3.8", "resource"},
    [R_S3_VERSIONING] = {"AWSML-S3-003", ADVISOR_WARNING,
                         "Bucket versioning is Suspended or Disabled: an overwritten or "
                         "deleted artifact cannot be recovered",
                         "AWS Security Hub S3.14; Checkov CKV_AWS_21",
                         "Set versioningConfiguration.status: Enabled", "CKV_AWS_21", "S3.14",
                         "resource"},
    [R_S3_NO_TLS] = {"AWSML-S3-004", ADVISOR_WARNING,
                     "A bucket policy has no Deny for requests with aws:SecureTransport false, "
                     "so plain HTTP requests are not refused",
                     "AWS Security Hub S3.5 (require requests to use SSL)",
                     "Add a Deny statement for s3:* on the bucket and its objects with "
                     "Condition Bool aws:SecureTransport false",
                     "n/a", "S3.5", "resource"},
    [R_S3_PUBLIC] = {"AWSML-S3-005", ADVISOR_HIGH,
                     "A bucket policy allows a public principal (\"*\" or AWS \"*\") with no "
                     "condition: anyone may call the actions",
                     "AWS Security Hub S3.2, S3.3 (public read/write prohibited); Checkov "
                     "CKV_AWS_70",
                     "Name the principals allowed, or add a condition such as "
                     "aws:PrincipalOrgID or aws:SourceVpce",
                     "CKV_AWS_70", "S3.2, S3.3", "resource"},
    [R_S3_OBJECT_SSE] = {"AWSML-S3-006", ADVISOR_WARNING,
                         "An object sets neither serverSideEncryption nor kmsKeyId: it is "
                         "stored with whatever the bucket's default is, not your KMS key",
                         "Checkov CKV_AWS_186 (object encrypted with a customer managed key)",
                         "Set serverSideEncryption: aws:kms and kmsKeyId to a customer "
                         "managed key",
                         "CKV_AWS_186", "n/a", "resource"},
    [R_S3_NO_KMS] = {"AWSML-S3-101", ADVISOR_WARNING,
                     "A bucket of the stack has no server-side encryption configuration with "
                     "SSE-KMS (none at all, or only the SSE-S3 default)",
                     "AWS Security Hub S3.17; Checkov CKV_AWS_145",
                     "Add a BucketServerSideEncryptionConfiguration with sseAlgorithm aws:kms "
                     "and your key",
                     "CKV_AWS_145", "S3.17", "stack"},
    [R_S3_NO_PAB] = {"AWSML-S3-102", ADVISOR_WARNING,
                     "A bucket of the stack has no public access block with all four flags "
                     "true",
                     "AWS Security Hub S3.8; Checkov CKV2_AWS_6",
                     "Add a BucketPublicAccessBlock with all four flags true", "CKV2_AWS_6", "S3.8",
                     "stack"},
    [R_S3_NO_VERSIONING] = {"AWSML-S3-103", ADVISOR_INFO,
                            "A bucket of the stack does not enable versioning",
                            "AWS Security Hub S3.14; Checkov CKV_AWS_21",
                            "Add a BucketVersioning with status Enabled", "CKV_AWS_21", "S3.14",
                            "stack"},
    [R_S3_NO_TLS_POLICY] = {"AWSML-S3-104", ADVISOR_WARNING,
                            "A bucket of the stack has no bucket policy, so nothing refuses "
                            "requests not made over TLS",
                            "AWS Security Hub S3.5",
                            "Add a BucketPolicy denying s3:* when aws:SecureTransport is false",
                            "n/a", "S3.5", "stack"},
    [R_SM_VOLUME_KMS] = {"AWSML-SM-001", ADVISOR_WARNING,
                         "A training or processing step does not set VolumeKmsKeyId: its ML "
                         "storage volumes are not encrypted with your KMS key",
                         "SageMaker Developer Guide, \"Protect data at rest using encryption\"; "
                         "CreateTrainingJob ResourceConfig.VolumeKmsKeyId, CreateProcessingJob "
                         "ClusterConfig.VolumeKmsKeyId; Checkov: n/a",
                         "Set ResourceConfig.VolumeKmsKeyId (training) or "
                         "ProcessingResources.ClusterConfig.VolumeKmsKeyId (processing)",
                         "n/a", "n/a", "resource"},
    [R_SM_OUTPUT_KMS] = {"AWSML-SM-002", ADVISOR_WARNING,
                         "A training or processing step does not set an output KmsKeyId: model "
                         "artifacts or outputs in S3 are not encrypted with your KMS key",
                         "SageMaker Developer Guide, \"Protect data at rest using encryption\"; "
                         "CreateTrainingJob OutputDataConfig.KmsKeyId, CreateProcessingJob "
                         "ProcessingOutputConfig.KmsKeyId; Checkov: n/a",
                         "Set OutputDataConfig.KmsKeyId (training) or "
                         "ProcessingOutputConfig.KmsKeyId (processing)",
                         "n/a", "n/a", "resource"},
    [R_SM_ISOLATION] = {"AWSML-SM-003", ADVISOR_WARNING,
                        "A training or processing step does not enable network isolation: the "
                        "container can make outbound network calls",
                        "SageMaker Developer Guide, \"Run training and inference containers in "
                        "internet-free mode\" (network isolation); Checkov: n/a",
                        "Set EnableNetworkIsolation: true (training) or "
                        "NetworkConfig.EnableNetworkIsolation: true (processing)",
                        "n/a", "n/a", "resource"},
    [R_SM_ICC] = {"AWSML-SM-004", ADVISOR_WARNING,
                  "A training or processing step does not enable inter-container traffic "
                  "encryption: data between instances of a distributed job travels in clear",
                  "SageMaker Developer Guide, \"Protect communications between ML compute "
                  "instances in a distributed training job\"; Checkov: n/a",
                  "Set EnableInterContainerTrafficEncryption: true (training) or "
                  "NetworkConfig.EnableInterContainerTrafficEncryption: true (processing)",
                  "n/a", "n/a", "resource"},
    [R_SM_VPC] = {"AWSML-SM-005", ADVISOR_WARNING,
                  "A training or processing step has no VpcConfig: its jobs run outside your "
                  "VPC, beyond your security groups and endpoints",
                  "SageMaker Developer Guide, \"Give SageMaker AI training jobs access to "
                  "resources in your Amazon VPC\"; Checkov: n/a",
                  "Set VpcConfig (training) or NetworkConfig.VpcConfig (processing) with "
                  "private subnets and security groups",
                  "n/a", "n/a", "resource"},
    [R_SM_S3_DEF] = {"AWSML-SM-006", ADVISOR_INFO,
                     "The pipeline definition is read from S3 (pipelineDefinitionS3Location), "
                     "so the advisor cannot check its steps",
                     "awsml: the definition object is not read at preview time",
                     "Pass the definition inline (pipelineDefinition) to have its steps "
                     "checked",
                     "n/a", "n/a", "resource"},
    [R_STACK_PIPELINE_BUCKET] = {"AWSML-STACK-001", ADVISOR_HIGH,
                                 "A pipeline's definition location or a step's S3 path points "
                                 "at a bucket of this stack that lacks SSE-KMS, a full public "
                                 "access block or a TLS-only bucket policy, or a step's KMS key "
                                 "is a key of this stack that does not rotate",
                                 "AWS Security Hub S3.17, S3.8, S3.5, KMS.4; Checkov "
                                 "CKV_AWS_145, CKV2_AWS_6, CKV_AWS_7; SageMaker Developer Guide, "
                                 "\"Protect data at rest using encryption\"",
                                 "Give the bucket an SSE-KMS encryption configuration, a public "
                                 "access block with all four flags and a TLS-only policy; turn "
                                 "on the key's rotation (enableKeyRotation: true)",
                                 "CKV_AWS_145, CKV2_AWS_6, CKV_AWS_7", "S3.17, S3.8, S3.5, KMS.4",
                                 "stack"},
    [R_STACK_ROLE_GRANTS] = {"AWSML-STACK-002", ADVISOR_HIGH,
                             "A role SageMaker can assume gets s3:*, kms:* or * on Resource "
                             "\"*\" from an attached or inline policy of the stack",
                             "AWS Security Hub IAM.21, IAM.1; Checkov CKV_AWS_289, "
                             "CKV_AWS_290; SageMaker Developer Guide, execution roles",
                             "List the S3 and KMS actions the jobs use on the bucket and key "
                             "ARNs",
                             "CKV_AWS_289, CKV_AWS_290", "IAM.21, IAM.1", "stack"},
    [R_STACK_KEY_ROTATION] = {"AWSML-STACK-003", ADVISOR_WARNING,
                              "A bucket is encrypted with a KMS key of the stack that does not "
                              "rotate",
                              "AWS Security Hub KMS.4; Checkov CKV2_AWS_67, CKV_AWS_7",
                              "Set enableKeyRotation: true on the key", "CKV2_AWS_67, CKV_AWS_7",
                              "KMS.4", "stack"},
};

const advisor_rule *advisor_rules(size_t *n)
{
    if (n)
        *n = R_COUNT;
    return rules;
}

const advisor_rule *advisor_rule_find(const char *id)
{
    for (size_t i = 0; id && i < R_COUNT; i++)
        if (strcmp(rules[i].id, id) == 0)
            return &rules[i];
    return NULL;
}

const char *advisor_severity_name(enum advisor_severity s)
{
    switch (s) {
    case ADVISOR_INFO:
        return "info";
    case ADVISOR_WARNING:
        return "warning";
    case ADVISOR_HIGH:
        return "high";
    }
    return "unknown";
}

void advisor_findings_free(advisor_findings *f)
{
    if (!f)
        return;
    free(f->items);
    f->items = NULL;
    f->len = f->cap = 0;
}

/* ---- recording ------------------------------------------------------------- */

/* The rule index of a finding, from its ID (for sorting). */
static size_t rule_index(const advisor_finding *x)
{
    for (size_t i = 0; i < R_COUNT; i++)
        if (strcmp(rules[i].id, x->id) == 0)
            return i;
    return R_COUNT;
}

static int add(advisor_findings *out, enum rule_idx r, const char *prop, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int vadd(advisor_findings *out, enum rule_idx r, size_t resource, const char *prop,
                const char *fmt, va_list ap) __attribute__((format(printf, 5, 0)));

static int vadd(advisor_findings *out, enum rule_idx r, size_t resource, const char *prop,
                const char *fmt, va_list ap)
{
    advisor_finding fd;
    memset(&fd, 0, sizeof(fd));
    str_copy(fd.id, sizeof(fd.id), rules[r].id);
    fd.severity = rules[r].severity;
    str_copy(fd.property, sizeof(fd.property), prop);
    str_copy(fd.fix, sizeof(fd.fix), rules[r].fix);
    fd.resource = resource;
    vsnprintf(fd.message, sizeof(fd.message), fmt, ap);
    /* Messages are sentences: the caller prints "... message Fix: fix". */
    size_t ml = strlen(fd.message);
    if (ml && fd.message[ml - 1] != '.' && ml + 1 < sizeof(fd.message)) {
        fd.message[ml] = '.';
        fd.message[ml + 1] = '\0';
    }
    /* Two statements with the same flaw would otherwise say the same twice. */
    for (size_t i = 0; i < out->len; i++)
        if (out->items[i].resource == fd.resource && !strcmp(out->items[i].id, fd.id) &&
            !strcmp(out->items[i].property, fd.property) &&
            !strcmp(out->items[i].message, fd.message))
            return 0;
    if (out->len == out->cap) {
        size_t ncap = out->cap ? out->cap * 2 : 8;
        advisor_finding *n = realloc(out->items, ncap * sizeof(*n));
        if (!n)
            return -1;
        out->items = n;
        out->cap = ncap;
    }
    out->items[out->len++] = fd;
    return 0;
}

static int add(advisor_findings *out, enum rule_idx r, const char *prop, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = vadd(out, r, 0, prop, fmt, ap);
    va_end(ap);
    return rc;
}

int advisor_add(advisor_findings *out, const char *id, size_t resource, const char *prop,
                const char *fmt, ...)
{
    const advisor_rule *rule = advisor_rule_find(id);
    if (!rule)
        return -1; /* a programming error: every ID used is in the table */
    va_list ap;
    va_start(ap, fmt);
    int rc = vadd(out, (enum rule_idx)(rule - rules), resource, prop, fmt, ap);
    va_end(ap);
    return rc;
}

/* Stable insertion sort by rule of the findings from index `from` on: all of
 * them are about one property, and the lists are short. */
static void sort_from(advisor_findings *out, size_t from)
{
    for (size_t i = from + 1; i < out->len; i++) {
        advisor_finding key = out->items[i];
        size_t ki = rule_index(&key), j = i;
        while (j > from && rule_index(&out->items[j - 1]) > ki) {
            out->items[j] = out->items[j - 1];
            j--;
        }
        out->items[j] = key;
    }
}

/* Untrusted names go into log lines: keep them printable and short. */
static void clean_name(char *dst, size_t dstlen, const char *src)
{
    size_t k = 0;
    for (; src && *src && k + 1 < dstlen; src++)
        dst[k++] = ((unsigned char)*src < 0x20 || *src == 0x7f) ? '?' : *src;
    dst[k] = '\0';
}

/* ---- input access ----------------------------------------------------------- */

/* The plain value at key; NULL when absent. */
static const pv *get(const pv *obj, const char *key)
{
    const pv *v = obj ? pv_object_get(obj, key) : NULL;
    return v ? pv_plain(v) : NULL;
}

/* ---- policies ----------------------------------------------------------------- */

/* After canonicalisation set-valued fields are lists; a scalar still counts
 * as a one-element list so a hand-built document reads the same. */
static bool list_has(const cJSON *v, const char *s, bool nocase)
{
    if (cJSON_IsString(v))
        return nocase ? !strcasecmp(v->valuestring, s) : !strcmp(v->valuestring, s);
    if (!cJSON_IsArray(v))
        return false;
    for (const cJSON *it = v->child; it; it = it->next)
        if (cJSON_IsString(it) &&
            (nocase ? !strcasecmp(it->valuestring, s) : !strcmp(it->valuestring, s)))
            return true;
    return false;
}

/* Calls fn for each string of a list (or a scalar string). */
#define FOR_EACH_STRING(it, v)                                                                     \
    for (const cJSON *it = cJSON_IsArray(v) ? (v)->child : (v); it;                                \
         it = cJSON_IsArray(v) ? it->next : NULL)                                                  \
        if (cJSON_IsString(it))

static bool is_allow(const cJSON *st)
{
    const cJSON *e = cJSON_GetObjectItemCaseSensitive(st, "Effect");
    return cJSON_IsString(e) && strcmp(e->valuestring, "Allow") == 0;
}

static bool has_any_condition(const cJSON *st)
{
    const cJSON *c = cJSON_GetObjectItemCaseSensitive(st, "Condition");
    return cJSON_IsObject(c) && c->child;
}

/* Condition keys are case-insensitive in IAM; any operator counts, since the
 * point is that the statement names where the service call comes from.
 * aws:SourceOrgID/aws:SourceOrgPaths are the organisation-wide forms AWS
 * documents for the same protection. */
static bool has_source_condition(const cJSON *st)
{
    static const char *const keys[] = {"aws:SourceAccount", "aws:SourceArn", "aws:SourceOrgID",
                                       "aws:SourceOrgPaths", NULL};
    const cJSON *c = cJSON_GetObjectItemCaseSensitive(st, "Condition");
    if (!cJSON_IsObject(c))
        return false;
    for (const cJSON *op = c->child; op; op = op->next) {
        if (!cJSON_IsObject(op))
            continue;
        for (const cJSON *k = op->child; k; k = k->next)
            for (size_t i = 0; keys[i]; i++)
                if (k->string && strcasecmp(k->string, keys[i]) == 0)
                    return true;
    }
    return false;
}

/* true when the first n bytes of s are decimal digits. */
static bool digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

/* The AWS partition part of an ARN after "arn:aws": "" or "-cn", "-us-gov",
 * "-iso-b"...; returns the rest (starting at ':') or NULL. */
static const char *after_partition(const char *arn)
{
    if (!str_has_prefix(arn, "arn:aws"))
        return NULL;
    const char *p = arn + strlen("arn:aws");
    if (*p != ':' && *p != '-')
        return NULL;
    while (*p == '-' || (*p >= 'a' && *p <= 'z'))
        p++;
    return *p == ':' ? p : NULL;
}

/* "123456789012" or "arn:<partition>:iam::123456789012:root". */
static bool is_account_principal(const char *p)
{
    if (strlen(p) == 12 && digits(p, 12))
        return true;
    const char *q = after_partition(p);
    if (!q || !str_has_prefix(q, ":iam::"))
        return false;
    q += strlen(":iam::");
    return strlen(q) == 17 && digits(q, 12) && strcmp(q + 12, ":root") == 0;
}

/* The 12 digits of an account principal (is_account_principal). */
static const char *principal_account(const char *p)
{
    return strlen(p) == 12 ? p : strstr(p, ":iam::") + strlen(":iam::");
}

/* true when the rule properties trust this account principal on purpose. */
static bool trusted_account(const advisor_options *o, const char *p)
{
    const char *acct = principal_account(p);
    for (size_t i = 0; o && i < o->n_trusted_accounts && i < ADVISOR_OPT_MAX_ITEMS; i++)
        if (strncmp(o->trusted_accounts[i], acct, 12) == 0)
            return true;
    return false;
}

/* The rules only trust policies have, for one Allow statement. Service names
 * seen are collected into services (for AWSML-IAM-004). */
static int trust_statement(const cJSON *st, const char *prop, const char **services,
                           size_t *nservices, advisor_findings *out)
{
    const cJSON *pr = cJSON_GetObjectItemCaseSensitive(st, "Principal");
    if (!cJSON_IsObject(pr))
        return 0;
    const cJSON *svc = cJSON_GetObjectItemCaseSensitive(pr, "Service");
    const cJSON *aws = cJSON_GetObjectItemCaseSensitive(pr, "AWS");
    bool source = has_source_condition(st);
    FOR_EACH_STRING(it, svc)
    {
        char name[128];
        clean_name(name, sizeof(name), it->valuestring);
        if (!source &&
            add(out, R_TRUST_SERVICE, prop,
                "The trust policy lets the service principal %s assume the role without an "
                "aws:SourceAccount or aws:SourceArn condition, so the service acting for another "
                "account could be used against this one (confused deputy)",
                name) != 0)
            return -1;
        bool seen = false;
        for (size_t i = 0; i < *nservices; i++)
            seen = seen || strcasecmp(services[i], it->valuestring) == 0;
        if (!seen && *nservices < ADVISOR_MAX_SERVICES)
            services[(*nservices)++] = it->valuestring;
    }
    if (list_has(aws, "*", false) &&
        add(out, R_TRUST_STAR, prop,
            "The trust policy allows Principal \"*\", so any AWS principal in any account "
            "may try to assume the role") != 0)
        return -1;
    if (!has_any_condition(st)) {
        FOR_EACH_STRING(it, aws)
        {
            char name[128];
            if (!is_account_principal(it->valuestring) ||
                trusted_account(out->opts, it->valuestring))
                continue;
            clean_name(name, sizeof(name), it->valuestring);
            if (add(out, R_TRUST_ACCOUNT, prop,
                    "The trust policy trusts the whole account %s without a condition, so "
                    "every user and role that account permits may assume the role",
                    name) != 0)
                return -1;
        }
    }
    return 0;
}

/* "svc:*" for a service other than IAM (iam:* has its own rule). */
static bool is_service_star(const char *a)
{
    const char *colon = strchr(a, ':');
    if (!colon || colon == a || strcmp(colon + 1, "*") != 0)
        return false;
    if ((size_t)(colon - a) == 1 && a[0] == '*')
        return false; /* "*:*" is AWSML-IAM-007 */
    return strncasecmp(a, "iam:", 4) != 0;
}

/* An action whose name (after "service:") starts with a verb that changes
 * something: "s3:PutObject", "kms:CreateGrant", "s3:Delete*". "*" and
 * "svc:*" are not: AWSML-IAM-007 and -008 cover those. */
static bool is_write_action(const char *a)
{
    static const char *const verbs[] = {
        "Put",     "Delete",   "Create",    "Update",          "Attach",  "Detach",
        "Modify",  "Set",      "Tag",       "Untag",           "Add",     "Remove",
        "Replace", "Restore",  "Write",     "Upload",          "Abort",   "Enable",
        "Disable", "Schedule", "Cancel",    "Import",          "Revoke",  "Change",
        "Reset",   "Encrypt",  "ReEncrypt", "GenerateDataKey", "Decrypt", NULL};
    const char *colon = strchr(a, ':');
    if (!colon || colon == a || !colon[1] || !strcmp(colon + 1, "*"))
        return false;
    for (size_t i = 0; verbs[i]; i++)
        if (strncasecmp(colon + 1, verbs[i], strlen(verbs[i])) == 0)
            return true;
    return false;
}

/* The rules for any policy, for one Allow statement. Action names are
 * case-insensitive in IAM. */
static int generic_statement(const cJSON *st, const char *prop, advisor_findings *out)
{
    const cJSON *act = cJSON_GetObjectItemCaseSensitive(st, "Action");
    const cJSON *res = cJSON_GetObjectItemCaseSensitive(st, "Resource");
    bool any_res = list_has(res, "*", false);
    if (cJSON_GetObjectItemCaseSensitive(st, "NotPrincipal") &&
        add(out, R_NOT_PRINCIPAL, prop,
            "An Allow statement uses NotPrincipal, which allows every principal except "
            "the ones listed") != 0)
        return -1;
    if (cJSON_GetObjectItemCaseSensitive(st, "NotAction") &&
        add(out, R_NOT_ACTION, prop,
            "An Allow statement uses NotAction, which allows every action except the ones "
            "listed, including actions AWS adds later") != 0)
        return -1;
    if (cJSON_GetObjectItemCaseSensitive(st, "NotResource") &&
        add(out, R_NOT_RESOURCE, prop,
            "An Allow statement uses NotResource, which allows its actions on every resource "
            "except the ones listed, including resources made later") != 0)
        return -1;
    if (any_res && !has_any_condition(st)) {
        FOR_EACH_STRING(it, act)
        {
            char name[128];
            if (!is_write_action(it->valuestring))
                continue;
            clean_name(name, sizeof(name), it->valuestring);
            if (add(out, R_WRITE_STAR, prop,
                    "An Allow statement grants the write action %s on Resource \"*\" without a "
                    "condition, so it can change any resource of that type in the account",
                    name) != 0)
                return -1;
            break; /* one per statement: the first write action names it */
        }
    }
    if ((list_has(act, "*", false) || list_has(act, "*:*", false)) &&
        add(out, R_STAR_ACTION, prop,
            "An Allow statement grants Action \"*\", every action of every AWS service") != 0)
        return -1;
    FOR_EACH_STRING(it, act)
    {
        char name[128];
        clean_name(name, sizeof(name), it->valuestring);
        if (any_res && is_service_star(it->valuestring) &&
            add(out, R_SERVICE_STAR, prop,
                "An Allow statement grants %s on Resource \"*\", every action of the "
                "service on every resource",
                name) != 0)
            return -1;
        if (any_res && strcasecmp(it->valuestring, "iam:PassRole") == 0 &&
            add(out, R_PASSROLE, prop,
                "An Allow statement grants iam:PassRole on Resource \"*\", so any role in "
                "the account, admin roles included, can be passed to a service") != 0)
            return -1;
        if (strcasecmp(it->valuestring, "iam:*") == 0 &&
            add(out, R_IAM_STAR, prop,
                "An Allow statement grants iam:*, so the role can rewrite its own and "
                "other principals' permissions") != 0)
            return -1;
    }
    return 0;
}

/* Runs the policy rules on one document. A document that does not parse is
 * Check's to report, not the advisor's. */
static int check_policy(const char *json, const char *prop, bool trust, advisor_findings *out)
{
    cJSON *doc = NULL;
    const char *services[ADVISOR_MAX_SERVICES];
    size_t nservices = 0, from = out->len;
    bool sagemaker = false;
    int rc = 0;
    err e;
    err_clear(&e);
    /* A document that is not a JSON object (policy_canonical_json refuses
     * those, and repeated keys) is Check's to report. */
    if (!(doc = policy_canonical_json(json, &e))) {
        rc = e.code == ERR_RESOURCE_EXHAUSTED ? -1 : 0;
        goto out;
    }
    const cJSON *stmts = cJSON_GetObjectItemCaseSensitive(doc, "Statement");
    const cJSON *st = cJSON_IsArray(stmts) ? stmts->child : stmts;
    for (; st; st = cJSON_IsArray(stmts) ? st->next : NULL) {
        if (!cJSON_IsObject(st) || !is_allow(st))
            continue;
        if (trust && (rc = trust_statement(st, prop, services, &nservices, out)) != 0)
            goto out;
        if ((rc = generic_statement(st, prop, out)) != 0)
            goto out;
    }
    for (size_t i = 0; i < nservices; i++)
        sagemaker = sagemaker || str_has_prefix(services[i], "sagemaker.");
    if (trust && sagemaker && nservices > 1 &&
        (rc = add(out, R_TRUST_MULTI, prop,
                  "The trust policy lets SageMaker and %zu other service(s) assume the same "
                  "role, so they share the pipeline's permissions",
                  nservices - 1)) != 0)
        goto out;
    sort_from(out, from);
out:
    cJSON_Delete(doc);
    return rc;
}

/* ---- managed policies ------------------------------------------------------------ */

const char *advisor_aws_managed_name(const char *arn)
{
    const char *p = after_partition(arn);
    if (!p || !str_has_prefix(p, ":iam::aws:policy/"))
        return NULL;
    const char *name = strrchr(p, '/') + 1;
    return *name ? name : NULL;
}

static bool name_listed(const char (*names)[ADVISOR_OPT_POLICY_NAME_MAX + 1], size_t n,
                        const char *name)
{
    for (size_t i = 0; i < n && i < ADVISOR_OPT_MAX_ITEMS; i++)
        if (strcmp(names[i], name) == 0)
            return true;
    return false;
}

static int check_managed_arn(const char *arn, const char *prop, advisor_findings *out)
{
    const advisor_options *o = out->opts;
    static const char *const admin[] = {"AdministratorAccess", "PowerUserAccess", "IAMFullAccess",
                                        NULL};
    static const char suffix[] = "FullAccess";
    const char *name = advisor_aws_managed_name(arn);
    char clean[160];
    if (!name)
        return 0;
    clean_name(clean, sizeof(clean), name);
    for (size_t i = 0; admin[i]; i++)
        if (strcmp(name, admin[i]) == 0)
            return o && name_listed(o->allowed_admin, o->n_allowed_admin, name)
                       ? 0
                       : add(out, R_MANAGED_ADMIN, prop,
                             "The AWS managed policy %s is attached, which grants administrator-"
                             "level access far beyond what a training pipeline needs",
                             clean);
    size_t n = strlen(name), k = sizeof(suffix) - 1;
    if (n >= k && strcmp(name + n - k, suffix) == 0 &&
        !(o && name_listed(o->allowed_full, o->n_allowed_full, name)))
        return add(out, R_MANAGED_FULL, prop,
                   "The AWS managed policy %s is attached, which grants every action of the "
                   "service on every resource",
                   clean);
    return 0;
}

/* ---- resources ------------------------------------------------------------------ */

static int run_role(const pv *in, advisor_findings *out)
{
    char prop[128];
    const pv *v = get(in, "assumeRolePolicy");
    if (v && v->kind == PV_STRING && check_policy(v->u.str.s, "assumeRolePolicy", true, out) != 0)
        return -1;
    v = get(in, "inlinePolicies");
    for (size_t i = 0; v && v->kind == PV_ARRAY && i < v->u.arr.len; i++) {
        const pv *el = pv_plain(v->u.arr.items[i]);
        const pv *pol = el && el->kind == PV_OBJECT ? get(el, "policy") : NULL;
        snprintf(prop, sizeof(prop), "inlinePolicies[%zu].policy", i);
        if (pol && pol->kind == PV_STRING && check_policy(pol->u.str.s, prop, false, out) != 0)
            return -1;
    }
    v = get(in, "managedPolicyArns");
    for (size_t i = 0; v && v->kind == PV_ARRAY && i < v->u.arr.len; i++) {
        const pv *arn = pv_plain(v->u.arr.items[i]);
        snprintf(prop, sizeof(prop), "managedPolicyArns[%zu]", i);
        if (arn && arn->kind == PV_STRING && check_managed_arn(arn->u.str.s, prop, out) != 0)
            return -1;
    }
    /* Unknown is skipped: a boundary computed from another resource is still a boundary. */
    v = get(in, "permissionsBoundary");
    if ((!v || v->kind == PV_NULL || (v->kind == PV_STRING && v->u.str.len == 0)) &&
        add(out, R_NO_BOUNDARY, "permissionsBoundary",
            "The role has no permissions boundary, so nothing caps what "
            "policies attached later can grant") != 0)
        return -1;
    v = get(in, "maxSessionDuration");
    unsigned most = out->opts && out->opts->max_session_duration ? out->opts->max_session_duration
                                                                 : ADVISOR_SESSION_DEFAULT;
    if (v && v->kind == PV_NUMBER && v->u.n > most &&
        (most == ADVISOR_SESSION_DEFAULT
             ? add(out, R_SESSION, "maxSessionDuration",
                   "Sessions last up to %.0f seconds, longer than the default 3600, "
                   "so leaked credentials stay valid longer",
                   v->u.n)
             : add(out, R_SESSION, "maxSessionDuration",
                   "Sessions last up to %.0f seconds, longer than the configured maximum of "
                   "%u, so leaked credentials stay valid longer",
                   v->u.n, most)) != 0)
        return -1;
    return 0;
}

static int run_attachment(const pv *in, advisor_findings *out)
{
    const pv *v = get(in, "policyArn");
    if (v && v->kind == PV_STRING)
        return check_managed_arn(v->u.str.s, "policyArn", out);
    return 0;
}

/* A value that counts as set: a non-empty string, or an object, which in a
 * pipeline definition is a parameter or expression ({"Get": "Parameters.X"})
 * resolved at execution time. */
static bool is_set(const cJSON *v)
{
    return (cJSON_IsString(v) && v->valuestring[0]) || cJSON_IsObject(v);
}

/* true, or a parameter/expression (see is_set). */
static bool is_true(const cJSON *v)
{
    return cJSON_IsTrue(v) || cJSON_IsObject(v);
}

/* The value at a dotted path of object keys, or NULL. */
static const cJSON *path_get(const cJSON *obj, const char *path)
{
    char key[64];
    while (obj && *path) {
        const char *dot = strchr(path, '.');
        size_t n = dot ? (size_t)(dot - path) : strlen(path);
        if (n >= sizeof(key))
            return NULL;
        memcpy(key, path, n);
        key[n] = '\0';
        obj = cJSON_IsObject(obj) ? cJSON_GetObjectItemCaseSensitive(obj, key) : NULL;
        path = dot ? dot + 1 : path + n;
    }
    return obj;
}

/* Where a step type keeps each control. */
typedef struct step_paths {
    const char *type;
    const char *volume_kms, *output_cfg, *output_kms, *isolation, *icc, *vpc;
} step_paths;

static const step_paths step_kinds[] = {
    {"Training", "ResourceConfig.VolumeKmsKeyId", "OutputDataConfig", "OutputDataConfig.KmsKeyId",
     "EnableNetworkIsolation", "EnableInterContainerTrafficEncryption", "VpcConfig"},
    {"Processing", "ProcessingResources.ClusterConfig.VolumeKmsKeyId", "ProcessingOutputConfig",
     "ProcessingOutputConfig.KmsKeyId", "NetworkConfig.EnableNetworkIsolation",
     "NetworkConfig.EnableInterContainerTrafficEncryption", "NetworkConfig.VpcConfig"},
};

static int check_step(const cJSON *step, const step_paths *k, advisor_findings *out)
{
    static const char prop[] = "pipelineDefinition";
    const cJSON *args = cJSON_GetObjectItemCaseSensitive(step, "Arguments");
    const cJSON *nm = cJSON_GetObjectItemCaseSensitive(step, "Name");
    char name[96];
    clean_name(name, sizeof(name), cJSON_IsString(nm) ? nm->valuestring : "(unnamed)");
    if (!cJSON_IsObject(args))
        return 0; /* nothing to read; SageMaker itself rejects such a step */
    if (!is_set(path_get(args, k->volume_kms)) &&
        add(out, R_SM_VOLUME_KMS, prop,
            "%s step \"%s\" does not set %s, so its ML storage volumes are "
            "not encrypted with your KMS key",
            k->type, name, k->volume_kms) != 0)
        return -1;
    /* A processing step without outputs writes nothing to encrypt; training
     * always writes model artifacts (OutputDataConfig is required). */
    bool has_output = path_get(args, k->output_cfg) != NULL || strcmp(k->type, "Training") == 0;
    if (has_output && !is_set(path_get(args, k->output_kms)) &&
        add(out, R_SM_OUTPUT_KMS, prop,
            "%s step \"%s\" does not set %s, so its outputs in S3 are not "
            "encrypted with your KMS key",
            k->type, name, k->output_kms) != 0)
        return -1;
    if (!is_true(path_get(args, k->isolation)) &&
        add(out, R_SM_ISOLATION, prop,
            "%s step \"%s\" does not set %s to true, so its containers can "
            "reach the network",
            k->type, name, k->isolation) != 0)
        return -1;
    if (!is_true(path_get(args, k->icc)) &&
        add(out, R_SM_ICC, prop,
            "%s step \"%s\" does not set %s to true, so traffic between its "
            "instances is not encrypted",
            k->type, name, k->icc) != 0)
        return -1;
    if (!cJSON_IsObject(path_get(args, k->vpc)) &&
        add(out, R_SM_VPC, prop, "%s step \"%s\" has no %s, so its jobs run outside your VPC",
            k->type, name, k->vpc) != 0)
        return -1;
    return 0;
}

/* Walks a step list in order; condition steps hold more steps in IfSteps and
 * ElseSteps, checked where they appear. */
static int check_steps(const cJSON *steps, int depth, advisor_findings *out)
{
    if (!cJSON_IsArray(steps) || depth > ADVISOR_MAX_STEP_DEPTH)
        return 0;
    for (const cJSON *s = steps->child; s; s = s->next) {
        const cJSON *type = cJSON_GetObjectItemCaseSensitive(s, "Type");
        if (!cJSON_IsString(type))
            continue;
        for (size_t i = 0; i < sizeof(step_kinds) / sizeof(step_kinds[0]); i++)
            if (strcmp(type->valuestring, step_kinds[i].type) == 0 &&
                check_step(s, &step_kinds[i], out) != 0)
                return -1;
        if (strcmp(type->valuestring, "Condition") == 0) {
            const cJSON *args = cJSON_GetObjectItemCaseSensitive(s, "Arguments");
            if (check_steps(path_get(args, "IfSteps"), depth + 1, out) != 0 ||
                check_steps(path_get(args, "ElseSteps"), depth + 1, out) != 0)
                return -1;
        }
    }
    return 0;
}

static int run_pipeline(const pv *in, advisor_findings *out)
{
    const pv *def = get(in, "pipelineDefinition");
    const pv *s3 = get(in, "pipelineDefinitionS3Location");
    size_t from = out->len;
    int rc = 0;
    if (!def || def->kind == PV_NULL) {
        /* Say so rather than stay silent: no findings must not read as "checked and clean". */
        if (s3 && s3->kind == PV_OBJECT)
            return add(out, R_SM_S3_DEF, "pipelineDefinitionS3Location",
                       "The pipeline definition is read from S3, "
                       "so its steps' encryption and network settings are not checked");
        return 0;
    }
    if (def->kind != PV_STRING)
        return 0;
    cJSON *doc = cJSON_ParseWithLength(def->u.str.s, def->u.str.len);
    if (!doc)
        return 0; /* invalid JSON is Check's to report */
    rc = check_steps(cJSON_GetObjectItemCaseSensitive(doc, "Steps"), 0, out);
    cJSON_Delete(doc);
    if (rc == 0)
        sort_from(out, from);
    return rc;
}

/* ---- shared with advisor_stack.c (advisor_impl.h) ---------------------------------- */

const pv *advisor_get(const pv *obj, const char *key)
{
    const pv *o = obj ? pv_plain(obj) : NULL;
    return o && o->kind == PV_OBJECT ? get(o, key) : NULL;
}

const char *advisor_get_str(const pv *obj, const char *key)
{
    const pv *v = advisor_get(obj, key);
    return v && v->kind == PV_STRING ? v->u.str.s : NULL;
}

bool advisor_is_unknown(const pv *v)
{
    return v && (v->kind == PV_UNKNOWN || (v->kind == PV_OUTPUT && !v->u.out.value));
}

void advisor_clean_name(char *dst, size_t dstlen, const char *src)
{
    clean_name(dst, dstlen, src);
}

const char *advisor_token_rest(const char *type)
{
    if (!type)
        return NULL;
    if (str_has_prefix(type, "aws:"))
        return type + strlen("aws:");
    if (str_has_prefix(type, "awsml:"))
        return type + strlen("awsml:");
    return NULL;
}

cJSON *advisor_policy_parse(const char *json, bool *oom)
{
    err e;
    err_clear(&e);
    cJSON *doc = json ? policy_canonical_json(json, &e) : NULL;
    if (oom)
        *oom = !doc && json && e.code == ERR_RESOURCE_EXHAUSTED;
    return doc;
}

const cJSON *advisor_next_statement(const cJSON *doc, const cJSON *prev)
{
    const cJSON *stmts = cJSON_GetObjectItemCaseSensitive(doc, "Statement");
    const cJSON *st = !prev ? (cJSON_IsArray(stmts) ? stmts->child : stmts)
                            : (cJSON_IsArray(stmts) ? prev->next : NULL);
    while (st && !cJSON_IsObject(st))
        st = cJSON_IsArray(stmts) ? st->next : NULL;
    return st;
}

bool advisor_is_allow(const cJSON *st)
{
    return is_allow(st);
}

bool advisor_list_has(const cJSON *v, const char *s, bool nocase)
{
    return list_has(v, s, nocase);
}

/* A condition value that says "false": the string "false" or JSON false,
 * alone or in a list. */
static bool says_false(const cJSON *v)
{
    if (cJSON_IsFalse(v) || (cJSON_IsString(v) && !strcasecmp(v->valuestring, "false")))
        return true;
    if (!cJSON_IsArray(v))
        return false;
    for (const cJSON *it = v->child; it; it = it->next)
        if (says_false(it))
            return true;
    return false;
}

bool advisor_policy_denies_insecure_transport(const cJSON *doc)
{
    for (const cJSON *st = advisor_next_statement(doc, NULL); st;
         st = advisor_next_statement(doc, st)) {
        const cJSON *e = cJSON_GetObjectItemCaseSensitive(st, "Effect");
        const cJSON *c = cJSON_GetObjectItemCaseSensitive(st, "Condition");
        if (!cJSON_IsString(e) || strcmp(e->valuestring, "Deny") != 0 || !cJSON_IsObject(c))
            continue;
        for (const cJSON *op = c->child; op; op = op->next) {
            if (!op->string || (strcasecmp(op->string, "Bool") != 0 &&
                                strcasecmp(op->string, "BoolIfExists") != 0))
                continue;
            for (const cJSON *k = cJSON_IsObject(op) ? op->child : NULL; k; k = k->next)
                if (k->string && !strcasecmp(k->string, "aws:SecureTransport") && says_false(k))
                    return true;
        }
    }
    return false;
}

/* ---- the artifact store: S3 and KMS ------------------------------------------------- */

/* Principal "*" or {"AWS": "*"} (or a list holding "*"). */
static bool public_principal(const cJSON *st)
{
    const cJSON *pr = cJSON_GetObjectItemCaseSensitive(st, "Principal");
    if (cJSON_IsString(pr))
        return strcmp(pr->valuestring, "*") == 0;
    return cJSON_IsObject(pr) && list_has(cJSON_GetObjectItemCaseSensitive(pr, "AWS"), "*", false);
}

/* A string input that counts as unset: absent, null or "". Unknown is not. */
static bool unset(const pv *v)
{
    return !v || v->kind == PV_NULL || (v->kind == PV_STRING && v->u.str.len == 0);
}

static int run_kms_key(const pv *in, advisor_findings *out)
{
    const pv *rot = get(in, "enableKeyRotation");
    const pv *spec = get(in, "customerMasterKeySpec");
    const pv *usage = get(in, "keyUsage");
    /* Only symmetric encryption keys rotate automatically. */
    bool symmetric =
        (unset(spec) || (spec->kind == PV_STRING && !strcmp(spec->u.str.s, "SYMMETRIC_DEFAULT"))) &&
        (unset(usage) || (usage->kind == PV_STRING && !strcmp(usage->u.str.s, "ENCRYPT_DECRYPT")));
    if (symmetric && (!rot || rot->kind == PV_NULL || (rot->kind == PV_BOOL && !rot->u.b)) &&
        add(out, R_KMS_ROTATION, "enableKeyRotation",
            "The key does not rotate its key material automatically, so one key version "
            "protects the data for as long as the key lives") != 0)
        return -1;
    const pv *bypass = get(in, "bypassPolicyLockoutSafetyCheck");
    if (bypass && bypass->kind == PV_BOOL && bypass->u.b &&
        add(out, R_KMS_BYPASS, "bypassPolicyLockoutSafetyCheck",
            "The key policy is set without KMS's lockout safety check, so a policy that locks "
            "everyone out of managing the key is accepted") != 0)
        return -1;
    const pv *pol = get(in, "policy");
    if (!pol || pol->kind != PV_STRING)
        return 0;
    bool oom = false;
    cJSON *doc = advisor_policy_parse(pol->u.str.s, &oom);
    int rc = oom ? -1 : 0;
    for (const cJSON *st = advisor_next_statement(doc, NULL); st && rc == 0;
         st = advisor_next_statement(doc, st))
        if (is_allow(st) && public_principal(st) && !has_any_condition(st))
            rc = add(out, R_KMS_PUBLIC, "policy",
                     "The key policy allows Principal \"*\" without a condition, so any AWS "
                     "principal the statement's actions reach may use or manage the key");
    cJSON_Delete(doc);
    return rc;
}

/* rules[i].applyServerSideEncryptionByDefault.sseAlgorithm of an SSE
 * configuration, or the Bucket's inline rule / rules. */
static int check_sse_rule(const pv *rule, const char *prop, advisor_findings *out)
{
    const pv *by =
        rule && rule->kind == PV_OBJECT ? get(rule, "applyServerSideEncryptionByDefault") : NULL;
    const pv *alg = by && by->kind == PV_OBJECT ? get(by, "sseAlgorithm") : NULL;
    if (alg && alg->kind == PV_STRING && strcmp(alg->u.str.s, "AES256") == 0)
        return add(out, R_S3_SSE_S3, prop,
                   "Default encryption is SSE-S3 (AES256), so the objects are not encrypted "
                   "with a KMS key you control and audit");
    return 0;
}

static int check_sse_rules(const pv *rules_v, const char *base, advisor_findings *out)
{
    char prop[128];
    if (rules_v && rules_v->kind == PV_OBJECT) {
        snprintf(prop, sizeof(prop), "%s.applyServerSideEncryptionByDefault.sseAlgorithm", base);
        return check_sse_rule(rules_v, prop, out);
    }
    for (size_t i = 0; rules_v && rules_v->kind == PV_ARRAY && i < rules_v->u.arr.len; i++) {
        snprintf(prop, sizeof(prop), "%s[%zu].applyServerSideEncryptionByDefault.sseAlgorithm",
                 base, i);
        if (check_sse_rule(pv_plain(rules_v->u.arr.items[i]), prop, out) != 0)
            return -1;
    }
    return 0;
}

static int run_s3_sse(const pv *in, advisor_findings *out)
{
    return check_sse_rules(get(in, "rules"), "rules", out);
}

static int run_s3_pab(const pv *in, advisor_findings *out)
{
    static const char *const flags[] = {"blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls",
                                        "restrictPublicBuckets", NULL};
    for (size_t i = 0; flags[i]; i++) {
        const pv *v = get(in, flags[i]);
        if ((!v || v->kind == PV_NULL || (v->kind == PV_BOOL && !v->u.b)) &&
            add(out, R_S3_PAB, flags[i],
                "The public access block leaves %s off (false or unset), so that path to "
                "public access stays open",
                flags[i]) != 0)
            return -1;
    }
    return 0;
}

static int run_s3_versioning(const pv *in, advisor_findings *out)
{
    const pv *cfg = get(in, "versioningConfiguration");
    const pv *st = cfg && cfg->kind == PV_OBJECT ? get(cfg, "status") : NULL;
    if (st && st->kind == PV_STRING &&
        (!strcmp(st->u.str.s, "Suspended") || !strcmp(st->u.str.s, "Disabled")))
        return add(out, R_S3_VERSIONING, "versioningConfiguration.status",
                   "Versioning is %s, so an overwritten or deleted artifact cannot be recovered",
                   !strcmp(st->u.str.s, "Suspended") ? "Suspended" : "Disabled");
    return 0;
}

static int run_s3_policy(const pv *in, advisor_findings *out)
{
    const pv *pol = get(in, "policy");
    if (!pol || pol->kind != PV_STRING)
        return 0;
    bool oom = false;
    cJSON *doc = advisor_policy_parse(pol->u.str.s, &oom);
    if (!doc)
        return oom ? -1 : 0; /* not JSON: Check's to report */
    int rc = 0;
    if (!advisor_policy_denies_insecure_transport(doc))
        rc = add(out, R_S3_NO_TLS, "policy",
                 "The bucket policy has no Deny for aws:SecureTransport false, so requests "
                 "over plain HTTP are not refused");
    for (const cJSON *st = advisor_next_statement(doc, NULL); st && rc == 0;
         st = advisor_next_statement(doc, st))
        if (is_allow(st) && public_principal(st) && !has_any_condition(st))
            rc = add(out, R_S3_PUBLIC, "policy",
                     "The bucket policy allows Principal \"*\" without a condition, so anyone "
                     "on the internet may call the statement's actions");
    cJSON_Delete(doc);
    return rc;
}

static int run_s3_object(const pv *in, advisor_findings *out)
{
    if (unset(get(in, "serverSideEncryption")) && unset(get(in, "kmsKeyId")))
        return add(out, R_S3_OBJECT_SSE, "serverSideEncryption",
                   "The object sets neither serverSideEncryption nor kmsKeyId, so it is not "
                   "encrypted with your KMS key");
    return 0;
}

/* The deprecated inline settings of Bucket/BucketV2, where the program sets them. */
static int run_s3_bucket(const pv *in, advisor_findings *out)
{
    const pv *sse = get(in, "serverSideEncryptionConfiguration");
    if (sse && sse->kind == PV_OBJECT) {
        const pv *r = get(sse, "rule");
        if (check_sse_rules(r ? r : get(sse, "rules"),
                            r ? "serverSideEncryptionConfiguration.rule"
                              : "serverSideEncryptionConfiguration.rules",
                            out) != 0)
            return -1;
    }
    const pv *ver = get(in, "versioning");
    const pv *en = ver && ver->kind == PV_OBJECT ? get(ver, "enabled") : NULL;
    if (en && en->kind == PV_BOOL && !en->u.b &&
        add(out, R_S3_VERSIONING, "versioning.enabled",
            "Versioning is off, so an overwritten or deleted artifact cannot be recovered") != 0)
        return -1;
    return 0;
}

static int run_policy_doc(const pv *in, advisor_findings *out)
{
    const pv *pol = get(in, "policy");
    if (pol && pol->kind == PV_STRING)
        return check_policy(pol->u.str.s, "policy", false, out);
    return 0;
}

/* Per-resource rules by token (after the package). */
typedef struct token_rules {
    const char *token;
    int (*run)(const pv *in, advisor_findings *out);
} token_rules;

static const token_rules by_token[] = {
    {"iam/role:Role", run_role},
    {"iam/rolePolicyAttachment:RolePolicyAttachment", run_attachment},
    {"sagemaker/pipeline:Pipeline", run_pipeline},
    {"iam/policy:Policy", run_policy_doc},
    {"iam/rolePolicy:RolePolicy", run_policy_doc},
    {"kms/key:Key", run_kms_key},
    {"s3/bucket:Bucket", run_s3_bucket},
    {"s3/bucketV2:BucketV2", run_s3_bucket},
    {"s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
     run_s3_sse},
    {"s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2",
     run_s3_sse},
    {"s3/bucketPublicAccessBlock:BucketPublicAccessBlock", run_s3_pab},
    {"s3/bucketVersioning:BucketVersioning", run_s3_versioning},
    {"s3/bucketVersioningV2:BucketVersioningV2", run_s3_versioning},
    {"s3/bucketPolicy:BucketPolicy", run_s3_policy},
    {"s3/bucketObjectv2:BucketObjectv2", run_s3_object},
    {"s3/bucketObject:BucketObject", run_s3_object},
};

int advisor_run(const char *token_rest, const pv *inputs, advisor_findings *out)
{
    const pv *in = inputs ? pv_plain(inputs) : NULL;
    int rc = 0;
    if (!token_rest || !in || in->kind != PV_OBJECT)
        return 0;
    for (size_t i = 0; i < sizeof(by_token) / sizeof(by_token[0]); i++)
        if (strcmp(token_rest, by_token[i].token) == 0) {
            rc = by_token[i].run(in, out); /* each sorts within a property */
            break;
        }
    if (rc != 0)
        advisor_findings_free(out);
    return rc;
}
