/*
 * alert.h: notify's alert rules.  A rule is `NAME OP NUMBER`, OP one of
 * > >= < <=, over the totals of a period (total_credits, cost_usd, jobs,
 * change_pct, failed_credits_pct) or over each project
 * (project.total_credits, project.change_pct: the rule fires when any
 * project matches, and names those that do).  Numbers are exact decimals;
 * a percentage may end in `%`.  This module parses and evaluates; it
 * prints nothing.
 */
#ifndef CU_ALERT_H
#define CU_ALERT_H

#include <stddef.h>
#include <stdint.h>

#include "dec.h"

enum alert_name {
	ALERT_TOTAL_CREDITS,
	ALERT_COST_USD,
	ALERT_JOBS,
	ALERT_CHANGE_PCT,		/* total against the previous period */
	ALERT_FAILED_CREDITS_PCT,	/* share of credits on failed runs */
	ALERT_PROJECT_TOTAL_CREDITS,
	ALERT_PROJECT_CHANGE_PCT,
	ALERT_NAME_COUNT
};

enum alert_op { ALERT_GT, ALERT_GE, ALERT_LT, ALERT_LE };

struct alert_rule {
	enum alert_name name;
	enum alert_op op;
	dec_t value;
};

/* "total_credits", ..., "project.change_pct". */
const char *alert_name_text(enum alert_name n);
/* ">", ">=", "<", "<=". */
const char *alert_op_text(enum alert_op op);
/* Is the name a per-project one?  Is it a percentage? */
int alert_name_is_project(enum alert_name n);
int alert_name_is_pct(enum alert_name n);

/*
 * Parse `expr` ("total_credits > 50000", "project.change_pct>=25%";
 * spaces anywhere between the parts, names in any case).  Returns 0, or
 * -1 with what was expected written into err (errlen bytes), e.g.
 * "expected an operator (>, >=, < or <=) after 'jobs'".
 */
int alert_parse(const char *expr, struct alert_rule *r, char *err,
    size_t errlen);

/* Does `v` OP the rule's number? */
int alert_test(const struct alert_rule *r, dec_t v);

/* One project, as the rules see it. */
struct alert_project {
	const char *name;	/* not NUL-terminated */
	size_t len;
	dec_t credits;		/* in the current period */
	int in_cur;		/* seen in the current period */
	dec_t pct;		/* change against the previous period */
	int has_pct;		/* 0: new, or no previous period */
};

/* What the rules are evaluated on. */
struct alert_facts {
	dec_t total_credits;
	dec_t cost_usd;			/* rounded to cents */
	uint64_t jobs;
	dec_t change_pct;		/* 2 decimals */
	int has_change;			/* a previous period with credits */
	dec_t failed_credits_pct;	/* 2 decimals */
	int has_previous;		/* a previous period was given */
	const struct alert_project *projects;
	size_t nprojects;
};

struct alert_outcome {
	int evaluated;		/* 0: change_pct without a previous period */
	int fired;
	dec_t value;		/* a total rule's value */
	size_t *matches;	/* a project rule's matching projects */
	size_t nmatches;
};

/*
 * Evaluate `r` on `f` into `out` (release it with alert_outcome_release).
 * A total rule fires when its value matches.  project.total_credits looks
 * at the projects of the current period; project.change_pct at those with
 * a percentage (a gone project's is -100, a new one has none).
 */
void alert_eval(const struct alert_rule *r, const struct alert_facts *f,
    struct alert_outcome *out);
void alert_outcome_release(struct alert_outcome *o);

#endif
