/*
 * test_compare.c: two periods side by side (compare.h): the change and
 * its percentage in exact decimals (rounded half away from zero), the
 * trends (new, gone, up, down, same), pairing by every key column,
 * sorting by the absolute change with ties by key, --min-change, --top
 * and its (other) row, and the CSV, JSON, table and markdown writers.
 */
#include "unit.h"

#include <sys/wait.h>
#include <unistd.h>

#include "compare.h"
#include "date.h"

/* A report result built by hand: groups of total credits. */
struct side {
	struct report_result r;
	struct sbuf key;
};

static void
side_init(struct side *s)
{
	memset(&s->r, 0, sizeof(s->r));
	agg_init(&s->r.groups);
	sbuf_init(&s->key, 1 << 16);
}

static void
side_release(struct side *s)
{
	report_result_release(&s->r);
	sbuf_release(&s->key);
}

/* Add `credits` to the group of keys k1 (and k2 when not NULL). */
static void
side_add(struct side *s, const char *k1, const char *k2, const char *credits)
{
	struct agg_group *g;
	dec_t v = unit_dec(credits);

	sbuf_reset(&s->key);
	agg_key_add(&s->key, k1, strlen(k1));
	if (k2 != NULL)
		agg_key_add(&s->key, k2, strlen(k2));
	g = agg_get(&s->r.groups, s->key.buf, s->key.len,
	    agg_hash(s->key.buf, s->key.len));
	g->m.jobs++;
	g->m.credits[CR_TOTAL] += v;
	s->r.totals.jobs++;
	s->r.totals.credits[CR_TOTAL] += v;
}

static struct report_opts opts1, opts2;

static int
setup(void **state)
{
	(void)state;
	report_opts_init(&opts1);
	report_parse_by(&opts1, "project");
	report_opts_init(&opts2);
	report_parse_by(&opts2, "project,resource_class");
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	report_opts_release(&opts1);
	report_opts_release(&opts2);
	return 0;
}

/* The row of `c` whose first key is `k`; fails if there is none. */
static const struct compare_row *
row_of(const struct compare *c, const char *k)
{
	size_t i, len;

	for (i = 0; i < c->n; i++) {
		const char *p;

		if (c->rows[i].key == NULL)
			continue;
		p = agg_key_part(c->rows[i].key, c->rows[i].keylen, 0, &len);
		if (len == strlen(k) && memcmp(p, k, len) == 0)
			return &c->rows[i];
	}
	fail_msg("no row '%s'", k);
	return NULL;
}

/* The first key of every row, comma-separated. */
static char *
order_of(const struct compare *c)
{
	struct sbuf sb;
	size_t i, len;

	sbuf_init(&sb, 1 << 16);
	for (i = 0; i < c->n; i++) {
		const char *p = c->rows[i].key == NULL ? "(other)" :
		    agg_key_part(c->rows[i].key, c->rows[i].keylen, 0, &len);

		if (c->rows[i].key == NULL)
			len = 7;
		if (i)
			sbuf_addch(&sb, ',');
		sbuf_add(&sb, p, len);
	}
	return sb.buf;
}

static char *
written(const struct compare *c, enum view_format fmt)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	assert_int_equal(compare_write(c, f, fmt), 0);
	fclose(f);
	return buf;
}

