#!/bin/sh
# bench/run.sh: the figures behind `make bench` (see bench/README.md).
#
# Generates the data set once (cached outside the repository), then times,
# best of BENCH_RUNS (3) on a warm page cache: the igzip -dc floor,
# circleci-usage (default threads and --threads 1), its html page from the
# same data (against report's time), DuckDB and pandas doing the same
# report, and checks every output against the generator's truth.
# Prints a table and writes $CACHE/last-bench.json.
#
# Exits non-zero only when circleci-usage's output is wrong or a step
# fails, never because of a time.  POSIX sh: the Makefile runs `sh
# bench/run.sh`.
#
# Environment:
#   CIRCLECI_USAGE_BENCH_CACHE  cache directory
#                               (default ~/.cache/circleci-usage-bench)
#   BENCH_ROWS        rows to generate (default 1000000; cache data-<rows>)
#   BENCH_DATA        use this directory of export parts instead of the
#                     generated set (nothing generated or cached; its
#                     truth.json, when present, is checked against)
#   BENCH_RUNS        timed runs per contender, best kept (default 3)
#   BENCH_SKIP        words among: duckdb pandas threads1 html
#   BENCH_BIN         the binary (default ./circleci-usage)
#   BENCH_PYTHON      python for the generator and the checks (python3)
#   BENCH_PANDAS_PYTHON  python with pandas (default /usr/bin/python3)
#   BENCH_DUCKDB_VERSION npm version of @duckdb/node-api (pinned below)

set -u

here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")
cache=${CIRCLECI_USAGE_BENCH_CACHE:-$HOME/.cache/circleci-usage-bench}
rows_wanted=${BENCH_ROWS:-1000000}
runs=${BENCH_RUNS:-3}
bin=${BENCH_BIN:-$repo/circleci-usage}
skip=" ${BENCH_SKIP:-} "
duckdb_pin=${BENCH_DUCKDB_VERSION:-1.5.6-r.1}
py=${BENCH_PYTHON:-python3}
pandas_py=${BENCH_PANDAS_PYTHON:-/usr/bin/python3}
parts_wanted=8
ncpu=$(nproc 2>/dev/null || echo 1)
TIME=/usr/bin/time

die() {
	echo "bench: $*" >&2
	exit 1
}
say() {
	echo "bench: $*" >&2
}
skipped() {
	case $skip in *" $1 "*) return 0 ;; esac
	return 1
}

case $rows_wanted in ''|*[!0-9]*|0) die "BENCH_ROWS: want a positive number" ;; esac
case $runs in ''|*[!0-9]*|0) die "BENCH_RUNS: want a positive number" ;; esac
[ -x "$bin" ] || die "no $bin: build it first (make)"
[ -x "$TIME" ] || die "no $TIME: sh scripts/deps.sh bench (Debian package time)"
command -v igzip >/dev/null 2>&1 ||
	die "no igzip: sh scripts/deps.sh bench (Debian package isal)"
command -v "$py" >/dev/null 2>&1 || die "no $py"

work=$(mktemp -d "${TMPDIR:-/tmp}/circleci-usage-bench.XXXXXX") ||
	die "cannot make a temporary directory"
