#!/usr/bin/env python3
"""redirects.py --bin BIN [--quick]: every hop of every request obeys the
rule of the first URL (src/net.h): https to any host, plain http only to a
loopback host, no user information, no other scheme.

Runs inside a loopback-only network namespace (tests/netns.sh; the suite
re-runs itself under it when started outside one), where lo also holds
192.0.2.1 and 2001:db8::1: documentation addresses that are NOT loopback
but reach a server of ours bound to 0.0.0.0 / :: without a packet leaving
the machine.  That server ("far") records every connection and request;
a refused hop must leave it untouched: no request, not even a connection.

  * netns: only lo; a public address (v4 and v6) fails with ENETUNREACH;
    far answers at 192.0.2.1 (so a follow would be seen).
  * downloads (export against the test double, whose download URLs point
    at a redirector of ours on loopback; --download-base): 301, 302, 303,
    307, 308 to http://192.0.2.1 refused (exit 8, "refused", never "keep
    expiring", no retry); to http://[2001:db8::1], http://0.0.0.0, a name
    that only starts like loopback, with user information, ftp:, file:,
    refused; to https://192.0.2.1 allowed (far sees a TLS handshake, the
    export fails on TLS, exit 6); to the double's listener on another
    loopback host and port, and a chain of loopback hops: followed, parts
    byte-identical; a chain whose last hop is bad: refused at that hop;
    more than 5 hops: refused; an API handing out a plain http download
    URL to 192.0.2.1 or an ftp: one: refused before any connection.
  * the API (--api-url at the redirector): a redirect is never followed
    (the token goes to the API host only), whatever its target, even a
    loopback one: exit 8 naming the redirect, far untouched.
  * the webhook (notify slack): the same, its secret path never printed.
Nothing printed holds a pre-signed URL's query string.

Prints `PASS name` / `FAIL name: reason` and `N passed, M failed`.
Python 3 standard library only.
"""

import argparse
import errno
import hashlib
import http.server
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
NETNS = os.path.join(ROOT, "tests", "netns.sh")

if os.environ.get("CU_NETNS") != "1":
    # never talk to 192.0.2.1 outside the namespace: it would leave
    os.execvp("sh", ["sh", NETNS, sys.executable, os.path.abspath(__file__)]
              + sys.argv[1:])

sys.path.insert(0, HERE)
import scratch  # noqa: E402
import pinnow  # noqa: E402
from export import (Double, Ctx, gen, day, err1, sha256,  # noqa: E402
                    ORG, FAST)

ADDR = os.environ.get("CU_NETNS_ADDR", "192.0.2.1")
ADDR6 = os.environ.get("CU_NETNS_ADDR6", "2001:db8::1")

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


class Far:
    """A server on 0.0.0.0 and :: (one port each): counts connections,
    TLS handshakes and HTTP requests; answers any request 200 "far"."""

    def __init__(self):
        self.lock = threading.Lock()
        self.reset()
        self.socks = []
        s4 = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s4.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s4.bind(("0.0.0.0", 0))
        self.port = s4.getsockname()[1]
        s6 = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
        s6.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        s6.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s6.bind(("::", 0))
        self.port6 = s6.getsockname()[1]
        for s in (s4, s6):
            s.listen(64)
            self.socks.append(s)
            threading.Thread(target=self.serve, args=(s,),
                             daemon=True).start()

    def reset(self):
        with self.lock:
            self.conns = 0
            self.tls = 0
            self.requests = []

    def seen(self):
        with self.lock:
            return self.conns, self.tls, list(self.requests)

    def serve(self, s):
        while True:
            try:
                c, _ = s.accept()
            except OSError:
                return
            threading.Thread(target=self.one, args=(c,), daemon=True).start()

    def one(self, c):
        with self.lock:
            self.conns += 1
        c.settimeout(5)
        try:
            data = c.recv(65536)
            if data[:1] == b"\x16":
                with self.lock:
                    self.tls += 1
                return
            if data:
                with self.lock:
                    self.requests.append(data.split(b"\r\n", 1)[0]
                                         .decode("latin-1"))
                c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n"
                          b"Connection: close\r\n\r\nfar")
        except OSError:
            pass
        finally:
            c.close()


