/* Test-only resource types, linked into build/test/pulumi-resource-awsml and
 * never into the shipped binary. They let the integration and e2e suites
 * drive the plugin server through every RPC before real AWS resources exist,
 * and produce situations (blocked calls, cancellation, partial failure) on
 * demand.
 *
 *   awsml:test/echo:Echo    outputs = inputs + createdBy; "replaceKey" replaces
 *   awsml:test/probe:Probe  Create by "mode": barrier, waitCancel, stats,
 *                           initFail, log */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "resource.h"
#include "resources/common.h"
#include "util/log.h"
#include "util/str.h"

void test_resources_register(void);

/* ---- Echo ---------------------------------------------------------------- */

static pv *echo_outputs(const res_ctx *ctx, const pv *inputs)
{
    pv *out = pv_copy(inputs);
    if (!out)
        return NULL;
    pv *by = ctx->preview ? pv_unknown(PV_UNK_ANY) : pv_string("awsml");
    if (pv_object_set(out, "createdBy", by) != 0) {
        pv_free(out);
        return NULL;
    }
    return out;
}

static int echo_create(res_ctx *ctx, const pv *inputs, char **id, pv **outputs, err *e)
{
    char idbuf[600];
    snprintf(idbuf, sizeof(idbuf), "echo-%s", ctx->name);
    *id = ctx->preview ? NULL : str_dup(idbuf);
    *outputs = echo_outputs(ctx, inputs);
    if ((!ctx->preview && !*id) || !*outputs)
        return err_set(e, ERR_RESOURCE_EXHAUSTED, "out of memory");
    return 0;
}

static int echo_read(res_ctx *ctx, const char *id, const pv *props, const pv *inputs, char **new_id,
                     pv **outputs, pv **new_inputs, err *e)
{
    *new_id = str_dup(id);
    *outputs = pv_copy(props);
    *new_inputs = pv_copy(inputs);
    if (!*new_id || !*outputs || !*new_inputs)
        return err_set(e, ERR_RESOURCE_EXHAUSTED, "out of memory");
    return 0;
}

static int echo_update(res_ctx *ctx, const char *id, const pv *olds, const pv *news,
                       const pv *old_inputs, pv **outputs, err *e)
{
    *outputs = echo_outputs(ctx, news);
    return *outputs ? 0 : err_set(e, ERR_RESOURCE_EXHAUSTED, "out of memory");
}

static int echo_delete(res_ctx *ctx, const char *id, const pv *props, err *e)
{
    return 0;
}

static const char *const echo_replace[] = {"replaceKey", NULL};

static const resource_type echo_type = {
    .token = "test/echo:Echo",
    .create = echo_create,
    .read = echo_read,
    .update = echo_update,
    .del = echo_delete,
    .replace_props = echo_replace,
};

/* ---- Probe ------------------------------------------------------------------ */

static pthread_mutex_t probe_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t probe_cond = PTHREAD_COND_INITIALIZER;
static int barrier_in, barrier_peak;
static long cancels_observed;

static double num_prop(const pv *obj, const char *key, double dflt)
{
    const pv *v = pv_object_get(obj, key);
    return v && v->kind == PV_NUMBER ? v->u.n : dflt;
}

static void deadline_after_ms(struct timespec *ts, long ms)
{
    clock_gettime(CLOCK_REALTIME, ts);
    ts->tv_sec += ms / 1000;
    ts->tv_nsec += (ms % 1000) * 1000000L;
    if (ts->tv_nsec >= 1000000000L) {
        ts->tv_sec++;
        ts->tv_nsec -= 1000000000L;
    }
}

/* Waits until n calls are inside at once: only a server that runs n handlers
 * concurrently gets every caller through. */
static int probe_barrier(const pv *in, pv *out, err *e)
{
    int n = (int)num_prop(in, "n", 1);
    long ms = (long)num_prop(in, "timeoutMs", 20000);
    struct timespec ts;
    deadline_after_ms(&ts, ms);
    int rc = 0;
    pthread_mutex_lock(&probe_lock);
    barrier_in++;
    if (barrier_in > barrier_peak)
        barrier_peak = barrier_in;
    pthread_cond_broadcast(&probe_cond);
    while (barrier_peak < n) {
        if (pthread_cond_timedwait(&probe_cond, &probe_lock, &ts) == ETIMEDOUT) {
            rc = err_set(e, ERR_DEADLINE_EXCEEDED, "barrier timed out: %d of %d calls in flight",
                         barrier_in, n);
            break;
        }
    }
    int peak = barrier_peak;
    barrier_in--;
    if (barrier_in == 0)
        barrier_peak = 0;
    pthread_mutex_unlock(&probe_lock);
    if (rc == 0 && pv_object_set(out, "peak", pv_number(peak)) != 0)
        rc = err_set(e, ERR_RESOURCE_EXHAUSTED, "out of memory");
    return rc;
}

static int probe_wait_cancel(res_ctx *ctx, const pv *in, err *e)
{
    long ms = (long)num_prop(in, "timeoutMs", 20000);
    struct timespec step = {0, 10 * 1000000L};
    for (long waited = 0; waited < ms; waited += 10) {
        if (res_cancelled(ctx)) {
            pthread_mutex_lock(&probe_lock);
            cancels_observed++;
            pthread_mutex_unlock(&probe_lock);
            return err_set(e, ERR_CANCELLED, "operation cancelled");
        }
        nanosleep(&step, NULL);
    }
    return err_set(e, ERR_DEADLINE_EXCEEDED, "waitCancel: no cancellation within %ld ms", ms);
}

static int probe_create(res_ctx *ctx, const pv *inputs, char **id, pv **outputs, err *e)
{
    const pv *mode = pv_object_get(inputs, "mode");
    const char *m = mode && mode->kind == PV_STRING ? mode->u.str.s : "";
    int rc = -1;
    pv *out = pv_copy(inputs);
    if (!out)
        return err_set(e, ERR_RESOURCE_EXHAUSTED, "out of memory");
    if (strcmp(m, "barrier") == 0) {
        rc = probe_barrier(inputs, out, e);
    } else if (strcmp(m, "waitCancel") == 0) {
        rc = probe_wait_cancel(ctx, inputs, e);
    } else if (strcmp(m, "stats") == 0) {
        pthread_mutex_lock(&probe_lock);
        long n = cancels_observed;
        pthread_mutex_unlock(&probe_lock);
        rc = pv_object_set(out, "cancelsObserved", pv_number((double)n));
    } else if (strcmp(m, "initFail") == 0) {
        /* The resource "exists" but setting it up failed half way. */
        *id = str_dup("probe-partial");
        *outputs = out;
        return err_set(e, ERR_UNKNOWN, "probe: created, then failed to finish setting up");
    } else if (strcmp(m, "log") == 0) {
        log_user(LOG_INFO, ctx->urn, false, "probe says hello");
        log_user(LOG_INFO, ctx->urn, true, "probe status line");
        rc = 0;
    } else {
        rc = err_set(e, ERR_INVALID_ARGUMENT,
                     "property 'mode': must be barrier, waitCancel, stats, initFail or log");
    }
    if (rc != 0) {
        pv_free(out);
        return -1;
    }
    *id = str_dup("probe");
    *outputs = out;
    return *id ? 0 : err_set(e, ERR_RESOURCE_EXHAUSTED, "out of memory");
}

static const resource_type probe_type = {
    .token = "test/probe:Probe",
    .create = probe_create,
    .read = echo_read,
    .update = echo_update,
    .del = echo_delete,
};

void test_resources_register(void)
{
    registry_add(&echo_type);
    registry_add(&probe_type);
}
