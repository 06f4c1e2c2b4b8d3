#!/bin/sh
# tests/e2e/cli.sh BIN: the command line as a user meets it: help and
# version, exit codes, error messages naming the file/line/column/option,
# atomic -o, filters, --top, formats, inputs (directories, manifest,
# stdin), terminal safety, and charts (PNG and SVG, checked by
# chartcheck.py).  Data is written inline or by tests/gen/genexport.py.
BIN=$1
. "$(dirname "$0")/lib.sh"

H='PROJECT_NAME,WORKFLOW_NAME,JOB_NAME,JOB_ID,JOB_RUN_DATE,JOB_BUILD_STATUS,VCS_BRANCH,TOTAL_CREDITS,COMPUTE_CREDITS,JOB_RUN_SECONDS'
mkdir -p "$T/d/sub"
cat >"$T/d/a.csv" <<CSV
$H
api,build,test,00000000-0000-4000-8000-000000000001,2026-10-01,success,main,10.5,10.5,600
api,build,lint,00000000-0000-4000-8000-000000000002,2026-10-02,failed,dev,2.25,2.25,60
web,deploy,push,00000000-0000-4000-8000-000000000003,2026-10-03,canceled,main,0.05,0.05,5
CSV
cat >"$T/d/sub/b.csv" <<CSV
$H
web,deploy,push,00000000-0000-4000-8000-000000000004,2026-10-09,success,main,1,1,30
api,build,test,00000000-0000-4000-8000-000000000001,2026-10-01,success,main,10.5,10.5,600
CSV
gzip -c "$T/d/sub/b.csv" >"$T/d/sub/b.csv.gz"
rm "$T/d/sub/b.csv"
echo "not a part" >"$T/d/notes.txt"

# -- help, version, usage errors
run 0 "$BIN" --version && contains "$T/out" "circleci-usage [0-9]" &&
    ok "--version" || ko "--version"
run 0 "$BIN" --help && contains "$T/out" "report" && ok "--help" ||
    ko "--help"
run 0 "$BIN" report --help && contains "$T/out" "usage: circleci-usage report" &&
    ok "report --help" || ko "report --help"
run 2 "$BIN" frobnicate && contains "$T/err" "unknown command" &&
    ok "unknown command exits 2" || ko "unknown command exits 2"
run 2 "$BIN" report --by nope "$T/d" && contains "$T/err" "--by: unknown key 'nope'" &&
    ok "bad --by exits 2 naming the key" || ko "bad --by exits 2 naming the key"
run 2 "$BIN" report --since 2026-13-01 "$T/d" && contains "$T/err" "--since" &&
    ok "bad --since exits 2" || ko "bad --since exits 2"
run 2 "$BIN" report --top 0 "$T/d" && ok "--top 0 exits 2" || ko "--top 0 exits 2"
run 2 "$BIN" report --credit-price abc "$T/d" && contains "$T/err" "--credit-price" &&
    ok "bad --credit-price exits 2" || ko "bad --credit-price exits 2"
run 2 "$BIN" report --format xml "$T/d" && ok "bad --format exits 2" ||
    ko "bad --format exits 2"
run 2 "$BIN" report && contains "$T/err" "no input" && ok "no input exits 2" ||
    ko "no input exits 2"
run 2 "$BIN" report --no-such-option "$T/d" && ok "unknown option exits 2" ||
    ko "unknown option exits 2"

# -- inputs
run 0 "$BIN" report --format csv "$T/d" && ok "directory read" ||
    ko "directory read" "$(cat "$T/err")"
grep -q '^api,2,660,12.75,' "$T/out" && ok "recursive dir, duplicate counted once" ||
    ko "recursive dir, duplicate counted once" "$(cat "$T/out")"
run 0 "$BIN" report --format json "$T/d"
contains "$T/out" '"duplicates": 1' && contains "$T/out" '"files": 2' &&
    contains "$T/out" '"first_date": "2026-10-01"' &&
    contains "$T/out" '"last_date": "2026-10-09"' && ok "json meta" ||
    ko "json meta" "$(cat "$T/out")"
