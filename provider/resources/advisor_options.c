/* advisor_options: the rules' properties (issue 14), read the same way for
 * both doors: the policy pack's Configure (a policy's properties) and the
 * provider's securityAdvisorRules configuration (rule ID -> properties).
 * Each property has a JSON schema (what the pack's GetAnalyzerInfo sends and
 * the CLI checks --policy-pack-config against); advisor_options_parse checks
 * the same rules itself, for any other client. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "resources/advisor.h"
#include "util/str.h"

enum prop_kind { PROP_ACCOUNTS, PROP_POLICIES, PROP_SESSION };

typedef struct prop_row {
    advisor_prop pub;
    enum prop_kind kind;
} prop_row;

#define ACCOUNTS_SCHEMA                                                                            \
    "{\"type\":\"array\",\"maxItems\":32,\"items\":{\"type\":\"string\",\"pattern\":"              \
    "\"^[0-9]{12}$\"},\"description\":\"AWS account IDs (12 digits, at most 32) whose "            \
    "whole-account trust without a condition is intended: AWSML-IAM-003 does not report "          \
    "them\"}"
/* A name, or an AWS managed policy ARN in any partition ("aws", "aws-cn",
 * "aws-us-gov"...) with an optional path; names have IAM's characters. */
#define POLICY_PATTERN                                                                             \
    "^(arn:aws(-[-a-z]*)?:iam::aws:policy/([A-Za-z0-9+=,.@_-]+/)*)?[A-Za-z0-9+=,.@_-]{1,128}$"
#define POLICIES_SCHEMA(rule)                                                                      \
    "{\"type\":\"array\",\"maxItems\":32,\"items\":{\"type\":\"string\",\"maxLength\":2048,"       \
    "\"pattern\":\"" POLICY_PATTERN "\"},\"description\":\"AWS managed policies (names such as "   \
    "AmazonSageMakerFullAccess or their ARNs, at most 32) that " rule " does not report when "     \
    "attached\"}"
#define SESSION_SCHEMA                                                                             \
    "{\"type\":\"integer\",\"minimum\":3600,\"maximum\":43200,\"default\":3600,"                   \
    "\"description\":\"Seconds: AWSML-IAM-014 reports a role whose maxSessionDuration is above "   \
    "this (3600..43200)\"}"

static const prop_row rows[] = {
    {{"AWSML-IAM-003", "trustedAccounts", ACCOUNTS_SCHEMA}, PROP_ACCOUNTS},
    {{"AWSML-IAM-011", "allowedPolicies", POLICIES_SCHEMA("AWSML-IAM-011")}, PROP_POLICIES},
    {{"AWSML-IAM-012", "allowedPolicies", POLICIES_SCHEMA("AWSML-IAM-012")}, PROP_POLICIES},
    {{"AWSML-IAM-014", "maxSessionDuration", SESSION_SCHEMA}, PROP_SESSION},
};
#define N_ROWS (sizeof(rows) / sizeof(rows[0]))

const advisor_prop *advisor_prop_at(size_t i)
{
    return i < N_ROWS ? &rows[i].pub : NULL;
}

static const prop_row *row_find(const char *rule, const char *name)
{
    for (size_t i = 0; i < N_ROWS; i++)
        if (strcmp(rows[i].pub.rule, rule) == 0 && (!name || strcmp(rows[i].pub.name, name) == 0))
            return &rows[i];
    return NULL;
}

bool advisor_rule_has_props(const char *rule)
{
    return rule && row_find(rule, NULL) != NULL;
}

/* A printable, capped copy of an untrusted string for an error message. */
static void printable(char *dst, size_t n, const char *src, size_t len)
{
    size_t k = 0, room = n > 4 ? n - 4 : 0; /* what is left after "..." and the NUL */
    for (size_t i = 0; i < len && k < room; i++)
        dst[k++] = src[i] >= 0x20 && src[i] < 0x7f ? src[i] : '?';
    if (k < len && n >= 4) {
        memcpy(dst + k, "...", 3);
        k += 3;
    }
    if (n)
        dst[k] = '\0';
}

static const char *value_kind(const pv *v)
{
    switch (v ? v->kind : PV_NULL) {
    case PV_NUMBER:
        return "a number";
    case PV_STRING:
        return "a string";
    case PV_BOOL:
        return "a boolean";
    case PV_OBJECT:
        return "an object";
    case PV_ARRAY:
        return "an array";
    case PV_NULL:
        return "null";
    default:
        return "an unknown or special value";
    }
}

static bool policy_char(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           strchr("+=,.@_-", c) != NULL;
}

/* true when s[0..n) is 1..max characters of IAM's name set. */
static bool policy_word(const char *s, size_t n, size_t max)
{
    if (n == 0 || n > max)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!policy_char(s[i]))
            return false;
    return true;
}

/* The managed policy name an allowedPolicies item names (POLICY_PATTERN), or
 * NULL. */
static const char *allowed_policy_name(const char *s, size_t len)
{
    if (len > 2048 || strlen(s) != len)
        return NULL;
    if (!str_has_prefix(s, "arn:"))
        return policy_word(s, len, ADVISOR_OPT_POLICY_NAME_MAX) ? s : NULL;
    const char *name = advisor_aws_managed_name(s);
    if (!name || !policy_word(name, strlen(name), ADVISOR_OPT_POLICY_NAME_MAX))
        return NULL;
    /* Each path segment between "policy/" and the name. */
    const char *seg = strstr(s, ":policy/") + strlen(":policy/");
    while (seg < name) {
        const char *slash = strchr(seg, '/');
        if (!policy_word(seg, (size_t)(slash - seg), 2048))
            return NULL;
        seg = slash + 1;
    }
    return name;
}

