/*
 * chargeback.h: credits per team, for billing each team its share.  Made
 * from a report grouped by team and project: per team, the sums of its
 * projects and how many there are; the credits of job runs without a
 * project (shared costs) are spread across the teams, in whole hundredths
 * of a credit by the largest-remainder method, so that the parts add up
 * exactly to what was spread and the totals stay report's.
 */
#ifndef CU_CHARGEBACK_H
#define CU_CHARGEBACK_H

#include <stddef.h>
#include <stdint.h>

#include "report.h"
#include "view.h"

#define CHARGEBACK_SHARED "(shared)"

enum chargeback_mode {
	CB_PROPORTIONAL,	/* by each team's own total credits */
	CB_EVEN,		/* the same to every team */
	CB_NONE			/* not spread: a (shared) row */
};

/* "proportional", "even", "none".  Returns 0, or -1. */
int chargeback_mode_parse(const char *s, enum chargeback_mode *mode);

/*
 * Split `amount` into n parts (n >= 1) in proportion to `weights`
 * (negative weights count as 0; all 0: even parts), into parts[].  Each
 * part is a whole number of hundredths except one: the largest-weight
 * part (the first of equal ones) also takes what the amount has below a
 * hundredth.  The hundredths go first to the floors of the exact quotas,
 * then one each to the parts with the largest remainders, ties to the
 * lower index.  The parts always add up exactly to `amount`.
 */
void chargeback_spread(dec_t amount, const dec_t *weights, size_t n,
    dec_t *parts);

struct chargeback_team {
	char *name;
	struct metrics m;	/* shares of shared costs included */
	uint64_t projects;	/* distinct projects */
};

struct chargeback {
	struct chargeback_team *teams;	/* sorted by name (bytes) */
	size_t n;
	struct metrics shared;	/* of the rows without a project */
	uint64_t projects;		/* in all */
};

/*
 * Build cb from `res`, grouped by exactly the keys team and project (in
 * this order; `o` says so).  The group whose team is empty holds the job
 * runs without a PROJECT_NAME: with CB_NONE, or when no team has job
 * runs, it stays a team of its own, named CHARGEBACK_SHARED; otherwise
 * each credit column of it is spread across the teams with
 * chargeback_spread() (jobs and run seconds are not).  Release with
 * chargeback_release().
 */
void chargeback_build(struct chargeback *cb, const struct report_opts *o,
    const struct report_result *res, enum chargeback_mode mode);
void chargeback_release(struct chargeback *cb);

/*
 * The chargeback as a report result grouped by `team` alone (and *to
 * its opts), so that the view writers can show it; the totals and the
 * meta data are res's.  Release both as usual.
 */
void chargeback_result(const struct chargeback *cb,
    const struct report_result *res, struct report_opts *to,
    struct report_result *out);

/* The projects of the team in key `key` (a group key of out), or 0. */
uint64_t chargeback_projects(const struct chargeback *cb, const char *key,
    size_t keylen);

/*
 * The view of `out` (from chargeback_result, with its opts `to`): teams
 * by total credits, largest first, and the `projects` column.  Release
 * with view_release().
 */
void chargeback_view(const struct chargeback *cb, struct view *v,
    const struct report_opts *to, const struct report_result *out,
    dec_t price);

#endif
