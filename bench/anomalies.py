#!/usr/bin/env python3
"""anomalies.py [--bin BIN] [--rows N] [--spikes N] [--seed S] [--keep DIR]:
the evidence behind `anomalies`' defaults (doc/anomalies.md).

Generates one data set twice with tests/gen/genexport.py, the same seed:
clean, and with N spikes injected (--spike PROJECT:DAY:FACTOR, factors
1.5, 2, 3 and 5, on project-days that have runs, in the 28 days examined).
Then runs `anomalies --days 28 --at LAST+1` on the spiked set for a small
grid of --threshold and --min-excess and counts, for each:

  detection  injected spikes found (a spike or new row on that project and
             day) / injected spikes whose added credits reach --min-excess
             (a smaller one is not news by design; all spikes: detected_all)
  false      rows of kind spike or new on a project-day with no spike, per
             1,000 project-days examined (projects with credits in the
             loaded days x 28).  The generator's own data has bursts (a
             benchmark workflow on one day), so some of these are real
             bursts, not noise: the figure is an upper bound.

and the speed: `anomalies` and `report --by project,day` on the same data
(best of 3, wall clock), rows per second.  Prints a table and the line for
the defaults; exits 1 when a run fails or the defaults find no spike.
Python 3 standard library only.
"""
import argparse
import csv
import datetime as dt
import io
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from decimal import Decimal

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, ".."))
GEN = os.path.join(ROOT, "tests", "gen", "genexport.py")
START = dt.date(2026, 9, 1)
DAYS = 63                       # 35 days of history, then 28 examined
EXAMINED = 28
FACTORS = (1.5, 2, 3, 5)
THRESHOLDS = ("2", "3", "4", "5", "6")
MIN_EXCESS = ("100", "500", "1000")
DEFAULTS = ("4", "500")


def gen(out, rows, seed, spikes=()):
    args = [sys.executable, GEN, "-o", out, "--rows", str(rows), "--parts",
            "4", "--procs", "2", "--seed", str(seed), "--start",
            START.isoformat(), "--days", str(DAYS), "--truth",
            out + ".json"]
    for sp in spikes:
        args += ["--spike", sp]
    subprocess.run(args, check=True)
    with open(out + ".json", encoding="utf-8") as f:
        return json.load(f)


def run_csv(args):
    p = subprocess.run(args, capture_output=True, text=True)
    if p.returncode != 0:
        raise RuntimeError("%s: exit %d: %s" % (" ".join(args),
                                                p.returncode, p.stderr))
    return list(csv.DictReader(io.StringIO(p.stdout)))


