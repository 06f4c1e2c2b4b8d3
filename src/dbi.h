/*
 * dbi.h: inside history (db.h): what db.c, which is the same on every
 * engine (reading the exports, summing a report), shares with the two
 * engines, dbsqlite.c (a file) and dbpg.c (a PostgreSQL server).
 *
 * The engines store and fetch; they never filter, sort or print, and
 * they sum only where their own arithmetic is exact (PostgreSQL's numeric:
 * the server sums a scan by the dims the report uses; SQLite hands over
 * stored rows).  A report is the rows a scan hands to one function of
 * db.c, so every engine's answer is made by the same code, byte for byte.
 */
#ifndef CU_DBI_H
#define CU_DBI_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "agg.h"
#include "db.h"
#include "dedup.h"
#include "strtab.h"
#include "util.h"

#define DB_MAX_HEADER_FIELDS 4096
#define DB_MAX_RECORD (16 * 1024 * 1024)
#define DB_MAX_PROBLEMS_SHOWN 5
#define NANO ((dec_t)1000000000)

/*
 * The schema's versions.  Each step of a migration runs in its own
 * transaction with the version it makes: 1, the tables; 2, the views for
 * people and BI tools and project_teams; 3, the roll-ups by branch and
 * by user (filled from the job runs stored); 4, the coarser roll-ups
 * (daily_project, monthly_class, monthly_job, monthly: from daily).  A reader
 * takes a database of
 * any version from DB_SCHEMA_OLDEST (what it lacks reads as empty); a
 * writer migrates it; a newer one is refused by both.
 */
#define DB_SCHEMA_VERSION 4
#define DB_SCHEMA_OLDEST 1

struct db_ops;

struct db {
	const struct db_ops *ops;
	char *path;		/* the file, or the connection string (which
				 * holds no password: dburi.h) */
	void *h;		/* sqlite3 *, PGconn * */
	int version;		/* the schema's, as opened */
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

struct db_dim_def {
	const char *name;	/* the column */
	int col;		/* enum usage_col */
};
extern const struct db_dim_def db_dims[DIM_COUNT];

/*
 * The roll-ups, kept at ingest: each the new job runs summed by day (or
 * month) and its dims.  daily has the dims of few values; a branch or a
 * user key would make it nearly as fine as the job runs, so each has a
 * roll-up of its own with only the dims filters and organizations need.
 * With many jobs daily is nearly as fine as the job runs too, so keys
 * that need fewer dims or no day read coarser ones: daily_project (day,
 * project, status, org), and three by month, whose `day` is the month's
 * first: monthly_class (no workflow or job), monthly_job (project,
 * workflow, job, org) and monthly (daily's dims).
 * A report reads the first of db_roll_order that has what it needs.
 */
enum {
	ROLL_DAILY, ROLL_BRANCH, ROLL_USER, ROLL_DAY_PROJECT, ROLL_MONTH_CLASS,
	ROLL_MONTH_JOB, ROLL_MONTHLY, ROLL_COUNT
};
#define ROLL_MAX_DIMS DIM_DAILY
/* The roll-ups whose dims daily has: each can be summed from it. */
#define ROLL_FROM_DAILY (1u << ROLL_DAILY | 1u << ROLL_DAY_PROJECT | \
	1u << ROLL_MONTH_CLASS | 1u << ROLL_MONTH_JOB | 1u << ROLL_MONTHLY)
/* The roll-ups by month. */
#define ROLL_MONTHS (1u << ROLL_MONTH_CLASS | 1u << ROLL_MONTH_JOB | \
	1u << ROLL_MONTHLY)

struct db_rollup {
	const char *table;
	int since;		/* the schema version that made it */
	int monthly;		/* day is the first of its month */
	size_t ndims;
	int dims[ROLL_MAX_DIMS];	/* in the table's column order */
	unsigned mask;		/* bit d: dims has d */
};
extern const struct db_rollup db_rollups[ROLL_COUNT];
/* The roll-ups, smallest first on real-shaped data. */
extern const int db_roll_order[ROLL_COUNT];

/* The first day of the month of `day`, and of the month after it. */
int32_t db_month_start(int32_t day);
int32_t db_month_next(int32_t day);

