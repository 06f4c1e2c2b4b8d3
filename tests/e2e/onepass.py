#!/usr/bin/env python3
"""onepass.py --bin BIN [--quick]: each export read once.

Under strace (package strace), counting the openat() of every part:
  * `report --by project` opens each part as often as it reads it once
    (the look at its gzip trailer that sizes the read, then the read);
  * `run --from CUR --previous-from PREV` with every artifact (budgets
    with a branch scope, teams, --focus) opens each part of both exports
    no more than that: one pass per export feeds the reports, charts,
    failures, rightsizing, FOCUS file, comparison, budgets and page;
  * so does `html CUR --previous PREV --rightsize --teams --budgets`;
  * a previous period whose days overlap the current one's still gives
    budgets (read apart then: the parts of both exports read twice).
The exports have duplicates, job re-runs and tricky names.

Prints PASS/FAIL lines and `N passed, M failed`.
"""

import argparse
import collections
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import scratch  # noqa: E402  (files and outputs kept for run.sh's scan)

GEN = os.path.join(HERE, "..", "gen", "genexport.py")
TEAMS = """teams:
  mobile: [wearables-android, "ios-*", mobile-ios, tv-app]
  ml: [gpu-inference, "ml-*", fraud-model]
"""
BUDGETS = """budgets:
  - name: org-weekly
    scope: org
    period: week
    credits: 16000000
  - name: org-monthly
    scope: org
    period: month
    usd: 40000
  - name: mobile
    team: mobile
    period: week
    credits: 5000000
  - name: gpu
    by: {resource_class: "gpu.*"}
    period: week
    credits: 1500000
  - name: main
    by: {branch: "main"}
    period: week
    credits: 100000
"""
passed = 0
failed = 0


def report(name, errors):
    global passed, failed
    if errors:
        failed += 1
        print("FAIL %s: %s" % (name, "; ".join(str(e) for e in errors[:4])),
              flush=True)
    else:
        passed += 1
        print("PASS %s" % name, flush=True)


def gen(out, rows, parts, start, seed):
    subprocess.run([sys.executable, GEN, "-o", out, "--rows", str(rows),
                    "--parts", str(parts), "--start", start, "--days", "7",
                    "--seed", str(seed), "--dup-rows", "50", "--job-reruns",
                    "--tricky-names"], check=True, capture_output=True)
    return sorted(os.path.join(out, f) for f in os.listdir(out)
                  if f.startswith("part-"))


def opens(tmp, argv):
    """The exit code and how many times each file was opened."""
    log = os.path.join(tmp, "strace.log")
    # LeakSanitizer cannot work under ptrace (make check-asan): off here
    env = dict(os.environ)
    env["ASAN_OPTIONS"] = ":".join(
        o for o in (env.get("ASAN_OPTIONS"), "detect_leaks=0") if o)
    r = subprocess.run(["strace", "-f", "-qq", "-e", "trace=openat", "-o",
                        log] + argv, capture_output=True, text=True, env=env)
    n = collections.Counter()
    with open(log, errors="replace") as f:
        for line in f:
            m = re.search(r'openat\([^,]*, "([^"]*)", [^)]*\) = \d', line)
            if m:
                n[os.path.normpath(m.group(1))] += 1
    os.unlink(log)
    return r, n


def check_parts(name, r, n, parts, most):
    errors = []
    if r.returncode != 0:
        errors.append("exit %d: %s" % (r.returncode, r.stderr[-300:]))
    for p in parts:
        if n[os.path.normpath(p)] > most:
            errors.append("%s opened %d times, a read is %d" % (
                os.path.basename(os.path.dirname(p)) + "/" +
                os.path.basename(p), n[os.path.normpath(p)], most))
    report(name, errors)


