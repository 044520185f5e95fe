#include "util/err.h"

#include <stdarg.h>
#include <stdio.h>

int err_set(err *e, int code, const char *fmt, ...)
{
    if (!e)
        return -1;
    e->code = code;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
    va_end(ap);
    return -1;
}

void err_clear(err *e)
{
    e->code = ERR_OK;
    e->msg[0] = '\0';
}
