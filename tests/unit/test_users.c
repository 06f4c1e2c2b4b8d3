/*
 * test_users.c: the cache of user names (users.h): saved and parsed back
 * unchanged; every bad or hostile cache (truncated JSON, wrong types,
 * huge strings, control characters, duplicate IDs or keys, a huge file)
 * refused with one reason naming the field and the cache left as it was;
 * the names a report shows (collisions told apart by the ID's prefix);
 * and the renaming of a result's user key, groups and sums kept.
 */
#include "unit.h"

#include "agg.h"
#include "report.h"
#include "users.h"

#define ID1 "0139b9da-78ff-4e21-a2ca-7e91521bec4a"
#define ID2 "0719255c-cd51-46c4-a0f1-3263be0edfec"
#define ID3 "0a661428-93b1-47b3-891b-8580609f5b61"
#define ID4 "471317bf-eebc-4f0e-88d7-1ef20ec2a3bf"

static void
test_roundtrip(void **state)
{
	struct users u, v;
	char err[256], *text, *dir = unit_tmpdir(), *path;
	const struct user *e;

	(void)state;
	users_init(&u);
	users_init(&v);
	users_set(&u, ID2, "bob", "Bob \xc3\x89", "2026-12-04T12:00:00Z");
	users_set(&u, ID1, "alice", NULL, NULL);
	users_set(&u, ID3, NULL, NULL, "2026-12-04T12:00:00Z");
	assert_int_equal(u.n, 3);
	assert_string_equal(u.v[0].id, ID1);	/* sorted */
	text = users_dump(&u);
	assert_int_equal(users_parse(&v, text, strlen(text), err,
	    sizeof(err)), 0);
	assert_int_equal(v.n, 3);
	e = users_find(&v, ID2, strlen(ID2));
	assert_non_null(e);
	assert_string_equal(e->login, "bob");
	assert_string_equal(e->name, "Bob \xc3\x89");
	e = users_find(&v, ID3, strlen(ID3));
	assert_non_null(e);
	assert_null(e->login);
	assert_null(users_find(&v, ID4, strlen(ID4)));
	free(text);

	/* saved atomically, loaded back; no file is 1 */
	assert_int_equal(users_save(&u, dir), 0);
	path = unit_path(dir, USERS_FILE);
	users_release(&v);
	assert_int_equal(users_load(&v, path, err, sizeof(err)), 0);
	assert_int_equal(v.n, 3);
	free(path);
	path = unit_path(dir, "none.json");
	assert_int_equal(users_load(&v, path, err, sizeof(err)), 1);
	free(path);
	/* a directory is not a cache */
	assert_int_equal(users_load(&v, dir, err, sizeof(err)), -1);
	users_release(&u);
	users_release(&v);
	unit_rmtree(dir);
	free(dir);
}

struct bad {
	const char *text;
	const char *want;	/* in the reason */
};

