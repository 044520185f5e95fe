/* advisor_impl: what advisor.c shares with the other advisor_*.c files (the
 * stack rules). Not for callers outside the advisor: they use advisor.h. */
#ifndef AWSML_RESOURCES_ADVISOR_IMPL_H
#define AWSML_RESOURCES_ADVISOR_IMPL_H

#include <stdbool.h>
#include <stddef.h>

#include "resources/advisor.h"

struct cJSON;

/* Appends a finding of rule id (which must be in the table) about property
 * prop of resource index resource. The message is a printf format; a final
 * '.' is added when missing. A finding equal to an earlier one (same
 * resource, ID, property and message) is not repeated. -1 on allocation
 * failure. */
int advisor_add(advisor_findings *out, const char *id, size_t resource, const char *prop,
                const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* The plain value at key of an object; NULL when absent or obj is not one. */
const pv *advisor_get(const pv *obj, const char *key);
/* The string at key, or NULL when absent, unknown or not a string. */
const char *advisor_get_str(const pv *obj, const char *key);
/* true when the value at key is unknown (a preview's computed value). */
bool advisor_is_unknown(const pv *v);

/* Printable, capped copy of an untrusted name for a message. */
void advisor_clean_name(char *dst, size_t dstlen, const char *src);

/* Policy documents: the canonical tree (NULL when the text does not parse;
 * *oom set when memory ran out), and statement helpers on it. */
struct cJSON *advisor_policy_parse(const char *json, bool *oom);
/* Each statement object of a parsed document, in order: pass NULL first. */
const struct cJSON *advisor_next_statement(const struct cJSON *doc, const struct cJSON *prev);
bool advisor_is_allow(const struct cJSON *st);
bool advisor_list_has(const struct cJSON *v, const char *s, bool nocase);
/* true when the document denies requests not made over TLS: a Deny statement
 * with an aws:SecureTransport "false" condition (Bool or BoolIfExists). */
bool advisor_policy_denies_insecure_transport(const struct cJSON *doc);

#endif
