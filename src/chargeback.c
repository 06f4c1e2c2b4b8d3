/*
 * chargeback.c: per-team sums from a report by team and project, and the
 * exact spreading of shared costs (the largest-remainder method).
 */
#include "chargeback.h"

#include <stdlib.h>
#include <string.h>

#include "agg.h"
#include "util.h"

#define CB_CENT (DEC_ONE / 100)

int
chargeback_mode_parse(const char *s, enum chargeback_mode *mode)
{
	if (strcmp(s, "proportional") == 0)
		*mode = CB_PROPORTIONAL;
	else if (strcmp(s, "even") == 0)
		*mode = CB_EVEN;
	else if (strcmp(s, "none") == 0)
		*mode = CB_NONE;
	else
		return -1;
	return 0;
}

__extension__ typedef unsigned __int128 cb_u128;

static int
cb_bits(cb_u128 v)
{
	int n = 0;

	while (v) {
		v >>= 1;
		n++;
	}
	return n;
}

/* For qsort: the order in which leftover hundredths are given. */
struct cb_rem {
	cb_u128 rem;
	size_t idx;
};

static int
cb_rem_cmp(const void *pa, const void *pb)
{
	const struct cb_rem *a = pa, *b = pb;

	if (a->rem != b->rem)
		return a->rem > b->rem ? -1 : 1;
	return a->idx < b->idx ? -1 : a->idx > b->idx;
}

void
chargeback_spread(dec_t amount, const dec_t *weights, size_t n, dec_t *parts)
{
	int neg = amount < 0;
	dec_t a = neg ? -amount : amount;
	cb_u128 cents = (cb_u128)(a / CB_CENT), maxw = 0, sum = 0, given = 0;
	dec_t residue = a - (dec_t)cents * CB_CENT;
	cb_u128 *w = xcalloc(n, sizeof(*w));
	struct cb_rem *rem = xcalloc(n, sizeof(*rem));
	size_t i, big = 0;
	int shift;

	/*
	 * cents * weight must not overflow: weights are shifted right as
	 * far as needed (not at all for any real export), which only
	 * steers the split; it adds up exactly whatever they are.
	 */
	for (i = 0; i < n; i++)
		if (weights[i] > 0 && (cb_u128)weights[i] > maxw)
			maxw = (cb_u128)weights[i];
	shift = cb_bits(maxw) + cb_bits(n) + cb_bits(cents) - 126;
	if (shift < 0)
		shift = 0;
	for (i = 0; i < n; i++) {
		w[i] = weights[i] > 0 ? (cb_u128)weights[i] >> shift : 0;
		sum += w[i];
	}
	if (sum == 0) {
		for (i = 0; i < n; i++)
			w[i] = 1;
		sum = n;
	}
	for (i = 0; i < n; i++) {
		cb_u128 q = cents * w[i] / sum;

		rem[i].rem = cents * w[i] % sum;
		rem[i].idx = i;
		parts[i] = (dec_t)q * CB_CENT;
		given += q;
		if (w[i] > w[big])
			big = i;
	}
	qsort(rem, n, sizeof(*rem), cb_rem_cmp);
	for (i = 0; given < cents; i++, given++)
		parts[rem[i].idx] += CB_CENT;
	parts[big] += residue;
	if (neg)
		for (i = 0; i < n; i++)
			parts[i] = -parts[i];
	free(rem);
	free(w);
}

static int
cb_team_cmp(const void *pa, const void *pb)
{
	const struct chargeback_team *a = pa, *b = pb;

	return strcmp(a->name, b->name);
}

static struct chargeback_team *
cb_team(struct chargeback *cb, const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < cb->n; i++)
		if (strlen(cb->teams[i].name) == len &&
		    memcmp(cb->teams[i].name, name, len) == 0)
			return &cb->teams[i];
	cb->teams = xreallocarray(cb->teams, cb->n + 1, sizeof(*cb->teams));
	memset(&cb->teams[cb->n], 0, sizeof(cb->teams[cb->n]));
	cb->teams[cb->n].name = xstrndup(name, len);
	return &cb->teams[cb->n++];
}

