/*
 * page.c: the workflow of `html` (page.h): one read of the exports,
 * grouped by every key the page needs, rolled up for each section, and
 * the page written from html.h's pieces.
 */
#include "page.h"

#include <stdlib.h>
#include <string.h>

#include "compare.h"
#include "date.h"
#include "db.h"
#include "failures.h"
#include "html.h"
#include "range.h"
#include "rollup.h"
#include "util.h"
#include "view.h"

/*
 * The grouping sets of the one pass every section is rolled up from: per
 * job (project, workflow, job), resource class, executor and status; and
 * per project and day.  Separate sets, not one grouping by all seven
 * columns, whose cross product has twenty times the groups (and made the
 * page 1.4 times as slow as `report`).
 */
static const char *const page_set_lists[PAGE_MAX_SETS] = {
	"job,resource_class,executor,status",
	"project,day",
	"user",			/* with login names only (page.h) */
	"team,project"		/* with --teams only */
};

void
page_init(struct page *pg)
{
	memset(pg, 0, sizeof(*pg));
	report_opts_init(&pg->o);
	report_opts_init(&pg->po);
	inputs_init(&pg->in);
	inputs_init(&pg->pin);
	rates_init(&pg->rates);
	users_init(&pg->users);
	pg->top = 20;
	pg->shared = CB_PROPORTIONAL;
	dec_parse("0.0006", 6, &pg->price);
}

void
page_release(struct page *pg)
{
	if (pg->have_bres)
		report_result_release(&pg->bres);
	if (pg->have_calc)
		budget_calc_release(&pg->calc);
	budgets_free(pg->bs);
	free(pg->args);
	if (pg->have_rs)
		rightsize_release(&pg->rs);
	rates_release(&pg->rates);
	chart_cairo_measure_release(&pg->m);
	if (pg->have_res)
		report_result_release(&pg->res);
	if (pg->have_pres)
		report_result_release(&pg->pres);
	strv_free(pg->waste, pg->nwaste);
	free(pg->org);
	users_release(&pg->users);
	inputs_release(&pg->pin);
	inputs_release(&pg->in);
	report_opts_release(&pg->po);
	report_opts_release(&pg->o);
	teams_free(pg->teams);
}

void
page_keep_path(struct page *pg, const char *arg)
{
	pg->args = xreallocarray(pg->args, pg->nargs + 1, sizeof(*pg->args));
	pg->args[pg->nargs++] = arg;
}

int
page_add_input(struct page *pg, const char *arg)
{
	page_keep_path(pg, arg);
	return inputs_add(&pg->in, arg) < 0 ? EXIT_BAD_INPUT : 0;
}

int
page_add_previous(struct page *pg, const char *arg)
{
	pg->have_prev = 1;
	page_keep_path(pg, arg);
	return inputs_add(&pg->pin, arg) < 0 ? EXIT_BAD_INPUT : 0;
}

void
page_take(struct page *pg, const struct page_given *g)
{
	pg->links = g->links;
	pg->nlinks = g->nlinks;
	pg->budgets = g->budgets;
	pg->arun = g->arun;
	pg->anomalies = g->anomalies;
	pg->given = g->res != NULL || g->users != NULL ? g : NULL;
}

/*
 * The login names cached beside the inputs of both periods, or in the
 * database; a bad cache is warned of and left out.  Returns 0, or the
 * exit code after an error: the database does not open (then the page
 * would not read it either).
 */
static int
page_load_users(struct page *pg)
{
	const struct inputs *in[] = { &pg->in, &pg->pin };
	size_t k;

	if (pg->db != NULL) {
		char *path = strcmp(pg->db, "-") == 0 ? db_default_path() :
		    xstrdup(pg->db);
		/* no default path: db_default_path() said why */
		int code = path == NULL ? EXIT_USAGE : EXIT_BAD_INPUT;
		struct db *db = path != NULL ? db_open(path, 0, &code) : NULL;

		free(path);
		if (db == NULL)
			return code;
		db_users_load(db, &pg->users);
		db_close(db);
		return 0;
	}
	for (k = 0; k < 2; k++)
		users_load_dirs(&pg->users, in[k]);
	return 0;
}

size_t
page_sets(const char **sets, int want_users, int teams)
{
	size_t n = 0;

	sets[n++] = page_set_lists[0];
	sets[n++] = page_set_lists[1];
	if (want_users)
		sets[n++] = page_set_lists[2];
	if (teams)
		sets[n++] = page_set_lists[3];
	return n;
}

/*
 * May the budgets (pg->bs) come from the page's pass?  Not with --db
 * (they read the history), a filter (they read every job run) or a
 * budget by user (the page shows users by name: users_rename()).
 */
static int
page_budgets_in_pass(const struct page *pg)
{
	const struct report_opts *o = &pg->o;
	char *lists[REPORT_MAX_SETS];
	size_t i, n;
	int ok = 1;

	if (pg->bs == NULL || pg->db != NULL || o->nprojects ||
	    o->nbranches || o->nstatuses || o->since != INT32_MIN ||
	    o->until != INT32_MAX)
		return 0;
	n = budget_set_lists(pg->bs, lists);
	for (i = 0; i < n; i++) {
		struct report_opts lo;

		report_opts_init(&lo);
		if (pg->want_users && (report_parse_by(&lo, lists[i]) < 0 ||
		    rollup_key_index(&lo, "user") >= 0))
			ok = 0;
		report_opts_release(&lo);
		free(lists[i]);
	}
	return ok;
}

