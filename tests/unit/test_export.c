/*
 * test_export.c: the export workflow's steps that make no request
 * (export.h): the token, first found wins and trimmed, a space or an empty
 * one refused; export_open refusing a request without an org, with an org
 * that is no UUID or a bad API URL before it touches DIR, then taking
 * DIR's lock (a second export of DIR refused, export_free letting go);
 * export_plan writing a manifest of 31-day windows, then resuming the same
 * request and replacing it by another.
 */
#include "unit.h"

#include <unistd.h>

#include "dirlock.h"
#include "export.h"
#include "statusline.h"

#define ORG "00000000-0000-4000-8000-000000000000"

static void
test_token(void **state)
{
	struct unit_capture c;
	char *dir = unit_tmpdir(), *path, *tok, *err;

	(void)state;
	setenv("CIRCLECI_API_TOKEN", " first\n", 1);
	setenv("CIRCLE_TOKEN", "third", 1);
	assert_text_free(export_token_read(NULL), "first");
	unsetenv("CIRCLECI_API_TOKEN");
	assert_text_free(export_token_read(NULL), "third");
	/* a file wins over the environment */
	path = unit_path(dir, "token");
	unit_writes(path, "\t from-file \r\n");
	assert_text_free(export_token_read(path), "from-file");
	/* refused: a space inside, empty, missing, none at all */
	unit_writes(path, "a b\n");
	unit_capture_begin(&c);
	tok = export_token_read(path);
	err = unit_capture_end(&c);
	assert_null(tok);
	assert_text_free(err, "circleci-usage: the API token from "
	    "--token-file holds a space or control character\n");
	unit_writes(path, " \n");
	unit_capture_begin(&c);
	tok = export_token_read(path);
	err = unit_capture_end(&c);
	assert_null(tok);
	assert_text_free(err, "circleci-usage: the API token from "
	    "--token-file is empty\n");
	unlink(path);
	unit_capture_begin(&c);
	tok = export_token_read(path);
	err = unit_capture_end(&c);
	assert_null(tok);
	assert_contains(err, "No such file or directory");
	free(err);
	unsetenv("CIRCLE_TOKEN");
	unit_capture_begin(&c);
	tok = export_token_read(NULL);
	err = unit_capture_end(&c);
	assert_null(tok);
	assert_contains(err, "no API token: set CIRCLECI_API_TOKEN");
	free(err);
	free(path);
	unit_rmtree(dir);
	free(dir);
}

static void
request_init(struct export_request *req, struct statusline *sl,
    const char *dir)
{
	memset(req, 0, sizeof(*req));
	req->org = ORG;
	req->start = "2026-09-01";
	req->end = "2026-10-31";
	req->dir = dir;
	/* closed: no request is made by these steps */
	req->api_url = "http://127.0.0.1:9";
	req->poll = 5;
	req->timeout = 60;
	req->parallel = 1;
	req->quiet = 1;
	statusline_init(sl, 1, 0);
	req->status = sl;
}

/* export_open's verdict on req, and what it printed. */
static int
open_once(const struct export_request *req, char **err)
{
	struct unit_capture c;
	struct export *e = export_new(req, "tok");
	int ret;

	unit_capture_begin(&c);
	ret = export_open(e);
	*err = unit_capture_end(&c);
	export_free(e);
	return ret;
}

