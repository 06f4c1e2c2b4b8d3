/*
 * test_chart.c: the chart model and layout (chart.h): nice ticks, numbers
 * with thousands separators, safe and ellipsized names, bars with --top
 * and (other) (and bars folded when they do not fit), groups stacked per
 * period with their sums and the gaps filled, labels that never overlap,
 * and both back ends: SVG escaping and a PNG of the requested size.
 */
#include "unit.h"

#include <math.h>

#include "chart.h"
#include "date.h"
#include "report.h"
#include "view.h"

static dec_t price;

/* ---- a text measure the tests can count on: one `size` per character */

static double
fixed_width(void *ctx, const char *s, double size, int bold)
{
	double n = 0;

	(void)ctx;
	for (; *s; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	return n * size * (bold ? 1.1 : 1.0);
}

static const struct chart_measure fixed = { fixed_width, NULL };

/* ---- results built by hand, as in test_view.c ---- */

struct fixture {
	struct report_opts o;
	struct report_result res;
	struct view v;
};

static void
fixture_init(struct fixture *fx, const char *by)
{
	memset(fx, 0, sizeof(*fx));
	report_opts_init(&fx->o);
	if (report_parse_by(&fx->o, by) != 0)
		fail_msg("report_parse_by(%s)", by);
	agg_init(&fx->res.groups);
}

/* A group with keys k1 (and k2 when not NULL) and its total credits. */
static void
add_group(struct fixture *fx, const char *k1, const char *k2,
    const char *total)
{
	struct sbuf key;
	struct agg_group *g;

	sbuf_init(&key, 1 << 20);
	agg_key_add(&key, k1, strlen(k1));
	if (k2 != NULL)
		agg_key_add(&key, k2, strlen(k2));
	g = agg_get(&fx->res.groups, key.buf, key.len, agg_hash(key.buf,
	    key.len));
	g->m.jobs += 1;
	g->m.credits[CR_TOTAL] += unit_dec(total);
	g->m.credits[CR_COMPUTE] += unit_dec(total);
	sbuf_release(&key);
}

/* Totals as report_run() makes them, then the view. */
static void
fixture_view(struct fixture *fx, int metric, size_t top)
{
	size_t i;

	memset(&fx->res.totals, 0, sizeof(fx->res.totals));
	for (i = 0; i < fx->res.groups.n; i++)
		metrics_add(&fx->res.totals, &fx->res.groups.groups[i].m);
	fx->res.have_dates = 1;
	fx->res.first_date = date_from_ymd(2026, 10, 1);
	fx->res.last_date = date_from_ymd(2026, 10, 3);
	view_build(&fx->v, &fx->o, &fx->res, metric, -1, top, price);
}

static void
fixture_release(struct fixture *fx)
{
	view_release(&fx->v);
	report_result_release(&fx->res);
	report_opts_release(&fx->o);
}

static const struct chart_opts no_opts = { .top = 0 };

/* ---- numbers ---- */

static void
test_ticks(void **state)
{
	double t[32], step;
	size_t n;

	(void)state;
	n = chart_ticks(95, 5, t, 32, &step);
	assert_true(step == 20);
	assert_int_equal(n, 6);
	assert_true(t[0] == 0 && t[5] == 100);
	n = chart_ticks(1234567, 6, t, 32, &step);
	assert_true(step == 200000);
	assert_true(t[n - 1] == 1400000);
	n = chart_ticks(8, 10, t, 32, &step);
	assert_true(step == 1);
	assert_int_equal(n, 9);
	n = chart_ticks(1, 5, t, 32, &step);
	assert_true(fabs(step - 0.2) < 1e-12);
	assert_true(t[n - 1] >= 1 - 1e-9);
	/* nothing to show still gives an axis */
	n = chart_ticks(0, 4, t, 32, &step);
	assert_true(n >= 2 && t[n - 1] > 0);
	n = chart_ticks(250, 1, t, 32, &step);
	assert_true(step == 200);
	assert_int_equal(n, 3);
	/* never more than asked room for */
	n = chart_ticks(1e6, 1000, t, 4, &step);
	assert_int_equal(n, 4);
}

static void
test_format_tick(void **state)
{
	char buf[64];

	(void)state;
	chart_format_tick(1250000, 250000, buf);
	assert_string_equal(buf, "1,250,000");
	chart_format_tick(0, 200000, buf);
	assert_string_equal(buf, "0");
	chart_format_tick(999, 1, buf);
	assert_string_equal(buf, "999");
	chart_format_tick(1000, 500, buf);
	assert_string_equal(buf, "1,000");
	chart_format_tick(0.25, 0.05, buf);
	assert_string_equal(buf, "0.25");
	chart_format_tick(1.5, 0.5, buf);
	assert_string_equal(buf, "1.5");
	/* floating point noise does not show: 3 * 0.1 */
	chart_format_tick(3 * 0.1, 0.1, buf);
	assert_string_equal(buf, "0.3");
	chart_format_tick(12345678901.0, 1e9, buf);
	assert_string_equal(buf, "12,345,678,901");
}

static void
test_format_value(void **state)
{
	char buf[64];

	(void)state;
	chart_format_value(unit_dec("1234567.891"), VM_CREDITS + CR_TOTAL,
	    buf);
	assert_string_equal(buf, "1,234,568");
	chart_format_value(unit_dec("999.994"), VM_CREDITS + CR_TOTAL, buf);
	assert_string_equal(buf, "999.99");
	chart_format_value(unit_dec("0.05"), VM_CREDITS + CR_COMPUTE, buf);
	assert_string_equal(buf, "0.05");
	chart_format_value(unit_dec("1234.5"), VM_COST, buf);
	assert_string_equal(buf, "$1,234.50");
	chart_format_value(unit_dec("12345"), VM_JOBS, buf);
	assert_string_equal(buf, "12,345");
	chart_format_value(unit_dec("1.25"), VM_RUN_SECONDS, buf);
	assert_string_equal(buf, "1.3");
	chart_format_value(unit_dec("21.08"), VM_SHARE, buf);
	assert_string_equal(buf, "21.08%");
}

/* ---- text ---- */

static void
assert_safe(const char *in, size_t len, const char *want)
{
	char *got = chart_safe_text(in, len);

	assert_text_free(got, want);
}

static void
test_safe_text(void **state)
{
	(void)state;
	assert_safe("api", 3, "api");
	assert_safe("", 0, "(none)");
	assert_safe("caf\xc3\xa9", 5, "caf\xc3\xa9");
	assert_safe("a\tb\nc", 5, "a b c");
	assert_safe("\x1b[31m", 5, "\xef\xbf\xbd[31m");
	assert_safe("x\xffy", 3, "x\xef\xbf\xbdy");
	assert_safe("\xc2\x85", 2, "\xef\xbf\xbd");		/* C1 NEL */
	assert_safe("\xef\xbf\xbe", 3, "\xef\xbf\xbd");	/* U+FFFE */
	assert_safe("\xed\xa0\x80", 3,			/* a surrogate */
	    "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
	assert_safe("a\0b", 3, "a\xef\xbf\xbd" "b");
	/* XML's special characters are the SVG writer's job */
	assert_safe("<&\">", 4, "<&\">");
}

static void
assert_ellipsized(const char *s, double maxw, const char *want)
{
	char *got = chart_ellipsize(s, maxw, 10, 0, &fixed);

	assert_text_free(got, want);
}

static void
test_ellipsize(void **state)
{
	(void)state;
	assert_ellipsized("abcdefghij", 100, "abcdefghij");
	assert_ellipsized("abcdefghij", 99, "abcdefgh\xe2\x80\xa6");
	assert_ellipsized("abcdefghij", 50, "abcd\xe2\x80\xa6");
	assert_ellipsized("abcdefghij", 10, "\xe2\x80\xa6");
	assert_ellipsized("abcdefghij", 9, "");
	/* cut between characters, never inside one */
	assert_ellipsized("\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9", 30,
	    "\xc3\xa9\xc3\xa9\xe2\x80\xa6");
	/* no space before the ellipsis */
	assert_ellipsized("ab cdefgh", 40, "ab\xe2\x80\xa6");
	/* the result always fits */
	{
		const char *s = "mobile-app / nightly-ui-tests / ui-tests";
		double w;

		for (w = 0; w < 420; w += 7) {
			char *e = chart_ellipsize(s, w, 10, 1, &fixed);

			assert_true(fixed_width(NULL, e, 10, 1) <= w);
			free(e);
		}
	}
}

/* ---- bars ---- */

static void
test_bars_top_and_other(void **state)
{
	struct fixture fx;
	struct chart c;

	(void)state;
	fixture_init(&fx, "project");
	add_group(&fx, "api", NULL, "50");
	add_group(&fx, "web", NULL, "30");
	add_group(&fx, "ios", NULL, "10");
	add_group(&fx, "etl", NULL, "6");
	add_group(&fx, "doc", NULL, "4");
	fixture_view(&fx, VM_CREDITS + CR_TOTAL, 3);
	chart_build(&c, &fx.v, &no_opts, 1200, 700);
	assert_int_equal(c.kind, CHART_BARS);
	assert_int_equal(c.nbars, 4);
	assert_string_equal(c.bars[0].label, "api");
	assert_string_equal(c.bars[1].label, "web");
	assert_string_equal(c.bars[2].label, "ios");
	assert_string_equal(c.bars[3].label, "(other)");
	assert_true(c.bars[3].other && !c.bars[0].other);
	assert_dec_equal(c.bars[3].value, unit_dec("10"));
	assert_dec_equal(c.bars[0].share, unit_dec("50"));
	assert_dec_equal(c.bars[3].share, unit_dec("10"));
	assert_string_equal(c.title, "Credits by project");
	assert_string_equal(c.subtitle,
	    "2026-10-01 to 2026-10-03 \xc2\xb7 100.00 credits in total");
	assert_string_equal(c.value_axis, "credits");
	chart_release(&c);
	fixture_release(&fx);
}

static void
test_bars_metric_title_org(void **state)
{
	struct fixture fx;
	struct chart c;
	struct chart_opts co = { .org = "acme\tlabs and <B>" };

	(void)state;
	fixture_init(&fx, "project,resource_class");
	add_group(&fx, "api", "large", "1000");
	add_group(&fx, "api", "medium", "3000");
	fixture_view(&fx, VM_COST, 0);
	chart_build(&c, &fx.v, &co, 1200, 700);
	assert_string_equal(c.title, "Cost (USD) by project / resource class");
	assert_string_equal(c.unit, "USD");
	assert_string_equal(c.bars[0].label, "api / medium");
	assert_dec_equal(c.bars[0].value, unit_dec("1.8"));
	/* the organization as given, made safe (a tab is a space) */
	assert_string_equal(c.subtitle, "acme labs and <B> \xc2\xb7 "
	    "2026-10-01 to 2026-10-03 \xc2\xb7 $2.40 in total");
	chart_release(&c);
	co.title = "Team <A> & \"B\"";
	chart_build(&c, &fx.v, &co, 1200, 700);
	assert_string_equal(c.title, "Team <A> & \"B\"");
	chart_release(&c);
	fixture_release(&fx);
}

static void
test_bars_fold_to_fit(void **state)
{
	struct fixture fx;
	struct chart c;
	dec_t sum = 0;
	size_t i;
	char name[16];

	(void)state;
	fixture_init(&fx, "project");
	for (i = 0; i < 60; i++) {
		snprintf(name, sizeof(name), "p%02zu", i);
		add_group(&fx, name, NULL, i % 2 ? "1.5" : "2");
	}
	fixture_view(&fx, VM_CREDITS + CR_TOTAL, 0);
	chart_build(&c, &fx.v, &no_opts, 1200, 240);
	assert_true(c.nbars >= 2 && c.nbars < 60);
	assert_true(c.bars[c.nbars - 1].other);
	assert_string_equal(c.bars[c.nbars - 1].label, "(other)");
	for (i = 0; i < c.nbars; i++)
		sum += c.bars[i].value;
	assert_dec_equal(sum, unit_dec("105"));
	chart_release(&c);
	/* tall enough: every bar */
	chart_build(&c, &fx.v, &no_opts, 1200, 2000);
	assert_int_equal(c.nbars, 60);
	chart_release(&c);
	fixture_release(&fx);
}

/* ---- stacks per period ---- */

static void
test_stacked_sums(void **state)
{
	struct fixture fx;
	struct chart c;
	struct chart_opts co = { .top = 1 };

	(void)state;
	fixture_init(&fx, "project,day");
	add_group(&fx, "api", "2026-10-01", "5");
	add_group(&fx, "web", "2026-10-01", "1.25");
	add_group(&fx, "ios", "2026-10-01", "0.5");
	add_group(&fx, "api", "2026-10-03", "2");
	add_group(&fx, "web", "2026-10-03", "3.125");
	fixture_view(&fx, VM_CREDITS + CR_TOTAL, 0);
	chart_build(&c, &fx.v, &co, 1200, 700);
	assert_int_equal(c.kind, CHART_STACKED);
	assert_string_equal(c.title, "Credits per day by project");
	assert_string_equal(c.value_axis, "credits per day");
	assert_string_equal(c.time_axis, "day (UTC)");
	/* api (7) is on top; web and ios are (other) */
	assert_int_equal(c.nseries, 2);
	assert_string_equal(c.series[0], "api");
	assert_string_equal(c.series[1], "(other)");
	assert_true(c.series_other);
	/* the day without job runs is there, as zero */
	assert_int_equal(c.nperiods, 3);
	assert_string_equal(c.periods[0], "2026-10-01");
	assert_string_equal(c.periods[1], "2026-10-02");
	assert_string_equal(c.periods[2], "2026-10-03");
	assert_dec_equal(c.cells[0 * 2 + 0], unit_dec("5"));
	assert_dec_equal(c.cells[0 * 2 + 1], unit_dec("1.75"));
	assert_dec_equal(c.cells[1 * 2 + 0], 0);
	assert_dec_equal(c.cells[1 * 2 + 1], 0);
	assert_dec_equal(c.cells[2 * 2 + 0], unit_dec("2"));
	assert_dec_equal(c.cells[2 * 2 + 1], unit_dec("3.125"));
	assert_dec_equal(c.period_totals[0], unit_dec("6.75"));
	assert_dec_equal(c.period_totals[1], 0);
	assert_dec_equal(c.period_totals[2], unit_dec("5.125"));
	chart_release(&c);

	/* the default top keeps all three, largest first, no (other) */
	chart_build(&c, &fx.v, &no_opts, 1200, 700);
	assert_int_equal(c.nseries, 3);
	assert_false(c.series_other);
	assert_string_equal(c.series[0], "api");
	assert_string_equal(c.series[1], "web");
	assert_string_equal(c.series[2], "ios");
	chart_release(&c);
	fixture_release(&fx);
}

static void
test_stacked_weeks_months_and_cap(void **state)
{
	struct fixture fx;
	struct chart c;
	struct chart_opts co = { .top = 50 };
	char name[16];
	size_t i;

	(void)state;
	/* 2026 has 53 ISO weeks */
	fixture_init(&fx, "resource_class,week");
	add_group(&fx, "large", "2026-W52", "1");
	add_group(&fx, "large", "2027-W01", "2");
	fixture_view(&fx, VM_CREDITS + CR_TOTAL, 0);
	chart_build(&c, &fx.v, &no_opts, 1200, 700);
	assert_string_equal(c.title, "Credits per week by resource class");
	assert_int_equal(c.nperiods, 3);
	assert_string_equal(c.periods[0], "2026-W52");
	assert_string_equal(c.periods[1], "2026-W53");
	assert_string_equal(c.periods[2], "2027-W01");
	chart_release(&c);
	fixture_release(&fx);

	fixture_init(&fx, "month,project");
	add_group(&fx, "2026-11", "api", "1");
	add_group(&fx, "2027-02", "api", "2");
	for (i = 0; i < 12; i++) {
		snprintf(name, sizeof(name), "p%02zu", i);
		add_group(&fx, "2026-12", name, "0.5");
	}
	fixture_view(&fx, VM_JOBS, 0);
	chart_build(&c, &fx.v, &co, 1200, 700);
	assert_int_equal(c.nperiods, 4);
	assert_string_equal(c.periods[0], "2026-11");
	assert_string_equal(c.periods[1], "2026-12");
	assert_string_equal(c.periods[3], "2027-02");
	/* one colour per group: at most CHART_MAX_SERIES, then (other) */
	assert_int_equal(c.nseries, CHART_MAX_SERIES + 1);
	assert_string_equal(c.series[0], "api");
	assert_dec_equal(c.period_totals[1], unit_dec("12"));	/* jobs */
	assert_string_equal(c.unit, "jobs");
	chart_release(&c);
	fixture_release(&fx);
}

/* Is some text of d exactly `t`? */
static int
has_text(const struct chart_draw *d, const char *t)
{
	size_t i;

	for (i = 0; i < d->n; i++)
		if (d->s[i].kind == CS_TEXT && strcmp(d->s[i].text, t) == 0)
			return 1;
	return 0;
}

/* The groups of class cls named `name`. */
static size_t
count_groups_named(const struct chart_draw *d, const char *cls,
    const char *name)
{
	size_t i, n = 0;

	for (i = 0; i < d->n; i++)
		if (d->s[i].kind == CS_GROUP && strcmp(d->s[i].cls, cls) == 0 &&
		    d->s[i].name != NULL && strcmp(d->s[i].name, name) == 0)
			n++;
	return n;
}

/* ms since the epoch of a day's 00:00:00 (UTC), plus `ms`. */
static int64_t
day_ms(const char *day, int64_t ms)
{
	int32_t d;

	if (date_parse(day, strlen(day), &d) < 0)
		fail_msg("date_parse(%s)", day);
	return (int64_t)d * 86400000 + ms;
}

/*
 * A period the data do not wholly cover is marked " *", and the time
 * axis says what the mark means; a wholly covered one is not; no span, no
 * mark.
 */
static void
test_stacked_partial_periods(void **state)
{
	struct fixture fx;
	struct chart c;
	struct chart_draw d;
	struct chart_opts co = { .have_span = 1 };

	(void)state;
	/* Wednesday 2026-11-04 to Tuesday 2026-11-24, in ISO weeks */
	co.span_start = day_ms("2026-11-04", 0);
	co.span_end = day_ms("2026-11-24", 86400000 - 1);
	fixture_init(&fx, "week,project");
	add_group(&fx, "2026-W45", "api", "1");
	add_group(&fx, "2026-W46", "api", "2");
	add_group(&fx, "2026-W48", "api", "3");
	fixture_view(&fx, VM_CREDITS + CR_TOTAL, 0);
	chart_build(&c, &fx.v, &co, 1200, 700);
	assert_int_equal(c.nperiods, 4);
	assert_string_equal(c.periods[0], "2026-W45");
	assert_true(c.partial[0] && !c.partial[1] && !c.partial[2] &&
	    c.partial[3]);
	assert_int_equal(c.npartial, 2);
	assert_non_null(strstr(c.time_axis, "* partial week"));
	/* drawn: the label marked, the group's name the key as it is */
	chart_layout(&d, &c, 1200, 700, &fixed);
	assert_true(has_text(&d, "2026-W45 *") || has_text(&d, "2026-W48 *"));
	assert_false(has_text(&d, "2026-W46 *"));
	assert_int_equal(count_groups_named(&d, "period", "2026-W45"), 1);
	chart_draw_release(&d);
	chart_release(&c);
	chart_build(&c, &fx.v, &no_opts, 1200, 700);
	assert_int_equal(c.npartial, 0);
	assert_null(strstr(c.time_axis, "partial"));
	chart_release(&c);
	fixture_release(&fx);

	/* months: November whole, December to the 4th at noon */
	co.span_start = day_ms("2026-11-01", 0);
	co.span_end = day_ms("2026-12-04", 43200000);
	fixture_init(&fx, "month");
	add_group(&fx, "2026-11", NULL, "1");
	add_group(&fx, "2026-12", NULL, "1");
	fixture_view(&fx, VM_CREDITS + CR_TOTAL, 0);
	chart_build(&c, &fx.v, &co, 1200, 700);
	assert_true(!c.partial[0] && c.partial[1]);
	chart_release(&c);
	fixture_release(&fx);

	/* days: the last one ends at noon (an export clamped to now) */
	fixture_init(&fx, "day");
	add_group(&fx, "2026-12-03", NULL, "1");
	add_group(&fx, "2026-12-04", NULL, "1");
	fixture_view(&fx, VM_CREDITS + CR_TOTAL, 0);
	chart_build(&c, &fx.v, &co, 1200, 700);
	assert_true(!c.partial[0] && c.partial[1]);
	chart_release(&c);
	fixture_release(&fx);
}

/* ---- layout ---- */

/* The box a text covers, for the fixed measure. */
static void
text_box(const struct chart_shape *s, double *x0, double *x1)
{
	double w = fixed_width(NULL, s->text, s->size, s->bold);

	*x0 = s->anchor == CA_START ? s->x : s->anchor == CA_MIDDLE ?
	    s->x - w / 2 : s->x - w;
	*x1 = *x0 + w;
}

/* No two texts overlap, and every text is inside the canvas. */
static void
assert_no_overlap(const struct chart_draw *d)
{
	size_t i, j;

	for (i = 0; i < d->n; i++) {
		const struct chart_shape *a = &d->s[i];
		double ax0, ax1;

		if (a->kind != CS_TEXT || a->vertical)
			continue;
		text_box(a, &ax0, &ax1);
		if (ax0 < -0.01 || ax1 > d->width + 0.01 || a->y > d->height)
			fail_msg("'%s' is outside the canvas (%g..%g)",
			    a->text, ax0, ax1);
		for (j = i + 1; j < d->n; j++) {
			const struct chart_shape *b = &d->s[j];
			double bx0, bx1;

			if (b->kind != CS_TEXT || b->vertical)
				continue;
			text_box(b, &bx0, &bx1);
			if (ax0 < bx1 && bx0 < ax1 &&
			    a->y - a->size * 0.8 < b->y &&
			    b->y - b->size * 0.8 < a->y)
				fail_msg("'%s' overlaps '%s'", a->text,
				    b->text);
		}
	}
}

static size_t
count_groups(const struct chart_draw *d, const char *cls)
{
	size_t i, n = 0;

	for (i = 0; i < d->n; i++)
		if (d->s[i].kind == CS_GROUP && strcmp(d->s[i].cls, cls) == 0)
			n++;
	return n;
}

static void
test_layout_bars(void **state)
{
	struct fixture fx;
	struct chart c;
	struct chart_draw d;
	double last = 1e300;
	size_t i;
	char name[64];

	(void)state;
	fixture_init(&fx, "project");
	for (i = 0; i < 20; i++) {
		snprintf(name, sizeof(name), "a-rather-long-project-%02zu-%s", i,
		    i == 3 ? "name-that-goes-on-and-on-and-on" : "x");
		add_group(&fx, name, NULL, i == 0 ? "12345678.9" : "1000");
	}
	fixture_view(&fx, VM_CREDITS + CR_TOTAL, 15);
	chart_build(&c, &fx.v, &no_opts, 1200, 700);
	chart_layout(&d, &c, 1200, 700, &fixed);
	assert_int_equal(count_groups(&d, "bar"), 16);
	assert_no_overlap(&d);
	/* bars in the order of their values, (other) aside */
	for (i = 0; i < d.n; i++) {
		if (d.s[i].kind != CS_GROUP ||
		    strcmp(d.s[i].name, "(other)") == 0)
			continue;
		assert_int_equal(d.s[i + 1].kind, CS_RECT);
		assert_true(d.s[i + 1].w <= last + 1e-9);
		last = d.s[i + 1].w;
	}
	chart_draw_release(&d);
	chart_release(&c);

	/* small canvases too */
	chart_build(&c, &fx.v, &no_opts, 320, 240);
	chart_layout(&d, &c, 320, 240, &fixed);
	assert_no_overlap(&d);
	chart_draw_release(&d);
	chart_release(&c);
	fixture_release(&fx);
}

/*
 * The top of the tallest bar (a "seg" or "bar" group's rectangle) and
 * the reach of the value axis (the farthest grid line), as y for a
 * stacked chart, x for bars.
 */
static void
tallest_and_axis(const struct chart_draw *d, int vertical, double *bar,
    double *axis)
{
	const char *cls = NULL;
	size_t i;

	*bar = vertical ? 1e9 : 0;
	*axis = vertical ? 1e9 : 0;
	for (i = 0; i < d->n; i++) {
		const struct chart_shape *s = &d->s[i];

		if (s->kind == CS_GROUP)
			cls = s->cls;
		else if (s->kind == CS_RECT && cls != NULL &&
		    (strcmp(cls, "seg") == 0 || strcmp(cls, "bar") == 0))
			*bar = vertical ? fmin(*bar, s->y) : fmax(*bar,
			    s->x + s->w);
		else if (s->kind == CS_LINE && s->rgb != 0 && (vertical ?
		    s->h == 0 : s->w == 0))
			*axis = vertical ? fmin(*axis, s->y) : fmax(*axis,
			    s->x);
	}
}

/*
 * The value axis reaches past the tallest bar, even when that bar's value
 * is a round number the ticks would stop at (100 here).
 */
static void
test_layout_headroom(void **state)
{
	struct fixture fx;
	struct chart c;
	struct chart_draw d;
	double bar, axis;

	(void)state;
	fixture_init(&fx, "day,project");
	add_group(&fx, "2026-11-02", "api", "60");
	add_group(&fx, "2026-11-02", "web", "40");
	add_group(&fx, "2026-11-03", "api", "10");
	fixture_view(&fx, VM_CREDITS + CR_TOTAL, 0);
	chart_build(&c, &fx.v, &no_opts, 1200, 700);
	chart_layout(&d, &c, 1200, 700, &fixed);
	tallest_and_axis(&d, 1, &bar, &axis);
	assert_true(bar < 1e9 && axis < 1e9);
	assert_true(bar - axis >= 10);	/* y grows downwards */
	chart_draw_release(&d);
	chart_release(&c);
	fixture_release(&fx);

	fixture_init(&fx, "project");
	add_group(&fx, "api", NULL, "100");
	add_group(&fx, "web", NULL, "20");
	fixture_view(&fx, VM_CREDITS + CR_TOTAL, 0);
	chart_build(&c, &fx.v, &no_opts, 1200, 700);
	chart_layout(&d, &c, 1200, 700, &fixed);
	tallest_and_axis(&d, 0, &bar, &axis);
	assert_true(bar > 0 && axis - bar >= 10);
	chart_draw_release(&d);
	chart_release(&c);
	fixture_release(&fx);
}

static void
test_layout_stacked_thins_labels(void **state)
{
	struct fixture fx;
	struct chart c;
	struct chart_draw d;
	char day[16];
	size_t i, labels = 0;
	int32_t d0 = date_from_ymd(2026, 1, 1);

	(void)state;
	fixture_init(&fx, "project,day");
	for (i = 0; i < 366; i++) {
		date_format_day(d0 + (int32_t)i, day);
		add_group(&fx, "api", day, "3");
		add_group(&fx, i % 3 ? "web" : "ios", day, "1.5");
	}
	fixture_view(&fx, VM_CREDITS + CR_TOTAL, 0);
	chart_build(&c, &fx.v, &no_opts, 1200, 700);
	assert_int_equal(c.nperiods, 366);
	chart_layout(&d, &c, 1200, 700, &fixed);
	assert_int_equal(count_groups(&d, "period"), 366);
	assert_int_equal(count_groups(&d, "legend"), 3);
	assert_no_overlap(&d);
	for (i = 0; i < d.n; i++)
		if (d.s[i].kind == CS_TEXT && strncmp(d.s[i].text, "202", 3) ==
		    0)
			labels++;
	assert_true(labels >= 3 && labels < 366);
	chart_draw_release(&d);
	chart_release(&c);
	fixture_release(&fx);
}

static void
test_layout_empty(void **state)
{
	struct fixture fx;
	struct chart c;
	struct chart_draw d;
	size_t i;
	int found = 0;

	(void)state;
	fixture_init(&fx, "project");
	fixture_view(&fx, VM_CREDITS + CR_TOTAL, 15);
	fx.res.have_dates = 0;
	chart_build(&c, &fx.v, &no_opts, 1200, 700);
	assert_true(c.empty);
	chart_layout(&d, &c, 1200, 700, &fixed);
	for (i = 0; i < d.n; i++)
		if (d.s[i].kind == CS_TEXT && strcmp(d.s[i].text,
		    "No job runs to show") == 0)
			found = 1;
	assert_true(found);
	assert_int_equal(count_groups(&d, "bar"), 0);
	chart_draw_release(&d);
	chart_release(&c);
	fixture_release(&fx);
}

/* ---- the back ends ---- */

static char *
write_to_memory(const struct chart_draw *d, int png, size_t *len)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);

	assert_non_null(f);
	assert_int_equal(png ? chart_png_write(d, f) : chart_svg_write(d, f),
	    0);
	fclose(f);
	return buf;
}

