/*
 * test_alertstate.c: what notify's --cooldown remembers (alertstate.h):
 * entries kept sorted, one per rule and entity, replaced and pruned; the
 * JSON file written and read back, every kind of corrupt file refused with
 * its reason (never read as empty), a missing one read as empty; entity
 * names escaped into one line of valid UTF-8, two names never one text;
 * and the history database's alerts_sent table (db.h): stored, pruned,
 * read back, absent from an older database, a bad row refused.
 */
#include "unit.h"

#include <sqlite3.h>

#include "alertstate.h"
#include "db.h"

UNIT_TMPDIR_FIXTURE

/* 2026-12-04T12:00:00Z */
#define T0 1796385600000LL
#define HOUR 3600000LL

static void
test_set_find_prune(void **state)
{
	struct alertstate s;
	const struct alertstate_entry *e;
	char big[ALERTSTATE_MAX_TEXT + 2];

	(void)state;
	alertstate_init(&s);
	assert_int_equal(alertstate_set(&s, "jobs > 1", "", T0), 0);
	assert_int_equal(alertstate_set(&s, "budget", "budget 2026-11-30 "
	    "warning 75% org", T0 - HOUR), 0);
	assert_int_equal(alertstate_set(&s, "budget", "budget 2026-11-30 "
	    "over 100% org", T0 - 400 * 24 * HOUR), 0);
	assert_int_equal(s.n, 3);
	/* sorted by rule, then entity */
	assert_string_equal(s.v[0].rule, "budget");
	assert_string_equal(s.v[0].entity, "budget 2026-11-30 over 100% org");
	assert_string_equal(s.v[2].rule, "jobs > 1");
	e = alertstate_find(&s, "budget", "budget 2026-11-30 warning 75% org");
	assert_non_null(e);
	assert_true(e->sent_ms == T0 - HOUR);
	assert_null(alertstate_find(&s, "budget", ""));
	assert_null(alertstate_find(&s, "jobs > 2", ""));
	/* the same pair again: replaced, not added */
	assert_int_equal(alertstate_set(&s, "jobs > 1", "", T0 + HOUR), 0);
	assert_int_equal(s.n, 3);
	assert_true(alertstate_find(&s, "jobs > 1", "")->sent_ms == T0 + HOUR);
	/* too long to remember */
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(alertstate_set(&s, big, "", T0), -1);
	assert_int_equal(alertstate_set(&s, "r", big, T0), -1);
	assert_int_equal(s.n, 3);
	/* older than a year goes */
	alertstate_prune(&s, T0 - ALERTSTATE_KEEP_MS);
	assert_int_equal(s.n, 2);
	assert_null(alertstate_find(&s, "budget", "budget 2026-11-30 over "
	    "100% org"));
	assert_non_null(alertstate_find(&s, "jobs > 1", ""));
	alertstate_release(&s);
}

static void
test_file_round_trip(void **state)
{
	struct alertstate s, t;
	char *path = unit_path(tmp, "state.json"), *text, err[512];

	(void)state;
	alertstate_init(&s);
	alertstate_init(&t);
	/* a missing file: empty, and 1 */
	assert_int_equal(alertstate_load(&t, path, err, sizeof(err)), 1);
	assert_int_equal(t.n, 0);
	alertstate_set(&s, "anomaly", "anomaly 2026-12-01 spike api", T0);
	alertstate_set(&s, "total_credits > 5", "", T0 + 500);
	assert_int_equal(alertstate_save(&s, path), 0);
	text = unit_read(path, NULL);
	assert_string_equal(text, "{\n \"version\": 1,\n \"alerts\": [\n  {\n"
	    "   \"rule\": \"anomaly\",\n   \"entity\": \"anomaly 2026-12-01 "
	    "spike api\",\n   \"sent_at\": \"2026-12-04T12:00:00Z\"\n  },\n  "
	    "{\n   \"rule\": \"total_credits > 5\",\n   \"entity\": \"\",\n   "
	    "\"sent_at\": \"2026-12-04T12:00:00.500Z\"\n  }\n ]\n}\n");
	free(text);
	assert_int_equal(alertstate_load(&t, path, err, sizeof(err)), 0);
	assert_int_equal(t.n, 2);
	assert_true(alertstate_find(&t, "total_credits > 5", "")->sent_ms ==
	    T0 + 500);
	assert_true(alertstate_find(&t, "anomaly", "anomaly 2026-12-01 spike "
	    "api")->sent_ms == T0);
	/* a directory is not a state file */
	assert_int_equal(alertstate_load(&t, tmp, err, sizeof(err)), -1);
	assert_string_equal(err, "not a regular file");
	assert_int_equal(t.n, 0);
	alertstate_release(&s);
	alertstate_release(&t);
	free(path);
}

