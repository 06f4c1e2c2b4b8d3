/*
 * test_agg.c: the table of groups (agg.h): length-prefixed keys that keep
 * ("a,b", "c") apart from ("a", "b,c"), lookups that survive growth and
 * hash collisions, a full table, long keys, exact metric sums and merging
 * tables.
 */
#include "unit.h"

#include "agg.h"

/* A key of up to three parts; NULL ends the list. */
static void
make_key(struct sbuf *key, const char *a, const char *b, const char *c)
{
	sbuf_reset(key);
	if (a)
		agg_key_add(key, a, strlen(a));
	if (b)
		agg_key_add(key, b, strlen(b));
	if (c)
		agg_key_add(key, c, strlen(c));
}

static struct agg_group *
get(struct agg *a, const struct sbuf *key)
{
	return agg_get(a, key->buf, key->len, agg_hash(key->buf, key->len));
}

static void
assert_part(const char *key, size_t keylen, size_t i, const char *want)
{
	size_t len = 99;
	const char *p = agg_key_part(key, keylen, i, &len);

	assert_int_equal(len, strlen(want));
	assert_memory_equal(p, want, len);
}

static void
test_key_parts(void **state)
{
	struct sbuf k;

	(void)state;
	sbuf_init(&k, 1 << 20);
	make_key(&k, "a,b", "c", NULL);
	assert_int_equal(k.len, 4 + 3 + 4 + 1);
	assert_part(k.buf, k.len, 0, "a,b");
	assert_part(k.buf, k.len, 1, "c");
	/* past the last part: empty */
	assert_part(k.buf, k.len, 2, "");
	assert_part(k.buf, k.len, 100, "");
	make_key(&k, "", "x", "");
	assert_part(k.buf, k.len, 0, "");
	assert_part(k.buf, k.len, 1, "x");
	assert_part(k.buf, k.len, 2, "");
	/* a part with NUL bytes and commas is kept whole */
	sbuf_reset(&k);
	agg_key_add(&k, "n\0l,", 4);
	agg_key_add(&k, "z", 1);
	{
		size_t len;
		const char *p = agg_key_part(k.buf, k.len, 0, &len);

		assert_int_equal(len, 4);
		assert_memory_equal(p, "n\0l,", 4);
	}
	assert_part(k.buf, k.len, 1, "z");
	/* an empty key has no parts */
	assert_part("", 0, 0, "");
	sbuf_release(&k);
}

static void
test_keys_are_length_prefixed(void **state)
{
	struct agg a;
	struct sbuf k1, k2;
	struct agg_group *g1, *g2;

	(void)state;
	agg_init(&a);
	sbuf_init(&k1, 1 << 20);
	sbuf_init(&k2, 1 << 20);
	make_key(&k1, "a,b", "c", NULL);
	make_key(&k2, "a", "b,c", NULL);
	assert_true(k1.len != k2.len || memcmp(k1.buf, k2.buf, k1.len) != 0);
	g1 = get(&a, &k1);
	g1->m.jobs += 1;
	g2 = get(&a, &k2);
	g2->m.jobs += 10;
	assert_int_equal(a.n, 2);
	/* more pairs that a plain join would merge */
	make_key(&k1, "ab", "", NULL);
	get(&a, &k1)->m.jobs += 100;
	make_key(&k1, "a", "b", NULL);
	get(&a, &k1)->m.jobs += 1000;
	make_key(&k1, "", "ab", NULL);
	get(&a, &k1)->m.jobs += 10000;
	make_key(&k1, "ab", NULL, NULL);
	get(&a, &k1)->m.jobs += 100000;
	assert_int_equal(a.n, 6);
	make_key(&k1, "a,b", "c", NULL);
	assert_int_equal(get(&a, &k1)->m.jobs, 1);
	make_key(&k1, "a", "b,c", NULL);
	assert_int_equal(get(&a, &k1)->m.jobs, 10);
	make_key(&k1, "ab", "", NULL);
	assert_int_equal(get(&a, &k1)->m.jobs, 100);
	make_key(&k1, "a", "b", NULL);
	assert_int_equal(get(&a, &k1)->m.jobs, 1000);
	make_key(&k1, "", "ab", NULL);
	assert_int_equal(get(&a, &k1)->m.jobs, 10000);
	make_key(&k1, "ab", NULL, NULL);
	assert_int_equal(get(&a, &k1)->m.jobs, 100000);
	assert_int_equal(a.n, 6);
	sbuf_release(&k1);
	sbuf_release(&k2);
	agg_release(&a);
}

