/*
 * dburi.c: a --db argument classified, and one holding a password
 * refused (dburi.h).  The parsers follow libpq's (fe-connect.c:
 * conninfo_uri_parse_options, conninfo_parse) closely enough to find
 * every password libpq would find, and no more: what libpq would reject
 * for another reason is left to libpq, but for the malformed pieces
 * that hide where a part ends (a bad %-escape, a query item without one
 * '=', an unterminated quote), refused here.  Then libpq itself
 * (PQconninfoParse) reads every string taken for PostgreSQL, and its
 * reading decides: a password it finds is refused, and a string it
 * cannot read too.  A file name that looks like a connection string
 * (a URL scheme, user:password@, "postgres" after spaces) is refused,
 * so that a mistyped URI never becomes a file named after a password.
 */
#include "dburi.h"

#include <ctype.h>
#include <libpq-fe.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util.h"

#define DBURI_MAX_DEPTH 2	/* a dbname holding a connection string */

static const char dburi_msg_password[] =
    "--db: a PostgreSQL connection string must not hold a password (it "
    "would be seen in the process list and kept in shell history); give "
    "it through PGPASSWORD, ~/.pgpass, PGPASSFILE or passfile= instead";
static const char dburi_msg_sslpassword[] =
    "--db: a PostgreSQL connection string must not hold an sslpassword; "
    "leave the key unencrypted in a file only you can read, or let libpq "
    "ask for it";
static const char dburi_msg_escape[] =
    "--db: a PostgreSQL URI with a bad %-escape (% must be followed by "
    "two hex digits, and %00 is not allowed)";
static const char dburi_msg_query[] =
    "--db: a PostgreSQL URI's query must be name=value items joined by "
    "'&'";
static const char dburi_msg_bracket[] =
    "--db: a PostgreSQL URI with an unclosed '[' in its host";
static const char dburi_msg_quote[] =
    "--db: a libpq keyword string with an unterminated quoted value";
static const char dburi_msg_keywords[] =
    "--db: a malformed libpq keyword string (keyword=value pairs, a value "
    "with spaces in '...')";
static const char dburi_msg_nohost[] =
    "--db: a libpq keyword string needs host= or hostaddr= (for a file "
    "of that name, write ./NAME)";
static const char dburi_msg_scheme[] =
    "--db: write the scheme in lower case, postgresql:// or postgres://";
static const char dburi_msg_libpq[] =
    "--db: libpq cannot read this connection string (a URI "
    "postgresql://[user@]host[:port]/dbname[?name=value&...], or "
    "keyword=value pairs with host=)";
static const char dburi_msg_lookalike[] =
    "--db: looks like a connection string, but not one libpq reads "
    "(postgresql://[user@]host[:port]/dbname, or keywords with host=); "
    "for a file of such a name, write ./NAME";

enum { DBURI_OK, DBURI_NOT, DBURI_BAD };

static int dburi_nested(const char *s, size_t n, int depth,
    const char **why);

/* Is the refusal for a secret (the one refusal a dbname passes on)? */
static int
dburi_secret(const char *why)
{
	return why == dburi_msg_password || why == dburi_msg_sslpassword;
}

/*
 * s[0..n) percent-decoded as libpq does (no '+' for a space) into a new
 * string, its length in *len; NULL for a bad escape or %00.
 */
static char *
dburi_decode(const char *s, size_t n, size_t *len)
{
	char *out = xmalloc(n + 1);
	size_t i, k = 0;

	for (i = 0; i < n; i++) {
		int hi, lo;

		if (s[i] != '%') {
			out[k++] = s[i];
			continue;
		}
		if (n - i < 3 ||
		    (hi = hex_value((unsigned char)s[i + 1])) < 0 ||
		    (lo = hex_value((unsigned char)s[i + 2])) < 0 ||
		    (hi == 0 && lo == 0)) {
			free(out);
			return NULL;
		}
		out[k++] = (char)(hi << 4 | lo);
		i += 2;
	}
	out[k] = '\0';
	*len = k;
	return out;
}

/* Is s[0..n) `word`, in any case? */
static int
dburi_is(const char *s, size_t n, const char *word)
{
	return strlen(word) == n && strncasecmp(s, word, n) == 0;
}

