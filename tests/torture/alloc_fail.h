/* alloc_fail: a counting allocator that can fail the Nth allocation, for the
 * allocation-failure torture (tests/torture/torture.c).
 *
 * The torture binary is linked with -Wl,--wrap=malloc,... (mk/torture.mk), so
 * every allocation the provider's own objects make comes here, cJSON's too
 * (the provider points cJSON at malloc: mem_init_cjson); expat (its parser is
 * created with XML_ParserCreate_MM),
 * protobuf-c (unpack/free_unpacked get a counting ProtobufCAllocator when the
 * caller passes NULL), OpenSSL (CRYPTO_set_mem_functions) and libcurl
 * (curl_global_init_mem) are routed here too, so their allocations on the
 * provider's behalf can fail as well.
 *
 * Every allocation made between af_begin() and af_end() gets a sequence number
 * 1, 2, ...; with fail_at = N the Nth returns NULL (with sticky, every later
 * one too). Every live pointer is remembered with the run that made it, so a
 * leak is an allocation of the run still live after it. */
#ifndef AWSML_TESTS_ALLOC_FAIL_H
#define AWSML_TESTS_ALLOC_FAIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Installs the library hooks; call first thing in main (before any
 * OpenSSL or curl use). */
void af_init(void);

/* Starts a run: counting on, fail_at = 0 never fails. */
void af_begin(uint64_t fail_at, bool sticky);
/* Ends the run; returns how many allocations it attempted. */
uint64_t af_end(void);
/* Whether the run's fail_at was reached (an allocation was refused). */
bool af_failed(void);
/* Allocations of the last run still live; writes up to max of their sequence
 * numbers into seqs (may be NULL). */
size_t af_leaked(uint64_t *seqs, size_t max);
/* Prints a stack trace when allocation seq of a later run happens (0 = off). */
void af_trace(uint64_t seq);
/* Who made the last run's first refused allocation: "provider" (its own
 * objects, cJSON included), "expat", "protobuf-c", "OpenSSL" or "libcurl". */
const char *af_failed_source(void);

#endif
