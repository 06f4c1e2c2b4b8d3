/*
 * cmd_run.c: `circleci-usage run`, the weekly job in one command: export
 * a period (or take an existing export), then write every artifact a
 * person or a pipeline wants into one directory (runjob.h does it).
 *
 * This file parses the options and writes the closing lines; export,
 * ingest and html are still called in-process with their own options,
 * through the hooks runjob.h asks for.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "cmdopt.h"
#include "dec.h"
#include "failures.h"
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
"  failures.csv            the cost of failing jobs (as `failures`)\n"
"  rightsize.csv           rightsizing advice (as `rightsize`)\n"
"  summary.md              a short markdown summary\n"
"  run.json                the org, the period, where the exports are,\n"
"                          the totals and the files\n"
"With --compare, also previous/ (the previous period of the same length)\n"
"and compare-by-project.csv|json.  Every artifact covers the period asked\n"
"for (or the --from export's): job runs outside it are left out, with a\n"
"warning.  DIR can be read again by report, html, compare and notify.\n"
"\n"
"Export options (as for export): --org ID, --shared-org ID, --start DATE,\n"
"--end DATE, --last N{d|w|mo}, --api-url URL, --token-file PATH,\n"
"--poll-interval SECONDS, --timeout DURATION, --parallel N,\n"
"--max-part-size SIZE, --force\n"
"\n"
"Options:\n"
"  -o, --output DIR        the artifacts directory (default usage-report)\n"
"  --export-dir EDIR       export into EDIR/export and EDIR/previous\n"
"                          instead of DIR, to keep the raw exports out of\n"
"                          the artifacts (run.json records where they are)\n"
"  --from DIR              use this export instead of exporting\n"
"  --compare               also export the previous period into\n"
"                          DIR/previous and compare with it\n"
"  --previous-from DIR     the previous period from this export (implies\n"
"                          --compare; nothing more is exported)\n"
"  --top N                 projects in the charts and the summary\n"
"                          (default 10)\n"
"  --credit-price USD      price of one credit (default 0.0006)\n"
"  --waste-statuses LIST   statuses of failed runs (default\n"
"                          failed,canceled,timedout,infrastructure_fail)\n"
"  --teams FILE            the teams file (YAML): by-team.csv|json and the\n"
"                          page's team sections (default\n"
"                          $CIRCLECI_USAGE_TEAMS)\n"
"  --quiet, --verbose      as for export\n"
"  --db FILE               also ingest the export (and previous/) into\n"
"                          this history database (- for the default)\n"
"  -h, --help              show this help\n";

enum {
	OPT_ORG = 256, OPT_SHARED, OPT_START, OPT_END, OPT_LAST, OPT_API_URL,
	OPT_TOKEN_FILE, OPT_POLL, OPT_TIMEOUT, OPT_PARALLEL, OPT_FORCE,
	OPT_FROM, OPT_COMPARE, OPT_PREV_FROM, OPT_TOP, OPT_PRICE, OPT_WASTE,
	OPT_QUIET, OPT_VERBOSE, OPT_TEAMS, OPT_DB, OPT_MAX_PART, OPT_EXPORT_DIR
};

static const struct option run_options[] = {
	{ "org", required_argument, NULL, OPT_ORG },
	{ "shared-org", required_argument, NULL, OPT_SHARED },
	{ "start", required_argument, NULL, OPT_START },
	{ "end", required_argument, NULL, OPT_END },
	{ "last", required_argument, NULL, OPT_LAST },
	{ "api-url", required_argument, NULL, OPT_API_URL },
	{ "token-file", required_argument, NULL, OPT_TOKEN_FILE },
	{ "poll-interval", required_argument, NULL, OPT_POLL },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "parallel", required_argument, NULL, OPT_PARALLEL },
	{ "max-part-size", required_argument, NULL, OPT_MAX_PART },
	{ "force", no_argument, NULL, OPT_FORCE },
	{ "from", required_argument, NULL, OPT_FROM },
	{ "compare", no_argument, NULL, OPT_COMPARE },
	{ "previous-from", required_argument, NULL, OPT_PREV_FROM },
	{ "top", required_argument, NULL, OPT_TOP },
	{ "credit-price", required_argument, NULL, OPT_PRICE },
	{ "waste-statuses", required_argument, NULL, OPT_WASTE },
	{ "quiet", no_argument, NULL, OPT_QUIET },
	{ "verbose", no_argument, NULL, OPT_VERBOSE },
	{ "teams", required_argument, NULL, OPT_TEAMS },
	{ "db", required_argument, NULL, OPT_DB },
	{ "export-dir", required_argument, NULL, OPT_EXPORT_DIR },
	{ "output", required_argument, NULL, 'o' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 }
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

struct run_opts {
	struct argv export_args;	/* options passed on to export */
	const char *start, *end, *last;
	const char *dir;
	const char *export_dir;	/* --export-dir, or dir */
	const char *from, *prev_from;
	int compare;
	unsigned top;
	const char *price;
	const char *waste;
	int quiet, verbose;
	const char *db;		/* --db: ingest the exports there */
	int token_stdin;	/* --token-file -: read once, for both */
	const char *teams;	/* --teams, or $CIRCLECI_USAGE_TEAMS */
	struct teams *tm;	/* that file, read */
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
	if (o->quiet)
		argv_add(&a, "--quiet");
	if (o->verbose)
		argv_add(&a, "--verbose");
	argv_add(&a, "-o");
	argv_add(&a, dir);
	return argv_call(cmd_export, &a);
}

