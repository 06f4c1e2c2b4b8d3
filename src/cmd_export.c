/*
 * cmd_export.c: `circleci-usage export`: create usage export jobs for a
 * date range (one per window of at most 31 days), wait for them, and
 * download every part, resuming whatever an earlier run left unfinished.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>

#include "answer.h"
#include "api.h"
#include "cmd.h"
#include "download.h"
#include "manifest.h"
#include "range.h"
#include "util.h"

#define MAX_NULL_URL_POLLS 10	/* `completed` without URLs, then give up */
#define MAX_EXPIRED_ROUNDS 5	/* fresh URLs asked for expired ones */
#define MAX_POLL_INTERVAL 60.0

static const char export_usage[] =
"usage: circleci-usage export [options]\n"
"\n"
"Create Usage API exports for a date range, wait for them, and download\n"
"every part into DIR/<start>_<end>/part-NNN.csv.gz, with DIR/manifest.json.\n"
"Running it again into an unfinished export resumes it.\n"
"\n"
"What:\n"
"  --org ID              organization ID (else ORG_ID, else\n"
"                        CIRCLE_ORGANIZATION_ID)\n"
"  --shared-org ID       also include this shared org (repeatable)\n"
"  --start DATE          YYYY-MM-DD (00:00:00Z) or RFC 3339 (else START_DATE)\n"
"  --end DATE            YYYY-MM-DD (23:59:59Z) or RFC 3339 (else END_DATE);\n"
"                        both inclusive\n"
"  --last N{d|w|mo}      the last N complete UTC days, ISO weeks or months\n"
"                        (default: the last 7 complete days)\n"
"\n"
"Where and how:\n"
"  -o, --output DIR      export directory (default ./usage-export)\n"
"  --api-url URL         API base (else CIRCLECI_API_URL, else\n"
"                        https://circleci.com/api/v2)\n"
"  --token-file PATH     read the API token from PATH (- for stdin); else\n"
"                        CIRCLECI_API_TOKEN, CIRCLECI_TOKEN, CIRCLE_TOKEN\n"
"  --poll-interval SECS  first wait between polls (default 5; doubles to 60)\n"
"  --timeout DURATION    give up after 90s, 30m, 4h ... (default 4h)\n"
"  --parallel N          downloads at once (default 4)\n"
"  --max-part-size SIZE  refuse a part larger than SIZE, e.g. 500M or 16G\n"
"                        (default 16G)\n"
"  --force               start over, even if DIR holds an export\n"
"  --quiet               errors only\n"
"  --verbose             trace every request (never a secret)\n"
"  --json                print the manifest on stdout at the end\n"
"  -h, --help            show this help\n";

enum {
	OPT_ORG = 256, OPT_SHARED, OPT_START, OPT_END, OPT_LAST, OPT_API_URL,
	OPT_TOKEN_FILE, OPT_POLL, OPT_TIMEOUT, OPT_PARALLEL, OPT_FORCE,
	OPT_QUIET, OPT_VERBOSE, OPT_JSON, OPT_MAX_PART
};

static const struct option export_options[] = {
	{ "org", required_argument, NULL, OPT_ORG },
	{ "shared-org", required_argument, NULL, OPT_SHARED },
	{ "start", required_argument, NULL, OPT_START },
	{ "end", required_argument, NULL, OPT_END },
	{ "last", required_argument, NULL, OPT_LAST },
	{ "output", required_argument, NULL, 'o' },
	{ "api-url", required_argument, NULL, OPT_API_URL },
	{ "token-file", required_argument, NULL, OPT_TOKEN_FILE },
	{ "poll-interval", required_argument, NULL, OPT_POLL },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "parallel", required_argument, NULL, OPT_PARALLEL },
	{ "max-part-size", required_argument, NULL, OPT_MAX_PART },
	{ "force", no_argument, NULL, OPT_FORCE },
	{ "quiet", no_argument, NULL, OPT_QUIET },
	{ "verbose", no_argument, NULL, OPT_VERBOSE },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 }
};

