/*
 * cmd_notify.c: `circleci-usage notify slack PATH...`, the weekly message:
 * a period's credits, cost and change, its top projects and the alert
 * rules that fired, posted to a Slack incoming webhook.  The webhook URL
 * is a secret: it comes from the environment or a file, never from argv,
 * and is never printed; the CircleCI token is never read.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <curl/curl.h>
#include <jansson.h>

#include "alert.h"
#include "cmd.h"
#include "cmdopt.h"
#include "compare.h"
#include "date.h"
#include "db.h"
#include "range.h"
#include "report.h"
#include "slack.h"
#include "redact.h"
#include "util.h"
#include "view.h"

#define NOTIFY_WASTE "failed,canceled,timedout,infrastructure_fail"
#define NOTIFY_MAX_URL 4096

static const char notify_usage[] =
"usage: circleci-usage notify slack [options] PATH...\n"
"\n"
"Post a period's usage to Slack through an incoming webhook: total\n"
"credits, cost and jobs, the change against the previous period, the top\n"
"projects with their changes, and the alert rules that fired.  PATH is a\n"
"run directory (its run.json gives the period, the export and the\n"
"previous period's export, by paths relative to the directory or\n"
"absolute), or exports read as `report` reads them.\n"
"\n"
"The webhook URL is read from SLACK_WEBHOOK_URL, or from a file with\n"
"--webhook-file; never from the command line, and it is never printed\n"
"(nor is it accepted with a user:password@ in it).\n"
"\n"
"Options:\n"
"  --previous PATH       the previous period's export or run directory\n"
"                        (repeatable); instead of run.json's\n"
"  --db FILE             both periods from history (see ingest; - for the\n"
"                        default database) instead of PATHs: the current\n"
"                        one is --since/--until, the previous one\n"
"                        --previous-since/--previous-until\n"
"  --alert EXPR          a rule, NAME OP NUMBER (repeatable): OP is >, >=,\n"
"                        < or <=; NAME is total_credits, cost_usd, jobs,\n"
"                        change_pct, failed_credits_pct,\n"
"                        project.total_credits or project.change_pct (fires\n"
"                        when any project matches); e.g. 'change_pct > 20'\n"
"  --only-on-alert       post only when a rule fires\n"
"  --fail-on-alert       exit 7 when a rule fired (after posting)\n"
"  --dry-run             print the message's JSON payload, post nothing\n"
"                        (no webhook needed)\n"
"  --webhook-file PATH   read the webhook URL from PATH (- for stdin)\n"
"  --top N               projects listed (default 10); the rest in one line\n"
"  --by KEY              list projects (default) or teams (with --teams)\n"
CMDOPT_TEAMS_HELP
"  --waste-statuses LIST the JOB_BUILD_STATUS values of failed runs, for\n"
"                        failed_credits_pct (default\n"
"                        " NOTIFY_WASTE ")\n"
"  --credit-price USD    price of one credit for the cost (default 0.0006)\n"
"  --title TEXT          the message's header (default: CircleCI usage and\n"
"                        the period)\n"
"  --timeout DURATION    give up posting after this long: 90s, 5m (default\n"
"                        60s); 429 and 5xx answers are retried until then\n"
"\n"
"Filters (both periods):\n"
CMDOPT_FILTER_HELP
"\n"
"Input:\n"
CMDOPT_INPUT_HELP
"  -h, --help            show this help\n";

enum {
	OPT_PREVIOUS = 256, OPT_NOTIFY_DB, OPT_PREV_SINCE, OPT_PREV_UNTIL,
	OPT_ALERT, OPT_ONLY_ON_ALERT, OPT_FAIL_ON_ALERT,
	OPT_DRY_RUN, OPT_WEBHOOK_FILE, OPT_TOP, OPT_WASTE, OPT_PRICE,
	OPT_TITLE, OPT_TIMEOUT, OPT_BY, OPT_TEAMS
};

static const struct option notify_options[] = {
	CMDOPT_FILTER_OPTIONS,
	CMDOPT_INPUT_OPTIONS,
	{ "previous", required_argument, NULL, OPT_PREVIOUS },
	{ "db", required_argument, NULL, OPT_NOTIFY_DB },
	{ "previous-since", required_argument, NULL, OPT_PREV_SINCE },
	{ "previous-until", required_argument, NULL, OPT_PREV_UNTIL },
	{ "alert", required_argument, NULL, OPT_ALERT },
	{ "only-on-alert", no_argument, NULL, OPT_ONLY_ON_ALERT },
	{ "fail-on-alert", no_argument, NULL, OPT_FAIL_ON_ALERT },
	{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
	{ "webhook-file", required_argument, NULL, OPT_WEBHOOK_FILE },
	{ "top", required_argument, NULL, OPT_TOP },
	{ "waste-statuses", required_argument, NULL, OPT_WASTE },
	{ "credit-price", required_argument, NULL, OPT_PRICE },
	{ "title", required_argument, NULL, OPT_TITLE },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "by", required_argument, NULL, OPT_BY },
	{ "teams", required_argument, NULL, OPT_TEAMS },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 }
};

struct notify {
	struct report_opts o;
	const char *by;		/* the groups listed: project, team */
	const char *teams_path;
	struct teams *teams;
	const char **prev_paths;	/* --previous */
	size_t nprev_paths;
	struct alert_rule *rules;
	size_t nrules;
	char **waste;
	size_t nwaste;
	const char *waste_list;
	const char *webhook_file;
	const char *title;
	int only_on_alert, fail_on_alert, dry_run;
	unsigned long long top;
	dec_t price;
	double timeout;
	/* from run.json */
	char *org;
	char period[64], prev_period[64];
	int have_period, have_prev_period;
	struct inputs cur_in, prev_in;
	size_t nrun_prev;		/* previous exports from run.json */
	const char *db;			/* --db: both periods from history */
	int32_t prev_since, prev_until;	/* --previous-since/--previous-until */
};

