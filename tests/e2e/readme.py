#!/usr/bin/env python3
"""readme.py --bin BIN [--files F.md...]: every example of the README and
doc/*.md that shows output is what the tool prints, and the commands `make
demo` prints paste into a shell as they are.

The convention (README.md says it in its first lines): a fenced block whose
info string is `console` holds examples.  A line starting with "$ " is a
command; the lines after it, up to the next "$ " line or the block's end,
are its output, stdout and stderr together.  Each command runs with sh -c
in a directory where scripts/demo.sh made build/demo/ (as `make demo`
does, "now" pinned to the demo's 2026-12-04T12:00:00Z), `circleci-usage`
on PATH, LC_ALL=C; each file's examples run in order on a fresh copy of it.
Lines are compared with trailing blanks dropped; in the output shown,
"[...]" inside a line matches any text within the line, and a line
"[... trimmed ...]" (any words after "trimmed") any number of lines.  The
command's exit status must be 0: an example of a failure shows it in its
command (`...; echo $?`).

Checks, each a PASS or FAIL line, then `N passed, M failed`:
  - every example's output (a FAIL shows the difference);
  - README.md has examples, the files have some, and no fenced block other
    than `console` shows a `$ circleci-usage` line followed by output, so
    no example escapes the check by its info string;
  - every relative link resolves to a file, and its #anchor to a heading;
  - each command line the demo prints is accepted by `sh -n`, and sh reads
    it back, creating no file, as the argv the demo ran (recorded by a
    wrapper), the same words as Python's shlex;
  - scripts/demo.sh --quote gives back hostile words (quotes, `>`, `$`,
    newlines, the empty word) through sh and bash.

Runs in tests/netns.sh's namespace (the demo starts the test double) and
re-runs itself in one when started outside.
"""
import argparse
import difflib
import glob
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
NETNS = os.path.join(ROOT, "tests", "netns.sh")

if os.environ.get("CU_NETNS") != "1":
    os.execvp("sh", ["sh", NETNS, sys.executable, os.path.abspath(__file__)]
                    + sys.argv[1:])

sys.path.insert(0, HERE)
import scratch  # noqa: E402  keeps files and outputs for run.sh's scan

# the demo's "now" (scripts/demo.sh): the README's figures are at it,
# whatever the suite around this one pins
DEMO_NOW = "2026-12-04T12:00:00Z"
TRIMMED = re.compile(r"^\s*\[\.\.\. trimmed\b.*\]$")
FENCE = re.compile(r"^(\s*)(`{3,}|~{3,})\s*([^\s`]*)")

passed = 0
failed = 0


def report(ok, what, detail=None):
    global passed, failed
    if ok:
        passed += 1
        print("PASS %s" % what)
    else:
        failed += 1
        print("FAIL %s" % what)
        if detail:
            for line in detail.rstrip("\n").split("\n"):
                print("    " + line)


def blocks(path):
    """The fenced blocks of a markdown file: (info, first line number,
    lines)."""
    out = []
    lines = open(path, encoding="utf-8").read().split("\n")
    i = 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        fence = m.group(2)
        start = i + 1
        body = []
        i += 1
        while i < len(lines) and not lines[i].strip().startswith(fence):
            body.append(lines[i])
            i += 1
        out.append((m.group(3), start + 1, body))
        i += 1
    return out


def examples(path):
    """(line number, command, expected output lines) of every console
    block; and the line numbers of output shown outside one."""
    found = []
    stray = []
    for info, first, body in blocks(path):
        if info != "console":
            for k, line in enumerate(body[:-1]):
                if (line.startswith("$ circleci-usage")
                        and not body[k + 1].startswith("$ ")
                        and body[k + 1].strip()):
                    stray.append(first + k)
            continue
        cur = None
        for k, line in enumerate(body):
            if line.startswith("$ "):
                cur = (first + k, line[2:], [])
                found.append(cur)
            elif cur is not None:
                cur[2].append(line)
    return found, stray


def slug(heading):
    """GitHub's anchor of a heading."""
    h = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return h.replace(" ", "-")


def anchors(path):
    """The anchors of a markdown file's headings (not those in blocks)."""
    out = set()
    seen = {}
    inside = None
    for line in open(path, encoding="utf-8").read().split("\n"):
        m = FENCE.match(line)
        if m and (inside is None or line.strip().startswith(inside)):
            inside = None if inside else m.group(2)
            continue
        h = re.match(r"^#{1,6} (.*)", line)
        if h and inside is None:
            a = slug(h.group(1))
            n = seen.get(a, 0)
            seen[a] = n + 1
            out.add(a if n == 0 else "%s-%d" % (a, n))
    return out


