/*
 * focus.c: FOCUS 1.2 rows from job runs (focus.h).  Each charge is split
 * by credit kind as it comes; the day grain first sums the charges per
 * billing account, project, resource class and day in a table of groups
 * (agg.h), then writes them sorted.  Texts go through csvw_field, the
 * JSON columns (Tags, SkuPriceDetails) through jsonw_string.
 */
#include "focus.h"

#include <stdlib.h>
#include <string.h>

#include "csvw.h"
#include "date.h"
#include "jsonw.h"
#include "strtab.h"
#include "util.h"

#define FOCUS_PROVIDER "CircleCI"
#define FOCUS_SERVICE "CircleCI"
#define FOCUS_SERVICE_CATEGORY "Developer Tools"
#define FOCUS_SERVICE_SUBCATEGORY "Continuous Integration and Deployment"
#define FOCUS_CURRENCY "USD"
#define FOCUS_UNIT "Credits"
/* the tag key prefix of CircleCI's own attributes (provider-defined) */
#define FOCUS_TAG_PREFIX "circleci/"

const char *const focus_columns[] = {
	"BilledCost", "BillingAccountId", "BillingAccountName",
	"BillingCurrency", "BillingPeriodEnd", "BillingPeriodStart",
	"ChargeCategory", "ChargeClass", "ChargeDescription",
	"ChargeFrequency", "ChargePeriodEnd", "ChargePeriodStart",
	"ConsumedQuantity", "ConsumedUnit", "ContractedCost",
	"ContractedUnitPrice", "EffectiveCost", "InvoiceIssuerName",
	"ListCost", "ListUnitPrice", "PricingCategory", "PricingCurrency",
	"PricingCurrencyContractedUnitPrice", "PricingCurrencyEffectiveCost",
	"PricingCurrencyListUnitPrice", "PricingQuantity", "PricingUnit",
	"ProviderName", "PublisherName", "ServiceCategory", "ServiceName",
	"ServiceSubcategory", "SkuId", "SkuMeter", "SkuPriceDetails",
	"SkuPriceId", "SubAccountId", "SubAccountName", "Tags",
	"x_CreditKind", "x_JobId", "x_ResourceClass",
	NULL
};

static const struct {
	const char *name;	/* SkuId, x_CreditKind */
	const char *meter;	/* SkuMeter, ChargeDescription */
} focus_kinds[CR_COUNT] = {
	[CR_COMPUTE] = { "compute", "Compute" },
	[CR_DLC] = { "dlc", "Docker Layer Caching" },
	[CR_USER] = { "user", "Users" },
	[CR_STORAGE] = { "storage", "Storage" },
	[CR_NETWORK] = { "network", "Network" },
	[CR_LEASE] = { "lease", "Lease" },
	[CR_LEASE_OVERAGE] = { "lease_overage", "Lease Overage" },
	[CR_IPRANGES] = { "ipranges", "IP Ranges" },
	[CR_TOTAL] = { "other", "Other" },
};

struct focus_writer {
	FILE *f;
	struct focus_opts o;
	char price[DEC_BUFSZ];
	char num[DEC_BUFSZ];
	/* the team of each project name: team_of[id] = team + 1, 0 unknown */
	struct strtab projects;
	uint32_t *team_of;
	size_t team_cap;
	/* JSON columns, written to memory first (they are CSV fields) */
	char *json;
	size_t json_len;
	FILE *json_f;
	/* the day grain's groups: key parts as day_key() makes them */
	struct agg days;
	struct sbuf key;
	struct focus_stats st;
};

const char *
focus_kind_name(enum credit_kind k)
{
	return focus_kinds[k].name;
}

void
focus_month(int32_t day, int32_t *start, int32_t *end)
{
	int y, m, d;

	date_to_ymd(day, &y, &m, &d);
	*start = date_from_ymd(y, m, 1);
	*end = m == 12 ? date_from_ymd(y + 1, 1, 1) :
	    date_from_ymd(y, m + 1, 1);
}

struct focus_writer *
focus_writer_new(FILE *f, const struct focus_opts *o)
{
	struct focus_writer *w = xcalloc(1, sizeof(*w));

	w->f = f;
	w->o = *o;
	dec_format(o->price, w->price);
	strtab_init(&w->projects);
	w->json_f = open_memstream(&w->json, &w->json_len);
	if (w->json_f == NULL)
		die(EXIT_FAILURE_OTHER, "out of memory");
	agg_init(&w->days);
	sbuf_init(&w->key, SIZE_MAX);
	return w;
}