static void
parse_bad(const char *text, const char *want)
{
	struct alertstate s;
	char err[512] = "";

	alertstate_init(&s);
	alertstate_set(&s, "left", "over", 1);	/* emptied by the parse */
	if (alertstate_parse(&s, text, strlen(text), err, sizeof(err)) != -1)
		fail_msg("parsed: %s", text);
	assert_string_equal(err, want);
	assert_int_equal(s.n, 0);
	alertstate_release(&s);
}

#define ENTRY(rule, entity, at) \
	"{\"rule\": \"" rule "\", \"entity\": \"" entity "\", \"sent_at\": \"" \
	at "\"}"

static void
test_parse_errors(void **state)
{
	(void)state;
	parse_bad("", "not JSON: line 1: '[' or '{' expected near end of "
	    "file");
	parse_bad("{\"version\": 1, \"alerts\": [", "not JSON: line 1: "
	    "']' expected near end of file");
	parse_bad("[]", "expected a JSON object {\"version\": 1, \"alerts\": "
	    "[...]}");
	parse_bad("{\"alerts\": []}", "version: expected 1");
	parse_bad("{\"version\": 2, \"alerts\": []}", "version: expected 1");
	parse_bad("{\"version\": 1}", "alerts: expected an array");
	parse_bad("{\"version\": 1, \"alerts\": {}}", "alerts: expected an "
	    "array");
	parse_bad("{\"version\": 1, \"alerts\": [7]}", "alerts[0]: expected "
	    "an object {\"rule\", \"entity\", \"sent_at\"}");
	parse_bad("{\"version\": 1, \"alerts\": [{\"entity\": \"\", "
	    "\"sent_at\": \"2026-12-04T12:00:00Z\"}]}", "alerts[0].rule: "
	    "expected a string");
	parse_bad("{\"version\": 1, \"alerts\": [" ENTRY("", "",
	    "2026-12-04T12:00:00Z") "]}", "alerts[0].rule: expected a string "
	    "of 1 to 8192 bytes without control characters");
	parse_bad("{\"version\": 1, \"alerts\": [" ENTRY("jobs > 1", "a\\nb",
	    "2026-12-04T12:00:00Z") "]}", "alerts[0].entity: expected a "
	    "string of 0 to 8192 bytes without control characters");
	/* jansson refuses a NUL itself */
	parse_bad("{\"version\": 1, \"alerts\": [" ENTRY("jobs > 1",
	    "a\\u0000b", "2026-12-04T12:00:00Z") "]}", "not JSON: line 1: "
	    "\\u0000 is not allowed without JSON_ALLOW_NUL near "
	    "'\"a\\u0000b\"'");
	parse_bad("{\"version\": 1, \"alerts\": [" ENTRY("jobs > 1",
	    "a\\u009bb", "2026-12-04T12:00:00Z") "]}", "alerts[0].entity: "
	    "expected a string of 0 to 8192 bytes without control "
	    "characters");
	parse_bad("{\"version\": 1, \"alerts\": [" ENTRY("jobs > 1", "",
	    "2026-12-04") "]}", "alerts[0].sent_at: expected an RFC 3339 "
	    "time such as 2026-12-04T12:00:00Z");
	parse_bad("{\"version\": 1, \"alerts\": [" ENTRY("jobs > 1", "",
	    "1969-12-31T23:59:59Z") "]}", "alerts[0].sent_at: expected an "
	    "RFC 3339 time such as 2026-12-04T12:00:00Z");
	parse_bad("{\"version\": 1, \"alerts\": [{\"rule\": \"jobs > 1\", "
	    "\"entity\": \"\", \"sent_at\": 5}]}", "alerts[0].sent_at: "
	    "expected a string");
	parse_bad("{\"version\": 1, \"alerts\": [" ENTRY("a", "b",
	    "2026-12-04T12:00:00Z") ", " ENTRY("a", "c",
	    "2026-12-04T12:00:00Z") ", " ENTRY("a", "b",
	    "2026-12-05T12:00:00Z") "]}", "alerts[2]: the rule and entity of "
	    "an earlier alert");
	parse_bad("{\"version\": 1, \"version\": 1, \"alerts\": []}", "not "
	    "JSON: line 1: duplicate object key near '\"version\"'");
}

