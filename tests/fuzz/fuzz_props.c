/* libFuzzer harness for the Struct <-> property tree conversion: bytes that
 * decode as a google.protobuf.Struct go through props_from_struct, back
 * through props_to_struct and a pack/unpack, and must come back as the same
 * tree and, packed again, as the same bytes. The depth guard the RPC layer
 * puts in front of protobuf-c (wire_check_struct_depth) runs first, on the
 * bytes wrapped as field 1 of a message, as it does for real requests. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "google/protobuf/struct.pb-c.h"
#include "props.h"
#include "wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Wraps data as a length-delimited field 1 (tag 0x0a, varint length). */
static uint8_t *wrap(const uint8_t *data, size_t size, size_t *len)
{
    uint8_t *w = malloc(size + 11);
    if (!w)
        return NULL;
    size_t n = 0;
    w[n++] = 0x0a;
    size_t v = size;
    do {
        uint8_t b = v & 0x7f;
        v >>= 7;
        w[n++] = (uint8_t)(b | (v ? 0x80 : 0));
    } while (v);
    if (size)
        memcpy(w + n, data, size);
    *len = n + size;
    return w;
}

static uint8_t *pack(const Google__Protobuf__Struct *s, size_t *len)
{
    *len = google__protobuf__struct__get_packed_size(s);
    uint8_t *b = malloc(*len ? *len : 1);
    if (b)
        google__protobuf__struct__pack(s, b);
    return b;
}

static void fail(const char *what)
{
    fprintf(stderr, "fuzz_props: %s\n", what);
    __builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const uint32_t fields[] = {1};
    size_t wlen;
    uint8_t *w = wrap(data, size, &wlen);
    if (!w)
        return 0;
    char why[256];
    int deep = wire_check_struct_depth(w, wlen, fields, 1, why, sizeof(why));
    free(w);
    if (deep != 0)
        return 0; /* refused before protobuf-c, as rpc_handle does */

    Google__Protobuf__Struct *s1 = google__protobuf__struct__unpack(NULL, size, data);
    if (!s1)
        return 0;
    pv *a = NULL, *b = NULL;
    Google__Protobuf__Struct *s2 = NULL, *s3 = NULL, *s4 = NULL;
    uint8_t *p2 = NULL, *p4 = NULL;
    size_t n2, n4;
    char err[256];
    if (props_from_struct(s1, &a, err, sizeof(err)) != 0)
        goto out; /* refused: fine, as long as nothing leaks */
    if (props_to_struct(a, &s2) != 0)
        goto out; /* only out of memory */
    if (!(p2 = pack(s2, &n2)))
        goto out;
    s3 = google__protobuf__struct__unpack(NULL, n2, p2);
    if (!s3)
        fail("props_to_struct gave a Struct that does not unpack");
    if (props_from_struct(s3, &b, err, sizeof(err)) != 0) {
        fprintf(stderr, "fuzz_props: second decode: %s\n", err);
        fail("props_to_struct gave a Struct props_from_struct refuses");
    }
    if (!pv_equal(a, b))
        fail("tree changed across props_to_struct/props_from_struct");
    if (props_to_struct(b, &s4) != 0 || !(p4 = pack(s4, &n4)))
        goto out;
    if (n2 != n4 || memcmp(p2, p4, n2) != 0)
        fail("equal trees packed to different bytes");
out:
    free(p2);
    free(p4);
    pv_free(a);
    pv_free(b);
    if (s2)
        protobuf_c_message_free_unpacked(&s2->base, NULL);
    if (s4)
        protobuf_c_message_free_unpacked(&s4->base, NULL);
    if (s3)
        google__protobuf__struct__free_unpacked(s3, NULL);
    google__protobuf__struct__free_unpacked(s1, NULL);
    return 0;
}
