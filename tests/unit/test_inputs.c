/*
 * test_inputs.c: PATH arguments to export parts (inputs.h): files as they
 * are, `-`, directories walked recursively in sorted order taking only
 * *.csv and *.csv.gz (any case) and skipping hidden entries, manifests
 * listing relative paths (absolute and `..` refused), and the errors for
 * missing paths, bad manifests and empty directories; run directories
 * read through their export/ folder.  Issue 15: a manifest's or a
 * run.json's paths resolved on the disk (no symbolic link out), each part
 * listed once, counts bounded, no control characters.
 */
#include "unit.h"

#include "inputs.h"

UNIT_TMPDIR_FIXTURE

/* Create `rel` under `dir` (parents must exist) holding `text`. */
static void
touch(const char *dir, const char *rel, const char *text)
{
	char *p = unit_path(dir, rel);

	unit_writes(p, text);
	free(p);
}

static void
mkdir_in(const char *dir, const char *rel)
{
	char *p = unit_path(dir, rel);

	unit_mkdir(p);
	free(p);
}

/* A fresh directory for one test: tmp/name. */
static char *
fresh(const char *name)
{
	char *p = unit_path(tmp, name);

	unit_mkdir(p);
	return p;
}

/* in's paths, each with `prefix` taken off, one per line. */
static char *
listing(const struct inputs *in, const char *prefix)
{
	struct sbuf sb;
	size_t i, n = prefix ? strlen(prefix) : 0;

	sbuf_init(&sb, 1 << 20);
	for (i = 0; i < in->n; i++) {
		const char *p = in->paths[i];

		if (n && strncmp(p, prefix, n) == 0)
			p += n;
		sbuf_addf(&sb, "%s\n", p);
	}
	return sb.buf;
}

/* inputs_add(arg) must fail and print exactly `want` on stderr. */
static void
expect_add_error(const char *arg, const char *want)
{
	struct inputs in;
	struct unit_capture cap;
	char *err;
	int ret;

	inputs_init(&in);
	unit_capture_begin(&cap);
	ret = inputs_add(&in, arg);
	err = unit_capture_end(&cap);
	if (ret != -1)
		fail_msg("inputs_add(%s) = %d, expected -1", arg, ret);
	assert_string_equal(err, want);
	free(err);
	inputs_release(&in);
}

static void
test_file_and_stdin(void **state)
{
	struct inputs in;
	char *f;

	(void)state;
	f = unit_path(tmp, "notes.txt");	/* any name, taken as it is */
	unit_writes(f, "x");
	inputs_init(&in);
	assert_int_equal(inputs_add(&in, f), 0);
	assert_int_equal(inputs_add(&in, "-"), 0);
	assert_int_equal(inputs_add(&in, f), 0);
	assert_int_equal(in.n, 3);
	assert_string_equal(in.paths[0], f);
	assert_string_equal(in.paths[1], "-");
	assert_string_equal(in.paths[2], f);
	inputs_release(&in);
	assert_int_equal(in.n, 0);
	assert_null(in.paths);
	free(f);
}

