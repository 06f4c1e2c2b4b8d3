#!/usr/bin/env python3
"""options.py --bin BIN: --help, the man page, the completions and the
README agree with the option table on every command's options.

The table is what `BIN --dump-options` prints (src/cmd/cmdopt_table.c).  For
each command, the set of its options is read from:
  - the table (hidden old names aside: they are checked apart),
  - `BIN CMD --help` (lines that start with an option),
  - doc/circleci-usage.1: its SYNOPSIS line and its OPTIONS (CMD) section
    (the tags of its .TP paragraphs; -h, --help is documented once, for
    every command),
  - the bash completion, run in bash (COMPREPLY after `CMD -`),
  - the zsh completion, read (the option specs of its `CMD)` branch),
  - the parser: `BIN CMD --opt=x --zz-probe` must not call --opt
    unrecognized (--zz-probe stops it before it does anything),
and every one must equal the table's.  Then each old name works with a
warning naming the new one, --last is --since and --until of the days it
names (and not given with them), and every option a README example gives a
command (```sh and ```console blocks, `$ circleci-usage` lines) is one the
command takes.  The commands whose own parsers do not use the table yet
have the gaps listed in KNOWN_GAPS; a gap that closes fails too, so that
the list only shrinks.  The suite fails when it finds fewer than 11
commands, no options, or no README example.  Prints PASS/FAIL lines and
`N passed, M failed`.
"""
import argparse
import os
import re
import shlex
import subprocess
import sys
import tempfile
from tally import Suite

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
MAN = os.path.join(ROOT, "doc", "circleci-usage.1")
README = os.path.join(ROOT, "README.md")
GEN = os.path.join(ROOT, "scripts", "completion.sh")

# (command, source) -> the differences from the table that source has
# until the command's own parser (cmd_<name>.c) uses the table: "+X", X
# is in the source and not in the table; "-X", in the table and not in
# the source.
KNOWN_GAPS = {
    # none left: run takes --output, notify --help names
    # --previous-since and --previous-until
}


def run(args, **kw):
    return subprocess.run(args, capture_output=True, text=True, **kw)


def dump(binary):
    """{cmd: {"opts": {name: record}, "operands": str}} from the table."""
    cmds = {}
    for line in run([binary, "--dump-options"]).stdout.splitlines():
        f = line.split("\t")
        if f[0] == "command" and len(f) == 4:
            cmds[f[1]] = {"opts": {}, "summary": f[2], "operands": f[3]}
        elif f[0] == "option" and len(f) == 8 and f[1] in cmds:
            cmds[f[1]]["opts"][f[2]] = {
                "short": None if f[3] == "-" else f[3], "arg": f[4],
                "flags": f[5], "values": f[6]}
    return cmds


def table_set(c):
    """The option words of a command in the table, old names aside."""
    s = set()
    for name, o in c["opts"].items():
        if o["flags"] == "hidden":
            continue
        s.add(name)
        if o["short"]:
            s.add(o["short"])
    return s


OPT = re.compile(r"(?<![\w-])(--[a-z][a-z0-9-]*|-[a-zA-Z])(?![\w-])")


def help_set(text):
    """Options of --help: lines that start (at most 2 spaces in) with an
    option, up to the gap before the text; and run's `Export options (as
    for export):` paragraph."""
    s = set()
    para = False
    for line in text.splitlines():
        if line.startswith("Export options (as for export):"):
            para = True
            line = line.split(":", 1)[1]
        elif para and not line.strip():
            para = False
        if para:
            s.update(OPT.findall(line))
            continue
        m = re.match(r" {0,2}(-\S.*)", line)
        if m:
            head = re.split(r"\s{2,}", m.group(1))[0]
            s.update(OPT.findall(head))
    return s


ROFF = re.compile(r"(?<!\\-)\\-(\\-[a-z][a-z0-9]*(?:\\-[a-z0-9]+)*|[a-zA-Z])"
                  r"(?![a-zA-Z\\])")


def roff_opts(text):
    return {"-" + m.replace("\\-", "-") for m in ROFF.findall(text)}


def man_sets(text):
    """{cmd: synopsis set}, {cmd: options-section set} of the man page."""
    syn, opts = {}, {}
    m = re.search(r"^\.SH SYNOPSIS\n(.*?)^\.SH ", text, re.M | re.S)
    block = m.group(1) if m else ""
    for part in re.split(r"^\.br\n", block, flags=re.M):
        h = re.match(r"\.B circleci-usage (\w+)", part)
        if h:	# a command may have several lines (notify's targets)
            syn.setdefault(h.group(1), set()).update(
                roff_opts(part.split("\n", 1)[1]))
    for sec in re.finditer(r"^\.SH OPTIONS \((\w+)[^)]*\)\n(.*?)(?=^\.SH )",
                           text, re.M | re.S):
        tags = re.findall(r"^\.TP\n(.*)$", sec.group(2), re.M)
        opts.setdefault(sec.group(1), set()).update(
            roff_opts("\n".join(tags)) | {"-h", "--help"})
    return syn, opts


