/*
 * test_retry.c: the retry cost (retry.h, failures.h): a failed run then a
 * success is a retry, a success then a failure is not, two failures then
 * a success are two, another workflow name or pipeline is not, the order's
 * fallbacks (queued time, run number) and ties; the same answer whatever
 * the order of the rows and of the workers' merge; through report_run()
 * with 1, 2 and 4 threads and the files in either order, duplicates once;
 * and failures' columns (a roll-up by project, totals, empty from history).
 */
#include "unit.h"

#include "failures.h"
#include "grid.h"
#include "report.h"
#include "retry.h"

UNIT_TMPDIR_FIXTURE

/* A run as the scanner sees it: NULL is an absent or NULL field. */
struct row {
	const char *status, *pipeline, *workflow, *job;
	const char *started, *queued, *number, *credits;
};

static size_t
slen(const char *s)
{
	return s ? strlen(s) : 0;
}

/* Note r into rt as report.c does (waste set: failed, canceled). */
static void
note(struct retry *rt, const struct row *r)
{
	uint64_t key = retry_key("proj", 4, r->pipeline ? r->pipeline : "",
	    slen(r->pipeline), r->workflow, strlen(r->workflow), r->job,
	    strlen(r->job));
	int64_t order = retry_order(r->started, slen(r->started), r->queued,
	    slen(r->queued), r->number, slen(r->number));

	if (strcmp(r->status, "success") == 0)
		retry_note_success(rt, key, order);
	else if (strcmp(r->status, "failed") == 0 ||
	    strcmp(r->status, "canceled") == 0)
		retry_note_waste(rt, key, order, unit_dec(r->credits), 0);
}

/*
 * The rows split over `nw` workers (row i to worker perm[i] % nw) and
 * merged in the order of `merge` (or 0..nw-1): the retried runs, and their
 * credits in *credits.
 */
static uint64_t
resolve(const struct row *rows, size_t n, const size_t *perm, size_t nw,
    const size_t *merge, dec_t *credits)
{
	struct retry w[4], apart[4], ok;
	uint64_t runs = 0;
	size_t i, k;

	assert_true(nw >= 1 && nw <= 4);
	for (k = 0; k < nw; k++)
		retry_init(&w[k]);
	for (i = 0; i < n; i++) {
		size_t j = perm ? perm[i] : i;

		note(&w[j % nw], &rows[j]);
	}
	/* each worker's table copied apart, then merged in `merge`'s order */
	for (k = 0; k < nw; k++) {
		retry_init(&apart[k]);
		for (i = 0; i < w[k].nslots; i++)
			retry_note_success(&apart[k], w[k].slots[i].key,
			    w[k].slots[i].order);
	}
	retry_init(&ok);
	for (k = 0; k < nw; k++)
		retry_merge_successes(&ok, &w[merge ? merge[k] : k]);
	*credits = 0;
	for (k = 0; k < nw; k++) {
		for (i = 0; i < w[k].nwaste; i++) {
			int merged = retry_is_retried(&ok, 1,
			    &w[k].waste[i]);

			/* the scanner's way: the tables kept apart */
			assert_int_equal(retry_is_retried(apart, nw,
			    &w[k].waste[i]), merged);
			if (!merged)
				continue;
			runs++;
			*credits += retry_waste_credits(&w[k].waste[i]);
		}
		retry_release(&w[k]);
	}
	for (k = 0; k < nw; k++)
		retry_release(&apart[k]);
	retry_release(&ok);
	return runs;
}

#define T(s) "2026-10-01T10:00:" s "Z"

static void
expect(const struct row *rows, size_t n, uint64_t runs, const char *credits)
{
	dec_t c;

	assert_int_equal(resolve(rows, n, NULL, 1, NULL, &c), runs);
	assert_dec_equal(c, unit_dec(credits));
}