static void
test_svg_escapes_names(void **state)
{
	struct fixture fx;
	struct chart c;
	struct chart_draw d;
	struct chart_opts co = { .title = "<script>&" };
	char *svg;
	size_t len;

	(void)state;
	fixture_init(&fx, "project");
	add_group(&fx, "a<&\"'b", NULL, "2");
	add_group(&fx, "ok", NULL, "1");
	fixture_view(&fx, VM_CREDITS + CR_TOTAL, 0);
	chart_build(&c, &fx.v, &co, 1200, 700);
	chart_layout(&d, &c, 1200, 700, &fixed);
	svg = write_to_memory(&d, 0, &len);
	assert_contains(svg, "data-name=\"a&lt;&amp;&quot;&#39;b\"");
	assert_contains(svg, ">a&lt;&amp;&quot;&#39;b</text>");
	assert_contains(svg, "&lt;script&gt;&amp;");
	assert_null(strstr(svg, "<script"));
	assert_null(strstr(svg, "a<&"));
	assert_contains(svg, "data-value=\"2\"");
	assert_contains(svg, "</svg>\n");
	free(svg);
	chart_draw_release(&d);
	chart_release(&c);
	fixture_release(&fx);
}

static uint32_t
be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

static void
test_png_size_and_determinism(void **state)
{
	struct fixture fx;
	struct chart c;
	struct chart_draw d;
	struct chart_measure m;
	char *a, *b;
	size_t alen, blen;

	(void)state;
	assert_int_equal(chart_cairo_measure_init(&m), 0);
	assert_true(m.width(m.ctx, "abc", 12, 0) > 10);
	assert_true(m.width(m.ctx, "abc", 24, 0) >
	    1.9 * m.width(m.ctx, "abc", 12, 0));
	fixture_init(&fx, "project");
	add_group(&fx, "api", NULL, "2");
	add_group(&fx, "caf\xc3\xa9", NULL, "1");
	fixture_view(&fx, VM_CREDITS + CR_TOTAL, 0);
	chart_build(&c, &fx.v, &no_opts, 640, 360);
	chart_layout(&d, &c, 640, 360, &m);
	a = write_to_memory(&d, 1, &alen);
	b = write_to_memory(&d, 1, &blen);
	assert_true(alen > 33);
	assert_memory_equal(a, "\x89PNG\r\n\x1a\n", 8);
	assert_memory_equal(a + 12, "IHDR", 4);
	assert_int_equal(be32((unsigned char *)a + 16), 640);
	assert_int_equal(be32((unsigned char *)a + 20), 360);
	assert_int_equal(alen, blen);
	assert_memory_equal(a, b, alen);
	assert_null(memmem(a, alen, "tIME", 4));
	free(a);
	free(b);
	chart_draw_release(&d);
	chart_release(&c);
	fixture_release(&fx);
	chart_cairo_measure_release(&m);
}

static int
setup(void **state)
{
	(void)state;
	price = unit_dec("0.0006");
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ticks),
		cmocka_unit_test(test_format_tick),
		cmocka_unit_test(test_format_value),
		cmocka_unit_test(test_safe_text),
		cmocka_unit_test(test_ellipsize),
		cmocka_unit_test(test_bars_top_and_other),
		cmocka_unit_test(test_bars_metric_title_org),
		cmocka_unit_test(test_bars_fold_to_fit),
		cmocka_unit_test(test_stacked_sums),
		cmocka_unit_test(test_stacked_weeks_months_and_cap),
		cmocka_unit_test(test_stacked_partial_periods),
		cmocka_unit_test(test_layout_headroom),
		cmocka_unit_test(test_layout_bars),
		cmocka_unit_test(test_layout_stacked_thins_labels),
		cmocka_unit_test(test_layout_empty),
		cmocka_unit_test(test_svg_escapes_names),
		cmocka_unit_test(test_png_size_and_determinism),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
