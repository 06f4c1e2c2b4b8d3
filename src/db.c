/*
 * db.c: history, the part that is the same on every engine: reading the
 * exports into rows (the same row rules as report.c), the roll-up of the
 * new rows, and reports summed from the rows an engine's scan hands over.
 * The engines (dbi.h) store and fetch: dbsqlite.c, a file; dbpg.c, a
 * PostgreSQL server.
 *
 * Ingest runs on two threads: a reader inflates and parses the parts into
 * batches of plain rows (names already interned: ids are strtab ids, so
 * the whole names table lives in memory while ingesting), and the
 * caller's thread hands them to the engine, which is the slower half.
 */
#include "dbi.h"

#include <ctype.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "csv.h"
#include "date.h"
#include "dburi.h"
#include "dedup.h"
#include "gz.h"
#include "hash.h"
#include "teams.h"
#include "timekey.h"
#include "usage.h"
#include "users.h"
#include "utf8.h"

const struct db_dim_def db_dims[DIM_COUNT] = {
	{ "project", COL_PROJECT_NAME },
	{ "workflow", COL_WORKFLOW_NAME },
	{ "job", COL_JOB_NAME },
	{ "status", COL_JOB_BUILD_STATUS },
	{ "resource_class", COL_RESOURCE_CLASS },
	{ "executor", COL_EXECUTOR },
	{ "os", COL_OPERATING_SYSTEM },
	{ "org", COL_ORGANIZATION_NAME },
	{ "trigger_source", COL_PIPELINE_TRIGGER_SOURCE },
	{ "branch", COL_VCS_BRANCH },
	{ "trigger_user", COL_PIPELINE_TRIGGER_USER_ID },
};

#define DBIT(d) (1u << DIM_##d)
const struct db_rollup db_rollups[ROLL_COUNT] = {
	{ "daily", 1, 0, DIM_DAILY, { DIM_PROJECT, DIM_WORKFLOW, DIM_JOB,
	    DIM_STATUS, DIM_RESOURCE_CLASS, DIM_EXECUTOR, DIM_OS, DIM_ORG,
	    DIM_TRIGGER }, (1u << DIM_DAILY) - 1 },
	{ "daily_branch", 3, 0, 4, { DIM_PROJECT, DIM_STATUS, DIM_ORG,
	    DIM_BRANCH }, DBIT(PROJECT) | DBIT(STATUS) | DBIT(ORG) |
	    DBIT(BRANCH) },
	{ "daily_user", 3, 0, 4, { DIM_PROJECT, DIM_STATUS, DIM_ORG,
	    DIM_USER }, DBIT(PROJECT) | DBIT(STATUS) | DBIT(ORG) |
	    DBIT(USER) },
	{ "daily_project", 4, 0, 3, { DIM_PROJECT, DIM_STATUS, DIM_ORG },
	    DBIT(PROJECT) | DBIT(STATUS) | DBIT(ORG) },
	{ "monthly_class", 4, 1, 7, { DIM_PROJECT, DIM_STATUS,
	    DIM_RESOURCE_CLASS, DIM_EXECUTOR, DIM_OS, DIM_ORG, DIM_TRIGGER },
	    DBIT(PROJECT) | DBIT(STATUS) | DBIT(RESOURCE_CLASS) |
	    DBIT(EXECUTOR) | DBIT(OS) | DBIT(ORG) | DBIT(TRIGGER) },
	{ "monthly_job", 4, 1, 4, { DIM_PROJECT, DIM_WORKFLOW, DIM_JOB,
	    DIM_ORG }, DBIT(PROJECT) | DBIT(WORKFLOW) | DBIT(JOB) |
	    DBIT(ORG) },
	{ "monthly", 4, 1, DIM_DAILY, { DIM_PROJECT, DIM_WORKFLOW, DIM_JOB,
	    DIM_STATUS, DIM_RESOURCE_CLASS, DIM_EXECUTOR, DIM_OS, DIM_ORG,
	    DIM_TRIGGER }, (1u << DIM_DAILY) - 1 },
};

/*
 * Smallest first, as measured on 1M job runs of a month of 18,000 jobs
 * and 800 branches: daily_project 5,900 rows, monthly_class 8,400,
 * monthly_job 12,000, daily_user 29,000, daily_branch 33,000, monthly
 * 57,000, daily 343,000.
 */
const int db_roll_order[ROLL_COUNT] = { ROLL_DAY_PROJECT, ROLL_MONTH_CLASS,
	ROLL_MONTH_JOB, ROLL_USER, ROLL_BRANCH, ROLL_MONTHLY, ROLL_DAILY };

int32_t
db_month_start(int32_t day)
{
	int y, m, d;

	date_to_ymd(day, &y, &m, &d);
	return date_from_ymd(y, m, 1);
}

int32_t
db_month_next(int32_t day)
{
	int y, m, d;

	date_to_ymd(day, &y, &m, &d);
	return m == 12 ? date_from_ymd(y + 1, 1, 1) : date_from_ymd(y, m + 1,
	    1);
}

/* ---- exact numbers ---- */

void
db_dec_encode(dec_t v, int *is_int, int64_t *iv, char *text)
{
	dec_t q = v / NANO;

	if (v % NANO == 0 && q <= (dec_t)INT64_MAX && q >= (dec_t)INT64_MIN) {
		*is_int = 1;
		*iv = (int64_t)q;
		return;
	}
	*is_int = 0;
	dec_format(v, text);
}


/*
 * The JOB_ID's 64-bit FNV-1a hash (part of the schema: never change it).
 * In SQLite job runs are unique by (job_key, job_id): the same thing as
 * unique by job_id, since job_key follows from it, but the index compares
 * an integer first, nearly always deciding there, which makes inserting
 * in random order much cheaper than comparing 36-character UUIDs.
 * PostgreSQL keys them by their dedup.h fingerprint (a uuid).
 */
int64_t
db_job_key(const char *id, size_t len)
{
	/* FNV-1a, written here so that it never changes under the data */
	uint64_t h = 0xcbf29ce484222325ULL;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= (unsigned char)id[i];
		h *= 0x100000001b3ULL;
	}
	return (int64_t)h;
}

int
db_version_parse(const char *v)
{
	size_t n = v != NULL ? strlen(v) : 0;

	if (n == 0 || n > 5 || v[0] < '1' || v[0] > '9' ||
	    strspn(v, "0123456789") != n)
		return 0;
	return (int)strtol(v, NULL, 10);
}

/* ---- opening ---- */

int
db_text_ok(const char *t, size_t len, size_t max, int may_be_empty)
{
	return t != NULL && (len > 0 || may_be_empty) && len <= max &&
	    strlen(t) == len && !str_has_control(t, len);
}

