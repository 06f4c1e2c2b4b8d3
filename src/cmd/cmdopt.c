/*
 * cmdopt.c: the option layer (cmdopt.h): a command's options parsed
 * against the table of cmdopt_table.c, the shared ones into struct
 * cmdopt; --help and the dump for the completions made from the same
 * table; the one usage error.
 */
#include "cmdopt.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "chart.h"
#include "date.h"
#include "db.h"
#include "range.h"

/* getopt_long's value for an option: its id, above any short letter */
#define CO_VAL_BASE 256
#define HELP_COLUMN 24		/* where --help's texts start */
#define HELP_WIDTH 79

int
cmdopt_usage(const char *cmd, const char *fmt, ...)
{
	char text[1024], msg[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	/* an option's value is quoted: shown escaped, on one line */
	str_escape(msg, sizeof(msg), text, strlen(text));
	fprintf(stderr, "%s: %s: %s\n", PROGRAM_NAME, cmd, msg);
	return cmdopt_hint(cmd);
}

int
cmdopt_hint(const char *cmd)
{
	fprintf(stderr, "Try '%s %s --help' for more information.\n",
	    PROGRAM_NAME, cmd);
	return EXIT_USAGE;
}

int
cmdopt_list(char ***list, size_t *n, const char *arg)
{
	const char *p = arg;

	for (;;) {
		const char *e = strchr(p, ',');
		size_t len = e ? (size_t)(e - p) : strlen(p);

		if (len == 0)
			return -1;
		*list = xreallocarray(*list, *n + 1, sizeof(**list));
		(*list)[(*n)++] = xstrndup(p, len);
		if (e == NULL)
			return 0;
		p = e + 1;
	}
}

/* Would cmdopt_list() take arg? */
static int
cmdopt_list_ok(const char *arg)
{
	size_t len = strlen(arg);

	return len > 0 && arg[0] != ',' && arg[len - 1] != ',' &&
	    strstr(arg, ",,") == NULL;
}

int
cmdopt_teams(const char *path, struct teams **out)
{
	*out = NULL;
	if (path == NULL) {
		path = getenv("CIRCLECI_USAGE_TEAMS");
		if (path == NULL || path[0] == '\0')
			return 0;
	}
	*out = teams_load(path);
	return *out == NULL ? EXIT_USAGE : 0;
}

/*
 * --format: a text format, or with charts png and svg too, or with metrics
 * openmetrics.
 */
static int
cmdopt_parse_format(const char *s, unsigned flags, enum view_format *fmt,
    enum cmdopt_chart *chart, int *metrics)
{
	int charts = (flags & CMDOPT_CHARTS) != 0;

	*chart = CMDOPT_NO_CHART;
	*metrics = 0;
	if ((flags & CMDOPT_METRICS) && strcmp(s, "openmetrics") == 0)
		*metrics = 1;
	else if (charts && strcmp(s, "png") == 0)
		*chart = CMDOPT_PNG;
	else if (charts && strcmp(s, "svg") == 0)
		*chart = CMDOPT_SVG;
	else
		return cmdopt_format(s, fmt);
	return 0;
}

int
cmdopt_format(const char *s, enum view_format *fmt)
{
	if (strcmp(s, "table") == 0)
		*fmt = FMT_TABLE;
	else if (strcmp(s, "csv") == 0)
		*fmt = FMT_CSV;
	else if (strcmp(s, "json") == 0)
		*fmt = FMT_JSON;
	else if (strcmp(s, "markdown") == 0 || strcmp(s, "md") == 0)
		*fmt = FMT_MARKDOWN;
	else
		return -1;
	return 0;
}

int
cmdopt_format_from_name(const char *path, enum view_format *fmt)
{
	if (str_endswith(path, ".csv"))
		*fmt = FMT_CSV;
	else if (str_endswith(path, ".json"))
		*fmt = FMT_JSON;
	else if (str_endswith(path, ".md"))
		*fmt = FMT_MARKDOWN;
	else if (str_endswith(path, ".txt"))
		*fmt = FMT_TABLE;
	else
		return -1;
	return 0;
}

/*
 * Check an option's value against its kind, into *val; the message of a
 * bad one names the option as given (an old name too).  Returns 0, or
 * EXIT_USAGE after the error.
 */
static int
cmdopt_check(const char *cmd, enum cmdopt_id id, const char *arg,
    struct cmdopt_value *val)
{
	const struct cmdopt_def *d = &cmdopt_table[id];
	int64_t start, stop;
	char *end;
	int ok = 1;

	memset(val, 0, sizeof(*val));
	val->str = arg;
	switch (d->kind) {
	case CO_K_FLAG:
	case CO_K_TEXT:
		break;
	case CO_K_COUNT:
		ok = parse_uint(arg, 1000000000, &val->num) == 0 &&
		    val->num > 0;
		break;
	case CO_K_THREADS:
		ok = parse_uint(arg, 64, &val->num) == 0 && val->num > 0;
		break;
	case CO_K_PIXELS:
		ok = parse_uint(arg, CHART_SIZE_MAX, &val->num) == 0 &&
		    val->num >= CHART_SIZE_MIN;
		break;
	case CO_K_DATE:
		ok = strlen(arg) == 10 && date_parse(arg, 10, &val->day) == 0;
		break;
	case CO_K_AMOUNT:
		ok = dec_parse(arg, strlen(arg), &val->dec) == 0 &&
		    val->dec >= 0;
		break;
	case CO_K_PCT:
		ok = dec_parse(arg, strlen(arg), &val->dec) == 0 &&
		    val->dec >= 0 && val->dec <= 100 * DEC_ONE;
		break;
	case CO_K_LAST:
		ok = range_parse_last(arg, range_now_ms(), &start, &stop) == 0;
		break;
	case CO_K_LIST:
		ok = cmdopt_list_ok(arg);
		break;
	case CO_K_DURATION:
		ok = range_parse_duration(arg, &val->secs) == 0 &&
		    val->secs > 0;
		break;
	case CO_K_SECONDS:
		val->secs = strtod(arg, &end);
		ok = end != arg && *end == '\0' && val->secs > 0 &&
		    val->secs <= 3600;
		break;
	case CO_K_SIZE:
		ok = parse_size(arg, 1ULL << 50, &val->num) == 0;
		break;
	}
	if (ok)
		return 0;
	return cmdopt_usage(cmd, "--%s: expected %s, got '%.100s'", d->name,
	    d->expect, arg);
}

/*
 * Apply a shared option.  Returns 0 when done, 1 when `id` is a command's
 * own, or -1 to stop with co->status.
 */
static int
cmdopt_shared(struct cmdopt *co, const char *cmd, enum cmdopt_id id,
    const struct cmdopt_value *val)
{
	struct report_opts *ro = co->ro;
	int charts = co->cmd != NULL && (co->cmd->flags & CMDOPT_CHARTS);

	switch (id) {
	case CO_BY:
		co->by = val->str;
		if (report_parse_by(ro, val->str) == 0)
			return 0;
		co->status = cmdopt_hint(cmd);
		return -1;
	case CO_SINCE:
		ro->since = val->day;
		return 0;
	case CO_UNTIL:
		ro->until = val->day;
		return 0;
	case CO_LAST:
		co->last = val->str;
		return 0;
	case CO_PROJECT:
		report_opts_push(&ro->projects, &ro->nprojects, val->str);
		return 0;
	case CO_BRANCH:
		report_opts_push(&ro->branches, &ro->nbranches, val->str);
		return 0;
	case CO_STATUS:
		cmdopt_list(&ro->statuses, &ro->nstatuses, val->str);
		return 0;
	case CO_STRICT:
		ro->strict = 1;
		return 0;
	case CO_KEEP_DUPLICATES:
		ro->keep_duplicates = 1;
		return 0;
	case CO_THREADS:
		ro->threads = (int)val->num;
		return 0;
	case CO_CSV_SAFE:
		ro->csv_safe = 1;
		return 0;
	case CO_TOP:
		co->top = val->num;
		return 0;
	case CO_FORMAT:
		if (cmdopt_parse_format(val->str, co->cmd->flags, &co->fmt,
		    &co->chart, &co->metrics) < 0) {
			co->status = cmdopt_usage(cmd, "--format: expected %s, "
			    "got '%.100s'", (co->cmd->flags & CMDOPT_METRICS) ?
			    "table, csv, json, markdown, png, svg or "
			    "openmetrics" : charts ? "table, csv, json, "
			    "markdown, png or svg" : "table, csv, json or "
			    "markdown", val->str);
			return -1;
		}
		co->have_fmt = 1;
		return 0;
	case CO_OUTPUT:
		co->output = val->str;
		return 0;
	case CO_CREDIT_PRICE:
		co->price = val->dec;
		co->price_text = val->str;
		return 0;
	case CO_DB:
		co->db = val->str;
		return 0;
	case CO_NAMES:
		co->names = 1;
		return 0;
	case CO_TEAMS:
		co->teams_path = val->str;
		return 0;
	case CO_HELP:
		cmdopt_help(co->cmd, stdout);
		co->status = EXIT_OK;
		return -1;
	default:
		return 1;
	}
}

void
cmdopt_init(struct cmdopt *co, const struct cmdopt_cmd *cmd,
    struct report_opts *ro)
{
	memset(co, 0, sizeof(*co));
	co->cmd = cmd;
	report_opts_init(&co->o);
	co->ro = ro != NULL ? ro : &co->o;
	co->fmt = FMT_CSV;
	inputs_init(&co->in);
	co->price_text = CMDOPT_CREDIT_PRICE;
	dec_parse(co->price_text, strlen(co->price_text), &co->price);
}

/* getopt_long's tables from the command's list. */
static void
cmdopt_getopt_tables(struct cmdopt *co)
{
	const struct cmdopt_use *u;
	size_t n = 0, k = 1;

	for (u = co->cmd->opts; u->id != CO_NONE; u++)
		n++;
	co->longopts = xcalloc(n + 1, sizeof(*co->longopts));
	co->shortopts[0] = ':';	/* a missing argument is ':', not '?' */
	n = 0;
	for (u = co->cmd->opts; u->id != CO_NONE; u++) {
		const struct cmdopt_def *d = &cmdopt_table[u->id];

		if (u->id == CO_HEADING)
			continue;
		co->longopts[n].name = d->name;
		co->longopts[n].has_arg = d->arg != NULL ? required_argument :
		    no_argument;
		co->longopts[n].val = CO_VAL_BASE + (int)u->id;
		n++;
		if (d->letter != 0 && k + 2 < sizeof(co->shortopts)) {
			co->shortopts[k++] = d->letter;
			if (d->arg != NULL)
				co->shortopts[k++] = ':';
		}
	}
}

/* The id of a short option of the command, or CO_NONE. */
static enum cmdopt_id
cmdopt_letter(const struct cmdopt_cmd *cmd, int c)
{
	const struct cmdopt_use *u;

	for (u = cmd->opts; u->id != CO_NONE; u++)
		if (u->id != CO_HEADING && cmdopt_table[u->id].letter == c)
			return u->id;
	return CO_NONE;
}

/* getopt_long's complaint, in our words: `word` is the argument given. */
static int
cmdopt_bad_option(const struct cmdopt *co, int c, const char *word)
{
	const char *cmd = co->cmd->name;
	size_t len = strcspn(word, "="), i, matches = 0;

	if (optopt >= CO_VAL_BASE && c == ':')
		return cmdopt_usage(cmd, "option '--%s' requires an argument",
		    cmdopt_table[optopt - CO_VAL_BASE].name);
	if (c == ':')
		return cmdopt_usage(cmd, "option '-%c' requires an argument",
		    optopt);
	if (optopt >= CO_VAL_BASE)
		return cmdopt_usage(cmd, "option '--%s' doesn't allow an "
		    "argument", cmdopt_table[optopt - CO_VAL_BASE].name);
	if (optopt != 0)
		return cmdopt_usage(cmd, "unrecognized option '-%c'", optopt);
	for (i = 0; co->longopts[i].name != NULL && len > 2; i++)
		if (strncmp(co->longopts[i].name, word + 2, len - 2) == 0)
			matches++;
	if (matches > 1)
		return cmdopt_usage(cmd, "option '%.*s' is ambiguous",
		    (int)len, word);
	return cmdopt_usage(cmd, "unrecognized option '%.*s'", (int)len,
	    word);
}

static int cmdopt_finish(struct cmdopt *co);

int
cmdopt_next(struct cmdopt *co, int argc, char **argv,
    struct cmdopt_value *val)
{
	const char *cmd = co->cmd->name;
	enum cmdopt_id id;
	int c, ret;

	if (co->longopts == NULL) {
		cmdopt_getopt_tables(co);
		optind = 0;	/* a new argv: getopt starts over */
	}
	for (;;) {
		/* our messages, not getopt's; others' parsers keep theirs */
		opterr = 0;
		c = getopt_long(argc, argv, co->shortopts, co->longopts, NULL);
		opterr = 1;
		memset(val, 0, sizeof(*val));
		if (c == -1)
			return (co->status = cmdopt_finish(co)) != 0 ? -1 :
			    CO_NONE;
		if (c == '?' || c == ':') {
			co->status = cmdopt_bad_option(co, c,
			    argv[optind - 1]);
			return -1;
		}
		id = c >= CO_VAL_BASE ? (enum cmdopt_id)(c - CO_VAL_BASE) :
		    cmdopt_letter(co->cmd, c);
		if (cmdopt_table[id].arg != NULL &&
		    (co->status = cmdopt_check(cmd, id, optarg, val)) != 0)
			return -1;
		if (cmdopt_table[id].alias_of != CO_NONE) {
			warning("%s: --%s is deprecated: use --%s", cmd,
			    cmdopt_table[id].name,
			    cmdopt_table[cmdopt_table[id].alias_of].name);
			id = cmdopt_table[id].alias_of;
		}
		ret = cmdopt_shared(co, cmd, id, val);
		if (ret != 0)
			return ret == 1 ? (int)id : -1;
	}
}

/* Does the command take the option? */
static int
cmdopt_takes(const struct cmdopt_cmd *cmd, enum cmdopt_id id)
{
	const struct cmdopt_use *u;

	for (u = cmd->opts; u->id != CO_NONE; u++)
		if (u->id == id)
			return 1;
	return 0;
}

/*
 * After the options: --last turned into --since and --until, the
 * checks between options (--since after --until), the teams file loaded
 * (--teams, else $CIRCLECI_USAGE_TEAMS) when the command takes --teams,
 * and the format that -o's name asks for, else table on a terminal and
 * csv otherwise.  Returns 0, or EXIT_USAGE after the error.
 */
static int
cmdopt_finish(struct cmdopt *co)
{
	const char *cmd = co->cmd->name;
	struct report_opts *ro = co->ro;
	int64_t start, end;
	int ret;

	if (co->last != NULL) {
		if (ro->since != INT32_MIN || ro->until != INT32_MAX)
			return cmdopt_usage(cmd, "--last cannot be combined "
			    "with --since or --until");
		range_parse_last(co->last, range_now_ms(), &start, &end);
		ro->since = (int32_t)(start / MS_PER_DAY);
		ro->until = (int32_t)(end / MS_PER_DAY);
	}
	if (ro->since > ro->until)
		return cmdopt_usage(cmd, "--since is after --until");
	if (cmdopt_takes(co->cmd, CO_TEAMS)) {
		if ((ret = cmdopt_teams(co->teams_path, &co->teams)) != 0)
			return ret;
		ro->teams = co->teams;
	}
	if (co->have_fmt || !cmdopt_takes(co->cmd, CO_FORMAT))
		return 0;
	if (co->output == NULL || strcmp(co->output, "-") == 0) {
		co->fmt = isatty(STDOUT_FILENO) ? FMT_TABLE : FMT_CSV;
	} else if (cmdopt_format_from_name(co->output, &co->fmt) < 0 &&
	    (co->cmd->flags & CMDOPT_CHARTS)) {
		if (str_endswith(co->output, ".png"))
			co->chart = CMDOPT_PNG;
		else if (str_endswith(co->output, ".svg"))
			co->chart = CMDOPT_SVG;
		else if ((co->cmd->flags & CMDOPT_METRICS) &&
		    str_endswith(co->output, ".prom"))
			co->metrics = 1;
	}
	return 0;
}

int
cmdopt_inputs(struct cmdopt *co, int argc, char **argv, struct inputs *in)
{
	const char *cmd = co->cmd->name;
	int i;

	if (co->db != NULL && !(co->cmd->flags & CMDOPT_DB_TARGET) &&
	    optind < argc)
		return cmdopt_usage(cmd, "--db reads history: give no PATH");
	if ((co->db == NULL || (co->cmd->flags & CMDOPT_DB_TARGET)) &&
	    optind >= argc)
		return cmdopt_usage(cmd, "no input: give export files or "
		    "directories, or - for stdin");
	for (i = optind; i < argc; i++)
		if (inputs_add(in, argv[i]) < 0)
			return EXIT_BAD_INPUT;
	return 0;
}

int
cmdopt_read(const struct cmdopt *co, struct report_result *res)
{
	int ret = co->db != NULL ? db_report_path(co->db, co->ro, res) :
	    report_run(co->ro, &co->in, res);

	if (ret == 0)
		cmdopt_names(co, res);
	return ret;
}

void
cmdopt_grid_out(const struct cmdopt *co, struct grid_out *dst)
{
	dst->path = co->output;
	dst->fmt = co->fmt;
	dst->top = (size_t)co->top;
	dst->csv_safe = co->ro->csv_safe;
}

void
cmdopt_release(struct cmdopt *co)
{
	free(co->longopts);
	co->longopts = NULL;
	teams_free(co->teams);
	co->teams = NULL;
	inputs_release(&co->in);
	report_opts_release(&co->o);
}

/*
 * Write text to f wrapped at HELP_WIDTH, its first line from column `col`
 * on, the others from HELP_COLUMN.
 */
static void
cmdopt_wrap(FILE *f, const char *text, size_t col)
{
	const char *p = text;

	while (*p != '\0') {
		size_t room = HELP_WIDTH - col, len = strlen(p), cut;

		if (len <= room) {
			fprintf(f, "%s\n", p);
			return;
		}
		for (cut = room; cut > 0 && p[cut] != ' '; cut--)
			;
		if (cut == 0)	/* one long word: let it run over */
			cut = strcspn(p, " ");
		fprintf(f, "%.*s\n%*s", (int)cut, p, HELP_COLUMN, "");
		col = HELP_COLUMN;
		p += cut;
		while (*p == ' ')
			p++;
	}
}

void
cmdopt_help(const struct cmdopt_cmd *cmd, FILE *f)
{
	const struct cmdopt_use *u;
	int first = 1;

	fputs(cmd->usage, f);
	for (u = cmd->opts; u->id != CO_NONE; u++) {
		const struct cmdopt_def *d = &cmdopt_table[u->id];
		char head[64];
		int n;

		if (u->id == CO_HEADING) {
			fprintf(f, "\n%s\n", u->help);
			first = 0;
			continue;
		}
		if (d->flags & CO_HIDDEN)
			continue;
		if (first)
			fputc('\n', f);
		first = 0;
		if (d->letter)
			n = snprintf(head, sizeof(head), "  -%c, --%s",
			    d->letter, d->name);
		else
			n = snprintf(head, sizeof(head), "  --%s", d->name);
		if (d->arg != NULL)
			n += snprintf(head + n, sizeof(head) - (size_t)n,
			    " %s", u->arg != NULL ? u->arg : d->arg);
		if (n < HELP_COLUMN)
			fprintf(f, "%-*s", HELP_COLUMN, head);
		else
			fprintf(f, "%s\n%*s", head, HELP_COLUMN, "");
		cmdopt_wrap(f, u->help != NULL ? u->help : d->help,
		    HELP_COLUMN);
	}
	if (cmd->epilog != NULL)
		fprintf(f, "\n%s", cmd->epilog);
}

void
cmdopt_dump(const struct cmdopt_cmd *cmd, FILE *f)
{
	const struct cmdopt_use *u;

	fprintf(f, "command\t%s\t%s\t%s\n", cmd->name, cmd->summary,
	    cmd->operands != NULL ? cmd->operands : "-");
	for (u = cmd->opts; u->id != CO_NONE; u++) {
		const struct cmdopt_def *d = &cmdopt_table[u->id];
		const char *flags = "-";

		if (u->id == CO_HEADING)
			continue;
		if (d->flags & CO_HIDDEN)
			flags = "hidden";
		else if (d->flags & CO_REPEAT)
			flags = "repeat";
		fprintf(f, "option\t%s\t--%s\t", cmd->name, d->name);
		if (d->letter)
			fprintf(f, "-%c\t", d->letter);
		else
			fputs("-\t", f);
		fprintf(f, "%s\t%s\t", d->arg == NULL ? "-" : u->arg != NULL ?
		    u->arg : d->arg, flags);
		if (d->flags & CO_HIDDEN)
			fprintf(f, "--%s", cmdopt_table[d->alias_of].name);
		else if (d->values == NULL)
			fputs("-", f);
		else if (u->id == CO_FORMAT && (cmd->flags & CMDOPT_CHARTS))
			fprintf(f, "%s png svg", d->values);
		else
			fputs(d->values, f);
		fprintf(f, "\t%s\n", u->help != NULL ? u->help : d->help);
	}
}
