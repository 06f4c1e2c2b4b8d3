#!/bin/sh
# tests/e2e/pipeline.sh BIN [--quick]: the weekly pipeline's commands.
#
# compare: exact deltas against two `report --format json` runs for
#   several --by keys, with groups on one side only (new and gone: two
#   generated exports with different seeds and weeks, and a --project
#   filter); CSV equal to JSON; table and markdown; --min-change and --top;
#   -o atomic; run directories read through export/ (report and compare);
#   errors naming the option or the file, with their exit codes.
# notify slack: the --dry-run payload (valid JSON within Block Kit's
#   limits, even with 500 projects listed; names from the data escaped; the
#   totals, cost and change equal to report's and compare's; a run
#   directory's run.json period and previous export); alert rules (parse
#   errors exit 2 naming the expression, --only-on-alert, --fail-on-alert
#   exits 7); posting to a stand-in webhook (tests/e2e/webhook.py): the
#   payload checked there, 429 with Retry-After then 200, 500 then 200,
#   500 until --timeout, 400 and 404; the webhook URL never in stdout,
#   stderr or any process's argv, https only except loopback, and no
#   CircleCI token sent.
# Data: tests/gen/genexport.py, two seeds and date ranges, and a CSV of
#   500 projects with hostile names.
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

# ---------------------------------------------------------------- notify
# the secret part of the webhook's URL, and a CircleCI token that must not
# travel: run.sh's canaries, which its secrets scan looks for everywhere
SECRET=${CU_E2E_WEBHOOK:-s3cr3tW3bh00kT0k3nZ}
TOKEN=${CU_E2E_TOKEN:-circle-token-must-not-travel}
SECRET_PATH=/services/T0PIPE/B0PIPE/$SECRET
hook_pid=

hook_start() {
	rm -f "$T/port" "$T/hook.log"
	WEBHOOK_PATH=$SECRET_PATH python3 "$here/webhook.py" --port-file "$T/port" \
	    --log "$T/hook.log" --script "$1" &
	hook_pid=$!
	i=0
	while [ ! -s "$T/port" ] && [ $i -lt 200 ]; do
		sleep 0.05
		i=$((i + 1))
	done
	HOOK_URL="http://127.0.0.1:$(cat "$T/port")$SECRET_PATH"
}

hook_stop() {
	[ -n "$hook_pid" ] && kill "$hook_pid" 2>/dev/null && wait "$hook_pid" 2>/dev/null
	hook_pid=
}
trap 'hook_stop; if [ "$fail" -ne 0 ]; then echo "temp files kept in $T"; elif [ -z "${CU_E2E_KEEP:-}" ]; then rm -rf "$T"; fi' 0

# requests N: the stand-in webhook got N requests
requests() {
	[ "$(wc -l <"$T/hook.log")" -eq "$1" ]
}

# hook_ok: every request was to the right path, checked, and nothing
# secret was in any process's argv or sent as a credential
hook_ok() {
	python3 - "$T/hook.log" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    r = json.loads(line)
    assert r["path_ok"] and r["content_type"] == "application/json", r
    assert not r["secret_in_argv"], "the secret is in a process's argv"
    assert not r["authorization"], "a credential was sent"
    assert r["error"] is None or r["status"] != 400, r["error"]
PY
}

# no_secret: the webhook URL's secret is in neither stdout nor stderr
no_secret() {
	! grep -q "$SECRET" "$T/out" "$T/err"
}

# notify_hook WANT ARGS...: notify slack with the webhook URL in the
# environment (an assignment, never an argument of any process)
notify_hook() {
	want=$1
	shift
	SLACK_WEBHOOK_URL=$HOOK_URL
	export SLACK_WEBHOOK_URL
	"$BIN" notify slack "$@" >"$T/out" 2>"$T/err"
	status=$?
	kept
	unset SLACK_WEBHOOK_URL
	[ "$status" -eq "$want" ]
}

# money V: report's exact credits as the message shows them, 2 decimals
money() {
	python3 -c 'import sys; from decimal import Decimal, ROUND_HALF_UP
print("{:,}".format(Decimal(sys.argv[1]).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)))' "$1"
}

