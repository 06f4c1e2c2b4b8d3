/*
 * fuzz_redact.c: server text masked (redact.h).  The first byte gives the
 * length of a secret taken from the next bytes; the rest is the text, read
 * as cut off or whole by the low bit of the first byte.  The output must
 * be bounded, printable, and never hold the secret as it is (in any case).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "redact.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t k, i, n;
	char *secret, *out;
	int plain = 1;

	if (size < 1)
		return 0;
	k = (data[0] >> 1) % 48;
	if (k > size - 1)
		k = size - 1;
	secret = xstrndup((const char *)data + 1, k);
	for (i = 0; secret[i]; i++)
		if (secret[i] == '*' || (unsigned char)secret[i] >= 0x80 ||
		    (unsigned char)secret[i] < 0x20 || secret[i] == 0x7f)
			plain = 0;
	redact_add_secret(secret);
	out = redact_text((const char *)data + 1 + k, size - 1 - k,
	    data[0] & 1);
	n = strlen(out);
	if (n > REDACT_MAX + 3)
		abort();
	for (i = 0; i < n; i++)
		if ((unsigned char)out[i] < 0x20 || out[i] == 0x7f)
			abort();
	/* a secret of printable ASCII other than the mask's '*' */
	if (plain && strlen(secret) > 0 && strcasestr(out, secret) != NULL)
		abort();
	free(out);
	free(secret);
	redact_clear();
	return 0;
}
