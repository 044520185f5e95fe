/* endpoints: partition table, standard endpoints, overrides and region resolution (see
 * endpoints.h for the rules). A table instead of the SDKs' rules engine: awsml calls four
 * services, and a table can be read and tested line by line. */
#include "aws/endpoints.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "util/str.h"

/* Most specific prefixes first: "us-gov-" and "us-iso" must win over the aws fallback. */
static const struct {
    const char *prefix;
    endpoints_partition p;
} partitions[] = {
    {"cn-", {"aws-cn", "amazonaws.com.cn", "cn-north-1", "iam.cn-north-1.amazonaws.com.cn", NULL}},
    {"us-gov-",
     {"aws-us-gov", "amazonaws.com", "us-gov-west-1", "iam.us-gov.amazonaws.com",
      "iam.us-gov.amazonaws.com"}},
    {"us-isob-",
     {"aws-iso-b", "sc2s.sgov.gov", "us-isob-east-1", "iam.us-isob-east-1.sc2s.sgov.gov", NULL}},
    {"us-isof-",
     {"aws-iso-f", "csp.hci.ic.gov", "us-isof-south-1", "iam.us-isof-south-1.csp.hci.ic.gov",
      NULL}},
    {"us-iso-", {"aws-iso", "c2s.ic.gov", "us-iso-east-1", "iam.us-iso-east-1.c2s.ic.gov", NULL}},
    {"eu-isoe-",
     {"aws-iso-e", "cloud.adc-e.uk", "eu-isoe-west-1", "iam.eu-isoe-west-1.cloud.adc-e.uk", NULL}},
};

static const endpoints_partition aws_partition = {"aws", "amazonaws.com", "us-east-1",
                                                  "iam.amazonaws.com", "iam-fips.amazonaws.com"};

static const char *const service_names[ENDPOINTS_N_SERVICES] = {"iam", "sts", "sagemaker", "s3",
                                                                "kms"};
static const char *const service_env[ENDPOINTS_N_SERVICES] = {
    "AWS_ENDPOINT_URL_IAM", "AWS_ENDPOINT_URL_STS", "AWS_ENDPOINT_URL_SAGEMAKER",
    "AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL_KMS"};

const char *endpoints_service_name(enum endpoints_service svc)
{
    if ((unsigned)svc >= ENDPOINTS_N_SERVICES)
        return NULL;
    return service_names[svc];
}

const endpoints_partition *endpoints_partition_for(const char *region)
{
    if (region) {
        for (size_t i = 0; i < sizeof partitions / sizeof partitions[0]; i++) {
            if (str_has_prefix(region, partitions[i].prefix))
                return &partitions[i].p;
        }
    }
    return &aws_partition;
}

