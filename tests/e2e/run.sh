#!/bin/sh
# tests/e2e/run.sh BIN [--quick]: every end-to-end suite against BIN, with
# one closing "N passed, M failed" line for all of them.
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
	pass=$((pass + p))
	fail=$((fail + f))
}
canary() {
	printf '%s%s' "$1" "$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
}

S=$(mktemp -d "${TMPDIR:-/tmp}/cu-e2e.XXXXXX") || exit 1
trap 'rm -rf "$S"; exit 1' 1 2 15
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

# suite NAME CMD...: runs CMD, its stdout and stderr shown as they come and
# kept in $S/logs/NAME.out and .err, and tallies its result line
suite() {
	name=$1
	shift
	t0=$(date +%s)
	{ "$@" 2>&1 >&3 3>&- | tee "$S/logs/$name.err" >&2 3>&-; } 3>&1 |
	    tee "$S/logs/$name.out"
	tally "$S/logs/$name.out" "$name"
	times="$times $name:$(($(date +%s) - t0))s"
}

suite cli.sh sh "$dir/cli.sh" "$BIN"
suite dates.sh sh "$dir/dates.sh" "$BIN"
suite html.sh sh "$dir/html.sh" "$BIN" $quick
suite pipeline.sh sh "$dir/pipeline.sh" "$BIN" $quick
suite teams.sh sh "$dir/teams.sh" "$BIN" $quick
suite history.sh sh "$dir/history.sh" "$BIN"
suite perms.sh sh "$dir/perms.sh" "$BIN"
suite numbers.sh sh "$dir/numbers.sh" "$BIN"
if [ -z "$quick" ]; then
	suite faults.sh sh "$dir/faults.sh" "$BIN"
	suite selfcheck.py python3 "$dir/../gen/selfcheck.py"
fi
if [ -f "$dir/truth.py" ]; then
	suite truth.py python3 "$dir/truth.py" --bin "$BIN" $quick
fi
if [ -z "$quick" ]; then
	suite readme.py python3 "$dir/readme.py" --bin "$BIN"
	suite test_double.py python3 "$dir/../double/test_double.py"
fi
suite analyses.py python3 "$dir/analyses.py" --bin "$BIN" $quick
suite export.py python3 "$dir/export.py" --bin "$BIN" $quick
suite weekly.py python3 "$dir/weekly.py" --bin "$BIN" $quick
suite runcheck.py python3 "$dir/runcheck.py" --bin "$BIN" $quick
suite rundir.py python3 "$dir/rundir.py" --bin "$BIN" $quick
suite trust.py python3 "$dir/trust.py" --bin "$BIN" $quick
suite signals.py python3 "$dir/signals.py" --bin "$BIN" $quick
suite secrets.py python3 "$dir/secrets.py" --bin "$BIN" $quick
# every hop of every request; it needs tests/netns.sh's namespace (and
# re-runs itself in one when started outside)
suite redirects.py python3 "$dir/redirects.py" --bin "$BIN" $quick
# Debian's python3, for its python3-yaml
suite configcheck.py /usr/bin/python3 "$dir/configcheck.py" --bin "$BIN" $quick

# the scan, after a self-test that shows it finds planted leaks
suite leakscan-self-test python3 "$dir/leakscan.py" --self-test
suite leakscan python3 "$dir/leakscan.py" "$S"
echo "e2e: seconds per suite:$times"
echo "e2e: $pass passed, $fail failed"
if [ "$fail" -eq 0 ]; then
	rm -rf "$S"
else
	echo "e2e: the suites' files, logs and argv records kept in $S"
fi
[ "$fail" -eq 0 ]
