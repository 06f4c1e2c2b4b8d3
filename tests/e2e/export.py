#!/usr/bin/env python3
"""export.py --bin BIN [--quick]: `circleci-usage export` against the test
double of the Usage API (tests/double/usage_api.py).

Each case starts a double (its own ports, data and faults), runs the client
against it and checks what a user relies on:
  * the parts on disk are byte-identical to the ones served (sha256), and
    the manifest records them, complete;
  * one export job per window, bounded polls, no Authorization or
    Circle-Token header and no token ever reached the download host;
  * `report --format json` on the result equals the generator's truth;
  * faults (429, 500, garbage JSON, null URLs, truncated, reset, expired,
    redirected and slow downloads) are survived; failures (bad token,
    forbidden org, failed job, timeout, bad range) end with the exit code
    and one clear line;
  * a run killed with SIGKILL resumes without creating a job again and ends
    byte-identical to an uninterrupted run;
  * the manifest saved again and a part fetched again over a damaged one
    keep their mode, owner and group;
  * the token never appears in any output, file or log.

Prints `PASS name` / `FAIL name: reason` and a last line `N passed, M
failed`.  Python 3 standard library only.
"""

import argparse
import datetime as dt
import hashlib
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
GEN = os.path.join(ROOT, "tests", "gen", "genexport.py")
DOUBLE = os.path.join(ROOT, "tests", "double", "usage_api.py")
sys.path.insert(0, HERE)
import scratch  # noqa: E402  (files and outputs kept for run.sh's scan)
import pinnow  # noqa: E402  (the pinned "now", for the tool and the double)
import truth as T  # noqa: E402  (compare_rows, compare_metrics)

ORG = "b9291e0d-a11e-41fb-8517-c545388b5953"
OTHER_ORG = "497f6eca-6276-4993-bfeb-53cbbbba6f08"
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


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for b in iter(lambda: f.read(1 << 20), b""):
            h.update(b)
    return h.hexdigest()


class Double:
    """A running test double; stop() ends it."""

    def __init__(self, tmp, data, args=(), name="double"):
        self.dir = os.path.join(tmp, name)
        os.makedirs(self.dir, exist_ok=True)
        self.ready = os.path.join(self.dir, "ready.json")
        self.log = os.path.join(self.dir, "log.jsonl")
        cmd = [sys.executable, DOUBLE, "--data", data, "--token-file",
               os.path.join(tmp, "token.secret"), "--org", ORG,
               "--forbidden-org", OTHER_ORG, "--ready-file", self.ready,
               "--log", self.log] + list(args)
        self.err = open(os.path.join(self.dir, "stderr"), "wb")
        self.p = subprocess.Popen(cmd, stdout=self.err, stderr=self.err)
        t = time.time() + 30
        while not os.path.exists(self.ready):
            if self.p.poll() is not None or time.time() > t:
                raise RuntimeError("the double did not start: " +
                                   open(os.path.join(self.dir, "stderr"),
                                        errors="replace").read()[-500:])
            time.sleep(0.02)
        with open(self.ready) as f:
            info = json.load(f)
        self.api_url = info["api_url"]
        self.base = self.api_url.split("/api/")[0]

    def state(self):
        import urllib.request
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
        # run.sh's canary, which its secrets scan looks for everywhere (a
        # file named *.secret holds it on purpose); else one of our own
        self.token = (os.environ.get("CU_E2E_TOKEN") or
                      "CCIPAT_%s_%032x" % ("e2e", random.getrandbits(128)))
        with open(os.path.join(tmp, "token.secret"), "w") as f:
            f.write(self.token + "\n")
        self.n = 0

    def env(self, extra=None):
        e = {k: v for k, v in os.environ.items()
             if not k.startswith(("CIRCLE", "ORG_ID", "START_DATE",
                                  "END_DATE"))}
        e["CIRCLECI_API_TOKEN"] = self.token
        e[pinnow.ENV] = pinnow.NOW_RFC
        e["LC_ALL"] = "C"
        if extra:
            e.update(extra)
        return e

    def outdir(self):
        self.n += 1
        return os.path.join(self.tmp, "out%02d" % self.n)

    def export(self, d, out, args, env=None, timeout=120, stdin=None):
        cmd = [self.bin, "export", "--org", ORG, "--api-url", d.api_url,
               "-o", out, "--poll-interval", "0.05"] + list(args)
        t0 = time.time()
        r = subprocess.run(cmd, env=env or self.env(), capture_output=True,
                           timeout=timeout, input=stdin)
        r.elapsed = time.time() - t0
        return r

    def report_json(self, out):
        r = subprocess.run([self.bin, "report", "--format", "json", "--by",
                            "project", out], capture_output=True,
                           env=self.env(), timeout=120)
        return r


def err1(r):
    return r.stderr.decode("utf-8", "replace").strip()


