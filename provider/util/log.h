/* log: diagnostics for developers (stderr, by -v level) and messages for
 * users (the engine's Log service, through a sink the server installs).
 *
 * Nothing here formats property values: callers pass messages that never
 * contain secrets (keys, tokens, secret property values). */
#ifndef AWSML_UTIL_LOG_H
#define AWSML_UTIL_LOG_H

#include <stdbool.h>

enum log_severity { LOG_DEBUG = 0, LOG_INFO = 1, LOG_WARNING = 2, LOG_ERROR = 3 };

/* Sends one message to the engine; returns 0 when delivered. */
typedef int (*log_engine_sink)(enum log_severity sev, const char *urn, const char *msg,
                               bool ephemeral);

void log_set_verbosity(int v);
int log_verbosity(void);
void log_set_engine_sink(log_engine_sink sink);

/* Developer diagnostics on stderr when verbosity >= level (1..9). */
void log_at(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A message for the user about the resource urn (may be NULL): goes to the
 * engine when connected, else to stderr. ephemeral = a status line. */
void log_user(enum log_severity sev, const char *urn, bool ephemeral, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#endif
