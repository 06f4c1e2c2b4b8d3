/*
 * budget.c: reading the budgets file with libyaml's event parser (as
 * teams.c reads the teams file: every error names the file and the line
 * and says what was expected there), and the projection of a budget's
 * period from its daily spend.
 */
#include "budget.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "date.h"
#include "util.h"
#include "yamlev.h"

__extension__ typedef unsigned __int128 budget_u128;

/* The keys a `by:` scope may name: --by's, less the times. */
static const char *const budget_by_keys[] = {
	"project", "workflow", "job", "job_name", "branch", "resource_class",
	"executor", "os", "status", "org", "trigger", "user", "team"
};
#define BUDGET_BY_KEYS "project, workflow, job, job_name, branch, " \
	"resource_class, executor, os, status, org, trigger, user or team"

struct budget_parser {
	struct yamlev *y;
	struct budgets *bs;
};

/*
 * The current event as a NUL-terminated string, or NULL when it is not a
 * scalar or holds a NUL byte.
 */
static const char *
budget_scalar(const struct budget_parser *bp)
{
	size_t len;
	const char *s = yamlev_scalar(bp->y, &len);

	return s != NULL && memchr(s, '\0', len) == NULL ? s : NULL;
}

/* The next event, a non-empty string for key `key` of budget `who`. */
static int
budget_string(struct budget_parser *bp, const char *who, const char *key,
    const char *expect, char **out)
{
	const char *s;

	if (yamlev_next(bp->y) < 0)
		return -1;
	s = budget_scalar(bp);
	if (s == NULL || s[0] == '\0')
		return yamlev_error(bp->y, "budget %s: '%s': "
		    "expected %s, found %s", who, key, expect,
		    s != NULL ? "an empty string" :
		    yamlev_what(&bp->y->ev));
	*out = xstrdup(s);
	return 0;
}

/* A number of the current event into *v.  0, or -1 (no message). */
static int
budget_number(const struct budget_parser *bp, dec_t *v)
{
	const char *s = budget_scalar(bp);

	if (s == NULL || bp->y->ev.data.scalar.style !=
	    YAML_PLAIN_SCALAR_STYLE)
		return -1;
	return dec_parse(s, strlen(s), v) == 0 ? 0 : -1;
}

static int
budget_thresholds(struct budget_parser *bp, struct budget *b,
    const char *who)
{
	static const dec_t max = (dec_t)1000 * DEC_ONE;
	int r;

	if (yamlev_next(bp->y) < 0)
		return -1;
	if (bp->y->ev.type != YAML_SEQUENCE_START_EVENT)
		return yamlev_error(bp->y, "budget %s: "
		    "'thresholds': expected a list of percentages such as "
		    "[50, 75, 90, 100], found %s", who,
		    yamlev_what(&bp->y->ev));
	b->nthresholds = 0;
	while ((r = yamlev_entry(bp->y, YAML_SEQUENCE_END_EVENT)) > 0) {
		dec_t v;

		if (budget_number(bp, &v) < 0 || v <= 0 || v > max)
			return yamlev_error(bp->y, "budget "
			    "%s: 'thresholds': expected a percentage above 0 "
			    "and at most 1000, found %s%.100s%s", who,
			    budget_scalar(bp) ? "'" : yamlev_what(
			    &bp->y->ev), budget_scalar(bp) ? budget_scalar(bp) :
			    "", budget_scalar(bp) ? "'" : "");
		if (b->nthresholds > 0 && v <= b->thresholds[b->nthresholds -
		    1])
			return yamlev_error(bp->y, "budget "
			    "%s: 'thresholds': expected ascending "
			    "percentages, found %s after a larger or equal "
			    "one", who, budget_scalar(bp));
		if (b->nthresholds == BUDGET_MAX_THRESHOLDS)
			return yamlev_error(bp->y, "budget "
			    "%s: 'thresholds': expected at most %d", who,
			    BUDGET_MAX_THRESHOLDS);
		b->thresholds[b->nthresholds++] = v;
	}
	if (r == 0 && b->nthresholds == 0)
		return yamlev_error(bp->y, "budget %s: "
		    "'thresholds': expected at least one percentage", who);
	return r;
}

