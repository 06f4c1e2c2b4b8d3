/*
 * cmd_db.c: `circleci-usage db info|prune`, look after the history
 * database: what span and how many job runs it holds, and deleting the
 * job runs before a date (in one transaction).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "cmdopt.h"
#include "date.h"
#include "db.h"
#include "util.h"

static const char db_usage[] =
"usage: circleci-usage db info [--db FILE]\n"
"       circleci-usage db prune --before DATE [--db FILE]\n"
"\n"
"info: the history database's span, row counts and size.\n"
"prune: delete the job runs dated before DATE (YYYY-MM-DD), atomically.\n"
"\n"
"  --db FILE       the database (default as for ingest)\n"
"  --before DATE   prune: keep job runs on or after DATE\n"
"  -h, --help      show this help\n";

static int
db_usage_error(const char *msg)
{
	return cmdopt_usage("db", "%s", msg);
}

static int
cmd_db_info(struct db *db, const char *path)
{
	struct db_info info;
	char d1[DATE_BUFSZ], d2[DATE_BUFSZ];

	if (db_info(db, &info) < 0)
		return EXIT_FAILURE_OTHER;
	printf("database:   %s\n", path);
	if (info.have_days) {
		date_format_day(info.first_day, d1);
		date_format_day(info.last_day, d2);
		printf("span:       %s to %s\n", d1, d2);
	} else {
		printf("span:       (no dated job runs)\n");
	}
	printf("job runs:   %llu (%llu without a date)\n",
	    (unsigned long long)info.job_runs,
	    (unsigned long long)info.undated);
	printf("daily rows: %llu\n", (unsigned long long)info.daily_rows);
	printf("names:      %llu\n", (unsigned long long)info.names);
	printf("ingests:    %llu\n", (unsigned long long)info.ingests);
	printf("size:       %llu bytes\n", (unsigned long long)info.bytes);
	return EXIT_OK;
}

static int
cmd_db_exec(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "before", required_argument, NULL, 'b' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct db *db = NULL;
	char *path = NULL;
	const char *before = NULL, *verb;
	int32_t day = 0;
	uint64_t removed;
	int c, ret = EXIT_USAGE;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			free(path);
			path = xstrdup(optarg);
			break;
		case 'b':
			before = optarg;
			break;
		case 'h':
			fputs(db_usage, stdout);
			ret = EXIT_OK;
			goto out;
		default:
			ret = db_usage_error("unknown option");
			goto out;
		}
	}
	if (optind + 1 != argc) {
		ret = db_usage_error("expected one of: info, prune");
		goto out;
	}
	verb = argv[optind];
	if (strcmp(verb, "info") != 0 && strcmp(verb, "prune") != 0) {
		ret = db_usage_error("expected one of: info, prune");
		goto out;
	}
	if (strcmp(verb, "prune") == 0 && before == NULL) {
		ret = db_usage_error("prune: --before DATE (YYYY-MM-DD) is "
		    "required");
		goto out;
	}
	if (strcmp(verb, "prune") == 0 && (strlen(before) != 10 ||
	    date_parse(before, 10, &day) < 0)) {
		char msg[160];

		snprintf(msg, sizeof(msg), "prune: --before: expected a date "
		    "YYYY-MM-DD, got '%.100s'", before);
		ret = db_usage_error(msg);
		goto out;
	}
	if (path == NULL && (path = db_default_path()) == NULL)
		goto out;
	db = db_open(path, 0, NULL);
	if (db == NULL) {
		ret = EXIT_BAD_INPUT;
		goto out;
	}
	if (strcmp(verb, "info") == 0) {
		ret = cmd_db_info(db, path);
	} else if (db_prune(db, day, &removed) < 0) {
		ret = EXIT_FAILURE_OTHER;
	} else {
		printf("%llu job run%s before %s deleted\n",
		    (unsigned long long)removed, removed == 1 ? "" : "s",
		    before);
		ret = EXIT_OK;
	}
out:
	db_close(db);
	free(path);
	return ret;
}

const struct cmd_entry cmd_db_entry = {
	.name = "db",
	.summary = "the history database: info, prune --before DATE",
	.exec = cmd_db_exec,
};
