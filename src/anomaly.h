/*
 * anomaly.h: days whose credits lie far above a group's own baseline.
 * Per group (of any --by keys but time) and day, the baseline is the
 * median of the group's credits on the same weekday in the trailing
 * weeks, the spread their median absolute deviation (scaled, with a
 * floor), the score (credits - baseline) / spread.  A day is a spike when
 * its score reaches a threshold and its excess a minimum in credits; a
 * group with no history that spends that much is new, one whose baseline
 * was that much and that spent nothing on the days examined stopped.
 * doc/anomalies.md explains the rules and the evidence for the defaults.
 */
#ifndef CU_ANOMALY_H
#define CU_ANOMALY_H

#include <stddef.h>
#include <stdint.h>

#include "dec.h"
#include "grid.h"
#include "report.h"

/* Defaults (doc/anomalies.md: chosen with bench/anomalies.py). */
#define ANOMALY_WEEKS 4		/* same-weekday samples at most */
#define ANOMALY_DAYS 7		/* days examined */
#define ANOMALY_THRESHOLD "4"	/* score */
#define ANOMALY_MIN_EXCESS "500"	/* credits */
/* MAD to a standard deviation's scale for normal data */
#define ANOMALY_MAD_SCALE 1.4826
/* the spread's floor: this share of the baseline, and one credit */
#define ANOMALY_FLOOR_SHARE 0.1
#define ANOMALY_FLOOR_CREDITS 1.0

enum anomaly_kind {
	ANOMALY_NONE,		/* no verdict, or nothing to say */
	ANOMALY_SPIKE,
	ANOMALY_NEW,
	ANOMALY_STOPPED
};

struct anomaly_params {
	size_t weeks;		/* at most this many samples (>= 1) */
	double threshold;	/* the score a spike reaches */
	dec_t min_excess;	/* the credits above baseline it reaches */
};

/* A day's baseline: its samples' median and spread. */
struct anomaly_base {
	size_t n;		/* samples (0: none, no baseline) */
	dec_t median;		/* exact (the mean of the middle two of an
				 * even count, to 1e-18 rounded half away) */
	dec_t mad;		/* median absolute deviation, exact */
	double spread;		/* max(MAD * 1.4826, floors) */
};

struct anomaly_verdict {
	enum anomaly_kind kind;
	struct anomaly_base base;
	dec_t credits;		/* on the day */
	dec_t excess;		/* credits - baseline */
	double score;		/* (credits - baseline) / spread; a new
				 * group's has none: NaN */
};

/*
 * The median of v[0..n) (n >= 1), sorting v in place.  An even count's is
 * the mean of its middle two, rounded half away from zero to 1e-18.
 */
dec_t anomaly_median(dec_t *v, size_t n);

/* The spread of a baseline: max(MAD * 1.4826, 10% of it, 1 credit). */
double anomaly_spread(dec_t mad, dec_t median);

/*
 * The baseline of day d of a series s (credits per day, s[0] the first
 * day loaded, a day without runs 0): s[d - 7], s[d - 14] ... at most
 * `weeks` of them, only days at or after index `born` (the group's first
 * day with credits: before it the group did not exist, so those are no
 * samples).  b->n is 0 when there is none.
 */
void anomaly_baseline(const dec_t *s, size_t d, size_t born, size_t weeks,
    struct anomaly_base *b);

/*
 * Judge day d of series s (as anomaly_baseline's).  `history` is the
 * first index the data reaches: a group is new on d (ANOMALY_NEW) when
 * d is its first day with credits (born == d), the data reaches at least
 * a week before d, and its credits reach p->min_excess.  Otherwise, with
 * a baseline, a spike (ANOMALY_SPIKE) when the score reaches
 * p->threshold and the excess p->min_excess; else ANOMALY_NONE.  v is
 * filled in either way (with no baseline, base.n 0 and score NaN).
 */
enum anomaly_kind anomaly_judge(const dec_t *s, size_t d, size_t born,
    size_t history, const struct anomaly_params *p,
    struct anomaly_verdict *v);

/*
 * Has the group of s stopped?  Its credits are 0 on every day in
 * [first, last] and the baseline of day `first` reaches p->min_excess.
 * v (kind ANOMALY_STOPPED or ANOMALY_NONE) gets that baseline, credits
 * 0, and the excess and baseline summed over the days: -(the baselines).
 */
enum anomaly_kind anomaly_stopped(const dec_t *s, size_t first,
    size_t last, size_t born, const struct anomaly_params *p,
    struct anomaly_verdict *v);

/*
 * The next key one level down in report's hierarchy of the --by list
 * `by` (project -> workflow -> job), for the contributor column: "job"
 * when it has workflow, "workflow" when it has project, else NULL (job,
 * or keys outside the hierarchy: no contributor).
 */
const char *anomaly_next_key(const struct report_opts *byo);

/* What anomaly_write() reads. */
struct anomaly_run {
	const struct report_opts *so;
	const struct report_result *src;
	const char *next;		/* the next key, or NULL */
	int32_t start, first, last;
	struct anomaly_params p;
	dec_t price;
};

/* The defaults: ANOMALY_WEEKS, ANOMALY_THRESHOLD, ANOMALY_MIN_EXCESS. */
void anomaly_params_default(struct anomaly_params *p);

/*
 * Set r (its p.weeks already set) and the read options ro for the `days`
 * days that end with `last`, grouped by the --by list `by` (parsed into
 * byo; no time key): ro's grouping sets "BY,day" and "BY,NEXT,day", its
 * since and until.  Returns 0, or -1 after an error.
 */
int anomaly_sets(struct anomaly_run *r, struct report_opts *ro,
    const char *by, const struct report_opts *byo, int32_t last,
    size_t days);

/* One anomaly, as anomaly_find() lists them. */
struct anomaly_item {
	int32_t day;
	const char *key;	/* the group's key (agg_key_part's) */
	size_t keylen;
	struct anomaly_verdict v;
	int has_sub;		/* a contributor: */
	const char *sub;	/* its value of the next key */
	size_t sublen;
	dec_t sub_excess;
};

struct anomaly_list {
	struct anomaly_item *items;	/* largest excess first */
	size_t n;
	size_t nkeys;
	const char *names[REPORT_MAX_KEYS];	/* the by keys */
	void *priv;
};

/*
 * The anomalies of r->src (as anomaly_write() below) into l: release it
 * with anomaly_list_release().  Returns 0, or -1 after an error.
 */
int anomaly_find(const struct anomaly_run *r, struct anomaly_list *l);
void anomaly_list_release(struct anomaly_list *l);

/* Write l's rows, title and meta as anomaly_write() does. */
int anomaly_list_write(const struct anomaly_run *r,
    const struct anomaly_list *l, const struct grid_out *dst);

/* "spike", "new", "stopped" ("" for ANOMALY_NONE). */
const char *anomaly_kind_name(enum anomaly_kind k);

/*
 * The anomalies of `src`, read with the grouping sets "BY,day" and (with
 * a next key) "BY,NEXT,day" (opts `so`), where BY has nkeys keys: the
 * examined days are [first, last] (days since 1970), the loaded ones from
 * `start`.  Rows go to a grid (keys and columns of doc/anomalies.md),
 * sorted by excess credits, largest first, then day and keys; `price`
 * makes excess_usd.  Returns 0, or -1 after printing an error.
 */
int anomaly_write(const struct anomaly_run *r, const struct grid_out *dst);

#endif