/*
 * The page's grouping sets: the user set with names, the team's with
 * teams; then, when the budgets come from the pass, the sets they need
 * that none of those has, as many as fit.
 */
static void
page_parse_sets(const struct page *pg, struct report_opts *o)
{
	const char *sets[REPORT_MAX_SETS];
	char *lists[REPORT_MAX_SETS];
	size_t n, k, nl = 0;

	o->teams = pg->teams;
	n = page_sets(sets, pg->want_users, pg->teams != NULL);
	if (page_budgets_in_pass(pg))
		nl = budget_set_lists(pg->bs, lists);
	for (k = 0; k < nl; k++) {
		struct report_opts so;

		report_opts_init(&so);
		if (n < REPORT_MAX_SETS && report_parse_sets(&so, sets, n) ==
		    0 && !rollup_can(&so, lists[k]))
			sets[n++] = lists[k];
		report_opts_release(&so);
	}
	report_parse_sets(o, sets, n);
	for (k = 0; k < nl; k++)
		free(lists[k]);
}

/*
 * What run read (page_given): its users, and its periods taken whole in
 * place of the page's opts and results.
 */
static void
page_take_read(struct page *pg)
{
	const struct page_given *g = pg->given;

	if (g->users != NULL) {
		users_release(&pg->users);
		pg->users = *g->users;
		users_init(g->users);
	}
	if (g->res == NULL)
		return;
	if (g->rs != NULL && pg->want_rs && pg->rates_path == NULL) {
		pg->rs = *g->rs;
		memset(g->rs, 0, sizeof(*g->rs));
		pg->have_rs = 1;
	}
	report_opts_release(&pg->o);
	pg->o = *g->o;
	report_opts_init(g->o);
	pg->res = *g->res;
	memset(g->res, 0, sizeof(*g->res));
	pg->have_res = 1;
	if (g->pres == NULL)
		return;
	report_opts_release(&pg->po);
	pg->po = *g->po;
	report_opts_init(g->po);
	pg->pres = *g->pres;
	memset(g->pres, 0, sizeof(*g->pres));
	pg->have_pres = 1;
}

int
page_prepare(struct page *pg)
{
	char err[512];
	int ret;

	if (pg->given != NULL)
		page_take_read(pg);
	else if ((ret = page_load_users(pg)) != 0)
		return ret;
	pg->want_users = pg->users.n > 0;
	users_finish(&pg->users);
	if (!pg->have_res) {
		page_parse_sets(pg, &pg->o);
		pg->o.want_orgs = 1;
	}
	/*
	 * No retry cost: tracking it took the page from 1.2 to 1.6 times
	 * report's time and 47 to 80 MB on the bench set; `failures` (and
	 * run's failures.csv) have it.
	 */
	if (pg->want_rs) {
		/* the same pass: histograms beside the page's first grouping */
		if (!pg->have_res && rightsize_enable(&pg->o) < 0)
			return EXIT_FAILURE_OTHER;
		if (pg->rates_path != NULL ? rates_load(&pg->rates,
		    pg->rates_path, err, sizeof(err)) < 0 :
		    rates_load_default(&pg->rates) < 0) {
			if (pg->rates_path != NULL)
				error("--rates: %s", err);
			return EXIT_BAD_INPUT;
		}
	}
	/* the previous period grouped as this one: each table's change */
	if (!pg->have_pres)
		page_parse_sets(pg, &pg->po);
	return 0;
}

/* rollup filter: a group whose status is in the waste set */
static int
page_is_waste(void *ctx, const struct report_opts *so, const char *key,
    size_t keylen)
{
	const struct page *pg = ctx;
	int k = rollup_key_index(so, "status");
	size_t len;
	const char *s = agg_key_part(key, keylen, (size_t)k, &len);

	return failures_is_waste(pg->waste, pg->nwaste, s, len);
}

/* A roll-up and its view, as each section needs. */
struct page_part {
	struct report_opts o;
	struct report_result r;
	struct view v;
	int built;
};

static int
page_part_make(struct page_part *p, const struct report_opts *so,
    const struct report_result *src, const char *by,
    const struct rollup_filter *flt, size_t top, dec_t price)
{
	if (rollup_build(&p->o, &p->r, so, src, by, flt) < 0 ||
	    view_check(&p->r, price) < 0)
		return -1;
	view_build(&p->v, &p->o, &p->r, VM_CREDITS + CR_TOTAL, -1, top,
	    price);
	p->built = 1;
	return 0;
}

static void
page_part_release(struct page_part *p)
{
	if (p->built)
		view_release(&p->v);
	report_result_release(&p->r);
	report_opts_release(&p->o);
	memset(p, 0, sizeof(*p));
}

/*
 * A bar chart of a part: 28 pixels a bar (at least one) below the title,
 * 26 on a phone.
 */
static void
page_bar_chart(FILE *f, const struct page *pg, const struct page_part *p,
    const struct chart_opts *co, const char *id)
{
	int n = (int)(p->v.n ? p->v.n : 1);

	html_chart(f, &p->v, co, 1000, 120 + 28 * n, 110 + 26 * n, &pg->m,
	    id);
}

