/*
 * cmd_run.c: `circleci-usage run`, the weekly job in one command: export
 * a period (or take an existing export), then write every artifact a
 * person or a pipeline wants into one directory (runjob.h does it).
 *
 * This file parses the options and writes the closing lines; export,
 * ingest and html are still called in-process with their own options,
 * through the hooks runjob.h asks for.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "budget.h"
#include "budgetcalc.h"
#include "cmd.h"
#include "cmdopt.h"
#include "dec.h"
#include "failures.h"
#include "page.h"
#include "progress.h"
#include "range.h"
#include "runjob.h"
#include "util.h"

static const char run_usage[] =
"usage: circleci-usage run [export options] [options] [-o DIR]\n"
"\n"
"Export a period from the Usage API (or take an existing export with\n"
"--from), then write into DIR (default ./usage-report):\n"
"  export/                 the export and its manifest (see --export-dir)\n"
"  index.html              the HTML page\n"
"  by-KEY.csv, by-KEY.json for project, workflow, job, resource_class,\n"
"                          status and day; and team with --teams\n"
"  credits-by-project.png|svg, credits-by-day.png|svg\n"
"  usage.prom              the metrics by project (OpenMetrics, as `report\n"
"                          --format openmetrics`; doc/metrics.md)\n"
"  failures.csv            the cost of failing jobs (as `failures`)\n"
"  rightsize.csv           rightsizing advice (as `rightsize`)\n"
"  focus.csv               with --focus, the FOCUS 1.2 dataset (as `focus`)\n"
"  summary.md              a short markdown summary\n"
"  run.json                the org, the period, where the exports are,\n"
"                          the totals and the files\n"
"With --compare, also previous/ (the previous period of the same length)\n"
"and compare-by-project.csv|json.  With a budgets file, budgets.csv|json:\n"
"each budget as `budget --at D` gives it, D the day after the period's\n"
"last day, but in the week or month that holds that last day (read from\n"
"--db after the ingest, else from the exports).  With --db, also\n"
"anomalies.csv|json, as `anomalies --db DB --at D` (without it none: one\n"
"export is too short a baseline).  The page and the summary show both.\n"
"Every artifact covers the period asked for (or the --from export's): job\n"
"runs outside it are left out, with a warning.  A file an earlier run\n"
"wrote into DIR and this one does not is removed.  DIR can be read again\n"
"by report, html, compare and notify.\n";

const struct cmdopt_cmd run_cmd = {
	.name = "run",
	.summary = "export, then write the page, reports, charts and summary",
	.usage = run_usage,
	.opts = (const struct cmdopt_use[]){
		CMDOPT_HEADING("Export options:"),
		CMDOPT(CO_ORG), CMDOPT(CO_SHARED_ORG), CMDOPT(CO_START),
		CMDOPT(CO_END),
		CMDOPT_HELP(CO_LAST, CMDOPT_LAST_RANGE),
		CMDOPT(CO_API_URL), CMDOPT(CO_TOKEN_FILE),
		CMDOPT(CO_POLL_INTERVAL), CMDOPT(CO_TIMEOUT),
		CMDOPT(CO_PARALLEL), CMDOPT(CO_MAX_PART_SIZE), CMDOPT(CO_FORCE),
		CMDOPT_HELP(CO_NAMES, "then look up the login names of the "
		    "users who triggered pipelines (as export --names), so "
		    "that the page shows them"),
		CMDOPT_HEADING("Options:"),
		CMDOPT_ARG(CO_OUTPUT, "the artifacts directory (default "
		    "usage-report)", "DIR"),
		CMDOPT_HELP(CO_EXPORT_DIR, "export into EDIR/export and "
		    "EDIR/previous instead of DIR, to keep the raw exports "
		    "out of the artifacts (run.json records where they are)"),
		CMDOPT(CO_FROM),
		CMDOPT_HELP(CO_COMPARE, "also export the previous period into "
		    "DIR/previous and compare with it"),
		CMDOPT_HELP(CO_PREVIOUS_FROM, "the previous period from this "
		    "export (implies --compare; nothing more is exported)"),
		CMDOPT_HELP(CO_TOP, "projects in the charts and the summary, "
		    "1 to 1000 (default 10)"),
		CMDOPT(CO_CREDIT_PRICE),
		CMDOPT_HELP(CO_WASTE_STATUSES, "statuses of failed runs "
		    "(default " FAILURES_WASTE ")"),
		CMDOPT_HELP(CO_TEAMS, "the teams file (YAML): "
		    "by-team.csv|json and the page's team sections (default "
		    "$CIRCLECI_USAGE_TEAMS)"),
		CMDOPT_HELP(CO_BUDGETS, "the budgets file (YAML; default "
		    "$CIRCLECI_USAGE_BUDGETS): budgets.csv|json and the page's "
		    "and summary's budgets"),
		CMDOPT(CO_FOCUS),
		CMDOPT(CO_QUIET), CMDOPT(CO_VERBOSE),
		CMDOPT_HELP(CO_DB, "also ingest the export (and previous/) "
		    "into this history database (- for the default), read "
		    "the budgets from it, and write anomalies.csv|json"),
		CMDOPT_END
	},
};

/* A growing argv for a command called in-process. */
struct argv {
	char **v;
	size_t n, cap;
};

