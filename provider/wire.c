#include "wire.h"

#include <stdbool.h>
#include <stdio.h>

typedef struct cursor {
    const uint8_t *p;
    size_t len;
} cursor;

enum { WT_VARINT = 0, WT_I64 = 1, WT_LEN = 2, WT_I32 = 5 };
enum scan { SCAN_OK = 0, SCAN_TOO_DEEP = 1, SCAN_MALFORMED = 2 };

static bool read_varint(cursor *c, uint64_t *v)
{
    uint64_t r = 0;
    for (unsigned shift = 0; shift < 64; shift += 7) {
        if (!c->len)
            return false;
        uint8_t b = *c->p++;
        c->len--;
        r |= (uint64_t)(b & 0x7F) << shift;
        if (!(b & 0x80)) {
            *v = r;
            return true;
        }
    }
    return false;
}

/* Reads one field header and, for LEN fields, its payload. */
static bool next_field(cursor *c, uint32_t *num, int *wt, cursor *payload)
{
    uint64_t tag, n;
    if (!read_varint(c, &tag))
        return false;
    *num = (uint32_t)(tag >> 3);
    *wt = (int)(tag & 7);
    switch (*wt) {
    case WT_VARINT:
        return read_varint(c, &n);
    case WT_I64:
    case WT_I32: {
        size_t skip = *wt == WT_I64 ? 8 : 4;
        if (c->len < skip)
            return false;
        c->p += skip;
        c->len -= skip;
        return true;
    }
    case WT_LEN:
        if (!read_varint(c, &n) || n > c->len)
            return false;
        payload->p = c->p;
        payload->len = (size_t)n;
        c->p += n;
        c->len -= (size_t)n;
        return true;
    default:
        return false;
    }
}

static enum scan scan_value(cursor c, int depth);

/* Struct{fields=1: entry{key=1, value=2: Value}} and ListValue{values=1: Value}
 * share a shape: for a Struct the Value sits one message further in. */
static enum scan scan_container(cursor c, int depth, bool is_struct)
{
    while (c.len) {
        uint32_t num;
        int wt;
        cursor sub;
        if (!next_field(&c, &num, &wt, &sub))
            return SCAN_MALFORMED;
        if (num != 1 || wt != WT_LEN)
            continue;
        if (!is_struct) {
            enum scan r = scan_value(sub, depth + 1);
            if (r != SCAN_OK)
                return r;
            continue;
        }
        while (sub.len) {
            uint32_t enum_;
            int ewt;
            cursor val;
            if (!next_field(&sub, &enum_, &ewt, &val))
                return SCAN_MALFORMED;
            if (enum_ == 2 && ewt == WT_LEN) {
                enum scan r = scan_value(val, depth + 1);
                if (r != SCAN_OK)
                    return r;
            }
        }
    }
    return SCAN_OK;
}

/* Value: struct_value=5 (Struct), list_value=6 (ListValue); the rest are scalars. */
static enum scan scan_value(cursor c, int depth)
{
    if (depth > WIRE_MAX_VALUE_DEPTH)
        return SCAN_TOO_DEEP;
    while (c.len) {
        uint32_t num;
        int wt;
        cursor sub;
        if (!next_field(&c, &num, &wt, &sub))
            return SCAN_MALFORMED;
        if (wt == WT_LEN && (num == 5 || num == 6)) {
            enum scan r = scan_container(sub, depth, num == 5);
            if (r != SCAN_OK)
                return r;
        }
    }
    return SCAN_OK;
}

int wire_check_struct_depth(const uint8_t *msg, size_t len, const uint32_t *struct_fields,
                            size_t nfields, char *err, size_t errlen)
{
    cursor c = {msg, len};
    while (c.len) {
        uint32_t num;
        int wt;
        cursor sub;
        if (!next_field(&c, &num, &wt, &sub))
            return 0; /* malformed: protobuf-c reports it */
        if (wt != WT_LEN)
            continue;
        for (size_t i = 0; i < nfields; i++) {
            if (struct_fields[i] != num)
                continue;
            if (scan_container(sub, 0, true) == SCAN_TOO_DEEP) {
                snprintf(err, errlen,
                         "field %u: property values nest deeper than %d levels (the limit is 128)",
                         (unsigned)num, WIRE_MAX_VALUE_DEPTH);
                return -1;
            }
        }
    }
    return 0;
}

int wire_check_nested_struct_depth(const uint8_t *msg, size_t len, uint32_t outer_field,
                                   const uint32_t *struct_fields, size_t nfields, char *err,
                                   size_t errlen)
{
    cursor c = {msg, len};
    while (c.len) {
        uint32_t num;
        int wt;
        cursor sub;
        if (!next_field(&c, &num, &wt, &sub))
            return 0; /* malformed: protobuf-c reports it */
        if (wt == WT_LEN && num == outer_field &&
            wire_check_struct_depth(sub.p, sub.len, struct_fields, nfields, err, errlen) != 0)
            return -1;
    }
    return 0;
}

int wire_varint_field(const uint8_t *msg, size_t len, uint32_t field, uint64_t *value)
{
    cursor c = {msg, len};
    int found = 0;
    while (c.len) {
        cursor at = c;
        uint64_t tag, v;
        if (!read_varint(&at, &tag))
            return -1;
        if ((uint32_t)(tag >> 3) == field && (tag & 7) == WT_VARINT) {
            if (!read_varint(&at, &v))
                return -1;
            *value = v;
            found = 1;
            c = at;
            continue;
        }
        uint32_t num;
        int wt;
        cursor sub;
        if (!next_field(&c, &num, &wt, &sub))
            return -1;
    }
    return found;
}
