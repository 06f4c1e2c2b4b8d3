/*
 * test_answer.c: the Usage API's create and poll answers (answer.h): the
 * job id a create answer must carry, the states a poll answer reports,
 * download URLs only when completed (null, missing or empty: not ready
 * yet), a failed job's reason, and every text that could reach a
 * terminal with its control characters blanked and its length capped.
 */
#include "unit.h"

#include "answer.h"
#include "redact.h"

/* Parse `text` (JSON) with `fn`; returns its result, err in err[]. */
static int
parse(int (*fn)(const json_t *, struct job_answer *, char *, size_t),
    const char *text, struct job_answer *a, char *err, size_t errlen)
{
	json_error_t je;
	/* JSON_ALLOW_NUL: api.c never loads with it, but a NUL in a URL
	 * must be refused whoever made the json_t */
	json_t *j = json_loads(text, JSON_DECODE_ANY | JSON_ALLOW_NUL, &je);
	int ret;

	if (j == NULL)
		fail_msg("bad JSON in the test: %s", je.text);
	err[0] = '\0';
	ret = fn(j, a, err, errlen);
	json_decref(j);
	return ret;
}

static void
test_create(void **state)
{
	struct job_answer a;
	char err[200];

	(void)state;
	/* what the API answers 201 with: an id and a state, no URLs */
	assert_int_equal(parse(answer_parse_create, "{\"usage_export_job_id\":"
	    " \"0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0\", \"state\": \"created\","
	    " \"download_urls\": null}", &a, err, sizeof(err)), 0);
	assert_string_equal(a.id, "0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0");
	assert_string_equal(a.state, "created");
	assert_null(a.error_reason);
	assert_int_equal(a.nurls, 0);
	answer_release(&a);
	assert_null(a.id);
	assert_null(a.state);

	/* a state is optional in a create answer (the job exists anyway);
	 * a UUID in capitals is still one */
	assert_int_equal(parse(answer_parse_create,
	    "{\"usage_export_job_id\": "
	    "\"0B1C2D3E-4F50-6172-8394-A5B6C7D8E9F0\"}", &a, err,
	    sizeof(err)), 0);
	assert_string_equal(a.id, "0B1C2D3E-4F50-6172-8394-A5B6C7D8E9F0");
	assert_null(a.state);
	answer_release(&a);
}

static void
test_create_refused(void **state)
{
	static const char *bad[] = {
		"[]",
		"\"created\"",
		"null",
	};
	static const char *badid[] = {
		"{}",
		"{\"usage_export_job_id\": null}",
		"{\"usage_export_job_id\": 42}",
		"{\"usage_export_job_id\": \"\"}",
		/* not an id to put in a URL path */
		"{\"usage_export_job_id\": \"../../orgs\"}",
		"{\"usage_export_job_id\": \"abc?x=1\"}",
		"{\"usage_export_job_id\": \"abc def\"}",
		/* issue 15: only a UUID goes into the poll's URL */
		"{\"usage_export_job_id\": \"ABCDEF-0123\"}",
		"{\"usage_export_job_id\": "
		    "\"0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0\\r\\nX: y\"}",
		"{\"usage_export_job_id\": "
		    "\"0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0?x\"}",
		"{\"usage_export_job_id\": "
		    "\"0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f\"}",
		"{\"usage_export_job_id\": "
		    "\"0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f00\"}",
		"{\"usage_export_job_id\": "
		    "\"0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0\\u0000\"}",
		"{\"usage_export_job_id\": "
		    "\"0b1c2d3e-4f50-6172-8394+a5b6c7d8e9f0\"}",
		"{\"usage_export_job_id\": "
		    "\"../../../../evil?x=1#\"}",
	};
	struct job_answer a;
	char err[200], *longid, *text;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(parse(answer_parse_create, bad[i], &a, err,
		    sizeof(err)), -1);
		assert_string_equal(err, "the answer is not a JSON object");
		assert_null(a.id);
		answer_release(&a);
	}
	for (i = 0; i < sizeof(badid) / sizeof(badid[0]); i++) {
		assert_int_equal(parse(answer_parse_create, badid[i], &a, err,
		    sizeof(err)), -1);
		assert_string_equal(err,
		    "the answer has no usable usage_export_job_id");
		assert_null(a.id);
		answer_release(&a);
	}
	/* 128 hex digits were an id before issue 15: no more */
	longid = xmalloc(130);
	memset(longid, 'a', 128);
	longid[128] = '\0';
	text = xasprintf("{\"usage_export_job_id\": \"%s\"}", longid);
	assert_int_equal(parse(answer_parse_create, text, &a, err,
	    sizeof(err)), -1);
	free(text);
	free(longid);
}

