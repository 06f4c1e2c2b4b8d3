/*
 * test_slack.c: notify's Block Kit message (slack.h): names from the data
 * escaped for mrkdwn (entities, backticks, control characters, invalid
 * UTF-8, cut at 80 characters), the summary with and without a previous
 * period, and the limits: at most max_blocks blocks and max_text bytes per
 * text however many projects, alerts and long names there are, the tail
 * folded into one line whose sums are exact, the header cut to 150 bytes.
 */
#include "unit.h"

#include <jansson.h>

#include "slack.h"

static char *
name_of(const char *s, size_t len)
{
	struct sbuf sb;

	sbuf_init(&sb, 1 << 16);
	assert_int_equal(slack_name(&sb, s, len), 0);
	return sb.buf;
}

static void
test_name_escaping(void **state)
{
	char buf[512];
	size_t i;

	(void)state;
	assert_text_free(name_of("api", 3), "`api`");
	assert_text_free(name_of("", 0), "`(none)`");
	assert_text_free(name_of("a&b <c> d", 9), "`a&amp;b &lt;c&gt; d`");
	assert_text_free(name_of("<!channel>", 10), "`&lt;!channel&gt;`");
	/* in code, *_~ format nothing; a backtick would end the code */
	assert_text_free(name_of("*b* _i_ ~s~ `c`", 15),
	    "`*b* _i_ ~s~ \xcb\x8b" "c\xcb\x8b`");
	assert_text_free(name_of("a\nb\tc\033[31m\x7f", 11),
	    "`a b c [31m `");
	assert_text_free(name_of("\xc2\x85x", 3), "` x`");	/* C1 NEL */
	assert_text_free(name_of("caf\xc3\xa9 \xf0\x9f\x9a\x80", 10),
	    "`caf\xc3\xa9 \xf0\x9f\x9a\x80`");
	assert_text_free(name_of("bad\xff\xc3(", 6),
	    "`bad\xef\xbf\xbd\xef\xbf\xbd(`");
	assert_text_free(name_of("nul\0x", 5), "`nul x`");

	/* 80 characters stay whole; 81 are cut to 79 and an ellipsis */
	memset(buf, 'x', 81);
	{
		char *want = xasprintf("`%.80s`", buf);

		assert_text_free(name_of(buf, 80), want);
		free(want);
		want = xasprintf("`%.79s\xe2\x80\xa6`", buf);
		assert_text_free(name_of(buf, 81), want);
		free(want);
	}
	/* characters, not bytes: 100 two-byte characters */
	for (i = 0; i < 100; i++)
		memcpy(buf + 2 * i, "\xc3\xbc", 2);
	{
		char *got = name_of(buf, 200);

		assert_int_equal(strlen(got), 1 + 79 * 2 + 3 + 1);
		free(got);
	}
	/* an entity counts as one character */
	memset(buf, '&', 200);
	{
		char *got = name_of(buf, 200);

		assert_int_equal(strlen(got), 1 + 79 * 5 + 3 + 1);
		free(got);
	}
}

/* A message of n projects named by `name(i)`, with rules. */
struct fixture {
	struct slack_project *p;
	char **names;
	struct alert_rule *rules;
	struct alert_outcome *outs;
	struct slack_alert *alerts;
	struct slack_msg m;
	size_t n;
};