/* ---- opening ---- */

char *
db_default_path(void)
{
	const char *env = getenv("CIRCLECI_USAGE_DB");
	const char *xdg = getenv("XDG_DATA_HOME");
	const char *home = getenv("HOME");

	if (env != NULL && env[0] != '\0')
		return xstrdup(env);
	if (xdg != NULL && xdg[0] == '/')
		return xasprintf("%s/circleci-usage/usage.db", xdg);
	if (home != NULL && home[0] != '\0')
		return xasprintf("%s/.local/share/circleci-usage/usage.db",
		    home);
	error("no database: set CIRCLECI_USAGE_DB, XDG_DATA_HOME or HOME, or "
	    "give --db FILE|URI");
	return NULL;
}

struct db *
db_open(const char *path, int create, int *code)
{
	enum dburi_kind kind;
	int dummy;

	if (code == NULL)
		code = &dummy;
	if (dburi_check(path, &kind) != 0) {
		*code = EXIT_USAGE;
		return NULL;
	}
	if (kind == DBURI_PG)
		return dbpg_open(path, create, code);
	return dbsqlite_open(path, create, code);
}

void
db_close(struct db *db)
{
	if (db != NULL)
		db->ops->close(db);
}

/* ---- ingest ---- */

static void
iqueue_push(struct ingest *g, struct iqueue *q, struct ibatch *b)
{
	pthread_mutex_lock(&g->lock);
	q->q[(q->head + q->n) % (NBATCHES + 1)] = b;
	q->n++;
	pthread_cond_broadcast(&g->cond);
	pthread_mutex_unlock(&g->lock);
}

static struct ibatch *
iqueue_pop(struct ingest *g, struct iqueue *q)
{
	struct ibatch *b;

	pthread_mutex_lock(&g->lock);
	while (q->n == 0)
		pthread_cond_wait(&g->cond, &g->lock);
	b = q->q[q->head];
	q->head = (q->head + 1) % (NBATCHES + 1);
	q->n--;
	pthread_mutex_unlock(&g->lock);
	return b;
}


static void
ingest_problem(struct ingest *g, uint64_t line, const char *column,
    const char *reason)
{
	if (g->problems++ < DB_MAX_PROBLEMS_SHOWN)
		warning("%s:%llu: %s%s%s", g->file, (unsigned long long)line,
		    column ? column : "", column ? ": " : "", reason);
}

/*
 * An optional number (as report.c's opt_number): *null set when absent;
 * a bad value is 0 with a warning.
 */
static dec_t
ingest_number(struct ingest *g, const struct csv_record *rec, int idx,
    int col, int *null)
{
	const struct csv_field *f;
	const char *v;
	size_t len;
	dec_t out = 0;
	int r;

	*null = 1;
	if ((f = csv_field_opt(rec, idx)) == NULL)
		return 0;
	*null = 0;
	v = csv_field_value(f, &g->scratch, &len);
	r = dec_parse(v, len, &out);
	if (r == 0)
		return out;
	if (r == DEC_ERANGE) {
		/* as 0 it would hide what it counts: an error (report.c) */
		if (!g->bad_input)
			error("%s:%llu: %s: too large (at most 15 digits before "
			    "the point)", g->file, (unsigned long long)rec->line,
			    usage_col_name(col));
		g->bad_input = 1;
		return 0;
	}
	ingest_problem(g, rec->line, usage_col_name(col),
	    "not a number, counted as empty");
	return 0;
}


/* By job_key, then in reading order (id_off grows with it). */
static int
irow_cmp(const void *pa, const void *pb)
{
	const struct irow *a = pa, *b = pb;

	if (a->job_key != b->job_key)
		return a->job_key < b->job_key ? -1 : 1;
	return a->id_off < b->id_off ? -1 : a->id_off > b->id_off;
}

/*
 * Hand a batch to the inserter, sorted by job_key: the index is then
 * walked in order, its pages still in the CPU's caches from the row
 * before, instead of at random.
 */
static void
ingest_hand_on(struct ingest *g)
{
	/* the inserter reads these for progress: st is the reader's */
	atomic_store_explicit(&g->bytes_read, g->bytes_base +
	    (g->gz != NULL ? gz_raw_bytes(g->gz) : 0), memory_order_relaxed);
	atomic_store_explicit(&g->rows_read, g->st->rows_read,
	    memory_order_relaxed);
	qsort(g->cur->rows, g->cur->n, sizeof(g->cur->rows[0]), irow_cmp);
	iqueue_push(g, &g->full, g->cur);
}

/* The reader's next batch to fill. */
static void
ingest_next_batch(struct ingest *g)
{
	g->cur = iqueue_pop(g, &g->empty);
	g->cur->n = 0;
	g->cur->roll = NULL;
	sbuf_reset(&g->cur->text);
}

/* The reader's next free row, handing on a full batch first. */
static struct irow *
ingest_next_row(struct ingest *g)
{
	if (g->cur->n == BATCH_ROWS) {
		ingest_hand_on(g);
		ingest_next_batch(g);
	}
	return &g->cur->rows[g->cur->n];
}

static size_t
ingest_roll_groups(const struct agg *roll)
{
	size_t k, n = 0;

	for (k = 0; k < ROLL_COUNT; k++)
		n += roll[k].n;
	return n;
}

/*
 * Hand on the batch with the largest roll-ups of every row so far, to be
 * merged once it is stored, and start them again, until those kept hold
 * at most half of DB_ROLL_FLUSH groups: memory stays bounded however
 * many groups an ingest makes, and the small roll-ups are merged once.
 */
static void
ingest_hand_roll(struct ingest *g)
{
	size_t k, big, left = ingest_roll_groups(g->roll);
	struct ibatch *b = g->cur;

	b->roll = xcalloc(ROLL_COUNT, sizeof(*b->roll));
	b->roll_mask = 0;
	for (k = 0; k < ROLL_COUNT; k++)
		agg_init(&b->roll[k]);
	while (left > DB_ROLL_FLUSH / 2) {
		for (big = ROLL_COUNT, k = 0; k < ROLL_COUNT; k++)
			if (!(b->roll_mask & (1u << k)) && (big == ROLL_COUNT ||
			    g->roll[k].n > g->roll[big].n))
				big = k;
		left -= g->roll[big].n;
		agg_release(&b->roll[big]);
		b->roll[big] = g->roll[big];
		agg_init(&g->roll[big]);
		b->roll_mask |= 1u << big;
	}
	ingest_hand_on(g);
	ingest_next_batch(g);
}

/*
 * v as the engine can store it: for one that takes only UTF-8 (dbpg.c),
 * each byte of an invalid sequence, and each NUL, becomes U+FFFD.
 */
