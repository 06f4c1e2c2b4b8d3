/*
 * test_range.c: export ranges: parsing bounds (dates, RFC 3339 with
 * fractions and offsets), --last in days, ISO weeks and months, the
 * default range, durations, formatting, and splitting into windows of at
 * most 31 x 24 hours that share their boundary instants.
 */
#include "unit.h"

#include <time.h>

#include "range.h"

/* ms of a bound the test spells out; fails if it does not parse */
static int64_t
at(const char *s, int is_end)
{
	int64_t ms = 0;

	if (range_parse_bound(s, is_end, &ms) != 0)
		fail_msg("range_parse_bound(\"%s\") failed", s);
	return ms;
}

static const char *
fmt(int64_t ms, char *buf)
{
	range_format(ms, buf);
	return buf;
}

static void
test_bounds(void **state)
{
	char b[RANGE_BUFSZ];
	int64_t ms;

	(void)state;
	assert_string_equal(fmt(at("2026-10-01", 0), b), "2026-10-01T00:00:00Z");
	assert_string_equal(fmt(at("2026-10-31", 1), b), "2026-10-31T23:59:59Z");
	assert_string_equal(fmt(at("2026-10-01T12:34:56Z", 0), b),
	    "2026-10-01T12:34:56Z");
	assert_string_equal(fmt(at("2026-10-01 12:34:56Z", 0), b),
	    "2026-10-01T12:34:56Z");
	/* fractions kept to the millisecond */
	assert_string_equal(fmt(at("2026-10-01T00:00:00.5Z", 0), b),
	    "2026-10-01T00:00:00.500Z");
	assert_string_equal(fmt(at("2026-10-01T00:00:00.123456Z", 0), b),
	    "2026-10-01T00:00:00.123Z");
	/* offsets move the instant to UTC */
	assert_string_equal(fmt(at("2026-10-01T02:00:00+02:00", 0), b),
	    "2026-10-01T00:00:00Z");
	assert_string_equal(fmt(at("2026-09-30T22:30:00-01:30", 0), b),
	    "2026-10-01T00:00:00Z");
	/* what is not a bound */
	assert_int_equal(range_parse_bound("2026-02-30", 0, &ms), -1);
	assert_int_equal(range_parse_bound("2026-10-01T12:00:00", 0, &ms), -1);
	assert_int_equal(range_parse_bound("2026-10-01T25:00:00Z", 0, &ms), -1);
	assert_int_equal(range_parse_bound("2026-10-01T12:00:00.Z", 0, &ms), -1);
	assert_int_equal(range_parse_bound("2026-10-01Z", 0, &ms), -1);
	assert_int_equal(range_parse_bound("yesterday", 0, &ms), -1);
	assert_int_equal(range_parse_bound("", 0, &ms), -1);
	assert_int_equal(range_parse_bound("2026-10-01T12:00:00Zjunk", 0, &ms),
	    -1);
}

static void
test_last_and_default(void **state)
{
	/* Wednesday 2026-11-25 10:00 UTC */
	int64_t now = at("2026-11-25T10:00:00Z", 0), s, e;
	char b1[RANGE_BUFSZ], b2[RANGE_BUFSZ];

	(void)state;
	range_default(now, &s, &e);
	assert_string_equal(fmt(s, b1), "2026-11-18T00:00:00Z");
	assert_string_equal(fmt(e, b2), "2026-11-24T23:59:59Z");
	assert_int_equal(range_parse_last("7d", now, &s, &e), 0);
	assert_string_equal(fmt(s, b1), "2026-11-18T00:00:00Z");
	assert_string_equal(fmt(e, b2), "2026-11-24T23:59:59Z");
	assert_int_equal(range_parse_last("1d", now, &s, &e), 0);
	assert_string_equal(fmt(s, b1), "2026-11-24T00:00:00Z");
	/* complete ISO weeks: the last one ended on Sunday 2026-11-22 */
	assert_int_equal(range_parse_last("1w", now, &s, &e), 0);
	assert_string_equal(fmt(s, b1), "2026-11-16T00:00:00Z");
	assert_string_equal(fmt(e, b2), "2026-11-22T23:59:59Z");
	assert_int_equal(range_parse_last("4w", now, &s, &e), 0);
	assert_string_equal(fmt(s, b1), "2026-10-26T00:00:00Z");
	/* on a Monday the last complete week ended yesterday */
	now = at("2026-11-23T00:00:01Z", 0);
	assert_int_equal(range_parse_last("1w", now, &s, &e), 0);
	assert_string_equal(fmt(s, b1), "2026-11-16T00:00:00Z");
	assert_string_equal(fmt(e, b2), "2026-11-22T23:59:59Z");
	/* calendar months, across a year */
	now = at("2026-02-10T08:00:00Z", 0);
	assert_int_equal(range_parse_last("3mo", now, &s, &e), 0);
	assert_string_equal(fmt(s, b1), "2025-11-01T00:00:00Z");
	assert_string_equal(fmt(e, b2), "2026-01-31T23:59:59Z");
	assert_int_equal(range_parse_last("1mo", now, &s, &e), 0);
	assert_string_equal(fmt(s, b1), "2026-01-01T00:00:00Z");
	/* not a --last */
	assert_int_equal(range_parse_last("0d", now, &s, &e), -1);
	assert_int_equal(range_parse_last("7", now, &s, &e), -1);
	assert_int_equal(range_parse_last("d", now, &s, &e), -1);
	assert_int_equal(range_parse_last("7y", now, &s, &e), -1);
	assert_int_equal(range_parse_last("-7d", now, &s, &e), -1);
}

