/*
 * test_redact.c: server text masked before it is printed (redact.h): the
 * token and the webhook found as they are, in either case, percent-encoded
 * (upper, lower and mixed hex, twice encoded, '+' for a space),
 * JSON-escaped (\/, \uXXXX, surrogate pairs), as HTML references and in
 * any mix of these; overlapping and adjacent secrets masked as one; the
 * cut to REDACT_MAX never leaving part of a secret, nor does a text cut
 * off by its reader; empty secrets ignored; control characters and bad
 * UTF-8 made printable.  And URLs shown without their user information.
 */
#include "unit.h"

#include "redact.h"

#define TOKEN "CCIPAT_Ab12Cd34Ef56/x+y z"

/* redact() of s, compared with want. */
#define assert_redacted(s, want) assert_text_free(redact(s), (want))

/* Every way of spelling TOKEN, each the whole token in one encoding. */
static char *
spell(const char *secret, const char *how)
{
	struct sbuf sb;
	const char *p;
	char *ret;
	int i = 0;

	sbuf_init(&sb, 1 << 16);
	for (p = secret; *p; p++, i++) {
		unsigned char c = (unsigned char)*p;

		if (strcmp(how, "url") == 0)
			sbuf_addf(&sb, "%%%02X", c);
		else if (strcmp(how, "url-lower") == 0)
			sbuf_addf(&sb, "%%%02x", c);
		else if (strcmp(how, "url-mixed") == 0)
			i % 3 == 0 ? sbuf_addch(&sb, c) : sbuf_addf(&sb,
			    i % 2 ? "%%%02x" : "%%%02X", c);
		else if (strcmp(how, "url-twice") == 0)
			sbuf_addf(&sb, "%%25%02X", c);
		else if (strcmp(how, "form") == 0)
			c == ' ' ? sbuf_addch(&sb, '+') : c == '/' || c == '+' ?
			    sbuf_addf(&sb, "%%%02X", c) : sbuf_addch(&sb, c);
		else if (strcmp(how, "json-u") == 0)
			sbuf_addf(&sb, "\\u%04x", c);
		else if (strcmp(how, "json-U") == 0)
			sbuf_addf(&sb, "\\u%04X", c);
		else if (strcmp(how, "json-slash") == 0)
			c == '/' ? sbuf_addstr(&sb, "\\/") : sbuf_addch(&sb, c);
		else if (strcmp(how, "html") == 0)
			sbuf_addf(&sb, i % 2 ? "&#%d;" : "&#x%x;", c);
		else if (strcmp(how, "upper") == 0)
			sbuf_addch(&sb, c >= 'a' && c <= 'z' ? c - 32 : c);
		else if (strcmp(how, "lower") == 0)
			sbuf_addch(&sb, c >= 'A' && c <= 'Z' ? c + 32 : c);
		else if (strcmp(how, "mixed") == 0)
			/* a mix of encodings, one per byte */
			switch (i % 5) {
			case 0: sbuf_addch(&sb, c); break;
			case 1: sbuf_addf(&sb, "%%%02x", c); break;
			case 2: sbuf_addf(&sb, "\\u%04X", c); break;
			case 3: sbuf_addf(&sb, "&#%d;", c); break;
			default: sbuf_addf(&sb, "%%25%02x", c); break;
			}
		else
			sbuf_addch(&sb, c);
	}
	ret = xstrdup(sb.buf);
	sbuf_release(&sb);
	return ret;
}

static int
setup(void **state)
{
	(void)state;
	redact_clear();
	return 0;
}

static void
test_encodings(void **state)
{
	static const char *hows[] = { "raw", "upper", "lower", "url",
	    "url-lower", "url-mixed", "url-twice", "form", "json-u", "json-U",
	    "json-slash", "html", "mixed" };
	size_t i;

	(void)state;
	redact_add_secret(TOKEN);
	for (i = 0; i < sizeof(hows) / sizeof(hows[0]); i++) {
		char *enc = spell(TOKEN, hows[i]);
		char *text = xasprintf("{\"message\":\"bad token %s given\"}",
		    enc);
		char *got = redact(text);

		if (strcmp(got, "{\"message\":\"bad token *** given\"}") != 0)
			fail_msg("%s: %s", hows[i], got);
		free(got);
		free(text);
		free(enc);
	}
}

static void
test_plain_text_kept(void **state)
{
	(void)state;
	redact_add_secret(TOKEN);
	/* nothing secret: unchanged, escapes and all */
	assert_redacted("Invalid token provided. %2F \\u0041 &amp; +",
	    "Invalid token provided. %2F \\u0041 &amp; +");
	/* a part of the token is not the token */
	assert_redacted("CCIPAT_Ab12Cd34 only", "CCIPAT_Ab12Cd34 only");
	assert_redacted("", "");
	assert_text_free(redact(NULL), "");
}

static void
test_empty_secret_ignored(void **state)
{
	(void)state;
	redact_add_secret("");
	redact_add_secret(NULL);
	assert_redacted("any text at all", "any text at all");
	redact_add_secret("abc");
	redact_add_secret("abc");	/* once is enough */
	assert_redacted("xabcx", "x***x");
}

