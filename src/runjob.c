/*
 * runjob.c: the weekly run workflow (runjob.h), one function per step:
 * the directories, the exports, one pass each, the artifacts made in a
 * stage directory, then all moved into place.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "anomaly.h"
#include "budgetcalc.h"
#include "chart.h"
#include "compare.h"
#include "date.h"
#include "db.h"
#include "failures.h"
#include "focus.h"
#include "inputs.h"
#include "manifest.h"
#include "mjudge.h"
#include "mreport.h"
#include "mset.h"
#include "out.h"
#include "page.h"
#include "progress.h"
#include "range.h"
#include "rates.h"
#include "report.h"
#include "rightsize.h"
#include "rollup.h"
#include "runjob.h"
#include "sigclean.h"
#include "util.h"
#include "view.h"

/*
 * The one pass over an export that every artifact comes from, grouped by
 * the page's sets (page_sets()) and rolled up per key (rollup.h): each
 * report as `report --by KEY` gives it, to the byte.  The current
 * period's pass also keeps what failures.csv (the retry cost) and
 * rightsize.csv (the utilization) need, and with --focus hands every
 * job run to focus.csv's writer.
 */
struct pass {
	struct report_opts o;
	struct report_result res;
	struct inputs in;
	char *org_id;		/* the manifest's, or NULL */
	struct chart_opts span;	/* the time it covers (chart_set_span) */
};

/* The sums of an export: totals, per project, and on failed runs. */
struct sums {
	struct report_result by_project;
	struct report_opts po;
	dec_t failed;		/* credits on runs in the waste set */
	int have;
};

struct period {
	char start[RANGE_BUFSZ], end[RANGE_BUFSZ];
	char *org_id;
	int known;
};

/* One period: the current one, or the previous one. */
struct side {
	char *export;		/* its export directory */
	char *rel;		/* as run.json names it */
	struct period pd;
	struct pass pass;
	struct sums sums;
};

struct job {
	const struct run_config *cfg;
	const struct run_hooks *hooks;
	char *stage;		/* DIR/.run-PID: artifacts until all are made */
	int made_dir;		/* DIR was made by this run */
	struct side cur, prev;
	int have_prev;
	struct run_files w;	/* the files made, in order */

	/* budgets and anomalies, for their files, the page and the summary */
	/* the login names beside the exports, for the page (page.h) */
	struct users users;
	int want_users;		/* the passes have the user set */
	/* rightsize.csv's rows, for the page's section too (they point
	 * into the rates) */
	struct rightsize rs;
	struct rates rates;
	int have_rs;
	/* with --focus: focus.csv, written during the current pass */
	struct out fout;
	struct focus_writer *fw;
	int fopen;

	int32_t at;		/* the day after the period's last day */
	struct budget_calc bc;	/* with cfg->budgets: evaluated */
	struct report_result bres;	/* what they read (its meta) */
	int have_bc, have_bres;
	struct anomaly_run ar;	/* with cfg->db: what was looked at */
	struct anomaly_list al;	/* and found */
	int have_al;
};

static void
job_wrote(struct job *j, const char *name, const char *what)
{
	struct run_files *w = &j->w;

	w->v = xreallocarray(w->v, w->n + 1, sizeof(*w->v));
	w->v[w->n].name = xstrdup(name);
	w->v[w->n++].what = what;
}

void
run_files_release(struct run_files *w)
{
	size_t i;

	for (i = 0; i < w->n; i++)
		free(w->v[i].name);
	free(w->v);
	memset(w, 0, sizeof(*w));
}

static int job_focus_open(struct job *j, struct report_opts *o,
    const char *org_id);

/*
 * The pass's grouping sets: the page's, then those the budgets need that
 * none of them has (without --db, which the budgets read instead), as
 * many as fit.  Returns how many, in sets (the budgets' in own[], freed
 * by the caller: *nown of them).
 */
static size_t
pass_sets(const struct job *j, const char **sets, char **own, size_t *nown)
{
	const struct run_config *cfg = j->cfg;
	char *lists[REPORT_MAX_SETS];
	struct report_opts o;
	size_t n, k, nl;

	n = page_sets(sets, j->want_users, cfg->teams != NULL);
	*nown = 0;
	if (cfg->budgets == NULL || cfg->db != NULL)
		return n;
	nl = budget_set_lists(cfg->budgets, lists);
	for (k = 0; k < nl; k++) {
		report_opts_init(&o);
		if (n < REPORT_MAX_SETS && report_parse_sets(&o, sets, n) ==
		    0 && !rollup_can(&o, lists[k])) {
			sets[n++] = lists[k];
			own[(*nown)++] = lists[k];
		} else {
			free(lists[k]);
		}
		report_opts_release(&o);
	}
	return n;
}

/*
 * The pass over `export`: the current period's (cur) with what
 * failures.csv, rightsize.csv and focus.csv need too.
 */
static int
pass_read(struct job *j, struct pass *p, const char *export, int cur)
{
	const struct run_config *cfg = j->cfg;
	const char *sets[REPORT_MAX_SETS];
	char *own[REPORT_MAX_SETS];
	size_t n, nown;
	int ret;

	memset(p, 0, sizeof(*p));
	report_opts_init(&p->o);
	inputs_init(&p->in);
	if (inputs_add(&p->in, export) < 0)
		return EXIT_BAD_INPUT;
	/* the page's users: those beside both periods, in that order */
	users_load_dirs(&j->users, &p->in);
	if (cur)
		j->want_users = j->users.n > 0;
	n = pass_sets(j, sets, own, &nown);
	ret = report_parse_sets(&p->o, sets, n);
	while (nown > 0)
		free(own[--nown]);
	if (ret < 0)
		return error("run: bad grouping sets"), EXIT_FAILURE_OTHER;
	p->o.teams = cfg->teams;
	p->o.want_orgs = 1;	/* for the charts' subtitles */
	if (cur) {
		if (cfg->nwaste == 0) {
			error("--waste-statuses: expected a comma-separated "
			    "list of statuses");
			return EXIT_USAGE;
		}
		/* rightsize.csv's histograms, failures.csv's retry cost */
		if (rightsize_enable(&p->o) < 0)
			return EXIT_FAILURE_OTHER;
		failures_want_retry(&p->o, cfg->waste_st, cfg->nwaste);
		if (cfg->focus &&
		    (ret = job_focus_open(j, &p->o, p->in.org_id)) != 0)
			return ret;
	}
	ret = report_run(&p->o, &p->in, &p->res);
	if (ret == 0)
		chart_set_span(&p->span, &p->in, &p->o, &p->res);
	if (p->in.org_id != NULL)
		p->org_id = xstrdup(p->in.org_id);
	return ret;
}

