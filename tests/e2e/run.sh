#!/bin/sh
# tests/e2e/run.sh BIN [--quick]: every end-to-end suite against BIN, with
# one closing "N passed, M failed" line for all of them.
set -u
BIN=$1
shift
quick=${1:-}
dir=$(dirname "$0")
pass=0
fail=0
tally() {
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$1" | tail -n 1)
	p=${line%% passed*}
	f=${line#*, }
	f=${f%% failed*}
	[ -n "$line" ] || { p=0; f=1; echo "FAIL $2: no result line"; }
	pass=$((pass + p))
	fail=$((fail + f))
}
log=$(mktemp)
sh "$dir/cli.sh" "$BIN" | tee "$log"
tally "$log" cli.sh
sh "$dir/html.sh" "$BIN" $quick | tee "$log"
tally "$log" html.sh
sh "$dir/pipeline.sh" "$BIN" $quick | tee "$log"
tally "$log" pipeline.sh
sh "$dir/teams.sh" "$BIN" $quick | tee "$log"
tally "$log" teams.sh
sh "$dir/history.sh" "$BIN" | tee "$log"
tally "$log" history.sh
if [ -z "$quick" ]; then
	sh "$dir/faults.sh" "$BIN" | tee "$log"
	tally "$log" faults.sh
fi
if [ -z "$quick" ]; then
	python3 "$dir/../gen/selfcheck.py" | tee "$log"
	tally "$log" selfcheck.py
fi
if [ -f "$dir/truth.py" ]; then
	python3 "$dir/truth.py" --bin "$BIN" $quick | tee "$log"
	tally "$log" truth.py
fi
if [ -z "$quick" ]; then
	python3 "$dir/readme.py" --bin "$BIN" | tee "$log"
	tally "$log" readme.py
	python3 "$dir/../double/test_double.py" | tee "$log"
	tally "$log" test_double.py
fi
python3 "$dir/analyses.py" --bin "$BIN" $quick | tee "$log"
tally "$log" analyses.py
python3 "$dir/export.py" --bin "$BIN" $quick | tee "$log"
tally "$log" export.py
python3 "$dir/runcheck.py" --bin "$BIN" $quick | tee "$log"
tally "$log" runcheck.py
# Debian's python3, for its python3-yaml
/usr/bin/python3 "$dir/configcheck.py" --bin "$BIN" $quick | tee "$log"
tally "$log" configcheck.py
rm -f "$log"
echo "e2e: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
