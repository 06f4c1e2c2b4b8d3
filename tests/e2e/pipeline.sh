#!/bin/sh
# tests/e2e/pipeline.sh BIN [--quick]: the weekly pipeline's commands.
#
# compare: exact deltas against two `report --format json` runs for
#   several --by keys, with groups on one side only (new and gone: two
#   generated exports with different seeds and weeks, and a --project
#   filter); CSV equal to JSON; table and markdown; --min-change and --top;
#   -o atomic; run directories read through export/ (report and compare);
#   errors naming the option or the file, with their exit codes.
# Data: tests/gen/genexport.py, two seeds and date ranges.
BIN=$1
quick=${2:-}
here=$(dirname "$0")
. "$here/lib.sh"
GEN="$here/../gen/genexport.py"
CHECK="python3 $here/pipecheck.py"

rows=4000
[ -n "$quick" ] && rows=1500
python3 "$GEN" -o "$T/prev" --rows "$rows" --parts 2 --seed 11 \
    --start 2026-10-05 --days 7 --dup-rows 5 >/dev/null ||
    ko "generate the previous week"
python3 "$GEN" -o "$T/cur" --rows "$rows" --parts 3 --seed 12 \
    --start 2026-10-12 --days 7 --tricky-names >/dev/null ||
    ko "generate the current week"

# -- compare: exact deltas against report, key by key
for by in project job resource_class project,status day; do
	"$BIN" report --by "$by" --format json "$T/prev" >"$T/p.json" &&
	"$BIN" report --by "$by" --format json "$T/cur" >"$T/c.json" &&
	run 0 "$BIN" compare --by "$by" --format json "$T/prev" "$T/cur" &&
	    $CHECK compare "$T/p.json" "$T/c.json" "$T/out" >"$T/why" 2>&1 &&
	    ok "compare --by $by: exact deltas against report ($(cat "$T/why"))" ||
	    ko "compare --by $by: exact deltas against report" "$(cat "$T/why" "$T/err")"
done
# days never overlap: every day is new or gone
grep -q '"trend": "up"' "$T/out" && ko "--by day: only new and gone" ||
    ok "--by day: only new and gone"

# filters apply to both sides, as report applies them
"$BIN" report --format json --project '[a-m]*' --status success "$T/prev" >"$T/p.json"
"$BIN" report --format json --project '[a-m]*' --status success "$T/cur" >"$T/c.json"
run 0 "$BIN" compare --format json --project '[a-m]*' --status success "$T/prev" "$T/cur" &&
    $CHECK compare "$T/p.json" "$T/c.json" "$T/out" >"$T/why" 2>&1 &&
    ok "--project and --status on both sides ($(cat "$T/why"))" ||
    ko "--project and --status on both sides" "$(cat "$T/why")"
# an export against itself: every group the same
run 0 "$BIN" compare --format csv "$T/prev" "$T/prev" &&
    [ "$(cut -d, -f4- "$T/out" | sort -u | tr '\n' ' ')" = "0,0.00,same change_credits,change_pct,trend " ] &&
    ok "an export against itself: all same" || ko "an export against itself: all same" "$(head -3 "$T/out")"
# different seeds and weeks: projects that exist on one side only
run 0 "$BIN" compare --format json "$T/prev" "$T/cur" &&
    grep -q '"trend": "new"' "$T/out" && grep -q '"trend": "gone"' "$T/out" &&
    grep -q '"change_pct": null, "trend": "new"' "$T/out" &&
    grep -q '"change_pct": -100.00, "trend": "gone"' "$T/out" &&
    ok "new groups have no change_pct, gone ones -100" ||
    ko "new groups have no change_pct, gone ones -100" "$(head -c 600 "$T/out")"

# -- formats
run 0 "$BIN" compare --format csv "$T/prev" "$T/cur" && cp "$T/out" "$T/cmp.csv" &&
    head -1 "$T/cmp.csv" | grep -qx 'project,previous_credits,current_credits,change_credits,change_pct,trend' &&
    ok "csv header" || ko "csv header" "$(head -1 "$T/out")"
"$BIN" compare --format json "$T/prev" "$T/cur" >"$T/cmp.json"
$CHECK csv-json "$T/cmp.csv" "$T/cmp.json" 2>"$T/why" &&
    ok "csv holds the json's rows exactly" || ko "csv holds the json's rows exactly" "$(cat "$T/why")"
