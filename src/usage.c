/*
 * usage.c: export column names and header mapping.
 */
#include "usage.h"

#include <pthread.h>
#include <string.h>

#include "util.h"

/* The export columns, in enum usage_col order (usage.h). */
#define USAGE_COLS(X) \
	X("ORGANIZATION_ID") \
	X("ORGANIZATION_NAME") \
	X("ORGANIZATION_CREATED_DATE") \
	X("PROJECT_ID") \
	X("PROJECT_NAME") \
	X("PROJECT_CREATED_DATE") \
	X("LAST_BUILD_FINISHED_AT") \
	X("VCS_NAME") \
	X("VCS_URL") \
	X("VCS_BRANCH") \
	X("PIPELINE_ID") \
	X("PIPELINE_CREATED_AT") \
	X("PIPELINE_NUMBER") \
	X("IS_UNREGISTERED_USER") \
	X("PIPELINE_TRIGGER_SOURCE") \
	X("PIPELINE_TRIGGER_USER_ID") \
	X("WORKFLOW_ID") \
	X("WORKFLOW_NAME") \
	X("WORKFLOW_FIRST_JOB_QUEUED_AT") \
	X("WORKFLOW_FIRST_JOB_STARTED_AT") \
	X("WORKFLOW_STOPPED_AT") \
	X("IS_WORKFLOW_SUCCESSFUL") \
	X("JOB_NAME") \
	X("JOB_ID") \
	X("JOB_RUN_NUMBER") \
	X("JOB_RUN_DATE") \
	X("JOB_RUN_QUEUED_AT") \
	X("JOB_RUN_STARTED_AT") \
	X("JOB_RUN_STOPPED_AT") \
	X("JOB_BUILD_STATUS") \
	X("RESOURCE_CLASS") \
	X("OPERATING_SYSTEM") \
	X("EXECUTOR") \
	X("PARALLELISM") \
	X("JOB_RUN_SECONDS") \
	X("MEDIAN_CPU_UTILIZATION_PCT") \
	X("MAX_CPU_UTILIZATION_PCT") \
	X("MEDIAN_RAM_UTILIZATION_PCT") \
	X("MAX_RAM_UTILIZATION_PCT") \
	X("COMPUTE_CREDITS") \
	X("DLC_CREDITS") \
	X("USER_CREDITS") \
	X("STORAGE_CREDITS") \
	X("NETWORK_CREDITS") \
	X("LEASE_CREDITS") \
	X("LEASE_OVERAGE_CREDITS") \
	X("IPRANGES_CREDITS") \
	X("TOTAL_CREDITS")

#define COL_NAME(s) s,
#define COL_LEN(s) sizeof(s) - 1,

static const char *const col_names[COL_COUNT] = { USAGE_COLS(COL_NAME) };

/* Their lengths: a header field of another length is not compared. */
static const unsigned char col_lens[COL_COUNT] = { USAGE_COLS(COL_LEN) };
_Static_assert(COL_COUNT < 128, "column ids fit a signed char");

/*
 * The columns of each length, as lists: by_len[n] is the first column
 * whose name has n bytes, next_len[c] the next after c (-1 ends them), so
 * a header field is compared only with the names it could be.
 */
#define COL_MAX_LEN 40
static signed char by_len[COL_MAX_LEN + 1], next_len[COL_COUNT];
static pthread_once_t by_len_once = PTHREAD_ONCE_INIT;

static void
by_len_init(void)
{
	int c;

	memset(by_len, -1, sizeof(by_len));
	for (c = COL_COUNT - 1; c >= 0; c--) {
		/* a name too long for the table would never be found:
		 * test_usage's test_column_names finds every one */
		if (col_lens[c] > COL_MAX_LEN)
			continue;
		next_len[c] = by_len[col_lens[c]];
		by_len[col_lens[c]] = (signed char)c;
	}
}

const char *
usage_col_name(enum usage_col col)
{
	return col_names[col];
}

/* s, any case, is the upper-case ASCII name n of the same length. */
static int
upper_eq(const char *s, const char *n, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if ((unsigned)(c - 'a') < 26u)
			c -= 'a' - 'A';
		if (c != (unsigned char)n[i])
			return 0;
	}
	return 1;
}

int
usage_col_find(const char *name, size_t len)
{
	int i;

	/* trim ASCII white space */
	while (len > 0 && (*name == ' ' || *name == '\t')) {
		name++;
		len--;
	}
	while (len > 0 && (name[len - 1] == ' ' || name[len - 1] == '\t' ||
	    name[len - 1] == '\r'))
		len--;
	if (len == 0 || len > COL_MAX_LEN)
		return -1;
	pthread_once(&by_len_once, by_len_init);
	for (i = by_len[len]; i >= 0; i = next_len[i])
		if (upper_eq(name, col_names[i], len))
			return i;
	return -1;
}

int
usage_header_map(struct usage_header *h, const struct csv_record *rec,
    struct sbuf *scratch)
{
	size_t i, n;
	int c;

	for (c = 0; c < COL_COUNT; c++)
		h->idx[c] = -1;
	h->ncols = rec->nfields;
	h->dup_col = -1;
	h->dup_at[0] = h->dup_at[1] = 0;
	n = rec->nfields;
	for (i = 0; i < n; i++) {
		size_t len;
		const char *v = csv_field_value(&rec->fields[i], scratch, &len);

		/* a BOM left inside quotes: "\xEF\xBB\xBF"ORGANIZATION_ID */
		if (i == 0 && len >= 3 && memcmp(v, "\xEF\xBB\xBF", 3) == 0) {
			v += 3;
			len -= 3;
		}
		c = usage_col_find(v, len);
		if (c < 0)
			continue;
		if (h->idx[c] >= 0) {
			/* the first repeat found, in header order */
			h->dup_col = c;
			h->dup_at[0] = (size_t)h->idx[c] + 1;
			h->dup_at[1] = i + 1;
			return -1;
		}
		h->idx[c] = (int)i;
	}
	return 0;
}

char *
usage_header_dup_text(const struct usage_header *h)
{
	return xasprintf("the header names column %s twice (columns %zu and "
	    "%zu, names matched in any case): an export column may appear "
	    "only once",
	    h->dup_col >= 0 ? usage_col_name(h->dup_col) : "?",
	    h->dup_at[0], h->dup_at[1]);
}

int
usage_header_again(const struct csv_record *rec, size_t kept,
    struct sbuf *scratch)
{
	size_t i, len, n = rec->nfields < kept ? rec->nfields : kept;
	int seen = 0;

	for (i = 0; i < n; i++) {
		const char *v = csv_field_value(&rec->fields[i], scratch,
		    &len);
		int c = usage_col_find(v, len);

		if (c == COL_PROJECT_NAME)
			seen |= 1;
		else if (c == COL_TOTAL_CREDITS)
			seen |= 2;
	}
	return seen == 3;
}