/* One period, summed by project and status. */
struct notify_side {
	struct report_result res;	/* by project, status */
	struct report_result proj;	/* by project */
	dec_t waste;			/* credits on failed runs */
	int have;
};

/* ---- the webhook URL ---- */

/*
 * The webhook URL: --webhook-file, else SLACK_WEBHOOK_URL.  Returns it
 * (the caller wipes and frees it) and sets *what to its source for
 * messages, or returns NULL after printing an error that never shows it.
 */
static char *
notify_webhook(const struct notify *n, const char **what)
{
	char *url;
	size_t len, i;

	if (n->webhook_file != NULL) {
		FILE *f = NULL;

		*what = "--webhook-file";
		if (strstr(n->webhook_file, "://") != NULL) {
			/* the URL itself: do not echo the secret */
			error("--webhook-file takes a file that holds the "
			    "webhook URL, not the URL (which must never be an "
			    "argument)");
			return NULL;
		}
		f = strcmp(n->webhook_file, "-") == 0 ? stdin :
		    fopen(n->webhook_file, "r");
		if (f == NULL) {
			error("--webhook-file '%s': %s", n->webhook_file,
			    strerror(errno));
			return NULL;
		}
		url = xcalloc(1, NOTIFY_MAX_URL + 1);
		len = fread(url, 1, NOTIFY_MAX_URL, f);
		if (ferror(f) || (len == NOTIFY_MAX_URL && !feof(f))) {
			error("--webhook-file '%s': %s", n->webhook_file,
			    ferror(f) ? strerror(errno) :
			    "longer than a URL can be");
			if (f != stdin)
				fclose(f);
			explicit_bzero(url, NOTIFY_MAX_URL);
			free(url);
			return NULL;
		}
		if (f != stdin)
			fclose(f);
		url[len] = '\0';
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
		explicit_bzero(url, len);
		free(url);
		return NULL;
	}
	if (slack_url_check(url, *what) < 0) {
		explicit_bzero(url, len);
		free(url);
		return NULL;
	}
	return url;
}

/* ---- run directories ---- */

