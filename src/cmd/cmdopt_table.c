/*
 * cmdopt_table.c: every option of every command, declared once (cmdopt.h),
 * and the option lists of the commands whose parsers do not use it yet.
 * --help, the completions and the man page's check all come from here:
 * an option is added here first, then to the lists of the commands that
 * take it, then to doc/circleci-usage.1 (tests/e2e/options.py checks).
 */
#include "cmdopt.h"

#include <string.h>

#include "failures.h"

#define WASTE_HELP "the JOB_BUILD_STATUS values of failed runs, any case " \
	"(default " FAILURES_WASTE ")"
#define BY_KEYS "project workflow job job_name branch resource_class " \
	"executor os status org trigger user day week month team"
#define COUNT "a whole number of at least 1"
#define DATE "a date YYYY-MM-DD"
#define STATUSES "a comma-separated list of statuses"

const struct cmdopt_def cmdopt_table[CO_COUNT] = {
	[CO_BY] = { "by", 0, "KEY[,KEY...]", CO_K_TEXT, NULL,
	    "group by: project (default), workflow, job, job_name (across "
	    "projects), branch, resource_class, executor, os, status, org, "
	    "trigger, user, day, week, month; team with --teams", BY_KEYS, 0,
	    0 },
	[CO_TEAMS] = { "teams", 0, "FILE", CO_K_TEXT, NULL,
	    "the teams file (YAML) that maps projects to teams, for --by team "
	    "(default $CIRCLECI_USAGE_TEAMS)", NULL, 0, 0 },
	[CO_SINCE] = { "since", 0, "DATE", CO_K_DATE, DATE,
	    "only job runs on or after DATE (YYYY-MM-DD)", NULL, 0, 0 },
	[CO_UNTIL] = { "until", 0, "DATE", CO_K_DATE, DATE,
	    "only job runs on or before DATE", NULL, 0, 0 },
	[CO_LAST] = { "last", 0, "N{d|w|mo}", CO_K_LAST,
	    "a count and a unit such as 7d, 4w or 3mo",
	    "only the last N complete UTC days, ISO weeks or months before "
	    "now (instead of --since and --until)", NULL, 0, 0 },
	[CO_PROJECT] = { "project", 0, "GLOB", CO_K_TEXT, NULL,
	    "only projects matching GLOB (repeatable)", NULL, CO_REPEAT, 0 },
	[CO_BRANCH] = { "branch", 0, "GLOB", CO_K_TEXT, NULL,
	    "only branches matching GLOB (repeatable)", NULL, CO_REPEAT, 0 },
	[CO_STATUS] = { "status", 0, "LIST", CO_K_LIST, STATUSES,
	    "only these JOB_BUILD_STATUS values (repeatable), e.g. --status "
	    "failed,canceled", NULL, CO_REPEAT, 0 },
	[CO_TOP] = { "top", 0, "N", CO_K_COUNT, COUNT,
	    "keep the first N groups, fold the rest into (other)", NULL, 0,
	    0 },
	[CO_CSV_SAFE] = { "csv-safe", 0, NULL, CO_K_FLAG, NULL,
	    "in CSV, prefix text that starts with = + - @ (a formula to a "
	    "spreadsheet) with '", NULL, 0, 0 },
	[CO_FORMAT] = { "format", 0, "FMT", CO_K_TEXT, NULL,
	    "table (default on a terminal), csv (default otherwise), json, "
	    "markdown", "table csv json markdown", 0, 0 },
	[CO_OUTPUT] = { "output", 'o', "FILE", CO_K_TEXT, NULL,
	    "write to FILE (atomically) instead of stdout; the format "
	    "follows its extension when not given", NULL, 0, 0 },
	[CO_CREDIT_PRICE] = { "credit-price", 0, "USD", CO_K_AMOUNT,
	    "a price in USD such as " CMDOPT_CREDIT_PRICE,
	    "price of one credit for cost_usd (default " CMDOPT_CREDIT_PRICE
	    ")", NULL, 0, 0 },
	[CO_STRICT] = { "strict", 0, NULL, CO_K_FLAG, NULL,
	    "a bad row or value is an error, not a warning", NULL, 0, 0 },
	[CO_KEEP_DUPLICATES] = { "keep-duplicates", 0, NULL, CO_K_FLAG,
	    NULL, "count every row, even a job run seen before", NULL, 0, 0 },
	[CO_THREADS] = { "threads", 0, "N", CO_K_THREADS,
	    "a number from 1 to 64", "reader threads (default: one per core)",
	    NULL, 0, 0 },
	[CO_DB] = { "db", 0, "FILE", CO_K_TEXT, NULL,
	    "answer from the history database, a file or a PostgreSQL URI, "
	    "instead of PATHs (- for the default one; see ingest)", NULL, 0,
	    0 },
	[CO_HELP] = { "help", 'h', NULL, CO_K_FLAG, NULL, "show this help",
	    NULL, 0, 0 },

	[CO_SORT] = { "sort", 0, "METRIC", CO_K_TEXT, NULL,
	    "sort by a metric, largest first (default total_credits), or by "
	    "a key column, ascending", "jobs run_seconds compute_credits "
	    "dlc_credits user_credits storage_credits network_credits "
	    "lease_credits lease_overage_credits ipranges_credits "
	    "total_credits cost_usd share_pct", 0, 0 },
	[CO_WIDTH] = { "width", 0, "PIXELS", CO_K_PIXELS,
	    "a number of pixels from 240 to 8192",
	    "the chart's width (default 1200, 240 to 8192)", NULL, 0, 0 },
	[CO_HEIGHT] = { "height", 0, "PIXELS", CO_K_PIXELS,
	    "a number of pixels from 240 to 8192",
	    "the chart's height (default 700, 240 to 8192)", NULL, 0, 0 },
	[CO_TITLE] = { "title", 0, "TEXT", CO_K_TEXT, NULL, "the title",
	    NULL, 0, 0 },
	[CO_WASTE_STATUSES] = { "waste-statuses", 0, "LIST", CO_K_LIST,
	    STATUSES, WASTE_HELP, NULL, 0, 0 },
	[CO_MIN_RUNS] = { "min-runs", 0, "N", CO_K_COUNT, COUNT,
	    "runs with utilization a group needs (default 10)", NULL, 0, 0 },
	[CO_OVER_BELOW] = { "over-below", 0, "PCT", CO_K_PCT,
	    "a percentage from 0 to 100",
	    "the verdict is over (over-provisioned) when the medians of "
	    "MAX_CPU and MAX_RAM are both below PCT (default 40)", NULL, 0,
	    0 },
	[CO_UNDER_FROM] = { "under-from", 0, "PCT", CO_K_PCT,
	    "a percentage from 0 to 100",
	    "the verdict is under (under-provisioned) when either median is "
	    "PCT or more (default 90)", NULL, 0, 0 },
	[CO_UNDER] = { "under", 0, "PCT", CO_K_PCT,
	    "a percentage from 0 to 100", "the old name of --over-below",
	    NULL, CO_HIDDEN, CO_OVER_BELOW },
	[CO_OVER] = { "over", 0, "PCT", CO_K_PCT,
	    "a percentage from 0 to 100", "the old name of --under-from",
	    NULL, CO_HIDDEN, CO_UNDER_FROM },
	[CO_RATES] = { "rates", 0, "FILE", CO_K_TEXT, NULL,
	    "credit rates and next smaller classes (default: the "
	    "compiled-in resource-classes.tsv)", NULL, 0, 0 },
	[CO_QUIET] = { "quiet", 0, NULL, CO_K_FLAG, NULL, "errors only",
	    NULL, 0, 0 },
	[CO_SHARED_COSTS] = { "shared-costs", 0, "MODE", CO_K_TEXT, NULL,
	    "proportional (default: by each team's credits), even (the same "
	    "to each team), or none (a row of their own, (shared))",
	    "proportional even none", 0, 0 },
	[CO_MIN_CHANGE] = { "min-change", 0, "CREDITS", CO_K_AMOUNT,
	    "credits of at least 0 such as 100 or 0.5",
	    "hide groups whose credits changed by less than CREDITS, either "
	    "way", NULL, 0, 0 },
	[CO_PREVIOUS_SINCE] = { "previous-since", 0, "DATE", CO_K_DATE,
	    DATE, "with --db: the previous period's first day", NULL, 0, 0 },
	[CO_PREVIOUS_UNTIL] = { "previous-until", 0, "DATE", CO_K_DATE,
	    DATE, "with --db: the previous period's last day", NULL, 0, 0 },
	[CO_BEFORE] = { "before", 0, "DATE", CO_K_DATE, DATE,
	    "prune: keep job runs on or after DATE", NULL, 0, 0 },
	[CO_DAYS] = { "days", 0, "N", CO_K_COUNT, COUNT,
	    "examine the N days ending at --at (default 7)", NULL, 0, 0 },
	[CO_AT] = { "at", 0, "DATE", CO_K_DATE, DATE,
	    "the day taken as today (default: today, UTC): the days "
	    "counted end the day before, the last complete one", NULL, 0,
	    0 },
	[CO_WEEKS] = { "weeks", 0, "K", CO_K_COUNT, COUNT,
	    "the baseline: the same weekday in the K weeks before (default "
	    "4, at most 52)", NULL, 0, 0 },
	[CO_THRESHOLD] = { "threshold", 0, "SCORE", CO_K_AMOUNT,
	    "a score of at least 0 such as 4 or 2.5",
	    "a spike's score reaches SCORE: (credits - baseline) / spread "
	    "(default 4)", NULL, 0, 0 },
	[CO_MIN_EXCESS] = { "min-excess", 0, "CREDITS", CO_K_AMOUNT,
	    "credits of at least 0 such as 500 or 0.5",
	    "a spike's or a new group's credits above baseline reach "
	    "CREDITS; a stopped group's baseline too (default 500)", NULL, 0,
	    0 },
	[CO_BUDGETS] = { "budgets", 0, "FILE", CO_K_TEXT, NULL,
	    "the budgets file (YAML; default $CIRCLECI_USAGE_BUDGETS)", NULL,
	    0, 0 },
	[CO_GRAIN] = { "grain", 0, "GRAIN", CO_K_TEXT, NULL,
	    "one charge per job run and credit kind (job, the default), or "
	    "per project, resource class, day and credit kind (day)",
	    "job day", 0, 0 },
	[CO_FOCUS] = { "focus", 0, NULL, CO_K_FLAG, NULL,
	    "also write focus.csv, the usage as a FOCUS 1.2 dataset (as "
	    "`focus`, one charge per job run and credit kind)", NULL, 0, 0 },

	[CO_ORG] = { "org", 0, "ID", CO_K_TEXT, NULL,
	    "organization ID (else ORG_ID, else CIRCLE_ORGANIZATION_ID)",
	    NULL, 0, 0 },
	[CO_SHARED_ORG] = { "shared-org", 0, "ID", CO_K_TEXT, NULL,
	    "also include this shared org (repeatable)", NULL, CO_REPEAT,
	    0 },
	[CO_START] = { "start", 0, "DATE", CO_K_TEXT, NULL,
	    "YYYY-MM-DD (00:00:00Z) or RFC 3339 (else START_DATE)", NULL, 0,
	    0 },
	[CO_END] = { "end", 0, "DATE", CO_K_TEXT, NULL,
	    "YYYY-MM-DD (23:59:59Z) or RFC 3339 (else END_DATE); both "
	    "inclusive", NULL, 0, 0 },
	[CO_API_URL] = { "api-url", 0, "URL", CO_K_TEXT, NULL,
	    "API base (else CIRCLECI_API_URL, else "
	    "https://circleci.com/api/v2); no user:password@ and no query "
	    "string in it", NULL, 0, 0 },
	[CO_TOKEN_FILE] = { "token-file", 0, "PATH", CO_K_TEXT, NULL,
	    "read the API token from PATH (- for stdin); else "
	    "CIRCLECI_API_TOKEN, CIRCLECI_TOKEN, CIRCLE_TOKEN", NULL, 0, 0 },
	[CO_POLL_INTERVAL] = { "poll-interval", 0, "SECS", CO_K_SECONDS,
	    "seconds, more than 0 and at most 3600",
	    "first wait between polls (default 5; doubles to 60)", NULL, 0,
	    0 },
	[CO_TIMEOUT] = { "timeout", 0, "DURATION", CO_K_DURATION,
	    "a duration such as 90s, 30m or 4h",
	    "give up after 90s, 30m, 4h ... (default 4h)", NULL, 0, 0 },
	[CO_PARALLEL] = { "parallel", 0, "N", CO_K_THREADS,
	    "a number from 1 to 64",
	    "downloads at once (default 4)", NULL, 0, 0 },
	[CO_MAX_PART_SIZE] = { "max-part-size", 0, "SIZE", CO_K_SIZE,
	    "a size such as 500M or 16G",
	    "refuse a part larger than SIZE, e.g. 500M or 16G (default 16G)",
	    NULL, 0, 0 },
	[CO_FORCE] = { "force", 0, NULL, CO_K_FLAG, NULL,
	    "start over, even if DIR holds an export", NULL, 0, 0 },
	[CO_VERBOSE] = { "verbose", 0, NULL, CO_K_FLAG, NULL,
	    "trace every request (never a secret)", NULL, 0, 0 },
	[CO_JSON] = { "json", 0, NULL, CO_K_FLAG, NULL,
	    "print the manifest on stdout at the end", NULL, 0, 0 },
	[CO_FROM] = { "from", 0, "DIR", CO_K_TEXT, NULL,
	    "use this export instead of exporting", NULL, 0, 0 },
	[CO_COMPARE] = { "compare", 0, NULL, CO_K_FLAG, NULL,
	    "also export the previous period and compare with it", NULL, 0,
	    0 },
	[CO_PREVIOUS_FROM] = { "previous-from", 0, "DIR", CO_K_TEXT, NULL,
	    "the previous period from this export (implies --compare)", NULL,
	    0, 0 },
	[CO_EXPORT_DIR] = { "export-dir", 0, "EDIR", CO_K_TEXT, NULL,
	    "export into EDIR/export and EDIR/previous instead of DIR", NULL,
	    0, 0 },
	[CO_PREVIOUS] = { "previous", 0, "PATH", CO_K_TEXT, NULL,
	    "the previous period's export (repeatable)", NULL, CO_REPEAT,
	    0 },
	[CO_RIGHTSIZE] = { "rightsize", 0, NULL, CO_K_FLAG, NULL,
	    "add a rightsizing section", NULL, 0, 0 },
	[CO_ALERT] = { "alert", 0, "EXPR", CO_K_TEXT, NULL,
	    "an alert rule, NAME OP NUMBER (repeatable)", NULL, CO_REPEAT,
	    0 },
	[CO_ONLY_ON_ALERT] = { "only-on-alert", 0, NULL, CO_K_FLAG, NULL,
	    "post only when a rule fires", NULL, 0, 0 },
	[CO_FAIL_ON_ALERT] = { "fail-on-alert", 0, NULL, CO_K_FLAG, NULL,
	    "exit 7 when a rule fired (after posting)", NULL, 0, 0 },
	[CO_DRY_RUN] = { "dry-run", 0, NULL, CO_K_FLAG, NULL,
	    "print the message's JSON payload, post nothing", NULL, 0, 0 },
	[CO_LIST_BY] = { "by", 0, "KEY", CO_K_TEXT, NULL,
	    "list projects (default) or teams (with --teams)",
	    "project team", 0, 0 },
	[CO_LINK] = { "link", 0, "URL", CO_K_TEXT, NULL,
	    "a link at the foot of the message, e.g. to the page (default "
	    "inside CircleCI: the job, $CIRCLE_BUILD_URL, whose Artifacts "
	    "tab has the run's files)", NULL, 0, 0 },
	[CO_NAMES] = { "names", 0, NULL, CO_K_FLAG, NULL,
	    "show login names for --by user: those cached in the export "
	    "directory's users.json (or the database) are always shown; "
	    "with a token (CIRCLECI_API_TOKEN), ask the API for the others "
	    "and cache them", NULL, 0, 0 },
	[CO_WEBHOOK_FILE] = { "webhook-file", 0, "PATH", CO_K_TEXT, NULL,
	    "read the webhook URL from PATH (- for stdin)", NULL, 0, 0 },
	[CO_COOLDOWN] = { "cooldown", 0, "DURATION", CO_K_DURATION,
	    "a duration such as 90m, 12h or 7d",
	    "send the same alert again only after DURATION (90m, 12h, 7d)",
	    NULL, 0, 0 },
	[CO_STATE] = { "state", 0, "FILE", CO_K_TEXT, NULL,
	    "where --cooldown keeps the alerts sent (default: "
	    ".circleci-usage-alerts.json beside the first PATH; with --db, "
	    "its alerts_sent table)", NULL, 0, 0 },
	[CO_URL] = { "url", 0, "URL", CO_K_TEXT, NULL,
	    "the Pushgateway's base URL (https, or http to a loopback "
	    "host; no user:password@, query or fragment)", NULL, 0, 0 },
	[CO_JOB] = { "job", 0, "NAME", CO_K_TEXT, NULL,
	    "the Pushgateway job the metrics are grouped under (default "
	    "circleci_usage)", NULL, 0, 0 },
	[CO_API_KEY_FILE] = { "api-key-file", 0, "PATH", CO_K_TEXT, NULL,
	    "read the Datadog API key from PATH (- for stdin); else "
	    "DD_API_KEY", NULL, 0, 0 },
	[CO_TAGS] = { "tags", 0, "K:V[,K:V...]", CO_K_LIST, NULL,
	    "tags added to every series, e.g. env:prod,team:platform "
	    "(lowercase; letters, digits, _ - : . /)", NULL, 0, 0 },
	[CO_BATCH_BYTES] = { "batch-bytes", 0, "N", CO_K_COUNT, COUNT,
	    "the largest payload in bytes, 1024 to 512000 (default "
	    "512000, the API's limit)", NULL, 0, 0 },
};
