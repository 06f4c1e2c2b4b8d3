/*
 * mreport.c: a report's rows as metric families (mreport.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chart.h"
#include "date.h"
#include "failures.h"
#include "mreport.h"

int
mreport_sets(struct report_opts *o, const char *by)
{
	char *with_status = xasprintf("%s,status", by);
	const char *lists[2];
	int ret;

	lists[0] = by;
	lists[1] = with_status;
	ret = report_parse_sets(o, lists, 2);
	free(with_status);
	return ret;
}

void
mreport_span(struct mreport_info *info, int have, int64_t start_ms,
    int64_t end_ms)
{
	const int64_t day_ms = 86400000;

	info->have_period = have;
	if (!have)
		return;
	/* floor, for a time before 1970 too */
	info->since = (int32_t)(start_ms / day_ms - (start_ms % day_ms < 0));
	info->until = (int32_t)(end_ms / day_ms - (end_ms % day_ms < 0));
}

/* The credit kinds' label values, in enum credit_kind's order. */
static const char *const mreport_kinds[CR_TOTAL] = {
	"compute", "dlc", "user", "storage", "network", "lease",
	"lease_overage", "ipranges"
};

/*
 * Failing credits and runs by the view's keys: a table keyed as the
 * view's rows are, from the groups by keys and status.
 */
static void
mreport_waste(struct agg *w, struct metrics *total, const struct view *v,
    const struct report_opts *so, const struct agg *by_status,
    char *const *waste, size_t nwaste)
{
	size_t map[REPORT_MAX_KEYS], status = so->nkeys, i, k;
	struct sbuf key;

	agg_init(w);
	memset(total, 0, sizeof(*total));
	for (k = 0; k < so->nkeys; k++)
		if (strcmp(so->keys[k].name, "status") == 0)
			status = k;
	for (k = 0; k < v->o->nkeys; k++)
		for (map[k] = 0; map[k] < so->nkeys; map[k]++)
			if (strcmp(so->keys[map[k]].name,
			    v->o->keys[k].name) == 0)
				break;
	sbuf_init(&key, (size_t)1 << 30);
	for (i = 0; i < by_status->n && status < so->nkeys; i++) {
		const struct agg_group *g = &by_status->groups[i];
		struct agg_group *dst;
		const char *s;
		size_t len;

		s = agg_key_part(g->key, g->keylen, status, &len);
		if (!failures_is_waste(waste, nwaste, s, len))
			continue;
		sbuf_reset(&key);
		for (k = 0; k < v->o->nkeys && map[k] < so->nkeys; k++) {
			s = agg_key_part(g->key, g->keylen, map[k], &len);
			agg_key_add(&key, s, len);
		}
		dst = agg_get(w, key.buf, key.len, agg_hash(key.buf, key.len));
		metrics_add_bounded(&dst->m, &g->m);
		metrics_add_bounded(total, &g->m);
	}
	sbuf_release(&key);
}

/*
 * The key a row's labels show: each part cleaned (mset_clean_value), so
 * that rows whose names clean to the same text are merged into one
 * series, never written twice.
 */
static void
mreport_clean_key(struct sbuf *out, struct sbuf *part, const struct view *v,
    const struct view_row *r)
{
	size_t k, len;
	const char *s;

	sbuf_reset(out);
	for (k = 0; k < v->o->nkeys; k++) {
		s = view_key_part(r->key, r->keylen, k, &len);
		sbuf_reset(part);
		if (mset_clean_value(part, s, len) < 0)
			die(EXIT_FAILURE_OTHER, "out of memory");
		agg_key_add(out, part->buf, part->len);
	}
}

/* The labels of a merged row: one per key of the view. */
static void
mreport_keys(struct mset *m, const struct view *v, const struct agg_group *g)
{
	size_t k, len;
	const char *s;

	for (k = 0; k < v->o->nkeys; k++) {
		s = agg_key_part(g->key, g->keylen, k, &len);
		mset_label(m, v->o->keys[k].name, s, len);
	}
}

