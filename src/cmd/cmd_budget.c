/*
 * cmd_budget.c: `circleci-usage budget`, each budget of a budgets file
 * (budget.h) in its current week or month: spent so far, its share, the
 * projected spend at the period's end, the day it runs out at the
 * current pace and a status.  One pass over the data, by day and the
 * keys the budgets' scopes need.
 */
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "budget.h"
#include "cmd.h"
#include "cmdopt.h"
#include "date.h"
#include "grid.h"
#include "range.h"
#include "report.h"
#include "rollup.h"
#include "util.h"

#define BUDGET_ENV "CIRCLECI_USAGE_BUDGETS"

const struct cmdopt_cmd budget_cmd = {
	.name = "budget",
	.summary = "budgets: spent, projected, runs out, status",
	.usage =
"usage: circleci-usage budget [options] PATH...\n"
"       circleci-usage budget --db FILE [options]\n"
"\n"
"For each budget of the budgets file (--budgets, else\n"
"$CIRCLECI_USAGE_BUDGETS; see doc/budgets.md), its current period (the\n"
"week, Monday to Sunday UTC, or the month that holds --at): the credits\n"
"spent on the days before --at, their share of the budget, the projected\n"
"spend at the period's end (each day left at its weekday's mean over the\n"
"last four weeks), the day the budget runs out at that pace, and a\n"
"status: ok, warning (a threshold crossed), projected_over, over.  PATH\n"
"is as for `report`.\n",
	.opts = (const struct cmdopt_use[]){
		CMDOPT_HEADING("Options:"),
		CMDOPT(CO_BUDGETS),
		CMDOPT_HELP(CO_AT, "the day taken as today (default: today, "
		    "UTC): its week or month is the current period, and spent "
		    "so far counts the days before it"),
		CMDOPT_HELP(CO_TEAMS, "the teams file (YAML), for budgets "
		    "with a team scope (default $CIRCLECI_USAGE_TEAMS)"),
		CMDOPT(CO_CSV_SAFE),
		CMDOPT_HELP(CO_FORMAT, "table (default on a terminal), csv "
		    "(default otherwise), json (rows, meta), markdown"),
		CMDOPT(CO_DB), CMDOPT(CO_OUTPUT),
		CMDOPT_HELP(CO_CREDIT_PRICE, "price of one credit, for the "
		    "usd columns and usd amounts (default "
		    CMDOPT_CREDIT_PRICE ")"),
		CMDOPT_INPUT, CMDOPT_END
	},
	.epilog =
"Columns: budget, scope, period, start, end, amount_credits, amount_usd,\n"
"spent_credits, spent_usd, used_pct, projected_credits, projected_usd,\n"
"projected_pct, runs_out (a date, or empty), status, threshold (the\n"
"highest one used_pct reached, or empty), history_days (the days of\n"
"history the projection used, at most 28).  A status is not an error:\n"
"the exit code is 0.\n",
};

static const char *const budget_heads[] = {
	"budget", "scope", "period", "start", "end", "amount_credits",
	"amount_usd", "spent_credits", "spent_usd", "used_pct",
	"projected_credits", "projected_usd", "projected_pct", "runs_out",
	"status", "threshold", "history_days"
};
#define BUDGET_NCOLS (sizeof(budget_heads) / sizeof(budget_heads[0]))
static const int budget_numeric[BUDGET_NCOLS] = {
	0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 1, 1
};

/* What the command works out per budget. */
struct budget_job {
	dec_t amount;		/* in credits */
	size_t set;		/* the grouping set its sums come from */
	const char *key;	/* the key of its scope there, or NULL */
	uint32_t team;		/* BUDGET_TEAM: its index in the teams */
	dec_t *daily;		/* days first .. at - 1 */
};

/*
 * The amounts in credits and the teams of the budgets.  Returns 0, or
 * EXIT_USAGE after the error.
 */
static int
budget_prepare(const struct budgets *bs, const struct teams *teams,
    dec_t price, struct budget_job *jobs)
{
	size_t i, t;

	for (i = 0; i < bs->n; i++) {
		const struct budget *b = &bs->b[i];

		jobs[i].amount = b->amount;
		if (b->usd && (price <= 0 || budget_div(b->amount, price, 2,
		    &jobs[i].amount) < 0 || jobs[i].amount <= 0)) {
			error("%s:%lu: budget '%.100s': usd needs a "
			    "--credit-price above 0 that makes it at least "
			    "0.01 credits", bs->path, b->line, b->name);
			return cmdopt_hint("budget");
		}
		if (b->scope != BUDGET_TEAM)
			continue;
		if (teams == NULL) {
			error("%s:%lu: budget '%.100s': team '%.100s' needs a "
			    "teams file (--teams FILE or CIRCLECI_USAGE_TEAMS)",
			    bs->path, b->scope_line, b->name, b->value);
			return cmdopt_hint("budget");
		}
		for (t = 0; t < teams->nteams; t++)
			if (strcmp(teams->names[t], b->value) == 0)
				break;
		if (t == teams->nteams) {
			error("%s:%lu: budget '%.100s': expected a team of the "
			    "teams file '%s', found '%.100s'", bs->path,
			    b->scope_line, b->name, teams->path, b->value);
			return cmdopt_hint("budget");
		}
		jobs[i].team = (uint32_t)t;
	}
	return 0;
}

