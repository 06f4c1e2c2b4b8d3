#!/usr/bin/env python3
"""datadog_api.py: a stand-in for Datadog's metrics intake, v2, on
127.0.0.1, written from the contract in tests/double/datadog.md.

    DD_DOUBLE_KEY=KEY datadog_api.py --port-file F --log F [--script A]
        [--now RFC3339]

The API key is a secret, so it comes from the environment, never argv.
POST /api/v2/series only (another path: 404; another method: 405).  In
the order Datadog's reference gives, a request is answered
  * 403 {"errors": ["Forbidden"]} when DD-API-KEY is missing or not KEY;
  * 413 when the body passes 512000 bytes (500 KB);
  * 400 when Content-Type is not application/json, Content-Encoding is
    set (the client sends plain JSON), or the body breaks the schema:
    an object with a non-empty list `series`; each an object with a
    string `metric` (^[a-zA-Z][a-zA-Z0-9_.]*$, at most 200 characters),
    `type` an integer 0 to 3, `points` a non-empty list of objects with an
    integer `timestamp` and a number `value` (not a boolean), `tags` (if
    there) a list of strings each `key:value`, starting with a lowercase
    letter, of lowercase letters, digits and _ - : . /, at most 200
    characters (what Datadog stores unchanged); no key but metric, type,
    points, tags, unit, interval, resources, source_type_name, metadata;
    a timestamp more than 10 minutes after or an hour before the pinned
    now ($CIRCLECI_USAGE_NOW or --now);
  * otherwise the next answer of --script, a comma-separated list of
    202, 400, 403, 413, 500, 503, `429:SECONDS` (with that Retry-After) or
    `307:URL` (a redirect to URL); a trailing `*` repeats the last one;
    once it is used up, 202 {"errors": []}.
No answer quotes the request, so none can echo the key.

Each request becomes one JSON line in --log: method, path, status,
error (why it was refused), content_type, content_encoding, key_ok (the
header equal to KEY; the key itself is never logged), key_header (was
there one), size, key_in_argv (whether the key is in the command line of
any process on the machine at that moment), host (the Host header), and
body (the parsed JSON, or null).  The port is written to --port-file
once the server listens.  Python 3 standard library only.
"""

import argparse
import datetime as dt
import http.server
import json
import os
import re
import sys
import time

KEY = os.environ.get("DD_DOUBLE_KEY", "")
MAX_BODY = 512000
METRIC = re.compile(r"[a-zA-Z][a-zA-Z0-9_.]*\Z")
TAG = re.compile(r"[a-z][a-z0-9_\-:./]*\Z")
SERIES_KEYS = {"metric", "type", "points", "tags", "unit", "interval",
               "resources", "source_type_name", "metadata"}
FUTURE = 600    # seconds a point may be ahead of now
PAST = 3600     # and behind it


def argv_has_key():
    """Is the key in any process's command line?"""
    if not KEY:
        return False
    k = KEY.encode()
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open("/proc/%s/cmdline" % pid, "rb") as f:
                if k in f.read():
                    return True
        except OSError:
            pass
    return False


def parse_now(s):
    s = (s or "").strip()
    if not s:
        return time.time()
    if len(s) == 10:
        s += "T00:00:00Z"
    d = dt.datetime.fromisoformat(s.replace("Z", "+00:00"))
    return d.timestamp()