/*
 * The rows, merged by cleaned key, in the view's order (agg keeps the
 * order groups were made in); with `w`, each row's failing runs into the
 * same place of `rw`, the "(other)" row's being what the rows shown leave
 * of the total.
 */
static void
mreport_rows(struct agg *rows, struct agg *rw, const struct view *v,
    const struct agg *w, const struct metrics *wtotal)
{
	struct sbuf key, part;
	struct metrics shown;
	size_t i;

	agg_init(rows);
	agg_init(rw);
	memset(&shown, 0, sizeof(shown));
	sbuf_init(&key, (size_t)1 << 30);
	sbuf_init(&part, (size_t)1 << 30);
	for (i = 0; i < v->n; i++) {
		const struct view_row *r = &v->rows[i];
		uint64_t h;

		mreport_clean_key(&key, &part, v, r);
		h = agg_hash(key.buf, key.len);
		metrics_add_bounded(&agg_get(rows, key.buf, key.len, h)->m,
		    &r->m);
		if (w == NULL)
			continue;
		if (r->key != NULL) {
			const struct agg_group *g = agg_find(w, r->key,
			    r->keylen);

			agg_get(rw, key.buf, key.len, h);
			if (g == NULL)
				continue;
			metrics_add_bounded(&shown, &g->m);
			metrics_add_bounded(&agg_get(rw, key.buf, key.len,
			    h)->m, &g->m);
		} else {
			struct metrics rest;

			memset(&rest, 0, sizeof(rest));
			rest.jobs = wtotal->jobs - shown.jobs;
			rest.credits[CR_TOTAL] = dec_add_or_die(
			    wtotal->credits[CR_TOTAL],
			    -shown.credits[CR_TOTAL], "failing credits");
			metrics_add_bounded(&agg_get(rw, key.buf, key.len,
			    h)->m, &rest);
		}
	}
	sbuf_release(&part);
	sbuf_release(&key);
}

