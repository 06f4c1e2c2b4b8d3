/*
 * cmdopt.h: option parsing shared by the commands that read exports the
 * way `report` does (compare, notify): the same --by, filters and formats,
 * and the same usage errors (one line naming the option, then a hint).
 */
#ifndef CU_CMDOPT_H
#define CU_CMDOPT_H

#include <stddef.h>
#include <stdint.h>

#include "report.h"
#include "teams.h"
#include "util.h"
#include "view.h"

/*
 * Print "circleci-usage: CMD: <message>" and the --help hint on stderr;
 * returns EXIT_USAGE, so that callers can write `return cmdopt_usage(...)`.
 */
int cmdopt_usage(const char *cmd, const char *fmt, ...) CU_PRINTF(2, 3);

/* table, csv, json, markdown (or md).  Returns 0, or -1. */
int cmdopt_format(const char *s, enum view_format *fmt);

/* The format an output name asks for (.csv .json .md .txt), or -1. */
int cmdopt_format_from_name(const char *path, enum view_format *fmt);

/*
 * Append the values of a comma-separated list to *list (each copied; the
 * caller frees them).  Returns 0, or -1 on an empty value.
 */
int cmdopt_list(char ***list, size_t *n, const char *arg);

/*
 * Handle one of the options every export-reading command shares with
 * `report`: --by, --since, --until, --project, --branch, --status,
 * --strict, --keep-duplicates, --threads (`name` without its dashes).
 * Returns 0 when handled, 1 when `name` is not one of them, or
 * EXIT_USAGE after printing the error.
 */
int cmdopt_report(const char *cmd, struct report_opts *o, const char *name,
    const char *arg);

/*
 * The teams file of a command: `path` (its --teams), else
 * $CIRCLECI_USAGE_TEAMS when set and not empty, else none.  Sets *out
 * (NULL for none; free with teams_free()).  Returns 0, or EXIT_USAGE
 * after printing the error (the file's name and line).  A malformed
 * teams file is a usage error, as a bad option value is.
 */
int cmdopt_teams(const char *path, struct teams **out);

/*
 * getopt_long entries for those options: each has the value
 * CMDOPT_SHARED, and the command passes the entry's name to
 * cmdopt_report() (getopt_long's longindex tells which).
 */
#define CMDOPT_SHARED 0x1000
#define CMDOPT_BY_OPTIONS \
	{ "by", required_argument, NULL, CMDOPT_SHARED }
#define CMDOPT_FILTER_OPTIONS \
	{ "since", required_argument, NULL, CMDOPT_SHARED }, \
	{ "until", required_argument, NULL, CMDOPT_SHARED }, \
	{ "project", required_argument, NULL, CMDOPT_SHARED }, \
	{ "branch", required_argument, NULL, CMDOPT_SHARED }, \
	{ "status", required_argument, NULL, CMDOPT_SHARED }
#define CMDOPT_INPUT_OPTIONS \
	{ "strict", no_argument, NULL, CMDOPT_SHARED }, \
	{ "keep-duplicates", no_argument, NULL, CMDOPT_SHARED }, \
	{ "threads", required_argument, NULL, CMDOPT_SHARED }

/* Their lines in a --help text. */
#define CMDOPT_BY_HELP \
"  --by KEY[,KEY...]     group by: project (default), workflow, job,\n" \
"                        branch, resource_class, executor, os, status,\n" \
"                        org, trigger, user, day, week, month; team\n" \
"                        with --teams\n"
#define CMDOPT_TEAMS_HELP \
"  --teams FILE          the teams file (YAML) that maps projects to teams\n" \
"                        for --by team (default $CIRCLECI_USAGE_TEAMS)\n"
#define CMDOPT_FILTER_HELP \
"  --since DATE          only job runs on or after DATE (YYYY-MM-DD)\n" \
"  --until DATE          only job runs on or before DATE\n" \
"  --project GLOB        only projects matching GLOB (repeatable)\n" \
"  --branch GLOB         only branches matching GLOB (repeatable)\n" \
"  --status LIST         only these JOB_BUILD_STATUS values (repeatable)\n"
#define CMDOPT_INPUT_HELP \
"  --strict              a bad row or value is an error, not a warning\n" \
"  --keep-duplicates     count every row, even a job run seen before\n" \
"  --threads N           reader threads (default: one per core)\n"

#endif