static const char *
ingest_text(struct ingest *g, const char *v, size_t *len)
{
	const unsigned char *u = (const unsigned char *)v;
	size_t i, n;

	if (!g->db->ops->utf8_only)
		return v;
	for (i = 0; i < *len; i += n)
		if (u[i] == 0 || (n = utf8_decode(u + i, *len - i, NULL)) == 0)
			break;
	if (i == *len)
		return v;
	sbuf_reset(&g->fix);
	for (i = 0; i < *len; i += n) {
		n = u[i] == 0 ? 0 : utf8_decode(u + i, *len - i, NULL);
		if (n == 0) {
			sbuf_add(&g->fix, "\xef\xbf\xbd", 3);
			n = 1;
		} else
			sbuf_add(&g->fix, v + i, n);
	}
	*len = g->fix.len;
	return g->fix.buf;
}

/*
 * A JOB_ID that is a canonical UUID with upper-case digits, in lower
 * case (into buf, 36 bytes): the same job run as its lower-case form, as
 * report's duplicate filter (dedup.h) and PostgreSQL's uuid key take it.
 * Anything else is left as it is.
 */
static const char *
ingest_uuid_lower(const char *v, size_t len, char *buf)
{
	size_t i;
	int upper = 0;

	if (len != 36)
		return v;
	for (i = 0; i < 36; i++) {
		unsigned char c = (unsigned char)v[i];

		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (c != '-')
				return v;
		} else if (c >= 'A' && c <= 'F')
			upper = 1;
		else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
			return v;
	}
	if (!upper)
		return v;
	for (i = 0; i < 36; i++)
		buf[i] = (char)tolower((unsigned char)v[i]);
	return buf;
}

/*
 * One data row, with report.c's rules (process_row with no filters):
 * returns 0, or 2 when the row is a header again.
 */
static int
ingest_row(struct ingest *g, const struct usage_header *h,
    const struct csv_record *rec)
{
	const struct csv_field *f = rec->fields, *d;
	char uuid[36];
	struct metrics m;
	struct irow *r;
	dec_t total = 0;
	int null, bad, c;
	size_t i, len;
	const char *v;

	g->st->rows_read++;
	if (CU_UNLIKELY(rec->nfields != h->ncols)) {
		if (usage_header_again(rec, DB_MAX_HEADER_FIELDS,
		    &g->scratch)) {
			g->st->rows_read--;
			return 2;
		}
		g->st->rows_skipped++;
		ingest_problem(g, rec->line, NULL, "wrong number of fields; "
		    "row skipped");
		return 0;
	}
	if (CU_UNLIKELY(rec->bad)) {
		g->st->rows_skipped++;
		ingest_problem(g, rec->line, NULL, "malformed quoted field; "
		    "row skipped");
		return 0;
	}
	bad = csv_field_is_null(&f[h->idx[COL_TOTAL_CREDITS]]);
	if (!bad) {
		v = csv_field_value(&f[h->idx[COL_TOTAL_CREDITS]], &g->scratch,
		    &len);
		bad = dec_parse(v, len, &total);
	}
	if (CU_UNLIKELY(bad == DEC_ERANGE)) {
		error("%s:%llu: TOTAL_CREDITS: too large (at most 15 digits "
		    "before the point)", g->file, (unsigned long long)rec->line);
		return 3;
	}
	if (CU_UNLIKELY(bad)) {
		if (usage_header_again(rec, DB_MAX_HEADER_FIELDS,
		    &g->scratch)) {
			g->st->rows_read--;
			return 2;
		}
		g->st->rows_skipped++;
		ingest_problem(g, rec->line, "TOTAL_CREDITS", "empty or not a "
		    "number; row skipped");
		return 0;
	}
	if (CU_UNLIKELY(csv_field_is_null(&f[h->idx[COL_JOB_ID]]))) {
		g->st->rows_skipped++;
		ingest_problem(g, rec->line, "JOB_ID", "empty; row skipped");
		return 0;
	}
	r = ingest_next_row(g);
	r->have_day = 0;
	if ((d = csv_field_opt(rec, h->idx[COL_JOB_RUN_DATE])) != NULL) {
		v = csv_field_value(d, &g->scratch, &len);
		r->have_day = date_parse(v, len, &r->day) == 0;
		if (!r->have_day)
			ingest_problem(g, rec->line, "JOB_RUN_DATE",
			    "not a date (YYYY-MM-DD), counted as empty");
	}
	/* outside its export's range: not stored (as report.c) */
	if (g->range != NULL && g->range->set) {
		int64_t ms = 0;
		int have_ms = 0;

		d = csv_field_opt(rec, h->idx[COL_JOB_RUN_STARTED_AT]);
		if (d != NULL) {
			v = csv_field_value(d, &g->scratch, &len);
			have_ms = ts_parse_ms(v, len, &ms) == 0;
		}
		if (!inputs_range_has(g->range, have_ms, ms, r->have_day,
		    r->day)) {
			g->st->rows_outside++;
			return 0;	/* r is not taken: n stays */
		}
	}
	v = csv_field_value(&f[h->idx[COL_JOB_ID]], &g->scratch, &len);
	/* the keys from the JOB_ID as read; the text as it can be stored */
	v = ingest_uuid_lower(v, len, uuid);
	r->job_key = db_job_key(v, len);
	if (g->seen != NULL)
		dedup_fingerprint(v, len, &r->fp);
	v = ingest_text(g, v, &len);
	r->id_off = g->cur->text.len;
	r->id_len = (uint32_t)len;
	if (sbuf_add(&g->cur->text, v, len) < 0)
		die(EXIT_FAILURE_OTHER, "out of memory");
	for (i = 0; i < DIM_COUNT; i++) {
		int idx = h->idx[db_dims[i].col];

		if (idx >= 0)
			v = csv_field_text(&f[idx], &g->scratch, &len);
		else {
			v = "";
			len = 0;
		}
		v = ingest_text(g, v, &len);
		r->ids[i] = strtab_intern(&g->names, v, len);
	}
	r->nulls = 0;
	r->vals[0] = ingest_number(g, rec, h->idx[COL_JOB_RUN_SECONDS],
	    COL_JOB_RUN_SECONDS, &null);
	r->nulls |= (uint32_t)null;
	for (c = 0; c < CR_TOTAL; c++) {
		r->vals[1 + c] = ingest_number(g, rec,
		    h->idx[COL_COMPUTE_CREDITS + c], COL_COMPUTE_CREDITS + c,
		    &null);
		r->nulls |= (uint32_t)null << (1 + c);
	}
	r->vals[1 + CR_TOTAL] = total;
	for (c = 0; c < 4; c++) {
		r->vals[1 + CR_COUNT + c] = ingest_number(g, rec,
		    h->idx[COL_MEDIAN_CPU_UTILIZATION_PCT + c],
		    COL_MEDIAN_CPU_UTILIZATION_PCT + c, &null);
		r->nulls |= (uint32_t)null << (1 + CR_COUNT + c);
	}
	if (g->bad_input)
		return 3;
	m.jobs = 1;
	m.run_seconds = r->vals[0];
	memcpy(m.credits, &r->vals[1], sizeof(m.credits));
	if ((c = metrics_add_abs(&g->bound, &m)) != 0) {
		error("%s:%llu: %s: the values add up, without their signs, "
		    "past 100000000000000000000, the largest sum kept exactly",
		    g->file, (unsigned long long)rec->line,
		    metrics_column(c - 1));
		return 3;
	}
	/* seen before in this ingest: read as the engine would, not kept */
	if (g->seen != NULL && !dedup_insert(g->seen, &r->fp)) {
		g->dups++;
		g->cur->text.len = r->id_off;
		return 0;	/* r is not taken: n stays */
	}
	/* every row handed on: those found stored are taken out later */
	db_roll_add(g->roll, (1u << ROLL_COUNT) - 1, r->have_day, r->day,
	    r->ids, &m);
	/* encode here: the 128-bit divisions would slow the inserter */
	r->texts = 0;
	for (c = 0; c < NVALS; c++) {
		char text[DEC_BUFSZ];
		int is_int = 0;

		if (r->nulls & (1u << c))
			continue;
		if (g->db->ops->enc_text)
			dec_format(r->vals[c], text);
		else
			db_dec_encode(r->vals[c], &is_int, &r->enc[c], text);
		if (!is_int) {
			r->texts |= 1u << c;
			r->enc[c] = (int64_t)g->cur->text.len;
			if (sbuf_add(&g->cur->text, text, strlen(text) + 1) < 0)
				die(EXIT_FAILURE_OTHER, "out of memory");
		}
	}
	g->cur->n++;
	if (g->db->ops->ingest_roll != NULL && ingest_roll_groups(g->roll) >=
	    DB_ROLL_FLUSH)
		ingest_hand_roll(g);
	return 0;
}

