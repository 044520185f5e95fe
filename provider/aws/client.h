/* client: the one AWS client of the provider. Built from plain options (the
 * config layer, provider/config.c, makes them from the provider configuration),
 * it resolves region, endpoints, credentials and retry policy once, and sends
 * signed requests for every resource:
 *
 *   aws_options -> aws_client_new -> aws_query (IAM, STS: form POST, XML)
 *                                 -> aws_json  (SageMaker: JSON 1.1)
 *                                 -> aws_raw_call (S3 REST: aws/s3.h builds it)
 *
 * Each call signs with SigV4, sends through http.c, retries per retry.h
 * (re-signing every attempt), and turns AWS errors into one err record a user
 * can act on. A cancel callback aborts waits and transfers. */
#ifndef AWSML_AWS_CLIENT_H
#define AWSML_AWS_CLIENT_H

#include <stdbool.h>
#include <stddef.h>

#include "aws/credentials.h"
#include "aws/endpoints.h"
#include "aws/http.h"
#include "aws/profile.h"
#include "aws/query.h"
#include "aws/xml.h"
#include "util/err.h"

typedef struct aws_client aws_client;

/* Per-call cancellation: aborts retry waits and transfers. */
typedef struct aws_cancel {
    http_cancel_fn fn;
    void *ctx;
} aws_cancel;

/* The option a broken rule is about, for the layer above to name in its own
 * terms (aws_report). NONE: the environment or a default file is at fault. */
enum aws_opt {
    AWS_OPT_NONE = 0,
    AWS_OPT_REGION,
    AWS_OPT_PROFILE,
    AWS_OPT_SHARED_CREDENTIALS_FILES,
    AWS_OPT_SHARED_CONFIG_FILES,
    AWS_OPT_SKIP_REGION_VALIDATION,
    AWS_OPT_ENDPOINTS,
    AWS_OPT_USE_FIPS_ENDPOINT,
    AWS_OPT_STS_REGION,
    AWS_OPT_MAX_ATTEMPTS,
    AWS_OPT_CA_BUNDLE,
    AWS_OPT_INSECURE,
    AWS_OPT_N,
};
#define AWS_OPT_BIT(o) (1u << (o))

/* Everything the client is built from. Zeroed = every default (the
 * environment, the default files and the SDKs' defaults decide); a string
 * NULL or "" is not set. What the credential chain and the account guards
 * read later (keys, web identity, assumed roles, account ids) is borrowed and
 * must outlive the client; the rest is copied while it is built. */
typedef struct aws_options {
    const profile_env *env; /* NULL: the process environment */
    const char *region;     /* else AWS_REGION, AWS_DEFAULT_REGION, the profile's */
    const char *profile;    /* else AWS_PROFILE, else "default" */
    const char *const *shared_credentials_files;
    size_t n_shared_credentials_files;
    const char *const *shared_config_files;
    size_t n_shared_config_files;
    /* Credentials: static keys, web identity and the roles assumed on top
     * (credentials.h has the chain). */
    const char *access_key, *secret_key, *token;
    const creds_web_identity *web_identity;
    const creds_assume_role *assume_roles;
    size_t n_assume_roles;
    bool skip_metadata_api_check;
    /* Endpoints: an override URL per service, FIPS, STS's own region. */
    const char *endpoints[ENDPOINTS_N_SERVICES];
    enum endpoints_flag use_fips_endpoint;
    const char *sts_region;
    bool skip_region_validation;
    /* Attempts per call in all; 0 = AWS_MAX_ATTEMPTS, else RETRY_DEFAULT_MAX_ATTEMPTS. */
    int max_attempts;
    /* HTTP: CA bundle (else AWS_CA_BUNDLE, else the system store), proxies
     * (NULL = curl's environment variables). */
    const char *ca_bundle;
    bool insecure;
    const char *http_proxy, *https_proxy, *no_proxy;
    /* aws_client_validate: STS GetCallerIdentity, and the account guards
     * (an empty allowed list allows every account). */
    bool skip_credentials_validation, skip_requesting_account_id;
    const char *const *allowed_account_ids;
    size_t n_allowed_account_ids;
    const char *const *forbidden_account_ids;
    size_t n_forbidden_account_ids;
    /* AWS_OPT_BIT()s of options whose value is not known yet (a preview's
     * CheckConfig) or was refused already: rules that depend on them are not
     * judged, so one cause gives one problem. */
    unsigned unsettled;
} aws_options;

/* Where aws_options_check reports each broken rule: opt is the option at
 * fault, e the reason (and its code). 0, or -1 when it cannot be recorded
 * (e then says why: out of memory). fn NULL: the first broken rule is the
 * error. */
typedef struct aws_report {
    int (*fn)(void *ctx, enum aws_opt opt, err *e);
    void *ctx;
} aws_report;

