/*
 * notify.c: the workflow of `notify slack` (notify.h): run directories
 * and exports in, both periods summed, compared and judged by the alert
 * rules (with the budgets and anomalies as of the period's end when a
 * rule asks), what --cooldown holds back taken out, and the Slack message
 * out.  The webhook URL is a secret: it is read here from the environment
 * or a file and never put in a message.
 */
#include "notify.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include "date.h"
#include "db.h"
#include "failures.h"
#include "range.h"
#include "util.h"
#include "view.h"

#define NOTIFY_MAX_URL 4096

void
notify_init(struct notify *n)
{
	memset(n, 0, sizeof(*n));
	report_opts_init(&n->o);
	report_parse_by(&n->o, "project,status");
	inputs_init(&n->cur_in);
	inputs_init(&n->prev_in);
	n->prev_since = INT32_MIN;
	n->prev_until = INT32_MAX;
	n->top = 10;
	n->waste_list = FAILURES_WASTE;
	n->by = "project";
	dec_parse("0.0006", 6, &n->price);
}

void
notify_release(struct notify *n)
{
	report_opts_release(&n->o);
	teams_free(n->teams);
	budgets_free(n->budgets);
	free(n->state);
	free(n->rules);
	strv_free(n->waste, n->nwaste);
	free(n->org);
	inputs_release(&n->cur_in);
	inputs_release(&n->prev_in);
}

/* ---- the webhook URL ---- */

/* The URL from the file --webhook-file names, untrimmed; NULL: error. */
static char *
notify_webhook_file(const char *path)
{
	FILE *f;
	char *url;
	size_t len;

	if (strstr(path, "://") != NULL) {
		/* the URL itself: do not echo the secret */
		error("--webhook-file takes a file that holds the webhook URL, "
		    "not the URL (which must never be an argument)");
		return NULL;
	}
	f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
	if (f == NULL) {
		error("--webhook-file '%s': %s", path, strerror(errno));
		return NULL;
	}
	url = xcalloc(1, NOTIFY_MAX_URL + 1);
	len = fread(url, 1, NOTIFY_MAX_URL, f);
	if (ferror(f) || (len == NOTIFY_MAX_URL && !feof(f))) {
		error("--webhook-file '%s': %s", path, ferror(f) ?
		    strerror(errno) : "longer than a URL can be");
		explicit_bzero(url, NOTIFY_MAX_URL);
		free(url);
		url = NULL;
	} else {
		url[len] = '\0';
	}
	if (f != stdin)
		fclose(f);
	return url;
}

char *
notify_webhook(const struct notify *n, const char **what)
{
	char *url;
	size_t len, i;

	if (n->webhook_file != NULL) {
		*what = "--webhook-file";
		url = notify_webhook_file(n->webhook_file);
		if (url == NULL)
			return NULL;
	} else {
		const char *e = getenv("SLACK_WEBHOOK_URL");

		*what = "SLACK_WEBHOOK_URL";
		if (e == NULL || *e == '\0') {
			error("notify: no webhook: set SLACK_WEBHOOK_URL or "
			    "use --webhook-file PATH (or --dry-run to print "
			    "the message)");
			return NULL;
		}
		url = xstrdup(e);
	}
	/* trim the blanks and the newline a file ends with */
	len = strlen(url);
	while (len > 0 && strchr(" \t\r\n", url[len - 1]) != NULL)
		url[--len] = '\0';
	i = strspn(url, " \t\r\n");
	memmove(url, url + i, len - i + 1);
	len -= i;
	for (i = 0; i < len; i++)
		if ((unsigned char)url[i] <= 0x20 || url[i] == 0x7f)
			break;
	if (len == 0 || i < len) {
		error("the webhook URL from %s is %s", *what, len == 0 ?
		    "empty" : "not one URL (it holds a space or a control "
		    "character)");
		goto fail;
	}
	if (slack_url_check(url, *what) < 0)
		goto fail;
	return url;
fail:
	explicit_bzero(url, len);
	free(url);
	return NULL;
}

/* ---- run directories ---- */

/* A bound of run.json as its day, "2026-10-01", and in *day. */
static int
notify_day(const char *s, int is_end, char *buf, int32_t *day)
{
	int64_t ms;
	int64_t days;

	if (s == NULL || range_parse_bound(s, is_end, &ms) < 0)
		return -1;
	days = ms >= 0 ? ms / 86400000 : -((-ms + 86399999) / 86400000);
	*day = (int32_t)days;
	date_format_day(*day, buf);
	return 0;
}

/* "start to end" from two run.json bounds; the end's day in *last. */
static int
notify_period(json_t *obj, char *out, size_t len, int32_t *last)
{
	char a[DATE_BUFSZ], b[DATE_BUFSZ];
	int32_t first;

	if (notify_day(json_string_value(json_object_get(obj, "start")), 0,
	    a, &first) < 0 || notify_day(json_string_value(json_object_get(obj,
	    "end")), 1, b, last) < 0)
		return -1;
	snprintf(out, len, "%s to %s", a, b);
	return 0;
}

