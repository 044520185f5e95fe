/* libFuzzer harness for the RPC layer: the first input byte picks a
 * pulumirpc.ResourceProvider method, the rest are the request bytes as the
 * server would hand them to rpc_handle(). Every answer must be an error or a
 * response that decodes, never a crash, a leak or unbounded work.
 *
 * Not reachable on purpose:
 * - Configure: it builds an AWS client and calls STS; without it every real
 *   AWS resource's create/read/update/delete stops at "not configured", so
 *   nothing here ever leaves the process.
 * - Cancel: it sets a process-wide flag that would change every later input.
 * - the Probe test resource: its barrier and waitCancel modes block by design
 *   (inputs that name its token are skipped; a URN carries the token as
 *   literal bytes, so the check is exact).
 * The Echo test resource (tests/support/test_resources.c) is registered so
 * Check/Diff/Create/Read/Update/Delete run a resource end to end. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pulumi/provider.pb-c.h"
#include "rpc.h"
#include "util/log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);
void test_resources_register(void);

typedef struct method {
    const char *path;
    const ProtobufCMessageDescriptor *resp; /* NULL: google.protobuf.Empty or not checked */
} method;

static const method methods[] = {
    {"/pulumirpc.ResourceProvider/Handshake", &pulumirpc__provider_handshake_response__descriptor},
    {"/pulumirpc.ResourceProvider/GetPluginInfo", &pulumirpc__plugin_info__descriptor},
    {"/pulumirpc.ResourceProvider/GetSchema", &pulumirpc__get_schema_response__descriptor},
    {"/pulumirpc.ResourceProvider/CheckConfig", &pulumirpc__check_response__descriptor},
    {"/pulumirpc.ResourceProvider/DiffConfig", &pulumirpc__diff_response__descriptor},
    {"/pulumirpc.ResourceProvider/Check", &pulumirpc__check_response__descriptor},
    {"/pulumirpc.ResourceProvider/Diff", &pulumirpc__diff_response__descriptor},
    {"/pulumirpc.ResourceProvider/Create", &pulumirpc__create_response__descriptor},
    {"/pulumirpc.ResourceProvider/Read", &pulumirpc__read_response__descriptor},
    {"/pulumirpc.ResourceProvider/Update", &pulumirpc__update_response__descriptor},
    {"/pulumirpc.ResourceProvider/Delete", NULL},
    {"/pulumirpc.ResourceProvider/Attach", NULL},
    {"/pulumirpc.ResourceProvider/Parameterize", NULL},
    {"/pulumirpc.ResourceProvider/Invoke", NULL},
    {"/pulumirpc.ResourceProvider/Call", NULL},
    {"/pulumirpc.ResourceProvider/List", NULL},
    {"/pulumirpc.ResourceProvider/Construct", NULL},
    {"/pulumirpc.ResourceProvider/GetMapping", NULL},
    {"/pulumirpc.ResourceProvider/GetMappings", NULL},
    {"/pulumirpc.ResourceProvider/NoSuchMethod", NULL},
};
#define N_METHODS (sizeof(methods) / sizeof(methods[0]))

/* Stands in for Engine.Log: reads every byte so ASan checks the strings. */
static int sink(enum log_severity sev, const char *urn, const char *msg, bool ephemeral)
{
    volatile size_t n = strlen(msg) + (urn ? strlen(urn) : 0);
    (void)n;
    return 0;
}

/* FUZZ_RPC_VERBOSE=1 prints each call's outcome (to see what a seed reaches). */
static bool verbose;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    const char *v = getenv("FUZZ_RPC_VERBOSE");
    verbose = v && *v && strcmp(v, "0") != 0;
    test_resources_register();
    log_set_engine_sink(sink);
    return 0;
}

static bool mentions_probe(const uint8_t *data, size_t size)
{
    static const char tok[] = "test/probe";
    size_t n = sizeof(tok) - 1;
    for (size_t i = 0; i + n <= size; i++)
        if (memcmp(data + i, tok, n) == 0)
            return true;
    return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || mentions_probe(data, size))
        return -1; /* not added to the corpus */
    const method *m = &methods[data[0] % N_METHODS];
    rpc_call call = {
        .method = m->path,
        .method_len = strlen(m->path),
        .req = data + 1,
        .req_len = size - 1,
    };
    rpc_reply r;
    rpc_handle(&call, &r);
    if (verbose)
        fprintf(stderr, "fuzz_rpc: %s -> %d %s\n", m->path, r.code, r.code ? r.message : "OK");
    if (r.code == 0) {
        if (m->resp) {
            ProtobufCMessage *msg = protobuf_c_message_unpack(m->resp, NULL, r.body_len, r.body);
            if (!msg) {
                fprintf(stderr, "%s: OK reply does not decode as %s\n", m->path, m->resp->name);
                __builtin_trap();
            }
            protobuf_c_message_free_unpacked(msg, NULL);
        }
    } else {
        if (!r.message) {
            fprintf(stderr, "%s: error %d without a message\n", m->path, r.code);
            __builtin_trap();
        }
        volatile size_t n = strlen(r.message);
        (void)n;
    }
    rpc_reply_free(&r);
    return 0;
}
