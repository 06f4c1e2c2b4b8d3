/*
 * test_api.c: the API client (api.h) against a canned HTTP server on
 * loopback: a 2xx JSON object is the answer, with the token sent in its
 * header; 400, 401 and 404 are one error line each with its exit code and
 * the API's message made safe for a terminal; a redirect is not followed
 * (the token goes to the API host only); 5xx and 429 are retried (after
 * Retry-After) until the deadline, then exit 6; answers that are not a
 * JSON object or are too large are not taken; TLS and connection
 * failures; a token the server echoes in any spelling is masked.  And the
 * pure helpers: URLs allowed (never with user information), Retry-After
 * in seconds or as a date, the backoff's bounds, URLs shown without their
 * query or user information.
 */
#include "unit.h"
#include "loopback.h"

#include "api.h"
#include "redact.h"

#define USERINFO "user information (user:password@) is refused in a URL"

static char *
base_url(const char *scheme, int port)
{
	return xasprintf("%s://127.0.0.1:%d/api/v2/", scheme, port);
}

/* One call of `method` /path with `body`; *err is its stderr. */
static int
call(const char *url, double secs, const char *method, const char *body,
    json_t **out, unsigned *requests, char **err)
{
	struct unit_capture c;
	struct api *a;
	int ret;

	unit_capture_begin(&c);
	a = api_new(url, "s3cr3t-token", 0, api_clock() + secs);
	assert_non_null(a);
	ret = api_call(a, method, "/usage_export_job", body,
	    "create the export job", out);
	if (requests != NULL)
		*requests = api_requests(a);
	api_free(a);
	*err = unit_capture_end(&c);
	return ret;
}

static void
test_ok(void **state)
{
	static const struct canned ans[] = {
		{ HTTP("201 Created", "",
		    "{\"usage_export_job_id\": \"ab-1\"}"), 0 },
	};
	struct server s;
	json_t *j = NULL;
	unsigned nreq = 0;
	char *url, *err, *got;

	(void)state;
	server_start(&s, ans, 1);
	url = base_url("http", s.port);
	assert_int_equal(call(url, 10, "POST", "{\"start\": \"x\"}", &j, &nreq,
	    &err), 0);
	got = server_stop(&s);
	assert_non_null(j);
	assert_string_equal(json_string_value(json_object_get(j,
	    "usage_export_job_id")), "ab-1");
	json_decref(j);
	assert_int_equal(nreq, 1);
	assert_string_equal(err, "");
	/* the base URL's trailing slash is not doubled; the token is in
	 * its header; the body is sent as it is */
	assert_contains(got, "POST /api/v2/usage_export_job HTTP/1.1\r\n");
	assert_contains(got, "\r\nCircle-Token: s3cr3t-token\r\n");
	assert_contains(got, "\r\nContent-Type: application/json\r\n");
	assert_contains(got, "\r\n\r\n{\"start\": \"x\"}");
	free(got);
	free(err);
	free(url);
}

static void
test_rejected(void **state)
{
	static const struct canned a400[] = {
		{ HTTP("400 Bad Request", "",
		    "{\"message\": \"bad\\u001b[31m\\nrange\"}"), 0 },
	};
	static const struct canned a401[] = {
		{ HTTP("401 Unauthorized", "",
		    "{\"message\": \"Invalid token\"}"), 0 },
	};
	static const struct canned a404[] = {
		{ HTTP("404 Not Found", "", "not json at all"), 0 },
	};
	struct server s;
	json_t *j = NULL;
	unsigned nreq;
	char *url, *err;

	(void)state;
	server_start(&s, a400, 1);
	url = base_url("http", s.port);
	assert_int_equal(call(url, 10, "POST", "{\"a\": 1}", &j, &nreq, &err),
	    EXIT_API_REJECTED);
	free(server_stop(&s));
	assert_null(j);
	assert_int_equal(nreq, 1);	/* a 4xx is not retried */
	/* the API's message, one line without its escape, and the body */
	assert_text_free(err, "circleci-usage: create the export job: the API "
	    "rejected the request (400: bad [31m range); it was sent: "
	    "{\"a\": 1}\n");
	free(url);

	server_start(&s, a401, 1);
	url = base_url("http", s.port);
	assert_int_equal(call(url, 10, "GET", NULL, &j, &nreq, &err),
	    EXIT_API_AUTH);
	free(server_stop(&s));
	assert_contains(err, "create the export job: the API refused the "
	    "token (401: Invalid token); use a personal API token");
	assert_null(strstr(err, "s3cr3t"));
	free(err);
	free(url);

	/* not JSON: the start of the body instead of a message */
	server_start(&s, a404, 1);
	url = base_url("http", s.port);
	assert_int_equal(call(url, 10, "GET", NULL, &j, &nreq, &err),
	    EXIT_API_AUTH);
	free(server_stop(&s));
	assert_contains(err, "create the export job: 404: not json at all; "
	    "check the org ID");
	free(err);
	free(url);
}