static ssize_t
ingest_read_cb(void *ctx, void *buf, size_t len)
{
	return gz_read(ctx, buf, len);
}

static int
ingest_header(struct ingest *g, struct usage_header *h,
    const struct csv_record *rec)
{
	if (rec->nfields > DB_MAX_HEADER_FIELDS) {
		error("'%s': header has more than %d columns", g->file,
		    DB_MAX_HEADER_FIELDS);
		return EXIT_BAD_INPUT;
	}
	if (usage_header_map(h, rec, &g->scratch) < 0) {
		char *why = usage_header_dup_text(h);

		error("'%s': line %llu: %s", g->file,
		    (unsigned long long)rec->line, why);
		free(why);
		return EXIT_BAD_INPUT;
	}
	if (h->idx[COL_JOB_ID] < 0) {
		error("'%s' has no column JOB_ID (needed to store each job run "
		    "once)", g->file);
		return EXIT_BAD_INPUT;
	}
	if (h->idx[COL_TOTAL_CREDITS] < 0) {
		error("'%s' has no column TOTAL_CREDITS (needed for the credit "
		    "totals)", g->file);
		return EXIT_BAD_INPUT;
	}
	return 0;
}

/* One part.  Returns 0 or an exit code after printing the error. */
static int
ingest_file(struct ingest *g, const char *path)
{
	char err[512];
	struct gz *gz;
	struct csv_reader *csv;
	struct csv_record rec;
	struct usage_header h;
	int ret = 0, r;

	g->file = strcmp(path, "-") == 0 ? "(stdin)" : path;
	gz = gz_open(path, err, sizeof(err));
	if (gz == NULL) {
		error("%s", err);
		return EXIT_BAD_INPUT;
	}
	g->gz = gz;
	csv = csv_reader_new(ingest_read_cb, gz, DB_MAX_HEADER_FIELDS,
	    DB_MAX_RECORD);
	r = csv_reader_next(csv, &rec);
	if (r > 0 && (ret = ingest_header(g, &h, &rec)) == 0) {
		while (!atomic_load_explicit(&g->abort, memory_order_relaxed) &&
		    (r = csv_reader_next(csv, &rec)) > 0) {
			r = ingest_row(g, &h, &rec);
			if (r == 3) {
				ret = EXIT_BAD_INPUT;
				break;
			}
			if (r == 2 && (ret = ingest_header(g, &h, &rec)) != 0)
				break;
		}
	}
	if (!ret && r < 0) {
		if (gz_error(gz)[0])
			error("%s", gz_error(gz));
		else
			error("'%s': %s", g->file, csv_reader_error(csv));
		ret = EXIT_BAD_INPUT;
	}
	csv_reader_free(csv);
	g->bytes_base += gz_raw_bytes(gz);
	g->gz = NULL;
	gz_close(gz);
	return ret;
}

/* The reader thread: every part, then the end mark. */
static void *
ingest_reader(void *arg)
{
	struct ingest *g = arg;
	size_t i;

	ingest_next_batch(g);
	for (i = 0; i < g->in->n && !atomic_load(&g->abort); i++) {
		g->range = g->in->ranges != NULL ? &g->in->ranges[i] : NULL;
		g->reader_ret = ingest_file(g, g->in->paths[i]);
		if (g->reader_ret != 0)
			break;
		g->st->files++;
	}
	ingest_hand_on(g);
	iqueue_push(g, &g->full, NULL);
	return NULL;
}

/* The group of roll-up k that a job run of these dims and day is in. */
static struct agg_group *
db_roll_group(struct agg *roll, size_t k, int have_day, int32_t day,
    const uint32_t ids[DIM_COUNT])
{
	const struct db_rollup *u = &db_rollups[k];
	struct roll_key key;
	size_t d, len = (1 + u->ndims) * sizeof(uint32_t);

	/* undated rows: day UINT32_MAX, stored as NULL */
	key.v[0] = !have_day ? UINT32_MAX : u->monthly ?
	    (uint32_t)db_month_start(day) : (uint32_t)day;
	for (d = 0; d < u->ndims; d++)
		key.v[1 + d] = ids[u->dims[d]];
	return agg_get(roll, (const char *)&key, len, hash_bytes(&key, len,
	    0x3c6ef372fe94f82bULL));
}

void
db_roll_add(struct agg *rolls, unsigned which, int have_day,
    int32_t day, const uint32_t ids[DIM_COUNT], const struct metrics *m)
{
	size_t k;

	for (k = 0; k < ROLL_COUNT; k++)
		if (which & (1u << k))
			/* within the ingest's bound, checked as each row
			 * was read */
			metrics_add_bounded(&db_roll_group(&rolls[k], k,
			    have_day, day, ids)->m, m);
}

