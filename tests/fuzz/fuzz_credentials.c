/* libFuzzer harness for what credential sources answer (provider/aws/credentials_parse.h).
 * Every input goes through each parser; the bytes are not NUL-terminated, as curl and
 * a pipe hand them over (a terminated copy feeds the parsers that take strings):
 *
 * - creds_from_json: credential_process output, container and instance-metadata
 *   credentials ({AccessKeyId, SecretAccessKey, Token, Expiration});
 * - xml_parse + creds_from_sts_xml: an STS AssumeRole / AssumeRoleWithWebIdentity answer;
 * - creds_imds_token, creds_imds_role_name: the IMDSv2 token and role-name answers;
 * - creds_parse_time: Expiration timestamps;
 * - creds_container_uri_allowed: AWS_CONTAINER_CREDENTIALS_FULL_URI, which decides where
 *   the container authorization token is sent.
 *
 * Checked beyond "no crash, no leak": credentials come back terminated and non-empty or
 * the output is wiped; no error message holds the secret; what the IMDS helpers accept
 * is safe as a header value / URL path segment; an accepted plain-http container URI
 * names a loopback or container-agent host, with no user info that would send the
 * request (and the token) elsewhere. Nothing here touches the network. */
#include <ctype.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "aws/credentials.h"
#include "aws/credentials_parse.h"
#include "aws/xml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what)
{
    fprintf(stderr, "fuzz_credentials: %s\n", what);
    __builtin_trap();
}

static bool all_zero(const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++)
        if (b[i])
            return false;
    return true;
}

static void check_creds(const aws_credentials *c)
{
    if (!memchr(c->access_key_id, 0, sizeof(c->access_key_id)) ||
        !memchr(c->secret_access_key, 0, sizeof(c->secret_access_key)) ||
        !memchr(c->session_token, 0, sizeof(c->session_token)) ||
        !memchr(c->source, 0, sizeof(c->source)))
        fail("a credentials field is not terminated");
    if (!c->access_key_id[0] || !c->secret_access_key[0])
        fail("credentials accepted with an empty key or secret");
}

/* The error texts the parsers write, with the names this harness passes in: a secret
 * that is part of one of them may show up in a message without having leaked. */
static const char templates[] =
    "S: the answer is not a JSON object|S: the answer lacks AccessKeyId or SecretAccessKey|"
    "credentials from S are longer than AWS issues|S: Expiration is not an RFC 3339 time|"
    "W: STS answered without usable credentials";

static void check_no_secret(const err *e, const char *secret)
{
    if (!memchr(e->msg, 0, sizeof(e->msg)))
        fail("error message not terminated");
    if (secret && strlen(secret) >= 4 && strstr(e->msg, secret) && !strstr(templates, secret))
        fail("an error message holds the secret");
}

static void json_creds(const char *s, size_t size)
{
    aws_credentials c;
    err e = {0};
    memset(&c, 0xa5, sizeof(c));
    if (creds_from_json(s, size, "S", &c, &e) == 0) {
        check_creds(&c);
        if (strcmp(c.source, "S") != 0)
            fail("creds_from_json: source not kept");
    } else {
        if (!all_zero(&c, sizeof(c)))
            fail("creds_from_json failed without wiping its output");
        /* The secret as the parser saw it (cJSON, first key that matches). */
        cJSON *j = cJSON_ParseWithLength(s, size);
        const cJSON *sk = cJSON_GetObjectItemCaseSensitive(j, "SecretAccessKey");
        check_no_secret(&e, cJSON_IsString(sk) ? sk->valuestring : NULL);
        cJSON_Delete(j);
    }
    creds_wipe(&c);
}

static void sts_creds(const char *s, size_t size)
{
    xml_node *root = NULL;
    err e = {0};
    if (xml_parse(s, size, &root, &e) != 0)
        return;
    static const char *const results[] = {"AssumeRoleResult", "AssumeRoleWithWebIdentityResult"};
    for (size_t i = 0; i < 2; i++) {
        aws_credentials c;
        err e2 = {0};
        char p[96];
        snprintf(p, sizeof(p), "%s/Credentials/SecretAccessKey", results[i]);
        const char *secret = xml_path_text(root, p);
        if (creds_from_sts_xml(root, results[i], "W", &c, &e2) == 0) {
            check_creds(&c);
            if (!secret || strcmp(secret, c.secret_access_key) != 0)
                fail("creds_from_sts_xml: the secret is not the document's");
        } else {
            check_no_secret(&e2, secret);
        }
        creds_wipe(&c);
    }
    xml_free(root);
}

