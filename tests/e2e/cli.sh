#!/bin/sh
# tests/e2e/cli.sh BIN: the command line as a user meets it: help and
# version, exit codes, error messages naming the file/line/column/option,
# atomic -o, filters, --top, formats, inputs (directories, manifest,
# stdin), terminal safety, and charts (PNG and SVG, checked by
# chartcheck.py: warnings, a full disk, run hours); every bad option value
# of chargeback, rightsize, failures, html, db, ingest and export (exit 2,
# one line naming the option, nothing written); chargeback's and html's
# filters; db and ingest without a database or HOME; a header naming a
# known column twice (exact, in another case, with spaces, after a BOM, in
# a header again) refused by every reader, an unknown one twice accepted;
# the four libraries loaded on first use (lazylib.c): broken copies stop
# only the commands that need them.
# Data is written inline or by tests/gen/genexport.py.
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
run 2 "$BIN" && [ ! -s "$T/out" ] && contains "$T/err" "^usage: circleci-usage <command>" &&
    ok "no command: the usage on stderr, exit 2" || ko "no command: the usage on stderr, exit 2"
run 0 "$BIN" help chargeback && contains "$T/out" "^usage: circleci-usage chargeback --teams FILE" &&
    ok "help COMMAND is COMMAND --help" || ko "help COMMAND is COMMAND --help"
run 2 "$BIN" help frobnicate && [ ! -s "$T/out" ] &&
    contains "$T/err" "unknown command 'frobnicate'" &&
    ok "help of an unknown command exits 2" || ko "help of an unknown command exits 2" "$(cat "$T/err")"
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
# --output DIR is -o DIR's long form: the same artifacts, as --help says
run 0 "$BIN" run --from "$T/fx1" --output "$T/fxrun-long" --quiet &&
    [ -f "$T/fxrun-long/run.json" ] &&
    (cd "$T/fxrun" && for f in *; do [ "$f" = run.json ] ||
        cmp -s "$f" "../fxrun-long/$f" || exit 1; done) &&
    [ "$(ls "$T/fxrun")" = "$(ls "$T/fxrun-long")" ] &&
    run 0 "$BIN" run --help && grep -q '^  -o, --output DIR  ' "$T/out" &&
    ok "run --output DIR: the artifacts of -o DIR, and --help names it" ||
    ko "run --output DIR" "$(ls "$T/fxrun-long" 2>&1; cat "$T/err")"
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

# -- libcurl, libcrypto, cairo and libpq are loaded when first needed
# (src/lazylib.c): with broken copies first on the library path, report
# and ingest into SQLite run as ever; html (cairo measures its text), a PNG
# chart, export and a postgresql:// database each fail in one line naming
# the library and what it is for, and write nothing
mkdir -p "$T/badlibs"
for l in libcurl.so.4 libcrypto.so.3 libcairo.so.2 libpq.so.5; do
	echo "not a library" >"$T/badlibs/$l"
done
BADLIBS="env LD_LIBRARY_PATH=$T/badlibs"
run 0 $BADLIBS "$BIN" report --format csv "$T/d" &&
    contains "$T/out" "^api," && ok "report loads none of the four libraries" ||
    ko "report loads none of the four libraries" "$(cat "$T/err")"
run 0 $BADLIBS "$BIN" ingest --db "$T/lazy.db" "$T/d" &&
    ok "ingest into SQLite loads none of them" ||
    ko "ingest into SQLite loads none of them" "$(cat "$T/err")"
lazyfail() {
	label=$1
	lib=$2
	what=$3
	out=$4
	shift 4
	if run 1 $BADLIBS "$@" &&
	    [ "$(wc -l <"$T/err")" -eq 1 ] &&
	    contains "$T/err" "^circleci-usage: cannot load $lib, needed for $what: .*$T/badlibs/$lib" &&
	    [ ! -e "$out" ]; then
		ok "$lib not loadable: $label fails in one line, writes nothing"
	else
		ko "$lib not loadable: $label" "exit $status: $(cat "$T/err")"
	fi
}
lazyfail html libcairo.so.2 "charts (cairo)" "$T/lazy.html" \
    "$BIN" html -o "$T/lazy.html" "$T/gen"
lazyfail "report --format png" libcairo.so.2 "charts (cairo)" "$T/lazy.png" \
    "$BIN" report --format png -o "$T/lazy.png" "$T/d"
lazyfail export libcurl.so.4 "HTTP (libcurl)" "$T/lazyexp" \
    env CIRCLECI_API_TOKEN=t "$BIN" export \
    --org 00000000-0000-4000-8000-000000000000 \
    --api-url http://127.0.0.1:9 -o "$T/lazyexp"
lazyfail "report --db postgresql://" libpq.so.5 "PostgreSQL (libpq)" "$T/nothing" \
    "$BIN" report --db postgresql://127.0.0.1:9/x