static void
test_bad(void **state)
{
	static const struct bad cases[] = {
		{ "", "not JSON" },
		{ "{\"version\": 1, \"users\": [{\"id\": \"" ID1, "not JSON" },
		{ "[]", "expected a JSON object" },
		{ "{\"users\": []}", "version: expected 1" },
		{ "{\"version\": \"1\", \"users\": []}", "version" },
		{ "{\"version\": 2, \"users\": []}", "version: expected 1" },
		{ "{\"version\": 1}", "users: expected an array" },
		{ "{\"version\": 1, \"users\": {}}", "users: expected an array" },
		{ "{\"version\": 1, \"users\": [1]}", "users[0]: expected an "
		    "object" },
		{ "{\"version\": 1, \"users\": [{\"login\": \"a\"}]}",
		    "users[0].id: expected a string" },
		{ "{\"version\": 1, \"users\": [{\"id\": 7}]}",
		    "users[0].id: expected a string" },
		{ "{\"version\": 1, \"users\": [{\"id\": \"\"}]}",
		    "users[0].id: expected a string of 1 to 64 bytes" },
		{ "{\"version\": 1, \"users\": [{\"id\": \"" ID1 ID1 "\"}]}",
		    "users[0].id: expected a string of 1 to 64 bytes" },
		{ "{\"version\": 1, \"users\": [{\"id\": \"a\\u0000b\"}]}",
		    "not JSON" },
		{ "{\"version\": 1, \"users\": [{\"id\": \"" ID1 "\", "
		    "\"login\": \"a\\u001b]0;x\\u0007\"}]}",
		    "users[0].login: expected a string of 1 to 100 bytes "
		    "without control characters, or null" },
		{ "{\"version\": 1, \"users\": [{\"id\": \"" ID1 "\", "
		    "\"login\": [\"a\"]}]}", "users[0].login: expected a "
		    "string of at most 100 bytes or null" },
		{ "{\"version\": 1, \"users\": [{\"id\": \"" ID1 "\", "
		    "\"name\": 3.5}]}", "users[0].name" },
		{ "{\"version\": 1, \"users\": [{\"id\": \"" ID1 "\"}, "
		    "{\"id\": \"" ID2 "\"}, {\"id\": \"" ID1 "\"}]}",
		    "users[2].id: '" ID1 "' is there twice" },
		{ "{\"version\": 1, \"version\": 1, \"users\": []}",
		    "not JSON" },
		{ "{\"version\": 1, \"users\": [{\"id\": \"" ID1 "\", "
		    "\"fetched_at\": {}}]}", "users[0].fetched_at" },
	};
	struct users u;
	char err[256];
	size_t i;

	(void)state;
	users_init(&u);
	users_set(&u, ID4, "kept", NULL, NULL);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		err[0] = '\0';
		if (users_parse(&u, cases[i].text, strlen(cases[i].text), err,
		    sizeof(err)) != -1)
			fail_msg("case %zu parsed: %s", i, cases[i].text);
		if (strstr(err, cases[i].want) == NULL)
			fail_msg("case %zu: '%s' lacks '%s'", i, err,
			    cases[i].want);
		assert_null(strchr(err, '\n'));
		/* the cache is as it was */
		assert_int_equal(u.n, 1);
		assert_string_equal(u.v[0].login, "kept");
	}
	users_release(&u);
}

/* Strings past their limits, and a login of every length up to it. */
static void
test_huge(void **state)
{
	struct users u;
	struct sbuf sb;
	char err[256], *big = xmalloc(300001);
	int len;

	(void)state;
	users_init(&u);
	memset(big, 'x', 300000);
	big[300000] = '\0';
	sbuf_init(&sb, SIZE_MAX);
	sbuf_addf(&sb, "{\"version\": 1, \"users\": [{\"id\": \"" ID1 "\", "
	    "\"login\": \"%s\"}]}", big);
	assert_int_equal(users_parse(&u, sb.buf, sb.len, err, sizeof(err)),
	    -1);
	assert_non_null(strstr(err, "users[0].login"));
	for (len = 99; len <= 101; len++) {
		sbuf_reset(&sb);
		sbuf_addf(&sb, "{\"version\": 1, \"users\": [{\"id\": \"" ID1
		    "\", \"name\": \"%.*s\", \"login\": \"%.*s\"}]}", 256, big,
		    len, big);
		assert_int_equal(users_parse(&u, sb.buf, sb.len, err,
		    sizeof(err)), len <= USERS_MAX_LOGIN ? 0 : -1);
	}
	/* a file past USERS_MAX_BYTES is not read at all */
	{
		char *dir = unit_tmpdir(), *path = unit_path(dir, USERS_FILE);
		int fd = open(path, O_CREAT | O_WRONLY, 0600);

		assert_true(fd >= 0);
		assert_int_equal(ftruncate(fd, (off_t)USERS_MAX_BYTES + 1), 0);
		close(fd);
		assert_int_equal(users_load(&u, path, err, sizeof(err)), -1);
		assert_non_null(strstr(err, "larger than"));
		free(path);
		unit_rmtree(dir);
		free(dir);
	}
	sbuf_release(&sb);
	free(big);
	users_release(&u);
}

static void
test_finish(void **state)
{
	struct users u;

	(void)state;
	users_init(&u);
	users_set(&u, ID1, "alice", NULL, NULL);
	users_set(&u, ID2, "Alice", NULL, NULL);	/* same, in another case */
	users_set(&u, ID3, NULL, NULL, NULL);		/* unknown */
	users_set(&u, ID4, "bob", NULL, NULL);
	users_finish(&u);
	assert_string_equal(users_find(&u, ID1, 36)->shown, "alice (0139b9da)");
	assert_string_equal(users_find(&u, ID2, 36)->shown, "Alice (0719255c)");
	assert_null(users_find(&u, ID3, 36)->shown);
	assert_string_equal(users_find(&u, ID4, 36)->shown, "bob");
	/* a login that is an ID of the cache is told apart too */
	users_set(&u, ID4, ID3, NULL, NULL);
	users_finish(&u);
	assert_string_equal(users_find(&u, ID4, 36)->shown,
	    ID3 " (471317bf)");
	users_release(&u);
}

