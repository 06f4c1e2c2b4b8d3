/*
 * test_alert.c: notify's alert rules (alert.h): every name and operator,
 * spaces and case, percentages with %, negative and exponent numbers, each
 * kind of bad expression and its message, evaluation at and around the
 * threshold (exact decimals), change_pct without a previous period, the
 * per-project rules naming every project that matches; the budget and
 * anomaly rules: the bare terms, their terms per entity, a rule mixing two
 * kinds refused, budgets not ok, stopped groups and a new group's missing
 * score never matching, no last day leaving them unevaluated.
 */
#include "unit.h"

#include <math.h>

#include "alert.h"

/* Every name, as the messages list them. */
#define NAMES "total_credits, cost_usd, jobs, change_pct, " \
	"failed_credits_pct, project.total_credits, project.change_pct, " \
	"budget, budget.used_pct, budget.projected_pct, anomaly, " \
	"anomaly.excess_credits, anomaly.excess_usd or anomaly.score"

static void
parse_ok(const char *expr, enum alert_name name, enum alert_op op,
    const char *value)
{
	struct alert_rule r;
	char err[512] = "";

	if (alert_parse(expr, &r, err, sizeof(err)) != 0)
		fail_msg("'%s': %s", expr, err);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.t[0].name, name);
	assert_int_equal(r.t[0].op, op);
	assert_dec_equal(r.t[0].value, unit_dec(value));
}

static void
parse_bad(const char *expr, const char *want)
{
	struct alert_rule r;
	char err[512] = "";

	if (alert_parse(expr, &r, err, sizeof(err)) != -1)
		fail_msg("'%s' parsed", expr);
	assert_string_equal(err, want);
}

static void
test_parse(void **state)
{
	(void)state;
	parse_ok("total_credits > 50000", ALERT_TOTAL_CREDITS, ALERT_GT,
	    "50000");
	parse_ok("total_credits>=50000.5", ALERT_TOTAL_CREDITS, ALERT_GE,
	    "50000.5");
	parse_ok("cost_usd<100", ALERT_COST_USD, ALERT_LT, "100");
	parse_ok("  jobs   <=   0  ", ALERT_JOBS, ALERT_LE, "0");
	parse_ok("change_pct > 25%", ALERT_CHANGE_PCT, ALERT_GT, "25");
	parse_ok("change_pct < -10", ALERT_CHANGE_PCT, ALERT_LT, "-10");
	parse_ok("change_pct<-10 %", ALERT_CHANGE_PCT, ALERT_LT, "-10");
	parse_ok("failed_credits_pct >= 12.5", ALERT_FAILED_CREDITS_PCT,
	    ALERT_GE, "12.5");
	parse_ok("project.total_credits > 1e4", ALERT_PROJECT_TOTAL_CREDITS,
	    ALERT_GT, "10000");
	parse_ok("project.change_pct >= 50%", ALERT_PROJECT_CHANGE_PCT,
	    ALERT_GE, "50");
	parse_ok("Total_Credits > +7", ALERT_TOTAL_CREDITS, ALERT_GT, "7");
	parse_ok("\tjobs\t>\t3", ALERT_JOBS, ALERT_GT, "3");
	parse_ok("cost_usd > 0.000000000000000001", ALERT_COST_USD, ALERT_GT,
	    "0.000000000000000001");
}

