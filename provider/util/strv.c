/* strv: a growable list of owned strings. */
#include "util/strv.h"

#include <stdlib.h>
#include <string.h>

#include "util/str.h"

int strv_push(strv *s, const char *str)
{
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 8;
        char **p = realloc(s->v, cap * sizeof(*p));
        if (!p)
            return -1;
        s->v = p;
        s->cap = cap;
    }
    if (!(s->v[s->n] = str_dup(str ? str : "")))
        return -1;
    s->n++;
    return 0;
}

bool strv_has(const strv *s, const char *str)
{
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->v[i], str) == 0)
            return true;
    return false;
}

void strv_free(strv *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->v[i]);
    free(s->v);
    memset(s, 0, sizeof(*s));
}