static void
page_card(FILE *f, const char *id, const char *label, dec_t v, int places,
    const char *unit, int have_prev, dec_t prev, const char *extra)
{
	char exact[DEC_BUFSZ], shown[64];

	dec_format(v, exact);
	fprintf(f, "<div class=\"card\" id=\"%s\"><div class=\"k\">%s</div>"
	    "<div class=\"v\" data-exact=\"%s\">%s%s%s</div>", id, label,
	    exact, unit[0] == '$' ? "$" : "", html_dec(v, places, shown),
	    unit[0] == '$' ? "" : unit);
	if (extra != NULL)
		fprintf(f, "<div class=\"d\">%s</div>", extra);
	if (have_prev) {
		if (prev == 0) {
			fputs("<div class=\"d\">no previous value</div>", f);
		} else {
			dec_t d, pct;
			const char *arrow;

			/* checked: a change or percentage past 10^20 is
			 * said so, never shown wrapped */
			if (dec_sub(v, prev, &d) < 0 ||
			    dec_percent(d, prev, &pct) < 0) {
				fputs("<div class=\"d\">change vs the previous "
				    "period too large to show</div>", f);
			} else {
				arrow = pct > 0 ? "\xe2\x96\xb2 +" :
				    pct < 0 ? "\xe2\x96\xbc " : "= ";
				/* 2 decimals, as computed: rounding
				   them again to 1 could be off by one */
				fprintf(f, "<div class=\"d\">%s%s%% vs the "
				    "previous period</div>", arrow,
				    html_dec(pct, 2, shown));
			}
		}
	}
	fputs("</div>\n", f);
}

static void
page_head_of(struct page_head *h, const struct report_result *r,
    const struct report_result *waste, dec_t price)
{
	memset(h, 0, sizeof(*h));
	h->credits = r->totals.credits[CR_TOTAL];
	h->cost = dec_cost_or_die(h->credits, price);
	h->hours = r->totals.run_seconds / 3600;
	h->jobs = r->totals.jobs;
	h->waste = waste->totals.credits[CR_TOTAL];
	h->first = r->first_date;
	h->last = r->last_date;
	h->have_dates = r->have_dates;
}

static void
page_period(char *buf, size_t len, const struct page_head *h)
{
	date_format_period(h->have_dates, h->first, h->last, "no dates", buf,
	    len);
}

static void
page_headline(FILE *f, const struct page *pg)
{
	char per[64], share[64], extra[160];
	const struct page_head *n = &pg->now, *p = &pg->prev;

	page_period(per, sizeof(per), n);
	fprintf(f, "<section id=\"headline\">\n<div class=\"cards\">\n"
	    "<div class=\"card\" id=\"h-period\"><div class=\"k\">Period</div>"
	    "<div class=\"v\">%s</div>", per);
	if (pg->have_prev) {
		page_period(per, sizeof(per), p);
		fprintf(f, "<div class=\"d\">previous: %s</div>", per);
	}
	fputs("</div>\n", f);
	page_card(f, "h-credits", "Total credits", n->credits, 2, "",
	    pg->have_prev, p->credits, NULL);
	page_card(f, "h-cost", "Cost (USD)", n->cost, 2, "$", pg->have_prev,
	    p->cost, NULL);
	page_card(f, "h-jobs", "Jobs", dec_from_int((int64_t)n->jobs), 0, "",
	    pg->have_prev, dec_from_int((int64_t)p->jobs), NULL);
	page_card(f, "h-hours", "Run hours", n->hours, 1, "", pg->have_prev,
	    p->hours, NULL);
	html_dec(dec_percent_or_die(n->waste, n->credits,
	    "share of the credits wasted"), 2, share);
	snprintf(extra, sizeof(extra), "%s%% of all credits", share);
	page_card(f, "h-waste", "Credits on failed runs", n->waste, 2, "",
	    pg->have_prev, p->waste, extra);
	fputs("</div>\n", f);
}

static void
page_quality(FILE *f, const struct report_result *r)
{
	char a[64], b[64];

	fputs("<section id=\"quality\">\n<h2>Data quality</h2>\n<dl>\n", f);
	fprintf(f, "<dt>files</dt><dd>%s</dd>\n", html_dec(dec_from_int(
	    (int64_t)r->files), 0, a));
	fprintf(f, "<dt>rows read</dt><dd id=\"q-rows\">%s</dd>\n",
	    html_dec(dec_from_int((int64_t)r->rows_read), 0, a));
	fprintf(f, "<dt>rows skipped (unreadable)</dt><dd>%s</dd>\n",
	    html_dec(dec_from_int((int64_t)r->rows_skipped), 0, a));
	fprintf(f, "<dt>duplicates dropped</dt><dd>%s</dd>\n",
	    html_dec(dec_from_int((int64_t)r->duplicates), 0, a));
	fprintf(f, "<dt>rows filtered out</dt><dd>%s</dd>\n",
	    html_dec(dec_from_int((int64_t)r->rows_filtered), 0, a));
	if (r->have_dates) {
		date_format_day(r->first_date, a);
		date_format_day(r->last_date, b);
		fprintf(f, "<dt>first date</dt><dd>%s</dd>\n"
		    "<dt>last date</dt><dd>%s</dd>\n", a, b);
	}
	fputs("</dl>\n</section>\n", f);
}

