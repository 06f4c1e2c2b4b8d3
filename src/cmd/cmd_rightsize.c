/*
 * cmd_rightsize.c: `circleci-usage rightsize`, resource classes that are
 * too big or too small for their jobs, from the per-run utilization
 * columns, with the next smaller class and what it would save.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "cmdopt.h"
#include "grid.h"
#include "rates.h"
#include "report.h"
#include "rightsize.h"
#include "util.h"

const struct cmdopt_cmd rightsize_cmd = {
	.name = "rightsize",
	.summary = "resource classes too big or too small, and the savings",
	.usage =
"usage: circleci-usage rightsize [options] PATH...\n"
"\n"
"Per project, workflow, job, resource class and executor with at least\n"
"--min-runs runs: the median over runs of MEDIAN_CPU, MAX_CPU, MEDIAN_RAM\n"
"and MAX_RAM utilization (the lower median), and a verdict:\n"
"  over   the medians of MAX_CPU and MAX_RAM are both below --over-below\n"
"         percent: the next smaller class of the same executor and\n"
"         family, and what it would save per 30 days;\n"
"  under  either is at least --under-from percent: the next larger\n"
"         class, and what it would cost more (negative savings);\n"
"  n/a    over or under, but there is no class to move to (a\n"
"         self-hosted runner, a GPU, the end of a family): the reason;\n"
"  ok     else.\n"
"Runs without utilization data are left out and counted.  PATH is as\n"
"for `report`.\n",
	.opts = (const struct cmdopt_use[]){
		CMDOPT_HEADING("Options:"),
		CMDOPT(CO_MIN_RUNS), CMDOPT(CO_OVER_BELOW),
		CMDOPT(CO_UNDER_FROM),
		/* the old names of those two, with a warning */
		CMDOPT(CO_UNDER), CMDOPT(CO_OVER),
		CMDOPT(CO_RATES), CMDOPT_FILTERS,
		CMDOPT_HELP(CO_TOP, "keep the first N rows"),
		CMDOPT(CO_CSV_SAFE),
		CMDOPT_HELP(CO_FORMAT, "table (default on a terminal), csv "
		    "(default otherwise), json (rows, meta), markdown"),
		CMDOPT(CO_OUTPUT),
		CMDOPT_HELP(CO_CREDIT_PRICE, "price of one credit for "
		    "monthly_savings_usd (default " CMDOPT_CREDIT_PRICE ")"),
		CMDOPT_HELP(CO_QUIET, "no note of the runs without "
		    "utilization data"),
		CMDOPT_INPUT, CMDOPT_END
	},
	.epilog =
"Savings: the group's billed minutes (its compute credits over the\n"
"class's rate) times the difference of the two rates, per 30 days of the\n"
"span from the first to the last date counted; in USD at\n"
"--credit-price.  Columns: the keys, runs, the four medians, verdict,\n"
"suggested_class, monthly_savings_credits, monthly_savings_usd, reason.\n",
};

int
cmd_rightsize(int argc, char **argv)
{
	struct report_result res;
	struct rates rates;
	struct rightsize_opts ro;
	struct grid_out dst;
	struct cmdopt co;
	struct cmdopt_value val;
	const char *rates_path = NULL;
	char err[512];
	int id, have_res = 0, quiet = 0, ret;

	rates_init(&rates);
	rightsize_opts_init(&ro, &rates);
	cmdopt_init(&co, &rightsize_cmd, NULL);
	while ((id = cmdopt_next(&co, argc, argv, &val)) > 0) {
		switch (id) {
		case CO_QUIET:
			quiet = 1;
			break;
		case CO_MIN_RUNS:
			ro.min_runs = val.num;
			break;
		case CO_OVER_BELOW:
			ro.under = val.dec;
			break;
		case CO_UNDER_FROM:
			ro.over = val.dec;
			break;
		case CO_RATES:
			rates_path = val.str;
			break;
		}
	}
	if (id < 0) {
		ret = co.status;
		goto out;
	}
	ret = EXIT_USAGE;
	if (ro.under > ro.over) {
		cmdopt_usage("rightsize", "--over-below is above --under-from");
		goto out;
	}
	if ((ret = cmdopt_inputs(&co, argc, argv, &co.in)) != 0)
		goto out;
	if (rates_path != NULL) {
		if (rates_load(&rates, rates_path, err, sizeof(err)) < 0) {
			error("--rates: %s", err);
			ret = EXIT_BAD_INPUT;
			goto out;
		}
	} else if (rates_load_default(&rates) < 0) {
		ret = EXIT_FAILURE_OTHER;
		goto out;
	}
	rightsize_report_opts(&co.o);
	ret = cmdopt_read(&co, &res);
	have_res = 1;
	if (ret != 0)
		goto out;
	cmdopt_grid_out(&co, &dst);
	ro.price = co.price;
	ret = rightsize_write(&co.o, &res, &ro, rates_path, quiet, &dst) < 0 ?
	    EXIT_FAILURE_OTHER : EXIT_OK;
out:
	if (have_res)
		report_result_release(&res);
	rates_release(&rates);
	cmdopt_release(&co);
	return ret;
}
