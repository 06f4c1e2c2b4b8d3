/*
 * test_rollup.c: coarser groupings from a finer report (rollup.h): sums
 * under fewer keys, a filter on a key, the meta copied, and a key the
 * source lacks refused; from a source with grouping sets, the set that
 * has the keys.
 */
#include "unit.h"

#include "report.h"
#include "rollup.h"

static void
add(struct agg *a, const char *p, const char *st, const char *day,
    uint64_t jobs, const char *total)
{
	struct sbuf key;
	struct agg_group *g;

	sbuf_init(&key, 1 << 20);
	agg_key_add(&key, p, strlen(p));
	agg_key_add(&key, st, strlen(st));
	agg_key_add(&key, day, strlen(day));
	g = agg_get(a, key.buf, key.len, agg_hash(key.buf, key.len));
	g->m.jobs += jobs;
	g->m.credits[CR_TOTAL] += unit_dec(total);
	sbuf_release(&key);
}

/* The sum of credits of the group whose single key is `k`. */
static dec_t
credits_of(struct report_result *r, const char *k)
{
	struct sbuf key;
	dec_t v;

	sbuf_init(&key, 1 << 20);
	agg_key_add(&key, k, strlen(k));
	v = agg_get(&r->groups, key.buf, key.len, agg_hash(key.buf,
	    key.len))->m.credits[CR_TOTAL];
	sbuf_release(&key);
	return v;
}

static int
keep_failed(void *ctx, const struct report_opts *so, const char *key,
    size_t keylen)
{
	size_t len;
	const char *s = agg_key_part(key, keylen,
	    (size_t)rollup_key_index(so, "status"), &len);

	(void)ctx;
	return str_ieq(s, len, "failed");
}

static void
test_rollup(void **state)
{
	struct report_opts so, o;
	struct report_result src, r;
	struct rollup_filter flt = { keep_failed, NULL, "status" };

	(void)state;
	report_opts_init(&so);
	assert_int_equal(report_parse_by(&so, "project,status,day"), 0);
	memset(&src, 0, sizeof(src));
	agg_init(&src.groups);
	add(&src.groups, "api", "success", "2026-10-01", 2, "1.5");
	add(&src.groups, "api", "failed", "2026-10-01", 1, "0.25");
	add(&src.groups, "api", "FAILED", "2026-10-02", 1, "0.125");
	add(&src.groups, "web", "success", "2026-10-02", 3, "4");
	src.files = 2;
	src.rows_read = 9;
	src.duplicates = 1;
	src.have_dates = 1;

	assert_int_equal(rollup_build(&o, &r, &so, &src, "project", NULL), 0);
	assert_int_equal(r.groups.n, 2);
	assert_dec_equal(credits_of(&r, "api"), unit_dec("1.875"));
	assert_dec_equal(credits_of(&r, "web"), unit_dec("4"));
	assert_dec_equal(r.totals.credits[CR_TOTAL], unit_dec("5.875"));
	assert_int_equal(r.totals.jobs, 7);
	assert_int_equal(r.files, 2);
	assert_int_equal(r.rows_read, 9);
	assert_int_equal(r.duplicates, 1);
	assert_true(r.have_dates);
	report_result_release(&r);
	report_opts_release(&o);

	assert_int_equal(rollup_build(&o, &r, &so, &src, "day", &flt), 0);
	assert_int_equal(r.groups.n, 2);
	assert_dec_equal(credits_of(&r, "2026-10-01"), unit_dec("0.25"));
	assert_dec_equal(r.totals.credits[CR_TOTAL], unit_dec("0.375"));
	assert_int_equal(r.totals.jobs, 2);
	report_result_release(&r);
	report_opts_release(&o);

	/* a key the source was not grouped by */
	{
		struct unit_capture cap;
		char *err;

		unit_capture_begin(&cap);
		assert_int_equal(rollup_build(&o, &r, &so, &src, "branch",
		    NULL), -1);
		err = unit_capture_end(&cap);
		assert_contains(err, "cannot group by branch");
		free(err);
		report_result_release(&r);
		report_opts_release(&o);
	}
	report_result_release(&src);
	report_opts_release(&so);
}

/* Two-key groups, for a source made with grouping sets. */
static void
add2(struct agg *a, const char *k1, const char *k2, const char *total)
{
	struct sbuf key;
	struct agg_group *g;

	sbuf_init(&key, 1 << 20);
	agg_key_add(&key, k1, strlen(k1));
	agg_key_add(&key, k2, strlen(k2));
	g = agg_get(a, key.buf, key.len, agg_hash(key.buf, key.len));
	g->m.jobs++;
	g->m.credits[CR_TOTAL] += unit_dec(total);
	sbuf_release(&key);
}

/* A source with grouping sets: a roll-up reads the set with its keys. */
static void
test_rollup_sets(void **state)
{
	static const char *const sets[] = { "project,status", "day,status" };
	struct report_opts so, o;
	struct report_result src, r;
	struct rollup_filter flt = { keep_failed, NULL, "status" };
	struct unit_capture cap;
	char *err;

	(void)state;
	report_opts_init(&so);
	assert_int_equal(report_parse_sets(&so, sets, 2), 0);
	memset(&src, 0, sizeof(src));
	agg_init(&src.groups);
	agg_init(&src.more[0]);
	/* the same two runs, in each set */
	add2(&src.groups, "api", "failed", "0.25");
	add2(&src.groups, "web", "success", "4");
	add2(&src.more[0], "2026-10-01", "failed", "0.25");
	add2(&src.more[0], "2026-10-02", "success", "4");

	assert_int_equal(rollup_build(&o, &r, &so, &src, "day", &flt), 0);
	assert_int_equal(r.groups.n, 1);
	assert_dec_equal(credits_of(&r, "2026-10-01"), unit_dec("0.25"));
	report_result_release(&r);
	report_opts_release(&o);

	assert_int_equal(rollup_build(&o, &r, &so, &src, "project", NULL), 0);
	assert_int_equal(r.groups.n, 2);
	assert_dec_equal(credits_of(&r, "web"), unit_dec("4"));
	assert_dec_equal(r.totals.credits[CR_TOTAL], unit_dec("4.25"));
	report_result_release(&r);
	report_opts_release(&o);

	/* status alone is in both sets: the first one is read */
	assert_int_equal(rollup_build(&o, &r, &so, &src, "status", NULL), 0);
	assert_int_equal(r.groups.n, 2);
	assert_dec_equal(credits_of(&r, "failed"), unit_dec("0.25"));
	report_result_release(&r);
	report_opts_release(&o);

	/* keys of two different sets cannot be grouped together */
	unit_capture_begin(&cap);
	assert_int_equal(rollup_build(&o, &r, &so, &src, "project,day", NULL),
	    -1);
	err = unit_capture_end(&cap);
	assert_contains(err, "cannot group by project,day: no grouping set");
	free(err);
	report_result_release(&r);
	report_opts_release(&o);

	report_result_release(&src);
	report_opts_release(&so);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rollup),
		cmocka_unit_test(test_rollup_sets),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
