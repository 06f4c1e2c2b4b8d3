/*
 * test_push.c: the Pushgateway group URL (plain values, base64 for '/',
 * spaces, quotes, UTF-8 and the empty value, a trailing slash on the
 * base) and the URL rule of the metrics sinks.
 */
#include "unit.h"

#include "push.h"

static void
assert_url(const char *base, const char *job, const char *org,
    const char *want)
{
	char *got = push_gateway_url(base, job, org);

	assert_string_equal(got, want);
	free(got);
}

static void
test_gateway_url(void **state)
{
	(void)state;
	assert_url("http://127.0.0.1:9091", "circleci_usage", "acme-corp",
	    "http://127.0.0.1:9091/metrics/job/circleci_usage/org/acme-corp");
	assert_url("https://gw.example/base//", "j", "a.b_c~d",
	    "https://gw.example/base/metrics/job/j/org/a.b_c~d");
	/* "acme/eu" is YWNtZS9ldQ== in base64 */
	assert_url("https://gw", "j", "acme/eu",
	    "https://gw/metrics/job/j/org@base64/YWNtZS9ldQ==");
	/* URL-safe alphabet: ">>>" is Pj4+ in standard base64 */
	assert_url("https://gw", ">>>", "?", "https://gw/metrics/job@base64/"
	    "Pj4-/org@base64/Pw==");
	assert_url("https://gw", "j", "", "https://gw/metrics/job/j/"
	    "org@base64/=");
	assert_url("https://gw", "j", "caf\xc3\xa9", "https://gw/metrics/"
	    "job/j/org@base64/Y2Fmw6k=");
}

static void
test_url_check(void **state)
{
	char err[200];

	(void)state;
	assert_int_equal(push_url_check("https://gw.example:9091", err,
	    sizeof(err)), 0);
	assert_int_equal(push_url_check("http://127.0.0.1:9091/x", err,
	    sizeof(err)), 0);
	assert_int_equal(push_url_check("http://gw.example", err,
	    sizeof(err)), -1);
	assert_int_equal(push_url_check("https://u:p@gw.example", err,
	    sizeof(err)), -1);
	assert_null(strstr(err, "u:p"));
	assert_int_equal(push_url_check("https://gw.example/?a=b", err,
	    sizeof(err)), -1);
	assert_int_equal(push_url_check("ftp://gw.example", err,
	    sizeof(err)), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gateway_url),
		cmocka_unit_test(test_url_check),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