run 0 "$BIN" report --format csv - <"$T/d/sub/b.csv.gz" &&
    grep -q '^web,1,30,1,' "$T/out" && ok "gzip on stdin" || ko "gzip on stdin"
run 2 "$BIN" report - - <"$T/d/a.csv" && ok "stdin twice exits 2" ||
    ko "stdin twice exits 2"
run 3 "$BIN" report "$T/missing.csv" && contains "$T/err" "missing.csv" &&
    ok "missing file exits 3 naming it" || ko "missing file exits 3 naming it"
mkdir -p "$T/empty"
run 3 "$BIN" report "$T/empty" && contains "$T/err" "no export parts" &&
    ok "empty directory exits 3" || ko "empty directory exits 3"
# a manifest lists the parts to read
mkdir -p "$T/m/w1"
cp "$T/d/a.csv" "$T/m/w1/part-000.csv"
cp "$T/d/a.csv" "$T/m/stray.csv"
cat >"$T/m/manifest.json" <<JSON
{"complete": true, "windows": [{"files": [{"path": "w1/part-000.csv"}]}]}
JSON
run 0 "$BIN" report --format json "$T/m" && contains "$T/out" '"files": 1' &&
    ok "manifest lists the files" || ko "manifest lists the files" "$(cat "$T/err")"
echo '{"windows": [{"files": [{"path": "../x.csv"}]}]}' >"$T/m/manifest.json"
run 3 "$BIN" report "$T/m" && contains "$T/err" "relative path" &&
    ok "manifest path outside refused" || ko "manifest path outside refused"

# -- bad data
printf 'PROJECT_NAME,JOB_ID,TOTAL_CREDITS\napi,1,1\n' >"$T/nodate.csv"
run 3 "$BIN" report --by day "$T/nodate.csv" &&
    contains "$T/err" "nodate.csv" && contains "$T/err" "JOB_RUN_DATE" &&
    ok "missing column exits 3 naming file and column" ||
    ko "missing column exits 3 naming file and column" "$(cat "$T/err")"
run 0 "$BIN" report --format csv "$T/nodate.csv" && ok "by project needs no date" ||
    ko "by project needs no date"
printf 'PROJECT_NAME,JOB_ID,TOTAL_CREDITS,DLC_CREDITS\napi,1,1,x\napi,2,abc,0\napi,3,1,2,3\n' >"$T/bad.csv"
run 0 "$BIN" report --format csv "$T/bad.csv" &&
    grep -q '^api,1,0,0,0,' "$T/out" &&
    contains "$T/err" "bad.csv:3: TOTAL_CREDITS" &&
    contains "$T/err" "bad.csv:2: DLC_CREDITS" &&
    contains "$T/err" "bad.csv:4: expected 4 fields, found 5" &&
    ok "bad rows skipped and reported as file:line: column" ||
    ko "bad rows skipped and reported as file:line: column" "$(cat "$T/out" "$T/err")"
echo "keep me" >"$T/prev.csv"
run 3 "$BIN" report --strict -o "$T/prev.csv" "$T/bad.csv" &&
    [ "$(cat "$T/prev.csv")" = "keep me" ] &&
    ok "--strict exits 3 and keeps the old output" ||
    ko "--strict exits 3 and keeps the old output"
gzip -c "$T/d/a.csv" | head -c 60 >"$T/trunc.csv.gz"
run 3 "$BIN" report -o "$T/prev.csv" "$T/trunc.csv.gz" &&
    contains "$T/err" "trunc.csv.gz" && contains "$T/err" "truncated" &&
    [ "$(cat "$T/prev.csv")" = "keep me" ] &&
    ok "truncated gzip exits 3, output untouched" ||
    ko "truncated gzip exits 3, output untouched" "$(cat "$T/err")"
[ -z "$(ls "$T" | grep '\.tmp\.')" ] && ok "no temporary file left" ||
    ko "no temporary file left"

