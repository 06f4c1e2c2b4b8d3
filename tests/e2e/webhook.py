#!/usr/bin/env python3
"""webhook.py: a stand-in for a Slack incoming webhook, on 127.0.0.1.

    WEBHOOK_PATH=/services/T000/B000/xyz webhook.py --port-file F --log F
        [--script ANSWERS]

The webhook's path is a secret, so it comes from the environment, never
from argv.  The server answers POSTs to that path only (anything else:
404 no_service), and checks each as Slack would, answering 400 when:
  * Content-Type is not application/json (invalid_payload),
  * the body is not a JSON object with a non-empty "blocks" array, a
    string "text", at most 50 blocks, each text at most 3,000 characters
    and a header's at most 150 (invalid_blocks).
A request that passes gets the next answer of --script, a comma-separated
list of `200`, `400`, `404`, `500` or `429:SECONDS` (a 429 with that
Retry-After); a trailing `*` repeats the last answer for ever; once the
script is used up every answer is 200 `ok`.

--echo FORM makes every answer but a 200 echo the secret in its body
(after --echo-pad N bytes of filler), spelled in FORM (the test double's
ECHO FORMS: raw, upper, url, url-lower, json-u, json-slash, html, mixed,
...): with --echo-part path (the default) the webhook's path, secret its
last segment, url the whole URL, as a server that quotes the request
would.

Each request becomes one JSON line in --log: method, path_ok, status (the
answer), content_type, error (why it was refused, if it was), blocks,
longest_text, authorization (any Authorization or Circle-Token header),
secret_in_argv (true if the webhook's secret appears in the command line
of any process on the machine at that moment), the time, and the body.
The port is written to --port-file once the server listens.  Python 3
standard library only.
"""

import argparse
import http.server
import json
import os
import sys
import time

SECRET = os.environ.get("WEBHOOK_PATH", "")
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "double"))
from usage_api import ECHO_FORMS, echo_encode  # noqa: E402


def argv_has_secret():
    """Is the secret in any process's command line?"""
    token = SECRET.rsplit("/", 1)[-1].encode()
    if not token:
        return False
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open("/proc/%s/cmdline" % pid, "rb") as f:
                if token in f.read():
                    return True
        except OSError:
            pass
    return False


def check_payload(raw):
    """(error or None, blocks, longest text)"""
    try:
        msg = json.loads(raw)
    except ValueError:
        return "invalid_payload", 0, 0
    if not isinstance(msg, dict) or not isinstance(msg.get("text"), str):
        return "invalid_payload", 0, 0
    blocks = msg.get("blocks")
    if not isinstance(blocks, list) or not blocks or len(blocks) > 50:
        return "invalid_blocks", len(blocks or []), 0
    longest = 0
    for b in blocks:
        t = b.get("text")
        items = [t] if isinstance(t, dict) else []
        items += [e for e in b.get("elements", []) if isinstance(e, dict)]
        for e in items:
            s = e.get("text", "")
            limit = 150 if b.get("type") == "header" else 3000
            longest = max(longest, len(s))
            if not isinstance(s, str) or len(s) > limit:
                return "invalid_blocks", len(blocks), longest
    return None, len(blocks), longest


class State:
    script = []
    log = None
    echo = None         # (form, part, pad) or None
    port = 0


def echo(body):
    """body, then the secret spelled as --echo asks (if it does)."""
    if State.echo is None:
        return body
    form, part, pad = State.echo
    secret = {"path": SECRET, "secret": SECRET.rsplit("/", 1)[-1],
              "url": "http://127.0.0.1:%d%s" % (State.port, SECRET)}[part]
    return "%s: %s%s" % (body, "x" * pad, echo_encode(secret, form))


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def answer(self, status, body, headers=()):
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(data)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        self.answer(405, "method_not_allowed")

    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(n)
        rec = {
            "method": "POST", "time": time.time(),
            "path_ok": self.path == SECRET,
            "content_type": self.headers.get("Content-Type"),
            "authorization": self.headers.get("Authorization") or
            self.headers.get("Circle-Token"),
            "secret_in_argv": argv_has_secret(),
        }
        err, rec["blocks"], rec["longest_text"] = check_payload(raw)
        if not rec["path_ok"]:
            status, body, hdrs, err = 404, "no_service", (), "no_service"
        elif rec["content_type"] != "application/json":
            status, body, hdrs = 400, "invalid_payload", ()
            err = "content type %r" % rec["content_type"]
        elif err:
            status, body, hdrs = 400, err, ()
        else:
            step = State.script[0] if State.script else "200"
            if State.script and not (len(State.script) == 1 and
                                     step.endswith("*")):
                State.script.pop(0)
            step = step.rstrip("*")
            hdrs = ()
            if step.startswith("429"):
                status, body = 429, "rate_limited"
                hdrs = (("Retry-After", step.split(":", 1)[1]),)
            else:
                status = int(step)
                body = {200: "ok", 400: "invalid_payload",
                        404: "no_service", 500: "server_error"}.get(
                            status, "error")
        if status != 200:
            body = echo(body)
        rec["status"] = status
        rec["error"] = err
        try:
            rec["body"] = json.loads(raw)
        except ValueError:
            rec["body"] = raw.decode("utf-8", "replace")
        with open(State.log, "a", encoding="utf-8") as f:
            f.write(json.dumps(rec) + "\n")
        self.answer(status, body, hdrs)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--script", default="")
    ap.add_argument("--echo", choices=ECHO_FORMS)
    ap.add_argument("--echo-part", choices=("path", "secret", "url"),
                    default="path")
    ap.add_argument("--echo-pad", type=int, default=0)
    a = ap.parse_args()
    if a.echo:
        State.echo = (a.echo, a.echo_part, a.echo_pad)
    if not SECRET.startswith("/"):
        sys.exit("webhook.py: set WEBHOOK_PATH to the webhook's path")
    State.script = [s for s in a.script.split(",") if s]
    State.log = a.log
    open(a.log, "w").close()
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    State.port = srv.server_address[1]
    tmp = a.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(str(srv.server_address[1]))
    os.rename(tmp, a.port_file)
    srv.serve_forever()


if __name__ == "__main__":
    main()
