/* rpc: one function per pulumirpc.ResourceProvider method, bytes in and
 * bytes out. Knows protobuf-c and the resource registry, nothing of gRPC:
 * server.c moves the bytes and rpc.c gives them meaning. */
#ifndef AWSML_RPC_H
#define AWSML_RPC_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct rpc_call {
    const char *method; /* "/pulumirpc.ResourceProvider/Check" */
    size_t method_len;
    const uint8_t *req;
    size_t req_len;
    const atomic_bool *cancelled; /* set when the client cancels this call */
} rpc_call;

enum rpc_after {
    RPC_AFTER_NONE = 0,
    RPC_AFTER_SHUTDOWN, /* Cancel: stop taking work once the reply is out */
};

typedef struct rpc_reply {
    int code;      /* an err_code; 0 = OK */
    char *message; /* when code != 0 */
    uint8_t *body; /* the response message when code == 0 */
    size_t body_len;
    uint8_t *details; /* packed google.rpc.Status for grpc-status-details-bin */
    size_t details_len;
    enum rpc_after after;
    char *engine_address; /* Handshake/Attach told us where the engine listens */
} rpc_reply;

void rpc_handle(const rpc_call *call, rpc_reply *out);
/* true when the call is one whose handler never waits (on AWS, a file lock,
 * a timer or another call) and is small: Check, Diff, DiffConfig, and
 * Create/Update with preview set (not CheckConfig, which reads the shared
 * AWS files and a CA bundle), of at most
 * RPC_INLINE_MAX_BYTES (in policy-pack mode: every call of at most that
 * size). The server runs those on its polling thread, as the
 * handoff to a worker costs more than the work; the rest go to the pool. A
 * resource's check, diff and preview must therefore not wait on anything
 * but the engine's Log (engine_log in server.c). */
#define RPC_INLINE_MAX_BYTES (64 * 1024)
bool rpc_runs_inline(const rpc_call *call);
void rpc_reply_free(rpc_reply *r);

/* For the policy-pack door (analyzer.c), which shares these with the
 * provider's methods: an error reply with a fixed text, a packed message as
 * the reply, and the allocator requests are unpacked with (it notes an
 * allocation failure, so the call then fails whole). */
struct ProtobufCMessage;
struct ProtobufCAllocator;
void rpc_reply_text(rpc_reply *out, int code, const char *msg);
void rpc_reply_message(rpc_reply *out, const struct ProtobufCMessage *m);
struct ProtobufCAllocator *rpc_unpack_allocator(void);

/* One method of a gRPC service: its handler, or (fn NULL) the request type of
 * a method answered UNIMPLEMENTED; structs: the field numbers of the
 * request's google.protobuf.Struct fields, 0-ended (NULL: none). */
struct ProtobufCMessageDescriptor;
typedef struct rpc_method {
    const char *name;
    void (*fn)(const rpc_call *, rpc_reply *);
    const struct ProtobufCMessageDescriptor *req_desc;
    const uint32_t *structs;
} rpc_method;
/* The method of table (n entries) the call names under prefix
 * ("/pulumirpc.Analyzer/"), or NULL. When its request nests Structs deeper
 * than the wire allows, out gets INVALID_ARGUMENT and *refused is set. */
const rpc_method *rpc_method_find(const rpc_call *call, const char *prefix, const rpc_method *table,
                                  size_t n, rpc_reply *out, bool *refused);

/* The embedded schema/schema.json. */
extern const char awsml_schema_json[];
extern const unsigned long awsml_schema_json_len;

#endif
