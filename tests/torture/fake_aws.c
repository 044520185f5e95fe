/* fake_aws: see fake_aws.h. Uses no heap memory (static buffers only). */
#include "fake_aws.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#define IAM_NS "xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\""
#define META "<ResponseMetadata><RequestId>fake-req</RequestId></ResponseMetadata>"
/* The trust policy the torture's Role uses (TRUST_SM), percent-encoded as IAM sends it. */
#define TRUST_ENC                                                                                  \
    "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C"  \
    "%22Principal%22%3A%7B%22Service%22%3A%22sagemaker.amazonaws.com%22%7D%2C%22Action%22%3A%22"   \
    "sts%3AAssumeRole%22%7D%5D%7D"
#define POLICY_ENC                                                                                 \
    "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C"  \
    "%22Action%22%3A%22*%22%2C%22Resource%22%3A%22*%22%7D%5D%7D"
#define ROLE_XML                                                                                   \
    "<Role><Path>/</Path><RoleName>torture-role</RoleName><RoleId>AROAFAKE</RoleId>"               \
    "<Arn>arn:aws:iam::123456789012:role/torture-role</Arn>"                                       \
    "<CreateDate>2020-01-01T00:00:00Z</CreateDate><AssumeRolePolicyDocument>" TRUST_ENC            \
    "</AssumeRolePolicyDocument><Description>d</Description>"                                      \
    "<MaxSessionDuration>7200</MaxSessionDuration></Role>"

#define POL_XML                                                                                    \
    "<Policy><PolicyName>torture-pol</PolicyName><PolicyId>ANPAFAKE</PolicyId>"                    \
    "<Arn>arn:aws:iam::123456789012:policy/t/torture-pol</Arn><Path>/t/</Path>"                    \
    "<DefaultVersionId>v5</DefaultVersionId><AttachmentCount>1</AttachmentCount>"                  \
    "<Description>d</Description><CreateDate>2020-01-01T00:00:00Z</CreateDate></Policy>"
#define POL_VERSION(v, day, def)                                                                   \
    "<member><VersionId>" v "</VersionId><IsDefaultVersion>" def "</IsDefaultVersion>"             \
    "<CreateDate>2020-01-0" day "T00:00:00Z</CreateDate></member>"

typedef struct canned {
    const char *action; /* Action= of a query request, or the X-Amz-Target suffix */
    int status;
    const char *body;
} canned;

