#!/usr/bin/env python3
"""rundir.py --bin BIN [--quick]: run directories and the period they
describe (issue 14, points 2, 6, 7 and 9), against the test double of the
Usage API (tests/double/usage_api.py), with "now" pinned by
CIRCLECI_USAGE_NOW.

  * week_later: `run --last 7d --compare` twice into one DIR, a week apart:
    run.json, the summary, the reports and the export all describe the
    second week, the previous period the first one;
  * outside: a server that sends 90 days for a 7-day request (--passthrough):
    every artifact of `run` (totals, reports, compare, the history
    database) counts the asked-for week only, equal to the sums of the
    rows started in it, and one warning per period says how many rows
    were left out and their days; `report` on an `export` directory does
    the same; the bounds are inclusive to the millisecond (a hand-made
    export and manifest);
  * readers: a run directory made by every form of `run` (--last through
    the double, --from/--previous-from relative, absolute, from another
    working directory, with --db, --from a folder of parts without a
    manifest) is read by report, html, compare (with one argument too)
    and notify slack --dry-run, from another working directory, with the
    same figures as those readers give on the exports themselves; run.json
    always has the period;
  * export_dir: `run --export-dir E` keeps the raw exports out of DIR and
    every reader still reads DIR.

Prints `PASS name` / `FAIL name: reason` and `N passed, M failed`.
Python 3 standard library only.
"""

import argparse
import csv
import datetime as dt
import gzip
import io
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from decimal import Decimal

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
GEN = os.path.join(ROOT, "tests", "gen", "genexport.py")
DOUBLE = os.path.join(ROOT, "tests", "double", "usage_api.py")
sys.path.insert(0, HERE)
import scratch  # noqa: E402  (files and outputs kept for run.sh's scan)

ORG = "b9291e0d-a11e-41fb-8517-c545388b5953"
NOW = "2026-12-04T12:00:00Z"
NOW2 = "2026-12-11T12:00:00Z"          # a week later
FAST = ["--processing-after", "0.05", "--complete-after", "0.1",
        "--poll-limit", "1000/60", "--create-limit", "100/3600"]

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


class Double:
    """A running test double; stop() ends it."""

    def __init__(self, tmp, data, args=(), name="double", now=NOW2):
        self.dir = os.path.join(tmp, name)
        os.makedirs(self.dir, exist_ok=True)
        ready = os.path.join(self.dir, "ready.json")
        cmd = [sys.executable, DOUBLE, "--data", data, "--token-file",
               os.path.join(tmp, "token.secret"), "--org", ORG,
               "--ready-file", ready, "--now", now] + FAST + list(args)
        self.err = open(os.path.join(self.dir, "stderr"), "wb")
        self.p = subprocess.Popen(cmd, stdout=self.err, stderr=self.err)
        t = time.time() + 30
        while not os.path.exists(ready):
            if self.p.poll() is not None or time.time() > t:
                raise RuntimeError("the double did not start")
            time.sleep(0.02)
        with open(ready) as f:
            self.api_url = json.load(f)["api_url"]

    def stop(self):
        if self.p.poll() is None:
            self.p.send_signal(signal.SIGTERM)
            try:
                self.p.wait(10)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait()
        self.err.close()


class Ctx:
    def __init__(self, a, tmp):
        self.bin = os.path.abspath(a.bin)
        self.tmp = tmp
        self.token = (os.environ.get("CU_E2E_TOKEN") or
                      "CCIPAT_%s_%032x" % ("e2e", random.getrandbits(128)))
        with open(os.path.join(tmp, "token.secret"), "w") as f:
            f.write(self.token + "\n")
        self.elsewhere = os.path.join(tmp, "elsewhere")
        os.makedirs(self.elsewhere, exist_ok=True)

    def env(self, now=NOW):
        e = {k: v for k, v in os.environ.items()
             if not k.startswith(("CIRCLE", "ORG_ID", "START_DATE",
                                  "END_DATE", "SLACK"))}
        e["CIRCLECI_API_TOKEN"] = self.token
        e["CIRCLECI_USAGE_NOW"] = now
        e["LC_ALL"] = "C"
        return e

    def tool(self, args, cwd=None, now=NOW):
        return subprocess.run([self.bin] + list(args), env=self.env(now),
                              cwd=cwd or self.tmp, capture_output=True,
                              timeout=300)

    def run(self, d, args, cwd=None, now=NOW):
        return self.tool(["run", "--org", ORG, "--api-url", d.api_url,
                          "--poll-interval", "0.05"] + list(args), cwd=cwd,
                         now=now)