/* Every rule aws_client_new applies that depends only on the options, the
 * environment and local files (shared files parse, a region is found and
 * well formed, endpoint URLs, FIPS against the partition, the CA bundle can
 * be read, AWS_MAX_ATTEMPTS, AWSML_HTTP_TIMEOUT_MS, AWSML_RETRY_BASE_MS), with
 * no network call and no credential lookup (a profile that no file defines
 * is found out when the credential chain reaches it). Each broken rule goes
 * to report, so every problem comes out at once. -1 only when memory runs
 * out or report refuses (e says why). */
int aws_options_check(const aws_options *o, aws_report report, err *e);
/* The same rules, then the client (no network: credentials are resolved on
 * first use). The first broken rule is the error. */
int aws_client_new(const aws_options *o, aws_client **out, err *e);
void aws_client_free(aws_client *c);

/* STS GetCallerIdentity unless skip_credentials_validation (and for the
 * account id unless skip_requesting_account_id), then the allowed and
 * forbidden account ids. The error says which credentials were used and why
 * AWS refused them. */
int aws_client_validate(aws_client *c, aws_cancel cancel, err *e);

const char *aws_client_region(const aws_client *c);
const char *aws_client_account_id(const aws_client *c); /* "" when not known */
const char *aws_client_partition(const aws_client *c);  /* "aws", "aws-cn", ... */

/* What the attempts of one failed call tell about its effect, for writes
 * that are not idempotent (creates): maybe_applied is set once an attempt
 * was sent and came back without a definite answer (timed out, reset or cut
 * short after sending, cancelled in flight, a 5xx, or a 2xx that could not
 * be read). The write may then have happened even though the call failed,
 * possibly with a later attempt's "already exists". Throttling and other
 * 4xx answers, and connections never made, leave it alone. The caller
 * zeroes it. */
typedef struct aws_outcome {
    bool maybe_applied;
} aws_outcome;

/* A query-protocol call (IAM, STS). *out is the response document root
 * (<ActionResponse>); free with xml_free. */
int aws_query(aws_client *c, enum endpoints_service svc, const char *action, query *q,
              bool idempotent, aws_cancel cancel, xml_node **out, err *e);
/* The same, reporting into *outcome (may be NULL). */
int aws_query_ex(aws_client *c, enum endpoints_service svc, const char *action, query *q,
                 bool idempotent, aws_cancel cancel, aws_outcome *outcome, xml_node **out, err *e);

/* A JSON 1.1 call: X-Amz-Target "<target>" (e.g. "SageMaker.CreatePipeline"),
 * body a JSON object. *out is the response body (malloc'ed, NUL-terminated). */
int aws_json(aws_client *c, enum endpoints_service svc, const char *target, const char *body,
             bool idempotent, aws_cancel cancel, char **out, size_t *outlen, err *e);
int aws_json_ex(aws_client *c, enum endpoints_service svc, const char *target, const char *body,
                bool idempotent, aws_cancel cancel, aws_outcome *outcome, char **out,
                size_t *outlen, err *e);

/* Request headers one call may carry besides the signer's. */
#define AWS_MAX_HEADERS 48

/* The resolved endpoint of a service (URL, signing region, partition, where
 * it came from). */
const endpoints_result *aws_client_endpoint(const aws_client *c, enum endpoints_service svc);

/* One signed REST request as aws/s3.c builds it: the URL in parts (base
 * scheme://host[:port], NULL = the service endpoint's; path and query on the
 * wire, already encoded), the body in memory or streamed through reader
 * (body_len bytes; payload_hash then required: the lowercase hex SHA-256 the
 * caller computed, or SIGV4_UNSIGNED_PAYLOAD), XML errors (<Error><Code>;
 * a body-less answer gets the SDKs' code for its status: NotFound,
 * PermanentRedirect, ...). Retried like every call. On failure *resp still
 * holds the last answer (status, x-amz-bucket-region); free it either way. */
typedef struct aws_raw {
    enum endpoints_service svc;
    const char *operation; /* for errors and logs: "PutBucketTagging" */
    const char *method;
    const char *base;
    const char *signing_region; /* NULL = the endpoint's */
    const char *path;
    const char *query;
    const http_header *headers; /* at most AWS_MAX_HEADERS */
    size_t n_headers;
    const void *body;
    size_t body_len;
    const http_body_reader *reader;
    const char *payload_hash;
    const char *const *capture; /* response headers to keep (http_request.capture) */
    size_t n_capture;
    size_t max_response; /* 0 = HTTP_DEFAULT_MAX_RESPONSE */
    bool idempotent;
    aws_outcome *outcome; /* may be NULL */
    bool keep_headers;    /* every response header (http_response.headers) */
} aws_raw;

int aws_raw_call(aws_client *c, const aws_raw *r, aws_cancel cancel, http_response *resp, err *e);

#endif
