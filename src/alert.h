/*
 * alert.h: notify's alert rules.  A rule is `NAME OP NUMBER`, OP one of
 * > >= < <=, over the totals of a period (total_credits, cost_usd, jobs,
 * change_pct, failed_credits_pct) or over each entity of one kind: each
 * project (project.total_credits, project.change_pct), each budget of the
 * budgets file (budget.used_pct, budget.projected_pct; `budget` alone: a
 * budget whose status is not ok) or each anomaly (anomaly.excess_credits,
 * anomaly.excess_usd, anomaly.score; `anomaly` alone: a spike or a new
 * project).  A rule with entity terms fires when one entity holds them
 * all, and names those that do.  Numbers are exact decimals; a percentage
 * may end in `%`.  This module parses and evaluates; it prints nothing.
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
	ALERT_BUDGET,			/* alone: a budget not ok */
	ALERT_BUDGET_USED_PCT,		/* spent, of the amount */
	ALERT_BUDGET_PROJECTED_PCT,	/* projected at the period's end */
	ALERT_ANOMALY,			/* alone: a spike or a new project */
	ALERT_ANOMALY_EXCESS_CREDITS,	/* credits above the baseline */
	ALERT_ANOMALY_EXCESS_USD,	/* the same in dollars, to cents */
	ALERT_ANOMALY_SCORE,		/* a spike's; a new project has none */
	ALERT_NAME_COUNT
};

/* What the entity terms of a rule are about; a rule has one kind. */
enum alert_entity {
	ALERT_ENTITY_NONE,	/* totals only */
	ALERT_ENTITY_PROJECT,
	ALERT_ENTITY_BUDGET,
	ALERT_ENTITY_ANOMALY
};

enum alert_op { ALERT_GT, ALERT_GE, ALERT_LT, ALERT_LE };

/* One comparison: name op value (a bare name, budget or anomaly: none). */
struct alert_term {
	enum alert_name name;
	enum alert_op op;
	dec_t value;
};

#define ALERT_MAX_TERMS 8

/*
 * A rule: its terms joined by "and", all of which must hold.  The entity
 * terms (project.*, budget*, anomaly*) hold for an entity when each holds
 * for that same entity; a rule's entity terms are all of one kind.
 */
struct alert_rule {
	struct alert_term t[ALERT_MAX_TERMS];
	size_t n;		/* at least 1 */
	int has_project;	/* a project term among them */
	enum alert_entity entity;	/* the kind of its entity terms */
};

/* "total_credits", ..., "project.change_pct", "budget", ... */
const char *alert_name_text(enum alert_name n);
/* ">", ">=", "<", "<=". */
const char *alert_op_text(enum alert_op op);
/* Is the name a per-project one?  Is it a percentage? */
int alert_name_is_project(enum alert_name n);
int alert_name_is_pct(enum alert_name n);
/* The kind of entity the name is about (ALERT_ENTITY_NONE: a total). */
enum alert_entity alert_name_entity(enum alert_name n);
/* Is it a term by itself, with no OP NUMBER (budget, anomaly)? */
int alert_name_is_bare(enum alert_name n);
/* "project", "budget", "anomaly" ("total" for ALERT_ENTITY_NONE). */
const char *alert_entity_text(enum alert_entity e);

/*
 * Parse `expr` ("total_credits > 50000", "project.change_pct>=25%",
 * "project.change_pct > 50 and project.total_credits > 10000", "budget",
 * "anomaly and anomaly.excess_usd >= 50"; spaces anywhere between the
 * parts, names and "and" in any case).  Returns 0, or -1 with what was
 * expected written into err (errlen bytes; 512 hold any message), e.g.
 * "expected an operator (>, >=, < or <=) after 'jobs'", or why two terms
 * about different kinds of entity cannot be one rule.
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

/* One budget of the budgets file, evaluated (budgetcalc.h). */
struct alert_budget {
	const char *name;	/* NUL-terminated (borrowed) */
	const char *status;	/* budget_status_name(): ok, warning ... */
	int not_ok;		/* what `budget` alone matches */
	dec_t used_pct, projected_pct;	/* 2 decimals */
	int32_t start;		/* its period's first day */
	int has_threshold;	/* a threshold crossed: */
	dec_t threshold;	/* the highest one, a percentage */
};

/* One anomaly of a project (anomaly.h): a spike, a new or stopped one. */
struct alert_anomaly {
	int32_t day;
	const char *key;	/* the project, not NUL-terminated */
	size_t keylen;
	const char *kind;	/* anomaly_kind_name() */
	int alarm;		/* a spike or a new project: stopped ones are
				 * savings, which no anomaly term matches */
	dec_t excess, excess_usd;	/* credits above the baseline */
	double score;		/* NaN for a new project: no score */
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
	int has_budgets;		/* 0: no day to evaluate them at */
	const struct alert_budget *budgets;
	size_t nbudgets;
	int has_anomalies;		/* 0: no day to look for them at */
	const struct alert_anomaly *anomalies;
	size_t nanomalies;
};

/* Why a rule was not evaluated. */
enum alert_unknown {
	ALERT_NO_PREVIOUS,	/* change_pct without a previous period */
	ALERT_NO_DAY		/* budgets or anomalies without a last day */
};

struct alert_outcome {
	int evaluated;		/* 0: see why */
	enum alert_unknown why;
	int fired;
	dec_t value[ALERT_MAX_TERMS];	/* each total term's value */
	size_t *matches;	/* the entities every entity term holds for:
				 * indexes into projects, budgets or
				 * anomalies, as the rule's entity */
	size_t nmatches;
	/*
	 * The cooldown (notify.h): the matches (or, for a rule without
	 * entities, the rule) sent within it, taken out of matches; held is
	 * set when nothing was left, and fired cleared.
	 */
	size_t *held;
	size_t nheld;
	int held_back;
	int64_t held_at;	/* the latest time one was sent, ms */
};

/* "there is no previous period to compare with", ... */
const char *alert_unknown_text(enum alert_unknown why);

/*
 * The rule as text, its terms joined by " and " ("change_pct > 20 and
 * total_credits >= 1000"; a percentage with its sign), into buf.
 */
void alert_rule_text(const struct alert_rule *r, struct sbuf *buf);

/*
 * Evaluate `r` on `f` into `out` (release it with alert_outcome_release).
 * A rule fires when each of its total terms holds and, when it has
 * entity terms, at least one entity holds them all.
 * project.total_credits looks at the projects of the current period;
 * project.change_pct at those with a percentage (a gone project's is
 * -100, a new one has none).  Budget terms look at every budget (`budget`
 * alone: those not ok); anomaly terms at the spikes and new projects only
 * (anomaly.score never holds for a new one).
 */
void alert_eval(const struct alert_rule *r, const struct alert_facts *f,
    struct alert_outcome *out);
void alert_outcome_release(struct alert_outcome *o);

#endif