struct export_opts {
	const char *org;
	const char **shared;
	size_t nshared;
	const char *start, *end, *last;
	const char *dir;
	const char *api_url;
	const char *token_file;
	double poll, timeout;
	int parallel;
	unsigned long long max_part;
	int force, quiet, verbose, json;
};

static const char *
env(const char *name)
{
	const char *v = getenv(name);

	return v && *v ? v : NULL;
}

static int
is_uuid(const char *s)
{
	size_t i;

	if (strlen(s) != 36)
		return 0;
	for (i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return 0;
		} else if (!strchr("0123456789abcdefABCDEF", s[i])) {
			return 0;
		}
	}
	return 1;
}

/*
 * The token, first found wins: --token-file, then the environment.  It is
 * trimmed of white space around it.  Returns NULL after an error.
 */
static char *
read_token(const struct export_opts *o)
{
	static const char *const vars[] = { "CIRCLECI_API_TOKEN",
	    "CIRCLECI_TOKEN", "CIRCLE_TOKEN" };
	char *tok = NULL;
	size_t i, n;

	if (o->token_file != NULL) {
		FILE *f = strcmp(o->token_file, "-") == 0 ? stdin :
		    fopen(o->token_file, "r");
		char buf[4096];

		if (f == NULL) {
			error("--token-file '%s': %s", o->token_file,
			    strerror(errno));
			return NULL;
		}
		n = fread(buf, 1, sizeof(buf) - 1, f);
		if (f != stdin)
			fclose(f);
		buf[n] = '\0';
		tok = xstrdup(buf);
		explicit_bzero(buf, sizeof(buf));
	} else {
		for (i = 0; i < sizeof(vars) / sizeof(vars[0]); i++)
			if (env(vars[i]) != NULL) {
				tok = xstrdup(env(vars[i]));
				break;
			}
	}
	if (tok == NULL) {
		error("no API token: set CIRCLECI_API_TOKEN (a personal API "
		    "token) or use --token-file PATH");
		return NULL;
	}
	/* trim */
	n = strlen(tok);
	while (n > 0 && strchr(" \t\r\n", tok[n - 1]))
		tok[--n] = '\0';
	i = strspn(tok, " \t\r\n");
	memmove(tok, tok + i, n - i + 1);
	n = strlen(tok);
	for (i = 0; i < n; i++)
		if ((unsigned char)tok[i] < 0x21 || tok[i] == 0x7f) {
			explicit_bzero(tok, n);
			free(tok);
			error("the API token %s holds a space or control "
			    "character", o->token_file ? "file" : "variable");
			return NULL;
		}
	if (n == 0) {
		free(tok);
		error("the API token is empty");
		return NULL;
	}
	return tok;
}

/* The range asked for on the command line or in the environment. */
static int
resolve_range(const struct export_opts *o, int64_t now, int64_t *start,
    int64_t *end, int *explicit_range)
{
	const char *s = o->start ? o->start : env("START_DATE");
	const char *e = o->end ? o->end : env("END_DATE");

	*explicit_range = 0;
	if (o->last != NULL) {
		if (o->start || o->end)
			return error("--last cannot be combined with --start "
			    "or --end");
		if (range_parse_last(o->last, now, start, end) < 0)
			return error("--last '%s': expected a count and a unit: "
			    "7d, 4w or 3mo", o->last);
		return 0;
	}
	if (s == NULL && e == NULL) {
		range_default(now, start, end);
		return 0;
	}
	if (s == NULL || e == NULL)
		return error("%s given without %s", s ? "a start" : "an end",
		    s ? "an end (--end or END_DATE)" :
		    "a start (--start or START_DATE)");
	if (range_parse_bound(s, 0, start) < 0)
		return error("%s '%s': expected YYYY-MM-DD or an RFC 3339 time "
		    "(2026-10-01T00:00:00Z)", o->start ? "--start" :
		    "START_DATE", s);
	if (range_parse_bound(e, 1, end) < 0)
		return error("%s '%s': expected YYYY-MM-DD or an RFC 3339 time "
		    "(2026-10-31T23:59:59Z)", o->end ? "--end" : "END_DATE", e);
	*explicit_range = 1;
	return 0;
}

