#include "aws/credentials.h"
#include "aws/credentials_parse.h"

#include <cJSON.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/crypto.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/log.h"
#include "util/mem.h"
#include "util/str.h"

extern char **environ;

#define CREDS_MAX_PROFILE_DEPTH 8
#define CREDS_PROCESS_MAX_OUTPUT (64 * 1024)
#define CREDS_PROCESS_TIMEOUT_MS 60000
#define CREDS_TOKEN_FILE_MAX (64 * 1024)
#define IMDS_DEFAULT_ENDPOINT "http://169.254.169.254"
#define IMDS_TIMEOUT_MS 2000L
#define ECS_DEFAULT_HOST "http://169.254.170.2"
#define ECS_TIMEOUT_MS 5000L

struct creds_provider {
    creds_config cfg;
    pthread_mutex_t lock;
    aws_credentials cached;
    bool have;
};

/* What was tried, for the error when nothing matched. */
typedef struct tried {
    buf b;
} tried;

static void tried_add(tried *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void tried_add(tried *t, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (t->b.len)
        buf_append_str(&t->b, "; ");
    buf_vprintf(&t->b, fmt, ap);
    va_end(ap);
}

/* A chain step: 1 = found (out filled), 0 = not applicable (tried noted), -1 = error. */
enum { STEP_ERR = -1, STEP_SKIP = 0, STEP_FOUND = 1 };

typedef struct chain {
    creds_provider *p;
    http_cancel_fn cancel;
    void *cancel_ctx;
    tried t;
} chain;

void creds_wipe(aws_credentials *c)
{
    OPENSSL_cleanse(c, sizeof(*c));
}

static int set_static(aws_credentials *out, const char *ak, const char *sk, const char *tok,
                      const char *source, err *e)
{
    memset(out, 0, sizeof(*out));
    if (strlen(ak) >= sizeof(out->access_key_id) || strlen(sk) >= sizeof(out->secret_access_key) ||
        (tok && strlen(tok) >= sizeof(out->session_token)))
        return err_set(e, ERR_INVALID_ARGUMENT, "credentials from %s are longer than AWS issues",
                       source);
    str_copy(out->access_key_id, sizeof(out->access_key_id), ak);
    str_copy(out->secret_access_key, sizeof(out->secret_access_key), sk);
    if (tok)
        str_copy(out->session_token, sizeof(out->session_token), tok);
    str_copy(out->source, sizeof(out->source), source);
    return 0;
}

time_t creds_parse_time(const char *s)
{
    struct tm tm;
    memset(&tm, 0, sizeof(tm));
    int y, mo, d, h, mi, se, n = 0;
    if (!s || sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &se, &n) != 6)
        return -1;
    const char *rest = s + n;
    if (*rest == '.')
        for (rest++; isdigit((unsigned char)*rest); rest++)
            ;
    if (!(strcmp(rest, "Z") == 0 || strcmp(rest, "+00:00") == 0 || strcmp(rest, "UTC") == 0))
        return -1;
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = se;
    return timegm(&tm);
}

/* Reads {AccessKeyId, SecretAccessKey, Token|SessionToken, Expiration} (container,
 * instance metadata and credential_process all use this shape). */
int creds_from_json(const char *body, size_t len, const char *source, aws_credentials *out, err *e)
{
    int rc = -1;
    unsigned long mark = mem_failures();
    cJSON *j = cJSON_ParseWithLength(body, len);
    if (!j && mem_failures() != mark) {
        err_set(e, ERR_RESOURCE_EXHAUSTED, "%s: out of memory reading the answer", source);
        goto out;
    }
    if (!j || !cJSON_IsObject(j)) {
        err_set(e, ERR_UNAVAILABLE, "%s: the answer is not a JSON object", source);
        goto out;
    }
    const cJSON *ak = cJSON_GetObjectItemCaseSensitive(j, "AccessKeyId");
    const cJSON *sk = cJSON_GetObjectItemCaseSensitive(j, "SecretAccessKey");
    const cJSON *tok = cJSON_GetObjectItemCaseSensitive(j, "Token");
    if (!tok)
        tok = cJSON_GetObjectItemCaseSensitive(j, "SessionToken");
    const cJSON *exp = cJSON_GetObjectItemCaseSensitive(j, "Expiration");
    if (!cJSON_IsString(ak) || !cJSON_IsString(sk) || !ak->valuestring[0] || !sk->valuestring[0]) {
        err_set(e, ERR_UNAVAILABLE, "%s: the answer lacks AccessKeyId or SecretAccessKey", source);
        goto out;
    }
    if (set_static(out, ak->valuestring, sk->valuestring,
                   cJSON_IsString(tok) ? tok->valuestring : NULL, source, e) != 0)
        goto out;
    if (cJSON_IsString(exp)) {
        out->expires = creds_parse_time(exp->valuestring);
        if (out->expires == (time_t)-1) {
            err_set(e, ERR_UNAVAILABLE, "%s: Expiration is not an RFC 3339 time", source);
            goto out;
        }
    }
    rc = 0;
out:
    if (j) {
        /* The parsed tree holds the secret: wipe its strings before freeing. */
        for (cJSON *it = j->child; it; it = it->next)
            if (cJSON_IsString(it))
                OPENSSL_cleanse(it->valuestring, strlen(it->valuestring));
        cJSON_Delete(j);
    }
    if (rc != 0)
        creds_wipe(out);
    return rc;
}