static void
test_delta_exact(void **state)
{
	struct compare_row r;

	(void)state;
	/* no binary floating point anywhere */
	compare_row_set(&r, unit_dec("0.3"), unit_dec("0.30000000000000001"),
	    1, 1);
	assert_dec_equal(r.change, unit_dec("0.00000000000000001"));
	assert_int_equal(r.trend, TREND_UP);
	assert_true(r.has_pct);
	assert_dec_equal(r.pct, 0);

	compare_row_set(&r, unit_dec("50677790.10999963"),
	    unit_dec("50677790.11"), 1, 1);
	assert_dec_equal(r.change, unit_dec("0.00000037"));

	/* 1/3 and 2/3: rounded to 2 decimals */
	compare_row_set(&r, unit_dec("3"), unit_dec("4"), 1, 1);
	assert_dec_equal(r.pct, unit_dec("33.33"));
	compare_row_set(&r, unit_dec("3"), unit_dec("5"), 1, 1);
	assert_dec_equal(r.pct, unit_dec("66.67"));
	compare_row_set(&r, unit_dec("3"), unit_dec("1"), 1, 1);
	assert_dec_equal(r.pct, unit_dec("-66.67"));
	assert_int_equal(r.trend, TREND_DOWN);

	/* exact halves round away from zero, both ways */
	compare_row_set(&r, unit_dec("200"), unit_dec("200.01"), 1, 1);
	assert_dec_equal(r.pct, unit_dec("0.01"));	/* 0.005 */
	compare_row_set(&r, unit_dec("200"), unit_dec("199.99"), 1, 1);
	assert_dec_equal(r.pct, unit_dec("-0.01"));	/* -0.005 */
	compare_row_set(&r, unit_dec("400"), unit_dec("400.01"), 1, 1);
	assert_dec_equal(r.pct, unit_dec("0"));		/* 0.0025 */
	compare_row_set(&r, unit_dec("8"), unit_dec("8.0004"), 1, 1);
	assert_dec_equal(r.pct, unit_dec("0.01"));	/* 0.005 */

	/* large sums keep every digit */
	compare_row_set(&r, unit_dec("123456789012.123456789012345678"),
	    unit_dec("123456789013.123456789012345679"), 1, 1);
	assert_dec_equal(r.change, unit_dec("1.000000000000000001"));
	assert_dec_equal(r.pct, unit_dec("0"));
	compare_row_set(&r, unit_dec("1"), unit_dec("1000000"), 1, 1);
	assert_dec_equal(r.pct, unit_dec("99999900"));
}

static void
test_trends(void **state)
{
	struct compare_row r;

	(void)state;
	compare_row_set(&r, 0, unit_dec("12.5"), 0, 1);
	assert_int_equal(r.trend, TREND_NEW);
	assert_false(r.has_pct);
	assert_dec_equal(r.change, unit_dec("12.5"));

	compare_row_set(&r, unit_dec("12.5"), 0, 1, 0);
	assert_int_equal(r.trend, TREND_GONE);
	assert_true(r.has_pct);
	assert_dec_equal(r.pct, unit_dec("-100"));
	assert_dec_equal(r.change, unit_dec("-12.5"));

	/* a gone group of no credits is still gone, -100 */
	compare_row_set(&r, 0, 0, 1, 0);
	assert_int_equal(r.trend, TREND_GONE);
	assert_dec_equal(r.pct, unit_dec("-100"));

	compare_row_set(&r, unit_dec("2"), unit_dec("2.000"), 1, 1);
	assert_int_equal(r.trend, TREND_SAME);
	assert_dec_equal(r.pct, 0);
	assert_true(r.has_pct);

	/* on both sides with nothing before: up, no percentage */
	compare_row_set(&r, 0, unit_dec("1"), 1, 1);
	assert_int_equal(r.trend, TREND_UP);
	assert_false(r.has_pct);
	compare_row_set(&r, 0, 0, 1, 1);
	assert_int_equal(r.trend, TREND_SAME);

	assert_string_equal(compare_trend_name(TREND_NEW), "new");
	assert_string_equal(compare_trend_name(TREND_GONE), "gone");
	assert_string_equal(compare_trend_name(TREND_UP), "up");
	assert_string_equal(compare_trend_name(TREND_DOWN), "down");
	assert_string_equal(compare_trend_name(TREND_SAME), "same");
}

static void
test_pairing_and_sorting(void **state)
{
	struct side p, q;
	struct compare c;
	char *got;

	(void)state;
	side_init(&p);
	side_init(&q);
	side_add(&p, "api", NULL, "100");
	side_add(&p, "api", NULL, "0.5");
	side_add(&p, "web", NULL, "40");
	side_add(&p, "old", NULL, "30");
	side_add(&p, "flat", NULL, "7");
	side_add(&p, "", NULL, "1");		/* a NULL project */
	side_add(&q, "api", NULL, "70.5");
	side_add(&q, "web", NULL, "70");
	side_add(&q, "new", NULL, "30");
	side_add(&q, "flat", NULL, "7");
	side_add(&q, "", NULL, "2");
	compare_build(&c, &opts1, &p.r, &q.r);
	assert_int_equal(c.n, 6);
	assert_int_equal(c.groups, 6);
	assert_int_equal(c.nnew, 1);
	assert_int_equal(c.ngone, 1);
	/* |change|: api 30, web 30, old 30, new 30, "" 1, flat 0; ties by
	 * key ascending */
	got = order_of(&c);
	assert_string_equal(got, "api,new,old,web,,flat");
	free(got);
	assert_int_equal(row_of(&c, "api")->trend, TREND_DOWN);
	assert_dec_equal(row_of(&c, "api")->change, unit_dec("-30"));
	assert_dec_equal(row_of(&c, "api")->pct, unit_dec("-29.85"));
	assert_int_equal(row_of(&c, "web")->trend, TREND_UP);
	assert_dec_equal(row_of(&c, "web")->pct, unit_dec("75"));
	assert_int_equal(row_of(&c, "old")->trend, TREND_GONE);
	assert_int_equal(row_of(&c, "new")->trend, TREND_NEW);
	assert_int_equal(row_of(&c, "flat")->trend, TREND_SAME);
	assert_int_equal(row_of(&c, "")->trend, TREND_UP);
	/* totals: the whole of both sides */
	assert_dec_equal(c.total.prev, unit_dec("178.5"));
	assert_dec_equal(c.total.cur, unit_dec("179.5"));
	assert_dec_equal(c.total.change, unit_dec("1"));
	assert_dec_equal(c.total.pct, unit_dec("0.56"));
	compare_release(&c);
	side_release(&p);
	side_release(&q);
}