/*
 * With --teams: credits per team (a chart and a table), then the
 * chargeback (per team, shared costs spread, projects).  Returns 0, or -1.
 */
static int
page_teams(FILE *f, const struct page *pg, const struct chart_opts *co)
{
	struct page_part team = { 0 }, team_top = { 0 }, tp = { 0 };
	struct page_part pteam = { 0 };
	struct report_opts to;
	struct report_result out;
	struct chargeback cb;
	struct view v;
	int ret = -1;
	static const char *const modes[] = {
		"in proportion to each team's own credits",
		"evenly across the teams", "not: they are the (shared) row"
	};

	if (page_part_make(&team, &pg->o, &pg->res, "team", NULL, 0,
	    pg->price) < 0 || page_part_make(&team_top, &pg->o, &pg->res,
	    "team", NULL, CHART_TOP_BARS, pg->price) < 0 ||
	    rollup_build(&tp.o, &tp.r, &pg->o, &pg->res, "team,project",
	    NULL) < 0 || (pg->have_pres && page_part_make(&pteam, &pg->po,
	    &pg->pres, "team", NULL, 0, pg->price) < 0))
		goto out;
	fputs("<section id=\"teams\">\n<h2>Credits per team</h2>\n", f);
	page_bar_chart(f, pg, &team_top, co, "chart-teams");
	html_view_table(f, &team.v, pteam.built ? &pteam.r : NULL, "t-teams",
	    0);
	fputs("</section>\n", f);

	chargeback_build(&cb, &tp.o, &tp.r, pg->shared);
	chargeback_result(&cb, &tp.r, &to, &out);
	chargeback_view(&cb, &v, &to, &out, pg->price);
	fprintf(f, "<section id=\"chargeback\">\n<h2>Chargeback</h2>\n"
	    "<p class=\"note\">Credits per team for billing.  The credits of "
	    "job runs without a project are shared costs, spread %s, in "
	    "hundredths of a credit that add up exactly.</p>\n",
	    modes[pg->shared]);
	html_view_table(f, &v, NULL, "t-chargeback", 0);
	fputs("</section>\n", f);
	view_release(&v);
	report_result_release(&out);
	report_opts_release(&to);
	chargeback_release(&cb);
	ret = 0;
out:
	page_part_release(&pteam);
	page_part_release(&tp);
	page_part_release(&team_top);
	page_part_release(&team);
	return ret;
}

/* The roll-ups of the sections, from the one pass. */
enum page_part_id {
	PP_PROJECT, PP_PROJECT_TOP, PP_DAY, PP_RC, PP_RC_TOP, PP_EXECUTOR,
	PP_WORKFLOW, PP_JOB, PP_WASTE, PP_USER, PP_COUNT
};

/* Each one's keys and rows (0: all; -1: the page's top). */
static const struct {
	const char *by;
	int top;
	int waste;	/* only the runs whose status is in the waste set */
} page_part_specs[PP_COUNT] = {
	[PP_PROJECT] = { "project", 0, 0 },
	[PP_PROJECT_TOP] = { "project", CHART_TOP_BARS, 0 },
	[PP_DAY] = { "project,day", 0, 0 },
	[PP_RC] = { "resource_class", 0, 0 },
	[PP_RC_TOP] = { "resource_class", 10, 0 },
	[PP_EXECUTOR] = { "executor", 0, 0 },
	[PP_WORKFLOW] = { "workflow", -1, 0 },
	[PP_JOB] = { "job", -1, 0 },
	[PP_WASTE] = { "job", -1, 1 },
	[PP_USER] = { "user", -1, 0 },	/* with want_users only */
};

struct page_parts {
	struct page_part part[PP_COUNT];
	struct failures fl;
	int have_fl;
	/* with a previous period: the same roll-ups of it */
	struct page_part prev[PP_COUNT];
	struct failures pfl;
	int have_pfl;
};

/* The previous period's roll-up of part i (NULL: no previous period). */
static const struct report_result *
page_prev(const struct page_parts *pp, enum page_part_id i)
{
	return pp->prev[i].built ? &pp->prev[i].r : NULL;
}

/* The roll-ups of one period (res, grouped by so) into part[]. */
static int
page_parts_of(struct page *pg, struct page_part *part,
    const struct report_opts *so, const struct report_result *res)
{
	struct rollup_filter waste = { page_is_waste, NULL, "status" };
	size_t i;

	waste.ctx = pg;
	for (i = 0; i < PP_COUNT; i++)
		if ((i != PP_USER || pg->want_users) &&
		    page_part_make(&part[i], so, res, page_part_specs[i].by,
		    page_part_specs[i].waste ? &waste : NULL,
		    page_part_specs[i].top < 0 ? pg->top :
		    (size_t)page_part_specs[i].top, pg->price) < 0)
			return -1;
	return 0;
}

