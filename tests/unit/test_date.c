/*
 * test_date.c: civil dates and timestamps (date.h): the day count, valid
 * dates and leap years, the strict parsers for dates, timestamps and
 * booleans, and the day / ISO week / month labels.
 */
#include "unit.h"

#include "date.h"

static int32_t
ymd(int y, int m, int d)
{
	return date_from_ymd(y, m, d);
}

static int32_t
parse_ok(const char *s)
{
	int32_t days = -12345;

	if (date_parse(s, strlen(s), &days) != 0)
		fail_msg("date_parse(\"%s\") failed", s);
	return days;
}

static void
assert_date_rejects(const char *s)
{
	int32_t days = -12345;

	if (date_parse(s, strlen(s), &days) != -1)
		fail_msg("date_parse(\"%s\") accepted it", s);
}

static void
assert_ts(const char *s, int64_t secs, int32_t nsec)
{
	int64_t got_s = -1;
	int32_t got_ns = -1;

	if (ts_parse(s, strlen(s), &got_s, &got_ns) != 0)
		fail_msg("ts_parse(\"%s\") failed", s);
	if (got_s != secs || got_ns != nsec)
		fail_msg("ts_parse(\"%s\") = %lld.%09d, expected %lld.%09d", s,
		    (long long)got_s, (int)got_ns, (long long)secs, (int)nsec);
}

static void
assert_ts_rejects(const char *s)
{
	int64_t secs = -1;
	int32_t nsec = -1;

	if (ts_parse(s, strlen(s), &secs, &nsec) != -1)
		fail_msg("ts_parse(\"%s\") accepted it", s);
}

static void
assert_week(int y, int m, int d, const char *want)
{
	char buf[DATE_BUFSZ];
	size_t n = date_format_week(ymd(y, m, d), buf);

	if (strcmp(buf, want) != 0)
		fail_msg("week of %04d-%02d-%02d is %s, expected %s", y, m, d,
		    buf, want);
	assert_int_equal(n, strlen(want));
}

static void
test_day_numbers(void **state)
{
	int y, m, d;

	(void)state;
	assert_int_equal(ymd(1970, 1, 1), 0);
	assert_int_equal(ymd(1969, 12, 31), -1);
	assert_int_equal(ymd(2000, 3, 1), 11017);
	assert_int_equal(ymd(2026, 10, 1), 20727);
	assert_int_equal(ymd(2024, 2, 29), 19782);
	assert_int_equal(ymd(1, 1, 1), -719162);
	assert_int_equal(ymd(9999, 12, 31), 2932896);
	date_to_ymd(20727, &y, &m, &d);
	assert_int_equal(y, 2026);
	assert_int_equal(m, 10);
	assert_int_equal(d, 1);
	date_to_ymd(-1, &y, &m, &d);
	assert_int_equal(y, 1969);
	assert_int_equal(m, 12);
	assert_int_equal(d, 31);
}

/* Walk 1899-12-25 .. 2100-12-31 one day at a time with our own calendar. */
static void
test_day_numbers_walk(void **state)
{
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31,
	    30, 31 };
	int y = 1899, m = 12, d = 25;
	int32_t days = ymd(1899, 12, 25);
	char want[32], got[DATE_BUFSZ];

	(void)state;
	while (y < 2101) {
		int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
		int len = mdays[m - 1] + (m == 2 && leap);
		int yy, mm, dd;

		if (ymd(y, m, d) != days)
			fail_msg("date_from_ymd(%d, %d, %d) = %d, expected %d",
			    y, m, d, (int)ymd(y, m, d), (int)days);
		date_to_ymd(days, &yy, &mm, &dd);
		if (yy != y || mm != m || dd != d)
			fail_msg("date_to_ymd(%d) = %d-%d-%d", (int)days, yy,
			    mm, dd);
		if (!date_valid(y, m, d))
			fail_msg("%d-%d-%d not valid", y, m, d);
		snprintf(want, sizeof(want), "%04d-%02d-%02d", y, m, d);
		assert_int_equal(date_format_day(days, got), 10);
		assert_string_equal(got, want);
		if (parse_ok(want) != days)
			fail_msg("date_parse(%s) wrong", want);
		if (d == len)
			assert_false(date_valid(y, m, d + 1));
		days++;
		if (++d > len) {
			d = 1;
			if (++m > 12) {
				m = 1;
				y++;
			}
		}
	}
}

