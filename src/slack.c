/*
 * slack.c: the Block Kit message and the webhook POST.
 *
 * Layout: a header; a section with the period's summary; the alerts (one
 * line each); a divider; the top projects (one line each); a context line
 * with the tool's name.  Lines are packed into sections of at most
 * max_text bytes, and sections into at most max_blocks blocks.  A packer
 * takes a line only if the fold line could still follow it, so when lines
 * run out of room the rest is always folded into one last line: nothing is
 * ever cut in the middle, and the limits always hold.
 */
#include "slack.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <jansson.h>

#include "api.h"
#include "date.h"
#include "utf8.h"
#include "net.h"
#include "redact.h"

#define SLACK_LINE_MAX 4096	/* one line, before it is cut to fit */
#define SLACK_FOLD_MAX 400	/* the longest fold line we write */
#define SLACK_NAMES_SHOWN 3	/* projects named in an alert's line */
#define SLACK_ENTITIES_SHOWN 5	/* budgets, anomalies named in one */

/* ---- text ---- */

/* mrkdwn's three entities: the one for c, or NULL when c stands as it is. */
static const char *
slack_entity(unsigned char c)
{
	return c == '&' ? "&amp;" : c == '<' ? "&lt;" : c == '>' ? "&gt;" :
	    NULL;
}

int
slack_name(struct sbuf *sb, const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	const char *e;
	size_t i = 0, chars = 0;
	int ret = 0;

	if (len == 0)
		return sbuf_addstr(sb, "`(none)`");
	ret |= sbuf_addch(sb, '`');
	while (i < len) {
		size_t n = utf8_decode(u + i, len - i, NULL);

		if (chars == SLACK_MAX_NAME - 1 && i + (n ? n : 1) < len) {
			ret |= sbuf_addstr(sb, "\xe2\x80\xa6");	/* … */
			break;
		}
		if (n == 0) {
			ret |= sbuf_addstr(sb, "\xef\xbf\xbd");	/* U+FFFD */
			n = 1;
		} else if (u[i] < 0x20 || u[i] == 0x7f ||
		    (n == 2 && u[i] == 0xc2 && u[i + 1] < 0xa0)) {
			ret |= sbuf_addch(sb, ' ');
		} else if ((e = slack_entity(u[i])) != NULL) {
			ret |= sbuf_addstr(sb, e);
		} else if (u[i] == '`') {
			ret |= sbuf_addstr(sb, "\xcb\x8b");	/* U+02CB */
		} else {
			ret |= sbuf_add(sb, s + i, n);
		}
		i += n;
		chars++;
	}
	ret |= sbuf_addch(sb, '`');
	return ret ? -1 : 0;
}

/* Fixed text for mrkdwn: only & < > need entities (our own text has no
 * formatting characters by accident). */
static void
slack_text(struct sbuf *sb, const char *s)
{
	const char *e;

	for (; *s; s++) {
		if ((e = slack_entity((unsigned char)*s)) != NULL)
			sbuf_addstr(sb, e);
		else
			sbuf_addch(sb, *s);
	}
}

/* `v` with `places` decimals and thousands separators, into buf. */
static const char *
slack_num(dec_t v, int places, int sign, char *buf)
{
	char tmp[DEC_BUFSZ + 16];

	dec_format_fixed(v, places, ',', tmp);
	snprintf(buf, DEC_BUFSZ + 24, "%s%s", sign && dec_round(v, places) > 0 ?
	    "+" : "", tmp);
	return buf;
}

static const char *
slack_count(uint64_t n, char *buf)
{
	return slack_num(dec_from_int((int64_t)n), 0, 0, buf);
}

/*
 * Cut `sb` to at most `max` bytes: on a character boundary, never in an
 * entity, closing an open code span, ending with an ellipsis.
 */
