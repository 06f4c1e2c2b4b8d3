/*
 * test_db.c: the history database (db.h): the exact encoding of numbers;
 * ingesting a small export (rows report skips are skipped, duplicates
 * stored once, undated rows kept); ingesting again changes nothing;
 * db_report() equal to report_run() on the files for every key, grouping
 * sets and filters; a bad part after a good one leaves the database as it
 * was; db_info() and db_prune(); the default path; foreign files and
 * other schema versions refused on open, and so is a file of ours holding
 * a trigger, view, index or table our schema does not define, or one of
 * ours defined otherwise (exit 3, naming the object), while SQLite's own
 * sqlite_stat1 is allowed; parts without JOB_ID or
 * TOTAL_CREDITS refused, malformed rows skipped.
 */
#include "unit.h"

#include <sqlite3.h>

#include "db.h"
#include "report.h"

UNIT_TMPDIR_FIXTURE

#define HDR "PROJECT_NAME,WORKFLOW_NAME,JOB_NAME,JOB_ID,JOB_RUN_DATE," \
	"VCS_BRANCH,JOB_BUILD_STATUS,RESOURCE_CLASS,ORGANIZATION_NAME," \
	"JOB_RUN_SECONDS,COMPUTE_CREDITS,DLC_CREDITS,TOTAL_CREDITS\n"

static const char part1[] = HDR
    "web,build,test,U1,2026-10-01,main,success,medium,acme,60,1.5,0.25,1.75\n"
    "web,build,lint,U2,2026-10-01,feature/x,failed,small,acme,30.5,0.1,,0.1\n"
    "api,deploy,push,U3,2026-10-02,main,success,large,acme,120,10,\\N,10\n"
    "api,deploy,push,U4,2026-11-05,main,canceled,large,acme,10,0.2,0,"
    "0.000000000000000001\n"
    "api,deploy,push,,2026-10-05,main,canceled,large,acme,10,0.2,0,0.2\n"
    "api,deploy,push,U9,2026-10-05,main,canceled,large,acme,10,0.2,0,x\n";
static const char part2[] = HDR
    "web,build,test,U1,2026-10-01,main,success,medium,acme,60,1.5,0.25,1.75\n"
    "\"mobile, ios\",build,test,U5,not-a-date,release/1.0,success,"
    "macos.m1,acme,300,25.05,,25.05\n"
    "api,deploy,push,U6,2026-09-30,main,SUCCESS,large,beta,1,0.01,,"
    "12345678901.123456789\n";

static char *
write_part(const char *name, const char *text)
{
	char *p = unit_path(tmp, name);

	unit_write_gz(p, text, strlen(text));
	return p;
}

static void
test_encode(void **state)
{
	char text[DEC_BUFSZ];
	int is_int;
	int64_t iv;

	(void)state;
	db_dec_encode(unit_dec("1.5"), &is_int, &iv, text);
	assert_true(is_int);
	assert_int_equal(iv, 1500000000);
	db_dec_encode(unit_dec("-0.000000001"), &is_int, &iv, text);
	assert_true(is_int);
	assert_int_equal(iv, -1);
	db_dec_encode(unit_dec("0.0000000001"), &is_int, &iv, text);
	assert_false(is_int);
	assert_string_equal(text, "0.0000000001");
	db_dec_encode(unit_dec("10000000000000"), &is_int, &iv, text);
	assert_false(is_int);
	assert_string_equal(text, "10000000000000");
}

static struct db *
ingest(const char *dbname, struct inputs *in, struct db_ingest_stats *st,
    int want)
{
	char *path = unit_path(tmp, dbname);
	struct db *db = db_open(path, 1, NULL);

	assert_non_null(db);
	assert_int_equal(db_ingest(db, in, st), want);
	free(path);
	return db;
}

/* The CSV of both results' groups, sorted, must match. */
static void
assert_same(const struct report_result *a, const struct report_result *b,
    size_t nsets)
{
	size_t s, i;

	assert_dec_equal(a->totals.credits[CR_TOTAL],
	    b->totals.credits[CR_TOTAL]);
	assert_int_equal(a->totals.jobs, b->totals.jobs);
	/* the span of the rows counted: the headline's */
	assert_int_equal(a->have_dates, b->have_dates);
	if (a->have_dates) {
		assert_int_equal(a->first_date, b->first_date);
		assert_int_equal(a->last_date, b->last_date);
	}
	for (s = 0; s < nsets; s++) {
		const struct agg *x = report_set_groups(a, s);
		const struct agg *y = report_set_groups(b, s);

		assert_int_equal(x->n, y->n);
		for (i = 0; i < x->n; i++) {
			const struct agg_group *g = &x->groups[i];
			struct agg *yy = (struct agg *)y;
			size_t before = yy->n;
			struct agg_group *h = agg_get(yy, g->key, g->keylen,
			    g->hash);
			int c;

			assert_int_equal(yy->n, before);	/* was there */
			assert_int_equal(g->m.jobs, h->m.jobs);
			assert_dec_equal(g->m.run_seconds, h->m.run_seconds);
			for (c = 0; c < CR_COUNT; c++)
				assert_dec_equal(g->m.credits[c],
				    h->m.credits[c]);
		}
	}
}