static void
argv_add(struct argv *a, const char *s)
{
	if (a->n + 2 > a->cap) {
		a->cap = a->cap ? 2 * a->cap : 16;
		a->v = xreallocarray(a->v, a->cap, sizeof(*a->v));
	}
	a->v[a->n++] = xstrdup(s);
	a->v[a->n] = NULL;
}

static void
argv_release(struct argv *a)
{
	size_t i;

	for (i = 0; i < a->n; i++)
		free(a->v[i]);
	free(a->v);
	memset(a, 0, sizeof(*a));
}

/* Call a command with argv a, then release a; returns its exit code. */
static int
argv_call(int (*cmd)(int, char **), struct argv *a)
{
	int ret;

	ret = cmd((int)a->n, a->v);
	optind = 0;
	argv_release(a);
	return ret;
}

/* The job's configuration (runjob.h), and what only the hooks need. */
struct run_opts {
	struct run_config cfg;	/* its range set by run_start() */
	struct argv export_args;	/* options passed on to export */
	const char *start, *end, *last;
	char **waste_st;	/* cfg.waste, split (owned) */
	int verbose;
	const char *db;		/* --db: ingest the exports there */
	const char *teams;	/* --teams, or NULL: $CIRCLECI_USAGE_TEAMS */
	const char *budgets;	/* --budgets, or NULL */
	struct budgets *bs;	/* it, or $CIRCLECI_USAGE_BUDGETS's: owned */
};

/* hooks->export: `export` with run's export options and the range */
static int
run_export(void *ctx, const char *dir, int64_t start, int64_t end,
    int force)
{
	const struct run_opts *o = ctx;
	struct argv a = { 0 };
	char b1[RANGE_BUFSZ], b2[RANGE_BUFSZ];
	size_t i;

	argv_add(&a, "export");
	for (i = 0; i < o->export_args.n; i++)
		argv_add(&a, o->export_args.v[i]);
	range_format(start, b1);
	range_format(end, b2);
	argv_add(&a, "--start");
	argv_add(&a, b1);
	argv_add(&a, "--end");
	argv_add(&a, b2);
	if (force)
		argv_add(&a, "--force");
	if (o->cfg.quiet)
		argv_add(&a, "--quiet");
	if (o->verbose)
		argv_add(&a, "--verbose");
	argv_add(&a, "-o");
	argv_add(&a, dir);
	return argv_call(cmd_export, &a);
}

/* hooks->ingest: `ingest [--quiet] [--db FILE] EXPORT [PREVIOUS]` */
static int
run_ingest(void *ctx, const char *export, const char *prev)
{
	const struct run_opts *o = ctx;
	struct argv a = { 0 };

	argv_add(&a, "ingest");
	if (o->cfg.quiet)
		argv_add(&a, "--quiet");
	if (strcmp(o->db, "-") != 0) {
		argv_add(&a, "--db");
		argv_add(&a, o->db);
	}
	if (o->teams != NULL) {
		argv_add(&a, "--teams");
		argv_add(&a, o->teams);
	}
	argv_add(&a, export);
	if (prev != NULL)
		argv_add(&a, prev);
	return argv_call(cmd_ingest, &a);
}

/*
 * hooks->page: `html --rightsize ... -o PATH EXPORT`, given the links,
 * the budgets and the anomalies
 */
