/* Struct <-> tree conversion: every special value, containers, bad input. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>
#include <cmocka.h>

#include "props.h"
#include "pulumi/provider.pb-c.h"
#include "rpc.h"
#include "wire.h"

#define SIG "4dabf18193072939515e22adb298388d"

/* Packs and unpacks a Struct, as the wire would, then converts it back. */
static pv *roundtrip(const pv *in)
{
    Google__Protobuf__Struct *s = NULL;
    assert_int_equal(props_to_struct(in, &s), 0);
    size_t n = google__protobuf__struct__get_packed_size(s);
    uint8_t *bytes = malloc(n ? n : 1);
    assert_non_null(bytes);
    google__protobuf__struct__pack(s, bytes);
    protobuf_c_message_free_unpacked(&s->base, NULL);
    Google__Protobuf__Struct *back = google__protobuf__struct__unpack(NULL, n, bytes);
    free(bytes);
    assert_non_null(back);
    pv *out = NULL;
    char err[256] = "";
    assert_int_equal(props_from_struct(back, &out, err, sizeof(err)), 0);
    google__protobuf__struct__free_unpacked(back, NULL);
    return out;
}

static pv *special(const char *sig)
{
    pv *o = pv_object();
    assert_int_equal(pv_object_set(o, SIG, pv_string(sig)), 0);
    return o;
}