/* Make them all.  Returns 0, or -1 after an error (release pp anyway). */
static int
page_parts_make(struct page *pg, struct page_parts *pp)
{
	/* run's read has the retry cost (for failures.csv): not here */
	struct report_result nr = pg->res;

	nr.have_retry = 0;
	memset(pp, 0, sizeof(*pp));
	if (page_parts_of(pg, pp->part, &pg->o, &pg->res) < 0)
		return -1;
	/* the same rows as `circleci-usage failures` */
	if (failures_build(&pp->fl, &pg->o, &nr, FAILURES_BY, pg->waste,
	    pg->nwaste, pg->price) < 0)
		return -1;
	pp->have_fl = 1;
	if (!pg->have_pres)
		return 0;
	if (page_parts_of(pg, pp->prev, &pg->po, &pg->pres) < 0 ||
	    failures_build(&pp->pfl, &pg->po, &pg->pres, FAILURES_BY,
	    pg->waste, pg->nwaste, pg->price) < 0)
		return -1;
	pp->have_pfl = 1;
	return 0;
}

static void
page_parts_release(struct page_parts *pp)
{
	size_t i;

	if (pp->have_pfl)
		failures_release(&pp->pfl);
	if (pp->have_fl)
		failures_release(&pp->fl);
	for (i = PP_COUNT; i-- > 0;) {
		page_part_release(&pp->prev[i]);
		page_part_release(&pp->part[i]);
	}
}

/* How many projects the headline names as the biggest movers. */
#define PAGE_MOVERS 3

/*
 * With a previous period: the projects whose credits changed most (either
 * way), as `compare` ranks them.
 */
static void
page_movers(FILE *f, const struct page_parts *pp)
{
	const struct page_part *cur = &pp->part[PP_PROJECT];
	struct compare c;
	char a[64], b[64];
	size_t i, shown = 0;

	if (!pp->prev[PP_PROJECT].built)
		return;
	compare_build(&c, &cur->o, &pp->prev[PP_PROJECT].r, &cur->r);
	fputs("<h2 id=\"movers\">Biggest movers</h2>\n"
	    "<ul class=\"movers\" id=\"h-movers\">\n", f);
	for (i = 0; i < c.n && shown < PAGE_MOVERS; i++) {
		const struct compare_row *r = &c.rows[i];
		size_t len;
		const char *name;

		if (r->key == NULL || r->change == 0)
			continue;
		shown++;
		name = agg_key_part(r->key, r->keylen, 0, &len);
		html_dec(r->change, 2, a);
		fprintf(f, "<li><span class=\"%s\">%s%s%s credits</span> ",
		    r->change > 0 ? "up" : "down", r->change > 0 ?
		    "\xe2\x96\xb2 " : "\xe2\x96\xbc ", r->change > 0 ? "+" : "",
		    a);
		if (r->trend == TREND_NEW)
			fputs("(new)", f);
		else if (r->trend == TREND_GONE)
			fputs("(gone)", f);
		else if (r->has_pct)
			fprintf(f, "(%s%s%%)", r->pct > 0 ? "+" : "",
			    html_dec(r->pct, 2, b));
		fputs(" <b>", f);
		html_name(f, name, len);
		fprintf(f, "</b>: %s", html_dec(r->prev, 2, a));
		fprintf(f, " \xe2\x86\x92 %s</li>\n", html_dec(r->cur, 2, b));
	}
	if (shown == 0)
		fputs("<li>no project's credits changed</li>\n", f);
	fputs("</ul>\n", f);
	compare_release(&c);
}

/*
 * In a run directory: the files beside the page, linked by their names
 * (relative, so the links work wherever the directory is copied).
 */
static void
page_files(FILE *f, const struct page *pg)
{
	size_t i;

	if (pg->nlinks == 0)
		return;
	fputs("<section id=\"files\">\n<h2>Files</h2>\n"
	    "<ul class=\"files\">\n", f);
	for (i = 0; i < pg->nlinks; i++) {
		const struct page_link *l = &pg->links[i];

		fputs("<li><a href=\"", f);
		xmlw_escape(f, l->name, strlen(l->name));
		fputs("\">", f);
		xmlw_escape(f, l->name, strlen(l->name));
		fputs("</a>: ", f);
		xmlw_escape(f, l->what, strlen(l->what));
		fputs("</li>\n", f);
	}
	fputs("</ul>\n</section>\n", f);
}

/* <!DOCTYPE html> to the header: the title, the org and the period. */
static void
page_header(FILE *f, const struct page *pg, const char *title)
{
	char per[64];

	html_begin(f, title);
	fputs("<header><h1>", f);
	xmlw_escape(f, title, strlen(title));
	page_period(per, sizeof(per), &pg->now);
	fputs("</h1><p class=\"sub\">", f);
	if (pg->org != NULL) {
		char *org = chart_safe_text(pg->org, strlen(pg->org));

		fputs("<span id=\"h-org\">", f);
		xmlw_escape(f, org, strlen(org));
		fputs("</span> \xc2\xb7 ", f);
		free(org);
	}
	xmlw_escape(f, per, strlen(per));
	fputs("</p></header>\n", f);
}

/* The marks of the chart of days: one per day with a spike or a new group. */
struct page_marks {
	struct chart_mark *v;
	char **text;		/* each mark's period and tip, owned */
	size_t n;
};

static void
page_marks_release(struct page_marks *m)
{
	size_t i;

	for (i = 0; i < 2 * m->n; i++)
		free(m->text[i]);
	free(m->text);
	free(m->v);
	memset(m, 0, sizeof(*m));
}