def bash_sets(binary, cmds, path):
    """What the bash completion offers after `CMD -`, run in bash."""
    out = {}
    for name in cmds:
        script = ('source "$1"; COMP_WORDS=(circleci-usage %s -); '
                  'COMP_CWORD=2; _circleci_usage; '
                  'printf "%%s\\n" "${COMPREPLY[@]}"' % name)
        r = run(["bash", "-c", script, "bash", path])
        out[name] = set(r.stdout.split())
    return out


def zsh_sets(text):
    """The options of each `CMD)` branch of the zsh completion."""
    out = {}
    for m in re.finditer(r"^\t(\w+)\)\n\t\t_arguments(.*?)^\t\t;;", text,
                         re.M | re.S):
        s = set()
        for line in m.group(2).splitlines()[1:]:	# after `-s -S`
            spec = line.strip().split("[", 1)[0]
            s.update(re.findall(r"(--[a-z][a-z0-9-]*|-[a-zA-Z])(?=[=+,}'(\s]"
                                r"|$)", spec))
        out[m.group(1)] = s
    return out


def parser_set(binary, name, c):
    """The table's options (old names too) the parser does not know."""
    missing = set()
    pre = [c["operands"].split()[0]] if name == "notify" else []
    for opt, o in c["opts"].items():
        for word in [opt] + ([o["short"]] if o["short"] else []):
            if word in ("--help", "-h"):
                continue
            arg = [] if o["arg"] == "-" else (
                ["=x"] if word.startswith("--") else ["x"])
            if arg == ["=x"]:
                args = [word + "=x"]
            else:
                args = [word] + arg
            r = run([binary, name] + pre + args + ["--zz-probe"],
                    stdin=subprocess.DEVNULL, timeout=30)
            if ("unrecognized option '%s'" % word in r.stderr or
                    "invalid option -- '%s'" % word[1:] in r.stderr):
                missing.add(word)
    return missing


def compare(name, source, want, got, suite):
    diff = {"+" + x for x in got - want} | {"-" + x for x in want - got}
    known = KNOWN_GAPS.get((name, source))
    if known is not None:	# as listed, no more and no less
        errors = [] if diff == known else [
            "known gaps %s, found %s" % (sorted(known), sorted(diff))]
    else:
        errors = ["%s not in the table" % x[1:] for x in sorted(diff)
                  if x[0] == "+"] + \
                 ["%s missing" % x[1:] for x in sorted(diff) if x[0] == "-"]
    suite.check("%s: %s agrees with the table" % (name, source), errors)


