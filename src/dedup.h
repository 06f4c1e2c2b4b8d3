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

/* A job run's fingerprint. */
struct dedup_fp {
	uint64_t a, b;
};

/* A set sized for about `expect` job runs (it grows past that). */
struct dedup *dedup_new(size_t expect);
void dedup_free(struct dedup *d);

/* The fingerprint of JOB_ID `id`. */
void dedup_fingerprint(const char *id, size_t len, struct dedup_fp *fp);

/*
 * Start loading the memory dedup_insert() will look at for `fp`: the table
 * is far larger than the caches, so a reader that prefetches one row ahead
 * hides the cache miss.  Only a hint; thread-safe.
 */
void dedup_prefetch(struct dedup *d, const struct dedup_fp *fp);

/*
 * Add a job run.  Returns 1 if it was new, 0 if it was already in the set
 * (a duplicate).  Thread-safe.
 */
int dedup_insert(struct dedup *d, const struct dedup_fp *fp);

/* dedup_fingerprint() and dedup_insert() in one. */
int dedup_add(struct dedup *d, const char *id, size_t len);

/* Bytes held by the tables (for the bench's memory figures). */
size_t dedup_bytes(struct dedup *d);

#endif
