#!/usr/bin/env python3
"""budget.py --bin BIN [--quick]: `budget` end to end, "now" pinned.

On an export from tests/gen/genexport.py (60 days up to yesterday):
  * spent so far is exact to the last digit (and spent_usd to the cent)
    against an independent re-sum of the generator's CSV, for every scope
    (the org, a project glob, a team, a --by key's value) and period
    (week, month), at the pinned now and at other --at days;
  * the projection, runs_out and the status are those of the rule of
    doc/budgets.md (weekday means of the last 28 days, 6 decimals),
    recomputed here; with a shorter history (--at near the data's start)
    the fallbacks; days on and after --at are left out;
  * a steady series (a repeating weekly pattern) projects its week and
    month exactly at every --at; the generator's noisy series projects
    each whole week from its Monday within 50% of what it spent (the
    backtest of `make bench` measures the error: doc/budgets.md);
  * statuses at the thresholds: exactly 50% is a warning at 50, exactly
    the amount is over, between spent and projected is projected_over;
  * --db (after ingest) gives the same bytes as the files;
  * every format; a bad budgets file names the file and line (exit 2),
    so does a team scope without --teams or with an unknown team; no
    budgets file is a usage error; CIRCLECI_USAGE_BUDGETS is read.

Prints `PASS name` / `FAIL name: reason` per check and a last line
`N passed, M failed`; exits 1 if any check failed.
"""

import csv
import datetime as dt
import glob
import gzip
import io
import json
import os
import subprocess
import sys
from decimal import Decimal, ROUND_HALF_UP
from fnmatch import fnmatchcase

import pinnow  # pins CIRCLECI_USAGE_NOW
import scratch  # keeps files and outputs for run.sh's secrets scan
import tally

HERE = os.path.dirname(os.path.abspath(__file__))
GEN = os.path.join(HERE, "..", "gen", "genexport.py")
CENT = Decimal("0.01")
MICRO = Decimal("0.000001")
PRICE = Decimal("0.0006")


def run(binary, *args, env=None, check=True):
    r = subprocess.run([binary] + list(args), capture_output=True,
                       timeout=300, env=env)
    if check and r.returncode != 0:
        raise RuntimeError("%s: exit %d: %s" % (" ".join(args[:2]),
                           r.returncode, r.stderr.decode()[-300:]))
    return r


def d(s):
    return dt.date.fromisoformat(s)


def rows_of(export):
    """(day, project, resource_class, credits) of every row."""
    out = []
    for p in sorted(glob.glob(os.path.join(export, "*.csv.gz"))):
        with gzip.open(p, "rt", newline="") as f:
            for r in csv.DictReader(f):
                out.append((d(r["JOB_RUN_DATE"][:10]), r["PROJECT_NAME"],
                            r["RESOURCE_CLASS"],
                            Decimal(r["TOTAL_CREDITS"])))
    return out


def pct(part, whole):
    return (part * 100 / whole).quantize(CENT, rounding=ROUND_HALF_UP)


def period(kind, at):
    if kind == "week":
        s = at - dt.timedelta(days=at.weekday())
        return s, s + dt.timedelta(days=6)
    s = at.replace(day=1)
    n = (s.replace(year=s.year + 1, month=1) if s.month == 12 else
         s.replace(month=s.month + 1))
    return s, n - dt.timedelta(days=1)


