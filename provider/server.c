#include "server.h"

#include <grpc/byte_buffer.h>
#include <grpc/byte_buffer_reader.h>
#include <grpc/grpc.h>
#include <grpc/grpc_security.h>
#include <grpc/slice.h>
#include <grpc/support/time.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "pool.h"
#include "provider.h"
#include "pulumi/engine.pb-c.h"
#include "rpc.h"
#include "util/log.h"
#include "util/str.h"

/* The engine's client accepts 400 MiB messages; so do we (gRPC's default is 4). */
#define SERVER_MAX_MESSAGE (400 * 1024 * 1024)
/* How many request_call slots stay armed, so bursts of calls queue in gRPC. */
#define SERVER_PENDING_REQUESTS 8
/* After shutdown begins, calls get this long to finish before being cancelled. */
#define SERVER_GRACE_MS 3000
#define ENGINE_LOG_TIMEOUT_MS 10000

enum tag_kind { TAG_NEW_CALL, TAG_RECV, TAG_CLOSE, TAG_SEND, TAG_SHUTDOWN };

typedef struct srv_call srv_call;
typedef struct srv_tag {
    enum tag_kind kind;
    srv_call *call;
} srv_tag;

struct srv_call {
    grpc_call *call;
    grpc_call_details details;
    grpc_metadata_array req_md;
    grpc_byte_buffer *recv_buf;
    grpc_slice req; /* the request read out of recv_buf, once has_req */
    bool has_req;
    int close_cancelled;
    atomic_bool cancelled;
    int refs; /* touched by the polling thread only */
    srv_tag t_new, t_recv, t_close, t_send;
    /* reply state, alive until TAG_SEND */
    grpc_byte_buffer *send_buf;
    grpc_slice status_msg;
    grpc_metadata trailer;
    bool has_trailer;
    bool has_status_msg;
};

static struct {
    grpc_server *server;
    grpc_completion_queue *cq;
    atomic_bool stopping;
    atomic_bool started;       /* the server is started: it can be shut down */
    atomic_bool shutdown_sent; /* grpc_server_shutdown_and_notify was called */
    srv_tag shutdown_tag;
    long live_calls; /* polling thread only */
    pthread_rwlock_t engine_lock;
    grpc_channel *engine;
    void (*on_drained)(void);
} S = {.engine_lock = PTHREAD_RWLOCK_INITIALIZER};

void server_on_drained(void (*fn)(void))
{
    S.on_drained = fn;
}

/* ---- Engine.Log client --------------------------------------------------- */

