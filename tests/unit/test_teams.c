/*
 * test_teams.c: the teams file (teams.h): flow and block YAML, rules in
 * file order with the first match winning, globs and exact names,
 * (unassigned); every malformed shape an error naming the file, the line
 * and what was expected; and `--by team` in the engine (a project's team,
 * empty projects, no teams file).
 */
#include "unit.h"

#include "report.h"
#include "teams.h"

static struct teams *
parse(const char *s)
{
	return teams_parse("t.yaml", s, strlen(s));
}

static const char *
team_of(const struct teams *t, const char *project)
{
	return teams_name(t, teams_match(t, project));
}

/* The error parsing `s` gives: it must fail, and say `want`. */
static void
assert_parse_error(const char *s, const char *want)
{
	struct unit_capture c;
	struct teams *t;
	char *err;

	unit_capture_begin(&c);
	t = parse(s);
	err = unit_capture_end(&c);
	if (t != NULL) {
		teams_free(t);
		free(err);
		fail_msg("parsed, expected the error \"%s\":\n%s", want, s);
	}
	if (strstr(err, want) == NULL) {
		print_error("got: %s", err);
		free(err);
		fail_msg("expected the error \"%s\"", want);
	}
	free(err);
}

static void
test_flow(void **state)
{
	struct teams *t = parse("teams: {platform: [infra-*, api-gateway], "
	    "mobile: [\"ios-*\", \"android-*\"]}\n");

	(void)state;
	assert_non_null(t);
	assert_int_equal(t->nteams, 2);
	assert_int_equal(t->nrules, 4);
	assert_string_equal(t->names[0], "platform");
	assert_string_equal(t->names[1], "mobile");
	assert_string_equal(team_of(t, "infra-dns"), "platform");
	assert_string_equal(team_of(t, "api-gateway"), "platform");
	assert_string_equal(team_of(t, "api-gateway-2"), TEAMS_UNASSIGNED);
	assert_string_equal(team_of(t, "ios-widgets"), "mobile");
	assert_string_equal(team_of(t, "android-app"), "mobile");
	assert_string_equal(team_of(t, "web"), TEAMS_UNASSIGNED);
	assert_string_equal(team_of(t, ""), TEAMS_UNASSIGNED);
	assert_int_equal(teams_match(t, "web"), 2);
	teams_free(t);
}

static void
test_block(void **state)
{
	struct teams *t = parse(
	    "# who owns what\n"
	    "---\n"
	    "teams:\n"
	    "  platform:\n"
	    "    - infra-*\n"
	    "    - 'api-gateway'\n"
	    "  empty: []\n"
	    "  data:\n"
	    "    - \"warehouse-?bt\"\n"
	    "    - '[ab]i-*'\n");

	(void)state;
	assert_non_null(t);
	assert_int_equal(t->nteams, 3);
	assert_int_equal(t->nrules, 4);
	assert_string_equal(team_of(t, "warehouse-dbt"), "data");
	assert_string_equal(team_of(t, "bi-tools"), "data");
	assert_string_equal(team_of(t, "ci-tools"), TEAMS_UNASSIGNED);
	assert_string_equal(teams_name(t, 1), "empty");
	teams_free(t);
	/* no teams at all: everything is unassigned */
	t = parse("teams: {}\n");
	assert_non_null(t);
	assert_int_equal(t->nteams, 0);
	assert_string_equal(team_of(t, "x"), TEAMS_UNASSIGNED);
	teams_free(t);
}

/* Teams in order, patterns in order: the first rule that matches wins. */
static void
test_first_match(void **state)
{
	struct teams *t = parse(
	    "teams:\n"
	    "  a: [web-admin, x]\n"
	    "  b: ['web-*', web-admin]\n"
	    "  c: ['*']\n");

	(void)state;
	assert_non_null(t);
	assert_string_equal(team_of(t, "web-admin"), "a");
	assert_string_equal(team_of(t, "web-shop"), "b");
	assert_string_equal(team_of(t, "anything"), "c");
	assert_string_equal(team_of(t, "x"), "a");
	teams_free(t);
	t = parse("teams:\n  b: ['web-*']\n  a: [web-admin]\n");
	assert_non_null(t);
	assert_string_equal(team_of(t, "web-admin"), "b");
	teams_free(t);
}

