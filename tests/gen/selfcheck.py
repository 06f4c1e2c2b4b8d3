#!/usr/bin/env python3
"""selfcheck.py: check tests/gen/genexport.py without the C tool.

Generates small exports in a temporary directory and checks them:
  * the files: gzip members, BOM, line endings, quoting, escapes, headers
    (order, swapped ids, trimmed and extra columns);
  * the rows: field counts, TOTAL_CREDITS = sum of the kinds, compute
    credits = rate x minutes, executor/os/resource class consistent,
    dates in range, timestamps ordered, booleans in the chosen spelling;
  * the truth: an independent reader (Python's csv module for quoted
    dialects, its own backslash-escape parser for --quote none) re-sums the
    files with the report's semantics, for every key, both views;
  * determinism: same seed and options give the same bytes, whatever
    --procs; another seed gives other data.

Prints PASS/FAIL lines and `N passed, M failed`; exits 1 on failure.
"""

import csv
import datetime as dt
import gzip
import io
import json
import os
import re
import subprocess
import sys
import tempfile
import zlib
from decimal import Decimal, ROUND_HALF_UP

HERE = os.path.dirname(os.path.abspath(__file__))
GEN = os.path.join(HERE, "genexport.py")
sys.path.insert(0, HERE)
sys.path.append(os.path.join(HERE, "..", "e2e"))
import scratch  # noqa: E402  (files and outputs kept for e2e/run.sh's scan)
from tally import Suite  # noqa: E402
import genexport as G  # noqa: E402  (constants only: columns, rate table)

NUM_RE = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
ALL_QUOTED = re.compile(r'(?:"(?:[^"]|"")*"(?:,|\r?\n))*')
KINDS = G.CREDIT_COLS
KEYS = {
    "project": ("PROJECT_NAME",), "workflow": ("PROJECT_NAME",
                                               "WORKFLOW_NAME"),
    "job": ("PROJECT_NAME", "WORKFLOW_NAME", "JOB_NAME"),
    "branch": ("VCS_BRANCH",), "resource_class": ("RESOURCE_CLASS",),
    "executor": ("EXECUTOR",), "os": ("OPERATING_SYSTEM",),
    "status": ("JOB_BUILD_STATUS",), "org": ("ORGANIZATION_NAME",),
    "trigger": ("PIPELINE_TRIGGER_SOURCE",),
    "user": ("PIPELINE_TRIGGER_USER_ID",),
    "day": ("@day",), "week": ("@week",), "month": ("@month",),
    "project,resource_class": ("PROJECT_NAME", "RESOURCE_CLASS"),
}


# ------------------------------------------------------------ reading back

def gzip_members(data):
    n = 0
    while data:
        d = zlib.decompressobj(31)
        d.decompress(data)
        if not d.eof:
            raise ValueError("truncated gzip member")
        data = d.unused_data
        n += 1
    return n


def parse_quoted(text):
    """Records of (value, is_null) from an RFC 4180 file."""
    out = []
    for rec in csv.reader(io.StringIO(text, newline="")):
        if rec == []:
            continue
        out.append([(v, v in ("", "\\N")) for v in rec])
    return out


def parse_escaped(text):
    """Records from an unquoted, backslash-escaped file: a backslash makes
    the next character literal; `\\N` (raw) and empty are NULL; an
    unescaped CR before LF ends the line."""
    out = []
    rec = []
    val = []
    raw = []
    i, n = 0, len(text)
    last_escaped = False
    while i < n:
        c = text[i]
        if c == "\\" and i + 1 < n:
            val.append(text[i + 1])
            raw.append(text[i:i + 2])
            i += 2
            last_escaped = True
            continue
        if c == "," or c == "\n":
            if c == "\n" and val and val[-1] == "\r" and not last_escaped:
                val.pop()
                raw.pop()
            r = "".join(raw)
            rec.append(("".join(val), r in ("", "\\N")))
            val, raw = [], []
            if c == "\n":
                if not (len(rec) == 1 and rec[0][0] == ""):
                    out.append(rec)
                rec = []
        else:
            val.append(c)
            raw.append(c)
        last_escaped = False
        i += 1
    if val or rec:
        rec.append(("".join(val), "".join(raw) in ("", "\\N")))
        out.append(rec)
    return out