/*
 * The days of the anomalies (spikes and new groups; a stopped group's
 * day has nothing to point at), each day's in the list's order (largest
 * excess first): its tooltip "Anomalies on DAY" and a line per anomaly
 * "GROUP: KIND +EXCESS credits ($USD)", its value their excess summed.
 */
static void
page_marks_make(struct page_marks *m, const struct anomaly_run *r,
    const struct anomaly_list *l)
{
	struct sbuf sb;
	char day[DATE_BUFSZ], a[64], b[64];
	size_t i, j, k, len;
	int32_t *days = xcalloc(l->n + 1, sizeof(*days));

	memset(m, 0, sizeof(*m));
	m->v = xcalloc(l->n + 1, sizeof(*m->v));
	m->text = xcalloc(2 * l->n + 1, sizeof(*m->text));
	sbuf_init(&sb, SIZE_MAX);
	for (i = 0; i < l->n; i++) {
		const struct anomaly_item *it = &l->items[i];
		dec_t sum = 0;

		if (it->v.kind == ANOMALY_STOPPED)
			continue;
		for (j = 0; j < m->n; j++)
			if (days[j] == it->day)
				break;
		if (j < m->n)	/* that day's mark is made */
			continue;
		date_format_day(it->day, day);
		sbuf_reset(&sb);
		sbuf_addf(&sb, "Anomalies on %s", day);
		for (j = i; j < l->n; j++) {
			const struct anomaly_item *x = &l->items[j];

			if (x->day != it->day || x->v.kind == ANOMALY_STOPPED)
				continue;
			sbuf_addstr(&sb, "\n");
			for (k = 0; k < l->nkeys; k++) {
				const char *p = agg_key_part(x->key, x->keylen,
				    k, &len);
				char *safe = chart_safe_text(p, len);

				sbuf_addf(&sb, "%s%s", k ? ", " : "", safe);
				free(safe);
			}
			sbuf_addf(&sb, ": %s +%s credits ($%s)",
			    anomaly_kind_name(x->v.kind), html_dec(x->v.excess,
			    2, a), html_dec(dec_cost_or_die(x->v.excess,
			    r->price), 2, b));
			sum = dec_add_or_die(sum, x->v.excess,
			    "a day's excess");
		}
		days[m->n] = it->day;
		m->text[2 * m->n] = xstrdup(day);
		m->text[2 * m->n + 1] = xstrndup(sb.buf, sb.len);
		m->v[m->n].period = m->text[2 * m->n];
		m->v[m->n].tip = m->text[2 * m->n + 1];
		m->v[m->n].value = sum;
		m->n++;
	}
	sbuf_release(&sb);
	free(days);
}

/* With `run`'s anomalies: the table, below the chart that marks them. */
static void
page_anomalies(FILE *f, const struct page *pg)
{
	const struct anomaly_run *r = pg->arun;
	char d1[DATE_BUFSZ], d2[DATE_BUFSZ];

	date_format_day(r->first, d1);
	date_format_day(r->last, d2);
	fprintf(f, "<section id=\"anomalies\">\n<h2>Anomalies</h2>\n"
	    "<p class=\"note\">The days from %s to %s whose credits lie far "
	    "above the group's own baseline (the median of the same weekday "
	    "in the %zu weeks before, from the history database), and the "
	    "groups that are new or stopped; largest excess first.  The "
	    "chart of days marks each day with a spike or a new group "
	    "(\xe2\x96\xbc).</p>\n", d1, d2, r->p.weeks);
	if (pg->anomalies->n == 0)
		fputs("<p id=\"no-anomalies\">None.</p>\n", f);
	else
		html_anomaly_table(f, r, pg->anomalies, "t-anomalies");
	fputs("</section>\n", f);
}

/* With budgets: each one's period as of the end of this one. */
static void
page_budget_section(FILE *f, const struct budget_calc *c)
{
	char day[DATE_BUFSZ];

	date_format_day(c->at - 1, day);
	fprintf(f, "<section id=\"budgets\">\n<h2>Budgets</h2>\n"
	    "<p class=\"note\">As of the end of %s: each budget's week "
	    "(Monday to Sunday UTC) or month that holds that day, spent "
	    "through it, and the projection to the period's end (each day "
	    "left at its weekday's mean over the four weeks before).  In "
	    "each bar spent is filled, the thick mark is the projection, "
	    "the thin line across is the budget's amount (100%%) and the "
	    "ticks below are the thresholds.</p>\n", day);
	html_budget_table(f, c, "t-budgets");
	fputs("</section>\n", f);
}

