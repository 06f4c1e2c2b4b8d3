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

#include <curl/curl.h>

#include "cmd.h"
#include "cmdopt.h"
#include "date.h"
#include "failures.h"
#include "notify.h"
#include "range.h"
#include "redact.h"
#include "util.h"

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
"  --previous-since DATE the previous period's first day (YYYY-MM-DD),\n"
"                        with --db\n"
"  --previous-until DATE its last day, with --db\n"
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
"                        " FAILURES_WASTE ")\n"
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

/* The command's own settings, beside the workflow's. */
struct notify_cmd {
	struct notify n;
	const char **prev_paths;	/* --previous */
	size_t nprev_paths;
	const char *teams_path;
	int only_on_alert, fail_on_alert, dry_run;
	double timeout;
};

/* What the parsing steps return to say "go on" rather than an exit code. */
#define NOTIFY_GO_ON (-1)

/*
 * One option (getopt_long's c, idx and optarg).  Returns NOTIFY_GO_ON, or
 * the exit code to end with: EXIT_OK after --help, EXIT_USAGE after the
 * error.
 */
static int
notify_option(struct notify_cmd *nc, int c, int idx, const char *arg)
{
	struct notify *n = &nc->n;

	switch (c) {
	case CMDOPT_SHARED:
		if (cmdopt_report("notify", &n->o, notify_options[idx].name,
		    arg) != 0)
			return EXIT_USAGE;
		break;
	case OPT_NOTIFY_DB:
		n->db = arg;
		break;
	case OPT_PREV_SINCE:
	case OPT_PREV_UNTIL:
		if (strlen(arg) != 10 || date_parse(arg, 10,
		    c == OPT_PREV_SINCE ? &n->prev_since :
		    &n->prev_until) < 0)
			return cmdopt_usage("notify", "--%s: expected a date "
			    "(YYYY-MM-DD), got '%.100s'",
			    notify_options[idx].name, arg);
		break;
	case OPT_PREVIOUS:
		nc->prev_paths = xreallocarray(nc->prev_paths,
		    nc->nprev_paths + 1, sizeof(*nc->prev_paths));
		nc->prev_paths[nc->nprev_paths++] = arg;
		break;
	case OPT_ALERT: {
		char err[512];

		n->rules = xreallocarray(n->rules, n->nrules + 1,
		    sizeof(*n->rules));
		if (alert_parse(arg, &n->rules[n->nrules], err,
		    sizeof(err)) < 0)
			return cmdopt_usage("notify", "--alert '%.100s': %s",
			    arg, err);
		n->nrules++;
		break;
	}
	case OPT_ONLY_ON_ALERT:
		nc->only_on_alert = 1;
		break;
	case OPT_FAIL_ON_ALERT:
		nc->fail_on_alert = 1;
		break;
	case OPT_DRY_RUN:
		nc->dry_run = 1;
		break;
	case OPT_WEBHOOK_FILE:
		n->webhook_file = arg;
		break;
	case OPT_TOP:
		if (parse_uint(arg, 1000000, &n->top) < 0 || n->top == 0)
			return cmdopt_usage("notify", "--top: expected a whole "
			    "number of at least 1, got '%.100s'", arg);
		break;
	case OPT_WASTE:
		n->waste_list = arg;
		break;
	case OPT_PRICE:
		if (dec_parse(arg, strlen(arg), &n->price) < 0 || n->price < 0)
			return cmdopt_usage("notify", "--credit-price: "
			    "expected a price in USD such as 0.0006, got "
			    "'%.100s'", arg);
		break;
	case OPT_TITLE:
		n->title = arg;
		break;
	case OPT_BY:
		if (strcmp(arg, "project") != 0 && strcmp(arg, "team") != 0)
			return cmdopt_usage("notify", "--by: expected project "
			    "or team, got '%.100s'", arg);
		n->by = arg;
		break;
	case OPT_TEAMS:
		nc->teams_path = arg;
		break;
	case OPT_TIMEOUT:
		if (range_parse_duration(arg, &nc->timeout) < 0 ||
		    nc->timeout <= 0)
			return cmdopt_usage("notify", "--timeout: expected a "
			    "duration such as 90s or 5m, got '%.100s'", arg);
		break;
	case 'h':
		fputs(notify_usage, stdout);
		return EXIT_OK;
	default:
		fprintf(stderr, "Try 'circleci-usage notify --help' for more "
		    "information.\n");
		return EXIT_USAGE;
	}
	return NOTIFY_GO_ON;
}

