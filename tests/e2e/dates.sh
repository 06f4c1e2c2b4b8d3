#!/bin/sh
# tests/e2e/dates.sh BIN: CIRCLECI_USAGE_NOW, the tests' pinned "now"
# (tests/README.md).
#
#   * honoured: at a month end, 29 Feb 2028, 1 Jan 2027 00:00 (ISO week
#     2026-W53, and an end that falls within the last minute) and a Monday
#     at 00:00:30, `export` with no range, --last 7d, 4w and 3mo records in
#     its manifest the range written out by hand below (start, end after
#     the clamp to now less a minute, requested_end) and now as created_at;
#     a date alone is its midnight.  The API is an unused port and
#     --timeout 0.2s: the manifest is written before the first request, so
#     no test double is needed;
#   * a malformed value is refused by every command: exit 2, one line
#     naming the variable, nothing on stdout, nothing written; an empty one
#     is as unset;
#   * it is for tests: --help does not mention it.
BIN=$1
. "$(dirname "$0")/lib.sh"

ORG=b9291e0d-a11e-41fb-8517-c545388b5953

# field NAME FILE: the first "NAME": "value" of a JSON file
field() {
	sed -n 's/^ *"'"$1"'": "\([^"]*\)".*/\1/p' "$2" | head -n 1
}

# range NOW HOW START END REQUESTED_END: export HOW (default, or a --last)
# at NOW records START, END and REQUESTED_END
range() {
	now=$1 how=$2 want="$3 $4 $5" what="$3 to $4"
	o=$T/m.$(echo "$now.$how" | tr -c 'A-Za-z0-9.\n' _)
	if [ "$how" = default ]; then
		set --
		what="export with no range: $what"
	else
		set -- --last "$how"
		what="export --last $how: $what"
	fi
	CIRCLECI_USAGE_NOW=$now CIRCLECI_API_TOKEN=t "$BIN" export \
	    --org "$ORG" --api-url http://127.0.0.1:9 --timeout 0.2s -o "$o" \
	    "$@" >"$T/out" 2>"$T/err"
	status=$?
	kept
	m=$o/manifest.json
	got="$(field start "$m") $(field end "$m") $(field requested_end "$m")"
	if [ "$got" = "$want" ] && [ "$(field created_at "$m")" = \
	    "$(printf '%s' "$now" | sed 's/^\(....-..-..\)$/\1T00:00:00Z/')" ]
	then
		ok "at $now, $what"
	else
		ko "at $now, $what" \
		    "got $got, created_at $(field created_at "$m") (exit $status: $(head -c 200 "$T/err"))"
	fi
}

