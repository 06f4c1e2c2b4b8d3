#!/usr/bin/env python3
"""trust.py --bin BIN [--quick]: what is read back from disk or a server is
not trusted (issue 15, classes 5 and 6).

Class 5, the manifest and run.json:
  * a job id in a resumed manifest that is not a UUID (path traversal with
    a query and a fragment, CR LF, too long, empty) is refused with exit 3
    naming manifest.json and the field, before any request is made: the
    API double sees no request for it;
  * a part listed in two windows is refused (it would be read twice);
  * 4,000 and 100,000 windows are refused in well under a second;
  * a symbolic link leading out of the directory is refused: a window's
    directory or a part (report, and export --force, which would remove
    what it points to), run.json's export and previous.dir, and a
    directory on the way to a part;
  * control characters in any string of a manifest or a run.json.
Class 6, control characters never reach the terminal:
  * a walked file's name holding ESC ]0;...BEL and ESC [31m, a manifest's
    part path, run.json's export, a teams file's name, a usage error's
    argument, and a server's error message: no byte 0x1b, 0x07 or 0x9b
    (nor a CR) on stdout or stderr, and the name is still recognisable
    (shown as \\x1b]0;...).

Prints `PASS name` / `FAIL name: reason` and a last line `N passed, M
failed`.  Python 3 standard library only; the API double on loopback.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import scratch  # noqa: E402  (files kept for run.sh's scan)
import export as E  # noqa: E402  (Double, Ctx, gen, day, FAST)

passed = 0
failed = 0
EVIL = "\x1b]0;pwned\x07\x1b[31mred"
HEADER = ("PROJECT_NAME,WORKFLOW_NAME,JOB_NAME,JOB_ID,JOB_RUN_DATE,"
          "JOB_BUILD_STATUS,RESOURCE_CLASS,EXECUTOR,TOTAL_CREDITS\n")
ROW = "p,w,j,%d,2026-10-01,success,medium,docker,1\n"
SHA = "0123456789abcdef" * 4


def report(name, errors):
    global passed, failed
    if errors:
        failed += 1
        print("FAIL %s: %s" % (name, "; ".join(str(e) for e in errors[:4])),
              flush=True)
    else:
        passed += 1
        print("PASS %s" % name, flush=True)


def raw_controls(r):
    """The terminal-control bytes in a run's output, as a list."""
    bad = []
    for what, b in (("stdout", r.stdout), ("stderr", r.stderr)):
        for c in (b"\x1b", b"\x07", b"\r", b"\xc2\x9b", b"\x9b"):
            if c in b:
                bad.append("raw %r on %s" % (c, what))
    return bad


def expect(r, code, want, errors, clean=True):
    """Exit `code`, each of `want` on stderr, and no control byte."""
    err = r.stderr.decode("utf-8", "replace")
    if r.returncode != code:
        errors.append("exit %d, want %d: %s" % (r.returncode, code,
                                                err.strip()[-300:]))
    for w in want:
        if w not in err:
            errors.append("%r not in stderr: %s" % (w, err.strip()[-300:]))
    if clean:
        errors.extend(raw_controls(r))


class T:
    def __init__(self, a, tmp):
        self.c = E.Ctx(a, tmp)
        self.bin = self.c.bin
        self.tmp = tmp
        self.n = 0

    def run(self, args, timeout=60):
        """Run the tool; past `timeout` it is killed (exit -9)."""
        t0 = time.time()
        try:
            r = subprocess.run([self.bin] + args, capture_output=True,
                               env=self.c.env(), timeout=timeout)
        except subprocess.TimeoutExpired as e:
            r = subprocess.CompletedProcess(e.cmd, -9, e.stdout or b"",
                                            e.stderr or b"")
        r.elapsed = time.time() - t0
        return r

    def newdir(self, name):
        self.n += 1
        d = os.path.join(self.tmp, "%02d-%s" % (self.n, name))
        os.makedirs(d)
        return d


def part(path, n=1):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(HEADER + "".join(ROW % i for i in range(n)))


def manifest(d, windows, extra=None):
    m = {"version": 1, "org_id": E.ORG, "api_url": "https://x",
         "start": "2026-10-01T00:00:00Z", "end": "2026-10-31T23:59:59Z",
         "complete": True, "windows": windows}
    m.update(extra or {})
    with open(os.path.join(d, "manifest.json"), "w") as f:
        json.dump(m, f)


