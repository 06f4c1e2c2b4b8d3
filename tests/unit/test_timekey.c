/*
 * test_timekey.c: the one time-key function of files and history.  Its
 * ids and texts are checked against the code it replaced (report.c's
 * time_key_id/time_key_text and db.c's dbr_time_id with its switch of
 * date_format_*, the same logic twice, kept below as the reference) on
 * every day from 1900 to 2200, and by hand at the year boundaries where
 * the ISO week-numbering year is not the calendar year.
 */
#include "unit.h"

#include "date.h"
#include "timekey.h"

/* The replaced code, as report.c and db.c had it (one copy shown). */
struct old_cache {
	int32_t month_day, month_start;
	int have_month;
};

static uint32_t
old_time_key_id(struct old_cache *w, enum key_kind kind, int32_t days)
{
	int y, m, d;

	if (kind == KEY_DAY)
		return (uint32_t)days;
	if (kind == KEY_WEEK)
		return (uint32_t)date_week_start(days);
	if (!w->have_month || w->month_day != days) {
		date_to_ymd(days, &y, &m, &d);
		w->month_day = days;
		w->month_start = date_from_ymd(y, m, 1);
		w->have_month = 1;
	}
	return (uint32_t)w->month_start;
}

static size_t
old_time_key_text(enum key_kind kind, uint32_t id, char *buf)
{
	if (kind == KEY_DAY)
		return date_format_day((int32_t)id, buf);
	if (kind == KEY_WEEK)
		return date_format_week((int32_t)id, buf);
	return date_format_month((int32_t)id, buf);
}

/* The key text of `kind` for y-m-d, through the new function. */
static const char *
key_of(enum key_kind kind, int y, int m, int d, char *buf)
{
	struct timekey_cache c = TIMEKEY_CACHE_INIT;
	uint32_t id = timekey_id(&c, kind, date_from_ymd(y, m, d));
	size_t len = timekey_text(kind, id, buf);

	assert_int_equal(len, strlen(buf));
	return buf;
}

static void
test_year_boundaries(void **state)
{
	char b[DATE_BUFSZ];
	struct timekey_cache c = TIMEKEY_CACHE_INIT;

	(void)state;
	/* 2027-01-01 is a Friday: week 53 of 2026, from Monday 2026-12-28 */
	assert_string_equal(key_of(KEY_WEEK, 2027, 1, 1, b), "2026-W53");
	assert_int_equal(timekey_id(&c, KEY_WEEK, date_from_ymd(2027, 1, 1)),
	    (uint32_t)date_from_ymd(2026, 12, 28));
	assert_string_equal(key_of(KEY_WEEK, 2027, 1, 3, b), "2026-W53");
	assert_string_equal(key_of(KEY_WEEK, 2027, 1, 4, b), "2027-W01");
	/* a Sunday in January still in last year's week 53 */
	assert_string_equal(key_of(KEY_WEEK, 2021, 1, 3, b), "2020-W53");
	assert_string_equal(key_of(KEY_WEEK, 2021, 1, 4, b), "2021-W01");
	/* late December already in next year's week 1 */
	assert_string_equal(key_of(KEY_WEEK, 2024, 12, 30, b), "2025-W01");
	assert_string_equal(key_of(KEY_WEEK, 2008, 12, 29, b), "2009-W01");
	assert_string_equal(key_of(KEY_WEEK, 2026, 12, 31, b), "2026-W53");
	assert_string_equal(key_of(KEY_WEEK, 2026, 10, 1, b), "2026-W40");
	/* the epoch and before it */
	assert_string_equal(key_of(KEY_WEEK, 1970, 1, 1, b), "1970-W01");
	assert_string_equal(key_of(KEY_WEEK, 1969, 12, 29, b), "1970-W01");
	assert_string_equal(key_of(KEY_DAY, 1969, 12, 31, b), "1969-12-31");
	/* days and months */
	assert_string_equal(key_of(KEY_DAY, 2027, 1, 1, b), "2027-01-01");
	assert_string_equal(key_of(KEY_MONTH, 2027, 1, 1, b), "2027-01");
	assert_string_equal(key_of(KEY_MONTH, 2026, 12, 31, b), "2026-12");
	assert_string_equal(key_of(KEY_MONTH, 2024, 2, 29, b), "2024-02");
}

/* The month cache: a new day always gets its own month. */
static void
test_month_cache(void **state)
{
	struct timekey_cache c = TIMEKEY_CACHE_INIT;
	int32_t jan31 = date_from_ymd(2026, 1, 31);

	(void)state;
	assert_int_equal(timekey_id(&c, KEY_MONTH, jan31),
	    (uint32_t)date_from_ymd(2026, 1, 1));
	assert_int_equal(timekey_id(&c, KEY_MONTH, jan31),
	    (uint32_t)date_from_ymd(2026, 1, 1));
	assert_int_equal(timekey_id(&c, KEY_MONTH, jan31 + 1),
	    (uint32_t)date_from_ymd(2026, 2, 1));
	/* a day and a week between months leave the cache alone */
	assert_int_equal(timekey_id(&c, KEY_DAY, jan31), (uint32_t)jan31);
	assert_int_equal(timekey_id(&c, KEY_MONTH, jan31 + 1),
	    (uint32_t)date_from_ymd(2026, 2, 1));
	/* day 0 (1970-01-01) in a zeroed cache is looked up, not assumed */
	c = (struct timekey_cache)TIMEKEY_CACHE_INIT;
	assert_int_equal(timekey_id(&c, KEY_MONTH, 0), 0);
	c = (struct timekey_cache)TIMEKEY_CACHE_INIT;
	assert_int_equal(timekey_id(&c, KEY_MONTH, -1),
	    (uint32_t)date_from_ymd(1969, 12, 1));
}

/* Every day of 1900..2200: the same ids and texts as the old code. */
static void
test_same_as_before(void **state)
{
	static const enum key_kind kinds[] = { KEY_DAY, KEY_WEEK, KEY_MONTH };
	int32_t from = date_from_ymd(1900, 1, 1), to = date_from_ymd(2200, 12,
	    31), days;
	size_t k;

	(void)state;
	for (k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		struct timekey_cache c = TIMEKEY_CACHE_INIT;
		struct old_cache o = { 0, 0, 0 };

		for (days = from; days <= to; days++) {
			uint32_t id = timekey_id(&c, kinds[k], days);
			uint32_t old = old_time_key_id(&o, kinds[k], days);
			char a[DATE_BUFSZ], b[DATE_BUFSZ];
			size_t la, lb;

			assert_int_equal(id, old);
			la = timekey_text(kinds[k], id, a);
			lb = old_time_key_text(kinds[k], old, b);
			assert_int_equal(la, lb);
			assert_string_equal(a, b);
		}
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_year_boundaries),
		cmocka_unit_test(test_month_cache),
		cmocka_unit_test(test_same_as_before),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
