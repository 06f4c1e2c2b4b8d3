/*
 * dedup.h: the set of job runs already counted, shared by the reader
 * threads.  Each JOB_ID is kept as a 16-byte fingerprint: a canonical UUID
 * is its own 128 bits (so two different UUIDs never collide), anything
 * else a 128-bit hash.  The set is split into shards, each with its own
 * lock and table, so two threads rarely wait on each other and a table
 * grows one shard at a time.
 */
#ifndef CU_DEDUP_H
#define CU_DEDUP_H

#include <stddef.h>
#include <stdint.h>

struct dedup;

struct dedup *dedup_new(void);
void dedup_free(struct dedup *d);

/*
 * Add the job run `id`.  Returns 1 if it was new, 0 if it was already in
 * the set (a duplicate).  Thread-safe.
 */
int dedup_add(struct dedup *d, const char *id, size_t len);

/* Bytes held by the tables (for the bench's memory figures). */
size_t dedup_bytes(struct dedup *d);

#endif
