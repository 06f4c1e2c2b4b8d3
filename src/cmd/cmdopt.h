/*
 * cmdopt.h: the option layer.  Every option is declared once, in the
 * table of cmdopt_table.c (its long name, short letter, argument, kind,
 * help and completions); a command lists the ones it takes in a struct
 * cmdopt_cmd, as tmux's cmd_entry lists its getopt letters.  From that
 * list come its parsing (cmdopt_next), its --help (cmdopt_help), the
 * man page's check and the bash and zsh completions (cmdopt_dump).
 *
 * The options every reader of exports shares (--by, the dates and
 * filters, --format, -o, --credit-price, --db, --teams, --top, --csv-safe,
 * --threads, --strict, --keep-duplicates, --help) are parsed here, into
 * struct cmdopt, with one message per mistake; a command sees only its own
 * options, each value already checked against its kind.
 */
#ifndef CU_CMDOPT_H
#define CU_CMDOPT_H

#include <getopt.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "dec.h"
#include "grid.h"
#include "inputs.h"
#include "report.h"
#include "teams.h"
#include "util.h"
#include "view.h"

/* The price of one credit in USD when --credit-price is not given. */
#define CMDOPT_CREDIT_PRICE "0.0006"

/* --last's help where it sets an export's range (export, run) */
#define CMDOPT_LAST_RANGE "the last N complete UTC days, ISO weeks or " \
	"months (default: the last 7 complete days)"

/* Every option of every command: cmdopt_table.c declares each one. */
enum cmdopt_id {
	CO_NONE = 0,
	CO_HEADING,		/* in a command's list: a --help heading */
	/* shared by the readers: cmdopt_next() handles them */
	CO_BY, CO_TEAMS, CO_SINCE, CO_UNTIL, CO_LAST, CO_PROJECT,
	CO_BRANCH, CO_STATUS, CO_TOP, CO_CSV_SAFE, CO_FORMAT, CO_OUTPUT,
	CO_CREDIT_PRICE, CO_STRICT, CO_KEEP_DUPLICATES, CO_THREADS, CO_DB,
	CO_HELP,
	/* a command's own: cmdopt_next() returns them */
	CO_SORT, CO_WIDTH, CO_HEIGHT, CO_TITLE, CO_WASTE_STATUSES,
	CO_MIN_RUNS, CO_OVER_BELOW, CO_UNDER_FROM, CO_UNDER, CO_OVER,
	CO_RATES, CO_QUIET, CO_SHARED_COSTS, CO_MIN_CHANGE,
	CO_PREVIOUS_SINCE, CO_PREVIOUS_UNTIL, CO_BEFORE,
	CO_DAYS, CO_AT, CO_WEEKS, CO_THRESHOLD, CO_MIN_EXCESS, CO_BUDGETS,
	CO_GRAIN, CO_FOCUS,
	/* those of export, run, html and notify */
	CO_ORG, CO_SHARED_ORG, CO_START, CO_END, CO_API_URL,
	CO_TOKEN_FILE, CO_POLL_INTERVAL, CO_TIMEOUT, CO_PARALLEL,
	CO_MAX_PART_SIZE, CO_FORCE, CO_VERBOSE, CO_JSON, CO_FROM,
	CO_COMPARE, CO_PREVIOUS_FROM, CO_EXPORT_DIR, CO_PREVIOUS,
	CO_RIGHTSIZE, CO_ALERT, CO_ONLY_ON_ALERT, CO_FAIL_ON_ALERT,
	CO_DRY_RUN, CO_WEBHOOK_FILE, CO_LIST_BY, CO_LINK, CO_NAMES,
	CO_COOLDOWN, CO_STATE,
	/* notify's metrics targets (pushgateway, datadog) */
	CO_URL, CO_JOB, CO_API_KEY_FILE, CO_TAGS, CO_BATCH_BYTES,
	CO_COUNT
};

/* How a value is checked; a bad one is "--NAME: expected <expect>". */
enum cmdopt_kind {
	CO_K_FLAG,		/* no argument */
	CO_K_TEXT,		/* any text: value.str */
	CO_K_COUNT,		/* 1 to 1000000000: value.num */
	CO_K_DATE,		/* YYYY-MM-DD: value.day */
	CO_K_AMOUNT,		/* a decimal of at least 0: value.dec */
	CO_K_PCT,		/* a decimal from 0 to 100: value.dec */
	CO_K_PIXELS,		/* CHART_SIZE_MIN to CHART_SIZE_MAX: value.num */
	CO_K_THREADS,		/* 1 to 64: value.num */
	CO_K_LAST,		/* 7d, 4w, 3mo */
	CO_K_LIST,		/* comma-separated, none empty: value.str */
	CO_K_DURATION,		/* 90s, 30m, 4h, more than 0: value.secs */
	CO_K_SECONDS,		/* more than 0, at most 3600: value.secs */
	CO_K_SIZE		/* 500M, 16G, at most 1 PiB: value.num */
};