int
db_roll_add_checked(struct agg *roll, size_t k, int have_day, int32_t day,
    const uint32_t ids[DIM_COUNT], const struct metrics *m)
{
	return metrics_add(&db_roll_group(roll, k, have_day, day, ids)->m, m);
}

void
db_roll_sub(struct agg *rolls, unsigned which, int have_day, int32_t day,
    const uint32_t ids[DIM_COUNT], const struct metrics *m)
{
	size_t k;
	int c;

	for (k = 0; k < ROLL_COUNT; k++) {
		if (!(which & (1u << k)))
			continue;
		struct metrics *g = &db_roll_group(&rolls[k], k, have_day, day,
		    ids)->m;

		/* taken from what was added: within the same bound */
		g->jobs -= m->jobs;
		g->run_seconds -= m->run_seconds;
		for (c = 0; c < CR_COUNT; c++)
			g->credits[c] -= m->credits[c];
	}
}

void
db_ingest_present_row(struct ingest *g, const struct irow *r)
{
	struct metrics m;

	g->st->rows_present++;
	m.jobs = 1;
	m.run_seconds = r->vals[0];
	memcpy(m.credits, &r->vals[1], sizeof(m.credits));
	db_roll_add(g->present, (1u << ROLL_COUNT) - 1, r->have_day, r->day,
	    r->ids, &m);
}

/*
 * Take the rows found stored (g->present) out of the roll-ups in `mask`,
 * which hold them (the reader summed every row it handed on), and start
 * those of g->present again.
 */
static void
ingest_take_present(struct ingest *g, struct agg *roll, unsigned mask)
{
	size_t k, i;
	int c;

	for (k = 0; k < ROLL_COUNT; k++) {
		if (!(mask & (1u << k)))
			continue;
		for (i = 0; i < g->present[k].n; i++) {
			const struct agg_group *p = &g->present[k].groups[i];
			struct metrics *m = &agg_get(&roll[k], p->key,
			    p->keylen, p->hash)->m;

			/* taken from what was added: within the same bound */
			m->jobs -= p->m.jobs;
			m->run_seconds -= p->m.run_seconds;
			for (c = 0; c < CR_COUNT; c++)
				m->credits[c] -= p->m.credits[c];
		}
		agg_release(&g->present[k]);
		agg_init(&g->present[k]);
	}
}

/* Merge the roll-ups a batch brought (ops->ingest_roll). */
static int
ingest_merge(struct ingest *g, struct agg *roll, unsigned mask)
{
	size_t k;
	int ret = 0;

	for (k = 0; k < ROLL_COUNT && ret == 0; k++)
		if (agg_check(&roll[k]) < 0 || agg_check(&g->present[k]) < 0)
			ret = EXIT_FAILURE_OTHER;
	if (ret == 0) {
		ingest_take_present(g, roll, mask);
		ret = g->db->ops->ingest_roll(g, roll);
		if (ret < 0)
			ret = EXIT_FAILURE_OTHER;
	}
	return ret;
}

void
db_ingest_new_row(struct ingest *g, const struct irow *r)
{
	g->st->rows_new++;
	if (r->have_day) {
		if (!g->st->have_days || r->day < g->st->first_day)
			g->st->first_day = r->day;
		if (!g->st->have_days || r->day > g->st->last_day)
			g->st->last_day = r->day;
		g->st->have_days = 1;
	}
}


static void
ingest_progress(struct ingest *g, enum db_progress_stage stage)
{
	if (g->db->progress_fn == NULL)
		return;
	g->prog.stage = stage;
	g->prog.bytes = atomic_load_explicit(&g->bytes_read,
	    memory_order_relaxed);
	g->prog.rows = atomic_load_explicit(&g->rows_read,
	    memory_order_relaxed);
	g->db->progress_fn(g->db->progress_ctx, &g->prog);
}

void
db_set_progress(struct db *db,
    void (*fn)(void *ctx, const struct db_progress *p), void *ctx)
{
	db->progress_fn = fn;
	db->progress_ctx = ctx;
}

/*
 * Run the reader thread and insert what it hands over.  Returns 0 or an
 * exit code (reported).
 */
static int
ingest_all(struct ingest *g)
{
	pthread_t tid;
	struct ibatch *b;
	size_t i;
	int ret = 0;

	pthread_mutex_init(&g->lock, NULL);
	pthread_cond_init(&g->cond, NULL);
	g->batches = xcalloc(NBATCHES, sizeof(*g->batches));
	for (i = 0; i < NBATCHES; i++) {
		sbuf_init(&g->batches[i].text, SIZE_MAX);
		iqueue_push(g, &g->empty, &g->batches[i]);
	}
	if (pthread_create(&tid, NULL, ingest_reader, g) != 0)
		die(EXIT_FAILURE_OTHER, "cannot start a thread");
	while ((b = iqueue_pop(g, &g->full)) != NULL) {
		if (!ret && g->db->ops->ingest_batch(g, b) < 0) {
			ret = EXIT_FAILURE_OTHER;
			atomic_store(&g->abort, 1);
		}
		if (b->roll != NULL) {
			if (!ret && (ret = ingest_merge(g, b->roll,
			    b->roll_mask)) != 0)
				atomic_store(&g->abort, 1);
			for (i = 0; i < ROLL_COUNT; i++)
				agg_release(&b->roll[i]);
			free(b->roll);
			b->roll = NULL;
		}
		iqueue_push(g, &g->empty, b);
		ingest_progress(g, DB_PROGRESS_READING);
	}
	pthread_join(tid, NULL);
	if (!ret)
		ret = g->reader_ret;
	for (i = 0; i < NBATCHES; i++) {
		sbuf_release(&g->batches[i].text);
		if (g->batches[i].roll != NULL) {
			size_t k;

			for (k = 0; k < ROLL_COUNT; k++)
				agg_release(&g->batches[i].roll[k]);
			free(g->batches[i].roll);
		}
	}
	free(g->batches);
	g->batches = NULL;
	pthread_cond_destroy(&g->cond);
	pthread_mutex_destroy(&g->lock);
	return ret;
}

