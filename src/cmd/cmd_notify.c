/*
 * cmd_notify.c: `circleci-usage notify slack PATH...`, the weekly message:
 * a period's credits, cost and change, its top projects and the alert
 * rules that fired, posted to a Slack incoming webhook.  The webhook URL
 * is a secret: it comes from the environment or a file, never from argv,
 * and is never printed; the CircleCI token is never read.
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

#include "budget.h"
#include "budgetcalc.h"
#include "cmd.h"
#include "cmdopt.h"
#include "date.h"
#include "dirlock.h"
#include "failures.h"
#include "notify.h"
#include "redact.h"
#include "slack.h"
#include "util.h"

static const char notify_usage[] =
"usage: circleci-usage notify slack [options] PATH...\n"
"       circleci-usage notify pushgateway --url URL [options] PATH...\n"
"       circleci-usage notify datadog [options] PATH...\n"
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
"Budget and anomaly rules look at the budgets (--budgets) and at the\n"
"projects' anomalies as of the end of the period; with --cooldown, an\n"
"alert sent within that time is held back (doc/notify.md).\n"
"\n"
"notify pushgateway pushes the period's metrics, as `report --format\n"
"openmetrics` writes them (by --by: project or team), to a Prometheus\n"
"Pushgateway: PUT to URL/metrics/job/JOB/org/ORG, which replaces what the\n"
"last push of that group held (doc/metrics.md).  It takes --by, --top,\n"
"--teams, --waste-statuses, --credit-price, --db, --budgets, the filters,\n"
"--dry-run (print the text, push nothing) and --timeout.\n"
"\n"
"notify datadog submits the same series to Datadog's metrics API (POST\n"
"/api/v2/series at https://api.$DD_SITE, default datadoghq.com, or\n"
"--api-url), tagged by the labels and --tags, in payloads of at most\n"
"--batch-bytes; the API key comes from DD_API_KEY or --api-key-file,\n"
"never from the command line, and goes to that host only.  --dry-run\n"
"prints the payloads, one JSON per line, and needs no key.\n";

const struct cmdopt_cmd notify_cmd = {
	.name = "notify",
	.summary = "post a period's usage to Slack, a Pushgateway or Datadog",
	.usage = notify_usage,
	.opts = (const struct cmdopt_use[]){
		CMDOPT_HEADING("Options:"),
		CMDOPT_HELP(CO_PREVIOUS, "the previous period's export or run "
		    "directory (repeatable); instead of run.json's"),
		CMDOPT_HELP(CO_DB, "both periods from history (see ingest; - "
		    "for the default database) instead of PATHs: the current "
		    "one is --since/--until, the previous one "
		    "--previous-since/--previous-until"),
		CMDOPT(CO_PREVIOUS_SINCE), CMDOPT(CO_PREVIOUS_UNTIL),
		CMDOPT_HELP(CO_ALERT, "a rule, NAME OP NUMBER (repeatable): "
		    "OP is >, >=, < or <=; NAME is total_credits, cost_usd, "
		    "jobs, change_pct, failed_credits_pct, "
		    "project.total_credits or project.change_pct (fires when "
		    "any project matches); e.g. 'change_pct > 20'.  `budget` "
		    "alone fires for a budget not ok, `anomaly` alone for a "
		    "spike or a new project; per budget budget.used_pct, "
		    "budget.projected_pct; per anomaly anomaly.excess_credits, "
		    "anomaly.excess_usd, anomaly.score.  Terms join with "
		    "`and`, of one kind of entity: 'budget.projected_pct > 100 "
		    "and total_credits > 1000'"),
		CMDOPT_HELP(CO_BUDGETS, "the budgets file of the budget rules "
		    "(YAML; default $CIRCLECI_USAGE_BUDGETS), evaluated as of "
		    "the day after the period's last; for pushgateway and "
		    "datadog, the budgets whose metrics are sent too"),
		CMDOPT(CO_COOLDOWN), CMDOPT(CO_STATE),
		CMDOPT(CO_ONLY_ON_ALERT), CMDOPT(CO_FAIL_ON_ALERT),
		CMDOPT(CO_LINK),
		CMDOPT_HELP(CO_DRY_RUN, "print the message's JSON payload, "
		    "post nothing (no webhook needed)"),
		CMDOPT(CO_WEBHOOK_FILE),
		CMDOPT_HELP(CO_TOP, "projects listed (default 10); the rest "
		    "in one line"),
		CMDOPT(CO_LIST_BY),
		CMDOPT_HELP(CO_TEAMS, "the teams file (YAML), for --by team "
		    "and budgets with a team scope (default "
		    "$CIRCLECI_USAGE_TEAMS)"),
		CMDOPT_HELP(CO_WASTE_STATUSES, "the JOB_BUILD_STATUS values "
		    "of failed runs, for failed_credits_pct (default "
		    FAILURES_WASTE ")"),
		CMDOPT(CO_CREDIT_PRICE),
		CMDOPT_HELP(CO_TITLE, "the message's header (default: "
		    "CircleCI usage and the period)"),
		CMDOPT_HELP(CO_TIMEOUT, "give up posting after this long: "
		    "90s, 5m (default 60s); 429 and 5xx answers are retried "
		    "until then"),
		CMDOPT_HEADING("notify pushgateway:"),
		CMDOPT(CO_URL), CMDOPT(CO_JOB),
		CMDOPT_HEADING("notify datadog:"),
		CMDOPT_HELP(CO_API_URL, "the Datadog API base instead of "
		    "https://api.$DD_SITE (https, or http to a loopback host; "
		    "no user:password@, query or fragment)"),
		CMDOPT(CO_API_KEY_FILE), CMDOPT(CO_TAGS),
		CMDOPT(CO_BATCH_BYTES),
		CMDOPT_HEADING("Filters (both periods):"),
		CMDOPT_FILTERS,
		CMDOPT_HEADING("Input:"),
		CMDOPT_INPUT, CMDOPT_END
	},
	.operands = "slack pushgateway datadog",
};

/* The command's own settings, beside the workflow's. */
struct notify_cmd {
	struct notify n;
	struct cmdopt co;
	int only_on_alert, fail_on_alert, dry_run;
	double timeout;
	const char *budgets;	/* --budgets */
	const char *state;	/* --state */
};