static int
check_range(const struct export_opts *o, int64_t now, int64_t *start,
    int64_t *end)
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
		if (!o->quiet)
			fprintf(stderr, "%s: the end is in the future; using "
			    "%s (now less a minute) instead\n", PROGRAM_NAME,
			    b2);
		*end = clamped;
	}
	return 0;
}

static void
new_windows(struct manifest *m)
{
	int64_t *b;
	size_t n = range_split(m->start, m->end, &b), i;

	m->w = xcalloc(n, sizeof(*m->w));
	m->nw = n;
	for (i = 0; i < n; i++) {
		char c1[RANGE_BUFSZ], c2[RANGE_BUFSZ];

		m->w[i].start = b[i];
		m->w[i].end = b[i + 1];
		range_format_compact(b[i], c1);
		range_format_compact(b[i + 1], c2);
		m->w[i].dir = xasprintf("%s_%s", c1, c2);
	}
	free(b);
}

struct run {
	const struct export_opts *o;
	struct manifest m;
	struct api *api;
	double deadline;
	double t0;
	unsigned creates, polls;
};

static int
save(struct run *r)
{
	return manifest_save(&r->m, r->o->dir) < 0 ? EXIT_FAILURE_OTHER : 0;
}

static int
create_job(struct run *r, struct mf_window *w)
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
	if (r->m.nshared) {
		json_t *a = json_array();

		for (i = 0; i < r->m.nshared; i++)
			json_array_append_new(a, json_string(r->m.shared[i]));
		json_object_set_new(body, "shared_org_ids", a);
	}
	text = json_dumps(body, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(body);
	snprintf(path, sizeof(path), "/organizations/%s/usage_export_job",
	    r->m.org_id);
	snprintf(what, sizeof(what), "create the export job for %s to %s",
	    b1, b2);
	ret = api_call(r->api, "POST", path, text, what, &ans);
	free(text);
	r->creates++;
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
	if (!r->o->quiet)
		fprintf(stderr, "%s: created export job %s for %s to %s\n",
		    PROGRAM_NAME, w->job_id, b1, b2);
	return save(r);
}

/*
 * Poll w's job once.  Fills *ja; its urls are the download URLs when the
 * job is completed with some (nurls 0: not ready).  Returns an exit code;
 * the caller releases *ja either way.
 */
static int
poll_job(struct run *r, struct mf_window *w, struct job_answer *ja)
{
	char path[512], what[200], now[40], err[200];
	json_t *ans;
	int ret;

	memset(ja, 0, sizeof(*ja));
	snprintf(path, sizeof(path), "/organizations/%s/usage_export_job/%s",
	    r->m.org_id, w->job_id);
	snprintf(what, sizeof(what), "poll export job %s", w->job_id);
	ret = api_call(r->api, "GET", path, NULL, what, &ans);
	r->polls++;
	if (ret)
		return ret;
	ret = answer_parse_poll(ans, ja, err, sizeof(err));
	json_decref(ans);
	if (ret < 0) {
		error("%s: %s", what, err);
		return EXIT_API_REJECTED;
	}
	if (w->state == NULL || strcmp(w->state, ja->state) != 0) {
		free(w->state);
		w->state = xstrdup(ja->state);
		if (r->o->verbose)
			fprintf(stderr, "%s: job %s is %s\n", PROGRAM_NAME,
			    w->job_id, ja->state);
	}
	if (strcmp(ja->state, "failed") == 0) {
		free(w->error_reason);
		w->error_reason = xstrdup(ja->error_reason ? ja->error_reason :
		    "(no reason given)");
		save(r);
		error("export job %s failed: %s; run export with --force to "
		    "create a new one", w->job_id, w->error_reason);
		return EXIT_API_REJECTED;
	}
	if (ja->nurls > 0 && w->completed_at == NULL)
		w->completed_at = xstrdup(manifest_now(now));
	return 0;
}