static void
fixture_init(struct fixture *f, size_t n, size_t namelen, char fill,
    size_t nalerts)
{
	size_t i;

	memset(f, 0, sizeof(*f));
	f->n = n;
	f->p = xcalloc(n + 1, sizeof(*f->p));
	f->names = xcalloc(n + 1, sizeof(*f->names));
	for (i = 0; i < n; i++) {
		f->names[i] = xmalloc(namelen + 32);
		snprintf(f->names[i], 32, "p%04u-", (unsigned)(i % 10000));
		memset(f->names[i] + 6, fill, namelen);
		f->names[i][6 + namelen] = '\0';
		f->p[i].name = f->names[i];
		f->p[i].len = strlen(f->names[i]);
		/* n - i + 0.001 credits: descending, exact sums checkable */
		f->p[i].credits = dec_from_int((int64_t)(n - i)) +
		    DEC_ONE / 1000;
		f->p[i].cost = dec_from_int(1);
		f->p[i].change = dec_from_int(1);
		f->p[i].has_pct = 1;
		f->p[i].pct = dec_from_int(10);
		f->p[i].trend = TREND_UP;
	}
	f->rules = xcalloc(nalerts + 1, sizeof(*f->rules));
	f->outs = xcalloc(nalerts + 1, sizeof(*f->outs));
	f->alerts = xcalloc(nalerts + 1, sizeof(*f->alerts));
	for (i = 0; i < nalerts; i++) {
		f->rules[i].n = 1;
		f->rules[i].has_project = 1;
		f->rules[i].t[0].name = ALERT_PROJECT_TOTAL_CREDITS;
		f->rules[i].t[0].op = ALERT_GT;
		f->rules[i].t[0].value = dec_from_int((int64_t)i);
		f->outs[i].evaluated = 1;
		f->outs[i].fired = 1;
		f->outs[i].matches = xcalloc(n + 1, sizeof(size_t));
		for (f->outs[i].nmatches = 0; f->outs[i].nmatches < n &&
		    f->outs[i].nmatches < 5; f->outs[i].nmatches++)
			f->outs[i].matches[f->outs[i].nmatches] =
			    f->outs[i].nmatches;
		f->alerts[i].rule = &f->rules[i];
		f->alerts[i].outcome = &f->outs[i];
	}
	f->m.period = "2026-10-12 to 2026-10-18";
	f->m.prev_period = "2026-10-05 to 2026-10-11";
	f->m.credits = dec_from_int(1000);
	f->m.cost = unit_dec("0.6");
	f->m.price = unit_dec("0.0006");
	f->m.jobs = 12345;
	f->m.has_previous = 1;
	f->m.prev_credits = dec_from_int(800);
	f->m.change = dec_from_int(200);
	f->m.pct = dec_from_int(25);
	f->m.has_pct = 1;
	f->m.waste = "failed,canceled";
	f->m.projects = f->p;
	f->m.nprojects = f->m.nall = n;
	f->m.top = n;
	f->m.alerts = f->alerts;
	f->m.nalerts = nalerts;
}

static void
fixture_release(struct fixture *f)
{
	size_t i;

	for (i = 0; i < f->n; i++)
		free(f->names[i]);
	for (i = 0; i < f->m.nalerts; i++)
		alert_outcome_release(&f->outs[i]);
	free(f->names);
	free(f->p);
	free(f->rules);
	free(f->outs);
	free(f->alerts);
}

/*
 * Build the payload, check it against the limits, and return every text
 * joined by newlines (free() it); *nblocks gets the block count.
 */
static char *
build(const struct slack_msg *m, size_t max_blocks, size_t max_text,
    size_t *nblocks)
{
	struct slack_limits lim = { max_blocks, max_text };
	char *s = slack_payload(m, &lim);
	json_error_t je;
	json_t *root = json_loads(s, 0, &je), *blocks, *b;
	struct sbuf all;
	size_t i;

	if (root == NULL)
		fail_msg("not JSON: %s", je.text);
	/* limits below these are raised to them (slack.h) */
	if (max_blocks < 6)
		max_blocks = 6;
	if (max_text < 1000)
		max_text = 1000;
	sbuf_init(&all, 1 << 24);
	assert_non_null(json_string_value(json_object_get(root, "text")));
	blocks = json_object_get(root, "blocks");
	assert_true(json_is_array(blocks));
	*nblocks = json_array_size(blocks);
	if (*nblocks > max_blocks)
		fail_msg("%zu blocks, more than %zu", *nblocks, max_blocks);
	json_array_foreach(blocks, i, b) {
		const char *type = json_string_value(json_object_get(b,
		    "type"));
		json_t *t = json_object_get(b, "text");
		const char *text;

		if (strcmp(type, "context") == 0)
			t = json_array_get(json_object_get(b, "elements"), 0);
		if (strcmp(type, "divider") == 0)
			continue;
		text = json_string_value(json_object_get(t, "text"));
		assert_non_null(text);
		if (strlen(text) > (strcmp(type, "header") == 0 ?
		    SLACK_MAX_HEADER : max_text))
			fail_msg("block %zu (%s): %zu bytes", i, type,
			    strlen(text));
		sbuf_addstr(&all, text);
		sbuf_addch(&all, '\n');
	}
	json_decref(root);
	free(s);
	return all.buf;
}

/* How many project lines ("N. `...") the texts hold. */
static size_t
project_lines(const char *texts)
{
	size_t n = 0;
	const char *p = texts;

	while ((p = strstr(p, ". `p")) != NULL) {
		n++;
		p += 4;
	}
	return n;
}

