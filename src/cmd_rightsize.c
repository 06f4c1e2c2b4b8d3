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
#include "date.h"
#include "grid.h"
#include "out.h"
#include "rates.h"
#include "report.h"
#include "rightsize.h"
#include "util.h"

static const struct cmdopt_use rightsize_opts[] = {
	CMDOPT_HEADING("Options:"),
	CMDOPT(CO_MIN_RUNS), CMDOPT(CO_OVER_BELOW), CMDOPT(CO_UNDER_FROM),
	CMDOPT(CO_UNDER), CMDOPT(CO_OVER),	/* old names, with a warning */
	CMDOPT(CO_RATES), CMDOPT(CO_SINCE), CMDOPT(CO_UNTIL), CMDOPT(CO_LAST),
	CMDOPT(CO_PROJECT), CMDOPT(CO_BRANCH),
	CMDOPT_HELP(CO_TOP, "keep the first N rows"), CMDOPT(CO_CSV_SAFE),
	CMDOPT_HELP(CO_FORMAT, "table (default on a terminal), csv "
	    "(default otherwise), json (rows, meta), markdown"),
	CMDOPT(CO_OUTPUT),
	CMDOPT_HELP(CO_QUIET, "no note of the runs without utilization data"),
	CMDOPT(CO_STRICT), CMDOPT(CO_KEEP_DUPLICATES), CMDOPT(CO_THREADS),
	CMDOPT(CO_HELP),
	CMDOPT_END
};

static const struct cmdopt_cmd rightsize_cmd = {
	.name = "rightsize",
	.usage =
"usage: circleci-usage rightsize [options] PATH...\n"
"\n"
"Per project, workflow, job, resource class and executor with at least\n"
"--min-runs runs: the median over runs of MEDIAN_CPU, MAX_CPU, MEDIAN_RAM\n"
"and MAX_RAM utilization (the lower median), and a verdict: `over`\n"
"(over-provisioned) when the medians of MAX_CPU and MAX_RAM are both\n"
"below --over-below percent, with the next smaller class of the same\n"
"executor and family and the credits it would save per 30 days; `under`\n"
"when either is at least --under-from percent; else `ok`.  Runs without\n"
"utilization data are left out and counted.  PATH is as for `report`.\n",
	.opts = rightsize_opts,
	.epilog =
"Savings: the group's billed minutes (its compute credits over the\n"
"class's rate) times the difference of the two rates, per 30 days of the\n"
"span from the first to the last date counted.\n",
};

/* The JSON meta object.  The caller frees it. */
static char *
rightsize_meta(const struct report_result *r, const struct rightsize *rs,
    const struct rightsize_opts *ro, const char *rates_path)
{
	char d1[DATE_BUFSZ], d2[DATE_BUFSZ], u[DEC_BUFSZ], o[DEC_BUFSZ];
	struct sbuf sb;
	char *s;

	sbuf_init(&sb, 1 << 20);
	dec_format(ro->under, u);
	dec_format(ro->over, o);
	sbuf_addf(&sb, "{\"files\": %llu, \"rows_read\": %llu, "
	    "\"rows_skipped\": %llu, \"duplicates\": %llu, "
	    "\"runs_without_utilization\": %llu, "
	    "\"groups_below_min_runs\": %llu, \"bad_values\": %llu, "
	    "\"min_runs\": %llu, \"under_pct\": %s, \"over_pct\": %s, "
	    "\"span_days\": %ld, ",
	    (unsigned long long)r->files, (unsigned long long)r->rows_read,
	    (unsigned long long)r->rows_skipped,
	    (unsigned long long)r->duplicates,
	    (unsigned long long)rs->runs_without_util,
	    (unsigned long long)rs->groups_below_min,
	    (unsigned long long)rs->bad_values,
	    (unsigned long long)ro->min_runs, u, o, rs->span_days);
	if (r->have_dates) {
		date_format_day(r->first_date, d1);
		date_format_day(r->last_date, d2);
		sbuf_addf(&sb, "\"first_date\": \"%s\", "
		    "\"last_date\": \"%s\", ", d1, d2);
	} else {
		sbuf_addstr(&sb, "\"first_date\": null, \"last_date\": null, ");
	}
	sbuf_addstr(&sb, "\"rates\": ");
	if (rates_path == NULL) {
		sbuf_addstr(&sb, "null}");
	} else {
		/* through json_write_string, to a memory stream */
		char *buf = NULL;
		size_t len = 0;
		FILE *m = open_memstream(&buf, &len);

		if (m != NULL) {
			json_write_string(m, rates_path, strlen(rates_path));
			fclose(m);
			sbuf_add(&sb, buf, len);
		} else {
			sbuf_addstr(&sb, "null");
		}
		free(buf);
		sbuf_addch(&sb, '}');
	}
	s = xstrdup(sb.buf);
	sbuf_release(&sb);
	return s;
}