/* hooks->ingest: `ingest [--db FILE] EXPORT [PREVIOUS]` */
static int
run_ingest(void *ctx, const char *export, const char *prev)
{
	const struct run_opts *o = ctx;
	struct argv a = { 0 };

	argv_add(&a, "ingest");
	if (strcmp(o->db, "-") != 0) {
		argv_add(&a, "--db");
		argv_add(&a, o->db);
	}
	argv_add(&a, export);
	if (prev != NULL)
		argv_add(&a, prev);
	return argv_call(cmd_ingest, &a);
}

/* hooks->page: `html --rightsize ... -o PATH EXPORT` */
static int
run_page(void *ctx, const char *path, const char *export, const char *prev)
{
	const struct run_opts *o = ctx;
	struct argv a = { 0 };

	argv_add(&a, "html");
	argv_add(&a, "--rightsize");
	argv_add(&a, "--credit-price");
	argv_add(&a, o->price);
	argv_add(&a, "--waste-statuses");
	argv_add(&a, o->waste);
	if (o->teams != NULL) {
		argv_add(&a, "--teams");
		argv_add(&a, o->teams);
	}
	if (prev != NULL) {
		argv_add(&a, "--previous");
		argv_add(&a, prev);
	}
	argv_add(&a, "-o");
	argv_add(&a, path);
	argv_add(&a, export);
	return argv_call(cmd_html, &a);
}

/* The closing lines: the files written, and where the exports are. */
static void
run_closing(const struct run_opts *o, const struct run_files *w)
{
	/* the directories as given, escaped: a name is outside text */
	char *dir = xescape(o->dir), *edir = xescape(o->export_dir);
	int here = strcmp(o->export_dir, o->dir) == 0;
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
	if (o->from == NULL && here)
		fprintf(stderr, "  %-26s %s\n", "export/",
		    "the export and its manifest");
	if (o->compare && o->prev_from == NULL && here)
		fprintf(stderr, "  %-26s %s\n", "previous/",
		    "the previous period's export");
	if (!here && o->from == NULL)
		fprintf(stderr, "The export%s in %s/ (not among the "
		    "artifacts).\n", o->compare && o->prev_from == NULL ?
		    "s are" : " is", edir);
	fprintf(stderr, "Open %s/index.html in a browser.\n", dir);
	free(dir);
	free(edir);
}

/* The options checked that need the clock, then the job. */
static int
run_start(const struct run_opts *o)
{
	const struct run_hooks hooks = { run_export, run_ingest, run_page,
	    (void *)o };
	struct run_config cfg;
	struct run_files w = { 0 };
	char **waste = NULL;
	size_t i, nwaste = 0;
	int ret;

	memset(&cfg, 0, sizeof(cfg));
	if (dec_parse(o->price, strlen(o->price), &cfg.price) < 0 ||
	    cfg.price < 0)
		return error("--credit-price '%s': expected a price in USD "
		    "such as 0.0006", o->price), EXIT_USAGE;
	if (o->from == NULL && range_resolve(o->start, o->end, o->last,
	    range_now_ms(), &cfg.start, &cfg.end) < 0)
		return EXIT_USAGE;
	/* a list html rejects: the page, made first, says so */
	if (cmdopt_list(&waste, &nwaste, o->waste) < 0) {
		for (i = 0; i < nwaste; i++)
			free(waste[i]);
		nwaste = 0;
	}
	cfg.dir = o->dir;
	cfg.export_dir = o->export_dir;
	cfg.from = o->from;
	cfg.prev_from = o->prev_from;
	cfg.compare = o->compare;
	cfg.top = o->top;
	cfg.price_text = o->price;
	cfg.waste = o->waste;
	cfg.waste_st = waste;
	cfg.nwaste = nwaste;
	cfg.teams = o->tm;
	cfg.ingest = o->db != NULL;
	cfg.quiet = o->quiet;
	cfg.token_stdin = o->token_stdin;
	ret = run_job(&cfg, &hooks, &w);
	if (!ret && !o->quiet)
		run_closing(o, &w);
	run_files_release(&w);
	for (i = 0; i < nwaste; i++)
		free(waste[i]);
	free(waste);
	return ret;
}