static void
test_small_message(void **state)
{
	struct fixture f;
	size_t nb;
	char *t;

	(void)state;
	fixture_init(&f, 3, 3, 'a', 0);
	t = build(&f.m, SLACK_MAX_BLOCKS, SLACK_MAX_TEXT, &nb);
	/* header, summary, divider, projects, footer */
	assert_int_equal(nb, 5);
	assert_contains(t, "CircleCI usage 2026-10-12 to 2026-10-18\n");
	assert_contains(t, "*Period:* 2026-10-12 to 2026-10-18 (previous: "
	    "2026-10-05 to 2026-10-11)\n*Credits:* 1,000.00, +25.00% "
	    "(+200.00) against the previous period\n*Cost:* $0.60 at "
	    "$0.0006 a credit\n*Jobs:* 12,345\n");
	assert_contains(t, "*Top projects by credits* (3 of 3)\n"
	    "1. `p0000-aaa` 3.00 credits ($1.00), +10.00% (+1.00)\n");
	assert_true(strstr(t, "more project") == NULL);
	free(t);

	/* no previous period: no change anywhere */
	f.m.has_previous = 0;
	f.m.prev_period = NULL;
	t = build(&f.m, SLACK_MAX_BLOCKS, SLACK_MAX_TEXT, &nb);
	assert_true(strstr(t, "previous") == NULL);
	assert_contains(t, "1. `p0000-aaa` 3.00 credits ($1.00)\n");
	free(t);

	/* --top 1: the rest in one line, summed exactly */
	f.m.top = 1;
	t = build(&f.m, SLACK_MAX_BLOCKS, SLACK_MAX_TEXT, &nb);
	assert_contains(t, "(1 of 3)\n1. `p0000-aaa` 3.00 credits ($1.00)\n"
	    "\xe2\x80\xa6" "and 2 more projects: 3.00 credits ($2.00)\n");
	free(t);
	fixture_release(&f);

	/* no projects at all */
	fixture_init(&f, 0, 0, 'a', 0);
	t = build(&f.m, SLACK_MAX_BLOCKS, SLACK_MAX_TEXT, &nb);
	assert_contains(t, "No job runs in this period.");
	free(t);
	fixture_release(&f);
}

static void
test_fold_at_the_limits(void **state)
{
	struct fixture f;
	size_t nb, shown;
	char *t, *fold, want[128];

	(void)state;
	/* 500 projects of 80 '&' each (400 bytes escaped): far more than
	 * 50 blocks of 3,000 */
	fixture_init(&f, 500, 80, '&', 3);
	t = build(&f.m, SLACK_MAX_BLOCKS, SLACK_MAX_TEXT, &nb);
	assert_int_equal(nb, SLACK_MAX_BLOCKS);
	shown = project_lines(t);
	assert_true(shown > 100 && shown < 500);
	/* the fold names exactly the projects not listed */
	snprintf(want, sizeof(want), "\xe2\x80\xa6" "and %zu more projects: ",
	    500 - shown);
	fold = strstr(t, want);
	assert_non_null(fold);
	{
		/* credits of projects shown..499: sum of (500 - i) + 0.001 */
		size_t k = 500 - shown;
		dec_t sum = dec_from_int((int64_t)(k * (k + 1) / 2)) +
		    (dec_t)k * (DEC_ONE / 1000);
		char num[DEC_BUFSZ + 16], *line;

		dec_format_fixed(sum, 2, ',', num);
		line = xasprintf("%s%s credits ($%zu.00), +%zu.00 against the "
		    "previous period\n", want, num, k, k);
		assert_contains(fold, line);
		free(line);
	}
	/* the alerts fired, named their first projects, capped */
	assert_contains(t, "*3 of 3 alert rules fired*");
	assert_contains(t, ":rotating_light: `project.total_credits &gt; 0`"
	    ": `p0000-");
	assert_contains(t, " and 2 more projects\n");
	free(t);

	/* tiny limits: still within them, and still folded */
	t = build(&f.m, 6, 1000, &nb);
	assert_true(nb <= 6);
	assert_non_null(strstr(t, "more projects: "));
	free(t);
	/* limits below the minimum are raised to it, never broken */
	t = build(&f.m, 1, 10, &nb);
	assert_true(nb <= 6);
	free(t);
	fixture_release(&f);

	/* many rules: they fold too, and leave room for projects */
	fixture_init(&f, 50, 80, '<', 200);
	t = build(&f.m, SLACK_MAX_BLOCKS, SLACK_MAX_TEXT, &nb);
	assert_contains(t, "*200 of 200 alert rules fired*");
	assert_non_null(strstr(t, "more rules\n"));
	/* the rules take half the room at most: every project is listed */
	assert_int_equal(project_lines(t), 50);
	free(t);
	fixture_release(&f);

	/* 120 short lines fit: every one listed, no fold */
	fixture_init(&f, 120, 10, 'z', 0);
	t = build(&f.m, SLACK_MAX_BLOCKS, SLACK_MAX_TEXT, &nb);
	assert_int_equal(project_lines(t), 120);
	assert_true(strstr(t, "more project") == NULL);
	free(t);
	fixture_release(&f);
}

