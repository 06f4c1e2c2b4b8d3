/*
 * cmd_anomalies.c: `circleci-usage anomalies`, the days whose credits lie
 * far above a group's own same-weekday baseline, and the groups that are
 * new or stopped (anomaly.h), from one read of the exports or --db.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "anomaly.h"
#include "cmd.h"
#include "cmdopt.h"
#include "grid.h"
#include "range.h"
#include "report.h"
#include "util.h"

const struct cmdopt_cmd anomalies_cmd = {
	.name = "anomalies",
	.summary = "days whose credits lie far above a group's baseline",
	.usage =
"usage: circleci-usage anomalies [options] PATH...\n"
"       circleci-usage anomalies --db FILE [options]\n"
"\n"
"Per group (project, or the keys of --by) and day of the --days days\n"
"before --at, the days whose credits lie far above the group's own\n"
"baseline: the median of its credits on the same weekday in the --weeks\n"
"weeks before (a day without runs counts as 0 once the group exists).\n"
"A spike's score, (credits - baseline) / spread, reaches --threshold and\n"
"its excess --min-excess credits; the spread is the median absolute\n"
"deviation times 1.4826, at least 10% of the baseline and 1 credit.  Also\n"
"new groups (no credits before, at least --min-excess on the day) and\n"
"stopped ones (a baseline of at least --min-excess, nothing on every day\n"
"examined).  Largest excess first.  PATH is as for `report`.\n",
	.opts = (const struct cmdopt_use[]){
		CMDOPT_HEADING("Options:"),
		CMDOPT_HELP(CO_BY, "group by these keys, as report's but no "
		    "day, week or month (default project)"),
		CMDOPT(CO_TEAMS),
		CMDOPT(CO_DAYS), CMDOPT(CO_AT), CMDOPT(CO_WEEKS),
		CMDOPT(CO_THRESHOLD), CMDOPT(CO_MIN_EXCESS),
		CMDOPT(CO_PROJECT), CMDOPT(CO_BRANCH), CMDOPT(CO_STATUS),
		CMDOPT_HELP(CO_TOP, "keep the first N rows"),
		CMDOPT(CO_CSV_SAFE),
		CMDOPT_HELP(CO_FORMAT, "table (default on a terminal), csv "
		    "(default otherwise), json (rows, meta), markdown"),
		CMDOPT(CO_DB), CMDOPT(CO_OUTPUT),
		CMDOPT_HELP(CO_CREDIT_PRICE, "price of one credit for "
		    "excess_usd (default " CMDOPT_CREDIT_PRICE ")"),
		CMDOPT_INPUT, CMDOPT_END
	},
	.epilog =
"Columns: day, the keys, kind (spike, new, stopped), credits, baseline,\n"
"excess_credits, excess_usd, score, samples (the same-weekday days the\n"
"baseline had), contributor and contributor_excess_credits: the next key\n"
"down (project: workflow; workflow: job) whose credits grew most against\n"
"its own baseline that day.  A stopped group's row is on the first day\n"
"examined; its excess is minus the baselines of the days examined.\n"
"Details and the evidence for the defaults: doc/anomalies.md.\n",
};

int
cmd_anomalies(int argc, char **argv)
{
	struct report_result res;
	struct report_opts byo;
	struct anomaly_run run;
	struct grid_out dst;
	struct cmdopt co;
	struct cmdopt_value val;
	const char *by;
	unsigned long long days = ANOMALY_DAYS, weeks = ANOMALY_WEEKS;
	int32_t at = 0;
	int id, have_at = 0, have_res = 0, ret;
	size_t k;

	memset(&run, 0, sizeof(run));
	anomaly_params_default(&run.p);
	report_opts_init(&byo);
	cmdopt_init(&co, &anomalies_cmd, NULL);
	while ((id = cmdopt_next(&co, argc, argv, &val)) > 0) {
		if (id == CO_DAYS)
			days = val.num;
		else if (id == CO_AT) {	/* as of that day: up to the one before */
			at = val.day - 1;
			have_at = 1;
		} else if (id == CO_WEEKS)
			weeks = val.num;
		else if (id == CO_THRESHOLD)
			run.p.threshold = (double)val.dec / (double)DEC_ONE;
		else if (id == CO_MIN_EXCESS)
			run.p.min_excess = val.dec;
	}
	if (id < 0) {
		ret = co.status;
		goto out;
	}
	if (weeks > 52) {
		ret = cmdopt_usage("anomalies", "--weeks: expected at most 52");
		goto out;
	}
	if (days > 3660) {
		ret = cmdopt_usage("anomalies", "--days: expected at most "
		    "3660");
		goto out;
	}
	run.p.weeks = (size_t)weeks;
	by = co.by != NULL ? co.by : "project";
	if (report_parse_by(&byo, by) < 0) {
		ret = cmdopt_hint("anomalies");
		goto out;
	}
	for (k = 0; k < byo.nkeys; k++)
		if (key_is_time(byo.keys[k].kind)) {
			ret = cmdopt_usage("anomalies", "--by: '%s' is not a "
			    "group: anomalies are per day already",
			    byo.keys[k].name);
			goto out;
		}
	if ((ret = cmdopt_inputs(&co, argc, argv, &co.in)) != 0)
		goto out;
	if (!have_at)		/* the last complete UTC day before now */
		at = (int32_t)(range_now_ms() / 86400000) - 1;
	if (anomaly_sets(&run, co.ro, by, &byo, at, (size_t)days) < 0) {
		ret = cmdopt_hint("anomalies");
		goto out;
	}
	ret = cmdopt_read(&co, &res);
	have_res = 1;
	if (ret != 0)
		goto out;
	run.src = &res;
	run.price = co.price;
	cmdopt_grid_out(&co, &dst);
	dst.top = (size_t)co.top;
	ret = anomaly_write(&run, &dst) < 0 ? EXIT_FAILURE_OTHER : EXIT_OK;
out:
	if (have_res)
		report_result_release(&res);
	report_opts_release(&byo);
	cmdopt_release(&co);
	return ret;
}
