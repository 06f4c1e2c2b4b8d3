#!/bin/sh
# tests/e2e/history.sh BIN: the history database (`ingest`, `report --db`,
# `db info`, `db prune`).  Covers: a first ingest says what it stored;
# ingesting again changes nothing and says so; overlapping windows store
# each job run once; report --db equals report on the files, to the byte,
# for every --by key and the filters; html, compare, notify and run with
# --db; a corrupt part after good ones, a crash before the commit, a kill
# half-way and a full disk leave the database as it was (integrity_check
# ok, each job run once); db info; db prune; the default path under
# XDG_DATA_HOME; usage errors; a database holding objects our schema does
# not define (triggers fired on ingest or prune, a recursive view named
# like ours or in place of a table, an extra table, index or view, one of
# ours altered or missing) refused by every reader (exit 3, at once, naming
# the file and the object), and one after ANALYZE still used by all.
BIN=$1
. "$(dirname "$0")/lib.sh"
DB=$T/h.db
# the crash before the commit: the fault shim kills it there (as faults.sh)
top=$(cd "$(dirname "$0")/../.." && pwd)
SHIM=${FAULTSHIM:-$top/build/faultshim.so}
if [ ! -f "$SHIM" ]; then
	SHIM=$T/faultshim.so
	cc -std=c11 -D_GNU_SOURCE -O2 -shared -fPIC -o "$SHIM" \
	    "$top/tests/fault/faultshim.c" -ldl || ko "build the shim"
fi

python3 "$(dirname "$0")/../gen/genexport.py" -o "$T/gen" --rows 3000 \
    --parts 3 --seed 31 --days 20 --tricky-names --dup-rows 40 \
    --bad-rows 4 --bad-values 4 >/dev/null
P0=$T/gen/part-000.csv.gz
P1=$T/gen/part-001.csv.gz
P2=$T/gen/part-002.csv.gz

# the database's content, independent of rowids and order
dump() {
	python3 - "$1" <<'PY'
import sqlite3, sys, hashlib
c = sqlite3.connect(sys.argv[1])
h = hashlib.sha256()
for t, cols in (("job_runs", "job_key, job_id, day, project, workflow, job,"
                 " status, resource_class, executor, os, org, trigger_source,"
                 " branch, trigger_user, run_seconds, compute_credits,"
                 " dlc_credits, user_credits, storage_credits, network_credits,"
                 " lease_credits, lease_overage_credits, ipranges_credits,"
                 " total_credits, median_cpu_pct, max_cpu_pct, median_ram_pct,"
                 " max_ram_pct"),
                ("daily", "*"), ("names", "*")):
    for row in sorted(map(repr, c.execute("SELECT %s FROM %s" % (cols, t)))):
        h.update(row.encode())
print(h.hexdigest())
PY
}
sane() {
	python3 - "$1" <<'PY'
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
ok = c.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
n, d = c.execute("SELECT count(*), count(DISTINCT job_id) FROM job_runs").fetchone()
j = c.execute("SELECT coalesce(sum(jobs), 0) FROM daily").fetchone()[0]
sys.exit(0 if ok and n == d and n == j else 1)
PY
}
# same_reports NAME ARGS...: report --db equals report on the files
same_reports() {
	name=$1
	shift
	"$BIN" report --format csv "$@" "$T/gen" >"$T/f.csv" 2>/dev/null &&
	    "$BIN" report --format csv --db "$DB" "$@" >"$T/d.csv" &&
	    cmp -s "$T/f.csv" "$T/d.csv" && ok "$name" ||
	    ko "$name" "$(diff "$T/f.csv" "$T/d.csv" | head -5)"
}

# overlapping windows: parts 0+1, then 1+2
run 0 "$BIN" ingest --db "$DB" "$P0" "$P1" &&
    contains "$T/out" "read from 2 files: .* new, [0-9]* already present" &&
    [ -f "$DB" ] && ok "first ingest creates the database and counts" ||
    ko "first ingest creates the database and counts" "$(cat "$T/out" "$T/err")"