# -- output
run 0 "$BIN" report -o "$T/r.json" "$T/d" && [ ! -s "$T/out" ] &&
    grep -q '"group_by": \["project"\]' "$T/r.json" &&
    ok "-o FILE.json writes JSON atomically" || ko "-o FILE.json writes JSON atomically"
run 0 "$BIN" report --format table --by workflow "$T/d" &&
    contains "$T/out" "^TOTAL" && contains "$T/out" "2 files, 5 rows" &&
    ok "table has header line and TOTAL" || ko "table has header line and TOTAL" "$(cat "$T/out")"
run 0 "$BIN" report --format markdown "$T/d" && contains "$T/out" '^| project' &&
    contains "$T/out" '\*\*TOTAL\*\*' && ok "markdown table" || ko "markdown table"
run 0 "$BIN" report --format csv --top 1 "$T/d" &&
    [ "$(sed -n 3p "$T/out" | cut -d, -f1-2)" = "(other),2" ] &&
    [ "$(wc -l <"$T/out")" -eq 3 ] && ok "--top folds the rest into (other)" ||
    ko "--top folds the rest into (other)" "$(cat "$T/out")"
run 0 "$BIN" report --format csv --by job --sort jobs "$T/d" &&
    [ "$(head -1 "$T/out" | cut -d, -f1-4)" = "project,workflow,job,jobs" ] &&
    ok "--by job prints project, workflow, job" || ko "--by job prints project, workflow, job"
run 0 "$BIN" report --format csv --by day --sort day "$T/d" &&
    [ "$(sed -n 2p "$T/out" | cut -d, -f1)" = "2026-10-01" ] &&
    ok "--sort by a key column" || ko "--sort by a key column"

# -- filters
run 0 "$BIN" report --format csv --status FAILED,canceled "$T/d" &&
    grep -q '^api,1,60,2.25,' "$T/out" && grep -q '^web,1,5,0.05,' "$T/out" &&
    ok "--status list, any case" || ko "--status list, any case" "$(cat "$T/out")"
run 0 "$BIN" report --format csv --since 2026-10-02 --until 2026-10-03 "$T/d" &&
    [ "$(wc -l <"$T/out")" -eq 3 ] && ok "--since/--until inclusive" ||
    ko "--since/--until inclusive" "$(cat "$T/out")"
run 0 "$BIN" report --format csv --project 'w*' --branch main "$T/d" &&
    [ "$(wc -l <"$T/out")" -eq 2 ] && grep -q '^web,2,' "$T/out" &&
    ok "--project and --branch globs" || ko "--project and --branch globs"
run 0 "$BIN" report --format csv --keep-duplicates "$T/d" &&
    grep -q '^api,3,' "$T/out" && ok "--keep-duplicates" || ko "--keep-duplicates"

# -- terminal safety and exactness
printf 'PROJECT_NAME,JOB_ID,TOTAL_CREDITS\n"ev\033[31mil",1,0.1\nok,2,0.2\n' >"$T/esc.csv"
run 0 "$BIN" report --format table "$T/esc.csv" &&
    ! grep -q "$(printf '\033')" "$T/out" && contains "$T/out" 'ev\\x1b\[31mil' &&
    ok "no escape sequence from data reaches the terminal" ||
    ko "no escape sequence from data reaches the terminal"
