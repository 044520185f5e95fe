/* server: the gRPC C core adapter, and the only file that includes grpc.h.
 * It owns the completion queue, hands each call's bytes to rpc.c on the
 * worker pool, sends replies with their status trailers, and keeps the
 * Engine.Log client. */
#ifndef AWSML_SERVER_H
#define AWSML_SERVER_H

/* Runs the server until shutdown: prints the port on stdout first. The
 * engine address may be NULL (wait for Handshake or Attach). 0 on a clean
 * shutdown. */
int server_run(const char *engine_address);
/* Stops taking work and aborts in-flight calls; safe from any thread. */
void server_request_shutdown(void);
/* Called once shutdown has drained every call, before gRPC is torn down (set
 * before server_run). The policy pack exits there: nothing of it outlives a
 * call, and the teardown would only keep the engine waiting. */
void server_on_drained(void (*fn)(void));

#endif
