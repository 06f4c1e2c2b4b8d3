/*
 * manifest.c: reading and writing DIR/manifest.json with jansson.
 */
#include "manifest.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include "out.h"
#include "range.h"
#include "redact.h"
#include "util.h"

void
manifest_init(struct manifest *m)
{
	memset(m, 0, sizeof(*m));
}

/* Free a window's files; it has none after. */
static void
mf_files_release(struct mf_window *w)
{
	size_t i;

	for (i = 0; i < w->nfiles; i++)
		free(w->files[i].path);
	free(w->files);
	w->files = NULL;
	w->nfiles = 0;
}

/* Release the n windows of w, then free w. */
static void
mf_windows_free(struct mf_window *w, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		manifest_window_release(&w[i]);
	free(w);
}

void
manifest_window_release(struct mf_window *w)
{
	mf_files_release(w);
	free(w->dir);
	free(w->job_id);
	free(w->state);
	free(w->error_reason);
	free(w->created_at);
	free(w->completed_at);
	memset(w, 0, sizeof(*w));
}

void
manifest_replaced_release(struct mf_replaced *r)
{
	strv_free(r->shared, r->nshared);
	mf_windows_free(r->w, r->nw);
	free(r->org_id);
	memset(r, 0, sizeof(*r));
}

void
manifest_release(struct manifest *m)
{
	size_t i;

	strv_free(m->shared, m->nshared);
	mf_windows_free(m->w, m->nw);
	for (i = 0; i < m->nold; i++)
		manifest_replaced_release(&m->old[i]);
	free(m->old);
	free(m->org_id);
	free(m->api_url);
	free(m->created_at);
	free(m->updated_at);
	manifest_init(m);
}

const char *
manifest_now(char *buf)
{
	int64_t now = range_now_ms();

	range_format(now - now % MS_PER_SEC, buf);
	return buf;
}

void
manifest_set_files(struct mf_window *w, size_t n)
{
	size_t i;

	mf_files_release(w);
	w->files = xcalloc(n ? n : 1, sizeof(*w->files));
	w->nfiles = n;
	for (i = 0; i < n; i++) {
		w->files[i].path = xasprintf("%s/part-%03zu.csv.gz", w->dir, i);
		w->files[i].url_index = (unsigned)i;
	}
}

static json_t *
str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

static json_t *
window_json(const struct mf_window *w)
{
	json_t *jw = json_object(), *fs = json_array();
	char b1[RANGE_BUFSZ], b2[RANGE_BUFSZ];
	size_t j;

	range_format(w->start, b1);
	range_format(w->end, b2);
	json_object_set_new(jw, "start", json_string(b1));
	json_object_set_new(jw, "end", json_string(b2));
	json_object_set_new(jw, "dir", json_string(w->dir));
	json_object_set_new(jw, "job_id", str_or_null(w->job_id));
	json_object_set_new(jw, "state", str_or_null(w->state));
	if (w->error_reason)
		json_object_set_new(jw, "error_reason",
		    json_string(w->error_reason));
	json_object_set_new(jw, "created_at", str_or_null(w->created_at));
	json_object_set_new(jw, "completed_at", str_or_null(w->completed_at));
	for (j = 0; j < w->nfiles; j++) {
		const struct mf_file *f = &w->files[j];
		json_t *jf = json_object();

		json_object_set_new(jf, "path", json_string(f->path));
		json_object_set_new(jf, "url_index",
		    json_integer(f->url_index));
		json_object_set_new(jf, "done", json_boolean(f->done));
		if (f->done) {
			json_object_set_new(jf, "bytes",
			    json_integer((json_int_t)f->bytes));
			json_object_set_new(jf, "sha256",
			    json_string(f->sha256));
			json_object_set_new(jf, "rows",
			    json_integer((json_int_t)f->rows));
		}
		json_array_append_new(fs, jf);
	}
	json_object_set_new(jw, "files", fs);
	return jw;
}

static json_t *
shared_json(char *const *shared, size_t n)
{
	json_t *sh = json_array();
	size_t i;

	for (i = 0; i < n; i++)
		json_array_append_new(sh, json_string(shared[i]));
	return sh;
}

