/*
 * cmd_compare.c: `circleci-usage compare PREVIOUS CURRENT`, what changed
 * between two periods: each side is read exactly as `report` reads it,
 * and every group's credits are set side by side, largest change first.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cmd.h"
#include "cmdopt.h"
#include "compare.h"
#include "date.h"
#include "db.h"
#include "out.h"
#include "report.h"
#include "users.h"
#include "util.h"

const struct cmdopt_cmd compare_cmd = {
	.name = "compare",
	.summary = "what changed between two periods, group by group",
	.usage =
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
"RUN_DIR (made by run --compare), its previous period against its own.\n",
	.opts = (const struct cmdopt_use[]){
		CMDOPT_HEADING("Grouping and filters (applied to both sides):"),
		CMDOPT(CO_BY), CMDOPT(CO_TEAMS), CMDOPT_FILTERS,
		CMDOPT_HEADING("Output:"),
		CMDOPT(CO_MIN_CHANGE), CMDOPT(CO_TOP), CMDOPT(CO_CSV_SAFE),
		CMDOPT(CO_FORMAT), CMDOPT(CO_OUTPUT),
		CMDOPT_HEADING("Input:"),
		CMDOPT_INPUT,
		CMDOPT_HELP(CO_DB, "both periods from history (see ingest; - "
		    "for the default database): the previous period is "
		    "--previous-since/--previous-until, the current one "
		    "--since/--until"),
		CMDOPT(CO_PREVIOUS_SINCE), CMDOPT(CO_PREVIOUS_UNTIL),
		CMDOPT_END
	},
};

/*
 * Read one side into res, as report does.  Returns 0 or an exit code; res
 * is to be released either way.
 */
static int
compare_side(const struct report_opts *o, const char *path,
    struct report_result *res, struct users *u)
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
	if (users_wanted(o))	/* the login names cached beside it */
		users_load_dirs(u, &in);
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

/*
 * The two sides from the operands: PREVIOUS CURRENT, or a RUN_DIR (then
 * *run_prev is its previous export, the caller's to free).  Returns 0, or
 * an exit code after the error.
 */
static int
compare_sides(int argc, char **argv, const char *sides[2], char **run_prev)
{
	if (argc - optind == 1 && compare_is_run_dir(argv[optind])) {
		/* a run directory: its previous period, then itself */
		*run_prev = inputs_run_previous(argv[optind]);
		if (*run_prev == NULL)
			return EXIT_BAD_INPUT;
		sides[0] = *run_prev;
		sides[1] = argv[optind];
		return 0;
	}
	if (argc - optind != 2)
		return cmdopt_usage("compare", "expected two inputs, PREVIOUS "
		    "and CURRENT, got %d", argc - optind);
	sides[0] = argv[optind];
	sides[1] = argv[optind + 1];
	if (strcmp(sides[0], "-") == 0 && strcmp(sides[1], "-") == 0)
		return cmdopt_usage("compare", "only one side can be read from "
		    "the standard input (-)");
	return 0;
}

/* --db: both periods from history, the options checked. */
static int
compare_db_check(int argc, const struct report_opts *o, int32_t prev_since,
    int32_t prev_until)
{
	if (argc != optind)
		return cmdopt_usage("compare", "--db reads both periods from "
		    "history: give no PREVIOUS or CURRENT");
	if (prev_since == INT32_MIN || prev_until == INT32_MAX ||
	    o->since == INT32_MIN)
		return cmdopt_usage("compare", "--db needs --previous-since, "
		    "--previous-until and --since");
	if (prev_since > prev_until)
		return cmdopt_usage("compare", "--previous-since is after "
		    "--previous-until");
	return 0;
}

int
cmd_compare(int argc, char **argv)
{
	struct report_opts po;
	struct report_result prev, cur;
	struct compare cmp;
	struct out out;
	struct cmdopt co;
	struct cmdopt_value val;
	struct users users;
	int have_prev = 0, have_cur = 0;
	const char *sides[2] = { NULL, NULL };
	char *run_prev = NULL;	/* compare RUN_DIR: its previous export */
	int32_t prev_since = INT32_MIN, prev_until = INT32_MAX;
	dec_t min_change = 0;
	int id, ret;

	users_init(&users);
	cmdopt_init(&co, &compare_cmd, NULL);
	report_parse_by(&co.o, "project");
	while ((id = cmdopt_next(&co, argc, argv, &val)) > 0) {
		if (id == CO_MIN_CHANGE)
			min_change = val.dec;
		else if (id == CO_PREVIOUS_SINCE)
			prev_since = val.day;
		else if (id == CO_PREVIOUS_UNTIL)
			prev_until = val.day;
	}
	if (id < 0) {
		ret = co.status;
		goto out;
	}
	if (co.db != NULL)
		ret = compare_db_check(argc, &co.o, prev_since, prev_until);
	else if (prev_since != INT32_MIN || prev_until != INT32_MAX)
		ret = cmdopt_usage("compare", "--previous-since and "
		    "--previous-until go with --db");
	else
		ret = compare_sides(argc, argv, sides, &run_prev);
	if (ret != 0)
		goto out;
	if (co.db != NULL) {
		/* the previous period: the options, another span */
		po = co.o;
		po.since = prev_since;
		po.until = prev_until;
		ret = db_report_path(co.db, &po, &prev);
	} else {
		ret = compare_side(&co.o, sides[0], &prev, &users);
	}
	have_prev = 1;
	if (ret != 0)
		goto out;
	if (co.db != NULL)
		ret = db_report_path(co.db, &co.o, &cur);
	else
		ret = compare_side(&co.o, sides[1], &cur, &users);
	have_cur = 1;
	if (ret != 0)
		goto out;
	cmdopt_names_pair(&co, &users, &prev, &cur);
	compare_build(&cmp, &co.o, &prev, &cur);
	compare_limit(&cmp, min_change, (size_t)co.top);
	ret = out_open(&out, co.output) < 0 || out_close(&out,
	    compare_write(&cmp, out.f, co.fmt) < 0) < 0 ? EXIT_FAILURE_OTHER :
	    EXIT_OK;
	compare_release(&cmp);
out:
	if (have_cur)
		report_result_release(&cur);
	if (have_prev)
		report_result_release(&prev);
	cmdopt_release(&co);
	users_release(&users);
	free(run_prev);
	return ret;
}
