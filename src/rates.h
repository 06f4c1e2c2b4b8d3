/*
 * rates.h: resource classes' credit rates and their downsizing ladder,
 * keyed by (executor, resource_class), from a tab-separated file such as
 * data/resource-classes.tsv.  A copy of that file is compiled in as the
 * default, so nothing is read at run time unless --rates asks.
 */
#ifndef CU_RATES_H
#define CU_RATES_H

#include <stddef.h>

#include "dec.h"

struct rate {
	char *executor;
	char *resource_class;
	dec_t per_min;		/* credits per minute, when priced */
	int priced;		/* 0: "-", no rate known */
	char *next;		/* next smaller class, same executor; NULL */
};

struct rates {
	struct rate *v;
	size_t n;
};

void rates_init(struct rates *r);
void rates_release(struct rates *r);

/*
 * Parse the text of a rates file named `name` (for messages) into r
 * (initialized).  Lines: executor, resource_class, rate ("-" for none, at
 * most 2 decimals), next smaller class ("-" for none), then optional
 * fields; '#' starts a comment line; blank lines are ignored.  A repeated
 * class, a next class that is not listed for the same executor, or a
 * ladder that loops is an error.  Returns 0, or -1 with "name:line:
 * reason" in err (errlen bytes); r then holds what was read before.
 */
int rates_parse(struct rates *r, const char *text, size_t len,
    const char *name, char *err, size_t errlen);

/* Read and parse a file.  Returns 0, or -1 with the reason in err. */
int rates_load(struct rates *r, const char *path, char *err, size_t errlen);

/*
 * The compiled-in table (data/resource-classes.tsv).  Returns 0 (-1 only
 * if the build shipped a broken table, which test_rates catches).
 */
int rates_load_default(struct rates *r);

/*
 * The class one step up from `cur` in its family: the one whose next
 * smaller class it is (same executor), or NULL.
 */
const struct rate *rates_larger(const struct rates *r,
    const struct rate *cur);

/* The class (executor, rc), or NULL.  Names compare exactly. */
const struct rate *rates_find(const struct rates *r, const char *ex,
    size_t exlen, const char *rc, size_t rclen);

/*
 * Monthly (30-day) savings in credits, rounded half up to 2 decimals, of
 * moving the work that cost `credits` (on a class of rate `from`) over
 * `span_days` days to a class of rate `to`:
 *     credits / from * (from - to) * 30 / span_days
 * (credits / from is the billed minutes).  Sets *out and returns 0, or
 * returns -1 when from <= 0, span_days <= 0 or on overflow.
 */
int rates_savings(dec_t credits, dec_t from, dec_t to, long span_days,
    dec_t *out);

#endif
