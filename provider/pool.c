#include "pool.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

#include "util/log.h"

typedef struct job {
    pool_fn fn;
    void *arg;
    struct job *next;
} job;

static struct {
    pthread_mutex_t lock;
    pthread_cond_t work;
    job *head, *tail;
    size_t threads, idle, max, pending, running;
    pthread_t *tids;
    bool stopping, ready;
} P = {.lock = PTHREAD_MUTEX_INITIALIZER, .work = PTHREAD_COND_INITIALIZER};

/* protobuf-c decodes nested messages recursively with sizeable frames; the
 * wire depth check bounds the nesting, and 8 MiB of stack (address space,
 * paid for only when touched) covers that bound plus libcurl and OpenSSL. */
#define POOL_STACK_SIZE (8 * 1024 * 1024)

int pool_init(size_t max_threads)
{
    pthread_mutex_lock(&P.lock);
    P.max = max_threads ? max_threads : POOL_MAX_THREADS;
    P.tids = calloc(P.max, sizeof(pthread_t));
    P.ready = P.tids != NULL;
    P.stopping = false;
    pthread_mutex_unlock(&P.lock);
    return P.tids ? 0 : -1;
}

static void *pool_worker(void *unused)
{
    (void)unused;
    pthread_mutex_lock(&P.lock);
    for (;;) {
        while (!P.head && !P.stopping) {
            P.idle++;
            pthread_cond_wait(&P.work, &P.lock);
            P.idle--;
        }
        if (!P.head)
            break; /* stopping and nothing left */
        job *j = P.head;
        P.head = j->next;
        if (!P.head)
            P.tail = NULL;
        P.pending--;
        P.running++;
        pthread_mutex_unlock(&P.lock);
        j->fn(j->arg);
        free(j);
        pthread_mutex_lock(&P.lock);
        P.running--;
    }
    pthread_mutex_unlock(&P.lock);
    return NULL;
}

int pool_submit(pool_fn fn, void *arg)
{
    job *j = malloc(sizeof(*j));
    if (!j)
        return -1;
    j->fn = fn;
    j->arg = arg;
    j->next = NULL;
    pthread_mutex_lock(&P.lock);
    if (!P.ready || P.stopping) {
        pthread_mutex_unlock(&P.lock);
        free(j);
        return -1;
    }
    if (P.tail)
        P.tail->next = j;
    else
        P.head = j;
    P.tail = j;
    P.pending++;
    /* Start a thread when the queued jobs outnumber the idle workers. */
    if (P.pending > P.idle && P.threads < P.max) {
        pthread_attr_t attr;
        pthread_attr_init(&attr);
        pthread_attr_setstacksize(&attr, POOL_STACK_SIZE);
        if (pthread_create(&P.tids[P.threads], &attr, pool_worker, NULL) == 0)
            P.threads++;
        else
            log_at(1, "pool: could not start a worker thread (%zu running)", P.threads);
        pthread_attr_destroy(&attr);
    }
    pthread_cond_signal(&P.work);
    pthread_mutex_unlock(&P.lock);
    return 0;
}

size_t pool_busy(void)
{
    pthread_mutex_lock(&P.lock);
    size_t n = P.pending + P.running;
    pthread_mutex_unlock(&P.lock);
    return n;
}

void pool_shutdown(void)
{
    pthread_mutex_lock(&P.lock);
    if (!P.ready) {
        pthread_mutex_unlock(&P.lock);
        return;
    }
    P.stopping = true;
    pthread_cond_broadcast(&P.work);
    size_t n = P.threads;
    pthread_mutex_unlock(&P.lock);
    for (size_t i = 0; i < n; i++)
        pthread_join(P.tids[i], NULL);
    pthread_mutex_lock(&P.lock);
    free(P.tids);
    P.tids = NULL;
    P.threads = 0;
    P.ready = false;
    pthread_mutex_unlock(&P.lock);
}
