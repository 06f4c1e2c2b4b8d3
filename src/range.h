/*
 * range.h: the date range of an export and its windows.  Instants are
 * milliseconds since the epoch, UTC.  The Usage API takes at most 31 days
 * (31 x 24 hours) per export job, so a longer range is split into windows
 * that share their boundary instants: nothing can fall between two of
 * them, and rows on a boundary come twice (the reader drops duplicates).
 */
#ifndef CU_RANGE_H
#define CU_RANGE_H

#include <stddef.h>
#include <stdint.h>

#define MS_PER_SEC 1000LL
#define MS_PER_DAY (86400LL * MS_PER_SEC)
#define WINDOW_MAX_MS (31 * MS_PER_DAY)
#define RANGE_MAX_AGE_DAYS 366

/* Longest string range_format() writes, NUL included. */
#define RANGE_BUFSZ 32

/*
 * Parse a bound: `YYYY-MM-DD` (00:00:00Z for a start, 23:59:59Z for an
 * end) or RFC 3339 (`2026-10-01T12:00:00Z`, `...T12:00:00.5+02:00`; a
 * space instead of T is accepted).  Returns 0, or -1.
 */
int range_parse_bound(const char *s, int is_end, int64_t *ms);

/*
 * `--last N<unit>`: `7d` (N complete UTC days up to yesterday), `4w` (N
 * complete ISO weeks, Monday to Sunday, the last one ending on or before
 * yesterday), `3mo` (N complete calendar months).  Returns 0, or -1.
 */
int range_parse_last(const char *s, int64_t now_ms, int64_t *start,
    int64_t *end);

/* The default range: the last 7 complete UTC days. */
void range_default(int64_t now_ms, int64_t *start, int64_t *end);

/*
 * The range a user asked for, as export and run take it: `--last` (not
 * with --start or --end); else --start and --end, each falling back to
 * START_DATE and END_DATE (an empty variable is unset); else the default
 * range.  start_opt, end_opt and last are the options' values or NULL.
 * Returns 0, or -1 after an error naming the option or variable.
 */
int range_resolve(const char *start_opt, const char *end_opt,
    const char *last, int64_t now, int64_t *start, int64_t *end);

/* A duration: `90s`, `30m`, `4h`, `1d`, or seconds (fractions allowed). */
int range_parse_duration(const char *s, double *secs);

/* `2026-10-01T00:00:00Z`, with `.mmm` only when there are milliseconds. */
size_t range_format(int64_t ms, char *buf);

/* `20261001T000000Z`, for directory names. */
size_t range_format_compact(int64_t ms, char *buf);

/*
 * The current time.  CIRCLECI_USAGE_NOW (YYYY-MM-DD or RFC 3339), when
 * set, pins it: to run a past week's job again as it ran then (the man
 * page's ENVIRONMENT), and in the tests, so that no verdict depends on
 * the wall clock (tests/README.md).
 */
#define RANGE_NOW_ENV "CIRCLECI_USAGE_NOW"
int64_t range_now_ms(void);

/* 0 when CIRCLECI_USAGE_NOW is unset or valid, else -1 after an error. */
int range_now_check(void);

/*
 * Split [start, end] into windows of at most WINDOW_MAX_MS; window i is
 * [b[i], b[i + 1]].  Returns the number of windows; *bounds (n + 1
 * instants) is the caller's to free.
 */
size_t range_split(int64_t start, int64_t end, int64_t **bounds);

#endif
