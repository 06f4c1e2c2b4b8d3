#!/bin/sh
# tests/check-dates.sh BIN: the suites whose verdict could depend on the
# date, with "now" pinned (CIRCLECI_USAGE_NOW, tests/README.md) at dates
# where the calendar turns, and one closing line for all of them:
#
#	check-dates: N passed, M failed
#
# The dates (CHECK_DATES overrides the list):
#   2028-02-29T12:00:00Z  29 Feb of a leap year
#   2026-11-30T23:59:30Z  a month end, 30 s before midnight (a Monday)
#   2027-01-01T00:00:00Z  1 Jan at midnight: ISO week 2026-W53, the year's
#                         turn, and an end that falls within the last minute
#   2026-12-07T00:00:30Z  a Monday at 00:00:30 UTC: the week that just ended
#
# At each date: the test double's date-sensitive tests
# (test_double.py --dates; the whole suite at the first date), export's
# ranges, --last and the week and month keys (export.py --only dates), and
# `run --last 1w --compare` (runcheck.py), anomalies' default window
# (anomalies.py), budget's periods, spent so far and projection
# (budget.py --quick), run's budgets and anomalies as of the day after
# its period (runbudget.py --quick), and notify's budget and anomaly alerts
# with --cooldown (alerts.py --quick).  Once, as they hold every date
# in their own tables: the unit tests of --last, the default range and the
# week and month keys (build/unit/test_range, test_date) and dates.sh (the
# variable honoured at each date, a malformed one refused).  The rest of
# make check runs at the suites' default date, 2026-12-04T12:00:00Z.
#
# Each suite's lines are shown prefixed with its date; its own
# "N passed, M failed" line is added up (a suite with none, or that exits
# non-zero without a failure, counts as one failure).  Exits 1 if anything
# failed.  The dates run at once: about 1 minute on 2 cores.
set -u
BIN=$1
tests=$(cd "$(dirname "$0")" && pwd)
DATES=${CHECK_DATES:-"2028-02-29T12:00:00Z 2026-11-30T23:59:30Z 2027-01-01T00:00:00Z 2026-12-07T00:00:30Z"}
LC_ALL=C
export LC_ALL

S=$(mktemp -d "${TMPDIR:-/tmp}/cu-dates.XXXXXX") || exit 1
trap 'rm -rf "$S"' 0
trap 'exit 1' 1 2 15
pass=0
fail=0

# suite DATE NAME CMD...: runs CMD with CIRCLECI_USAGE_NOW=DATE (DATE "-":
# as the suite pins it itself), shows its output and tallies its last
# "N passed, M failed" line (after an optional "unit: ")
suite() {
	when=$1
	name=$2
	shift 2
	log=$S/log.$sfx
	t0=$(date +%s)
	if [ "$when" = - ]; then
		(unset CIRCLECI_USAGE_NOW; "$@") >"$log" 2>&1
	else
		CIRCLECI_USAGE_NOW=$when "$@" >"$log" 2>&1
	fi
	rc=$?
	sed "s|^|[$when $name] |" "$log"
	line=$(sed -n 's/^\([a-z]*: \)\{0,1\}\([0-9][0-9]*\) passed, \([0-9][0-9]*\) failed$/\2 \3/p' \
	    "$log" | tail -n 1)
	p=${line%% *}
	f=${line#* }
	if [ -z "$line" ]; then
		p=0
		f=1
		echo "FAIL [$when] $name: no result line (exit $rc)"
	elif [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1
		echo "FAIL [$when] $name: exit $rc after a clean result"
	fi
	pass=$((pass + p))
	fail=$((fail + f))
	echo "check-dates: [$when] $name: $p passed, $f failed ($(($(date +%s) - t0)) s)"
}

sfx=main
suite - unit sh "$tests/run-unit.sh" "$(dirname "$tests")/build/unit" \
    test_range test_date
suite - dates.sh sh "$tests/e2e/dates.sh" "$BIN"

# dates: the suites at date $1 (the whole test double's suite if $2 is
# "whole"); the tally in its last line
dates() {
	d=$1
	if [ "$2" = whole ]; then
		suite "$d" test_double.py python3 "$tests/double/test_double.py"
	else
		suite "$d" test_double.py python3 "$tests/double/test_double.py" \
		    --dates
	fi
	suite "$d" export.py python3 "$tests/e2e/export.py" --bin "$BIN" \
	    --only dates
	suite "$d" runcheck.py python3 "$tests/e2e/runcheck.py" --bin "$BIN"
	# anomalies' default window: the complete days before now
	suite "$d" anomalies.py python3 "$tests/e2e/anomalies.py" --bin "$BIN"
	suite "$d" budget.py python3 "$tests/e2e/budget.py" --bin "$BIN" \
	    --quick
	# run's budgets (the period that holds the run's last day) and
	# anomalies: a Monday's --last 7d closes a week
	suite "$d" runbudget.py python3 "$tests/e2e/runbudget.py" \
	    --bin "$BIN" --quick
	# notify's alerts as of a period's end, and --cooldown's hours
	suite "$d" alerts.py python3 "$tests/e2e/alerts.py" --bin "$BIN" \
	    --quick
	echo "tally $pass $fail"
}

# the dates at once (their suites mostly wait on servers and timeouts; each
# has its own servers and directories), shown in turn, in the list's order
n=0
whole=whole
for d in $DATES; do
	n=$((n + 1))
	(sfx=$n; pass=0; fail=0; dates "$d" "$whole") >"$S/dates.$n" 2>&1 &
	whole=
done
wait
i=0
while [ "$i" -lt "$n" ]; do
	i=$((i + 1))
	line=$(sed -n 's/^tally \([0-9]*\) \([0-9]*\)$/\1 \2/p' "$S/dates.$i")
	sed '/^tally [0-9]* [0-9]*$/d' "$S/dates.$i"
	if [ -z "$line" ]; then
		echo "FAIL check-dates: date $i: no tally"
		fail=$((fail + 1))
		continue
	fi
	pass=$((pass + ${line%% *}))
	fail=$((fail + ${line#* }))
done
echo "check-dates: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