def read_part(path, quote):
    with open(path, "rb") as f:
        data = f.read()
    members = 0
    if path.endswith(".gz"):
        members = gzip_members(data)
        data = gzip.decompress(data)
    bom = data.startswith(b"\xef\xbb\xbf")
    text = data.decode("utf-8")
    if bom:
        text = text[1:]
    recs = parse_escaped(text) if quote == "none" else parse_quoted(text)
    return {"raw": data, "text": text, "bom": bom, "members": members,
            "header": [v for v, _ in recs[0]], "rows": recs[1:]}


# ------------------------------------------------------------ reference sums

def num(v):
    s = v.strip(" ")
    if not NUM_RE.match(s):
        return None
    return Decimal(s)


def date_of(v):
    if not DATE_RE.match(v):
        return None
    try:
        return dt.date.fromisoformat(v)
    except ValueError:
        return None


def reference(parts, key, keep_dups):
    """Sum the parts as `report --by key [--keep-duplicates]` would."""
    timed = KEYS[key][0].startswith("@")
    groups = {}
    meta = {"rows_read": 0, "rows_skipped": 0, "duplicates": 0,
            "first": None, "last": None}
    seen = set()
    for p in parts:
        idx = {}
        for i, h in enumerate(p["header"]):
            h = h.strip(" \t\r").upper()
            if h in G.CI and h not in idx:
                idx[h] = i
        ncols = len(p["header"])
        for rec in p["rows"]:
            meta["rows_read"] += 1

            def get(col):
                i = idx.get(col)
                if i is None or rec[i][1]:
                    return None
                return rec[i][0]
            if len(rec) != ncols:
                meta["rows_skipped"] += 1
                continue
            t = get("TOTAL_CREDITS")
            total = num(t) if t is not None else None
            if total is None:
                meta["rows_skipped"] += 1
                continue
            d = get("JOB_RUN_DATE")
            day = date_of(d) if d is not None else None
            if day is None and timed:
                meta["rows_skipped"] += 1
                continue
            jid = get("JOB_ID")
            if not keep_dups:
                if jid is None:
                    meta["rows_skipped"] += 1
                    continue
                if jid in seen:
                    meta["duplicates"] += 1
                    continue
                seen.add(jid)
            m = [1, Decimal(0)] + [Decimal(0)] * 8 + [total]
            s = get("JOB_RUN_SECONDS")
            m[1] = (num(s) or Decimal(0)) if s is not None else Decimal(0)
            for i, c in enumerate(KINDS):
                v = get(c)
                m[2 + i] = (num(v) or Decimal(0)) if v is not None \
                    else Decimal(0)
            if day is not None:
                if meta["first"] is None or day < meta["first"]:
                    meta["first"] = day
                if meta["last"] is None or day > meta["last"]:
                    meta["last"] = day
            kv = []
            for c in KEYS[key]:
                if c == "@day":
                    kv.append(day.isoformat())
                elif c == "@week":
                    y, w, _ = day.isocalendar()
                    kv.append("%d-W%02d" % (y, w))
                elif c == "@month":
                    kv.append(day.isoformat()[:7])
                else:
                    kv.append(get(c) or "")
            g = groups.setdefault(tuple(kv), [0] * 11)
            for i in range(11):
                g[i] += m[i]
    return groups, meta