static const canned query_answers[] = {
    {"GetCallerIdentity", 200,
     "<GetCallerIdentityResponse><GetCallerIdentityResult><Arn>arn:aws:iam::123456789012:user/t"
     "</Arn><UserId>AIDAFAKE</UserId><Account>123456789012</Account></GetCallerIdentityResult>" META
     "</GetCallerIdentityResponse>"},
    {"AssumeRole", 200,
     "<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>ASIAFAKE</AccessKeyId>"
     "<SecretAccessKey>fake-secret</SecretAccessKey><SessionToken>fake-token</SessionToken>"
     "<Expiration>2099-01-01T00:00:00Z</Expiration></Credentials></AssumeRoleResult>" META
     "</AssumeRoleResponse>"},
    {"AssumeRoleWithWebIdentity", 200,
     "<AssumeRoleWithWebIdentityResponse><AssumeRoleWithWebIdentityResult><Credentials>"
     "<AccessKeyId>ASIAWEB</AccessKeyId><SecretAccessKey>web-secret</SecretAccessKey>"
     "<SessionToken>web-token</SessionToken><Expiration>2099-01-01T00:00:00Z</Expiration>"
     "</Credentials></AssumeRoleWithWebIdentityResult>" META
     "</AssumeRoleWithWebIdentityResponse>"},
    {"CreateRole", 200,
     "<CreateRoleResponse " IAM_NS "><CreateRoleResult>" ROLE_XML "</CreateRoleResult>" META
     "</CreateRoleResponse>"},
    {"GetRole", 200,
     "<GetRoleResponse " IAM_NS "><GetRoleResult>" ROLE_XML "</GetRoleResult>" META
     "</GetRoleResponse>"},
    {"ListRoleTags", 200,
     "<ListRoleTagsResponse " IAM_NS "><ListRoleTagsResult><IsTruncated>false</IsTruncated><Tags>"
     "<member><Key>team</Key><Value>ml</Value></member><member><Key>env</Key><Value>torture"
     "</Value></member><member><Key>ignored:x</Key><Value>1</Value></member></Tags>"
     "</ListRoleTagsResult>" META "</ListRoleTagsResponse>"},
    {"ListRolePolicies", 200,
     "<ListRolePoliciesResponse " IAM_NS "><ListRolePoliciesResult><IsTruncated>false"
     "</IsTruncated><PolicyNames><member>all</member><member>extra</member></PolicyNames>"
     "</ListRolePoliciesResult>" META "</ListRolePoliciesResponse>"},
    {"GetRolePolicy", 200,
     "<GetRolePolicyResponse " IAM_NS "><GetRolePolicyResult><RoleName>torture-role</RoleName>"
     "<PolicyName>all</PolicyName><PolicyDocument>" POLICY_ENC "</PolicyDocument>"
     "</GetRolePolicyResult>" META "</GetRolePolicyResponse>"},
    {"ListAttachedRolePolicies", 200,
     "<ListAttachedRolePoliciesResponse " IAM_NS "><ListAttachedRolePoliciesResult><IsTruncated>"
     "false</IsTruncated><AttachedPolicies><member><PolicyName>AdministratorAccess</PolicyName>"
     "<PolicyArn>arn:aws:iam::aws:policy/AdministratorAccess</PolicyArn></member><member>"
     "<PolicyName>AmazonSageMakerFullAccess</PolicyName><PolicyArn>arn:aws:iam::aws:policy/"
     "AmazonSageMakerFullAccess</PolicyArn></member></AttachedPolicies>"
     "</ListAttachedRolePoliciesResult>" META "</ListAttachedRolePoliciesResponse>"},
    {"ListInstanceProfilesForRole", 200,
     "<ListInstanceProfilesForRoleResponse " IAM_NS "><ListInstanceProfilesForRoleResult>"
     "<IsTruncated>false</IsTruncated><InstanceProfiles/></ListInstanceProfilesForRoleResult>" META
     "</ListInstanceProfilesForRoleResponse>"},
    {"CreatePolicy", 200,
     "<CreatePolicyResponse " IAM_NS "><CreatePolicyResult>" POL_XML "</CreatePolicyResult>" META
     "</CreatePolicyResponse>"},
    {"GetPolicy", 200,
     "<GetPolicyResponse " IAM_NS "><GetPolicyResult>" POL_XML "</GetPolicyResult>" META
     "</GetPolicyResponse>"},
    {"GetPolicyVersion", 200,
     "<GetPolicyVersionResponse " IAM_NS
     "><GetPolicyVersionResult><PolicyVersion><Document>" POLICY_ENC
     "</Document><VersionId>v5</VersionId><IsDefaultVersion>true</IsDefaultVersion>"
     "</PolicyVersion></GetPolicyVersionResult>" META "</GetPolicyVersionResponse>"},
    {"CreatePolicyVersion", 200,
     "<CreatePolicyVersionResponse " IAM_NS "><CreatePolicyVersionResult><PolicyVersion>"
     "<VersionId>v6</VersionId><IsDefaultVersion>false</IsDefaultVersion></PolicyVersion>"
     "</CreatePolicyVersionResult>" META "</CreatePolicyVersionResponse>"},
    {"ListPolicyVersions", 200,
     "<ListPolicyVersionsResponse " IAM_NS "><ListPolicyVersionsResult><IsTruncated>false"
     "</IsTruncated><Versions>" POL_VERSION("v2", "2", "false") POL_VERSION("v1", "1", "false")
         POL_VERSION("v3", "3", "false") POL_VERSION("v4", "4", "false")
             POL_VERSION("v5", "5", "true") "</Versions></ListPolicyVersionsResult>" META
                                            "</ListPolicyVersionsResponse>"},
    {"ListPolicyTags", 200,
     "<ListPolicyTagsResponse " IAM_NS "><ListPolicyTagsResult><IsTruncated>false</IsTruncated>"
     "<Tags><member><Key>team</Key><Value>ml</Value></member><member><Key>env</Key><Value>"
     "torture</Value></member></Tags></ListPolicyTagsResult>" META "</ListPolicyTagsResponse>"},
    {NULL, 0, NULL},
};

