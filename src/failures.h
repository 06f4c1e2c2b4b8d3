/*
 * failures.h: the cost of failing jobs.  Per project, workflow and job:
 * the runs, the runs whose status is in a waste set (failed, canceled
 * ...), and the credits those wasted runs spent, from a report grouped by
 * job and status.  `failures` and the HTML page's section both use it, so
 * their numbers are the same.
 */
#ifndef CU_FAILURES_H
#define CU_FAILURES_H

#include <stdio.h>

#include "grid.h"
#include "report.h"

/* The default waste set of failures, html, notify and run. */
#define FAILURES_WASTE "failed,canceled,timedout,infrastructure_fail"

struct failures_row {
	const char *key;	/* project, workflow, job (agg key in `all`) */
	size_t keylen;
	uint64_t runs, wasted_runs;
	dec_t credits, wasted_credits;
	dec_t failure_rate_pct;	/* wasted_runs / runs, 2 decimals */
	dec_t wasted_share_pct;	/* of every credit, 2 decimals */
	dec_t wasted_usd;	/* wasted_credits at the price, cents */
};

struct failures {
	struct report_opts o;		/* keys: project, workflow, job */
	struct report_result all;	/* per job, every status */
	struct failures_row *rows;	/* most wasted credits first */
	size_t n;
	struct failures_row totals;	/* key NULL */
};

/* Is the status s[0..len) in the waste list (any case)? */
int failures_is_waste(char *const *waste, size_t nwaste, const char *s,
    size_t len);

/*
 * Build f from `src`, a report (opts `so`) whose keys or one of whose
 * grouping sets include project, workflow, job and status: one row per
 * job, sorted by wasted credits (largest first), then wasted runs, then
 * the keys.  Shares are of src's total credits.  Returns 0, or -1 after
 * printing an error (src lacks a key).  Release with failures_release().
 */
int failures_build(struct failures *f, const struct report_opts *so,
    const struct report_result *src, char *const *waste, size_t nwaste,
    dec_t price);
void failures_release(struct failures *f);

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
    const struct report_result *src, char *const *waste, size_t nwaste,
    dec_t price, const struct grid_out *dst);

#endif