void
focus_writer_free(struct focus_writer *w)
{
	if (w == NULL)
		return;
	strtab_release(&w->projects);
	free(w->team_of);
	fclose(w->json_f);
	free(w->json);
	agg_release(&w->days);
	sbuf_release(&w->key);
	free(w);
}

void
focus_writer_stats(const struct focus_writer *w, struct focus_stats *s)
{
	*s = w->st;
}

void
focus_writer_header(struct focus_writer *w)
{
	size_t i;

	for (i = 0; focus_columns[i] != NULL; i++) {
		if (i)
			putc(',', w->f);
		fputs(focus_columns[i], w->f);
	}
	putc('\n', w->f);
}

/* ---- fields ---- */

/* A text field; empty (NULL in the dataset) when len is 0, s maybe NULL */
static void
put_text(struct focus_writer *w, const char *s, size_t len)
{
	putc(',', w->f);
	if (len > 0)
		csvw_field(w->f, s, len);
}

static void
put_const(struct focus_writer *w, const char *s)
{
	putc(',', w->f);
	fputs(s, w->f);
}

static void
put_dec(struct focus_writer *w, dec_t v)
{
	char buf[DEC_BUFSZ];

	putc(',', w->f);
	fwrite(buf, 1, dec_format(v, buf), w->f);
}

static void
put_day(struct focus_writer *w, int32_t day)
{
	char buf[DATE_BUFSZ];

	putc(',', w->f);
	fwrite(buf, 1, date_format_day(day, buf), w->f);
	fputs("T00:00:00Z", w->f);
}

/* Start a JSON object in w->json_f: json_member()s, then json_end(). */
static void
json_begin(struct focus_writer *w)
{
	rewind(w->json_f);
}

static void
json_member(struct focus_writer *w, int *n, const char *k, const char *v,
    size_t len)
{
	fputs(*n ? "," : "{", w->json_f);
	jsonw_string(w->json_f, k, strlen(k));
	putc(':', w->json_f);
	jsonw_string(w->json_f, v, len);
	(*n)++;
}

/* The object as a field: NULL (empty) when it has no member. */
static void
json_end(struct focus_writer *w, int n)
{
	if (n)
		putc('}', w->json_f);
	fflush(w->json_f);
	put_text(w, w->json, n ? (size_t)ftello(w->json_f) : 0);
}

/* ---- a charge's rows ---- */

/* The team of a project name (teams.h), cached per distinct name. */
static const char *
team_of(struct focus_writer *w, const char *name, size_t len)
{
	uint32_t id = strtab_intern(&w->projects, name, len);
	char *z;

	if (w->projects.full)
		return NULL;	/* not cached: strtab_check reports it */
	if (id >= w->team_cap) {
		size_t cap = w->team_cap ? w->team_cap * 2 : 64;

		while (cap <= id)
			cap *= 2;
		w->team_of = xreallocarray(w->team_of, cap,
		    sizeof(*w->team_of));
		memset(w->team_of + w->team_cap, 0, (cap - w->team_cap) *
		    sizeof(*w->team_of));
		w->team_cap = cap;
	}
	if (w->team_of[id] == 0) {
		z = xstrndup(name, len);
		w->team_of[id] = teams_match(w->o.teams, z) + 1;
		free(z);
	}
	return teams_name(w->o.teams, w->team_of[id] - 1);
}

static void
put_tags(struct focus_writer *w, const struct focus_charge *c)
{
	const char *team;
	int n = 0;

	json_begin(w);
	if (c->workflow_len)
		json_member(w, &n, FOCUS_TAG_PREFIX "workflow", c->workflow,
		    c->workflow_len);
	if (c->job_len)
		json_member(w, &n, FOCUS_TAG_PREFIX "job", c->job, c->job_len);
	if (c->branch_len)
		json_member(w, &n, FOCUS_TAG_PREFIX "branch", c->branch,
		    c->branch_len);
	if (w->o.teams != NULL && c->project_name_len &&
	    (team = team_of(w, c->project_name, c->project_name_len)) != NULL)
		json_member(w, &n, "team", team, strlen(team));
	json_end(w, n);
}

