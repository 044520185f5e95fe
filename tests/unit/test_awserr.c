/* Unit tests for provider/aws/awserr.c: query-protocol XML errors (both
 * shapes), JSON 1.1 errors from body and header, bodies that are no AWS error
 * at all (an HTML 502 page), the gRPC code mapping, the hints and the
 * sanitising of what the wire sends. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "aws/awserr.h"

static void from_xml(aws_error *ae, const char *svc, const char *op, long status, const char *body,
                     const char *rid)
{
    awserr_from_xml(ae, svc, op, status, body, body ? strlen(body) : 0, rid);
}

static void from_json(aws_error *ae, long status, const char *body, const char *hdr,
                      const char *rid)
{
    awserr_from_json(ae, "sagemaker", "CreatePipeline", status, body, body ? strlen(body) : 0, hdr,
                     rid);
}

static void test_xml_error_response(void **state)
{
    (void)state;
    static const char body[] =
        "<ErrorResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\">\n"
        "  <Error>\n"
        "    <Type>Sender</Type>\n"
        "    <Code>NoSuchEntity</Code>\n"
        "    <Message>The role with name test-role cannot be found.</Message>\n"
        "  </Error>\n"
        "  <RequestId>4b5b0b8c-7d6a-4e5f-9f3c-EXAMPLE</RequestId>\n"
        "</ErrorResponse>\n";
    aws_error ae;
    from_xml(&ae, "iam", "GetRole", 404, body, NULL);
    assert_string_equal(ae.service, "iam");
    assert_string_equal(ae.operation, "GetRole");
    assert_int_equal(ae.http_status, 404);
    assert_string_equal(ae.code, "NoSuchEntity");
    assert_string_equal(ae.message, "The role with name test-role cannot be found.");
    assert_string_equal(ae.request_id, "4b5b0b8c-7d6a-4e5f-9f3c-EXAMPLE");
    assert_int_equal(awserr_grpc_code(&ae), ERR_NOT_FOUND);

    err e = {0};
    awserr_to_err(&ae, &e);
    assert_int_equal(e.code, ERR_NOT_FOUND);
    assert_string_equal(e.msg, "iam GetRole failed: NoSuchEntity: The role with name test-role "
                               "cannot be found. (HTTP 404, request id "
                               "4b5b0b8c-7d6a-4e5f-9f3c-EXAMPLE)");

    /* The header's request id wins over the body's. */
    from_xml(&ae, "iam", "GetRole", 404, body, "from-header");
    assert_string_equal(ae.request_id, "from-header");
}

static void test_xml_response_errors_shape(void **state)
{
    (void)state;
    static const char body[] = "<Response><Errors><Error><Code>RequestLimitExceeded</Code>"
                               "<Message>Request limit exceeded.</Message></Error></Errors>"
                               "<RequestID>abc-123</RequestID></Response>";
    aws_error ae;
    from_xml(&ae, "ec2", "DescribeThings", 503, body, NULL);
    assert_string_equal(ae.code, "RequestLimitExceeded");
    assert_string_equal(ae.message, "Request limit exceeded.");
    assert_string_equal(ae.request_id, "abc-123");
    assert_int_equal(awserr_grpc_code(&ae), ERR_UNAVAILABLE);

    /* STS throttling in the ordinary shape. */
    static const char thr[] = "<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code>"
                              "<Message>Rate exceeded</Message></Error>"
                              "<RequestId>r1</RequestId></ErrorResponse>";
    from_xml(&ae, "sts", "GetCallerIdentity", 400, thr, NULL);
    assert_int_equal(awserr_grpc_code(&ae), ERR_UNAVAILABLE);
}