static void
test_same_key_same_group(void **state)
{
	struct agg a;
	struct sbuf k;
	struct agg_group *g;
	int i;

	(void)state;
	agg_init(&a);
	sbuf_init(&k, 1 << 20);
	make_key(&k, "web", "build", NULL);
	for (i = 0; i < 10; i++) {
		g = get(&a, &k);
		g->m.jobs++;
		g->m.credits[CR_TOTAL] += unit_dec("0.1");
		g->m.run_seconds += unit_dec("1.5");
	}
	assert_int_equal(a.n, 1);
	g = get(&a, &k);
	assert_int_equal(g->m.jobs, 10);
	assert_dec_equal(g->m.credits[CR_TOTAL], unit_dec("1"));
	assert_dec_equal(g->m.run_seconds, unit_dec("15"));
	assert_int_equal(g->keylen, k.len);
	assert_memory_equal(g->key, k.buf, k.len);
	assert_true(g->hash == agg_hash(k.buf, k.len));
	/* the table keeps its own copy of the key */
	assert_true(g->key != k.buf);
	sbuf_release(&k);
	agg_release(&a);
}

/* 100000 groups: the slots and the group array grow many times. */
static void
test_many_groups(void **state)
{
	struct agg a;
	struct sbuf k;
	size_t i, n = 100000;
	char name[32];

	(void)state;
	agg_init(&a);
	sbuf_init(&k, 1 << 20);
	for (i = 0; i < n; i++) {
		struct agg_group *g;

		snprintf(name, sizeof(name), "project-%zu", i);
		make_key(&k, name, i % 2 ? "odd" : "even", NULL);
		g = get(&a, &k);
		g->m.jobs += i + 1;
		g->m.credits[CR_COMPUTE] += dec_from_int((int64_t)i);
	}
	assert_int_equal(a.n, n);
	assert_true(a.nslots >= 2 * n);
	/* every group is found again with its own sums */
	for (i = 0; i < n; i++) {
		struct agg_group *g;

		snprintf(name, sizeof(name), "project-%zu", i);
		make_key(&k, name, i % 2 ? "odd" : "even", NULL);
		g = get(&a, &k);
		if (g->m.jobs != i + 1)
			fail_msg("group %zu has %llu jobs", i,
			    (unsigned long long)g->m.jobs);
		assert_dec_equal(g->m.credits[CR_COMPUTE],
		    dec_from_int((int64_t)i));
	}
	assert_int_equal(a.n, n);
	/* and the groups array holds each once */
	{
		uint64_t jobs = 0;

		for (i = 0; i < a.n; i++)
			jobs += a.groups[i].m.jobs;
		assert_int_equal(jobs, (uint64_t)n * (n + 1) / 2);
	}
	sbuf_release(&k);
	agg_release(&a);
}

/* Every key with the same hash: only the key bytes tell groups apart. */
static void
test_hash_collisions(void **state)
{
	struct agg a;
	char name[16];
	size_t i, n = 2000;

	(void)state;
	agg_init(&a);
	for (i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "k%zu", i);
		agg_get(&a, name, strlen(name), 42)->m.jobs = i;
	}
	/* same bytes, different length: a different group */
	agg_get(&a, "k1\0", 3, 42)->m.jobs = 7777;
	assert_int_equal(a.n, n + 1);
	for (i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "k%zu", i);
		assert_int_equal(agg_get(&a, name, strlen(name), 42)->m.jobs,
		    i);
	}
	assert_int_equal(agg_get(&a, "k1\0", 3, 42)->m.jobs, 7777);
	assert_int_equal(a.n, n + 1);
	agg_release(&a);
}

