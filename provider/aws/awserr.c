/* awserr: the AWS error record (see awserr.h). Everything in the record comes
 * from the wire, so each field is sanitised on the way in: codes and request
 * ids keep only the characters AWS uses for them, messages lose control
 * characters and broken UTF-8 and are capped. The record never holds request
 * data, so it can never carry a credential. */
#include "aws/awserr.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>

#include "aws/xml.h"
#include "util/mem.h"
#include "util/str.h"

/* A non-error body (an HTML page from a proxy or load balancer) is quoted only
 * this far: enough to recognise it, not enough to flood a log line. */
#define AWSERR_BODY_QUOTE 256

/* Length of the UTF-8 sequence starting with lead byte c (0 when c cannot start one). */
static size_t utf8_seq_len(unsigned char c)
{
    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf)
        return 2;
    if (c >= 0xe0 && c <= 0xef)
        return 3;
    if (c >= 0xf0 && c <= 0xf4)
        return 4;
    return 0;
}

/* Copies src[0..len) into dst[dstlen]: control characters dropped (line
 * breaks and tabs become one space, runs of spaces collapse), invalid UTF-8
 * becomes '?', never cut inside a character, trimmed at both ends. */
static void sanitize_text(char *dst, size_t dstlen, const char *src, size_t len)
{
    size_t o = 0;
    if (dstlen == 0)
        return;
    dst[0] = '\0';
    if (!src)
        return;
    for (size_t i = 0; i < len && o + 1 < dstlen;) {
        unsigned char c = (unsigned char)src[i];
        if (c < 0x20 || c == 0x7f) {
            if ((c == '\n' || c == '\r' || c == '\t') && o > 0 && dst[o - 1] != ' ')
                dst[o++] = ' ';
            i++;
            continue;
        }
        if (c == ' ') {
            if (o > 0 && dst[o - 1] != ' ')
                dst[o++] = ' ';
            i++;
            continue;
        }
        size_t n = utf8_seq_len(c);
        if (n == 0 || n > len - i || !str_utf8_valid(src + i, n)) {
            dst[o++] = '?';
            i++;
            continue;
        }
        if (o + n >= dstlen)
            break; /* no room for the whole character */
        memcpy(dst + o, src + i, n);
        o += n;
        i += n;
    }
    while (o > 0 && dst[o - 1] == ' ')
        o--;
    dst[o] = '\0';
}

/* Codes and request ids are identifiers: letters, digits and a little
 * punctuation. Anything else is dropped rather than trusted. */
static void sanitize_ident(char *dst, size_t dstlen, const char *src, size_t len)
{
    size_t o = 0;
    if (dstlen == 0)
        return;
    for (size_t i = 0; src && i < len && o + 1 < dstlen; i++) {
        unsigned char c = (unsigned char)src[i];
        if (isalnum(c) || c == '-' || c == '_' || c == '.')
            dst[o++] = (char)c;
    }
    dst[o] = '\0';
}

/* "prefix#Code:detail" -> "Code": the JSON protocols decorate the code with
 * the shape's namespace and, in the header, with a documentation URL. */
static void set_code_from_type(aws_error *e, const char *type)
{
    const char *start = strrchr(type, '#');
    start = start ? start + 1 : type;
    const char *colon = strchr(start, ':');
    size_t len = colon ? (size_t)(colon - start) : strlen(start);
    sanitize_ident(e->code, sizeof(e->code), start, len);
}

static void record_init(aws_error *e, const char *service, const char *operation, long status,
                        const char *request_id)
{
    memset(e, 0, sizeof(*e));
    str_copy(e->service, sizeof(e->service), service ? service : "aws");
    str_copy(e->operation, sizeof(e->operation), operation ? operation : "request");
    e->http_status = status;
    if (request_id)
        sanitize_ident(e->request_id, sizeof(e->request_id), request_id, strlen(request_id));
}

