/* mem: allocation failures that a function had to swallow (a bool answer,
 * a NULL that also means "absent", a library that reports only "failed")
 * noted per thread, so a caller further up still learns that memory ran out
 * and can fail cleanly instead of acting on a degraded answer. */
#ifndef AWSML_UTIL_MEM_H
#define AWSML_UTIL_MEM_H

/* Notes a failed allocation on this thread. */
void mem_note_failure(void);
/* How many failures this thread has noted so far: compare two readings. */
unsigned long mem_failures(void);
/* Makes cJSON allocate with malloc/free and note its failures, so a parse
 * that ran out of memory is told from text that is not JSON. Call once at
 * start, before any thread uses cJSON (idempotent). */
void mem_init_cjson(void);

#endif
