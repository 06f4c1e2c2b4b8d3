/*
 * test_failures.c: the cost of failing jobs (failures.h): runs and wasted
 * runs per job from a report by job and status, the waste set in any
 * case, rates, shares and cost rounded as documented, the order (wasted
 * credits, wasted runs, keys), totals, and the grid's CSV and JSON.
 */
#include "unit.h"

#include "failures.h"
#include "grid.h"

static void
add(struct report_result *r, const char *p, const char *w, const char *j,
    const char *st, uint64_t jobs, const char *credits)
{
	struct sbuf key;
	struct agg_group *g;

	sbuf_init(&key, 1 << 20);
	agg_key_add(&key, p, strlen(p));
	agg_key_add(&key, w, strlen(w));
	agg_key_add(&key, j, strlen(j));
	agg_key_add(&key, st, strlen(st));
	g = agg_get(&r->groups, key.buf, key.len, agg_hash(key.buf, key.len));
	g->m.jobs += jobs;
	g->m.credits[CR_TOTAL] += unit_dec(credits);
	r->totals.jobs += jobs;
	r->totals.credits[CR_TOTAL] += unit_dec(credits);
	sbuf_release(&key);
}

static void
key_is(const struct failures_row *r, const char *job)
{
	size_t len;
	const char *s = agg_key_part(r->key, r->keylen, 2, &len);

	assert_int_equal(len, strlen(job));
	assert_memory_equal(s, job, len);
}

static char w_failed[] = "failed", w_canceled[] = "canceled";
static char *waste[] = { w_failed, w_canceled };

static void
setup_src(struct report_opts *so, struct report_result *src)
{
	report_opts_init(so);
	assert_int_equal(report_parse_by(so, "job,status"), 0);
	memset(src, 0, sizeof(*src));
	agg_init(&src->groups);
	add(src, "api", "ci", "test", "success", 7, "70");
	add(src, "api", "ci", "test", "FAILED", 2, "20.5");
	add(src, "api", "ci", "test", "canceled", 1, "1");
	add(src, "api", "ci", "lint", "success", 3, "3");
	add(src, "web", "ci", "e2e", "failed", 1, "21.5");
	add(src, "web", "ci", "e2e", "timedout", 1, "100");
	add(src, "web", "ci", "e2e", "success", 1, "4");
}

static void
test_failures_build(void **state)
{
	struct report_opts so;
	struct report_result src;
	struct failures f;

	(void)state;
	setup_src(&so, &src);
	assert_int_equal(failures_build(&f, &so, &src, FAILURES_BY, waste, 2,
	    unit_dec("0.0006")), 0);
	assert_int_equal(f.n, 3);
	/* 21.5 each: e2e (1 wasted run) after test (3 wasted runs) */
	key_is(&f.rows[0], "test");
	assert_int_equal(f.rows[0].runs, 10);
	assert_int_equal(f.rows[0].wasted_runs, 3);
	assert_dec_equal(f.rows[0].wasted_credits, unit_dec("21.5"));
	assert_dec_equal(f.rows[0].failure_rate_pct, unit_dec("30"));
	/* half of all wasted credits (43); 21.5 of its own 91.5 */
	assert_dec_equal(f.rows[0].waste_share_pct, unit_dec("50"));
	assert_dec_equal(f.rows[0].own_waste_pct, unit_dec("23.5"));
	/* 21.5 * 0.0006 = 0.0129 -> 0.01 */
	assert_dec_equal(f.rows[0].wasted_usd, unit_dec("0.01"));
	key_is(&f.rows[1], "e2e");
	assert_int_equal(f.rows[1].runs, 3);
	assert_int_equal(f.rows[1].wasted_runs, 1);	/* timedout is not */
	assert_dec_equal(f.rows[1].failure_rate_pct, unit_dec("33.33"));
	assert_dec_equal(f.rows[1].own_waste_pct, unit_dec("17.13"));
	key_is(&f.rows[2], "lint");
	assert_int_equal(f.rows[2].wasted_runs, 0);
	assert_dec_equal(f.rows[2].wasted_credits, 0);
	assert_int_equal(f.totals.runs, 16);
	assert_int_equal(f.totals.wasted_runs, 4);
	assert_dec_equal(f.totals.wasted_credits, unit_dec("43"));
	assert_dec_equal(f.totals.failure_rate_pct, unit_dec("25"));
	assert_dec_equal(f.totals.waste_share_pct, unit_dec("100"));
	/* 43 of every credit (220) */
	assert_dec_equal(f.totals.own_waste_pct, unit_dec("19.55"));
	assert_dec_equal(f.totals.wasted_usd, unit_dec("0.03"));
	failures_release(&f);
	report_result_release(&src);
	report_opts_release(&so);
}

