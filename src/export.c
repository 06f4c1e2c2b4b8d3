/*
 * export.c: the export workflow (export.h): plan the windows of a date
 * range against what DIR holds, create a Usage API export job per window,
 * poll the jobs and download their parts, keeping DIR/manifest.json up to
 * date at every step so that a run killed at any point resumes.
 */
#include "export.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "answer.h"
#include "api.h"
#include "dirlock.h"
#include "download.h"
#include "manifest.h"
#include "range.h"
#include "redact.h"
#include "statusline.h"
#include "util.h"

#define MAX_NULL_URL_POLLS 10	/* `completed` without URLs, then give up */
#define MAX_EXPIRED_ROUNDS 5	/* fresh URLs asked for expired ones */
#define MAX_POLL_INTERVAL 60.0

static const char *
env(const char *name)
{
	const char *v = getenv(name);

	return v && *v ? v : NULL;
}

char *
export_token_read(const char *token_file)
{
	static const char *const vars[] = { "CIRCLECI_API_TOKEN",
	    "CIRCLECI_TOKEN", "CIRCLE_TOKEN" };

	return secret_read(token_file, "--token-file", vars,
	    sizeof(vars) / sizeof(vars[0]), "the API token", "no API token: "
	    "set CIRCLECI_API_TOKEN (a personal API token) or use "
	    "--token-file PATH");
}

/* Whether two sets of org IDs are equal, order and case aside. */
static int
same_orgs(const char *const *a, size_t na, const char *const *b, size_t nb)
{
	size_t i, j;

	if (na != nb)
		return 0;
	for (i = 0; i < na; i++) {
		for (j = 0; j < nb && strcasecmp(a[i], b[j]) != 0; j++)
			;
		if (j == nb)
			return 0;
	}
	for (j = 0; j < nb; j++) {
		for (i = 0; i < na && strcasecmp(a[i], b[j]) != 0; i++)
			;
		if (i == na)
			return 0;
	}
	return 1;
}

/* Is `dir` the directory of a window of m, current or replaced? */
static int
dir_taken(const struct manifest *m, const char *dir)
{
	size_t i, j;

	for (i = 0; i < m->nw; i++)
		if (m->w[i].dir != NULL && strcmp(m->w[i].dir, dir) == 0)
			return 1;
	for (i = 0; i < m->nold; i++)
		for (j = 0; j < m->old[i].nw; j++)
			if (strcmp(m->old[i].w[j].dir, dir) == 0)
				return 1;
	return 0;
}

/*
 * A new window's directory: <start>_<end>, or <start>_<end>-2 ... when a
 * replaced export (of another org, say) has a window of the same bounds,
 * whose files must stay until the new export is complete.
 */
static char *
window_dir(const struct manifest *m, int64_t start, int64_t end)
{
	char c1[RANGE_BUFSZ], c2[RANGE_BUFSZ], *d;
	unsigned k;

	range_format_compact(start, c1);
	range_format_compact(end, c2);
	d = xasprintf("%s_%s", c1, c2);
	for (k = 2; dir_taken(m, d); k++) {
		free(d);
		d = xasprintf("%s_%s-%u", c1, c2, k);
	}
	return d;
}

/*
 * Take over a window of a replaced export that is the window [start, end]
 * of m's request too: the same bounds, org and shared orgs, with a job
 * that has not failed.  Its job and its parts serve as they are: no new
 * job.  Returns 1 with *w filled (the window leaves m->old), else 0.
 */
static int
reuse_window(struct manifest *m, int64_t start, int64_t end,
    struct mf_window *w)
{
	size_t i, j;

	for (i = 0; i < m->nold; i++) {
		struct mf_replaced *g = &m->old[i];

		if (strcasecmp(g->org_id, m->org_id) != 0 ||
		    !same_orgs((const char *const *)g->shared, g->nshared,
		    (const char *const *)m->shared, m->nshared))
			continue;
		for (j = 0; j < g->nw; j++) {
			struct mf_window *ow = &g->w[j];

			if (ow->start != start || ow->end != end ||
			    ow->job_id == NULL || (ow->state != NULL &&
			    strcmp(ow->state, "failed") == 0))
				continue;
			*w = *ow;
			memmove(ow, ow + 1, (g->nw - j - 1) * sizeof(*ow));
			g->nw--;
			return 1;
		}
	}
	return 0;
}

