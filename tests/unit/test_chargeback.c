/*
 * test_chargeback.c: the largest-remainder split (exact sums, hundredths,
 * deterministic ties, sub-hundredth residues, negative amounts, zero
 * weights) and the chargeback per team: projects counted, shared costs
 * spread proportionally, evenly or kept as (shared), totals unchanged.
 */
#include "unit.h"

#include "chargeback.h"

#define D(s) unit_dec(s)

static void
spread(const char *amount, const char *const *w, size_t n,
    const char *const *want)
{
	dec_t weights[16], parts[16], sum = 0;
	size_t i;

	for (i = 0; i < n; i++)
		weights[i] = D(w[i]);
	chargeback_spread(D(amount), weights, n, parts);
	for (i = 0; i < n; i++) {
		assert_dec_equal(parts[i], D(want[i]));
		sum += parts[i];
	}
	assert_dec_equal(sum, D(amount));
}

static void
test_spread_basic(void **state)
{
	(void)state;
	/* 100 / 3: 33.33 each, the leftover hundredth to the first tie */
	spread("100", (const char *const[]){ "1", "1", "1" }, 3,
	    (const char *const[]){ "33.34", "33.33", "33.33" });
	/* proportional: 10 over 1:2:3 is 1.666.., 3.333.., 5 */
	spread("10", (const char *const[]){ "1", "2", "3" }, 3,
	    (const char *const[]){ "1.67", "3.33", "5" });
	/* 0.05 over 1:1 with weights in any unit */
	spread("0.05", (const char *const[]){ "0.5", "0.5" }, 2,
	    (const char *const[]){ "0.03", "0.02" });
	/* the largest remainder wins, not the first index */
	spread("1", (const char *const[]){ "1", "2" }, 2,
	    (const char *const[]){ "0.33", "0.67" });
	/* equal remainders: to the lower indexes */
	spread("1", (const char *const[]){ "1", "1", "4" }, 3,
	    (const char *const[]){ "0.17", "0.17", "0.66" });
	/* one part takes it all */
	spread("12.34", (const char *const[]){ "7" }, 1,
	    (const char *const[]){ "12.34" });
	/* nothing to spread */
	spread("0", (const char *const[]){ "1", "2" }, 2,
	    (const char *const[]){ "0", "0" });
}

static void
test_spread_edges(void **state)
{
	(void)state;
	/* below a hundredth: to the largest weight, so the sum is exact */
	spread("10.005", (const char *const[]){ "1", "3" }, 2,
	    (const char *const[]){ "2.5", "7.505" });
	spread("0.001", (const char *const[]){ "2", "2", "1" }, 3,
	    (const char *const[]){ "0.001", "0", "0" });
	/* zero and negative weights get nothing; all zero is even */
	spread("3", (const char *const[]){ "0", "-5", "1" }, 3,
	    (const char *const[]){ "0", "0", "3" });
	spread("3", (const char *const[]){ "0", "0", "0" }, 3,
	    (const char *const[]){ "1", "1", "1" });
	/* a negative amount splits as its opposite */
	spread("-100", (const char *const[]){ "1", "1", "1" }, 3,
	    (const char *const[]){ "-33.34", "-33.33", "-33.33" });
	/* huge weights and amounts stay exact */
	spread("123456789012.34567", (const char *const[]){
	    "99999999999999999999", "1", "33333333333333333333.5" }, 3,
	    (const char *const[]){ "92592591759.25567", "0",
	    "30864197253.09" });
}

/* Many random splits: the sum is exact and each part within a cent. */
static void
test_spread_random(void **state)
{
	dec_t w[9], parts[9];
	unsigned seed = 7;
	int round;

	(void)state;
	for (round = 0; round < 2000; round++) {
		size_t n = 1 + (size_t)(round % 9), i;
		dec_t amount, sum = 0, wsum = 0;

		seed = seed * 1103515245u + 12345u;
		amount = (dec_t)(seed % 10000000) * (DEC_ONE / 1000);
		for (i = 0; i < n; i++) {
			seed = seed * 1103515245u + 12345u;
			w[i] = (dec_t)(seed % 1000) * DEC_ONE;
			wsum += w[i];
		}
		chargeback_spread(amount, w, n, parts);
		for (i = 0; i < n; i++) {
			sum += parts[i];
			if (wsum > 0) {
				dec_t q = amount * (w[i] / DEC_ONE) /
				    (wsum / DEC_ONE);
				dec_t d = parts[i] - q;

				assert_true(d < DEC_ONE / 100 + DEC_ONE / 100 &&
				    d > -(DEC_ONE / 100));
			}
		}
		assert_dec_equal(sum, amount);
	}
}