run 0 "$BIN" compare "$T/prev" "$T/cur" && cmp -s "$T/out" "$T/cmp.csv" &&
    ok "csv is the default off a terminal" || ko "csv is the default off a terminal"
run 0 "$BIN" compare --format table "$T/prev" "$T/cur" &&
    contains "$T/out" '^CircleCI usage by project: 2026-10-12 to 2026-10-18 against 2026-10-05 to 2026-10-11$' &&
    contains "$T/out" '^TOTAL ' && contains "$T/out" ' new$' &&
    ! grep -q "$(printf '\033')" "$T/out" &&
    ok "table: periods, TOTAL, trends, no escape sequence" ||
    ko "table: periods, TOTAL, trends, no escape sequence" "$(head -5 "$T/out")"
run 0 "$BIN" compare --format markdown "$T/prev" "$T/cur" &&
    contains "$T/out" '^| project ' && contains "$T/out" '^| :---' &&
    contains "$T/out" '| \*\*TOTAL\*\* ' &&
    ok "markdown table" || ko "markdown table"
run 0 "$BIN" compare -o "$T/cmp2.json" "$T/prev" "$T/cur" && [ ! -s "$T/out" ] &&
    cmp -s "$T/cmp2.json" "$T/cmp.json" && ok "-o FILE.json: the format from the name" ||
    ko "-o FILE.json: the format from the name"
run 0 "$BIN" compare -o "$T/cmp2.md" "$T/prev" "$T/cur" &&
    contains "$T/cmp2.md" '^| project ' && ok "-o FILE.md: markdown" ||
    ko "-o FILE.md: markdown"

# -- --min-change and --top
"$BIN" report --format json "$T/prev" >"$T/p.json"
"$BIN" report --format json "$T/cur" >"$T/c.json"
for mc in 1000 25000.5 0.000001; do
	run 0 "$BIN" compare --format json --min-change "$mc" "$T/prev" "$T/cur" &&
	    $CHECK compare "$T/p.json" "$T/c.json" "$T/out" --min-change "$mc" \
	    >"$T/why" 2>&1 && ok "--min-change $mc ($(cat "$T/why"))" ||
	    ko "--min-change $mc" "$(cat "$T/why")"
done
run 0 "$BIN" compare --format json --min-change 1000000000 "$T/prev" "$T/cur" &&
    contains "$T/out" '"rows": \[\],' && ok "--min-change above every change: no rows" ||
    ko "--min-change above every change: no rows"
run 0 "$BIN" compare --format json --top 5 "$T/prev" "$T/cur" &&
    $CHECK compare "$T/p.json" "$T/c.json" "$T/out" --top 5 2>"$T/why" >/dev/null &&
    contains "$T/out" '"project": "(other)"' && ok "--top 5 folds the rest into (other)" ||
    ko "--top 5 folds the rest into (other)" "$(cat "$T/why")"
run 0 "$BIN" compare --format json --top 3 --min-change 5000 "$T/prev" "$T/cur" &&
    $CHECK compare "$T/p.json" "$T/c.json" "$T/out" --top 3 --min-change 5000 \
    2>"$T/why" >/dev/null && ok "--min-change then --top" ||
    ko "--min-change then --top" "$(cat "$T/why")"

# -- run directories: read through export/ (report and compare)
mkrun() {
	mkdir -p "$1/export/w" "$1/previous"
	cp "$2"/part-*.csv.gz "$1/export/w/"
	(cd "$1/export" && printf '{"version": 1, "complete": true, "windows": [{"files": [%s]}]}\n' \
	    "$(ls w | sed 's/.*/{"path": "w\/&", "done": true}/' | paste -sd, -)" >manifest.json)
	cp "$T/cmp.csv" "$1/by-project.csv"	# a report, not data
	echo '{}' >"$1/run.json"
}
mkrun "$T/run1" "$T/prev"
mkrun "$T/run2" "$T/cur"
"$BIN" report --format csv "$T/prev" >"$T/want.csv"
run 0 "$BIN" report --format csv "$T/run1" && cmp -s "$T/out" "$T/want.csv" &&
    ok "report RUNDIR reads its export/" || ko "report RUNDIR reads its export/" "$(cat "$T/err")"
run 0 "$BIN" compare --format csv "$T/run1" "$T/run2" && cmp -s "$T/out" "$T/cmp.csv" &&
    ok "compare RUNDIR RUNDIR" || ko "compare RUNDIR RUNDIR" "$(cat "$T/err")"
