/*
 * budgetcalc.h: every budget of a budgets file worked out from one read
 * of the data: the grouping sets the scopes need, the daily spend of each
 * budget, its evaluation (budget.h) and the rows `budget` prints.  The
 * `budget` command, `run` and `notify` share it.
 *
 *	budget_calc_init(&c, bs, teams, price, at, 0);
 *	budget_calc_sets(&c, &opts);		before the read
 *	report_read(...);
 *	budget_calc_eval(&c, &opts, &res);	c.e[i] for bs->b[i]
 *	budget_calc_write(&c, &res, csv_safe, &dst);
 *	budget_calc_release(&c);
 */
#ifndef CU_BUDGETCALC_H
#define CU_BUDGETCALC_H

#include <stddef.h>
#include <stdint.h>

#include "budget.h"
#include "dec.h"
#include "grid.h"
#include "report.h"
#include "teams.h"

struct budget_job;

struct budget_calc {
	const struct budgets *bs;
	const struct teams *teams;
	dec_t price;
	int32_t at;		/* the day taken as today */
	int32_t in;		/* a day of the periods evaluated: at, or
				 * at - 1 for the periods that end by at */
	int32_t first;		/* the first day summed */
	int32_t hist_start;	/* the data's first day (budget_profile) */
	struct budget_job *jobs;
	struct budget_eval *e;	/* after budget_calc_eval: e[i] for b[i] */
	size_t counts[4];	/* budgets per status */
	int complete;		/* set after init: the caller knows the data
				 * reach at - 1 (run's export of its period,
				 * notify's period): no warning when their
				 * last job run is earlier */
};

/*
 * Set c up for the budgets bs at day `at` (the days before it are spent;
 * with `closing`, each budget's period is the one that holds at - 1, so
 * that a run over a finished week reads that week, complete).  Amounts in
 * usd become credits at `price`; a team scope needs its team in `teams`.
 * Returns 0, or -1 after an error naming the budgets file and line.
 */
int budget_calc_init(struct budget_calc *c, const struct budgets *bs,
    const struct teams *teams, dec_t price, int32_t at, int closing);

/*
 * The grouping sets of o for one pass that serves every budget (day and
 * each key the scopes need), and o's until (at - 1) and since (the first
 * day needed, when o has none later).  Returns 0, or -1 after an error.
 */
int budget_calc_sets(struct budget_calc *c, struct report_opts *o);

/*
 * Sum res (read with o as budget_calc_sets left it) into each budget and
 * evaluate them into c->e and c->counts.  Warns when the data ends before
 * at - 1, unless c->complete.
 */
void budget_calc_eval(struct budget_calc *c, const struct report_opts *o,
    const struct report_result *res);

/*
 * The grouping sets budget_calc_sets() makes for bs, as --by lists, into
 * lists (REPORT_MAX_SETS of them at most; the caller frees each).
 * Returns how many.  A read grouped by sets that include them (one set
 * may serve several) can give the budgets without a read of their own:
 * budget_calc_eval_from().
 */
size_t budget_set_lists(const struct budgets *bs, char **lists);

/*
 * budget_calc_sets(), a read of every file of the n reads src (made with
 * the opts so[i]) and budget_calc_eval(), without that read: the budgets'
 * sums rolled up from src, each grouped by sets that have the day and
 * every key of budget_set_lists(), with no filter, and their days kept
 * apart (no job run in two of them, so none that one read of all would
 * count once).  *res gets what budget_calc_write() needs of such a read:
 * the rows counted, skipped, filtered out (the days outside the
 * budgets'), the duplicates and the dates; release it.  Returns 0, or -1
 * with nothing done and nothing said when src cannot serve: a set or a
 * day missing, a filter, a row without a usable JOB_RUN_DATE, or reads
 * whose days overlap; read the files then.
 */
int budget_calc_eval_from(struct budget_calc *c,
    const struct report_opts *const *so,
    const struct report_result *const *src, size_t n,
    struct report_result *res);

/* The scope as the rows show it: org, project:GLOB, team:T, KEY:GLOB. */
void budget_scope_text(const struct budget *b, char *buf, size_t size);

/*
 * Write the rows (columns of `circleci-usage budget --help`), a title and
 * the JSON meta to dst.  Returns 0, or -1 after an error.
 */
int budget_calc_write(const struct budget_calc *c,
    const struct report_result *res, int csv_safe,
    const struct grid_out *dst);

void budget_calc_release(struct budget_calc *c);

#endif