/* A keyword's verdict: DBURI_OK, or DBURI_BAD with *why. */
static int
dburi_keyword(const char *k, size_t kn, const char *v, size_t vn,
    int depth, const char **why)
{
	if (dburi_is(k, kn, "password")) {
		*why = dburi_msg_password;
		return DBURI_BAD;
	}
	if (dburi_is(k, kn, "sslpassword")) {
		*why = dburi_msg_sslpassword;
		return DBURI_BAD;
	}
	if (dburi_is(k, kn, "dbname"))
		return dburi_nested(v, vn, depth + 1, why);
	return DBURI_OK;
}

/* Does s start with libpq's URI prefix, in any case?  Its length, or 0. */
static size_t
dburi_prefix(const char *s, size_t n, int *exact)
{
	static const char *const pre[] = { "postgresql://", "postgres://" };
	size_t i;

	for (i = 0; i < 2; i++) {
		size_t l = strlen(pre[i]);

		if (n >= l && strncasecmp(s, pre[i], l) == 0) {
			*exact = strncmp(s, pre[i], l) == 0;
			return l;
		}
	}
	return 0;
}

/* A URI after its prefix: DBURI_OK or DBURI_BAD (with *why). */
static int
dburi_uri(const char *s, size_t n, int depth, const char **why)
{
	size_t i = 0, at, start;
	int inbr = 0;

	/* user information: up to an '@' met before any '/' */
	while (i < n && s[i] != '@' && s[i] != '/')
		i++;
	if (i < n && s[i] == '@') {
		const char *colon = memchr(s, ':', i);
		size_t len;
		char *user;

		at = i;
		if (colon != NULL && colon + 1 < s + at) {
			*why = dburi_msg_password;
			return DBURI_BAD;
		}
		user = dburi_decode(s, colon != NULL ? (size_t)(colon - s) :
		    at, &len);
		if (user == NULL) {
			*why = dburi_msg_escape;
			return DBURI_BAD;
		}
		free(user);
		i = at + 1;
	} else {
		i = 0;
	}
	/* hosts and ports, up to '/' or '?' outside [...] */
	for (; i < n; i++) {
		if (s[i] == '[')
			inbr = 1;
		else if (s[i] == ']')
			inbr = 0;
		else if (!inbr && (s[i] == '/' || s[i] == '?'))
			break;
	}
	if (inbr) {
		*why = dburi_msg_bracket;
		return DBURI_BAD;
	}
	if (i < n && s[i] == '/') {
		size_t len;
		char *db;
		int r;

		start = ++i;
		while (i < n && s[i] != '?')
			i++;
		if ((db = dburi_decode(s + start, i - start, &len)) == NULL) {
			*why = dburi_msg_escape;
			return DBURI_BAD;
		}
		r = dburi_nested(db, len, depth + 1, why);
		free(db);
		if (r == DBURI_BAD)
			return r;
	}
	if (i >= n)
		return DBURI_OK;
	/* the query: name=value items joined by '&' */
	for (start = ++i; start <= n; start = i + 1) {
		const char *eq;
		char *k, *v;
		size_t kn, vn;
		int r;

		for (i = start; i < n && s[i] != '&'; i++)
			;
		eq = memchr(s + start, '=', i - start);
		if (eq == NULL || memchr(eq + 1, '=', (size_t)(s + i - eq -
		    1)) != NULL) {
			if (i == start && i == n)
				break;	/* a trailing '?' or '&' */
			*why = dburi_msg_query;
			return DBURI_BAD;
		}
		k = dburi_decode(s + start, (size_t)(eq - s - start), &kn);
		v = dburi_decode(eq + 1, (size_t)(s + i - eq - 1), &vn);
		if (k == NULL || v == NULL) {
			free(k);
			free(v);
			*why = dburi_msg_escape;
			return DBURI_BAD;
		}
		r = dburi_keyword(k, kn, v, vn, depth, why);
		free(k);
		free(v);
		if (r == DBURI_BAD)
			return r;
		if (i >= n)
			break;
	}
	return DBURI_OK;
}

static int
dburi_ident(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || isdigit((unsigned char)s[0]))
		return 0;
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '_')
			return 0;
	return 1;
}

