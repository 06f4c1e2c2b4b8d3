/*
 * fuzz_alertstate.c: the state file of notify's --cooldown
 * (.circleci-usage-alerts.json).  Any input parses or fails with a reason
 * of one line, leaving the state empty; what parses is written and parsed
 * again unchanged, and each of its entries is found by its rule and
 * entity.  The input's bytes as a name escape to one line the parser
 * takes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "alertstate.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct alertstate s, t;
	struct sbuf sb;
	char err[512], *text;
	size_t i;

	alertstate_init(&s);
	alertstate_init(&t);
	err[0] = '\0';
	if (alertstate_parse(&s, (const char *)data, size, err,
	    sizeof(err)) < 0) {
		if (err[0] == '\0' || strchr(err, '\n') != NULL || s.n != 0)
			abort();
	} else {
		text = alertstate_dump(&s);
		if (alertstate_parse(&t, text, strlen(text), err,
		    sizeof(err)) < 0 || t.n != s.n)
			abort();
		for (i = 0; i < s.n; i++)
			if (strcmp(s.v[i].rule, t.v[i].rule) != 0 ||
			    strcmp(s.v[i].entity, t.v[i].entity) != 0 ||
			    s.v[i].sent_ms != t.v[i].sent_ms ||
			    alertstate_find(&s, s.v[i].rule,
			    s.v[i].entity) != &s.v[i])
				abort();
		free(text);
	}
	/* a name from the data: escaped into what the parser takes */
	sbuf_init(&sb, 1 << 20);
	alertstate_name(&sb, (const char *)data, size > 2000 ? 2000 : size);
	if (sb.buf != NULL && (strchr(sb.buf, '\n') != NULL ||
	    str_has_control(sb.buf, sb.len)))
		abort();
	sbuf_release(&sb);
	alertstate_release(&s);
	alertstate_release(&t);
	return 0;
}