static void
test_poll_states(void **state)
{
	struct job_answer a;
	char err[200];

	(void)state;
	assert_int_equal(parse(answer_parse_poll, "{\"state\": \"processing\","
	    " \"download_urls\": [\"https://x/1\"]}", &a, err, sizeof(err)), 0);
	assert_string_equal(a.state, "processing");
	/* URLs count only once the job is completed */
	assert_int_equal(a.nurls, 0);
	assert_null(a.urls);
	answer_release(&a);

	assert_int_equal(parse(answer_parse_poll, "{\"state\": \"completed\","
	    " \"download_urls\": [\"https://s3/a?X-Sig=1\", \"https://s3/b\"]}",
	    &a, err, sizeof(err)), 0);
	assert_string_equal(a.state, "completed");
	assert_int_equal(a.nurls, 2);
	assert_string_equal(a.urls[0], "https://s3/a?X-Sig=1");
	assert_string_equal(a.urls[1], "https://s3/b");
	answer_release(&a);
	assert_int_equal(a.nurls, 0);
	assert_null(a.urls);
}

static void
test_poll_not_ready(void **state)
{
	/* completed, but nothing to download yet: 0 URLs, no error */
	static const char *texts[] = {
		"{\"state\": \"completed\"}",
		"{\"state\": \"completed\", \"download_urls\": null}",
		"{\"state\": \"completed\", \"download_urls\": []}",
		"{\"state\": \"completed\", \"download_urls\": \"https://x\"}",
	};
	struct job_answer a;
	char err[200];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		assert_int_equal(parse(answer_parse_poll, texts[i], &a, err,
		    sizeof(err)), 0);
		assert_string_equal(a.state, "completed");
		assert_int_equal(a.nurls, 0);
		assert_string_equal(err, "");
		answer_release(&a);
	}
}

static void
test_poll_refused(void **state)
{
	static const char *nostate[] = {
		"{}",
		"{\"state\": null}",
		"{\"state\": 3}",
		"{\"status\": \"completed\"}",
	};
	struct job_answer a;
	char err[200];
	size_t i;

	(void)state;
	assert_int_equal(parse(answer_parse_poll,
	    "[{\"state\": \"completed\"}]", &a, err, sizeof(err)), -1);
	assert_string_equal(err, "the answer is not a JSON object");
	answer_release(&a);
	for (i = 0; i < sizeof(nostate) / sizeof(nostate[0]); i++) {
		assert_int_equal(parse(answer_parse_poll, nostate[i], &a, err,
		    sizeof(err)), -1);
		assert_string_equal(err, "the answer has no state");
		answer_release(&a);
	}
	/* a URL that is not a string, empty, or has a NUL in it: the
	 * answer is refused, naming the index, and nothing leaks */
	assert_int_equal(parse(answer_parse_poll, "{\"state\": \"completed\","
	    " \"download_urls\": [\"https://x/1\", 7]}", &a, err, sizeof(err)),
	    -1);
	assert_string_equal(err, "download_urls[1] is not a URL");
	assert_int_equal(a.nurls, 1);
	answer_release(&a);
	assert_int_equal(parse(answer_parse_poll, "{\"state\": \"completed\","
	    " \"download_urls\": [\"\"]}", &a, err, sizeof(err)), -1);
	assert_string_equal(err, "download_urls[0] is not a URL");
	answer_release(&a);
	assert_int_equal(parse(answer_parse_poll, "{\"state\": \"completed\","
	    " \"download_urls\": [\"https://x/\\u0000.evil\"]}", &a, err,
	    sizeof(err)), -1);
	assert_string_equal(err, "download_urls[0] is not a URL");
	answer_release(&a);
	/* the message is cut to the caller's buffer, still terminated */
	assert_int_equal(parse(answer_parse_poll, "{}", &a, err, 7), -1);
	assert_string_equal(err, "the an");
	answer_release(&a);
}

