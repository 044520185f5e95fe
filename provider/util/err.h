/* err: the error record every fallible operation fills in: a gRPC status
 * code (as the engine reads it) and a message a user can act on. */
#ifndef AWSML_UTIL_ERR_H
#define AWSML_UTIL_ERR_H

#include <stdbool.h>

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
    /* An AWS failure's own facts (aws/awserr.c fills them; empty and 0 for
     * any other error): the AWS error code ("NoSuchEntity", no "prefix#"),
     * the HTTP status and AWS's message. Classifiers compare these, never the
     * composed msg. */
    char aws_code[128];
    long http_status;
    char aws_message[512];
} err;

/* Sets code and message; returns -1 so callers can `return err_set(...)`.
 * e->msg may itself be an argument (to add context to an earlier error).
 * It starts a new error: the AWS facts are cleared (classify an AWS failure
 * before adding context to it). */
int err_set(err *e, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void err_clear(err *e);
/* Whether e is the AWS failure with this error code. */
bool err_aws_code_is(const err *e, const char *code);
/* Whether AWS's message of e contains needle, ignoring case. */
bool err_aws_says(const err *e, const char *needle);

#endif