static void
compare(struct db *db, struct inputs *in, const char *by,
    void (*tweak)(struct report_opts *))
{
	struct report_opts o;
	struct report_result a, b;

	report_opts_init(&o);
	o.threads = 1;
	assert_int_equal(report_parse_by(&o, by), 0);
	if (tweak)
		tweak(&o);
	assert_int_equal(report_run(&o, in, &a), 0);
	assert_int_equal(db_report(db, &o, &b), 0);
	assert_same(&a, &b, report_nsets(&o));
	report_result_release(&a);
	report_result_release(&b);
	report_opts_release(&o);
}

static void
since_oct2(struct report_opts *o)
{
	o->since = 20728;	/* 2026-10-02 */
	o->until = 20762;	/* 2026-11-05 */
}

static void
web_glob(struct report_opts *o)
{
	static const char *g[] = { "w*" };

	o->projects = xcalloc(1, sizeof(*o->projects));
	o->projects[0] = g[0];
	o->nprojects = 1;
}

static void
main_branch(struct report_opts *o)
{
	o->branches = xcalloc(1, sizeof(*o->branches));
	o->branches[0] = "main";
	o->nbranches = 1;
}

static void
success_only(struct report_opts *o)
{
	o->statuses = xcalloc(1, sizeof(*o->statuses));
	o->statuses[0] = xstrdup("success");
	o->nstatuses = 1;
}

/* Rows in four months: September, October and November in part. */
static const char part3[] = HDR
    "web,build,test,M1,2026-09-15,main,success,medium,acme,60,1.5,0.25,1.75\n"
    "web,build,lint,M2,2026-09-30,dev,failed,small,acme,30,0.1,,0.1\n"
    "web,build,test,M3,2026-10-01,main,success,medium,acme,60,2,0.5,2.5\n"
    "api,deploy,push,M4,2026-10-20,main,success,large,beta,120,10,,10\n"
    "web,build,lint,M5,2026-10-31,dev,failed,small,acme,30,0.3,,0.3\n"
    "web,build,test,M6,2026-11-01,main,success,medium,acme,60,1,,1\n"
    "api,deploy,push,M7,2026-11-20,main,canceled,large,beta,10,0.2,0,0.2\n"
    "api,deploy,push,M8,2026-12-03,main,success,large,beta,10,3,0,3\n"
    "api,deploy,push,M9,,main,success,large,beta,10,7,0,7\n";

static void
sep10_nov25(struct report_opts *o)
{
	o->since = 20706;	/* 2026-09-10 */
	o->until = 20782;	/* 2026-11-25 */
}

static void
oct1_oct31(struct report_opts *o)
{
	o->since = 20727;	/* 2026-10-01 */
	o->until = 20757;	/* 2026-10-31 */
}

static void
oct2_nov1(struct report_opts *o)
{
	o->since = 20728;	/* 2026-10-02 */
	o->until = 20758;	/* 2026-11-01 */
}

static void
oct5_oct25(struct report_opts *o)
{
	o->since = 20731;	/* 2026-10-05 */
	o->until = 20751;	/* 2026-10-25 */
}

static void
oct1_web(struct report_opts *o)
{
	oct2_nov1(o);
	web_glob(o);
}

/*
 * Keys without a day read the roll-ups by month (schema 4): the whole
 * months of a range from them, the days of the months cut by it from a
 * roll-up by day, the span from the days; the same as report on the files
 * for every range.
 */
