#!/bin/sh
# Run each libFuzzer target for SECONDS on its committed corpus (new inputs
# go to a scratch copy, so the repository stays as it is), FUZZ_JOBS
# targets at a time (default: the cores; each target is one process), the
# results shown in the targets' order.
#   sh fuzz/run.sh SECONDS target...
set -eu
secs=$1
shift
jobs=${FUZZ_JOBS:-$(nproc 2>/dev/null || echo 1)}
case $jobs in
'' | *[!0-9]* | 0)
	echo "fuzz/run.sh: FUZZ_JOBS: expected a number from 1, got '$jobs'" >&2
	exit 2 ;;
esac
pass=0
fail=0

# one TARGET WORK: the run, its exit status in WORK/rc
one() {
	name=${1#fuzz_}
	mkdir -p "$2/corpus"
	cp fuzz/corpus/"$name"/* "$2/corpus/" 2>/dev/null || true
	dict=
	[ -f "fuzz/$name.dict" ] && dict="-dict=fuzz/$name.dict"
	rc=0
	build/fuzz/"$1" $dict -max_total_time="$secs" -max_len=65536 \
	    -timeout=10 -rss_limit_mb=2048 -close_fd_mask=2 \
	    -artifact_prefix="$2/" "$2/corpus" >"$2/log" 2>&1 || rc=$?
	echo "$rc" >"$2/rc"
}

# show TARGET WORK: its result, counted
show() {
	echo "fuzz: $1 for ${secs}s"
	if [ "$(cat "$2/rc" 2>/dev/null || echo 1)" = 0 ]; then
		tail -n 2 "$2/log" | sed 's/^/  /'
		pass=$((pass + 1))
		rm -rf "$2"
	else
		tail -n 30 "$2/log"
		echo "fuzz: $1 FAILED; crash input and log kept in $2"
		fail=$((fail + 1))
	fi
}

while [ $# -gt 0 ]; do
	batch=
	n=0
	while [ $# -gt 0 ] && [ "$n" -lt "$jobs" ]; do
		work=$(mktemp -d)
		one "$1" "$work" &
		batch="$batch $1:$work"
		n=$((n + 1))
		shift
	done
	wait
	for b in $batch; do
		show "${b%%:*}" "${b#*:}"
	done
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
