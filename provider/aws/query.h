/* query: requests of the AWS query protocol (IAM, STS): a form-encoded POST
 * body of Action, Version and parameters, with lists as Name.member.N and maps
 * as Name.entry.N.key / Name.entry.N.value (Tags.member.N.Key/Value for tags).
 * Values are percent-encoded per RFC 3986 (sigv4_uri_encode), except that a
 * space is '+', the form encoding botocore sends. */
#ifndef AWSML_AWS_QUERY_H
#define AWSML_AWS_QUERY_H

#include <stddef.h>

#include "util/buf.h"
#include "util/err.h"

typedef struct query {
    buf body;
    int failed; /* set by an add that failed; query_finish reports it */
} query;

/* Starts "Action=<action>&Version=<version>". On failure nothing needs freeing. */
int query_init(query *q, const char *action, const char *version);
/* Adds key=value (both encoded). */
int query_add(query *q, const char *key, const char *value);
/* Adds "<prefix>.member.<index>" = value (index from 1). */
int query_add_member(query *q, const char *prefix, size_t index, const char *value);
/* Adds "<prefix>.member.<index>.Key" and ".Value" (the IAM/STS tag shape). */
int query_add_tag(query *q, const char *prefix, size_t index, const char *key, const char *value);
/* The finished body (owned by the caller) or NULL with e set. */
char *query_finish(query *q, size_t *len, err *e);
void query_free(query *q);

#endif
