#!/usr/bin/env python3
"""test_double.py: tests of the Usage API test double (usage_api.py).

    python3 tests/double/test_double.py [--keep] [--dates]

"Now" is pinned: $CIRCLECI_USAGE_NOW (YYYY-MM-DD or RFC 3339), else
tests/e2e/pinnow.py's NOW_DEFAULT, is exported to the double (which honours
it as the tool does), and every date here is relative to it, so no verdict
depends on the wall clock.  --dates runs only the tests whose verdict
could change with that date (DATE_TESTS below): `make check-dates` runs
them at several fixed dates (tests/check-dates.sh).

Generates small exports with tests/gen/genexport.py (job runs starting
40 days before "now"), starts the double as a subprocess on ephemeral ports
for each group of checks and talks to it with http.client.  Prints
`PASS name` / `FAIL name: why` per check and a last line `N passed, M
failed`; exits 1 if any check failed.  Python 3 standard library only.
"""

import base64
import csv
import datetime as dt
import gzip
import hashlib
import http.client
import io
import json
import os
import posixpath
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import traceback
from urllib.parse import urlsplit, quote

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
sys.path.append(os.path.join(ROOT, "tests", "e2e"))
import scratch  # noqa: E402  (files and outputs kept for e2e/run.sh's scan)
import pinnow  # noqa: E402  (the pinned "now", exported to the double)
GEN = os.path.join(ROOT, "tests", "gen", "genexport.py")
DOUBLE = os.path.join(HERE, "usage_api.py")

ORG = "b9291e0d-a11e-41fb-8517-c545388b5953"
ORG2 = "6f2b0c1e-1b7a-4c55-9d59-0b8f3c1f2a10"
FORBIDDEN = "497f6eca-6276-4993-bfeb-53cbbbba6f08"
UNKNOWN = "00000000-0000-4000-8000-000000000000"
# tests/e2e/run.sh's canary, which its secrets scan looks for everywhere
TOKEN = (os.environ.get("CU_E2E_TOKEN") or
         "CCIPAT_double_test_%s" % os.urandom(12).hex())
FAST = ["--processing-after", "0.05", "--complete-after", "0.1",
        "--poll-limit", "off", "--create-limit", "off"]

MSG_MALFORMED = "malformed request body"
MSG_UNEXPECTED = "Unexpected field"
MSG_END_BEFORE = "End date cannot be before start date."
MSG_TOO_OLD = "Start date cannot be more than 366 days ago."
MSG_FUTURE = "Date cannot be in the future."
MSG_TOO_WIDE = "Date range cannot be more than 31 days."
MSG_QUERY = ("Support for query parameter authentication has been "
             "deprecated to improve security. Please use a supported "
             "authentication method such as header-based, or basic "
             "authentication.")

passed = 0
failed = 0
TMP = None
DOUBLES = []


class Fail(Exception):
    pass


def check(cond, why):
    if not cond:
        raise Fail(why)


def eq(got, want, what):
    if got != want:
        raise Fail("%s: got %r, want %r" % (what, got, want))


TESTS = []


def test(fn):
    TESTS.append(fn)
    return fn


def run_test(fn):
    global passed, failed
    name = fn.__name__[2:] if fn.__name__.startswith("t_") else fn.__name__
    try:
        fn()
    except Fail as e:
        failed += 1
        print("FAIL %s: %s" % (name, e), flush=True)
        return
    except Exception as e:  # a crash is a failure
        failed += 1
        tb = traceback.format_exc().strip().splitlines()
        print("FAIL %s: %r (%s)" % (name, e, tb[-3].strip() if len(tb) > 2
                                    else ""), flush=True)
        return
    passed += 1
    print("PASS %s" % name, flush=True)


# ---------------------------------------------------------------- helpers

# the pinned "now" (tests/e2e/pinnow.py): $CIRCLECI_USAGE_NOW, else its
# NOW_DEFAULT, put back in the environment for the doubles started here
NOW = pinnow.NOW
day = pinnow.day


def rfc(t):
    """datetime (UTC) -> RFC 3339 with Z."""
    return t.strftime("%Y-%m-%dT%H:%M:%S") + (
        ".%06d" % t.microsecond).rstrip("0").rstrip(".") + "Z" \
        if t.microsecond else t.strftime("%Y-%m-%dT%H:%M:%SZ")


def utcnow():
    return NOW


class Resp:
    def __init__(self, status, headers, body):
        self.status, self.headers, self.body = status, headers, body

    def json(self):
        return json.loads(self.body)

    def msg(self):
        try:
            return self.json().get("message")
        except ValueError:
            return None


def request(method, url, body=None, headers=None, timeout=15):
    u = urlsplit(url)
    h = dict(headers or {})
    if isinstance(body, (dict, list)):
        body = json.dumps(body).encode()
        h.setdefault("Content-Type", "application/json")
    elif isinstance(body, str):
        body = body.encode()
        h.setdefault("Content-Type", "application/json")
    c = http.client.HTTPConnection(u.hostname, u.port, timeout=timeout)
    try:
        c.request(method, u.path + ("?" + u.query if u.query else ""),
                  body=body, headers=h)
        r = c.getresponse()
        data = r.read()
        return Resp(r.status, r.headers, data)
    finally:
        c.close()


def read_parts_rows(blobs):
    """gzip part bytes -> (headers, rows as dicts)."""
    headers, rows = [], []
    for b in blobs:
        text = gzip.decompress(b).decode("utf-8")
        r = csv.reader(io.StringIO(text, newline=""))
        h = next(r)
        headers.append(h)
        keys = [k.strip().upper() for k in h]
        for row in r:
            rows.append(dict(zip(keys, row)))
    return headers, rows


TS_RE = re.compile(r"(\d{4})-(\d\d)-(\d\d)[ T](\d\d):(\d\d):(\d\d)"
                   r"(?:\.(\d+))?Z?$")


def ts_ms(v):
    m = TS_RE.match(v)
    if not m:
        return None
    t = dt.datetime(*(int(x) for x in m.groups()[:6]),
                    tzinfo=dt.timezone.utc)
    return int(t.timestamp()) * 1000 + int(((m.group(7) or "") + "000")[:3])


def source_rows(d):
    rows = []
    for n in sorted(os.listdir(d)):
        if not n.endswith(".csv.gz"):
            continue
        with gzip.open(os.path.join(d, n), "rt", encoding="utf-8-sig",
                       newline="") as f:
            for r in csv.DictReader(f):
                rows.append({k.strip().upper(): v for k, v in r.items()})
    return rows