static void
test_parse_errors(void **state)
{
	(void)state;
	parse_bad("", "expected a name (" NAMES ") at the start, got ''");
	parse_bad("> 5", "expected a name (" NAMES ") at the start, got "
	    "'> 5'");
	parse_bad("credits > 5", "unknown name 'credits' (expected " NAMES
	    ")");
	parse_bad("project.jobs > 5", "unknown name 'project.jobs' (expected "
	    NAMES ")");
	parse_bad("jobs", "expected an operator (>, >=, < or <=) after "
	    "'jobs'");
	parse_bad("jobs 5", "expected an operator (>, >=, < or <=) after "
	    "'jobs'");
	parse_bad("jobs = 5", "operator '=' is not supported (expected >, "
	    ">=, < or <=)");
	parse_bad("jobs == 5", "operator '==' is not supported (expected >, "
	    ">=, < or <=)");
	parse_bad("jobs != 5", "operator '!=' is not supported (expected >, "
	    ">=, < or <=)");
	parse_bad("jobs => 5", "operator '=>' is not supported (expected >, "
	    ">=, < or <=)");
	parse_bad("jobs >> 5", "operator '>>' is not supported (expected >, "
	    ">=, < or <=)");
	parse_bad("jobs <> 5", "operator '<>' is not supported (expected >, "
	    ">=, < or <=)");
	parse_bad("jobs >== 5", "operator '>==' is not supported (expected "
	    ">, >=, < or <=)");
	parse_bad("jobs >", "expected a number after '>'");
	parse_bad("jobs >=   ", "expected a number after '>='");
	parse_bad("jobs > five", "expected a number after '>', got 'five'");
	parse_bad("jobs > 5 000", "expected a number after '>', got "
	    "'5 000'");
	parse_bad("jobs > 1,000", "expected a number after '>', got "
	    "'1,000'");
	/* "and" joins terms; each term is checked as a rule alone */
	parse_bad("jobs > 5 and", "expected a number after '>', got '5 "
	    "and'");
	parse_bad("jobs > 5 and cost_usd", "expected an operator (>, >=, < "
	    "or <=) after 'cost_usd'");
	parse_bad("jobs > 5 and and jobs > 1", "unknown name 'and' (expected "
	    NAMES ")");
	parse_bad("jobs > 1 and jobs > 2 and jobs > 3 and jobs > 4 and "
	    "jobs > 5 and jobs > 6 and jobs > 7 and jobs > 8 and jobs > 9",
	    "at most 8 terms joined by 'and'");
	parse_bad("cost_usd > $5", "expected a number after '>', got '$5'");
	parse_bad("change_pct > %", "expected a number after '>', got '%'");
	parse_bad("total_credits > 5%", "'%' after a number is only for "
	    "percentages (the names ending in _pct), not total_credits");
	parse_bad("jobs < nan", "expected a number after '<', got 'nan'");
	parse_bad("jobs < 1e400", "expected a number after '<', got '1e400'");
	parse_bad("jobs <= 5\n", "expected a number after '<=', got '5 '");
	/* a value that is not a number: its first 40 bytes; one longer
	 * than any number: its length (it could be pasted garbage) */
	parse_bad("jobs > 1111111111111111111111111111111111111111111111111111111"
	    "11111111111111111111x", "expected a number after '>', got "
	    "'1111111111111111111111111111111111111111'");
	{
		char expr[200];

		memset(expr, '9', sizeof(expr));
		memcpy(expr, "jobs > ", 7);
		expr[7 + 130] = '\0';
		parse_bad(expr, "expected a number after '>', got a value of "
		    "130 characters");
	}
}

static void
test_names(void **state)
{
	int n;

	(void)state;
	/* every name parses back from its text (a bare one alone) */
	for (n = 0; n < ALERT_NAME_COUNT; n++) {
		struct alert_rule r;
		char expr[64], err[512];

		snprintf(expr, sizeof(expr), "%s%s", alert_name_text(n),
		    alert_name_is_bare(n) ? "" : " <= 1");
		assert_int_equal(alert_parse(expr, &r, err, sizeof(err)), 0);
		assert_int_equal(r.t[0].name, n);
	}
	assert_string_equal(alert_op_text(ALERT_GT), ">");
	assert_string_equal(alert_op_text(ALERT_GE), ">=");
	assert_string_equal(alert_op_text(ALERT_LT), "<");
	assert_string_equal(alert_op_text(ALERT_LE), "<=");
	assert_true(alert_name_is_project(ALERT_PROJECT_CHANGE_PCT));
	assert_false(alert_name_is_project(ALERT_CHANGE_PCT));
	assert_true(alert_name_is_pct(ALERT_FAILED_CREDITS_PCT));
	assert_false(alert_name_is_pct(ALERT_JOBS));
}

