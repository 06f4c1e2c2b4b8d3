#!/bin/sh
# tests/e2e/teams.sh BIN [--quick]: teams files and chargeback.
#
# chargeback: per-team sums equal the sums of their projects from `report
#   --by project` (rules in file order, first match wins, (unassigned));
#   totals equal report's to the last digit in every mode; shared costs
#   (job runs without a PROJECT_NAME) spread proportionally and evenly in
#   hundredths that add up exactly, or kept as (shared); every format;
#   -o atomic.
# --by team: report (CSV, JSON, table, markdown, SVG chart), compare
#   (exact deltas against two reports), html (team and chargeback
#   sections), notify slack --by team, run --teams (by-team.csv|json);
#   CIRCLECI_USAGE_TEAMS; no teams file is a usage error.
# Malformed teams files: exit 2, the file and the line number, what was
#   expected.
# Data: tests/gen/genexport.py, and a part with PROJECT_NAME emptied.
BIN=$1
quick=${2:-}
here=$(dirname "$0")
. "$here/lib.sh"
GEN="$here/../gen/genexport.py"
TC="/usr/bin/python3 $here/teamcheck.py"

rows=6000
[ -n "$quick" ] && rows=2000
python3 "$GEN" -o "$T/exp" --rows "$rows" --parts 3 --seed 21 \
    --dup-rows 5 >/dev/null || ko "generate the export"
python3 "$GEN" -o "$T/prev" --rows "$rows" --parts 2 --seed 22 \
    --start 2026-09-01 >/dev/null || ko "generate the previous export"
# shared costs: a part of its own whose PROJECT_NAME is empty
python3 "$GEN" -o "$T/sharedgen" --rows 60 --parts 1 --seed 23 --plain \
    >/dev/null || ko "generate the shared part"
python3 - "$T/sharedgen" "$T/shared.csv" <<'EOF' || ko "write the shared part"
import csv, glob, sys
src = glob.glob(sys.argv[1] + "/*.csv")[0]
rows = list(csv.reader(open(src, newline="")))
i = [c.strip().upper() for c in rows[0]].index("PROJECT_NAME")
for r in rows[1:]:
    r[i] = ""
csv.writer(open(sys.argv[2], "w", newline="")).writerows(rows)
EOF

# sdk-go matches sdk first: `go` has load-tests only
cat >"$T/teams.yaml" <<'EOF'
# who pays for what
teams:
  platform: [infra-*, ci-images, k8s-manifests, "terraform-*", helm-charts]
  mobile:
    - "ios-*"
    - mobile-ios
    - "android-*"
    - tv-app
  sdk: ["sdk-*"]
  go: [sdk-go, load-tests]
  ml: [ml-recommender, gpu-inference, fraud-model]
  services: ["*-service"]
EOF
TEAMS="$T/teams.yaml"

# -- chargeback against report --by project
"$BIN" report --by project --format json "$T/exp" >"$T/proj.json"
"$BIN" report --format json "$T/exp" "$T/shared.csv" >"$T/all.json"
"$BIN" report --by project --format json "$T/exp" "$T/shared.csv" \
    >"$T/projall.json"
run 0 "$BIN" chargeback --teams "$TEAMS" --format json "$T/exp" &&
    $TC sums "$TEAMS" "$T/proj.json" "$T/out" >"$T/why" 2>&1 &&
    ok "chargeback: each team is the sum of its projects ($(cat "$T/why"))" ||
    ko "chargeback: each team is the sum of its projects" "$(cat "$T/why" "$T/err")"
run 0 "$BIN" chargeback --teams "$TEAMS" --shared-costs none --format json \
    "$T/exp" "$T/shared.csv" &&
    $TC sums "$TEAMS" "$T/projall.json" "$T/out" >"$T/why" 2>&1 &&
    ok "--shared-costs none: a (shared) row ($(cat "$T/why"))" ||
    ko "--shared-costs none: a (shared) row" "$(cat "$T/why" "$T/err")"
grep -q '"team": "go"' "$T/out" && grep -q '"team": "(unassigned)"' "$T/out" &&
    "$BIN" report --teams "$TEAMS" --by team,project --format csv "$T/exp" |
    grep -q '^sdk,sdk-go,' &&
    ok "first match wins: sdk-go is sdk's, load-tests go's" ||
    ko "first match wins"
"$BIN" report --by team --teams "$TEAMS" --format json "$T/exp" \
    "$T/shared.csv" >"$T/team.json"
for mode in proportional even none; do
	run 0 "$BIN" chargeback --teams "$TEAMS" --shared-costs "$mode" \
	    --format json "$T/exp" "$T/shared.csv" &&
	    $TC totals "$T/all.json" "$T/out" >"$T/why" 2>&1 &&
	    ok "--shared-costs $mode: totals equal report's ($(cat "$T/why"))" ||
	    ko "--shared-costs $mode: totals equal report's" "$(cat "$T/why" "$T/err")"
	[ "$mode" = none ] && continue
	cp "$T/out" "$T/cb-$mode.json"
	$TC spread "$mode" "$T/team.json" "$T/out" >"$T/why" 2>&1 &&
	    ok "--shared-costs $mode: $(cat "$T/why")" ||
	    ko "--shared-costs $mode: spread exactly" "$(cat "$T/why")"
