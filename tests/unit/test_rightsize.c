/*
 * test_rightsize.c: rightsizing (rightsize.h): the lower median of a
 * histogram, the verdict thresholds (under is strict, over inclusive),
 * rightsize_build on a hand-made report with utilization histograms:
 * medians per group, values compared as numbers, runs without utilization
 * counted, groups under --min-runs left out, the next smaller class and
 * the savings; the histogram table (utilhist.h).
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

/* The group (job, rc, ex) of r, created with `jobs` runs. */
static uint32_t
group(struct report_result *r, const char *job, const char *rc,
    const char *ex, uint64_t jobs, const char *compute)
{
	struct sbuf key;
	struct agg_group *g;
	uint32_t gi;

	sbuf_init(&key, 1 << 20);
	agg_key_add(&key, "proj", 4);
	agg_key_add(&key, "wf", 2);
	agg_key_add(&key, job, strlen(job));
	agg_key_add(&key, rc, strlen(rc));
	agg_key_add(&key, ex, strlen(ex));
	g = agg_get(&r->groups, key.buf, key.len, agg_hash(key.buf, key.len));
	g->m.jobs += jobs;
	g->m.credits[CR_COMPUTE] += unit_dec(compute);
	gi = (uint32_t)(g - r->groups.groups);
	sbuf_release(&key);
	return gi;
}

/* `runs` runs of group gi with CPU values `cpu` and RAM values `ram`. */
static void
util(struct report_result *r, uint32_t gi, const char *cpu, const char *ram,
    uint64_t runs)
{
	int64_t c, m;

	assert_int_equal(utilhist_value(cpu, strlen(cpu), &c), 0);
	assert_int_equal(utilhist_value(ram, strlen(ram), &m), 0);
	utilhist_add(&r->util, gi, RS_CPU_MEDIAN, c, runs);
	utilhist_add(&r->util, gi, RS_CPU_MAX, c, runs);
	utilhist_add(&r->util, gi, RS_RAM_MEDIAN, m, runs);
	utilhist_add(&r->util, gi, RS_RAM_MAX, m, runs);
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
	uint32_t g;

	(void)state;
	report_opts_init(&so);
	rightsize_report_opts(&so);
	assert_true(so.want_util);
	assert_int_equal(so.nkeys, 5);
	assert_string_equal(so.keys[4].name, "executor");
	memset(&r, 0, sizeof(r));
	agg_init(&r.groups);
	r.have_dates = 1;
	r.first_date = 100;
	r.last_date = 114;	/* 15 days */
	/* big: 10 runs at 20/25 % on docker large -> medium+, and 3 runs
	 * without data: billed, not in the medians */
	g = group(&r, "big", "large", "docker", 13, "260");
	util(&r, g, "20", "25", 6);
	util(&r, g, "20.00", "25.0", 4);
	/* hot: 10 runs, max cpu median 95 */
	g = group(&r, "hot", "medium", "docker", 10, "20");
	util(&r, g, "95", "50", 6);
	util(&r, g, "30", "50", 4);
	/* few: 9 runs */
	g = group(&r, "few", "xlarge", "docker", 9, "10");
	util(&r, g, "5", "5", 9);
	/* odd: no data at all */
	group(&r, "odd", "runner-x", "runner", 2, "0");
	r.util_bad = 8;
	/* small: over-provisioned but nothing smaller */
	g = group(&r, "tiny", "small", "docker", 10, "5");
	util(&r, g, "1", "1", 10);
	/* a self-hosted runner at 99%: no class to move to */
	g = group(&r, "self", "acme/big", "runner", 10, "0");
	util(&r, g, "99", "99", 10);

	rates_init(&rates);
	assert_int_equal(rates_load_default(&rates), 0);
	rightsize_opts_init(&ro, &rates);	/* 10 runs, 40 %, 90 % */
	assert_dec_equal(ro.price, unit_dec("0.0006"));
	assert_int_equal(rightsize_build(&rs, &so, &r, &ro), 0);
	assert_int_equal(rs.span_days, 15);
	assert_int_equal(rs.runs_without_util, 5);	/* 3 + 2 */
	assert_int_equal(rs.bad_values, 8);
	assert_int_equal(rs.groups_below_min, 1);
	assert_int_equal(rs.n, 4);

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
	assert_dec_equal(rs.rows[0].savings_usd, unit_dec("0.08"));
	assert_null(rs.rows[0].reason);
	/* then under, with the extra cost of the next larger class:
	 * 20 credits / 10 * (10 - 15) * 30 / 15 = -20 */
	assert_string_equal(row_job(&rs.rows[1]), "hot");
	assert_int_equal(rs.rows[1].verdict, RS_UNDER);
	assert_dec_equal(rs.rows[1].median[RS_CPU_MAX], unit_dec("95"));
	assert_string_equal(rs.rows[1].suggested->resource_class, "medium+");
	assert_true(rs.rows[1].have_savings);
	assert_dec_equal(rs.rows[1].savings, unit_dec("-20"));
	assert_dec_equal(rs.rows[1].savings_usd, unit_dec("-0.01"));
	/* then n/a, each with why: nothing smaller, a runner */
	assert_string_equal(row_job(&rs.rows[2]), "self");
	assert_int_equal(rs.rows[2].verdict, RS_NA);
	assert_null(rs.rows[2].suggested);
	assert_string_equal(rs.rows[2].reason, "a self-hosted runner: sized "
	    "on the runner, not by class");
	assert_string_equal(row_job(&rs.rows[3]), "tiny");
	assert_int_equal(rs.rows[3].verdict, RS_NA);
	assert_null(rs.rows[3].suggested);
	assert_false(rs.rows[3].have_savings);
	assert_string_equal(rs.rows[3].reason, "no smaller class of the same "
	    "executor and family");
	assert_string_equal(rightsize_verdict_name(RS_NA), "n/a");
	rightsize_release(&rs);

	ro.min_runs = 1;
	assert_int_equal(rightsize_build(&rs, &so, &r, &ro), 0);
	assert_int_equal(rs.n, 5);
	assert_int_equal(rs.groups_below_min, 0);
	rightsize_release(&rs);

	/* opts not made for rightsize */
	{
		struct report_opts bad;
		struct unit_capture cap;
		char *err;

		report_opts_init(&bad);
		report_parse_by(&bad, "project");
		unit_capture_begin(&cap);
		assert_int_equal(rightsize_build(&rs, &bad, &r, &ro), -1);
		assert_int_equal(rightsize_enable(&bad), -1);
		err = unit_capture_end(&cap);
		assert_contains(err, "rightsize");
		free(err);
		report_opts_release(&bad);
	}
	rates_release(&rates);
	report_result_release(&r);
	report_opts_release(&so);
}