static void
test_directory_walk(void **state)
{
	char *d = fresh("walk"), *prefix, *got;
	struct inputs in;

	(void)state;
	touch(d, "b.csv.gz", "");
	touch(d, "a.csv", "");
	touch(d, "C.CSV", "");
	touch(d, "d.CSV.GZ", "");
	touch(d, "e.Csv.Gz", "");
	touch(d, "notes.txt", "");
	touch(d, "f.csv.gz.bak", "");
	touch(d, "g.csvx", "");
	touch(d, "h.gz", "");
	touch(d, "csv", "");
	touch(d, "xcsv", "");
	touch(d, ".hidden.csv", "");
	touch(d, ".csv", "");
	touch(d, ".csv.gz", "");
	mkdir_in(d, "sub");
	touch(d, "sub/z.csv", "");
	touch(d, "sub/y.csv.gz", "");
	mkdir_in(d, "sub/deeper");
	touch(d, "sub/deeper/w.csv", "");
	mkdir_in(d, ".hiddendir");
	touch(d, ".hiddendir/x.csv", "");
	mkdir_in(d, "dir.csv");			/* a directory, walked */
	touch(d, "dir.csv/inner.csv.gz", "");
	mkdir_in(d, "empty");

	inputs_init(&in);
	assert_int_equal(inputs_add(&in, d), 0);
	prefix = xasprintf("%s/", d);
	got = listing(&in, prefix);
	/* byte order per directory: upper case first, depth first */
	assert_string_equal(got,
	    "C.CSV\n"
	    "a.csv\n"
	    "b.csv.gz\n"
	    "d.CSV.GZ\n"
	    "dir.csv/inner.csv.gz\n"
	    "e.Csv.Gz\n"
	    "sub/deeper/w.csv\n"
	    "sub/y.csv.gz\n"
	    "sub/z.csv\n");
	free(got);
	inputs_release(&in);

	/* a trailing slash does not double the separator */
	inputs_init(&in);
	assert_int_equal(inputs_add(&in, prefix), 0);
	assert_int_equal(in.n, 9);
	{
		char *want = xasprintf("%sC.CSV", prefix);

		assert_string_equal(in.paths[0], want);
		free(want);
	}
	inputs_release(&in);

	/* two arguments: in argument order */
	inputs_init(&in);
	{
		char *sub = unit_path(d, "sub");

		assert_int_equal(inputs_add(&in, sub), 0);
		assert_int_equal(inputs_add(&in, d), 0);
		free(sub);
	}
	assert_int_equal(in.n, 3 + 9);
	got = listing(&in, prefix);
	assert_string_equal(got,
	    "sub/deeper/w.csv\nsub/y.csv.gz\nsub/z.csv\n"
	    "C.CSV\na.csv\nb.csv.gz\nd.CSV.GZ\ndir.csv/inner.csv.gz\n"
	    "e.Csv.Gz\nsub/deeper/w.csv\nsub/y.csv.gz\nsub/z.csv\n");
	free(got);
	inputs_release(&in);
	free(prefix);
	free(d);
}

static void
test_sorted_many(void **state)
{
	char *d = fresh("many"), name[64];
	struct inputs in;
	size_t i;

	(void)state;
	/* created in reverse order; read back sorted */
	for (i = 100; i-- > 0;) {
		snprintf(name, sizeof(name), "part-%03zu.csv.gz", i);
		touch(d, name, "");
	}
	inputs_init(&in);
	assert_int_equal(inputs_add(&in, d), 0);
	assert_int_equal(in.n, 100);
	for (i = 0; i < 100; i++) {
		char *want;

		snprintf(name, sizeof(name), "part-%03zu.csv.gz", i);
		want = unit_path(d, name);
		assert_string_equal(in.paths[i], want);
		free(want);
	}
	inputs_release(&in);
	free(d);
}

