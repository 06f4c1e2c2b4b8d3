/*
 * test_manifest.c: an export's manifest (manifest.h): saved and loaded
 * again field for field, atomically (no temporary file left, an
 * unwritable directory an error); none is 0; and every corrupt, foreign
 * or unsafe manifest refused with one line naming the file and the
 * field, rather than resumed from.
 */
#include "unit.h"

#include "manifest.h"
#include "range.h"

static int64_t
t(const char *s)
{
	int64_t ms;

	if (range_parse_bound(s, 0, &ms) < 0)
		fail_msg("bad time in the test: %s", s);
	return ms;
}

static void
test_roundtrip(void **state)
{
	struct manifest m, l;
	char *dir = unit_tmpdir(), *path, *text;
	struct stat st;

	(void)state;
	manifest_init(&m);
	m.org_id = xstrdup("5f2b9c1e-0000-4000-8000-000000000001");
	m.nshared = 2;
	m.shared = xcalloc(2, sizeof(*m.shared));
	m.shared[0] = xstrdup("shared-a");
	m.shared[1] = xstrdup("shared-b");
	m.start = t("2026-10-01T00:00:00Z");
	m.end = t("2026-11-01T00:00:00Z");
	m.requested_end = t("2026-12-01T00:00:00Z");
	m.api_url = xstrdup("https://circleci.com/api/v2");
	m.nw = 2;
	m.w = xcalloc(2, sizeof(*m.w));
	m.w[0].start = m.start;
	m.w[0].end = t("2026-10-15T00:00:00.5Z");
	m.w[0].dir = xstrdup("20261001T000000Z_20261015T000000Z");
	m.w[0].job_id = xstrdup("0b1c2d3e");
	m.w[0].state = xstrdup("completed");
	m.w[0].created_at = xstrdup("2026-11-02T10:00:00Z");
	manifest_set_files(&m.w[0], 2);
	m.w[0].files[0].done = 1;
	m.w[0].files[0].bytes = 12345;
	m.w[0].files[0].rows = 99;
	memset(m.w[0].files[0].sha256, 'a', 64);
	m.w[1].start = m.w[0].end;
	m.w[1].end = m.end;
	m.w[1].dir = xstrdup("w1");
	m.w[1].state = xstrdup("failed");
	m.w[1].error_reason = xstrdup("no data");
	assert_int_equal(manifest_save(&m, dir), 0);
	assert_non_null(m.created_at);
	assert_non_null(m.updated_at);

	/* only the manifest: no temporary file left beside it */
	path = unit_path(dir, MANIFEST_NAME);
	assert_int_equal(stat(path, &st), 0);
	text = xasprintf("ls -A '%s' | grep -qv '^manifest.json$' && exit 1; "
	    "exit 0", dir);
	unit_sh(text);
	free(text);

	assert_int_equal(manifest_load(&l, dir), 1);
	assert_string_equal(l.org_id, m.org_id);
	assert_int_equal(l.nshared, 2);
	assert_string_equal(l.shared[1], "shared-b");
	assert_true(l.start == m.start);
	assert_true(l.end == m.end);
	assert_true(l.requested_end == m.requested_end);
	assert_string_equal(l.api_url, m.api_url);
	assert_false(l.complete);
	assert_string_equal(l.created_at, m.created_at);
	assert_int_equal(l.nw, 2);
	assert_true(l.w[0].end == m.w[0].end);	/* milliseconds kept */
	assert_string_equal(l.w[0].dir, m.w[0].dir);
	assert_string_equal(l.w[0].job_id, "0b1c2d3e");
	assert_string_equal(l.w[0].state, "completed");
	assert_null(l.w[0].completed_at);
	assert_int_equal(l.w[0].nfiles, 2);
	assert_string_equal(l.w[0].files[0].path,
	    "20261001T000000Z_20261015T000000Z/part-000.csv.gz");
	assert_int_equal(l.w[0].files[1].url_index, 1);
	assert_true(l.w[0].files[0].done);
	assert_int_equal(l.w[0].files[0].bytes, 12345);
	assert_int_equal(l.w[0].files[0].rows, 99);
	assert_string_equal(l.w[0].files[0].sha256, m.w[0].files[0].sha256);
	assert_false(l.w[0].files[1].done);
	assert_null(l.w[1].job_id);
	assert_string_equal(l.w[1].error_reason, "no data");
	assert_int_equal(l.w[1].nfiles, 0);
	manifest_release(&l);

	/* complete, saved again over the old one */
	m.complete = 1;
	assert_int_equal(manifest_save(&m, dir), 0);
	assert_int_equal(manifest_load(&l, dir), 1);
	assert_true(l.complete);
	manifest_release(&l);

	manifest_release(&m);
	assert_null(m.org_id);
	unit_rmtree(dir);
	free(path);
	free(dir);
}