/* A bound of run.json as its day, "2026-10-01". */
static int
notify_day(const char *s, int is_end, char *buf)
{
	int64_t ms;
	int64_t days;

	if (s == NULL || range_parse_bound(s, is_end, &ms) < 0)
		return -1;
	days = ms >= 0 ? ms / 86400000 : -((-ms + 86399999) / 86400000);
	date_format_day((int32_t)days, buf);
	return 0;
}

/* "start to end" from two run.json bounds. */
static int
notify_period(json_t *obj, char *out, size_t len)
{
	char a[DATE_BUFSZ], b[DATE_BUFSZ];

	if (notify_day(json_string_value(json_object_get(obj, "start")), 0,
	    a) < 0 || notify_day(json_string_value(json_object_get(obj,
	    "end")), 1, b) < 0)
		return -1;
	snprintf(out, len, "%s to %s", a, b);
	return 0;
}

/*
 * Read DIR/run.json: the period, the org and the previous period (whose
 * export is added to prev_in unless --previous was given).  Returns 0, or
 * an exit code after printing an error naming the file and the field.
 */
static int
notify_run_json(struct notify *n, const char *dir, const char *path)
{
	json_t *root, *prev, *org;
	const char *pdir;
	int ret = EXIT_BAD_INPUT;

	/* every string checked: no control character reaches a message */
	root = inputs_run_load(path);
	if (root == NULL)
		return EXIT_BAD_INPUT;
	if (!n->have_period) {
		if (notify_period(root, n->period, sizeof(n->period)) < 0) {
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
		if (!n->have_prev_period && n->nprev_paths == 0) {
			if (notify_period(prev, n->prev_period,
			    sizeof(n->prev_period)) < 0) {
				error("'%s': \"previous\": \"start\" and "
				    "\"end\": expected dates (YYYY-MM-DD or "
				    "RFC 3339)", path);
				goto out;
			}
			n->have_prev_period = 1;
		}
		pdir = json_string_value(json_object_get(prev, "dir"));
		if (json_object_get(prev, "dir") != NULL && pdir == NULL) {
			error("'%s': \"previous\": \"dir\": expected a string",
			    path);
			goto out;
		}
		if (pdir == NULL)
			pdir = "previous";
		/*
		 * Relative to the run directory (run exported it there), and
		 * inside it once resolved, or absolute (an export given with
		 * --previous-from, or kept out of the artifacts with
		 * --export-dir).
		 */
		if (n->nprev_paths == 0) {
			char *full = inputs_run_path(dir, path, "previous.dir",
			    pdir);
			int r;

			if (full == NULL)
				goto out;
			r = inputs_add(&n->prev_in, full);
			free(full);
			if (r < 0)
				goto out;
			n->nrun_prev++;
		}
	}
	ret = 0;
out:
	json_decref(root);
	return ret;
}

/* Add a PATH argument: a run directory, or exports. */
static int
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

/* ---- sums ---- */

static int
notify_is_waste(const struct notify *n, const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < n->nwaste; i++)
		if (str_ieq(s, len, n->waste[i]))
			return 1;
	return 0;
}

/* res (by project, status) rolled up by project into side->proj. */
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
		if (notify_is_waste(n, s, slen))
			side->waste = dec_add_or_die(side->waste,
			    g->m.credits[CR_TOTAL], "credits wasted");
	}
	sbuf_release(&key);
}

