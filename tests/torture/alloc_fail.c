/* alloc_fail: see alloc_fail.h. */
#include "alloc_fail.h"

#include <execinfo.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>
#include <expat.h>
#include <openssl/crypto.h>
#include <protobuf-c/protobuf-c.h>

/* The real functions (-Wl,--wrap=NAME makes __real_NAME the original). */
void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t n);
void __real_free(void *p);
char *__real_strdup(const char *s);
char *__real_strndup(const char *s, size_t n);
ProtobufCMessage *__real_protobuf_c_message_unpack(const ProtobufCMessageDescriptor *d,
                                                   ProtobufCAllocator *a, size_t len,
                                                   const uint8_t *data);
void __real_protobuf_c_message_free_unpacked(ProtobufCMessage *m, ProtobufCAllocator *a);

void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t n);
void __wrap_free(void *p);
char *__wrap_strdup(const char *s);
char *__wrap_strndup(const char *s, size_t n);
ProtobufCMessage *__wrap_protobuf_c_message_unpack(const ProtobufCMessageDescriptor *d,
                                                   ProtobufCAllocator *a, size_t len,
                                                   const uint8_t *data);
void __wrap_protobuf_c_message_free_unpacked(ProtobufCMessage *m, ProtobufCAllocator *a);
XML_Parser __wrap_XML_ParserCreateNS(const XML_Char *encoding, XML_Char sep);

/* Present in ASan builds only. */
void __sanitizer_print_stack_trace(void) __attribute__((weak));

enum af_src { SRC_PROVIDER, SRC_EXPAT, SRC_PROTOBUF, SRC_OPENSSL, SRC_CURL };
static const char *const src_names[] = {"provider", "expat", "protobuf-c", "OpenSSL", "libcurl"};

/* Live pointers: open addressing, linear probing, backward-shift deletion. */
#define TABLE_BITS 20
#define TABLE_SIZE ((size_t)1 << TABLE_BITS)
typedef struct slot {
    void *p;
    uint64_t seq; /* 0: made outside a run */
    uint32_t run; /* which run made it */
    uint32_t src;
} slot;
static slot table[TABLE_SIZE];
static size_t table_used;
static size_t run_live; /* live allocations made by the current run */

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static bool active;
static uint32_t run_id;
static uint64_t count, fail_at, trace_seq;
static bool sticky, failed;
static enum af_src failed_src;

/* OpenSSL keeps process-wide caches (fetched algorithms) that it may fill on
 * any call, also after a refused allocation: its blocks still count and can
 * be refused, but a block of it left live is not a leak of the run. The ASan
 * build's LeakSanitizer still reports any of them that becomes unreachable. */
static bool counts_as_leak(const slot *s)
{
    return s->seq && s->src != SRC_OPENSSL;
}

static size_t slot_of(const void *p)
{
    uint64_t x = (uint64_t)(uintptr_t)p;
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    return (size_t)(x & (TABLE_SIZE - 1));
}

static void die(const char *msg)
{
    ssize_t w = write(2, msg, strlen(msg));
    (void)w;
    abort();
}

/* With lock held. */
static void table_put(void *p, uint64_t seq, enum af_src src)
{
    if (table_used >= TABLE_SIZE / 4 * 3)
        die("alloc_fail: pointer table full\n");
    size_t i = slot_of(p);
    while (table[i].p) {
        if (table[i].p == p)
            die("alloc_fail: a live pointer was handed out twice\n");
        i = (i + 1) & (TABLE_SIZE - 1);
    }
    table[i] = (slot){.p = p, .seq = seq, .run = run_id, .src = src};
    table_used++;
    if (counts_as_leak(&table[i]))
        run_live++;
}

/* With lock held: removes p; false when p is not tracked. */
static bool table_del(void *p)
{
    size_t i = slot_of(p);
    while (table[i].p && table[i].p != p)
        i = (i + 1) & (TABLE_SIZE - 1);
    if (!table[i].p)
        return false;
    if (counts_as_leak(&table[i]) && table[i].run == run_id)
        run_live--;
    /* Backward shift: move later entries of the cluster into the hole. */
    size_t hole = i, j = i;
    for (;;) {
        j = (j + 1) & (TABLE_SIZE - 1);
        if (!table[j].p)
            break;
        size_t home = slot_of(table[j].p);
        /* Entry j may move to hole when its home is not in (hole, j]. */
        bool in_range = hole <= j ? (home > hole && home <= j) : (home > hole || home <= j);
        if (!in_range) {
            table[hole] = table[j];
            hole = j;
        }
    }
    table[hole] = (slot){0};
    table_used--;
    return true;
}