class Redirector:
    """On 127.0.0.1: answers every request with `status` and a Location
    from its plan.  A path /h/K/REST is hop K of REST (else hop 0 of the
    whole path and query); plan[K] is formatted with {rest} (the original
    path and query), {next} (/h/K+1/REST) and the bases of setup()."""

    def __init__(self):
        self.plan = []
        self.status = 302
        self.vars = {}
        self.lock = threading.Lock()
        self.hits = 0
        outer = self

        class H(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def answer(self):
                n = int(self.headers.get("Content-Length") or 0)
                if n:
                    self.rfile.read(n)
                with outer.lock:
                    outer.hits += 1
                    plan, status, v = outer.plan, outer.status, outer.vars
                path, k = self.path, 0
                if path.startswith("/h/"):
                    k, path = path[3:].split("/", 1)
                    k, path = int(k), "/" + path
                if k >= len(plan):
                    body = b"no plan"
                    self.send_response(500)
                else:
                    loc = plan[k].format(rest=path, next="/h/%d%s" % (
                        k + 1, path), **v)
                    body = b""
                    self.send_response(status)
                    self.send_header("Location", loc)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = do_HEAD = answer

        self.srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.srv.daemon_threads = True
        self.port = self.srv.server_address[1]
        self.base = "http://127.0.0.1:%d" % self.port
        threading.Thread(target=self.srv.serve_forever, daemon=True).start()

    def set(self, status, plan):
        with self.lock:
            self.status = status
            self.plan = list(plan)
            self.hits = 0


def no_leak(text, secrets, errors):
    for s in secrets:
        if s and s in text:
            errors.append("printed %r" % s[:20])


SHOW = os.environ.get("CU_REDIRECTS_SHOW")


def refused_ok(r, far, errors, code=8, words=("refused",)):
    """The common checks of a refused hop."""
    e = err1(r)
    if SHOW:
        print("  " + e.replace("\n", "\n  "))
    if r.returncode != code:
        errors.append("exit %d, want %d: %s" % (r.returncode, code, e[-300:]))
    for w in words:
        if w not in e:
            errors.append("%r not in the message: %s" % (w, e[-300:]))
    if "expir" in e:
        errors.append("reported as expiring: %s" % e[-200:])
    if "retrying" in e or "resuming" in e or "fetching it again" in e:
        errors.append("retried as a transient failure")
    if "X-Amz-Signature" in e or "X-Amz-Credential" in e:
        errors.append("a pre-signed query string was printed")
    conns, tls, reqs = far.seen()
    if conns or reqs:
        errors.append("far saw %d connections, requests %s" %
                      (conns, reqs[:2]))


# ---- the namespace ----

def case_netns(far):
    errors = []
    links = sorted(n for _, n in socket.if_nameindex())
    if links != ["lo"]:
        errors.append("interfaces %s, want only lo" % links)
    for fam, addr in ((socket.AF_INET, ("1.1.1.1", 443)),
                      (socket.AF_INET, ("198.51.100.7", 80)),
                      (socket.AF_INET6, ("2606:4700::1111", 443))):
        s = socket.socket(fam, socket.SOCK_STREAM)
        s.settimeout(2)
        t0 = time.time()
        try:
            s.connect(addr)
            errors.append("connected to %s" % addr[0])
        except OSError as e:
            if e.errno != errno.ENETUNREACH:
                errors.append("%s: %s, want ENETUNREACH" % (addr[0], e))
            elif time.time() - t0 > 0.5:
                errors.append("%s: took %.1f s" % (addr[0], time.time() - t0))
        finally:
            s.close()
    report("netns: only lo, public v4 and v6 addresses unreachable at once",
           errors)
    errors = []
    for fam, host, port in ((socket.AF_INET, ADDR, far.port),
                            (socket.AF_INET6, ADDR6, far.port6)):
        try:
            with socket.create_connection((host, port), timeout=2) as s:
                s.sendall(b"GET /probe HTTP/1.0\r\n\r\n")
                if b"far" not in s.recv(1000):
                    errors.append("%s: no answer" % host)
        except OSError as e:
            errors.append("%s: %s" % (host, e))
    if len(far.seen()[2]) != 2:
        errors.append("far recorded %s" % (far.seen()[2],))
    far.reset()
    report("netns: the far server answers at %s and [%s] (not loopback)" %
           (ADDR, ADDR6), errors)


# ---- downloads ----

# (name, status, plan, quick): refused hops, exit 8, far untouched
DL_REFUSED = [
    ("302 to http://%s" % ADDR, 302, ["http://{addr}:{far}{rest}"], True),
    ("301 to http://%s" % ADDR, 301, ["http://{addr}:{far}{rest}"], False),
    ("303 to http://%s" % ADDR, 303, ["http://{addr}:{far}{rest}"], False),
    ("307 to http://%s" % ADDR, 307, ["http://{addr}:{far}{rest}"], False),
    ("308 to http://%s" % ADDR, 308, ["http://{addr}:{far}{rest}"], True),
    ("302 to http://[%s]" % ADDR6, 302, ["http://[{addr6}]:{far6}{rest}"],
     True),
    ("302 to http://0.0.0.0", 302, ["http://0.0.0.0:{far}{rest}"], False),
    ("302 to a name like 127.0.0.1.example", 302,
     ["http://127.0.0.1.example:{far}{rest}"], False),
    ("302 to a loopback URL with user information", 302,
     ["http://user:pw-in-location@127.0.0.1:{far}{rest}"], True),
    ("302 to https with user information", 302,
     ["https://user:pw-in-location@{addr}:{far}{rest}"], False),
    ("302 to ftp:", 302, ["ftp://127.0.0.1:{far}/x"], True),
    ("302 to file:", 302, ["file:///etc/passwd"], False),
    ("302 to gopher: (an unknown scheme)", 302,
     ["gopher://127.0.0.1:{far}/x"], False),
    ("a chain of 3 loopback hops, the 4th to http://%s" % ADDR, 302,
     ["{R}{next}", "http://localhost:{Rport}{next}", "{R}{next}",
      "http://{addr}:{far}{rest}"], True),
    ("a chain whose 2nd hop has user information", 307,
     ["{R}{next}", "http://u:pw-in-location@localhost:{Rport}{next}",
      "{dl}{rest}"], False),
    ("6 loopback hops (more than 5)", 302,
     ["{R}{next}"] * 6 + ["{dl}{rest}"], False),
]


def dl_case(c, d, rd, far, out_of, name, status, plan, expect):
    rd.set(status, plan)
    far.reset()
    out = c.outdir()
    errors = []
    _, _, start, end = out_of
    r = c.export(d, out, ["--start", start, "--end", end, "--timeout",
                          "20s", "--parallel", "1"], timeout=90)
    if expect == "refused":
        refused_ok(r, far, errors)
        if "download refused" not in err1(r) and \
                "download URL refused" not in err1(r):
            errors.append("not named a refused download: %s" %
                          err1(r)[-200:])
        if r.elapsed > 10:
            errors.append("took %.1f s: retried?" % r.elapsed)
    no_leak(err1(r) + r.stdout.decode("utf-8", "replace"),
            ["pw-in-location", c.token], errors)
    return r, errors, out


def served_match(d, out, errors):
    """Every part on disk is the one the double served."""
    with open(os.path.join(out, "manifest.json")) as f:
        man = json.load(f)
    jobs = {j["id"]: j for j in d.state()["jobs"]}
    n = 0
    for w in man["windows"]:
        for f, s in zip(w["files"], jobs[w["job_id"]]["parts"]):
            n += 1
            if sha256(os.path.join(out, f["path"])) != s["sha256"]:
                errors.append("%s differs from the part served" % f["path"])
    if n == 0:
        errors.append("no part downloaded")


def cases_download(c, data, rd, far, quick):
    path, truth, start, end = data
    vars_ = {"addr": ADDR, "addr6": ADDR6, "far": far.port,
             "far6": far.port6, "R": rd.base, "Rport": rd.port}
    d = Double(c.tmp, path, FAST + ["--parts-per-job", "2",
                                    "--download-base", rd.base], "d-redir")
    try:
        vars_["dl"] = json.load(open(d.ready))["download_base"]
        rd.vars = vars_
        for name, status, plan, q in DL_REFUSED:
            if quick and not q:
                continue
            r, errors, _ = dl_case(c, d, rd, far, data, name, status, plan,
                                   "refused")
            report("download: %s: refused (exit 8), nothing sent there" %
                   name, errors)
        # allowed: https anywhere (the TLS handshake fails: far is plain)
        r, errors, _ = dl_case(c, d, rd, far, data, "https", 302,
                               ["https://{addr}:{far}{rest}"], "tls")
        conns, tls, reqs = far.seen()
        if r.returncode != 6:
            errors.append("exit %d, want 6 (TLS): %s" % (r.returncode,
                                                         err1(r)[-200:]))
        if "refused" in err1(r):
            errors.append("reported as refused: %s" % err1(r)[-200:])
        if tls < 1 or reqs:
            errors.append("far saw %d TLS handshakes, requests %s (want a "
                          "handshake, no request)" % (tls, reqs[:2]))
        report("download: 302 to https://%s: followed (a TLS handshake "
               "there), fails on TLS (exit 6)" % ADDR, errors)
        # allowed: loopback hops, then the double's own listener
        for name, status, plan in (
                ("302 to another loopback host and port", 302,
                 ["{dl}{rest}"]),
                ("308 to another loopback host and port", 308,
                 ["{dl}{rest}"]),
                ("a chain of 4 loopback hops, one by the name localhost",
                 301, ["{R}{next}", "http://localhost:{Rport}{next}",
                       "http://127.0.0.1:{Rport}{next}", "{dl}{rest}"]),
                ("5 hops, the most allowed", 302,
                 ["{R}{next}"] * 4 + ["{dl}{rest}"])):
            if quick and status == 308:
                continue
            r, errors, out = dl_case(c, d, rd, far, data, name, status,
                                     plan, "ok")
            if r.returncode != 0:
                errors.append("exit %d: %s" % (r.returncode,
                                               err1(r)[-300:]))
            else:
                served_match(d, out, errors)
            if far.seen()[0]:
                errors.append("far was contacted")
            report("download: %s: followed, parts identical" % name,
                   errors)
    finally:
        d.stop()
    # the API hands out a download URL off the rule: refused at once
    for name, base in (("plain http to %s" % ADDR,
                        "http://%s:%d" % (ADDR, far.port)),
                       ("ftp: on loopback", "ftp://127.0.0.1:%d" % far.port),
                       ("http with user information",
                        "http://u:pw-in-location@127.0.0.1:%d" % far.port)):
        if quick and name.startswith("ftp"):
            continue
        d = Double(c.tmp, path, FAST + ["--download-base", base],
                   "d-base-%d" % len(name))
        far.reset()
        errors = []
        try:
            out = c.outdir()
            r = c.export(d, out, ["--start", start, "--end", end,
                                  "--timeout", "20s"], timeout=90)
            refused_ok(r, far, errors)
            if "download URL refused" not in err1(r):
                errors.append("not named: %s" % err1(r)[-200:])
            no_leak(err1(r), ["pw-in-location"], errors)
        finally:
            d.stop()
        report("download URL from the API, %s: refused (exit 8), no "
               "connection" % name, errors)


# ---- the API and the webhook: no redirect followed ----

API_PLANS = [
    ("302 to http://%s" % ADDR, 302, ["http://{addr}:{far}/api/v2/x"], True),
    ("307 to http://%s" % ADDR, 307, ["http://{addr}:{far}/api/v2/x"], False),
    ("308 to http://[%s]" % ADDR6, 308, ["http://[{addr6}]:{far6}/x"], True),
    ("302 to https://%s" % ADDR, 302, ["https://{addr}:{far}/x"], False),
    ("301 to another loopback port", 301, ["http://127.0.0.1:{far}/x"],
     True),
    ("302 with user information", 302,
     ["http://u:pw-in-location@127.0.0.1:{far}/x"], False),
    ("302 to file:", 302, ["file:///etc/passwd"], False),
]


def cases_api(c, rd, far, quick):
    rd.vars = {"addr": ADDR, "addr6": ADDR6, "far": far.port,
               "far6": far.port6, "R": rd.base, "Rport": rd.port}
    for name, status, plan, q in API_PLANS:
        if quick and not q:
            continue
        rd.set(status, plan)
        far.reset()
        errors = []
        cmd = [c.bin, "export", "--org", ORG, "--api-url",
               rd.base + "/api/v2", "-o", c.outdir(), "--start", day(-5),
               "--end", day(-3), "--timeout", "20s"]
        t0 = time.time()
        r = subprocess.run(cmd, env=c.env(), capture_output=True, timeout=90)
        r.elapsed = time.time() - t0
        refused_ok(r, far, errors, words=("redirect", "refused"))
        if rd.hits != 1:
            errors.append("%d requests to the API, want 1" % rd.hits)
        no_leak(err1(r), ["pw-in-location", c.token], errors)
        report("API: %s: not followed (exit 8), nothing sent there" % name,
               errors)


def cases_webhook(c, export_dir, rd, far, quick):
    secret = os.environ.get("CU_E2E_WEBHOOK") or "hookSecretRedir42"
    for name, status, plan, q in API_PLANS:
        if quick and not q:
            continue
        rd.set(status, plan)
        far.reset()
        errors = []
        env = c.env({"SLACK_WEBHOOK_URL": "%s/services/T0R/B0R/%s" %
                     (rd.base, secret)})
        r = subprocess.run([c.bin, "notify", "slack", "--timeout", "20s",
                            export_dir], env=env, capture_output=True,
                           timeout=90)
        refused_ok(r, far, errors, words=("redirect", "refused"))
        if rd.hits != 1:
            errors.append("%d posts, want 1" % rd.hits)
        no_leak(err1(r) + r.stdout.decode("utf-8", "replace"),
                [secret, "pw-in-location"], errors)
        report("webhook: %s: not followed (exit 8), the secret not shown"
               % name, errors)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--keep", action="store_true")
    a = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="cu-redirects-")
    c = Ctx(a, tmp)
    try:
        far = Far()
        rd = Redirector()
        case_netns(far)
        p, t = gen(tmp, "data", 600, 2, day(-9), 5, 21)
        data = (p, t, day(-10), day(-3))
        cases_download(c, data, rd, far, a.quick)
        cases_api(c, rd, far, a.quick)
        cases_webhook(c, p, rd, far, a.quick)
    except Exception as ex:  # a broken harness is a failure
        import traceback
        traceback.print_exc()
        report("redirects harness", [repr(ex)])
    print("%d passed, %d failed" % (passed, failed))
    if failed == 0 and not a.keep:
        scratch.rmtree(tmp)
    else:
        print("temp files kept in %s" % tmp)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
