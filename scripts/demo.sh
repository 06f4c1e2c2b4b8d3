#!/bin/sh
# make demo: generate a sample Usage API export (synthetic, no token and
# no network needed) and show what `circleci-usage report` makes of it.
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
echo "demo: generating a sample export of $rows job runs in $dir/export"
python3 tests/gen/genexport.py -o "$dir/export" --rows "$rows" --parts 4 \
    --seed 7 --start 2026-10-01 --days 28 --dup-rows 25 --procs 2 \
    --truth "$dir/truth.json"
ls -l "$dir/export"

run "$bin" report --format table --top 10 "$dir/export"
run "$bin" report --format table --by resource_class "$dir/export"
run "$bin" report --format table --by week --status failed,canceled,timedout,infrastructure_fail "$dir/export"
run "$bin" report --format markdown --by job --top 5 "$dir/export"
run "$bin" report --by project --top 5 --format csv "$dir/export"
run "$bin" report --by project -o "$dir/by-project.json" "$dir/export"
printf '\ndemo: wrote %s/by-project.json (%s bytes)\n' "$dir" \
    "$(wc -c <"$dir/by-project.json" | tr -d ' ')"