# a month end, late on a Monday
N=2026-11-30T23:59:30Z
range $N default 2026-11-23T00:00:00Z 2026-11-29T23:59:59Z 2026-11-29T23:59:59Z
range $N 7d 2026-11-23T00:00:00Z 2026-11-29T23:59:59Z 2026-11-29T23:59:59Z
range $N 4w 2026-11-02T00:00:00Z 2026-11-29T23:59:59Z 2026-11-29T23:59:59Z
range $N 3mo 2026-08-01T00:00:00Z 2026-10-31T23:59:59Z 2026-10-31T23:59:59Z
# a month end on a Sunday, one second before midnight
N=2027-01-31T23:59:59Z
range $N 7d 2027-01-24T00:00:00Z 2027-01-30T23:59:59Z 2027-01-30T23:59:59Z
range $N 4w 2026-12-28T00:00:00Z 2027-01-24T23:59:59Z 2027-01-24T23:59:59Z
range $N 3mo 2026-10-01T00:00:00Z 2026-12-31T23:59:59Z 2026-12-31T23:59:59Z
# 29 Feb 2028, a Tuesday
N=2028-02-29T12:00:00Z
range $N default 2028-02-22T00:00:00Z 2028-02-28T23:59:59Z 2028-02-28T23:59:59Z
range $N 7d 2028-02-22T00:00:00Z 2028-02-28T23:59:59Z 2028-02-28T23:59:59Z
range $N 4w 2028-01-31T00:00:00Z 2028-02-27T23:59:59Z 2028-02-27T23:59:59Z
range $N 3mo 2027-11-01T00:00:00Z 2028-01-31T23:59:59Z 2028-01-31T23:59:59Z
# 1 Jan 2027 at midnight, a Friday of ISO week 2026-W53: yesterday's end
# is within the last minute, so it becomes now less a minute
N=2027-01-01T00:00:00Z
range $N default 2026-12-25T00:00:00Z 2026-12-31T23:59:00Z 2026-12-31T23:59:59Z
range $N 7d 2026-12-25T00:00:00Z 2026-12-31T23:59:00Z 2026-12-31T23:59:59Z
range $N 4w 2026-11-30T00:00:00Z 2026-12-27T23:59:59Z 2026-12-27T23:59:59Z
range $N 3mo 2026-10-01T00:00:00Z 2026-12-31T23:59:00Z 2026-12-31T23:59:59Z
# the same day as a date alone: its midnight
range 2027-01-01 1d 2026-12-31T00:00:00Z 2026-12-31T23:59:00Z 2026-12-31T23:59:59Z
# 4 Jan 2027, the Monday of 2027-W01
N=2027-01-04T12:00:00Z
range $N 1w 2026-12-28T00:00:00Z 2027-01-03T23:59:59Z 2027-01-03T23:59:59Z
range $N 3mo 2026-10-01T00:00:00Z 2026-12-31T23:59:59Z 2026-12-31T23:59:59Z
# a Monday at 00:00:30: the week that ended 30 s ago, less its last 29 s
N=2026-12-07T00:00:30Z
range $N default 2026-11-30T00:00:00Z 2026-12-06T23:59:30Z 2026-12-06T23:59:59Z
range $N 7d 2026-11-30T00:00:00Z 2026-12-06T23:59:30Z 2026-12-06T23:59:59Z
range $N 1w 2026-11-30T00:00:00Z 2026-12-06T23:59:30Z 2026-12-06T23:59:59Z
range $N 4w 2026-11-09T00:00:00Z 2026-12-06T23:59:30Z 2026-12-06T23:59:59Z
range $N 3mo 2026-09-01T00:00:00Z 2026-11-30T23:59:59Z 2026-11-30T23:59:59Z

# -- a malformed value: refused before anything is done
printf 'PROJECT_NAME,JOB_ID,JOB_RUN_DATE,TOTAL_CREDITS\np,00000000-0000-4000-8000-000000000001,2026-10-01,1\n' \
    >"$T/a.csv"
for bad in yesterday 2026-02-30 2026-12-04T12:00:00 2026-12-04T25:00:00Z \
    '2026-12-04T12:00:00Z ' 1796400000; do
	for cmd in "report $T/a.csv" "export --org $ORG --api-url http://127.0.0.1:9 --last 7d -o $T/bad" \
	    "run --from $T/a.csv -o $T/bad"; do
		# shellcheck disable=SC2086
		CIRCLECI_USAGE_NOW=$bad CIRCLECI_API_TOKEN=t "$BIN" $cmd \
		    >"$T/out" 2>"$T/err"
		status=$?
		kept
		name="CIRCLECI_USAGE_NOW='$bad': ${cmd%% *} exits 2"
		if [ "$status" -eq 2 ] && [ ! -s "$T/out" ] &&
		    [ "$(wc -l <"$T/err")" -eq 1 ] &&
		    grep -qF "circleci-usage: CIRCLECI_USAGE_NOW '$bad': expected" "$T/err" &&
		    [ ! -e "$T/bad" ]; then
			ok "$name"
		else
			ko "$name" "exit $status: $(head -c 200 "$T/err")"
		fi
	done
done
CIRCLECI_USAGE_NOW= run 0 "$BIN" report "$T/a.csv" &&
    ok "an empty CIRCLECI_USAGE_NOW is as unset" ||
    ko "an empty CIRCLECI_USAGE_NOW is as unset" "$(cat "$T/err")"

# -- for tests only: no --help mentions it
hidden=yes
for c in "" export run report; do
	# shellcheck disable=SC2086
	"$BIN" $c --help 2>&1 | grep -q CIRCLECI_USAGE_NOW && hidden="no ($c --help)"
done
[ "$hidden" = yes ] && ok "--help does not mention CIRCLECI_USAGE_NOW" ||
    ko "--help does not mention CIRCLECI_USAGE_NOW" "$hidden"

finish
