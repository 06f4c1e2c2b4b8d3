/*
 * dbsqlite.c: the history engine in an SQLite file (dbi.h): the schema
 * and its migrations, the defensive opening, one prepared INSERT per job
 * run inside the ingest's one transaction (the roll-up summed in C and
 * merged before the commit), and the scans.
 */
#include "dbi.h"

#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "alertstate.h"
#include "teams.h"
#include "users.h"

#define SQ(db) ((sqlite3 *)(db)->h)
#define SQ_SUMS "run_seconds, compute_credits, dlc_credits, user_credits," \
	" storage_credits, network_credits, lease_credits," \
	" lease_overage_credits, ipranges_credits, total_credits"

static const struct db_ops sq_ops;

/* SQLite's page cache (KiB): to read, and to ingest */
#define SQ_CACHE_READ "-4096"
#define SQ_CACHE_INGEST "-32768"

/*
 * The schema, step by step (dbi.h: DB_SCHEMA_VERSION).  Every statement
 * is IF NOT EXISTS: version 1 databases made before the steps already
 * have users and alerts_sent.
 */
static const char sq_step1[] =
"CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT);\n"
"CREATE TABLE IF NOT EXISTS names(id INTEGER PRIMARY KEY,"
" value TEXT NOT NULL);\n"
"CREATE TABLE IF NOT EXISTS ingests(id INTEGER PRIMARY KEY,"
" at TEXT NOT NULL, files INTEGER NOT NULL, rows_read INTEGER NOT NULL,"
" rows_new INTEGER NOT NULL, rows_present INTEGER NOT NULL);\n"
"CREATE TABLE IF NOT EXISTS job_runs(\n"
" id INTEGER PRIMARY KEY,\n"
" job_key INTEGER NOT NULL,\n"
" job_id TEXT NOT NULL,\n"
" day INTEGER,\n"
" project INTEGER NOT NULL, workflow INTEGER NOT NULL,"
" job INTEGER NOT NULL, status INTEGER NOT NULL,"
" resource_class INTEGER NOT NULL, executor INTEGER NOT NULL,"
" os INTEGER NOT NULL, org INTEGER NOT NULL,"
" trigger_source INTEGER NOT NULL,"
" branch INTEGER NOT NULL, trigger_user INTEGER NOT NULL,\n"
" run_seconds, compute_credits, dlc_credits, user_credits,"
" storage_credits, network_credits, lease_credits,"
" lease_overage_credits, ipranges_credits, total_credits NOT NULL,\n"
" median_cpu_pct, max_cpu_pct, median_ram_pct, max_ram_pct,\n"
" ingest INTEGER NOT NULL);\n"
"CREATE UNIQUE INDEX IF NOT EXISTS job_runs_job ON job_runs(job_key);\n"
"CREATE TABLE IF NOT EXISTS daily(\n"
" day INTEGER,"
" project INTEGER NOT NULL, workflow INTEGER NOT NULL,"
" job INTEGER NOT NULL, status INTEGER NOT NULL,"
" resource_class INTEGER NOT NULL, executor INTEGER NOT NULL,"
" os INTEGER NOT NULL, org INTEGER NOT NULL,"
" trigger_source INTEGER NOT NULL,\n"
" jobs INTEGER NOT NULL,\n"
" run_seconds, compute_credits, dlc_credits, user_credits,"
" storage_credits, network_credits, lease_credits,"
" lease_overage_credits, ipranges_credits, total_credits);\n"
"CREATE UNIQUE INDEX IF NOT EXISTS daily_key ON daily(day, project,"
" workflow, job, status, resource_class, executor, os, org,"
" trigger_source);\n"
/* user names (users.h): added later, so an older database lacks it */
"CREATE TABLE IF NOT EXISTS users(id TEXT PRIMARY KEY, login TEXT,"
" name TEXT, fetched_at TEXT);\n"
/* notify's --cooldown (alertstate.h): added later too; sent_at in ms */
"CREATE TABLE IF NOT EXISTS alerts_sent(rule TEXT NOT NULL,"
" entity TEXT NOT NULL, sent_at INTEGER NOT NULL,"
" PRIMARY KEY(rule, entity));\n"
"CREATE VIEW IF NOT EXISTS job_runs_named AS SELECT r.job_id,"
" date(r.day * 86400, 'unixepoch') AS day,"
" p.value AS project, w.value AS workflow, j.value AS job,"
" s.value AS status, rc.value AS resource_class, e.value AS executor,"
" o.value AS os, g.value AS org, t.value AS trigger_source,"
" b.value AS branch, u.value AS trigger_user,"
" r.run_seconds, r.total_credits FROM job_runs r"
" JOIN names p ON p.id = r.project JOIN names w ON w.id = r.workflow"
" JOIN names j ON j.id = r.job JOIN names s ON s.id = r.status"
" JOIN names rc ON rc.id = r.resource_class"
" JOIN names e ON e.id = r.executor JOIN names o ON o.id = r.os"
" JOIN names g ON g.id = r.org JOIN names t ON t.id = r.trigger_source"
" JOIN names b ON b.id = r.branch JOIN names u ON u.id = r.trigger_user;\n"
"INSERT OR IGNORE INTO meta VALUES('schema_version', '1');\n";

/* 2: the teams of the projects and a roll-up with names, for people */
static const char sq_step2[] =
"CREATE TABLE IF NOT EXISTS project_teams(project TEXT PRIMARY KEY,"
" team TEXT NOT NULL);\n"
"CREATE VIEW IF NOT EXISTS daily_named AS SELECT"
" date(d.day * 86400, 'unixepoch') AS day,"
" g.value AS org, p.value AS project, pt.team AS team,"
" w.value AS workflow, j.value AS job, s.value AS status,"
" rc.value AS resource_class, e.value AS executor, o.value AS os,"
" t.value AS trigger_source, d.jobs, d.run_seconds, d.compute_credits,"
" d.dlc_credits, d.user_credits, d.storage_credits, d.network_credits,"
" d.lease_credits, d.lease_overage_credits, d.ipranges_credits,"
" d.total_credits FROM daily d"
" JOIN names p ON p.id = d.project JOIN names w ON w.id = d.workflow"
" JOIN names j ON j.id = d.job JOIN names s ON s.id = d.status"
" JOIN names rc ON rc.id = d.resource_class"
" JOIN names e ON e.id = d.executor JOIN names o ON o.id = d.os"
" JOIN names g ON g.id = d.org JOIN names t ON t.id = d.trigger_source"
" LEFT JOIN project_teams pt ON pt.project = p.value;\n";

/*
 * 3: the roll-ups by branch and by user (dbi.h), filled from the job
 * runs in C (sq_backfill), since SQL's sum() of these columns would not
 * be exact
 */
#define SQ_ROLL_VALS "jobs INTEGER NOT NULL, run_seconds, compute_credits," \
	" dlc_credits, user_credits, storage_credits, network_credits," \
	" lease_credits, lease_overage_credits, ipranges_credits, total_credits"
static const char sq_step3[] =
"CREATE TABLE IF NOT EXISTS daily_branch(day INTEGER,"
" project INTEGER NOT NULL, status INTEGER NOT NULL, org INTEGER NOT NULL,"
" branch INTEGER NOT NULL, " SQ_ROLL_VALS ");\n"
"CREATE UNIQUE INDEX IF NOT EXISTS daily_branch_key ON daily_branch(day,"
" project, status, org, branch);\n"
"CREATE TABLE IF NOT EXISTS daily_user(day INTEGER,"
" project INTEGER NOT NULL, status INTEGER NOT NULL, org INTEGER NOT NULL,"
" trigger_user INTEGER NOT NULL, " SQ_ROLL_VALS ");\n"
"CREATE UNIQUE INDEX IF NOT EXISTS daily_user_key ON daily_user(day,"
" project, status, org, trigger_user);\n";

/*
 * 4: the coarser roll-ups (dbi.h), filled from daily in C (sq_from_daily);
 * monthly_class's and monthly's day is the first of the month
 */
#define SQ_DIMS7 "project INTEGER NOT NULL, status INTEGER NOT NULL," \
	" resource_class INTEGER NOT NULL, executor INTEGER NOT NULL," \
	" os INTEGER NOT NULL, org INTEGER NOT NULL," \
	" trigger_source INTEGER NOT NULL"