# The UTC date n days from the pinned "now", YYYY-MM-DD; the data and every
# range here are placed relative to it, never to the wall clock.
day = pinnow.day


def gen(tmp, name, rows, parts, start, days, seed):
    out = os.path.join(tmp, name)
    tf = out + ".truth.json"
    subprocess.run([sys.executable, GEN, "-o", out, "--rows", str(rows),
                    "--parts", str(parts), "--start", start, "--days",
                    str(days), "--seed", str(seed), "--truth", tf],
                   check=True, capture_output=True)
    with open(tf) as f:
        return out, json.load(f)


def check_result(c, d, r, out, truth, errors, windows=None, polls_max=None,
                 check_report=True):
    """The common checks after a successful export."""
    if r.returncode != 0:
        errors.append("exit %d: %s" % (r.returncode, err1(r)[-300:]))
        return None
    try:
        with open(os.path.join(out, "manifest.json")) as f:
            man = json.load(f)
    except (OSError, ValueError) as e:
        errors.append("manifest: %s" % e)
        return None
    if man.get("complete") is not True:
        errors.append("manifest not complete")
    st = d.state()
    jobs = {j["id"]: j for j in st["jobs"]}
    if windows is not None and len(man["windows"]) != windows:
        errors.append("%d windows, want %d" % (len(man["windows"]), windows))
    if len(jobs) != len(man["windows"]):
        errors.append("%d jobs created for %d windows" %
                      (len(jobs), len(man["windows"])))
    for w in man["windows"]:
        j = jobs.get(w.get("job_id"))
        if j is None:
            errors.append("window %s: job %s unknown to the API" %
                          (w.get("dir"), w.get("job_id")))
            continue
        if w.get("state") != "completed":
            errors.append("window %s: state %s" % (w["dir"], w.get("state")))
        served = j["parts"]
        files = w.get("files") or []
        if len(files) != len(served):
            errors.append("window %s: %d files, %d served" %
                          (w["dir"], len(files), len(served)))
            continue
        for i, (f, s) in enumerate(zip(files, served)):
            want_path = "%s/part-%03d.csv.gz" % (w["dir"], i)
            if f.get("path") != want_path:
                errors.append("file %r, want %r" % (f.get("path"), want_path))
            p = os.path.join(out, f["path"])
            if not os.path.exists(p):
                errors.append("%s missing" % f["path"])
                continue
            h = sha256(p)
            if h != s["sha256"]:
                errors.append("%s differs from the served part" % f["path"])
            if f.get("sha256") != h or f.get("bytes") != os.path.getsize(p):
                errors.append("%s: manifest sha256/bytes wrong" % f["path"])
            if "rows" in s and f.get("rows") != s["rows"]:
                errors.append("%s: manifest rows %r, served %r" %
                              (f["path"], f.get("rows"), s["rows"]))
            if os.path.exists(p + ".partial"):
                errors.append("%s.partial left behind" % f["path"])
    if st.get("download_auth_seen") or st.get("download_token_seen"):
        errors.append("the download host received credentials")
    for line in d.log_lines():
        if line.get("server") == "download" and line.get("auth"):
            errors.append("download request with %s" % line["auth"])
            break
    if polls_max is not None and st.get("polls", 0) > polls_max:
        errors.append("%d polls, at most %d expected" %
                      (st["polls"], polls_max))
    if check_report and truth is not None:
        rr = c.report_json(out)
        if rr.returncode != 0:
            errors.append("report exit %d: %s" % (rr.returncode, err1(rr)))
        else:
            doc = json.loads(rr.stdout)
            e2 = []
            T.compare_rows(truth["by"]["project"], doc["rows"],
                           ("project",), e2)
            T.compare_metrics("totals", truth["keyed"]["project"]["totals"],
                              doc["totals"], e2)
            errors.extend("report: " + x for x in e2)
    no_secret(c, out, [r.stdout, r.stderr], errors)
    return man


def no_secret(c, out, blobs, errors):
    tok = c.token.encode()
    for b in blobs:
        if b and tok in b:
            errors.append("the token was printed")
    for root, _, files in os.walk(out):
        for fn in files:
            with open(os.path.join(root, fn), "rb") as f:
                if tok in f.read():
                    errors.append("the token is in %s" % fn)


# ---- cases ----

