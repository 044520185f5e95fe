#include "provider.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "aws/client.h"

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

void provider_set_client(aws_client *c)
{
    pthread_mutex_lock(&cfg_lock);
    if (client) {
        aws_client **r = realloc(retired, (n_retired + 1) * sizeof(*r));
        if (r) {
            retired = r;
            retired[n_retired++] = client;
        } /* else: keep it alive rather than free it under a running call */
    }
    client = c;
    pthread_mutex_unlock(&cfg_lock);
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
