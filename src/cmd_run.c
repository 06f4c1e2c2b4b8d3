/*
 * cmd_run.c: `circleci-usage run`, the weekly job in one command: export
 * a period (or take an existing export), then write every artifact a
 * person or a pipeline wants into one directory: the HTML page, the
 * reports per key as CSV and JSON, the charts, a markdown summary and
 * run.json.  With --compare, the previous period of the same length too.
 *
 * export, html and compare are called in-process with their own options;
 * the reports and charts come from one pass over the export rolled up per
 * key, through report's own writers, so they are what `report --by KEY`
 * writes, byte for byte.  Every file is made in a stage directory and
 * moved into place when all are made; run.json, written last, lists them.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "chart.h"
#include "cmd.h"
#include "cmdopt.h"
#include "dec.h"
#include "inputs.h"
#include "manifest.h"
#include "out.h"
#include "progress.h"
#include "range.h"
#include "report.h"
#include "rollup.h"
#include "sigclean.h"
#include "util.h"
#include "view.h"

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
"  -o DIR                  the artifacts directory (default usage-report)\n"
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
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 }
};

#define RUN_WASTE_DEFAULT "failed,canceled,timedout,infrastructure_fail"

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

struct run_opts {
	struct argv export_args;	/* options passed on to export */
	const char *start, *end, *last;
	const char *dir;
	const char *export_dir;	/* --export-dir, or dir */
	char *stage;		/* DIR/.run-PID: artifacts until all are made */
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

/* The files written, for run.json and the closing lines. */
struct written {
	char **names;
	const char **what;
	size_t n;
};

static void
written_add(struct written *w, const char *name, const char *what)
{
	w->names = xreallocarray(w->names, w->n + 1, sizeof(*w->names));
	w->what = xreallocarray(w->what, w->n + 1, sizeof(*w->what));
	w->names[w->n] = xstrdup(name);
	w->what[w->n++] = what;
}

static void
written_release(struct written *w)
{
	size_t i;

	for (i = 0; i < w->n; i++)
		free(w->names[i]);
	free(w->names);
	free(w->what);
}

/* Call a command with argv a; returns its exit code. */
static int
call(const struct cmd_entry *e, struct argv *a)
{
	int ret;

	ret = e->exec((int)a->n, a->v);
	optind = 0;
	return ret;
}

/*
 * The one pass over an export that every report, chart and sum of run
 * comes from, rolled up per key (rollup.h): as `report --by KEY` gives,
 * to the byte, without reading the export once per file.
 */
static const char *const run_sets[] = { "job,status", "resource_class",
    "project,day", "team" };	/* team: with --teams only, the last */

struct pass {
	struct report_opts o;
	struct report_result res;
	char *org_id;		/* the manifest's, or NULL */
};

static int
pass_read(struct pass *p, const char *export, const struct teams *teams)
{
	struct inputs in;
	int ret;

	memset(p, 0, sizeof(*p));
	report_opts_init(&p->o);
	if (report_parse_sets(&p->o, run_sets, sizeof(run_sets) /
	    sizeof(run_sets[0]) - (teams == NULL)) < 0)
		die(EXIT_FAILURE_OTHER, "run: bad grouping sets");
	p->o.teams = teams;
	p->o.want_orgs = 1;	/* for the charts' subtitles */
	inputs_init(&in);
	if (inputs_add(&in, export) < 0) {
		inputs_release(&in);
		return EXIT_BAD_INPUT;
	}
	ret = report_run(&p->o, &in, &p->res);
	if (in.org_id != NULL)
		p->org_id = xstrdup(in.org_id);
	inputs_release(&in);
	return ret;
}

static void
pass_release(struct pass *p)
{
	report_result_release(&p->res);
	report_opts_release(&p->o);
	free(p->org_id);
	memset(p, 0, sizeof(*p));
}

/* The roll-up of p by `by`; the caller releases both. */
static void
pass_rollup(const struct pass *p, const char *by, struct report_opts *ko,
    struct report_result *kr)
{
	if (rollup_build(ko, kr, &p->o, &p->res, by, NULL) < 0)
		die(EXIT_FAILURE_OTHER, "run: cannot roll up by %s", by);
}

enum emit_kind { EMIT_CSV, EMIT_JSON, EMIT_PNG, EMIT_SVG };

/*
 * DIR/NAME as `report --by BY --format KIND [--top TOP]` writes it: sorted
 * by total credits; a chart keeps the top groups (stacked by project for a
 * time key).
 */
static int
emit(const struct run_opts *o, const struct pass *p, const char *by,
    enum emit_kind kind, size_t top, dec_t price, const char *name,
    struct written *w, const char *what)
{
	struct report_opts ko;
	struct report_result kr;
	struct view v;
	struct out out;
	char *path = xasprintf("%s/%s", o->stage, name);
	int ret;