/* What the parsing steps return to say "go on" rather than an exit code. */
#define NOTIFY_GO_ON (-1)

/*
 * One of notify's own options.  Returns NOTIFY_GO_ON, or EXIT_USAGE after
 * the error.
 */
static int
notify_option(struct notify_cmd *nc, int id, const struct cmdopt_value *val)
{
	struct notify *n = &nc->n;
	char err[512];
	int ret;

	switch (id) {
	case CO_PREVIOUS_SINCE:
		n->prev_since = val->day;
		break;
	case CO_PREVIOUS_UNTIL:
		n->prev_until = val->day;
		break;
	case CO_PREVIOUS:
		if ((ret = notify_add_previous(n, val->str)) != 0)
			return ret;
		n->previous_given = 1;
		break;
	case CO_ALERT:
		n->rules = xreallocarray(n->rules, n->nrules + 1,
		    sizeof(*n->rules));
		if (alert_parse(val->str, &n->rules[n->nrules], err,
		    sizeof(err)) < 0)
			return cmdopt_usage("notify", "--alert '%.100s': %s",
			    val->str, err);
		n->nrules++;
		break;
	case CO_ONLY_ON_ALERT:
		nc->only_on_alert = 1;
		break;
	case CO_FAIL_ON_ALERT:
		nc->fail_on_alert = 1;
		break;
	case CO_DRY_RUN:
		nc->dry_run = 1;
		break;
	case CO_WEBHOOK_FILE:
		n->webhook_file = val->str;
		break;
	case CO_WASTE_STATUSES:
		n->waste_list = val->str;
		break;
	case CO_TITLE:
		n->title = val->str;
		break;
	case CO_LINK:
		if (slack_link_check(val->str, err, sizeof(err)) < 0)
			return cmdopt_usage("notify", "--link '%.100s': %s",
			    val->str, err);
		n->link = val->str;
		n->link_text = "the report";
		break;
	case CO_LIST_BY:
		if (strcmp(val->str, "project") != 0 &&
		    strcmp(val->str, "team") != 0)
			return cmdopt_usage("notify", "--by: expected project "
			    "or team, got '%.100s'", val->str);
		n->by = val->str;
		break;
	case CO_TIMEOUT:
		nc->timeout = val->secs;
		break;
	case CO_BUDGETS:
		nc->budgets = val->str;
		break;
	case CO_COOLDOWN:
		/* at least a millisecond: 0 means none */
		n->cooldown_ms = (int64_t)(val->secs * 1000);
		if (n->cooldown_ms < 1)
			n->cooldown_ms = 1;
		break;
	case CO_STATE:
		nc->state = val->str;
		break;
	}
	return NOTIFY_GO_ON;
}

/*
 * The budgets file, when a rule looks at budgets: --budgets, else
 * $CIRCLECI_USAGE_BUDGETS; loaded and checked against --teams and
 * --credit-price before anything is read.  Returns NOTIFY_GO_ON, or
 * EXIT_USAGE after the error.
 */