# -- --dry-run: the payload, checked, against report and compare
"$BIN" report --format json "$T/cur" >"$T/c.json"
"$BIN" compare --format json "$T/prev" "$T/cur" >"$T/cmp.json"
tot=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["totals"]["total_credits"])' "$T/c.json")
cost=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["totals"]["cost_usd"])' "$T/c.json")
jobs=$(python3 -c 'import json,sys; print("{:,}".format(json.load(open(sys.argv[1]))["totals"]["jobs"]))' "$T/c.json")
pct=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["totals"]["change_pct"])' "$T/cmp.json")
top1=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["rows"][0]["project"])' "$T/c.json")
unset SLACK_WEBHOOK_URL
run 0 "$BIN" notify slack --dry-run --previous "$T/prev" "$T/cur" &&
    cp "$T/out" "$T/payload.json" &&
    $CHECK slack "$T/payload.json" >"$T/digest" 2>"$T/why" &&
    ok "--dry-run: a valid payload within Block Kit's limits, no webhook needed ($(head -1 "$T/digest"))" ||
    ko "--dry-run: a valid payload within Block Kit's limits, no webhook needed" "$(cat "$T/why" "$T/err")"
grep -qF "*Credits:* $(money "$tot"), " "$T/digest" &&
    grep -qF "*Cost:* \$$(money "$cost") at \$0.0006 a credit" "$T/digest" &&
    grep -qF "*Jobs:* $jobs" "$T/digest" &&
    grep -qF -- "$(printf '%+.2f' "$pct")% (" "$T/digest" &&
    grep -qF "*Period:* 2026-10-12 to 2026-10-18 (previous: 2026-10-05 to 2026-10-11)" "$T/digest" &&
    ok "--dry-run: credits, cost, jobs, change and periods as report and compare give them" ||
    ko "--dry-run: credits, cost, jobs, change and periods as report and compare give them" "$(head -3 "$T/digest")"
grep -q '^\*Top projects by credits\* (10 of [0-9]*)' "$T/digest" &&
    grep -q '^10\. `' "$T/digest" && ! grep -q '^11\. ' "$T/digest" &&
    grep -q '…and [0-9]* more projects: ' "$T/digest" &&
    ok "--dry-run: top 10 projects by default, the rest in one line" ||
    ko "--dry-run: top 10 projects by default, the rest in one line" "$(cat "$T/digest")"
python3 - "$T/payload.json" "$T/c.json" <<'PY' && ok "--dry-run: the first project is report's largest" ||
import json, sys
msg = json.load(open(sys.argv[1])); rep = json.load(open(sys.argv[2]))
texts = "\n".join(b["text"]["text"] for b in msg["blocks"] if b["type"] == "section")
first = rep["rows"][0]["project"].replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("`", "\u02cb")
assert "\n1. `%s` " % first in texts, first
PY
    ko "--dry-run: the first project is report's largest"
run 0 "$BIN" notify slack --dry-run --top 3 --title 'Weekly <usage> & more' "$T/cur" &&
    $CHECK slack "$T/out" >"$T/digest" 2>"$T/why" &&
    grep -qF '(3 of ' "$T/digest" && ! grep -q 'previous' "$T/digest" &&
    grep -q '"text": "Weekly <usage> & more"' "$T/out" &&
    ok "--dry-run without a previous period: no change shown; --top 3; --title" ||
    ko "--dry-run without a previous period: no change shown; --top 3; --title" "$(cat "$T/why" "$T/digest")"

# -- 500 projects with hostile names: within the limits, escaped
python3 - "$T" <<'PY'
import csv, random, sys
t = sys.argv[1]
rnd = random.Random(5)
special = ["a&b <c> *d* _e_ ~f~ `g`", "<!channel> ping", "x" * 300,
           "tab\there", "\u00e9t\u00e9-\U0001F680-" + "\u00fc" * 100]
# long names, many of them heavy once escaped: more than 50 blocks' worth
names = special + ["proj-%03d-%s" % (i, rnd.choice("&&\u00fc") * rnd.randrange(50, 80))
                   for i in range(500)]
for side, keep in (("p500", 0.8), ("c500", 0.9)):
    with open("%s/%s.csv" % (t, side), "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["PROJECT_NAME", "JOB_ID", "TOTAL_CREDITS",
                    "JOB_BUILD_STATUS", "JOB_RUN_DATE"])
        for i, n in enumerate(names):
            if n not in special and rnd.random() > keep:
                continue
            for j in range(3):
                w.writerow([n, "%s-%d-%d" % (side, i, j),
                            "%d.%03d" % (rnd.randrange(1, 5000), rnd.randrange(1000)),
                            rnd.choice(["success", "failed", "canceled"]),
                            "2026-10-%02d" % (1 + j + (7 if side == "c500" else 0))])
