#!/usr/bin/env python3
"""secrets.py --bin BIN [--quick]: secrets inside URLs and server answers.

  * A server that echoes a secret in its answers (the test double's echo-*
    faults: the token in a 400, 401, 429 or 500 message, an HTML body, a
    failed job's error_reason, a job's state; the stand-in webhook's
    --echo: its path, its secret segment or its whole URL in a 400, 404,
    429 or 500 answer), in every spelling (as is, upper case, percent-
    encoded in upper, lower and mixed hex or twice, form-encoded, \\uXXXX in
    either case, \\/, HTML references, a mix), after filler that puts it
    across the tool's 200-byte cut: the secret is nowhere in stdout, stderr
    (with --verbose) or any file the tool wrote, decoded however it may
    be, nor any 8 bytes of its random part; the message shows the mask.
  * User information in --api-url, CIRCLECI_API_URL, `run --api-url`, or a
    webhook URL (SLACK_WEBHOOK_URL, --webhook-file): exit 2, the URL shown
    masked (http://***@127.0.0.1:PORT/api/v2; for a webhook its origin
    only), no password printed, and the server receives no request.  A
    query string in the API URL likewise.
  * A manifest written by an older version with user information in its
    api_url: report reads it without printing it; export reads it masked
    with a warning, never prints it as it is (--json), and writes it back
    masked.

The token is run.sh's canary CU_E2E_TOKEN and the webhook's secret its
CU_E2E_WEBHOOK, so that its leak scan also looks at all of this.  Messages
name a leak, never show it.  Prints `PASS name` / `FAIL name: reason` and a
last line `N passed, M failed`.  Python 3 standard library only.
"""

import argparse
import html
import json
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import time
from urllib.parse import unquote

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import scratch  # noqa: E402  (files and outputs kept for run.sh's scan)
import export as X  # noqa: E402  (the double, its context, the data)

WEBHOOK = os.path.join(HERE, "webhook.py")
FORMS = ("raw", "upper", "lower", "url", "url-lower", "url-mixed",
         "url-twice", "form", "json-u", "json-U", "json-slash", "html",
         "mixed")
QUICK_FORMS = ("raw", "url-lower", "json-U", "html", "mixed")

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


def decodings(text):
    """text (str) and what it reads as once escapes are undone, up to three
    times over (JSON \\uXXXX and \\/, HTML references, percent-encoding,
    '+'), all lower case."""
    out = [text]
    t = text
    for _ in range(3):
        t = re.sub(r"\\[uU]([0-9a-fA-F]{4})",
                   lambda m: chr(int(m.group(1), 16)), t)
        t = t.replace("\\/", "/")
        t = html.unescape(t)
        t = unquote(t)
        out += [t, t.replace("+", " ")]
    return [o.lower() for o in out]


def leaks(data, secret, core=None):
    """Does data (bytes or str) hold secret in any spelling, or 8 bytes of
    its random part `core`?  Returns what was found, never the secret."""
    if isinstance(data, bytes):
        data = data.decode("utf-8", "replace")
    forms = decodings(data)
    if any(secret.lower() in f for f in forms):
        return "the whole secret"
    if core:
        core = core.lower()
        for i in range(len(core) - 7):
            if any(core[i:i + 8] in f for f in forms):
                return "8 bytes of the secret"
    return None


def tree_leaks(root, secret, core=None):
    """The files under root holding the secret (names relative to root)."""
    out = []
    for d, _, names in os.walk(root):
        for n in names:
            p = os.path.join(d, n)
            if n.endswith(".secret") or not os.path.isfile(p):
                continue
            with open(p, "rb") as f:
                data = f.read(4 << 20)
            if data[:2] == b"\x1f\x8b":
                continue        # the parts: data, checked by leakscan
            w = leaks(data, secret, core)
            if w:
                out.append("%s in %s" % (w, os.path.relpath(p, root)))
    return out


def core_of(secret):
    """The random part of a canary (what follows its fixed prefix)."""
    m = re.search(r"[0-9a-f]{16,}$", secret)
    return m.group(0) if m else secret


# ---------------------------------------------------------------- the API