gentmp=
cleanup() {
	rm -rf "$work"
	[ -n "$gentmp" ] && rm -rf "$gentmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

now_ns() {
	date +%s%N
}

# ---- the data set ----

label_rows() {
	if [ $(($1 % 1000000)) -eq 0 ]; then
		echo "$(($1 / 1000000))m"
	elif [ $(($1 % 1000)) -eq 0 ]; then
		echo "$(($1 / 1000))k"
	else
		echo "$1"
	fi
}

# list_parts DIR FILE: DIR's *.csv.gz (any depth), NUL-separated, sorted
list_parts() {
	find "$1" -type f -name '*.csv.gz' -print0 | LC_ALL=C sort -z >"$2"
}

# csv_size LIST: "LINES BYTES" of the parts decompressed
csv_size() {
	xargs -0 -a "$1" igzip -dc | wc -lc | awk '{print $1, $2}'
}

if [ -n "${BENCH_DATA:-}" ]; then
	data=$BENCH_DATA
	[ -d "$data" ] || die "BENCH_DATA=$data: not a directory"
	data_origin="BENCH_DATA (not generated here)"
else
	data=$cache/data-$(label_rows "$rows_wanted")
	data_origin="generated, cached"
	if [ ! -d "$data" ]; then
		gen=$repo/tests/gen/genexport.py
		[ -f "$gen" ] || die "no generator $gen; point BENCH_DATA at a" \
		    "directory of export parts"
		mkdir -p "$cache" || die "cannot create $cache"
		# generated aside and renamed when complete: an interrupted
		# generation leaves nothing that looks cached
		gentmp=$(mktemp -d "$cache/.data-generating.XXXXXX") ||
			die "cannot create a directory in $cache"
		say "generating $rows_wanted rows, $parts_wanted parts into" \
		    "$data (once; later runs reuse it)"
		g0=$(now_ns)
		"$py" "$gen" -o "$gentmp/data" --rows "$rows_wanted" \
		    --parts "$parts_wanted" --procs "$ncpu" --seed 42 \
		    --truth "$gentmp/truth.json" >&2 ||
			die "generator failed: $py $gen"
		[ -d "$gentmp/data" ] || die "generator wrote no $gentmp/data"
		[ -f "$gentmp/truth.json" ] || die "generator wrote no truth.json"
		mv "$gentmp/truth.json" "$gentmp/data/truth.json" || die "mv"
		list_parts "$gentmp/data" "$work/parts"
		[ -s "$work/parts" ] || die "generator wrote no *.csv.gz"
		set -- $(csv_size "$work/parts")
		[ $# -eq 2 ] || die "cannot measure the CSV size"
		echo "$1" >"$gentmp/data/csv-lines"
		echo "$2" >"$gentmp/data/csv-bytes"
		sha256sum "$gen" | cut -d' ' -f1 >"$gentmp/data/generator.sha256"
		echo "$py tests/gen/genexport.py -o DIR --rows $rows_wanted" \
		    "--parts $parts_wanted --procs $ncpu --seed 42" \
		    "--truth DIR/truth.json" >"$gentmp/data/generated-by"
		g1=$(now_ns)
		# another run may have finished first: then use its copy
		if ! mv -T "$gentmp/data" "$data" 2>/dev/null; then
			[ -d "$data" ] || die "cannot move the data to $data"
		fi
		rm -rf "$gentmp"
		gentmp=
		say "generated in $(( (g1 - g0) / 1000000000 )) s"
	elif [ -f "$data/generator.sha256" ] && [ -f "$repo/tests/gen/genexport.py" ] &&
	    [ "$(sha256sum "$repo/tests/gen/genexport.py" | cut -d' ' -f1)" != \
	    "$(cat "$data/generator.sha256")" ]; then
		say "note: tests/gen/genexport.py changed since $data was" \
		    "generated (data and truth still agree); rm -r it to regenerate"
	fi
fi

parts=$work/parts
list_parts "$data" "$parts"
[ -s "$parts" ] || die "no *.csv.gz under $data"
nparts=$(tr -cd '\000' <"$parts" | wc -c)

# warm-up: read every part once, counting the compressed bytes
gz_bytes=$(xargs -0 -a "$parts" cat | wc -c)
if [ -f "$data/csv-bytes" ] && [ -f "$data/csv-lines" ]; then
	csv_bytes=$(cat "$data/csv-bytes")
	csv_lines=$(cat "$data/csv-lines")
else
	set -- $(csv_size "$parts")
	[ $# -eq 2 ] || die "cannot measure the CSV size of $data"
	csv_lines=$1 csv_bytes=$2
fi

truth=
[ -f "$data/truth.json" ] && truth=$data/truth.json
rows=
dups=
if [ -n "$truth" ]; then
	tr_meta=$("$py" - "$truth" <<'EOF'
import json, sys
t = json.load(open(sys.argv[1]))
m = t.get("meta") if isinstance(t.get("meta"), dict) else {}
def get(k):
    v = t.get(k, m.get(k))
    return "-" if v is None else str(int(v))
print(get("rows_read"), get("duplicates"))
EOF
	) || die "cannot read $truth"
	set -- $tr_meta
	[ $# -eq 2 ] || die "cannot read $truth"
	[ "$1" != - ] && rows=$1
	[ "$2" != - ] && dups=$2
fi
rows_src="truth.json rows_read"
if [ -z "$rows" ]; then
	# one header line per part (no quoted newlines assumed)
	rows=$((csv_lines - nparts))
	rows_src="CSV lines less one header per part"
fi

# ---- timing ----

# measure NAME OUT CMD...: run CMD $runs times, its stdout to OUT and its
# stderr to $work/NAME.err (the best run's: NAME.best.err).  Sets T_WALL (best wall, ns), T_ALL (every
# wall, s) and T_RSS (largest peak RSS, KiB).  Returns CMD's status when
# it fails.  The wall is a ns clock around /usr/bin/time (its own
# fork/exec, ~1 ms, included); the RSS is time's %M.
measure() {
	m_name=$1 m_out=$2
	shift 2
	T_WALL= T_ALL= T_RSS=0
	m_i=0
	while [ "$m_i" -lt "$runs" ]; do
		m_t0=$(now_ns)
		"$TIME" -f '%e %M' -o "$work/$m_name.time" "$@" \
		    >"$m_out" 2>"$work/$m_name.err"
		m_st=$?
		m_t1=$(now_ns)
		[ "$m_st" -eq 0 ] || return "$m_st"
		m_ns=$((m_t1 - m_t0))
		m_rss=$(tail -n 1 "$work/$m_name.time" | awk '{print $2}')
		if [ -z "$T_WALL" ] || [ "$m_ns" -lt "$T_WALL" ]; then
			T_WALL=$m_ns
			cp "$work/$m_name.err" "$work/$m_name.best.err"
		fi
		[ "${m_rss:-0}" -gt "$T_RSS" ] && T_RSS=$m_rss
		T_ALL="$T_ALL $(awk -v n="$m_ns" 'BEGIN { printf "%.3f", n / 1e9 }')"
		m_i=$((m_i + 1))
	done
	T_ALL=${T_ALL# }
	return 0
}

# why NAME STATUS: a failed step's reason, for a message
why() {
	w_msg=$(grep -v '^Command exited with' "$work/$1.err" 2>/dev/null |
	    grep -v '^ *$' | tail -n 1)
	echo "exit $2${w_msg:+: $w_msg}"
}

fmt='%-32s %7s %10s %8s %7s %8s  %s\n'
results=$work/results.tsv
: >"$results"
floor_ns=
ours_ns=
failed=0

# row ID LABEL WALL_NS RSS_KIB NOTE: print a table line, keep the figures
row() {
	r_line=$(awk -v w="$3" -v k="$4" -v rows="$rows" -v b="$csv_bytes" \
	    -v f="${floor_ns:-0}" -v lab="$2" -v note="$5" -v fmt="$fmt" '
	function rate(x) {
		if (x >= 1e6) return sprintf("%.2fM", x / 1e6)
		if (x >= 1e3) return sprintf("%.0fk", x / 1e3)
		return sprintf("%.0f", x)
	}
	BEGIN {
		s = w / 1e9
		if (k == "" || k == "-") m = "-"
		else if (k >= 1024 * 1024) m = sprintf("%.1f GiB", k / 1048576)
		else m = sprintf("%.0f MiB", k / 1024)
		x = f > 0 ? sprintf("%.2f", w / f) : "-"
		printf fmt, lab, sprintf(s < 10 ? "%.3f" : "%.2f", s), m,
		    rate(rows / s), sprintf("%.0f", b / 1e6 / s), x, note
	}')
	printf '%s\n' "$r_line"
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" "$T_ALL" \
	    "$5" "ok" >>"$results"
}
# row_skip ID LABEL STATUS REASON
row_skip() {
	printf '%-32s %s\n' "$2" "$3 ($4)"
	printf '%s\t%s\t\t\t\t%s\t%s\n' "$1" "$2" "$4" "$3" >>"$results"
}

# commas N: 1234567 -> 1,234,567
commas() {
	printf %s "$1" | sed ':a;s/\B[0-9]\{3\}\>/,&/;ta'
}

ver=$("$bin" --version 2>/dev/null | head -n 1)
printf 'data: %s rows, %s parts, %s MB gz, %s MB csv  (%s)\n' \
    "$(commas "$rows")" "$nparts" \
    "$(awk -v b="$gz_bytes" 'BEGIN { printf "%.1f", b / 1e6 }')" \
    "$(awk -v b="$csv_bytes" 'BEGIN { printf "%.1f", b / 1e6 }')" "$data"
load0=$(cut -d' ' -f1 /proc/loadavg 2>/dev/null)
# busy CPU jiffies of the whole machine, and of this script's children
busy() {
	awk '$1 == "cpu" { print $2 + $3 + $4 + $7 + $8 + $9; exit }' \
	    /proc/stat 2>/dev/null
}
# mine VAR: CPU seconds of this shell's finished children, from `times`
# (run here, not in a $(...) subshell, which would see only its own)
mine() {
	times >"$work/times"
	m_s=$(awk 'NR == 2 {
		n = 0
		for (i = 1; i <= 2; i++) {
			split($i, a, /[ms]/); n += a[1] * 60 + a[2]
		}
		print n }' "$work/times")
	eval "$1=\$m_s"
}
busy0=$(busy) clk0=$(now_ns)
mine mine0
printf 'machine: %s cores, %s; best of %s warm runs; %s\n' "$ncpu" \
    "$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)" \
    "$runs" "${ver:-circleci-usage}"
echo
printf "$fmt" tool "wall s" "peak RSS" "rows/s" "MB/s" "x floor" ""

# -- the floor: igzip -dc of every part to /dev/null, the fastest of a
# few ways to spread the parts over the cores
floor_try() { # P N
	measure floor "$work/floor.out" sh -c \
	    'xargs -0 -a "$1" -P "$2" -n "$3" igzip -dc >/dev/null' sh \
	    "$parts" "$1" "$2" || die "floor failed: $(why floor $?)"
	floor_alt="${floor_alt}${floor_alt:+; }-P $1 -n $2: $(awk \
	    -v n="$T_WALL" 'BEGIN { printf "%.3f s", n / 1e9 }')"
	if [ -z "$floor_ns" ] || [ "$T_WALL" -lt "$floor_ns" ]; then
		floor_ns=$T_WALL floor_all=$T_ALL
		floor_p=$1 floor_label="xargs -P $1 -n $2 igzip -dc"
	fi
}
floor_alt=
floor_label=
per=$(( (nparts + ncpu - 1) / ncpu ))
floor_try "$ncpu" 1
[ "$per" -gt 1 ] && floor_try "$ncpu" "$per"
[ "$nparts" -gt "$ncpu" ] && floor_try "$nparts" 1
T_ALL=$floor_all
row floor "igzip -dc floor (P=$floor_p)" "$floor_ns" - "$floor_label"

# -- circleci-usage
measure ours "$work/ours.csv" "$bin" report --by project --format csv \
    "$data"
st=$?
if [ "$st" -ne 0 ]; then
	row_skip ours circleci-usage FAILED "$(why ours "$st")"
	failed=1
else
	ours_ns=$T_WALL ours_rss=$T_RSS
	row ours circleci-usage "$T_WALL" "$T_RSS" "$ncpu threads"
fi

if ! skipped threads1; then
	measure ours1 "$work/ours1.csv" "$bin" report --by project \
	    --format csv --threads 1 "$data"
	st=$?
	if [ "$st" -ne 0 ]; then
		row_skip ours1 "circleci-usage --threads 1" FAILED \
		    "$(why ours1 "$st")"
		failed=1
	else
		row ours1 "circleci-usage --threads 1" "$T_WALL" "$T_RSS" ""
	fi
fi

# -- circleci-usage html: the page from the same data, read in the same
# one pass plus its roll-ups; its target is at most 1.2x report's time
html_ns=
if ! skipped html; then
	measure html "$work/html.out" "$bin" html -o "$work/page.html" "$data"
	st=$?
	if [ "$st" -ne 0 ]; then
		row_skip html "circleci-usage html" FAILED "$(why html "$st")"
		failed=1
	else
		html_ns=$T_WALL html_rss=$T_RSS
		row html "circleci-usage html" "$T_WALL" "$T_RSS" \
		    "$([ -n "$ours_ns" ] && awk -v h="$T_WALL" -v o="$ours_ns" \
		    'BEGIN { printf "%.2fx report", h / o }')"
	fi
fi

# faster WALL_NS: "ours N.Nx faster" against a contender
faster() {
	[ -n "$ours_ns" ] || return 0
	awk -v a="$1" -v b="$ours_ns" 'BEGIN {
		if (a >= b) printf "ours %.1fx faster", a / b
		else printf "ours %.1fx slower", b / a }'
}

# -- DuckDB
duckdb_label=DuckDB
duckdb_query=
if skipped duckdb; then
	row_skip duckdb DuckDB skipped "BENCH_SKIP"
elif ! command -v node >/dev/null 2>&1; then
	row_skip duckdb DuckDB skipped "no node: sh scripts/deps.sh bench"
else
	nm=$cache/node
	have=$(sed -n 's/^ *"version": *"\([^"]*\)".*/\1/p' \
	    "$nm/node_modules/@duckdb/node-api/package.json" 2>/dev/null |
	    head -n 1)
	reason=
	if [ "$have" != "$duckdb_pin" ]; then
		if ! command -v npm >/dev/null 2>&1; then
			reason="no npm to install @duckdb/node-api@$duckdb_pin"
		else
			say "installing @duckdb/node-api@$duckdb_pin into $nm"
			mkdir -p "$nm" &&
			npm install --prefix "$nm" --no-audit --no-fund \
			    --save-exact --fetch-retries 1 \
			    "@duckdb/node-api@$duckdb_pin" >"$work/npm.log" 2>&1 ||
				reason="npm install @duckdb/node-api@$duckdb_pin failed: $(grep -v 'Unknown user config' "$work/npm.log" | grep -i 'err' | head -n 1)"
		fi
	fi
	if [ -n "$reason" ]; then
		row_skip duckdb DuckDB skipped "$reason"
	else
		# full: the same report as ours (every metric, exact, one row
		# per JOB_ID), the fair comparison; light: jobs and total
		# credits only, every row, DuckDB's best case
		for variant in full light; do
			id=duckdb
			flag=--full
			[ "$variant" = light ] && id=duckdb_light flag=
			measure "$id" "$work/$id.csv" node \
			    "$here/duckdb_report.mjs" --threads "$ncpu" \
			    --modules "$nm" $flag "$data"
			st=$?
			if [ "$st" -ne 0 ]; then
				row_skip "$id" "DuckDB ($variant)" \
				    FAILED "$(why "$id" "$st")"
				failed=1
				continue
			fi
			dv=$(sed -n 's/^duckdb_version=v\{0,1\}//p' \
			    "$work/$id.err" | head -n 1)
			dq=$(sed -n 's/^duckdb_query_s=//p' "$work/$id.best.err" |
			    head -n 1)
			duckdb_label="DuckDB ${dv:-$duckdb_pin}"
			if [ "$variant" = full ]; then
				duckdb_query=$dq
				row "$id" "$duckdb_label ($ncpu threads)" \
				    "$T_WALL" "$T_RSS" "$(faster "$T_WALL")"
			else
				row "$id" "  jobs+total only, no dedup" \
				    "$T_WALL" "$T_RSS" "$(faster "$T_WALL")"
			fi
		done
	fi
fi

# -- pandas
pandas_ver=
if skipped pandas; then
	row_skip pandas pandas skipped "BENCH_SKIP"
elif ! pandas_ver=$("$pandas_py" -c \
    'import pandas; print(pandas.__version__)' 2>/dev/null); then
	row_skip pandas pandas skipped \
	    "no pandas for $pandas_py: Debian package python3-pandas"
else
	measure pandas "$work/pandas.csv" "$pandas_py" \
	    "$here/pandas_report.py" "$data"
	st=$?
	if [ "$st" -ne 0 ]; then
		row_skip pandas "pandas $pandas_ver" FAILED "$(why pandas "$st")"
		failed=1
	else
		row pandas "pandas $pandas_ver" "$T_WALL" "$T_RSS" \
		    "$(faster "$T_WALL")"
	fi
fi

echo
echo "floor, xargs variants tried (fastest used): $floor_alt"
[ -n "$duckdb_query" ] &&
	echo "DuckDB inside node (connect + query + fetch), same run:" \
	    "$duckdb_query s"

# ---- correctness ----

echo
checks=$work/checks
mkdir -p "$checks"
check() { # ID NAME [--exact]: compare $work/ID.csv with the reference
	# only what ran to completion (a failure is already counted)
	awk -F '\t' -v id="$1" '$1 == id && $7 == "ok" { f = 1 }
	    END { exit !f }' "$results" || return 0
	"$py" "$here/check_truth.py" --name "$2" --json "$checks/$1.json" \
	    ${3:-} "$ref" "$work/$1.csv" | sed 's/^/  /'
	# the pipeline's status is sed's: read the verdict back
	c_ok=$("$py" -c 'import json,sys; print(int(json.load(open(sys.argv[1]))["match"]))' \
	    "$checks/$1.json" 2>/dev/null || echo x)
	[ "$c_ok" = 1 ] && return 0
	return 1
}
if [ -n "$truth" ]; then
	ref=$truth
	printf 'correctness (by project, against %s: %s rows read%s):\n' \
	    "$truth" "$(commas "$rows")" \
	    "${dups:+, $(commas "$dups") duplicate job runs}"
	check ours circleci-usage --exact || failed=1
	check ours1 "circleci-usage --threads 1" --exact || failed=1
else
	ref=$work/ours.csv
	echo "correctness: no truth (no truth.json in $data); the contenders"
	echo "are compared with circleci-usage's output instead"
	if [ -n "$ours_ns" ]; then
		check ours1 "circleci-usage --threads 1 vs default" --exact ||
			failed=1
	fi
fi
if [ -n "$ours_ns" ] || [ -n "$truth" ]; then
	check duckdb "$duckdb_label (same report)"
	check duckdb_light "$duckdb_label (jobs+total only, every row)"
	check pandas "pandas (every row, float64)"
fi

# ---- the targets, for reading the table (never the exit status) ----

if [ -n "$ours_ns" ]; then
	echo
	duck_ns=$(awk -F '\t' '$1 == "duckdb" && $7 == "ok" { print $3 }' \
	    "$results")
	awk -v o="$ours_ns" -v f="$floor_ns" -v d="${duck_ns:-0}" \
	    -v k="$ours_rss" 'BEGIN {
		printf "circleci-usage: %.2fx the floor (target <= 1.3), ", o / f
		if (d > 0) printf "%.1fx faster than DuckDB (target >= 8), ", d / o
		printf "peak RSS %.0f MiB (target <= 64)\n", k / 1024
	}'
	[ -n "$html_ns" ] && awk -v h="$html_ns" -v o="$ours_ns" \
	    -v k="$html_rss" 'BEGIN {
		printf "circleci-usage html: %.3f s, %.2fx report'"'"'s %.3f s " \
		    "(target <= 1.2), peak RSS %.0f MiB\n", h / 1e9, h / o,
		    o / 1e9, k / 1024
	}'
fi

# ---- last-bench.json, and the outputs, in the cache ----

mkdir -p "$cache/last-run" 2>/dev/null &&
	for f in ours ours1 duckdb duckdb_light pandas; do
		rm -f "$cache/last-run/$f.csv"
		[ -f "$work/$f.csv" ] && cp "$work/$f.csv" "$cache/last-run/"
	done
# CPU time others spent while the bench ran: the machine's busy time less
# this script's own children
mine mine1
busy1=$(busy) clk1=$(now_ns)
others=$(awk -v b0="${busy0:-0}" -v b1="${busy1:-0}" -v m0="${mine0:-0}" \
    -v m1="${mine1:-0}" -v hz="$(getconf CLK_TCK 2>/dev/null || echo 100)" \
    'BEGIN { o = (b1 - b0) / hz - (m1 - m0); printf "%.1f", o < 0 ? 0 : o }')
span=$(awk -v a="$clk0" -v b="$clk1" 'BEGIN { printf "%.0f", (b - a) / 1e9 }')
B_VERSION=$ver B_CORES=$ncpu B_RUNS=$runs B_DATA=$data \
B_ORIGIN=$data_origin B_ROWS=$rows B_ROWS_FROM=$rows_src B_DUPS=$dups \
B_PARTS=$nparts B_GZ=$gz_bytes B_CSV=$csv_bytes B_TRUTH=$truth \
B_FLOOR_HOW=$floor_label B_FLOOR_ALT=$floor_alt B_DQ=$duckdb_query \
B_PANDAS=$pandas_ver B_LOAD0=$load0 B_OTHERS=$others B_SPAN=$span \
"$py" - "$results" "$checks" "$cache/last-bench.json" <<'EOF' || failed=1
import json, os, sys, time
res, checks, out = sys.argv[1:4]
e = os.environ
def num(s):
    try:
        return int(s)
    except ValueError:
        return None
rows, csv_bytes = int(e["B_ROWS"]), int(e["B_CSV"])
doc = {
    "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    "version": e["B_VERSION"],
    "cores": int(e["B_CORES"]),
    "runs": int(e["B_RUNS"]),
    "loadavg_before": e["B_LOAD0"],
    "other_cpu_s": float(e["B_OTHERS"]), "bench_s": int(e["B_SPAN"]),
    "data": {"dir": e["B_DATA"], "origin": e["B_ORIGIN"], "rows": rows,
             "rows_from": e["B_ROWS_FROM"], "duplicates": num(e["B_DUPS"]),
             "parts": int(e["B_PARTS"]), "gz_bytes": int(e["B_GZ"]),
             "csv_bytes": csv_bytes, "truth": e["B_TRUTH"] or None},
    "floor": {"how": e["B_FLOOR_HOW"], "variants_s": e["B_FLOOR_ALT"]},
    "duckdb_query_s": float(e["B_DQ"]) if e["B_DQ"] else None,
    "pandas_version": e["B_PANDAS"] or None,
    "results": [],
}
floor = None
for line in open(res, encoding="utf-8"):
    f = line.rstrip("\n").split("\t")
    r = {"id": f[0], "label": f[1].strip(), "status": f[6], "note": f[5]}
    if f[6] == "ok":
        s = int(f[2]) / 1e9
        r.update(wall_s=round(s, 4),
                 runs_s=[float(x) for x in f[4].split()],
                 peak_rss_kib=num(f[3]),
                 rows_per_s=round(rows / s),
                 mb_per_s=round(csv_bytes / 1e6 / s, 1))
        if f[0] == "floor":
            floor = s
        if floor:
            r["x_floor"] = round(s / floor, 3)
    c = os.path.join(checks, f[0] + ".json")
    if os.path.exists(c):
        r["check"] = json.load(open(c, encoding="utf-8"))
    doc["results"].append(r)
tmp = out + ".tmp"
with open(tmp, "w", encoding="utf-8") as fh:
    json.dump(doc, fh, indent=1)
    fh.write("\n")
os.replace(tmp, out)
EOF
echo
echo "other processes used $others CPU-s of the $span s the timing took" \
    "(${ncpu} cores; near 0 on an idle machine)"
awk -v o="$others" -v s="$span" -v n="$ncpu" 'BEGIN { if (o > 0.05 * s * n)
	print "note: the machine was busy: these figures are slowed by other" \
	    " work; run again on an idle machine" }'
echo "figures: $cache/last-bench.json; outputs: $cache/last-run/"
[ "$failed" -eq 0 ] || echo "bench: FAILED (see above)" >&2
exit "$failed"