def case_three_windows(c, data):
    """70 days: three windows of at most 31 days sharing boundaries."""
    path, truth, start, end = data["A"]
    d = Double(c.tmp, path, FAST, "d-three")
    out = c.outdir()
    errors = []
    try:
        r = c.export(d, out, ["--start", start, "--end", end, "--json"])
        man = check_result(c, d, r, out, truth, errors, windows=3,
                           polls_max=40)
        if man:
            ws = man["windows"]
            for a, b in zip(ws, ws[1:]):
                if a["end"] != b["start"]:
                    errors.append("windows %s and %s do not share a "
                                  "boundary" % (a["dir"], b["dir"]))
            try:
                js = json.loads(r.stdout)
                if js.get("complete") is not True:
                    errors.append("--json: manifest not complete")
            except ValueError:
                errors.append("--json: stdout is not JSON")
            if "export complete" not in err1(r):
                errors.append("no closing summary")
            creates = [x for x in d.log_lines() if x.get("method") ==
                       "POST" and x.get("server") == "api"]
            if len(creates) != 3:
                errors.append("%d create calls, want 3" % len(creates))
        # run again: complete, nothing created, files kept
        r2 = c.export(d, out, ["--start", start, "--end", end])
        if r2.returncode != 0:
            errors.append("second run exit %d: %s" % (r2.returncode,
                                                      err1(r2)))
        if len(d.state()["jobs"]) != 3:
            errors.append("the second run created jobs")
    finally:
        d.stop()
    report("export: 70 days, 3 windows, parts identical, report = truth",
           errors)
    return out


FAULTS = [
    ("create-429", ["--fault", "create-429=2"], [], True),
    ("poll-429", ["--fault", "poll-429=3"], [], True),
    ("create-500", ["--fault", "create-500=2"], [], True),
    ("poll-500", ["--fault", "poll-500=3"], [], False),
    ("garbage-json", ["--fault", "garbage-json=2"], [], False),
    ("null-urls", ["--fault", "null-urls=3"], [], True),
    ("missing-urls", ["--fault", "missing-urls=2"], [], False),
    ("truncate", ["--fault", "truncate=3"], [], True),
    ("truncate-no-range", ["--fault", "truncate=2", "--fault", "no-range"],
     [], False),
    ("reset", ["--fault", "reset=3"], [], True),
    ("expire", ["--fault", "expire=1"], [], True),
    ("expire-twice", ["--fault", "expire=2"], [], False),
    ("redirect", ["--fault", "redirect=3"], [], True),
    ("redirect-other-host", ["--fault", "redirect-other-host=2"], [], False),
    ("slow", ["--fault", "slow=400000"], ["--parallel", "2"], False),
    ("rate-limit-polls", ["--poll-limit", "3/2"], [], False),
    # network faults that pass: retried, the result whole
    ("api-drop", ["--fault", "api-drop=2"], [], True),
    ("api-wrong-length", ["--fault", "api-wrong-length=2"], [], True),
    ("api-short-length", ["--fault", "api-short-length=2"], [], False),
    ("api-huge-body", ["--fault", "api-huge-body=2"], [], True),
    ("dl-drop", ["--fault", "dl-drop=2"], [], True),
    ("dl-wrong-length", ["--fault", "dl-wrong-length=2"], [], True),
    # one stall, retried after 30 s without a byte (API) or 60 s under
    # 1 kB/s (download, resumed): full runs only
    ("api-stall", ["--fault", "api-stall=1"], [], False),
    ("dl-stall", ["--fault", "dl-stall=1"], [], False),
]

# network faults that never pass: `--timeout 10s` ends in exit 6 within
# ~15 s, never a hang (the double stalls for 120 s, trickles for minutes)
NET_PERMANENT = [
    ("api-stall", True), ("api-trickle", True), ("api-drop", False),
    ("api-huge-body", True), ("dl-stall", True), ("dl-trickle", False),
    ("dl-drop", False),
]


def case_modes(c, data):
    """A manifest saved again and a part fetched again over a damaged one
    keep their mode, owner and group (issue 15, class 3)."""
    path, truth, start, end = data["B"]
    d = Double(c.tmp, path, FAST + ["--parts-per-job", "3"], "d-modes")
    out = c.outdir()
    errors = []
    root = os.geteuid() == 0
    try:
        r = c.export(d, out, ["--start", start, "--end", end])
        man = check_result(c, d, r, out, truth, errors, windows=1)
        if man:
            files = man["windows"][0]["files"]
            mp = os.path.join(out, "manifest.json")
            p0 = os.path.join(out, files[0]["path"])
            p1 = os.path.join(out, files[1]["path"])
            want = {mp: (0o600, 65534, 65533), p0: (0o640, 65534, 65533),
                    p1: (0o604, 0, 0)}
            if not root:
                want = {k: (m, os.getuid(), os.getgid())
                        for k, (m, u, g) in want.items()}
            # damaged: p0 cut short, p1 one byte changed (same size)
            with open(p0, "r+b") as f:
                f.truncate(10)
            with open(p1, "r+b") as f:
                b = f.read(1)
                f.seek(0)
                f.write(bytes([b[0] ^ 1]))
            for p, (m, u, g) in want.items():
                if root:
                    os.chown(p, u, g)
                os.chmod(p, m)
            old = os.umask(0o022)
            try:
                r = c.export(d, out, ["--start", start, "--end", end])
            finally:
                os.umask(old)
            check_result(c, d, r, out, truth, errors, windows=1)
            for p, w in want.items():
                st = os.stat(p)
                got = (st.st_mode & 0o7777, st.st_uid, st.st_gid)
                if got != w:
                    errors.append("%s: mode %o uid %d gid %d, want %o %d %d"
                                  % (os.path.relpath(p, out), got[0],
                                     got[1], got[2], w[0], w[1], w[2]))
    finally:
        d.stop()
    report("export: the manifest and a part fetched again keep their mode, "
           "owner and group", errors)


