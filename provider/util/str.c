#include "util/str.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

size_t str_copy(char *dst, size_t dstlen, const char *src)
{
    size_t n = strlen(src);
    if (dstlen) {
        size_t c = n < dstlen ? n : dstlen - 1;
        memcpy(dst, src, c);
        dst[c] = '\0';
    }
    return n;
}

char *str_ndup(const char *s, size_t len)
{
    char *p = malloc(len + 1);
    if (!p)
        return NULL;
    if (len)
        memcpy(p, s, len);
    p[len] = '\0';
    return p;
}

char *str_dup(const char *s)
{
    return str_ndup(s, strlen(s));
}

bool str_utf8_valid(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < len) {
        unsigned char c = p[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t n;
        uint32_t cp;
        if (c >= 0xC2 && c <= 0xDF) {
            n = 1;
            cp = c & 0x1F;
        } else if (c >= 0xE0 && c <= 0xEF) {
            n = 2;
            cp = c & 0x0F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            n = 3;
            cp = c & 0x07;
        } else {
            return false;
        }
        if (len - i - 1 < n)
            return false;
        for (size_t k = 1; k <= n; k++) {
            if ((p[i + k] & 0xC0) != 0x80)
                return false;
            cp = (cp << 6) | (p[i + k] & 0x3F);
        }
        if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) || cp > 0x10FFFF ||
            (cp >= 0xD800 && cp <= 0xDFFF))
            return false;
        i += n + 1;
    }
    return true;
}

bool str_has_prefix(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

bool str_eq(const char *a, const char *b)
{
    if (!a || !b)
        return a == b;
    return strcmp(a, b) == 0;
}

/* glibc declares two strerror_r: the XSI one (returns 0 or an error number,
 * fills buf) under this project's -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE,
 * and the GNU one (returns the message, which may be a static string leaving
 * buf untouched) once _GNU_SOURCE is defined. _Generic picks the reading that
 * matches the declaration in force, so either compiles and fills buf. */
static const char *errno_xsi(int rc, int errnum, char *buf, size_t len)
{
    if (rc != 0)
        snprintf(buf, len, "error %d", errnum);
    return buf;
}

static const char *errno_gnu(const char *msg, int errnum, char *buf, size_t len)
{
    if (!msg)
        snprintf(buf, len, "error %d", errnum);
    else if (msg != buf)
        snprintf(buf, len, "%s", msg);
    return buf;
}

#define ERRNO_MESSAGE(r) _Generic((r), int : errno_xsi, char * : errno_gnu)((r), errnum, buf, len)

const char *str_errno(int errnum, char *buf, size_t len)
{
    if (!buf || len == 0)
        return "";
    int saved = errno;
    buf[0] = '\0';
    const char *s = ERRNO_MESSAGE(strerror_r(errnum, buf, len));
    errno = saved;
    return s;
}