static void
test_overlapping(void **state)
{
	(void)state;
	redact_add_secret("abcdef");
	redact_add_secret("defghi");
	redact_add_secret("XYZ");
	/* overlapping: one mask over both, nothing of either left */
	assert_redacted("[abcdefghi]", "[***]");
	/* adjacent, and one inside the other's encoding */
	assert_redacted("[abcdefXYZ]", "[***]");
	assert_redacted("[abc%64efghi]", "[***]");
	/* repeated */
	assert_redacted("abcdef abcdef", "*** ***");
	/* one secret inside another */
	redact_add_secret("bcd");
	assert_redacted("-bcd-abcdef-", "-***-***-");
}

static void
test_cut(void **state)
{
	char text[600], *got, *tail;
	size_t i;

	(void)state;
	redact_add_secret(TOKEN);
	/* a long text: REDACT_MAX bytes and an ellipsis */
	memset(text, 'a', sizeof(text) - 1);
	text[sizeof(text) - 1] = '\0';
	got = redact(text);
	assert_int_equal(strlen(got), REDACT_MAX + 3);
	assert_string_equal(got + REDACT_MAX, "\xe2\x80\xa6");
	free(got);
	/* the token across the cut, at every position around it: masked
	 * before the cut, so no prefix of it is left */
	for (i = REDACT_MAX - 30; i < REDACT_MAX + 5; i++) {
		char *enc = spell(TOKEN, i % 2 ? "url" : "raw");

		memset(text, 'b', i);
		snprintf(text + i, sizeof(text) - i, "%s tail", enc);
		got = redact(text);
		tail = strstr(got, "CCIPAT");
		if (tail != NULL || strstr(got, "%43%43") != NULL ||
		    strstr(got, "CCI") != NULL)
			fail_msg("at %zu: %s", i, got);
		free(got);
		free(enc);
	}
	/* a multi-byte character is never split by the cut */
	memset(text, 'c', REDACT_MAX - 1);
	strcpy(text + REDACT_MAX - 1, "\xc3\xa9 and more text");
	got = redact(text);
	assert_int_equal(strlen(got), REDACT_MAX - 1 + 3);
	free(got);
}

static void
test_more(void **state)
{
	static const char *texts[] = {
		/* the text a reader cut off ends inside the token */
		"error: CCIPAT_Ab12",
		"error: %43%43%49%50%41%54",
		"error: CCIPAT_Ab12%4",
		"error: CCIPAT_Ab12\\u00",
		"error: CCIPAT_Ab12&#x4",
		"error: C",
	};
	size_t i;

	(void)state;
	redact_add_secret(TOKEN);
	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++)
		assert_text_free(redact_text(texts[i], strlen(texts[i]), 1),
		    "error: ***\xe2\x80\xa6");
	/* whole, it is only text that looks like the token's start */
	assert_redacted("error: CCIPAT_Ab12", "error: CCIPAT_Ab12");
	/* past the bytes looked at (64 KiB): cut, as a text cut off */
	{
		size_t n = (64u << 10) + 100;
		char *big = xmalloc(n + 1), *got;

		memset(big, 'd', n);
		memcpy(big + (64u << 10) - 10, TOKEN, strlen(TOKEN));
		big[n] = '\0';
		got = redact(big);
		assert_null(strstr(got, "CCIPAT"));
		assert_int_equal(strlen(got), REDACT_MAX + 3);
		free(got);
		/* the start of the token ending the bytes looked at */
		memset(big, 'd', n);
		memcpy(big, "x ", 2);
		memcpy(big + 2 + 5, TOKEN, strlen(TOKEN));
		got = redact_text(big, 2 + 5 + 10, 1);
		assert_string_equal(got, "x ddddd***\xe2\x80\xa6");
		free(got);
		free(big);
	}
}

static void
test_control_and_utf8(void **state)
{
	char nul[] = "a\0b";

	(void)state;
	redact_add_secret(TOKEN);
	assert_redacted("a\tb\nc\rd\x1b[31me\x7f", "a b c d [31me ");
	assert_text_free(redact_text(nul, 3, 0), "a b");
	/* a token broken by a control character is still found whole
	 * only as the server spelled it: the text is masked as is */
	assert_redacted("x\x1b" TOKEN "\x07y", "x *** y");
	/* UTF-8 kept, bad bytes and C1 controls replaced */
	assert_redacted("caf\xc3\xa9 \xff\xfe \xc2\x9b", "caf\xc3\xa9 ??  ");
	assert_redacted("\xe2\x80", "??");
}

