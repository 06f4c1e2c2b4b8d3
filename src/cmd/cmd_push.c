/*
 * cmd_push.c: `circleci-usage notify pushgateway --url URL PATH...`: the
 * period's metrics, as `report --format openmetrics` writes them, pushed
 * to a Prometheus Pushgateway under a job and the org, replacing the last
 * push of that group; and `notify datadog PATH...`: the same series
 * submitted to Datadog's metrics API (datadog.h), in batches, with the
 * API key from the environment or a file.  Both share notify's options
 * and PATHs (a run directory or exports); the options that only make the
 * Slack message are refused here, and each target's own by the other.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/resource.h>

#include <curl/curl.h>

#include "api.h"
#include "budget.h"
#include "budgetcalc.h"
#include "cmd.h"
#include "cmdopt.h"
#include "datadog.h"
#include "failures.h"
#include "mjudge.h"
#include "mreport.h"
#include "mset.h"
#include "net.h"
#include "notify.h"
#include "push.h"
#include "range.h"
#include "redact.h"
#include "util.h"

/* The job the metrics are grouped under without --job. */
#define PUSH_JOB "circleci_usage"

struct push_cmd {
	struct cmdopt co;
	struct notify n;	/* its PATH reading (run.json), nothing else */
	const char *target;	/* "pushgateway", "datadog" */
	int datadog;
	const char *url, *job, *by, *waste_list, *budgets_path;
	const char *api_url, *key_file, *tags_list;
	struct budgets *bs;
	char **tags;		/* --tags */
	size_t ntags;
	size_t batch;		/* --batch-bytes */
	int dry_run;
	double timeout;
};

/*
 * One of the options the pushgateway target takes; the rest of notify's
 * are the message's.  Returns 0, or EXIT_USAGE.
 */
static int
push_option(struct push_cmd *pc, int id, const struct cmdopt_value *val)
{
	const struct cmdopt_def *d = &cmdopt_table[id];
	const char *other = pc->datadog ? "pushgateway" : "datadog";

	switch (id) {
	case CO_URL:
	case CO_JOB:
		if (pc->datadog)
			break;
		if (id == CO_URL)
			pc->url = val->str;
		else
			pc->job = val->str;
		return 0;
	case CO_API_URL:
	case CO_API_KEY_FILE:
	case CO_TAGS:
	case CO_BATCH_BYTES:
		if (!pc->datadog)
			break;
		if (id == CO_API_URL)
			pc->api_url = val->str;
		else if (id == CO_API_KEY_FILE)
			pc->key_file = val->str;
		else if (id == CO_TAGS)
			pc->tags_list = val->str;
		else if (val->num < DATADOG_MIN_PAYLOAD ||
		    val->num > DATADOG_MAX_PAYLOAD)
			return cmdopt_usage("notify", "--batch-bytes: expected "
			    "%d to %d (the API's limit), got %llu",
			    DATADOG_MIN_PAYLOAD, DATADOG_MAX_PAYLOAD,
			    val->num);
		else
			pc->batch = (size_t)val->num;
		return 0;
	case CO_BUDGETS:
		pc->budgets_path = val->str;
		return 0;
	case CO_DRY_RUN:
		pc->dry_run = 1;
		return 0;
	case CO_TIMEOUT:
		pc->timeout = val->secs;
		return 0;
	case CO_LIST_BY:
		if (strcmp(val->str, "project") != 0 &&
		    strcmp(val->str, "team") != 0)
			return cmdopt_usage("notify", "--by: expected project "
			    "or team, got '%.100s'", val->str);
		pc->by = val->str;
		return 0;
	case CO_WASTE_STATUSES:
		pc->waste_list = val->str;
		return 0;
	default:
		return cmdopt_usage("notify", "--%s is for notify slack, not "
		    "%s", d->name, pc->target);
	}
	return cmdopt_usage("notify", "--%s is for notify %s, not %s",
	    d->name, other, pc->target);
}

/* --tags: each checked.  Returns 0, or EXIT_USAGE. */
static int
push_tags(struct push_cmd *pc)
{
	size_t i;

	if (pc->tags_list == NULL)
		return 0;
	cmdopt_list(&pc->tags, &pc->ntags, pc->tags_list);
	for (i = 0; i < pc->ntags; i++)
		if (!datadog_tag_ok(pc->tags[i]))
			return cmdopt_usage("notify", "--tags: expected "
			    "key:value tags, lowercase, starting with a "
			    "letter, of letters, digits and _ - : . / (at "
			    "most %d characters); got '%.100s'",
			    DATADOG_MAX_TAG, pc->tags[i]);
	return 0;
}