static void
test_months(void **state)
{
	struct inputs in;
	struct db_ingest_stats st;
	struct db *db;
	uint64_t removed;
	char *p3 = write_part("mo.csv.gz", part3);
	static const char *keys[] = { "job", "workflow", "resource_class",
	    "month,job", "project,resource_class", "day", "week", "org",
	    "job,resource_class" };
	void (*ranges[])(struct report_opts *) = { NULL, sep10_nov25,
	    oct1_oct31, oct2_nov1, oct5_oct25, oct1_web, success_only };
	size_t k, r;

	(void)state;
	inputs_init(&in);
	assert_int_equal(inputs_add(&in, p3), 0);
	db = ingest("mo.db", &in, &st, 0);
	assert_int_equal(st.rows_new, 9);
	for (k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
		for (r = 0; r < sizeof(ranges) / sizeof(ranges[0]); r++)
			compare(db, &in, keys[k], ranges[r]);
	/* a prune that cuts October: its days from the 20th on stay */
	assert_int_equal(db_prune(db, 20746, &removed), 0);
	assert_int_equal(removed, 3);
	db_close(db);
	{
		sqlite3 *h;
		sqlite3_stmt *q;
		char *path = unit_path(tmp, "mo.db");

		assert_int_equal(sqlite3_open(path, &h), SQLITE_OK);
		assert_int_equal(sqlite3_prepare_v2(h, "SELECT (SELECT "
		    "count(*) FROM job_runs), (SELECT sum(jobs) FROM monthly_job), "
		    "(SELECT sum(jobs) FROM monthly_class), (SELECT "
		    "sum(total_credits) FROM monthly WHERE day = 20727)", -1, &q,
		    NULL), SQLITE_OK);
		assert_int_equal(sqlite3_step(q), SQLITE_ROW);
		assert_int_equal(sqlite3_column_int64(q, 0), 6);
		assert_int_equal(sqlite3_column_int64(q, 1), 6);
		assert_int_equal(sqlite3_column_int64(q, 2), 6);
		/* M4 and M5: 10.3 credits in nano-units */
		assert_int_equal(sqlite3_column_int64(q, 3), 10300000000LL);
		sqlite3_finalize(q);
		sqlite3_close(h);
		free(path);
	}
	inputs_release(&in);
	free(p3);
}

/* n rows of distinct jobs, JOB_IDs `tag` 0 .. n - 1, over two months */
static char *
many_jobs(const char *tag, int n)
{
	struct sbuf b;
	int i;

	sbuf_init(&b, SIZE_MAX);
	sbuf_addstr(&b, HDR);
	for (i = 0; i < n; i++)
		sbuf_addf(&b, "p%d,w%d,j%d,%s%d,2026-%02d-%02d,main,%s,small,"
		    "acme,%d,0.%03d,,1.%03d\n", i % 7, i % 11, i % 50000, tag, i,
		    10 + i % 2, 1 + i % 28, i % 3 ? "success" : "failed", i,
		    i % 1000, i % 997);
	return b.buf;
}

/*
 * More groups than DB_ROLL_FLUSH (dbi.h: 65,536): the reader hands the
 * roll-ups on while it reads, and the rows found stored are taken out of
 * each before it is merged; the sums stay those of report over the
 * files, on a first ingest and on one of stored and new rows together.
 */
static void
test_roll_flush(void **state)
{
	struct inputs in;
	struct db_ingest_stats st;
	struct db *db;
	char *a = many_jobs("A", 70000), *b = many_jobs("B", 70000);
	char *pa = write_part("fa.csv.gz", a);
	char *pb = write_part("fb.csv.gz", b);
	static const char *keys[] = { "job", "day", "project,status",
	    "month,workflow", "resource_class" };
	size_t k;

	(void)state;
	inputs_init(&in);
	assert_int_equal(inputs_add(&in, pa), 0);
	db = ingest("fl.db", &in, &st, 0);
	assert_int_equal(st.rows_new, 70000);
	for (k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
		compare(db, &in, keys[k], NULL);
	assert_int_equal(inputs_add(&in, pb), 0);
	assert_int_equal(db_ingest(db, &in, &st), 0);
	assert_int_equal(st.rows_new, 70000);
	assert_int_equal(st.rows_present, 70000);
	for (k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
		compare(db, &in, keys[k], NULL);
	compare(db, &in, "job", oct5_oct25);
	db_close(db);
	inputs_release(&in);
	free(a);
	free(b);
	free(pa);
	free(pb);
}

static void
test_ingest_and_report(void **state)
{
	struct inputs in;
	struct db_ingest_stats st;
	struct db_info info;
	struct db *db;
	char *p1 = write_part("p1.csv.gz", part1);
	char *p2 = write_part("p2.csv.gz", part2);
	/* the columns the sample has (report refuses a missing one) */
	static const char *keys[] = { "project", "workflow", "job", "branch",
	    "resource_class", "status", "org", "day", "week", "month",
	    "project,month", "branch,day" };
	size_t k;

	(void)state;
	inputs_init(&in);
	assert_int_equal(inputs_add(&in, p1), 0);
	assert_int_equal(inputs_add(&in, p2), 0);
	db = ingest("h.db", &in, &st, 0);
	assert_int_equal(st.files, 2);
	assert_int_equal(st.rows_read, 9);
	assert_int_equal(st.rows_skipped, 2);	/* no JOB_ID, bad total */
	assert_int_equal(st.rows_new, 6);
	assert_int_equal(st.rows_present, 1);	/* U1 twice */
	for (k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
		compare(db, &in, keys[k], NULL);
	compare(db, &in, "project,day", since_oct2);
	compare(db, &in, "job", web_glob);
	compare(db, &in, "project", main_branch);
	compare(db, &in, "project,status", success_only);
	/* again: nothing new */
	assert_int_equal(db_ingest(db, &in, &st), 0);
	assert_int_equal(st.rows_new, 0);
	assert_int_equal(st.rows_present, 7);
	assert_int_equal(db_info(db, &info), 0);
	assert_int_equal(info.job_runs, 6);
	assert_int_equal(info.undated, 1);
	assert_int_equal(info.ingests, 2);
	assert_true(info.have_days);
	db_close(db);
	inputs_release(&in);
	free(p1);
	free(p2);
}

static void
test_bad_part_changes_nothing(void **state)
{
	struct inputs in, in2;
	struct db_ingest_stats st;
	struct db_info a, b;
	struct db *db;
	char *p1 = write_part("g1.csv.gz", part1);
	char *p2 = write_part("g2.csv.gz", part2);
	char *bad = unit_path(tmp, "bad.csv.gz");

	(void)state;
	unit_write(bad, "\x1f\x8b\x08\x00garbage", 12);
	inputs_init(&in);
	assert_int_equal(inputs_add(&in, p1), 0);
	db = ingest("b.db", &in, &st, 0);
	assert_int_equal(db_info(db, &a), 0);
	inputs_init(&in2);
	assert_int_equal(inputs_add(&in2, p2), 0);
	assert_int_equal(inputs_add(&in2, bad), 0);
	assert_int_equal(db_ingest(db, &in2, &st), EXIT_BAD_INPUT);
	assert_int_equal(db_info(db, &b), 0);
	assert_int_equal(a.job_runs, b.job_runs);
	assert_int_equal(a.names, b.names);
	assert_int_equal(a.daily_rows, b.daily_rows);
	assert_int_equal(a.ingests, b.ingests);
	/* and it still takes the good part alone */
	inputs_release(&in2);
	inputs_init(&in2);
	assert_int_equal(inputs_add(&in2, p2), 0);
	assert_int_equal(db_ingest(db, &in2, &st), 0);
	assert_int_equal(st.rows_new, 2);
	db_close(db);
	inputs_release(&in);
	inputs_release(&in2);
	free(p1);
	free(p2);
	free(bad);
}

static void
test_prune(void **state)
{
	struct inputs in;
	struct db_ingest_stats st;
	struct db_info info;
	struct db *db;
	uint64_t removed;
	char *p1 = write_part("r1.csv.gz", part1);
	char *p2 = write_part("r2.csv.gz", part2);

	(void)state;
	inputs_init(&in);
	assert_int_equal(inputs_add(&in, p1), 0);
	assert_int_equal(inputs_add(&in, p2), 0);
	db = ingest("p.db", &in, &st, 0);
	/* before 2026-10-02: U1, U2 (10-01) and U6 (09-30) */
	assert_int_equal(db_prune(db, 20728, &removed), 0);
	assert_int_equal(removed, 3);
	assert_int_equal(db_info(db, &info), 0);
	assert_int_equal(info.job_runs, 3);	/* U3, U4, U5 (no date) */
	assert_int_equal(info.first_day, 20728);
	assert_int_equal(info.last_day, 20762);
	db_close(db);
	inputs_release(&in);
	free(p1);
	free(p2);
}

/*
 * A version 1 database (before project_teams, the named roll-up and the
 * roll-ups by branch and user) is read as it is; a writer migrates it to
 * 3, filling the new roll-ups from the job runs, and a reader then sees
 * 3.
 */
static void
test_migrate(void **state)
{
	struct inputs in;
	struct db_ingest_stats st;
	struct db_info info;
	struct db *db;
	sqlite3 *h;
	char *p1 = write_part("m1.csv.gz", part1);
	char *path = unit_path(tmp, "m.db");

	(void)state;
	inputs_init(&in);
	assert_int_equal(inputs_add(&in, p1), 0);
	db = ingest("m.db", &in, &st, 0);
	db_close(db);
	assert_int_equal(sqlite3_open(path, &h), SQLITE_OK);
	assert_int_equal(sqlite3_exec(h, "DROP VIEW daily_named; DROP TABLE "
	    "project_teams; DROP TABLE daily_branch; DROP TABLE daily_user; "
	    "DROP TABLE daily_project; DROP TABLE monthly_class; "
	    "DROP TABLE monthly_job; DROP TABLE monthly; "
	    "UPDATE meta SET value = '1' WHERE key = 'schema_version'", NULL,
	    NULL, NULL), SQLITE_OK);
	sqlite3_close(h);
	db = db_open(path, 0, NULL);
	assert_non_null(db);
	assert_int_equal(db_info(db, &info), 0);
	assert_int_equal(info.version, 1);
	assert_string_equal(info.engine, "sqlite");
	assert_int_equal(info.job_runs, st.rows_new);
	db_close(db);
	db = db_open(path, 1, NULL);
	assert_non_null(db);
	db_close(db);
	db = db_open(path, 0, NULL);
	assert_non_null(db);
	assert_int_equal(db_info(db, &info), 0);
	assert_int_equal(info.version, 4);
	db_close(db);
	assert_int_equal(sqlite3_open(path, &h), SQLITE_OK);
	assert_int_equal(sqlite3_exec(h, "SELECT count(*) FROM daily_named "
	    "JOIN project_teams USING (project)", NULL, NULL, NULL),
	    SQLITE_OK);
	{
		/* the backfill: every job run in each new roll-up, once */
		sqlite3_stmt *q;

		assert_int_equal(sqlite3_prepare_v2(h, "SELECT (SELECT "
		    "count(*) FROM job_runs), (SELECT sum(jobs) FROM "
		    "daily_branch), (SELECT sum(jobs) FROM daily_user), "
		    "(SELECT count(*) FROM daily_branch)", -1, &q, NULL),
		    SQLITE_OK);
		assert_int_equal(sqlite3_step(q), SQLITE_ROW);
		assert_true(sqlite3_column_int64(q, 0) > 0);
		assert_int_equal(sqlite3_column_int64(q, 1),
		    sqlite3_column_int64(q, 0));
		assert_int_equal(sqlite3_column_int64(q, 2),
		    sqlite3_column_int64(q, 0));
		assert_true(sqlite3_column_int64(q, 3) > 0);
		sqlite3_finalize(q);
	}
	sqlite3_close(h);
	inputs_release(&in);
	free(p1);
	free(path);
}

/*
 * A version 3 database (before the roll-ups by project and by month) is
 * read as it is, from daily; a writer migrates it to 4, filling them from
 * daily, and reports from them give what report gives on the files.
 */
static void
test_migrate4(void **state)
{
	struct inputs in;
	struct db_ingest_stats st;
	struct db_info info;
	struct db *db;
	sqlite3 *h;
	sqlite3_stmt *q;
	char *p3 = write_part("m4.csv.gz", part3);
	char *path = unit_path(tmp, "m4.db");

	(void)state;
	inputs_init(&in);
	assert_int_equal(inputs_add(&in, p3), 0);
	db = ingest("m4.db", &in, &st, 0);
	db_close(db);
	assert_int_equal(sqlite3_open(path, &h), SQLITE_OK);
	assert_int_equal(sqlite3_exec(h, "DROP TABLE daily_project; DROP "
	    "TABLE monthly_class; DROP TABLE monthly_job; DROP TABLE monthly; "
	    "UPDATE meta SET value = "
	    "'3' WHERE key = 'schema_version'", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(h);
	db = db_open(path, 0, NULL);
	assert_non_null(db);
	assert_int_equal(db_info(db, &info), 0);
	assert_int_equal(info.version, 3);
	compare(db, &in, "job", sep10_nov25);
	compare(db, &in, "day", NULL);
	db_close(db);
	db = db_open(path, 1, NULL);
	assert_non_null(db);
	assert_int_equal(db_info(db, &info), 0);
	assert_int_equal(info.version, 4);
	compare(db, &in, "job", NULL);
	compare(db, &in, "resource_class", sep10_nov25);
	compare(db, &in, "project,day", oct2_nov1);
	db_close(db);
	assert_int_equal(sqlite3_open(path, &h), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(h, "SELECT (SELECT count(*) FROM "
	    "job_runs), (SELECT sum(jobs) FROM daily_project), (SELECT "
	    "sum(jobs) FROM monthly_class), (SELECT sum(jobs) FROM monthly_job), "
	    "(SELECT count(*) FROM monthly WHERE day NOT IN (20697, 20727, "
	    "20758, 20788) AND day IS NOT NULL)", -1, &q, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(q), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int64(q, 0), 9);
	assert_int_equal(sqlite3_column_int64(q, 1), 9);
	assert_int_equal(sqlite3_column_int64(q, 2), 9);
	assert_int_equal(sqlite3_column_int64(q, 3), 9);
	assert_int_equal(sqlite3_column_int64(q, 4), 0);	/* 1st days */
	sqlite3_finalize(q);
	sqlite3_close(h);
	inputs_release(&in);
	free(p3);
	free(path);
}

static void
test_missing_db(void **state)
{
	char *path = unit_path(tmp, "none/x.db");

	(void)state;
	assert_null(db_open(path, 0, NULL));
	free(path);
}

static void
test_default_path(void **state)
{
	struct unit_capture c;
	char *xdg = getenv("XDG_DATA_HOME"), *home = getenv("HOME"), *p;

	(void)state;
	xdg = xdg ? xstrdup(xdg) : NULL;
	home = home ? xstrdup(home) : NULL;
	/* CIRCLECI_USAGE_DB first: a file or a connection string */
	setenv("CIRCLECI_USAGE_DB", "postgresql:///usage?host=/run/pg", 1);
	setenv("XDG_DATA_HOME", "/x/data", 1);
	assert_text_free(db_default_path(),
	    "postgresql:///usage?host=/run/pg");
	setenv("CIRCLECI_USAGE_DB", "", 1);	/* empty: not set */
	assert_text_free(db_default_path(), "/x/data/circleci-usage/usage.db");
	unsetenv("CIRCLECI_USAGE_DB");
	setenv("HOME", "/h", 1);
	assert_text_free(db_default_path(), "/x/data/circleci-usage/usage.db");
	/* a relative XDG_DATA_HOME is ignored, as the spec says */
	setenv("XDG_DATA_HOME", "rel", 1);
	assert_text_free(db_default_path(),
	    "/h/.local/share/circleci-usage/usage.db");
	unsetenv("XDG_DATA_HOME");
	assert_text_free(db_default_path(),
	    "/h/.local/share/circleci-usage/usage.db");
	setenv("HOME", "", 1);
	unit_capture_begin(&c);
	p = db_default_path();
	assert_text_free(unit_capture_end(&c), "circleci-usage: no database: "
	    "set CIRCLECI_USAGE_DB, XDG_DATA_HOME or HOME, or give --db "
	    "FILE|URI\n");
	assert_null(p);
	if (xdg != NULL)
		setenv("XDG_DATA_HOME", xdg, 1);
	if (home != NULL)
		setenv("HOME", home, 1);
	else
		unsetenv("HOME");
	free(xdg);
	free(home);
}

/* Not ours: refused on open with one line naming the file. */
static void
test_foreign_db(void **state)
{
	struct unit_capture c;
	struct db *db;
	sqlite3 *h;
	char *path = unit_path(tmp, "empty.db"), *want;

	(void)state;
	/* an empty file (touch usage.db) is an empty SQLite database */
	unit_writes(path, "");
	unit_capture_begin(&c);
	assert_null(db_open(path, 0, NULL));
	want = xasprintf("circleci-usage: '%s' is not a circleci-usage "
	    "history database\n", path);
	assert_text_free(unit_capture_end(&c), want);
	free(want);
	free(path);

	/* ours, from another version of the schema */
	path = unit_path(tmp, "other-version.db");
	db = db_open(path, 1, NULL);
	assert_non_null(db);
	db_close(db);
	assert_int_equal(sqlite3_open(path, &h), SQLITE_OK);
	assert_int_equal(sqlite3_exec(h, "UPDATE meta SET value = '999' WHERE "
	    "key = 'schema_version'", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(h);
	unit_capture_begin(&c);
	assert_null(db_open(path, 0, NULL));
	want = xasprintf("circleci-usage: '%s': a history database of schema "
	    "version 999, newer than this circleci-usage knows (4): use a "
	    "newer circleci-usage\n", path);
	{
		char *got = unit_capture_end(&c);

		assert_contains(got, want);
		free(got);
	}
	free(want);
	free(path);

	/* a directory where the database should be */
	path = unit_path(tmp, "adir.db");
	unit_mkdir(path);
	unit_capture_begin(&c);
	assert_null(db_open(path, 1, NULL));
	{
		char *got = unit_capture_end(&c);

		assert_contains(got, "database '");
		assert_contains(got, "adir.db'");
		free(got);
	}
	free(path);
}

/* path, a fresh database of ours (one part ingested) changed by `sql`. */
static char *
hostile_db(const char *name, const char *sql)
{
	char *path = unit_path(tmp, name), *part = write_part("h.csv.gz", part1);
	struct db_ingest_stats st;
	struct unit_capture c;
	struct inputs in;
	struct db *db;
	sqlite3 *h;
	char *err = NULL;

	inputs_init(&in);
	assert_int_equal(inputs_add(&in, part), 0);
	db = db_open(path, 1, NULL);
	assert_non_null(db);
	unit_capture_begin(&c);		/* part1's warnings */
	assert_int_equal(db_ingest(db, &in, &st), 0);
	free(unit_capture_end(&c));
	db_close(db);
	inputs_release(&in);
	free(part);
	assert_int_equal(sqlite3_open(path, &h), SQLITE_OK);
	if (sqlite3_exec(h, sql, NULL, NULL, &err) != SQLITE_OK)
		fail_msg("%s: %s", sql, err);
	sqlite3_close(h);
	return path;
}

static int64_t
db_count_of(const char *path, const char *sql)
{
	sqlite3 *h;
	sqlite3_stmt *st;
	int64_t n;

	assert_int_equal(sqlite3_open(path, &h), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(h, sql, -1, &st, NULL),
	    SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(h);
	return n;
}

#define LOOP "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 " \
	"FROM c) "

/*
 * Objects our schema does not define, or ours defined otherwise: refused
 * on open, for reading and for ingest (exit 3, one line naming the file
 * and the object), before anything is read or written; SQLite's own
 * tables are allowed; a missing object refused for reading, made again by
 * ingest.
 */
static void
test_hostile_schema(void **state)
{
	static const struct {
		const char *name, *sql, *object, *what;
		int ingest_ok;	/* db_open(path, 1) accepts it */
	} cases[] = {
		{ "trigger.db", "CREATE TRIGGER evil AFTER INSERT ON job_runs "
		    "BEGIN INSERT INTO meta VALUES('pwned-' || new.job_id, "
		    "'x'); END;", "evil", "holds trigger 'evil'", 0 },
		{ "trigger2.db", "CREATE TRIGGER n BEFORE DELETE ON daily "
		    "BEGIN SELECT 1; END;", "n", "holds trigger 'n'", 0 },
		{ "loopview.db", "DROP VIEW job_runs_named; CREATE VIEW "
		    "job_runs_named AS " LOOP "SELECT x FROM c;",
		    "job_runs_named", "its view 'job_runs_named' is not the "
		    "view", 0 },
		{ "daily-view.db", "DROP TABLE daily; CREATE VIEW daily AS "
		    LOOP "SELECT x AS day FROM c;", "daily", "its view "
		    "'daily' is not the table", 0 },
		{ "names-view.db", "DROP TABLE names; CREATE VIEW names(id, "
		    "value) AS SELECT 1, 'x';", "names", "its view 'names' "
		    "is not the table", 0 },
		{ "extra.db", "CREATE TABLE notes(x);", "notes",
		    "holds table 'notes'", 0 },
		{ "index.db", "CREATE INDEX job_runs_day ON job_runs(day);",
		    "job_runs_day", "holds index 'job_runs_day'", 0 },
		{ "fview.db", "CREATE VIEW v AS SELECT * FROM names;", "v",
		    "holds view 'v'", 0 },
		{ "altered.db", "ALTER TABLE meta ADD COLUMN extra;", "meta",
		    "its table 'meta' is not the table", 0 },
		{ "idx2.db", "DROP INDEX daily_key; CREATE INDEX daily_key ON "
		    "daily(day);", "daily_key", "its index 'daily_key' is not "
		    "the index", 0 },
		{ "idx3.db", "DROP INDEX job_runs_job; CREATE UNIQUE INDEX "
		    "job_runs_job ON daily(day, project, workflow, job, status,"
		    " resource_class, executor, os, org, trigger_source);",
		    "job_runs_job", "its index 'job_runs_job' is not the index",
		    0 },
		{ "gone.db", "DROP VIEW job_runs_named;", "job_runs_named",
		    "has no view 'job_runs_named'", 1 },
		{ "gone2.db", "DROP INDEX daily_key;", "daily_key",
		    "has no index 'daily_key'", 1 },
	};
	struct unit_capture c;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *path = hostile_db(cases[i].name, cases[i].sql), *got;
		int64_t meta = db_count_of(path, "SELECT count(*) FROM meta");
		struct db *db;
		int code = 0;

		unit_capture_begin(&c);
		assert_null(db_open(path, 0, &code));
		got = unit_capture_end(&c);
		assert_int_equal(code, EXIT_BAD_INPUT);
		assert_contains(got, path);
		assert_contains(got, cases[i].what);
		assert_contains(got, cases[i].object);
		/* one line */
		assert_ptr_equal(strchr(got, '\n'), got + strlen(got) - 1);
		free(got);
		unit_capture_begin(&c);
		db = db_open(path, 1, &code);
		got = unit_capture_end(&c);
		if (cases[i].ingest_ok) {
			/* what is missing is made again */
			assert_non_null(db);
			db_close(db);
			assert_non_null(db = db_open(path, 0, NULL));
			db_close(db);
		} else {
			assert_null(db);
			assert_int_equal(code, EXIT_BAD_INPUT);
			assert_contains(got, cases[i].object);
			/* nothing written: no trigger fired, no WAL switch */
			assert_int_equal(db_count_of(path, "SELECT count(*) "
			    "FROM meta"), meta);
		}
		free(got);
		free(path);
	}
}

/* ANALYZE's sqlite_stat1 (and AUTOINCREMENT's sqlite_sequence, were a
 * table to use it): SQLite's own, allowed; and the defensive settings
 * hold on the connection (no trigger fires even were one let in). */
static void
test_internal_tables(void **state)
{
	char *path = hostile_db("stats.db", "ANALYZE;");
	struct report_opts o;
	struct report_result res;
	struct db_info info;
	struct db *db;

	(void)state;
	assert_true(db_count_of(path, "SELECT count(*) FROM sqlite_schema "
	    "WHERE name = 'sqlite_stat1'") == 1);
	db = db_open(path, 0, NULL);
	assert_non_null(db);
	assert_int_equal(db_info(db, &info), 0);
	assert_true(info.job_runs > 0);
	db_close(db);
	db = db_open(path, 1, NULL);
	assert_non_null(db);
	db_close(db);
	report_opts_init(&o);
	assert_int_equal(db_report_path(path, &o, &res), 0);
	assert_true(res.totals.jobs > 0);
	report_result_release(&res);
	report_opts_release(&o);
	free(path);
}

/* A part without the columns history needs: nothing stored, exit 3. */
static void
test_missing_columns(void **state)
{
	struct inputs in;
	struct db_ingest_stats st;
	struct db_info info;
	struct unit_capture c;
	struct db *db;
	char *nojob = write_part("nojob.csv.gz", "PROJECT_NAME,TOTAL_CREDITS\n"
	    "web,1\n");
	char *nocred = write_part("nocred.csv.gz", "PROJECT_NAME,JOB_ID\n"
	    "web,U1\n");
	char *good = write_part("good.csv.gz", "PROJECT_NAME,JOB_ID,"
	    "TOTAL_CREDITS\nweb,U1,1\n");
	char *dup = write_part("dupcol.csv.gz", "PROJECT_NAME,JOB_ID,"
	    "TOTAL_CREDITS,job_id\nweb,U2,1,U3\n");
	char *got, *want;

	(void)state;
	inputs_init(&in);
	assert_int_equal(inputs_add(&in, nojob), 0);
	unit_capture_begin(&c);
	db = ingest("cols.db", &in, &st, EXIT_BAD_INPUT);
	got = unit_capture_end(&c);
	want = xasprintf("'%s' has no column JOB_ID (needed to store each "
	    "job run once)", nojob);
	assert_contains(got, want);
	free(want);
	free(got);
	inputs_release(&in);
	inputs_init(&in);
	assert_int_equal(inputs_add(&in, nocred), 0);
	unit_capture_begin(&c);
	assert_int_equal(db_ingest(db, &in, &st), EXIT_BAD_INPUT);
	got = unit_capture_end(&c);
	want = xasprintf("'%s' has no column TOTAL_CREDITS (needed for the "
	    "credit totals)", nocred);
	assert_contains(got, want);
	free(want);
	free(got);
	inputs_release(&in);
	/* a column named twice, after a good part: nothing stored */
	inputs_init(&in);
	assert_int_equal(inputs_add(&in, good), 0);
	assert_int_equal(inputs_add(&in, dup), 0);
	unit_capture_begin(&c);
	assert_int_equal(db_ingest(db, &in, &st), EXIT_BAD_INPUT);
	got = unit_capture_end(&c);
	want = xasprintf("'%s': line 1: the header names column JOB_ID twice "
	    "(columns 2 and 4, names matched in any case): an export column "
	    "may appear only once", dup);
	assert_contains(got, want);
	free(want);
	free(got);
	assert_int_equal(db_info(db, &info), 0);
	assert_int_equal(info.job_runs, 0);
	assert_int_equal(info.ingests, 0);
	db_close(db);
	inputs_release(&in);
	free(nojob);
	free(nocred);
	free(good);
	free(dup);
}

/* A malformed row is skipped and said, as report does; the rest kept. */
static void
test_malformed_row(void **state)
{
	struct inputs in;
	struct db_ingest_stats st;
	struct unit_capture c;
	struct db *db;
	char *p = write_part("q.csv.gz", "PROJECT_NAME,JOB_ID,TOTAL_CREDITS\n"
	    "web,U1,1\n\"we\"b,U2,2\napi,U3,3\n");
	char *got;

	(void)state;
	inputs_init(&in);
	assert_int_equal(inputs_add(&in, p), 0);
	unit_capture_begin(&c);
	db = ingest("q.db", &in, &st, 0);
	got = unit_capture_end(&c);
	assert_contains(got, "q.csv.gz:3: malformed quoted field; row skipped");
	free(got);
	assert_int_equal(st.rows_skipped, 1);
	assert_int_equal(st.rows_new, 2);
	db_close(db);
	inputs_release(&in);
	free(p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_encode),
		cmocka_unit_test(test_ingest_and_report),
		cmocka_unit_test(test_bad_part_changes_nothing),
		cmocka_unit_test(test_prune),
		cmocka_unit_test(test_migrate),
		cmocka_unit_test(test_migrate4),
		cmocka_unit_test(test_months),
		cmocka_unit_test(test_roll_flush),
		cmocka_unit_test(test_missing_db),
		cmocka_unit_test(test_default_path),
		cmocka_unit_test(test_foreign_db),
		cmocka_unit_test(test_hostile_schema),
		cmocka_unit_test(test_internal_tables),
		cmocka_unit_test(test_missing_columns),
		cmocka_unit_test(test_malformed_row),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