def q2(d):
    return d.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def compare_view(name, parts, truth, view, key, keep_dups, errors):
    groups, meta = reference(parts, key, keep_dups)
    want = view["by"][key]
    cols = G.KEYS[key]
    grand = sum((g[10] for g in groups.values()), Decimal(0))
    got = {}
    for r in want:
        got[tuple(r[c] for c in cols)] = r
    if set(got) != set(groups):
        errors.append("%s --by %s: groups differ: truth-only %r, "
                      "reference-only %r" % (
                          name, key, sorted(set(got) - set(groups))[:3],
                          sorted(set(groups) - set(got))[:3]))
        return
    for k, g in groups.items():
        r = got[k]
        exp = {"jobs": g[0], "run_seconds": g[1].quantize(
            Decimal(1), rounding=ROUND_HALF_UP)}
        for i, mname in enumerate(G.METRICS[2:11]):
            exp[mname] = g[2 + i]
        exp["cost_usd"] = q2(g[10] * Decimal("0.0006"))
        exp["share_pct"] = q2(g[10] * 100 / grand) if grand else Decimal(0)
        for mname, v in exp.items():
            if Decimal(str(r[mname])) != v:
                errors.append("%s --by %s %r: %s truth %s, reference %s" % (
                    name, key, k, mname, r[mname], v))
    # order: total descending, then key bytes ascending
    order = [tuple(r[c] for c in cols) for r in want]
    exp_order = sorted(groups, key=lambda k: (
        -groups[k][10], tuple(x.encode("utf-8") for x in k)))
    if order != exp_order:
        errors.append("%s --by %s: truth rows not in report order" % (
            name, key))
    kd = view["keyed"][key]
    if kd["rows_skipped"] != meta["rows_skipped"]:
        errors.append("%s --by %s: rows_skipped truth %d, reference %d" % (
            name, key, kd["rows_skipped"], meta["rows_skipped"]))
    if Decimal(kd["totals"]["total_credits"]) != grand:
        errors.append("%s --by %s: total truth %s, reference %s" % (
            name, key, kd["totals"]["total_credits"], grand))
    if view["duplicates"] != meta["duplicates"]:
        errors.append("%s --by %s: duplicates truth %d, reference %d" % (
            name, key, view["duplicates"], meta["duplicates"]))
    if truth["rows_read"] != meta["rows_read"]:
        errors.append("%s: rows_read truth %d, reference %d" % (
            name, truth["rows_read"], meta["rows_read"]))
    f = meta["first"].isoformat() if meta["first"] else None
    la = meta["last"].isoformat() if meta["last"] else None
    if (view["first_date"], view["last_date"]) != (f, la):
        errors.append("%s --by %s: dates truth %s..%s, reference %s..%s" % (
            name, key, view["first_date"], view["last_date"], f, la))


# ------------------------------------------------------------ row checks

def ts_parse(v, iso):
    fmt = "%Y-%m-%dT%H:%M:%S.%fZ" if iso else "%Y-%m-%d %H:%M:%S.%f"
    return dt.datetime.strptime(v, fmt)