/*
 * A table at its cap: the group past it is not made, the table says it is
 * full, and agg_check() reports it (the caller exits 1); nothing exits.
 */
static void
test_full(void **state)
{
	struct unit_capture c;
	struct agg a, b;
	struct agg_group *g;
	char *err;

	(void)state;
	agg_init(&a);
	a.max = 2;
	agg_get(&a, "a", 1, agg_hash("a", 1))->m.jobs = 1;
	agg_get(&a, "b", 1, agg_hash("b", 1))->m.jobs = 2;
	assert_false(a.full);
	assert_int_equal(agg_check(&a), 0);
	g = agg_get(&a, "c", 1, agg_hash("c", 1));
	g->m.jobs = 3;		/* the caller may write it: nowhere */
	assert_true(a.full);
	assert_int_equal(a.n, 2);
	/* the groups made are still there, and found */
	assert_int_equal(agg_get(&a, "b", 1, agg_hash("b", 1))->m.jobs, 2);
	assert_int_equal(a.n, 2);
	unit_capture_begin(&c);
	assert_int_equal(agg_check(&a), -1);
	err = unit_capture_end(&c);
	assert_text_free(err, "circleci-usage: too many groups\n");
	/* a merge into a table that cannot hold it */
	agg_init(&b);
	b.max = 1;
	agg_merge(&b, &a);
	assert_true(b.full);
	assert_int_equal(b.n, 1);
	agg_release(&b);
	agg_release(&a);
}

static void
test_long_and_empty_keys(void **state)
{
	struct agg a;
	size_t big = 200000, i;
	char *k1 = xmalloc(big), *k2 = xmalloc(big);
	struct agg_group *g;

	(void)state;
	agg_init(&a);
	for (i = 0; i < big; i++) {
		k1[i] = (char)('a' + i % 26);
		k2[i] = (char)('a' + i % 26);
	}
	k2[big - 1] = '!';	/* differs in the very last byte */
	agg_get(&a, k1, big, agg_hash(k1, big))->m.jobs = 1;
	agg_get(&a, "", 0, agg_hash("", 0))->m.jobs = 2;
	agg_get(&a, k2, big, agg_hash(k2, big))->m.jobs = 3;
	agg_get(&a, "short", 5, agg_hash("short", 5))->m.jobs = 4;
	assert_int_equal(a.n, 4);
	g = agg_get(&a, k1, big, agg_hash(k1, big));
	assert_int_equal(g->m.jobs, 1);
	assert_int_equal(g->keylen, big);
	assert_memory_equal(g->key, k1, big);
	assert_int_equal(agg_get(&a, "", 0, agg_hash("", 0))->m.jobs, 2);
	assert_int_equal(agg_get(&a, k2, big, agg_hash(k2, big))->m.jobs, 3);
	g = agg_get(&a, "short", 5, agg_hash("short", 5));
	assert_int_equal(g->m.jobs, 4);
	assert_memory_equal(g->key, "short", 5);
	assert_int_equal(a.n, 4);
	free(k1);
	free(k2);
	agg_release(&a);
}

static void
test_metrics_add(void **state)
{
	struct metrics x, y;
	int c;

	(void)state;
	memset(&x, 0, sizeof(x));
	memset(&y, 0, sizeof(y));
	x.jobs = 3;
	x.run_seconds = unit_dec("10.25");
	y.jobs = 4;
	y.run_seconds = unit_dec("0.75");
	for (c = 0; c < CR_COUNT; c++) {
		x.credits[c] = dec_from_int(c) + unit_dec("0.1");
		y.credits[c] = unit_dec("0.2") - dec_from_int(2 * c);
	}
	metrics_add(&x, &y);
	assert_int_equal(x.jobs, 7);
	assert_dec_equal(x.run_seconds, unit_dec("11"));
	for (c = 0; c < CR_COUNT; c++)
		assert_dec_equal(x.credits[c], unit_dec("0.3") -
		    dec_from_int(c));
	/* y is untouched */
	assert_int_equal(y.jobs, 4);
}