static void test_xml_not_an_error(void **state)
{
    (void)state;
    static const char html[] =
        "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
        "<center><h1>502 Bad Gateway</h1></center>\r\n</body>\r\n</html>\r\n";
    aws_error ae;
    from_xml(&ae, "iam", "CreateRole", 502, html, "rid-1");
    assert_string_equal(ae.code, "HTTP502");
    assert_non_null(strstr(ae.message, "502 Bad Gateway"));
    assert_null(strchr(ae.message, '\r'));
    assert_null(strchr(ae.message, '\n'));
    assert_string_equal(ae.request_id, "rid-1");
    assert_int_equal(awserr_grpc_code(&ae), ERR_UNAVAILABLE);

    /* Truncated, empty and well-formed-but-foreign documents. */
    from_xml(&ae, "iam", "GetRole", 500, "<ErrorResponse><Error><Code>Serv", NULL);
    assert_string_equal(ae.code, "HTTP500");
    from_xml(&ae, "iam", "GetRole", 500, NULL, NULL);
    assert_string_equal(ae.code, "HTTP500");
    assert_true(ae.message[0] != '\0');
    from_xml(&ae, "iam", "GetRole", 400, "<Foo><Error><Code>X</Code></Error></Foo>", NULL);
    assert_string_equal(ae.code, "HTTP400");
    assert_int_equal(awserr_grpc_code(&ae), ERR_INVALID_ARGUMENT);

    /* A huge body is quoted only in part. */
    size_t n = 100000;
    char *big = malloc(n + 1);
    assert_non_null(big);
    memset(big, 'z', n);
    big[n] = '\0';
    from_xml(&ae, "iam", "GetRole", 503, big, NULL);
    assert_true(strlen(ae.message) < 400);
    free(big);
}

static void test_json_body(void **state)
{
    (void)state;
    aws_error ae;
    from_json(&ae, 400,
              "{\"__type\":\"com.amazonaws.sagemaker#ValidationException\","
              "\"message\":\"1 validation error detected\"}",
              NULL, "req-9");
    assert_string_equal(ae.code, "ValidationException");
    assert_string_equal(ae.message, "1 validation error detected");
    assert_string_equal(ae.request_id, "req-9");
    assert_int_equal(awserr_grpc_code(&ae), ERR_INVALID_ARGUMENT);

    from_json(&ae, 400, "{\"__type\":\"ResourceNotFound\",\"Message\":\"Pipeline not found\"}",
              NULL, NULL);
    assert_string_equal(ae.code, "ResourceNotFound");
    assert_string_equal(ae.message, "Pipeline not found");
    assert_int_equal(awserr_grpc_code(&ae), ERR_NOT_FOUND);

    from_json(&ae, 400, "{\"__type\":\"ns#ThrottlingException:http://internal\"}", NULL, NULL);
    assert_string_equal(ae.code, "ThrottlingException");
    assert_string_equal(ae.message, "");
    assert_int_equal(awserr_grpc_code(&ae), ERR_UNAVAILABLE);
}

static void test_json_header(void **state)
{
    (void)state;
    aws_error ae;
    /* The header wins over the body's __type. */
    from_json(
        &ae, 400, "{\"__type\":\"com.amazonaws.sagemaker#ValidationException\",\"message\":\"m\"}",
        "ResourceLimitExceeded:http://internal.amazon.com/coral/com.amazonaws.sagemaker/", NULL);
    assert_string_equal(ae.code, "ResourceLimitExceeded");
    assert_string_equal(ae.message, "m");
    assert_int_equal(awserr_grpc_code(&ae), ERR_RESOURCE_EXHAUSTED);

    /* Header alone, body not JSON. */
    from_json(&ae, 403, "oops", "AccessDeniedException:http://x", "r");
    assert_string_equal(ae.code, "AccessDeniedException");
    assert_int_equal(awserr_grpc_code(&ae), ERR_PERMISSION_DENIED);
    err e = {0};
    awserr_to_err(&ae, &e);
    assert_int_equal(e.code, ERR_PERMISSION_DENIED);
    assert_non_null(strstr(e.msg, "the credentials lack permission for sagemaker:CreatePipeline"));

    /* Neither: an HTML page in a JSON service. */
    from_json(&ae, 502, "<html><body>Bad Gateway</body></html>", "", NULL);
    assert_string_equal(ae.code, "HTTP502");
    assert_non_null(strstr(ae.message, "Bad Gateway"));
    from_json(&ae, 500, "[1,2]", NULL, NULL);
    assert_string_equal(ae.code, "HTTP500");
    from_json(&ae, 500, "{\"__type\": 7}", NULL, NULL);
    assert_string_equal(ae.code, "HTTP500");
}

/* The error record keeps AWS's code, status and message as fields, so
 * classifiers compare them instead of searching the composed message. */