/* by: {KEY: VALUE}; the current event is the key `by`. */
static int
budget_by(struct budget_parser *bp, struct budget *b, const char *who)
{
	const char *k;
	size_t i;

	if (yamlev_next(bp->y) < 0)
		return -1;
	if (bp->y->ev.type != YAML_MAPPING_START_EVENT)
		return yamlev_error(bp->y, "budget %s: 'by': "
		    "expected a mapping of one --by key to a value such as "
		    "{resource_class: xlarge}, found %s", who,
		    yamlev_what(&bp->y->ev));
	if (yamlev_next(bp->y) < 0)
		return -1;
	k = budget_scalar(bp);
	if (k == NULL)
		return yamlev_error(bp->y, "budget %s: 'by': "
		    "expected a --by key, found %s", who,
		    bp->y->ev.type == YAML_MAPPING_END_EVENT ? "an empty mapping" :
		    yamlev_what(&bp->y->ev));
	for (i = 0; i < sizeof(budget_by_keys) / sizeof(budget_by_keys[0]);
	    i++)
		if (strcmp(k, budget_by_keys[i]) == 0)
			break;
	if (i == sizeof(budget_by_keys) / sizeof(budget_by_keys[0]))
		return yamlev_error(bp->y, "budget %s: 'by': "
		    "expected one of %s, found '%.100s'", who, BUDGET_BY_KEYS,
		    k);
	if (strcmp(k, "project") == 0)
		b->scope = BUDGET_PROJECT;
	else if (strcmp(k, "team") == 0)
		b->scope = BUDGET_TEAM;
	else
		b->key = xstrdup(k);
	if (budget_string(bp, who, "by", "a value (a glob)", &b->value) < 0)
		return -1;
	if (yamlev_next(bp->y) < 0)
		return -1;
	if (bp->y->ev.type != YAML_MAPPING_END_EVENT)
		return yamlev_error(bp->y, "budget %s: 'by': "
		    "expected one key and its value, found more", who);
	return 0;
}

/* `scope:`, `project:`, `team:` or `by:`: the current event is the key. */
static int
budget_scope(struct budget_parser *bp, struct budget *b, const char *key,
    const char *who, int *have)
{
	char *s = NULL;

	if (*have)
		return yamlev_error(bp->y, "budget %s: a "
		    "second scope '%s' (expected one of scope: org, project, "
		    "team or by)", who, key);
	*have = 1;
	b->scope_line = yamlev_line(bp->y);
	if (strcmp(key, "by") == 0) {
		b->scope = BUDGET_BY;
		return budget_by(bp, b, who);
	}
	if (strcmp(key, "scope") == 0) {
		if (budget_string(bp, who, key, "org", &s) < 0)
			return -1;
		if (strcmp(s, "org") != 0) {
			free(s);
			return yamlev_error(bp->y, "budget "
			    "%s: 'scope': expected org (or the keys project, "
			    "team or by instead of scope), found '%.100s'",
			    who, budget_scalar(bp));
		}
		free(s);
		b->scope = BUDGET_ORG;
		return 0;
	}
	b->scope = strcmp(key, "team") == 0 ? BUDGET_TEAM : BUDGET_PROJECT;
	return budget_string(bp, who, key, b->scope == BUDGET_TEAM ?
	    "a team of the teams file" : "a project glob such as \"ios-*\"",
	    &b->value);
}

/* The keys of a budget, each allowed once. */
static const char *const budget_keys[] = {
	"name", "scope", "project", "team", "by", "period", "credits", "usd",
	"thresholds"
};
#define BUDGET_NKEYS (sizeof(budget_keys) / sizeof(budget_keys[0]))