/* Evaluate `expr` on f: 1 fired, 0 not, -1 not evaluated. */
static int
eval(const char *expr, const struct alert_facts *f)
{
	struct alert_rule r;
	struct alert_outcome o;
	char err[512];
	int ret;

	if (alert_parse(expr, &r, err, sizeof(err)) != 0)
		fail_msg("'%s': %s", expr, err);
	alert_eval(&r, f, &o);
	ret = o.evaluated ? o.fired : -1;
	alert_outcome_release(&o);
	return ret;
}

static void
test_operators(void **state)
{
	struct alert_facts f;

	(void)state;
	memset(&f, 0, sizeof(f));
	f.total_credits = unit_dec("1000.000000000000000001");
	f.cost_usd = unit_dec("0.60");
	f.jobs = 42;
	f.failed_credits_pct = unit_dec("12.5");
	f.has_change = f.has_previous = 1;
	f.change_pct = unit_dec("-10");

	/* each operator at, just below and just above the value */
	assert_int_equal(eval("total_credits > 1000", &f), 1);
	assert_int_equal(eval("total_credits > 1000.000000000000000001", &f),
	    0);
	assert_int_equal(eval("total_credits >= 1000.000000000000000001",
	    &f), 1);
	assert_int_equal(eval("total_credits >= 1000.000000000000000002",
	    &f), 0);
	assert_int_equal(eval("total_credits < 1000.000000000000000002", &f),
	    1);
	assert_int_equal(eval("total_credits < 1000.000000000000000001", &f),
	    0);
	assert_int_equal(eval("total_credits <= 1000.000000000000000001",
	    &f), 1);
	assert_int_equal(eval("total_credits <= 1000", &f), 0);

	assert_int_equal(eval("cost_usd >= 0.6", &f), 1);
	assert_int_equal(eval("cost_usd > 0.6", &f), 0);
	assert_int_equal(eval("jobs > 41", &f), 1);
	assert_int_equal(eval("jobs > 42", &f), 0);
	assert_int_equal(eval("jobs <= 42", &f), 1);
	assert_int_equal(eval("failed_credits_pct >= 12.5%", &f), 1);
	assert_int_equal(eval("failed_credits_pct > 12.5", &f), 0);
	assert_int_equal(eval("change_pct < -9.99", &f), 1);
	assert_int_equal(eval("change_pct <= -10%", &f), 1);
	assert_int_equal(eval("change_pct < -10", &f), 0);
	assert_int_equal(eval("change_pct > 0", &f), 0);

	/* no previous period, or nothing in it: change_pct cannot be told */
	f.has_change = 0;
	assert_int_equal(eval("change_pct < 1000", &f), -1);
	assert_int_equal(eval("change_pct > -1000", &f), -1);
	assert_int_equal(eval("project.change_pct > 0", &f), 0);
	f.has_previous = 0;
	assert_int_equal(eval("project.change_pct > 0", &f), -1);
	assert_int_equal(eval("project.total_credits > 0", &f), 0);
}