/*
 * A keyword string, read by libpq's rules: DBURI_OK (*host set when it
 * has host= or hostaddr=), DBURI_NOT (not one: a keyword that is not an
 * identifier or a missing '=' in the first pair, no pair at all) or
 * DBURI_BAD with *why (a password, or broken after its first pair).
 */
static int
dburi_keywords(const char *s, size_t n, int depth, int *host,
    const char **why)
{
	char *val = xmalloc(n + 1);
	size_t i = 0, pairs = 0;
	int ret = DBURI_NOT;

	*host = 0;
	for (;;) {
		size_t k0, kn, vn = 0;

		while (i < n && isspace((unsigned char)s[i]))
			i++;
		if (i >= n)
			break;
		k0 = i;
		while (i < n && s[i] != '=' && !isspace((unsigned char)s[i]))
			i++;
		kn = i - k0;
		while (i < n && isspace((unsigned char)s[i]))
			i++;
		if (i >= n || s[i] != '=' || !dburi_ident(s + k0, kn)) {
			/* after a good pair: a broken keyword string */
			if (pairs > 0) {
				*why = dburi_msg_keywords;
				ret = DBURI_BAD;
			}
			goto out;
		}
		i++;
		while (i < n && isspace((unsigned char)s[i]))
			i++;
		if (i < n && s[i] == '\'') {
			for (i++;; i++) {
				if (i >= n) {
					*why = dburi_msg_quote;
					ret = pairs > 0 || dburi_ident(s + k0,
					    kn) ? DBURI_BAD : DBURI_NOT;
					goto out;
				}
				if (s[i] == '\\' && i + 1 < n)
					val[vn++] = s[++i];
				else if (s[i] == '\'')
					break;
				else if (s[i] != '\\')
					val[vn++] = s[i];
			}
			i++;
		} else {
			for (; i < n && !isspace((unsigned char)s[i]); i++) {
				if (s[i] == '\\' && i + 1 < n)
					val[vn++] = s[++i];
				else if (s[i] != '\\')
					val[vn++] = s[i];
			}
		}
		val[vn] = '\0';
		pairs++;
		if (dburi_is(s + k0, kn, "host") ||
		    dburi_is(s + k0, kn, "hostaddr"))
			*host = 1;
		if (dburi_keyword(s + k0, kn, val, vn, depth, why) ==
		    DBURI_BAD) {
			ret = DBURI_BAD;
			goto out;
		}
	}
	ret = pairs > 0 ? DBURI_OK : DBURI_NOT;
out:
	free(val);
	return ret;
}

/* Is "password" (any case) followed by spaces and '=' anywhere in s? */
static int
dburi_mentions_password(const char *s, size_t n)
{
	size_t i, j;

	for (i = 0; i + 8 <= n; i++) {
		if (strncasecmp(s + i, "password", 8) != 0)
			continue;
		for (j = i + 8; j < n && isspace((unsigned char)s[j]); j++)
			;
		if (j < n && s[j] == '=')
			return 1;
	}
	return 0;
}

/*
 * A dbname's value: if libpq could take it for a connection string (a
 * URI prefix, or an '='), look for a password in it; nothing else is
 * refused there (a database may be named "a=b").
 */
static int
dburi_nested(const char *s, size_t n, int depth, const char **why)
{
	const char *w = NULL;
	size_t pl;
	int exact, host, r;

	if (depth > DBURI_MAX_DEPTH) {
		if (dburi_mentions_password(s, n) ||
		    dburi_prefix(s, n, &exact) > 0) {
			*why = dburi_msg_password;
			return DBURI_BAD;
		}
		return DBURI_OK;
	}
	if ((pl = dburi_prefix(s, n, &exact)) > 0)
		r = dburi_uri(s + pl, n - pl, depth, &w);
	else if (memchr(s, '=', n) != NULL)
		r = dburi_keywords(s, n, depth, &host, &w);
	else
		return DBURI_OK;
	if (r == DBURI_BAD && dburi_secret(w)) {
		*why = w;
		return DBURI_BAD;
	}
	if (pl > 0)
		return DBURI_OK;
	if (dburi_mentions_password(s, n)) {
		*why = dburi_msg_password;
		return DBURI_BAD;
	}
	return DBURI_OK;
}