def same_budgets(binary, r, out, budgets, teams, dirs):
    """budgets.csv and .json of run r in out as `budget --at` gives them."""
    if r.returncode != 0:
        return ["exit %d: %s" % (r.returncode, r.stderr[-300:])]
    errors = []
    for fmt, name in (("csv", "budgets.csv"), ("json", "budgets.json")):
        b = subprocess.run([binary, "budget", "--budgets", budgets, "--teams",
                            teams, "--csv-safe", "--format", fmt, "--at",
                            "2026-11-13"] + dirs, capture_output=True,
                           text=True)
        with open(os.path.join(out, name)) as f:
            got = f.read()
        if b.returncode != 0 or b.stdout != got:
            errors.append("%s is not `budget --at`'s: %r vs %r" % (
                name, got[:300], b.stdout[:300]))
    return errors


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--quick", action="store_true")
    a = ap.parse_args()
    binary = os.path.abspath(a.bin)
    if shutil.which("strace") is None:
        report("strace", ["strace is not installed (scripts/deps.sh check "
                          "installs it)"])
        print("%d passed, %d failed" % (passed, failed))
        return 1
    tmp = tempfile.mkdtemp(prefix="cu-onepass-")
    rows = 3000 if a.quick else 20000
    # Friday to Thursday: run's budgets are `budget --at` the Friday's
    cur = gen(os.path.join(tmp, "cur"), rows, 3, "2026-11-06", 11)
    prev = gen(os.path.join(tmp, "prev"), rows, 2, "2026-10-30", 12)
    both = gen(os.path.join(tmp, "both"), rows // 2, 2, "2026-11-09", 13)
    teams = os.path.join(tmp, "teams.yaml")
    budgets = os.path.join(tmp, "budgets.yaml")
    with open(teams, "w") as f:
        f.write(TEAMS)
    with open(budgets, "w") as f:
        f.write(BUDGETS)
    cdir, pdir = os.path.dirname(cur[0]), os.path.dirname(prev[0])

    r, n = opens(tmp, [binary, "report", "--by", "project", "--format",
                       "csv", cdir])
    one = max(n[os.path.normpath(p)] for p in cur)
    errors = [] if r.returncode == 0 and 1 <= one <= 2 else [
        "report: exit %d, a part opened %d times" % (r.returncode, one)]
    report("report reads each part once", errors)

    out = os.path.join(tmp, "out")
    r, n = opens(tmp, [binary, "run", "--quiet", "--from", cdir,
                       "--previous-from", pdir, "--budgets", budgets,
                       "--teams", teams, "--focus", "-o", out])
    check_parts("run --from: one pass per export", r, n, cur + prev, one)
    report("run --from: the budgets as `budget --at`", same_budgets(
        binary, r, out, budgets, teams, [cdir, pdir]))
    want = {"budgets.csv", "focus.csv", "failures.csv", "rightsize.csv",
            "compare-by-project.csv", "index.html", "by-team.csv"}
    missing = sorted(want - set(os.listdir(out))) if r.returncode == 0 \
        else []
    report("run --from: every artifact", ["missing: %s" % ", ".join(
        missing)] if missing else [])

    r, n = opens(tmp, [binary, "run", "--quiet", "--from", cdir, "-o",
                       os.path.join(tmp, "out2")])
    check_parts("run --from, no previous period", r, n, cur, one)

    page = os.path.join(tmp, "page.html")
    r, n = opens(tmp, [binary, "html", cdir, "--previous", pdir,
                       "--rightsize", "--teams", teams, "--budgets", budgets,
                       "-o", page])
    check_parts("html --budgets: one pass per export", r, n, cur + prev,
                one)

    # days that overlap: the budgets read both exports apart, and agree
    # with `budget` over both
    out3 = os.path.join(tmp, "out3")
    bdir = os.path.dirname(both[0])
    r, n = opens(tmp, [binary, "run", "--quiet", "--from", cdir,
                       "--previous-from", bdir, "--budgets", budgets,
                       "--teams", teams, "-o", out3])
    errors = same_budgets(binary, r, out3, budgets, teams, [cdir, bdir])
    if r.returncode == 0 and max(n[os.path.normpath(p)] for p in both) <= \
            one:
        errors.append("overlapping days: the budgets did not read again")
    report("run --from: overlapping periods read apart", errors)
    scratch.rmtree(tmp)
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