/* A result grouped by team and project, built by hand. */
static void
add_group(struct report_result *r, const char *team, const char *project,
    const char *credits, uint64_t jobs)
{
	struct sbuf key;
	struct agg_group *g;

	sbuf_init(&key, 1024);
	agg_key_add(&key, team, strlen(team));
	agg_key_add(&key, project, strlen(project));
	g = agg_get(&r->groups, key.buf, key.len, agg_hash(key.buf, key.len));
	g->m.jobs += jobs;
	g->m.credits[CR_TOTAL] += D(credits);
	g->m.credits[CR_COMPUTE] += D(credits);
	r->totals.jobs += jobs;
	r->totals.credits[CR_TOTAL] += D(credits);
	r->totals.credits[CR_COMPUTE] += D(credits);
	sbuf_release(&key);
}

static void
make_result(struct report_opts *o, struct report_result *r)
{
	report_opts_init(o);
	report_parse_by(o, "team,project");
	memset(r, 0, sizeof(*r));
	agg_init(&r->groups);
	add_group(r, "web", "web-a", "10", 1);
	add_group(r, "web", "web-b", "20", 2);
	add_group(r, "api", "api", "60", 3);
	add_group(r, TEAMS_UNASSIGNED, "misc", "10", 1);
	add_group(r, "", "", "1.001", 4);
}

static const struct chargeback_team *
find(const struct chargeback *cb, const char *name)
{
	size_t i;

	for (i = 0; i < cb->n; i++)
		if (strcmp(cb->teams[i].name, name) == 0)
			return &cb->teams[i];
	fail_msg("no team %s", name);
	return NULL;
}

static dec_t
sum_credits(const struct chargeback *cb, int c)
{
	dec_t s = 0;
	size_t i;

	for (i = 0; i < cb->n; i++)
		s += cb->teams[i].m.credits[c];
	return s;
}

static void
test_build(void **state)
{
	struct report_opts o, to;
	struct report_result r, out;
	struct chargeback cb;
	struct view v;
	enum chargeback_mode mode;

	(void)state;
	make_result(&o, &r);
	/* proportional: 1.001 over 10%, 30%, 60% (names sorted: (u), api,
	 * web) */
	chargeback_build(&cb, &o, &r, CB_PROPORTIONAL);
	assert_int_equal(cb.n, 3);
	assert_string_equal(cb.teams[0].name, TEAMS_UNASSIGNED);
	assert_string_equal(cb.teams[1].name, "api");
	assert_string_equal(cb.teams[2].name, "web");
	assert_int_equal(find(&cb, "web")->projects, 2);
	assert_int_equal(find(&cb, "api")->projects, 1);
	assert_int_equal(cb.projects, 4);
	assert_dec_equal(find(&cb, "api")->m.credits[CR_TOTAL], D("60.601"));
	assert_dec_equal(find(&cb, "web")->m.credits[CR_TOTAL], D("30.30"));
	assert_dec_equal(find(&cb, TEAMS_UNASSIGNED)->m.credits[CR_TOTAL],
	    D("10.10"));
	assert_dec_equal(sum_credits(&cb, CR_TOTAL),
	    r.totals.credits[CR_TOTAL]);
	assert_dec_equal(sum_credits(&cb, CR_COMPUTE),
	    r.totals.credits[CR_COMPUTE]);
	assert_int_equal(find(&cb, "web")->m.jobs, 3);	/* not spread */
	/* as a view: the projects column, totals kept */
	chargeback_result(&cb, &r, &to, &out);
	chargeback_view(&cb, &v, &to, &out, D("0.0006"));
	assert_int_equal(v.n, 3);
	assert_int_equal(v.rows[0].count, 1);		/* api, largest */
	assert_int_equal(v.rows[1].count, 2);
	assert_int_equal(v.total_count, 4);
	assert_dec_equal(out.totals.credits[CR_TOTAL], D("101.001"));
	view_release(&v);
	report_result_release(&out);
	report_opts_release(&to);
	chargeback_release(&cb);
	/* even: 1.001 in three */
	chargeback_build(&cb, &o, &r, CB_EVEN);
	assert_dec_equal(find(&cb, TEAMS_UNASSIGNED)->m.credits[CR_TOTAL],
	    D("10.341"));
	assert_dec_equal(find(&cb, "api")->m.credits[CR_TOTAL], D("60.33"));
	assert_dec_equal(find(&cb, "web")->m.credits[CR_TOTAL], D("30.33"));
	assert_dec_equal(sum_credits(&cb, CR_TOTAL),
	    r.totals.credits[CR_TOTAL]);
	chargeback_release(&cb);
	/* none: a (shared) row of its own, no projects */
	chargeback_build(&cb, &o, &r, CB_NONE);
	assert_int_equal(cb.n, 4);
	assert_dec_equal(find(&cb, CHARGEBACK_SHARED)->m.credits[CR_TOTAL],
	    D("1.001"));
	assert_int_equal(find(&cb, CHARGEBACK_SHARED)->projects, 0);
	assert_int_equal(find(&cb, CHARGEBACK_SHARED)->m.jobs, 4);
	assert_dec_equal(find(&cb, "api")->m.credits[CR_TOTAL], D("60"));
	chargeback_release(&cb);
	assert_int_equal(chargeback_mode_parse("even", &mode), 0);
	assert_int_equal(mode, CB_EVEN);
	assert_int_equal(chargeback_mode_parse("half", &mode), -1);
	report_result_release(&r);
	report_opts_release(&o);
}