static int session_parse(const prop_row *rp, const pv *v, advisor_options *o, char *why,
                         size_t whylen)
{
    const char *rule = rp->pub.rule, *name = rp->pub.name;
    if (!v || v->kind != PV_NUMBER) {
        snprintf(why, whylen, "%s.%s: must be an integer number of seconds (3600..43200), not %s",
                 rule, name, value_kind(v));
        return -1;
    }
    double d = v->u.n;
    if (!isfinite(d) || d != floor(d)) {
        snprintf(why, whylen, "%s.%s: %g is not a whole number of seconds (3600..43200)", rule,
                 name, d);
        return -1;
    }
    if (d < ADVISOR_SESSION_DEFAULT || d > ADVISOR_SESSION_MAX) {
        bool low = d < ADVISOR_SESSION_DEFAULT;
        snprintf(why, whylen,
                 "%s.%s: %.0f is %s %d, %s maximum session duration IAM allows a role "
                 "(3600..43200 seconds)",
                 rule, name, d, low ? "below" : "above",
                 low ? ADVISOR_SESSION_DEFAULT : ADVISOR_SESSION_MAX,
                 low ? "the shortest" : "the longest");
        return -1;
    }
    o->max_session_duration = (unsigned)d;
    return 0;
}

/* Reads one property's value into o; on a bad value -1, with why naming
 * <rule>.<property>. */
static int prop_parse(const prop_row *rp, const pv *v, advisor_options *o, char *why, size_t whylen)
{
    char shown[96];
    const char *rule = rp->pub.rule, *name = rp->pub.name;
    v = v ? pv_plain(v) : NULL;
    if (rp->kind == PROP_SESSION)
        return session_parse(rp, v, o, why, whylen);
    const char *what = rp->kind == PROP_ACCOUNTS ? "12-digit AWS account ID strings"
                                                 : "AWS managed policy names or ARNs";
    if (!v || v->kind != PV_ARRAY) {
        snprintf(why, whylen, "%s.%s: must be an array of %s, not %s", rule, name, what,
                 value_kind(v));
        return -1;
    }
    size_t n = v->u.arr.len;
    if (n > ADVISOR_OPT_MAX_ITEMS) {
        snprintf(why, whylen, "%s.%s: %zu items, more than the %d allowed", rule, name, n,
                 ADVISOR_OPT_MAX_ITEMS);
        return -1;
    }
    bool admin = strcmp(rule, "AWSML-IAM-011") == 0;
    char(*names)[ADVISOR_OPT_POLICY_NAME_MAX + 1] = admin ? o->allowed_admin : o->allowed_full;
    size_t *count = rp->kind == PROP_ACCOUNTS ? &o->n_trusted_accounts
                    : admin                   ? &o->n_allowed_admin
                                              : &o->n_allowed_full;
    *count = 0;
    for (size_t i = 0; i < n; i++) {
        const pv *it = pv_plain(v->u.arr.items[i]);
        if (!it || it->kind != PV_STRING) {
            snprintf(why, whylen, "%s.%s[%zu]: must be a string (%s), not %s", rule, name, i, what,
                     value_kind(it));
            return -1;
        }
        const char *str = it->u.str.s;
        size_t len = it->u.str.len;
        printable(shown, sizeof(shown), str, len);
        if (rp->kind == PROP_ACCOUNTS) {
            bool ok = len == ADVISOR_OPT_ACCOUNT_LEN;
            for (size_t k = 0; ok && k < len; k++)
                ok = str[k] >= '0' && str[k] <= '9';
            if (!ok) {
                snprintf(why, whylen, "%s.%s[%zu]: '%s' is not an AWS account ID (12 digits)", rule,
                         name, i, shown);
                return -1;
            }
            memcpy(o->trusted_accounts[i], str, ADVISOR_OPT_ACCOUNT_LEN + 1);
        } else {
            const char *pname = allowed_policy_name(str, len);
            if (!pname) {
                snprintf(why, whylen,
                         "%s.%s[%zu]: '%s' is neither an AWS managed policy name (up to 128 of "
                         "A-Z a-z 0-9 +=,.@_-) nor its ARN "
                         "(arn:<partition>:iam::aws:policy/[path/]Name)",
                         rule, name, i, shown);
                return -1;
            }
            str_copy(names[i], sizeof(names[i]), pname);
        }
        *count = i + 1;
    }
    return 0;
}

int advisor_options_parse(advisor_options *o, const char *rule, const pv *props, char *why,
                          size_t whylen)
{
    props = props ? pv_plain(props) : NULL;
    if (!props || props->kind == PV_NULL)
        return 0;
    if (props->kind != PV_OBJECT) {
        snprintf(why, whylen, "%s: the properties must be an object, not %s", rule,
                 value_kind(props));
        return -1;
    }
    for (size_t i = 0; i < props->u.obj.len; i++) {
        const char *key = props->u.obj.keys[i];
        if (strcmp(key, "enforcementLevel") == 0) /* the engine's, not a property */
            continue;
        const prop_row *rp = row_find(rule, key);
        if (!rp) {
            char shown[96];
            const prop_row *has = row_find(rule, NULL);
            printable(shown, sizeof(shown), key, strlen(key));
            snprintf(why, whylen,
                     "%s.%s: %s has no property '%s' (%s%s; the rules with properties are listed "
                     "in the README, \"Rule properties\")",
                     rule, shown, rule, shown, has ? "it takes " : "it takes none",
                     has ? has->pub.name : "");
            return -1;
        }
        if (prop_parse(rp, props->u.obj.vals[i], o, why, whylen) != 0)
            return -1;
    }
    return 0;
}
