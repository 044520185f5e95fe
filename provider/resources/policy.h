/* policy: IAM policy documents as AWS compares them.
 *
 * Two documents are equivalent when they differ only in key order,
 * whitespace, a scalar versus a one-element list, a Statement object versus
 * a one-element list, or the order of the set-valued fields (Action,
 * NotAction, Resource, NotResource, and each principal list). Diffs use this so
 * equivalent JSON never shows a change (pulumi-aws pain point 4). */
#ifndef AWSML_RESOURCES_POLICY_H
#define AWSML_RESOURCES_POLICY_H

#include <stdbool.h>
#include <stddef.h>

#include "util/err.h"

/* The canonical compact form (keys sorted, sets sorted, singletons as lists). */
int policy_canonical(const char *json, char **out, err *e);
/* The same canonical document as a cJSON tree (the caller deletes it), for
 * readers that walk it; NULL with e set as policy_canonical fails. */
struct cJSON *policy_canonical_json(const char *json, err *e);
/* true when both parse and their canonical forms are equal. */
bool policy_equivalent(const char *a, const char *b);
/* The same text (no parsing: the common case of an unchanged document, valid
 * or not), or equivalent; two NULLs are the same. What Diff compares. */
bool policy_same(const char *a, const char *b);
/* A policy document must be a JSON object; why names the rule. */
int policy_check(const char *json, char *why, size_t whylen);
/* IAM returns documents percent-encoded (GetRole, GetRolePolicy): decode. */
int policy_url_decode(const char *s, char **out, err *e);

#endif