def row_checks(name, parts, truth, opts, errors):
    start = dt.date.fromisoformat(opts.get("start", "2026-10-01"))
    end = start + dt.timedelta(days=opts.get("days", 31))
    iso = opts.get("ts") == "iso"
    bools = {"truefalse": {"true", "false"}, "yn": {"y", "n"},
             "10": {"1", "0"}}[opts.get("bools", "truefalse")]
    n = util_null = checked_total = checked_rate = 0
    statuses = {}
    ids = {}
    for p in parts:
        idx = {}
        for i, h in enumerate(p["header"]):
            idx[h.strip(" \t").upper()] = i
        ncols = len(p["header"])
        for rec in p["rows"]:
            if len(rec) != ncols:
                continue

            def get(col):
                i = idx.get(col)
                if i is None or rec[i][1]:
                    return None
                return rec[i][0]
            jid = get("JOB_ID")
            if jid is not None:
                ids[jid] = ids.get(jid, 0) + 1
            t = get("TOTAL_CREDITS")
            if t is None or num(t) is None:
                continue
            n += 1
            kinds = []
            for c in KINDS:
                if c not in idx:
                    kinds = None
                    break
                v = get(c)
                kinds.append(Decimal(0) if v is None else num(v))
            if kinds is not None and None not in kinds:
                checked_total += 1
                if sum(kinds) != num(t):
                    errors.append("%s: TOTAL_CREDITS %s != sum of kinds %s "
                                  "(JOB_ID %s)" % (name, t, sum(kinds), jid))
            ex, rc, osn = get("EXECUTOR"), get("RESOURCE_CLASS"), \
                get("OPERATING_SYSTEM")
            if (ex, rc) not in G.RESOURCE_CLASSES:
                errors.append("%s: unknown (executor, class) %r" % (
                    name, (ex, rc)))
                continue
            rate, want_os = G.RESOURCE_CLASSES[(ex, rc)]
            if osn != want_os:
                errors.append("%s: %s/%s on os %r" % (name, ex, rc, osn))
            secs, par, comp = get("JOB_RUN_SECONDS"), get("PARALLELISM"), \
                get("COMPUTE_CREDITS")
            if None not in (secs, par, comp) and num(secs) is not None and \
                    num(comp) is not None:
                checked_rate += 1
                exact = Decimal(rate) * num(secs) * int(par) / 60
                if abs(exact - num(comp)) > Decimal("0.005"):
                    errors.append("%s: compute %s, rate %d x %s s x %s / 60"
                                  " = %s" % (name, comp, rate, secs, par,
                                             exact))
            d = get("JOB_RUN_DATE")
            day = date_of(d) if d is not None else None
            if day is not None and not (start <= day < end):
                errors.append("%s: JOB_RUN_DATE %s out of range" % (name, d))
            q, s, e = (get("JOB_RUN_QUEUED_AT"), get("JOB_RUN_STARTED_AT"),
                       get("JOB_RUN_STOPPED_AT"))
            try:
                tq, ts_, te = (ts_parse(x, iso) if x else None
                               for x in (q, s, e))
            except ValueError as exc:
                errors.append("%s: bad timestamp: %s" % (name, exc))
                continue
            if tq and ts_ and te and not (tq <= ts_ <= te):
                errors.append("%s: queued/started/stopped out of order" %
                              name)
            if ts_ and day and ts_.date() != day:
                errors.append("%s: JOB_RUN_DATE %s but started %s" % (
                    name, d, s))
            for b in ("IS_UNREGISTERED_USER", "IS_WORKFLOW_SUCCESSFUL"):
                v = get(b)
                if v is not None and v.lower() not in bools:
                    errors.append("%s: %s = %r" % (name, b, v))
            if "MEDIAN_CPU_UTILIZATION_PCT" in idx and \
                    get("MEDIAN_CPU_UTILIZATION_PCT") is None:
                util_null += 1
            st = get("JOB_BUILD_STATUS")
            statuses[st] = statuses.get(st, 0) + 1
    dup_ids = sum(c - 1 for c in ids.values())
    if dup_ids != truth["duplicates"]:
        errors.append("%s: %d repeated JOB_IDs, truth says %d duplicates" % (
            name, dup_ids, truth["duplicates"]))
    full = [f for f, miss in truth["missing_columns"].items()
            if not set(KINDS) & set(miss)]
    if n and full and not checked_total:
        errors.append("%s: no row had every credit kind" % name)
    if n and not checked_rate and "COMPUTE_CREDITS" not in \
            sum(truth["missing_columns"].values(), []):
        errors.append("%s: no row's compute credits checked" % name)
    if n > 500:
        share = util_null / n
        if not 0.02 < share < 0.4:
            errors.append("%s: %.0f%% of rows without utilisation" % (
                name, 100 * share))
        top = max(statuses, key=statuses.get)
        if top != "success" or len(statuses) < 4:
            errors.append("%s: status mix %r" % (name, statuses))


# ------------------------------------------------------------ the checks