static void
test_valid_and_leap_years(void **state)
{
	(void)state;
	assert_true(date_valid(2024, 2, 29));
	assert_false(date_valid(2023, 2, 29));
	assert_false(date_valid(1900, 2, 29));
	assert_true(date_valid(2000, 2, 29));
	assert_false(date_valid(2100, 2, 29));
	assert_true(date_valid(2400, 2, 29));
	assert_false(date_valid(2026, 2, 30));
	assert_false(date_valid(2026, 4, 31));
	assert_true(date_valid(2026, 12, 31));
	assert_false(date_valid(2026, 13, 1));
	assert_false(date_valid(2026, 0, 10));
	assert_false(date_valid(2026, 1, 0));
	assert_false(date_valid(2026, 1, -1));
	assert_false(date_valid(0, 1, 1));
	assert_true(date_valid(1, 1, 1));
	assert_true(date_valid(9999, 12, 31));
	assert_false(date_valid(10000, 1, 1));
}

static void
test_date_parse(void **state)
{
	int32_t days = 0;

	(void)state;
	assert_int_equal(parse_ok("2026-10-01"), 20727);
	assert_int_equal(parse_ok("2026-10-01 12:34:56"), 20727);
	assert_int_equal(parse_ok("2026-10-01T12:34:56"), 20727);
	assert_int_equal(parse_ok("2026-10-01T12:34:56Z"), 20727);
	assert_int_equal(parse_ok("2026-10-01 12:34:56.789"), 20727);
	assert_int_equal(parse_ok("2026-10-01T23:59:59.123456789Z"), 20727);
	assert_int_equal(parse_ok("2026-10-01T23:59:59.123456789123Z"), 20727);
	assert_int_equal(parse_ok("2026-10-01 00:00:00+00:00"), 20727);
	assert_int_equal(parse_ok("2026-10-01 12:34"), 20727);
	assert_int_equal(parse_ok("2024-02-29"), 19782);
	assert_int_equal(parse_ok("2024-02-29 08:00:00"), 19782);
	/* only len bytes count */
	assert_int_equal(date_parse("2026-10-01,junk", 10, &days), 0);
	assert_int_equal(days, 20727);
}

