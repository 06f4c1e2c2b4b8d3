/*
 * cmd_chargeback.c: `circleci-usage chargeback --teams FILE PATH...`,
 * what each team's projects spent, for billing: report's metrics per team,
 * how many projects each has, and the shared costs (job runs without a
 * project) spread across the teams so that the totals stay report's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chargeback.h"
#include "cmd.h"
#include "cmdopt.h"
#include "out.h"
#include "report.h"
#include "util.h"
#include "view.h"

const struct cmdopt_cmd chargeback_cmd = {
	.name = "chargeback",
	.summary = "credits per team, shared costs spread exactly",
	.usage =
"usage: circleci-usage chargeback --teams FILE [options] PATH...\n"
"       circleci-usage chargeback --teams FILE --db FILE [options]\n"
"\n"
"Credits per team, for billing: per team, report's metrics (jobs, run\n"
"seconds, credits by kind, cost_usd, share_pct) and projects, how many\n"
"projects it has.  The teams file (YAML) maps projects to teams; projects\n"
"no team matches are (unassigned).  Job runs without a PROJECT_NAME are\n"
"shared costs, spread across the teams in hundredths of a credit that add\n"
"up exactly; the totals are report's.\n",
	.opts = (const struct cmdopt_use[]){
		CMDOPT_HELP(CO_TEAMS, "the teams file (YAML) that maps "
		    "projects to teams (default $CIRCLECI_USAGE_TEAMS)"),
		CMDOPT(CO_SHARED_COSTS), CMDOPT_FILTERS,
		CMDOPT_HEADING("Output:"),
		CMDOPT(CO_CSV_SAFE), CMDOPT(CO_FORMAT), CMDOPT(CO_DB),
		CMDOPT(CO_OUTPUT), CMDOPT(CO_CREDIT_PRICE),
		CMDOPT_HEADING("Input:"),
		CMDOPT_INPUT, CMDOPT_END
	},
};

int
cmd_chargeback(int argc, char **argv)
{
	struct report_opts to;
	struct report_result res, out_res;
	struct chargeback cb;
	struct view v;
	struct out out;
	struct cmdopt co;
	struct cmdopt_value val;
	enum chargeback_mode mode = CB_PROPORTIONAL;
	int id, have_res = 0, ret;

	cmdopt_init(&co, &chargeback_cmd, NULL);
	while ((id = cmdopt_next(&co, argc, argv, &val)) > 0) {
		if (id == CO_SHARED_COSTS &&
		    chargeback_mode_parse(val.str, &mode) < 0) {
			co.status = cmdopt_usage("chargeback",
			    "--shared-costs: expected proportional, even or "
			    "none, got '%.100s'", val.str);
			id = -1;
			break;
		}
	}
	if (id < 0) {
		ret = co.status;
		goto out;
	}
	if (co.teams == NULL) {
		ret = cmdopt_usage("chargeback", "no teams file: give --teams "
		    "FILE or set CIRCLECI_USAGE_TEAMS");
		goto out;
	}
	if ((ret = cmdopt_inputs(&co, argc, argv, &co.in)) != 0)
		goto out;
	report_parse_by(&co.o, "team,project");
	ret = cmdopt_read(&co, &res);
	have_res = 1;
	if (ret == 0 && view_check(&res, co.price) < 0)
		ret = EXIT_BAD_INPUT;
	if (ret != 0)
		goto out;
	chargeback_build(&cb, &co.o, &res, mode);
	chargeback_result(&cb, &res, &to, &out_res);
	to.csv_safe = co.o.csv_safe;
	chargeback_view(&cb, &v, &to, &out_res, co.price);
	ret = out_open(&out, co.output) < 0 || out_close(&out,
	    view_write(&v, out.f, co.fmt) < 0) < 0 ? EXIT_FAILURE_OTHER :
	    EXIT_OK;
	view_release(&v);
	report_result_release(&out_res);
	report_opts_release(&to);
	chargeback_release(&cb);
out:
	if (have_res)
		report_result_release(&res);
	cmdopt_release(&co);
	return ret;
}