def err(r):
    return r.stderr.decode("utf-8", "replace").strip()[-400:]


def gen(tmp, name, start, days, rows, seed):
    out = os.path.join(tmp, name)
    subprocess.run([sys.executable, GEN, "-o", out, "--rows", str(rows),
                    "--parts", "2", "--start", start, "--days", str(days),
                    "--seed", str(seed)], check=True, capture_output=True)
    return out


def ms_of(s):
    """ms since the epoch of 'YYYY-MM-DD HH:MM:SS[.fff]' or a date."""
    s = s.replace("T", " ").rstrip("Z")
    if len(s) == 10:
        s += " 00:00:00"
    if "." not in s:
        s += ".000"
    t = dt.datetime.strptime(s[:23], "%Y-%m-%d %H:%M:%S.%f").replace(
        tzinfo=dt.timezone.utc)
    return int(t.timestamp() * 1000 + 0.5)


def rows_of(data):
    """Every data row of the parts in data (a folder), as dicts."""
    out = []
    for name in sorted(os.listdir(data)):
        p = os.path.join(data, name)
        if name.endswith(".csv.gz"):
            f = io.TextIOWrapper(gzip.open(p), encoding="utf-8", newline="")
        elif name.endswith(".csv"):
            f = open(p, encoding="utf-8", newline="")
        else:
            continue
        with f:
            out.extend(csv.DictReader(f))
    return out


def truth(data, start, end):
    """The job runs started in [start, end] (RFC 3339, inclusive, to the
    ms): jobs, credits, and those outside: count and first/last day."""
    s, e = ms_of(start), ms_of(end)
    seen = set()
    t = {"jobs": 0, "credits": Decimal(0), "out": 0, "days": set(),
         "out_days": []}
    for r in rows_of(data):
        if r["JOB_ID"] in seen:
            continue
        seen.add(r["JOB_ID"])
        m = ms_of(r["JOB_RUN_STARTED_AT"])
        if s <= m <= e:
            t["jobs"] += 1
            t["credits"] += Decimal(r["TOTAL_CREDITS"])
            t["days"].add(r["JOB_RUN_DATE"])
        else:
            t["out"] += 1
            t["out_days"].append(r["JOB_RUN_STARTED_AT"][:10])
    return t


def run_json(d):
    with open(os.path.join(d, "run.json")) as f:
        return json.load(f)


def check_totals(rj, t, where, errors):
    tot = rj["totals"]
    if tot["jobs"] != t["jobs"]:
        errors.append("%s: %s jobs, expected %d" % (where, tot["jobs"],
                                                   t["jobs"]))
    if Decimal(tot["total_credits"]) != t["credits"]:
        errors.append("%s: %s credits, expected %s" % (
            where, tot["total_credits"], t["credits"]))


def days_in(path, col="day"):
    with open(path, newline="") as f:
        return {r[col] for r in csv.DictReader(f)}


W1 = ("2026-11-27T00:00:00Z", "2026-12-03T23:59:59Z")   # --last 7d at NOW
W0 = ("2026-11-20T00:00:00Z", "2026-11-26T23:59:59Z")   # the week before
W2 = ("2026-12-04T00:00:00Z", "2026-12-10T23:59:59Z")   # --last 7d at NOW2


