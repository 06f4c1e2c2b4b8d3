/*
 * cmd_failures.c: `circleci-usage failures`, the cost of failing jobs: per
 * project, workflow and job, the runs, the wasted (failed, canceled ...)
 * runs and the credits they spent, most wasted credits first.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "cmdopt.h"
#include "failures.h"
#include "grid.h"
#include "report.h"
#include "util.h"

const struct cmdopt_cmd failures_cmd = {
	.name = "failures",
	.summary = "the cost of failing jobs: wasted runs and credits",
	.usage =
"usage: circleci-usage failures [options] PATH...\n"
"       circleci-usage failures --db FILE [options]\n"
"\n"
"The cost of failing jobs: per group (project, workflow and job, or the\n"
"keys of --by), the runs, the wasted runs (whose status is in\n"
"--waste-statuses), the failure rate, and the credits the wasted runs\n"
"spent, their cost, their share of all wasted credits and of the group's\n"
"own credits; and the retry cost: the wasted runs that a later success of\n"
"the same job on the same pipeline and workflow name retried, and their\n"
"credits.  Most wasted credits first.  PATH is as for `report`.\n",
	.opts = (const struct cmdopt_use[]){
		CMDOPT_HEADING("Options:"),
		CMDOPT_HELP(CO_BY, "group by these keys, as report's (default "
		    "job: project, workflow and job); e.g. project, or "
		    "job_name: a job across projects"),
		CMDOPT(CO_TEAMS), CMDOPT(CO_NAMES),
		CMDOPT_HELP(CO_WASTE_STATUSES, "the JOB_BUILD_STATUS values "
		    "of wasted runs (default " FAILURES_WASTE "; any case)"),
		CMDOPT_FILTERS,
		CMDOPT_HELP(CO_TOP, "keep the first N rows (the totals cover "
		    "all)"),
		CMDOPT(CO_CSV_SAFE),
		CMDOPT_HELP(CO_FORMAT, "table (default on a terminal), csv "
		    "(default otherwise), json (rows, totals, meta), markdown"),
		CMDOPT(CO_DB), CMDOPT(CO_OUTPUT),
		CMDOPT_HELP(CO_CREDIT_PRICE, "price of one credit for "
		    "wasted_usd (default " CMDOPT_CREDIT_PRICE ")"),
		CMDOPT_INPUT, CMDOPT_END
	},
	.epilog =
"Columns: the keys, runs, wasted_runs, failure_rate_pct, wasted_credits,\n"
"wasted_usd, waste_share_pct (of all wasted credits), own_waste_pct (of\n"
"the group's own credits), retried_runs, retry_credits, retry_usd.\n"
"A wasted run is retried when a run with status success of the same\n"
"project, PIPELINE_ID, WORKFLOW_NAME and JOB_NAME started later\n"
"(JOB_RUN_STARTED_AT, else JOB_RUN_QUEUED_AT, else JOB_RUN_NUMBER; the\n"
"same millisecond is not later).  The retry cost needs the export files:\n"
"with --db its columns are empty (JSON null).\n",
};

int
cmd_failures(int argc, char **argv)
{
	struct report_result res;
	struct grid_out dst;
	struct cmdopt co;
	struct cmdopt_value val;
	const char *waste_list = FAILURES_WASTE, *by;
	char **waste = NULL, *pass = NULL;
	size_t nwaste = 0, i;
	int id, have_res = 0, ret;

	cmdopt_init(&co, &failures_cmd, NULL);
	while ((id = cmdopt_next(&co, argc, argv, &val)) > 0)
		if (id == CO_WASTE_STATUSES)
			waste_list = val.str;
	if (id < 0) {
		ret = co.status;
		goto out;
	}
	cmdopt_list(&waste, &nwaste, waste_list);
	if ((ret = cmdopt_inputs(&co, argc, argv, &co.in)) != 0)
		goto out;
	/* one pass, by the keys and status; rolled up below */
	by = co.by != NULL ? co.by : FAILURES_BY;
	pass = xasprintf("%s,status", by);
	if (report_parse_by(&co.o, pass) < 0) {
		ret = cmdopt_hint("failures");
		goto out;
	}
	/* the retry cost: from exports only (failures.h) */
	failures_want_retry(&co.o, waste, nwaste);
	ret = cmdopt_read(&co, &res);
	have_res = 1;
	if (ret != 0)
		goto out;
	cmdopt_grid_out(&co, &dst);
	ret = failures_write(&co.o, &res, by, waste, nwaste, co.price,
	    &dst) < 0 ? EXIT_FAILURE_OTHER : EXIT_OK;
out:
	free(pass);
	if (have_res)
		report_result_release(&res);
	for (i = 0; i < nwaste; i++)
		free(waste[i]);
	free(waste);
	cmdopt_release(&co);
	return ret;
}
