#include "aws/s3_upload.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "aws/s3.h"
#include "aws/sha.h"
#include "aws/xml.h"
#include "util/buf.h"
#include "util/log.h"
#include "util/str.h"

#define S3U_READ_CHUNK (256 * 1024)
#define S3U_PART_MIN (5ULL * S3U_MIB)
#define S3U_XMLNS "http://s3.amazonaws.com/doc/2006-03-01/"

/* ---- the body reader ---------------------------------------------------------- */

void s3u_range_init(s3u_range *r, int fd, const void *mem, unsigned long long off,
                    unsigned long long len)
{
    memset(r, 0, sizeof(*r));
    r->fd = fd;
    r->mem = mem;
    r->off = off;
    r->len = len;
}

static size_t range_read(void *ctx, char *dst, size_t n)
{
    s3u_range *r = ctx;
    unsigned long long left = r->len - r->pos;
    if (left == 0)
        return 0;
    if (n > left)
        n = (size_t)left;
    if (r->fd < 0) {
        memcpy(dst, r->mem + r->off + r->pos, n);
        r->pos += n;
        return n;
    }
    ssize_t got;
    do
        got = pread(r->fd, dst, n, (off_t)(r->off + r->pos));
    while (got < 0 && errno == EINTR);
    if (got < 0) {
        r->failed_errno = errno;
        return HTTP_READ_FAILED;
    }
    if (got == 0) { /* the file is shorter than it was when hashed */
        r->short_file = true;
        return HTTP_READ_FAILED;
    }
    r->pos += (unsigned long long)got;
    return (size_t)got;
}

static int range_rewind(void *ctx)
{
    s3u_range *r = ctx;
    r->pos = 0;
    return 0;
}

http_body_reader s3u_range_reader(s3u_range *r)
{
    http_body_reader b = {.read = range_read, .rewind = range_rewind, .ctx = r};
    return b;
}

/* ---- sizes ----------------------------------------------------------------------- */

unsigned long long s3u_part_size(const s3u_request *rq, unsigned long long size)
{
    unsigned long long ps = rq->part_size ? rq->part_size : S3U_PART_SIZE_DEFAULT;
    if (ps == 0)
        ps = 1;
    while (size / ps >= S3U_MAX_PARTS)
        ps *= 2;
    return ps;
}

bool s3u_is_multipart(const s3u_request *rq, unsigned long long size)
{
    unsigned long long t = rq->threshold ? rq->threshold : S3U_THRESHOLD_DEFAULT;
    return size > t || size > S3U_PUT_MAX;
}

/* ---- hashing ------------------------------------------------------------------------ */

/* Reflected CRCs (init all ones, final xor all ones): CRC32 (zlib's),
 * CRC32C (Castagnoli) and CRC64NVME, table-driven. */
static uint64_t crc_tables[3][256];
static pthread_once_t crc_once = PTHREAD_ONCE_INIT;

static void crc_init_tables(void)
{
    static const uint64_t polys[3] = {0xEDB88320ULL, 0x82F63B78ULL, 0x9A6C9329AC4BC9B5ULL};
    for (int t = 0; t < 3; t++)
        for (uint64_t i = 0; i < 256; i++) {
            uint64_t c = i;
            for (int k = 0; k < 8; k++)
                c = (c & 1) ? (c >> 1) ^ polys[t] : c >> 1;
            crc_tables[t][i] = c;
        }
}

static bool is_crc(enum s3u_checksum ck)
{
    return ck == S3U_CK_CRC32 || ck == S3U_CK_CRC32C || ck == S3U_CK_CRC64NVME;
}

static unsigned crc_width(enum s3u_checksum ck)
{
    return ck == S3U_CK_CRC64NVME ? 8 : 4;
}

static uint64_t crc_update(enum s3u_checksum ck, uint64_t crc, const unsigned char *p, size_t n)
{
    const uint64_t *t = crc_tables[ck - S3U_CK_CRC32];
    for (size_t i = 0; i < n; i++)
        crc = t[(crc ^ p[i]) & 0xff] ^ (crc >> 8);
    return crc;
}

