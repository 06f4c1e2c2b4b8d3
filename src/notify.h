/*
 * notify.h: the workflow of `notify slack`: the two periods to read (run
 * directories, exports or the history database), their sums by project
 * (or team) and status, the comparison, the budgets and anomalies as of
 * the period's end (when a rule asks for them), the alert rules evaluated
 * on them, the cooldown that holds back what was sent lately, and the
 * Slack message they make.  It prints nothing itself: errors and warnings
 * go through util.h, as do the lines that say which rules fired or were
 * held back (notice()).  Posting is slack_post() (slack.h).
 */
#ifndef CU_NOTIFY_H
#define CU_NOTIFY_H

#include <stddef.h>
#include <stdint.h>

#include "alert.h"
#include "alertstate.h"
#include "anomaly.h"
#include "budget.h"
#include "budgetcalc.h"
#include "compare.h"
#include "inputs.h"
#include "report.h"
#include "slack.h"
#include "teams.h"

/*
 * What to read and how: the command sets the options (notify_init()
 * gives the defaults); notify_add_path() and notify_add_previous() fill
 * the rest.  Strings marked borrowed must outlive the struct.
 */
struct notify {
	struct report_opts o;	/* by project (or team) and status */
	const char *by;		/* the groups listed: project, team
				   (borrowed) */
	struct teams *teams;	/* --teams (owned), or NULL */
	struct alert_rule *rules;	/* --alert (owned) */
	size_t nrules;
	char **waste;		/* the waste statuses (owned) */
	size_t nwaste;
	const char *waste_list;	/* as given, for the text (borrowed) */
	const char *webhook_file;	/* --webhook-file (borrowed) */
	const char *title;	/* --title (borrowed), or NULL */
	const char *link;	/* --link, or $CIRCLE_BUILD_URL (borrowed,
				   checked), or NULL */
	const char *link_text;
	unsigned long long top;	/* projects listed */
	dec_t price;
	const char *db;		/* --db: both periods from history */
	int32_t prev_since, prev_until;	/* --previous-since/-until */
	int previous_given;	/* --previous: run.json's previous period
				   is not read */
	struct budgets *budgets;	/* --budgets (owned), for budget
					   rules; NULL without one */
	int64_t cooldown_ms;	/* --cooldown; 0: none */
	char *state;		/* the state file (owned): --state, or beside
				   the first PATH; NULL with --db alone, whose
				   alerts_sent table keeps the state */
	/* from run.json */
	char *org;
	char period[64], prev_period[64];
	int have_period, have_prev_period;
	int32_t period_last;	/* the period's last day (have_period) */
	struct inputs cur_in, prev_in;
};

/* The defaults: by project, top 10, 0.0006 per credit, no --db. */
void notify_init(struct notify *n);
void notify_release(struct notify *n);

/*
 * Add a PATH argument: a run directory (its run.json gives the period,
 * the org and, unless --previous was given, the previous period's
 * export), or exports as inputs_add() reads them.  Returns 0, or
 * EXIT_BAD_INPUT after an error naming the file and the field.
 */
int notify_add_path(struct notify *n, const char *arg);

/* Add a --previous export or run directory.  0, or EXIT_BAD_INPUT. */
int notify_add_previous(struct notify *n, const char *arg);

/* Does a rule of n look at budgets?  At anomalies? */
int notify_needs_budgets(const struct notify *n);
int notify_needs_anomalies(const struct notify *n);

/*
 * How long a notify with --cooldown waits for another that holds the same
 * state file (STATE.lock, from reading it to recording what was sent).
 */
#define NOTIFY_LOCK_WAIT_MS (120 * 1000)

/*
 * The default state file of --cooldown for the PATH `arg`: ALERTSTATE_FILE
 * in its parent directory (beside a run directory, so that each week's
 * directory finds the last one's).  The caller frees it; NULL for "-"
 * (stdin has no directory).
 */
char *notify_state_beside(const char *arg);

/*
 * The webhook URL: from the file --webhook-file names (- for stdin),
 * else from SLACK_WEBHOOK_URL; blanks around it trimmed, checked with
 * slack_url_check().  Returns it (the caller wipes and frees it) and sets
 * *what to its source for messages, or returns NULL after an error that
 * never shows it.
 */
char *notify_webhook(const struct notify *n, const char **what);

/* One period, summed by project (or team) and status. */
struct notify_side {
	struct report_result res;	/* by project, status */
	struct report_result proj;	/* by project */
	dec_t waste;			/* credits on failed runs */
	int have;
};

/*
 * The message, and what it is made from.  The pointers of `msg` point
 * into this struct and into the struct notify it was built from: keep
 * both until notify_result_release().
 */
struct notify_result {
	struct notify_side cur, prev;
	int have_prev;		/* a previous period was given */
	struct report_opts po;	/* the compare's keys: project or team */
	struct compare cmp;
	int have_cmp;
	size_t *order;		/* cmp.rows, as the message lists them */
	struct slack_project *projects;	/* current ones first (ncur) */
	struct alert_project *aprojects;
	size_t ncur;
	struct alert_facts facts;
	struct alert_outcome *outcomes;	/* one per rule (nrules) */
	struct slack_alert *alerts;
	size_t nrules;
	size_t fired;		/* rules that fired (and were not held) */
	size_t held;		/* rules --cooldown held back whole */
	char period[64], prev_period[64];
	struct slack_msg msg;
	/* the budgets at the period's end (when a rule needs them) */
	struct budget_calc calc;
	int have_calc;
	struct report_result bres;
	int have_bres;
	struct alert_budget *abudgets;
	/* the anomalies of the days that end with it (likewise) */
	struct anomaly_run arun;
	struct report_opts ao;
	struct report_result ares;
	int have_ares;
	struct anomaly_list alist;
	int have_alist;
	struct alert_anomaly *aanomalies;
	/* --cooldown: the alerts sent before, and those this message sends */
	int64_t now_ms;
	struct alertstate state;
	struct alertstate sent;
};

/*
 * Read both periods, compare them, read the budgets and anomalies if a
 * rule needs them, evaluate the rules, hold back what --cooldown says was
 * sent lately (the state read from n->state or the database) and make the
 * message; then say on stderr (notice(), warning()) which rules fired,
 * were held back or could not be evaluated.  Returns 0, or an exit code
 * after an error (EXIT_BAD_INPUT for a state that is not ours: it is never
 * taken as empty); either way release r with notify_result_release().
 */
int notify_build(const struct notify *n, struct notify_result *r);
void notify_result_release(struct notify_result *r);

/*
 * After the message was posted: record the alerts it sent (r->sent) in
 * the state, as sent at r->now_ms, and drop those sent more than
 * ALERTSTATE_KEEP_MS before; the file is read again first, so that what
 * another run added meanwhile is kept.  Nothing to do without --cooldown
 * or when nothing was sent.  Returns 0, or -1 after an error naming the
 * file or the database.
 */
int notify_record(const struct notify *n, const struct notify_result *r);

/* The message as a Block Kit payload (slack_payload(); caller frees). */
char *notify_payload(const struct notify_result *r);

#endif
