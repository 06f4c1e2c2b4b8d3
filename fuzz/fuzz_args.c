/*
 * fuzz_args.c: the parsers of command-line values that carry meaning:
 * dates and times (--start, --end, --since), relative ranges (--last),
 * durations (--timeout), alert rules (--alert) and sizes
 * (--max-part-size).  The first byte picks the parser; the rest is the
 * argument.  A date that parses must format and parse back to the same
 * instant; a --last range must be in order and end before now; a
 * duration must be positive, a size within 1 and its maximum and a count
 * within its maximum (the three read the same text); a refused rule must
 * say why, and a rule's text (budget and anomaly terms too) must parse
 * back to the same rule.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "alert.h"
#include "range.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s, buf[RANGE_BUFSZ], err[256];
	int64_t a, b, now = 1795000000000LL;	/* 2026-11-18 */
	double secs;

	if (size < 1 || size > 4096)
		return 0;
	s = malloc(size);
	if (s == NULL)
		return 0;
	memcpy(s, data + 1, size - 1);
	s[size - 1] = '\0';
	switch (data[0] % 4) {
	case 0:
		if (range_parse_bound(s, data[0] & 4, &a) == 0 && a >= 0) {
			range_format(a, buf);
			if (range_parse_bound(buf, 0, &b) != 0 || a / 1000 !=
			    b / 1000)
				abort();
		}
		break;
	case 1:
		if (range_parse_last(s, now, &a, &b) == 0 && (a > b || b > now))
			abort();
		break;
	case 2: {
		/* amounts: durations, sizes and counts read the same text */
		unsigned long long v, max = data[0] & 128 ? 1ULL << 50 : ~0ULL;

		if (range_parse_duration(s, &secs) == 0 && !(secs > 0))
			abort();
		if (parse_size(s, max, &v) == 0 && (v < 1 || v > max))
			abort();
		if (parse_uint(s, 1000, &v) == 0 && v > 1000)
			abort();
		break;
	}
	default: {
		struct alert_rule r;

		memset(&r, 0, sizeof(r));
		if (alert_parse(s, &r, err, sizeof(err)) != 0) {
			if (err[0] == '\0')
				abort();	/* a refusal always says why */
			break;
		}
		/* its text (--cooldown's identity) parses back the same */
		{
			struct alert_rule r2;
			struct sbuf t;
			size_t k;

			sbuf_init(&t, 1 << 16);
			alert_rule_text(&r, &t);
			if (alert_parse(t.buf, &r2, err, sizeof(err)) != 0 ||
			    r2.n != r.n || r2.entity != r.entity)
				abort();
			for (k = 0; k < r.n; k++)
				if (r2.t[k].name != r.t[k].name ||
				    (!alert_name_is_bare(r.t[k].name) &&
				    (r2.t[k].op != r.t[k].op ||
				    r2.t[k].value != r.t[k].value)))
					abort();
			sbuf_release(&t);
		}
		break;
	}
	}
	free(s);
	return 0;
}