/* The CRC's bytes (4 or 8), big-endian as S3 encodes them; returns the width. */
static unsigned crc_final(enum s3u_checksum ck, uint64_t crc, unsigned char *out)
{
    unsigned w = crc_width(ck);
    uint64_t v = crc ^ (w == 8 ? ~0ULL : 0xFFFFFFFFULL);
    for (unsigned i = 0; i < w; i++)
        out[i] = (unsigned char)(v >> (8 * (w - 1 - i)));
    return w;
}

const char *s3u_checksum_name(enum s3u_checksum ck)
{
    static const char *const names[] = {"SHA256", "SHA1", "CRC32", "CRC32C", "CRC64NVME"};
    return names[ck];
}

const char *s3u_checksum_header(enum s3u_checksum ck)
{
    static const char *const names[] = {"x-amz-checksum-sha256", "x-amz-checksum-sha1",
                                        "x-amz-checksum-crc32", "x-amz-checksum-crc32c",
                                        "x-amz-checksum-crc64nvme"};
    return names[ck];
}

typedef struct hashes {
    EVP_MD_CTX *sha, *md5, *ck; /* ck: SHA-1 only (the SHA-256 is sha) */
    enum s3u_checksum kind;
    uint64_t crc;  /* a CRC kind's running value */
    bool crc_only; /* no digests: a multipart upload's whole-object CRC */
} hashes;

static void hashes_free(hashes *h)
{
    EVP_MD_CTX_free(h->sha);
    EVP_MD_CTX_free(h->md5);
    EVP_MD_CTX_free(h->ck);
    memset(h, 0, sizeof(*h));
}

static int hashes_init(hashes *h, enum s3u_checksum ck)
{
    memset(h, 0, sizeof(*h));
    h->kind = ck;
    if (is_crc(ck)) {
        pthread_once(&crc_once, crc_init_tables);
        h->crc = ck == S3U_CK_CRC64NVME ? ~0ULL : 0xFFFFFFFFULL;
    }
    h->sha = EVP_MD_CTX_new();
    h->md5 = EVP_MD_CTX_new();
    if (ck == S3U_CK_SHA1)
        h->ck = EVP_MD_CTX_new();
    if (!h->sha || !h->md5 || (ck == S3U_CK_SHA1 && !h->ck) ||
        EVP_DigestInit_ex(h->sha, EVP_sha256(), NULL) != 1 ||
        EVP_DigestInit_ex(h->md5, EVP_md5(), NULL) != 1 ||
        (h->ck && EVP_DigestInit_ex(h->ck, EVP_sha1(), NULL) != 1)) {
        hashes_free(h);
        return -1;
    }
    return 0;
}

/* A multipart upload needs of the whole object only its CRC (a FULL_OBJECT
 * checksum): the digests are per part. Hashing every byte twice with SHA-256
 * and MD5 made the upload cost 1.66 times the AWS CLI's CPU (bench/results.md). */
static void hashes_init_crc(hashes *h, enum s3u_checksum ck)
{
    memset(h, 0, sizeof(*h));
    h->kind = ck;
    h->crc_only = true;
    pthread_once(&crc_once, crc_init_tables);
    h->crc = ck == S3U_CK_CRC64NVME ? ~0ULL : 0xFFFFFFFFULL;
}

static int hashes_update(hashes *h, const void *d, size_t n)
{
    if (is_crc(h->kind))
        h->crc = crc_update(h->kind, h->crc, d, n);
    if (h->crc_only)
        return 0;
    return EVP_DigestUpdate(h->sha, d, n) == 1 && EVP_DigestUpdate(h->md5, d, n) == 1 &&
                   (!h->ck || EVP_DigestUpdate(h->ck, d, n) == 1)
               ? 0
               : -1;
}

/* The digests of one range. */
typedef struct digests {
    unsigned char sha[32], md5[16], ck[32];
    unsigned ck_len;
} digests;