def case_week_later(c, data):
    """Point 2: run twice into one DIR a week apart."""
    errors = []
    d = Double(c.tmp, data, name="double-week")
    R = os.path.join(c.tmp, "weekly")
    try:
        for now, cur, prev in ((NOW, W1, W0), (NOW2, W2, W1)):
            r = c.run(d, ["--last", "7d", "--compare", "-o", R, "--quiet"],
                      now=now)
            if r.returncode != 0:
                errors.append("run at %s: exit %d: %s" % (
                    now, r.returncode, err(r)))
                break
            rj = run_json(R)
            if (rj["start"], rj["end"]) != cur:
                errors.append("at %s run.json holds %s to %s, not %s to "
                              "%s" % (now, rj["start"], rj["end"], *cur))
            if (rj["previous"]["start"], rj["previous"]["end"]) != prev:
                errors.append("at %s previous is %s to %s" % (
                    now, rj["previous"]["start"], rj["previous"]["end"]))
            t = truth(data, *cur)
            check_totals(rj, t, "at %s run.json" % now, errors)
            check_totals(rj["previous"], truth(data, *prev),
                         "at %s previous" % now, errors)
            with open(os.path.join(R, "summary.md")) as f:
                head = f.readline()
            if "%s to %s" % (cur[0][:10], cur[1][:10]) not in head:
                errors.append("at %s summary.md says %r" % (now, head))
            days = days_in(os.path.join(R, "by-day.csv"))
            if days != t["days"]:
                errors.append("at %s by-day.csv has days %s" % (
                    now, sorted(days)[:3]))
            with open(os.path.join(R, "export", "manifest.json")) as f:
                if json.load(f)["start"] != cur[0]:
                    errors.append("at %s export/ is not of the week" % now)
    finally:
        d.stop()
    report("week_later: run twice into one DIR a week apart", errors)


def warnings_of(r):
    return [ln for ln in r.stderr.decode("utf-8", "replace").splitlines()
            if "outside" in ln and "left out" in ln]


def expect_warning(r, t, period, errors, where):
    want = ("circleci-usage: warning: %d job runs outside %s to %s (from %s "
            "to %s) left out" % (t["out"], period[0][:10], period[1][:10],
                                 min(t["out_days"]), max(t["out_days"])))
    got = [w for w in warnings_of(r) if "outside %s to %s" % (
        period[0][:10], period[1][:10]) in w]
    if got != [want]:
        errors.append("%s: warnings %r, expected once %r" % (where, got,
                                                            want))