def files_under(top, skip=()):
    out = set()
    for dp, dns, fns in os.walk(top):
        dns[:] = [x for x in dns if os.path.join(dp, x) not in skip]
        out |= {os.path.join(dp, f) for f in fns}
    return out


def case_dotdot_urls(c, data):
    """Download URLs that climb out with ../ and end in an encoded ../
    name: the parts are still DIR/<window>/part-NNN.csv.gz and nothing
    is written anywhere else."""
    path, truth, start, end = data["B"]
    d = Double(c.tmp, path, FAST + ["--fault", "dotdot-urls=always"],
               "d-dotdot")
    out = c.outdir()
    before = files_under(c.tmp, {d.dir})
    errors = []
    try:
        r = c.export(d, out, ["--start", start, "--end", end])
        check_result(c, d, r, out, truth, errors, windows=1)
        served = [x["path"] for x in d.log_lines()
                  if x.get("server") == "download" and x.get("status") in
                  (200, 206)]
        if not served or not all(p.startswith("/tmp/") and "%2F" in p
                                 for p in served):
            errors.append("the ../ URLs were not what was served: %s" %
                          served[:2])
        after = files_under(c.tmp, {d.dir, out})
        if after != before:
            errors.append("written outside DIR: %s" %
                          sorted(after - before)[:3])
        for f in files_under(out):
            rel = os.path.relpath(f, out)
            parts = rel.split(os.sep)
            if ".." in parts or not (rel == "manifest.json" or (
                    len(parts) == 2 and parts[1].startswith("part-"))):
                errors.append("unexpected file %s" % rel)
    finally:
        d.stop()
    report("export: download URLs with ../ segments write only "
           "DIR/<window>/part-NNN.csv.gz", errors)


def case_net_permanent(c, data, name):
    path, truth, start, end = data["B"]
    d = Double(c.tmp, path, FAST + ["--fault", name + "=always"],
               "d-perm-" + name)
    out = c.outdir()
    errors = []
    try:
        r = c.export(d, out, ["--start", start, "--end", end, "--timeout",
                              "10s"], timeout=60)
        if r.returncode != 6:
            errors.append("exit %d, want 6: %s" % (r.returncode, err1(r)))
        if r.elapsed > 15:
            errors.append("took %.1f s past a 10 s timeout" % r.elapsed)
        if not err1(r):
            errors.append("no message")
        if name == "api-huge-body" and "larger than" not in err1(r):
            errors.append("no message on the size cap: %s" % err1(r))
        if c.token in err1(r) or c.token in r.stdout.decode("utf-8",
                                                             "replace"):
            errors.append("token in the output")
    finally:
        d.stop()
    report("export net fault %s (permanent): exit 6 in %.1f s" %
           (name, r.elapsed), errors)


def case_net_cap(c, data, name):
    """A download body that never ends (a valid gzip CSV stream, so the
    part check cannot stop it): --max-part-size stops it at the cap with
    exit 5, its .partial removed and nothing near the cap left on disk;
    the next run (the fault spent) completes."""
    path, truth, start, end = data["B"]
    d = Double(c.tmp, path, FAST + ["--fault", name + "=1"], "d-cap-" + name)
    out = c.outdir()
    errors = []
    try:
        r = c.export(d, out, ["--start", start, "--end", end,
                              "--max-part-size", "2M", "--parallel", "1",
                              "--timeout", "60s"], timeout=90)
        if r.returncode != 5:
            errors.append("exit %d, want 5: %s" % (r.returncode, err1(r)))
        if "--max-part-size" not in err1(r) or "larger than" not in err1(r):
            errors.append("no message on the cap: %s" % err1(r)[-200:])
        if r.elapsed > 30:
            errors.append("took %.1f s to stop at 2 MB" % r.elapsed)
        left = [f for f in files_under(out) if f.endswith(".partial") or
                os.path.getsize(f) > (1 << 20)]
        if left:
            errors.append("left behind: %s" % left[:3])
        if name not in ",".join(x.get("fault") or "" for x in d.log_lines()):
            errors.append("the fault never fired")
        r2 = c.export(d, out, ["--start", start, "--end", end])
        check_result(c, d, r2, out, truth, errors, windows=1, polls_max=60)
    finally:
        d.stop()
    report("export net fault %s: stopped at --max-part-size 2M (exit 5 in "
           "%.1f s), then completed" % (name, r.elapsed), errors)


