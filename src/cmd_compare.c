/*
 * cmd_compare.c: `circleci-usage compare PREVIOUS CURRENT`, what changed
 * between two periods: each side is read exactly as `report` reads it,
 * and every group's credits are set side by side, largest change first.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd.h"
#include "cmdopt.h"
#include "compare.h"
#include "date.h"
#include "db.h"
#include "out.h"
#include "report.h"
#include "util.h"

static const char compare_usage[] =
"usage: circleci-usage compare [options] PREVIOUS CURRENT\n"
"       circleci-usage compare [options] RUN_DIR\n"
"       circleci-usage compare --db FILE --previous-since DATE\n"
"                              --previous-until DATE --since DATE [options]\n"
"\n"
"Compare the credits of two periods, group by group.  Each side is an\n"
"export directory, a run directory (its export/), any folder of parts, a\n"
"single part, or - for stdin (one side at most), read as `report` reads\n"
"it.  Per group: previous_credits, current_credits, change_credits,\n"
"change_pct (empty for a new group, -100 for a gone one) and trend (new,\n"
"gone, up, down, same), the largest absolute change first.  With one\n"
"RUN_DIR (made by run --compare), its previous period against its own.\n"
"\n"
"Grouping and filters (applied to both sides):\n"
CMDOPT_BY_HELP
CMDOPT_TEAMS_HELP
CMDOPT_FILTER_HELP
"\n"
"Output:\n"
"  --min-change CREDITS  hide groups whose credits changed by less than\n"
"                        CREDITS, either way\n"
"  --top N               keep the first N groups, fold the rest into (other)\n"
"  --csv-safe            in CSV, prefix text that starts with = + - @\n"
"                        (a formula to a spreadsheet) with '\n"
"  --format FMT          table (default on a terminal), csv (default\n"
"                        otherwise), json, markdown\n"
"  -o, --output FILE     write to FILE (atomically) instead of stdout;\n"
"                        the format follows its extension when not given\n"
"\n"
"Input:\n"
CMDOPT_INPUT_HELP
"  --db FILE             both periods from history (see ingest; - for the\n"
"                        default database): the previous period is\n"
"                        --previous-since/--previous-until, the current\n"
"                        one --since/--until\n"
"  -h, --help            show this help\n";

enum {
	OPT_MIN_CHANGE = 256, OPT_TOP, OPT_FORMAT, OPT_CSV_SAFE, OPT_TEAMS,
	OPT_DB,
	OPT_PREV_SINCE, OPT_PREV_UNTIL
};

static const struct option compare_options[] = {
	CMDOPT_BY_OPTIONS,
	CMDOPT_FILTER_OPTIONS,
	CMDOPT_INPUT_OPTIONS,
	{ "min-change", required_argument, NULL, OPT_MIN_CHANGE },
	{ "teams", required_argument, NULL, OPT_TEAMS },
	{ "top", required_argument, NULL, OPT_TOP },
	{ "format", required_argument, NULL, OPT_FORMAT },
	{ "csv-safe", no_argument, NULL, OPT_CSV_SAFE },
	{ "db", required_argument, NULL, OPT_DB },
	{ "previous-since", required_argument, NULL, OPT_PREV_SINCE },
	{ "previous-until", required_argument, NULL, OPT_PREV_UNTIL },
	{ "output", required_argument, NULL, 'o' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 }
};

/*
 * Read one side into res, as report does.  Returns 0 or an exit code; res
 * is to be released either way.
 */
static int
compare_side(const struct report_opts *o, const char *path,
    struct report_result *res)
{
	struct inputs in;
	int ret;

	inputs_init(&in);
	if (inputs_add(&in, path) < 0) {
		/* an empty result, so that the caller releases it as any */
		memset(res, 0, sizeof(*res));
		agg_init(&res->groups);
		inputs_release(&in);
		return EXIT_BAD_INPUT;
	}
	ret = report_run(o, &in, res);
	inputs_release(&in);
	return ret;
}

/* Does dir hold a run.json (a run directory)? */
static int
compare_is_run_dir(const char *dir)
{
	struct stat st;
	char *p = xasprintf("%s/run.json", dir);
	int ret = stat(p, &st) == 0 && S_ISREG(st.st_mode);

	free(p);
	return ret;
}