static void test_every_kind_round_trips(void **state)
{
    (void)state;
    pv *root = pv_object();
    assert_int_equal(pv_object_set(root, "null", pv_null()), 0);
    assert_int_equal(pv_object_set(root, "t", pv_bool(true)), 0);
    assert_int_equal(pv_object_set(root, "num", pv_number(-12.5)), 0);
    assert_int_equal(pv_object_set(root, "str", pv_string("héllo")), 0);
    assert_int_equal(pv_object_set(root, "empty_str", pv_string("")), 0);
    assert_int_equal(pv_object_set(root, "empty_arr", pv_array()), 0);
    assert_int_equal(pv_object_set(root, "empty_obj", pv_object()), 0);
    assert_int_equal(pv_object_set(root, "secret", pv_secret(pv_string("hunter2"))), 0);
    assert_int_equal(pv_object_set(root, "secret_obj", pv_secret(pv_object())), 0);
    for (int k = PV_UNK_ANY; k <= PV_UNK_OBJECT; k++) {
        char key[16];
        snprintf(key, sizeof(key), "unk%d", k);
        assert_int_equal(pv_object_set(root, key, pv_unknown((pv_unknown_kind)k)), 0);
    }
    pv *arr = pv_array();
    assert_int_equal(pv_array_push(arr, pv_number(1)), 0);
    assert_int_equal(pv_array_push(arr, pv_secret(pv_array())), 0);
    pv *inner = pv_object();
    assert_int_equal(pv_object_set(inner, "k.with.dots", pv_unknown(PV_UNK_ANY)), 0);
    assert_int_equal(pv_array_push(arr, inner), 0);
    assert_int_equal(pv_object_set(root, "nested", arr), 0);

    /* Resource reference, output values, asset and archive come in as
     * Structs with the signature key, as the engine sends them. */
    pv *ref = special("5cf8f73096256a8f31e491e813e4eb8e");
    assert_int_equal(pv_object_set(ref, "urn", pv_string("urn:pulumi:s::p::aws:iam/role:Role::r")),
                     0);
    assert_int_equal(pv_object_set(ref, "id", pv_string("")), 0);
    assert_int_equal(pv_object_set(ref, "packageVersion", pv_string("7.0.0")), 0);
    assert_int_equal(pv_object_set(root, "ref", ref), 0);
    pv *outk = special("d0e6a833031e9bbcd3f4e8bde6ca49a4");
    assert_int_equal(pv_object_set(outk, "value", pv_string("v")), 0);
    assert_int_equal(pv_object_set(outk, "secret", pv_bool(true)), 0);
    pv *deps = pv_array();
    assert_int_equal(pv_array_push(deps, pv_string("urn:a")), 0);
    assert_int_equal(pv_object_set(outk, "dependencies", deps), 0);
    assert_int_equal(pv_object_set(root, "out_known", outk), 0);
    assert_int_equal(
        pv_object_set(root, "out_unknown", special("d0e6a833031e9bbcd3f4e8bde6ca49a4")), 0);
    pv *asset = special("c44067f5952c0a294b673a41bacd8c17");
    assert_int_equal(pv_object_set(asset, "text", pv_string("hi")), 0);
    assert_int_equal(pv_object_set(root, "asset", asset), 0);
    pv *archive = special("0def7320c3a5731c473e5ecbe6d01bc7");
    assert_int_equal(pv_object_set(archive, "assets", pv_object()), 0);
    assert_int_equal(pv_object_set(root, "archive", archive), 0);

    /* First pass: the special objects become typed nodes. */
    pv *once = roundtrip(root);
    assert_int_equal(pv_object_get(once, "secret")->kind, PV_SECRET);
    assert_int_equal(pv_object_get(once, "ref")->kind, PV_RESOURCE);
    assert_int_equal(pv_object_get(once, "asset")->kind, PV_ASSET);
    assert_int_equal(pv_object_get(once, "archive")->kind, PV_ARCHIVE);
    const pv *ok = pv_object_get(once, "out_known");
    assert_int_equal(ok->kind, PV_OUTPUT);
    assert_true(ok->u.out.secret);
    assert_int_equal(ok->u.out.ndeps, 1);
    assert_string_equal(ok->u.out.deps[0], "urn:a");
    const pv *ou = pv_object_get(once, "out_unknown");
    assert_int_equal(ou->kind, PV_OUTPUT);
    assert_null(ou->u.out.value);
    for (int k = PV_UNK_ANY; k <= PV_UNK_OBJECT; k++) {
        char key[16];
        snprintf(key, sizeof(key), "unk%d", k);
        const pv *u = pv_object_get(once, key);
        assert_int_equal(u->kind, PV_UNKNOWN);
        assert_int_equal(u->u.unknown, k);
    }
    assert_int_equal(pv_object_get(once, "str")->kind, PV_STRING);
    assert_true(pv_contains_secret(once));
    assert_true(pv_contains_unknown(once));

    /* Second pass: typed nodes convert back to exactly the same thing. */
    pv *twice = roundtrip(once);
    assert_true(pv_equal(once, twice));
    pv *copy = pv_copy(twice);
    assert_true(pv_equal(copy, once));
    pv_free(copy);
    /* Dropping the marks in place gives what the stripped copy is: secrets
     * and known outputs as their values, unknown outputs as unknowns. */
    pv *stripped = pv_strip_secrets(once);
    pv *taken = pv_take_plain(pv_copy(once));
    assert_non_null(taken);
    assert_false(pv_contains_secret(taken));
    assert_true(pv_equal(taken, stripped));
    assert_string_equal(pv_object_get(taken, "out_known")->u.str.s, "v");
    assert_int_equal(pv_object_get(taken, "out_unknown")->kind, PV_UNKNOWN);
    assert_int_equal(pv_object_get(taken, "ref")->kind, PV_RESOURCE);
    pv_free(taken);
    pv_free(stripped);
    assert_null(pv_take_plain(NULL));
    pv_free(twice);
    pv_free(once);
    pv_free(root);
}

static void test_strip_and_remark_secrets(void **state)
{
    (void)state;
    pv *in = pv_object();
    pv *tags = pv_object();
    assert_int_equal(pv_object_set(tags, "k", pv_secret(pv_string("v"))), 0);
    assert_int_equal(pv_object_set(in, "tags", tags), 0);
    assert_int_equal(pv_object_set(in, "password", pv_secret(pv_string("p"))), 0);
    assert_int_equal(pv_object_set(in, "plain", pv_string("x")), 0);
    pv *plain = pv_strip_secrets(in);
    assert_false(pv_contains_secret(plain));
    assert_string_equal(pv_object_get(plain, "password")->u.str.s, "p");
    pv *out = pv_copy(plain);
    assert_int_equal(pv_object_set(out, "arn", pv_string("arn:x")), 0);
    assert_int_equal(pv_mark_secrets_like(&out, in), 0);
    assert_int_equal(pv_object_get(out, "password")->kind, PV_SECRET);
    assert_int_equal(pv_object_get(pv_object_get(out, "tags"), "k")->kind, PV_SECRET);
    assert_int_equal(pv_object_get(out, "plain")->kind, PV_STRING);
    assert_int_equal(pv_object_get(out, "arn")->kind, PV_STRING);
    pv_free(out);
    pv_free(plain);
    pv_free(in);
}