static void test_error_record_fields(void **state)
{
    (void)state;
    aws_error ae;
    from_json(&ae, 400,
              "{\"__type\":\"com.amazonaws.sagemaker#ValidationException\",\"message\":"
              "\"Could not find pipeline p\"}",
              NULL, "r1");
    err e = {0};
    awserr_to_err(&ae, &e);
    assert_string_equal(e.aws_code, "ValidationException");
    assert_int_equal(e.http_status, 400);
    assert_string_equal(e.aws_message, "Could not find pipeline p");
    assert_true(err_aws_code_is(&e, "ValidationException"));
    assert_false(err_aws_code_is(&e, "Validation"));
    assert_true(err_aws_says(&e, "could NOT find"));
    assert_false(err_aws_says(&e, "request id")); /* the composed text is not AWS's message */
    assert_non_null(strstr(e.msg, "request id r1"));

    /* Any later err_set is another failure: the facts go. */
    err_set(&e, ERR_CANCELLED, "cancelled");
    assert_false(err_aws_code_is(&e, "ValidationException"));
    assert_false(err_aws_says(&e, "find"));
    assert_int_equal(e.http_status, 0);

    /* err_clear clears them too; a record that never held an AWS failure has none. */
    awserr_to_err(&ae, &e);
    err_clear(&e);
    assert_string_equal(e.aws_code, "");
    err plain = {0};
    err_set(&plain, ERR_INVALID_ARGUMENT, "Could not find");
    assert_false(err_aws_says(&plain, "Could not find"));
}

static void test_code_mapping(void **state)
{
    (void)state;
    static const struct {
        const char *code;
        long status;
        int want;
    } cases[] = {
        {"NoSuchEntity", 404, ERR_NOT_FOUND},
        {"ResourceNotFoundException", 400, ERR_NOT_FOUND},
        {"NotFoundException", 400, ERR_NOT_FOUND}, /* KMS: a key or alias that is not there */
        {"EntityAlreadyExists", 409, ERR_ALREADY_EXISTS},
        {"ValidationError", 400, ERR_INVALID_ARGUMENT},
        {"MalformedPolicyDocument", 400, ERR_INVALID_ARGUMENT},
        {"AccessDenied", 403, ERR_PERMISSION_DENIED},
        {"ExpiredToken", 400, ERR_UNAUTHENTICATED},
        {"InvalidClientTokenId", 403, ERR_UNAUTHENTICATED},
        {"SignatureDoesNotMatch", 403, ERR_UNAUTHENTICATED},
        {"UnrecognizedClientException", 400, ERR_UNAUTHENTICATED},
        {"Throttling", 400, ERR_UNAVAILABLE},
        {"ThrottlingException", 400, ERR_UNAVAILABLE},
        {"ServiceFailure", 500, ERR_UNAVAILABLE},
        {"LimitExceeded", 409, ERR_RESOURCE_EXHAUSTED},
        {"DeleteConflict", 409, ERR_FAILED_PRECONDITION},
        {"ConcurrentModification", 409, ERR_ABORTED},
        {"HTTP404", 404, ERR_NOT_FOUND},
        {"HTTP403", 403, ERR_PERMISSION_DENIED},
        {"HTTP401", 401, ERR_UNAUTHENTICATED},
        {"HTTP429", 429, ERR_UNAVAILABLE},
        {"HTTP503", 503, ERR_UNAVAILABLE},
        {"SomethingNew", 400, ERR_INVALID_ARGUMENT},
        {"SomethingNew", 409, ERR_UNKNOWN},
        {"HTTP302", 302, ERR_UNKNOWN},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        aws_error ae;
        memset(&ae, 0, sizeof(ae));
        snprintf(ae.code, sizeof(ae.code), "%s", cases[i].code);
        ae.http_status = cases[i].status;
        if (awserr_grpc_code(&ae) != cases[i].want)
            print_error("%s/%ld\n", cases[i].code, cases[i].status);
        assert_int_equal(awserr_grpc_code(&ae), cases[i].want);
    }
}

static void expect_hint(const char *code, const char *hint)
{
    char body[256];
    snprintf(body, sizeof(body),
             "<ErrorResponse><Error><Code>%s</Code><Message>msg</Message></Error>"
             "</ErrorResponse>",
             code);
    aws_error ae;
    from_xml(&ae, "sts", "GetCallerIdentity", 403, body, "rid");
    err e = {0};
    awserr_to_err(&ae, &e);
    if (!strstr(e.msg, hint))
        print_error("\"%s\" lacks \"%s\"\n", e.msg, hint);
    assert_non_null(strstr(e.msg, hint));
    assert_non_null(strstr(e.msg, "sts GetCallerIdentity failed: "));
    assert_non_null(strstr(e.msg, "(HTTP 403, request id rid)"));
}