static int engine_log(enum log_severity sev, const char *urn, const char *msg, bool ephemeral)
{
    int rc = -1;
    grpc_completion_queue *cq = NULL;
    grpc_call *call = NULL;
    grpc_byte_buffer *req = NULL, *resp = NULL;
    grpc_metadata_array init_md, trail_md;
    grpc_status_code status = GRPC_STATUS_UNKNOWN;
    grpc_slice details = grpc_empty_slice();
    grpc_metadata_array_init(&init_md);
    grpc_metadata_array_init(&trail_md);

    pthread_rwlock_rdlock(&S.engine_lock);
    if (!S.engine)
        goto out;
    Pulumirpc__LogRequest lr = PULUMIRPC__LOG_REQUEST__INIT;
    lr.severity = (Pulumirpc__LogSeverity)sev;
    lr.message = (char *)msg;
    lr.urn = (char *)(urn ? urn : "");
    lr.ephemeral = ephemeral;
    size_t n = pulumirpc__log_request__get_packed_size(&lr);
    grpc_slice s = grpc_slice_malloc(n);
    pulumirpc__log_request__pack(&lr, GRPC_SLICE_START_PTR(s));
    req = grpc_raw_byte_buffer_create(&s, 1);
    grpc_slice_unref(s);

    cq = grpc_completion_queue_create_for_pluck(NULL);
    gpr_timespec deadline = gpr_time_add(gpr_now(GPR_CLOCK_MONOTONIC),
                                         gpr_time_from_millis(ENGINE_LOG_TIMEOUT_MS, GPR_TIMESPAN));
    grpc_slice method = grpc_slice_from_static_string("/pulumirpc.Engine/Log");
    call = grpc_channel_create_call(S.engine, NULL, GRPC_PROPAGATE_DEFAULTS, cq, method, NULL,
                                    deadline, NULL);
    if (!call)
        goto out;
    grpc_op ops[6];
    memset(ops, 0, sizeof(ops));
    ops[0].op = GRPC_OP_SEND_INITIAL_METADATA;
    ops[1].op = GRPC_OP_SEND_MESSAGE;
    ops[1].data.send_message.send_message = req;
    ops[2].op = GRPC_OP_SEND_CLOSE_FROM_CLIENT;
    ops[3].op = GRPC_OP_RECV_INITIAL_METADATA;
    ops[3].data.recv_initial_metadata.recv_initial_metadata = &init_md;
    ops[4].op = GRPC_OP_RECV_MESSAGE;
    ops[4].data.recv_message.recv_message = &resp;
    ops[5].op = GRPC_OP_RECV_STATUS_ON_CLIENT;
    ops[5].data.recv_status_on_client.trailing_metadata = &trail_md;
    ops[5].data.recv_status_on_client.status = &status;
    ops[5].data.recv_status_on_client.status_details = &details;
    static int tag;
    if (grpc_call_start_batch(call, ops, 6, &tag, NULL) != GRPC_CALL_OK)
        goto out;
    grpc_event ev = grpc_completion_queue_pluck(cq, &tag, gpr_inf_future(GPR_CLOCK_REALTIME), NULL);
    rc = (ev.type == GRPC_OP_COMPLETE && ev.success && status == GRPC_STATUS_OK) ? 0 : -1;
out:
    pthread_rwlock_unlock(&S.engine_lock);
    if (call)
        grpc_call_unref(call);
    if (cq) {
        grpc_completion_queue_shutdown(cq);
        grpc_completion_queue_destroy(cq);
    }
    if (req)
        grpc_byte_buffer_destroy(req);
    if (resp)
        grpc_byte_buffer_destroy(resp);
    grpc_slice_unref(details);
    grpc_metadata_array_destroy(&init_md);
    grpc_metadata_array_destroy(&trail_md);
    return rc;
}

static void engine_connect(const char *address)
{
    grpc_channel_credentials *creds = grpc_insecure_credentials_create();
    grpc_channel *ch = grpc_channel_create(address, creds, NULL);
    grpc_channel_credentials_release(creds);
    pthread_rwlock_wrlock(&S.engine_lock);
    grpc_channel *old = S.engine;
    S.engine = ch;
    pthread_rwlock_unlock(&S.engine_lock);
    if (old)
        grpc_channel_destroy(old);
    log_set_engine_sink(engine_log);
    log_at(1, "engine at %s", address);
}

static void engine_disconnect(void)
{
    log_set_engine_sink(NULL);
    pthread_rwlock_wrlock(&S.engine_lock);
    grpc_channel *old = S.engine;
    S.engine = NULL;
    pthread_rwlock_unlock(&S.engine_lock);
    if (old)
        grpc_channel_destroy(old);
}

/* ---- calls ------------------------------------------------------------------ */

static void request_new_call(void)
{
    if (atomic_load(&S.stopping))
        return;
    srv_call *c = calloc(1, sizeof(*c));
    if (!c) {
        log_at(0, "out of memory arming a call slot");
        return;
    }
    c->t_new = (srv_tag){TAG_NEW_CALL, c};
    c->t_recv = (srv_tag){TAG_RECV, c};
    c->t_close = (srv_tag){TAG_CLOSE, c};
    c->t_send = (srv_tag){TAG_SEND, c};
    grpc_call_details_init(&c->details);
    grpc_metadata_array_init(&c->req_md);
    if (grpc_server_request_call(S.server, &c->call, &c->details, &c->req_md, S.cq, S.cq,
                                 &c->t_new) != GRPC_CALL_OK) {
        grpc_call_details_destroy(&c->details);
        grpc_metadata_array_destroy(&c->req_md);
        free(c);
    }
}