/* One row: credits of kind k (CR_TOTAL: the remainder) of charge c. */
static void
put_row(struct focus_writer *w, const struct focus_charge *c,
    enum credit_kind k, dec_t credits, dec_t cost, const char *account,
    size_t account_len)
{
	const char *meter = focus_kinds[k].meter;
	int32_t bstart, bend;
	int compute = k == CR_COMPUTE && c->resource_class_len > 0, n = 0;
	const char *sub_id, *sub_name;
	size_t sub_id_len, sub_name_len;

	/* a project's ID, else its name; its name, else its ID */
	sub_id = c->project_id_len ? c->project_id : c->project_name;
	sub_id_len = c->project_id_len ? c->project_id_len :
	    c->project_name_len;
	sub_name = c->project_name_len ? c->project_name : c->project_id;
	sub_name_len = c->project_name_len ? c->project_name_len :
	    c->project_id_len;
	focus_month(c->day, &bstart, &bend);

	fwrite(w->num, 1, dec_format(cost, w->num), w->f); /* BilledCost */
	put_text(w, account, account_len);		/* BillingAccountId */
	put_text(w, c->org_name, c->org_name_len);	/* BillingAccountName */
	put_const(w, FOCUS_CURRENCY);			/* BillingCurrency */
	put_day(w, bend);				/* BillingPeriodEnd */
	put_day(w, bstart);				/* BillingPeriodStart */
	put_const(w, "Usage");				/* ChargeCategory */
	put_const(w, "");				/* ChargeClass */
	/* ChargeDescription */
	sbuf_reset(&w->key);
	sbuf_addf(&w->key, "%s credits", meter);
	if (compute) {
		sbuf_addstr(&w->key, " on resource class ");
		sbuf_add(&w->key, c->resource_class, c->resource_class_len);
	}
	put_text(w, w->key.buf, w->key.len);
	put_const(w, "Usage-Based");			/* ChargeFrequency */
	put_day(w, c->day + 1);				/* ChargePeriodEnd */
	put_day(w, c->day);				/* ChargePeriodStart */
	put_dec(w, credits);				/* ConsumedQuantity */
	put_const(w, FOCUS_UNIT);			/* ConsumedUnit */
	put_dec(w, cost);				/* ContractedCost */
	put_const(w, w->price);				/* ContractedUnitPrice */
	put_dec(w, cost);				/* EffectiveCost */
	put_const(w, FOCUS_PROVIDER);			/* InvoiceIssuerName */
	put_dec(w, cost);				/* ListCost */
	put_const(w, w->price);				/* ListUnitPrice */
	put_const(w, "Standard");			/* PricingCategory */
	put_const(w, FOCUS_UNIT);			/* PricingCurrency */
	put_const(w, "1");		/* PricingCurrencyContractedUnitPrice */
	put_dec(w, credits);		/* PricingCurrencyEffectiveCost */
	put_const(w, "1");		/* PricingCurrencyListUnitPrice */
	put_dec(w, credits);				/* PricingQuantity */
	put_const(w, FOCUS_UNIT);			/* PricingUnit */
	put_const(w, FOCUS_PROVIDER);			/* ProviderName */
	put_const(w, FOCUS_PROVIDER);			/* PublisherName */
	put_const(w, FOCUS_SERVICE_CATEGORY);		/* ServiceCategory */
	put_const(w, FOCUS_SERVICE);			/* ServiceName */
	put_const(w, FOCUS_SERVICE_SUBCATEGORY);	/* ServiceSubcategory */
	/* SkuId: compute per resource class, the other kinds alone */
	sbuf_reset(&w->key);
	sbuf_addstr(&w->key, focus_kinds[k].name);
	if (compute) {
		sbuf_addch(&w->key, '/');
		sbuf_add(&w->key, c->resource_class, c->resource_class_len);
	}
	put_text(w, w->key.buf, w->key.len);
	put_const(w, meter);				/* SkuMeter */
	json_begin(w);					/* SkuPriceDetails */
	if (compute)
		json_member(w, &n, "InstanceType", c->resource_class,
		    c->resource_class_len);
	json_end(w, n);
	put_text(w, w->key.buf, w->key.len);		/* SkuPriceId */
	put_text(w, sub_id, sub_id_len);		/* SubAccountId */
	put_text(w, sub_name, sub_name_len);		/* SubAccountName */
	put_tags(w, c);					/* Tags */
	put_const(w, focus_kinds[k].name);		/* x_CreditKind */
	put_text(w, c->job_id, c->job_id_len);		/* x_JobId */
	put_text(w, c->resource_class, c->resource_class_len);
	putc('\n', w->f);
}

/* "FILE:LINE: " before an error about a charge, or nothing. */
static const char *
where_of(char *buf, size_t size, const char *file, uint64_t line)
{
	if (file == NULL)
		return "";
	snprintf(buf, size, "%s:%llu: ", file, (unsigned long long)line);
	return buf;
}

