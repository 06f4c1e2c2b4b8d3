/*
 * db.c: history in SQLite: the schema, ingesting exports (the same row
 * rules as report.c), the daily roll-up, and reports answered from it.
 *
 * Ingest streams each part through gz -> csv like report.c and inserts
 * each row with one prepared statement inside one transaction; the names
 * of the key columns are interned into `names` (ids are strtab ids, so the
 * whole table lives in memory while ingesting).  Only rows that were new
 * are summed into an in-memory roll-up, merged into `daily` before the
 * commit: re-ingesting changes nothing, and a failure rolls everything
 * back.
 */
#include "db.h"

#include <errno.h>
#include <fnmatch.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "agg.h"
#include "alertstate.h"
#include "csv.h"
#include "date.h"
#include "gz.h"
#include "hash.h"
#include "strtab.h"
#include "timekey.h"
#include "usage.h"
#include "users.h"
#include "teams.h"
#include "util.h"

#define DB_MAX_HEADER_FIELDS 4096
#define DB_MAX_RECORD (16 * 1024 * 1024)
#define DB_MAX_PROBLEMS_SHOWN 5
#define DB_SCHEMA_VERSION "1"
#define NANO ((dec_t)1000000000)

struct db {
	sqlite3 *h;
	char *path;
	void (*progress_fn)(void *, const struct db_progress *);
	void *progress_ctx;
};

/* The key columns stored as name ids, in the tables' column order. */
enum db_dim {
	DIM_PROJECT, DIM_WORKFLOW, DIM_JOB, DIM_STATUS, DIM_RESOURCE_CLASS,
	DIM_EXECUTOR, DIM_OS, DIM_ORG, DIM_TRIGGER,	/* in daily too */
	DIM_BRANCH, DIM_USER,				/* job_runs only */
	DIM_COUNT
};
#define DIM_DAILY DIM_BRANCH	/* the dims the roll-up keeps */

static const struct {
	const char *name;
	enum usage_col col;
} db_dims[DIM_COUNT] = {
	{ "project", COL_PROJECT_NAME },
	{ "workflow", COL_WORKFLOW_NAME },
	{ "job", COL_JOB_NAME },
	{ "status", COL_JOB_BUILD_STATUS },
	{ "resource_class", COL_RESOURCE_CLASS },
	{ "executor", COL_EXECUTOR },
	{ "os", COL_OPERATING_SYSTEM },
	{ "org", COL_ORGANIZATION_NAME },
	{ "trigger_source", COL_PIPELINE_TRIGGER_SOURCE },
	{ "branch", COL_VCS_BRANCH },
	{ "trigger_user", COL_PIPELINE_TRIGGER_USER_ID },
};

static const char db_schema[] =
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
"INSERT OR IGNORE INTO meta VALUES('schema_version', '"
DB_SCHEMA_VERSION "');\n";

/* ---- exact numbers ---- */

void
db_dec_encode(dec_t v, int *is_int, int64_t *iv, char *text)
{
	dec_t q = v / NANO;

	if (v % NANO == 0 && q <= (dec_t)INT64_MAX && q >= (dec_t)INT64_MIN) {
		*is_int = 1;
		*iv = (int64_t)q;
		return;
	}
	*is_int = 0;
	dec_format(v, text);
}

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
 * The JOB_ID's 64-bit FNV-1a hash (part of the schema: never change it).  Job runs are unique by (job_key, job_id):
 * the same thing as unique by job_id, since job_key follows from it, but
 * the index compares an integer first, nearly always deciding there,
 * which makes inserting in random order much cheaper than comparing
 * 36-character UUIDs.
 */
static int64_t
db_job_key(const char *id, size_t len)
{
	/* FNV-1a, written here so that it never changes under the data */
	uint64_t h = 0xcbf29ce484222325ULL;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= (unsigned char)id[i];
		h *= 0x100000001b3ULL;
	}
	return (int64_t)h;
}

/* ---- opening ---- */

static int
db_error(struct db *db, const char *what)
{
	return error("database '%s': %s: %s", db->path, what,
	    sqlite3_errmsg(db->h));
}