int
db_ingest(struct db *db, const struct inputs *in, struct db_ingest_stats *st)
{
	struct ingest g;
	size_t i;
	int ret = EXIT_FAILURE_OTHER;

	memset(st, 0, sizeof(*st));
	memset(&g, 0, sizeof(g));
	g.db = db;
	g.st = st;
	strtab_init(&g.names);
	for (i = 0; i < ROLL_COUNT; i++) {
		agg_init(&g.roll[i]);
		agg_init(&g.present[i]);
	}
	sbuf_init(&g.scratch, DB_MAX_RECORD);
	sbuf_init(&g.fix, 3 * (size_t)DB_MAX_RECORD);
	if (db->ops->dedup)
		g.seen = dedup_new(1 << 16);
	if (db->ops->ingest_begin(&g) < 0)
		goto out_abort;
	g.names_stored = g.names.n;
	g.in = in;
	g.prog.files = in->n;
	for (i = 0; i < in->n; i++) {
		struct stat sb;

		if (strcmp(in->paths[i], "-") == 0 ||
		    stat(in->paths[i], &sb) < 0) {
			g.prog.bytes_total = 0;	/* unknown */
			break;
		}
		g.prog.bytes_total += (uint64_t)sb.st_size;
	}
	ingest_progress(&g, DB_PROGRESS_READING);
	ret = ingest_all(&g);
	if (ret != 0)
		goto out_abort;
	/* a table past its cap (agg.h, strtab.h): nothing stored */
	ret = EXIT_FAILURE_OTHER;
	if (strtab_check(&g.names) < 0)
		goto out_abort;
	for (i = 0; i < ROLL_COUNT; i++)
		if (agg_check(&g.roll[i]) < 0 || agg_check(&g.present[i]) < 0)
			goto out_abort;
	ingest_take_present(&g, g.roll, (1u << ROLL_COUNT) - 1);
	ingest_progress(&g, DB_PROGRESS_FINISHING);
	if ((ret = db->ops->ingest_end(&g)) != 0) {
		/* -1: the engine failed; EXIT_BAD_INPUT: a sum does not fit */
		if (ret < 0)
			ret = EXIT_FAILURE_OTHER;
		goto out_abort;
	}
	if (g.problems > DB_MAX_PROBLEMS_SHOWN)
		warning("%llu problems in all (the first %d shown)",
		    (unsigned long long)g.problems, DB_MAX_PROBLEMS_SHOWN);
	goto out_free;
out_abort:
	db->ops->ingest_abort(&g);
out_free:
	sbuf_release(&g.scratch);
	sbuf_release(&g.fix);
	dedup_free(g.seen);
	for (i = 0; i < ROLL_COUNT; i++) {
		agg_release(&g.roll[i]);
		agg_release(&g.present[i]);
	}
	strtab_release(&g.names);
	return ret;
}

/* ---- reports ---- */

enum { DBR_NO_DATES = 1, DBR_DATES_ONLY };

struct dbr {
	struct db *db;
	const struct report_opts *o;
	struct report_result *res;
	struct strtab names;
	unsigned char *proj_ok, *branch_ok, *status_ok;	/* 0 ?, 1 yes, 2 no */
	int qdim[REPORT_MAX_KEYS];	/* each string key's dim */
	struct agg sets[REPORT_MAX_SETS];
	uint64_t *org_jobs;
	struct timekey_cache month;	/* the last KEY_MONTH lookup */
	/*
	 * How the rows of the scan under way count: 0, wholly; DBR_NO_DATES,
	 * but for the first and last date (rows by month); DBR_DATES_ONLY,
	 * only for them (the days of the rows by month, from a roll-up by
	 * day).
	 */
	int mode;
	/*
	 * The sums of the absolute values of the rows counted (report.c's
	 * bound): every sum made of them, groups and totals, is at most it.
	 */
	struct metrics bound;
};

/* The dim of a key column, or -1 when history does not keep it. */
static int
dbr_dim(enum usage_col col)
{
	size_t i;

	for (i = 0; i < DIM_COUNT; i++)
		if (db_dims[i].col == (int)col)
			return (int)i;
	return -1;
}

/* Does name `id` pass a filter (cached per id in ok[])? */
static int
dbr_glob_ok(struct dbr *r, unsigned char *ok, uint32_t id,
    const char *const *globs, size_t n)
{
	size_t len, i;
	const char *s;
	char *z;

	if (ok[id] == 0) {
		s = strtab_str(&r->names, id, &len);
		z = xstrndup(s, len);
		ok[id] = 2;
		for (i = 0; i < n; i++)
			if (fnmatch(globs[i], z, 0) == 0)
				ok[id] = 1;
		free(z);
	}
	return ok[id] == 1;
}

static int
dbr_status_ok(struct dbr *r, uint32_t id)
{
	size_t len, i;
	const char *s;

	if (r->status_ok[id] == 0) {
		s = strtab_str(&r->names, id, &len);
		r->status_ok[id] = 2;
		for (i = 0; i < r->o->nstatuses; i++)
			if (str_ieq(s, len, r->o->statuses[i]))
				r->status_ok[id] = 1;
	}
	return r->status_ok[id] == 1;
}

static int
dbr_id(const struct dbrow *row, int dim, const struct dbr *r, uint32_t *id)
{
	int64_t v = row->ids[dim];

	if (v < 0 || (uint64_t)v >= r->names.n)
		return -1;
	*id = (uint32_t)v;
	return 0;
}

/*
 * o->row_fn: hand on the job run, with the texts of o->row_cols that
 * history keeps (its names; JOB_ID); the others, such as PROJECT_ID and
 * ORGANIZATION_ID, are empty.  Returns row_fn's code.
 */
static int
dbr_row(struct dbr *r, const struct dbrow *dr, const struct metrics *m)
{
	const struct report_opts *o = r->o;
	struct report_row row;
	uint32_t id;
	size_t i;
	int d;

	memset(&row, 0, sizeof(row));
	row.m = m;
	row.have_day = dr->have_day;
	row.day = dr->day;
	row.file = r->db->path;
	row.line = (uint64_t)dr->rowid;
	for (i = 0; i < o->nrow_cols; i++) {
		row.text[i] = "";
		if (o->row_cols[i] == COL_JOB_ID) {
			if (dr->job_id != NULL) {
				row.text[i] = dr->job_id;
				row.len[i] = dr->job_id_len;
			}
			continue;
		}
		d = dbr_dim(o->row_cols[i]);
		if (d >= 0 && dbr_id(dr, d, r, &id) == 0)
			row.text[i] = strtab_str(&r->names, id, &row.len[i]);
	}
	return o->row_fn(o->row_ctx, &row);
}

/* The span of the rows counted takes in a row's days. */
static void
dbr_dates(struct report_result *res, const struct dbrow *dr)
{
	if (!res->have_dates || dr->day < res->first_date)
		res->first_date = dr->day;
	if (!res->have_dates || dr->day_last > res->last_date)
		res->last_date = dr->day_last;
	res->have_dates = 1;
}

/*
 * Sum one row of a scan (a dbrow_fn).  Returns 0, EXIT_BAD_INPUT (a
 * name id out of range, negative jobs, or the rows' bound past
 * DEC_SUM_MAX), reported; or o->row_fn's exit code.
 */