static void
test_manifest(void **state)
{
	char *d = fresh("export"), *prefix, *got;
	struct inputs in;
	struct unit_capture cap;
	char *err;

	(void)state;
	mkdir_in(d, "w1");
	touch(d, "w1/part-0.csv.gz", "");
	touch(d, "p1.csv", "");
	touch(d, "listed.txt", "");
	touch(d, "not-listed.csv", "");	/* the manifest decides */
	touch(d, "manifest.json",
	    "{\"complete\": true, \"windows\": ["
	    "{\"files\": [{\"path\": \"w1/part-0.csv.gz\"},"
	    " {\"path\": \"p1.csv\"}]},"
	    "{\"files\": null},"
	    "{\"start\": \"2026-10-01\"},"
	    "{\"files\": [{\"path\": \"listed.txt\", \"bytes\": 0}]}]}");
	inputs_init(&in);
	unit_capture_begin(&cap);
	assert_int_equal(inputs_add(&in, d), 0);
	err = unit_capture_end(&cap);
	assert_string_equal(err, "");
	free(err);
	prefix = xasprintf("%s/", d);
	got = listing(&in, prefix);
	assert_string_equal(got, "w1/part-0.csv.gz\np1.csv\nlisted.txt\n");
	free(got);
	inputs_release(&in);

	/* an incomplete export: a warning, and what it has */
	touch(d, "manifest.json",
	    "{\"complete\": false, \"windows\": [{\"files\": "
	    "[{\"path\": \"p1.csv\"}]}]}");
	inputs_init(&in);
	unit_capture_begin(&cap);
	assert_int_equal(inputs_add(&in, d), 0);
	err = unit_capture_end(&cap);
	{
		char *want = xasprintf("circleci-usage: warning: the export in "
		    "'%s' is not complete: run export again to finish it; "
		    "reading what it has\n", d);

		assert_string_equal(err, want);
		free(want);
	}
	free(err);
	assert_int_equal(in.n, 1);
	inputs_release(&in);

	/* a manifest in a subdirectory governs that subdirectory */
	{
		char *top = fresh("top");
		char *sub = unit_path(top, "exp");

		touch(top, "a.csv", "");
		unit_mkdir(sub);
		touch(sub, "x.csv", "");
		touch(sub, "y.csv", "");
		touch(sub, "manifest.json", "{\"windows\": [{\"files\": "
		    "[{\"path\": \"y.csv\"}]}]}");
		inputs_init(&in);
		assert_int_equal(inputs_add(&in, top), 0);
		free(prefix);
		prefix = xasprintf("%s/", top);
		got = listing(&in, prefix);
		assert_string_equal(got, "a.csv\nexp/y.csv\n");
		free(got);
		inputs_release(&in);
		free(sub);
		free(top);
	}
	free(prefix);
	free(d);
}

static void
test_manifest_errors(void **state)
{
	char *d = fresh("badmanifest"), *m, *want;

	(void)state;
	m = unit_path(d, "manifest.json");
	touch(d, "ok.csv", "");

	touch(d, "manifest.json", "{\"windows\": [{\"files\": "
	    "[{\"path\": \"/etc/passwd\"}]}]}");
	want = xasprintf("circleci-usage: '%s': windows[0].files[0].path: "
	    "expected a relative path inside the directory\n", m);
	expect_add_error(d, want);
	free(want);

	touch(d, "manifest.json", "{\"windows\": [{\"files\": "
	    "[{\"path\": \"ok.csv\"}, {\"path\": \"../outside.csv\"}]}]}");
	want = xasprintf("circleci-usage: '%s': windows[0].files[1].path: "
	    "expected a relative path inside the directory\n", m);
	expect_add_error(d, want);
	free(want);

	touch(d, "manifest.json", "{\"windows\": [{\"files\": []}, "
	    "{\"files\": [{\"path\": \"sub/../../x.csv\"}]}]}");
	want = xasprintf("circleci-usage: '%s': windows[1].files[0].path: "
	    "expected a relative path inside the directory\n", m);
	expect_add_error(d, want);
	free(want);

	touch(d, "manifest.json", "{\"windows\": [{\"files\": "
	    "[{\"path\": \"\"}]}]}");
	want = xasprintf("circleci-usage: '%s': windows[0].files[0].path: "
	    "expected a relative path inside the directory\n", m);
	expect_add_error(d, want);
	free(want);

	touch(d, "manifest.json", "{\"windows\": [{\"files\": "
	    "[{\"name\": \"ok.csv\"}]}]}");
	want = xasprintf("circleci-usage: '%s': windows[0].files[0].path: "
	    "expected a relative path inside the directory\n", m);
	expect_add_error(d, want);
	free(want);

	touch(d, "manifest.json", "{\"windows\": [{\"files\": "
	    "[{\"path\": \"gone.csv.gz\"}]}]}");
	want = xasprintf("circleci-usage: '%s' lists 'gone.csv.gz', which is "
	    "missing: No such file or directory\n", m);
	expect_add_error(d, want);
	free(want);

	touch(d, "manifest.json", "{\"windows\": {}}");
	want = xasprintf("circleci-usage: '%s': expected an array "
	    "\"windows\"\n", m);
	expect_add_error(d, want);
	free(want);

	touch(d, "manifest.json", "{\"files\": []}");
	want = xasprintf("circleci-usage: '%s': expected an array "
	    "\"windows\"\n", m);
	expect_add_error(d, want);
	free(want);

	touch(d, "manifest.json", "{\"windows\": [{\"files\": \"x.csv\"}]}");
	want = xasprintf("circleci-usage: '%s': windows[0].files: expected an "
	    "array\n", m);
	expect_add_error(d, want);
	free(want);

	/* not JSON: the line and jansson's reason */
	touch(d, "manifest.json", "{\n\"windows\": [\n");
	{
		struct inputs in;
		struct unit_capture cap;
		char *err;

		inputs_init(&in);
		unit_capture_begin(&cap);
		assert_int_equal(inputs_add(&in, d), -1);
		err = unit_capture_end(&cap);
		want = xasprintf("circleci-usage: '%s' line 3: ", m);
		assert_true(strncmp(err, want, strlen(want)) == 0);
		free(want);
		free(err);
		inputs_release(&in);
	}

	/* a manifest listing nothing: no parts */
	touch(d, "manifest.json", "{\"windows\": []}");
	want = xasprintf("circleci-usage: no export parts (*.csv.gz, *.csv) in "
	    "'%s'\n", d);
	expect_add_error(d, want);
	free(want);
	free(m);
	free(d);
}

