/*
 * inputs.c: path expansion (directories, manifests, stdin).
 */
#include "inputs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <jansson.h>

#include "manifest.h"
#include "range.h"
#include "util.h"

void
inputs_init(struct inputs *in)
{
	memset(in, 0, sizeof(*in));
}

void
inputs_release(struct inputs *in)
{
	strv_free(in->paths, in->n);
	strv_free(in->dirs, in->ndirs);
	free(in->ranges);
	free(in->org_id);
	memset(in, 0, sizeof(*in));
}

/* Add path (taken over), a part of an export of range r (NULL: none). */
static void inputs_push_range(struct inputs *in, char *path,
    const struct inputs_range *r);

void
inputs_append(struct inputs *dst, const struct inputs *src)
{
	size_t i;

	if (src->mem != NULL)
		die(EXIT_FAILURE_OTHER, "inputs_append: a part in memory");
	for (i = 0; i < src->n; i++)
		inputs_push_range(dst, xstrdup(src->paths[i]), &src->ranges[i]);
	if (src->ndirs > 0) {
		dst->dirs = xreallocarray(dst->dirs, dst->ndirs + src->ndirs,
		    sizeof(*dst->dirs));
		for (i = 0; i < src->ndirs; i++)
			dst->dirs[dst->ndirs++] = xstrdup(src->dirs[i]);
	}
	if (dst->org_id == NULL && src->org_id != NULL)
		dst->org_id = xstrdup(src->org_id);
}

void
inputs_add_memory(struct inputs *in, const char *name, const void *p,
    size_t len)
{
	if (in->n != 0)
		die(EXIT_FAILURE_OTHER, "inputs_add_memory: not the first part");
	inputs_push_range(in, xstrdup(name), NULL);
	in->mem = p;
	in->mem_len = len;
}

/* Add path (taken over), a part of an export of range r (NULL: none). */
static void
inputs_push_range(struct inputs *in, char *path, const struct inputs_range *r)
{
	if (in->n == in->cap) {
		in->cap = in->cap ? in->cap * 2 : 16;
		in->paths = xreallocarray(in->paths, in->cap,
		    sizeof(*in->paths));
		in->ranges = xreallocarray(in->ranges, in->cap,
		    sizeof(*in->ranges));
	}
	if (r != NULL)
		in->ranges[in->n] = *r;
	else
		memset(&in->ranges[in->n], 0, sizeof(in->ranges[in->n]));
	in->paths[in->n++] = path;
}

static void
inputs_push(struct inputs *in, char *path)
{
	inputs_push_range(in, path, NULL);
}

