/* fn_meta: the functions about the provider's own account and place, with
 * pulumi-aws 7.51.1's tokens, arguments and results:
 *
 *   aws:index/getCallerIdentity:getCallerIdentity  STS GetCallerIdentity through
 *       the provider's client: accountId, arn, userId; id is the account id.
 *   aws:index/getPartition:getPartition  the provider region's partition, no
 *       AWS call: partition, dnsSuffix, reverseDnsPrefix; id the partition.
 *   aws:index/getRegion:getRegion  a Region by name or EC2 endpoint (the
 *       provider's when neither is given), no AWS call: region (and the
 *       deprecated name and id), endpoint (ec2.<region>.<dns suffix>) and
 *       description, from the table below. */
#include <stdio.h>
#include <string.h>

#include "aws/endpoints.h"
#include "aws/query.h"
#include "aws/xml.h"
#include "resources/common.h"
#include "resources/engine.h"
#include "resources/function.h"
#include "util/str.h"

#define FN_STS_VERSION "2011-06-15"

/* ---- getCallerIdentity ---------------------------------------------------- */

static const eng_prop gci_rows[] = {
    {.name = "id",
     .type = ET_STRING,
     .flags = EP_ALWAYS,
     .doc = "Account ID number of the account that owns or contains the calling entity."},
    {.name = "accountId",
     .type = ET_STRING,
     .flags = EP_OUTPUT,
     .doc = "AWS Account ID number of the account that owns or contains the calling entity."},
    {.name = "arn",
     .type = ET_STRING,
     .flags = EP_OUTPUT,
     .doc = "ARN associated with the calling entity."},
    {.name = "userId",
     .type = ET_STRING,
     .flags = EP_OUTPUT,
     .doc = "Unique identifier of the calling entity."},
};

static const eng_table gci_table = {
    .doc = "Use this data source to get the access to the effective Account ID, User ID, and ARN "
           "in which the provider is authorized (STS GetCallerIdentity).",
    ENG_ROWS(gci_rows)};

static int fn_set3(pv *o, const char *k1, const char *v1, const char *k2, const char *v2,
                   const char *k3, const char *v3)
{
    if (prop_set_str(o, k1, v1) != 0 || prop_set_str(o, k2, v2) != 0 ||
        (k3 && prop_set_str(o, k3, v3) != 0))
        return -1;
    return 0;
}

static int gci_invoke(res_ctx *ctx, const pv *args, pv **result, err *e)
{
    (void)args;
    query q;
    xml_node *root = NULL;
    pv *out = NULL;
    int rc = -1;
    aws_client *c = res_client(ctx, e);
    if (!c)
        return -1;
    if (query_init(&q, "GetCallerIdentity", FN_STS_VERSION) != 0)
        return res_oom(e);
    if (aws_query(c, ENDPOINTS_STS, "GetCallerIdentity", &q, true, res_aws_cancel(ctx), &root, e) !=
        0) {
        err_set(e, e->code, "getCallerIdentity: STS GetCallerIdentity failed: %s", e->msg);
        goto done;
    }
    const char *acct = xml_path_text(root, "GetCallerIdentityResult/Account");
    const char *arn = xml_path_text(root, "GetCallerIdentityResult/Arn");
    const char *uid = xml_path_text(root, "GetCallerIdentityResult/UserId");
    if (!acct || !*acct || !arn || !uid) {
        err_set(e, ERR_UNAVAILABLE,
                "getCallerIdentity: STS GetCallerIdentity answered without Account, Arn or UserId");
        goto done;
    }
    out = pv_object();
    if (!out || fn_set3(out, "id", acct, "accountId", acct, "arn", arn) != 0 ||
        prop_set_str(out, "userId", uid) != 0) {
        res_oom(e);
        goto done;
    }
    *result = out;
    out = NULL;
    rc = 0;
done:
    pv_free(out);
    xml_free(root);
    query_free(&q);
    return rc;
}

