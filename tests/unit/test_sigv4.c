/* Unit tests for provider/aws/sigv4.c and sha.c: the canonical pieces one rule at a time, then
 * whole signatures against published AWS vectors (the SigV4 test suite's get-vanilla family,
 * the IAM and S3 examples of the AWS documentation). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "aws/sha.h"
#include "aws/sigv4.h"

/* 2015-08-30T12:36:00Z, the suite's clock. */
#define SUITE_TIME ((time_t)1440938160)
#define SUITE_KEY "AKIDEXAMPLE"
#define SUITE_SECRET "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
#define SUITE_TOKEN "6e86291e8372ff2a2260956d9b8aae1d763fbf315fa00fa31553b73ebf194267"
#define EMPTY_SHA256 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

#define HDR(n, v)                                                                                  \
    {                                                                                              \
        n, sizeof(n) - 1, v, sizeof(v) - 1                                                         \
    }

static const struct sigv4_credentials suite_cred = {SUITE_KEY, SUITE_SECRET, NULL};

static struct sigv4_params suite_params(unsigned flags)
{
    struct sigv4_params p;

    memset(&p, 0, sizeof p);
    p.region = "us-east-1";
    p.service = "service";
    p.when = SUITE_TIME;
    p.flags = flags | SIGV4_DEBUG;
    p.expires = 3600;
    return p;
}

static struct sigv4_request get_root(const struct sigv4_header *h, size_t n)
{
    struct sigv4_request r;

    memset(&r, 0, sizeof r);
    r.method = "GET";
    r.path = "/";
    r.path_len = 1;
    r.headers = h;
    r.n_headers = n;
    return r;
}

static const char *find_added(const struct sigv4_result *res, const char *name)
{
    size_t i;

    for (i = 0; i < res->n_headers; i++) {
        if (strcmp(res->headers[i].name, name) == 0)
            return res->headers[i].value;
    }
    return NULL;
}

/* The canonical request's line `index` (0-based), copied into buf. */
static const char *creq_line(const struct sigv4_result *res, int index, char *buf, size_t cap)
{
    const char *p = res->canonical_request;
    const char *nl;
    size_t n;

    while (index-- > 0) {
        p = strchr(p, '\n');
        assert_non_null(p);
        p++;
    }
    nl = strchr(p, '\n');
    n = nl ? (size_t)(nl - p) : strlen(p);
    assert_true(n < cap);
    memcpy(buf, p, n);
    buf[n] = '\0';
    return buf;
}

static void assert_canonical_query(const char *wire, const char *want)
{
    char err[256];
    char *got = NULL;

    assert_int_equal(sigv4_canonical_query(wire, strlen(wire), &got, err, sizeof err), 0);
    assert_string_equal(got, want);
    free(got);
}

static void assert_canonical_uri(const char *wire, unsigned flags, const char *want)
{
    char err[256];
    char *got = NULL;

    assert_int_equal(sigv4_canonical_uri(wire, strlen(wire), flags, &got, err, sizeof err), 0);
    assert_string_equal(got, want);
    free(got);
}

/* ---- hashing ------------------------------------------------------------------------------ */

