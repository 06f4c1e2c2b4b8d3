/*
 * cmd_ingest.c: `circleci-usage ingest`, load exports into the history
 * database (db.h), each job run once, in one transaction, so that
 * `report --db` can answer across any span later.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "cmdopt.h"
#include "date.h"
#include "db.h"
#include "inputs.h"
#include "progress.h"
#include "teams.h"
#include "users.h"
#include "util.h"

const struct cmdopt_cmd ingest_cmd = {
	.name = "ingest",
	.summary = "load exports into the history database (each job once)",
	.usage =
"usage: circleci-usage ingest [--db FILE|URI] [--teams FILE] [--quiet] "
"PATH...\n"
"\n"
"Load Usage API exports into the history database, each job run once\n"
"(keyed by JOB_ID): ingesting the same or an overlapping export again\n"
"adds only the job runs not stored yet.  All PATHs are one transaction:\n"
"if any fails, nothing is stored.  PATH is as for report.  The database\n"
"is an SQLite file, or a PostgreSQL server given as a libpq URI\n"
"(postgresql://...) or keywords with host=, the password from\n"
"PGPASSWORD, ~/.pgpass, PGPASSFILE or passfile=, never in URI.\n"
"With --teams, each project's team is stored too (table project_teams,\n"
"the team column of the view daily_named).\n",
	.opts = (const struct cmdopt_use[]){
		CMDOPT_HELP(CO_DB, "the database: a file or a PostgreSQL "
		    "URI (default $CIRCLECI_USAGE_DB, else "
		    "$XDG_DATA_HOME/circleci-usage/usage.db, else "
		    "~/.local/share/circleci-usage/usage.db), created on "
		    "first use"),
		CMDOPT_HELP(CO_TEAMS, "the teams file (YAML): store each "
		    "project's team for the views (default "
		    "$CIRCLECI_USAGE_TEAMS)"),
		CMDOPT_HELP(CO_QUIET, "no progress on stderr (shown for "
		    "inputs that take more than a second or two: a live line "
		    "on a terminal, else a line now and then)"),
		CMDOPT_END
	},
	.flags = CMDOPT_DB_TARGET,
};

/* db_ingest's progress as the live line's detail (progress.h) */
static void
ingest_progress(void *ctx, const struct db_progress *p)
{
	char b[32], t[32];

	(void)ctx;
	if (p->stage == DB_PROGRESS_FINISHING) {
		progress_state("storing the daily roll-up and committing "
		    "(%llu job runs read)", (unsigned long long)p->rows);
		return;
	}
	progress_bytes((double)p->bytes, b, sizeof(b));
	if (p->bytes_total > 0) {
		progress_bytes((double)p->bytes_total, t, sizeof(t));
		progress_detail("%d%% (%s of %s), %llu job runs",
		    (int)(100.0 * (double)p->bytes / (double)p->bytes_total),
		    b, t, (unsigned long long)p->rows);
	} else {
		progress_detail("%s, %llu job runs", b,
		    (unsigned long long)p->rows);
	}
}

/*
 * The user names cached in the export directories ingested (users.json,
 * users.h) into the database's users table; a bad cache is ignored with
 * a warning.  An exit code.
 */
static int
ingest_names(struct db *db, const struct inputs *in)
{
	struct users u;
	char err[256];
	size_t i;
	int ret = 0;

	users_init(&u);
	for (i = 0; i < in->ndirs; i++) {
		char *path = xasprintf("%s/%s", in->dirs[i], USERS_FILE);

		if (users_load(&u, path, err, sizeof(err)) < 0)
			warning("'%s': %s; its user names not stored", path,
			    err);
		free(path);
	}
	if (db_users_store(db, &u) < 0)
		ret = EXIT_FAILURE_OTHER;
	users_release(&u);
	return ret;
}

int
cmd_ingest(int argc, char **argv)
{
	struct db *db = NULL;
	struct teams *teams = NULL;
	struct db_ingest_stats st;
	struct cmdopt co;
	struct cmdopt_value val;
	char *path = NULL;
	int id, ret, quiet = 0;

	cmdopt_init(&co, &ingest_cmd, NULL);
	while ((id = cmdopt_next(&co, argc, argv, &val)) > 0)
		if (id == CO_QUIET)
			quiet = 1;
	if (id < 0) {
		ret = co.status;
		goto out;
	}
	if ((ret = cmdopt_inputs(&co, argc, argv, &co.in)) != 0 ||
	    (ret = cmdopt_teams(co.teams_path, &teams)) != 0)
		goto out;
	ret = EXIT_USAGE;
	if (co.db != NULL && strcmp(co.db, "-") != 0)
		path = xstrdup(co.db);
	else if ((path = db_default_path()) == NULL)
		goto out;
	db = db_open(path, 1, &ret);
	if (db == NULL)
		goto out;
	progress_init(quiet);
	progress_begin("ingest", "reading %zu file%s", co.in.n,
	    co.in.n == 1 ? "" : "s");
	db_set_progress(db, ingest_progress, NULL);
	ret = db_ingest(db, &co.in, &st);
	progress_end();
	if (ret != 0) {
		fprintf(stderr, "%s: ingest: nothing stored\n", PROGRAM_NAME);
		goto out;
	}
	if ((ret = ingest_names(db, &co.in)) != 0)
		goto out;
	if (teams != NULL && db_teams_store(db, teams) < 0) {
		ret = EXIT_FAILURE_OTHER;
		goto out;
	}
	/* under run, whose live line may show on the same terminal */
	progress_hold();
	printf("%llu job run%s read from %llu file%s: %llu new, %llu already "
	    "present", (unsigned long long)st.rows_read,
	    st.rows_read == 1 ? "" : "s", (unsigned long long)st.files,
	    st.files == 1 ? "" : "s", (unsigned long long)st.rows_new,
	    (unsigned long long)st.rows_present);
	if (st.rows_skipped)
		printf(", %llu skipped", (unsigned long long)st.rows_skipped);
	if (st.rows_outside)
		printf(", %llu outside their export's range left out",
		    (unsigned long long)st.rows_outside);
	if (st.rows_new == 0)
		printf(" (nothing changed)");
	else if (st.have_days) {
		char d1[DATE_BUFSZ], d2[DATE_BUFSZ];

		date_format_day(st.first_day, d1);
		date_format_day(st.last_day, d2);
		printf(" (%s to %s)", d1, d2);
	}
	printf("\n");
	fflush(stdout);
	progress_release();
out:
	db_close(db);
	teams_free(teams);
	free(path);
	cmdopt_release(&co);
	return ret;
}