/*
 * run.json's "previous" (an object): its period, unless --previous was
 * given, and its export, added to prev_in.  0, or -1 after an error.
 */
static int
notify_run_previous(struct notify *n, json_t *prev, const char *dir,
    const char *path)
{
	const char *pdir;
	char *full;
	int32_t last;
	int r;

	if (!n->have_prev_period && !n->previous_given) {
		if (notify_period(prev, n->prev_period,
		    sizeof(n->prev_period), &last) < 0)
			return error("'%s': \"previous\": \"start\" and "
			    "\"end\": expected dates (YYYY-MM-DD or RFC "
			    "3339)", path);
		n->have_prev_period = 1;
	}
	pdir = json_string_value(json_object_get(prev, "dir"));
	if (json_object_get(prev, "dir") != NULL && pdir == NULL)
		return error("'%s': \"previous\": \"dir\": expected a string",
		    path);
	if (pdir == NULL)
		pdir = "previous";
	if (n->previous_given)
		return 0;
	/*
	 * Relative to the run directory (run exported it there), and inside
	 * it once resolved, or absolute (an export given with
	 * --previous-from, or kept out of the artifacts with --export-dir).
	 */
	full = inputs_run_path(dir, path, "previous.dir", pdir);
	if (full == NULL)
		return -1;
	r = inputs_add(&n->prev_in, full);
	free(full);
	return r;
}

/*
 * Read DIR/run.json: the period, the org and the previous period.
 * Returns 0, or EXIT_BAD_INPUT after an error naming the file and the
 * field.
 */
static int
notify_run_json(struct notify *n, const char *dir, const char *path)
{
	json_t *root, *prev, *org;
	int ret = EXIT_BAD_INPUT;

	/* every string checked: no control character reaches a message */
	root = inputs_run_load(path);
	if (root == NULL)
		return EXIT_BAD_INPUT;
	if (!n->have_period) {
		if (notify_period(root, n->period, sizeof(n->period),
		    &n->period_last) < 0) {
			error("'%s': \"start\" and \"end\": expected dates "
			    "(YYYY-MM-DD or RFC 3339)", path);
			goto out;
		}
		n->have_period = 1;
		org = json_object_get(root, "org_id");
		if (json_is_string(org) && n->org == NULL)
			n->org = xstrdup(json_string_value(org));
	}
	prev = json_object_get(root, "previous");
	if (prev != NULL && !json_is_null(prev)) {
		if (!json_is_object(prev)) {
			error("'%s': \"previous\": expected an object or null",
			    path);
			goto out;
		}
		if (notify_run_previous(n, prev, dir, path) < 0)
			goto out;
	}
	ret = 0;
out:
	json_decref(root);
	return ret;
}

int
notify_add_path(struct notify *n, const char *arg)
{
	struct stat st;
	char *rj;
	int ret = 0;

	if (strcmp(arg, "-") != 0 && stat(arg, &st) == 0 &&
	    S_ISDIR(st.st_mode)) {
		rj = xasprintf("%s/run.json", arg);
		if (stat(rj, &st) == 0 && S_ISREG(st.st_mode))
			ret = notify_run_json(n, arg, rj);
		free(rj);
		if (ret != 0)
			return ret;
	}
	return inputs_add(&n->cur_in, arg) < 0 ? EXIT_BAD_INPUT : 0;
}

int
notify_add_previous(struct notify *n, const char *arg)
{
	return inputs_add(&n->prev_in, arg) < 0 ? EXIT_BAD_INPUT : 0;
}

static int
notify_needs(const struct notify *n, enum alert_entity e)
{
	size_t i;

	for (i = 0; i < n->nrules; i++)
		if (n->rules[i].entity == e)
			return 1;
	return 0;
}

int
notify_needs_budgets(const struct notify *n)
{
	return notify_needs(n, ALERT_ENTITY_BUDGET);
}

int
notify_needs_anomalies(const struct notify *n)
{
	return notify_needs(n, ALERT_ENTITY_ANOMALY);
}

/* ALERTSTATE_FILE in the parent directory of `path`, read lexically. */
static char *
notify_state_parent(const char *path)
{
	size_t len = strlen(path);

	/* the last component, trailing slashes aside, goes */
	while (len > 1 && path[len - 1] == '/')
		len--;
	while (len > 0 && path[len - 1] != '/')
		len--;
	if (len == 0)
		return xstrdup(ALERTSTATE_FILE);
	while (len > 1 && path[len - 1] == '/')
		len--;
	if (len == 1 && path[0] == '/')
		return xstrdup("/" ALERTSTATE_FILE);
	return xasprintf("%.*s/%s", (int)len, path, ALERTSTATE_FILE);
}