#define CO_REPEAT 0x1		/* may be given more than once */
#define CO_HIDDEN 0x2		/* an old name: not in --help */

struct cmdopt_def {
	const char *name;	/* the long name, without its dashes */
	char letter;		/* the short option, or 0 */
	const char *arg;	/* the argument's name; NULL for a flag */
	enum cmdopt_kind kind;
	const char *expect;	/* what a bad value is told it should be */
	const char *help;	/* --help's text, one paragraph (wrapped) */
	const char *values;	/* completion words, or NULL: files (or none
				 * for a flag) */
	unsigned flags;		/* CO_REPEAT, CO_HIDDEN */
	enum cmdopt_id alias_of;	/* CO_HIDDEN: the new name, or 0 */
};

/* The table, indexed by enum cmdopt_id. */
extern const struct cmdopt_def cmdopt_table[CO_COUNT];

/*
 * One entry of a command's list: an option, with the command's own
 * wording of its help and name of its argument where the table's do not
 * fit (NULL: the table's); or a heading (CO_HEADING, help its text).  The
 * list ends with CO_NONE.
 */
struct cmdopt_use {
	enum cmdopt_id id;
	const char *help;
	const char *arg;
};
#define CMDOPT(id) { id, NULL, NULL }
#define CMDOPT_HELP(id, help) { id, help, NULL }
#define CMDOPT_ARG(id, help, arg) { id, help, arg }
#define CMDOPT_HEADING(text) { CO_HEADING, text, NULL }
/* the filters every reader takes, the options of its input, and the end
 * of a list (--help, which every command takes) */
#define CMDOPT_FILTERS CMDOPT(CO_SINCE), CMDOPT(CO_UNTIL), CMDOPT(CO_LAST), \
	CMDOPT(CO_PROJECT), CMDOPT(CO_BRANCH), CMDOPT(CO_STATUS)
#define CMDOPT_INPUT CMDOPT(CO_STRICT), CMDOPT(CO_KEEP_DUPLICATES), \
	CMDOPT(CO_THREADS)
#define CMDOPT_END CMDOPT(CO_HELP), { CO_NONE, NULL, NULL }

#define CMDOPT_CHARTS 0x1	/* --format takes png and svg too */
#define CMDOPT_DB_TARGET 0x2	/* --db is where PATHs go (ingest), not
				 * what is read instead of them */
#define CMDOPT_METRICS 0x4	/* --format takes openmetrics too, and -o
				 * FILE.prom asks for it (report) */

/* A command's options and its --help around them. */
struct cmdopt_cmd {
	const char *name;
	const char *summary;	/* one line for `circleci-usage --help` */
	const char *usage;	/* the usage lines and what it does */
	const struct cmdopt_use *opts;
	const char *epilog;	/* after the options, or NULL */
	const char *operands;	/* completions of the first operand, or
				 * NULL: files */
	unsigned flags;		/* CMDOPT_CHARTS, CMDOPT_DB_TARGET */
};

/* What a --format or an output name asks for. */
enum cmdopt_chart { CMDOPT_NO_CHART, CMDOPT_PNG, CMDOPT_SVG };

/* The value of the option cmdopt_next() returned, as its kind reads it. */
struct cmdopt_value {
	const char *str;	/* as given */
	unsigned long long num;
	dec_t dec;
	int32_t day;
	double secs;
};

/*
 * What the shared options set.  cmdopt_init() fills in the defaults:
 * --credit-price CMDOPT_CREDIT_PRICE, --top 0 (none), format csv; `ro`,
 * the engine's options that --by, the dates, the filters, --csv-safe,
 * --strict, --keep-duplicates and --threads set, is the caller's (a
 * workflow's own, as html's page), or &o when cmdopt_init() is given
 * NULL: never NULL.
 */
struct cmdopt {
	const struct cmdopt_cmd *cmd;
	struct report_opts *ro;
	const char *output, *db, *teams_path, *last;
	const char *by;		/* --by as given, or NULL */
	enum view_format fmt;
	enum cmdopt_chart chart;
	int metrics;		/* --format openmetrics, or -o FILE.prom */
	int have_fmt;
	unsigned long long top;
	dec_t price;
	const char *price_text;	/* as given, or CMDOPT_CREDIT_PRICE */
	struct teams *teams;	/* --teams, loaded at the end of the options */
	struct report_opts o;	/* the engine's options, when ro is not the
				 * caller's: ro is &o */
	struct inputs in;	/* a reader's PATHs (cmdopt_inputs) */
	int names;		/* --names */
	int status;		/* the exit code when cmdopt_next() stops */
	/* the parser's */
	struct option *longopts;
	char shortopts[16];
};