/* The record for a body that is not an AWS error document. */
static void set_from_raw_body(aws_error *e, const char *body, size_t len)
{
    snprintf(e->code, sizeof(e->code), "HTTP%ld", e->http_status);
    if (!body || len == 0) {
        str_copy(e->message, sizeof(e->message), "the response carried no error details");
        return;
    }
    size_t quote = len < AWSERR_BODY_QUOTE ? len : AWSERR_BODY_QUOTE;
    char tmp[AWSERR_BODY_QUOTE + 1];
    sanitize_text(tmp, sizeof(tmp), body, quote);
    if (!tmp[0])
        str_copy(e->message, sizeof(e->message), "the response carried no error details");
    else
        snprintf(e->message, sizeof(e->message), "unexpected response: %s%s", tmp,
                 len > quote ? "..." : "");
}

/* The <Error> element of the shapes AWS uses: <ErrorResponse><Error> (IAM,
 * STS), <Response><Errors><Error> (EC2 and some older services) and a bare
 * <Error> (S3). */
static const xml_node *find_error(const xml_node *root, const xml_node **id_holder)
{
    *id_holder = root;
    if (strcmp(root->name, "ErrorResponse") == 0) /* moto nests it in <Errors> too */
        return xml_child(root, "Error") ? xml_child(root, "Error") : xml_path(root, "Errors/Error");
    if (strcmp(root->name, "Response") == 0)
        return xml_path(root, "Errors/Error");
    if (strcmp(root->name, "Error") == 0)
        return root;
    return NULL;
}

/* Fills code, message and (when the header gave none) request id from an
 * error document; -1 when root is not one. */
static int fill_from_error_doc(aws_error *e, const xml_node *root)
{
    const xml_node *id_holder = NULL;
    const xml_node *error = find_error(root, &id_holder);
    const char *code = error ? xml_path_text(error, "Code") : NULL;
    if (!code)
        return -1;
    sanitize_ident(e->code, sizeof(e->code), code, strlen(code));
    if (!e->code[0])
        return -1;
    const xml_node *msg = xml_child(error, "Message");
    if (!msg)
        msg = xml_child(error, "message");
    if (msg)
        sanitize_text(e->message, sizeof(e->message), msg->text, msg->text_len);
    if (!e->request_id[0]) {
        /* The header wins; the body is the fallback (EC2 spells it RequestID). */
        const char *id = xml_path_text(id_holder, "RequestId");
        if (!id)
            id = xml_path_text(id_holder, "RequestID");
        if (!id)
            id = xml_path_text(error, "RequestId");
        if (id)
            sanitize_ident(e->request_id, sizeof(e->request_id), id, strlen(id));
    }
    return 0;
}

void awserr_from_xml(aws_error *e, const char *service, const char *operation, long status,
                     const char *body, size_t len, const char *request_id)
{
    xml_node *root = NULL;
    err perr = {0};
    record_init(e, service, operation, status, request_id);
    /* Anything that does not parse as an error document is quoted instead. */
    if (!body || len == 0 || xml_parse(body, len, &root, &perr) != 0 ||
        fill_from_error_doc(e, root) != 0) {
        /* The record then quotes the body instead of naming the error: tell
         * callers who care (util/mem.h) that memory, not the body, was why. */
        if (perr.code == ERR_RESOURCE_EXHAUSTED) {
            mem_note_failure();
            e->out_of_memory = true;
        }
        e->code[0] = '\0';
        e->message[0] = '\0';
        set_from_raw_body(e, body, len);
    }
    xml_free(root);
}

/* The string member of a JSON object under any of the given names, or NULL. */
static const char *json_str(const cJSON *obj, const char *const *names)
{
    for (; *names; names++) {
        const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, *names);
        if (cJSON_IsString(it) && it->valuestring)
            return it->valuestring;
    }
    return NULL;
}