/* Append the windows of [from, to] to m; returns how many were reused. */
static size_t
add_windows(struct manifest *m, int64_t from, int64_t to)
{
	int64_t *b;
	size_t n = range_split(from, to, &b), i, reused = 0;

	m->w = xreallocarray(m->w, m->nw + n, sizeof(*m->w));
	for (i = 0; i < n; i++) {
		struct mf_window *w = &m->w[m->nw];

		memset(w, 0, sizeof(*w));
		if (reuse_window(m, b[i], b[i + 1], w)) {
			reused++;
		} else {
			w->start = b[i];
			w->end = b[i + 1];
			w->dir = window_dir(m, b[i], b[i + 1]);
		}
		m->nw++;
	}
	free(b);
	return reused;
}

struct export {
	struct export_request req;
	const struct export_request *o;	/* &req */
	const char *token;
	const char *org, *api_url;	/* asked for, or from the environment */
	int64_t now;		/* when the export began, ms */
	int64_t start, end;	/* the range asked for */
	struct manifest m;
	struct api *api;
	struct dirlock lock;
	struct statusline *prog;	/* the caller's */
	double deadline;
	double t0;
	double wait_t0;		/* when the export began to wait for jobs */
	unsigned creates, polls;
	/* the downloads of a window, while they run (dl points to dlp) */
	const struct dl_progress *dl;
	struct dl_progress dlp;
	double dl_t0;
	size_t dl_before;	/* its parts done before they started */
	uint64_t dl_bytes_before;
};

static int
save(struct export *e)
{
	return manifest_save(&e->m, e->o->dir) < 0 ? EXIT_FAILURE_OTHER : 0;
}

/* A notice on stderr (unless --quiet), the live line cleared first. */
static void CU_PRINTF(2, 3)
say(struct export *e, const char *fmt, ...)
{
	char text[2048];
	va_list ap;

	if (e->o->quiet)
		return;
	statusline_clear(e->prog);
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	notice("%s", text);	/* escaped: it may quote a path */
}

/*
 * Check [*start, *end] against now; an end in the future is clamped to now
 * less a minute, with a notice.
 */
static int
check_range(struct export *e, int64_t now, int64_t *start, int64_t *end)
{
	char b1[RANGE_BUFSZ], b2[RANGE_BUFSZ];

	range_format(*start, b1);
	range_format(*end, b2);
	if (*end < *start)
		return error("the end (%s) is before the start (%s)", b2, b1);
	if (*start < now - RANGE_MAX_AGE_DAYS * MS_PER_DAY)
		return error("the start (%s) is more than %d days ago: the "
		    "Usage API keeps about a year of data", b1,
		    RANGE_MAX_AGE_DAYS);
	if (*end > now - 60 * MS_PER_SEC) {
		int64_t clamped = now - 60 * MS_PER_SEC;

		clamped -= clamped % MS_PER_SEC;
		if (*start > clamped)
			return error("the start (%s) is in the future", b1);
		range_format(clamped, b2);
		say(e, "the end is in the future; using %s (now less a "
		    "minute) instead", b2);
		*end = clamped;
	}
	return 0;
}

/*
 * The status of window i: its job's state and the time waited, or where
 * its downloads stand (parts, bytes, rate, time left).  `change`: a new
 * state, which a log shows at once.
 */
static void
status(struct export *e, size_t i, int change)
{
	const struct mf_window *w;
	char b1[16], b2[16], b3[16], b4[16];
	double now = api_clock();

	if (e->prog->mode == STATUSLINE_NONE || i >= e->m.nw)
		return;
	w = &e->m.w[i];
	if (e->dl != NULL) {
		const struct dl_progress *p = e->dl;
		double el = now - e->dl_t0, rate = 0, all = (double)p->sized;
		double done = (double)(e->dl_bytes_before + p->bytes);

		if (el > 0.5)
			rate = (double)p->received / el;
		/* parts not begun: as large as the average of those known */
		if (p->nsized > 0 && p->nsized < p->total)
			all += (double)p->sized / (double)p->nsized *
			    (double)(p->total - p->nsized);
		all += (double)e->dl_bytes_before;
		if (p->nsized == 0)
			statusline_status(e->prog, change, "window %zu of %zu: "
			    "downloading, %zu of %zu parts, %s", i + 1,
			    e->m.nw, e->dl_before + p->done, w->nfiles,
			    statusline_bytes(done, b1));
		else
			statusline_status(e->prog, change, "window %zu of %zu: "
			    "downloading, %zu of %zu parts, %s of %s%s, "
			    "%s/s, %s left", i + 1, e->m.nw,
			    e->dl_before + p->done, w->nfiles,
			    statusline_bytes(done, b1), p->nsized < p->total ?
			    "about " : "", statusline_bytes(all, b2),
			    statusline_bytes(rate, b3), rate > 0 && all >= done ?
			    statusline_duration((all - done) / rate, b4) :
			    "?");
		return;
	}
	/* the job's full ID is in the "created" line: its first 8 digits
	 * fit a terminal's line */
	statusline_status(e->prog, change, "window %zu of %zu: job %.8s %s, "
	    "waited %s", i + 1, e->m.nw, w->job_id ? w->job_id : "(none)",
	    w->state ? w->state : "not created", statusline_duration(now -
	    e->wait_t0, b1));
}