static void call_free(srv_call *c)
{
    if (c->call)
        grpc_call_unref(c->call);
    grpc_call_details_destroy(&c->details);
    grpc_metadata_array_destroy(&c->req_md);
    if (c->recv_buf)
        grpc_byte_buffer_destroy(c->recv_buf);
    if (c->has_req)
        grpc_slice_unref(c->req);
    free(c);
}

static void call_unref(srv_call *c)
{
    if (--c->refs == 0) {
        call_free(c);
        S.live_calls--;
    }
}

/* Starts the final batch: metadata, the message when OK, the status, and the
 * details trailer. Runs on a worker or the polling thread. */
static void call_reply(srv_call *c, rpc_reply *r)
{
    grpc_op ops[3];
    size_t n = 0;
    memset(ops, 0, sizeof(ops));
    ops[n++].op = GRPC_OP_SEND_INITIAL_METADATA;
    if (r->code == 0 && r->body) {
        grpc_slice s = grpc_slice_from_copied_buffer((const char *)r->body, r->body_len);
        c->send_buf = grpc_raw_byte_buffer_create(&s, 1);
        grpc_slice_unref(s);
        ops[n].op = GRPC_OP_SEND_MESSAGE;
        ops[n++].data.send_message.send_message = c->send_buf;
    }
    ops[n].op = GRPC_OP_SEND_STATUS_FROM_SERVER;
    ops[n].data.send_status_from_server.status = (grpc_status_code)r->code;
    if (r->code != 0) {
        c->status_msg = grpc_slice_from_copied_string(r->message ? r->message : "error");
        c->has_status_msg = true;
        ops[n].data.send_status_from_server.status_details = &c->status_msg;
    }
    if (r->details && r->details_len) {
        c->trailer.key = grpc_slice_from_static_string("grpc-status-details-bin");
        c->trailer.value = grpc_slice_from_copied_buffer((const char *)r->details, r->details_len);
        c->has_trailer = true;
        ops[n].data.send_status_from_server.trailing_metadata_count = 1;
        ops[n].data.send_status_from_server.trailing_metadata = &c->trailer;
    }
    n++;
    grpc_call_error e = grpc_call_start_batch(c->call, ops, n, &c->t_send, NULL);
    if (e != GRPC_CALL_OK)
        log_at(0, "could not send a reply: grpc error %d", (int)e);
}

static void call_reply_error(srv_call *c, int code, const char *msg)
{
    rpc_reply r = {.code = code, .message = (char *)msg};
    call_reply(c, &r);
}

static void call_release_send(srv_call *c)
{
    if (c->send_buf)
        grpc_byte_buffer_destroy(c->send_buf);
    c->send_buf = NULL;
    if (c->has_status_msg)
        grpc_slice_unref(c->status_msg);
    if (c->has_trailer) {
        grpc_slice_unref(c->trailer.key);
        grpc_slice_unref(c->trailer.value);
    }
    c->has_status_msg = c->has_trailer = false;
}

/* Reads the request message into c->req (one contiguous slice). */
static bool call_read_request(srv_call *c)
{
    grpc_byte_buffer_reader reader;
    if (!grpc_byte_buffer_reader_init(&reader, c->recv_buf))
        return false;
    c->req = grpc_byte_buffer_reader_readall(&reader);
    c->has_req = true;
    grpc_byte_buffer_reader_destroy(&reader);
    return true;
}

static rpc_call call_rpc(srv_call *c)
{
    rpc_call rc = {
        .method = (const char *)GRPC_SLICE_START_PTR(c->details.method),
        .method_len = GRPC_SLICE_LENGTH(c->details.method),
        .req = GRPC_SLICE_START_PTR(c->req),
        .req_len = GRPC_SLICE_LENGTH(c->req),
        .cancelled = &c->cancelled,
    };
    return rc;
}

/* Worker, or the polling thread for rpc_runs_inline calls: decode, run the
 * method, reply. */
