/*
 * jsonw.c: writing JSON strings (jsonw.h).
 */
#include "jsonw.h"

#include "date.h"
#include "utf8.h"

void
jsonw_string(FILE *f, const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0;

	putc('"', f);
	while (i < len) {
		unsigned char c = u[i];
		size_t n;

		if (c == '"' || c == '\\') {
			putc('\\', f);
			putc(c, f);
			i++;
		} else if (c == '\n') {
			fputs("\\n", f);
			i++;
		} else if (c == '\r') {
			fputs("\\r", f);
			i++;
		} else if (c == '\t') {
			fputs("\\t", f);
			i++;
		} else if (c < 0x20 || c == 0x7f) {
			fprintf(f, "\\u%04x", c);
			i++;
		} else if (c == '<') {
			/* safe to embed in an HTML script block */
			fputs("\\u003c", f);
			i++;
		} else if ((n = utf8_decode(u + i, len - i, NULL)) == 0) {
			fputs("\\ufffd", f);	/* not UTF-8 */
			i++;
		} else {
			fwrite(u + i, 1, n, f);
			i += n;
		}
	}
	putc('"', f);
}

void
jsonw_date(FILE *f, int have, int32_t days)
{
	char buf[DATE_BUFSZ];

	if (!have) {
		fputs("null", f);
		return;
	}
	date_format_day(days, buf);
	fprintf(f, "\"%s\"", buf);
}