def model(daily, first_day, at, kind, amount, thresholds):
    """The documented rule, independently: spent, projected, runs_out,
    status, threshold, history days."""
    start, end = period(kind, at)
    lo = max(first_day, at - dt.timedelta(days=28))
    hist = [(lo + dt.timedelta(days=i)) for i in range((at - lo).days)]
    if len(hist) >= 7:
        exp = {}
        for w in range(7):
            v = [daily.get(x, Decimal(0)) for x in hist if x.weekday() == w]
            exp[w] = (sum(v) / len(v)).quantize(MICRO, ROUND_HALF_UP)
    elif hist:
        m = (sum(daily.get(x, Decimal(0)) for x in hist) /
             len(hist)).quantize(MICRO, ROUND_HALF_UP)
        exp = {w: m for w in range(7)}
    else:
        exp = {w: Decimal(0) for w in range(7)}
    cum, spent, runs_out = Decimal(0), Decimal(0), ""
    x = start
    while x <= end:
        cum += daily.get(x, Decimal(0)) if x < at else exp[x.weekday()]
        if x < at:
            spent = cum
        if not runs_out and cum >= amount:
            runs_out = x.isoformat()
        x += dt.timedelta(days=1)
    used = pct(spent, amount)
    crossed = [t for t in thresholds if used >= t]
    if spent >= amount:
        status = "over"
    elif cum > amount:
        status = "projected_over"
    elif crossed:
        status = "warning"
    else:
        status = "ok"
    return {"spent": spent, "projected": cum, "runs_out": runs_out,
            "status": status, "used_pct": used,
            "threshold": crossed[-1] if crossed else None,
            "history_days": len(hist), "start": start, "end": end}


def budget_csv(binary, args, env=None):
    r = run(binary, "budget", "--format", "csv", *args, env=env)
    return list(csv.DictReader(io.StringIO(r.stdout.decode()))), r.stdout


def write(path, text):
    with open(path, "w") as f:
        f.write(text)