/*
 * The budgets file of --budgets, else $CIRCLECI_USAGE_BUDGETS (as notify
 * slack takes it), checked against --teams and --credit-price before
 * anything is read.  Returns 0, or EXIT_USAGE.
 */
static int
push_budgets(struct push_cmd *pc)
{
	struct budget_calc check;
	const char *env = getenv("CIRCLECI_USAGE_BUDGETS");
	int ok;

	if (pc->budgets_path == NULL && env != NULL && env[0] != '\0')
		pc->budgets_path = env;
	if (pc->budgets_path == NULL)
		return 0;
	if ((pc->bs = budgets_load(pc->budgets_path)) == NULL)
		return cmdopt_hint("notify");
	ok = budget_calc_init(&check, pc->bs, pc->co.teams, pc->co.price, 0,
	    1) == 0;
	budget_calc_release(&check);
	return ok ? 0 : cmdopt_hint("notify");
}

/* The options and the PATHs.  Returns -1 to go on, or an exit code. */
static int
push_parse(struct push_cmd *pc, int argc, char **argv)
{
	struct cmdopt *co = &pc->co;
	struct cmdopt_value val;
	char err[200];
	size_t i;
	int id, ret;

	while ((id = cmdopt_next(co, argc, argv, &val)) > 0)
		if ((ret = push_option(pc, id, &val)) != 0)
			return ret;
	if (id < 0)
		return co->status;
	if (!pc->datadog && pc->url == NULL && !pc->dry_run)
		return cmdopt_usage("notify", "pushgateway: give --url URL, "
		    "the Pushgateway's base URL (or --dry-run)");
	if (pc->url != NULL && push_url_check(pc->url, err,
	    sizeof(err)) < 0)
		return cmdopt_usage("notify", "--url: %s", err);
	if (pc->api_url != NULL && push_url_check(pc->api_url, err,
	    sizeof(err)) < 0)
		return cmdopt_usage("notify", "--api-url: %s", err);
	if ((ret = push_tags(pc)) != 0 || (ret = push_budgets(pc)) != 0)
		return ret;
	if (pc->job == NULL || pc->job[0] == '\0')
		pc->job = PUSH_JOB;
	for (i = 0; pc->job[i] != '\0'; i++)
		if ((unsigned char)pc->job[i] < 0x20)
			return cmdopt_usage("notify", "--job: expected a name "
			    "without control characters");
	if (co->db != NULL && optind < argc)
		return cmdopt_usage("notify", "--db reads history: give no "
		    "PATH with it");
	if (co->db == NULL && optind >= argc)
		return cmdopt_usage("notify", "no input: give a run directory "
		    "or exports");
	if (strcmp(pc->by, "team") == 0 && co->teams == NULL)
		return cmdopt_usage("notify", "--by team needs the teams file: "
		    "give --teams FILE or set CIRCLECI_USAGE_TEAMS");
	/* a run directory's previous/ is read for the budgets' history
	 * only (push_mset): the metrics are the current period's */
	for (; optind < argc; optind++)
		if ((ret = notify_add_path(&pc->n, argv[optind])) != 0)
			return ret;
	return -1;
}

/*
 * The metrics: read, summed, with the budgets and (with --db) the
 * anomalies, into m (initialized here).  0, or an exit code.
 */
