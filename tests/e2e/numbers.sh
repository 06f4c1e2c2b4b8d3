#!/bin/sh
# tests/e2e/numbers.sh BIN: sums, products and percentages at their limits
# (issue 15, class 4).  A value read has at most 15 digits before the point
# and every sum, cost, change or share is at most 10^20 (README, "Exact
# numbers"); past either, every command exits 3 naming the file, the line
# and the column (a sum: the row whose addition passes), never a wrapped
# number.  Covers: the issue's 3 and 4 rows of a 20-digit value; values at
# the limit (exact) and one past it, in TOTAL_CREDITS and in an optional
# column; 200000 rows of the largest value (the row that passes is named,
# the same with 1 or 2 threads); two files that fit alone but not
# together; a --credit-price whose cost passes 10^20 (report, failures,
# chargeback, html); compare's change past 10^20 and a percentage past it
# (empty, not garbage); ingest of such values and rows, a second ingest
# whose daily sum passes, and report --db over a database whose rows add
# up past 10^20.
BIN=$1
. "$(dirname "$0")/lib.sh"

H='PROJECT_NAME,WORKFLOW_NAME,JOB_NAME,JOB_ID,JOB_RUN_DATE,JOB_BUILD_STATUS,RESOURCE_CLASS,EXECUTOR,TOTAL_CREDITS,COMPUTE_CREDITS,JOB_RUN_SECONDS'
MAX=999999999999999.999999999999999999
BIG=99999999999999999999.999999999999999999

# rows FILE N VALUE [FIRST_ID] [DAY] [STATUS]: a part of N rows
rows() {
	python3 - "$@" <<'EOF'
import sys
path, n, v = sys.argv[1], int(sys.argv[2]), sys.argv[3]
first = int(sys.argv[4]) if len(sys.argv) > 4 else 0
day = sys.argv[5] if len(sys.argv) > 5 else "2026-10-01"
status = sys.argv[6] if len(sys.argv) > 6 else "success"
with open(path, "w") as f:
    f.write("PROJECT_NAME,WORKFLOW_NAME,JOB_NAME,JOB_ID,JOB_RUN_DATE,"
            "JOB_BUILD_STATUS,RESOURCE_CLASS,EXECUTOR,"
            "TOTAL_CREDITS,COMPUTE_CREDITS,JOB_RUN_SECONDS\n")
    for i in range(first, first + n):
        f.write("infra-api,build,test,00000000-0000-4000-8000-%012d,%s,%s,"
                "medium,docker,%s,1,60\n"
                % (i, day, status, v))
EOF
}

rows "$T/issue3.csv" 3 "$BIG"
rows "$T/issue4.csv" 4 "$BIG"
rows "$T/max.csv" 1 "$MAX"
rows "$T/many.csv" 200000 "$MAX"
rows "$T/a.csv" 100000 "$MAX" 0
rows "$T/b.csv" 100000 "$MAX" 100000
rows "$T/neg.csv" 100000 "-$MAX" 0
rows "$T/tiny.csv" 1 0.000000000000000001
rows "$T/fail.csv" 1 "$MAX" 0 2026-10-01 failed

# -- the issue: 3 and 4 rows of a 20-digit value
for n in 3 4; do
	run 3 "$BIN" report "$T/issue$n.csv" &&
	    contains "$T/err" "issue$n.csv:2: TOTAL_CREDITS: too large" &&
	    [ ! -s "$T/out" ] &&
	    ok "report: $n rows of a 20-digit value: exit 3, file:line: column" ||
	    ko "report: $n rows of a 20-digit value: exit 3, file:line: column" \
	    "status $status: $(head -c 300 "$T/err") $(tail -c 200 "$T/out")"
done
for cmd in failures html; do
	run 3 "$BIN" $cmd -o "$T/o.$cmd" "$T/issue3.csv" &&
	    contains "$T/err" "issue3.csv:2: TOTAL_CREDITS: too large" &&
	    [ ! -e "$T/o.$cmd" ] && ok "$cmd: the issue's rows: exit 3" ||
	    ko "$cmd: the issue's rows: exit 3" "status $status"