CONFIGS = [
    ("default", []),
    ("quoted-all", ["--quote", "all", "--tricky-names", "--null", "empty",
                    "--crlf", "--bom", "--plain", "--bools", "10"]),
    ("escaped-everything", ["--quote", "none", "--tricky-names",
                            "--shuffle-columns", "--extra-column",
                            "--trim-columns", "--swap-id", "--dup-rows",
                            "30", "--bad-rows", "20", "--bad-values", "20",
                            "--multi-member", "--ts", "iso", "--bools", "yn",
                            "--crlf"]),
    ("minimal-dirty", ["--tricky-names", "--swap-id", "--dup-rows", "25",
                       "--bad-rows", "14", "--bad-values", "15", "--plain",
                       "--crlf", "--bom"]),
    ("no-date-column", ["--drop-column", "JOB_RUN_DATE", "--bad-rows", "8",
                        "--dup-rows", "5"]),
    ("year-end", ["--start", "2026-12-27", "--days", "9", "--bad-rows",
                  "7"]),
    # --spike: the copies are job runs like any other in the re-sum
    ("spikes", ["--spike", "user-profile:2026-10-14:3", "--spike",
                "wearables-android:2026-10-20:2.5", "--dup-rows", "10"]),
]


def gen(tmp, name, opts, rows=1500, parts=3, seed=7, procs=1):
    d = os.path.join(tmp, name)
    tf = d + ".json"
    p = subprocess.run([sys.executable, GEN, "-o", d, "--rows", str(rows),
                        "--parts", str(parts), "--seed", str(seed),
                        "--procs", str(procs), "--truth", tf] + opts,
                       capture_output=True)
    if p.returncode != 0:
        raise RuntimeError(p.stderr.decode(errors="replace"))
    with open(tf, encoding="utf-8") as f:
        return d, json.load(f), open(tf, "rb").read()


def file_checks(name, opts, parts, truth, errors):
    quote = "none" if "none" in opts else ("all" if "all" in opts
                                           else "minimal")
    for p, fname in zip(parts, truth["files_list"]):
        if p["bom"] != ("--bom" in opts):
            errors.append("%s/%s: BOM %s" % (name, fname, p["bom"]))
        crlf = p["text"].split("\n", 1)[0].endswith("\r")
        if crlf != ("--crlf" in opts):
            errors.append("%s/%s: CRLF %s" % (name, fname, crlf))
        if "--multi-member" in opts and p["members"] < 2:
            errors.append("%s/%s: %d gzip member(s)" % (name, fname,
                                                       p["members"]))
        if "--plain" in opts and p["members"]:
            errors.append("%s/%s: gzip with --plain" % (name, fname))
        head = [h.strip(" \t").upper() for h in p["header"]]
        known = [h for h in head if h in G.CI]
        missing = sorted(set(G.COLUMNS) - set(known), key=G.CI.get)
        if missing != truth["missing_columns"][fname]:
            errors.append("%s/%s: missing %r, truth %r" % (
                name, fname, missing, truth["missing_columns"][fname]))
        extras = [h for h in head if h not in G.CI]
        if ("--extra-column" in opts) != bool(extras):
            errors.append("%s/%s: extra columns %r" % (name, fname, extras))
        plain_header = not ("--trim-columns" in opts or
                            "--shuffle-columns" in opts)
        if plain_header and head != p["header"]:
            errors.append("%s/%s: header not upper case" % (name, fname))
        if plain_header and "--drop-column" not in opts:
            ij, ir = known.index("JOB_ID"), known.index("JOB_RUN_NUMBER")
            swapped = ir < ij
            i = truth["files_list"].index(fname)
            if swapped != ("--swap-id" in opts and i % 2 == 1):
                errors.append("%s/%s: JOB_ID/JOB_RUN_NUMBER order" % (
                    name, fname))
        if quote == "all" and not ALL_QUOTED.fullmatch(p["text"]):
            errors.append("%s/%s: --quote all but a field is not quoted" %
                          (name, fname))
        if quote == "none" and p["text"].startswith('"'):
            errors.append("%s/%s: quoted header with --quote none" % (
                name, fname))
    if "--tricky-names" in opts:
        text = "".join(p["text"] for p in parts)
        want = ['\\,', '\\"', '\\\n', '\\\\'] if quote == "none" else \
            ['",', '""', "\n\u00e9" if False else "\u00e9", "\u65e5"]
        for w in want:
            if w not in text:
                errors.append("%s: tricky names but no %r in the files" % (
                    name, w))
        names = set()
        for rows in truth["by"]["project"]:
            names.add(rows["project"])
        for tricky in ("web, app", "multi\nline-repo", 'say "hi" service'):
            if tricky not in names:
                errors.append("%s: project %r never written" % (name,
                                                                tricky))


