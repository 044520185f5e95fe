/* strv: a growable list of owned strings. */
#ifndef AWSML_UTIL_STRV_H
#define AWSML_UTIL_STRV_H

#include <stdbool.h>
#include <stddef.h>

typedef struct strv {
    char **v;
    size_t n, cap;
} strv;

/* Appends a copy of str (NULL as ""); -1 on allocation failure. */
int strv_push(strv *s, const char *str);
bool strv_has(const strv *s, const char *str);
/* Frees the strings and the list; safe on a zeroed strv, which it leaves. */
void strv_free(strv *s);

#endif