/* One budget; the current event is its mapping's start. */
static int
budget_item(struct budget_parser *bp, struct budget *b)
{
	char who[128] = "";
	int seen[BUDGET_NKEYS] = { 0 }, have_scope = 0, have_amount = 0;
	int have_period = 0, r;
	size_t i;

	b->line = yamlev_line(bp->y);
	snprintf(who, sizeof(who), "%lu", (unsigned long)bp->bs->n + 1);
	while ((r = yamlev_entry(bp->y, YAML_MAPPING_END_EVENT)) > 0) {
		const char *key = budget_scalar(bp);
		char *s = NULL;
		dec_t v;

		for (i = 0; key != NULL && i < BUDGET_NKEYS; i++)
			if (strcmp(key, budget_keys[i]) == 0)
				break;
		if (key == NULL || i == BUDGET_NKEYS)
			return yamlev_error_at(bp->y, yamlev_line(bp->y),
			    "budget %s: expected one of the keys name, scope, "
			    "project, team, by, period, credits, usd, "
			    "thresholds, found %s%.100s%s", who, key ? "'" :
			    yamlev_what(&bp->y->ev), key ? key : "",
			    key ? "'" : "");
		if (seen[i]++)
			return yamlev_error_at(bp->y, yamlev_line(bp->y),
			    "budget %s: the key '%s' is given twice (expected "
			    "it once)", who, key);
		key = budget_keys[i];	/* the event goes on the next call */
		if (strcmp(key, "name") == 0) {
			size_t j;

			if (budget_string(bp, who, key, "a budget name",
			    &b->name) < 0)
				return -1;
			for (j = 0; j < bp->bs->n; j++)
				if (strcmp(bp->bs->b[j].name, b->name) == 0)
					return yamlev_error(bp->y,
					    "budget '%.100s' "
					    "is given twice (expected each "
					    "name once)", b->name);
			snprintf(who, sizeof(who), "'%.100s'", b->name);
		} else if (strcmp(key, "period") == 0) {
			if (budget_string(bp, who, key, "week or month",
			    &s) < 0)
				return -1;
			have_period = 1;
			if (strcmp(s, "week") == 0)
				b->period = BUDGET_WEEK;
			else if (strcmp(s, "month") == 0)
				b->period = BUDGET_MONTH;
			else
				have_period = -1;
			free(s);
			if (have_period < 0)
				return yamlev_error_at(bp->y, yamlev_line(bp->y),
				    "budget %s: 'period': expected week "
				    "(Monday to Sunday UTC) or month, found "
				    "'%.100s'", who, budget_scalar(bp));
		} else if (strcmp(key, "credits") == 0 ||
		    strcmp(key, "usd") == 0) {
			if (have_amount)
				return yamlev_error_at(bp->y, yamlev_line(bp->y),
				    "budget %s: both credits and usd "
				    "(expected one amount)", who);
			have_amount = 1;
			b->usd = key[0] == 'u';
			if (yamlev_next(bp->y) < 0)
				return -1;
			if (budget_number(bp, &v) < 0 || v <= 0)
				return yamlev_error_at(bp->y, yamlev_line(bp->y),
				    "budget %s: '%s': expected an amount "
				    "above 0 (below 10^15) such as 3000000, "
				    "found %s%.100s%s", who, key,
				    budget_scalar(bp) ? "'" :
				    yamlev_what(&bp->y->ev),
				    budget_scalar(bp) ? budget_scalar(bp) : "",
				    budget_scalar(bp) ? "'" : "");
			b->amount = v;
		} else if (strcmp(key, "thresholds") == 0) {
			if (budget_thresholds(bp, b, who) < 0)
				return -1;
		} else if (budget_scope(bp, b, key, who, &have_scope) < 0) {
			return -1;
		}
	}
	if (r < 0)
		return -1;
	if (b->name == NULL)
		return yamlev_error_at(bp->y, b->line, "budget %s: expected the "
		    "key 'name'", who);
	if (!have_scope)
		return yamlev_error_at(bp->y, b->line, "budget %s: expected a "
		    "scope: scope: org, project: GLOB, team: TEAM or by: "
		    "{KEY: VALUE}", who);
	if (!have_period)
		return yamlev_error_at(bp->y, b->line, "budget %s: expected the "
		    "key 'period' (week or month)", who);
	if (!have_amount)
		return yamlev_error_at(bp->y, b->line, "budget %s: expected an "
		    "amount: credits: N or usd: N", who);
	return 0;
}

