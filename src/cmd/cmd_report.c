/*
 * cmd_report.c: `circleci-usage report`, where the credits go: exact sums
 * of an export's job runs grouped by any keys, as a table, CSV, JSON or
 * markdown, or as a chart (PNG or SVG).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "chart.h"
#include "cmd.h"
#include "cmdopt.h"
#include "date.h"
#include "failures.h"
#include "budget.h"
#include "budgetcalc.h"
#include "mjudge.h"
#include "mreport.h"
#include "out.h"
#include "report.h"
#include "util.h"
#include "view.h"

const struct cmdopt_cmd report_cmd = {
	.name = "report",
	.summary = "sum exports' credits by project, job, day, ... (exact)",
	.usage =
"usage: circleci-usage report [options] PATH...\n"
"       circleci-usage report --db FILE [options]\n"
"\n"
"Sum the job runs of Usage API exports, grouped by any keys.  PATH is an\n"
"export part (gzip or plain CSV), a directory (every *.csv.gz and *.csv\n"
"below it, or the files its manifest.json lists), or - for stdin.\n",
	.opts = (const struct cmdopt_use[]){
		CMDOPT_HEADING("Grouping and filters:"),
		CMDOPT(CO_BY), CMDOPT(CO_TEAMS), CMDOPT(CO_NAMES),
		CMDOPT_FILTERS,
		CMDOPT_HEADING("Output:"),
		CMDOPT(CO_SORT), CMDOPT(CO_TOP), CMDOPT(CO_CSV_SAFE),
		CMDOPT_HELP(CO_FORMAT, "table (default on a terminal), csv "
		    "(default otherwise), json, markdown; png or svg: a "
		    "chart; openmetrics: Prometheus metrics (-o FILE.prom "
		    "too)"),
		CMDOPT(CO_OUTPUT), CMDOPT(CO_CREDIT_PRICE),
		CMDOPT_HELP(CO_BUDGETS, "with openmetrics: each budget of "
		    "FILE (YAML) too, as `budget --at` the day after the "
		    "period's last"),
		CMDOPT_HEADING("Charts (--format png or svg):"),
		CMDOPT(CO_WIDTH), CMDOPT(CO_HEIGHT),
		CMDOPT_HELP(CO_TITLE, "the chart's title (default: the metric "
		    "and the keys)"),
		CMDOPT_HEADING("Input:"),
		CMDOPT_INPUT, CMDOPT(CO_DB), CMDOPT_END
	},
	.epilog =
"A chart with a time key in --by (day, week, month) stacks the top groups\n"
"of the other keys (or projects) per period, --top 8 by default; any other\n"
"keys give one bar per group, largest first, --top 15 by default.  The\n"
"drawn metric is the --sort metric (default total_credits).\n"
"\n"
"Metrics: jobs, run_seconds, compute_credits, dlc_credits, user_credits,\n"
"storage_credits, network_credits, lease_credits, lease_overage_credits,\n"
"ipranges_credits, total_credits, cost_usd, share_pct.\n"
"\n"
"--format openmetrics writes the groups' sums as gauges in the OpenMetrics\n"
"text format, labelled by the --by keys, with the credits of failing jobs\n"
"(" FAILURES_WASTE ") and the period: a file\n"
"for node_exporter's textfile collector, or promtool (doc/metrics.md).\n"
"With --budgets, each budget's spend, projection and status; with --db,\n"
"the projects' anomalies of the period's last 7 days.\n",
	.flags = CMDOPT_CHARTS | CMDOPT_METRICS,
};

/*
 * A chart needs one time key at most; with a time key alone it stacks
 * projects, so the engine groups by project too.
 */
static int
chart_keys(struct report_opts *o)
{
	size_t i, ntime = 0;
	int ret;
	char *by;

	for (i = 0; i < o->nkeys; i++)
		if (key_is_time(o->keys[i].kind))
			ntime++;
	if (ntime > 1)
		return cmdopt_usage("report", "--by: a chart takes one time "
		    "key (day, week or month) at most");
	if (ntime == 0 || o->nkeys > 1)
		return 0;
	by = xasprintf("project,%s", o->keys[0].name);
	ret = report_parse_by(o, by);
	free(by);
	return ret < 0 ? cmdopt_hint("report") : 0;
}

