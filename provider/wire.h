/* wire: a bounds-checked look at raw protobuf bytes before protobuf-c
 * decodes them. protobuf-c recurses once per nested message with no limit,
 * so a hostile request could nest google.protobuf.Struct values deep enough
 * to exhaust a thread's stack; wire_check_struct_depth() refuses those
 * first, iterating with its own bounded recursion. */
#ifndef AWSML_WIRE_H
#define AWSML_WIRE_H

#include <stddef.h>
#include <stdint.h>

/* Nesting deeper than this many Values is refused before decoding. props.c
 * enforces the tighter PROPS_MAX_DEPTH with the property path afterwards. */
#define WIRE_MAX_VALUE_DEPTH 160

/* Checks each top-level field of msg whose number is in struct_fields (a
 * google.protobuf.Struct). 0 when every one nests at most
 * WIRE_MAX_VALUE_DEPTH deep or the bytes are not well-formed (protobuf-c
 * will then refuse them); -1 with a message when something nests deeper. */
int wire_check_struct_depth(const uint8_t *msg, size_t len, const uint32_t *struct_fields,
                            size_t nfields, char *err, size_t errlen);

/* wire_check_struct_depth on each message of the top-level field
 * outer_field (a repeated message, e.g. AnalyzeStackRequest.resources). */
int wire_check_nested_struct_depth(const uint8_t *msg, size_t len, uint32_t outer_field,
                                   const uint32_t *struct_fields, size_t nfields, char *err,
                                   size_t errlen);

/* The value of top-level varint field `field` (bool, enum, integer) without
 * decoding the message: 1 with *value set (the last occurrence wins, as in
 * protobuf-c), 0 when the field is absent, -1 when the bytes are not
 * well-formed. */
int wire_varint_field(const uint8_t *msg, size_t len, uint32_t field, uint64_t *value);

#endif