def window(dirname, paths, start="2026-10-01T00:00:00Z",
           end="2026-10-31T23:59:59Z"):
    return {"start": start, "end": end, "dir": dirname, "job_id": None,
            "state": "completed",
            "files": [{"path": p, "url_index": i, "done": True, "bytes": 1,
                       "rows": 1, "sha256": SHA}
                      for i, p in enumerate(paths)]}


# ---- class 5: job ids of a resumed export ----

def case_job_ids(t):
    data, _ = E.gen(t.tmp, "data", 200, 1, E.day(-3), 2, 15)
    d = E.Double(t.tmp, data, E.FAST, "d-ids")
    try:
        out = t.newdir("ids")
        args = ["--start", E.day(-3), "--end", E.day(-2), "--timeout", "5s"]
        r = t.c.export(d, out, args)
        if r.returncode != 0:
            report("export for the job id cases", ["exit %d: %s" % (
                r.returncode, E.err1(r))])
            return
        with open(os.path.join(out, "manifest.json")) as f:
            good = json.load(f)
        variants = [
            ("path traversal, query, fragment", "../../../../evil?x=1#"),
            ("a query", good["windows"][0]["job_id"] + "?x=1"),
            ("CR LF", good["windows"][0]["job_id"] + "\r\nX-Evil: 1"),
            ("too long", good["windows"][0]["job_id"] + "0" * 300),
            ("empty", ""),
            ("a UUID with a slash", good["windows"][0]["job_id"][:35] + "/"),
        ]
        for name, jid in variants:
            errors = []
            m = json.loads(json.dumps(good))
            m["complete"] = False
            m["windows"][0]["job_id"] = jid
            m["windows"][0]["state"] = "processing"
            m["windows"][0]["completed_at"] = None
            for f in m["windows"][0]["files"] or []:
                f["done"] = False
            with open(os.path.join(out, "manifest.json"), "w") as f:
                json.dump(m, f)
            before = len(d.log_lines())
            r = t.c.export(d, out, args, timeout=60)
            field = ("windows[0].job_id: expected text without control "
                     "characters" if "\r" in jid else
                     "windows[0].job_id: expected a UUID or null")
            expect(r, 3, ["manifest.json': " + field], errors)
            reqs = d.log_lines()[before:]
            if reqs:
                errors.append("%d requests made, e.g. %s" % (
                    len(reqs), reqs[0].get("path")))
            if r.elapsed > 3:
                errors.append("took %.1f s" % r.elapsed)
            report("manifest job_id %s: exit 3 naming the field, no request"
                   % name, errors)
    finally:
        d.stop()


# ---- class 5: duplicates, counts ----

def case_duplicates(t):
    d = t.newdir("dup")
    part(os.path.join(d, "w1", "part-000.csv"))
    manifest(d, [window("w1", ["w1/part-000.csv"],
                        end="2026-10-15T00:00:00Z"),
                 window("w2", ["w1/part-000.csv"],
                        start="2026-10-15T00:00:00Z")])
    errors = []
    r = t.run(["report", "--format", "json", d])
    expect(r, 3, ["manifest.json': windows[1].files[0].path: expected a "
                  "file listed once, not again after windows[0].files[0]"],
           errors)
    report("manifest: the same part in two windows is refused", errors)


def many_windows(t, n):
    d = t.newdir("many%d" % n)
    part(os.path.join(d, "w", "part-000.csv"))
    w = window("w", ["w/part-000.csv"])
    with open(os.path.join(d, "manifest.json"), "w") as f:
        f.write('{"version": 1, "org_id": "%s", "api_url": "https://x", '
                '"start": "2026-10-01T00:00:00Z", "end": '
                '"2026-10-31T23:59:59Z", "complete": true, "windows": [' %
                E.ORG)
        f.write(", ".join([json.dumps(w)] * n))
        f.write("]}")
    errors = []
    r = t.run(["report", "--format", "json", d], timeout=20)
    want = ("expected at most 4 MB" if n > 10000 else
            "windows: expected at most 257 windows for its range, not %d" % n)
    expect(r, 3, [want], errors)
    # a few tenths of a second (the sanitizer build is slower)
    if r.elapsed > 5:
        errors.append("took %.1f s" % r.elapsed)
    report("manifest: %d windows refused in %.2f s (%.1f MB)" % (
        n, r.elapsed, os.path.getsize(os.path.join(d, "manifest.json")) /
        1e6), errors)


