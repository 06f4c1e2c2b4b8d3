/*
 * budgetcalc.c: every budget of a budgets file from one read of the data
 * (budgetcalc.h): a grouping set "day,KEY" per key the scopes need, each
 * group's daily credits summed into the budgets whose scope holds it.
 */
#include "budgetcalc.h"

#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "date.h"
#include "rollup.h"
#include "util.h"

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
 * The amounts in credits and the teams of the budgets.  Returns 0, or -1
 * after the error.
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
			return -1;
		}
		if (b->scope != BUDGET_TEAM)
			continue;
		if (teams == NULL) {
			error("%s:%lu: budget '%.100s': team '%.100s' needs a "
			    "teams file (--teams FILE or CIRCLECI_USAGE_TEAMS)",
			    bs->path, b->scope_line, b->name, b->value);
			return -1;
		}
		for (t = 0; t < teams->nteams; t++)
			if (strcmp(teams->names[t], b->value) == 0)
				break;
		if (t == teams->nteams) {
			error("%s:%lu: budget '%.100s': expected a team of the "
			    "teams file '%s', found '%.100s'", bs->path,
			    b->scope_line, b->name, teams->path, b->value);
			return -1;
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

void
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
budget_calc_init(struct budget_calc *c, const struct budgets *bs,
    const struct teams *teams, dec_t price, int32_t at, int closing)
{
	int32_t start, end;
	size_t i;

	memset(c, 0, sizeof(*c));
	c->bs = bs;
	c->teams = teams;
	c->price = price;
	c->at = at;
	c->in = closing ? at - 1 : at;
	c->hist_start = at;
	c->jobs = xcalloc(bs->n ? bs->n : 1, sizeof(*c->jobs));
	c->e = xcalloc(bs->n ? bs->n : 1, sizeof(*c->e));
	if (budget_prepare(bs, teams, price, c->jobs) < 0)
		return -1;
	/* four weeks of weekdays before at, and each period's start */
	c->first = at - BUDGET_HISTORY_DAYS;
	for (i = 0; i < bs->n; i++) {
		budget_period_bounds(bs->b[i].period, c->in, &start, &end);
		if (start < c->first)
			c->first = start;
	}
	return 0;
}

int
budget_calc_sets(struct budget_calc *c, struct report_opts *o)
{
	if (budget_grouping(c->bs, c->jobs, o) < 0)
		return -1;
	/* the days before at: the day itself is not complete */
	o->until = c->at - 1;
	if (o->since < c->first)
		o->since = c->first;
	return 0;
}

/*
 * A period that began before the data did: its spend so far counts from
 * the data's first day only, so it is understated (a month judged from a
 * week's export).  One warning, naming the earliest such period's budget.
 */
static void
budget_calc_warn_start(const struct budget_calc *c)
{
	char from[DATE_BUFSZ], start[DATE_BUFSZ];
	size_t i, n = 0, k = 0;

	for (i = 0; i < c->bs->n; i++)
		if (c->e[i].start < c->hist_start && c->e[i].start < c->at &&
		    n++ == 0)
			k = i;
	if (n == 0)
		return;
	date_format_day(c->hist_start, from);
	date_format_day(c->e[k].start, start);
	warning("the data start on %s, after the first day of %zu budget "
	    "period%s ('%s' from %s): what was spent before it counts as "
	    "nothing (give the history with --db, or the exports since %s)",
	    from, n, n == 1 ? "" : "s", c->bs->b[k].name, start, start);
}

/* The --by list of set s of o: its keys' names. */
static char *
budget_set_list(const struct report_opts *o, size_t s)
{
	struct report_opts so;
	struct sbuf sb;
	size_t k;

	report_set_opts(o, s, &so);
	sbuf_init(&sb, 1 << 16);
	for (k = 0; k < so.nkeys; k++)
		sbuf_addf(&sb, "%s%s", k ? "," : "", so.keys[k].name);
	report_opts_release(&so);
	return sbuf_detach(&sb);
}

size_t
budget_set_lists(const struct budgets *bs, char **lists)
{
	struct budget_job *jobs = xcalloc(bs->n + 1, sizeof(*jobs));
	struct report_opts o;
	size_t s, n = 0;

	report_opts_init(&o);
	/* the keys were checked when the file loaded: no error here */
	if (budget_grouping(bs, jobs, &o) == 0)
		for (s = 0; s < report_nsets(&o); s++)
			lists[n++] = budget_set_list(&o, s);
	report_opts_release(&o);
	free(jobs);
	return n;
}

/* The days a roll-up keeps: those the budgets' read would count. */
struct budget_window {
	int32_t since, until;
};

static int
budget_window_keep(void *ctx, const struct report_opts *so, const char *key,
    size_t keylen)
{
	const struct budget_window *w = ctx;
	size_t len;
	const char *d = agg_key_part(key, keylen,
	    (size_t)rollup_key_index(so, "day"), &len);
	int32_t day;

	return date_parse(d, len, &day) == 0 && day >= w->since &&
	    day <= w->until;
}

/* Has o a filter (but the manifest's range, which every read has)? */
static int
budget_filtered(const struct report_opts *o)
{
	return o->nprojects || o->nbranches || o->nstatuses ||
	    o->since != INT32_MIN || o->until != INT32_MAX;
}

/*
 * Can src serve the budgets grouped by o (budget_calc_eval_from())?
 * Their days apart, each without a filter or a row without a day, with
 * every set.
 */
static int
budget_can_serve(const struct report_opts *o,
    const struct report_opts *const *so,
    const struct report_result *const *src, size_t n)
{
	size_t i, j, s;

	for (i = 0; i < n; i++) {
		const struct report_result *r = src[i];

		if (r->from_db || budget_filtered(so[i]) ||
		    r->dup_days.lost || r->dup_days.undated ||
		    !rollup_can(so[i], "day"))
			return 0;
		for (s = 0; s < report_nsets(so[i]); s++)
			if (r->set_skipped[s])
				return 0;
		for (s = 0; s < report_nsets(o); s++) {
			char *by = budget_set_list(o, s);
			int can = rollup_can(so[i], by);

			free(by);
			if (!can)
				return 0;
		}
		for (j = 0; j < i; j++)
			if (r->have_dates && src[j]->have_dates &&
			    r->first_date <= src[j]->last_date &&
			    src[j]->first_date <= r->last_date)
				return 0;
	}
	return 1;
}

/*
 * Add the groups of set s of the budgets' read (grouped by o) that src
 * has on the days of w into a.  Returns 0, or -1 when the keys do not
 * come in the set's order.
 */
static int
budget_add_set(struct agg *a, const struct report_opts *o, size_t s,
    const struct report_opts *so, const struct report_result *src,
    struct budget_window *w)
{
	struct rollup_filter flt = { budget_window_keep, NULL, "day" };
	struct report_opts ko, seto;
	struct report_result kr;
	char *by = budget_set_list(o, s);
	size_t g, k;
	int ret = 0;

	flt.ctx = w;
	report_set_opts(o, s, &seto);
	if (rollup_build(&ko, &kr, so, src, by, &flt) < 0)
		ret = -1;
	for (k = 0; ret == 0 && k < seto.nkeys; k++)
		if (k >= ko.nkeys || strcmp(ko.keys[k].name,
		    seto.keys[k].name) != 0)
			ret = -1;
	for (g = 0; ret == 0 && g < kr.groups.n; g++) {
		const struct agg_group *gr = &kr.groups.groups[g];
		struct agg_group *d = agg_get(a, gr->key, gr->keylen,
		    gr->hash);

		/* sums of the report's groups: bounded (report.h) */
		metrics_add_bounded(&d->m, &gr->m);
	}
	report_result_release(&kr);
	report_opts_release(&ko);
	report_opts_release(&seto);
	free(by);
	return ret;
}

/*
 * The meta of src as a read with w's dates would have it, added into
 * res: the job runs and duplicates outside w filtered out, the dates of
 * those inside.
 */
static int
budget_add_meta(struct report_result *res, const struct report_opts *so,
    const struct report_result *src, const struct budget_window *w)
{
	struct report_opts ko;
	struct report_result kr;
	uint64_t out = day_counts_outside(&src->dup_days, w->since,
	    w->until);
	size_t g;
	int ret = 0;

	if (rollup_build(&ko, &kr, so, src, "day", NULL) < 0)
		ret = -1;
	for (g = 0; ret == 0 && g < kr.groups.n; g++) {
		const struct agg_group *gr = &kr.groups.groups[g];
		size_t len;
		const char *d = agg_key_part(gr->key, gr->keylen, 0, &len);
		int32_t day;

		if (date_parse(d, len, &day) < 0) {
			ret = -1;
		} else if (day < w->since || day > w->until) {
			out += gr->m.jobs;
		} else {
			if (!res->have_dates || day < res->first_date)
				res->first_date = day;
			if (!res->have_dates || day > res->last_date)
				res->last_date = day;
			res->have_dates = 1;
			metrics_add_bounded(&res->totals, &gr->m);
		}
	}
	res->files += src->files;
	res->rows_read += src->rows_read;
	res->rows_skipped += src->rows_skipped;
	res->rows_filtered += src->rows_filtered + out;
	res->rows_outside += src->rows_outside;
	res->duplicates += src->duplicates - day_counts_outside(
	    &src->dup_days, w->since, w->until);
	res->bytes += src->bytes;
	report_result_release(&kr);
	report_opts_release(&ko);
	return ret;
}

int
budget_calc_eval_from(struct budget_calc *c,
    const struct report_opts *const *so,
    const struct report_result *const *src, size_t n,
    struct report_result *res)
{
	struct report_opts o;
	struct budget_window w;
	size_t i, s;
	int ret = -1;

	memset(res, 0, sizeof(*res));
	report_opts_init(&o);
	if (budget_calc_sets(c, &o) < 0 || !budget_can_serve(&o, so, src, n))
		goto out;
	w.since = o.since;
	w.until = o.until;
	ret = 0;
	for (s = 0; s < report_nsets(&o) && ret == 0; s++) {
		struct agg *a = s == 0 ? &res->groups : &res->more[s - 1];

		agg_init(a);
		for (i = 0; i < n && ret == 0; i++)
			ret = budget_add_set(a, &o, s, so[i], src[i], &w);
	}
	for (i = 0; i < n && ret == 0; i++)
		ret = budget_add_meta(res, so[i], src[i], &w);
	if (ret == 0)
		budget_calc_eval(c, &o, res);
	else
		report_result_release(res);
out:
	report_opts_release(&o);
	return ret;
}

void
budget_calc_eval(struct budget_calc *c, const struct report_opts *o,
    const struct report_result *res)
{
	size_t i, ndays = (size_t)(c->at - c->first);

	for (i = 0; i < c->bs->n; i++)
		c->jobs[i].daily = xcalloc(ndays ? ndays : 1, sizeof(dec_t));
	budget_sum(c->bs, c->jobs, o, res, c->teams, c->first, c->at);
	if (!c->complete && res->have_dates && res->last_date < c->at - 1) {
		char last[DATE_BUFSZ], next[DATE_BUFSZ];

		date_format_day(res->last_date, last);
		date_format_day(res->last_date + 1, next);
		warning("the data ends on %s: the days after it, before --at, "
		    "count as nothing spent (--at %s would take the data as "
		    "complete)", last, next);
	}
	/* the history starts with the data: days before it are unknown */
	c->hist_start = res->have_dates ? res->first_date : c->at;
	memset(c->counts, 0, sizeof(c->counts));
	for (i = 0; i < c->bs->n; i++) {
		budget_evaluate_period(&c->bs->b[i], c->in, c->jobs[i].amount,
		    c->jobs[i].daily, c->first, ndays, c->hist_start, c->at,
		    &c->e[i]);
		c->counts[c->e[i].status]++;
	}
	budget_calc_warn_start(c);
}

int
budget_calc_write(const struct budget_calc *c, const struct report_result *res,
    int csv_safe, const struct grid_out *dst)
{
	struct grid rows;
	char *meta, title[200], day[DATE_BUFSZ];
	size_t i;
	int ret;

	grid_init(&rows, budget_heads, budget_numeric, BUDGET_NCOLS, 1);
	rows.csv_safe = csv_safe;
	rows.trim_last = 0;
	for (i = 0; i < c->bs->n; i++)
		budget_row(&rows, &c->bs->b[i], &c->e[i], c->price);
	date_format_day(c->at, day);
	snprintf(title, sizeof(title), "Budgets on %s: %zu over, %zu "
	    "projected over, %zu warning, %zu ok", day,
	    c->counts[BUDGET_OVER], c->counts[BUDGET_PROJECTED_OVER],
	    c->counts[BUDGET_WARNING], c->counts[BUDGET_OK]);
	meta = budget_meta(res, c->at, c->hist_start);
	ret = grid_write_file(&rows, NULL, title, meta, dst);
	free(meta);
	grid_release(&rows);
	return ret;
}

void
budget_calc_release(struct budget_calc *c)
{
	size_t i;

	for (i = 0; c->jobs != NULL && i < c->bs->n; i++)
		free(c->jobs[i].daily);
	free(c->jobs);
	free(c->e);
	c->jobs = NULL;
	c->e = NULL;
}