int creds_from_sts_xml(const xml_node *root, const char *result, const char *what,
                       aws_credentials *out, err *e)
{
    char p[128];
    snprintf(p, sizeof(p), "%s/Credentials/AccessKeyId", result);
    const char *ak = xml_path_text(root, p);
    snprintf(p, sizeof(p), "%s/Credentials/SecretAccessKey", result);
    const char *sk = xml_path_text(root, p);
    snprintf(p, sizeof(p), "%s/Credentials/SessionToken", result);
    const char *tok = xml_path_text(root, p);
    snprintf(p, sizeof(p), "%s/Credentials/Expiration", result);
    const char *exp = xml_path_text(root, p);
    memset(out, 0, sizeof(*out));
    if (!ak || !sk || !tok || !*ak || !*sk || strlen(ak) >= sizeof(out->access_key_id) ||
        strlen(sk) >= sizeof(out->secret_access_key) || strlen(tok) >= sizeof(out->session_token))
        return err_set(e, ERR_UNAVAILABLE, "%s: STS answered without usable credentials", what);
    str_copy(out->access_key_id, sizeof(out->access_key_id), ak);
    str_copy(out->secret_access_key, sizeof(out->secret_access_key), sk);
    str_copy(out->session_token, sizeof(out->session_token), tok);
    out->expires = exp ? creds_parse_time(exp) : 0;
    if (out->expires == (time_t)-1)
        out->expires = time(NULL) + 900;
    return 0;
}

int creds_imds_token(const char *body, size_t len, char *out, size_t outlen)
{
    if (!body || !len || len >= outlen)
        return -1;
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)body[i] < 0x20 || body[i] == 0x7f)
            return -1;
    memcpy(out, body, len);
    out[len] = '\0';
    return 0;
}

int creds_imds_role_name(const char *body, size_t len, char *out, size_t outlen)
{
    size_t n = 0;
    while (n < len && body[n] != '\r' && body[n] != '\n' && body[n] != '\0')
        n++;
    if (n == 0 || n >= outlen)
        return -1;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)body[i]) && !strchr("+=,.@_-", body[i]))
            return -1;
    memcpy(out, body, n);
    out[n] = '\0';
    return 0;
}

static int read_small_file(const char *path, const char *what, char **out, err *e)
{
    int rc = -1;
    buf b;
    buf_init(&b, CREDS_TOKEN_FILE_MAX);
    FILE *f = fopen(path, "rb");
    if (!f) {
        char eb[STR_ERRNO_MAX];
        err_set(e, ERR_FAILED_PRECONDITION, "could not read the %s file %s: %s", what, path,
                str_errno(errno, eb, sizeof(eb)));
        goto out;
    }
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
        if (buf_append(&b, chunk, n) != 0) {
            if (b.len + n <= CREDS_TOKEN_FILE_MAX)
                err_set(e, ERR_RESOURCE_EXHAUSTED, "out of memory reading the %s file %s", what,
                        path);
            else
                err_set(e, ERR_FAILED_PRECONDITION, "the %s file %s is larger than %d bytes", what,
                        path, CREDS_TOKEN_FILE_MAX);
            goto out;
        }
    }
    while (b.len && isspace((unsigned char)b.data[b.len - 1]))
        b.data[--b.len] = '\0';
    *out = buf_take(&b, NULL);
    rc = *out ? 0 : err_set(e, ERR_RESOURCE_EXHAUSTED, "out of memory");
out:
    if (f)
        fclose(f);
    if (b.data)
        OPENSSL_cleanse(b.data, b.len);
    buf_free(&b);
    return rc;
}