done

# -- the limit: 15 digits before the point, exact; one more is refused
run 0 "$BIN" report --format csv "$T/max.csv" &&
    contains "$T/out" ",$MAX,600000000000.00,100.00" &&
    ok "report: the largest value is exact" ||
    ko "report: the largest value is exact" "$(cat "$T/out" "$T/err")"
for v in 1000000000000000 -1000000000000000 1e15 \
    999999999999999.9999999999999999995 123456789012345678901; do
	rows "$T/over.csv" 2 "$v"
	run 3 "$BIN" report "$T/over.csv" &&
	    contains "$T/err" "over.csv:2: TOTAL_CREDITS: too large" &&
	    ok "report: $v is refused (exit 3), not skipped" ||
	    ko "report: $v is refused (exit 3), not skipped" "status $status"
done
printf '%s\n%s\n' "$H" \
    "infra-api,build,test,00000000-0000-4000-8000-000000000001,2026-10-01,success,medium,docker,1,1e20,60" \
    >"$T/opt.csv"
run 3 "$BIN" report "$T/opt.csv" &&
    contains "$T/err" "opt.csv:2: COMPUTE_CREDITS: too large" &&
    ok "report: an optional column too large: exit 3, not counted as 0" ||
    ko "report: an optional column too large: exit 3, not counted as 0" \
    "status $status"
printf '%s\n%s\n' "$H" \
    "infra-api,build,test,00000000-0000-4000-8000-000000000001,2026-10-01,success,medium,docker,1,1,1e16" \
    >"$T/secs.csv"
run 3 "$BIN" report "$T/secs.csv" &&
    contains "$T/err" "secs.csv:2: JOB_RUN_SECONDS: too large" &&
    ok "report: JOB_RUN_SECONDS too large: exit 3" ||
    ko "report: JOB_RUN_SECONDS too large: exit 3" "status $status"

# -- many rows: the row whose addition passes 10^20 is named
for th in 1 2; do
	run 3 "$BIN" report --threads "$th" "$T/many.csv" &&
	    contains "$T/err" "many.csv:100002: TOTAL_CREDITS: the values add up" &&
	    [ ! -s "$T/out" ] &&
	    ok "report --threads $th: 200000 rows of the largest value: row 100002 named" ||
	    ko "report --threads $th: 200000 rows of the largest value: row 100002 named" \
	    "status $status: $(head -c 300 "$T/err") $(tail -c 200 "$T/out")"
done
run 0 "$BIN" report --format csv "$T/a.csv" &&
    contains "$T/out" ",99999999999999999999.9999999999999," &&
    ok "report: 100000 rows of the largest value fit, exactly" ||
    ko "report: 100000 rows of the largest value fit, exactly" \
    "$(tail -c 300 "$T/out") $(cat "$T/err")"
for th in 1 2; do
	run 3 "$BIN" report --threads "$th" "$T/a.csv" "$T/b.csv" &&
	    contains "$T/err" "b.csv: TOTAL_CREDITS: with the files before it" &&
	    [ ! -s "$T/out" ] &&
	    ok "report --threads $th: two files that fit alone but not together: exit 3" ||
	    ko "report --threads $th: two files that fit alone but not together: exit 3" \
	    "status $status: $(head -c 300 "$T/err") $(tail -c 200 "$T/out")"
done
run 3 "$BIN" report "$T/a.csv" "$T/neg.csv" &&
    contains "$T/err" "neg.csv: TOTAL_CREDITS: with the files before it" &&
    ok "report: signs cannot hide 2 * 10^20 of credits" ||
    ko "report: signs cannot hide 2 * 10^20 of credits" "status $status"

# -- cost = credits x --credit-price past 10^20
for p in 1000000 999999999999999; do
	run 3 "$BIN" report --credit-price "$p" "$T/max.csv" &&
	    contains "$T/err" "credit-price" && [ ! -s "$T/out" ] &&
	    ok "report --credit-price $p: a cost past 10^20 is exit 3, not 0" ||
	    ko "report --credit-price $p: a cost past 10^20 is exit 3, not 0" \
	    "status $status: $(cat "$T/out" "$T/err")"