static void
test_retry_basic(void **state)
{
	/* failed, then a success: retried */
	static const struct row fs[] = {
		{ "failed", "p1", "ci", "test", T("00"), NULL, "1", "5" },
		{ "success", "p1", "ci", "test", T("30"), NULL, "2", "6" },
	};
	/* success, then failed: not */
	static const struct row sf[] = {
		{ "success", "p1", "ci", "test", T("00"), NULL, "1", "6" },
		{ "failed", "p1", "ci", "test", T("30"), NULL, "2", "5" },
	};
	/* failed twice (one canceled), then a success: two */
	static const struct row ffs[] = {
		{ "failed", "p1", "ci", "test", T("00"), NULL, "1", "1.5" },
		{ "canceled", "p1", "ci", "test", T("10"), NULL, "2", "2.25" },
		{ "success", "p1", "ci", "test", T("20"), NULL, "3", "9" },
		{ "failed", "p1", "ci", "test", T("40"), NULL, "4", "100" },
	};
	/* another workflow name, job or pipeline: not */
	static const struct row other[] = {
		{ "failed", "p1", "ci", "test", T("00"), NULL, "1", "5" },
		{ "success", "p1", "nightly", "test", T("30"), NULL, "2", "6" },
		{ "success", "p1", "ci", "lint", T("30"), NULL, "3", "6" },
		{ "success", "p2", "ci", "test", T("30"), NULL, "4", "6" },
	};
	/* no PIPELINE_ID: never a retry */
	static const struct row nopipe[] = {
		{ "failed", NULL, "ci", "test", T("00"), NULL, "1", "5" },
		{ "success", NULL, "ci", "test", T("30"), NULL, "2", "6" },
		{ "failed", "", "ci", "test", T("00"), NULL, "1", "5" },
		{ "success", "", "ci", "test", T("30"), NULL, "2", "6" },
	};

	(void)state;
	expect(fs, 2, 1, "5");
	expect(sf, 2, 0, "0");
	expect(ffs, 4, 2, "3.75");
	expect(other, 4, 0, "0");
	expect(nopipe, 4, 0, "0");
}

static void
test_retry_order_fallbacks(void **state)
{
	/* no start: the queued time decides */
	static const struct row queued[] = {
		{ "failed", "p", "ci", "a", NULL, T("00"), "9", "1" },
		{ "success", "p", "ci", "a", NULL, T("05"), "1", "1" },
		{ "failed", "p", "ci", "b", NULL, T("05"), "1", "2" },
		{ "success", "p", "ci", "b", T("00"), NULL, "9", "1" },
	};
	/* no time at all: the run number decides */
	static const struct row number[] = {
		{ "failed", "p", "ci", "a", NULL, NULL, "7", "1" },
		{ "success", "p", "ci", "a", NULL, NULL, "8", "1" },
		{ "failed", "p", "ci", "b", NULL, NULL, "8", "2" },
		{ "success", "p", "ci", "b", NULL, NULL, "7", "1" },
	};
	/* a run without a time comes before any run with one */
	static const struct row mixed[] = {
		{ "failed", "p", "ci", "a", NULL, NULL, "100", "1" },
		{ "success", "p", "ci", "a", T("00"), NULL, "1", "1" },
		{ "failed", "p", "ci", "b", T("00"), NULL, "1", "2" },
		{ "success", "p", "ci", "b", NULL, NULL, "100", "1" },
	};
	/* ties (same millisecond) and no order at all: not retried */
	static const struct row ties[] = {
		{ "failed", "p", "ci", "a", T("00"), NULL, "1", "1" },
		{ "success", "p", "ci", "a", T("00"), NULL, "2", "1" },
		{ "failed", "p", "ci", "b", NULL, NULL, NULL, "2" },
		{ "success", "p", "ci", "b", T("09"), NULL, "2", "1" },
		{ "failed", "p", "ci", "c", "not a time", "bad", "x1", "4" },
		{ "success", "p", "ci", "c", T("09"), NULL, "2", "1" },
	};
	/* a start that does not parse falls back to the queued time */
	static const struct row badstart[] = {
		{ "failed", "p", "ci", "a", "2026-13-01", T("00"), NULL, "3" },
		{ "success", "p", "ci", "a", T("01"), NULL, NULL, "1" },
	};

	(void)state;
	expect(queued, 4, 1, "1");
	expect(number, 4, 1, "1");
	expect(mixed, 4, 1, "1");
	expect(ties, 6, 0, "0");
	expect(badstart, 2, 1, "3");
	assert_true(retry_order(NULL, 0, NULL, 0, "0", 1) == 0);
	assert_true(retry_order(NULL, 0, NULL, 0, "-1", 2) == RETRY_NONE);
	assert_true(retry_order(NULL, 0, NULL, 0, "1234567890123456789",
	    19) == RETRY_NONE);
	assert_true(retry_order(T("00"), 20, NULL, 0, NULL, 0) >
	    retry_order(NULL, 0, NULL, 0, "999999999999999999", 18));
}