static const canned json_answers[] = {
    {"CreatePipeline", 200,
     "{\"PipelineArn\":\"arn:aws:sagemaker:us-east-1:123456789012:pipeline/torture-pipe\"}"},
    {"UpdatePipeline", 200,
     "{\"PipelineArn\":\"arn:aws:sagemaker:us-east-1:123456789012:pipeline/torture-pipe\"}"},
    {"DeletePipeline", 200,
     "{\"PipelineArn\":\"arn:aws:sagemaker:us-east-1:123456789012:pipeline/torture-pipe\"}"},
    {"DescribePipeline", 200,
     "{\"PipelineArn\":\"arn:aws:sagemaker:us-east-1:123456789012:pipeline/torture-pipe\","
     "\"PipelineName\":\"torture-pipe\",\"PipelineDisplayName\":\"torture-pipe\","
     "\"PipelineDefinition\":\"{\\\"Version\\\":\\\"2020-12-01\\\",\\\"Steps\\\":[]}\","
     "\"PipelineDescription\":\"x\",\"RoleArn\":\"arn:aws:iam::123456789012:role/r\","
     "\"PipelineStatus\":\"Active\",\"CreationTime\":1577836800.0,"
     "\"LastModifiedTime\":1577836800.0,\"ParallelismConfiguration\":"
     "{\"MaxParallelExecutionSteps\":2}}"},
    {"ListTags", 200,
     "{\"Tags\":[{\"Key\":\"k\",\"Value\":\"v\"},{\"Key\":\"env\",\"Value\":\"torture\"},"
     "{\"Key\":\"aws:x\",\"Value\":\"1\"}]}"},
    {"AddTags", 200, "{\"Tags\":[]}"},
    {"DeleteTags", 200, "{}"},
    {NULL, 0, NULL},
};

static int write_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* One write per response: with a header and a body in two segments, Nagle's
 * algorithm and the client's delayed ACK would cost 40 ms a request. */
static int respond(int fd, int status, const char *ctype, const char *body, int head)
{
    char out[16384];
    size_t blen = strlen(body);
    int n = snprintf(out, sizeof(out),
                     "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
                     "x-amzn-RequestId: fake-req\r\n\r\n%s",
                     status, status == 200 ? "OK" : "Bad Request", ctype, blen, head ? "" : body);
    if (n < 0 || (size_t)n >= sizeof(out))
        return -1;
    return write_all(fd, out, (size_t)n);
}

/* The value of the form field key in body (up to '&'), copied into out. */
static void form_field(const char *body, const char *key, char *out, size_t outlen)
{
    size_t kl = strlen(key);
    out[0] = '\0';
    for (const char *p = body; p && *p; p = strchr(p, '&'), p = p ? p + 1 : NULL) {
        if (strncmp(p, key, kl) == 0 && p[kl] == '=') {
            size_t n = strcspn(p + kl + 1, "&");
            if (n >= outlen)
                n = outlen - 1;
            memcpy(out, p + kl + 1, n);
            out[n] = '\0';
            return;
        }
    }
}

/* The value of header name in the header block, copied into out. */
static void header_value(const char *hdrs, const char *name, char *out, size_t outlen)
{
    size_t nl = strlen(name);
    out[0] = '\0';
    for (const char *p = hdrs; p && *p; p = strstr(p, "\r\n"), p = p ? p + 2 : NULL) {
        if (strncasecmp(p, name, nl) == 0 && p[nl] == ':') {
            const char *v = p + nl + 1;
            while (*v == ' ')
                v++;
            size_t n = strcspn(v, "\r\n");
            if (n >= outlen)
                n = outlen - 1;
            memcpy(out, v, n);
            out[n] = '\0';
            return;
        }
    }
}

/* Resources named "missing-..." do not exist: AWS's not-found errors. */
#define NO_ROLE                                                                                    \
    "<ErrorResponse " IAM_NS "><Error><Type>Sender</Type><Code>NoSuchEntity</Code><Message>The "   \
    "role with name missing-role cannot be found.</Message></Error><RequestId>fake-req"            \
    "</RequestId></ErrorResponse>"
