#include "resource.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "provider.h"
#include "util/buf.h"
#include "util/mem.h"
#include "util/str.h"

/* The built-in resource types (provider/resources/). */
extern const resource_type iam_role_type;
extern const resource_type iam_role_policy_attachment_type;
extern const resource_type sagemaker_pipeline_type;
extern const resource_type iam_policy_type;
extern const resource_type iam_role_policy_type;
extern const resource_type s3_bucket_type;
extern const resource_type s3_bucket_v2_type;
extern const resource_type s3_public_access_block_type;
extern const resource_type s3_encryption_type;
extern const resource_type s3_encryption_v2_type;
extern const resource_type s3_versioning_type;
extern const resource_type s3_versioning_v2_type;
extern const resource_type s3_policy_type;
extern const resource_type s3_bucket_object_v2_type;
extern const resource_type s3_bucket_object_type;
/* One entry per line (clang-format off), so adding a type is a one-line change. */
/* clang-format off */
static const resource_type *const builtin_types[] = {
    &iam_role_type,
    &iam_role_policy_attachment_type,
    &sagemaker_pipeline_type,
    &iam_policy_type,
    &iam_role_policy_type,
    &s3_bucket_type,
    &s3_bucket_v2_type,
    &s3_public_access_block_type,
    &s3_encryption_type,
    &s3_encryption_v2_type,
    &s3_versioning_type,
    &s3_versioning_v2_type,
    &s3_policy_type,
    &s3_bucket_object_v2_type,
    &s3_bucket_object_type,
    NULL,
};
/* clang-format on */

#define REGISTRY_MAX_EXTRA 16
static const resource_type *extra_types[REGISTRY_MAX_EXTRA];
static size_t n_extra;
static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;

int registry_add(const resource_type *rt)
{
    int rc = -1;
    pthread_mutex_lock(&registry_lock);
    if (n_extra < REGISTRY_MAX_EXTRA) {
        extra_types[n_extra++] = rt;
        rc = 0;
    }
    pthread_mutex_unlock(&registry_lock);
    return rc;
}

const resource_type *registry_at(size_t i)
{
    size_t nb = sizeof(builtin_types) / sizeof(builtin_types[0]) - 1;
    if (i < nb)
        return builtin_types[i];
    const resource_type *rt = NULL;
    pthread_mutex_lock(&registry_lock);
    if (i - nb < n_extra)
        rt = extra_types[i - nb];
    pthread_mutex_unlock(&registry_lock);
    return rt;
}

static const resource_type *registry_lookup(const char *rest)
{
    for (size_t i = 0; builtin_types[i]; i++)
        if (strcmp(builtin_types[i]->token, rest) == 0)
            return builtin_types[i];
    const resource_type *found = NULL;
    pthread_mutex_lock(&registry_lock);
    for (size_t i = 0; i < n_extra && !found; i++)
        if (strcmp(extra_types[i]->token, rest) == 0)
            found = extra_types[i];
    pthread_mutex_unlock(&registry_lock);
    return found;
}

const resource_type *registry_find(const char *token, err *e)
{
    const char *colon = token ? strchr(token, ':') : NULL;
    if (!colon)
        goto unknown;
    size_t pkglen = (size_t)(colon - token);
    bool ours = (pkglen == 5 && strncmp(token, "awsml", 5) == 0) ||
                (pkglen == 3 && strncmp(token, "aws", 3) == 0);
    if (!ours)
        goto unknown;
    const resource_type *rt = registry_lookup(colon + 1);
    if (rt)
        return rt;
unknown:;
    buf known;
    buf_init(&known, 4096);
    for (size_t i = 0; builtin_types[i]; i++)
        buf_printf(&known, "%s%s", known.len ? ", " : "", builtin_types[i]->token);
    pthread_mutex_lock(&registry_lock);
    for (size_t i = 0; i < n_extra; i++)
        buf_printf(&known, "%s%s", known.len ? ", " : "", extra_types[i]->token);
    pthread_mutex_unlock(&registry_lock);
    err_set(e, ERR_INVALID_ARGUMENT,
            "awsml does not implement resource type '%s'; it serves %s (as awsml:<type> or "
            "aws:<type>)",
            token ? token : "", known.len ? known.data : "no resource types yet");
    buf_free(&known);
    return NULL;
}

