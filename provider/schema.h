/* schema: the package schema GetSchema returns, for the package this process
 * serves. The binary embeds schema/schema.json (package awsml); started as
 * pulumi-resource-aws (drop-in mode) it serves the same schema under the
 * package name aws, so `pulumi import` and code generation name pulumi_aws's
 * types and module, and reports the version of the pulumi-aws release it
 * mirrors (GetPluginInfo). */
#ifndef AWSML_SCHEMA_H
#define AWSML_SCHEMA_H

#include <stdbool.h>

/* Chooses the package from the name the binary was started by (argv[0]):
 * a base name of exactly "pulumi-resource-aws" selects aws, anything else awsml. */
void schema_select(const char *argv0);
/* "awsml" or "aws". */
const char *schema_package(void);
/* The version GetPluginInfo reports: awsml's own (AWSML_VERSION, the
 * Makefile's VERSION) as awsml; as aws, the pulumi-aws version whose schema
 * awsml mirrors with awsml's as build metadata (AWSML_DROPIN_VERSION, e.g.
 * 7.51.1+awsml.0.1.0), so the engine's check that the plugin is at least the
 * version pulumi_aws asks for holds. */
const char *schema_plugin_version(void);
/* The schema JSON of that package, owned by the module (valid until exit);
 * NULL when the aws variant could not be built (out of memory). */
const char *schema_json(void);

#endif