# a fatal error past the stage directory's making (die()): the new DIR
# and its stage directory go, as after an interruption
lazyfail "run --from into a new DIR" libcairo.so.2 "charts (cairo)" \
    "$T/lazyrun" "$BIN" run --from "$T/gen" -o "$T/lazyrun" --quiet
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
	    contains "$T/err" "--max-part-size: expected a size such as 500M or 16G, got '$v'" &&
	    [ ! -e "$T/cap" ] && ok "export --max-part-size '$v' is exit 2" ||
	    ko "export --max-part-size '$v' is exit 2" "$(head -c 200 "$T/err")"
done
run 2 "$BIN" run --max-part-size 7X -o "$T/cap" &&
    contains "$T/err" "--max-part-size: expected a size such as 500M or 16G, got '7X'" && [ ! -e "$T/cap" ] &&
    ok "run --max-part-size 7X is exit 2" ||
    ko "run --max-part-size 7X is exit 2" "$(head -c 200 "$T/err")"

# -- chart warnings and write errors
run 0 "$BIN" report --format csv --sort run_seconds "$T/gen" && cp "$T/out" "$T/rs.csv" &&
    want=$(python3 -c '
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
tot = sum(int(r["run_seconds"]) for r in rows)
r = rows[0]
print("%s %.1f (%.1f%%)" % (r["project"], int(r["run_seconds"]) / 3600,
                            100 * int(r["run_seconds"]) / tot))' "$T/rs.csv") &&
    run 0 "$BIN" report --format svg --sort run_seconds "$T/gen" && cp "$T/out" "$T/rs.svg" &&
    $CC svgtext "$T/rs.svg" "Run hours by project" && $CC svgtext "$T/rs.svg" "hours" &&
    $CC svgtext "$T/rs.svg" "${want#* }" && $CC svgtext "$T/rs.svg" "${want%% *}" &&
    ok "svg --sort run_seconds: drawn in hours, the largest bar report's" ||
    ko "svg --sort run_seconds" "$want $(cat "$T/err")"
run 0 "$BIN" report --format svg --by day --top 20 "$T/gen" &&
    contains "$T/err" "warning: --top 20: a time chart stacks 9 groups at most" &&
    python3 -c 'import sys, xml.etree.ElementTree as E; E.parse(sys.argv[1])' "$T/out" &&
    ok "time chart: --top past the colours warns, the chart is whole" ||
    ko "time chart: --top past the colours warns" "$(cat "$T/err")"
run 0 "$BIN" report --format svg --by job --height 240 "$T/gen" &&
    contains "$T/err" "warning: only 12 bars fit a chart 240 pixels high; the rest are in (other)" &&
    contains "$T/out" "(other)" && ok "bar chart: bars that do not fit are said and folded" ||
    ko "bar chart: bars that do not fit are said and folded" "$(cat "$T/err")"
if [ -w /dev/full ]; then
	run 1 sh -c '"$1" report --format svg "$2" >/dev/full' sh "$BIN" "$T/gen" &&
	    contains "$T/err" "cannot write to standard output: No space left on device" &&
	    ok "svg to a full disk exits 1" || ko "svg to a full disk exits 1" "$(cat "$T/err")"
	run 1 sh -c '"$1" report --format png "$2" >/dev/full' sh "$BIN" "$T/gen" &&
	    contains "$T/err" "cannot write to standard output: No space left on device" &&
	    ok "png to a full disk exits 1" || ko "png to a full disk exits 1" "$(cat "$T/err")"
	run 1 sh -c '"$1" report --format csv "$2" >/dev/full' sh "$BIN" "$T/d" &&
	    contains "$T/err" "cannot write to standard output: No space left on device" &&
	    ok "csv to a full disk exits 1" || ko "csv to a full disk exits 1" "$(cat "$T/err")"
	# -o on a device: written in place, never replaced by a file (as
	# root, a rename would replace /dev/full itself)
	for f in csv svg png; do
		run 1 "$BIN" report --format $f -o /dev/full "$T/gen" &&
		    contains "$T/err" "cannot write '/dev/full': No space left on device" &&
		    [ -c /dev/full ] && ok "$f -o /dev/full: exit 1, the device left a device" ||
		    ko "$f -o /dev/full: exit 1, the device left a device" "$(cat "$T/err")"
	done
	# every writer names the file and the reason (out_close)
	printf 'teams:\n  t: ["*"]\n' >"$T/fullteams.yaml"
	for c in "chargeback --teams $T/fullteams.yaml" "compare $T/gen" html \
	    failures "rightsize --min-runs 1"; do
		# shellcheck disable=SC2086
		run 1 "$BIN" $c -o /dev/full "$T/gen" &&
		    contains "$T/err" "cannot write '/dev/full': No space left on device" &&
		    [ -c /dev/full ] && ok "${c%% *} -o /dev/full: exit 1, named" ||
		    ko "${c%% *} -o /dev/full: exit 1, named" "$(cat "$T/err")"
	done
fi
# -o on /dev/null, /dev/stdout and a FIFO: written in place
run 0 "$BIN" report --format csv -o /dev/null "$T/d" && [ -c /dev/null ] &&
    [ ! -s "$T/out" ] && ok "-o /dev/null: written, /dev/null still a device" ||
    ko "-o /dev/null: written, /dev/null still a device" "$(cat "$T/err")"
run 0 "$BIN" report --format csv -o /dev/stdout "$T/d" &&
    head -n 1 "$T/out" | grep -q '^project,jobs,' && [ -L /dev/stdout ] &&
    ok "-o /dev/stdout: the report on stdout" ||
    ko "-o /dev/stdout: the report on stdout" "$(cat "$T/err")"
mkfifo "$T/fifo"
cat "$T/fifo" >"$T/fifo.out" &
cpid=$!
run 0 "$BIN" report --format csv -o "$T/fifo" "$T/d"
wait "$cpid"
[ "$status" -eq 0 ] && [ -p "$T/fifo" ] && head -n 1 "$T/fifo.out" | grep -q '^project,jobs,' &&
    ok "-o FIFO: the report through the pipe, the FIFO kept" ||
    ko "-o FIFO: the report through the pipe, the FIFO kept" "$(cat "$T/err")"
echo old >"$T/target.csv"
ln -s target.csv "$T/link.csv"
run 0 "$BIN" report --format csv -o "$T/link.csv" "$T/d" && [ -L "$T/link.csv" ] &&
    head -n 1 "$T/target.csv" | grep -q '^project,jobs,' &&
    [ -z "$(find "$T" -maxdepth 1 -name '*.tmp.*')" ] &&
    ok "-o LINK: the file it names replaced, the link kept" ||
    ko "-o LINK: the file it names replaced, the link kept" "$(cat "$T/err"; ls -la "$T/link.csv")"
mkdir -p "$T/adir"
run 1 "$BIN" report --format csv -o "$T/adir" "$T/d" &&
    contains "$T/err" "cannot write '$T/adir': it is a directory" &&
    ok "-o DIR: exit 1, it is a directory" || ko "-o DIR: exit 1, it is a directory" "$(cat "$T/err")"
run 1 "$BIN" report --format svg -o "$T/nodir/c.svg" "$T/gen" &&
    [ "$(cat "$T/err")" = "circleci-usage: cannot create '$T/nodir/c.svg': No such file or directory" ] &&
    [ ! -e "$T/nodir" ] && ok "svg to a missing directory: exit 1 naming the file" ||
    ko "svg to a missing directory: exit 1 naming the file" "$(cat "$T/err")"

# -- chargeback takes report's filters and input options
printf 'teams:\n  front: ["w*"]\n  back: [api]\n' >"$T/cbteams.yaml"
run 0 "$BIN" chargeback --teams "$T/cbteams.yaml" --format csv --project 'w*' \
    --branch main "$T/d" && [ "$(wc -l <"$T/out")" -eq 2 ] &&
    grep -q '^front,2,35,1.05,.*,1.05,0.00,100.00,1$' "$T/out" &&
    ok "chargeback --project --branch" || ko "chargeback --project --branch" "$(cat "$T/out")"
run 0 "$BIN" chargeback --teams "$T/cbteams.yaml" --format csv --keep-duplicates \
    --strict --threads 2 "$T/d" && grep -q '^back,3,1260,23.25,' "$T/out" &&
    ok "chargeback --keep-duplicates counts the repeated job run" ||
    ko "chargeback --keep-duplicates" "$(cat "$T/out")"
run 1 "$BIN" chargeback --teams "$T/cbteams.yaml" -o "$T/nodir/cb.csv" "$T/d" &&
    contains "$T/err" "cannot create '$T/nodir/cb.csv'" && [ ! -e "$T/nodir" ] &&
    ok "chargeback to a missing directory exits 1" ||
    ko "chargeback to a missing directory exits 1" "$(cat "$T/err")"
run 3 "$BIN" chargeback --teams "$T/cbteams.yaml" "$T/missing.csv" &&
    contains "$T/err" "missing.csv" && ok "chargeback: a missing input exits 3" ||
    ko "chargeback: a missing input exits 3"

# -- html takes report's filters: the page's total is report's with them
D5=$("$BIN" report --format csv --by day --sort day "$T/gen" | sed -n 6p | cut -d, -f1)
run 0 "$BIN" report --format json --project fraud-model --branch main \
    --since "$D5" --until 2100-12-31 "$T/gen" &&
    tot=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]), parse_float=str)["totals"]["total_credits"])' "$T/out") &&
    run 0 "$BIN" html --project fraud-model --branch main --since "$D5" \
    --until 2100-12-31 --strict --keep-duplicates --threads 2 -o "$T/f.html" "$T/gen" &&
    contains "$T/f.html" "data-exact=\"$tot\"" && ! contains "$T/f.html" "react-native-app" &&
    ok "html --project --branch --since --until: report's total, other projects gone" ||
    ko "html filters" "$tot $(cat "$T/err")"