/* The API URL as the manifest keeps it: never with user information (nor
 * a query string, which only a URL with user information could bring). */
static json_t *
api_url_json(const char *url)
{
	json_t *j;
	char *shown;

	if (url == NULL || !redact_url_has_userinfo(url))
		return json_string(url);
	shown = redact_url(url, 0);
	j = json_string(shown);
	free(shown);
	return j;
}

static json_t *
to_json(const struct manifest *m)
{
	json_t *root = json_object(), *ws = json_array();
	char b1[RANGE_BUFSZ], b2[RANGE_BUFSZ];
	size_t i, j;

	range_format(m->start, b1);
	range_format(m->end, b2);
	json_object_set_new(root, "version", json_integer(MANIFEST_VERSION));
	json_object_set_new(root, "org_id", json_string(m->org_id));
	json_object_set_new(root, "shared_org_ids", shared_json(m->shared,
	    m->nshared));
	json_object_set_new(root, "start", json_string(b1));
	json_object_set_new(root, "end", json_string(b2));
	range_format(m->requested_end, b2);
	json_object_set_new(root, "requested_end", json_string(b2));
	json_object_set_new(root, "api_url", api_url_json(m->api_url));
	json_object_set_new(root, "complete", json_boolean(m->complete));
	json_object_set_new(root, "created_at", str_or_null(m->created_at));
	json_object_set_new(root, "updated_at", str_or_null(m->updated_at));
	for (i = 0; i < m->nw; i++)
		json_array_append_new(ws, window_json(&m->w[i]));
	json_object_set_new(root, "windows", ws);
	/* only while a replacement is under way: most manifests lack it */
	if (m->nold > 0) {
		json_t *rs = json_array();

		for (i = 0; i < m->nold; i++) {
			const struct mf_replaced *r = &m->old[i];
			json_t *jr = json_object(), *rw = json_array();

			range_format(r->start, b1);
			range_format(r->end, b2);
			json_object_set_new(jr, "org_id",
			    json_string(r->org_id));
			json_object_set_new(jr, "shared_org_ids",
			    shared_json(r->shared, r->nshared));
			json_object_set_new(jr, "start", json_string(b1));
			json_object_set_new(jr, "end", json_string(b2));
			for (j = 0; j < r->nw; j++)
				json_array_append_new(rw,
				    window_json(&r->w[j]));
			json_object_set_new(jr, "windows", rw);
			json_array_append_new(rs, jr);
		}
		json_object_set_new(root, "replaced", rs);
	}
	return root;
}

char *
manifest_dump(const struct manifest *m)
{
	json_t *j = to_json(m);
	char *s = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);

	json_decref(j);
	if (s == NULL)
		die(EXIT_FAILURE_OTHER, "out of memory");
	return s;
}

int
manifest_save(struct manifest *m, const char *dir)
{
	char now[RANGE_BUFSZ], *path, *text;
	int ret;

	free(m->updated_at);
	m->updated_at = xstrdup(manifest_now(now));
	if (m->created_at == NULL)
		m->created_at = xstrdup(now);
	path = xasprintf("%s/%s", dir, MANIFEST_NAME);
	text = manifest_dump(m);
	ret = out_write_text(path, text);
	free(text);
	free(path);
	return ret;
}

/*
 * Field helpers for loading: each prints an error naming the field, as
 * "'PATH': key" at the top and "'PATH': windows[0].key" in a window.
 */
static int
field_error(const char *where, const char *key, const char *what)
{
	size_t n = strlen(where);

	return error("%s%s%s: %s", where, n && where[n - 1] == '\'' ? ": " :
	    ".", key, what);
}

static int
get_str(json_t *o, const char *key, const char *where, int nullable,
    char **out)
{
	json_t *v = json_object_get(o, key);

	if ((v == NULL || json_is_null(v)) && nullable) {
		*out = NULL;
		return 0;
	}
	if (!json_is_string(v))
		return field_error(where, key, "expected a string");
	*out = xstrdup(json_string_value(v));
	return 0;
}

