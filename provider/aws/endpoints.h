/* endpoints: region -> partition -> endpoint URL and signing region for the services awsml
 * calls (IAM, STS, SageMaker, S3, KMS), and where the region comes from.
 *
 * Partitions by region prefix: aws-cn (cn-*), aws-us-gov (us-gov-*), aws-iso (us-iso-*),
 * aws-iso-b (us-isob-*), aws-iso-e (eu-isoe-*), aws-iso-f (us-isof-*), everything else aws
 * (the SDKs' fallback for regions they do not know yet).
 *
 * Standard endpoints:
 *   iam        global: https://iam.amazonaws.com (signs us-east-1), aws-cn
 *              https://iam.cn-north-1.amazonaws.com.cn (cn-north-1), aws-us-gov
 *              https://iam.us-gov.amazonaws.com (us-gov-west-1), iso partitions
 *              https://iam.<home>.<suffix>; FIPS: iam-fips.amazonaws.com, and the us-gov
 *              endpoint is FIPS already; no FIPS IAM elsewhere (error).
 *   sts        https://sts.<region>.<suffix>;      FIPS sts-fips.<region>.<suffix>
 *   sagemaker  https://api.sagemaker.<region>.<suffix>; FIPS api-fips.sagemaker.<region>...
 *   s3         https://s3.<region>.<suffix> (regional, also for us-east-1); FIPS s3-fips...
 *   kms        https://kms.<region>.<suffix>;      FIPS kms-fips.<region>.<suffix>
 * In aws-us-gov, STS's FIPS endpoint is the standard one (sts.us-gov-west-1.amazonaws.com).
 *
 * Overrides, highest first: the provider `endpoints` config for the service,
 * AWS_ENDPOINT_URL_<SERVICE> (IAM, STS, SAGEMAKER, S3, KMS), AWS_ENDPOINT_URL. The two variables
 * are ignored when AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true. An override replaces only the
 * URL: the signing region stays the resolved one (IAM: the partition's home region), so a
 * local emulator sees the same credential scope as AWS would.
 */
#ifndef AWSML_AWS_ENDPOINTS_H
#define AWSML_AWS_ENDPOINTS_H

#include <stdbool.h>
#include <stddef.h>

#include "aws/profile.h"
#include "util/err.h"

#define ENDPOINTS_MAX_REGION 64
#define ENDPOINTS_MAX_URL 1024

enum endpoints_service {
    ENDPOINTS_IAM,
    ENDPOINTS_STS,
    ENDPOINTS_SAGEMAKER,
    ENDPOINTS_S3,
    ENDPOINTS_KMS,
    ENDPOINTS_N_SERVICES,
};

typedef struct endpoints_partition {
    const char *id;            /* "aws", "aws-cn", ... */
    const char *dns_suffix;    /* "amazonaws.com", "amazonaws.com.cn", ... */
    const char *home_region;   /* where the global IAM endpoint signs */
    const char *iam_host;      /* the global IAM endpoint's host */
    const char *iam_fips_host; /* NULL: no FIPS IAM endpoint in this partition */
} endpoints_partition;

/* Tri-state so a zeroed struct means "not configured": the environment may decide. */
enum endpoints_flag {
    ENDPOINTS_UNSET = 0,
    ENDPOINTS_ON,
    ENDPOINTS_OFF,
};

typedef struct endpoints_opts {
    /* The provider's `endpoints` config per service (indexed by enum endpoints_service);
     * NULL or "" = not set. */
    const char *overrides[ENDPOINTS_N_SERVICES];
    /* useFipsEndpoint; UNSET = AWS_USE_FIPS_ENDPOINT ("true", any case) decides. */
    enum endpoints_flag use_fips;
    bool skip_region_validation; /* skipRegionValidation */
} endpoints_opts;

typedef struct endpoints_result {
    char url[ENDPOINTS_MAX_URL]; /* scheme://host[:port][/path], no trailing '/' */
    char signing_region[ENDPOINTS_MAX_REGION];
    const char *signing_name; /* "iam", "sts", "sagemaker", "s3", "kms" */
    const endpoints_partition *partition;
    const char *source; /* "standard", "provider endpoints config", "AWS_ENDPOINT_URL_IAM", ... */
    bool fips;
} endpoints_result;

/* "iam", "sts", "sagemaker", "s3", "kms"; NULL for an unknown value. */
const char *endpoints_service_name(enum endpoints_service svc);
/* The partition a region belongs to (never NULL: unknown regions are in "aws"). */
const endpoints_partition *endpoints_partition_for(const char *region);
/* Checks the region's shape, ^[a-z]{2}(-[a-z]+)+-[0-9]+$; the error names the region and the
 * rule. With skip set only host safety is checked (1-63 bytes of [a-z0-9-]): the region goes
 * into a host name, and that check is never skipped. */
int endpoints_validate_region(const char *region, bool skip, err *e);
/* The endpoint and signing region of svc in region. env may be NULL (no environment). */
int endpoints_resolve(enum endpoints_service svc, const char *region, const endpoints_opts *opts,
                      const profile_env *env, endpoints_result *out, err *e);

/* The region: config_region > AWS_REGION > AWS_DEFAULT_REGION > `region` of the selected
 * profile (ps may be NULL). Validated as endpoints_validate_region(skip) does; the error names
 * where the value came from, and when nothing is set, everything that was tried. *source (may
 * be NULL) gets "provider config", "AWS_REGION", "AWS_DEFAULT_REGION" or "profile". */
int endpoints_region(const char *config_region, const profile_set *ps, const profile_env *env,
                     bool skip, char *out, size_t outlen, const char **source, err *e);

#endif
