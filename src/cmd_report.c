/*
 * cmd_report.c: `circleci-usage report`, where the credits go: exact sums
 * of an export's job runs grouped by any keys, as a table, CSV, JSON or
 * markdown, or as a chart (PNG or SVG).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "chart.h"
#include "cmd.h"
#include "cmdopt.h"
#include "date.h"
#include "db.h"
#include "out.h"
#include "report.h"
#include "util.h"
#include "view.h"

static const char report_usage[] =
"usage: circleci-usage report [options] PATH...\n"
"\n"
"Sum the job runs of Usage API exports, grouped by any keys.  PATH is an\n"
"export part (gzip or plain CSV), a directory (every *.csv.gz and *.csv\n"
"below it, or the files its manifest.json lists), or - for stdin.\n"
"\n"
"Grouping and filters:\n"
"  --by KEY[,KEY...]     group by: project (default), workflow, job, branch,\n"
"                        resource_class, executor, os, status, org, trigger,\n"
"                        user, day, week, month; team with --teams\n"
"  --teams FILE          the teams file (YAML) that maps projects to teams\n"
"                        (default $CIRCLECI_USAGE_TEAMS)\n"
"  --since DATE          only job runs on or after DATE (YYYY-MM-DD)\n"
"  --until DATE          only job runs on or before DATE\n"
"  --project GLOB        only projects matching GLOB (repeatable)\n"
"  --branch GLOB         only branches matching GLOB (repeatable)\n"
"  --status LIST         only these JOB_BUILD_STATUS values (repeatable),\n"
"                        e.g. --status failed,canceled\n"
"\n"
"Output:\n"
"  --sort METRIC         sort by a metric, largest first (default\n"
"                        total_credits), or by a key column, ascending\n"
"  --top N               keep the first N groups, fold the rest into (other)\n"
"  --csv-safe            in CSV, prefix text that starts with = + - @\n"
"                        (a formula to a spreadsheet) with '\n"
"  --format FMT          table (default on a terminal), csv (default\n"
"                        otherwise), json, markdown; png or svg: a chart\n"
"  -o, --output FILE     write to FILE (atomically) instead of stdout;\n"
"                        the format follows its extension when not given\n"
"  --credit-price USD    price of one credit for cost_usd (default 0.0006)\n"
"\n"
"Charts (--format png or svg):\n"
"  --width PIXELS        the chart's width (default 1200, 240 to 8192)\n"
"  --height PIXELS       the chart's height (default 700, 240 to 8192)\n"
"  --title TEXT          the title (default: the metric and the keys)\n"
"  A time key in --by (day, week, month) stacks the top groups of the\n"
"  other keys (or projects) per period, --top 8 by default; any other\n"
"  keys give one bar per group, largest first, --top 15 by default.  The\n"
"  drawn metric is the --sort metric (default total_credits).\n"
"\n"
"Input:\n"
"  --strict              a bad row or value is an error, not a warning\n"
"  --keep-duplicates     count every row, even a job run seen before\n"
"  --threads N           reader threads (default: one per core)\n"
"  --db FILE             answer from history (see ingest) instead of PATHs;\n"
"                        FILE may be - for the default database\n"
"  -h, --help            show this help\n"
"\n"
"Metrics: jobs, run_seconds, compute_credits, dlc_credits, user_credits,\n"
"storage_credits, network_credits, lease_credits, lease_overage_credits,\n"
"ipranges_credits, total_credits, cost_usd, share_pct.\n";

enum {
	OPT_BY = 256, OPT_SINCE, OPT_UNTIL, OPT_PROJECT, OPT_BRANCH,
	OPT_STATUS, OPT_SORT, OPT_TOP, OPT_FORMAT, OPT_CSV_SAFE, OPT_PRICE,
	OPT_STRICT,
	OPT_KEEP_DUPS, OPT_THREADS, OPT_WIDTH, OPT_HEIGHT, OPT_TITLE,
	OPT_TEAMS, OPT_DB
};

/* What --format png|svg asks for, beside the view's text formats. */
enum report_chart { CHART_NONE, CHART_PNG, CHART_SVG };

