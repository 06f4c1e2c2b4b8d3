#!/usr/bin/env python3
"""runbudget.py --bin BIN [--quick]: budgets and anomalies in `run`, its
page and summary.md (issue 18's wiring), against the test double, "now"
pinned (pinnow.py; N = now's day, D = the day after the run's last day).

Generated data (tests/gen/genexport.py, 42 days to N - 1) with a spike
injected on N - 3 into the project that spends most that day; the whole
of it ingested into a history database first, as weeks of weekly runs
would have, then served by the double:
  * `run --last 7d --db DB --budgets FILE --teams T` writes budgets.csv,
    budgets.json, anomalies.csv and anomalies.json, and run.json lists
    them (its totals still report's);
  * budgets.csv|json are what `budget --db DB --at D --csv-safe` prints,
    byte for byte (each budget's period the one that holds D - 1: the
    same as D's unless D starts a week or month, then row by row but the
    period); every budget's spent equals an independent re-sum of the
    generator's CSV over its scope and period, exact, and spent_usd to
    the cent;
  * anomalies.csv|json are what `anomalies --db DB --at D --csv-safe`
    prints, byte for byte, and hold the injected spike;
  * the page: its budgets table and bars are budgets.csv's figures, its
    anomalies table anomalies.csv's, the chart of days marks each day
    with a spike or a new project (the spike's day naming the project,
    its excess and dollars); it links the new files (htmlcheck.py);
  * summary.md lists the budgets (not ok first) and the five largest
    anomalies, the spike among them, with budgets.csv's and
    anomalies.csv's figures;
  * `run --last 1w` over a finished ISO week: its week budgets are that
    week, complete (projected = spent), its month the one holding Sunday;
  * without --db: the budgets from the export and the previous one (as
    `budget --at D EXPORT PREVIOUS`), no anomaly file; `html --budgets`
    over the same exports shows budgets.csv's figures;
  * without --budgets and --db: none of these files, no such sections on
    the page or in summary.md; run again into the first run's directory,
    the older run's budgets.* and anomalies.* are gone (every file there
    is linked from the page);
  * a bad budgets file (and a team scope without --teams, and a bad
    $CIRCLECI_USAGE_BUDGETS) exits 2 naming the file and line, before
    any export job is created, and leaves no directory.

Prints PASS/FAIL lines and `N passed, M failed`.
"""

import argparse
import csv
import datetime as dt
import gzip
import io
import json
import os
import subprocess
import sys
import tempfile
from decimal import ROUND_HALF_UP, Decimal
from fnmatch import fnmatchcase

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import scratch  # noqa: E402  (files and outputs kept for run.sh's scan)
import export as E  # noqa: E402  (Double, Ctx, pinnow)
from budget import period  # noqa: E402  (a budget period's days)
import htmlcheck as H  # noqa: E402  (the page's elements)
from tally import Suite  # noqa: E402

pinnow = E.pinnow
GEN = E.GEN
CENT = Decimal("0.01")
PRICE = Decimal("0.0006")
HTMLCHECK = os.path.join(HERE, "htmlcheck.py")
NEW_FILES = {"budgets.csv", "budgets.json", "anomalies.csv",
             "anomalies.json"}


def day(n):
    return dt.date.fromisoformat(pinnow.day(n))


def gen(out, rows, spike=None):
    cmd = [sys.executable, GEN, "-o", out, "--rows", str(rows), "--seed",
           "7", "--start", pinnow.day(-42), "--days", "42", "--procs", "2"]
    if spike:
        cmd += ["--truth", out + ".json", "--spike", spike]
    subprocess.run(cmd, check=True, capture_output=True)


def rows_of(d):
    """(day, project, resource_class, credits) of every job run, each
    JOB_ID once, read back from the generator's parts."""
    out, seen = [], set()
    for f in sorted(os.listdir(d)):
        if not f.startswith("part-"):
            continue
        with gzip.open(os.path.join(d, f), "rt", encoding="utf-8",
                       newline="") as fh:
            for r in csv.DictReader(fh):
                if r["JOB_ID"] in seen:
                    continue
                seen.add(r["JOB_ID"])
                out.append((dt.date.fromisoformat(r["JOB_RUN_DATE"][:10]),
                            r["PROJECT_NAME"], r["RESOURCE_CLASS"],
                            Decimal(r["TOTAL_CREDITS"])))
    return out