static int
get_time(json_t *o, const char *key, const char *where, int64_t *ms)
{
	const char *s = json_string_value(json_object_get(o, key));

	if (s == NULL || range_parse_bound(s, 0, ms) < 0)
		return field_error(where, key, "expected an RFC 3339 time");
	return 0;
}

static int
get_u64(json_t *o, const char *key, const char *where, uint64_t *out)
{
	json_t *v = json_object_get(o, key);

	if (!json_is_integer(v) || json_integer_value(v) < 0)
		return field_error(where, key, "expected a number");
	*out = (uint64_t)json_integer_value(v);
	return 0;
}

int
manifest_path_safe(const char *p)
{
	const char *s = p;

	if (*p == '\0' || *p == '/')
		return 0;
	while (*s) {
		size_t n = strcspn(s, "/");

		if (n == 2 && s[0] == '.' && s[1] == '.')
			return 0;
		s += n;
		s += *s == '/';
	}
	return 1;
}

size_t
manifest_max_windows(int64_t start, int64_t end)
{
	size_t n = 1;

	if (end > start)
		n = (size_t)((end - start + WINDOW_MAX_MS - 1) / WINDOW_MAX_MS);
	return n + MANIFEST_MAX_RESUMES;
}

/* The walk of manifest_check_strings: `where` names j. */
static int
check_strings(const json_t *j, struct sbuf *where, const char *file)
{
	size_t len = where->len, i;
	const char *key;
	json_t *v;
	int ret = 0;

	if (json_is_string(j)) {
		const char *s = json_string_value(j);
		size_t n = json_string_length(j);

		if (n > MANIFEST_MAX_TEXT)
			return error("'%s': %s: expected at most %d bytes",
			    file, where->buf, MANIFEST_MAX_TEXT);
		if (strlen(s) != n || str_has_control(s, n))
			return error("'%s': %s: expected text without control "
			    "characters", file, where->buf);
	} else if (json_is_array(j)) {
		json_array_foreach((json_t *)j, i, v) {
			sbuf_addf(where, "[%zu]", i);
			ret = check_strings(v, where, file);
			where->len = len;
			where->buf[len] = '\0';
			if (ret < 0)
				break;
		}
	} else if (json_is_object(j)) {
		json_object_foreach((json_t *)j, key, v) {
			if (strlen(key) > MANIFEST_MAX_TEXT ||
			    str_has_control(key, strlen(key)))
				return error("'%s': %s: expected keys without "
				    "control characters", file, len ?
				    where->buf : "the top level");
			sbuf_addf(where, "%s%s", len ? "." : "", key);
			ret = check_strings(v, where, file);
			where->len = len;
			where->buf[len] = '\0';
			if (ret < 0)
				break;
		}
	}
	return ret;
}

int
manifest_check_strings(const json_t *root, const char *file)
{
	struct sbuf where;
	int ret;

	sbuf_init(&where, 1 << 16);
	ret = check_strings(root, &where, file);
	sbuf_release(&where);
	return ret;
}

json_t *
manifest_read_json(const char *path)
{
	json_error_t jerr;
	struct stat st;
	json_t *root;
	FILE *f;

	f = fopen(path, "r");
	if (f == NULL) {
		error("cannot read '%s': %s", path, strerror(errno));
		return NULL;
	}
	/* jansson would read a directory as an empty file */
	if (fstat(fileno(f), &st) < 0) {
		/* no size to check: read it as it comes */
		st.st_mode = 0;
		st.st_size = 0;
	}
	if (S_ISDIR(st.st_mode)) {
		error("cannot read '%s': %s", path, strerror(EISDIR));
		fclose(f);
		return NULL;
	}
	if ((uintmax_t)st.st_size > MANIFEST_MAX_BYTES) {
		error("'%s': expected at most %u MB, not %jd bytes", path,
		    MANIFEST_MAX_BYTES >> 20, (intmax_t)st.st_size);
		fclose(f);
		return NULL;
	}
	root = json_loadf(f, 0, &jerr);
	fclose(f);
	if (root == NULL)
		error("'%s' line %d: %s", path, jerr.line, jerr.text);
	return root;
}