/*
 * libpq's own reading of s (a connection string): -1 and *why when it
 * finds a password or sslpassword, in s or in a dbname that is itself a
 * connection string, or cannot read s at all.
 */
static int
dburi_libpq(const char *s, int depth, const char **why)
{
	PQconninfoOption *opts, *o;
	char *err = NULL;
	int ret = 0;

	if ((opts = PQconninfoParse(s, &err)) == NULL) {
		PQfreemem(err);
		*why = dburi_msg_libpq;
		return -1;
	}
	for (o = opts; o->keyword != NULL && ret == 0; o++) {
		if (o->val == NULL || o->val[0] == '\0')
			continue;
		if (strcmp(o->keyword, "password") == 0) {
			*why = dburi_msg_password;
			ret = -1;
		} else if (strcmp(o->keyword, "sslpassword") == 0) {
			*why = dburi_msg_sslpassword;
			ret = -1;
		} else if (strcmp(o->keyword, "dbname") == 0 &&
		    (strchr(o->val, '=') != NULL ||
		    strncmp(o->val, "postgres", 8) == 0)) {
			/* what PQconnectdbParams(expand_dbname) would read */
			if (depth >= DBURI_MAX_DEPTH) {
				*why = dburi_msg_password;
				ret = -1;
			} else {
				/* a dbname libpq cannot read is a name */
				const char *w = NULL;

				if (dburi_libpq(o->val, depth + 1, &w) < 0 &&
				    dburi_secret(w)) {
					*why = w;
					ret = -1;
				}
			}
		}
	}
	PQconninfoFree(opts);
	return ret;
}

/*
 * Would a reader take s for a connection string: "postgres" after
 * leading spaces, a URL scheme (letters, then ":/"), or user:password@
 * before any '/'?
 */
static int
dburi_lookalike(const char *s)
{
	const char *p = s, *at, *colon;

	while (isspace((unsigned char)*p))
		p++;
	if (p != s && strncasecmp(p, "postgres", 8) == 0)
		return 1;
	if (isalpha((unsigned char)*s)) {
		for (p = s + 1; isalnum((unsigned char)*p) || *p == '+' ||
		    *p == '.' || *p == '-'; p++)
			;
		if (p[0] == ':' && p[1] == '/')
			return 1;
	}
	if ((at = strchr(s, '@')) != NULL) {
		colon = memchr(s, ':', (size_t)(at - s));
		if (colon != NULL && memchr(s, '/', (size_t)(colon - s)) == NULL)
			return 1;
	}
	return 0;
}

int
dburi_classify(const char *arg, enum dburi_kind *kind, const char **why)
{
	size_t n = strlen(arg), pl;
	int exact, host, r;
	const char *quote = NULL;	/* dburi_keywords' why */

	*kind = DBURI_SQLITE;
	*why = NULL;
	if ((pl = dburi_prefix(arg, n, &exact)) > 0) {
		if (dburi_uri(arg + pl, n - pl, 0, why) == DBURI_BAD)
			return -1;
		if (!exact) {
			*why = dburi_msg_scheme;
			return -1;
		}
		if (dburi_libpq(arg, 0, why) < 0)
			return -1;
		*kind = DBURI_PG;
		return 0;
	}
	r = dburi_keywords(arg, n, 0, &host, &quote);
	if (r == DBURI_BAD) {
		*why = quote;
		return -1;
	}
	quote = NULL;
	if (r == DBURI_OK) {
		if (!host) {
			*why = dburi_msg_nohost;
			return -1;
		}
		if (dburi_libpq(arg, 0, why) < 0)
			return -1;
		*kind = DBURI_PG;
		return 0;
	}
	/* a file name, unless it is a broken string with a password */
	if (dburi_mentions_password(arg, n)) {
		*why = dburi_msg_password;
		return -1;
	}
	if (dburi_lookalike(arg)) {
		*why = dburi_msg_lookalike;
		return -1;
	}
	return 0;
}

int
dburi_check(const char *arg, enum dburi_kind *kind)
{
	const char *why;

	if (dburi_classify(arg, kind, &why) < 0) {
		error("%s", why);
		return EXIT_USAGE;
	}
	return 0;
}