	pass_rollup(p, by, &ko, &kr);
	/* artifacts people open in spreadsheets: no formulas from names */
	ko.csv_safe = 1;
	if (kind == EMIT_PNG || kind == EMIT_SVG) {
		struct chart_opts co;
		char *org = report_org_label(&p->res, p->org_id);

		memset(&co, 0, sizeof(co));
		co.top = top;
		co.org = org;
		view_build(&v, &ko, &kr, VM_CREDITS + CR_TOTAL, -1,
		    chart_time_key(&ko) >= 0 ? 0 : top, price);
		ret = chart_write_file(&v, &co, kind == EMIT_SVG, CHART_WIDTH,
		    CHART_HEIGHT, path);
		free(org);
	} else {
		view_build(&v, &ko, &kr, VM_CREDITS + CR_TOTAL, -1, 0, price);
		ret = EXIT_FAILURE_OTHER;
		if (out_open(&out, path) == 0) {
			if (view_write(&v, out.f, kind == EMIT_CSV ? FMT_CSV :
			    FMT_JSON) < 0) {
				out_abort(&out);
				error("cannot write '%s'", path);
			} else if (out_commit(&out) == 0) {
				ret = 0;
			}
		}
	}
	view_release(&v);
	report_result_release(&kr);
	report_opts_release(&ko);
	free(path);
	if (ret == 0)
		written_add(w, name, what);
	return ret;
}

/*
 * Export [start, end] into EDIR/SUB (EDIR: --export-dir, else DIR).  The
 * range is always given explicitly, so export resumes an unfinished export
 * of that range; one of another range (last week's, when the weekly job
 * writes into the same DIR) is replaced, so that every artifact describes
 * the period just asked for.
 */
static int
do_export(const struct run_opts *o, const char *sub, int64_t start,
    int64_t end)
{
	struct argv a = { 0 };
	struct manifest m;
	char *path = xasprintf("%s/%s", o->export_dir, sub);
	char b1[RANGE_BUFSZ], b2[RANGE_BUFSZ];
	size_t i;
	int ret, loaded;

	argv_add(&a, "export");
	for (i = 0; i < o->export_args.n; i++)
		argv_add(&a, o->export_args.v[i]);
	range_format(start, b1);
	range_format(end, b2);
	argv_add(&a, "--start");
	argv_add(&a, b1);
	argv_add(&a, "--end");
	argv_add(&a, b2);
	manifest_init(&m);
	loaded = manifest_load(&m, path);
	if (loaded < 0) {
		manifest_release(&m);
		argv_release(&a);
		free(path);
		return EXIT_BAD_INPUT;
	}
	if (loaded == 1 && (m.start != start || m.requested_end != end)) {
		char c1[RANGE_BUFSZ], c2[RANGE_BUFSZ];

		range_format(m.start, c1);
		range_format(m.requested_end, c2);
		if (!o->quiet)
			notice("%s holds the export of %s to %s; replacing "
			    "it with %s to %s", path, c1, c2, b1, b2);
		argv_add(&a, "--force");
	}
	manifest_release(&m);
	if (o->quiet)
		argv_add(&a, "--quiet");
	if (o->verbose)
		argv_add(&a, "--verbose");
	argv_add(&a, "-o");
	argv_add(&a, path);
	ret = call(&cmd_export_entry, &a);
	argv_release(&a);
	free(path);
	return ret;
}

/* The sums of an export: totals, per project, and on failed runs. */
struct sums {
	struct report_result by_project;
	struct report_opts po;
	dec_t failed;		/* credits on runs in the waste set */
	int have;
};

static int
in_list(const char *list, const char *s, size_t len)
{
	const char *p = list;

	while (*p) {
		size_t k = strcspn(p, ",");

		if (k == len && strncasecmp(p, s, len) == 0)
			return 1;
		p += k;
		if (*p == ',')
			p++;
	}
	return 0;
}

/* The sums of p: per project, and the credits on failed runs. */
static void
sums_from(struct sums *s, const struct pass *p, const char *waste)
{
	struct report_opts so;
	struct report_result sr;
	size_t i;

	memset(s, 0, sizeof(*s));
	pass_rollup(p, "project", &s->po, &s->by_project);
	pass_rollup(p, "status", &so, &sr);
	for (i = 0; i < sr.groups.n; i++) {
		const struct agg_group *g = &sr.groups.groups[i];
		size_t len;
		const char *k = agg_key_part(g->key, g->keylen, 0, &len);

		if (in_list(waste, k, len))
			s->failed = dec_add_or_die(s->failed,
			    g->m.credits[CR_TOTAL], "credits on failed runs");
	}
	report_result_release(&sr);
	report_opts_release(&so);
	s->have = 1;
}

