#!/bin/sh
# make demo: the weekly job end to end, with no token and no network.
# Starts the test double of the Usage API on loopback, serving two weeks of
# synthetic usage, puts three earlier weeks into a history database, runs
# `circleci-usage run --last 7d --compare --db --budgets` against it (two
# exports added to the history, the page, reports, charts, budgets,
# anomalies, summary), shows the
# summary, the Slack message it would post (`notify slack --dry-run`) and
# where the page is.  It leaves build/demo/ (the export, the run directory,
# the history database, a teams file, a budgets file), the data README.md's
# examples run on (tests/e2e/readme.py runs them).
#   sh scripts/demo.sh            (DEMO_DIR=build/demo, DEMO_ROWS=100000,
#                                  DEMO_BIN=./circleci-usage)
#   sh scripts/demo.sh --quote WORD...   the words as one shell-quoted line
# Each command is printed before it runs as a line that a POSIX shell reads
# back as the same words, so it can be pasted as it is.
set -eu

# quote WORD...: the words on one line, each as a shell reads it back: a
# word of only these characters as it is, any other in single quotes (a '
# inside as '\''), the empty word as ''
quote() {
	line=
	for w in "$@"; do
		case $w in
		'') w="''" ;;
		*[!A-Za-z0-9_./:@%+,-]*)
			# the x keeps trailing newlines from $(...)
			w=$(printf '%sx' "$w" | sed "s/'/'\\\\''/g")
			w="'${w%x}'" ;;
		esac
		line="$line${line:+ }$w"
	done
	printf '%s\n' "$line"
}

if [ "${1:-}" = --quote ]; then
	shift
	quote "$@"
	exit 0
fi

root=$(cd "$(dirname "$0")/.." && pwd)
bin=${DEMO_BIN:-./circleci-usage}
dir=${DEMO_DIR:-build/demo}
rows=${DEMO_ROWS:-100000}
org=b9291e0d-a11e-41fb-8517-c545388b5953

run() {
	printf '\n$ %s\n' "$(quote "$@")"
	"$@"
}

rm -rf "$dir"
mkdir -p "$dir"
# "now" pinned as the tests pin it (tests/README.md), for the tool and the
# double alike: the same demo, figures and dates, on every day
: "${CIRCLECI_USAGE_NOW:=2026-12-04T12:00:00Z}"
export CIRCLECI_USAGE_NOW
start=$(python3 "$root/tests/e2e/pinnow.py" -15)
echo "demo: generating $rows synthetic job runs from $start (two weeks) in $dir/data"
python3 "$root/tests/gen/genexport.py" -o "$dir/data" --rows "$rows" \
    --parts 4 --seed 7 --start "$start" --days 15 --dup-rows 25 --procs 2 \
    --truth "$dir/truth.json"

# the 22 days before the weekly run's, as the history a weekly job builds up (--db):
# the same projects and level (the same seed), other JOB_IDs
hstart=$(python3 "$root/tests/e2e/pinnow.py" -36)
echo "demo: generating 146667 job runs of history from $hstart (22 days) in $dir/history"
python3 "$root/tests/gen/genexport.py" -o "$dir/history" --rows 146667 \
    --parts 4 --seed 7 --start "$hstart" --days 22 --history-ids --procs 2

# who owns which project, for `chargeback` and `--by team` (README.md)
cat >"$dir/teams.yaml" <<'TEAMS'
# which team owns which project: the first pattern that matches wins
teams:
  mobile: [wearables-android, "ios-*", mobile-ios, tv-app, firmware-arm]
  ml: [gpu-inference, "ml-*", fraud-model, video-transcoder]
  data: [data-pipeline, analytics-etl, reporting-service]
  platform: ["acme/*", "*-service", edge-proxy, "sdk-*"]
TEAMS

# what each may spend, for `budget` (README.md, doc/budgets.md)
cat >"$dir/budgets.yaml" <<'BUDGETS'
# a week is Monday to Sunday UTC; thresholds default to 50, 75, 90, 100
budgets:
  - name: org-weekly
    scope: org
    period: week
    credits: 16000000
  - name: org-monthly
    scope: org
    period: month
    usd: 40000
  - name: mobile
    team: mobile
    period: week
    credits: 5000000
    thresholds: [80, 100]
  - name: gpu
    by: {resource_class: "gpu.*"}
    period: week
    credits: 1500000
  - name: ios
    project: "ios-*"
    period: month
    credits: 500000
BUDGETS

# the test double of the Usage API, on loopback, serving that data
echo "demo-token-$$" >"$dir/token"
python3 "$root/tests/double/usage_api.py" --data "$dir/data" --org "$org" \
    --token-file "$dir/token" --ready-file "$dir/double.json" \
    --processing-after 1 --complete-after 2 --parts-per-job 4 \
    --poll-limit 100/60 --log "$dir/double-log.jsonl" 2>"$dir/double.err" &
double=$!
trap 'kill $double 2>/dev/null' EXIT INT TERM
i=0
while [ ! -s "$dir/double.json" ]; do
	i=$((i + 1))
	if [ $i -gt 300 ] || ! kill -0 $double 2>/dev/null; then
		echo "demo: the test double did not start:" >&2
		cat "$dir/double.err" >&2
		exit 1
	fi
	sleep 0.1
done
api=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["api_url"])' \
    "$dir/double.json")
echo "demo: the test double of the Usage API listens at $api"

# what the weekly CircleCI job runs (.circleci/config.yml), with the org and
# the API given explicitly instead of CIRCLE_ORGANIZATION_ID
run "$bin" ingest --db "$dir/weekly.db" "$dir/history"
run "$bin" run --org "$org" --api-url "$api" --token-file "$dir/token" \
    --last 7d --compare --names --poll-interval 1 --db "$dir/weekly.db" \
    --budgets "$dir/budgets.yaml" --teams "$dir/teams.yaml" -o "$dir/report"

run cat "$dir/report/summary.md"
run "$bin" report --format table --by resource_class "$dir/report"
run "$bin" compare --format table --top 8 "$dir/report/previous" "$dir/report/export"
run "$bin" notify slack --dry-run --alert 'change_pct > 10' \
    --alert 'failed_credits_pct > 5' "$dir/report"

printf '\ndemo: the page is %s/report/index.html (open it in a browser);\n' "$dir"
printf 'demo: every artifact of the weekly job is in %s/report/;\n' "$dir"
printf 'demo: README.md has an example of each command on this data.\n'