static void
test_two_keys(void **state)
{
	struct side p, q;
	struct compare c;
	char *got;

	(void)state;
	side_init(&p);
	side_init(&q);
	/* ("a,b", "c") and ("a", "b,c") are different groups */
	side_add(&p, "a,b", "c", "5");
	side_add(&q, "a", "b,c", "5");
	side_add(&p, "x", "large", "10");
	side_add(&q, "x", "large", "12");
	side_add(&q, "x", "small", "2");
	compare_build(&c, &opts2, &p.r, &q.r);
	assert_int_equal(c.n, 4);
	assert_int_equal(c.nnew, 2);
	assert_int_equal(c.ngone, 1);
	got = written(&c, FMT_CSV);
	assert_text_free(got,
	    "project,resource_class,previous_credits,current_credits,"
	    "change_credits,change_pct,trend\n"
	    "a,\"b,c\",0,5,5,,new\n"
	    "\"a,b\",c,5,0,-5,-100.00,gone\n"
	    "x,large,10,12,2,20.00,up\n"
	    "x,small,0,2,2,,new\n");
	compare_release(&c);
	side_release(&p);
	side_release(&q);
}

static void
test_min_change_and_top(void **state)
{
	struct side p, q;
	struct compare c;
	char *got;

	(void)state;
	side_init(&p);
	side_init(&q);
	side_add(&p, "a", NULL, "100");
	side_add(&q, "a", NULL, "110");		/* +10 */
	side_add(&p, "b", NULL, "100");
	side_add(&q, "b", NULL, "90");		/* -10 */
	side_add(&p, "c", NULL, "5");
	side_add(&q, "c", NULL, "14.99");	/* +9.99 */
	side_add(&q, "d", NULL, "50");		/* new, +50 */
	side_add(&p, "e", NULL, "3");		/* gone, -3 */
	side_add(&p, "f", NULL, "1");
	side_add(&q, "f", NULL, "1");		/* same */

	/* at least 10, either way; the total is not touched */
	compare_build(&c, &opts1, &p.r, &q.r);
	compare_limit(&c, unit_dec("10"), 0);
	got = order_of(&c);
	assert_string_equal(got, "d,a,b");
	free(got);
	assert_int_equal(c.hidden, 3);
	assert_dec_equal(c.total.change, unit_dec("56.99"));
	compare_release(&c);

	/* just under the threshold is hidden */
	compare_build(&c, &opts1, &p.r, &q.r);
	compare_limit(&c, unit_dec("9.99"), 0);
	got = order_of(&c);
	assert_string_equal(got, "d,a,b,c");
	free(got);
	compare_release(&c);
	compare_build(&c, &opts1, &p.r, &q.r);
	compare_limit(&c, unit_dec("9.990000000000000001"), 0);
	assert_int_equal(c.n, 3);
	compare_release(&c);

	/* 0 hides nothing, not even "same" */
	compare_build(&c, &opts1, &p.r, &q.r);
	compare_limit(&c, 0, 0);
	assert_int_equal(c.n, 6);
	assert_int_equal(c.hidden, 0);
	compare_release(&c);

	/* --top 2: the rest folded, in sums */
	compare_build(&c, &opts1, &p.r, &q.r);
	compare_limit(&c, 0, 2);
	assert_int_equal(c.n, 3);
	assert_int_equal(c.folded, 4);
	assert_null(c.rows[2].key);
	assert_dec_equal(c.rows[2].prev, unit_dec("109"));
	assert_dec_equal(c.rows[2].cur, unit_dec("105.99"));
	assert_dec_equal(c.rows[2].change, unit_dec("-3.01"));
	assert_dec_equal(c.rows[2].pct, unit_dec("-2.76"));
	assert_int_equal(c.rows[2].trend, TREND_DOWN);
	got = written(&c, FMT_CSV);
	assert_text_free(got,
	    "project,previous_credits,current_credits,change_credits,"
	    "change_pct,trend\n"
	    "d,0,50,50,,new\n"
	    "a,100,110,10,10.00,up\n"
	    "(other),109,105.99,-3.01,-2.76,down\n");
	compare_release(&c);

	/* both: --min-change first, then --top of what is left */
	compare_build(&c, &opts1, &p.r, &q.r);
	compare_limit(&c, unit_dec("5"), 3);
	got = order_of(&c);
	assert_string_equal(got, "d,a,b,(other)");
	free(got);
	assert_int_equal(c.hidden, 2);
	assert_int_equal(c.folded, 1);
	assert_dec_equal(c.rows[3].change, unit_dec("9.99"));
	compare_release(&c);

	/* a --top larger than the groups changes nothing */
	compare_build(&c, &opts1, &p.r, &q.r);
	compare_limit(&c, 0, 6);
	assert_int_equal(c.n, 6);
	assert_int_equal(c.folded, 0);
	compare_release(&c);
	side_release(&p);
	side_release(&q);
}

