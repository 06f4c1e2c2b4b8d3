/*
 * test_page.c: the HTML page's workflow (page.h): one read, the sections
 * in their order, the headline against the previous period, the waste
 * statuses named, the title's default, teams and rightsizing sections
 * only when asked for, and a rates file that does not load.
 */
#include "unit.h"

#include "page.h"

UNIT_TMPDIR_FIXTURE

#define HDR "PROJECT_NAME,WORKFLOW_NAME,JOB_NAME,JOB_ID,JOB_RUN_DATE," \
	"VCS_BRANCH,JOB_BUILD_STATUS,RESOURCE_CLASS,EXECUTOR," \
	"JOB_RUN_SECONDS,COMPUTE_CREDITS,DLC_CREDITS,TOTAL_CREDITS\n"

static const char cur_csv[] = HDR
    "web,b,test,C1,2026-10-01,main,success,medium,docker,3600,80,,80\n"
    "web,b,test,C2,2026-10-02,main,FAILED,medium,docker,3600,20,,20\n"
    "api,b,push,C3,2026-10-03,main,success,large,machine,3600,30,,30\n";
static const char prev_csv[] = HDR
    "web,b,test,P1,2026-09-24,main,success,medium,docker,60,50,,50\n";

static char *
put(const char *name, const char *text)
{
	char *p = unit_path(tmp, name);

	unit_writes(p, text);
	return p;
}

static void
page_waste(struct page *pg)
{
	static const char *const st[] = { "failed", "canceled" };
	size_t i;

	for (i = 0; i < 2; i++) {
		pg->waste = xreallocarray(pg->waste, pg->nwaste + 1,
		    sizeof(*pg->waste));
		pg->waste[pg->nwaste++] = xstrdup(st[i]);
	}
}

/* The page written into a string (free() it); the test fails on error. */
static char *
page_text(struct page *pg)
{
	char *path = unit_path(tmp, "page.html"), *s;
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(page_write(pg, f), 0);
	assert_int_equal(fclose(f), 0);
	s = unit_read(path, NULL);
	free(path);
	return s;
}

/* `a` comes before `b` in s. */
static void
before(const char *s, const char *a, const char *b)
{
	const char *pa = strstr(s, a), *pb = strstr(s, b);

	if (pa == NULL || pb == NULL || pa > pb)
		fail_msg("expected \"%s\" before \"%s\"", a, b);
}

static void
test_page_sections(void **state)
{
	struct page pg;
	char *cur = put("cur.csv", cur_csv), *prev = put("prev.csv", prev_csv);
	char *s;

	(void)state;
	page_init(&pg);
	page_waste(&pg);
	assert_int_equal(page_prepare(&pg), 0);
	assert_int_equal(page_add_input(&pg, cur), 0);
	assert_int_equal(page_add_previous(&pg, prev), 0);
	assert_int_equal(page_read(&pg), 0);
	/* the headline's numbers: now, and the previous period */
	assert_dec_equal(pg.now.credits, 0);	/* made by page_write */
	s = page_text(&pg);
	assert_dec_equal(pg.now.credits, unit_dec("130"));
	assert_dec_equal(pg.now.waste, unit_dec("20"));
	assert_dec_equal(pg.now.hours, unit_dec("3"));
	assert_dec_equal(pg.prev.credits, unit_dec("50"));
	assert_contains(s, "<title>CircleCI usage</title>");
	assert_contains(s, "2026-10-01 to 2026-10-03");
	assert_contains(s, "previous: 2026-09-24 to 2026-09-24");
	/* 130 against 50: +160%, with the 2 decimals it is computed to */
	assert_contains(s, "\xe2\x96\xb2 +160.00% vs the previous period");
	/* the change beside each table's credits, the movers up top */
	assert_contains(s, "<th scope=\"col\" class=\"n\">change %</th>");
	before(s, "id=\"h-movers\"", "id=\"projects\"");
	assert_contains(s, "Runs whose status is failed or canceled:");
	before(s, "id=\"headline\"", "id=\"projects\"");
	before(s, "id=\"projects\"", "id=\"days\"");
	before(s, "id=\"days\"", "id=\"resources\"");
	before(s, "id=\"resources\"", "id=\"workflows\"");
	before(s, "id=\"workflows\"", "id=\"jobs\"");
	before(s, "id=\"jobs\"", "id=\"failing\"");
	before(s, "id=\"failing\"", "id=\"quality\"");
	before(s, "id=\"quality\"", "<footer>circleci-usage ");
	assert_contains(s, "credits at $0.0006 each</footer>");
	/* not asked for */
	assert_null(strstr(s, "id=\"teams\""));
	assert_null(strstr(s, "id=\"rightsizing\""));
	free(s);
	page_release(&pg);
	free(cur);
	free(prev);
}

/* A title of one's own; no previous period: no comparison. */
static void
test_page_title(void **state)
{
	struct page pg;
	char *cur = put("cur.csv", cur_csv), *s;

	(void)state;
	page_init(&pg);
	page_waste(&pg);
	pg.title = "Week <41>";
	assert_int_equal(page_prepare(&pg), 0);
	assert_int_equal(page_add_input(&pg, cur), 0);
	assert_int_equal(page_read(&pg), 0);
	s = page_text(&pg);
	assert_contains(s, "<h1>Week &lt;41&gt;</h1>");
	assert_null(strstr(s, "vs the previous period"));
	assert_null(strstr(s, "previous: "));
	free(s);
	page_release(&pg);
	free(cur);
}

static void
test_page_rates_missing(void **state)
{
	struct page pg;
	struct unit_capture cap;
	char *err;

	(void)state;
	page_init(&pg);
	pg.want_rs = 1;
	pg.rates_path = "/nonexistent/rates.yaml";
	unit_capture_begin(&cap);
	assert_int_equal(page_prepare(&pg), EXIT_BAD_INPUT);
	err = unit_capture_end(&cap);
	assert_contains(err, "circleci-usage: --rates: ");
	assert_contains(err, "/nonexistent/rates.yaml");
	free(err);
	page_release(&pg);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_page_sections),
		cmocka_unit_test(test_page_title),
		cmocka_unit_test(test_page_rates_missing),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