static void
slack_cut(struct sbuf *sb, size_t max)
{
	size_t n, i, ticks = 0;
	char *amp;

	if (sb->len <= max)
		return;
	n = max - 5;		/* room for "`…" */
	while (n > 0 && ((unsigned char)sb->buf[n] & 0xc0) == 0x80)
		n--;
	sb->buf[n] = '\0';
	amp = strrchr(sb->buf, '&');
	if (amp != NULL && strchr(amp, ';') == NULL)
		n = (size_t)(amp - sb->buf);
	sb->len = n;
	sb->buf[n] = '\0';
	for (i = 0; i < n; i++)
		ticks += sb->buf[i] == '`';
	if (ticks % 2)
		sbuf_addch(sb, '`');
	sbuf_addstr(sb, "\xe2\x80\xa6");
}

/* ---- blocks ---- */

static json_t *
slack_text_obj(const char *type, const char *text)
{
	json_t *t = json_object();

	json_object_set_new(t, "type", json_string(type));
	json_object_set_new(t, "text", json_string(text));
	if (strcmp(type, "plain_text") == 0)
		json_object_set_new(t, "emoji", json_true());
	return t;
}

static json_t *
slack_block(const char *type, json_t *text)
{
	json_t *b = json_object();

	json_object_set_new(b, "type", json_string(type));
	if (text != NULL)
		json_object_set_new(b, "text", text);
	return b;
}

static void
slack_section(json_t *blocks, const char *text)
{
	json_array_append_new(blocks, slack_block("section",
	    slack_text_obj("mrkdwn", text)));
}

static void
slack_context(json_t *blocks, const char *text)
{
	json_t *b = slack_block("context", NULL);
	json_t *el = json_array();

	json_array_append_new(el, slack_text_obj("mrkdwn", text));
	json_object_set_new(b, "elements", el);
	json_array_append_new(blocks, b);
}

/* Lines into sections: see the top of the file. */
struct packer {
	json_t *blocks;
	struct sbuf cur;	/* the open section's text */
	size_t max_text;
	size_t left;		/* blocks it may still add, the open one
				   included once it is open */
	int open;
};

static void
packer_init(struct packer *p, json_t *blocks, size_t max_text, size_t left)
{
	p->blocks = blocks;
	sbuf_init(&p->cur, max_text + 1);
	p->max_text = max_text;
	p->left = left;
	p->open = 0;
}

/* Could a line of `len` bytes be added, and a fold of `reserve` after? */
static int
packer_fits(const struct packer *p, size_t len, size_t reserve)
{
	size_t cur = p->cur.len, left = p->left;

	if (!p->open) {
		if (left == 0)
			return 0;
		left--;
		cur = len;
	} else if (cur + 1 + len <= p->max_text) {
		cur += 1 + len;
	} else {
		if (left == 0)
			return 0;
		left--;
		cur = len;
	}
	if (reserve == 0)
		return 1;
	return cur + 1 + reserve <= p->max_text || left > 0;
}

static void
packer_flush(struct packer *p)
{
	if (p->open) {
		slack_section(p->blocks, p->cur.buf);
		sbuf_reset(&p->cur);
		p->open = 0;
	}
}

/*
 * Add a line (at most max_text bytes) if it and a fold of `reserve` bytes
 * fit.  Returns 0, or -1 (nothing added).
 */
static int
packer_add(struct packer *p, const char *line, size_t reserve)
{
	size_t len = strlen(line);

	if (!packer_fits(p, len, reserve))
		return -1;
	if (p->open && p->cur.len + 1 + len > p->max_text)
		packer_flush(p);
	if (!p->open) {
		p->open = 1;
		p->left--;
	} else {
		sbuf_addch(&p->cur, '\n');
	}
	sbuf_add(&p->cur, line, len);
	return 0;
}

/* Close the open section; returns the blocks it did not use. */
static size_t
packer_end(struct packer *p)
{
	size_t left;

	packer_flush(p);
	left = p->left;
	sbuf_release(&p->cur);
	return left;
}

/* ---- the message ---- */

