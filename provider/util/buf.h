/* buf: a growable byte buffer with a hard size cap.
 *
 * Every append checks the cap, so hostile or runaway input stops with an
 * error instead of exhausting memory. Ownership leaves the buffer explicitly
 * through buf_take(). A zeroed struct is a valid empty buffer (cap 0 means
 * BUF_DEFAULT_CAP), and buf_free() is safe to call twice. */
#ifndef AWSML_UTIL_BUF_H
#define AWSML_UTIL_BUF_H

#include <stdarg.h>
#include <stddef.h>

#define BUF_DEFAULT_CAP ((size_t)64 * 1024 * 1024)

typedef struct buf {
    char *data;  /* always NUL-terminated when non-NULL */
    size_t len;  /* bytes used, without the NUL */
    size_t size; /* bytes allocated */
    size_t cap;  /* maximum len; 0 = BUF_DEFAULT_CAP */
} buf;

void buf_init(buf *b, size_t cap);
int buf_append(buf *b, const void *data, size_t len);
int buf_append_str(buf *b, const char *s);
int buf_append_byte(buf *b, char c);
int buf_printf(buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int buf_vprintf(buf *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
/* Hands the NUL-terminated data to the caller (never NULL on success) and resets b. */
char *buf_take(buf *b, size_t *len);
void buf_reset(buf *b);
void buf_free(buf *b);

#endif
