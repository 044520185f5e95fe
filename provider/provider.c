#include "provider.h"

#include <pthread.h>
#include <stdatomic.h>

static atomic_bool cancelled;
static pthread_mutex_t cfg_lock = PTHREAD_MUTEX_INITIALIZER;
static pv *config;

void provider_cancel(void)
{
    atomic_store(&cancelled, true);
}

bool provider_cancelled(void)
{
    return atomic_load(&cancelled);
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

void provider_reset(void)
{
    provider_set_config(NULL);
}