static int
run_page(void *ctx, const struct run_page *pg)
{
	const struct run_opts *o = ctx;
	const struct run_files *files = pg->files;
	struct argv a = { 0 };
	struct page_link *links = xcalloc(files->n + 1, sizeof(*links));
	struct page_given given;
	size_t i;
	int ret;

	for (i = 0; i < files->n; i++) {
		links[i].name = files->v[i].name;
		links[i].what = files->v[i].what;
	}
	memset(&given, 0, sizeof(given));
	given.links = links;
	given.nlinks = files->n;
	given.budgets = pg->budgets;
	given.arun = pg->arun;
	given.anomalies = pg->anomalies;
	given.o = pg->o;
	given.res = pg->res;
	given.po = pg->po;
	given.pres = pg->pres;
	given.users = pg->users;
	given.rs = pg->rs;

	argv_add(&a, "html");
	argv_add(&a, "--rightsize");
	argv_add(&a, "--credit-price");
	argv_add(&a, o->cfg.price_text);
	argv_add(&a, "--waste-statuses");
	argv_add(&a, o->cfg.waste);
	if (o->teams != NULL) {
		argv_add(&a, "--teams");
		argv_add(&a, o->teams);
	}
	if (pg->prev != NULL) {
		argv_add(&a, "--previous");
		argv_add(&a, pg->prev);
	}
	argv_add(&a, "-o");
	argv_add(&a, pg->path);
	argv_add(&a, pg->export);
	cmd_html_given(&given);
	ret = argv_call(cmd_html, &a);
	cmd_html_given(NULL);
	free(links);
	return ret;
}

/* The closing lines: the files written, and where the exports are. */
static void
run_closing(const struct run_opts *o, const struct run_files *w)
{
	/* the directories as given, escaped: a name is outside text */
	char *dir = xescape(o->cfg.dir), *edir = xescape(o->cfg.export_dir);
	int here = strcmp(o->cfg.export_dir, o->cfg.dir) == 0;
	size_t i;

	fprintf(stderr, "%s: wrote %zu files into %s/:\n", PROGRAM_NAME,
	    w->n, dir);
	for (i = 0; i < w->n; i++) {
		const struct run_file *f = &w->v[i];

		if (strcmp(f->what, "a report") == 0) {
			if (strcmp(f->name, "by-project.csv") == 0)
				fprintf(stderr, "  %-26s %s\n",
				    "by-*.csv, by-*.json", "reports per "
				    "project, workflow, job, resource_class, "
				    "status, day");
			continue;
		}
		fprintf(stderr, "  %-26s %s\n", f->name, f->what);
	}
	if (o->cfg.from == NULL && here)
		fprintf(stderr, "  %-26s %s\n", "export/",
		    "the export and its manifest");
	if (o->cfg.compare && o->cfg.prev_from == NULL && here)
		fprintf(stderr, "  %-26s %s\n", "previous/",
		    "the previous period's export");
	if (!here && o->cfg.from == NULL)
		fprintf(stderr, "The export%s in %s/ (not among the "
		    "artifacts).\n", o->cfg.compare &&
		    o->cfg.prev_from == NULL ? "s are" : " is", edir);
	fprintf(stderr, "Open %s/index.html in a browser.\n", dir);
	free(dir);
	free(edir);
}

/* The options checked that need the clock, then the job. */
static int
run_start(struct run_opts *o)
{
	const struct run_hooks hooks = { run_export, run_ingest, run_page,
	    o };
	struct run_files w = { 0 };
	int ret;

	if (o->cfg.from == NULL && range_resolve(o->start, o->end, o->last,
	    range_now_ms(), &o->cfg.start, &o->cfg.end) < 0)
		return EXIT_USAGE;
	ret = run_job(&o->cfg, &hooks, &w);
	if (!ret && !o->cfg.quiet)
		run_closing(o, &w);
	run_files_release(&w);
	return ret;
}

/* What run_parse() returns to say "go on" rather than an exit code. */
#define RUN_GO_ON (-1)

#define RUN_BUDGETS_ENV "CIRCLECI_USAGE_BUDGETS"

/* One of run's own options into o, those of export into its argv. */
static int
run_option(struct run_opts *o, int id, const struct cmdopt_value *val)
{
	switch (id) {
	case CO_ORG: case CO_SHARED_ORG: case CO_API_URL:
	case CO_POLL_INTERVAL: case CO_TIMEOUT: case CO_PARALLEL:
	case CO_MAX_PART_SIZE: case CO_TOKEN_FILE: {
		char name[64];

		if (id == CO_TOKEN_FILE && strcmp(val->str, "-") == 0) {
			o->cfg.token_stdin = 1;
			break;
		}
		snprintf(name, sizeof(name), "--%s", cmdopt_table[id].name);
		argv_add(&o->export_args, name);
		argv_add(&o->export_args, val->str);
		break;
	}
	case CO_FORCE: argv_add(&o->export_args, "--force"); break;
	case CO_START: o->start = val->str; break;
	case CO_END: o->end = val->str; break;
	case CO_FROM: o->cfg.from = val->str; break;
	case CO_COMPARE: o->cfg.compare = 1; break;
	case CO_PREVIOUS_FROM:
		o->cfg.prev_from = val->str;
		o->cfg.compare = 1;
		break;
	case CO_WASTE_STATUSES: o->cfg.waste = val->str; break;
	case CO_QUIET: o->cfg.quiet = 1; break;
	case CO_FOCUS: o->cfg.focus = 1; break;
	case CO_VERBOSE: o->verbose = 1; break;
	case CO_EXPORT_DIR: o->cfg.export_dir = val->str; break;
	case CO_BUDGETS: o->budgets = val->str; break;
	}
	return RUN_GO_ON;
}