n01=$(sed -n 's/.*: \([0-9]*\) new.*/\1/p' "$T/out")
run 0 "$BIN" ingest --db "$DB" "$P1" "$P2" && ! contains "$T/out" " 0 new" &&
    ! contains "$T/out" " 0 already present" &&
    ok "overlapping window: some new, some already present" ||
    ko "overlapping window: some new, some already present" "$(cat "$T/out")"
n12=$(sed -n 's/.*: \([0-9]*\) new.*/\1/p' "$T/out")
total=$(python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('SELECT count(*) FROM job_runs').fetchone()[0])" "$DB")
[ "$total" -eq $((n01 + n12)) ] && [ "$total" -eq 3000 ] &&
    ok "each job run stored once (3000)" ||
    ko "each job run stored once (3000)" "$total vs $n01 + $n12"
check "journal mode is WAL" python3 -c "import sqlite3,sys; sys.exit(sqlite3.connect(sys.argv[1]).execute('PRAGMA journal_mode').fetchone()[0] != 'wal')" "$DB"
h1=$(dump "$DB")
run 0 "$BIN" ingest --db "$DB" "$T/gen" && contains "$T/out" ": 0 new" &&
    contains "$T/out" "nothing changed" && [ "$(dump "$DB")" = "$h1" ] &&
    ok "ingesting again changes nothing and says so" ||
    ko "ingesting again changes nothing and says so" "$(cat "$T/out")"
check "integrity_check ok, each job run once, roll-up complete" sane "$DB"

for by in project workflow job branch resource_class executor os status \
    org trigger user day week month project,day job,status,month \
    branch,user; do
	same_reports "report --db --by $by equals report on the files" --by "$by"
done
same_reports "report --db --since/--until" --since 2026-10-05 \
    --until 2026-10-12 --by project,day
same_reports "report --db --project glob" --project '*e*' --by job
same_reports "report --db --branch glob" --branch 'main' --by project
same_reports "report --db --status" --status failed,canceled --by status
same_reports "report --db --top --sort" --by job --top 5 --sort jobs
printf 'teams:\n  mobile: ["*ios*", "*android*"]\n  ml: ["ml-*", "gpu-*"]\n' \
    >"$T/teams.yaml"
same_reports "report --db --by team" --teams "$T/teams.yaml" --by team
same_reports "report --db --by month,team" --teams "$T/teams.yaml" \
    --by month,team
# same_cmd NAME ARGS...: COMMAND --db equals COMMAND on the files
same_cmd() {
	name=$1
	shift
	"$BIN" "$@" --format csv "$T/gen" >"$T/f.csv" 2>/dev/null &&
	    "$BIN" "$@" --format csv --db "$DB" >"$T/d.csv" &&
	    cmp -s "$T/f.csv" "$T/d.csv" && ok "$name" ||
	    ko "$name" "$(diff "$T/f.csv" "$T/d.csv" | head -5)"
}
# failures: the same but the retry cost, which needs the export files
# (no pipeline id or start time in history): its three columns, last,
# are empty from history, with a notice
"$BIN" failures --format csv "$T/gen" 2>/dev/null |
    sed -E 's/,[^,]*,[^,]*,[^,]*$//' >"$T/f.csv"
"$BIN" failures --format csv --db "$DB" 2>"$T/d.err" >"$T/d.csv"
# (analyses.py checks that they are null in JSON)
sed -E 's/,[^,]*,[^,]*,[^,]*$//' "$T/d.csv" | cmp -s "$T/f.csv" - &&
    head -n 1 "$T/d.csv" | grep -q ',retried_runs,retry_credits,retry_usd$' &&
    grep -q 'retry cost needs the export files' "$T/d.err" &&
    ok "failures --db equals failures on the files (retry cost empty)" ||
    ko "failures --db equals failures on the files (retry cost empty)" \
        "$(sed -E 's/,[^,]*,[^,]*,[^,]*$//' "$T/d.csv" | diff "$T/f.csv" - |
        head -5)"
same_cmd "chargeback --db equals chargeback on the files" chargeback \
    --teams "$T/teams.yaml"
"$BIN" report --format markdown --by month "$T/gen" 2>/dev/null |
    tail -n +2 >"$T/f.md" &&
    "$BIN" report --format markdown --db "$DB" --by month >"$T/d.md" &&
    head -n 1 "$T/d.md" | grep -q "3,000 job runs from history" &&
    tail -n +2 "$T/d.md" | cmp -s "$T/f.md" - &&
    ok "report --db markdown: from history, the same table" ||
    ko "report --db markdown: from history, the same table"