def readme_examples(text):
    """(line, command, option words) of the README's examples."""
    out = []
    for m in re.finditer(r"^```(\w*)\n(.*?)^```", text, re.M | re.S):
        lang, body = m.group(1), m.group(2).replace("\\\n", " ")
        for line in body.splitlines():
            if lang in ("sh", "console", "shell", "bash"):
                pass
            elif not line.startswith("$ "):
                continue
            for cmdline in re.split(r"\||&&|;", line.split(" #", 1)[0]):
                w = re.search(r"(?:^|\s|\$ )(?:\./)?circleci-usage\s+(.*)",
                              cmdline)
                if not w:
                    continue
                try:
                    words = shlex.split(w.group(1))
                except ValueError:
                    words = w.group(1).split()
                if not words or words[0].startswith("-"):
                    continue
                opts = []
                for x in words[1:]:
                    if x.startswith(">") or x.startswith("<"):
                        break
                    if x.startswith("-") and x != "-":
                        opts.append(x.split("=", 1)[0])
                out.append((line.strip(), words[0], opts))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--quick", action="store_true")
    a = ap.parse_args()
    binary = os.path.abspath(a.bin)
    suite = Suite()
    cmds = dump(binary)
    nopts = sum(len(c["opts"]) for c in cmds.values())
    suite.check("the table has every command and their options",
                [] if len(cmds) >= 11 and nopts >= 100 and
                all(c["opts"] for c in cmds.values()) else
                ["%d commands, %d options" % (len(cmds), nopts)])
    if not cmds:
        suite.summary()
        return 1

    tmp = tempfile.mkdtemp(prefix="cu-options-")
    comp = {}
    text = run([binary, "--dump-options"]).stdout
    for shell in ("bash", "zsh"):
        path = os.path.join(tmp, "completion." + shell)
        r = subprocess.run(["sh", GEN, shell], input=text,
                           capture_output=True, text=True)
        with open(path, "w") as f:
            f.write(r.stdout)
        comp[shell] = path
        suite.check("scripts/completion.sh %s" % shell,
                    [] if r.returncode == 0 and r.stdout else
                    ["exit %d: %s" % (r.returncode, r.stderr)])
    r = run(["bash", "-n", comp["bash"]])
    suite.check("the bash completion is valid bash",
                [r.stderr] if r.returncode else [])
    if run(["sh", "-c", "command -v zsh"]).returncode == 0:
        r = run(["zsh", "-n", comp["zsh"]])
        suite.check("the zsh completion is valid zsh",
                    [r.stderr] if r.returncode else [])
    bash = bash_sets(binary, cmds, comp["bash"])
    zsh = zsh_sets(open(comp["zsh"]).read())
    syn, manopts = man_sets(open(MAN).read())

    for name, c in cmds.items():
        want = table_set(c)
        h = run([binary, name, "--help"])
        compare(name, "help", want, help_set(h.stdout), suite)
        compare(name, "man synopsis", want - {"-h", "--help"},
                syn.get(name, set()), suite)
        compare(name, "man options", want, manopts.get(name, set()), suite)
        compare(name, "bash completion", want, bash.get(name, set()), suite)
        compare(name, "zsh completion", want, zsh.get(name, set()), suite)
        if not a.quick or name in ("report", "rightsize"):
            compare(name, "parser", set(), parser_set(binary, name, c),
                    suite)

    # value completions, as bash offers them
    r = run(["bash", "-c", 'source "$1"; COMP_WORDS=(circleci-usage report '
             '--format ""); COMP_CWORD=3; _circleci_usage; '
             'echo "${COMPREPLY[*]}"; COMP_WORDS=(circleci-usage report '
             '--by project,we); _circleci_usage; echo "${COMPREPLY[*]}"; '
             'COMP_WORDS=(circleci-usage db ""); COMP_CWORD=2; '
             '_circleci_usage; echo "${COMPREPLY[*]}"', "bash", comp["bash"]])
    suite.check("bash completes --format, --by lists and db's verbs",
                [] if r.stdout.splitlines() == [
                    "table csv json markdown png svg", "project,week",
                    "info prune"] else [repr(r.stdout)])

    # the old names: taken, with a warning naming the new one
    errors = []
    for name, c in cmds.items():
        for opt, o in c["opts"].items():
            if o["flags"] != "hidden":
                continue
            r = run([binary, name, opt + "=50", "--help"])
            line = "%s is deprecated: use %s" % (opt, o["values"])
            if r.returncode != 0 or line not in r.stderr:
                errors.append("%s %s: exit %d, %r" % (name, opt,
                              r.returncode, r.stderr))
    suite.check("old option names work, with a warning",
                errors if any(o["flags"] == "hidden" for c in cmds.values()
                              for o in c["opts"].values()) else
                ["no old names in the table"])

    # --last: the last N complete days before the pinned now, as
    # --since and --until of them; with either, a usage error
    env = dict(os.environ, CIRCLECI_USAGE_NOW="2026-12-04T12:00:00Z")
    csv = os.path.join(tmp, "last.csv")
    with open(csv, "w") as f:
        f.write("PROJECT_NAME,JOB_ID,JOB_RUN_DATE,TOTAL_CREDITS\n"
                "a,1,2026-11-26,1\na,2,2026-11-27,2\na,3,2026-12-03,4\n"
                "a,4,2026-12-04,8\n")
    errors = []
    for name in ("report", "compare"):
        extra = [csv] if name == "compare" else []
        last = run([binary, name, "--last", "7d", "--format", "csv", csv] +
                   extra, env=env)
        dates = run([binary, name, "--since", "2026-11-27", "--until",
                     "2026-12-03", "--format", "csv", csv] + extra, env=env)
        if last.returncode or last.stdout != dates.stdout:
            errors.append("%s --last 7d: %r, not %r" % (name, last.stdout,
                                                         dates.stdout))
    r = run([binary, "report", "--last", "7d", "--format", "csv", csv],
            env=env)
    if ",2,0,0,0,0,0,0,0,0,0,6," not in r.stdout:
        errors.append("report --last 7d: not 2 jobs, 6 credits: %r"
                      % r.stdout)
    r = run([binary, "report", "--last", "7d", "--until", "2026-12-01", csv],
            env=env)
    if r.returncode != 2 or r.stderr != (
            "circleci-usage: report: --last cannot be combined with --since "
            "or --until\nTry 'circleci-usage report --help' for more "
            "information.\n"):
        errors.append("--last --until: exit %d, %r" % (r.returncode,
                                                        r.stderr))
    r = run([binary, "rightsize", "--last", "2x", csv], env=env)
    if r.returncode != 2 or "--last: expected a count and a unit such as " \
            "7d, 4w or 3mo, got '2x'" not in r.stderr:
        errors.append("--last 2x: exit %d, %r" % (r.returncode, r.stderr))
    suite.check("--last N: the last N complete days, as --since/--until",
                errors)

    # the README's examples take only options their commands take
    examples = readme_examples(open(README, encoding="utf-8").read())
    errors = []
    for line, name, opts in examples:
        if name not in cmds:
            errors.append("%s: no command %s" % (line, name))
            continue
        known = table_set(cmds[name])
        for o in opts:
            if o not in known:
                errors.append("%s: %s takes no %s" % (line, name, o))
    suite.check("README examples (%d) use options their commands take" %
                len(examples), errors if examples else ["no examples found"])
    for f in os.listdir(tmp):
        os.unlink(os.path.join(tmp, f))
    os.rmdir(tmp)
    suite.summary()
    return 1 if suite.failed else 0


if __name__ == "__main__":
    sys.exit(main())
