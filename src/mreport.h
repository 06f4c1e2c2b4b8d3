/*
 * mreport.h: the metrics of a report (mset.h): what `report --format
 * openmetrics`, run's usage.prom, `notify pushgateway` and `notify
 * datadog` carry.  Per group of the report's --by keys (project by
 * default), labelled by the keys: the credits of each kind, the total
 * credits, the cost, the job runs, the run time, and the credits and runs
 * of failing jobs (statuses of the waste set, as `failures` counts them);
 * the rows are the report's, so --top folds the rest into one "(other)"
 * group whose sums keep the totals whole.  Then one info gauge for the
 * period and the organization, and the period's bounds as timestamps.
 */
#ifndef CU_MREPORT_H
#define CU_MREPORT_H

#include <stddef.h>
#include <stdint.h>

#include "mset.h"
#include "report.h"
#include "view.h"

/* Metric names: every family's name starts so. */
#define MREPORT_PREFIX "circleci_usage_"

struct mreport_info {
	const char *org;	/* the organization's name or ID, or NULL */
	const char *org_id;	/* the exports' organization ID, or NULL */
	int have_period;
	int32_t since, until;	/* the period's first and last days */
};

/*
 * Group o (fresh: report_opts_init'ed, or keys to be replaced) by the
 * --by list `by` and by `by` plus status, as grouping sets 0 and 1: set 0
 * gives the rows, set 1 the failing jobs.  Returns 0, or -1 after an
 * error naming the bad key.
 */
int mreport_sets(struct report_opts *o, const char *by);

/*
 * Fill m from the view v (its rows, keys and price) and, when by_status
 * is not NULL, the groups of a report by the same keys and status (opts
 * so): a group's failing credits and runs are those of its statuses in
 * waste[0..nwaste) (any case).  info may have no org and no period.
 */
void mreport_collect(struct mset *m, const struct view *v,
    const struct report_opts *so, const struct agg *by_status,
    char *const *waste, size_t nwaste, const struct mreport_info *info);

/*
 * The period of the info metric from a span of time (chart_set_span():
 * the exports' ranges within --since/--until, else the days of the runs
 * counted), first and last milliseconds since the epoch: the days that
 * hold them.
 */
void mreport_span(struct mreport_info *info, int have, int64_t start_ms,
    int64_t end_ms);

/*
 * The whole of it for a report read with mreport_sets()' opts `o` into
 * res, from `in` (its ranges give the period; NULL from history): the
 * rows of set 0 sorted by sort_metric (or key sort_key when >= 0), `top`
 * of them (0: all) and "(other)", at `price`; the failing jobs of
 * waste[0..nwaste) from set 1; the organization from res (want_orgs) and
 * in.  m is initialized here; *last (when not NULL) is set to the
 * period's last day, MREPORT_NO_DAY when there is no period (no job run).
 * Returns 0, or EXIT_BAD_INPUT after view_check()'s error (m then empty).
 */
int mreport_build(struct mset *m, const struct report_opts *o,
    const struct report_result *res, const struct inputs *in,
    int sort_metric, int sort_key, size_t top, dec_t price,
    char *const *waste, size_t nwaste, int32_t *last);

/* mreport_build()'s *last when there is no period. */
#define MREPORT_NO_DAY INT32_MIN

#endif
