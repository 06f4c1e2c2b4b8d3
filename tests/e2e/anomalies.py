#!/usr/bin/env python3
"""anomalies.py --bin BIN [--quick]: `anomalies` end to end.

"Now" is pinned (pinnow.py: CIRCLECI_USAGE_NOW, 2026-12-04T12:00:00Z
unless set), so the days examined by default are the 7 up to the day
before; every date below is relative to it (N = now's day).
  * a spike injected by the generator (--spike PROJECT:N-3:3) is
    found on its day and project, kind spike, and its credits, baseline,
    excess and excess_usd equal an independent re-sum of the CSV parts
    (the same weekday in the 4 weeks before, a day without runs 0, the
    median) exactly, and its credits the truth's base + added credits;
    the contributor is a workflow of the project;
  * on a hand-made export: a 40-credit project going to 160 is not
    flagged (--min-excess 500), and is with --min-excess 100; a big
    project's tripling is; a project first seen on the last day with 2000
    credits is `new`; one of 1000 a day that stopped is `stopped` with
    excess -7000; --weeks 1 and --at move the window; rows are sorted by
    excess credits, largest first;
  * --db (after ingest) gives the same rows as the files;
  * csv, json, markdown and table all come out; --top keeps the first rows;
  * usage errors (--by day, --weeks 0 and 53, --days 0, a bad --at, no
    PATH, a PATH with --db) exit 2 with one error line.

Prints `PASS name` / `FAIL name: reason` per check and a last line
`N passed, M failed`; exits 1 if any check failed.
"""

import csv
import datetime as dt
import gzip
import io
import json
import os
import subprocess
import sys
from decimal import Decimal, ROUND_HALF_UP

import pinnow  # noqa: F401  (the pinned now, in the environment)
import scratch  # keeps files and outputs for run.sh's secrets scan
import tally

HERE = os.path.dirname(os.path.abspath(__file__))
GEN = os.path.join(HERE, "..", "gen", "genexport.py")
sys.path.insert(0, os.path.join(HERE, "..", "gen"))
import genexport as G  # noqa: E402  (the 48 columns only)

ENV = dict(os.environ, LC_ALL="C")
SPIKE_DAY = pinnow.day(-3)
GEN_START = pinnow.day(-42)
D1, D2, D7 = pinnow.day(-1), pinnow.day(-2), pinnow.day(-7)


def run(binary, *args, check=True):
    r = subprocess.run([binary] + list(args), capture_output=True,
                       timeout=300, env=ENV)
    if check and r.returncode != 0:
        raise RuntimeError("%s: exit %d: %s" % (" ".join(args), r.returncode,
                                                r.stderr.decode()[:400]))
    return r


def rows_of(binary, *args):
    out = run(binary, *args, "--format", "csv").stdout.decode()
    return list(csv.DictReader(io.StringIO(out)))


def resum(d):
    """(project, day) -> exact credits, read back from the CSV parts."""
    sums = {}
    seen = set()
    for f in sorted(os.listdir(d)):
        if not f.startswith("part-"):
            continue
        with gzip.open(os.path.join(d, f), "rt", encoding="utf-8",
                       newline="") as fh:
            for r in csv.DictReader(fh):
                if r["JOB_ID"] in seen:
                    continue
                seen.add(r["JOB_ID"])
                k = (r["PROJECT_NAME"], r["JOB_RUN_DATE"][:10])
                sums[k] = sums.get(k, Decimal(0)) + \
                    Decimal(r["TOTAL_CREDITS"])
    return sums


