/*
 * cmd_focus.c: `circleci-usage focus`, the usage as a FOCUS 1.2 dataset
 * (focus.h) for FinOps platforms: one CSV row per charge, a job run's or a
 * day's credits of one kind, costed at --credit-price.  The rows stream
 * from the report engine's row hook, so the job grain holds no more than
 * one job run at a time.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "cmdopt.h"
#include "focus.h"
#include "out.h"
#include "report.h"
#include "util.h"

const struct cmdopt_cmd focus_cmd = {
	.name = "focus",
	.summary = "the usage as a FOCUS 1.2 dataset for FinOps platforms",
	.usage =
"usage: circleci-usage focus [options] PATH...\n"
"       circleci-usage focus --db FILE [options]\n"
"\n"
"The usage as a FOCUS dataset (the FinOps Foundation's FinOps Open Cost\n"
"and Usage Specification, version 1.2), in CSV: one row per charge, the\n"
"credits of one kind (compute, dlc, user, storage, network, lease,\n"
"lease_overage, ipranges; other for what TOTAL_CREDITS holds beyond\n"
"them) of a job run, or with --grain day of a project, resource class and\n"
"day.  Costs are the credits times --credit-price, in USD, exact.  The\n"
"job runs counted are those of `report` (filters, duplicates, range), so\n"
"BilledCost adds up to report's cost.  PATH is as for `report`.\n",
	.opts = (const struct cmdopt_use[]){
		CMDOPT_HEADING("Options:"),
		CMDOPT(CO_GRAIN),
		CMDOPT_HELP(CO_TEAMS, "the teams file (YAML): each charge's "
		    "team tag, from its project (default "
		    "$CIRCLECI_USAGE_TEAMS)"),
		CMDOPT_FILTERS,
		CMDOPT(CO_DB),
		CMDOPT_HELP(CO_OUTPUT, "write the dataset to FILE (atomically) "
		    "instead of stdout"),
		CMDOPT_HELP(CO_CREDIT_PRICE, "price of one credit in USD: "
		    "ListUnitPrice, and the costs (default "
		    CMDOPT_CREDIT_PRICE ")"),
		CMDOPT_INPUT, CMDOPT_END
	},
	.epilog =
"Columns: BilledCost ... Tags (FOCUS 1.2, alphabetical), then x_CreditKind,\n"
"x_JobId, x_ResourceClass; doc/focus.md gives each one's source.  With\n"
"--db, SubAccountId is the project's name and BillingAccountId the\n"
"organization's (history keeps no IDs).\n",
};

int
cmd_focus(int argc, char **argv)
{
	struct report_result res;
	struct cmdopt co;
	struct cmdopt_value val;
	struct focus_opts fo;
	struct focus_writer *w = NULL;
	struct out out;
	int id, have_res = 0, ret;

	memset(&fo, 0, sizeof(fo));
	fo.grain = FOCUS_GRAIN_JOB;
	cmdopt_init(&co, &focus_cmd, NULL);
	while ((id = cmdopt_next(&co, argc, argv, &val)) > 0) {
		if (id != CO_GRAIN)
			continue;
		if (strcmp(val.str, "job") == 0) {
			fo.grain = FOCUS_GRAIN_JOB;
		} else if (strcmp(val.str, "day") == 0) {
			fo.grain = FOCUS_GRAIN_DAY;
		} else {
			co.status = cmdopt_usage("focus", "--grain: expected "
			    "job or day, not '%s'", val.str);
			id = -1;
			break;
		}
	}
	if (id < 0) {
		ret = co.status;
		goto out;
	}
	if ((ret = cmdopt_inputs(&co, argc, argv, &co.in)) != 0)
		goto out;
	fo.price = co.price;
	fo.price_text = co.price_text;
	fo.teams = co.teams;
	fo.org_id = co.in.org_id;
	if (out_open(&out, co.output) < 0) {
		ret = EXIT_FAILURE_OTHER;
		goto out;
	}
	w = focus_writer_new(out.f, &fo);
	focus_writer_header(w);
	if (focus_report_opts(co.ro, w) < 0) {
		out_abort(&out);
		ret = EXIT_FAILURE_OTHER;
		goto out;
	}
	ret = cmdopt_read(&co, &res);
	have_res = 1;
	if (ret == 0)
		ret = focus_writer_finish(w);
	if (ret != 0) {
		out_abort(&out);
		goto out;
	}
	ret = out_close(&out, ferror(out.f)) < 0 ? EXIT_FAILURE_OTHER :
	    EXIT_OK;
out:
	focus_writer_free(w);
	if (have_res)
		report_result_release(&res);
	cmdopt_release(&co);
	return ret;
}
