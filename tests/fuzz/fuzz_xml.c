/* libFuzzer harness for the XML reader and the AWS error parsers built on it
 * (query-protocol XML and JSON 1.1): any byte string must give either a tree
 * or an error, never a crash, a leak or unbounded work. The body is passed
 * with its length and without a terminating NUL, as curl hands it over.
 *
 * Layout: the bytes up to the first NUL are the body; the bytes after it, when
 * present, are the x-amzn-ErrorType header for the JSON parser. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/awserr.h"
#include "aws/xml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Walks the whole tree so every stored name and text is read at least once
 * (ASan then sees any bad length or missing terminator). */
static size_t walk(const xml_node *n)
{
    size_t sum = n->text_len;
    for (const char *p = n->name; *p; p++)
        sum += (unsigned char)*p;
    for (size_t i = 0; i < n->text_len; i++)
        sum += (unsigned char)n->text[i];
    for (size_t i = 0; i < n->n_children; i++)
        sum += walk(n->children[i]);
    return sum;
}

/* Every field of the record must be a terminated string within its array. */
static void check_record(const aws_error *ae)
{
    if (!memchr(ae->service, 0, sizeof(ae->service)) ||
        !memchr(ae->operation, 0, sizeof(ae->operation)) ||
        !memchr(ae->code, 0, sizeof(ae->code)) || !memchr(ae->message, 0, sizeof(ae->message)) ||
        !memchr(ae->request_id, 0, sizeof(ae->request_id))) {
        fprintf(stderr, "fuzz_xml: aws_error field not terminated\n");
        __builtin_trap();
    }
    err e = {0};
    awserr_to_err(ae, &e);
    if (!memchr(e.msg, 0, sizeof(e.msg)))
        __builtin_trap();
    (void)awserr_grpc_code(ae);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *nul = memchr(data, 0, size);
    size_t body_len = nul ? (size_t)(nul - data) : size;
    char *header = NULL;
    if (nul) {
        size_t hlen = size - body_len - 1;
        header = malloc(hlen + 1);
        if (!header)
            return 0;
        memcpy(header, nul + 1, hlen);
        header[hlen] = 0;
    }
    /* A heap copy of exactly body_len bytes: reading one past is an ASan error. */
    char *body = malloc(body_len ? body_len : 1);
    if (!body) {
        free(header);
        return 0;
    }
    if (body_len)
        memcpy(body, data, body_len);

    xml_node *root = NULL;
    err e = {0};
    if (xml_parse(body, body_len, &root, &e) == 0) {
        volatile size_t sink = walk(root);
        (void)sink;
        (void)xml_path_text(root, "GetRoleResult/Role/Arn");
        (void)xml_path_text(root, "Error/Code");
        xml_free(root);
    }
    aws_error ae;
    awserr_from_xml(&ae, "iam", "GetRole", 400, body, body_len, "req-1");
    check_record(&ae);
    awserr_from_json(&ae, "sagemaker", "CreatePipeline", 400, body, body_len, header, NULL);
    check_record(&ae);
    free(body);
    free(header);
    return 0;
}
