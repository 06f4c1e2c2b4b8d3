/*
 * manifest.c: reading and writing DIR/manifest.json with jansson.
 */
#include "manifest.h"

#include <errno.h>
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

void
manifest_window_release(struct mf_window *w)
{
	size_t i;

	for (i = 0; i < w->nfiles; i++)
		free(w->files[i].path);
	free(w->files);
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
	size_t i;

	for (i = 0; i < r->nshared; i++)
		free(r->shared[i]);
	free(r->shared);
	for (i = 0; i < r->nw; i++)
		manifest_window_release(&r->w[i]);
	free(r->w);
	free(r->org_id);
	memset(r, 0, sizeof(*r));
}

void
manifest_release(struct manifest *m)
{
	size_t i;

	for (i = 0; i < m->nshared; i++)
		free(m->shared[i]);
	free(m->shared);
	for (i = 0; i < m->nw; i++)
		manifest_window_release(&m->w[i]);
	free(m->w);
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

	for (i = 0; i < w->nfiles; i++)
		free(w->files[i].path);
	free(w->files);
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
	struct out o;
	int ret;

	free(m->updated_at);
	m->updated_at = xstrdup(manifest_now(now));
	if (m->created_at == NULL)
		m->created_at = xstrdup(now);
	path = xasprintf("%s/%s", dir, MANIFEST_NAME);
	text = manifest_dump(m);
	ret = out_open(&o, path);
	if (ret == 0) {
		if (fputs(text, o.f) == EOF || fputc('\n', o.f) == EOF) {
			out_abort(&o);
			ret = error("cannot write '%s'", path);
		} else {
			ret = out_commit(&o);
		}
	}
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

static int
safe_rel(const char *p)
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

static int
load_window(json_t *jw, struct mf_window *w, const char *where)
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
	if (!safe_rel(w->dir) || strchr(w->dir, '/'))
		return error("%s.dir: expected a directory name", where);
	fs = json_object_get(jw, "files");
	if (fs == NULL || json_is_null(fs))
		return 0;
	if (!json_is_array(fs))
		return error("%s.files: expected an array", where);
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
		if (!safe_rel(f->path))
			return error("%s.path: expected a relative path inside "
			    "the export", sub);
		if (json_object_get(jf, "url_index") != NULL &&
		    get_u64(jf, "url_index", sub, &ui) < 0)
			return -1;
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
	*n = json_array_size(sh);
	*out = xcalloc(*n ? *n : 1, sizeof(**out));
	for (i = 0; i < *n; i++) {
		const char *s = json_string_value(json_array_get(sh, i));

		if (s == NULL) {
			char key[40];

			snprintf(key, sizeof(key), "shared_org_ids[%zu]", i);
			return field_error(where, key, "expected a string");
		}
		(*out)[i] = xstrdup(s);
	}
	return 0;
}

static int
load_replaced(json_t *jr, struct mf_replaced *r, const char *where)
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
	ws = json_object_get(jr, "windows");
	if (!json_is_array(ws))
		return field_error(where, "windows", "expected an array");
	r->nw = json_array_size(ws);
	r->w = xcalloc(r->nw ? r->nw : 1, sizeof(*r->w));
	json_array_foreach(ws, i, jw) {
		snprintf(sub, sizeof(sub), "%s.windows[%zu]", where, i);
		if (load_window(jw, &r->w[i], sub) < 0)
			return -1;
	}
	return 0;
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
	top = xasprintf("'%s'", path);
	if (get_str(root, "org_id", top, 0, &m->org_id) < 0 ||
	    get_str(root, "api_url", top, 0, &m->api_url) < 0 ||
	    get_time(root, "start", top, &m->start) < 0 ||
	    get_time(root, "end", top, &m->end) < 0 ||
	    get_str(root, "created_at", top, 1, &m->created_at) < 0)
		goto out;
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
	m->nw = json_array_size(ws);
	m->w = xcalloc(m->nw ? m->nw : 1, sizeof(*m->w));
	json_array_foreach(ws, i, jw) {
		char where[600];

		snprintf(where, sizeof(where), "'%s': windows[%zu]", path, i);
		if (load_window(jw, &m->w[i], where) < 0)
			goto out;
	}
	rs = json_object_get(root, "replaced");
	if (rs != NULL && !json_is_null(rs)) {
		if (!json_is_array(rs)) {
			error("'%s': replaced: expected an array", path);
			goto out;
		}
		m->nold = json_array_size(rs);
		m->old = xcalloc(m->nold ? m->nold : 1, sizeof(*m->old));
		json_array_foreach(rs, i, jw) {
			char where[600];

			snprintf(where, sizeof(where), "'%s': replaced[%zu]",
			    path, i);
			if (load_replaced(jw, &m->old[i], where) < 0)
				goto out;
		}
	}
	ret = 1;
out:
	json_decref(root);
	free(top);
	free(path);
	if (ret < 0)
		manifest_release(m);
	return ret;
}
