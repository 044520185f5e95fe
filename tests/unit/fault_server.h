/* Starts and stops tests/support/fault_server.py for unit tests that need a
 * misbehaving HTTP peer on loopback (run the tests from the repo root). The
 * child inherits the environment, so FAULT_* variables set before the start
 * configure it. With tls, the server also listens for HTTPS with a throwaway
 * self-signed certificate. Header-only: each test binary is one .c file. */
#ifndef AWSML_TESTS_FAULT_SERVER_H
#define AWSML_TESTS_FAULT_SERVER_H

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util/str.h"

#define FAULT_SERVER_START_TIMEOUT_MS 15000

typedef struct fault_server {
    pid_t pid;
    int stdin_fd; /* closing it tells the server to exit */
    int port;
    int tls_port;        /* with tls only */
    char tls_cert[4096]; /* with tls only: the certificate, a PEM file */
} fault_server;

/* Reads one line from fd (NUL-terminated, without the newline), waiting at
 * most FAULT_SERVER_START_TIMEOUT_MS for each byte. */
static inline int fault_server_read_line(int fd, char *line, size_t cap)
{
    size_t n = 0;
    while (n < cap - 1) {
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        if (poll(&pfd, 1, FAULT_SERVER_START_TIMEOUT_MS) <= 0)
            return -1;
        if (read(fd, line + n, 1) != 1)
            return -1;
        if (line[n] == '\n') {
            line[n] = '\0';
            return 0;
        }
        n++;
    }
    return -1;
}

static inline int fault_server_parse_port(const char *s, int *port)
{
    char *end = NULL;
    long p = strtol(s, &end, 10);
    if (end == s || (*end != '\0' && *end != ' ') || p <= 0 || p >= 65536)
        return -1;
    *port = (int)p;
    return 0;
}

static inline void fault_server_stop(fault_server *s)
{
    if (s->stdin_fd >= 0)
        close(s->stdin_fd);
    s->stdin_fd = -1;
    if (s->pid > 0) {
        kill(s->pid, SIGTERM);
        waitpid(s->pid, NULL, 0);
    }
    s->pid = -1;
}

static inline int fault_server_start(fault_server *s, bool tls)
{
    int in[2] = {-1, -1}, outp[2] = {-1, -1};
    char eb[STR_ERRNO_MAX];
    memset(s, 0, sizeof(*s));
    s->pid = -1;
    s->stdin_fd = -1;
    if (pipe(in) != 0 || pipe(outp) != 0) {
        fprintf(stderr, "pipe: %s\n", str_errno(errno, eb, sizeof(eb)));
        return -1;
    }
    pid_t pid = fork();
    if (pid < 0) {
        fprintf(stderr, "fork: %s\n", str_errno(errno, eb, sizeof(eb)));
        return -1;
    }
    if (pid == 0) {
        dup2(in[0], 0);
        dup2(outp[1], 1);
        close(in[0]);
        close(in[1]);
        close(outp[0]);
        close(outp[1]);
        if (tls)
            execlp("python3", "python3", "tests/support/fault_server.py", "--tls", "--max-lifetime",
                   "300", (char *)NULL);
        else
            execlp("python3", "python3", "tests/support/fault_server.py", "--max-lifetime", "300",
                   (char *)NULL);
        _exit(127);
    }
    close(in[0]);
    close(outp[1]);
    s->pid = pid;
    s->stdin_fd = in[1];

    /* "PORT", then with tls "tls PORT CERTFILE". */
    char line[4096];
    int rc = -1;
    if (fault_server_read_line(outp[0], line, sizeof line) == 0 &&
        fault_server_parse_port(line, &s->port) == 0) {
        rc = 0;
        if (tls) {
            rc = -1;
            if (fault_server_read_line(outp[0], line, sizeof line) == 0 &&
                strncmp(line, "tls ", 4) == 0 &&
                fault_server_parse_port(line + 4, &s->tls_port) == 0) {
                const char *cert = strchr(line + 4, ' ');
                if (cert && snprintf(s->tls_cert, sizeof s->tls_cert, "%s", cert + 1) <
                                (int)sizeof s->tls_cert)
                    rc = 0;
            }
        }
    }
    close(outp[0]);
    if (rc != 0) {
        fprintf(stderr, "fault_server.py did not start (run the tests from the repo root)\n");
        fault_server_stop(s);
    }
    return rc;
}

#endif
