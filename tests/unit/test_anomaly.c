/*
 * test_anomaly.c: the baseline maths of anomalies (anomaly.h), pure
 * functions on series: the median (odd, even, exact halves), the MAD and
 * its floors, fewer weeks than asked, days before the group existed,
 * missing days as 0, the score and minimum excess, new and stopped
 * groups, the next key down.
 */
#include "unit.h"

#include <math.h>

#include "anomaly.h"

#define C(x) unit_dec(x)

static const struct anomaly_params params = {
	4, 4.0, (dec_t)500 * DEC_ONE
};

static void
test_anomaly_median(void **state)
{
	dec_t odd[] = { C("3"), C("1"), C("2") };
	dec_t even[] = { C("4"), C("1"), C("3"), C("2") };
	dec_t half[] = { C("0.000000000000000001"), C("0") };
	dec_t one[] = { C("7.25") };

	(void)state;
	assert_true(anomaly_median(odd, 3) == C("2"));
	assert_true(anomaly_median(even, 4) == C("2.5"));
	/* half a unit rounds away from zero */
	assert_true(anomaly_median(half, 2) == C("0.000000000000000001"));
	assert_true(anomaly_median(one, 1) == C("7.25"));
}

static void
test_anomaly_spread_floors(void **state)
{
	(void)state;
	/* MAD 10: 14.826 */
	assert_true(fabs(anomaly_spread(C("10"), C("20")) - 14.826) < 1e-9);
	/* flat series: MAD 0, floor 10% of the baseline */
	assert_true(fabs(anomaly_spread(0, C("1000")) - 100.0) < 1e-9);
	/* nothing at all: one credit */
	assert_true(fabs(anomaly_spread(0, 0) - 1.0) < 1e-9);
	assert_true(fabs(anomaly_spread(0, C("5")) - 1.0) < 1e-9);
}

/* A series of `len` days, all `v`. */
static void
fill(dec_t *s, size_t len, const char *v)
{
	size_t i;

	for (i = 0; i < len; i++)
		s[i] = C(v);
}

static void
test_anomaly_baseline_weeks(void **state)
{
	dec_t s[36];
	struct anomaly_base b;

	(void)state;
	fill(s, 36, "0");
	s[35 - 7] = C("100");
	s[35 - 14] = C("110");
	s[35 - 21] = C("90");
	s[35 - 28] = C("1000");	/* an old spike: the median ignores it */
	s[35 - 35] = C("5");	/* a fifth week: not a sample */
	anomaly_baseline(s, 35, 0, 4, &b);
	assert_int_equal(b.n, 4);
	assert_true(b.median == C("105"));
	/* deviations 5, 5, 15, 895: MAD 10 */
	assert_true(b.mad == C("10"));
	assert_true(fabs(b.spread - 14.826) < 1e-9);
	/* --weeks 2: the last two only */
	anomaly_baseline(s, 35, 0, 2, &b);
	assert_int_equal(b.n, 2);
	assert_true(b.median == C("105"));
	/* fewer weeks of data than asked: what there is */
	anomaly_baseline(s, 15, 0, 4, &b);
	assert_int_equal(b.n, 2);
	/* none: no baseline */
	anomaly_baseline(s, 6, 0, 4, &b);
	assert_int_equal(b.n, 0);
}

static void
test_anomaly_missing_days_zero(void **state)
{
	dec_t s[29];
	struct anomaly_base b;

	(void)state;
	fill(s, 29, "0");
	/* the group exists from day 0 (born 0): weeks 3 and 4 had no runs */
	s[28 - 7] = C("100");
	/* two of the four weeks without runs count as 0 */
	s[28 - 14] = C("100");
	anomaly_baseline(s, 28, 0, 4, &b);
	assert_int_equal(b.n, 4);
	assert_true(b.median == C("50"));
	/* before the group's first day there are no samples */
	anomaly_baseline(s, 28, 14, 4, &b);
	assert_int_equal(b.n, 2);
	assert_true(b.median == C("100"));
}

static void
test_anomaly_spike(void **state)
{
	dec_t s[29];
	struct anomaly_verdict v;

	(void)state;
	fill(s, 29, "1000");
	s[28] = C("3000");
	/* flat: spread is the 10% floor, 100; score (3000-1000)/100 */
	assert_int_equal(anomaly_judge(s, 28, 0, 0, &params, &v),
	    ANOMALY_SPIKE);
	assert_true(v.excess == C("2000"));
	assert_true(v.base.median == C("1000"));
	assert_true(fabs(v.score - 20.0) < 1e-9);
	/* an excess below --min-excess is not news */
	s[28] = C("1400");
	assert_int_equal(anomaly_judge(s, 28, 0, 0, &params, &v),
	    ANOMALY_NONE);
	assert_true(fabs(v.score - 4.0) < 1e-9);
	/* a dip is never a spike */
	s[28] = C("0");
	assert_int_equal(anomaly_judge(s, 28, 0, 0, &params, &v),
	    ANOMALY_NONE);
}