static void
test_none(void **state)
{
	struct manifest m;
	char *dir = unit_tmpdir();

	(void)state;
	assert_int_equal(manifest_load(&m, dir), 0);
	assert_null(m.org_id);
	assert_int_equal(m.nw, 0);
	unit_rmtree(dir);
	free(dir);
}

static void
test_save_error(void **state)
{
	struct manifest m;
	struct unit_capture c;
	char *dir = unit_tmpdir(), *gone = unit_path(dir, "gone"), *err;

	(void)state;
	manifest_init(&m);
	m.org_id = xstrdup("o");
	m.api_url = xstrdup("https://x");
	unit_capture_begin(&c);
	assert_int_equal(manifest_save(&m, gone), -1);
	err = unit_capture_end(&c);
	assert_contains(err, "cannot create '");
	assert_contains(err, "gone/manifest.json': ");
	assert_contains(err, "No such file or directory");
	free(err);
	manifest_release(&m);
	unit_rmtree(dir);
	free(gone);
	free(dir);
}

#define HEAD "{\"version\": 1, \"org_id\": \"o\", " \
	"\"api_url\": \"https://x\", \"start\": \"2026-10-01T00:00:00Z\", " \
	"\"end\": \"2026-10-02T00:00:00Z\""
#define WIN "{\"start\": \"2026-10-01T00:00:00Z\", " \
	"\"end\": \"2026-10-02T00:00:00Z\", \"dir\": \"w\""
#define SHA "\"0123456789abcdef0123456789abcdef" \
	"0123456789abcdef0123456789abcdef\""

static const struct {
	const char *text;
	const char *want;	/* what follows "'DIR/manifest.json'" */
} bad[] = {
	{ "", ": line 1: '[' or '{' expected near end of file" },
	{ "{\"version\": 1,", ": line 1: string or '}' expected near end of "
	    "file" },
	{ "[1]", ": expected a JSON object" },
	/* another program's manifest, or a future version of this one */
	{ "{\"windows\": []}", ": version: expected 1" },
	{ "{\"version\": 2, \"windows\": []}", ": version: expected 1" },
	{ "{\"version\": \"1\", \"windows\": []}", ": version: expected 1" },
	{ "{\"version\": 1}", ": org_id: expected a string" },
	{ "{\"version\": 1, \"org_id\": null}", ": org_id: expected a string" },
	{ "{\"version\": 1, \"org_id\": \"o\"}",
	    ": api_url: expected a string" },
	{ "{\"version\": 1, \"org_id\": \"o\", \"api_url\": \"u\"}",
	    ": start: expected an RFC 3339 time" },
	{ "{\"version\": 1, \"org_id\": \"o\", \"api_url\": \"u\", "
	    "\"start\": \"2026-10-01\", \"end\": \"yesterday\"}",
	    ": end: expected an RFC 3339 time" },
	{ HEAD ", \"created_at\": 5}", ": created_at: expected a string" },
	{ HEAD ", \"requested_end\": null}",
	    ": requested_end: expected an RFC 3339 time" },
	{ HEAD ", \"shared_org_ids\": [\"a\", 1]}",
	    ": shared_org_ids[1]: expected a string" },
	{ HEAD "}", ": windows: expected an array" },
	{ HEAD ", \"windows\": {}}", ": windows: expected an array" },
	{ HEAD ", \"windows\": [7]}", ": windows[0]: expected an object" },
	{ HEAD ", \"windows\": [{}]}",
	    ": windows[0].start: expected an RFC 3339 time" },
	{ HEAD ", \"windows\": [{\"start\": \"2026-10-01\", "
	    "\"end\": \"2026-10-02\"}]}",
	    ": windows[0].dir: expected a string" },
	{ HEAD ", \"windows\": [" WIN ", \"state\": 1}]}",
	    ": windows[0].state: expected a string" },
	/* a window's directory is one name inside the export */
	{ HEAD ", \"windows\": [{\"start\": \"2026-10-01\", "
	    "\"end\": \"2026-10-02\", \"dir\": \"..\"}]}",
	    ": windows[0].dir: expected a directory name" },
	{ HEAD ", \"windows\": [{\"start\": \"2026-10-01\", "
	    "\"end\": \"2026-10-02\", \"dir\": \"a/b\"}]}",
	    ": windows[0].dir: expected a directory name" },
	{ HEAD ", \"windows\": [{\"start\": \"2026-10-01\", "
	    "\"end\": \"2026-10-02\", \"dir\": \"/tmp\"}]}",
	    ": windows[0].dir: expected a directory name" },
	{ HEAD ", \"windows\": [{\"start\": \"2026-10-01\", "
	    "\"end\": \"2026-10-02\", \"dir\": \"\"}]}",
	    ": windows[0].dir: expected a directory name" },
	{ HEAD ", \"windows\": [" WIN ", \"files\": {}}]}",
	    ": windows[0].files: expected an array" },
	{ HEAD ", \"windows\": [" WIN ", \"files\": [\"w/p.csv.gz\"]}]}",
	    ": windows[0].files[0]: expected an object" },
	{ HEAD ", \"windows\": [" WIN ", \"files\": [{}]}]}",
	    ": windows[0].files[0].path: expected a string" },
	/* a file the export would write outside its directory */
	{ HEAD ", \"windows\": [" WIN ", \"files\": [{\"path\": "
	    "\"w/../../etc/x\"}]}]}",
	    ": windows[0].files[0].path: expected a relative path inside the "
	    "export" },
	{ HEAD ", \"windows\": [" WIN ", \"files\": [{\"path\": "
	    "\"/etc/x\"}]}]}",
	    ": windows[0].files[0].path: expected a relative path inside the "
	    "export" },
	{ HEAD ", \"windows\": [" WIN ", \"files\": [{\"path\": \"w/a\", "
	    "\"url_index\": -1}]}]}",
	    ": windows[0].files[0].url_index: expected a number" },
	{ HEAD ", \"windows\": [" WIN ", \"files\": [{\"path\": \"w/a\", "
	    "\"done\": true}]}]}",
	    ": windows[0].files[0].bytes: expected a number" },
	{ HEAD ", \"windows\": [" WIN ", \"files\": [{\"path\": \"w/a\", "
	    "\"done\": true, \"bytes\": 1, \"rows\": 1.5}]}]}",
	    ": windows[0].files[0].rows: expected a number" },
	{ HEAD ", \"windows\": [" WIN ", \"files\": [{\"path\": \"w/a\", "
	    "\"done\": true, \"bytes\": 1, \"rows\": 1}]}]}",
	    ": windows[0].files[0].sha256: expected 64 hex digits" },
	{ HEAD ", \"windows\": [" WIN ", \"files\": [{\"path\": \"w/a\", "
	    "\"done\": true, \"bytes\": 1, \"rows\": 1, \"sha256\": "
	    "\"0123456789ABCDEF0123456789ABCDEF"
	    "0123456789ABCDEF0123456789ABCDEF\""
	    "}]}]}",
	    ": windows[0].files[0].sha256: expected 64 hex digits" },
	/* the second window is checked as the first is */
	{ HEAD ", \"windows\": [" WIN "}, " WIN ", \"files\": [{\"path\": "
	    "\"w/a\", \"done\": true, \"bytes\": 1, \"rows\": 1, \"sha256\": "
	    SHA "}, {\"path\": \"..\"}]}]}",
	    ": windows[1].files[1].path: expected a relative path inside the "
	    "export" },
};