done
run 0 "$BIN" report --credit-price 100000 --format csv "$T/max.csv" &&
    contains "$T/out" ",100000000000000000000.00,100.00" &&
    ok "report: a cost of exactly 10^20 fits" ||
    ko "report: a cost of exactly 10^20 fits" "$(cat "$T/out" "$T/err")"
run 3 "$BIN" failures --credit-price 1000000 "$T/fail.csv" &&
    contains "$T/err" "credit-price" &&
    ok "failures --credit-price: a cost past 10^20 is exit 3" ||
    ko "failures --credit-price: a cost past 10^20 is exit 3" \
    "status $status: $(cat "$T/out" "$T/err")"
run 3 "$BIN" html --credit-price 1000000 -o "$T/p.html" "$T/max.csv" &&
    contains "$T/err" "credit-price" && [ ! -e "$T/p.html" ] &&
    ok "html --credit-price: a cost past 10^20 is exit 3, no page" ||
    ko "html --credit-price: a cost past 10^20 is exit 3, no page" \
    "status $status: $(cat "$T/err")"
printf 'teams:\n  platform: ["infra-*"]\n' >"$T/teams.yaml"
run 3 "$BIN" chargeback --teams "$T/teams.yaml" --credit-price 1000000 \
    "$T/max.csv" && contains "$T/err" "credit-price" &&
    ok "chargeback --credit-price: a cost past 10^20 is exit 3" ||
    ko "chargeback --credit-price: a cost past 10^20 is exit 3" \
    "status $status: $(cat "$T/out" "$T/err")"
run 3 "$BIN" chargeback --teams "$T/teams.yaml" "$T/many.csv" &&
    contains "$T/err" "many.csv:100002: TOTAL_CREDITS" &&
    ok "chargeback: rows past 10^20: exit 3 naming the row" ||
    ko "chargeback: rows past 10^20: exit 3 naming the row" "status $status"
run 3 "$BIN" failures "$T/many.csv" &&
    contains "$T/err" "many.csv:100002: TOTAL_CREDITS" &&
    ok "failures: rows past 10^20: exit 3 naming the row" ||
    ko "failures: rows past 10^20: exit 3 naming the row" "status $status"

# -- compare: a change past 10^20; a percentage past 10^20 % is empty
run 3 "$BIN" compare "$T/neg.csv" "$T/a.csv" &&
    contains "$T/err" "change from" && [ ! -s "$T/out" ] &&
    ok "compare: a change of 2 * 10^20 is exit 3, not wrapped" ||
    ko "compare: a change of 2 * 10^20 is exit 3, not wrapped" \
    "status $status: $(cat "$T/out" "$T/err")"
run 0 "$BIN" compare --format csv "$T/tiny.csv" "$T/max.csv" &&
    contains "$T/out" "^infra-api,0.000000000000000001,$MAX,999999999999999.999999999999999998,,up" &&
    ok "compare: a percentage past 10^20 % is left empty" ||
    ko "compare: a percentage past 10^20 % is left empty" \
    "$(cat "$T/out" "$T/err")"
run 3 "$BIN" compare "$T/issue3.csv" "$T/max.csv" &&
    contains "$T/err" "issue3.csv:2: TOTAL_CREDITS: too large" &&
    ok "compare: a value too large: exit 3 naming it" ||
    ko "compare: a value too large: exit 3 naming it" "status $status"

# -- ingest and report --db
DB="$T/h.db"
run 3 "$BIN" ingest --db "$DB" "$T/issue3.csv" &&
    contains "$T/err" "issue3.csv:2: TOTAL_CREDITS: too large" &&
    ok "ingest: a value too large: exit 3 naming it" ||
    ko "ingest: a value too large: exit 3 naming it" "status $status: $(cat "$T/err")"
run 3 "$BIN" ingest --db "$DB" "$T/opt.csv" &&
    contains "$T/err" "opt.csv:2: COMPUTE_CREDITS: too large" &&
    ok "ingest: an optional value too large: exit 3 naming it" ||
    ko "ingest: an optional value too large: exit 3 naming it" "status $status"
