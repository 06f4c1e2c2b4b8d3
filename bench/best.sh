# bench/best.sh: sourced by the bench scripts.  best CMD...: run CMD
# $runs times, each after the caller's `prep`, its output in $work; print
# the best wall time in seconds (a failure prints CMD's stderr and exits).
now() { date +%s.%N; }
best() {
	b=
	i=0
	while [ $i -lt "$runs" ]; do
		prep
		t0=$(now)
		"$@" >"$work/out" 2>"$work/err" || { cat "$work/err" >&2; exit 1; }
		t1=$(now)
		t=$(echo "$t1 - $t0" | bc)
		if [ -z "$b" ] || [ "$(echo "$t < $b" | bc)" = 1 ]; then b=$t; fi
		i=$((i + 1))
	done
	echo "$b"
}