static const char sq_step4[] =
"CREATE TABLE IF NOT EXISTS daily_project(day INTEGER,"
" project INTEGER NOT NULL, status INTEGER NOT NULL, org INTEGER NOT NULL, "
SQ_ROLL_VALS ");\n"
"CREATE UNIQUE INDEX IF NOT EXISTS daily_project_key ON daily_project(day,"
" project, status, org);\n"
"CREATE TABLE IF NOT EXISTS monthly_class(day INTEGER, " SQ_DIMS7 ", "
SQ_ROLL_VALS ");\n"
"CREATE UNIQUE INDEX IF NOT EXISTS monthly_class_key ON monthly_class(day,"
" project, status, resource_class, executor, os, org, trigger_source);\n"
"CREATE TABLE IF NOT EXISTS monthly_job(day INTEGER,"
" project INTEGER NOT NULL, workflow INTEGER NOT NULL,"
" job INTEGER NOT NULL, org INTEGER NOT NULL, " SQ_ROLL_VALS ");\n"
"CREATE UNIQUE INDEX IF NOT EXISTS monthly_job_key ON monthly_job(day,"
" project, workflow, job, org);\n"
"CREATE TABLE IF NOT EXISTS monthly(day INTEGER,"
" project INTEGER NOT NULL, workflow INTEGER NOT NULL,"
" job INTEGER NOT NULL, status INTEGER NOT NULL,"
" resource_class INTEGER NOT NULL, executor INTEGER NOT NULL,"
" os INTEGER NOT NULL, org INTEGER NOT NULL,"
" trigger_source INTEGER NOT NULL, " SQ_ROLL_VALS ");\n"
"CREATE UNIQUE INDEX IF NOT EXISTS monthly_key ON monthly(day, project,"
" workflow, job, status, resource_class, executor, os, org,"
" trigger_source);\n";

static const char *const sq_steps[DB_SCHEMA_VERSION] = { sq_step1, sq_step2,
	sq_step3, sq_step4 };

/* ---- exact numbers ---- */

static int
db_bind_dec(sqlite3_stmt *st, int i, dec_t v)
{
	char text[DEC_BUFSZ];
	int is_int;
	int64_t iv;

	db_dec_encode(v, &is_int, &iv, text);
	if (is_int)
		return sqlite3_bind_int64(st, i, iv);
	return sqlite3_bind_text(st, i, text, -1, SQLITE_TRANSIENT);
}

/*
 * A stored number (a value or a roll-up's sum) as a decimal into *out;
 * NULL is 0.  Returns 0, or -1 after an error naming the database, the
 * table, the row and the column when it is not a number or passes
 * DEC_SUM_MAX (only a database written by something else holds one).
 */
static int
db_column_dec(struct db *db, sqlite3_stmt *st, int i, const char *table,
    int64_t rowid, dec_t *out)
{
	const char *t;

	switch (sqlite3_column_type(st, i)) {
	case SQLITE_INTEGER:
		/* at most 2^63 nano-units: far below DEC_SUM_MAX */
		*out = (dec_t)sqlite3_column_int64(st, i) * NANO;
		return 0;
	case SQLITE_NULL:
		*out = 0;
		return 0;
	default:
		t = (const char *)sqlite3_column_text(st, i);
		if (t != NULL && dec_parse_sum(t, (size_t)sqlite3_column_bytes(
		    st, i), out) == 0)
			return 0;
		return error("database '%s': table %s, row %lld: %s: not a "
		    "number of at most 100000000000000000000", db->path, table,
		    (long long)rowid, sqlite3_column_name(st, i));
	}
}

/*
 * A row's run seconds at column i and its credits, one kind a column,
 * after it (db_column_dec() each).  Returns 0, or -1 after an error.
 */
static int
db_column_metrics(struct db *db, sqlite3_stmt *st, int i, const char *table,
    int64_t rowid, struct metrics *m)
{
	int c;

	if (db_column_dec(db, st, i, table, rowid, &m->run_seconds) < 0)
		return -1;
	for (c = 0; c < CR_COUNT; c++)
		if (db_column_dec(db, st, i + 1 + c, table, rowid,
		    &m->credits[c]) < 0)
			return -1;
	return 0;
}

static int
db_error(struct db *db, const char *what)
{
	return error("database '%s': %s: %s", db->path, what,
	    sqlite3_errmsg(SQ(db)));
}

static int
db_exec(struct db *db, const char *sql)
{
	char *msg = NULL;

	if (sqlite3_exec(SQ(db), sql, NULL, NULL, &msg) != SQLITE_OK) {
		error("database '%s': %s", db->path, msg ? msg :
		    sqlite3_errmsg(SQ(db)));
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

static int
db_prepare(struct db *db, const char *sql, sqlite3_stmt **st)
{
	if (sqlite3_prepare_v2(SQ(db), sql, -1, st, NULL) != SQLITE_OK)
		return db_error(db, "cannot prepare a statement");
	return 0;
}

/*
 * Does the file hold someone else's tables (and not ours)?  Then it is
 * left alone: not switched to WAL, no tables added.
 */
static int
db_foreign(struct db *db)
{
	sqlite3_stmt *st;
	int foreign = 0;

	if (sqlite3_prepare_v2(SQ(db), "SELECT count(*), count(CASE WHEN "
	    "name = 'meta' THEN 1 END) FROM sqlite_master", -1, &st, NULL) !=
	    SQLITE_OK) {
		db_error(db, "cannot read the schema");
		return 1;
	}
	if (sqlite3_step(st) == SQLITE_ROW)
		foreign = sqlite3_column_int64(st, 0) > 0 &&
		    sqlite3_column_int64(st, 1) == 0;
	sqlite3_finalize(st);
	if (foreign)
		error("'%s' is another SQLite database, not a circleci-usage "
		    "history database", db->path);
	return foreign;
}

/*
 * SQLite's defensive settings, before the file is read: no writing to
 * sqlite_schema or the file's own pages through SQL (DEFENSIVE), no
 * function with side effects run from the schema (TRUSTED_SCHEMA off),
 * and no trigger or view ever run (our schema has no trigger, and its one
 * view, job_runs_named, is for people, never queried here).
 */
static int
db_harden(struct db *db)
{
	static const struct {
		int op, value;
		const char *name;
	} cfg[] = {
		{ SQLITE_DBCONFIG_DEFENSIVE, 1, "defensive mode" },
		{ SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, "trusted_schema off" },
		{ SQLITE_DBCONFIG_ENABLE_TRIGGER, 0, "triggers off" },
		{ SQLITE_DBCONFIG_ENABLE_VIEW, 0, "views off" },
		{ SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, 0, "extensions off" },
	};
	size_t i;

	for (i = 0; i < sizeof(cfg) / sizeof(cfg[0]); i++) {
		int got = -1;

		if (sqlite3_db_config(SQ(db), cfg[i].op, cfg[i].value, &got) !=
		    SQLITE_OK || got != cfg[i].value)
			return error("database '%s': cannot set %s", db->path,
			    cfg[i].name);
	}
	return db_exec(db, "PRAGMA trusted_schema=OFF;");
}

/* One object of a schema: a row of sqlite_schema. */
struct db_object {
	char *type, *name, *tbl, *sql;	/* sql NULL for automatic indexes */
};

static void
db_objects_free(struct db_object *o, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(o[i].type);
		free(o[i].name);
		free(o[i].tbl);
		free(o[i].sql);
	}
	free(o);
}

static char *
db_col_dup(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);

	return t != NULL ? xstrdup((const char *)t) : NULL;
}

/* Every object of h's main schema.  Returns the count, or -1. */
static ssize_t
db_objects(sqlite3 *h, struct db_object **out)
{
	struct db_object *o = NULL;
	size_t n = 0, cap = 0;
	sqlite3_stmt *st;
	int rc;

	*out = NULL;
	if (sqlite3_prepare_v2(h, "SELECT type, name, tbl_name, sql FROM "
	    "main.sqlite_schema", -1, &st, NULL) != SQLITE_OK)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			o = xreallocarray(o, cap, sizeof(*o));
		}
		o[n].type = db_col_dup(st, 0);
		o[n].name = db_col_dup(st, 1);
		o[n].tbl = db_col_dup(st, 2);
		o[n].sql = db_col_dup(st, 3);
		n++;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		db_objects_free(o, n);
		return -1;
	}
	*out = o;
	return (ssize_t)n;
}

static int
db_str_eq(const char *a, const char *b)
{
	return a == NULL ? b == NULL : b != NULL && strcmp(a, b) == 0;
}

/* The tables SQLite makes itself (AUTOINCREMENT, ANALYZE): no code. */
static int
db_internal(const struct db_object *o)
{
	static const char *const names[] = { "sqlite_sequence",
	    "sqlite_stat1", "sqlite_stat2", "sqlite_stat3", "sqlite_stat4" };
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (o->name != NULL && strcasecmp(o->name, names[i]) == 0)
			return db_str_eq(o->type, "table");
	return 0;
}

