#!/bin/sh
# tests/e2e/faults.sh BIN: fault injection.  Covers: write, fsync, rename,
# fclose and close failing (the LD_PRELOAD shim tests/fault/faultshim.c,
# counting only calls on files under the output directory) for the Nth
# matching call during `report -o`, `html -o`, `run --from -o`,
# `ingest --db` and `export` (against the test double: the next run must
# resume and complete it, byte-identical); a full disk (ulimit -f); malloc/calloc/realloc failing for
# the Nth call of `report`.  Each fault must end in a non-zero exit that is
# not a signal with a one-line error, the earlier output byte-identical (the
# database: integrity_check ok, row count unchanged), and no temporary or
# .partial file left.  Failures of the allocator may also succeed.
BIN=$1
. "$(dirname "$0")/lib.sh"
top=$(cd "$(dirname "$0")/../.." && pwd)
SHIM=${FAULTSHIM:-$top/build/faultshim.so}
if [ ! -f "$SHIM" ]; then
	SHIM=$T/faultshim.so
	cc -std=c11 -D_GNU_SOURCE -O2 -shared -fPIC -o "$SHIM" \
	    "$top/tests/fault/faultshim.c" -ldl || { ko "build the shim"; finish; exit; }
fi

python3 "$(dirname "$0")/../gen/genexport.py" -o "$T/gen" --rows 2000 \
    --parts 2 --seed 7 --days 10 >/dev/null
O=$T/o
mkdir -p "$O"

# no temporary files in $O (and below)
clean() {
	! find "$O" -name '*.tmp*' -o -name '*.partial*' -o -name '*-journal' \
	    -o -name '*-wal' | grep -q .
}
# sums of every file under $O
sums() {
	(cd "$O" && find . -type f | sort | xargs -r sha256sum)
}
# a clean failure: status 1..125, one line on stderr naming the problem
failed_cleanly() {
	[ "$status" -ne 0 ] && [ "$status" -lt 126 ] &&
	    grep -v '^fault: ' "$T/err" | grep -q 'circleci-usage: '
}

# total CALL CMD...: how many calls of CALL on files under $O CMD makes
# (run on a copy of the state: the caller restores what CMD changed)
total() {
	c=$1
	shift
	FAULT_CALL=$c FAULT_N=0 FAULT_COUNT=1 FAULT_PATH=$O LD_PRELOAD=$SHIM \
	    "$@" 2>&1 >/dev/null | sed -n 's/^fault-count: [a-z]* //p'
}
# next N TOTAL: every N up to 10, then about 15 more spread to TOTAL
next() {
	if [ "$1" -lt 10 ]; then echo $(($1 + 1)); else
		echo $(($1 + ($2 - 10) / 15 + 1)); fi
}

# attack NAME MAXN CALLS -- CMD...: for each CALL and N in 1..MAXN, the
# command under the shim fails cleanly (or, when the fault never fired,
# succeeds with the output unchanged)
attack() {
	name=$1 maxn=$2 calls=$3
	shift 4
	for call in $calls; do
		bad=
		fired=0
		n=1
		while [ "$n" -le "$maxn" ]; do
			before=$(sums)
			FAULT_CALL=$call FAULT_N=$n FAULT_PATH=$O FAULT_LOG=1 \
			    LD_PRELOAD=$SHIM "$@" >"$T/out" 2>"$T/err"
			status=$?
			if grep -q '^fault: ' "$T/err"; then
				fired=$((fired + 1))
				failed_cleanly && [ "$(sums)" = "$before" ] &&
				    clean || {
					bad="N=$n status $status: $(head -c 300 "$T/err")"
					break
				}
			else
				[ "$status" -eq 0 ] && clean || {
					bad="N=$n (no fault) status $status"
					break
				}
				break
			fi
			n=$(next "$n" "$maxn")
		done
		# 0 faults: the command makes no such call on its outputs;
		# stdio writes its buffers with an internal write() the shim
		# cannot see, so the ulimit -f checks below stand for them
		what="$name: $call fails cleanly ($fired faults)"
		[ "$fired" -eq 0 ] && what="$name: no $call() on the output to fail (stdio's internal writes: see ulimit -f), and the run succeeds"
		[ -z "$bad" ] && ok "$what" || ko "$what" "$bad"
	done
}

IO="write fsync rename fclose close"

# -- report -o, over an earlier report
run 0 "$BIN" report --format csv --by job -o "$O/r.csv" "$T/gen" &&
    ok "report -o writes the first report" || ko "report -o writes the first report"
attack "report -o" 50 "$IO" -- "$BIN" report --format csv --by project \
    -o "$O/r.csv" "$T/gen"

# -- html -o
run 0 "$BIN" html -o "$O/h" "$T/gen" && ok "html -o writes the first page" ||
    ko "html -o writes the first page" "$(cat "$T/err")"