def case_api_echo(c, data, quick):
    path, _, start, end = data
    token = c.token
    core = core_of(token)
    faults = [("echo-400", 5, "400: Invalid token ***"),
              ("echo-401", 4, "401: Invalid token ***"),
              ("echo-body", 5, "token ***"),
              ("echo-500=always", 6, "500 (Invalid token ***"),
              ("echo-429=always", 6, "rate limited"),
              ("echo-reason", 5, "failed: the token ***"),
              ("echo-state=always", 6, "still ***")]
    forms = QUICK_FORMS if quick else FORMS
    for fault, code, words in faults:
        for k, form in enumerate(forms):
            # the secret after 0, then 190 bytes: across the 200-byte cut
            pad = (0, 190, 185)[k % 3]
            d = X.Double(c.tmp, path, X.FAST + [
                "--fault", fault, "--echo-form", form, "--echo-pad",
                str(pad), "--retry-after", "1"], "d-%s-%s" % (
                    fault.split("=")[0], form))
            out = c.outdir()
            errors = []
            try:
                r = c.export(d, out, ["--start", start, "--end", end,
                                      "--verbose", "--timeout", "3s"])
            finally:
                d.stop()
            msg = X.err1(r)
            if r.returncode != code:
                errors.append("exit %d, want %d" % (r.returncode, code))
            for where, text in (("stdout", r.stdout), ("stderr", r.stderr)):
                w = leaks(text, token, core)
                if w:
                    errors.append("%s in %s" % (w, where))
            errors += tree_leaks(out, token, core)
            if pad == 0 and words not in msg:
                errors.append("no %r in the message" % words)
            if pad == 0 and "***" not in msg:
                errors.append("no mask in the message")
            report("api echo: %s, %s, after %d bytes: exit %d, the token "
                   "masked everywhere" % (fault, form, pad, code), errors)


def case_userinfo_api(c, data):
    path, _, start, end = data
    d = X.Double(c.tmp, path, X.FAST, "d-userinfo")
    port = d.api_url.split(":")[2].split("/")[0]
    host = "127.0.0.1:%s" % port
    pw = "pw%032x" % random.getrandbits(128)
    try:
        cases = [
            ("user:password", "http://user:%s@%s/api/v2" % (pw, host),
             "http://***@%s/api/v2" % host),
            ("user only", "http://%s@%s/api/v2" % (pw, host),
             "http://***@%s/api/v2" % host),
            ("password only", "http://:%s@%s/api/v2" % (pw, host),
             "http://***@%s/api/v2" % host),
            ("an empty one", "http://@%s/api/v2" % host,
             "http://***@%s/api/v2" % host),
            ("login options", "http://u;auth=%s@%s/api/v2" % (pw, host),
             "http://***@%s/api/v2" % host),
            ("percent-encoded", "http://us%%40er:%s%%3A@%s/api/v2" % (
                pw, host), "http://***@%s/api/v2" % host),
            ("a '/' in the password (not a URL)", "http://user:%s/x@%s/api/v2"
             % (pw, host), "http://***@%s/api/v2" % host),
            ("upper-case scheme, query", "HTTP://user:%s@%s/api/v2?x=%s" % (
                pw, host, pw), "HTTP://***@%s/api/v2" % host),
            ("a query string", "http://%s/api/v2?circle-token=%s" % (
                host, pw), "http://%s/api/v2" % host),
        ]
        for name, url, shown in cases:
            for how in ("--api-url", "CIRCLECI_API_URL", "run --api-url"):
                out = c.outdir()
                cmd = [c.bin, "run" if how.startswith("run") else "export",
                       "--org", X.ORG, "-o", out, "--start", start, "--end",
                       end, "--verbose"]
                env = c.env()
                if how == "CIRCLECI_API_URL":
                    env["CIRCLECI_API_URL"] = url
                else:
                    cmd += ["--api-url", url]
                r = subprocess.run(cmd, env=env, capture_output=True,
                                   timeout=60)
                errors = []
                msg = X.err1(r)
                if r.returncode != 2:
                    errors.append("exit %d, want 2" % r.returncode)
                label = "CIRCLECI_API_URL" if how == "CIRCLECI_API_URL" \
                    else "--api-url"
                if "%s '%s'" % (label, shown) not in msg:
                    errors.append("the masked URL is not shown")
                for where, text in (("stdout", r.stdout),
                                    ("stderr", r.stderr)):
                    if leaks(text, pw):
                        errors.append("the password is in " + where)
                errors += tree_leaks(out, pw) if os.path.isdir(out) else []
                report("user information in %s: %s: exit 2, shown masked" %
                       (how, name), errors)
        # no request reached the double, from any of them
        st = d.state()
        report("user information: the API received no request",
               ["%d requests" % st["api_requests"]]
               if st["api_requests"] != 0 else [])
    finally:
        d.stop()