static Google__Protobuf__Value *str_value(const char *s)
{
    Google__Protobuf__Value *v = malloc(sizeof(*v));
    google__protobuf__value__init(v);
    v->kind_case = GOOGLE__PROTOBUF__VALUE__KIND_STRING_VALUE;
    v->string_value = strdup(s);
    return v;
}

static Google__Protobuf__Struct *one_field(const char *key, Google__Protobuf__Value *v)
{
    Google__Protobuf__Struct *s = malloc(sizeof(*s));
    google__protobuf__struct__init(s);
    s->fields = malloc(sizeof(*s->fields));
    s->fields[0] = malloc(sizeof(**s->fields));
    google__protobuf__struct__fields_entry__init(s->fields[0]);
    s->fields[0]->key = strdup(key);
    s->fields[0]->value = v;
    s->n_fields = 1;
    return s;
}

static void expect_error(Google__Protobuf__Struct *s, const char *needle)
{
    pv *out = NULL;
    char err[512] = "";
    assert_int_equal(props_from_struct(s, &out, err, sizeof(err)), -1);
    assert_null(out);
    if (!strstr(err, needle))
        fail_msg("error '%s' lacks '%s'", err, needle);
    protobuf_c_message_free_unpacked(&s->base, NULL);
}

static void test_invalid_utf8_names_the_property(void **state)
{
    (void)state;
    expect_error(one_field("name", str_value("ok\xff")),
                 "property 'name': string is not valid UTF-8");
    expect_error(one_field("bad\xc0\x80key", str_value("x")), "object key is not valid UTF-8");
    /* Surrogates and overlong forms are invalid too. */
    expect_error(one_field("s", str_value("\xed\xa0\x80")), "UTF-8");
    expect_error(one_field("s", str_value("\xe0\x80\xaf")), "UTF-8");
}

static void test_bad_signatures_are_refused(void **state)
{
    (void)state;
    Google__Protobuf__Struct *inner = one_field(SIG, str_value("not-a-signature"));
    Google__Protobuf__Value *v = malloc(sizeof(*v));
    google__protobuf__value__init(v);
    v->kind_case = GOOGLE__PROTOBUF__VALUE__KIND_STRUCT_VALUE;
    v->struct_value = inner;
    expect_error(one_field("weird", v),
                 "property 'weird': object has an unrecognized Pulumi signature");
    /* A resource reference without an urn. */
    inner = one_field(SIG, str_value("5cf8f73096256a8f31e491e813e4eb8e"));
    v = malloc(sizeof(*v));
    google__protobuf__value__init(v);
    v->kind_case = GOOGLE__PROTOBUF__VALUE__KIND_STRUCT_VALUE;
    v->struct_value = inner;
    expect_error(one_field("r", v), "needs a string 'urn'");
    /* Found by fuzzing: a signature entry without a value decoded as a plain
     * object that could not be encoded back. */
    v = malloc(sizeof(*v));
    google__protobuf__value__init(v);
    v->kind_case = GOOGLE__PROTOBUF__VALUE__KIND_STRUCT_VALUE;
    v->struct_value = one_field(SIG, NULL);
    expect_error(one_field("s", v), "property 's': Pulumi signature must be a string");
}

static Google__Protobuf__Struct *nested(int depth)
{
    Google__Protobuf__Value *v = str_value("leaf");
    for (int i = 0; i < depth; i++) {
        Google__Protobuf__Value *w = malloc(sizeof(*w));
        google__protobuf__value__init(w);
        w->kind_case = GOOGLE__PROTOBUF__VALUE__KIND_STRUCT_VALUE;
        w->struct_value = one_field("n", v);
        v = w;
    }
    return one_field("top", v);
}