static int
dbr_take(void *ctx, const struct dbrow *dr)
{
	struct dbr *r = ctx;
	const struct report_opts *o = r->o;
	struct report_result *res = r->res;
	uint32_t ids[REPORT_MAX_KEYS], id;
	uint64_t jobs = (uint64_t)dr->jobs;
	struct metrics m;
	size_t k, s;
	int c;

	if (r->mode != DBR_DATES_ONLY)
		res->rows_read += jobs;
	if (o->nprojects && (dbr_id(dr, DIM_PROJECT, r, &id) < 0 ||
	    !dbr_glob_ok(r, r->proj_ok, id, o->projects, o->nprojects)))
		goto filtered;
	if (o->nbranches && (dbr_id(dr, DIM_BRANCH, r, &id) < 0 ||
	    !dbr_glob_ok(r, r->branch_ok, id, o->branches, o->nbranches)))
		goto filtered;
	if (o->nstatuses && (dbr_id(dr, DIM_STATUS, r, &id) < 0 ||
	    !dbr_status_ok(r, id)))
		goto filtered;
	if (r->mode == DBR_DATES_ONLY) {
		if (dr->have_day)
			dbr_dates(res, dr);
		return 0;
	}
	for (k = 0; k < o->nkeys; k++) {
		if (key_is_time(o->keys[k].kind))
			ids[k] = timekey_id(&r->month, o->keys[k].kind,
			    dr->day);
		else if (dbr_id(dr, r->qdim[k], r, &ids[k]) < 0) {
			error("database '%s': a name id out of range",
			    r->db->path);
			return EXIT_BAD_INPUT;
		}
	}
	if (dr->jobs < 0) {
		error("database '%s': table %s, row %lld: jobs: negative",
		    r->db->path, dr->table, (long long)dr->rowid);
		return EXIT_BAD_INPUT;
	}
	m = dr->m;
	m.jobs = jobs;
	if ((c = metrics_add_abs(&r->bound, &m)) != 0) {
		error("database '%s': table %s, row %lld: %s: the values add "
		    "up, without their signs, past 100000000000000000000, the "
		    "largest sum kept exactly", r->db->path, dr->table,
		    (long long)dr->rowid, metrics_column(c - 1));
		return EXIT_BAD_INPUT;
	}
	if (r->org_jobs != NULL && dbr_id(dr, DIM_ORG, r, &id) == 0)
		r->org_jobs[id] += jobs;
	if (dr->have_day && r->mode != DBR_NO_DATES)
		dbr_dates(res, dr);
	if (o->row_fn != NULL && (c = dbr_row(r, dr, &m)) != 0)
		return c;
	for (s = 0; s < report_nsets(o); s++) {
		uint32_t sk[REPORT_MAX_KEYS];
		size_t n = o->nsets ? o->sets[s].nkeys : o->nkeys;
		struct agg_group *g;

		for (k = 0; k < n; k++)
			sk[k] = ids[o->nsets ? o->sets[s].keys[k] : k];
		g = agg_get(&r->sets[s], (const char *)sk, n * sizeof(*sk),
		    hash_bytes(sk, n * sizeof(*sk), 0x452821e638d01377ULL));
		metrics_add_bounded(&g->m, &m);
	}
	return 0;
filtered:
	if (r->mode != DBR_DATES_ONLY)
		res->rows_filtered += jobs;
	return 0;
}

/*
 * The history's name of id for key column c (report_merge_ids): the
 * names table's; a team is its project's team, found here.
 */
static const char *
dbr_key_name(void *ctx, size_t c, uint32_t id, size_t *len)
{
	const struct dbr *r = ctx;
	const struct teams *t = r->o->teams;
	const char *v = strtab_str(&r->names, id, len);
	char *proj;

	if (r->o->keys[c].kind != KEY_TEAM || *len == 0 || t == NULL)
		return v;	/* a team key without a project: no team */
	proj = xstrndup(v, *len);
	v = teams_name(t, teams_match(t, proj));
	*len = strlen(v);
	free(proj);
	return v;
}

/* The organizations, most job runs first, as report_run() gives them. */
static void
dbr_orgs(struct dbr *r)
{
	struct report_result *res = r->res;
	size_t i;

	for (i = 0; i < r->names.n; i++) {
		size_t len;
		const char *s;

		if (r->org_jobs[i] == 0)
			continue;
		s = strtab_str(&r->names, (uint32_t)i, &len);
		len = strnlen(s, len);
		if (len == 0)
			continue;
		if (res->norgs == REPORT_MAX_ORGS) {
			res->orgs_more = 1;
			continue;
		}
		res->orgs[res->norgs] = xstrndup(s, len);
		res->org_jobs[res->norgs++] = r->org_jobs[i];
	}
	report_sort_orgs(res);
}


/*
 * The first roll-up of db_roll_order that this database has, with every
 * dim in `dims`, by day when `by_day`; NULL when none has them.
 */
static const struct db_rollup *
dbr_pick(const struct db *db, unsigned dims, int by_day)
{
	size_t i;

	for (i = 0; i < ROLL_COUNT; i++) {
		const struct db_rollup *u = &db_rollups[db_roll_order[i]];

		if ((dims & ~u->mask) == 0 && db->version >= u->since &&
		    (!by_day || !u->monthly))
			return u;
	}
	return NULL;
}

/*
 * Scan q, by month: the whole months of q's range from q->roll, the days
 * of the months it takes only in part from the smallest roll-up by day
 * with the same dims, and the first and last date from the smallest by
 * day with the filters' dims.  The same sums as a scan by day.
 */
static int
dbr_scan_months(struct dbr *r, const struct dbscan *q, unsigned fdims)
{
	struct db *db = r->db;
	struct dbscan m = *q, e = *q, d = *q;
	int32_t first, last;	/* the whole months: their first days */
	int ret;

	e.roll = dbr_pick(db, q->dims, 1);
	e.undated = 0;
	first = q->since == INT32_MIN ? INT32_MIN :
	    db_month_start(q->since) == q->since ? q->since :
	    db_month_next(q->since);
	last = q->until == INT32_MAX ? INT32_MAX :
	    db_month_next(q->until) - 1 == q->until ?
	    db_month_start(q->until) : db_month_start(q->until) - 1;
	if (first > last || e.roll == NULL) {
		/* no whole month: by day (e.roll: daily has every dim) */
		e.undated = q->undated;
		r->mode = 0;
		return db->ops->scan(db, &e, dbr_take, r);
	}
	m.since = first;
	m.until = last;
	r->mode = DBR_NO_DATES;
	if ((ret = db->ops->scan(db, &m, dbr_take, r)) != 0)
		return ret;
	r->mode = 0;
	if (q->since < first) {
		e.since = q->since;
		e.until = first - 1;
		if ((ret = db->ops->scan(db, &e, dbr_take, r)) != 0)
			return ret;
	}
	if (last != INT32_MAX && q->until >= db_month_next(last)) {
		e.since = db_month_next(last);
		e.until = q->until;
		if ((ret = db->ops->scan(db, &e, dbr_take, r)) != 0)
			return ret;
	}
	/* the dates: of the rows the filters let through */
	d.roll = dbr_pick(db, fdims, 1);
	d.dims = fdims;
	d.days = 0;
	d.undated = 0;
	r->mode = DBR_DATES_ONLY;
	ret = db->ops->scan(db, &d, dbr_take, r);
	r->mode = 0;
	return ret;
}