class Double:
    def __init__(self, args=(), data=None, name=None, orgs=(ORG,),
                 extra_env=None):
        global DOUBLES
        self.n = len(DOUBLES)
        self.dir = os.path.join(TMP, "d%02d%s" % (self.n, name or ""))
        os.makedirs(self.dir)
        self.ready = os.path.join(self.dir, "ready.json")
        self.logpath = os.path.join(self.dir, "log.jsonl")
        self.errpath = os.path.join(self.dir, "stderr")
        cmd = [sys.executable, DOUBLE, "--data", data or DATA["main"],
               "--token-file", TOKEN_FILE, "--ready-file", self.ready,
               "--log", self.logpath, "--forbidden-org", FORBIDDEN]
        for o in orgs:
            cmd += ["--org", o]
        cmd += list(args)
        self.err = open(self.errpath, "wb")
        self.p = subprocess.Popen(cmd, stdout=self.err, stderr=self.err)
        DOUBLES.append(self)
        t = time.time() + 20
        while not os.path.exists(self.ready):
            if self.p.poll() is not None or time.time() > t:
                raise Fail("the double did not start: " + self.stderr())
            time.sleep(0.01)
        with open(self.ready) as f:
            self.info = json.load(f)
        self.api = self.info["api_url"]
        self.base = self.api.rsplit("/api/", 1)[0]

    def stderr(self):
        with open(self.errpath, errors="replace") as f:
            return f.read()

    def url(self, org=ORG, job=None):
        u = "%s/organizations/%s/usage_export_job" % (self.api, org)
        return u + ("/" + job if job else "")

    def post(self, body, org=ORG, headers=None):
        h = {"Circle-Token": TOKEN} if headers is None else headers
        return request("POST", self.url(org), body, h)

    def poll(self, job, org=ORG, headers=None):
        h = {"Circle-Token": TOKEN} if headers is None else headers
        return request("GET", self.url(org, job), None, h)

    def create(self, start, end, org=ORG):
        r = self.post({"start": start, "end": end}, org)
        eq(r.status, 201, "create status (%s)" % r.body[:200])
        return r.json()["usage_export_job_id"]

    def completed(self, job, org=ORG, limit=5.0):
        """Poll until completed; the last answer."""
        t = time.time() + limit
        while True:
            r = self.poll(job, org)
            if r.status == 200:
                try:
                    doc = r.json()
                except ValueError:
                    doc = {}
                if doc.get("state") in ("completed", "failed"):
                    return r
            if time.time() > t:
                raise Fail("job %s never completed (%d %s)" %
                           (job, r.status, r.body[:100]))
            time.sleep(0.03)

    def state(self):
        return request("GET", self.base + "/_double/state").json()

    def log(self, n=None, server=None):
        """The log lines (of one server); with n, waits (2 s at most) for n
        of them: a download's line is written once its body has been sent,
        possibly after the client has read it."""
        t = time.time() + 2
        while True:
            out = []
            with open(self.logpath, encoding="utf-8") as f:
                for line in f:
                    x = json.loads(line)
                    if server is None or x["server"] == server:
                        out.append(x)
            if n is None or len(out) >= n or time.time() > t:
                return out
            time.sleep(0.01)

    def stop(self):
        if self.p.poll() is None:
            self.p.send_signal(signal.SIGTERM)
            try:
                self.p.wait(10)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait()
        self.err.close()
        return self.p.returncode

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def window():
    """A valid one-day window inside the generated data."""
    return day(-36) + "T00:00:00Z", day(-35) + "T00:00:00Z"


def get(url, headers=None):
    return request("GET", url, None, headers)


# ---------------------------------------------------------------- tests

@test
def t_ready_file_and_shape():
    with Double(FAST) as d:
        i = d.info
        check(re.fullmatch(r"http://127\.0\.0\.1:\d+/api/v2", i["api_url"]),
              "api_url %r" % i["api_url"])
        check(re.fullmatch(r"http://127\.0\.0\.2:\d+", i["download_base"]),
              "download_base %r" % i["download_base"])
        eq(i["pid"], d.p.pid, "pid")
        eq(i["org_id"], ORG, "org_id")
        st = d.state()
        for k in ("jobs", "creates", "polls", "downloads",
                  "download_auth_seen", "download_token_seen",
                  "api_requests"):
            check(k in st, "state lacks %s" % k)


@test
def t_auth_circle_token_and_basic():
    with Double(FAST) as d:
        s, e = window()
        r = d.post({"start": s, "end": e})
        eq(r.status, 201, "Circle-Token create")
        jid = r.json()["usage_export_job_id"]
        basic = "Basic " + base64.b64encode(
            (TOKEN + ":").encode()).decode()
        r = d.poll(jid, headers={"Authorization": basic})
        eq(r.status, 200, "Basic poll")
        r = d.post({"start": s, "end": e}, headers={"Authorization": basic})
        eq(r.status, 201, "Basic create")
        log = d.log(3)
        eq([x["auth"] for x in log],
           [["Circle-Token"], ["Authorization"], ["Authorization"]],
           "logged auth names")


@test
def t_auth_query_token_deprecated():
    with Double(FAST) as d:
        s, e = window()
        for tok in (TOKEN, "whatever"):
            r = request("POST", d.url() + "?circle-token=" + tok,
                        {"start": s, "end": e}, {"Circle-Token": TOKEN})
            eq(r.status, 401, "status")
            eq(r.msg(), MSG_QUERY, "message")
        r = request("GET", d.url(job=UNKNOWN) + "?circle-token=" + TOKEN)
        eq((r.status, r.msg()), (401, MSG_QUERY), "GET with query token")
        eq(d.state()["jobs"], [], "no job created")


@test
def t_auth_bad_token():
    with Double(FAST) as d:
        s, e = window()
        body = {"start": s, "end": e}
        cases = [
            ("no auth", {}),
            ("wrong Circle-Token", {"Circle-Token": TOKEN + "x"}),
            ("Basic with a password", {"Authorization": "Basic " +
             base64.b64encode((TOKEN + ":pw").encode()).decode()}),
            ("Basic wrong user", {"Authorization": "Basic " +
             base64.b64encode(b"nobody:").decode()}),
            ("Bearer", {"Authorization": "Bearer " + TOKEN}),
        ]
        for what, h in cases:
            r = d.post(body, headers=h)
            eq((r.status, r.msg()), (401, "Invalid token provided."), what)
            eq(r.headers.get("Content-Type"), "application/json",
               what + " content type")
        r = d.poll(UNKNOWN, headers={})
        eq((r.status, r.msg()), (401, "Invalid token provided."), "GET")