PY
for top in 500 10; do
	run 0 "$BIN" notify slack --dry-run --top $top --previous "$T/p500.csv" "$T/c500.csv" \
	    --alert 'project.total_credits > 1' --alert 'project.change_pct > -1000' &&
	    $CHECK slack "$T/out" >"$T/digest" 2>"$T/why" &&
	    ok "500 projects, --top $top: $(head -1 "$T/digest"), every text within its limit" ||
	    ko "500 projects, --top $top: within Block Kit's limits" "$(cat "$T/why" "$T/err")"
done
run 0 "$BIN" notify slack --dry-run --top 500 --previous "$T/p500.csv" "$T/c500.csv"
$CHECK slack "$T/out" >"$T/digest" 2>&1
grep -q '…and [0-9]* more projects: ' "$T/digest" &&
    ok "500 projects listed: the tail folded into one line" ||
    ko "500 projects listed: the tail folded into one line"
grep -qF '`a&amp;b &lt;c&gt; *d* _e_ ~f~ ˋgˋ`' "$T/digest" &&
    grep -qF '`&lt;!channel&gt; ping`' "$T/digest" &&
    grep -qF '`tab here`' "$T/digest" &&
    grep -qF "\`$(printf 'x%.0s' $(seq 79))…\`" "$T/digest" &&
    ! grep -q '<!channel>' "$T/out" &&
    ok "names escaped (& < > entities, backtick replaced, in code), control characters blanked, long names cut" ||
    ko "names escaped (& < > entities, backtick replaced, in code), control characters blanked, long names cut" \
    "$(grep -F 'a&amp;b' "$T/digest" | head -2)"

# -- run directories: run.json's period, org and previous export
mkdir -p "$T/runA"
cp -r "$T/run2/export" "$T/runA/export"
cp -r "$T/run1/export" "$T/runA/previous"
cat >"$T/runA/run.json" <<JSON
{"org_id": "org-<1>&", "start": "2026-10-12T00:00:00Z", "end": "2026-10-18T23:59:59Z",
 "previous": {"start": "2026-10-05", "end": "2026-10-11", "dir": "previous"},
 "totals": {"total_credits": 0}}
JSON
cp "$T/cmp.csv" "$T/runA/by-project.csv"
run 0 "$BIN" notify slack --dry-run "$T/runA" && $CHECK slack "$T/out" >"$T/digest" 2>"$T/why" &&
    grep -qF "*Period:* 2026-10-12 to 2026-10-18 (previous: 2026-10-05 to 2026-10-11)" "$T/digest" &&
    grep -qF '*Organization:* `org-&lt;1&gt;&amp;`' "$T/digest" &&
    grep -qF "*Credits:* $(money "$tot"), $(printf '%+.2f' "$pct")% (" "$T/digest" &&
    ok "run directory: run.json's period and org, previous/ compared" ||
    ko "run directory: run.json's period and org, previous/ compared" "$(cat "$T/why" "$T/err"; head -4 "$T/digest")"
sed 's/"dir": "previous"/"dir": "..\/x"/' "$T/runA/run.json" >"$T/rj" && mkdir -p "$T/runB" &&
    cp -r "$T/runA/export" "$T/runB/" && cp "$T/rj" "$T/runB/run.json"
run 3 "$BIN" notify slack --dry-run "$T/runB" && contains "$T/err" 'run.json.*previous.*dir' &&
    ok "run.json previous.dir outside the run directory: exit 3" ||
    ko "run.json previous.dir outside the run directory: exit 3" "$(cat "$T/err")"
echo '{"start": "soon", "end": "2026-10-18"}' >"$T/runB/run.json"
run 3 "$BIN" notify slack --dry-run "$T/runB" && contains "$T/err" 'run.json.*"start"' &&
    ok "run.json with a bad start: exit 3 naming the field" ||
    ko "run.json with a bad start: exit 3 naming the field" "$(cat "$T/err")"
