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

#endif
