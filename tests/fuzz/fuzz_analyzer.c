/* libFuzzer harness for the policy pack (analyzer.c): the first input byte
 * picks a pulumirpc.Analyzer method, the rest are the request bytes as the
 * server would hand them to rpc_handle() in policy-pack mode. Every answer
 * must be an error with a message or a response that decodes, never a crash,
 * a leak or unbounded work. Configure changes the enforcement table and the
 * rule properties between inputs (process state by design); every level and
 * every accepted property value is valid there. Seeds configure_props* (from
 * gen_seeds.py) reach the rule properties parser. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer.h"
#include "pulumi/analyzer.pb-c.h"
#include "pulumi/plugin.pb-c.h"
#include "rpc.h"
#include "util/log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

typedef struct method {
    const char *path;
    const ProtobufCMessageDescriptor *resp; /* NULL: google.protobuf.Empty or not checked */
} method;

static const method methods[] = {
    {"/pulumirpc.Analyzer/Analyze", &pulumirpc__analyze_response__descriptor},
    {"/pulumirpc.Analyzer/AnalyzeStack", &pulumirpc__analyze_response__descriptor},
    {"/pulumirpc.Analyzer/GetAnalyzerInfo", &pulumirpc__analyzer_info__descriptor},
    {"/pulumirpc.Analyzer/GetPluginInfo", &pulumirpc__plugin_info__descriptor},
    {"/pulumirpc.Analyzer/Configure", NULL},
    {"/pulumirpc.Analyzer/Handshake", NULL},
    {"/pulumirpc.Analyzer/ConfigureStack", NULL},
    {"/pulumirpc.Analyzer/Remediate", NULL},
    {"/pulumirpc.Analyzer/Cancel", NULL},
};
#define N_METHODS (sizeof(methods) / sizeof(methods[0]))

static int sink(enum log_severity sev, const char *urn, const char *msg, bool ephemeral)
{
    volatile size_t n = strlen(msg) + (urn ? strlen(urn) : 0);
    (void)n;
    return 0;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    analyzer_select(ANALYZER_BIN);
    log_set_engine_sink(sink);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return -1;
    const method *m = &methods[data[0] % N_METHODS];
    rpc_call call = {
        .method = m->path,
        .method_len = strlen(m->path),
        .req = data + 1,
        .req_len = size - 1,
    };
    rpc_reply r;
    rpc_handle(&call, &r);
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
