/*
 * test_notify.c: notify's workflow (notify.h): a run directory's run.json
 * read back (period, org, previous export; --previous wins), its errors
 * naming the file and field, the webhook URL from a file or the
 * environment (trimmed, checked, never echoed), and the message built
 * from two periods: totals, change, the projects in order (current by
 * credits, then gone), the rules' outcomes and the lines on stderr; the
 * budgets and anomalies as of the period's end (budget and anomaly
 * rules, not evaluated without a day), --cooldown holding back what the
 * state says was sent lately and recording what was sent.
 */
#include "unit.h"

#include "date.h"
#include "notify.h"

UNIT_TMPDIR_FIXTURE

#define HDR "PROJECT_NAME,WORKFLOW_NAME,JOB_NAME,JOB_ID,JOB_RUN_DATE," \
	"VCS_BRANCH,JOB_BUILD_STATUS,RESOURCE_CLASS,JOB_RUN_SECONDS," \
	"COMPUTE_CREDITS,DLC_CREDITS,TOTAL_CREDITS\n"

/* This week: web 100 (20 of them failed), api 30, new 5; gone is gone. */
static const char cur_csv[] = HDR
    "web,b,test,C1,2026-10-01,main,success,medium,60,80,,80\n"
    "web,b,test,C2,2026-10-02,main,FAILED,medium,60,20,,20\n"
    "api,b,push,C3,2026-10-03,main,success,large,60,30,,30\n"
    "new,b,push,C4,2026-10-05,main,canceled,large,60,5,,5\n";
/* Last week: web 50, api 30, gone 40. */
static const char prev_csv[] = HDR
    "web,b,test,P1,2026-09-24,main,success,medium,60,50,,50\n"
    "api,b,push,P2,2026-09-25,main,success,large,60,30,,30\n"
    "gone,b,push,P3,2026-09-26,main,success,large,60,40,,40\n";

/* tmp/rel (its folders made), holding `text`; returns the path. */
static char *
put(const char *rel, const char *text)
{
	char *p = unit_path(tmp, rel), *slash;

	for (slash = strchr(p + strlen(tmp) + 1, '/'); slash != NULL;
	    slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		mkdir(p, 0755);
		*slash = '/';
	}
	unit_writes(p, text);
	return p;
}

static void
rule(struct notify *n, const char *expr)
{
	char err[256];

	n->rules = xreallocarray(n->rules, n->nrules + 1, sizeof(*n->rules));
	assert_int_equal(alert_parse(expr, &n->rules[n->nrules], err,
	    sizeof(err)), 0);
	n->nrules++;
}

static void
waste(struct notify *n)
{
	static const char *const st[] = { "failed", "canceled" };
	size_t i;

	for (i = 0; i < 2; i++) {
		n->waste = xreallocarray(n->waste, n->nwaste + 1,
		    sizeof(*n->waste));
		n->waste[n->nwaste++] = xstrdup(st[i]);
	}
	n->waste_list = "failed,canceled";
}

static void
project_is(const struct notify_result *r, size_t i, const char *name)
{
	assert_true(i < r->msg.nall);
	assert_int_equal(r->projects[i].len, strlen(name));
	assert_memory_equal(r->projects[i].name, name, strlen(name));
}