static void
test_webhook(void **state)
{
	static const char *texts[] = {
		"no_service: /services/T0AB/B0CD/",
		"no hook at https://hooks.example.com/services/T0AB/B0CD/",
		"\\/services\\/T0AB\\/B0CD\\/",
		"%2Fservices%2FT0AB%2FB0CD%2F",
		"%2fservices%2ft0ab%2fb0cd%2f",
		"invalid_token ",
		"",
	};
	const char *url = "https://hooks.example.com/services/T0AB/B0CD/"
	    "s3cr3tW3bh00kT0k3nZ";
	size_t i;

	(void)state;
	redact_add_url(url);
	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		char *text = xasprintf("%ss3cr3tW3bh00kT0k3nZ.", texts[i]);
		char *got = redact(text);

		if (strstr(got, "s3cr3t") || strstr(got, "T0AB/B0CD") ||
		    strstr(got, "T0AB%2FB0CD") || strstr(got, "t0ab%2fb0cd"))
			fail_msg("%s -> %s", text, got);
		free(got);
		free(text);
	}
	/* its last segment alone, in any case */
	assert_redacted("bad S3CR3TW3BH00KT0K3NZ", "bad ***");
	/* the host and the short segments are no secret */
	assert_redacted("hooks.example.com services", "hooks.example.com "
	    "services");
	/* a webhook with its secret in the query, percent-encoded in it */
	redact_clear();
	redact_add_url("https://h.example/hook?key=abc%2Fdef0123456789&x=1");
	assert_redacted("key abc/def0123456789!", "key ***!");
	assert_redacted("key abc%2Fdef0123456789!", "key ***!");
	assert_redacted("/hook", "/***");
	redact_clear();
	assert_redacted("/hook", "/hook");
}

static void
test_pathological(void **state)
{
	char *text, *got;
	size_t n = 60000, i;

	(void)state;
	/* a secret of escapes' own characters, in a text of them: bounded */
	redact_add_secret("%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%"
	    "%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%x");
	redact_add_secret("\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\y");
	text = xmalloc(n + 1);
	for (i = 0; i < n; i++)
		text[i] = i < n / 2 ? "%25\\"[i % 4] : '\\';
	text[n] = '\0';
	got = redact(text);
	assert_true(strlen(got) <= REDACT_MAX + 3);
	free(got);
	free(text);
}

static void
test_url_userinfo(void **state)
{
	static const struct {
		const char *url;
		int has;
		const char *shown, *origin;
	} cases[] = {
		{ "http://127.0.0.1:8080/api/v2", 0,
		  "http://127.0.0.1:8080/api/v2",
		  "http://127.0.0.1:8080/\xe2\x80\xa6" },
		{ "http://user:PASS@127.0.0.1:8080/api/v2", 1,
		  "http://***@127.0.0.1:8080/api/v2",
		  "http://***@127.0.0.1:8080/\xe2\x80\xa6" },
		{ "https://user@h.example/x?sig=1#f", 1,
		  "https://***@h.example/x", "https://***@h.example/\xe2\x80\xa6" },
		{ "https://:PASS@h.example", 1, "https://***@h.example",
		  "https://***@h.example" },
		{ "https://@h.example/", 1, "https://***@h.example/",
		  "https://***@h.example/\xe2\x80\xa6" },
		{ "https://u;auth=PASS@h.example/", 1, "https://***@h.example/",
		  "https://***@h.example/\xe2\x80\xa6" },
		{ "https://us%40er:PA%40SS@h.example/", 1,
		  "https://***@h.example/",
		  "https://***@h.example/\xe2\x80\xa6" },
		{ "HTTP://U:PASS@LOCALHOST/", 1, "HTTP://***@LOCALHOST/",
		  "HTTP://***@LOCALHOST/\xe2\x80\xa6" },
		/* libcurl cannot read these: masked up to the last '@' */
		{ "http://user:PA/SS@127.0.0.1/", 0, "http://***@127.0.0.1/",
		  "http://***@127.0.0.1/\xe2\x80\xa6" },
		{ "http://user:PA?SS@127.0.0.1/x", 0, "http://***@127.0.0.1/x",
		  "http://***@127.0.0.1/\xe2\x80\xa6" },
		/* an '@' in the path or the query is no user information */
		{ "https://h.example/a@b?c=d@e", 0, "https://h.example/a@b",
		  "https://h.example/\xe2\x80\xa6" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *s = redact_url(cases[i].url, 0);
		char *o = redact_url(cases[i].url, 1);

		if (redact_url_has_userinfo(cases[i].url) != cases[i].has ||
		    strcmp(s, cases[i].shown) != 0 ||
		    strcmp(o, cases[i].origin) != 0)
			fail_msg("%s: has %d, shown %s, origin %s", cases[i].url,
			    redact_url_has_userinfo(cases[i].url), s, o);
		assert_null(strstr(s, "PASS"));
		assert_null(strstr(s, "PA/SS"));
		free(s);
		free(o);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_encodings, setup),
		cmocka_unit_test_setup(test_plain_text_kept, setup),
		cmocka_unit_test_setup(test_empty_secret_ignored, setup),
		cmocka_unit_test_setup(test_overlapping, setup),
		cmocka_unit_test_setup(test_cut, setup),
		cmocka_unit_test_setup(test_more, setup),
		cmocka_unit_test_setup(test_control_and_utf8, setup),
		cmocka_unit_test_setup(test_webhook, setup),
		cmocka_unit_test_setup(test_pathological, setup),
		cmocka_unit_test_setup(test_url_userinfo, setup),
	};
	int ret = cmocka_run_group_tests(tests, NULL, NULL);

	redact_clear();
	return ret;
}
