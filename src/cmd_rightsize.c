/*
 * cmd_rightsize.c: `circleci-usage rightsize`, resource classes that are
 * too big or too small for their jobs, from the per-run utilization
 * columns, with the next smaller class and what it would save.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "cmdopt.h"
#include "grid.h"
#include "rates.h"
#include "report.h"
#include "rightsize.h"
#include "util.h"

static const char rightsize_usage[] =
"usage: circleci-usage rightsize [options] PATH...\n"
"\n"
"Per project, workflow, job, resource class and executor with at least\n"
"--min-runs runs: the median over runs of MEDIAN_CPU, MAX_CPU, MEDIAN_RAM\n"
"and MAX_RAM utilization (the lower median), and a verdict: `over`\n"
"(over-provisioned) when the medians of MAX_CPU and MAX_RAM are both\n"
"under --under percent, with the next smaller class of the same executor\n"
"and family and the credits it would save per 30 days; `under` when\n"
"either is at least --over percent; else `ok`.  Runs without utilization\n"
"data are left out and counted.  PATH is as for `report`.\n"
"\n"
"Options:\n"
"  --min-runs N          runs with utilization a group needs (default 10)\n"
"  --under PCT           over-provisioned below this (default 40)\n"
"  --over PCT            under-provisioned from this (default 90)\n"
"  --rates FILE          credit rates and next smaller classes (default:\n"
"                        the compiled-in resource-classes.tsv)\n"
"  --since DATE          only job runs on or after DATE (YYYY-MM-DD)\n"
"  --until DATE          only job runs on or before DATE\n"
"  --project GLOB        only projects matching GLOB (repeatable)\n"
"  --branch GLOB         only branches matching GLOB (repeatable)\n"
"  --top N               keep the first N rows\n"
"  --csv-safe            in CSV, prefix text that starts with = + - @\n"
"                        (a formula to a spreadsheet) with '\n"
"  --format FMT          table (default on a terminal), csv (default\n"
"                        otherwise), json (rows, meta), markdown\n"
"  -o, --output FILE     write to FILE (atomically) instead of stdout;\n"
"                        the format follows its extension when not given\n"
"  --quiet               no note of the runs without utilization data\n"
CMDOPT_INPUT_HELP
"  -h, --help            show this help\n"
"\n"
"Savings: the group's billed minutes (its compute credits over the\n"
"class's rate) times the difference of the two rates, per 30 days of the\n"
"span from the first to the last date counted.\n";

enum { OPT_MIN_RUNS = 256, OPT_UNDER, OPT_OVER, OPT_RATES, OPT_TOP,
	OPT_FORMAT, OPT_CSV_SAFE, OPT_QUIET };

static const struct option rightsize_options[] = {
	{ "since", required_argument, NULL, CMDOPT_SHARED },
	{ "until", required_argument, NULL, CMDOPT_SHARED },
	{ "project", required_argument, NULL, CMDOPT_SHARED },
	{ "branch", required_argument, NULL, CMDOPT_SHARED },
	CMDOPT_INPUT_OPTIONS,
	{ "min-runs", required_argument, NULL, OPT_MIN_RUNS },
	{ "under", required_argument, NULL, OPT_UNDER },
	{ "over", required_argument, NULL, OPT_OVER },
	{ "rates", required_argument, NULL, OPT_RATES },
	{ "top", required_argument, NULL, OPT_TOP },
	{ "format", required_argument, NULL, OPT_FORMAT },
	{ "csv-safe", no_argument, NULL, OPT_CSV_SAFE },
	{ "quiet", no_argument, NULL, OPT_QUIET },
	{ "output", required_argument, NULL, 'o' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 }
};

/* A percentage from 0 to 100. */
static int
rightsize_pct(const char *s, dec_t *out)
{
	return dec_parse(s, strlen(s), out) < 0 || *out < 0 ||
	    *out > 100 * DEC_ONE ? -1 : 0;
}

