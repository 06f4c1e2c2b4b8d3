#!/usr/bin/env python3
"""leakscan.py DIR | --self-test: the end-to-end suite's secrets scan.

tests/e2e/run.sh hands every suite the same canaries in the environment,
random for each run:
  CU_E2E_TOKEN        the CircleCI API token (in CIRCLECI_API_TOKEN, a
                      --token-file, on stdin, in the test double's
                      --token-file; bad tokens are it with a suffix)
  CU_E2E_WEBHOOK      the secret part of the Slack webhook's URL
  CU_E2E_ARGV_SECRET  a webhook secret that one test puts in argv on
                      purpose (a misuse the tool must not echo)
and runs them all with TMPDIR in DIR/tmp, keeping every temporary
directory and the tool's captured outputs there (CU_E2E_KEEP: lib.sh,
tests/e2e/scratch.py), each suite's stdout and stderr in DIR/logs, and,
through a wrapper around the tool, the argv of each run in DIR/argv/PID.

The scan: no canary is in any file under DIR nor in any file's name, as is
or as a leak would carry it (URL-encoded, JSON-escaped, base64 as in
`Authorization: Basic`; upper or lower case, percent-encoded or
\\u-escaped byte by byte in either case of hex, HTML references, as a
server echoing it would; inside gzip files too); nor is the token or the
webhook in any argv record.  The one exemption, by name: a file whose name
ends in `.secret` holds a secret on purpose, as the test's own input (a
token file for --token-file or for the double, a webhook file, an env
file) or a stand-in server's record of the credentials it received.  Name
such files so, and nothing else.  It also checks that the canaries reached
the suites: the token and the webhook are in some .secret file, the argv
secret in some argv record.

Prints `PASS name` / `FAIL name: reason` (one FAIL per file holding a
secret) and a last line `N passed, M failed`; exits 1 on a failure.
--self-test plants leaks in a small directory of its own and checks that
the scan (this script, run as run.sh runs it) finds each of them, and no
more.  Python 3 standard library only.
"""

import base64
import gzip
import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import zlib
from urllib.parse import quote

CANARIES = (("CU_E2E_TOKEN", "the token", True),
            ("CU_E2E_WEBHOOK", "the webhook", True),
            ("CU_E2E_ARGV_SECRET", "the argv secret", False))
CHUNK = 1 << 20

passed = 0
failed = 0


def report(name, errors):
    global passed, failed
    if errors:
        failed += 1
        print("FAIL %s: %s" % (name, "; ".join(errors[:4])), flush=True)
    else:
        passed += 1
        print("PASS %s" % name, flush=True)