run 3 "$BIN" ingest --db "$DB" "$T/many.csv" &&
    contains "$T/err" "many.csv:100002: TOTAL_CREDITS: the values add up" &&
    ok "ingest: rows past 10^20: exit 3 naming the row" ||
    ko "ingest: rows past 10^20: exit 3 naming the row" "status $status: $(cat "$T/err")"
run 0 "$BIN" ingest --db "$DB" "$T/a.csv" &&
    run 3 "$BIN" ingest --db "$DB" "$T/b.csv" &&
    contains "$T/err" "table daily, row [0-9]*: TOTAL_CREDITS: with this ingest" &&
    ok "ingest: a daily sum past 10^20 with the stored one: exit 3" ||
    ko "ingest: a daily sum past 10^20 with the stored one: exit 3" \
    "status $status: $(cat "$T/err")"
run 0 "$BIN" report --db "$DB" --format csv &&
    contains "$T/out" ",99999999999999999999.9999999999999," &&
    ok "report --db: the stored sum, exact (the refused ingest left nothing)" ||
    ko "report --db: the stored sum, exact (the refused ingest left nothing)" \
    "$(cat "$T/out" "$T/err")"
# in the next month: no roll-up of the ingest passes 10^20 (a sum by
# month with October's would: the next test), but a report over both
# months does
rows "$T/m.csv" 100000 "$MAX" 100000 2026-10-02
run 3 "$BIN" ingest --db "$DB" "$T/m.csv" &&
    contains "$T/err" "table monthly[a-z_]*, row [0-9]*: TOTAL_CREDITS: with this ingest" &&
    ok "ingest: a monthly sum past 10^20 with the stored one: exit 3" ||
    ko "ingest: a monthly sum past 10^20 with the stored one: exit 3" \
    "status $status: $(cat "$T/err")"
rows "$T/c.csv" 100000 "$MAX" 100000 2026-11-02
run 0 "$BIN" ingest --db "$DB" "$T/c.csv" &&
    run 3 "$BIN" report --db "$DB" &&
    contains "$T/err" "table [a-z_]*, row [0-9]*: TOTAL_CREDITS: the values add up" &&
    [ ! -s "$T/out" ] &&
    ok "report --db: stored rows that add up past 10^20: exit 3 naming one" ||
    ko "report --db: stored rows that add up past 10^20: exit 3 naming one" \
    "status $status: $(cat "$T/err") $(tail -c 200 "$T/out")"
run 3 "$BIN" report --db "$DB" --by branch &&
    contains "$T/err" "table daily_branch, row [0-9]*: TOTAL_CREDITS" &&
    ok "report --db --by branch (its roll-up): the same, naming the row" ||
    ko "report --db --by branch (its roll-up): the same, naming the row" \
    "status $status: $(cat "$T/err")"
run 3 "$BIN" report --db "$DB" --by job,branch &&
    contains "$T/err" "table job_runs, row [0-9]*: TOTAL_CREDITS" &&
    ok "report --db --by job,branch (job runs): the same, naming the row" ||
    ko "report --db --by job,branch (job runs): the same, naming the row" \
    "status $status: $(cat "$T/err")"
# a stored sum that is not a number, or past 10^20: an error, not 0
for v in abc 1e21 -100000000000000000000.000000000000000001; do
	rm -f "$T/s.db"
	"$BIN" ingest --db "$T/s.db" "$T/max.csv" >/dev/null 2>&1
	python3 -c 'import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
for t in ("daily", "daily_project", "monthly", "monthly_class",
          "monthly_job"):
    c.execute("UPDATE %s SET total_credits = ?" % t, (sys.argv[2],))
c.commit()' "$T/s.db" "$v"
	run 3 "$BIN" report --db "$T/s.db" &&
	    contains "$T/err" "table [a-z_]*, row 1: total_credits: not a number" &&
	    [ ! -s "$T/out" ] &&
	    ok "report --db: a stored total '$v' is exit 3, not read as 0" ||
	    ko "report --db: a stored total '$v' is exit 3, not read as 0" \
	    "status $status: $(cat "$T/out" "$T/err")"
done
finish
