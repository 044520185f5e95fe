#include "provider.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "aws/client.h"

static atomic_bool cancelled;
static atomic_bool engine_gone;
static pthread_mutex_t cfg_lock = PTHREAD_MUTEX_INITIALIZER;
static pv *config;
static aws_client *client;
/* Clients replaced by a later Configure, freed at reset (a call may still use one). */
static aws_client **retired;
static size_t n_retired;

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

void provider_set_config(pv *cfg)
{
    pthread_mutex_lock(&cfg_lock);
    pv *old = config;
    config = cfg;
    pthread_mutex_unlock(&cfg_lock);
    pv_free(old);
}

pv *provider_config_copy(void)
{
    pthread_mutex_lock(&cfg_lock);
    pv *c = config ? pv_copy(config) : NULL;
    pthread_mutex_unlock(&cfg_lock);
    return c;
}

bool provider_configured(void)
{
    pthread_mutex_lock(&cfg_lock);
    bool r = config != NULL;
    pthread_mutex_unlock(&cfg_lock);
    return r;
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
    provider_set_config(NULL);
    pthread_mutex_lock(&cfg_lock);
    aws_client_free(client);
    client = NULL;
    for (size_t i = 0; i < n_retired; i++)
        aws_client_free(retired[i]);
    free(retired);
    retired = NULL;
    n_retired = 0;
    pthread_mutex_unlock(&cfg_lock);
}