static void
test_date_parse_rejects(void **state)
{
	static const char *const bad[] = {
		"", "2026", "2026-10", "2026-10-0", "garbage", "yyyy-mm-dd",
		"2026-02-30", "2026-02-29", "2023-02-29", "1900-02-29",
		"2026-13-01", "2026-00-10", "2026-01-00", "2026-04-31",
		"0000-01-01", "2026-1-01", "2026-01-1x", "2026/01/01",
		"20260101", " 2026-01-01", "2026-01-01 ", "2026-01-01x",
		"2026-01-01T", "2026-01-01 25:00:00", "2026-01-01 24:00:00",
		"2026-01-01 12:60:00", "2026-01-01 12:00:61",
		"2026-01-01 12:00:00.", "2026-01-01 12:00:00+01:00",
		"2026-01-01 12:00:00 UTC", "2026-01-01X12:00:00",
		"2026-01-01 1:00:00", "+026-01-01", "2026-0a-01",
		"-2026-01-01",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_date_rejects(bad[i]);
}

static void
test_ts_parse(void **state)
{
	int64_t day = (int64_t)20727 * 86400;	/* 2026-10-01 */

	(void)state;
	assert_ts("1970-01-01 00:00:00", 0, 0);
	assert_ts("1970-01-01", 0, 0);
	assert_ts("1969-12-31 23:59:59", -1, 0);
	assert_ts("2026-10-01", day, 0);
	assert_ts("2026-10-01 12:34:56", day + 45296, 0);
	assert_ts("2026-10-01T12:34:56", day + 45296, 0);
	assert_ts("2026-10-01T12:34:56Z", day + 45296, 0);
	assert_ts("2026-10-01t12:34:56z", day + 45296, 0);
	assert_ts("2026-10-01 12:34:56.789", day + 45296, 789000000);
	assert_ts("2026-10-01 12:34:56.5", day + 45296, 500000000);
	assert_ts("2026-10-01T12:34:56.000001Z", day + 45296, 1000);
	assert_ts("2026-10-01T12:34:56.123456789Z", day + 45296, 123456789);
	/* digits past the nanosecond are dropped */
	assert_ts("2026-10-01T12:34:56.1234567899Z", day + 45296, 123456789);
	assert_ts("2026-10-01T12:34:56,25", day + 45296, 250000000);
	assert_ts("2026-10-01T12:34:56+00:00", day + 45296, 0);
	assert_ts("2026-10-01T12:34:56-00:00", day + 45296, 0);
	assert_ts("2026-10-01T12:34:56.5+00:00", day + 45296, 500000000);
	assert_ts("2026-10-01 12:34", day + 45240, 0);
	assert_ts("2026-10-01 23:59:59", day + 86399, 0);
}

static void
test_ts_parse_rejects(void **state)
{
	static const char *const bad[] = {
		"", "now", "2026-10-01 ", "2026-10-01T", "2026-10-01 12",
		"2026-10-01 12:3", "2026-10-01 12:34:5", "2026-10-01 24:00:00",
		"2026-10-01 12:34:56.", "2026-10-01 12:34:56.Z",
		"2026-10-01 12:34:56+01:00", "2026-10-01 12:34:56+0000",
		"2026-10-01 12:34:56ZZ", "2026-10-01 12:34:56 Z",
		"2026-02-30 00:00:00", "2026-10-01_12:34:56",
		"2026-10-01 12-34-56", "1234567890",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_ts_rejects(bad[i]);
}

static void
assert_bool(const char *s, int want)
{
	int v = -7;

	if (want < 0) {
		if (bool_parse(s, strlen(s), &v) != -1)
			fail_msg("bool_parse(\"%s\") accepted it", s);
		assert_int_equal(v, -7);
		return;
	}
	if (bool_parse(s, strlen(s), &v) != 0)
		fail_msg("bool_parse(\"%s\") failed", s);
	if (v != want)
		fail_msg("bool_parse(\"%s\") = %d", s, v);
}

static void
test_bool_parse(void **state)
{
	static const char *const yes[] = { "true", "TRUE", "True", "tRuE", "t",
	    "T", "yes", "YES", "Yes", "y", "Y", "1" };
	static const char *const no[] = { "false", "FALSE", "False", "f", "F",
	    "no", "NO", "No", "n", "N", "0" };
	static const char *const bad[] = { "", " ", "2", "-1", "01", "10",
	    "tru", "truee", "yess", "ye", "fals", " true", "true ", "ok", "on",
	    "off", "\\N", "null", "nil" };
	size_t i;
	int v = -1;

	(void)state;
	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		assert_bool(yes[i], 1);
	for (i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		assert_bool(no[i], 0);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_bool(bad[i], -1);
	/* counted strings: only len bytes */
	assert_int_equal(bool_parse("yes!", 3, &v), 0);
	assert_int_equal(v, 1);
	assert_int_equal(bool_parse("no", 1, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(bool_parse("true", 3, &v), -1);
}

static void
test_iso_week_edges(void **state)
{
	(void)state;
	assert_week(2026, 1, 1, "2026-W01");	/* a Thursday */
	assert_week(2025, 12, 29, "2026-W01");	/* its Monday */
	assert_week(2025, 12, 28, "2025-W52");
	assert_week(2020, 12, 31, "2020-W53");
	assert_week(2021, 1, 1, "2020-W53");
	assert_week(2021, 1, 3, "2020-W53");
	assert_week(2021, 1, 4, "2021-W01");
	assert_week(2024, 12, 30, "2025-W01");
	assert_week(2018, 12, 31, "2019-W01");
	assert_week(2026, 12, 31, "2026-W53");
	assert_week(2027, 1, 1, "2026-W53");
	assert_week(2027, 1, 3, "2026-W53");
	assert_week(2027, 1, 4, "2027-W01");
	assert_week(2015, 12, 31, "2015-W53");
	assert_week(2016, 1, 3, "2015-W53");
	assert_week(2026, 10, 1, "2026-W40");
	assert_week(2026, 11, 25, "2026-W48");
	assert_week(1969, 12, 31, "1970-W01");
	assert_week(1970, 1, 1, "1970-W01");
}

/* Day of the week of a date, 1 = Monday (Sakamoto's method). */
static int
weekday_ref(int y, int m, int d)
{
	static const int t[] = { 0, 3, 2, 5, 0, 3, 5, 1, 4, 6, 2, 4 };
	int w;

	if (m < 3)
		y--;
	w = (y + y / 4 - y / 100 + y / 400 + t[m - 1] + d) % 7; /* 0 = Sun */
	return w == 0 ? 7 : w;
}

static int
weeks_in_year(int y)
{
	int p = (y + y / 4 - y / 100 + y / 400) % 7;
	int q = ((y - 1) + (y - 1) / 4 - (y - 1) / 100 + (y - 1) / 400) % 7;

	return p == 4 || q == 3 ? 53 : 52;
}

/* Every day of 1990-2040 against the ordinal-date formula for ISO weeks. */
static void
test_iso_week_sweep(void **state)
{
	int32_t days, end = ymd(2041, 1, 1);

	(void)state;
	for (days = ymd(1990, 1, 1); days < end; days++) {
		int y, m, d, wy, week, wd, doy;
		char want[DATE_BUFSZ], got[DATE_BUFSZ];

		date_to_ymd(days, &y, &m, &d);
		wd = weekday_ref(y, m, d);
		doy = days - ymd(y, 1, 1) + 1;
		wy = y;
		week = (doy - wd + 10) / 7;
		if (week < 1) {
			wy = y - 1;
			week = weeks_in_year(wy);
		} else if (week > weeks_in_year(y)) {
			wy = y + 1;
			week = 1;
		}
		snprintf(want, sizeof(want), "%04d-W%02d", wy, week);
		date_format_week(days, got);
		if (strcmp(got, want) != 0)
			fail_msg("week of %04d-%02d-%02d is %s, expected %s", y,
			    m, d, got, want);
		if (date_weekday(days) != wd)
			fail_msg("weekday of %04d-%02d-%02d is %d, expected %d",
			    y, m, d, date_weekday(days), wd);
		if (date_week_start(days) != days - (wd - 1))
			fail_msg("week start of %04d-%02d-%02d wrong", y, m, d);
	}
}

static void
test_weekday_and_week_start(void **state)
{
	(void)state;
	assert_int_equal(date_weekday(0), 4);		/* Thursday */
	assert_int_equal(date_weekday(-1), 3);
	assert_int_equal(date_weekday(-4), 7);
	assert_int_equal(date_weekday(ymd(2026, 11, 25)), 3);
	assert_int_equal(date_week_start(ymd(2026, 11, 25)), ymd(2026, 11, 23));
	assert_int_equal(date_week_start(ymd(2026, 11, 23)), ymd(2026, 11, 23));
	assert_int_equal(date_week_start(ymd(2026, 11, 29)), ymd(2026, 11, 23));
	assert_int_equal(date_week_start(0), ymd(1969, 12, 29));
}

/*
 * The week and month keys of `report --by week|month` (and report --db) on
 * the days around the dates make check-dates runs at, by hand.  A key's id
 * is the first day of its period (report.c time_key_id(), db.c
 * dbr_time_id()) and its text that day's label: both must give the day's
 * own label.
 */
static void
test_keys_at_turning_dates(void **state)
{
	static const struct {
		int y, m, d;
		const char *week, *month;
		int wy, wm, wd;		/* the Monday of its ISO week */
	} k[] = {
		{ 2026, 11, 29, "2026-W48", "2026-11", 2026, 11, 23 },
		{ 2026, 11, 30, "2026-W49", "2026-11", 2026, 11, 30 },
		{ 2026, 12, 1, "2026-W49", "2026-12", 2026, 11, 30 },
		{ 2026, 12, 6, "2026-W49", "2026-12", 2026, 11, 30 },
		{ 2026, 12, 7, "2026-W50", "2026-12", 2026, 12, 7 },
		{ 2026, 12, 27, "2026-W52", "2026-12", 2026, 12, 21 },
		{ 2026, 12, 28, "2026-W53", "2026-12", 2026, 12, 28 },
		{ 2026, 12, 31, "2026-W53", "2026-12", 2026, 12, 28 },
		{ 2027, 1, 1, "2026-W53", "2027-01", 2026, 12, 28 },
		{ 2027, 1, 3, "2026-W53", "2027-01", 2026, 12, 28 },
		{ 2027, 1, 4, "2027-W01", "2027-01", 2027, 1, 4 },
		{ 2027, 1, 31, "2027-W04", "2027-01", 2027, 1, 25 },
		{ 2027, 2, 1, "2027-W05", "2027-02", 2027, 2, 1 },
		{ 2028, 1, 1, "2027-W52", "2028-01", 2027, 12, 27 },
		{ 2028, 1, 3, "2028-W01", "2028-01", 2028, 1, 3 },
		{ 2028, 2, 28, "2028-W09", "2028-02", 2028, 2, 28 },
		{ 2028, 2, 29, "2028-W09", "2028-02", 2028, 2, 28 },
		{ 2028, 3, 1, "2028-W09", "2028-03", 2028, 2, 28 },
		{ 2028, 3, 5, "2028-W09", "2028-03", 2028, 2, 28 },
		{ 2028, 3, 6, "2028-W10", "2028-03", 2028, 3, 6 },
	};
	char buf[DATE_BUFSZ];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(k) / sizeof(k[0]); i++) {
		int32_t days = ymd(k[i].y, k[i].m, k[i].d);
		int32_t monday = date_week_start(days);

		assert_week(k[i].y, k[i].m, k[i].d, k[i].week);
		if (monday != ymd(k[i].wy, k[i].wm, k[i].wd))
			fail_msg("week of %04d-%02d-%02d starts on day %d",
			    k[i].y, k[i].m, k[i].d, (int)monday);
		date_format_week(monday, buf);
		assert_string_equal(buf, k[i].week);
		date_format_month(days, buf);
		assert_string_equal(buf, k[i].month);
		date_format_month(ymd(k[i].y, k[i].m, 1), buf);
		assert_string_equal(buf, k[i].month);
	}
}

static void
test_month_and_day_format(void **state)
{
	char buf[DATE_BUFSZ];

	(void)state;
	assert_int_equal(date_format_month(ymd(2026, 10, 15), buf), 7);
	assert_string_equal(buf, "2026-10");
	date_format_month(ymd(1999, 1, 1), buf);
	assert_string_equal(buf, "1999-01");
	date_format_month(ymd(2024, 2, 29), buf);
	assert_string_equal(buf, "2024-02");
	date_format_month(ymd(2026, 12, 31), buf);
	assert_string_equal(buf, "2026-12");
	assert_int_equal(date_format_day(ymd(1, 1, 1), buf), 10);
	assert_string_equal(buf, "0001-01-01");
	date_format_day(ymd(9999, 12, 31), buf);
	assert_string_equal(buf, "9999-12-31");
	assert_int_equal(date_format_week(ymd(9999, 12, 31), buf), 8);
	assert_string_equal(buf, "9999-W52");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_day_numbers),
		cmocka_unit_test(test_day_numbers_walk),
		cmocka_unit_test(test_valid_and_leap_years),
		cmocka_unit_test(test_date_parse),
		cmocka_unit_test(test_date_parse_rejects),
		cmocka_unit_test(test_ts_parse),
		cmocka_unit_test(test_ts_parse_rejects),
		cmocka_unit_test(test_bool_parse),
		cmocka_unit_test(test_iso_week_edges),
		cmocka_unit_test(test_iso_week_sweep),
		cmocka_unit_test(test_weekday_and_week_start),
		cmocka_unit_test(test_keys_at_turning_dates),
		cmocka_unit_test(test_month_and_day_format),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
