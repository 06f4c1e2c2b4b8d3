/*
 * retry.c: the retry cost (retry.h): the latest success per retry key in
 * an open-addressing table, the wasted runs in a vector, resolved at the
 * end.
 */
#include "retry.h"

#include <stdlib.h>
#include <string.h>

#include "date.h"
#include "hash.h"
#include "util.h"

#define RETRY_TIME_BASE ((int64_t)1 << 62)
#define RETRY_TIME_MAX ((int64_t)1 << 61)

int64_t
retry_order_time(const char *s, size_t len)
{
	int64_t ms;

	if (s == NULL || ts_parse_ms(s, len, &ms) < 0 ||
	    ms <= -RETRY_TIME_MAX || ms >= RETRY_TIME_MAX)
		return RETRY_NONE;
	return RETRY_TIME_BASE + ms;
}

int64_t
retry_order_number(const char *s, size_t len)
{
	int64_t n = 0;
	size_t i;

	if (s == NULL || len == 0 || len > 18)
		return RETRY_NONE;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return RETRY_NONE;
		n = n * 10 + (s[i] - '0');
	}
	return n;
}

int64_t
retry_order(const char *started, size_t slen, const char *queued,
    size_t qlen, const char *number, size_t nlen)
{
	int64_t o = retry_order_time(started, slen);

	if (o == RETRY_NONE)
		o = retry_order_time(queued, qlen);
	if (o == RETRY_NONE)
		o = retry_order_number(number, nlen);
	return o;
}

uint64_t
retry_key_add(uint64_t h, const char *s, size_t len)
{
	/* the part's hash seeded by its length */
	return hash_mix(h ^ hash_bytes(s, len, 0x13198a2e03707344ULL +
	    (uint64_t)len), 0x9e3779b97f4a7c15ULL);
}

uint64_t
retry_key_end(uint64_t h)
{
	return h ? h : 1;
}

uint64_t
retry_key(const char *project, size_t plen, const char *pipeline,
    size_t pipelen, const char *workflow, size_t wlen, const char *job,
    size_t jlen)
{
	uint64_t h = RETRY_KEY_SEED;

	if (pipelen == 0)
		return 0;
	h = retry_key_add(h, pipeline, pipelen);
	h = retry_key_add(h, project, plen);
	h = retry_key_add(h, workflow, wlen);
	h = retry_key_add(h, job, jlen);
	return retry_key_end(h);
}

void
retry_init(struct retry *r)
{
	memset(r, 0, sizeof(*r));
}

void
retry_release(struct retry *r)
{
	free(r->slots);
	free(r->waste);
	memset(r, 0, sizeof(*r));
}

/*
 * The slot of key: its own, or the empty one where it would go.  Linear
 * probing from the key's place in [0, nslots) (its high bits scaled, so
 * that the size need not be a power of 2: see retry_grow).
 */
static struct retry_slot *
retry_find(const struct retry *r, uint64_t key)
{
	__extension__ unsigned __int128 x = (unsigned __int128)key *
	    r->nslots;
	size_t i = (size_t)(x >> 64);

	while (r->slots[i].key != 0 && r->slots[i].key != key)
		if (++i == r->nslots)
			i = 0;
	return &r->slots[i];
}

/*
 * Room for one more key: the table is at most 4/5 full, and grows by
 * half, so that it is 53 to 80 % full (a power of 2 would leave it as
 * little as 40 % full: this table is the retry cost's largest part).
 */
static void
retry_grow(struct retry *r)
{
	struct retry_slot *old = r->slots;
	size_t n = r->nslots, i;

	if (r->nslots != 0 && (r->nok + 1) * 5 <= r->nslots * 4)
		return;
	r->nslots = n ? n + n / 2 : 1024;
	r->slots = xcalloc(r->nslots, sizeof(*r->slots));
	for (i = 0; i < n; i++)
		if (old[i].key != 0)
			*retry_find(r, old[i].key) = old[i];
	free(old);
}

void
retry_note_success(struct retry *r, uint64_t key, int64_t order)
{
	struct retry_slot *s;

	if (key == 0 || order == RETRY_NONE)
		return;
	retry_grow(r);
	s = retry_find(r, key);
	if (s->key == 0) {
		s->key = key;
		s->order = order;
		r->nok++;
	} else if (order > s->order) {
		s->order = order;
	}
}

void
retry_note_waste(struct retry *r, uint64_t key, int64_t order,
    dec_t credits, uint32_t group)
{
	struct retry_waste *w;

	if (key == 0 || order == RETRY_NONE)
		return;
	if (r->nwaste == r->capwaste) {
		r->capwaste = r->capwaste ? r->capwaste + r->capwaste / 2 :
		    256;
		r->waste = xreallocarray(r->waste, r->capwaste,
		    sizeof(*r->waste));
	}
	w = &r->waste[r->nwaste++];
	w->key = key;
	w->order = order;
	memcpy(w->credits, &credits, sizeof(credits));
	w->group = group;
}

dec_t
retry_waste_credits(const struct retry_waste *w)
{
	dec_t v;

	memcpy(&v, w->credits, sizeof(v));
	return v;
}

void
retry_merge_successes(struct retry *dst, struct retry *src)
{
	size_t i;

	if (dst->nok == 0) {
		free(dst->slots);
		dst->slots = src->slots;
		dst->nslots = src->nslots;
		dst->nok = src->nok;
	} else {
		for (i = 0; i < src->nslots; i++)
			if (src->slots[i].key != 0)
				retry_note_success(dst, src->slots[i].key,
				    src->slots[i].order);
		free(src->slots);
	}
	src->slots = NULL;
	src->nslots = src->nok = 0;
}

int64_t
retry_latest(const struct retry *r, uint64_t key)
{
	const struct retry_slot *s;

	if (r->nslots == 0 || key == 0)
		return RETRY_NONE;
	s = retry_find(r, key);
	return s->key == key ? s->order : RETRY_NONE;
}

int
retry_is_retried(const struct retry *ok, size_t n,
    const struct retry_waste *w)
{
	size_t i;

	for (i = 0; i < n; i++) {
		int64_t latest = retry_latest(&ok[i], w->key);

		if (latest != RETRY_NONE && latest > w->order)
			return 1;
	}
	return 0;
}