# ---------------------------------------------------------------- webhooks

class Hook:
    def __init__(self, tmp, secret_path, args, name):
        self.dir = os.path.join(tmp, name)
        os.makedirs(self.dir, exist_ok=True)
        self.port_file = os.path.join(self.dir, "port")
        self.log = os.path.join(self.dir, "hook.log")
        env = dict(os.environ, WEBHOOK_PATH=secret_path)
        self.p = subprocess.Popen(
            [sys.executable, WEBHOOK, "--port-file", self.port_file, "--log",
             self.log] + list(args), env=env, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL)
        t = time.time() + 20
        while not os.path.exists(self.port_file):
            if self.p.poll() is not None or time.time() > t:
                raise RuntimeError("webhook.py did not start")
            time.sleep(0.02)
        with open(self.port_file) as f:
            self.port = int(f.read())
        self.url = "http://127.0.0.1:%d%s" % (self.port, secret_path)

    def requests(self):
        try:
            with open(self.log) as f:
                return [json.loads(x) for x in f if x.strip()]
        except FileNotFoundError:
            return []

    def stop(self):
        if self.p.poll() is None:
            self.p.send_signal(signal.SIGTERM)
            try:
                self.p.wait(10)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait()


def notify(c, export_dir, url, extra=(), via="env"):
    env = c.env()
    args = [c.bin, "notify", "slack", "--timeout", "3s"] + list(extra)
    if via == "env":
        env["SLACK_WEBHOOK_URL"] = url
    else:
        f = os.path.join(c.tmp, "hook%d.secret" % random.getrandbits(32))
        with open(f, "w") as fh:
            fh.write(url + "\n")
        args += ["--webhook-file", f]
    return subprocess.run(args + [export_dir], env=env, capture_output=True,
                          timeout=60)


def case_webhook_echo(c, export_dir, secret, quick):
    spath = "/services/T0SECRETS/B0SECRETS/" + secret
    core = core_of(secret)
    scripts = [("400", 5, "rejected the message (400: invalid_payload: ***"),
               ("404", 4, "(404: no_service: ***"),
               ("500*", 6, "answered 500 (server_error: ***"),
               ("429:1*", 6, "answered 429 (rate_limited: ***")]
    forms = QUICK_FORMS if quick else FORMS
    for script, code, words in scripts:
        for k, form in enumerate(forms):
            part = ("path", "secret", "url")[k % 3]
            pad = (0, 0, 0, 190)[k % 4]
            h = Hook(c.tmp, spath, ["--script", script, "--echo", form,
                                    "--echo-part", part, "--echo-pad",
                                    str(pad)], "hook-%s-%s" % (
                                        script[:3], form))
            errors = []
            try:
                r = notify(c, export_dir, h.url)
            finally:
                h.stop()
            msg = X.err1(r)
            if r.returncode != code:
                errors.append("exit %d, want %d" % (r.returncode, code))
            for s2, what in ((secret, "the secret"), (spath, "the path")):
                for where, text in (("stdout", r.stdout),
                                    ("stderr", r.stderr)):
                    w = leaks(text, s2, core)
                    if w:
                        errors.append("%s (%s) in %s" % (w, what, where))
            if pad == 0 and words not in msg:
                errors.append("no %r in the message" % words)
            if not h.requests():
                errors.append("nothing was posted")
            report("webhook echo: %s answered with its %s, %s, after %d "
                   "bytes: exit %d, masked" % (script, part, form, pad,
                                               code), errors)


