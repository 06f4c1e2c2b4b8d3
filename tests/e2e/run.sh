#!/bin/bash
# tests/e2e/run.sh BIN [--quick]: every end-to-end suite against BIN, with
# one closing "N passed, M failed" line for all of them.
#
# The suites run E2E_JOBS at a time (default 6: most of their time is spent
# waiting on servers, timeouts and signals, not on the CPU), the longest
# first; each one's output is shown, whole, when it ends, then the seconds
# each took.  E2E_JOBS=1 runs them one after another.  Every suite is
# independent of the others: its own servers on ports the kernel picks,
# its own temporary directories.
#
# Then the secrets scan (leakscan.py, its checks in the tally too): every
# suite gets the same canaries, random for this run (CU_E2E_TOKEN, the API
# token; CU_E2E_WEBHOOK, the secret in the Slack webhook's URL;
# CU_E2E_ARGV_SECRET, one put in argv on purpose), and runs with TMPDIR in
# one scratch directory whose files nothing removes (CU_E2E_KEEP: lib.sh
# and tests/e2e/scratch.py keep the temporary directories), with its stdout
# and stderr kept there too, and BIN wrapped by a script that records the
# argv of each run.  No canary may be in any of it, save in files named
# *.secret (a test's own input).  The directory goes after a clean run; it
# is kept, and named, after a failure.
set -u
BIN=$1
shift
quick=${1:-}
dir=$(dirname "$0")
# the pinned "now" of every suite, the tool and the test double
# (tests/README.md); each suite pins it too when run alone
: "${CIRCLECI_USAGE_NOW:=2026-12-04T12:00:00Z}"
export CIRCLECI_USAGE_NOW
pass=0
fail=0
times=
tally() {
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$1" | tail -n 1)
	p=${line%% passed*}
	f=${line#*, }
	f=${f%% failed*}
	[ -n "$line" ] || { p=0; f=1; echo "FAIL $2: no result line"; }
	# a suite that exits non-zero after a clean tally (a crash, a
	# sanitizer's report at exit, the OOM killer) has failed
	rc=$(cat "${1%.out}.rc" 2>/dev/null || echo '?')
	if [ "$rc" != 0 ] && [ "$f" -eq 0 ]; then
		f=1
		echo "FAIL $2: exit $rc after a clean result"
	fi
	pass=$((pass + p))
	fail=$((fail + f))
}
canary() {
	printf '%s%s' "$1" "$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
}

S=$(mktemp -d "${TMPDIR:-/tmp}/cu-e2e.XXXXXX") || exit 1
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$S"; exit 1' 1 2 15
mkdir "$S/tmp" "$S/logs" "$S/argv" "$S/bin"
real=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")
# the wrapper: records its argv (never to stderr, whatever happens: under
# ulimit -f a write may fail), then becomes the tool, same pid
cat >"$S/bin/circleci-usage" <<EOF
#!/bin/sh
trap '' XFSZ
printf '%s\\n' "\$*" 2>/dev/null >>'$S/argv/'\$\$
trap - XFSZ
exec '$real' "\$@"
EOF
chmod +x "$S/bin/circleci-usage"
BIN=$S/bin/circleci-usage
TMPDIR=$S/tmp
CU_E2E_KEEP=1
CU_E2E_TOKEN=$(canary CCIPAT_e2eCanary_)
CU_E2E_WEBHOOK=$(canary e2eHookCanary)
CU_E2E_ARGV_SECRET=$(canary e2eArgvCanary)
export TMPDIR CU_E2E_KEEP CU_E2E_TOKEN CU_E2E_WEBHOOK CU_E2E_ARGV_SECRET

# suite NAME CMD...: starts CMD in the background, its stdout and stderr
# kept in $S/logs/NAME.out and .err; no more than E2E_JOBS at once
jobs_max=${E2E_JOBS:-6}
declare -A running=()
suite() {
	local name=$1
	shift
	while [ "${#running[@]}" -ge "$jobs_max" ]; do
		reap
	done
	(
		t0=$(date +%s)
		"$@" >"$S/logs/$name.out" 2>"$S/logs/$name.err" </dev/null
		echo "$?" >"$S/logs/$name.rc"
		echo "$(($(date +%s) - t0))" >"$S/logs/$name.secs"
	) &
	running[$!]=$name
}
# reap: waits for one suite to end, shows its output and tallies it
reap() {
	local pid name
	wait -n -p pid "${!running[@]}"
	name=${running[$pid]}
	unset "running[$pid]"
	echo "==== $name"
	cat "$S/logs/$name.out"
	cat "$S/logs/$name.err" >&2
	tally "$S/logs/$name.out" "$name"
	times="$times $name:$(cat "$S/logs/$name.secs" 2>/dev/null || echo '?')s"
}
drain() {
	while [ "${#running[@]}" -gt 0 ]; do
		reap
	done
}

# the longest first (seconds on 2 cores, six at a time: export.py 340,
# secrets.py 280, weekly.py 200, truth.py 100, faults.sh 160, ...; under
# ASan history.sh 280, pghistory.py 250, cli.sh 160, pipeline.sh 150,
# numbers.sh 100, perms.sh 80)
suite export.py python3 "$dir/export.py" --bin "$BIN" $quick
suite history.sh sh "$dir/history.sh" "$BIN"
# history on both engines, SQLite and PostgreSQL (Debian's postgresql, a
# throwaway server: tests/pgserver.py): the same bytes from every reader;
# ingests at once, killed ingests, a read-only role, migrations (30 s)
suite pghistory.py python3 "$dir/pghistory.py" --bin "$BIN" $quick
suite secrets.py python3 "$dir/secrets.py" --bin "$BIN" $quick
suite weekly.py python3 "$dir/weekly.py" --bin "$BIN" $quick
suite cli.sh sh "$dir/cli.sh" "$BIN"
suite pipeline.sh sh "$dir/pipeline.sh" "$BIN" $quick
suite numbers.sh sh "$dir/numbers.sh" "$BIN"
suite perms.sh sh "$dir/perms.sh" "$BIN"
if [ -f "$dir/truth.py" ]; then
	suite truth.py python3 "$dir/truth.py" --bin "$BIN" $quick
fi
if [ -z "$quick" ]; then
	suite faults.sh sh "$dir/faults.sh" "$BIN"
	suite test_double.py python3 "$dir/../double/test_double.py"
	# the docs' examples on make demo's data, and the demo's quoting (90 s)
	suite readme.py python3 "$dir/readme.py" --bin "$BIN"
fi
suite signals.py python3 "$dir/signals.py" --bin "$BIN" $quick
# every hop of every request; it needs tests/netns.sh's namespace (and
# re-runs itself in one when started outside)
suite redirects.py python3 "$dir/redirects.py" --bin "$BIN" $quick
suite trust.py python3 "$dir/trust.py" --bin "$BIN" $quick
suite anomalies.py python3 "$dir/anomalies.py" --bin "$BIN" $quick
# focus: FOCUS 1.2 columns, types and values; re-summed in SQLite
suite focus.py python3 "$dir/focus.py" --bin "$BIN" $quick
suite options.py python3 "$dir/options.py" --bin "$BIN" $quick
suite rundir.py python3 "$dir/rundir.py" --bin "$BIN" $quick
suite names.py python3 "$dir/names.py" --bin "$BIN" $quick
if [ -z "$quick" ]; then
	suite selfcheck.py python3 "$dir/../gen/selfcheck.py"
fi
# Debian's python3, for its python3-yaml
suite configcheck.py /usr/bin/python3 "$dir/configcheck.py" --bin "$BIN" $quick
suite html.sh sh "$dir/html.sh" "$BIN" $quick
suite runcheck.py python3 "$dir/runcheck.py" --bin "$BIN" $quick
# run's budgets and anomalies: the files, the page, summary.md, stale files
suite runbudget.py python3 "$dir/runbudget.py" --bin "$BIN" $quick
suite onepass.py python3 "$dir/onepass.py" --bin "$BIN" $quick
suite teams.sh sh "$dir/teams.sh" "$BIN" $quick
suite analyses.py python3 "$dir/analyses.py" --bin "$BIN" $quick
# budget: spent exact, the projection's rule, statuses, --db, errors
suite budget.py python3 "$dir/budget.py" --bin "$BIN" $quick
# notify's budget and anomaly alerts and --cooldown, posted to webhook.py
suite alerts.py python3 "$dir/alerts.py" --bin "$BIN" $quick
suite dates.sh sh "$dir/dates.sh" "$BIN"
# OpenMetrics files, run's usage.prom and the Pushgateway, checked with
# Debian's promtool, client_python and prometheus-pushgateway
suite metrics.py /usr/bin/python3 "$dir/metrics.py" --bin "$BIN" $quick
# notify datadog against tests/double/datadog_api.py: values, tags,
# batches, retries, refusals, the key in no argv, output or other host
suite datadog.py python3 "$dir/datadog.py" --bin "$BIN" $quick
suite leakscan-self-test python3 "$dir/leakscan.py" --self-test
drain

# the scan, once every suite has ended
suite leakscan python3 "$dir/leakscan.py" "$S"
drain
echo "e2e: seconds per suite:$times"
echo "e2e: $pass passed, $fail failed"
if [ "$fail" -eq 0 ]; then
	rm -rf "$S"
else
	echo "e2e: the suites' files, logs and argv records kept in $S"
fi
[ "$fail" -eq 0 ]