static void
test_no_redirect(void **state)
{
	static const struct canned ans[] = {
		{ HTTP("302 Found", "Location: http://127.0.0.2:1/steal\r\n",
		    "{}"), 0 },
	};
	struct server s;
	json_t *j = NULL;
	unsigned nreq;
	char *url, *err, *got;

	(void)state;
	server_start(&s, ans, 1);
	url = base_url("http", s.port);
	assert_int_equal(call(url, 10, "GET", NULL, &j, &nreq, &err),
	    EXIT_REFUSED);
	got = server_stop(&s);
	assert_int_equal(nreq, 1);
	assert_contains(err, "the API at 127.0.0.1 answered 302, a redirect "
	    "to http://127.0.0.2:1; refused: API calls follow no redirect");
	free(got);
	free(err);
	free(url);
}

static void
test_retried(void **state)
{
	static const struct canned ans[] = {
		{ HTTP("429 Too Many Requests", "Retry-After: 0\r\n",
		    "{\"message\": \"slow down\"}"), 0 },
		{ HTTP("503 Service Unavailable", "",
		    "{\"message\": \"down\"}"), 0 },
		{ HTTP("200 OK", "", "{\"state\": \"created\"}"), 0 },
	};
	struct server s;
	json_t *j = NULL;
	unsigned nreq = 0;
	char *url, *err;

	(void)state;
	server_start(&s, ans, 3);
	url = base_url("http", s.port);
	assert_int_equal(call(url, 30, "GET", NULL, &j, &nreq, &err), 0);
	free(server_stop(&s));
	assert_int_equal(nreq, 3);
	assert_string_equal(json_string_value(json_object_get(j, "state")),
	    "created");
	json_decref(j);
	/* the first 429 is said once; one 5xx is retried quietly */
	assert_text_free(err, "circleci-usage: warning: create the export "
	    "job: rate limited (slow down); waiting 0 s as the API asks\n");
	free(url);
}

static void
test_until_deadline(void **state)
{
	static const struct canned a429[] = {
		{ HTTP("429 Too Many Requests", "Retry-After: 120\r\n",
		    "{\"message\": \"slow down\"}"), 0 },
	};
	static const struct canned a503[] = {
		{ HTTP("503 Service Unavailable", "",
		    "{\"message\": \"down\"}"), 0 },
	};
	static const struct canned agarbage[] = {
		{ HTTP("200 OK", "", "<html>maintenance</html>"), 0 },
	};
	static const struct canned aarray[] = {
		{ HTTP("200 OK", "", "[1, 2]"), 0 },
	};
	struct server s;
	json_t *j = NULL;
	unsigned nreq;
	char *url, *err;
	double t0;

	(void)state;
	/* asked to wait past the deadline: exit 6 now, not in 120 s */
	server_start(&s, a429, 1);
	url = base_url("http", s.port);
	t0 = api_clock();
	assert_int_equal(call(url, 5, "GET", NULL, &j, &nreq, &err),
	    EXIT_UNREACHABLE);
	assert_true(api_clock() - t0 < 4);
	free(server_stop(&s));
	assert_int_equal(nreq, 1);
	assert_text_free(err, "circleci-usage: create the export job: rate "
	    "limited by 127.0.0.1 (slow down) past the timeout (Retry-After "
	    "120 s)\n");
	free(url);

	/* a server error whose retry would end past the deadline */
	server_start(&s, a503, 1);
	url = base_url("http", s.port);
	assert_int_equal(call(url, 0.5, "GET", NULL, &j, &nreq, &err),
	    EXIT_UNREACHABLE);
	free(server_stop(&s));
	assert_text_free(err, "circleci-usage: create the export job: "
	    "127.0.0.1 answered 503 (down) until the timeout\n");
	free(url);

	/* 200 but not a JSON object: not an answer; retried, in time */
	server_start(&s, agarbage, 1);
	url = base_url("http", s.port);
	assert_int_equal(call(url, 0.5, "GET", NULL, &j, &nreq, &err),
	    EXIT_UNREACHABLE);
	free(server_stop(&s));
	assert_null(j);
	assert_text_free(err, "circleci-usage: create the export job: "
	    "127.0.0.1 did not answer in time\n");
	free(url);
	server_start(&s, aarray, 1);
	url = base_url("http", s.port);
	assert_int_equal(call(url, 0.5, "GET", NULL, &j, &nreq, &err),
	    EXIT_UNREACHABLE);
	free(server_stop(&s));
	assert_null(j);
	free(err);
	free(url);
}