# html --db: the same page, but for the data-quality counts of files
# and rows (history has no files, duplicates or unreadable rows)
"$BIN" html -o "$T/f.html" "$T/gen" 2>/dev/null
"$BIN" html --db "$DB" -o "$T/d.html" >/dev/null 2>&1
q='<dt>(files|rows read|rows skipped [(]unreadable[)]|duplicates dropped)</dt>'
grep -v -E "$q" "$T/f.html" >"$T/f2.html"
grep -v -E "$q" "$T/d.html" >"$T/d2.html"
cmp -s "$T/f2.html" "$T/d2.html" && grep -q '<dt>files</dt><dd>0</dd>' "$T/d.html" &&
    ok "html --db: the page as on the files (but files and rows read)" ||
    ko "html --db: the page as on the files (but files and rows read)" "$(diff "$T/f2.html" "$T/d2.html" | head -5)"

# a corrupt part after good ones: exit 3, nothing stored
python3 "$(dirname "$0")/../gen/genexport.py" -o "$T/new" --rows 500 \
    --parts 1 --seed 32 --days 5 --start 2026-11-01 >/dev/null
head -c 3000 "$T/new/part-000.csv.gz" >"$T/bad.csv.gz"
h1=$(dump "$DB")
run 3 "$BIN" ingest --db "$DB" "$T/new/part-000.csv.gz" "$T/bad.csv.gz" &&
    contains "$T/err" "nothing stored" && [ "$(dump "$DB")" = "$h1" ] &&
    sane "$DB" && ok "a corrupt part after a good one: exit 3, database unchanged" ||
    ko "a corrupt part after a good one: exit 3, database unchanged" "$status $(cat "$T/err")"
# killed after writing everything, before the commit (the fault shim; not
# in an ASan build, whose allocator the shim's would replace: faults.sh
# runs only on the release build too)
if ASAN_OPTIONS=help=1 "$BIN" --version 2>&1 | grep -q AddressSanitizer; then
	ok "killed before the commit: not checked in an ASan build (the fault shim)"
else
	FAULT_CALL=commit FAULT_LOG=1 LD_PRELOAD=$SHIM \
	    "$BIN" ingest --db "$DB" "$T/new" >/dev/null 2>"$T/err"
	st=$?
	[ "$st" -ge 128 ] && grep -q '^fault: commit #1' "$T/err" &&
	    [ "$(dump "$DB")" = "$h1" ] && sane "$DB" &&
	    ok "killed before the commit: database unchanged" ||
	    ko "killed before the commit: database unchanged" \
	    "exit $st: $(cat "$T/err")"
