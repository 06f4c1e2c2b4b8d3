/*
 * budget.h: the budgets file and the projection of a budget's period.
 * YAML (read with libyaml), as the teams file:
 *
 *	budgets:
 *	  - name: org-weekly
 *	    scope: org		# or project: "ios-*" | team: mobile |
 *				#    by: {resource_class: xlarge}
 *	    period: week	# week (Monday to Sunday UTC) | month
 *	    credits: 3000000	# or usd: 1800 (at --credit-price)
 *	    thresholds: [50, 75, 90, 100]
 *
 * The projection of a period (doc/budgets.md): the spend of its complete
 * days before `at`, plus, for each day from `at` to its end, the expected
 * spend of that weekday: the mean of the same weekday over the last four
 * weeks before `at` (fewer when the history is shorter; below a week, the
 * mean of the days there are; none, nothing).  All sums are exact (dec_t).
 */
#ifndef CU_BUDGET_H
#define CU_BUDGET_H

#include <stddef.h>
#include <stdint.h>

#include "dec.h"

#define BUDGET_ENV "CIRCLECI_USAGE_BUDGETS"	/* the default --budgets */
#define BUDGETS_MAX_FILE (4 * 1024 * 1024)
#define BUDGETS_MAX 10000		/* budgets in a file */
#define BUDGET_MAX_THRESHOLDS 16
#define BUDGET_HISTORY_DAYS 28		/* four weeks of weekday history */

enum budget_scope {
	BUDGET_ORG,		/* every job run */
	BUDGET_PROJECT,		/* PROJECT_NAME matches a glob */
	BUDGET_TEAM,		/* the project's team (--teams) */
	BUDGET_BY		/* a --by key's value matches a glob */
};

enum budget_period { BUDGET_WEEK, BUDGET_MONTH };

enum budget_status {
	BUDGET_OK,
	BUDGET_WARNING,		/* spent crossed a threshold */
	BUDGET_PROJECTED_OVER,	/* the projection passes the amount */
	BUDGET_OVER		/* spent reached the amount */
};

struct budget {
	char *name;
	enum budget_scope scope;
	char *key;		/* BUDGET_BY: the --by key, else NULL */
	char *value;		/* the glob, the team; NULL for the org */
	enum budget_period period;
	dec_t amount;		/* > 0, in credits or (usd set) dollars */
	int usd;
	dec_t thresholds[BUDGET_MAX_THRESHOLDS];	/* percents, rising */
	size_t nthresholds;
	unsigned long line;	/* where the budget starts, for messages */
	unsigned long scope_line;
};

struct budgets {
	char *path;		/* for messages */
	struct budget *b;	/* in file order */
	size_t n;
};

/*
 * Parse the `len` bytes at buf as a budgets file; `name` names it in
 * messages.  Returns a new budgets (free with budgets_free()), or NULL
 * after printing an error "NAME:LINE: what was expected" (bad YAML, a
 * wrong shape, an unknown key, a missing or second scope, period or
 * amount, an amount not above 0, thresholds not ascending in (0, 1000],
 * a name given twice, a `by` key that is not a --by key or is a time).
 */
struct budgets *budgets_parse(const char *name, const char *buf, size_t len);

/* Read and parse the file at `path`.  NULL after printing an error. */
struct budgets *budgets_load(const char *path);

/* Free bs and everything in it; NULL is fine. */
void budgets_free(struct budgets *bs);

/* "week", "month"; "ok", "warning", "projected_over", "over". */
const char *budget_period_name(enum budget_period p);
const char *budget_status_name(enum budget_status s);

/* The first and last day of the period of kind p that holds day `at`. */
void budget_period_bounds(enum budget_period p, int32_t at, int32_t *start,
    int32_t *end);

/*
 * The expected spend of each weekday (expected[0] Monday ... [6] Sunday)
 * from the history: daily[i] is the spend of day first + i, for the days
 * before `at` (first + ndays == at); hist_start is the first day of the
 * history (the data's first day): days before it are unknown, not 0.
 * The window is the last BUDGET_HISTORY_DAYS days before at, cut at
 * hist_start.  With 7 days or more there, each weekday's mean over its
 * days in the window; with 1 to 6, the mean of those days for every
 * weekday; with none, 0.  Returns the days used (0 to 28).
 */
int budget_profile(const dec_t *daily, int32_t first, size_t ndays,
    int32_t hist_start, int32_t at, dec_t expected[7]);

struct budget_eval {
	int32_t start, end;	/* the period */
	dec_t amount;		/* in credits */
	dec_t spent;		/* days start .. at - 1 */
	dec_t projected;	/* spent + the expected rest */
	dec_t used_pct, projected_pct;	/* of amount, 2 decimals */
	int have_runs_out;
	int32_t runs_out;	/* the day the cumulative spend (actual, then
				 * expected) first reaches amount, in the
				 * period */
	enum budget_status status;
	int threshold;		/* index of the highest threshold crossed by
				 * used_pct, or -1 */
	int history_days;	/* budget_profile()'s */
};

/*
 * Evaluate budget b (amount `amount` credits, > 0) at day `at` from its
 * daily spend as budget_profile() takes it; first must be at most the
 * period's start and at most at - BUDGET_HISTORY_DAYS.
 */
void budget_evaluate(const struct budget *b, dec_t amount,
    const dec_t *daily, int32_t first, size_t ndays, int32_t hist_start,
    int32_t at, struct budget_eval *e);

/*
 * budget_evaluate() for the period that holds day `in` (at, or at - 1 for
 * a period that ends by at: then nothing of it is projected).
 */
void budget_evaluate_period(const struct budget *b, int32_t in, dec_t amount,
    const dec_t *daily, int32_t first, size_t ndays, int32_t hist_start,
    int32_t at, struct budget_eval *e);

/*
 * a / b rounded half away from zero to `places` decimals (0 to 18), for
 * a >= 0 and b > 0 (a dollar amount over a credit price).  Returns 0, or
 * -1 when the result passes DEC_SUM_MAX.
 */
int budget_div(dec_t a, dec_t b, int places, dec_t *out);

#endif