int
db_report(struct db *db, const struct report_opts *o,
    struct report_result *res)
{
	struct dbr r;
	struct dbscan q;
	int ret = EXIT_FAILURE_OTHER, by_day = 0;
	unsigned fdims;
	size_t i, k;

	memset(res, 0, sizeof(*res));
	res->from_db = 1;
	memset(&r, 0, sizeof(r));
	memset(&q, 0, sizeof(q));
	r.db = db;
	r.o = o;
	r.res = res;
	agg_init(&res->groups);
	for (i = 1; i < report_nsets(o); i++)
		agg_init(&res->more[i - 1]);
	for (i = 0; i < report_nsets(o); i++)
		agg_init(&r.sets[i]);
	strtab_init(&r.names);
	/*
	 * The smallest roll-up that has every dim the keys, filters and
	 * organizations need (a branch or a user key: the roll-ups of
	 * their own), else the job runs; a row_fn (focus) reads the job
	 * runs, by job_key (the same order on every engine).  A roll-up
	 * holds the few job runs without a day too, with a NULL day:
	 * counted, as report does, when no key or filter needs a date.
	 * Without a time key, a row per group with its first and last day,
	 * not per day.
	 */
	q.since = o->since;
	q.until = o->until;
	q.rows = o->row_fn != NULL;
	fdims = (o->nprojects ? 1u << DIM_PROJECT : 0) |
	    (o->nbranches ? 1u << DIM_BRANCH : 0) |
	    (o->nstatuses ? 1u << DIM_STATUS : 0);
	q.dims = fdims | (o->want_orgs ? 1u << DIM_ORG : 0);
	for (i = 0; i < o->nrow_cols; i++)
		if (dbr_dim(o->row_cols[i]) >= 0)
			q.dims |= 1u << dbr_dim(o->row_cols[i]);
	q.undated = o->since == INT32_MIN && o->until == INT32_MAX;
	for (k = 0; k < o->nkeys; k++) {
		if (key_is_time(o->keys[k].kind)) {
			q.undated = 0;
			q.days = 1;
			by_day |= o->keys[k].kind != KEY_MONTH;
			continue;
		}
		/* a team is its project's, mapped when the groups are named */
		r.qdim[k] = dbr_dim(o->keys[k].col);
		if (r.qdim[k] < 0) {
			error("--db: cannot group by %s", o->keys[k].name);
			ret = EXIT_USAGE;
			goto out;
		}
		q.dims |= 1u << r.qdim[k];
	}
	if (!q.rows)
		q.roll = dbr_pick(db, q.dims, by_day);
	/* one snapshot: names and sums read together */
	if (db->ops->read_begin(db, &r.names) < 0)
		goto out;
	r.proj_ok = xcalloc(r.names.n + 1, 1);
	r.branch_ok = xcalloc(r.names.n + 1, 1);
	r.status_ok = xcalloc(r.names.n + 1, 1);
	if (o->want_orgs)
		r.org_jobs = xcalloc(r.names.n + 1, sizeof(*r.org_jobs));
	if (q.roll != NULL && q.roll->monthly)
		ret = dbr_scan_months(&r, &q, fdims);
	else
		ret = db->ops->scan(db, &q, dbr_take, &r);
	if (ret < 0)
		goto out_fail;
	if (ret != 0)
		goto out_end;	/* bad data (EXIT_BAD_INPUT) or row_fn's */
	for (i = 0; i < report_nsets(o); i++) {
		struct agg *dst = i == 0 ? &res->groups : &res->more[i - 1];

		if (agg_check(&r.sets[i]) < 0)
			goto out_fail;
		report_merge_ids(dst, &r.sets[i], o, i, dbr_key_name, &r, NULL);
		if (agg_check(dst) < 0)
			goto out_fail;
	}
	for (i = 0; i < res->groups.n; i++)
		metrics_add_bounded(&res->totals, &res->groups.groups[i].m);
	if (r.org_jobs != NULL)
		dbr_orgs(&r);
	ret = 0;
	goto out_end;
out_fail:
	ret = EXIT_FAILURE_OTHER;
out_end:
	db->ops->read_end(db);
out:
	for (i = 0; i < REPORT_MAX_SETS; i++)
		agg_release(&r.sets[i]);
	free(r.proj_ok);
	free(r.branch_ok);
	free(r.status_ok);
	free(r.org_jobs);
	strtab_release(&r.names);
	return ret;
}
int
db_report_path(const char *path, const struct report_opts *o,
    struct report_result *res)
{
	char *def = NULL;
	struct db *db;
	int ret;

	memset(res, 0, sizeof(*res));
	agg_init(&res->groups);
	if (strcmp(path, "-") == 0 && (path = def = db_default_path()) ==
	    NULL)
		return EXIT_USAGE;
	db = db_open(path, 0, &ret);
	free(def);
	if (db == NULL)
		return ret;
	agg_release(&res->groups);
	ret = db_report(db, o, res);
	db_close(db);
	return ret;
}

/* ---- the rest: the engine's ---- */

int
db_users_store(struct db *db, const struct users *u)
{
	return u->n == 0 ? 0 : db->ops->users_store(db, u);
}

int
db_users_load(struct db *db, struct users *u)
{
	return db->ops->users_load(db, u);
}

int
db_alerts_load(struct db *db, struct alertstate *s)
{
	return db->ops->alerts_load(db, s);
}

int
db_alerts_store(struct db *db, const struct alertstate *sent,
    int64_t before_ms)
{
	return db->ops->alerts_store(db, sent, before_ms);
}

int
db_teams_store(struct db *db, const struct teams *t)
{
	return db->ops->teams_store(db, t);
}

int
db_info(struct db *db, struct db_info *info)
{
	memset(info, 0, sizeof(*info));
	info->engine = db->ops->engine;
	info->version = db->version;
	return db->ops->info(db, info);
}

int
db_prune(struct db *db, int32_t before, uint64_t *removed)
{
	*removed = 0;
	return db->ops->prune(db, before, removed);
}
