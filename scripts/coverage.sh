#!/bin/sh
# scripts/coverage.sh COVBUILD TEST...: run the whole suite on a --coverage
# build, then write build/coverage/{coverage.info,summary.txt,html/}.
#   summary.txt: line and branch totals for the library modules (src/ but
#   main.c and the cmd_*.c front ends), for every file, and the ranges of
#   lines that no test reached, file by file.
set -u
cov=$1
shift
out=build/coverage
rm -rf "$out"
mkdir -p "$out"
find "$cov" build/unit-cov -name '*.gcda' -delete

fail=0
# unit tests
sh tests/run-unit.sh build/unit-cov "$@" >"$out/unit.log" 2>&1 || fail=1
tail -n 1 "$out/unit.log"
# end-to-end, full mode
bash tests/e2e/run.sh "$cov/circleci-usage" >"$out/e2e.log" 2>&1 || fail=1
tail -n 1 "$out/e2e.log"
[ "$fail" -eq 0 ] || echo "coverage: some tests failed (see $out/*.log); figures are still written"

lcov -q --capture --rc lcov_branch_coverage=1 --directory "$cov" \
    --directory build/unit-cov --output-file "$out/all.info" 2>"$out/lcov.log"
lcov -q --rc lcov_branch_coverage=1 --extract "$out/all.info" "$PWD/src/*" \
    --output-file "$out/coverage.info" 2>>"$out/lcov.log"
lcov -q --rc lcov_branch_coverage=1 --remove "$out/coverage.info" \
    "$PWD/src/cmd/*" \
    --output-file "$out/library.info" 2>>"$out/lcov.log"
genhtml -q --branch-coverage --legend -o "$out/html" "$out/coverage.info" \
    >>"$out/lcov.log" 2>&1

# totals and the uncovered ranges, from the tracefiles themselves
summ() {
	awk -v title="$2" '
	/^SF:/ { f = substr($0, 4); sub(".*/src/", "src/", f); files[++n] = f }
	/^DA:/ { split(substr($0, 4), a, ","); lt[f]++; if (a[2] > 0) lh[f]++
		 else miss[f] = miss[f] " " a[1] }
	/^BRDA:/ { split(substr($0, 6), a, ","); bt[f]++; if (a[4] != "-" && a[4] > 0) bh[f]++ }
	END {
		for (i = 1; i <= n; i++) { f = files[i]; LT += lt[f]; LH += lh[f]; BT += bt[f]; BH += bh[f] }
		printf "%s: lines %.1f%% (%d of %d), branches %.1f%% (%d of %d)\n",
		    title, LT ? 100 * LH / LT : 0, LH, LT, BT ? 100 * BH / BT : 0, BH, BT
	}' "$1"
}
{
	summ "$out/library.info" "library modules"
	summ "$out/coverage.info" "all of src/"
	echo
	echo "per file (lines, branches):"
	awk '
	/^SF:/ { f = substr($0, 4); sub(".*/src/", "src/", f); order[++n] = f }
	function close_range(f) {
		if (open[f]) rng[f] = rng[f] " " start[f] (start[f] != cur[f] ? "-" cur[f] : "")
		open[f] = 0
	}
	/^DA:/ { split(substr($0, 4), a, ","); lt[f]++
		 if (a[2] > 0) { lh[f]++; close_range(f) }
		 else if (open[f]) cur[f] = a[1]
		 else { open[f] = 1; start[f] = a[1]; cur[f] = a[1] } }
	/^BRDA:/ { split(substr($0, 6), a, ","); bt[f]++; if (a[4] != "-" && a[4] > 0) bh[f]++ }
	END {
		for (i = 1; i <= n; i++) {
			f = order[i]
			close_range(f)
			printf "  %-22s %5.1f%% %5.1f%%  uncovered:%s\n", f,
			    lt[f] ? 100 * lh[f] / lt[f] : 0, bt[f] ? 100 * bh[f] / bt[f] : 0,
			    rng[f] == "" ? " none" : rng[f]
		}
	}' "$out/coverage.info"
} >"$out/summary.txt"
head -n 2 "$out/summary.txt"
echo "coverage: $out/summary.txt, $out/html/index.html"