char *
notify_state_beside(const char *arg)
{
	char *real, *ret;

	if (strcmp(arg, "-") == 0)
		return NULL;
	/* resolved first: the parent of "..", or of "dir/.", is not lexical */
	if ((real = realpath(arg, NULL)) == NULL)
		return notify_state_parent(arg);
	ret = notify_state_parent(real);
	free(real);
	return ret;
}

/* ---- the periods ---- */

/* side->res (by project, status) rolled up by project into side->proj. */
static void
notify_rollup(const struct notify *n, struct notify_side *side)
{
	struct sbuf key;
	size_t i;

	sbuf_init(&key, 1 << 20);
	side->proj = side->res;
	agg_init(&side->proj.groups);
	side->waste = 0;
	for (i = 0; i < side->res.groups.n; i++) {
		const struct agg_group *g = &side->res.groups.groups[i];
		struct agg_group *pg;
		size_t plen, slen;
		const char *p = agg_key_part(g->key, g->keylen, 0, &plen);
		const char *s = agg_key_part(g->key, g->keylen, 1, &slen);

		sbuf_reset(&key);
		agg_key_add(&key, p, plen);
		pg = agg_get(&side->proj.groups, key.buf, key.len,
		    agg_hash(key.buf, key.len));
		metrics_add_bounded(&pg->m, &g->m);
		if (failures_is_waste(n->waste, n->nwaste, s, slen))
			side->waste = dec_add_or_die(side->waste,
			    g->m.credits[CR_TOTAL], "credits wasted");
	}
	sbuf_release(&key);
}

/* One period, from the exports `in` or from history.  0, or exit code. */
static int
notify_read_side(const struct notify *n, const struct inputs *in,
    struct notify_side *side, int previous)
{
	struct report_opts o = n->o;	/* borrowed lists: not released */
	int ret;

	if (n->db != NULL && previous) {
		o.since = n->prev_since;
		o.until = n->prev_until;
	}
	ret = n->db != NULL ? db_report_path(n->db, &o, &side->res) :
	    report_run(&o, in, &side->res);

	side->have = 1;
	if (ret != 0) {
		agg_init(&side->proj.groups);
		return ret;
	}
	notify_rollup(n, side);
	return 0;
}

static void
notify_side_release(struct notify_side *side)
{
	if (!side->have)
		return;
	report_result_release(&side->res);
	agg_release(&side->proj.groups);
}

/* Both periods; without a previous one, an empty side.  0, or exit code. */
static int
notify_read(const struct notify *n, struct notify_result *r)
{
	int ret;

	ret = notify_read_side(n, &n->cur_in, &r->cur, 0);
	if (ret != 0)
		return ret;
	if (r->have_prev)
		return notify_read_side(n, &n->prev_in, &r->prev, 1);
	r->prev.have = 1;
	agg_init(&r->prev.res.groups);
	agg_init(&r->prev.proj.groups);
	return 0;
}

/* ---- the comparison ---- */

/* Projects for the message: current ones by credits, then gone ones. */
static const struct compare_row *notify_sort_rows;

static int
notify_project_cmp(const void *pa, const void *pb)
{
	const struct compare_row *a = &notify_sort_rows[*(const size_t *)pa];
	const struct compare_row *b = &notify_sort_rows[*(const size_t *)pb];
	int ga = a->trend == TREND_GONE, gb = b->trend == TREND_GONE;
	size_t la, lb;
	const char *ka, *kb;
	int c;

	if (ga != gb)
		return ga - gb;
	if (a->cur != b->cur)
		return a->cur > b->cur ? -1 : 1;
	ka = agg_key_part(a->key, a->keylen, 0, &la);
	kb = agg_key_part(b->key, b->keylen, 0, &lb);
	c = memcmp(ka, kb, la < lb ? la : lb);
	return c != 0 ? c : la < lb ? -1 : la > lb;
}

/* The periods compared, and each project as the message and rules see it. */
static void
notify_compare(const struct notify *n, struct notify_result *r)
{
	size_t i, nrows;

	report_parse_by(&r->po, n->by);
	compare_build(&r->cmp, &r->po, &r->prev.proj, &r->cur.proj);
	r->have_cmp = 1;
	nrows = r->cmp.n;
	r->order = xcalloc(nrows + 1, sizeof(*r->order));
	for (i = 0; i < nrows; i++)
		r->order[i] = i;
	notify_sort_rows = r->cmp.rows;
	if (nrows > 1)
		qsort(r->order, nrows, sizeof(*r->order), notify_project_cmp);
	notify_sort_rows = NULL;
	r->projects = xcalloc(nrows + 1, sizeof(*r->projects));
	r->aprojects = xcalloc(nrows + 1, sizeof(*r->aprojects));
	for (i = 0; i < nrows; i++) {
		const struct compare_row *row = &r->cmp.rows[r->order[i]];
		struct slack_project *sp = &r->projects[i];
		struct alert_project *ap = &r->aprojects[i];

		sp->name = agg_key_part(row->key, row->keylen, 0, &sp->len);
		sp->credits = row->cur;
		sp->cost = dec_cost_or_die(row->cur, n->price);
		sp->change = row->change;
		sp->pct = row->pct;
		sp->has_pct = row->has_pct;
		sp->trend = row->trend;
		ap->name = sp->name;
		ap->len = sp->len;
		ap->credits = row->cur;
		ap->in_cur = row->trend != TREND_GONE;
		ap->pct = row->pct;
		ap->has_pct = r->have_prev && row->has_pct;
		r->ncur += row->trend != TREND_GONE;
	}
}