static int
db_exec(struct db *db, const char *sql)
{
	char *msg = NULL;

	if (sqlite3_exec(db->h, sql, NULL, NULL, &msg) != SQLITE_OK) {
		error("database '%s': %s", db->path, msg ? msg :
		    sqlite3_errmsg(db->h));
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

static int
db_prepare(struct db *db, const char *sql, sqlite3_stmt **st)
{
	if (sqlite3_prepare_v2(db->h, sql, -1, st, NULL) != SQLITE_OK)
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

	if (sqlite3_prepare_v2(db->h, "SELECT count(*), count(CASE WHEN "
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

		if (sqlite3_db_config(db->h, cfg[i].op, cfg[i].value, &got) !=
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
 * first databases: a reader treats them as empty, a writer creates them.
 */
static int
db_optional(const struct db_object *o)
{
	return o->tbl != NULL && (strcmp(o->tbl, "users") == 0 ||
	    strcmp(o->tbl, "alerts_sent") == 0);
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
 * view and trigger in it must be one that db_schema makes, of the same
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
	    SQLITE_OPEN_NOMUTEX, NULL) == SQLITE_OK &&
	    sqlite3_exec(mem, db_schema, NULL, NULL, NULL) == SQLITE_OK)
		nwant = db_objects(mem, &want);
	sqlite3_close(mem);
	if (nwant < 0) {
		error("cannot make the history schema in memory");
		goto out;
	}
	ngot = db_objects(db->h, &got);
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

/* Is this our database, in the schema this program knows? */
static int
db_check(struct db *db)
{
	sqlite3_stmt *st;
	int ok;

	if (sqlite3_prepare_v2(db->h, "SELECT value FROM meta WHERE key = "
	    "'schema_version'", -1, &st, NULL) != SQLITE_OK)
		return error("'%s' is not a circleci-usage history database",
		    db->path);
	ok = sqlite3_step(st) == SQLITE_ROW &&
	    sqlite3_column_text(st, 0) != NULL &&
	    strcmp((const char *)sqlite3_column_text(st, 0),
	    DB_SCHEMA_VERSION) == 0;
	sqlite3_finalize(st);
	if (!ok)
		return error("'%s': not a circleci-usage history database of "
		    "schema version %s", db->path, DB_SCHEMA_VERSION);
	return 0;
}

char *
db_default_path(void)
{
	const char *xdg = getenv("XDG_DATA_HOME");
	const char *home = getenv("HOME");

	if (xdg != NULL && xdg[0] == '/')
		return xasprintf("%s/circleci-usage/usage.db", xdg);
	if (home != NULL && home[0] != '\0')
		return xasprintf("%s/.local/share/circleci-usage/usage.db",
		    home);
	error("no database: set XDG_DATA_HOME or HOME, or give --db FILE");
	return NULL;
}

struct db *
db_open(const char *path, int create, int *code)
{
	struct db *db;
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
	db->path = xstrdup(path);
	if (sqlite3_open_v2(path, &db->h, flags, NULL) != SQLITE_OK) {
		db_error(db, "cannot open");
		db_close(db);
		return NULL;
	}
	if (db_harden(db) < 0) {
		db_close(db);
		return NULL;
	}
	sqlite3_busy_timeout(db->h, 10000);
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
	 * corrupts under WAL.  The large cache keeps the job_id index in
	 * memory while ingesting millions of rows.
	 */
	if (db_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
	    " PRAGMA cache_size=-524288; PRAGMA temp_store=MEMORY;") < 0 ||
	    (create && db_exec(db, db_schema) < 0)) {
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

void
db_close(struct db *db)
{
	if (db == NULL)
		return;
	sqlite3_close(db->h);
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

/*
 * Ingest runs on two threads: a reader inflates and parses the parts into
 * batches of plain rows (names already interned), and the caller's thread
 * inserts them.  SQLite is the slower half, so it gets a core of its own.
 */
#define BATCH_ROWS 4096
#define NBATCHES 4
#define NVALS (1 + CR_COUNT + 4)	/* seconds, credits, utilization */

struct irow {
	int64_t job_key;
	size_t id_off;		/* JOB_ID in the batch's text */
	uint32_t id_len;
	int32_t day;
	int have_day;
	uint32_t nulls;		/* bit v: vals[v] was NULL */
	uint32_t texts;		/* bit v: vals[v] is stored as text */
	uint32_t ids[DIM_COUNT];
	dec_t vals[NVALS];
	int64_t enc[NVALS];	/* db_dec_encode()d: nano-units, or the
				 * offset of the text in the batch */
};

struct ibatch {
	struct irow rows[BATCH_ROWS];
	size_t n;
	struct sbuf text;
};

/* A bounded queue of batches (FIFO), NULL marking the end. */
struct iqueue {
	struct ibatch *q[NBATCHES + 1];
	size_t head, n;
};

struct ingest {
	struct db *db;
	const struct inputs *in;
	struct db_ingest_stats *st;
	sqlite3_stmt *ins, *name_ins, *find;
	struct strtab names;	/* the reader's until it ends */
	size_t names_stored;	/* names[0 .. names_stored) are in the table */
	struct agg roll;	/* new rows by day and the daily dims */
	struct sbuf scratch;
	int64_t ingest_id;
	uint64_t problems;
	/*
	 * The sums of the absolute values of the rows read, in input order
	 * (report.c's bound): the roll-up of the new rows cannot pass it.
	 */
	struct metrics bound;
	int bad_input;		/* a row ended the ingest (reported) */
	const char *file;
	const struct inputs_range *range;	/* the file's export's */
	int reader_ret;		/* the reader's exit code */
	atomic_int abort;	/* the inserter failed: stop reading */
	struct gz *gz;		/* the reader's current input */
	uint64_t bytes_base;	/* the reader's: bytes of the inputs done */
	_Atomic uint64_t bytes_read, rows_read;	/* for progress, per batch */
	struct db_progress prog;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct iqueue full, empty;
	struct ibatch *cur;	/* being filled by the reader */
	struct ibatch *batches;	/* NBATCHES, about 7 MB: on the heap */
};

static void
iqueue_push(struct ingest *g, struct iqueue *q, struct ibatch *b)
{
	pthread_mutex_lock(&g->lock);
	q->q[(q->head + q->n) % (NBATCHES + 1)] = b;
	q->n++;
	pthread_cond_broadcast(&g->cond);
	pthread_mutex_unlock(&g->lock);
}

static struct ibatch *
iqueue_pop(struct ingest *g, struct iqueue *q)
{
	struct ibatch *b;

	pthread_mutex_lock(&g->lock);
	while (q->n == 0)
		pthread_cond_wait(&g->cond, &g->lock);
	b = q->q[q->head];
	q->head = (q->head + 1) % (NBATCHES + 1);
	q->n--;
	pthread_mutex_unlock(&g->lock);
	return b;
}

/* The daily roll-up key: the day, then the dims' ids. */
struct roll_key {
	uint32_t v[1 + DIM_DAILY];
};

static void
ingest_problem(struct ingest *g, uint64_t line, const char *column,
    const char *reason)
{
	if (g->problems++ < DB_MAX_PROBLEMS_SHOWN)
		warning("%s:%llu: %s%s%s", g->file, (unsigned long long)line,
		    column ? column : "", column ? ": " : "", reason);
}

/*
 * An optional number (as report.c's opt_number): *null set when absent;
 * a bad value is 0 with a warning.
 */
static dec_t
ingest_number(struct ingest *g, const struct csv_record *rec, int idx,
    int col, int *null)
{
	const struct csv_field *f;
	const char *v;
	size_t len;
	dec_t out = 0;
	int r;

	*null = 1;
	if ((f = csv_field_opt(rec, idx)) == NULL)
		return 0;
	*null = 0;
	v = csv_field_value(f, &g->scratch, &len);
	r = dec_parse(v, len, &out);
	if (r == 0)
		return out;
	if (r == DEC_ERANGE) {
		/* as 0 it would hide what it counts: an error (report.c) */
		if (!g->bad_input)
			error("%s:%llu: %s: too large (at most 15 digits before "
			    "the point)", g->file, (unsigned long long)rec->line,
			    usage_col_name(col));
		g->bad_input = 1;
		return 0;
	}
	ingest_problem(g, rec->line, usage_col_name(col),
	    "not a number, counted as empty");
	return 0;
}

/* Store the names interned since the last call. */
static int
ingest_flush_names(struct ingest *g)
{
	for (; g->names_stored < g->names.n; g->names_stored++) {
		size_t len;
		const char *s = strtab_str(&g->names, (uint32_t)g->names_stored,
		    &len);

		sqlite3_bind_int64(g->name_ins, 1, (int64_t)g->names_stored);
		sqlite3_bind_text(g->name_ins, 2, s, (int)len, SQLITE_STATIC);
		if (sqlite3_step(g->name_ins) != SQLITE_DONE) {
			sqlite3_reset(g->name_ins);
			return db_error(g->db, "cannot store a name");
		}
		sqlite3_reset(g->name_ins);
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

/* By job_key, then in reading order (id_off grows with it). */
static int
irow_cmp(const void *pa, const void *pb)
{
	const struct irow *a = pa, *b = pb;

	if (a->job_key != b->job_key)
		return a->job_key < b->job_key ? -1 : 1;
	return a->id_off < b->id_off ? -1 : a->id_off > b->id_off;
}

/*
 * Hand a batch to the inserter, sorted by job_key: the index is then
 * walked in order, its pages still in the CPU's caches from the row
 * before, instead of at random.
 */
static void
ingest_hand_on(struct ingest *g)
{
	/* the inserter reads these for progress: st is the reader's */
	atomic_store_explicit(&g->bytes_read, g->bytes_base +
	    (g->gz != NULL ? gz_raw_bytes(g->gz) : 0), memory_order_relaxed);
	atomic_store_explicit(&g->rows_read, g->st->rows_read,
	    memory_order_relaxed);
	qsort(g->cur->rows, g->cur->n, sizeof(g->cur->rows[0]), irow_cmp);
	iqueue_push(g, &g->full, g->cur);
}

/* The reader's next free row, handing on a full batch first. */
static struct irow *
ingest_next_row(struct ingest *g)
{
	if (g->cur->n == BATCH_ROWS) {
		ingest_hand_on(g);
		g->cur = iqueue_pop(g, &g->empty);
		g->cur->n = 0;
		sbuf_reset(&g->cur->text);
	}
	return &g->cur->rows[g->cur->n];
}

/*
 * One data row, with report.c's rules (process_row with no filters):
 * returns 0, or 2 when the row is a header again.
 */
static int
ingest_row(struct ingest *g, const struct usage_header *h,
    const struct csv_record *rec)
{
	const struct csv_field *f = rec->fields, *d;
	struct irow *r;
	dec_t total = 0;
	int null, bad, c;
	size_t i, len;
	const char *v;

	g->st->rows_read++;
	if (CU_UNLIKELY(rec->nfields != h->ncols)) {
		if (usage_header_again(rec, DB_MAX_HEADER_FIELDS,
		    &g->scratch)) {
			g->st->rows_read--;
			return 2;
		}
		g->st->rows_skipped++;
		ingest_problem(g, rec->line, NULL, "wrong number of fields; "
		    "row skipped");
		return 0;
	}
	if (CU_UNLIKELY(rec->bad)) {
		g->st->rows_skipped++;
		ingest_problem(g, rec->line, NULL, "malformed quoted field; "
		    "row skipped");
		return 0;
	}
	bad = csv_field_is_null(&f[h->idx[COL_TOTAL_CREDITS]]);
	if (!bad) {
		v = csv_field_value(&f[h->idx[COL_TOTAL_CREDITS]], &g->scratch,
		    &len);
		bad = dec_parse(v, len, &total);
	}
	if (CU_UNLIKELY(bad == DEC_ERANGE)) {
		error("%s:%llu: TOTAL_CREDITS: too large (at most 15 digits "
		    "before the point)", g->file, (unsigned long long)rec->line);
		return 3;
	}
	if (CU_UNLIKELY(bad)) {
		if (usage_header_again(rec, DB_MAX_HEADER_FIELDS,
		    &g->scratch)) {
			g->st->rows_read--;
			return 2;
		}
		g->st->rows_skipped++;
		ingest_problem(g, rec->line, "TOTAL_CREDITS", "empty or not a "
		    "number; row skipped");
		return 0;
	}
	if (CU_UNLIKELY(csv_field_is_null(&f[h->idx[COL_JOB_ID]]))) {
		g->st->rows_skipped++;
		ingest_problem(g, rec->line, "JOB_ID", "empty; row skipped");
		return 0;
	}
	r = ingest_next_row(g);
	r->have_day = 0;
	if ((d = csv_field_opt(rec, h->idx[COL_JOB_RUN_DATE])) != NULL) {
		v = csv_field_value(d, &g->scratch, &len);
		r->have_day = date_parse(v, len, &r->day) == 0;
		if (!r->have_day)
			ingest_problem(g, rec->line, "JOB_RUN_DATE",
			    "not a date (YYYY-MM-DD), counted as empty");
	}
	/* outside its export's range: not stored (as report.c) */
	if (g->range != NULL && g->range->set) {
		int64_t ms = 0;
		int have_ms = 0;

		d = csv_field_opt(rec, h->idx[COL_JOB_RUN_STARTED_AT]);
		if (d != NULL) {
			v = csv_field_value(d, &g->scratch, &len);
			have_ms = ts_parse_ms(v, len, &ms) == 0;
		}
		if (!inputs_range_has(g->range, have_ms, ms, r->have_day,
		    r->day)) {
			g->st->rows_outside++;
			return 0;	/* r is not taken: n stays */
		}
	}
	v = csv_field_value(&f[h->idx[COL_JOB_ID]], &g->scratch, &len);
	r->job_key = db_job_key(v, len);
	r->id_off = g->cur->text.len;
	r->id_len = (uint32_t)len;
	if (sbuf_add(&g->cur->text, v, len) < 0)
		die(EXIT_FAILURE_OTHER, "out of memory");
	for (i = 0; i < DIM_COUNT; i++) {
		int idx = h->idx[db_dims[i].col];

		if (idx >= 0)
			v = csv_field_text(&f[idx], &g->scratch, &len);
		else {
			v = "";
			len = 0;
		}
		r->ids[i] = strtab_intern(&g->names, v, len);
	}
	r->nulls = 0;
	r->vals[0] = ingest_number(g, rec, h->idx[COL_JOB_RUN_SECONDS],
	    COL_JOB_RUN_SECONDS, &null);
	r->nulls |= (uint32_t)null;
	for (c = 0; c < CR_TOTAL; c++) {
		r->vals[1 + c] = ingest_number(g, rec,
		    h->idx[COL_COMPUTE_CREDITS + c], COL_COMPUTE_CREDITS + c,
		    &null);
		r->nulls |= (uint32_t)null << (1 + c);
	}
	r->vals[1 + CR_TOTAL] = total;
	for (c = 0; c < 4; c++) {
		r->vals[1 + CR_COUNT + c] = ingest_number(g, rec,
		    h->idx[COL_MEDIAN_CPU_UTILIZATION_PCT + c],
		    COL_MEDIAN_CPU_UTILIZATION_PCT + c, &null);
		r->nulls |= (uint32_t)null << (1 + CR_COUNT + c);
	}
	if (g->bad_input)
		return 3;
	{
		struct metrics m;
		int which;

		memset(&m, 0, sizeof(m));
		m.jobs = 1;
		m.run_seconds = r->vals[0];
		memcpy(m.credits, &r->vals[1], sizeof(m.credits));
		which = metrics_add_abs(&g->bound, &m);
		if (which) {
			error("%s:%llu: %s: the values add up, without their "
			    "signs, past 100000000000000000000, the largest sum "
			    "kept exactly", g->file,
			    (unsigned long long)rec->line,
			    metrics_column(which - 1));
			return 3;
		}
	}
	/* encode here: the 128-bit divisions would slow the inserter */
	r->texts = 0;
	for (c = 0; c < NVALS; c++) {
		char text[DEC_BUFSZ];
		int is_int;

		if (r->nulls & (1u << c))
			continue;
		db_dec_encode(r->vals[c], &is_int, &r->enc[c], text);
		if (!is_int) {
			r->texts |= 1u << c;
			r->enc[c] = (int64_t)g->cur->text.len;
			if (sbuf_add(&g->cur->text, text, strlen(text) + 1) < 0)
				die(EXIT_FAILURE_OTHER, "out of memory");
		}
	}
	g->cur->n++;
	return 0;
}

static ssize_t
ingest_read_cb(void *ctx, void *buf, size_t len)
{
	return gz_read(ctx, buf, len);
}

static int
ingest_header(struct ingest *g, struct usage_header *h,
    const struct csv_record *rec)
{
	if (rec->nfields > DB_MAX_HEADER_FIELDS) {
		error("'%s': header has more than %d columns", g->file,
		    DB_MAX_HEADER_FIELDS);
		return EXIT_BAD_INPUT;
	}
	if (usage_header_map(h, rec, &g->scratch) < 0) {
		char *why = usage_header_dup_text(h);

		error("'%s': line %llu: %s", g->file,
		    (unsigned long long)rec->line, why);
		free(why);
		return EXIT_BAD_INPUT;
	}
	if (h->idx[COL_JOB_ID] < 0) {
		error("'%s' has no column JOB_ID (needed to store each job run "
		    "once)", g->file);
		return EXIT_BAD_INPUT;
	}
	if (h->idx[COL_TOTAL_CREDITS] < 0) {
		error("'%s' has no column TOTAL_CREDITS (needed for the credit "
		    "totals)", g->file);
		return EXIT_BAD_INPUT;
	}
	return 0;
}

/* One part.  Returns 0 or an exit code after printing the error. */
static int
ingest_file(struct ingest *g, const char *path)
{
	char err[512];
	struct gz *gz;
	struct csv_reader *csv;
	struct csv_record rec;
	struct usage_header h;
	int ret = 0, r;

	g->file = strcmp(path, "-") == 0 ? "(stdin)" : path;
	gz = gz_open(path, err, sizeof(err));
	if (gz == NULL) {
		error("%s", err);
		return EXIT_BAD_INPUT;
	}
	g->gz = gz;
	csv = csv_reader_new(ingest_read_cb, gz, DB_MAX_HEADER_FIELDS,
	    DB_MAX_RECORD);
	r = csv_reader_next(csv, &rec);
	if (r > 0 && (ret = ingest_header(g, &h, &rec)) == 0) {
		while (!atomic_load_explicit(&g->abort, memory_order_relaxed) &&
		    (r = csv_reader_next(csv, &rec)) > 0) {
			r = ingest_row(g, &h, &rec);
			if (r == 3) {
				ret = EXIT_BAD_INPUT;
				break;
			}
			if (r == 2 && (ret = ingest_header(g, &h, &rec)) != 0)
				break;
		}
	}
	if (!ret && r < 0) {
		if (gz_error(gz)[0])
			error("%s", gz_error(gz));
		else
			error("'%s': %s", g->file, csv_reader_error(csv));
		ret = EXIT_BAD_INPUT;
	}
	csv_reader_free(csv);
	g->bytes_base += gz_raw_bytes(gz);
	g->gz = NULL;
	gz_close(gz);
	return ret;
}

/* The reader thread: every part, then the end mark. */
static void *
ingest_reader(void *arg)
{
	struct ingest *g = arg;
	size_t i;

	g->cur = iqueue_pop(g, &g->empty);
	g->cur->n = 0;
	sbuf_reset(&g->cur->text);
	for (i = 0; i < g->in->n && !atomic_load(&g->abort); i++) {
		g->range = g->in->ranges != NULL ? &g->in->ranges[i] : NULL;
		g->reader_ret = ingest_file(g, g->in->paths[i]);
		if (g->reader_ret != 0)
			break;
		g->st->files++;
	}
	ingest_hand_on(g);
	iqueue_push(g, &g->full, NULL);
	return NULL;
}

/* Insert one row; a new one is added to the roll-up.  Returns 0 or -1. */
static int
ingest_insert(struct ingest *g, const struct ibatch *b, const struct irow *r)
{
	sqlite3_stmt *st = g->ins;
	struct metrics m;
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
	sqlite3_bind_int64(st, INS_INGEST, g->ingest_id);
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
		if (sqlite3_changes(g->db->h) == 1)
			break;
		sqlite3_bind_int64(g->find, 1, key);
		if (sqlite3_step(g->find) != SQLITE_ROW) {
			sqlite3_reset(g->find);
			return db_error(g->db, "cannot look up a job run");
		}
		same = (size_t)sqlite3_column_bytes(g->find, 0) == r->id_len &&
		    memcmp(sqlite3_column_blob(g->find, 0), id,
		    r->id_len) == 0;
		sqlite3_reset(g->find);
		if (same) {
			g->st->rows_present++;
			return 0;
		}
		key = (int64_t)((uint64_t)key + 1);
	}
	g->st->rows_new++;
	if (r->have_day) {
		if (!g->st->have_days || r->day < g->st->first_day)
			g->st->first_day = r->day;
		if (!g->st->have_days || r->day > g->st->last_day)
			g->st->last_day = r->day;
		g->st->have_days = 1;
	}
	{
		struct roll_key k;
		struct agg_group *grp;

		/* undated rows: day UINT32_MAX, stored as NULL */
		k.v[0] = r->have_day ? (uint32_t)r->day : UINT32_MAX;
		memcpy(&k.v[1], r->ids, DIM_DAILY * sizeof(uint32_t));
		grp = agg_get(&g->roll, (const char *)&k, sizeof(k),
		    hash_bytes(&k, sizeof(k), 0x3c6ef372fe94f82bULL));
		m.jobs = 1;
		m.run_seconds = r->vals[0];
		memcpy(m.credits, &r->vals[1], sizeof(m.credits));
		/* within g->bound, checked as each row was read */
		metrics_add_bounded(&grp->m, &m);
	}
	return 0;
}

static void
ingest_progress(struct ingest *g, enum db_progress_stage stage)
{
	if (g->db->progress_fn == NULL)
		return;
	g->prog.stage = stage;
	g->prog.bytes = atomic_load_explicit(&g->bytes_read,
	    memory_order_relaxed);
	g->prog.rows = atomic_load_explicit(&g->rows_read,
	    memory_order_relaxed);
	g->db->progress_fn(g->db->progress_ctx, &g->prog);
}

void
db_set_progress(struct db *db,
    void (*fn)(void *ctx, const struct db_progress *p), void *ctx)
{
	db->progress_fn = fn;
	db->progress_ctx = ctx;
}

/*
 * Run the reader thread and insert what it hands over.  Returns 0 or an
 * exit code (reported).
 */
static int
ingest_all(struct ingest *g)
{
	pthread_t tid;
	struct ibatch *b;
	size_t i;
	int ret = 0;

	pthread_mutex_init(&g->lock, NULL);
	pthread_cond_init(&g->cond, NULL);
	g->batches = xcalloc(NBATCHES, sizeof(*g->batches));
	for (i = 0; i < NBATCHES; i++) {
		sbuf_init(&g->batches[i].text, SIZE_MAX);
		iqueue_push(g, &g->empty, &g->batches[i]);
	}
	if (pthread_create(&tid, NULL, ingest_reader, g) != 0)
		die(EXIT_FAILURE_OTHER, "cannot start a thread");
	while ((b = iqueue_pop(g, &g->full)) != NULL) {
		for (i = 0; i < b->n && !ret; i++) {
			if (ingest_insert(g, b, &b->rows[i]) < 0) {
				ret = EXIT_FAILURE_OTHER;
				atomic_store(&g->abort, 1);
			}
		}
		iqueue_push(g, &g->empty, b);
		ingest_progress(g, DB_PROGRESS_READING);
	}
	pthread_join(tid, NULL);
	if (!ret)
		ret = g->reader_ret;
	for (i = 0; i < NBATCHES; i++)
		sbuf_release(&g->batches[i].text);
	free(g->batches);
	g->batches = NULL;
	pthread_cond_destroy(&g->cond);
	pthread_mutex_destroy(&g->lock);
	return ret;
}

static const char roll_get_sql[] =
"SELECT rowid, jobs, run_seconds, compute_credits, dlc_credits, user_credits,"
" storage_credits, network_credits, lease_credits, lease_overage_credits,"
" ipranges_credits, total_credits FROM daily WHERE day IS ? AND project = ?"
" AND workflow = ? AND job = ? AND status = ? AND resource_class = ?"
" AND executor = ? AND os = ? AND org = ? AND trigger_source = ?";
static const char roll_put_sql[] =
"INSERT INTO daily VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
" ?, ?, ?, ?, ?, ?, ?, ?)";

/*
 * Add the new rows' roll-up into `daily`.  Returns 0, -1 (SQLite failed)
 * or EXIT_BAD_INPUT (a stored sum unreadable, or a sum past DEC_SUM_MAX),
 * reported.
 */
static int
ingest_merge_roll(struct ingest *g)
{
	sqlite3_stmt *get = NULL, *put = NULL, *del = NULL;
	size_t i;
	int k, c, ret = -1;

	if (db_prepare(g->db, roll_get_sql, &get) < 0 ||
	    db_prepare(g->db, roll_put_sql, &put) < 0 ||
	    db_prepare(g->db, "DELETE FROM daily WHERE rowid = ?", &del) < 0)
		goto out;
	for (i = 0; i < g->roll.n; i++) {
		struct agg_group *grp = &g->roll.groups[i];
		struct roll_key key;
		struct metrics m = grp->m;
		int rc;

		memcpy(&key, grp->key, sizeof(key));
		for (k = 0; k < 1 + DIM_DAILY; k++) {
			int64_t v = k == 0 ? (int64_t)(int32_t)key.v[0] :
			    (int64_t)key.v[k];

			if (k == 0 && key.v[0] == UINT32_MAX) {
				sqlite3_bind_null(get, 1);
				sqlite3_bind_null(put, 1);
				continue;
			}
			sqlite3_bind_int64(get, k + 1, v);
			sqlite3_bind_int64(put, k + 1, v);
		}
		rc = sqlite3_step(get);
		if (rc == SQLITE_ROW) {
			struct metrics old;

			/* replaced by the new sums (the day may be NULL,
			 * which a UNIQUE index does not catch) */
			sqlite3_bind_int64(del, 1,
			    sqlite3_column_int64(get, 0));
			int64_t rowid = sqlite3_column_int64(get, 0);
			int which;

			if (sqlite3_column_int64(get, 1) < 0) {
				error("database '%s': table daily, row %lld: "
				    "jobs: negative", g->db->path,
				    (long long)rowid);
				ret = EXIT_BAD_INPUT;
				goto out;
			}
			old.jobs = (uint64_t)sqlite3_column_int64(get, 1);
			if (db_column_dec(g->db, get, 2, "daily", rowid,
			    &old.run_seconds) < 0) {
				ret = EXIT_BAD_INPUT;
				goto out;
			}
			for (c = 0; c < CR_COUNT; c++)
				if (db_column_dec(g->db, get, 3 + c, "daily",
				    rowid, &old.credits[c]) < 0) {
					ret = EXIT_BAD_INPUT;
					goto out;
				}
			/* the stored sums and the new ones: checked, as
			 * history grows with every ingest */
			which = metrics_add(&m, &old);
			if (which) {
				error("database '%s': table daily, row %lld: "
				    "%s: with this ingest's rows the sum "
				    "passes 100000000000000000000, the largest "
				    "kept exactly", g->db->path,
				    (long long)rowid, metrics_column(which - 1));
				ret = EXIT_BAD_INPUT;
				goto out;
			}
			if (sqlite3_step(del) != SQLITE_DONE) {
				db_error(g->db, "cannot write the roll-up");
				goto out;
			}
			sqlite3_reset(del);
		} else if (rc != SQLITE_DONE) {
			db_error(g->db, "cannot read the roll-up");
			goto out;
		}
		sqlite3_reset(get);
		if (m.jobs > (uint64_t)INT64_MAX) {
			/* SQLite's integers are signed 64-bit */
			error("database '%s': table daily: jobs: the count "
			    "passes %lld", g->db->path, (long long)INT64_MAX);
			ret = EXIT_BAD_INPUT;
			goto out;
		}
		sqlite3_bind_int64(put, 2 + DIM_DAILY, (int64_t)m.jobs);
		db_bind_dec(put, 3 + DIM_DAILY, m.run_seconds);
		for (c = 0; c < CR_COUNT; c++)
			db_bind_dec(put, 4 + DIM_DAILY + c, m.credits[c]);
		if (sqlite3_step(put) != SQLITE_DONE) {
			db_error(g->db, "cannot write the roll-up");
			goto out;
		}
		sqlite3_reset(put);
	}
	ret = 0;
out:
	sqlite3_finalize(get);
	sqlite3_finalize(put);
	sqlite3_finalize(del);
	return ret;
}

int
db_ingest(struct db *db, const struct inputs *in, struct db_ingest_stats *st)
{
	struct ingest g;
	sqlite3_stmt *log = NULL;
	size_t i;
	int ret = EXIT_FAILURE_OTHER;

	memset(st, 0, sizeof(*st));
	memset(&g, 0, sizeof(g));
	g.db = db;
	g.st = st;
	strtab_init(&g.names);
	agg_init(&g.roll);
	sbuf_init(&g.scratch, DB_MAX_RECORD);
	if (db_exec(db, "BEGIN IMMEDIATE") < 0)
		goto out_free;
	if (db_load_names(db, &g.names) < 0)
		goto out_rollback;
	g.names_stored = g.names.n;
	if (db_prepare(db, ingest_sql, &g.ins) < 0 ||
	    db_prepare(db, "INSERT INTO names(id, value) VALUES(?, ?)",
	    &g.name_ins) < 0 ||
	    db_prepare(db, "SELECT job_id FROM job_runs WHERE job_key = ?",
	    &g.find) < 0 ||
	    db_prepare(db, "INSERT INTO ingests(at, files, rows_read, "
	    "rows_new, rows_present) VALUES(strftime('%Y-%m-%dT%H:%M:%SZ', "
	    "'now'), 0, 0, 0, 0)", &log) < 0)
		goto out_rollback;
	if (sqlite3_step(log) != SQLITE_DONE) {
		db_error(db, "cannot note the ingest");
		goto out_rollback;
	}
	g.ingest_id = sqlite3_last_insert_rowid(db->h);
	g.in = in;
	g.prog.files = in->n;
	for (i = 0; i < in->n; i++) {
		struct stat sb;

		if (strcmp(in->paths[i], "-") == 0 ||
		    stat(in->paths[i], &sb) < 0) {
			g.prog.bytes_total = 0;	/* unknown */
			break;
		}
		g.prog.bytes_total += (uint64_t)sb.st_size;
	}
	ingest_progress(&g, DB_PROGRESS_READING);
	ret = ingest_all(&g);
	if (ret != 0)
		goto out_rollback;
	/* a table past its cap (agg.h, strtab.h): nothing stored */
	ret = EXIT_FAILURE_OTHER;
	if (strtab_check(&g.names) < 0 || agg_check(&g.roll) < 0)
		goto out_rollback;
	ingest_progress(&g, DB_PROGRESS_FINISHING);
	ret = EXIT_FAILURE_OTHER;
	if (ingest_flush_names(&g) < 0)
		goto out_rollback;
	if ((ret = ingest_merge_roll(&g)) != 0) {
		/* -1: SQLite failed; EXIT_BAD_INPUT: a sum does not fit */
		if (ret < 0)
			ret = EXIT_FAILURE_OTHER;
		goto out_rollback;
	}
	ret = EXIT_FAILURE_OTHER;
	sqlite3_finalize(log);
	log = NULL;
	if (db_prepare(db, "UPDATE ingests SET files = ?, rows_read = ?, "
	    "rows_new = ?, rows_present = ? WHERE id = ?", &log) < 0)
		goto out_rollback;
	sqlite3_bind_int64(log, 1, (int64_t)st->files);
	sqlite3_bind_int64(log, 2, (int64_t)st->rows_read);
	sqlite3_bind_int64(log, 3, (int64_t)st->rows_new);
	sqlite3_bind_int64(log, 4, (int64_t)st->rows_present);
	sqlite3_bind_int64(log, 5, g.ingest_id);
	if (sqlite3_step(log) != SQLITE_DONE) {
		db_error(db, "cannot note the ingest");
		goto out_rollback;
	}
	if (db_exec(db, "COMMIT") < 0)
		goto out_rollback;
	if (g.problems > DB_MAX_PROBLEMS_SHOWN)
		warning("%llu problems in all (the first %d shown)",
		    (unsigned long long)g.problems, DB_MAX_PROBLEMS_SHOWN);
	ret = 0;
	goto out_free;
out_rollback:
	sqlite3_finalize(log);
	log = NULL;
	sqlite3_finalize(g.ins);
	g.ins = NULL;
	sqlite3_finalize(g.name_ins);
	g.name_ins = NULL;
	sqlite3_finalize(g.find);
	g.find = NULL;
	sqlite3_exec(db->h, "ROLLBACK", NULL, NULL, NULL);
out_free:
	sqlite3_finalize(log);
	sqlite3_finalize(g.ins);
	sqlite3_finalize(g.name_ins);
	sqlite3_finalize(g.find);
	sbuf_release(&g.scratch);
	agg_release(&g.roll);
	strtab_release(&g.names);
	return ret;
}

/* ---- reports ---- */

/* Result columns of both report queries, in this order. */
enum {
	Q_DAY, Q_DIM0, Q_JOBS = Q_DIM0 + DIM_DAILY, Q_SECS, Q_CREDIT0,
	Q_BRANCH = Q_CREDIT0 + CR_COUNT, Q_USER, Q_ROWID, Q_JOB_ID
};

#define Q_COLS "day, project, workflow, job, status, resource_class," \
	" executor, os, org, trigger_source, "
#define Q_SUMS " run_seconds, compute_credits, dlc_credits, user_credits," \
	" storage_credits, network_credits, lease_credits," \
	" lease_overage_credits, ipranges_credits, total_credits"

struct dbr {
	const struct report_opts *o;
	struct report_result *res;
	struct strtab names;
	unsigned char *proj_ok, *branch_ok, *status_ok;	/* 0 ?, 1 yes, 2 no */
	int qcol[REPORT_MAX_KEYS];	/* each string key's query column */
	struct agg sets[REPORT_MAX_SETS];
	uint64_t *org_jobs;
	struct timekey_cache month;	/* the last KEY_MONTH lookup */
	const char *table;	/* the one read: daily or job_runs */
	/*
	 * The sums of the absolute values of the rows counted (report.c's
	 * bound): every sum made of them, groups and totals, is at most it.
	 */
	struct metrics bound;
};

static int
dbr_dim_column(enum usage_col col)
{
	size_t i;

	for (i = 0; i < DIM_COUNT; i++)
		if (db_dims[i].col == col)
			return i < DIM_DAILY ? Q_DIM0 + (int)i :
			    i == DIM_BRANCH ? Q_BRANCH : Q_USER;
	return -1;
}

/* Does name `id` pass a filter (cached per id in ok[])? */
static int
dbr_glob_ok(struct dbr *r, unsigned char *ok, uint32_t id,
    const char *const *globs, size_t n)
{
	size_t len, i;
	const char *s;
	char *z;

	if (ok[id] == 0) {
		s = strtab_str(&r->names, id, &len);
		z = xstrndup(s, len);
		ok[id] = 2;
		for (i = 0; i < n; i++)
			if (fnmatch(globs[i], z, 0) == 0)
				ok[id] = 1;
		free(z);
	}
	return ok[id] == 1;
}

static int
dbr_status_ok(struct dbr *r, uint32_t id)
{
	size_t len, i;
	const char *s;

	if (r->status_ok[id] == 0) {
		s = strtab_str(&r->names, id, &len);
		r->status_ok[id] = 2;
		for (i = 0; i < r->o->nstatuses; i++)
			if (str_ieq(s, len, r->o->statuses[i]))
				r->status_ok[id] = 1;
	}
	return r->status_ok[id] == 1;
}

static int
dbr_id(sqlite3_stmt *st, int col, const struct dbr *r, uint32_t *id)
{
	int64_t v = sqlite3_column_int64(st, col);

	if (v < 0 || (uint64_t)v >= r->names.n)
		return -1;
	*id = (uint32_t)v;
	return 0;
}

/*
 * o->row_fn: hand on the job run of st's row, with the texts of
 * o->row_cols that history keeps (its names; JOB_ID); the others, such
 * as PROJECT_ID and ORGANIZATION_ID, are empty.  Returns row_fn's code.
 */
static int
dbr_row(struct db *db, struct dbr *r, sqlite3_stmt *st,
    const struct metrics *m, int have_day, int32_t days, int64_t rowid)
{
	const struct report_opts *o = r->o;
	struct report_row row;
	uint32_t id;
	size_t i;
	int q;

	memset(&row, 0, sizeof(row));
	row.m = m;
	row.have_day = have_day;
	row.day = days;
	row.file = db->path;
	row.line = (uint64_t)rowid;
	for (i = 0; i < o->nrow_cols; i++) {
		row.text[i] = "";
		if (o->row_cols[i] == COL_JOB_ID) {
			const unsigned char *t = sqlite3_column_text(st,
			    Q_JOB_ID);

			if (t != NULL) {
				row.text[i] = (const char *)t;
				row.len[i] = (size_t)sqlite3_column_bytes(st,
				    Q_JOB_ID);
			}
			continue;
		}
		q = dbr_dim_column(o->row_cols[i]);
		if (q >= 0 && dbr_id(st, q, r, &id) == 0)
			row.text[i] = strtab_str(&r->names, id, &row.len[i]);
	}
	return o->row_fn(o->row_ctx, &row);
}

/*
 * Sum one query's rows.  Returns 0, -1 (SQLite failed) or EXIT_BAD_INPUT
 * (a value not a number, or the rows' bound past DEC_SUM_MAX), reported;
 * or o->row_fn's exit code.
 */
static int
dbr_scan(struct db *db, struct dbr *r, sqlite3_stmt *st)
{
	const struct report_opts *o = r->o;
	struct report_result *res = r->res;
	int rc, c;
	size_t k, s;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		uint32_t ids[REPORT_MAX_KEYS], id;
		struct metrics m;
		int64_t rowid;
		int have_day = sqlite3_column_type(st, Q_DAY) != SQLITE_NULL;
		int32_t days = (int32_t)sqlite3_column_int64(st, Q_DAY);
		uint64_t jobs = (uint64_t)sqlite3_column_int64(st, Q_JOBS);

		res->rows_read += jobs;
		if (o->nprojects && (dbr_id(st, Q_DIM0 + DIM_PROJECT, r,
		    &id) < 0 || !dbr_glob_ok(r, r->proj_ok, id, o->projects,
		    o->nprojects)))
			goto filtered;
		if (o->nbranches && (dbr_id(st, Q_BRANCH, r, &id) < 0 ||
		    !dbr_glob_ok(r, r->branch_ok, id, o->branches,
		    o->nbranches)))
			goto filtered;
		if (o->nstatuses && (dbr_id(st, Q_DIM0 + DIM_STATUS, r,
		    &id) < 0 || !dbr_status_ok(r, id)))
			goto filtered;
		for (k = 0; k < o->nkeys; k++) {
			if (key_is_time(o->keys[k].kind))
				ids[k] = timekey_id(&r->month, o->keys[k].kind,
				    days);
			else if (dbr_id(st, r->qcol[k], r, &ids[k]) < 0)
				return error("database '%s': a name id out of "
				    "range", db->path);
		}
		rowid = sqlite3_column_int64(st, Q_ROWID);
		if (sqlite3_column_int64(st, Q_JOBS) < 0) {
			error("database '%s': table %s, row %lld: jobs: "
			    "negative", db->path, r->table, (long long)rowid);
			return EXIT_BAD_INPUT;
		}
		m.jobs = jobs;
		if (db_column_dec(db, st, Q_SECS, r->table, rowid,
		    &m.run_seconds) < 0)
			return EXIT_BAD_INPUT;
		for (c = 0; c < CR_COUNT; c++)
			if (db_column_dec(db, st, Q_CREDIT0 + c, r->table,
			    rowid, &m.credits[c]) < 0)
				return EXIT_BAD_INPUT;
		if ((c = metrics_add_abs(&r->bound, &m)) != 0) {
			error("database '%s': table %s, row %lld: %s: the "
			    "values add up, without their signs, past "
			    "100000000000000000000, the largest sum kept "
			    "exactly", db->path, r->table, (long long)rowid,
			    metrics_column(c - 1));
			return EXIT_BAD_INPUT;
		}
		if (r->org_jobs != NULL && dbr_id(st, Q_DIM0 + DIM_ORG, r,
		    &id) == 0)
			r->org_jobs[id] += jobs;
		if (have_day) {
			if (!res->have_dates || days < res->first_date)
				res->first_date = days;
			if (!res->have_dates || days > res->last_date)
				res->last_date = days;
			res->have_dates = 1;
		}
		if (o->row_fn != NULL && (c = dbr_row(db, r, st, &m, have_day,
		    days, rowid)) != 0)
			return c;
		for (s = 0; s < report_nsets(o); s++) {
			uint32_t sk[REPORT_MAX_KEYS];
			size_t n = o->nsets ? o->sets[s].nkeys : o->nkeys;
			struct agg_group *g;

			for (k = 0; k < n; k++)
				sk[k] = ids[o->nsets ? o->sets[s].keys[k] : k];
			g = agg_get(&r->sets[s], (const char *)sk,
			    n * sizeof(*sk), hash_bytes(sk, n * sizeof(*sk),
			    0x452821e638d01377ULL));
			metrics_add_bounded(&g->m, &m);
		}
		continue;
filtered:
		res->rows_filtered += jobs;
	}
	if (rc != SQLITE_DONE)
		return db_error(db, "cannot read history");
	return 0;
}

/*
 * The history's name of id for key column c (report_merge_ids): the
 * names table's; a team is its project's team, found here.
 */
static const char *
dbr_key_name(void *ctx, size_t c, uint32_t id, size_t *len)
{
	const struct dbr *r = ctx;
	const struct teams *t = r->o->teams;
	const char *v = strtab_str(&r->names, id, len);
	char *proj;

	if (r->o->keys[c].kind != KEY_TEAM || *len == 0 || t == NULL)
		return v;	/* a team key without a project: no team */
	proj = xstrndup(v, *len);
	v = teams_name(t, teams_match(t, proj));
	*len = strlen(v);
	free(proj);
	return v;
}

/* The organizations, most job runs first, as report_run() gives them. */
static void
dbr_orgs(struct dbr *r)
{
	struct report_result *res = r->res;
	size_t i;

	for (i = 0; i < r->names.n; i++) {
		size_t len;
		const char *s;

		if (r->org_jobs[i] == 0)
			continue;
		s = strtab_str(&r->names, (uint32_t)i, &len);
		len = strnlen(s, len);
		if (len == 0)
			continue;
		if (res->norgs == REPORT_MAX_ORGS) {
			res->orgs_more = 1;
			continue;
		}
		res->orgs[res->norgs] = xstrndup(s, len);
		res->org_jobs[res->norgs++] = r->org_jobs[i];
	}
	report_sort_orgs(res);
}

int
db_report(struct db *db, const struct report_opts *o,
    struct report_result *res)
{
	struct dbr r;
	sqlite3_stmt *st = NULL;
	int need_date = o->since != INT32_MIN || o->until != INT32_MAX;
	int need_runs = o->nbranches > 0 || o->row_fn != NULL;
	int ret = EXIT_FAILURE_OTHER;
	size_t i, k;

	memset(res, 0, sizeof(*res));
	res->from_db = 1;
	memset(&r, 0, sizeof(r));
	r.o = o;
	r.res = res;
	agg_init(&res->groups);
	for (i = 1; i < report_nsets(o); i++)
		agg_init(&res->more[i - 1]);
	for (i = 0; i < report_nsets(o); i++)
		agg_init(&r.sets[i]);
	strtab_init(&r.names);
	for (k = 0; k < o->nkeys; k++) {
		if (key_is_time(o->keys[k].kind)) {
			need_date = 1;
			continue;
		}
		/* a team is its project's, mapped when the groups are named */
		r.qcol[k] = dbr_dim_column(o->keys[k].col);
		if (r.qcol[k] < 0) {
			error("--db: cannot group by %s", o->keys[k].name);
			ret = EXIT_USAGE;
			goto out;
		}
		if (r.qcol[k] >= Q_BRANCH)
			need_runs = 1;
	}
	/* one read transaction: names and sums from the same snapshot */
	if (db_exec(db, "BEGIN") < 0)
		goto out;
	if (db_load_names(db, &r.names) < 0)
		goto out_end;
	r.proj_ok = xcalloc(r.names.n + 1, 1);
	r.branch_ok = xcalloc(r.names.n + 1, 1);
	r.status_ok = xcalloc(r.names.n + 1, 1);
	if (o->want_orgs)
		r.org_jobs = xcalloc(r.names.n + 1, sizeof(*r.org_jobs));
	/*
	 * Branches and users are not in the roll-up (too many of them):
	 * grouping or filtering by them reads the job runs.  Otherwise the
	 * roll-up, plus, when no key or filter needs a date, the few job
	 * runs without one (report counts them too), kept in the roll-up
	 * with a NULL day.  The unary + makes the roll-up a plain scan, not
	 * an index range with a lookup per row.  A row_fn (focus) reads the
	 * job runs, in the order they were stored.
	 */
	if (need_runs)
		ret = db_prepare(db, "SELECT " Q_COLS "1," Q_SUMS
		    ", branch, trigger_user, rowid, job_id FROM job_runs WHERE "
		    "day BETWEEN ?1 AND ?2 OR (?3 AND day IS NULL) ORDER BY "
		    "rowid", &st);
	else
		ret = db_prepare(db, "SELECT " Q_COLS "jobs," Q_SUMS
		    ", NULL, NULL, rowid, NULL FROM daily WHERE +day BETWEEN "
		    "?1 AND ?2 OR (?3 AND day IS NULL)", &st);
	r.table = need_runs ? "job_runs" : "daily";
	if (ret < 0)
		goto out_fail;
	sqlite3_bind_int64(st, 1, o->since);
	sqlite3_bind_int64(st, 2, o->until);
	sqlite3_bind_int(st, 3, !need_date);
	if ((ret = dbr_scan(db, &r, st)) < 0)
		goto out_fail;
	if (ret != 0)
		goto out_end;	/* bad data: EXIT_BAD_INPUT, reported */
	sqlite3_finalize(st);
	st = NULL;
	for (i = 0; i < report_nsets(o); i++) {
		struct agg *dst = i == 0 ? &res->groups : &res->more[i - 1];

		if (agg_check(&r.sets[i]) < 0)
			goto out_fail;
		report_merge_ids(dst, &r.sets[i], o, i, dbr_key_name, &r, NULL);
		if (agg_check(dst) < 0)
			goto out_fail;
	}
	for (i = 0; i < res->groups.n; i++)
		metrics_add_bounded(&res->totals, &res->groups.groups[i].m);
	if (r.org_jobs != NULL)
		dbr_orgs(&r);
	ret = 0;
	goto out_end;
out_fail:
	ret = EXIT_FAILURE_OTHER;
out_end:
	sqlite3_finalize(st);
	sqlite3_exec(db->h, "COMMIT", NULL, NULL, NULL);
out:
	for (i = 0; i < REPORT_MAX_SETS; i++)
		agg_release(&r.sets[i]);
	free(r.proj_ok);
	free(r.branch_ok);
	free(r.status_ok);
	free(r.org_jobs);
	strtab_release(&r.names);
	return ret;
}

int
db_report_path(const char *path, const struct report_opts *o,
    struct report_result *res)
{
	char *def = NULL;
	struct db *db;
	int ret;

	memset(res, 0, sizeof(*res));
	agg_init(&res->groups);
	if (strcmp(path, "-") == 0 && (path = def = db_default_path()) ==
	    NULL)
		return EXIT_USAGE;
	db = db_open(path, 0, NULL);
	free(def);
	if (db == NULL)
		return EXIT_BAD_INPUT;
	agg_release(&res->groups);
	ret = db_report(db, o, res);
	db_close(db);
	return ret;
}

/* ---- user names ---- */

int
db_users_store(struct db *db, const struct users *u)
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
	sqlite3_exec(db->h, "ROLLBACK", NULL, NULL, NULL);
	return -1;
}

/* Column i of a users row: NULL, or text within max bytes, printable. */
static int
db_users_text(sqlite3_stmt *st, int i, size_t max, int nullable,
    const char **out)
{
	const char *t = (const char *)sqlite3_column_text(st, i);
	size_t len = (size_t)sqlite3_column_bytes(st, i);

	*out = NULL;
	if (sqlite3_column_type(st, i) == SQLITE_NULL)
		return nullable ? 0 : -1;
	if (sqlite3_column_type(st, i) != SQLITE_TEXT || t == NULL ||
	    len == 0 || len > max || strlen(t) != len ||
	    str_has_control(t, len))
		return -1;
	*out = t;
	return 0;
}

int
db_users_load(struct db *db, struct users *u)
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
			    "expected an ID, a login, a name and a time as "
			    "text within their limits; user names not shown",
			    db->path, (long long)row);
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

int
db_info(struct db *db, struct db_info *info)
{
	uint64_t lo = 0, hi = 0, any = 0;
	char *wal;

	memset(info, 0, sizeof(*info));
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
		sqlite3_exec(db->h, "COMMIT", NULL, NULL, NULL);
		return -1;
	}
	sqlite3_exec(db->h, "COMMIT", NULL, NULL, NULL);
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
		*n = (uint64_t)sqlite3_changes(db->h);
	sqlite3_finalize(st);
	return ret;
}

int
db_prune(struct db *db, int32_t before, uint64_t *removed)
{
	*removed = 0;
	if (db_exec(db, "BEGIN IMMEDIATE") < 0)
		return -1;
	if (db_delete_before(db, "DELETE FROM job_runs WHERE day < ?", before,
	    "cannot delete job runs", removed) < 0 ||
	    db_delete_before(db, "DELETE FROM daily WHERE day < ?", before,
	    "cannot delete roll-up rows", NULL) < 0 ||
	    db_exec(db, "COMMIT") < 0) {
		sqlite3_exec(db->h, "ROLLBACK", NULL, NULL, NULL);
		*removed = 0;
		return -1;
	}
	return 0;
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
static const char *
db_alerts_text(sqlite3_stmt *st, int i, int may_be_empty)
{
	const char *t = (const char *)sqlite3_column_text(st, i);
	size_t len = (size_t)sqlite3_column_bytes(st, i);

	if (sqlite3_column_type(st, i) != SQLITE_TEXT || t == NULL ||
	    (len == 0 && !may_be_empty) || len > ALERTSTATE_MAX_TEXT ||
	    strlen(t) != len || str_has_control(t, len))
		return NULL;
	return t;
}

int
db_alerts_load(struct db *db, struct alertstate *s)
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
			    "expected a rule and an entity as text without "
			    "control characters and sent_at as whole "
			    "milliseconds since 1970 (at most %d rows)",
			    db->path, (long long)row, ALERTSTATE_MAX);
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

int
db_alerts_store(struct db *db, const struct alertstate *sent,
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
	sqlite3_exec(db->h, "ROLLBACK", NULL, NULL, NULL);
	return -1;
}