/*
 * --last and the default range where the calendar turns, written out by
 * hand: month ends, 29 Feb 2028, 1 Jan 2027 (ISO week 2026-W53, the year
 * 2026 having 53 weeks) and 4 Jan 2027 (2027-W01), a Monday just after
 * midnight and a Sunday just before it.  These functions do not clamp an
 * end to now less a minute: export does (tests/e2e/dates.sh).
 */
static const struct {
	const char *now, *last, *start, *end;
} turning[] = {
	/* a month end, late on a Monday */
	{ "2026-11-30T23:59:30Z", NULL,
	    "2026-11-23T00:00:00Z", "2026-11-29T23:59:59Z" },
	{ "2026-11-30T23:59:30Z", "7d",
	    "2026-11-23T00:00:00Z", "2026-11-29T23:59:59Z" },
	{ "2026-11-30T23:59:30Z", "1d",
	    "2026-11-29T00:00:00Z", "2026-11-29T23:59:59Z" },
	{ "2026-11-30T23:59:30Z", "1w",
	    "2026-11-23T00:00:00Z", "2026-11-29T23:59:59Z" },
	{ "2026-11-30T23:59:30Z", "4w",
	    "2026-11-02T00:00:00Z", "2026-11-29T23:59:59Z" },
	{ "2026-11-30T23:59:30Z", "1mo",
	    "2026-10-01T00:00:00Z", "2026-10-31T23:59:59Z" },
	{ "2026-11-30T23:59:30Z", "3mo",
	    "2026-08-01T00:00:00Z", "2026-10-31T23:59:59Z" },
	/* a month end on a Sunday, the last millisecond */
	{ "2027-01-31T23:59:59.999Z", NULL,
	    "2027-01-24T00:00:00Z", "2027-01-30T23:59:59Z" },
	{ "2027-01-31T23:59:59.999Z", "1w",
	    "2027-01-18T00:00:00Z", "2027-01-24T23:59:59Z" },
	{ "2027-01-31T23:59:59.999Z", "4w",
	    "2026-12-28T00:00:00Z", "2027-01-24T23:59:59Z" },
	{ "2027-01-31T23:59:59.999Z", "1mo",
	    "2026-12-01T00:00:00Z", "2026-12-31T23:59:59Z" },
	{ "2027-01-31T23:59:59.999Z", "3mo",
	    "2026-10-01T00:00:00Z", "2026-12-31T23:59:59Z" },
	/* 29 Feb 2028, a Tuesday of 2028-W09 */
	{ "2028-02-29T12:00:00Z", NULL,
	    "2028-02-22T00:00:00Z", "2028-02-28T23:59:59Z" },
	{ "2028-02-29T12:00:00Z", "7d",
	    "2028-02-22T00:00:00Z", "2028-02-28T23:59:59Z" },
	{ "2028-02-29T12:00:00Z", "1w",
	    "2028-02-21T00:00:00Z", "2028-02-27T23:59:59Z" },
	{ "2028-02-29T12:00:00Z", "4w",
	    "2028-01-31T00:00:00Z", "2028-02-27T23:59:59Z" },
	{ "2028-02-29T12:00:00Z", "1mo",
	    "2028-01-01T00:00:00Z", "2028-01-31T23:59:59Z" },
	{ "2028-02-29T12:00:00Z", "3mo",
	    "2027-11-01T00:00:00Z", "2028-01-31T23:59:59Z" },
	/* the day after: February had 29 days */
	{ "2028-03-01T00:00:00Z", "1d",
	    "2028-02-29T00:00:00Z", "2028-02-29T23:59:59Z" },
	{ "2028-03-01T00:00:00Z", "1mo",
	    "2028-02-01T00:00:00Z", "2028-02-29T23:59:59Z" },
	{ "2028-03-01T00:00:00Z", "7d",
	    "2028-02-23T00:00:00Z", "2028-02-29T23:59:59Z" },
	/* 1 Jan 2027 at midnight, a Friday of 2026-W53 */
	{ "2027-01-01T00:00:00Z", NULL,
	    "2026-12-25T00:00:00Z", "2026-12-31T23:59:59Z" },
	{ "2027-01-01T00:00:00Z", "1w",
	    "2026-12-21T00:00:00Z", "2026-12-27T23:59:59Z" },
	{ "2027-01-01T00:00:00Z", "4w",
	    "2026-11-30T00:00:00Z", "2026-12-27T23:59:59Z" },
	{ "2027-01-01T00:00:00Z", "1mo",
	    "2026-12-01T00:00:00Z", "2026-12-31T23:59:59Z" },
	{ "2027-01-01T00:00:00Z", "3mo",
	    "2026-10-01T00:00:00Z", "2026-12-31T23:59:59Z" },
	{ "2027-01-01T00:00:00Z", "12mo",
	    "2026-01-01T00:00:00Z", "2026-12-31T23:59:59Z" },
	/* 4 Jan 2027, the Monday of 2027-W01: 2026-W53 just ended */
	{ "2027-01-04T12:00:00Z", "1w",
	    "2026-12-28T00:00:00Z", "2027-01-03T23:59:59Z" },
	{ "2027-01-04T12:00:00Z", "2w",
	    "2026-12-21T00:00:00Z", "2027-01-03T23:59:59Z" },
	{ "2027-01-04T12:00:00Z", "3mo",
	    "2026-10-01T00:00:00Z", "2026-12-31T23:59:59Z" },
	/* a Monday at 00:00:30 UTC, and the Sunday before at 23:59:59 */
	{ "2026-12-07T00:00:30Z", NULL,
	    "2026-11-30T00:00:00Z", "2026-12-06T23:59:59Z" },
	{ "2026-12-07T00:00:30Z", "7d",
	    "2026-11-30T00:00:00Z", "2026-12-06T23:59:59Z" },
	{ "2026-12-07T00:00:30Z", "1w",
	    "2026-11-30T00:00:00Z", "2026-12-06T23:59:59Z" },
	{ "2026-12-07T00:00:30Z", "4w",
	    "2026-11-09T00:00:00Z", "2026-12-06T23:59:59Z" },
	{ "2026-12-07T00:00:30Z", "3mo",
	    "2026-09-01T00:00:00Z", "2026-11-30T23:59:59Z" },
	{ "2026-12-06T23:59:59Z", "1w",
	    "2026-11-23T00:00:00Z", "2026-11-29T23:59:59Z" },
	{ "2026-12-06T23:59:59Z", "7d",
	    "2026-11-29T00:00:00Z", "2026-12-05T23:59:59Z" },
};