static int
notify_read(const struct notify *n, const struct inputs *in,
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

static void
notify_data_period(const struct report_result *r, char *out, size_t len)
{
	char a[DATE_BUFSZ], b[DATE_BUFSZ];

	if (!r->have_dates) {
		snprintf(out, len, "(no dates)");
		return;
	}
	date_format_day(r->first_date, a);
	date_format_day(r->last_date, b);
	snprintf(out, len, "%s to %s", a, b);
}

/* Projects for the message: current ones by credits, then gone ones. */
static const struct compare_row *sort_rows;

static int
notify_project_cmp(const void *pa, const void *pb)
{
	const struct compare_row *a = &sort_rows[*(const size_t *)pa];
	const struct compare_row *b = &sort_rows[*(const size_t *)pb];
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

/* A line on stderr for each rule that fired or could not be told. */
static void
notify_report_alerts(const struct notify *n, const struct slack_msg *m,
    const struct alert_outcome *outs)
{
	struct sbuf sb, name;
	size_t i, j;

	sbuf_init(&sb, 1 << 16);
	sbuf_init(&name, 1 << 16);
	for (i = 0; i < n->nrules; i++) {
		const struct alert_rule *r = &n->rules[i];
		const struct alert_outcome *o = &outs[i];
		char v[DEC_BUFSZ];

		dec_format(r->value, v);
		if (!o->evaluated) {
			warning("alert '%s %s %s' not evaluated: there is no "
			    "previous period to compare with",
			    alert_name_text(r->name), alert_op_text(r->op), v);
			continue;
		}
		if (!o->fired)
			continue;
		sbuf_reset(&sb);
		if (alert_name_is_project(r->name)) {
			sbuf_addf(&sb, "%zu project%s:", o->nmatches,
			    o->nmatches == 1 ? "" : "s");
			for (j = 0; j < o->nmatches && j < 5; j++) {
				const struct slack_project *p =
				    &m->projects[o->matches[j]];

				view_cell_text(&name, p->name, p->len, 40, 0);
				sbuf_addf(&sb, "%s %s", j ? "," : "",
				    name.buf);
			}
			if (o->nmatches > 5)
				sbuf_addf(&sb, " and %zu more",
				    o->nmatches - 5);
		} else {
			char a[DEC_BUFSZ + 16];

			dec_format_fixed(o->value, r->name == ALERT_JOBS ? 0 :
			    2, 0, a);
			sbuf_addstr(&sb, a);
			if (alert_name_is_pct(r->name))
				sbuf_addch(&sb, '%');
		}
		notice("notify: alert fired: %s %s %s (%s)",
		    alert_name_text(r->name), alert_op_text(r->op), v, sb.buf);
	}
	sbuf_release(&sb);
	sbuf_release(&name);
}

/* Everything after the options: read, evaluate, build, post. */
static int
notify_run(struct notify *n, const char *url, const char *what)
{
	struct notify_side cur, prev;
	struct report_opts po;
	struct compare cmp;
	struct slack_project *sp = NULL;
	struct alert_project *ap = NULL;
	struct alert_outcome *outs = NULL;
	struct slack_alert *sa = NULL;
	struct alert_facts facts;
	struct slack_msg m;
	struct slack_limits lim = { SLACK_MAX_BLOCKS, SLACK_MAX_TEXT };
	size_t *order = NULL, i, ncur = 0, fired = 0;
	int have_prev = n->prev_in.n > 0 || (n->db != NULL &&
	    n->prev_since != INT32_MIN), ret, have_cmp = 0;
	char *payload = NULL;

	memset(&cur, 0, sizeof(cur));
	memset(&prev, 0, sizeof(prev));
	report_opts_init(&po);
	report_parse_by(&po, n->by);
	ret = notify_read(n, &n->cur_in, &cur, 0);
	if (ret != 0)
		goto out;
	if (have_prev) {
		ret = notify_read(n, &n->prev_in, &prev, 1);
	} else {
		prev.have = 1;
		memset(&prev.res, 0, sizeof(prev.res));
		agg_init(&prev.res.groups);
		agg_init(&prev.proj.groups);
	}
	if (ret != 0)
		goto out;

	compare_build(&cmp, &po, &prev.proj, &cur.proj);
	have_cmp = 1;
	order = xcalloc(cmp.n + 1, sizeof(*order));
	for (i = 0; i < cmp.n; i++)
		order[i] = i;
	sort_rows = cmp.rows;
	if (cmp.n > 1)
		qsort(order, cmp.n, sizeof(*order), notify_project_cmp);
	sort_rows = NULL;
	sp = xcalloc(cmp.n + 1, sizeof(*sp));
	ap = xcalloc(cmp.n + 1, sizeof(*ap));
	for (i = 0; i < cmp.n; i++) {
		const struct compare_row *r = &cmp.rows[order[i]];

		sp[i].name = agg_key_part(r->key, r->keylen, 0, &sp[i].len);
		sp[i].credits = r->cur;
		sp[i].cost = dec_cost_or_die(r->cur, n->price);
		sp[i].change = r->change;
		sp[i].pct = r->pct;
		sp[i].has_pct = r->has_pct;
		sp[i].trend = r->trend;
		ap[i].name = sp[i].name;
		ap[i].len = sp[i].len;
		ap[i].credits = r->cur;
		ap[i].in_cur = r->trend != TREND_GONE;
		ap[i].pct = r->pct;
		ap[i].has_pct = have_prev && r->has_pct;
		ncur += r->trend != TREND_GONE;
	}

	memset(&facts, 0, sizeof(facts));
	facts.total_credits = cur.res.totals.credits[CR_TOTAL];
	facts.cost_usd = dec_cost_or_die(facts.total_credits, n->price);
	facts.jobs = cur.res.totals.jobs;
	facts.has_previous = have_prev;
	facts.has_change = have_prev && cmp.total.has_pct;
	facts.change_pct = cmp.total.pct;
	facts.failed_credits_pct = dec_percent_or_die(cur.waste,
	    facts.total_credits, "share of the credits wasted");
	facts.projects = ap;
	facts.nprojects = cmp.n;
	outs = xcalloc(n->nrules + 1, sizeof(*outs));
	sa = xcalloc(n->nrules + 1, sizeof(*sa));
	for (i = 0; i < n->nrules; i++) {
		alert_eval(&n->rules[i], &facts, &outs[i]);
		sa[i].rule = &n->rules[i];
		sa[i].outcome = &outs[i];
		fired += outs[i].fired;
	}

	memset(&m, 0, sizeof(m));
	if (!n->have_period)
		notify_data_period(&cur.res, n->period, sizeof(n->period));
	if (have_prev && !n->have_prev_period)
		notify_data_period(&prev.res, n->prev_period,
		    sizeof(n->prev_period));
	m.title = n->title;
	m.org = n->org;
	m.period = n->period;
	m.prev_period = have_prev ? n->prev_period : NULL;
	m.credits = facts.total_credits;
	m.cost = facts.cost_usd;
	m.price = n->price;
	m.jobs = facts.jobs;
	m.has_previous = have_prev;
	m.prev_credits = cmp.total.prev;
	m.change = cmp.total.change;
	m.pct = cmp.total.pct;
	m.has_pct = cmp.total.has_pct;
	m.failed_credits = cur.waste;
	m.failed_pct = facts.failed_credits_pct;
	m.waste = n->waste_list;
	m.projects = sp;
	m.nprojects = ncur;
	m.noun = strcmp(n->by, "project") == 0 ? NULL : n->by;
	m.nall = cmp.n;
	m.top = (size_t)n->top;
	m.nnew = cmp.nnew;
	m.ngone = cmp.ngone;
	m.alerts = sa;
	m.nalerts = n->nrules;
	notify_report_alerts(n, &m, outs);

	if (n->only_on_alert && fired == 0) {
		fprintf(stderr, "%s: notify: no alert fired; nothing %s\n",
		    PROGRAM_NAME, n->dry_run ? "printed" : "posted");
		ret = EXIT_OK;
		goto out;
	}
	payload = slack_payload(&m, &lim);
	if (n->dry_run) {
		fputs(payload, stdout);
		putchar('\n');
		if (fflush(stdout) != 0 || ferror(stdout)) {
			error("cannot write to standard output: %s",
			    strerror(errno));
			ret = EXIT_FAILURE_OTHER;
			goto out;
		}
	} else {
		unsigned attempts;

		ret = slack_post(url, what, payload, n->timeout, &attempts);
		if (ret != 0)
			goto out;
		fprintf(stderr, "%s: notify: posted the message (%u "
		    "request%s)\n", PROGRAM_NAME, attempts,
		    attempts == 1 ? "" : "s");
	}
	ret = n->fail_on_alert && fired ? EXIT_ALERT : EXIT_OK;
out:
	free(payload);
	for (i = 0; outs != NULL && i < n->nrules; i++)
		alert_outcome_release(&outs[i]);
	free(outs);
	free(sa);
	free(sp);
	free(ap);
	free(order);
	if (have_cmp)
		compare_release(&cmp);
	notify_side_release(&prev);
	notify_side_release(&cur);
	report_opts_release(&po);
	return ret;
}

static void
notify_release(struct notify *n)
{
	size_t i;

	report_opts_release(&n->o);
	teams_free(n->teams);
	free(n->prev_paths);
	free(n->rules);
	for (i = 0; i < n->nwaste; i++)
		free(n->waste[i]);
	free(n->waste);
	free(n->org);
	inputs_release(&n->cur_in);
	inputs_release(&n->prev_in);
}

static int
cmd_notify_exec(int argc, char **argv)
{
	struct notify n;
	const char *what = NULL;
	char *url = NULL;
	int c, idx, i, ret = EXIT_USAGE;

	memset(&n, 0, sizeof(n));
	report_opts_init(&n.o);
	report_parse_by(&n.o, "project,status");
	inputs_init(&n.cur_in);
	inputs_init(&n.prev_in);
	n.prev_since = INT32_MIN;
	n.prev_until = INT32_MAX;
	n.top = 10;
	n.timeout = 60;
	n.waste_list = NOTIFY_WASTE;
	n.by = "project";
	dec_parse("0.0006", 6, &n.price);
	if (argc >= 2 && (strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "-h") == 0)) {
		fputs(notify_usage, stdout);
		ret = EXIT_OK;
		goto out;
	}
	if (argc < 2 || argv[1][0] == '-') {
		ret = cmdopt_usage("notify", "expected a target: notify slack "
		    "[options] PATH...");
		goto out;
	}
	if (strcmp(argv[1], "slack") != 0) {
		ret = cmdopt_usage("notify", "unknown target '%.100s' "
		    "(expected slack)", argv[1]);
		goto out;
	}
	argc--;
	argv++;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", notify_options,
	    &idx)) != -1) {
		switch (c) {
		case CMDOPT_SHARED:
			if (cmdopt_report("notify", &n.o,
			    notify_options[idx].name, optarg) != 0)
				goto out;
			break;
		case OPT_NOTIFY_DB:
			n.db = optarg;
			break;
		case OPT_PREV_SINCE:
		case OPT_PREV_UNTIL:
			if (strlen(optarg) != 10 || date_parse(optarg, 10,
			    c == OPT_PREV_SINCE ? &n.prev_since :
			    &n.prev_until) < 0) {
				ret = cmdopt_usage("notify", "--%s: expected "
				    "a date (YYYY-MM-DD), got '%.100s'",
				    notify_options[idx].name, optarg);
				goto out;
			}
			break;
		case OPT_PREVIOUS:
			n.prev_paths = xreallocarray(n.prev_paths,
			    n.nprev_paths + 1, sizeof(*n.prev_paths));
			n.prev_paths[n.nprev_paths++] = optarg;
			break;
		case OPT_ALERT: {
			char err[512];

			n.rules = xreallocarray(n.rules, n.nrules + 1,
			    sizeof(*n.rules));
			if (alert_parse(optarg, &n.rules[n.nrules], err,
			    sizeof(err)) < 0) {
				ret = cmdopt_usage("notify", "--alert "
				    "'%.100s': %s", optarg, err);
				goto out;
			}
			n.nrules++;
			break;
		}
		case OPT_ONLY_ON_ALERT:
			n.only_on_alert = 1;
			break;
		case OPT_FAIL_ON_ALERT:
			n.fail_on_alert = 1;
			break;
		case OPT_DRY_RUN:
			n.dry_run = 1;
			break;
		case OPT_WEBHOOK_FILE:
			n.webhook_file = optarg;
			break;
		case OPT_TOP:
			if (parse_uint(optarg, 1000000, &n.top) < 0 ||
			    n.top == 0) {
				ret = cmdopt_usage("notify", "--top: "
				    "expected a whole number of at least 1, "
				    "got '%.100s'", optarg);
				goto out;
			}
			break;
		case OPT_WASTE:
			n.waste_list = optarg;
			break;
		case OPT_PRICE:
			if (dec_parse(optarg, strlen(optarg), &n.price) < 0 ||
			    n.price < 0) {
				ret = cmdopt_usage("notify", "--credit-price: "
				    "expected a price in USD such as 0.0006, "
				    "got '%.100s'", optarg);
				goto out;
			}
			break;
		case OPT_TITLE:
			n.title = optarg;
			break;
		case OPT_BY:
			if (strcmp(optarg, "project") != 0 &&
			    strcmp(optarg, "team") != 0) {
				ret = cmdopt_usage("notify", "--by: expected "
				    "project or team, got '%.100s'", optarg);
				goto out;
			}
			n.by = optarg;
			break;
		case OPT_TEAMS:
			n.teams_path = optarg;
			break;
		case OPT_TIMEOUT:
			if (range_parse_duration(optarg, &n.timeout) < 0 ||
			    n.timeout <= 0) {
				ret = cmdopt_usage("notify", "--timeout: "
				    "expected a duration such as 90s or 5m, "
				    "got '%.100s'", optarg);
				goto out;
			}
			break;
		case 'h':
			fputs(notify_usage, stdout);
			ret = EXIT_OK;
			goto out;
		default:
			fprintf(stderr, "Try 'circleci-usage notify --help' "
			    "for more information.\n");
			goto out;
		}
	}
	if (n.o.since > n.o.until) {
		ret = cmdopt_usage("notify", "--since is after --until");
		goto out;
	}
	if ((ret = cmdopt_teams(n.teams_path, &n.teams)) != 0)
		goto out;
	ret = EXIT_USAGE;
	n.o.teams = n.teams;
	if (strcmp(n.by, "team") == 0)
		report_parse_by(&n.o, "team,status");
	if (cmdopt_list(&n.waste, &n.nwaste, n.waste_list) < 0) {
		ret = cmdopt_usage("notify", "--waste-statuses: expected a "
		    "comma-separated list of statuses, got '%.100s'",
		    n.waste_list);
		goto out;
	}
	if (n.db != NULL && (optind < argc || n.nprev_paths > 0)) {
		ret = cmdopt_usage("notify", "--db reads history: give no PATH "
		    "or --previous with it");
		goto out;
	}
	if (n.db == NULL && (n.prev_since != INT32_MIN ||
	    n.prev_until != INT32_MAX)) {
		ret = cmdopt_usage("notify", "--previous-since and "
		    "--previous-until go with --db");
		goto out;
	}
	if (n.db == NULL && optind >= argc) {
		ret = cmdopt_usage("notify", "no input: give a run directory "
		    "or exports");
		goto out;
	}
	/* the webhook URL must never reach a core file */
	{
		struct rlimit rl = { 0, 0 };

		setrlimit(RLIMIT_CORE, &rl);
		prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	}
	if (!n.dry_run) {
		url = notify_webhook(&n, &what);
		if (url == NULL) {
			ret = EXIT_USAGE;
			goto out;
		}
		/* a webhook's answer is printed with it masked */
		redact_add_url(url);
	}
	for (i = optind; i < argc; i++) {
		ret = notify_add_path(&n, argv[i]);
		if (ret != 0)
			goto out;
	}
	for (i = 0; i < (int)n.nprev_paths; i++) {
		if (inputs_add(&n.prev_in, n.prev_paths[i]) < 0) {
			ret = EXIT_BAD_INPUT;
			goto out;
		}
	}
	srand((unsigned)time(NULL) ^ (unsigned)getpid());
	curl_global_init(CURL_GLOBAL_DEFAULT);
	ret = notify_run(&n, url, what);
	curl_global_cleanup();
out:
	if (url != NULL) {
		explicit_bzero(url, strlen(url));
		free(url);
	}
	redact_clear();
	notify_release(&n);
	return ret;
}

const struct cmd_entry cmd_notify_entry = {
	.name = "notify",
	.summary = "post a period's usage and alerts to Slack",
	.exec = cmd_notify_exec,
};
