/*
 * teams.c: reading the teams file with libyaml's event parser, and
 * matching projects to teams.  Every error names the file and the line
 * and says what was expected there.
 */
#include "teams.h"

#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "util.h"

struct teams_parser {
	yaml_parser_t p;
	yaml_event_t ev;
	int have_ev;
	const char *name;
	const char *buf;	/* the file's text, for reader errors' lines */
	size_t len;
	struct teams *t;
};

/* What an event is, for "found a ..." in messages. */
static const char *
teams_event_what(const yaml_event_t *ev)
{
	switch (ev->type) {
	case YAML_SCALAR_EVENT:
		return ev->data.scalar.length ? "a string" : "nothing";
	case YAML_SEQUENCE_START_EVENT:
		return "a list";
	case YAML_MAPPING_START_EVENT:
		return "a mapping";
	case YAML_ALIAS_EVENT:
		return "an alias (aliases are not supported)";
	case YAML_STREAM_END_EVENT:
	case YAML_DOCUMENT_END_EVENT:
		return "the end of the file";
	case YAML_SEQUENCE_END_EVENT:
		return "the end of a list";
	case YAML_MAPPING_END_EVENT:
		return "the end of a mapping";
	default:
		return "another document";
	}
}

static unsigned long
teams_line(const struct teams_parser *tp)
{
	return (unsigned long)tp->ev.start_mark.line + 1;
}

/* An error at the current event's line: "NAME:LINE: " and the message. */
static int teams_error(const struct teams_parser *tp, const char *fmt, ...)
    CU_PRINTF(2, 3);

static int
teams_error(const struct teams_parser *tp, const char *fmt, ...)
{
	char msg[1024];	/* names are cut at 100 bytes (%.100s) */
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return error("%s:%lu: %s", tp->name, teams_line(tp), msg);
}

/* The next event into tp->ev.  0, or -1 after an error. */
static int
teams_next(struct teams_parser *tp)
{
	if (tp->have_ev)
		yaml_event_delete(&tp->ev);
	tp->have_ev = 0;
	if (!yaml_parser_parse(&tp->p, &tp->ev)) {
		const yaml_mark_t *m = tp->p.problem_mark.line ||
		    tp->p.problem_mark.column ? &tp->p.problem_mark :
		    &tp->p.context_mark;
		unsigned long line = (unsigned long)m->line + 1;
		size_t i;

		/* a reader error (bad UTF-8) has a byte offset, no mark */
		if (tp->p.error == YAML_READER_ERROR)
			for (i = 0, line = 1; i < tp->p.problem_offset &&
			    i < tp->len; i++)
				line += tp->buf[i] == '\n';
		return error("%s:%lu: not valid YAML: %s%s%s", tp->name, line,
		    tp->p.problem ? tp->p.problem : "parse error",
		    tp->p.context ? " " : "",
		    tp->p.context ? tp->p.context : "");
	}
	tp->have_ev = 1;
	return 0;
}

/*
 * The next entry of the open list or mapping, into tp->ev: 1 when there
 * is one, 0 at the list's or mapping's end (an `end` event), -1 after an
 * error.
 */
static int
teams_entry(struct teams_parser *tp, yaml_event_type_t end)
{
	if (teams_next(tp) < 0)
		return -1;
	return tp->ev.type != end;
}

/* The current event as a string, or NULL when it is not a plain one. */
static const char *
teams_scalar(const struct teams_parser *tp, size_t *len)
{
	if (tp->ev.type != YAML_SCALAR_EVENT)
		return NULL;
	*len = tp->ev.data.scalar.length;
	return (const char *)tp->ev.data.scalar.value;
}

/* One team's list of patterns; the current event is its name. */
static int
teams_team(struct teams_parser *tp, const char *name, size_t len)
{
	struct teams *t = tp->t;
	uint32_t idx;
	size_t i;
	int r;

	if (len == 0 || memchr(name, '\0', len) != NULL)
		return teams_error(tp, "expected a team name, found an empty "
		    "one");
	if (strcmp(name, TEAMS_UNASSIGNED) == 0)
		return teams_error(tp, "the team name '%s' is reserved for "
		    "the projects no team has", TEAMS_UNASSIGNED);
	for (i = 0; i < t->nteams; i++)
		if (strcmp(t->names[i], name) == 0)
			return teams_error(tp, "team '%.100s' is given twice "
			    "(expected each team once, with all its "
			    "patterns)", name);
	idx = (uint32_t)t->nteams;
	t->names = xreallocarray(t->names, t->nteams + 1, sizeof(*t->names));
	t->names[t->nteams++] = xstrndup(name, len);
	if (teams_next(tp) < 0)
		return -1;
	if (tp->ev.type != YAML_SEQUENCE_START_EVENT)
		return teams_error(tp, "team '%.100s': expected a list of "
		    "project patterns such as [api-*, web], found %s",
		    t->names[idx], teams_event_what(&tp->ev));
	while ((r = teams_entry(tp, YAML_SEQUENCE_END_EVENT)) > 0) {
		const char *pat;
		size_t plen;

		pat = teams_scalar(tp, &plen);
		if (pat == NULL)
			return teams_error(tp, "team '%.100s': expected a "
			    "project pattern (a string), found %s",
			    t->names[idx], teams_event_what(&tp->ev));
		if (plen == 0 || memchr(pat, '\0', plen) != NULL)
			return teams_error(tp, "team '%.100s': expected a "
			    "project pattern, found an empty one",
			    t->names[idx]);
		t->rules = xreallocarray(t->rules, t->nrules + 1,
		    sizeof(*t->rules));
		t->rules[t->nrules].pattern = xstrndup(pat, plen);
		t->rules[t->nrules++].team = idx;
	}
	return r;
}

