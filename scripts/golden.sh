#!/bin/sh
# scripts/golden.sh BIN OUT: every output of the analyses on fixed data,
# written under OUT with their hashes in OUT/SHA256SUMS, so that a change
# meant to keep behaviour (a refactoring) can show that it did:
#
#   sh scripts/golden.sh ./circleci-usage /tmp/before    # on the old tree
#   sh scripts/golden.sh ./circleci-usage /tmp/after     # on the new one
#   diff /tmp/before/SHA256SUMS /tmp/after/SHA256SUMS
#
# The data: the bench data set (tests/gen/genexport.py, 1,000,000 rows,
# 8 parts, seed 42; cached as bench/run.sh caches it), a previous period
# (seed 43, 200,000 rows) and a hostile set (tricky names, duplicates, bad
# rows and values).  The outputs: report for each --by key and format
# (table, csv, json, markdown, png, svg), several keys at once, from files
# and from the history database; compare, failures, chargeback, rightsize,
# html and run --from (--quiet: no progress lines, which come and go
# with the machine's load).  "now" is pinned; run.json, which records paths
# and seconds, is left out of the hashes.  GOLDEN_ROWS sets the size of
# the bench set (default 1000000).
set -u
BIN=$1
OUT=$2
rows=${GOLDEN_ROWS:-1000000}
cache=${CIRCLECI_USAGE_BENCH_CACHE:-$HOME/.cache/circleci-usage-bench}
repo=$(cd "$(dirname "$0")/.." && pwd)
gen=$repo/tests/gen/genexport.py
CIRCLECI_USAGE_NOW=2026-12-04T12:00:00Z
export CIRCLECI_USAGE_NOW
unset CIRCLECI_USAGE_TEAMS CIRCLECI_USAGE_DB

die() {
	echo "golden: $*" >&2
	exit 1
}

# gendata NAME ARGS...: a data set generated once into $cache/golden-NAME
gendata() {
	name=$1
	shift
	d=$cache/golden-$name
	if [ ! -d "$d" ]; then
		mkdir -p "$cache" || die "cannot create $cache"
		rm -rf "$d.tmp"
		python3 "$gen" -o "$d.tmp" --procs 2 "$@" >&2 ||
			die "the generator failed for $name"
		mv "$d.tmp" "$d" || die "mv $d.tmp"
	fi
	echo "$d"
}

[ -x "$BIN" ] || die "no $BIN"
rm -rf "$OUT"
mkdir -p "$OUT/o" || die "cannot create $OUT"
BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")
cur=$(gendata "cur-$rows" --rows "$rows" --parts 8 --seed 42) || exit 1
prev=$(gendata prev --rows 200000 --parts 4 --seed 43 --start 2026-09-01 \
    --days 30) || exit 1
hostile=$(gendata hostile --rows 20000 --parts 3 --seed 44 --tricky-names \
    --dup-rows 300 --bad-rows 20 --bad-values 20 --rightsize-cases) || exit 1
o=$OUT/o
cat >"$OUT/teams.yaml" <<'EOF'
teams:
  platform: [infra-*, ci-images, k8s-manifests, "terraform-*", helm-charts]
  mobile: ["ios-*", mobile-ios, "android-*", tv-app]
  sdk: ["sdk-*"]
  go: [sdk-go, load-tests]
  ml: [ml-recommender, gpu-inference, fraud-model]
  services: ["*-service"]
EOF
T=$OUT/teams.yaml

n=0
# out NAME CMD...: CMD's stdout into o/NAME, its stderr into o/NAME.err,
# its exit status into o/NAME.rc
out() {
	name=$1
	shift
	n=$((n + 1))
	"$@" >"$o/$name" 2>"$o/$name.err"
	echo $? >"$o/$name.rc"
}

keys="project workflow job branch resource_class executor os status org
trigger user day week month"
for k in $keys; do
	for f in table csv json markdown; do
		out "report-$k.$f" "$BIN" report --by "$k" --format "$f" "$cur"
	done
	out "report-$k.png" "$BIN" report --by "$k" --format png -o - "$cur"
	out "report-$k.svg" "$BIN" report --by "$k" --format svg "$cur"