/*
 * May an object of the schema be missing from a database that is read?
 * The users and alerts_sent tables (and their indexes) came after the
 * first databases, and step 2's objects after version 1: a reader treats
 * them as empty, a writer creates them.
 */
static int
db_optional(const struct db_object *o)
{
	return o->tbl != NULL && (strcmp(o->tbl, "users") == 0 ||
	    strcmp(o->tbl, "alerts_sent") == 0 ||
	    strcmp(o->tbl, "project_teams") == 0 ||
	    strcmp(o->tbl, "daily_named") == 0 ||
	    strcmp(o->tbl, "daily_branch") == 0 ||
	    strcmp(o->tbl, "daily_user") == 0 ||
	    strcmp(o->tbl, "daily_project") == 0 ||
	    strcmp(o->tbl, "monthly_class") == 0 ||
	    strcmp(o->tbl, "monthly_job") == 0 ||
	    strcmp(o->tbl, "monthly") == 0);
}

/* A name from the file, fit to quote in a message (cut, printable). */
static void
db_quote_name(const char *name, char *buf, size_t size)
{
	size_t i, k = 0;

	if (name == NULL)
		name = "";
	for (i = 0; name[i] != '\0' && k + 4 < size; i++)
		buf[k++] = (unsigned char)name[i] < 0x20 ||
		    name[i] == 0x7f ? '?' : name[i];
	if (name[i] != '\0' && k + 4 <= size) {
		memcpy(buf + k, "...", 3);
		k += 3;
	}
	buf[k] = '\0';
}

/*
 * Is the file's schema ours, object for object?  Every table, index,
 * view and trigger in it must be one that sq_steps make, of the same
 * type, on the same table, with the same SQL text (compared with the
 * schema made in memory, so SQLite's own rewriting of the text does not
 * matter); SQLite's internal tables are allowed.  With `allow_missing`
 * (ingest, which creates what is missing) objects may be absent; else
 * every one must be there.  Run before anything else reads the tables,
 * so that no trigger, view or index of someone else's is ever used.
 * Returns 0, or -1 after an error naming the file and the object.
 */
static int
db_verify(struct db *db, int allow_missing)
{
	struct db_object *want = NULL, *got = NULL;
	ssize_t nwant = -1, ngot = -1;
	sqlite3 *mem = NULL;
	char *seen = NULL, name[80], type[16];
	ssize_t i, j;
	int ret = -1;

	if (sqlite3_open_v2(":memory:", &mem, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_NOMUTEX, NULL) == SQLITE_OK) {
		int k, ok = 1;

		for (k = 0; k < DB_SCHEMA_VERSION && ok; k++)
			ok = sqlite3_exec(mem, sq_steps[k], NULL, NULL,
			    NULL) == SQLITE_OK;
		if (ok)
			nwant = db_objects(mem, &want);
	}
	sqlite3_close(mem);
	if (nwant < 0) {
		error("cannot make the history schema in memory");
		goto out;
	}
	ngot = db_objects(SQ(db), &got);
	if (ngot < 0) {
		db_error(db, "cannot read the schema");
		goto out;
	}
	seen = xcalloc((size_t)nwant + 1, 1);
	for (i = 0; i < ngot; i++) {
		const struct db_object *g = &got[i];

		if (db_internal(g))
			continue;
		for (j = 0; j < nwant; j++)
			if (g->name != NULL &&
			    strcasecmp(g->name, want[j].name) == 0)
				break;
		/* both from the file: printable, cut */
		db_quote_name(g->name, name, sizeof(name));
		db_quote_name(g->type ? g->type : "object", type,
		    sizeof(type));
		if (j == nwant) {
			error("database '%s' holds %s '%s', which a "
			    "circleci-usage history database does not have; "
			    "refusing to use it", db->path, type, name);
			goto out;
		}
		if (!db_str_eq(g->type, want[j].type) ||
		    !db_str_eq(g->tbl, want[j].tbl) ||
		    !db_str_eq(g->sql, want[j].sql)) {
			error("database '%s': its %s '%s' is not the %s "
			    "circleci-usage defines; refusing to use it",
			    db->path, type, name, want[j].type);
			goto out;
		}
		seen[j] = 1;
	}
	for (j = 0; j < nwant && !allow_missing; j++) {
		if (memchr(seen, 1, (size_t)nwant) == NULL) {
			error("'%s' is not a circleci-usage history database",
			    db->path);
			goto out;
		}
		if (!seen[j] && !db_optional(&want[j])) {
			error("database '%s' has no %s '%s': not a whole "
			    "circleci-usage history database", db->path,
			    want[j].type, want[j].name);
			goto out;
		}
	}
	ret = 0;
out:
	free(seen);
	db_objects_free(want, nwant > 0 ? (size_t)nwant : 0);
	db_objects_free(got, ngot > 0 ? (size_t)ngot : 0);
	return ret;
}

/*
 * Is this our database, of a schema version this program reads?  Sets
 * db->version.
 */
static int
db_check(struct db *db)
{
	sqlite3_stmt *st;
	const char *v;
	int version = 0;

	if (sqlite3_prepare_v2(SQ(db), "SELECT value FROM meta WHERE key = "
	    "'schema_version'", -1, &st, NULL) != SQLITE_OK)
		return error("'%s' is not a circleci-usage history database",
		    db->path);
	if (sqlite3_step(st) == SQLITE_ROW &&
	    (v = (const char *)sqlite3_column_text(st, 0)) != NULL)
		version = db_version_parse(v);
	sqlite3_finalize(st);
	if (version == 0)
		return error("'%s': not a circleci-usage history database "
		    "(no schema version)", db->path);
	if (version > DB_SCHEMA_VERSION)
		return error("'%s': a history database of schema version %d, "
		    "newer than this circleci-usage knows (%d): use a newer "
		    "circleci-usage", db->path, version, DB_SCHEMA_VERSION);
	db->version = version;
	return 0;
}

static int sq_merge_roll(struct db *db, const struct db_rollup *u,
    const struct agg *roll);

/*
 * Fill the roll-ups by branch and by user from the job runs stored
 * (step 3).  0, -1 (SQLite failed) or EXIT_BAD_INPUT (a value not a
 * number, a sum past DEC_SUM_MAX), reported.
 */
static int
sq_backfill(struct db *db)
{
	struct agg roll[ROLL_COUNT];
	sqlite3_stmt *st = NULL;
	int rc, k, ret = -1;

	for (k = 0; k < ROLL_COUNT; k++)
		agg_init(&roll[k]);
	if (db_prepare(db, "SELECT rowid, day, project, status, org, branch, "
	    "trigger_user, " SQ_SUMS " FROM job_runs", &st) < 0)
		goto out;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		uint32_t ids[DIM_COUNT];
		struct metrics m;
		int64_t rowid = sqlite3_column_int64(st, 0);

		memset(ids, 0, sizeof(ids));
		ids[DIM_PROJECT] = (uint32_t)sqlite3_column_int64(st, 2);
		ids[DIM_STATUS] = (uint32_t)sqlite3_column_int64(st, 3);
		ids[DIM_ORG] = (uint32_t)sqlite3_column_int64(st, 4);
		ids[DIM_BRANCH] = (uint32_t)sqlite3_column_int64(st, 5);
		ids[DIM_USER] = (uint32_t)sqlite3_column_int64(st, 6);
		m.jobs = 1;
		ret = EXIT_BAD_INPUT;
		if (db_column_metrics(db, st, 7, "job_runs", rowid, &m) < 0)
			goto out;
		ret = -1;
		db_roll_add(roll, 1u << ROLL_BRANCH | 1u << ROLL_USER,
		    sqlite3_column_type(st, 1) != SQLITE_NULL,
		    (int32_t)sqlite3_column_int64(st, 1), ids, &m);
	}
	if (rc != SQLITE_DONE) {
		db_error(db, "cannot read the job runs");
		goto out;
	}
	for (k = ROLL_BRANCH; k <= ROLL_USER; k++)
		if (agg_check(&roll[k]) < 0 ||
		    (ret = sq_merge_roll(db, &db_rollups[k], &roll[k])) != 0)
			goto out;
	ret = 0;
out:
	sqlite3_finalize(st);
	for (k = 0; k < ROLL_COUNT; k++)
		agg_release(&roll[k]);
	return ret;
}

/*
 * Merge the roll-ups in `which` and start them again: 0, or
 * sq_merge_roll()'s error.
 */