const function_type fn_get_caller_identity = {
    .token = "index/getCallerIdentity:getCallerIdentity",
    .table = &gci_table,
    .invoke = gci_invoke,
};

/* ---- getPartition ---------------------------------------------------------- */

static const eng_prop gp_rows[] = {
    {.name = "id",
     .type = ET_STRING,
     .flags = EP_ALWAYS,
     .deprecated = "Use 'partition' instead. This attribute will be removed in a future version "
                   "of the provider.",
     .doc = "(**Deprecated**) Identifier of the current partition (e.g., `aws` in AWS Commercial, "
            "`aws-cn` in AWS China). Use `partition` instead."},
    {.name = "dnsSuffix",
     .type = ET_STRING,
     .flags = EP_OUTPUT,
     .doc = "Base DNS domain name for the current partition (e.g., `amazonaws.com` in AWS "
            "Commercial, `amazonaws.com.cn` in AWS China)."},
    {.name = "partition",
     .type = ET_STRING,
     .flags = EP_OUTPUT,
     .doc = "Identifier of the current partition (e.g., `aws` in AWS Commercial, `aws-cn` in AWS "
            "China)."},
    {.name = "reverseDnsPrefix",
     .type = ET_STRING,
     .flags = EP_OUTPUT,
     .doc = "Prefix of service names (e.g., `com.amazonaws` in AWS Commercial, "
            "`cn.com.amazonaws` in AWS China)."},
};

static const eng_table gp_table = {
    .doc = "Use this data source to lookup information about the current AWS partition in which "
           "the provider is working (from the provider's region; no AWS call).",
    ENG_ROWS(gp_rows)};

/* "amazonaws.com.cn" -> "cn.com.amazonaws": the labels in reverse order. */
static int fn_reverse_dns(const char *suffix, char *out, size_t outlen)
{
    size_t n = strlen(suffix), w = 0;
    if (n + 1 > outlen)
        return -1;
    size_t end = n;
    while (end > 0) {
        size_t start = end;
        while (start > 0 && suffix[start - 1] != '.')
            start--;
        if (w)
            out[w++] = '.';
        memcpy(out + w, suffix + start, end - start);
        w += end - start;
        end = start ? start - 1 : 0;
    }
    out[w] = '\0';
    return 0;
}

static int gp_invoke(res_ctx *ctx, const pv *args, pv **result, err *e)
{
    (void)args;
    aws_client *c = res_client(ctx, e);
    if (!c)
        return -1;
    const endpoints_partition *p = endpoints_partition_for(aws_client_region(c));
    char rev[128];
    if (fn_reverse_dns(p->dns_suffix, rev, sizeof(rev)) != 0)
        return err_set(e, ERR_INTERNAL, "getPartition: DNS suffix '%s' is too long", p->dns_suffix);
    pv *out = pv_object();
    if (!out || fn_set3(out, "id", p->id, "partition", p->id, "dnsSuffix", p->dns_suffix) != 0 ||
        prop_set_str(out, "reverseDnsPrefix", rev) != 0) {
        pv_free(out);
        return res_oom(e);
    }
    *result = out;
    return 0;
}

const function_type fn_get_partition = {
    .token = "index/getPartition:getPartition",
    .table = &gp_table,
    .invoke = gp_invoke,
};

/* ---- getRegion -------------------------------------------------------------- */

/* The Regions and their descriptions, as the AWS SDKs' endpoint data names
 * them (what pulumi-aws's aws_region data source reports). */
