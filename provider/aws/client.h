/* client: the one AWS client of the provider. Built from the provider
 * configuration at Configure, it resolves region, endpoints, credentials and
 * retry policy once, and sends signed requests for every resource:
 *
 *   engine config -> aws_client_new -> aws_query (IAM, STS: form POST, XML)
 *                                   -> aws_json  (SageMaker: JSON 1.1)
 *                                   -> aws_s3_object (GET/HEAD of one object)
 *
 * Each call signs with SigV4, sends through http.c, retries per retry.h
 * (re-signing every attempt), and turns AWS errors into one err record a user
 * can act on. A cancel callback aborts waits and transfers. */
#ifndef AWSML_AWS_CLIENT_H
#define AWSML_AWS_CLIENT_H

#include <stdbool.h>
#include <stddef.h>

#include "aws/endpoints.h"
#include "aws/http.h"
#include "aws/profile.h"
#include "aws/query.h"
#include "aws/xml.h"
#include "props.h"
#include "resource.h"
#include "util/err.h"

typedef struct aws_client aws_client;

/* Per-call cancellation: aborts retry waits and transfers. */
typedef struct aws_cancel {
    http_cancel_fn fn;
    void *ctx;
} aws_cancel;

/* Builds the client from the provider configuration (keys as pulumi-aws names
 * them; values may be JSON-encoded strings, as provider resources send them).
 * env NULL = the process environment. Errors name the key and the rule. */
int aws_client_new(const pv *config, const profile_env *env, aws_client **out, err *e);
/* The checks of aws_client_new without a client (CheckConfig): every rule that
 * depends only on the values, the environment and local files, with no network
 * call and no credential lookup (a profile that no file defines is found out when
 * the credential chain reaches it, at Configure). Each broken rule is added to f
 * with the config key it is about ("" when an environment variable or a default
 * file is at fault) and the same reason aws_client_new would give; values not
 * known yet are not judged. -1 only when memory runs out (e says so). */
int aws_config_check(const pv *config, const profile_env *env, check_failures *f, err *e);
void aws_client_free(aws_client *c);

/* STS GetCallerIdentity unless skipCredentialsValidation (and for the account
 * id unless skipRequestingAccountId), then allowedAccountIds /
 * forbiddenAccountIds. The error says which credentials were used and why
 * AWS refused them. */
int aws_client_validate(aws_client *c, aws_cancel cancel, err *e);

const char *aws_client_region(const aws_client *c);
/* The configuration as the client read it: secrets removed, JSON-encoded
 * list and object values decoded. Lives as long as the client. */
const pv *aws_client_config(const aws_client *c);
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

/* GET (or HEAD when head) of s3://bucket/key[?versionId]. A missing object or
 * bucket is ERR_NOT_FOUND. With GET, *out receives the body (may be NULL for HEAD). */
int aws_s3_object(aws_client *c, const char *bucket, const char *key, const char *version_id,
                  bool head, aws_cancel cancel, char **out, size_t *outlen, err *e);

#endif
