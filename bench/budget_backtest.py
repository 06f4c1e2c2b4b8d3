#!/usr/bin/env python3
"""budget_backtest.py: the error of `budget`'s projection, measured.

For every day of every whole period (week, month) a data set covers, runs
`circleci-usage budget --at DAY` (an org-wide weekly and monthly budget)
and compares the projected spend with what the period actually spent
(`report --by day`).  Prints the mean absolute percentage error (MAPE) by
day of period: day 1 is the period's first day, when nothing of it is
known yet and the projection is the weekday means alone; on the last day
all but one day is known.

Data sets: the generator's (tests/gen/genexport.py, 12 weeks from a
Monday, 100,000 job runs: four weeks of history before each period
measured) and the bench set of `make bench` (1,000,000 runs over
2026-10-01..31, from $BENCH_DATA or the bench cache, when there: a
single month, so every projection in it runs on the fallbacks of a short
history).  `make bench` runs it after bench/run.sh; alone:

    python3 bench/budget_backtest.py [--bin ./circleci-usage]
        [--data DIR ...] [--no-gen]
"""

import argparse
import csv
import datetime as dt
import glob
import io
import os
import subprocess
import sys
import tempfile
from decimal import Decimal

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
GEN = os.path.join(REPO, "tests", "gen", "genexport.py")
BUDGETS = ("budgets:\n"
           "  - {name: week, scope: org, period: week, credits: 1}\n"
           "  - {name: month, scope: org, period: month, credits: 1}\n")


def run(binary, *args):
    r = subprocess.run([binary] + list(args), capture_output=True,
                       check=True, timeout=600)
    return list(csv.DictReader(io.StringIO(r.stdout.decode())))


def period(kind, at):
    if kind == "week":
        s = at - dt.timedelta(days=at.weekday())
        return s, s + dt.timedelta(days=6)
    s = at.replace(day=1)
    n = (s.replace(year=s.year + 1, month=1) if s.month == 12 else
         s.replace(month=s.month + 1))
    return s, n - dt.timedelta(days=1)


def backtest(binary, data, bfile):
    """{kind: {day_of_period: [abs pct errors]}} and the periods seen."""
    daily = {dt.date.fromisoformat(r["day"]): Decimal(r["total_credits"])
             for r in run(binary, "report", "--by", "day", "--format",
                          "csv", data)}
    first, last = min(daily), max(daily)
    errs, periods = {}, {}
    at = first
    while at <= last:
        want = []
        for kind in ("week", "month"):
            s, e = period(kind, at)
            if s >= first and e <= last:
                want.append(kind)
        if want:
            got = {r["budget"]: r for r in run(
                binary, "budget", "--at", at.isoformat(), "--budgets",
                bfile, "--format", "csv", data)}
            for kind in want:
                s, e = period(kind, at)
                actual = sum(daily.get(s + dt.timedelta(days=i), Decimal(0))
                             for i in range((e - s).days + 1))
                proj = Decimal(got[kind]["projected_credits"])
                k = (at - s).days + 1
                full = int(got[kind]["history_days"]) == 28
                key = (kind, full)
                errs.setdefault(key, {}).setdefault(k, []).append(
                    abs(proj - actual) / actual * 100)
                periods.setdefault(key, set()).add(s)
        at += dt.timedelta(days=1)
    return errs, periods


def show(name, errs, periods):
    print(name)
    for kind, full in (("week", True), ("month", True), ("week", False),
                       ("month", False)):
        e = errs.get((kind, full))
        if not e:
            continue
        print("%s budgets, %s (%d periods): MAPE by day of period" % (
            kind, "4 weeks of history" if full else
            "less history (the fallbacks)", len(periods[(kind, full)])))
        print("  day  " + "".join("%6d" % k for k in sorted(e)))
        print("  MAPE " + "".join("%5.1f%%" % (sum(v) / len(v))
                                  for _, v in sorted(e.items())))
        allv = [x for v in e.values() for x in v]
        print("  mean over these days %.1f%%, worst single projection %.1f%%"
              % (sum(allv) / len(allv), max(allv)))


def bench_set():
    if os.environ.get("BENCH_DATA"):
        return os.environ["BENCH_DATA"]
    cache = os.environ.get("CIRCLECI_USAGE_BENCH_CACHE") or os.path.join(
        os.path.expanduser("~"), ".cache", "circleci-usage-bench")
    d = os.path.join(cache, "data-1m")
    return d if os.path.isdir(d) else None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=os.path.join(REPO, "circleci-usage"))
    ap.add_argument("--data", action="append", default=[])
    ap.add_argument("--no-gen", action="store_true")
    a = ap.parse_args()
    binary = os.path.abspath(a.bin)
    tmp = tempfile.mkdtemp(prefix="cu-backtest.")
    bfile = os.path.join(tmp, "budgets.yaml")
    with open(bfile, "w") as f:
        f.write(BUDGETS)
    sets = []
    if not a.no_gen:
        gen = os.path.join(tmp, "gen")
        subprocess.run([sys.executable, GEN, "-o", gen, "--rows", "100000",
                        "--parts", "2", "--seed", "11", "--start",
                        "2026-08-31", "--days", "84"], check=True,
                       capture_output=True)
        sets.append(("generator (84 days from Monday 2026-08-31, 100k "
                     "runs)", gen))
    b = bench_set()
    if b and not a.data:
        sets.append(("bench set (%s)" % b, b))
    elif not a.data:
        print("budget backtest: no bench set (run bench/run.sh first, or "
              "BENCH_DATA=DIR)")
    for d in a.data:
        sets.append((d, d))
    try:
        for name, d in sets:
            errs, periods = backtest(binary, d, bfile)
            show(name, errs, periods)
    finally:
        subprocess.run(["rm", "-rf", tmp])
    return 0


if __name__ == "__main__":
    sys.exit(main())
