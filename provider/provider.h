/* provider: process-wide state of the provider: its configuration and the
 * cancellation flag every in-flight operation watches. */
#ifndef AWSML_PROVIDER_H
#define AWSML_PROVIDER_H

#include <stdbool.h>

#include "config.h"
#include "resource.h"
#include "util/err.h"

/* Set by Cancel, SIGINT and SIGTERM; never cleared. */
void provider_cancel(void);
bool provider_cancelled(void);

/* Set when the engine is known to be gone (its stdin pipe closed): answers
 * sent from then on reach nobody. Never cleared. */
void provider_set_engine_gone(void);
bool provider_engine_gone(void);

/* The configuration Configure loaded (takes c). One that a later Configure
 * replaces stays alive until provider_reset(): calls may still hold it, and
 * the client built from it borrows its strings. */
void provider_set_config(config_settings *c);
/* The configuration (tag and advisor settings), or NULL before Configure. */
const config_settings *provider_config(void);
bool provider_configured(void);

/* The AWS client built at Configure (takes c), after its configuration. A
 * client that Configure replaces stays alive until provider_reset(): calls
 * may still hold it. */
struct aws_client;
void provider_set_client(struct aws_client *c);
/* The client, or NULL before Configure. */
struct aws_client *provider_client(void);
/* The client of region: the configured one for NULL, "" or its own region;
 * else one built from the same configuration for that region on first use,
 * shared by every call until Configure replaces the configuration (then kept
 * alive until reset). NULL with e set before Configure or when the region is
 * refused. */
struct aws_client *provider_client_for(const char *region, err *e);
/* Hands the call what the process holds: clients, configuration, shutdown. */
void provider_fill_ctx(res_ctx *ctx);

void provider_reset(void); /* frees configuration and clients; for shutdown and tests */

#endif