static int
file_valid(const struct run *r, const struct mf_file *f)
{
	char *p = xasprintf("%s/%s", r->o->dir, f->path), err[256], sha[65];
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
 * Download w's parts from `urls` (those not already valid on disk).
 * Returns an exit code; *expired says some URL needs renewing.
 */
static int
download_window(struct run *r, struct mf_window *w,
    const struct job_answer *ja, int *expired)
{
	size_t n = ja->nurls, i, k = 0;
	struct dl_item *items;
	char **paths, **labels, *dir;
	struct dl_opts dopt;
	int ret;

	*expired = 0;
	if (w->nfiles != n)
		manifest_set_files(w, n);
	dir = xasprintf("%s/%s", r->o->dir, w->dir);
	if (mkdir_p(dir) < 0) {
		free(dir);
		return EXIT_FAILURE_OTHER;
	}
	free(dir);
	items = xcalloc(n, sizeof(*items));
	paths = xcalloc(n, sizeof(*paths));
	labels = xcalloc(n, sizeof(*labels));
	for (i = 0; i < n; i++) {
		struct mf_file *f = &w->files[i];

		if (f->done && file_valid(r, f))
			continue;
		f->done = 0;
		paths[k] = xasprintf("%s/%s", r->o->dir, f->path);
		labels[k] = xstrdup(f->path);
		items[k].url = ja->urls[f->url_index < n ? f->url_index : i];
		items[k].path = paths[k];
		items[k].label = labels[k];
		k++;
	}
	dopt.parallel = r->o->parallel;
	dopt.max_part = r->o->max_part;
	dopt.deadline = r->deadline;
	dopt.verbose = r->o->verbose;
	dopt.quiet = r->o->quiet;
	dopt.live = !r->o->quiet && !r->o->verbose && isatty(2);
	ret = k ? download_all(items, k, &dopt) : 0;
	for (i = 0, k = 0; i < n; i++) {
		struct mf_file *f = &w->files[i];

		if (f->done)
			continue;
		if (items[k].done) {
			f->done = 1;
			f->bytes = items[k].bytes;
			f->rows = items[k].rows;
			memcpy(f->sha256, items[k].sha256, 65);
		} else if (items[k].expired) {
			*expired = 1;
		}
		free(paths[k]);
		free(labels[k]);
		k++;
	}
	free(items);
	free(paths);
	free(labels);
	if (save(r))
		return EXIT_FAILURE_OTHER;
	return ret;
}

static int
window_done(const struct run *r, const struct mf_window *w)
{
	size_t i;

	if (w->job_id == NULL || w->state == NULL ||
	    strcmp(w->state, "completed") != 0 || w->nfiles == 0)
		return 0;
	for (i = 0; i < w->nfiles; i++)
		if (!file_valid(r, &w->files[i]))
			return 0;
	return 1;
}

/* Wait for every window's job and download its parts. */
static int
finish_windows(struct run *r)
{
	size_t nw = r->m.nw, i, left;
	int *done = xcalloc(nw, sizeof(*done));
	unsigned *nulls = xcalloc(nw, sizeof(*nulls));
	unsigned *renew = xcalloc(nw, sizeof(*renew));
	double interval = r->o->poll;
	int ret = 0;

	for (i = 0; i < nw; i++)
		done[i] = window_done(r, &r->m.w[i]);
	for (;;) {
		int progressed = 0;

		left = 0;
		for (i = 0; i < nw && !ret; i++) {
			struct mf_window *w = &r->m.w[i];
			struct job_answer ja;
			int expired;

			if (done[i])
				continue;
			ret = poll_job(r, w, &ja);
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
			ret = download_window(r, w, &ja, &expired);
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
				if (!r->o->quiet)
					warning("download URLs of job %s have "
					    "expired; asking for fresh ones",
					    w->job_id);
				left++;
				progressed = 1;	/* poll again at once */
				continue;
			}
			done[i] = 1;
			progressed = 1;
		}
		if (ret || left == 0)
			break;
		if (api_clock() >= r->deadline) {
			for (i = 0; i < nw && done[i]; i++)
				;
			error("timed out waiting for export job %s (still %s); "
			    "run export again to resume", r->m.w[i].job_id,
			    r->m.w[i].state);
			ret = EXIT_UNREACHABLE;
			break;
		}
		if (!progressed) {
			if (api_clock() + interval > r->deadline) {
				api_sleep(interval, r->deadline);
				continue;	/* one last poll at the deadline */
			}
			api_sleep(interval, r->deadline);
			interval *= 2;
			if (interval > MAX_POLL_INTERVAL)
				interval = MAX_POLL_INTERVAL;
		}
		if (save(r)) {
			ret = EXIT_FAILURE_OTHER;
			break;
		}
	}
	free(done);
	free(nulls);
	free(renew);
	return ret;
}

