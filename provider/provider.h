/* provider: process-wide state of the provider: its configuration and the
 * cancellation flag every in-flight operation watches. */
#ifndef AWSML_PROVIDER_H
#define AWSML_PROVIDER_H

#include <stdbool.h>

#include "props.h"

/* Set by Cancel, SIGINT and SIGTERM; never cleared. */
void provider_cancel(void);
bool provider_cancelled(void);

/* Set when the engine is known to be gone (its stdin pipe closed): answers
 * sent from then on reach nobody. Never cleared. */
void provider_set_engine_gone(void);
bool provider_engine_gone(void);

/* Replaces the configuration (takes cfg); Configure calls it once. */
void provider_set_config(pv *cfg);
/* A copy of the configuration (caller frees); NULL before Configure. */
pv *provider_config_copy(void);
bool provider_configured(void);

/* The AWS client built at Configure (takes c). A client that Configure
 * replaces stays alive until provider_reset(): calls may still hold it. */
struct aws_client;
void provider_set_client(struct aws_client *c);
/* The client, or NULL before Configure. */
struct aws_client *provider_client(void);

void provider_reset(void); /* frees configuration and clients; for shutdown and tests */

#endif