static void
slack_change(struct sbuf *sb, int has_pct, dec_t pct, dec_t change)
{
	char a[DEC_BUFSZ + 24], b[DEC_BUFSZ + 24];

	if (has_pct)
		sbuf_addf(sb, "%s%% (%s)", slack_num(pct, 2, 1, a),
		    slack_num(change, 2, 1, b));
	else
		sbuf_addf(sb, "%s", slack_num(change, 2, 1, b));
}

static void
slack_summary(struct sbuf *sb, const struct slack_msg *m)
{
	char a[DEC_BUFSZ + 24], b[DEC_BUFSZ + 24], c[DEC_BUFSZ + 24];

	sbuf_addf(sb, "*Period:* %s", m->period);
	if (m->prev_period != NULL)
		sbuf_addf(sb, " (previous: %s)", m->prev_period);
	if (m->org != NULL) {
		sbuf_addstr(sb, "\n*Organization:* ");
		slack_name(sb, m->org, strlen(m->org));
	}
	sbuf_addf(sb, "\n*Credits:* %s", slack_num(m->credits, 2, 0, a));
	if (m->has_previous && m->has_pct) {
		sbuf_addstr(sb, ", ");
		slack_change(sb, 1, m->pct, m->change);
		sbuf_addstr(sb, " against the previous period");
	} else if (m->has_previous) {
		sbuf_addf(sb, " (the previous period had %s)",
		    slack_num(m->prev_credits, 2, 0, a));
	}
	dec_format(m->price, c);
	sbuf_addf(sb, "\n*Cost:* $%s at $%s a credit",
	    slack_num(m->cost, 2, 0, a), c);
	sbuf_addf(sb, "\n*Jobs:* %s", slack_count(m->jobs, a));
	sbuf_addf(sb, "\n*Failed runs:* %s credits, %s%% of the credits "
	    "(", slack_num(m->failed_credits, 2, 0, a),
	    slack_num(m->failed_pct, 2, 0, b));
	slack_text(sb, m->waste);
	sbuf_addstr(sb, ")");
	sbuf_addf(sb, "\n*%c%ss:* %s", m->noun ? m->noun[0] - 'a' + 'A' :
	    'P', m->noun ? m->noun + 1 : "roject", slack_count(m->nprojects,
	    a));
	if (m->has_previous)
		sbuf_addf(sb, " (%zu new, %zu gone)", m->nnew, m->ngone);
}

/* "`total_credits &gt; 5000 and ...`" */
static void
slack_rule(struct sbuf *sb, const struct alert_rule *r)
{
	struct sbuf text;

	sbuf_init(&text, 1 << 16);
	alert_rule_text(r, &text);
	sbuf_addch(sb, '`');
	slack_text(sb, text.buf);
	sbuf_addch(sb, '`');
	sbuf_release(&text);
}

static void
slack_value(struct sbuf *sb, enum alert_name n, dec_t v)
{
	char a[DEC_BUFSZ + 24];

	switch (n) {
	case ALERT_COST_USD:
		sbuf_addf(sb, "$%s", slack_num(v, 2, 0, a));
		break;
	case ALERT_JOBS:
		sbuf_addf(sb, "%s", slack_num(v, 0, 0, a));
		break;
	case ALERT_CHANGE_PCT:
	case ALERT_PROJECT_CHANGE_PCT:
		sbuf_addf(sb, "%s%%", slack_num(v, 2, 1, a));
		break;
	case ALERT_FAILED_CREDITS_PCT:
		sbuf_addf(sb, "%s%%", slack_num(v, 2, 0, a));
		break;
	default:
		sbuf_addf(sb, "%s credits", slack_num(v, 2, 0, a));
		break;
	}
}

/* A budget of a rule's line: `name` over, 104.00% used, 110.00% projected */
static void
slack_budget(struct sbuf *sb, const struct alert_budget *b)
{
	char x[DEC_BUFSZ + 24], y[DEC_BUFSZ + 24];

	slack_name(sb, b->name, strlen(b->name));
	sbuf_addf(sb, " %s, %s%% used, %s%% projected", b->status,
	    slack_num(b->used_pct, 2, 0, x), slack_num(b->projected_pct, 2, 0,
	    y));
}

