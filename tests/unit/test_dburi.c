/*
 * test_dburi.c: --db arguments classified (dburi.h): file names, URIs of
 * both schemes and keyword strings with host=; passwords refused in the
 * user information, the query (percent-encoded names too), keyword
 * strings (quoted, spaced, any case), sslpassword, and a dbname that is
 * itself a connection string; malformed strings refused; and no message
 * ever holding the password.
 */
#include "unit.h"

#include "dburi.h"

#define SECRET "s3cr3tPW"

/* The verdict on s: 0 SQLite, 1 PostgreSQL, -1 refused (no SECRET in
 * the message). */
static int
verdict(const char *s)
{
	enum dburi_kind kind;
	const char *why = NULL;

	if (dburi_classify(s, &kind, &why) < 0) {
		assert_non_null(why);
		assert_null(strstr(why, SECRET));
		assert_null(strstr(why, s));
		return -1;
	}
	assert_null(why);
	return kind == DBURI_PG ? 1 : 0;
}

static void
test_files(void **state)
{
	(void)state;
	assert_int_equal(verdict("-"), 0);
	assert_int_equal(verdict("usage.db"), 0);
	assert_int_equal(verdict("/tmp/history.db"), 0);
	assert_int_equal(verdict("./host=x.db"), 0);
	assert_int_equal(verdict("/srv/a=b/usage.db"), 0);
	assert_int_equal(verdict("my file=x.db"), 0);
	assert_int_equal(verdict(""), 0);
	assert_int_equal(verdict("backup:2026-12.db"), 0);
	assert_int_equal(verdict("/srv/a@b:c.db"), 0);
	assert_int_equal(verdict("./postgresql:/x.db"), 0);
}

/*
 * A mistyped connection string is refused, not taken for a file (which
 * ingest would create, named after the password).
 */
static void
test_lookalikes(void **state)
{
	(void)state;
	assert_int_equal(verdict("postgresql:/not-a-uri.db"), -1);
	assert_int_equal(verdict("postgresql:/u:" SECRET "@db.example/u"), -1);
	assert_int_equal(verdict(" postgresql://db.example/u"), -1);
	assert_int_equal(verdict("\tpostgres://db.example/u"), -1);
	assert_int_equal(verdict("postgresq://u:" SECRET "@h/d"), -1);
	assert_int_equal(verdict("https://db.example/u"), -1);
	assert_int_equal(verdict("u:" SECRET "@db.example/usage"), -1);
}

/*
 * libpq reads a '[' as an IPv6 address only where a host begins: after
 * it, the host is "a[b" and the query's password is libpq's (the
 * reading of dburi.c alone missed it; libpq's own now decides).
 */
static void
test_libpq_decides(void **state)
{
	(void)state;
	assert_int_equal(verdict("postgresql://a[b/db?password=" SECRET "]"),
	    -1);
	assert_int_equal(verdict("postgresql://x[/cu?host=%2Ftmp&password="
	    SECRET "&application_name=]"), -1);
	assert_int_equal(verdict("postgresql://h/d?dbname=host%3Dx%20"
	    "password%3D" SECRET), -1);
	assert_int_equal(verdict("host=h dbname='postgresql://u:" SECRET
	    "@h/d'"), -1);
	/* a dbname libpq cannot read as a string is a name (the fuzzer's) */
	assert_int_equal(verdict("postgresql://upostgres://e=require"), 1);
	/* what libpq cannot read at all */
	assert_int_equal(verdict("postgresql://h/d?nosuchoption=1"), -1);
	assert_int_equal(verdict("host=h nosuchkeyword=1"), -1);
}

static void
test_uris(void **state)
{
	(void)state;
	assert_int_equal(verdict("postgresql://"), 1);
	assert_int_equal(verdict("postgres://db.example/usage"), 1);
	assert_int_equal(verdict("postgresql://cu@127.0.0.1:5432/cu"), 1);
	assert_int_equal(verdict("postgresql:///cu?host=%2Ftmp%2Fs&port=5"),
	    1);
	assert_int_equal(verdict("postgresql://u@h/d?sslmode=verify-full&"
	    "passfile=%2Fhome%2Fu%2F.pgpass"), 1);
	assert_int_equal(verdict("postgresql://h1:5432,h2:5433/d?"), 1);
	assert_int_equal(verdict("postgresql://[::1]:5432/d"), 1);
	/* an empty password is none (libpq does not store it) */
	assert_int_equal(verdict("postgresql://u:@h/d"), 1);
	/* a %3A is part of the user name */
	assert_int_equal(verdict("postgresql://a%3Ab@h/d"), 1);
	/* after a '/', an '@' is no user information */
	assert_int_equal(verdict("postgresql://h/d?application_name=a:b@c"),
	    1);
}