echo '{"start": "2026-10-12", "end": "2026-10-18", "previous": null}' >"$T/runB/run.json"
run 0 "$BIN" notify slack --dry-run --alert 'change_pct > 1' --fail-on-alert "$T/runB" &&
    contains "$T/err" "not evaluated" && ! grep -q 'previous:' "$T/out" &&
    ok "no previous period: change_pct not evaluated, a warning, no fire" ||
    ko "no previous period: change_pct not evaluated, a warning, no fire" "$(cat "$T/err")"

# -- alert rules
run 2 "$BIN" notify slack --dry-run --alert 'total_credits >> 5' "$T/cur" &&
    contains "$T/err" "notify: --alert 'total_credits >> 5': operator '>>' is not supported (expected >, >=, < or <=)" &&
    ok "bad --alert: exit 2 naming the expression and what was expected" ||
    ko "bad --alert: exit 2 naming the expression and what was expected" "$(cat "$T/err")"
run 2 "$BIN" notify slack --dry-run --alert 'credits > 5' "$T/cur" &&
    contains "$T/err" "unknown name 'credits'" && ok "unknown --alert name: exit 2" ||
    ko "unknown --alert name: exit 2"
run 2 "$BIN" notify slack --dry-run --alert 'jobs > many' "$T/cur" &&
    contains "$T/err" "expected a number after '>', got 'many'" && ok "--alert without a number: exit 2" ||
    ko "--alert without a number: exit 2"
run 7 "$BIN" notify slack --dry-run --fail-on-alert --previous "$T/prev" "$T/cur" \
    --alert "total_credits >= $tot" --alert "jobs < 1" &&
    $CHECK slack "$T/out" >"$T/digest" 2>/dev/null &&
    grep -qF '1 of 2 alert rules fired' "$T/digest" &&
    grep -qF ":rotating_light: \`total_credits &gt;= $tot\`: $(money "$tot") credits" "$T/digest" &&
    contains "$T/err" "alert fired: total_credits >= $tot" &&
    ok "--fail-on-alert: exit 7, the rule and its value in the message" ||
    ko "--fail-on-alert: exit 7, the rule and its value in the message" "$(cat "$T/err")"
run 0 "$BIN" notify slack --dry-run --fail-on-alert "$T/cur" --alert "total_credits > $tot" &&
    grep -q 'No alert fired' "$T/out" && ok "--fail-on-alert: exit 0 when nothing fires" ||
    ko "--fail-on-alert: exit 0 when nothing fires"
run 7 "$BIN" notify slack --dry-run --fail-on-alert --previous "$T/prev" "$T/cur" \
    --alert 'project.change_pct <= -100' &&
    grep -q "project.change_pct &lt;= -100%\`: \`" "$T/out" &&
    ok "project.change_pct fires on gone projects and names them" ||
    ko "project.change_pct fires on gone projects and names them" "$(grep rotating "$T/out")"
run 7 "$BIN" notify slack --dry-run --fail-on-alert --alert 'failed_credits_pct > 0' \
    --alert 'cost_usd > 1' --waste-statuses FAILED "$T/cur" &&
    python3 - "$T/out" "$T/cur" "$BIN" <<'PY' && ok "failed_credits_pct over --waste-statuses, exact" ||
import json, subprocess, sys
from decimal import Decimal, ROUND_HALF_UP
msg = json.load(open(sys.argv[1]))
rep = lambda *a: json.loads(subprocess.run([sys.argv[3], "report", "--format", "json"] + list(a) + [sys.argv[2]], capture_output=True, text=True).stdout, parse_float=Decimal)
failed = rep("--status", "failed")["totals"]["total_credits"]
total = rep()["totals"]["total_credits"]
want = (failed * 100 / total).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
text = "\n".join(b["text"]["text"] for b in msg["blocks"] if b["type"] == "section")
assert "`failed_credits_pct &gt; 0%`: " + str(want) + "%" in text, (want, text)
assert "*Failed runs:* " in text and str(want) + "% of the credits (FAILED)" in text, text
PY
    ko "failed_credits_pct over --waste-statuses, exact"
run 0 "$BIN" notify slack --dry-run --only-on-alert --alert 'jobs < 0' "$T/cur" &&
    [ ! -s "$T/out" ] && contains "$T/err" "no alert fired; nothing printed" &&
    ok "--only-on-alert --dry-run: nothing when no rule fires" ||
    ko "--only-on-alert --dry-run: nothing when no rule fires"

