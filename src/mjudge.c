/*
 * mjudge.c: budgets and anomalies as metrics (mjudge.h).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agg.h"
#include "date.h"
#include "db.h"
#include "mjudge.h"
#include "mreport.h"

/* The statuses, in enum budget_status's order. */
#define MJUDGE_NSTATUS 4

/*
 * Append value, cleaned (mset_clean_value), to the key `key` and set
 * `part` to it alone: the labels show the cleaned text, and two names
 * that clean to one are one series.
 */
static void
mjudge_part(struct sbuf *key, struct sbuf *part, const char *s, size_t len)
{
	sbuf_reset(part);
	if (mset_clean_value(part, s, len) < 0)
		die(EXIT_FAILURE_OTHER, "out of memory");
	agg_key_add(key, part->buf, part->len);
}

/* The labels of a budget's samples, from its key (name, period, scope). */
static void
mjudge_budget_labels(struct mset *m, const char *key, size_t keylen)
{
	static const char *const names[] = { "budget", "period", "scope" };
	const char *s;
	size_t i, len;

	for (i = 0; i < 3; i++) {
		s = agg_key_part(key, keylen, i, &len);
		mset_label(m, names[i], s, len);
	}
}

void
mjudge_budgets(struct mset *m, const struct budget_calc *c)
{
	size_t f_amount, f_spent, f_proj, f_used, f_pshare, f_status, i;
	struct sbuf key, part;
	char scope[4096];
	struct agg seen;
	int st;

	f_amount = mset_family(m, MREPORT_PREFIX "budget_amount_credits",
	    "credits", "A budget's amount in credits (usd at the credit "
	    "price).");
	f_spent = mset_family(m, MREPORT_PREFIX "budget_spent_credits",
	    "credits", "Credits a budget's scope spent in its period up to "
	    "the day after the report's period.");
	f_proj = mset_family(m, MREPORT_PREFIX "budget_projected_credits",
	    "credits", "A budget's projected spend at its period's end.");
	f_used = mset_family(m, MREPORT_PREFIX "budget_used_ratio", "ratio",
	    "A budget's spent credits over its amount (used_pct / 100).");
	f_pshare = mset_family(m, MREPORT_PREFIX "budget_projected_ratio",
	    "ratio", "A budget's projected credits over its amount "
	    "(projected_pct / 100).");
	f_status = mset_family(m, MREPORT_PREFIX "budget_status", "",
	    "A budget's status: 1 for the label's status, 0 for the others.");
	agg_init(&seen);
	sbuf_init(&key, (size_t)1 << 30);
	sbuf_init(&part, (size_t)1 << 30);
	for (i = 0; i < c->bs->n; i++) {
		const struct budget *b = &c->bs->b[i];
		const struct budget_eval *e = &c->e[i];
		const char *pn = budget_period_name(b->period);
		struct agg_group *g;
		uint64_t h;

		sbuf_reset(&key);
		mjudge_part(&key, &part, b->name, strlen(b->name));
		mjudge_part(&key, &part, pn, strlen(pn));
		budget_scope_text(b, scope, sizeof(scope));
		mjudge_part(&key, &part, scope, strlen(scope));
		h = agg_hash(key.buf, key.len);
		if (agg_find(&seen, key.buf, key.len) != NULL) {
			/* names differ only in bytes cleaning replaces */
			warning("budget '%.100s': its labels are an earlier "
			    "budget's once cleaned; left out of the metrics",
			    b->name);
			continue;
		}
		g = agg_get(&seen, key.buf, key.len, h);
		mset_sample(m, f_amount, e->amount);
		mjudge_budget_labels(m, g->key, g->keylen);
		mset_sample(m, f_spent, e->spent);
		mjudge_budget_labels(m, g->key, g->keylen);
		mset_sample(m, f_proj, e->projected);
		mjudge_budget_labels(m, g->key, g->keylen);
		/* 2 decimals over 100: exact in 18 */
		mset_sample(m, f_used, e->used_pct / 100);
		mjudge_budget_labels(m, g->key, g->keylen);
		mset_sample(m, f_pshare, e->projected_pct / 100);
		mjudge_budget_labels(m, g->key, g->keylen);
		for (st = 0; st < MJUDGE_NSTATUS; st++) {
			const char *sn = budget_status_name(
			    (enum budget_status)st);

			mset_sample(m, f_status, (int)e->status == st ?
			    DEC_ONE : 0);
			mjudge_budget_labels(m, g->key, g->keylen);
			mset_label(m, "status", sn, strlen(sn));
		}
	}
	sbuf_release(&part);
	sbuf_release(&key);
	agg_release(&seen);
}

/* The labels of an anomaly: day, its keys, kind (cleaned, from key). */
static void
mjudge_anomaly_labels(struct mset *m, const struct anomaly_list *l,
    const char *key, size_t keylen)
{
	const char *s;
	size_t k, len;

	s = agg_key_part(key, keylen, 0, &len);
	mset_label(m, "day", s, len);
	for (k = 0; k < l->nkeys; k++) {
		s = agg_key_part(key, keylen, 1 + k, &len);
		mset_label(m, l->names[k], s, len);
	}
	s = agg_key_part(key, keylen, 1 + l->nkeys, &len);
	mset_label(m, "kind", s, len);
}

