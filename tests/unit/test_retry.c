/* Unit tests for provider/aws/retry.c: the retry decision table (error codes,
 * statuses, transport failures by idempotency, attempt limits) and the backoff
 * delay (exponential growth, cap, full-jitter range). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "aws/retry.h"

/* Every code of retry.c's own lists is classified as its list says, and as
 * nothing else; the lists are disjoint, without duplicates or empty entries;
 * codes are compared exactly (case and all). */
static void check_list(const char *const *codes, size_t n, bool throttle)
{
    assert_true(n > 0);
    for (size_t i = 0; i < n; i++) {
        const char *c = codes[i];
        assert_non_null(c);
        assert_true(c[0] != '\0');
        assert_true(retry_is_throttle_code(c) == throttle);
        assert_true(retry_is_transient_code(c) == !throttle);
        for (size_t j = i + 1; j < n; j++)
            if (strcmp(c, codes[j]) == 0)
                fail_msg("%s is listed twice", c);
        /* Any call, idempotent or not, is retried on it while attempts remain. */
        retry_policy p = {.max_attempts = 2};
        assert_true(retry_should(&p, 1, HTTP_OK, 400, c, false));
        assert_false(retry_should(&p, 2, HTTP_OK, 400, c, true));
        /* Near misses are not it. */
        char v[128];
        size_t len = strlen(c);
        assert_true(len + 2 < sizeof(v));
        for (size_t k = 0; k <= len; k++)
            v[k] = (char)((c[k] >= 'A' && c[k] <= 'Z') ? c[k] - 'A' + 'a' : c[k]);
        if (strcmp(v, c) != 0 && (retry_is_throttle_code(v) || retry_is_transient_code(v)))
            fail_msg("%s (lower case) is classified", v);
        memcpy(v, c, len);
        v[len] = 'X';
        v[len + 1] = '\0';
        assert_false(retry_is_throttle_code(v) || retry_is_transient_code(v));
        v[len - 1] = '\0';
        if (retry_is_throttle_code(v) || retry_is_transient_code(v))
            fail_msg("%s (shortened) is classified", v);
    }
}

static void test_codes(void **state)
{
    (void)state;
    size_t n_throttle, n_transient;
    const char *const *throttle = retry_throttle_codes(&n_throttle);
    const char *const *transient = retry_transient_codes(&n_transient);
    check_list(throttle, n_throttle, true);
    check_list(transient, n_transient, false);
    /* The codes the services awsml calls answer when they throttle (IAM and
     * STS: Throttling; SageMaker: ThrottlingException; S3: SlowDown) and the
     * generic ones must stay in. */
    static const char *const must[] = {"Throttling", "ThrottlingException", "SlowDown",
                                       "TooManyRequestsException", "RequestLimitExceeded"};
    for (size_t i = 0; i < sizeof must / sizeof must[0]; i++)
        assert_true(retry_is_throttle_code(must[i]));
    static const char *const neither[] = {
        "",
        "ValidationException",
        "AccessDenied",
        "NoSuchEntity",
        "MalformedPolicyDocument",
        "ConcurrentModification",
    };
    for (size_t i = 0; i < sizeof neither / sizeof neither[0]; i++) {
        assert_false(retry_is_throttle_code(neither[i]));
        assert_false(retry_is_transient_code(neither[i]));
    }
    assert_false(retry_is_throttle_code(NULL));
    assert_false(retry_is_transient_code(NULL));
}

typedef struct decision {
    enum http_failure failure;
    long status;
    const char *code;
    bool idempotent;
    bool want;
} decision;

