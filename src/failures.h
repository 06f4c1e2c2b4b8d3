/*
 * failures.h: the cost of failing jobs.  Per group of any --by keys
 * (project, workflow and job by default): the runs, the runs whose status
 * is in a waste set (failed, canceled ...), the failure rate, and the
 * credits those wasted runs spent, from a report grouped by the keys and
 * status.  `failures` and the HTML page's section both use it, so their
 * numbers are the same.
 */
#ifndef CU_FAILURES_H
#define CU_FAILURES_H

#include <stdio.h>

#include "grid.h"
#include "report.h"

/* The default waste set of failures, html, notify and run. */
#define FAILURES_WASTE "failed,canceled,timedout,infrastructure_fail"

/* The default grouping: project, workflow and job. */
#define FAILURES_BY "job"

struct failures_row {
	const char *key;	/* the group's agg key in `all` */
	size_t keylen;
	uint64_t runs, wasted_runs;
	dec_t credits, wasted_credits;
	dec_t failure_rate_pct;	/* wasted_runs / runs, 2 decimals */
	dec_t wasted_usd;	/* wasted_credits at the price, cents */
	dec_t waste_share_pct;	/* of all wasted credits, 2 decimals */
	dec_t own_waste_pct;	/* of the group's own credits */
	/* the retry cost (retry.h), when failures.have_retry */
	uint64_t retried_runs;	/* wasted runs a later success retried */
	dec_t retry_credits;	/* their credits */
	dec_t retry_usd;	/* at the price, cents */
};

struct failures {
	struct report_opts o;		/* the keys of `by` */
	struct report_result all;	/* per job, every status */
	struct failures_row *rows;	/* most wasted credits first */
	size_t n;
	struct failures_row totals;	/* key NULL */
	size_t *row_of;		/* group i of all.groups is rows[row_of[i]] */
	/*
	 * The retry columns are known (the report was read from exports
	 * with want_retry); else they are empty cells (JSON null).
	 */
	int have_retry;
	/* the grid's column names and kinds (failures_grid) */
	const char *heads[REPORT_MAX_KEYS + 10];
	int numeric[REPORT_MAX_KEYS + 10];
};

/* Is the status s[0..len) in the waste list (any case)? */
int failures_is_waste(char *const *waste, size_t nwaste, const char *s,
    size_t len);

/*
 * Set so (a report's opts about to be read for failures) to find the
 * retry cost of the waste set (borrowed: it must outlive the read).
 */
void failures_want_retry(struct report_opts *so, char *const *waste,
    size_t nwaste);

/*
 * Build f from `src`, a report (opts `so`) whose keys or one of whose
 * grouping sets include those of `by` (a --by list) and status: one row
 * per group, sorted by wasted credits (largest first), then wasted runs,
 * then the keys.  With src->have_retry (failures_want_retry() with the
 * same waste set), the retry cost of each group too, rolled up from src's
 * first grouping, which must have every key of `by`; a report from
 * history has none, and a notice says so.  Returns 0, or -1 after
 * printing an error (src lacks a key).  Release with failures_release().
 */
int failures_build(struct failures *f, const struct report_opts *so,
    const struct report_result *src, const char *by, char *const *waste,
    size_t nwaste, dec_t price);
void failures_release(struct failures *f);

/* The row of the group with this key (an agg key of f's keys), or NULL. */
const struct failures_row *failures_find(const struct failures *f,
    const char *key, size_t keylen);

/*
 * The rows as a grid (grid.h): the first `top` rows (0: all) and a
 * totals grid; the caller releases both.
 */
void failures_grid(const struct failures *f, size_t top, struct grid *rows,
    struct grid *totals);

/*
 * The `failures` report of `src` (as failures_build() takes it) written
 * to dst: its first dst->top rows and the totals; JSON's meta gives src's
 * counts and dates and the waste list.  `failures` and `run` both write
 * it.  Returns 0, or -1 after printing an error.
 */
int failures_write(const struct report_opts *so,
    const struct report_result *src, const char *by, char *const *waste,
    size_t nwaste, dec_t price, const struct grid_out *dst);

#endif
