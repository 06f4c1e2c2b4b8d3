/*
 * mjudge.h: the budgets and anomalies of a report's period as metrics
 * (mset.h), beside mreport.h's sums: what `report --format openmetrics
 * --budgets FILE`, `notify pushgateway|datadog` and run's usage.prom add.
 *
 * Per budget, labelled by its name, period (week, month) and scope as
 * `budget` writes them: the amount, the credits spent and projected, the
 * used and projected shares of the amount (ratios: `budget`'s used_pct
 * and projected_pct over 100), and its status as one gauge per status
 * (1 for the budget's, 0 for the others).  The budgets are evaluated as
 * run and notify do: at the day after the period's last day, each in its
 * period that holds that last day (budgetcalc.h's closing).
 *
 * Per anomaly of the ANOMALY_DAYS days that end with the period's last
 * day (history only: `anomalies --db DB --at D`, D the day after), by
 * project: its score (none for a new project, which has no baseline) and
 * its excess credits, labelled by day, project and kind.
 */
#ifndef CU_MJUDGE_H
#define CU_MJUDGE_H

#include <stdint.h>

#include "anomaly.h"
#include "budget.h"
#include "budgetcalc.h"
#include "inputs.h"
#include "mset.h"
#include "report.h"
#include "teams.h"

/* The budgets of c (evaluated: budget_calc_eval) as metrics into m. */
void mjudge_budgets(struct mset *m, const struct budget_calc *c);

/* The anomalies of l as metrics into m. */
void mjudge_anomalies(struct mset *m, const struct anomaly_list *l);

/* What mjudge_read() reads. */
struct mjudge_src {
	const struct budgets *bs;	/* NULL: no budget metrics */
	const struct teams *teams;
	dec_t price;
	const char *db;		/* the history (db_report_path's), or NULL */
	const struct inputs *in;	/* without db: the exports */
	const struct report_opts *base;	/* strict, keep_duplicates,
					 * threads */
};

/*
 * The budgets of s->bs (when not NULL) and, with s->db, the anomalies,
 * judged at the day after `last` (the period's last day), read again from
 * the same data, into m.  Returns 0, or an exit code after the error.
 */
int mjudge_read(struct mset *m, const struct mjudge_src *s, int32_t last);

#endif