/* Only shared rows: nobody to spread them to, so they stay (shared). */
static void
test_only_shared(void **state)
{
	struct report_opts o;
	struct report_result r;
	struct chargeback cb;

	(void)state;
	report_opts_init(&o);
	memset(&r, 0, sizeof(r));
	agg_init(&r.groups);
	add_group(&r, "", "", "5", 1);
	chargeback_build(&cb, &o, &r, CB_PROPORTIONAL);
	assert_int_equal(cb.n, 1);
	assert_string_equal(cb.teams[0].name, CHARGEBACK_SHARED);
	assert_dec_equal(cb.teams[0].m.credits[CR_TOTAL], D("5"));
	chargeback_release(&cb);
	report_result_release(&r);
	report_opts_release(&o);
}

/* The writers show the projects column: CSV, JSON (rows and totals). */
static void
test_writers(void **state)
{
	struct report_opts o, to;
	struct report_result r, out;
	struct chargeback cb;
	struct view v;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	(void)state;
	make_result(&o, &r);
	chargeback_build(&cb, &o, &r, CB_NONE);
	chargeback_result(&cb, &r, &to, &out);
	chargeback_view(&cb, &v, &to, &out, D("0.0006"));
	f = open_memstream(&buf, &len);
	assert_int_equal(view_write(&v, f, FMT_CSV), 0);
	fclose(f);
	assert_contains(buf, ",cost_usd,share_pct,projects\n");
	assert_contains(buf, "\napi,3,0,60,0,0,0,0,0,0,0,60,0.04,59.41,1\n");
	assert_contains(buf, "\nweb,3,0,30,0,0,0,0,0,0,0,30,0.02,29.70,2\n");
	assert_contains(buf, "\n(shared),4,0,1.001,0,0,0,0,0,0,0,1.001,0.00,"
	    "0.99,0\n");
	free(buf);
	f = open_memstream(&buf, &len);
	assert_int_equal(view_write(&v, f, FMT_JSON), 0);
	fclose(f);
	assert_contains(buf, "\"share_pct\": 59.41, \"projects\": 1}");
	assert_contains(buf, "\"share_pct\": 100.00, \"projects\": 4},");
	free(buf);
	f = open_memstream(&buf, &len);
	assert_int_equal(view_write(&v, f, FMT_TABLE), 0);
	fclose(f);
	assert_contains(buf, "  projects\n");
	free(buf);
	view_release(&v);
	report_result_release(&out);
	report_opts_release(&to);
	chargeback_release(&cb);
	report_result_release(&r);
	report_opts_release(&o);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_spread_basic),
		cmocka_unit_test(test_spread_edges),
		cmocka_unit_test(test_spread_random),
		cmocka_unit_test(test_build),
		cmocka_unit_test(test_only_shared),
		cmocka_unit_test(test_writers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
