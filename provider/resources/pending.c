/* pending: records of creates whose answer may not have reached the engine
 * (see pending.h). A record is a small text file:
 *
 *   awsml-pending-create 1
 *   <start time, seconds since the epoch>
 *   <physical id>
 *   <URN>
 *
 * written to a temporary name and renamed, so a reader never sees half of
 * one. Nothing in it is secret: the URN and the name the resource has in AWS. */
#include "resources/pending.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "aws/sha.h"
#include "resources/common.h"
#include "util/buf.h"
#include "util/log.h"
#include "util/str.h"

#define PENDING_MAGIC "awsml-pending-create 1"
#define PENDING_FILE_MAX (PENDING_ID_MAX + 16384)

static atomic_long tmp_counter;

/* The records' directory into out; -1 when no base directory is known. */
static int pending_dir(char *out, size_t cap)
{
    const char *d = getenv("AWSML_STATE_DIR");
    int n;
    if (d && *d)
        n = snprintf(out, cap, "%s/pending-creates", d);
    else if ((d = getenv("XDG_STATE_HOME")) != NULL && d[0] == '/')
        n = snprintf(out, cap, "%s/awsml/pending-creates", d);
    else if ((d = getenv("HOME")) != NULL && d[0] == '/')
        n = snprintf(out, cap, "%s/.local/state/awsml/pending-creates", d);
    else
        return -1;
    return n > 0 && (size_t)n < cap ? 0 : -1;
}

/* mkdir -p, new directories 0700. */
static int make_dirs(char *path)
{
    for (char *p = path + 1;; p++) {
        if (*p != '/' && *p != '\0')
            continue;
        char c = *p;
        *p = '\0';
        int r = mkdir(path, 0700);
        *p = c;
        if (r != 0 && errno != EEXIST)
            return -1;
        if (c == '\0')
            return 0;
    }
}

/* The record file of ctx->urn into out; with create, its directory is made. */
static int pending_path(const res_ctx *ctx, bool create, char *out, size_t cap)
{
    char dir[PATH_MAX], hex[SHA_256_HEX_LEN + 1];
    if (!ctx || !ctx->urn || !*ctx->urn || pending_dir(dir, sizeof(dir)) != 0 ||
        sha_256_hex(ctx->urn, strlen(ctx->urn), hex) != 0)
        return -1;
    if (create && make_dirs(dir) != 0) {
        char eb[STR_ERRNO_MAX];
        log_at(1, "pending creates: cannot make %s: %s", dir, str_errno(errno, eb, sizeof(eb)));
        return -1;
    }
    int n = snprintf(out, cap, "%s/%s", dir, hex);
    return n > 0 && (size_t)n < cap ? 0 : -1;
}

/* Splits off the line at *p (NUL-terminating it); NULL when there is none. */
static char *next_line(char **p)
{
    char *s = *p, *nl = s ? strchr(s, '\n') : NULL;
    if (!nl)
        return NULL;
    *nl = '\0';
    *p = nl + 1;
    return s;
}

/* Reads and checks the record at path: its id and start time, for ctx->urn. */
static int pending_read(const res_ctx *ctx, const char *path, char *id, size_t cap, time_t *started)
{
    char *data = malloc(PENDING_FILE_MAX + 1);
    int rc = -1;
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (!data || fd < 0)
        goto out;
    size_t len = 0;
    for (;;) {
        ssize_t r = read(fd, data + len, PENDING_FILE_MAX - len);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        len += (size_t)r;
        if (len == PENDING_FILE_MAX)
            goto out; /* not one of ours */
    }
    data[len] = '\0';
    char *p = data, *end = NULL;
    const char *magic = next_line(&p), *when = next_line(&p);
    const char *rid = next_line(&p), *urn = next_line(&p);
    if (!magic || !when || !rid || !urn || strcmp(magic, PENDING_MAGIC) != 0 ||
        strcmp(urn, ctx->urn) != 0 || !*rid || strlen(rid) >= cap)
        goto out;
    long long t = strtoll(when, &end, 10);
    if (end == when || *end != '\0' || t <= 0)
        goto out;
    str_copy(id, cap, rid);
    *started = (time_t)t;
    rc = 0;
out:
    if (fd >= 0)
        close(fd);
    free(data);
    return rc;
}