void cmdopt_init(struct cmdopt *co, const struct cmdopt_cmd *cmd,
    struct report_opts *ro);

/*
 * The next option of argv that is the command's own: returns its id, with
 * its checked value in *val.  The shared ones are handled on the way.
 * Returns CO_NONE at the first operand (optind is getopt's), once what
 * the options ask together is settled: --last turned into --since and
 * --until, --since not after --until, the teams file loaded (--teams,
 * else $CIRCLECI_USAGE_TEAMS) when the command takes --teams, the format
 * that -o's name asks for (else table on a terminal, csv otherwise).  Or
 * -1 when the command is to stop with co->status: EXIT_OK after --help
 * printed the help on stdout, EXIT_USAGE after a usage error.
 */
int cmdopt_next(struct cmdopt *co, int argc, char **argv,
    struct cmdopt_value *val);

/*
 * The operands of a reader: none with --db, at least one without; each
 * added to `in` (co->in for a reader that reads with cmdopt_read()).
 * Returns 0, EXIT_USAGE or EXIT_BAD_INPUT after the error.
 */
int cmdopt_inputs(struct cmdopt *co, int argc, char **argv,
    struct inputs *in);

/*
 * The job runs a reader asked for, summed as co->ro says: from the
 * history database (--db), else from co->in.  res is initialized (to be
 * released) either way.  Returns 0, or an exit code after the error.
 */
int cmdopt_read(const struct cmdopt *co, struct report_result *res);

/*
 * With a `user` key in co->ro: show res's user IDs as login names
 * (users.h), from the cache beside the inputs (export directories'
 * users.json, or the --db database's users table); with --names and a
 * token, the missing ones asked of the API and cached.  Problems are
 * warnings: the IDs stay.  cmdopt_read() calls it.
 */
void cmdopt_names(const struct cmdopt *co, struct report_result *res);

struct users;
/*
 * cmdopt_names() for `compare`'s two results: the names cached in u (the
 * sides' directories', loaded by the caller) and the --db database's,
 * shown in both alike, so that their groups still pair.  No look-up.
 */
void cmdopt_names_pair(const struct cmdopt *co, struct users *u,
    struct report_result *prev, struct report_result *cur);

/* Where and how a table goes: -o, --format, --top and --csv-safe. */
void cmdopt_grid_out(const struct cmdopt *co, struct grid_out *dst);

/* Free what cmdopt_init() and the parsing made (the teams and co->in too). */
void cmdopt_release(struct cmdopt *co);

/* Print the command's --help to f. */
void cmdopt_help(const struct cmdopt_cmd *cmd, FILE *f);

/*
 * The option table of the commands, one tab-separated record a line, for
 * the completion generator and the tests (`circleci-usage --dump-options`):
 *   command NAME SUMMARY OPERANDS
 *   option COMMAND --LONG -S ARG FLAGS VALUES
 * with - for an empty field; FLAGS is a comma-separated list of repeat,
 * hidden (then the last field names the new option) or -.
 */
void cmdopt_dump(const struct cmdopt_cmd *cmd, FILE *f);


/*
 * The one usage error: "circleci-usage: CMD: <message>" and the --help
 * hint on stderr.  Returns EXIT_USAGE, so that callers can write `return
 * cmdopt_usage(...)`.  Text in the message is printed escaped.
 */
int cmdopt_usage(const char *cmd, const char *fmt, ...) CU_PRINTF(2, 3);

/* The hint alone, after an error printed elsewhere.  Returns EXIT_USAGE. */
int cmdopt_hint(const char *cmd);

/*
 * The --teams file of a command: `path`, else $CIRCLECI_USAGE_TEAMS when
 * set and not empty, else none (*out NULL).  Returns 0, or EXIT_USAGE
 * after the error (a malformed teams file is a usage error, as a bad
 * option value is).  Free *out with teams_free().
 */
int cmdopt_teams(const char *path, struct teams **out);

/*
 * Append each value of a comma-separated list to *list (copied; the
 * caller frees them).  Returns 0, or -1 on an empty value.
 */
int cmdopt_list(char ***list, size_t *n, const char *arg);

/* table, csv, json, markdown (or md).  Returns 0, or -1. */
int cmdopt_format(const char *s, enum view_format *fmt);

/* The format an output name asks for (.csv .json .md .txt), or -1. */
int cmdopt_format_from_name(const char *path, enum view_format *fmt);

#endif