static int hashes_final(hashes *h, digests *d)
{
    unsigned n1 = 0, n2 = 0;
    if (EVP_DigestFinal_ex(h->sha, d->sha, &n1) != 1 ||
        EVP_DigestFinal_ex(h->md5, d->md5, &n2) != 1)
        return -1;
    if (is_crc(h->kind)) {
        d->ck_len = crc_final(h->kind, h->crc, d->ck);
    } else if (h->ck) {
        if (EVP_DigestFinal_ex(h->ck, d->ck, &d->ck_len) != 1)
            return -1;
    } else {
        memcpy(d->ck, d->sha, 32);
        d->ck_len = 32;
    }
    return n1 == 32 && n2 == 16 ? 0 : -1;
}

static void b64(const unsigned char *in, size_t n, char *out, size_t cap)
{
    unsigned char tmp[128];
    if (4 * ((n + 2) / 3) + 1 > sizeof(tmp) || 4 * ((n + 2) / 3) + 1 > cap) {
        out[0] = '\0';
        return;
    }
    EVP_EncodeBlock(tmp, in, (int)n);
    str_copy(out, cap, (const char *)tmp);
}

static bool cancelled(aws_cancel cancel)
{
    return cancel.fn && cancel.fn(cancel.ctx);
}

/* Reads [off, off+len) once, feeding h (and whole, when set). */
static int hash_range(int fd, const char *mem, unsigned long long off, unsigned long long len,
                      hashes *h, hashes *whole, aws_cancel cancel, const char *what, err *e)
{
    char *chunk = NULL;
    int rc = -1;
    if (fd >= 0 && !(chunk = malloc(S3U_READ_CHUNK)))
        return err_set(e, ERR_RESOURCE_EXHAUSTED, "out of memory");
    unsigned long long done = 0;
    while (done < len) {
        size_t n = len - done > S3U_READ_CHUNK ? S3U_READ_CHUNK : (size_t)(len - done);
        const char *p;
        if (fd >= 0) {
            ssize_t got;
            do
                got = pread(fd, chunk, n, (off_t)(off + done));
            while (got < 0 && errno == EINTR);
            if (got <= 0) {
                char eb[STR_ERRNO_MAX];
                err_set(e, ERR_FAILED_PRECONDITION, "reading %s: %s", what,
                        got < 0 ? str_errno(errno, eb, sizeof(eb))
                                : "the file became shorter while it was read");
                goto done;
            }
            n = (size_t)got;
            p = chunk;
        } else {
            p = mem + off + done;
        }
        if (hashes_update(h, p, n) != 0 || (whole && hashes_update(whole, p, n) != 0)) {
            err_set(e, ERR_INTERNAL, "hashing %s failed", what);
            goto done;
        }
        done += n;
        if ((done & (64ULL * S3U_MIB - 1)) < n && cancelled(cancel)) {
            err_set(e, ERR_CANCELLED, "hashing %s: cancelled", what);
            goto done;
        }
    }
    rc = 0;
done:
    free(chunk);
    return rc;
}

/* ---- requests ------------------------------------------------------------------------ */

static void unquote(char *dst, size_t cap, const char *etag)
{
    size_t n = strlen(etag);
    if (n >= 2 && etag[0] == '"' && etag[n - 1] == '"')
        snprintf(dst, cap, "%.*s", (int)(n - 2), etag + 1);
    else
        str_copy(dst, cap, etag);
}

static const char *ck_header(enum s3u_checksum ck)
{
    return s3u_checksum_header(ck);
}

static const char *ck_xml(enum s3u_checksum ck)
{
    static const char *const names[] = {"ChecksumSHA256", "ChecksumSHA1", "ChecksumCRC32",
                                        "ChecksumCRC32C", "ChecksumCRC64NVME"};
    return names[ck];
}

static const char *ck_name(enum s3u_checksum ck)
{
    return s3u_checksum_name(ck);
}

