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
#include "util.h"

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

/* One comparison: name op value. */
struct alert_term {
	enum alert_name name;
	enum alert_op op;
	dec_t value;
};

#define ALERT_MAX_TERMS 8

/*
 * A rule: its terms joined by "and", all of which must hold.  The project
 * terms hold for a project when each holds for that same project.
 */
struct alert_rule {
	struct alert_term t[ALERT_MAX_TERMS];
	size_t n;		/* at least 1 */
	int has_project;	/* a project term among them */
};

/* "total_credits", ..., "project.change_pct". */
const char *alert_name_text(enum alert_name n);
/* ">", ">=", "<", "<=". */
const char *alert_op_text(enum alert_op op);
/* Is the name a per-project one?  Is it a percentage? */
int alert_name_is_project(enum alert_name n);
int alert_name_is_pct(enum alert_name n);

/*
 * Parse `expr` ("total_credits > 50000", "project.change_pct>=25%",
 * "project.change_pct > 50 and project.total_credits > 10000"; spaces
 * anywhere between the parts, names and "and" in any case).  Returns 0,
 * or -1 with what was expected written into err (errlen bytes), e.g.
 * "expected an operator (>, >=, < or <=) after 'jobs'".
 */
int alert_parse(const char *expr, struct alert_rule *r, char *err,
    size_t errlen);

/* Does `v` OP the rule's number? */
int alert_test(const struct alert_term *t, dec_t v);

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
	dec_t value[ALERT_MAX_TERMS];	/* each total term's value */
	size_t *matches;	/* the projects every project term holds for */
	size_t nmatches;
};

/*
 * The rule as text, its terms joined by " and " ("change_pct > 20 and
 * total_credits >= 1000"; a percentage with its sign), into buf.
 */
void alert_rule_text(const struct alert_rule *r, struct sbuf *buf);

/*
 * Evaluate `r` on `f` into `out` (release it with alert_outcome_release).
 * A rule fires when each of its total terms holds and, when it has
 * project terms, at least one project holds them all.
 * project.total_credits looks at the projects of the current period;
 * project.change_pct at those with a percentage (a gone project's is
 * -100, a new one has none).
 */
void alert_eval(const struct alert_rule *r, const struct alert_facts *f,
    struct alert_outcome *out);
void alert_outcome_release(struct alert_outcome *o);

#endif