/* ---- budgets and anomalies, as of the period's end ---- */

/*
 * The last day of the period the message reports: run.json's end, else
 * the current data's last day.  0 when there is none (no job runs).
 */
static int
notify_last_day(const struct notify *n, const struct notify_result *r,
    int32_t *last)
{
	if (n->have_period) {
		*last = n->period_last;
		return 1;
	}
	if (r->cur.res.have_dates) {
		*last = r->cur.res.last_date;
		return 1;
	}
	return 0;
}

/*
 * One more read with o: of history, else of both periods' exports (the
 * previous one is the history before the current one: baselines and
 * projections look back).
 */
static int
notify_read_more(const struct notify *n, const struct report_opts *o,
    struct report_result *res)
{
	struct inputs all;
	int ret;

	if (n->db != NULL)
		return db_report_path(n->db, o, res);
	inputs_init(&all);
	inputs_append(&all, &n->cur_in);
	inputs_append(&all, &n->prev_in);
	ret = report_run(o, &all, res);
	inputs_release(&all);
	return ret;
}

/*
 * Every budget as of the day after `last`, each in its period that holds
 * `last`, read complete (budgetcalc.h's closing), from one more read of
 * the same inputs with no filter: a budget's scope is its own.  0, or an
 * exit code after the error.
 */
static int
notify_budgets(const struct notify *n, struct notify_result *r, int32_t last)
{
	const struct budgets *bs = n->budgets;
	struct report_opts o;
	size_t i;
	int ret;

	report_opts_init(&o);
	o.strict = n->o.strict;
	o.keep_duplicates = n->o.keep_duplicates;
	o.threads = n->o.threads;
	o.teams = n->teams;
	r->have_calc = 1;
	if (budget_calc_init(&r->calc, bs, n->teams, n->price, last + 1,
	    1) < 0 || budget_calc_sets(&r->calc, &o) < 0) {
		ret = EXIT_USAGE;
		goto out;
	}
	/* the period says where it ends: no data that day is no warning */
	r->calc.complete = 1;
	ret = notify_read_more(n, &o, &r->bres);
	r->have_bres = 1;
	if (ret != 0)
		goto out;
	budget_calc_eval(&r->calc, &o, &r->bres);
	r->abudgets = xcalloc(bs->n + 1, sizeof(*r->abudgets));
	for (i = 0; i < bs->n; i++) {
		const struct budget_eval *e = &r->calc.e[i];
		struct alert_budget *ab = &r->abudgets[i];

		ab->name = bs->b[i].name;
		ab->status = budget_status_name(e->status);
		ab->not_ok = e->status != BUDGET_OK;
		ab->used_pct = e->used_pct;
		ab->projected_pct = e->projected_pct;
		ab->start = e->start;
		ab->has_threshold = e->threshold >= 0;
		if (ab->has_threshold)
			ab->threshold = bs->b[i].thresholds[e->threshold];
	}
	r->facts.has_budgets = 1;
	r->facts.budgets = r->abudgets;
	r->facts.nbudgets = bs->n;
out:
	report_opts_release(&o);
	return ret;
}

/*
 * The anomalies by project of the ANOMALY_DAYS days that end with `last`,
 * with the defaults of `anomalies`, from one more read of the same inputs
 * (with notify's filters, as `anomalies` takes them).  0, or an exit code.
 */
