/*
 * test_manifest.c: an export's manifest (manifest.h): saved and loaded
 * again field for field, atomically (no temporary file left, an
 * unwritable directory an error); none is 0; and every corrupt, foreign
 * or unsafe manifest refused with one line naming the file and the
 * field, rather than resumed from.
 */
#include "unit.h"

#include <time.h>

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
	m.shared[0] = xstrdup("5f2b9c1e-0000-4000-8000-00000000000a");
	m.shared[1] = xstrdup("5f2b9c1e-0000-4000-8000-00000000000b");
	m.start = t("2026-10-01T00:00:00Z");
	m.end = t("2026-11-01T00:00:00Z");
	m.requested_end = t("2026-12-01T00:00:00Z");
	m.api_url = xstrdup("https://circleci.com/api/v2");
	m.nw = 2;
	m.w = xcalloc(2, sizeof(*m.w));
	m.w[0].start = m.start;
	m.w[0].end = t("2026-10-15T00:00:00.5Z");
	m.w[0].dir = xstrdup("20261001T000000Z_20261015T000000Z");
	m.w[0].job_id = xstrdup("0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0");
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
	assert_string_equal(l.shared[1], "5f2b9c1e-0000-4000-8000-00000000000b");
	assert_true(l.start == m.start);
	assert_true(l.end == m.end);
	assert_true(l.requested_end == m.requested_end);
	assert_string_equal(l.api_url, m.api_url);
	assert_false(l.complete);
	assert_string_equal(l.created_at, m.created_at);
	assert_int_equal(l.nw, 2);
	assert_true(l.w[0].end == m.w[0].end);	/* milliseconds kept */
	assert_string_equal(l.w[0].dir, m.w[0].dir);
	assert_string_equal(l.w[0].job_id, "0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0");
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

#define ORG "\"5f2b9c1e-0000-4000-8000-000000000001\""
#define HEAD "{\"version\": 1, \"org_id\": " ORG ", " \
	"\"api_url\": \"https://x\", \"start\": \"2026-10-01T00:00:00Z\", " \
	"\"end\": \"2026-10-02T00:00:00Z\""
#define WIN "{\"start\": \"2026-10-01T00:00:00Z\", " \
	"\"end\": \"2026-10-02T00:00:00Z\", \"dir\": \"w\""
