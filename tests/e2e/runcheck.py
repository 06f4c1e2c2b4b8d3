#!/usr/bin/env python3
"""runcheck.py --bin BIN [--quick]: `circleci-usage run` end to end.

Against the test double serving two weeks of generated usage:
  * `run --last 1w --compare` writes every artifact (export/, previous/,
    index.html, by-KEY.csv|json, the charts, usage.prom, failures.csv,
    summary.md,
    run.json, and
    compare-by-project.csv|json when compare exists), and run.json lists
    exactly the files written;
  * every by-KEY file equals what `report` writes for the same export
    (failures.csv what `failures` writes, usage.prom what `report
    --format openmetrics` writes), and
    run.json's totals (and the previous period's) equal report's; the
    page links every other file of the directory by its relative name
    (and nothing else; unless --quick, as Chromium resolves and follows
    them), and has change columns;
  * the previous period has the same length and ends where the current one
    starts; change_pct is exact;
  * `--from DIR` exports nothing; `--token-file -` feeds both exports;
  * failures (bad token, corrupt input) exit non-zero and leave no artifact
    and no temporary file;
  * the token is in no file.

Prints PASS/FAIL lines and `N passed, M failed`.
"""

import argparse
import datetime as dt
import gzip
import json
import os
import shutil
import subprocess
import sys
import tempfile
from decimal import Decimal

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import scratch  # noqa: E402  (files and outputs kept for run.sh's scan)
import export as E  # noqa: E402  (Double, gen, day)

KEYS = ("project", "workflow", "job", "resource_class", "status", "day")
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