static void call_work(void *arg)
{
    srv_call *c = arg;
    if (!c->has_req && !call_read_request(c)) {
        call_reply_error(c, GRPC_STATUS_INVALID_ARGUMENT, "could not read the request message");
        return;
    }
    rpc_call rc = call_rpc(c);
    rpc_reply reply;
    rpc_handle(&rc, &reply);
    grpc_slice_unref(c->req);
    c->has_req = false;
    if (reply.engine_address)
        engine_connect(reply.engine_address);
    enum rpc_after after = reply.after;
    call_reply(c, &reply);
    rpc_reply_free(&reply);
    if (after == RPC_AFTER_SHUTDOWN)
        server_request_shutdown();
}

static void on_new_call(srv_call *c, bool ok)
{
    if (!ok) { /* the server is shutting down: this slot will not be filled */
        call_free(c);
        return;
    }
    request_new_call();
    S.live_calls++;
    c->refs = 2; /* the recv/reply path and the close path */
    grpc_op op;
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
    if (c->refs == 0) {
        call_free(c);
        S.live_calls--;
    }
}

static void on_recv(srv_call *c, bool ok)
{
    if (!ok || !c->recv_buf) {
        /* Cancelled before the message came, or the client sent none. */
        call_reply_error(c, GRPC_STATUS_INVALID_ARGUMENT, "the call carried no request message");
        return;
    }
    if (atomic_load(&S.stopping)) {
        call_reply_error(c, GRPC_STATUS_UNAVAILABLE, "awsml is shutting down");
        return;
    }
    /* A small request is read here to see whether it runs right here: Check,
     * Diff and previews do (rpc_runs_inline), which spares the two thread
     * switches of a handoff per call. */
    if (grpc_byte_buffer_length(c->recv_buf) <= RPC_INLINE_MAX_BYTES && call_read_request(c)) {
        rpc_call rc = call_rpc(c);
        if (rpc_runs_inline(&rc)) {
            call_work(c);
            return;
        }
    }
    if (pool_submit(call_work, c) != 0)
        call_reply_error(c, GRPC_STATUS_UNAVAILABLE, "awsml is shutting down");
}

static void on_close(srv_call *c)
{
    if (c->close_cancelled) {
        atomic_store(&c->cancelled, true);
        log_at(2, "call %.*s cancelled by the client", (int)GRPC_SLICE_LENGTH(c->details.method),
               (const char *)GRPC_SLICE_START_PTR(c->details.method));
    }
    call_unref(c);
}

/* Once stopping was asked for and the server has started, exactly once,
 * from whichever thread sees both first: a shutdown asked for during boot
 * (the engine's stdin closed before the port was printed) is sent as soon as
 * the server starts rather than lost. */
static void send_shutdown(void)
{
    if (atomic_load(&S.stopping) && atomic_load(&S.started) &&
        !atomic_exchange(&S.shutdown_sent, true))
        grpc_server_shutdown_and_notify(S.server, S.cq, &S.shutdown_tag);
}

void server_request_shutdown(void)
{
    if (atomic_exchange(&S.stopping, true))
        return;
    provider_cancel();
    send_shutdown();
}

static void poll_loop(void)
{
    bool shutdown_done = false, cancelled_all = false;
    gpr_timespec grace = gpr_inf_future(GPR_CLOCK_MONOTONIC);
    for (;;) {
        /* Wake every second so a stuck shutdown still makes progress. */
        gpr_timespec deadline =
            gpr_time_add(gpr_now(GPR_CLOCK_MONOTONIC), gpr_time_from_millis(1000, GPR_TIMESPAN));
        grpc_event ev = grpc_completion_queue_next(S.cq, deadline, NULL);
        if (atomic_load(&S.stopping) &&
            gpr_time_cmp(grace, gpr_inf_future(GPR_CLOCK_MONOTONIC)) == 0)
            grace = gpr_time_add(gpr_now(GPR_CLOCK_MONOTONIC),
                                 gpr_time_from_millis(SERVER_GRACE_MS, GPR_TIMESPAN));
        if (ev.type == GRPC_QUEUE_SHUTDOWN)
            break;
        if (ev.type == GRPC_OP_COMPLETE) {
            srv_tag *t = ev.tag;
            switch (t->kind) {
            case TAG_NEW_CALL:
                on_new_call(t->call, ev.success);
                break;
            case TAG_RECV:
                on_recv(t->call, ev.success);
                break;
            case TAG_SEND:
                call_release_send(t->call);
                call_unref(t->call);
                break;
            case TAG_CLOSE:
                on_close(t->call);
                break;
            case TAG_SHUTDOWN:
                shutdown_done = true;
                break;
            }
        }
        if (atomic_load(&S.stopping) && !cancelled_all &&
            gpr_time_cmp(gpr_now(GPR_CLOCK_MONOTONIC), grace) > 0) {
            log_at(1, "shutdown grace over: cancelling %ld in-flight call(s)", S.live_calls);
            grpc_server_cancel_all_calls(S.server);
            cancelled_all = true;
        }
        if (shutdown_done && S.live_calls == 0)
            break;
    }
}