static int
write_charge(struct focus_writer *w, const struct focus_charge *c,
    const char *file, uint64_t line)
{
	char where[512];

	const char *account = c->org_id;
	size_t account_len = c->org_id_len;
	dec_t rest = c->credits[CR_TOTAL], credits, cost;
	int k;

	if (account_len == 0 && w->o.org_id != NULL && w->o.org_id[0]) {
		account = w->o.org_id;
		account_len = strlen(account);
	}
	if (account_len == 0) {
		account = c->org_name;
		account_len = c->org_name_len;
	}
	if (account_len == 0) {
		error("%sno ORGANIZATION_ID or ORGANIZATION_NAME: a FOCUS "
		    "charge needs its billing account (BillingAccountId)",
		    where_of(where, sizeof(where), file, line));
		return EXIT_BAD_INPUT;
	}
	for (k = 0; k < CR_TOTAL; k++)
		if (dec_sub(rest, c->credits[k], &rest) < 0)
			rest = 0;	/* not reached: each is < 10^15 */
	for (k = 0; k <= CR_TOTAL; k++) {
		credits = k == CR_TOTAL ? rest : c->credits[k];
		if (credits == 0)
			continue;
		if (dec_mul_round(credits, w->o.price, DEC_SCALE_DIGITS,
		    &cost) < 0 || dec_add(w->st.cost, cost, &w->st.cost) < 0 ||
		    dec_add(w->st.credits, credits, &w->st.credits) < 0) {
			error("%sthe cost of the credits at --credit-price "
			    "%s passes 100000000000000000000",
			    where_of(where, sizeof(where), file, line),
			    w->o.price_text ? w->o.price_text : w->price);
			return EXIT_BAD_INPUT;
		}
		put_row(w, c, (enum credit_kind)k, credits, cost, account,
		    account_len);
		w->st.rows++;
	}
	return 0;
}

/* ---- the day grain ---- */

/* The parts of a day group's key, in the order they sort. */
enum { DK_DAY, DK_ORG_ID, DK_ORG_NAME, DK_PROJECT_NAME, DK_PROJECT_ID,
	DK_CLASS, DK_COUNT };

static void
day_key(struct sbuf *key, const struct focus_charge *c)
{
	char day[DATE_BUFSZ];

	sbuf_reset(key);
	agg_key_add(key, day, date_format_day(c->day, day));
	agg_key_add(key, c->org_id, c->org_id_len);
	agg_key_add(key, c->org_name, c->org_name_len);
	agg_key_add(key, c->project_name, c->project_name_len);
	agg_key_add(key, c->project_id, c->project_id_len);
	agg_key_add(key, c->resource_class, c->resource_class_len);
}

static int
day_cmp(const void *pa, const void *pb)
{
	const struct agg_group *a = *(const struct agg_group *const *)pa;
	const struct agg_group *b = *(const struct agg_group *const *)pb;
	size_t i, la, lb;
	const char *sa, *sb;
	int r;

	for (i = 0; i < DK_COUNT; i++) {
		sa = agg_key_part(a->key, a->keylen, i, &la);
		sb = agg_key_part(b->key, b->keylen, i, &lb);
		r = memcmp(sa, sb, la < lb ? la : lb);
		if (r != 0)
			return r;
		if (la != lb)
			return la < lb ? -1 : 1;
	}
	return 0;
}

int
focus_writer_add(struct focus_writer *w, const struct focus_charge *c,
    const char *file, uint64_t line)
{
	char where[512];
	struct agg_group *g;
	struct metrics m;
	int k;

	if (w->o.grain == FOCUS_GRAIN_JOB)
		return write_charge(w, c, file, line);
	day_key(&w->key, c);
	g = agg_get(&w->days, w->key.buf, w->key.len,
	    agg_hash(w->key.buf, w->key.len));
	memset(&m, 0, sizeof(m));
	m.jobs = 1;
	for (k = 0; k < CR_COUNT; k++)
		m.credits[k] = c->credits[k];
	if (metrics_add(&g->m, &m) != 0) {
		error("%sa day's credits pass 100000000000000000000",
		    where_of(where, sizeof(where), file, line));
		return EXIT_BAD_INPUT;
	}
	return 0;
}

