/*
 * fuzz_answer.c: the Usage API's answers (create, poll) as the client reads
 * them: any bytes parsed as JSON, then checked field by field.  Whatever
 * is kept must be clean: no control character in a state or an
 * error_reason that may reach a terminal, and every URL a string.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "answer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_clean(const char *s)
{
	for (; s != NULL && *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct job_answer a;
	char err[200];
	json_t *j = json_loadb((const char *)data, size, JSON_DECODE_ANY,
	    NULL);
	size_t i;
	int k;

	if (j == NULL)
		return 0;
	for (k = 0; k < 2; k++) {
		int ret = k == 0 ? answer_parse_create(j, &a, err, sizeof(err)) :
		    answer_parse_poll(j, &a, err, sizeof(err));

		if (ret == 0) {
			check_clean(a.state);
			check_clean(a.error_reason);
			if (k == 1 && a.state == NULL)
				abort();	/* a poll answer needs a state */
			if (a.nurls > 0 && (a.state == NULL ||
			    strcmp(a.state, "completed") != 0))
				abort();
			for (i = 0; i < a.nurls; i++)
				if (a.urls[i] == NULL || a.urls[i][0] == '\0')
					abort();
		} else if (strlen(err) == 0) {
			abort();	/* an error always says why */
		}
		answer_release(&a);
	}
	json_decref(j);
	return 0;
}