def check_links(files):
    """Every relative link resolves to a file, and its #anchor to a
    heading of it."""
    bad = []
    count = 0
    for f in files:
        text = open(f, encoding="utf-8").read()
        for target in re.findall(r"\]\(([^)\s]+)\)", text):
            if re.match(r"[a-z]+:", target):
                continue
            count += 1
            path, _, frag = target.partition("#")
            dest = os.path.normpath(os.path.join(os.path.dirname(f), path)) \
                if path else f
            if not os.path.exists(dest):
                bad.append("%s: %s: no such file" %
                           (os.path.relpath(f, ROOT), target))
            elif frag and dest.endswith(".md") and \
                    frag not in anchors(dest):
                bad.append("%s: %s: no such heading" %
                           (os.path.relpath(f, ROOT), target))
    report(not bad, "%d links resolve" % count,
           "\n".join(bad))


def pattern(want):
    """The expected lines as one regular expression over the output."""
    parts = []
    for line in want:
        line = line.rstrip()
        if TRIMMED.match(line):
            parts.append(r"(?:[^\n]*\n)*?")
        else:
            parts.append("[^\n]*".join(re.escape(p)
                                       for p in line.split("[...]"))
                         + r"\n")
    return re.compile("".join(parts))


def normal(text):
    """Output as compared: trailing blanks dropped, no trailing empty
    lines, one final newline (none when empty)."""
    lines = [x.rstrip() for x in text.split("\n")]
    while lines and lines[-1] == "":
        lines.pop()
    return "".join(x + "\n" for x in lines)


def run_example(work, env, path, lineno, cmd, want):
    name = "%s:%d: $ %s" % (os.path.relpath(path, ROOT), lineno, cmd)
    try:
        r = subprocess.run(["sh", "-c", cmd], cwd=work, env=env,
                           stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=300)
        got = normal(r.stdout.decode("utf-8", "replace"))
        status = r.returncode
    except subprocess.TimeoutExpired:
        report(False, name, "timed out after 300 s")
        return
    exp = normal("\n".join(want))
    if status != 0:
        report(False, name, "exit status %d (show a failure with `; echo $?`)"
               "\n%s" % (status, got[-2000:]))
    elif pattern(exp.split("\n")[:-1] if exp else []).fullmatch(got):
        report(True, name)
    else:
        diff = difflib.unified_diff(exp.split("\n"), got.split("\n"),
                                    "shown", "printed", lineterm="", n=2)
        report(False, name, "\n".join(list(diff)[:60]))


def sh_words(line, shell, where):
    """What `shell` reads LINE as: its words, and the files it made."""
    script = "set -- %s\nfor a; do printf '%%s\\0' \"$a\"; done" % line
    before = set(os.listdir(where))
    r = subprocess.run([shell, "-c", script], cwd=where,
                       capture_output=True)
    made = sorted(set(os.listdir(where)) - before)
    for f in made:
        os.unlink(os.path.join(where, f))
    words = r.stdout.decode("utf-8", "surrogateescape").split("\0")[:-1]
    return words, made, r.returncode


def read_argv(path):
    """The wrapper's records: a count, then that many words, NUL-ended."""
    if not os.path.exists(path):
        return []
    f = open(path, "rb").read().decode("utf-8", "surrogateescape")
    f = f.split("\0")
    out = []
    i = 0
    while i < len(f) - 1:
        n = int(f[i])
        out.append(f[i + 1:i + 1 + n])
        i += 1 + n
    return out


def check_demo_lines(stdout, demo_bin, argv_file, where):
    """The demo's `$ ` lines parse to the words it ran."""
    lines = [x[2:] for x in stdout.split("\n") if x.startswith("$ ")]
    report(len(lines) >= 5, "demo: prints its commands (%d)" % len(lines))
    ran = read_argv(argv_file)
    parsed_bin = []
    for line in lines:
        syn = subprocess.run(["sh", "-n", "-c", line], capture_output=True)
        words, made, rc = sh_words(line, "sh", where)
        ok = (syn.returncode == 0 and rc == 0 and not made
              and words == shlex.split(line))
        report(ok, "demo: sh reads back the line `%s`" % line[:70],
               None if ok else "sh -n: %d; words: %r; files made: %r"
               % (syn.returncode, words, made))
        if words and words[0] == demo_bin:
            parsed_bin.append(words[1:])
    ok = parsed_bin == ran and len(ran) >= 4
    report(ok, "demo: the %d lines of the tool are the argv it ran"
           % len(parsed_bin),
           None if ok else "printed: %r\nran:     %r" % (parsed_bin, ran))


