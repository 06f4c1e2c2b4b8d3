/*
 * cmd_chargeback.c: `circleci-usage chargeback --teams FILE PATH...`,
 * what each team's projects spent, for billing: report's metrics per team,
 * how many projects each has, and the shared costs (job runs without a
 * project) spread across the teams so that the totals stay report's.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "chargeback.h"
#include "cmd.h"
#include "cmdopt.h"
#include "db.h"
#include "out.h"
#include "report.h"
#include "util.h"
#include "view.h"

static const char chargeback_usage[] =
"usage: circleci-usage chargeback --teams FILE [options] PATH...\n"
"\n"
"Credits per team, for billing: per team, report's metrics (jobs, run\n"
"seconds, credits by kind, cost_usd, share_pct) and projects, how many\n"
"projects it has.  The teams file (YAML) maps projects to teams; projects\n"
"no team matches are (unassigned).  Job runs without a PROJECT_NAME are\n"
"shared costs, spread across the teams in hundredths of a credit that add\n"
"up exactly; the totals are report's.\n"
"\n"
CMDOPT_TEAMS_HELP
"  --shared-costs MODE   proportional (default: by each team's credits),\n"
"                        even (the same to each team), or none (a row of\n"
"                        their own, (shared))\n"
CMDOPT_FILTER_HELP
"\n"
"Output:\n"
"  --csv-safe            in CSV, prefix text that starts with = + - @\n"
"                        (a formula to a spreadsheet) with '\n"
"  --format FMT          table (default on a terminal), csv (default\n"
"                        otherwise), json, markdown\n"
"  --db FILE             answer from the history database instead of\n"
"                        PATHs (- for the default one; see ingest)\n"
"  -o, --output FILE     write to FILE (atomically) instead of stdout;\n"
"                        the format follows its extension when not given\n"
"  --credit-price USD    price of one credit for cost_usd (default 0.0006)\n"
"\n"
"Input:\n"
CMDOPT_INPUT_HELP
"  -h, --help            show this help\n";

enum {
	OPT_TEAMS = 256, OPT_SHARED, OPT_FORMAT, OPT_CSV_SAFE, OPT_PRICE,
	OPT_DB
};

static const struct option chargeback_options[] = {
	{ "db", required_argument, NULL, OPT_DB },
	CMDOPT_FILTER_OPTIONS,
	CMDOPT_INPUT_OPTIONS,
	{ "teams", required_argument, NULL, OPT_TEAMS },
	{ "shared-costs", required_argument, NULL, OPT_SHARED },
	{ "format", required_argument, NULL, OPT_FORMAT },
	{ "csv-safe", no_argument, NULL, OPT_CSV_SAFE },
	{ "output", required_argument, NULL, 'o' },
	{ "credit-price", required_argument, NULL, OPT_PRICE },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 }
};

static int
cmd_chargeback_exec(int argc, char **argv)
{
	struct report_opts o, to;
	struct report_result res, out_res;
	struct chargeback cb;
	struct inputs in;
	struct view v;
	struct out out;
	struct teams *teams = NULL;
	enum chargeback_mode mode = CB_PROPORTIONAL;
	enum view_format fmt = FMT_CSV;
	const char *output = NULL, *teams_path = NULL, *db_path = NULL;
	int have_fmt = 0, c, i, idx, ret = EXIT_USAGE;
	dec_t price;

	report_opts_init(&o);
	inputs_init(&in);
	dec_parse("0.0006", 6, &price);
	optind = 1;
	while ((c = getopt_long(argc, argv, "ho:", chargeback_options,
	    &idx)) != -1) {
		switch (c) {
		case CMDOPT_SHARED:
			if (cmdopt_report("chargeback", &o,
			    chargeback_options[idx].name, optarg) != 0)
				goto out;
			break;
		case OPT_TEAMS:
			teams_path = optarg;
			break;
		case OPT_SHARED:
			if (chargeback_mode_parse(optarg, &mode) < 0) {
				ret = cmdopt_usage("chargeback",
				    "--shared-costs: expected proportional, "
				    "even or none, got '%.100s'", optarg);
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
				ret = cmdopt_usage("chargeback", "--format: "
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
				ret = cmdopt_usage("chargeback",
				    "--credit-price: expected a price in USD "
				    "such as 0.0006, got '%.100s'", optarg);
				goto out;
			}
			break;
		case 'h':
			fputs(chargeback_usage, stdout);
			ret = EXIT_OK;
			goto out;
		default:
			fprintf(stderr, "Try 'circleci-usage chargeback "
			    "--help' for more information.\n");
			goto out;
		}
	}
	if (o.since > o.until) {
		ret = cmdopt_usage("chargeback", "--since is after --until");
		goto out;
	}
	if ((ret = cmdopt_teams(teams_path, &teams)) != 0)
		goto out;
	if (teams == NULL) {
		ret = cmdopt_usage("chargeback", "no teams file: give --teams "
		    "FILE or set CIRCLECI_USAGE_TEAMS");
		goto out;
	}
	if (db_path != NULL && optind < argc) {
		ret = cmdopt_usage("chargeback", "--db reads history: give "
		    "no PATH");
		goto out;
	}
	if (db_path == NULL && optind >= argc) {
		ret = cmdopt_usage("chargeback", "no input: give export files "
		    "or directories, or - for stdin");
		goto out;
	}
	if (!have_fmt) {
		if (output != NULL && strcmp(output, "-") != 0)
			cmdopt_format_from_name(output, &fmt);
		else
			fmt = isatty(STDOUT_FILENO) ? FMT_TABLE : FMT_CSV;
	}
	o.teams = teams;
	report_parse_by(&o, "team,project");
	ret = EXIT_BAD_INPUT;
	for (i = optind; i < argc; i++)
		if (inputs_add(&in, argv[i]) < 0)
			goto out;
	ret = db_path != NULL ? db_report_path(db_path, &o, &res) :
	    report_run(&o, &in, &res);
	if (ret == 0 && view_check(&res, price) < 0)
		ret = EXIT_BAD_INPUT;
	if (ret != 0) {
		report_result_release(&res);
		goto out;
	}
	chargeback_build(&cb, &o, &res, mode);
	chargeback_result(&cb, &res, &to, &out_res);
	to.csv_safe = o.csv_safe;
	chargeback_view(&cb, &v, &to, &out_res, price);
	if (out_open(&out, output) < 0) {
		ret = EXIT_FAILURE_OTHER;
	} else if (view_write(&v, out.f, fmt) < 0) {
		out_abort(&out);
		error("cannot write the chargeback");
		ret = EXIT_FAILURE_OTHER;
	} else {
		ret = out_commit(&out) < 0 ? EXIT_FAILURE_OTHER : EXIT_OK;
	}
	view_release(&v);
	report_result_release(&out_res);
	report_opts_release(&to);
	chargeback_release(&cb);
	report_result_release(&res);
out:
	inputs_release(&in);
	report_opts_release(&o);
	teams_free(teams);
	return ret;
}

const struct cmd_entry cmd_chargeback_entry = {
	.name = "chargeback",
	.summary = "credits per team, shared costs spread exactly",
	.exec = cmd_chargeback_exec,
};
