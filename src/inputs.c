/*
 * inputs.c: path expansion (directories, manifests, stdin).
 */
#include "inputs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <jansson.h>

#include "util.h"

void
inputs_init(struct inputs *in)
{
	memset(in, 0, sizeof(*in));
}

void
inputs_release(struct inputs *in)
{
	size_t i;

	for (i = 0; i < in->n; i++)
		free(in->paths[i]);
	free(in->paths);
	memset(in, 0, sizeof(*in));
}

static void
inputs_push(struct inputs *in, char *path)
{
	if (in->n == in->cap) {
		in->cap = in->cap ? in->cap * 2 : 16;
		in->paths = xreallocarray(in->paths, in->cap,
		    sizeof(*in->paths));
	}
	in->paths[in->n++] = path;
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
 * directory.  A path may not leave the directory.
 */
static int
inputs_add_manifest(struct inputs *in, const char *dir, const char *mpath)
{
	json_error_t jerr;
	json_t *root, *windows, *w, *files, *f;
	size_t i, j, added = 0;
	int ret = -1;

	root = json_load_file(mpath, 0, &jerr);
	if (root == NULL)
		return error("'%s' line %d: %s", mpath, jerr.line, jerr.text);
	windows = json_object_get(root, "windows");
	if (!json_is_array(windows)) {
		error("'%s': expected an array \"windows\"", mpath);
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
		json_array_foreach(files, j, f) {
			const char *p = json_string_value(json_object_get(f,
			    "path"));
			struct stat st;
			char *full;

			if (p == NULL || p[0] == '\0' || p[0] == '/' ||
			    strstr(p, "..") != NULL) {
				error("'%s': windows[%zu].files[%zu].path: "
				    "expected a relative path inside the "
				    "directory", mpath, i, j);
				goto out;
			}
			full = path_join(dir, p);
			if (stat(full, &st) < 0) {
				error("'%s' lists '%s', which is missing: %s",
				    mpath, p, strerror(errno));
				free(full);
				goto out;
			}
			inputs_push(in, full);
			added++;
		}
	}
	(void)added;
	ret = 0;
out:
	json_decref(root);
	return ret;
}

/* Collect the parts below `dir`, recursively; returns -1 on error. */
static int
inputs_walk(struct inputs *in, const char *dir, int depth)
{
	DIR *d;
	struct dirent *de;
	char **names = NULL;
	size_t n = 0, cap = 0, i;
	char *manifest;
	struct stat st;
	int ret = 0;

	if (depth > 64)
		return error("'%s': directories nested too deep", dir);
	manifest = path_join(dir, "manifest.json");
	if (stat(manifest, &st) == 0 && S_ISREG(st.st_mode)) {
		ret = inputs_add_manifest(in, dir, manifest);
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
	for (i = 0; i < n; i++) {
		char *full = path_join(dir, names[i]);

		if (ret == 0 && stat(full, &st) == 0) {
			if (S_ISDIR(st.st_mode) && names[i][0] != '.') {
				ret = inputs_walk(in, full, depth + 1);
			} else if (S_ISREG(st.st_mode) &&
			    is_part_name(names[i])) {
				inputs_push(in, full);
				full = NULL;
			}
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
	if (inputs_walk(in, arg, 0) < 0)
		return -1;
	if (in->n == before)
		return error("no export parts (*.csv.gz, *.csv) in '%s'", arg);
	return 0;
}

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
		close(fd);
		rows += (size_t)st.st_size /
		    (magic[0] == 0x1f && magic[1] == 0x8b ? 170 : 770);
	}
	return rows;
}
