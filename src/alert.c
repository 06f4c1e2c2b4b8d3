/*
 * alert.c: the alert rule grammar and its evaluation.
 *
 *	rule   = term ( space+ "and" space+ term )*
 *	term   = space* name space* op space* number [ "%" ] space*
 *	       | space* bare space*
 *	name   = total_credits | cost_usd | jobs | change_pct
 *	       | failed_credits_pct | project.total_credits
 *	       | project.change_pct | budget.used_pct
 *	       | budget.projected_pct | anomaly.excess_credits
 *	       | anomaly.excess_usd | anomaly.score
 *	bare   = budget | anomaly
 *	op     = ">" | ">=" | "<" | "<="
 *	number = a decimal as dec_parse() reads it: 50000, 12.5, -10, 1e3
 *
 * The entity terms of a rule (project.*, budget*, anomaly*) are all of
 * one kind: they must hold for one and the same entity.
 */
#include "alert.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

static const char *const alert_names[ALERT_NAME_COUNT] = {
	"total_credits", "cost_usd", "jobs", "change_pct",
	"failed_credits_pct", "project.total_credits", "project.change_pct",
	"budget", "budget.used_pct", "budget.projected_pct", "anomaly",
	"anomaly.excess_credits", "anomaly.excess_usd", "anomaly.score"
};

/* Every name, for the messages that list them. */
#define ALERT_NAME_LIST "total_credits, cost_usd, jobs, change_pct, " \
	"failed_credits_pct, project.total_credits, project.change_pct, " \
	"budget, budget.used_pct, budget.projected_pct, anomaly, " \
	"anomaly.excess_credits, anomaly.excess_usd or anomaly.score"

static const char *const alert_entities[] = {
	"total", "project", "budget", "anomaly"
};

static const char *const alert_ops[] = { ">", ">=", "<", "<=" };

const char *
alert_name_text(enum alert_name n)
{
	return alert_names[n];
}

const char *
alert_op_text(enum alert_op op)
{
	return alert_ops[op];
}

int
alert_name_is_project(enum alert_name n)
{
	return n == ALERT_PROJECT_TOTAL_CREDITS ||
	    n == ALERT_PROJECT_CHANGE_PCT;
}

int
alert_name_is_pct(enum alert_name n)
{
	return n == ALERT_CHANGE_PCT || n == ALERT_FAILED_CREDITS_PCT ||
	    n == ALERT_PROJECT_CHANGE_PCT || n == ALERT_BUDGET_USED_PCT ||
	    n == ALERT_BUDGET_PROJECTED_PCT;
}

enum alert_entity
alert_name_entity(enum alert_name n)
{
	switch (n) {
	case ALERT_PROJECT_TOTAL_CREDITS:
	case ALERT_PROJECT_CHANGE_PCT:
		return ALERT_ENTITY_PROJECT;
	case ALERT_BUDGET:
	case ALERT_BUDGET_USED_PCT:
	case ALERT_BUDGET_PROJECTED_PCT:
		return ALERT_ENTITY_BUDGET;
	case ALERT_ANOMALY:
	case ALERT_ANOMALY_EXCESS_CREDITS:
	case ALERT_ANOMALY_EXCESS_USD:
	case ALERT_ANOMALY_SCORE:
		return ALERT_ENTITY_ANOMALY;
	default:
		return ALERT_ENTITY_NONE;
	}
}

int
alert_name_is_bare(enum alert_name n)
{
	return n == ALERT_BUDGET || n == ALERT_ANOMALY;
}

const char *
alert_entity_text(enum alert_entity e)
{
	return alert_entities[e];
}

const char *
alert_unknown_text(enum alert_unknown why)
{
	return why == ALERT_NO_DAY ? "the period has no day to evaluate the "
	    "budgets and anomalies at (no job runs)" : "there is no previous "
	    "period to compare with";
}

static int
alert_is_space(char c)
{
	return c == ' ' || c == '\t';
}

static int
alert_is_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '_' || c == '.';
}

/* The rest of an expression for a message: at most 40 bytes, one line. */
static void
alert_excerpt(char *buf, size_t len, const char *s)
{
	size_t i, n = strlen(s);

	if (n > 40)
		n = 40;
	if (n >= len)
		n = len - 1;
	for (i = 0; i < n; i++)
		buf[i] = (unsigned char)s[i] < 0x20 ? ' ' : s[i];
	buf[n] = '\0';
}