static void
test_retry_key(void **state)
{
	(void)state;
	assert_true(retry_key("p", 1, "", 0, "w", 1, "j", 1) == 0);
	assert_true(retry_key("p", 1, "x", 1, "w", 1, "j", 1) != 0);
	/* each part keeps its bounds */
	assert_true(retry_key("p", 1, "x", 1, "ab", 2, "c", 1) !=
	    retry_key("p", 1, "x", 1, "a", 1, "bc", 2));
	assert_true(retry_key("p", 1, "x", 1, "w", 1, "j", 1) !=
	    retry_key("q", 1, "x", 1, "w", 1, "j", 1));
	assert_true(retry_key("p", 1, "x", 1, "w", 1, "j", 1) ==
	    retry_key("p", 1, "x", 1, "w", 1, "j", 1));
}

/* Many rows over many keys: the same answer in any order and split. */
static void
test_retry_any_order(void **state)
{
	enum { N = 600 };
	static struct row rows[N];
	static char text[N][5][24];
	static const char *const st[] = { "failed", "success", "canceled",
	    "success", "blocked" };
	size_t perm[N], merge[4], i, nw, trial;
	uint64_t want, got;
	dec_t wantc, gotc;
	unsigned seed = 12345;

	(void)state;
	for (i = 0; i < N; i++) {
		seed = seed * 1103515245u + 12345u;
		snprintf(text[i][0], 24, "pipe-%u", (seed >> 8) % 40);
		snprintf(text[i][1], 24, "job-%u", (seed >> 16) % 3);
		/* a time for most, a number for all: fallbacks mixed in */
		snprintf(text[i][2], 24, "2026-10-01T10:%02u:%02uZ",
		    (seed >> 4) % 60, (seed >> 12) % 60);
		snprintf(text[i][3], 24, "%u.%02u", (seed >> 3) % 1000,
		    (seed >> 9) % 100);
		rows[i].status = st[(seed >> 20) % 5];
		rows[i].pipeline = text[i][0];
		rows[i].workflow = "ci";
		rows[i].job = text[i][1];
		rows[i].started = (seed >> 24) % 7 ? text[i][2] : NULL;
		snprintf(text[i][4], 24, "%zu", (size_t)((seed >> 5) % 500));
		rows[i].number = text[i][4];
		rows[i].credits = text[i][3];
	}
	want = resolve(rows, N, NULL, 1, NULL, &wantc);
	assert_true(want > 10);
	for (trial = 0; trial < 40; trial++) {
		/* a shuffled order, 1 to 4 workers merged in any order */
		for (i = 0; i < N; i++)
			perm[i] = i;
		for (i = N - 1; i > 0; i--) {
			size_t j, t;

			seed = seed * 1103515245u + 12345u;
			j = (seed >> 8) % (i + 1);
			t = perm[i];
			perm[i] = perm[j];
			perm[j] = t;
		}
		nw = 1 + trial % 4;
		for (i = 0; i < nw; i++)
			merge[i] = (i + trial) % nw;
		got = resolve(rows, N, perm, nw, merge, &gotc);
		assert_int_equal(got, want);
		assert_dec_equal(gotc, wantc);
	}
}

/* ---- through report_run() ---- */

#define RHDR "PROJECT_NAME,PIPELINE_ID,WORKFLOW_ID,WORKFLOW_NAME,JOB_NAME," \
	"JOB_ID,JOB_RUN_NUMBER,JOB_RUN_QUEUED_AT,JOB_RUN_STARTED_AT," \
	"JOB_BUILD_STATUS,TOTAL_CREDITS\n"

/*
 * web: test failed twice then passed on a re-run of the workflow (a new
 * WORKFLOW_ID), lint failed after its success; api: push failed, passed
 * on another pipeline (not a retry), deploy failed with no start time and
 * passed by the queued time.  A duplicate of J2 in part b.
 */
static const char part_a[] = RHDR
    "web,P1,W1,build,test,J1,1,,2026-10-01T10:00:00Z,failed,1.5\n"
    "web,P1,W1,build,lint,J3,3,,2026-10-01T10:00:00Z,success,1\n"
    "api,P2,W3,ship,push,J5,5,,2026-10-01T11:00:00Z,failed,7\n"
    "api,P2,W3,ship,deploy,J7,7,2026-10-01T11:00:00Z,,canceled,0.5\n";