def checks(suite, binary, T, quick):
    exp = os.path.join(T, "export")
    subprocess.run([sys.executable, GEN, "-o", exp, "--rows",
                    "8000" if quick else "30000", "--parts", "3",
                    "--seed", "7", "--start", pinnow.day(-60),
                    "--days", "60"], check=True, capture_output=True)
    rows = rows_of(exp)
    first_day = min(r[0] for r in rows)
    projects = sorted({r[1] for r in rows if r[1] not in ("", "\\N")})
    glob_p = projects[0][:3] + "*"
    team_pats = projects[1:4]
    rclass = sorted({r[2] for r in rows if r[2] not in ("", "\\N")})[0]
    scopes = {
        "org": lambda r: True,
        "proj": lambda r: fnmatchcase(r[1], glob_p),
        "team": lambda r: r[1] in team_pats,
        "rc": lambda r: fnmatchcase(r[2], rclass),
    }
    teams = os.path.join(T, "teams.yaml")
    write(teams, "teams:\n  t1: [%s]\n  t2: ['*']\n" %
          ", ".join('"%s"' % p for p in team_pats))
    big = Decimal(10) ** 9
    yaml = ["budgets:"]
    for name, scope in (("org", "scope: org"),
                        ("proj", 'project: "%s"' % glob_p),
                        ("team", "team: t1"),
                        ("rc", 'by: {resource_class: "%s"}' % rclass)):
        for kind in ("week", "month"):
            yaml.append("  - {name: %s-%s, %s, period: %s, credits: %s}"
                        % (name, kind, scope, kind, big))
    bfile = os.path.join(T, "budgets.yaml")
    write(bfile, "\n".join(yaml) + "\n")

    def daily_of(name):
        out = {}
        for r in rows:
            if scopes[name](r):
                out[r[0]] = out.get(r[0], Decimal(0)) + r[3]
        return out
    dailies = {n: daily_of(n) for n in scopes}
    now = pinnow.NOW.date()
    ats = [now, now - dt.timedelta(days=9), now - dt.timedelta(days=17),
           first_day + dt.timedelta(days=3),
           first_day + dt.timedelta(days=12)]
    errs, proj_errs = [], []
    for at in ats:
        args = ["--budgets", bfile, "--teams", teams, exp]
        if at != now:
            args = ["--at", at.isoformat()] + args
        got, _ = budget_csv(binary, args)
        for g in got:
            name, kind = g["budget"].rsplit("-", 1)
            m = model(dailies[name], first_day, at, kind, big,
                      [Decimal(x) for x in (50, 75, 90, 100)])
            where = "%s at %s" % (g["budget"], at)
            if Decimal(g["spent_credits"]) != m["spent"]:
                errs.append("%s: spent %s, re-sum %s" % (
                    where, g["spent_credits"], m["spent"]))
            if Decimal(g["spent_usd"]) != (m["spent"] * PRICE).quantize(
                    CENT, ROUND_HALF_UP):
                errs.append("%s: spent_usd %s" % (where, g["spent_usd"]))
            if (g["start"], g["end"]) != (m["start"].isoformat(),
                                          m["end"].isoformat()):
                errs.append("%s: period %s..%s" % (where, g["start"],
                                                   g["end"]))
            if Decimal(g["projected_credits"]) != m["projected"]:
                proj_errs.append("%s: projected %s, the rule gives %s" % (
                    where, g["projected_credits"], m["projected"]))
            if int(g["history_days"]) != m["history_days"]:
                proj_errs.append("%s: history_days %s, expected %d" % (
                    where, g["history_days"], m["history_days"]))
    suite.check("spent so far exact against a re-sum of the CSV (4 scopes,"
                " week and month, 5 days of --at)", errs)
    suite.check("projection and history_days as the documented rule, with"
                " the fallbacks near the data's start", proj_errs)

    # a steady series: each whole week from its Monday, against its actual
    errs, worst = [], Decimal(0)
    org = dailies["org"]
    mon = first_day + dt.timedelta(days=(7 - first_day.weekday()) % 7 + 28)
    while mon + dt.timedelta(days=6) < now:
        w1 = "budgets:\n  - {name: w, scope: org, period: week, credits: 1}\n"
        write(bfile + ".w", w1)
        got, _ = budget_csv(binary, ["--at", mon.isoformat(), "--budgets",
                                     bfile + ".w", exp])
        actual = sum(org.get(mon + dt.timedelta(days=i), Decimal(0))
                     for i in range(7))
        e = abs(Decimal(got[0]["projected_credits"]) - actual) / actual
        worst = max(worst, e)
        if e > Decimal("0.5"):
            errs.append("week of %s: projected %s, actual %s" % (
                mon, got[0]["projected_credits"], actual))
        mon += dt.timedelta(days=7)
    suite.check("the generator's noisy series projects each whole week "
                "from its Monday within 50%% (worst %.1f%%)" % (worst * 100),
                errs)

    # a steady series (a weekday pattern, 6 weeks): projected exactly
    steady = os.path.join(T, "steady.csv")
    lines = ["JOB_ID,PROJECT_NAME,JOB_RUN_DATE,TOTAL_CREDITS"]
    for i in range(42):
        x = now - dt.timedelta(days=42 - i)
        lines.append("j%d,web,%s,%d.25" % (i, x, 100 * (x.weekday() + 1)))
    write(steady, "\n".join(lines) + "\n")
    write(bfile + ".w", "budgets:\n  - {name: w, scope: org, period: week,"
          " credits: 1}\n  - {name: m, scope: org, period: month, "
          "credits: 1}\n")
    errs = []
    for back in range(0, 14):
        at = now - dt.timedelta(days=back)
        got, _ = budget_csv(binary, ["--at", at.isoformat(), "--budgets",
                                     bfile + ".w", steady])
        for g, kind in zip(got, ("week", "month")):
            s_, e_ = period(kind, at)
            want = sum(Decimal(100 * (s_ + dt.timedelta(days=k)).weekday()
                               + 100) + Decimal("0.25")
                       for k in range((e_ - s_).days + 1))
            if Decimal(g["projected_credits"]) != want:
                errs.append("%s at %s: projected %s, the period's pattern "
                            "sums to %s" % (kind, at, g["projected_credits"],
                                            want))
    suite.check("a steady weekly pattern projects its week and month "
                "exactly (0% error) at every --at", errs)

    # statuses at the thresholds, on a Friday: four days spent, three
    # projected, so that twice the spend passes the projection
    at = now - dt.timedelta(days=(now.weekday() - 4) % 7 + 7)
    m = model(org, first_day, at, "week", big, [])
    spent, projected = m["spent"], m["projected"]
    cases = [("half", spent * 2, "warning", "50.00"),
             ("exact", spent, "over", "100.00"),
             ("between", (spent + projected) / 2, "projected_over", None),
             ("roomy", projected * 10, "ok", None),
             ("edge", projected, None, None)]
    yaml = ["budgets:"]
    for name, amount, _, _ in cases:
        yaml.append("  - {name: %s, scope: org, period: week, credits: %s}"
                    % (name, amount))
    write(bfile + ".s", "\n".join(yaml) + "\n")
    got, _ = budget_csv(binary, ["--at", at.isoformat(), "--budgets",
                                 bfile + ".s", exp])
    errs = []
    for (name, amount, status, thr), g in zip(cases, got):
        mm = model(org, first_day, at, "week", amount,
                   [Decimal(x) for x in (50, 75, 90, 100)])
        want = status or mm["status"]
        if g["status"] != want or g["status"] != mm["status"]:
            errs.append("%s: status %s, expected %s" % (name, g["status"],
                                                         want))
        if thr is not None and g["threshold"] != thr:
            errs.append("%s: threshold %s, expected %s" % (
                name, g["threshold"], thr))
        if g["runs_out"] != mm["runs_out"]:
            errs.append("%s: runs_out %s, expected %s" % (
                name, g["runs_out"], mm["runs_out"]))
    suite.check("statuses, thresholds and runs_out at the edges", errs)

    # more scope keys than grouping sets (4): one grouping of them all,
    # the same sums as a set of each
    yaml = ["budgets:"]
    for i, k in enumerate(("branch", "os", "executor", "workflow",
                           "resource_class")):
        yaml.append('  - {name: k%d, by: {%s: "*"}, period: week, '
                    'credits: 1}' % (i, k))
    yaml.append('  - {name: rc, by: {resource_class: "%s"}, period: month,'
                ' credits: 1}' % rclass)
    yaml.append('  - {name: p, project: "%s", period: week, credits: 1}'
                % glob_p)
    write(bfile + ".k", "\n".join(yaml) + "\n")
    got, _ = budget_csv(binary, ["--budgets", bfile + ".k", exp])
    errs = []
    for g, (name, kind) in zip(got[5:], (("rc", "month"), ("proj", "week"))):
        m = model(dailies[name], first_day, now, kind, big, [])
        if (Decimal(g["spent_credits"]), Decimal(g["projected_credits"])) \
                != (m["spent"], m["projected"]):
            errs.append("%s: spent %s projected %s, expected %s %s" % (
                g["budget"], g["spent_credits"], g["projected_credits"],
                m["spent"], m["projected"]))
    suite.check("six scope keys (more than the grouping sets): the same "
                "sums", errs)

    # --db gives the same as the files
    db = os.path.join(T, "usage.db")
    run(binary, "ingest", "--quiet", "--db", db, exp)
    _, a = budget_csv(binary, ["--budgets", bfile, "--teams", teams, exp])
    _, b = budget_csv(binary, ["--budgets", bfile, "--teams", teams,
                               "--db", db])
    suite.check("--db gives the same bytes as the files",
                [] if a == b else ["files:\n%s\n--db:\n%s" % (a, b)])

    # formats
    errs = []
    r = run(binary, "budget", "--budgets", bfile, "--teams", teams,
            "--format", "json", exp)
    j = json.loads(r.stdout)
    if len(j.get("rows", [])) != 8 or j["meta"]["at"] != now.isoformat():
        errs.append("json: %s" % r.stdout[:200])
    if j["meta"]["spent_through"] != (now - dt.timedelta(days=1)).isoformat():
        errs.append("json meta spent_through %s" % j["meta"])
    r = run(binary, "budget", "--budgets", bfile, "--teams", teams,
            "--format", "table", exp)
    if b"Budgets on " not in r.stdout or b"org-week" not in r.stdout:
        errs.append("table: %s" % r.stdout[:200])
    r = run(binary, "budget", "--budgets", bfile, "--teams", teams,
            "--format", "markdown", exp)
    if b"| budget" not in r.stdout:
        errs.append("markdown: %s" % r.stdout[:200])
    out = os.path.join(T, "b.json")
    run(binary, "budget", "--budgets", bfile, "--teams", teams, "-o", out,
        exp)
    with open(out) as f:
        if len(json.load(f)["rows"]) != 8:
            errs.append("-o b.json")
    env = dict(os.environ, CIRCLECI_USAGE_BUDGETS=bfile,
               CIRCLECI_USAGE_TEAMS=teams)
    _, c = budget_csv(binary, [exp], env=env)
    if c != a:
        errs.append("CIRCLECI_USAGE_BUDGETS and _TEAMS: other output")
    suite.check("every format, -o, the environment variables", errs)

    # errors
    errs = []

    def bad(text, args, want, code=2):
        write(bfile + ".bad", text)
        r = run(binary, "budget", "--budgets", bfile + ".bad", *args, exp,
                check=False)
        err = r.stderr.decode()
        if r.returncode != code or want not in err:
            errs.append("%r: exit %d, %s" % (text[:40], r.returncode, err))
    bad("budgets:\n  - name: a\n    period: fortnight\n", [],
        bfile + ".bad:3: budget 'a': 'period': expected week")
    bad("budgets:\n  - name: a\n    scope: org\n    period: week\n"
        "    credits: -1\n", [], bfile + ".bad:5: budget 'a': 'credits'")
    bad("budgets:\n  - {name: a, team: t1, period: week, credits: 1}\n", [],
        bfile + ".bad:2: budget 'a': team 't1' needs a teams file")
    bad("budgets:\n  - name: a\n    period: week\n    credits: 1\n"
        "    team: nope\n", ["--teams", teams],
        bfile + ".bad:5: budget 'a': expected a team of the teams file")
    bad("budgets: [\n", [], bfile + ".bad:2: not valid YAML")
    bad("budgets:\n  - {name: a, scope: org, period: week, usd: 5}\n",
        ["--credit-price", "0"], bfile + ".bad:2: budget 'a': usd needs")
    env = dict(os.environ)
    env.pop("CIRCLECI_USAGE_BUDGETS", None)
    r = run(binary, "budget", exp, env=env, check=False)
    if r.returncode != 2 or b"no budgets file" not in r.stderr:
        errs.append("no budgets file: exit %d %s" % (r.returncode,
                                                     r.stderr))
    r = run(binary, "budget", "--budgets", os.path.join(T, "none.yaml"),
            exp, check=False)
    if r.returncode != 2 or b"cannot open the budgets file" not in r.stderr:
        errs.append("missing file: exit %d" % r.returncode)
    r = run(binary, "budget", "--at", "2026-02-30", "--budgets", bfile, exp,
            check=False)
    if r.returncode != 2:
        errs.append("--at 2026-02-30: exit %d" % r.returncode)
    suite.check("errors name the file and line; usage errors exit 2", errs)

    # periods that began before the data: one warning naming how many
    # (4 budgets a period kind: a week or month begun before first_day)
    errs = []
    at = first_day + dt.timedelta(days=3)
    r = run(binary, "budget", "--at", at.isoformat(), "--budgets", bfile,
            "--teams", teams, "--format", "csv", exp)
    warn = [x for x in r.stderr.decode().splitlines()
            if "after the first day of" in x]
    month1 = at.replace(day=1)
    monday = at - dt.timedelta(days=at.weekday())
    n = 4 * ((month1 < first_day) + (monday < first_day))
    if n == 0:
        if warn:    # at some pinned dates no period begins before them
            errs.append("a warning with no period before the data: %s" %
                        warn)
    elif len(warn) != 1 or ("the data start on %s, after the first day of "
                            "%d budget periods" % (first_day, n)) \
            not in warn[0]:
        errs.append("warnings: %s" % warn)
    r = run(binary, "budget", "--at", (first_day + dt.timedelta(
        days=45)).isoformat(), "--budgets", bfile, "--teams", teams,
        "--format", "csv", exp)
    if b"after the first day of" in r.stderr:
        errs.append("a warning with the whole period in the data")
    suite.check("periods that began before the data: one warning naming "
                "how many and where to get the rest", errs)


def main():
    return tally.main("budget", [checks])

if __name__ == "__main__":
    sys.exit(main())