def case_redirect_scheme(c, data):
    """A download redirected to file:///etc/passwd: refused (exit 8, the
    scheme named), nothing of the file read into DIR."""
    path, truth, start, end = data["B"]
    d = Double(c.tmp, path, FAST + ["--fault", "redirect-scheme=always"],
               "d-scheme")
    out = c.outdir()
    errors = []
    try:
        r = c.export(d, out, ["--start", start, "--end", end, "--timeout",
                              "30s"], timeout=60)
        if r.returncode != 8:
            errors.append("exit %d, want 8: %s" % (r.returncode, err1(r)))
        if "file" not in err1(r).lower():
            errors.append("the refused scheme is not named: %s" %
                          err1(r)[-200:])
        with open("/etc/passwd", "rb") as f:
            first = f.readline().strip()
        for p in files_under(out):
            with open(p, "rb") as f:
                if first and first in f.read():
                    errors.append("%s holds /etc/passwd" % p)
            if p.endswith(".csv.gz"):
                errors.append("a part was written: %s" % p)
    finally:
        d.stop()
    report("export: a download redirected to file:// is refused (exit 8)",
           errors)


def case_fault(c, data, name, dargs, cargs):
    path, truth, start, end = data["B"]
    args = FAST + list(dargs)
    if name == "rate-limit-polls":
        args = [a for a in FAST]
        i = args.index("--poll-limit")
        args[i + 1] = "3/2"
    d = Double(c.tmp, path, args + ["--parts-per-job", "5"], "d-" + name)
    out = c.outdir()
    errors = []
    try:
        r = c.export(d, out, ["--start", start, "--end", end] + cargs)
        check_result(c, d, r, out, truth, errors, windows=1, polls_max=30)
    finally:
        d.stop()
    report("export fault %s: recovered, parts identical, report = truth"
           % name, errors)