def check_quote(where):
    words = ["change_pct > 10", "", "it's", 'a"b', "$HOME", "`id`",
             "back\\slash", "new\nline", "trail\n", "*", "~x", "a=b",
             "--alert=x>5", "#c", "ok-word_1.2/3:4@5%6+7,8", "-", "!x",
             "{a,b}", "tab\there", "x;y|z&", "''", "\\'"]
    r = subprocess.run(["sh", os.path.join(ROOT, "scripts", "demo.sh"),
                        "--quote"] + words, capture_output=True)
    line = r.stdout.decode()
    if line.endswith("\n"):
        line = line[:-1]
    for shell in ("sh", "bash"):
        got, made, rc = sh_words(line, shell, where)
        ok = r.returncode == 0 and rc == 0 and got == words and not made
        report(ok, "demo.sh --quote: %s reads back %d hostile words"
               % (shell, len(words)),
               None if ok else "line: %r\ngot: %r\nmade: %r"
               % (line, got, made))
    ok = shlex.split(line) == words
    report(ok, "demo.sh --quote: shlex reads them back too")
    plain = subprocess.run(["sh", os.path.join(ROOT, "scripts", "demo.sh"),
                            "--quote", "report", "--top", "5",
                            "build/demo/report"], capture_output=True)
    report(plain.stdout == b"report --top 5 build/demo/report\n",
           "demo.sh --quote: plain words stay unquoted")


def link_or_copy(src, dst):
    """A hard link where it can (the tool replaces files by rename, so
    an example never changes another file's copy), else a copy."""
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--files", nargs="+",
                    help="check these markdown files instead of README.md, "
                    "doc/*.md and tests/README.md")
    a = ap.parse_args()
    files = a.files or ([os.path.join(ROOT, "README.md")]
                        + sorted(glob.glob(os.path.join(ROOT, "doc", "*.md")))
                        + [os.path.join(ROOT, "tests", "README.md")])
    files = [os.path.abspath(f) for f in files]

    total = 0
    per_file = []
    for f in files:
        ex, stray = examples(f)
        per_file.append((f, ex))
        total += len(ex)
        rel = os.path.relpath(f, ROOT)
        for n in stray:
            report(False, "%s:%d: output shown outside a console block" %
                   (rel, n))
        if os.path.basename(f) == "README.md" and \
                os.path.dirname(f) == ROOT:
            report(len(ex) > 0, "README.md has examples (%d)" % len(ex))
    report(total > 0, "%d examples in %d files" % (total, len(files)))
    check_links(files)

    tmp = tempfile.mkdtemp(prefix="cu-readme-")
    try:
        bindir = os.path.join(tmp, "bin")
        os.mkdir(bindir)
        wrapper = os.path.join(bindir, "circleci-usage")
        with open(wrapper, "w") as w:
            w.write("#!/bin/sh\n"
                    "if [ -n \"${CU_README_ARGV:-}\" ]; then\n"
                    "\tprintf '%%s\\0' \"$#\" \"$@\" >>\"$CU_README_ARGV\"\n"
                    "fi\n"
                    "exec %s \"$@\"\n" % shlex.quote(os.path.abspath(a.bin)))
        os.chmod(wrapper, 0o755)
        env = dict(os.environ, LC_ALL="C", CIRCLECI_USAGE_NOW=DEMO_NOW,
                   PATH=bindir + os.pathsep + os.environ.get("PATH", ""))
        demo = os.path.join(tmp, "demo")
        os.mkdir(demo)
        argv_file = os.path.join(tmp, "demo-argv")
        r = subprocess.run(["sh", os.path.join(ROOT, "scripts", "demo.sh")],
                           cwd=demo, stdin=subprocess.DEVNULL,
                           capture_output=True,
                           env=dict(env, DEMO_BIN=wrapper,
                                    CU_README_ARGV=argv_file))
        out = r.stdout.decode("utf-8", "replace")
        report(r.returncode == 0, "the demo runs (exit %d)" % r.returncode,
               r.stderr.decode("utf-8", "replace")[-2000:])
        if r.returncode != 0:
            return 1
        where = os.path.join(tmp, "parse")
        os.mkdir(where)
        check_demo_lines(out, wrapper, argv_file, where)
        check_quote(where)

        # each file on a fresh copy (without the generator's raw data,
        # which only the double reads), as a reader would run it
        skip = shutil.ignore_patterns("data", "truth.json", "double*")
        for k, (f, ex) in enumerate(per_file):
            if not ex:
                continue
            work = os.path.join(tmp, "work%d" % k)
            os.makedirs(os.path.join(work, "build"))
            shutil.copytree(os.path.join(demo, "build", "demo"),
                            os.path.join(work, "build", "demo"),
                            symlinks=True, ignore=skip,
                            copy_function=link_or_copy)
            for lineno, cmd, want in ex:
                run_example(work, env, f, lineno, cmd, want)
    finally:
        scratch.rmtree(tmp)
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