run 0 "$BIN" html --rates "$(dirname "$0")/../../data/resource-classes.tsv" \
    -o "$T/r.html" "$T/gen" && contains "$T/r.html" '<h2>Rightsizing' &&
    ok "html --rates FILE: the page has its rightsizing section" ||
    ko "html --rates FILE: the page has its rightsizing section" "$(cat "$T/err")"
rm -f "$T/r.html"
run 3 "$BIN" html --rates "$T/missing-rates.tsv" -o "$T/r.html" "$T/gen" &&
    contains "$T/err" "--rates: cannot open '$T/missing-rates.tsv': No such file or directory" &&
    [ ! -e "$T/r.html" ] && ok "html --rates: a missing rates file exits 3 naming it" ||
    ko "html --rates: a missing rates file" "$(cat "$T/err")"
# -- undated job runs: the analyses' JSON has null dates, not made-up ones
printf 'PROJECT_NAME,WORKFLOW_NAME,JOB_NAME,JOB_ID,JOB_BUILD_STATUS,RESOURCE_CLASS,EXECUTOR,TOTAL_CREDITS\napi,w,j,1,failed,medium,docker,1\n' >"$T/undated-runs.csv"
run 0 "$BIN" failures --format json "$T/undated-runs.csv" &&
    contains "$T/out" '"first_date": null, "last_date": null, "waste_statuses"' &&
    run 0 "$BIN" rightsize --min-runs 1 --format json "$T/undated-runs.csv" &&
    contains "$T/out" '"first_date": null, "last_date": null, "rates": null' &&
    ok "failures, rightsize --format json: no dates, null" ||
    ko "failures, rightsize --format json: no dates, null" "$(cat "$T/out" "$T/err")"