def case_outside(c, data):
    """Point 7: a server sends 90 days for a week; run counts the week."""
    errors = []
    d = Double(c.tmp, data, ["--passthrough"], name="double-pass", now=NOW)
    R = os.path.join(c.tmp, "wow")
    db = os.path.join(c.tmp, "history.db")
    t1, t0 = truth(data, *W1), truth(data, *W0)
    try:
        r = c.run(d, ["--last", "7d", "--compare", "-o", R, "--db", db])
        if r.returncode != 0:
            errors.append("run: exit %d: %s" % (r.returncode, err(r)))
            raise StopIteration
        rj = run_json(R)
        check_totals(rj, t1, "run.json", errors)
        check_totals(rj["previous"], t0, "run.json previous", errors)
        expect_warning(r, t1, W1, errors, "run")
        expect_warning(r, t0, W0, errors, "run (previous)")
        if len(warnings_of(r)) != 2:
            errors.append("run: %d warnings about rows outside, expected "
                          "2" % len(warnings_of(r)))
        if days_in(os.path.join(R, "by-day.csv")) != t1["days"]:
            errors.append("by-day.csv has days outside the period")
        with open(os.path.join(R, "by-project.csv"), newline="") as f:
            s = sum(Decimal(x["total_credits"]) for x in csv.DictReader(f))
        if s != t1["credits"]:
            errors.append("by-project.csv sums to %s, expected %s" % (
                s, t1["credits"]))
        with open(os.path.join(R, "compare-by-project.csv"),
                  newline="") as f:
            rows = list(csv.DictReader(f))
        for col, t in (("previous_credits", t0), ("current_credits", t1)):
            s = sum(Decimal(x[col] or 0) for x in rows)
            if s != t["credits"]:
                errors.append("compare %s sums to %s, expected %s" % (
                    col, s, t["credits"]))
        # the history database holds the two weeks only
        q = c.tool(["report", "--db", db, "--format", "json", "--by",
                    "project"])
        if q.returncode != 0:
            errors.append("report --db: %s" % err(q))
        else:
            jobs = json.loads(q.stdout)["totals"]["jobs"]
            if jobs != t1["jobs"] + t0["jobs"]:
                errors.append("the database holds %s job runs, expected "
                              "%d" % (jobs, t1["jobs"] + t0["jobs"]))
        # `export` then `report`: the export's range holds
        E = os.path.join(c.tmp, "exp-pass")
        r = c.tool(["export", "--org", ORG, "--api-url", d.api_url,
                    "--poll-interval", "0.05", "--last", "7d", "-o", E,
                    "--quiet"])
        if r.returncode != 0:
            errors.append("export: %s" % err(r))
        else:
            q = c.tool(["report", "--format", "json", "--by", "project",
                        E])
            tot = json.loads(q.stdout)["totals"]
            if tot["jobs"] != t1["jobs"]:
                errors.append("report on the export: %s jobs, expected %d"
                              % (tot["jobs"], t1["jobs"]))
            expect_warning(q, t1, W1, errors, "report on the export")
    except StopIteration:
        pass
    finally:
        d.stop()
    report("outside: rows outside the period left out of every artifact, "
           "one warning", errors)
    return R


def write_part(path, header, rows):
    with gzip.open(path, "wt", encoding="utf-8", newline="") as f:
        w = csv.writer(f, quoting=csv.QUOTE_ALL, lineterminator="\n")
        w.writerow(header)
        for r in rows:
            w.writerow([r.get(h, "\\N") for h in header])


def case_boundary(c, data):
    """Both bounds inclusive, to the millisecond; no start time: the day."""
    errors = []
    rows = rows_of(data)[:8]
    header = list(rows[0].keys())
    stamps = [("2026-11-26 23:59:59.999", "2026-11-26", 0),
              ("2026-11-27 00:00:00.000", "2026-11-27", 1),
              ("2026-11-30 12:00:00.000", "2026-11-30", 1),
              ("2026-12-03 23:59:59.000", "2026-12-03", 1),
              ("2026-12-03 23:59:59.001", "2026-12-03", 0),
              ("2026-12-04 00:00:00.000", "2026-12-04", 0),
              ("\\N", "2026-12-03", 1),     # the day decides
              ("\\N", "2026-11-26", 0)]
    for r, (ts, day, _) in zip(rows, stamps):
        r["JOB_RUN_STARTED_AT"] = ts
        r["JOB_RUN_DATE"] = day
    E = os.path.join(c.tmp, "handmade")
    os.makedirs(E, exist_ok=True)
    write_part(os.path.join(E, "part-000.csv.gz"), header, rows)
    with open(os.path.join(E, "manifest.json"), "w") as f:
        json.dump({"version": 1, "org_id": ORG, "start": W1[0],
                   "end": W1[1], "complete": True,
                   "windows": [{"start": W1[0], "end": W1[1], "files":
                                [{"path": "part-000.csv.gz",
                                  "done": True}]}]}, f)
    q = c.tool(["report", "--format", "json", "--by", "project", E])
    want = sum(s[2] for s in stamps)
    if q.returncode != 0:
        errors.append("report: %s" % err(q))
    else:
        tot = json.loads(q.stdout)["totals"]
        if tot["jobs"] != want:
            errors.append("%s jobs counted, expected %d" % (tot["jobs"],
                                                           want))
        w = warnings_of(q)
        exp = ("circleci-usage: warning: 4 job runs outside 2026-11-27 to "
               "2026-12-03 (from 2026-11-26 to 2026-12-04) left out")
        if w != [exp]:
            errors.append("warnings %r" % w)
    report("boundary: both bounds inclusive to the millisecond", errors)