static void
test_projects(void **state)
{
	struct alert_project p[5];
	struct alert_facts f;
	struct alert_rule r;
	struct alert_outcome o;
	char err[512];

	(void)state;
	memset(p, 0, sizeof(p));
	memset(&f, 0, sizeof(f));
	p[0].name = "api", p[0].len = 3, p[0].in_cur = 1;
	p[0].credits = unit_dec("5000"), p[0].has_pct = 1;
	p[0].pct = unit_dec("60.5");
	p[1].name = "web", p[1].len = 3, p[1].in_cur = 1;
	p[1].credits = unit_dec("700"), p[1].has_pct = 1;
	p[1].pct = unit_dec("50");
	p[2].name = "new", p[2].len = 3, p[2].in_cur = 1;
	p[2].credits = unit_dec("9000");	/* new: no percentage */
	p[3].name = "gone", p[3].len = 4, p[3].in_cur = 0;
	p[3].has_pct = 1, p[3].pct = unit_dec("-100");
	p[4].name = "flat", p[4].len = 4, p[4].in_cur = 1;
	p[4].credits = unit_dec("1"), p[4].has_pct = 1;
	f.projects = p;
	f.nprojects = 5;
	f.has_previous = 1;

	assert_int_equal(alert_parse("project.change_pct >= 50", &r, err,
	    sizeof(err)), 0);
	alert_eval(&r, &f, &o);
	assert_true(o.evaluated);
	assert_true(o.fired);
	assert_int_equal(o.nmatches, 2);
	assert_int_equal(o.matches[0], 0);
	assert_int_equal(o.matches[1], 1);
	alert_outcome_release(&o);

	/* a gone project is down 100%; a new one is never matched */
	assert_int_equal(alert_parse("project.change_pct <= -100", &r, err,
	    sizeof(err)), 0);
	alert_eval(&r, &f, &o);
	assert_int_equal(o.nmatches, 1);
	assert_int_equal(o.matches[0], 3);
	alert_outcome_release(&o);
	assert_int_equal(eval("project.change_pct > 60.5", &f), 0);
	assert_int_equal(eval("project.change_pct > 60.49", &f), 1);

	/* credits: the current period's projects only */
	assert_int_equal(alert_parse("project.total_credits < 1000", &r, err,
	    sizeof(err)), 0);
	alert_eval(&r, &f, &o);
	assert_int_equal(o.nmatches, 2);
	assert_int_equal(o.matches[0], 1);
	assert_int_equal(o.matches[1], 4);
	alert_outcome_release(&o);
	assert_int_equal(eval("project.total_credits > 9000", &f), 0);
	assert_int_equal(eval("project.total_credits >= 9000", &f), 1);

	/* "and": the project terms hold for the same project */
	assert_int_equal(alert_parse("project.change_pct > 50 AND "
	    "project.total_credits > 1000", &r, err, sizeof(err)), 0);
	assert_int_equal(r.n, 2);
	alert_eval(&r, &f, &o);
	assert_true(o.fired);
	assert_int_equal(o.nmatches, 1);	/* api; web has 700 credits */
	assert_int_equal(o.matches[0], 0);
	alert_outcome_release(&o);
	assert_int_equal(eval("project.change_pct >= 50 and "
	    "project.total_credits < 1000", &f), 1);	/* web */
	assert_int_equal(eval("project.change_pct > 60 and "
	    "project.total_credits < 1000", &f), 0);
	/* a total term must hold too; its value is kept */
	f.total_credits = unit_dec("14701");
	assert_int_equal(alert_parse("total_credits > 10000 and "
	    "project.change_pct > 60", &r, err, sizeof(err)), 0);
	alert_eval(&r, &f, &o);
	assert_true(o.fired);
	assert_dec_equal(o.value[0], unit_dec("14701"));
	assert_int_equal(o.nmatches, 1);
	alert_outcome_release(&o);
	assert_int_equal(eval("total_credits > 20000 and "
	    "project.change_pct > 60", &f), 0);
	assert_int_equal(eval("total_credits > 10000 and jobs > 0", &f), 0);
	assert_int_equal(eval("total_credits > 10000 and jobs < 1", &f), 1);
	/* a term that cannot be told: the rule is not evaluated */
	assert_int_equal(eval("total_credits > 10000 and change_pct > 1", &f),
	    -1);

	/* no projects at all: nothing fires */
	f.nprojects = 0;
	assert_int_equal(eval("project.total_credits >= 0", &f), 0);
}

/* The rule as text: its terms, a percentage with its sign. */
static void
test_text(void **state)
{
	struct alert_rule r;
	struct sbuf sb;
	char err[512];

	(void)state;
	sbuf_init(&sb, 1 << 16);
	assert_int_equal(alert_parse("  Project.Change_Pct>=25%   and  "
	    "TOTAL_CREDITS > 1e3", &r, err, sizeof(err)), 0);
	alert_rule_text(&r, &sb);
	assert_string_equal(sb.buf, "project.change_pct >= 25% and "
	    "total_credits > 1000");
	sbuf_release(&sb);
}