static void
test_empty_sides(void **state)
{
	struct side p, q;
	struct compare c;
	char *got;

	(void)state;
	side_init(&p);
	side_init(&q);
	compare_build(&c, &opts1, &p.r, &q.r);
	assert_int_equal(c.n, 0);
	assert_false(c.total.has_pct);
	got = written(&c, FMT_JSON);
	assert_contains(got, "\"rows\": [],");
	assert_contains(got, "\"totals\": {\"previous_credits\": 0, "
	    "\"current_credits\": 0, \"change_credits\": 0, "
	    "\"change_pct\": null}");
	free(got);
	compare_release(&c);

	/* everything new */
	side_add(&q, "a", NULL, "1.5");
	compare_build(&c, &opts1, &p.r, &q.r);
	assert_int_equal(c.n, 1);
	assert_int_equal(c.rows[0].trend, TREND_NEW);
	assert_int_equal(c.total.trend, TREND_UP);
	assert_false(c.total.has_pct);
	compare_release(&c);
	/* everything gone */
	compare_build(&c, &opts1, &q.r, &p.r);
	assert_int_equal(c.rows[0].trend, TREND_GONE);
	assert_dec_equal(c.total.pct, unit_dec("-100"));
	compare_release(&c);
	side_release(&p);
	side_release(&q);
}