/* An anomaly: `project` on 2026-12-01, spike, +20,000.00 credits ($12.00) */
static void
slack_anomaly(struct sbuf *sb, const struct alert_anomaly *an)
{
	char x[DEC_BUFSZ + 24], y[DEC_BUFSZ + 24], day[DATE_BUFSZ];

	date_format_day(an->day, day);
	slack_name(sb, an->key, an->keylen);
	sbuf_addf(sb, " on %s, %s, %s credits ($%s) above its baseline", day,
	    an->kind, slack_num(an->excess, 2, 1, x),
	    slack_num(an->excess_usd, 2, 0, y));
}

/* The budgets or anomalies a rule matched, after its total values. */
static void
slack_entities(struct sbuf *sb, const struct slack_msg *m,
    const struct alert_rule *r, const struct alert_outcome *o)
{
	int budget = r->entity == ALERT_ENTITY_BUDGET;
	size_t i;

	sbuf_addf(sb, "%zu %s: ", o->nmatches, budget ?
	    (o->nmatches == 1 ? "budget" : "budgets") :
	    (o->nmatches == 1 ? "anomaly" : "anomalies"));
	for (i = 0; i < o->nmatches && i < SLACK_ENTITIES_SHOWN; i++) {
		sbuf_addstr(sb, i ? "; " : "");
		if (budget)
			slack_budget(sb, &m->budgets[o->matches[i]]);
		else
			slack_anomaly(sb, &m->anomalies[o->matches[i]]);
	}
	if (o->nmatches > SLACK_ENTITIES_SHOWN)
		sbuf_addf(sb, "; and %zu more", o->nmatches -
		    SLACK_ENTITIES_SHOWN);
}

/* One rule's line: its total terms' values, then the entities matched. */
static void
slack_alert_line(struct sbuf *sb, const struct slack_msg *m,
    const struct slack_alert *a)
{
	const struct alert_rule *r = a->rule;
	const struct alert_outcome *o = a->outcome;
	const char *sep = "";
	size_t i, k;

	sbuf_addstr(sb, o->fired ? ":rotating_light: " : "");
	slack_rule(sb, r);
	if (!o->evaluated) {
		sbuf_addf(sb, " was not evaluated: %s",
		    alert_unknown_text(o->why));
		return;
	}
	sbuf_addstr(sb, ": ");
	for (k = 0; k < r->n; k++) {
		if (alert_name_entity(r->t[k].name) != ALERT_ENTITY_NONE)
			continue;
		sbuf_addstr(sb, sep);
		slack_value(sb, r->t[k].name, o->value[k]);
		sep = ", ";
	}
	if (r->entity == ALERT_ENTITY_NONE && !r->has_project)
		return;
	if (*sep)
		sbuf_addstr(sb, "; ");
	if (!r->has_project) {
		slack_entities(sb, m, r, o);
		return;
	}
	for (i = 0; i < o->nmatches && i < SLACK_NAMES_SHOWN; i++) {
		const struct slack_project *p = &m->projects[o->matches[i]];

		sbuf_addstr(sb, i ? ", " : "");
		slack_name(sb, p->name, p->len);
		for (k = 0; k < r->n; k++) {
			if (!alert_name_is_project(r->t[k].name))
				continue;
			sbuf_addch(sb, ' ');
			slack_value(sb, r->t[k].name,
			    r->t[k].name == ALERT_PROJECT_CHANGE_PCT ? p->pct :
			    p->credits);
		}
	}
	if (o->nmatches > SLACK_NAMES_SHOWN)
		sbuf_addf(sb, " and %zu more project%s", o->nmatches -
		    SLACK_NAMES_SHOWN, o->nmatches - SLACK_NAMES_SHOWN == 1 ?
		    "" : "s");
}

