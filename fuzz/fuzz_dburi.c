/*
 * fuzz_dburi.c: --db arguments classified (dburi.h).  The input is the
 * argument (cut at a NUL).  A refusal must carry a message, an answer
 * none; a message holds no byte of the argument's own (it is static);
 * and a URI with a ':' in its user information is never taken.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dburi.h"
#include "util.h"

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
	/* whatever follows the password, before the '@': refused */
	if (strchr(s, '/') == NULL && strchr(s, '@') == NULL &&
	    dburi_classify(u, &kind, &why) == 0)
		abort();
	free(u);
	free(s);
	return 0;
}