static void
test_failed(void **state)
{
	struct job_answer a;
	char err[200], *text, *reason;

	(void)state;
	assert_int_equal(parse(answer_parse_poll, "{\"state\": \"failed\","
	    " \"error_reason\": \"no data\\nfor\\u001b[31m range\"}", &a, err,
	    sizeof(err)), 0);
	assert_string_equal(a.state, "failed");
	/* one line, no escape sequence for the terminal */
	assert_string_equal(a.error_reason, "no data for [31m range");
	answer_release(&a);

	/* a failed job without a reason, or with one that is not text */
	assert_int_equal(parse(answer_parse_poll, "{\"state\": \"failed\"}",
	    &a, err, sizeof(err)), 0);
	assert_null(a.error_reason);
	answer_release(&a);
	assert_int_equal(parse(answer_parse_poll, "{\"state\": \"failed\","
	    " \"error_reason\": {\"code\": 1}}", &a, err, sizeof(err)), 0);
	assert_null(a.error_reason);
	answer_release(&a);

	/* a reason on a job that did not fail is ignored */
	assert_int_equal(parse(answer_parse_poll, "{\"state\": \"processing\","
	    " \"error_reason\": \"stale\"}", &a, err, sizeof(err)), 0);
	assert_null(a.error_reason);
	answer_release(&a);

	/* a reason and a state are cut at REDACT_MAX bytes and an ellipsis */
	reason = xmalloc(3001);
	memset(reason, 'r', 3000);
	reason[3000] = '\0';
	text = xasprintf("{\"state\": \"failed\", \"error_reason\": \"%s\"}",
	    reason);
	assert_int_equal(parse(answer_parse_poll, text, &a, err, sizeof(err)),
	    0);
	assert_int_equal(strlen(a.error_reason), REDACT_MAX + 3);
	answer_release(&a);
	free(text);
	text = xasprintf("{\"state\": \"%s\"}", reason);
	assert_int_equal(parse(answer_parse_poll, text, &a, err, sizeof(err)),
	    0);
	assert_int_equal(strlen(a.state), REDACT_MAX + 3);
	answer_release(&a);
	free(text);
	free(reason);

	/* the token echoed in a reason or a state, in any encoding, is
	 * masked: they are printed and kept in the manifest */
	redact_add_secret("CCIPAT_tok/en");
	assert_int_equal(parse(answer_parse_poll, "{\"state\": \"failed\", "
	    "\"error_reason\": \"token CCIPAT_tok\\u002fen, ccipat_tok%2Fen, "
	    "CCIPAT_tok\\\\/en\"}", &a, err, sizeof(err)), 0);
	assert_string_equal(a.error_reason, "token ***, ***, ***");
	answer_release(&a);
	assert_int_equal(parse(answer_parse_poll, "{\"state\": "
	    "\"x%43CIPAT_tok%2fen\"}", &a, err, sizeof(err)), 0);
	assert_string_equal(a.state, "x***");
	answer_release(&a);
	redact_clear();
}

static void
test_clean(void **state)
{
	char *s;

	(void)state;
	s = answer_clean("a\tb\r\nc\x7f" "d\x1b[0m", 12);
	assert_string_equal(s, "a b  c d [0m");
	free(s);
	/* n bytes at most; a NUL inside ends the copy */
	s = answer_clean("abcdef", 3);
	assert_string_equal(s, "abc");
	free(s);
	s = answer_clean("ab\0cd", 5);
	assert_string_equal(s, "ab");
	free(s);
	/* UTF-8 is text, kept as it is */
	s = answer_clean("caf\xc3\xa9", 5);
	assert_string_equal(s, "caf\xc3\xa9");
	free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create),
		cmocka_unit_test(test_create_refused),
		cmocka_unit_test(test_poll_states),
		cmocka_unit_test(test_poll_not_ready),
		cmocka_unit_test(test_poll_refused),
		cmocka_unit_test(test_failed),
		cmocka_unit_test(test_clean),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