# -- every command's bad option values: exit 2, one line naming the
#    option (and the value), then the --help hint; nothing written
# (not $want: run() sets it)
usage_err() {
	msg=$1
	shift
	if run 2 "$BIN" "$@" -o "$T/never.out" && [ "$(wc -l <"$T/err")" -eq 2 ] &&
	    head -n 1 "$T/err" | grep -qF -- "$msg" &&
	    sed -n 2p "$T/err" | grep -q "^Try 'circleci-usage $1 --help'" &&
	    [ ! -e "$T/never.out" ] && [ ! -s "$T/out" ]; then
		ok "$1: $msg"
	else
		ko "$1: $msg" "exit $status: $(cat "$T/err")"
	fi
}
TY=$T/escteams.yaml
usage_err "chargeback: --since: expected a date YYYY-MM-DD, got '2026-13-01'" \
    chargeback --teams "$TY" --since 2026-13-01 "$T/d"
usage_err "chargeback: --format: expected table, csv, json or markdown, got 'xml'" \
    chargeback --teams "$TY" --format xml "$T/d"
usage_err "chargeback: --credit-price: expected a price in USD such as 0.0006, got '-1'" \
    chargeback --teams "$TY" --credit-price -1 "$T/d"
usage_err "chargeback: --shared-costs: expected proportional, even or none, got 'half'" \
    chargeback --teams "$TY" --shared-costs half "$T/d"
usage_err "chargeback: --since is after --until" \
    chargeback --teams "$TY" --since 2026-10-05 --until 2026-10-01 "$T/d"
usage_err "chargeback: --db reads history: give no PATH" \
    chargeback --teams "$TY" --db "$T/h.db" "$T/d"
usage_err "chargeback: no input: give export files or directories" \
    chargeback --teams "$TY"
usage_err "chargeback: no teams file: give --teams FILE or set CIRCLECI_USAGE_TEAMS" \
    chargeback "$T/d"
usage_err "unrecognized option '--bogus'" chargeback --teams "$TY" --bogus "$T/d"
usage_err "rightsize: --top: expected a whole number of at least 1, got '0'" \
    rightsize --top 0 "$T/d"
usage_err "rightsize: --min-runs: expected a whole number of at least 1, got 'x'" \
    rightsize --min-runs x "$T/d"
usage_err "rightsize: --since is after --until" \
    rightsize --since 2026-10-05 --until 2026-10-01 "$T/d"
usage_err "rightsize: --threads: expected a number from 1 to 64, got '65'" \
    rightsize --threads 65 "$T/d"
usage_err "rightsize: no input: give export files or directories" rightsize
usage_err "unrecognized option '--db'" rightsize --db x.db "$T/d"
usage_err "unrecognized option '--bogus'" failures --bogus "$T/d"
usage_err "failures: --credit-price: expected a price in USD such as 0.0006, got 'abc'" \
    failures --credit-price abc "$T/d"
usage_err "failures: --until: expected a date YYYY-MM-DD, got '20261001'" \
    failures --until 20261001 "$T/d"
usage_err "chargeback: --status: expected a comma-separated list of statuses, got 'failed,'" \
    chargeback --teams "$TY" --status failed, "$T/d"
usage_err "failures: --since is after --until" \
    failures --since 2026-10-05 --until 2026-10-01 "$T/d"
usage_err "failures: --db reads history: give no PATH" failures --db "$T/h.db" "$T/d"
usage_err "html: --top: expected a whole number of at least 1" html --top 0 "$T/d"
usage_err "html: --since: expected a date YYYY-MM-DD, got '2026-1-1'" \
    html --since 2026-1-1 "$T/d"
usage_err "html: --until: expected a date YYYY-MM-DD, got '2026-02-31'" \
    html --until 2026-02-31 "$T/d"