/* One streamed request of a range whose digests are d. */
static int put_range(aws_client *c, const s3u_request *rq, const char *op,
                     const char *const *params, size_t n_params, bool object_headers,
                     s3u_range *range, const digests *d, aws_cancel cancel, aws_outcome *oc,
                     http_response *resp, err *e)
{
    http_header hs[AWS_MAX_HEADERS];
    size_t nh = 0;
    char sha_x[SHA_256_HEX_LEN + 1], md5_b64[32], ck_b64[64];
    sha_hex(d->sha, 32, sha_x);
    b64(d->md5, 16, md5_b64, sizeof(md5_b64));
    b64(d->ck, d->ck_len, ck_b64, sizeof(ck_b64));
    if (object_headers) {
        if (rq->n_headers + 4 > AWS_MAX_HEADERS - 2)
            return err_set(e, ERR_INVALID_ARGUMENT, "s3 %s: too many object headers (%zu)", op,
                           rq->n_headers);
        for (size_t i = 0; i < rq->n_headers; i++)
            hs[nh++] = rq->headers[i];
    }
    hs[nh++] = (http_header){"Content-MD5", md5_b64};
    hs[nh++] = (http_header){ck_header(rq->checksum), ck_b64};
    http_body_reader rd = s3u_range_reader(range);
    static const char *const capture[] = {"ETag", "x-amz-version-id"};
    s3_request sr = {.operation = op,
                     .method = "PUT",
                     .bucket = rq->bucket,
                     .key = rq->key,
                     .params = params,
                     .n_params = n_params,
                     .headers = hs,
                     .n_headers = nh,
                     .reader = &rd,
                     .body_len = (size_t)range->len,
                     .payload_hash = sha_x,
                     .idempotent = true, /* the same bytes again: the same object or part */
                     .outcome = oc,
                     .capture = capture,
                     .n_capture = 2};
    int rc = s3_call(c, &sr, cancel, resp, e);
    if (rc != 0 && (range->short_file || range->failed_errno)) {
        char eb[STR_ERRNO_MAX];
        err_set(e, ERR_FAILED_PRECONDITION, "s3 %s of s3://%s/%s: reading %s failed: %s", op,
                rq->bucket, rq->key, rq->path ? rq->path : "the content",
                range->short_file ? "the file became shorter while it was uploaded"
                                  : str_errno(range->failed_errno, eb, sizeof(eb)));
    }
    return rc;
}

typedef struct source {
    int fd;
    const char *mem;
    unsigned long long size;
} source;