static const char part_b[] = RHDR
    "web,P1,W2,build,test,J4,4,,2026-10-01T10:30:00.5Z,success,1.5\n"
    "web,P1,W2,build,test,J2,2,,2026-10-01T10:20:00Z,FAILED,2.25\n"
    "web,P1,W1,build,lint,J6,6,,2026-10-01T10:40:00Z,failed,1\n"
    "api,P9,W4,ship,push,J8,8,,2026-10-01T12:00:00Z,success,7\n"
    "api,P2,W5,ship,deploy,J9,9,2026-10-01T11:05:00Z,,success,0.5\n";
static const char part_c[] = RHDR
    "web,P1,W2,build,test,J2,2,,2026-10-01T10:20:00Z,FAILED,2.25\n";

static char w_failed[] = "failed", w_canceled[] = "canceled";
static char *waste[] = { w_failed, w_canceled };

static void
read_parts(int threads, int reverse, int want, struct report_opts *o,
    struct report_result *res)
{
	struct inputs in;
	char *p[3];
	size_t i;

	p[0] = unit_path(tmp, "a.csv");
	p[1] = unit_path(tmp, "b.csv.gz");
	p[2] = unit_path(tmp, "c.csv");
	unit_writes(p[0], part_a);
	unit_write_gz(p[1], part_b, strlen(part_b));
	unit_writes(p[2], part_c);
	report_opts_init(o);
	assert_int_equal(report_parse_by(o, "job,status"), 0);
	o->threads = threads;
	if (want)
		failures_want_retry(o, waste, 2);
	inputs_init(&in);
	for (i = 0; i < 3; i++)
		assert_int_equal(inputs_add(&in, p[reverse ? 2 - i : i]), 0);
	assert_int_equal(report_run(o, &in, res), 0);
	inputs_release(&in);
	for (i = 0; i < 3; i++)
		free(p[i]);
}

/* The retry group of (project, workflow, job, status), or NULL. */
static const struct agg_group *
retry_group(struct report_result *res, const char *p, const char *w,
    const char *j, const char *st)
{
	struct sbuf key;
	size_t i;
	const struct agg_group *g = NULL;

	sbuf_init(&key, 1 << 20);
	agg_key_add(&key, p, strlen(p));
	agg_key_add(&key, w, strlen(w));
	agg_key_add(&key, j, strlen(j));
	agg_key_add(&key, st, strlen(st));
	for (i = 0; i < res->retry.n; i++)
		if (res->retry.groups[i].keylen == key.len &&
		    memcmp(res->retry.groups[i].key, key.buf, key.len) == 0)
			g = &res->retry.groups[i];
	sbuf_release(&key);
	return g;
}

static void
test_retry_report_run(void **state)
{
	static const int threads[] = { 1, 2, 4 };
	size_t t, rev;

	(void)state;
	for (t = 0; t < 3; t++) {
		for (rev = 0; rev < 2; rev++) {
			struct report_opts o;
			struct report_result res;
			const struct agg_group *g;

			read_parts(threads[t], (int)rev, 1, &o, &res);
			assert_true(res.have_retry);
			assert_int_equal(res.duplicates, 1);
			assert_int_equal(res.retry.n, 3);
			g = retry_group(&res, "web", "build", "test", "failed");
			assert_non_null(g);
			assert_int_equal(g->m.jobs, 1);
			assert_dec_equal(g->m.credits[CR_TOTAL],
			    unit_dec("1.5"));
			/* the duplicate counted once */
			g = retry_group(&res, "web", "build", "test", "FAILED");
			assert_non_null(g);
			assert_int_equal(g->m.jobs, 1);
			assert_dec_equal(g->m.credits[CR_TOTAL],
			    unit_dec("2.25"));
			g = retry_group(&res, "api", "ship", "deploy",
			    "canceled");
			assert_non_null(g);
			assert_int_equal(g->m.jobs, 1);
			assert_null(retry_group(&res, "web", "build", "lint",
			    "failed"));
			assert_null(retry_group(&res, "api", "ship", "push",
			    "failed"));
			report_result_release(&res);
			report_opts_release(&o);
		}
	}
}

/* Without want_retry nothing is kept; a part without PIPELINE_ID has
 * no retries and is not an error. */
