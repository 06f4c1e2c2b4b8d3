#!/bin/sh
# tests/run-unit.sh DIR NAME...: run the cmocka unit test binaries
# DIR/NAME one after the other, pass their output through, and add up
# cmocka's summaries ("[  PASSED  ] N test(s)." and "[  FAILED  ] N
# test(s), listed below:") into one closing line:
#
#	unit: N passed, M failed
#
# A binary that is missing, crashes, prints no summary, or exits non-zero
# without reporting a failed test (a sanitizer report after the tests, a
# signal) counts as one failed test.  Exits 1 if anything failed.
#
# UNIT_WRAPPER, when set, is a command that runs each binary (it gets the
# binary's path as its argument): tests/valgrind-check.sh uses it.
set -u

if [ $# -lt 1 ]; then
	echo "usage: sh tests/run-unit.sh DIR NAME..." >&2
	exit 2
fi
dir=$1
shift

# cmocka's plain format, whatever the caller's environment asks for
CMOCKA_MESSAGE_OUTPUT=STDOUT
export CMOCKA_MESSAGE_OUTPUT
LC_ALL=C
export LC_ALL

log=$(mktemp "${TMPDIR:-/tmp}/run-unit.XXXXXX") || exit 1
trap 'rm -f "$log"' 0
trap 'exit 1' 1 2 15

passed=0
failed=0
for name in "$@"; do
	bin=$dir/$name
	if [ ! -x "$bin" ]; then
		echo "run-unit: $name: no such test binary '$bin'"
		failed=$((failed + 1))
		continue
	fi
	${UNIT_WRAPPER:-} "$bin" >"$log" 2>&1
	rc=$?
	cat "$log"
	# the last summary lines of the binary; the per-test lines
	# "[  FAILED  ] name" carry no count and do not match
	p=$(sed -n 's/^\[  PASSED  \] \([0-9][0-9]*\) test(s)\..*$/\1/p' \
	    "$log" | tail -n 1)
	f=$(sed -n 's/^\[  FAILED  \] \([0-9][0-9]*\) test(s).*$/\1/p' \
	    "$log" | tail -n 1)
	if [ -z "$p" ] && [ -z "$f" ]; then
		if [ "$rc" -gt 128 ]; then
			echo "run-unit: $name: killed by signal" \
			    "$((rc - 128)) before its summary"
		else
			echo "run-unit: $name: no cmocka summary" \
			    "(exit status $rc)"
		fi
		failed=$((failed + 1))
		continue
	fi
	p=${p:-0}
	f=${f:-0}
	passed=$((passed + p))
	failed=$((failed + f))
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		# e.g. LeakSanitizer, which reports at exit
		echo "run-unit: $name: exit status $rc after a clean summary"
		failed=$((failed + 1))
	fi
done

echo "unit: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
