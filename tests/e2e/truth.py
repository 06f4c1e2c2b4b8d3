#!/usr/bin/env python3
"""truth.py --bin BIN [--quick]: end-to-end checks against generated truth.

For each dialect case, tests/gen/genexport.py writes a small export and the
exact sums computed while writing it; `BIN report --by KEY` (CSV and JSON)
must match them for every key, cell by cell (Decimal equality), with rows
sorted by total_credits descending, ties by key ascending.  Further checks:
--strict, missing required columns, stdin, the same directory twice,
--keep-duplicates, and --threads determinism.

Prints `PASS name` / `FAIL name: reason` per check and a last line
`N passed, M failed`; exits 1 if any check failed.  Python 3 standard
library only.
"""

import argparse
import concurrent.futures
import csv
import io
import json
import os
import re
import subprocess
import sys
import tempfile
from decimal import Decimal, InvalidOperation

import scratch  # keeps files and outputs for run.sh's secrets scan
from tally import Suite  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
GEN = os.path.join(HERE, "..", "gen", "genexport.py")

METRICS = ("jobs", "run_seconds", "compute_credits", "dlc_credits",
           "user_credits", "storage_credits", "network_credits",
           "lease_credits", "lease_overage_credits", "ipranges_credits",
           "total_credits", "cost_usd", "share_pct")
KEY_COLS = {
    "project": ("project",),
    "workflow": ("project", "workflow"),
    "job": ("project", "workflow", "job"),
    "branch": ("branch",), "resource_class": ("resource_class",),
    "executor": ("executor",), "os": ("os",), "status": ("status",),
    "org": ("org",), "trigger": ("trigger",), "user": ("user",),
    "day": ("day",), "week": ("week",), "month": ("month",),
    "project,resource_class": ("project", "resource_class"),
}

EVERYTHING = ["--quote", "none", "--null", "empty", "--crlf", "--bom",
              "--swap-id", "--shuffle-columns", "--extra-column",
              "--trim-columns", "--bools", "yn", "--ts", "iso",
              "--multi-member", "--tricky-names", "--dup-rows", "40",
              "--bad-rows", "21", "--bad-values", "25"]

# (name, generator options, in --quick)
CASES = [
    ("default", [], True),
    ("quote-all", ["--quote", "all"], False),
    ("quote-none-tricky", ["--quote", "none", "--tricky-names"], True),
    ("tricky-minimal", ["--tricky-names"], False),
    ("tricky-all-null-empty", ["--quote", "all", "--tricky-names",
                               "--null", "empty"], False),
    ("null-empty", ["--null", "empty"], False),
    ("crlf-tricky", ["--crlf", "--tricky-names"], False),
    ("bom", ["--bom"], False),
    ("bom-quote-none", ["--bom", "--quote", "none"], False),
    ("swap-id", ["--swap-id"], False),
    ("shuffle-extra", ["--shuffle-columns", "--extra-column"], True),
    ("trim-columns", ["--trim-columns"], False),
    ("bools-yn", ["--bools", "yn"], False),
    ("bools-10", ["--bools", "10"], False),
    ("ts-iso", ["--ts", "iso"], False),
    ("multi-member", ["--multi-member"], False),
    ("plain", ["--plain"], False),
    ("plain-quote-none-crlf", ["--plain", "--quote", "none", "--crlf",
                               "--tricky-names"], False),
    ("year-end", ["--start", "2026-12-20", "--days", "20"], False),
    ("dup-rows", ["--dup-rows", "120"], True),
    ("bad-rows-values", ["--bad-rows", "35", "--bad-values", "50"], True),
    ("bad-values-only", ["--bad-values", "12"], False),
    ("everything", EVERYTHING, True),
    ("everything-quoted-plain", ["--quote", "all", "--crlf", "--bom",
                                 "--plain", "--swap-id", "--shuffle-columns",
                                 "--extra-column", "--trim-columns",
                                 "--tricky-names", "--bools", "10",
                                 "--dup-rows", "30", "--bad-rows", "14",
                                 "--bad-values", "20"], False),
    # parts of several MB: many buffer refills, records across them
    ("large-everything", EVERYTHING, False, 40000, 2),
    ("large-quote-all", ["--quote", "all", "--tricky-names", "--crlf",
                         "--multi-member"], False, 30000, 2),
]