static const struct {
    const char *id, *description;
} fn_regions[] = {
    {"af-south-1", "Africa (Cape Town)"},
    {"ap-east-1", "Asia Pacific (Hong Kong)"},
    {"ap-east-2", "Asia Pacific (Taipei)"},
    {"ap-northeast-1", "Asia Pacific (Tokyo)"},
    {"ap-northeast-2", "Asia Pacific (Seoul)"},
    {"ap-northeast-3", "Asia Pacific (Osaka)"},
    {"ap-south-1", "Asia Pacific (Mumbai)"},
    {"ap-south-2", "Asia Pacific (Hyderabad)"},
    {"ap-southeast-1", "Asia Pacific (Singapore)"},
    {"ap-southeast-2", "Asia Pacific (Sydney)"},
    {"ap-southeast-3", "Asia Pacific (Jakarta)"},
    {"ap-southeast-4", "Asia Pacific (Melbourne)"},
    {"ap-southeast-5", "Asia Pacific (Malaysia)"},
    {"ap-southeast-6", "Asia Pacific (New Zealand)"},
    {"ap-southeast-7", "Asia Pacific (Thailand)"},
    {"ca-central-1", "Canada (Central)"},
    {"ca-west-1", "Canada West (Calgary)"},
    {"eu-central-1", "Europe (Frankfurt)"},
    {"eu-central-2", "Europe (Zurich)"},
    {"eu-north-1", "Europe (Stockholm)"},
    {"eu-south-1", "Europe (Milan)"},
    {"eu-south-2", "Europe (Spain)"},
    {"eu-west-1", "Europe (Ireland)"},
    {"eu-west-2", "Europe (London)"},
    {"eu-west-3", "Europe (Paris)"},
    {"il-central-1", "Israel (Tel Aviv)"},
    {"me-central-1", "Middle East (UAE)"},
    {"me-south-1", "Middle East (Bahrain)"},
    {"mx-central-1", "Mexico (Central)"},
    {"sa-east-1", "South America (Sao Paulo)"},
    {"us-east-1", "US East (N. Virginia)"},
    {"us-east-2", "US East (Ohio)"},
    {"us-west-1", "US West (N. California)"},
    {"us-west-2", "US West (Oregon)"},
    {"cn-north-1", "China (Beijing)"},
    {"cn-northwest-1", "China (Ningxia)"},
    {"us-gov-east-1", "AWS GovCloud (US-East)"},
    {"us-gov-west-1", "AWS GovCloud (US-West)"},
    {"us-iso-east-1", "US ISO East"},
    {"us-iso-west-1", "US ISO WEST"},
    {"us-isob-east-1", "US ISOB East (Ohio)"},
    {"us-isof-east-1", "US ISOF EAST"},
    {"us-isof-south-1", "US ISOF SOUTH"},
    {"eu-isoe-west-1", "EU ISOE West"},
};

#define FN_N_REGIONS (sizeof(fn_regions) / sizeof(fn_regions[0]))

static const eng_prop gr_rows[] = {
    {.name = "endpoint",
     .type = ET_STRING,
     .flags = EP_ALWAYS,
     .doc = "EC2 endpoint of the region to select (e.g. `ec2.us-east-1.amazonaws.com`)."},
    {.name = "id",
     .type = ET_STRING,
     .flags = EP_ALWAYS,
     .deprecated = "Use 'region' instead. This attribute will be removed in a future version of "
                   "the provider.",
     .doc = "(**Deprecated**) Region's name (e.g. `us-east-1`)."},
    {.name = "name",
     .type = ET_STRING,
     .flags = EP_ALWAYS,
     .deprecated = "name is deprecated. Use region instead.",
     .doc = "Full name of the region to select. Use `region` instead."},
    {.name = "region",
     .type = ET_STRING,
     .flags = EP_ALWAYS,
     .doc = "Full name of the region to select (e.g. `us-east-1`). Defaults to the Region set in "
            "the provider configuration."},
    {.name = "description",
     .type = ET_STRING,
     .flags = EP_OUTPUT,
     .doc = "Region's description in this format: \"Location (Region name)\"."},
};

static const eng_table gr_table = {
    .doc = "Provides details about a specific AWS Region: by name, by EC2 endpoint, or the "
           "provider's own (no AWS call).",
    ENG_ROWS(gr_rows)};

