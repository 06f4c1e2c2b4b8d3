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

#include "util.h"
#include "yamlev.h"

struct teams_parser {
	struct yamlev *y;
	struct teams *t;
};

/* One team's list of patterns; the current event is its name. */
static int
teams_team(struct teams_parser *tp, const char *name, size_t len)
{
	struct teams *t = tp->t;
	uint32_t idx;
	size_t i;
	int r;

	if (len == 0 || memchr(name, '\0', len) != NULL)
		return yamlev_error(tp->y, "expected a team name, found an empty "
		    "one");
	if (strcmp(name, TEAMS_UNASSIGNED) == 0)
		return yamlev_error(tp->y, "the team name '%s' is reserved for "
		    "the projects no team has", TEAMS_UNASSIGNED);
	for (i = 0; i < t->nteams; i++)
		if (strcmp(t->names[i], name) == 0)
			return yamlev_error(tp->y, "team '%.100s' is given twice "
			    "(expected each team once, with all its "
			    "patterns)", name);
	idx = (uint32_t)t->nteams;
	t->names = xreallocarray(t->names, t->nteams + 1, sizeof(*t->names));
	t->names[t->nteams++] = xstrndup(name, len);
	if (yamlev_next(tp->y) < 0)
		return -1;
	if (tp->y->ev.type != YAML_SEQUENCE_START_EVENT)
		return yamlev_error(tp->y, "team '%.100s': expected a list of "
		    "project patterns such as [api-*, web], found %s",
		    t->names[idx], yamlev_what(&tp->y->ev));
	while ((r = yamlev_entry(tp->y, YAML_SEQUENCE_END_EVENT)) > 0) {
		const char *pat;
		size_t plen;

		pat = yamlev_scalar(tp->y, &plen);
		if (pat == NULL)
			return yamlev_error(tp->y, "team '%.100s': expected a "
			    "project pattern (a string), found %s",
			    t->names[idx], yamlev_what(&tp->y->ev));
		if (plen == 0 || memchr(pat, '\0', plen) != NULL)
			return yamlev_error(tp->y, "team '%.100s': expected a "
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

	while ((r = yamlev_entry(tp->y, YAML_MAPPING_END_EVENT)) > 0) {
		const char *name;
		size_t len;

		name = yamlev_scalar(tp->y, &len);
		if (name == NULL)
			return yamlev_error(tp->y, "expected a team name, found %s",
			    yamlev_what(&tp->y->ev));
		if (teams_team(tp, name, len) < 0)
			return -1;
	}
	return r;
}

/* The value of the key `teams`: the mapping of teams. */
static int
teams_value(struct yamlev *y, void *ctx)
{
	struct teams_parser tp = { y, ctx };

	if (yamlev_next(y) < 0)
		return -1;
	if (y->ev.type != YAML_MAPPING_START_EVENT)
		return yamlev_error(y, "'teams': expected a mapping of team "
		    "names to lists of project patterns, found %s",
		    yamlev_what(&y->ev));
	return teams_map(&tp);
}

struct teams *
teams_parse(const char *name, const char *buf, size_t len)
{
	struct teams *t = xcalloc(1, sizeof(*t));

	t->path = xstrdup(name);
	if (yamlev_parse(name, buf, len, "teams", teams_value, t) < 0) {
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