static const struct option report_options[] = {
	{ "by", required_argument, NULL, OPT_BY },
	{ "since", required_argument, NULL, OPT_SINCE },
	{ "until", required_argument, NULL, OPT_UNTIL },
	{ "project", required_argument, NULL, OPT_PROJECT },
	{ "branch", required_argument, NULL, OPT_BRANCH },
	{ "status", required_argument, NULL, OPT_STATUS },
	{ "sort", required_argument, NULL, OPT_SORT },
	{ "top", required_argument, NULL, OPT_TOP },
	{ "format", required_argument, NULL, OPT_FORMAT },
	{ "csv-safe", no_argument, NULL, OPT_CSV_SAFE },
	{ "output", required_argument, NULL, 'o' },
	{ "credit-price", required_argument, NULL, OPT_PRICE },
	{ "strict", no_argument, NULL, OPT_STRICT },
	{ "keep-duplicates", no_argument, NULL, OPT_KEEP_DUPS },
	{ "threads", required_argument, NULL, OPT_THREADS },
	{ "width", required_argument, NULL, OPT_WIDTH },
	{ "height", required_argument, NULL, OPT_HEIGHT },
	{ "title", required_argument, NULL, OPT_TITLE },
	{ "teams", required_argument, NULL, OPT_TEAMS },
	{ "db", required_argument, NULL, OPT_DB },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 }
};

static int
usage_error(const char *fmt, const char *arg)
{
	char msg[512];

	snprintf(msg, sizeof(msg), fmt, arg);
	return cmdopt_usage("report", "%s", msg);
}

static int
parse_format(const char *s, enum view_format *fmt)
{
	if (strcmp(s, "table") == 0)
		*fmt = FMT_TABLE;
	else if (strcmp(s, "csv") == 0)
		*fmt = FMT_CSV;
	else if (strcmp(s, "json") == 0)
		*fmt = FMT_JSON;
	else if (strcmp(s, "markdown") == 0 || strcmp(s, "md") == 0)
		*fmt = FMT_MARKDOWN;
	else
		return -1;
	return 0;
}

static enum report_chart
parse_chart_format(const char *s)
{
	if (strcmp(s, "png") == 0)
		return CHART_PNG;
	if (strcmp(s, "svg") == 0)
		return CHART_SVG;
	return CHART_NONE;
}

static int
format_from_name(const char *path, enum view_format *fmt,
    enum report_chart *chart)
{
	if (str_endswith(path, ".png"))
		*chart = CHART_PNG;
	else if (str_endswith(path, ".svg"))
		*chart = CHART_SVG;
	else if (str_endswith(path, ".csv"))
		*fmt = FMT_CSV;
	else if (str_endswith(path, ".json"))
		*fmt = FMT_JSON;
	else if (str_endswith(path, ".md"))
		*fmt = FMT_MARKDOWN;
	else if (str_endswith(path, ".txt"))
		*fmt = FMT_TABLE;
	else
		return -1;
	return 0;
}

static void
push_str(const char ***list, size_t *n, const char *s)
{
	*list = xreallocarray(*list, *n + 1, sizeof(**list));
	(*list)[(*n)++] = s;
}

/* --status failed,canceled: each comma-separated value, lowercased. */
static int
push_statuses(struct report_opts *o, const char *arg)
{
	const char *p = arg;

	for (;;) {
		const char *e = strchr(p, ',');
		size_t len = e ? (size_t)(e - p) : strlen(p);

		if (len == 0)
			return -1;
		o->statuses = xreallocarray(o->statuses, o->nstatuses + 1,
		    sizeof(*o->statuses));
		o->statuses[o->nstatuses++] = xstrndup(p, len);
		if (e == NULL)
			return 0;
		p = e + 1;
	}
}

static int
parse_day_arg(const char *opt, const char *s, int32_t *days)
{
	if (strlen(s) != 10 || date_parse(s, 10, days) < 0) {
		char msg[256];

		snprintf(msg, sizeof(msg), "%s: expected a date YYYY-MM-DD, "
		    "got '%.100s'", opt, s);
		return usage_error("%s", msg);
	}
	return 0;
}

/* --width 1200: whole pixels in range, or a usage error naming the option. */
static int
parse_pixels(const char *opt, const char *arg, unsigned long long *out)
{
	unsigned long long v;

	if (parse_uint(arg, CHART_SIZE_MAX, &v) < 0 || v < CHART_SIZE_MIN) {
		char msg[256];

		snprintf(msg, sizeof(msg), "%s: expected a number of pixels "
		    "from %d to %d, got '%.100s'", opt, CHART_SIZE_MIN,
		    CHART_SIZE_MAX, arg);
		return usage_error("%s", msg);
	}
	*out = v;
	return 0;
}

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
		return usage_error("%s", "--by: a chart takes one time key "
		    "(day, week or month) at most");
	if (ntime == 0 || o->nkeys > 1)
		return 0;
	by = xasprintf("project,%s", o->keys[0].name);
	ret = report_parse_by(o, by);
	free(by);
	return ret < 0 ? EXIT_USAGE : 0;
}

