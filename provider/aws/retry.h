/* retry: when and how long to wait before trying an AWS call again, as the
 * AWS SDKs' "standard" retry mode does: up to max_attempts in all (default 3,
 * maxRetries + 1 / AWS_MAX_ATTEMPTS), exponential backoff with full jitter
 * capped at 20 s, on throttling error codes, transient HTTP statuses
 * (500, 502, 503, 504) and transport failures. A request whose effect is
 * unknown (sent, then timed out, reset or truncated) is retried only when it
 * is idempotent (reads, or writes carrying a client token). */
#ifndef AWSML_AWS_RETRY_H
#define AWSML_AWS_RETRY_H

#include <stdbool.h>
#include <stddef.h>

#include "aws/http.h"

#define RETRY_DEFAULT_MAX_ATTEMPTS 3
#define RETRY_BASE_DELAY_MS 1000L
#define RETRY_MAX_BACKOFF_MS 20000L

typedef struct retry_policy {
    int max_attempts;    /* total attempts, >= 1 */
    long base_delay_ms;  /* 0 = RETRY_BASE_DELAY_MS */
    long max_backoff_ms; /* 0 = RETRY_MAX_BACKOFF_MS */
} retry_policy;

/* true for AWS error codes that mean "slow down" (Throttling, ThrottlingException,
 * TooManyRequestsException, RequestLimitExceeded, ...). */
bool retry_is_throttle_code(const char *aws_code);
/* true for codes AWS documents as transient (RequestTimeout, InternalError, ...). */
bool retry_is_transient_code(const char *aws_code);
/* The lists behind the two (codes compared exactly, case included), *n
 * entries each: for tests and anything that shows them. */
const char *const *retry_throttle_codes(size_t *n);
const char *const *retry_transient_codes(size_t *n);

/* Whether attempt number `attempt` (1-based, the one that just failed) should be
 * followed by another. failure is HTTP_OK when a response arrived, then
 * http_status and aws_code (may be NULL) describe it. */
bool retry_should(const retry_policy *p, int attempt, enum http_failure failure, long http_status,
                  const char *aws_code, bool idempotent);

/* The wait before attempt `attempt + 1`: uniform in [0, min(base * 2^(attempt-1), max)];
 * rand01 is a random number in [0, 1). */
long retry_delay_ms(const retry_policy *p, int attempt, double rand01);

#endif