# -- usage errors
run 2 "$BIN" notify && contains "$T/err" "expected a target" && ok "notify alone: exit 2" ||
    ko "notify alone: exit 2"
run 2 "$BIN" notify teams "$T/cur" && contains "$T/err" "unknown target 'teams' (expected slack, pushgateway or datadog)" &&
    ok "notify teams: exit 2" || ko "notify teams: exit 2"
run 2 "$BIN" notify slack "$T/cur" && contains "$T/err" "no webhook: set SLACK_WEBHOOK_URL or use --webhook-file" &&
    ok "no webhook and no --dry-run: exit 2" || ko "no webhook and no --dry-run: exit 2" "$(cat "$T/err")"
run 2 "$BIN" notify slack --dry-run && contains "$T/err" "no input" && ok "no PATH: exit 2" ||
    ko "no PATH: exit 2"
run 2 "$BIN" notify slack --dry-run --top 0 "$T/cur" && contains "$T/err" "--top" &&
    ok "--top 0: exit 2" || ko "--top 0: exit 2"
run 2 "$BIN" notify slack --dry-run --timeout soon "$T/cur" && contains "$T/err" "--timeout" &&
    ok "bad --timeout: exit 2" || ko "bad --timeout: exit 2"
run 2 "$BIN" notify slack --webhook-file "$T/nofile" "$T/cur" && contains "$T/err" "nofile" &&
    ok "missing --webhook-file: exit 2 naming it" || ko "missing --webhook-file: exit 2 naming it"
# (the one secret put in argv on purpose: run.sh's third canary, which its
# scan looks for everywhere but in argv)
ARGV_SECRET=${CU_E2E_ARGV_SECRET:-n0tInArgvS3cr3t}
run 2 "$BIN" notify slack --webhook-file "https://hooks.example.com/services/T0PIPE/B0PIPE/$ARGV_SECRET" "$T/cur" &&
    contains "$T/err" "not the URL" && ! grep -q "$ARGV_SECRET" "$T/out" "$T/err" &&
    ok "--webhook-file given the URL itself: exit 2, not echoed" ||
    ko "--webhook-file given the URL itself: exit 2, not echoed" "$(cat "$T/err")"
run 3 "$BIN" notify slack --dry-run "$T/nowhere" && contains "$T/err" "nowhere" &&
    ok "missing PATH: exit 3 naming it" || ko "missing PATH: exit 3 naming it"
run 0 "$BIN" notify --help && contains "$T/out" "usage: circleci-usage notify slack" &&
    ok "notify --help" || ko "notify --help"
HOOK_URL="http://hooks.example.com$SECRET_PATH"
notify_hook 2 "$T/cur" && contains "$T/err" "SLACK_WEBHOOK_URL: plain http is refused" && no_secret &&
    ok "plain http to a remote host refused, the URL not shown" ||
    ko "plain http to a remote host refused, the URL not shown" "$(cat "$T/err")"
HOOK_URL="ftp://127.0.0.1$SECRET_PATH"
notify_hook 2 "$T/cur" && no_secret && ok "another scheme refused, the URL not shown" ||
    ko "another scheme refused, the URL not shown" "$(cat "$T/err")"
HOOK_URL="https://127.0.0.1 $SECRET_PATH"
notify_hook 2 "$T/cur" && contains "$T/err" "not one URL" && no_secret &&
    ok "a URL with a space refused, not shown" || ko "a URL with a space refused, not shown" "$(cat "$T/err")"

# -- posting to the stand-in webhook
CIRCLECI_API_TOKEN=$TOKEN
export CIRCLECI_API_TOKEN
hook_start ""
notify_hook 0 --previous "$T/prev" "$T/cur" && requests 1 && hook_ok && no_secret &&
    contains "$T/err" "posted the message (1 request)" &&
    ok "posted once, the payload accepted, no secret in output or argv, no credential sent" ||
    ko "posted once, the payload accepted, no secret in output or argv, no credential sent" "$(cat "$T/err" "$T/hook.log")"
python3 - "$T/hook.log" "$T/payload.json" <<'PY' && ok "the payload posted is the --dry-run one" ||
import json, sys
got = json.loads(open(sys.argv[1]).readline())["body"]
assert got == json.load(open(sys.argv[2]))
PY
    ko "the payload posted is the --dry-run one"