usage_err "html: --threads: expected a number from 1 to 64" html --threads 65 "$T/d"
usage_err "html: --shared-costs: expected proportional, even or none" \
    html --shared-costs some "$T/d"
usage_err "html: --credit-price: expected a price in USD such as 0.0006" \
    html --credit-price x "$T/d"
usage_err "html: --since is after --until" \
    html --since 2026-10-05 --until 2026-10-01 "$T/d"
usage_err "html: --db reads history: give no PATH" html --db "$T/h.db" "$T/d"
usage_err "html: no input: give export files or directories" html
usage_err "unrecognized option '--bogus'" html --bogus "$T/d"
usage_err "report: --top: expected a whole number of at least 1, got '0'" \
    report --top 0 "$T/d"
usage_err "report: --sort: expected a metric (such as total_credits, cost_usd, jobs) or a --by key, got 'nope'" \
    report --sort nope "$T/d"
usage_err "report: --format: expected table, csv, json, markdown, png, svg or openmetrics, got 'xml'" \
    report --format xml "$T/d"
usage_err "report: --since: expected a date YYYY-MM-DD, got '2026-13-01'" \
    report --since 2026-13-01 "$T/d"
usage_err "report: --threads: expected a number from 1 to 64, got '0'" \
    report --threads 0 "$T/d"
usage_err "report: --credit-price: expected a price in USD such as 0.0006, got 'x'" \
    report --credit-price x "$T/d"
usage_err "compare: --top: expected a whole number of at least 1, got '0'" \
    compare --top 0 "$T/d" "$T/d"
usage_err "compare: --min-change: expected credits of at least 0 such as 100 or 0.5, got 'x'" \
    compare --min-change x "$T/d" "$T/d"
usage_err "compare: --format: expected table, csv, json or markdown, got 'xml'" \
    compare --format xml "$T/d" "$T/d"
usage_err "compare: expected two inputs, PREVIOUS and CURRENT, got 1" \
    compare "$T/d"
usage_err "notify: --alert 'bogus > 1': unknown name 'bogus'" \
    notify slack --dry-run --alert 'bogus > 1' "$T/d"
usage_err "notify: --top: expected a whole number of at least 1, got '0'" \
    notify slack --dry-run --top 0 "$T/d"
usage_err "notify: unknown target 'teams' (expected slack, pushgateway or datadog)" notify teams "$T/d"
usage_err "notify: --link 'ftp://x/r': expected an http or https URL" \
    notify slack --dry-run --link ftp://x/r "$T/d"
usage_err "notify: --link 'https://u:p@x/r': no user information may be in a link (it would be posted)" \
    notify slack --dry-run --link https://u:p@x/r "$T/d"
usage_err "notify: --link 'https://x/a|b': a link holds no blank, control character, <, > or |" \
    notify slack --dry-run --link 'https://x/a|b' "$T/d"
usage_err "notify: --alert 'jobs > 1 and': expected a number after '>', got '1 and'" \
    notify slack --dry-run --alert 'jobs > 1 and' "$T/d"
# --link, else the CI job's URL, at the foot of the message
run 0 "$BIN" notify slack --dry-run --link 'https://ci.example/r?a=1&b=2' \
    "$T/d" && contains "$T/out" '<https://ci.example/r?a=1&amp;b=2|the report>' &&
    ok "notify --link: a link at the foot, & escaped" ||
    ko "notify --link" "$(cat "$T/out" "$T/err")"
run 0 env CIRCLE_BUILD_URL=https://circleci.com/gh/o/r/42 "$BIN" notify slack \
    --dry-run "$T/d" &&
    contains "$T/out" '<https://circleci.com/gh/o/r/42|the CI job (its Artifacts tab has the page)>' &&
    ok "notify inside CircleCI: the job linked" ||
    ko "notify inside CircleCI: the job linked" "$(cat "$T/out" "$T/err")"
run 0 env CIRCLE_BUILD_URL=https://circleci.com/gh/o/r/42 "$BIN" notify slack \
    --dry-run --link https://pages.example/w41/ "$T/d" &&
    contains "$T/out" '<https://pages.example/w41/|the report>' &&
    ! contains "$T/out" 'gh/o/r/42' && ok "notify --link wins over CIRCLE_BUILD_URL" ||
    ko "notify --link wins over CIRCLE_BUILD_URL" "$(cat "$T/out")"
# rules joined by "and": each term must hold
run 0 "$BIN" notify slack --dry-run --alert 'total_credits > 0 and jobs > 0' \
    --alert 'total_credits > 0 and jobs > 1000000000' "$T/d" &&
    contains "$T/out" '1 of 2 alert rules fired' &&
    contains "$T/out" 'total_credits &gt; 0 and jobs &gt; 0' &&
    contains "$T/err" 'alert fired: total_credits > 0 and jobs > 0 (' &&
    ok "notify: rules joined by and" ||
    ko "notify: rules joined by and" "$(cat "$T/out" "$T/err")"