static int
cmd_compare_exec(int argc, char **argv)
{
	struct report_opts o;
	struct report_result prev, cur;
	struct compare cmp;
	struct out out;
	enum view_format fmt = FMT_CSV;
	int have_fmt = 0, have_prev = 0, have_cur = 0;
	const char *output = NULL, *teams_path = NULL, *db_path = NULL;
	const char *sides[2] = { NULL, NULL };
	char *run_prev = NULL;	/* compare RUN_DIR: its previous export */
	struct teams *teams = NULL;
	int32_t prev_since = INT32_MIN, prev_until = INT32_MAX;
	unsigned long long top = 0;
	dec_t min_change = 0;
	int c, idx, ret = EXIT_USAGE;

	report_opts_init(&o);
	report_parse_by(&o, "project");
	optind = 1;
	while ((c = getopt_long(argc, argv, "ho:", compare_options,
	    &idx)) != -1) {
		switch (c) {
		case CMDOPT_SHARED:
			if (cmdopt_report("compare", &o,
			    compare_options[idx].name, optarg) != 0)
				goto out;
			break;
		case OPT_MIN_CHANGE:
			if (dec_parse(optarg, strlen(optarg),
			    &min_change) < 0 || min_change < 0) {
				ret = cmdopt_usage("compare", "--min-change: "
				    "expected credits of at least 0 such as "
				    "100 or 0.5, got '%.100s'", optarg);
				goto out;
			}
			break;
		case OPT_TOP:
			if (parse_uint(optarg, 1000000000, &top) < 0 ||
			    top == 0) {
				ret = cmdopt_usage("compare", "--top: "
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
				ret = cmdopt_usage("compare", "--format: "
				    "expected table, csv, json or markdown, "
				    "got '%.100s'", optarg);
				goto out;
			}
			have_fmt = 1;
			break;
		case OPT_DB:
			db_path = optarg;
			break;
		case OPT_PREV_SINCE:
		case OPT_PREV_UNTIL:
			if (strlen(optarg) != 10 || date_parse(optarg, 10,
			    c == OPT_PREV_SINCE ? &prev_since :
			    &prev_until) < 0) {
				ret = cmdopt_usage("compare", "--%s: expected "
				    "a date (YYYY-MM-DD), got '%.100s'",
				    compare_options[idx].name, optarg);
				goto out;
			}
			break;
		case 'o':
			output = optarg;
			break;
		case OPT_TEAMS:
			teams_path = optarg;
			break;
		case 'h':
			fputs(compare_usage, stdout);
			ret = EXIT_OK;
			goto out;
		default:
			fprintf(stderr, "Try 'circleci-usage compare --help' "
			    "for more information.\n");
			goto out;
		}
	}
	if (o.since > o.until) {
		ret = cmdopt_usage("compare", "--since is after --until");
		goto out;
	}
	if ((ret = cmdopt_teams(teams_path, &teams)) != 0)
		goto out;
	ret = EXIT_USAGE;
	o.teams = teams;
	if (db_path != NULL) {
		if (argc != optind) {
			ret = cmdopt_usage("compare", "--db reads both periods "
			    "from history: give no PREVIOUS or CURRENT");
			goto out;
		}
		if (prev_since == INT32_MIN || prev_until == INT32_MAX ||
		    o.since == INT32_MIN) {
			ret = cmdopt_usage("compare", "--db needs "
			    "--previous-since, --previous-until and --since");
			goto out;
		}
		if (prev_since > prev_until) {
			ret = cmdopt_usage("compare", "--previous-since is "
			    "after --previous-until");
			goto out;
		}
	} else if (prev_since != INT32_MIN || prev_until != INT32_MAX) {
		ret = cmdopt_usage("compare", "--previous-since and "
		    "--previous-until go with --db");
		goto out;
	} else if (argc - optind == 1 && compare_is_run_dir(argv[optind])) {
		/* a run directory: its previous period, then itself */
		run_prev = inputs_run_previous(argv[optind]);
		if (run_prev == NULL) {
			ret = EXIT_BAD_INPUT;
			goto out;
		}
		sides[0] = run_prev;
		sides[1] = argv[optind];
	} else if (argc - optind != 2) {
		ret = cmdopt_usage("compare", "expected two inputs, PREVIOUS "
		    "and CURRENT, got %d", argc - optind);
		goto out;
	}
	if (db_path == NULL && sides[0] == NULL) {
		sides[0] = argv[optind];
		sides[1] = argv[optind + 1];
	}
	if (db_path == NULL && strcmp(sides[0], "-") == 0 &&
	    strcmp(sides[1], "-") == 0) {
		ret = cmdopt_usage("compare", "only one side can be read from "
		    "the standard input (-)");
		goto out;
	}
	if (!have_fmt) {
		if (output != NULL && strcmp(output, "-") != 0)
			cmdopt_format_from_name(output, &fmt);
		else
			fmt = isatty(STDOUT_FILENO) ? FMT_TABLE : FMT_CSV;
	}
	if (db_path != NULL) {
		int32_t since = o.since, until = o.until;

		o.since = prev_since;
		o.until = prev_until;
		ret = db_report_path(db_path, &o, &prev);
		o.since = since;
		o.until = until;
	} else {
		ret = compare_side(&o, sides[0], &prev);
	}
	have_prev = 1;
	if (ret != 0)
		goto out;
	if (db_path != NULL)
		ret = db_report_path(db_path, &o, &cur);
	else
		ret = compare_side(&o, sides[1], &cur);
	have_cur = 1;
	if (ret != 0)
		goto out;
	compare_build(&cmp, &o, &prev, &cur);
	compare_limit(&cmp, min_change, (size_t)top);
	if (out_open(&out, output) < 0) {
		ret = EXIT_FAILURE_OTHER;
	} else if (compare_write(&cmp, out.f, fmt) < 0) {
		out_abort(&out);
		error("cannot write the comparison");
		ret = EXIT_FAILURE_OTHER;
	} else {
		ret = out_commit(&out) < 0 ? EXIT_FAILURE_OTHER : EXIT_OK;
	}
	compare_release(&cmp);
out:
	if (have_cur)
		report_result_release(&cur);
	if (have_prev)
		report_result_release(&prev);
	report_opts_release(&o);
	teams_free(teams);
	free(run_prev);
	return ret;
}

const struct cmd_entry cmd_compare_entry = {
	.name = "compare",
	.summary = "what changed between two periods, group by group",
	.exec = cmd_compare_exec,
};