/*
 * A run directory is read through export/: its reports (by-*.csv), its
 * previous/ export and anything else beside export/ are not data.  A
 * directory with parts of its own, or a manifest, is not a run directory.
 */
static void
test_run_dir(void **state)
{
	char *d = fresh("run"), *prefix, *got;
	struct inputs in;

	(void)state;
	mkdir_in(d, "export");
	mkdir_in(d, "export/w1");
	touch(d, "export/w1/part-000.csv.gz", "");
	touch(d, "export/stray.csv", "");
	touch(d, "export/manifest.json", "{\"windows\": [{\"files\": "
	    "[{\"path\": \"w1/part-000.csv.gz\"}]}]}");
	mkdir_in(d, "previous");
	touch(d, "previous/part-000.csv.gz", "");
	touch(d, "previous/manifest.json", "{\"windows\": [{\"files\": "
	    "[{\"path\": \"part-000.csv.gz\"}]}]}");
	touch(d, "by-project.csv", "");
	touch(d, "compare-by-project.csv", "");
	touch(d, "run.json", "{}");
	prefix = xasprintf("%s/", d);

	inputs_init(&in);
	assert_int_equal(inputs_add(&in, d), 0);
	got = listing(&in, prefix);
	assert_string_equal(got, "export/w1/part-000.csv.gz\n");
	free(got);
	inputs_release(&in);

	/* a folder of run directories: each through its export/ */
	{
		char *top = fresh("runs"), *tp = xasprintf("%s/", top);
		char *mv = xasprintf("mv '%s' '%s/2026-W40'", d, top);

		unit_sh(mv);
		free(mv);
		inputs_init(&in);
		assert_int_equal(inputs_add(&in, top), 0);
		got = listing(&in, tp);
		assert_string_equal(got,
		    "2026-W40/export/w1/part-000.csv.gz\n");
		free(got);
		inputs_release(&in);
		mv = xasprintf("mv '%s/2026-W40' '%s'", top, d);
		unit_sh(mv);
		free(mv);
		free(tp);
		free(top);
	}

	/* with run.json, a gzip part beside export/ is still not data */
	touch(d, "extra.csv.gz", "");
	inputs_init(&in);
	assert_int_equal(inputs_add(&in, d), 0);
	got = listing(&in, prefix);
	assert_string_equal(got, "export/w1/part-000.csv.gz\n");
	free(got);
	inputs_release(&in);

	/* without run.json, a gzip part of its own: a plain folder */
	{
		char *x = unit_path(d, "run.json");

		unlink(x);
		free(x);
	}
	inputs_init(&in);
	assert_int_equal(inputs_add(&in, d), 0);
	got = listing(&in, prefix);
	assert_string_equal(got,
	    "by-project.csv\ncompare-by-project.csv\n"
	    "export/w1/part-000.csv.gz\nextra.csv.gz\n"
	    "previous/part-000.csv.gz\n");
	free(got);
	inputs_release(&in);
	{
		char *x = unit_path(d, "extra.csv.gz");

		unlink(x);
		free(x);
	}

	/* a manifest of its own wins */
	touch(d, "manifest.json", "{\"windows\": [{\"files\": "
	    "[{\"path\": \"by-project.csv\"}]}]}");
	inputs_init(&in);
	assert_int_equal(inputs_add(&in, d), 0);
	got = listing(&in, prefix);
	assert_string_equal(got, "by-project.csv\n");
	free(got);
	inputs_release(&in);
	{
		char *x = unit_path(d, "manifest.json");

		unlink(x);
		free(x);
	}

	/* export/ without a manifest: not a run directory */
	{
		char *x = unit_path(d, "export/manifest.json");

		unlink(x);
		free(x);
	}
	inputs_init(&in);
	assert_int_equal(inputs_add(&in, d), 0);
	assert_int_equal(in.n, 5);
	inputs_release(&in);
	free(prefix);
	free(d);
}