# every table (and every diagnostic) from data with ESC, OSC, BEL and CR
HE='PROJECT_NAME,WORKFLOW_NAME,JOB_NAME,JOB_ID,JOB_RUN_DATE,JOB_BUILD_STATUS,VCS_BRANCH,RESOURCE_CLASS,EXECUTOR,TOTAL_CREDITS,COMPUTE_CREDITS,JOB_RUN_SECONDS,CPU_UTILIZATION_MEDIAN_PCT,CPU_UTILIZATION_MAX_PCT,RAM_UTILIZATION_MEDIAN_PCT,RAM_UTILIZATION_MAX_PCT'
mkdir -p "$T/escd"
printf '%s\n"ev\033]0;x\007il",w\033[2J,j\033[31m,00000000-0000-4000-8000-000000000001,2026-10-01,failed,main\r,medium,docker,10.5,10.5,600,5,6,5,6\np,w,j,00000000-0000-4000-8000-000000000002,2026-10-01,success,main,medium,docker,\033[31m1,1,1,1,1,1,1\n' "$HE" >"$T/escd/a.csv"
printf 'teams:\n  t: ["*"]\n' >"$T/escteams.yaml"
esc_ok=1
for cmd in "report --by job,branch" failures "compare $T/escd" \
    "rightsize --min-runs 1" "chargeback --teams $T/escteams.yaml"; do
	# shellcheck disable=SC2086
	"$BIN" $cmd --format table "$T/escd" >"$T/out" 2>"$T/err" || esc_ok=0
	cat "$T/out" "$T/err" | grep -q "$(printf '\033\|\007\|\r')" && esc_ok=0
	[ "$esc_ok" = 1 ] || { echo "  ($cmd)"; break; }
done
[ "$esc_ok" = 1 ] && "$BIN" failures --format table "$T/escd" >"$T/out" 2>/dev/null &&
    grep -q 'ev\\x1b\]0;x\\x07il' "$T/out" &&
    ok "no tables or diagnostics carry control bytes from the data" ||
    ko "control bytes from the data reached the terminal" "$(cat -v "$T/out" "$T/err")"
run 0 "$BIN" report --format csv "$T/esc.csv" &&
    grep -q "$(printf '\033')" "$T/out" && ok "CSV keeps names exactly" ||
    ko "CSV keeps names exactly"
# -- --csv-safe: formulas in names neutralised with a leading quote where
#    asked (and in run's artifacts); numbers, negative ones too, untouched
HF='PROJECT_NAME,WORKFLOW_NAME,JOB_NAME,JOB_ID,JOB_RUN_DATE,JOB_BUILD_STATUS,VCS_BRANCH,RESOURCE_CLASS,EXECUTOR,TOTAL_CREDITS,COMPUTE_CREDITS,JOB_RUN_SECONDS'
mkdir -p "$T/fx1" "$T/fx2"
printf '%s\n"=HYPERLINK(""http://x"")",w,=j,00000000-0000-4000-8000-000000000001,2026-10-01,success,main,medium,docker,10.5,10.5,600\n+evil,w,@job,00000000-0000-4000-8000-000000000002,2026-10-02,failed,dev,medium,docker,2.25,2.25,60\n-12,w,ok,00000000-0000-4000-8000-000000000003,2026-10-03,success,main,medium,docker,1,1,5\n' "$HF" >"$T/fx1/a.csv"
sed 's/10.5,10.5/1,1/' "$T/fx1/a.csv" >"$T/fx2/a.csv"
run 0 "$BIN" report --format csv "$T/fx1" &&
    grep -q '^"=HYPERLINK(""http://x"")",1,' "$T/out" &&
    grep -q '^+evil,1,' "$T/out" &&
    ok "report CSV keeps formula-like names exactly by default" ||
    ko "report CSV keeps formula-like names exactly by default"
run 0 "$BIN" report --csv-safe --format csv "$T/fx1" &&
    grep -q "^\"'=HYPERLINK(\"\"http://x\"\")\",1," "$T/out" &&
    grep -q "^'+evil,1," "$T/out" && grep -q '^-12,1,5,' "$T/out" &&
    ok "report --csv-safe: = + quoted, the number -12 kept" ||
    ko "report --csv-safe" "$(cat "$T/out")"
run 0 "$BIN" compare --csv-safe --format csv "$T/fx1" "$T/fx2" &&
    grep -q "^\"'=HYPERLINK(\"\"http://x\"\")\",10.5,1,-9.5,-90.48,down$" "$T/out" &&
    ok "compare --csv-safe: names quoted, negative changes stay numbers" ||
    ko "compare --csv-safe" "$(cat "$T/out")"