done
# the default is proportional
run 0 "$BIN" chargeback --teams "$TEAMS" --format json "$T/exp" \
    "$T/shared.csv" && cmp -s "$T/out" "$T/cb-proportional.json" &&
    ok "the default is --shared-costs proportional" ||
    ko "the default is --shared-costs proportional"

# -- formats and output
run 0 "$BIN" chargeback --teams "$TEAMS" --format csv "$T/exp" &&
    head -n 1 "$T/out" | grep -q '^team,jobs,run_seconds,.*,share_pct,projects$' &&
    [ "$(wc -l <"$T/out")" -eq 8 ] &&
    ok "CSV: team, report's metrics, projects; a row per team" ||
    ko "CSV columns" "$(head -n 2 "$T/out")"
run 0 "$BIN" chargeback --teams "$TEAMS" --format table "$T/exp" &&
    grep -q '^TOTAL ' "$T/out" && grep -q 'projects' "$T/out" &&
    grep -q '^(unassigned) ' "$T/out" &&
    ok "table: a TOTAL row and projects" || ko "table" "$(cat "$T/out")"
run 0 "$BIN" chargeback --teams "$TEAMS" -o "$T/cb.md" "$T/exp" &&
    grep -q '^| team ' "$T/cb.md" && grep -q '| \*\*TOTAL\*\* ' "$T/cb.md" &&
    ok "-o x.md writes markdown" || ko "-o x.md writes markdown"
printf 'teams:\n  a: b\n' >"$T/bad.yaml"
echo keep >"$T/keep.csv"
run 2 "$BIN" chargeback --teams "$T/bad.yaml" -o "$T/keep.csv" "$T/exp" &&
    [ "$(cat "$T/keep.csv")" = keep ] &&
    ok "a failed chargeback leaves -o FILE as it was" ||
    ko "a failed chargeback leaves -o FILE as it was"
run 2 "$BIN" chargeback "$T/exp" && contains "$T/err" "no teams file" &&
    ok "chargeback without a teams file: exit 2" ||
    ko "chargeback without a teams file" "$(cat "$T/err")"
run 2 "$BIN" chargeback --teams "$TEAMS" --shared-costs half "$T/exp" &&
    contains "$T/err" "expected proportional, even or none" &&
    ok "--shared-costs half: exit 2" || ko "--shared-costs half"

# -- --by team everywhere
run 2 "$BIN" report --by team "$T/exp" &&
    contains "$T/err" "--by team: no teams file; give --teams FILE" &&
    ok "report --by team without a teams file: exit 2" ||
    ko "report --by team without a teams file" "$(cat "$T/err")"
CIRCLECI_USAGE_TEAMS="$TEAMS" run 0 "$BIN" report --by team --format json \
    "$T/exp" "$T/shared.csv" && cmp -s "$T/out" "$T/team.json" &&
    ok "CIRCLECI_USAGE_TEAMS: as --teams" || ko "CIRCLECI_USAGE_TEAMS"
run 0 "$BIN" report --teams "$TEAMS" --by team --format csv "$T/exp" &&
    [ "$(cut -d, -f1 "$T/out" | sort | tr '\n' ' ')" = \
      "(unassigned) go ml mobile platform sdk services team " ] &&
    ok "report --by team: a row per team with job runs" ||
    ko "report --by team rows" "$(cut -d, -f1 "$T/out")"
for fmt in table markdown; do
	run 0 "$BIN" report --teams "$TEAMS" --by team,status --format "$fmt" \
	    "$T/exp" && grep -q 'mobile' "$T/out" &&
	    ok "report --by team,status --format $fmt" ||
	    ko "report --by team --format $fmt"
done
run 0 "$BIN" report --teams "$TEAMS" --by team -o "$T/teams.svg" "$T/exp" &&
    grep -q 'data-name="mobile"' "$T/teams.svg" &&
    grep -q 'Credits by team' "$T/teams.svg" &&
    ok "a chart per team (SVG)" || ko "a chart per team" "$(cat "$T/err")"
run 0 "$BIN" report --teams "$TEAMS" --by day,team -o "$T/days.svg" "$T/exp" &&
    grep -q 'data-name="services"' "$T/days.svg" &&
    ok "credits per day stacked by team (SVG)" || ko "per day by team"