int server_run(const char *engine_address)
{
    int rc = 1;
    grpc_init();
    grpc_arg args[2];
    args[0].type = GRPC_ARG_INTEGER;
    args[0].key = (char *)GRPC_ARG_MAX_RECEIVE_MESSAGE_LENGTH;
    args[0].value.integer = SERVER_MAX_MESSAGE;
    args[1].type = GRPC_ARG_INTEGER;
    args[1].key = (char *)GRPC_ARG_MAX_SEND_MESSAGE_LENGTH;
    args[1].value.integer = SERVER_MAX_MESSAGE;
    grpc_channel_args chargs = {.num_args = 2, .args = args};

    S.shutdown_tag = (srv_tag){TAG_SHUTDOWN, NULL};
    S.server = grpc_server_create(&chargs, NULL);
    S.cq = grpc_completion_queue_create_for_next(NULL);
    grpc_server_register_completion_queue(S.server, S.cq, NULL);
    grpc_server_credentials *creds = grpc_insecure_server_credentials_create();
    int port = grpc_server_add_http2_port(S.server, "127.0.0.1:0", creds);
    grpc_server_credentials_release(creds);
    if (port <= 0) {
        fprintf(stderr, "awsml: could not listen on 127.0.0.1\n");
        goto out;
    }
    grpc_server_start(S.server);
    atomic_store(&S.started, true);
    send_shutdown();
    if (engine_address)
        engine_connect(engine_address);
    for (int i = 0; i < SERVER_PENDING_REQUESTS; i++)
        request_new_call();

    /* The engine reads exactly one line, the port, from stdout. Anything a
     * library might print later goes to stderr instead. */
    printf("%d\n", port);
    fflush(stdout);
    dup2(STDERR_FILENO, STDOUT_FILENO);

    poll_loop(); /* returns once shutdown completed and every call is gone */
    pool_shutdown();
    if (S.on_drained)
        S.on_drained();
    rc = 0;
out:
    engine_disconnect();
    grpc_server_destroy(S.server);
    grpc_completion_queue_shutdown(S.cq);
    /* Drain what is left (slots that were never filled) until the queue ends. */
    for (;;) {
        grpc_event ev = grpc_completion_queue_next(S.cq, gpr_inf_future(GPR_CLOCK_REALTIME), NULL);
        if (ev.type == GRPC_QUEUE_SHUTDOWN)
            break;
        if (ev.type == GRPC_OP_COMPLETE && ev.tag) {
            srv_tag *t = ev.tag;
            if (t->kind == TAG_NEW_CALL)
                call_free(t->call);
        }
    }
    grpc_completion_queue_destroy(S.cq);
    atomic_store(&S.started, false);
    S.server = NULL;
    S.cq = NULL;
    grpc_shutdown();
    /* A destroyed channel (the engine's) finishes closing on gRPC's threads and
     * only then lets gRPC end, on a thread of its own: wait for that (at most
     * 2 s) so the process never exits while gRPC is still tearing down. */
    struct timespec ms = {0, 1000000};
    for (int i = 0; i < 2000 && grpc_is_initialized(); i++)
        nanosleep(&ms, NULL);
    return rc;
}