static int
same_shared(const struct manifest *m, const struct export_opts *o)
{
	size_t i;

	if (m->nshared != o->nshared)
		return 0;
	for (i = 0; i < o->nshared; i++)
		if (strcmp(m->shared[i], o->shared[i]) != 0)
			return 0;
	return 1;
}

/* Remove the parts an earlier export left (for --force). */
static void
remove_old(const struct manifest *m, const char *dir)
{
	size_t i, j;

	for (i = 0; i < m->nw; i++) {
		char *d;

		for (j = 0; j < m->w[i].nfiles; j++) {
			char *p = xasprintf("%s/%s", dir,
			    m->w[i].files[j].path);
			char *q = xasprintf("%s.partial", p);

			unlink(p);
			unlink(q);
			free(p);
			free(q);
		}
		d = xasprintf("%s/%s", dir, m->w[i].dir);
		rmdir(d);
		free(d);
	}
}

static void
summary(const struct run *r)
{
	uint64_t bytes = 0, rows = 0;
	size_t i, j, parts = 0;

	for (i = 0; i < r->m.nw; i++)
		for (j = 0; j < r->m.w[i].nfiles; j++) {
			parts++;
			bytes += r->m.w[i].files[j].bytes;
			rows += r->m.w[i].files[j].rows;
		}
	fprintf(stderr, "%s: export complete in %s: %zu window%s, %zu "
	    "part%s, %.1f MB, %llu rows, %.1f s\n", PROGRAM_NAME, r->o->dir,
	    r->m.nw, r->m.nw == 1 ? "" : "s", parts, parts == 1 ? "" : "s",
	    (double)bytes / 1e6, (unsigned long long)rows,
	    api_clock() - r->t0);
}

