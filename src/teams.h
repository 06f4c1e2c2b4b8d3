/*
 * teams.h: the teams file, which maps projects to teams for `--by team`
 * and `chargeback`.  YAML (read with libyaml):
 *
 *	teams:
 *	  platform: [infra-*, api-gateway]
 *	  mobile: ["ios-*", "android-*"]
 *
 * Each pattern is an fnmatch(3) glob over PROJECT_NAME; one without
 * wildcards names one project.  Rules are tried in file order (teams in
 * order, each team's patterns in order) and the first match wins; a
 * project no rule matches is "(unassigned)".
 */
#ifndef CU_TEAMS_H
#define CU_TEAMS_H

#include <stddef.h>
#include <stdint.h>

#define TEAMS_UNASSIGNED "(unassigned)"
#define TEAMS_MAX_FILE (4 * 1024 * 1024)

struct teams_rule {
	char *pattern;		/* NUL-terminated glob */
	uint32_t team;		/* index in names[] */
};

struct teams {
	char *path;		/* for messages */
	char **names;		/* the teams, in file order */
	size_t nteams;
	struct teams_rule *rules;	/* in file order */
	size_t nrules;
};

/*
 * Parse the `len` bytes at buf as a teams file; `name` names it in
 * messages.  Returns a new teams (free with teams_free()), or NULL after
 * printing an error "NAME:LINE: what was expected" (bad YAML, a wrong
 * shape, an empty pattern or team name, a team named twice).
 */
struct teams *teams_parse(const char *name, const char *buf, size_t len);

/* Read and parse the file at `path`.  NULL after printing an error. */
struct teams *teams_load(const char *path);

/* Free t and everything in it; NULL is fine. */
void teams_free(struct teams *t);

/*
 * The team of a NUL-terminated project name: the index of the first
 * team with a matching rule, or t->nteams when none matches.  fnmatch per
 * call: callers cache the answer per distinct project.
 */
uint32_t teams_match(const struct teams *t, const char *project);

/* The name of team `i` (borrowed); TEAMS_UNASSIGNED for t->nteams. */
const char *teams_name(const struct teams *t, uint32_t i);

#endif
