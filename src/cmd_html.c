/*
 * cmd_html.c: `circleci-usage html`, one self-contained page a manager can
 * open from the artifacts tab: the headline, credits per project and per
 * day, resource classes and executors, the top workflows and jobs, the
 * cost of failing runs, and data quality.  The exports are read once,
 * grouped by every key the page needs, and rolled up for each section.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chargeback.h"
#include "chart.h"
#include "cmd.h"
#include "cmdopt.h"
#include "date.h"
#include "html.h"
#include "out.h"
#include "rates.h"
#include "report.h"
#include "rightsize.h"
#include "rollup.h"
#include "db.h"
#include "util.h"
#include "view.h"

/*
 * The grouping sets of the one pass every section is rolled up from: per
 * job (project, workflow, job), resource class, executor and status; and
 * per project and day.  Separate sets, not one grouping by all seven
 * columns, whose cross product has twenty times the groups (and made the
 * page 1.4 times as slow as `report`).
 */
static const char *const html_sets[] = {
	"job,resource_class,executor,status",
	"project,day",
	"team,project"		/* with --teams only: the last set */
};
#define HTML_WASTE "failed,canceled,timedout,infrastructure_fail"
#define HTML_TOP 20

static const char html_usage[] =
"usage: circleci-usage html [options] PATH... -o report.html\n"
"\n"
"Write one self-contained HTML page about the exports: the headline\n"
"(credits, cost, jobs, hours, credits on failed runs), credits per\n"
"project and per day, resource classes and executors, the top workflows\n"
"and jobs, the cost of failing jobs, and data quality.  Inline CSS, SVG\n"
"and a little script; no request to any other file or host.\n"
"\n"
"  -o, --output FILE       write to FILE (atomically) instead of stdout\n"
"  --previous PATH         an export of the previous period, to compare\n"
"                          with (repeatable)\n"
"  --waste-statuses LIST   the statuses of failed runs (default\n"
"                          " HTML_WASTE ")\n"
"  --top N                 rows in the workflow and job tables (default 20)\n"
"  --title TEXT            the page's title\n"
"  --rightsize             add a rightsizing section (as `rightsize` with\n"
"                          its defaults)\n"
"  --rates FILE            its rates (see rightsize --help); implies\n"
"                          --rightsize\n"
"  --teams FILE            the teams file (YAML): a section per team and\n"
"                          a chargeback (default $CIRCLECI_USAGE_TEAMS)\n"
"  --shared-costs MODE     the chargeback's shared costs: proportional\n"
"                          (default), even or none, as for chargeback\n"
"  --since DATE, --until DATE, --project GLOB, --branch GLOB\n"
"                          as for report\n"
"  --credit-price USD      price of one credit (default 0.0006)\n"
"  --strict, --keep-duplicates, --threads N\n"
"                          as for report\n"
"  --db FILE               the job runs from history (see ingest; - for\n"
"                          the default database) instead of PATHs\n"
"  -h, --help              show this help\n";

enum {
	OPT_PREVIOUS = 256, OPT_WASTE, OPT_TOP, OPT_TITLE, OPT_SINCE,
	OPT_UNTIL, OPT_PROJECT, OPT_BRANCH, OPT_PRICE, OPT_STRICT,
	OPT_KEEP_DUPS, OPT_THREADS, OPT_RIGHTSIZE, OPT_RATES, OPT_TEAMS,
	OPT_SHARED, OPT_DB
};