bool pending_find(const res_ctx *ctx, const char *want_id, char *id, size_t cap, time_t *started)
{
    char path[PATH_MAX];
    time_t t = 0;
    if (!id || !cap || pending_path(ctx, false, path, sizeof(path)) != 0 ||
        pending_read(ctx, path, id, cap, &t) != 0)
        return false;
    time_t now = time(NULL);
    if (t > now + RES_CLOCK_SKEW_S || now - t > PENDING_MAX_AGE_S) {
        unlink(path); /* stale: its resource, if any, is for the user to import */
        return false;
    }
    if (want_id && strcmp(id, want_id) != 0)
        return false;
    if (started)
        *started = t;
    return true;
}

void pending_begin(const res_ctx *ctx, const char *id, time_t started, pending *p)
{
    char tmp[sizeof(p->path) + 64];
    const char *path = p->path;
    buf b;
    buf_init(&b, PENDING_FILE_MAX);
    int fd = -1;
    bool written = false;
    p->written = false;
    p->path[0] = '\0';
    if (!id || !*id || strlen(id) >= PENDING_ID_MAX || strchr(id, '\n') || !ctx->urn ||
        strchr(ctx->urn, '\n'))
        goto out;
    if (pending_path(ctx, true, p->path, sizeof(p->path)) != 0) {
        p->path[0] = '\0';
        goto out;
    }
    snprintf(tmp, sizeof(tmp), "%s.%ld.%ld.tmp", path, (long)getpid(),
             atomic_fetch_add(&tmp_counter, 1));
    if (buf_printf(&b, "%s\n%lld\n%s\n%s\n", PENDING_MAGIC, (long long)started, id, ctx->urn) != 0)
        goto out;
    fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0)
        goto out;
    size_t off = 0;
    while (off < b.len) {
        ssize_t w = write(fd, b.data + off, b.len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            goto out;
        off += (size_t)w;
    }
    /* On disk before AWS is asked: the record must outlive a crash of the machine too. */
    if (fsync(fd) != 0)
        goto out;
    written = p->written = rename(tmp, path) == 0;
out:
    if (fd >= 0) {
        close(fd);
        if (!written)
            unlink(tmp);
    }
    if (!written)
        log_at(1, "pending creates: could not record the create of %s", ctx->urn ? ctx->urn : "?");
    buf_free(&b);
}

void pending_end(const res_ctx *ctx, pending *p)
{
    if (!p->path[0] || (ctx->call_cancelled && atomic_load(ctx->call_cancelled)) ||
        (ctx->engine_gone && ctx->engine_gone()))
        return;      /* no record, or nobody will record the answer: keep it */
    unlink(p->path); /* also an older record that pending_begin could not replace */
    p->path[0] = '\0';
    p->written = false;
}

void pending_forget(const res_ctx *ctx, const char *id)
{
    char path[PATH_MAX], rid[PENDING_ID_MAX];
    if (pending_find(ctx, id, rid, sizeof(rid), NULL) &&
        pending_path(ctx, false, path, sizeof(path)) == 0)
        unlink(path);
}

int pending_create(res_ctx *ctx, const char *id, pending_create_fn create, const pv *inputs,
                   char **out_id, pv **outputs, err *e)
{
    if (ctx->preview || !id || !ctx->config)
        return create(ctx, inputs, 0, out_id, outputs, e);
    char rec[PENDING_ID_MAX];
    time_t started = time(NULL);
    bool resumed = pending_find(ctx, id, rec, sizeof(rec), &started);
    pending p;
    pending_begin(ctx, id, started, &p);
    int rc = create(ctx, inputs, resumed ? started : 0, out_id, outputs, e);
    pending_end(ctx, &p);
    return rc;
}
