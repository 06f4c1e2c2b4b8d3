/*
 * date.c: civil-date arithmetic (after Howard Hinnant's days_from_civil),
 * ISO weeks, and the strict parsers for dates, timestamps and booleans.
 */
#include "date.h"

#include <stdio.h>
#include <string.h>

#include "util.h"

int32_t
date_from_ymd(int y, int m, int d)
{
	int era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return (int32_t)(era * 146097 + doe - 719468);
}

void
date_to_ymd(int32_t days, int *y, int *m, int *d)
{
	int z = days + 719468;
	int era = (z >= 0 ? z : z - 146096) / 146097;
	int doe = z - era * 146097;
	int yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int mp = (5 * doy + 2) / 153;

	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = yoe + era * 400 + (*m <= 2);
}

int
date_valid(int y, int m, int d)
{
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31,
	    30, 31 };
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	if (y < 1 || y > 9999 || m < 1 || m > 12 || d < 1)
		return 0;
	return d <= mdays[m - 1] + (m == 2 && leap);
}

static int
digits(const char *s, int n)
{
	int v = 0, i;

	for (i = 0; i < n; i++) {
		unsigned c = (unsigned)(s[i] - '0');

		if (c > 9)
			return -1;
		v = v * 10 + (int)c;
	}
	return v;
}

/* Parse the YYYY-MM-DD at s (10 bytes available). */
static int
ymd_parse(const char *s, int32_t *days)
{
	int y = digits(s, 4), m = digits(s + 5, 2), d = digits(s + 8, 2);

	if (y < 0 || m < 0 || d < 0 || s[4] != '-' || s[7] != '-' ||
	    !date_valid(y, m, d))
		return -1;
	*days = date_from_ymd(y, m, d);
	return 0;
}

/*
 * Parse the time part after a date: [T ]HH:MM[:SS[.f...]][Z|+00:00|-00:00].
 * Sets seconds of day and nanoseconds.
 */
static int
time_parse(const char *s, size_t len, int *sod, int32_t *nsec)
{
	int h, mi, sec = 0;
	size_t i;
	int32_t ns = 0;
	int nd = 0;

	if (len < 6 || (s[0] != 'T' && s[0] != 't' && s[0] != ' '))
		return -1;
	s++;
	len--;
	h = digits(s, 2);
	mi = digits(s + 3, 2);
	if (h < 0 || mi < 0 || s[2] != ':' || h > 23 || mi > 59)
		return -1;
	i = 5;
	if (i < len && s[i] == ':') {
		if (len < 8 || (sec = digits(s + 6, 2)) < 0 || sec > 60)
			return -1;
		i = 8;
		if (i < len && (s[i] == '.' || s[i] == ',')) {
			i++;
			if (i >= len || s[i] < '0' || s[i] > '9')
				return -1;
			for (; i < len && s[i] >= '0' && s[i] <= '9'; i++) {
				if (nd < 9) {
					ns = ns * 10 + (s[i] - '0');
					nd++;
				}
			}
			for (; nd < 9; nd++)
				ns *= 10;
		}
	}
	if (i < len && (s[i] == 'Z' || s[i] == 'z')) {
		i++;
	} else if (i + 6 == len && (s[i] == '+' || s[i] == '-') &&
	    memcmp(s + i + 1, "00:00", 5) == 0) {
		i += 6;
	} else if (i + 3 == len && (s[i] == '+' || s[i] == '-') &&
	    memcmp(s + i + 1, "00", 2) == 0) {
		i += 3;
	}
	if (i != len)
		return -1;
	*sod = h * 3600 + mi * 60 + (sec == 60 ? 59 : sec);
	*nsec = ns;
	return 0;
}

int
date_parse(const char *s, size_t len, int32_t *days)
{
	int sod;
	int32_t ns;

	if (len < 10 || ymd_parse(s, days) < 0)
		return -1;
	if (len == 10)
		return 0;
	return time_parse(s + 10, len - 10, &sod, &ns);
}

int
ts_parse(const char *s, size_t len, int64_t *secs, int32_t *nsec)
{
	int32_t days;
	int sod = 0;
	int32_t ns = 0;

	if (len < 10 || ymd_parse(s, &days) < 0)
		return -1;
	if (len > 10 && time_parse(s + 10, len - 10, &sod, &ns) < 0)
		return -1;
	*secs = (int64_t)days * 86400 + sod;
	*nsec = ns;
	return 0;
}

int
bool_parse(const char *s, size_t len, int *out)
{
	static const char *const yes[] = { "true", "t", "yes", "y", "1" };
	static const char *const no[] = { "false", "f", "no", "n", "0" };
	size_t i;

	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (str_ieq(s, len, yes[i])) {
			*out = 1;
			return 0;
		}
		if (str_ieq(s, len, no[i])) {
			*out = 0;
			return 0;
		}
	}
	return -1;
}

size_t
date_format_day(int32_t days, char *buf)
{
	int y, m, d;

	date_to_ymd(days, &y, &m, &d);
	return (size_t)snprintf(buf, DATE_BUFSZ, "%04d-%02d-%02d", y, m, d);
}

void
date_format_period(int have, int32_t first, int32_t last, const char *none,
    char *buf, size_t len)
{
	char a[DATE_BUFSZ], b[DATE_BUFSZ];

	if (!have) {
		snprintf(buf, len, "%s", none);
		return;
	}
	date_format_day(first, a);
	date_format_day(last, b);
	snprintf(buf, len, "%s to %s", a, b);
}

int
date_weekday(int32_t days)
{
	/* 1970-01-01 was a Thursday (4) */
	int w = (int)((days % 7 + 7) % 7);

	return (w + 3) % 7 + 1;
}

int32_t
date_week_start(int32_t days)
{
	return days - (date_weekday(days) - 1);
}

size_t
date_format_week(int32_t days, char *buf)
{
	/* The ISO year is the year of the Thursday of the same week. */
	int32_t thursday = date_week_start(days) + 3;
	int y, m, d, week;

	date_to_ymd(thursday, &y, &m, &d);
	week = (thursday - date_from_ymd(y, 1, 1)) / 7 + 1;
	return (size_t)snprintf(buf, DATE_BUFSZ, "%04d-W%02d", y, week);
}

size_t
date_format_month(int32_t days, char *buf)
{
	int y, m, d;

	date_to_ymd(days, &y, &m, &d);
	return (size_t)snprintf(buf, DATE_BUFSZ, "%04d-%02d", y, m);
}