#define NO_PIPE                                                                                    \
    "{\"__type\":\"com.amazonaws.sagemaker#ResourceNotFound\",\"message\":\"Pipeline "             \
    "'missing-pipe' does not exist.\"}"

#define CREDS_JSON                                                                                 \
    "{\"Code\":\"Success\",\"AccessKeyId\":\"ASIAMETA\",\"SecretAccessKey\":\"meta-secret\","      \
    "\"Token\":\"meta-token\",\"Expiration\":\"2099-01-01T00:00:00Z\"}"

/* Container and instance metadata credentials, and S3 objects (GET/HEAD, PUT). */
static int answer_path(int fd, const char *method, const char *path)
{
    int head = strcmp(method, "HEAD") == 0;
    if (strcmp(method, "PUT") == 0 && strcmp(path, "/latest/api/token") == 0)
        return respond(fd, 200, "text/plain", "fake-imds-token", 0);
    if (strcmp(path, "/latest/meta-data/iam/security-credentials/") == 0)
        return respond(fd, 200, "text/plain", "fake-role", head);
    if (strcmp(path, "/latest/meta-data/iam/security-credentials/fake-role") == 0 ||
        strcmp(path, "/ecs") == 0)
        return respond(fd, 200, "application/json", CREDS_JSON, head);
    return respond(fd, 200, "application/octet-stream", "{}", head);
}