static void
sums_release(struct sums *s)
{
	if (s->have) {
		report_result_release(&s->by_project);
		report_opts_release(&s->po);
	}
}

/* The credits of project `key` in s, or -1 when it has none. */
static dec_t
sums_project(const struct sums *s, const char *key, size_t len)
{
	size_t i;

	for (i = 0; i < s->by_project.groups.n; i++) {
		const struct agg_group *g = &s->by_project.groups.groups[i];
		size_t k;
		const char *p = agg_key_part(g->key, g->keylen, 0, &k);

		if (k == len && memcmp(p, key, len) == 0)
			return g->m.credits[CR_TOTAL];
	}
	return -1;
}

static char *
fmt_dec(dec_t v, int places)
{
	char buf[DEC_BUFSZ + 16];

	if (places >= 0)
		dec_format_fixed(v, places, ',', buf);
	else
		dec_format(v, buf);
	return xstrdup(buf);
}

/*
 * change of cur against prev in percent, 2 places: 0, or -1 when there is
 * none (prev is 0, or the change or percentage passes 10^20, dec.h)
 */
static int
change_pct(dec_t prev, dec_t cur, dec_t *pct)
{
	dec_t d;

	if (prev == 0 || dec_sub(cur, prev, &d) < 0)
		return -1;
	return dec_percent(d, prev < 0 ? -prev : prev, pct);
}

static json_t *
json_dec(dec_t v)
{
	char buf[DEC_BUFSZ];

	dec_format(v, buf);
	return json_stringn(buf, strlen(buf));
}

static json_t *
totals_json(const struct sums *s, dec_t price)
{
	const struct metrics *m = &s->by_project.totals;
	dec_t cost = dec_cost_or_die(m->credits[CR_TOTAL], price);
	json_t *t = json_object();

	json_object_set_new(t, "total_credits",
	    json_dec(m->credits[CR_TOTAL]));
	json_object_set_new(t, "cost_usd", json_dec(cost));
	json_object_set_new(t, "jobs", json_integer((json_int_t)m->jobs));
	json_object_set_new(t, "run_seconds", json_dec(dec_round(
	    m->run_seconds, 0)));
	json_object_set_new(t, "failed_credits", json_dec(s->failed));
	json_object_set_new(t, "failed_credits_pct", json_dec(
	    dec_percent_or_die(s->failed, m->credits[CR_TOTAL],
	    "share of the credits on failed runs")));
	return t;
}

/* Escape a name for markdown: a table cell or a line of text. */
static void
md_name(FILE *f, const char *s, size_t len)
{
	size_t i;

	if (len == 0) {
		fputs("(none)", f);
		return;
	}
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c == 0x7f)
			fputc(' ', f);
		else if (c == '<')
			fputs("&lt;", f);
		else if (c == '>')
			fputs("&gt;", f);
		else if (c == '&')
			fputs("&amp;", f);
		else if (strchr("\\`*_[]|~", c))
			fprintf(f, "\\%c", c);
		else
			fputc(c, f);
	}
}

struct period {
	char start[RANGE_BUFSZ], end[RANGE_BUFSZ];
	char *org_id;
	int known;
};