class Run:
    __slots__ = ("rc", "out", "err")

    def __init__(self, rc, out, err):
        self.rc, self.out, self.err = rc, out, err


def run(cmd, stdin=None, timeout=300):
    try:
        if stdin is not None:
            with open(stdin, "rb") as f:
                p = subprocess.run(cmd, stdin=f, capture_output=True,
                                   timeout=timeout)
        else:
            p = subprocess.run(cmd, stdin=subprocess.DEVNULL,
                               capture_output=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return Run(-1, b"", b"timed out")
    except OSError as e:
        return Run(-1, b"", str(e).encode())
    return Run(p.returncode, p.stdout, p.stderr)


def errtext(r):
    return r.err.decode("utf-8", "replace").strip()


def dec(v):
    try:
        return Decimal(str(v))
    except (InvalidOperation, ValueError):
        return None


def sort_ok(rows, cols):
    """Rows sorted by total_credits descending, ties by key ascending
    (byte order)."""
    prev = None
    for i, r in enumerate(rows):
        cur = (-dec(r["total_credits"]),
               tuple(r[c].encode("utf-8") for c in cols))
        if prev is not None and cur < prev:
            return "rows not sorted at row %d (%r after %r)" % (
                i + 1, [r[c] for c in cols], prev_key)
        prev, prev_key = cur, [r[c] for c in cols]
    return None


def compare_metrics(where, want, got, errors):
    for m in METRICS:
        if m not in got:
            errors.append("%s: no %s" % (where, m))
            continue
        if m == "jobs":
            if str(got[m]) != str(want[m]):
                errors.append("%s: jobs %s, want %s" % (where, got[m],
                                                        want[m]))
            continue
        g, w = dec(got[m]), dec(want[m])
        if g is None or g != w:
            errors.append("%s: %s %s, want %s" % (where, m, got[m], want[m]))


def compare_rows(want_rows, got_rows, cols, errors):
    """Same groups, same metrics per group, and sorted."""
    def key(r):
        return tuple(r[c] for c in cols)
    want = {key(r): r for r in want_rows}
    got = {}
    for r in got_rows:
        if any(c not in r for c in cols):
            errors.append("row without key columns: %r" % (r,))
            return
        k = key(r)
        if k in got:
            errors.append("group %r twice" % (k,))
        got[k] = r
    missing = [k for k in want if k not in got]
    extra = [k for k in got if k not in want]
    if missing:
        errors.append("%d groups missing, e.g. %r" % (len(missing),
                                                      missing[:3]))
    if extra:
        errors.append("%d unexpected groups, e.g. %r" % (len(extra),
                                                         extra[:3]))
    for k in want:
        if k in got:
            compare_metrics("group %r" % (k,), want[k], got[k], errors)
    s = sort_ok(got_rows, cols)
    if s:
        errors.append(s)


def parse_csv(data, cols, errors):
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        errors.append("CSV output is not UTF-8: %s" % e)
        return None
    rows = list(csv.reader(io.StringIO(text, newline="")))
    if not rows:
        errors.append("empty CSV output")
        return None
    head = rows[0]
    want_head = list(cols) + list(METRICS)
    if head != want_head:
        errors.append("CSV header %r, want %r" % (head, want_head))
        return None
    out = []
    for i, r in enumerate(rows[1:]):
        if len(r) != len(head):
            errors.append("CSV line %d has %d fields" % (i + 2, len(r)))
            return None
        out.append(dict(zip(head, r)))
    return out


def parse_json(data, errors):
    try:
        return json.loads(data.decode("utf-8"), parse_float=Decimal)
    except (ValueError, UnicodeDecodeError) as e:
        errors.append("bad JSON output: %s" % e)
        return None


def check_json(doc, truth, view, key, errors, files=None, rows_read=None,
               duplicates=None, skipped=None):
    """The whole JSON report against the truth view (truth or its
    keep_duplicates part)."""
    if doc is None:
        return
    cols = KEY_COLS[key]
    if doc.get("group_by") != list(cols):
        errors.append("group_by %r, want %r" % (doc.get("group_by"),
                                                list(cols)))
    rows = doc.get("rows")
    if not isinstance(rows, list):
        errors.append("no rows array")
        return
    compare_rows(view["by"][key], rows, cols, errors)
    compare_metrics("totals", view["keyed"][key]["totals"],
                    doc.get("totals", {}), errors)
    meta = doc.get("meta", {})
    want = {
        "files": truth["files"] if files is None else files,
        "rows_read": truth["rows_read"] if rows_read is None else rows_read,
        "rows_skipped": view["keyed"][key]["rows_skipped"]
        if skipped is None else skipped,
        "duplicates": view["duplicates"] if duplicates is None
        else duplicates,
        "first_date": view["first_date"],
        "last_date": view["last_date"],
    }
    for k, v in want.items():
        if meta.get(k) != v:
            errors.append("meta.%s %r, want %r" % (k, meta.get(k), v))


def check_csv(data, view, key, errors):
    cols = KEY_COLS[key]
    rows = parse_csv(data, cols, errors)
    if rows is not None:
        compare_rows(view["by"][key], rows, cols, errors)


def gen(tmp, name, opts, rows, parts, seed):
    out = os.path.join(tmp, name)
    tf = os.path.join(tmp, name + ".truth.json")
    cmd = [sys.executable, GEN, "-o", out, "--rows", str(rows), "--parts",
           str(parts), "--seed", str(seed), "--truth", tf] + opts
    r = run(cmd)
    if r.rc != 0:
        return None, None, "generator failed: " + errtext(r)
    with open(tf, encoding="utf-8") as f:
        return out, json.load(f), None


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bin", required=True)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--keep", action="store_true",
                    help="keep the temporary directory")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--case", action="append",
                    help="only this case (repeatable)")
    ap.add_argument("--seed", type=int, default=0,
                    help="added to every generator seed (default 0)")
    a = ap.parse_args()
    BIN = os.path.abspath(a.bin)
    suite = Suite()
    if not os.access(BIN, os.X_OK):
        suite.ko("binary", "%s is not executable" % BIN)
        suite.summary()
        return 1
    tmp = tempfile.mkdtemp(prefix="cu-truth.")
    pool = concurrent.futures.ThreadPoolExecutor(max(1, a.jobs))
    try:
        run_all(a, BIN, tmp, pool, suite)
    finally:
        pool.shutdown()
        if a.keep:
            print("temp files kept in %s" % tmp)
        else:
            scratch.rmtree(tmp)
    suite.summary()
    return 1 if suite.failed else 0