static int
cmd_rightsize_exec(int argc, char **argv)
{
	struct report_opts o;
	struct report_result res;
	struct inputs in;
	struct rates rates;
	struct rightsize_opts ro;
	struct grid_out dst;
	enum view_format fmt = FMT_CSV;
	int have_fmt = 0, c, i, idx = 0, ret = EXIT_USAGE, quiet = 0;
	const char *output = NULL, *rates_path = NULL;
	unsigned long long top = 0, min_runs = 10;
	char err[512];

	report_opts_init(&o);
	inputs_init(&in);
	rates_init(&rates);
	memset(&ro, 0, sizeof(ro));
	ro.under = 40 * DEC_ONE;
	ro.over = 90 * DEC_ONE;
	optind = 1;
	while ((c = getopt_long(argc, argv, "ho:", rightsize_options,
	    &idx)) != -1) {
		switch (c) {
		case CMDOPT_SHARED:
			if (cmdopt_report("rightsize", &o,
			    rightsize_options[idx].name, optarg) != 0)
				goto out;
			break;
		case OPT_QUIET:
			quiet = 1;
			break;
		case OPT_MIN_RUNS:
			if (parse_uint(optarg, 1000000000, &min_runs) < 0 ||
			    min_runs == 0) {
				ret = cmdopt_usage("rightsize", "--min-runs: "
				    "expected a whole number of at least 1, "
				    "got '%.100s'", optarg);
				goto out;
			}
			break;
		case OPT_UNDER:
		case OPT_OVER:
			if (rightsize_pct(optarg, c == OPT_UNDER ? &ro.under :
			    &ro.over) < 0) {
				ret = cmdopt_usage("rightsize", "--%s: "
				    "expected a percentage from 0 to 100, got "
				    "'%.100s'", c == OPT_UNDER ? "under" :
				    "over", optarg);
				goto out;
			}
			break;
		case OPT_RATES:
			rates_path = optarg;
			break;
		case OPT_TOP:
			if (parse_uint(optarg, 1000000000, &top) < 0 ||
			    top == 0) {
				ret = cmdopt_usage("rightsize", "--top: "
				    "expected a whole number of at least 1, "
				    "got '%.100s'", optarg);
				goto out;
			}
			break;
		case OPT_CSV_SAFE:
			o.csv_safe = 1;
			break;
		case OPT_FORMAT:
			if (cmdopt_format(optarg, &fmt) < 0) {
				ret = cmdopt_usage("rightsize", "--format: "
				    "expected table, csv, json or markdown, "
				    "got '%.100s'", optarg);
				goto out;
			}
			have_fmt = 1;
			break;
		case 'o':
			output = optarg;
			break;
		case 'h':
			fputs(rightsize_usage, stdout);
			ret = EXIT_OK;
			goto out;
		default:
			fprintf(stderr, "Try 'circleci-usage rightsize --help' "
			    "for more information.\n");
			goto out;
		}
	}
	if (ro.under > ro.over) {
		ret = cmdopt_usage("rightsize", "--under is above --over");
		goto out;
	}
	if (o.since > o.until) {
		ret = cmdopt_usage("rightsize", "--since is after --until");
		goto out;
	}
	if (!have_fmt) {
		if (output != NULL && strcmp(output, "-") != 0)
			cmdopt_format_from_name(output, &fmt);
		else
			fmt = isatty(STDOUT_FILENO) ? FMT_TABLE : FMT_CSV;
	}
	if (optind >= argc) {
		ret = cmdopt_usage("rightsize", "no input: give export files "
		    "or directories, or - for stdin");
		goto out;
	}
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
	for (i = optind; i < argc; i++) {
		if (inputs_add(&in, argv[i]) < 0) {
			ret = EXIT_BAD_INPUT;
			goto out;
		}
	}
	rightsize_report_opts(&o);
	ret = report_run(&o, &in, &res);
	if (ret != 0) {
		report_result_release(&res);
		goto out;
	}
	dst.path = output;
	dst.fmt = fmt;
	dst.top = (size_t)top;
	dst.csv_safe = o.csv_safe;
	ret = rightsize_write(&o, &res, &ro, rates_path, quiet, &dst) < 0 ?
	    EXIT_FAILURE_OTHER : EXIT_OK;
	report_result_release(&res);
out:
	rates_release(&rates);
	inputs_release(&in);
	report_opts_release(&o);
	return ret;
}

const struct cmd_entry cmd_rightsize_entry = {
	.name = "rightsize",
	.summary = "resource classes too big or too small, and the savings",
	.exec = cmd_rightsize_exec,
};
