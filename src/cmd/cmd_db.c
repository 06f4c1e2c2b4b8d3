/*
 * cmd_db.c: `circleci-usage db info|prune`, look after the history
 * database: what span and how many job runs it holds, and deleting the
 * job runs before a date (in one transaction).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "cmdopt.h"
#include "date.h"
#include "db.h"
#include "util.h"

const struct cmdopt_cmd db_cmd = {
	.name = "db",
	.summary = "the history database: info, prune --before DATE",
	.usage =
"usage: circleci-usage db info [--db FILE]\n"
"       circleci-usage db prune --before DATE [--db FILE]\n"
"\n"
"info: the history database's span, row counts and size.\n"
"prune: delete the job runs dated before DATE (YYYY-MM-DD), atomically.\n",
	.opts = (const struct cmdopt_use[]){
		CMDOPT_HELP(CO_DB, "the database (default as for ingest)"),
		CMDOPT(CO_BEFORE), CMDOPT_END
	},
	.operands = "info prune",
};

static int
cmd_db_info(struct db *db, const char *path)
{
	struct db_info info;
	char d1[DATE_BUFSZ], d2[DATE_BUFSZ];

	if (db_info(db, &info) < 0)
		return EXIT_FAILURE_OTHER;
	printf("database:   %s\n", path);
	printf("engine:     %s, schema version %d\n", info.engine,
	    info.version);
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

int
cmd_db(int argc, char **argv)
{
	struct db *db = NULL;
	struct cmdopt co;
	struct cmdopt_value val;
	char *path = NULL;
	const char *before = NULL, *verb;
	int32_t day = 0;
	uint64_t removed;
	int id, ret;

	cmdopt_init(&co, &db_cmd, NULL);
	while ((id = cmdopt_next(&co, argc, argv, &val)) > 0) {
		if (id == CO_BEFORE) {
			before = val.str;
			day = val.day;
		}
	}
	if (id < 0) {
		ret = co.status;
		goto out;
	}
	ret = EXIT_USAGE;
	verb = optind + 1 == argc ? argv[optind] : "";
	if (strcmp(verb, "info") != 0 && strcmp(verb, "prune") != 0) {
		cmdopt_usage("db", "expected one of: info, prune");
		goto out;
	}
	if (strcmp(verb, "prune") == 0 && before == NULL) {
		cmdopt_usage("db", "prune: --before DATE (YYYY-MM-DD) is "
		    "required");
		goto out;
	}
	if (co.db != NULL && strcmp(co.db, "-") != 0)
		path = xstrdup(co.db);
	else if ((path = db_default_path()) == NULL)
		goto out;
	db = db_open(path, 0, &ret);
	if (db == NULL)
		goto out;
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
	cmdopt_release(&co);
	return ret;
}