/* Days, resource classes and executors, workflows and jobs. */
static void
page_breakdowns(FILE *f, const struct page *pg, const struct page_parts *pp,
    const struct chart_opts *co)
{
	struct chart_opts days = *co;
	struct page_marks marks;

	memset(&marks, 0, sizeof(marks));
	chart_set_span(&days, &pg->in, &pg->o, &pg->res);
	if (pg->anomalies != NULL) {
		page_marks_make(&marks, pg->arun, pg->anomalies);
		days.marks = marks.v;
		days.nmarks = marks.n;
	}
	fputs("<section id=\"days\">\n<h2>Credits per day</h2>\n", f);
	html_chart(f, &pp->part[PP_DAY].v, &days, 1000, 460, 420, &pg->m,
	    "chart-days");
	fputs("</section>\n", f);
	page_marks_release(&marks);
	if (pg->anomalies != NULL)
		page_anomalies(f, pg);

	fputs("<section id=\"resources\">\n<h2>By resource class</h2>\n", f);
	page_bar_chart(f, pg, &pp->part[PP_RC_TOP], co, "chart-resources");
	html_view_table(f, &pp->part[PP_RC].v, page_prev(pp, PP_RC),
	    "t-resources", 0);
	fputs("<h2>By executor</h2>\n", f);
	html_view_table(f, &pp->part[PP_EXECUTOR].v, page_prev(pp,
	    PP_EXECUTOR), "t-executors", 0);
	fputs("</section>\n", f);

	fprintf(f, "<section id=\"workflows\">\n<h2>Top workflows</h2>\n");
	html_view_table(f, &pp->part[PP_WORKFLOW].v, page_prev(pp,
	    PP_WORKFLOW), "t-workflows", 1);
	fputs("</section>\n<section id=\"jobs\">\n<h2>Top jobs</h2>\n", f);
	html_view_table(f, &pp->part[PP_JOB].v, page_prev(pp, PP_JOB),
	    "t-jobs", 1);
	fputs("</section>\n", f);
	if (!pp->part[PP_USER].built)
		return;
	fputs("<section id=\"users\">\n<h2>Top users</h2>\n<p class=\"note\">"
	    "Who triggered the pipelines (PIPELINE_TRIGGER_USER_ID): by "
	    "login where <code>export --names</code> found one, else by "
	    "ID.</p>\n", f);
	html_view_table(f, &pp->part[PP_USER].v, page_prev(pp, PP_USER),
	    "t-users", 1);
	fputs("</section>\n", f);
}

/* The cost of failing jobs, and with --rightsize the rightsizing. */
static void
page_waste(FILE *f, const struct page *pg, const struct page_parts *pp)
{
	size_t i;

	fputs("<section id=\"failing\">\n<h2>The cost of failing jobs</h2>\n"
	    "<p class=\"note\">Runs whose status is ", f);
	for (i = 0; i < pg->nwaste; i++) {
		fputs(i == 0 ? "" : i + 1 == pg->nwaste ? " or " : ", ", f);
		xmlw_escape(f, pg->waste[i], strlen(pg->waste[i]));
	}
	fputs(": the jobs that spend the most credits on them.</p>\n", f);
	html_failures_table(f, &pp->fl, pp->have_pfl ? &pp->pfl : NULL,
	    pg->top, "t-failing");
	fputs("</section>\n", f);

	if (pg->have_rs) {
		fputs("<section id=\"rightsizing\">\n<h2>Rightsizing</h2>\n"
		    "<p class=\"note\">Jobs with at least 10 runs with "
		    "utilization data: the median over runs of each "
		    "utilization column.  <b>over</b>: the medians of max CPU "
		    "and max RAM are both under 40%, with the next smaller "
		    "class and the credits it would save per 30 days; "
		    "<b>under</b>: either is at least 90%.</p>\n", f);
		html_rightsize_table(f, &pg->rs, pg->top, "t-rightsizing");
		fputs("</section>\n", f);
	}
}

int
page_write(struct page *pg, FILE *f)
{
	struct page_parts pp;
	struct chart_opts co = { .org = pg->org };
	const char *title = pg->title != NULL ? pg->title : "CircleCI usage";
	char price[DEC_BUFSZ];
	int ret = EXIT_FAILURE_OTHER;

	if (page_parts_make(pg, &pp) < 0)
		goto out;
	page_head_of(&pg->now, &pg->res, &pp.part[PP_WASTE].r, pg->price);
	page_header(f, pg, title);
	page_headline(f, pg);
	page_movers(f, &pp);
	fputs("</section>\n", f);
	if (pg->budgets != NULL)
		page_budget_section(f, pg->budgets);

	fputs("<section id=\"projects\">\n<h2>Credits per project</h2>\n", f);
	page_bar_chart(f, pg, &pp.part[PP_PROJECT_TOP], &co, "chart-projects");
	html_view_table(f, &pp.part[PP_PROJECT].v, page_prev(&pp, PP_PROJECT),
	    "t-projects", 1);
	fputs("</section>\n", f);
	if (pg->teams != NULL && page_teams(f, pg, &co) < 0)
		goto out;
	page_breakdowns(f, pg, &pp, &co);
	page_waste(f, pg, &pp);
	page_quality(f, &pg->res);
	page_files(f, pg);
	dec_format(pg->price, price);
	fprintf(f, "<footer>circleci-usage %s \xc2\xb7 credits at $%s each"
	    "</footer>\n", CU_VERSION, price);
	html_end(f);
	ret = ferror(f) ? EXIT_FAILURE_OTHER : 0;
out:
	page_parts_release(&pp);
	return ret;
}

/*
 * The previous period, read with the same filters but the dates and
 * grouped as this one, and its headline.
 */