static void imds(const char *s, size_t size)
{
    char tok[64], role[16];
    if (creds_imds_token(s, size, tok, sizeof(tok)) == 0) {
        size_t n = strlen(tok);
        if (n != size || n == 0 || n >= sizeof(tok))
            fail("creds_imds_token: wrong length");
        for (size_t i = 0; i < n; i++)
            if ((unsigned char)tok[i] < 0x20 || tok[i] == 0x7f)
                fail("creds_imds_token: a control character in a header value");
    }
    if (creds_imds_role_name(s, size, role, sizeof(role)) == 0) {
        size_t n = strlen(role);
        if (n == 0 || n >= sizeof(role) || n > size || memcmp(role, s, n) != 0)
            fail("creds_imds_role_name: not the first line");
        for (size_t i = 0; i < n; i++)
            if (!isalnum((unsigned char)role[i]) && !strchr("+=,.@_-", role[i]))
                fail("creds_imds_role_name: a character IAM role names cannot have");
    }
}

/* 127.0.0.0/8 as a dotted-decimal literal, n bytes of h. */
static bool loopback_v4(const char *h, size_t n)
{
    int parts = 0;
    size_t i = 0;
    while (i < n) {
        size_t d = 0;
        unsigned v = 0;
        while (i < n && isdigit((unsigned char)h[i]) && d < 4) {
            v = v * 10 + (unsigned)(h[i] - '0');
            i++;
            d++;
        }
        if (d == 0 || d > 3 || v > 255)
            return false;
        if (parts == 0 && v != 127)
            return false;
        parts++;
        if (i == n)
            break;
        if (h[i] != '.' || parts == 4)
            return false;
        i++;
        if (i == n)
            return false;
    }
    return parts == 4;
}

/* What curl would connect to for a plain-http URL must be a local or agent host. */
static void check_container_uri(const char *uri)
{
    if (!creds_container_uri_allowed(uri) || strncmp(uri, "https://", 8) == 0)
        return;
    if (strncmp(uri, "http://", 7) != 0)
        fail("container URI allowed that is neither http nor https");
    const char *a = uri + 7;
    size_t alen = strcspn(a, "/?#");
    if (memchr(a, '@', alen))
        fail("container URI allowed with user info: the host is what follows the '@'");
    size_t hlen;
    if (a[0] == '[') {
        const char *close = memchr(a, ']', alen);
        if (!close)
            fail("container URI allowed with an unterminated IPv6 literal");
        hlen = (size_t)(close - a) + 1;
    } else {
        const char *colon = memchr(a, ':', alen);
        hlen = colon ? (size_t)(colon - a) : alen;
    }
    if (hlen < alen) {
        if (a[hlen] != ':')
            fail("container URI allowed with text between host and port");
        for (size_t i = hlen + 1; i < alen; i++)
            if (!isdigit((unsigned char)a[i]))
                fail("container URI allowed with a port that is not a number");
    }
    static const char *const hosts[] = {"localhost", "[::1]", "169.254.170.2", "169.254.170.23",
                                        "[fd00:ec2::23]"};
    for (size_t i = 0; i < sizeof(hosts) / sizeof(hosts[0]); i++)
        if (strlen(hosts[i]) == hlen && memcmp(hosts[i], a, hlen) == 0)
            return;
    if (!loopback_v4(a, hlen))
        fail("plain-http container URI allowed to a host that is not local");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* A copy of exactly size bytes (ASan catches any read past it)... */
    char *raw = malloc(size ? size : 1);
    /* ...and a NUL-terminated one for the string parsers. */
    char *s = malloc(size + 1);
    if (!raw || !s)
        goto out;
    if (size)
        memcpy(raw, data, size);
    memcpy(s, data, size);
    s[size] = '\0';

    json_creds(raw, size);
    sts_creds(raw, size);
    imds(raw, size);
    (void)creds_parse_time(s);
    check_container_uri(s);
out:
    free(raw);
    free(s);
    return 0;
}