static const struct option html_options[] = {
	{ "output", required_argument, NULL, 'o' },
	{ "previous", required_argument, NULL, OPT_PREVIOUS },
	{ "db", required_argument, NULL, OPT_DB },
	{ "waste-statuses", required_argument, NULL, OPT_WASTE },
	{ "top", required_argument, NULL, OPT_TOP },
	{ "title", required_argument, NULL, OPT_TITLE },
	{ "since", required_argument, NULL, OPT_SINCE },
	{ "until", required_argument, NULL, OPT_UNTIL },
	{ "project", required_argument, NULL, OPT_PROJECT },
	{ "branch", required_argument, NULL, OPT_BRANCH },
	{ "credit-price", required_argument, NULL, OPT_PRICE },
	{ "strict", no_argument, NULL, OPT_STRICT },
	{ "keep-duplicates", no_argument, NULL, OPT_KEEP_DUPS },
	{ "threads", required_argument, NULL, OPT_THREADS },
	{ "rightsize", no_argument, NULL, OPT_RIGHTSIZE },
	{ "rates", required_argument, NULL, OPT_RATES },
	{ "teams", required_argument, NULL, OPT_TEAMS },
	{ "shared-costs", required_argument, NULL, OPT_SHARED },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 }
};

static int
html_usage_error(const char *msg)
{
	return cmdopt_usage("html", "%s", msg);
}

/* The waste set: statuses, any case. */
struct html_waste {
	char **st;
	size_t n;
};

static int
html_waste_parse(struct html_waste *w, const char *list)
{
	const char *p = list;

	for (;;) {
		const char *e = strchr(p, ',');
		size_t len = e ? (size_t)(e - p) : strlen(p);

		if (len == 0)
			return -1;
		w->st = xreallocarray(w->st, w->n + 1, sizeof(*w->st));
		w->st[w->n++] = xstrndup(p, len);
		if (e == NULL)
			return 0;
		p = e + 1;
	}
}

static void
html_waste_release(struct html_waste *w)
{
	size_t i;

	for (i = 0; i < w->n; i++)
		free(w->st[i]);
	free(w->st);
	memset(w, 0, sizeof(*w));
}

/* rollup filter: a group whose status is in the waste set */
static int
html_is_waste(void *ctx, const struct report_opts *so, const char *key,
    size_t keylen)
{
	const struct html_waste *w = ctx;
	int k = rollup_key_index(so, "status");
	size_t len, i;
	const char *s = agg_key_part(key, keylen, (size_t)k, &len);

	for (i = 0; i < w->n; i++)
		if (str_ieq(s, len, w->st[i]))
			return 1;
	return 0;
}

/* A roll-up and its view, as each section needs. */
struct html_part {
	struct report_opts o;
	struct report_result r;
	struct view v;
	int built;
};

static int
html_part_make(struct html_part *p, const struct report_opts *so,
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
html_part_release(struct html_part *p)
{
	if (p->built)
		view_release(&p->v);
	report_result_release(&p->r);
	report_opts_release(&p->o);
	memset(p, 0, sizeof(*p));
}

/* What the headline compares: now, and the previous period. */
struct html_head {
	dec_t credits, cost, hours, waste;
	uint64_t jobs;
	int32_t first, last;
	int have_dates;
};

static void
html_card(FILE *f, const char *id, const char *label, dec_t v, int places,
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
				fprintf(f, "<div class=\"d\">%s%s%% vs the "
				    "previous period</div>", arrow,
				    html_dec(pct, 1, shown));
			}
		}
	}
	fputs("</div>\n", f);
}