/*
 * Every sum is checked: past DEC_SUM_MAX (or 2^64 jobs) metrics_add()
 * names the metric and leaves dst as it was; never a wrapped total.
 */
static void
test_metrics_add_checked(void **state)
{
	struct metrics x, y, keep;
	dec_t big = unit_dec("99999999999999999999.999999999999999999");
	int c;

	(void)state;
	for (c = 0; c < CR_COUNT; c++) {
		memset(&x, 0, sizeof(x));
		memset(&y, 0, sizeof(y));
		x.credits[c] = DEC_SUM_MAX;
		y.credits[c] = 1;	/* max + 1 ulp */
		y.jobs = 1;
		keep = x;
		assert_int_equal(metrics_add(&x, &y), 1 + c);
		assert_memory_equal(&x, &keep, sizeof(x));
		/* the negative side too */
		x.credits[c] = -DEC_SUM_MAX;
		y.credits[c] = -1;
		assert_int_equal(metrics_add(&x, &y), 1 + c);
		/* right at the limit it fits */
		x.credits[c] = DEC_SUM_MAX - 1;
		y.credits[c] = 1;
		assert_int_equal(metrics_add(&x, &y), 0);
		assert_dec_equal(x.credits[c], DEC_SUM_MAX);
	}
	assert_string_equal(metrics_column(CR_TOTAL), "TOTAL_CREDITS");
	assert_string_equal(metrics_column(CR_COMPUTE), "COMPUTE_CREDITS");
	assert_string_equal(metrics_column(METRIC_SECONDS), "JOB_RUN_SECONDS");
	/* run seconds and jobs */
	memset(&x, 0, sizeof(x));
	memset(&y, 0, sizeof(y));
	x.run_seconds = DEC_SUM_MAX;
	y.run_seconds = 1;
	assert_int_equal(metrics_add(&x, &y), 1 + METRIC_SECONDS);
	memset(&x, 0, sizeof(x));
	x.jobs = UINT64_MAX;
	y.jobs = 1;
	y.run_seconds = 0;
	assert_int_equal(metrics_add(&x, &y), 1 + METRIC_JOBS);
	assert_int_equal(x.jobs, UINT64_MAX);
	/* the rows: the second one does not fit; never 3 rows'
	 * -40282366920938463463.37 nor 4 rows' small positive total */
	memset(&x, 0, sizeof(x));
	memset(&y, 0, sizeof(y));
	y.credits[CR_TOTAL] = big;
	y.jobs = 1;
	assert_int_equal(metrics_add(&x, &y), 0);
	assert_int_equal(metrics_add(&x, &y), 1 + CR_TOTAL);
	assert_int_equal(metrics_add(&x, &y), 1 + CR_TOTAL);
	assert_dec_equal(x.credits[CR_TOTAL], big);
	assert_int_equal(x.jobs, 1);
}

/* The bound: absolute values, so mixed signs cannot hide a large sum. */
static void
test_metrics_add_abs(void **state)
{
	struct metrics b, r;

	(void)state;
	memset(&b, 0, sizeof(b));
	memset(&r, 0, sizeof(r));
	r.jobs = 1;
	r.credits[CR_TOTAL] = unit_dec("-2.5");
	r.run_seconds = unit_dec("-3");
	assert_int_equal(metrics_add_abs(&b, &r), 0);
	r.credits[CR_TOTAL] = unit_dec("1.5");
	assert_int_equal(metrics_add_abs(&b, &r), 0);
	assert_dec_equal(b.credits[CR_TOTAL], unit_dec("4"));
	assert_dec_equal(b.run_seconds, unit_dec("6"));
	assert_int_equal(b.jobs, 2);
	/* +10^20 then -1: the sum would fit, the bound does not */
	memset(&b, 0, sizeof(b));
	r.run_seconds = 0;
	r.credits[CR_TOTAL] = DEC_SUM_MAX;
	assert_int_equal(metrics_add_abs(&b, &r), 0);
	r.credits[CR_TOTAL] = -1;
	assert_int_equal(metrics_add_abs(&b, &r), 1 + CR_TOTAL);
	assert_dec_equal(b.credits[CR_TOTAL], DEC_SUM_MAX);
}

