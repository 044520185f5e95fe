/* advice: runs the security advisor (resources/advisor.c) on a resource's
 * checked inputs and acts on the findings as the provider configuration
 * says: securityAdvisor "warn" (default: one WARNING per finding on the
 * resource, through the engine's log), "enforce" (findings become
 * CheckFailures and stop the plan) or "off"; securityAdvisorSuppress lists
 * rule IDs to skip everywhere, and a resource tag "awsml:advisor-suppress"
 * ("ID[,ID...]: reason") skips them on that resource. A finding is reported
 * once per resource and rule per provider process (one preview or update). */
#ifndef AWSML_ADVICE_H
#define AWSML_ADVICE_H

#include "config.h"
#include "props.h"
#include "resource.h"
#include "util/err.h"

#define ADVICE_SUPPRESS_TAG "awsml:advisor-suppress"

/* a: the configuration's advisor settings (NULL: the defaults, before
 * Configure); token_rest: "<module>/<name>:<Name>". */
int advice_apply(const config_advisor *a, const char *token_rest, const char *urn, const pv *inputs,
                 check_failures *f, err *e);
/* The Check door of the stack rules (issue 14): keeps this resource (type:
 * the whole token; its checked inputs copied) among the resources checked in
 * this process, then runs advisor_stack_run over them with this one as the
 * focus and complete=false, and reports what it finds on this resource as
 * advice_apply does (warning once, or a CheckFailure under enforce; the same
 * suppressions). At most ADVICE_MAX_SEEN resources are kept (a resource
 * checked again replaces its entry); beyond that a new resource is still
 * looked at against the kept ones but not kept. Thread-safe. Resources are
 * linked by values only: Check gets no dependencies. */
#define ADVICE_MAX_SEEN 512
int advice_apply_stack(const config_advisor *a, const char *type, const char *name, const char *urn,
                       const pv *inputs, check_failures *f, err *e);
/* The rule IDs of a configuration's securityAdvisorSuppress and the rules
 * and properties of its securityAdvisorRules (config.c checks the rest):
 * the first one that is wrong is a problem of that key. -1 only when memory
 * runs out (e says so). securityAdvisorRules' properties are the policy
 * pack's (advisor_options_parse), so Check honours them too. */
int advice_check_config(const config_advisor *a, config_problems *p, err *e);
/* true when rule id is suppressed by a's securityAdvisorSuppress (a may be
 * NULL) or by the "awsml:advisor-suppress" tag of these properties (checked
 * inputs, or a stack's outputs in the policy pack). */
bool advice_suppressed(const config_advisor *a, const char *id, const pv *inputs);
void advice_reset(void);
size_t advice_seen_count(void);
/* resources kept for the stack rules; for tests */ /* forgets what was reported; for tests */

#endif