static void
test_too_large(void **state)
{
	static const struct canned ans[] = {
		{ HTTP("200 OK", "Content-Length: 104857600\r\n",
		    "{\"a\": "), 0 },
	};
	struct server s;
	json_t *j = NULL;
	unsigned nreq;
	char *url, *err;

	(void)state;
	server_start(&s, ans, 1);
	url = base_url("http", s.port);
	assert_int_equal(call(url, 0.5, "GET", NULL, &j, &nreq, &err),
	    EXIT_UNREACHABLE);
	free(server_stop(&s));
	assert_null(j);
	assert_int_equal(nreq, 1);
	assert_text_free(err, "circleci-usage: create the export job: "
	    "127.0.0.1 did not answer in time\n");
	free(url);
}

static void
test_tls_and_network(void **state)
{
	static const struct canned ans[] = {
		{ HTTP("200 OK", "", "{}"), 0 },
	};
	struct server s;
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);
	json_t *j = NULL;
	unsigned nreq;
	char *url, *err;
	int fd, port;

	(void)state;
	/* https to a server that speaks plain http: a TLS error, at once */
	server_start(&s, ans, 1);
	url = base_url("https", s.port);
	assert_int_equal(call(url, 10, "GET", NULL, &j, &nreq, &err),
	    EXIT_UNREACHABLE);
	free(server_stop(&s));
	assert_int_equal(nreq, 1);
	assert_contains(err, "circleci-usage: create the export job: TLS "
	    "error with 127.0.0.1: ");
	free(err);
	free(url);

	/* nobody listening, and no time left */
	fd = socket(AF_INET, SOCK_STREAM, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
	port = ntohs(sa.sin_port);
	close(fd);
	url = base_url("http", port);
	assert_int_equal(call(url, -1, "GET", NULL, &j, &nreq, &err),
	    EXIT_UNREACHABLE);
	assert_contains(err, "circleci-usage: create the export job: cannot "
	    "reach 127.0.0.1 before the timeout: ");
	free(err);
	free(url);
}

#define PLAIN "plain http is refused except to a loopback host " \
	"(127.0.0.1, ::1, localhost); use https"

/*
 * A server that echoes the token in its error answers, in each spelling:
 * the message printed has it masked (and a 429's and a 5xx's too).
 */
static void
test_token_echoed(void **state)
{
	static const struct canned a400[] = {
		{ HTTP("400 Bad Request", "", "{\"message\": \"bad "
		    "s3cr3t-token, S3CR3T-TOKEN, s3cr3t%2Dtoken, "
		    "%73%33%63%72%33%74%2d%74%6f%6b%65%6e, "
		    "\\\\u0073\\\\u0033cr3t-token, s3cr3t\\u002dtoken\"}"), 0 },
	};
	static const struct canned a401[] = {
		{ HTTP("401 Unauthorized", "", "<html>token s3&#x63;r3t-token "
		    "refused</html>"), 0 },
	};
	static const struct canned a500[] = {
		{ HTTP("500 Internal Server Error", "",
		    "{\"message\": \"boom s3cr3t-token\"}"), 0 },
	};
	/* the token past the first 200 bytes of a long message */
	char a404body[600];
	struct canned a404[1];
	char *big;
	struct server s;
	json_t *j = NULL;
	unsigned nreq;
	char *url, *err;

	(void)state;
	server_start(&s, a400, 1);
	url = base_url("http", s.port);
	assert_int_equal(call(url, 10, "POST", "{}", &j, &nreq, &err),
	    EXIT_API_REJECTED);
	free(server_stop(&s));
	assert_text_free(err, "circleci-usage: create the export job: the API "
	    "rejected the request (400: bad ***, ***, ***, ***, ***, ***); "
	    "it was sent: {}\n");
	free(url);

	server_start(&s, a401, 1);
	url = base_url("http", s.port);
	assert_int_equal(call(url, 10, "GET", NULL, &j, &nreq, &err),
	    EXIT_API_AUTH);
	free(server_stop(&s));
	assert_contains(err, "(401: <html>token *** refused</html>)");
	free(err);
	free(url);

	server_start(&s, a500, 1);
	url = base_url("http", s.port);
	assert_int_equal(call(url, 1.5, "GET", NULL, &j, &nreq, &err),
	    EXIT_UNREACHABLE);
	free(server_stop(&s));
	assert_contains(err, "answered 500 (boom ***) until the timeout");
	assert_null(strstr(err, "s3cr3t"));
	free(err);
	free(url);

	memset(a404body, 'x', sizeof(a404body));
	big = xasprintf("HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n"
	    "%.190s s3cr3t-token", a404body);
	a404[0].data = big;
	a404[0].len = 0;
	server_start(&s, a404, 1);
	url = base_url("http", s.port);
	assert_int_equal(call(url, 10, "GET", NULL, &j, &nreq, &err),
	    EXIT_API_AUTH);
	free(server_stop(&s));
	assert_null(strstr(err, "s3c"));
	assert_contains(err, "xxx ***; check the org ID");
	free(err);
	free(url);
	free(big);
	redact_clear();
}

