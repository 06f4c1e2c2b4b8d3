#!/usr/bin/env python3
"""weekly.py --bin BIN [--quick]: an export directory used again and again,
as a weekly job does, against the test double (tests/double/usage_api.py),
with "now" pinned (CIRCLECI_USAGE_NOW) for the tool and the double.

  * a week later, the same `export --last 7d -o D` exports the new week and
    replaces the old one (its files go once the new one is complete; while
    it is not, D never shows the old week as the new one), and says so;
  * the same request again creates no job and downloads nothing;
  * a clamped future end, run again later, resumes and adds the missing
    window;
  * SIGINT, SIGTERM or SIGKILL after the job is created, while polling or
    after some parts: the next run creates no job again, downloads no
    completed part again, resumes a .partial with a Range request, and ends
    byte-identical to the parts served;
  * two or three exports at once into one D: one runs, the others exit 1 at
    once naming its process id, one job per window; a lock left by a killed
    export is taken over;
  * progress: in a log, a line at each state change and no silence of more
    than 30 s; on a terminal a live line, cleared at the end; --quiet
    prints nothing.

Prints `PASS name` / `FAIL name: reason` and a last line `N passed, M
failed`.  Python 3 standard library only.
"""

import argparse
import datetime as dt
import hashlib
import json
import os
import pty
import re
import select
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
GEN = os.path.join(ROOT, "tests", "gen", "genexport.py")
DOUBLE = os.path.join(ROOT, "tests", "double", "usage_api.py")
sys.path.insert(0, HERE)
import scratch  # noqa: E402  (files and outputs kept for run.sh's scan)
import truth as T  # noqa: E402  (compare_rows, compare_metrics)

