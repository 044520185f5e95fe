#include "provider.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "aws/client.h"
#include "util/str.h"

static atomic_bool cancelled;
static atomic_bool engine_gone;
static pthread_mutex_t cfg_lock = PTHREAD_MUTEX_INITIALIZER;
static config_settings *conf;
static aws_client *client;
/* Clients and configurations replaced by a later Configure, freed at reset (a
 * call may still use one). */
static aws_client **retired;
static size_t n_retired;
static config_settings **retired_configs;
static size_t n_retired_configs;
/* Clients of other regions than the configured one, built on first use from
 * the same configuration and shared by every call until reset. */
#define PROVIDER_MAX_REGIONS 64
static struct {
    char region[ENDPOINTS_MAX_REGION];
    aws_client *client;
} regional[PROVIDER_MAX_REGIONS];
static size_t n_regional;

void provider_cancel(void)
{
    atomic_store(&cancelled, true);
}

bool provider_cancelled(void)
{
    return atomic_load(&cancelled);
}

void provider_set_engine_gone(void)
{
    atomic_store(&engine_gone, true);
}

bool provider_engine_gone(void)
{
    return atomic_load(&engine_gone);
}

void provider_set_config(config_settings *c)
{
    pthread_mutex_lock(&cfg_lock);
    if (conf) {
        config_settings **r = realloc(retired_configs, (n_retired_configs + 1) * sizeof(*r));
        if (r) {
            retired_configs = r;
            retired_configs[n_retired_configs++] = conf;
        } /* else: keep it alive rather than free it under a running call */
    }
    conf = c;
    pthread_mutex_unlock(&cfg_lock);
}

const config_settings *provider_config(void)
{
    pthread_mutex_lock(&cfg_lock);
    const config_settings *c = conf;
    pthread_mutex_unlock(&cfg_lock);
    return c;
}

bool provider_configured(void)
{
    return provider_config() != NULL;
}

/* Keeps a replaced client alive until reset (a call may still hold it). */
static void retire(aws_client *old)
{
    aws_client **r = realloc(retired, (n_retired + 1) * sizeof(*r));
    if (r) {
        retired = r;
        retired[n_retired++] = old;
    } /* else: leak it rather than free it under a running call */
}

void provider_set_client(aws_client *c)
{
    pthread_mutex_lock(&cfg_lock);
    if (client)
        retire(client);
    /* The other regions' clients were built from the old configuration. */
    for (size_t i = 0; i < n_regional; i++)
        retire(regional[i].client);
    n_regional = 0;
    client = c;
    pthread_mutex_unlock(&cfg_lock);
}

/* Under cfg_lock: the client serving region, or NULL with e set (not
 * configured, too many regions), or NULL and e clear when one is to be made. */
static aws_client *client_for_locked(const char *region, err *e)
{
    if (client && (!region || !*region || strcmp(region, aws_client_region(client)) == 0))
        return client;
    if (!client || !conf) {
        err_set(e, ERR_FAILED_PRECONDITION,
                "the awsml provider is not configured (Configure has not run)");
        return NULL;
    }
    for (size_t i = 0; i < n_regional; i++)
        if (strcmp(regional[i].region, region) == 0)
            return regional[i].client;
    if (n_regional == PROVIDER_MAX_REGIONS || strlen(region) >= sizeof(regional[0].region))
        err_set(e, ERR_RESOURCE_EXHAUSTED,
                "region '%.64s': awsml serves at most %d regions per provider", region,
                PROVIDER_MAX_REGIONS);
    return NULL;
}

aws_client *provider_client_for(const char *region, err *e)
{
    aws_client *made = NULL;
    err le = {0}; /* e is the caller's: written only on failure */
    pthread_mutex_lock(&cfg_lock);
    aws_client *c = client_for_locked(region, &le);
    const config_settings *from = conf; /* alive until reset, also when replaced */
    pthread_mutex_unlock(&cfg_lock);
    if (c)
        return c;
    if (le.code) {
        *e = le;
        return NULL;
    }
    /* Made outside the lock: reading profile files must not hold up Check and
     * Diff, which take the lock on the polling thread (provider_fill_ctx). */
    aws_options o = from->aws;
    o.region = region;
    if (aws_client_new(&o, &made, &le) != 0) {
        err_set(e, le.code, "region '%.64s': %s", region, le.msg);
        return NULL;
    }
    pthread_mutex_lock(&cfg_lock);
    if (conf != from) {
        retire(made); /* Configure ran meanwhile: serve this call, free at reset */
        c = made;
    } else if ((c = client_for_locked(region, &le)) != NULL) {
        aws_client_free(made); /* another call made it first; nobody holds ours */
    } else if (!le.code) {
        str_copy(regional[n_regional].region, sizeof(regional[0].region), region);
        regional[n_regional++].client = c = made;
    } else {
        aws_client_free(made);
        *e = le;
    }
    pthread_mutex_unlock(&cfg_lock);
    return c;
}

void provider_fill_ctx(res_ctx *ctx)
{
    ctx->client_for = provider_client_for;
    ctx->config = provider_config();
    ctx->shutting_down = provider_cancelled;
    ctx->engine_gone = provider_engine_gone;
}

aws_client *provider_client(void)
{
    pthread_mutex_lock(&cfg_lock);
    aws_client *c = client;
    pthread_mutex_unlock(&cfg_lock);
    return c;
}

void provider_reset(void)
{
    pthread_mutex_lock(&cfg_lock);
    /* Clients first: they borrow from their configurations. */
    aws_client_free(client);
    client = NULL;
    for (size_t i = 0; i < n_regional; i++)
        aws_client_free(regional[i].client);
    n_regional = 0;
    for (size_t i = 0; i < n_retired; i++)
        aws_client_free(retired[i]);
    free(retired);
    retired = NULL;
    n_retired = 0;
    config_free(conf);
    conf = NULL;
    for (size_t i = 0; i < n_retired_configs; i++)
        config_free(retired_configs[i]);
    free(retired_configs);
    retired_configs = NULL;
    n_retired_configs = 0;
    pthread_mutex_unlock(&cfg_lock);
}
