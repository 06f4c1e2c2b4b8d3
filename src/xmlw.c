/*
 * xmlw.c: escaping text for XML and HTML (xmlw.h).
 */
#include "xmlw.h"

#include <string.h>

/* The five special characters and their entities, in the same order. */
static const char xmlw_special[5] = { '&', '<', '>', '"', '\'' };
static const char *const xmlw_entity[5] = {
	"&amp;", "&lt;", "&gt;", "&quot;", "&#39;"
};

void
xmlw_escape(FILE *f, const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		const char *p = memchr(xmlw_special, s[i],
		    sizeof(xmlw_special));

		if (p != NULL)
			fputs(xmlw_entity[p - xmlw_special], f);
		else
			putc(s[i], f);
	}
}
