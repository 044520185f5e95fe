/* retry: the AWS SDKs' "standard" retry mode as pure functions, so the
 * decisions can be tested as a table and the caller owns the waiting (it
 * must be cancellable, which a sleep in here could not be). */
#include "aws/retry.h"

#include <math.h>
#include <stddef.h>
#include <string.h>

/* Error codes the SDKs treat as throttling (botocore's and aws-sdk-go-v2's
 * lists, which agree). Throttling is always a "did not do it" answer. */
static const char *const throttle_codes[] = {
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestThrottledException",
    "TooManyRequestsException",
    "ProvisionedThroughputExceededException",
    "TransactionInProgressException",
    "RequestLimitExceeded",
    "BandwidthLimitExceeded",
    "LimitExceededException",
    "RequestThrottled",
    "SlowDown",
    "PriorRequestNotComplete",
    "EC2ThrottledException",
};

/* Codes AWS documents as transient server-side conditions. */
static const char *const transient_codes[] = {
    "RequestTimeout",  "RequestTimeoutException", "InternalError",
    "InternalFailure", "ServiceUnavailable",      "IDPCommunicationError",
};

static bool in_list(const char *code, const char *const *list, size_t n)
{
    if (!code || !*code)
        return false;
    for (size_t i = 0; i < n; i++)
        if (strcmp(code, list[i]) == 0)
            return true;
    return false;
}

bool retry_is_throttle_code(const char *aws_code)
{
    return in_list(aws_code, throttle_codes, sizeof throttle_codes / sizeof throttle_codes[0]);
}

bool retry_is_transient_code(const char *aws_code)
{
    return in_list(aws_code, transient_codes, sizeof transient_codes / sizeof transient_codes[0]);
}

const char *const *retry_throttle_codes(size_t *n)
{
    *n = sizeof throttle_codes / sizeof throttle_codes[0];
    return throttle_codes;
}

const char *const *retry_transient_codes(size_t *n)
{
    *n = sizeof transient_codes / sizeof transient_codes[0];
    return transient_codes;
}

static bool transient_status(long status)
{
    return status == 500 || status == 502 || status == 503 || status == 504;
}

bool retry_should(const retry_policy *p, int attempt, enum http_failure failure, long http_status,
                  const char *aws_code, bool idempotent)
{
    int max_attempts = p && p->max_attempts >= 1 ? p->max_attempts : RETRY_DEFAULT_MAX_ATTEMPTS;
    if (attempt >= max_attempts)
        return false;

    switch (failure) {
    case HTTP_OK:
        /* AWS answered. A throttle or a 5xx is retried whatever the call: the
         * SDKs do so for every operation, relying on AWS not having acted when
         * it says it could not. */
        return retry_is_throttle_code(aws_code) || retry_is_transient_code(aws_code) ||
               transient_status(http_status);
    case HTTP_FAIL_CONNECT:
        /* Nothing was sent: always safe. */
        return true;
    case HTTP_FAIL_TIMEOUT:
    case HTTP_FAIL_RESET:
    case HTTP_FAIL_TRUNCATED:
        /* Sent, but the outcome is unknown: only calls that can run twice. */
        return idempotent;
    case HTTP_FAIL_TOO_LARGE:
    case HTTP_FAIL_TLS:
    case HTTP_FAIL_CANCELLED:
    case HTTP_FAIL_OTHER:
        break;
    }
    return false;
}

long retry_delay_ms(const retry_policy *p, int attempt, double rand01)
{
    long base = p && p->base_delay_ms > 0 ? p->base_delay_ms : RETRY_BASE_DELAY_MS;
    long cap = p && p->max_backoff_ms > 0 ? p->max_backoff_ms : RETRY_MAX_BACKOFF_MS;
    if (attempt < 1)
        attempt = 1;

    /* base * 2^(attempt-1), doubled step by step so a large attempt number
     * saturates at the cap instead of overflowing. */
    long ceiling = base < cap ? base : cap;
    for (int i = 1; i < attempt && ceiling < cap; i++)
        ceiling = ceiling > cap / 2 ? cap : ceiling * 2;

    /* Full jitter over the whole closed range [0, ceiling]; a NaN or an
     * out-of-range rand01 from a careless caller must not escape it. */
    if (!(rand01 >= 0.0))
        rand01 = 0.0;
    if (rand01 >= 1.0)
        rand01 = nextafter(1.0, 0.0);
    long d = (long)floor(rand01 * ((double)ceiling + 1.0));
    return d > ceiling ? ceiling : d;
}
