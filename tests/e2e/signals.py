#!/usr/bin/env python3
"""signals.py --bin BIN [--quick]: interruptions and progress.

Covers: SIGINT and SIGTERM while `report -o`, `html -o`, `failures -o`,
`run --from X -o DIR`, `ingest --db` and `export` are at work end with
exit 130 / 143 and exactly one stderr line saying "interrupted" (with "run
the same command again to resume" for export and run); no *.tmp.* file
and no .run-* directory is left; an output that existed before is
byte-identical; the history database is unchanged and passes
integrity_check; export's .partial downloads are kept and the next run
completes.  The moment is not left to luck: tests/fault/faultshim.so
(FAULT_STALL) blocks the process at a known call (the fsync of the
temporary file, a write of the database's WAL) and the test waits for it;
export is signalled once a .partial file has data.  Progress: under a
pseudo-terminal the live line is drawn and cleared; in a log, the state
lines and at most one line per 30 s; --quiet prints none.

"Now" is pinned (CIRCLECI_USAGE_NOW).  Prints `PASS name` / `FAIL name:
reason` and `N passed, M failed`.  Python 3 standard library only.
"""

import argparse
import datetime as dt
import gzip
import hashlib
import json
import os
import pty
import select
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
GEN = os.path.join(ROOT, "tests", "gen", "genexport.py")
DOUBLE = os.path.join(ROOT, "tests", "double", "usage_api.py")
SHIM = os.path.join(ROOT, "build", "faultshim.so")
sys.path.insert(0, HERE)
import scratch  # noqa: E402

NOW = "2026-12-04T12:00:00Z"
ORG = "b9291e0d-a11e-41fb-8517-c545388b5953"
HINT = "run the same command again to resume"
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


_ASAN = {}


def is_asan(bin_):
    """Is BIN an AddressSanitizer build?  (It prints ASan's flags.)"""
    if bin_ not in _ASAN:
        r = subprocess.run([bin_, "--version"], capture_output=True,
                           env=env({"ASAN_OPTIONS": "help=1"}))
        _ASAN[bin_] = b"AddressSanitizer" in r.stderr
    return _ASAN[bin_]


def env(extra=None):
    e = {k: v for k, v in os.environ.items()
         if not k.startswith(("CIRCLE", "FAULT_", "LD_PRELOAD"))}
    e["LC_ALL"] = "C"
    e["CIRCLECI_USAGE_NOW"] = NOW
    if extra:
        e.update(extra)
    return e