fi
# killed half-way: SIGKILL while it waits for the rest of a slow stdin
python3 -c "
import gzip, sys, time
data = gzip.open(sys.argv[1]).read()
sys.stdout.buffer.write(data[:len(data) // 2]); sys.stdout.flush()
time.sleep(3)" "$T/new/part-000.csv.gz" | "$BIN" ingest --db "$DB" - \
    >/dev/null 2>&1 &
ipid=$!
sleep 1
kill -9 "$ipid" 2>/dev/null && killed=1 || killed=0
wait "$ipid" 2>/dev/null
[ "$killed" = 1 ] && [ "$(dump "$DB")" = "$h1" ] && sane "$DB" &&
    ok "killed half-way (SIGKILL): database unchanged" ||
    ko "killed half-way (SIGKILL): database unchanged" "killed=$killed"
# disk full: a file-size limit (SIGXFSZ ignored, so writes fail with EFBIG)
python3 "$(dirname "$0")/../gen/genexport.py" -o "$T/big" --rows 20000 \
    --parts 1 --seed 35 --days 10 --start 2026-12-01 >/dev/null
sh -c 'trap "" XFSZ; ulimit -f 1200; exec "$@"' sh "$BIN" ingest --db "$DB" \
    "$T/big" >/dev/null 2>"$T/err"
st=$?
[ "$st" -eq 1 ] && contains "$T/err" "nothing stored" &&
    [ "$(dump "$DB")" = "$h1" ] && sane "$DB" &&
    ok "disk full (file-size limit): exit 1, database unchanged" ||
    ko "disk full (file-size limit): exit 1, database unchanged" "exit $st $(cat "$T/err")"
run 0 "$BIN" ingest --db "$DB" "$T/new" && contains "$T/out" ": 500 new" &&
    ok "the same ingest, not killed, stores it" || ko "the same ingest, not killed, stores it"

# kill -9 at moments drawn from fixed seeds (replayable: the seed and the
# delay are printed) over the whole length of an ingest of 60,000 job runs:
# each time the database is as it was or holds the whole ingest (one
# transaction), integrity_check passes, and the next run ends with the
# database byte-identical in content to an uninterrupted ingest's
python3 "$(dirname "$0")/../gen/genexport.py" -o "$T/kill" --rows 60000 \
    --parts 2 --seed 36 --days 10 --start 2027-01-01 >/dev/null
hk0=$(dump "$DB")
cp "$DB" "$T/ref.db"
t0=$(date +%s.%N)
"$BIN" ingest --db "$T/ref.db" "$T/kill" >/dev/null 2>&1
tfull=$(echo "$t0 $(date +%s.%N)" | awk '{ printf "%.3f", $2 - $1 }')
href=$(dump "$T/ref.db")
bad=
moments=
cut=0
for seed in 1 2 3 4 5 6; do
	delay=$(python3 -c "import random, sys; r = random.Random(int(sys.argv[1]));
print('%.3f' % (r.random() * 1.2 * float(sys.argv[2])))" "$seed" "$tfull")
	moments="$moments $seed:${delay}s"
	rm -f "$T/k.db" "$T/k.db-wal" "$T/k.db-shm"
	cp "$DB" "$T/k.db"
	"$BIN" ingest --db "$T/k.db" "$T/kill" >/dev/null 2>&1 &
	kpid=$!
	sleep "$delay"
	kill -9 "$kpid" 2>/dev/null
	wait "$kpid" 2>/dev/null
	hk=$(dump "$T/k.db")
	if ! sane "$T/k.db" || { [ "$hk" != "$hk0" ] && [ "$hk" != "$href" ]; }; then
		bad="$bad seed $seed (${delay}s): neither as it was nor complete;"
		continue
	fi
	[ "$hk" = "$hk0" ] && cut=$((cut + 1))
	"$BIN" ingest --db "$T/k.db" "$T/kill" >/dev/null 2>&1 &&
	    [ "$(dump "$T/k.db")" = "$href" ] && sane "$T/k.db" ||
	    bad="$bad seed $seed (${delay}s): the next run differs;"
done
[ -z "$bad" ] && [ "$hk0" != "$href" ] && [ "$cut" -ge 1 ] &&
    ok "ingest killed at seeded moments (${tfull}s run;$moments; $cut cut short): then resumed, identical" ||
    ko "ingest killed at seeded moments (${tfull}s run;$moments)" "$bad"

# compare --db: two periods of history as two exports
python3 "$(dirname "$0")/../gen/genexport.py" -o "$T/sep" --rows 800 \
    --parts 1 --seed 33 --days 30 --start 2026-09-01 >/dev/null
python3 "$(dirname "$0")/../gen/genexport.py" -o "$T/oct" --rows 900 \
    --parts 2 --seed 34 --days 31 --start 2026-10-01 >/dev/null
"$BIN" ingest --db "$T/c.db" "$T/sep" "$T/oct" >/dev/null 2>&1
for by in project job,status; do
	"$BIN" compare --format csv --by "$by" "$T/sep" "$T/oct" >"$T/f.csv" 2>/dev/null &&
	    "$BIN" compare --format csv --by "$by" --db "$T/c.db" \
	    --previous-since 2026-09-01 --previous-until 2026-09-30 \
	    --since 2026-10-01 --until 2026-10-31 >"$T/d.csv" &&
	    cmp -s "$T/f.csv" "$T/d.csv" &&
	    ok "compare --db --by $by equals compare on the two exports" ||
	    ko "compare --db --by $by equals compare on the two exports" "$(diff "$T/f.csv" "$T/d.csv" | head -3)"
done
"$BIN" notify slack --dry-run --previous "$T/sep" "$T/oct" >"$T/nf.json" 2>/dev/null &&
    "$BIN" notify slack --dry-run --db "$T/c.db" --since 2026-10-01 \
    --until 2026-10-31 --previous-since 2026-09-01 \
    --previous-until 2026-09-30 >"$T/nd.json" &&
    cmp -s "$T/nf.json" "$T/nd.json" &&
    ok "notify slack --db: the same payload as on the two exports" ||
    ko "notify slack --db: the same payload as on the two exports"
run 2 "$BIN" compare --db "$T/c.db" --since 2026-10-01 &&
    ok "compare --db without --previous-since: usage error" ||
    ko "compare --db without --previous-since: usage error"

# db info and prune
run 0 "$BIN" db info --db "$DB" && contains "$T/out" "span: *2026-10-01 to 2026-11-05" &&
    contains "$T/out" "job runs: *3500" && ok "db info: span and counts" ||
    ko "db info: span and counts" "$(cat "$T/out" "$T/err")"
run 0 "$BIN" db prune --db "$DB" --before 2026-10-10 &&
    contains "$T/out" "deleted" && sane "$DB" && ok "db prune --before" ||
    ko "db prune --before" "$(cat "$T/out" "$T/err")"
"$BIN" report --format csv --since 2026-10-10 --by day "$T/gen" "$T/new" \
    >"$T/f.csv" 2>/dev/null
"$BIN" report --format csv --db "$DB" --by day >"$T/d.csv"
cmp -s "$T/f.csv" "$T/d.csv" && ok "after prune: report --db equals report --since" ||
    ko "after prune: report --db equals report --since" "$(diff "$T/f.csv" "$T/d.csv" | head -3)"
# the prune cut October in two: the roll-ups by month keep its days after
pr=ok
for by in job resource_class month,workflow; do
	"$BIN" report --format csv --since 2026-10-10 --by "$by" "$T/gen" \
	    "$T/new" >"$T/f.csv" 2>/dev/null
	"$BIN" report --format csv --db "$DB" --by "$by" >"$T/d.csv"
	cmp -s "$T/f.csv" "$T/d.csv" || pr="--by $by: $(diff "$T/f.csv" "$T/d.csv" | head -3)"
done
[ "$pr" = ok ] && ok "after prune: the roll-ups by month equal report --since" ||
    ko "after prune: the roll-ups by month equal report --since" "$pr"
run 2 "$BIN" db prune --db "$DB" && ok "db prune without --before: usage error" ||
    ko "db prune without --before: usage error"

# run --db ingests what it read
run 0 "$BIN" run --quiet --from "$T/gen" --db "$T/run.db" -o "$T/run" &&
    "$BIN" report --format csv --db "$T/run.db" --by job >"$T/d.csv" &&
    "$BIN" report --format csv --by job "$T/gen" >"$T/f.csv" 2>/dev/null &&
    cmp -s "$T/f.csv" "$T/d.csv" && ok "run --db ingests the export" ||
    ko "run --db ingests the export" "$(cat "$T/err")"

# the default database
XDG_DATA_HOME=$T/xdg run 0 "$BIN" ingest "$P0" &&
    [ -f "$T/xdg/circleci-usage/usage.db" ] &&
    ok "default database under XDG_DATA_HOME" || ko "default database under XDG_DATA_HOME"
run 2 "$BIN" report --db "$DB" "$T/gen" && ok "report --db with PATHs: usage error" ||
    ko "report --db with PATHs: usage error"
python3 -c "import sqlite3,sys; sqlite3.connect(sys.argv[1]).execute('CREATE TABLE t(x)')" "$T/other.db"
run 3 "$BIN" report --db "$T/other.db" && contains "$T/err" "not a circleci-usage history database" &&
    ok "report --db on another SQLite database: exit 3" ||
    ko "report --db on another SQLite database: exit 3" "$(cat "$T/err")"
run 3 "$BIN" ingest --db "$T/other.db" "$P0" &&
    contains "$T/err" "another SQLite database" &&
    python3 -c "import sqlite3,sys; sys.exit(sqlite3.connect(sys.argv[1]).execute('SELECT count(*) FROM sqlite_master').fetchone()[0] != 1)" "$T/other.db" &&
    ok "ingest into another SQLite database: refused, untouched" ||
    ko "ingest into another SQLite database: refused, untouched" "$(cat "$T/err")"
run 3 "$BIN" report --db "$T/none.db" && ok "report --db on a missing database: exit 3" ||
    ko "report --db on a missing database: exit 3"

# -- a database someone else made: objects our schema does not define are
#    refused (exit 3, naming the file and the object) before anything is
#    read or written; SQLite's own tables (ANALYZE) are fine
"$BIN" ingest --db "$T/base.db" "$P0" >/dev/null 2>&1
# hostile NAME SQL: $T/NAME.db, the base database changed by SQL (by
# Python's sqlite3, which is not defensive)
hostile() {
	cp "$T/base.db" "$T/$1.db"
	python3 - "$T/$1.db" "$2" <<'PY'
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
c.executescript(sys.argv[2])
c.commit()
c.close()
PY
}
# meta_rows DB: the number of meta rows (the triggers below add some)
meta_rows() {
	python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('SELECT count(*) FROM meta').fetchone()[0])" "$1"
}
# refused NAME DB OBJECT CMD...: CMD exits 3 within 20 s, naming DB and OBJECT
refused() {
	name=$1
	db=$2
	obj=$3
	shift 3
	t0=$(date +%s)
	run 3 timeout 20 "$@" && contains "$T/err" "'$db'" &&
	    contains "$T/err" "'$obj'" && [ "$(grep -c . "$T/err")" -eq 1 ] &&
	    ok "$name" ||
	    ko "$name" "exit $status after $(($(date +%s) - t0)) s: $(head -c 300 "$T/err")"
}
# the daily table as a view that never ends, with daily's columns
DAILY_COLS="day, project, workflow, job, status, resource_class, executor, os, org, trigger_source, jobs, run_seconds, compute_credits, dlc_credits, user_credits, storage_credits, network_credits, lease_credits, lease_overage_credits, ipranges_credits, total_credits"
LOOP="WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c)"
hostile trig "CREATE TRIGGER evil AFTER INSERT ON job_runs BEGIN INSERT INTO meta VALUES('pwned-' || new.job_id, 'x'); END;"
m0=$(meta_rows "$T/trig.db")
refused "ingest: a trigger on job_runs is refused, never fired" \
    "$T/trig.db" evil "$BIN" ingest --db "$T/trig.db" "$P1"
[ "$(meta_rows "$T/trig.db")" = "$m0" ] &&
    ok "ingest: the trigger did not fire, nothing written" ||
    ko "ingest: the trigger did not fire" "meta: $m0 -> $(meta_rows "$T/trig.db") rows"
hostile trig2 "CREATE TRIGGER n_evil BEFORE INSERT ON names BEGIN INSERT INTO meta VALUES('pwned-' || new.value, 'x'); END;"
refused "ingest: a trigger on names is refused" "$T/trig2.db" n_evil \
    "$BIN" ingest --db "$T/trig2.db" "$P1"
hostile trig3 "CREATE TRIGGER d_evil AFTER DELETE ON job_runs BEGIN INSERT INTO meta VALUES('pruned-' || old.job_id, 'x'); END;"
m0=$(meta_rows "$T/trig3.db")
refused "db prune: a trigger on delete is refused, never fired" \
    "$T/trig3.db" d_evil "$BIN" db prune --db "$T/trig3.db" --before 2030-01-01
[ "$(meta_rows "$T/trig3.db")" = "$m0" ] &&
    ok "db prune: nothing deleted, the trigger never fired" ||
    ko "db prune: the trigger fired"
hostile loopdaily "DROP TABLE daily; CREATE VIEW daily($DAILY_COLS) AS $LOOP SELECT x, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1 FROM c;"
refused "report --db: the daily table turned into a recursive view is refused at once" \
    "$T/loopdaily.db" daily "$BIN" report --db "$T/loopdaily.db"
refused "report --db --by branch: likewise (job_runs is not read either)" \
    "$T/loopdaily.db" daily "$BIN" report --db "$T/loopdaily.db" --by branch
hostile loopview "DROP VIEW job_runs_named; CREATE VIEW job_runs_named AS $LOOP SELECT x FROM c;"
refused "report --db: a recursive view named like ours is refused" \
    "$T/loopview.db" job_runs_named "$BIN" report --db "$T/loopview.db"
refused "html --db: likewise" "$T/loopview.db" job_runs_named \
    "$BIN" html --db "$T/loopview.db" -o "$T/loop.html"
[ ! -e "$T/loop.html" ] && ok "html --db: refused, nothing written" ||
    ko "html --db: refused, nothing written"
hostile extra "CREATE TABLE notes(x);"
refused "report --db: an extra table is refused" "$T/extra.db" notes \
    "$BIN" report --db "$T/extra.db"
refused "ingest: an extra table is refused" "$T/extra.db" notes \
    "$BIN" ingest --db "$T/extra.db" "$P1"
hostile index "CREATE INDEX job_runs_day ON job_runs(day);"
refused "failures --db: an extra index is refused" "$T/index.db" \
    job_runs_day "$BIN" failures --db "$T/index.db"
hostile fview "CREATE VIEW v AS SELECT * FROM names;"
refused "chargeback --db: a foreign view is refused" "$T/fview.db" v \
    "$BIN" chargeback --teams "$T/teams.yaml" --db "$T/fview.db"
refused "db info: a foreign view is refused" "$T/fview.db" v \
    "$BIN" db info --db "$T/fview.db"
hostile altered "ALTER TABLE meta ADD COLUMN extra;"
refused "compare --db: a table of ours with another column is refused" \
    "$T/altered.db" meta "$BIN" compare --db "$T/altered.db" \
    --previous-since 2026-09-01 --previous-until 2026-09-30 \
    --since 2026-10-01 --until 2026-10-31
hostile idx2 "DROP INDEX daily_key; CREATE INDEX daily_key ON daily(day);"
refused "notify --db: an index of ours defined otherwise is refused" \
    "$T/idx2.db" daily_key "$BIN" notify slack --dry-run --db "$T/idx2.db" \
    --since 2026-10-01 --until 2026-10-31 --previous-since 2026-09-01 \
    --previous-until 2026-09-30
hostile gone "DROP VIEW job_runs_named;"
refused "report --db: a database lacking an object of ours is refused" \
    "$T/gone.db" job_runs_named "$BIN" report --db "$T/gone.db"
run 0 "$BIN" ingest --db "$T/gone.db" "$P1" &&
    run 0 "$BIN" report --db "$T/gone.db" &&
    ok "ingest: makes what is missing, then readers work" ||
    ko "ingest: makes what is missing" "$(cat "$T/err")"
# ours, after ANALYZE (sqlite_stat1): every reader and db info/prune work
hostile stats "ANALYZE;"
ok_all=
run 0 "$BIN" report --db "$T/stats.db" || ok_all="$ok_all report"
run 0 "$BIN" failures --db "$T/stats.db" || ok_all="$ok_all failures"
run 0 "$BIN" chargeback --teams "$T/teams.yaml" --db "$T/stats.db" ||
    ok_all="$ok_all chargeback"
run 0 "$BIN" compare --db "$T/stats.db" --previous-since 2026-09-01 \
    --previous-until 2026-09-30 --since 2026-10-01 --until 2026-10-31 ||
    ok_all="$ok_all compare"
run 0 "$BIN" html --db "$T/stats.db" -o "$T/stats.html" || ok_all="$ok_all html"
run 0 "$BIN" notify slack --dry-run --db "$T/stats.db" --since 2026-10-01 \
    --until 2026-10-31 --previous-since 2026-09-01 \
    --previous-until 2026-09-30 || ok_all="$ok_all notify"
run 0 "$BIN" db info --db "$T/stats.db" || ok_all="$ok_all info"
run 0 "$BIN" ingest --db "$T/stats.db" "$P1" || ok_all="$ok_all ingest"
run 0 "$BIN" db prune --db "$T/stats.db" --before 2026-10-05 ||
    ok_all="$ok_all prune"
[ -z "$ok_all" ] && sane "$T/stats.db" &&
    ok "a database of ours with sqlite_stat1: every reader, ingest, db info and prune work" ||
    ko "a database of ours with sqlite_stat1" "failed:$ok_all: $(cat "$T/err")"
finish
