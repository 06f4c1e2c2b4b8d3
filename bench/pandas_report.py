#!/usr/bin/python3
"""bench/pandas_report.py: the bench's pandas contender.

    /usr/bin/python3 bench/pandas_report.py [--dedup] DIR

The report as a pandas script would do it (and as the original tool did):
read every export part under DIR (*.csv.gz, at any depth) with
pandas.read_csv, concatenate, group by PROJECT_NAME, count the rows and sum
TOTAL_CREDITS.  Writes CSV (project,jobs,total_credits) to stdout, the
time spent after imports to stderr as `pandas_s=SECONDS`.

TOTAL_CREDITS goes through pandas.to_numeric(errors="coerce"): a malformed
value becomes NaN (counted as empty) rather than turning the column into
strings.  Sums are float64, as pandas does them; the truth check reports
the drift.  Every row counts unless --dedup (first row per JOB_ID, rows
without a JOB_ID dropped), which circleci-usage does by default.

Exit 3 when pandas is not importable, so bench/run.sh can say "skipped".
"""

import csv
import glob
import os
import sys
import time
import warnings


def main(argv):
    dedup = False
    args = []
    for a in argv:
        if a == "--dedup":
            dedup = True
        elif a.startswith("-"):
            sys.stderr.write("pandas_report: unknown option %s\n" % a)
            return 2
        else:
            args.append(a)
    if len(args) != 1:
        sys.stderr.write("usage: pandas_report.py [--dedup] DIR\n")
        return 2
    try:
        import pandas as pd
    except ImportError as e:
        sys.stderr.write("pandas_report: no pandas: %s\n" % e)
        return 3
    warnings.simplefilter("ignore")  # DtypeWarning on mixed columns

    t0 = time.monotonic()
    parts = sorted(glob.glob(os.path.join(args[0], "**", "*.csv.gz"),
                             recursive=True))
    if not parts:
        sys.stderr.write("pandas_report: no *.csv.gz under %s\n" % args[0])
        return 1
    df = pd.concat([pd.read_csv(p) for p in parts], ignore_index=True)
    if dedup:
        df = df[df["JOB_ID"].notna() & (df["JOB_ID"] != "")]
        df = df.drop_duplicates(subset="JOB_ID", keep="first")
    df["TOTAL_CREDITS"] = pd.to_numeric(df["TOTAL_CREDITS"], errors="coerce")
    g = df.groupby("PROJECT_NAME", dropna=False)["TOTAL_CREDITS"].agg(
        ["size", "sum"])
    t1 = time.monotonic()

    w = csv.writer(sys.stdout, lineterminator="\n")
    w.writerow(["project", "jobs", "total_credits"])
    for project, row in g.sort_index().iterrows():
        name = "" if pd.isna(project) else str(project)
        # repr: the float64 exactly as summed, shortest round trip
        w.writerow([name, int(row["size"]), repr(float(row["sum"]))])
    sys.stderr.write("pandas_s=%.3f\n" % (t1 - t0))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