static void
test_notify_two_periods(void **state)
{
	struct notify n;
	struct notify_result r;
	struct unit_capture cap;
	char *cur = put("cur/part.csv", cur_csv);
	char *prev = put("prev/part.csv", prev_csv);
	char *err;

	(void)state;
	notify_init(&n);
	waste(&n);
	rule(&n, "change_pct > 10");
	rule(&n, "project.total_credits >= 30");
	rule(&n, "failed_credits_pct > 50");
	assert_int_equal(notify_add_path(&n, cur), 0);
	assert_int_equal(notify_add_previous(&n, prev), 0);
	unit_capture_begin(&cap);
	assert_int_equal(notify_build(&n, &r), 0);
	err = unit_capture_end(&cap);

	assert_dec_equal(r.facts.total_credits, unit_dec("135"));
	assert_dec_equal(r.facts.cost_usd, unit_dec("0.08"));
	assert_int_equal(r.facts.jobs, 4);
	/* 135 against 120 */
	assert_true(r.facts.has_change);
	assert_dec_equal(r.facts.change_pct, unit_dec("12.5"));
	/* 25 of 135 credits on failed and canceled runs */
	assert_dec_equal(r.facts.failed_credits_pct, unit_dec("18.52"));
	/* current by credits, then the gone one */
	assert_int_equal(r.msg.nall, 4);
	assert_int_equal(r.msg.nprojects, 3);
	project_is(&r, 0, "web");
	project_is(&r, 1, "api");
	project_is(&r, 2, "new");
	project_is(&r, 3, "gone");
	assert_int_equal(r.projects[3].trend, TREND_GONE);
	assert_int_equal(r.msg.nnew, 1);
	assert_int_equal(r.msg.ngone, 1);
	/* the periods, from the data */
	assert_string_equal(r.msg.period, "2026-10-01 to 2026-10-05");
	assert_string_equal(r.msg.prev_period, "2026-09-24 to 2026-09-26");
	/* two rules fired: the change and two projects of >= 30 */
	assert_int_equal(r.fired, 2);
	assert_true(r.outcomes[0].fired);
	assert_int_equal(r.outcomes[1].nmatches, 2);
	assert_false(r.outcomes[2].fired);
	assert_contains(err, "circleci-usage: notify: alert fired: change_pct "
	    "> 10% (12.50%)\n");
	assert_contains(err, "circleci-usage: notify: alert fired: "
	    "project.total_credits >= 30 (2 projects: web, api)\n");
	assert_null(strstr(err, "failed_credits_pct"));
	free(err);
	notify_result_release(&r);
	notify_release(&n);
	free(cur);
	free(prev);
}

/* Without a previous period, change_pct cannot be told: a warning. */
static void
test_notify_no_previous(void **state)
{
	struct notify n;
	struct notify_result r;
	struct unit_capture cap;
	char *cur = put("one/part.csv", cur_csv);
	char *err, *payload;

	(void)state;
	notify_init(&n);
	waste(&n);
	rule(&n, "change_pct > 10");
	assert_int_equal(notify_add_path(&n, cur), 0);
	unit_capture_begin(&cap);
	assert_int_equal(notify_build(&n, &r), 0);
	err = unit_capture_end(&cap);
	assert_false(r.have_prev);
	assert_null(r.msg.prev_period);
	assert_int_equal(r.fired, 0);
	assert_false(r.outcomes[0].evaluated);
	assert_text_free(err, "circleci-usage: warning: alert 'change_pct > "
	    "10%' not evaluated: there is no previous period to compare "
	    "with\n");
	payload = notify_payload(&r);
	assert_contains(payload, "\"blocks\"");
	assert_contains(payload, "2026-10-01 to 2026-10-05");
	free(payload);
	notify_result_release(&r);
	notify_release(&n);
	free(cur);
}

/* A run directory: run.json's period, org and previous export. */
static void
test_notify_run_dir(void **state)
{
	struct notify n;
	struct notify_result r;
	char *f[3], *dir = unit_path(tmp, "run");

	(void)state;
	f[0] = put("run/export/part.csv", cur_csv);
	f[1] = put("run/previous/part.csv", prev_csv);
	f[2] = put("run/run.json", "{\"version\": 1, \"org_id\": \"org-1\", "
	    "\"start\": \"2026-10-01T00:00:00Z\", \"end\": "
	    "\"2026-10-07T23:59:59Z\", \"export\": \"export\", \"previous\": "
	    "{\"start\": \"2026-09-24\", \"end\": \"2026-09-30\", \"dir\": "
	    "\"previous\"}}");
	notify_init(&n);
	waste(&n);
	assert_int_equal(notify_add_path(&n, dir), 0);
	assert_true(n.have_period);
	assert_string_equal(n.period, "2026-10-01 to 2026-10-07");
	assert_string_equal(n.prev_period, "2026-09-24 to 2026-09-30");
	assert_string_equal(n.org, "org-1");
	assert_int_equal(n.cur_in.n, 1);
	assert_int_equal(n.prev_in.n, 1);
	assert_int_equal(notify_build(&n, &r), 0);
	/* run.json's periods, not the data's */
	assert_string_equal(r.msg.period, "2026-10-01 to 2026-10-07");
	assert_string_equal(r.msg.prev_period, "2026-09-24 to 2026-09-30");
	assert_string_equal(r.msg.org, "org-1");
	assert_dec_equal(r.msg.prev_credits, unit_dec("120"));
	notify_result_release(&r);
	notify_release(&n);

	/* --previous given: run.json's previous period is not read */
	notify_init(&n);
	waste(&n);
	n.previous_given = 1;
	assert_int_equal(notify_add_path(&n, dir), 0);
	assert_int_equal(n.prev_in.n, 0);
	assert_false(n.have_prev_period);
	assert_int_equal(notify_add_previous(&n, f[0]), 0);
	assert_int_equal(notify_build(&n, &r), 0);
	/* the previous period from its data */
	assert_string_equal(r.msg.prev_period, "2026-10-01 to 2026-10-05");
	assert_dec_equal(r.msg.change, 0);
	notify_result_release(&r);
	notify_release(&n);
	free(f[0]);
	free(f[1]);
	free(f[2]);
	free(dir);
}

