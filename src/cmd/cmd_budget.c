/*
 * cmd_budget.c: `circleci-usage budget`, each budget of a budgets file
 * (budget.h) in its current week or month: spent so far, its share, the
 * projected spend at the period's end, the day it runs out at the
 * current pace and a status.  One pass over the data, by day and the
 * keys the budgets' scopes need.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "budget.h"
#include "budgetcalc.h"
#include "cmd.h"
#include "cmdopt.h"
#include "grid.h"
#include "range.h"
#include "report.h"
#include "util.h"

const struct cmdopt_cmd budget_cmd = {
	.name = "budget",
	.summary = "budgets: spent, projected, runs out, status",
	.usage =
"usage: circleci-usage budget [options] PATH...\n"
"       circleci-usage budget --db FILE [options]\n"
"\n"
"For each budget of the budgets file (--budgets, else\n"
"$CIRCLECI_USAGE_BUDGETS; see doc/budgets.md), its current period (the\n"
"week, Monday to Sunday UTC, or the month that holds --at): the credits\n"
"spent on the days before --at, their share of the budget, the projected\n"
"spend at the period's end (each day left at its weekday's mean over the\n"
"last four weeks), the day the budget runs out at that pace, and a\n"
"status: ok, warning (a threshold crossed), projected_over, over.  PATH\n"
"is as for `report`.\n",
	.opts = (const struct cmdopt_use[]){
		CMDOPT_HEADING("Options:"),
		CMDOPT(CO_BUDGETS),
		CMDOPT_HELP(CO_AT, "the day taken as today (default: today, "
		    "UTC): its week or month is the current period, and spent "
		    "so far counts the days before it"),
		CMDOPT_HELP(CO_TEAMS, "the teams file (YAML), for budgets "
		    "with a team scope (default $CIRCLECI_USAGE_TEAMS)"),
		CMDOPT(CO_CSV_SAFE),
		CMDOPT_HELP(CO_FORMAT, "table (default on a terminal), csv "
		    "(default otherwise), json (rows, meta), markdown"),
		CMDOPT(CO_DB), CMDOPT(CO_OUTPUT),
		CMDOPT_HELP(CO_CREDIT_PRICE, "price of one credit, for the "
		    "usd columns and usd amounts (default "
		    CMDOPT_CREDIT_PRICE ")"),
		CMDOPT_INPUT, CMDOPT_END
	},
	.epilog =
"Columns: budget, scope, period, start, end, amount_credits, amount_usd,\n"
"spent_credits, spent_usd, used_pct, projected_credits, projected_usd,\n"
"projected_pct, runs_out (a date, or empty), status, threshold (the\n"
"highest one used_pct reached, or empty), history_days (the days of\n"
"history the projection used, at most 28).  A status is not an error:\n"
"the exit code is 0.\n",
};

int
cmd_budget(int argc, char **argv)
{
	struct report_result res;
	struct budget_calc calc;
	struct grid_out dst;
	struct cmdopt co;
	struct cmdopt_value val;
	struct budgets *bs = NULL;
	const char *path = NULL;
	int32_t at = (int32_t)(range_now_ms() / MS_PER_DAY);
	int id, have_res = 0, have_calc = 0, ret;

	cmdopt_init(&co, &budget_cmd, NULL);
	while ((id = cmdopt_next(&co, argc, argv, &val)) > 0) {
		if (id == CO_AT)
			at = val.day;
		else if (id == CO_BUDGETS)
			path = val.str;
	}
	if (id < 0) {
		ret = co.status;
		goto out;
	}
	if (path == NULL && (path = getenv(BUDGET_ENV)) != NULL &&
	    path[0] == '\0')
		path = NULL;
	if (path == NULL) {
		ret = cmdopt_usage("budget", "no budgets file: give --budgets "
		    "FILE or set " BUDGET_ENV);
		goto out;
	}
	if ((bs = budgets_load(path)) == NULL) {
		ret = cmdopt_hint("budget");
		goto out;
	}
	have_calc = 1;
	if (budget_calc_init(&calc, bs, co.teams, co.price, at, 0) < 0) {
		ret = cmdopt_hint("budget");
		goto out;
	}
	if ((ret = cmdopt_inputs(&co, argc, argv, &co.in)) != 0)
		goto out;
	if (budget_calc_sets(&calc, &co.o) < 0) {
		ret = cmdopt_hint("budget");
		goto out;
	}
	ret = cmdopt_read(&co, &res);
	have_res = 1;
	if (ret != 0)
		goto out;
	budget_calc_eval(&calc, &co.o, &res);
	cmdopt_grid_out(&co, &dst);
	ret = budget_calc_write(&calc, &res, co.o.csv_safe, &dst) < 0 ?
	    EXIT_FAILURE_OTHER : EXIT_OK;
out:
	if (have_res)
		report_result_release(&res);
	if (have_calc)
		budget_calc_release(&calc);
	budgets_free(bs);
	cmdopt_release(&co);
	return ret;
}