void awserr_from_json(aws_error *e, const char *service, const char *operation, long status,
                      const char *body, size_t len, const char *error_type_header,
                      const char *request_id)
{
    static const char *const type_names[] = {"__type", "code", "Code", NULL};
    static const char *const msg_names[] = {"message", "Message", "errorMessage", NULL};
    cJSON *doc = NULL;
    record_init(e, service, operation, status, request_id);
    unsigned long mark = mem_failures();
    if (body && len)
        doc = cJSON_ParseWithLength(body, len);
    e->out_of_memory = !doc && mem_failures() != mark;
    if (!cJSON_IsObject(doc)) {
        cJSON_Delete(doc);
        doc = NULL;
    }
    /* The header is set by the service front end and wins over the body. */
    if (error_type_header && *error_type_header)
        set_code_from_type(e, error_type_header);
    if (!e->code[0] && doc) {
        const char *type = json_str(doc, type_names);
        if (type)
            set_code_from_type(e, type);
    }
    if (!e->code[0]) {
        set_from_raw_body(e, body, len);
        goto out;
    }
    const char *msg = doc ? json_str(doc, msg_names) : NULL;
    if (msg)
        sanitize_text(e->message, sizeof(e->message), msg, strlen(msg));
out:
    cJSON_Delete(doc);
}

static bool code_in(const char *code, const char *const *list)
{
    for (; *list; list++)
        if (strcmp(code, *list) == 0)
            return true;
    return false;
}

/* Credentials that AWS does not accept: the user must fix or refresh them. */
static const char *const unauthenticated_codes[] = {"ExpiredToken",
                                                    "ExpiredTokenException",
                                                    "InvalidClientTokenId",
                                                    "UnrecognizedClientException",
                                                    "SignatureDoesNotMatch",
                                                    "InvalidSignatureException",
                                                    "IncompleteSignature",
                                                    "MissingAuthenticationToken",
                                                    "MissingAuthenticationTokenException",
                                                    "InvalidAccessKeyId",
                                                    "AuthFailure",
                                                    "RequestExpired",
                                                    "InvalidToken",
                                                    NULL};
/* Credentials accepted, action not allowed. */
static const char *const permission_codes[] = {"AccessDenied",
                                               "AccessDeniedException",
                                               "UnauthorizedOperation",
                                               "AuthorizationError",
                                               "NotAuthorized",
                                               "Forbidden",
                                               NULL};
static const char *const not_found_codes[] = {"NoSuchEntity",
                                              "NoSuchEntityException",
                                              "ResourceNotFound",
                                              "ResourceNotFoundException",
                                              "NotFound",
                                              "NotFoundException",
                                              "NoSuchKey",
                                              "NoSuchBucket",
                                              NULL};
static const char *const exists_codes[] = {"EntityAlreadyExists", "EntityAlreadyExistsException",
                                           "AlreadyExistsException",
                                           "ResourceAlreadyExistsException", NULL};
/* Throttling and server-side failures: worth retrying later. */
static const char *const unavailable_codes[] = {"Throttling",
                                                "ThrottlingException",
                                                "ThrottledException",
                                                "RequestThrottledException",
                                                "TooManyRequestsException",
                                                "ProvisionedThroughputExceededException",
                                                "RequestLimitExceeded",
                                                "RequestThrottled",
                                                "SlowDown",
                                                "PriorRequestNotComplete",
                                                "BandwidthLimitExceeded",
                                                "EC2ThrottledException",
                                                "TransactionInProgressException",
                                                "ServiceUnavailable",
                                                "ServiceUnavailableException",
                                                "InternalFailure",
                                                "InternalError",
                                                "InternalServerError",
                                                "InternalServerException",
                                                "ServiceFailure",
                                                "ServiceFailureException",
                                                NULL};
static const char *const invalid_codes[] = {"ValidationError",
                                            "ValidationException",
                                            "InvalidInput",
                                            "InvalidInputException",
                                            "InvalidParameterValue",
                                            "InvalidParameterCombination",
                                            "InvalidParameterException",
                                            "MissingParameter",
                                            "MalformedPolicyDocument",
                                            "MalformedPolicyDocumentException",
                                            "SerializationException",
                                            "InvalidQueryParameter",
                                            "MalformedQueryString",
                                            "InvalidAction",
                                            "UnknownOperationException",
                                            NULL};

