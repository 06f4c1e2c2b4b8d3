/*
 * cmd_failures.c: `circleci-usage failures`, the cost of failing jobs: per
 * project, workflow and job, the runs, the wasted (failed, canceled ...)
 * runs and the credits they spent, most wasted credits first.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "cmdopt.h"
#include "failures.h"
#include "grid.h"
#include "db.h"
#include "report.h"
#include "util.h"

static const char failures_usage[] =
"usage: circleci-usage failures [options] PATH...\n"
"\n"
"The cost of failing jobs: per project, workflow and job, the runs, the\n"
"wasted runs (whose status is in --waste-statuses), the failure rate, and\n"
"the credits the wasted runs spent, with their share of all credits and\n"
"their cost; most wasted credits first.  PATH is as for `report`.\n"
"\n"
"Options:\n"
"  --waste-statuses LIST the JOB_BUILD_STATUS values of wasted runs\n"
"                        (default failed,canceled,timedout,\n"
"                        infrastructure_fail; any case)\n"
"  --since DATE          only job runs on or after DATE (YYYY-MM-DD)\n"
"  --until DATE          only job runs on or before DATE\n"
"  --project GLOB        only projects matching GLOB (repeatable)\n"
"  --branch GLOB         only branches matching GLOB (repeatable)\n"
"  --top N               keep the first N rows (the totals cover all)\n"
"  --csv-safe            in CSV, prefix text that starts with = + - @\n"
"                        (a formula to a spreadsheet) with '\n"
"  --format FMT          table (default on a terminal), csv (default\n"
"                        otherwise), json (rows, totals, meta), markdown\n"
"  --db FILE             answer from the history database instead of\n"
"                        PATHs (- for the default one; see ingest)\n"
"  -o, --output FILE     write to FILE (atomically) instead of stdout;\n"
"                        the format follows its extension when not given\n"
"  --credit-price USD    price of one credit for wasted_usd (default\n"
"                        0.0006)\n"
CMDOPT_INPUT_HELP
"  -h, --help            show this help\n"
"\n"
"Columns: project, workflow, job, runs, wasted_runs, failure_rate_pct,\n"
"wasted_credits, wasted_share_pct (of all credits), wasted_usd.\n";

enum { OPT_WASTE = 256, OPT_TOP, OPT_FORMAT, OPT_CSV_SAFE, OPT_PRICE,
	OPT_DB };

static const struct option failures_options[] = {
	{ "db", required_argument, NULL, OPT_DB },
	{ "since", required_argument, NULL, CMDOPT_SHARED },
	{ "until", required_argument, NULL, CMDOPT_SHARED },
	{ "project", required_argument, NULL, CMDOPT_SHARED },
	{ "branch", required_argument, NULL, CMDOPT_SHARED },
	CMDOPT_INPUT_OPTIONS,
	{ "waste-statuses", required_argument, NULL, OPT_WASTE },
	{ "top", required_argument, NULL, OPT_TOP },
	{ "format", required_argument, NULL, OPT_FORMAT },
	{ "csv-safe", no_argument, NULL, OPT_CSV_SAFE },
	{ "output", required_argument, NULL, 'o' },
	{ "credit-price", required_argument, NULL, OPT_PRICE },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 }
};

static int
cmd_failures_exec(int argc, char **argv)
{
	struct report_opts o;
	struct report_result res;
	struct inputs in;
	struct grid_out dst;
	enum view_format fmt = FMT_CSV;
	int have_fmt = 0, c, i, idx = 0, ret = EXIT_USAGE;
	const char *output = NULL, *waste_list = FAILURES_WASTE;
	const char *db_path = NULL;
	char **waste = NULL;
	size_t nwaste = 0;
	unsigned long long top = 0;
	dec_t price;

	report_opts_init(&o);
	inputs_init(&in);
	dec_parse("0.0006", 6, &price);
	optind = 1;
	while ((c = getopt_long(argc, argv, "ho:", failures_options,
	    &idx)) != -1) {
		switch (c) {
		case CMDOPT_SHARED:
			if (cmdopt_report("failures", &o,
			    failures_options[idx].name, optarg) != 0)
				goto out;
			break;
		case OPT_WASTE:
			waste_list = optarg;
			break;
		case OPT_TOP:
			if (parse_uint(optarg, 1000000000, &top) < 0 ||
			    top == 0) {
				ret = cmdopt_usage("failures", "--top: "
				    "expected a whole number of at least 1, "
				    "got '%.100s'", optarg);
				goto out;
			}
			break;
		case OPT_DB:
			db_path = optarg;
			break;
		case OPT_CSV_SAFE:
			o.csv_safe = 1;
			break;
		case OPT_FORMAT:
			if (cmdopt_format(optarg, &fmt) < 0) {
				ret = cmdopt_usage("failures", "--format: "
				    "expected table, csv, json or markdown, "
				    "got '%.100s'", optarg);
				goto out;
			}
			have_fmt = 1;
			break;
		case 'o':
			output = optarg;
			break;
		case OPT_PRICE:
			if (dec_parse(optarg, strlen(optarg), &price) < 0 ||
			    price < 0) {
				ret = cmdopt_usage("failures",
				    "--credit-price: expected a price in USD "
				    "such as 0.0006, got '%.100s'", optarg);
				goto out;
			}
			break;
		case 'h':
			fputs(failures_usage, stdout);
			ret = EXIT_OK;
			goto out;
		default:
			fprintf(stderr, "Try 'circleci-usage failures --help' "
			    "for more information.\n");
			goto out;
		}
	}
	if (cmdopt_list(&waste, &nwaste, waste_list) < 0) {
		ret = cmdopt_usage("failures", "--waste-statuses: expected a "
		    "comma-separated list of statuses, got '%.100s'",
		    waste_list);
		goto out;
	}
	if (o.since > o.until) {
		ret = cmdopt_usage("failures", "--since is after --until");
		goto out;
	}
	if (!have_fmt) {
		if (output != NULL && strcmp(output, "-") != 0)
			cmdopt_format_from_name(output, &fmt);
		else
			fmt = isatty(STDOUT_FILENO) ? FMT_TABLE : FMT_CSV;
	}
	if (db_path != NULL && optind < argc) {
		ret = cmdopt_usage("failures", "--db reads history: give no "
		    "PATH");
		goto out;
	}
	if (db_path == NULL && optind >= argc) {
		ret = cmdopt_usage("failures", "no input: give export files "
		    "or directories, or - for stdin");
		goto out;
	}
	for (i = optind; i < argc; i++) {
		if (inputs_add(&in, argv[i]) < 0) {
			ret = EXIT_BAD_INPUT;
			goto out;
		}
	}
	/* one pass, by (project, workflow, job, status); rolled up below */
	report_parse_by(&o, "job,status");
	ret = db_path != NULL ? db_report_path(db_path, &o, &res) :
	    report_run(&o, &in, &res);
	if (ret != 0) {
		report_result_release(&res);
		goto out;
	}
	dst.path = output;
	dst.fmt = fmt;
	dst.top = (size_t)top;
	dst.csv_safe = o.csv_safe;
	ret = failures_write(&o, &res, waste, nwaste, price, &dst) < 0 ?
	    EXIT_FAILURE_OTHER : EXIT_OK;
	report_result_release(&res);
out:
	for (i = 0; i < (int)nwaste; i++)
		free(waste[i]);
	free(waste);
	inputs_release(&in);
	report_opts_release(&o);
	return ret;
}

const struct cmd_entry cmd_failures_entry = {
	.name = "failures",
	.summary = "the cost of failing jobs: wasted runs and credits",
	.exec = cmd_failures_exec,
};