static void
slack_project_line(struct sbuf *sb, const struct slack_msg *m, size_t i)
{
	const struct slack_project *p = &m->projects[i];
	char a[DEC_BUFSZ + 24], b[DEC_BUFSZ + 24];

	sbuf_addf(sb, "%zu. ", i + 1);
	slack_name(sb, p->name, p->len);
	sbuf_addf(sb, " %s credits ($%s)", slack_num(p->credits, 2, 0, a),
	    slack_num(p->cost, 2, 0, b));
	if (!m->has_previous)
		return;
	if (p->trend == TREND_NEW) {
		sbuf_addstr(sb, ", new");
	} else if (p->trend == TREND_SAME) {
		sbuf_addstr(sb, ", no change");
	} else {
		sbuf_addstr(sb, ", ");
		slack_change(sb, p->has_pct, p->pct, p->change);
	}
}

/* "…and 52 more projects: ..." for projects from..n-1. */
static void
slack_project_fold(struct sbuf *sb, const struct slack_msg *m, size_t from)
{
	dec_t credits = 0, cost = 0, change = 0;
	char a[DEC_BUFSZ + 24], b[DEC_BUFSZ + 24];
	size_t i, n = m->nprojects - from;

	for (i = from; i < m->nprojects; i++) {
		credits = dec_add_or_die(credits, m->projects[i].credits,
		    "credits of the projects folded");
		cost = dec_add_or_die(cost, m->projects[i].cost,
		    "cost of the projects folded");
		change = dec_add_or_die(change, m->projects[i].change,
		    "change of the projects folded");
	}
	sbuf_addf(sb, "\xe2\x80\xa6" "and %zu more %s%s: %s credits ($%s)",
	    n, m->noun ? m->noun : "project", n == 1 ? "" : "s",
	    slack_num(credits, 2, 0, a),
	    slack_num(cost, 2, 0, b));
	if (m->has_previous)
		sbuf_addf(sb, ", %s against the previous period",
		    slack_num(change, 2, 1, a));
}

static char *
slack_fallback(const struct slack_msg *m, size_t fired)
{
	struct sbuf sb;
	char a[DEC_BUFSZ + 24], b[DEC_BUFSZ + 24];

	sbuf_init(&sb, 4096);
	sbuf_addf(&sb, "CircleCI usage %s: %s credits ($%s)", m->period,
	    slack_num(m->credits, 2, 0, a), slack_num(m->cost, 2, 0, b));
	if (m->has_previous && m->has_pct)
		sbuf_addf(&sb, ", %s%% against the previous period",
		    slack_num(m->pct, 2, 1, a));
	if (fired)
		sbuf_addf(&sb, "; %zu alert%s fired", fired,
		    fired == 1 ? "" : "s");
	return sb.buf;
}

/* The header: plain text, valid UTF-8, one line, at most 150 bytes. */
static char *
slack_header(const struct slack_msg *m)
{
	struct sbuf sb, t;
	size_t i = 0;

	sbuf_init(&t, 4096);
	if (m->title != NULL)
		sbuf_addstr(&t, m->title);
	else
		sbuf_addf(&t, "CircleCI usage %s", m->period);
	sbuf_init(&sb, SLACK_LINE_MAX);
	while (i < t.len) {
		size_t n = utf8_decode((unsigned char *)t.buf + i, t.len - i,
		    NULL);

		if (sb.len + (n ? n : 3) > SLACK_MAX_HEADER - 3 &&
		    i + (n ? n : 1) < t.len) {
			sbuf_addstr(&sb, "\xe2\x80\xa6");
			break;
		}
		if (n == 0)
			sbuf_addstr(&sb, "\xef\xbf\xbd"), n = 1;
		else if ((unsigned char)t.buf[i] < 0x20 || t.buf[i] == 0x7f)
			sbuf_addch(&sb, ' ');
		else
			sbuf_add(&sb, t.buf + i, n);
		i += n;
	}
	sbuf_release(&t);
	if (sb.len == 0)
		sbuf_addstr(&sb, "CircleCI usage");
	return sb.buf;
}