/* A bad run.json is bad input, named with its field. */
static void
test_notify_run_json_errors(void **state)
{
	static const char *const bad[][2] = {
		{ "\"start\": \"x\", \"end\": \"2026-10-07\"",
		  "\"start\" and \"end\": expected dates" },
		{ "\"start\": \"2026-10-01\", \"end\": \"2026-10-07\", "
		  "\"previous\": 5",
		  "\"previous\": expected an object or null" },
		{ "\"start\": \"2026-10-01\", \"end\": \"2026-10-07\", "
		  "\"previous\": {\"start\": \"2026-09-24\", \"end\": "
		  "\"2026-09-30\", \"dir\": 7}", "\"previous\": \"dir\": "
		  "expected a string" },
		{ "\"start\": \"2026-10-01\", \"end\": \"2026-10-07\", "
		  "\"previous\": {\"start\": \"2026-09-24\", \"end\": "
		  "\"2026-09-30\", \"dir\": \"../x\"}", "previous.dir: " },
	};
	size_t i;

	(void)state;
	free(put("bad/export/part.csv", cur_csv));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct notify n;
		struct unit_capture cap;
		char *dir = unit_path(tmp, "bad"), *json, *err;

		json = xasprintf("{\"version\": 1, \"export\": \"export\", %s}",
		    bad[i][0]);
		free(put("bad/run.json", json));
		notify_init(&n);
		unit_capture_begin(&cap);
		assert_int_equal(notify_add_path(&n, dir), EXIT_BAD_INPUT);
		err = unit_capture_end(&cap);
		assert_contains(err, "/bad/run.json': ");
		assert_contains(err, bad[i][1]);
		free(err);
		free(json);
		free(dir);
		notify_release(&n);
	}
}

/* Run notify_webhook() with stderr captured; *err gets what it printed. */
static char *
webhook(const struct notify *n, const char **what, char **err)
{
	struct unit_capture cap;
	char *url;

	unit_capture_begin(&cap);
	url = notify_webhook(n, what);
	*err = unit_capture_end(&cap);
	return url;
}

static void
test_notify_webhook(void **state)
{
	struct notify n;
	const char *what = NULL;
	char *url, *err, *path;

	(void)state;
	notify_init(&n);
	unsetenv("SLACK_WEBHOOK_URL");
	url = webhook(&n, &what, &err);
	assert_null(url);
	assert_string_equal(what, "SLACK_WEBHOOK_URL");
	assert_contains(err, "no webhook: set SLACK_WEBHOOK_URL");
	free(err);

	setenv("SLACK_WEBHOOK_URL", " https://hooks.example.com/T/B/s3cret\n",
	    1);
	url = webhook(&n, &what, &err);
	assert_text_free(url, "https://hooks.example.com/T/B/s3cret");
	assert_text_free(err, "");

	/* a file wins; blanks and the newline trimmed */
	path = put("hook", "\t https://hooks.example.com/T/B/fromfile \r\n");
	n.webhook_file = path;
	url = webhook(&n, &what, &err);
	assert_string_equal(what, "--webhook-file");
	assert_text_free(url, "https://hooks.example.com/T/B/fromfile");
	assert_text_free(err, "");
	free(path);

	/* two words, an empty file: refused, the URL never shown */
	path = put("hook2", "https://hooks.example.com/T/B/s3cret x\n");
	n.webhook_file = path;
	assert_null(webhook(&n, &what, &err));
	assert_text_free(err, "circleci-usage: the webhook URL from "
	    "--webhook-file is not one URL (it holds a space or a control "
	    "character)\n");
	free(path);
	path = put("hook3", " \n");
	n.webhook_file = path;
	assert_null(webhook(&n, &what, &err));
	assert_text_free(err, "circleci-usage: the webhook URL from "
	    "--webhook-file is empty\n");
	free(path);

	/* the URL itself given as the file: not echoed */
	n.webhook_file = "https://hooks.example.com/T/B/s3cret";
	assert_null(webhook(&n, &what, &err));
	assert_null(strstr(err, "s3cret"));
	assert_contains(err, "--webhook-file takes a file");
	free(err);

	/* a user:password@ is refused by slack_url_check(), masked */
	n.webhook_file = NULL;
	setenv("SLACK_WEBHOOK_URL", "https://u:s3cret@hooks.example.com/x", 1);
	assert_null(webhook(&n, &what, &err));
	assert_null(strstr(err, "s3cret"));
	free(err);
	unsetenv("SLACK_WEBHOOK_URL");
	notify_release(&n);
}