def main():
    suite = Suite()
    tmp = tempfile.mkdtemp(prefix="cu-gencheck.")
    try:
        for name, opts in CONFIGS:
            try:
                d, truth, _ = gen(tmp, name, opts)
            except RuntimeError as e:
                suite.check("%s: generate" % name, [str(e)])
                continue
            quote = "none" if "none" in opts else "x"
            parts = [read_part(os.path.join(d, f), quote)
                     for f in truth["files_list"]]
            errors = []
            file_checks(name, opts, parts, truth, errors)
            suite.check("%s: files (gzip, BOM, line ends, quoting, header)"
                        % name, errors)
            errors = []
            want_read = truth["options"]["rows"] + \
                truth["options"]["dup_rows"] + truth["options"]["bad_rows"]
            for sp in truth.get("spikes", []):
                want_read += sp["added_runs"]
                # factor 3: exactly two copies of each run
                if sp["factor"] == 3 and (Decimal(sp["added_credits"]) !=
                                          2 * Decimal(sp["base_credits"])
                                          or not sp["base_runs"]):
                    errors.append("spike %s: added %s, base %s" % (
                        sp["project"], sp["added_credits"],
                        sp["base_credits"]))
            if truth["rows_read"] != want_read:
                errors.append("rows_read %d, want %d" % (truth["rows_read"],
                                                         want_read))
            row_checks(name, parts, truth, truth["options"], errors)
            suite.check("%s: rows (totals, rates, dates, ids, booleans)" %
                        name, errors)
            for keep, view in ((False, truth),
                               (True, truth["keep_duplicates"])):
                errors = []
                for key in truth["by"]:
                    compare_view(name, parts, truth, view, key, keep, errors)
                suite.check("%s: truth = independent re-sum, every key%s" %
                            (name, ", keep-duplicates" if keep else ""),
                            errors)
            errors = []
            t = truth["totals"]
            if t and sum(Decimal(t[k]) for k in G.METRICS[2:10]) != \
                    Decimal(t["total_credits"]) and not truth["options"][
                        "bad_values"] and not truth["options"][
                        "trim_columns"] and not truth["options"][
                        "drop_column"]:
                errors.append("grand total is not the sum of the kinds")
            suite.check("%s: grand total = sum of kinds" % name, errors)

        # determinism
        opts = CONFIGS[2][1]
        d1, _, t1 = gen(tmp, "det1", opts, rows=3000, parts=4, procs=1)
        d2, _, t2 = gen(tmp, "det2", opts, rows=3000, parts=4, procs=2)
        d3, _, t3 = gen(tmp, "det3", opts, rows=3000, parts=4, procs=1)
        d4, _, t4 = gen(tmp, "det4", opts, rows=3000, parts=4, seed=8)
        errors = []
        for f in sorted(os.listdir(d1)):
            b1 = open(os.path.join(d1, f), "rb").read()
            for dd in (d2, d3):
                if open(os.path.join(dd, f), "rb").read() != b1:
                    errors.append("%s differs in %s" % (f, dd))
        if not (t1 == t2 == t3):
            errors.append("truth files differ")
        suite.check("same seed, same bytes (--procs 1 and 2)", errors)
        same = all(open(os.path.join(d1, f), "rb").read() ==
                   open(os.path.join(d4, f), "rb").read()
                   for f in os.listdir(d1))
        suite.check("another seed, other data",
                    ["seed 8 wrote the same files as seed 7"] if same or
                    t1 == t4 else [])
    finally:
        scratch.rmtree(tmp)
    suite.summary()
    return 1 if suite.failed else 0


if __name__ == "__main__":
    sys.exit(main())
