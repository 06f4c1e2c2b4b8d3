/*
 * cmd_html.c: `circleci-usage html`, one self-contained page a manager can
 * open from the artifacts tab: the headline, credits per project and per
 * day, resource classes and executors, the top workflows and jobs, the
 * cost of failing runs, and data quality.  The exports are read once,
 * grouped by every key the page needs, and rolled up for each section.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "budget.h"
#include "cmd.h"
#include "chargeback.h"
#include "cmdopt.h"
#include "failures.h"
#include "out.h"
#include "page.h"
#include "util.h"

const struct cmdopt_cmd html_cmd = {
	.name = "html",
	.summary = "one self-contained HTML page: headline, charts, tables",
	.usage =
"usage: circleci-usage html [options] PATH... -o report.html\n"
"       circleci-usage html --db FILE [options] -o report.html\n"
"\n"
"Write one self-contained HTML page about the exports: the headline\n"
"(credits, cost, jobs, hours, credits on failed runs), credits per\n"
"project and per day, resource classes and executors, the top workflows\n"
"and jobs, the cost of failing jobs, and data quality; with a budgets\n"
"file, each budget as of the end of the period.  Inline CSS, SVG and a\n"
"little script; no request to any other file or host.\n",
	.opts = (const struct cmdopt_use[]){
		CMDOPT_HEADING("Options:"),
		CMDOPT_HELP(CO_OUTPUT, "write to FILE (atomically) instead of "
		    "stdout"),
		CMDOPT_HELP(CO_PREVIOUS, "an export of the previous period, "
		    "to compare with (repeatable)"),
		CMDOPT_HELP(CO_WASTE_STATUSES, "the statuses of failed runs "
		    "(default " FAILURES_WASTE ")"),
		CMDOPT_HELP(CO_TOP, "rows in the workflow and job tables "
		    "(default 20)"),
		CMDOPT_HELP(CO_TITLE, "the page's title"),
		CMDOPT_HELP(CO_RIGHTSIZE, "add a rightsizing section (as "
		    "`rightsize` with its defaults)"),
		CMDOPT_HELP(CO_RATES, "its rates (see rightsize --help); "
		    "implies --rightsize"),
		CMDOPT_HELP(CO_TEAMS, "the teams file (YAML): a section per "
		    "team and a chargeback (default $CIRCLECI_USAGE_TEAMS)"),
		CMDOPT_HELP(CO_SHARED_COSTS, "the chargeback's shared costs: "
		    "proportional (default), even or none, as for chargeback"),
		CMDOPT_HELP(CO_BUDGETS, "the budgets file (YAML; default "
		    "$CIRCLECI_USAGE_BUDGETS): a budgets section, each budget "
		    "as `budget --at` the day after the period's last day "
		    "gives it, but for the period: the one that holds that "
		    "last day (from the page's read of the PATHs and "
		    "--previous, else a read of its own, or --db)"),
		CMDOPT(CO_CREDIT_PRICE),
		CMDOPT_HEADING("Filters (the previous period too, but the "
		    "dates):"),
		CMDOPT_FILTERS,
		CMDOPT_HEADING("Input:"),
		CMDOPT_INPUT, CMDOPT(CO_DB), CMDOPT_END
	},
};

/* What html_parse() returns to say "go on" rather than an exit code. */
#define HTML_GO_ON (-1)

#define HTML_BUDGETS_ENV "CIRCLECI_USAGE_BUDGETS"

/* What `run` gives the next page (cmd.h), or NULL. */
static const struct page_given *html_given;

/*
 * The options and the operands, into the page.  Returns HTML_GO_ON, or the
 * exit code to end with: EXIT_OK after --help, EXIT_USAGE after the error.
 */
/*
 * The budgets file (--budgets, else $CIRCLECI_USAGE_BUDGETS) into the
 * page, checked against its teams and price.  Returns HTML_GO_ON, or
 * EXIT_USAGE after the error (before anything is read).
 */
