#include "util/mem.h"

#include <pthread.h>
#include <stdlib.h>

#include <cjson/cJSON.h>

static _Thread_local unsigned long failures;

void mem_note_failure(void)
{
    failures++;
}

unsigned long mem_failures(void)
{
    return failures;
}

static void *cjson_malloc(size_t n)
{
    void *p = malloc(n);
    if (!p)
        mem_note_failure();
    return p;
}

static void cjson_free(void *p)
{
    free(p);
}

static void install(void)
{
    cJSON_Hooks h = {cjson_malloc, cjson_free};
    cJSON_InitHooks(&h);
}

void mem_init_cjson(void)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, install);
}