int
focus_writer_finish(struct focus_writer *w)
{
	const struct agg_group **order;
	struct focus_charge c;
	size_t i;
	int ret = 0;

	if (w->o.grain == FOCUS_GRAIN_JOB || w->days.n == 0)
		return strtab_check(&w->projects) < 0 ? EXIT_FAILURE_OTHER : 0;
	if (agg_check(&w->days) < 0)
		return EXIT_FAILURE_OTHER;
	order = xreallocarray(NULL, w->days.n, sizeof(*order));
	for (i = 0; i < w->days.n; i++)
		order[i] = &w->days.groups[i];
	qsort(order, w->days.n, sizeof(*order), day_cmp);
	for (i = 0; i < w->days.n && ret == 0; i++) {
		const struct agg_group *g = order[i];
		const char *p;
		size_t len;

		memset(&c, 0, sizeof(c));
		p = agg_key_part(g->key, g->keylen, DK_DAY, &len);
		if (date_parse(p, len, &c.day) != 0)
			continue;	/* not reached: day_key() wrote it */
		c.org_id = agg_key_part(g->key, g->keylen, DK_ORG_ID,
		    &c.org_id_len);
		c.org_name = agg_key_part(g->key, g->keylen, DK_ORG_NAME,
		    &c.org_name_len);
		c.project_name = agg_key_part(g->key, g->keylen,
		    DK_PROJECT_NAME, &c.project_name_len);
		c.project_id = agg_key_part(g->key, g->keylen, DK_PROJECT_ID,
		    &c.project_id_len);
		c.resource_class = agg_key_part(g->key, g->keylen, DK_CLASS,
		    &c.resource_class_len);
		c.credits = g->m.credits;
		ret = write_charge(w, &c, NULL, 0);
	}
	free(order);
	if (ret == 0 && strtab_check(&w->projects) < 0)
		ret = EXIT_FAILURE_OTHER;
	return ret;
}

/* ---- reading ---- */

/* The export columns the rows need, in struct focus_charge's order. */
enum { FC_ORG_ID, FC_ORG_NAME, FC_PROJECT_ID, FC_PROJECT_NAME, FC_CLASS,
	FC_JOB_ID, FC_WORKFLOW, FC_JOB, FC_BRANCH, FC_COUNT };

static const enum usage_col focus_row_cols[FC_COUNT] = {
	COL_ORGANIZATION_ID, COL_ORGANIZATION_NAME, COL_PROJECT_ID,
	COL_PROJECT_NAME, COL_RESOURCE_CLASS, COL_JOB_ID, COL_WORKFLOW_NAME,
	COL_JOB_NAME, COL_VCS_BRANCH,
};

/* A job run from the engine (report.h's row hook) into the writer. */
static int
focus_row(void *ctx, const struct report_row *row)
{
	struct focus_writer *w = ctx;
	struct focus_charge c;

	if (!row->have_day)
		return 0;	/* not reached: the day key needs one */
	c.org_id = row->text[FC_ORG_ID];
	c.org_id_len = row->len[FC_ORG_ID];
	c.org_name = row->text[FC_ORG_NAME];
	c.org_name_len = row->len[FC_ORG_NAME];
	c.project_id = row->text[FC_PROJECT_ID];
	c.project_id_len = row->len[FC_PROJECT_ID];
	c.project_name = row->text[FC_PROJECT_NAME];
	c.project_name_len = row->len[FC_PROJECT_NAME];
	c.resource_class = row->text[FC_CLASS];
	c.resource_class_len = row->len[FC_CLASS];
	c.job_id = row->text[FC_JOB_ID];
	c.job_id_len = row->len[FC_JOB_ID];
	c.workflow = row->text[FC_WORKFLOW];
	c.workflow_len = row->len[FC_WORKFLOW];
	c.job = row->text[FC_JOB];
	c.job_len = row->len[FC_JOB];
	c.branch = row->text[FC_BRANCH];
	c.branch_len = row->len[FC_BRANCH];
	c.day = row->day;
	c.credits = row->m->credits;
	return focus_writer_add(w, &c, row->file, row->line);
}

int
focus_report_opts(struct report_opts *o, struct focus_writer *w)
{
	/* a charge's period is its day: rows without one are unreadable */
	if (report_parse_by(o, "day") < 0)
		return -1;
	focus_report_rows(o, w);
	return 0;
}

void
focus_report_rows(struct report_opts *o, struct focus_writer *w)
{
	/* a row without a day is left out by focus_row() */
	o->row_fn = focus_row;
	o->row_ctx = w;
	o->row_cols = focus_row_cols;
	o->nrow_cols = FC_COUNT;
}