def case_kill_resume(c, data, seed):
    """SIGKILL at a moment drawn from a seed while parts download slowly;
    the next run creates nothing and ends byte-identical."""
    path, truth, start, end = data["B"]
    rng = random.Random(seed)
    d = Double(c.tmp, path, FAST + ["--parts-per-job", "6", "--fault",
                                    "slow=50000"], "d-kill%d" % seed)
    out = c.outdir()
    errors = []
    try:
        cmd = [c.bin, "export", "--org", ORG, "--api-url", d.api_url,
               "-o", out, "--poll-interval", "0.05", "--start", start,
               "--end", end, "--parallel", "3"]
        p = subprocess.Popen(cmd, env=c.env(), stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
        # wait until downloads are in flight, then a seeded extra delay
        t = time.time() + 30
        while time.time() < t and p.poll() is None:
            if any(x.get("server") == "download" for x in d.log_lines()) \
                    or any(f.endswith(".partial") for _, _, fs in
                           os.walk(out) for f in fs):
                break
            time.sleep(0.01)
        time.sleep(rng.uniform(0.05, 1.5))
        killed = p.poll() is None
        p.kill()
        p.wait()
        if not killed:
            errors.append("the export ended before the kill")
        jobs_before = len(d.state()["jobs"])
        # the same request resumes (another range would replace it)
        r = c.export(d, out, ["--start", start, "--end", end])
        check_result(c, d, r, out, truth, errors, windows=1)
        if len(d.state()["jobs"]) != jobs_before:
            errors.append("the resumed run created another job")
        if "resuming" not in err1(r):
            errors.append("no 'resuming' notice")
    finally:
        d.stop()
    report("export: kill -9 mid-download (seed %d), resume creates nothing, "
           "result identical" % seed, errors)


def case_timeout_resume(c, data):
    path, truth, start, end = data["B"]
    d = Double(c.tmp, path, ["--processing-after", "0.1", "--complete-after",
                             "4", "--poll-limit", "1000/60"], "d-timeout")
    out = c.outdir()
    errors = []
    try:
        r = c.export(d, out, ["--start", start, "--end", end, "--timeout",
                              "1s"])
        if r.returncode != 6:
            errors.append("exit %d, want 6: %s" % (r.returncode, err1(r)))
        elif "timed out" not in err1(r):
            errors.append("no timeout message: %s" % err1(r))
        if r.elapsed > 8:
            errors.append("took %.1f s past a 1 s timeout" % r.elapsed)
        time.sleep(3.2)
        r = c.export(d, out, ["--start", start, "--end", end])
        check_result(c, d, r, out, truth, errors, windows=1)
    finally:
        d.stop()
    report("export: --timeout exits 6, the next run resumes the same job",
           errors)


def case_errors(c, data):
    path, truth, start, end = data["B"]
    d = Double(c.tmp, path, FAST, "d-errors")
    try:
        def expect(name, args, code, words, env=None, no_request=False,
                   stdin=None):
            before = len(d.log_lines())
            out = c.outdir()
            r = c.export(d, out, args, env=env, stdin=stdin)
            errors = []
            if r.returncode != code:
                errors.append("exit %d, want %d: %s" %
                              (r.returncode, code, err1(r)[-300:]))
            msg = err1(r)
            for w in words:
                if w.lower() not in msg.lower():
                    errors.append("no %r in: %s" % (w, msg[-300:]))
            if no_request and len(d.log_lines()) != before:
                errors.append("a request was made")
            no_secret(c, out, [r.stdout, r.stderr], errors)
            report("export error: " + name, errors)
            return r

        bad = c.env()
        bad["CIRCLECI_API_TOKEN"] = c.token + "-revoked"  # still the canary
        expect("invalid token exits 4 with a hint", ["--start", start,
               "--end", end], 4, ["401", "personal API token"], env=bad)
        expect("forbidden org exits 4", ["--start", start, "--end", end,
               "--org", OTHER_ORG], 4, ["403", "admin"])
        expect("unknown org exits 4", ["--start", start, "--end", end,
               "--org", "00000000-0000-4000-8000-000000000000"], 4,
               ["404", "org"])
        expect("start more than 366 days ago: exit 2, no request",
               ["--start", day(-400), "--end", day(-380)], 2, ["366"],
               no_request=True)
        expect("end before start: exit 2, no request",
               ["--start", day(-3), "--end", day(-9)], 2, ["before"],
               no_request=True)
        expect("bad date: exit 2 naming the option",
               ["--start", "2026-13-01", "--end", day(-2)], 2, ["--start"],
               no_request=True)
        expect("bad --last: exit 2", ["--last", "3x"], 2, ["--last"],
               no_request=True)
        expect("no token: exit 2", ["--start", start, "--end", end], 2,
               ["token"], env={k: v for k, v in c.env().items()
                               if k != "CIRCLECI_API_TOKEN"},
               no_request=True)
        expect("plain http to another host is refused",
               ["--start", start, "--end", end, "--api-url",
                "http://example.invalid/api/v2"], 2, ["http"],
               no_request=True)
        expect("org ID that is not a UUID: exit 2",
               ["--org", "my-org"], 2, ["UUID"], no_request=True)
        r = expect("token from --token-file -", ["--start", start, "--end",
                   end, "--token-file", "-"], 0, [],
                   env={k: v for k, v in c.env().items()
                        if k != "CIRCLECI_API_TOKEN"},
                   stdin=(c.token + "\n").encode())
    finally:
        d.stop()

    # a failed job
    d = Double(c.tmp, path, FAST + ["--fault", "fail-job"], "d-fail")
    errors = []
    try:
        r = c.export(d, c.outdir(), ["--start", start, "--end", end])
        if r.returncode != 5:
            errors.append("exit %d, want 5" % r.returncode)
        if "the date range is too large" not in err1(r):
            errors.append("error_reason not shown: %s" % err1(r))
    finally:
        d.stop()
    report("export error: failed job exits 5 with its error_reason", errors)

    # completed, never any URL: bounded, exit 5
    d = Double(c.tmp, path, FAST + ["--fault", "null-urls=always"], "d-null")
    errors = []
    try:
        r = c.export(d, c.outdir(), ["--start", start, "--end", end,
                                     "--poll-interval", "0.01"])
        if r.returncode != 5:
            errors.append("exit %d, want 5: %s" % (r.returncode, err1(r)))
        if "no download URLs" not in err1(r):
            errors.append("unclear message: %s" % err1(r))
        if d.state()["polls"] > 30:
            errors.append("%d polls: not bounded" % d.state()["polls"])
    finally:
        d.stop()
    report("export error: completed without URLs is bounded, exit 5", errors)


def case_future_end(c, data):
    path, truth, start, _ = data["B"]
    d = Double(c.tmp, path, FAST, "d-future")
    out = c.outdir()
    errors = []
    try:
        r = c.export(d, out, ["--start", start, "--end", day(1)])
        if r.returncode != 0:
            errors.append("exit %d: %s" % (r.returncode, err1(r)))
        if "future" not in err1(r):
            errors.append("no notice of the clamp")
        jobs = d.state()["jobs"]
        clamped = pinnow.rfc(pinnow.NOW.replace(microsecond=0) -
                             dt.timedelta(seconds=60))
        if not jobs or jobs[-1]["end"] != clamped:
            errors.append("end %s, not now - 60 s (%s)" %
                          (jobs[-1]["end"] if jobs else None, clamped))
        if not jobs:
            errors.append("no job created")
    finally:
        d.stop()
    report("export: a future end is clamped to now - 60 s", errors)


def case_force_and_mismatch(c, data, out):
    path, truth, start, end = data["A"]
    d = Double(c.tmp, path, FAST, "d-force")
    errors = []
    try:
        # out holds the complete 3-window export of case_three_windows,
        # made against another double: a different range replaces it
        # (tests/e2e/weekly.py checks the replacement itself)
        r = c.export(d, out, ["--start", day(-20), "--end", day(-10)])
        if r.returncode != 0 or "replacing" not in err1(r):
            errors.append("other range: exit %d: %s" % (r.returncode,
                                                        err1(r)))
        if len(d.state()["jobs"]) != 1:
            errors.append("%d jobs for the new one-window range" %
                          len(d.state()["jobs"]))
        d.stop()
        # a double of its own: check_result counts one job per window
        d = Double(c.tmp, path, FAST, "d-force2")
        r = c.export(d, out, ["--start", start, "--end", end, "--force"])
        check_result(c, d, r, out, truth, errors, windows=3)
        if len(d.state()["jobs"]) != 3:
            errors.append("--force did not start over")
    finally:
        d.stop()
    report("export: another range replaces the export; --force starts over",
           errors)


def case_verbose(c, data):
    path, truth, start, end = data["B"]
    d = Double(c.tmp, path, FAST, "d-verbose")
    out = c.outdir()
    errors = []
    try:
        r = c.export(d, out, ["--start", start, "--end", end, "--verbose"])
        msg = err1(r)
        if r.returncode != 0:
            errors.append("exit %d" % r.returncode)
        if "POST" not in msg or "GET" not in msg:
            errors.append("no request trace")
        if "X-Amz" in msg or "Signature" in msg:
            errors.append("a query string is in the trace")
        no_secret(c, out, [r.stdout, r.stderr], errors)
    finally:
        d.stop()
    report("export --verbose: a trace without secrets or query strings",
           errors)


def want_range(how):
    """The range the tool must export at the pinned now, worked out here on
    its own (datetime, not the tool's arithmetic): (start, end, requested
    end), naive UTC datetimes.  how: "default", "7d", "4w" or "3mo"."""
    today = dt.datetime.combine(pinnow.NOW.date(), dt.time())
    if how in ("default", "7d"):
        start, stop = today - dt.timedelta(days=7), today
    elif how == "4w":
        stop = today - dt.timedelta(days=today.weekday())  # this Monday
        start = stop - dt.timedelta(weeks=4)
    else:
        stop = today.replace(day=1)
        y, m = divmod(stop.year * 12 + stop.month - 1 - 3, 12)
        start = dt.datetime(y, m + 1, 1)
    asked = stop - dt.timedelta(seconds=1)
    # an end later than now less a minute becomes that (whole seconds)
    limit = pinnow.NOW.replace(microsecond=0) - dt.timedelta(seconds=60)
    return start, min(asked, limit), asked


def case_dates(c, tmp):
    """The default range, --last 7d, 4w and 3mo at the pinned now: the
    windows asked of the API, the manifest's range, the clamp notice, and
    the week and month keys of `report` on what came back."""
    # 130 days of data up to yesterday: every range below lies inside
    path, _ = gen(tmp, "dataD", 3000, 2, day(-130), 130, 13)
    d = Double(c.tmp, path, FAST, "d-dates")
    try:
        for how in ("default", "7d", "4w", "3mo"):
            errors = []
            out = c.outdir()
            before = len(d.state()["jobs"])
            r = c.export(d, out, [] if how == "default" else
                         ["--last", how])
            start, end, asked = want_range(how)
            name = "export %s at %s: %s to %s" % (
                "with no range" if how == "default" else "--last " + how,
                pinnow.NOW_RFC, pinnow.rfc(start), pinnow.rfc(end))
            if r.returncode != 0:
                report(name, ["exit %d: %s" % (r.returncode, err1(r))])
                continue
            # windows of 31 x 24 h that share their bounds, the last one
            # ending at the (clamped) end
            b = [start]
            while end - b[-1] > dt.timedelta(days=31):
                b.append(b[-1] + dt.timedelta(days=31))
            b.append(end)
            want = [(pinnow.rfc(x), pinnow.rfc(y)) for x, y in zip(b, b[1:])]
            got = [(j["start"], j["end"]) for j in d.state()["jobs"][before:]]
            if got != want:
                errors.append("jobs %s, want %s" % (got, want))
            man = json.load(open(os.path.join(out, "manifest.json")))
            if (man.get("start"), man.get("end"), man.get("requested_end")) \
                    != (pinnow.rfc(start), pinnow.rfc(end),
                        pinnow.rfc(asked)):
                errors.append("manifest %s to %s (asked %s)" % (
                    man.get("start"), man.get("end"),
                    man.get("requested_end")))
            notice = "the end is in the future" in err1(r)
            if notice != (end != asked):
                errors.append("clamp notice %s, clamped %s" %
                              (notice, end != asked))
            # the week and month keys: the days' job counts summed by ISO
            # week and by calendar month, here, equal report's
            by = {}
            for k in ("day", "week", "month"):
                rr = subprocess.run([c.bin, "report", "--by", k, "--format",
                                     "json", out], capture_output=True,
                                    env=c.env(), timeout=120)
                by[k] = {x[k]: x["jobs"] for x in
                         json.loads(rr.stdout or b"{}").get("rows", [])}
            weeks, months = {}, {}
            for ds, n in by["day"].items():
                t = dt.date.fromisoformat(ds)
                if not start.date() <= t <= end.date():
                    errors.append("day %s outside the range" % ds)
                w = "%04d-W%02d" % t.isocalendar()[:2]
                weeks[w] = weeks.get(w, 0) + n
                months[ds[:7]] = months.get(ds[:7], 0) + n
            if not by["day"]:
                errors.append("no rows exported")
            if by["week"] != weeks:
                errors.append("weeks %s, want %s" % (by["week"], weeks))
            if by["month"] != months:
                errors.append("months %s, want %s" % (by["month"], months))
            report(name, errors)
        # the oldest start the API takes: 366 x 24 h before now, not a
        # second more
        oldest = pinnow.NOW.replace(microsecond=0) - dt.timedelta(days=366)
        for n, code in ((1, 2), (0, 0)):
            first = oldest - dt.timedelta(seconds=n)
            out = c.outdir()
            r = c.export(d, out, ["--start", pinnow.rfc(first), "--end",
                                  pinnow.rfc(first + dt.timedelta(hours=1))])
            report("export --start %s at %s: exit %d" %
                   (pinnow.rfc(first), pinnow.NOW_RFC, code),
                   [] if r.returncode == code else
                   ["exit %d: %s" % (r.returncode, err1(r))])
    finally:
        d.stop()
    case_future_end(c, {"B": (path, None, day(-3), None)})


def all_cases(c, data, a):
    """Every case (--quick: the faster ones)."""
    out = case_three_windows(c, data)
    for name, dargs, cargs, quick in FAULTS:
        if quick or not a.quick:
            case_fault(c, data, name, dargs, cargs)
    case_dotdot_urls(c, data)
    case_redirect_scheme(c, data)
    for name, quick in NET_PERMANENT:
        if quick or not a.quick:
            case_net_permanent(c, data, name)
    case_net_cap(c, data, "dl-endless")
    case_net_cap(c, data, "dl-huge-length")
    case_kill_resume(c, data, 1)
    case_modes(c, data)
    if not a.quick:
        case_kill_resume(c, data, 2)
        case_kill_resume(c, data, 3)
        case_timeout_resume(c, data)
        case_future_end(c, data)
        case_force_and_mismatch(c, data, out)
        case_verbose(c, data)
    case_errors(c, data)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("--only", choices=["cap", "scheme", "dates", "modes"],
                    help="run only these cases (cap: the size cap; "
                    "scheme: a redirect to file://; modes: the modes "
                    "of files replaced; dates: the ranges "
                    "that depend on the pinned now, as make check-dates "
                    "runs them)")
    a = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="cu-export-")
    c = Ctx(a, tmp)
    if a.only == "dates":
        try:
            case_dates(c, tmp)
        except Exception as ex:  # a broken harness is a failure
            import traceback
            traceback.print_exc()
            report("export harness", [repr(ex)])
        print("%d passed, %d failed" % (passed, failed))
        if failed == 0 and not a.keep:
            scratch.rmtree(tmp)
        else:
            print("temp files kept in %s" % tmp)
        return 1 if failed else 0
    data = {}
    # A: 68 days of data in a 70-day range (three windows)
    s, e = day(-72), day(-3)
    p, t = gen(tmp, "dataA", 2500, 3, day(-71), 67, 11)
    data["A"] = (p, t, s, e)
    # B: 10 days of data in one window
    s, e = day(-14), day(-3)
    p, t = gen(tmp, "dataB", 3000, 2, day(-13), 9, 12)
    data["B"] = (p, t, s, e)

    try:
        if a.only == "cap":
            case_net_cap(c, data, "dl-endless")
            case_net_cap(c, data, "dl-huge-length")
        elif a.only == "scheme":
            case_redirect_scheme(c, data)
        elif a.only == "modes":
            case_modes(c, data)
        else:
            all_cases(c, data, a)
    except Exception as ex:  # a broken harness is a failure, not a crash
        import traceback
        traceback.print_exc()
        report("export harness", [repr(ex)])
    print("%d passed, %d failed" % (passed, failed))
    if failed == 0 and not a.keep:
        scratch.rmtree(tmp)
    else:
        print("temp files kept in %s" % tmp)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