/* the window after WIN: it may start where WIN ends */
#define WIN2 "{\"start\": \"2026-10-02T00:00:00Z\", " \
	"\"end\": \"2026-10-02T00:00:00Z\", \"dir\": \"w2\""
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
	{ HEAD ", \"shared_org_ids\": [" ORG ", 1]}",
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
	{ HEAD ", \"windows\": [" WIN "}, " WIN2 ", \"files\": [{\"path\": "
	    "\"w/a\", \"done\": true, \"bytes\": 1, \"rows\": 1, \"sha256\": "
	    SHA "}, {\"path\": \"..\"}]}]}",
	    ": windows[1].files[1].path: expected a relative path inside the "
	    "export" },
	/*
	 * Issue 15, class 5: what is read back is checked as what came from
	 * the API was.  A job id goes into a URL path: a UUID, nothing else.
	 */
	{ HEAD ", \"windows\": [" WIN ", \"job_id\": "
	    "\"../../../../evil?x=1#\"}]}",
	    ": windows[0].job_id: expected a UUID or null" },
	{ HEAD ", \"windows\": [" WIN ", \"job_id\": \"?x=1\"}]}",
	    ": windows[0].job_id: expected a UUID or null" },
	{ HEAD ", \"windows\": [" WIN ", \"job_id\": "
	    "\"0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0#x\"}]}",
	    ": windows[0].job_id: expected a UUID or null" },
	{ HEAD ", \"windows\": [" WIN ", \"job_id\": "
	    "\"0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f00\"}]}",
	    ": windows[0].job_id: expected a UUID or null" },
	{ HEAD ", \"windows\": [" WIN ", \"job_id\": "
	    "\"0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f\"}]}",
	    ": windows[0].job_id: expected a UUID or null" },
	{ HEAD ", \"windows\": [" WIN ", \"job_id\": "
	    "\"0b1c2d3e04f50-6172-8394-a5b6c7d8e9f0\"}]}",
	    ": windows[0].job_id: expected a UUID or null" },
	{ HEAD ", \"windows\": [" WIN ", \"job_id\": "
	    "\"0b1c2d3g-4f50-6172-8394-a5b6c7d8e9f0\"}]}",
	    ": windows[0].job_id: expected a UUID or null" },
	{ HEAD ", \"windows\": [" WIN ", \"job_id\": \"\"}]}",
	    ": windows[0].job_id: expected a UUID or null" },
	{ HEAD ", \"windows\": [" WIN ", \"job_id\": 7}]}",
	    ": windows[0].job_id: expected a string" },
	/* control characters, in any string or key, C1 and bidi too */
	{ HEAD ", \"windows\": [" WIN ", \"job_id\": "
	    "\"0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0\\r\\nX: 1\"}]}",
	    ": windows[0].job_id: expected text without control "
	    "characters" },
	{ HEAD ", \"windows\": [" WIN ", \"files\": [{\"path\": "
	    "\"w/\\u001b]0;pwned\\u0007.csv.gz\"}]}]}",
	    ": windows[0].files[0].path: expected text without control "
	    "characters" },
	{ HEAD ", \"windows\": [" WIN ", \"state\": \"done\\u009b31m\"}]}",
	    ": windows[0].state: expected text without control characters" },
	{ HEAD ", \"windows\": [" WIN ", \"error_reason\": "
	    "\"a\\u202eb\"}]}",
	    ": windows[0].error_reason: expected text without control "
	    "characters" },
	{ HEAD ", \"x\\u001b[31m\": 1, \"windows\": []}",
	    ": the top level: expected keys without control characters" },
	{ "{\"version\": 1, \"org_id\": \"o\\tx\", \"windows\": []}",
	    ": org_id: expected text without control characters" },
	/* the org goes into the URL path too */
	{ "{\"version\": 1, \"org_id\": \"../x\", "
	    "\"api_url\": \"https://x\", \"start\": \"2026-10-01T00:00:00Z\", "
	    "\"end\": \"2026-10-02T00:00:00Z\", \"windows\": []}",
	    ": org_id: expected a UUID" },
	{ HEAD ", \"shared_org_ids\": [\"a?b\"], \"windows\": []}",
	    ": shared_org_ids[0]: expected a UUID" },
	/* each file and each window's directory once */
	{ HEAD ", \"windows\": [" WIN ", \"files\": [{\"path\": \"w/a\"}, "
	    "{\"path\": \"w/a\"}]}]}",
	    ": windows[0].files[1].path: expected a file listed once, not "
	    "again after windows[0].files[0]" },
	{ HEAD ", \"windows\": [" WIN ", \"files\": [{\"path\": \"w/a\"}]}, "
	    WIN2 ", \"files\": [{\"path\": \"w/a\"}]}]}",
	    ": windows[1].files[0].path: expected a file listed once, not "
	    "again after windows[0].files[0]" },
	{ HEAD ", \"windows\": [" WIN "}, {\"start\": \"2026-10-02\", "
	    "\"end\": \"2026-10-02\", \"dir\": \"w\"}]}",
	    ": windows[1].dir: expected a directory of its own, not that of "
	    "windows[0]" },
	/* windows inside the range, in order, at most 31 days each */
	{ HEAD ", \"windows\": [{\"start\": \"2026-09-30T00:00:00Z\", "
	    "\"end\": \"2026-10-02\", \"dir\": \"w\"}]}",
	    ": windows[0]: expected a window inside the range of its export" },
	{ HEAD ", \"windows\": [{\"start\": \"2026-10-02\", "
	    "\"end\": \"2026-10-01\", \"dir\": \"w\"}]}",
	    ": windows[0].end: expected a time after its start" },
	{ HEAD ", \"windows\": [" WIN "}, " WIN "}]}",
	    ": windows[1].start: expected a time after the previous window's "
	    "end" },
	{ "{\"version\": 1, \"org_id\": " ORG ", \"api_url\": \"u\", "
	    "\"start\": \"2026-08-01\", \"end\": \"2026-10-01\", "
	    "\"windows\": [{\"start\": \"2026-08-01\", "
	    "\"end\": \"2026-09-02\", \"dir\": \"w\"}]}",
	    ": windows[0]: expected a window of at most 31 days" },
	{ HEAD ", \"windows\": [" WIN ", \"files\": [{\"path\": \"w/a\", "
	    "\"url_index\": 1}]}]}",
	    ": windows[0].files[0].url_index: expected a number below 1" },
	{ HEAD ", \"end\": \"2026-09-01T00:00:00Z\", \"windows\": []}",
	    ": end: expected a time after the start" },
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
	    SHA "}, {\"path\": \"w/b\", \"url_index\": 1}]}, " WIN2
	    ", \"files\": null}], \"shared_org_ids\": [], "
	    "\"requested_end\": \"2026-10-09\"}");
	assert_int_equal(manifest_load(&m, dir), 1);
	assert_int_equal(m.nw, 2);
	assert_int_equal(m.w[0].nfiles, 2);
	assert_int_equal(m.w[0].files[1].url_index, 1);
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
	m.old[0].org_id = xstrdup("5f2b9c1e-0000-4000-8000-0000000000cc");
	m.old[0].nshared = 1;
	m.old[0].shared = xcalloc(1, sizeof(char *));
	m.old[0].shared[0] = xstrdup("5f2b9c1e-0000-4000-8000-00000000000a");
	m.old[0].start = t("2026-11-30T00:00:00Z");
	m.old[0].end = t("2026-12-06T23:59:59Z");
	m.old[0].nw = 1;
	m.old[0].w = xcalloc(1, sizeof(*m.old[0].w));
	m.old[0].w[0].start = m.old[0].start;
	m.old[0].w[0].end = m.old[0].end;
	m.old[0].w[0].dir = xstrdup("old");
	m.old[0].w[0].job_id = xstrdup("0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f1");
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
	assert_string_equal(l.old[0].org_id, "5f2b9c1e-0000-4000-8000-0000000000cc");
	assert_int_equal(l.old[0].nshared, 1);
	assert_string_equal(l.old[0].shared[0], "5f2b9c1e-0000-4000-8000-00000000000a");
	assert_true(l.old[0].start == m.old[0].start);
	assert_true(l.old[0].end == m.old[0].end);
	assert_int_equal(l.old[0].nw, 1);
	assert_string_equal(l.old[0].w[0].dir, "old");
	assert_string_equal(l.old[0].w[0].job_id, "0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f1");
	assert_int_equal(l.old[0].w[0].nfiles, 1);
	assert_true(l.old[0].w[0].files[0].done);
	assert_string_equal(l.old[0].w[0].files[0].path, "old/part-000.csv.gz");
	manifest_release(&l);
	manifest_release(&m);
	unit_rmtree(dir);
	free(path);
	free(dir);
}