int awserr_grpc_code(const aws_error *e)
{
    const char *c = e->code;
    if (e->out_of_memory)
        return ERR_RESOURCE_EXHAUSTED;
    if (code_in(c, unauthenticated_codes))
        return ERR_UNAUTHENTICATED;
    if (code_in(c, permission_codes))
        return ERR_PERMISSION_DENIED;
    if (code_in(c, not_found_codes))
        return ERR_NOT_FOUND;
    if (code_in(c, exists_codes))
        return ERR_ALREADY_EXISTS;
    if (code_in(c, unavailable_codes))
        return ERR_UNAVAILABLE;
    if (code_in(c, invalid_codes))
        return ERR_INVALID_ARGUMENT;
    /* IAM quotas (roles per account, policies per role) are not throttling:
     * retrying does not help, the user has to free or raise the quota. */
    if (strcmp(c, "LimitExceeded") == 0 || strcmp(c, "LimitExceededException") == 0 ||
        strcmp(c, "ResourceLimitExceeded") == 0)
        return ERR_RESOURCE_EXHAUSTED;
    /* A role that still has policies attached cannot be deleted yet. */
    if (strcmp(c, "DeleteConflict") == 0 || strcmp(c, "DeleteConflictException") == 0)
        return ERR_FAILED_PRECONDITION;
    if (strcmp(c, "ConcurrentModification") == 0 ||
        strcmp(c, "ConcurrentModificationException") == 0)
        return ERR_ABORTED;
    long s = e->http_status;
    if (s == 401)
        return ERR_UNAUTHENTICATED;
    if (s == 403)
        return ERR_PERMISSION_DENIED;
    if (s == 404)
        return ERR_NOT_FOUND;
    if (s == 429 || (s >= 500 && s <= 599))
        return ERR_UNAVAILABLE;
    if (s == 400)
        return ERR_INVALID_ARGUMENT;
    return ERR_UNKNOWN;
}

/* The action namespace in IAM policies is the service name in lowercase
 * ("iam:GetRole", "sagemaker:CreatePipeline"). */
static void lower_copy(char *dst, size_t dstlen, const char *src)
{
    size_t i = 0;
    for (; src[i] && i + 1 < dstlen; i++)
        dst[i] = (char)tolower((unsigned char)src[i]);
    dst[i] = '\0';
}

static void hint_for(const aws_error *ae, char *hint, size_t len)
{
    const char *c = ae->code;
    hint[0] = '\0';
    if (!strcmp(c, "ExpiredToken") || !strcmp(c, "ExpiredTokenException")) {
        str_copy(hint, len, "the session token has expired: refresh your credentials");
    } else if (!strcmp(c, "InvalidClientTokenId") || !strcmp(c, "UnrecognizedClientException")) {
        str_copy(hint, len,
                 "the access key id is not known to AWS: check accessKey / AWS_ACCESS_KEY_ID / "
                 "the profile");
    } else if (!strcmp(c, "SignatureDoesNotMatch")) {
        str_copy(hint, len,
                 "the secret key does not match the access key, or the request was "
                 "altered");
    } else if (!strcmp(c, "AccessDenied") || !strcmp(c, "AccessDeniedException")) {
        char svc[sizeof(ae->service)];
        lower_copy(svc, sizeof(svc), ae->service);
        snprintf(hint, len, "the credentials lack permission for %s:%s", svc, ae->operation);
    }
}

void awserr_to_err(const aws_error *ae, err *out)
{
    char hint[256];
    char tail[200];
    hint_for(ae, hint, sizeof(hint));
    if (ae->request_id[0])
        snprintf(tail, sizeof(tail), "(HTTP %ld, request id %s)", ae->http_status, ae->request_id);
    else
        snprintf(tail, sizeof(tail), "(HTTP %ld)", ae->http_status);
    err_set(out, awserr_grpc_code(ae), "%s %s failed: %s%s%s%s %s%s%s", ae->service, ae->operation,
            ae->out_of_memory ? "out of memory reading the error response; " : "",
            ae->code[0] ? ae->code : "unknown error", ae->message[0] ? ": " : "", ae->message, tail,
            hint[0] ? "; " : "", hint);
    str_copy(out->aws_code, sizeof(out->aws_code), ae->code);
    out->http_status = ae->http_status;
    str_copy(out->aws_message, sizeof(out->aws_message), ae->message);
}