done
for f in table csv json markdown svg; do
	out "report-team.$f" "$BIN" report --teams "$T" --by team \
	    --format "$f" "$cur"
	out "report-project,day.$f" "$BIN" report --by project,day \
	    --format "$f" "$cur"
	out "report-hostile.$f" "$BIN" report --by project,branch,job \
	    --format "$f" "$hostile"
	out "report-hostile-safe.$f" "$BIN" report --by project,workflow \
	    --csv-safe --format "$f" "$hostile"
done
out report-filters.csv "$BIN" report --by job,status --since 2026-10-05 \
    --until 2026-10-20 --project 'sdk-*' --project 'ios-*' --branch main \
    --status failed,success --sort jobs --top 12 --credit-price 0.0005 "$cur"
out report-keepdup.csv "$BIN" report --keep-duplicates --by day "$hostile"
out report-strict.csv "$BIN" report --strict --threads 1 "$hostile"
out report-threads1.csv "$BIN" report --threads 1 --by resource_class "$cur"

# the history database
db=$OUT/history.db
out ingest-cur "$BIN" ingest --quiet --db "$db" "$cur"
out ingest-prev "$BIN" ingest --quiet --db "$db" "$prev"
out ingest-hostile "$BIN" ingest --quiet --db "$db" "$hostile"
for k in project job branch day week month status; do
	out "db-report-$k.csv" "$BIN" report --db "$db" --by "$k" \
	    --format csv
done
out db-report-range.json "$BIN" report --db "$db" --by project,week \
    --since 2026-09-10 --until 2026-10-10 --format json
out db-info "$BIN" db info --db "$db"

for f in table csv json markdown; do
	out "compare.$f" "$BIN" compare --format "$f" "$prev" "$cur"
	out "compare-job.$f" "$BIN" compare --by job --top 10 \
	    --min-change 5 --format "$f" "$prev" "$cur"
	out "compare-db.$f" "$BIN" compare --db "$db" --previous-since \
	    2026-09-01 --previous-until 2026-09-30 --since 2026-10-01 \
	    --until 2026-10-31 --format "$f"
	out "failures.$f" "$BIN" failures --format "$f" "$cur"
	out "failures-top.$f" "$BIN" failures --top 5 --waste-statuses \
	    failed,canceled,infrastructure_fail --credit-price 0.0007 \
	    --format "$f" "$hostile"
	out "chargeback.$f" "$BIN" chargeback --teams "$T" --format "$f" \
	    "$cur"
	out "chargeback-even.$f" "$BIN" chargeback --teams "$T" \
	    --shared-costs even --format "$f" "$hostile"
	out "rightsize.$f" "$BIN" rightsize --format "$f" "$cur"
	out "rightsize-hostile.$f" "$BIN" rightsize --min-runs 3 --over-below 30 \
	    --under-from 80 --format "$f" "$hostile"
done
out failures-db.csv "$BIN" failures --db "$db" --format csv
out chargeback-db.csv "$BIN" chargeback --db "$db" --teams "$T" \
    --format csv
out html.html "$BIN" html --title "Golden" --top 12 "$cur"
out html-prev.html "$BIN" html --previous "$prev" --rightsize --teams "$T" \
    "$cur"
out html-hostile.html "$BIN" html --rightsize "$hostile"
out html-db.html "$BIN" html --db "$db" --since 2026-10-01 \
    --until 2026-10-31

out run "$BIN" run --quiet --from "$cur" --previous-from "$prev" --teams "$T" \
    --top 8 -o "$OUT/run"
out run-hostile "$BIN" run --quiet --from "$hostile" -o "$OUT/run-hostile"

# the hashes: every output but the run records, paths made relative
cd "$OUT" || exit 1
find o run run-hostile -type f ! -name run.json ! -name '*.lock' |
	LC_ALL=C sort | while read -r f; do
	sed -e "s|$OUT|OUT|g" -e "s|$cache|CACHE|g" "$f" | sha256sum |
	    sed "s|-\$|$f|"
done >SHA256SUMS
echo "golden: $n runs, $(wc -l <SHA256SUMS) files hashed in $OUT/SHA256SUMS" >&2