def median(v):
    v = sorted(v)
    n = len(v)
    return v[n // 2] if n % 2 else (v[n // 2 - 1] + v[n // 2]) / 2


def baseline(sums, project, day, weeks=4):
    """The same weekday in the weeks before day, 0 for a day without runs
    once the project has any."""
    born = min(dt.date.fromisoformat(d) for p, d in sums if p == project)
    out = []
    for w in range(1, weeks + 1):
        dd = dt.date.fromisoformat(day) - dt.timedelta(days=7 * w)
        if dd >= born:
            out.append(sums.get((project, dd.isoformat()), Decimal(0)))
    return median(out)


def check_spike(suite, binary, T):
    clean = os.path.join(T, "clean")
    subprocess.run([sys.executable, GEN, "-o", clean, "--rows", "30000",
                    "--seed", "7", "--start", GEN_START, "--days", "42",
                    "--procs", "2"], check=True)
    # the project with the most credits on the day
    day = rows_of(binary, "report", "--by", "project", "--since",
                  SPIKE_DAY, "--until", SPIKE_DAY, clean)
    project = day[0]["project"]
    gen = os.path.join(T, "spiked")
    subprocess.run([sys.executable, GEN, "-o", gen, "--rows", "30000",
                    "--seed", "7", "--start", GEN_START, "--days", "42",
                    "--procs", "2", "--truth", gen + ".json", "--spike",
                    "%s:%s:3" % (project, SPIKE_DAY)], check=True)
    with open(gen + ".json", encoding="utf-8") as f:
        sp = json.load(f)["spikes"][0]
    sums = resum(gen)
    got = rows_of(binary, "anomalies", gen)
    hit = [r for r in got if r["project"] == project and
           r["day"] == SPIKE_DAY]
    errors = []
    if len(hit) != 1 or hit[0]["kind"] != "spike":
        errors.append("no spike row for %s on %s: %s" % (project, SPIKE_DAY,
                                                         hit))
    else:
        r = hit[0]
        credits = sums[(project, SPIKE_DAY)]
        base = baseline(sums, project, SPIKE_DAY)
        if Decimal(r["credits"]) != credits:
            errors.append("credits %s, re-sum %s" % (r["credits"], credits))
        if credits != Decimal(sp["base_credits"]) + \
                Decimal(sp["added_credits"]):
            errors.append("re-sum %s != truth base + added" % credits)
        if Decimal(r["baseline"]) != base:
            errors.append("baseline %s, re-sum %s" % (r["baseline"], base))
        if Decimal(r["excess_credits"]) != credits - base:
            errors.append("excess %s, re-sum %s" % (r["excess_credits"],
                                                    credits - base))
        usd = ((credits - base) * Decimal("0.0006")).quantize(
            Decimal("0.01"), ROUND_HALF_UP)
        if Decimal(r["excess_usd"]) != usd:
            errors.append("excess_usd %s, want %s" % (r["excess_usd"], usd))
        if float(r["score"]) < 4 or r["samples"] != "4":
            errors.append("score %s samples %s" % (r["score"],
                                                   r["samples"]))
        if not r["contributor"]:
            errors.append("no contributor")
    suite.check("an injected spike: found on its day and project, excess "
                "exact against a re-sum of the CSV", errors)

    errors = []
    ex = [Decimal(r["excess_credits"]) for r in got]
    if ex != sorted(ex, reverse=True):
        errors.append("not sorted by excess credits")
    suite.check("rows sorted by excess credits, largest first", errors)

    # the last week alone: no judged day has its weekday a week before,
    # so none is judged, and a warning says so (not a silent empty list)
    errors = []
    start = pinnow.day(-7)
    week = os.path.join(T, "week")
    subprocess.run([sys.executable, GEN, "-o", week, "--rows", "3000",
                    "--seed", "7", "--start", start, "--days", "7"],
                   check=True)
    r = run(binary, "anomalies", week)
    warn = [x for x in r.stderr.decode().splitlines() if "no baseline" in x]
    if len(warn) != 1 or "the data start on %s" % start not in warn[0]:
        errors.append("a week from %s: %s" % (start, warn))
    if b"no baseline" in run(binary, "anomalies", gen).stderr:
        errors.append("a warning with six weeks of history")
    suite.check("data without a week before the judged days: a warning "
                "that they have no baseline", errors)

    # --db: the same rows as the files
    db = os.path.join(T, "h.db")
    run(binary, "ingest", "--quiet", "--db", db, gen)
    a = run(binary, "anomalies", "--format", "csv", gen).stdout
    b = run(binary, "anomalies", "--format", "csv", "--db", db).stdout
    c = run(binary, "anomalies", "--format", "csv", "--by", "workflow",
            gen).stdout
    d = run(binary, "anomalies", "--format", "csv", "--by", "workflow",
            "--db", db).stdout
    suite.check("--db gives the same rows as the files (project, workflow)",
                [] if a == b and c == d and a.count(b"\n") > 1 else
                ["files and --db differ"])

    errors = []
    for fmt, start in (("json", b"{"), ("markdown", b"**Anomalies"),
                       ("table", b"Anomalies")):
        out = run(binary, "anomalies", "--format", fmt, gen).stdout
        if not out.startswith(start):
            errors.append("%s: %r" % (fmt, out[:40]))
    out = json.loads(run(binary, "anomalies", "--format", "json", "--top",
                         "1", gen).stdout)
    if len(out["rows"]) != 1 or out["rows"][0]["day"] != got[0]["day"]:
        errors.append("--top 1: %s" % out["rows"])
    suite.check("json, markdown and table; --top", errors)
    return gen


def write_tiny(path):
    """A hand-made export: 35 days to the day before now, four projects."""
    start = dt.date.fromisoformat(pinnow.day(-35))
    rows = []
    n = 0

    def row(project, day, credits):
        nonlocal n
        n += 1
        v = ["\\N"] * len(G.COLUMNS)
        v[G.CI["PROJECT_NAME"]] = project
        v[G.CI["WORKFLOW_NAME"]] = "wf-" + project
        v[G.CI["JOB_NAME"]] = "build"
        v[G.CI["JOB_ID"]] = "00000000-0000-4000-8000-%012d" % n
        v[G.CI["JOB_RUN_DATE"]] = day.isoformat()
        v[G.CI["TOTAL_CREDITS"]] = credits
        rows.append(v)

    for i in range(35):
        day = start + dt.timedelta(days=i)
        last = i == 34
        row("tiny", day, "160" if last else "40")
        row("big", day, "30000" if last else "10000")
        if i < 28:
            row("gone", day, "1000")
        if last:
            row("newp", day, "2000")
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(G.COLUMNS)
        w.writerows(rows)


def check_tiny(suite, binary, T):
    d = os.path.join(T, "tiny")
    os.makedirs(d)
    write_tiny(os.path.join(d, "part-000.csv"))
    got = rows_of(binary, "anomalies", d)
    kinds = {(r["project"], r["day"]): r for r in got}
    errors = []
    if ("tiny", D1) in kinds:
        errors.append("40 -> 160 flagged: %s" % kinds[("tiny", D1)])
    big = kinds.get(("big", D1))
    if not big or big["kind"] != "spike" or big["excess_credits"] != "20000"\
            or big["baseline"] != "10000" or big["score"] != "20.00":
        errors.append("big: %s" % big)
    suite.check("a 40 -> 160 blip is not news (min excess); a tripling of "
                "10000 is", errors)
    got = rows_of(binary, "anomalies", "--min-excess", "100", d)
    t = [r for r in got if r["project"] == "tiny"]
    suite.check("--min-excess 100 flags the blip (score 30)",
                [] if len(t) == 1 and t[0]["excess_credits"] == "120" and
                t[0]["score"] == "30.00" else ["tiny: %s" % t])
    errors = []
    n = kinds.get(("newp", D1))
    if not n or n["kind"] != "new" or n["excess_credits"] != "2000" or \
            n["baseline"] != "" or n["score"] != "":
        errors.append("new: %s" % n)
    g = kinds.get(("gone", D7))
    if not g or g["kind"] != "stopped" or g["excess_credits"] != "-7000" or\
            g["credits"] != "0":
        errors.append("stopped: %s" % g)
    if [r["project"] for r in got[-1:]] != ["gone"]:
        errors.append("stopped is not last: %s" % got)
    suite.check("new and stopped groups", errors)
    errors = []
    # --at is "today": the day before it (D2) is the last examined
    got = rows_of(binary, "anomalies", "--at", D1, d)
    if any(r["project"] in ("big", "newp") for r in got):
        errors.append("--at the day before still sees the last: %s" % got)
    got = rows_of(binary, "anomalies", "--weeks", "1", "--days", "1", d)
    b = [r for r in got if r["project"] == "big"]
    if len(b) != 1 or b[0]["samples"] != "1":
        errors.append("--weeks 1: %s" % b)
    suite.check("--at and --weeks move the window", errors)
    return d


def check_usage(suite, binary, d):
    errors = []
    for args in (["--by", "day"], ["--by", "project,month"],
                 ["--weeks", "0"], ["--weeks", "53"], ["--days", "0"],
                 ["--at", "2026-13-01"], ["--threshold", "-1"],
                 ["--min-excess", "x"], ["--db", "x.db", d], []):
        r = run(binary, "anomalies", *(args + ([d] if args and "--db" not in
                                               args else [])), check=False)
        err = r.stderr.decode().splitlines()
        lines = [x for x in err if x.startswith("circleci-usage:")]
        if r.returncode != 2 or len(lines) != 1 or \
                not lines[0].startswith("circleci-usage: "):
            errors.append("%s: exit %d, %s" % (args, r.returncode, err))
    suite.check("usage errors exit 2 with one error line", errors)


def spike_checks(suite, binary, tmp, quick):
    check_spike(suite, binary, tmp)


def hand_made_checks(suite, binary, tmp, quick):
    check_usage(suite, binary, check_tiny(suite, binary, tmp))


def main():
    return tally.main("anomalies", [spike_checks, hand_made_checks])

if __name__ == "__main__":
    sys.exit(main())