static int
is_part_name(const char *name)
{
	size_t n = strlen(name);

	if (name[0] == '.')
		return 0;
	return (n > 7 && strcasecmp(name + n - 7, ".csv.gz") == 0) ||
	    (n > 4 && strcasecmp(name + n - 4, ".csv") == 0);
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static char *
path_join(const char *dir, const char *name)
{
	size_t n = strlen(dir);

	if (n > 0 && dir[n - 1] == '/')
		return xasprintf("%s%s", dir, name);
	return xasprintf("%s/%s", dir, name);
}

/*
 * The files a manifest lists: windows[].files[].path, relative to the
 * directory.  A path may not leave the directory, even through a symbolic
 * link, nor be listed twice; the counts are those export could write.
 */
static int
inputs_add_manifest(struct inputs *in, const char *dir, const char *mpath)
{
	json_t *root, *windows, *w, *files, *f;
	struct inputs_range r;
	const char *b1, *b2;
	const char **paths = NULL;
	size_t i, j, npaths = 0, cap = 0, maxw, a, b, *pos = NULL;
	int ret = -1;

	root = manifest_read_json(mpath);
	if (root == NULL)
		return -1;
	if (manifest_check_strings(root, mpath) < 0)
		goto out;
	in->dirs = xreallocarray(in->dirs, in->ndirs + 1, sizeof(*in->dirs));
	in->dirs[in->ndirs++] = xstrdup(dir);
	windows = json_object_get(root, "windows");
	if (!json_is_array(windows)) {
		error("'%s': expected an array \"windows\"", mpath);
		goto out;
	}
	if (in->org_id == NULL && json_string_value(json_object_get(root,
	    "org_id")) != NULL)
		in->org_id = xstrdup(json_string_value(json_object_get(root,
		    "org_id")));
	/*
	 * The range: rows outside it are not the export's (a server may
	 * send more than asked for); without one, every row counts.
	 */
	memset(&r, 0, sizeof(r));
	b1 = json_string_value(json_object_get(root, "start"));
	b2 = json_string_value(json_object_get(root, "end"));
	if (b1 != NULL && b2 != NULL) {
		if (range_parse_bound(b1, 0, &r.start) < 0 ||
		    range_parse_bound(b2, 1, &r.end) < 0 || r.end < r.start) {
			error("'%s': \"start\" and \"end\": expected a range "
			    "of RFC 3339 times", mpath);
			goto out;
		}
		r.set = 1;
	}
	/* without a range (a hand-made manifest), the longest export's */
	maxw = r.set ? manifest_max_windows(r.start, r.end) :
	    manifest_max_windows(0, RANGE_MAX_AGE_DAYS * MS_PER_DAY);
	if (json_array_size(windows) > maxw) {
		error("'%s': windows: expected at most %zu windows for its "
		    "range, not %zu", mpath, maxw, json_array_size(windows));
		goto out;
	}
	if (json_is_false(json_object_get(root, "complete")))
		warning("the export in '%s' is not complete: run export "
		    "again to finish it; reading what it has", dir);
	json_array_foreach(windows, i, w) {
		files = json_object_get(w, "files");
		if (files == NULL || json_is_null(files))
			continue;
		if (!json_is_array(files)) {
			error("'%s': windows[%zu].files: expected an array",
			    mpath, i);
			goto out;
		}
		if (json_array_size(files) > MANIFEST_MAX_PARTS ||
		    npaths + json_array_size(files) > MANIFEST_MAX_FILES) {
			error("'%s': windows[%zu].files: expected at most %d "
			    "files in a window, %d in all", mpath, i,
			    MANIFEST_MAX_PARTS, MANIFEST_MAX_FILES);
			goto out;
		}
		json_array_foreach(files, j, f) {
			const char *p = json_string_value(json_object_get(f,
			    "path"));
			char why[PATH_MAX + 200];
			int inside;

			if (p == NULL || !manifest_path_safe(p)) {
				error("'%s': windows[%zu].files[%zu].path: "
				    "expected a relative path inside the "
				    "directory", mpath, i, j);
				goto out;
			}
			inside = path_inside(dir, p, why, sizeof(why));
			if (inside < 0)
				goto out;
			if (inside == 0) {
				error("'%s': windows[%zu].files[%zu].path: "
				    "expected a path inside the directory: %s",
				    mpath, i, j, why);
				goto out;
			}
			if (npaths == cap) {
				cap = cap ? cap * 2 : 64;
				paths = xreallocarray(paths, cap,
				    sizeof(*paths));
				pos = xreallocarray(pos, cap, 2 * sizeof(*pos));
			}
			paths[npaths] = p;
			pos[2 * npaths] = i;
			pos[2 * npaths + 1] = j;
			npaths++;
		}
	}
	/* a part listed twice would be read, and counted, twice */
	if (manifest_find_duplicate(paths, npaths, &a, &b) < 0) {
		error("'%s': windows[%zu].files[%zu].path: expected a file "
		    "listed once, not again after windows[%zu].files[%zu]",
		    mpath, pos[2 * b], pos[2 * b + 1], pos[2 * a],
		    pos[2 * a + 1]);
		goto out;
	}
	json_array_foreach(windows, i, w) {
		files = json_object_get(w, "files");
		json_array_foreach(files, j, f) {
			const char *p = json_string_value(json_object_get(f,
			    "path"));
			struct stat st;
			char *full;

			/* an unfinished export lists parts still to come */
			if (json_is_false(json_object_get(f, "done")))
				continue;
			full = path_join(dir, p);
			if (stat(full, &st) < 0) {
				error("'%s' lists '%s', which is missing: %s",
				    mpath, p, strerror(errno));
				free(full);
				goto out;
			}
			inputs_push_range(in, full, &r);
		}
	}
	ret = 0;
out:
	free(paths);
	free(pos);
	json_decref(root);
	return ret;
}

json_t *
inputs_run_load(const char *rpath)
{
	json_t *root = manifest_read_json(rpath);

	if (root == NULL)
		return NULL;
	if (!json_is_object(root)) {
		error("'%s': expected a JSON object", rpath);
		json_decref(root);
		return NULL;
	}
	if (manifest_check_strings(root, rpath) < 0) {
		json_decref(root);
		return NULL;
	}
	return root;
}

char *
inputs_run_path(const char *dir, const char *rpath, const char *key,
    const char *p)
{
	char why[PATH_MAX + 200];
	int inside;

	if (p[0] == '/')
		return xstrdup(p);
	if (!manifest_path_safe(p)) {
		error("'%s': %s: expected a relative path inside the run "
		    "directory, or an absolute path", rpath, key);
		return NULL;
	}
	inside = path_inside(dir, p, why, sizeof(why));
	if (inside < 0)
		return NULL;
	if (inside == 0) {
		error("'%s': %s: expected a path inside the run directory: %s",
		    rpath, key, why);
		return NULL;
	}
	return path_join(dir, p);
}

/*
 * A `run` directory holds its export in export/ (with its manifest) beside
 * the reports made from it (by-*.csv) and the previous period's export
 * (previous/): only export/ is data.  It is recognised by export/manifest.json
 * in a directory that has no gzip part of its own (its manifest.json, if
 * any, was looked for first).
 */
static int
inputs_is_run_dir(const char *dir, char *const *names, size_t n)
{
	struct stat st;
	char *m;
	size_t i, len;
	int ret;

	for (i = 0; i < n; i++) {
		len = strlen(names[i]);
		if (names[i][0] != '.' && len > 7 &&
		    strcasecmp(names[i] + len - 7, ".csv.gz") == 0)
			return 0;
	}
	m = path_join(dir, "export/manifest.json");
	ret = stat(m, &st) == 0 && S_ISREG(st.st_mode);
	free(m);
	return ret;
}

/* The directories being walked, innermost first: to notice a loop. */
struct walk_dir {
	dev_t dev;
	ino_t ino;
	const struct walk_dir *up;
};

static int inputs_walk(struct inputs *in, const char *dir, int depth,
    const struct walk_dir *up);

/*
 * DIR/run.json, written by `run`: its "export" names the export the run
 * read, relative to DIR (export/ when run exported it there) or absolute
 * (an export given with --from, or kept outside with --export-dir), so
 * the directory reads the same from any working directory.  Returns 0
 * with the export's parts added, or -1 after an error.
 */
static int
inputs_add_run(struct inputs *in, const char *dir, const char *rpath,
    int depth, const struct walk_dir *self)
{
	json_t *root;
	const char *exp;
	char *full = NULL;
	struct stat st;
	int ret = -1;

	root = inputs_run_load(rpath);
	if (root == NULL)
		return -1;
	/* absent (a hand-made run.json): export/, where run writes it; a
	 * relative path may not leave the directory, as in a manifest */
	exp = json_object_get(root, "export") == NULL ? "export" :
	    json_string_value(json_object_get(root, "export"));
	if (exp == NULL) {
		error("'%s': export: expected a relative path inside the "
		    "run directory, or an absolute path", rpath);
		goto out;
	}
	full = inputs_run_path(dir, rpath, "export", exp);
	if (full == NULL)
		goto out;
	if (stat(full, &st) < 0) {
		error("cannot open '%s', the export of the run in '%s': %s",
		    full, dir, strerror(errno));
		goto out;
	}
	if (S_ISDIR(st.st_mode)) {
		size_t before = in->n;

		ret = inputs_walk(in, full, depth + 1, self);
		if (ret == 0 && in->n == before)
			ret = error("no export parts (*.csv.gz, *.csv) in '%s', "
			    "the export of the run in '%s'", full, dir);
	} else {
		inputs_push(in, full);
		full = NULL;
		ret = 0;
	}
out:
	free(full);
	json_decref(root);
	return ret;
}

/* Collect the parts below `dir`, recursively; returns -1 on error. */
static int
inputs_walk(struct inputs *in, const char *dir, int depth,
    const struct walk_dir *up)
{
	DIR *d;
	struct dirent *de;
	char **names = NULL;
	size_t n = 0, cap = 0, i;
	char *manifest;
	struct stat st;
	struct walk_dir self;
	const struct walk_dir *a;
	int ret = 0;

	if (depth > 64)
		return error("'%s': directories nested too deep", dir);
	if (stat(dir, &st) < 0)
		return error("cannot read directory '%s': %s", dir,
		    strerror(errno));
	for (a = up; a != NULL; a = a->up)
		if (a->dev == st.st_dev && a->ino == st.st_ino) {
			warning("'%s' is a directory already being read (a "
			    "symbolic link loop); not read again", dir);
			return 0;
		}
	self.dev = st.st_dev;
	self.ino = st.st_ino;
	self.up = up;
	manifest = path_join(dir, "manifest.json");
	if (stat(manifest, &st) == 0 && S_ISREG(st.st_mode)) {
		ret = inputs_add_manifest(in, dir, manifest);
		free(manifest);
		return ret;
	}
	free(manifest);
	manifest = path_join(dir, "run.json");
	if (stat(manifest, &st) == 0 && S_ISREG(st.st_mode)) {
		ret = inputs_add_run(in, dir, manifest, depth, &self);
		free(manifest);
		return ret;
	}
	free(manifest);
	d = opendir(dir);
	if (d == NULL)
		return error("cannot read directory '%s': %s", dir,
		    strerror(errno));
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 32;
			names = xreallocarray(names, cap, sizeof(*names));
		}
		names[n++] = xstrdup(de->d_name);
	}
	closedir(d);
	if (n > 1)
		qsort(names, n, sizeof(*names), cmp_str);
	if (inputs_is_run_dir(dir, names, n)) {
		char *exp = path_join(dir, "export");

		ret = inputs_walk(in, exp, depth + 1, &self);
		free(exp);
		strv_free(names, n);
		return ret;
	}
	for (i = 0; i < n; i++) {
		char *full = path_join(dir, names[i]);

		if (ret != 0 || names[i][0] == '.') {
			/* hidden files and directories are not read */
		} else if (stat(full, &st) < 0) {
			/* a part we cannot open would be data lost */
			if (is_part_name(names[i]))
				ret = error("cannot read '%s': %s", full,
				    strerror(errno));
		} else if (S_ISDIR(st.st_mode)) {
			ret = inputs_walk(in, full, depth + 1, &self);
		} else if (S_ISREG(st.st_mode) && is_part_name(names[i])) {
			inputs_push(in, full);
			full = NULL;
		}
		free(full);
		free(names[i]);
	}
	free(names);
	return ret;
}

