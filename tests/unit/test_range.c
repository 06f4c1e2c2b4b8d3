/*
 * test_range.c: export ranges: parsing bounds (dates, RFC 3339 with
 * fractions and offsets), --last in days, ISO weeks and months, the
 * default range, durations, formatting, and splitting into windows of at
 * most 31 x 24 hours that share their boundary instants.
 */
#include "unit.h"

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
		cmocka_unit_test(test_duration),
		cmocka_unit_test(test_split),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
