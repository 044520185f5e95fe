/* libFuzzer harness for the XML reader and the error parsers built on it:
 * any byte string must give either a tree or an error, never a crash, a leak
 * or unbounded work. Build (not part of the Makefile yet):
 *   clang -std=c11 -g -O1 -fsanitize=fuzzer,address,undefined -Iprovider \
 *     -I/usr/include/cjson tests/fuzz/fuzz_xml.c provider/aws/xml.c \
 *     provider/aws/awserr.c provider/util/buf.c provider/util/err.c \
 *     provider/util/str.c -lexpat -lcjson -o fuzz_xml */
#include <stddef.h>
#include <stdint.h>

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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    xml_node *root = NULL;
    err e = {0};
    if (xml_parse((const char *)data, size, &root, &e) == 0) {
        volatile size_t sink = walk(root);
        (void)sink;
        (void)xml_path_text(root, "GetRoleResult/Role/Arn");
        xml_free(root);
    }
    aws_error ae;
    awserr_from_xml(&ae, "iam", "GetRole", 400, (const char *)data, size, NULL);
    awserr_to_err(&ae, &e);
    awserr_from_json(&ae, "sagemaker", "CreatePipeline", 400, (const char *)data, size, NULL,
                     NULL);
    awserr_to_err(&ae, &e);
    return 0;
}