/* --by project: the jobs of a project summed, shares of the same total */
static void
test_failures_by_project(void **state)
{
	struct report_opts so;
	struct report_result src;
	struct failures f;
	size_t len;
	const char *s;

	(void)state;
	setup_src(&so, &src);
	assert_int_equal(failures_build(&f, &so, &src, "project", waste, 2,
	    unit_dec("0.0006")), 0);
	assert_int_equal(f.n, 2);
	assert_int_equal(f.o.nkeys, 1);
	s = agg_key_part(f.rows[0].key, f.rows[0].keylen, 0, &len);
	/* 21.5 each: api (3 wasted runs) before web (1) */
	assert_int_equal(len, 3);
	assert_memory_equal(s, "api", 3);
	assert_int_equal(f.rows[0].runs, 13);
	assert_int_equal(f.rows[0].wasted_runs, 3);
	assert_dec_equal(f.rows[0].failure_rate_pct, unit_dec("23.08"));
	/* 21.5 of api's 94.5 */
	assert_dec_equal(f.rows[0].own_waste_pct, unit_dec("22.75"));
	assert_int_equal(f.rows[1].runs, 3);
	assert_dec_equal(f.totals.wasted_credits, unit_dec("43"));
	assert_string_equal(f.heads[0], "project");
	assert_string_equal(f.heads[1], "runs");
	failures_release(&f);
	report_result_release(&src);
	report_opts_release(&so);
}

static void
test_failures_is_waste(void **state)
{
	(void)state;
	assert_true(failures_is_waste(waste, 2, "Canceled", 8));
	assert_true(failures_is_waste(waste, 2, "FAILED", 6));
	assert_false(failures_is_waste(waste, 2, "fail", 4));
	assert_false(failures_is_waste(waste, 2, "", 0));
	assert_false(failures_is_waste(waste, 0, "failed", 6));
}

static void
test_failures_no_status_key(void **state)
{
	struct report_opts so;
	struct report_result src;
	struct failures f;
	struct unit_capture cap;
	char *err;

	(void)state;
	report_opts_init(&so);
	assert_int_equal(report_parse_by(&so, "job"), 0);
	memset(&src, 0, sizeof(src));
	agg_init(&src.groups);
	unit_capture_begin(&cap);
	assert_int_equal(failures_build(&f, &so, &src, FAILURES_BY, waste, 2, 0), -1);
	err = unit_capture_end(&cap);
	assert_contains(err, "status");
	free(err);
	report_result_release(&src);
	report_opts_release(&so);
}

static char *
write_fmt(const struct grid *g, const struct grid *t, enum view_format fmt)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);

	assert_non_null(m);
	assert_int_equal(grid_write(g, t, "title", "{\"x\": 1}", m, fmt), 0);
	fclose(m);
	return buf;
}

static void
test_failures_grid(void **state)
{
	struct report_opts so;
	struct report_result src;
	struct failures f;
	struct grid g, t;
	char *s;

	(void)state;
	setup_src(&so, &src);
	assert_int_equal(failures_build(&f, &so, &src, FAILURES_BY, waste, 2,
	    unit_dec("0.0006")), 0);
	failures_grid(&f, 2, &g, &t);
	assert_int_equal(g.nrows, 2);
	s = write_fmt(&g, &t, FMT_CSV);
	assert_string_equal(s, "project,workflow,job,runs,wasted_runs,"
	    "failure_rate_pct,wasted_credits,wasted_usd,waste_share_pct,"
	    "own_waste_pct,retried_runs,retry_credits,retry_usd\n"
	    "api,ci,test,10,3,30.00,21.5,0.01,50.00,23.50,,,\n"
	    "web,ci,e2e,3,1,33.33,21.5,0.01,50.00,17.13,,,\n");
	free(s);
	s = write_fmt(&g, &t, FMT_JSON);
	assert_contains(s, "\"totals\": {\"runs\": 16, \"wasted_runs\": 4, "
	    "\"failure_rate_pct\": 25.00, \"wasted_credits\": 43, ");
	assert_contains(s, "\"meta\": {\"x\": 1}");
	/* a report without the retry cost (history): null, not 0 */
	assert_contains(s, "\"retried_runs\": null, \"retry_credits\": null, "
	    "\"retry_usd\": null}");
	free(s);
	s = write_fmt(&g, &t, FMT_MARKDOWN);
	assert_contains(s, "| **TOTAL** |");
	free(s);
	s = write_fmt(&g, &t, FMT_TABLE);
	assert_contains(s, "TOTAL");
	/* report's formats: cents, percentages with their sign */
	assert_contains(s, "   30.00%           21.50        0.01");
	free(s);
	grid_release(&g);
	grid_release(&t);
	failures_release(&f);
	report_result_release(&src);
	report_opts_release(&so);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_failures_build),
		cmocka_unit_test(test_failures_by_project),
		cmocka_unit_test(test_failures_is_waste),
		cmocka_unit_test(test_failures_no_status_key),
		cmocka_unit_test(test_failures_grid),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