static int
cmp_index(const void *a, const void *b, void *paths)
{
	const char *const *p = paths;
	size_t i = *(const size_t *)a, j = *(const size_t *)b;
	int c = strcmp(p[i], p[j]);

	return c ? c : (i > j) - (i < j);
}

int
manifest_find_duplicate(const char *const *paths, size_t n, size_t *a,
    size_t *b)
{
	size_t *ix, i;
	int ret = 0;

	if (n < 2)
		return 0;
	ix = xcalloc(n, sizeof(*ix));
	for (i = 0; i < n; i++)
		ix[i] = i;
	qsort_r(ix, n, sizeof(*ix), cmp_index, (void *)paths);
	for (i = 1; i < n; i++)
		if (strcmp(paths[ix[i - 1]], paths[ix[i]]) == 0) {
			*a = ix[i - 1];
			*b = ix[i];
			ret = -1;
			break;
		}
	free(ix);
	return ret;
}

/*
 * Is rel, a path the manifest names, inside the export directory dir once
 * resolved on the disk?  0, or -1 after an error naming the field.
 */
static int
check_inside(const char *dir, const char *rel, const char *where,
    const char *key)
{
	char why[PATH_MAX + 200];
	int r = path_inside(dir, rel, why, sizeof(why));

	if (r < 0)
		return -1;
	if (r == 0)
		return error("%s.%s: expected a path inside the export "
		    "directory: %s", where, key, why);
	return 0;
}

/*
 * One window.  dir is the export directory; lo and hi the range it must
 * lie in, and it must start at or after `after` (the previous window's
 * end), so that windows neither overlap nor leave the range.
 */
static int
load_window(json_t *jw, struct mf_window *w, const char *where,
    const char *dir, int64_t lo, int64_t hi, int64_t after)
{
	json_t *fs, *jf;
	size_t j;
	char sub[700];

	if (!json_is_object(jw))
		return error("%s: expected an object", where);
	if (get_time(jw, "start", where, &w->start) < 0 ||
	    get_time(jw, "end", where, &w->end) < 0 ||
	    get_str(jw, "dir", where, 0, &w->dir) < 0 ||
	    get_str(jw, "job_id", where, 1, &w->job_id) < 0 ||
	    get_str(jw, "state", where, 1, &w->state) < 0 ||
	    get_str(jw, "error_reason", where, 1, &w->error_reason) < 0 ||
	    get_str(jw, "created_at", where, 1, &w->created_at) < 0 ||
	    get_str(jw, "completed_at", where, 1, &w->completed_at) < 0)
		return -1;
	if (!manifest_path_safe(w->dir) || strchr(w->dir, '/') ||
	    strcmp(w->dir, ".") == 0)
		return error("%s.dir: expected a directory name", where);
	if (check_inside(dir, w->dir, where, "dir") < 0)
		return -1;
	/* a job id goes into the API's URL: a UUID, nothing else */
	if (w->job_id != NULL && !str_is_uuid(w->job_id))
		return error("%s.job_id: expected a UUID or null", where);
	if (w->end < w->start)
		return error("%s.end: expected a time after its start", where);
	if (w->end - w->start > WINDOW_MAX_MS)
		return error("%s: expected a window of at most 31 days", where);
	if (w->start < lo || w->end > hi)
		return error("%s: expected a window inside the range of its "
		    "export", where);
	if (w->start < after)
		return error("%s.start: expected a time after the previous "
		    "window's end", where);
	fs = json_object_get(jw, "files");
	if (fs == NULL || json_is_null(fs))
		return 0;
	if (!json_is_array(fs))
		return error("%s.files: expected an array", where);
	if (json_array_size(fs) > MANIFEST_MAX_PARTS)
		return error("%s.files: expected at most %d files, not %zu",
		    where, MANIFEST_MAX_PARTS, json_array_size(fs));
	w->nfiles = json_array_size(fs);
	w->files = xcalloc(w->nfiles ? w->nfiles : 1, sizeof(*w->files));
	json_array_foreach(fs, j, jf) {
		struct mf_file *f = &w->files[j];
		const char *sha;
		uint64_t ui = j;

		snprintf(sub, sizeof(sub), "%s.files[%zu]", where, j);
		if (!json_is_object(jf))
			return error("%s: expected an object", sub);
		if (get_str(jf, "path", sub, 0, &f->path) < 0)
			return -1;
		if (!manifest_path_safe(f->path))
			return error("%s.path: expected a relative path inside "
			    "the export", sub);
		if (check_inside(dir, f->path, sub, "path") < 0)
			return -1;
		if (json_object_get(jf, "url_index") != NULL &&
		    get_u64(jf, "url_index", sub, &ui) < 0)
			return -1;
		if (ui >= w->nfiles)
			return error("%s.url_index: expected a number below "
			    "%zu", sub, w->nfiles);
		f->url_index = (unsigned)ui;
		f->done = json_is_true(json_object_get(jf, "done"));
		if (!f->done)
			continue;
		if (get_u64(jf, "bytes", sub, &f->bytes) < 0 ||
		    get_u64(jf, "rows", sub, &f->rows) < 0)
			return -1;
		sha = json_string_value(json_object_get(jf, "sha256"));
		if (sha == NULL || strlen(sha) != 64 ||
		    strspn(sha, "0123456789abcdef") != 64)
			return error("%s.sha256: expected 64 hex digits", sub);
		memcpy(f->sha256, sha, 65);
	}
	return 0;
}