static int
cmd_report_exec(int argc, char **argv)
{
	struct report_opts o;
	struct report_result res;
	struct inputs in;
	struct view v;
	struct out out;
	enum view_format fmt = FMT_CSV;
	enum report_chart chart = CHART_NONE;
	struct chart_opts co;
	int have_fmt = 0, sort_metric = VM_CREDITS + CR_TOTAL, sort_key = -1;
	int chart_only = 0;
	const char *output = NULL, *sort = NULL, *title = NULL;
	const char *teams_path = NULL;
	struct teams *teams = NULL;
	const char *db_path = NULL;
	unsigned long long top = 0, threads = 0, width = CHART_WIDTH;
	unsigned long long height = CHART_HEIGHT;
	size_t view_top;
	dec_t price;
	int c, i, ret = EXIT_USAGE;

	report_opts_init(&o);
	inputs_init(&in);
	dec_parse("0.0006", 6, &price);
	report_parse_by(&o, "project");
	optind = 1;
	while ((c = getopt_long(argc, argv, "ho:", report_options,
	    NULL)) != -1) {
		switch (c) {
		case OPT_BY:
			if (report_parse_by(&o, optarg) < 0)
				goto out;
			break;
		case OPT_SINCE:
			if (parse_day_arg("--since", optarg, &o.since))
				goto out;
			break;
		case OPT_UNTIL:
			if (parse_day_arg("--until", optarg, &o.until))
				goto out;
			break;
		case OPT_PROJECT:
			push_str(&o.projects, &o.nprojects, optarg);
			break;
		case OPT_BRANCH:
			push_str(&o.branches, &o.nbranches, optarg);
			break;
		case OPT_STATUS:
			if (push_statuses(&o, optarg) < 0) {
				ret = usage_error("--status: expected a "
				    "comma-separated list of statuses, got "
				    "'%.100s'", optarg);
				goto out;
			}
			break;
		case OPT_SORT:
			sort = optarg;
			break;
		case OPT_TOP:
			if (parse_uint(optarg, 1000000000, &top) < 0 ||
			    top == 0) {
				ret = usage_error("--top: expected a whole "
				    "number of at least 1, got '%.100s'",
				    optarg);
				goto out;
			}
			break;
		case OPT_CSV_SAFE:
			o.csv_safe = 1;
			break;
		case OPT_FORMAT:
			chart = parse_chart_format(optarg);
			if (chart == CHART_NONE && parse_format(optarg,
			    &fmt) < 0) {
				ret = usage_error("--format: expected table, "
				    "csv, json, markdown, png or svg, got "
				    "'%.100s'", optarg);
				goto out;
			}
			have_fmt = 1;
			break;
		case OPT_WIDTH:
			if (parse_pixels("--width", optarg, &width))
				goto out;
			chart_only = 1;
			break;
		case OPT_HEIGHT:
			if (parse_pixels("--height", optarg, &height))
				goto out;
			chart_only = 1;
			break;
		case OPT_TITLE:
			title = optarg;
			chart_only = 1;
			break;
		case OPT_TEAMS:
			teams_path = optarg;
			break;
		case OPT_DB:
			db_path = optarg;
			break;
		case 'o':
			output = optarg;
			break;
		case OPT_PRICE:
			if (dec_parse(optarg, strlen(optarg), &price) < 0 ||
			    price < 0) {
				ret = usage_error("--credit-price: expected a "
				    "price in USD such as 0.0006, got "
				    "'%.100s'", optarg);
				goto out;
			}
			break;
		case OPT_STRICT:
			o.strict = 1;
			break;
		case OPT_KEEP_DUPS:
			o.keep_duplicates = 1;
			break;
		case OPT_THREADS:
			if (parse_uint(optarg, 64, &threads) < 0 ||
			    threads == 0) {
				ret = usage_error("--threads: expected a "
				    "number from 1 to 64, got '%.100s'",
				    optarg);
				goto out;
			}
			o.threads = (int)threads;
			break;
		case 'h':
			fputs(report_usage, stdout);
			ret = EXIT_OK;
			goto out;
		default:
			fprintf(stderr, "Try 'circleci-usage report --help' "
			    "for more information.\n");
			goto out;
		}
	}
	if (o.since > o.until) {
		ret = usage_error("%s", "--since is after --until");
		goto out;
	}
	if ((ret = cmdopt_teams(teams_path, &teams)) != 0)
		goto out;
	ret = EXIT_USAGE;
	o.teams = teams;
	if (!have_fmt) {
		if (output != NULL && strcmp(output, "-") != 0)
			format_from_name(output, &fmt, &chart);
		else
			fmt = isatty(STDOUT_FILENO) ? FMT_TABLE : FMT_CSV;
	}
	if (chart_only && chart == CHART_NONE) {
		ret = usage_error("%s", "--width, --height and --title are "
		    "for charts: give --format png or svg");
		goto out;
	}
	if (chart == CHART_PNG && (output == NULL || strcmp(output, "-") ==
	    0) && isatty(STDOUT_FILENO)) {
		ret = usage_error("%s", "--format png: will not write a "
		    "binary image to a terminal; give -o FILE or redirect "
		    "the output");
		goto out;
	}
	if (chart != CHART_NONE && (ret = chart_keys(&o)) != 0)
		goto out;
	o.want_orgs = chart != CHART_NONE;	/* for the subtitle */
	ret = EXIT_USAGE;
	if (sort != NULL) {
		size_t k;

		sort_metric = view_metric_find(sort);
		for (k = 0; sort_metric < 0 && k < o.nkeys; k++)
			if (strcmp(sort, o.keys[k].name) == 0)
				sort_key = (int)k;
		if (sort_metric < 0 && sort_key < 0) {
			ret = usage_error("--sort: expected a metric (such as "
			    "total_credits, cost_usd, jobs) or a --by key, got "
			    "'%.100s'", sort);
			goto out;
		}
	}
	if (db_path != NULL && optind < argc) {
		ret = usage_error("%s", "--db answers from history: give no "
		    "PATH with it");
		goto out;
	}
	if (db_path == NULL && optind >= argc) {
		ret = usage_error("%s", "no input: give export files or "
		    "directories, or - for stdin");
		goto out;
	}
	for (i = optind; i < argc; i++) {
		if (inputs_add(&in, argv[i]) < 0) {
			ret = EXIT_BAD_INPUT;
			goto out;
		}
	}
	if (db_path != NULL)
		ret = db_report_path(db_path, &o, &res);
	else
		ret = report_run(&o, &in, &res);
	if (ret != 0) {
		report_result_release(&res);
		goto out;
	}
	/* a time chart folds groups itself: a folded row has no period */
	view_top = (size_t)top;
	if (chart != CHART_NONE && chart_time_key(&o) >= 0)
		view_top = 0;
	else if (chart != CHART_NONE && top == 0)
		view_top = CHART_TOP_BARS;
	if (view_check(&res, price) < 0) {
		report_result_release(&res);
		ret = EXIT_BAD_INPUT;
		goto out;
	}
	view_build(&v, &o, &res, sort_metric, sort_key, view_top, price);
	if (chart != CHART_NONE) {
		char *org = report_org_label(&res, in.org_id);

		co.top = (size_t)top;
		co.title = title;
		co.org = org;
		ret = chart_write_file(&v, &co, chart == CHART_SVG, (int)width,
		    (int)height, output);
		free(org);
	} else if (out_open(&out, output) < 0) {
		ret = EXIT_FAILURE_OTHER;
	} else if (view_write(&v, out.f, fmt) < 0) {
		int e = errno;	/* out_abort's fclose and unlink may change it */

		out_abort(&out);
		error("cannot write '%s': %s", output != NULL ? output :
		    "standard output", strerror(e));
		ret = EXIT_FAILURE_OTHER;
	} else {
		ret = out_commit(&out) < 0 ? EXIT_FAILURE_OTHER : EXIT_OK;
	}
	view_release(&v);
	report_result_release(&res);
out:
	inputs_release(&in);
	report_opts_release(&o);
	teams_free(teams);
	return ret;
}

const struct cmd_entry cmd_report_entry = {
	.name = "report",
	.summary = "sum exports' credits by project, job, day, ... (exact)",
	.exec = cmd_report_exec,
};