static void test_hints(void **state)
{
    (void)state;
    static const char expired[] = "the session token has expired: refresh your credentials";
    static const char unknown_key[] =
        "the access key id is not known to AWS: check accessKey / AWS_ACCESS_KEY_ID / the profile";
    expect_hint("ExpiredToken", expired);
    expect_hint("ExpiredTokenException", expired);
    expect_hint("InvalidClientTokenId", unknown_key);
    expect_hint("UnrecognizedClientException", unknown_key);
    expect_hint("SignatureDoesNotMatch",
                "the secret key does not match the access key, or the request was altered");
    expect_hint("AccessDenied", "the credentials lack permission for sts:GetCallerIdentity");

    /* No hint, no message, no request id. */
    aws_error ae;
    from_xml(&ae, "iam", "DeleteRole", 409,
             "<ErrorResponse><Error><Code>DeleteConflict</Code></Error></ErrorResponse>", NULL);
    err e = {0};
    awserr_to_err(&ae, &e);
    assert_string_equal(e.msg, "iam DeleteRole failed: DeleteConflict (HTTP 409)");
    assert_int_equal(e.code, ERR_FAILED_PRECONDITION);
}

static void test_sanitising(void **state)
{
    (void)state;
    aws_error ae;
    /* Control characters go, line breaks become single spaces, broken UTF-8 becomes '?',
     * valid UTF-8 stays; the code keeps only identifier characters. */
    /* A body the parser refuses (\xff is not XML) is quoted without its control characters. */
    static const char body[] = "<html>\x1b[31m\xff\x01</html>";
    from_xml(&ae, "iam", "GetRole", 400, body, NULL);
    assert_string_equal(ae.code, "HTTP400");
    assert_string_equal(ae.message, "unexpected response: <html>[31m?</html>");

    static const char body2[] = "<ErrorResponse><Error><Code>Bad&#x9;Code&lt;x&gt;</Code>"
                                "<Message>  line1\nline2\r\n\tend &#x7f;red caf\xc3\xa9  "
                                "</Message></Error><RequestId>id&#10;\"x\"</RequestId>"
                                "</ErrorResponse>";
    from_xml(&ae, "iam", "GetRole", 400, body2, NULL);
    assert_string_equal(ae.code, "BadCodex");
    assert_string_equal(ae.request_id, "idx");
    assert_string_equal(ae.message, "line1 line2 end red caf\xc3\xa9");

    /* JSON escapes can smuggle any control character and invalid UTF-8 bytes. */
    from_json(&ae, 400,
              "{\"__type\":\"x#Bad\\u0000Thing\",\"message\":\"a\\u0007b\\u001b[0m\\nc "
              "\xc3\x28 d\"}",
              NULL, NULL);
    assert_string_equal(ae.code, "Bad");
    assert_string_equal(ae.message, "ab[0m c ?( d");

    /* The message is capped and never cut inside a character. */
    size_t n = 5000;
    char *big = malloc(n * 2 + 100);
    assert_non_null(big);
    size_t o = 0;
    o += (size_t)snprintf(big, 100, "{\"__type\":\"X\",\"message\":\"a");
    for (size_t i = 0; i < n; i++) {
        big[o++] = (char)0xc3;
        big[o++] = (char)0xa9;
    }
    big[o++] = '"';
    big[o++] = '}';
    big[o] = '\0';
    from_json(&ae, 400, big, NULL, NULL);
    size_t ml = strlen(ae.message);
    assert_true(ml < sizeof(ae.message));
    assert_true(ml > 1000);
    assert_int_equal((ml - 1) % 2, 0); /* "a" + whole two-byte characters */
    free(big);

    /* Over-long service and operation names are truncated, not overflowed. */
    char longname[300];
    memset(longname, 'o', sizeof(longname) - 1);
    longname[sizeof(longname) - 1] = '\0';
    awserr_from_xml(&ae, longname, longname, 500, NULL, 0, longname);
    assert_int_equal(strlen(ae.service), sizeof(ae.service) - 1);
    assert_int_equal(strlen(ae.operation), sizeof(ae.operation) - 1);
    assert_int_equal(strlen(ae.request_id), sizeof(ae.request_id) - 1);
    err e = {0};
    awserr_to_err(&ae, &e);
    assert_true(strlen(e.msg) < sizeof(e.msg));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_xml_error_response), cmocka_unit_test(test_xml_response_errors_shape),
        cmocka_unit_test(test_xml_not_an_error),   cmocka_unit_test(test_json_body),
        cmocka_unit_test(test_json_header),        cmocka_unit_test(test_error_record_fields),
        cmocka_unit_test(test_code_mapping),       cmocka_unit_test(test_hints),
        cmocka_unit_test(test_sanitising),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