int
cmd_run(int argc, char **argv)
{
	struct run_opts o;
	unsigned long long n;
	int c, ret;

	memset(&o, 0, sizeof(o));
	o.dir = "usage-report";
	o.top = 10;
	o.price = "0.0006";
	o.waste = FAILURES_WASTE;
	optind = 0;
	while ((c = getopt_long(argc, argv, "o:h", run_options, NULL)) != -1) {
		const char *name = NULL;

		switch (c) {
		case OPT_ORG: name = "--org"; break;
		case OPT_SHARED: name = "--shared-org"; break;
		case OPT_API_URL: name = "--api-url"; break;
		case OPT_TOKEN_FILE: name = "--token-file"; break;
		case OPT_POLL: name = "--poll-interval"; break;
		case OPT_TIMEOUT: name = "--timeout"; break;
		case OPT_PARALLEL: name = "--parallel"; break;
		case OPT_MAX_PART: name = "--max-part-size"; break;
		case OPT_START: o.start = optarg; break;
		case OPT_END: o.end = optarg; break;
		case OPT_LAST: o.last = optarg; break;
		case OPT_FORCE: argv_add(&o.export_args, "--force"); break;
		case OPT_FROM: o.from = optarg; break;
		case OPT_COMPARE: o.compare = 1; break;
		case OPT_PREV_FROM: o.prev_from = optarg; o.compare = 1; break;
		case OPT_PRICE: o.price = optarg; break;
		case OPT_WASTE: o.waste = optarg; break;
		case OPT_QUIET: o.quiet = 1; break;
		case OPT_VERBOSE: o.verbose = 1; break;
		case OPT_TEAMS: o.teams = optarg; break;
		case OPT_DB: o.db = optarg; break;
		case OPT_EXPORT_DIR: o.export_dir = optarg; break;
		case 'o': o.dir = optarg; break;
		case OPT_TOP:
			if (parse_uint(optarg, 1000, &n) < 0 || n == 0) {
				argv_release(&o.export_args);
				return error("--top '%s': expected 1 to 1000",
				    optarg), EXIT_USAGE;
			}
			o.top = (unsigned)n;
			break;
		case 'h':
			fputs(run_usage, stdout);
			argv_release(&o.export_args);
			return EXIT_OK;
		default:
			argv_release(&o.export_args);
			fputs("Try 'circleci-usage run --help'.\n", stderr);
			return EXIT_USAGE;
		}
		if (c == OPT_TOKEN_FILE && strcmp(optarg, "-") == 0) {
			o.token_stdin = 1;
			name = NULL;
		}
		if (name != NULL) {
			argv_add(&o.export_args, name);
			argv_add(&o.export_args, optarg);
		}
	}
	if (optind < argc) {
		argv_release(&o.export_args);
		return error("run takes no arguments ('%s'); the artifacts "
		    "directory is -o DIR", argv[optind]), EXIT_USAGE;
	}
	if (o.from != NULL && (o.start || o.end || o.last)) {
		argv_release(&o.export_args);
		return error("--from DIR takes the range of that export; "
		    "--start, --end and --last do not apply"), EXIT_USAGE;
	}
	if (o.export_dir != NULL && o.from != NULL && (o.prev_from != NULL ||
	    !o.compare)) {
		argv_release(&o.export_args);
		return error("--export-dir: nothing is exported with --from "
		    "DIR%s", o.compare ? " and --previous-from DIR" : ""),
		    EXIT_USAGE;
	}
	if (o.export_dir == NULL || o.export_dir[0] == '\0')
		o.export_dir = o.dir;
	if (o.waste[0] == '\0') {
		argv_release(&o.export_args);
		return error("--waste-statuses: expected a list such as "
		    "failed,canceled"), EXIT_USAGE;
	}
	if (o.teams == NULL && getenv("CIRCLECI_USAGE_TEAMS") != NULL &&
	    getenv("CIRCLECI_USAGE_TEAMS")[0] != '\0')
		o.teams = getenv("CIRCLECI_USAGE_TEAMS");
	/* a bad teams file fails now, before anything is exported */
	if (o.teams != NULL && cmdopt_teams(o.teams, &o.tm) != 0) {
		argv_release(&o.export_args);
		return EXIT_USAGE;
	}
	progress_init(o.quiet);
	progress_begin("run", "starting");
	ret = run_start(&o);
	progress_end();
	teams_free(o.tm);
	argv_release(&o.export_args);
	return ret;
}
