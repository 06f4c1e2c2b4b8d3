/*
 * cmdopt.c: the options compare and notify share with report.
 */
#include "cmdopt.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "date.h"

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
	fprintf(stderr, "%s: %s: %s\n"
	    "Try 'circleci-usage %s --help' for more information.\n",
	    PROGRAM_NAME, cmd, msg, cmd);
	return EXIT_USAGE;
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

static void
cmdopt_push(const char ***list, size_t *n, const char *s)
{
	*list = xreallocarray(*list, *n + 1, sizeof(**list));
	(*list)[(*n)++] = s;
}

static int
cmdopt_day(const char *cmd, const char *opt, const char *s, int32_t *days)
{
	if (strlen(s) != 10 || date_parse(s, 10, days) < 0)
		return cmdopt_usage(cmd, "--%s: expected a date YYYY-MM-DD, "
		    "got '%.100s'", opt, s);
	return 0;
}

int
cmdopt_report(const char *cmd, struct report_opts *o, const char *name,
    const char *arg)
{
	unsigned long long threads;

	if (strcmp(name, "by") == 0)
		return report_parse_by(o, arg) < 0 ? EXIT_USAGE : 0;
	if (strcmp(name, "since") == 0)
		return cmdopt_day(cmd, name, arg, &o->since);
	if (strcmp(name, "until") == 0)
		return cmdopt_day(cmd, name, arg, &o->until);
	if (strcmp(name, "project") == 0) {
		cmdopt_push(&o->projects, &o->nprojects, arg);
		return 0;
	}
	if (strcmp(name, "branch") == 0) {
		cmdopt_push(&o->branches, &o->nbranches, arg);
		return 0;
	}
	if (strcmp(name, "status") == 0) {
		if (cmdopt_list(&o->statuses, &o->nstatuses, arg) < 0)
			return cmdopt_usage(cmd, "--status: expected a "
			    "comma-separated list of statuses, got '%.100s'",
			    arg);
		return 0;
	}
	if (strcmp(name, "strict") == 0) {
		o->strict = 1;
		return 0;
	}
	if (strcmp(name, "keep-duplicates") == 0) {
		o->keep_duplicates = 1;
		return 0;
	}
	if (strcmp(name, "threads") == 0) {
		if (parse_uint(arg, 64, &threads) < 0 || threads == 0)
			return cmdopt_usage(cmd, "--threads: expected a number "
			    "from 1 to 64, got '%.100s'", arg);
		o->threads = (int)threads;
		return 0;
	}
	return 1;
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
