/*
 * test_rightsize.c: rightsizing (rightsize.h): the lower median of a
 * histogram, the verdict thresholds (under is strict, over inclusive),
 * and rightsize_build on a hand-made four-set report: medians per group,
 * values compared as numbers, runs without utilization counted, groups
 * under --min-runs left out, the next smaller class and the savings.
 */
#include "unit.h"

#include "rightsize.h"

static void
test_rightsize_median(void **state)
{
	struct rightsize_bin b[4];
	dec_t m;

	(void)state;
	assert_int_equal(rightsize_median(b, 0, &m), -1);
	/* 1 2 3 4: the lower median is 2 */
	b[0] = (struct rightsize_bin){ unit_dec("4"), 1 };
	b[1] = (struct rightsize_bin){ unit_dec("1"), 1 };
	b[2] = (struct rightsize_bin){ unit_dec("3"), 1 };
	b[3] = (struct rightsize_bin){ unit_dec("2"), 1 };
	assert_int_equal(rightsize_median(b, 4, &m), 0);
	assert_dec_equal(m, unit_dec("2"));
	/* 5 x 10, 4 x 90: 10; 4 x 10, 5 x 90: 90 */
	b[0] = (struct rightsize_bin){ unit_dec("90"), 4 };
	b[1] = (struct rightsize_bin){ unit_dec("10"), 5 };
	assert_int_equal(rightsize_median(b, 2, &m), 0);
	assert_dec_equal(m, unit_dec("10"));
	b[0] = (struct rightsize_bin){ unit_dec("90"), 5 };
	b[1] = (struct rightsize_bin){ unit_dec("10"), 4 };
	assert_int_equal(rightsize_median(b, 2, &m), 0);
	assert_dec_equal(m, unit_dec("90"));
	/* a single value; zero counts */
	b[0] = (struct rightsize_bin){ unit_dec("33.3"), 1 };
	b[1] = (struct rightsize_bin){ unit_dec("1"), 0 };
	assert_int_equal(rightsize_median(b, 2, &m), 0);
	assert_dec_equal(m, unit_dec("33.3"));
	b[0].count = b[1].count = 0;
	assert_int_equal(rightsize_median(b, 2, &m), -1);
}

static void
test_rightsize_verdict(void **state)
{
	struct rightsize_opts ro;

	(void)state;
	memset(&ro, 0, sizeof(ro));
	ro.under = unit_dec("40");
	ro.over = unit_dec("90");
	assert_int_equal(rightsize_verdict(unit_dec("39.99"),
	    unit_dec("10"), &ro), RS_OVER);
	assert_int_equal(rightsize_verdict(unit_dec("40"), unit_dec("10"),
	    &ro), RS_OK);
	assert_int_equal(rightsize_verdict(unit_dec("10"), unit_dec("40"),
	    &ro), RS_OK);
	assert_int_equal(rightsize_verdict(unit_dec("89.99"),
	    unit_dec("10"), &ro), RS_OK);
	assert_int_equal(rightsize_verdict(unit_dec("90"), unit_dec("10"),
	    &ro), RS_UNDER);
	assert_int_equal(rightsize_verdict(unit_dec("10"), unit_dec("100"),
	    &ro), RS_UNDER);
	assert_string_equal(rightsize_verdict_name(RS_OVER), "over");
	assert_string_equal(rightsize_verdict_name(RS_UNDER), "under");
	assert_string_equal(rightsize_verdict_name(RS_OK), "ok");
}

/* Add `jobs` runs whose column `s` is `v` to group (job, rc, ex). */
static void
add(struct report_result *r, size_t s, const char *job, const char *rc,
    const char *ex, const char *v, uint64_t jobs, const char *compute)
{
	struct agg *a = s == 0 ? &r->groups : &r->more[s - 1];
	struct sbuf key;
	struct agg_group *g;

	sbuf_init(&key, 1 << 20);
	agg_key_add(&key, "proj", 4);
	agg_key_add(&key, "wf", 2);
	agg_key_add(&key, job, strlen(job));
	agg_key_add(&key, rc, strlen(rc));
	agg_key_add(&key, ex, strlen(ex));
	agg_key_add(&key, v, strlen(v));
	g = agg_get(a, key.buf, key.len, agg_hash(key.buf, key.len));
	g->m.jobs += jobs;
	g->m.credits[CR_COMPUTE] += unit_dec(compute);
	sbuf_release(&key);
}

/* Every column of a group: the same values in each set. */
static void
add_all(struct report_result *r, const char *job, const char *rc,
    const char *ex, const char *cpu, const char *ram, uint64_t jobs,
    const char *compute)
{
	add(r, RS_CPU_MEDIAN, job, rc, ex, cpu, jobs, compute);
	add(r, RS_CPU_MAX, job, rc, ex, cpu, jobs, compute);
	add(r, RS_RAM_MEDIAN, job, rc, ex, ram, jobs, compute);
	add(r, RS_RAM_MAX, job, rc, ex, ram, jobs, compute);
}