static int str_starts(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

#define S3_NS "xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\""
#define S3_ERR(code, msg)                                                                          \
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>" code "</Code><Message>" msg        \
    "</Message><RequestId>fake-req</RequestId></Error>"

/* S3 (path-style) for the bucket family: torture-bucket exists with every
 * configuration set, missing-bucket does not; writes succeed. */
static const canned s3_answers[] = {
    {"tagging", 200,
     "<Tagging " S3_NS "><TagSet><Tag><Key>team</Key><Value>ml</Value></Tag><Tag><Key>env</Key>"
     "<Value>torture</Value></Tag><Tag><Key>ignored:x</Key><Value>1</Value></Tag></TagSet>"
     "</Tagging>"},
    {"object-lock", 404,
     S3_ERR("ObjectLockConfigurationNotFoundError",
            "Object Lock configuration does not exist for this bucket")},
    {"publicAccessBlock", 200,
     "<PublicAccessBlockConfiguration " S3_NS "><BlockPublicAcls>true</BlockPublicAcls>"
     "<IgnorePublicAcls>false</IgnorePublicAcls><BlockPublicPolicy>true</BlockPublicPolicy>"
     "<RestrictPublicBuckets>true</RestrictPublicBuckets></PublicAccessBlockConfiguration>"},
    {"encryption", 200,
     "<ServerSideEncryptionConfiguration " S3_NS "><Rule><ApplyServerSideEncryptionByDefault>"
     "<SSEAlgorithm>aws:kms</SSEAlgorithm><KMSMasterKeyID>arn:aws:kms:us-east-1:123456789012:"
     "key/k</KMSMasterKeyID></ApplyServerSideEncryptionByDefault><BucketKeyEnabled>true"
     "</BucketKeyEnabled><BlockedEncryptionTypes><EncryptionType>SSE-C</EncryptionType>"
     "</BlockedEncryptionTypes></Rule></ServerSideEncryptionConfiguration>"},
    {"versioning", 200,
     "<VersioningConfiguration " S3_NS "><Status>Enabled</Status><MfaDelete>Disabled</MfaDelete>"
     "</VersioningConfiguration>"},
    {"policy", 200,
     "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":"
     "{\"AWS\":\"arn:aws:iam::123456789012:root\"},\"Action\":[\"s3:GetObject\"],"
     "\"Resource\":\"arn:aws:s3:::torture-bucket/*\"}]}"},
    {"versions", 200,
     "<ListVersionsResult " S3_NS "><Name>torture-bucket</Name><IsTruncated>false</IsTruncated>"
     "<Version><Key>a b</Key><VersionId>v1</VersionId></Version><DeleteMarker><Key>a b</Key>"
     "<VersionId>v2</VersionId></DeleteMarker><Version><Key>c</Key><VersionId>null"
     "</VersionId></Version></ListVersionsResult>"},
    {"delete", 200, "<DeleteResult " S3_NS "></DeleteResult>"},
    {"prefix", 200,
     "<ListAllMyBucketsResult " S3_NS "><Buckets><Bucket><Name>torture-bucket</Name>"
     "<CreationDate>2020-01-01T00:00:00.000Z</CreationDate></Bucket></Buckets>"
     "</ListAllMyBucketsResult>"},
    {NULL, 0, NULL},
};

static int answer_s3(int fd, const char *method, const char *path, const char *query)
{
    int head = strcmp(method, "HEAD") == 0;
    if (str_starts(path, "/missing-bucket"))
        return respond(fd, 404, "application/xml",
                       S3_ERR("NoSuchBucket", "The specified bucket does not exist"), head);
    if (strcmp(method, "GET") != 0 && strcmp(method, "POST") != 0)
        return respond(fd, 200, "application/xml", "", head); /* PUT, DELETE, HEAD */
    size_t ql = strcspn(query, "=&");
    for (const canned *c = s3_answers; c->action; c++)
        if (strlen(c->action) == ql && strncmp(c->action, query, ql) == 0)
            return respond(fd, c->status, "application/xml", c->body, 0);
    return respond(fd, 400, "application/xml", S3_ERR("InvalidRequest", "fake_aws: unknown"), 0);
}

static int answer(int fd, const char *method, const char *path, const char *query, const char *hdrs,
                  const char *body)
{
    char target[256], action[256];
    if (str_starts(path, "/torture-bucket") || str_starts(path, "/missing-bucket") ||
        (strcmp(path, "/") == 0 && str_starts(query, "prefix=")))
        return answer_s3(fd, method, path, query);
    if (strcmp(method, "POST") != 0)
        return answer_path(fd, method, path);
    header_value(hdrs, "X-Amz-Target", target, sizeof(target));
    if (target[0] && strstr(body, "missing-pipe"))
        return respond(fd, 400, "application/x-amz-json-1.1", NO_PIPE, 0);
    if (!target[0] && strstr(body, "RoleName=missing-role"))
        return respond(fd, 404, "text/xml", NO_ROLE, 0);
    if (target[0]) {
        const char *dot = strchr(target, '.');
        const char *op = dot ? dot + 1 : target;
        for (const canned *c = json_answers; c->action; c++)
            if (strcmp(c->action, op) == 0)
                return respond(fd, c->status, "application/x-amz-json-1.1", c->body, 0);
        return respond(fd, 400, "application/x-amz-json-1.1",
                       "{\"__type\":\"ValidationException\",\"message\":\"fake_aws: unknown "
                       "target\"}",
                       0);
    }
    form_field(body, "Action", action, sizeof(action));
    for (const canned *c = query_answers; c->action; c++)
        if (strcmp(c->action, action) == 0)
            return respond(fd, c->status, "text/xml", c->body, 0);
    /* Every other IAM write succeeds with an empty result. */
    char ok[1024];
    snprintf(ok, sizeof(ok), "<%sResponse " IAM_NS ">" META "</%sResponse>", action, action);
    return respond(fd, 200, "text/xml", ok, 0);
}

static char *find_blank_line(char *p, size_t n)
{
    for (size_t i = 0; i + 4 <= n; i++)
        if (memcmp(p + i, "\r\n\r\n", 4) == 0)
            return p + i;
    return NULL;
}

#define REQ_MAX (1 << 20)

/* The requests of one keep-alive connection until the peer closes it or goes quiet. */
static void serve_with(int fd, char *req, char *hdrs, char *body)
{
    size_t have = 0;
    for (;;) {
        char *end = NULL;
        while (!(end = find_blank_line(req, have))) {
            struct pollfd p = {.fd = fd, .events = POLLIN};
            if (have >= REQ_MAX - 1 || poll(&p, 1, 60000) <= 0)
                return;
            ssize_t r = read(fd, req + have, REQ_MAX - 1 - have);
            if (r <= 0)
                return;
            have += (size_t)r;
        }
        size_t hlen = (size_t)(end - req) + 4;
        size_t hl = hlen < 65536 ? hlen : 65535;
        memcpy(hdrs, req, hl);
        hdrs[hl] = '\0';
        char cl[32];
        header_value(hdrs, "Content-Length", cl, sizeof(cl));
        size_t blen = cl[0] ? strtoul(cl, NULL, 10) : 0;
        if (hlen + blen >= REQ_MAX)
            return;
        while (have < hlen + blen) {
            struct pollfd p = {.fd = fd, .events = POLLIN};
            if (poll(&p, 1, 60000) <= 0)
                return;
            ssize_t r = read(fd, req + have, REQ_MAX - 1 - have);
            if (r <= 0)
                return;
            have += (size_t)r;
        }
        memcpy(body, req + hlen, blen);
        body[blen] = '\0';
        char method[16], path[1024];
        size_t ml = strcspn(hdrs, " ");
        if (ml >= sizeof(method))
            ml = sizeof(method) - 1;
        memcpy(method, hdrs, ml);
        method[ml] = '\0';
        const char *ps = hdrs[ml] ? hdrs + ml + 1 : hdrs + ml;
        size_t pl = strcspn(ps, " ?\r\n");
        if (pl >= sizeof(path))
            pl = sizeof(path) - 1;
        memcpy(path, ps, pl);
        path[pl] = '\0';
        char query[1024] = "";
        if (ps[pl] == '?') {
            size_t ql = strcspn(ps + pl + 1, " \r\n");
            if (ql >= sizeof(query))
                ql = sizeof(query) - 1;
            memcpy(query, ps + pl + 1, ql);
            query[ql] = '\0';
        }
        if (answer(fd, method, path, query, hdrs, body) != 0)
            return;
        memmove(req, req + hlen + blen, have - hlen - blen);
        have -= hlen + blen;
    }
}

/* Serves one connection (a thread of its own). */
static void *serve(void *arg)
{
    int fd = (int)(intptr_t)arg;
    char *req = malloc(REQ_MAX), *hdrs = malloc(65536), *body = malloc(REQ_MAX);
    if (!req || !hdrs || !body)
        goto out;
    serve_with(fd, req, hdrs, body);
out:
    free(req);
    free(hdrs);
    free(body);
    close(fd);
    return NULL;
}

int fake_aws_start(fake_aws *s)
{
    int ctl[2], portp[2];
    memset(s, 0, sizeof(*s));
    s->ctl = -1;
    if (pipe(ctl) != 0 || pipe(portp) != 0)
        return -1;
    int lfd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t al = sizeof(a);
    if (lfd < 0 || bind(lfd, (struct sockaddr *)&a, sizeof(a)) != 0 || listen(lfd, 64) != 0 ||
        getsockname(lfd, (struct sockaddr *)&a, &al) != 0)
        return -1;
    s->port = ntohs(a.sin_port);
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        signal(SIGPIPE, SIG_IGN);
        pthread_attr_t detached;
        pthread_attr_init(&detached);
        pthread_attr_setdetachstate(&detached, PTHREAD_CREATE_DETACHED);
        close(ctl[1]);
        close(portp[0]);
        close(portp[1]);
        for (;;) {
            struct pollfd p[2] = {{.fd = lfd, .events = POLLIN}, {.fd = ctl[0], .events = POLLIN}};
            if (poll(p, 2, -1) < 0) {
                if (errno == EINTR)
                    continue;
                _exit(1);
            }
            if (p[1].revents)
                _exit(0); /* the torture closed its end */
            if (!(p[0].revents & POLLIN))
                continue;
            int c = accept(lfd, NULL, NULL);
            if (c < 0)
                continue;
            int one = 1;
            setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
            pthread_t t;
            if (pthread_create(&t, &detached, serve, (void *)(intptr_t)c) != 0)
                close(c);
        }
    }
    close(ctl[0]);
    close(portp[0]);
    close(portp[1]);
    close(lfd);
    s->pid = pid;
    s->ctl = ctl[1];
    return 0;
}

void fake_aws_stop(fake_aws *s)
{
    if (s->ctl >= 0)
        close(s->ctl);
    s->ctl = -1;
    if (s->pid > 0)
        waitpid(s->pid, NULL, 0);
    s->pid = -1;
}