def norm_notify(b):
    """notify's payload without the Organization line (run.json names
    the org; bare exports do not)."""
    return re.sub(r"\\n\*Organization:\*[^\\]*", "", b.decode())


def read_all(c, X, cur, prev, form, errors, cwd):
    """Every reader on run directory X equals the same reader on the
    exports cur and prev, run from cwd with X relative to it."""
    x = os.path.relpath(X, cwd)
    rj = run_json(X)
    if not rj.get("start") or not rj.get("end"):
        errors.append("%s: run.json has no period: %s to %s" % (
            form, rj.get("start"), rj.get("end")))
    for args in (["report", "--format", "json", "--by", "project"],
                 ["report", "--format", "csv", "--by", "day"]):
        a = c.tool(args + [x], cwd=cwd)
        b = c.tool(args + [cur])
        if a.returncode != 0 or a.stdout != b.stdout:
            errors.append("%s: %s on the run directory: exit %d, %s" % (
                form, " ".join(args[:1]), a.returncode,
                err(a) or "other figures than on the export"))
    h1, h2 = os.path.join(cwd, "a.html"), os.path.join(c.tmp, "b.html")
    a = c.tool(["html", x, "-o", h1], cwd=cwd)
    b = c.tool(["html", cur, "-o", h2])
    if a.returncode != 0 or open(h1, "rb").read() != open(h2, "rb").read():
        errors.append("%s: html: exit %d %s" % (form, a.returncode,
                                               err(a) or "differs"))
    b = c.tool(["compare", "--format", "csv", prev, cur])
    for args in (["compare", "--format", "csv", x],
                 ["compare", "--format", "csv", os.path.abspath(prev), x]):
        a = c.tool(args, cwd=cwd)
        if a.returncode != 0 or a.stdout != b.stdout:
            errors.append("%s: %s: exit %d %s" % (
                form, " ".join(args), a.returncode, err(a) or "differs"))
    a = c.tool(["notify", "slack", "--dry-run", x], cwd=cwd)
    b = c.tool(["notify", "slack", "--dry-run", "--previous", prev, cur])
    if a.returncode != 0:
        errors.append("%s: notify: exit %d: %s" % (form, a.returncode,
                                                   err(a)))
    elif norm_notify(a.stdout) != norm_notify(b.stdout):
        errors.append("%s: notify's message differs from the exports'" %
                      form)