ORG = "b9291e0d-a11e-41fb-8517-c545388b5953"
# a Monday: --last 7d is Monday 2026-11-30 to Sunday 2026-12-06
NOW0 = dt.datetime(2026, 12, 7, 12, 0, 0, tzinfo=dt.timezone.utc)
FAST = ["--processing-after", "0.05", "--complete-after", "0.15",
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


def iso(t):
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for b in iter(lambda: f.read(1 << 20), b""):
            h.update(b)
    return h.hexdigest()


class Double:
    """A running test double; stop() ends it."""

    def __init__(self, tmp, data, now, args=(), name="double"):
        self.dir = os.path.join(tmp, name)
        os.makedirs(self.dir, exist_ok=True)
        self.ready = os.path.join(self.dir, "ready.json")
        self.log = os.path.join(self.dir, "log.jsonl")
        cmd = [sys.executable, DOUBLE, "--data", data, "--token-file",
               os.path.join(tmp, "token.secret"), "--org", ORG,
               "--ready-file", self.ready, "--log", self.log,
               "--now", iso(now)] + list(args)
        self.err = open(os.path.join(self.dir, "stderr"), "wb")
        self.p = subprocess.Popen(cmd, stdout=self.err, stderr=self.err)
        t = time.time() + 30
        while not os.path.exists(self.ready):
            if self.p.poll() is not None or time.time() > t:
                raise RuntimeError("the double did not start")
            time.sleep(0.02)
        with open(self.ready) as f:
            info = json.load(f)
        self.api_url = info["api_url"]
        self.base = self.api_url.split("/api/")[0]

    def state(self):
        with urllib.request.urlopen(self.base + "/_double/state",
                                    timeout=10) as r:
            return json.load(r)

    def log_lines(self):
        out = []
        try:
            with open(self.log, encoding="utf-8") as f:
                for line in f:
                    if line.strip():
                        out.append(json.loads(line))
        except FileNotFoundError:
            pass
        return out

    def posts(self, lines=None):
        return [x for x in (lines if lines is not None else self.log_lines())
                if x.get("server") == "api" and x.get("method") == "POST"]

    def downloads(self, lines=None):
        return [x for x in (lines if lines is not None else self.log_lines())
                if x.get("server") == "download"]

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
        self.quick = a.quick
        self.token = (os.environ.get("CU_E2E_TOKEN") or
                      "CCIPAT_%s_%032x" % ("e2e", int.from_bytes(
                          os.urandom(16), "big")))
        with open(os.path.join(tmp, "token.secret"), "w") as f:
            f.write(self.token + "\n")
        self.n = 0

    def env(self, now):
        e = {k: v for k, v in os.environ.items()
             if not k.startswith(("CIRCLE", "ORG_ID", "START_DATE",
                                  "END_DATE"))}
        e["CIRCLECI_API_TOKEN"] = self.token
        e["CIRCLECI_USAGE_NOW"] = iso(now)
        e["LC_ALL"] = "C"
        return e

    def outdir(self):
        self.n += 1
        return os.path.join(self.tmp, "out%02d" % self.n)

    def cmd(self, d, out, args):
        return [self.bin, "export", "--org", ORG, "--api-url", d.api_url,
                "-o", out, "--poll-interval", "0.05"] + list(args)

    def export(self, d, out, args, now, timeout=120):
        t0 = time.time()
        r = subprocess.run(self.cmd(d, out, args), env=self.env(now),
                           capture_output=True, timeout=timeout)
        r.elapsed = time.time() - t0
        return r

    def start(self, d, out, args, now, **kw):
        return subprocess.Popen(self.cmd(d, out, args), env=self.env(now),
                                **kw)

    def report_json(self, out, now):
        return subprocess.run([self.bin, "report", "--format", "json",
                               "--by", "project", out], capture_output=True,
                              env=self.env(now), timeout=120)


def err1(r):
    return r.stderr.decode("utf-8", "replace").strip()


def gen(tmp, name, rows, parts, start, days, seed):
    out = os.path.join(tmp, name)
    tf = out + ".truth.json"
    subprocess.run([sys.executable, GEN, "-o", out, "--rows", str(rows),
                    "--parts", str(parts), "--start", start, "--days",
                    str(days), "--seed", str(seed), "--truth", tf],
                   check=True, capture_output=True)
    with open(tf) as f:
        return out, json.load(f)


def manifest(out):
    try:
        with open(os.path.join(out, "manifest.json")) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def check_truth(c, out, now, truth, errors, what="report"):
    rr = c.report_json(out, now)
    if rr.returncode != 0:
        errors.append("%s exit %d: %s" % (what, rr.returncode, err1(rr)))
        return
    doc = json.loads(rr.stdout)
    e2 = []
    T.compare_rows(truth["by"]["project"], doc["rows"], ("project",), e2)
    T.compare_metrics("totals", truth["keyed"]["project"]["totals"],
                      doc["totals"], e2)
    errors.extend("%s: %s" % (what, x) for x in e2)


def check_parts(d, out, errors):
    """Complete, and every part byte-identical to the one served."""
    man = manifest(out)
    if man is None or man.get("complete") is not True:
        errors.append("manifest not complete")
        return man
    jobs = {j["id"]: j for j in d.state()["jobs"]}
    for w in man["windows"]:
        j = jobs.get(w.get("job_id"))
        if j is None:
            errors.append("window %s: job unknown to the API" % w["dir"])
            continue
        if len(w["files"]) != len(j["parts"]):
            errors.append("window %s: %d files, %d served" %
                          (w["dir"], len(w["files"]), len(j["parts"])))
            continue
        for f, s in zip(w["files"], j["parts"]):
            p = os.path.join(out, f["path"])
            if not os.path.exists(p) or sha256(p) != s["sha256"]:
                errors.append("%s differs from the part served" % f["path"])
            elif f.get("sha256") != s["sha256"] or not f.get("done"):
                errors.append("%s: manifest entry wrong" % f["path"])
            if os.path.exists(p + ".partial"):
                errors.append("%s.partial left behind" % f["path"])
    return man


def files_under(top):
    out = set()
    for dp, _, fs in os.walk(top):
        for f in fs:
            out.add(os.path.relpath(os.path.join(dp, f), top))
    return out


# ---- 2: a week later, the same command exports the new week ----

def case_weekly(c, data):
    path, truth1, truth2 = data
    now1 = NOW0 + dt.timedelta(days=7)
    d = Double(c.tmp, path, now1 + dt.timedelta(hours=1),
               ["--processing-after", "0.1", "--complete-after", "2.5",
                "--poll-limit", "1000/60", "--create-limit", "100/3600"],
               "d-weekly")
    out = c.outdir()
    errors = []
    try:
        r = c.export(d, out, ["--last", "7d"], NOW0)
        if r.returncode != 0:
            errors.append("first week: exit %d: %s" % (r.returncode,
                                                       err1(r)[-300:]))
        check_truth(c, out, NOW0, truth1, errors, "first week")
        if os.path.exists(os.path.join(out, ".lock")):
            errors.append("the lock file is left after a complete export")
        old = files_under(out) - {"manifest.json", ".lock"}

        # a week later; cut short while the new job is pending
        r = c.export(d, out, ["--last", "7d", "--timeout", "1s"], now1)
        msg = err1(r)
        if r.returncode != 6:
            errors.append("timed-out replacement: exit %d: %s" %
                          (r.returncode, msg[-300:]))
        if "replacing" not in msg or "2026-11-30" not in msg or \
                "2026-12-07" not in msg:
            errors.append("no message naming what is replaced: %s" %
                          msg[-300:])
        man = manifest(out) or {}
        if not man.get("start", "").startswith("2026-12-07"):
            errors.append("half-replaced manifest's range starts %s" %
                          man.get("start"))
        if any(w["start"].startswith("2026-11-30")
               for w in man.get("windows", [])):
            errors.append("the old window is among the current ones")
        if not man.get("replaced"):
            errors.append("no 'replaced' entry while the new one runs")
        if not old <= files_under(out):
            errors.append("old files removed before the new export is "
                          "complete")
        rr = c.report_json(out, now1)
        if rr.returncode == 0:
            doc = json.loads(rr.stdout)
            if doc.get("rows"):
                errors.append("a half-replaced D reports the old week's "
                              "rows: %s" % doc["rows"][:1])

        r = c.export(d, out, ["--last", "7d"], now1)
        if r.returncode != 0:
            errors.append("second week: exit %d: %s" % (r.returncode,
                                                        err1(r)[-300:]))
        man = check_parts(d, out, errors) or {}
        if not man.get("start", "").startswith("2026-12-07") or \
                not man.get("end", "").startswith("2026-12-13"):
            errors.append("range %s to %s, want the week of 2026-12-07" %
                          (man.get("start"), man.get("end")))
        if man.get("replaced"):
            errors.append("'replaced' still listed when complete")
        left = old & files_under(out)
        if left:
            errors.append("old files left: %s" % sorted(left)[:2])
        check_truth(c, out, now1, truth2, errors, "second week")
        if len(d.posts()) != 2:
            errors.append("%d jobs created, want 2 (one a week)" %
                          len(d.posts()))

        # (b) the same request again: nothing created or downloaded
        before = d.log_lines()
        r = c.export(d, out, ["--last", "7d"], now1)
        after = d.log_lines()[len(before):]
        if r.returncode != 0 or "complete export" not in err1(r):
            errors.append("the same again: exit %d: %s" %
                          (r.returncode, err1(r)[-200:]))
        if d.posts(after) or d.downloads(after):
            errors.append("the same request again made %d creates, %d "
                          "downloads" % (len(d.posts(after)),
                                         len(d.downloads(after))))
        check_truth(c, out, now1, truth2, errors, "again")
    finally:
        d.stop()
    report("weekly: a week later `--last 7d -o D` replaces the old week "
           "(old files kept until complete), the same request again "
           "creates and downloads nothing", errors)


def case_reuse(c, data):
    """Another range whose windows partly match an old one's: the
    identical window is taken over, no new job for it."""
    path, _, _ = data
    d = Double(c.tmp, path, NOW0, FAST, "d-reuse")
    out = c.outdir()
    errors = []
    try:
        # both split into [10-01, 11-01] and a second window that differs
        a = ["--start", "2026-10-01", "--end", "2026-11-15"]
        b = ["--start", "2026-10-01", "--end", "2026-11-20"]
        r = c.export(d, out, a, NOW0)
        if r.returncode != 0:
            errors.append("first: exit %d: %s" % (r.returncode, err1(r)))
        first = manifest(out)["windows"][0]
        r = c.export(d, out, b, NOW0)
        if r.returncode != 0:
            errors.append("second: exit %d: %s" % (r.returncode, err1(r)))
        man = check_parts(d, out, errors) or {"windows": []}
        if len(d.posts()) != 3:
            errors.append("%d creates, want 3 (the first window reused)" %
                          len(d.posts()))
        if not man["windows"] or \
                man["windows"][0].get("job_id") != first.get("job_id"):
            errors.append("the identical window was not taken over")
        if "1 of 2 windows reused" not in err1(r):
            errors.append("message: %s" % err1(r)[-200:])
    finally:
        d.stop()
    report("weekly: a window identical to one of the replaced export is "
           "reused, not exported again", errors)


# ---- 2: a clamped future end resumes and adds the missing window ----

def case_clamped(c, data):
    path, _, _ = data
    d = Double(c.tmp, path, NOW0 + dt.timedelta(days=1), FAST, "d-clamp")
    out = c.outdir()
    errors = []
    later = NOW0 + dt.timedelta(hours=6)
    args = ["--start", "2026-12-05", "--end", "2026-12-08"]
    try:
        r = c.export(d, out, args, NOW0)
        if r.returncode != 0 or "future" not in err1(r):
            errors.append("first: exit %d: %s" % (r.returncode, err1(r)))
        r = c.export(d, out, args, later)
        msg = err1(r)
        if r.returncode != 0:
            errors.append("later: exit %d: %s" % (r.returncode, msg))
        man = check_parts(d, out, errors) or {"windows": []}
        jobs = d.state()["jobs"]
        if len(jobs) != 2:
            errors.append("%d jobs, want 2" % len(jobs))
        else:
            if not (jobs[1]["start"].startswith("2026-12-07T11:59:00") and
                    jobs[1]["end"].startswith("2026-12-07T17:59:00")):
                errors.append("the added window is %s to %s" %
                              (jobs[1]["start"], jobs[1]["end"]))
        if not man.get("end", "").startswith("2026-12-07T17:59:00"):
            errors.append("manifest end %s" % man.get("end"))
        if not man.get("requested_end", "").startswith("2026-12-08"):
            errors.append("requested_end %s" % man.get("requested_end"))
        if "replacing" in msg:
            errors.append("the same request was replaced: %s" % msg)
        # once more at the same moment: nothing new
        before = len(d.log_lines())
        r = c.export(d, out, args, later)
        after = d.log_lines()[before:]
        if r.returncode != 0 or d.posts(after) or d.downloads(after):
            errors.append("again: exit %d, %d creates" %
                          (r.returncode, len(d.posts(after))))
    finally:
        d.stop()
    report("weekly: a clamped future end, run again later, resumes and "
           "adds the window up to the new now", errors)


# ---- 3: interruptions at several moments ----

def wait_until(pred, p, limit=30):
    t = time.time() + limit
    while time.time() < t and p.poll() is None:
        if pred():
            return True
        time.sleep(0.01)
    return False


def case_interrupt(c, data, sig, moment):
    path, truth, start, end = data
    d = Double(c.tmp, path, NOW0,
               ["--processing-after", "0.3", "--complete-after", "1.2",
                "--poll-limit", "1000/60", "--parts-per-job", "6",
                "--fault", "slow=60000"],
               "d-int-%s-%s" % (sig.name, moment))
    out = c.outdir()
    errors = []
    args = ["--start", start, "--end", end, "--parallel", "2"]
    try:
        p = c.start(d, out, args, NOW0, stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL)

        def job_created():
            m = manifest(out)
            return bool(m and m["windows"] and m["windows"][0]["job_id"])

        def polled():
            return sum(1 for x in d.log_lines() if x.get("method") == "GET"
                       and x.get("server") == "api") >= 2

        def two_parts():
            m = manifest(out)
            return bool(m and sum(1 for f in m["windows"][0]["files"]
                                  if f.get("done")) >= 2)

        pred = {"create": job_created, "poll": polled,
                "parts": two_parts}[moment]
        if not wait_until(pred, p):
            errors.append("the moment never came")
        if moment == "parts":
            time.sleep(0.3)     # a .partial under way, as in the issue
        alive = p.poll() is None
        p.send_signal(sig)
        try:
            p.wait(15)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
            errors.append("still running 15 s after %s" % sig.name)
        if not alive:
            errors.append("the export ended before the signal")
        time.sleep(1)   # the double logs a cut-off body when it notices
        m = manifest(out) or {"windows": []}
        done = set()
        partial = {}
        for w in m["windows"]:
            for f in w.get("files") or []:
                fp = os.path.join(out, f["path"])
                if f.get("done"):
                    done.add(os.path.basename(f["path"]))
                elif os.path.exists(fp + ".partial") and \
                        os.path.getsize(fp + ".partial") > 0:
                    partial[os.path.basename(f["path"])] = \
                        os.path.getsize(fp + ".partial")
        if moment == "parts" and len(done) < 2:
            errors.append("manifest lists %d parts done after the signal "
                          "(2 were)" % len(done))
        n0 = len(d.log_lines())
        r = c.export(d, out, args, NOW0)
        if r.returncode != 0:
            errors.append("re-run: exit %d: %s" % (r.returncode,
                                                   err1(r)[-300:]))
        lines = d.log_lines()
        rerun = lines[n0:]
        if len(d.posts(lines)) != 1:
            errors.append("%d jobs created in all, want 1" %
                          len(d.posts(lines)))
        for x in d.downloads(rerun):
            name = x["path"].rsplit("/", 1)[-1]
            if name in done:
                errors.append("%s downloaded again" % name)
        for name, size in partial.items():
            reqs = [x for x in d.downloads(rerun)
                    if x["path"].endswith("/" + name)]
            if reqs and reqs[0].get("range") != "bytes=%d-" % size:
                errors.append("%s.partial (%d bytes) not resumed with a "
                              "Range: %s" % (name, size,
                                             reqs[0].get("range")))
        check_parts(d, out, errors)
        check_truth(c, out, NOW0, truth, errors)
    finally:
        d.stop()
    report("weekly: %s %s, the re-run creates no job and downloads no "
           "finished part again, byte-identical" %
           (sig.name, {"create": "after the job is created",
                       "poll": "while polling",
                       "parts": "after 2 parts"}[moment]), errors)


# ---- 8: one writer per directory ----

def case_concurrent(c, data, n):
    path, _, _ = data
    d = Double(c.tmp, path, NOW0,
               ["--processing-after", "0.2", "--complete-after", "4",
                "--poll-limit", "1000/60"], "d-conc%d" % n)
    out = c.outdir()
    errors = []
    try:
        ps = [c.start(d, out, ["--last", "7d"], NOW0,
                      stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
              for _ in range(n)]
        t0 = time.time()
        res = [None] * n

        def collect(k):
            _, e = ps[k].communicate(timeout=120)
            res[k] = (ps[k], ps[k].returncode, e.decode("utf-8", "replace"),
                      time.time() - t0)
        ths = [threading.Thread(target=collect, args=(k,)) for k in range(n)]
        for th in ths:
            th.start()
        for th in ths:
            th.join()
        ok = [x for x in res if x[1] == 0]
        busy = [x for x in res if x[1] != 0]
        if len(ok) != 1:
            errors.append("%d exports succeeded, want 1: %s" %
                          (len(ok), [(x[1], x[2][-120:]) for x in res]))
        for p, rc, e, el in busy:
            if rc != 1:
                errors.append("exit %d, want 1: %s" % (rc, e[-200:]))
            if ok and ("in use" not in e or
                       "process %d" % ok[0][0].pid not in e):
                errors.append("message does not name process %d: %s" %
                              (ok[0][0].pid, e[-200:]))
            # "at once" without a clock bound (a loaded machine may be
            # slow to start any process): the job takes 4 s to complete,
            # so one that waited for the lock ends after the winner
            if ok and el > ok[0][3] - 1.0:
                errors.append("a second export waited (%.1f s, the "
                              "one that ran %.1f s)" % (el, ok[0][3]))
        if len(d.posts()) != 1:
            errors.append("%d jobs created for 1 window" % len(d.posts()))
        check_parts(d, out, errors)
    finally:
        d.stop()
    report("weekly: %d exports at once into one D: one runs, the others exit "
           "1 at once naming its pid, one job" % n, errors)


def case_stale_lock(c, data):
    path, _, _ = data
    d = Double(c.tmp, path, NOW0,
               ["--processing-after", "0.2", "--complete-after", "1.5",
                "--poll-limit", "1000/60"], "d-stale")
    out = c.outdir()
    errors = []
    try:
        p = c.start(d, out, ["--last", "7d"], NOW0,
                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        # killed once its job is recorded (a kill between the create's
        # answer and its record would lose the job: a window of
        # microseconds no test can hit on purpose)
        if not wait_until(lambda: (manifest(out) or {"windows": [{}]})
                          ["windows"][0].get("job_id"), p):
            errors.append("no job created")
        p.kill()
        p.wait()
        if not os.path.exists(os.path.join(out, ".lock")):
            errors.append("no lock file left behind")
        r = c.export(d, out, ["--last", "7d"], NOW0)
        if r.returncode != 0 or "in use" in err1(r):
            errors.append("after a kill -9: exit %d: %s" %
                          (r.returncode, err1(r)[-200:]))
        if len(d.posts()) != 1:
            errors.append("%d jobs created, want 1" % len(d.posts()))
        check_parts(d, out, errors)
    finally:
        d.stop()
    report("weekly: the lock of a killed export is taken over", errors)


# ---- 5: progress ----

def read_lines(stream, sink):
    for raw in iter(stream.readline, b""):
        sink.append((time.time(), raw.decode("utf-8", "replace").rstrip()))


def case_progress_log(c, data):
    path, _, _ = data
    wait = 8 if c.quick else 40
    d = Double(c.tmp, path, NOW0,
               ["--processing-after", "1", "--complete-after", str(wait),
                "--poll-limit", "1000/60"], "d-plog")
    out = c.outdir()
    errors = []
    try:
        # the default poll interval: a long wait is not one line per poll
        cmd = [c.bin, "export", "--org", ORG, "--api-url", d.api_url,
               "-o", out, "--last", "7d", "--poll-interval", "0.5"]
        p = subprocess.Popen(cmd, env=c.env(NOW0), stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE)
        lines = []
        t0 = time.time()
        th = threading.Thread(target=read_lines, args=(p.stderr, lines))
        th.start()
        p.wait(wait + 60)
        th.join()
        if p.returncode != 0:
            errors.append("exit %d: %s" % (p.returncode, lines[-1:]))
        text = [x[1] for x in lines]
        if not any("processing" in x for x in text):
            errors.append("no line when the job began processing")
        if not any("completed" in x or "downloading" in x for x in text):
            errors.append("no line when the job completed")
        status = [x for x in lines if ": window " in x[1]]
        prev = t0
        for t, x in lines:
            if t - prev > 32:
                errors.append("%.0f s without a line" % (t - prev))
            prev = t
        # same status twice: a periodic line, at most one per 30 s
        for (t1, a), (t2, b) in zip(status, status[1:]):
            sa = re.sub(r", waited .*", "", a)
            sb = re.sub(r", waited .*", "", b)
            if sa == sb and t2 - t1 < 29:
                errors.append("two lines %.1f s apart: %r" % (t2 - t1, b))
        if any("\r" in x or "\033" in x for x in text):
            errors.append("terminal codes in a log")
        if len(status) > 4 + wait / 30 + 2:
            errors.append("%d status lines for a %d s wait" %
                          (len(status), wait))
    finally:
        d.stop()
    report("weekly: progress in a log: a line at each state change, none "
           "closer than 30 s, no long silence", errors)


def screen(raw):
    """What a terminal shows after raw: \\r, ESC[K and \\n handled."""
    done, cur, pos = [], [], 0
    i = 0
    while i < len(raw):
        ch = raw[i]
        if raw.startswith("\033[K", i):
            del cur[pos:]
            i += 3
            continue
        if ch == "\r":
            pos = 0
        elif ch == "\n":
            done.append("".join(cur))
            cur, pos = [], 0
        else:
            if pos < len(cur):
                cur[pos] = ch
            else:
                cur.append(ch)
            pos += 1
        i += 1
    if cur:
        done.append("".join(cur))
    return done


def case_progress_tty(c, data):
    path, _, _ = data
    d = Double(c.tmp, path, NOW0,
               ["--processing-after", "0.3", "--complete-after", "2",
                "--poll-limit", "1000/60", "--fault", "slow=200000"],
               "d-ptty")
    out = c.outdir()
    errors = []
    try:
        master, slave = pty.openpty()
        p = c.start(d, out, ["--last", "7d"], NOW0,
                    stdout=subprocess.DEVNULL, stderr=slave)
        os.close(slave)
        buf = b""
        while True:
            r, _, _ = select.select([master], [], [], 0.2)
            if r:
                try:
                    chunk = os.read(master, 65536)
                except OSError:
                    chunk = b""
                if not chunk:
                    break
                buf += chunk
            elif p.poll() is not None:
                break
        p.wait(60)
        os.close(master)
        raw = buf.decode("utf-8", "replace").replace("\r\n", "\n")
        if p.returncode != 0:
            errors.append("exit %d: %s" % (p.returncode, raw[-300:]))
        if "\rwindow 1 of 1: job" not in raw:
            errors.append("no live line while waiting")
        if "window 1 of 1: downloading" not in raw:
            errors.append("no live line while downloading")
        shown = screen(raw)
        if any("window 1 of 1" in x for x in shown):
            errors.append("a live line left on the screen: %r" %
                          [x for x in shown if "window" in x][:1])
        if not shown or "export complete" not in shown[-1]:
            errors.append("last line shown: %r" % shown[-1:])
    finally:
        d.stop()
    report("weekly: progress on a terminal: one live line, redrawn in "
           "place and cleared at the end", errors)


def case_quiet(c, data):
    path, _, _ = data
    d = Double(c.tmp, path, NOW0, FAST, "d-quiet")
    out = c.outdir()
    errors = []
    try:
        r = c.export(d, out, ["--last", "7d", "--quiet"], NOW0)
        if r.returncode != 0 or r.stderr:
            errors.append("exit %d, stderr %r" % (r.returncode,
                                                  r.stderr[:200]))
    finally:
        d.stop()
    report("weekly: --quiet prints nothing on success", errors)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--keep", action="store_true")
    a = ap.parse_args()
    # SIGINT as from a terminal: a suite started in the background by a
    # shell without job control (run.sh's suites, from a CI runner's
    # background job) inherits it ignored, which the tool honours, as
    # nohup's, and every signal sent here would be lost
    signal.signal(signal.SIGINT, signal.default_int_handler)
    tmp = tempfile.mkdtemp(prefix="cu-weekly-")
    c = Ctx(a, tmp)
    try:
        # two weeks of data, each well inside its --last 7d week (a row in
        # the last second of a day falls between inclusive windows)
        p1, t1 = gen(tmp, "week1", 600, 2, "2026-12-01", 5, 21)
        p2, t2 = gen(tmp, "week2", 700, 2, "2026-12-08", 5, 22)
        both = os.path.join(tmp, "both")
        os.makedirs(both)
        for src, tag in ((p1, "w1"), (p2, "w2")):
            for f in sorted(os.listdir(src)):
                if f.endswith(".csv.gz"):
                    os.symlink(os.path.join(src, f),
                               os.path.join(both, tag + "-" + f))
        weeks = (both, t1, t2)
        # one window with bigger parts, for the interruptions
        p3, t3 = gen(tmp, "int", 6000, 2, "2026-12-01", 5, 23)
        slow = (p3, t3, "2026-11-30", "2026-12-06")

        case_weekly(c, weeks)
        case_clamped(c, weeks)
        case_interrupt(c, slow, signal.SIGKILL, "parts")
        case_interrupt(c, slow, signal.SIGINT, "poll")
        case_concurrent(c, weeks, 2)
        case_progress_tty(c, weeks)
        case_quiet(c, weeks)
        if not a.quick:
            case_reuse(c, weeks)
            for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGKILL):
                for moment in ("create", "poll", "parts"):
                    if (sig, moment) in ((signal.SIGKILL, "parts"),
                                         (signal.SIGINT, "poll")):
                        continue
                    case_interrupt(c, slow, sig, moment)
            case_concurrent(c, weeks, 3)
            case_stale_lock(c, weeks)
        case_progress_log(c, weeks)
    except Exception as ex:  # a broken harness is a failure, not a crash
        import traceback
        traceback.print_exc()
        report("weekly harness", [repr(ex)])
    print("%d passed, %d failed" % (passed, failed))
    if failed == 0 and not a.keep:
        scratch.rmtree(tmp)
    else:
        print("temp files kept in %s" % tmp)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
