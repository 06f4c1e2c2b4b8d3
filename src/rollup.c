/*
 * rollup.c: a report's groups summed again under fewer keys.
 */
#include "rollup.h"

#include <string.h>

#include "util.h"

int
rollup_key_index(const struct report_opts *o, const char *name)
{
	size_t i;

	for (i = 0; i < o->nkeys; i++)
		if (strcmp(o->keys[i].name, name) == 0)
			return (int)i;
	return -1;
}

int
rollup_build(struct report_opts *dsto, struct report_result *dst,
    const struct report_opts *srco, const struct report_result *src,
    const char *by, const struct rollup_filter *filter)
{
	int map[REPORT_MAX_KEYS];
	struct sbuf key;
	size_t i, k;

	report_opts_init(dsto);
	memset(dst, 0, sizeof(*dst));
	agg_init(&dst->groups);
	if (report_parse_by(dsto, by) < 0)
		return -1;
	for (k = 0; k < dsto->nkeys; k++) {
		map[k] = rollup_key_index(srco, dsto->keys[k].name);
		if (map[k] < 0)
			return error("cannot group by %s: the report was not "
			    "grouped by it", dsto->keys[k].name);
	}
	dst->files = src->files;
	dst->rows_read = src->rows_read;
	dst->rows_skipped = src->rows_skipped;
	dst->rows_filtered = src->rows_filtered;
	dst->duplicates = src->duplicates;
	dst->bytes = src->bytes;
	dst->first_date = src->first_date;
	dst->last_date = src->last_date;
	dst->have_dates = src->have_dates;
	sbuf_init(&key, SIZE_MAX);
	for (i = 0; i < src->groups.n; i++) {
		const struct agg_group *g = &src->groups.groups[i];
		struct agg_group *d;

		if (filter != NULL && !filter->keep(filter->ctx, srco, g->key,
		    g->keylen))
			continue;
		sbuf_reset(&key);
		for (k = 0; k < dsto->nkeys; k++) {
			size_t len;
			const char *p = agg_key_part(g->key, g->keylen,
			    (size_t)map[k], &len);

			agg_key_add(&key, p, len);
		}
		d = agg_get(&dst->groups, key.buf, key.len, agg_hash(key.buf,
		    key.len));
		metrics_add(&d->m, &g->m);
		metrics_add(&dst->totals, &g->m);
	}
	sbuf_release(&key);
	return 0;
}