static void
test_url_check(void **state)
{
	static const struct {
		const char *url;
		int ret, loopback;
		const char *err;
	} cases[] = {
		{ "https://circleci.com/api/v2", 0, 0, "" },
		{ "HTTPS://circleci.com", 0, 0, "" },
		{ "http://127.0.0.1:8080/api/v2", 0, 1, "" },
		{ "http://127.1.2.3", 0, 1, "" },
		{ "http://127.1:8080", 0, 1, "" },	/* 127.0.0.1 */
		{ "http://localhost:1", 0, 1, "" },
		{ "http://LOCALHOST", 0, 1, "" },
		{ "http://[::1]:8080/", 0, 1, "" },
		{ "https://[::1]/", 0, 1, "" },
		{ "http://circleci.com/api/v2", -1, 0, PLAIN },
		/* not loopback, whatever it looks like */
		{ "http://127.0.0.1.evil.com/", -1, 0, PLAIN },
		{ "ftp://127.0.0.1/", -1, 1, "scheme 'ftp' is not supported "
		    "(https)" },
		{ "file:///etc/passwd", -1, 0, "not a URL" },
		{ "circleci.com/api/v2", -1, 0, "not a URL" },
		{ "", -1, 0, "not a URL" },
		/* user information: curl would send it as Basic auth */
		{ "http://user:PASS@127.0.0.1:8080/api/v2", -1, 1, USERINFO },
		{ "https://user@circleci.com/api/v2", -1, 0, USERINFO },
		{ "https://:PASS@circleci.com/", -1, 0, USERINFO },
		{ "https://@circleci.com/", -1, 0, USERINFO },
		{ "https://u;x=PASS@circleci.com/", -1, 0, USERINFO },
		{ "https://circleci.com/a@b", 0, 0, "" },
	};
	char err[160];
	size_t i;
	int lb;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		err[0] = '\0';
		lb = -1;
		if (api_url_check(cases[i].url, &lb, err, sizeof(err)) !=
		    cases[i].ret || strcmp(err, cases[i].err) != 0 ||
		    (cases[i].ret == 0 && lb != cases[i].loopback))
			fail_msg("%s: loopback %d, err '%s'", cases[i].url, lb,
			    err);
	}
}

static void
test_api_new_refuses(void **state)
{
	struct unit_capture c;
	char *err;

	(void)state;
	unit_capture_begin(&c);
	assert_null(api_new("http://circleci.com/api/v2", "t", 0, 0));
	err = unit_capture_end(&c);
	assert_text_free(err, "circleci-usage: --api-url "
	    "'http://circleci.com/api/v2': plain http is refused except to a "
	    "loopback host (127.0.0.1, ::1, localhost); use https\n");
	/* user information: refused, shown masked */
	unit_capture_begin(&c);
	assert_null(api_new("http://user:PASS@127.0.0.1:9/api/v2", "t", 0,
	    0));
	err = unit_capture_end(&c);
	assert_text_free(err, "circleci-usage: --api-url "
	    "'http://***@127.0.0.1:9/api/v2': " USERINFO "\n");
	unit_capture_begin(&c);
	assert_null(api_new("http://user:PA/SS@127.0.0.1:9/api/v2", "t", 0,
	    0));
	err = unit_capture_end(&c);
	assert_text_free(err, "circleci-usage: --api-url "
	    "'http://***@127.0.0.1:9/api/v2': not a URL\n");
	/* a query string: the token does not go there */
	unit_capture_begin(&c);
	assert_null(api_new("https://circleci.com/api/v2?circle-token=T", "t",
	    0, 0));
	err = unit_capture_end(&c);
	assert_contains(err, "'https://circleci.com/api/v2': a query string");
	assert_null(strstr(err, "circle-token=T"));
	free(err);
	api_free(NULL);
	redact_clear();
}