static void test_decisions(void **state)
{
    (void)state;
    static const decision table[] = {
        /* responses: throttles and transient errors retry whatever the call */
        {HTTP_OK, 400, "Throttling", false, true},
        {HTTP_OK, 400, "ThrottlingException", true, true},
        {HTTP_OK, 429, "TooManyRequestsException", false, true},
        {HTTP_OK, 503, "SlowDown", false, true},
        {HTTP_OK, 400, "RequestTimeout", false, true},
        {HTTP_OK, 500, "InternalFailure", false, true},
        {HTTP_OK, 500, NULL, false, true},
        {HTTP_OK, 502, NULL, false, true},
        {HTTP_OK, 503, NULL, true, true},
        {HTTP_OK, 504, "", false, true},
        /* responses that are final */
        {HTTP_OK, 200, NULL, true, false},
        {HTTP_OK, 400, "ValidationException", true, false},
        {HTTP_OK, 403, "AccessDenied", true, false},
        {HTTP_OK, 404, "NoSuchEntity", true, false},
        {HTTP_OK, 409, "EntityAlreadyExists", true, false},
        {HTTP_OK, 501, NULL, true, false},
        {HTTP_OK, 505, NULL, true, false},
        /* transport: never sent, always safe */
        {HTTP_FAIL_CONNECT, 0, NULL, false, true},
        {HTTP_FAIL_CONNECT, 0, NULL, true, true},
        /* transport: effect unknown, idempotent calls only */
        {HTTP_FAIL_TIMEOUT, 0, NULL, true, true},
        {HTTP_FAIL_TIMEOUT, 0, NULL, false, false},
        {HTTP_FAIL_RESET, 0, NULL, true, true},
        {HTTP_FAIL_RESET, 0, NULL, false, false},
        {HTTP_FAIL_TRUNCATED, 0, NULL, true, true},
        {HTTP_FAIL_TRUNCATED, 0, NULL, false, false},
        /* transport: never */
        {HTTP_FAIL_TOO_LARGE, 0, NULL, true, false},
        {HTTP_FAIL_TLS, 0, NULL, true, false},
        {HTTP_FAIL_CANCELLED, 0, NULL, true, false},
        {HTTP_FAIL_OTHER, 0, NULL, true, false},
    };
    retry_policy p = {.max_attempts = 3};
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
        const decision *d = &table[i];
        bool got = retry_should(&p, 1, d->failure, d->status, d->code, d->idempotent);
        if (got != d->want)
            print_error("row %zu: failure %d status %ld code %s idempotent %d: got %d\n", i,
                        (int)d->failure, d->status, d->code ? d->code : "(null)", d->idempotent,
                        got);
        assert_int_equal(got, d->want);
        /* The last allowed attempt is never followed by another. */
        assert_false(retry_should(&p, 3, d->failure, d->status, d->code, d->idempotent));
    }
}

static void test_attempts(void **state)
{
    (void)state;
    retry_policy p = {.max_attempts = 5};
    for (int a = 1; a < 5; a++)
        assert_true(retry_should(&p, a, HTTP_FAIL_CONNECT, 0, NULL, false));
    assert_false(retry_should(&p, 5, HTTP_FAIL_CONNECT, 0, NULL, false));
    assert_false(retry_should(&p, 6, HTTP_FAIL_CONNECT, 0, NULL, false));

    /* maxRetries 0: one attempt, no retry */
    retry_policy one = {.max_attempts = 1};
    assert_false(retry_should(&one, 1, HTTP_OK, 503, NULL, true));

    /* an unset or nonsensical max_attempts is the SDKs' default of 3 */
    retry_policy zero = {0};
    assert_true(retry_should(&zero, 2, HTTP_OK, 503, NULL, true));
    assert_false(retry_should(&zero, 3, HTTP_OK, 503, NULL, true));
    assert_true(retry_should(NULL, 2, HTTP_OK, 503, NULL, true));
    assert_false(retry_should(NULL, 3, HTTP_OK, 503, NULL, true));
}