/* Sleep secs (never past the deadline), the status kept up to date. */
static void
wait_for(struct export *e, size_t cur, double secs)
{
	double end = api_clock() + secs;

	if (end > e->deadline)
		end = e->deadline;
	for (;;) {
		double left = end - api_clock();

		if (left <= 0)
			break;
		api_sleep(left < 0.25 ? left : 0.25, e->deadline);
		status(e, cur, 0);
	}
}

static int
create_job(struct export *e, struct mf_window *w)
{
	json_t *body = json_object(), *ans;
	char b1[RANGE_BUFSZ], b2[RANGE_BUFSZ], path[512], what[160], now[40];
	char *text;
	struct job_answer ja;
	char err[200];
	size_t i;
	int ret;

	range_format(w->start, b1);
	range_format(w->end, b2);
	json_object_set_new(body, "start", json_string(b1));
	json_object_set_new(body, "end", json_string(b2));
	if (e->m.nshared) {
		json_t *a = json_array();

		for (i = 0; i < e->m.nshared; i++)
			json_array_append_new(a, json_string(e->m.shared[i]));
		json_object_set_new(body, "shared_org_ids", a);
	}
	text = json_dumps(body, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(body);
	snprintf(path, sizeof(path), "/organizations/%s/usage_export_job",
	    e->m.org_id);
	snprintf(what, sizeof(what), "create the export job for %s to %s",
	    b1, b2);
	statusline_clear(e->prog);
	ret = api_call(e->api, "POST", path, text, what, &ans);
	free(text);
	e->creates++;
	if (ret)
		return ret;
	if (answer_parse_create(ans, &ja, err, sizeof(err)) < 0) {
		answer_release(&ja);
		json_decref(ans);
		error("%s: %s", what, err);
		return EXIT_API_REJECTED;
	}
	w->job_id = xstrdup(ja.id);
	free(w->state);
	w->state = xstrdup(ja.state ? ja.state : "created");
	answer_release(&ja);
	free(w->created_at);
	w->created_at = xstrdup(manifest_now(now));
	json_decref(ans);
	/* recorded before anything else: a kill now creates no job again */
	ret = save(e);
	if (!ret)
		say(e, "created export job %s for %s to %s", w->job_id, b1, b2);
	return ret;
}

/*
 * Poll w's job once.  Fills *ja; its urls are the download URLs when the
 * job is completed with some (nurls 0: not ready).  A new state is
 * recorded in the manifest at once.  Returns an exit code; the caller
 * releases *ja either way.
 */
static int
poll_job(struct export *e, struct mf_window *w, struct job_answer *ja)
{
	char path[512], what[200], now[40], err[200];
	json_t *ans;
	size_t i, total;
	int ret, changed = 0;

	memset(ja, 0, sizeof(*ja));
	snprintf(path, sizeof(path), "/organizations/%s/usage_export_job/%s",
	    e->m.org_id, w->job_id);
	snprintf(what, sizeof(what), "poll export job %s", w->job_id);
	statusline_clear(e->prog);
	ret = api_call(e->api, "GET", path, NULL, what, &ans);
	e->polls++;
	if (ret)
		return ret;
	ret = answer_parse_poll(ans, ja, err, sizeof(err));
	json_decref(ans);
	if (ret < 0) {
		error("%s: %s", what, err);
		return EXIT_API_REJECTED;
	}
	/* no more parts than a manifest may list (manifest.h) */
	for (i = 0, total = ja->nurls; i < e->m.nw; i++)
		if (&e->m.w[i] != w)
			total += e->m.w[i].nfiles;
	if (ja->nurls > MANIFEST_MAX_PARTS || total > MANIFEST_MAX_FILES) {
		error("%s: the answer lists %zu download URLs, more than an "
		    "export may hold (%d a window, %d in all)", what,
		    ja->nurls, MANIFEST_MAX_PARTS, MANIFEST_MAX_FILES);
		return EXIT_API_REJECTED;
	}
	if (w->state == NULL || strcmp(w->state, ja->state) != 0) {
		free(w->state);
		w->state = xstrdup(ja->state);
		changed = 1;
	}
	if (strcmp(ja->state, "failed") == 0) {
		free(w->error_reason);
		w->error_reason = xstrdup(ja->error_reason ? ja->error_reason :
		    "(no reason given)");
		save(e);
		error("export job %s failed: %s; run export with --force to "
		    "create a new one", w->job_id, w->error_reason);
		return EXIT_API_REJECTED;
	}
	if (ja->nurls > 0 && w->completed_at == NULL) {
		w->completed_at = xstrdup(manifest_now(now));
		changed = 1;
	}
	if (changed) {
		status(e, (size_t)(w - e->m.w), 1);
		if (save(e))
			return EXIT_FAILURE_OTHER;
	}
	return 0;
}

static int
file_valid(const struct export *e, const struct mf_file *f)
{
	char *p = xasprintf("%s/%s", e->o->dir, f->path), err[256], sha[65];
	uint64_t bytes, rows;
	struct stat st;
	int ok;

	ok = f->done && stat(p, &st) == 0 && (uint64_t)st.st_size == f->bytes &&
	    download_verify(p, &bytes, &rows, sha, err, sizeof(err)) == 0 &&
	    strcmp(sha, f->sha256) == 0;
	free(p);
	return ok;
}

/*
 * A part renamed into place but not yet recorded (a kill came between
 * the two): it counts if it checks out.  Returns 1 when f is now done.
 */
static int
file_found(const struct export *e, struct mf_file *f)
{
	char *p = xasprintf("%s/%s", e->o->dir, f->path), err[256];
	struct stat st;
	int ok;

	ok = stat(p, &st) == 0 && S_ISREG(st.st_mode) &&
	    download_verify(p, &f->bytes, &f->rows, f->sha256, err,
	    sizeof(err)) == 0;
	free(p);
	f->done = ok;
	return ok;
}

/* The downloads of one window, for the callbacks of download_all. */
struct dl_ctx {
	struct export *e;
	struct mf_window *w;
	struct dl_item *items;
	size_t *file;		/* items[k] is w->files[file[k]] */
	size_t cur;		/* w's index */
	int failed;		/* a save failed */
};

/* A part is done: record it at once, so a kill never loses it. */
static int
dl_done(void *ctx, size_t k)
{
	struct dl_ctx *c = ctx;
	struct mf_file *f = &c->w->files[c->file[k]];

	f->done = 1;
	f->bytes = c->items[k].bytes;
	f->rows = c->items[k].rows;
	memcpy(f->sha256, c->items[k].sha256, 65);
	if (save(c->e)) {
		c->failed = 1;
		return -1;
	}
	return 0;
}

static void
dl_progress(void *ctx, const struct dl_progress *p)
{
	struct dl_ctx *c = ctx;

	c->e->dlp = *p;
	c->e->dl = &c->e->dlp;
	status(c->e, c->cur, 0);
}

/*
 * Download w's parts from `urls` (those not already valid on disk).
 * Returns an exit code; *expired says some URL needs renewing.
 */
static int
download_window(struct export *e, struct mf_window *w,
    const struct job_answer *ja, int *expired)
{
	size_t n = ja->nurls, i, k = 0;
	struct dl_item *items;
	char **paths, **labels, *dir;
	struct dl_opts dopt;
	struct dl_ctx ctx;
	int ret;

	*expired = 0;
	dir = xasprintf("%s/%s", e->o->dir, w->dir);
	if (mkdir_p(dir) < 0) {
		free(dir);
		return EXIT_FAILURE_OTHER;
	}
	free(dir);
	if (w->nfiles != n) {
		manifest_set_files(w, n);
		if (save(e))
			return EXIT_FAILURE_OTHER;
	}
	items = xcalloc(n, sizeof(*items));
	paths = xcalloc(n, sizeof(*paths));
	labels = xcalloc(n, sizeof(*labels));
	memset(&ctx, 0, sizeof(ctx));
	ctx.file = xcalloc(n, sizeof(*ctx.file));
	e->dl_before = 0;
	e->dl_bytes_before = 0;
	for (i = 0; i < n; i++) {
		struct mf_file *f = &w->files[i];

		if ((f->done && file_valid(e, f)) ||
		    (!f->done && file_found(e, f))) {
			e->dl_before++;
			e->dl_bytes_before += f->bytes;
			continue;
		}
		f->done = 0;
		paths[k] = xasprintf("%s/%s", e->o->dir, f->path);
		labels[k] = xstrdup(f->path);
		items[k].url = ja->urls[f->url_index < n ? f->url_index : i];
		items[k].path = paths[k];
		items[k].label = labels[k];
		ctx.file[k] = i;
		k++;
	}
	ctx.e = e;
	ctx.w = w;
	ctx.items = items;
	ctx.cur = (size_t)(w - e->m.w);
	memset(&dopt, 0, sizeof(dopt));
	dopt.parallel = e->o->parallel;
	dopt.max_part = e->o->max_part;
	/* plain http download URLs only from an API on loopback (the
	 * tests): an https API handing out http URLs is refused */
	dopt.allow_http = api_loopback(e->api);
	dopt.deadline = e->deadline;
	dopt.verbose = e->o->verbose;
	dopt.quiet = e->o->quiet;
	dopt.live = e->prog->mode == STATUSLINE_LIVE;
	dopt.on_done = dl_done;
	dopt.on_progress = dl_progress;
	dopt.ctx = &ctx;
	ret = 0;
	if (k) {
		memset(&e->dlp, 0, sizeof(e->dlp));
		e->dlp.total = k;
		e->dl = &e->dlp;
		e->dl_t0 = api_clock();
		status(e, ctx.cur, 1);
		ret = download_all(items, k, &dopt);
		e->dl = NULL;
	}
	for (i = 0; i < k; i++) {
		if (!items[i].done && items[i].expired)
			*expired = 1;
		free(paths[i]);
		free(labels[i]);
	}
	free(ctx.file);
	free(items);
	free(paths);
	free(labels);
	if (save(e))
		return EXIT_FAILURE_OTHER;
	return ret;
}

static int
window_done(const struct export *e, const struct mf_window *w)
{
	size_t i;

	if (w->job_id == NULL || w->state == NULL ||
	    strcmp(w->state, "completed") != 0 || w->nfiles == 0)
		return 0;
	for (i = 0; i < w->nfiles; i++)
		if (!file_valid(e, &w->files[i]))
			return 0;
	return 1;
}

/* Wait for every window's job and download its parts. */
int
export_wait(struct export *e)
{
	size_t nw = e->m.nw, i, left, cur = 0;
	int *done = xcalloc(nw ? nw : 1, sizeof(*done));
	unsigned *nulls = xcalloc(nw ? nw : 1, sizeof(*nulls));
	unsigned *renew = xcalloc(nw ? nw : 1, sizeof(*renew));
	double interval = e->o->poll;
	int ret = 0;

	for (i = 0; i < nw; i++)
		done[i] = window_done(e, &e->m.w[i]);
	e->wait_t0 = api_clock();
	for (;;) {
		int progressed = 0;

		left = 0;
		for (i = 0; i < nw && !ret; i++) {
			struct mf_window *w = &e->m.w[i];
			struct job_answer ja;
			int expired;

			if (done[i])
				continue;
			ret = poll_job(e, w, &ja);
			if (ret) {
				answer_release(&ja);
				break;
			}
			if (ja.nurls == 0) {
				answer_release(&ja);
				if (strcmp(w->state, "completed") == 0 &&
				    ++nulls[i] >= MAX_NULL_URL_POLLS) {
					error("export job %s is completed but "
					    "has had no download URLs for %u "
					    "polls; try again later (run export "
					    "again to resume)", w->job_id,
					    nulls[i]);
					ret = EXIT_API_REJECTED;
					break;
				}
				left++;
				continue;
			}
			ret = download_window(e, w, &ja, &expired);
			answer_release(&ja);
			if (ret)
				break;
			if (expired) {
				if (++renew[i] > MAX_EXPIRED_ROUNDS) {
					error("export job %s: its download URLs "
					    "keep expiring (403)", w->job_id);
					ret = EXIT_API_REJECTED;
					break;
				}
				if (!e->o->quiet) {
					statusline_clear(e->prog);
					warning("download URLs of job %s have "
					    "expired; asking for fresh ones",
					    w->job_id);
				}
				left++;
				progressed = 1;	/* poll again at once */
				continue;
			}
			done[i] = 1;
			progressed = 1;
		}
		if (ret || left == 0)
			break;
		for (cur = 0; cur < nw && done[cur]; cur++)
			;
		if (api_clock() >= e->deadline) {
			statusline_clear(e->prog);
			error("timed out waiting for export job %s (still %s); "
			    "run export again to resume", e->m.w[cur].job_id,
			    e->m.w[cur].state);
			ret = EXIT_UNREACHABLE;
			break;
		}
		if (!progressed) {
			if (api_clock() + interval > e->deadline) {
				wait_for(e, cur, interval);
				continue;	/* one last poll at the deadline */
			}
			wait_for(e, cur, interval);
			interval *= 2;
			if (interval > MAX_POLL_INTERVAL)
				interval = MAX_POLL_INTERVAL;
		}
		if (save(e)) {
			ret = EXIT_FAILURE_OTHER;
			break;
		}
	}
	statusline_clear(e->prog);
	free(done);
	free(nulls);
	free(renew);
	return ret;
}

/*
 * Remove the files of windows (and their .partial files and directories),
 * save those of `keep`'s current windows.
 */
static void
remove_windows(const struct mf_window *w, size_t n, const char *dir,
    const struct manifest *keep)
{
	size_t i, j, k;

	for (i = 0; i < n; i++) {
		char *d;

		for (k = 0; keep != NULL && k < keep->nw; k++)
			if (strcmp(keep->w[k].dir, w[i].dir) == 0)
				break;
		if (keep != NULL && k < keep->nw)
			continue;
		for (j = 0; j < w[i].nfiles; j++) {
			char *p = xasprintf("%s/%s", dir, w[i].files[j].path);
			char *q = xasprintf("%s.partial", p);

			unlink(p);
			unlink(q);
			free(p);
			free(q);
		}
		d = xasprintf("%s/%s", dir, w[i].dir);
		rmdir(d);
		free(d);
	}
}

/* Remove every file an export lists, replaced ones too (for --force). */
static void
remove_old(const struct manifest *m, const char *dir)
{
	size_t i;

	remove_windows(m->w, m->nw, dir, NULL);
	for (i = 0; i < m->nold; i++)
		remove_windows(m->old[i].w, m->old[i].nw, dir, NULL);
}

/*
 * The export is complete: the replaced exports' files go, then their
 * entries (in that order: a kill between the two leaves entries whose
 * files are gone, which the next run removes without complaint).
 */
static int
remove_replaced(struct export *e)
{
	size_t i;

	if (e->m.nold == 0)
		return 0;
	for (i = 0; i < e->m.nold; i++)
		remove_windows(e->m.old[i].w, e->m.old[i].nw, e->o->dir,
		    &e->m);
	for (i = 0; i < e->m.nold; i++)
		manifest_replaced_release(&e->m.old[i]);
	free(e->m.old);
	e->m.old = NULL;
	e->m.nold = 0;
	return save(e);
}

/* "A to B", and the org when it is not the one asked for, in buf. */
static void
describe(const struct manifest *m, const char *org, char *buf, size_t len)
{
	char b1[RANGE_BUFSZ], b2[RANGE_BUFSZ];
	size_t n;

	range_format(m->start, b1);
	range_format(m->requested_end, b2);
	n = (size_t)snprintf(buf, len, "%s to %s", b1, b2);
	if (n < len && strcasecmp(m->org_id, org) != 0)
		snprintf(buf + n, len - n, " of org %s", m->org_id);
	else if (n < len && m->nshared > 0)
		snprintf(buf + n, len - n, " (with %zu shared org%s)",
		    m->nshared, m->nshared == 1 ? "" : "s");
}

/*
 * Make the new manifest e->m replace `old`, another request's export in
 * the same directory: old's windows (and whatever it replaced itself)
 * move to e->m.old, where add_windows may take some over.  old is left
 * empty.
 */
static void
replace_export(struct export *e, struct manifest *old)
{
	struct mf_replaced *g;
	size_t i;

	e->m.old = xcalloc(old->nold + 1, sizeof(*e->m.old));
	for (i = 0; i < old->nold; i++)
		e->m.old[e->m.nold++] = old->old[i];
	free(old->old);
	old->old = NULL;
	old->nold = 0;
	if (old->nw > 0) {
		g = &e->m.old[e->m.nold++];
		g->org_id = old->org_id;
		g->shared = old->shared;
		g->nshared = old->nshared;
		g->start = old->start;
		g->end = old->end;
		g->w = old->w;
		g->nw = old->nw;
		old->org_id = NULL;
		old->shared = NULL;
		old->nshared = 0;
		old->w = NULL;
		old->nw = 0;
	}
}

/*
 * The same request as before, whose end was in the future and clamped:
 * extend it to now (less a minute), so that a resumed export is never
 * stale.  Each extension is a window more: past what a manifest may hold
 * (manifest_max_windows), an error.  0, or an exit code.
 */
static int
extend_clamped(struct export *e, int64_t now)
{
	int64_t end = e->m.requested_end, clamped = now - 60 * MS_PER_SEC;
	char b1[RANGE_BUFSZ], b2[RANGE_BUFSZ];
	int64_t *b;
	size_t n;

	clamped -= clamped % MS_PER_SEC;
	if (end > clamped)
		end = clamped;
	if (end <= e->m.end)
		return 0;
	n = range_split(e->m.end, end, &b);
	free(b);
	if (e->m.nw + n > manifest_max_windows(e->m.start, end)) {
		error("the export in %s has been extended too often (%zu "
		    "windows); run export with --force to start over",
		    e->o->dir, e->m.nw);
		return EXIT_BAD_INPUT;
	}
	range_format(e->m.end, b1);
	range_format(end, b2);
	say(e, "the end asked for is still in the future: adding %s to %s "
	    "(now less a minute)", b1, b2);
	add_windows(&e->m, e->m.end, end);
	e->m.end = end;
	e->m.complete = 0;
	return 0;
}

static void
summary(struct export *e)
{
	uint64_t bytes = 0, rows = 0;
	size_t i, j, parts = 0;

	for (i = 0; i < e->m.nw; i++)
		for (j = 0; j < e->m.w[i].nfiles; j++) {
			parts++;
			bytes += e->m.w[i].files[j].bytes;
			rows += e->m.w[i].files[j].rows;
		}
	say(e, "export complete in %s: %zu window%s, %zu part%s, %.1f MB, "
	    "%llu rows, %.1f s", e->o->dir, e->m.nw, e->m.nw == 1 ? "" : "s",
	    parts, parts == 1 ? "" : "s", (double)bytes / 1e6,
	    (unsigned long long)rows, api_clock() - e->t0);
}

/*
 * DIR holds the same request: take its manifest over (old is left
 * empty), extended when its end was clamped to a time now past.
 */
static int
plan_resume(struct export *e, struct manifest *old)
{
	char b1[RANGE_BUFSZ], b2[RANGE_BUFSZ];
	int ret;

	e->m = *old;
	manifest_init(old);
	range_format(e->m.start, b1);
	range_format(e->m.end, b2);
	if (e->m.complete)
		say(e, "%s holds a complete export of %s to %s; checking its "
		    "files", e->o->dir, b1, b2);
	else
		say(e, "resuming the export of %s to %s in %s", b1, b2,
		    e->o->dir);
	if ((ret = extend_clamped(e, e->now)) != 0)
		return ret;
	return save(e);
}

/*
 * A new manifest for the request, its windows planned; when `loaded`, it
 * replaces old, DIR's export of another request (old's windows move into
 * it).
 */
static int
plan_new(struct export *e, struct manifest *old, int loaded)
{
	const struct export_request *o = e->o;
	int64_t end = e->end;
	char was[300], b1[RANGE_BUFSZ], b2[RANGE_BUFSZ];
	size_t i, reused;

	manifest_init(&e->m);
	e->m.org_id = xstrdup(e->org);
	e->m.nshared = o->nshared;
	e->m.shared = xcalloc(o->nshared ? o->nshared : 1,
	    sizeof(*e->m.shared));
	for (i = 0; i < o->nshared; i++)
		e->m.shared[i] = xstrdup(o->shared[i]);
	e->m.start = e->start;
	e->m.requested_end = end;
	if (check_range(e, e->now, &e->m.start, &end) < 0)
		return EXIT_USAGE;
	e->m.end = end;
	/* never user information, nor a query string, in the manifest */
	e->m.api_url = api_url_display(e->api_url);
	/* each interrupted replacement leaves one entry: no more than a
	 * manifest may hold */
	if (loaded && old->nold + 1 > MANIFEST_MAX_REPLACED) {
		error("%s holds %zu unfinished replacements; run export with "
		    "--force to start over", o->dir, old->nold);
		return EXIT_BAD_INPUT;
	}
	if (loaded) {
		describe(old, e->org, was, sizeof(was));
		replace_export(e, old);
	}
	reused = add_windows(&e->m, e->m.start, e->m.end);
	if (loaded) {
		range_format(e->m.start, b1);
		range_format(e->m.requested_end, b2);
		if (reused > 0)
			say(e, "%s holds an export of %s; replacing it with %s "
			    "to %s (%zu of %zu window%s reused; the old files "
			    "go once the new export is complete)", o->dir, was,
			    b1, b2, reused, e->m.nw, e->m.nw == 1 ? "" : "s");
		else
			say(e, "%s holds an export of %s; replacing it with %s "
			    "to %s (the old files go once the new export is "
			    "complete)", o->dir, was, b1, b2);
	}
	return save(e);
}

int
export_plan(struct export *e)
{
	const struct export_request *o = e->o;
	struct manifest old;
	int loaded, ret;

	loaded = manifest_load(&old, o->dir);
	if (loaded < 0)
		return EXIT_BAD_INPUT;
	if (loaded && o->force) {
		say(e, "--force: starting over in %s", o->dir);
		remove_old(&old, o->dir);
		manifest_release(&old);
		loaded = 0;
	}
	if (loaded && strcasecmp(old.org_id, e->org) == 0 &&
	    same_orgs((const char *const *)old.shared, old.nshared,
	    o->shared, o->nshared) && old.start == e->start &&
	    old.requested_end == e->end)
		ret = plan_resume(e, &old);
	else
		ret = plan_new(e, &old, loaded);
	manifest_release(&old);
	return ret;
}

struct export *
export_new(const struct export_request *req, const char *token)
{
	struct export *e = xcalloc(1, sizeof(*e));

	e->req = *req;
	e->o = &e->req;
	e->token = token;
	e->prog = req->status;
	e->lock.fd = -1;
	e->lock.path = NULL;
	manifest_init(&e->m);
	return e;
}

int
export_open(struct export *e)
{
	const struct export_request *o = e->o;
	const char *api_src = o->api_url ? "--api-url" :
	    env("CIRCLECI_API_URL") ? "CIRCLECI_API_URL" : "the API URL";
	char err[200];
	int loopback;

	e->now = range_now_ms();
	e->org = o->org ? o->org : env("ORG_ID") ? env("ORG_ID") :
	    env("CIRCLE_ORGANIZATION_ID");
	e->api_url = o->api_url ? o->api_url : env("CIRCLECI_API_URL") ?
	    env("CIRCLECI_API_URL") : "https://circleci.com/api/v2";
	e->t0 = api_clock();
	e->deadline = e->t0 + o->timeout;
	if (e->org == NULL)
		return error("no organization: use --org ID or set ORG_ID "
		    "(inside CircleCI, CIRCLE_ORGANIZATION_ID is set)"),
		    EXIT_USAGE;
	if (!str_is_uuid(e->org))
		return error("org ID '%s': expected the organization's UUID "
		    "(Organization Settings > Overview), not its name",
		    e->org), EXIT_USAGE;
	if (range_resolve(o->start, o->end, o->last, e->now, &e->start,
	    &e->end) < 0)
		return EXIT_USAGE;
	/* before any request; shown with its user information masked */
	if (api_url_check(e->api_url, &loopback, err, sizeof(err)) < 0 ||
	    api_base_check(e->api_url, err, sizeof(err)) < 0) {
		char *shown = api_url_display(e->api_url);

		error("%s '%s': %s", api_src, shown, err);
		free(shown);
		return EXIT_USAGE;
	}
	e->api = api_new(e->api_url, e->token, o->verbose, e->deadline);
	if (e->api == NULL)
		return EXIT_USAGE;
	if (mkdir_p(o->dir) < 0)
		return EXIT_FAILURE_OTHER;
	/* one writer: a second export into DIR would create jobs twice and
	 * rename each other's files away */
	if (dirlock_take(o->dir, "export", &e->lock) < 0)
		return EXIT_FAILURE_OTHER;
	return 0;
}

int
export_create(struct export *e)
{
	size_t i;
	int ret = 0;

	/* one after another: each is recorded before the next */
	for (i = 0; i < e->m.nw && !ret; i++)
		if (e->m.w[i].job_id == NULL)
			ret = create_job(e, &e->m.w[i]);
	return ret;
}

int
export_finish(struct export *e)
{
	int ret;

	e->m.complete = 1;
	ret = save(e);
	if (!ret)
		ret = remove_replaced(e);
	if (!ret)
		summary(e);
	return ret;
}

char *
export_manifest_text(const struct export *e)
{
	return manifest_dump(&e->m);
}

unsigned
export_requests(const struct export *e, unsigned *creates, unsigned *polls)
{
	*creates = e->creates;
	*polls = e->polls;
	return e->api != NULL ? api_requests(e->api) : 0;
}

struct api *
export_api(struct export *e)
{
	return e->api;
}

void
export_free(struct export *e)
{
	if (e == NULL)
		return;
	dirlock_release(&e->lock);
	if (e->api != NULL) {
		api_free(e->api);
		redact_clear();
	}
	manifest_release(&e->m);
	free(e);
}