static bool is_lower(char c)
{
    return c >= 'a' && c <= 'z';
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* ^[a-z]{2}(-[a-z]+)+-[0-9]+$, one '-'-separated part at a time. */
static bool region_shape_ok(const char *r, size_t n)
{
    size_t parts = 0;
    size_t i = 0;
    bool last_digits = false;

    while (i <= n) {
        size_t start = i;
        while (i < n && r[i] != '-')
            i++;
        size_t len = i - start;
        if (len == 0)
            return false;
        bool letters = true, digits = true;
        for (size_t k = start; k < i; k++) {
            letters &= is_lower(r[k]);
            digits &= is_digit(r[k]);
        }
        if (parts == 0 && !(letters && len == 2))
            return false;
        if (parts > 0 && !letters && !digits)
            return false;
        if (i == n) {
            last_digits = digits;
        } else if (parts > 0 && !letters) {
            return false; /* digits only in the last part */
        }
        parts++;
        i++; /* past '-' (or past the end) */
    }
    return parts >= 3 && last_digits;
}

static bool region_host_safe(const char *r, size_t n)
{
    if (n == 0 || n > 63)
        return false;
    for (size_t i = 0; i < n; i++) {
        if (!is_lower(r[i]) && !is_digit(r[i]) && r[i] != '-')
            return false;
    }
    return true;
}

int endpoints_validate_region(const char *region, bool skip, err *e)
{
    size_t n = region ? strlen(region) : 0;

    if (!region_host_safe(region ? region : "", n))
        return err_set(e, ERR_INVALID_ARGUMENT,
                       "invalid AWS region \"%.64s\": a region is 1-63 characters of a-z, 0-9 "
                       "and '-' (it becomes part of a host name)",
                       region ? region : "");
    if (!skip && !region_shape_ok(region, n))
        return err_set(e, ERR_INVALID_ARGUMENT,
                       "invalid AWS region \"%s\": expected the form "
                       "^[a-z]{2}(-[a-z]+)+-[0-9]+$ such as us-east-1 or eu-central-2; set "
                       "skipRegionValidation to use it anyway",
                       region);
    return 0;
}

static bool env_true(const profile_env *env, const char *name)
{
    const char *v = profile_env_get(env, name);
    return v && strcasecmp(v, "true") == 0;
}

/* Copies an override URL into out after checking it is an absolute http(s) URL with a host
 * and nothing a request line could choke on; trailing '/' are dropped so paths join cleanly.
 * The error names the source, not the URL (it may carry user:password@). */
static int set_override(endpoints_result *out, const char *url, const char *source, err *e)
{
    size_t n = strlen(url);
    size_t scheme = str_has_prefix(url, "https://") ? 8 : str_has_prefix(url, "http://") ? 7 : 0;

    while (n > scheme && url[n - 1] == '/')
        n--;
    if (scheme == 0 || n == scheme || url[scheme] == '/')
        return err_set(e, ERR_INVALID_ARGUMENT,
                       "endpoint URL from %s must be an absolute http:// or https:// URL with "
                       "a host",
                       source);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)url[i];
        if (c <= 0x20 || c == 0x7f)
            return err_set(e, ERR_INVALID_ARGUMENT,
                           "endpoint URL from %s contains a blank or control character", source);
    }
    if (n >= sizeof out->url)
        return err_set(e, ERR_INVALID_ARGUMENT, "endpoint URL from %s is longer than %zu bytes",
                       source, sizeof out->url - 1);
    memcpy(out->url, url, n);
    out->url[n] = '\0';
    out->source = source;
    return 0;
}

static int standard_url(enum endpoints_service svc, const char *region,
                        const endpoints_partition *p, bool fips, endpoints_result *out, err *e)
{
    int n = -1;
    bool gov = strcmp(p->id, "aws-us-gov") == 0;

    switch (svc) {
    case ENDPOINTS_IAM:
        if (fips && !p->iam_fips_host)
            return err_set(e, ERR_INVALID_ARGUMENT,
                           "no FIPS endpoint for IAM in partition %s: turn useFipsEndpoint off "
                           "or set an IAM endpoint override",
                           p->id);
        n = snprintf(out->url, sizeof out->url, "https://%s",
                     fips ? p->iam_fips_host : p->iam_host);
        break;
    case ENDPOINTS_STS:
        /* GovCloud's regional STS endpoints are FIPS endpoints already. */
        n = snprintf(out->url, sizeof out->url, "https://sts%s.%s.%s", fips && !gov ? "-fips" : "",
                     region, p->dns_suffix);
        break;
    case ENDPOINTS_SAGEMAKER:
        n = snprintf(out->url, sizeof out->url, "https://api%s.sagemaker.%s.%s",
                     fips ? "-fips" : "", region, p->dns_suffix);
        break;
    case ENDPOINTS_S3:
        n = snprintf(out->url, sizeof out->url, "https://s3%s.%s.%s", fips ? "-fips" : "", region,
                     p->dns_suffix);
        break;
    case ENDPOINTS_KMS:
        n = snprintf(out->url, sizeof out->url, "https://kms%s.%s.%s", fips ? "-fips" : "", region,
                     p->dns_suffix);
        break;
    default:
        break;
    }
    if (n < 0 || (size_t)n >= sizeof out->url)
        return err_set(e, ERR_INTERNAL, "cannot build the endpoint for service %d", (int)svc);
    out->source = "standard";
    return 0;
}