@test
def t_validation_order():
    now = utcnow().replace(microsecond=0)
    old = rfc(now - dt.timedelta(days=400))
    old2 = rfc(now - dt.timedelta(days=390))
    fut = rfc(now + dt.timedelta(days=2))
    s, e = window()
    far = rfc(now - dt.timedelta(days=100))
    cases = [
        ("invalid JSON", '{"start": ', MSG_MALFORMED),
        ("empty body", "", MSG_MALFORMED),
        ("JSON array", "[]", MSG_MALFORMED),
        ("JSON string", '"x"', MSG_MALFORMED),
        ("NaN", '{"start": NaN}', MSG_MALFORMED),
        ("unknown field and a bad date",
         {"start": "yesterday", "project_id": "x", "end": e},
         MSG_UNEXPECTED),
        ("unknown field first of two",
         {"start": s, "end": e, "projects": 1, "x": 2}, MSG_UNEXPECTED),
        ("case matters", {"Start": s, "end": e}, MSG_UNEXPECTED),
        ("date only", {"start": day(-36), "end": e}, MSG_MALFORMED),
        ("space instead of T", {"start": s.replace("T", " "), "end": e},
         MSG_MALFORMED),
        ("no zone", {"start": s[:-1], "end": e}, MSG_MALFORMED),
        ("month 13", {"start": "2026-13-01T00:00:00Z", "end": e},
         MSG_MALFORMED),
        ("Feb 30", {"start": "2026-02-30T00:00:00Z", "end": e},
         MSG_MALFORMED),
        ("number", {"start": 1234, "end": e}, MSG_MALFORMED),
        ("bad date beats missing end", {"start": "x"}, MSG_MALFORMED),
        ("shared_org_ids not UUID",
         {"start": s, "end": e, "shared_org_ids": ["acme"]}, MSG_MALFORMED),
        ("shared_org_ids not array",
         {"start": s, "end": e, "shared_org_ids": ORG}, MSG_MALFORMED),
        ("missing end", {"start": s}, MSG_MALFORMED),
        ("missing start", {"end": e}, MSG_MALFORMED),
        ("null start", {"start": None, "end": e}, MSG_MALFORMED),
        ("end before start (also too old and wide)",
         {"start": e, "end": old}, MSG_END_BEFORE),
        ("start too old (also future and wide)",
         {"start": old, "end": fut}, MSG_TOO_OLD),
        ("start too old, narrow", {"start": old, "end": old2}, MSG_TOO_OLD),
        ("future end (also wide)", {"start": far, "end": fut}, MSG_FUTURE),
        ("future end, narrow",
         {"start": s, "end": rfc(now + dt.timedelta(minutes=5))},
         MSG_FUTURE),
        ("window > 31 days",
         {"start": far, "end": rfc(now - dt.timedelta(days=100 - 31,
                                                       seconds=-1))},
         MSG_TOO_WIDE),
    ]
    with Double(FAST) as d:
        bad = []
        for what, body, want in cases:
            r = d.post(body)
            if (r.status, r.msg()) != (400, want):
                bad.append("%s: %d %r" % (what, r.status, r.msg()))
        check(not bad, "; ".join(bad))
        eq(d.state()["jobs"], [], "jobs after 400s")
        # accepted forms and the normalised echo
        ok = [
            ({"start": far, "end": rfc(now - dt.timedelta(days=69))},
             far, rfc(now - dt.timedelta(days=69))),
            ({"start": day(-36) + "T02:00:00+02:00",
              "end": day(-35) + "T00:00:00.500000Z",
              "shared_org_ids": []},
             day(-36) + "T00:00:00Z", day(-35) + "T00:00:00.5Z"),
            ({"start": day(-36) + "T00:00:00.123456789Z",
              "end": day(-36) + "T01:00:00.000Z",
              "shared_org_ids": [ORG2.upper()]},
             day(-36) + "T00:00:00.123456789Z", day(-36) + "T01:00:00Z"),
            ({"start": day(-36) + "T00:00:00-05:30",
              "end": day(-36) + "T05:30:00Z", "shared_org_ids": None},
             day(-36) + "T05:30:00Z", day(-36) + "T05:30:00Z"),
        ]
        for body, ws, we in ok:
            r = d.post(body)
            eq(r.status, 201, "accepted %s (%s)" % (body, r.body[:100]))
            doc = r.json()
            eq(sorted(doc), ["download_urls", "end", "start", "state",
                             "usage_export_job_id"], "201 keys")
            eq((doc["state"], doc["start"], doc["end"], doc["download_urls"]),
               ("created", ws, we, None), "201 body")
            check(re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-"
                               r"[89ab][0-9a-f]{3}-[0-9a-f]{12}",
                               doc["usage_export_job_id"]), "uuid4")


@test
def t_fixed_now():
    with Double(FAST + ["--now", "2025-03-01T00:00:00Z"]) as d:
        r = d.post({"start": "2025-02-01T00:00:00Z",
                    "end": "2025-03-01T00:00:00Z"})
        eq(r.status, 201, "window ending at --now")
        r = d.post({"start": "2025-02-01T00:00:00Z",
                    "end": "2025-03-01T00:00:00.001Z"})
        eq((r.status, r.msg()), (400, MSG_FUTURE), "1 ms past --now")
        r = d.post({"start": "2024-02-29T00:00:00Z",
                    "end": "2024-03-01T00:00:00Z"})
        eq((r.status, r.msg()), (201, None), "exactly 366 days back")
        r = d.post({"start": "2024-02-28T23:59:59Z",
                    "end": "2024-03-01T00:00:00Z"})
        eq((r.status, r.msg()), (400, MSG_TOO_OLD), "366 days + 1 s")
        r = d.post({"start": "2025-01-01T00:00:00Z",
                    "end": "2025-02-01T00:00:00Z"})
        eq(r.status, 201, "exactly 31 days")
        r = d.post({"start": "2025-01-01T00:00:00Z",
                    "end": "2025-02-01T00:00:00.000000001Z"})
        eq((r.status, r.msg()), (400, MSG_TOO_WIDE), "31 days + 1 ns")


@test
def t_pinned_now_edges():
    """The double's "now" is $CIRCLECI_USAGE_NOW: its edges, at that date."""
    now = utcnow().replace(microsecond=0)
    with Double(FAST) as d:
        for what, s, e, want in (
                ("a window ending at now",
                 now - dt.timedelta(days=1), now, None),
                ("1 ms past now", now - dt.timedelta(days=1),
                 now + dt.timedelta(milliseconds=1), MSG_FUTURE),
                ("exactly 366 days back", now - dt.timedelta(days=366),
                 now - dt.timedelta(days=365), None),
                ("366 days + 1 s back",
                 now - dt.timedelta(days=366, seconds=1),
                 now - dt.timedelta(days=365), MSG_TOO_OLD),
                ("exactly 31 days", now - dt.timedelta(days=31), now, None),
                ("31 days + 1 s", now - dt.timedelta(days=31, seconds=1),
                 now, MSG_TOO_WIDE)):
            r = d.post({"start": rfc(s), "end": rfc(e)})
            got = (r.status, r.msg() if r.status != 201 else None)
            eq(got, (201, None) if want is None else (400, want),
               "%s (%s to %s)" % (what, rfc(s), rfc(e)))


@test
def t_orgs_and_unknown_jobs():
    with Double(FAST, orgs=(ORG, ORG2)) as d:
        s, e = window()
        r = d.post({"start": s, "end": e}, org=FORBIDDEN)
        eq((r.status, r.msg()), (403, "Permission denied."), "forbidden POST")
        r = d.poll(UNKNOWN, org=FORBIDDEN)
        eq((r.status, r.msg()), (403, "Permission denied."), "forbidden GET")
        r = d.post({"start": s, "end": e}, org=UNKNOWN)
        eq((r.status, r.msg()), (404, "Organization does not exist."),
           "unknown org")
        r = d.post({"start": s, "end": e}, org=ORG2.upper())
        eq(r.status, 201, "org id case")
        jid = d.create(s, e)
        r = d.poll(UNKNOWN)
        eq((r.status, r.msg()), (404, "Usage export job not found."),
           "unknown job")
        r = d.poll("not-a-uuid")
        eq((r.status, r.msg()), (404, "Usage export job not found."),
           "job id not a UUID")
        r = d.poll(jid, org=ORG2)
        eq((r.status, r.msg()), (404, "Usage export job not found."),
           "job of another org")
        eq(d.poll(jid).status, 200, "own job")
        r = request("GET", d.api + "/organizations/%s/usage_export" % ORG,
                    None, {"Circle-Token": TOKEN})
        eq((r.status, r.msg()), (404, "Not found."), "unknown route")
        r = request("DELETE", d.url(job=jid), None, {"Circle-Token": TOKEN})
        eq(r.status, 405, "DELETE")
        eq(d.poll(jid).status, 200, "job still there")