/*
 * The keys the scopes need, each once, into keys[] (at most bs->n + 1):
 * project for project and team scopes, each by key.  Returns how many.
 */
static size_t
budget_scope_keys(const struct budgets *bs, const char **keys)
{
	size_t i, j, n = 0;

	for (i = 0; i < bs->n; i++) {
		const struct budget *b = &bs->b[i];
		const char *k = b->scope == BUDGET_BY ? b->key :
		    b->scope == BUDGET_ORG ? NULL : "project";

		for (j = 0; k != NULL && j < n; j++)
			if (strcmp(keys[j], k) == 0)
				break;
		if (k != NULL && j == n)
			keys[n++] = k;
	}
	return n;
}

/*
 * One pass for every budget: a grouping set "day,KEY" for each key the
 * scopes need (report_parse_sets), so that no set is the cross product
 * of the others; with more keys than REPORT_MAX_SETS, one grouping by
 * day and all of them.  Each job gets its set.  Returns 0, or -1 after
 * an error.
 */
static int
budget_grouping(const struct budgets *bs, struct budget_job *jobs,
    struct report_opts *o)
{
	const char **keys = xcalloc(bs->n + 1, sizeof(*keys));
	char *lists[REPORT_MAX_SETS], *all;
	size_t n = budget_scope_keys(bs, keys), i, j;
	int ret;

	for (i = 0; i < bs->n; i++) {
		const struct budget *b = &bs->b[i];

		jobs[i].key = b->scope == BUDGET_BY ? b->key :
		    b->scope == BUDGET_ORG ? NULL : "project";
		jobs[i].set = 0;
		for (j = 0; n <= REPORT_MAX_SETS && jobs[i].key != NULL &&
		    j < n; j++)
			if (strcmp(keys[j], jobs[i].key) == 0)
				jobs[i].set = j;
	}
	if (n > 1 && n <= REPORT_MAX_SETS) {
		for (i = 0; i < n; i++)
			lists[i] = xasprintf("day,%s", keys[i]);
		ret = report_parse_sets(o, (const char *const *)lists, n);
		for (i = 0; i < n; i++)
			free(lists[i]);
	} else {
		struct sbuf sb;

		sbuf_init(&sb, 1 << 16);
		sbuf_addstr(&sb, "day");
		for (i = 0; i < n; i++)
			sbuf_addf(&sb, ",%s", keys[i]);
		all = sbuf_detach(&sb);
		ret = report_parse_by(o, all);
		free(all);
	}
	free(keys);
	return ret;
}

/* A key part as a NUL-terminated string in buf (cut at a NUL byte). */
static const char *
budget_part(const struct agg_group *g, int idx, char *buf, size_t size)
{
	size_t len;
	const char *s = agg_key_part(g->key, g->keylen, (size_t)idx, &len);

	if (len >= size)
		len = size - 1;
	memcpy(buf, s, len);
	buf[len] = '\0';
	return buf;
}

/*
 * Is the group in budget b's scope?  kkey is the index of its scope's key
 * in the group's set; *team caches the group's team (UINT32_MAX: not yet).
 */
static int
budget_in(const struct budget *b, const struct budget_job *job,
    const struct teams *teams, const struct agg_group *gr, int kkey,
    uint32_t *team)
{
	char val[4096];

	if (b->scope == BUDGET_ORG)
		return 1;
	budget_part(gr, kkey, val, sizeof(val));
	if (b->scope != BUDGET_TEAM)
		return fnmatch(b->value, val, 0) == 0;
	/* the group's team once; an empty project has none (teams.h) */
	if (*team == UINT32_MAX)
		*team = val[0] ? teams_match(teams, val) :
		    (uint32_t)teams->nteams;
	return *team == job->team;
}

/*
 * Sum each group of res into the daily series of the budgets it is in,
 * each budget from its grouping set.
 */