static int
sq_merge_rolls(struct db *db, unsigned which, struct agg *roll)
{
	int k, ret;

	for (k = 0; k < ROLL_COUNT; k++) {
		if (!(which & (1u << k)))
			continue;
		if (agg_check(&roll[k]) < 0)
			return -1;
		if ((ret = sq_merge_roll(db, &db_rollups[k], &roll[k])) != 0)
			return ret;
		agg_release(&roll[k]);
		agg_init(&roll[k]);
	}
	return 0;
}

/*
 * Add daily's rows of days since .. until (and the undated ones with
 * `undated`) into the roll-ups in `which` (of ROLL_FROM_DAILY, daily
 * not among them): step 4, and a prune's month cut in two.  0, -1
 * (SQLite failed) or EXIT_BAD_INPUT (a value not a number, a sum past
 * DEC_SUM_MAX), reported.
 */
static int
sq_from_daily(struct db *db, unsigned which, int32_t since, int32_t until,
    int undated)
{
	struct agg roll[ROLL_COUNT];
	sqlite3_stmt *st = NULL;
	int rc, k, ret = -1;
	size_t d;

	for (k = 0; k < ROLL_COUNT; k++)
		agg_init(&roll[k]);
	if (db_prepare(db, "SELECT rowid, day, project, workflow, job, status,"
	    " resource_class, executor, os, org, trigger_source, jobs, "
	    SQ_SUMS " FROM daily WHERE day BETWEEN ?1 AND ?2 OR (?3 AND day "
	    "IS NULL)", &st) < 0)
		goto out;
	sqlite3_bind_int64(st, 1, since);
	sqlite3_bind_int64(st, 2, until);
	sqlite3_bind_int(st, 3, undated);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		uint32_t ids[DIM_COUNT];
		struct metrics m;
		int64_t rowid = sqlite3_column_int64(st, 0);

		memset(ids, 0, sizeof(ids));
		for (d = 0; d < DIM_DAILY; d++)
			ids[d] = (uint32_t)sqlite3_column_int64(st, 2 + (int)d);
		ret = EXIT_BAD_INPUT;
		if (sqlite3_column_int64(st, 11) < 0) {
			error("database '%s': table daily, row %lld: jobs: "
			    "negative", db->path, (long long)rowid);
			goto out;
		}
		m.jobs = (uint64_t)sqlite3_column_int64(st, 11);
		if (db_column_metrics(db, st, 12, "daily", rowid, &m) < 0)
			goto out;
		/* sums of sums: each roll-up's are checked as it is merged */
		for (k = 0; k < ROLL_COUNT; k++) {
			if (!(which & (1u << k)))
				continue;
			if (db_roll_add_checked(&roll[k], k,
			    sqlite3_column_type(st, 1) != SQLITE_NULL,
			    (int32_t)sqlite3_column_int64(st, 1), ids, &m)) {
				error("database '%s': table %s: a sum passes "
				    "100000000000000000000, the largest kept "
				    "exactly", db->path, db_rollups[k].table);
				goto out;
			}
		}
		ret = -1;
		/* merged every DB_ROLL_FLUSH groups: memory stays bounded */
		for (d = 0, k = 0; k < ROLL_COUNT; k++)
			d += roll[k].n;
		if (d >= DB_ROLL_FLUSH && (ret = sq_merge_rolls(db, which,
		    roll)) != 0)
			goto out;
	}
	if (rc != SQLITE_DONE) {
		db_error(db, "cannot read the roll-up by day");
		goto out;
	}
	if ((ret = sq_merge_rolls(db, which, roll)) != 0)
		goto out;
	ret = 0;
out:
	sqlite3_finalize(st);
	for (k = 0; k < ROLL_COUNT; k++)
		agg_release(&roll[k]);
	return ret;
}

/*
 * Bring the schema to DB_SCHEMA_VERSION, each step in its own
 * transaction that also writes the version it makes: a step that fails
 * leaves the version before it.  0 or -1.
 */
static int
db_migrate(struct db *db)
{
	char sql[96];
	int k;

	for (k = 1; k <= DB_SCHEMA_VERSION; k++) {
		if (db_exec(db, "BEGIN IMMEDIATE") < 0)
			return -1;
		/* read again inside: another writer may have done it */
		if (k > 1 && db_check(db) < 0)
			goto fail;
		if (k > 1 && db->version >= k) {
			db_exec(db, "COMMIT");
			continue;
		}
		snprintf(sql, sizeof(sql), "UPDATE meta SET value = '%d' WHERE "
		    "key = 'schema_version'", k);
		if (db_exec(db, sq_steps[k - 1]) < 0 ||
		    (k == 3 && sq_backfill(db) != 0) ||
		    (k == 4 && sq_from_daily(db, ROLL_FROM_DAILY &
		    ~(1u << ROLL_DAILY), INT32_MIN, INT32_MAX, 1) != 0) ||
		    (k > 1 &&
		    db_exec(db, sql) < 0) || db_exec(db, "COMMIT") < 0)
			goto fail;
	}
	return db_check(db);
fail:
	sqlite3_exec(SQ(db), "ROLLBACK", NULL, NULL, NULL);
	return -1;
}


struct db *
dbsqlite_open(const char *path, int create, int *code)
{
	struct db *db;
	sqlite3 *h = NULL;
	/* one connection, used by one thread: no SQLite mutexes */
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, dummy;

	if (code == NULL)
		code = &dummy;
	*code = EXIT_FAILURE_OTHER;
	if (create) {
		char *dir = xstrdup(path), *slash = strrchr(dir, '/');

		flags |= SQLITE_OPEN_CREATE;
		if (slash != NULL && slash != dir) {
			*slash = '\0';
			if (mkdir_p(dir) < 0) {
				free(dir);
				return NULL;
			}
		}
		free(dir);
	} else {
		struct stat sb;

		if (stat(path, &sb) < 0) {
			error("no database '%s': %s (run `circleci-usage "
			    "ingest` first)", path, strerror(errno));
			*code = EXIT_BAD_INPUT;
			return NULL;
		}
	}
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
	db = xcalloc(1, sizeof(*db));
	db->ops = &sq_ops;
	db->path = xstrdup(path);
	if (sqlite3_open_v2(path, &h, flags, NULL) != SQLITE_OK) {
		db->h = h;
		db_error(db, "cannot open");
		db_close(db);
		return NULL;
	}
	db->h = h;
	if (db_harden(db) < 0) {
		db_close(db);
		return NULL;
	}
	sqlite3_busy_timeout(SQ(db), 10000);
	/*
	 * Someone else's file, or ours with objects we did not make (a
	 * trigger, a view, an index, a table): refused before anything is
	 * read from its tables or written (exit 3).
	 */
	if (db_foreign(db) || db_verify(db, create) < 0 ||
	    (!create && db_check(db) < 0)) {
		*code = EXIT_BAD_INPUT;
		db_close(db);
		return NULL;
	}
	/*
	 * WAL: readers never block the one writer, and a killed ingest
	 * leaves only an uncommitted tail that the next open ignores.
	 * synchronous=NORMAL is durable at each checkpoint and never
	 * corrupts under WAL.  A small cache: a scan reads each page once,
	 * and reusing a few pages costs less than allocating (and faulting
	 * in) new ones; ingest takes a larger one (sq_ingest_begin).
	 */
	if (db_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
	    " PRAGMA cache_size=" SQ_CACHE_READ "; PRAGMA temp_store=MEMORY;") <
	    0) {
		db_close(db);
		return NULL;
	}
	if (create && db_migrate(db) < 0) {
		*code = db->version > DB_SCHEMA_VERSION ? EXIT_BAD_INPUT :
		    EXIT_FAILURE_OTHER;
		db_close(db);
		return NULL;
	}
	if ((create && db_verify(db, 0) < 0) || db_check(db) < 0) {
		*code = EXIT_BAD_INPUT;
		db_close(db);
		return NULL;
	}
	return db;
}

static void
sq_close(struct db *db)
{
	sqlite3_close(SQ(db));
	free(db->path);
	free(db);
}

/* Every name, in id order, into t (ids stay the same). */
static int
db_load_names(struct db *db, struct strtab *t)
{
	sqlite3_stmt *st;
	int rc;

	if (db_prepare(db, "SELECT id, value FROM names ORDER BY id", &st) < 0)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		uint32_t id = strtab_intern(t, (const char *)
		    sqlite3_column_text(st, 1),
		    (size_t)sqlite3_column_bytes(st, 1));

		if (strtab_check(t) < 0) {
			sqlite3_finalize(st);
			return -1;
		}
		if ((int64_t)id != sqlite3_column_int64(st, 0)) {
			sqlite3_finalize(st);
			return error("database '%s': table names: ids are "
			    "not 0, 1, 2 ...", db->path);
		}
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return db_error(db, "cannot read names");
	return 0;
}