/* The budgets of u.yaml: October over, the week of 2026-10-05 ok. */
static struct budgets *
budgets(void)
{
	static const char y[] = "budgets:\n"
	    "  - {name: oct, scope: org, period: month, credits: 100}\n"
	    "  - {name: wk, scope: org, period: week, credits: 1000, "
	    "thresholds: [10]}\n";
	struct budgets *bs = budgets_parse("u.yaml", y, sizeof(y) - 1);

	assert_non_null(bs);
	return bs;
}

/* Budget rules: as of the day after the data's last (2026-10-05). */
static void
test_notify_budgets(void **state)
{
	struct notify n;
	struct notify_result r;
	struct unit_capture cap;
	char *cur = put("b/part.csv", cur_csv);
	char *err, *payload;

	(void)state;
	notify_init(&n);
	waste(&n);
	rule(&n, "budget");
	rule(&n, "budget.used_pct >= 0 and budget.projected_pct < 1000");
	rule(&n, "budget.projected_pct > 100 and total_credits > 1000");
	n.budgets = budgets();
	assert_true(notify_needs_budgets(&n));
	assert_false(notify_needs_anomalies(&n));
	assert_int_equal(notify_add_path(&n, cur), 0);
	unit_capture_begin(&cap);
	assert_int_equal(notify_build(&n, &r), 0);
	err = unit_capture_end(&cap);
	assert_true(r.facts.has_budgets);
	assert_false(r.facts.has_anomalies);
	assert_int_equal(r.facts.nbudgets, 2);
	/* October: 135 of 100 spent, the rest at 27 a day: 837 */
	assert_string_equal(r.abudgets[0].status, "over");
	assert_true(r.abudgets[0].not_ok);
	assert_dec_equal(r.abudgets[0].used_pct, unit_dec("135"));
	assert_dec_equal(r.abudgets[0].projected_pct, unit_dec("837"));
	assert_int_equal(r.abudgets[0].start, 20727);	/* 2026-10-01 */
	assert_true(r.abudgets[0].has_threshold);
	assert_dec_equal(r.abudgets[0].threshold, unit_dec("100"));
	/* the week from Monday 2026-10-05: 5 spent, 6 days at 27 */
	assert_string_equal(r.abudgets[1].status, "ok");
	assert_dec_equal(r.abudgets[1].projected_pct, unit_dec("16.7"));
	assert_false(r.abudgets[1].has_threshold);
	assert_int_equal(r.fired, 2);
	assert_int_equal(r.outcomes[0].nmatches, 1);
	assert_int_equal(r.outcomes[1].nmatches, 2);
	assert_false(r.outcomes[2].fired);	/* 135 credits in all */
	assert_text_free(err, "circleci-usage: notify: alert fired: budget (1 "
	    "budget: oct (over, 135.00% used, 837.00% projected))\n"
	    "circleci-usage: notify: alert fired: budget.used_pct >= 0% and "
	    "budget.projected_pct < 1000% (2 budgets: oct (over, 135.00% used, "
	    "837.00% projected), wk (ok, 0.50% used, 16.70% projected))\n");
	payload = notify_payload(&r);
	assert_contains(payload, ":rotating_light: `budget`: 1 budget: `oct` "
	    "over, 135.00% used, 837.00% projected\\n");
	notify_result_release(&r);
	notify_release(&n);
	free(payload);

	/* no job runs, no run.json: no day to evaluate them at */
	free(cur);
	cur = put("b0/part.csv", HDR);
	notify_init(&n);
	waste(&n);
	rule(&n, "budget");
	n.budgets = budgets();
	assert_int_equal(notify_add_path(&n, cur), 0);
	unit_capture_begin(&cap);
	assert_int_equal(notify_build(&n, &r), 0);
	err = unit_capture_end(&cap);
	assert_false(r.outcomes[0].evaluated);
	assert_text_free(err, "circleci-usage: warning: alert 'budget' not "
	    "evaluated: the period has no day to evaluate the budgets and "
	    "anomalies at (no job runs)\n");
	notify_result_release(&r);
	notify_release(&n);
	free(cur);
}

