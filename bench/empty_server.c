/* The floor for boot time and idle memory: a gRPC C-core server that does
 * nothing but listen on 127.0.0.1:0 and print its port, built and linked
 * exactly like pulumi-resource-awsml. Compare with bench/boot.sh. */
#include <grpc/grpc.h>
#include <grpc/grpc_security.h>
#include <grpc/support/time.h>
#include <stdio.h>

int main(void)
{
    grpc_init();
    grpc_server *server = grpc_server_create(NULL, NULL);
    grpc_completion_queue *cq = grpc_completion_queue_create_for_next(NULL);
    grpc_server_register_completion_queue(server, cq, NULL);
    grpc_server_credentials *creds = grpc_insecure_server_credentials_create();
    int port = grpc_server_add_http2_port(server, "127.0.0.1:0", creds);
    grpc_server_credentials_release(creds);
    grpc_server_start(server);
    printf("%d\n", port);
    fflush(stdout);
    grpc_completion_queue_next(cq, gpr_inf_future(GPR_CLOCK_REALTIME), NULL);
    return 0;
}
