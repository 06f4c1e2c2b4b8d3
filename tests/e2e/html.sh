#!/bin/sh
# tests/e2e/html.sh BIN [--quick]: `circleci-usage html`: a self-contained
# page (nothing loaded from elsewhere), numbers equal to `report`'s
# (headline, the per-project table, the top jobs), names escaped in the
# markup, the organization in the headline (names from the data, or the
# manifest's org_id), the same bytes twice, --previous (each table's
# previous, change and change % as the two reports', the biggest movers),
# long tables folded to their top 10 rows, usage errors; and, unless
# --quick, the page in headless Chromium (browser.py): no console error,
# no request, the total shown, sorting, filtering and unfolding work, no
# table scrolls sideways at 1400 px, the charts read at 10 px or more on
# a 390 px phone, and screenshots (laptop, phone, dark) saved in
# build/screenshots.
BIN=$1
quick=${2:-}
. "$(dirname "$0")/lib.sh"
HC="python3 $(dirname "$0")/htmlcheck.py"
SHOTS=${SHOTS:-build/screenshots}
WASTE=failed,canceled,timedout,infrastructure_fail

python3 "$(dirname "$0")/../gen/genexport.py" -o "$T/gen" --rows 4000 \
    --parts 2 --seed 21 --days 20 >/dev/null
python3 "$(dirname "$0")/../gen/genexport.py" -o "$T/prev" --rows 1000 \
    --parts 1 --seed 22 --days 20 --start 2026-09-01 >/dev/null

run 0 "$BIN" html -o "$T/p.html" "$T/gen" && [ ! -s "$T/out" ] &&
    ok "html -o FILE" || ko "html -o FILE" "$(cat "$T/err")"
r=$($HC self-contained "$T/p.html") && ok "self-contained: no other file or host" ||
    ko "self-contained: no other file or host" "$r"
"$BIN" report --format json "$T/gen" >"$T/r.json" &&
    "$BIN" report --format json --status $WASTE "$T/gen" >"$T/w.json" &&
    r=$($HC totals "$T/p.html" "$T/r.json" "$T/w.json") &&
    ok "headline: credits, cost, jobs, credits on failed runs as report's" ||
    ko "headline: credits, cost, jobs, credits on failed runs as report's" "$r"
"$BIN" report --format csv "$T/gen" >"$T/proj.csv" &&
    r=$($HC table "$T/p.html" t-projects "$T/proj.csv") &&
    ok "per-project table equals report --by project" ||
    ko "per-project table equals report --by project" "$r"
"$BIN" report --format csv --by job --top 20 "$T/gen" >"$T/job.csv" &&
    r=$($HC table "$T/p.html" t-jobs "$T/job.csv" 3) &&
    ok "top jobs table equals report --by job --top 20" ||
    ko "top jobs table equals report --by job --top 20" "$r"
"$BIN" report --format csv --by resource_class "$T/gen" >"$T/rc.csv" &&
    r=$($HC table "$T/p.html" t-resources "$T/rc.csv") &&
    ok "resource class table equals report --by resource_class" ||
    ko "resource class table equals report --by resource_class" "$r"
contains "$T/p.html" 'id="chart-projects"' && contains "$T/p.html" 'id="chart-days"' &&
    contains "$T/p.html" 'class="seg"' && ok "project and day charts inline" ||
    ko "project and day charts inline"
"$BIN" html "$T/gen" >"$T/p2.html" && cmp -s "$T/p.html" "$T/p2.html" &&
    ok "the same bytes twice (stdout without -o)" || ko "the same bytes twice (stdout without -o)"

printf 'ORGANIZATION_NAME,PROJECT_NAME,WORKFLOW_NAME,JOB_NAME,JOB_ID,JOB_RUN_DATE,JOB_BUILD_STATUS,RESOURCE_CLASS,EXECUTOR,TOTAL_CREDITS\n%s\n%s\n' \
    '"<b>Org</b> & ""co""","</script><script>alert(1)</script>",w,"a&b <i>",1,2026-10-01,failed,large,docker,5' \
    "zeta,\"it's \"\"q\"\"\",w,j,2,2026-10-02,success,medium,docker,1" >"$T/x.csv"
run 0 "$BIN" html -o "$T/x.html" "$T/x.csv" &&
    [ "$(grep -c '</script>' "$T/x.html")" -eq 1 ] && ! grep -q '<i>' "$T/x.html" &&
    ! grep -q '<b>' "$T/x.html" &&
    $HC text "$T/x.html" '</script><script>alert(1)</script>' &&
    $HC text "$T/x.html" 'a&b <i>' && $HC text "$T/x.html" "it's \"q\"" &&
    ok "names from the data escaped in the markup" ||
    ko "names from the data escaped in the markup" "$(cat "$T/err")"
r=$($HC idtext "$T/x.html" h-org '<b>Org</b> & "co" and zeta') &&
    contains "$T/x.html" '&lt;b&gt;Org&lt;/b&gt; &amp; &quot;co&quot; and zeta' &&
    ok "headline: two organizations' names, escaped" ||
    ko "headline: two organizations' names, escaped" "$r"
