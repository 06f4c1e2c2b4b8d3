/*
 * db.h: history, a database of job runs (the README's "History" section
 * documents the schema): an SQLite file, or a PostgreSQL server named by
 * a libpq connection string (dburi.h).  A job run is stored once, keyed
 * by its JOB_ID; an ingest is one transaction; a daily roll-up table kept
 * at ingest answers most reports without reading the job runs.  Both
 * engines give the same answers: the summing is one code (dbi.h).
 *
 * Credits, seconds and utilization are exact.  SQLite: an INTEGER when
 * the value is a whole number that fits, else the decimal as TEXT
 * (db_dec_encode).  PostgreSQL: numeric.  Nothing is ever rounded.
 */
#ifndef CU_DB_H
#define CU_DB_H

#include <stddef.h>
#include <stdint.h>

#include "dec.h"
#include "inputs.h"
#include "report.h"

struct alertstate;
struct db;
struct teams;
struct users;

/*
 * The default database: $CIRCLECI_USAGE_DB (a file or a PostgreSQL
 * connection string), else $XDG_DATA_HOME/circleci-usage/usage.db, else
 * $HOME/.local/share/circleci-usage/usage.db.  The caller frees it;
 * NULL (after an error) when none of these is set.
 */
char *db_default_path(void);

/*
 * Open `path`: a PostgreSQL connection string (a postgresql:// or
 * postgres:// URI, or keywords with host=; one holding a password is
 * refused, EXIT_USAGE), else an SQLite file.  With `create`, the schema
 * is made or migrated to this program's version (each step in its own
 * transaction); without, a database of an older version is read as it
 * is and a newer one refused.
 *
 * SQLite: the file (and its directory) made when `create` is set; WAL
 * mode.  The connection is defensive (no trigger or
 * view runs, no function with side effects from the schema, no writing
 * to the schema), and a file holding any table, index, view or trigger
 * that our schema does not define, or one of ours defined otherwise, is
 * refused before anything is read or written; without `create`, one
 * lacking an object of ours too.  Returns NULL after printing an error;
 * then *code (if not NULL) is EXIT_BAD_INPUT for a missing file or one
 * that is not a history database of ours, EXIT_FAILURE_OTHER for an I/O
 * error.
 */
struct db *db_open(const char *path, int create, int *code);

/* Close; db_close(NULL) does nothing. */
void db_close(struct db *db);

struct db_ingest_stats {
	uint64_t files;
	uint64_t rows_read;	/* data records */
	uint64_t rows_skipped;	/* unreadable: report would not count them */
	uint64_t rows_new;	/* job runs stored now */
	uint64_t rows_present;	/* job runs already stored (or twice here) */
	uint64_t rows_outside;	/* outside their export's range: not stored */
	int32_t first_day, last_day;	/* of the new rows */
	int have_days;
};

/* How far an ingest got (db_set_progress). */
enum db_progress_stage {
	DB_PROGRESS_READING,	/* reading the inputs, storing job runs */
	DB_PROGRESS_FINISHING	/* the daily roll-up, then the commit */
};

struct db_progress {
	enum db_progress_stage stage;
	uint64_t bytes;		/* of the inputs read so far, as stored
				 * (compressed) */
	uint64_t bytes_total;	/* their sizes; 0 when unknown (stdin) */
	uint64_t rows;		/* data records read so far */
	size_t files;		/* how many inputs */
};

/*
 * Have db_ingest() call fn(ctx, p) as it goes: at each stage and after
 * each batch of job runs stored (a few thousand), on the caller's thread.
 * fn NULL: no calls (the default).  The callback must not use `db`.
 */
void db_set_progress(struct db *db,
    void (*fn)(void *ctx, const struct db_progress *p), void *ctx);

/*
 * Load every input in one transaction, with the rules of `report`: a row
 * report would skip is skipped (and reported on stderr), a bad optional
 * number counts as 0.  Returns 0, or an exit code after printing the
 * error (EXIT_BAD_INPUT for an unreadable file or missing column,
 * EXIT_FAILURE_OTHER for a database error); on failure nothing is kept.
 */
int db_ingest(struct db *db, const struct inputs *in,
    struct db_ingest_stats *st);

/*
 * Answer a report from history, as report_run() does from files: the
 * same keys, grouping sets, filters and sums (with o->keep_duplicates
 * meaningless: history holds each job run once).  res->files is 0 and
 * res->rows_read counts the job runs looked at.  Returns 0 or an exit
 * code after printing the error.
 */
int db_report(struct db *db, const struct report_opts *o,
    struct report_result *res);

/*
 * db_report() on the database at `path` ("-": db_default_path()), opened
 * and closed here.  res is initialized (to be released) either way.
 */
int db_report_path(const char *path, const struct report_opts *o,
    struct report_result *res);

struct db_info {
	uint64_t job_runs, undated, names, daily_rows, ingests;
	int32_t first_day, last_day;
	int have_days;
	uint64_t bytes;		/* database file, WAL included; or the
				 * server's tables and indexes */
	const char *engine;	/* "sqlite", "postgresql" */
	int version;		/* of the schema */
};

int db_info(struct db *db, struct db_info *info);

/*
 * Store every user of u (users.h) in the users table, replacing those of
 * the same ID, in one transaction.  Needs a database opened to write
 * (db_open(path, 1, ...), which creates the table in an older one).
 * Returns 0, or -1 after the error.
 */
int db_users_store(struct db *db, const struct users *u);

/*
 * Add the users table's names to u.  A database from before user names
 * has none: 0, u unchanged.  A row that is not what db_users_store()
 * writes leaves u unchanged after a warning and returns -1.
 */
int db_users_load(struct db *db, struct users *u);

/*
 * Add the alerts_sent table's rows (notify's --cooldown) to s.  A
 * database from before it has none: 0, s unchanged.  A row that is not
 * what db_alerts_store() writes is an error naming the database and the
 * row: -1 (the state is never taken as empty).
 */
int db_alerts_load(struct db *db, struct alertstate *s);

/*
 * Record every alert of `sent` (replacing those of the same rule and
 * entity) and delete those sent before `before_ms`, in one transaction.
 * Needs a database opened to write (db_open(path, 1, ...), which creates
 * the table in an older one).  Returns 0, or -1 after the error.
 */
int db_alerts_store(struct db *db, const struct alertstate *sent,
    int64_t before_ms);

/*
 * Record which team each project stored belongs to (teams.h), replacing
 * the table project_teams, in one transaction: the views for BI tools
 * group by it.  Needs a database opened to write.  Returns 0 or -1.
 */
int db_teams_store(struct db *db, const struct teams *t);

/*
 * Delete the job runs (and roll-up rows) dated before `before`, in one
 * transaction; *removed counts the job runs.  Returns 0 or -1.
 */
int db_prune(struct db *db, int32_t before, uint64_t *removed);

/*
 * The exact encoding of a value: *is_int set and *iv the value in
 * nano-units, or *is_int clear and text[] (DEC_BUFSZ) the decimal.
 */
void db_dec_encode(dec_t v, int *is_int, int64_t *iv, char *text);

#endif