static void
test_last_at_turning_dates(void **state)
{
	char b1[RANGE_BUFSZ], b2[RANGE_BUFSZ];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(turning) / sizeof(turning[0]); i++) {
		int64_t now = at(turning[i].now, 0), s = -1, e = -1;

		if (turning[i].last == NULL)
			range_default(now, &s, &e);
		else if (range_parse_last(turning[i].last, now, &s, &e) != 0)
			fail_msg("--last %s at %s refused", turning[i].last,
			    turning[i].now);
		fmt(s, b1);
		fmt(e, b2);
		if (strcmp(b1, turning[i].start) != 0 ||
		    strcmp(b2, turning[i].end) != 0)
			fail_msg("%s at %s: %s to %s, expected %s to %s",
			    turning[i].last ? turning[i].last : "default",
			    turning[i].now, b1, b2, turning[i].start,
			    turning[i].end);
	}
}

/*
 * CIRCLECI_USAGE_NOW pins range_now_ms(): a date alone is its midnight;
 * unset or empty, the clock; malformed, range_now_check() says so (main()
 * then exits 2) and the clock is used.
 */
static void
test_now_from_environment(void **state)
{
	struct unit_capture cap;
	char *err;
	int64_t clock_ms;
	size_t i;
	static const char *const bad[] = {
		"yesterday", "2026-02-30", "2026-12-04T12:00:00",
		"2026-12-04T24:00:00Z", "2026-12-04T12:00:00Z ", "1796400000",
	};

	(void)state;
	for (i = 0; i < sizeof(turning) / sizeof(turning[0]); i++) {
		setenv(RANGE_NOW_ENV, turning[i].now, 1);
		assert_int_equal(range_now_check(), 0);
		assert_true(range_now_ms() == at(turning[i].now, 0));
	}
	setenv(RANGE_NOW_ENV, "2028-02-29", 1);
	assert_int_equal(range_now_check(), 0);
	assert_true(range_now_ms() == at("2028-02-29T00:00:00Z", 0));
	setenv(RANGE_NOW_ENV, "2027-01-01T01:00:00+01:00", 1);
	assert_true(range_now_ms() == at("2027-01-01T00:00:00Z", 0));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		setenv(RANGE_NOW_ENV, bad[i], 1);
		unit_capture_begin(&cap);
		assert_int_equal(range_now_check(), -1);
		err = unit_capture_end(&cap);
		assert_contains(err, "circleci-usage: CIRCLECI_USAGE_NOW '");
		assert_contains(err, bad[i]);
		free(err);
	}
	/* unset or empty: the clock (the only look at it in the tests) */
	clock_ms = (int64_t)time(NULL) * 1000;
	unsetenv(RANGE_NOW_ENV);
	assert_int_equal(range_now_check(), 0);
	assert_true(llabs(range_now_ms() - clock_ms) < 5000);
	setenv(RANGE_NOW_ENV, "", 1);
	assert_int_equal(range_now_check(), 0);
	assert_true(llabs(range_now_ms() - clock_ms) < 5000);
	unsetenv(RANGE_NOW_ENV);
}