static int
notify_load_budgets(struct notify_cmd *nc)
{
	struct notify *n = &nc->n;
	struct budget_calc check;
	const char *path = nc->budgets;
	char rule[512];
	struct sbuf text;
	size_t i;
	int ok;

	if (!notify_needs_budgets(n))
		return NOTIFY_GO_ON;
	if (path == NULL && (path = getenv(BUDGET_ENV)) != NULL &&
	    path[0] == '\0')
		path = NULL;
	if (path == NULL) {
		for (i = 0; n->rules[i].entity != ALERT_ENTITY_BUDGET; i++)
			continue;
		sbuf_init(&text, sizeof(rule));
		alert_rule_text(&n->rules[i], &text);
		snprintf(rule, sizeof(rule), "%s", text.buf);
		sbuf_release(&text);
		return cmdopt_usage("notify", "--alert '%.100s': a budget rule "
		    "needs the budgets file: give --budgets FILE or set "
		    BUDGET_ENV, rule);
	}
	if ((n->budgets = budgets_load(path)) == NULL)
		return cmdopt_hint("notify");
	/* usd amounts and team scopes, whatever the day */
	ok = budget_calc_init(&check, n->budgets, n->teams, n->price, 0,
	    1) == 0;
	budget_calc_release(&check);
	return ok ? NOTIFY_GO_ON : cmdopt_hint("notify");
}

/*
 * Where --cooldown keeps the alerts sent: --state, else with --db its
 * table (n->state NULL), else the file beside the first PATH.  Returns
 * NOTIFY_GO_ON, or EXIT_USAGE after the error.
 */
static int
notify_state(struct notify_cmd *nc, const char *first)
{
	struct notify *n = &nc->n;

	if (n->cooldown_ms == 0) {
		if (nc->state != NULL)
			return cmdopt_usage("notify", "--state goes with "
			    "--cooldown");
		return NOTIFY_GO_ON;
	}
	if (nc->state != NULL)
		n->state = xstrdup(nc->state);
	else if (n->db == NULL &&
	    (n->state = notify_state_beside(first)) == NULL)
		return cmdopt_usage("notify", "--cooldown: the standard input "
		    "has no directory to keep the alerts sent beside: give "
		    "--state FILE");
	return NOTIFY_GO_ON;
}

/*
 * The options after `notify slack`, what they allow together, and the
 * PATHs.  Returns NOTIFY_GO_ON with nc set, or the exit code to end with
 * (EXIT_OK after --help).
 */
static int
notify_parse(struct notify_cmd *nc, int argc, char **argv)
{
	struct notify *n = &nc->n;
	struct cmdopt *co = &nc->co;
	struct cmdopt_value val;
	const char *e;
	char err[256];
	int id, ret, i;

	while ((id = cmdopt_next(co, argc, argv, &val)) > 0)
		if ((ret = notify_option(nc, id, &val)) != NOTIFY_GO_ON)
			return ret;
	if (id < 0)
		return co->status;
	if (n->link == NULL && (e = getenv("CIRCLE_BUILD_URL")) != NULL &&
	    *e != '\0') {
		if (slack_link_check(e, err, sizeof(err)) < 0) {
			warning("notify: CIRCLE_BUILD_URL not linked: %s", err);
		} else {
			n->link = e;
			n->link_text = "the CI job (its Artifacts tab has the "
			    "page)";
		}
	}
	n->teams = co->teams;	/* the workflow's now */
	co->teams = NULL;
	if (strcmp(n->by, "team") == 0)
		report_parse_by(&n->o, "team,status");
	/* a list the option's kind checked (or the default) */
	cmdopt_list(&n->waste, &n->nwaste, n->waste_list);
	if (co->db != NULL && (optind < argc || n->previous_given))
		return cmdopt_usage("notify", "--db reads history: give no "
		    "PATH or --previous with it");
	if (co->db == NULL && (n->prev_since != INT32_MIN ||
	    n->prev_until != INT32_MAX))
		return cmdopt_usage("notify", "--previous-since and "
		    "--previous-until go with --db");
	if (co->db == NULL && optind >= argc)
		return cmdopt_usage("notify", "no input: give a run directory "
		    "or exports");
	n->db = co->db;
	n->price = co->price;
	if (co->top != 0)
		n->top = co->top;
	if ((ret = notify_load_budgets(nc)) != NOTIFY_GO_ON ||
	    (ret = notify_state(nc, optind < argc ? argv[optind] : "-")) !=
	    NOTIFY_GO_ON)
		return ret;
	for (i = optind; i < argc; i++)
		if ((ret = notify_add_path(n, argv[i])) != 0)
			return ret;
	return NOTIFY_GO_ON;
}