def case_webhook_userinfo(c, export_dir, secret):
    spath = "/services/T0SECRETS/B0SECRETS/" + secret
    pw = "pw%032x" % random.getrandbits(128)
    h = Hook(c.tmp, spath, [], "hook-userinfo")
    host = "127.0.0.1:%d" % h.port
    try:
        cases = [
            ("user:password", "http://user:%s@%s%s" % (pw, host, spath)),
            ("user only", "http://%s@%s%s" % (pw, host, spath)),
            ("an empty one", "http://@%s%s" % (host, spath)),
            ("percent-encoded", "http://u%%3Aser:%s@%s%s" % (pw, host,
                                                            spath)),
        ]
        for name, url in cases:
            for via in ("env", "file"):
                r = notify(c, export_dir, url, via=via)
                errors = []
                msg = X.err1(r)
                if r.returncode != 2:
                    errors.append("exit %d, want 2" % r.returncode)
                src = "SLACK_WEBHOOK_URL" if via == "env" else \
                    "--webhook-file"
                want = "the webhook URL from %s holds user information " \
                    "(http://***@%s/\u2026)" % (src, host)
                if want not in msg:
                    errors.append("no %r in the message" % want)
                for s2, what in ((pw, "the password"), (secret, "the secret"),
                                 (spath, "the path")):
                    for where, text in (("stdout", r.stdout),
                                        ("stderr", r.stderr)):
                        if leaks(text, s2, core_of(s2)):
                            errors.append("%s in %s" % (what, where))
                report("user information in the webhook URL (%s, %s): exit "
                       "2, its origin shown masked" % (name, via), errors)
        report("user information in the webhook URL: nothing was posted",
               ["%d requests" % len(h.requests())] if h.requests() else [])
    finally:
        h.stop()


# ---------------------------------------------------------------- manifest

def case_old_manifest(c, data):
    path, _, start, end = data
    pw = "pw%032x" % random.getrandbits(128)
    d = X.Double(c.tmp, path, X.FAST, "d-oldman")
    out = c.outdir()
    errors = []
    try:
        r = c.export(d, out, ["--start", start, "--end", end])
        if r.returncode != 0:
            errors.append("first export: exit %d" % r.returncode)
        mf = os.path.join(out, "manifest.json")
        with open(mf) as f:
            m = json.load(f)
        if "@" in m["api_url"]:
            errors.append("the manifest's api_url has an '@'")
        # as an older version would have written it
        m["api_url"] = "http://olduser:%s@127.0.0.1:1/api/v2" % pw
        with open(mf, "w") as f:
            json.dump(m, f)
        rr = subprocess.run([c.bin, "report", "--format", "json", out],
                            env=c.env(), capture_output=True, timeout=60)
        if rr.returncode != 0:
            errors.append("report: exit %d" % rr.returncode)
        r2 = c.export(d, out, ["--start", start, "--end", end, "--json"])
        if r2.returncode != 0:
            errors.append("export again: exit %d" % r2.returncode)
        if "api_url holds user information" not in X.err1(r2) or \
                "http://***@127.0.0.1:1/api/v2" not in X.err1(r2):
            errors.append("export: no warning with the masked URL")
        try:
            if json.loads(r2.stdout)["api_url"] != \
                    "http://***@127.0.0.1:1/api/v2":
                errors.append("--json: api_url not masked")
        except ValueError:
            errors.append("--json: not JSON")
        for x, what in ((rr, "report"), (r2, "export")):
            for where, text in (("stdout", x.stdout), ("stderr", x.stderr)):
                if leaks(text, pw):
                    errors.append("the password in %s's %s" % (what, where))
        errors += tree_leaks(out, pw)
    finally:
        d.stop()
    report("a manifest with user information in api_url (an older "
           "version's): read masked with a warning, never printed, written "
           "back masked", errors)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--quick", action="store_true")
    a = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="cu-secrets-")
    c = X.Ctx(a, tmp)
    secret = os.environ.get("CU_E2E_WEBHOOK") or \
        "hookSecret%032x" % random.getrandbits(128)
    try:
        s, e = X.day(-14), X.day(-3)
        p, _ = X.gen(tmp, "data", 400, 1, X.day(-13), 9, 21)
        data = (p, None, s, e)
        case_userinfo_api(c, data)
        case_old_manifest(c, data)
        case_webhook_userinfo(c, p, secret)
        case_webhook_echo(c, p, secret, a.quick)
        case_api_echo(c, data, a.quick)
    except Exception as ex:  # a broken harness is a failure, not a crash
        import traceback
        traceback.print_exc()
        report("secrets harness", [repr(ex)])
    print("%d passed, %d failed" % (passed, failed))
    if failed == 0:
        scratch.rmtree(tmp)
    else:
        print("temp files kept in %s" % tmp)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