/* Load dir's manifest, which must be refused with a message holding want. */
static void
refused(const char *dir, const char *want)
{
	struct manifest m;
	struct unit_capture c;
	char *got;

	unit_capture_begin(&c);
	if (manifest_load(&m, dir) != -1)
		fail_msg("loaded; wanted: %s", want);
	got = unit_capture_end(&c);
	assert_contains(got, want);
	assert_null(m.w);
	free(got);
}

static double
seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * n windows in a month's range, each listing the same part: refused for
 * their count before any is read, in well under a second (it took 13.7 s
 * and 290 MB for 4,000 before the limit).
 */
static void
many_windows(const char *dir, size_t n, const char *want)
{
	struct sbuf sb;
	char *path = unit_path(dir, MANIFEST_NAME);
	double t0;
	size_t i;

	sbuf_init(&sb, 1u << 30);
	sbuf_addstr(&sb, HEAD ", \"windows\": [");
	for (i = 0; i < n; i++)
		sbuf_addf(&sb, "%s{\"start\": \"2026-10-01T00:00:00Z\", "
		    "\"end\": \"2026-10-01T00:00:00Z\", \"dir\": \"w%zu\", "
		    "\"files\": [{\"path\": \"w/p.csv.gz\", \"done\": true, "
		    "\"bytes\": 1, \"rows\": 1, \"sha256\": " SHA "}]}",
		    i ? ", " : "", i);
	sbuf_addstr(&sb, "]}");
	unit_write(path, sb.buf, sb.len);
	sbuf_release(&sb);
	t0 = seconds();
	refused(dir, want);
	print_message("      %zu windows refused in %.3f s\n", n,
	    seconds() - t0);
	assert_true(seconds() - t0 < 2.0);
	free(path);
}