static int
export_run(const struct export_opts *o, const char *token)
{
	struct run r;
	int64_t now = range_now_ms(), start, end;
	int explicit_range, ret, loaded;
	const char *org = o->org ? o->org : env("ORG_ID") ? env("ORG_ID") :
	    env("CIRCLE_ORGANIZATION_ID");
	const char *api_url = o->api_url ? o->api_url :
	    env("CIRCLECI_API_URL") ? env("CIRCLECI_API_URL") :
	    "https://circleci.com/api/v2";
	size_t i;

	memset(&r, 0, sizeof(r));
	r.o = o;
	r.t0 = api_clock();
	r.deadline = r.t0 + o->timeout;
	if (org == NULL)
		return error("no organization: use --org ID or set ORG_ID "
		    "(inside CircleCI, CIRCLE_ORGANIZATION_ID is set)"),
		    EXIT_USAGE;
	if (!is_uuid(org))
		return error("org ID '%s': expected the organization's UUID "
		    "(Organization Settings > Overview), not its name", org),
		    EXIT_USAGE;
	if (resolve_range(o, now, &start, &end, &explicit_range) < 0)
		return EXIT_USAGE;
	r.api = api_new(api_url, token, o->verbose, r.deadline);
	if (r.api == NULL)
		return EXIT_USAGE;
	if (mkdir_p(o->dir) < 0) {
		api_free(r.api);
		return EXIT_FAILURE_OTHER;
	}

	loaded = manifest_load(&r.m, o->dir);
	if (loaded < 0) {
		api_free(r.api);
		return EXIT_BAD_INPUT;
	}
	if (loaded && o->force) {
		if (!o->quiet)
			fprintf(stderr, "%s: --force: starting over in %s\n",
			    PROGRAM_NAME, o->dir);
		remove_old(&r.m, o->dir);
		manifest_release(&r.m);
		loaded = 0;
	}
	if (loaded) {
		char b1[RANGE_BUFSZ], b2[RANGE_BUFSZ];

		range_format(r.m.start, b1);
		range_format(r.m.end, b2);
		if (strcasecmp(r.m.org_id, org) != 0 ||
		    !same_shared(&r.m, o)) {
			error("%s holds an export of another organization "
			    "(%s); use another -o DIR, or --force to start "
			    "over", o->dir, r.m.org_id);
			manifest_release(&r.m);
			api_free(r.api);
			return EXIT_USAGE;
		}
		if (explicit_range && (start != r.m.start ||
		    end != r.m.requested_end)) {
			error("%s holds an export of %s to %s, not the range "
			    "asked for; use another -o DIR, or --force to "
			    "start over", o->dir, b1, b2);
			manifest_release(&r.m);
			api_free(r.api);
			return EXIT_USAGE;
		}
		if (r.m.complete && !o->quiet)
			fprintf(stderr, "%s: %s holds a complete export of %s "
			    "to %s; checking its files\n", PROGRAM_NAME,
			    o->dir, b1, b2);
		else if (!o->quiet)
			fprintf(stderr, "%s: resuming the export of %s to %s in "
			    "%s\n", PROGRAM_NAME, b1, b2, o->dir);
	} else {
		manifest_init(&r.m);
		r.m.org_id = xstrdup(org);
		r.m.nshared = o->nshared;
		r.m.shared = xcalloc(o->nshared ? o->nshared : 1,
		    sizeof(*r.m.shared));
		for (i = 0; i < o->nshared; i++)
			r.m.shared[i] = xstrdup(o->shared[i]);
		r.m.start = start;
		r.m.requested_end = end;
		if (check_range(o, now, &r.m.start, &end) < 0) {
			manifest_release(&r.m);
			api_free(r.api);
			return EXIT_USAGE;
		}
		r.m.end = end;
		r.m.api_url = xstrdup(api_url);
		new_windows(&r.m);
		if (save(&r)) {
			manifest_release(&r.m);
			api_free(r.api);
			return EXIT_FAILURE_OTHER;
		}
	}

	ret = 0;
	/* create the jobs not yet created, one after another */
	for (i = 0; i < r.m.nw && !ret; i++)
		if (r.m.w[i].job_id == NULL)
			ret = create_job(&r, &r.m.w[i]);
	if (!ret)
		ret = finish_windows(&r);
	if (!ret) {
		r.m.complete = 1;
		ret = save(&r);
	}
	if (!ret && !o->quiet)
		summary(&r);
	if (!ret && o->json) {
		char *text = manifest_dump(&r.m);

		puts(text);
		free(text);
		if (fflush(stdout) != 0) {
			error("cannot write the standard output");
			ret = EXIT_FAILURE_OTHER;
		}
	}
	if (o->verbose)
		fprintf(stderr, "%s: %u requests to the API (%u creates, %u "
		    "polls)\n", PROGRAM_NAME, api_requests(r.api), r.creates,
		    r.polls);
	api_free(r.api);
	manifest_release(&r.m);
	return ret;
}