/* shared_org_ids: absent or null is none. */
static int
load_shared(json_t *sh, const char *where, char ***out, size_t *n)
{
	size_t i;

	*out = NULL;
	*n = 0;
	if (sh == NULL || json_is_null(sh))
		return 0;
	if (!json_is_array(sh))
		return field_error(where, "shared_org_ids",
		    "expected an array");
	if (json_array_size(sh) > MANIFEST_MAX_SHARED)
		return field_error(where, "shared_org_ids", "expected at most "
		    "64 org IDs");
	*n = json_array_size(sh);
	*out = xcalloc(*n ? *n : 1, sizeof(**out));
	for (i = 0; i < *n; i++) {
		const char *s = json_string_value(json_array_get(sh, i));

		if (s == NULL || !str_is_uuid(s)) {
			char key[40];

			snprintf(key, sizeof(key), "shared_org_ids[%zu]", i);
			return field_error(where, key, s == NULL ?
			    "expected a string" : "expected a UUID");
		}
		(*out)[i] = xstrdup(s);
	}
	return 0;
}

static int
load_replaced(json_t *jr, struct mf_replaced *r, const char *where,
    const char *dir)
{
	json_t *ws, *jw;
	size_t i;
	char sub[700];

	if (!json_is_object(jr))
		return error("%s: expected an object", where);
	if (get_str(jr, "org_id", where, 0, &r->org_id) < 0 ||
	    get_time(jr, "start", where, &r->start) < 0 ||
	    get_time(jr, "end", where, &r->end) < 0 ||
	    load_shared(json_object_get(jr, "shared_org_ids"), where,
	    &r->shared, &r->nshared) < 0)
		return -1;
	if (!str_is_uuid(r->org_id))
		return field_error(where, "org_id", "expected a UUID");
	if (r->end < r->start)
		return field_error(where, "end", "expected a time after the "
		    "start");
	ws = json_object_get(jr, "windows");
	if (!json_is_array(ws))
		return field_error(where, "windows", "expected an array");
	if (json_array_size(ws) > manifest_max_windows(r->start, r->end))
		return error("%s.windows: expected at most %zu windows for its "
		    "range, not %zu", where, manifest_max_windows(r->start,
		    r->end), json_array_size(ws));
	r->nw = json_array_size(ws);
	r->w = xcalloc(r->nw ? r->nw : 1, sizeof(*r->w));
	json_array_foreach(ws, i, jw) {
		snprintf(sub, sizeof(sub), "%s.windows[%zu]", where, i);
		if (load_window(jw, &r->w[i], sub, dir, r->start, r->end,
		    i ? r->w[i - 1].end : r->start) < 0)
			return -1;
	}
	return 0;
}