static int
push_mset(struct push_cmd *pc, struct mset *m)
{
	struct cmdopt *co = &pc->co;
	struct report_result res;
	struct mjudge_src js;
	struct inputs all;
	char **waste = NULL;
	size_t nwaste = 0;
	int32_t last;
	int ret;

	mset_init(m);
	if (mreport_sets(co->ro, pc->by) < 0)
		return EXIT_USAGE;
	co->ro->want_orgs = 1;
	if (co->db != NULL)
		ret = cmdopt_read(co, &res);
	else
		ret = report_run(co->ro, &pc->n.cur_in, &res);
	if (ret != 0)
		goto out;
	cmdopt_list(&waste, &nwaste, pc->waste_list);
	mset_release(m);
	ret = mreport_build(m, co->ro, &res, co->db != NULL ? NULL :
	    &pc->n.cur_in, VM_CREDITS + CR_TOTAL, -1, (size_t)co->top,
	    co->price, waste, nwaste, &last);
	if (ret != 0 || last == MREPORT_NO_DAY)
		goto out;
	/* the budgets look back: the previous period's export too (a run
	 * directory's two weeks), as notify slack reads them */
	inputs_init(&all);
	inputs_append(&all, &pc->n.cur_in);
	inputs_append(&all, &pc->n.prev_in);
	memset(&js, 0, sizeof(js));
	js.bs = pc->bs;
	js.teams = co->teams;
	js.price = co->price;
	js.db = co->db;
	js.in = &all;
	js.base = co->ro;
	ret = mjudge_read(m, &js, last);
	inputs_release(&all);
out:
	strv_free(waste, nwaste);
	report_result_release(&res);
	return ret;
}

/*
 * The group's org: the info metric's org_id label (the exports' ID,
 * stable from week to week), else its org label (a name, or a list of
 * names, when the files have no manifest); "" when neither.  A label is
 * found after `{` or after the previous label's `",`: inside a value a
 * quote is always escaped, so neither can start there.
 */
static char *
push_org(const char *text)
{
	static const char key[] = "circleci_usage_report_info{";
	static const char *const names[] = { "org_id=\"", "org=\"" };
	const char *line = strstr(text, key), *end, *p = NULL, *e;
	struct sbuf sb;
	size_t i;

	if (line == NULL)
		return xstrdup("");
	line += sizeof(key) - 2;	/* at the '{' */
	if ((end = strchr(line, '\n')) == NULL)
		end = line + strlen(line);
	for (i = 0; i < 2 && p == NULL; i++) {
		size_t n = strlen(names[i]);

		for (e = line; e < end && p == NULL; e++)
			if ((*e == '{' || (*e == ',' && e[-1] == '"')) &&
			    (size_t)(end - e - 1) >= n &&
			    memcmp(e + 1, names[i], n) == 0)
				p = e + 1 + n;
	}
	if (p == NULL)
		return xstrdup("");
	/* unescape the label value as written (mset_escape_value) */
	sbuf_init(&sb, 1 << 20);
	for (; p < end && *p != '"'; p++) {
		e = p;
		if (*p == '\\' && p + 1 < end) {
			e = ++p;
			if (*e == 'n') {
				sbuf_addch(&sb, '\n');
				continue;
			}
		}
		sbuf_addch(&sb, *e);
	}
	return sbuf_detach(&sb);
}

/* Write len bytes of s to stdout.  0, or EXIT_FAILURE_OTHER. */
static int
push_stdout(const char *s, size_t len)
{
	fwrite(s, 1, len, stdout);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		error("cannot write to standard output: %s", strerror(errno));
		return EXIT_FAILURE_OTHER;
	}
	return 0;
}

/* The metrics to the Pushgateway (or stdout).  0, or an exit code. */
static int
push_gateway(struct push_cmd *pc, const struct mset *m)
{
	struct push_req req;
	struct sbuf text;
	char *url = NULL, *org = NULL;
	unsigned attempts = 0;
	int ret;

	sbuf_init(&text, MSET_MAX_TEXT);
	if (mset_openmetrics(m, &text) < 0) {
		error("notify: the metrics pass %zu bytes", text.max);
		ret = EXIT_FAILURE_OTHER;
		goto out;
	}
	if (pc->dry_run) {
		ret = push_stdout(text.buf, text.len);
		goto out;
	}
	org = push_org(text.buf);
	url = push_gateway_url(pc->url, pc->job, org);
	memset(&req, 0, sizeof(req));
	req.method = "PUT";
	req.url = url;
	/* the 0.0.4 text format, which the gateway reads: ours is both */
	req.content_type = "text/plain; version=0.0.4; charset=utf-8";
	req.body = text.buf;
	req.len = text.len;
	req.what = "the Pushgateway";
	req.deadline = api_clock() + pc->timeout;
	ret = push_send(&req, &attempts);
	if (ret == 0)
		fprintf(stderr, "%s: notify: pushed the metrics to the "
		    "Pushgateway, job %s (%u request%s)\n", PROGRAM_NAME,
		    pc->job, attempts, attempts == 1 ? "" : "s");
out:
	free(url);
	free(org);
	sbuf_release(&text);
	return ret;
}