static void
test_merge(void **state)
{
	struct agg dst, src;
	struct sbuf k;
	struct agg_group *g;
	size_t i;
	char name[32];

	(void)state;
	agg_init(&dst);
	agg_init(&src);
	sbuf_init(&k, 1 << 20);
	/* dst: p0..p999; src: p500..p1999, each with credits i * 0.01 */
	for (i = 0; i < 2000; i++) {
		char cents[32];

		snprintf(name, sizeof(name), "p%zu", i);
		snprintf(cents, sizeof(cents), "%zu.%02zu", i / 100, i % 100);
		make_key(&k, name, NULL, NULL);
		if (i < 1000) {
			g = get(&dst, &k);
			g->m.jobs += 1;
			g->m.credits[CR_TOTAL] += unit_dec(cents);
		}
		if (i >= 500) {
			g = get(&src, &k);
			g->m.jobs += 2;
			g->m.credits[CR_TOTAL] += unit_dec(cents);
		}
	}
	agg_merge(&dst, &src);
	/* src may go away: dst holds its own keys */
	agg_release(&src);
	assert_int_equal(dst.n, 2000);
	for (i = 0; i < 2000; i++) {
		char cents[32];
		dec_t one;

		snprintf(name, sizeof(name), "p%zu", i);
		snprintf(cents, sizeof(cents), "%zu.%02zu", i / 100, i % 100);
		one = unit_dec(cents);
		make_key(&k, name, NULL, NULL);
		g = get(&dst, &k);
		assert_memory_equal(g->key, k.buf, k.len);
		if (i < 500) {
			assert_int_equal(g->m.jobs, 1);
			assert_dec_equal(g->m.credits[CR_TOTAL], one);
		} else if (i < 1000) {
			assert_int_equal(g->m.jobs, 3);
			assert_dec_equal(g->m.credits[CR_TOTAL], 2 * one);
		} else {
			assert_int_equal(g->m.jobs, 2);
			assert_dec_equal(g->m.credits[CR_TOTAL], one);
		}
	}
	/* merging into an empty table copies */
	agg_init(&src);
	agg_merge(&src, &dst);
	assert_int_equal(src.n, 2000);
	make_key(&k, "p750", NULL, NULL);
	assert_int_equal(get(&src, &k)->m.jobs, 3);
	assert_dec_equal(get(&src, &k)->m.credits[CR_TOTAL],
	    unit_dec("15"));
	agg_release(&src);
	sbuf_release(&k);
	agg_release(&dst);
}

static void
test_hash(void **state)
{
	struct sbuf k1, k2;

	(void)state;
	sbuf_init(&k1, 1 << 20);
	sbuf_init(&k2, 1 << 20);
	make_key(&k1, "a,b", "c", NULL);
	make_key(&k2, "a,b", "c", NULL);
	assert_true(agg_hash(k1.buf, k1.len) == agg_hash(k2.buf, k2.len));
	make_key(&k2, "a", "b,c", NULL);
	assert_true(agg_hash(k1.buf, k1.len) != agg_hash(k2.buf, k2.len));
	assert_true(agg_hash("abc", 3) != agg_hash("abd", 3));
	assert_true(agg_hash("abc", 3) != agg_hash("abc", 2));
	assert_true(agg_hash("", 0) != agg_hash("\0", 1));
	sbuf_release(&k1);
	sbuf_release(&k2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_key_parts),
		cmocka_unit_test(test_keys_are_length_prefixed),
		cmocka_unit_test(test_same_key_same_group),
		cmocka_unit_test(test_many_groups),
		cmocka_unit_test(test_hash_collisions),
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_long_and_empty_keys),
		cmocka_unit_test(test_metrics_add),
		cmocka_unit_test(test_metrics_add_checked),
		cmocka_unit_test(test_metrics_add_abs),
		cmocka_unit_test(test_merge),
		cmocka_unit_test(test_hash),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