static int
write_summary(const struct run_opts *o, const struct period *cur,
    const struct period *prev, const struct sums *c, const struct sums *p,
    dec_t price, struct written *w)
{
	struct out out;
	struct view v;
	char *path = xasprintf("%s/summary.md", o->stage), *a, *b;
	const struct metrics *m = &c->by_project.totals;
	dec_t cost = 0, pct;
	size_t i;
	FILE *f;
	int ret;

	if (out_open(&out, path) < 0) {
		free(path);
		return EXIT_FAILURE_OTHER;
	}
	f = out.f;
	cost = dec_cost_or_die(m->credits[CR_TOTAL], price);
	fprintf(f, "# CircleCI usage");
	if (cur->known)
		fprintf(f, ", %.10s to %.10s", cur->start, cur->end);
	fputs("\n\n", f);
	a = fmt_dec(m->credits[CR_TOTAL], 2);
	b = fmt_dec(cost, 2);
	{
		char *j = fmt_dec(dec_from_int((int64_t)m->jobs), 0);
		char *h = fmt_dec(dec_round(m->run_seconds / 3600, 1), 1);

		fprintf(f, "- **%s credits** ($%s) in %s jobs, %s hours of "
		    "run time\n", a, b, j, h);
		free(j);
		free(h);
	}
	free(a);
	free(b);
	if (m->credits[CR_TOTAL] != 0) {
		a = fmt_dec(c->failed, 2);
		b = fmt_dec(dec_percent_or_die(c->failed,
		    m->credits[CR_TOTAL], "share of the credits on failed "
		    "runs"), 2);
		fprintf(f, "- %s credits (%s%%) spent on failed runs (%s)\n",
		    a, b, o->waste);
		free(a);
		free(b);
	}
	if (p != NULL) {
		const struct metrics *pm = &p->by_project.totals;

		a = fmt_dec(pm->credits[CR_TOTAL], 2);
		fprintf(f, "- previous period (%.10s to %.10s): %s credits",
		    prev->start, prev->end, a);
		free(a);
		if (change_pct(pm->credits[CR_TOTAL], m->credits[CR_TOTAL],
		    &pct) == 0) {
			a = fmt_dec(pct, 2);
			fprintf(f, ", change %s%s%%", pct > 0 ? "+" : "", a);
			free(a);
		}
		fputc('\n', f);
	}
	view_build(&v, &c->po, &c->by_project, VM_CREDITS + CR_TOTAL, -1,
	    o->top, price);
	fprintf(f, "\n## Top projects\n\n| project | credits | share |%s\n"
	    "| --- | ---: | ---: |%s\n", p ? " previous | change |" : "",
	    p ? " ---: | ---: |" : "");
	for (i = 0; i < v.n; i++) {
		const struct view_row *r = &v.rows[i];

		fputs("| ", f);
		if (r->key == NULL) {
			fputs("(other)", f);
		} else {
			size_t len;
			const char *k = agg_key_part(r->key, r->keylen, 0,
			    &len);

			md_name(f, k, len);
		}
		a = fmt_dec(r->m.credits[CR_TOTAL], 2);
		b = fmt_dec(r->share, 2);
		fprintf(f, " | %s | %s%% |", a, b);
		free(a);
		free(b);
		if (p != NULL && r->key != NULL) {
			size_t len;
			const char *k = agg_key_part(r->key, r->keylen, 0,
			    &len);
			dec_t pv = sums_project(p, k, len);

			if (pv < 0) {
				fputs(" - | new |", f);
			} else {
				a = fmt_dec(pv, 2);
				fprintf(f, " %s |", a);
				free(a);
				if (change_pct(pv, r->m.credits[CR_TOTAL],
				    &pct) == 0) {
					a = fmt_dec(pct, 2);
					fprintf(f, " %s%s%% |", pct > 0 ?
					    "+" : "", a);
					free(a);
				} else {
					fputs(" |", f);
				}
			}
		} else if (p != NULL) {
			fputs(" | |", f);
		}
		fputc('\n', f);
	}
	view_release(&v);
	fputs("\nThe HTML page is `index.html`; the figures per key are in "
	    "`by-*.csv` and `by-*.json`.\n", f);
	ret = out_commit(&out);
	free(path);
	if (ret < 0)
		return EXIT_FAILURE_OTHER;
	written_add(w, "summary.md", "a markdown summary");
	return 0;
}

static json_t *
period_json(const struct period *pd)
{
	json_t *o = json_object();

	json_object_set_new(o, "start", pd->known ? json_string(pd->start) :
	    json_null());
	json_object_set_new(o, "end", pd->known ? json_string(pd->end) :
	    json_null());
	return o;
}

static int
write_run_json(const struct run_opts *o, const struct period *cur,
    const struct period *prev, const struct sums *c, const struct sums *p,
    dec_t price, const char *export, const char *prev_export,
    struct written *w)
{
	json_t *root = json_object(), *files = json_array(), *pj;
	struct out out;
	char *path = xasprintf("%s/run.json", o->stage), *text;
	dec_t pct;
	size_t i;
	int ret;

	json_object_set_new(root, "version", json_integer(1));
	json_object_set_new(root, "org_id", cur->org_id ?
	    json_string(cur->org_id) : json_null());
	json_object_set_new(root, "start", cur->known ?
	    json_string(cur->start) : json_null());
	json_object_set_new(root, "end", cur->known ? json_string(cur->end) :
	    json_null());
	json_object_set_new(root, "export", json_string(export));
	json_object_set_new(root, "credit_price", json_string(o->price));
	json_object_set_new(root, "waste_statuses", json_string(o->waste));
	json_object_set_new(root, "totals", totals_json(c, price));
	if (p != NULL) {
		pj = period_json(prev);
		json_object_set_new(pj, "dir", json_string(prev_export));
		json_object_set_new(pj, "totals", totals_json(p, price));
		json_object_set_new(root, "previous", pj);
		if (change_pct(p->by_project.totals.credits[CR_TOTAL],
		    c->by_project.totals.credits[CR_TOTAL], &pct) == 0)
			json_object_set_new(root, "change_pct", json_dec(pct));
		else
			json_object_set_new(root, "change_pct", json_null());
	} else {
		json_object_set_new(root, "previous", json_null());
	}
	for (i = 0; i < w->n; i++)
		json_array_append_new(files, json_string(w->names[i]));
	json_array_append_new(files, json_string("run.json"));
	json_object_set_new(root, "files", files);
	text = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(root);
	if (text == NULL)
		die(EXIT_FAILURE_OTHER, "out of memory");
	if (out_open(&out, path) < 0) {
		free(text);
		free(path);
		return EXIT_FAILURE_OTHER;
	}
	fputs(text, out.f);
	fputc('\n', out.f);
	free(text);
	ret = out_commit(&out);
	free(path);
	if (ret < 0)
		return EXIT_FAILURE_OTHER;
	written_add(w, "run.json", "the org, the range, the totals, the "
	    "files");
	return 0;
}