/* A group of agg a keyed by (values...). */
static void
add_group(struct agg *a, const char *v1, const char *v2, uint64_t jobs)
{
	struct sbuf key;
	struct agg_group *g;

	sbuf_init(&key, SIZE_MAX);
	agg_key_add(&key, v1, strlen(v1));
	if (v2 != NULL)
		agg_key_add(&key, v2, strlen(v2));
	g = agg_get(a, key.buf, key.len, agg_hash(key.buf, key.len));
	g->m.jobs = jobs;
	sbuf_release(&key);
}

static void
part_is(const struct agg_group *g, size_t i, const char *want)
{
	size_t len;
	const char *p = agg_key_part(g->key, g->keylen, i, &len);

	if (len != strlen(want) || memcmp(p, want, len) != 0)
		fail_msg("key part %zu is '%.*s', not '%s'", i, (int)len, p,
		    want);
}

static void
test_rename(void **state)
{
	struct report_opts o;
	struct report_result r;
	struct users u;
	char **ids;
	size_t n;

	(void)state;
	users_init(&u);
	users_set(&u, ID1, "alice", NULL, NULL);
	users_set(&u, ID2, "alice", NULL, NULL);
	users_set(&u, ID3, NULL, NULL, NULL);
	users_finish(&u);
	report_opts_init(&o);
	assert_int_equal(report_parse_by(&o, "project,user"), 0);
	memset(&r, 0, sizeof(r));
	agg_init(&r.groups);
	add_group(&r.groups, "p1", ID1, 5);
	add_group(&r.groups, "p1", ID2, 6);
	add_group(&r.groups, "p2", ID3, 7);
	add_group(&r.groups, "p2", "", 8);
	add_group(&r.groups, "p3", ID1, 9);

	users_collect(&o, &r, &ids, &n);
	assert_int_equal(n, 3);		/* distinct, sorted, no empty one */
	assert_string_equal(ids[0], ID1);
	assert_string_equal(ids[2], ID3);
	strv_free(ids, n);

	assert_int_equal(users_rename(&u, &o, &r), 0);
	assert_int_equal(r.groups.n, 5);	/* grouping stays by ID */
	part_is(&r.groups.groups[0], 0, "p1");
	part_is(&r.groups.groups[0], 1, "alice (0139b9da)");
	part_is(&r.groups.groups[1], 1, "alice (0719255c)");
	part_is(&r.groups.groups[2], 1, ID3);	/* unknown: the ID */
	part_is(&r.groups.groups[3], 1, "");
	part_is(&r.groups.groups[4], 1, "alice (0139b9da)");
	assert_int_equal(r.groups.groups[1].m.jobs, 6);
	assert_int_equal(r.groups.groups[4].m.jobs, 9);
	report_result_release(&r);

	/* a login equal to an ID not in the cache: IDs kept, said once */
	memset(&r, 0, sizeof(r));
	agg_init(&r.groups);
	add_group(&r.groups, "p1", ID1, 1);
	add_group(&r.groups, "p1", ID4, 2);
	users_set(&u, ID1, ID4, NULL, NULL);
	users_set(&u, ID2, "carol", NULL, NULL);
	users_finish(&u);
	assert_int_equal(users_rename(&u, &o, &r), 1);
	part_is(&r.groups.groups[0], 1, ID1);
	part_is(&r.groups.groups[1], 1, ID4);
	report_result_release(&r);
	report_opts_release(&o);

	/* no user key: nothing to collect */
	report_opts_init(&o);
	assert_int_equal(report_parse_by(&o, "project"), 0);
	assert_int_equal(users_wanted(&o), 0);
	report_opts_release(&o);
	users_release(&u);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_bad),
		cmocka_unit_test(test_huge),
		cmocka_unit_test(test_finish),
		cmocka_unit_test(test_rename),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
