#!/bin/sh
# tests/valgrind-check.sh TEST...: `make check-valgrind`.  The unit tests
# (build/unit/TEST) and the quick end-to-end suite, with every run of a
# unit binary and of ./circleci-usage under valgrind's memcheck.
#
# A run fails on any memcheck error or any definitely or indirectly lost
# block (--errors-for-leak-kinds); still-reachable blocks (fontconfig's
# process-long caches, libcurl's global state) are not leaks.  Each
# process writes its own log; a non-empty log is a failure and is shown.
# Ends with one line: "valgrind: N passed, M failed" (test counts), then
# the number of processes checked.
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
vg=$(mktemp -d "${TMPDIR:-/tmp}/valgrind.XXXXXX") || exit 1
trap 'exit 1' 1 2 15
mkdir -p "$vg/bin" "$vg/logs"

cat >"$vg/run" <<WRAP
#!/bin/sh
exec valgrind --quiet --error-exitcode=99 --leak-check=full \\
    --show-leak-kinds=definite,indirect \\
    --errors-for-leak-kinds=definite,indirect \\
    --suppressions="$here/tests/valgrind.supp" \\
    --log-file="$vg/logs/vg.%p.log" "\$@"
WRAP
# the tool under valgrind, named as the tool (messages name argv[0]'s base)
cat >"$vg/bin/circleci-usage" <<WRAP
#!/bin/sh
exec "$vg/run" "$here/circleci-usage" "\$@"
WRAP
chmod +x "$vg/run" "$vg/bin/circleci-usage"

fail=0
UNIT_WRAPPER=$vg/run sh "$here/tests/run-unit.sh" "$here/build/unit" "$@" \
    >"$vg/unit.log" 2>&1 || fail=1
grep -E '^run-unit:|^\[  FAILED  \]' "$vg/unit.log"
unit=$(tail -n 1 "$vg/unit.log")
echo "$unit"

# the quick suite: its time limits hold under valgrind's slowdown
bash "$here/tests/e2e/run.sh" "$vg/bin/circleci-usage" --quick \
    >"$vg/e2e.log" 2>&1 || fail=1
grep -E '^FAIL' "$vg/e2e.log"
e2e=$(tail -n 1 "$vg/e2e.log")
echo "$e2e"

procs=$(ls "$vg/logs" | wc -l)
bad=0
for f in "$vg"/logs/*.log; do
	[ -s "$f" ] || continue
	bad=$((bad + 1))
	echo "valgrind: a report in $f:"
	head -n 40 "$f"
done
echo "valgrind: $procs processes checked, $bad with a report"

up=$(echo "$unit" | sed -n 's/^unit: \([0-9]*\) passed, \([0-9]*\) failed.*/\1 \2/p')
ep=$(echo "$e2e" | sed -n 's/^e2e: \([0-9]*\) passed, \([0-9]*\) failed.*/\1 \2/p')
set -- ${up:-0 1} ${ep:-0 1}
p=$(($1 + $3))
f=$(($2 + $4 + bad))
echo "valgrind: $p passed, $f failed"
if [ "$fail" -eq 0 ] && [ "$f" -eq 0 ]; then
	rm -rf "$vg"
	exit 0
fi
echo "valgrind: logs kept in $vg"
exit 1