static int
notify_anomalies(const struct notify *n, struct notify_result *r,
    int32_t last)
{
	struct report_opts byo;
	size_t i;
	int ret;

	report_opts_init(&byo);
	report_opts_copy_filters(&r->ao, &n->o);
	anomaly_params_default(&r->arun.p);
	if (report_parse_by(&byo, "project") < 0 || anomaly_sets(&r->arun,
	    &r->ao, "project", &byo, last, ANOMALY_DAYS) < 0) {
		report_opts_release(&byo);
		return EXIT_FAILURE_OTHER;
	}
	report_opts_release(&byo);
	ret = notify_read_more(n, &r->ao, &r->ares);
	r->have_ares = 1;
	if (ret != 0)
		return ret;
	r->arun.src = &r->ares;
	r->arun.price = n->price;
	if (anomaly_find(&r->arun, &r->alist) < 0)
		return EXIT_FAILURE_OTHER;
	r->have_alist = 1;
	r->aanomalies = xcalloc(r->alist.n + 1, sizeof(*r->aanomalies));
	for (i = 0; i < r->alist.n; i++) {
		const struct anomaly_item *it = &r->alist.items[i];
		struct alert_anomaly *a = &r->aanomalies[i];

		a->day = it->day;
		a->key = agg_key_part(it->key, it->keylen, 0, &a->keylen);
		a->kind = anomaly_kind_name(it->v.kind);
		a->alarm = it->v.kind == ANOMALY_SPIKE ||
		    it->v.kind == ANOMALY_NEW;
		a->excess = it->v.excess;
		a->excess_usd = dec_cost_or_die(it->v.excess, n->price);
		a->score = it->v.score;
	}
	r->facts.has_anomalies = 1;
	r->facts.anomalies = r->aanomalies;
	r->facts.nanomalies = r->alist.n;
	return 0;
}

/*
 * The budgets and anomalies the rules need, as of the end of the period
 * the message reports.  Without a last day (no job runs, no run.json),
 * their rules are not evaluated.  0, or an exit code.
 */
static int
notify_entities(const struct notify *n, struct notify_result *r)
{
	int32_t last;
	int ret;

	if (!notify_last_day(n, r, &last))
		return 0;
	if (notify_needs_budgets(n) && n->budgets != NULL &&
	    (ret = notify_budgets(n, r, last)) != 0)
		return ret;
	if (notify_needs_anomalies(n) &&
	    (ret = notify_anomalies(n, r, last)) != 0)
		return ret;
	return 0;
}

/* ---- the rules ---- */

/* The facts the rules look at, then each rule's outcome. */
static void
notify_evaluate(const struct notify *n, struct notify_result *r)
{
	struct alert_facts *f = &r->facts;
	size_t i;

	f->total_credits = r->cur.res.totals.credits[CR_TOTAL];
	f->cost_usd = dec_cost_or_die(f->total_credits, n->price);
	f->jobs = r->cur.res.totals.jobs;
	f->has_previous = r->have_prev;
	f->has_change = r->have_prev && r->cmp.total.has_pct;
	f->change_pct = r->cmp.total.pct;
	f->failed_credits_pct = dec_percent_or_die(r->cur.waste,
	    f->total_credits, "share of the credits wasted");
	f->projects = r->aprojects;
	f->nprojects = r->cmp.n;
	r->outcomes = xcalloc(n->nrules + 1, sizeof(*r->outcomes));
	r->alerts = xcalloc(n->nrules + 1, sizeof(*r->alerts));
	r->nrules = n->nrules;
	for (i = 0; i < n->nrules; i++) {
		alert_eval(&n->rules[i], f, &r->outcomes[i]);
		r->alerts[i].rule = &n->rules[i];
		r->alerts[i].outcome = &r->outcomes[i];
		r->fired += r->outcomes[i].fired;
	}
}

/* ---- the cooldown ---- */

/* A name longer than this is known by its first bytes in an identity. */
#define NOTIFY_IDENT_NAME 1024

static void
notify_ident_name(struct sbuf *sb, const char *s, size_t len)
{
	alertstate_name(sb, s, len > NOTIFY_IDENT_NAME ? NOTIFY_IDENT_NAME :
	    len);
}

/*
 * The entity part of an alert's identity (alertstate.h): what makes a
 * match news again.  A budget is news again in a new period, at a new
 * status or past a higher threshold; an anomaly is its day, project and
 * kind; a project its name.
 */
static void
notify_entity_text(const struct notify_result *r, enum alert_entity e,
    size_t m, struct sbuf *sb)
{
	char day[DATE_BUFSZ], v[DEC_BUFSZ];

	switch (e) {
	case ALERT_ENTITY_PROJECT:
		sbuf_addstr(sb, "project ");
		notify_ident_name(sb, r->aprojects[m].name,
		    r->aprojects[m].len);
		break;
	case ALERT_ENTITY_BUDGET: {
		const struct alert_budget *b = &r->abudgets[m];

		date_format_day(b->start, day);
		if (b->has_threshold)
			dec_format(b->threshold, v);
		sbuf_addf(sb, "budget %s %s %s%s ", day, b->status,
		    b->has_threshold ? v : "-", b->has_threshold ? "%" : "");
		notify_ident_name(sb, b->name, strlen(b->name));
		break;
	}
	case ALERT_ENTITY_ANOMALY: {
		const struct alert_anomaly *a = &r->aanomalies[m];

		date_format_day(a->day, day);
		sbuf_addf(sb, "anomaly %s %s ", day, a->kind);
		notify_ident_name(sb, a->key, a->keylen);
		break;
	}
	default:
		break;
	}
}