/* The sort: a metric, or a --by key's column.  Returns 0, or EXIT_USAGE. */
static int
report_sort(const struct report_opts *o, const char *sort, int *metric,
    int *key)
{
	size_t k;

	*metric = VM_CREDITS + CR_TOTAL;
	*key = -1;
	if (sort == NULL)
		return 0;
	*metric = view_metric_find(sort);
	for (k = 0; *metric < 0 && k < o->nkeys; k++)
		if (strcmp(sort, o->keys[k].name) == 0)
			*key = (int)k;
	if (*metric < 0 && *key < 0)
		return cmdopt_usage("report", "--sort: expected a metric (such "
		    "as total_credits, cost_usd, jobs) or a --by key, got "
		    "'%.100s'", sort);
	return 0;
}

/* Write the view as the chart or the text format asked for. */
static int
report_write(struct cmdopt *co, struct view *v, const struct chart_opts *co2,
    int width, int height)
{
	struct out out;

	if (co->chart != CMDOPT_NO_CHART)
		return chart_write_file(v, co2, co->chart == CMDOPT_SVG, width,
		    height, co->output);
	return out_open(&out, co->output) < 0 || out_close(&out,
	    view_write(v, out.f, co->fmt) < 0) < 0 ? EXIT_FAILURE_OTHER :
	    EXIT_OK;
}

/*
 * The budgets file at path, checked against --teams and --credit-price
 * before anything is read.  NULL after the error.
 */
static struct budgets *
report_budgets(const struct cmdopt *co, const char *path)
{
	struct budget_calc check;
	struct budgets *bs = budgets_load(path);
	int ok;

	if (bs == NULL)
		return NULL;
	/* usd amounts and team scopes, whatever the day */
	ok = budget_calc_init(&check, bs, co->teams, co->price, 0, 1) == 0;
	budget_calc_release(&check);
	if (!ok) {
		budgets_free(bs);
		return NULL;
	}
	return bs;
}

/*
 * --format openmetrics: the report by the --by keys and, for the failing
 * jobs' credits, by the keys and status, as metrics (mreport.h).
 */
static int
report_metrics(struct cmdopt *co, int argc, char **argv, const char *sort,
    const char *budgets)
{
	struct report_result res;
	struct report_opts vo;
	struct budgets *bs = NULL;
	struct mjudge_src js;
	struct mset m;
	struct out out;
	char **waste = NULL;
	size_t nwaste = 0;
	int32_t last;
	int ret, sort_metric, sort_key, have_res = 0;

	report_opts_init(&vo);
	mset_init(&m);
	if (budgets != NULL && (bs = report_budgets(co, budgets)) == NULL) {
		ret = cmdopt_hint("report");
		goto out;
	}
	if (mreport_sets(co->ro, co->by != NULL ? co->by : "project") < 0) {
		ret = cmdopt_hint("report");
		goto out;
	}
	report_set_opts(co->ro, 0, &vo);
	co->ro->want_orgs = 1;	/* the info metric's org */
	if ((ret = report_sort(&vo, sort, &sort_metric, &sort_key)) != 0 ||
	    (ret = cmdopt_inputs(co, argc, argv, &co->in)) != 0)
		goto out;
	ret = cmdopt_read(co, &res);
	have_res = 1;
	if (ret != 0)
		goto out;
	cmdopt_list(&waste, &nwaste, FAILURES_WASTE);
	mset_release(&m);
	if ((ret = mreport_build(&m, co->ro, &res, &co->in, sort_metric,
	    sort_key, (size_t)co->top, co->price, waste, nwaste, &last)) != 0)
		goto out;
	memset(&js, 0, sizeof(js));
	js.bs = bs;
	js.teams = co->teams;
	js.price = co->price;
	js.db = co->db;
	js.in = &co->in;
	js.base = co->ro;
	if (last != MREPORT_NO_DAY && (ret = mjudge_read(&m, &js, last)) != 0)
		goto out;
	ret = out_open(&out, co->output) < 0 || out_close(&out,
	    mset_write(&m, out.f) < 0) < 0 ? EXIT_FAILURE_OTHER : EXIT_OK;
out:
	mset_release(&m);
	strv_free(waste, nwaste);
	if (have_res)
		report_result_release(&res);
	report_opts_release(&vo);
	budgets_free(bs);
	return ret;
}

