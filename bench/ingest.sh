#!/bin/sh
# bench/ingest.sh [BIN]: how fast `ingest` fills the history database, and
# how fast `report --db --by month` answers over 10 million job runs.
#
#   1. sqlite3's own `.import` of the same rows as one plain CSV (the
#      reference: text columns, no key, no checks);
#   2. `ingest` of that CSV and of the export's gzip parts (what users
#      run), into a new database: every row new;
#   3. `ingest` of the parts again: every row already present;
#   4. 10M job runs: the nine earlier months bench/targets.py generates
#      (data-1m-m1 ... -m9, cached) ingested as users would, when they are
#      there; else the 1M copied nine times with SQL (new JOB_IDs, dates
#      shifted by 31 days a copy, the roll-ups by day copied alike; those
#      by month, which a shift does not map, made again by the schema's
#      migration from daily, timed), then `report --db` by every key, each
#      as a ratio to `report` over the 1M rows of files (issue 21 asks at
#      most 1), and by job and branch (which no roll-up has: the job
#      runs);
#   5. over those 10M, `budget --db` and `anomalies --db` at the history's
#      end, each as a ratio to `report --by project` over the 1M rows of
#      export files, measured here too (issue 18 asks at most 1); and a
#      budget scoped by branch (the roll-up by branch since schema 3).
# Peak RSS and the database's size against the gzip parts are printed
# for the ingest of the parts.  Best of BENCH_RUNS (3) wall times.  Uses
# the data bench/run.sh caches (run `make bench` or `sh bench/run.sh` once
# first); BENCH_SET=wide the high-cardinality set bench/targets.py caches
# (data-1m-wide).
set -eu
BIN=${1:-./circleci-usage}
cache=${CIRCLECI_USAGE_BENCH_CACHE:-$HOME/.cache/circleci-usage-bench}
case ${BENCH_SET:-bench} in
bench) data=${BENCH_DATA:-$cache/data-1m} ;;
wide) data=${BENCH_DATA:-$cache/data-1m-wide} ;;
*) echo "ingest.sh: BENCH_SET: bench or wide" >&2; exit 2 ;;
esac
runs=${BENCH_RUNS:-3}
[ -d "$data" ] || { echo "ingest.sh: no $data: run sh bench/run.sh first" >&2; exit 2; }
command -v sqlite3 >/dev/null || { echo "ingest.sh: needs the sqlite3 command (Debian sqlite3)" >&2; exit 2; }
work=$(mktemp -d "${TMPDIR:-/tmp}/cu-ingest-bench.XXXXXX")
trap 'rm -rf "$work"' 0 1 15

. "$(dirname "$0")/best.sh"
rate() { echo "scale=0; $1 / $2" | bc; }