static void
test_header_and_alert_texts(void **state)
{
	struct fixture f;
	struct alert_rule r[3];
	struct alert_outcome o[3];
	struct slack_alert a[3];
	char title[400];
	size_t nb;
	char *t;

	(void)state;
	fixture_init(&f, 2, 2, 'q', 0);
	memset(title, 0, sizeof(title));
	memset(title, 'T', 300);
	title[5] = '\n';
	f.m.title = title;
	memset(r, 0, sizeof(r));
	memset(o, 0, sizeof(o));
	r[0].n = 1, r[0].t[0].name = ALERT_COST_USD, r[0].t[0].op = ALERT_GE;
	r[0].t[0].value = unit_dec("0.5");
	o[0].evaluated = o[0].fired = 1, o[0].value[0] = unit_dec("0.6");
	r[1].n = 1, r[1].t[0].name = ALERT_CHANGE_PCT, r[1].t[0].op = ALERT_LT;
	r[1].t[0].value = unit_dec("-10");
	o[1].evaluated = 0;
	r[2].n = 1, r[2].t[0].name = ALERT_JOBS, r[2].t[0].op = ALERT_LE;
	r[2].t[0].value = 0;
	o[2].evaluated = 1, o[2].value[0] = dec_from_int(12345);
	a[0].rule = &r[0], a[0].outcome = &o[0];
	a[1].rule = &r[1], a[1].outcome = &o[1];
	a[2].rule = &r[2], a[2].outcome = &o[2];
	f.m.alerts = a;
	f.m.nalerts = 3;
	f.m.org = "org&<x>";
	t = build(&f.m, SLACK_MAX_BLOCKS, SLACK_MAX_TEXT, &nb);
	assert_contains(t, "TTTTT TTT");
	assert_contains(t, "T\xe2\x80\xa6\n");
	assert_contains(t, "*Organization:* `org&amp;&lt;x&gt;`\n");
	assert_contains(t, "*1 of 3 alert rules fired*\n"
	    ":rotating_light: `cost_usd &gt;= 0.5`: $0.60\n"
	    "`change_pct &lt; -10%` was not evaluated: there is no previous "
	    "period to compare with\n");
	assert_true(strstr(t, "jobs &lt;=") == NULL);
	free(t);

	/* nothing fired */
	o[0].fired = 0;
	f.m.nalerts = 1;
	t = build(&f.m, SLACK_MAX_BLOCKS, SLACK_MAX_TEXT, &nb);
	assert_contains(t, ":white_check_mark: *No alert fired* (1 rule)");
	free(t);
	fixture_release(&f);
}

/* What a link may be: http(s), a host, no user, no mrkdwn syntax. */
static void
test_link_check(void **state)
{
	char err[256];

	(void)state;
	assert_int_equal(slack_link_check("https://ci.example/x?a=1&b=2",
	    err, sizeof(err)), 0);
	assert_int_equal(slack_link_check("http://127.0.0.1:8080/", err,
	    sizeof(err)), 0);
	assert_int_equal(slack_link_check("https://u@x/", err, sizeof(err)),
	    -1);
	assert_string_equal(err, "no user information may be in a link (it "
	    "would be posted)");
	/* an @ in the path is not user information */
	assert_int_equal(slack_link_check("https://x/@me", err, sizeof(err)),
	    0);
	assert_int_equal(slack_link_check("https:///p", err, sizeof(err)), -1);
	assert_int_equal(slack_link_check("javascript:alert(1)", err,
	    sizeof(err)), -1);
	assert_int_equal(slack_link_check("https://x/a b", err, sizeof(err)),
	    -1);
	assert_int_equal(slack_link_check("https://x/a>b", err, sizeof(err)),
	    -1);
	assert_int_equal(slack_link_check("https://x/\n", err, sizeof(err)),
	    -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_link_check),
		cmocka_unit_test(test_name_escaping),
		cmocka_unit_test(test_small_message),
		cmocka_unit_test(test_fold_at_the_limits),
		cmocka_unit_test(test_header_and_alert_texts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