/* ---- sources ---------------------------------------------------------------- */

static const char *env_get(chain *c, const char *name)
{
    return profile_env_get(c->p->cfg.env, name);
}

static int step_web_identity(chain *c, const creds_web_identity *wi, const char *source,
                             aws_credentials *out, err *e)
{
    char *token = NULL;
    if (!c->p->cfg.sts.assume_role_web_identity)
        return err_set(e, ERR_INTERNAL, "%s: no STS client", source);
    if (wi->token && *wi->token) {
        token = str_dup(wi->token);
    } else if (wi->token_file && *wi->token_file) {
        if (read_small_file(wi->token_file, "web identity token", &token, e) != 0)
            return STEP_ERR;
    } else {
        return err_set(e, ERR_INVALID_ARGUMENT,
                       "%s: needs webIdentityToken or webIdentityTokenFile", source);
    }
    if (!token)
        return err_set(e, ERR_RESOURCE_EXHAUSTED, "out of memory");
    int rc = c->p->cfg.sts.assume_role_web_identity(c->p->cfg.sts.ctx, wi, token, out, e);
    OPENSSL_cleanse(token, strlen(token));
    free(token);
    if (rc != 0)
        return STEP_ERR;
    snprintf(out->source, sizeof(out->source), "%s (role %s)", source, wi->role_arn);
    return STEP_FOUND;
}

/* credential_process: run through /bin/sh, read its JSON from stdout. Its
 * stderr passes through to ours (the engine keeps it at debug level). */
static int step_process(chain *c, const char *command, const char *profile, aws_credentials *out,
                        err *e)
{
    int rc = STEP_ERR;
    int pipefd[2] = {-1, -1};
    pid_t pid = -1;
    buf b;
    buf_init(&b, CREDS_PROCESS_MAX_OUTPUT);
    char source[160];
    snprintf(source, sizeof(source), "credential_process of profile '%s'", profile);
    posix_spawn_file_actions_t fa;
    bool fa_init = false;
    char eb[STR_ERRNO_MAX];
    if (pipe(pipefd) != 0) {
        err_set(e, ERR_INTERNAL, "%s: pipe failed: %s", source, str_errno(errno, eb, sizeof(eb)));
        goto out;
    }
    if (posix_spawn_file_actions_init(&fa) != 0)
        goto out;
    fa_init = true;
    posix_spawn_file_actions_adddup2(&fa, pipefd[1], STDOUT_FILENO);
    posix_spawn_file_actions_addclose(&fa, pipefd[0]);
    posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    char *argv[] = {"/bin/sh", "-c", (char *)command, NULL};
    int sr = posix_spawn(&pid, "/bin/sh", &fa, NULL, argv, environ);
    if (sr != 0) {
        pid = -1;
        err_set(e, ERR_FAILED_PRECONDITION, "%s could not be started: %s", source,
                str_errno(sr, eb, sizeof(eb)));
        goto out;
    }
    close(pipefd[1]);
    pipefd[1] = -1;
    int waited = 0;
    for (;;) {
        struct pollfd pfd = {.fd = pipefd[0], .events = POLLIN};
        int pr = poll(&pfd, 1, 100);
        if (pr < 0 && errno != EINTR) {
            err_set(e, ERR_INTERNAL, "%s: poll failed", source);
            goto out;
        }
        if (c->cancel && c->cancel(c->cancel_ctx)) {
            err_set(e, ERR_CANCELLED, "%s: cancelled", source);
            goto out;
        }
        if (pr == 0) {
            waited += 100;
            if (waited >= CREDS_PROCESS_TIMEOUT_MS) {
                err_set(e, ERR_DEADLINE_EXCEEDED, "%s did not finish within %d s", source,
                        CREDS_PROCESS_TIMEOUT_MS / 1000);
                goto out;
            }
            continue;
        }
        char chunk[4096];
        ssize_t n = read(pipefd[0], chunk, sizeof(chunk));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        if (buf_append(&b, chunk, (size_t)n) != 0) {
            OPENSSL_cleanse(chunk, sizeof(chunk));
            if (b.len + (size_t)n <= CREDS_PROCESS_MAX_OUTPUT)
                err_set(e, ERR_RESOURCE_EXHAUSTED, "out of memory reading the output of %s",
                        source);
            else
                err_set(e, ERR_FAILED_PRECONDITION, "%s printed more than %d bytes", source,
                        CREDS_PROCESS_MAX_OUTPUT);
            goto out;
        }
        OPENSSL_cleanse(chunk, sizeof(chunk));
    }
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    pid = -1;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        err_set(e, ERR_FAILED_PRECONDITION, "%s failed (exit status %d)", source,
                WIFEXITED(status) ? WEXITSTATUS(status) : -1);
        goto out;
    }
    if (creds_from_json(b.data ? b.data : "", b.len, source, out, e) != 0)
        goto out;
    rc = STEP_FOUND;