static int
html_budgets(struct page *pg, const char *path, int argc, char **argv)
{
	struct budget_calc c;
	size_t k;
	int i, bad, stdin_too = 0;

	if (path == NULL && (path = getenv(HTML_BUDGETS_ENV)) != NULL &&
	    path[0] == '\0')
		path = NULL;
	if (path == NULL)
		return HTML_GO_ON;
	if ((pg->bs = budgets_load(path)) == NULL)
		return cmdopt_hint("html");
	bad = budget_calc_init(&c, pg->bs, pg->teams, pg->price, 0, 1) < 0;
	budget_calc_release(&c);
	if (bad)
		return cmdopt_hint("html");
	/*
	 * the budgets read the inputs again (the operands, and --previous's
	 * kept so far): standard input is read once
	 */
	for (i = optind; i < argc; i++)
		stdin_too |= strcmp(argv[i], "-") == 0;
	for (k = 0; k < pg->nargs; k++)
		stdin_too |= strcmp(pg->args[k], "-") == 0;
	if (stdin_too)
		return cmdopt_usage("html", "--budgets: the standard input "
		    "cannot be read twice; give the export as a file");
	return HTML_GO_ON;
}

static int
html_parse(struct page *pg, struct cmdopt *co, const char **output,
    int argc, char **argv)
{
	struct cmdopt_value val;
	const char *waste_list = FAILURES_WASTE, *budgets = NULL;
	int id, ret;

	cmdopt_init(co, &html_cmd, &pg->o);
	while ((id = cmdopt_next(co, argc, argv, &val)) > 0) {
		switch (id) {
		case CO_PREVIOUS:
			if ((ret = page_add_previous(pg, val.str)) != 0)
				return ret;
			break;
		case CO_WASTE_STATUSES:
			waste_list = val.str;
			break;
		case CO_TITLE:
			pg->title = val.str;
			break;
		case CO_RATES:
			pg->rates_path = val.str;
			/* FALLTHROUGH */
		case CO_RIGHTSIZE:
			pg->want_rs = 1;
			break;
		case CO_BUDGETS:
			budgets = val.str;
			break;
		case CO_SHARED_COSTS:
			if (chargeback_mode_parse(val.str, &pg->shared) < 0)
				return cmdopt_usage("html", "--shared-costs: "
				    "expected proportional, even or none, got "
				    "'%.100s'", val.str);
			break;
		}
	}
	if (id < 0)
		return co->status;
	cmdopt_list(&pg->waste, &pg->nwaste, waste_list);
	*output = co->output;
	pg->db = co->db;
	pg->price = co->price;
	if (co->top != 0)
		pg->top = co->top;
	pg->teams = co->teams;	/* the page's now */
	co->teams = NULL;
	/* run gives its own budgets (or none): no file read here then */
	if (html_given == NULL &&
	    (ret = html_budgets(pg, budgets, argc, argv)) != HTML_GO_ON)
		return ret;
	if ((ret = cmdopt_inputs(co, argc, argv, &pg->in)) != 0)
		return ret;
	for (id = optind; id < argc; id++)	/* for the budgets' read */
		page_keep_path(pg, argv[id]);
	report_opts_copy_filters(&pg->po, &pg->o);
	return HTML_GO_ON;
}

void
cmd_html_given(const struct page_given *g)
{
	html_given = g;
}

int
cmd_html(int argc, char **argv)
{
	struct page pg;
	struct cmdopt co;
	const char *output = NULL;
	struct out out;
	int ret;

	page_init(&pg);
	if (html_given != NULL)
		page_take(&pg, html_given);
	if ((ret = html_parse(&pg, &co, &output, argc, argv)) != HTML_GO_ON ||
	    (ret = page_prepare(&pg)) != 0 || (ret = page_read(&pg)) != 0)
		goto out;
	ret = out_open(&out, output) < 0 || out_close(&out,
	    page_write(&pg, out.f) != 0) < 0 ? EXIT_FAILURE_OTHER : EXIT_OK;
out:
	cmdopt_release(&co);
	page_release(&pg);
	return ret;
}