static void test_deep_nesting(void **state)
{
    (void)state;
    for (int depth = 127; depth <= 129; depth++) {
        Google__Protobuf__Struct *s = nested(depth);
        pv *out = NULL;
        char err[512] = "";
        int rc = props_from_struct(s, &out, err, sizeof(err));
        if (depth < 128) {
            assert_int_equal(rc, 0);
            pv_free(out);
        } else {
            assert_int_equal(rc, -1);
            assert_non_null(strstr(err, "property 'top.n.n"));
            assert_non_null(strstr(err, "deeper than 128"));
        }
        protobuf_c_message_free_unpacked(&s->base, NULL);
    }
}

static void test_duplicate_keys_keep_the_last(void **state)
{
    (void)state;
    Google__Protobuf__Struct *s = one_field("k", str_value("first"));
    s->fields = realloc(s->fields, 3 * sizeof(*s->fields));
    for (int i = 1; i < 3; i++) {
        s->fields[i] = malloc(sizeof(**s->fields));
        google__protobuf__struct__fields_entry__init(s->fields[i]);
        s->fields[i]->key = strdup(i == 1 ? "other" : "k");
        s->fields[i]->value = str_value(i == 1 ? "o" : "last");
    }
    s->n_fields = 3;
    pv *out = NULL;
    char err[256];
    assert_int_equal(props_from_struct(s, &out, err, sizeof(err)), 0);
    assert_int_equal(out->u.obj.len, 2);
    assert_string_equal(pv_object_get(out, "k")->u.str.s, "last");
    pv_free(out);
    protobuf_c_message_free_unpacked(&s->base, NULL);
}

static void test_json_round_trip(void **state)
{
    (void)state;
    cJSON *j = cJSON_Parse("{\"a\":[1,true,null,\"s\",{\"b\":2.5}],\"c\":{}}");
    pv *v = pv_from_cjson(j);
    assert_non_null(v);
    assert_int_equal(pv_object_get(v, "a")->u.arr.len, 5);
    cJSON *back = pv_to_cjson(v);
    assert_true(cJSON_Compare(j, back, 1));
    /* Secrets are seen through; unknowns have no JSON form. */
    pv_object_set(v, "c", pv_secret(pv_string("x")));
    cJSON *sec = pv_to_cjson(v);
    assert_string_equal(cJSON_GetObjectItem(sec, "c")->valuestring, "x");
    pv_object_set(v, "c", pv_unknown(PV_UNK_ANY));
    assert_null(pv_to_cjson(v));
    cJSON_Delete(sec);
    cJSON_Delete(back);
    cJSON_Delete(j);
    pv_free(v);
}

static void test_equality(void **state)
{
    (void)state;
    pv *a = pv_object(), *b = pv_object();
    pv_object_set(a, "x", pv_number(1));
    pv_object_set(a, "y", pv_string("s"));
    pv_object_set(b, "y", pv_string("s"));
    pv_object_set(b, "x", pv_number(1));
    assert_true(pv_equal(a, b)); /* key order does not matter */
    pv_object_set(b, "x", pv_number(2));
    assert_false(pv_equal(a, b));
    assert_false(pv_equal(pv_plain(a), NULL));
    pv *n1 = pv_number(NAN), *n2 = pv_number(NAN);
    assert_true(pv_equal(n1, n2));
    pv_free(n1);
    pv_free(n2);
    pv_free(a);
    pv_free(b);
}

static void test_wire_depth_check(void **state)
{
    (void)state;
    const uint32_t news_field[] = {3}, other_field[] = {2};
    for (int depth = 100; depth <= 1000; depth += 900) {
        Pulumirpc__CheckRequest req = PULUMIRPC__CHECK_REQUEST__INIT;
        req.news = nested(depth);
        size_t n = pulumirpc__check_request__get_packed_size(&req);
        uint8_t *bytes = malloc(n);
        pulumirpc__check_request__pack(&req, bytes);
        char err[256] = "";
        int rc = wire_check_struct_depth(bytes, n, news_field, 1, err, sizeof(err));
        if (depth == 100) {
            assert_int_equal(rc, 0);
        } else {
            assert_int_equal(rc, -1);
            assert_non_null(strstr(err, "deeper than"));
            /* Only the listed fields are inspected. */
            assert_int_equal(wire_check_struct_depth(bytes, n, other_field, 1, err, sizeof(err)),
                             0);
        }
        free(bytes);
        protobuf_c_message_free_unpacked(&req.news->base, NULL);
    }
    /* Garbage is left for protobuf-c to refuse. */
    const uint8_t junk[] = {0xff, 0xff, 0xff};
    char err[64];
    assert_int_equal(wire_check_struct_depth(junk, sizeof(junk), news_field, 1, err, sizeof(err)),
                     0);
}