def run_all(a, BIN, tmp, pool, suite):
    rows, parts = (700, 3) if a.quick else (3000, 4)
    cases = [c for c in CASES if (c[2] or not a.quick) and
             (not a.case or c[0] in a.case)]

    # -- generate every export (in parallel)
    extra = {
        "stdin-gz": (["--tricky-names"], 1),
        "stdin-plain": (["--plain", "--quote", "none", "--tricky-names",
                         "--crlf", "--bom"], 1),
        "drop-project": (["--drop-column", "PROJECT_NAME"], parts),
        "drop-total": (["--drop-column", "TOTAL_CREDITS"], parts),
        "drop-jobid": (["--drop-column", "JOB_ID", "--bad-rows", "6"],
                       parts),
        "drop-date": (["--drop-column", "JOB_RUN_DATE", "--bad-rows", "6"],
                      parts),
    }
    if a.case:
        extra = {}
    gens = {}
    for i, c in enumerate(cases):
        name, opts = c[0], c[1]
        n, np = (c[3], c[4]) if len(c) > 3 else (rows, parts)
        gens[name] = pool.submit(gen, tmp, name, opts, n, np,
                                 a.seed + 100 + i)
    for i, (name, (opts, np)) in enumerate(extra.items()):
        gens[name] = pool.submit(gen, tmp, name, opts, rows // 2, np,
                                 a.seed + 300 + i)
    data = {}
    for name, fut in gens.items():
        d, t, err = fut.result()
        if err:
            suite.ko("generate %s" % name, err)
        else:
            data[name] = (d, t)

    # -- every key, CSV and JSON
    jobs = {}
    for name in [c[0] for c in cases]:
        if name not in data:
            continue
        d, t = data[name]
        for key in t["by"]:
            for fmt in ("csv", "json"):
                jobs[(name, key, fmt)] = pool.submit(
                    run, [BIN, "report", "--by", key, "--format", fmt, d])
    for name in [c[0] for c in cases]:
        if name not in data:
            continue
        d, t = data[name]
        for key in t["by"]:
            errors = []
            for fmt in ("csv", "json"):
                r = jobs[(name, key, fmt)].result()
                if r.rc != 0:
                    errors.append("%s: exit %d: %s" % (fmt, r.rc,
                                                       errtext(r)))
                    continue
                e = []
                if fmt == "csv":
                    check_csv(r.out, t, key, e)
                else:
                    check_json(parse_json(r.out, e), t, t, key, e)
                errors += ["%s: %s" % (fmt, x) for x in e]
            suite.check("%s: --by %s (csv, json)" % (name, key), errors)

    extra_checks(a, BIN, tmp, pool, suite, data, parts)


