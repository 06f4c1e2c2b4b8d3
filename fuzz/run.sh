#!/bin/sh
# Run each libFuzzer target for SECONDS on its committed corpus (new inputs
# go to a scratch copy, so the repository stays as it is).
#   sh fuzz/run.sh SECONDS target...
set -eu
secs=$1
shift
pass=0
fail=0
for t in "$@"; do
	name=${t#fuzz_}
	work=$(mktemp -d)
	mkdir -p "$work/corpus"
	cp fuzz/corpus/"$name"/* "$work/corpus/" 2>/dev/null || true
	dict=
	[ -f "fuzz/$name.dict" ] && dict="-dict=fuzz/$name.dict"
	echo "fuzz: $t for ${secs}s"
	if build/fuzz/"$t" $dict -max_total_time="$secs" -max_len=65536 \
	    -timeout=10 -rss_limit_mb=2048 -close_fd_mask=2 \
	    -artifact_prefix="$work/" "$work/corpus" >"$work/log" 2>&1; then
		tail -n 2 "$work/log" | sed 's/^/  /'
		pass=$((pass + 1))
		rm -rf "$work"
	else
		tail -n 30 "$work/log"
		echo "fuzz: $t FAILED; crash input and log kept in $work"
		fail=$((fail + 1))
	fi
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
