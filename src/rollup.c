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

/* Does o have every key of `need`'s? */
static int
rollup_has_keys(const struct report_opts *o, const struct report_opts *need)
{
	size_t k;

	for (k = 0; k < need->nkeys; k++)
		if (rollup_key_index(o, need->keys[k].name) < 0)
			return 0;
	return 1;
}

/*
 * The first grouping set of src with every key of dsto and of `needs`:
 * its opts in *seto, its index returned; or -1 after printing an error.
 */
static int
rollup_pick_set(const struct report_opts *srco, const struct report_opts *dsto,
    const char *by, const char *needs, struct report_opts *seto)
{
	struct report_opts want;
	size_t s, k;

	report_opts_init(&want);
	if (needs != NULL && report_parse_by(&want, needs) < 0)
		return -1;
	for (s = 0; s < report_nsets(srco); s++) {
		report_set_opts(srco, s, seto);
		if (rollup_has_keys(seto, dsto) && rollup_has_keys(seto,
		    &want)) {
			report_opts_release(&want);
			return (int)s;
		}
		report_opts_release(seto);
	}
	report_opts_release(&want);
	report_set_opts(srco, 0, seto);
	for (k = 0; k < dsto->nkeys; k++)
		if (rollup_key_index(srco, dsto->keys[k].name) < 0)
			break;
	report_opts_release(seto);
	if (k < dsto->nkeys)
		return error("cannot group by %s: the report was not grouped "
		    "by it", dsto->keys[k].name);
	return error("cannot group by %s%s%s: no grouping set of the report "
	    "has all of them", by, needs ? " and " : "", needs ? needs : "");
}

int
rollup_can(const struct report_opts *srco, const char *by)
{
	struct report_opts want, seto;
	size_t s;
	int can = 0;

	report_opts_init(&want);
	if (report_parse_by(&want, by) < 0) {
		report_opts_release(&want);
		return 0;
	}
	for (s = 0; s < report_nsets(srco) && !can; s++) {
		report_set_opts(srco, s, &seto);
		can = rollup_has_keys(&seto, &want);
		report_opts_release(&seto);
	}
	report_opts_release(&want);
	return can;
}

int
rollup_build(struct report_opts *dsto, struct report_result *dst,
    const struct report_opts *srco, const struct report_result *src,
    const char *by, const struct rollup_filter *filter)
{
	int map[REPORT_MAX_KEYS];
	struct report_opts seto;
	const struct agg *groups;
	struct sbuf key;
	size_t i, k;
	int set;

	report_opts_init(dsto);
	memset(dst, 0, sizeof(*dst));
	agg_init(&dst->groups);
	if (report_parse_by(dsto, by) < 0)
		return -1;
	set = rollup_pick_set(srco, dsto, by, filter ? filter->needs : NULL,
	    &seto);
	if (set < 0)
		return -1;
	groups = report_set_groups(src, (size_t)set);
	for (k = 0; k < dsto->nkeys; k++)
		map[k] = rollup_key_index(&seto, dsto->keys[k].name);
	dst->files = src->files;
	dst->rows_read = src->rows_read;
	dst->rows_skipped = src->rows_skipped + src->set_skipped[set];
	dst->rows_filtered = src->rows_filtered;
	dst->duplicates = src->duplicates;
	dst->bytes = src->bytes;
	dst->first_date = src->first_date;
	dst->last_date = src->last_date;
	dst->have_dates = src->have_dates;
	sbuf_init(&key, SIZE_MAX);
	for (i = 0; i < groups->n; i++) {
		const struct agg_group *g = &groups->groups[i];
		struct agg_group *d;

		if (filter != NULL && !filter->keep(filter->ctx, &seto, g->key,
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
		/* groups of a report or db_report: bounded (report.h) */
		metrics_add_bounded(&d->m, &g->m);
		metrics_add_bounded(&dst->totals, &g->m);
	}
	sbuf_release(&key);
	report_opts_release(&seto);
	return 0;
}