static void
test_errors(void **state)
{
	(void)state;
	assert_parse_error("", "t.yaml:1: expected a mapping with the key "
	    "'teams', found an empty file");
	assert_parse_error("- a\n- b\n", "t.yaml:1: expected a mapping with "
	    "the key 'teams', found a list");
	assert_parse_error("teams:\n  a: [x]\nowners: {}\n", "t.yaml:3: "
	    "expected the key 'teams', found 'owners'");
	assert_parse_error("teams: [a, b]\n", "t.yaml:1: 'teams': expected a "
	    "mapping of team names to lists of project patterns, found a "
	    "list");
	assert_parse_error("teams:\n  a: [x]\n  b: x\n", "t.yaml:3: team 'b': "
	    "expected a list of project patterns");
	assert_parse_error("teams:\n  a:\n    - x\n    - {y: 1}\n",
	    "t.yaml:4: team 'a': expected a project pattern (a string), "
	    "found a mapping");
	assert_parse_error("teams:\n  a:\n    - x\n    - ''\n", "t.yaml:4: "
	    "team 'a': expected a project pattern, found an empty one");
	assert_parse_error("teams:\n  a: [x]\n\n  a: [y]\n", "t.yaml:4: team "
	    "'a' is given twice");
	assert_parse_error("teams:\n  '': [x]\n", "t.yaml:2: expected a team "
	    "name, found an empty one");
	assert_parse_error("teams:\n  (unassigned): [x]\n", "t.yaml:2: the "
	    "team name '(unassigned)' is reserved");
	assert_parse_error("teams:\n  a: [x\n  b: [y]\n", "t.yaml:");
	assert_parse_error("teams:\n  a: [x]\n b: [y]\n", "not valid YAML");
	assert_parse_error("teams: {a: &p [x], b: *p}\n", "t.yaml:1: team "
	    "'b': expected a list of project patterns such as [api-*, web], "
	    "found an alias");
	assert_parse_error("teams: {}\n---\nteams: {}\n", "t.yaml:2: expected "
	    "one YAML document");
	assert_parse_error("teams: {}\nteams: {}\n", "t.yaml:2: the key "
	    "'teams' is given twice");
	assert_parse_error("{}\n", "expected the key 'teams', found an empty "
	    "mapping");
	assert_parse_error("teams:\n", "t.yaml:1: 'teams': expected a "
	    "mapping of team names to lists of project patterns, found "
	    "nothing");
	assert_parse_error("teams:\n  a:\n  b: [x]\n", "t.yaml:2: team 'a': "
	    "expected a list of project patterns such as [api-*, web], found "
	    "nothing");
	assert_parse_error("teams:\n  [a]: [x]\n", "t.yaml:2: expected a team "
	    "name, found a list");
	/* not YAML at each step of the file: the line where it stops */
	assert_parse_error("%YAML 9.9\nteams: {}\n", "t.yaml:1: not valid "
	    "YAML: found incompatible YAML document");
	assert_parse_error("]\n", "t.yaml:1: not valid YAML: did not find "
	    "expected node content");
	assert_parse_error("teams: 'x\n", "t.yaml:2: not valid YAML: found "
	    "unexpected end of stream while scanning a quoted scalar");
	assert_parse_error("teams:\n  a: 'x\n", "t.yaml:3: not valid YAML: "
	    "found unexpected end of stream");
	assert_parse_error("teams: {}\n]\n", "t.yaml:2: not valid YAML: did "
	    "not find expected key");
	/* bad UTF-8 (a Latin-1 name): the line it is on */
	assert_parse_error("\377teams: {}\n", "t.yaml:1: not valid YAML: "
	    "invalid leading UTF-8 octet");
	assert_parse_error("teams:\n  a: [x]\n  b: [caf\351]\n", "t.yaml:3: "
	    "not valid YAML: invalid trailing UTF-8 octet");
}