void
mreport_collect(struct mset *m, const struct view *v,
    const struct report_opts *so, const struct agg *by_status,
    char *const *waste, size_t nwaste, const struct mreport_info *info)
{
	size_t f_credits, f_total, f_cost, f_jobs, f_secs, f_wcred = 0,
	    f_wjobs = 0, f_info, f_start, f_end, i;
	struct metrics wtotal;
	struct agg w, rows, rw;
	int kind;

	f_credits = mset_family(m, MREPORT_PREFIX "credits", "credits",
	    "Credits spent in the period, by kind.");
	f_total = mset_family(m, MREPORT_PREFIX "total_credits", "credits",
	    "Total credits spent in the period (every kind).");
	f_cost = mset_family(m, MREPORT_PREFIX "cost_usd", "usd",
	    "The total credits at the credit price, in US dollars.");
	f_jobs = mset_family(m, MREPORT_PREFIX "jobs", "",
	    "Job runs in the period.");
	f_secs = mset_family(m, MREPORT_PREFIX "run_seconds", "seconds",
	    "Time the job runs ran, summed.");
	if (by_status != NULL) {
		f_wcred = mset_family(m, MREPORT_PREFIX "failed_credits",
		    "credits", "Credits spent on failing job runs (failed, "
		    "canceled, ...).");
		f_wjobs = mset_family(m, MREPORT_PREFIX "failed_jobs", "",
		    "Failing job runs (failed, canceled, ...).");
		mreport_waste(&w, &wtotal, v, so, by_status, waste, nwaste);
	}
	f_info = mset_family(m, MREPORT_PREFIX "report_info", "",
	    "The report's period and organization, as labels (always 1).");
	f_start = mset_family(m, MREPORT_PREFIX "period_start_seconds",
	    "seconds", "The period's start, 00:00 UTC of its first day, in "
	    "seconds since the epoch.");
	f_end = mset_family(m, MREPORT_PREFIX "period_end_seconds", "seconds",
	    "The period's end, 00:00 UTC of the day after its last day, in "
	    "seconds since the epoch.");
	mreport_rows(&rows, &rw, v, by_status != NULL ? &w : NULL, &wtotal);
	for (i = 0; i < rows.n; i++) {
		const struct agg_group *g = &rows.groups[i];

		for (kind = 0; kind < CR_TOTAL; kind++) {
			mset_sample(m, f_credits, g->m.credits[kind]);
			mreport_keys(m, v, g);
			mset_label(m, "kind", mreport_kinds[kind],
			    strlen(mreport_kinds[kind]));
		}
		mset_sample(m, f_total, g->m.credits[CR_TOTAL]);
		mreport_keys(m, v, g);
		mset_sample(m, f_cost, dec_cost_or_die(g->m.credits[CR_TOTAL],
		    v->price));
		mreport_keys(m, v, g);
		mset_sample(m, f_jobs, dec_from_int((int64_t)g->m.jobs));
		mreport_keys(m, v, g);
		mset_sample(m, f_secs, g->m.run_seconds);
		mreport_keys(m, v, g);
	}
	for (i = 0; by_status != NULL && i < rw.n; i++) {
		const struct agg_group *g = &rw.groups[i];

		mset_sample(m, f_wcred, g->m.credits[CR_TOTAL]);
		mreport_keys(m, v, g);
		mset_sample(m, f_wjobs, dec_from_int((int64_t)g->m.jobs));
		mreport_keys(m, v, g);
	}
	agg_release(&rows);
	agg_release(&rw);
	if (by_status != NULL)
		agg_release(&w);
	mset_sample(m, f_info, DEC_ONE);
	if (info->org != NULL)
		mset_label(m, "org", info->org, strlen(info->org));
	/* stable when names change: the Pushgateway's group (cmd_push.c) */
	if (info->org_id != NULL)
		mset_label(m, "org_id", info->org_id, strlen(info->org_id));
	if (info->have_period) {
		char day[DATE_BUFSZ];
		size_t n;

		n = date_format_day(info->since, day);
		mset_label(m, "since", day, n);
		n = date_format_day(info->until, day);
		mset_label(m, "until", day, n);
		mset_sample(m, f_start, dec_from_int((int64_t)info->since *
		    86400));
		mset_sample(m, f_end, dec_from_int(((int64_t)info->until + 1) *
		    86400));
	}
}

int
mreport_build(struct mset *m, const struct report_opts *o,
    const struct report_result *res, const struct inputs *in,
    int sort_metric, int sort_key, size_t top, dec_t price,
    char *const *waste, size_t nwaste, int32_t *last)
{
	struct report_opts vo, so;
	struct mreport_info info;
	struct chart_opts span;
	struct view v;
	char *org;

	mset_init(m);
	if (last != NULL)
		*last = MREPORT_NO_DAY;
	if (view_check(res, price) < 0)
		return EXIT_BAD_INPUT;
	report_set_opts(o, 0, &vo);
	report_set_opts(o, 1, &so);
	view_build(&v, &vo, res, sort_metric, sort_key, top, price);
	/* the period as the charts give it: the exports' ranges, within
	 * --since and --until, else the days of the runs counted */
	memset(&span, 0, sizeof(span));
	chart_set_span(&span, in, o, res);
	memset(&info, 0, sizeof(info));
	info.org = org = report_org_label(res, in != NULL ? in->org_id :
	    NULL);
	info.org_id = in != NULL ? in->org_id : NULL;
	mreport_span(&info, span.have_span, span.span_start, span.span_end);
	if (last != NULL && info.have_period)
		*last = info.until;
	mreport_collect(m, &v, &so, report_set_groups(res, 1), waste, nwaste,
	    &info);
	free(org);
	view_release(&v);
	report_opts_release(&so);
	report_opts_release(&vo);
	return 0;
}