static void
test_anomaly_small_project(void **state)
{
	dec_t s[29];
	struct anomaly_verdict v;

	(void)state;
	/* 40 credits a day going to 160: score 30, excess only 120 */
	fill(s, 29, "40");
	s[28] = C("160");
	assert_int_equal(anomaly_judge(s, 28, 0, 0, &params, &v),
	    ANOMALY_NONE);
	assert_true(v.excess == C("120"));
	assert_true(v.score > 4.0);
}

static void
test_anomaly_noisy_not_spike(void **state)
{
	dec_t s[29];
	struct anomaly_verdict v;

	(void)state;
	fill(s, 29, "0");
	s[0] = C("1");
	s[28 - 7] = C("1000");
	s[28 - 14] = C("3000");
	s[28 - 21] = C("2000");
	s[28 - 28] = C("5000");
	/* median 2500, MAD 1000 -> spread 1482.6: 4000 scores ~1.01 */
	s[28] = C("4000");
	assert_int_equal(anomaly_judge(s, 28, 0, 0, &params, &v),
	    ANOMALY_NONE);
	assert_true(fabs(v.score - 1500.0 / 1482.6) < 1e-9);
}

static void
test_anomaly_new(void **state)
{
	dec_t s[29];
	struct anomaly_verdict v;

	(void)state;
	fill(s, 29, "0");
	s[28] = C("800");
	assert_int_equal(anomaly_judge(s, 28, 28, 0, &params, &v),
	    ANOMALY_NEW);
	assert_int_equal(v.base.n, 0);
	assert_true(v.excess == C("800"));
	assert_true(isnan(v.score));
	/* too little: not news */
	s[28] = C("499.99");
	assert_int_equal(anomaly_judge(s, 28, 28, 0, &params, &v),
	    ANOMALY_NONE);
	/* the data begins less than a week before: unknown, not new */
	s[28] = C("800");
	assert_int_equal(anomaly_judge(s, 28, 28, 22, &params, &v),
	    ANOMALY_NONE);
	/* a group a few days old has no same-weekday sample: no verdict */
	s[25] = C("1");
	assert_int_equal(anomaly_judge(s, 28, 25, 0, &params, &v),
	    ANOMALY_NONE);
}

static void
test_anomaly_stopped(void **state)
{
	dec_t s[35];
	struct anomaly_verdict v;

	(void)state;
	fill(s, 35, "600");
	/* the last 7 days examined, nothing */
	fill(s + 28, 7, "0");
	assert_int_equal(anomaly_stopped(s, 28, 34, 0, &params, &v),
	    ANOMALY_STOPPED);
	assert_true(v.base.median == C("600"));
	assert_true(v.excess == C("-4200"));
	/* one run on one day: not stopped */
	s[30] = C("0.01");
	assert_int_equal(anomaly_stopped(s, 28, 34, 0, &params, &v),
	    ANOMALY_NONE);
	/* a small group that stops is not news */
	fill(s, 28, "400");
	s[30] = 0;
	assert_int_equal(anomaly_stopped(s, 28, 34, 0, &params, &v),
	    ANOMALY_NONE);
}

static void
test_anomaly_next_key(void **state)
{
	struct report_opts o;

	(void)state;
	report_opts_init(&o);
	assert_int_equal(report_parse_by(&o, "project"), 0);
	assert_string_equal(anomaly_next_key(&o), "workflow");
	report_opts_release(&o);
	report_opts_init(&o);
	assert_int_equal(report_parse_by(&o, "workflow"), 0);
	assert_string_equal(anomaly_next_key(&o), "job");
	report_opts_release(&o);
	report_opts_init(&o);
	assert_int_equal(report_parse_by(&o, "job"), 0);
	assert_null(anomaly_next_key(&o));
	report_opts_release(&o);
	report_opts_init(&o);
	assert_int_equal(report_parse_by(&o, "branch"), 0);
	assert_null(anomaly_next_key(&o));
	report_opts_release(&o);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_anomaly_median),
		cmocka_unit_test(test_anomaly_spread_floors),
		cmocka_unit_test(test_anomaly_baseline_weeks),
		cmocka_unit_test(test_anomaly_missing_days_zero),
		cmocka_unit_test(test_anomaly_spike),
		cmocka_unit_test(test_anomaly_small_project),
		cmocka_unit_test(test_anomaly_noisy_not_spike),
		cmocka_unit_test(test_anomaly_new),
		cmocka_unit_test(test_anomaly_stopped),
		cmocka_unit_test(test_anomaly_next_key),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
