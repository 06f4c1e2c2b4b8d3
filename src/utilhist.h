/*
 * utilhist.h: exact histograms of the per-run utilization columns, for
 * rightsize.  One open-addressing table holds every (group, column,
 * value) -> runs bin of a report, 24 bytes a bin, so a group costs at most
 * one bin per distinct value of each column (10,001 for a percentage
 * from 0 to 100 with 2 decimals) however many runs it has.
 */
#ifndef CU_UTILHIST_H
#define CU_UTILHIST_H

#include <stddef.h>
#include <stdint.h>

struct utilhist_bin {
	uint32_t group;		/* the group's index in its agg */
	uint32_t col;		/* 0..3: enum rightsize_col */
	int64_t value;		/* millionths of a percent */
	uint64_t count;		/* runs */
};

struct utilhist {
	struct utilhist_bin *bins;
	size_t n, cap;
	uint32_t *slots;	/* bin index + 1; 0 is empty */
	size_t nslots;
};

void utilhist_init(struct utilhist *h);
void utilhist_release(struct utilhist *h);

/* Add `count` runs to the bin (group, col, value), created if new. */
void utilhist_add(struct utilhist *h, uint32_t group, uint32_t col,
    int64_t value, uint64_t count);

/*
 * A utilization value: a number of at least 0 with at most 6 decimals,
 * below 10^12 percent, as millionths of a percent.  Returns 0, or -1.
 */
int utilhist_value(const char *s, size_t len, int64_t *out);

#endif