/* The budget and anomaly terms: bare names, shorthand, one kind a rule. */
static void
test_entity_parse(void **state)
{
	struct alert_rule r;
	struct sbuf sb;
	char err[512];

	(void)state;
	assert_int_equal(alert_parse("budget", &r, err, sizeof(err)), 0);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.t[0].name, ALERT_BUDGET);
	assert_int_equal(r.entity, ALERT_ENTITY_BUDGET);
	assert_false(r.has_project);
	assert_int_equal(alert_parse("  Anomaly\t", &r, err, sizeof(err)), 0);
	assert_int_equal(r.t[0].name, ALERT_ANOMALY);
	assert_int_equal(r.entity, ALERT_ENTITY_ANOMALY);
	parse_ok("budget.used_pct >= 80%", ALERT_BUDGET_USED_PCT, ALERT_GE,
	    "80");
	parse_ok("budget.projected_pct>100", ALERT_BUDGET_PROJECTED_PCT,
	    ALERT_GT, "100");
	parse_ok("anomaly.excess_credits > 1e4", ALERT_ANOMALY_EXCESS_CREDITS,
	    ALERT_GT, "10000");
	parse_ok("anomaly.excess_usd >= 50", ALERT_ANOMALY_EXCESS_USD,
	    ALERT_GE, "50");
	parse_ok("anomaly.score >= 4.5", ALERT_ANOMALY_SCORE, ALERT_GE, "4.5");
	/* with totals, and with each other */
	assert_int_equal(alert_parse("budget.projected_pct > 100 and "
	    "total_credits > 1000", &r, err, sizeof(err)), 0);
	assert_int_equal(r.n, 2);
	assert_int_equal(r.entity, ALERT_ENTITY_BUDGET);
	assert_int_equal(alert_parse("total_credits > 1 and anomaly and "
	    "anomaly.excess_usd >= 50", &r, err, sizeof(err)), 0);
	assert_int_equal(r.n, 3);
	assert_int_equal(r.entity, ALERT_ENTITY_ANOMALY);
	assert_int_equal(alert_parse("project.change_pct > 5", &r, err,
	    sizeof(err)), 0);
	assert_int_equal(r.entity, ALERT_ENTITY_PROJECT);
	assert_true(r.has_project);
	assert_int_equal(alert_parse("jobs > 5", &r, err, sizeof(err)), 0);
	assert_int_equal(r.entity, ALERT_ENTITY_NONE);
	/* the text: a bare name alone, a percentage with its sign */
	sbuf_init(&sb, 1 << 16);
	assert_int_equal(alert_parse("BUDGET and budget.used_pct>=80", &r,
	    err, sizeof(err)), 0);
	alert_rule_text(&r, &sb);
	assert_string_equal(sb.buf, "budget and budget.used_pct >= 80%");
	sbuf_reset(&sb);
	assert_int_equal(alert_parse("anomaly and anomaly.excess_usd >= 5e1",
	    &r, err, sizeof(err)), 0);
	alert_rule_text(&r, &sb);
	assert_string_equal(sb.buf, "anomaly and anomaly.excess_usd >= 50");
	sbuf_release(&sb);

	/* two kinds of entity in one rule: refused, naming both */
	parse_bad("project.total_credits > 1 and budget", "'project."
	    "total_credits' is about a project and 'budget' about a budget: "
	    "the terms of a rule hold for one entity, so one rule cannot mix "
	    "them (give two --alert rules)");
	parse_bad("budget and anomaly", "'budget' is about a budget and "
	    "'anomaly' about an anomaly: the terms of a rule hold for one "
	    "entity, so one rule cannot mix them (give two --alert rules)");
	parse_bad("jobs > 1 and anomaly.score > 4 and budget.used_pct > 5",
	    "'anomaly.score' is about an anomaly and 'budget.used_pct' about "
	    "a budget: the terms of a rule hold for one entity, so one rule "
	    "cannot mix them (give two --alert rules)");
	parse_bad("anomaly and project.change_pct > 5", "'anomaly' is about "
	    "an anomaly and 'project.change_pct' about a project: the terms "
	    "of a rule hold for one entity, so one rule cannot mix them (give "
	    "two --alert rules)");
	/* a bare name takes no OP NUMBER */
	parse_bad("budget > 5", "'budget' is a term by itself (a budget whose "
	    "status is not ok), got '> 5' after it; to compare a figure, use "
	    "budget.used_pct or budget.projected_pct");
	parse_bad("anomaly 3", "'anomaly' is a term by itself (a spike or a "
	    "new project), got '3' after it; to compare a figure, use "
	    "anomaly.excess_credits, anomaly.excess_usd or anomaly.score");
	parse_bad("budget.used_pct", "expected an operator (>, >=, < or <=) "
	    "after 'budget.used_pct'");
	parse_bad("anomaly.score > 4%", "'%' after a number is only for "
	    "percentages (the names ending in _pct), not anomaly.score");
	parse_bad("budgets", "unknown name 'budgets' (expected " NAMES ")");
	assert_true(alert_name_is_pct(ALERT_BUDGET_USED_PCT));
	assert_false(alert_name_is_pct(ALERT_ANOMALY_EXCESS_USD));
	assert_true(alert_name_is_bare(ALERT_ANOMALY));
	assert_false(alert_name_is_bare(ALERT_ANOMALY_SCORE));
	assert_string_equal(alert_entity_text(ALERT_ENTITY_BUDGET), "budget");
}

