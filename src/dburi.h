/*
 * dburi.h: what a --db argument names: an SQLite file, or a PostgreSQL
 * server as libpq takes it (a postgresql:// or postgres:// URI, or a
 * keyword string with host=), and the refusal of one that holds a
 * password (issue 20).
 *
 * A password on the command line is in the process list and in shell
 * history, so none is taken there: libpq's own sources (PGPASSWORD,
 * ~/.pgpass, PGPASSFILE, a passfile= in the string) give it.  The
 * strings are read with libpq's own rules (fe-connect.c: a URI's user
 * information ends at the first '@' before any '/', its parts are
 * percent-decoded; a keyword string is keyword = value pairs, a value
 * quoted with '...' and \ escaping), and a dbname that is itself a
 * connection string (libpq expands one in some calls) is read too.  No
 * message ever holds any part of the argument.
 */
#ifndef CU_DBURI_H
#define CU_DBURI_H

enum dburi_kind {
	DBURI_SQLITE,		/* a file name ("-": the default database) */
	DBURI_PG		/* a libpq connection string, no password */
};

/*
 * Classify `arg`: 0 and *kind, or -1 and *why (a static message, none of
 * arg in it) when it is refused: a password or sslpassword in it, a
 * malformed URI or keyword string, a keyword string without host= or
 * hostaddr= (which would else be taken as a file name: ./NAME is one),
 * or a scheme not written in lower case as libpq wants it.  A string
 * that is no URI and no keyword string but has "password=" in it (any
 * case, spaces before the '=') is refused too, so that a broken
 * connection string never becomes a file named after a password.
 */
int dburi_classify(const char *arg, enum dburi_kind *kind, const char **why);

/* dburi_classify() with the refusal reported: 0, or EXIT_USAGE. */
int dburi_check(const char *arg, enum dburi_kind *kind);

#endif