# ---- class 5: symbolic links out of the directory ----

def case_symlinks(t):
    top = t.newdir("links")
    outside = os.path.join(top, "outside")
    part(os.path.join(outside, "secret.csv"), 5)

    # a part that is a link out
    d = os.path.join(top, "a")
    os.makedirs(os.path.join(d, "w"))
    os.symlink(os.path.join(outside, "secret.csv"),
               os.path.join(d, "w", "part-000.csv"))
    manifest(d, [window("w", ["w/part-000.csv"])])
    errors = []
    r = t.run(["report", "--format", "json", d])
    expect(r, 3, ["windows[0].files[0].path: expected a path inside the "
                  "directory: 'w/part-000.csv' leads out"], errors)
    report("manifest: a part that is a symbolic link out is refused", errors)

    # a part under a directory that is a link out (a parent component)
    d = os.path.join(top, "b")
    os.makedirs(d)
    os.symlink(outside, os.path.join(d, "w"))
    manifest(d, [window("w", ["w/secret.csv"])])
    errors = []
    r = t.run(["report", "--format", "json", d])
    expect(r, 3, ["windows[0].files[0].path: expected a path inside the "
                  "directory: 'w/secret.csv' leads out"], errors)
    report("manifest: a part under a symlinked directory is refused", errors)

    # export --force would remove the files of such a manifest: refused
    # before anything is removed
    d = os.path.join(top, "c")
    os.makedirs(d)
    os.symlink(outside, os.path.join(d, "w"))
    manifest(d, [window("w", ["w/secret.csv"])])
    errors = []
    r = t.run(["export", "--org", E.ORG, "--api-url", "http://127.0.0.1:9/"
               "api/v2", "--start", E.day(-3), "--end", E.day(-2),
               "--force", "-o", d, "--timeout", "2s"])
    expect(r, 3, ["manifest.json': windows[0].dir: expected a path inside "
                  "the export directory: 'w' leads out"], errors)
    if not os.path.exists(os.path.join(outside, "secret.csv")):
        errors.append("export --force removed the file outside")
        part(os.path.join(outside, "secret.csv"), 5)
    report("export --force: a window directory linked out is refused, the "
           "file outside kept", errors)

    # run.json: previous.dir and export as links out
    R = os.path.join(top, "run")
    part(os.path.join(R, "export", "part-000.csv"))
    os.symlink(outside, os.path.join(R, "previous"))
    run = {"version": 1, "org_id": E.ORG, "start": "2026-10-01T00:00:00Z",
           "end": "2026-10-31T23:59:59Z", "export": "export",
           "previous": {"start": "2026-09-01T00:00:00Z",
                        "end": "2026-09-30T23:59:59Z", "dir": "previous"}}
    with open(os.path.join(R, "run.json"), "w") as f:
        json.dump(run, f)
    errors = []
    r = t.run(["compare", "--format", "json", R])
    expect(r, 3, ["run.json': previous.dir: expected a path inside the run "
                  "directory: 'previous' leads out"], errors)
    report("run.json: previous.dir linked out of the run directory is "
           "refused (compare)", errors)

    run["export"] = "exp"
    os.symlink(outside, os.path.join(R, "exp"))
    with open(os.path.join(R, "run.json"), "w") as f:
        json.dump(run, f)
    errors = []
    r = t.run(["report", "--format", "json", R])
    expect(r, 3, ["run.json': export: expected a path inside the run "
                  "directory: 'exp' leads out"], errors)
    report("run.json: export linked out of the run directory is refused",
           errors)

    # a link that stays inside is still followed
    os.remove(os.path.join(R, "exp"))
    os.symlink("export", os.path.join(R, "exp"))
    errors = []
    r = t.run(["report", "--format", "json", R])
    expect(r, 0, [], errors)
    report("run.json: export linked inside the run directory is read",
           errors)


# ---- class 5 and 6: control characters in what is read back ----