# the generated export's organizations, most job runs first, as report
# --by org counts them
want=$("$BIN" report --by org --format csv "$T/gen" | python3 -c '
import csv, sys
rows = sorted(csv.DictReader(sys.stdin), key=lambda r: -int(r["jobs"]))
n = [r["org"] for r in rows]
if len(n) == 1: print(n[0])
elif len(n) == 2: print("%s and %s" % tuple(n))
else: print("%s, %s and %d more organization%s" % (n[0], n[1], len(n) - 2,
                                                    "" if len(n) == 3 else "s"))')
r=$($HC idtext "$T/p.html" h-org "$want") &&
    ok "headline: the organizations of the export ($want)" ||
    ko "headline: the organizations of the export" "$r"
mkdir -p "$T/om/w"
printf '%s\n%s\n' \
    PROJECT_NAME,WORKFLOW_NAME,JOB_NAME,JOB_ID,JOB_RUN_DATE,JOB_BUILD_STATUS,RESOURCE_CLASS,EXECUTOR,TOTAL_CREDITS \
    p,w,j,1,2026-10-01,success,medium,docker,1 >"$T/om/w/part-000.csv"
cat >"$T/om/manifest.json" <<JSON
{"org_id": "5f2b9c1e-org", "windows": [{"files": [{"path": "w/part-000.csv"}]}]}
JSON
run 0 "$BIN" html -o "$T/om.html" "$T/om" &&
    r=$($HC idtext "$T/om.html" h-org "org 5f2b9c1e-org") &&
    ok "headline: no ORGANIZATION_NAME, the manifest's org_id" ||
    ko "headline: no ORGANIZATION_NAME, the manifest's org_id" "$r $(cat "$T/err")"

run 0 "$BIN" html --previous "$T/prev" --rightsize -o "$T/pp.html" "$T/gen" &&
    contains "$T/pp.html" "vs the previous period" &&
    contains "$T/pp.html" "previous: 2026-09-01 to" &&
    ok "--previous: the change against the previous period" ||
    ko "--previous: the change against the previous period" "$(cat "$T/err")"
# every table's previous, change and change % against the two reports
"$BIN" report --format csv "$T/prev" >"$T/pproj.csv"
r=$($HC change "$T/pp.html" t-projects "$T/pproj.csv" "$T/proj.csv") &&
    ok "--previous: projects' previous, change, change % as the reports'" ||
    ko "--previous: projects' previous, change, change % as the reports'" "$r"
"$BIN" report --format csv --by job "$T/prev" >"$T/pjob.csv"
r=$($HC change "$T/pp.html" t-jobs "$T/pjob.csv" "$T/job.csv" 3) &&
    ok "--previous: top jobs' change as the reports'" ||
    ko "--previous: top jobs' change as the reports'" "$r"
"$BIN" report --format csv --by resource_class "$T/prev" >"$T/prc.csv"
r=$($HC change "$T/pp.html" t-resources "$T/prc.csv" "$T/rc.csv") &&
    ok "--previous: resource classes' change as the reports'" ||
    ko "--previous: resource classes' change as the reports'" "$r"
r=$($HC table "$T/pp.html" t-projects "$T/proj.csv") &&
    ok "--previous: the projects' credits unchanged by the new columns" ||
    ko "--previous: the projects' credits unchanged by the new columns" "$r"
contains "$T/pp.html" 'id="h-movers"' && ! contains "$T/p.html" 'id="h-movers"' &&
    ok "--previous: the biggest movers in the headline, only then" ||
    ko "--previous: the biggest movers in the headline, only then"
r=$($HC fold "$T/p.html" t-projects) && r=$($HC fold "$T/p.html" t-executors) &&
    r=$($HC fold "$T/pp.html" t-jobs) && r=$($HC fold "$T/pp.html" t-rightsizing) &&
    ok "long tables: the top 10 rows, the rest one click away" ||
    ko "long tables: the top 10 rows, the rest one click away" "$r"
run 0 "$BIN" html --waste-statuses failed -o "$T/f.html" "$T/gen" &&
    "$BIN" report --format json --status failed "$T/gen" >"$T/wf.json" &&
    r=$($HC totals "$T/f.html" "$T/r.json" "$T/wf.json") &&
    ok "--waste-statuses failed" || ko "--waste-statuses failed" "$r"
run 2 "$BIN" html "$T/gen" --waste-statuses , && contains "$T/err" "--waste-statuses" &&
    ok "bad --waste-statuses exits 2" || ko "bad --waste-statuses exits 2"
run 2 "$BIN" html && contains "$T/err" "no input" && ok "html without input exits 2" ||
    ko "html without input exits 2"
run 3 "$BIN" html -o "$T/m.html" "$T/missing" && [ ! -e "$T/m.html" ] &&
    ok "missing input exits 3, no page" || ko "missing input exits 3, no page"

if [ -z "$quick" ]; then
	if command -v chromium >/dev/null 2>&1; then
		total=$(python3 -c 'import json, sys
print(json.load(open(sys.argv[1]))["totals"]["total_credits"])' "$T/r.json")
		python3 "$(dirname "$0")/browser.py" "$T/p.html" "$total" \
		    "$SHOTS" "$T/pp.html" >"$T/browser.log" 2>&1
		cat "$T/browser.log"
		pass=$((pass + $(grep -c '^PASS' "$T/browser.log")))
		fail=$((fail + $(grep -c '^FAIL' "$T/browser.log")))
		grep -q '^[0-9]* passed' "$T/browser.log" ||
		    ko "browser.py ran to its end"
	else
		ko "headless Chromium" "chromium is not installed (sh scripts/deps.sh check)"
	fi
fi

finish