/* ---- ingest ---- */

struct sq_ingest {
	sqlite3_stmt *ins, *name_ins, *find, *log;
	int64_t ingest_id;
};

/* Store the names interned since the last call. */
static int
sq_flush_names(struct ingest *g)
{
	sqlite3_stmt *st = ((struct sq_ingest *)g->eng)->name_ins;

	for (; g->names_stored < g->names.n; g->names_stored++) {
		size_t len;
		const char *s = strtab_str(&g->names, (uint32_t)g->names_stored,
		    &len);

		sqlite3_bind_int64(st, 1, (int64_t)g->names_stored);
		sqlite3_bind_text(st, 2, s, (int)len, SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_DONE) {
			sqlite3_reset(st);
			return db_error(g->db, "cannot store a name");
		}
		sqlite3_reset(st);
	}
	return 0;
}

/* Column positions in the INSERT below (1-based for bind). */
enum {
	INS_JOB_KEY = 1, INS_JOB_ID, INS_DAY, INS_DIM0,
	INS_VAL0 = INS_DIM0 + DIM_COUNT,	/* seconds, credits, util */
	INS_INGEST = INS_VAL0 + NVALS
};

static const char ingest_sql[] =
"INSERT INTO job_runs(job_key, job_id, day, project, workflow, job, status,"
" resource_class, executor, os, org, trigger_source, branch, trigger_user,"
" run_seconds, compute_credits, dlc_credits, user_credits,"
" storage_credits, network_credits, lease_credits, lease_overage_credits,"
" ipranges_credits, total_credits, median_cpu_pct, max_cpu_pct,"
" median_ram_pct, max_ram_pct, ingest) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?,"
" ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
" ON CONFLICT(job_key) DO NOTHING";


static int
sq_ingest_begin(struct ingest *g)
{
	struct db *db = g->db;
	struct sq_ingest *e = xcalloc(1, sizeof(*e));

	g->eng = e;
	/*
	 * The job_key index in memory while millions of rows go in at
	 * random places in it (the table itself grows at its end)
	 */
	if (db_exec(db, "PRAGMA cache_size=" SQ_CACHE_INGEST) < 0 ||
	    db_exec(db, "BEGIN IMMEDIATE") < 0)
		return -1;
	if (db_load_names(db, &g->names) < 0)
		return -1;
	if (db_prepare(db, ingest_sql, &e->ins) < 0 ||
	    db_prepare(db, "INSERT INTO names(id, value) VALUES(?, ?)",
	    &e->name_ins) < 0 ||
	    db_prepare(db, "SELECT job_id FROM job_runs WHERE job_key = ?",
	    &e->find) < 0 ||
	    db_prepare(db, "INSERT INTO ingests(at, files, rows_read, "
	    "rows_new, rows_present) VALUES(strftime('%Y-%m-%dT%H:%M:%SZ', "
	    "'now'), 0, 0, 0, 0)", &e->log) < 0)
		return -1;
	if (sqlite3_step(e->log) != SQLITE_DONE)
		return db_error(db, "cannot note the ingest");
	e->ingest_id = sqlite3_last_insert_rowid(SQ(db));
	return 0;
}

/* Insert one row; a new one is added to the roll-up.  Returns 0 or -1. */
static int
sq_insert(struct ingest *g, const struct ibatch *b, const struct irow *r)
{
	struct sq_ingest *e = g->eng;
	sqlite3_stmt *st = e->ins;
	size_t i;
	int v;
	int64_t key = r->job_key;
	const char *id = b->text.buf + r->id_off;

	sqlite3_bind_text(st, INS_JOB_ID, id, (int)r->id_len, SQLITE_STATIC);
	if (r->have_day)
		sqlite3_bind_int64(st, INS_DAY, r->day);
	else
		sqlite3_bind_null(st, INS_DAY);
	for (i = 0; i < DIM_COUNT; i++)
		sqlite3_bind_int64(st, INS_DIM0 + (int)i, r->ids[i]);
	for (v = 0; v < NVALS; v++) {
		if (r->nulls & (1u << v))
			sqlite3_bind_null(st, INS_VAL0 + v);
		else if (r->texts & (1u << v))
			sqlite3_bind_text(st, INS_VAL0 + v, b->text.buf +
			    r->enc[v], -1, SQLITE_STATIC);
		else
			sqlite3_bind_int64(st, INS_VAL0 + v, r->enc[v]);
	}
	sqlite3_bind_int64(st, INS_INGEST, e->ingest_id);
	/*
	 * job_key is unique: a conflict is this job run stored before, or,
	 * with odds of about n^2 / 2^65, another JOB_ID with the same hash,
	 * which then takes the next free key.
	 */
	for (;;) {
		int same;

		sqlite3_bind_int64(st, INS_JOB_KEY, key);
		if (sqlite3_step(st) != SQLITE_DONE) {
			sqlite3_reset(st);
			return db_error(g->db, "cannot store a job run");
		}
		sqlite3_reset(st);
		if (sqlite3_changes(SQ(g->db)) == 1)
			break;
		sqlite3_bind_int64(e->find, 1, key);
		if (sqlite3_step(e->find) != SQLITE_ROW) {
			sqlite3_reset(e->find);
			return db_error(g->db, "cannot look up a job run");
		}
		same = (size_t)sqlite3_column_bytes(e->find, 0) == r->id_len &&
		    memcmp(sqlite3_column_blob(e->find, 0), id,
		    r->id_len) == 0;
		sqlite3_reset(e->find);
		if (same) {
			db_ingest_present_row(g, r);
			return 0;
		}
		key = (int64_t)((uint64_t)key + 1);
	}
	db_ingest_new_row(g, r);
	return 0;
}

static int
sq_ingest_batch(struct ingest *g, const struct ibatch *b)
{
	size_t i;

	for (i = 0; i < b->n; i++)
		if (sq_insert(g, b, &b->rows[i]) < 0)
			return -1;
	return 0;
}

/*
 * Add the groups of roll (new job runs summed by roll-up u's key) into
 * u's table.  Returns 0, -1 (SQLite failed) or EXIT_BAD_INPUT (a stored
 * sum unreadable, or a sum past DEC_SUM_MAX), reported.
 */
/* Groups in their key's order (day, then dims): the index's. */
static int
sq_group_cmp(const void *pa, const void *pb)
{
	const struct agg_group *a = *(const struct agg_group *const *)pa;
	const struct agg_group *b = *(const struct agg_group *const *)pb;
	struct roll_key x, y;
	size_t i, n = a->keylen / sizeof(uint32_t);

	memcpy(&x, a->key, a->keylen);
	memcpy(&y, b->key, b->keylen);
	for (i = 0; i < n; i++)
		if (x.v[i] != y.v[i])
			return x.v[i] < y.v[i] ? -1 : 1;
	return 0;
}

/* A roll-up key's day (or month) as parameter 1: UINT32_MAX, none, NULL. */
static void
sq_bind_day(sqlite3_stmt *st, uint32_t day)
{
	if (day == UINT32_MAX)
		sqlite3_bind_null(st, 1);
	else
		sqlite3_bind_int64(st, 1, (int64_t)(int32_t)day);
}

