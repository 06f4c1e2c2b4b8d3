/*
 * fuzz_budgets.c: the budgets file parser (libyaml events to budgets) on
 * arbitrary bytes; what parses is checked against the parser's promises.
 */
#include <stdint.h>
#include <string.h>

#include "budget.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct budgets *bs = budgets_parse("fuzz.yaml", (const char *)data,
	    size);
	size_t i, j;

	if (bs == NULL)
		return 0;
	for (i = 0; i < bs->n; i++) {
		const struct budget *b = &bs->b[i];

		if (b->name == NULL || b->amount <= 0 || b->nthresholds == 0)
			__builtin_trap();
		for (j = 1; j < b->nthresholds; j++)
			if (b->thresholds[j] <= b->thresholds[j - 1])
				__builtin_trap();
	}
	budgets_free(bs);
	return 0;
}
