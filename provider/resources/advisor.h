/* advisor: the security advisor's rule engine (issue 7).
 *
 * Looks at the checked inputs of a resource and reports insecure setups of
 * training pipelines: trust policies open to confused deputies or to anyone,
 * wildcard permissions, AWS managed admin/full-access policies, no
 * permissions boundary, and pipeline steps without KMS keys, network
 * isolation, inter-container encryption or a VPC.
 *
 * Pure: no I/O, no AWS calls, no global state, so it runs in Check during
 * preview and up alike. Unknown values (preview) are skipped, never guessed.
 * Policies are read in their canonical form (policy_canonical), the same
 * equivalence the diffs use, so a rule sees one shape whatever the spelling.
 *
 * Order is deterministic: properties in the order the resource lists them
 * (for a Role: assumeRolePolicy, inlinePolicies[i], managedPolicyArns[i],
 * permissionsBoundary, maxSessionDuration), and within one property by rule
 * ID, then in the order found. A finding identical to an earlier one (same
 * ID, property and message) is not repeated. */
#ifndef AWSML_RESOURCES_ADVISOR_H
#define AWSML_RESOURCES_ADVISOR_H

#include <stdbool.h>
#include <stddef.h>

#include "props.h"

enum advisor_severity { ADVISOR_INFO, ADVISOR_WARNING, ADVISOR_HIGH };

typedef struct advisor_finding {
    char id[24]; /* e.g. "AWSML-IAM-001" */
    enum advisor_severity severity;
    char property[128]; /* the input it is about: "assumeRolePolicy", "inlinePolicies[0].policy" */
    char message[512];  /* what and why, one sentence ending in '.'; names the
                           principal/ARN/step but not the property (print that from
                           property) and never a whole policy */
    char fix[256];      /* one-line fix */
    size_t resource;    /* advisor_stack_run: index of the resource it is reported on
                           (advisor_run: 0) */
} advisor_finding;

/* Rule properties (the policy pack's Configure sets them; issue 14). A
 * zeroed struct is the default: every rule as documented. */
#define ADVISOR_OPT_MAX_ITEMS 32
#define ADVISOR_OPT_ACCOUNT_LEN 12
/* IAM policy names are at most 128 characters. */
#define ADVISOR_OPT_POLICY_NAME_MAX 128
/* AWSML-IAM-014's range, in seconds (IAM's own limits for a role). */
#define ADVISOR_SESSION_DEFAULT 3600
#define ADVISOR_SESSION_MAX 43200

typedef struct advisor_options {
    /* AWSML-IAM-003: accounts whose whole-account trust is not reported. */
    char trusted_accounts[ADVISOR_OPT_MAX_ITEMS][ADVISOR_OPT_ACCOUNT_LEN + 1];
    size_t n_trusted_accounts;
    /* AWSML-IAM-011 and AWSML-IAM-012: AWS managed policy names (an ARN's
     * last path segment; names are unique in the "aws" account) that rule
     * does not report. */
    char allowed_admin[ADVISOR_OPT_MAX_ITEMS][ADVISOR_OPT_POLICY_NAME_MAX + 1];
    size_t n_allowed_admin;
    char allowed_full[ADVISOR_OPT_MAX_ITEMS][ADVISOR_OPT_POLICY_NAME_MAX + 1];
    size_t n_allowed_full;
    /* AWSML-IAM-014: the longest maxSessionDuration not reported; 0 is
     * ADVISOR_SESSION_DEFAULT. */
    unsigned max_session_duration;
} advisor_options;

/* A zeroed struct is empty; advisor_findings_free is safe to call twice
 * (it keeps opts). opts: the rule properties, borrowed; NULL = defaults. */
typedef struct advisor_findings {
    advisor_finding *items;
    size_t len, cap;
    const advisor_options *opts;
} advisor_findings;

/* token_rest is the token after "aws:" / "awsml:": "iam/role:Role",
 * "iam/rolePolicyAttachment:RolePolicyAttachment" or "sagemaker/pipeline:Pipeline".
 * inputs are the checked inputs (plain values, unknowns possible). Unknown
 * tokens and invalid values (Check reports those) give no findings. Appends
 * to out; -1 only on allocation failure, and then out is emptied. */