static int
sq_merge_roll(struct db *db, const struct db_rollup *u, const struct agg *roll)
{
	sqlite3_stmt *get = NULL, *put = NULL, *del = NULL, *held = NULL;
	const struct agg_group **order = NULL;
	struct sbuf q;
	size_t i, d, n = 0;
	int k, c, ret = -1, nk = 1 + (int)u->ndims, day_held = 0;
	uint32_t prev_day = 0;

	/*
	 * In the index's order, its pages then read and written once each
	 * (not at random); groups left with no job runs (all stored before)
	 * are not merged.
	 */
	order = xcalloc(roll->n + 1, sizeof(*order));
	for (i = 0; i < roll->n; i++)
		if (roll->groups[i].m.jobs > 0)
			order[n++] = &roll->groups[i];
	qsort(order, n, sizeof(*order), sq_group_cmp);

	sbuf_init(&q, SIZE_MAX);
	sbuf_addf(&q, "SELECT 1 FROM %s WHERE day IS ? LIMIT 1", u->table);
	if (db_prepare(db, q.buf, &held) < 0)
		goto out;
	sbuf_reset(&q);
	sbuf_addf(&q, "SELECT rowid, jobs, " SQ_SUMS " FROM %s WHERE day IS ?",
	    u->table);
	for (d = 0; d < u->ndims; d++)
		sbuf_addf(&q, " AND %s = ?", db_dims[u->dims[d]].name);
	if (db_prepare(db, q.buf, &get) < 0)
		goto out;
	sbuf_reset(&q);
	sbuf_addf(&q, "INSERT INTO %s(day", u->table);
	for (d = 0; d < u->ndims; d++)
		sbuf_addf(&q, ", %s", db_dims[u->dims[d]].name);
	sbuf_addstr(&q, ", jobs, " SQ_SUMS ") VALUES(?");
	for (k = 1; k < nk + 1 + 1 + CR_COUNT; k++)
		sbuf_addstr(&q, ", ?");
	sbuf_addch(&q, ')');
	if (db_prepare(db, q.buf, &put) < 0)
		goto out;
	sbuf_reset(&q);
	sbuf_addf(&q, "DELETE FROM %s WHERE rowid = ?", u->table);
	if (db_prepare(db, q.buf, &del) < 0)
		goto out;
	for (i = 0; i < n; i++) {
		const struct agg_group *grp = order[i];
		struct roll_key key;
		struct metrics m = grp->m;
		int rc;

		memcpy(&key, grp->key, (size_t)nk * sizeof(uint32_t));
		/*
		 * A day (or month) the table holds no row of, as on a first
		 * ingest of it: its groups are all new, none looked up.  One
		 * probe a day, the groups being in day order.
		 */
		if (i == 0 || key.v[0] != prev_day) {
			prev_day = key.v[0];
			sq_bind_day(held, key.v[0]);
			rc = sqlite3_step(held);
			sqlite3_reset(held);
			if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
				db_error(db, "cannot read the roll-up");
				goto out;
			}
			day_held = rc == SQLITE_ROW;
		}
		sq_bind_day(get, key.v[0]);
		sq_bind_day(put, key.v[0]);
		for (k = 1; k < nk; k++) {
			sqlite3_bind_int64(get, k + 1, (int64_t)key.v[k]);
			sqlite3_bind_int64(put, k + 1, (int64_t)key.v[k]);
		}
		rc = day_held ? sqlite3_step(get) : SQLITE_DONE;
		if (rc == SQLITE_ROW) {
			struct metrics old;
			/* replaced by the new sums (the day may be NULL,
			 * which a UNIQUE index does not catch) */
			int64_t rowid = sqlite3_column_int64(get, 0);
			int which;

			sqlite3_bind_int64(del, 1, rowid);
			if (sqlite3_column_int64(get, 1) < 0) {
				error("database '%s': table %s, row %lld: "
				    "jobs: negative", db->path, u->table,
				    (long long)rowid);
				ret = EXIT_BAD_INPUT;
				goto out;
			}
			old.jobs = (uint64_t)sqlite3_column_int64(get, 1);
			if (db_column_metrics(db, get, 2, u->table, rowid,
			    &old) < 0) {
				ret = EXIT_BAD_INPUT;
				goto out;
			}
			/* the stored sums and the new ones: checked, as
			 * history grows with every ingest */
			which = metrics_add(&m, &old);
			if (which) {
				error("database '%s': table %s, row %lld: "
				    "%s: with this ingest's rows the sum "
				    "passes 100000000000000000000, the largest "
				    "kept exactly", db->path, u->table,
				    (long long)rowid, metrics_column(which - 1));
				ret = EXIT_BAD_INPUT;
				goto out;
			}
			if (sqlite3_step(del) != SQLITE_DONE) {
				db_error(db, "cannot write the roll-up");
				goto out;
			}
			sqlite3_reset(del);
		} else if (rc != SQLITE_DONE) {
			db_error(db, "cannot read the roll-up");
			goto out;
		}
		sqlite3_reset(get);
		if (m.jobs > (uint64_t)INT64_MAX) {
			/* SQLite's integers are signed 64-bit */
			error("database '%s': table %s: jobs: the count "
			    "passes %lld", db->path, u->table,
			    (long long)INT64_MAX);
			ret = EXIT_BAD_INPUT;
			goto out;
		}
		sqlite3_bind_int64(put, nk + 1, (int64_t)m.jobs);
		db_bind_dec(put, nk + 2, m.run_seconds);
		for (c = 0; c < CR_COUNT; c++)
			db_bind_dec(put, nk + 3 + c, m.credits[c]);
		if (sqlite3_step(put) != SQLITE_DONE) {
			db_error(db, "cannot write the roll-up");
			goto out;
		}
		sqlite3_reset(put);
	}
	ret = 0;
out:
	free(order);
	sbuf_release(&q);
	sqlite3_finalize(get);
	sqlite3_finalize(put);
	sqlite3_finalize(del);
	sqlite3_finalize(held);
	return ret;
}

/* Merge roll-ups of new job runs (ops->ingest_roll). */
static int
sq_ingest_roll(struct ingest *g, const struct agg *roll)
{
	size_t k;
	int ret;

	for (k = 0; k < ROLL_COUNT; k++)
		if ((ret = sq_merge_roll(g->db, &db_rollups[k], &roll[k])) != 0)
			return ret;
	return 0;
}

static int
sq_ingest_end(struct ingest *g)
{
	struct db *db = g->db;
	struct sq_ingest *e = g->eng;
	struct db_ingest_stats *st = g->st;
	int ret;

	if (sq_flush_names(g) < 0)
		return -1;
	if ((ret = sq_ingest_roll(g, g->roll)) != 0)
		return ret;
	sqlite3_finalize(e->log);
	e->log = NULL;
	if (db_prepare(db, "UPDATE ingests SET files = ?, rows_read = ?, "
	    "rows_new = ?, rows_present = ? WHERE id = ?", &e->log) < 0)
		return -1;
	sqlite3_bind_int64(e->log, 1, (int64_t)st->files);
	sqlite3_bind_int64(e->log, 2, (int64_t)st->rows_read);
	sqlite3_bind_int64(e->log, 3, (int64_t)st->rows_new);
	sqlite3_bind_int64(e->log, 4, (int64_t)st->rows_present);
	sqlite3_bind_int64(e->log, 5, e->ingest_id);
	if (sqlite3_step(e->log) != SQLITE_DONE)
		return db_error(db, "cannot note the ingest");
	if (db_exec(db, "COMMIT") < 0)
		return -1;
	sqlite3_finalize(e->ins);
	sqlite3_finalize(e->name_ins);
	sqlite3_finalize(e->find);
	sqlite3_finalize(e->log);
	free(e);
	g->eng = NULL;
	return 0;
}

static void
sq_ingest_abort(struct ingest *g)
{
	struct sq_ingest *e = g->eng;

	if (e != NULL) {
		sqlite3_finalize(e->ins);
		sqlite3_finalize(e->name_ins);
		sqlite3_finalize(e->find);
		sqlite3_finalize(e->log);
		free(e);
		g->eng = NULL;
	}
	sqlite3_exec(SQ(g->db), "ROLLBACK", NULL, NULL, NULL);
}

/* ---- reading ---- */

static int
sq_read_begin(struct db *db, struct strtab *t)
{
	if (db_exec(db, "BEGIN") < 0)
		return -1;
	if (db_load_names(db, t) < 0) {
		sqlite3_exec(SQ(db), "COMMIT", NULL, NULL, NULL);
		return -1;
	}
	return 0;
}

static void
sq_read_end(struct db *db)
{
	sqlite3_exec(SQ(db), "COMMIT", NULL, NULL, NULL);
}

/* Result columns of a scan, in this order. */
enum {
	Q_DAY, Q_DIM0, Q_JOBS = Q_DIM0 + DIM_COUNT, Q_SECS, Q_CREDIT0,
	Q_ROWID = Q_CREDIT0 + CR_COUNT, Q_JOB_ID
};

/*
 * The rows as stored (SQLite's sum() of these columns would not be
 * exact: db.c sums).  The unary + makes a roll-up a plain scan, not an
 * index range with a lookup per row.
 */