/* alertstate_name(): one line of valid UTF-8, and no two names alike. */
static void
test_names(void **state)
{
	static const struct {
		const char *in;
		size_t len;
		const char *want;
	} cases[] = {
		{ "ios-app", 7, "ios-app" },
		{ "caf\xc3\xa9 \xe2\x9c\x93", 9, "caf\xc3\xa9 \xe2\x9c\x93" },
		{ "a\nb", 3, "a\\x0ab" },
		{ "a\\x0ab", 6, "a\\x5cx0ab" },	/* not the one above */
		{ "bad\xff", 4, "bad\\xff" },
		{ "csi\xc2\x9b", 5, "csi\\xc2\\x9b" },	/* a C1 control */
		{ "nul\0x", 5, "nul\\x00x" },
		{ "", 0, "" },
	};
	struct alertstate s;
	struct sbuf sb;
	char err[512], *text;
	size_t i;

	(void)state;
	sbuf_init(&sb, 1 << 16);
	alertstate_init(&s);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		sbuf_reset(&sb);
		alertstate_name(&sb, cases[i].in, cases[i].len);
		assert_string_equal(sb.buf, cases[i].want);
		/* what it writes, the parser takes */
		assert_int_equal(alertstate_set(&s, "r", sb.buf, T0), 0);
	}
	text = alertstate_dump(&s);
	assert_int_equal(alertstate_parse(&s, text, strlen(text), err,
	    sizeof(err)), 0);
	assert_int_equal(s.n, sizeof(cases) / sizeof(cases[0]));
	free(text);
	alertstate_release(&s);
	sbuf_release(&sb);
}

/* The history database's alerts_sent table. */
static void
test_db(void **state)
{
	struct alertstate s, t;
	char *path = unit_path(tmp, "h.db");
	struct db *db;
	sqlite3 *h;

	(void)state;
	alertstate_init(&s);
	alertstate_init(&t);
	db = db_open(path, 1, NULL);
	assert_non_null(db);
	assert_int_equal(db_alerts_load(db, &t), 0);
	assert_int_equal(t.n, 0);
	alertstate_set(&s, "budget", "budget 2026-11-30 over 100% org", T0);
	alertstate_set(&s, "jobs > 1", "", T0 - 400 * 24 * HOUR);
	/* stored, and the one older than a year pruned at once */
	assert_int_equal(db_alerts_store(db, &s, T0 - ALERTSTATE_KEEP_MS), 0);
	assert_int_equal(db_alerts_load(db, &t), 0);
	assert_int_equal(t.n, 1);
	assert_true(alertstate_find(&t, "budget", "budget 2026-11-30 over "
	    "100% org")->sent_ms == T0);
	/* again: replaced */
	alertstate_prune(&s, T0 - ALERTSTATE_KEEP_MS);
	s.v[0].sent_ms = T0 + HOUR;
	assert_int_equal(db_alerts_store(db, &s, 0), 0);
	alertstate_release(&t);
	alertstate_init(&t);
	assert_int_equal(db_alerts_load(db, &t), 0);
	assert_int_equal(t.n, 1);
	assert_true(t.v[0].sent_ms == T0 + HOUR);
	db_close(db);

	/* a database from before --cooldown: no table, nothing sent; a
	 * reader still opens it */
	assert_int_equal(sqlite3_open(path, &h), SQLITE_OK);
	assert_int_equal(sqlite3_exec(h, "DROP TABLE alerts_sent", NULL, NULL,
	    NULL), SQLITE_OK);
	sqlite3_close(h);
	db = db_open(path, 0, NULL);
	assert_non_null(db);
	alertstate_release(&t);
	alertstate_init(&t);
	assert_int_equal(db_alerts_load(db, &t), 0);
	assert_int_equal(t.n, 0);
	db_close(db);
	/* a writer adds it back */
	db = db_open(path, 1, NULL);
	assert_non_null(db);
	assert_int_equal(db_alerts_store(db, &s, 0), 0);
	db_close(db);

	/* a row that is not ours: an error, not an empty state */
	assert_int_equal(sqlite3_open(path, &h), SQLITE_OK);
	assert_int_equal(sqlite3_exec(h, "UPDATE alerts_sent SET sent_at = "
	    "'soon'", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(h);
	db = db_open(path, 0, NULL);
	assert_non_null(db);
	{
		struct unit_capture cap;
		char *err, want[512];

		unit_capture_begin(&cap);
		assert_int_equal(db_alerts_load(db, &t), -1);
		err = unit_capture_end(&cap);
		snprintf(want, sizeof(want), "database '%s': table "
		    "alerts_sent, row 1: expected", path);
		assert_contains(err, want);
		free(err);
	}
	db_close(db);
	alertstate_release(&s);
	alertstate_release(&t);
	free(path);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_set_find_prune),
		cmocka_unit_test(test_file_round_trip),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_db),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
