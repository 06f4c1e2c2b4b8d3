/*
 * slack.h: notify's Slack message: a Block Kit payload built from a
 * period's summary, within Block Kit's limits, with every name from the
 * data escaped; and the POST to an incoming webhook, retried.
 *
 * The webhook URL is a secret: this module never prints it, nor puts it in
 * a message; errors name its host only.
 */
#ifndef CU_SLACK_H
#define CU_SLACK_H

#include <stddef.h>
#include <stdint.h>

#include "alert.h"
#include "compare.h"
#include "util.h"

/* Block Kit's limits (https://api.slack.com/reference/block-kit/blocks). */
#define SLACK_MAX_BLOCKS 50
#define SLACK_MAX_TEXT 3000
#define SLACK_MAX_HEADER 150
/* A name from the data is cut to this many characters, with an ellipsis. */
#define SLACK_MAX_NAME 80

/*
 * Append `s` (len bytes, from the data) to sb as Slack mrkdwn inline code:
 * `&`, `<`, `>` become `&amp;`, `&lt;`, `&gt;` (so no mention or link can
 * be made), a backtick becomes U+02CB (it would end the code span, in
 * which `*_~` format nothing), control characters a space, invalid UTF-8
 * U+FFFD; cut at SLACK_MAX_NAME characters; "(none)" for an empty name.
 * Returns -1 if sb is full.
 */
int slack_name(struct sbuf *sb, const char *s, size_t len);

/* One project's line. */
struct slack_project {
	const char *name;	/* from the data, not NUL-terminated */
	size_t len;
	dec_t credits, cost;	/* current period */
	dec_t change, pct;	/* against the previous period */
	int has_pct;
	enum compare_trend trend;
};

/* One rule and what it gave. */
struct slack_alert {
	const struct alert_rule *rule;
	const struct alert_outcome *outcome;
};

struct slack_msg {
	const char *title;	/* the header; NULL: "CircleCI usage" */
	const char *org;	/* org ID or NULL */
	const char *period;	/* "2026-10-01 to 2026-10-07" */
	const char *prev_period;	/* NULL without a previous period */
	dec_t credits, cost, price;
	uint64_t jobs;
	int has_previous;
	dec_t prev_credits, change, pct;
	int has_pct;
	dec_t failed_credits, failed_pct;
	const char *waste;	/* the waste statuses, for the text */
	/*
	 * The projects of the current period, largest first (nprojects of
	 * them), then those gone since the previous period (up to nall):
	 * alert outcomes' matches index this array.
	 */
	const struct slack_project *projects;
	size_t nprojects, nall;
	const char *noun;	/* what they are: "project" (NULL), "team" */
	size_t top;		/* lines for projects before the fold */
	size_t nnew, ngone;	/* projects new, and gone, since the previous
				   period */
	const struct slack_alert *alerts;	/* every rule, in order */
	size_t nalerts;
	/* what budget and anomaly rules' matches index (alert.h) */
	const struct alert_budget *budgets;
	const struct alert_anomaly *anomalies;
	const char *link;	/* a link in the footer (slack_link_check),
				   or NULL */
	const char *link_text;	/* its text */
};

/*
 * Is `url` a link the message may carry: http or https, no blank or
 * control character, no user information, none of < > | (mrkdwn's link
 * syntax)?  Returns 0, or -1 with why in err.
 */
int slack_link_check(const char *url, char *err, size_t errlen);

/* Limits below 6 blocks and 1,000 bytes are raised to those. */
struct slack_limits {
	size_t max_blocks;	/* SLACK_MAX_BLOCKS */
	size_t max_text;	/* SLACK_MAX_TEXT */
};

/*
 * The message as a Block Kit JSON payload (`text` for notifications, and
 * `blocks`): a header, the period's summary, the alerts that fired (and
 * those that could not be evaluated), the top projects with their
 * changes, and the rest folded into one line.  Texts are packed into as
 * few sections as fit `lim` (sizes counted in bytes, never fewer than
 * Slack's characters); whatever would not fit is folded into one line.
 * Returns the JSON text (the caller frees it).
 */
char *slack_payload(const struct slack_msg *m, const struct slack_limits *lim);

/*
 * POST `payload` (JSON) to the webhook `url` until `timeout` seconds have
 * passed: 429 is retried after its Retry-After, 5xx and network errors
 * with exponential backoff.  `what` names the URL's source in messages
 * ("SLACK_WEBHOOK_URL").  Returns 0, or an exit code after printing an
 * error that names the host only, and quotes the answer with the URL and
 * its parts masked (it registers them with redact_add_url(); the caller's
 * redact_clear() wipes them): EXIT_API_REJECTED for 400,
 * EXIT_API_AUTH for 401, 403, 404 and 410, EXIT_UNREACHABLE for the rest.
 * Sets *attempts to the number of requests made.
 */
int slack_post(const char *url, const char *what, const char *payload,
    double timeout, unsigned *attempts);

/*
 * Is `url` a webhook URL we may post to: https, or http to a loopback
 * host, with no user information (user:password@)?  Returns 0, or -1
 * after printing an error naming `what`, never the URL (of one with user
 * information, its scheme and host only, the rest masked).
 */
int slack_url_check(const char *url, const char *what);

#endif