int
inputs_add(struct inputs *in, const char *arg)
{
	struct stat st;
	size_t before = in->n;

	if (strcmp(arg, "-") == 0) {
		inputs_push(in, xstrdup("-"));
		return 0;
	}
	if (stat(arg, &st) < 0)
		return error("cannot open '%s': %s", arg, strerror(errno));
	if (!S_ISDIR(st.st_mode)) {
		inputs_push(in, xstrdup(arg));
		return 0;
	}
	if (inputs_walk(in, arg, 0, NULL) < 0)
		return -1;
	if (in->n == before)
		return error("no export parts (*.csv.gz, *.csv) in '%s'", arg);
	return 0;
}

char *
inputs_run_previous(const char *dir)
{
	json_t *root;
	const char *p;
	char *rpath = path_join(dir, "run.json"), *ret = NULL;
	struct stat st;

	if (stat(rpath, &st) < 0) {
		error("'%s' is not a run directory: no run.json: %s", dir,
		    strerror(errno));
		free(rpath);
		return NULL;
	}
	root = inputs_run_load(rpath);
	if (root == NULL) {
		free(rpath);
		return NULL;
	}
	p = json_string_value(json_object_get(json_object_get(root,
	    "previous"), "dir"));
	if (p == NULL || p[0] == '\0')
		error("'%s': the run has no previous period (run --compare "
		    "makes one)", rpath);
	else
		ret = inputs_run_path(dir, rpath, "previous.dir", p);
	json_decref(root);
	free(rpath);
	return ret;
}