static void
budget_sum(const struct budgets *bs, struct budget_job *jobs,
    const struct report_opts *o, const struct report_result *res,
    const struct teams *teams, int32_t first, int32_t at)
{
	size_t s, g, i;

	for (s = 0; s < report_nsets(o); s++) {
		const struct agg *a = report_set_groups(res, s);
		struct report_opts so;
		int kday, *kkey = xcalloc(bs->n, sizeof(*kkey));

		report_set_opts(o, s, &so);
		kday = rollup_key_index(&so, "day");
		for (i = 0; i < bs->n; i++)
			kkey[i] = jobs[i].key != NULL && jobs[i].set == s ?
			    rollup_key_index(&so, jobs[i].key) : -1;
		for (g = 0; g < a->n; g++) {
			const struct agg_group *gr = &a->groups[g];
			uint32_t team = UINT32_MAX;
			const char *d;
			int32_t day;
			size_t len;

			d = agg_key_part(gr->key, gr->keylen, (size_t)kday,
			    &len);
			if (date_parse(d, len, &day) < 0 || day < first ||
			    day >= at)
				continue;
			for (i = 0; i < bs->n; i++) {
				if (jobs[i].set != s || !budget_in(&bs->b[i],
				    &jobs[i], teams, gr, kkey[i], &team))
					continue;
				jobs[i].daily[day - first] = dec_add_or_die(
				    jobs[i].daily[day - first],
				    gr->m.credits[CR_TOTAL], "a budget's "
				    "credits");
			}
		}
		free(kkey);
		report_opts_release(&so);
	}
}

static void
budget_scope_text(const struct budget *b, char *buf, size_t size)
{
	switch (b->scope) {
	case BUDGET_ORG:
		snprintf(buf, size, "org");
		break;
	case BUDGET_PROJECT:
		snprintf(buf, size, "project:%s", b->value);
		break;
	case BUDGET_TEAM:
		snprintf(buf, size, "team:%s", b->value);
		break;
	case BUDGET_BY:
		snprintf(buf, size, "%s:%s", b->key, b->value);
		break;
	}
}

static void
budget_row(struct grid *g, const struct budget *b, const struct budget_eval
    *e, dec_t price)
{
	size_t row = grid_row(g), c = 0;
	char buf[4096], day[DATE_BUFSZ];

	grid_setstr(g, row, c++, b->name);
	budget_scope_text(b, buf, sizeof(buf));
	grid_setstr(g, row, c++, buf);
	grid_setstr(g, row, c++, budget_period_name(b->period));
	date_format_day(e->start, day);
	grid_setstr(g, row, c++, day);
	date_format_day(e->end, day);
	grid_setstr(g, row, c++, day);
	grid_set_num(g, row, c++, GN_CREDITS, e->amount);
	grid_set_num(g, row, c++, GN_USD, b->usd ? b->amount :
	    dec_cost_or_die(e->amount, price));
	grid_set_num(g, row, c++, GN_CREDITS, e->spent);
	grid_set_num(g, row, c++, GN_USD, dec_cost_or_die(e->spent, price));
	grid_set_num(g, row, c++, GN_PCT, e->used_pct);
	grid_set_num(g, row, c++, GN_CREDITS, e->projected);
	grid_set_num(g, row, c++, GN_USD, dec_cost_or_die(e->projected,
	    price));
	grid_set_num(g, row, c++, GN_PCT, e->projected_pct);
	if (e->have_runs_out) {
		date_format_day(e->runs_out, day);
		grid_setstr(g, row, c, day);
	}
	c++;
	grid_setstr(g, row, c++, budget_status_name(e->status));
	if (e->threshold >= 0)
		grid_set_num(g, row, c, GN_PCT, b->thresholds[e->threshold]);
	c++;
	grid_set_num(g, row, c, GN_COUNT, dec_from_int(e->history_days));
}

/* The JSON meta object.  The caller frees it. */
static char *
budget_meta(const struct report_result *r, int32_t at, int32_t hist_start)
{
	char d0[DATE_BUFSZ], d1[DATE_BUFSZ], d2[DATE_BUFSZ];
	struct sbuf sb;

	date_format_day(at, d0);
	sbuf_init(&sb, 1 << 20);
	sbuf_addf(&sb, "{\"at\": \"%s\", ", d0);
	date_format_day(at - 1, d0);
	sbuf_addf(&sb, "\"spent_through\": \"%s\", \"files\": %llu, "
	    "\"rows_read\": %llu, \"rows_skipped\": %llu, "
	    "\"rows_filtered\": %llu, \"duplicates\": %llu, ", d0,
	    (unsigned long long)r->files, (unsigned long long)r->rows_read,
	    (unsigned long long)r->rows_skipped,
	    (unsigned long long)r->rows_filtered,
	    (unsigned long long)r->duplicates);
	if (r->have_dates) {
		date_format_day(hist_start, d1);
		date_format_day(r->last_date, d2);
		sbuf_addf(&sb, "\"first_date\": \"%s\", \"last_date\": "
		    "\"%s\"}", d1, d2);
	} else {
		sbuf_addstr(&sb, "\"first_date\": null, \"last_date\": null}");
	}
	return sbuf_detach(&sb);
}