static void test_delay_bounds(void **state)
{
    (void)state;
    retry_policy p = {.max_attempts = 10};
    /* the ceiling is base * 2^(attempt-1), capped at 20 s */
    static const long ceilings[] = {1000, 2000, 4000, 8000, 16000, 20000, 20000, 20000};
    for (int a = 1; a <= 8; a++) {
        long top = retry_delay_ms(&p, a, 0.999999999);
        assert_int_equal(top, ceilings[a - 1]);
        assert_int_equal(retry_delay_ms(&p, a, 0.0), 0);
        long mid = retry_delay_ms(&p, a, 0.5);
        assert_true(mid >= ceilings[a - 1] / 2 - 1 && mid <= ceilings[a - 1] / 2 + 1);
    }
    /* huge attempt numbers saturate instead of overflowing */
    assert_int_equal(retry_delay_ms(&p, 1000, 0.999999999), RETRY_MAX_BACKOFF_MS);
    assert_int_equal(retry_delay_ms(&p, 2147483647, 0.999999999), RETRY_MAX_BACKOFF_MS);
    /* attempt 0 or negative behaves as the first */
    assert_int_equal(retry_delay_ms(&p, 0, 0.999999999), 1000);
    assert_int_equal(retry_delay_ms(&p, -3, 0.999999999), 1000);
    /* custom base and cap */
    retry_policy q = {.max_attempts = 3, .base_delay_ms = 50, .max_backoff_ms = 300};
    assert_int_equal(retry_delay_ms(&q, 1, 0.999999999), 50);
    assert_int_equal(retry_delay_ms(&q, 3, 0.999999999), 200);
    assert_int_equal(retry_delay_ms(&q, 4, 0.999999999), 300);
    assert_int_equal(retry_delay_ms(&q, 30, 0.999999999), 300);
    /* a base above the cap is held to the cap */
    retry_policy r = {.max_attempts = 3, .base_delay_ms = 5000, .max_backoff_ms = 700};
    assert_int_equal(retry_delay_ms(&r, 1, 0.999999999), 700);
    /* NULL policy = defaults */
    assert_int_equal(retry_delay_ms(NULL, 2, 0.999999999), 2000);
}

/* A uniform draw from [0, 1) by splitmix64: seeded, so the run is repeatable,
 * and owned by this test rather than the C library's shared generator. */
static double unit_draw(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    z ^= z >> 31;
    return (double)(z >> 11) / 9007199254740992.0; /* 2^53 */
}

static void test_jitter_range(void **state)
{
    (void)state;
    retry_policy p = {.max_attempts = 3};
    /* Full jitter: every value of rand01 in [0, 1) lands in [0, ceiling], the
     * mapping is monotonic, and both ends are reachable. */
    for (int a = 1; a <= 7; a++) {
        long ceiling = retry_delay_ms(&p, a, 0.999999999);
        long prev = -1;
        for (int i = 0; i < 1000; i++) {
            double u = i / 1000.0;
            long d = retry_delay_ms(&p, a, u);
            assert_true(d >= 0 && d <= ceiling);
            assert_true(d >= prev);
            prev = d;
        }
    }
    /* out-of-range inputs stay in range */
    assert_int_equal(retry_delay_ms(&p, 1, -1.0), 0);
    assert_int_equal(retry_delay_ms(&p, 1, 1.0), 1000);
    assert_int_equal(retry_delay_ms(&p, 1, 7.5), 1000);
    assert_int_equal(retry_delay_ms(&p, 1, NAN), 0);

    /* a spread of draws: the values cover the range, not just its ends */
    uint64_t seed = 12345;
    long lo = 20000, hi = 0;
    for (int i = 0; i < 2000; i++) {
        long d = retry_delay_ms(&p, 3, unit_draw(&seed));
        lo = d < lo ? d : lo;
        hi = d > hi ? d : hi;
    }
    assert_true(lo < 200);
    assert_true(hi > 3800 && hi <= 4000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_codes),        cmocka_unit_test(test_decisions),
        cmocka_unit_test(test_attempts),     cmocka_unit_test(test_delay_bounds),
        cmocka_unit_test(test_jitter_range),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