/* The server runs Check, Diff and previews on its polling thread: it finds
 * the preview flag in the raw bytes, as protobuf-c would decode it. */
static void test_wire_varint_field_and_inline_calls(void **state)
{
    (void)state;
    Pulumirpc__CreateRequest req = PULUMIRPC__CREATE_REQUEST__INIT;
    req.urn = "urn:pulumi:s::p::aws:iam/role:Role::r";
    req.type = "aws:iam/role:Role";
    req.timeout = 30;
    uint8_t bytes[256];
    uint64_t v = 99;
    size_t n = pulumirpc__create_request__pack(&req, bytes); /* preview false: not on the wire */
    assert_int_equal(wire_varint_field(bytes, n, 4, &v), 0);
    assert_int_equal(v, 99);
    rpc_call call = {.method = "/pulumirpc.ResourceProvider/Create", .req = bytes, .req_len = n};
    call.method_len = strlen(call.method);
    assert_false(rpc_runs_inline(&call));
    req.preview = 1;
    n = pulumirpc__create_request__pack(&req, bytes);
    call.req_len = n;
    assert_int_equal(wire_varint_field(bytes, n, 4, &v), 1);
    assert_int_equal(v, 1);
    assert_true(rpc_runs_inline(&call));
    /* Fields of other wire types, and other numbers, are skipped over. */
    assert_int_equal(wire_varint_field(bytes, n, 1, &v), 0);
    assert_int_equal(wire_varint_field(bytes, n, 5, &v), 0);
    /* The last occurrence wins; cut-off bytes are malformed. */
    uint8_t twice[] = {0x20, 0x01, 0x20, 0x00};
    assert_int_equal(wire_varint_field(twice, sizeof(twice), 4, &v), 1);
    assert_int_equal(v, 0);
    call.req = twice;
    call.req_len = sizeof(twice);
    assert_false(rpc_runs_inline(&call));
    assert_int_equal(wire_varint_field(bytes, n - 1, 4, &v), -1);
    const uint8_t junk[] = {0xff, 0xff, 0xff};
    assert_int_equal(wire_varint_field(junk, sizeof(junk), 4, &v), -1);
    /* Update's flag is field 7; Check and Diff always run inline; CheckConfig
     * (reads shared files), Configure and Delete never, and nothing over RPC_INLINE_MAX_BYTES does.
     */
    Pulumirpc__UpdateRequest up = PULUMIRPC__UPDATE_REQUEST__INIT;
    up.preview = 1;
    n = pulumirpc__update_request__pack(&up, bytes);
    call = (rpc_call){.method = "/pulumirpc.ResourceProvider/Update", .req = bytes, .req_len = n};
    call.method_len = strlen(call.method);
    assert_true(rpc_runs_inline(&call));
    const char *methods[] = {"Check",     "Diff",   "DiffConfig", "CheckConfig",
                             "Configure", "Delete", "Read",       "Checks"};
    for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++) {
        char m[128];
        snprintf(m, sizeof(m), "/pulumirpc.ResourceProvider/%s", methods[i]);
        call = (rpc_call){.method = m, .method_len = strlen(m), .req = bytes, .req_len = 0};
        assert_int_equal(rpc_runs_inline(&call), i < 3);
        call.req_len = RPC_INLINE_MAX_BYTES + 1;
        assert_false(rpc_runs_inline(&call));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_kind_round_trips),
        cmocka_unit_test(test_strip_and_remark_secrets),
        cmocka_unit_test(test_invalid_utf8_names_the_property),
        cmocka_unit_test(test_bad_signatures_are_refused),
        cmocka_unit_test(test_deep_nesting),
        cmocka_unit_test(test_duplicate_keys_keep_the_last),
        cmocka_unit_test(test_equality),
        cmocka_unit_test(test_json_round_trip),
        cmocka_unit_test(test_wire_depth_check),
        cmocka_unit_test(test_wire_varint_field_and_inline_calls),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
