/* credentials_parse: the parsers behind the credential chain (credentials.c), for the
 * chain itself, the STS calls of client.c, the unit tests and the fuzz harness
 * tests/fuzz/fuzz_credentials.c. They read what credential sources answer; nothing
 * else should need them (credentials.h is the chain's interface). None of them ever
 * puts a key, secret or token into an error message. */
#ifndef AWSML_AWS_CREDENTIALS_PARSE_H
#define AWSML_AWS_CREDENTIALS_PARSE_H

#include <stdbool.h>
#include <stddef.h>

#include "aws/credentials.h"
#include "aws/xml.h"
#include "util/err.h"

/* {AccessKeyId, SecretAccessKey, Token|SessionToken, Expiration}, the answer of a
 * credential_process, of container credentials and of instance metadata; body need
 * not be NUL-terminated. source names the source in out->source and in errors. On
 * error out is wiped. */
int creds_from_json(const char *body, size_t len, const char *source, aws_credentials *out, err *e);

/* The credentials of an STS AssumeRole / AssumeRoleWithWebIdentity response: root is
 * the parsed <...Response> document, result "AssumeRoleResult" or
 * "AssumeRoleWithWebIdentityResult"; what names the role in errors. A missing or
 * malformed Expiration reads as 15 minutes from now. */
int creds_from_sts_xml(const xml_node *root, const char *result, const char *what,
                       aws_credentials *out, err *e);

/* The IMDSv2 session token (body of PUT /latest/api/token) into out: non-empty,
 * shorter than outlen, no control characters (it becomes a header value). 0 or -1. */
int creds_imds_token(const char *body, size_t len, char *out, size_t outlen);

/* The role name instance metadata lists (first line of
 * /latest/meta-data/iam/security-credentials/) into out: non-empty, shorter than
 * outlen, only the characters IAM allows in role names (it becomes a URL path
 * segment). 0 or -1. */
int creds_imds_role_name(const char *body, size_t len, char *out, size_t outlen);

/* Whether AWS_CONTAINER_CREDENTIALS_FULL_URI may be used: any https URL, or plain http
 * to a loopback or container-agent address (127.0.0.0/8, localhost, [::1],
 * 169.254.170.2, 169.254.170.23, [fd00:ec2::23]) with an optional port and no user
 * info. The authorization token is sent there. */
bool creds_container_uri_allowed(const char *uri);

#endif