def problem_lines(err):
    return [ln for ln in err.splitlines() if re.search(r"\.csv(\.gz)?:\d+: ",
                                                     ln)]


def extra_checks(a, BIN, tmp, pool, suite, data, parts):
    # -- problems reported, exit 0; --strict exits 3
    for name in ("bad-rows-values", "bad-values-only", "everything"):
        if name not in data:
            continue
        d, t = data[name]
        r = run([BIN, "report", "--format", "csv", d])
        errs = []
        if r.rc != 0:
            errs.append("exit %d: %s" % (r.rc, errtext(r)))
        pl = problem_lines(errtext(r))
        if not pl:
            errs.append("no file:line problem on stderr")
        if len(pl) > 5:
            errs.append("%d problem lines, at most 5 expected" % len(pl))
        if t["rows_skipped"] and "skipped" not in errtext(r):
            errs.append("stderr does not mention skipped rows")
        suite.check("%s: problems on stderr, exit 0" % name, errs)
        r = run([BIN, "report", "--strict", "--format", "csv", d])
        suite.check("%s: --strict exits 3" % name,
                    [] if r.rc == 3 and r.out == b"" else
                    ["exit %d, %d bytes of output: %s" %
                     (r.rc, len(r.out), errtext(r))])

    # -- a missing required column exits 3 naming the file and the column
    def missing(name, args, column, label):
        if name not in data:
            return
        d, t = data[name]
        r = run([BIN, "report"] + args + [d])
        e = errtext(r)
        errs = []
        if r.rc != 3:
            errs.append("exit %d, want 3" % r.rc)
        if column not in e:
            errs.append("stderr does not name %s: %r" % (column, e))
        if not re.search(r"part-\d{3}\.csv", e):
            errs.append("stderr does not name the file: %r" % e)
        suite.check(label, errs)

    missing("drop-project", ["--by", "project"], "PROJECT_NAME",
            "missing PROJECT_NAME with --by project exits 3")
    missing("drop-project", ["--by", "job"], "PROJECT_NAME",
            "missing PROJECT_NAME with --by job exits 3")
    missing("drop-total", ["--by", "status"], "TOTAL_CREDITS",
            "missing TOTAL_CREDITS exits 3")
    missing("drop-jobid", ["--by", "project"], "JOB_ID",
            "missing JOB_ID exits 3 (duplicates cannot be dropped)")
    missing("drop-date", ["--by", "week"], "JOB_RUN_DATE",
            "missing JOB_RUN_DATE with --by week exits 3")

    # the keys that do not need the missing column still work
    def still_works(name, keys, extra_args, keep=False):
        if name not in data:
            return
        d, t = data[name]
        view = t["keep_duplicates"] if keep else t
        for key in keys:
            if key not in t["by"]:
                suite.ko("%s: --by %s" % (name, key), "no truth for key")
                continue
            r = run([BIN, "report", "--by", key, "--format", "json"] +
                    extra_args + [d])
            errs = []
            if r.rc != 0:
                errs.append("exit %d: %s" % (r.rc, errtext(r)))
            else:
                check_json(parse_json(r.out, errs), t, view, key, errs)
            label = "%s: --by %s %s" % (name, key, " ".join(extra_args))
            suite.check(label.rstrip(), errs)

    still_works("drop-project", ["day", "status", "branch"], [])
    still_works("drop-date", ["project", "job"], [])
    still_works("drop-jobid", ["project", "day"], ["--keep-duplicates"],
                keep=True)

    # -- standard input: one part, gzip or plain
    for name in ("stdin-gz", "stdin-plain"):
        if name not in data:
            continue
        d, t = data[name]
        part = os.path.join(d, t["files_list"][0])
        for key in ("project", "job", "day"):
            errs = []
            r = run([BIN, "report", "--by", key, "--format", "json", "-"],
                    stdin=part)
            if r.rc != 0:
                errs.append("exit %d: %s" % (r.rc, errtext(r)))
            else:
                check_json(parse_json(r.out, errs), t, t, key, errs)
            r = run([BIN, "report", "--by", key, "--format", "csv", "-"],
                    stdin=part)
            if r.rc != 0:
                errs.append("csv: exit %d: %s" % (r.rc, errtext(r)))
            else:
                check_csv(r.out, t, key, errs)
            suite.check("%s: report - < %s --by %s" % (
                name, t["files_list"][0], key), errs)

    # -- the same directory twice: same sums, every row a duplicate
    for name in ("dup-rows", "default", "everything"):
        if name not in data:
            continue
        d, t = data[name]
        for key in ("project", "day"):
            if key not in t["by"]:
                continue
            r = run([BIN, "report", "--by", key, "--format", "json", d, d])
            errs = []
            if r.rc != 0:
                errs.append("exit %d: %s" % (r.rc, errtext(r)))
            else:
                counted = t["keyed"][key]["totals"]["jobs"]
                check_json(parse_json(r.out, errs), t, t, key, errs,
                           files=2 * t["files"],
                           rows_read=2 * t["rows_read"],
                           duplicates=2 * t["duplicates"] + counted,
                           skipped=2 * t["keyed"][key]["rows_skipped"])
            suite.check("%s: the directory twice, --by %s" % (name, key),
                        errs)

    # -- --keep-duplicates counts every copy (and rows without JOB_ID)
    for name in ("dup-rows", "bad-rows-values", "everything"):
        if name not in data:
            continue
        d, t = data[name]
        kd = t["keep_duplicates"]
        for key in ("project", "day", "status", "job"):
            if key not in t["by"]:
                continue
            errs = []
            for fmt in ("json", "csv"):
                r = run([BIN, "report", "--keep-duplicates", "--by", key,
                         "--format", fmt, d])
                if r.rc != 0:
                    errs.append("%s: exit %d: %s" % (fmt, r.rc, errtext(r)))
                elif fmt == "json":
                    check_json(parse_json(r.out, errs), t, kd, key, errs)
                else:
                    check_csv(r.out, kd, key, errs)
            if t["duplicates"] and kd["keyed"][key]["totals"]["jobs"] <= \
                    t["keyed"][key]["totals"]["jobs"]:
                errs.append("truth: keep-duplicates view counts no more jobs")
            suite.check("%s: --keep-duplicates --by %s" % (name, key), errs)

    # -- output does not depend on the number of threads
    for name in ("everything", "dup-rows"):
        if name not in data:
            continue
        d, t = data[name]
        outs = []
        for th in ("1", "2", "4"):
            r = run([BIN, "report", "--threads", th, "--by", "job",
                     "--format", "json", d])
            outs.append((r.rc, r.out))
        suite.check("%s: --threads 1/2/4 give the same bytes" % name,
                    [] if outs[0][0] == 0 and outs[0][1] and
                    all(o == outs[0] for o in outs) else
                    ["outputs differ or exit non-zero: %r" %
                     [o[0] for o in outs]])


if __name__ == "__main__":
    sys.exit(main())