# run: one line naming the option, nothing made (not even DIR)
run_err() {
	msg=$1
	shift
	run 2 "$BIN" run -o "$T/never.dir" "$@" && grep -qF -- "$msg" "$T/err" &&
	    [ ! -e "$T/never.dir" ] && ok "run $*: exit 2, $msg" ||
	    ko "run $*: exit 2, $msg" "exit $status: $(cat "$T/err")"
}
run_err "run: --top: expected a whole number of at least 1, got '0'" --top 0
run_err "run: --top: expected 1 to 1000, got 1001" --top 1001
run_err "run: --credit-price: expected a price in USD such as 0.0006, got 'x'" --credit-price x
run_err "run: --waste-statuses: expected a comma-separated list of statuses, got ''" --waste-statuses ""
run_err "run: --waste-statuses: expected a comma-separated list of statuses, got 'failed,,canceled'" --waste-statuses failed,,canceled
run_err "--from DIR takes the range of that export" --from "$T/d" --last 7d
run_err "run: takes no arguments ('extra')" extra
# db and ingest take no -o
dbusage() {
	msg=$1
	shift
	if run 2 "$BIN" "$@" && grep -qF -- "$msg" "$T/err" &&
	    tail -n 1 "$T/err" | grep -q "^Try 'circleci-usage $1 --help'" &&
	    [ ! -e "$T/h.db" ]; then
		ok "$1: $msg"
	else
		ko "$1: $msg" "exit $status: $(cat "$T/err")"
	fi
}
dbusage "circleci-usage: db: expected one of: info, prune" db --db "$T/h.db"
dbusage "circleci-usage: db: expected one of: info, prune" db --db "$T/h.db" info extra
dbusage "circleci-usage: db: expected one of: info, prune" db --db "$T/h.db" vacuum
dbusage "circleci-usage: db: prune: --before DATE (YYYY-MM-DD) is required" \
    db --db "$T/h.db" prune
dbusage "circleci-usage: db: --before: expected a date YYYY-MM-DD, got '2026-02-30'" \
    db --db "$T/h.db" prune --before 2026-02-30
dbusage "circleci-usage: db: unrecognized option '--bogus'" db --db "$T/h.db" --bogus info
dbusage "circleci-usage: ingest: no input: give export files or directories" \
    ingest --db "$T/h.db"
dbusage "circleci-usage: ingest: unrecognized option '--bogus'" ingest --db "$T/h.db" --bogus "$T/d"
run 2 env -u HOME -u XDG_DATA_HOME -u CIRCLECI_USAGE_DB "$BIN" ingest "$T/d" &&
    contains "$T/err" "no database: set CIRCLECI_USAGE_DB, XDG_DATA_HOME or HOME, or give --db FILE|URI" &&
    run 2 env -u HOME -u XDG_DATA_HOME -u CIRCLECI_USAGE_DB "$BIN" db info &&
    contains "$T/err" "no database: set CIRCLECI_USAGE_DB, XDG_DATA_HOME or HOME, or give --db FILE|URI" &&
    ok "ingest, db: no HOME and no --db is a usage error" ||
    ko "ingest, db: no HOME and no --db is a usage error" "$(cat "$T/err")"
run 3 "$BIN" db --db "$T/h.db" info &&
    contains "$T/err" "no database '$T/h.db': No such file or directory (run \`circleci-usage ingest\` first)" &&
    [ ! -e "$T/h.db" ] && ok "db info: a missing database is not created" ||
    ko "db info: a missing database is not created" "$(cat "$T/err")"
printf 'PROJECT_NAME,JOB_ID,TOTAL_CREDITS\napi,U1,1\n' >"$T/undated.csv"
run 0 "$BIN" ingest --db "$T/u.db" "$T/undated.csv" &&
    run 0 "$BIN" db --db "$T/u.db" info &&
    contains "$T/out" "^span:       (no dated job runs)$" &&
    contains "$T/out" "^job runs:   1 (1 without a date)$" &&
    ok "db info: a database of undated job runs says so" ||
    ko "db info: a database of undated job runs" "$(cat "$T/out" "$T/err")"
mkdir -p "$T/dbdir"
run 1 "$BIN" ingest --db "$T/dbdir" "$T/undated.csv" &&
    contains "$T/err" "database '$T/dbdir': cannot open" &&
    ok "ingest into a directory exits 1 naming it" ||
    ko "ingest into a directory exits 1 naming it" "$(cat "$T/err")"
run 1 "$BIN" ingest --db "$T/undated.csv/sub/h.db" "$T/undated.csv" &&
    contains "$T/err" "cannot create directory '$T/undated.csv/sub': Not a directory" &&
    ok "ingest: a database directory that cannot be made exits 1 naming it" ||
    ko "ingest: a database directory that cannot be made" "$(cat "$T/err")"
# concatenated parts, each with its header: history holds what report reads
run 0 "$BIN" ingest --db "$T/cat.db" "$T/cat.csv.gz" &&
    contains "$T/out" "4 job runs read from 1 file: 4 new" &&
    run 0 "$BIN" report --format csv "$T/cat.csv.gz" && cp "$T/out" "$T/cat-files.csv" &&
    run 0 "$BIN" report --db "$T/cat.db" --format csv && cmp -s "$T/out" "$T/cat-files.csv" &&
    ok "ingest: concatenated parts with their own headers, as report reads them" ||
    ko "ingest: concatenated parts" "$(cat "$T/out" "$T/err")"