/* One term: expr is one, up to its NUL (an "and" cut it out). */
static int
alert_parse_term(const char *expr, struct alert_term *r, char *err,
    size_t errlen)
{
	const char *p = expr, *start;
	char shown[48], num[128];
	size_t len, i;
	int n;

	memset(r, 0, sizeof(*r));
	while (alert_is_space(*p))
		p++;
	start = p;
	while (alert_is_name_char(*p))
		p++;
	len = (size_t)(p - start);
	if (len == 0) {
		alert_excerpt(shown, sizeof(shown), start);
		snprintf(err, errlen, "expected a name (" ALERT_NAME_LIST ") "
		    "at the start, got '%s'", shown);
		return -1;
	}
	for (n = 0; n < ALERT_NAME_COUNT; n++)
		if (str_ieq(start, len, alert_names[n]))
			break;
	if (n == ALERT_NAME_COUNT) {
		snprintf(err, errlen, "unknown name '%.*s' (expected "
		    ALERT_NAME_LIST ")", (int)(len > 40 ? 40 : len), start);
		return -1;
	}
	r->name = (enum alert_name)n;
	while (alert_is_space(*p))
		p++;
	if (alert_name_is_bare(r->name)) {
		/* a term by itself: what follows is a mistake */
		if (*p == '\0')
			return 0;
		int budget = r->name == ALERT_BUDGET;

		alert_excerpt(shown, sizeof(shown), p);
		snprintf(err, errlen, "'%s' is a term by itself (%s), got "
		    "'%s' after it; to compare a figure, use %s",
		    alert_names[n], budget ? "a budget whose status is not "
		    "ok" : "a spike or a new project", shown, budget ?
		    "budget.used_pct or budget.projected_pct" :
		    "anomaly.excess_credits, anomaly.excess_usd or "
		    "anomaly.score");
		return -1;
	}
	if (p[0] == '>' || p[0] == '<') {
		int eq = p[1] == '=';

		r->op = p[0] == '>' ? (eq ? ALERT_GE : ALERT_GT) :
		    (eq ? ALERT_LE : ALERT_LT);
		p += 1 + eq;
		if (*p == '=' || *p == '>' || *p == '<') {
			snprintf(err, errlen, "operator '%.*s' is not "
			    "supported (expected >, >=, < or <=)",
			    (int)(2 + eq), p - 1 - eq);
			return -1;
		}
	} else if (p[0] == '=' || p[0] == '!') {
		size_t k = strspn(p, "=!<>");

		snprintf(err, errlen, "operator '%.*s' is not supported "
		    "(expected >, >=, < or <=)", (int)(k > 3 ? 3 : k), p);
		return -1;
	} else {
		snprintf(err, errlen, "expected an operator (>, >=, < or <=) "
		    "after '%s'", alert_names[n]);
		return -1;
	}
	while (alert_is_space(*p))
		p++;
	len = strlen(p);
	while (len > 0 && alert_is_space(p[len - 1]))
		len--;
	if (len == 0) {
		snprintf(err, errlen, "expected a number after '%s'",
		    alert_ops[r->op]);
		return -1;
	}
	if (len >= sizeof(num)) {
		snprintf(err, errlen, "expected a number after '%s', got a "
		    "value of %zu characters", alert_ops[r->op], len);
		return -1;
	}
	memcpy(num, p, len);
	num[len] = '\0';
	if (num[len - 1] == '%') {
		if (!alert_name_is_pct(r->name)) {
			snprintf(err, errlen, "'%%' after a number is only for "
			    "percentages (the names ending in _pct), not %s",
			    alert_names[n]);
			return -1;
		}
		num[--len] = '\0';
		while (len > 0 && alert_is_space(num[len - 1]))
			num[--len] = '\0';
	}
	/* dec_parse allows spaces around; a rule does not allow "1 000" */
	for (i = 0; i < len; i++)
		if (alert_is_space(num[i]))
			break;
	if (len == 0 || i < len || dec_parse(num, len, &r->value) < 0) {
		alert_excerpt(shown, sizeof(shown), p);
		snprintf(err, errlen, "expected a number after '%s', got '%s'",
		    alert_ops[r->op], shown);
		return -1;
	}
	return 0;
}

/* Where the next " and " (any case, blanks around) starts, or NULL. */
static const char *
alert_next_and(const char *p)
{
	for (; *p != '\0'; p++)
		if (alert_is_space(p[0]) && (p[1] == 'a' || p[1] == 'A') &&
		    (p[2] == 'n' || p[2] == 'N') &&
		    (p[3] == 'd' || p[3] == 'D') && alert_is_space(p[4]))
			return p;
	return NULL;
}

/* "a budget", "an anomaly" */
static const char *
alert_article(enum alert_entity e)
{
	return e == ALERT_ENTITY_ANOMALY ? "an" : "a";
}