static void
pass_release(struct pass *p)
{
	report_result_release(&p->res);
	report_opts_release(&p->o);
	inputs_release(&p->in);
	free(p->org_id);
	memset(p, 0, sizeof(*p));
}

/* The roll-up of p by `by`; the caller releases both, even on -1. */
static int
pass_rollup(const struct pass *p, const char *by, struct report_opts *ko,
    struct report_result *kr)
{
	if (rollup_build(ko, kr, &p->o, &p->res, by, NULL) < 0)
		return error("run: cannot roll up by %s", by);
	return 0;
}

/* The sums of p: per project, and the credits on failed runs. */
static int
sums_from(struct sums *s, const struct pass *p, const struct run_config *cfg)
{
	struct report_opts so;
	struct report_result sr;
	size_t i;
	int ret;

	memset(s, 0, sizeof(*s));
	s->have = 1;
	if (pass_rollup(p, "project", &s->po, &s->by_project) < 0)
		return -1;
	ret = pass_rollup(p, "status", &so, &sr);
	for (i = 0; ret == 0 && i < sr.groups.n; i++) {
		const struct agg_group *g = &sr.groups.groups[i];
		size_t len;
		const char *k = agg_key_part(g->key, g->keylen, 0, &len);

		if (failures_is_waste(cfg->waste_st, cfg->nwaste, k, len))
			s->failed = dec_add_or_die(s->failed,
			    g->m.credits[CR_TOTAL], "credits on failed runs");
	}
	report_result_release(&sr);
	report_opts_release(&so);
	return ret;
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

static void
side_release(struct side *s)
{
	sums_release(&s->sums);
	pass_release(&s->pass);
	free(s->pd.org_id);
	free(s->export);
	free(s->rel);
	memset(s, 0, sizeof(*s));
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
 * How run.json names an export: "export" or "previous" when run exported
 * it into DIR (the directory can move), else its absolute path, so that
 * a reader finds it whatever its working directory.  The caller frees it.
 */
static char *
job_rel_path(const struct job *j, const char *path, const char *sub)
{
	char buf[PATH_MAX], cwd[PATH_MAX];

	if (sub != NULL && strcmp(j->cfg->export_dir, j->cfg->dir) == 0)
		return xstrdup(sub);
	if (realpath(path, buf) != NULL)
		return xstrdup(buf);
	if (path[0] == '/' || getcwd(cwd, sizeof(cwd)) == NULL)
		return xstrdup(path);
	return xasprintf("%s/%s", cwd, path);
}

/*
 * --token-file -: stdin can be read once, and run may export twice, so
 * the token is read here and handed to export through the environment
 * (never through argv).
 */
static int
job_token(void)
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

/* DIR, the token, and the stage directory. */
static int
job_open(struct job *j)
{
	const struct run_config *cfg = j->cfg;
	struct stat st;
	char *stage;

	j->made_dir = stat(cfg->dir, &st) < 0;
	if (mkdir_p(cfg->dir) < 0)
		return EXIT_FAILURE_OTHER;
	if (j->made_dir)
		sigclean_add_empty_dir(cfg->dir); /* interrupted: a failure */
	if (cfg->token_stdin && job_token() < 0)
		return EXIT_USAGE;
	stage = xasprintf("%s/.run-%ld", cfg->dir, (long)getpid());
	/*
	 * 0700: an artifact that will replace a file kept from others is
	 * not theirs to read while it waits (its mode comes at publishing)
	 */
	if (sigclean_mkdir(stage, 0700) < 0) {	/* removed if interrupted */
		error("cannot create directory '%s': %s", stage,
		    strerror(errno));
		free(stage);
		return EXIT_FAILURE_OTHER;
	}
	j->stage = stage;
	return 0;
}

/*
 * Export [start, end] into EDIR/SUB (EDIR: --export-dir, else DIR).  The
 * range is always given explicitly, so export resumes an unfinished export
 * of that range; one of another range (last week's, when the weekly job
 * writes into the same DIR) is replaced, so that every artifact describes
 * the period just asked for.  Sets *path to EDIR/SUB.
 */
static int
job_export(struct job *j, const char *sub, int64_t start, int64_t end,
    char **path)
{
	struct manifest m;
	char c1[RANGE_BUFSZ], c2[RANGE_BUFSZ], b1[RANGE_BUFSZ];
	char b2[RANGE_BUFSZ];
	int loaded, force = 0;

	*path = xasprintf("%s/%s", j->cfg->export_dir, sub);
	manifest_init(&m);
	loaded = manifest_load(&m, *path);
	if (loaded == 1 && (m.start != start || m.requested_end != end)) {
		range_format(m.start, c1);
		range_format(m.requested_end, c2);
		range_format(start, b1);
		range_format(end, b2);
		if (!j->cfg->quiet)
			notice("%s holds the export of %s to %s; replacing "
			    "it with %s to %s", *path, c1, c2, b1, b2);
		force = 1;
	}
	manifest_release(&m);
	if (loaded < 0)
		return EXIT_BAD_INPUT;
	return j->hooks->export(j->hooks->ctx, *path, start, end, force);
}

/* One pass over s's export; its period from the data when unknown. */
static int
job_pass(struct job *j, struct side *s)
{
	int ret = pass_read(j, &s->pass, s->export, s == &j->cur);

	if (ret)
		return ret;
	period_from_data(&s->pass, &s->pd);
	if (!s->pd.known) {
		error("the period of '%s' is unknown: it has no manifest.json "
		    "and no job run with a date", s->export);
		return EXIT_BAD_INPUT;
	}
	return 0;
}

/*
 * The data: exported, or given.  One pass over the export gives every
 * report and chart; its data gives the period when there is no manifest
 * to say it.  Job runs outside the manifest's range are left out of it
 * (inputs.h).
 */
static int
job_current(struct job *j)
{
	const struct run_config *cfg = j->cfg;
	struct side *s = &j->cur;
	int ret;

	if (cfg->from != NULL) {
		s->export = xstrdup(cfg->from);
		s->rel = job_rel_path(j, cfg->from, NULL);
	} else {
		progress_handover("exporting");	/* export shows its own */
		ret = job_export(j, "export", cfg->start, cfg->end,
		    &s->export);
		if (ret)
			return ret;
		s->rel = job_rel_path(j, s->export, "export");
	}
	period_of(s->export, &s->pd);
	progress_state("reading the export");
	return job_pass(j, s);
}

/* The previous period: given (--previous-from), or exported. */
static int
job_previous(struct job *j)
{
	const struct run_config *cfg = j->cfg;
	struct side *s = &j->prev;
	int64_t ps, pe;
	int ret;

	if (cfg->prev_from != NULL) {
		s->export = xstrdup(cfg->prev_from);
		s->rel = job_rel_path(j, cfg->prev_from, NULL);
		period_of(s->export, &s->pd);
	} else if (cfg->compare) {
		if (period_before(&j->cur.pd, &s->pd) < 0 ||
		    range_parse_bound(s->pd.start, 0, &ps) < 0 ||
		    range_parse_bound(s->pd.end, 1, &pe) < 0) {
			error("--compare: the period of '%s' is unknown; give "
			    "the previous period with --previous-from DIR",
			    j->cur.export);
			return EXIT_USAGE;
		}
		progress_handover("exporting the previous period");
		if (!cfg->quiet)
			notice("the previous period: %s to %s", s->pd.start,
			    s->pd.end);
		ret = job_export(j, "previous", ps, pe, &s->export);
		if (ret)
			return ret;
		s->rel = job_rel_path(j, s->export, "previous");
		/* the manifest's org, as for the current period */
		period_of(s->export, &s->pd);
	} else {
		return 0;
	}
	j->have_prev = 1;
	return job_pass(j, s);
}

/* history: what was read goes into the database first */
static int
job_ingest(struct job *j)
{
	if (!j->cfg->ingest)
		return 0;
	progress_state("ingesting into the history database");
	return j->hooks->ingest(j->hooks->ctx, j->cur.export,
	    j->have_prev ? j->prev.export : NULL);
}

/*
 * The page, once every other artifact but the two job_finish() writes is
 * made: it links to them all (run.json and summary.md too, written after
 * it but published with it, or none is).
 */
static int
job_page(struct job *j)
{
	char *path = xasprintf("%s/index.html", j->stage);
	struct run_files links = j->w;
	struct run_page pg;
	int ret;

	links.v = xreallocarray(NULL, j->w.n + 2, sizeof(*links.v));
	memcpy(links.v, j->w.v, j->w.n * sizeof(*links.v));
	links.v[links.n].name = xstrdup("summary.md");
	links.v[links.n++].what = "the summary";
	links.v[links.n].name = xstrdup("run.json");
	links.v[links.n++].what = "the record of this run";
	memset(&pg, 0, sizeof(pg));
	pg.path = path;
	pg.export = j->cur.export;
	pg.prev = j->have_prev ? j->prev.export : NULL;
	pg.files = &links;
	pg.budgets = j->have_bc ? &j->bc : NULL;
	if (j->have_al) {
		pg.arun = &j->ar;
		pg.anomalies = &j->al;
	}
	/*
	 * The passes, taken by the page, unless the users beside the
	 * previous period (exported after the current pass) change the sets
	 * the page groups by: then it reads them again.
	 */
	pg.users = &j->users;
	if ((j->users.n > 0) == j->want_users) {
		pg.rs = j->have_rs ? &j->rs : NULL;
		pg.o = &j->cur.pass.o;
		pg.res = &j->cur.pass.res;
		if (j->have_prev) {
			pg.po = &j->prev.pass.o;
			pg.pres = &j->prev.pass.res;
		}
	}
	ret = j->hooks->page(j->hooks->ctx, &pg);
	free(links.v[j->w.n].name);
	free(links.v[j->w.n + 1].name);
	free(links.v);
	free(path);
	if (!ret)
		job_wrote(j, "index.html", "the HTML page");
	return ret;
}

/* Writes obj into f (in fmt, where it has formats); 0, or -1. */
typedef int job_writer(FILE *f, const void *obj, enum view_format fmt);

/*
 * STAGE/NAME, all or nothing, by `fn`; on success it is among the files
 * written, as `what`.  A write error is "cannot write 'PATH': REASON".
 */
static int
job_write(struct job *j, const char *name, const char *what,
    job_writer *fn, const void *obj, enum view_format fmt)
{
	char *path = xasprintf("%s/%s", j->stage, name);
	struct out out;
	int ret = EXIT_FAILURE_OTHER;

	/* a write error names the file and errno's reason (out_close) */
	if (out_open(&out, path) == 0 &&
	    out_close(&out, fn(out.f, obj, fmt) < 0) == 0) {
		job_wrote(j, name, what);
		ret = 0;
	}
	free(path);
	return ret;
}

static int
job_view_writer(FILE *f, const void *v, enum view_format fmt)
{
	return view_write(v, f, fmt);
}

enum emit_kind { EMIT_CSV, EMIT_JSON, EMIT_PNG, EMIT_SVG };

/*
 * STAGE/NAME as `report --by BY --format KIND [--top TOP]` writes it:
 * sorted by total credits; a chart keeps the top groups (stacked by
 * project for a time key).
 */
static int
job_emit(struct job *j, const char *by, enum emit_kind kind, size_t top,
    const char *name, const char *what)
{
	const struct pass *p = &j->cur.pass;
	dec_t price = j->cfg->price;
	struct report_opts ko;
	struct report_result kr;
	struct view v;
	int ret;

	if (pass_rollup(p, by, &ko, &kr) < 0) {
		ret = EXIT_FAILURE_OTHER;
		goto out;
	}
	/* artifacts people open in spreadsheets: no formulas from names */
	ko.csv_safe = 1;
	if (kind == EMIT_PNG || kind == EMIT_SVG) {
		struct chart_opts co;
		char *org = report_org_label(&p->res, p->org_id);
		char *path = xasprintf("%s/%s", j->stage, name);

		co = p->span;
		co.top = top;
		co.org = org;
		view_build(&v, &ko, &kr, VM_CREDITS + CR_TOTAL, -1,
		    chart_time_key(&ko) >= 0 ? 0 : top, price);
		ret = chart_write_file(&v, &co, kind == EMIT_SVG, CHART_WIDTH,
		    CHART_HEIGHT, path);
		if (ret == 0)
			job_wrote(j, name, what);
		free(path);
		free(org);
	} else {
		view_build(&v, &ko, &kr, VM_CREDITS + CR_TOTAL, -1, 0, price);
		ret = job_write(j, name, what, job_view_writer, &v,
		    kind == EMIT_CSV ? FMT_CSV : FMT_JSON);
	}
	view_release(&v);
out:
	report_result_release(&kr);
	report_opts_release(&ko);
	return ret;
}

/* The reports per key and the charts, from the one pass. */
static int
job_reports(struct job *j)
{
	static const char *const keys[] = { "project", "workflow", "job",
	    "resource_class", "status", "day", "team" };
	/* credits per day: the top 8 projects stacked at most */
	static const struct {
		const char *by, *name;
		enum emit_kind kind;
		int by_day;
	} charts[] = {
		{ "project", "credits-by-project.png", EMIT_PNG, 0 },
		{ "project", "credits-by-project.svg", EMIT_SVG, 0 },
		{ "project,day", "credits-by-day.png", EMIT_PNG, 1 },
		{ "project,day", "credits-by-day.svg", EMIT_SVG, 1 },
	};
	size_t i, nkeys = sizeof(keys) / sizeof(keys[0]) -
	    (j->cfg->teams == NULL);
	size_t top = j->cfg->top, daytop = top > 8 ? 8 : top;
	int ret = 0;

	progress_state("writing the artifacts");
	for (i = 0; i < nkeys && !ret; i++) {
		char *n1 = xasprintf("by-%s.csv", keys[i]);
		char *n2 = xasprintf("by-%s.json", keys[i]);

		ret = job_emit(j, keys[i], EMIT_CSV, 0, n1, "a report");
		if (!ret)
			ret = job_emit(j, keys[i], EMIT_JSON, 0, n2,
			    "a report");
		free(n1);
		free(n2);
	}
	for (i = 0; i < sizeof(charts) / sizeof(charts[0]) && !ret; i++)
		ret = job_emit(j, charts[i].by, charts[i].kind, charts[i].by_day ?
		    daytop : top, charts[i].name, "a chart");
	return ret;
}

/*
 * failures.csv (the cost of failing jobs) or rightsize.csv (rightsizing
 * advice with its defaults), as `failures` or `rightsize` writes it with
 * --csv-safe --format csv: from the current period's pass.
 */
static int
job_analysis(struct job *j, int rightsize)
{
	const struct run_config *cfg = j->cfg;
	const struct pass *p = &j->cur.pass;
	const char *name = rightsize ? "rightsize.csv" : "failures.csv";
	struct rightsize_opts ro;
	struct grid_out dst = { NULL, FMT_CSV, 0, 1 };
	char *path = NULL;
	int ret = EXIT_FAILURE_OTHER;

	if (rightsize) {
		if (rates_load_default(&j->rates) < 0)
			goto out;
		rightsize_opts_init(&ro, &j->rates);
		ro.price = cfg->price;
	}
	if (rightsize) {
		if (rightsize_build(&j->rs, &p->o, &p->res, &ro) < 0)
			goto out;
		j->have_rs = 1;
	}
	dst.path = path = xasprintf("%s/%s", j->stage, name);
	if ((rightsize ? rightsize_write_built(&j->rs, &p->res, &ro, NULL,
	    cfg->quiet, &dst) : failures_write(&p->o, &p->res, FAILURES_BY,
	    cfg->waste_st, cfg->nwaste, cfg->price, &dst)) < 0) {
		ret = EXIT_FAILURE_OTHER;
		goto out;
	}
	job_wrote(j, name, rightsize ? "rightsizing advice" :
	    "the cost of failing jobs");
	ret = 0;
out:
	free(path);
	return ret;
}

/*
 * focus.csv with --focus: the export as a FOCUS dataset, as `focus`
 * writes it (the job grain, the run's price and teams), streamed from
 * the current period's pass (whose rows then come in input order, one
 * parsing thread: focus_report_rows()).  Opened before the pass.
 */
static int
job_focus_open(struct job *j, struct report_opts *o, const char *org_id)
{
	const struct run_config *cfg = j->cfg;
	struct focus_opts fo;
	char *path = xasprintf("%s/focus.csv", j->stage);
	int ret = out_open(&j->fout, path);

	free(path);
	if (ret < 0)
		return EXIT_FAILURE_OTHER;
	j->fopen = 1;
	memset(&fo, 0, sizeof(fo));
	fo.grain = FOCUS_GRAIN_JOB;
	fo.price = cfg->price;
	fo.price_text = cfg->price_text;
	fo.teams = cfg->teams;
	fo.org_id = org_id;
	j->fw = focus_writer_new(j->fout.f, &fo);
	focus_writer_header(j->fw);
	focus_report_rows(o, j->fw);
	return 0;
}

/* A focus.csv not finished: gone. */
static void
job_focus_abort(struct job *j)
{
	if (!j->fopen)
		return;
	out_abort(&j->fout);
	focus_writer_free(j->fw);
	j->fw = NULL;
	j->fopen = 0;
}

/* focus.csv, its rows written by the pass: finished. */
static int
job_focus(struct job *j)
{
	int ret;

	if (!j->fopen)
		return 0;
	ret = focus_writer_finish(j->fw);
	if (ret != 0) {
		job_focus_abort(j);
		return ret;
	}
	focus_writer_free(j->fw);
	j->fw = NULL;
	j->fopen = 0;
	if (out_close(&j->fout, ferror(j->fout.f)) < 0)
		return EXIT_FAILURE_OTHER;
	job_wrote(j, "focus.csv", "the usage as a FOCUS 1.2 dataset");
	return 0;
}

static int
job_mset_writer(FILE *f, const void *m, enum view_format fmt)
{
	(void)fmt;
	return mset_write(m, f);
}

/*
 * usage.prom: the period's metrics by project, as `report --format
 * openmetrics` writes them (every project, the failing jobs of the
 * waste set), for node_exporter's textfile collector or a push; with
 * --budgets and --db, the budgets and anomalies as job_budgets and
 * job_anomalies found them (mjudge.h), so it comes after them.
 */
static int
job_metrics(struct job *j)
{
	const struct pass *p = &j->cur.pass;
	struct report_opts ko, so;
	struct report_result kr, sr;
	struct mreport_info info;
	struct view v;
	struct mset m;
	char *org = NULL;
	int ret = EXIT_FAILURE_OTHER;

	/* the second roll-up's are released even when it is not made */
	report_opts_init(&so);
	memset(&sr, 0, sizeof(sr));
	if (pass_rollup(p, "project", &ko, &kr) < 0 ||
	    pass_rollup(p, "project,status", &so, &sr) < 0)
		goto out;
	view_build(&v, &ko, &kr, VM_CREDITS + CR_TOTAL, -1, 0,
	    j->cfg->price);
	memset(&info, 0, sizeof(info));
	info.org = org = report_org_label(&p->res, p->org_id);
	info.org_id = p->org_id;
	mreport_span(&info, p->span.have_span, p->span.span_start,
	    p->span.span_end);
	mset_init(&m);
	mreport_collect(&m, &v, &so, &sr.groups, j->cfg->waste_st,
	    j->cfg->nwaste, &info);
	if (j->have_bc)
		mjudge_budgets(&m, &j->bc);
	if (j->have_al)
		mjudge_anomalies(&m, &j->al);
	ret = job_write(j, "usage.prom", "the metrics (OpenMetrics)",
	    job_mset_writer, &m, FMT_CSV);
	mset_release(&m);
	view_release(&v);
out:
	free(org);
	report_result_release(&sr);
	report_opts_release(&so);
	report_result_release(&kr);
	report_opts_release(&ko);
	return ret;
}

static int
job_failures(struct job *j)
{
	return job_analysis(j, 0);
}

static int
job_rightsize(struct job *j)
{
	return job_analysis(j, 1);
}

/*
 * The day budgets and anomalies are judged at (runjob.h): the day after
 * the period's last day, the day that holds its end.
 */
static int
job_at(struct job *j)
{
	int64_t e;

	if (range_parse_bound(j->cur.pd.end, 1, &e) < 0) {
		error("the end of the period '%s' does not parse", j->cur.pd.end);
		return EXIT_FAILURE_OTHER;
	}
	j->at = (int32_t)(e / MS_PER_DAY) + 1;
	return 0;
}

/* STAGE/NAME: the budgets' rows, as `budget --csv-safe` writes them. */
static int
job_budgets_file(struct job *j, const char *name, enum view_format fmt)
{
	struct grid_out dst = { NULL, FMT_CSV, 0, 1 };
	char *path = xasprintf("%s/%s", j->stage, name);
	int ret = EXIT_FAILURE_OTHER;

	dst.path = path;
	dst.fmt = fmt;
	if (budget_calc_write(&j->bc, &j->bres, 1, &dst) == 0) {
		job_wrote(j, name, "the budgets");
		ret = 0;
	}
	free(path);
	return ret;
}

/*
 * The budgets evaluated from the passes (pass_sets() gave them the
 * budgets' sets), into j->bres: 0, or -1 when they cannot serve.
 */
static int
job_budgets_passes(struct job *j)
{
	const struct report_opts *so[2];
	const struct report_result *sr[2];
	size_t n = 0;

	so[n] = &j->cur.pass.o;
	sr[n++] = &j->cur.pass.res;
	if (j->have_prev) {
		so[n] = &j->prev.pass.o;
		sr[n++] = &j->prev.pass.res;
	}
	return budget_calc_eval_from(&j->bc, so, sr, n, &j->bres);
}

/*
 * budgets.csv and budgets.json: each budget as of the end of the period:
 * of the history after the ingest (the projection's weekdays come from
 * it), else from the passes over the export and the previous period's,
 * or when they cannot serve (rows without a day, days that overlap ...)
 * a read of both.
 */
static int
job_budgets(struct job *j)
{
	const struct run_config *cfg = j->cfg;
	struct report_opts o;
	struct inputs in;
	int ret;

	if (cfg->budgets == NULL)
		return 0;
	if ((ret = job_at(j)) != 0)
		return ret;
	progress_state("evaluating the budgets");
	report_opts_init(&o);
	inputs_init(&in);
	j->have_bc = 1;
	/* checked before the run (the caller's): no error here */
	ret = EXIT_USAGE;
	if (budget_calc_init(&j->bc, cfg->budgets, cfg->teams, cfg->price,
	    j->at, 1) < 0)
		goto out;
	/* the export is of the whole period: a quiet last day spent 0 */
	j->bc.complete = 1;
	ret = EXIT_FAILURE_OTHER;
	if (budget_calc_sets(&j->bc, &o) < 0)
		goto out;
	o.teams = cfg->teams;
	if (cfg->db != NULL) {
		ret = db_report_path(cfg->db, &o, &j->bres);
		j->have_bres = 1;
	} else if (job_budgets_passes(j) == 0) {
		j->have_bres = 1;
		goto write;	/* evaluated */
	} else {
		ret = EXIT_BAD_INPUT;
		if (inputs_add(&in, j->cur.export) < 0 || (j->have_prev &&
		    inputs_add(&in, j->prev.export) < 0))
			goto out;
		ret = report_run(&o, &in, &j->bres);
		j->have_bres = 1;
	}
	if (ret)
		goto out;
	budget_calc_eval(&j->bc, &o, &j->bres);
write:
	ret = job_budgets_file(j, "budgets.csv", FMT_CSV);
	if (!ret)
		ret = job_budgets_file(j, "budgets.json", FMT_JSON);
out:
	inputs_release(&in);
	report_opts_release(&o);
	return ret;
}

/* STAGE/NAME: the anomalies' rows, as `anomalies --csv-safe` writes them. */
static int
job_anomalies_file(struct job *j, const char *name, enum view_format fmt)
{
	struct grid_out dst = { NULL, FMT_CSV, 0, 1 };
	char *path = xasprintf("%s/%s", j->stage, name);
	int ret = EXIT_FAILURE_OTHER;

	dst.path = path;
	dst.fmt = fmt;
	if (anomaly_list_write(&j->ar, &j->al, &dst) == 0) {
		job_wrote(j, name, "the anomalies");
		ret = 0;
	}
	free(path);
	return ret;
}

/*
 * anomalies.csv and anomalies.json, with the history only (one export is
 * too short a baseline): by project, with the defaults, over the
 * ANOMALY_DAYS days that end with the period's last day, as `anomalies
 * --db DB --at D` finds them, D the day after it.
 */
static int
job_anomalies(struct job *j)
{
	const struct run_config *cfg = j->cfg;
	struct report_opts byo, ro;
	struct report_result res;
	int ret, have_res = 0;

	if (cfg->db == NULL)
		return 0;
	if ((ret = job_at(j)) != 0)
		return ret;
	progress_state("looking for anomalies");
	report_opts_init(&byo);
	report_opts_init(&ro);
	anomaly_params_default(&j->ar.p);
	ret = EXIT_FAILURE_OTHER;
	if (report_parse_by(&byo, "project") < 0 || anomaly_sets(&j->ar, &ro,
	    "project", &byo, j->at - 1, ANOMALY_DAYS) < 0)
		goto out;
	ret = db_report_path(cfg->db, &ro, &res);
	have_res = 1;
	if (ret)
		goto out;
	j->ar.src = &res;
	j->ar.price = cfg->price;
	ret = EXIT_FAILURE_OTHER;
	if (anomaly_find(&j->ar, &j->al) < 0)
		goto out;
	j->have_al = 1;
	ret = job_anomalies_file(j, "anomalies.csv", FMT_CSV);
	if (!ret)
		ret = job_anomalies_file(j, "anomalies.json", FMT_JSON);
out:
	/* the list keeps its keys; what it was found in goes */
	j->ar.src = NULL;
	j->ar.so = NULL;
	if (have_res)
		report_result_release(&res);
	report_opts_release(&ro);
	report_opts_release(&byo);
	return ret;
}

static int
job_compare_writer(FILE *f, const void *cmp, enum view_format fmt)
{
	return compare_write(cmp, f, fmt);
}

/*
 * compare-by-project.FMT, as `compare --by project --csv-safe --format
 * FMT PREVIOUS CURRENT` writes it: from both passes, rolled up.
 */
static int
job_compare_one(struct job *j, enum view_format fmt, const char *name)
{
	struct report_opts o, po;
	struct report_result prev, cur;
	struct compare cmp;
	int ret = EXIT_FAILURE_OTHER;

	if (pass_rollup(&j->prev.pass, "project", &po, &prev) == 0 &&
	    pass_rollup(&j->cur.pass, "project", &o, &cur) == 0) {
		o.csv_safe = 1;
		compare_build(&cmp, &o, &prev, &cur);
		compare_limit(&cmp, 0, 0);
		ret = job_write(j, name, "the comparison", job_compare_writer,
		    &cmp, fmt);
		compare_release(&cmp);
		report_result_release(&cur);
		report_opts_release(&o);
	}
	report_result_release(&prev);
	report_opts_release(&po);
	return ret;
}

static int
job_compare(struct job *j)
{
	int ret;

	if (!j->have_prev)
		return 0;
	ret = job_compare_one(j, FMT_CSV, "compare-by-project.csv");
	if (!ret)
		ret = job_compare_one(j, FMT_JSON, "compare-by-project.json");
	return ret;
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

/* A top project's row of the summary, with its change when p. */
static void
summary_row(FILE *f, const struct view_row *r, const struct sums *p)
{
	size_t len;
	const char *k = NULL;
	char *a, *b;
	dec_t pv, pct;

	fputs("| ", f);
	if (r->key == NULL) {
		fputs("(other)", f);
	} else {
		k = agg_key_part(r->key, r->keylen, 0, &len);
		md_name(f, k, len);
	}
	a = fmt_dec(r->m.credits[CR_TOTAL], 2);
	b = fmt_dec(r->share, 2);
	fprintf(f, " | %s | %s%% |", a, b);
	free(a);
	free(b);
	if (p == NULL) {
		fputc('\n', f);
		return;
	}
	if (k == NULL) {
		fputs(" | |\n", f);
		return;
	}
	pv = sums_project(p, k, len);
	if (pv < 0) {
		fputs(" - | new |\n", f);
		return;
	}
	a = fmt_dec(pv, 2);
	fprintf(f, " %s |", a);
	free(a);
	if (change_pct(pv, r->m.credits[CR_TOTAL], &pct) == 0) {
		a = fmt_dec(pct, 2);
		fprintf(f, " %s%s%% |", pct > 0 ? "+" : "", a);
		free(a);
	} else {
		fputs(" |", f);
	}
	fputc('\n', f);
}

/* How many anomalies summary.md lists; anomalies.csv has them all. */
#define SUMMARY_ANOMALIES 5

/* A percentage of the summary: "104.20%". */
static void
summary_pct(FILE *f, dec_t v)
{
	char *a = fmt_dec(v, 2);

	fprintf(f, " %s%% |", a);
	free(a);
}

/*
 * The budgets, those not ok first (over, projected over, warning), each
 * kind in file order.
 */
static void
summary_budgets(FILE *f, const struct budget_calc *c)
{
	static const enum budget_status order[] = { BUDGET_OVER,
	    BUDGET_PROJECTED_OVER, BUDGET_WARNING, BUDGET_OK };
	char day[DATE_BUFSZ];
	size_t k, i;

	date_format_day(c->at - 1, day);
	fprintf(f, "\n## Budgets\n\nAs of the end of %s (`budgets.csv` has "
	    "every column):\n\n| budget | used | projected | status |\n"
	    "| --- | ---: | ---: | --- |\n", day);
	for (k = 0; k < sizeof(order) / sizeof(order[0]); k++)
		for (i = 0; i < c->bs->n; i++) {
			const struct budget_eval *e = &c->e[i];

			if (e->status != order[k])
				continue;
			fputs("| ", f);
			md_name(f, c->bs->b[i].name, strlen(c->bs->b[i].name));
			fputs(" |", f);
			summary_pct(f, e->used_pct);
			summary_pct(f, e->projected_pct);
			fprintf(f, " %s%s%s |\n", e->status == BUDGET_OK ? "" :
			    "**", budget_status_name(e->status),
			    e->status == BUDGET_OK ? "" : "**");
		}
}

/* The largest anomalies, by excess credits. */
static void
summary_anomalies(FILE *f, const struct anomaly_run *r,
    const struct anomaly_list *l, dec_t price)
{
	char d1[DATE_BUFSZ], d2[DATE_BUFSZ], *a, *b;
	size_t i, k, len;
	dec_t usd;

	date_format_day(r->first, d1);
	date_format_day(r->last, d2);
	fputs("\n## Anomalies\n\n", f);
	if (l->n == 0) {
		fprintf(f, "None from %s to %s (per %s, each against its "
		    "own history).\n", d1, d2, l->names[0]);
		return;
	}
	fprintf(f, "%zu from %s to %s (per %s, each against its own "
	    "history)", l->n, d1, d2, l->names[0]);
	if (l->n > SUMMARY_ANOMALIES)
		fprintf(f, "; the %d largest, all in `anomalies.csv`",
		    SUMMARY_ANOMALIES);
	else
		fputs(", as in `anomalies.csv`", f);
	fputs(":\n\n| day |", f);
	for (k = 0; k < l->nkeys; k++)
		fprintf(f, " %s |", l->names[k]);
	fputs(" kind | excess credits | excess USD |\n| --- |", f);
	for (k = 0; k < l->nkeys; k++)
		fputs(" --- |", f);
	fputs(" --- | ---: | ---: |\n", f);
	for (i = 0; i < l->n && i < SUMMARY_ANOMALIES; i++) {
		const struct anomaly_item *it = &l->items[i];

		date_format_day(it->day, d1);
		fprintf(f, "| %s |", d1);
		for (k = 0; k < l->nkeys; k++) {
			const char *p = agg_key_part(it->key, it->keylen, k,
			    &len);

			fputc(' ', f);
			md_name(f, p, len);
			fputs(" |", f);
		}
		usd = dec_cost_or_die(it->v.excess, price);
		a = fmt_dec(it->v.excess, 2);
		b = fmt_dec(usd < 0 ? -usd : usd, 2);
		fprintf(f, " %s | %s | %s$%s |\n",
		    anomaly_kind_name(it->v.kind), a, usd < 0 ? "-" : "", b);
		free(a);
		free(b);
	}
}

/* summary.md (errors: out_commit() finds them). */
static int
job_summary_writer(FILE *f, const void *obj, enum view_format fmt)
{
	const struct job *j = obj;
	const struct run_config *cfg = j->cfg;
	const struct sums *c = &j->cur.sums;
	const struct sums *p = j->have_prev ? &j->prev.sums : NULL;
	const struct metrics *m = &c->by_project.totals;
	dec_t cost = dec_cost_or_die(m->credits[CR_TOTAL], cfg->price), pct;
	struct view v;
	char *a, *b, *h;
	size_t i;

	(void)fmt;
	fprintf(f, "# CircleCI usage");
	if (j->cur.pd.known)
		fprintf(f, ", %.10s to %.10s", j->cur.pd.start, j->cur.pd.end);
	fputs("\n\n", f);
	a = fmt_dec(m->credits[CR_TOTAL], 2);
	b = fmt_dec(cost, 2);
	h = fmt_dec(dec_from_int((int64_t)m->jobs), 0);
	fprintf(f, "- **%s credits** ($%s) in %s jobs, ", a, b, h);
	free(a);
	free(b);
	free(h);
	h = fmt_dec(dec_round(m->run_seconds / 3600, 1), 1);
	fprintf(f, "%s hours of run time\n", h);
	free(h);
	if (m->credits[CR_TOTAL] != 0) {
		a = fmt_dec(c->failed, 2);
		b = fmt_dec(dec_percent_or_die(c->failed,
		    m->credits[CR_TOTAL], "share of the credits on failed "
		    "runs"), 2);
		fprintf(f, "- %s credits (%s%%) spent on failed runs (%s)\n",
		    a, b, cfg->waste);
		free(a);
		free(b);
	}
	if (p != NULL) {
		const struct metrics *pm = &p->by_project.totals;

		a = fmt_dec(pm->credits[CR_TOTAL], 2);
		fprintf(f, "- previous period (%.10s to %.10s): %s credits",
		    j->prev.pd.start, j->prev.pd.end, a);
		free(a);
		if (change_pct(pm->credits[CR_TOTAL], m->credits[CR_TOTAL],
		    &pct) == 0) {
			a = fmt_dec(pct, 2);
			fprintf(f, ", change %s%s%%", pct > 0 ? "+" : "", a);
			free(a);
		}
		fputc('\n', f);
	}
	if (j->have_bc)
		summary_budgets(f, &j->bc);
	if (j->have_al)
		summary_anomalies(f, &j->ar, &j->al, cfg->price);
	view_build(&v, &c->po, &c->by_project, VM_CREDITS + CR_TOTAL, -1,
	    cfg->top, cfg->price);
	fprintf(f, "\n## Top projects\n\n| project | credits | share |%s\n"
	    "| --- | ---: | ---: |%s\n", p ? " previous | change |" : "",
	    p ? " ---: | ---: |" : "");
	for (i = 0; i < v.n; i++)
		summary_row(f, &v.rows[i], p);
	view_release(&v);
	fputs("\nThe HTML page is `index.html`; the figures per key are in "
	    "`by-*.csv` and `by-*.json`.\n", f);
	return 0;
}

/*
 * The sums of the summary and run.json, from the engine's exact sums:
 * before the page, which takes the passes.
 */
static int
job_sums(struct job *j)
{
	if (sums_from(&j->cur.sums, &j->cur.pass, j->cfg) < 0 ||
	    (j->have_prev && sums_from(&j->prev.sums, &j->prev.pass,
	    j->cfg) < 0))
		return EXIT_FAILURE_OTHER;
	return 0;
}

static int
job_summary(struct job *j)
{
	return job_write(j, "summary.md", "a markdown summary",
	    job_summary_writer, j, FMT_MARKDOWN);
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

/* A period's start or end for run.json: null when unknown. */
static json_t *
period_bound(const struct period *pd, const char *bound)
{
	return pd->known ? json_string(bound) : json_null();
}

static int
job_record_writer(FILE *f, const void *text, enum view_format fmt)
{
	(void)fmt;
	fputs(text, f);
	fputc('\n', f);
	return 0;
}

/* run.json: the org, the period, the exports, the totals, the files. */
static int
job_record(struct job *j)
{
	const struct run_config *cfg = j->cfg;
	const struct side *c = &j->cur, *p = &j->prev;
	json_t *root = json_object(), *files = json_array(), *pj;
	char *text;
	dec_t pct;
	size_t i;
	int ret;

	json_object_set_new(root, "version", json_integer(1));
	json_object_set_new(root, "org_id", c->pd.org_id ?
	    json_string(c->pd.org_id) : json_null());
	json_object_set_new(root, "start", period_bound(&c->pd, c->pd.start));
	json_object_set_new(root, "end", period_bound(&c->pd, c->pd.end));
	json_object_set_new(root, "export", json_string(c->rel));
	json_object_set_new(root, "credit_price",
	    json_string(cfg->price_text));
	json_object_set_new(root, "waste_statuses", json_string(cfg->waste));
	json_object_set_new(root, "totals", totals_json(&c->sums,
	    cfg->price));
	if (j->have_prev) {
		pj = json_object();
		json_object_set_new(pj, "start", period_bound(&p->pd,
		    p->pd.start));
		json_object_set_new(pj, "end", period_bound(&p->pd,
		    p->pd.end));
		json_object_set_new(pj, "dir", json_string(p->rel));
		json_object_set_new(pj, "totals", totals_json(&p->sums,
		    cfg->price));
		json_object_set_new(root, "previous", pj);
		json_object_set_new(root, "change_pct", change_pct(
		    p->sums.by_project.totals.credits[CR_TOTAL],
		    c->sums.by_project.totals.credits[CR_TOTAL], &pct) == 0 ?
		    json_dec(pct) : json_null());
	} else {
		json_object_set_new(root, "previous", json_null());
	}
	for (i = 0; i < j->w.n; i++)
		json_array_append_new(files, json_string(j->w.v[i].name));
	json_array_append_new(files, json_string("run.json"));
	json_object_set_new(root, "files", files);
	text = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(root);
	if (text == NULL)
		die(EXIT_FAILURE_OTHER, "out of memory");
	ret = job_write(j, "run.json", "the org, the range, the totals, the "
	    "files", job_record_writer, text, FMT_JSON);
	free(text);
	return ret;
}

/* Is `name` among the files this run made? */
static int
job_made(const struct job *j, const char *name)
{
	size_t i;

	for (i = 0; i < j->w.n; i++)
		if (strcmp(j->w.v[i].name, name) == 0)
			return 1;
	return 0;
}

/*
 * The files the run.json in DIR (the run before this one) lists that
 * this run does not make: budgets.csv after a run without budgets,
 * compare-by-project.csv after one without --compare ...  Only plain
 * names (no '/', no leading '.').  Returns how many, in *stale (free
 * each, then the array); none when DIR has no run.json that reads.
 */
static size_t
job_stale(const struct job *j, char ***stale)
{
	char *path = xasprintf("%s/run.json", j->cfg->dir);
	json_t *root = NULL, *files, *v;
	json_error_t err;
	struct stat st;
	size_t i, n = 0;

	*stale = NULL;
	/* a run.json of ours is a few kB: anything else is not one */
	if (stat(path, &st) < 0 || !S_ISREG(st.st_mode) ||
	    st.st_size > 1 << 20 ||
	    (root = json_load_file(path, 0, &err)) == NULL)
		goto out;
	files = json_object_get(root, "files");
	json_array_foreach(files, i, v) {
		const char *name = json_string_value(v);

		if (name == NULL || name[0] == '\0' || name[0] == '.' ||
		    strchr(name, '/') != NULL || job_made(j, name))
			continue;
		*stale = xreallocarray(*stale, n + 1, sizeof(**stale));
		(*stale)[n++] = xstrdup(name);
	}
out:
	json_decref(root);
	free(path);
	return n;
}

/*
 * Every artifact is made in the stage directory; only when all of them
 * are made do they replace the ones in DIR (one rename each), so a failed
 * run leaves the previous artifacts as they were.  One replacing a file
 * (or a symbolic link: the link is replaced, and the new file takes the
 * mode of the file it named) keeps that file's mode, owner and group.
 */
static int
job_publish(struct job *j)
{
	const struct run_files *w = &j->w;
	char **stale;
	size_t i, nstale;
	int r = 0;

	/*
	 * First each artifact that replaces a file takes its mode, owner
	 * and group (nothing in DIR changes yet), then all are moved
	 */
	for (i = 0; i < w->n && r >= 0; i++) {
		char *from = xasprintf("%s/%s", j->stage, w->v[i].name);
		char *to = xasprintf("%s/%s", j->cfg->dir, w->v[i].name);
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
	nstale = job_stale(j, &stale);	/* before run.json is replaced */
	sigclean_hold();	/* an interruption: all moved, or none */
	for (i = 0; i < w->n; i++) {
		char *from = xasprintf("%s/%s", j->stage, w->v[i].name);
		char *to = xasprintf("%s/%s", j->cfg->dir, w->v[i].name);

		r = rename(from, to);
		if (r < 0)
			error("cannot rename '%s' to '%s': %s", from, to,
			    strerror(errno));
		free(from);
		free(to);
		if (r < 0)
			break;
	}
	/* the older run's files this one does not make: none stays */
	for (i = 0; i < nstale; i++) {
		char *p = xasprintf("%s/%s", j->cfg->dir, stale[i]);

		if (r == 0 && unlink(p) < 0 && errno != ENOENT)
			warning("cannot remove '%s' (an older run's): %s", p,
			    strerror(errno));
		free(p);
		free(stale[i]);
	}
	free(stale);
	sigclean_release();
	return r < 0 ? EXIT_FAILURE_OTHER : 0;
}

/* Remove what is left in the stage (everything, after a failure). */
static void
job_stage_remove(struct job *j)
{
	size_t i;

	if (j->stage == NULL)
		return;
	for (i = 0; i < j->w.n; i++) {
		char *p = xasprintf("%s/%s", j->stage, j->w.v[i].name);

		unlink(p);
		free(p);
	}
	if (rmdir(j->stage) < 0 && errno != ENOENT)
		warning("cannot remove '%s': %s", j->stage, strerror(errno));
	sigclean_forget(j->stage);
	free(j->stage);
	j->stage = NULL;
}

/* The artifacts made, run.json last, then all moved into DIR. */
static int
job_finish(struct job *j)
{
	int ret = job_summary(j);

	if (!ret)
		ret = job_record(j);
	if (!ret)
		ret = job_publish(j);
	progress_handover(NULL);	/* the caller's closing lines */
	return ret;
}

/* The steps, in order: each returns an exit code; the first not 0 ends */
static int (*const job_steps[])(struct job *) = {
	job_open, job_current, job_previous, job_ingest, job_reports,
	job_failures, job_rightsize, job_focus, job_compare, job_budgets,
	job_anomalies, job_metrics, job_sums, job_page, job_finish
};

int
run_job(const struct run_config *cfg, const struct run_hooks *hooks,
    struct run_files *files)
{
	struct job j;
	size_t i;
	int ret = 0;

	memset(&j, 0, sizeof(j));
	memset(files, 0, sizeof(*files));
	users_init(&j.users);
	rates_init(&j.rates);
	j.cfg = cfg;
	j.hooks = hooks;
	for (i = 0; i < sizeof(job_steps) / sizeof(job_steps[0]) && !ret; i++)
		ret = job_steps[i](&j);
	job_focus_abort(&j);	/* a failure before focus.csv was done */
	job_stage_remove(&j);
	/* a failure leaves no empty DIR of ours (an export to resume stays) */
	if (ret && j.made_dir)
		rmdir(cfg->dir);
	if (j.have_al)
		anomaly_list_release(&j.al);
	if (j.have_bres)
		report_result_release(&j.bres);
	if (j.have_bc)
		budget_calc_release(&j.bc);
	side_release(&j.cur);
	side_release(&j.prev);
	users_release(&j.users);
	if (j.have_rs)
		rightsize_release(&j.rs);
	rates_release(&j.rates);
	if (ret)
		run_files_release(&j.w);
	else
		*files = j.w;
	return ret;
}