static void
test_writers(void **state)
{
	struct side p, q;
	struct compare c;
	char *got;

	(void)state;
	side_init(&p);
	side_init(&q);
	side_add(&p, "api", NULL, "1000.005");
	side_add(&q, "api", NULL, "2500");
	side_add(&q, "<b>*x*_y_~z~`q`&", NULL, "0.1");
	side_add(&p, "ev\033[31mil", NULL, "0.2");
	p.r.have_dates = q.r.have_dates = 1;
	p.r.first_date = date_from_ymd(2026, 10, 1);
	p.r.last_date = date_from_ymd(2026, 10, 7);
	q.r.first_date = date_from_ymd(2026, 10, 8);
	q.r.last_date = date_from_ymd(2026, 10, 14);
	p.r.files = 2;
	p.r.rows_read = 3;
	compare_build(&c, &opts1, &p.r, &q.r);

	got = written(&c, FMT_JSON);
	assert_text_free(got,
	    "{\n  \"group_by\": [\"project\"],\n  \"rows\": [\n"
	    "    {\"project\": \"api\", \"previous_credits\": 1000.005, "
	    "\"current_credits\": 2500, \"change_credits\": 1499.995, "
	    "\"change_pct\": 150.00, \"trend\": \"up\"},\n"
	    "    {\"project\": \"ev\\u001b[31mil\", \"previous_credits\": 0.2, "
	    "\"current_credits\": 0, \"change_credits\": -0.2, "
	    "\"change_pct\": -100.00, \"trend\": \"gone\"},\n"
	    "    {\"project\": \"\\u003cb>*x*_y_~z~`q`&\", "
	    "\"previous_credits\": 0, \"current_credits\": 0.1, "
	    "\"change_credits\": 0.1, \"change_pct\": null, "
	    "\"trend\": \"new\"}\n  ],\n"
	    "  \"totals\": {\"previous_credits\": 1000.205, "
	    "\"current_credits\": 2500.1, \"change_credits\": 1499.895, "
	    "\"change_pct\": 149.96},\n"
	    "  \"meta\": {\"groups\": 3, \"new\": 1, \"gone\": 1, "
	    "\"hidden\": 0, \"folded\": 0,\n"
	    "    \"previous\": {\"files\": 2, \"rows_read\": 3, "
	    "\"rows_skipped\": 0, \"duplicates\": 0, \"first_date\": "
	    "\"2026-10-01\", \"last_date\": \"2026-10-07\"},\n"
	    "    \"current\": {\"files\": 0, \"rows_read\": 0, "
	    "\"rows_skipped\": 0, \"duplicates\": 0, \"first_date\": "
	    "\"2026-10-08\", \"last_date\": \"2026-10-14\"}}\n}\n");

	got = written(&c, FMT_TABLE);
	assert_text_free(got,
	    "CircleCI usage by project: 2026-10-08 to 2026-10-14 against "
	    "2026-10-01 to 2026-10-07\n"
	    "3 groups: 1 new, 1 gone\n\n"
	    "project           previous   current     change  change_pct"
	    "  trend\n"
	    "---------------------------------------------------------------"
	    "---\n"
	    "api               1,000.01  2,500.00  +1,500.00    +150.00%  up\n"
	    "ev\\x1b[31mil          0.20      0.00      -0.20    -100.00%  "
	    "gone\n"
	    "<b>*x*_y_~z~`q`&      0.00      0.10      +0.10              "
	    "new\n"
	    "---------------------------------------------------------------"
	    "---\n"
	    "TOTAL             1,000.21  2,500.10  +1,499.90    +149.96%\n");

	got = written(&c, FMT_MARKDOWN);
	assert_contains(got, "**CircleCI usage by project**: 2026-10-08 to "
	    "2026-10-14 against 2026-10-01 to 2026-10-07\n\n3 groups: 1 new, "
	    "1 gone\n\n| project ");
	assert_contains(got, "| &lt;b&gt;\\*x\\*\\_y\\_\\~z\\~\\`q\\`&amp; |");
	assert_contains(got, "| **TOTAL** ");
	assert_contains(got, "| **+149.96%** |");
	free(got);
	compare_release(&c);
	side_release(&p);
	side_release(&q);
}

/*
 * Changes and percentages at their limits: a change of 2 * 10^20 does not
 * fit (exit 3, in a child); a percentage past 10^20 % is no percentage.
 */
static void
test_row_limits(void **state)
{
	struct compare_row r;
	pid_t pid;
	int st = 0;

	(void)state;
	memset(&r, 0, sizeof(r));
	compare_row_set(&r, 1, unit_dec("999999999999999"), 1, 1);
	assert_int_equal(r.has_pct, 0);
	assert_int_equal(r.trend, TREND_UP);
	assert_dec_equal(r.change, unit_dec("999999999999999") - 1);
	/* 1 credit from 1e-18: exactly 10^20 % minus 100 % fits */
	compare_row_set(&r, 1, DEC_ONE + 1, 1, 1);
	assert_int_equal(r.has_pct, 1);
	assert_dec_equal(r.pct, DEC_SUM_MAX);
	compare_row_set(&r, -DEC_SUM_MAX, DEC_SUM_MAX - DEC_SUM_MAX, 1, 1);
	assert_dec_equal(r.change, DEC_SUM_MAX);
	assert_dec_equal(r.pct, unit_dec("-100"));	/* over prev, signed */
	fflush(stderr);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		freopen("/dev/null", "w", stderr);
		compare_row_set(&r, -DEC_SUM_MAX, DEC_SUM_MAX, 1, 1);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 3);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_delta_exact),
		cmocka_unit_test(test_trends),
		cmocka_unit_test(test_pairing_and_sorting),
		cmocka_unit_test(test_two_keys),
		cmocka_unit_test(test_min_change_and_top),
		cmocka_unit_test(test_empty_sides),
		cmocka_unit_test(test_writers),
		cmocka_unit_test(test_row_limits),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
