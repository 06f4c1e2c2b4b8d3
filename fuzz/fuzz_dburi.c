/*
 * fuzz_dburi.c: --db arguments classified (dburi.h).  The input is the
 * argument (cut at a NUL).  A refusal must carry a message, an answer
 * none; a message holds no byte of the argument's own (it is static);
 * a URI with a ':' in its user information is never taken; and nothing
 * taken (for a file or a server) is a string in which libpq's own
 * parser finds a password, as the argument or as the dbname in it that
 * libpq would expand (the difference between dburi.c's reading and
 * libpq's is what this looks for).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "dburi.h"
#include "util.h"

/* Does libpq find a password in s (or in the dbname it holds)? */
static int
libpq_password(const char *s, int depth)
{
	PQconninfoOption *opts, *o;
	char *err = NULL;
	int found = 0;

	if ((opts = PQconninfoParse(s, &err)) == NULL) {
		PQfreemem(err);
		return 0;
	}
	for (o = opts; o->keyword != NULL; o++) {
		if (o->val == NULL || o->val[0] == '\0')
			continue;
		if (strcmp(o->keyword, "password") == 0 ||
		    strcmp(o->keyword, "sslpassword") == 0)
			found = 1;
		else if (strcmp(o->keyword, "dbname") == 0 && depth < 2 &&
		    libpq_password(o->val, depth + 1))
			found = 1;
	}
	PQconninfoFree(opts);
	return found;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = xstrndup((const char *)data, size);
	char *u = xasprintf("postgresql://u:p%s@h/d", s);
	enum dburi_kind kind;
	const char *why;
	int r;

	r = dburi_classify(s, &kind, &why);
	if ((r < 0) != (why != NULL) || (r == 0 && kind != DBURI_SQLITE &&
	    kind != DBURI_PG))
		abort();
	if (why != NULL && *s != '\0' && strstr(why, s) == why)
		abort();
	if (r == 0 && libpq_password(s, 0))
		abort();
	/* whatever follows the password, before the '@': refused */
	if (strchr(s, '/') == NULL && strchr(s, '@') == NULL &&
	    dburi_classify(u, &kind, &why) == 0)
		abort();
	free(u);
	free(s);
	return 0;
}