void
mjudge_anomalies(struct mset *m, const struct anomaly_list *l)
{
	size_t f_score, f_excess, i, k;
	struct sbuf key, part;
	struct agg seen;

	f_score = mset_family(m, MREPORT_PREFIX "anomaly_score", "",
	    "An anomaly's score, (credits - baseline) / spread, as "
	    "`anomalies` prints it (2 decimals); none for a new project.");
	f_excess = mset_family(m, MREPORT_PREFIX "anomaly_excess_credits",
	    "credits", "An anomaly's credits above its baseline (below it "
	    "for a stopped project).");
	agg_init(&seen);
	sbuf_init(&key, (size_t)1 << 30);
	sbuf_init(&part, (size_t)1 << 30);
	for (i = 0; i < l->n; i++) {
		const struct anomaly_item *it = &l->items[i];
		const char *kn = anomaly_kind_name(it->v.kind), *s;
		char day[DATE_BUFSZ], num[64];
		struct agg_group *g;
		size_t len;
		dec_t score;

		sbuf_reset(&key);
		len = date_format_day(it->day, day);
		agg_key_add(&key, day, len);
		for (k = 0; k < l->nkeys; k++) {
			s = agg_key_part(it->key, it->keylen, k, &len);
			mjudge_part(&key, &part, s, len);
		}
		agg_key_add(&key, kn, strlen(kn));
		/* largest excess first: a name that cleans to an earlier
		 * one's on the same day is the smaller anomaly; left out */
		if (agg_find(&seen, key.buf, key.len) != NULL)
			continue;
		g = agg_get(&seen, key.buf, key.len, agg_hash(key.buf,
		    key.len));
		if (!isnan(it->v.score)) {
			/* the text `anomalies` prints, so the values agree */
			snprintf(num, sizeof(num), "%.2f", it->v.score);
			if (dec_parse(num, strlen(num), &score) == 0) {
				mset_sample(m, f_score, score);
				mjudge_anomaly_labels(m, l, g->key, g->keylen);
			}
		}
		mset_sample(m, f_excess, it->v.excess);
		mjudge_anomaly_labels(m, l, g->key, g->keylen);
	}
	sbuf_release(&part);
	sbuf_release(&key);
	agg_release(&seen);
}

/* The data of the budgets, read again: 0, or an exit code. */
static int
mjudge_read_budgets(struct mset *m, const struct mjudge_src *s,
    int32_t last)
{
	struct budget_calc c;
	struct report_opts o;
	struct report_result res;
	int ret = EXIT_USAGE, have_res = 0;

	report_opts_init(&o);
	o.strict = s->base->strict;
	o.keep_duplicates = s->base->keep_duplicates;
	o.threads = s->base->threads;
	o.teams = s->teams;
	if (budget_calc_init(&c, s->bs, s->teams, s->price, last + 1, 1) < 0 ||
	    budget_calc_sets(&c, &o) < 0)
		goto out;
	/* the period says where it ends: no data that day is no warning */
	c.complete = 1;
	ret = s->db != NULL ? db_report_path(s->db, &o, &res) :
	    report_run(&o, s->in, &res);
	have_res = 1;
	if (ret != 0)
		goto out;
	budget_calc_eval(&c, &o, &res);
	mjudge_budgets(m, &c);
out:
	if (have_res)
		report_result_release(&res);
	budget_calc_release(&c);
	report_opts_release(&o);
	return ret;
}

/* The anomalies by project, from the history: 0, or an exit code. */
static int
mjudge_read_anomalies(struct mset *m, const struct mjudge_src *s,
    int32_t last)
{
	struct anomaly_run r;
	struct anomaly_list l;
	struct report_opts byo, ro;
	struct report_result res;
	int ret = EXIT_FAILURE_OTHER, have_res = 0, have_list = 0;

	memset(&r, 0, sizeof(r));
	report_opts_init(&byo);
	report_opts_init(&ro);
	/* the report's filters, as `anomalies --db --at D` takes them */
	report_opts_copy_filters(&ro, s->base);
	anomaly_params_default(&r.p);
	if (report_parse_by(&byo, "project") < 0 || anomaly_sets(&r, &ro,
	    "project", &byo, last, ANOMALY_DAYS) < 0)
		goto out;
	ret = db_report_path(s->db, &ro, &res);
	have_res = 1;
	if (ret != 0)
		goto out;
	r.src = &res;
	r.price = s->price;
	ret = EXIT_FAILURE_OTHER;
	if (anomaly_find(&r, &l) < 0)
		goto out;
	have_list = 1;
	mjudge_anomalies(m, &l);
	ret = 0;
out:
	if (have_list)
		anomaly_list_release(&l);
	if (have_res)
		report_result_release(&res);
	report_opts_release(&ro);
	report_opts_release(&byo);
	return ret;
}

int
mjudge_read(struct mset *m, const struct mjudge_src *s, int32_t last)
{
	int ret = 0;

	if (s->bs != NULL)
		ret = mjudge_read_budgets(m, s, last);
	if (ret == 0 && s->db != NULL)
		ret = mjudge_read_anomalies(m, s, last);
	return ret;
}