static void
test_duration(void **state)
{
	double d;

	(void)state;
	assert_int_equal(range_parse_duration("90s", &d), 0);
	assert_true(d == 90);
	assert_int_equal(range_parse_duration("30m", &d), 0);
	assert_true(d == 1800);
	assert_int_equal(range_parse_duration("4h", &d), 0);
	assert_true(d == 14400);
	assert_int_equal(range_parse_duration("1.5", &d), 0);
	assert_true(d == 1.5);
	assert_int_equal(range_parse_duration("0", &d), -1);
	assert_int_equal(range_parse_duration("-5s", &d), -1);
	assert_int_equal(range_parse_duration("5x", &d), -1);
	assert_int_equal(range_parse_duration("", &d), -1);
	assert_int_equal(range_parse_duration("h", &d), -1);
}

static void
test_split(void **state)
{
	int64_t *b, s = at("2026-09-01", 0), e = at("2026-11-09", 1);
	char buf[RANGE_BUFSZ];
	size_t n, i;

	(void)state;
	n = range_split(s, e, &b);
	assert_int_equal(n, 3);
	assert_string_equal(fmt(b[0], buf), "2026-09-01T00:00:00Z");
	assert_string_equal(fmt(b[1], buf), "2026-10-02T00:00:00Z");
	assert_string_equal(fmt(b[2], buf), "2026-11-02T00:00:00Z");
	assert_string_equal(fmt(b[3], buf), "2026-11-09T23:59:59Z");
	for (i = 0; i < n; i++) {
		assert_true(b[i + 1] - b[i] <= WINDOW_MAX_MS);
		assert_true(b[i + 1] > b[i]);
	}
	free(b);
	/* exactly 31 days is one window; a millisecond more is two */
	n = range_split(s, s + WINDOW_MAX_MS, &b);
	assert_int_equal(n, 1);
	free(b);
	n = range_split(s, s + WINDOW_MAX_MS + 1, &b);
	assert_int_equal(n, 2);
	assert_true(b[2] - b[1] == 1);
	free(b);
	/* a one-instant range */
	n = range_split(s, s, &b);
	assert_int_equal(n, 1);
	assert_true(b[0] == b[1]);
	free(b);
	range_format_compact(at("2026-10-01T12:34:56.789Z", 0), buf);
	assert_string_equal(buf, "20261001T123456Z");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bounds),
		cmocka_unit_test(test_last_and_default),
		cmocka_unit_test(test_last_at_turning_dates),
		cmocka_unit_test(test_now_from_environment),
		cmocka_unit_test(test_duration),
		cmocka_unit_test(test_split),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