"$BIN" report --teams "$TEAMS" --by team --format json "$T/prev" >"$T/p.json"
"$BIN" report --teams "$TEAMS" --by team --format json "$T/exp" >"$T/c.json"
run 0 "$BIN" compare --teams "$TEAMS" --by team --format json "$T/prev" \
    "$T/exp" &&
    python3 "$here/pipecheck.py" compare "$T/p.json" "$T/c.json" "$T/out" \
    >"$T/why" 2>&1 &&
    ok "compare --by team: exact deltas against report ($(cat "$T/why"))" ||
    ko "compare --by team" "$(cat "$T/why" "$T/err")"
run 0 "$BIN" html --teams "$TEAMS" -o "$T/p.html" "$T/exp" "$T/shared.csv" &&
    grep -q '<section id="teams">' "$T/p.html" &&
    grep -q '<section id="chargeback">' "$T/p.html" &&
    grep -q 'id="t-chargeback"' "$T/p.html" &&
    grep -q 'chart-teams' "$T/p.html" &&
    ok "html --teams: team and chargeback sections" ||
    ko "html --teams" "$(cat "$T/err")"
HC="python3 $here/htmlcheck.py"
r=$($HC self-contained "$T/p.html") &&
    "$BIN" report --teams "$TEAMS" --by team --format csv "$T/exp" \
    "$T/shared.csv" >"$T/t.csv" && r=$($HC table "$T/p.html" t-teams "$T/t.csv") &&
    "$BIN" chargeback --teams "$TEAMS" --format csv "$T/exp" "$T/shared.csv" \
    >"$T/cb.csv" && r=$($HC table "$T/p.html" t-chargeback "$T/cb.csv") &&
    ok "html --teams: self-contained; team and chargeback tables as report's and chargeback's" ||
    ko "html --teams: tables" "$r"
# the page's chargeback total is the exact total
total=$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["totals"]["total_credits"])' "$T/all.json")
sed -n '/id="t-chargeback"/,/<\/table>/p' "$T/p.html" | grep -q "data-v=\"$total\"" &&
    ok "html: the chargeback's total is report's ($total)" ||
    ko "html: the chargeback's total"
run 0 "$BIN" html -o "$T/q.html" "$T/exp" &&
    ! grep -q 'id="chargeback"' "$T/q.html" &&
    ok "html without teams: no team sections" || ko "html without teams"
run 0 "$BIN" notify slack --dry-run --teams "$TEAMS" --by team "$T/exp" &&
    contains "$T/out" 'Top teams by credits' && contains "$T/out" '`mobile`' &&
    ok "notify slack --by team lists teams" ||
    ko "notify slack --by team" "$(cat "$T/err")"
run 0 "$BIN" run --from "$T/exp" --teams "$TEAMS" -o "$T/run" --quiet &&
    "$BIN" report --teams "$TEAMS" --by team --format csv "$T/exp" >"$T/want" &&
    cmp -s "$T/run/by-team.csv" "$T/want" && [ -s "$T/run/by-team.json" ] &&
    grep -q 'id="chargeback"' "$T/run/index.html" &&
    ok "run --teams: by-team.csv|json and the page's sections" ||
    ko "run --teams" "$(cat "$T/err")"
run 2 "$BIN" run --from "$T/exp" --teams "$T/bad.yaml" -o "$T/run2" --quiet &&
    [ ! -e "$T/run2" ] && ok "run with a bad teams file: exit 2, nothing made" ||
    ko "run with a bad teams file"

# -- malformed teams files: the file, the line, what was expected
# (run sets $want: other names here)
bad() {
	what=$1
	msg=$2
	printf '%b' "$3" >"$T/m.yaml"
	if run 2 "$BIN" report --teams "$T/m.yaml" --by team "$T/exp" &&
	    contains "$T/err" "$T/m.yaml:$msg"; then
		ok "malformed: $what"
	else
		ko "malformed: $what" "$(cat "$T/err")"
	fi
}
bad "not YAML" "3: not valid YAML" 'teams:\n  a: [x]\n b: [y]\n'
bad "a list at the top" "1: expected a mapping with the key 'teams'" '- a\n'
bad "another key" "4: expected the key 'teams', found 'owner'" 'teams:\n  a: [x]\n\nowner: me\n'
bad "a team without a list" "3: team 'b': expected a list of project patterns" 'teams:\n  a: [x]\n  b: y\n'
bad "an empty pattern" "5: team 'a': expected a project pattern, found an empty one" 'teams:\n  a:\n    - x\n    - y\n    - ""\n'
bad "a duplicate team" "4: team 'a' is given twice" 'teams:\n  a: [x]\n  b: [y]\n  a: [z]\n'
bad "a mapping as a pattern" "2: team 'a': expected a project pattern (a string), found a mapping" 'teams:\n  a: [{x: 1}]\n'
bad "an empty file" "1: expected a mapping with the key 'teams', found an empty file" ''
run 2 "$BIN" report --teams "$T/none.yaml" --by team "$T/exp" &&
    contains "$T/err" "cannot open the teams file" &&
    ok "a missing teams file: exit 2" || ko "a missing teams file"

finish