static void
test_limits(void **state)
{
	char *dir = unit_tmpdir(), *path = unit_path(dir, MANIFEST_NAME);
	struct sbuf sb;
	struct manifest m;
	size_t i;
	int fd;

	(void)state;
	/* 4,000: refused for their count (a month allows 1 + 256) */
	many_windows(dir, 4000, "windows: expected at most 257 windows for "
	    "its range, not 4000");
	/* 100,000: for the size of the file, before it is parsed */
	many_windows(dir, 100000, "manifest.json': expected at most 4 MB, "
	    "not ");

	/* the most a range allows still loads */
	sbuf_init(&sb, 1u << 30);
	sbuf_addstr(&sb, HEAD ", \"windows\": [");
	for (i = 0; i < 1 + MANIFEST_MAX_RESUMES; i++)
		sbuf_addf(&sb, "%s{\"start\": \"2026-10-01T00:00:00Z\", "
		    "\"end\": \"2026-10-01T00:00:00Z\", \"dir\": \"w%zu\"}",
		    i ? ", " : "", i);
	sbuf_addstr(&sb, "]}");
	unit_write(path, sb.buf, sb.len);
	assert_int_equal(manifest_load(&m, dir), 1);
	assert_int_equal(m.nw, 1 + MANIFEST_MAX_RESUMES);
	manifest_release(&m);

	/* parts in a window: as many as export would download */
	sbuf_reset(&sb);
	sbuf_addstr(&sb, HEAD ", \"windows\": [" WIN ", \"files\": [");
	for (i = 0; i <= MANIFEST_MAX_PARTS; i++)
		sbuf_addf(&sb, "%s{\"path\": \"w/p%zu\"}", i ? ", " : "", i);
	sbuf_addstr(&sb, "]}]}");
	unit_write(path, sb.buf, sb.len);
	refused(dir, "windows[0].files: expected at most 1000 files, not "
	    "1001");

	/* replaced entries: one per interrupted replacement, a few */
	sbuf_reset(&sb);
	sbuf_addstr(&sb, HEAD ", \"windows\": [], \"replaced\": [");
	for (i = 0; i <= MANIFEST_MAX_REPLACED; i++)
		sbuf_addf(&sb, "%s{\"org_id\": " ORG ", \"start\": "
		    "\"2026-10-01\", \"end\": \"2026-10-02\", \"windows\": []}",
		    i ? ", " : "");
	sbuf_addstr(&sb, "]}");
	unit_write(path, sb.buf, sb.len);
	refused(dir, "replaced: expected at most 16 entries, not 17");

	/* a replaced window's part is not a current window's */
	sbuf_reset(&sb);
	sbuf_addstr(&sb, HEAD ", \"windows\": [" WIN ", \"files\": [{\"path\": "
	    "\"w/a\"}]}], \"replaced\": [{\"org_id\": " ORG ", \"start\": "
	    "\"2026-09-01\", \"end\": \"2026-09-02\", \"windows\": "
	    "[{\"start\": \"2026-09-01\", \"end\": \"2026-09-02\", \"dir\": "
	    "\"old\", \"job_id\": \"../x\", \"files\": []}]}]}");
	unit_write(path, sb.buf, sb.len);
	refused(dir, "replaced[0].windows[0].job_id: expected a UUID or null");
	sbuf_reset(&sb);
	sbuf_addstr(&sb, HEAD ", \"windows\": [" WIN ", \"files\": [{\"path\": "
	    "\"w/a\"}]}], \"replaced\": [{\"org_id\": " ORG ", \"start\": "
	    "\"2026-09-01\", \"end\": \"2026-09-02\", \"windows\": "
	    "[{\"start\": \"2026-09-01\", \"end\": \"2026-09-02\", \"dir\": "
	    "\"old\", \"files\": [{\"path\": \"w/a\"}]}]}]}");
	unit_write(path, sb.buf, sb.len);
	refused(dir, "replaced[0].windows[0].files[0].path: expected a file "
	    "listed once, not again after windows[0].files[0]");
	sbuf_release(&sb);

	/* a file past the size limit is not even parsed (sparse here) */
	fd = open(path, O_WRONLY | O_TRUNC);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, (off_t)MANIFEST_MAX_BYTES + 1), 0);
	close(fd);
	refused(dir, "manifest.json': expected at most 4 MB, not 4194305 "
	    "bytes");
	unit_rmtree(dir);
	free(path);
	free(dir);
}