static void
test_missing_and_empty(void **state)
{
	char *missing = unit_path(tmp, "does-not-exist"), *want;
	char *d = fresh("nothing"), *e = fresh("onlyhidden");

	(void)state;
	want = xasprintf("circleci-usage: cannot open '%s': No such file or "
	    "directory\n", missing);
	expect_add_error(missing, want);
	free(want);

	want = xasprintf("circleci-usage: no export parts (*.csv.gz, *.csv) in "
	    "'%s'\n", d);
	expect_add_error(d, want);
	free(want);

	touch(e, ".a.csv", "");
	touch(e, "b.txt", "");
	mkdir_in(e, ".git");
	touch(e, ".git/c.csv", "");
	want = xasprintf("circleci-usage: no export parts (*.csv.gz, *.csv) in "
	    "'%s'\n", e);
	expect_add_error(e, want);
	free(want);
	free(missing);
	free(d);
	free(e);
}

/*
 * A directory holding a symbolic link to itself: the walk must not list
 * the same part over and over.  Either the loop is an error ("nested too
 * deep") or the part is listed once.
 */
static void
test_symlink_loop(void **state)
{
	char *d = fresh("loop"), *link = unit_path(d, "again");
	struct inputs in;
	struct unit_capture cap;
	char *err;
	int ret;
	size_t n;

	(void)state;
	touch(d, "a.csv", "");
	assert_int_equal(symlink(".", link), 0);
	inputs_init(&in);
	unit_capture_begin(&cap);
	ret = inputs_add(&in, d);
	err = unit_capture_end(&cap);
	n = in.n;
	inputs_release(&in);
	free(link);
	free(d);
	if (ret != 0) {
		int nested = strstr(err, "directories nested too deep") != NULL;

		free(err);
		assert_true(nested);
		return;
	}
	free(err);
	if (n != 1)
		fail_msg("the loop listed %zu parts for one file", n);
}

static void
test_expected_rows(void **state)
{
	char *d = fresh("sizes");
	char *plain = unit_path(d, "plain.csv"), *gz = unit_path(d, "g.csv.gz");
	char *buf = xcalloc(1, 7700 * 3);
	struct inputs in;

	(void)state;
	memset(buf, 'x', 7700 * 3);
	unit_write(plain, buf, 6000 * 3);	/* 600 bytes a row: 30 */
	buf[0] = 0x1f;
	buf[1] = (char)0x8b;
	/* the gzip trailer's ISIZE: 60000 bytes of CSV, 100 rows */
	buf[1696] = (char)(60000 & 0xff);
	buf[1697] = (char)(60000 >> 8);
	buf[1698] = 0;
	buf[1699] = 0;
	unit_write(gz, buf, 1700);
	inputs_init(&in);
	assert_int_equal(inputs_expected_rows(&in), 0);
	assert_int_equal(inputs_add(&in, plain), 0);
	assert_int_equal(inputs_expected_rows(&in), 30);
	assert_int_equal(inputs_add(&in, gz), 0);
	assert_int_equal(inputs_expected_rows(&in), 130);
	/* an ISIZE below the file's size (multi-member, or over 4 GB):
	 * about 5:1 instead, 1700 * 5 / 600 = 14 rows */
	buf[1697] = 0;
	buf[1696] = 1;
	unit_write(gz, buf, 1700);
	assert_int_equal(inputs_expected_rows(&in), 44);
	assert_int_equal(inputs_add(&in, "-"), 0);
	assert_int_equal(inputs_expected_rows(&in), 44);
	inputs_release(&in);
	free(buf);
	free(plain);
	free(gz);
	free(d);
}