static void
test_open(void **state)
{
	struct export_request req;
	struct statusline sl;
	struct export *e, *e2;
	char *top = unit_tmpdir(), *dir = unit_path(top, "exp"), *err, *lock;

	(void)state;
	setenv("CIRCLECI_USAGE_NOW", "2026-12-04T12:00:00Z", 1);
	unsetenv("ORG_ID");
	unsetenv("CIRCLE_ORGANIZATION_ID");
	request_init(&req, &sl, dir);
	req.org = NULL;
	assert_int_equal(open_once(&req, &err), EXIT_USAGE);
	assert_contains(err, "no organization: use --org ID or set ORG_ID");
	free(err);
	req.org = "my-org";
	assert_int_equal(open_once(&req, &err), EXIT_USAGE);
	assert_contains(err, "org ID 'my-org': expected the organization's "
	    "UUID");
	free(err);
	req.org = ORG;
	req.api_url = "https://user:secret@circleci.example/api/v2";
	assert_int_equal(open_once(&req, &err), EXIT_USAGE);
	assert_contains(err, "--api-url '");
	assert_null(strstr(err, "secret"));
	free(err);
	/* nothing of DIR before the request is known to be good */
	assert_int_equal(access(dir, F_OK), -1);

	req.api_url = "http://127.0.0.1:9";
	e = export_new(&req, "tok");
	assert_int_equal(export_open(e), 0);
	lock = unit_path(dir, DIRLOCK_NAME);
	assert_int_equal(access(lock, F_OK), 0);
	/* one export at a time per DIR */
	e2 = export_new(&req, "tok");
	{
		struct unit_capture c;

		unit_capture_begin(&c);
		assert_int_equal(export_open(e2), EXIT_FAILURE_OTHER);
		err = unit_capture_end(&c);
	}
	assert_contains(err, "is in use by another export");
	free(err);
	export_free(e2);
	export_free(e);
	assert_int_equal(access(lock, F_OK), -1);
	export_free(NULL);
	free(lock);
	free(dir);
	unit_rmtree(top);
	free(top);
}

static void
test_plan(void **state)
{
	struct export_request req;
	struct statusline sl;
	struct unit_capture c;
	struct export *e;
	char *dir = unit_tmpdir(), *text, *err, *mf;
	unsigned creates = 1, polls = 1;

	(void)state;
	setenv("CIRCLECI_USAGE_NOW", "2026-12-04T12:00:00Z", 1);
	request_init(&req, &sl, dir);
	e = export_new(&req, "tok");
	assert_int_equal(export_open(e), 0);
	assert_int_equal(export_plan(e), 0);
	/* September and October: two windows of at most 31 days, no job
	 * yet, recorded on disk */
	text = export_manifest_text(e);
	assert_contains(text, ORG);
	assert_contains(text, "20260901T000000Z_20261002T000000Z");
	assert_contains(text, "20261002T000000Z_20261031T235959Z");
	assert_contains(text, "\"job_id\": null");
	assert_null(strstr(text, "\"job_id\": \""));
	free(text);
	mf = unit_path(dir, "manifest.json");
	assert_int_equal(access(mf, F_OK), 0);
	assert_int_equal(export_requests(e, &creates, &polls), 0);
	assert_int_equal(creates, 0);
	assert_int_equal(polls, 0);
	export_free(e);

	/* the same request again: resumed */
	req.quiet = 0;
	e = export_new(&req, "tok");
	assert_int_equal(export_open(e), 0);
	unit_capture_begin(&c);
	assert_int_equal(export_plan(e), 0);
	err = unit_capture_end(&c);
	assert_contains(err, "resuming the export of 2026-09-01T00:00:00Z to "
	    "2026-10-31T23:59:59Z in ");
	free(err);
	export_free(e);

	/* another range: the old export is replaced */
	req.start = "2026-10-01";
	e = export_new(&req, "tok");
	assert_int_equal(export_open(e), 0);
	unit_capture_begin(&c);
	assert_int_equal(export_plan(e), 0);
	err = unit_capture_end(&c);
	assert_contains(err, "holds an export of 2026-09-01T00:00:00Z to "
	    "2026-10-31T23:59:59Z; replacing it with 2026-10-01T00:00:00Z "
	    "to 2026-10-31T23:59:59Z");
	free(err);
	text = export_manifest_text(e);
	assert_contains(text, "\"replaced\"");
	free(text);
	export_free(e);
	free(mf);
	unit_rmtree(dir);
	free(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_token),
		cmocka_unit_test(test_open),
		cmocka_unit_test(test_plan),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