/*
 * Was (rule, entity) sent within the cooldown?  Then 1, with *at the time
 * it was.  An entry from the future (a clock set back) counts as recent.
 */
static int
notify_recent(const struct notify *n, const struct notify_result *r,
    const char *rule, const char *entity, int64_t *at)
{
	const struct alertstate_entry *e = alertstate_find(&r->state, rule,
	    entity);

	if (e == NULL || r->now_ms - e->sent_ms >= n->cooldown_ms)
		return 0;
	if (e->sent_ms > *at)
		*at = e->sent_ms;
	return 1;
}

/* Note (rule, entity) as sent by this message, if it goes. */
static int
notify_will_send(struct notify_result *r, const char *rule,
    const char *entity)
{
	if (alertstate_set(&r->sent, rule, entity, r->now_ms) < 0)
		return error("notify: an alert's identity is too long to "
		    "remember for --cooldown: %.100s", rule);
	return 0;
}

/*
 * Hold back what was sent within the cooldown: a rule without entities
 * whole, a rule with entities match by match (those left still fire);
 * a rule with nothing left is held back, and no longer counts as fired.
 * What is sent is noted in r->sent.  0, or -1 after an error.
 */
static int
notify_cooldown(const struct notify *n, struct notify_result *r)
{
	struct sbuf text, ent;
	size_t i, j, k;
	int ret = -1;

	sbuf_init(&text, 1 << 16);
	sbuf_init(&ent, 1 << 16);
	for (i = 0; i < n->nrules; i++) {
		const struct alert_rule *rule = &n->rules[i];
		struct alert_outcome *o = &r->outcomes[i];

		if (!o->fired)
			continue;
		sbuf_reset(&text);
		alert_rule_text(rule, &text);
		if (rule->entity == ALERT_ENTITY_NONE) {
			if (notify_recent(n, r, text.buf, "", &o->held_at)) {
				o->held_back = 1;
			} else if (notify_will_send(r, text.buf, "") < 0) {
				goto out;
			}
		} else {
			for (j = k = 0; j < o->nmatches; j++) {
				sbuf_reset(&ent);
				notify_entity_text(r, rule->entity,
				    o->matches[j], &ent);
				if (notify_recent(n, r, text.buf, ent.buf,
				    &o->held_at)) {
					o->held[o->nheld++] = o->matches[j];
					continue;
				}
				if (notify_will_send(r, text.buf, ent.buf) < 0)
					goto out;
				o->matches[k++] = o->matches[j];
			}
			o->nmatches = k;
			o->held_back = k == 0;
		}
		if (o->held_back) {
			o->fired = 0;
			r->fired--;
			r->held++;
		}
	}
	ret = 0;
out:
	sbuf_release(&text);
	sbuf_release(&ent);
	return ret;
}

/* The --db database's path ("-": the default one); the caller frees. */
static char *
notify_db_path(const struct notify *n)
{
	return strcmp(n->db, "-") == 0 ? db_default_path() : xstrdup(n->db);
}

/*
 * The alerts sent before: the state file, else the --db database's
 * alerts_sent table.  A state that is not ours is an error, never taken
 * as empty (it would send everything again).  0, or an exit code.
 */
static int
notify_load_state(const struct notify *n, struct notify_result *r)
{
	char err[512], *path;
	struct db *db;
	int ret, code;

	if (n->state != NULL) {
		if (alertstate_load(&r->state, n->state, err,
		    sizeof(err)) < 0) {
			error("notify: state file '%s': %s (remove it to start "
			    "afresh: every alert then counts as not sent)",
			    n->state, err);
			return EXIT_BAD_INPUT;
		}
		return 0;
	}
	if ((path = notify_db_path(n)) == NULL)
		return EXIT_USAGE;
	db = db_open(path, 0, &code);
	free(path);
	if (db == NULL)
		return code;
	ret = db_alerts_load(db, &r->state) < 0 ? EXIT_BAD_INPUT : 0;
	db_close(db);
	return ret;
}

int
notify_record(const struct notify *n, const struct notify_result *r)
{
	struct alertstate s;
	char err[512], *path;
	struct db *db;
	size_t i;
	int ret = -1;

	if (n->cooldown_ms == 0 || r->sent.n == 0)
		return 0;
	if (n->state == NULL) {
		if ((path = notify_db_path(n)) == NULL)
			return -1;
		db = db_open(path, 1, NULL);
		free(path);
		if (db == NULL)
			return -1;
		ret = db_alerts_store(db, &r->sent, r->now_ms -
		    ALERTSTATE_KEEP_MS);
		db_close(db);
		return ret;
	}
	/* read again: another run may have added to it meanwhile */
	alertstate_init(&s);
	if (alertstate_load(&s, n->state, err, sizeof(err)) < 0) {
		error("notify: state file '%s': %s", n->state, err);
		goto out;
	}
	for (i = 0; i < r->sent.n; i++)
		if (alertstate_set(&s, r->sent.v[i].rule, r->sent.v[i].entity,
		    r->sent.v[i].sent_ms) < 0) {
			error("notify: state file '%s': more than %d alerts",
			    n->state, ALERTSTATE_MAX);
			goto out;
		}
	alertstate_prune(&s, r->now_ms - ALERTSTATE_KEEP_MS);
	ret = alertstate_save(&s, n->state);
out:
	alertstate_release(&s);
	return ret;
}