int
cmd_budget(int argc, char **argv)
{
	struct report_result res;
	struct grid_out dst;
	struct grid rows;
	struct cmdopt co;
	struct cmdopt_value val;
	struct budgets *bs = NULL;
	struct budget_job *jobs = NULL;
	const char *path = NULL;
	char *meta, title[200], day[DATE_BUFSZ];
	int32_t at = (int32_t)(range_now_ms() / MS_PER_DAY), first, start, end;
	int32_t hist_start;
	size_t i, counts[4] = { 0 };
	int id, have_res = 0, have_grid = 0, ret;

	cmdopt_init(&co, &budget_cmd, NULL);
	while ((id = cmdopt_next(&co, argc, argv, &val)) > 0) {
		if (id == CO_AT)
			at = val.day;
		else if (id == CO_BUDGETS)
			path = val.str;
	}
	if (id < 0) {
		ret = co.status;
		goto out;
	}
	if (path == NULL && (path = getenv(BUDGET_ENV)) != NULL &&
	    path[0] == '\0')
		path = NULL;
	if (path == NULL) {
		ret = cmdopt_usage("budget", "no budgets file: give --budgets "
		    "FILE or set " BUDGET_ENV);
		goto out;
	}
	if ((bs = budgets_load(path)) == NULL) {
		ret = cmdopt_hint("budget");
		goto out;
	}
	jobs = xcalloc(bs->n, sizeof(*jobs));
	if ((ret = budget_prepare(bs, co.teams, co.price, jobs)) != 0)
		goto out;
	if ((ret = cmdopt_inputs(&co, argc, argv, &co.in)) != 0)
		goto out;
	/* the days before --at: the day itself is not complete */
	first = at - BUDGET_HISTORY_DAYS;
	for (i = 0; i < bs->n; i++) {
		budget_period_bounds(bs->b[i].period, at, &start, &end);
		if (start < first)
			first = start;
	}
	if (budget_grouping(bs, jobs, &co.o) < 0) {
		ret = cmdopt_hint("budget");
		goto out;
	}
	co.o.until = at - 1;
	for (i = 0; i < bs->n; i++)
		jobs[i].daily = xcalloc((size_t)(at - first), sizeof(dec_t));
	ret = cmdopt_read(&co, &res);
	have_res = 1;
	if (ret != 0)
		goto out;
	budget_sum(bs, jobs, &co.o, &res, co.teams, first, at);
	if (res.have_dates && res.last_date < at - 1) {
		char last[DATE_BUFSZ], next[DATE_BUFSZ];

		date_format_day(res.last_date, last);
		date_format_day(res.last_date + 1, next);
		warning("the data ends on %s: the days after it, before --at, "
		    "count as nothing spent (--at %s would take the data as "
		    "complete)", last, next);
	}
	/* the history starts with the data: days before it are unknown */
	hist_start = res.have_dates ? res.first_date : at;
	grid_init(&rows, budget_heads, budget_numeric, BUDGET_NCOLS, 1);
	have_grid = 1;
	rows.csv_safe = co.o.csv_safe;
	rows.trim_last = 0;
	for (i = 0; i < bs->n; i++) {
		struct budget_eval e;

		budget_evaluate(&bs->b[i], jobs[i].amount, jobs[i].daily,
		    first, (size_t)(at - first), hist_start, at, &e);
		budget_row(&rows, &bs->b[i], &e, co.price);
		counts[e.status]++;
	}
	date_format_day(at, day);
	snprintf(title, sizeof(title), "Budgets on %s: %zu over, %zu "
	    "projected over, %zu warning, %zu ok", day, counts[BUDGET_OVER],
	    counts[BUDGET_PROJECTED_OVER], counts[BUDGET_WARNING],
	    counts[BUDGET_OK]);
	meta = budget_meta(&res, at, hist_start);
	cmdopt_grid_out(&co, &dst);
	ret = grid_write_file(&rows, NULL, title, meta, &dst) < 0 ?
	    EXIT_FAILURE_OTHER : EXIT_OK;
	free(meta);
out:
	if (have_grid)
		grid_release(&rows);
	if (have_res)
		report_result_release(&res);
	for (i = 0; jobs != NULL && i < bs->n; i++)
		free(jobs[i].daily);
	free(jobs);
	budgets_free(bs);
	cmdopt_release(&co);
	return ret;
}