static int
cmd_rightsize_exec(int argc, char **argv)
{
	struct report_opts o;
	struct report_result res;
	struct inputs in;
	struct rates rates;
	struct rightsize rs;
	struct rightsize_opts ro;
	struct grid g;
	struct out out;
	struct cmdopt co;
	struct cmdopt_value val;
	const char *rates_path = NULL;
	unsigned long long min_runs = 10;
	char *meta, title[200], err[512];
	int id, have_res = 0, quiet = 0, ret;

	report_opts_init(&o);
	inputs_init(&in);
	rates_init(&rates);
	memset(&ro, 0, sizeof(ro));
	ro.under = 40 * DEC_ONE;
	ro.over = 90 * DEC_ONE;
	cmdopt_init(&co, &rightsize_cmd, &o);
	while ((id = cmdopt_next(&co, argc, argv, &val)) > 0) {
		switch (id) {
		case CO_QUIET:
			quiet = 1;
			break;
		case CO_MIN_RUNS:
			min_runs = val.num;
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
	if ((ret = cmdopt_finish(&co)) != 0 ||
	    (ret = cmdopt_inputs(&co, argc, argv, &in)) != 0)
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
	ro.rates = &rates;
	ro.min_runs = min_runs;
	rightsize_report_opts(&o);
	ret = report_run(&o, &in, &res);
	have_res = 1;
	if (ret != 0)
		goto out;
	if (rightsize_build(&rs, &o, &res, &ro) < 0) {
		ret = EXIT_FAILURE_OTHER;
		goto out;
	}
	if (rs.runs_without_util > 0 && !quiet)
		fprintf(stderr, "%s: rightsize: %llu job run%s without "
		    "utilization data left out\n", PROGRAM_NAME,
		    (unsigned long long)rs.runs_without_util,
		    rs.runs_without_util == 1 ? "" : "s");
	if (rs.bad_values > 0)
		warning("rightsize: %llu utilization value%s not a number "
		    "of at least 0, taken as no data",
		    (unsigned long long)rs.bad_values,
		    rs.bad_values == 1 ? " is" : "s are");
	rightsize_grid(&rs, (size_t)co.top, &g);
	g.csv_safe = o.csv_safe;
	meta = rightsize_meta(&res, &rs, &ro, rates_path);
	snprintf(title, sizeof(title), "Rightsizing: %zu groups with at least "
	    "%llu runs; %llu runs without utilization left out", rs.n,
	    min_runs, (unsigned long long)rs.runs_without_util);
	ret = EXIT_FAILURE_OTHER;
	if (out_open(&out, co.output) < 0) {
		ret = EXIT_FAILURE_OTHER;
	} else if (grid_write(&g, NULL, title, meta, out.f, co.fmt) < 0) {
		out_abort(&out);
		error("cannot write the rightsizing");
	} else {
		ret = out_commit(&out) < 0 ? EXIT_FAILURE_OTHER : EXIT_OK;
	}
	free(meta);
	grid_release(&g);
	rightsize_release(&rs);
out:
	if (have_res)
		report_result_release(&res);
	rates_release(&rates);
	inputs_release(&in);
	cmdopt_release(&co);
	report_opts_release(&o);
	return ret;
}

const struct cmd_entry cmd_rightsize_entry = {
	.name = "rightsize",
	.summary = "resource classes too big or too small, and the savings",
	.exec = cmd_rightsize_exec,
	.opts = &rightsize_cmd,
};