/* The list of budgets; the current event is the key `budgets`. */
static int
budget_list(struct budget_parser *bp)
{
	static const dec_t defaults[] = { 50, 75, 90, 100 };
	struct budgets *bs = bp->bs;
	size_t i;
	int r;

	if (yamlev_next(bp->y) < 0)
		return -1;
	if (bp->y->ev.type != YAML_SEQUENCE_START_EVENT)
		return yamlev_error(bp->y, "'budgets': "
		    "expected a list of budgets (- name: ...), found %s",
		    yamlev_what(&bp->y->ev));
	while ((r = yamlev_entry(bp->y, YAML_SEQUENCE_END_EVENT)) > 0) {
		struct budget *b;

		if (bp->y->ev.type != YAML_MAPPING_START_EVENT)
			return yamlev_error(bp->y, "budget "
			    "%lu: expected a mapping (name, scope, period, "
			    "credits or usd, thresholds), found %s",
			    (unsigned long)bs->n + 1,
			    yamlev_what(&bp->y->ev));
		if (bs->n == BUDGETS_MAX)
			return yamlev_error(bp->y, "expected "
			    "at most %d budgets", BUDGETS_MAX);
		bs->b = xreallocarray(bs->b, bs->n + 1, sizeof(*bs->b));
		b = &bs->b[bs->n];
		memset(b, 0, sizeof(*b));
		for (i = 0; i < 4; i++)
			b->thresholds[i] = defaults[i] * DEC_ONE;
		b->nthresholds = 4;
		r = budget_item(bp, b);
		bs->n++;	/* freed with the rest, parsed or not */
		if (r < 0)
			return -1;
	}
	if (r == 0 && bs->n == 0)
		return yamlev_error(bp->y, "'budgets': "
		    "expected at least one budget, found an empty list");
	return r;
}

/* The value of the key `budgets`. */
static int
budget_value(struct yamlev *y, void *ctx)
{
	struct budget_parser bp = { y, ctx };

	return budget_list(&bp);
}

struct budgets *
budgets_parse(const char *name, const char *buf, size_t len)
{
	struct budgets *bs = xcalloc(1, sizeof(*bs));

	bs->path = xstrdup(name);
	if (yamlev_parse(name, buf, len, "budgets", budget_value, bs) < 0) {
		budgets_free(bs);
		return NULL;
	}
	return bs;
}

struct budgets *
budgets_load(const char *path)
{
	struct budgets *bs = NULL;
	size_t n;
	char *buf = read_small_file(path, "the budgets file", BUDGETS_MAX_FILE, &n);

	if (buf != NULL)
		bs = budgets_parse(path, buf, n);
	free(buf);
	return bs;
}

void
budgets_free(struct budgets *bs)
{
	size_t i;

	if (bs == NULL)
		return;
	for (i = 0; i < bs->n; i++) {
		free(bs->b[i].name);
		free(bs->b[i].key);
		free(bs->b[i].value);
	}
	free(bs->b);
	free(bs->path);
	free(bs);
}

const char *
budget_period_name(enum budget_period p)
{
	return p == BUDGET_WEEK ? "week" : "month";
}

const char *
budget_status_name(enum budget_status s)
{
	switch (s) {
	case BUDGET_WARNING:
		return "warning";
	case BUDGET_PROJECTED_OVER:
		return "projected_over";
	case BUDGET_OVER:
		return "over";
	default:
		return "ok";
	}
}

void
budget_period_bounds(enum budget_period p, int32_t at, int32_t *start,
    int32_t *end)
{
	int y, m, d;

	if (p == BUDGET_WEEK) {
		*start = date_week_start(at);
		*end = *start + 6;
		return;
	}
	date_to_ymd(at, &y, &m, &d);
	*start = date_from_ymd(y, m, 1);
	*end = (m == 12 ? date_from_ymd(y + 1, 1, 1) :
	    date_from_ymd(y, m + 1, 1)) - 1;
}

/* The spend of day `day`: 0 outside the series. */
static dec_t
budget_day(const dec_t *daily, int32_t first, size_t ndays, int32_t day)
{
	if (day < first || (int64_t)day - first >= (int64_t)ndays)
		return 0;
	return daily[day - first];
}