def sha(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def leftovers(top):
    bad = []
    for d, dirs, files in os.walk(top):
        bad += [os.path.join(d, x) for x in dirs if x.startswith(".run-")]
        bad += [os.path.join(d, x) for x in files if ".tmp." in x]
    return bad


def wait_for(cond, p, secs=60):
    t = time.time() + secs
    while time.time() < t:
        if cond():
            return True
        if p.poll() is not None:
            return False
        time.sleep(0.01)
    return False


def check_end(p, sig, hint, errors):
    """Wait for p after sig; exit code and the one line."""
    try:
        _, err = p.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        p.kill()
        _, err = p.communicate()
        errors.append("still running 30 s after the signal")
        return
    want = 128 + sig
    if p.returncode != want:
        errors.append("exit %d, want %d" % (p.returncode, want))
    lines = [x for x in err.decode("utf-8", "replace").splitlines()
             if x.strip()]
    inter = [x for x in lines if "interrupted" in x]
    if len(inter) != 1 or lines[-1] != inter[0]:
        errors.append("stderr: %r, want one 'interrupted' line last"
                      % lines[-3:])
    elif hint and HINT not in inter[0]:
        errors.append("no resume hint: %r" % inter[0])
    elif not hint and inter[0] != "circleci-usage: interrupted":
        errors.append("line %r" % inter[0])


def stalled(c, args, call, path, n, sig, hint, name, check_dir,
            before=None, after=None):
    """Run BIN ARGS stalled at the Nth CALL on PATH, signal it, check."""
    if is_asan(c.bin):
        # the LD_PRELOAD shim cannot stall a call under ASan, whose own
        # interceptors must come first (as faults.sh, not run there)
        print("SKIP %s: the fault shim does not work under ASan" % name,
              flush=True)
        c.n += 1
        return
    errors = []
    marker = os.path.join(c.tmp, "stall.%d" % c.n)
    c.n += 1
    if before:
        before(errors)
    p = subprocess.Popen([c.bin] + args, stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE, env=env({
                             "LD_PRELOAD": SHIM, "FAULT_CALL": call,
                             "FAULT_PATH": path, "FAULT_N": str(n),
                             "FAULT_STALL": marker}))
    if not wait_for(lambda: os.path.exists(marker), p):
        errors.append("never reached the stall point")
        p.kill()
    else:
        p.send_signal(sig)
    check_end(p, sig, hint, errors)
    bad = leftovers(check_dir)
    if bad:
        errors.append("left behind: %s" % bad[:3])
    if after:
        after(errors)
    report(name, errors)


class Ctx:
    def __init__(self, a, tmp):
        self.bin = os.path.abspath(a.bin)
        self.tmp = tmp
        self.n = 0


def case_outputs(c, data):
    """report, html, failures -o: stalled at the fsync of the temp file."""
    for cmd, extra, sig in (("report", ["--by", "job", "--format", "csv"],
                             signal.SIGINT),
                            ("report", ["--by", "project"], signal.SIGTERM),
                            ("html", [], signal.SIGTERM),
                            ("failures", ["--format", "csv"], signal.SIGINT)):
        d = os.path.join(c.tmp, "o%d" % c.n)
        os.makedirs(d)
        out = os.path.join(d, "out.file")
        with open(out, "w") as f:
            f.write("the output of an earlier run\n")
        h0 = sha(out)

        def after(errors, out=out, h0=h0):
            if not os.path.exists(out) or sha(out) != h0:
                errors.append("the earlier output changed")
        stalled(c, [cmd] + extra + ["-o", out, data], "fsync", ".tmp.", 1,
                sig, False, "%s -o, %s: exit %d, one line, temp file removed, "
                "earlier output identical" % (cmd, signal.Signals(sig).name,
                                              128 + sig), d, after=after)


def case_run(c, data):
    d = os.path.join(c.tmp, "rundir")
    r = subprocess.run([c.bin, "run", "--from", data, "-o", d, "--quiet"],
                       env=env(), capture_output=True)
    if r.returncode != 0:
        report("run --from: a first run", ["exit %d: %s" % (
            r.returncode, r.stderr.decode()[-300:])])
        return
    names = sorted(x for x in os.listdir(d))
    h0 = {x: sha(os.path.join(d, x)) for x in names
          if os.path.isfile(os.path.join(d, x))}
    for sig, n in ((signal.SIGTERM, 3), (signal.SIGINT, 12)):
        def after(errors):
            now = sorted(os.listdir(d))
            if now != names:
                errors.append("DIR now holds %s" % (set(now) ^ set(names)))
            for x, h in h0.items():
                if sha(os.path.join(d, x)) != h:
                    errors.append("%s changed" % x)
                    break
        stalled(c, ["run", "--from", data, "-o", d], "fsync", "/.run-", n,
                sig, True, "run --from X -o DIR, %s mid-way: exit %d, the "
                "resume hint, no .run-* left, DIR as it was"
                % (signal.Signals(sig).name, 128 + sig), d, after=after)
    # a DIR the run made, interrupted: not left behind empty
    d2 = os.path.join(c.tmp, "rundir-new")
    stalled(c, ["run", "--from", data, "-o", d2], "fsync", "/.run-", 1,
            signal.SIGINT, True, "run into a new DIR, interrupted: DIR "
            "removed", c.tmp,
            after=lambda errors: os.path.exists(d2) and errors.append(
                "the new DIR stayed: %s" % os.listdir(d2)))


def db_state(path):
    con = sqlite3.connect(path)
    ok = con.execute("PRAGMA integrity_check").fetchone()[0]
    n = con.execute("SELECT count(*) FROM job_runs").fetchone()[0]
    h = hashlib.sha256()
    for row in sorted(map(repr, con.execute(
            "SELECT job_key, job_id, total_credits FROM job_runs"))):
        h.update(row.encode())
    ing = con.execute("SELECT count(*) FROM ingests").fetchone()[0]
    con.close()
    return ok, n, h.hexdigest(), ing


def case_ingest(c, small, big):
    db = os.path.join(c.tmp, "h.db")
    r = subprocess.run([c.bin, "ingest", "--db", db, small], env=env(),
                       capture_output=True)
    if r.returncode != 0:
        report("ingest: a first ingest", ["exit %d" % r.returncode])
        return
    s0 = db_state(db)
    for sig in (signal.SIGINT, signal.SIGTERM):
        def after(errors):
            s = db_state(db)
            if s[0] != "ok":
                errors.append("integrity_check: %s" % s[0])
            if s != s0:
                errors.append("the database changed: %r -> %r" % (s0, s))
        # stalled at the 40th write of the WAL: job runs are being stored
        stalled(c, ["ingest", "--db", db, big], "write", ".db-wal", 40, sig,
                False, "ingest --db mid-transaction, %s: exit %d, one line, "
                "database unchanged, integrity_check ok"
                % (signal.Signals(sig).name, 128 + sig), c.tmp, after=after)
    r = subprocess.run([c.bin, "ingest", "--db", db, big], env=env(),
                       capture_output=True)
    s = db_state(db)
    report("ingest after the interruptions: stores everything",
           [] if r.returncode == 0 and s[0] == "ok" and s[1] > s0[1] else
           ["exit %d, %r" % (r.returncode, s)])


class Double:
    def __init__(self, tmp, data, args, name):
        self.dir = os.path.join(tmp, name)
        os.makedirs(self.dir, exist_ok=True)
        ready = os.path.join(self.dir, "ready.json")
        self.token = os.environ.get("CU_E2E_TOKEN") or "CCIPAT_sig_e2e_token"
        tf = os.path.join(tmp, "token.secret")
        with open(tf, "w") as f:
            f.write(self.token + "\n")
        self.err = open(os.path.join(self.dir, "stderr"), "wb")
        self.p = subprocess.Popen(
            [sys.executable, DOUBLE, "--data", data, "--token-file", tf,
             "--org", ORG, "--ready-file", ready, "--processing-after",
             "0.05", "--complete-after", "0.15", "--poll-limit", "1000/60",
             "--create-limit", "100/3600"] + args, env=env(),
            stdout=self.err, stderr=self.err)
        t = time.time() + 30
        while not os.path.exists(ready):
            if self.p.poll() is not None or time.time() > t:
                raise RuntimeError("the double did not start")
            time.sleep(0.02)
        with open(ready) as f:
            self.api_url = json.load(f)["api_url"]

    def stop(self):
        self.p.terminate()
        self.p.wait(10)
        self.err.close()


def case_export(c, data, sig):
    d = Double(c.tmp, data, ["--parts-per-job", "3", "--fault", "slow=40000"],
               "double%d" % sig)
    out = os.path.join(c.tmp, "exp%d" % sig)
    errors = []
    e = env({"CIRCLECI_API_TOKEN": d.token})
    cmd = [c.bin, "export", "--org", ORG, "--api-url", d.api_url, "-o", out,
           "--poll-interval", "0.05", "--start", "2026-11-20", "--end",
           "2026-11-30"]
    try:
        p = subprocess.Popen(cmd, env=e, stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE)

        def partial():
            for dd, _, fs in os.walk(out):
                for x in fs:
                    if x.endswith(".partial") and \
                            os.path.getsize(os.path.join(dd, x)) > 0:
                        return True
            return False
        if not wait_for(partial, p):
            errors.append("no .partial with data appeared")
        p.send_signal(sig)
        check_end(p, sig, True, errors)
        if not partial():
            errors.append("the .partial downloads were removed")
        bad = leftovers(out)
        if bad:
            errors.append("left behind: %s" % bad[:3])
        r = subprocess.run(cmd[:-4], env=e, capture_output=True, timeout=120)
        if r.returncode != 0:
            errors.append("the next run: exit %d: %s" % (
                r.returncode, r.stderr.decode()[-200:]))
        else:
            man = json.load(open(os.path.join(out, "manifest.json")))
            if man.get("complete") is not True:
                errors.append("the next run: manifest not complete")
            if any(f.endswith(".partial") for _, _, fs in os.walk(out)
                   for f in fs):
                errors.append("a .partial stayed after the next run")
    finally:
        d.stop()
    report("export mid-download, %s: exit %d, the resume hint, .partial kept, "
           "the next run completes" % (signal.Signals(sig).name, 128 + sig),
           errors)


def slow_feeder(part, secs, steps):
    """A python command writing the part's CSV to stdout over secs."""
    return [sys.executable, "-c", """
import gzip, sys, time
d = gzip.open(sys.argv[1]).read()
k = int(sys.argv[3]); n = len(d) // k + 1
for i in range(k):
    sys.stdout.buffer.write(d[i * n:(i + 1) * n]); sys.stdout.flush()
    time.sleep(float(sys.argv[2]) / k)
""", part, str(secs), str(steps)]


def case_progress(c, part, quick):
    # a terminal: the live line is drawn (\r ... ESC[K) and cleared
    db = os.path.join(c.tmp, "p1.db")
    feed = subprocess.Popen(slow_feeder(part, 3, 6), stdout=subprocess.PIPE)
    pid, fd = pty.fork()
    if pid == 0:
        os.dup2(feed.stdout.fileno(), 0)
        os.execve(c.bin, [c.bin, "ingest", "--db", db, "-"], env())
    feed.stdout.close()
    buf = b""
    while True:
        try:
            r, _, _ = select.select([fd], [], [], 60)
            chunk = os.read(fd, 65536) if r else b""
        except OSError:
            chunk = b""
        if not chunk:
            break
        buf += chunk
    _, st = os.waitpid(pid, 0)
    feed.wait()
    errors = []
    if os.waitstatus_to_exitcode(st) != 0:
        errors.append("exit %d" % os.waitstatus_to_exitcode(st))
    if b"\r" not in buf or b"\x1b[K" not in buf or \
            b"ingest: reading 1 file" not in buf:
        errors.append("no live line: %r" % buf[-200:])
    else:
        # cleared before the summary: nothing of it on the summary's line
        last = buf.rsplit(b"\x1b[K", 1)[1]
        if b"job runs read from 1 file" not in last or b"reading" in last:
            errors.append("not cleared before the summary: %r" % buf[-300:])
    report("progress on a terminal: a live line, drawn in place, cleared",
           errors)

    # a log: state lines, no more than one line per 30 s
    for quiet in (False, True):
        db = os.path.join(c.tmp, "p2%d.db" % quiet)
        feed = subprocess.Popen(slow_feeder(part, 5, 10),
                                stdout=subprocess.PIPE)
        r = subprocess.run([c.bin, "ingest", "--db", db, "-"] +
                           (["--quiet"] if quiet else []), env=env(),
                           stdin=feed.stdout, capture_output=True)
        feed.wait()
        lines = r.stderr.decode().splitlines()
        errors = []
        if r.returncode != 0:
            errors.append("exit %d" % r.returncode)
        if quiet and lines:
            errors.append("--quiet printed %r" % lines[:2])
        if not quiet:
            want = "circleci-usage: ingest: reading 1 file"
            if len(lines) != 3 or not lines[0].startswith(want) or \
                    "storing the daily roll-up" not in lines[1] or \
                    not lines[2].startswith("circleci-usage: ingest: done"):
                errors.append("lines %r" % lines)
            if any("\r" in x or "\x1b" in x for x in lines):
                errors.append("terminal codes in a log")
        report("progress in a log%s: %s" % (
            " with --quiet" if quiet else "",
            "none" if quiet else "a line per state, none more within 30 s"),
            errors)

    # the periodic line exists (its interval shortened for the test)
    db = os.path.join(c.tmp, "p3.db")
    feed = subprocess.Popen(slow_feeder(part, 4, 8), stdout=subprocess.PIPE)
    r = subprocess.run([c.bin, "ingest", "--db", db, "-"], env=env(
        {"CIRCLECI_USAGE_PROGRESS_EVERY": "1"}), stdin=feed.stdout,
        capture_output=True)
    feed.wait()
    lines = [x for x in r.stderr.decode().splitlines() if "job runs (" in x]
    report("progress in a log: a line now and then while a state lasts",
           [] if len(lines) >= 1 else ["none: %r" % r.stderr.decode()])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--quick", action="store_true")
    a = ap.parse_args()
    # SIGINT as from a terminal: a suite started in the background by a
    # shell without job control (run.sh's suites, from a CI runner's
    # background job) inherits it ignored, which the tool honours, as
    # nohup's, and every signal sent here would be lost
    signal.signal(signal.SIGINT, signal.default_int_handler)
    tmp = tempfile.mkdtemp(prefix="cu-signals-")
    c = Ctx(a, tmp)
    try:
        if not os.path.exists(SHIM):
            subprocess.run(["make", "-C", ROOT, "build/faultshim.so"],
                           check=True, capture_output=True)
        small = os.path.join(tmp, "small")
        big = os.path.join(tmp, "big")
        subprocess.run([sys.executable, GEN, "-o", small, "--rows", "3000",
                        "--parts", "2", "--seed", "41", "--start",
                        "2026-11-20", "--days", "10"], check=True,
                       capture_output=True)
        subprocess.run([sys.executable, GEN, "-o", big, "--rows", "60000",
                        "--parts", "2", "--seed", "42", "--start",
                        "2026-11-01", "--days", "10"], check=True,
                       capture_output=True)
        case_outputs(c, small)
        case_run(c, small)
        case_ingest(c, small, big)
        case_export(c, small, signal.SIGINT)
        if not a.quick:
            case_export(c, small, signal.SIGTERM)
        case_progress(c, os.path.join(big, "part-000.csv.gz"), a.quick)
    except Exception as ex:
        import traceback
        traceback.print_exc()
        report("signals harness", [repr(ex)])
    print("%d passed, %d failed" % (passed, failed))
    if failed == 0:
        scratch.rmtree(tmp)
    else:
        print("temp files kept in %s" % tmp)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
