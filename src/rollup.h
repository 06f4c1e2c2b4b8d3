/*
 * rollup.h: coarser groupings of a report, made from a finer one without
 * reading the exports again.  `html` reads once, grouped by every key its
 * page needs (job, resource class, executor, status, day), and rolls that
 * up into per-project, per-day, per-job ... results; sums are exact, so a
 * roll-up equals what `report --by` those keys gives.
 */
#ifndef CU_ROLLUP_H
#define CU_ROLLUP_H

#include "report.h"

/*
 * Keep a source group?  `key` is the source group's key, `so` the opts
 * of the grouping it comes from (find a key with rollup_key_index()).
 * `needs` is a --by list of the keys keep() reads, or NULL.
 */
struct rollup_filter {
	int (*keep)(void *ctx, const struct report_opts *so, const char *key,
	    size_t keylen);
	void *ctx;
	const char *needs;
};

/*
 * Make `dst` (opts and result) the groups of `src` by `by` (a --by list
 * whose keys are all among src's keys), summed; only the source groups
 * that `filter` keeps (all when NULL).  When src was made with grouping
 * sets, the first set that has every key of `by` and of filter->needs is
 * rolled up.  Totals are the sums of the groups kept; files, rows,
 * duplicates and dates are copied.  Returns 0, or -1 after printing an
 * error (a key no set of src has).  Release with report_opts_release()
 * and report_result_release().
 */
int rollup_build(struct report_opts *dsto, struct report_result *dst,
    const struct report_opts *srco, const struct report_result *src,
    const char *by, const struct rollup_filter *filter);

/*
 * Could rollup_build() make `by` (a --by list of known keys) from a
 * report grouped as srco: has one of its sets every key?  1 or 0, with
 * no message.
 */
int rollup_can(const struct report_opts *srco, const char *by);

/* The index of the key named `name` in o, or -1. */
int rollup_key_index(const struct report_opts *o, const char *name);

#endif