/* The value columns: seconds, the credit kinds, utilization. */
#define NVALS (1 + CR_COUNT + 4)

/* ---- ingest ---- */

#define BATCH_ROWS 4096
#define NBATCHES 4

struct irow {
	int64_t job_key;
	struct dedup_fp fp;	/* the JOB_ID's (ops->dedup) */
	size_t id_off;		/* JOB_ID in the batch's text */
	uint32_t id_len;
	int32_t day;
	int have_day;
	uint32_t nulls;		/* bit v: vals[v] was NULL */
	uint32_t texts;		/* bit v: vals[v] is stored as text */
	uint32_t ids[DIM_COUNT];
	dec_t vals[NVALS];
	int64_t enc[NVALS];	/* db_dec_encode()d: a whole number, or the
				 * offset of the text in the batch (always
				 * text with ops->enc_text) */
};

struct ibatch {
	struct irow rows[BATCH_ROWS];
	size_t n;
	struct sbuf text;
	/*
	 * With ops->ingest_roll: the reader's roll-ups (ROLL_COUNT) of every
	 * row it handed on up to this batch's last, to be merged after this
	 * batch is stored; else NULL
	 */
	struct agg *roll;
	unsigned roll_mask;	/* bit k: roll[k] handed on (else empty) */
};

/*
 * The roll-ups' groups the reader keeps at most before it hands them on
 * to be merged (ops->ingest_roll): what bounds an ingest's memory, about
 * 260 bytes a group.
 */
#define DB_ROLL_FLUSH ((size_t)1 << 16)

/* A bounded queue of batches (FIFO), NULL marking the end. */
struct iqueue {
	struct ibatch *q[NBATCHES + 1];
	size_t head, n;
};