static void print_trace(uint64_t seq)
{
    char head[96];
    int n = snprintf(head, sizeof(head), "alloc_fail: stack of allocation #%llu:\n",
                     (unsigned long long)seq);
    ssize_t w = write(2, head, (size_t)n);
    (void)w;
    if (__sanitizer_print_stack_trace) {
        __sanitizer_print_stack_trace();
    } else {
        void *frames[64];
        int k = backtrace(frames, 64);
        backtrace_symbols_fd(frames, k, 2);
    }
}

/* Counts an allocation attempt; false when it must fail. *seq gets its number. */
static bool admit(enum af_src src, uint64_t *seq)
{
    *seq = 0;
    bool ok = true, trace = false;
    pthread_mutex_lock(&lock);
    if (active) {
        *seq = ++count;
        if (fail_at && (count == fail_at || (sticky && count > fail_at))) {
            ok = false;
            if (!failed)
                failed_src = src;
            failed = true;
        }
        trace = trace_seq && count == trace_seq;
    }
    pthread_mutex_unlock(&lock);
    if (trace)
        print_trace(*seq);
    return ok;
}

static void track(void *p, uint64_t seq, enum af_src src)
{
    if (!p)
        return;
    pthread_mutex_lock(&lock);
    table_put(p, seq, src);
    pthread_mutex_unlock(&lock);
}

/* Removes p from the table; false when it was not one of ours. */
static bool untrack(void *p)
{
    pthread_mutex_lock(&lock);
    bool ours = table_del(p);
    pthread_mutex_unlock(&lock);
    return ours;
}

static void *af_malloc(size_t n, enum af_src src)
{
    uint64_t seq;
    if (!admit(src, &seq))
        return NULL;
    void *p = __real_malloc(n);
    track(p, seq, src);
    return p;
}

static void *af_calloc(size_t n, size_t size, enum af_src src)
{
    uint64_t seq;
    if (!admit(src, &seq))
        return NULL;
    void *p = __real_calloc(n, size);
    track(p, seq, src);
    return p;
}

static void *af_realloc(void *p, size_t n, enum af_src src)
{
    if (!p)
        return af_malloc(n, src);
    uint64_t seq;
    if (!admit(src, &seq))
        return NULL; /* p stays valid, as with a real failure */
    pthread_mutex_lock(&lock);
    bool ours = table_del(p);
    pthread_mutex_unlock(&lock);
    void *q = __real_realloc(p, n);
    if (ours) {
        /* On failure p is still live and still ours. */
        track(q ? q : p, q ? seq : 0, src);
    }
    return q;
}

static void af_free(void *p)
{
    if (!p)
        return;
    untrack(p);
    __real_free(p);
}

/* ---- the wrapped libc functions ------------------------------------------ */

void *__wrap_malloc(size_t n)
{
    return af_malloc(n, SRC_PROVIDER);
}

void *__wrap_calloc(size_t n, size_t size)
{
    return af_calloc(n, size, SRC_PROVIDER);
}

void *__wrap_realloc(void *p, size_t n)
{
    return af_realloc(p, n, SRC_PROVIDER);
}

void __wrap_free(void *p)
{
    af_free(p);
}

char *__wrap_strdup(const char *s)
{
    size_t n = strlen(s);
    char *d = af_malloc(n + 1, SRC_PROVIDER);
    if (d)
        memcpy(d, s, n + 1);
    return d;
}

char *__wrap_strndup(const char *s, size_t n)
{
    size_t len = strnlen(s, n);
    char *d = af_malloc(len + 1, SRC_PROVIDER);
    if (d) {
        memcpy(d, s, len);
        d[len] = '\0';
    }
    return d;
}

/* ---- library hooks --------------------------------------------------------- */