static void
test_retry_off_and_missing_column(void **state)
{
	struct report_opts o;
	struct report_result res;
	struct inputs in;
	char *p = unit_path(tmp, "nopipe.csv");

	(void)state;
	read_parts(2, 0, 0, &o, &res);
	assert_false(res.have_retry);
	assert_int_equal(res.retry.n, 0);
	report_result_release(&res);
	report_opts_release(&o);

	unit_writes(p, "PROJECT_NAME,WORKFLOW_NAME,JOB_NAME,JOB_ID,"
	    "JOB_RUN_STARTED_AT,JOB_BUILD_STATUS,TOTAL_CREDITS\n"
	    "web,build,test,J1,2026-10-01T10:00:00Z,failed,1\n"
	    "web,build,test,J2,2026-10-01T11:00:00Z,success,1\n");
	report_opts_init(&o);
	assert_int_equal(report_parse_by(&o, "job,status"), 0);
	failures_want_retry(&o, waste, 2);
	inputs_init(&in);
	assert_int_equal(inputs_add(&in, p), 0);
	assert_int_equal(report_run(&o, &in, &res), 0);
	assert_true(res.have_retry);
	assert_int_equal(res.retry.n, 0);
	assert_int_equal(res.totals.jobs, 2);
	inputs_release(&in);
	report_result_release(&res);
	report_opts_release(&o);
	free(p);
}

/* failures by project: the retry columns rolled up, in totals too */
static void
test_retry_failures_columns(void **state)
{
	struct report_opts o;
	struct report_result res;
	struct failures f;
	struct grid rows, totals;
	FILE *mf;
	char *buf = NULL;
	size_t len = 0, i;

	(void)state;
	read_parts(2, 0, 1, &o, &res);
	assert_int_equal(failures_build(&f, &o, &res, "project", waste, 2,
	    unit_dec("0.0006")), 0);
	assert_true(f.have_retry);
	assert_int_equal(f.n, 2);
	for (i = 0; i < f.n; i++) {
		size_t kl;
		const char *k = agg_key_part(f.rows[i].key, f.rows[i].keylen,
		    0, &kl);

		if (kl == 3 && memcmp(k, "web", 3) == 0) {
			assert_int_equal(f.rows[i].wasted_runs, 3);
			assert_int_equal(f.rows[i].retried_runs, 2);
			assert_dec_equal(f.rows[i].retry_credits,
			    unit_dec("3.75"));
		} else {
			assert_int_equal(f.rows[i].retried_runs, 1);
			assert_dec_equal(f.rows[i].retry_credits,
			    unit_dec("0.5"));
		}
	}
	assert_int_equal(f.totals.retried_runs, 3);
	assert_dec_equal(f.totals.retry_credits, unit_dec("4.25"));
	assert_dec_equal(f.totals.retry_usd, unit_dec("0"));
	failures_grid(&f, 0, &rows, &totals);
	mf = open_memstream(&buf, &len);
	assert_int_equal(grid_write(&rows, &totals, NULL, NULL, mf, FMT_CSV),
	    0);
	fclose(mf);
	assert_non_null(strstr(buf, ",own_waste_pct,retried_runs,"
	    "retry_credits,retry_usd\n"));
	assert_non_null(strstr(buf, ",2,3.75,0.00\n"));
	free(buf);
	grid_release(&rows);
	grid_release(&totals);
	failures_release(&f);

	/* from history: the columns are null */
	res.have_retry = 0;
	assert_int_equal(failures_build(&f, &o, &res, "project", waste, 2,
	    unit_dec("0.0006")), 0);
	assert_false(f.have_retry);
	failures_grid(&f, 0, &rows, &totals);
	buf = NULL;
	mf = open_memstream(&buf, &len);
	assert_int_equal(grid_write(&rows, &totals, NULL, NULL, mf,
	    FMT_JSON), 0);
	fclose(mf);
	assert_non_null(strstr(buf, "\"retried_runs\": null"));
	assert_non_null(strstr(buf, "\"retry_usd\": null"));
	free(buf);
	grid_release(&rows);
	grid_release(&totals);
	failures_release(&f);
	report_result_release(&res);
	report_opts_release(&o);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_retry_basic),
		cmocka_unit_test(test_retry_order_fallbacks),
		cmocka_unit_test(test_retry_key),
		cmocka_unit_test(test_retry_any_order),
		cmocka_unit_test_setup_teardown(test_retry_report_run,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_retry_off_and_missing_column, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_retry_failures_columns,
		    setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
