#include "util/err.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int err_set(err *e, int code, const char *fmt, ...)
{
    if (!e)
        return -1;
    /* Format into a copy first: callers may pass e->msg itself as an
     * argument to prefix context ("while doing X: %s"). */
    char msg[sizeof(e->msg)];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    e->code = code;
    memcpy(e->msg, msg, sizeof(msg));
    return -1;
}

void err_clear(err *e)
{
    e->code = ERR_OK;
    e->msg[0] = '\0';
}

/* glibc declares two strerror_r: the XSI one (returns 0 or an error number,
 * fills buf) under this project's -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE,
 * and the GNU one (returns the message, which may be a static string leaving
 * buf untouched) once _GNU_SOURCE is defined. _Generic picks the reading that
 * matches the declaration in force, so either compiles and fills buf. */
static const char *errno_str_xsi(int rc, int errnum, char *buf, size_t len)
{
    if (rc != 0)
        snprintf(buf, len, "error %d", errnum);
    return buf;
}

static const char *errno_str_gnu(const char *msg, int errnum, char *buf, size_t len)
{
    if (!msg)
        snprintf(buf, len, "error %d", errnum);
    else if (msg != buf)
        snprintf(buf, len, "%s", msg);
    return buf;
}

#define ERRNO_STR(r)                                                                               \
    _Generic((r), int : errno_str_xsi, char * : errno_str_gnu)((r), errnum, buf, len)

const char *err_errno_str(int errnum, char *buf, size_t len)
{
    if (!buf || len == 0)
        return "";
    int saved = errno;
    buf[0] = '\0';
    const char *s = ERRNO_STR(strerror_r(errnum, buf, len));
    errno = saved;
    return s;
}