static void test_sha256_and_hmac(void **state)
{
    char hex[SHA_256_HEX_LEN + 1];
    unsigned char mac[SHA_256_LEN];

    (void)state;
    assert_int_equal(sha_256_hex(NULL, 0, hex), 0);
    assert_string_equal(hex, EMPTY_SHA256);
    assert_int_equal(sha_256_hex("abc", 3, hex), 0);
    assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    /* RFC 4231 test case 2. */
    assert_int_equal(sha_hmac_256("Jefe", 4, "what do ya want for nothing?", 28, mac), 0);
    sha_hex(mac, sizeof mac, hex);
    assert_string_equal(hex, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

/* ---- canonical query ------------------------------------------------------------------------ */

static void test_query_sorted_by_key_then_value(void **state)
{
    (void)state;
    assert_canonical_query("Param2=value2&Param1=value1", "Param1=value1&Param2=value2");
    /* Same key: the value decides. Uppercase sorts before lowercase (byte order). */
    assert_canonical_query("Param1=value2&Param1=Value1", "Param1=Value1&Param1=value2");
    /* Key first, then value: "Param" < "Param-3" although "Param=" > "Param-" as text. */
    assert_canonical_query("Param-3=Value3&Param=Value2&%E1%88%B4=Value1",
                           "%E1%88%B4=Value1&Param=Value2&Param-3=Value3");
    assert_canonical_query("", "");
}

static void test_query_encoding(void **state)
{
    (void)state;
    /* Unreserved characters stay as they are. */
    assert_canonical_query("-._~AZaz09=-._~AZaz09", "-._~AZaz09=-._~AZaz09");
    /* Raw UTF-8, spaces, '/', '+' (a literal plus, not a space) and '=' inside a value. */
    assert_canonical_query("\xe1\x88\xb4=a b/c+d=e", "%E1%88%B4=a%20b%2Fc%2Bd%3De");
    /* Loosely encoded wire text gets the one canonical spelling. */
    assert_canonical_query("k=%2f%7e%41", "k=%2F~A");
    /* A '%' that starts no escape is a literal percent. */
    assert_canonical_query("k=100%&j=%zz", "j=%25zz&k=100%25");
}

static void test_query_empty_values_and_pieces(void **state)
{
    (void)state;
    assert_canonical_query("flag", "flag=");
    assert_canonical_query("b=&a", "a=&b=");
    assert_canonical_query("a=1&&b=2&", "a=1&b=2");
    assert_canonical_query("=v", "=v");
}

static void test_uri_encode(void **state)
{
    char err[128];
    char *s = NULL;

    (void)state;
    assert_int_equal(sigv4_uri_encode("a b/c~*", 7, 0, &s, err, sizeof err), 0);
    assert_string_equal(s, "a%20b%2Fc~%2A");
    free(s);
    assert_int_equal(sigv4_uri_encode("a b/c", 5, 1, &s, err, sizeof err), 0);
    assert_string_equal(s, "a%20b/c");
    free(s);
    assert_int_equal(sigv4_uri_encode("", 0, 0, &s, err, sizeof err), 0);
    assert_string_equal(s, "");
    free(s);
}

/* ---- canonical URI ------------------------------------------------------------------------ */

static void test_path_normalization(void **state)
{
    (void)state;
    assert_canonical_uri("/", 0, "/");
    assert_canonical_uri("", 0, "/");
    assert_canonical_uri("//", 0, "/");
    assert_canonical_uri("/./", 0, "/");
    assert_canonical_uri("/example/..", 0, "/");
    assert_canonical_uri("/example1/example2/../..", 0, "/");
    assert_canonical_uri("/./example", 0, "/example");
    assert_canonical_uri("//example//", 0, "/example/");
    assert_canonical_uri("/a/./b/../c//d/", 0, "/a/c/d/");
    assert_canonical_uri("/a/b/..", 0, "/a/");
    /* ".." never climbs above the root. */
    assert_canonical_uri("/../../x", 0, "/x");
    /* Without normalization the dots and slashes are signed as sent. */
    assert_canonical_uri("//example//", SIGV4_NO_NORMALIZE, "//example//");
    assert_canonical_uri("/example1/example2/../..", SIGV4_NO_NORMALIZE,
                         "/example1/example2/../..");
}

static void test_path_double_vs_single_encoding(void **state)
{
    (void)state;
    /* Every service but S3 encodes the (already encoded) wire path once more. */
    assert_canonical_uri("/example space/", 0, "/example%20space/");
    assert_canonical_uri("/a%20b", 0, "/a%2520b");
    assert_canonical_uri("/\xe1\x88\xb4", 0, "/%E1%88%B4");
    assert_canonical_uri("/-._~09AZaz", 0, "/-._~09AZaz");
    /* S3: the wire path as sent; only bytes that would be invalid get encoded. */
    assert_canonical_uri("/a%20b/../c", SIGV4_NO_NORMALIZE | SIGV4_SINGLE_ENCODE, "/a%20b/../c");
    assert_canonical_uri("/a b%zz", SIGV4_NO_NORMALIZE | SIGV4_SINGLE_ENCODE, "/a%20b%25zz");
}

static void test_s3_path_not_normalized_in_signature(void **state)
{
    static const struct sigv4_header h[] = {HDR("Host", "bucket.s3.amazonaws.com")};
    struct sigv4_request r = get_root(h, 1);
    struct sigv4_params p = suite_params(0);
    struct sigv4_result res;
    char err[256], line[512];

    (void)state;
    p.service = "s3";
    r.path = "/photos/../my%20key.txt";
    r.path_len = strlen(r.path);
    assert_int_equal(sigv4_sign_headers(&r, &suite_cred, &p, &res, err, sizeof err), 0);
    assert_string_equal(creq_line(&res, 1, line, sizeof line), "/photos/../my%20key.txt");
    /* S3 always gets the payload hash as a signed header. */
    assert_string_equal(find_added(&res, "x-amz-content-sha256"), EMPTY_SHA256);
    assert_non_null(strstr(find_added(&res, "Authorization"),
                           "SignedHeaders=host;x-amz-content-sha256;x-amz-date,"));
    sigv4_result_free(&res);

    p.service = "service";
    assert_int_equal(sigv4_sign_headers(&r, &suite_cred, &p, &res, err, sizeof err), 0);
    assert_string_equal(creq_line(&res, 1, line, sizeof line), "/my%2520key.txt");
    assert_null(find_added(&res, "x-amz-content-sha256"));
    sigv4_result_free(&res);
}

/* ---- canonical headers ---------------------------------------------------------------------- */

static void test_header_trim_collapse_and_join(void **state)
{
    static const struct sigv4_header h[] = {
        HDR("Host", "example.amazonaws.com"), HDR("My-Header2", "  \"a   b \t  c\"  "),
        HDR("My-Header1", "value4"),          HDR("my-header1", " value1"),
        HDR("MY-HEADER1", "value3\t"),        HDR("Empty", ""),
    };
    struct sigv4_request r = get_root(h, sizeof h / sizeof h[0]);
    struct sigv4_params p = suite_params(0);
    struct sigv4_result res;
    char err[256];

    (void)state;
    assert_int_equal(sigv4_sign_headers(&r, &suite_cred, &p, &res, err, sizeof err), 0);
    assert_string_equal(res.canonical_request,
                        "GET\n/\n\n"
                        "empty:\n"
                        "host:example.amazonaws.com\n"
                        "my-header1:value4,value1,value3\n"
                        "my-header2:\"a b c\"\n"
                        "x-amz-date:20150830T123600Z\n"
                        "\n"
                        "empty;host;my-header1;my-header2;x-amz-date\n" EMPTY_SHA256);
    sigv4_result_free(&res);
}

static void test_hop_by_hop_headers_not_signed(void **state)
{
    static const struct sigv4_header h[] = {
        HDR("User-Agent", "awsml/0.1.0"),
        HDR("Host", "example.amazonaws.com"),
        HDR("Expect", "100-continue"),
        HDR("Connection", "keep-alive"),
        HDR("Transfer-Encoding", "chunked"),
        HDR("Keep-Alive", "timeout=5"),
        HDR("Proxy-Authorization", "Basic eA=="),
        HDR("Proxy-Connection", "keep-alive"),
        HDR("TE", "trailers"),
        HDR("Trailer", "x-amz-checksum-crc32"),
        HDR("Upgrade", "h2c"),
        HDR("X-Amzn-Trace-Id", "Root=1-5759e988-bd862e3fe1be46a994272793"),
    };
    struct sigv4_request r = get_root(h, sizeof h / sizeof h[0]);
    struct sigv4_params p = suite_params(0);
    struct sigv4_result res;
    char err[256], line[256];

    (void)state;
    assert_int_equal(sigv4_sign_headers(&r, &suite_cred, &p, &res, err, sizeof err), 0);
    assert_string_equal(creq_line(&res, 6, line, sizeof line), "host;x-amz-date");
    /* Same signature as the bare get-vanilla request of the suite. */
    assert_string_equal(res.signature,
                        "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
    sigv4_result_free(&res);

    assert_int_equal(sigv4_presign(&r, &suite_cred, &p, &res, err, sizeof err), 0);
    assert_string_equal(res.signature,
                        "e93c787ed7f371d5c6b165c1b38ede9550f4dce4144713e844b25b7192d3865d");
    sigv4_result_free(&res);
}

static void test_signer_owned_inputs_rejected(void **state)
{
    static const struct sigv4_header h[] = {
        HDR("Host", "example.amazonaws.com"),
        HDR("X-Amz-Date", "20150830T123600Z"),
    };
    struct sigv4_request r = get_root(h, 2);
    struct sigv4_params p = suite_params(0);
    struct sigv4_result res;
    char err[256];

    (void)state;
    assert_int_equal(sigv4_sign_headers(&r, &suite_cred, &p, &res, err, sizeof err), -1);
    assert_non_null(strstr(err, "X-Amz-Date"));
    assert_null(res.canonical_request);

    r = get_root(h, 1);
    r.query = "a=1&X-Amz-Signature=00";
    r.query_len = strlen(r.query);
    assert_int_equal(sigv4_presign(&r, &suite_cred, &p, &res, err, sizeof err), -1);
    assert_non_null(strstr(err, "X-Amz-Signature"));
    /* In the header form such a parameter is just data. */
    assert_int_equal(sigv4_sign_headers(&r, &suite_cred, &p, &res, err, sizeof err), 0);
    sigv4_result_free(&res);
}

static void test_bad_input_messages_hold_no_secret(void **state)
{
    static const struct sigv4_header ok[] = {HDR("Host", "example.amazonaws.com")};
    static const struct sigv4_header crlf[] = {
        HDR("Host", "example.amazonaws.com"),
        HDR("X-Evil", "a\r\nAuthorization: x"),
    };
    struct sigv4_credentials bad = {SUITE_KEY, SUITE_SECRET, "tok en"};
    struct sigv4_request r = get_root(ok, 1);
    struct sigv4_params p = suite_params(0);
    struct sigv4_result res;
    char err[256];

    (void)state;
    assert_int_equal(sigv4_sign_headers(&r, &bad, &p, &res, err, sizeof err), -1);
    assert_non_null(strstr(err, "session token"));
    assert_null(strstr(err, "tok en"));
    assert_null(strstr(err, SUITE_SECRET));
    assert_null(strstr(err, SUITE_KEY));

    r = get_root(crlf, 2);
    assert_int_equal(sigv4_sign_headers(&r, &suite_cred, &p, &res, err, sizeof err), -1);
    assert_non_null(strstr(err, "control byte"));

    r = get_root(NULL, 0);
    assert_int_equal(sigv4_sign_headers(&r, &suite_cred, &p, &res, err, sizeof err), -1);
    assert_non_null(strstr(err, "Host"));

    r = get_root(ok, 1);
    r.host = "example.amazonaws.com";
    assert_int_equal(sigv4_sign_headers(&r, &suite_cred, &p, &res, err, sizeof err), -1);

    r = get_root(ok, 1);
    r.path = "/a?b";
    r.path_len = 4;
    assert_int_equal(sigv4_sign_headers(&r, &suite_cred, &p, &res, err, sizeof err), -1);

    r = get_root(ok, 1);
    r.payload_hash = SIGV4_UNSIGNED_PAYLOAD;
    assert_int_equal(sigv4_sign_headers(&r, &suite_cred, &p, &res, err, sizeof err), -1);
    assert_non_null(strstr(err, "S3"));

    p.expires = 0;
    r = get_root(ok, 1);
    assert_int_equal(sigv4_presign(&r, &suite_cred, &p, &res, err, sizeof err), -1);
    assert_non_null(strstr(err, "expiry"));
    sigv4_result_free(&res); /* idempotent on a zeroed result */
}

/* ---- whole signatures ------------------------------------------------------------------- */

static void test_known_signature_get_vanilla(void **state)
{
    struct sigv4_request r = get_root(NULL, 0);
    struct sigv4_params p = suite_params(0);
    struct sigv4_result res;
    char err[256];

    (void)state;
    r.host = "example.amazonaws.com"; /* Host given separately, as the HTTP client will */
    assert_int_equal(sigv4_sign_headers(&r, &suite_cred, &p, &res, err, sizeof err), 0);
    assert_int_equal(res.n_headers, 2);
    assert_string_equal(res.headers[0].name, "X-Amz-Date");
    assert_string_equal(res.headers[0].value, "20150830T123600Z");
    assert_string_equal(res.headers[1].name, "Authorization");
    assert_string_equal(res.headers[1].value,
                        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/"
                        "aws4_request, SignedHeaders=host;x-amz-date, Signature="
                        "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
    assert_string_equal(res.string_to_sign,
                        "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/"
                        "aws4_request\n"
                        "bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63");
    assert_null(res.query);
    sigv4_result_free(&res);

    /* Without SIGV4_DEBUG nothing but the headers is kept. */
    p.flags = 0;
    assert_int_equal(sigv4_sign_headers(&r, &suite_cred, &p, &res, err, sizeof err), 0);
    assert_null(res.canonical_request);
    assert_null(res.string_to_sign);
    sigv4_result_free(&res);
}

static void test_known_signature_session_token(void **state)
{
    static const struct sigv4_header h[] = {HDR("Host", "example.amazonaws.com")};
    struct sigv4_credentials cred = {SUITE_KEY, SUITE_SECRET, SUITE_TOKEN};
    struct sigv4_request r = get_root(h, 1);
    struct sigv4_params p = suite_params(0);
    struct sigv4_result res;
    char err[256];

    (void)state;
    assert_int_equal(sigv4_sign_headers(&r, &cred, &p, &res, err, sizeof err), 0);
    assert_int_equal(res.n_headers, 3);
    assert_string_equal(res.headers[0].name, "X-Amz-Security-Token");
    assert_string_equal(res.headers[0].value, SUITE_TOKEN);
    assert_string_equal(res.signature,
                        "07ec1639c89043aa0e3e2de82b96708f198cceab042d4a97044c66dd9f74e7f8");
    sigv4_result_free(&res);

    /* Omitted from the signature: signed like the token-less request, still sent, last. */
    p.flags |= SIGV4_OMIT_TOKEN;
    assert_int_equal(sigv4_sign_headers(&r, &cred, &p, &res, err, sizeof err), 0);
    assert_string_equal(res.signature,
                        "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
    assert_string_equal(res.headers[res.n_headers - 1].name, "X-Amz-Security-Token");
    sigv4_result_free(&res);
}

static void test_known_signature_post_body(void **state)
{
    static const struct sigv4_header h[] = {
        HDR("Content-Type", "application/x-www-form-urlencoded"),
        HDR("Host", "example.amazonaws.com"),
        HDR("Content-Length", "13"),
    };
    struct sigv4_request r = get_root(h, 3);
    struct sigv4_params p = suite_params(SIGV4_CONTENT_SHA256);
    struct sigv4_result res;
    char err[256];

    (void)state;
    r.method = "POST";
    r.payload = "Param1=value1";
    r.payload_len = 13;
    assert_int_equal(sigv4_sign_headers(&r, &suite_cred, &p, &res, err, sizeof err), 0);
    assert_string_equal(find_added(&res, "x-amz-content-sha256"),
                        "9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e");
    assert_string_equal(res.signature,
                        "d3875051da38690788ef43de4db0d8f280229d82040bfac253562e56c3f20e0b");
    sigv4_result_free(&res);
}

/* The IAM ListUsers example of the AWS General Reference ("Signature Version 4 signing
 * process"), with Host passed separately and the query given on the wire. */
static void test_known_signature_iam_docs(void **state)
{
    static const struct sigv4_header h[] = {
        HDR("Content-Type", "application/x-www-form-urlencoded; charset=utf-8"),
    };
    struct sigv4_request r = get_root(h, 1);
    struct sigv4_params p = suite_params(0);
    struct sigv4_result res;
    char err[256];

    (void)state;
    r.host = "iam.amazonaws.com";
    r.query = "Action=ListUsers&Version=2010-05-08";
    r.query_len = strlen(r.query);
    p.service = "iam";
    assert_int_equal(sigv4_sign_headers(&r, &suite_cred, &p, &res, err, sizeof err), 0);
    assert_string_equal(res.canonical_request,
                        "GET\n/\nAction=ListUsers&Version=2010-05-08\n"
                        "content-type:application/x-www-form-urlencoded; charset=utf-8\n"
                        "host:iam.amazonaws.com\nx-amz-date:20150830T123600Z\n\n"
                        "content-type;host;x-amz-date\n" EMPTY_SHA256);
    assert_string_equal(res.signature,
                        "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7");
    sigv4_result_free(&res);
}

/* The S3 GET-object example of the S3 API reference (header form, Range header). */
static void test_known_signature_s3_docs(void **state)
{
    static const struct sigv4_header h[] = {
        HDR("Host", "examplebucket.s3.amazonaws.com"),
        HDR("Range", "bytes=0-9"),
    };
    struct sigv4_credentials cred = {"AKIAIOSFODNN7EXAMPLE",
                                     "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", NULL};
    struct sigv4_request r = get_root(h, 2);
    struct sigv4_params p = suite_params(0);
    struct sigv4_result res;
    char err[256];

    (void)state;
    r.path = "/test.txt";
    r.path_len = strlen(r.path);
    p.service = "s3";
    p.when = (time_t)1369353600; /* 2013-05-24T00:00:00Z */
    assert_int_equal(sigv4_sign_headers(&r, &cred, &p, &res, err, sizeof err), 0);
    assert_string_equal(res.signature,
                        "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
    sigv4_result_free(&res);
}

/* ---- presigned form ---------------------------------------------------------------------- */

static void test_presign_get_vanilla(void **state)
{
    static const struct sigv4_header h[] = {HDR("Host", "example.amazonaws.com")};
    struct sigv4_credentials cred = {SUITE_KEY, SUITE_SECRET, SUITE_TOKEN};
    struct sigv4_request r = get_root(h, 1);
    struct sigv4_params p = suite_params(0);
    struct sigv4_result res;
    char err[256];

    (void)state;
    assert_int_equal(sigv4_presign(&r, &suite_cred, &p, &res, err, sizeof err), 0);
    assert_int_equal(res.n_headers, 0);
    assert_string_equal(res.query,
                        "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F"
                        "20150830%2Fus-east-1%2Fservice%2Faws4_request&X-Amz-Date=20150830T123600Z&"
                        "X-Amz-SignedHeaders=host&X-Amz-Expires=3600&X-Amz-Signature="
                        "e93c787ed7f371d5c6b165c1b38ede9550f4dce4144713e844b25b7192d3865d");
    sigv4_result_free(&res);

    /* The caller's query stays first and as written; the token is signed and encoded. */
    r.query = "Param2=value2&Param1=value1";
    r.query_len = strlen(r.query);
    assert_int_equal(sigv4_presign(&r, &cred, &p, &res, err, sizeof err), 0);
    assert_true(strncmp(res.query, "Param2=value2&Param1=value1&X-Amz-Algorithm=", 44) == 0);
    assert_non_null(strstr(res.query, "&X-Amz-Expires=3600&X-Amz-Security-Token=" SUITE_TOKEN
                                      "&X-Amz-Signature="));
    assert_non_null(strstr(res.canonical_request,
                           "\nParam1=value1&Param2=value2&X-Amz-Algorithm=AWS4-HMAC-SHA256&"));
    sigv4_result_free(&res);
}

static void test_presign_s3_unsigned_payload(void **state)
{
    static const struct sigv4_header h[] = {HDR("Host", "examplebucket.s3.amazonaws.com")};
    struct sigv4_credentials cred = {"AKIAIOSFODNN7EXAMPLE",
                                     "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", NULL};
    struct sigv4_request r = get_root(h, 1);
    struct sigv4_params p = suite_params(0);
    struct sigv4_result res;
    char err[256], line[128];

    (void)state;
    r.path = "/test.txt";
    r.path_len = strlen(r.path);
    r.payload_hash = SIGV4_UNSIGNED_PAYLOAD;
    p.service = "s3";
    p.when = (time_t)1369353600;
    p.expires = 86400;
    /* The S3 API reference's presigned URL example. */
    assert_int_equal(sigv4_presign(&r, &cred, &p, &res, err, sizeof err), 0);
    assert_string_equal(res.signature,
                        "aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404");
    assert_string_equal(creq_line(&res, 6, line, sizeof line), SIGV4_UNSIGNED_PAYLOAD);
    sigv4_result_free(&res);

    /* Header form with an unsigned payload: the header carries the marker. */
    assert_int_equal(sigv4_sign_headers(&r, &cred, &p, &res, err, sizeof err), 0);
    assert_string_equal(find_added(&res, "x-amz-content-sha256"), SIGV4_UNSIGNED_PAYLOAD);
    sigv4_result_free(&res);
}

static void test_added_header_order_and_payload_hashes(void **state)
{
    struct sigv4_credentials cred = {SUITE_KEY, SUITE_SECRET, SUITE_TOKEN};
    struct sigv4_request r = get_root(NULL, 0);
    struct sigv4_params p = suite_params(SIGV4_CONTENT_SHA256);
    struct sigv4_result res;
    char err[256], line[256];

    (void)state;
    r.host = "127.0.0.1:5000"; /* a local emulator: the port is part of what is signed */
    assert_int_equal(sigv4_sign_headers(&r, &cred, &p, &res, err, sizeof err), 0);
    assert_int_equal(res.n_headers, 4);
    assert_string_equal(res.headers[0].name, "X-Amz-Security-Token");
    assert_string_equal(res.headers[1].name, "X-Amz-Date");
    assert_string_equal(res.headers[2].name, "x-amz-content-sha256");
    assert_string_equal(res.headers[3].name, "Authorization");
    assert_string_equal(creq_line(&res, 3, line, sizeof line), "host:127.0.0.1:5000");
    assert_string_equal(creq_line(&res, 8, line, sizeof line),
                        "host;x-amz-content-sha256;x-amz-date;x-amz-security-token");
    sigv4_result_free(&res);

    /* A precomputed hash is used as given; a malformed one is refused. */
    r.payload_hash = "9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e";
    assert_int_equal(sigv4_sign_headers(&r, &cred, &p, &res, err, sizeof err), 0);
    assert_string_equal(find_added(&res, "x-amz-content-sha256"), r.payload_hash);
    sigv4_result_free(&res);
    r.payload_hash = "9095672BBD1F56DFC5B65F3E153ADC8731A4A654192329106275F4C7B24D0B6E";
    assert_int_equal(sigv4_sign_headers(&r, &cred, &p, &res, err, sizeof err), -1);
    assert_non_null(strstr(err, "lowercase hex"));
    r.payload_hash = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD";
    assert_int_equal(sigv4_sign_headers(&r, &cred, &p, &res, err, sizeof err), -1);
    p.service = "s3";
    assert_int_equal(sigv4_sign_headers(&r, &cred, &p, &res, err, sizeof err), 0);
    assert_string_equal(find_added(&res, "x-amz-content-sha256"),
                        "STREAMING-AWS4-HMAC-SHA256-PAYLOAD");
    sigv4_result_free(&res);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sha256_and_hmac),
        cmocka_unit_test(test_query_sorted_by_key_then_value),
        cmocka_unit_test(test_query_encoding),
        cmocka_unit_test(test_query_empty_values_and_pieces),
        cmocka_unit_test(test_uri_encode),
        cmocka_unit_test(test_path_normalization),
        cmocka_unit_test(test_path_double_vs_single_encoding),
        cmocka_unit_test(test_s3_path_not_normalized_in_signature),
        cmocka_unit_test(test_header_trim_collapse_and_join),
        cmocka_unit_test(test_hop_by_hop_headers_not_signed),
        cmocka_unit_test(test_signer_owned_inputs_rejected),
        cmocka_unit_test(test_bad_input_messages_hold_no_secret),
        cmocka_unit_test(test_known_signature_get_vanilla),
        cmocka_unit_test(test_known_signature_session_token),
        cmocka_unit_test(test_known_signature_post_body),
        cmocka_unit_test(test_known_signature_iam_docs),
        cmocka_unit_test(test_known_signature_s3_docs),
        cmocka_unit_test(test_presign_get_vanilla),
        cmocka_unit_test(test_presign_s3_unsigned_payload),
        cmocka_unit_test(test_added_header_order_and_payload_hashes),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