static const char *
row_job(const struct rightsize_row *r)
{
	static char buf[64];
	size_t len;
	const char *s = agg_key_part(r->key, r->keylen, 2, &len);

	snprintf(buf, sizeof(buf), "%.*s", (int)len, s);
	return buf;
}

static void
test_rightsize_build(void **state)
{
	struct report_opts so;
	struct report_result r;
	struct rightsize_opts ro;
	struct rightsize rs;
	struct rates rates;
	size_t i;

	(void)state;
	report_opts_init(&so);
	rightsize_report_opts(&so);
	assert_int_equal(so.nsets, 4);
	assert_int_equal(so.nkeys, 9);
	assert_string_equal(so.keys[4].name, "executor");
	memset(&r, 0, sizeof(r));
	agg_init(&r.groups);
	for (i = 0; i < REPORT_MAX_SETS - 1; i++)
		agg_init(&r.more[i]);
	r.have_dates = 1;
	r.first_date = 100;
	r.last_date = 114;	/* 15 days */
	/* big: 10 runs at 20/25 % on docker large -> medium+ */
	add_all(&r, "big", "large", "docker", "20", "25", 6, "120");
	add_all(&r, "big", "large", "docker", "20.00", "25.0", 4, "80");
	/* 3 runs of big without data: billed, not in the medians */
	add_all(&r, "big", "large", "docker", "", "", 3, "60");
	/* hot: 10 runs, max cpu median 95 */
	add_all(&r, "hot", "medium", "docker", "95", "50", 6, "10");
	add_all(&r, "hot", "medium", "docker", "30", "50", 4, "10");
	/* few: 9 runs */
	add_all(&r, "few", "xlarge", "docker", "5", "5", 9, "10");
	/* odd: a value that is not a number, as no data */
	add_all(&r, "odd", "runner-x", "runner", "n/a", "n/a", 2, "0");
	/* small: over-provisioned but nothing smaller */
	add_all(&r, "tiny", "small", "docker", "1", "1", 10, "5");

	rates_init(&rates);
	assert_int_equal(rates_load_default(&rates), 0);
	memset(&ro, 0, sizeof(ro));
	ro.min_runs = 10;
	ro.under = unit_dec("40");
	ro.over = unit_dec("90");
	ro.rates = &rates;
	assert_int_equal(rightsize_build(&rs, &so, &r, &ro), 0);
	assert_int_equal(rs.span_days, 15);
	assert_int_equal(rs.runs_without_util, 5);	/* 3 + 2 */
	assert_int_equal(rs.bad_values, 2 * 4);
	assert_int_equal(rs.groups_below_min, 1);
	assert_int_equal(rs.n, 3);

	/* savings first: 260 credits / 20 * 5 * 30 / 15 = 130 */
	assert_string_equal(row_job(&rs.rows[0]), "big");
	assert_int_equal(rs.rows[0].runs, 10);
	assert_int_equal(rs.rows[0].runs_all, 13);
	assert_int_equal(rs.rows[0].verdict, RS_OVER);
	assert_dec_equal(rs.rows[0].median[RS_CPU_MAX], unit_dec("20"));
	assert_dec_equal(rs.rows[0].median[RS_RAM_MEDIAN], unit_dec("25"));
	assert_string_equal(rs.rows[0].suggested->resource_class, "medium+");
	assert_true(rs.rows[0].have_savings);
	assert_dec_equal(rs.rows[0].savings, unit_dec("130"));
	/* then over without a smaller class, then under */
	assert_string_equal(row_job(&rs.rows[1]), "tiny");
	assert_int_equal(rs.rows[1].verdict, RS_OVER);
	assert_null(rs.rows[1].suggested);
	assert_false(rs.rows[1].have_savings);
	assert_string_equal(row_job(&rs.rows[2]), "hot");
	assert_int_equal(rs.rows[2].verdict, RS_UNDER);
	assert_dec_equal(rs.rows[2].median[RS_CPU_MAX], unit_dec("95"));
	rightsize_release(&rs);

	ro.min_runs = 1;
	assert_int_equal(rightsize_build(&rs, &so, &r, &ro), 0);
	assert_int_equal(rs.n, 4);
	assert_int_equal(rs.groups_below_min, 0);
	rightsize_release(&rs);

	rates_release(&rates);
	report_result_release(&r);
	report_opts_release(&so);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rightsize_median),
		cmocka_unit_test(test_rightsize_verdict),
		cmocka_unit_test(test_rightsize_build),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