static void *xml_malloc(size_t n)
{
    return af_malloc(n, SRC_EXPAT);
}

static void *xml_realloc(void *p, size_t n)
{
    return af_realloc(p, n, SRC_EXPAT);
}

static const XML_Memory_Handling_Suite xml_suite = {xml_malloc, xml_realloc, af_free};

/* xml.c creates its parser with XML_ParserCreateNS; the same parser with our memory. */
XML_Parser __wrap_XML_ParserCreateNS(const XML_Char *encoding, XML_Char sep)
{
    return XML_ParserCreate_MM(encoding, &xml_suite, &sep);
}

static void *pb_alloc(void *ud, size_t n)
{
    return af_malloc(n, SRC_PROTOBUF);
}

static void pb_free(void *ud, void *p)
{
    af_free(p);
}

static ProtobufCAllocator pb_allocator = {pb_alloc, pb_free, NULL};

ProtobufCMessage *__wrap_protobuf_c_message_unpack(const ProtobufCMessageDescriptor *d,
                                                   ProtobufCAllocator *a, size_t len,
                                                   const uint8_t *data)
{
    return __real_protobuf_c_message_unpack(d, a ? a : &pb_allocator, len, data);
}

/* Also frees the Structs props_to_struct builds with malloc (see props.h). */
void __wrap_protobuf_c_message_free_unpacked(ProtobufCMessage *m, ProtobufCAllocator *a)
{
    __real_protobuf_c_message_free_unpacked(m, a ? a : &pb_allocator);
}

static void *ssl_malloc(size_t n, const char *file, int line)
{
    return af_malloc(n, SRC_OPENSSL);
}

static void *ssl_realloc(void *p, size_t n, const char *file, int line)
{
    return af_realloc(p, n, SRC_OPENSSL);
}

static void ssl_free(void *p, const char *file, int line)
{
    af_free(p);
}

static void *curl_malloc(size_t n)
{
    return af_malloc(n, SRC_CURL);
}

static void *curl_realloc(void *p, size_t n)
{
    return af_realloc(p, n, SRC_CURL);
}

static char *curl_strdup(const char *s)
{
    size_t n = strlen(s);
    char *d = af_malloc(n + 1, SRC_CURL);
    if (d)
        memcpy(d, s, n + 1);
    return d;
}

static void *curl_calloc(size_t n, size_t size)
{
    return af_calloc(n, size, SRC_CURL);
}

void af_init(void)
{
    if (!CRYPTO_set_mem_functions(ssl_malloc, ssl_realloc, ssl_free))
        die("alloc_fail: OpenSSL allocated before af_init\n");
    if (curl_global_init_mem(CURL_GLOBAL_DEFAULT, curl_malloc, af_free, curl_realloc, curl_strdup,
                             curl_calloc) != CURLE_OK)
        die("alloc_fail: curl_global_init_mem failed\n");
}

/* ---- runs ------------------------------------------------------------------ */

void af_begin(uint64_t n, bool stick)
{
    pthread_mutex_lock(&lock);
    run_id++;
    count = 0;
    fail_at = n;
    sticky = stick;
    failed = false;
    failed_src = SRC_PROVIDER;
    run_live = 0;
    active = true;
    pthread_mutex_unlock(&lock);
}

uint64_t af_end(void)
{
    pthread_mutex_lock(&lock);
    active = false;
    uint64_t c = count;
    pthread_mutex_unlock(&lock);
    return c;
}

bool af_failed(void)
{
    return failed;
}

const char *af_failed_source(void)
{
    return src_names[failed_src];
}

size_t af_leaked(uint64_t *seqs, size_t max)
{
    size_t n = 0;
    pthread_mutex_lock(&lock);
    for (size_t i = 0; run_live && i < TABLE_SIZE; i++) {
        if (table[i].p && counts_as_leak(&table[i]) && table[i].run == run_id) {
            if (seqs && n < max)
                seqs[n] = table[i].seq;
            n++;
        }
    }
    pthread_mutex_unlock(&lock);
    return n;
}

void af_trace(uint64_t seq)
{
    pthread_mutex_lock(&lock);
    trace_seq = seq;
    pthread_mutex_unlock(&lock);
}