def listing(d):
    out = set()
    for root, _, files in os.walk(d):
        for f in files:
            out.add(os.path.relpath(os.path.join(root, f), d))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--quick", action="store_true")
    a = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="cu-run-")
    c = E.Ctx(a, tmp)
    env = c.env()
    binary = c.bin
    has_compare = subprocess.run([binary, "compare", "--help"],
                                 capture_output=True).returncode == 0

    def rep(args):
        r = subprocess.run([binary, "report"] + args, capture_output=True,
                           env=env)
        return r

    # three weeks of data up to yesterday: the last complete ISO week and
    # the one before it are both inside
    data, _ = E.gen(tmp, "data", 4000, 3, E.day(-22), 21, 21)
    d = E.Double(tmp, data, E.FAST, "d-run")
    R = os.path.join(tmp, "R")
    try:
        # ---- the whole job ----
        errors = []
        r = subprocess.run([binary, "run", "--org", E.ORG, "--api-url",
                            d.api_url, "--last", "1w", "--compare",
                            "--poll-interval", "0.05", "-o", R],
                           capture_output=True, env=env, timeout=300)
        if r.returncode != 0:
            errors.append("exit %d: %s" % (r.returncode,
                                           r.stderr.decode()[-400:]))
        want = {"index.html", "summary.md", "run.json", "failures.csv",
                "rightsize.csv", "usage.prom",
                "credits-by-project.png", "credits-by-project.svg",
                "credits-by-day.png", "credits-by-day.svg"}
        for k in KEYS:
            want |= {"by-%s.csv" % k, "by-%s.json" % k}
        if has_compare:
            want |= {"compare-by-project.csv", "compare-by-project.json"}
        have = listing(R)
        top = {f for f in have if "/" not in f}
        if top != want:
            errors.append("files: missing %s, extra %s" %
                          (sorted(want - top), sorted(top - want)))
        for sub in ("export", "previous"):
            if "%s/manifest.json" % sub not in have:
                errors.append("no %s/manifest.json" % sub)
        if any(f.endswith((".tmp", ".partial")) or "/." in f or
               f.startswith(".") for f in have):
            errors.append("temporary files left: %s" %
                          [f for f in have if ".tmp" in f or
                           f.startswith(".")])
        try:
            run = json.load(open(os.path.join(R, "run.json")))
        except (OSError, ValueError) as e:
            run = None
            errors.append("run.json: %s" % e)
        if run is not None:
            if set(run.get("files", [])) != want:
                errors.append("run.json files %s" %
                              sorted(set(run.get("files", [])) ^ want))
            if run.get("org_id") != E.ORG:
                errors.append("org_id %r" % run.get("org_id"))
            # the last complete ISO week before the pinned now, its end
            # no later than now less a minute (a run at Monday 00:00:30
            # ends at Sunday 23:59:30), and the previous period as long
            monday = dt.datetime.combine(E.pinnow.NOW.date(), dt.time()) - \
                dt.timedelta(days=E.pinnow.NOW.weekday())
            s = monday - dt.timedelta(days=7)
            e = min(monday - dt.timedelta(seconds=1),
                    E.pinnow.NOW.replace(microsecond=0) -
                    dt.timedelta(seconds=60))
            if (run["start"], run["end"]) != (E.pinnow.rfc(s),
                                              E.pinnow.rfc(e)):
                errors.append("--last 1w at %s gave %s to %s, want %s to "
                              "%s" % (E.pinnow.NOW_RFC, run["start"],
                                      run["end"], E.pinnow.rfc(s),
                                      E.pinnow.rfc(e)))
            p = run.get("previous") or {}
            span = e - s + dt.timedelta(seconds=1)
            if (p.get("start"), p.get("end")) != (
                    E.pinnow.rfc(s - span),
                    E.pinnow.rfc(s - dt.timedelta(seconds=1))):
                errors.append("previous period %s to %s" %
                              (p.get("start"), p.get("end")))
        report("run --last 1w --compare at %s: every artifact, run.json "
               "lists them, periods of equal length" % E.pinnow.NOW_RFC,
               errors)

        # ---- consistency with report ----
        errors = []
        for k in KEYS:
            for fmt in ("csv", "json"):
                rr = rep(["--by", k, "--format", fmt,
                          os.path.join(R, "export")])
                try:
                    got = open(os.path.join(R, "by-%s.%s" % (k, fmt)),
                               "rb").read()
                except OSError:
                    got = None
                if rr.returncode != 0 or got != rr.stdout:
                    errors.append("by-%s.%s differs from report" % (k, fmt))
        fr = subprocess.run([binary, "failures", "--format", "csv",
                             os.path.join(R, "export")],
                            capture_output=True, timeout=120)
        try:
            got = open(os.path.join(R, "failures.csv"), "rb").read()
        except OSError:
            got = None
        if fr.returncode != 0 or got != fr.stdout:
            errors.append("failures.csv differs from failures")
        mr = subprocess.run([binary, "report", "--format", "openmetrics",
                             os.path.join(R, "export")],
                            capture_output=True, timeout=120)
        try:
            got = open(os.path.join(R, "usage.prom"), "rb").read()
        except OSError:
            got = None
        if mr.returncode != 0 or got != mr.stdout:
            errors.append("usage.prom differs from report --format "
                          "openmetrics")
        rs = subprocess.run([binary, "rightsize", "--format", "csv",
                             os.path.join(R, "export")],
                            capture_output=True, timeout=120)
        try:
            got = open(os.path.join(R, "rightsize.csv"), "rb").read()
        except OSError:
            got = None
        if rs.returncode != 0 or got != rs.stdout:
            errors.append("rightsize.csv differs from rightsize")
        page = open(os.path.join(R, "index.html"), encoding="utf-8").read()
        if "ightsiz" not in page:
            errors.append("the page has no rightsizing section")
        # the page links every file beside it, by relative names only
        hc = subprocess.run([sys.executable, os.path.join(HERE,
                             "htmlcheck.py"), "self-contained",
                             os.path.join(R, "index.html"), R],
                            capture_output=True, text=True, timeout=60)
        if hc.returncode != 0:
            errors.append("the page's links: %s" % hc.stdout.strip())
        if has_compare and ">change %</th>" not in page:
            errors.append("the page has no change columns")
        if run is not None:
            for side, path in (("totals", "export"),
                               ("previous", "previous")):
                rr = rep(["--format", "json", os.path.join(R, path)])
                t = json.loads(rr.stdout, parse_float=Decimal)["totals"]
                rt = run[side] if side == "totals" else \
                    run["previous"]["totals"]
                if Decimal(rt["total_credits"]) != t["total_credits"]:
                    errors.append("%s credits %s, report %s" % (
                        side, rt["total_credits"], t["total_credits"]))
                if int(rt["jobs"]) != t["jobs"]:
                    errors.append("%s jobs differ" % side)
                if Decimal(rt["cost_usd"]) != t["cost_usd"]:
                    errors.append("%s cost differs" % side)
                fr = rep(["--format", "json", "--by", "status",
                          os.path.join(R, path)])
                fd = json.loads(fr.stdout, parse_float=Decimal)
                fc = sum((x["total_credits"] for x in fd["rows"]
                          if x["status"].lower() in
                          ("failed", "canceled", "timedout",
                           "infrastructure_fail")), Decimal(0))
                if Decimal(rt["failed_credits"]) != fc:
                    errors.append("%s failed credits %s, want %s" %
                                  (side, rt["failed_credits"], fc))
            cur = Decimal(run["totals"]["total_credits"])
            prev = Decimal(run["previous"]["totals"]["total_credits"])
            want_pct = ((cur - prev) * 100 / prev).quantize(Decimal("0.01"))
            if Decimal(run.get("change_pct") or "nan") != want_pct:
                errors.append("change_pct %s, want %s" %
                              (run.get("change_pct"), want_pct))
        summ = open(os.path.join(R, "summary.md"), encoding="utf-8").read()
        if "previous period" not in summ or "Top projects" not in summ:
            errors.append("summary.md lacks the comparison or the top "
                          "projects")
        for f, args in (("credits-by-project", ["--by", "project", "--top",
                                                "10"]),
                        ("credits-by-day", ["--by", "day", "--top", "8"])):
            for ext in ("svg", "png"):
                rr = rep(args + ["--format", ext, "-o",
                                 os.path.join(tmp, "chart." + ext),
                                 os.path.join(R, "export")])
                if rr.returncode != 0 or open(
                        os.path.join(tmp, "chart." + ext), "rb").read() != \
                        open(os.path.join(R, f + "." + ext), "rb").read():
                    errors.append("%s.%s differs from report's" % (f, ext))
        for f in ("credits-by-project.png", "credits-by-day.png"):
            if open(os.path.join(R, f), "rb").read(8) != \
                    b"\x89PNG\r\n\x1a\n":
                errors.append("%s is not a PNG" % f)
        if has_compare:
            cr = subprocess.run([binary, "compare", "--by", "project",
                                 "--format", "json",
                                 os.path.join(R, "previous"),
                                 os.path.join(R, "export")],
                                capture_output=True, env=env)
            if cr.stdout != open(os.path.join(
                    R, "compare-by-project.json"), "rb").read():
                errors.append("compare-by-project.json differs from "
                              "compare")
            rr = rep(["--format", "json", R])
            rx = rep(["--format", "json", os.path.join(R, "export")])
            if rr.returncode != 0 or rr.stdout != rx.stdout:
                errors.append("report RUNDIR is not report RUNDIR/export")
        report("run: artifacts equal report's (and compare's), totals and "
               "change exact", errors)

        # ---- the page's links, as Chromium resolves and follows them ----
        if not a.quick and shutil.which("chromium"):
            b = subprocess.run([sys.executable, os.path.join(
                HERE, "browser.py"), "--links", os.path.join(R, "index.html")],
                capture_output=True, text=True, timeout=120)
            report("run: in Chromium the page's links are the files beside "
                   "it, and a click opens one",
                   [] if b.returncode == 0 else [b.stdout.strip()[-300:]])

        # ---- the token ----
        errors = []
        E.no_secret(c, R, [r.stdout, r.stderr], errors)
        report("run: the token is in no output or file", errors)

        # ---- --from: nothing exported; --token-file - for both ----
        errors = []
        before = len(d.state()["jobs"])
        R2 = os.path.join(tmp, "R2")
        r2 = subprocess.run([binary, "run", "--from",
                             os.path.join(R, "export"), "--quiet", "-o",
                             R2], capture_output=True, env=env)
        if r2.returncode != 0 or len(d.state()["jobs"]) != before:
            errors.append("--from: exit %d, jobs %d -> %d" %
                          (r2.returncode, before, len(d.state()["jobs"])))
        if r2.stderr.strip():
            errors.append("--quiet printed: %s" % r2.stderr[:200])
        if open(os.path.join(R2, "by-project.csv"), "rb").read() != \
                open(os.path.join(R, "by-project.csv"), "rb").read():
            errors.append("--from gave other figures")
        env2 = {k: v for k, v in env.items() if k != "CIRCLECI_API_TOKEN"}
        R3 = os.path.join(tmp, "R3")
        r3 = subprocess.run([binary, "run", "--org", E.ORG, "--api-url",
                             d.api_url, "--last", "1w", "--compare",
                             "--poll-interval", "0.05", "--token-file", "-",
                             "-o", R3], capture_output=True, env=env2,
                            input=(c.token + "\n").encode(), timeout=300)
        if r3.returncode != 0 or not os.path.exists(
                os.path.join(R3, "previous", "manifest.json")):
            errors.append("--token-file - with --compare: exit %d: %s" %
                          (r3.returncode, r3.stderr.decode()[-300:]))
        E.no_secret(c, R3, [r3.stdout, r3.stderr], errors)
        report("run --from exports nothing; --token-file - serves both "
               "exports", errors)

        # ---- failures leave no artifact ----
        errors = []
        R4 = os.path.join(tmp, "R4")
        bad = dict(env, CIRCLECI_API_TOKEN=c.token + "-wrong")
        r4 = subprocess.run([binary, "run", "--org", E.ORG, "--api-url",
                             d.api_url, "--last", "1w", "-o", R4],
                            capture_output=True, env=bad)
        if r4.returncode != 4:
            errors.append("bad token: exit %d" % r4.returncode)
        left = {f for f in listing(R4) if not f.startswith("export/")} \
            if os.path.isdir(R4) else set()
        if left:
            errors.append("artifacts after a failure: %s" % sorted(left))
        broken = os.path.join(tmp, "broken")
        os.makedirs(broken)
        shutil.copy(os.path.join(data, "part-000.csv.gz"), broken)
        with open(os.path.join(broken, "part-001.csv.gz"), "wb") as f:
            f.write(gzip.compress(b"x" * 1000)[:200])
        R5 = os.path.join(tmp, "R5")
        r5 = subprocess.run([binary, "run", "--from", broken, "-o", R5],
                            capture_output=True, env=env)
        if r5.returncode != 3:
            errors.append("corrupt input: exit %d" % r5.returncode)
        left = listing(R5) if os.path.isdir(R5) else set()
        if left:
            errors.append("files after a failure: %s" % sorted(left))
        report("run: a failure exits non-zero and leaves no artifact",
               errors)
    finally:
        d.stop()
    print("%d passed, %d failed" % (passed, failed))
    if failed == 0:
        scratch.rmtree(tmp)
    else:
        print("temp files kept in %s" % tmp)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
