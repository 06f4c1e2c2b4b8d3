/*
 * rightsize.h: is a job's resource class too big or too small?  Per
 * project, workflow, job, resource class and executor: the median over
 * runs of the four per-run utilization columns, a verdict, the next
 * smaller class and what it would save per 30 days.
 *
 * The medians come from one pass of the streaming engine grouped by
 * (project, workflow, job, resource_class, executor) with want_util set:
 * beside each group's sums it keeps an exact histogram of each
 * utilization column (utilhist.h: one 24-byte bin per distinct value, at
 * most 10,001 for a percentage from 0 to 100 with 2 decimals), so the
 * memory per job stays bounded however many runs there are.
 *
 * Median: the lower median, the ceil(n/2)-th smallest of the n values
 * (for 4 values, the 2nd), so it is always a value some run had; the
 * values compare as numbers ("45", "45.0" and "45.00" are one value).
 */
#ifndef CU_RIGHTSIZE_H
#define CU_RIGHTSIZE_H

#include <stdint.h>

#include "grid.h"
#include "rates.h"
#include "report.h"

/*
 * ok; over (a smaller class of the same executor and family would do);
 * under (a larger one is needed); n/a: the utilization says over or under
 * but no class to move to exists (a self-hosted runner, a GPU, the
 * smallest or largest of a family, a class without a known rate).
 */
enum rightsize_verdict { RS_OK, RS_OVER, RS_UNDER, RS_NA };

/* The utilization columns, in output order. */
enum rightsize_col { RS_CPU_MEDIAN, RS_CPU_MAX, RS_RAM_MEDIAN, RS_RAM_MAX,
	RS_NCOLS };

struct rightsize_opts {
	uint64_t min_runs;	/* groups with fewer runs are left out */
	dec_t under;		/* over-provisioned: both maxima below */
	dec_t over;		/* under-provisioned: either max at least */
	const struct rates *rates;
	dec_t price;		/* of a credit, for the savings in USD */
};

struct rightsize_row {
	char *key;		/* project, workflow, job, rc, executor */
	size_t keylen;
	uint64_t runs;		/* runs with MAX_CPU_UTILIZATION_PCT */
	uint64_t runs_all;	/* every run, with or without data */
	dec_t median[RS_NCOLS];
	int have[RS_NCOLS];	/* 0: no run had this column */
	dec_t compute_credits;	/* every run's */
	enum rightsize_verdict verdict;
	const struct rate *suggested;	/* in opts' rates; or NULL */
	dec_t savings;		/* monthly_savings_credits: below 0, the
				   extra cost of moving up */
	dec_t savings_usd;	/* the same at opts' price, cents */
	int have_savings;
	const char *reason;	/* why n/a, or NULL */
};

struct rightsize {
	struct rightsize_row *rows;	/* largest savings first */
	size_t n;
	uint64_t runs_without_util;	/* runs left out: no MAX_CPU value */
	uint64_t groups_below_min;	/* groups left out by min_runs */
	uint64_t bad_values;	/* bad values, as no data (report.h) */
	long span_days;		/* first to last date, inclusive, or 0 */
};

/* The defaults of `rightsize`: 10 runs, under 40%, over 90%; `rates`. */
void rightsize_opts_init(struct rightsize_opts *ro, const struct rates *rates);

/*
 * Set o's keys and grouping sets for the pass rightsize_build() reads
 * (filters and input options are left as they are).
 */
void rightsize_report_opts(struct report_opts *o);

/*
 * Ask another pass (html's) for what rightsize_build() needs: its first
 * grouping must start with project, workflow, job, resource_class and
 * executor (more keys after them are summed over).  Returns 0, or -1
 * after printing an error.
 */
int rightsize_enable(struct report_opts *o);

/*
 * Build rs from a report run with rightsize_report_opts() or
 * rightsize_enable().  Returns 0, or -1 after printing an error when so
 * has not the sets.  Release with rightsize_release().
 */
int rightsize_build(struct rightsize *rs, const struct report_opts *so,
    const struct report_result *res, const struct rightsize_opts *ro);
void rightsize_release(struct rightsize *rs);

/* The verdict of the two medians of the maxima (rightsize.c). */
enum rightsize_verdict rightsize_verdict(dec_t cpu_max, dec_t ram_max,
    const struct rightsize_opts *ro);

/* "ok", "over", "under". */
const char *rightsize_verdict_name(enum rightsize_verdict v);

/*
 * The lower median of a histogram: n (value, count) pairs, sorted here.
 * Returns 0 and sets *out, or -1 when the counts add up to 0.
 */
struct rightsize_bin {
	dec_t value;
	uint64_t count;
};
int rightsize_median(struct rightsize_bin *bins, size_t n, dec_t *out);

/* The rows as a grid (grid.h); the caller releases it. */
void rightsize_grid(const struct rightsize *rs, size_t top, struct grid *g);

/*
 * The `rightsize` report of `res` (a pass set up by
 * rightsize_report_opts()) written to dst: rightsize_build() with ro, a
 * notice of the runs without utilization data (unless `quiet`) and a
 * warning of the bad values, then the first dst->top rows; JSON's meta
 * gives res's counts, ro and `rates_path` (NULL: the compiled-in rates).
 * `rightsize` and `run` both write it.  Returns 0, or -1 after printing
 * an error.
 */
int rightsize_write_built(const struct rightsize *rs,
    const struct report_result *res, const struct rightsize_opts *ro,
    const char *rates_path, int quiet, const struct grid_out *dst);

/* rightsize_build(), then rightsize_write_built(). */
int rightsize_write(const struct report_opts *so,
    const struct report_result *res, const struct rightsize_opts *ro,
    const char *rates_path, int quiet, const struct grid_out *dst);

#endif