/* Anomaly rules: spikes and new projects of the 7 days to the last. */
static void
test_notify_anomalies(void **state)
{
	struct notify n;
	struct notify_result r;
	struct unit_capture cap;
	struct sbuf csv;
	char *cur, *err, d[DATE_BUFSZ];
	int32_t day, first = 20697;	/* 2026-09-01 */
	int id = 0;

	(void)state;
	/* big: 10,000 a day, 30,000 on the last; gone: stopped 7 days ago */
	sbuf_init(&csv, 1 << 20);
	sbuf_addstr(&csv, HDR);
	for (day = first; day <= first + 35; day++) {
		date_format_day(day, d);
		sbuf_addf(&csv, "big,b,t,J%d,%s,main,success,large,60,%s,,%s\n",
		    ++id, d, day == first + 35 ? "30000" : "10000",
		    day == first + 35 ? "30000" : "10000");
		if (day < first + 29)
			sbuf_addf(&csv, "gone,b,t,J%d,%s,main,success,large,60,"
			    "1000,,1000\n", ++id, d);
	}
	cur = put("a/part.csv", csv.buf);
	sbuf_release(&csv);
	notify_init(&n);
	waste(&n);
	rule(&n, "anomaly");
	rule(&n, "anomaly.excess_usd > 12");
	rule(&n, "anomaly.score >= 20 and anomaly.excess_credits >= 20000");
	assert_int_equal(notify_add_path(&n, cur), 0);
	unit_capture_begin(&cap);
	assert_int_equal(notify_build(&n, &r), 0);
	err = unit_capture_end(&cap);
	assert_true(r.facts.has_anomalies);
	/* the spike, and the stopped project, which is no alarm */
	assert_int_equal(r.facts.nanomalies, 2);
	assert_int_equal(r.aanomalies[0].day, first + 35);
	assert_string_equal(r.aanomalies[0].kind, "spike");
	assert_dec_equal(r.aanomalies[0].excess, unit_dec("20000"));
	assert_dec_equal(r.aanomalies[0].excess_usd, unit_dec("12"));
	assert_string_equal(r.aanomalies[1].kind, "stopped");
	assert_false(r.aanomalies[1].alarm);
	assert_int_equal(r.outcomes[0].nmatches, 1);
	assert_false(r.outcomes[1].fired);
	assert_true(r.outcomes[2].fired);
	assert_text_free(err, "circleci-usage: notify: alert fired: anomaly (1 "
	    "anomaly: big on 2026-10-06 (spike, +20000.00 credits, $12.00))\n"
	    "circleci-usage: notify: alert fired: anomaly.score >= 20 and "
	    "anomaly.excess_credits >= 20000 (1 anomaly: big on 2026-10-06 "
	    "(spike, +20000.00 credits, $12.00))\n");
	notify_result_release(&r);
	notify_release(&n);
	free(cur);
}

