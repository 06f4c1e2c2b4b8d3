#!/bin/sh
# bench/pg.sh [BIN]: history on PostgreSQL beside SQLite (issue 20), as
# ratios to `report --by project` over the same 1M rows of export files,
# measured in the same run:
#
#   1. `ingest` of the export's gzip parts into a new database, SQLite and
#      PostgreSQL (a throwaway local server, tests/pgserver.py, on a Unix
#      socket): target at most 4 times report;
#   2. `ingest` of the parts again (every row already present);
#   3. 10M job runs: the 1M copied nine times with SQL on the server (new
#      JOB_IDs, dates shifted by 31 days a copy, the roll-ups copied alike,
#      then ANALYZE), and `report --db` by project, month, day, job,
#      branch and user: target at most 1 times report over 1M rows of files;
#   4. a week's export (100k job runs) ingested into those 10M, then again:
#      the weekly job's cost as history grows.
#
# Best of BENCH_RUNS (3) wall times.  Uses the data bench/run.sh caches
# (run `make bench` or `sh bench/run.sh` once first).  Needs Debian's
# postgresql (sh scripts/deps.sh check installs it).
set -eu
BIN=${1:-./circleci-usage}
case $BIN in /*) ;; *) BIN=$(pwd)/$BIN ;; esac
top=$(cd "$(dirname "$0")/.." && pwd)
if [ -z "${CU_PG_URI:-}" ]; then
	# run again under a server of our own, stopped and removed after
	exec python3 "$top/tests/pgserver.py" -- sh "$0" "$BIN"
fi
cache=${CIRCLECI_USAGE_BENCH_CACHE:-$HOME/.cache/circleci-usage-bench}
data=${BENCH_DATA:-$cache/data-1m}
runs=${BENCH_RUNS:-3}
[ -d "$data" ] || { echo "pg.sh: no $data: run sh bench/run.sh first" >&2; exit 2; }
work=$(mktemp -d "${TMPDIR:-/tmp}/cu-pg-bench.XXXXXX")
trap 'rm -rf "$work"' 0 1 15
URI=$CU_PG_URI

. "$(dirname "$0")/best.sh"
ratio() { echo "scale=4; $1 / $2" | bc; }
sql() { psql "$URI" -qAt -v ON_ERROR_STOP=1 -c "$1"; }
line() { printf '%-46s %8.3f s  %5.2fx report  (%s)\n' "$1" "$2" "$(ratio "$2" "$t_rep")" "$3"; }

rows=$(for f in "$data"/*.csv.gz; do gzip -dc "$f" | tail -n +2; done | wc -l)
echo "PostgreSQL bench: $rows job runs, $(nproc) cores, best of $runs"
prep() { :; }
t_rep=$(best "$BIN" report --by project --format csv "$data")
printf '%-46s %8.3f s\n' "report --by project (the files, the anchor)" "$t_rep"

prep() { rm -f "$work/h.db"*; }
t=$(best "$BIN" ingest --quiet --db "$work/h.db" "$data")
line "ingest, SQLite (new)" "$t" "$(echo "$rows / $t" | bc) job runs/s"
prep() { sql "DROP SCHEMA IF EXISTS circleci_usage CASCADE"; }
t=$(best "$BIN" ingest --quiet --db "$URI" "$data")
line "ingest, PostgreSQL (new)" "$t" "target <= 4; $(echo "$rows / $t" | bc) job runs/s"
prep() { :; }
t=$(best "$BIN" ingest --quiet --db "$URI" "$data")
line "ingest, PostgreSQL (all already present)" "$t" "$(echo "$rows / $t" | bc) job runs/s"
t=$(best "$BIN" ingest --quiet --db "$work/h.db" "$data")
line "ingest, SQLite (all already present)" "$t" "$(echo "$rows / $t" | bc) job runs/s"

# 10M: nine shifted copies, on the server (a fast path for the bench only)
cols="project, workflow, job, status, resource_class, executor, os, org, trigger_source"
vals="run_seconds, compute_credits, dlc_credits, user_credits, storage_credits, network_credits, lease_credits, lease_overage_credits, ipranges_credits, total_credits"
sql "SET search_path = circleci_usage;
INSERT INTO job_runs(job_key, job_fp, job_id, day, $cols, branch, trigger_user,
 $vals, median_cpu_pct, max_cpu_pct, median_ram_pct, max_ram_pct, ingest)
SELECT job_key # (k::bigint << 56), gen_random_uuid(), job_id || '/' || k,
 day + 31 * k, $cols, branch, trigger_user, $vals, median_cpu_pct, max_cpu_pct,
 median_ram_pct, max_ram_pct, ingest FROM job_runs, generate_series(1, 9) k;
INSERT INTO daily SELECT day + 31 * k, $cols, jobs, $vals
 FROM daily, generate_series(1, 9) k;
INSERT INTO daily_branch SELECT day + 31 * k, project, status, org, branch,
 jobs, $vals FROM daily_branch, generate_series(1, 9) k;
INSERT INTO daily_user SELECT day + 31 * k, project, status, org, trigger_user,
 jobs, $vals FROM daily_user, generate_series(1, 9) k;
ANALYZE job_runs; ANALYZE daily"
echo "history: $(sql 'SELECT count(*) FROM circleci_usage.job_runs') job runs, $(sql 'SELECT count(*) FROM circleci_usage.daily') daily roll-up rows, $(sql "SELECT pg_size_pretty(sum(pg_total_relation_size(c.oid))) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'circleci_usage' AND c.relkind = 'r'")"
for by in project month day job branch user branch,status; do
	t=$(best "$BIN" report --db "$URI" --by "$by" --format csv)
	line "report --db --by $by (10M, PostgreSQL)" "$t" "target <= 1"
done
t=$(best "$BIN" report --db "$URI" --by job,branch --format csv)
line "report --db --by job,branch (10M: the job runs)" "$t" "no roll-up has both"

# a week's export into that history: its job runs all new, then again
week=$work/week
mkdir -p "$week"
python3 "$top/tests/gen/genexport.py" -o "$week" --rows 100000 --parts 2 \
    --seed 7 --days 7 >/dev/null
prep() { :; }
t=$(best "$BIN" report --by project --format csv "$week")
printf '%-46s %8.3f s\n' "report --by project (a week, 100k rows)" "$t"
t_week=$t
runs=1
t=$(best "$BIN" ingest --quiet --db "$URI" "$week")
printf '%-46s %8.3f s  %5.2fx report of the week\n' "ingest the week into 10M (new)" "$t" "$(ratio "$t" "$t_week")"
t=$(best "$BIN" ingest --quiet --db "$URI" "$week")
printf '%-46s %8.3f s  %5.2fx report of the week\n' "ingest the week again (present)" "$t" "$(ratio "$t" "$t_week")"