static void
test_uri_passwords(void **state)
{
	(void)state;
	assert_int_equal(verdict("postgresql://u:" SECRET "@h/d"), -1);
	assert_int_equal(verdict("postgres://u:" SECRET "@h"), -1);
	assert_int_equal(verdict("postgresql://:" SECRET "@h"), -1);
	assert_int_equal(verdict("postgresql://u:%73%33cr3t@h/d"), -1);
	/* libpq's look-ahead: an '@' before any '/' ends the user part */
	assert_int_equal(verdict("postgresql://h?x=u:" SECRET "@c"), -1);
	assert_int_equal(verdict("postgresql://h/d?password=" SECRET), -1);
	assert_int_equal(verdict("postgresql://h/d?sslmode=require&"
	    "password=" SECRET), -1);
	assert_int_equal(verdict("postgresql://h/d?pass%77ord=" SECRET), -1);
	assert_int_equal(verdict("postgresql://h/d?%70%61%73%73%77%6f%72%64="
	    SECRET), -1);
	assert_int_equal(verdict("postgresql://h/d?PASSWORD=" SECRET), -1);
	assert_int_equal(verdict("postgresql://h/d?password="), -1);
	assert_int_equal(verdict("postgresql://h/d?sslpassword=" SECRET), -1);
	/* a dbname that is a connection string itself */
	assert_int_equal(verdict("postgresql://h/postgresql%3A%2F%2Fu%3A"
	    SECRET "%40h"), -1);
	assert_int_equal(verdict("postgresql://h/?dbname=password%3D"
	    SECRET), -1);
	assert_int_equal(verdict("postgresql://h/?dbname=host%3Dx"), 1);
	/* the scheme in another case: refused (libpq would not read it) */
	assert_int_equal(verdict("POSTGRESQL://u:" SECRET "@h"), -1);
	assert_int_equal(verdict("Postgres://h/d"), -1);
}

static void
test_uri_malformed(void **state)
{
	(void)state;
	assert_int_equal(verdict("postgresql://h/d?password"), -1);
	assert_int_equal(verdict("postgresql://h/d?a=b=c"), -1);
	assert_int_equal(verdict("postgresql://h/d?a=%4"), -1);
	assert_int_equal(verdict("postgresql://h/d?a=%zz"), -1);
	assert_int_equal(verdict("postgresql://h/d%00"), -1);
	assert_int_equal(verdict("postgresql://u%G0@h/d"), -1);
	assert_int_equal(verdict("postgresql://[::1/d"), -1);
}

static void
test_keywords(void **state)
{
	(void)state;
	assert_int_equal(verdict("host=127.0.0.1 dbname=cu user=cu"), 1);
	assert_int_equal(verdict("  host = /tmp/sock   port=5432 "), 1);
	assert_int_equal(verdict("hostaddr=127.0.0.1"), 1);
	assert_int_equal(verdict("host='a b' application_name='it''s'"), -1);
	assert_int_equal(verdict("host='a b' application_name='it\\'s'"), 1);
	assert_int_equal(verdict("host=h passfile=/home/u/.pgpass"), 1);
	/* a value that looks like a password pair is still a value */
	assert_int_equal(verdict("host=h application_name='x password=y'"),
	    1);
	/* no host: not taken for a file name either */
	assert_int_equal(verdict("dbname=cu"), -1);
	assert_int_equal(verdict("x=y.db"), -1);
}

static void
test_keyword_passwords(void **state)
{
	(void)state;
	assert_int_equal(verdict("host=h password=" SECRET), -1);
	assert_int_equal(verdict("host=h password = " SECRET), -1);
	assert_int_equal(verdict("host=h password='" SECRET " x'"), -1);
	assert_int_equal(verdict("host=h PassWord=" SECRET), -1);
	assert_int_equal(verdict("password=" SECRET), -1);
	assert_int_equal(verdict("host=h password="), -1);
	assert_int_equal(verdict("host=h sslpassword=" SECRET), -1);
	/* libpq: the value after "password= " is the next word */
	assert_int_equal(verdict("password= host=h"), -1);
	assert_int_equal(verdict("host=h dbname='postgresql://u:" SECRET
	    "@h'"), -1);
	assert_int_equal(verdict("host=h dbname='host=x password=" SECRET
	    "'"), -1);
	/* broken strings with a password are not file names */
	assert_int_equal(verdict("host=h password='" SECRET), -1);
	assert_int_equal(verdict("/tmp/x password=" SECRET), -1);
	assert_int_equal(verdict("host=h 'password'=" SECRET), -1);
}

static void
test_check_reports(void **state)
{
	enum dburi_kind kind;
	struct unit_capture cap;
	char *err;

	(void)state;
	unit_capture_begin(&cap);
	assert_int_equal(dburi_check("postgresql://u:" SECRET "@h/d", &kind),
	    EXIT_USAGE);
	err = unit_capture_end(&cap);
	assert_non_null(strstr(err, "PGPASSWORD"));
	assert_non_null(strstr(err, "~/.pgpass"));
	assert_non_null(strstr(err, "PGPASSFILE"));
	assert_null(strstr(err, SECRET));
	free(err);
	assert_int_equal(dburi_check("postgres://h/d", &kind), 0);
	assert_int_equal(kind, DBURI_PG);
	assert_int_equal(dburi_check("h.db", &kind), 0);
	assert_int_equal(kind, DBURI_SQLITE);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_files),
		cmocka_unit_test(test_lookalikes),
		cmocka_unit_test(test_libpq_decides),
		cmocka_unit_test(test_uris),
		cmocka_unit_test(test_uri_passwords),
		cmocka_unit_test(test_uri_malformed),
		cmocka_unit_test(test_keywords),
		cmocka_unit_test(test_keyword_passwords),
		cmocka_unit_test(test_check_reports),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
