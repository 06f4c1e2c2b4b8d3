#!/bin/sh
# scripts/lint.sh [DIR]: the library never prints and never exits.
#
# Every DIR/*.c (default src) is a library file: the command layer (the
# commands, their option layer, main() and the reporter that writes to the
# terminal) lives in DIR/cmd/, which is not read.  A library file may not call printf, vprintf, puts, putchar,
# perror, exit, _exit, _Exit, quick_exit or abort, write(2) to descriptor
# 1 or 2, or name stdout, stderr, STDOUT_FILENO or STDERR_FILENO at all
# (fprintf(stderr, ...), fputs(s, stdout), isatty(STDERR_FILENO)...): it
# reports through error()/warning()/notice() and the progress and status
# calls, which the reporter the command installed shows (reporter.h,
# term.c).  The one exit allowed is the one in util.c's die(), for what no
# caller can recover from (out of memory).  Comments, strings and
# character constants are not read.
#
# Each offence is printed as FILE:LINE: WHAT; the exit status is 1 when
# there is one, else 0.
#
# scripts/lint.sh --self-test: a planted offence must fail the check (a
# printf and an exit in a library file), and what is allowed must not
# (the same calls in a command file, or in a comment or a string).
set -u


# lint_file FILE: the offences of one library file, on stdout
lint_file() {
	awk -v file="$1" -v base="$(basename "$1")" '
	# the line with comments, strings and character constants blanked
	# (block comments may span lines: incomment carries over)
	function strip(s,    out, i, c, n, q) {
		out = ""
		n = length(s)
		i = 1
		while (i <= n) {
			c = substr(s, i, 1)
			if (incomment) {
				if (substr(s, i, 2) == "*/") {
					incomment = 0
					i += 2
					out = out " "
				} else {
					i++
				}
				continue
			}
			if (substr(s, i, 2) == "/*") {
				incomment = 1
				i += 2
				continue
			}
			if (substr(s, i, 2) == "//")
				break
			if (c == "\"" || c == "\047") {
				q = c
				out = out q
				i++
				while (i <= n && substr(s, i, 1) != q) {
					if (substr(s, i, 1) == "\\")
						i++
					i++
				}
				out = out q
				i++
				continue
			}
			out = out c
			i++
		}
		return out
	}
	function offence(what) {
		printf "%s:%d: %s\n", file, NR, what
		bad = 1
	}
	BEGIN { incomment = 0; bad = 0; fn = "" }
	{
		code = strip($0)
		# the function being read: its name starts a line (house style)
		if (match(code, /^[A-Za-z_][A-Za-z0-9_]*\(/))
			fn = substr(code, 1, RLENGTH - 1)
		# a name not preceded by another name character, nor by . or ->
		pre = "(^|[^A-Za-z0-9_.>])"
		rest = code
		while (match(rest, pre "(printf|vprintf|puts|putchar|perror|exit|_exit|_Exit|quick_exit|abort)[ \t]*\\(")) {
			call = substr(rest, RSTART, RLENGTH)
			sub(/^[^A-Za-z_]/, "", call)
			sub(/[ \t]*\($/, "", call)
			rest = substr(rest, RSTART + RLENGTH)
			if (call == "exit" && base == "util.c" && fn == "die")
				continue	# the one exit: out of memory
			if (call ~ /exit|abort/)
				offence("calls " call "(): the library does not exit (return an error; die() only for out of memory)")
			else
				offence("calls " call "(): the library does not print (error(), warning(), notice())")
		}
		rest = code
		while (match(rest, pre "(stdout|stderr|STDOUT_FILENO|STDERR_FILENO)([^A-Za-z0-9_]|$)")) {
			name = substr(rest, RSTART, RLENGTH)
			gsub(/[^A-Za-z_]/, "", name)
			rest = substr(rest, RSTART + RLENGTH)
			offence("names " name ": the library does not print (error(), warning(), notice(), reporter.h)")
		}
		if (match(code, pre "write[ \t]*\\([ \t]*[12][ \t]*,"))
			offence("calls write() on descriptor 1 or 2: the library does not print")
	}
	END { exit bad }
	' "$1"
}

# lint DIR: every library file of DIR
lint() {
	status=0
	for f in "$1"/*.c; do
		[ -f "$f" ] || continue
		lint_file "$f" || status=1
	done
	return $status
}

self_test() {
	t=$(mktemp -d "${TMPDIR:-/tmp}/cu-lint.XXXXXX") || exit 1
	trap 'rm -rf "$t"' 0 1 2 15
	fails=0
	# a library file that only reports: clean
	cat >"$t/lib.c" <<'EOF'
/* prints nothing: printf("x") and stderr and exit(1) in a comment */
static const char *s = "printf(\"%d\", 1); fputs(x, stderr); exit(2)";
int lib_ok(struct r *r) { r->abort = 1; r->exit(0); return error("%s", s); }
EOF
	# the same calls in a command file (DIR/cmd/): allowed
	mkdir "$t/cmd"
	cat >"$t/cmd/cmd_x.c" <<'EOF'
int cmd_x(void) { printf("x\n"); fputs("y", stderr); exit(0); }
EOF
	if out=$(lint "$t"); then
		echo "lint self-test: ok: comments, strings, members and command files pass"
	else
		echo "lint self-test: FAIL: flagged what is allowed:"
		echo "$out"
		fails=$((fails + 1))
	fi
	# planted: a printf, an fprintf to stderr, an exit, an abort
	cat >>"$t/lib.c" <<'EOF'
void lib_bad(void)
{
	printf("%d\n", 1);
	fprintf(stderr, "no\n");
	if (1) exit(3);
	abort ();
}
EOF
	out=$(lint "$t")
	st=$?
	want="$t/lib.c:6: calls printf()
$t/lib.c:7: names stderr
$t/lib.c:8: calls exit()
$t/lib.c:9: calls abort()"
	got=$(printf '%s\n' "$out" | sed 's/: the library.*//')
	if [ "$st" -ne 0 ] && [ "$got" = "$want" ]; then
		echo "lint self-test: ok: a planted printf, stderr, exit and abort fail, each named FILE:LINE"
	else
		echo "lint self-test: FAIL: status $st, got:"
		echo "$out"
		fails=$((fails + 1))
	fi
	[ "$fails" -eq 0 ]
}

case ${1:-} in
--self-test)
	self_test
	;;
*)
	lint "${1:-src}"
	;;
esac