def best_of(args, n=3):
    best = None
    for _ in range(n):
        t0 = time.monotonic()
        subprocess.run(args, check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
        t = time.monotonic() - t0
        best = t if best is None or t < best else best
    return best


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bin", default=os.path.join(ROOT, "circleci-usage"))
    ap.add_argument("--rows", type=int, default=200000)
    ap.add_argument("--spikes", type=int, default=40)
    ap.add_argument("--seed", default="11")
    ap.add_argument("--keep", metavar="DIR")
    a = ap.parse_args()
    tmp = a.keep or tempfile.mkdtemp(prefix="cu-anom-bench.")
    last = START + dt.timedelta(days=DAYS - 1)
    first = last - dt.timedelta(days=EXAMINED - 1)
    env = dict(os.environ, CIRCLECI_USAGE_NOW=(
        last + dt.timedelta(days=1)).isoformat())

    clean = os.path.join(tmp, "clean")
    gen(clean, a.rows, a.seed)
    days = run_csv([a.bin, "report", "--by", "project,day", "--format",
                    "csv", "--since", first.isoformat(), "--until",
                    last.isoformat(), clean])
    cand = sorted((r["project"], r["day"]) for r in days
                  if Decimal(r["total_credits"]) > 0)
    rng = random.Random("anomalies-bench:%s" % a.seed)
    picked = rng.sample(cand, min(a.spikes, len(cand)))
    spikes = ["%s:%s:%s" % (p, d, FACTORS[i % len(FACTORS)])
              for i, (p, d) in enumerate(sorted(picked))]
    spiked = os.path.join(tmp, "spiked")
    truth = gen(spiked, a.rows, a.seed, spikes)
    injected = {(s["project"], s["day"]): Decimal(s["added_credits"])
                for s in truth["spikes"]}
    projects = {r["project"] for r in run_csv(
        [a.bin, "report", "--by", "project", "--format", "csv", "--since",
         (first - dt.timedelta(days=28)).isoformat(), "--until",
         last.isoformat(), spiked])}
    group_days = len(projects) * EXAMINED

    print("anomalies bench: %d rows, %d days (%s to %s examined), "
          "%d spikes injected (factors %s), %d project-days" % (
              a.rows, DAYS, first, last, len(injected),
              ", ".join(str(f) for f in FACTORS), group_days))
    print("%-9s %-10s %9s %13s %9s %13s" % (
        "threshold", "min_excess", "material", "detected", "all",
        "false/1000"))
    result = {}
    for th in THRESHOLDS:
        for mx in MIN_EXCESS:
            rows = run_csv([a.bin, "anomalies", "--format", "csv",
                            "--days", str(EXAMINED), "--at",
                            (last + dt.timedelta(days=1)).isoformat(),
                            "--threshold", th,
                            "--min-excess", mx, spiked])
            found = {(r["project"], r["day"]) for r in rows
                     if r["kind"] in ("spike", "new")}
            material = {k for k, v in injected.items() if v >= Decimal(mx)}
            det = len(found & material)
            det_all = len(found & set(injected))
            false = len(found - set(injected))
            rate = det / len(material) if material else 0.0
            fa = 1000.0 * false / group_days
            result[(th, mx)] = (rate, fa, det, len(material), det_all)
            mark = "  <- defaults" if (th, mx) == DEFAULTS else ""
            print("%-9s %-10s %9d %6d (%3.0f%%) %5d/%-3d %13.1f%s" % (
                th, mx, len(material), det, 100 * rate, det_all,
                len(injected), fa, mark))

    # the defaults, spike by spike: by factor
    rows = run_csv([a.bin, "anomalies", "--format", "csv", "--days",
                    str(EXAMINED), "--at", (last + dt.timedelta(days=1)).isoformat(), spiked])
    found = {(r["project"], r["day"]) for r in rows
             if r["kind"] in ("spike", "new")}
    by_factor = []
    for f in FACTORS:
        mine = [s for s in truth["spikes"] if s["factor"] == float(f) and
                Decimal(s["added_credits"]) >= Decimal(DEFAULTS[1])]
        hit = [s for s in mine if (s["project"], s["day"]) in found]
        by_factor.append("x%s %d/%d" % (f, len(hit), len(mine)))
    print("defaults by factor (material spikes): %s" % ", ".join(by_factor))
    t_anom = best_of([a.bin, "anomalies", "--format", "csv", "--days",
                      str(EXAMINED), "--at", (last + dt.timedelta(days=1)).isoformat(), spiked])
    t_rep = best_of([a.bin, "report", "--by", "project,day", "--format",
                     "csv", spiked])
    nrows = truth["rows_read"]
    rate, fa, det, mat, _ = result[DEFAULTS]
    print("defaults (--threshold %s --min-excess %s): detection %.0f%% "
          "(%d of %d spikes of at least %s credits), %.1f false alarms "
          "per 1,000 project-days" % (DEFAULTS[0], DEFAULTS[1], 100 * rate,
                                      det, mat, DEFAULTS[1], fa))
    print("speed: anomalies %.3f s (%.0f rows/s), report --by project,day "
          "%.3f s, on %d rows" % (t_anom, nrows / t_anom, t_rep, nrows))
    del env
    return 0 if det > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
