/*
 * retry.h: the retry cost of `failures`: the credits spent on wasted runs
 * (failed, canceled ...) that a later run of the same job on the same
 * pipeline and workflow name retried successfully.
 *
 * A job run's retry key is (PROJECT_NAME, PIPELINE_ID, WORKFLOW_NAME,
 * JOB_NAME), hashed to 64 bits: a re-run of a workflow gets a new
 * WORKFLOW_ID but keeps the pipeline and the workflow's name.  Runs without
 * a PIPELINE_ID have no key and are never retries.
 *
 * Runs are ordered by one 64-bit value (retry_order()): JOB_RUN_STARTED_AT,
 * else JOB_RUN_QUEUED_AT, to the millisecond; a run with neither comes
 * before every run with a time, and such runs are ordered by
 * JOB_RUN_NUMBER.  A run with no time and no number has no place in the
 * order: it is neither retried nor a retry.  A wasted run is retried when
 * a success on its key has a strictly greater order: a success that
 * started in the same millisecond does not retry it.
 *
 * Memory: 16 bytes per distinct key with a success (a hash table key ->
 * latest success, 53 to 80 % full) and 40 bytes per wasted run; nothing
 * per other run.  The answer is resolved at the end, against every
 * worker's successes (a maximum, so in any order), and does not depend on
 * the order of the rows, the files or the threads.  Two keys whose 64-bit
 * hashes collide are taken as one (about one chance in 10^8 with 10^6
 * keys).
 */
#ifndef CU_RETRY_H
#define CU_RETRY_H

#include <stddef.h>
#include <stdint.h>

#include "dec.h"

/* No order: the run has no time and no number. */
#define RETRY_NONE INT64_MIN

/*
 * The order of a run from its JOB_RUN_STARTED_AT, JOB_RUN_QUEUED_AT and
 * JOB_RUN_NUMBER texts (each NULL when absent or NULL): the first time
 * that parses (ts_parse_ms) as 2^62 plus its milliseconds, else a run
 * number (digits only, at most 18) as itself, else RETRY_NONE.  Times
 * outside +-2^61 ms (73 million years) count as absent.  The scanner,
 * whose field texts share one buffer, asks the parts one at a time:
 * retry_order_time() of each time, then retry_order_number().
 */
int64_t retry_order(const char *started, size_t slen, const char *queued,
    size_t qlen, const char *number, size_t nlen);
int64_t retry_order_time(const char *s, size_t len);
int64_t retry_order_number(const char *s, size_t len);

/*
 * The retry key of a run: each part hashed with its length, so ("ab", "c")
 * and ("a", "bc") differ; never 0.  Returns 0 when the pipeline id is
 * empty (no key).  Part by part: h = RETRY_KEY_SEED, h = retry_key_add(h,
 * part) for the pipeline, project, workflow and job, retry_key_end(h).
 */
uint64_t retry_key(const char *project, size_t plen, const char *pipeline,
    size_t pipelen, const char *workflow, size_t wlen, const char *job,
    size_t jlen);
#define RETRY_KEY_SEED 0x243f6a8885a308d3ULL
uint64_t retry_key_add(uint64_t h, const char *s, size_t len);
uint64_t retry_key_end(uint64_t h);

/* A wasted run waiting to be resolved. */
struct retry_waste {
	uint64_t key;
	int64_t order;
	unsigned char credits[sizeof(dec_t)];	/* TOTAL_CREDITS, copied
						 * bytes: 40 bytes, not 48 */
	uint32_t group;		/* the caller's group index */
};

struct retry_slot {
	uint64_t key;		/* 0: empty */
	int64_t order;		/* the latest success */
};

/*
 * One scanner's notes (one per worker).  Zeroed by retry_init(); the
 * contents freed by retry_release().
 */
struct retry {
	struct retry_slot *slots;	/* open addressing, power of 2 */
	size_t nslots, nok;
	struct retry_waste *waste;
	size_t nwaste, capwaste;
};

void retry_init(struct retry *r);
void retry_release(struct retry *r);

/* A success on `key` at `order` (ignored when key is 0 or no order). */
void retry_note_success(struct retry *r, uint64_t key, int64_t order);

/*
 * A wasted run on `key` at `order`, of `credits`, in the caller's group
 * `group` (ignored when key is 0 or no order).
 */
void retry_note_waste(struct retry *r, uint64_t key, int64_t order,
    dec_t credits, uint32_t group);

/*
 * Add the successes of src into dst (the latest per key); src's wasted
 * runs are not copied.  src is left empty of successes (its table is
 * moved when dst has none).
 */
void retry_merge_successes(struct retry *dst, struct retry *src);

/* The latest success on key in r, or RETRY_NONE. */
int64_t retry_latest(const struct retry *r, uint64_t key);

/*
 * Is the wasted run w retried by a success of any of ok[0..n)?  The
 * scanner keeps each worker's table apart rather than merge them
 * (retry_merge_successes), which would hold both sizes at once.
 */
int retry_is_retried(const struct retry *ok, size_t n,
    const struct retry_waste *w);

/* The credits of w. */
dec_t retry_waste_credits(const struct retry_waste *w);

#endif
