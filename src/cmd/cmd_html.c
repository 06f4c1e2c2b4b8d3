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
"and jobs, the cost of failing jobs, and data quality.  Inline CSS, SVG\n"
"and a little script; no request to any other file or host.\n",
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

/*
 * The options and the operands, into the page.  Returns HTML_GO_ON, or the
 * exit code to end with: EXIT_OK after --help, EXIT_USAGE after the error.
 */
static int
html_parse(struct page *pg, struct cmdopt *co, const char **output,
    int argc, char **argv)
{
	struct cmdopt_value val;
	const char *waste_list = FAILURES_WASTE;
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
	if ((ret = cmdopt_inputs(co, argc, argv, &pg->in)) != 0)
		return ret;
	*output = co->output;
	pg->db = co->db;
	pg->price = co->price;
	if (co->top != 0)
		pg->top = co->top;
	pg->teams = co->teams;	/* the page's now */
	co->teams = NULL;
	report_opts_copy_filters(&pg->po, &pg->o);
	return HTML_GO_ON;
}

static const struct page_link *html_links;
static size_t html_nlinks;

void
cmd_html_links(const struct page_link *links, size_t n)
{
	html_links = links;
	html_nlinks = n;
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
	pg.links = html_links;
	pg.nlinks = html_nlinks;
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