/* The name of window k of every window of m, current then replaced. */
static void
window_name(const struct manifest *m, size_t k, char *buf, size_t len)
{
	size_t i;

	if (k < m->nw) {
		snprintf(buf, len, "windows[%zu]", k);
		return;
	}
	k -= m->nw;
	for (i = 0; i < m->nold && k >= m->old[i].nw; i++)
		k -= m->old[i].nw;
	snprintf(buf, len, "replaced[%zu].windows[%zu]", i, k);
}

static const struct mf_window *
window_at(const struct manifest *m, size_t k)
{
	size_t i;

	if (k < m->nw)
		return &m->w[k];
	k -= m->nw;
	for (i = 0; k >= m->old[i].nw; i++)
		k -= m->old[i].nw;
	return &m->old[i].w[k];
}

/*
 * Every window's directory and every file listed once, in the whole
 * manifest (replaced windows too: export removes their files, which must
 * not be a current window's).  A file listed twice would be read twice.
 */
static int
check_unique(const struct manifest *m, const char *path)
{
	const char **names;
	size_t nw = m->nw, nf = 0, i, j, k, a, b;
	char wa[80], wb[80];
	int ret = 0;

	for (i = 0; i < m->nold; i++)
		nw += m->old[i].nw;
	for (k = 0; k < nw; k++)
		nf += window_at(m, k)->nfiles;
	if (nf > MANIFEST_MAX_FILES)
		return error("'%s': windows: expected at most %d files in all, "
		    "not %zu", path, MANIFEST_MAX_FILES, nf);
	names = xcalloc(nw + nf + 1, sizeof(*names));
	for (k = 0; k < nw; k++)
		names[k] = window_at(m, k)->dir;
	if (manifest_find_duplicate(names, nw, &a, &b) < 0) {
		window_name(m, a, wa, sizeof(wa));
		window_name(m, b, wb, sizeof(wb));
		ret = error("'%s': %s.dir: expected a directory of its own, "
		    "not that of %s", path, wb, wa);
		goto out;
	}
	for (k = 0, j = 0; k < nw; k++)
		for (i = 0; i < window_at(m, k)->nfiles; i++)
			names[j++] = window_at(m, k)->files[i].path;
	if (manifest_find_duplicate(names, nf, &a, &b) < 0) {
		/* back from positions in names to windows and files */
		size_t fa = a, fb = b, ka = 0, kb = 0;

		while (fa >= window_at(m, ka)->nfiles)
			fa -= window_at(m, ka++)->nfiles;
		while (fb >= window_at(m, kb)->nfiles)
			fb -= window_at(m, kb++)->nfiles;
		window_name(m, ka, wa, sizeof(wa));
		window_name(m, kb, wb, sizeof(wb));
		ret = error("'%s': %s.files[%zu].path: expected a file listed "
		    "once, not again after %s.files[%zu]", path, wb, fb, wa,
		    fa);
	}
out:
	free(names);
	return ret;
}