/* The mapping of teams; the current event is its start. */
static int
teams_map(struct teams_parser *tp)
{
	int r;

	while ((r = teams_entry(tp, YAML_MAPPING_END_EVENT)) > 0) {
		const char *name;
		size_t len;

		name = teams_scalar(tp, &len);
		if (name == NULL)
			return teams_error(tp, "expected a team name, found %s",
			    teams_event_what(&tp->ev));
		if (teams_team(tp, name, len) < 0)
			return -1;
	}
	return r;
}

static int
teams_document(struct teams_parser *tp)
{
	int seen = 0, r;

	if (teams_next(tp) < 0 || teams_next(tp) < 0)
		return -1;	/* the stream, then the document */
	if (tp->ev.type != YAML_DOCUMENT_START_EVENT)
		return error("%s:1: expected a mapping with the key 'teams', "
		    "found an empty file", tp->name);
	if (teams_next(tp) < 0)
		return -1;
	if (tp->ev.type != YAML_MAPPING_START_EVENT)
		return teams_error(tp, "expected a mapping with the key "
		    "'teams', found %s", teams_event_what(&tp->ev));
	while ((r = teams_entry(tp, YAML_MAPPING_END_EVENT)) > 0) {
		const char *key;
		size_t len;

		key = teams_scalar(tp, &len);
		if (key == NULL || len != 5 || memcmp(key, "teams", 5) != 0)
			return teams_error(tp, "expected the key 'teams', "
			    "found %s%.100s%s",
			    key ? "'" : teams_event_what(&tp->ev),
			    key ? key : "", key ? "'" : "");
		if (seen)
			return teams_error(tp, "the key 'teams' is given twice "
			    "(expected it once)");
		seen = 1;
		if (teams_next(tp) < 0)
			return -1;
		if (tp->ev.type != YAML_MAPPING_START_EVENT)
			return teams_error(tp, "'teams': expected a mapping of "
			    "team names to lists of project patterns, found "
			    "%s", teams_event_what(&tp->ev));
		if (teams_map(tp) < 0)
			return -1;
	}
	if (r < 0)
		return -1;
	if (!seen)
		return teams_error(tp, "expected the key 'teams', found an "
		    "empty mapping");
	if (teams_next(tp) < 0 || teams_next(tp) < 0)
		return -1;	/* the document's end, then the stream's */
	if (tp->ev.type != YAML_STREAM_END_EVENT)
		return teams_error(tp, "expected one YAML document, found "
		    "another");
	return 0;
}

struct teams *
teams_parse(const char *name, const char *buf, size_t len)
{
	struct teams_parser tp;
	struct teams *t = xcalloc(1, sizeof(*t));
	int ret;

	memset(&tp, 0, sizeof(tp));
	tp.name = name;
	tp.buf = buf;
	tp.len = len;
	tp.t = t;
	t->path = xstrdup(name);
	if (!yaml_parser_initialize(&tp.p))
		die(EXIT_FAILURE_OTHER, "out of memory");
	yaml_parser_set_input_string(&tp.p, (const unsigned char *)buf, len);
	ret = teams_document(&tp);
	if (tp.have_ev)
		yaml_event_delete(&tp.ev);
	yaml_parser_delete(&tp.p);
	if (ret < 0) {
		teams_free(t);
		return NULL;
	}
	return t;
}

struct teams *
teams_load(const char *path)
{
	struct teams *t = NULL;
	size_t n;
	char *buf = read_small_file(path, "the teams file", TEAMS_MAX_FILE, &n);

	if (buf != NULL)
		t = teams_parse(path, buf, n);
	free(buf);
	return t;
}

void
teams_free(struct teams *t)
{
	size_t i;

	if (t == NULL)
		return;
	strv_free(t->names, t->nteams);
	for (i = 0; i < t->nrules; i++)
		free(t->rules[i].pattern);
	free(t->rules);
	free(t->path);
	free(t);
}

uint32_t
teams_match(const struct teams *t, const char *project)
{
	size_t i;

	for (i = 0; i < t->nrules; i++)
		if (fnmatch(t->rules[i].pattern, project, 0) == 0)
			return t->rules[i].team;
	return (uint32_t)t->nteams;
}

const char *
teams_name(const struct teams *t, uint32_t i)
{
	return i < t->nteams ? t->names[i] : TEAMS_UNASSIGNED;
}
