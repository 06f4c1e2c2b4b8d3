/*
 * range.c: parsing and splitting of export ranges.
 */
#include "range.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "date.h"
#include "util.h"

static int
digits(const char *s, int n, int *out)
{
	int i, v = 0;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

int
range_parse_bound(const char *s, int is_end, int64_t *ms)
{
	size_t len = strlen(s);
	int y, mo, d, h, mi, sec, frac = 0, fdig = 0, off = 0;
	int64_t days;

	if (len < 10 || s[4] != '-' || s[7] != '-' || digits(s, 4, &y) ||
	    digits(s + 5, 2, &mo) || digits(s + 8, 2, &d) ||
	    !date_valid(y, mo, d))
		return -1;
	days = date_from_ymd(y, mo, d);
	if (len == 10) {
		*ms = days * MS_PER_DAY + (is_end ? MS_PER_DAY - MS_PER_SEC : 0);
		return 0;
	}
	s += 10;
	if ((*s != 'T' && *s != 't' && *s != ' ') || strlen(s) < 9 ||
	    s[3] != ':' || s[6] != ':' || digits(s + 1, 2, &h) ||
	    digits(s + 4, 2, &mi) || digits(s + 7, 2, &sec) || h > 23 ||
	    mi > 59 || sec > 59)
		return -1;
	s += 9;
	if (*s == '.') {
		s++;
		while (*s >= '0' && *s <= '9') {
			if (fdig < 3)
				frac = frac * 10 + (*s - '0');
			fdig++;
			s++;
		}
		if (fdig == 0)
			return -1;
		while (fdig < 3) {
			frac *= 10;
			fdig++;
		}
	}
	if (*s == 'Z' || *s == 'z') {
		s++;
	} else if (*s == '+' || *s == '-') {
		int oh, om;

		if (strlen(s) != 6 || s[3] != ':' || digits(s + 1, 2, &oh) ||
		    digits(s + 4, 2, &om) || oh > 23 || om > 59)
			return -1;
		off = (oh * 60 + om) * (*s == '-' ? -1 : 1);
		s += 6;
	} else {
		return -1;	/* RFC 3339 wants the offset */
	}
	if (*s != '\0')
		return -1;
	*ms = days * MS_PER_DAY + ((int64_t)h * 3600 + mi * 60 + sec) *
	    MS_PER_SEC + frac - (int64_t)off * 60 * MS_PER_SEC;
	return 0;
}

static int64_t
floor_div(int64_t a, int64_t b)
{
	return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

void
range_default(int64_t now_ms, int64_t *start, int64_t *end)
{
	int64_t today = floor_div(now_ms, MS_PER_DAY);

	*start = (today - 7) * MS_PER_DAY;
	*end = today * MS_PER_DAY - MS_PER_SEC;
}

int
range_parse_last(const char *s, int64_t now_ms, int64_t *start,
    int64_t *end)
{
	int64_t today = floor_div(now_ms, MS_PER_DAY), first, last;
	unsigned long long n;
	char *unit;
	char num[24];
	size_t k = strspn(s, "0123456789");

	if (k == 0 || k >= sizeof(num))
		return -1;
	memcpy(num, s, k);
	num[k] = '\0';
	if (parse_uint(num, 400, &n) < 0 || n == 0)
		return -1;
	unit = (char *)s + k;
	if (strcmp(unit, "d") == 0) {
		first = today - (int64_t)n;
		last = today - 1;
	} else if (strcmp(unit, "w") == 0) {
		/* the last complete ISO week ends on the Sunday before the
		 * Monday of this week, or yesterday if today is a Monday */
		int64_t monday = date_week_start((int32_t)today);

		last = monday - 1;
		first = monday - 7 * (int64_t)n;
	} else if (strcmp(unit, "mo") == 0) {
		int y, m, d;
		long months;

		date_to_ymd((int32_t)today, &y, &m, &d);
		/* this month is incomplete: end on the last of the month
		 * before, start on the first of N months before that */
		last = date_from_ymd(y, m, 1) - 1;
		months = (long)y * 12 + (m - 1) - (long)n;
		first = date_from_ymd((int)(months / 12), (int)(months % 12) +
		    1, 1);
	} else {
		return -1;
	}
	*start = first * MS_PER_DAY;
	*end = (last + 1) * MS_PER_DAY - MS_PER_SEC;
	return 0;
}

int
range_parse_duration(const char *s, double *secs)
{
	char *end;
	double v, mul = 1;

	if (*s == '\0' || *s == '-' || *s == '+')
		return -1;
	v = strtod(s, &end);
	if (end == s)
		return -1;
	if (strcmp(end, "") == 0 || strcmp(end, "s") == 0)
		mul = 1;
	else if (strcmp(end, "m") == 0)
		mul = 60;
	else if (strcmp(end, "h") == 0)
		mul = 3600;
	else if (strcmp(end, "d") == 0)
		mul = 86400;
	else
		return -1;
	v *= mul;
	if (!(v > 0) || v > 1e9)
		return -1;
	*secs = v;
	return 0;
}

size_t
range_format(int64_t ms, char *buf)
{
	int64_t days = floor_div(ms, MS_PER_DAY), rem = ms - days * MS_PER_DAY;
	int y, m, d, n;
	int sod = (int)(rem / MS_PER_SEC), frac = (int)(rem % MS_PER_SEC);

	date_to_ymd((int32_t)days, &y, &m, &d);
	if (frac)
		n = snprintf(buf, RANGE_BUFSZ, "%04d-%02d-%02dT%02d:%02d:%02d."
		    "%03dZ", y, m, d, sod / 3600, sod / 60 % 60, sod % 60,
		    frac);
	else
		n = snprintf(buf, RANGE_BUFSZ, "%04d-%02d-%02dT%02d:%02d:%02dZ",
		    y, m, d, sod / 3600, sod / 60 % 60, sod % 60);
	return (size_t)n;
}

size_t
range_format_compact(int64_t ms, char *buf)
{
	int64_t days = floor_div(ms, MS_PER_DAY), rem = ms - days * MS_PER_DAY;
	int y, m, d, sod = (int)(rem / MS_PER_SEC);

	date_to_ymd((int32_t)days, &y, &m, &d);
	return (size_t)snprintf(buf, RANGE_BUFSZ,
	    "%04d%02d%02dT%02d%02d%02dZ", y, m, d, sod / 3600, sod / 60 % 60,
	    sod % 60);
}

static const char *
env_set(const char *name)
{
	const char *v = getenv(name);

	return v && *v ? v : NULL;
}

int
range_resolve(const char *start_opt, const char *end_opt, const char *last,
    int64_t now, int64_t *start, int64_t *end)
{
	const char *s = start_opt ? start_opt : env_set("START_DATE");
	const char *e = end_opt ? end_opt : env_set("END_DATE");

	if (last != NULL) {
		if (start_opt || end_opt)
			return error("--last cannot be combined with --start "
			    "or --end");
		if (range_parse_last(last, now, start, end) < 0)
			return error("--last '%s': expected a count and a unit: "
			    "7d, 4w or 3mo", last);
		return 0;
	}
	if (s == NULL && e == NULL) {
		range_default(now, start, end);
		return 0;
	}
	if (s == NULL || e == NULL)
		return error("%s given without %s", s ? "a start" : "an end",
		    s ? "an end (--end or END_DATE)" :
		    "a start (--start or START_DATE)");
	if (range_parse_bound(s, 0, start) < 0)
		return error("%s '%s': expected YYYY-MM-DD or an RFC 3339 time "
		    "(2026-10-01T00:00:00Z)", start_opt ? "--start" :
		    "START_DATE", s);
	if (range_parse_bound(e, 1, end) < 0)
		return error("%s '%s': expected YYYY-MM-DD or an RFC 3339 time "
		    "(2026-10-31T23:59:59Z)", end_opt ? "--end" : "END_DATE", e);
	return 0;
}

int
range_now_check(void)
{
	const char *s = getenv(RANGE_NOW_ENV);
	int64_t ms;

	if (s == NULL || s[0] == '\0' || range_parse_bound(s, 0, &ms) == 0)
		return 0;
	return error("%s '%s': expected YYYY-MM-DD or an RFC 3339 time "
	    "(2026-10-01T00:00:00Z)", RANGE_NOW_ENV, s);
}

int64_t
range_now_ms(void)
{
	const char *s = getenv(RANGE_NOW_ENV);
	struct timespec ts;
	int64_t ms;

	/* the tests' pinned "now"; main() has refused a malformed one */
	if (s != NULL && s[0] != '\0' && range_parse_bound(s, 0, &ms) == 0)
		return ms;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * MS_PER_SEC + ts.tv_nsec / 1000000;
}

size_t
range_split(int64_t start, int64_t end, int64_t **bounds)
{
	size_t n = 1, i;
	int64_t *b;

	if (end > start)
		n = (size_t)((end - start + WINDOW_MAX_MS - 1) / WINDOW_MAX_MS);
	b = xcalloc(n + 1, sizeof(*b));
	for (i = 0; i < n; i++)
		b[i] = start + (int64_t)i * WINDOW_MAX_MS;
	b[n] = end;
	*bounds = b;
	return n;
}