struct ingest {
	struct db *db;
	const struct inputs *in;
	struct db_ingest_stats *st;
	void *eng;		/* the engine's, between begin and end */
	struct strtab names;	/* the reader's until it ends */
	size_t names_stored;	/* names[0 .. names_stored) are in the table */
	/*
	 * The rows the reader handed on by day and dims (the reader's
	 * until it ends), less `present` before they are merged: the new
	 * rows'.
	 */
	struct agg roll[ROLL_COUNT];
	struct agg present[ROLL_COUNT];	/* the inserter's: the rows it
					 * found stored since the last merge */
	struct sbuf scratch;
	struct sbuf fix;	/* a text made valid UTF-8 (utf8_only) */
	struct dedup *seen;	/* the JOB_IDs read (ops->dedup) */
	uint64_t dups;		/* rows dropped as seen: the reader's */
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

/*
 * A roll-up's key: the day (UINT32_MAX: none), then its dims' ids; of
 * 1 + ndims values.
 */
struct roll_key {
	uint32_t v[1 + ROLL_MAX_DIMS];
};

/*
 * Add a job run's values to its group in rolls[k], for each roll-up k
 * with bit k set in `which`.
 */
void db_roll_add(struct agg *rolls, unsigned which, int have_day,
    int32_t day, const uint32_t ids[DIM_COUNT], const struct metrics *m);

/*
 * Add a roll-up's or a job run's values to their group in roll, of
 * roll-up k, with metrics_add()'s check: 0, or which sum would pass
 * DEC_SUM_MAX (1 + its column) and nothing added.
 */
int db_roll_add_checked(struct agg *roll, size_t k, int have_day,
    int32_t day, const uint32_t ids[DIM_COUNT], const struct metrics *m);

/*
 * Take values added to the roll-ups in `which` before back out (their
 * groups are left, with 0 jobs when nothing else was in them).
 */
void db_roll_sub(struct agg *rolls, unsigned which, int have_day,
    int32_t day, const uint32_t ids[DIM_COUNT], const struct metrics *m);

/* A row an engine found new: counted in g->st. */
void db_ingest_new_row(struct ingest *g, const struct irow *r);

/*
 * A row an engine found stored before: counted in g->st and summed into
 * g->present, to be taken out of the roll-ups the reader summed.
 */
void db_ingest_present_row(struct ingest *g, const struct irow *r);

/* ---- reading ---- */

/* What a report reads. */
struct dbscan {
	const struct db_rollup *roll;	/* NULL: job_runs */
	int rows;		/* every job run, by job_key (the same
				 * order on every engine) */
	int days;		/* a row per day (else per group, the first
				 * and last day of its rows) */
	int32_t since, until;	/* days */
	int undated;		/* and the rows without a day */
	unsigned dims;		/* bit d: dim d is used (the others may be
				 * left out: ids -1) */
};

/* One row of a scan: a job run, or a sum of several. */
struct dbrow {
	const char *table;	/* for messages */
	int64_t rowid;		/* for messages and report rows */
	int have_day;
	int32_t day, day_last;	/* day_last: of a group's rows, else day */
	int64_t ids[DIM_COUNT];	/* -1: not read */
	int64_t jobs;
	struct metrics m;
	const char *job_id;	/* with rows only */
	size_t job_id_len;
};

/* Returns 0, or an exit code that ends the scan. */
typedef int (*dbrow_fn)(void *ctx, const struct dbrow *row);

struct db_ops {
	const char *engine;
	int utf8_only;		/* text must be valid UTF-8 without NUL */
	int enc_text;		/* every value as decimal text in the batch
				 * (else a whole number as itself) */
	int dedup;		/* drop a JOB_ID seen before in this ingest
				 * while reading (the first row wins), so the
				 * engine gets each once */
	void (*close)(struct db *db);
	/*
	 * Ingest: begin (a writing transaction, other writers kept out;
	 * the stored names into g->names; the ingests row), then each batch
	 * as the reader hands it over, then end (the names and the roll-up
	 * stored, the ingests row, commit).  begin and batch return 0 or -1;
	 * end returns 0, -1 or EXIT_BAD_INPUT (a sum past DEC_SUM_MAX); all
	 * report.  abort undoes everything after any failure.
	 */
	int (*ingest_begin)(struct ingest *g);
	int (*ingest_batch)(struct ingest *g, const struct ibatch *b);
	int (*ingest_end)(struct ingest *g);
	/*
	 * Merge roll-ups of new rows (ROLL_COUNT) into the tables before the
	 * end (0, -1 or EXIT_BAD_INPUT, reported): the reader then hands
	 * them on every DB_ROLL_FLUSH groups.  NULL: all at the end.
	 */
	int (*ingest_roll)(struct ingest *g, const struct agg *roll);
	void (*ingest_abort)(struct ingest *g);
	/* One snapshot: begin (the names into t), scans, end. */
	int (*read_begin)(struct db *db, struct strtab *t);
	int (*scan)(struct db *db, const struct dbscan *q, dbrow_fn fn,
	    void *ctx);
	void (*read_end)(struct db *db);
	int (*info)(struct db *db, struct db_info *info);
	int (*prune)(struct db *db, int32_t before, uint64_t *removed);
	int (*users_store)(struct db *db, const struct users *u);
	int (*users_load)(struct db *db, struct users *u);
	int (*alerts_load)(struct db *db, struct alertstate *s);
	int (*alerts_store)(struct db *db, const struct alertstate *sent,
	    int64_t before_ms);
	int (*teams_store)(struct db *db, const struct teams *t);
};

struct db *dbsqlite_open(const char *path, int create, int *code);
struct db *dbpg_open(const char *conninfo, int create, int *code);

/* meta's schema_version as a number: 1 to 99999, else 0. */
int db_version_parse(const char *v);

/* The JOB_ID's 64-bit FNV-1a hash (part of the schema: never change it). */
int64_t db_job_key(const char *id, size_t len);

/*
 * Is a text column of users or alerts_sent what the program writes:
 * within max bytes, no NUL or control character, empty only when
 * may_be_empty?
 */
int db_text_ok(const char *t, size_t len, size_t max, int may_be_empty);

/* The table's row limits (users.h, alertstate.h) as one message each. */
#define DB_USERS_BAD "expected an ID, a login, a name and a time as text " \
	"within their limits; user names not shown"
#define DB_ALERTS_BAD "expected a rule and an entity as text without " \
	"control characters and sent_at as whole milliseconds since 1970"

#endif