def case_controls(t):
    # a manifest's part path holding escapes: refused, shown escaped
    d = t.newdir("ctl-manifest")
    part(os.path.join(d, "w", "part-000.csv"))
    manifest(d, [window("w", ["w/" + EVIL + ".csv"])])
    errors = []
    r = t.run(["report", "--format", "json", d])
    expect(r, 3, ["windows[0].files[0].path: expected text without control "
                  "characters"], errors)
    report("manifest: a part path with ESC/BEL refused, no raw byte", errors)

    # a resumed manifest's state with a C1 CSI
    d = t.newdir("ctl-state")
    manifest(d, [dict(window("w", []), state="x\u009b2J")])
    errors = []
    r = t.run(["report", "--format", "json", d])
    expect(r, 3, ["windows[0].state: expected text without control "
                  "characters"], errors)
    report("manifest: a state with a C1 control refused", errors)

    # run.json's export with escapes, and its org_id
    R = t.newdir("ctl-run")
    part(os.path.join(R, "export", "part-000.csv"))
    for field, run in (("export", {"export": EVIL}),
                       ("org_id", {"org_id": "o" + EVIL})):
        with open(os.path.join(R, "run.json"), "w") as f:
            json.dump(dict({"version": 1}, **run), f)
        errors = []
        r = t.run(["report", "--format", "json", R])
        expect(r, 3, ["run.json': %s: expected text without control "
                      "characters" % field], errors)
        report("run.json: %s with ESC/BEL refused, no raw byte" % field,
               errors)


def case_terminal(t):
    # a walked directory: a part whose name holds escapes, and bad data
    d = t.newdir("walk")
    name = EVIL + ".csv"
    with open(os.path.join(d, name), "w") as f:
        f.write("NOT,A,HEADER\n1,2,3\n")
    errors = []
    r = t.run(["report", d])
    expect(r, 3, ["\\x1b]0;pwned\\x07\\x1b[31mred.csv"], errors)
    report("walked file name with ESC ]0;..BEL and ESC [31m: escaped in the "
           "error", errors)

    # a manifest lists a missing part whose name holds a newline
    d = t.newdir("walk-nl")
    manifest(d, [window("w", ["w/a\u202eb.csv"])])
    errors = []
    r = t.run(["report", d])
    expect(r, 3, ["expected text without control characters"], errors)
    if "\u202e".encode() in r.stderr:
        errors.append("raw U+202E on stderr")
    report("manifest: a bidi override in a path refused, not printed raw",
           errors)

    # a teams file named with escapes (missing): named, escaped
    d = t.newdir("teams")
    part(os.path.join(d, "part-000.csv"))
    errors = []
    r = t.run(["report", "--by", "team", "--teams",
               os.path.join(d, EVIL + ".yml"), d])
    expect(r, 2, ["\\x1b]0;pwned\\x07\\x1b[31mred.yml"], errors)
    report("teams file name with escapes: escaped in the error", errors)

    # a usage error quoting an argument
    errors = []
    r = t.run(["report", "--by", EVIL, d])
    expect(r, 2, ["\\x1b]0;pwned\\x07"], errors)
    r2 = t.run([EVIL + "\n"])
    expect(r2, 2, ["unknown command '\\x1b]0;pwned"], errors)
    report("usage errors: an argument with escapes is shown escaped", errors)


def case_server_message(t):
    data, _ = E.gen(t.tmp, "data-msg", 100, 1, E.day(-3), 2, 16)
    d = E.Double(t.tmp, data, E.FAST + ["--fault", "esc-message=1"],
                 "d-msg")
    try:
        out = t.newdir("msg")
        errors = []
        r = t.c.export(d, out, ["--start", E.day(-3), "--end", E.day(-2),
                                "--timeout", "10s"])
        # escaped, or blanked by the client's answer reader: either way
        # recognisable, on one line, and no control byte
        expect(r, 5, ["]0;pwned", "title", "X-Injected: 1"], errors)
        lines = [x for x in r.stderr.decode("utf-8", "replace").splitlines()
                 if "pwned" in x]
        if len(lines) != 1 or "X-Injected" not in lines[0]:
            errors.append("the message is not on one line: %r" % lines)
        report("server error message with ESC, BEL, CR LF, CSI: escaped "
               "on one line", errors)
    finally:
        d.stop()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--quick", action="store_true")
    a = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="cu-trust-")
    t = T(a, tmp)
    try:
        case_job_ids(t)
        case_duplicates(t)
        many_windows(t, 4000)
        many_windows(t, 100000)
        case_symlinks(t)
        case_controls(t)
        case_terminal(t)
        case_server_message(t)
    finally:
        if failed == 0:
            scratch.rmtree(tmp)
        else:
            print("files kept in %s" % tmp)
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