/* --cooldown: held back by the state, sent and recorded after it. */
static void
test_notify_cooldown(void **state)
{
	struct notify n;
	struct notify_result r;
	struct unit_capture cap;
	struct alertstate s;
	char *cur = put("c/part.csv", cur_csv), *err, e[512];
	char *path = unit_path(tmp, "c-state.json");

	(void)state;
	setenv("CIRCLECI_USAGE_NOW", "2026-12-04T12:00:00Z", 1);
	alertstate_init(&s);
	/* oct sent 11 hours ago; the total rule 13 hours ago */
	alertstate_set(&s, "budget", "budget 2026-10-01 over 100% oct",
	    1796385600000LL - 11 * 3600000LL);
	alertstate_set(&s, "total_credits > 100", "",
	    1796385600000LL - 13 * 3600000LL);
	assert_int_equal(alertstate_save(&s, path), 0);
	alertstate_release(&s);

	notify_init(&n);
	waste(&n);
	rule(&n, "budget");
	rule(&n, "total_credits > 100");
	rule(&n, "budget.projected_pct > 10");
	n.budgets = budgets();
	n.cooldown_ms = 12 * 3600000LL;
	n.state = xstrdup(path);
	assert_int_equal(notify_add_path(&n, cur), 0);
	unit_capture_begin(&cap);
	assert_int_equal(notify_build(&n, &r), 0);
	err = unit_capture_end(&cap);
	/* budget: held back whole; the total rule's 12 hours are over; the
	 * third rule fires for wk, and holds oct back */
	assert_true(r.outcomes[0].held_back);
	assert_false(r.outcomes[0].fired);
	assert_true(r.outcomes[1].fired);
	assert_true(r.outcomes[2].fired);
	assert_int_equal(r.outcomes[2].nmatches, 2);
	assert_int_equal(r.fired, 2);
	assert_int_equal(r.held, 1);
	assert_text_free(err, "circleci-usage: notify: alert held back by "
	    "--cooldown (sent at 2026-12-04T01:00:00Z): budget (1 budget: oct "
	    "(over, 135.00% used, 837.00% projected))\n"
	    "circleci-usage: notify: alert fired: total_credits > 100 "
	    "(135.00)\n"
	    "circleci-usage: notify: alert fired: budget.projected_pct > 10% "
	    "(2 budgets: oct (over, 135.00% used, 837.00% projected), wk (ok, "
	    "0.50% used, 16.70% projected))\n");
	/* what it sends, recorded at now */
	assert_int_equal(r.sent.n, 3);
	assert_int_equal(notify_record(&n, &r), 0);
	notify_result_release(&r);
	alertstate_init(&s);
	assert_int_equal(alertstate_load(&s, path, e, sizeof(e)), 0);
	assert_int_equal(s.n, 4);
	assert_true(alertstate_find(&s, "budget", "budget 2026-10-01 over "
	    "100% oct")->sent_ms == 1796385600000LL - 11 * 3600000LL);
	assert_true(alertstate_find(&s, "total_credits > 100", "")->sent_ms ==
	    1796385600000LL);
	assert_non_null(alertstate_find(&s, "budget.projected_pct > 10%",
	    "budget 2026-10-05 ok - wk"));
	alertstate_release(&s);

	/* the same run again: everything held back, nothing to record */
	unit_capture_begin(&cap);
	assert_int_equal(notify_build(&n, &r), 0);
	free(unit_capture_end(&cap));
	assert_int_equal(r.fired, 0);
	assert_int_equal(r.held, 3);
	assert_int_equal(r.sent.n, 0);
	notify_result_release(&r);

	/* a corrupt state: bad input naming the file, nothing built */
	unit_writes(path, "{\"version\": 1, \"alerts\": [1]}");
	unit_capture_begin(&cap);
	assert_int_equal(notify_build(&n, &r), EXIT_BAD_INPUT);
	err = unit_capture_end(&cap);
	snprintf(e, sizeof(e), "circleci-usage: notify: state file '%s': "
	    "alerts[0]: expected an object {\"rule\", \"entity\", "
	    "\"sent_at\"} (remove it to start afresh: every alert then "
	    "counts as not sent)\n", path);
	assert_text_free(err, e);
	notify_result_release(&r);
	notify_release(&n);
	unsetenv("CIRCLECI_USAGE_NOW");
	free(cur);
	free(path);
}

/* The default state file: beside the first PATH. */
static void
test_notify_state_beside(void **state)
{
	char *p, *dir = unit_path(tmp, "runs/w49"), *want;

	(void)state;
	p = unit_path(tmp, "runs");
	unit_mkdir(p);
	free(p);
	unit_mkdir(dir);
	p = notify_state_beside("-");
	assert_null(p);
	p = notify_state_beside("no/such/dir/");
	assert_string_equal(p, "no/such/" ALERTSTATE_FILE);
	free(p);
	p = notify_state_beside("nosuch");
	assert_string_equal(p, ALERTSTATE_FILE);
	free(p);
	p = notify_state_beside("/nosuch");
	assert_string_equal(p, "/" ALERTSTATE_FILE);
	free(p);
	/* an existing one resolved: "w49/." and "w49/" are w49 */
	want = realpath(tmp, NULL);
	assert_non_null(want);
	p = xasprintf("%s/runs/" ALERTSTATE_FILE, want);
	free(want);
	want = p;
	free(dir);
	dir = unit_path(tmp, "runs/w49/.");
	p = notify_state_beside(dir);
	assert_string_equal(p, want);
	free(p);
	free(dir);
	free(want);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_notify_two_periods),
		cmocka_unit_test(test_notify_no_previous),
		cmocka_unit_test(test_notify_run_dir),
		cmocka_unit_test(test_notify_run_json_errors),
		cmocka_unit_test(test_notify_webhook),
		cmocka_unit_test(test_notify_budgets),
		cmocka_unit_test(test_notify_anomalies),
		cmocka_unit_test(test_notify_cooldown),
		cmocka_unit_test(test_notify_state_beside),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