static int
cmd_export(int argc, char **argv)
{
	struct export_opts o;
	char *token, *end;
	unsigned long long n;
	int c, ret;

	memset(&o, 0, sizeof(o));
	o.dir = "usage-export";
	o.poll = 5;
	o.timeout = 4 * 3600;
	o.parallel = 4;
	o.max_part = 16ULL << 30;
	optind = 0;
	while ((c = getopt_long(argc, argv, "o:h", export_options, NULL)) != -1) {
		switch (c) {
		case OPT_ORG:
			o.org = optarg;
			break;
		case OPT_SHARED:
			if (!is_uuid(optarg))
				return error("--shared-org '%s': expected an "
				    "organization UUID", optarg), EXIT_USAGE;
			o.shared = xreallocarray(o.shared, o.nshared + 1,
			    sizeof(*o.shared));
			o.shared[o.nshared++] = optarg;
			break;
		case OPT_START:
			o.start = optarg;
			break;
		case OPT_END:
			o.end = optarg;
			break;
		case OPT_LAST:
			o.last = optarg;
			break;
		case 'o':
			o.dir = optarg;
			break;
		case OPT_API_URL:
			o.api_url = optarg;
			break;
		case OPT_TOKEN_FILE:
			o.token_file = optarg;
			break;
		case OPT_POLL:
			o.poll = strtod(optarg, &end);
			if (end == optarg || *end || !(o.poll > 0) ||
			    o.poll > 3600) {
				free(o.shared);
				return error("--poll-interval '%s': expected "
				    "seconds, more than 0", optarg), EXIT_USAGE;
			}
			break;
		case OPT_TIMEOUT:
			if (range_parse_duration(optarg, &o.timeout) < 0) {
				free(o.shared);
				return error("--timeout '%s': expected a "
				    "duration such as 90s, 30m or 4h", optarg),
				    EXIT_USAGE;
			}
			break;
		case OPT_PARALLEL:
			if (parse_uint(optarg, 64, &n) < 0 || n == 0) {
				free(o.shared);
				return error("--parallel '%s': expected 1 to "
				    "64", optarg), EXIT_USAGE;
			}
			o.parallel = (int)n;
			break;
		case OPT_MAX_PART:
			if (parse_size(optarg, 1ULL << 50, &o.max_part) < 0) {
				free(o.shared);
				return error("--max-part-size '%s': expected a "
				    "size such as 500M or 16G", optarg),
				    EXIT_USAGE;
			}
			break;
		case OPT_FORCE:
			o.force = 1;
			break;
		case OPT_QUIET:
			o.quiet = 1;
			break;
		case OPT_VERBOSE:
			o.verbose = 1;
			break;
		case OPT_JSON:
			o.json = 1;
			break;
		case 'h':
			fputs(export_usage, stdout);
			free(o.shared);
			return EXIT_OK;
		default:
			free(o.shared);
			fputs("Try 'circleci-usage export --help'.\n", stderr);
			return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		free(o.shared);
		return error("export takes no arguments ('%s'); the output "
		    "directory is -o DIR", argv[optind]), EXIT_USAGE;
	}
	/* the token must never reach a core file */
	{
		struct rlimit rl = { 0, 0 };

		setrlimit(RLIMIT_CORE, &rl);
		prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	}
	token = read_token(&o);
	if (token == NULL) {
		free(o.shared);
		return EXIT_USAGE;
	}
	srand((unsigned)time(NULL) ^ (unsigned)getpid());
	curl_global_init(CURL_GLOBAL_DEFAULT);
	ret = export_run(&o, token);
	curl_global_cleanup();
	explicit_bzero(token, strlen(token));
	free(token);
	free(o.shared);
	return ret;
}

const struct cmd_entry cmd_export_entry = {
	.name = "export",
	.summary = "create Usage API exports and download every part",
	.exec = cmd_export,
};