@test
def t_state_progression_and_null_urls():
    args = ["--processing-after", "0.3", "--complete-after", "0.6",
            "--poll-limit", "off"]
    with Double(args) as d:
        s, e = window()
        jid = d.create(s, e)
        seen = []
        t0 = time.time()
        while time.time() - t0 < 3:
            r = d.poll(jid)
            eq(r.status, 200, "poll")
            doc = r.json()
            st = doc["state"]
            if not seen or seen[-1] != st:
                seen.append(st)
            if st != "completed":
                check("download_urls" in doc and doc["download_urls"] is None,
                      "%s with URLs %r" % (st, doc.get("download_urls")))
                eq(sorted(doc), ["download_urls", "state",
                                 "usage_export_job_id"], "keys while " + st)
            else:
                eq(sorted(doc), ["download_urls", "state",
                                 "usage_export_job_id"], "completed keys")
                check(isinstance(doc["download_urls"], list) and
                      len(doc["download_urls"]) == 3, "3 URLs")
                break
            time.sleep(0.05)
        eq(seen, ["created", "processing", "completed"], "states seen")
        st = d.state()
        eq(st["jobs"][0]["state"], "completed", "state view")
        check(st["jobs"][0]["polls"] >= 3, "job polls counted")
        eq(st["polls"], st["jobs"][0]["polls"], "polls")
        eq(st["creates"], 1, "creates")


@test
def t_fresh_urls_per_poll():
    with Double(FAST + ["--url-ttl", "100"]) as d:
        s, e = window()
        jid = d.create(s, e)
        u1 = d.completed(jid).json()["download_urls"]
        time.sleep(1.05)
        u2 = d.poll(jid).json()["download_urls"]
        eq(len(u1), len(u2), "same number of parts")
        check(all(a != b for a, b in zip(u1, u2)), "URLs not fresh")
        for a, b in zip(u1, u2):
            eq(urlsplit(a).path, urlsplit(b).path, "same object")
            check("X-Amz-Expires=100&" in a, "ttl in URL")
            check(re.search(r"X-Amz-Date=\d{8}T\d{6}Z&", a), "X-Amz-Date")
            check(urlsplit(a).hostname == "127.0.0.2", "download host")
        d1 = re.search(r"X-Amz-Date=(\w+)", u1[0]).group(1)
        d2 = re.search(r"X-Amz-Date=(\w+)", u2[0]).group(1)
        check(d2 > d1, "the second mint has a later date")
        for u in u1 + u2:
            eq(get(u).status, 200, "download")


def check_window_content(datakey, start, end, k=3, extra=()):
    src = source_rows(DATA[datakey])
    s_ms = ts_ms(start.replace("T", " ").rstrip("Z"))
    e_ms = ts_ms(end.replace("T", " ").rstrip("Z"))
    want = [r for r in src if r["JOB_RUN_STARTED_AT"] != "\\N" and
            s_ms <= ts_ms(r["JOB_RUN_STARTED_AT"]) <= e_ms]
    with Double(FAST + ["--parts-per-job", str(k)] + list(extra),
                data=DATA[datakey]) as d:
        jid = d.create(start, end)
        urls = d.completed(jid).json()["download_urls"]
        blobs = []
        for u in urls:
            r = get(u)
            eq(r.status, 200, "download")
            eq(r.headers.get("Content-Length"), str(len(r.body)), "length")
            blobs.append(r.body)
        st = d.state()["jobs"][0]
        eq([p["sha256"] for p in st["parts"]],
           [hashlib.sha256(b).hexdigest() for b in blobs], "state sha256")
        eq([p["bytes"] for p in st["parts"]], [len(b) for b in blobs],
           "state bytes")
        eq([p["name"] for p in st["parts"]],
           ["part-%03d.csv.gz" % i for i in range(len(blobs))], "names")
        headers, rows = read_parts_rows(blobs)
        eq([p["rows"] for p in st["parts"]],
           [len(read_parts_rows([b])[1]) for b in blobs], "state rows")
        for b in blobs:
            eq(b[4:8], b"\0\0\0\0", "gzip mtime 0")
            text = gzip.decompress(b).decode()
            check("\r" not in text, "CR in a part")
            first = text.split("\n", 1)[0]
            check(first.startswith('"') and '","' in first,
                  "quoted header")
            # every field quoted: the text is exactly its rows written
            # back with QUOTE_ALL (a field may hold a line break, so no
            # line-by-line check)
            parsed = list(csv.reader(io.StringIO(text, newline="")))
            out = io.StringIO()
            csv.writer(out, quoting=csv.QUOTE_ALL,
                       lineterminator="\n").writerows(parsed)
            check(out.getvalue() == text, "a field not quoted")
        return want, rows, headers, blobs