static void
html_head_of(struct html_head *h, const struct report_result *r,
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
html_period(char *buf, size_t len, const struct html_head *h)
{
	char d1[DATE_BUFSZ], d2[DATE_BUFSZ];

	if (!h->have_dates) {
		snprintf(buf, len, "no dates");
		return;
	}
	date_format_day(h->first, d1);
	date_format_day(h->last, d2);
	snprintf(buf, len, "%s to %s", d1, d2);
}

struct html_ctx {
	const struct report_opts *o;
	const struct report_result *res;
	const struct html_waste *waste;
	const char *waste_list;
	const char *title, *org;
	size_t top;
	dec_t price;
	int have_prev;
	const struct rightsize *rs;	/* --rightsize, or NULL */
	struct html_head now, prev;
	const struct chart_measure *m;
	const struct teams *teams;	/* NULL: no team sections */
	enum chargeback_mode shared;
};

static void
html_headline(FILE *f, const struct html_ctx *x)
{
	char per[64], share[64], extra[160];
	const struct html_head *n = &x->now, *p = &x->prev;

	html_period(per, sizeof(per), n);
	fprintf(f, "<section id=\"headline\">\n<div class=\"cards\">\n"
	    "<div class=\"card\" id=\"h-period\"><div class=\"k\">Period</div>"
	    "<div class=\"v\">%s</div>", per);
	if (x->have_prev) {
		html_period(per, sizeof(per), p);
		fprintf(f, "<div class=\"d\">previous: %s</div>", per);
	}
	fputs("</div>\n", f);
	html_card(f, "h-credits", "Total credits", n->credits, 2, "",
	    x->have_prev, p->credits, NULL);
	html_card(f, "h-cost", "Cost (USD)", n->cost, 2, "$", x->have_prev,
	    p->cost, NULL);
	html_card(f, "h-jobs", "Jobs", dec_from_int((int64_t)n->jobs), 0, "",
	    x->have_prev, dec_from_int((int64_t)p->jobs), NULL);
	html_card(f, "h-hours", "Run hours", n->hours, 1, "", x->have_prev,
	    p->hours, NULL);
	html_dec(dec_percent_or_die(n->waste, n->credits,
	    "share of the credits wasted"), 2, share);
	snprintf(extra, sizeof(extra), "%s%% of all credits", share);
	html_card(f, "h-waste", "Credits on failed runs", n->waste, 2, "",
	    x->have_prev, p->waste, extra);
	fputs("</div>\n</section>\n", f);
}

static void
html_quality(FILE *f, const struct report_result *r)
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
html_teams(FILE *f, const struct html_ctx *x, const struct chart_opts *co)
{
	struct html_part team = { 0 }, team_top = { 0 }, tp = { 0 };
	struct report_opts to;
	struct report_result out;
	struct chargeback cb;
	struct view v;
	static const char *const modes[] = {
		"in proportion to each team's own credits",
		"evenly across the teams", "not: they are the (shared) row"
	};

	if (html_part_make(&team, x->o, x->res, "team", NULL, 0,
	    x->price) < 0 || html_part_make(&team_top, x->o, x->res, "team",
	    NULL, CHART_TOP_BARS, x->price) < 0 ||
	    rollup_build(&tp.o, &tp.r, x->o, x->res, "team,project",
	    NULL) < 0) {
		html_part_release(&tp);
		html_part_release(&team_top);
		html_part_release(&team);
		return -1;
	}
	fputs("<section id=\"teams\">\n<h2>Credits per team</h2>\n", f);
	html_chart(f, &team_top.v, co, 1000, 120 + 28 * (int)(team_top.v.n ?
	    team_top.v.n : 1), x->m, "chart-teams");
	html_view_table(f, &team.v, "t-teams", 0);
	fputs("</section>\n", f);

	chargeback_build(&cb, &tp.o, &tp.r, x->shared);
	chargeback_result(&cb, &tp.r, &to, &out);
	chargeback_view(&cb, &v, &to, &out, x->price);
	fprintf(f, "<section id=\"chargeback\">\n<h2>Chargeback</h2>\n"
	    "<p class=\"note\">Credits per team for billing.  The credits of "
	    "job runs without a project are shared costs, spread %s, in "
	    "hundredths of a credit that add up exactly.</p>\n",
	    modes[x->shared]);
	html_view_table(f, &v, "t-chargeback", 0);
	fputs("</section>\n", f);
	view_release(&v);
	report_result_release(&out);
	report_opts_release(&to);
	chargeback_release(&cb);
	html_part_release(&tp);
	html_part_release(&team_top);
	html_part_release(&team);
	return 0;
}

/* The whole page.  Returns 0, or an exit code after an error. */
static int
html_page(FILE *f, struct html_ctx *x)
{
	struct html_part proj = { 0 }, proj_top = { 0 }, day = { 0 };
	struct html_part rc = { 0 }, rc_top = { 0 }, ex = { 0 }, wf = { 0 };
	struct html_part job = { 0 }, waste = { 0 };
	struct failures fl;
	int have_fl = 0;
	struct rollup_filter wf_waste = { html_is_waste, NULL, "status" };
	struct chart_opts co = { 0, NULL, x->org };
	const struct report_opts *o = x->o;
	const struct report_result *r = x->res;
	char per[64];
	int ret = EXIT_FAILURE_OTHER;
	size_t i;

	wf_waste.ctx = (void *)x->waste;
	if (html_part_make(&proj, o, r, "project", NULL, 0, x->price) < 0 ||
	    html_part_make(&proj_top, o, r, "project", NULL, CHART_TOP_BARS,
	    x->price) < 0 ||
	    html_part_make(&day, o, r, "project,day", NULL, 0, x->price) < 0 ||
	    html_part_make(&rc, o, r, "resource_class", NULL, 0,
	    x->price) < 0 ||
	    html_part_make(&rc_top, o, r, "resource_class", NULL, 10,
	    x->price) < 0 ||
	    html_part_make(&ex, o, r, "executor", NULL, 0, x->price) < 0 ||
	    html_part_make(&wf, o, r, "workflow", NULL, x->top, x->price) < 0 ||
	    html_part_make(&job, o, r, "job", NULL, x->top, x->price) < 0 ||
	    html_part_make(&waste, o, r, "job", &wf_waste, x->top,
	    x->price) < 0)
		goto out;
	/* the same rows as `circleci-usage failures` */
	if (failures_build(&fl, o, r, x->waste->st, x->waste->n,
	    x->price) < 0)
		goto out;
	have_fl = 1;
	html_head_of(&x->now, r, &waste.r, x->price);

	html_begin(f, x->title);
	fputs("<header><h1>", f);
	html_escape(f, x->title, strlen(x->title));
	html_period(per, sizeof(per), &x->now);
	fputs("</h1><p class=\"sub\">", f);
	if (x->org != NULL) {
		char *org = chart_safe_text(x->org, strlen(x->org));

		fputs("<span id=\"h-org\">", f);
		html_escape(f, org, strlen(org));
		fputs("</span> \xc2\xb7 ", f);
		free(org);
	}
	html_escape(f, per, strlen(per));
	fputs("</p></header>\n", f);
	html_headline(f, x);

	fputs("<section id=\"projects\">\n<h2>Credits per project</h2>\n", f);
	html_chart(f, &proj_top.v, &co, 1000, 120 + 28 * (int)(proj_top.v.n ?
	    proj_top.v.n : 1), x->m, "chart-projects");
	html_view_table(f, &proj.v, "t-projects", 1);
	fputs("</section>\n", f);
	if (x->teams != NULL && html_teams(f, x, &co) < 0)
		goto out;

	fputs("<section id=\"days\">\n<h2>Credits per day</h2>\n", f);
	html_chart(f, &day.v, &co, 1000, 460, x->m, "chart-days");
	fputs("</section>\n", f);

	fputs("<section id=\"resources\">\n<h2>By resource class</h2>\n", f);
	html_chart(f, &rc_top.v, &co, 1000, 120 + 28 * (int)(rc_top.v.n ?
	    rc_top.v.n : 1), x->m, "chart-resources");
	html_view_table(f, &rc.v, "t-resources", 0);
	fputs("<h2>By executor</h2>\n", f);
	html_view_table(f, &ex.v, "t-executors", 0);
	fputs("</section>\n", f);

	fprintf(f, "<section id=\"workflows\">\n<h2>Top workflows</h2>\n");
	html_view_table(f, &wf.v, "t-workflows", 1);
	fputs("</section>\n<section id=\"jobs\">\n<h2>Top jobs</h2>\n", f);
	html_view_table(f, &job.v, "t-jobs", 1);
	fputs("</section>\n", f);

	fputs("<section id=\"failing\">\n<h2>The cost of failing jobs</h2>\n"
	    "<p class=\"note\">Runs whose status is ", f);
	for (i = 0; i < x->waste->n; i++) {
		fputs(i == 0 ? "" : i + 1 == x->waste->n ? " or " : ", ", f);
		html_escape(f, x->waste->st[i], strlen(x->waste->st[i]));
	}
	fputs(": the jobs that spend the most credits on them.</p>\n", f);
	html_failures_table(f, &fl, x->top, "t-failing");
	fputs("</section>\n", f);

	if (x->rs != NULL) {
		fputs("<section id=\"rightsizing\">\n<h2>Rightsizing</h2>\n"
		    "<p class=\"note\">Jobs with at least 10 runs with "
		    "utilization data: the median over runs of each "
		    "utilization column.  <b>over</b>: the medians of max CPU "
		    "and max RAM are both under 40%, with the next smaller "
		    "class and the credits it would save per 30 days; "
		    "<b>under</b>: either is at least 90%.</p>\n", f);
		html_rightsize_table(f, x->rs, x->top, "t-rightsizing");
		fputs("</section>\n", f);
	}

	html_quality(f, r);
	fprintf(f, "<footer>circleci-usage %s \xc2\xb7 credits at $",
	    CU_VERSION);
	{
		char p[DEC_BUFSZ];

		dec_format(x->price, p);
		fprintf(f, "%s each</footer>\n", p);
	}
	html_end(f);
	ret = ferror(f) ? EXIT_FAILURE_OTHER : 0;
out:
	if (have_fl)
		failures_release(&fl);
	html_part_release(&waste);
	html_part_release(&job);
	html_part_release(&wf);
	html_part_release(&ex);
	html_part_release(&rc_top);
	html_part_release(&rc);
	html_part_release(&day);
	html_part_release(&proj_top);
	html_part_release(&proj);
	return ret;
}

static int
html_day_arg(const char *opt, const char *s, int32_t *days)
{
	if (strlen(s) != 10 || date_parse(s, 10, days) < 0) {
		char msg[256];

		snprintf(msg, sizeof(msg), "%s: expected a date YYYY-MM-DD, "
		    "got '%.100s'", opt, s);
		return html_usage_error(msg);
	}
	return 0;
}

static void
html_push(const char ***list, size_t *n, const char *s)
{
	*list = xreallocarray(*list, *n + 1, sizeof(**list));
	(*list)[(*n)++] = s;
}

/* The previous period's headline: the same filters but the dates. */
static int
html_previous(struct html_ctx *x, struct report_opts *po,
    const struct inputs *pin)
{
	struct report_result pr;
	struct html_part pw = { 0 };
	struct rollup_filter flt = { html_is_waste, NULL, "status" };
	int ret;

	flt.ctx = (void *)x->waste;
	ret = report_run(po, pin, &pr);
	if (ret == 0 && view_check(&pr, x->price) < 0)
		ret = EXIT_BAD_INPUT;
	else if (ret == 0) {
		if (html_part_make(&pw, po, &pr, "status", &flt, 0,
		    x->price) < 0)
			ret = EXIT_FAILURE_OTHER;
		else
			html_head_of(&x->prev, &pr, &pw.r, x->price);
		html_part_release(&pw);
	}
	report_result_release(&pr);
	return ret;
}

static int
cmd_html_exec(int argc, char **argv)
{
	struct report_opts o, po;
	struct report_result res;
	struct inputs in, pin;
	struct html_waste waste = { NULL, 0 };
	struct html_ctx x;
	struct chart_measure m = { NULL, NULL };
	struct out out;
	const char *output = NULL, *title = NULL, *waste_list = HTML_WASTE;
	const char **prev = NULL, *teams_path = NULL;
	struct teams *teams = NULL;
	enum chargeback_mode shared = CB_PROPORTIONAL;
	const char *db_path = NULL;
	char *org = NULL;
	size_t nprev = 0;
	unsigned long long top = HTML_TOP, threads = 0;
	dec_t price;
	int c, i, ret = EXIT_USAGE, ran = 0, want_rs = 0, have_rs = 0;
	const char *rates_path = NULL;
	struct rates rates;
	struct rightsize rs;

	rates_init(&rates);
	report_opts_init(&o);
	report_opts_init(&po);
	inputs_init(&in);
	inputs_init(&pin);
	memset(&x, 0, sizeof(x));
	dec_parse("0.0006", 6, &price);
	optind = 1;
	while ((c = getopt_long(argc, argv, "ho:", html_options,
	    NULL)) != -1) {
		switch (c) {
		case 'o':
			output = optarg;
			break;
		case OPT_PREVIOUS:
			html_push(&prev, &nprev, optarg);
			break;
		case OPT_WASTE:
			waste_list = optarg;
			break;
		case OPT_TOP:
			if (parse_uint(optarg, 1000000, &top) < 0 || top == 0) {
				html_usage_error("--top: expected a whole "
				    "number of at least 1");
				goto out;
			}
			break;
		case OPT_DB:
			db_path = optarg;
			break;
		case OPT_TITLE:
			title = optarg;
			break;
		case OPT_RATES:
			rates_path = optarg;
			/* FALLTHROUGH */
		case OPT_RIGHTSIZE:
			want_rs = 1;
			break;
		case OPT_SINCE:
			if (html_day_arg("--since", optarg, &o.since))
				goto out;
			break;
		case OPT_UNTIL:
			if (html_day_arg("--until", optarg, &o.until))
				goto out;
			break;
		case OPT_PROJECT:
			html_push(&o.projects, &o.nprojects, optarg);
			html_push(&po.projects, &po.nprojects, optarg);
			break;
		case OPT_BRANCH:
			html_push(&o.branches, &o.nbranches, optarg);
			html_push(&po.branches, &po.nbranches, optarg);
			break;
		case OPT_PRICE:
			if (dec_parse(optarg, strlen(optarg), &price) < 0 ||
			    price < 0) {
				html_usage_error("--credit-price: expected a "
				    "price in USD such as 0.0006");
				goto out;
			}
			break;
		case OPT_STRICT:
			o.strict = po.strict = 1;
			break;
		case OPT_KEEP_DUPS:
			o.keep_duplicates = po.keep_duplicates = 1;
			break;
		case OPT_THREADS:
			if (parse_uint(optarg, 64, &threads) < 0 ||
			    threads == 0) {
				html_usage_error("--threads: expected a "
				    "number from 1 to 64");
				goto out;
			}
			o.threads = po.threads = (int)threads;
			break;
		case OPT_TEAMS:
			teams_path = optarg;
			break;
		case OPT_SHARED:
			if (chargeback_mode_parse(optarg, &shared) < 0) {
				html_usage_error("--shared-costs: expected "
				    "proportional, even or none");
				goto out;
			}
			break;
		case 'h':
			fputs(html_usage, stdout);
			ret = EXIT_OK;
			goto out;
		default:
			fprintf(stderr, "Try 'circleci-usage html --help' "
			    "for more information.\n");
			goto out;
		}
	}
	if (html_waste_parse(&waste, waste_list) < 0) {
		html_usage_error("--waste-statuses: expected a comma-separated "
		    "list of statuses");
		goto out;
	}
	if (o.since > o.until) {
		html_usage_error("--since is after --until");
		goto out;
	}
	if (db_path != NULL && optind < argc) {
		html_usage_error("--db reads history: give no PATH with it");
		goto out;
	}
	if (db_path == NULL && optind >= argc) {
		html_usage_error("no input: give export files or directories, "
		    "or - for stdin");
		goto out;
	}
	if ((ret = cmdopt_teams(teams_path, &teams)) != 0)
		goto out;
	o.teams = teams;
	report_parse_sets(&o, html_sets, sizeof(html_sets) /
	    sizeof(html_sets[0]) - (teams == NULL));
	o.want_orgs = 1;
	if (want_rs) {
		char err[512];

		/* the same pass: histograms beside the page's first grouping */
		if (rightsize_enable(&o) < 0) {
			ret = EXIT_FAILURE_OTHER;
			goto out;
		}
		if (rates_path != NULL ? rates_load(&rates, rates_path, err,
		    sizeof(err)) < 0 : rates_load_default(&rates) < 0) {
			if (rates_path != NULL)
				error("--rates: %s", err);
			ret = EXIT_BAD_INPUT;
			goto out;
		}
	}
	report_parse_by(&po, "status");
	ret = EXIT_BAD_INPUT;
	for (i = optind; i < argc; i++)
		if (inputs_add(&in, argv[i]) < 0)
			goto out;
	for (i = 0; i < (int)nprev; i++)
		if (inputs_add(&pin, prev[i]) < 0)
			goto out;
	if (db_path != NULL)
		ret = db_report_path(db_path, &o, &res);
	else
		ret = report_run(&o, &in, &res);
	ran = 1;
	if (ret != 0)
		goto out;
	/* costs and shares within 10^20 (view.h), before a byte is written */
	if (view_check(&res, price) < 0) {
		ret = EXIT_BAD_INPUT;
		goto out;
	}
	x.o = &o;
	x.res = &res;
	x.waste = &waste;
	x.waste_list = waste_list;
	org = report_org_label(&res, in.org_id);
	x.org = org;
	x.top = (size_t)top;
	x.price = price;
	x.title = title != NULL ? title : "CircleCI usage";
	if (want_rs) {
		struct rightsize_opts ro;

		memset(&ro, 0, sizeof(ro));
		ro.min_runs = 10;
		ro.under = 40 * DEC_ONE;
		ro.over = 90 * DEC_ONE;
		ro.rates = &rates;
		ret = EXIT_FAILURE_OTHER;
		if (rightsize_build(&rs, &o, &res, &ro) < 0)
			goto out;
		have_rs = 1;
		x.rs = &rs;
	}
	x.teams = teams;
	x.shared = shared;
	if (nprev > 0) {
		x.have_prev = 1;
		if ((ret = html_previous(&x, &po, &pin)) != 0)
			goto out;
	}
	ret = EXIT_FAILURE_OTHER;
	if (chart_cairo_measure_init(&m) < 0)
		goto out;
	x.m = &m;
	if (out_open(&out, output) < 0)
		goto out;
	if ((ret = html_page(out.f, &x)) != 0) {
		int e = errno;	/* out_abort's fclose and unlink may change it */

		out_abort(&out);
		error("cannot write '%s': %s", output != NULL ? output :
		    "standard output", strerror(e));
		goto out;
	}
	ret = out_commit(&out) < 0 ? EXIT_FAILURE_OTHER : EXIT_OK;
out:
	if (have_rs)
		rightsize_release(&rs);
	rates_release(&rates);
	chart_cairo_measure_release(&m);
	if (ran)
		report_result_release(&res);
	html_waste_release(&waste);
	free(org);
	free(prev);
	inputs_release(&pin);
	inputs_release(&in);
	report_opts_release(&po);
	report_opts_release(&o);
	teams_free(teams);
	return ret;
}

const struct cmd_entry cmd_html_entry = {
	.name = "html",
	.summary = "one self-contained HTML page: headline, charts, tables",
	.exec = cmd_html_exec,
};