/*
 * Note the entity of term name n in r: a second kind is refused, since
 * the terms of one rule hold for one entity.  0, or -1 with why in err.
 */
static int
alert_rule_add_entity(struct alert_rule *r, enum alert_name n, char *err,
    size_t errlen)
{
	enum alert_entity e = alert_name_entity(n);
	size_t i;

	if (e == ALERT_ENTITY_NONE)
		return 0;
	if (r->entity != ALERT_ENTITY_NONE && r->entity != e) {
		for (i = 0; i < r->n; i++)
			if (alert_name_entity(r->t[i].name) == r->entity)
				break;
		snprintf(err, errlen, "'%s' is about %s %s and '%s' about %s "
		    "%s: the terms of a rule hold for one entity, so one rule "
		    "cannot mix them (give two --alert rules)",
		    alert_names[r->t[i].name], alert_article(r->entity),
		    alert_entities[r->entity], alert_names[n],
		    alert_article(e), alert_entities[e]);
		return -1;
	}
	r->entity = e;
	r->has_project = e == ALERT_ENTITY_PROJECT;
	return 0;
}

int
alert_parse(const char *expr, struct alert_rule *r, char *err,
    size_t errlen)
{
	const char *p = expr, *and;
	char *term;
	int ret;

	memset(r, 0, sizeof(*r));
	for (;;) {
		if (r->n == ALERT_MAX_TERMS) {
			snprintf(err, errlen, "at most %d terms joined by "
			    "'and'", ALERT_MAX_TERMS);
			return -1;
		}
		and = alert_next_and(p);
		term = and != NULL ? xstrndup(p, (size_t)(and - p)) :
		    xstrdup(p);
		ret = alert_parse_term(term, &r->t[r->n], err, errlen);
		free(term);
		if (ret < 0)
			return -1;
		if (alert_rule_add_entity(r, r->t[r->n].name, err, errlen) < 0)
			return -1;
		r->n++;
		if (and == NULL)
			return 0;
		p = and + 5;
	}
}

void
alert_rule_text(const struct alert_rule *r, struct sbuf *buf)
{
	char v[DEC_BUFSZ];
	size_t i;

	for (i = 0; i < r->n; i++) {
		if (alert_name_is_bare(r->t[i].name)) {
			sbuf_addf(buf, "%s%s", i ? " and " : "",
			    alert_names[r->t[i].name]);
			continue;
		}
		dec_format(r->t[i].value, v);
		sbuf_addf(buf, "%s%s %s %s%s", i ? " and " : "",
		    alert_names[r->t[i].name], alert_ops[r->t[i].op], v,
		    alert_name_is_pct(r->t[i].name) ? "%" : "");
	}
}

int
alert_test(const struct alert_term *r, dec_t v)
{
	switch (r->op) {
	case ALERT_GT:
		return v > r->value;
	case ALERT_GE:
		return v >= r->value;
	case ALERT_LT:
		return v < r->value;
	case ALERT_LE:
		return v <= r->value;
	}
	return 0;
}

/* Does `v` (a double: a score) OP the rule's number? */
static int
alert_test_double(const struct alert_term *t, double v)
{
	double x = (double)t->value / (double)DEC_ONE;

	switch (t->op) {
	case ALERT_GT:
		return v > x;
	case ALERT_GE:
		return v >= x;
	case ALERT_LT:
		return v < x;
	case ALERT_LE:
		return v <= x;
	}
	return 0;
}

/* Does budget b hold every budget term of r? */
static int
alert_budget_holds(const struct alert_rule *r, const struct alert_budget *b)
{
	size_t i;

	for (i = 0; i < r->n; i++) {
		const struct alert_term *t = &r->t[i];

		if ((t->name == ALERT_BUDGET && !b->not_ok) ||
		    (t->name == ALERT_BUDGET_USED_PCT &&
		    !alert_test(t, b->used_pct)) ||
		    (t->name == ALERT_BUDGET_PROJECTED_PCT &&
		    !alert_test(t, b->projected_pct)))
			return 0;
	}
	return 1;
}

/*
 * Does anomaly a hold every anomaly term of r?  Only spikes and new
 * projects are alarms; a new project has no score (NaN), which no
 * comparison holds for.
 */