int
slack_link_check(const char *url, char *err, size_t errlen)
{
	const char *p, *host;
	size_t hostlen;

	if (strncmp(url, "https://", 8) == 0)
		host = url + 8;
	else if (strncmp(url, "http://", 7) == 0)
		host = url + 7;
	else
		return snprintf(err, errlen, "expected an http or https URL"),
		    -1;
	hostlen = strcspn(host, "/?#");
	if (hostlen == 0)
		return snprintf(err, errlen, "no host in the URL"), -1;
	if (memchr(host, '@', hostlen) != NULL)
		return snprintf(err, errlen, "no user information may be in "
		    "a link (it would be posted)"), -1;
	for (p = url; *p != '\0'; p++)
		if ((unsigned char)*p <= 0x20 || *p == 0x7f ||
		    strchr("<>|", *p) != NULL)
			return snprintf(err, errlen, "a link holds no blank, "
			    "control character, <, > or |"), -1;
	return 0;
}

char *
slack_payload(const struct slack_msg *m, const struct slack_limits *lim)
{
	json_t *root = json_object(), *blocks = json_array();
	struct packer pk;
	struct sbuf line;
	size_t max_blocks = lim->max_blocks, max_text = lim->max_text;
	size_t i, budget, shown, fired = 0;
	char *s, buf[DEC_BUFSZ + 24];

	/* below these, a summary or a fold line might not fit */
	if (max_blocks < 6)
		max_blocks = 6;
	if (max_text < 1000)
		max_text = 1000;
	sbuf_init(&line, SLACK_LINE_MAX);
	for (i = 0; i < m->nalerts; i++)
		fired += m->alerts[i].outcome->fired;

	s = slack_header(m);
	json_array_append_new(blocks, slack_block("header",
	    slack_text_obj("plain_text", s)));
	free(s);
	slack_summary(&line, m);
	slack_cut(&line, max_text);
	slack_section(blocks, line.buf);
	/* header, summary, divider, footer; the rest for alerts, projects */
	budget = max_blocks - 4;

	if (m->nalerts > 0) {
		packer_init(&pk, blocks, max_text, (budget + 1) / 2);
		sbuf_reset(&line);
		if (fired)
			sbuf_addf(&line, "*%zu of %zu alert rule%s fired*",
			    fired, m->nalerts, m->nalerts == 1 ? "" : "s");
		else
			sbuf_addf(&line, ":white_check_mark: *No alert "
			    "fired* (%zu rule%s)", m->nalerts,
			    m->nalerts == 1 ? "" : "s");
		packer_add(&pk, line.buf, SLACK_FOLD_MAX);
		/* the rules that fired, then those not evaluated */
		for (i = 0; i < 2 * m->nalerts; i++) {
			const struct slack_alert *a =
			    &m->alerts[i % m->nalerts];

			if (i < m->nalerts ? !a->outcome->fired :
			    a->outcome->evaluated)
				continue;
			sbuf_reset(&line);
			slack_alert_line(&line, m, a);
			slack_cut(&line, max_text);
			if (packer_add(&pk, line.buf, SLACK_FOLD_MAX) < 0)
				break;
		}
		if (i < 2 * m->nalerts) {
			size_t rest = 0;

			for (; i < 2 * m->nalerts; i++) {
				const struct slack_alert *a =
				    &m->alerts[i % m->nalerts];

				rest += i < m->nalerts ? a->outcome->fired :
				    !a->outcome->evaluated;
			}
			sbuf_reset(&line);
			sbuf_addf(&line, "\xe2\x80\xa6" "and %zu more rule%s",
			    rest, rest == 1 ? "" : "s");
			packer_add(&pk, line.buf, 0);
		}
		budget -= (budget + 1) / 2 - packer_end(&pk);
	}
	json_array_append_new(blocks, slack_block("divider", NULL));

	packer_init(&pk, blocks, max_text, budget);
	sbuf_reset(&line);
	if (m->nprojects == 0) {
		sbuf_addstr(&line, "No job runs in this period.");
		packer_add(&pk, line.buf, 0);
	} else {
		shown = m->top < m->nprojects ? m->top : m->nprojects;
		sbuf_addf(&line, "*Top %ss by credits* (%zu of %s)",
		    m->noun ? m->noun : "project", shown,
		    slack_count(m->nprojects, buf));
		packer_add(&pk, line.buf, SLACK_FOLD_MAX);
		for (i = 0; i < shown; i++) {
			sbuf_reset(&line);
			slack_project_line(&line, m, i);
			slack_cut(&line, max_text);
			if (packer_add(&pk, line.buf, i + 1 < m->nprojects ?
			    SLACK_FOLD_MAX : 0) < 0)
				break;
		}
		if (i < m->nprojects) {
			sbuf_reset(&line);
			slack_project_fold(&line, m, i);
			slack_cut(&line, SLACK_FOLD_MAX);
			packer_add(&pk, line.buf, 0);
		}
	}
	packer_end(&pk);
	sbuf_reset(&line);
	sbuf_addstr(&line, "circleci-usage " CU_VERSION ": exact sums of the "
	    "CircleCI Usage API export");
	if (m->link != NULL) {
		/* checked: & is the one character left to escape */
		sbuf_addstr(&line, " \xc2\xb7 <");
		for (i = 0; m->link[i] != '\0'; i++)
			if (m->link[i] == '&')
				sbuf_addstr(&line, "&amp;");
			else
				sbuf_addch(&line, m->link[i]);
		sbuf_addch(&line, '|');
		slack_text(&line, m->link_text);
		sbuf_addch(&line, '>');
	}
	slack_context(blocks, line.buf);

	s = slack_fallback(m, fired);
	json_object_set_new(root, "text", json_string(s));
	free(s);
	json_object_set_new(root, "blocks", blocks);
	s = json_dumps(root, JSON_INDENT(2));
	json_decref(root);
	sbuf_release(&line);
	if (s == NULL)
		die(EXIT_FAILURE_OTHER, "out of memory");
	/* jansson's allocation: hand back one of ours */
	{
		char *r = xstrdup(s);

		free(s);
		return r;
	}
}