attack "html -o" 50 "$IO" -- "$BIN" html --title other -o "$O/h" "$T/gen"

# -- run --from -o
run 0 "$BIN" run --quiet --from "$T/gen" -o "$O/run" &&
    ok "run --from writes the first run" || ko "run --from writes the first run" "$(cat "$T/err")"
attack "run --from -o" 100 "$IO" -- "$BIN" run --quiet --from "$T/gen" \
    --top 3 -o "$O/run"

# -- ingest --db: a second ingest of new rows fails; the first stays whole
python3 "$(dirname "$0")/../gen/genexport.py" -o "$T/gen2" --rows 500 \
    --parts 1 --seed 8 --days 5 >/dev/null
run 0 "$BIN" ingest --db "$O/h.db" "$T/gen" && ok "ingest writes the database" ||
    ko "ingest writes the database" "$(cat "$T/err")"
rows() {
	python3 - "$O/h.db" <<'PY'
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
assert c.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
print(c.execute("SELECT count(*) FROM job_runs").fetchone()[0])
PY
}
want=$(rows)
bad=
fired=0
for call in write fsync close; do
	cp "$O/h.db" "$T/h.db.before"
	max=$(total "$call" "$BIN" ingest --db "$O/h.db" "$T/gen2")
	cp "$T/h.db.before" "$O/h.db"
	n=1
	while [ "$n" -le "${max:-0}" ]; do
		cp "$O/h.db" "$T/h.db.before"
		FAULT_CALL=$call FAULT_N=$n FAULT_PATH=$O FAULT_LOG=1 \
		    LD_PRELOAD=$SHIM "$BIN" ingest --db "$O/h.db" "$T/gen2" \
		    >"$T/out" 2>"$T/err"
		status=$?
		grep -q '^fault: ' "$T/err" || break
		fired=$((fired + 1))
		got=$(rows 2>/dev/null)
		if [ "$status" -eq 0 ]; then
			# a failed close after the commit: the data is in
			[ -n "$got" ] || { bad="$call N=$n: database broken"; break; }
			cp "$T/h.db.before" "$O/h.db"
		else
			failed_cleanly && [ "$got" = "$want" ] ||
			    { bad="$call N=$n status $status rows '$got': $(head -c 300 "$T/err")"; break; }
		fi
		rm -f "$O/h.db-journal" "$O/h.db-wal" "$O/h.db-shm"
		n=$(next "$n" "$max")
	done
done
[ -z "$bad" ] && [ "$fired" -gt 0 ] &&
    ok "ingest --db: a failed write/fsync/close leaves the database as it was ($fired faults)" ||
    ko "ingest --db: a failed write/fsync/close leaves the database as it was" "$bad"

# -- a full disk: ulimit -f (SIGXFSZ must not kill us; write gets EFBIG)
# full NAME CMD...: under an 8 KB file-size limit CMD fails cleanly
full() {
	name=$1
	shift
	before=$(sums)
	(ulimit -f 8; exec "$@") >"$T/out" 2>"$T/err"
	status=$?
	failed_cleanly && [ "$(sums)" = "$before" ] && clean &&
	    contains "$T/err" "File too large" &&
	    ok "ulimit -f: $name fails cleanly on a full disk" ||
	    ko "ulimit -f: $name fails cleanly on a full disk" \
	    "status $status $(head -c 300 "$T/err")"
}
full "report -o" "$BIN" report --format csv --by job --top 100000 \
    -o "$O/r.csv" "$T/gen" "$T/gen2"
full "html -o" "$BIN" html --title full -o "$O/h" "$T/gen" "$T/gen2"
full "run --from -o" "$BIN" run --quiet --from "$T/gen2" -o "$O/run"
# ingest: the database may not grow; it stays whole, with the same rows
size=$(($(wc -c <"$O/h.db") / 1024 + 1))
(ulimit -f "$size"; exec "$BIN" ingest --db "$O/h.db" "$T/gen2") \
    >"$T/out" 2>"$T/err"
status=$?
failed_cleanly && [ "$(rows)" = "$want" ] && clean &&
    ok "ulimit -f: ingest --db fails cleanly on a full disk" ||
    ko "ulimit -f: ingest --db fails cleanly on a full disk" \
    "status $status $(head -c 300 "$T/err")"

# -- export against the test double: a fault fails the export with an
# error naming the file, and the next run resumes and completes it with the
# same files as an export that never failed, no .partial left
ORG=b9291e0d-a11e-41fb-8517-c545388b5953
# dates relative to the pinned now (lib.sh), never the wall clock
start=$(python3 "$(dirname "$0")/pinnow.py" -9)
end=$(python3 "$(dirname "$0")/pinnow.py" -2)
python3 "$(dirname "$0")/../gen/genexport.py" -o "$T/api" --rows 600 \
    --parts 2 --start "$start" --days 7 --seed 9 >/dev/null