/* Evaluate expr on f, into o (released by the caller). */
static void
eval_into(const char *expr, const struct alert_facts *f,
    struct alert_outcome *o)
{
	struct alert_rule r;
	char err[512];

	if (alert_parse(expr, &r, err, sizeof(err)) != 0)
		fail_msg("'%s': %s", expr, err);
	alert_eval(&r, f, o);
}

static void
test_budgets(void **state)
{
	struct alert_budget b[3];
	struct alert_facts f;
	struct alert_outcome o;

	(void)state;
	memset(b, 0, sizeof(b));
	memset(&f, 0, sizeof(f));
	b[0].name = "org", b[0].status = "ok";
	b[0].used_pct = unit_dec("40"), b[0].projected_pct = unit_dec("95");
	b[1].name = "ios", b[1].status = "projected_over", b[1].not_ok = 1;
	b[1].used_pct = unit_dec("60"), b[1].projected_pct = unit_dec("120.5");
	b[2].name = "gpu", b[2].status = "warning", b[2].not_ok = 1;
	b[2].used_pct = unit_dec("80"), b[2].projected_pct = unit_dec("99.99");
	f.budgets = b;
	f.nbudgets = 3;
	f.total_credits = unit_dec("5000");

	/* no last day to evaluate them at: not evaluated, and why */
	eval_into("budget", &f, &o);
	assert_false(o.evaluated);
	assert_int_equal(o.why, ALERT_NO_DAY);
	assert_string_equal(alert_unknown_text(o.why), "the period has no "
	    "day to evaluate the budgets and anomalies at (no job runs)");
	alert_outcome_release(&o);

	f.has_budgets = 1;
	/* alone: the budgets not ok, in file order */
	eval_into("budget", &f, &o);
	assert_true(o.evaluated);
	assert_true(o.fired);
	assert_int_equal(o.nmatches, 2);
	assert_int_equal(o.matches[0], 1);
	assert_int_equal(o.matches[1], 2);
	alert_outcome_release(&o);
	/* at and around the value, exact */
	assert_int_equal(eval("budget.projected_pct > 120.5", &f), 0);
	assert_int_equal(eval("budget.projected_pct >= 120.5%", &f), 1);
	assert_int_equal(eval("budget.used_pct < 40", &f), 0);
	assert_int_equal(eval("budget.used_pct <= 40", &f), 1);	/* org, ok */
	/* every budget term for the same budget */
	eval_into("budget.used_pct >= 60 and budget.projected_pct < 100", &f,
	    &o);
	assert_int_equal(o.nmatches, 1);
	assert_int_equal(o.matches[0], 2);
	alert_outcome_release(&o);
	assert_int_equal(eval("budget and budget.used_pct < 60", &f), 0);
	/* a total term must hold too, and its value is kept */
	eval_into("budget.projected_pct > 100 and total_credits > 1000", &f,
	    &o);
	assert_true(o.fired);
	assert_dec_equal(o.value[1], unit_dec("5000"));
	assert_int_equal(o.nmatches, 1);
	assert_int_equal(o.matches[0], 1);
	alert_outcome_release(&o);
	eval_into("budget.projected_pct > 100 and total_credits > 9000", &f,
	    &o);
	assert_true(o.evaluated);
	assert_false(o.fired);
	assert_int_equal(o.nmatches, 0);
	alert_outcome_release(&o);
	/* no budget at all: nothing fires */
	f.nbudgets = 0;
	assert_int_equal(eval("budget.used_pct >= 0", &f), 0);
}