def case_readers(c, R, quick):
    """Point 6: every form of run, read by every reader."""
    T = c.tmp
    e_cur, e_prev = os.path.join(T, "e_cur"), os.path.join(T, "e_prev")
    shutil.copytree(os.path.join(R, "export"), e_cur)
    shutil.copytree(os.path.join(R, "previous"), e_prev)
    sub = os.path.join(T, "sub")
    os.makedirs(sub, exist_ok=True)
    parts = os.path.join(T, "parts")    # no manifest: the data's period
    os.makedirs(parts, exist_ok=True)
    for root, _, files in os.walk(e_cur):
        for n in files:
            if n.endswith(".csv.gz"):
                shutil.copy(os.path.join(root, n),
                            os.path.join(parts, "%d-%s" % (len(
                                os.listdir(parts)), n)))
    forms = [
        ("--last (through the double)", None, R, e_cur, e_prev),
        ("--from, --previous-from relative", ["--from", "e_cur",
         "--previous-from", "e_prev", "-o", "wowB"], os.path.join(T, "wowB"),
         e_cur, e_prev),
    ]
    if not quick:
        forms += [
            ("absolute paths", ["--from", e_cur, "--previous-from", e_prev,
             "-o", os.path.join(T, "wowC")], os.path.join(T, "wowC"), e_cur,
             e_prev),
            ("from another directory", ["--from", "../e_cur",
             "--previous-from", "../e_prev", "-o", "../wowD"],
             os.path.join(T, "wowD"), e_cur, e_prev),
            ("--db", ["--from", "e_cur", "--previous-from", "e_prev",
             "--db", os.path.join(T, "d.db"), "-o", "wowE"],
             os.path.join(T, "wowE"), e_cur, e_prev),
            ("--from a folder of parts", ["--from", "parts",
             "--previous-from", "e_prev", "-o", "wowF"],
             os.path.join(T, "wowF"), parts, e_prev),
        ]
    for form, args, X, cur, prev in forms:
        errors = []
        if args is not None:
            r = c.tool(["run", "--quiet"] + args,
                       cwd=sub if "../e_cur" in args else T)
            if r.returncode != 0:
                report("readers: %s" % form, ["run: exit %d: %s" % (
                    r.returncode, err(r))])
                continue
        read_all(c, X, cur, prev, form, errors, c.elsewhere)
        if form.startswith("--from a folder"):
            rows = [x for x in rows_of(parts)]
            days = sorted(x["JOB_RUN_STARTED_AT"][:10] for x in rows)
            rj = run_json(X)
            if (rj["start"], rj["end"]) != (days[0] + "T00:00:00Z",
                                            days[-1] + "T23:59:59Z"):
                errors.append("run.json's period %s to %s is not the "
                              "data's" % (rj["start"], rj["end"]))
        report("readers: %s" % form, errors)


def case_export_dir(c, data):
    """Point 9: --export-dir keeps the raw exports out of DIR."""
    errors = []
    d = Double(c.tmp, data, name="double-edir", now=NOW)
    R = os.path.join(c.tmp, "artifacts")
    E = os.path.join(c.tmp, "exports")
    try:
        r = c.run(d, ["--last", "7d", "--compare", "-o", "artifacts",
                      "--export-dir", "exports", "--quiet"])
        if r.returncode != 0:
            errors.append("run: exit %d: %s" % (r.returncode, err(r)))
        else:
            for root, dirs, files in os.walk(R):
                for n in files:
                    if n.endswith((".csv.gz", "manifest.json")):
                        errors.append("%s in the artifacts" % n)
            if set(os.listdir(R)) & {"export", "previous"}:
                errors.append("export/ or previous/ in the artifacts")
            rj = run_json(R)
            if rj["export"] != os.path.join(E, "export"):
                errors.append("run.json export is %r" % rj["export"])
            if rj["previous"]["dir"] != os.path.join(E, "previous"):
                errors.append("run.json previous.dir is %r" %
                              rj["previous"]["dir"])
            read_all(c, R, os.path.join(E, "export"),
                     os.path.join(E, "previous"), "--export-dir", errors,
                     c.elsewhere)
    finally:
        d.stop()
    report("export_dir: the raw exports kept out of the artifacts", errors)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--keep", action="store_true")
    a = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="cu-rundir-")
    c = Ctx(a, tmp)
    try:
        # 97 days of data up to 2026-12-10: more than any request asks
        data = gen(tmp, "data", "2026-09-05", 97, 2500, 21)
        R = case_outside(c, data)
        case_boundary(c, data)
        if os.path.exists(os.path.join(R, "run.json")):
            case_readers(c, R, a.quick)
        case_export_dir(c, data)
        if not a.quick:
            case_week_later(c, data)
    except Exception as ex:  # a broken harness is a failure, not a crash
        import traceback
        traceback.print_exc()
        report("rundir harness", [repr(ex)])
    print("%d passed, %d failed" % (passed, failed))
    if failed == 0 and not a.keep:
        scratch.rmtree(tmp)
    else:
        print("temp files kept in %s" % tmp)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