int registry_urn_parts(const char *urn, char *type, size_t typelen, char *name, size_t namelen)
{
    /* urn:pulumi:<stack>::<project>::<qualified type>::<name>; the name may
     * itself contain "::", so split at the first three separators only. */
    const char *p = urn;
    const char *seps[3];
    for (int i = 0; i < 3; i++) {
        const char *s = strstr(p, "::");
        if (!s)
            return -1;
        seps[i] = s;
        p = s + 2;
    }
    const char *qt = seps[1] + 2;
    size_t qtlen = (size_t)(seps[2] - qt);
    const char *t = qt;
    for (size_t i = 0; i < qtlen; i++)
        if (qt[i] == '$')
            t = qt + i + 1;
    size_t tlen = (size_t)(seps[2] - t);
    if (type) {
        if (tlen >= typelen)
            return -1;
        memcpy(type, t, tlen);
        type[tlen] = '\0';
    }
    if (name && str_copy(name, namelen, seps[2] + 2) >= namelen)
        return -1;
    return 0;
}

/* ---- check failures and diffs ------------------------------------------- */

int check_failure_add(check_failures *f, const char *prop, const char *fmt, ...)
{
    char reason[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(reason, sizeof(reason), fmt, ap);
    va_end(ap);
    char **p = realloc(f->props, (f->len + 1) * sizeof(*p));
    if (!p)
        goto oom;
    f->props = p;
    char **r = realloc(f->reasons, (f->len + 1) * sizeof(*r));
    if (!r)
        goto oom;
    f->reasons = r;
    f->props[f->len] = str_dup(prop);
    f->reasons[f->len] = str_dup(reason);
    if (!f->props[f->len] || !f->reasons[f->len]) {
        free(f->props[f->len]);
        free(f->reasons[f->len]);
        goto oom;
    }
    f->len++;
    return 0;
oom:
    /* Most callers go on validating: a dropped failure must not let bad
     * inputs pass Check, so it is noted (util/mem.h) and rpc.c fails the call. */
    mem_note_failure();
    return -1;
}

void check_failures_free(check_failures *f)
{
    for (size_t i = 0; i < f->len; i++) {
        free(f->props[i]);
        free(f->reasons[i]);
    }
    free(f->props);
    free(f->reasons);
    memset(f, 0, sizeof(*f));
}

int diff_add(diff_result *d, const char *path, enum diff_kind kind, bool input_diff)
{
    if (d->len == d->cap) {
        size_t cap = d->cap ? d->cap * 2 : 8;
        diff_entry *p = realloc(d->entries, cap * sizeof(*p));
        if (!p)
            return -1;
        d->entries = p;
        d->cap = cap;
    }
    char *cp = str_dup(path);
    if (!cp)
        return -1;
    d->entries[d->len++] = (diff_entry){.path = cp, .kind = kind, .input_diff = input_diff};
    return 0;
}

bool diff_has_replace(const diff_result *d)
{
    for (size_t i = 0; i < d->len; i++)
        if (d->entries[i].kind == DIFF_ADD_REPLACE || d->entries[i].kind == DIFF_DELETE_REPLACE ||
            d->entries[i].kind == DIFF_UPDATE_REPLACE)
            return true;
    return false;
}

void diff_result_free(diff_result *d)
{
    for (size_t i = 0; i < d->len; i++)
        free(d->entries[i].path);
    free(d->entries);
    memset(d, 0, sizeof(*d));
}

enum diff_kind diff_kind_of(bool old_absent, bool new_absent, bool replace)
{
    if (old_absent)
        return replace ? DIFF_ADD_REPLACE : DIFF_ADD;
    if (new_absent)
        return replace ? DIFF_DELETE_REPLACE : DIFF_DELETE;
    return replace ? DIFF_UPDATE_REPLACE : DIFF_UPDATE;
}