/* Print the payload (--dry-run), or post it.  0, or an exit code. */
static int
notify_send(const struct notify_cmd *nc, const struct notify_result *r,
    const char *url, const char *what)
{
	char *payload = notify_payload(r);
	unsigned attempts;
	int ret = 0;

	if (nc->dry_run) {
		fputs(payload, stdout);
		putchar('\n');
		if (fflush(stdout) != 0 || ferror(stdout)) {
			error("cannot write to standard output: %s",
			    strerror(errno));
			ret = EXIT_FAILURE_OTHER;
		}
	} else {
		ret = slack_post(url, what, payload, nc->timeout, &attempts);
		if (ret == 0)
			fprintf(stderr, "%s: notify: posted the message (%u "
			    "request%s)\n", PROGRAM_NAME, attempts,
			    attempts == 1 ? "" : "s");
	}
	free(payload);
	return ret;
}

int
cmd_notify(int argc, char **argv)
{
	struct notify_cmd nc;
	struct notify_result res;
	const char *what = NULL;
	struct dirlock lock = { -1, NULL };
	char *url = NULL;
	int ret;

	memset(&nc, 0, sizeof(nc));
	notify_init(&nc.n);
	cmdopt_init(&nc.co, &notify_cmd, &nc.n.o);
	nc.timeout = 60;
	if (argc >= 2 && (strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "-h") == 0)) {
		cmdopt_help(&notify_cmd, stdout);
		ret = EXIT_OK;
		goto out;
	}
	if (argc < 2 || argv[1][0] == '-') {
		ret = cmdopt_usage("notify", "expected a target: notify slack "
		    "[options] PATH...");
		goto out;
	}
	if (strcmp(argv[1], "pushgateway") == 0 ||
	    strcmp(argv[1], "datadog") == 0) {
		ret = cmd_notify_push(argc - 1, argv + 1);
		goto out;
	}
	if (strcmp(argv[1], "slack") != 0) {
		ret = cmdopt_usage("notify", "unknown target '%.100s' "
		    "(expected slack, pushgateway or datadog)", argv[1]);
		goto out;
	}
	if ((ret = notify_parse(&nc, argc - 1, argv + 1)) != NOTIFY_GO_ON)
		goto out;
	/* the webhook URL must never reach a core file */
	{
		struct rlimit rl = { 0, 0 };

		setrlimit(RLIMIT_CORE, &rl);
		prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	}
	if (!nc.dry_run) {
		url = notify_webhook(&nc.n, &what);
		if (url == NULL) {
			ret = EXIT_USAGE;
			goto out;
		}
		/* a webhook's answer is printed with it masked */
		redact_add_url(url);
	}
	/*
	 * One notify at a time per state file, from reading it to recording
	 * what was sent: two at once would both send an alert and each keep
	 * only its own.  (The database's table merges by itself.)
	 */
	if (!nc.dry_run && nc.n.cooldown_ms > 0 && nc.n.state != NULL) {
		char *lp = xasprintf("%s.lock", nc.n.state);

		ret = dirlock_take_file(lp, nc.n.state, "notify",
		    NOTIFY_LOCK_WAIT_MS, &lock);
		free(lp);
		if (ret < 0) {
			ret = EXIT_FAILURE_OTHER;
			goto out;
		}
	}
	srand((unsigned)time(NULL) ^ (unsigned)getpid());
	curl_global_init(CURL_GLOBAL_DEFAULT);
	if ((ret = notify_build(&nc.n, &res)) != 0)
		goto out_curl;
	if (nc.only_on_alert && res.fired == 0) {
		fprintf(stderr, "%s: notify: no alert fired%s; nothing %s\n",
		    PROGRAM_NAME, res.held ? " but those --cooldown held back" :
		    "", nc.dry_run ? "printed" : "posted");
		ret = EXIT_OK;
		goto out_curl;
	}
	if ((ret = notify_send(&nc, &res, url, what)) != 0)
		goto out_curl;
	/* posted: what it sent waits out the cooldown (never a dry run) */
	if (!nc.dry_run && notify_record(&nc.n, &res) < 0) {
		error("notify: the message was posted, but the alerts it sent "
		    "are not recorded: --cooldown may send them again");
		ret = EXIT_FAILURE_OTHER;
		goto out_curl;
	}
	ret = nc.fail_on_alert && res.fired ? EXIT_ALERT : EXIT_OK;
out_curl:
	notify_result_release(&res);
	curl_global_cleanup();
out:
	dirlock_release(&lock);
	if (url != NULL) {
		explicit_bzero(url, strlen(url));
		free(url);
	}
	redact_clear();
	cmdopt_release(&nc.co);
	notify_release(&nc.n);
	return ret;
}