def forms(secret):
    """[(form, bytes)]: the ways a leak of secret would read."""
    s = secret.encode()
    out = [("as is", s),
           ("URL-encoded", quote(secret, safe="").encode()),
           ("JSON-escaped", json.dumps(secret)[1:-1].encode()),
           # as a server may echo it back (tests/e2e/secrets.py)
           ("upper case", secret.upper().encode()),
           ("lower case", secret.lower().encode()),
           ("percent-encoded byte by byte",
            "".join("%%%02X" % b for b in s).encode()),
           ("percent-encoded byte by byte, lower hex",
            "".join("%%%02x" % b for b in s).encode()),
           ("\\u-escaped byte by byte",
            "".join("\\u%04x" % b for b in s).encode()),
           ("\\u-escaped byte by byte, upper hex",
            "".join("\\u%04X" % b for b in s).encode()),
           ("HTML references", "".join("&#%d;" % b for b in s).encode())]
    # base64 of anything holding the secret (say "token:" for Basic auth)
    # holds, for one of the three alignments, the groups made of the
    # secret's bytes alone
    for off in range(3):
        enc = base64.b64encode(b"\0" * off + s)
        piece = enc[4 if off else 0:(off + len(s)) // 3 * 4]
        out.append(("base64", piece))
        out.append(("base64url", piece.translate(bytes.maketrans(b"+/",
                                                                 b"-_"))))
    seen, uniq = set(), []
    for name, b in out:
        if b not in seen:
            seen.add(b)
            uniq.append((name, b))
    return uniq


def needles(names):
    """[(what, form, bytes)] for the canaries named (all three by default)"""
    out = []
    for var, what, _ in CANARIES:
        if var in names:
            out.extend((what, f, b) for f, b in forms(os.environ[var]))
    return out


def redact(text, pats):
    """text (str) with every pattern blanked: FAIL lines name, never show."""
    b = text.encode()
    for _, _, p in pats:
        b = b.replace(p, b"<secret>")
    return b.decode("utf-8", "replace")


def find(chunks, pats):
    """The (what, form) of the first pattern in a stream of chunks."""
    keep = max(len(b) for _, _, b in pats) - 1
    tail = b""
    for c in chunks:
        buf = tail + c
        for what, form, b in pats:
            if b in buf:
                return what, form
        tail = buf[-keep:]
    return None


def file_chunks(path):
    with open(path, "rb") as f:
        for c in iter(lambda: f.read(CHUNK), b""):
            yield c


def gzip_chunks(path):
    """The decompressed data, as far as it goes (a .partial is cut off)."""
    try:
        with gzip.open(path, "rb") as f:
            for c in iter(lambda: f.read(CHUNK), b""):
                yield c
    except (OSError, EOFError, zlib.error):
        return


def is_gzip(path):
    with open(path, "rb") as f:
        return f.read(2) == b"\x1f\x8b"


def scan(root):
    """Checks DIR; PASS/FAIL lines."""
    missing = [v for v, _, _ in CANARIES if len(os.environ.get(v, "")) < 16]
    if missing:
        report("secrets: the canaries", ["%s unset or shorter than 16" %
                                         ", ".join(missing)])
        return
    everywhere = needles([v for v, _, _ in CANARIES])
    not_argv = needles([v for v, _, a in CANARIES if a])
    argv_dir = os.path.join(root, "argv")
    files = exempt = 0
    findings = []
    reached = {what: 0 for _, what, _ in CANARIES}
    unreadable = []

    def walk_error(e):
        unreadable.append("%s: %s" % (os.path.relpath(e.filename, root),
                                      e.strerror))

    for d, dirs, names in os.walk(root, onerror=walk_error):
        if os.path.abspath(d) == os.path.abspath(argv_dir):
            dirs[:] = []
            continue
        for n in dirs + names:
            rel = os.path.relpath(os.path.join(d, n), root)
            hit = find([n.encode()], everywhere)
            if hit:
                findings.append("%s (%s) in the name %s" %
                                (hit + (redact(rel, everywhere),)))
        for n in sorted(names):
            p = os.path.join(d, n)
            rel = os.path.relpath(p, root)
            try:
                if not stat.S_ISREG(os.lstat(p).st_mode):
                    continue
                if n.endswith(".secret"):
                    exempt += 1
                    for var, what, _ in CANARIES:
                        if find(file_chunks(p), [(what, "as is",
                                                  os.environ[var].encode())]):
                            reached[what] += 1
                    continue
                files += 1
                hit = find(file_chunks(p), everywhere)
                if hit is None and is_gzip(p):
                    hit = find(gzip_chunks(p), everywhere)
                    if hit:
                        hit = (hit[0], hit[1] + ", gzipped")
            except OSError as e:
                unreadable.append("%s: %s" % (rel, e.strerror))
                continue
            if hit:
                findings.append("%s (%s) in %s" %
                                (hit + (redact(rel, everywhere),)))
    for f in findings:
        report("secrets: a file holds a secret", [f])
    if unreadable or not findings:
        report("secrets: no token or webhook in any file, file name or "
               "suite log (%d files; %d .secret files exempt)" %
               (files, exempt), ["cannot read " + u for u in unreadable])

    runs = 0
    leaks = 0
    try:
        records = sorted(os.listdir(argv_dir), key=lambda n: int(n)
                         if n.isdigit() else 0)
    except OSError:
        records = []
    for n in records:
        p = os.path.join(argv_dir, n)
        with open(p, "rb") as f:
            lines = f.read().splitlines()
        runs += len(lines)
        for line in lines:
            if find([line], [x for x in everywhere
                             if x[0] == "the argv secret"]):
                reached["the argv secret"] += 1
            hit = find([line], not_argv)
            if hit:
                leaks += 1
                sub = redact(line.split(b" ", 1)[0].decode("utf-8",
                                                            "replace"),
                             everywhere)
                report("secrets: a secret in argv", [
                    "%s (%s) in the argv of `circleci-usage %s ...` "
                    "(argv/%s)" % (hit + (sub, n))])
    if runs == 0 or not leaks:
        report("secrets: no token or webhook in the argv of any of the %d "
               "runs of the tool" % runs, [] if runs else ["no run recorded"])
    report("secrets: every canary reached the suites (%s)" % ", ".join(
        "%s in %d %s" % (w, k, "argv records" if w == "the argv secret"
                         else ".secret files") for w, k in reached.items()),
           ["%s never seen" % w for w, k in reached.items() if k == 0])


# ---- --self-test: the scan finds what is planted, and only that ----

def self_test():
    token = "CCIPAT_selftest_%s/+\"x" % os.urandom(8).hex()
    hook = "selftestHook%s" % os.urandom(8).hex()
    argvsec = "selftestArgv%s" % os.urandom(8).hex()
    env = dict(os.environ, CU_E2E_TOKEN=token, CU_E2E_WEBHOOK=hook,
               CU_E2E_ARGV_SECRET=argvsec)
    basic = base64.b64encode((token + ":").encode()).decode()

    def tree(d, extra):
        """A clean scratch directory, then extra {path: bytes} on top."""
        files = {
            "tmp/cu-export-1/token.secret": (token + "\n").encode(),
            "tmp/tmp.x/hook.secret": ("  https://h/%s\n" % hook).encode(),
            "tmp/tmp.x/out": b"PASS ok\n",
            "tmp/cu-export-1/out01/part-000.csv.gz": gzip.compress(
                b"a,b\n1,2\n"),
            "logs/cli.sh.out": b"1 passed, 0 failed\n",
            "argv/100": ("notify slack --webhook-file https://h/%s x\n" %
                         argvsec).encode(),
            "argv/101": b"report --by project x\n",
        }
        files.update(extra)
        for rel, data in files.items():
            p = os.path.join(d, rel)
            os.makedirs(os.path.dirname(p), exist_ok=True)
            with open(p, "wb") as f:
                f.write(data)

    cases = [
        # name, planted files, a FAIL line must contain (None: no FAIL)
        ("a clean directory (.secret files, the argv secret in argv) passes",
         {}, None),
        ("the token as is in an output", {"tmp/tmp.x/out": (
            "error: bad %s\n" % token).encode()}, "the token (as is) in "
         "tmp/tmp.x/out"),
        ("the token in a copy of a .secret file", {
            "tmp/cu-export-1/token.secret.bak": (token + "\n").encode()},
         "the token (as is) in tmp/cu-export-1/token.secret.bak"),
        ("the token URL-encoded in a log", {"logs/export.py.err": (
            "GET /x?circle-token=%s\n" % quote(token, safe="")).encode()},
         "the token (URL-encoded) in logs/export.py.err"),
        ("the token as Basic auth in a trace", {"tmp/t/trace": (
            "Authorization: Basic %s\r\n" % basic).encode()},
         "the token (base64) in tmp/t/trace"),
        ("the token JSON-escaped in a manifest", {"tmp/o/manifest.json":
         json.dumps({"auth": token}).encode()},
         "the token (JSON-escaped) in tmp/o/manifest.json"),
        ("the token percent-encoded byte by byte in a log", {
            "logs/secrets.py.err": ("400: %s\n" % "".join(
                "%%%02x" % b for b in token.encode())).encode()},
         "the token (percent-encoded byte by byte, lower hex) in "
         "logs/secrets.py.err"),
        ("the webhook \\u-escaped in an output", {"tmp/tmp.x/out": (
            "404: %s\n" % "".join("\\u%04X" % b for b in hook.encode())
        ).encode()}, "the webhook (\\u-escaped byte by byte, upper hex) in "
         "tmp/tmp.x/out"),
        ("the webhook in upper case", {"tmp/tmp.x/out": (
            "no_service %s\n" % hook.upper()).encode()},
         "the webhook (upper case) in tmp/tmp.x/out"),
        ("the webhook in a gzip file", {"tmp/o/w/part-001.csv.gz":
         gzip.compress(("x,%s\n" % hook).encode())},
         "the webhook (as is, gzipped) in tmp/o/w/part-001.csv.gz"),
        ("the webhook in a file's name", {"tmp/o/%s.txt" % hook: b""},
         "the webhook (as is) in the name tmp/o/<secret>.txt"),
        ("the argv secret outside argv", {"tmp/tmp.y/err": (
            "no file '%s'\n" % argvsec).encode()},
         "the argv secret (as is) in tmp/tmp.y/err"),
        ("the token in argv", {"argv/102": (
            "export --token %s\n" % token).encode()},
         "the token (as is) in the argv of `circleci-usage export ...` "
         "(argv/102)"),
    ]
    here = os.path.abspath(__file__)
    for name, extra, want in cases:
        d = tempfile.mkdtemp(prefix="leakscan-selftest-")
        errors = []
        try:
            tree(d, extra)
            r = subprocess.run([sys.executable, here, d], env=env,
                               capture_output=True, timeout=60)
            out = r.stdout.decode("utf-8", "replace")
            fails = [x for x in out.splitlines() if x.startswith("FAIL")]
            if want is None:
                if r.returncode != 0 or fails:
                    errors.append("exit %d: %s" % (r.returncode,
                                                   "; ".join(fails)))
            else:
                if r.returncode != 1:
                    errors.append("exit %d, want 1" % r.returncode)
                if not [x for x in fails if want in x]:
                    errors.append("no FAIL naming %r: %s" %
                                  (want, "; ".join(fails) or out[-300:]))
                elif len(fails) != 1:
                    errors.append("other FAILs: %s" % "; ".join(fails))
            for sec in (token, hook, argvsec):
                if sec in out or sec in r.stderr.decode("utf-8", "replace"):
                    errors.append("the scan printed a secret")
        finally:
            shutil.rmtree(d, ignore_errors=True)
        report("leakscan self-test: " + name if want is None else
               "leakscan self-test: finds " + name, errors)


def main():
    if sys.argv[1:] == ["--self-test"]:
        self_test()
    elif len(sys.argv) == 2 and os.path.isdir(sys.argv[1]):
        scan(sys.argv[1])
    else:
        sys.exit("usage: leakscan.py DIR | --self-test")
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