# one plain CSV: the first part's header, every part's rows
first=1
for f in "$data"/*.csv.gz; do
	if [ $first = 1 ]; then gzip -dc "$f"; first=0; else gzip -dc "$f" | tail -n +2; fi
done >"$work/all.csv"
rows=$(($(wc -l <"$work/all.csv") - 1))
echo "ingest bench: $rows rows ($data), $(nproc) cores, best of $runs"

prep() { rm -f "$work/ref.db"*; }
t=$(best sqlite3 "$work/ref.db" -cmd '.mode csv' ".import $work/all.csv job_runs")
printf '%-44s %8.2f s %9s rows/s\n' "sqlite3 .import (plain CSV, reference)" "$t" "$(rate "$rows" "$t")"

prep() { rm -f "$work/h.db"*; }
t=$(best "$BIN" ingest --db "$work/h.db" "$work/all.csv")
printf '%-44s %8.2f s %9s rows/s\n' "ingest (the same plain CSV)" "$t" "$(rate "$rows" "$t")"
t=$(best "$BIN" ingest --db "$work/h.db" "$data")
printf '%-44s %8.2f s %9s rows/s\n' "ingest (the gzip parts)" "$t" "$(rate "$rows" "$t")"
t_ing=$t
t_rep=$(best "$BIN" report --by project --format csv "$data")
printf '%-44s %8.3f s   ingest %.2fx (target <= 3)\n' \
    "report --by project (the same files)" "$t_rep" \
    "$(echo "scale=4; $t_ing / $t_rep" | bc)"
if [ -x /usr/bin/time ]; then
	rm -f "$work/r.db"*
	/usr/bin/time -f %M -o "$work/rss" "$BIN" ingest --db "$work/r.db" \
	    "$data" >/dev/null 2>&1
	gz=$(cat "$data"/*.csv.gz | wc -c)
	db=$(cat "$work/r.db"* | wc -c)
	printf '%-44s %8d MiB (target <= 128); database %d MB, %.2fx the gzip parts (target <= 1)\n' \
	    "ingest peak RSS" "$(($(cat "$work/rss") / 1024))" \
	    "$((db / 1000000))" "$(echo "scale=4; $db / $gz" | bc)"
	rm -f "$work/r.db"*
fi
prep() { :; }
t=$(best "$BIN" ingest --db "$work/h.db" "$data")
printf '%-44s %8.2f s %9s rows/s\n' "ingest again (all already present)" "$t" "$(rate "$rows" "$t")"

# 10M: the nine earlier months bench/targets.py generated, ingested (what
# users do, whatever the schema), when all are cached; else nine shifted
# copies by SQL (a fast path for the bench only: adapt it when the tables
# change)
have_months=1
k=1
while [ $k -le 9 ]; do
	[ -f "$data-m$k/truth.json" ] || have_months=0
	k=$((k + 1))
done
if [ $have_months = 1 ]; then
	k=1
	while [ $k -le 9 ]; do
		"$BIN" ingest --quiet --db "$work/h.db" "$data-m$k" \
		    >/dev/null 2>"$work/err" || { cat "$work/err" >&2; exit 1; }
		k=$((k + 1))
	done
	how="the nine earlier months ingested"
else
	maxid=$(sqlite3 "$work/h.db" 'SELECT max(id) FROM job_runs')
	mind=$(sqlite3 "$work/h.db" 'SELECT min(day) + 31 FROM daily')
	k=1
	sql="BEGIN;"
	while [ $k -le 9 ]; do
		sql="$sql
	INSERT INTO job_runs SELECT NULL, (job_key | ($k << 56)) - (job_key & ($k << 56)), job_id || '/$k',
	 day + 31 * $k, project, workflow, job, status, resource_class, executor, os,
	 org, trigger_source, branch, trigger_user, run_seconds, compute_credits,
	 dlc_credits, user_credits, storage_credits, network_credits, lease_credits,
	 lease_overage_credits, ipranges_credits, total_credits, median_cpu_pct,
	 max_cpu_pct, median_ram_pct, max_ram_pct, ingest FROM job_runs WHERE id <= $maxid;
	INSERT INTO daily SELECT day + 31 * $k, project, workflow, job, status,
	 resource_class, executor, os, org, trigger_source, jobs, run_seconds,
	 compute_credits, dlc_credits, user_credits, storage_credits, network_credits,
	 lease_credits, lease_overage_credits, ipranges_credits, total_credits
	 FROM daily WHERE day < $mind;
	INSERT INTO daily_branch SELECT day + 31 * $k, project, status, org, branch,
	 jobs, run_seconds, compute_credits, dlc_credits, user_credits,
	 storage_credits, network_credits, lease_credits, lease_overage_credits,
	 ipranges_credits, total_credits FROM daily_branch WHERE day < $mind;
	INSERT INTO daily_user SELECT day + 31 * $k, project, status, org,
	 trigger_user, jobs, run_seconds, compute_credits, dlc_credits, user_credits,
	 storage_credits, network_credits, lease_credits, lease_overage_credits,
	 ipranges_credits, total_credits FROM daily_user WHERE day < $mind;"
		k=$((k + 1))
	done
	# the roll-ups of schema 4 made again from daily by the migration
	echo "$sql DROP TABLE daily_project; DROP TABLE monthly_class;
	 DROP TABLE monthly_job; DROP TABLE monthly;
	 UPDATE meta SET value = '3' WHERE key = 'schema_version'; COMMIT;" |
	    sqlite3 "$work/h.db"
	: >"$work/empty.csv"
	t0=$(now)
	"$BIN" ingest --db "$work/h.db" "$work/empty.csv" >/dev/null 2>&1
	how="the 1M copied nine times by SQL; schema 4's roll-ups made from daily in $(echo "$(now) - $t0" | bc) s"
fi
n=$(sqlite3 "$work/h.db" 'SELECT count(*) FROM job_runs')
d=$(sqlite3 "$work/h.db" 'SELECT count(*) FROM daily')
m=$(sqlite3 "$work/h.db" 'SELECT count(*) FROM monthly_job')
echo "history: $n job runs, $d daily roll-up rows, $m monthly_job rows ($how)"
for by in project workflow job branch user day week month resource_class \
    status executor os org trigger month,project job,status \
    branch,status week,resource_class; do
	t=$(best "$BIN" report --db "$work/h.db" --by "$by" --format csv)
	printf '%-44s %8.3f s  %5.2fx report over 1M files (target <= 1)\n' \
	    "report --db --by $by" "$t" "$(echo "scale=4; $t / $t_rep" | bc)"
done
# a range that cuts its first and last months in two
lo=$(sqlite3 "$work/h.db" 'SELECT min(day) + 45 FROM daily')
hi=$(sqlite3 "$work/h.db" 'SELECT max(day) - 40 FROM daily')
since=$(date -u -d "@$((lo * 86400))" +%F)
until=$(date -u -d "@$((hi * 86400))" +%F)
t=$(best "$BIN" report --db "$work/h.db" --since "$since" --until "$until" --by job --format csv)
printf '%-44s %8.3f s  %5.2fx report over 1M files (target <= 1)\n' \
    "report --db --by job, months cut in two" "$t" \
    "$(echo "scale=4; $t / $t_rep" | bc)"
t=$(best "$BIN" report --db "$work/h.db" --by job,branch --format csv)
printf '%-44s %8.3f s  %5.2fx (no roll-up: the job runs)\n' \
    "report --db --by job,branch" "$t" "$(echo "scale=4; $t / $t_rep" | bc)"

# budgets and anomalies over the 10M, against report over 1M of files
printf '%-44s %8.3f s\n' "report --by project (1M rows of files)" "$t_rep"
last=$(sqlite3 "$work/h.db" 'SELECT max(day) FROM daily')
at=$(date -u -d "@$(( (last + 1) * 86400 ))" +%F)
cat >"$work/budgets.yml" <<'YAML'
budgets:
  - name: org-weekly
    scope: org
    period: week
    credits: 30000000
  - name: org-monthly
    scope: org
    period: month
    usd: 60000
  - name: proj-a
    project: "a*"
    period: week
    credits: 2000000
  - name: large
    by: {resource_class: large}
    period: month
    credits: 20000000
YAML
printf 'budgets:\n  - {name: main, by: {branch: main}, period: week, credits: 9}\n' \
    >"$work/branch.yml"
for what in budget anomalies branch; do
	case $what in
	budget) set -- budget --budgets "$work/budgets.yml"
		label="budget --db (4 budgets, 10M job runs)" ;;
	anomalies) set -- anomalies
		label="anomalies --db (10M job runs)" ;;
	branch) set -- budget --budgets "$work/branch.yml"
		label="budget --db, a branch scope (10M)" ;;
	esac
	t=$(best "$BIN" "$@" --db "$work/h.db" --at "$at" --format csv)
	printf '%-44s %8.3f s  %5.2fx report over 1M files (target <= 1)\n' \
	    "$label" "$t" \
	    "$(echo "scale=4; $t / $t_rep" | bc)"
done