int
cmd_report(int argc, char **argv)
{
	struct report_result res;
	struct view v;
	struct cmdopt co;
	struct cmdopt_value val;
	struct chart_opts chart;
	int sort_metric, sort_key, chart_only = 0, id, have_res = 0;
	const char *sort = NULL, *title = NULL, *budgets = NULL;
	unsigned long long width = CHART_WIDTH, height = CHART_HEIGHT;
	size_t view_top;
	char *org;
	int ret = EXIT_USAGE;

	cmdopt_init(&co, &report_cmd, NULL);
	report_parse_by(&co.o, "project");
	while ((id = cmdopt_next(&co, argc, argv, &val)) > 0) {
		switch (id) {
		case CO_SORT:
			sort = val.str;
			break;
		case CO_WIDTH:
			width = val.num;
			chart_only = 1;
			break;
		case CO_HEIGHT:
			height = val.num;
			chart_only = 1;
			break;
		case CO_TITLE:
			title = val.str;
			chart_only = 1;
			break;
		case CO_BUDGETS:
			budgets = val.str;
			break;
		}
	}
	if (id < 0) {
		ret = co.status;
		goto out;
	}
	ret = EXIT_USAGE;
	if (co.metrics) {
		if (chart_only) {
			cmdopt_usage("report", "--width, --height and --title "
			    "are for charts, not openmetrics");
			goto out;
		}
		ret = report_metrics(&co, argc, argv, sort, budgets);
		goto out;
	}
	if (budgets != NULL) {
		cmdopt_usage("report", "--budgets is for --format openmetrics "
		    "(see `budget` for the budgets themselves)");
		goto out;
	}
	if (chart_only && co.chart == CMDOPT_NO_CHART) {
		cmdopt_usage("report", "--width, --height and --title are for "
		    "charts: give --format png or svg");
		goto out;
	}
	if (co.chart == CMDOPT_PNG && (co.output == NULL ||
	    strcmp(co.output, "-") == 0) && isatty(STDOUT_FILENO)) {
		cmdopt_usage("report", "--format png: will not write a binary "
		    "image to a terminal; give -o FILE or redirect the output");
		goto out;
	}
	if (co.chart != CMDOPT_NO_CHART && chart_keys(&co.o) != 0)
		goto out;
	co.o.want_orgs = co.chart != CMDOPT_NO_CHART;	/* for the subtitle */
	if (report_sort(&co.o, sort, &sort_metric, &sort_key) != 0 ||
	    (ret = cmdopt_inputs(&co, argc, argv, &co.in)) != 0)
		goto out;
	ret = cmdopt_read(&co, &res);
	have_res = 1;
	if (ret != 0)
		goto out;
	/* a time chart folds groups itself: a folded row has no period */
	view_top = (size_t)co.top;
	if (co.chart != CMDOPT_NO_CHART && chart_time_key(&co.o) >= 0)
		view_top = 0;
	else if (co.chart != CMDOPT_NO_CHART && co.top == 0)
		view_top = CHART_TOP_BARS;
	if (view_check(&res, co.price) < 0) {
		ret = EXIT_BAD_INPUT;
		goto out;
	}
	view_build(&v, &co.o, &res, sort_metric, sort_key, view_top, co.price);
	org = co.chart != CMDOPT_NO_CHART ? report_org_label(&res,
	    co.in.org_id) : NULL;
	memset(&chart, 0, sizeof(chart));
	chart_set_span(&chart, &co.in, &co.o, &res);
	chart.top = (size_t)co.top;
	chart.title = title;
	chart.org = org;
	ret = report_write(&co, &v, &chart, (int)width, (int)height);
	free(org);
	view_release(&v);
out:
	if (have_res)
		report_result_release(&res);
	cmdopt_release(&co);
	return ret;
}
