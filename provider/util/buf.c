#include "util/buf.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void buf_init(buf *b, size_t cap)
{
    memset(b, 0, sizeof(*b));
    b->cap = cap;
}

static int buf_reserve(buf *b, size_t extra)
{
    size_t cap = b->cap ? b->cap : BUF_DEFAULT_CAP;
    if (extra > cap || b->len > cap - extra)
        return -1;
    size_t need = b->len + extra + 1;
    if (need <= b->size)
        return 0;
    size_t size = b->size ? b->size : 64;
    while (size < need)
        size = size > SIZE_MAX / 2 ? need : size * 2;
    char *p = realloc(b->data, size);
    if (!p)
        return -1;
    b->data = p;
    b->size = size;
    return 0;
}

int buf_append(buf *b, const void *data, size_t len)
{
    if (buf_reserve(b, len) != 0)
        return -1;
    if (len)
        memcpy(b->data + b->len, data, len);
    b->len += len;
    b->data[b->len] = '\0';
    return 0;
}

int buf_append_str(buf *b, const char *s)
{
    return buf_append(b, s, strlen(s));
}

int buf_append_byte(buf *b, char c)
{
    return buf_append(b, &c, 1);
}

int buf_vprintf(buf *b, const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0 || buf_reserve(b, (size_t)n) != 0)
        return -1;
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
    return 0;
}

int buf_printf(buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = buf_vprintf(b, fmt, ap);
    va_end(ap);
    return rc;
}

char *buf_take(buf *b, size_t *len)
{
    if (!b->data && buf_reserve(b, 0) != 0)
        return NULL;
    if (!b->data)
        return NULL;
    b->data[b->len] = '\0';
    char *p = b->data;
    if (len)
        *len = b->len;
    size_t cap = b->cap;
    buf_init(b, cap);
    return p;
}

void buf_reset(buf *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
}

void buf_free(buf *b)
{
    free(b->data);
    size_t cap = b->cap;
    buf_init(b, cap);
}