static int
page_read_previous(struct page *pg)
{
	struct page_part pw = { 0 };
	struct rollup_filter flt = { page_is_waste, NULL, "status" };
	int ret;

	flt.ctx = pg;
	/* given by run: read already */
	ret = pg->have_pres ? 0 : report_run(&pg->po, &pg->pin, &pg->pres);
	pg->have_pres = 1;
	if (ret == 0 && pg->want_users)
		users_rename(&pg->users, &pg->po, &pg->pres);
	if (ret == 0 && view_check(&pg->pres, pg->price) < 0)
		ret = EXIT_BAD_INPUT;
	else if (ret == 0) {
		if (page_part_make(&pw, &pg->po, &pg->pres, "status", &flt, 0,
		    pg->price) < 0)
			ret = EXIT_FAILURE_OTHER;
		else
			page_head_of(&pg->prev, &pg->pres, &pw.r, pg->price);
		page_part_release(&pw);
	}
	return ret;
}

/* The rightsizing section's rows, as `rightsize` with its defaults. */
static int
page_rightsize(struct page *pg)
{
	struct rightsize_opts ro;

	if (pg->have_rs)	/* given by run */
		return 0;
	rightsize_opts_init(&ro, &pg->rates);
	ro.price = pg->price;
	if (rightsize_build(&pg->rs, &pg->o, &pg->res, &ro) < 0)
		return EXIT_FAILURE_OTHER;
	pg->have_rs = 1;
	return 0;
}

/*
 * The budgets evaluated from the pass of each period (page_parse_sets()
 * gave it their sets): 0, or -1 when they cannot serve.
 */
static int
page_budgets_from_pass(struct page *pg)
{
	const struct report_opts *so[2] = { &pg->o, &pg->po };
	const struct report_result *sr[2] = { &pg->res, &pg->pres };

	return budget_calc_eval_from(&pg->calc, so, sr, pg->have_pres ? 2 :
	    1, &pg->bres);
}

/*
 * The budgets of pg->bs as of the end of the page's period: `at` is the
 * day after its last day (the exports' range, else the data's, within
 * --until; today without either), each budget's period the one that
 * holds that last day, as run's.  A read of its own, every job run
 * before at (the page's filters are not the budgets'): of the history
 * with --db, else of both periods' PATHs (none of them "-": standard
 * input was read already).
 */
static int
page_budgets(struct page *pg)
{
	struct chart_opts span;
	struct report_opts o;
	struct inputs in;
	int32_t at;
	size_t i;
	int ret;

	memset(&span, 0, sizeof(span));
	chart_set_span(&span, &pg->in, &pg->o, &pg->res);
	at = (int32_t)((span.have_span ? span.span_end : range_now_ms() -
	    MS_PER_DAY) / MS_PER_DAY) + 1;
	pg->have_calc = 1;
	if (budget_calc_init(&pg->calc, pg->bs, pg->teams, pg->price, at,
	    1) < 0)
		return EXIT_USAGE;
	/* an export is of its whole range: a quiet last day spent 0 */
	pg->calc.complete = 1;
	report_opts_init(&o);
	inputs_init(&in);
	ret = EXIT_FAILURE_OTHER;
	if (budget_calc_sets(&pg->calc, &o) < 0)
		goto out;
	o.teams = pg->teams;
	o.strict = pg->o.strict;
	o.keep_duplicates = pg->o.keep_duplicates;
	o.threads = pg->o.threads;
	if (page_budgets_in_pass(pg) && page_budgets_from_pass(pg) == 0) {
		pg->have_bres = 1;
		pg->budgets = &pg->calc;
		ret = 0;
	} else if (pg->db != NULL) {
		ret = db_report_path(pg->db, &o, &pg->bres);
		pg->have_bres = 1;
	} else {
		ret = EXIT_BAD_INPUT;
		for (i = 0; i < pg->nargs; i++)
			if (inputs_add(&in, pg->args[i]) < 0)
				goto out;
		ret = report_run(&o, &in, &pg->bres);
		pg->have_bres = 1;
	}
	if (ret == 0 && pg->budgets == NULL) {
		budget_calc_eval(&pg->calc, &o, &pg->bres);
		pg->budgets = &pg->calc;
	}
out:
	inputs_release(&in);
	report_opts_release(&o);
	return ret;
}

int
page_read(struct page *pg)
{
	int ret;

	/* given by run: read already */
	ret = pg->have_res ? 0 : pg->db != NULL ? db_report_path(pg->db,
	    &pg->o, &pg->res) : report_run(&pg->o, &pg->in, &pg->res);
	pg->have_res = 1;
	if (ret != 0)
		return ret;
	if (pg->want_users)	/* summed by ID; shown by name */
		users_rename(&pg->users, &pg->o, &pg->res);
	/* costs and shares within 10^20 (view.h), before a byte is written */
	if (view_check(&pg->res, pg->price) < 0)
		return EXIT_BAD_INPUT;
	pg->org = report_org_label(&pg->res, pg->in.org_id);
	if (pg->want_rs && (ret = page_rightsize(pg)) != 0)
		return ret;
	if (pg->have_prev && (ret = page_read_previous(pg)) != 0)
		return ret;
	if (pg->bs != NULL && pg->budgets == NULL &&
	    (ret = page_budgets(pg)) != 0)
		return ret;
	if (chart_cairo_measure_init(&pg->m) < 0)
		return EXIT_FAILURE_OTHER;
	return 0;
}
