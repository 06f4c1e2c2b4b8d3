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
#include "date.h"
#include "failures.h"
#include "grid.h"
#include "db.h"
#include "out.h"
#include "report.h"
#include "util.h"

static const struct cmdopt_use failures_opts[] = {
	CMDOPT_HEADING("Options:"),
	CMDOPT_HELP(CO_WASTE_STATUSES, "the JOB_BUILD_STATUS values of "
	    "wasted runs (default " FAILURES_WASTE "; any case)"),
	CMDOPT(CO_SINCE), CMDOPT(CO_UNTIL), CMDOPT(CO_LAST),
	CMDOPT(CO_PROJECT), CMDOPT(CO_BRANCH),
	CMDOPT_HELP(CO_TOP, "keep the first N rows (the totals cover all)"),
	CMDOPT(CO_CSV_SAFE),
	CMDOPT_HELP(CO_FORMAT, "table (default on a terminal), csv "
	    "(default otherwise), json (rows, totals, meta), markdown"),
	CMDOPT(CO_DB), CMDOPT(CO_OUTPUT),
	CMDOPT_HELP(CO_CREDIT_PRICE, "price of one credit for "
	    "wasted_usd (default " CMDOPT_CREDIT_PRICE ")"),
	CMDOPT(CO_STRICT), CMDOPT(CO_KEEP_DUPLICATES), CMDOPT(CO_THREADS),
	CMDOPT(CO_HELP),
	CMDOPT_END
};

static const struct cmdopt_cmd failures_cmd = {
	.name = "failures",
	.usage =
"usage: circleci-usage failures [options] PATH...\n"
"       circleci-usage failures --db FILE [options]\n"
"\n"
"The cost of failing jobs: per project, workflow and job, the runs, the\n"
"wasted runs (whose status is in --waste-statuses), the failure rate, and\n"
"the credits the wasted runs spent, with their share of all credits and\n"
"their cost; most wasted credits first.  PATH is as for `report`.\n",
	.opts = failures_opts,
	.epilog =
"Columns: project, workflow, job, runs, wasted_runs, failure_rate_pct,\n"
"wasted_credits, wasted_share_pct (of all credits), wasted_usd.\n",
};

/* The JSON meta object of a run.  The caller frees it. */
static char *
failures_meta(const struct report_result *r, const char *waste)
{
	char d1[DATE_BUFSZ] = "", d2[DATE_BUFSZ] = "";
	struct sbuf sb;
	char *s;

	if (r->have_dates) {
		date_format_day(r->first_date, d1);
		date_format_day(r->last_date, d2);
	}
	sbuf_init(&sb, 1 << 20);
	sbuf_addf(&sb, "{\"files\": %llu, \"rows_read\": %llu, "
	    "\"rows_skipped\": %llu, \"rows_filtered\": %llu, "
	    "\"duplicates\": %llu, ",
	    (unsigned long long)r->files, (unsigned long long)r->rows_read,
	    (unsigned long long)r->rows_skipped,
	    (unsigned long long)r->rows_filtered,
	    (unsigned long long)r->duplicates);
	if (r->have_dates)
		sbuf_addf(&sb, "\"first_date\": \"%s\", "
		    "\"last_date\": \"%s\", ", d1, d2);
	else
		sbuf_addstr(&sb, "\"first_date\": null, \"last_date\": null, ");
	sbuf_addstr(&sb, "\"waste_statuses\": [");
	{
		const char *p = waste;

		for (;;) {
			const char *e = strchr(p, ',');
			size_t len = e ? (size_t)(e - p) : strlen(p);

			sbuf_addf(&sb, "%s\"%.*s\"", p == waste ? "" : ", ",
			    (int)len, p);
			if (e == NULL)
				break;
			p = e + 1;
		}
	}
	sbuf_addstr(&sb, "]}");
	s = xstrdup(sb.buf);
	sbuf_release(&sb);
	return s;
}

static int
cmd_failures_exec(int argc, char **argv)
{
	struct report_opts o;
	struct report_result res;
	struct inputs in;
	struct failures fl;
	struct grid rows, totals;
	struct out out;
	struct cmdopt co;
	struct cmdopt_value val;
	const char *waste_list = FAILURES_WASTE;
	char **waste = NULL, *meta, title[160];
	size_t nwaste = 0, i;
	int id, have_res = 0, ret;

	report_opts_init(&o);
	inputs_init(&in);
	cmdopt_init(&co, &failures_cmd, &o);
	while ((id = cmdopt_next(&co, argc, argv, &val)) > 0)
		if (id == CO_WASTE_STATUSES)
			waste_list = val.str;
	if (id < 0) {
		ret = co.status;
		goto out;
	}
	cmdopt_list(&waste, &nwaste, waste_list);
	if ((ret = cmdopt_finish(&co)) != 0 ||
	    (ret = cmdopt_inputs(&co, argc, argv, &in)) != 0)
		goto out;
	/* one pass, by (project, workflow, job, status); rolled up below */
	report_parse_by(&o, "job,status");
	ret = co.db != NULL ? db_report_path(co.db, &o, &res) :
	    report_run(&o, &in, &res);
	have_res = 1;
	if (ret != 0)
		goto out;
	ret = EXIT_FAILURE_OTHER;
	if (failures_build(&fl, &o, &res, waste, nwaste, co.price) < 0)
		goto out;
	failures_grid(&fl, (size_t)co.top, &rows, &totals);
	rows.csv_safe = totals.csv_safe = o.csv_safe;
	meta = failures_meta(&res, waste_list);
	snprintf(title, sizeof(title), "The cost of failing jobs: %llu of "
	    "%llu runs wasted", (unsigned long long)fl.totals.wasted_runs,
	    (unsigned long long)fl.totals.runs);
	if (out_open(&out, co.output) < 0) {
		ret = EXIT_FAILURE_OTHER;
	} else if (grid_write(&rows, &totals, title, meta, out.f,
	    co.fmt) < 0) {
		out_abort(&out);
		error("cannot write the failures");
	} else {
		ret = out_commit(&out) < 0 ? EXIT_FAILURE_OTHER : EXIT_OK;
	}
	free(meta);
	grid_release(&rows);
	grid_release(&totals);
	failures_release(&fl);
out:
	if (have_res)
		report_result_release(&res);
	for (i = 0; i < nwaste; i++)
		free(waste[i]);
	free(waste);
	inputs_release(&in);
	cmdopt_release(&co);
	report_opts_release(&o);
	return ret;
}

const struct cmd_entry cmd_failures_entry = {
	.name = "failures",
	.summary = "the cost of failing jobs: wasted runs and credits",
	.exec = cmd_failures_exec,
	.opts = &failures_cmd,
};