static void
test_retry_after(void **state)
{
	const char *l;
	double v;

	(void)state;
	l = "Retry-After: 30\r\n";
	assert_true(api_retry_after(l, strlen(l)) == 30);
	l = "retry-after:2.5";
	assert_true(api_retry_after(l, strlen(l)) == 2.5);
	/* a date past: wait no more */
	l = "Retry-After: Wed, 21 Oct 2015 07:28:00 GMT\r\n";
	assert_true(api_retry_after(l, strlen(l)) == 0);
	/* a date to come: the seconds until then */
	l = "Retry-After: Fri, 01 Jan 2100 00:00:00 GMT\r\n";
	v = api_retry_after(l, strlen(l));
	assert_true(v > 86400.0 * 365 * 70);
	/* not a Retry-After, or nothing usable in it */
	l = "Retry-After: soon\r\n";
	assert_true(api_retry_after(l, strlen(l)) == -1);
	l = "Retry-After: -5\r\n";
	assert_true(api_retry_after(l, strlen(l)) == -1);
	l = "Retry-After:";
	assert_true(api_retry_after(l, strlen(l)) == -1);
	l = "X-Retry-After: 5\r\n";
	assert_true(api_retry_after(l, strlen(l)) == -1);
	/* only len bytes are read: the 5 is not part of the line */
	l = "Retry-After: 15";
	assert_true(api_retry_after(l, strlen(l) - 1) == 1);
}

static void
test_backoff_and_display(void **state)
{
	unsigned n;
	int i;
	char *s;

	(void)state;
	for (i = 0; i < 50; i++) {
		double d = api_backoff(0);

		assert_true(d >= 0.75 && d <= 1.25);
		d = api_backoff(3);
		assert_true(d >= 6 && d <= 10);
		for (n = 6; n < 40; n += 11) {
			/* capped at 60 s, with its jitter */
			d = api_backoff(n);
			assert_true(d >= 45 && d <= 75);
		}
	}
	s = api_url_display("https://s3/x.csv.gz?X-Amz-Signature=abc#f");
	assert_string_equal(s, "https://s3/x.csv.gz");
	free(s);
	s = api_url_display("https://s3/x#frag");
	assert_string_equal(s, "https://s3/x");
	free(s);
	s = api_url_display("https://AKIA:SECRET@s3/x.csv.gz?sig=abc");
	assert_string_equal(s, "https://***@s3/x.csv.gz");
	free(s);
}

/*
 * Issue 15: an id that is not a UUID never reaches a URL's path, whatever
 * a caller passes; refused before any request (port 9 would refuse the
 * connection: that would be exit 6, not 3).
 */
static void
test_path_refused(void **state)
{
	static const char *bad[] = {
		"/organizations/../../evil",
		"/organizations/x?y=1",
		"/organizations/5f2b9c1e-0000-4000-8000-000000000001/"
		    "usage_export_job/../../../../evil?x=1#",
		"/organizations/5f2b9c1e-0000-4000-8000-000000000001/"
		    "usage_export_job/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f\r\n",
		"/organizations//usage_export_job",
		"/organizations/%2e%2e",
		"organizations",
	};
	struct unit_capture c;
	struct api *a;
	json_t *j = NULL;
	char *err;
	size_t i;

	(void)state;
	a = api_new("http://127.0.0.1:9/api/v2", "path-test-token", 0,
	    api_clock() + 5);
	assert_non_null(a);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		unit_capture_begin(&c);
		assert_int_equal(api_call(a, "GET", bad[i], NULL, "poll", &j),
		    EXIT_BAD_INPUT);
		err = unit_capture_end(&c);
		assert_contains(err, "poll: refusing to request '");
		assert_null(strchr(err, '\r'));
		free(err);
		assert_null(j);
	}
	assert_int_equal(api_requests(a), 0);
	api_free(a);
	redact_clear();
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ok),
		cmocka_unit_test(test_path_refused),
		cmocka_unit_test(test_rejected),
		cmocka_unit_test(test_no_redirect),
		cmocka_unit_test(test_retried),
		cmocka_unit_test(test_until_deadline),
		cmocka_unit_test(test_too_large),
		cmocka_unit_test(test_tls_and_network),
		cmocka_unit_test(test_token_echoed),
		cmocka_unit_test(test_url_check),
		cmocka_unit_test(test_api_new_refuses),
		cmocka_unit_test(test_retry_after),
		cmocka_unit_test(test_backoff_and_display),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