run 0 "$BIN" compare --format csv "$T/run1" "$T/run2/export" && cmp -s "$T/out" "$T/cmp.csv" &&
    ok "compare RUNDIR EXPORTDIR" || ko "compare RUNDIR EXPORTDIR"

# -- a single file on each side, and stdin on one
p0=$(ls "$T/prev"/part-*.csv.gz | head -1)
c0=$(ls "$T/cur"/part-*.csv.gz | head -1)
"$BIN" report --format json "$p0" >"$T/p.json"
"$BIN" report --format json "$c0" >"$T/c.json"
run 0 "$BIN" compare --format json "$p0" - <"$c0" &&
    $CHECK compare "$T/p.json" "$T/c.json" "$T/out" >/dev/null 2>"$T/why" &&
    ok "single files, one on stdin" || ko "single files, one on stdin" "$(cat "$T/why" "$T/err")"

# -- errors: one line naming the option or the file; exit codes
run 2 "$BIN" compare "$T/prev" && contains "$T/err" "expected two inputs, PREVIOUS and CURRENT, got 1" &&
    ok "one input: exit 2" || ko "one input: exit 2" "$(cat "$T/err")"
run 2 "$BIN" compare "$T/prev" "$T/cur" "$T/cur" && contains "$T/err" "got 3" &&
    ok "three inputs: exit 2" || ko "three inputs: exit 2"
run 2 "$BIN" compare --min-change abc "$T/prev" "$T/cur" &&
    contains "$T/err" "compare: --min-change: expected credits" && contains "$T/err" "'abc'" &&
    ok "bad --min-change: exit 2 naming it" || ko "bad --min-change: exit 2 naming it" "$(cat "$T/err")"
run 2 "$BIN" compare --min-change -5 "$T/prev" "$T/cur" && contains "$T/err" "--min-change" &&
    ok "negative --min-change: exit 2" || ko "negative --min-change: exit 2"
run 2 "$BIN" compare --top 0 "$T/prev" "$T/cur" && contains "$T/err" "--top" &&
    ok "--top 0: exit 2" || ko "--top 0: exit 2"
run 2 "$BIN" compare --format xml "$T/prev" "$T/cur" && contains "$T/err" "--format" &&
    ok "bad --format: exit 2" || ko "bad --format: exit 2"
run 2 "$BIN" compare --by nope "$T/prev" "$T/cur" && contains "$T/err" "--by: unknown key 'nope'" &&
    ok "bad --by: exit 2" || ko "bad --by: exit 2"
run 2 "$BIN" compare --since 2026-02-30 "$T/prev" "$T/cur" && contains "$T/err" "compare: --since" &&
    ok "bad --since: exit 2" || ko "bad --since: exit 2"
run 2 "$BIN" compare - - </dev/null && contains "$T/err" "standard input" &&
    ok "stdin on both sides: exit 2" || ko "stdin on both sides: exit 2"
run 2 "$BIN" compare --bogus "$T/prev" "$T/cur" && ok "unknown option: exit 2" ||
    ko "unknown option: exit 2"
run 3 "$BIN" compare "$T/prev" "$T/nowhere" && contains "$T/err" "nowhere" &&
    [ "$(wc -l <"$T/err")" -eq 1 ] && ok "missing CURRENT: exit 3, one line naming it" ||
    ko "missing CURRENT: exit 3, one line naming it" "$(cat "$T/err")"
head -c 300 "$c0" >"$T/trunc.csv.gz"
echo "keep me" >"$T/keep.csv"
run 3 "$BIN" compare -o "$T/keep.csv" "$T/trunc.csv.gz" "$T/cur" &&
    contains "$T/err" "trunc.csv.gz" && [ "$(cat "$T/keep.csv")" = "keep me" ] &&
    ok "corrupt PREVIOUS: exit 3 naming it, -o FILE untouched" ||
    ko "corrupt PREVIOUS: exit 3 naming it, -o FILE untouched" "$(cat "$T/err")"
run 1 "$BIN" compare -o "$T/no/such/dir/x.csv" "$T/prev" "$T/cur" &&
    contains "$T/err" "no/such/dir" && ok "unwritable -o: exit 1 naming it" ||
    ko "unwritable -o: exit 1 naming it" "$(cat "$T/err")"
run 0 "$BIN" compare --help && contains "$T/out" "usage: circleci-usage compare" &&
    ok "compare --help" || ko "compare --help"
[ -z "$(ls "$T" | grep '\.tmp\.')" ] && ok "no temporary file left" ||
    ko "no temporary file left"

finish