static void
test_anomalies(void **state)
{
	struct alert_anomaly a[4];
	struct alert_facts f;
	struct alert_outcome o;

	(void)state;
	memset(a, 0, sizeof(a));
	memset(&f, 0, sizeof(f));
	a[0].key = "api", a[0].keylen = 3, a[0].kind = "spike", a[0].alarm = 1;
	a[0].excess = unit_dec("20000"), a[0].excess_usd = unit_dec("12");
	a[0].score = 20;
	a[1].key = "new", a[1].keylen = 3, a[1].kind = "new", a[1].alarm = 1;
	a[1].excess = unit_dec("2000"), a[1].excess_usd = unit_dec("1.20");
	a[1].score = NAN;
	a[2].key = "gone", a[2].keylen = 4, a[2].kind = "stopped";
	a[2].excess = unit_dec("-7000"), a[2].excess_usd = unit_dec("-4.20");
	a[2].score = NAN;
	a[3].key = "web", a[3].keylen = 3, a[3].kind = "spike", a[3].alarm = 1;
	a[3].excess = unit_dec("600"), a[3].excess_usd = unit_dec("0.36");
	a[3].score = 4.5;
	f.anomalies = a;
	f.nanomalies = 4;

	assert_int_equal(eval("anomaly", &f), -1);	/* no last day */
	f.has_anomalies = 1;
	/* alone: spikes and new projects; a stopped one is a saving */
	eval_into("anomaly", &f, &o);
	assert_true(o.fired);
	assert_int_equal(o.nmatches, 3);
	assert_int_equal(o.matches[0], 0);
	assert_int_equal(o.matches[1], 1);
	assert_int_equal(o.matches[2], 3);
	alert_outcome_release(&o);
	assert_int_equal(eval("anomaly.excess_credits < 0", &f), 0);
	/* excess in credits and dollars, at the value */
	assert_int_equal(eval("anomaly.excess_usd >= 12", &f), 1);
	assert_int_equal(eval("anomaly.excess_usd > 12", &f), 0);
	eval_into("anomaly and anomaly.excess_credits >= 2000", &f, &o);
	assert_int_equal(o.nmatches, 2);
	assert_int_equal(o.matches[1], 1);
	alert_outcome_release(&o);
	/* a score term never holds for a new project (no score) */
	eval_into("anomaly.score > 0", &f, &o);
	assert_int_equal(o.nmatches, 2);
	assert_int_equal(o.matches[0], 0);
	assert_int_equal(o.matches[1], 3);
	alert_outcome_release(&o);
	assert_int_equal(eval("anomaly.score < 1000000", &f), 1);
	eval_into("anomaly.score >= 4.5 and anomaly.score < 5", &f, &o);
	assert_int_equal(o.nmatches, 1);
	assert_int_equal(o.matches[0], 3);
	alert_outcome_release(&o);
	assert_int_equal(eval("anomaly.score > 4.5 and anomaly.excess_usd < 1",
	    &f), 0);
	/* with a total term */
	f.jobs = 10;
	assert_int_equal(eval("jobs > 10 and anomaly", &f), 0);
	assert_int_equal(eval("jobs >= 10 and anomaly", &f), 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_operators),
		cmocka_unit_test(test_projects),
		cmocka_unit_test(test_text),
		cmocka_unit_test(test_entity_parse),
		cmocka_unit_test(test_budgets),
		cmocka_unit_test(test_anomalies),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