static void
sq_scan_sql(const struct dbscan *q, struct sbuf *s)
{
	size_t d;

	sbuf_addstr(s, "SELECT day");
	/* the dims used (every one for the rows); the others not read */
	for (d = 0; d < DIM_COUNT; d++)
		sbuf_addf(s, ", %s", q->rows || (q->dims & (1u << d)) ?
		    db_dims[d].name : "NULL");
	if (q->roll == NULL) {
		sbuf_addstr(s, ", 1, " SQ_SUMS ", rowid, job_id FROM job_runs "
		    "WHERE day BETWEEN ?1 AND ?2 OR (?3 AND day IS NULL)");
		/* every job run handed on (focus): in JOB_ID hash order, the
		 * same on every engine however the rows were batched when
		 * stored (the index's order); else the table's, a plain scan
		 * (the index's order reads the rows at random: 5 times as
		 * long) */
		if (q->rows)
			sbuf_addstr(s, " ORDER BY job_key");
	} else
		sbuf_addf(s, ", jobs, " SQ_SUMS ", rowid, NULL FROM %s WHERE "
		    "+day BETWEEN ?1 AND ?2 OR (?3 AND day IS NULL)",
		    q->roll->table);
}

static int
sq_scan(struct db *db, const struct dbscan *q, dbrow_fn fn, void *ctx)
{
	sqlite3_stmt *st = NULL;
	struct dbrow row;
	struct sbuf sql;
	unsigned dims;
	int rc, ret = 0;
	size_t i;

	memset(&row, 0, sizeof(row));
	row.table = q->roll != NULL ? q->roll->table : "job_runs";
	dims = q->rows ? (1u << DIM_COUNT) - 1 : q->dims;
	sbuf_init(&sql, SIZE_MAX);
	sq_scan_sql(q, &sql);
	rc = db_prepare(db, sql.buf, &st);
	sbuf_release(&sql);
	if (rc < 0)
		return -1;
	sqlite3_bind_int64(st, 1, q->since);
	sqlite3_bind_int64(st, 2, q->until);
	sqlite3_bind_int(st, 3, q->undated);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		row.have_day = sqlite3_column_type(st, Q_DAY) != SQLITE_NULL;
		row.day = (int32_t)sqlite3_column_int64(st, Q_DAY);
		row.day_last = row.day;
		/* the dims used, NOT NULL in every table that has them */
		for (i = 0; i < DIM_COUNT; i++)
			row.ids[i] = (dims & (1u << i)) ?
			    sqlite3_column_int64(st, Q_DIM0 + (int)i) : -1;
		row.jobs = sqlite3_column_int64(st, Q_JOBS);
		row.rowid = sqlite3_column_int64(st, Q_ROWID);
		/* the credits' columns follow the seconds' */
		_Static_assert(Q_CREDIT0 == Q_SECS + 1, "Q_ columns in order");
		if (db_column_metrics(db, st, Q_SECS, row.table, row.rowid,
		    &row.m) < 0) {
			ret = EXIT_BAD_INPUT;
			goto out;
		}
		row.job_id = (const char *)sqlite3_column_text(st, Q_JOB_ID);
		row.job_id_len = (size_t)sqlite3_column_bytes(st, Q_JOB_ID);
		if ((ret = fn(ctx, &row)) != 0)
			goto out;
	}
	if (rc != SQLITE_DONE)
		ret = db_error(db, "cannot read history");
out:
	sqlite3_finalize(st);
	return ret;
}

/* ---- user names ---- */

static int
sq_users_store(struct db *db, const struct users *u)
{
	sqlite3_stmt *st = NULL;
	size_t i;

	if (u->n == 0)
		return 0;
	if (db_exec(db, "BEGIN IMMEDIATE") < 0)
		return -1;
	if (db_prepare(db, "INSERT OR REPLACE INTO users(id, login, name, "
	    "fetched_at) VALUES(?, ?, ?, ?)", &st) < 0)
		goto fail;
	for (i = 0; i < u->n; i++) {
		const struct user *e = &u->v[i];

		sqlite3_reset(st);
		sqlite3_bind_text(st, 1, e->id, -1, SQLITE_STATIC);
		if (e->login != NULL)
			sqlite3_bind_text(st, 2, e->login, -1, SQLITE_STATIC);
		else
			sqlite3_bind_null(st, 2);
		if (e->name != NULL)
			sqlite3_bind_text(st, 3, e->name, -1, SQLITE_STATIC);
		else
			sqlite3_bind_null(st, 3);
		if (e->fetched_at != NULL)
			sqlite3_bind_text(st, 4, e->fetched_at, -1,
			    SQLITE_STATIC);
		else
			sqlite3_bind_null(st, 4);
		if (sqlite3_step(st) != SQLITE_DONE) {
			db_error(db, "cannot store the user names");
			goto fail;
		}
	}
	sqlite3_finalize(st);
	return db_exec(db, "COMMIT");
fail:
	sqlite3_finalize(st);
	sqlite3_exec(SQ(db), "ROLLBACK", NULL, NULL, NULL);
	return -1;
}

/* Column i of a users row: NULL, or text within max bytes, printable. */
static int
db_users_text(sqlite3_stmt *st, int i, size_t max, int nullable,
    const char **out)
{
	const char *t = (const char *)sqlite3_column_text(st, i);

	*out = NULL;
	if (sqlite3_column_type(st, i) == SQLITE_NULL)
		return nullable ? 0 : -1;
	if (sqlite3_column_type(st, i) != SQLITE_TEXT || !db_text_ok(t,
	    (size_t)sqlite3_column_bytes(st, i), max, 0))
		return -1;
	*out = t;
	return 0;
}

static int
sq_users_load(struct db *db, struct users *u)
{
	sqlite3_stmt *st = NULL;
	struct users t;
	int64_t row = 0;
	int rc, ret = -1;

	users_init(&t);
	if (db_prepare(db, "SELECT count(*) FROM sqlite_schema WHERE "
	    "type = 'table' AND name = 'users'", &st) < 0)
		return -1;
	rc = sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0) > 0;
	sqlite3_finalize(st);
	if (!rc)
		return 0;	/* a database from before user names */
	if (db_prepare(db, "SELECT id, login, name, fetched_at FROM users "
	    "ORDER BY id LIMIT ?", &st) < 0)
		return -1;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)USERS_MAX + 1);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *id, *login, *name, *at;

		if (++row > USERS_MAX ||
		    db_users_text(st, 0, USERS_MAX_ID, 0, &id) < 0 ||
		    db_users_text(st, 1, USERS_MAX_LOGIN, 1, &login) < 0 ||
		    db_users_text(st, 2, USERS_MAX_NAME, 1, &name) < 0 ||
		    db_users_text(st, 3, USERS_MAX_TIME, 1, &at) < 0) {
			warning("database '%s': table users, row %lld: "
			    DB_USERS_BAD, db->path, (long long)row);
			goto out;
		}
		users_set(&t, id, login, name, at);
	}
	if (rc != SQLITE_DONE) {
		db_error(db, "cannot read the user names");
		goto out;
	}
	for (row = 0; (size_t)row < t.n; row++)
		users_set(u, t.v[row].id, t.v[row].login, t.v[row].name,
		    t.v[row].fetched_at);
	ret = 0;
out:
	sqlite3_finalize(st);
	users_release(&t);
	return ret;
}

/* ---- info and prune ---- */

static int
db_count(struct db *db, const char *sql, uint64_t *out)
{
	sqlite3_stmt *st;
	int rc;

	if (db_prepare(db, sql, &st) < 0)
		return -1;
	rc = sqlite3_step(st);
	*out = rc == SQLITE_ROW ? (uint64_t)sqlite3_column_int64(st, 0) : 0;
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW)
		return db_error(db, "cannot count");
	return 0;
}


static uint64_t
db_file_size(const char *path)
{
	struct stat sb;

	return stat(path, &sb) == 0 ? (uint64_t)sb.st_size : 0;
}

static int
sq_info(struct db *db, struct db_info *info)
{
	uint64_t lo = 0, hi = 0, any = 0;
	char *wal;

	if (db_exec(db, "BEGIN") < 0)
		return -1;
	if (db_count(db, "SELECT count(*) FROM job_runs", &info->job_runs) <
	    0 || db_count(db, "SELECT coalesce(sum(jobs), 0) FROM daily "
	    "WHERE day IS NULL", &info->undated) < 0 ||
	    db_count(db, "SELECT count(*) FROM names", &info->names) < 0 ||
	    db_count(db, "SELECT count(*) FROM daily", &info->daily_rows) < 0 ||
	    db_count(db, "SELECT count(*) FROM ingests", &info->ingests) < 0 ||
	    db_count(db, "SELECT count(day) FROM daily", &any) < 0 ||
	    db_count(db, "SELECT min(day) FROM daily", &lo) < 0 ||
	    db_count(db, "SELECT max(day) FROM daily", &hi) < 0) {
		sqlite3_exec(SQ(db), "COMMIT", NULL, NULL, NULL);
		return -1;
	}
	sqlite3_exec(SQ(db), "COMMIT", NULL, NULL, NULL);
	if (any) {
		info->have_days = 1;
		info->first_day = (int32_t)(int64_t)lo;
		info->last_day = (int32_t)(int64_t)hi;
	}
	wal = xasprintf("%s-wal", db->path);
	info->bytes = db_file_size(db->path) + db_file_size(wal);
	free(wal);
	return 0;
}

