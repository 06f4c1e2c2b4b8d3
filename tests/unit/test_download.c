/*
 * test_download.c: downloads of export parts (download.h) from a canned
 * server on loopback: a good part is checked (rows, bytes, SHA-256) and
 * renamed into place, fetched without any credential; a URL that is not
 * https (nor loopback) is refused before any request; an HTTP error is
 * exit 5 and an expired URL (403) is handed back; a corrupt part is
 * fetched again, never put in place, until the deadline (exit 6); and
 * download_verify on its own.
 */
#include "unit.h"
#include "loopback.h"

#include <openssl/evp.h>

#include "api.h"
#include "download.h"

#define CSV "JOB_ID,PROJECT_NAME,TOTAL_CREDITS\n1,api,2\n2,web,3\n3,api,4\n"

struct part {
	char *dir, *path, *gz;
	size_t gzlen;
	char *answer;		/* headers and the gzip body */
	size_t alen;
	char sha[65];
};

static void
part_init(struct part *p)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0, i;
	char *head, *gzpath;

	p->dir = unit_tmpdir();
	p->path = unit_path(p->dir, "part-000.csv.gz");
	gzpath = unit_path(p->dir, "served.gz");
	unit_write_gz(gzpath, CSV, strlen(CSV));
	p->gz = unit_read(gzpath, &p->gzlen);
	unlink(gzpath);
	free(gzpath);
	head = xasprintf("HTTP/1.1 200 OK\r\nContent-Length: %zu\r\n"
	    "Connection: close\r\n\r\n", p->gzlen);
	p->alen = strlen(head) + p->gzlen;
	p->answer = xmalloc(p->alen);
	memcpy(p->answer, head, strlen(head));
	memcpy(p->answer + strlen(head), p->gz, p->gzlen);
	free(head);
	EVP_Digest(p->gz, p->gzlen, md, &mdlen, EVP_sha256(), NULL);
	for (i = 0; i < mdlen; i++)
		snprintf(p->sha + 2 * i, 3, "%02x", md[i]);
}

static void
part_release(struct part *p)
{
	unit_rmtree(p->dir);
	free(p->dir);
	free(p->path);
	free(p->gz);
	free(p->answer);
}

/* What the callbacks of the last fetch() saw. */
static size_t progress_calls, progress_total, done_calls, done_index;

static int
on_done(void *ctx, size_t i)
{
	(void)ctx;
	done_calls++;
	done_index = i;
	return 0;
}

static void
on_progress(void *ctx, const struct dl_progress *pr)
{
	(void)ctx;
	progress_calls++;
	progress_total = pr->total;
}

/* Download one item from `url` into p->path; *err is its stderr. */
/* dl_opts.allow_http of fetch(): an API on loopback, as the tests' */
static int fetch_allow_http = 1;

static int
fetch(struct part *p, const char *url, double secs, int live,
    struct dl_item *it, char **err)
{
	struct dl_opts o;
	struct unit_capture c;
	int ret;

	memset(it, 0, sizeof(*it));
	it->url = url;
	it->path = p->path;
	it->label = "w1/part-000";
	memset(&o, 0, sizeof(o));
	o.parallel = 2;
	o.allow_http = fetch_allow_http;
	o.deadline = api_clock() + secs;
	o.live = live;
	o.on_done = on_done;
	o.on_progress = on_progress;
	progress_calls = progress_total = done_calls = 0;
	done_index = 99;
	unit_capture_begin(&c);
	ret = download_all(it, 1, &o);
	*err = unit_capture_end(&c);
	return ret;
}

static int
exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

static char *
partial_of(const struct part *p)
{
	return xasprintf("%s.partial", p->path);
}

