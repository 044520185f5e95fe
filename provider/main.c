/* pulumi-resource-awsml: arguments, boot and signals.
 *
 *   pulumi-resource-awsml [--logtostderr] [-v=N] [--tracing ENDPOINT] [ENGINE_ADDRESS]
 *
 * Unknown flags are tolerated (the engine may add some); the engine address
 * is the last positional argument. Without one the provider waits for the
 * engine to Attach. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "analyzer.h"
#include "pool.h"
#include "provider.h"
#include "schema.h"
#include "server.h"
#include "util/log.h"
#include "util/mem.h"

#ifdef AWSML_TEST_BUILD
void test_resources_register(void);
#endif

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define AWSML_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) && !defined(AWSML_ASAN)
#define AWSML_ASAN 1
#endif
#ifdef AWSML_ASAN
#include <sanitizer/lsan_interface.h>
#endif
/* Under valgrind the policy pack takes the orderly teardown instead of
 * pack_exit_now: before gRPC's teardown its live objects hold tagged and
 * aligned pointers (absl::Status, call arenas) that memcheck can only call
 * "possibly lost", and the teardown is what memcheck should check. */
#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#define AWSML_UNDER_VALGRIND() (RUNNING_ON_VALGRIND != 0)
#endif
#endif
#ifndef AWSML_UNDER_VALGRIND
#define AWSML_UNDER_VALGRIND() 0
#endif

static atomic_bool exiting;
static pthread_t watch_tid; /* the stdin watcher, when watching */
static bool watching;

/* The policy pack keeps nothing that outlives a call (no AWS request, no
 * state file, nothing buffered on stdout), so once a stop has drained its
 * calls it exits without gRPC's teardown: the engine waits for that exit at
 * the end of every preview, and the teardown would cost it milliseconds
 * (issue 14). Leak checks still run in sanitizer builds first. */
static void pack_exit_now(void)
{
#ifdef AWSML_ASAN
    __lsan_do_leak_check();
#endif
    _exit(0);
}

/* All threads block SIGINT/SIGTERM; this one waits for them and starts an
 * orderly shutdown (never work inside a signal handler). SIGUSR1 ends it. */
static void *signal_thread(void *arg)
{
    sigset_t *set = arg;
    for (;;) {
        int sig = 0;
        if (sigwait(set, &sig) != 0)
            continue;
        if (atomic_load(&exiting))
            break;
        if (sig == SIGINT || sig == SIGTERM) {
            log_at(1, "signal %d: shutting down", sig);
            server_request_shutdown();
        }
    }
    return NULL;
}

/* The engine starts plugins with a pipe on stdin and holds its write end for
 * as long as it runs, writing nothing. EOF there means the engine is gone
 * (killed): nobody will call or stop this process any more, so it shuts down
 * instead of lingering (and in-flight calls end as if cancelled). */
static void *stdin_thread(void *arg)
{
    (void)arg;
    char b[256];
    for (;;) {
        /* The thread's only cancellation point: main cancels it here at exit. */
        ssize_t n = read(STDIN_FILENO, b, sizeof(b));
        if (n > 0 || (n < 0 && errno == EINTR))
            continue;
        break;
    }
    pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, NULL);
    if (!atomic_load(&exiting)) {
        log_at(1, "stdin closed: the engine is gone; shutting down");
        provider_set_engine_gone();
        server_request_shutdown();
    }
    return NULL;
}

/* Watches stdin only when it is a pipe and an engine started us: a terminal,
 * /dev/null or a file (attach mode, tests, benchmarks) says nothing. */
static void watch_engine(const char *engine)
{
    struct stat st;
    if (!engine || fstat(STDIN_FILENO, &st) != 0 || !S_ISFIFO(st.st_mode))
        return;
    watching = pthread_create(&watch_tid, NULL, stdin_thread, NULL) == 0;
}

static int parse_verbosity(const char *s)
{
    char *end = NULL;
    long v = strtol(s, &end, 10);
    if (!end || *end || v < 0)
        return 0;
    return v > 9 ? 9 : (int)v;
}

int main(int argc, char **argv)
{
    const char *engine = NULL;
    mem_init_cjson();
    schema_select(argc > 0 ? argv[0] : NULL);
    analyzer_select(argc > 0 ? argv[0] : NULL);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strncmp(a, "-v=", 3) == 0 || strncmp(a, "--v=", 4) == 0) {
            log_set_verbosity(parse_verbosity(strchr(a, '=') + 1));
        } else if ((strcmp(a, "-v") == 0 || strcmp(a, "--v") == 0) && i + 1 < argc) {
            log_set_verbosity(parse_verbosity(argv[++i]));
        } else if (strcmp(a, "--tracing") == 0 && i + 1 < argc) {
            i++; /* tracing endpoint: accepted, not used */
        } else if (a[0] == '-') {
            /* --logtostderr and flags we do not know: tolerated */
        } else {
            engine = a; /* the last positional argument wins */
        }
    }

    /* A parent may have left SIGINT ignored (bash does for background jobs),
     * and the engine stops plugins with SIGINT. Linux keeps a blocked signal
     * pending even when ignored, but POSIX leaves that open: reset both. */
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGUSR1);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);
    pthread_t sig_tid;
    if (pthread_create(&sig_tid, NULL, signal_thread, &set) != 0) {
        fprintf(stderr, "awsml: could not start the signal thread\n");
        return 1;
    }

#ifdef AWSML_TEST_BUILD
    test_resources_register();
#endif
    watch_engine(engine);
    if (analyzer_mode() && !AWSML_UNDER_VALGRIND())
        server_on_drained(pack_exit_now);
    int rc = 1;
    if (pool_init(POOL_MAX_THREADS) != 0)
        fprintf(stderr, "awsml: out of memory starting the worker pool\n");
    else
        rc = server_run(engine);

    atomic_store(&exiting, true);
    pthread_kill(sig_tid, SIGUSR1);
    pthread_join(sig_tid, NULL);
    if (watching) { /* ended before exit, so no thread outlives main */
        pthread_cancel(watch_tid);
        pthread_join(watch_tid, NULL);
    }
    provider_reset();
    return rc;
}