/*
 * A path is resolved on the disk, not only read: a window's directory, a
 * part, or a directory on the way to one, that is a symbolic link leading
 * out of the export is refused; one that stays inside is followed.
 */
static void
test_symlinks(void **state)
{
	char *top = unit_tmpdir(), *dir = unit_path(top, "exp");
	char *out = unit_path(top, "elsewhere"), *path, *p;
	struct manifest m;

	(void)state;
	unit_mkdir(dir);
	unit_mkdir(out);
	path = unit_path(dir, MANIFEST_NAME);

	/* the window's directory */
	p = unit_path(dir, "w");
	assert_int_equal(symlink(out, p), 0);
	unit_writes(path, HEAD ", \"windows\": [" WIN "}]}");
	refused(dir, "windows[0].dir: expected a path inside the export "
	    "directory: 'w' leads out of the directory, to '");
	/* a part under it (the window's dir elsewhere in the manifest) */
	unit_writes(path, HEAD ", \"windows\": [" WIN2 ", \"files\": "
	    "[{\"path\": \"w/part-000.csv.gz\"}]}]}");
	refused(dir, "windows[0].files[0].path: expected a path inside the "
	    "export directory: 'w' leads out");
	unlink(p);
	free(p);

	/* a part that is itself a link out, and one to nothing */
	p = unit_path(dir, "w2");
	unit_mkdir(p);
	free(p);
	p = unit_path(out, "secret");
	unit_writes(p, "x");
	free(p);
	p = unit_path(dir, "w2/part-000.csv.gz");
	assert_int_equal(symlink("../../elsewhere/secret", p), 0);
	unit_writes(path, HEAD ", \"windows\": [" WIN2 ", \"files\": "
	    "[{\"path\": \"w2/part-000.csv.gz\"}]}]}");
	refused(dir, "'w2/part-000.csv.gz' leads out of the directory");
	unlink(p);
	assert_int_equal(symlink("/nonexistent/x", p), 0);
	refused(dir, "'w2/part-000.csv.gz' is a symbolic link to nothing");
	unlink(p);

	/* a link that stays inside is fine, as is a part not there yet */
	assert_int_equal(symlink("part-001.csv.gz", p), 0);
	free(p);
	p = unit_path(dir, "w2/part-001.csv.gz");
	unit_writes(p, "x");
	free(p);
	unit_writes(path, HEAD ", \"windows\": [" WIN2 ", \"files\": "
	    "[{\"path\": \"w2/part-000.csv.gz\"}, {\"path\": "
	    "\"w2/part-002.csv.gz\"}]}]}");
	assert_int_equal(manifest_load(&m, dir), 1);
	manifest_release(&m);

	/* the export directory itself a link: what matters is inside it */
	p = unit_path(top, "link");
	assert_int_equal(symlink("exp", p), 0);
	assert_int_equal(manifest_load(&m, p), 1);
	manifest_release(&m);
	free(p);

	unit_rmtree(top);
	free(path);
	free(out);
	free(dir);
	free(top);
}

static void
test_duplicates(void **state)
{
	const char *p[] = { "b", "a", "c", "a" };
	size_t a = 9, b = 9;

	(void)state;
	assert_int_equal(manifest_find_duplicate(p, 3, &a, &b), 0);
	assert_int_equal(manifest_find_duplicate(p, 4, &a, &b), -1);
	assert_int_equal(a, 1);
	assert_int_equal(b, 3);
	assert_int_equal(manifest_find_duplicate(p, 0, &a, &b), 0);
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
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_symlinks),
		cmocka_unit_test(test_duplicates),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