/*
 * The period of an export without a manifest: from its first job run's
 * day to its last one's, whole days; left unknown when no row has a date.
 */
static void
period_from_data(const struct pass *p, struct period *pd)
{
	if (pd->known || !p->res.have_dates)
		return;
	range_format((int64_t)p->res.first_date * MS_PER_DAY, pd->start);
	range_format((int64_t)p->res.last_date * MS_PER_DAY + MS_PER_DAY -
	    MS_PER_SEC, pd->end);
	pd->known = 1;
}

/*
 * How run.json names an export: "export" or "previous" when run exported
 * it into DIR (the directory can move), else its absolute path, so that
 * a reader finds it whatever its working directory.  The caller frees it.
 */
static char *
run_json_path(const struct run_opts *o, const char *path, const char *sub)
{
	char buf[PATH_MAX], cwd[PATH_MAX];

	if (sub != NULL && strcmp(o->export_dir, o->dir) == 0)
		return xstrdup(sub);
	if (realpath(path, buf) != NULL)
		return xstrdup(buf);
	if (path[0] == '/' || getcwd(cwd, sizeof(cwd)) == NULL)
		return xstrdup(path);
	return xasprintf("%s/%s", cwd, path);
}

/* The period of an export, from its manifest. */
static void
period_of(const char *export, struct period *pd)
{
	struct manifest m;
	int loaded;

	memset(pd, 0, sizeof(*pd));
	manifest_init(&m);
	/* a missing manifest is not an error here: any folder of parts is
	 * an export; manifest_load prints the errors of a bad one */
	loaded = manifest_load(&m, export);
	if (loaded == 1) {
		range_format(m.start, pd->start);
		range_format(m.end, pd->end);
		pd->org_id = xstrdup(m.org_id);
		pd->known = 1;
	}
	manifest_release(&m);
}

/* The period of the same length that ends just before cur starts. */
static int
period_before(const struct period *cur, struct period *prev)
{
	int64_t s, e, len;

	memset(prev, 0, sizeof(*prev));
	if (!cur->known || range_parse_bound(cur->start, 0, &s) < 0 ||
	    range_parse_bound(cur->end, 1, &e) < 0)
		return -1;
	/* inclusive bounds: [s, e] is e - s + 1 s long, to the second */
	len = (e - s) / 1000 * 1000 + 1000;
	range_format(s - len, prev->start);
	range_format(s - 1000, prev->end);
	prev->known = 1;
	return 0;
}

/*
 * Every artifact is made in the stage directory; only when all of them
 * are made do they replace the ones in DIR (one rename each), so a failed
 * run leaves the previous artifacts as they were.  One replacing a file
 * (or a symbolic link: the link is replaced, and the new file takes the
 * mode of the file it named) keeps that file's mode, owner and group.
 */