/* A part the walk finds but cannot open is an error, not data lost. */
static void
test_unreadable_part(void **state)
{
	char *d = fresh("danglingpart"), *link, *want;

	(void)state;
	touch(d, "a.csv", "");
	link = unit_path(d, "b.csv.gz");
	if (symlink("gone.csv.gz", link) != 0)
		fail_msg("symlink: %s", strerror(errno));
	want = xasprintf("circleci-usage: cannot read '%s': No such file or "
	    "directory\n", link);
	expect_add_error(d, want);
	free(want);
	/* a dangling link that is not a part's name is not looked at */
	unlink(link);
	free(link);
	link = unit_path(d, "notes.txt");
	if (symlink("gone.txt", link) != 0)
		fail_msg("symlink: %s", strerror(errno));
	{
		struct inputs in;
		char *prefix = xasprintf("%s/", d), *got;

		inputs_init(&in);
		assert_int_equal(inputs_add(&in, d), 0);
		got = listing(&in, prefix);
		assert_string_equal(got, "a.csv\n");
		free(got);
		free(prefix);
		inputs_release(&in);
	}
	free(link);
	free(d);
}

/* An unfinished export: the parts not done yet are not looked for. */
static void
test_manifest_unfinished(void **state)
{
	char *d = fresh("unfinished"), *prefix, *got;
	struct unit_capture cap;
	struct inputs in;

	(void)state;
	mkdir_in(d, "w");
	touch(d, "w/part-000.csv.gz", "");
	touch(d, "manifest.json", "{\"complete\": false, \"windows\": [{"
	    "\"files\": [{\"path\": \"w/part-000.csv.gz\", \"done\": true}, "
	    "{\"path\": \"w/part-001.csv.gz\", \"done\": false}]}]}");
	inputs_init(&in);
	unit_capture_begin(&cap);
	assert_int_equal(inputs_add(&in, d), 0);
	got = unit_capture_end(&cap);
	assert_contains(got, "is not complete: run export again to finish "
	    "it; reading what it has");
	free(got);
	prefix = xasprintf("%s/", d);
	got = listing(&in, prefix);
	assert_string_equal(got, "w/part-000.csv.gz\n");
	free(got);
	free(prefix);
	inputs_release(&in);
	free(d);
}

/* inputs_add(arg) must fail with a message holding `want`. */
static void
expect_add_refused(const char *arg, const char *want)
{
	struct inputs in;
	struct unit_capture cap;
	char *err;

	inputs_init(&in);
	unit_capture_begin(&cap);
	if (inputs_add(&in, arg) != -1)
		fail_msg("inputs_add(%s) accepted; wanted: %s", arg, want);
	err = unit_capture_end(&cap);
	assert_contains(err, want);
	/* one line, and no escape sequence in it */
	assert_null(strchr(err, '\x1b'));
	assert_true(strchr(err, '\n') == err + strlen(err) - 1);
	free(err);
	inputs_release(&in);
}

