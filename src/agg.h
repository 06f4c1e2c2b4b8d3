/*
 * agg.h: the metrics of a report and the table of groups that sums them.
 *
 * A group key is a byte string made by agg_key_*: each key column's value
 * preceded by its length, so ("a,b", "c") and ("a", "b,c") differ.  Sums are
 * exact (dec_t), so adding in any order, or merging the tables of several
 * threads, gives the same result.
 */
#ifndef CU_AGG_H
#define CU_AGG_H

#include <stddef.h>
#include <stdint.h>

#include "dec.h"
#include "util.h"

/* Credit kinds, in the order of the report's columns. */
enum credit_kind {
	CR_COMPUTE,
	CR_DLC,
	CR_USER,
	CR_STORAGE,
	CR_NETWORK,
	CR_LEASE,
	CR_LEASE_OVERAGE,
	CR_IPRANGES,
	CR_TOTAL,
	CR_COUNT
};

struct metrics {
	uint64_t jobs;
	dec_t run_seconds;
	dec_t credits[CR_COUNT];
};

/* Metric indexes past the credit kinds, for metrics_add()'s result. */
#define METRIC_SECONDS CR_COUNT
#define METRIC_JOBS (CR_COUNT + 1)

/*
 * dst += src, every sum checked (dec_add(): at most DEC_SUM_MAX; jobs in
 * 64 bits).  Returns 0; or 1 + the index of the first metric whose sum
 * does not fit (a credit kind, METRIC_SECONDS or METRIC_JOBS), dst left
 * unchanged.
 */
int metrics_add(struct metrics *dst, const struct metrics *src);

/*
 * metrics_add() where the sums are known to fit (report_run() and
 * db_report() bound every sum of their groups): a failure is a bug, and
 * ends the process with exit 3 rather than give a wrong number.
 */
void metrics_add_bounded(struct metrics *dst, const struct metrics *src);

/*
 * dst += |src|, metric by metric, checked as metrics_add(): the bound
 * that makes every sum of the rows added fit, whatever their signs.
 */
int metrics_add_abs(struct metrics *dst, const struct metrics *src);

/* The export column of a metric index: "TOTAL_CREDITS", "JOB_RUN_SECONDS". */
const char *metrics_column(int which);

struct agg_group {
	uint64_t hash;
	const char *key;	/* in the table's arena */
	uint32_t keylen;
	struct metrics m;
};

struct agg {
	struct agg_group *groups;
	size_t n, cap;
	uint32_t *slots;	/* group index + 1; 0 is empty */
	size_t nslots;
	struct arena keys;	/* the groups' keys */
	size_t max;		/* groups at most (agg_init: AGG_MAX) */
	int full;		/* a group past max was asked for */
	struct agg_group spill;	/* what agg_get() gives then */
};

#define AGG_MAX ((size_t)UINT32_MAX - 1)

void agg_init(struct agg *a);
void agg_release(struct agg *a);

/*
 * The group with this key, created (with zero metrics) if new.  The
 * pointer is valid until the next agg_get() on the same table.  A new
 * group past a->max is not made: a->full is set and a spare group, not in
 * the table, is returned, so that the caller goes on and, once the table
 * is filled, reports the table full ("too many groups", exit 1) instead
 * of using it.
 */
struct agg_group *agg_get(struct agg *a, const char *key, size_t len,
    uint64_t hash);

/* The group with this key, or NULL: a lookup that adds nothing. */
const struct agg_group *agg_find(const struct agg *a, const char *key,
    size_t len);

/*
 * 0, or -1 after reporting "too many groups" when the table is full (the
 * caller fails with EXIT_FAILURE_OTHER).
 */
int agg_check(const struct agg *a);

/* Add every group of src into dst (dst->full if it cannot hold them). */
void agg_merge(struct agg *dst, const struct agg *src);

/* Key building: append one column value; split a key back into values. */
void agg_key_add(struct sbuf *key, const char *v, size_t len);
/* The i-th value of a key: returns its pointer and sets *len. */
const char *agg_key_part(const char *key, size_t keylen, size_t i,
    size_t *len);

uint64_t agg_hash(const char *key, size_t len);

#endif
