#include "util/err.h"

#include <ctype.h>
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
    /* A new error: the AWS facts, if any, were the last one's (awserr_to_err
     * sets them after calling this). e may be uninitialised: nothing is read. */
    e->aws_code[0] = '\0';
    e->http_status = 0;
    e->aws_message[0] = '\0';
    e->code = code;
    memcpy(e->msg, msg, sizeof(msg));
    return -1;
}

void err_clear(err *e)
{
    e->code = ERR_OK;
    e->msg[0] = '\0';
    e->aws_code[0] = '\0';
    e->http_status = 0;
    e->aws_message[0] = '\0';
}

bool err_aws_code_is(const err *e, const char *code)
{
    return e && code && e->aws_code[0] && strcmp(e->aws_code, code) == 0;
}

bool err_aws_says(const err *e, const char *needle)
{
    size_t n = needle ? strlen(needle) : 0;
    if (!e || !n)
        return false;
    for (const char *p = e->aws_message; *p; p++) {
        size_t i = 0;
        while (i < n && p[i] && tolower((unsigned char)p[i]) == tolower((unsigned char)needle[i]))
            i++;
        if (i == n)
            return true;
    }
    return false;
}
