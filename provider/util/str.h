/* str: bounded string helpers shared by every module. */
#ifndef AWSML_UTIL_STR_H
#define AWSML_UTIL_STR_H

#include <stdbool.h>
#include <stddef.h>

/* Copies at most dstlen-1 bytes and always terminates; returns strlen(src)
 * so callers can detect truncation (>= dstlen). */
size_t str_copy(char *dst, size_t dstlen, const char *src);
/* malloc'ed copy of len bytes plus NUL; NULL on allocation failure. */
char *str_ndup(const char *s, size_t len);
char *str_dup(const char *s);
/* true when s[0..len) is well-formed UTF-8 (no overlongs, surrogates or > U+10FFFF). */
bool str_utf8_valid(const char *s, size_t len);
bool str_has_prefix(const char *s, const char *prefix);
bool str_eq(const char *a, const char *b);

/* Room for any errno message (glibc's longest is under 60 bytes). */
#define STR_ERRNO_MAX 128
/* The message of errno value errnum in buf (len bytes, always terminated),
 * "error <n>" for a value the C library does not know; returns buf. The
 * thread-safe replacement of strerror, which may share one static buffer
 * between threads. errno is left as it was. */
const char *str_errno(int errnum, char *buf, size_t len);

#endif