int
budget_profile(const dec_t *daily, int32_t first, size_t ndays,
    int32_t hist_start, int32_t at, dec_t expected[7])
{
	dec_t sum[7] = { 0 }, all = 0;
	int n[7] = { 0 }, days, i;
	int32_t from = at - BUDGET_HISTORY_DAYS, d;

	if (hist_start > from)
		from = hist_start;
	days = from < at ? (int)(at - from) : 0;
	for (d = from; d < at; d++) {
		dec_t v = budget_day(daily, first, ndays, d);

		i = date_weekday(d) - 1;
		sum[i] = dec_add_or_die(sum[i], v, "a weekday's credits");
		all = dec_add_or_die(all, v, "the history's credits");
		n[i]++;
	}
	/*
	 * The means rounded half away from zero to 6 decimals, the
	 * exports' precision, so that the projection prints as credits do.
	 */
	for (i = 0; i < 7; i++) {
		if (days >= 7)
			expected[i] = dec_round(sum[i] / n[i], 6);
		else
			expected[i] = days > 0 ? dec_round(all / days, 6) : 0;
	}
	return days;
}

void
budget_evaluate(const struct budget *b, dec_t amount, const dec_t *daily,
    int32_t first, size_t ndays, int32_t hist_start, int32_t at,
    struct budget_eval *e)
{
	budget_evaluate_period(b, at, amount, daily, first, ndays, hist_start,
	    at, e);
}

void
budget_evaluate_period(const struct budget *b, int32_t in, dec_t amount,
    const dec_t *daily, int32_t first, size_t ndays, int32_t hist_start,
    int32_t at, struct budget_eval *e)
{
	dec_t expected[7], cum = 0;
	int32_t d;
	size_t i;

	memset(e, 0, sizeof(*e));
	budget_period_bounds(b->period, in, &e->start, &e->end);
	e->amount = amount;
	e->history_days = budget_profile(daily, first, ndays, hist_start, at,
	    expected);
	for (d = e->start; d <= e->end; d++) {
		dec_t v = d < at ? budget_day(daily, first, ndays, d) :
		    expected[date_weekday(d) - 1];

		cum = dec_add_or_die(cum, v, "a budget's credits");
		if (d < at)
			e->spent = cum;
		if (!e->have_runs_out && cum >= amount) {
			e->have_runs_out = 1;
			e->runs_out = d;
		}
	}
	e->projected = cum;
	e->used_pct = dec_percent_or_die(e->spent, amount, "a budget's share");
	e->projected_pct = dec_percent_or_die(e->projected, amount,
	    "a budget's projected share");
	e->threshold = -1;
	for (i = 0; i < b->nthresholds; i++)
		if (e->used_pct >= b->thresholds[i])
			e->threshold = (int)i;
	if (e->spent >= amount)
		e->status = BUDGET_OVER;
	else if (e->projected > amount)
		e->status = BUDGET_PROJECTED_OVER;
	else if (e->threshold >= 0)
		e->status = BUDGET_WARNING;
	else
		e->status = BUDGET_OK;
}

int
budget_div(dec_t a, dec_t b, int places, dec_t *out)
{
	budget_u128 q, r, ub = (budget_u128)b;
	int i, j;

	if (a < 0 || b <= 0 || places < 0 || places > 18)
		return -1;
	q = (budget_u128)a / ub;
	r = (budget_u128)a % ub;
	for (i = 0; i < places; i++) {
		budget_u128 acc = 0;
		unsigned digit = 0;

		/* 10 * r by repeated addition: r < b, so acc < 2b fits */
		for (j = 0; j < 10; j++) {
			acc += r;
			if (acc >= ub) {
				acc -= ub;
				digit++;
			}
		}
		r = acc;
		if (q > (budget_u128)DEC_SUM_MAX)
			return -1;
		q = q * 10 + digit;
	}
	if (r >= ub - r)	/* 2r >= b: half, away from zero */
		q++;
	for (i = places; i < 18; i++) {
		if (q > (budget_u128)DEC_SUM_MAX)
			return -1;
		q *= 10;
	}
	if (q > (budget_u128)DEC_SUM_MAX)
		return -1;
	*out = (dec_t)q;
	return 0;
}
