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

#include "cmd.h"
#include "cmdopt.h"
#include "date.h"
#include "failures.h"
#include "out.h"
#include "page.h"
#include "util.h"

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
"                          " FAILURES_WASTE ")\n"
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

/* What the parsing steps return to say "go on" rather than an exit code. */
#define HTML_GO_ON (-1)

/* The command's own settings, beside the page's. */
struct html_cmd {
	struct page pg;
	const char *output;	/* -o, or NULL: stdout */
	const char **prev;	/* --previous */
	size_t nprev;
	const char *waste_list;
	const char *teams_path;
};

/*
 * One option (getopt_long's c and optarg).  Returns HTML_GO_ON, or the
 * exit code to end with: EXIT_OK after --help, EXIT_USAGE after the error.
 */
static int
html_option(struct html_cmd *hc, int c, const char *arg)
{
	struct page *pg = &hc->pg;
	unsigned long long threads;

	switch (c) {
	case 'o':
		hc->output = arg;
		break;
	case OPT_PREVIOUS:
		html_push(&hc->prev, &hc->nprev, arg);
		break;
	case OPT_WASTE:
		hc->waste_list = arg;
		break;
	case OPT_TOP:
		if (parse_uint(arg, 1000000, &pg->top) < 0 || pg->top == 0)
			return html_usage_error("--top: expected a whole "
			    "number of at least 1");
		break;
	case OPT_DB:
		pg->db = arg;
		break;
	case OPT_TITLE:
		pg->title = arg;
		break;
	case OPT_RATES:
		pg->rates_path = arg;
		/* FALLTHROUGH */
	case OPT_RIGHTSIZE:
		pg->want_rs = 1;
		break;
	case OPT_SINCE:
		if (html_day_arg("--since", arg, &pg->o.since))
			return EXIT_USAGE;
		break;
	case OPT_UNTIL:
		if (html_day_arg("--until", arg, &pg->o.until))
			return EXIT_USAGE;
		break;
	case OPT_PROJECT:
		html_push(&pg->o.projects, &pg->o.nprojects, arg);
		html_push(&pg->po.projects, &pg->po.nprojects, arg);
		break;
	case OPT_BRANCH:
		html_push(&pg->o.branches, &pg->o.nbranches, arg);
		html_push(&pg->po.branches, &pg->po.nbranches, arg);
		break;
	case OPT_PRICE:
		if (dec_parse(arg, strlen(arg), &pg->price) < 0 ||
		    pg->price < 0)
			return html_usage_error("--credit-price: expected a "
			    "price in USD such as 0.0006");
		break;
	case OPT_STRICT:
		pg->o.strict = pg->po.strict = 1;
		break;
	case OPT_KEEP_DUPS:
		pg->o.keep_duplicates = pg->po.keep_duplicates = 1;
		break;
	case OPT_THREADS:
		if (parse_uint(arg, 64, &threads) < 0 || threads == 0)
			return html_usage_error("--threads: expected a number "
			    "from 1 to 64");
		pg->o.threads = pg->po.threads = (int)threads;
		break;
	case OPT_TEAMS:
		hc->teams_path = arg;
		break;
	case OPT_SHARED:
		if (chargeback_mode_parse(arg, &pg->shared) < 0)
			return html_usage_error("--shared-costs: expected "
			    "proportional, even or none");
		break;
	case 'h':
		fputs(html_usage, stdout);
		return EXIT_OK;
	default:
		fprintf(stderr, "Try 'circleci-usage html --help' for more "
		    "information.\n");
		return EXIT_USAGE;
	}
	return HTML_GO_ON;
}

/*
 * The options, and what they allow together.  Returns HTML_GO_ON with hc
 * set (the teams file loaded), or the exit code to end with.
 */
static int
html_parse(struct html_cmd *hc, int argc, char **argv)
{
	struct page *pg = &hc->pg;
	int c, ret;

	optind = 1;
	while ((c = getopt_long(argc, argv, "ho:", html_options,
	    NULL)) != -1)
		if ((ret = html_option(hc, c, optarg)) != HTML_GO_ON)
			return ret;
	if (cmdopt_list(&pg->waste, &pg->nwaste, hc->waste_list) < 0)
		return html_usage_error("--waste-statuses: expected a "
		    "comma-separated list of statuses");
	if (pg->o.since > pg->o.until)
		return html_usage_error("--since is after --until");
	if (pg->db != NULL && optind < argc)
		return html_usage_error("--db reads history: give no PATH "
		    "with it");
	if (pg->db == NULL && optind >= argc)
		return html_usage_error("no input: give export files or "
		    "directories, or - for stdin");
	if ((ret = cmdopt_teams(hc->teams_path, &pg->teams)) != 0)
		return ret;
	return HTML_GO_ON;
}

static int
cmd_html_exec(int argc, char **argv)
{
	struct html_cmd hc;
	struct out out;
	size_t i;
	int ret;

	memset(&hc, 0, sizeof(hc));
	page_init(&hc.pg);
	hc.waste_list = FAILURES_WASTE;
	if ((ret = html_parse(&hc, argc, argv)) != HTML_GO_ON)
		goto out;
	if ((ret = page_prepare(&hc.pg)) != 0)
		goto out;
	for (i = (size_t)optind; i < (size_t)argc; i++)
		if ((ret = page_add_input(&hc.pg, argv[i])) != 0)
			goto out;
	for (i = 0; i < hc.nprev; i++)
		if ((ret = page_add_previous(&hc.pg, hc.prev[i])) != 0)
			goto out;
	if ((ret = page_read(&hc.pg)) != 0)
		goto out;
	ret = EXIT_FAILURE_OTHER;
	if (out_open(&out, hc.output) < 0)
		goto out;
	if ((ret = page_write(&hc.pg, out.f)) != 0) {
		/* out_abort's fclose and unlink may change errno */
		int e = errno;

		out_abort(&out);
		error("cannot write '%s': %s", hc.output != NULL ? hc.output :
		    "standard output", strerror(e));
		goto out;
	}
	ret = out_commit(&out) < 0 ? EXIT_FAILURE_OTHER : EXIT_OK;
out:
	free(hc.prev);
	page_release(&hc.pg);
	return ret;
}

const struct cmd_entry cmd_html_entry = {
	.name = "html",
	.summary = "one self-contained HTML page: headline, charts, tables",
	.exec = cmd_html_exec,
};
