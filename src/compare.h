/*
 * compare.h: two reports side by side, group by group: the credits of a
 * previous and a current period, the change, the change in percent and a
 * trend, sorted by the size of the change; and the writers for each output
 * format.  Everything is exact decimal arithmetic.
 */
#ifndef CU_COMPARE_H
#define CU_COMPARE_H

#include <stdio.h>

#include "report.h"
#include "view.h"

enum compare_trend {
	TREND_NEW,	/* only in the current period */
	TREND_GONE,	/* only in the previous period */
	TREND_UP,
	TREND_DOWN,
	TREND_SAME
};

/* "new", "gone", "up", "down", "same". */
const char *compare_trend_name(enum compare_trend t);

struct compare_row {
	const char *key;	/* agg key bytes (either side's); NULL for
				   (other) and the totals */
	size_t keylen;
	dec_t prev, cur;	/* total credits */
	dec_t change;		/* cur - prev */
	dec_t pct;		/* 100 * change / prev, 2 decimals, half away
				   from zero; -100 for a gone group */
	int has_pct;		/* 0 when prev is 0 (a new group), or when
				   the percentage passes 10^20 (dec.h) */
	enum compare_trend trend;
};

struct compare {
	const struct report_opts *o;	/* key names */
	const struct report_result *prev, *cur;
	struct compare_row *rows;
	size_t n;		/* rows shown, (other) included */
	size_t groups;		/* every group, before --min-change and --top */
	size_t hidden;		/* left out by --min-change */
	size_t folded;		/* folded into (other) by --top */
	size_t nnew, ngone;	/* of every group */
	struct compare_row total;	/* the whole of both periods */
};

/*
 * Pair the groups of `prev` and `cur` (the same --by keys in `o`), compute
 * each row and the total, and sort: the largest absolute change first,
 * ties by key, ascending.  The rows point into both results' keys: keep
 * them until compare_release().
 */
void compare_build(struct compare *c, const struct report_opts *o,
    const struct report_result *prev, const struct report_result *cur);

/* The row computed from two sums; `in_prev`/`in_cur`: was the group seen. */
void compare_row_set(struct compare_row *r, dec_t prev, dec_t cur,
    int in_prev, int in_cur);

/*
 * Hide rows whose absolute change is below `min_change` (0: none), then
 * keep the first `top` rows (0: all) and fold the rest into one "(other)"
 * row (trend up, down or same).  The total is left as it was.
 */
void compare_limit(struct compare *c, dec_t min_change, size_t top);

void compare_release(struct compare *c);

/* Write in `fmt`.  Returns 0, or -1 on a write error. */
int compare_write(const struct compare *c, FILE *f, enum view_format fmt);

#endif