run 0 "$BIN" failures --csv-safe --format csv "$T/fx1" &&
    grep -q "^'+evil,w,'@job,1,1,100.00," "$T/out" &&
    printf 'teams:\n  "@t": ["*"]\n' >"$T/fxteams.yaml" &&
    run 0 "$BIN" chargeback --teams "$T/fxteams.yaml" --csv-safe --format csv "$T/fx1" &&
    grep -q "^'@t,3," "$T/out" &&
    ok "failures and chargeback take --csv-safe" ||
    ko "failures and chargeback --csv-safe" "$(cat "$T/out" "$T/err")"
run 0 "$BIN" run --from "$T/fx1" -o "$T/fxrun" --quiet &&
    ! grep -hq '^[=+@]\|^"[=+@-]\|,[=+@]' "$T"/fxrun/*.csv &&
    grep -q "^'+evil,w,'@job," "$T/fxrun/by-job.csv" &&
    grep -q "^'+evil,w,'@job," "$T/fxrun/failures.csv" &&
    grep -q '^-12,1,5,' "$T/fxrun/by-project.csv" &&
    ok "run's CSV artifacts are formula-safe by default" ||
    ko "run's CSV artifacts are formula-safe" "$(cat "$T/err")"
printf 'PROJECT_NAME,JOB_ID,TOTAL_CREDITS\np,1,0.1\np,2,0.2\n' >"$T/sum.csv"
run 0 "$BIN" report --format csv "$T/sum.csv" && grep -q '^p,2,0,0,0,0,0,0,0,0,0,0.3,0.00,100.00$' "$T/out" &&
    ok "0.1 + 0.2 is exactly 0.3" || ko "0.1 + 0.2 is exactly 0.3" "$(cat "$T/out")"

# -- parts concatenated into one file: each header is read again, columns
#    may differ, and a header row is not a data row
H2='JOB_ID,PROJECT_NAME,TOTAL_CREDITS,JOB_RUN_DATE'
{
	gzip -c "$T/d/a.csv"
	printf '%s\n%s\n' "$H2" \
	    '00000000-0000-4000-8000-000000000009,web,4,2026-10-05' | gzip -c
} >"$T/cat.csv.gz"
run 0 "$BIN" report --format json "$T/cat.csv.gz" &&
    contains "$T/out" '"rows_read": 4' && contains "$T/out" '"rows_skipped": 0' &&
    grep -q '"project": "web", "jobs": 2' "$T/out" &&
    ok "concatenated parts with their own headers" ||
    ko "concatenated parts with their own headers" "$(cat "$T/out" "$T/err")"
run 0 "$BIN" report --threads 2 --format csv - <"$T/cat.csv.gz" &&
    grep -q '^web,2,5,0.05,0,0,0,0,0,0,0,4.05,' "$T/out" && ok "one input on two threads (read-ahead)" ||
    ko "one input on two threads (read-ahead)" "$(cat "$T/out" "$T/err")"

# -- charts: --format png|svg
CC="python3 $(dirname "$0")/chartcheck.py"
python3 "$(dirname "$0")/../gen/genexport.py" -o "$T/gen" --rows 4000 \
    --parts 2 --seed 11 --days 20 >/dev/null
run 0 "$BIN" report --format png -o "$T/c.png" "$T/gen" && [ ! -s "$T/out" ] &&
    $CC png "$T/c.png" 1200 700 && ok "png: 1200x700 by default" ||
    ko "png: 1200x700 by default" "$(cat "$T/err")"
run 0 "$BIN" report --width 640 --height 360 -o "$T/s.png" "$T/gen" &&
    r=$($CC png "$T/s.png" 640 360 --drawn) &&
    ok "png: the requested size, bars drawn (-o .png picks the format)" ||
    ko "png: the requested size, bars drawn (-o .png picks the format)" "$r$(cat "$T/err")"
run 0 "$BIN" report --by day --width 600 --height 400 -o "$T/d.png" "$T/gen" &&
    r=$($CC png "$T/d.png" 600 400 --drawn) && ok "png: stacked per day, drawn" ||
    ko "png: stacked per day, drawn" "$r$(cat "$T/err")"
"$BIN" report --width 640 --height 360 --format png "$T/gen" >"$T/pipe.png" &&
    cmp -s "$T/pipe.png" "$T/s.png" && ok "png to a pipe, the same bytes" ||
    ko "png to a pipe, the same bytes"
"$BIN" report --by week,resource_class --format png -o "$T/w1.png" "$T/gen" &&
    "$BIN" report --by week,resource_class --format png -o "$T/w2.png" "$T/gen" &&
    cmp -s "$T/w1.png" "$T/w2.png" && "$BIN" report --format svg "$T/gen" >"$T/1.svg" &&
    "$BIN" report --format svg "$T/gen" >"$T/2.svg" && cmp -s "$T/1.svg" "$T/2.svg" &&
    ok "charts: the same input gives the same bytes" ||
    ko "charts: the same input gives the same bytes"
python3 -c '
import os, pty, subprocess, sys
m, s = pty.openpty()
p = subprocess.run(sys.argv[1:], stdout=s, stderr=subprocess.PIPE)
sys.exit(0 if p.returncode == 2 and b"terminal" in p.stderr else 1)
' "$BIN" report --format png "$T/gen" && ok "png to a terminal refused" ||
    ko "png to a terminal refused"
run 0 "$BIN" report --format csv --top 15 "$T/gen" && cp "$T/out" "$T/top.csv" &&
    run 0 "$BIN" report -o "$T/bars.svg" "$T/gen" &&
    r=$($CC svgbars "$T/bars.svg" "$T/top.csv") &&
    ok "svg: one labelled bar per group, as the report, lengths in order" ||
    ko "svg: one labelled bar per group, as the report, lengths in order" "$r$(cat "$T/err")"
run 0 "$BIN" report --format csv --top 5 --by resource_class "$T/gen" &&
    cp "$T/out" "$T/rc.csv" &&
    run 0 "$BIN" report --top 5 --by resource_class -o "$T/rc.svg" "$T/gen" &&
    r=$($CC svgbars "$T/rc.svg" "$T/rc.csv") && ok "svg: --by resource_class --top 5" ||
    ko "svg: --by resource_class --top 5" "$r"
run 0 "$BIN" report --by day --format json "$T/gen" && cp "$T/out" "$T/day.json" &&
    run 0 "$BIN" report --by day --top 3 -o "$T/day.svg" "$T/gen" &&
    r=$($CC svgstack "$T/day.svg" "$T/day.json" day) &&
    ok "svg: stacked totals per day equal report --by day" ||
    ko "svg: stacked totals per day equal report --by day" "$r$(cat "$T/err")"
run 0 "$BIN" report --by week --format json "$T/gen" && cp "$T/out" "$T/week.json" &&
    run 0 "$BIN" report --by resource_class,week -o "$T/week.svg" "$T/gen" &&
    r=$($CC svgstack "$T/week.svg" "$T/week.json" week) &&
    ok "svg: stacked per week by resource class" || ko "svg: stacked per week by resource class" "$r"
run 2 "$BIN" report --format png --width 10 -o "$T/x.png" "$T/gen" &&
    contains "$T/err" "--width: expected a number of pixels from 240 to 8192, got '10'" &&
    [ ! -e "$T/x.png" ] && ok "bad --width exits 2 naming the option" ||
    ko "bad --width exits 2 naming the option" "$(cat "$T/err")"
run 2 "$BIN" report --format svg --height 9x "$T/gen" && contains "$T/err" "--height" &&
    ok "bad --height exits 2" || ko "bad --height exits 2"
run 2 "$BIN" report --format csv --width 800 "$T/gen" && contains "$T/err" "for charts" &&
    ok "--width without a chart format exits 2" || ko "--width without a chart format exits 2"
run 2 "$BIN" report --format svg --by day,week "$T/gen" && contains "$T/err" "one time key" &&
    ok "two time keys in a chart exit 2" || ko "two time keys in a chart exit 2"
printf 'PROJECT_NAME,JOB_ID,TOTAL_CREDITS\n"a<&""b",1,2\n"</text><script>",2,1\n' >"$T/xml.csv"
run 0 "$BIN" report --format svg --title 'Ours & "theirs" <b>' "$T/xml.csv" &&
    cp "$T/out" "$T/xml.svg" && $CC svgtext "$T/xml.svg" 'a<&"b' &&
    $CC svgtext "$T/xml.svg" '</text><script>' &&
    $CC svgtext "$T/xml.svg" 'Ours & "theirs" <b>' &&
    ! grep -q '<script' "$T/xml.svg" && contains "$T/xml.svg" 'a&lt;&amp;&quot;b' &&
    ok "svg: names and title with <&\" escaped" || ko "svg: names and title with <&\" escaped"
run 0 "$BIN" report --format svg --since 2030-01-01 "$T/gen" &&
    contains "$T/err" "nothing to chart" && contains "$T/out" "No job runs to show" &&
    python3 -c 'import sys, xml.etree.ElementTree as E; E.parse(sys.argv[1])' "$T/out" &&
    ok "empty input: a clear message, not a broken chart" ||
    ko "empty input: a clear message, not a broken chart" "$(cat "$T/err")"
mkdir -p "$T/om/w"
cp "$T/d/a.csv" "$T/om/w/part-000.csv"
cat >"$T/om/manifest.json" <<JSON
{"org_id": "5f2b9c1e-org", "windows": [{"files": [{"path": "w/part-000.csv"}]}]}
JSON
run 0 "$BIN" report --format svg "$T/om" && contains "$T/out" "org 5f2b9c1e-org" &&
    contains "$T/out" "2026-10-01 to 2026-10-03" &&
    ok "chart subtitle: the manifest's org and the date range" ||
    ko "chart subtitle: the manifest's org and the date range" "$(cat "$T/err")"
# ORGANIZATION_NAME, when the data has it, before the manifest's org_id
printf '%s\n%s\n%s\n' ORGANIZATION_NAME,PROJECT_NAME,JOB_ID,JOB_RUN_DATE,TOTAL_CREDITS \
    '"<x> A&B ""co""",api,1,2026-10-01,2' 'other org,web,2,2026-10-02,1' \
    >"$T/om/w/part-000.csv"
run 0 "$BIN" report --format svg "$T/om" && cp "$T/out" "$T/org.svg" &&
    $CC svgtext "$T/org.svg" '<x> A&B "co" and other org · 2026-10-01 to 2026-10-02 · 3.00 credits in total' &&
    ! grep -q '<x>' "$T/org.svg" &&
    ok "chart subtitle: the organizations' names, escaped" ||
    ko "chart subtitle: the organizations' names, escaped" "$(cat "$T/err")"
run 0 "$BIN" report --format png -o "$T/org.png" "$T/om" &&
    $CC png "$T/org.png" 1200 700 --drawn &&
    ok "png chart with the organizations' names" ||
    ko "png chart with the organizations' names" "$(cat "$T/err")"
run 1 "$BIN" report --format png -o "$T/nodir/c.png" "$T/gen" &&
    [ ! -e "$T/nodir" ] && ok "png to an unwritable place exits 1" ||
    ko "png to an unwritable place exits 1"


# --max-part-size: a size, checked before any request (no token needed)
for v in 0 12Q 1.5G -1 ""; do
	run 2 "$BIN" export --max-part-size "$v" -o "$T/cap" &&
	    contains "$T/err" "--max-part-size '$v': expected a size" &&
	    [ ! -e "$T/cap" ] && ok "export --max-part-size '$v' is exit 2" ||
	    ko "export --max-part-size '$v' is exit 2" "$(head -c 200 "$T/err")"
done
run 2 "$BIN" run --max-part-size 7X -o "$T/cap" &&
    contains "$T/err" "--max-part-size '7X'" && [ ! -e "$T/cap" ] &&
    ok "run --max-part-size 7X is exit 2" ||
    ko "run --max-part-size 7X is exit 2" "$(head -c 200 "$T/err")"

finish
