#include "util/log.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>

static atomic_int log_level;
static _Atomic(log_engine_sink) log_sink;

void log_set_verbosity(int v)
{
    atomic_store(&log_level, v);
}

int log_verbosity(void)
{
    return atomic_load(&log_level);
}

void log_set_engine_sink(log_engine_sink sink)
{
    atomic_store(&log_sink, sink);
}

void log_at(int level, const char *fmt, ...)
{
    if (atomic_load(&log_level) < level)
        return;
    char line[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    fprintf(stderr, "awsml: %s\n", line);
}

void log_user(enum log_severity sev, const char *urn, bool ephemeral, const char *fmt, ...)
{
    static const char *const names[] = {"debug", "info", "warning", "error"};
    char line[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    log_engine_sink sink = atomic_load(&log_sink);
    if (sink && sink(sev, urn, line, ephemeral) == 0) {
        log_at(3, "sent to engine (%s): %s", names[sev & 3], line);
        return;
    }
    if (sev >= LOG_INFO || atomic_load(&log_level) > 0)
        fprintf(stderr, "awsml %s: %s\n", names[sev & 3], line);
}