static void
test_good(void **state)
{
	struct part p;
	struct server s;
	struct canned ans[1];
	struct dl_item it;
	char *url, *err, *got, *partial, *want;
	size_t len;

	(void)state;
	part_init(&p);
	ans[0].data = p.answer;
	ans[0].len = p.alen;
	server_start(&s, ans, 1);
	url = xasprintf("http://127.0.0.1:%d/part-000.csv.gz?X-Sig=abc",
	    s.port);
	assert_int_equal(fetch(&p, url, 20, 1, &it, &err), 0);
	got = server_stop(&s);
	assert_true(it.done);
	assert_false(it.expired);
	assert_int_equal(it.rows, 3);		/* less the header */
	assert_int_equal(it.bytes, p.gzlen);
	assert_string_equal(it.sha256, p.sha);
	/* in place, byte for byte, and no .partial left */
	{
		char *file = unit_read(p.path, &len);

		assert_int_equal(len, p.gzlen);
		assert_memory_equal(file, p.gz, len);
		free(file);
	}
	partial = partial_of(&p);
	assert_false(exists(partial));
	free(partial);
	/* progress reported, the part handed back as done, then its
	 * summary */
	assert_true(progress_calls > 0);
	assert_int_equal(progress_total, 1);
	assert_int_equal(done_calls, 1);
	assert_int_equal(done_index, 0);
	want = xasprintf("circleci-usage: downloaded %s (%zu B, 3 rows)\n",
	    p.path, p.gzlen);
	assert_contains(err, want);
	free(want);
	/* pre-signed: no token, no Authorization */
	assert_contains(got, "GET /part-000.csv.gz?X-Sig=abc HTTP/1.1\r\n");
	assert_null(strcasestr(got, "Authorization:"));
	assert_null(strcasestr(got, "Circle-Token:"));
	free(got);
	free(err);
	free(url);
	part_release(&p);
}

static void
test_refused(void **state)
{
	struct part p;
	struct dl_item it;
	char *err, *partial;

	(void)state;
	part_init(&p);
	assert_int_equal(fetch(&p, "http://example.com/part-000.csv.gz", 20, 0,
	    &it, &err), EXIT_REFUSED);
	assert_text_free(err, "circleci-usage: w1/part-000: download URL "
	    "refused: http://example.com/part-000.csv.gz: plain http is "
	    "refused except to a loopback host (127.0.0.1, ::1, localhost)\n");
	assert_false(it.done);
	assert_false(exists(p.path));
	partial = partial_of(&p);
	assert_false(exists(partial));
	free(partial);
	part_release(&p);
}

/*
 * Every hop passes the rule of the first URL (net.h): a redirect off it
 * is refused before any connection (exit 8, not retried, not "expired");
 * a plain http URL is refused when the API is not on loopback.
 */
static void
test_redirect_refused(void **state)
{
	static const struct canned ans[] = {
		{ HTTP("302 Found", "Location: http://192.0.2.1:9/p?X-Amz-"
		    "Signature=s3cr3t\r\n", ""), 0 },
	};
	static const struct canned user[] = {
		{ HTTP("307 Temporary Redirect", "Location: http://u:pw@"
		    "127.0.0.1:9/p\r\n", ""), 0 },
	};
	struct part p;
	struct server s;
	struct dl_item it;
	char *url, *err, *got;

	(void)state;
	part_init(&p);
	server_start(&s, ans, 1);
	url = xasprintf("http://127.0.0.1:%d/p", s.port);
	assert_int_equal(fetch(&p, url, 20, 0, &it, &err), EXIT_REFUSED);
	got = server_stop(&s);
	/* one request: no retry */
	assert_null(strstr(strstr(got, "GET /p") + 1, "GET /p"));
	free(got);
	assert_text_free(err, "circleci-usage: w1/part-000: download refused: "
	    "redirect 1 (302) to http://192.0.2.1:9/p: plain http is refused "
	    "except to a loopback host (127.0.0.1, ::1, localhost)\n");
	assert_false(it.done);
	assert_false(it.expired);
	free(url);

	server_start(&s, user, 1);
	url = xasprintf("http://127.0.0.1:%d/p", s.port);
	assert_int_equal(fetch(&p, url, 20, 0, &it, &err), EXIT_REFUSED);
	free(server_stop(&s));
	assert_text_free(err, "circleci-usage: w1/part-000: download refused: "
	    "redirect 1 (307) to http://127.0.0.1:9/p: a URL with user "
	    "information is refused\n");
	free(url);

	/* an API off loopback: its plain http URLs are refused, even to
	 * a loopback host, and nothing is requested */
	server_start(&s, ans, 1);
	url = xasprintf("http://127.0.0.1:%d/p", s.port);
	fetch_allow_http = 0;
	assert_int_equal(fetch(&p, url, 20, 0, &it, &err), EXIT_REFUSED);
	fetch_allow_http = 1;
	got = server_stop(&s);
	assert_string_equal(got, "");
	free(got);
	assert_non_null(strstr(err, "download URL refused: http://127.0.0.1:"));
	assert_non_null(strstr(err, "/p: plain http is refused here; use "
	    "https\n"));
	free(err);
	free(url);
	part_release(&p);
}