static void
test_load(void **state)
{
	char *dir = unit_tmpdir(), *path = unit_path(dir, "teams.yml");
	struct unit_capture c;
	struct teams *t;
	char *err;

	(void)state;
	unit_writes(path, "teams:\n  web: [web-*]\n");
	t = teams_load(path);
	assert_non_null(t);
	assert_string_equal(team_of(t, "web-a"), "web");
	teams_free(t);
	unit_writes(path, "teams:\n  web: web-*\n");
	unit_capture_begin(&c);
	t = teams_load(path);
	err = unit_capture_end(&c);
	assert_null(t);
	assert_contains(err, path);
	assert_contains(err, ":2: team 'web'");
	free(err);
	unlink(path);
	unit_capture_begin(&c);
	t = teams_load(path);
	err = unit_capture_end(&c);
	assert_null(t);
	assert_contains(err, "cannot open the teams file");
	free(err);
	teams_free(NULL);
	unit_rmtree(dir);
	free(path);
	free(dir);
}

/* --by team in the engine: one pass, grouped through the mapping. */
static void
test_engine(void **state)
{
	char *dir = unit_tmpdir(), *path = unit_path(dir, "p.csv");
	struct teams *t = parse("teams: {web: [web-*], api: [api]}\n");
	struct report_opts o;
	struct report_result res;
	struct inputs in;
	struct unit_capture c;
	char *err;
	size_t i, len;
	int seen = 0;

	(void)state;
	unit_writes(path, "JOB_ID,PROJECT_NAME,TOTAL_CREDITS\n"
	    "1,web-a,1.5\n2,web-b,2\n3,api,4\n4,other,8\n5,,16\n6,web-a,32\n"
	    "7,apix,64\n");
	report_opts_init(&o);
	assert_int_equal(report_parse_by(&o, "team"), 0);
	assert_int_equal(report_has_team(&o), 1);
	o.threads = 1;
	inputs_init(&in);
	assert_int_equal(inputs_add(&in, path), 0);
	unit_capture_begin(&c);
	assert_int_equal(report_run(&o, &in, &res), EXIT_USAGE);
	err = unit_capture_end(&c);
	assert_contains(err, "--by team: no teams file");
	free(err);
	report_result_release(&res);
	o.teams = t;
	assert_int_equal(report_run(&o, &in, &res), 0);
	assert_int_equal(res.groups.n, 4);
	for (i = 0; i < res.groups.n; i++) {
		const struct agg_group *g = &res.groups.groups[i];
		const char *k = agg_key_part(g->key, g->keylen, 0, &len);
		char name[32];

		snprintf(name, sizeof(name), "%.*s", (int)len, k);
		if (strcmp(name, "web") == 0) {
			assert_dec_equal(g->m.credits[CR_TOTAL],
			    unit_dec("35.5"));
			assert_int_equal(g->m.jobs, 3);
			seen |= 1;
		} else if (strcmp(name, "api") == 0) {
			assert_dec_equal(g->m.credits[CR_TOTAL],
			    unit_dec("4"));
			seen |= 2;
		} else if (strcmp(name, TEAMS_UNASSIGNED) == 0) {
			assert_dec_equal(g->m.credits[CR_TOTAL],
			    unit_dec("72"));
			seen |= 4;
		} else {
			assert_int_equal(len, 0);
			assert_dec_equal(g->m.credits[CR_TOTAL],
			    unit_dec("16"));
			seen |= 8;
		}
	}
	assert_int_equal(seen, 15);
	assert_dec_equal(res.totals.credits[CR_TOTAL], unit_dec("127.5"));
	report_result_release(&res);
	inputs_release(&in);
	report_opts_release(&o);
	teams_free(t);
	unit_rmtree(dir);
	free(path);
	free(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_flow),
		cmocka_unit_test(test_block),
		cmocka_unit_test(test_first_match),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_load),
		cmocka_unit_test(test_engine),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