grep -q "$TOKEN" "$T/hook.log" && ko "the CircleCI token never sent" ||
    ok "the CircleCI token never sent"
hook_stop

hook_start ""
printf '  %s\n\n' "$HOOK_URL" >"$T/hook.secret"
chmod 600 "$T/hook.secret"
run 0 "$BIN" notify slack --webhook-file "$T/hook.secret" "$T/cur" && requests 1 && hook_ok && no_secret &&
    ok "--webhook-file: the URL read from a file, trimmed" ||
    ko "--webhook-file: the URL read from a file, trimmed" "$(cat "$T/err")"
run 0 "$BIN" notify slack --webhook-file - "$T/cur" <"$T/hook.secret" && requests 2 && no_secret &&
    ok "--webhook-file -: from stdin" || ko "--webhook-file -: from stdin" "$(cat "$T/err")"
hook_stop

hook_start "429:1,200"
t0=$(date +%s)
notify_hook 0 "$T/cur" && requests 2 && hook_ok && no_secret &&
    contains "$T/err" "answered 429" && [ $(( $(date +%s) - t0 )) -ge 1 ] &&
    ok "429 with Retry-After 1: waited, retried, posted" ||
    ko "429 with Retry-After 1: waited, retried, posted" "$(cat "$T/err")"
hook_stop

hook_start "500,503,200"
notify_hook 0 "$T/cur" && requests 3 && hook_ok && no_secret &&
    ok "500 then 503 then 200: retried with backoff, posted" ||
    ko "500 then 503 then 200: retried with backoff, posted" "$(cat "$T/err")"
hook_stop

hook_start "500*"
notify_hook 6 --timeout 3s "$T/cur" && no_secret &&
    contains "$T/err" "the webhook at 127.0.0.1 answered 500 (server_error) until the timeout" &&
    [ "$(wc -l <"$T/hook.log")" -ge 2 ] && ok "500 until --timeout: exit 6, the host named, not the URL" ||
    ko "500 until --timeout: exit 6, the host named, not the URL" "$(cat "$T/err")"
hook_stop

hook_start "429:30"
notify_hook 6 --timeout 2s "$T/cur" && requests 1 && no_secret &&
    ok "a Retry-After past --timeout: exit 6 without waiting" ||
    ko "a Retry-After past --timeout: exit 6 without waiting" "$(cat "$T/err")"
hook_stop

hook_start "400"
notify_hook 5 "$T/cur" && requests 1 && no_secret && contains "$T/err" "rejected the message (400: invalid_payload)" &&
    ok "400: exit 5, not retried" || ko "400: exit 5, not retried" "$(cat "$T/err")"
hook_stop

hook_start ""
good=$HOOK_URL
HOOK_URL="${good%/*}/${SECRET}wrong"
notify_hook 4 "$T/cur" && requests 1 && no_secret &&
    contains "$T/err" "refused the message (404: no_service)" &&
    ok "404 (a wrong webhook): exit 4, the URL not shown" ||
    ko "404 (a wrong webhook): exit 4, the URL not shown" "$(cat "$T/err")"
hook_stop
hook_start ""
notify_hook 0 --only-on-alert --alert 'jobs < 0' "$T/cur" && requests 0 &&
    contains "$T/err" "no alert fired; nothing posted" &&
    ok "--only-on-alert: nothing posted when no rule fires" ||
    ko "--only-on-alert: nothing posted when no rule fires" "$(cat "$T/err")"
notify_hook 7 --only-on-alert --fail-on-alert --alert 'jobs > 0' "$T/cur" && requests 1 && hook_ok &&
    contains "$T/err" "posted the message" &&
    ok "--only-on-alert --fail-on-alert: posted, then exit 7" ||
    ko "--only-on-alert --fail-on-alert: posted, then exit 7" "$(cat "$T/err")"
hook_stop
port_dead=$(cat "$T/port")
HOOK_URL="http://127.0.0.1:$port_dead$SECRET_PATH"
notify_hook 6 --timeout 2s "$T/cur" && no_secret && contains "$T/err" "127.0.0.1" &&
    ok "nothing listening: exit 6 after retries, the host named" ||
    ko "nothing listening: exit 6 after retries, the host named" "$(cat "$T/err")"
unset CIRCLECI_API_TOKEN

finish
