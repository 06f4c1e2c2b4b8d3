/*
 * date.h: UTC calendar dates and timestamps as the exports write them.
 * A date is a count of days since 1970-01-01; a timestamp is seconds since
 * the epoch plus nanoseconds.  Nothing here looks at the local time zone.
 */
#ifndef CU_DATE_H
#define CU_DATE_H

#include <stddef.h>
#include <stdint.h>

/* Longest string the date_format_* functions write, NUL included. */
#define DATE_BUFSZ 16

/* Days since 1970-01-01 of a proleptic Gregorian date; -1 on a bad date
 * is impossible to tell from 1969-12-31, so use date_valid() first. */
int32_t date_from_ymd(int y, int m, int d);
void date_to_ymd(int32_t days, int *y, int *m, int *d);
int date_valid(int y, int m, int d);

/*
 * Parse `YYYY-MM-DD`, optionally followed by a time of day as in a
 * timestamp (`YYYY-MM-DD HH:MM:SS[.fff]`, `YYYY-MM-DDTHH:MM:SS[.fff]Z`),
 * of which the date is kept.  Returns 0 and sets *days, or -1.
 */
int date_parse(const char *s, size_t len, int32_t *days);

/*
 * Parse a UTC timestamp: `YYYY-MM-DD HH:MM:SS[.f...]`, the same with `T`,
 * an optional `Z` or `+00:00`, or a bare date (midnight).  Fractions are
 * kept to the nanosecond.  Returns 0 and sets *secs and *nsec, or -1.
 */
int ts_parse(const char *s, size_t len, int64_t *secs, int32_t *nsec);

/*
 * The same timestamp as milliseconds since the epoch, the fraction cut
 * (the unit of export's ranges).  Returns 0 and sets *ms, or -1.  Inline:
 * report and ingest ask it of every row when the export has a range.
 */
static inline int
ts_parse_ms(const char *s, size_t len, int64_t *ms)
{
	int64_t secs;
	int32_t ns;

	if (ts_parse(s, len, &secs, &ns) < 0)
		return -1;
	*ms = secs * 1000 + ns / 1000000;
	return 0;
}

/*
 * Parse a boolean: true/false, t/f, yes/no, y/n, 1/0 in any case.  Returns
 * 0 and sets *out to 0 or 1, or -1.
 */
int bool_parse(const char *s, size_t len, int *out);

/* `2026-10-01` */
size_t date_format_day(int32_t days, char *buf);
/*
 * A period as messages and pages show it, "2026-10-01 to 2026-10-31",
 * into buf[len] (cut to fit); `none` when `have` is 0 (no dates).
 */
void date_format_period(int have, int32_t first, int32_t last,
    const char *none, char *buf, size_t len);
/* ISO 8601 week of the date's ISO week-numbering year: `2026-W40` */
size_t date_format_week(int32_t days, char *buf);
/* `2026-10` */
size_t date_format_month(int32_t days, char *buf);

/* Monday of the date's ISO week, and the ISO weekday (1 = Monday). */
int32_t date_week_start(int32_t days);
int date_weekday(int32_t days);

#endif