static int fn_region_index(const char *id)
{
    for (size_t i = 0; id && i < FN_N_REGIONS; i++)
        if (strcmp(fn_regions[i].id, id) == 0)
            return (int)i;
    return -1;
}

static void fn_region_endpoint(size_t i, char *out, size_t outlen)
{
    snprintf(out, outlen, "ec2.%s.%s", fn_regions[i].id,
             endpoints_partition_for(fn_regions[i].id)->dns_suffix);
}

static int fn_region_by_endpoint(const char *ep)
{
    char ep_text[256];
    for (size_t i = 0; ep && i < FN_N_REGIONS; i++) {
        fn_region_endpoint(i, ep_text, sizeof(ep_text));
        if (strcmp(ep_text, ep) == 0)
            return (int)i;
    }
    return -1;
}

static int gr_check(res_ctx *ctx, const pv *args, check_failures *f, err *e)
{
    (void)ctx;
    const char *ep = prop_str(args, "endpoint");
    const char *region = prop_str(args, "region");
    const char *name = prop_str(args, "name");
    int by_ep = ep ? fn_region_by_endpoint(ep) : -1;
    int rc = 0;
    if (ep && by_ep < 0)
        rc |= check_failure_add(f, "endpoint",
                                "'endpoint' must be the EC2 endpoint of a known Region "
                                "(ec2.<region>.<dns suffix>, e.g. ec2.us-east-1.amazonaws.com); "
                                "no Region has '%.200s'",
                                ep);
    const char *which[2] = {"region", "name"};
    const char *vals[2] = {region, name};
    for (int k = 0; k < 2; k++) {
        if (!vals[k])
            continue;
        int i = fn_region_index(vals[k]);
        if (i < 0)
            rc |= check_failure_add(f, which[k],
                                    "'%s' must be the name of a known AWS Region (e.g. us-east-1); "
                                    "'%.100s' is not one",
                                    which[k], vals[k]);
        else if (by_ep >= 0 && i != by_ep)
            rc |= check_failure_add(f, which[k],
                                    "'%s' (%s) and 'endpoint' (%s) name different Regions: give "
                                    "one of them, or both for the same Region",
                                    which[k], vals[k], ep);
    }
    if (region && name && strcmp(region, name) != 0)
        rc |= check_failure_add(f, "name",
                                "'name' (%.100s) and 'region' (%.100s) name different Regions; "
                                "'name' is deprecated: give 'region' only",
                                name, region);
    return rc ? res_oom(e) : 0;
}

static int gr_invoke(res_ctx *ctx, const pv *args, pv **result, err *e)
{
    const char *want = prop_str(args, "region");
    if (!want)
        want = prop_str(args, "name");
    int i = want ? fn_region_index(want) : -1;
    if (!want && prop_str(args, "endpoint"))
        i = fn_region_by_endpoint(prop_str(args, "endpoint"));
    if (!want && i < 0) {
        aws_client *c = res_client(ctx, e);
        if (!c)
            return -1;
        want = aws_client_region(c);
        i = fn_region_index(want);
        if (i < 0)
            return err_set(e, ERR_FAILED_PRECONDITION,
                           "getRegion: the provider's region '%s' is not a Region awsml knows; "
                           "give 'region' or 'endpoint' of a known one",
                           want);
    }
    char ep[256];
    fn_region_endpoint((size_t)i, ep, sizeof(ep));
    const char *id = fn_regions[i].id;
    pv *out = pv_object();
    if (!out || fn_set3(out, "region", id, "name", id, "id", id) != 0 ||
        fn_set3(out, "endpoint", ep, "description", fn_regions[i].description, NULL, NULL) != 0) {
        pv_free(out);
        return res_oom(e);
    }
    *result = out;
    return 0;
}

const function_type fn_get_region = {
    .token = "index/getRegion:getRegion",
    .table = &gr_table,
    .check_hook = gr_check,
    .invoke = gr_invoke,
};
