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

/* The export columns the rows need, in struct focus_charge's order. */
enum { FC_ORG_ID, FC_ORG_NAME, FC_PROJECT_ID, FC_PROJECT_NAME, FC_CLASS,
	FC_JOB_ID, FC_WORKFLOW, FC_JOB, FC_BRANCH, FC_COUNT };

static const enum usage_col focus_row_cols[FC_COUNT] = {
	COL_ORGANIZATION_ID, COL_ORGANIZATION_NAME, COL_PROJECT_ID,
	COL_PROJECT_NAME, COL_RESOURCE_CLASS, COL_JOB_ID, COL_WORKFLOW_NAME,
	COL_JOB_NAME, COL_VCS_BRANCH,
};

/* A job run from the engine (report.h's row hook) into the writer. */
static int
focus_row(void *ctx, const struct report_row *row)
{
	struct focus_writer *w = ctx;
	struct focus_charge c;

	if (!row->have_day)
		return 0;	/* not reached: the day key needs one */
	c.org_id = row->text[FC_ORG_ID];
	c.org_id_len = row->len[FC_ORG_ID];
	c.org_name = row->text[FC_ORG_NAME];
	c.org_name_len = row->len[FC_ORG_NAME];
	c.project_id = row->text[FC_PROJECT_ID];
	c.project_id_len = row->len[FC_PROJECT_ID];
	c.project_name = row->text[FC_PROJECT_NAME];
	c.project_name_len = row->len[FC_PROJECT_NAME];
	c.resource_class = row->text[FC_CLASS];
	c.resource_class_len = row->len[FC_CLASS];
	c.job_id = row->text[FC_JOB_ID];
	c.job_id_len = row->len[FC_JOB_ID];
	c.workflow = row->text[FC_WORKFLOW];
	c.workflow_len = row->len[FC_WORKFLOW];
	c.job = row->text[FC_JOB];
	c.job_len = row->len[FC_JOB];
	c.branch = row->text[FC_BRANCH];
	c.branch_len = row->len[FC_BRANCH];
	c.day = row->day;
	c.credits = row->m->credits;
	return focus_writer_add(w, &c, row->file, row->line);
}

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
	/* a charge's period is its day: rows without one are unreadable */
	if (report_parse_by(co.ro, "day") < 0) {
		ret = cmdopt_hint("focus");
		goto out;
	}
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
	co.ro->row_fn = focus_row;
	co.ro->row_ctx = w;
	co.ro->row_cols = focus_row_cols;
	co.ro->nrow_cols = FC_COUNT;
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
