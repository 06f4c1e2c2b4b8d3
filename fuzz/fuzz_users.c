/*
 * fuzz_users.c: the cache of user names (users.json).  Any input parses
 * or fails with a reason of one line; what parses is saved and parsed
 * again unchanged, and its shown names are settled and never empty.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "users.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct users u, v;
	char err[256], *text;
	size_t i;

	users_init(&u);
	users_init(&v);
	err[0] = '\0';
	if (users_parse(&u, (const char *)data, size, err, sizeof(err)) < 0) {
		if (err[0] == '\0' || strchr(err, '\n') != NULL || u.n != 0)
			abort();
		return 0;
	}
	text = users_dump(&u);
	if (users_parse(&v, text, strlen(text), err, sizeof(err)) < 0 ||
	    v.n != u.n)
		abort();
	for (i = 0; i < u.n; i++)
		if (strcmp(u.v[i].id, v.v[i].id) != 0 ||
		    (u.v[i].login == NULL) != (v.v[i].login == NULL))
			abort();
	users_finish(&u);
	for (i = 0; i < u.n; i++)
		if (u.v[i].login != NULL && (u.v[i].shown == NULL ||
		    u.v[i].shown[0] == '\0'))
			abort();
	free(text);
	users_release(&u);
	users_release(&v);
	return 0;
}