void
chargeback_build(struct chargeback *cb, const struct report_opts *o,
    const struct report_result *res, enum chargeback_mode mode)
{
	dec_t *weights, *parts;
	size_t i;
	int c, any;

	(void)o;
	memset(cb, 0, sizeof(*cb));
	for (i = 0; i < res->groups.n; i++) {
		const struct agg_group *g = &res->groups.groups[i];
		size_t len;
		const char *team = agg_key_part(g->key, g->keylen, 0, &len);
		struct chargeback_team *t;

		if (len == 0) {
			metrics_add_bounded(&cb->shared, &g->m);
			continue;
		}
		t = cb_team(cb, team, len);
		metrics_add_bounded(&t->m, &g->m);
		t->projects++;
		cb->projects++;
	}
	if (cb->n > 1)
		qsort(cb->teams, cb->n, sizeof(*cb->teams), cb_team_cmp);
	any = cb->shared.jobs != 0 || cb->shared.run_seconds != 0;
	for (c = 0; c < CR_COUNT; c++)
		any |= cb->shared.credits[c] != 0;
	if (!any)
		return;
	if (mode == CB_NONE || cb->n == 0) {
		struct chargeback_team *t = cb_team(cb, CHARGEBACK_SHARED,
		    strlen(CHARGEBACK_SHARED));

		t->m = cb->shared;
		return;
	}
	weights = xcalloc(cb->n, sizeof(*weights));
	parts = xcalloc(cb->n, sizeof(*parts));
	for (i = 0; i < cb->n; i++)
		weights[i] = mode == CB_PROPORTIONAL ?
		    cb->teams[i].m.credits[CR_TOTAL] : DEC_ONE;
	for (c = 0; c < CR_COUNT; c++) {
		chargeback_spread(cb->shared.credits[c], weights, cb->n, parts);
		for (i = 0; i < cb->n; i++)
			/* |team| + |part of shared|: within the bound of
			 * the report's sums (report.h) */
			cb->teams[i].m.credits[c] = dec_add_or_die(
			    cb->teams[i].m.credits[c], parts[i],
			    metrics_column(c));
	}
	free(parts);
	free(weights);
}

void
chargeback_release(struct chargeback *cb)
{
	size_t i;

	for (i = 0; i < cb->n; i++)
		free(cb->teams[i].name);
	free(cb->teams);
	memset(cb, 0, sizeof(*cb));
}

void
chargeback_result(const struct chargeback *cb,
    const struct report_result *res, struct report_opts *to,
    struct report_result *out)
{
	struct sbuf key;
	size_t i;

	report_opts_init(to);
	report_parse_by(to, "team");
	*out = *res;
	memset(&out->groups, 0, sizeof(out->groups));
	memset(out->more, 0, sizeof(out->more));
	memset(out->orgs, 0, sizeof(out->orgs));
	out->norgs = 0;
	memset(&out->retry, 0, sizeof(out->retry));
	out->have_retry = 0;
	memset(&out->dup_days, 0, sizeof(out->dup_days));
	agg_init(&out->groups);
	sbuf_init(&key, SIZE_MAX);
	for (i = 0; i < cb->n; i++) {
		struct agg_group *g;

		sbuf_reset(&key);
		agg_key_add(&key, cb->teams[i].name,
		    strlen(cb->teams[i].name));
		g = agg_get(&out->groups, key.buf, key.len,
		    agg_hash(key.buf, key.len));
		g->m = cb->teams[i].m;
	}
	sbuf_release(&key);
}

uint64_t
chargeback_projects(const struct chargeback *cb, const char *key,
    size_t keylen)
{
	size_t len, i;
	const char *name;

	if (key == NULL)
		return 0;
	name = agg_key_part(key, keylen, 0, &len);
	for (i = 0; i < cb->n; i++)
		if (strlen(cb->teams[i].name) == len &&
		    memcmp(cb->teams[i].name, name, len) == 0)
			return cb->teams[i].projects;
	return 0;
}

void
chargeback_view(const struct chargeback *cb, struct view *v,
    const struct report_opts *to, const struct report_result *out,
    dec_t price)
{
	size_t i;

	view_build(v, to, out, VM_CREDITS + CR_TOTAL, -1, 0, price);
	v->count_name = "projects";
	v->total_count = cb->projects;
	for (i = 0; i < v->n; i++)
		v->rows[i].count = chargeback_projects(cb, v->rows[i].key,
		    v->rows[i].keylen);
}