/* Bytes of CSV per row, a little under what exports have (650-800). */
#define ROW_BYTES 600

size_t
inputs_expected_rows(const struct inputs *in)
{
	size_t i, rows = 0;

	for (i = 0; i < in->n; i++) {
		struct stat st;
		unsigned char magic[2] = { 0, 0 };
		int fd;

		if (strcmp(in->paths[i], "-") == 0 ||
		    stat(in->paths[i], &st) < 0 || !S_ISREG(st.st_mode))
			continue;
		fd = open(in->paths[i], O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		if (read(fd, magic, 2) != 2)
			magic[0] = 0;
		if (magic[0] == 0x1f && magic[1] == 0x8b) {
			/*
			 * A gzip member ends with its size mod 2^32: exact for
			 * the usual single-member part under 4 GB; otherwise
			 * guess from the compressed size (about 5:1).
			 */
			unsigned char t[4];
			uint64_t isize = 0;

			if (st.st_size > 18 && pread(fd, t, 4, st.st_size - 4) ==
			    4)
				isize = (uint64_t)t[0] | (uint64_t)t[1] << 8 |
				    (uint64_t)t[2] << 16 | (uint64_t)t[3] << 24;
			if (isize < (uint64_t)st.st_size)
				isize = (uint64_t)st.st_size * 5;
			rows += (size_t)(isize / ROW_BYTES);
		} else {
			rows += (size_t)st.st_size / ROW_BYTES;
		}
		close(fd);
	}
	return rows;
}