/*
 * The budgets file (--budgets, else $CIRCLECI_USAGE_BUDGETS), loaded and
 * checked with the teams and the price before anything is exported: a
 * bad one is a usage error, with the file and line.  Returns RUN_GO_ON
 * or EXIT_USAGE.
 */
static int
run_budgets(struct run_opts *o)
{
	const char *path = o->budgets;
	struct budget_calc c;
	int bad;

	if (path == NULL && (path = getenv(RUN_BUDGETS_ENV)) != NULL &&
	    path[0] == '\0')
		path = NULL;
	if (path == NULL)
		return RUN_GO_ON;
	if ((o->bs = budgets_load(path)) == NULL)
		return cmdopt_hint("run");
	/* the day does not matter: amounts and teams are checked */
	bad = budget_calc_init(&c, o->bs, o->cfg.teams, o->cfg.price, 0,
	    1) < 0;
	budget_calc_release(&c);
	if (bad)
		return cmdopt_hint("run");
	o->cfg.budgets = o->bs;
	return RUN_GO_ON;
}

/*
 * The options into o, and what they allow together.  Returns RUN_GO_ON,
 * or the exit code to end with (EXIT_OK after --help).
 */
static int
run_parse(struct run_opts *o, struct cmdopt *co, int argc, char **argv)
{
	struct cmdopt_value val;
	int id;

	o->cfg.waste = FAILURES_WASTE;
	cmdopt_init(co, &run_cmd, NULL);
	while ((id = cmdopt_next(co, argc, argv, &val)) > 0)
		run_option(o, id, &val);
	if (id < 0)
		return co->status;
	if (optind < argc)
		return cmdopt_usage("run", "takes no arguments ('%.100s'); "
		    "the artifacts directory is -o DIR", argv[optind]);
	if (co->top > 1000)
		return cmdopt_usage("run", "--top: expected 1 to 1000, got "
		    "%llu", co->top);
	o->cfg.dir = co->output != NULL ? co->output : "usage-report";
	o->cfg.top = co->top != 0 ? (unsigned)co->top : 10;
	o->cfg.price_text = co->price_text;
	o->cfg.price = co->price;
	o->cfg.ingest = co->db != NULL;
	if (co->names)	/* the option layer keeps it; export needs it */
		argv_add(&o->export_args, "--names");
	o->last = co->last;
	o->db = co->db;
	if (o->cfg.from != NULL && (o->start || o->end || o->last))
		return cmdopt_usage("run", "--from DIR takes the range of that "
		    "export; --start, --end and --last do not apply");
	if (o->cfg.export_dir != NULL && o->cfg.from != NULL &&
	    (o->cfg.prev_from != NULL || !o->cfg.compare))
		return cmdopt_usage("run", "--export-dir: nothing is exported "
		    "with --from DIR%s", o->cfg.compare ?
		    " and --previous-from DIR" : "");
	if (o->cfg.export_dir == NULL || o->cfg.export_dir[0] == '\0')
		o->cfg.export_dir = o->cfg.dir;
	/* a list the option's kind checked (or the default) */
	cmdopt_list(&o->waste_st, &o->cfg.nwaste, o->cfg.waste);
	o->cfg.waste_st = o->waste_st;
	/* a bad teams file failed in cmdopt_next(), before any export */
	o->teams = co->teams_path;
	o->cfg.teams = co->teams;
	o->cfg.db = co->db;
	return run_budgets(o);
}

int
cmd_run(int argc, char **argv)
{
	struct run_opts o;
	struct cmdopt co;
	size_t i;
	int ret;

	memset(&o, 0, sizeof(o));
	if ((ret = run_parse(&o, &co, argc, argv)) == RUN_GO_ON) {
		progress_init(o.cfg.quiet);
		progress_begin("run", "starting");
		ret = run_start(&o);
		progress_end();
	}
	for (i = 0; i < o.cfg.nwaste; i++)
		free(o.waste_st[i]);
	free(o.waste_st);
	budgets_free(o.bs);
	argv_release(&o.export_args);
	cmdopt_release(&co);
	return ret;
}