static void
test_http_error(void **state)
{
	static const struct canned a404[] = {
		{ HTTP("404 Not Found", "", "<Error>NoSuchKey</Error>"), 0 },
	};
	static const struct canned a403[] = {
		{ HTTP("403 Forbidden", "",
		    "<Error>Request has expired</Error>"), 0 },
	};
	struct part p;
	struct server s;
	struct dl_item it;
	char *url, *err, *partial;

	(void)state;
	part_init(&p);
	partial = partial_of(&p);
	server_start(&s, a404, 1);
	url = xasprintf("http://127.0.0.1:%d/p", s.port);
	assert_int_equal(fetch(&p, url, 20, 0, &it, &err), EXIT_API_REJECTED);
	free(server_stop(&s));
	assert_text_free(err, "circleci-usage: w1/part-000: download failed: "
	    "HTTP 404\n");
	assert_false(it.done);
	assert_false(exists(p.path));
	assert_false(exists(partial));	/* nothing to resume: no .partial */
	free(url);

	/* expired: handed back for a fresh URL, nothing kept */
	server_start(&s, a403, 1);
	url = xasprintf("http://127.0.0.1:%d/p", s.port);
	assert_int_equal(fetch(&p, url, 20, 0, &it, &err), 0);
	free(server_stop(&s));
	assert_true(it.expired);
	assert_false(it.done);
	assert_false(exists(p.path));
	assert_false(exists(partial));
	free(err);
	free(url);
	free(partial);
	part_release(&p);
}

static void
test_corrupt(void **state)
{
	struct part p;
	struct server s;
	struct canned ans[1];
	struct dl_item it;
	char *url, *err, *head;
	size_t cut;

	(void)state;
	part_init(&p);
	/* a whole HTTP answer of half a gzip stream */
	cut = p.gzlen / 2;
	head = xasprintf("HTTP/1.1 200 OK\r\nContent-Length: %zu\r\n"
	    "Connection: close\r\n\r\n", cut);
	free(p.answer);
	p.alen = strlen(head) + cut;
	p.answer = xmalloc(p.alen);
	memcpy(p.answer, head, strlen(head));
	memcpy(p.answer + strlen(head), p.gz, cut);
	free(head);
	ans[0].data = p.answer;
	ans[0].len = p.alen;
	server_start(&s, ans, 1);
	url = xasprintf("http://127.0.0.1:%d/p", s.port);
	assert_int_equal(fetch(&p, url, 1.5, 0, &it, &err), EXIT_UNREACHABLE);
	free(server_stop(&s));
	assert_contains(err, "circleci-usage: warning: w1/part-000: the "
	    "download is not a complete export part (");
	assert_contains(err, "); fetching it again\n");
	assert_contains(err, "circleci-usage: downloads did not finish before "
	    "the timeout\n");
	assert_false(it.done);
	assert_true(it.attempts >= 2);
	/* never put in place */
	assert_false(exists(p.path));
	free(err);
	free(url);
	part_release(&p);
}

static void
test_verify(void **state)
{
	struct part p;
	uint64_t bytes = 0, rows = 0;
	char sha[65], err[300], *cut;

	(void)state;
	part_init(&p);
	unit_write(p.path, p.gz, p.gzlen);
	assert_int_equal(download_verify(p.path, &bytes, &rows, sha, err,
	    sizeof(err)), 0);
	assert_int_equal(rows, 3);
	assert_int_equal(bytes, p.gzlen);
	assert_string_equal(sha, p.sha);
	/* a plain CSV is a part too */
	unit_writes(p.path, CSV);
	assert_int_equal(download_verify(p.path, &bytes, &rows, sha, err,
	    sizeof(err)), 0);
	assert_int_equal(rows, 3);
	assert_int_equal(bytes, strlen(CSV));
	/* cut short: refused with the reason */
	unit_write(p.path, p.gz, p.gzlen - 4);
	assert_int_equal(download_verify(p.path, &bytes, &rows, sha, err,
	    sizeof(err)), -1);
	assert_contains(err, "truncated");
	cut = unit_path(p.dir, "missing.csv.gz");
	assert_int_equal(download_verify(cut, &bytes, &rows, sha, err,
	    sizeof(err)), -1);
	assert_contains(err, "cannot open '");
	assert_contains(err, "missing.csv.gz': No such file or directory");
	free(cut);
	part_release(&p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_redirect_refused),
		cmocka_unit_test(test_http_error),
		cmocka_unit_test(test_corrupt),
		cmocka_unit_test(test_verify),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