@test
def t_parts_hold_exactly_the_window():
    src = source_rows(DATA["main"])
    ts = sorted(ts_ms(r["JOB_RUN_STARTED_AT"]) for r in src
                if r["JOB_RUN_STARTED_AT"] != "\\N")
    check(len(ts) > 100, "enough generated rows (%d)" % len(ts))
    a, b = ts[len(ts) // 4], ts[3 * len(ts) // 4]

    def fmt(ms):
        t = dt.datetime(1970, 1, 1) + dt.timedelta(milliseconds=ms)
        return t.strftime("%Y-%m-%dT%H:%M:%S") + ".%03dZ" % (ms % 1000)
    start, end = fmt(a), fmt(b)
    want, rows, headers, blobs = check_window_content("main", start, end)
    eq(len(blobs), 3, "parts")
    check(abs(len(read_parts_rows([blobs[0]])[1]) -
              len(read_parts_rows([blobs[2]])[1])) <= 1, "even split")
    eq(len(rows), len(want), "rows served")
    eq(sorted(r["JOB_ID"] for r in rows), sorted(r["JOB_ID"] for r in want),
       "job ids")
    bounds = {ts_ms(r["JOB_RUN_STARTED_AT"]) for r in rows}
    check(a in bounds and b in bounds, "inclusive bounds")
    byid = {r["JOB_ID"]: r for r in want}
    for r in rows:
        if r != byid[r["JOB_ID"]]:
            raise Fail("row %s differs" % r["JOB_ID"])
    # the same window once more: identical bytes (deterministic)
    _, _, _, blobs2 = check_window_content("main", start, end)
    eq(blobs2, blobs, "deterministic bytes")


@test
def t_parts_iso_timestamps_and_shuffled_columns():
    s, e = day(-37) + "T00:00:00Z", day(-33) + "T12:00:00Z"
    want, rows, headers, blobs = check_window_content("iso", s, e, k=4)
    check(len(want) > 0, "rows in the ISO window")
    eq(len(rows), len(want), "ISO rows served")
    eq(len(blobs), 4, "4 parts")
    want, rows, headers, blobs = check_window_content("shuffled", s, e, k=2)
    eq(len(rows), len(want), "shuffled rows served")
    byid = {r["JOB_ID"]: r for r in want}
    for r in rows:
        w = byid[r["JOB_ID"]]
        for k in w:
            if r.get(k) != w[k]:
                raise Fail("row %s column %s: %r vs %r" %
                           (r["JOB_ID"], k, r.get(k), w[k]))


@test
def t_empty_window_one_header_part():
    s, e = day(-20) + "T00:00:00Z", day(-19) + "T00:00:00Z"
    want, rows, headers, blobs = check_window_content("main", s, e)
    eq((len(want), len(rows), len(blobs)), (0, 0, 1), "empty job")
    check(len(headers[0]) == 48 and "JOB_RUN_STARTED_AT" in headers[0],
          "header of the empty part")


@test
def t_range_requests():
    with Double(FAST) as d:
        s, e = window()
        jid = d.create(s, e)
        u = d.completed(jid).json()["download_urls"][0]
        full = get(u).body
        n = len(full)
        r = get(u, {"Range": "bytes=10-"})
        eq(r.status, 206, "bytes=10-")
        eq(r.body, full[10:], "body of bytes=10-")
        eq(r.headers["Content-Range"], "bytes 10-%d/%d" % (n - 1, n),
           "Content-Range")
        r = get(u, {"Range": "bytes=5-20"})
        eq((r.status, r.body), (206, full[5:21]), "bytes=5-20")
        eq(r.headers["Content-Length"], "16", "Content-Length")
        r = get(u, {"Range": "bytes=%d-" % (n - 1)})
        eq((r.status, r.body), (206, full[-1:]), "last byte")
        r = get(u, {"Range": "bytes=100-%d" % (n + 1000)})
        eq((r.status, r.body), (206, full[100:]), "end clamped")
        r = get(u, {"Range": "bytes=-7"})
        eq((r.status, r.body), (206, full[-7:]), "suffix")
        r = get(u, {"Range": "bytes=%d-" % n})
        eq(r.status, 416, "bytes=size-")
        eq(r.headers["Content-Range"], "bytes */%d" % n, "416 Content-Range")
        r = get(u, {"Range": "bytes=%d-" % (n + 50)})
        eq(r.status, 416, "beyond")
        r = get(u, {"Range": "pages=1-2"})
        eq((r.status, r.body), (200, full), "unknown unit ignored")
        r = request("HEAD", u)
        eq((r.status, r.headers["Content-Length"], r.body),
           (200, str(n), b""), "HEAD")
        eq(r.headers.get("Content-Type"), "application/x-gzip",
           "Content-Type")
        # keep-alive: several requests on one connection
        p = urlsplit(u)
        c = http.client.HTTPConnection(p.hostname, p.port, timeout=10)
        for rng in ("bytes=0-9", "bytes=10-19", None):
            c.request("GET", p.path + "?" + p.query,
                      headers={"Range": rng} if rng else {})
            rr = c.getresponse()
            rr.read()
        eq(rr.status, 200, "third request on one connection")
        c.close()


@test
def t_signature_and_expiry():
    with Double(FAST + ["--fault", "expire"]) as d:
        s, e = window()
        jid = d.create(s, e)
        u = d.completed(jid).json()["download_urls"][0]
        r = get(u)
        eq(r.status, 403, "expired URL")
        check(b"<Code>AccessDenied</Code>" in r.body and
              b"<Message>Request has expired</Message>" in r.body,
              "expired body %r" % r.body[:200])
        u = d.poll(jid).json()["download_urls"][0]
        eq(get(u).status, 200, "fresh URL after the expired one")
        bad = []
        tampered = [
            tamper_sig(u),
            re.sub(r"&X-Amz-Signature=\w+", "", u),
            u.split("?")[0],
            u.replace("part-000", "part-001"),
            re.sub(r"X-Amz-Expires=\d+", "X-Amz-Expires=999999999", u),
            re.sub(r"X-Amz-Date=\w+", "X-Amz-Date=20990101T000000Z", u),
        ]
        for t in tampered:
            if t == u:
                bad.append("tamper had no effect")
                continue
            r = get(t)
            if r.status != 403 or b"<Code>SignatureDoesNotMatch</Code>" \
                    not in r.body:
                bad.append("%d %r" % (r.status, r.body[:80]))
        check(not bad, "; ".join(bad))
        d.log(8, "download")
        log = d.log()
        eq([x["fault"] for x in log if x["fault"]], ["expire"],
           "faults logged")
        for x in log:
            check("?" not in x["path"], "query in logged path")


@test
def t_ttl_expiry_in_real_time():
    # X-Amz-Date has whole seconds: a 2 s URL is valid 1 to 2 s
    with Double(FAST + ["--url-ttl", "2"]) as d:
        s, e = window()
        jid = d.create(s, e)
        u = d.completed(jid).json()["download_urls"][0]
        eq(get(u).status, 200, "within the ttl")
        time.sleep(3.05)
        r = get(u)
        check(r.status == 403 and b"Request has expired" in r.body,
              "after the ttl: %d" % r.status)


def tamper_sig(u):
    """The URL with the first hex digit of its signature changed."""
    i = u.index("X-Amz-Signature=") + len("X-Amz-Signature=")
    return u[:i] + ("1" if u[i] == "0" else "0") + u[i + 1:]


def fault_double(spec, extra=()):
    return Double(FAST + ["--fault", spec, "--retry-after", "2"] +
                  list(extra))


@test
def t_fault_create_429_and_500():
    s, e = window()
    with fault_double("create-429=2") as d:
        for i in range(2):
            r = d.post({"start": s, "end": e})
            eq((r.status, r.msg()), (429, "Rate limit exceeded."), "429 #%d"
               % i)
            eq(r.headers.get("Retry-After"), "2", "Retry-After")
            eq(r.headers.get("X-RateLimit-Remaining"), "0", "Remaining")
        eq(d.post({"start": s, "end": e}).status, 201, "third create")
        eq([x["fault"] for x in d.log(3)], ["create-429", "create-429", None],
           "log")
        eq(d.state()["creates"], 3, "creates counted")
    with fault_double("create-500") as d:
        r = d.post({"start": s, "end": e})
        eq((r.status, r.msg()), (500, "Internal server error."), "500")
        eq(d.post({"start": s, "end": e}).status, 201, "second create")
        eq(len(d.state()["jobs"]), 1, "one job")


@test
def t_fault_echo():
    """The echo-* faults spell the token as asked, and nothing else of the
    double (its log) holds it.  Verdicts only: a failure never prints it."""
    sys.path.insert(0, os.path.dirname(DOUBLE))
    import usage_api
    s, e = window()
    for form in ("url-lower", "json-U", "html"):
        with Double(FAST + ["--fault", "echo-400", "--fault", "echo-429",
                            "--fault", "echo-body", "--fault", "echo-reason",
                            "--fault", "echo-state", "--echo-form", form,
                            "--echo-pad", "7"]) as d:
            want = usage_api.echo_encode(TOKEN, form)
            r = d.post({"start": s, "end": e})
            eq(r.status, 400, form + ": echo-400 status")
            if r.msg() != "Invalid token xxxxxxx%s provided." % want:
                raise Fail(form + ": echo-400 message not as spelled")
            r = d.post({"start": s, "end": e})
            eq((r.status, r.headers.get("Retry-After")), (429, "1"),
               form + ": echo-429")
            r = d.post({"start": s, "end": e})
            eq(r.status, 400, form + ": echo-body status")
            if want not in r.body.decode() or r.body.startswith(b"{"):
                raise Fail(form + ": echo-body not an HTML echo")
            jid = d.create(s, e)
            time.sleep(0.3)
            r = d.poll(jid)
            if r.json()["state"] != want:
                raise Fail(form + ": echo-state not as spelled")
            r = d.poll(jid)
            eq(r.json()["state"], "failed", form + ": echo-reason fails")
            if want not in r.json()["error_reason"]:
                raise Fail(form + ": echo-reason not as spelled")
            with open(d.logpath, "rb") as f:
                log = f.read()
            if TOKEN.encode() in log or want.encode() in log:
                raise Fail(form + ": the token is in the log")


@test
def t_fault_poll_429_500_garbage():
    s, e = window()
    with Double(FAST + ["--fault", "poll-429", "--fault", "poll-500=2",
                        "--fault", "garbage-json", "--retry-after", "3"]) \
            as d:
        jid = d.create(s, e)
        time.sleep(0.15)
        r = d.poll(jid)
        eq((r.status, r.headers.get("Retry-After")), (429, "3"), "poll 429")
        for i in range(2):
            r = d.poll(jid)
            eq((r.status, r.msg()), (500, "Internal server error."), "500")
        r = d.poll(jid)
        eq(r.status, 200, "garbage status")
        try:
            json.loads(r.body)
            raise Fail("garbage-json answered JSON")
        except ValueError:
            pass
        r = d.poll(jid)
        eq((r.status, r.json()["state"]), (200, "completed"), "then normal")
        eq([x["fault"] for x in d.log(6)],
           [None, "poll-429", "poll-500", "poll-500", "garbage-json", None],
           "log")
        eq(d.state()["faults_fired"], {"poll-429": 1, "poll-500": 2,
                                       "garbage-json": 1}, "faults_fired")


@test
def t_fault_null_and_missing_urls():
    s, e = window()
    with Double(FAST + ["--fault", "null-urls=2", "--fault",
                        "missing-urls"]) as d:
        jid = d.create(s, e)
        r = d.completed(jid)
        for i in range(2):
            doc = r.json()
            eq((doc["state"], doc["download_urls"]), ("completed", None),
               "null-urls #%d" % i)
            r = d.poll(jid)
        doc = r.json()
        eq(doc["state"], "completed", "missing-urls state")
        check("download_urls" not in doc, "missing-urls has the key")
        doc = d.poll(jid).json()
        check(isinstance(doc.get("download_urls"), list), "then URLs")
    with Double(FAST + ["--fault", "null-urls=always"]) as d:
        jid = d.create(s, e)
        d.completed(jid)
        for i in range(5):
            doc = d.poll(jid).json()
            eq((doc["state"], doc["download_urls"]), ("completed", None),
               "null-urls=always")
        eq(d.state()["faults_left"], {"null-urls": "always"}, "faults_left")


@test
def t_fault_stay_created_and_fail_job():
    s, e = window()
    with Double(FAST + ["--fault", "stay-created"]) as d:
        j1 = d.create(s, e)
        j2 = d.create(s, e)
        time.sleep(0.2)
        doc = d.poll(j1).json()
        eq((doc["state"], doc["download_urls"]), ("created", None),
           "stay-created")
        eq(d.poll(j2).json()["state"], "completed", "second job")
        jobs = {j["id"]: j for j in d.state()["jobs"]}
        eq(jobs[j1]["creates_for_this_window"], 1, "first create")
        eq(jobs[j2]["creates_for_this_window"], 2, "second create")
    with Double(FAST + ["--fault", "fail-job=always"]) as d:
        jid = d.create(s, e)
        doc = d.completed(jid).json()
        eq(doc, {"usage_export_job_id": jid, "state": "failed",
                 "download_urls": None,
                 "error_reason": "the date range is too large"},
           "failed answer")
        eq(d.state()["jobs"][0]["parts"], [], "no parts")


def completed_urls(d):
    s, e = window()
    jid = d.create(s, e)
    return jid, d.completed(jid).json()["download_urls"]


def raw_get(url, headers=None):
    """(status, declared length, body received, error) reading to EOF."""
    p = urlsplit(url)
    sock = socket.create_connection((p.hostname, p.port), timeout=10)
    req = "GET %s?%s HTTP/1.1\r\nHost: %s:%d\r\n" % (p.path, p.query,
                                                     p.hostname, p.port)
    for k, v in (headers or {}).items():
        req += "%s: %s\r\n" % (k, v)
    sock.sendall((req + "\r\n").encode())
    data = b""
    err = None
    try:
        while True:
            b = sock.recv(65536)
            if not b:
                break
            data += b
            head, sep, body = data.partition(b"\r\n\r\n")
            if sep:
                m = re.search(rb"Content-Length: (\d+)", head)
                if m and len(body) >= int(m.group(1)):
                    break
    except ConnectionResetError as e:
        err = e
    finally:
        sock.close()
    head, _, body = data.partition(b"\r\n\r\n")
    status = int(head.split(b" ")[1]) if head else None
    m = re.search(rb"Content-Length: (\d+)", head)
    return status, int(m.group(1)) if m else None, body, err


@test
def t_fault_truncate():
    with fault_double("truncate=2") as d:
        _, urls = completed_urls(d)
        st, length, body, err = raw_get(urls[0])
        eq(st, 200, "status")
        check(length and len(body) < length,
              "body %d of %s" % (len(body), length))
        eq(len(body), length // 2, "half the body")
        try:
            get(urls[1])
            raise Fail("second truncation not seen by http.client")
        except http.client.IncompleteRead:
            pass
        r = get(urls[0])
        eq((r.status, len(r.body)), (200, length), "third download whole")
        eq(sorted(x["fault"] or "" for x in d.log(3, "download")),
           ["", "truncate", "truncate"], "log")


@test
def t_fault_reset():
    with fault_double("reset") as d:
        _, urls = completed_urls(d)
        st, length, body, err = raw_get(urls[0])
        check(err is not None or (length and len(body) < length),
              "no reset seen (%d of %s bytes)" % (len(body), length))
        check(isinstance(err, ConnectionResetError),
              "no ECONNRESET (%r)" % err)
        r = get(urls[0])
        eq((r.status, len(r.body)), (200, length), "then whole")
        eq(sorted(x["fault"] or "" for x in d.log(2, "download")),
           ["", "reset"], "log")


@test
def t_fault_redirects():
    with fault_double("redirect") as d:
        _, urls = completed_urls(d)
        r = get(urls[0])
        eq(r.status, 302, "redirect status")
        loc = r.headers["Location"]
        p, q = urlsplit(loc), urlsplit(urls[0])
        eq((p.hostname, p.port), (q.hostname, q.port), "same host")
        check("/redirected/" in p.path and "X-Amz-Signature=" in loc,
              "signed redirect target %s" % p.path)
        r2 = get(loc)
        eq(r2.status, 200, "target")
        eq(get(urls[0]).body, r2.body, "same bytes")
        eq(get(loc, {"Range": "bytes=3-"}).body, r2.body[3:],
           "range on the redirect target")
    with fault_double("redirect-other-host=2") as d:
        _, urls = completed_urls(d)
        r = get(urls[1])
        eq(r.status, 302, "redirect status")
        loc = r.headers["Location"]
        eq(urlsplit(loc).hostname, "127.0.0.3", "other host")
        eq(d.info["download_base_other"],
           "http://%s" % urlsplit(loc).netloc, "ready file other host")
        r2 = get(loc)
        eq(r2.status, 200, "other host serves")
        eq(get(loc).status, 200, "other host never redirects")
        eq(get(urls[0]).status, 302, "second redirect")
        eq(get(urls[1]).body, r2.body, "same bytes")
        eq(get(tamper_sig(loc)).status, 403, "other host checks signatures")


def raw_poll(d, jid, timeout=10, limit=60):
    """(head bytes, body bytes, seconds) of one raw poll read to EOF or
    until the socket times out."""
    p = urlsplit(d.api)
    sock = socket.create_connection((p.hostname, p.port), timeout=timeout)
    path = "%s/organizations/%s/usage_export_job/%s" % (p.path, ORG, jid)
    sock.sendall(("GET %s HTTP/1.1\r\nHost: x\r\nCircle-Token: %s\r\n"
                  "\r\n" % (path, TOKEN)).encode())
    data = b""
    t0 = time.monotonic()
    try:
        while True:
            b = sock.recv(1 << 20)
            if not b:
                break
            data += b
            if time.monotonic() - t0 > limit:
                break
    except (socket.timeout, ConnectionResetError):
        pass
    finally:
        sock.close()
    head, _, body = data.partition(b"\r\n\r\n")
    return head, body, time.monotonic() - t0


def declared(head):
    m = re.search(rb"Content-Length: (\d+)", head)
    return int(m.group(1)) if m else None


@test
def t_fault_network_api():
    s, e = window()
    with Double(FAST + ["--fault", "api-drop", "--fault",
                        "api-wrong-length", "--fault", "api-short-length",
                        "--fault", "api-huge-body", "--fault", "api-stall",
                        "--fault", "api-trickle"]) as d:
        jid = d.create(s, e)
        head, body, _ = raw_poll(d, jid)
        eq((head, body), (b"", b""), "drop: nothing")
        head, body, _ = raw_poll(d, jid)
        check(declared(head) > len(body), "wrong-length: %s for %d" %
              (declared(head), len(body)))
        head, body, _ = raw_poll(d, jid)
        check(declared(head) < len(body) or declared(head) == len(body),
              "short-length read")
        check(declared(head) < len(json.dumps({"usage_export_job_id": jid})),
              "short-length: %s" % declared(head))
        head, body, _ = raw_poll(d, jid, 20)
        check(len(body) > 64 << 20, "huge-body: %d bytes" % len(body))
        head, body, secs = raw_poll(d, jid, 1.5)
        check(0 < len(body) < declared(head) and secs >= 1.4,
              "stall: %d of %s in %.1f s" % (len(body), declared(head),
                                            secs))
        head, body, secs = raw_poll(d, jid, 1.2, 1.5)
        check(len(body) <= 12, "trickle: %d bytes in %.1f s" % (len(body),
                                                               secs))
        eq(d.poll(jid).status, 200, "then a normal answer")
        eq(d.state()["faults_fired"],
           {k: 1 for k in ("api-drop", "api-wrong-length",
                           "api-short-length", "api-huge-body",
                           "api-stall", "api-trickle")}, "faults_fired")


@test
def t_fault_network_download():
    with Double(FAST + ["--fault", "dl-drop", "--fault", "dl-wrong-length",
                        "--fault", "dl-stall"]) as d:
        _, urls = completed_urls(d)
        st, length, body, err = raw_get(urls[0])
        eq((st, body), (None, b""), "drop")
        st, length, body, err = raw_get(urls[0])
        check(st == 200 and length > len(body) > 0,
              "wrong-length %s %s %d" % (st, length, len(body)))
        eq(length, len(body) + 1000, "declared 1000 bytes too many")
        t0 = time.monotonic()
        p = urlsplit(urls[0])
        sock = socket.create_connection((p.hostname, p.port), timeout=1.5)
        sock.sendall(("GET %s?%s HTTP/1.1\r\nHost: x\r\n\r\n" %
                      (p.path, p.query)).encode())
        got = b""
        try:
            while True:
                b = sock.recv(65536)
                if not b:
                    break
                got += b
        except socket.timeout:
            pass
        sock.close()
        check(time.monotonic() - t0 >= 1.4, "stall closed early")
        head, _, body = got.partition(b"\r\n\r\n")
        check(0 < len(body) < declared(head), "stall: half a body")
        eq(get(urls[0]).status, 200, "then whole")


@test
def t_fault_dotdot_urls():
    with fault_double("dotdot-urls") as d:
        _, urls = completed_urls(d)
        for u in urls:
            p = urlsplit(u)
            check("/../" in p.path and p.path.rsplit("/", 1)[1].startswith(
                "..%2F..%2Fpart-"), "dotdot URL %s" % p.path)
            # as a client sends it, dot segments removed (RFC 3986 5.2.4)
            norm = posixpath.normpath(p.path)
            check(norm.startswith("/tmp/"), "normalised %s" % norm)
            r = get("%s://%s%s?%s" % (p.scheme, p.netloc, norm, p.query))
            eq(r.status, 200, "served")
            check(r.body[:2] == b"\x1f\x8b", "a gzip part")
        jid, urls2 = completed_urls(d)
        check("/../" not in urls2[0], "only the first poll's URLs")


@test
def t_fault_slow_and_no_range():
    with fault_double("slow=20000") as d:
        _, urls = completed_urls(d)
        # the largest part, as the double's state tells its sizes
        sizes = [p["bytes"] for p in d.state()["jobs"][0]["parts"]]
        urls = [urls[sizes.index(max(sizes))]]
        t0 = time.time()
        r = get(urls[0])
        took = time.time() - t0
        n = len(r.body)
        check(n > 3000, "part big enough (%d)" % n)
        check(took >= n / 20000.0 * 0.8, "%d bytes in %.2f s" % (n, took))
        check(took < n / 20000.0 + 1.5, "too slow: %.2f s" % took)
        eq(d.log(1, "download")[0]["fault"], "slow", "log")
    with fault_double("no-range") as d:
        _, urls = completed_urls(d)
        full = get(urls[0]).body
        r = get(urls[0], {"Range": "bytes=10-"})
        eq((r.status, r.body), (200, full), "Range ignored")
        check("Content-Range" not in r.headers, "Content-Range sent")
        r = get(urls[0], {"Range": "bytes=999999-"})
        eq(r.status, 200, "no 416 either")
        eq(sorted(x["fault"] or "" for x in d.log(3, "download")),
           ["", "no-range", "no-range"], "log")


@test
def t_fault_runtime_arming_and_bad_spec():
    with Double(FAST) as d:
        r = request("POST", d.base + "/_double/fault",
                    {"fault": "create-500=1"})
        eq(r.status, 200, "arm")
        s, e = window()
        eq(d.post({"start": s, "end": e}).status, 500, "armed fault fires")
        r = request("POST", d.base + "/_double/fault", {"fault": "bogus"})
        eq(r.status, 400, "unknown fault")
        eq([x["path"].startswith("/_double") for x in d.log(1)], [False],
           "control requests not logged")
        eq(d.state()["api_requests"], 1, "api_requests")
    p = subprocess.run([sys.executable, DOUBLE, "--data", DATA["main"],
                        "--token-file", TOKEN_FILE, "--fault", "nope"],
                       capture_output=True, timeout=20)
    check(p.returncode == 2 and b"unknown fault" in p.stderr,
          "bad --fault: %d %r" % (p.returncode, p.stderr[-200:]))


@test
def t_rate_limits():
    s, e = window()
    with Double(["--processing-after", "0.05", "--complete-after", "0.1",
                 "--create-limit", "2/3", "--poll-limit", "3/2"],
                orgs=(ORG, ORG2)) as d:
        jid = d.create(s, e)
        r = d.post({"start": s, "end": e})
        eq(r.status, 201, "second create")
        eq((r.headers.get("X-RateLimit-Limit"),
            r.headers.get("X-RateLimit-Remaining")), ("2", "0"),
           "headers on success")
        r = d.post({"start": s, "end": e})
        eq((r.status, r.msg()), (429, "Rate limit exceeded."), "third")
        ra = int(r.headers["Retry-After"])
        check(1 <= ra <= 3, "Retry-After %d" % ra)
        eq(r.headers.get("X-RateLimit-Limit"), "2", "X-RateLimit-Limit")
        eq(r.headers.get("X-RateLimit-Remaining"), "0", "Remaining")
        check(r.headers.get("X-RateLimit-Reset"), "X-RateLimit-Reset")
        eq(d.post({"start": s, "end": e}, org=ORG2).status, 201,
           "another org has its own limit")
        for i in range(3):
            eq(d.poll(jid).status, 200, "poll %d" % i)
        r = d.poll(jid)
        eq(r.status, 429, "fourth poll")
        ra = int(r.headers["Retry-After"])
        check(1 <= ra <= 2, "poll Retry-After %d" % ra)
        time.sleep(ra + 0.05)
        eq(d.poll(jid).status, 200, "after Retry-After")
        eq(len(d.state()["jobs"]), 3, "jobs")
        eq(d.state()["creates"], 4, "creates")


@test
def t_download_auth_recorded():
    with Double(FAST) as d:
        _, urls = completed_urls(d)
        eq(get(urls[0]).status, 200, "clean download")
        st = d.state()
        eq((st["download_auth_seen"], st["download_token_seen"]),
           (False, False), "nothing seen yet")
        r = get(urls[0], {"Authorization": "Bearer something"})
        eq(r.status, 200, "still served")
        st = d.state()
        eq((st["download_auth_seen"], st["download_token_seen"]),
           (True, False), "auth header without the token")
        r = get(urls[1] + "&x=" + quote(TOKEN))
        eq(r.status, 200, "token in the query still served")
        eq(d.state()["download_token_seen"], True, "token seen")
        r = get(urls[2], {"Circle-Token": TOKEN})
        eq(r.status, 200, "Circle-Token still served")
        auths = [x["auth"] for x in d.log(4, "download")]
        eq(sorted(auths), [[], [], ["Authorization"], ["Circle-Token"]],
           "logged auth")
        eq(d.state()["downloads"], 4, "downloads")
    with Double(FAST + ["--strict-download-auth"]) as d:
        _, urls = completed_urls(d)
        r = get(urls[0], {"Cookie": "a=b"})
        check(r.status == 400 and b"InvalidArgument" in r.body,
              "strict: %d" % r.status)
        eq(get(urls[0]).status, 200, "strict, clean")
        check(d.state()["download_auth_seen"], "recorded")


@test
def t_passthrough_byte_identity():
    src = DATA["main"]
    files = sorted(n for n in os.listdir(src) if n.endswith(".csv.gz"))
    with Double(FAST + ["--passthrough"]) as d:
        s, e = window()
        jid = d.create(s, e)
        urls = d.completed(jid).json()["download_urls"]
        eq(len(urls), len(files), "one URL per file")
        parts = d.state()["jobs"][0]["parts"]
        for u, f, p in zip(urls, files, parts):
            with open(os.path.join(src, f), "rb") as fh:
                want = fh.read()
            r = get(u)
            eq(r.body, want, "bytes of %s" % f)
            eq(p["sha256"], hashlib.sha256(want).hexdigest(), "sha256")
            check("rows" not in p, "rows under --passthrough")
            r = get(u, {"Range": "bytes=100-"})
            eq((r.status, r.body), (206, want[100:]), "range")
        # a second job (another window) serves the same files
        jid2 = d.create(day(-20) + "T00:00:00Z", day(-19) + "T00:00:00Z")
        urls2 = d.completed(jid2).json()["download_urls"]
        eq(len(urls2), len(files), "second job")
        eq(get(urls2[0]).body, get(urls[0]).body, "same bytes")


@test
def t_passthrough_big_file_streamed():
    big = os.path.join(TMP, "big")
    os.makedirs(big)
    path = os.path.join(big, "part-000.csv.gz")
    blob = os.urandom(1 << 20)
    with open(path, "wb") as f:
        for i in range(66):
            f.write(blob)
    size = os.path.getsize(path)
    with Double(FAST + ["--passthrough"], data=big) as d:
        _, urls = completed_urls(d)
        p = urlsplit(urls[0])
        c = http.client.HTTPConnection(p.hostname, p.port, timeout=20)
        c.request("GET", p.path + "?" + p.query)
        r = c.getresponse()
        h = hashlib.sha256()
        n = 0
        while True:
            b = r.read(1 << 20)
            if not b:
                break
            h.update(b)
            n += len(b)
        c.close()
        eq(n, size, "bytes")
        with open(path, "rb") as f:
            want = hashlib.sha256(f.read()).hexdigest()
        eq(h.hexdigest(), want, "sha256")
        r = get(urls[0], {"Range": "bytes=%d-" % (size - 10)})
        eq((r.status, len(r.body)), (206, 10), "range on a streamed file")
        eq(d.state()["jobs"][0]["parts"][0]["sha256"], want, "state sha")
    os.remove(path)


@test
def t_sigterm_clean_exit():
    d = Double(FAST)
    d.p.send_signal(signal.SIGINT)
    try:
        d.p.wait(5)
    except subprocess.TimeoutExpired:
        raise Fail("no exit on SIGINT")
    eq(d.p.returncode, 0, "SIGINT exit status")
    d = Double(FAST)
    t0 = time.time()
    eq(d.stop(), 0, "SIGTERM exit status")
    check(time.time() - t0 < 3, "slow shutdown")


@test
def t_no_secret_in_logs_or_output():
    """Run last: every double's log and stderr so far."""
    bad = []
    for d in DOUBLES:
        for p in (d.logpath, d.errpath):
            if not os.path.exists(p):
                continue
            with open(p, "rb") as f:
                data = f.read()
            if TOKEN.encode() in data:
                bad.append("token in %s" % p)
            if b"X-Amz-Signature" in data or b"Signature=" in data:
                bad.append("signature in %s" % p)
    check(len(DOUBLES) > 5, "doubles ran")
    check(not bad, "; ".join(bad))


# ---------------------------------------------------------------- main

# The tests whose verdict could change with the pinned date: the double's
# checks against "now" and the windows cut from data placed relative to it
# (--dates; the rest is the same at any date and runs in make check).
DATE_TESTS = ("validation_order", "pinned_now_edges",
              "state_progression_and_null_urls",
              "parts_hold_exactly_the_window",
              "parts_iso_timestamps_and_shuffled_columns",
              "empty_window_one_header_part", "passthrough_byte_identity",
              "no_secret_in_logs_or_output")

DATA = {}
TOKEN_FILE = None


def gen(name, *extra):
    out = os.path.join(TMP, name)
    subprocess.run([sys.executable, GEN, "-o", out, "--rows", "600",
                    "--parts", "2", "--start", day(-40), "--days", "10",
                    "--seed", "7"] + list(extra), check=True,
                   capture_output=True)
    return out


def main():
    global TMP, TOKEN_FILE
    keep = "--keep" in sys.argv[1:]
    TMP = tempfile.mkdtemp(prefix="usage-double-")
    TOKEN_FILE = os.path.join(TMP, "token.secret")  # a secret on purpose
    with open(TOKEN_FILE, "w") as f:
        f.write(TOKEN + "\n")
    t0 = time.time()
    try:
        DATA["main"] = gen("data")
        DATA["iso"] = gen("data-iso", "--ts", "iso", "--quote", "all")
        DATA["shuffled"] = gen("data-shuffled", "--shuffle-columns",
                               "--extra-column")
        names = {fn.__name__[2:] for fn in TESTS}
        if not names.issuperset(DATE_TESTS):
            raise SystemExit("DATE_TESTS names no test: %s" %
                             sorted(set(DATE_TESTS) - names))
        for fn in TESTS:
            if "--dates" not in sys.argv[1:] or fn.__name__[2:] in DATE_TESTS:
                run_test(fn)
    finally:
        for d in DOUBLES:
            if d.p.poll() is None:
                d.stop()
    print("%d passed, %d failed" % (passed, failed))
    sys.stderr.write("(%.1f s)\n" % (time.time() - t0))
    if failed or keep:
        print("temp files kept in %s" % TMP)
    else:
        scratch.rmtree(TMP)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