static void
test_load_errors(void **state)
{
	struct manifest m;
	struct unit_capture c;
	char *dir = unit_tmpdir(), *path = unit_path(dir, MANIFEST_NAME);
	char *want, *got;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		unit_writes(path, bad[i].text);
		unit_capture_begin(&c);
		if (manifest_load(&m, dir) != -1)
			fail_msg("case %zu loaded: %s", i, bad[i].text);
		got = unit_capture_end(&c);
		/* a refused manifest leaves nothing to release */
		assert_null(m.org_id);
		assert_null(m.w);
		want = xasprintf("circleci-usage: '%s'%s\n", path, bad[i].want);
		if (strcmp(got, want) != 0)
			fail_msg("case %zu: %s\n got: %s want: %s", i,
			    bad[i].text, got, want);
		free(want);
		free(got);
	}
	/* and the valid ones among their neighbours load */
	unit_writes(path, HEAD ", \"windows\": [" WIN ", \"files\": "
	    "[{\"path\": \"w/a\", \"done\": true, \"bytes\": 1, \"rows\": 1, "
	    "\"sha256\": "
	    SHA "}, {\"path\": \"w/b\", \"url_index\": 3}]}, " WIN
	    ", \"files\": null}], \"shared_org_ids\": [], "
	    "\"requested_end\": \"2026-10-09\"}");
	assert_int_equal(manifest_load(&m, dir), 1);
	assert_int_equal(m.nw, 2);
	assert_int_equal(m.w[0].nfiles, 2);
	assert_int_equal(m.w[0].files[1].url_index, 3);
	assert_int_equal(m.w[1].nfiles, 0);
	assert_int_equal(m.nshared, 0);
	assert_true(m.requested_end == t("2026-10-09T00:00:00Z"));
	manifest_release(&m);
	unit_rmtree(dir);
	free(path);
	free(dir);
}

