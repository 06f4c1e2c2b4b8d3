/*
 * test_net.c: the rule of every hop (src/net.h): the URL as a string, the
 * address connected to, the URL shown in messages, and the check libcurl
 * calls once connected (a "localhost" that resolves off loopback).
 */
#include "unit.h"
#include "loopback.h"

#include <curl/curl.h>

#include "net.h"

static void
hop(const char *url, const char *ip, int allow_http, const char *want)
{
	char err[512];
	int r = net_hop_check(url, ip, allow_http, 1, err, sizeof(err));

	if (want == NULL) {
		if (r != 0)
			fail_msg("%s (%s): refused: %s", url, ip ? ip : "-", err);
		return;
	}
	if (r == 0)
		fail_msg("%s (%s): allowed, want refused", url, ip ? ip : "-");
	assert_string_equal(err, want);
}

static void
test_hop_rule(void **state)
{
	(void)state;
	hop("https://circleci.com/api/v2", NULL, 0, NULL);
	hop("https://circleci.com/api/v2", "203.0.113.5", 0, NULL);
	hop("https://192.0.2.1:8443/x?sig=1", NULL, 1, NULL);
	hop("http://127.0.0.1:8080/x", "127.0.0.1", 1, NULL);
	hop("http://127.200.0.1/x", NULL, 1, NULL);
	hop("http://localhost:1/x", "::1", 1, NULL);
	hop("http://[::1]:1/x", "::1", 1, NULL);
	hop("http://localhost:1/x", "::ffff:127.0.0.1", 1, NULL);
	/* refused */
	hop("http://127.0.0.1:1/x", NULL, 0, "http://127.0.0.1:1/x: plain "
	    "http is refused here; use https");
	hop("http://192.0.2.1:1/x?X-Amz-Signature=s", NULL, 1,
	    "http://192.0.2.1:1/x: plain http is refused except to a loopback "
	    "host (127.0.0.1, ::1, localhost)");
	hop("http://0.0.0.0:1/", NULL, 1, "http://0.0.0.0:1/: plain http is "
	    "refused except to a loopback host (127.0.0.1, ::1, localhost)");
	hop("http://127.0.0.1.example.com/", NULL, 1, "http://127.0.0.1."
	    "example.com/: plain http is refused except to a loopback host "
	    "(127.0.0.1, ::1, localhost)");
	hop("http://[2001:db8::1]:1/", NULL, 1, "http://[2001:db8::1]:1/: "
	    "plain http is refused except to a loopback host (127.0.0.1, ::1, "
	    "localhost)");
	/* a loopback name connected off loopback */
	hop("http://localhost:1/x", "192.0.2.1", 1, "http://localhost:1/x: "
	    "plain http is refused except to a loopback address, and "
	    "localhost is connected to 192.0.2.1");
	hop("http://u:secret@127.0.0.1/x", NULL, 1, "http://127.0.0.1/x: a "
	    "URL with user information is refused");
	hop("https://u@example.com/x", NULL, 1, "https://example.com/x: a URL "
	    "with user information is refused");
	hop("ftp://127.0.0.1/x", NULL, 1, "ftp://127.0.0.1/x: scheme 'ftp' is "
	    "refused (https, or http to a loopback host)");
	hop("file:///etc/passwd", NULL, 1, "file:///etc/passwd: scheme 'file' "
	    "is refused (https, or http to a loopback host)");
	hop("gopher://127.0.0.1/x", NULL, 1, "gopher://127.0.0.1/x: scheme "
	    "'gopher' is refused (https, or http to a loopback host)");
	hop("not a url", NULL, 1, "not a URL");
}

