/* The floor for boot time, idle memory and per-call cost: a gRPC C-core server
 * built and linked exactly like pulumi-resource-awsml, listening on
 * 127.0.0.1:0 and printing its port, that answers every unary method (so
 * pulumirpc.ResourceProvider's Check, Diff, Create, ... too) with an empty
 * message and status OK. An empty message is a valid CheckResponse,
 * DiffResponse, CreateResponse, ...: a client such as ghz decodes it as the
 * method's reply type.
 *
 * It does per call what awsml's server.c does minus the work: keeps 8
 * request_call slots armed, reads the request message, and sends initial
 * metadata, the reply and the status in one batch, all on the polling thread
 * (awsml hands the call to a worker, decodes, runs the method and encodes).
 * Runs until killed. */
#include <grpc/byte_buffer.h>
#include <grpc/grpc.h>
#include <grpc/grpc_security.h>
#include <grpc/slice.h>
#include <grpc/support/time.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EMPTY_PENDING_REQUESTS 8

enum empty_tag_kind { EMPTY_NEW, EMPTY_RECV, EMPTY_SEND, EMPTY_CLOSE };

typedef struct empty_call empty_call;
typedef struct {
    enum empty_tag_kind kind;
    empty_call *call;
} empty_tag;

struct empty_call {
    grpc_call *call;
    grpc_call_details details;
    grpc_metadata_array req_md;
    grpc_byte_buffer *recv_buf;
    grpc_byte_buffer *send_buf;
    int close_cancelled;
    int refs; /* the recv/send path and the close path */
    empty_tag t_new, t_recv, t_send, t_close;
};

static grpc_server *g_server;
static grpc_completion_queue *g_cq;

static void empty_free(empty_call *c)
{
    if (c->call)
        grpc_call_unref(c->call);
    grpc_call_details_destroy(&c->details);
    grpc_metadata_array_destroy(&c->req_md);
    if (c->recv_buf)
        grpc_byte_buffer_destroy(c->recv_buf);
    if (c->send_buf)
        grpc_byte_buffer_destroy(c->send_buf);
    free(c);
}

static void empty_unref(empty_call *c)
{
    if (--c->refs == 0)
        empty_free(c);
}

static void empty_arm(void)
{
    empty_call *c = calloc(1, sizeof(*c));
    if (!c)
        return;
    c->t_new = (empty_tag){EMPTY_NEW, c};
    c->t_recv = (empty_tag){EMPTY_RECV, c};
    c->t_send = (empty_tag){EMPTY_SEND, c};
    c->t_close = (empty_tag){EMPTY_CLOSE, c};
    grpc_call_details_init(&c->details);
    grpc_metadata_array_init(&c->req_md);
    if (grpc_server_request_call(g_server, &c->call, &c->details, &c->req_md, g_cq, g_cq,
                                 &c->t_new) != GRPC_CALL_OK)
        empty_free(c);
}

static void empty_on_new(empty_call *c, bool ok)
{
    grpc_op op;
    if (!ok) {
        empty_free(c);
        return;
    }
    empty_arm();
    c->refs = 2;
    memset(&op, 0, sizeof(op));
    op.op = GRPC_OP_RECV_MESSAGE;
    op.data.recv_message.recv_message = &c->recv_buf;
    if (grpc_call_start_batch(c->call, &op, 1, &c->t_recv, NULL) != GRPC_CALL_OK)
        c->refs--;
    memset(&op, 0, sizeof(op));
    op.op = GRPC_OP_RECV_CLOSE_ON_SERVER;
    op.data.recv_close_on_server.cancelled = &c->close_cancelled;
    if (grpc_call_start_batch(c->call, &op, 1, &c->t_close, NULL) != GRPC_CALL_OK)
        c->refs--;
    if (c->refs == 0)
        empty_free(c);
}

static void empty_on_recv(empty_call *c, bool ok)
{
    grpc_op ops[3];
    size_t n = 0;
    memset(ops, 0, sizeof(ops));
    ops[n++].op = GRPC_OP_SEND_INITIAL_METADATA;
    if (ok && c->recv_buf) {
        c->send_buf = grpc_raw_byte_buffer_create(NULL, 0); /* the empty message */
        ops[n].op = GRPC_OP_SEND_MESSAGE;
        ops[n++].data.send_message.send_message = c->send_buf;
    }
    ops[n].op = GRPC_OP_SEND_STATUS_FROM_SERVER;
    ops[n++].data.send_status_from_server.status =
        c->send_buf ? GRPC_STATUS_OK : GRPC_STATUS_INVALID_ARGUMENT;
    if (grpc_call_start_batch(c->call, ops, n, &c->t_send, NULL) != GRPC_CALL_OK)
        empty_unref(c);
}

int main(void)
{
    grpc_init();
    g_server = grpc_server_create(NULL, NULL);
    g_cq = grpc_completion_queue_create_for_next(NULL);
    grpc_server_register_completion_queue(g_server, g_cq, NULL);
    grpc_server_credentials *creds = grpc_insecure_server_credentials_create();
    int port = grpc_server_add_http2_port(g_server, "127.0.0.1:0", creds);
    grpc_server_credentials_release(creds);
    if (port <= 0) {
        fprintf(stderr, "empty_server: could not listen on 127.0.0.1\n");
        return 1;
    }
    grpc_server_start(g_server);
    for (int i = 0; i < EMPTY_PENDING_REQUESTS; i++)
        empty_arm();
    printf("%d\n", port);
    fflush(stdout);
    for (;;) {
        grpc_event ev = grpc_completion_queue_next(g_cq, gpr_inf_future(GPR_CLOCK_REALTIME), NULL);
        if (ev.type == GRPC_QUEUE_SHUTDOWN)
            break;
        if (ev.type != GRPC_OP_COMPLETE)
            continue;
        empty_tag *t = ev.tag;
        switch (t->kind) {
        case EMPTY_NEW:
            empty_on_new(t->call, ev.success);
            break;
        case EMPTY_RECV:
            empty_on_recv(t->call, ev.success);
            break;
        case EMPTY_SEND:
        case EMPTY_CLOSE:
            empty_unref(t->call);
            break;
        }
    }
    return 0;
}