/* ---- what fired, on stderr ---- */

#define NOTIFY_NAMED 5		/* entities named in a line on stderr */

/* Entity m of the rule's kind, named for stderr, into sb. */
static void
notify_entity_what(const struct notify_result *r, enum alert_entity e,
    size_t m, struct sbuf *sb, struct sbuf *name)
{
	char a[DEC_BUFSZ + 16], b[DEC_BUFSZ + 16], day[DATE_BUFSZ];

	switch (e) {
	case ALERT_ENTITY_PROJECT: {
		const struct slack_project *p = &r->projects[m];

		view_cell_text(name, p->name, p->len, 40, 0);
		sbuf_addstr(sb, name->buf);
		break;
	}
	case ALERT_ENTITY_BUDGET: {
		const struct alert_budget *bu = &r->abudgets[m];

		view_cell_text(name, bu->name, strlen(bu->name), 40, 0);
		dec_format_fixed(bu->used_pct, 2, 0, a);
		dec_format_fixed(bu->projected_pct, 2, 0, b);
		sbuf_addf(sb, "%s (%s, %s%% used, %s%% projected)", name->buf,
		    bu->status, a, b);
		break;
	}
	case ALERT_ENTITY_ANOMALY: {
		const struct alert_anomaly *an = &r->aanomalies[m];

		view_cell_text(name, an->key, an->keylen, 40, 0);
		date_format_day(an->day, day);
		dec_format_fixed(an->excess, 2, 0, a);
		dec_format_fixed(an->excess_usd, 2, 0, b);
		sbuf_addf(sb, "%s on %s (%s, %s%s credits, $%s)", name->buf,
		    day, an->kind, an->excess > 0 ? "+" : "", a, b);
		break;
	}
	default:
		break;
	}
}

/*
 * What a rule matched: its total terms' values, then "3 projects: a, b,
 * c" (budgets, anomalies) for the entities idx[0..nidx).
 */
static void
notify_alert_what(const struct notify_result *r, const struct alert_rule *rule,
    const struct alert_outcome *o, const size_t *idx, size_t nidx,
    struct sbuf *sb, struct sbuf *name)
{
	static const char *const plural[] = { "", "projects", "budgets",
	    "anomalies" };
	const char *sep = "";
	size_t i, j;

	for (i = 0; i < rule->n; i++) {
		enum alert_name n = rule->t[i].name;
		char a[DEC_BUFSZ + 16];

		if (alert_name_entity(n) != ALERT_ENTITY_NONE)
			continue;
		dec_format_fixed(o->value[i], n == ALERT_JOBS ? 0 : 2, 0, a);
		sbuf_addf(sb, "%s%s%s", sep, a, alert_name_is_pct(n) ? "%" :
		    "");
		sep = ", ";
	}
	if (rule->entity == ALERT_ENTITY_NONE)
		return;
	sbuf_addf(sb, "%s%zu %s:", *sep ? "; " : "", nidx, nidx == 1 ?
	    alert_entity_text(rule->entity) : plural[rule->entity]);
	for (j = 0; j < nidx && j < NOTIFY_NAMED; j++) {
		sbuf_addstr(sb, j ? ", " : " ");
		notify_entity_what(r, rule->entity, idx[j], sb, name);
	}
	if (nidx > NOTIFY_NAMED)
		sbuf_addf(sb, " and %zu more", nidx - NOTIFY_NAMED);
}

/*
 * A line on stderr for each rule that fired, was held back by the
 * cooldown (in whole or in part) or could not be told.
 */
static void
notify_report_alerts(const struct notify *n, const struct notify_result *r)
{
	struct sbuf sb, name, text;
	char at[RANGE_BUFSZ];
	size_t i;

	sbuf_init(&sb, 1 << 16);
	sbuf_init(&name, 1 << 16);
	sbuf_init(&text, 1 << 16);
	for (i = 0; i < n->nrules; i++) {
		const struct alert_rule *rule = &n->rules[i];
		const struct alert_outcome *o = &r->outcomes[i];

		sbuf_reset(&text);
		alert_rule_text(rule, &text);
		if (!o->evaluated) {
			warning("alert '%s' not evaluated: %s", text.buf,
			    alert_unknown_text(o->why));
			continue;
		}
		if (o->fired) {
			sbuf_reset(&sb);
			notify_alert_what(r, rule, o, o->matches, o->nmatches,
			    &sb, &name);
			notice("notify: alert fired: %s (%s)", text.buf,
			    sb.buf);
		}
		if (o->held_back || o->nheld > 0) {
			sbuf_reset(&sb);
			notify_alert_what(r, rule, o, o->held, o->nheld, &sb,
			    &name);
			range_format(o->held_at, at);
			notice("notify: alert held back by --cooldown (sent at "
			    "%s): %s (%s)", at, text.buf, sb.buf);
		}
	}
	sbuf_release(&sb);
	sbuf_release(&name);
	sbuf_release(&text);
}