run 2 env -u HOME -u XDG_DATA_HOME -u CIRCLECI_USAGE_DB "$BIN" report --db - &&
    contains "$T/err" "no database: set CIRCLECI_USAGE_DB, XDG_DATA_HOME or HOME, or give --db FILE|URI" &&
    ok "report --db - without HOME: a usage error" ||
    ko "report --db - without HOME" "$(cat "$T/err")"
# export's option, range and token errors: exit 2, one line naming the
# option, before any request (the API URL is a closed loopback port)
ORG=00000000-0000-4000-8000-000000000000
experr() {
	msg=$1
	shift
	if run 2 env CIRCLECI_API_TOKEN=t "$BIN" export --org "$ORG" \
	    --api-url http://127.0.0.1:9 -o "$T/exp" "$@" &&
	    { [ "$(head -n 1 "$T/err")" = "circleci-usage: $msg" ] ||
	    [ "$(head -n 1 "$T/err")" = "circleci-usage: export: $msg" ]; } &&
	    [ ! -e "$T/exp/manifest.json" ]; then
		ok "export $*: $msg"
	else
		ko "export $*: $msg" "exit $status: $(cat "$T/err")"
	fi
}
experr "--shared-org: expected an organization UUID, got 'nope'" --shared-org nope
# after a good one (under ASan, LeakSanitizer fails the run if the first
# one's array is not freed on this usage error)
experr "--shared-org: expected an organization UUID, got 'nope'" \
    --shared-org 00000000-0000-4000-8000-000000000001 --shared-org nope
experr "--poll-interval: expected seconds, more than 0 and at most 3600, got '0'" --poll-interval 0
experr "--timeout: expected a duration such as 90s, 30m or 4h, got 'soon'" --timeout soon
experr "--parallel: expected a number from 1 to 64, got '65'" --parallel 65
experr "takes no arguments ('extra'); the output directory is -o DIR" extra
experr "--last cannot be combined with --start or --end" --last 7d --start 2026-10-01
experr "a start given without an end (--end or END_DATE)" --start 2026-10-01
experr "--end '2026-13-01': expected YYYY-MM-DD or an RFC 3339 time (2026-10-31T23:59:59Z)" \
    --start 2026-10-01 --end 2026-13-01
experr "the start (2100-10-01T00:00:00Z) is in the future" --start 2100-10-01 --end 2100-10-02
experr "--token-file '$T/no-token': No such file or directory" --token-file "$T/no-token"
printf 'a b\n' >"$T/token-sp"
experr "the API token from --token-file holds a space or control character" --token-file "$T/token-sp"
printf '\n' >"$T/token-empty"
experr "the API token from --token-file is empty" --token-file "$T/token-empty"
run 2 env -u ORG_ID -u CIRCLE_ORGANIZATION_ID CIRCLECI_API_TOKEN=t "$BIN" export -o "$T/exp" &&
    contains "$T/err" "no organization: use --org ID or set ORG_ID" &&
    ok "export without an org: a usage error" || ko "export without an org" "$(cat "$T/err")"
run 2 "$BIN" export --bogus && contains "$T/err" "unrecognized option '--bogus'" &&
    contains "$T/err" "Try 'circleci-usage export --help'" &&
    ok "export: an unknown option" || ko "export: an unknown option"
for c in chargeback rightsize failures html db ingest export; do
	run 0 "$BIN" $c --help && contains "$T/out" "^usage: circleci-usage $c" &&
	    [ ! -s "$T/err" ] || { ko "$c --help"; continue; }
	ok "$c --help: the usage on stdout, exit 0"
done
# notify --help names the options of --db's previous period (it left
# them out)
run 0 "$BIN" notify --help && contains "$T/out" "^  --previous-since DATE" &&
    contains "$T/out" "^  --previous-until DATE" &&
    ok "notify --help: --previous-since and --previous-until" ||
    ko "notify --help: --previous-since and --previous-until"


# -- a header naming a known column twice: exit 3 naming the file, the
#    line, the column and both positions, for every reader; nothing
#    written over an -o file; an unknown column twice is fine
mkdir -p "$T/dup"
HD='PROJECT_NAME,WORKFLOW_NAME,JOB_NAME,JOB_ID,JOB_RUN_DATE,JOB_BUILD_STATUS,TOTAL_CREDITS'
ROW='api,build,test,00000000-0000-4000-8000-000000000001,2026-10-01,success,10.5'
# dupfile NAME HEADER EXTRA: an export whose header is HEADER, its row
# ROW,EXTRA
dupfile() {
	printf '%s\n%s,%s\n' "$2" "$ROW" "$3" >"$T/dup/$1.csv"
}
dupfile exact "$HD,TOTAL_CREDITS" 9
dupfile case "$HD,total_credits" 9
dupfile space "$HD, Total_Credits " 9
printf '\357\273\277%s\n%s,9\n' "$HD,JOB_ID" "$ROW" >"$T/dup/bom.csv"
printf '"\357\273\277JOB_ID",PROJECT_NAME,TOTAL_CREDITS,JOB_ID\n00000000-0000-4000-8000-000000000001,api,1,x\n' \
    >"$T/dup/bomq.csv"