int advisor_run(const char *token_rest, const pv *inputs, advisor_findings *out);
void advisor_findings_free(advisor_findings *f);

/* Property dependencies of one property: the URNs its value came from. */
typedef struct advisor_propdeps {
    const char *property;
    const char *const *urns;
    size_t n;
} advisor_propdeps;

/* One resource of a stack, as the engine reports it (AnalyzeStack) or as the
 * provider has checked it (Check). Pointers are borrowed. */
typedef struct advisor_resource {
    const char *urn;
    const char *type;   /* whole token: "aws:s3/bucket:Bucket", "awsml:kms/key:Key" */
    const char *name;   /* logical name */
    const pv *props;    /* outputs (AnalyzeStack) or checked inputs (Check); unknowns possible */
    const char *parent; /* URN, or NULL */
    const char *const *deps; /* URNs it depends on, property dependencies included */
    size_t ndeps;
    const advisor_propdeps *propdeps;
    size_t npropdeps;
} advisor_resource;

/* Runs the stack-level rules, the ones that relate resources (a pipeline and
 * the bucket it writes to, a role and its policies, a bucket and its key).
 * Resources are linked by values (names, ARNs) where known and by the
 * dependencies the engine reports otherwise (a preview's new names are
 * unknown). complete: res is the whole stack (AnalyzeStack), so a missing
 * companion (a bucket with no encryption configuration) is a finding; false:
 * res holds only the resources seen so far (Check), so only a present
 * resource with a bad setting is evidence. focus: the index whose findings
 * are wanted, or ADVISOR_ALL. Each finding's message names both resources.
 * Appends to out; -1 only on allocation failure, and then out is emptied. */
#define ADVISOR_ALL ((size_t)-1)
int advisor_stack_run(const advisor_resource *res, size_t n, size_t focus, bool complete,
                      advisor_findings *out);

/* The rules' properties, one row per (rule, property): the JSON schema of
 * its value (the policy pack's configSchema). NULL past the last. */
typedef struct advisor_prop {
    const char *rule;
    const char *name;
    const char *schema;
} advisor_prop;
const advisor_prop *advisor_prop_at(size_t i);
bool advisor_rule_has_props(const char *rule);
/* Reads a rule's properties (an object: property -> value; the engine's
 * "enforcementLevel" is skipped; NULL or null: none) into o, which the
 * caller starts zeroed (unset properties keep their defaults). 0, or -1 with
 * why = "<rule>.<property>: what is wrong" for an unknown property, a wrong
 * type, a bad item or an out-of-range value (o is then half-filled: drop it).
 * Shared by the policy pack's Configure and the provider's
 * securityAdvisorRules configuration. */
int advisor_options_parse(advisor_options *o, const char *rule, const pv *props, char *why,
                          size_t whylen);

/* The AWS managed policy name of an ARN (arn:<partition>:iam::aws:policy/[path/]Name),
 * or NULL when arn is not one. */
const char *advisor_aws_managed_name(const char *arn);

/* The rule table, in ID order, for docs and for validating suppress lists. */
typedef struct advisor_rule {
    const char *id;
    enum advisor_severity severity;
    const char *what;
    const char *why_source;
    const char *fix;
    const char *checkov;     /* Checkov check IDs ("CKV_AWS_145"), or "n/a" */
    const char *securityhub; /* AWS Security Hub control IDs ("S3.17"), or "n/a" */
    const char *scope;       /* "resource" (advisor_run) or "stack" (advisor_stack_run) */
} advisor_rule;
const advisor_rule *advisor_rules(size_t *n);
/* "aws:x/y:Z" and "awsml:x/y:Z" -> "x/y:Z" (what advisor_run takes); NULL
 * for any other package. */
const char *advisor_token_rest(const char *type);
/* The rule with this ID (exact match), or NULL. */
const advisor_rule *advisor_rule_find(const char *id);
/* "info", "warning" or "high". */
const char *advisor_severity_name(enum advisor_severity s);

#endif
