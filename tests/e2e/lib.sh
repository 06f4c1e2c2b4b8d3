# tests/e2e/lib.sh: helpers for the shell end-to-end tests.
# Sourced with BIN set; counts checks and prints PASS/FAIL lines.
set -u
LC_ALL=C
export LC_ALL
# the pinned "now" of the tool and the test double (tests/README.md), as
# tests/e2e/pinnow.py pins it for the Python suites
: "${CIRCLECI_USAGE_NOW:=2026-12-04T12:00:00Z}"
export CIRCLECI_USAGE_NOW
pass=0
fail=0
T=$(mktemp -d "${TMPDIR:-/tmp}/$(basename "$0" .sh).XXXXXX")
# $T goes once every check passed, unless run.sh keeps it (CU_E2E_KEEP) for
# its secrets scan, which then removes it
trap 'if [ "$fail" -ne 0 ]; then echo "temp files kept in $T"; elif [ -z "${CU_E2E_KEEP:-}" ]; then rm -rf "$T"; fi' 0
trap 'exit 1' 1 2 15

ok() {
	pass=$((pass + 1))
	echo "PASS $1"
}

ko() {
	fail=$((fail + 1))
	echo "FAIL $1${2:+: $2}"
}

# check NAME COMMAND...: passes when the command succeeds
check() {
	name=$1
	shift
	if "$@"; then ok "$name"; else ko "$name"; fi
}

# kept: for run.sh's secrets scan (CU_E2E_KEEP), appends $T/out and $T/err,
# which the next run overwrites, to $T/runs.out and $T/runs.err; returns
# the status it was called with
kept() {
	kept_status=$?
	if [ -n "${CU_E2E_KEEP:-}" ]; then
		cat "$T/out" >>"$T/runs.out" 2>/dev/null
		cat "$T/err" >>"$T/runs.err" 2>/dev/null
	fi
	return $kept_status
}

# run EXPECTED_STATUS CMD...: runs CMD, keeps stdout in $T/out and stderr
# in $T/err (and kept), and sets $status; returns 0 when status is as
# expected
run() {
	want=$1
	shift
	"$@" >"$T/out" 2>"$T/err"
	status=$?
	kept
	[ "$status" -eq "$want" ]
}

contains() {
	grep -q -- "$2" "$1"
}

finish() {
	echo "$pass passed, $fail failed"
	[ "$fail" -eq 0 ]
}