/* ---- the message ---- */

static void
notify_message(const struct notify *n, struct notify_result *r)
{
	struct slack_msg *m = &r->msg;
	const struct report_result *cur = &r->cur.res;
	const struct report_result *prev = &r->prev.res;

	if (n->have_period)
		snprintf(r->period, sizeof(r->period), "%s", n->period);
	else
		date_format_period(cur->have_dates, cur->first_date,
		    cur->last_date, "(no dates)", r->period,
		    sizeof(r->period));
	if (n->have_prev_period)
		snprintf(r->prev_period, sizeof(r->prev_period), "%s",
		    n->prev_period);
	else if (r->have_prev)
		date_format_period(prev->have_dates, prev->first_date,
		    prev->last_date, "(no dates)", r->prev_period,
		    sizeof(r->prev_period));
	m->title = n->title;
	m->link = n->link;
	m->link_text = n->link_text;
	m->org = n->org;
	m->period = r->period;
	m->prev_period = r->have_prev ? r->prev_period : NULL;
	m->credits = r->facts.total_credits;
	m->cost = r->facts.cost_usd;
	m->price = n->price;
	m->jobs = r->facts.jobs;
	m->has_previous = r->have_prev;
	m->prev_credits = r->cmp.total.prev;
	m->change = r->cmp.total.change;
	m->pct = r->cmp.total.pct;
	m->has_pct = r->cmp.total.has_pct;
	m->failed_credits = r->cur.waste;
	m->failed_pct = r->facts.failed_credits_pct;
	m->waste = n->waste_list;
	m->projects = r->projects;
	m->nprojects = r->ncur;
	m->noun = strcmp(n->by, "project") == 0 ? NULL : n->by;
	m->nall = r->cmp.n;
	m->top = (size_t)n->top;
	m->nnew = r->cmp.nnew;
	m->ngone = r->cmp.ngone;
	m->alerts = r->alerts;
	m->nalerts = n->nrules;
	m->budgets = r->abudgets;
	m->anomalies = r->aanomalies;
}

int
notify_build(const struct notify *n, struct notify_result *r)
{
	int ret;

	memset(r, 0, sizeof(*r));
	report_opts_init(&r->po);
	report_opts_init(&r->ao);
	alertstate_init(&r->state);
	alertstate_init(&r->sent);
	r->now_ms = range_now_ms();
	r->have_prev = n->prev_in.n > 0 || (n->db != NULL &&
	    n->prev_since != INT32_MIN);
	/* a state we cannot read stops us before any reading */
	if (n->cooldown_ms > 0 && (ret = notify_load_state(n, r)) != 0)
		return ret;
	ret = notify_read(n, r);
	if (ret != 0)
		return ret;
	notify_compare(n, r);
	if ((ret = notify_entities(n, r)) != 0)
		return ret;
	notify_evaluate(n, r);
	if (n->cooldown_ms > 0 && notify_cooldown(n, r) < 0)
		return EXIT_FAILURE_OTHER;
	notify_message(n, r);
	notify_report_alerts(n, r);
	return 0;
}

void
notify_result_release(struct notify_result *r)
{
	size_t i;

	for (i = 0; i < r->nrules; i++)
		alert_outcome_release(&r->outcomes[i]);
	free(r->outcomes);
	free(r->alerts);
	free(r->projects);
	free(r->aprojects);
	free(r->order);
	if (r->have_cmp)
		compare_release(&r->cmp);
	notify_side_release(&r->prev);
	notify_side_release(&r->cur);
	report_opts_release(&r->po);
	if (r->have_calc)
		budget_calc_release(&r->calc);
	if (r->have_bres)
		report_result_release(&r->bres);
	free(r->abudgets);
	if (r->have_alist)
		anomaly_list_release(&r->alist);
	if (r->have_ares)
		report_result_release(&r->ares);
	report_opts_release(&r->ao);
	free(r->aanomalies);
	alertstate_release(&r->state);
	alertstate_release(&r->sent);
}

char *
notify_payload(const struct notify_result *r)
{
	struct slack_limits lim = { SLACK_MAX_BLOCKS, SLACK_MAX_TEXT };

	return slack_payload(&r->msg, &lim);
}