/*
 * Run `sql`, a DELETE of the rows of days before `before` (its one
 * parameter); *n, when n is not NULL, is how many went.  0, or -1 after
 * an error that says `what` failed.
 */
static int
db_delete_before(struct db *db, const char *sql, int32_t before,
    const char *what, uint64_t *n)
{
	sqlite3_stmt *st;
	int ret = 0;

	if (db_prepare(db, sql, &st) < 0)
		return -1;
	sqlite3_bind_int64(st, 1, before);
	if (sqlite3_step(st) != SQLITE_DONE)
		ret = db_error(db, what);
	else if (n != NULL)
		*n = (uint64_t)sqlite3_changes(SQ(db));
	sqlite3_finalize(st);
	return ret;
}

static int
sq_prune(struct db *db, int32_t before, uint64_t *removed)
{
	char sql[64];
	size_t k;

	*removed = 0;
	if (db_exec(db, "BEGIN IMMEDIATE") < 0)
		return -1;
	if (db_delete_before(db, "DELETE FROM job_runs WHERE day < ?", before,
	    "cannot delete job runs", removed) < 0)
		goto fail;
	/*
	 * The roll-ups this database's version has.  A month by month that
	 * `before` cuts in two goes whole, then its days from `before` on
	 * come back from daily (pruned first).
	 */
	for (k = 0; k < ROLL_COUNT; k++) {
		if (db->version < db_rollups[k].since)
			continue;
		snprintf(sql, sizeof(sql), "DELETE FROM %s WHERE day < ?",
		    db_rollups[k].table);
		if (db_delete_before(db, sql, before, "cannot delete roll-up "
		    "rows", NULL) < 0)
			goto fail;
	}
	if (db->version >= db_rollups[ROLL_MONTHLY].since &&
	    db_month_start(before) != before &&
	    sq_from_daily(db, ROLL_MONTHS, before, db_month_next(before) - 1,
	    0) != 0)
		goto fail;
	if (db_exec(db, "COMMIT") < 0)
		goto fail;
	return 0;
fail:
	sqlite3_exec(SQ(db), "ROLLBACK", NULL, NULL, NULL);
	*removed = 0;
	return -1;
}

/* ---- the alerts notify sent (--cooldown) ---- */

/* Does the database have table `name`?  1, 0, or -1 after an error. */
static int
db_has_table(struct db *db, const char *name)
{
	sqlite3_stmt *st;
	int rc;

	if (db_prepare(db, "SELECT count(*) FROM sqlite_schema WHERE "
	    "type = 'table' AND name = ?", &st) < 0)
		return -1;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	rc = sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0) > 0;
	sqlite3_finalize(st);
	return rc;
}

/* Column i of an alerts_sent row: text alertstate_parse() would take. */

/* Column i of an alerts_sent row: text alertstate_parse() would take. */
static const char *
db_alerts_text(sqlite3_stmt *st, int i, int may_be_empty)
{
	const char *t = (const char *)sqlite3_column_text(st, i);

	if (sqlite3_column_type(st, i) != SQLITE_TEXT || !db_text_ok(t,
	    (size_t)sqlite3_column_bytes(st, i), ALERTSTATE_MAX_TEXT,
	    may_be_empty))
		return NULL;
	return t;
}

static int
sq_alerts_load(struct db *db, struct alertstate *s)
{
	sqlite3_stmt *st = NULL;
	int64_t row = 0;
	int rc, ret = -1;

	if ((rc = db_has_table(db, "alerts_sent")) <= 0)
		return rc;	/* none: a database from before --cooldown */
	if (db_prepare(db, "SELECT rule, entity, sent_at FROM alerts_sent "
	    "LIMIT ?", &st) < 0)
		return -1;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)ALERTSTATE_MAX + 1);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *rule = db_alerts_text(st, 0, 0);
		const char *entity = db_alerts_text(st, 1, 1);

		row++;
		if (rule == NULL || entity == NULL ||
		    sqlite3_column_type(st, 2) != SQLITE_INTEGER ||
		    sqlite3_column_int64(st, 2) < 0 ||
		    alertstate_set(s, rule, entity,
		    sqlite3_column_int64(st, 2)) < 0) {
			error("database '%s': table alerts_sent, row %lld: "
			    DB_ALERTS_BAD " (at most %d rows)", db->path,
			    (long long)row, ALERTSTATE_MAX);
			goto out;
		}
	}
	if (rc != SQLITE_DONE) {
		db_error(db, "cannot read the alerts sent");
		goto out;
	}
	ret = 0;
out:
	sqlite3_finalize(st);
	return ret;
}


static int
sq_alerts_store(struct db *db, const struct alertstate *sent,
    int64_t before_ms)
{
	sqlite3_stmt *st = NULL;
	size_t i;

	if (db_exec(db, "BEGIN IMMEDIATE") < 0)
		return -1;
	if (db_prepare(db, "INSERT OR REPLACE INTO alerts_sent(rule, entity, "
	    "sent_at) VALUES(?, ?, ?)", &st) < 0)
		goto fail;
	for (i = 0; i < sent->n; i++) {
		sqlite3_reset(st);
		sqlite3_bind_text(st, 1, sent->v[i].rule, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, sent->v[i].entity, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 3, sent->v[i].sent_ms);
		if (sqlite3_step(st) != SQLITE_DONE) {
			db_error(db, "cannot record the alerts sent");
			goto fail;
		}
	}
	sqlite3_finalize(st);
	st = NULL;
	if (db_prepare(db, "DELETE FROM alerts_sent WHERE sent_at < ?",
	    &st) < 0)
		goto fail;
	sqlite3_bind_int64(st, 1, before_ms);
	if (sqlite3_step(st) != SQLITE_DONE) {
		db_error(db, "cannot prune the alerts sent");
		goto fail;
	}
	sqlite3_finalize(st);
	return db_exec(db, "COMMIT");
fail:
	sqlite3_finalize(st);
	sqlite3_exec(SQ(db), "ROLLBACK", NULL, NULL, NULL);
	return -1;
}

/* ---- the teams of the projects ---- */

static int
sq_teams_store(struct db *db, const struct teams *t)
{
	sqlite3_stmt *st = NULL, *put = NULL;
	int rc;

	if (db_exec(db, "BEGIN IMMEDIATE") < 0)
		return -1;
	if (db_exec(db, "DELETE FROM project_teams") < 0 ||
	    db_prepare(db, "SELECT DISTINCT n.value FROM names n JOIN daily d "
	    "ON d.project = n.id", &st) < 0 ||
	    db_prepare(db, "INSERT INTO project_teams(project, team) "
	    "VALUES(?, ?)", &put) < 0)
		goto fail;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *p = (const char *)sqlite3_column_text(st, 0);

		if (p == NULL)
			continue;
		sqlite3_reset(put);
		sqlite3_bind_text(put, 1, p, -1, SQLITE_STATIC);
		sqlite3_bind_text(put, 2, teams_name(t, teams_match(t, p)), -1,
		    SQLITE_STATIC);
		if (sqlite3_step(put) != SQLITE_DONE) {
			db_error(db, "cannot store the projects' teams");
			goto fail;
		}
	}
	if (rc != SQLITE_DONE) {
		db_error(db, "cannot read the projects");
		goto fail;
	}
	sqlite3_finalize(st);
	sqlite3_finalize(put);
	return db_exec(db, "COMMIT");
fail:
	sqlite3_finalize(st);
	sqlite3_finalize(put);
	sqlite3_exec(SQ(db), "ROLLBACK", NULL, NULL, NULL);
	return -1;
}

static const struct db_ops sq_ops = {
	.engine = "sqlite",
	.close = sq_close,
	.ingest_begin = sq_ingest_begin,
	.ingest_batch = sq_ingest_batch,
	.ingest_end = sq_ingest_end,
	.ingest_abort = sq_ingest_abort,
	.ingest_roll = sq_ingest_roll,
	.read_begin = sq_read_begin,
	.scan = sq_scan,
	.read_end = sq_read_end,
	.info = sq_info,
	.prune = sq_prune,
	.users_store = sq_users_store,
	.users_load = sq_users_load,
	.alerts_load = sq_alerts_load,
	.alerts_store = sq_alerts_store,
	.teams_store = sq_teams_store,
};