out:
    if (pid > 0) {
        kill(pid, SIGKILL);
        while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
            ;
    }
    if (fa_init)
        posix_spawn_file_actions_destroy(&fa);
    if (pipefd[0] >= 0)
        close(pipefd[0]);
    if (pipefd[1] >= 0)
        close(pipefd[1]);
    if (b.data)
        OPENSSL_cleanse(b.data, b.len);
    buf_free(&b);
    return rc;
}

static int http_get_text(chain *c, const char *method, const char *url, const http_header *h,
                         size_t nh, long timeout_ms, http_response *resp, err *e)
{
    http_request req = {.method = method,
                        .url = url,
                        .headers = h,
                        .n_headers = nh,
                        .timeout_ms = timeout_ms,
                        .max_response = 64 * 1024};
    enum http_failure f = HTTP_OK;
    return http_do(c->p->cfg.http, &req, c->cancel, c->cancel_ctx, resp, &f, e);
}

/* 127.0.0.0/8 written as a dotted-decimal IPv4 literal: the n bytes at h. */
static bool loopback_ipv4(const char *h, size_t n)
{
    size_t i = 0;
    for (int part = 0; part < 4; part++) {
        unsigned v = 0;
        size_t digits = 0;
        while (i < n && isdigit((unsigned char)h[i]) && digits < 3) {
            v = v * 10 + (unsigned)(h[i++] - '0');
            digits++;
        }
        if (!digits || v > 255 || (part == 0 && v != 127))
            return false;
        if (part < 3 && (i >= n || h[i++] != '.'))
            return false;
    }
    return i == n;
}

/* Allowed FULL_URI: https, or http to loopback or the ECS/EKS agent addresses. The
 * whole host is compared, up to an optional numeric port; user info is refused, since
 * with "http://127.0.0.1@other/" the request (and the token) would go to "other". */
bool creds_container_uri_allowed(const char *uri)
{
    if (str_has_prefix(uri, "https://"))
        return true;
    if (!str_has_prefix(uri, "http://"))
        return false;
    const char *h = uri + 7;
    size_t alen = strcspn(h, "/?#"), hlen;
    if (memchr(h, '@', alen))
        return false;
    const char *end = h[0] == '[' ? memchr(h, ']', alen) : NULL;
    if (h[0] == '[' && !end)
        return false;
    if (end) {
        hlen = (size_t)(end - h) + 1;
    } else {
        const char *colon = memchr(h, ':', alen);
        hlen = colon ? (size_t)(colon - h) : alen;
    }
    if (hlen < alen) {
        if (h[hlen] != ':' || hlen + 1 == alen)
            return false;
        for (size_t i = hlen + 1; i < alen; i++)
            if (!isdigit((unsigned char)h[i]))
                return false;
    }
    static const char *const ok[] = {"localhost", "[::1]", "169.254.170.2", "169.254.170.23",
                                     "[fd00:ec2::23]"};
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
        if (strlen(ok[i]) == hlen && memcmp(h, ok[i], hlen) == 0)
            return true;
    return loopback_ipv4(h, hlen);
}

