#include "util/err.h"

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