/*
 * The options after `notify slack`, and what they allow together.
 * Returns NOTIFY_GO_ON with nc set and *first the index of the first
 * PATH, or the exit code to end with (EXIT_OK after --help).
 */
static int
notify_parse(struct notify_cmd *nc, int argc, char **argv, int *first)
{
	struct notify *n = &nc->n;
	int c, idx, ret;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", notify_options,
	    &idx)) != -1)
		if ((ret = notify_option(nc, c, idx, optarg)) != NOTIFY_GO_ON)
			return ret;
	*first = optind;
	if (n->o.since > n->o.until)
		return cmdopt_usage("notify", "--since is after --until");
	if ((ret = cmdopt_teams(nc->teams_path, &n->teams)) != 0)
		return ret;
	n->o.teams = n->teams;
	if (strcmp(n->by, "team") == 0)
		report_parse_by(&n->o, "team,status");
	if (cmdopt_list(&n->waste, &n->nwaste, n->waste_list) < 0)
		return cmdopt_usage("notify", "--waste-statuses: expected a "
		    "comma-separated list of statuses, got '%.100s'",
		    n->waste_list);
	if (n->db != NULL && (optind < argc || nc->nprev_paths > 0))
		return cmdopt_usage("notify", "--db reads history: give no "
		    "PATH or --previous with it");
	if (n->db == NULL && (n->prev_since != INT32_MIN ||
	    n->prev_until != INT32_MAX))
		return cmdopt_usage("notify", "--previous-since and "
		    "--previous-until go with --db");
	if (n->db == NULL && optind >= argc)
		return cmdopt_usage("notify", "no input: give a run directory "
		    "or exports");
	n->previous_given = nc->nprev_paths > 0;
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
	char *url = NULL;
	int i, first, ret;

	memset(&nc, 0, sizeof(nc));
	notify_init(&nc.n);
	nc.timeout = 60;
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
	ret = notify_parse(&nc, argc - 1, argv + 1, &first);
	if (ret != NOTIFY_GO_ON)
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
	for (i = first; i < argc - 1; i++)
		if ((ret = notify_add_path(&nc.n, argv[i + 1])) != 0)
			goto out;
	for (i = 0; i < (int)nc.nprev_paths; i++)
		if ((ret = notify_add_previous(&nc.n, nc.prev_paths[i])) != 0)
			goto out;
	srand((unsigned)time(NULL) ^ (unsigned)getpid());
	curl_global_init(CURL_GLOBAL_DEFAULT);
	if ((ret = notify_build(&nc.n, &res)) != 0)
		goto out_curl;
	if (nc.only_on_alert && res.fired == 0) {
		fprintf(stderr, "%s: notify: no alert fired; nothing %s\n",
		    PROGRAM_NAME, nc.dry_run ? "printed" : "posted");
		ret = EXIT_OK;
		goto out_curl;
	}
	if ((ret = notify_send(&nc, &res, url, what)) == 0)
		ret = nc.fail_on_alert && res.fired ? EXIT_ALERT : EXIT_OK;
out_curl:
	notify_result_release(&res);
	curl_global_cleanup();
out:
	if (url != NULL) {
		explicit_bzero(url, strlen(url));
		free(url);
	}
	redact_clear();
	free(nc.prev_paths);
	notify_release(&nc.n);
	return ret;
}
