/*
 * csvw.c: writing CSV fields (csvw.h).
 */
#include "csvw.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

void
csvw_field(FILE *f, const char *s, size_t len)
{
	size_t i;

	if (memchr(s, ',', len) == NULL && memchr(s, '"', len) == NULL &&
	    memchr(s, '\n', len) == NULL && memchr(s, '\r', len) == NULL) {
		fwrite(s, 1, len, f);
		return;
	}
	putc('"', f);
	for (i = 0; i < len; i++) {
		if (s[i] == '"')
			putc('"', f);
		putc(s[i], f);
	}
	putc('"', f);
}

int
csvw_needs_neutralising(const char *s, size_t len)
{
	size_t i = 1, digits = 0;

	if (len == 0 || strchr("=+-@\t\r", s[0]) == NULL || s[0] == '\0')
		return 0;
	if (s[0] != '-' && s[0] != '+')
		return 1;
	/* a signed decimal number is a value, not a formula */
	while (i < len && s[i] >= '0' && s[i] <= '9')
		i++, digits++;
	if (i < len && s[i] == '.' && digits > 0) {
		i++;
		while (i < len && s[i] >= '0' && s[i] <= '9')
			i++;
	}
	return !(digits > 0 && i == len);
}

void
csvw_text(FILE *f, const char *s, size_t len, int safe)
{
	char *t;

	if (!safe || !csvw_needs_neutralising(s, len)) {
		csvw_field(f, s, len);
		return;
	}
	t = xmalloc(len + 1);
	t[0] = '\'';
	memcpy(t + 1, s, len);
	csvw_field(f, t, len + 1);
	free(t);
}
