#!/bin/sh
# tests/e2e/perms.sh BIN: an output that replaces a file never lets more
# people read it.  For every command that writes a file (report as CSV,
# JSON, markdown, PNG and SVG; failures, rightsize, chargeback, compare,
# html; run's artifacts replaced by a second run): a file of mode 0600,
# 0640 or 0604 keeps its mode; one owned by another uid and gid (65534,
# 65533: as root) keeps its owner and group; through a symbolic link the
# link is kept and the file it names keeps its mode, owner and group; a
# new file gets the umask's mode.  In run's directory a symbolic link is
# replaced (as before) by a file with the mode of the file it named.
# export's manifest and a part fetched again are in export.py.
BIN=$1
. "$(dirname "$0")/lib.sh"

python3 "$(dirname "$0")/../gen/genexport.py" -o "$T/gen" --rows 400 \
    --parts 2 --seed 5 --days 20 >/dev/null
printf 'teams:\n  t: ["*"]\n' >"$T/teams.yaml"
root=
[ "$(id -u)" -eq 0 ] && root=1
umask 022

# write NAME OUT: runs the command NAME writing OUT (exit 0 expected)
write() {
	case $1 in
	report-csv|report-json|report-md) run 0 "$BIN" report -o "$2" "$T/gen" ;;
	report-png) run 0 "$BIN" report --format png -o "$2" "$T/gen" ;;
	report-svg) run 0 "$BIN" report --format svg -o "$2" "$T/gen" ;;
	failures) run 0 "$BIN" failures -o "$2" "$T/gen" ;;
	rightsize) run 0 "$BIN" rightsize -o "$2" "$T/gen" ;;
	chargeback) run 0 "$BIN" chargeback --teams "$T/teams.yaml" -o "$2" \
	    "$T/gen" ;;
	compare) run 0 "$BIN" compare -o "$2" "$T/gen" "$T/gen" ;;
	html) run 0 "$BIN" html -o "$2" "$T/gen" ;;
	esac
}

# ext NAME: the extension of its output
ext() {
	case $1 in
	report-json) echo json ;;
	report-md) echo md ;;
	report-png) echo png ;;
	report-svg) echo svg ;;
	html) echo html ;;
	*) echo csv ;;
	esac
}

# attrs FILE: "mode uid gid" of the file FILE names (links followed)
attrs() {
	stat -L -c '%a %u %g' "$1"
}

# replaced NAME FILE WANT: FILE was written again (not "old") with WANT
replaced() {
	got=$(attrs "$2")
	if [ "$got" = "$3" ] && ! grep -qx old "$2" && [ -s "$2" ] &&
	    [ -z "$(ls -A "$(dirname "$2")" | grep '\.tmp\.')" ]; then
		ok "$1"
	else
		ko "$1" "got '$got', want '$3'; exit $status: $(cat "$T/err")"
	fi
}

for cmd in report-csv report-json report-md report-png report-svg \
    failures rightsize chargeback compare html; do
	d=$T/$cmd
	mkdir "$d"
	e=$(ext "$cmd")
	for m in 600 640 604; do
		f=$d/m$m.$e
		echo old >"$f"
		chmod "$m" "$f"
		write "$cmd" "$f"
		replaced "$cmd -o: a $m file stays $m" "$f" "$m 0 0"
	done
	# a new file: the umask's mode
	umask 027
	write "$cmd" "$d/new.$e"
	umask 022
	replaced "$cmd -o: a new file gets the umask's mode" "$d/new.$e" \
	    "640 0 0"
	# through a symbolic link: the link kept, its target replaced
	echo old >"$d/target.$e"
	chmod 600 "$d/target.$e"
	ln -s "target.$e" "$d/link.$e"
	write "$cmd" "$d/link.$e"
	replaced "$cmd -o: through a link to a 600 file, 600" \
	    "$d/target.$e" "600 0 0"
	[ -L "$d/link.$e" ] && ok "$cmd -o: the link is kept" ||
	    ko "$cmd -o: the link is kept"
	[ -n "$root" ] || continue
	# another owner and group (as root), directly and through the link
	echo old >"$d/other.$e"
	chown 65534:65533 "$d/other.$e"
	chmod 640 "$d/other.$e"
	write "$cmd" "$d/other.$e"
	replaced "$cmd -o: another uid and gid kept" "$d/other.$e" \
	    "640 65534 65533"
	echo old >"$d/target.$e"
	chown 65534:65533 "$d/target.$e"
	chmod 604 "$d/target.$e"
	write "$cmd" "$d/link.$e"
	replaced "$cmd -o: through a link: the target's uid, gid, mode" \
	    "$d/target.$e" "604 65534 65533"
done

# -- run: the artifacts a second run replaces
R=$T/rundir
run 0 "$BIN" run --from "$T/gen" -o "$R" --quiet ||
    ko "run: first run" "$(cat "$T/err")"
i=0
for a in by-project.csv by-day.json credits-by-day.png \
    credits-by-project.svg index.html run.json summary.md failures.csv \
    rightsize.csv; do
	case $((i % 3)) in 0) m=600 ;; 1) m=640 ;; 2) m=604 ;; esac
	chmod "$m" "$R/$a"
	[ -n "$root" ] && [ $((i % 2)) -eq 0 ] && chown 65534:65533 "$R/$a"
	echo old >"$R/$a"
	i=$((i + 1))
done
# a symbolic link in DIR to a 0600 file of another owner
echo secret >"$T/secret.csv"
chmod 600 "$T/secret.csv"
[ -n "$root" ] && chown 65534:65533 "$T/secret.csv"
rm "$R/by-job.csv"
ln -s "$T/secret.csv" "$R/by-job.csv"
rm "$R/by-status.csv"
umask 077
run 0 "$BIN" run --from "$T/gen" -o "$R" --quiet ||
    ko "run: second run" "$(cat "$T/err")"
umask 022
i=0
for a in by-project.csv by-day.json credits-by-day.png \
    credits-by-project.svg index.html run.json summary.md failures.csv \
    rightsize.csv; do
	case $((i % 3)) in 0) m=600 ;; 1) m=640 ;; 2) m=604 ;; esac
	if [ -n "$root" ] && [ $((i % 2)) -eq 0 ]; then
		want="$m 65534 65533"
	else
		want="$m 0 0"
	fi
	[ -n "$root" ] || want="$m $(id -u) $(id -g)"
	replaced "run: $a ($want) replaced by a second run keeps it" \
	    "$R/$a" "$want"
	i=$((i + 1))
done
if [ -n "$root" ]; then want="600 65534 65533"; else want="600 $(id -u) $(id -g)"; fi
[ ! -L "$R/by-job.csv" ] && [ "$(cat "$T/secret.csv")" = secret ] &&
    replaced "run: a link in DIR is replaced (its target kept) by a file with the target's mode and owner" \
    "$R/by-job.csv" "$want" ||
    ko "run: a link in DIR is replaced by a file with the target's mode" \
    "$(ls -l "$R/by-job.csv" "$T/secret.csv")"
replaced "run: a new artifact gets the umask's mode" "$R/by-status.csv" \
    "600 $(id -u) $(id -g)"
[ -z "$(ls -A "$R" | grep '^\.run-')" ] && ok "run: no stage left" ||
    ko "run: no stage left" "$(ls -A "$R")"

finish
