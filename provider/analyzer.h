/* analyzer: the policy-pack door (issue 14). Started as pulumi-analyzer-awsml
 * (`pulumi preview --policy-pack <dir>/pulumi-analyzer-awsml`), the binary
 * serves pulumirpc.Analyzer instead of the provider: the pack "awsml" whose
 * policies are the security advisor's rules (resources/advisor.h), one
 * policy per rule ID.
 *
 *   GetAnalyzerInfo  every rule: name = ID, description = what, message and
 *                    remediation = fix, severity info/warning/high ->
 *                    low/medium/high, default enforcement advisory
 *   GetAnalyzerInfo  also: a configSchema (JSON schema per property) for the
 *                    rules with properties: AWSML-IAM-003 trustedAccounts,
 *                    AWSML-IAM-011/-012 allowedPolicies, AWSML-IAM-014
 *                    maxSessionDuration
 *   Configure        per-rule enforcement advisory, mandatory or disabled
 *                    (remediate counts as mandatory: nothing is remediated)
 *                    and rule properties (advisor_options); an unknown name,
 *                    property, type or range is INVALID_ARGUMENT naming
 *                    <rule>.<property>, and then nothing changes; each
 *                    Configure replaces the last; "all" is the engine's and
 *                    already applied per rule
 *   Analyze          advisor_run on one resource's inputs, tokens "aws:..."
 *                    and "awsml:..." alike
 *   AnalyzeStack     advisor_stack_run on the whole stack's outputs, linked
 *                    through dependencies and property dependencies
 *   Handshake, ConfigureStack, GetPluginInfo, Cancel: accepted
 *   Remediate        UNIMPLEMENTED (the engine then skips it)
 *
 * A resource's "awsml:advisor-suppress" tag skips the rules it names, as in
 * Check (advice_suppressed). Levels and properties live in one struct that
 * Configure swaps under a rwlock; each Analyze works on a copy. */
#ifndef AWSML_ANALYZER_H
#define AWSML_ANALYZER_H

#include <stdbool.h>

#include "rpc.h"

#define ANALYZER_BIN "pulumi-analyzer-awsml"
#define ANALYZER_PACK "awsml"
/* Rules the enforcement table has room for (the advisor has far fewer). */
#define ANALYZER_MAX_RULES 256

/* Policy-pack mode when argv0's base name is ANALYZER_BIN. */
void analyzer_select(const char *argv0);
bool analyzer_mode(void);
/* Serves one /pulumirpc.Analyzer/ call (any other method: UNIMPLEMENTED). */
void analyzer_handle(const rpc_call *call, rpc_reply *out);
/* Every rule back to advisory; for tests. */
void analyzer_reset(void);

#endif