static void
test_untrusted(void **state)
{
	char *d = fresh("untrusted"), *out = fresh("untrusted-out"), *p;
	char *r, *prev;
	struct sbuf sb;
	size_t i;

	(void)state;
	touch(out, "secret.csv", "x\n");
	mkdir_in(d, "w");
	touch(d, "w/a.csv", "x\n");
	/* the same part twice */
	touch(d, "manifest.json", "{\"windows\": [{\"files\": [{\"path\": "
	    "\"w/a.csv\"}]}, {\"files\": [{\"path\": \"w/a.csv\"}]}]}");
	expect_add_refused(d, "manifest.json': windows[1].files[0].path: "
	    "expected a file listed once, not again after "
	    "windows[0].files[0]");
	/* a part that is a link out, and one under a link out */
	p = unit_path(out, "secret.csv");
	r = unit_path(d, "w/link.csv");
	assert_int_equal(symlink(p, r), 0);
	free(p);
	free(r);
	touch(d, "manifest.json", "{\"windows\": [{\"files\": [{\"path\": "
	    "\"w/link.csv\"}]}]}");
	expect_add_refused(d, "windows[0].files[0].path: expected a path "
	    "inside the directory: 'w/link.csv' leads out of the directory");
	r = unit_path(d, "v");
	assert_int_equal(symlink(out, r), 0);
	free(r);
	touch(d, "manifest.json", "{\"windows\": [{\"files\": [{\"path\": "
	    "\"v/secret.csv\"}]}]}");
	expect_add_refused(d, "'v/secret.csv' leads out of the directory");
	/* control characters anywhere */
	touch(d, "manifest.json", "{\"org_id\": \"\\u001b]0;x\\u0007\", "
	    "\"windows\": []}");
	expect_add_refused(d, "manifest.json': org_id: expected text without "
	    "control characters");
	/* more windows than the range allows: refused before reading them */
	sbuf_init(&sb, 1 << 24);
	sbuf_addstr(&sb, "{\"start\": \"2026-10-01T00:00:00Z\", \"end\": "
	    "\"2026-10-02T00:00:00Z\", \"windows\": [");
	for (i = 0; i < 4000; i++)
		sbuf_addf(&sb, "%s{\"files\": [{\"path\": \"w/a.csv\"}]}",
		    i ? "," : "");
	sbuf_addstr(&sb, "]}");
	touch(d, "manifest.json", sb.buf);
	sbuf_release(&sb);
	expect_add_refused(d, "manifest.json': windows: expected at most 257 "
	    "windows for its range, not 4000");

	/* run.json: export and previous.dir resolved inside the run dir */
	r = fresh("untrusted-run");
	mkdir_in(r, "export");
	touch(r, "export/a.csv", "x\n");
	p = unit_path(r, "previous");
	assert_int_equal(symlink(out, p), 0);
	free(p);
	touch(r, "run.json", "{\"export\": \"export\", \"previous\": "
	    "{\"dir\": \"previous\"}}");
	{
		struct unit_capture cap;
		char *err;

		unit_capture_begin(&cap);
		prev = inputs_run_previous(r);
		err = unit_capture_end(&cap);
		assert_null(prev);
		assert_contains(err, "run.json': previous.dir: expected a path "
		    "inside the run directory: 'previous' leads out of the "
		    "directory");
		free(err);
	}
	touch(r, "run.json", "{\"export\": \"previous\"}");
	expect_add_refused(r, "run.json': export: expected a path inside the "
	    "run directory: 'previous' leads out");
	touch(r, "run.json", "{\"export\": \"export\\r\\n\"}");
	expect_add_refused(r, "run.json': export: expected text without "
	    "control characters");
	/* an absolute path is still taken: run writes one for --from */
	p = xasprintf("{\"export\": \"%s/export\"}", r);
	touch(r, "run.json", p);
	free(p);
	{
		struct inputs in;

		inputs_init(&in);
		assert_int_equal(inputs_add(&in, r), 0);
		assert_int_equal(in.n, 1);
		inputs_release(&in);
	}
	free(r);
	free(out);
	free(d);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_file_and_stdin),
		cmocka_unit_test(test_directory_walk),
		cmocka_unit_test(test_sorted_many),
		cmocka_unit_test(test_manifest),
		cmocka_unit_test(test_manifest_errors),
		cmocka_unit_test(test_run_dir),
		cmocka_unit_test(test_missing_and_empty),
		cmocka_unit_test(test_symlink_loop),
		cmocka_unit_test(test_expected_rows),
		cmocka_unit_test(test_unreadable_part),
		cmocka_unit_test(test_manifest_unfinished),
		cmocka_unit_test(test_untrusted),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
