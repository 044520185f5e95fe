/* err: the error record every fallible operation fills in: a gRPC status
 * code (as the engine reads it) and a message a user can act on. */
#ifndef AWSML_UTIL_ERR_H
#define AWSML_UTIL_ERR_H

/* gRPC status codes (fixed by the gRPC spec), without including grpc.h. */
enum err_code {
    ERR_OK = 0,
    ERR_CANCELLED = 1,
    ERR_UNKNOWN = 2,
    ERR_INVALID_ARGUMENT = 3,
    ERR_DEADLINE_EXCEEDED = 4,
    ERR_NOT_FOUND = 5,
    ERR_ALREADY_EXISTS = 6,
    ERR_PERMISSION_DENIED = 7,
    ERR_RESOURCE_EXHAUSTED = 8,
    ERR_FAILED_PRECONDITION = 9,
    ERR_ABORTED = 10,
    ERR_OUT_OF_RANGE = 11,
    ERR_UNIMPLEMENTED = 12,
    ERR_INTERNAL = 13,
    ERR_UNAVAILABLE = 14,
    ERR_DATA_LOSS = 15,
    ERR_UNAUTHENTICATED = 16,
};

typedef struct err {
    int code;
    char msg[2048];
} err;

/* Sets code and message; returns -1 so callers can `return err_set(...)`.
 * e->msg may itself be an argument (to add context to an earlier error). */
int err_set(err *e, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void err_clear(err *e);

#endif