int endpoints_resolve(enum endpoints_service svc, const char *region, const endpoints_opts *opts,
                      const profile_env *env, endpoints_result *out, err *e)
{
    int rc = -1;
    static const endpoints_opts none;

    memset(out, 0, sizeof(*out));
    if (!opts)
        opts = &none;
    if ((unsigned)svc >= ENDPOINTS_N_SERVICES) {
        err_set(e, ERR_INTERNAL, "unknown AWS service %d", (int)svc);
        goto out;
    }
    if (endpoints_validate_region(region, opts->skip_region_validation, e) != 0)
        goto out;
    const endpoints_partition *p = endpoints_partition_for(region);
    out->partition = p;
    out->signing_name = service_names[svc];
    out->fips = opts->use_fips == ENDPOINTS_ON ||
                (opts->use_fips == ENDPOINTS_UNSET && env_true(env, "AWS_USE_FIPS_ENDPOINT"));
    /* IAM is global: it always signs for the partition's home region, whatever the caller's
     * region, and an override does not change that. */
    str_copy(out->signing_region, sizeof out->signing_region,
             svc == ENDPOINTS_IAM ? p->home_region : region);

    const char *cfg = opts->overrides[svc];
    bool use_env = !env_true(env, "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS");
    const char *v;
    if (cfg && cfg[0]) {
        rc = set_override(out, cfg, "the provider endpoints config", e);
    } else if (use_env && (v = profile_env_get(env, service_env[svc])) != NULL) {
        rc = set_override(out, v, service_env[svc], e);
    } else if (use_env && (v = profile_env_get(env, "AWS_ENDPOINT_URL")) != NULL) {
        rc = set_override(out, v, "AWS_ENDPOINT_URL", e);
    } else {
        rc = standard_url(svc, region, p, out->fips, out, e);
    }
out:
    if (rc != 0)
        memset(out, 0, sizeof(*out));
    return rc;
}

int endpoints_region(const char *config_region, const profile_set *ps, const profile_env *env,
                     bool skip, char *out, size_t outlen, const char **source, err *e)
{
    int rc = -1;
    const char *v = NULL;
    const char *src = NULL;

    if (outlen)
        out[0] = '\0';
    if (config_region && config_region[0]) {
        v = config_region;
        src = "provider config";
    } else if ((v = profile_env_get(env, "AWS_REGION")) != NULL) {
        src = "AWS_REGION";
    } else if ((v = profile_env_get(env, "AWS_DEFAULT_REGION")) != NULL) {
        src = "AWS_DEFAULT_REGION";
    } else if (ps && (v = profile_get(ps, NULL, "region")) != NULL && v[0]) {
        src = "profile";
    } else {
        err_set(e, ERR_FAILED_PRECONDITION,
                "no AWS region: tried the provider's region config, AWS_REGION, "
                "AWS_DEFAULT_REGION and region in profile \"%s\" of the shared config files; "
                "set one of them",
                ps && ps->name ? ps->name : PROFILE_DEFAULT);
        goto out;
    }
    if (endpoints_validate_region(v, skip, e) != 0) {
        /* Say where the bad value came from: the user may not know which one won. */
        char msg[sizeof e->msg];
        str_copy(msg, sizeof msg, e ? e->msg : "");
        if (str_eq(src, "profile"))
            err_set(e, ERR_INVALID_ARGUMENT, "%s (from region in profile \"%s\")", msg, ps->name);
        else
            err_set(e, ERR_INVALID_ARGUMENT, "%s (from %s)", msg, src);
        goto out;
    }
    if (str_copy(out, outlen, v) >= outlen) {
        err_set(e, ERR_INTERNAL, "region buffer too small");
        goto out;
    }
    if (source)
        *source = src;
    rc = 0;
out:
    return rc;
}