static int
alert_anomaly_holds(const struct alert_rule *r, const struct alert_anomaly *a)
{
	size_t i;

	if (!a->alarm)
		return 0;
	for (i = 0; i < r->n; i++) {
		const struct alert_term *t = &r->t[i];

		if ((t->name == ALERT_ANOMALY_EXCESS_CREDITS &&
		    !alert_test(t, a->excess)) ||
		    (t->name == ALERT_ANOMALY_EXCESS_USD &&
		    !alert_test(t, a->excess_usd)) ||
		    (t->name == ALERT_ANOMALY_SCORE && (a->score != a->score ||
		    !alert_test_double(t, a->score))))
			return 0;
	}
	return 1;
}

/* Does project p hold every project term of r? */
static int
alert_project_holds(const struct alert_rule *r, const struct alert_project *p)
{
	size_t i;

	for (i = 0; i < r->n; i++) {
		const struct alert_term *t = &r->t[i];

		if (t->name == ALERT_PROJECT_TOTAL_CREDITS &&
		    !(p->in_cur && alert_test(t, p->credits)))
			return 0;
		if (t->name == ALERT_PROJECT_CHANGE_PCT &&
		    !(p->has_pct && alert_test(t, p->pct)))
			return 0;
	}
	return 1;
}

/* A total term's value in *v: 1, or 0 when it cannot be told. */
static int
alert_total_value(const struct alert_term *t, const struct alert_facts *f,
    dec_t *v)
{
	switch (t->name) {
	case ALERT_TOTAL_CREDITS:
		*v = f->total_credits;
		return 1;
	case ALERT_COST_USD:
		*v = f->cost_usd;
		return 1;
	case ALERT_JOBS:
		*v = dec_from_int((int64_t)f->jobs);
		return 1;
	case ALERT_FAILED_CREDITS_PCT:
		*v = f->failed_credits_pct;
		return 1;
	case ALERT_CHANGE_PCT:
		*v = f->change_pct;
		return f->has_change;
	default:
		return 0;
	}
}

/* How many entities of the rule's kind f has. */
static size_t
alert_entity_count(enum alert_entity e, const struct alert_facts *f)
{
	switch (e) {
	case ALERT_ENTITY_PROJECT:
		return f->nprojects;
	case ALERT_ENTITY_BUDGET:
		return f->nbudgets;
	case ALERT_ENTITY_ANOMALY:
		return f->nanomalies;
	default:
		return 0;
	}
}

/* Does entity i of the rule's kind hold the rule's entity terms? */
static int
alert_entity_holds(const struct alert_rule *r, const struct alert_facts *f,
    size_t i)
{
	switch (r->entity) {
	case ALERT_ENTITY_PROJECT:
		return alert_project_holds(r, &f->projects[i]);
	case ALERT_ENTITY_BUDGET:
		return alert_budget_holds(r, &f->budgets[i]);
	case ALERT_ENTITY_ANOMALY:
		return alert_anomaly_holds(r, &f->anomalies[i]);
	default:
		return 0;
	}
}

void
alert_eval(const struct alert_rule *r, const struct alert_facts *f,
    struct alert_outcome *out)
{
	enum alert_entity e;
	int totals_hold = 1;
	size_t i, n;

	memset(out, 0, sizeof(*out));
	out->evaluated = 1;
	for (i = 0; i < r->n; i++) {
		const struct alert_term *t = &r->t[i];

		e = alert_name_entity(t->name);
		if (t->name == ALERT_PROJECT_CHANGE_PCT && !f->has_previous) {
			out->evaluated = 0;
			out->why = ALERT_NO_PREVIOUS;
		} else if ((e == ALERT_ENTITY_BUDGET && !f->has_budgets) ||
		    (e == ALERT_ENTITY_ANOMALY && !f->has_anomalies)) {
			out->evaluated = 0;
			out->why = ALERT_NO_DAY;
		} else if (e != ALERT_ENTITY_NONE) {
			continue;
		} else if (!alert_total_value(t, f, &out->value[i])) {
			out->evaluated = 0;
			out->why = ALERT_NO_PREVIOUS;
		} else if (!alert_test(t, out->value[i])) {
			totals_hold = 0;
		}
	}
	if (!out->evaluated)
		return;
	n = alert_entity_count(r->entity, f);
	out->matches = xcalloc(n + 1, sizeof(*out->matches));
	out->held = xcalloc(n + 1, sizeof(*out->held));
	if (r->entity != ALERT_ENTITY_NONE && totals_hold)
		for (i = 0; i < n; i++)
			if (alert_entity_holds(r, f, i))
				out->matches[out->nmatches++] = i;
	out->fired = totals_hold && (r->entity == ALERT_ENTITY_NONE ||
	    out->nmatches > 0);
}

void
alert_outcome_release(struct alert_outcome *o)
{
	free(o->matches);
	free(o->held);
	memset(o, 0, sizeof(*o));
}