static void
test_utilhist(void **state)
{
	struct utilhist h;
	int64_t v;
	size_t i;

	(void)state;
	assert_int_equal(utilhist_value("45", 2, &v), 0);
	assert_true(v == 45000000);
	assert_int_equal(utilhist_value("45.000001", 9, &v), 0);
	assert_true(v == 45000001);
	assert_int_equal(utilhist_value("0", 1, &v), 0);
	assert_true(v == 0);
	assert_int_equal(utilhist_value("45.0000001", 10, &v), -1);
	assert_int_equal(utilhist_value("-1", 2, &v), -1);
	assert_int_equal(utilhist_value("n/a", 3, &v), -1);
	utilhist_init(&h);
	/* many bins: growth keeps every count */
	for (i = 0; i < 5000; i++)
		utilhist_add(&h, (uint32_t)(i % 7), (uint32_t)(i % 4),
		    (int64_t)(i % 1000), 1);
	/* (i % 7, i % 4, i % 1000) repeats only after lcm = 7000 */
	assert_int_equal(h.n, 5000);
	{
		uint64_t total = 0;

		for (i = 0; i < h.n; i++)
			total += h.bins[i].count;
		assert_int_equal(total, 5000);
	}
	utilhist_add(&h, 1, 1, 1, 41);
	for (i = 0; i < h.n; i++)
		if (h.bins[i].group == 1 && h.bins[i].col == 1 &&
		    h.bins[i].value == 1)
			assert_int_equal(h.bins[i].count, 42);
	utilhist_release(&h);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rightsize_median),
		cmocka_unit_test(test_rightsize_verdict),
		cmocka_unit_test(test_rightsize_build),
		cmocka_unit_test(test_utilhist),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