def money(v):
    return "{:,}".format(Decimal(v).quantize(CENT, ROUND_HALF_UP))


def read_csv(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def listing(d):
    return {f for f in os.listdir(d) if os.path.isfile(os.path.join(d, f))}


def htmlcheck(*args):
    r = subprocess.run([sys.executable, HTMLCHECK] + list(args),
                       capture_output=True, text=True, timeout=120)
    return [] if r.returncode == 0 else ["htmlcheck %s: %s" % (
        args[0], r.stdout.strip()[:300])]


class World:
    """The data, the history, the double and the tool."""

    def __init__(self, a, tmp):
        self.tmp = tmp
        self.c = E.Ctx(a, tmp)
        self.env = self.c.env()
        self.env.pop("CIRCLECI_USAGE_BUDGETS", None)
        self.env.pop("CIRCLECI_USAGE_TEAMS", None)
        self.bin = self.c.bin

    def tool(self, *args, env=None, stdin=None):
        return subprocess.run([self.bin] + list(args), capture_output=True,
                              env=env or self.env, timeout=300, input=stdin)

    def run(self, *args, env=None):
        return self.tool("run", "--org", E.ORG, "--api-url",
                         self.d.api_url, "--poll-interval", "0.05",
                         *args, env=env)


def setup(w, quick):
    rows = 12000 if quick else 24000
    clean = os.path.join(w.tmp, "clean")
    gen(clean, rows)
    spike_day = pinnow.day(-3)
    r = w.tool("report", "--by", "project", "--format", "csv", "--since",
               spike_day, "--until", spike_day, clean)
    w.project = list(csv.DictReader(io.StringIO(r.stdout.decode())))[0][
        "project"]
    w.spike_day = spike_day
    w.data = os.path.join(w.tmp, "data")
    gen(w.data, rows, "%s:%s:3" % (w.project, spike_day))
    scratch.rmtree(clean)
    w.rows = rows_of(w.data)
    w.db = os.path.join(w.tmp, "history.db")
    r = w.tool("ingest", "--quiet", "--db", w.db, w.data)
    if r.returncode != 0:
        raise RuntimeError("ingest: %s" % r.stderr.decode()[-300:])
    projects = sorted({x[1] for x in w.rows if x[1] not in ("", "\\N")})
    rclass = sorted({x[2] for x in w.rows if x[2] not in ("", "\\N")})[0]
    others = [p for p in projects if p != w.project][:2]
    w.teams = os.path.join(w.tmp, "teams.yaml")
    with open(w.teams, "w") as f:
        f.write("teams:\n  t1: [%s]\n  t2: ['*']\n" %
                ", ".join('"%s"' % p for p in others))
    # statuses of every kind: the spiking project's week is small
    w.scopes = {
        "org-week": ("week", lambda x: True),
        "org-month": ("month", lambda x: True),
        "spiky": ("week", lambda x: x[1] == w.project),
        "team-t1": ("month", lambda x: x[1] in others),
        "rc": ("week", lambda x: fnmatchcase(x[2], rclass)),
        "roomy": ("month", lambda x: True),
    }
    w.budgets = os.path.join(w.tmp, "budgets.yaml")
    with open(w.budgets, "w") as f:
        f.write("budgets:\n"
                "  - {name: org-week, scope: org, period: week, "
                "credits: 400000}\n"
                "  - {name: org-month, scope: org, period: month, "
                "usd: 500}\n"
                "  - {name: spiky, project: \"%s\", period: week, "
                "credits: 1000}\n"
                "  - {name: team-t1, team: t1, period: month, "
                "credits: 200000, thresholds: [80, 100]}\n"
                "  - {name: rc, by: {resource_class: \"%s\"}, "
                "period: week, credits: 300000}\n"
                "  - {name: roomy, scope: org, period: month, "
                "credits: 900000000}\n" % (w.project, rclass))
    w.d = E.Double(w.tmp, w.data, E.FAST, "double")


def resum(w, name, start, stop):
    """The credits of budget `name`'s scope on the days start .. stop."""
    keep = w.scopes[name][1]
    return sum((x[3] for x in w.rows if start <= x[0] <= stop and keep(x)),
               Decimal(0))


def check_spent(w, got, at, errors, where):
    """Each row's period is the one holding at - 1, its spent the
    re-sum of its scope over that period's days before at."""
    last = at - dt.timedelta(days=1)
    names = [g["budget"] for g in got]
    if names != list(w.scopes):
        errors.append("%s: budgets %s" % (where, names))
        return
    for g in got:
        kind = w.scopes[g["budget"]][0]
        s, e = period(kind, last)
        if (g["start"], g["end"]) != (s.isoformat(), e.isoformat()):
            errors.append("%s %s: period %s..%s, want %s..%s" % (
                where, g["budget"], g["start"], g["end"], s, e))
        want = resum(w, g["budget"], s, min(e, last))
        if Decimal(g["spent_credits"]) != want:
            errors.append("%s %s: spent %s, re-sum %s" % (
                where, g["budget"], g["spent_credits"], want))
        if Decimal(g["spent_usd"]) != (want * PRICE).quantize(
                CENT, ROUND_HALF_UP):
            errors.append("%s %s: spent_usd %s" % (where, g["budget"],
                                                    g["spent_usd"]))


def check_main(s, w, quick):
    R = os.path.join(w.tmp, "R")
    r = w.run("--last", "7d", "--db", w.db, "--budgets", w.budgets,
              "--teams", w.teams, "-o", R)
    if r.returncode != 0:
        s.ko("run --last 7d --db --budgets", "exit %d: %s" % (
            r.returncode, r.stderr.decode()[-400:]))
        return None
    run = json.load(open(os.path.join(R, "run.json")))
    at = dt.date.fromisoformat(run["end"][:10]) + dt.timedelta(days=1)
    D = at.isoformat()
    errors = []
    have = listing(R)
    if not NEW_FILES <= have:
        errors.append("missing %s" % sorted(NEW_FILES - have))
    if set(run["files"]) != have:
        errors.append("run.json files %s" % sorted(set(run["files"]) ^
                                                   have))
    rep = json.loads(w.tool("report", "--format", "json", os.path.join(
        R, "export")).stdout, parse_float=Decimal)["totals"]
    if Decimal(run["totals"]["total_credits"]) != rep["total_credits"] or \
            run["totals"]["jobs"] != rep["jobs"]:
        errors.append("run.json totals %s, report %s" % (
            run["totals"]["total_credits"], rep["total_credits"]))
    s.check("run --last 7d --db --budgets: budgets.csv|json and "
            "anomalies.csv|json written, run.json lists them, totals "
            "report's", errors)

    # budgets: budget --db --at D, and the re-sum
    errors = []
    last = at - dt.timedelta(days=1)
    same_period = all(period(k, at) == period(k, last)
                      for k, _ in w.scopes.values())
    for fmt in ("csv", "json"):
        b = w.tool("budget", "--db", w.db, "--at", D, "--budgets",
                   w.budgets, "--teams", w.teams, "--csv-safe", "--format",
                   fmt)
        mine = open(os.path.join(R, "budgets." + fmt), "rb").read()
        if b.returncode != 0:
            errors.append("budget: exit %d" % b.returncode)
        elif same_period and b.stdout != mine:
            errors.append("budgets.%s differs from budget --at %s" % (fmt,
                                                                      D))
        elif not same_period and fmt == "csv":
            theirs = list(csv.DictReader(io.StringIO(b.stdout.decode())))
            ours = read_csv(os.path.join(R, "budgets.csv"))
            for t, o in zip(theirs, ours):
                k = w.scopes[o["budget"]][0]
                if period(k, at) == period(k, last) and t != o:
                    errors.append("%s differs from budget --at %s" % (
                        o["budget"], D))
    got = read_csv(os.path.join(R, "budgets.csv"))
    check_spent(w, got, at, errors, "--last 7d")
    if [g["status"] for g in got if g["budget"] == "spiky"] != ["over"]:
        errors.append("spiky: %s" % [g["status"] for g in got][:3])
    s.check("budgets.csv|json are budget --db --at %s's%s; spent exact "
            "against a re-sum of the CSV (6 budgets: org, project, team, "
            "resource class; week and month)" % (
                D, "" if same_period else " (row by row: D starts a "
                "period)"), errors)

    # anomalies: anomalies --db --at D
    errors = []
    for fmt in ("csv", "json"):
        a = w.tool("anomalies", "--db", w.db, "--at", D, "--csv-safe",
                   "--format", fmt)
        if a.returncode != 0 or a.stdout != open(os.path.join(
                R, "anomalies." + fmt), "rb").read():
            errors.append("anomalies.%s differs from anomalies --db --at "
                          "%s" % (fmt, D))
    anomalies = read_csv(os.path.join(R, "anomalies.csv"))
    spike = [x for x in anomalies if x["day"] == w.spike_day and
             x["project"] == w.project]
    if len(spike) != 1 or spike[0]["kind"] != "spike":
        errors.append("the spike on %s in %s: %s" % (w.spike_day,
                                                      w.project, spike))
    s.check("anomalies.csv|json are anomalies --db --at %s's, with the "
            "injected spike" % D, errors)

    # the page
    page = os.path.join(R, "index.html")
    errors = htmlcheck("self-contained", page, R)
    errors += htmlcheck("budgets", page, os.path.join(R, "budgets.csv"))
    errors += htmlcheck("anomalies", page, os.path.join(R,
                                                        "anomalies.csv"))
    if spike:
        line = "%s: spike +%s credits ($%s)" % (
            w.project, money(spike[0]["excess_credits"]),
            money(spike[0]["excess_usd"]))
        el = H.load(page).elements
        tips = [next(t for tg, _, t in el[i + 1:] if tg == "title")
                for i, (tag, a, _) in enumerate(el) if tag == "g" and
                a.get("class") == "mark" and a.get("data-name") ==
                w.spike_day]
        if len(tips) != 2 or any(line not in t.split("\n") for t in tips):
            errors.append("the marks of %s: %r, want a line %r" % (
                w.spike_day, tips, line))
        errors += htmlcheck("fold", page, "t-anomalies")
    s.check("the page: budgets and anomalies tables are the CSVs' figures, "
            "bars drawn to them, the chart marks each day with a spike or "
            "new project (the injected spike's with its project and "
            "excess), every file linked", errors)

    # summary.md
    errors = []
    summ = open(os.path.join(R, "summary.md"), encoding="utf-8").read()
    order = {"over": 0, "projected_over": 1, "warning": 2, "ok": 3}
    want = ["| %s | %s%% | %s%% | %s |" % (
        g["budget"], money(g["used_pct"]), money(g["projected_pct"]),
        g["status"] if g["status"] == "ok" else "**%s**" % g["status"])
        for g in sorted(got, key=lambda g: order[g["status"]])]
    lines = summ.splitlines()
    try:
        i = lines.index("## Budgets")
        j = lines.index("| budget | used | projected | status |", i)
        if lines[j + 2:j + 2 + len(want)] != want:
            errors.append("budgets: %s, want %s" % (
                lines[j + 2:j + 2 + len(want)], want))
    except ValueError:
        errors.append("no budgets table in summary.md")

    def usd(v):
        v = Decimal(v)
        return ("-$" if v < 0 else "$") + money(abs(v))
    want = ["| %s | %s | %s | %s | %s |" % (
        x["day"], x["project"], x["kind"], money(x["excess_credits"]),
        usd(x["excess_usd"])) for x in anomalies[:5]]
    try:
        i = lines.index("## Anomalies")
        j = lines.index("| day | project | kind | excess credits | excess "
                        "USD |", i)
        if lines[j + 2:j + 2 + len(want)] != want or \
                not lines[j + 2 + len(want)].strip() == "":
            errors.append("anomalies: %s, want %s" % (
                lines[j + 2:j + 3 + len(want)], want))
        if not lines[i + 2].startswith("%d from " % len(anomalies)):
            errors.append("count line %r" % lines[i + 2])
    except (ValueError, IndexError):
        errors.append("no anomalies table in summary.md")
    if not any(w.project in x and w.spike_day in x for x in lines):
        errors.append("the spike is not in summary.md")
    s.check("summary.md: the budgets (not ok first) and the 5 largest "
            "anomalies (the spike among them), figures from the CSVs",
            errors)
    return R


def check_closed_week(s, w):
    R = os.path.join(w.tmp, "R1w")
    r = w.run("--last", "1w", "--db", w.db, "--budgets", w.budgets,
              "--teams", w.teams, "--quiet", "-o", R)
    errors = []
    if r.returncode != 0:
        s.ko("run --last 1w", "exit %d: %s" % (r.returncode,
                                               r.stderr.decode()[-300:]))
        return
    run = json.load(open(os.path.join(R, "run.json")))
    at = dt.date.fromisoformat(run["end"][:10]) + dt.timedelta(days=1)
    got = read_csv(os.path.join(R, "budgets.csv"))
    if at.weekday() != 0:
        errors.append("--last 1w ends on %s, not a Sunday" % run["end"])
    check_spent(w, got, at, errors, "--last 1w")
    for g in got:
        if w.scopes[g["budget"]][0] == "week" and (
                g["projected_credits"] != g["spent_credits"] or
                g["projected_pct"] != g["used_pct"]):
            errors.append("%s: projected %s, spent %s in a finished week" %
                          (g["budget"], g["projected_credits"],
                           g["spent_credits"]))
    b = read_csv(os.path.join(R, "anomalies.csv"))
    a = w.tool("anomalies", "--db", w.db, "--at", at.isoformat(),
               "--csv-safe", "--format", "csv")
    if a.stdout != open(os.path.join(R, "anomalies.csv"), "rb").read():
        errors.append("anomalies.csv differs from anomalies --at %s (%d "
                      "rows)" % (at, len(b)))
    errors += htmlcheck("budgets", os.path.join(R, "index.html"),
                        os.path.join(R, "budgets.csv"))
    s.check("run --last 1w: each week budget is the finished ISO week, "
            "complete (projected = spent), each month the one holding its "
            "Sunday; spent exact", errors)


def check_no_db(s, w):
    R = os.path.join(w.tmp, "Rnodb")
    r = w.run("--last", "7d", "--compare", "--budgets", w.budgets,
              "--teams", w.teams, "--quiet", "-o", R)
    if r.returncode != 0:
        s.ko("run --compare --budgets (no --db)", "exit %d: %s" % (
            r.returncode, r.stderr.decode()[-300:]))
        return
    run = json.load(open(os.path.join(R, "run.json")))
    D = (dt.date.fromisoformat(run["end"][:10]) +
         dt.timedelta(days=1)).isoformat()
    errors = []
    have = listing(R)
    if {"budgets.csv", "budgets.json"} - have or \
            {"anomalies.csv", "anomalies.json"} & have:
        errors.append("files: %s" % sorted(have))
    for fmt in ("csv", "json"):
        b = w.tool("budget", "--at", D, "--budgets", w.budgets, "--teams",
                   w.teams, "--csv-safe", "--format", fmt,
                   os.path.join(R, "export"), os.path.join(R, "previous"))
        if b.returncode != 0 or (b.stdout != open(os.path.join(
                R, "budgets." + fmt), "rb").read() and all(
                period(k, dt.date.fromisoformat(D)) == period(
                    k, dt.date.fromisoformat(D) - dt.timedelta(days=1))
                for k, _ in w.scopes.values())):
            errors.append("budgets.%s differs from budget --at %s EXPORT "
                          "PREVIOUS" % (fmt, D))
    page = os.path.join(R, "index.html")
    errors += htmlcheck("none", page, "anomalies", "t-anomalies")
    errors += htmlcheck("budgets", page, os.path.join(R, "budgets.csv"))
    if "## Anomalies" in open(os.path.join(R, "summary.md")).read():
        errors.append("summary.md has anomalies without --db")
    # html --budgets over the same exports: the same figures
    P = os.path.join(w.tmp, "page-budgets.html")
    h = w.tool("html", "--budgets", w.budgets, "--teams", w.teams, "-o", P,
               "--previous", os.path.join(R, "previous"),
               os.path.join(R, "export"))
    if h.returncode != 0:
        errors.append("html --budgets: exit %d: %s" % (
            h.returncode, h.stderr.decode()[-200:]))
    else:
        errors += htmlcheck("budgets", P, os.path.join(R, "budgets.csv"))
    s.check("without --db: budgets from the export and the previous one "
            "(budget --at D EXPORT PREVIOUS), no anomalies; html --budgets "
            "over them shows budgets.csv's figures", errors)


def check_plain_and_stale(s, w, R):
    if R is None:
        s.ko("without --budgets and --db; stale artifacts", "the first "
             "run failed")
        return
    # a run with neither
    R2 = os.path.join(w.tmp, "Rplain")
    r = w.tool("run", "--from", os.path.join(R, "export"), "--quiet", "-o",
               R2)
    errors = []
    if r.returncode != 0:
        errors.append("exit %d: %s" % (r.returncode,
                                       r.stderr.decode()[-300:]))
    else:
        have = listing(R2)
        if NEW_FILES & have:
            errors.append("files %s" % sorted(NEW_FILES & have))
        errors += htmlcheck("none", os.path.join(R2, "index.html"),
                            "budgets", "t-budgets", "anomalies",
                            "t-anomalies")
        summ = open(os.path.join(R2, "summary.md")).read()
        if "## Budgets" in summ or "## Anomalies" in summ:
            errors.append("summary.md has budgets or anomalies")
    s.check("without --budgets and --db: no budgets or anomalies files, "
            "sections or summary lines", errors)

    # again into the first run's directory: nothing of it stays
    errors = []
    r = w.tool("run", "--from", os.path.join(R, "export"), "--quiet", "-o",
               R)
    if r.returncode != 0:
        errors.append("exit %d: %s" % (r.returncode,
                                       r.stderr.decode()[-300:]))
    have = listing(R)
    if NEW_FILES & have:
        errors.append("the older run's %s stayed" % sorted(NEW_FILES &
                                                             have))
    run = json.load(open(os.path.join(R, "run.json")))
    if set(run["files"]) != have:
        errors.append("run.json files %s, directory %s" % (
            sorted(run["files"]), sorted(have)))
    errors += htmlcheck("self-contained", os.path.join(R, "index.html"), R)
    s.check("a later run into the same directory without --budgets and "
            "--db leaves no budgets.* or anomalies.* of the earlier one",
            errors)


def check_bad(s, w):
    errors = []
    bad = os.path.join(w.tmp, "bad.yaml")
    with open(bad, "w") as f:
        f.write("budgets:\n  - name: a\n    scope: org\n"
                "    period: fortnight\n")
    team = os.path.join(w.tmp, "team.yaml")
    with open(team, "w") as f:
        f.write("budgets:\n  - name: t\n    team: t1\n    period: week\n"
                "    credits: 5\n")
    before = len(w.d.state()["jobs"])
    for name, args, env, where in (
            ("bad period", ["--budgets", bad], None, bad + ":4:"),
            ("team without --teams", ["--budgets", team], None,
             team + ":3:"),
            ("bad $CIRCLECI_USAGE_BUDGETS", [],
             dict(w.env, CIRCLECI_USAGE_BUDGETS=bad), bad + ":4:")):
        R = os.path.join(w.tmp, "Rbad")
        r = w.run("--last", "7d", "--db", w.db, "-o", R, *args, env=env)
        err = r.stderr.decode()
        if r.returncode != 2 or where not in err:
            errors.append("%s: exit %d, %r" % (name, r.returncode,
                                               err[-200:]))
        if os.path.exists(R):
            errors.append("%s: %s was created" % (name, R))
    after = len(w.d.state()["jobs"])
    if after != before:
        errors.append("%d export jobs created" % (after - before))
    s.check("a bad budgets file (a bad period, a team without --teams, "
            "through $CIRCLECI_USAGE_BUDGETS) exits 2 with its file and "
            "line, before any export", errors)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--quick", action="store_true")
    a = ap.parse_args()
    s = Suite()
    tmp = tempfile.mkdtemp(prefix="cu-runbudget-")
    w = World(a, tmp)
    w.d = None
    try:
        setup(w, a.quick)
        R = None
        for step in (lambda: check_main(s, w, a.quick),
                     lambda: check_closed_week(s, w),
                     lambda: check_no_db(s, w),
                     lambda: check_bad(s, w)):
            try:
                got = step()
                R = got if got is not None else R
            except (OSError, ValueError, KeyError, RuntimeError,
                    subprocess.SubprocessError) as e:
                s.ko("runbudget step", repr(e)[:400])
        try:
            check_plain_and_stale(s, w, R)
        except (OSError, ValueError, KeyError) as e:
            s.ko("plain and stale", repr(e)[:400])
    except (OSError, RuntimeError, subprocess.SubprocessError) as e:
        s.ko("runbudget set-up", repr(e)[:400])
    finally:
        if w.d is not None:
            w.d.stop()
    s.summary()
    if s.failed == 0:
        scratch.rmtree(tmp)
    else:
        print("temp files kept in %s" % tmp)
    return 1 if s.failed else 0


if __name__ == "__main__":
    sys.exit(main())