int
manifest_load(struct manifest *m, const char *dir)
{
	char *path = xasprintf("%s/%s", dir, MANIFEST_NAME);
	json_error_t je;
	json_t *root, *ws, *rs, *jw;
	char *top = NULL;
	struct stat st;
	FILE *f;
	size_t i;
	int ret = -1;

	manifest_init(m);
	f = fopen(path, "r");
	if (f == NULL) {
		int e = errno;

		/* there but unreadable is not "none": starting over would
		 * write a new manifest over it */
		if (e != ENOENT)
			error("cannot read '%s': %s", path, strerror(e));
		free(path);
		return e == ENOENT ? 0 : -1;
	}
	/* jansson would read a directory as an empty file */
	if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
		error("cannot read '%s': %s", path, strerror(EISDIR));
		fclose(f);
		free(path);
		return -1;
	}
	if ((uintmax_t)st.st_size > MANIFEST_MAX_BYTES) {
		error("'%s': expected at most %u MB, not %jd bytes", path,
		    MANIFEST_MAX_BYTES >> 20, (intmax_t)st.st_size);
		fclose(f);
		free(path);
		return -1;
	}
	root = json_loadf(f, 0, &je);
	fclose(f);
	if (root == NULL) {
		error("'%s': line %d: %s", path, je.line, je.text);
		free(path);
		return -1;
	}
	if (!json_is_object(root)) {
		error("'%s': expected a JSON object", path);
		goto out;
	}
	if (json_integer_value(json_object_get(root, "version")) !=
	    MANIFEST_VERSION) {
		error("'%s': version: expected %d", path, MANIFEST_VERSION);
		goto out;
	}
	if (manifest_check_strings(root, path) < 0)
		goto out;
	top = xasprintf("'%s'", path);
	if (get_str(root, "org_id", top, 0, &m->org_id) < 0 ||
	    get_str(root, "api_url", top, 0, &m->api_url) < 0 ||
	    get_time(root, "start", top, &m->start) < 0 ||
	    get_time(root, "end", top, &m->end) < 0 ||
	    get_str(root, "created_at", top, 1, &m->created_at) < 0)
		goto out;
	/* the org goes into the API's URL too */
	if (!str_is_uuid(m->org_id)) {
		field_error(top, "org_id", "expected a UUID");
		goto out;
	}
	if (m->end < m->start) {
		field_error(top, "end", "expected a time after the start");
		goto out;
	}
	/* written by a version that kept user information in it: never
	 * shown or written again as it is */
	if (redact_url_has_userinfo(m->api_url)) {
		char *shown = redact_url(m->api_url, 0);

		warning("'%s': api_url holds user information (user:password@); "
		    "read as '%s' (and so written back by export)", path,
		    shown);
		explicit_bzero(m->api_url, strlen(m->api_url));
		free(m->api_url);
		m->api_url = shown;
	}
	m->requested_end = m->end;
	if (json_object_get(root, "requested_end") != NULL &&
	    get_time(root, "requested_end", top, &m->requested_end) < 0)
		goto out;
	m->complete = json_is_true(json_object_get(root, "complete"));
	if (load_shared(json_object_get(root, "shared_org_ids"), top,
	    &m->shared, &m->nshared) < 0)
		goto out;
	ws = json_object_get(root, "windows");
	if (!json_is_array(ws)) {
		error("'%s': windows: expected an array", path);
		goto out;
	}
	/* counted before anything is allocated for them */
	if (json_array_size(ws) > manifest_max_windows(m->start, m->end)) {
		error("'%s': windows: expected at most %zu windows for its "
		    "range, not %zu", path, manifest_max_windows(m->start,
		    m->end), json_array_size(ws));
		goto out;
	}
	m->nw = json_array_size(ws);
	m->w = xcalloc(m->nw ? m->nw : 1, sizeof(*m->w));
	json_array_foreach(ws, i, jw) {
		char where[600];

		snprintf(where, sizeof(where), "'%s': windows[%zu]", path, i);
		if (load_window(jw, &m->w[i], where, dir, m->start, m->end,
		    i ? m->w[i - 1].end : m->start) < 0)
			goto out;
	}
	rs = json_object_get(root, "replaced");
	if (rs != NULL && !json_is_null(rs)) {
		if (!json_is_array(rs)) {
			error("'%s': replaced: expected an array", path);
			goto out;
		}
		if (json_array_size(rs) > MANIFEST_MAX_REPLACED) {
			error("'%s': replaced: expected at most %d entries, "
			    "not %zu", path, MANIFEST_MAX_REPLACED,
			    json_array_size(rs));
			goto out;
		}
		m->nold = json_array_size(rs);
		m->old = xcalloc(m->nold ? m->nold : 1, sizeof(*m->old));
		json_array_foreach(rs, i, jw) {
			char where[600];

			snprintf(where, sizeof(where), "'%s': replaced[%zu]",
			    path, i);
			if (load_replaced(jw, &m->old[i], where, dir) < 0)
				goto out;
		}
	}
	if (check_unique(m, path) < 0)
		goto out;
	ret = 1;
out:
	json_decref(root);
	free(top);
	free(path);
	if (ret < 0)
		manifest_release(m);
	return ret;
}