# run.sh's canary (its secrets scan looks for it; *.secret holds it on purpose)
echo "${CU_E2E_TOKEN:-CCIPAT_faults_0123456789abcdef}" >"$T/token.secret"
python3 "$(dirname "$0")/../double/usage_api.py" --data "$T/api" \
    --token-file "$T/token.secret" --org "$ORG" --ready-file "$T/ready.json" \
    --processing-after 0.05 --complete-after 0.1 --poll-limit 10000/60 \
    --create-limit 10000/3600 >"$T/double.log" 2>&1 &
dpid=$!
i=0
while [ ! -f "$T/ready.json" ] && [ "$i" -lt 300 ]; do sleep 0.05; i=$((i + 1)); done
api=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["api_url"])' \
    "$T/ready.json" 2>/dev/null)
# files of an export, without the manifest (its times differ)
esums() {
	(cd "$1" && find . -type f ! -name manifest.json | sort | xargs -r sha256sum)
}
if [ -z "$api" ]; then
	ko "export: the test double starts" "$(tail -c 300 "$T/double.log")"
else
	CIRCLECI_API_TOKEN=$(cat "$T/token.secret") "$BIN" export --org "$ORG" \
	    --api-url "$api" --poll-interval 0.05 --start "$start" \
	    --end "$end" -o "$O/exp0" >"$T/out" 2>"$T/err"; kept &&
	    ok "export: a first export" || ko "export: a first export" "$(cat "$T/err")"
	want=$(esums "$O/exp0")
	for call in write fsync rename fclose close; do
		bad=
		fired=0
		n=1
		max=20
		while [ "$n" -le "$max" ]; do
			e=$O/exp-$call-$n
			before=$(sums)
			FAULT_CALL=$call FAULT_N=$n FAULT_PATH=$e FAULT_LOG=1 \
			    LD_PRELOAD=$SHIM CIRCLECI_API_TOKEN=$(cat "$T/token.secret") \
			    "$BIN" export --org "$ORG" --api-url "$api" \
			    --poll-interval 0.05 --start "$start" --end "$end" \
			    -o "$e" >"$T/out" 2>"$T/err"
			status=$?
			kept
			grep -q '^fault: ' "$T/err" || { rm -rf "$e"; break; }
			fired=$((fired + 1))
			# a local failure leaves no .partial nor temporary file
			# (a killed or cut-off export keeps its .partial files
			# to resume from: export.py tests that)
			if [ "$status" -ne 0 ]; then
				failed_cleanly && clean &&
				    grep -q "cannot .*'$e/" "$T/err" || {
					bad="N=$n status $status: $(head -c 300 "$T/err")"
					break
				}
			fi
			CIRCLECI_API_TOKEN=$(cat "$T/token.secret") "$BIN" export \
			    --org "$ORG" --api-url "$api" --poll-interval 0.05 \
			    --start "$start" --end "$end" -o "$e" \
			    >"$T/out" 2>"$T/err"; kept && [ "$(esums "$e")" = "$want" ] &&
			    clean ||
			    { bad="N=$n: the next run did not complete it: $(head -c 300 "$T/err")"; break; }
			rm -rf "$e"
			n=$(next "$n" "$max")
		done
		[ -z "$bad" ] && ok "export: $call fails cleanly, the next run completes ($fired faults)" ||
		    ko "export: $call fails cleanly, the next run completes" "$bad"
	done
fi
kill "$dpid" 2>/dev/null
wait "$dpid" 2>/dev/null

# -- malloc: every allocation of a report may fail; never a crash.  (Not
# html: fontconfig, under cairo's text measuring, crashes on a failed
# allocation of its own, e.g. strdup(NULL) in FcValueSave.)
bad=
count=0
n=1
while [ "$n" -le 4000 ]; do
	FAULT_CALL=alloc FAULT_N=$n FAULT_LOG=1 LD_PRELOAD=$SHIM \
	    "$BIN" report --format csv --by job -o "$O/m.csv" "$T/gen2" \
	    >"$T/out" 2>"$T/err"
	status=$?
	grep -q '^fault: ' "$T/err" || break
	count=$((count + 1))
	if [ "$status" -ge 126 ] || { [ "$status" -ne 0 ] &&
	    ! grep -v '^fault: ' "$T/err" | grep -q .; }; then
		bad="N=$n status $status: $(head -c 300 "$T/err")"
		break
	fi
	rm -f "$O/m.csv"
	clean || { bad="N=$n left a temporary file"; break; }
	if [ "$n" -lt 200 ]; then n=$((n + 1)); else n=$((n + 37)); fi
done
[ -z "$bad" ] && ok "malloc: report fails cleanly or succeeds ($count faults)" ||
    ko "malloc: report fails cleanly or succeeds" "$bad"

finish