def check_series(doc, now):
    """None, or why the body breaks the schema."""
    if not isinstance(doc, dict) or set(doc) != {"series"}:
        return "the body is not an object with series only"
    series = doc["series"]
    if not isinstance(series, list) or not series:
        return "series is not a non-empty list"
    for i, s in enumerate(series):
        where = "series[%d]" % i
        if not isinstance(s, dict):
            return where + " is not an object"
        extra = set(s) - SERIES_KEYS
        if extra:
            return "%s: unknown %s" % (where, sorted(extra))
        m = s.get("metric")
        if not isinstance(m, str) or not METRIC.match(m) or len(m) > 200:
            return "%s: bad metric %r" % (where, m)
        t = s.get("type", 0)
        if not isinstance(t, int) or isinstance(t, bool) or not 0 <= t <= 3:
            return "%s: bad type %r" % (where, t)
        pts = s.get("points")
        if not isinstance(pts, list) or not pts:
            return where + ": points is not a non-empty list"
        for p in pts:
            if not isinstance(p, dict) or set(p) != {"timestamp", "value"}:
                return where + ": a point is not {timestamp, value}"
            ts, v = p["timestamp"], p["value"]
            if not isinstance(ts, int) or isinstance(ts, bool):
                return where + ": timestamp not an integer"
            if ts > now + FUTURE or ts < now - PAST:
                return "%s: timestamp %d outside [now - 1 h, now + 10 min]" \
                    % (where, ts)
            if not isinstance(v, (int, float)) or isinstance(v, bool):
                return where + ": value not a number"
        tags = s.get("tags", [])
        if not isinstance(tags, list):
            return where + ": tags is not a list"
        for tag in tags:
            if not isinstance(tag, str) or len(tag) > 200 or \
                    not TAG.match(tag) or ":" not in tag:
                return "%s: bad tag %r" % (where, tag)
    return None


class State:
    script = []
    log = None
    now = 0.0


def next_step():
    step = State.script[0] if State.script else "202"
    if State.script and not (len(State.script) == 1 and step.endswith("*")):
        State.script.pop(0)
    return step.rstrip("*")


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def answer(self, status, errors, headers=()):
        data = json.dumps({"errors": errors}).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        self.answer(405, ["Method Not Allowed"])

    do_PUT = do_DELETE = do_GET

    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(n)
        key = self.headers.get("DD-API-KEY")
        rec = {
            "method": "POST", "path": self.path, "time": time.time(),
            "content_type": self.headers.get("Content-Type"),
            "content_encoding": self.headers.get("Content-Encoding"),
            "key_header": key is not None,
            "key_ok": bool(KEY) and key == KEY,
            "size": len(raw), "host": self.headers.get("Host"),
            "key_in_argv": argv_has_key(), "body": None,
        }
        try:
            rec["body"] = json.loads(raw)
        except ValueError:
            pass
        hdrs = ()
        err = None
        if self.path != "/api/v2/series":
            status, err = 404, "no such path"
        elif not rec["key_ok"]:
            status, err = 403, "DD-API-KEY missing or wrong"
        elif len(raw) > MAX_BODY:
            status, err = 413, "payload of %d bytes" % len(raw)
        elif rec["content_type"] != "application/json":
            status, err = 400, "content type %r" % rec["content_type"]
        elif rec["content_encoding"] is not None:
            status, err = 400, "content encoding %r" % \
                rec["content_encoding"]
        elif rec["body"] is None:
            status, err = 400, "the body is not JSON"
        else:
            err = check_series(rec["body"], State.now)
            status = 400 if err else None
        if status is None:
            step = next_step()
            if step.startswith("429"):
                status = 429
                hdrs = (("Retry-After", step.split(":", 1)[1]),)
            elif step.startswith("307"):
                status = 307
                hdrs = (("Location", step.split(":", 1)[1]),)
            else:
                status = int(step)
        rec["status"] = status
        rec["error"] = err
        with open(State.log, "a", encoding="utf-8") as f:
            f.write(json.dumps(rec) + "\n")
        text = {202: [], 400: ["Bad Request"], 403: ["Forbidden"],
                404: ["Not Found"], 413: ["Payload Too Large"],
                429: ["Too Many Requests"]}.get(status, ["Error"])
        self.answer(status, text, hdrs)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--script", default="")
    ap.add_argument("--now", default=os.environ.get("CIRCLECI_USAGE_NOW"))
    a = ap.parse_args()
    if not KEY:
        sys.exit("datadog_api.py: set DD_DOUBLE_KEY to the API key")
    State.script = [s for s in a.script.split(",") if s]
    State.log = a.log
    State.now = parse_now(a.now)
    open(a.log, "w").close()
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    tmp = a.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(str(srv.server_address[1]))
    os.rename(tmp, a.port_file)
    srv.serve_forever()


if __name__ == "__main__":
    main()