/*
 * The series to Datadog, each payload POSTed in turn with push_send()'s
 * retries, under one deadline; or, with --dry-run, printed one per line.
 * key is NULL for a dry run.  0, or an exit code.
 */
static int
push_datadog(struct push_cmd *pc, const struct mset *m, const char *url,
    const char *key)
{
	struct datadog_payloads p;
	struct push_req req;
	char *auth = NULL, *host = NULL;
	unsigned attempts = 0, total = 0;
	size_t i;
	int ret = 0;

	if (datadog_payloads(m, pc->tags, pc->ntags, range_now_ms() / 1000,
	    pc->batch, &p) < 0) {
		ret = EXIT_USAGE;
		goto out;
	}
	if (pc->dry_run) {
		for (i = 0; i < p.n && ret == 0; i++)
			if ((ret = push_stdout(p.body[i], p.len[i])) == 0)
				ret = push_stdout("\n", 1);
		goto out;
	}
	auth = xasprintf("DD-API-KEY: %s", key);
	memset(&req, 0, sizeof(req));
	req.method = "POST";
	req.url = url;
	req.content_type = "application/json";
	req.auth = auth;
	req.what = "Datadog";
	req.deadline = api_clock() + pc->timeout;
	for (i = 0; i < p.n && ret == 0; i++) {
		req.body = p.body[i];
		req.len = p.len[i];
		ret = push_send(&req, &attempts);
		total += attempts;
	}
	host = net_url_host(url);
	if (ret != 0 && i > 1)
		error("notify: payload %zu of %zu failed; Datadog at %s had "
		    "accepted the %zu before it", i, p.n, host, i - 1);
	else if (ret == 0)
		fprintf(stderr, "%s: notify: submitted %zu series to Datadog "
		    "at %s in %zu payload%s (%u request%s)\n", PROGRAM_NAME,
		    p.series, host, p.n, p.n == 1 ? "" : "s", total,
		    total == 1 ? "" : "s");
out:
	if (auth != NULL) {
		explicit_bzero(auth, strlen(auth));
		free(auth);
	}
	free(host);
	datadog_payloads_release(&p);
	return ret;
}

int
cmd_notify_push(int argc, char **argv)
{
	struct push_cmd pc;
	struct mset m;
	char *url = NULL, *key = NULL;
	char err[200];
	int ret;

	memset(&pc, 0, sizeof(pc));
	notify_init(&pc.n);
	cmdopt_init(&pc.co, &notify_cmd, NULL);
	mset_init(&m);
	pc.target = argv[0];
	pc.datadog = strcmp(argv[0], "datadog") == 0;
	pc.by = "project";
	pc.waste_list = FAILURES_WASTE;
	pc.timeout = 60;
	pc.batch = DATADOG_MAX_PAYLOAD;
	if ((ret = push_parse(&pc, argc, argv)) >= 0)
		goto out;
	if (pc.datadog && !pc.dry_run) {
		/* the key must never reach a core file */
		struct rlimit rl = { 0, 0 };

		setrlimit(RLIMIT_CORE, &rl);
		prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
		ret = EXIT_USAGE;
		if ((url = datadog_url(pc.api_url)) == NULL)
			goto out;
		if (push_url_check(url, err, sizeof(err)) < 0) {
			error("notify: the Datadog URL: %s", err);
			goto out;
		}
		if ((key = datadog_key_read(pc.key_file)) == NULL)
			goto out;
		/* an answer is quoted with the key masked */
		redact_add_secret(key);
	}
	mset_release(&m);
	if ((ret = push_mset(&pc, &m)) != 0)
		goto out;
	srand((unsigned)time(NULL) ^ (unsigned)getpid());
	curl_global_init(CURL_GLOBAL_DEFAULT);
	ret = pc.datadog ? push_datadog(&pc, &m, url, key) :
	    push_gateway(&pc, &m);
	curl_global_cleanup();
out:
	if (key != NULL) {
		explicit_bzero(key, strlen(key));
		free(key);
	}
	free(url);
	mset_release(&m);
	strv_free(pc.tags, pc.ntags);
	budgets_free(pc.bs);
	cmdopt_release(&pc.co);
	notify_release(&pc.n);
	return ret;
}
