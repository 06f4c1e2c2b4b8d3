#!/bin/sh
# make demo: export a month of synthetic usage from the test double of the
# Usage API on loopback (no token, no network), in two windows, then show
# what `circleci-usage report` makes of it.
#   sh scripts/demo.sh            (DEMO_DIR=build/demo by default)
set -eu

bin=./circleci-usage
dir=${DEMO_DIR:-build/demo}
rows=${DEMO_ROWS:-200000}

run() {
	printf '\n$ %s\n' "$*"
	"$@"
}

rm -rf "$dir"
mkdir -p "$dir"
start=$(date -u -d '-36 days' +%Y-%m-%d)
end=$(date -u -d '-1 day' +%Y-%m-%d)
org=b9291e0d-a11e-41fb-8517-c545388b5953
echo "demo: generating $rows synthetic job runs from $start in $dir/data"
python3 tests/gen/genexport.py -o "$dir/data" --rows "$rows" --parts 4 \
    --seed 7 --start "$start" --days 34 --dup-rows 25 --procs 2 \
    --truth "$dir/truth.json"

# the test double of the Usage API, on loopback, serving that data
echo "demo-token-$$" >"$dir/token"
python3 tests/double/usage_api.py --data "$dir/data" --org "$org" \
    --token-file "$dir/token" --ready-file "$dir/double.json" \
    --processing-after 1 --complete-after 3 --parts-per-job 4 \
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

run "$bin" export --org "$org" --api-url "$api" --token-file "$dir/token" \
    --start "$start" --end "$end" --poll-interval 1 -o "$dir/export"
find "$dir/export" -type f | sort

run "$bin" report --format table --top 10 "$dir/export"
run "$bin" report --format table --by resource_class "$dir/export"
run "$bin" report --format table --by week --status failed,canceled,timedout,infrastructure_fail "$dir/export"
run "$bin" report --format markdown --by job --top 5 "$dir/export"
run "$bin" report --by project --top 5 --format csv "$dir/export"
run "$bin" report --by project -o "$dir/by-project.json" "$dir/export"
printf '\ndemo: wrote %s/by-project.json (%s bytes)\n' "$dir" \
    "$(wc -c <"$dir/by-project.json" | tr -d ' ')"