static void
test_display_and_ip(void **state)
{
	char *s;

	(void)state;
	s = net_url_display("https://u:pw@h.example:8443/a/b?sig=x#f", 1);
	assert_string_equal(s, "https://h.example:8443/a/b");
	free(s);
	s = net_url_display("https://hooks.slack.com/services/T/B/secret", 0);
	assert_string_equal(s, "https://hooks.slack.com");
	free(s);
	assert_true(net_ip_loopback("127.0.0.1"));
	assert_true(net_ip_loopback("127.255.0.9"));
	assert_true(net_ip_loopback("::1"));
	assert_true(net_ip_loopback("::ffff:127.0.0.1"));
	assert_false(net_ip_loopback("192.0.2.1"));
	assert_false(net_ip_loopback("0.0.0.0"));
	assert_false(net_ip_loopback("::ffff:192.0.2.1"));
	assert_false(net_ip_loopback("2001:db8::1"));
	assert_false(net_ip_loopback("localhost"));
	assert_false(net_ip_loopback(NULL));
}

static size_t
sink(char *d, size_t sz, size_t n, void *ctx)
{
	(void)d;
	(void)ctx;
	return sz * n;
}

/*
 * The check once connected: "localhost" made to resolve to 192.0.2.1 (on
 * lo in tests/netns.sh's namespace, not loopback): the connection is made
 * (a listener on 0.0.0.0, which the kernel completes) but nothing is
 * sent on it.  Only inside that namespace, so that nothing can leave the
 * machine.
 */
/* The one host reader of the API client and the webhook. */
static void
test_url_host(void **state)
{
	static const struct {
		const char *url, *want;
	} cases[] = {
		{ "https://circleci.com/api/v2", "circleci.com" },
		{ "http://127.0.0.1:8080/x", "127.0.0.1" },
		{ "https://user:pw@hooks.slack.com/services/T/B/x",
		    "hooks.slack.com" },
		{ "https://[::1]:9/", "[::1]" },
		{ "not a url", "(unknown host)" },
		{ "", "(unknown host)" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *h = net_url_host(cases[i].url);

		assert_string_equal(h, cases[i].want);
		free(h);
	}
}

static void
test_prereq(void **state)
{
	static const struct canned ok[] = {
		{ HTTP("200 OK", "", "{}"), 0 },
	};
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);
	struct net_guard g;
	struct server s;
	struct curl_slist *res;
	char *url, *map, *got, buf[64];
	int ls, conn, port;
	ssize_t n;
	CURL *c;

	(void)state;
	if (getenv("CU_NETNS_ADDR") == NULL)
		skip();
	ls = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(ls >= 0);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_ANY);
	assert_int_equal(bind(ls, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(ls, 4), 0);
	assert_int_equal(getsockname(ls, (struct sockaddr *)&sa, &len), 0);
	port = ntohs(sa.sin_port);
	c = curl_easy_init();
	assert_non_null(c);
	url = xasprintf("http://localhost:%d/x", port);
	map = xasprintf("localhost:%d:%s", port, getenv("CU_NETNS_ADDR"));
	res = curl_slist_append(NULL, map);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink);
	net_guard_setup(&g, c, 1, 1);
	curl_easy_setopt(c, CURLOPT_RESOLVE, res);
	assert_int_equal(curl_easy_perform(c), CURLE_ABORTED_BY_CALLBACK);
	assert_non_null(strstr(g.why, "localhost is connected to 192.0.2.1"));
	curl_easy_cleanup(c);		/* closes the connection */
	conn = accept(ls, NULL, NULL);
	assert_true(conn >= 0);
	n = read(conn, buf, sizeof(buf));
	assert_int_equal(n, 0);		/* connected, and nothing sent */
	close(conn);
	close(ls);
	free(url);

	/* loopback: allowed, answered */
	server_start(&s, ok, 1);
	c = curl_easy_init();
	url = xasprintf("http://127.0.0.1:%d/y", s.port);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink);
	net_guard_setup(&g, c, 1, 1);
	assert_int_equal(curl_easy_perform(c), CURLE_OK);
	assert_string_equal(g.why, "");
	got = server_stop(&s);
	assert_non_null(strstr(got, "GET /y"));
	free(got);
	curl_easy_cleanup(c);
	curl_slist_free_all(res);
	free(map);
	free(url);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hop_rule),
		cmocka_unit_test(test_display_and_ip),
		cmocka_unit_test(test_url_host),
		cmocka_unit_test(test_prereq),
	};

	curl_global_init(CURL_GLOBAL_DEFAULT);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