static int step_container(chain *c, aws_credentials *out, err *e)
{
    const char *rel = env_get(c, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
    const char *full = env_get(c, "AWS_CONTAINER_CREDENTIALS_FULL_URI");
    char url[2048];
    char *auth = NULL;
    http_response resp = {0};
    int rc = STEP_ERR;
    if (!rel && !full) {
        tried_add(&c->t, "container credentials (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI and "
                         "_FULL_URI not set)");
        return STEP_SKIP;
    }
    if (rel) {
        snprintf(url, sizeof(url), "%s%s%s", ECS_DEFAULT_HOST, rel[0] == '/' ? "" : "/", rel);
    } else {
        if (!creds_container_uri_allowed(full))
            return err_set(e, ERR_INVALID_ARGUMENT,
                           "AWS_CONTAINER_CREDENTIALS_FULL_URI must be https or a loopback / "
                           "container-agent address");
        str_copy(url, sizeof(url), full);
    }
    const char *tokfile = env_get(c, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE");
    const char *tok = env_get(c, "AWS_CONTAINER_AUTHORIZATION_TOKEN");
    if (tokfile) {
        if (read_small_file(tokfile, "container authorization token", &auth, e) != 0)
            goto out;
    } else if (tok && !(auth = str_dup(tok))) {
        err_set(e, ERR_RESOURCE_EXHAUSTED, "out of memory");
        goto out;
    }
    http_header h[1] = {{"Authorization", auth}};
    if (http_get_text(c, "GET", url, h, auth ? 1 : 0, ECS_TIMEOUT_MS, &resp, e) != 0) {
        err_set(e, e->code, "container credentials: %s", e->msg);
        goto out;
    }
    if (resp.status != 200) {
        err_set(e, ERR_UNAVAILABLE, "container credentials: the endpoint answered HTTP %ld",
                resp.status);
        goto out;
    }
    if (creds_from_json(resp.body, resp.body_len, "container credentials", out, e) != 0)
        goto out;
    rc = STEP_FOUND;
out:
    if (auth) {
        OPENSSL_cleanse(auth, strlen(auth));
        free(auth);
    }
    if (resp.body)
        OPENSSL_cleanse(resp.body, resp.body_len);
    http_response_free(&resp);
    return rc;
}

static bool env_true(chain *c, const char *name)
{
    const char *v = env_get(c, name);
    return v && strcasecmp(v, "true") == 0;
}

/* IMDSv2: a session token first (PUT), then the role name, then its credentials. */
static int step_imds(chain *c, aws_credentials *out, err *e)
{
    const char *base = env_get(c, "AWS_EC2_METADATA_SERVICE_ENDPOINT");
    if (!base)
        base = IMDS_DEFAULT_ENDPOINT;
    if (c->p->cfg.skip_metadata_api_check || env_true(c, "AWS_EC2_METADATA_DISABLED")) {
        tried_add(&c->t, "EC2 instance metadata (turned off by %s)",
                  c->p->cfg.skip_metadata_api_check ? "skipMetadataApiCheck"
                                                    : "AWS_EC2_METADATA_DISABLED");
        return STEP_SKIP;
    }
    int rc = STEP_ERR;
    char url[1024], token[1024] = "", role[256] = "";
    http_response r1 = {0}, r2 = {0}, r3 = {0};
    err ignored = {0};
    size_t blen = strlen(base);
    while (blen && base[blen - 1] == '/')
        blen--;
    snprintf(url, sizeof(url), "%.*s/latest/api/token", (int)blen, base);
    http_header th[1] = {{"X-aws-ec2-metadata-token-ttl-seconds", "21600"}};
    if (http_get_text(c, "PUT", url, th, 1, IMDS_TIMEOUT_MS, &r1, &ignored) != 0 ||
        r1.status != 200 || creds_imds_token(r1.body, r1.body_len, token, sizeof(token)) != 0) {
        if (ignored.code == ERR_RESOURCE_EXHAUSTED) {
            /* Not "no instance metadata here": the chain must not end in "no credentials". */
            *e = ignored;
            goto out;
        }
        tried_add(&c->t, "EC2 instance metadata (no IMDSv2 token from %.*s)", (int)blen, base);
        rc = STEP_SKIP;
        goto out;
    }
    http_header h[1] = {{"X-aws-ec2-metadata-token", token}};
    snprintf(url, sizeof(url), "%.*s/latest/meta-data/iam/security-credentials/", (int)blen, base);
    if (http_get_text(c, "GET", url, h, 1, IMDS_TIMEOUT_MS, &r2, e) != 0)
        goto out;
    if (r2.status == 404) {
        tried_add(&c->t, "EC2 instance metadata (the instance has no IAM role)");
        rc = STEP_SKIP;
        goto out;
    }
    if (r2.status != 200 || creds_imds_role_name(r2.body, r2.body_len, role, sizeof(role)) != 0) {
        err_set(e, ERR_UNAVAILABLE, "EC2 instance metadata: no role name (HTTP %ld)", r2.status);
        goto out;
    }
    snprintf(url, sizeof(url), "%.*s/latest/meta-data/iam/security-credentials/%s", (int)blen, base,
             role);
    if (http_get_text(c, "GET", url, h, 1, IMDS_TIMEOUT_MS, &r3, e) != 0)
        goto out;
    if (r3.status != 200) {
        err_set(e, ERR_UNAVAILABLE, "EC2 instance metadata: credentials of role %s: HTTP %ld", role,
                r3.status);
        goto out;
    }
    char source[sizeof(role) + 32];
    snprintf(source, sizeof(source), "EC2 instance metadata (role %s)", role);
    if (creds_from_json(r3.body, r3.body_len, source, out, e) != 0)
        goto out;
    rc = STEP_FOUND;
out:
    OPENSSL_cleanse(token, sizeof(token));
    if (r1.body)
        OPENSSL_cleanse(r1.body, r1.body_len);
    if (r3.body)
        OPENSSL_cleanse(r3.body, r3.body_len);
    http_response_free(&r1);
    http_response_free(&r2);
    http_response_free(&r3);
    return rc;
}

static int step_profile(chain *c, const char *name, int depth, aws_credentials *out, err *e);

static int profile_int(const profile_set *ps, const char *name, const char *key)
{
    const char *v = profile_get(ps, name, key);
    return v ? (int)strtol(v, NULL, 10) : 0;
}

/* role_arn in a profile: base credentials from source_profile or credential_source,
 * then STS AssumeRole. */
static int step_profile_role(chain *c, const char *name, int depth, aws_credentials *out, err *e)
{
    const profile_set *ps = c->p->cfg.profiles;
    const char *role_arn = profile_get(ps, name, "role_arn");
    const char *src = profile_get(ps, name, "source_profile");
    const char *csrc = profile_get(ps, name, "credential_source");
    const char *wif = profile_get(ps, name, "web_identity_token_file");
    aws_credentials base;
    memset(&base, 0, sizeof(base));
    int rc = STEP_ERR;
    if (wif) {
        creds_web_identity wi = {.role_arn = role_arn,
                                 .session_name = profile_get(ps, name, "role_session_name"),
                                 .token_file = wif,
                                 .duration_seconds = profile_int(ps, name, "duration_seconds")};
        char source[160];
        snprintf(source, sizeof(source), "profile '%s' web_identity_token_file", name);
        return step_web_identity(c, &wi, source, out, e);
    }
    if (src && csrc)
        return err_set(e, ERR_INVALID_ARGUMENT,
                       "profile '%s' sets both source_profile and credential_source", name);
    int r;
    if (src) {
        /* A profile that names itself as source uses its own static keys. */
        if (strcmp(src, name) == 0) {
            const char *ak = profile_get(ps, name, "aws_access_key_id");
            const char *sk = profile_get(ps, name, "aws_secret_access_key");
            if (!ak || !sk)
                return err_set(e, ERR_INVALID_ARGUMENT,
                               "profile '%s' is its own source_profile but has no static keys",
                               name);
            r = set_static(&base, ak, sk, profile_get(ps, name, "aws_session_token"), name, e) == 0
                    ? STEP_FOUND
                    : STEP_ERR;
        } else {
            if (!profile_exists(ps, src))
                return err_set(e, ERR_INVALID_ARGUMENT,
                               "profile '%s' names source_profile '%s', which no shared file "
                               "defines",
                               name, src);
            r = step_profile(c, src, depth + 1, &base, e);
        }
    } else if (csrc) {
        if (strcmp(csrc, "Environment") == 0) {
            const char *ak = env_get(c, "AWS_ACCESS_KEY_ID");
            const char *sk = env_get(c, "AWS_SECRET_ACCESS_KEY");
            if (!ak || !sk)
                return err_set(e, ERR_INVALID_ARGUMENT,
                               "profile '%s' has credential_source Environment, but "
                               "AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY are not set",
                               name);
            r = set_static(&base, ak, sk, env_get(c, "AWS_SESSION_TOKEN"), "environment", e) == 0
                    ? STEP_FOUND
                    : STEP_ERR;
        } else if (strcmp(csrc, "Ec2InstanceMetadata") == 0) {
            r = step_imds(c, &base, e);
        } else if (strcmp(csrc, "EcsContainer") == 0) {
            r = step_container(c, &base, e);
        } else {
            return err_set(e, ERR_INVALID_ARGUMENT,
                           "profile '%s': credential_source must be Environment, "
                           "Ec2InstanceMetadata or EcsContainer",
                           name);
        }
    } else {
        return err_set(e, ERR_INVALID_ARGUMENT,
                       "profile '%s' sets role_arn but neither source_profile nor "
                       "credential_source",
                       name);
    }
    if (r == STEP_SKIP)
        err_set(e, ERR_FAILED_PRECONDITION, "profile '%s': its source gave no credentials (%s)",
                name, c->t.b.data ? c->t.b.data : "");
    if (r != STEP_FOUND)
        goto out;
    if (!c->p->cfg.sts.assume_role) {
        err_set(e, ERR_INTERNAL, "profile '%s': no STS client", name);
        goto out;
    }
    creds_assume_role ar = {.role_arn = role_arn,
                            .session_name = profile_get(ps, name, "role_session_name"),
                            .external_id = profile_get(ps, name, "external_id"),
                            .duration_seconds = profile_int(ps, name, "duration_seconds")};
    if (c->p->cfg.sts.assume_role(c->p->cfg.sts.ctx, &base, &ar, out, e) != 0)
        goto out;
    snprintf(out->source, sizeof(out->source), "profile '%s' (role %s)", name, role_arn);
    rc = STEP_FOUND;
out:
    creds_wipe(&base);
    return rc;
}

static int step_profile(chain *c, const char *name, int depth, aws_credentials *out, err *e)
{
    const profile_set *ps = c->p->cfg.profiles;
    if (depth > CREDS_MAX_PROFILE_DEPTH)
        return err_set(e, ERR_INVALID_ARGUMENT,
                       "profile '%s': source_profile chain is longer than %d (a cycle?)", name,
                       CREDS_MAX_PROFILE_DEPTH);
    if (profile_get(ps, name, "role_arn"))
        return step_profile_role(c, name, depth, out, e);
    const char *proc = profile_get(ps, name, "credential_process");
    if (proc)
        return step_process(c, proc, name, out, e);
    const char *ak = profile_get(ps, name, "aws_access_key_id");
    const char *sk = profile_get(ps, name, "aws_secret_access_key");
    if (ak && sk) {
        char source[160];
        snprintf(source, sizeof(source), "profile '%s' of the shared credentials files", name);
        return set_static(out, ak, sk, profile_get(ps, name, "aws_session_token"), source, e) == 0
                   ? STEP_FOUND
                   : STEP_ERR;
    }
    if (ak || sk)
        return err_set(e, ERR_INVALID_ARGUMENT,
                       "profile '%s' sets only one of aws_access_key_id and aws_secret_access_key",
                       name);
    if (depth > 0)
        return err_set(e, ERR_INVALID_ARGUMENT, "source profile '%s' has no credentials", name);
    tried_add(&c->t, "shared files profile '%s' (%s)", name,
              profile_exists(ps, name) ? "has no credentials" : "not defined");
    return STEP_SKIP;
}

/* Steps 1 to 7 of the chain: the base credentials. */
static int resolve_base(chain *c, aws_credentials *out, err *e)
{
    const creds_config *cfg = &c->p->cfg;
    bool ak = cfg->access_key && *cfg->access_key, sk = cfg->secret_key && *cfg->secret_key;
    if (ak && sk)
        return set_static(out, cfg->access_key, cfg->secret_key, cfg->token,
                          "provider config (accessKey/secretKey)", e) == 0
                   ? STEP_FOUND
                   : STEP_ERR;
    if (ak || sk)
        return err_set(e, ERR_INVALID_ARGUMENT,
                       "provider config sets %s but not %s: set both or neither",
                       ak ? "accessKey" : "secretKey", ak ? "secretKey" : "accessKey");
    tried_add(&c->t, "provider config (accessKey/secretKey not set)");

    if (cfg->web_identity && cfg->web_identity->role_arn)
        return step_web_identity(c, cfg->web_identity, "provider config assumeRoleWithWebIdentity",
                                 out, e);

    const char *eak = env_get(c, "AWS_ACCESS_KEY_ID"), *esk = env_get(c, "AWS_SECRET_ACCESS_KEY");
    if (eak && esk)
        return set_static(out, eak, esk, env_get(c, "AWS_SESSION_TOKEN"),
                          "environment (AWS_ACCESS_KEY_ID)", e) == 0
                   ? STEP_FOUND
                   : STEP_ERR;
    if (eak || esk)
        return err_set(e, ERR_INVALID_ARGUMENT,
                       "the environment sets %s but not %s: set both or neither",
                       eak ? "AWS_ACCESS_KEY_ID" : "AWS_SECRET_ACCESS_KEY",
                       eak ? "AWS_SECRET_ACCESS_KEY" : "AWS_ACCESS_KEY_ID");
    tried_add(&c->t, "environment (AWS_ACCESS_KEY_ID not set)");

    const char *wif = env_get(c, "AWS_WEB_IDENTITY_TOKEN_FILE");
    const char *warn = env_get(c, "AWS_ROLE_ARN");
    if (wif && warn) {
        creds_web_identity wi = {.role_arn = warn,
                                 .session_name = env_get(c, "AWS_ROLE_SESSION_NAME"),
                                 .token_file = wif};
        return step_web_identity(c, &wi, "AWS_WEB_IDENTITY_TOKEN_FILE", out, e);
    }
    tried_add(&c->t, "web identity (AWS_WEB_IDENTITY_TOKEN_FILE/AWS_ROLE_ARN not set)");

    if (cfg->profiles) {
        if (profile_check_selected(cfg->profiles, e) != 0)
            return STEP_ERR;
        int r = step_profile(c, cfg->profiles->name, 0, out, e);
        if (r != STEP_SKIP)
            return r;
    }
    int r = step_container(c, out, e);
    if (r != STEP_SKIP)
        return r;
    return step_imds(c, out, e);
}

static int resolve(chain *c, aws_credentials *out, err *e)
{
    aws_credentials cur;
    memset(&cur, 0, sizeof(cur));
    int rc = -1;
    int r = resolve_base(c, &cur, e);
    if (r == STEP_SKIP) {
        err_set(e, ERR_UNAUTHENTICATED,
                "no AWS credentials found. Tried: %s. Set accessKey/secretKey, "
                "AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or a profile",
                c->t.b.data ? c->t.b.data : "nothing");
        goto out;
    }
    if (r != STEP_FOUND)
        goto out;
    const creds_config *cfg = &c->p->cfg;
    for (size_t i = 0; i < cfg->n_assume_roles; i++) {
        aws_credentials next;
        memset(&next, 0, sizeof(next));
        if (!cfg->sts.assume_role ||
            cfg->sts.assume_role(cfg->sts.ctx, &cur, &cfg->assume_roles[i], &next, e) != 0) {
            err_set(e, e->code ? e->code : ERR_UNAUTHENTICATED,
                    "assumeRoles[%zu] (%s) with credentials from %s: %s", i,
                    cfg->assume_roles[i].role_arn ? cfg->assume_roles[i].role_arn : "?", cur.source,
                    e->msg);
            creds_wipe(&next);
            goto out;
        }
        snprintf(next.source, sizeof(next.source), "assumeRoles[%zu] (%s)", i,
                 cfg->assume_roles[i].role_arn);
        creds_wipe(&cur);
        cur = next;
        creds_wipe(&next);
    }
    *out = cur;
    rc = 0;
out:
    creds_wipe(&cur);
    return rc;
}

/* ---- provider ----------------------------------------------------------------- */

int creds_provider_new(const creds_config *cfg, creds_provider **out, err *e)
{
    creds_provider *p = calloc(1, sizeof(*p));
    if (!p)
        return err_set(e, ERR_RESOURCE_EXHAUSTED, "out of memory");
    p->cfg = *cfg;
    pthread_mutex_init(&p->lock, NULL);
    *out = p;
    return 0;
}

static bool fresh(const aws_credentials *c, time_t now)
{
    return c->expires == 0 || c->expires - now > CREDS_REFRESH_MARGIN_S;
}

int creds_get(creds_provider *p, http_cancel_fn cancel, void *cancel_ctx, aws_credentials *out,
              err *e)
{
    int rc = -1;
    chain c = {.p = p, .cancel = cancel, .cancel_ctx = cancel_ctx};
    buf_init(&c.t.b, 8192);
    pthread_mutex_lock(&p->lock);
    time_t now = time(NULL);
    if (p->have && fresh(&p->cached, now)) {
        *out = p->cached;
        rc = 0;
        goto out;
    }
    aws_credentials got;
    if (resolve(&c, &got, e) == 0) {
        creds_wipe(&p->cached);
        p->cached = got;
        p->have = true;
        creds_wipe(&got);
        *out = p->cached;
        rc = 0;
    } else if (p->have && p->cached.expires > now) {
        /* Refreshing failed but the old credentials still work for a while. */
        log_at(1, "refreshing credentials from %s failed (%s); using them until they expire",
               p->cached.source, e->msg);
        *out = p->cached;
        rc = 0;
    }
out:
    pthread_mutex_unlock(&p->lock);
    buf_free(&c.t.b);
    return rc;
}

void creds_provider_free(creds_provider *p)
{
    if (!p)
        return;
    creds_wipe(&p->cached);
    pthread_mutex_destroy(&p->lock);
    free(p);
}
