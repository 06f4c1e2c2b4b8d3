/*
 * fuzz_rates.c: the rates file parser.  Any input parses or fails with a
 * "name:line: " message; what parses has every next class listed for its
 * executor, and the savings arithmetic on its rates never misbehaves.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rates.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rates r;
	char err[256];
	size_t i;

	rates_init(&r);
	if (rates_parse(&r, (const char *)data, size, "f", err,
	    sizeof(err)) < 0) {
		if (strncmp(err, "f:", 2) != 0)
			abort();
		rates_release(&r);
		return 0;
	}
	for (i = 0; i < r.n; i++) {
		const struct rate *t = &r.v[i], *n;
		dec_t s;

		if (t->next == NULL)
			continue;
		n = rates_find(&r, t->executor, strlen(t->executor), t->next,
		    strlen(t->next));
		if (n == NULL)
			abort();
		if (t->priced && n->priced && t->per_min > 0) {
			/* credits and spans at their limits too: a result
			 * is within DEC_SUM_MAX, or there is none */
			static const long spans[] = { 1, 59, 3652425 };
			dec_t credits[3] = { DEC_ONE * 1000, DEC_SUM_MAX,
			    -DEC_SUM_MAX };
			size_t k = size % 3;

			if (rates_savings(credits[k], t->per_min, n->per_min,
			    spans[(size / 3) % 3], &s) == 0 &&
			    (s > DEC_SUM_MAX || s < -DEC_SUM_MAX))
				abort();
		}
	}
	rates_release(&r);
	return 0;
}