/* A manifest that is there but cannot be read is not "no manifest". */
static void
test_unreadable(void **state)
{
	struct manifest m;
	struct unit_capture c;
	char *dir = unit_tmpdir(), *path = unit_path(dir, MANIFEST_NAME);
	char *got;

	(void)state;
	/* a symbolic link to itself: ELOOP, even for root */
	if (symlink(MANIFEST_NAME, path) != 0)
		fail_msg("symlink: %s", strerror(errno));
	unit_capture_begin(&c);
	assert_int_equal(manifest_load(&m, dir), -1);
	got = unit_capture_end(&c);
	assert_contains(got, "cannot read '");
	assert_contains(got, "manifest.json': Too many levels of symbolic "
	    "links");
	free(got);
	unlink(path);

	/* a directory in its place */
	unit_mkdir(path);
	unit_capture_begin(&c);
	assert_int_equal(manifest_load(&m, dir), -1);
	got = unit_capture_end(&c);
	assert_contains(got, "cannot read '");
	assert_contains(got, "manifest.json': Is a directory");
	free(got);
	assert_null(m.org_id);
	unit_rmtree(dir);
	free(path);
	free(dir);
}

/*
 * The windows of a replaced export ("replaced") survive a save and a
 * load, and are not among the current windows; a manifest with none has
 * no "replaced" key at all.
 */
static void
test_replaced(void **state)
{
	struct manifest m, l;
	char *dir = unit_tmpdir(), *path, *text;
	size_t len;

	(void)state;
	manifest_init(&m);
	m.org_id = xstrdup("5f2b9c1e-0000-4000-8000-000000000001");
	m.start = t("2026-12-07T00:00:00Z");
	m.end = m.requested_end = t("2026-12-13T23:59:59Z");
	m.api_url = xstrdup("https://circleci.com/api/v2");
	m.nw = 1;
	m.w = xcalloc(1, sizeof(*m.w));
	m.w[0].start = m.start;
	m.w[0].end = m.end;
	m.w[0].dir = xstrdup("new");
	assert_int_equal(manifest_save(&m, dir), 0);
	path = unit_path(dir, MANIFEST_NAME);
	text = unit_read(path, &len);
	assert_null(strstr(text, "replaced"));
	free(text);

	m.nold = 1;
	m.old = xcalloc(1, sizeof(*m.old));
	m.old[0].org_id = xstrdup("another-org");
	m.old[0].nshared = 1;
	m.old[0].shared = xcalloc(1, sizeof(char *));
	m.old[0].shared[0] = xstrdup("shared-a");
	m.old[0].start = t("2026-11-30T00:00:00Z");
	m.old[0].end = t("2026-12-06T23:59:59Z");
	m.old[0].nw = 1;
	m.old[0].w = xcalloc(1, sizeof(*m.old[0].w));
	m.old[0].w[0].start = m.old[0].start;
	m.old[0].w[0].end = m.old[0].end;
	m.old[0].w[0].dir = xstrdup("old");
	m.old[0].w[0].job_id = xstrdup("j-old");
	m.old[0].w[0].state = xstrdup("completed");
	manifest_set_files(&m.old[0].w[0], 1);
	m.old[0].w[0].files[0].done = 1;
	m.old[0].w[0].files[0].bytes = 7;
	memset(m.old[0].w[0].files[0].sha256, 'b', 64);
	assert_int_equal(manifest_save(&m, dir), 0);
	assert_int_equal(manifest_load(&l, dir), 1);
	assert_int_equal(l.nw, 1);
	assert_string_equal(l.w[0].dir, "new");
	assert_int_equal(l.nold, 1);
	assert_string_equal(l.old[0].org_id, "another-org");
	assert_int_equal(l.old[0].nshared, 1);
	assert_string_equal(l.old[0].shared[0], "shared-a");
	assert_true(l.old[0].start == m.old[0].start);
	assert_true(l.old[0].end == m.old[0].end);
	assert_int_equal(l.old[0].nw, 1);
	assert_string_equal(l.old[0].w[0].dir, "old");
	assert_string_equal(l.old[0].w[0].job_id, "j-old");
	assert_int_equal(l.old[0].w[0].nfiles, 1);
	assert_true(l.old[0].w[0].files[0].done);
	assert_string_equal(l.old[0].w[0].files[0].path, "old/part-000.csv.gz");
	manifest_release(&l);
	manifest_release(&m);
	unit_rmtree(dir);
	free(path);
	free(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_none),
		cmocka_unit_test(test_save_error),
		cmocka_unit_test(test_load_errors),
		cmocka_unit_test(test_unreadable),
		cmocka_unit_test(test_replaced),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