static int source_open(const s3u_request *rq, source *s, err *e)
{
    s->fd = -1;
    s->mem = rq->data;
    s->size = rq->len;
    if (!rq->path)
        return 0;
    char eb[STR_ERRNO_MAX];
    struct stat st;
    s->fd = open(rq->path, O_RDONLY | O_CLOEXEC);
    if (s->fd < 0)
        return err_set(e, ERR_FAILED_PRECONDITION, "source: cannot open %s: %s", rq->path,
                       str_errno(errno, eb, sizeof(eb)));
    if (fstat(s->fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(s->fd);
        s->fd = -1;
        return err_set(e, ERR_FAILED_PRECONDITION, "source: %s is not a regular file", rq->path);
    }
    s->size = (unsigned long long)st.st_size;
    return 0;
}

static void source_close(source *s)
{
    if (s->fd >= 0)
        close(s->fd);
    s->fd = -1;
}

static void fill_whole(s3u_result *out, const digests *d)
{
    sha_hex(d->sha, 32, out->sha256_hex);
    sha_hex(d->md5, 16, out->md5_hex);
}

/* The single PutObject. */
static int upload_single(aws_client *c, const s3u_request *rq, const source *s, aws_cancel cancel,
                         s3u_result *out, err *e)
{
    hashes h;
    digests d;
    const char *what = rq->path ? rq->path : "the content";
    if (hashes_init(&h, rq->checksum) != 0)
        return err_set(e, ERR_RESOURCE_EXHAUSTED, "out of memory");
    int rc = hash_range(s->fd, s->mem, 0, s->size, &h, NULL, cancel, what, e);
    if (rc == 0 && hashes_final(&h, &d) != 0)
        rc = err_set(e, ERR_INTERNAL, "hashing %s failed", what);
    hashes_free(&h);
    if (rc != 0)
        return -1;
    fill_whole(out, &d);
    b64(d.ck, d.ck_len, out->checksum, sizeof(out->checksum));
    str_copy(out->plain_etag, sizeof(out->plain_etag), out->md5_hex);
    if (!c) /* s3u_hash */
        return 0;
    s3u_range range;
    s3u_range_init(&range, s->fd, s->mem, 0, s->size);
    aws_outcome oc = {0};
    http_response resp;
    rc = put_range(c, rq, "PutObject", NULL, 0, true, &range, &d, cancel, &oc, &resp, e);
    if (rc == 0) {
        unquote(out->etag, sizeof(out->etag), resp.captured[0]);
        str_copy(out->version_id, sizeof(out->version_id), resp.captured[1]);
    } else {
        out->maybe_applied = oc.maybe_applied;
    }
    http_response_free(&resp);
    return rc;
}

/* One part as Complete names it. */
typedef struct part {
    char etag[128];
    char ck[64];
} part;

static int mp_abort(aws_client *c, const s3u_request *rq, const char *upload_id)
{
    err ae = {0};
    http_response resp;
    const char *params[] = {"uploadId", upload_id};
    s3_request sr = {.operation = "AbortMultipartUpload",
                     .method = "DELETE",
                     .bucket = rq->bucket,
                     .key = rq->key,
                     .params = params,
                     .n_params = 1,
                     .idempotent = true};
    aws_cancel none = {0}; /* the abort must run even when the call was cancelled */
    int rc = s3_call(c, &sr, none, &resp, &ae);
    http_response_free(&resp);
    if (rc != 0 && ae.code != ERR_NOT_FOUND) {
        log_at(0,
               "s3 AbortMultipartUpload of s3://%s/%s upload %s failed: %s (the parts stay "
               "until a lifecycle rule removes them)",
               rq->bucket, rq->key, upload_id, ae.msg);
        return -1;
    }
    return 0;
}

static int mp_complete_body(const s3u_request *rq, const part *parts, unsigned n, buf *b)
{
    if (buf_append_str(b, "<CompleteMultipartUpload xmlns=\"" S3U_XMLNS "\">") != 0)
        return -1;
    for (unsigned i = 0; i < n; i++)
        if (buf_printf(b, "<Part><PartNumber>%u</PartNumber><ETag>", i + 1) != 0 ||
            s3_xml_escape(b, parts[i].etag) != 0 ||
            buf_printf(b, "</ETag><%s>%s</%s></Part>", ck_xml(rq->checksum), parts[i].ck,
                       ck_xml(rq->checksum)) != 0)
            return -1;
    return buf_append_str(b, "</CompleteMultipartUpload>");
}

static int upload_multipart(aws_client *c, const s3u_request *rq, const source *s,
                            aws_cancel cancel, s3u_result *out, err *e)
{
    const char *what = rq->path ? rq->path : "the content";
    unsigned long long ps = s3u_part_size(rq, s->size);
    unsigned n = (unsigned)((s->size + ps - 1) / ps);
    part *parts = calloc(n ? n : 1, sizeof(part));
    hashes whole, comp, h;
    digests d;
    char upload_id[S3U_FIELD_MAX] = "";
    buf body;
    xml_node *root = NULL;
    int rc = -1;
    bool have_whole = false, have_comp = false, have_h = false;
    buf_init(&body, (size_t)n * 512 + 1024);
    if (!parts) {
        err_set(e, ERR_RESOURCE_EXHAUSTED, "out of memory");
        goto done;
    }
    hashes_init_crc(&whole, rq->checksum);
    have_whole = true;
    /* The composite checksum: the checksum of the parts' checksums; and the
     * multipart ETag's MD5 of MD5s (kept in comp's md5). */
    if (hashes_init(&comp, rq->checksum) != 0) {
        err_set(e, ERR_RESOURCE_EXHAUSTED, "out of memory");
        goto done;
    }
    have_comp = true;
    out->parts = n;
    if (c) {
        http_header hs[AWS_MAX_HEADERS];
        size_t nh = 0;
        if (rq->n_headers + 2 > AWS_MAX_HEADERS - 2) {
            err_set(e, ERR_INVALID_ARGUMENT, "s3 CreateMultipartUpload: too many object headers");
            goto done;
        }
        for (size_t i = 0; i < rq->n_headers; i++)
            hs[nh++] = rq->headers[i];
        hs[nh++] = (http_header){"x-amz-checksum-algorithm", ck_name(rq->checksum)};
        if (is_crc(rq->checksum))
            hs[nh++] = (http_header){"x-amz-checksum-type", "FULL_OBJECT"};
        s3_request cr = {.operation = "CreateMultipartUpload",
                         .method = "POST",
                         .bucket = rq->bucket,
                         .key = rq->key,
                         .subresource = "uploads",
                         .headers = hs,
                         .n_headers = nh,
                         /* Sent again when its answer is lost: the first upload then
                          * stays open without parts (nothing stored, nothing billed). */
                         .idempotent = true};
        if (s3_call_xml(c, &cr, cancel, &root, e) != 0)
            goto done;
        const char *id = root ? xml_path_text(root, "UploadId") : NULL;
        if (!id || !*id) {
            err_set(e, ERR_UNAVAILABLE, "s3 CreateMultipartUpload of s3://%s/%s: no UploadId",
                    rq->bucket, rq->key);
            goto done;
        }
        str_copy(upload_id, sizeof(upload_id), id);
        xml_free(root);
        root = NULL;
        log_at(1, "s3: multipart upload of s3://%s/%s in %u parts of %llu bytes", rq->bucket,
               rq->key, n, ps);
    }
    for (unsigned i = 0; i < n; i++) {
        unsigned long long off = (unsigned long long)i * ps;
        unsigned long long len = s->size - off < ps ? s->size - off : ps;
        if (hashes_init(&h, rq->checksum) != 0) {
            err_set(e, ERR_RESOURCE_EXHAUSTED, "out of memory");
            goto done;
        }
        have_h = true;
        if (hash_range(s->fd, s->mem, off, len, &h, is_crc(rq->checksum) ? &whole : NULL, cancel,
                       what, e) != 0)
            goto done;
        if (hashes_final(&h, &d) != 0) {
            err_set(e, ERR_INTERNAL, "hashing %s failed", what);
            goto done;
        }
        hashes_free(&h);
        have_h = false;
        b64(d.ck, d.ck_len, parts[i].ck, sizeof(parts[i].ck));
        if (EVP_DigestUpdate(comp.md5, d.md5, 16) != 1 ||
            EVP_DigestUpdate(comp.ck ? comp.ck : comp.sha, d.ck, d.ck_len) != 1) {
            err_set(e, ERR_INTERNAL, "hashing %s failed", what);
            goto done;
        }
        if (!c)
            continue;
        char num[16];
        snprintf(num, sizeof(num), "%u", i + 1);
        const char *params[] = {"partNumber", num, "uploadId", upload_id};
        s3u_range range;
        s3u_range_init(&range, s->fd, s->mem, off, len);
        http_response resp;
        int prc =
            put_range(c, rq, "UploadPart", params, 2, false, &range, &d, cancel, NULL, &resp, e);
        if (prc == 0)
            str_copy(parts[i].etag, sizeof(parts[i].etag), resp.captured[0]);
        http_response_free(&resp);
        if (prc != 0)
            goto done;
        if (!parts[i].etag[0]) {
            err_set(e, ERR_UNAVAILABLE, "s3 UploadPart %u of s3://%s/%s: no ETag", i + 1,
                    rq->bucket, rq->key);
            goto done;
        }
    }
    {
        digests cd;
        if (hashes_final(&comp, &cd) != 0) {
            err_set(e, ERR_INTERNAL, "hashing %s failed", what);
            goto done;
        }
        char cb[64];
        if (is_crc(rq->checksum)) { /* FULL_OBJECT: the whole object's CRC */
            unsigned char crc[8];
            unsigned w = crc_final(rq->checksum, whole.crc, crc);
            b64(crc, w, out->checksum, sizeof(out->checksum));
        } else {
            b64(cd.ck, cd.ck_len, cb, sizeof(cb));
            snprintf(out->checksum, sizeof(out->checksum), "%s-%u", cb, n);
        }
        char m[33];
        sha_hex(cd.md5, 16, m);
        snprintf(out->plain_etag, sizeof(out->plain_etag), "%s-%u", m, n);
        if (!c) {
            str_copy(out->etag, sizeof(out->etag), out->plain_etag);
            rc = 0;
            goto done;
        }
    }
    if (mp_complete_body(rq, parts, n, &body) != 0) {
        err_set(e, ERR_RESOURCE_EXHAUSTED, "out of memory");
        goto done;
    }
    {
        const char *params[] = {"uploadId", upload_id};
        static const char *const capture[] = {"x-amz-version-id"};
        aws_outcome oc = {0};
        http_response resp;
        /* FULL_OBJECT CRCs: the object's CRC, for S3 to check against the parts. */
        http_header full[2] = {{ck_header(rq->checksum), out->checksum},
                               {"x-amz-checksum-type", "FULL_OBJECT"}};
        s3_request sr = {.operation = "CompleteMultipartUpload",
                         .method = "POST",
                         .bucket = rq->bucket,
                         .key = rq->key,
                         .params = params,
                         .n_params = 1,
                         .headers = full,
                         .n_headers = is_crc(rq->checksum) ? 2 : 0,
                         .body = body.data,
                         .body_len = body.len,
                         .outcome = &oc,
                         .capture = capture,
                         .n_capture = 1};
        int crc = s3_call(c, &sr, cancel, &resp, e);
        if (crc == 0 && resp.body_len && xml_parse(resp.body, resp.body_len, &root, e) != 0) {
            crc = -1;
            oc.maybe_applied = true;
        }
        if (crc == 0 && root && strcmp(root->name, "Error") == 0) {
            /* S3 may answer 200 and then an error document. */
            const char *code = xml_path_text(root, "Code"), *msg = xml_path_text(root, "Message");
            err_set(e, ERR_UNAVAILABLE, "s3 CompleteMultipartUpload of s3://%s/%s: %s: %s",
                    rq->bucket, rq->key, code ? code : "?", msg ? msg : "");
            crc = -1;
        }
        if (crc == 0) {
            const char *etag = root ? xml_path_text(root, "ETag") : NULL;
            unquote(out->etag, sizeof(out->etag), etag ? etag : "");
            str_copy(out->version_id, sizeof(out->version_id), resp.captured[0]);
            upload_id[0] = '\0'; /* done: nothing to abort */
            rc = 0;
        } else if (oc.maybe_applied) {
            out->maybe_applied = true;
        }
        http_response_free(&resp);
    }
done:
    if (rc != 0 && c && upload_id[0] && !out->maybe_applied) {
        if (mp_abort(c, rq, upload_id) == 0)
            str_copy(out->aborted_upload, sizeof(out->aborted_upload), upload_id);
    }
    if (have_h)
        hashes_free(&h);
    if (have_whole)
        hashes_free(&whole);
    if (have_comp)
        hashes_free(&comp);
    xml_free(root);
    buf_free(&body);
    free(parts);
    return rc;
}

static int run(aws_client *c, const s3u_request *rq, aws_cancel cancel, s3u_result *out, err *e)
{
    source s;
    memset(out, 0, sizeof(*out));
    if (source_open(rq, &s, e) != 0)
        return -1;
    out->size = s.size;
    int rc = s3u_is_multipart(rq, s.size) ? upload_multipart(c, rq, &s, cancel, out, e)
                                          : upload_single(c, rq, &s, cancel, out, e);
    source_close(&s);
    return rc;
}

int s3u_upload(aws_client *c, const s3u_request *rq, aws_cancel cancel, s3u_result *out, err *e)
{
    return run(c, rq, cancel, out, e);
}

int s3u_hash(const s3u_request *rq, aws_cancel cancel, s3u_result *out, err *e)
{
    return run(NULL, rq, cancel, out, e);
}