/* ---- posting ---- */

int
slack_url_check(const char *url, const char *what)
{
	char err[200];
	int loopback;

	if (redact_url_has_userinfo(url)) {
		/* its path is a secret too: the origin only */
		char *shown = redact_url(url, 1);

		error("the webhook URL from %s holds user information (%s): "
		    "notify sends no credential; remove the user:password@",
		    what, shown);
		free(shown);
		return -1;
	}
	if (api_url_check(url, &loopback, err, sizeof(err)) < 0)
		return error("the webhook URL from %s: %s", what, err);
	return 0;
}

int
slack_post(const char *url, const char *what, const char *payload,
    double timeout, unsigned *attempts)
{
	CURL *c;
	struct curl_slist *hdrs = NULL;
	char errbuf[CURL_ERROR_SIZE], *host;
	double deadline = api_clock() + timeout, wait;
	unsigned attempt = 0;
	int loopback, ret = EXIT_FAILURE_OTHER;
	char err[200];

	*attempts = 0;
	if (api_url_check(url, &loopback, err, sizeof(err)) < 0)
		return error("the webhook URL from %s: %s", what, err),
		    EXIT_USAGE;
	c = curl_easy_init();
	if (c == NULL)
		return error("cannot start libcurl"), EXIT_FAILURE_OTHER;
	/* what the webhook answers is printed with the URL masked */
	redact_add_url(url);
	host = net_url_host(url);
	hdrs = curl_slist_append(hdrs, "Content-Type: application/json");
	hdrs = curl_slist_append(hdrs, "Expect:");
	for (;;) {
		struct net_answer a;
		char *text;
		double left = deadline - api_clock();
		struct net_guard guard;
		const char *target;
		long status = 0;
		CURLcode rc;

		net_answer_init(&a);
		curl_easy_reset(c);
		curl_easy_setopt(c, CURLOPT_URL, url);
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
		curl_easy_setopt(c, CURLOPT_USERAGENT,
		    PROGRAM_NAME "/" CU_VERSION);
		curl_easy_setopt(c, CURLOPT_POST, 1L);
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, payload);
		/* no redirect is followed (the webhook URL is the one
		 * place the message goes); net.h's rule once connected */
		net_guard_setup(&guard, c, loopback, 0);
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
		curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
		curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 30000L);
		curl_easy_setopt(c, CURLOPT_TIMEOUT_MS,
		    (long)((left > 0.05 ? left : 0.05) * 1000));
		curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, net_answer_body);
		curl_easy_setopt(c, CURLOPT_WRITEDATA, &a);
		curl_easy_setopt(c, CURLOPT_HEADERFUNCTION,
		    net_answer_header);
		curl_easy_setopt(c, CURLOPT_HEADERDATA, &a);
		curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
		errbuf[0] = '\0';
		(*attempts)++;
		rc = curl_easy_perform(c);
		if (rc == CURLE_OK)
			curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
		text = net_answer_text(&a);
		if (rc == CURLE_ABORTED_BY_CALLBACK && guard.why[0]) {
			error("the webhook at %s: request refused: %s", host,
			    guard.why);
			free(text);
			ret = EXIT_REFUSED;
			break;
		}
		if (rc == CURLE_OK && net_redirect_target(c, status, &target)) {
			char *to = target ? net_url_display(target, 0) :
			    xstrdup("an unreadable Location");

			error("the webhook at %s answered %ld, a redirect to %s; "
			    "refused: the message goes to the webhook URL only",
			    host, status, to);
			free(to);
			free(text);
			ret = EXIT_REFUSED;
			break;
		}
		if (rc == CURLE_OK && status >= 200 && status < 300) {
			free(text);
			ret = 0;
			break;
		}
		if (rc != CURLE_OK) {
			/* curl's messages name the host, never the path;
			 * masked all the same, should one ever quote it */
			char *why = redact(errbuf[0] ? errbuf :
			    curl_easy_strerror(rc));

			wait = api_backoff(attempt++);
			if (api_clock() + wait > deadline) {
				error("cannot post to the webhook at %s before "
				    "the timeout: %s", host, why);
				free(why);
				free(text);
				ret = EXIT_UNREACHABLE;
				break;
			}
			warning("the webhook at %s: %s; retrying", host, why);
			free(why);
		} else if (status == 429 || status >= 500) {
			wait = status == 429 && a.retry_after >= 0 ?
			    a.retry_after : api_backoff(attempt++);
			if (api_clock() + wait > deadline) {
				error("the webhook at %s answered %ld (%s) "
				    "until the timeout", host, status, text);
				free(text);
				ret = EXIT_UNREACHABLE;
				break;
			}
			warning("the webhook at %s answered %ld (%s); retrying "
			    "in %.1f s", host, status, text, wait);
		} else if (status == 400) {
			error("the webhook at %s rejected the message "
			    "(400: %s)", host, text);
			free(text);
			ret = EXIT_API_REJECTED;
			break;
		} else {
			error("the webhook at %s refused the message "
			    "(%ld: %s); check the webhook URL in %s", host,
			    status, text, what);
			free(text);
			ret = status == 401 || status == 403 || status == 404 ||
			    status == 410 ? EXIT_API_AUTH : EXIT_API_REJECTED;
			break;
		}
		free(text);
		api_sleep(wait, deadline);
	}
	curl_slist_free_all(hdrs);
	curl_easy_cleanup(c);
	free(host);
	return ret;
}
