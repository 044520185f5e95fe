/* pool: worker threads for RPC handlers, so a slow AWS call never stalls the
 * thread that polls gRPC. Threads start on demand (none at boot, to keep idle
 * memory low) up to a cap, and stay for reuse. */
#ifndef AWSML_POOL_H
#define AWSML_POOL_H

#include <stddef.h>

#define POOL_MAX_THREADS 256

typedef void (*pool_fn)(void *arg);

int pool_init(size_t max_threads);
/* Queues fn(arg); returns -1 once pool_shutdown() has begun. */
int pool_submit(pool_fn fn, void *arg);
/* Jobs queued or running right now. */
size_t pool_busy(void);
/* Stops accepting jobs, waits for queued and running ones, joins threads. */
void pool_shutdown(void);

#endif