static int
stage_publish(const struct run_opts *o, const struct written *w)
{
	size_t i;
	int r = 0;

	/*
	 * First each artifact that replaces a file takes its mode, owner
	 * and group (nothing in DIR changes yet), then all are moved
	 */
	for (i = 0; i < w->n && r >= 0; i++) {
		char *from = xasprintf("%s/%s", o->stage, w->names[i]);
		char *to = xasprintf("%s/%s", o->dir, w->names[i]);
		int fd = open(from, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

		if (fd < 0) {
			r = error("cannot open '%s': %s", from,
			    strerror(errno));
		} else {
			r = out_inherit(fd, to);
			if (close(fd) < 0 && r >= 0)
				r = error("cannot close '%s': %s", from,
				    strerror(errno));
		}
		free(from);
		free(to);
	}
	if (r < 0)
		return EXIT_FAILURE_OTHER;
	sigclean_hold();	/* an interruption: all moved, or none */
	for (i = 0; i < w->n; i++) {
		char *from = xasprintf("%s/%s", o->stage, w->names[i]);
		char *to = xasprintf("%s/%s", o->dir, w->names[i]);

		r = rename(from, to);
		if (r < 0)
			error("cannot rename '%s' to '%s': %s", from, to,
			    strerror(errno));
		free(from);
		free(to);
		if (r < 0)
			break;
	}
	sigclean_release();
	return i < w->n ? EXIT_FAILURE_OTHER : 0;
}

/* Remove what is left in the stage (everything, after a failure). */
static void
stage_remove(struct run_opts *o, const struct written *w)
{
	size_t i;

	for (i = 0; i < w->n; i++) {
		char *p = xasprintf("%s/%s", o->stage, w->names[i]);

		unlink(p);
		free(p);
	}
	if (rmdir(o->stage) < 0 && errno != ENOENT)
		warning("cannot remove '%s': %s", o->stage, strerror(errno));
	sigclean_forget(o->stage);
	free(o->stage);
	o->stage = NULL;
}

/*
 * --token-file -: stdin can be read once, and run may export twice, so
 * the token is read here and handed to export through the environment
 * (never through argv).
 */
static int
token_from_stdin(void)
{
	char buf[4096];
	size_t len;

	if (fgets(buf, sizeof(buf), stdin) == NULL)
		return error("--token-file -: no token on the standard input");
	len = strcspn(buf, "\r\n");
	buf[len] = '\0';
	if (len == 0)
		return error("--token-file -: the token is empty");
	if (setenv("CIRCLECI_API_TOKEN", buf, 1) < 0)
		return error("cannot set the token: %s", strerror(errno));
	explicit_bzero(buf, sizeof(buf));
	return 0;
}

static int
run_exec(struct run_opts *o)
{
	struct written w = { 0 };
	struct period cur, prev;
	struct sums c, p;
	struct pass cp, pp;
	char *export = NULL, *prev_export = NULL, *exp_rel = NULL;
	char *prev_rel = NULL;
	int64_t rstart = 0, rend = 0;
	dec_t price = 0;
	struct stat st;
	int ret, have_prev = 0, made_dir;
	size_t i;

	memset(&cur, 0, sizeof(cur));
	memset(&prev, 0, sizeof(prev));
	memset(&c, 0, sizeof(c));
	memset(&p, 0, sizeof(p));
	memset(&cp, 0, sizeof(cp));
	memset(&pp, 0, sizeof(pp));
	if (dec_parse(o->price, strlen(o->price), &price) < 0 || price < 0)
		return error("--credit-price '%s': expected a price in USD "
		    "such as 0.0006", o->price), EXIT_USAGE;
	if (o->from == NULL && range_resolve(o->start, o->end, o->last,
	    range_now_ms(), &rstart, &rend) < 0)
		return EXIT_USAGE;
	made_dir = stat(o->dir, &st) < 0;
	if (mkdir_p(o->dir) < 0)
		return EXIT_FAILURE_OTHER;
	if (made_dir)
		sigclean_add_empty_dir(o->dir);	/* interrupted: as a failure */
	if (o->token_stdin && token_from_stdin() < 0) {
		if (made_dir)
			rmdir(o->dir);
		return EXIT_USAGE;
	}
	o->stage = xasprintf("%s/.run-%ld", o->dir, (long)getpid());
	/*
	 * 0700: an artifact that will replace a file kept from others is
	 * not theirs to read while it waits (its mode comes at publishing)
	 */
	if (sigclean_mkdir(o->stage, 0700) < 0) {	/* removed if interrupted */
		ret = error("cannot create directory '%s': %s", o->stage,
		    strerror(errno));
		free(o->stage);
		return EXIT_FAILURE_OTHER;
	}

	/* the data: exported, or given */
	if (o->from != NULL) {
		export = xstrdup(o->from);
		exp_rel = run_json_path(o, o->from, NULL);
	} else {
		progress_handover("exporting");	/* export shows its own */
		ret = do_export(o, "export", rstart, rend);
		if (ret)
			goto done;
		export = xasprintf("%s/export", o->export_dir);
		exp_rel = run_json_path(o, export, "export");
	}
	/*
	 * One pass over the export gives every report and chart; its data
	 * gives the period when there is no manifest to say it.  Job runs
	 * outside the manifest's range are left out of it (inputs.h).
	 */
	period_of(export, &cur);
	progress_state("reading the export");
	ret = pass_read(&cp, export, o->tm);
	if (ret)
		goto done;
	period_from_data(&cp, &cur);
	if (!cur.known) {
		ret = error("the period of '%s' is unknown: it has no "
		    "manifest.json and no job run with a date", export);
		ret = EXIT_BAD_INPUT;
		goto done;
	}
	if (o->prev_from != NULL) {
		prev_export = xstrdup(o->prev_from);
		prev_rel = run_json_path(o, o->prev_from, NULL);
		period_of(prev_export, &prev);
	} else if (o->compare) {
		int64_t ps, pe;

		if (period_before(&cur, &prev) < 0 ||
		    range_parse_bound(prev.start, 0, &ps) < 0 ||
		    range_parse_bound(prev.end, 1, &pe) < 0) {
			ret = error("--compare: the period of '%s' is "
			    "unknown; give the previous period with "
			    "--previous-from DIR", export);
			ret = EXIT_USAGE;
			goto done;
		}
		progress_handover("exporting the previous period");
		if (!o->quiet)
			notice("the previous period: %s to %s", prev.start,
			    prev.end);
		ret = do_export(o, "previous", ps, pe);
		if (ret)
			goto done;
		prev_export = xasprintf("%s/previous", o->export_dir);
		prev_rel = run_json_path(o, prev_export, "previous");
		/* the manifest's org, as for the current period */
		free(prev.org_id);
		period_of(prev_export, &prev);
	}
	have_prev = prev_export != NULL;
	if (have_prev) {
		ret = pass_read(&pp, prev_export, NULL);
		if (ret)
			goto done;
		period_from_data(&pp, &prev);
		if (!prev.known) {
			ret = error("the period of '%s' is unknown: it has no "
			    "manifest.json and no job run with a date",
			    prev_export);
			ret = EXIT_BAD_INPUT;
			goto done;
		}
	}

	/* history: what was read goes into the database first */
	if (o->db != NULL) {
		struct argv a = { 0 };

		argv_add(&a, "ingest");
		if (strcmp(o->db, "-") != 0) {
			argv_add(&a, "--db");
			argv_add(&a, o->db);
		}
		argv_add(&a, export);
		if (have_prev)
			argv_add(&a, prev_export);
		progress_state("ingesting into the history database");
		ret = call(&cmd_ingest_entry, &a);
		argv_release(&a);
		if (ret)
			goto done;
	}

	progress_state("writing the artifacts");
	/* the page */
	{
		struct argv a = { 0 };
		char *path = xasprintf("%s/index.html", o->stage);

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
		if (have_prev) {
			argv_add(&a, "--previous");
			argv_add(&a, prev_export);
		}
		argv_add(&a, "-o");
		argv_add(&a, path);
		argv_add(&a, export);
		ret = call(&cmd_html_entry, &a);
		argv_release(&a);
		free(path);
		if (ret)
			goto done;
		written_add(&w, "index.html", "the HTML page");
	}

	/* the reports per key and the charts, from the one pass */
	{
		static const char *const keys[] = { "project", "workflow",
		    "job", "resource_class", "status", "day", "team" };
		size_t nkeys = sizeof(keys) / sizeof(keys[0]) -
		    (o->teams == NULL);

		for (i = 0; i < nkeys && !ret; i++) {
			char *n1 = xasprintf("by-%s.csv", keys[i]);
			char *n2 = xasprintf("by-%s.json", keys[i]);

			ret = emit(o, &cp, keys[i], EMIT_CSV, 0, price, n1, &w,
			    "a report");
			if (!ret)
				ret = emit(o, &cp, keys[i], EMIT_JSON, 0, price,
				    n2, &w, "a report");
			free(n1);
			free(n2);
		}
	}
	if (!ret)
		ret = emit(o, &cp, "project", EMIT_PNG, o->top, price,
		    "credits-by-project.png", &w, "a chart");
	if (!ret)
		ret = emit(o, &cp, "project", EMIT_SVG, o->top, price,
		    "credits-by-project.svg", &w, "a chart");
	if (!ret)
		ret = emit(o, &cp, "project,day", EMIT_PNG, o->top > 8 ? 8 :
		    o->top, price, "credits-by-day.png", &w, "a chart");
	if (!ret)
		ret = emit(o, &cp, "project,day", EMIT_SVG, o->top > 8 ? 8 :
		    o->top, price, "credits-by-day.svg", &w, "a chart");
	if (ret)
		goto done;

	/* the cost of failing jobs */
	{
		struct argv a = { 0 };
		char *path = xasprintf("%s/failures.csv", o->stage);

		argv_add(&a, "failures");
		argv_add(&a, "--credit-price");
		argv_add(&a, o->price);
		argv_add(&a, "--waste-statuses");
		argv_add(&a, o->waste);
		argv_add(&a, "--csv-safe");
		argv_add(&a, "--format");
		argv_add(&a, "csv");
		argv_add(&a, "-o");
		argv_add(&a, path);
		argv_add(&a, export);
		ret = call(&cmd_failures_entry, &a);
		argv_release(&a);
		free(path);
		if (ret)
			goto done;
		written_add(&w, "failures.csv", "the cost of failing jobs");
	}

	/* rightsizing */
	{
		struct argv a = { 0 };
		char *path = xasprintf("%s/rightsize.csv", o->stage);

		argv_add(&a, "rightsize");
		if (o->quiet)
			argv_add(&a, "--quiet");
		argv_add(&a, "--csv-safe");
		argv_add(&a, "--format");
		argv_add(&a, "csv");
		argv_add(&a, "-o");
		argv_add(&a, path);
		argv_add(&a, export);
		ret = call(&cmd_rightsize_entry, &a);
		argv_release(&a);
		free(path);
		if (ret)
			goto done;
		written_add(&w, "rightsize.csv", "rightsizing advice");
	}

	/* the comparison */
	if (have_prev) {
		static const char *const fmts[] = { "csv", "json" };

		for (i = 0; i < 2; i++) {
			struct argv a = { 0 };
			char *name = xasprintf("compare-by-project.%s",
			    fmts[i]);
			char *path = xasprintf("%s/%s", o->stage, name);

			argv_add(&a, "compare");
			argv_add(&a, "--by");
			argv_add(&a, "project");
			argv_add(&a, "--csv-safe");
			argv_add(&a, "--format");
			argv_add(&a, fmts[i]);
			argv_add(&a, "-o");
			argv_add(&a, path);
			argv_add(&a, prev_export);
			argv_add(&a, export);
			ret = call(&cmd_compare_entry, &a);
			argv_release(&a);
			free(path);
			if (!ret)
				written_add(&w, name, "the comparison");
			free(name);
			if (ret)
				goto done;
		}
	}

	/* the summary and run.json, from the engine's exact sums */
	sums_from(&c, &cp, o->waste);
	if (have_prev)
		sums_from(&p, &pp, o->waste);
	if (!ret)
		ret = write_summary(o, &cur, &prev, &c, have_prev ? &p : NULL,
		    price, &w);
	if (!ret)
		ret = write_run_json(o, &cur, &prev, &c, have_prev ? &p : NULL,
		    price, exp_rel, prev_rel, &w);
	if (!ret)
		ret = stage_publish(o, &w);
	progress_handover(NULL);	/* the closing lines */
	if (!ret && !o->quiet) {
		/* the directories as given, escaped: a name is outside text */
		char *dir = xescape(o->dir), *edir = xescape(o->export_dir);

		fprintf(stderr, "%s: wrote %zu files into %s/:\n", PROGRAM_NAME,
		    w.n, dir);
		for (i = 0; i < w.n; i++) {
			if (strcmp(w.what[i], "a report") == 0) {
				if (strcmp(w.names[i], "by-project.csv") == 0)
					fprintf(stderr, "  %-26s %s\n",
					    "by-*.csv, by-*.json", "reports per "
					    "project, workflow, job, "
					    "resource_class, status, day");
				continue;
			}
			fprintf(stderr, "  %-26s %s\n", w.names[i], w.what[i]);
		}
		if (o->from == NULL && strcmp(o->export_dir, o->dir) == 0)
			fprintf(stderr, "  %-26s %s\n", "export/",
			    "the export and its manifest");
		if (have_prev && o->prev_from == NULL &&
		    strcmp(o->export_dir, o->dir) == 0)
			fprintf(stderr, "  %-26s %s\n", "previous/",
			    "the previous period's export");
		if (strcmp(o->export_dir, o->dir) != 0 && o->from == NULL)
			fprintf(stderr, "The export%s in %s/ (not among the "
			    "artifacts).\n", have_prev && o->prev_from == NULL ?
			    "s are" : " is", edir);
		fprintf(stderr, "Open %s/index.html in a browser.\n", dir);
		free(dir);
		free(edir);
	}
done:
	stage_remove(o, &w);
	/* a failure leaves no empty DIR of ours (an export to resume stays) */
	if (ret && made_dir)
		rmdir(o->dir);
	sums_release(&c);
	sums_release(&p);
	pass_release(&cp);
	pass_release(&pp);
	written_release(&w);
	free(cur.org_id);
	free(prev.org_id);
	free(export);
	free(exp_rel);
	free(prev_export);
	free(prev_rel);
	return ret;
}

static int
cmd_run(int argc, char **argv)
{
	struct run_opts o;
	unsigned long long n;
	int c, ret;

	memset(&o, 0, sizeof(o));
	o.dir = "usage-report";
	o.top = 10;
	o.price = "0.0006";
	o.waste = RUN_WASTE_DEFAULT;
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
	ret = run_exec(&o);
	progress_end();
	teams_free(o.tm);
	argv_release(&o.export_args);
	return ret;
}

const struct cmd_entry cmd_run_entry = {
	.name = "run",
	.summary = "export, then write the page, reports, charts and summary",
	.exec = cmd_run,
};