dupfile unread "$HD,VCS_BRANCH,vcs_branch" main,dev
{ printf '%s\n%s\n' "$HD" "$ROW"; printf '%s\n%s,a,b\n' "$HD,VCS_BRANCH,Vcs_Branch" \
    "$(echo "$ROW" | sed 's/-000000000001/-000000000002/')"; } | gzip -c >"$T/dup/cat.csv.gz"
# dupcheck NAME FILE LINE COLUMN A B CMD...
dupcheck() {
	n=$1 f=$2 l=$3 c=$4 a=$5 b=$6
	shift 6
	echo old >"$T/dup/out.csv"
	run 3 "$@" && head -n 1 "$T/err" >"$T/err1" &&
	    contains "$T/err1" "^circleci-usage: '$f': line $l: the header names column $c twice (columns $a and $b, names matched in any case): an export column may appear only once$" &&
	    [ "$(cat "$T/dup/out.csv")" = old ] && ok "$n" ||
	    ko "$n" "exit $status: $(head -c 300 "$T/err")"
}
D=$T/dup
for v in "exact $D/exact.csv 1 TOTAL_CREDITS 7 8" "case $D/case.csv 1 TOTAL_CREDITS 7 8" \
    "space $D/space.csv 1 TOTAL_CREDITS 7 8" "bom $D/bom.csv 1 JOB_ID 4 8" \
    "bomq $D/bomq.csv 1 JOB_ID 1 4" "unread $D/unread.csv 1 VCS_BRANCH 8 9" \
    "cat.gz $D/cat.csv.gz 3 VCS_BRANCH 8 9"; do
	set -- $v
	dupcheck "report: a header naming $4 twice ($1)" "$2" "$3" "$4" "$5" "$6" \
	    "$BIN" report -o "$D/out.csv" "$2"
done
f=$D/exact.csv
dupcheck "failures: a column named twice" "$f" 1 TOTAL_CREDITS 7 8 \
    "$BIN" failures -o "$D/out.csv" "$f"
dupcheck "rightsize: a column named twice" "$f" 1 TOTAL_CREDITS 7 8 \
    "$BIN" rightsize -o "$D/out.csv" "$f"
printf 'teams:\n  t: ["*"]\n' >"$D/teams.yaml"
dupcheck "chargeback: a column named twice" "$f" 1 TOTAL_CREDITS 7 8 \
    "$BIN" chargeback --teams "$D/teams.yaml" -o "$D/out.csv" "$f"
dupcheck "compare: a column named twice in the previous period" "$f" 1 \
    TOTAL_CREDITS 7 8 "$BIN" compare -o "$D/out.csv" "$f" "$T/d"
dupcheck "compare: a column named twice in the current period" "$f" 1 \
    TOTAL_CREDITS 7 8 "$BIN" compare -o "$D/out.csv" "$T/d" "$f"
dupcheck "html: a column named twice" "$f" 1 TOTAL_CREDITS 7 8 \
    "$BIN" html -o "$D/out.csv" "$f"
dupcheck "notify slack --dry-run: a column named twice" "$f" 1 TOTAL_CREDITS 7 8 \
    "$BIN" notify slack --dry-run "$f"
dupcheck "ingest: a column named twice" "$f" 1 TOTAL_CREDITS 7 8 \
    "$BIN" ingest --quiet --db "$D/h.db" "$f"
dupcheck "ingest: a column named twice in a header again" "$D/cat.csv.gz" 3 \
    VCS_BRANCH 8 9 "$BIN" ingest --quiet --db "$D/h.db" "$D/cat.csv.gz"
mkdir -p "$D/ex"
# a generated part with TOTAL_CREDITS again at the end, as total_credits
python3 - "$T/gen/part-000.csv.gz" "$D/ex/part-000.csv.gz" <<'PY'
import csv, gzip, io, sys
rows = list(csv.reader(io.TextIOWrapper(gzip.open(sys.argv[1]), newline="")))
i = rows[0].index("TOTAL_CREDITS")
with gzip.open(sys.argv[2], "wt", newline="") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(rows[0] + ["total_credits"])
    for r in rows[1:]:
        w.writerow(r + [r[i]])
PY
run 3 "$BIN" run --from "$D/ex" -o "$D/run" --quiet &&
    contains "$T/err" "part-000.csv.gz': line 1: the header names column TOTAL_CREDITS twice (columns" &&
    [ ! -e "$D/run/by-project.csv" ] &&
    ok "run: a column named twice" || ko "run: a column named twice" "exit $status: $(cat "$T/err")"
dupfile unknown "$HD,NOTE,note, NOTE" a,b,c
run 0 "$BIN" report --format csv "$D/unknown.csv" && grep -q '^api,1,' "$T/out" &&
    ok "an unknown column named twice is fine" ||
    ko "an unknown column named twice is fine" "exit $status: $(cat "$T/err")"

finish
