#!/usr/bin/env python3
"""usage_api.py: a loopback test double of the CircleCI Usage API.

    usage_api.py --data DIR --token-file FILE [options]

Python 3 standard library only.  Follows the contract of the project's
Usage API notes (sections 2-5 and 10); it reads nothing of them at run time.

SERVERS (threaded, HTTP/1.1 keep-alive, accept backlog 128)
  API        http://127.0.0.1:PORT      (--port, default 0 = ephemeral)
    POST /api/v2/organizations/{org}/usage_export_job
    GET  /api/v2/organizations/{org}/usage_export_job/{id}
    GET  /api/v2/user/{id}   a user: {"id", "login", "name"} (USERS below)
    GET  /_double/state      inspection, no auth (shape below)
    POST /_double/fault      arm a fault at run time, body {"fault":"NAME[=N]"}
  Download   http://127.0.0.2:PORT2     (--download-port, default 0)
  Download   http://127.0.0.3:PORT3     second listener, same handler: the
             target of the redirect-other-host fault (same port as PORT2
             when free, else ephemeral).
    GET|HEAD /exports/{job_id}/part-NNN.csv.gz?X-Amz-Algorithm=AWS4-HMAC-SHA256
             &X-Amz-Credential=...&X-Amz-Date=YYYYMMDDTHHMMSSZ&X-Amz-Expires=S
             &X-Amz-SignedHeaders=host&X-Amz-Signature=HEX
    (also /exports/{job_id}/redirected/part-NNN.csv.gz, the target of the
    redirect fault; part-NNN.csv for plain .csv files under --passthrough)

OPTIONS
  --data DIR              export parts: every *.csv.gz and *.csv (sorted)
  --token-file FILE       the valid token (trailing newline stripped)
  --port N                API port (default 0)
  --download-port N       download port (default 0)
  --download-base URL     the scheme://host:port minted into download URLs
                          instead of the download listener's (a test's own
                          server there: a redirector in front of the
                          listener, or a host the client must refuse)
  --ready-file FILE       written atomically (tmp + rename) once listening
  --log FILE              one JSON line per request (shape below)
  --org UUID              known org (repeatable; default
                          b9291e0d-a11e-41fb-8517-c545388b5953)
  --forbidden-org UUID    org answered 403 (repeatable)
  --now RFC3339           fixed "now" for the age/future checks of POST
                          (default: $CIRCLECI_USAGE_NOW, the tests' pinned
                          "now" that the tool honours too, else real
                          time; YYYY-MM-DD is its 00:00:00Z; lifecycle
                          and URL expiry always use real time)
  --processing-after SEC  created -> processing after SEC (default 0.2)
  --complete-after SEC    processing -> completed after SEC (default 0.5)
  --url-ttl SEC           X-Amz-Expires of minted URLs (default 129600, 36 h)
  --parts-per-job K       parts per job (default 3)
  --passthrough           every job serves the data files byte for byte
  --create-limit N/SEC    per-org sliding window for POST (default 10/3600,
                          "off" disables)
  --poll-limit N/SEC      per-org sliding window for GET (default 10/60)
  --retry-after SEC       Retry-After of injected 429 faults (default 1)
  --strict-download-auth  download requests carrying credentials get 400
  --fault NAME[=N]        inject a fault (repeatable; list below)
  --echo-form FORM        how the echo-* faults spell the token (ECHO
                          FORMS below; default raw)
  --echo-pad N            filler bytes before the echoed token (default 0)

USERS (GET /api/v2/user/{id}, auth as the other API routes)
  A UUID's user follows from it (user_of(), so tests compute the truth):
  h = sha256("user:" + id lowered); h[:2] as a number divisible by 8 ->
  404 {"message": "User not found."} (a deleted or unregistered user);
  else {"id": id, "login": "dev-" + h[2:8], "name": "Dev " + h[2:6]
  upper}.  --users FILE overrides: a JSON object {id: {"login", "name"}
  or null (404)}.  Not a UUID -> 404 too.  Rate-limited per token by
  --user-limit (default off); faults user-429 and user-500.  Counted in
  /_double/state: "user_requests" and "user_ids" (id -> requests).

ECHO FORMS (--echo-form, for the echo-* faults; default raw)
  raw, upper, lower        as is, or case changed
  url, url-lower           every byte %XX, upper or lower hex
  url-mixed                bytes as is, %XX and %xx in turn
  url-twice                every byte %25XX
  form                     form-encoded (+ for a space, %2B for +)
  json-u, json-U           every byte \\u00xx, lower or upper hex
  json-slash               / written \\/ (the rest as is)
  html                     &#N; and &#xN; in turn
  mixed                    per byte in turn: raw, url-lower, json-U, html,
                           url-twice, json-u, url, upper
  (the message is a JSON string: jansson reads the escapes back as text)
  --echo-pad N puts N bytes of filler before the token, so that it
  straddles a client's cut of long messages.

READY FILE
  {"api_url": "http://127.0.0.1:P/api/v2", "download_base":
   "http://127.0.0.2:P2", "download_base_other": "http://127.0.0.3:P3",
   "pid": N, "org_id": "<first --org>", "orgs": [...]}

AUTH (API only; checked after route matching)
  * any `circle-token` query parameter -> 401 "Support for query parameter
    authentication has been deprecated to improve security. Please use a
    supported authentication method such as header-based, or basic
    authentication." (even when a header would be valid)
  * header `Circle-Token: <token>` or HTTP Basic with user = token and an
    empty password ("token:") -> accepted
  * anything else -> 401 "Invalid token provided."
  Every error body is JSON {"message": "..."}.

ORGS (after auth; org ids compared case-insensitively)
  --forbidden-org -> 403 "Permission denied."; not a known org -> 404
  "Organization does not exist.".  Unknown job id, a job of another org or
  an id that is not a UUID -> 404 "Usage export job not found.".
  Unknown route -> 404 "Not found."; wrong method -> 405 "Method not
  allowed.".

REQUEST ORDER (API)
  route -> query-token -> auth -> org -> injected fault (create-429,
  create-500 / poll-429, poll-500, garbage-json) -> rate limit -> POST
  validation or GET job lookup.  Every request reaching the rate limiter
  takes a slot (a 400 too); requests refused with 429 take none.

POST VALIDATION (this order; each failure is 400)
  1. body not UTF-8 JSON object (NaN/Infinity refused) -> "malformed
     request body"
  2. first key (document order) other than start, end, shared_org_ids
     (case-sensitive) -> "Unexpected field"
  3. start/end present but not RFC 3339 strings (YYYY-MM-DDTHH:MM:SS[.f+]
     with Z or +-HH:MM; T and Z upper case, as Go's time.RFC3339 parser),
     shared_org_ids not null or an array of canonical UUID strings ->
     "malformed request body"
  4. start or end missing (or null) -> "malformed request body"
  5. end < start -> "End date cannot be before start date."
  6. start < now - 366 days -> "Start date cannot be more than 366 days
     ago."
  7. start or end > now -> "Date cannot be in the future."
  8. end - start > 31 x 24 h -> "Date range cannot be more than 31 days."
  201 {"usage_export_job_id": uuid4, "state": "created", "start", "end"
  (normalised: UTC, Z, trailing fractional zeros dropped, at most 9
  digits), "download_urls": null}

LIFECYCLE AND GET
  created until --processing-after, processing until --complete-after, then
  completed (or failed with fail-job).  GET answers {"usage_export_job_id",
  "state", "download_urls"} (null unless completed), plus "error_reason"
  only when failed.  Each GET that observes completed mints fresh signed
  URLs (a new X-Amz-Credential each time) valid for --url-ttl seconds.

PARTS
  At load every part file is parsed with the csv module (each file's own
  header; columns mapped by name, trimmed and case-insensitively; a UTF-8
  BOM is dropped).  A job gets the rows whose JOB_RUN_STARTED_AT lies in [start, end] inclusive,
  compared in whole milliseconds (bounds truncated to ms);
  `YYYY-MM-DD HH:MM:SS[.f]`, `YYYY-MM-DDTHH:MM:SS[.f][Z|+-HH:MM]` and
  `YYYY-MM-DD` are read; NULL (`\\N`, empty) or unreadable values are never
  served.  They are split into max(1, min(K, rows)) contiguous chunks in
  file order (sizes differ by at most one), each written with a header row,
  every field quoted (\\N kept as it is), \\n line ends, gzip with mtime 0.
  When all files share one header it is used and rows are copied field for
  field; otherwise the header is the union of the files' columns (first
  appearance order, names trimmed and upper-cased), each row is placed by
  name and missing cells are \\N (rows whose field count differs from their
  file's header are copied as they are).  Files in the --quote none
  (backslash-escaped) dialect are not understood: use --passthrough.
  A job's parts are built in the background when it is created (once per
  window; jobs of the same window share them).
  --passthrough: every job's parts are the data files themselves, in sorted
  order, served byte for byte and named part-NNN plus the file's extension
  (.csv.gz or .csv); files up to 64 MiB are read into memory on the first
  job, larger ones are streamed from disk (sendfile).  Their
  "rows" are not known (the key is absent from /_double/state) and their
  sha256 is computed lazily on the first /_double/state.

DOWNLOADS
  Signature: HMAC-SHA256 with a random per-process secret over
  "path\\ndate\\nexpires\\ncredential".  Missing or bad -> 403 XML
  <Code>SignatureDoesNotMatch</Code>; past date + expires -> 403
  <Code>AccessDenied</Code><Message>Request has expired</Message>; a valid
  signature for an unknown job/part -> 404 NoSuchKey.  Range: bytes=N-,
  bytes=N-M, bytes=-K -> 206 + Content-Range; N >= size -> 416 with
  Content-Range: bytes */size; other Range forms are ignored (200).
  Content-Type application/x-gzip (text/csv for .csv), Accept-Ranges: bytes.
  A download request carrying Authorization, Circle-Token, Cookie, a
  circle-token query parameter, or the token anywhere in the request line
  or headers (raw or percent-decoded) is recorded (download_auth_seen for
  the named credentials, download_token_seen for the token itself) and
  noted on stderr without the value; it is still served unless
  --strict-download-auth (400 XML InvalidArgument).

RATE LIMITS
  Per org and per route (POST / GET), sliding window.  Over the limit -> 429
  {"message": "Rate limit exceeded."} with Retry-After (whole seconds until
  a slot frees, at least 1), X-RateLimit-Limit, X-RateLimit-Remaining: 0,
  X-RateLimit-Reset (same seconds).  Allowed responses carry
  X-RateLimit-Limit and X-RateLimit-Remaining.  Injected 429s carry
  Retry-After = --retry-after and the same X-RateLimit-* headers.

FAULTS  (--fault NAME[=N]; N fires, default 1, "always" = unlimited)
  create-429, poll-429     the first N creates / polls answer 429
  create-500, poll-500     the first N answer 500 "Internal server error."
  esc-message              the first N creates answer 400 with a message
                           holding terminal escapes (ESC ]0;...BEL, ESC [31m)
                           and CR LF, as a hostile server might
  garbage-json             the first N polls answer 200 with a body that is
                           not JSON (truncated JSON, application/json)
  null-urls                the first N polls that would answer completed
                           answer completed with "download_urls": null
  missing-urls             same, with the key absent
  stay-created             the first N jobs created never leave created
  fail-job                 the first N jobs created end failed, error_reason
                           "the date range is too large"
  truncate                 the first N served download bodies: full
                           Content-Length, half the body, connection closed
  reset                    the first N served download bodies: headers and
                           half the body, 50 ms later RST (SO_LINGER 0,
                           close)
  expire                   URLs minted by the first N completed polls are
                           already expired
  redirect                 the first N downloads (primary listener, original
                           path) answer 302 to /exports/{job}/redirected/...
                           on the same host, signed, same bytes
  redirect-other-host      the first N downloads answer 302 to the 127.0.0.3
                           listener
  redirect-scheme          the first N downloads answer 302 to
                           file:///etc/passwd (a client must refuse it)
  slow=BYTES_PER_SECOND    every download body throttled (not a count)
  no-range                 Range ignored, always 200 with the whole file
                           (not a count)
  Network faults (counts; "api-" ones hit polls, "dl-" ones downloads):
  api-drop, dl-drop        close the connection before any answer
  api-stall, dl-stall      headers and half the body, then nothing (the
                           connection stays open until the client goes)
  api-wrong-length,        Content-Length larger than the body, body sent,
  dl-wrong-length          connection closed
  api-short-length         Content-Length smaller than the body (the JSON
                           answer arrives cut short)
  api-huge-body            200, application/json, a 64 MB body
  api-trickle, dl-trickle  the body at TRICKLE bytes per second (5)
  dl-endless               200, no Content-Length, a valid gzip CSV (the
                           part's header, then its first row repeated)
                           that never ends: only a size cap stops it
  dl-huge-length           the same, declared with a Content-Length of 1 TB
  echo-400, echo-401,      the first N creates answer that status with a
  echo-429, echo-500       message that echoes the token, spelled as
                           --echo-form says, after --echo-pad bytes of
                           filler (a 429 with Retry-After = --retry-after)
  echo-body                the first N creates answer 400 with an HTML
                           (not JSON) body echoing the token so
  echo-reason              the first N jobs created end failed, with an
                           error_reason echoing the token so
  echo-state               the first N polls answer a state that is the
                           token so (then the job goes on as it would)
  dotdot-urls              URLs minted by the first N completed polls climb
                           out with ../ segments and end in an encoded
                           ../ name: /exports/J/../../../../../../tmp/J/
                           ..%2F..%2Fpart-NNN.csv.gz (served, signed as
                           /tmp/J/..%2F..%2Fpart-NNN.csv.gz)
  Download faults fire only on validly signed, unexpired GETs.  A fault
  that fires is named in the request's log line ("fault"; several joined
  with ","); stay-created / fail-job are named on the create and on polls
  they change.

LOG LINE (--log; requests to /_double/ are neither logged nor counted)
  {"ts": "YYYY-MM-DDTHH:MM:SS.fffZ", "server": "api"|"download", "method",
   "path" (no query string), "status", "auth": [names of credential
   headers present, "circle-token" for the query parameter], "range": the
   Range header or null, "bytes": body bytes sent, "fault": name or null}
  The token and signatures are never logged or printed (the token is also
  scrubbed from any logged path).  An answer with a body known in advance
  (every API answer, download errors and redirects) is logged just before
  its body is sent, so API lines follow the order a client saw them; a
  served download is logged once its body is sent (or the send failed).

/_double/state
  {"jobs": [{"id", "org", "start", "end", "state", "polls" (GETs answered
   200 for it), "creates_for_this_window" (creates of this org with the
   same normalised start/end so far), "faults": [...], "parts": [{"name",
   "bytes", "sha256", "rows" (absent under --passthrough)}] (empty until
   completed)}],
   "creates": POSTs to the create route, "polls": GETs to the job route
   (any outcome), "downloads": requests to the download listeners,
   "download_auth_seen": bool, "download_token_seen": bool,
   "api_requests": requests to the API other than /_double/,
   "faults_fired": {name: n}, "faults_left": {name: n or "always"},
   "slow": bytes per second or null, "no_range": bool}

Shuts down cleanly on SIGTERM / SIGINT (exit 0).
"""

import argparse
import base64
import calendar
import collections
import csv
import datetime as dt
import gzip
import hashlib
import hmac
import io
import json
import math
import os
import re
import secrets
import signal
import socket
import socketserver
import struct
import sys
import threading
import time
import uuid
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, quote, unquote, urlsplit

DEFAULT_ORG = "b9291e0d-a11e-41fb-8517-c545388b5953"

MSG_MALFORMED = "malformed request body"
MSG_UNEXPECTED = "Unexpected field"
MSG_END_BEFORE = "End date cannot be before start date."
MSG_TOO_OLD = "Start date cannot be more than 366 days ago."
MSG_FUTURE = "Date cannot be in the future."
MSG_TOO_WIDE = "Date range cannot be more than 31 days."
MSG_BAD_TOKEN = "Invalid token provided."
MSG_QUERY_TOKEN = ("Support for query parameter authentication has been "
                   "deprecated to improve security. Please use a supported "
                   "authentication method such as header-based, or basic "
                   "authentication.")
MSG_FORBIDDEN = "Permission denied."
MSG_NO_ORG = "Organization does not exist."
MSG_NO_JOB = "Usage export job not found."
MSG_RATE = "Rate limit exceeded."
MSG_500 = "Internal server error."
MSG_ESC = ("bad \x1b]0;pwned\x07title \x1b[31mred\x1b[0m\r\n"
           "X-Injected: 1\x9b2J")
MSG_NOT_FOUND = "Not found."
MSG_METHOD = "Method not allowed."
FAIL_REASON = "the date range is too large"

NS = 10 ** 9
DAY_NS = 86400 * NS
MAX_AGE_NS = 366 * DAY_NS
MAX_WINDOW_NS = 31 * DAY_NS
BIG_FILE = 64 << 20

COUNT_FAULTS = ("create-429", "poll-429", "create-500", "poll-500",
                "esc-message",
                "garbage-json", "null-urls", "missing-urls", "stay-created",
                "fail-job", "truncate", "reset", "expire", "redirect",
                "redirect-other-host", "redirect-scheme",
                # network faults: "api-" on polls, "dl-" on downloads
                "api-drop", "api-stall", "api-wrong-length",
                "api-short-length", "api-huge-body", "api-trickle",
                "dl-drop", "dl-stall", "dl-wrong-length", "dl-trickle",
                "dl-endless", "dl-huge-length", "dotdot-urls",
                "echo-400", "echo-401", "echo-429", "echo-500", "echo-body",
                "echo-reason", "echo-state", "user-429", "user-500")
ECHO_FORMS = ("raw", "upper", "lower", "url", "url-lower", "url-mixed",
              "url-twice", "form", "json-u", "json-U", "json-slash", "html",
              "mixed")
ECHO_MIX = ("raw", "url-lower", "json-U", "html", "url-twice", "json-u",
            "url", "upper")


def echo_encode(secret, form):
    """secret spelled in one of ECHO_FORMS (see ECHO FORMS above)."""
    def url(b, i=0):
        return ("%%%02x" if i else "%%%02X") % b
    out = []
    for i, b in enumerate(secret.encode()):
        c = chr(b)
        if form == "raw":
            out.append(c)
        elif form == "upper":
            out.append(c.upper())
        elif form == "lower":
            out.append(c.lower())
        elif form == "url":
            out.append(url(b))
        elif form == "url-lower":
            out.append(url(b, 1))
        elif form == "url-mixed":
            out.append(c if i % 3 == 0 else url(b, i % 2))
        elif form == "url-twice":
            out.append("%%25%02X" % b)
        elif form == "form":
            out.append("+" if c == " " else url(b) if c in "+/%&=?#"
                       else c)
        elif form == "json-u":
            out.append("\\u%04x" % b)
        elif form == "json-U":
            out.append("\\u%04X" % b)
        elif form == "json-slash":
            out.append("\\/" if c == "/" else c)
        elif form == "html":
            out.append(("&#%d;" if i % 2 else "&#x%x;") % b)
        elif form == "mixed":
            out.append(echo_encode(c, ECHO_MIX[i % len(ECHO_MIX)]))
        else:
            raise ValueError("unknown echo form %r" % form)
    return "".join(out)
OTHER_FAULTS = ("slow", "no-range")
TRICKLE = 5         # bytes per second of the trickle faults
STALL_MAX = 120     # seconds a stalled answer keeps the connection open

STANDARD_HEADER = [
    "ORGANIZATION_ID", "ORGANIZATION_NAME", "ORGANIZATION_CREATED_DATE",
    "PROJECT_ID", "PROJECT_NAME", "PROJECT_CREATED_DATE",
    "LAST_BUILD_FINISHED_AT", "VCS_NAME", "VCS_URL", "VCS_BRANCH",
    "PIPELINE_ID", "PIPELINE_CREATED_AT", "PIPELINE_NUMBER",
    "IS_UNREGISTERED_USER", "PIPELINE_TRIGGER_SOURCE",
    "PIPELINE_TRIGGER_USER_ID", "WORKFLOW_ID", "WORKFLOW_NAME",
    "WORKFLOW_FIRST_JOB_QUEUED_AT", "WORKFLOW_FIRST_JOB_STARTED_AT",
    "WORKFLOW_STOPPED_AT", "IS_WORKFLOW_SUCCESSFUL", "JOB_NAME", "JOB_ID",
    "JOB_RUN_NUMBER", "JOB_RUN_DATE", "JOB_RUN_QUEUED_AT",
    "JOB_RUN_STARTED_AT", "JOB_RUN_STOPPED_AT", "JOB_BUILD_STATUS",
    "RESOURCE_CLASS", "OPERATING_SYSTEM", "EXECUTOR", "PARALLELISM",
    "JOB_RUN_SECONDS", "MEDIAN_CPU_UTILIZATION_PCT",
    "MAX_CPU_UTILIZATION_PCT", "MEDIAN_RAM_UTILIZATION_PCT",
    "MAX_RAM_UTILIZATION_PCT", "COMPUTE_CREDITS", "DLC_CREDITS",
    "USER_CREDITS", "STORAGE_CREDITS", "NETWORK_CREDITS", "LEASE_CREDITS",
    "LEASE_OVERAGE_CREDITS", "IPRANGES_CREDITS", "TOTAL_CREDITS"]

UUID_RE = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-"
                     r"[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\Z", re.ASCII)
RFC3339_RE = re.compile(r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})"
                        r"(?:\.(\d+))?(Z|[+-]\d{2}:\d{2})\Z", re.ASCII)
CSV_TS_RE = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})"
                       r"(?::(\d{2})(?:\.(\d+))?)?)?"
                       r"(Z|[+-]\d{2}:?\d{2})?\Z", re.ASCII)
CREATE_RE = re.compile(r"/api/v2/organizations/([^/]+)/usage_export_job\Z")
USER_RE = re.compile(r"/api/v2/user/([^/]+)\Z")
MSG_NO_USER = "User not found."
GET_RE = re.compile(r"/api/v2/organizations/([^/]+)/usage_export_job/"
                    r"([^/]+)\Z")
DL_RE = re.compile(r"/exports/([^/]+)/(redirected/)?"
                   r"(part-\d{3,}\.csv(?:\.gz)?)\Z")
# the path a dotdot URL arrives with, once the client has removed its dot
# segments: the name is "..%2F..%2Fpart-NNN.csv.gz" (groups as DL_RE's)
DOTDOT_RE = re.compile(r"/tmp/([^/]+)/()\.\.%2F\.\.%2F"
                       r"(part-\d{3,}\.csv(?:\.gz)?)\Z")


# ---------------------------------------------------------------- time

def parse_rfc3339(s):
    """RFC 3339 date-time -> integer ns since the epoch, or None."""
    if not isinstance(s, str):
        return None
    m = RFC3339_RE.match(s)
    if not m:
        return None
    y, mo, d, h, mi, se = (int(x) for x in m.groups()[:6])
    frac, tz = m.group(7) or "", m.group(8)
    try:
        if not 1 <= mo <= 12 or h > 23 or mi > 59 or se > 59:
            return None
        if not 1 <= d <= calendar.monthrange(y, mo)[1]:
            return None
        off = 0
        if tz != "Z":
            oh, om = int(tz[1:3]), int(tz[4:6])
            if oh > 23 or om > 59:
                return None
            off = (oh * 60 + om) * 60 * (1 if tz[0] == "+" else -1)
        secs = calendar.timegm((y, mo, d, h, mi, se, 0, 0, 0)) - off
        ns = secs * NS + int((frac + "000000000")[:9])
        if format_rfc3339(ns) is None:
            return None
        return ns
    except (ValueError, OverflowError):
        return None


def format_rfc3339(ns):
    """ns since the epoch -> Go RFC3339Nano in UTC, or None."""
    secs, frac = divmod(ns, NS)
    try:
        t = dt.datetime(1970, 1, 1) + dt.timedelta(seconds=secs)
    except OverflowError:
        return None
    if t.year < 1 or t.year > 9999:
        return None
    s = "%04d-%02d-%02dT%02d:%02d:%02d" % (t.year, t.month, t.day, t.hour,
                                            t.minute, t.second)
    if frac:
        s += "." + ("%09d" % frac).rstrip("0")
    return s + "Z"


def parse_csv_ts_ms(v):
    """A CSV timestamp -> integer ms since the epoch, or None."""
    v = v.strip()
    m = CSV_TS_RE.match(v)
    if not m:
        return None
    y, mo, d = int(m.group(1)), int(m.group(2)), int(m.group(3))
    h = int(m.group(4) or 0)
    mi = int(m.group(5) or 0)
    se = int(m.group(6) or 0)
    frac = m.group(7) or ""
    tz = m.group(8)
    try:
        if not 1 <= mo <= 12 or h > 23 or mi > 59 or se > 60:
            return None
        if not 1 <= d <= calendar.monthrange(y, mo)[1]:
            return None
        off = 0
        if tz and tz != "Z":
            t = tz.replace(":", "")
            off = (int(t[1:3]) * 60 + int(t[3:5])) * 60
            if t[0] == "-":
                off = -off
        secs = calendar.timegm((y, mo, d, h, mi, se, 0, 0, 0)) - off
    except (ValueError, OverflowError):
        return None
    return secs * 1000 + int((frac + "000")[:3])


SECRETS = []    # strings never to print


def say(msg):
    """A line on stderr, with the token (if any) blanked out."""
    for sec in SECRETS:
        msg = msg.replace(sec, "[REDACTED]")
    try:
        sys.stderr.write("usage_api double: " + msg)
        sys.stderr.flush()
    except (OSError, ValueError):
        pass


def iso_now():
    t = time.time()
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + \
        ".%03dZ" % int((t % 1) * 1000)


# ---------------------------------------------------------------- data

class Part:
    __slots__ = ("name", "data", "path", "size", "sha256", "rows", "ctype")

    def __init__(self, name, data=None, path=None, size=0, sha=None,
                 rows=None, ctype="application/x-gzip"):
        self.name, self.data, self.path = name, data, path
        self.size, self.sha256, self.rows, self.ctype = size, sha, rows, ctype

    def describe(self):
        if self.sha256 is None:
            h = hashlib.sha256()
            with open(self.path, "rb") as f:
                for b in iter(lambda: f.read(1 << 20), b""):
                    h.update(b)
            self.sha256 = h.hexdigest()
        d = {"name": self.name, "bytes": self.size, "sha256": self.sha256}
        if self.rows is not None:
            d["rows"] = self.rows
        return d


def colkey(name):
    """A column name as matched: trimmed, upper case."""
    return name.strip().upper()


def data_files(d):
    names = sorted(n for n in os.listdir(d)
                   if n.endswith(".csv.gz") or n.endswith(".csv"))
    return [os.path.join(d, n) for n in names
            if os.path.isfile(os.path.join(d, n))]


class Dataset:
    """The rows of the data directory, or its files under --passthrough."""

    def __init__(self, directory, passthrough, parts_per_job):
        self.dir = directory
        self.passthrough = passthrough
        self.k = parts_per_job
        self.cache = {}     # window -> [Event, parts]
        self.lock = threading.Lock()
        self.files = data_files(directory)
        if not passthrough:
            self._load()

    def _load(self):
        csv.field_size_limit(1 << 30)
        loaded = []     # (header, rows)
        for path in self.files:
            if path.endswith(".gz"):
                f = gzip.open(path, "rt", encoding="utf-8-sig", newline="",
                              errors="surrogateescape")
            else:
                f = open(path, "rt", encoding="utf-8-sig", newline="",
                         errors="surrogateescape")
            with f:
                r = csv.reader(f)
                header = next(r, None)
                if header is None:
                    continue
                loaded.append((header, list(r)))
        headers = [h for h, _ in loaded]
        if not headers:
            self.header = list(STANDARD_HEADER)
        elif all(h == headers[0] for h in headers):
            self.header = headers[0]
        else:
            # names compared trimmed and case-insensitively, written in
            # upper case
            self.header = []
            for h in headers:
                for c in h:
                    if colkey(c) not in self.header:
                        self.header.append(colkey(c))
        self.rows = []   # fields in self.header's order
        self.ts = []     # JOB_RUN_STARTED_AT in ms or None
        keys = [colkey(c) for c in self.header]
        hti = keys.index("JOB_RUN_STARTED_AT") \
            if "JOB_RUN_STARTED_AT" in keys else None
        for header, rows in loaded:
            same = header == self.header
            idx = {}
            for i, c in enumerate(header):
                idx.setdefault(colkey(c), i)
            ti = idx.get("JOB_RUN_STARTED_AT")
            order = [idx.get(c) for c in keys]
            for row in rows:
                i = ti
                if not same and len(row) == len(header):
                    row = [row[j] if j is not None else "\\N"
                           for j in order]
                    i = hti
                ts = None
                if i is not None and i < len(row) and \
                        row[i].strip() not in ("\\N", ""):
                    ts = parse_csv_ts_ms(row[i])
                self.rows.append(row)
                self.ts.append(ts)

    def parts_for(self, start_ns, end_ns):
        """The parts of a job with this window, built once per window
        (concurrent callers wait for the one building them)."""
        key = "all" if self.passthrough else \
            (start_ns // 1000000, end_ns // 1000000)
        with self.lock:
            ent = self.cache.get(key)
            build = ent is None
            if build:
                ent = self.cache[key] = [threading.Event(), None]
        if build:
            try:
                ent[1] = self._passthrough() if self.passthrough else \
                    self._build(*key)
            finally:
                ent[0].set()
        else:
            ent[0].wait()
        if ent[1] is None:
            raise RuntimeError("building the parts failed")
        return ent[1]

    def _passthrough(self):
        parts = []
        for i, path in enumerate(self.files):
            gz = path.endswith(".gz")
            name = "part-%03d.csv%s" % (i, ".gz" if gz else "")
            size = os.path.getsize(path)
            data = sha = None
            if size <= BIG_FILE:
                with open(path, "rb") as f:
                    data = f.read()
                size = len(data)
                sha = hashlib.sha256(data).hexdigest()
            parts.append(Part(name, data=data, path=path, size=size,
                              sha=sha, ctype="application/x-gzip" if gz
                              else "text/csv"))
        return parts

    def _build(self, s_ms, e_ms):
        sel = [row for row, t in zip(self.rows, self.ts)
               if t is not None and s_ms <= t <= e_ms]
        n = max(1, min(self.k, len(sel)))
        parts = []
        pos = 0
        for i in range(n):
            cnt = len(sel) // n + (1 if i < len(sel) % n else 0)
            chunk = sel[pos:pos + cnt]
            pos += cnt
            buf = io.StringIO()
            w = csv.writer(buf, quoting=csv.QUOTE_ALL, lineterminator="\n")
            w.writerow(self.header)
            w.writerows(chunk)
            raw = buf.getvalue().encode("utf-8", "surrogateescape")
            data = gzip.compress(raw, compresslevel=6, mtime=0)
            parts.append(Part("part-%03d.csv.gz" % i, data=data,
                              size=len(data),
                              sha=hashlib.sha256(data).hexdigest(),
                              rows=len(chunk)))
        return parts


# ---------------------------------------------------------------- state

def user_of(uid, overrides=None):
    """The user the double answers for uid: (login, name), or None (404)."""
    if not UUID_RE.match(uid):
        return None
    if overrides is not None and uid.lower() in overrides:
        u = overrides[uid.lower()]
        return None if u is None else (u.get("login"), u.get("name"))
    h = hashlib.sha256(("user:" + uid.lower()).encode()).hexdigest()
    if int(h[:2], 16) % 8 == 0:
        return None
    return "dev-" + h[2:8], "Dev " + h[2:6].upper()


class RateLimiter:
    def __init__(self, spec):
        self.off = spec is None
        self.n, self.window = spec if spec else (0, 0)
        self.hits = collections.defaultdict(collections.deque)

    def take(self, key, now):
        """(allowed, retry_after, remaining)."""
        if self.off:
            return True, 0, None
        q = self.hits[key]
        while q and q[0] <= now - self.window:
            q.popleft()
        if len(q) >= self.n:
            wait = q[0] + self.window - now
            return False, max(1, int(math.ceil(wait))), 0
        q.append(now)
        return True, 0, self.n - len(q)


class Job:
    def __init__(self, jid, org, start_ns, end_ns, start, end, faults):
        self.id, self.org = jid, org
        self.start_ns, self.end_ns, self.start, self.end = \
            start_ns, end_ns, start, end
        self.created = time.monotonic()
        self.faults = faults          # subset of stay-created, fail-job
        self.polls = 0
        self.window_creates = 0
        self.parts = None


class Double:
    def __init__(self, a, token):
        self.a = a
        self.token = token
        self.lock = threading.Lock()
        self.secret = secrets.token_bytes(32)
        self.orgs = [o.lower() for o in (a.org or [DEFAULT_ORG])]
        self.forbidden = [o.lower() for o in a.forbidden_org]
        self.data = Dataset(a.data, a.passthrough, a.parts_per_job)
        self.jobs = collections.OrderedDict()
        self.window_creates = collections.Counter()
        self.creates = self.polls = self.downloads = self.api_requests = 0
        self.download_auth_seen = self.download_token_seen = False
        self.user_requests = 0
        self.user_ids = collections.Counter()
        self.user_times = []
        self.users = None
        if a.users:
            with open(a.users, encoding="utf-8") as f:
                self.users = {k.lower(): v for k, v in json.load(f).items()}
        self.user_rl = RateLimiter(a.user_limit)
        self.create_rl = RateLimiter(a.create_limit)
        self.poll_rl = RateLimiter(a.poll_limit)
        self.faults_left = {}
        self.faults_fired = collections.Counter()
        self.slow = None
        self.no_range = False
        for f in a.fault:
            self.arm(f)
        self.logf = open(a.log, "a", encoding="utf-8") if a.log else None
        self.log_lock = threading.Lock()
        self.dl_base = self.dl_other = None

    def arm(self, spec):
        """Arm a fault from NAME[=N]; raises ValueError."""
        name, _, val = spec.partition("=")
        if name == "slow":
            try:
                rate = float(val)
            except ValueError:
                raise ValueError("slow needs =BYTES_PER_SECOND")
            if not rate > 0:
                raise ValueError("slow needs a positive rate")
            self.slow = rate
            return
        if name == "no-range":
            if val:
                raise ValueError("no-range takes no value")
            self.no_range = True
            return
        if name not in COUNT_FAULTS:
            raise ValueError("unknown fault %r" % name)
        if val in ("", None):
            n = 1
        elif val == "always":
            n = math.inf
        else:
            try:
                n = int(val)
            except ValueError:
                raise ValueError("fault %s: N must be an integer or "
                                 "'always'" % name)
            if n < 0:
                raise ValueError("fault %s: N must not be negative" % name)
        with self.lock:
            self.faults_left[name] = self.faults_left.get(name, 0) + n

    def echo_text(self, before="Invalid token", after="provided."):
        """A message echoing the token, per --echo-form and --echo-pad."""
        return "%s %s%s %s" % (before, "x" * self.a.echo_pad,
                               echo_encode(self.token, self.a.echo_form),
                               after)

    def fire(self, name):
        with self.lock:
            left = self.faults_left.get(name, 0)
            if left > 0:
                self.faults_left[name] = left - 1
                self.faults_fired[name] += 1
                return True
            return False

    def now_ns(self):
        if self.a.now_ns is not None:
            return self.a.now_ns
        return time.time_ns()

    def job_state(self, job):
        el = time.monotonic() - job.created
        if "stay-created" in job.faults or el < self.a.processing_after:
            return "created"
        if el < self.a.complete_after:
            return "processing"
        if "fail-job" in job.faults:
            return "failed"
        if job.parts is None:
            job.parts = self.data.parts_for(job.start_ns, job.end_ns)
        return "completed"

    def natural_state(self, job):
        el = time.monotonic() - job.created
        if el < self.a.processing_after:
            return "created"
        if el < self.a.complete_after:
            return "processing"
        return "completed"

    # -- signed URLs

    def sign(self, path, date, expires, cred):
        msg = "%s\n%s\n%s\n%s" % (path, date, expires, cred)
        return hmac.new(self.secret, msg.encode(), hashlib.sha256).hexdigest()

    def signed_query(self, path, date, expires, cred):
        return ("X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=%s"
                "&X-Amz-Date=%s&X-Amz-Expires=%s&X-Amz-SignedHeaders=host"
                "&X-Amz-Signature=%s" %
                (quote(cred, safe=""), date, expires,
                 self.sign(path, date, expires, cred)))

    def mint(self, job, expired, dotdot=False):
        t = time.time()
        ttl = int(self.a.url_ttl)
        if expired:
            t -= ttl + 3600
        date = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(t))
        cred = "ASIADOUBLE%s/%s/us-east-1/s3/aws4_request" % (
            secrets.token_hex(5).upper(), date[:8])
        urls = []
        for p in job.parts:
            path = "/exports/%s/%s" % (job.id, p.name)
            shown = path
            if dotdot:
                path = "/tmp/%s/..%%2F..%%2F%s" % (job.id, p.name)
                shown = "/exports/%s/../../../../../..%s" % (job.id, path)
            urls.append("%s%s?%s" % (self.a.download_base or self.dl_base,
                                     shown,
                                     self.signed_query(path, date, ttl,
                                                       cred)))
        return urls

    def check_signature(self, path, q):
        """None if valid and current, else (code, message)."""
        try:
            date, expires = q["X-Amz-Date"], q["X-Amz-Expires"]
            cred, sig = q["X-Amz-Credential"], q["X-Amz-Signature"]
            alg = q["X-Amz-Algorithm"]
        except KeyError:
            return ("SignatureDoesNotMatch", SIG_MSG)
        good = self.sign(path, date, expires, cred)
        if alg != "AWS4-HMAC-SHA256" or \
                not hmac.compare_digest(good, sig.lower()):
            return ("SignatureDoesNotMatch", SIG_MSG)
        try:
            t0 = calendar.timegm(time.strptime(date, "%Y%m%dT%H%M%SZ"))
            if time.time() > t0 + int(expires):
                return ("AccessDenied", "Request has expired")
        except ValueError:
            return ("SignatureDoesNotMatch", SIG_MSG)
        return None

    # -- inspection

    def state_doc(self):
        with self.lock:
            jobs = list(self.jobs.values())
        out = []
        for j in jobs:
            st = self.job_state(j)
            out.append({
                "id": j.id, "org": j.org, "start": j.start, "end": j.end,
                "state": st, "polls": j.polls,
                "creates_for_this_window": j.window_creates,
                "faults": sorted(j.faults),
                "parts": [p.describe() for p in j.parts]
                if st == "completed" and j.parts is not None else []})
        with self.lock:
            return {
                "jobs": out, "creates": self.creates, "polls": self.polls,
                "downloads": self.downloads,
                "download_auth_seen": self.download_auth_seen,
                "download_token_seen": self.download_token_seen,
                "api_requests": self.api_requests,
                "user_requests": self.user_requests,
                "user_ids": dict(self.user_ids),
                "user_times": list(self.user_times),
                "faults_fired": dict(self.faults_fired),
                "faults_left": {k: ("always" if v == math.inf else v)
                                for k, v in self.faults_left.items()},
                "slow": self.slow, "no_range": self.no_range}

    def log(self, rec):
        if not self.logf:
            return
        line = json.dumps(rec, separators=(",", ":"))
        if self.token in line:
            line = line.replace(self.token, "[REDACTED]")
        with self.log_lock:
            self.logf.write(line + "\n")
            self.logf.flush()


SIG_MSG = ("The request signature we calculated does not match the "
           "signature you provided. Check your key and signing method.")


# ---------------------------------------------------------------- HTTP

class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128
    allow_reuse_address = True

    def __init__(self, addr, handler, double, role):
        self.double = double
        self.role = role    # "api", "download", "download-other"
        super().__init__(addr, handler)

    def server_bind(self):
        # skip HTTPServer's getfqdn(): no name lookups
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name, self.server_port = host, port

    def handle_error(self, request, client_address):
        ex = sys.exc_info()[1]
        if isinstance(ex, (ConnectionError, BrokenPipeError, TimeoutError)):
            return
        say("%s handler error: %r\n" % (self.role, ex))


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "usage-api-double/1"
    sys_version = ""

    # -- plumbing

    def version_string(self):
        return self.server_version

    def log_message(self, *args):
        pass

    def log_request(self, *args):
        pass

    def send_response(self, code, message=None):
        self._status = code
        super().send_response(code, message)

    def begin(self):
        self._status = None
        self._bytes = 0
        self._faults = []
        self._log = True
        self._logged = False

    def finish_request_log(self):
        d = self.server.double
        if not self._log or self._logged:
            return
        self._logged = True
        u = urlsplit(self.path)
        auth = self.auth_names()
        d.log({"ts": iso_now(),
               "server": "api" if self.server.role == "api" else "download",
               "method": self.command, "path": u.path,
               "status": self._status, "auth": auth,
               "range": self.headers.get("Range"), "bytes": self._bytes,
               "fault": ",".join(self._faults) if self._faults else None})

    def auth_names(self):
        names = []
        for h in ("Authorization", "Circle-Token", "Cookie"):
            if self.headers.get(h) is not None:
                names.append(h)
        q = urlsplit(self.path).query
        if any(k.lower() == "circle-token"
               for k, _ in parse_qsl(q, keep_blank_values=True)):
            names.append("circle-token")
        return names

    def read_body(self):
        te = (self.headers.get("Transfer-Encoding") or "").lower()
        if "chunked" in te:
            out = bytearray()
            while True:
                line = self.rfile.readline(65537)
                size = int(line.split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline(65537) not in (b"\r\n", b"\n",
                                                             b""):
                        pass
                    return bytes(out)
                out += self.rfile.read(size)
                self.rfile.readline(65537)
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n > 0 else b""

    def send_body(self, status, body, ctype, headers=()):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD" and body:
            # logged before the body goes out, so that log lines follow the
            # order in which a client saw the answers
            self._bytes += len(body)
            self.finish_request_log()
            self.wfile.write(body)

    def net_fault(self, prefix, status, body, ctype):
        """Serve one of the network faults named PREFIX-*, if one is armed;
        returns True when it did (the connection is then done)."""
        d = self.server.double
        for kind in ("drop", "wrong-length", "short-length", "huge-body",
                     "stall", "trickle", "endless", "huge-length"):
            name = prefix + kind
            if name in COUNT_FAULTS and d.fire(name):
                break
        else:
            return False
        self._faults.append(name)
        self.close_connection = True
        if callable(body):
            body = body()
        if kind == "drop":
            self._status = 0
            self.finish_request_log()
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return True
        if kind in ("endless", "huge-length"):
            self.send_endless(body, ctype, kind == "huge-length")
            return True
        if kind == "huge-body":
            body = b'{"pad":"' + b"x" * (64 << 20) + b'"}'
        length = len(body)
        if kind == "wrong-length":
            length += 1000
        elif kind == "short-length":
            length = max(1, length // 2)
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(length))
        self.end_headers()
        self.finish_request_log()
        try:
            if kind == "stall":
                self.wfile.write(body[:len(body) // 2])
                self.wfile.flush()
                self._bytes += len(body) // 2
                self.connection.settimeout(1)
                t0 = time.monotonic()
                while time.monotonic() - t0 < STALL_MAX:
                    try:
                        if self.connection.recv(4096) == b"":
                            break   # the client gave up
                    except socket.timeout:
                        continue
            elif kind == "trickle":
                for i in range(len(body)):
                    self.wfile.write(body[i:i + 1])
                    self.wfile.flush()
                    self._bytes += 1
                    time.sleep(1.0 / TRICKLE)
            else:
                self.wfile.write(body[:length])
                self._bytes += min(length, len(body))
                self.wfile.flush()
                self.connection.shutdown(socket.SHUT_RDWR)
        except (ConnectionError, BrokenPipeError, TimeoutError, OSError):
            pass
        return True

    def send_endless(self, gz, ctype, declared):
        """A gzip CSV stream that never ends: the header and first row of
        the part GZ (whole, so the Range is ignored), then that row again
        and again, flushed every 64 kB, until the client goes away or
        STALL_MAX seconds pass."""
        if len(gz) < 2 or gz[:2] != b"\x1f\x8b":
            gz = self.part_bytes(self._part, 0, self._part.size)
        lines = gzip.decompress(gz).split(b"\n")
        head, row = lines[0] + b"\n", lines[1] + b"\n"
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        if declared:
            self.send_header("Content-Length", str(1 << 40))
        self.end_headers()
        self.finish_request_log()
        z = zlib.compressobj(6, zlib.DEFLATED, 31)
        chunk = row * max(1, (64 << 10) // len(row))
        t0 = time.monotonic()
        try:
            out = z.compress(head)
            while time.monotonic() - t0 < STALL_MAX:
                out += z.compress(chunk) + z.flush(zlib.Z_SYNC_FLUSH)
                self.wfile.write(out)
                self._bytes += len(out)
                out = b""
        except (ConnectionError, BrokenPipeError, TimeoutError, OSError):
            pass

    def send_json(self, status, obj, headers=()):
        body = json.dumps(obj, separators=(",", ":")).encode()
        self.send_body(status, body, "application/json", headers)

    def error(self, status, msg, headers=()):
        self.send_json(status, {"message": msg}, headers)

    def dispatch(self):
        self.begin()
        try:
            if self.server.role == "api":
                self.api()
            else:
                self.download()
        finally:
            self.finish_request_log()

    do_GET = do_POST = do_HEAD = do_PUT = do_DELETE = do_PATCH = \
        do_OPTIONS = dispatch

    # -- API

    def api(self):
        d = self.server.double
        body = b""
        if self.command in ("POST", "PUT", "PATCH", "DELETE"):
            body = self.read_body()
        u = urlsplit(self.path)
        path = u.path
        if path.startswith("/_double/"):
            self._log = False
            return self.control(path, body)
        with d.lock:
            d.api_requests += 1
        mu = USER_RE.match(path)
        if mu:
            return self.user(u, unquote(mu.group(1)))
        mc, mg = CREATE_RE.match(path), GET_RE.match(path)
        if not mc and not mg:
            return self.error(404, MSG_NOT_FOUND)
        if mc and self.command != "POST":
            return self.error(405, MSG_METHOD, [("Allow", "POST")])
        if mg and self.command != "GET":
            return self.error(405, MSG_METHOD, [("Allow", "GET")])
        with d.lock:
            if mc:
                d.creates += 1
            else:
                d.polls += 1
        if any(k.lower() == "circle-token"
               for k, _ in parse_qsl(u.query, keep_blank_values=True)):
            return self.error(401, MSG_QUERY_TOKEN)
        if not self.authorised():
            return self.error(401, MSG_BAD_TOKEN)
        org = unquote((mc or mg).group(1)).lower()
        if org in d.forbidden:
            return self.error(403, MSG_FORBIDDEN)
        if org not in d.orgs:
            return self.error(404, MSG_NO_ORG)
        if mc:
            return self.create(org, body)
        return self.poll(org, unquote(mg.group(2)))

    def user(self, u, uid):
        """GET /api/v2/user/{id}: counted, authenticated, maybe faulted."""
        d = self.server.double
        if self.command != "GET":
            return self.error(405, MSG_METHOD, [("Allow", "GET")])
        with d.lock:
            d.user_requests += 1
            d.user_ids[uid] += 1
            d.user_times.append(time.monotonic())
        if any(k.lower() == "circle-token"
               for k, _ in parse_qsl(u.query, keep_blank_values=True)):
            return self.error(401, MSG_QUERY_TOKEN)
        if not self.authorised():
            return self.error(401, MSG_BAD_TOKEN)
        if d.fire("user-429"):
            return self.injected_429("user-429", d.user_rl)
        if d.fire("user-500"):
            self._faults.append("user-500")
            return self.error(500, MSG_500)
        if self.limited(d.user_rl, "token", "user") is None:
            return
        found = user_of(uid, d.users)
        if found is None:
            return self.error(404, MSG_NO_USER)
        login, name = found
        return self.send_json(200, {"id": uid, "login": login,
                                    "name": name})

    def authorised(self):
        tok = self.server.double.token
        ct = self.headers.get("Circle-Token")
        if ct is not None and hmac.compare_digest(ct.strip().encode(),
                                                  tok.encode()):
            return True
        au = self.headers.get("Authorization")
        if au and au[:6].lower() == "basic ":
            try:
                dec = base64.b64decode(au[6:].strip(), validate=True)
            except ValueError:
                return False
            return hmac.compare_digest(dec, tok.encode() + b":")
        return False

    def rate_headers(self, rl, remaining):
        if rl.off:
            return []
        return [("X-RateLimit-Limit", str(rl.n)),
                ("X-RateLimit-Remaining", str(remaining))]

    def limited(self, rl, org, kind):
        """Take a rate-limit slot; answer 429 and return None if none."""
        ok, retry, remaining = rl.take((org, kind), time.monotonic())
        if ok:
            return self.rate_headers(rl, remaining)
        self.error(429, MSG_RATE, [("Retry-After", str(retry)),
                                   ("X-RateLimit-Limit", str(rl.n)),
                                   ("X-RateLimit-Remaining", "0"),
                                   ("X-RateLimit-Reset", str(retry))])
        return None

    def injected_429(self, name, rl):
        ra = str(max(0, int(math.ceil(self.server.double.a.retry_after))))
        self._faults.append(name)
        hdr = [("Retry-After", ra), ("X-RateLimit-Remaining", "0"),
               ("X-RateLimit-Reset", ra)]
        if not rl.off:
            hdr.insert(1, ("X-RateLimit-Limit", str(rl.n)))
        self.error(429, MSG_RATE, hdr)

    def create(self, org, body):
        d = self.server.double
        if d.fire("create-429"):
            return self.injected_429("create-429", d.create_rl)
        if d.fire("create-500"):
            self._faults.append("create-500")
            return self.error(500, MSG_500)
        if d.fire("esc-message"):
            self._faults.append("esc-message")
            return self.error(400, MSG_ESC)
        for st in (400, 401, 429, 500):
            if d.fire("echo-%d" % st):
                self._faults.append("echo-%d" % st)
                ra = str(max(0, int(math.ceil(d.a.retry_after))))
                return self.error(st, d.echo_text(), [("Retry-After", ra)]
                                  if st == 429 else [])
        if d.fire("echo-body"):
            self._faults.append("echo-body")
            return self.send_body(400, ("<html><body><h1>400</h1><p>%s</p>"
                                        "</body></html>" % d.echo_text(
                                            "token", "refused")).encode(),
                                  "text/html")
        rh = self.limited(d.create_rl, org, "create")
        if rh is None:
            return
        # 1. JSON
        try:
            doc = json.loads(body.decode("utf-8"), object_pairs_hook=Pairs,
                             parse_constant=_bad_constant)
        except (ValueError, UnicodeDecodeError, RecursionError):
            return self.error(400, MSG_MALFORMED, rh)
        if not isinstance(doc, Pairs):
            return self.error(400, MSG_MALFORMED, rh)
        # 2. unknown key
        for k, _ in doc:
            if k not in ("start", "end", "shared_org_ids"):
                return self.error(400, MSG_UNEXPECTED, rh)
        fields = dict(doc)
        # 3. formats
        start_ns = end_ns = None
        for k in ("start", "end"):
            v = fields.get(k)
            if v is None:
                continue
            ns = parse_rfc3339(v)
            if ns is None:
                return self.error(400, MSG_MALFORMED, rh)
            if k == "start":
                start_ns = ns
            else:
                end_ns = ns
        shared = fields.get("shared_org_ids")
        if shared is not None:
            if not isinstance(shared, list) or not all(
                    isinstance(x, str) and UUID_RE.match(x)
                    for x in shared):
                return self.error(400, MSG_MALFORMED, rh)
        # 4. required
        if start_ns is None or end_ns is None:
            return self.error(400, MSG_MALFORMED, rh)
        # 5..8
        now = d.now_ns()
        if end_ns < start_ns:
            return self.error(400, MSG_END_BEFORE, rh)
        if start_ns < now - MAX_AGE_NS:
            return self.error(400, MSG_TOO_OLD, rh)
        if start_ns > now or end_ns > now:
            return self.error(400, MSG_FUTURE, rh)
        if end_ns - start_ns > MAX_WINDOW_NS:
            return self.error(400, MSG_TOO_WIDE, rh)
        faults = set()
        for f in ("stay-created", "fail-job", "echo-reason"):
            if d.fire(f):
                faults.add(f)
                self._faults.append(f)
        if "echo-reason" in faults:
            faults.add("fail-job")
        start, end = format_rfc3339(start_ns), format_rfc3339(end_ns)
        job = Job(str(uuid.uuid4()), org, start_ns, end_ns, start, end,
                  faults)
        with d.lock:
            key = (org, start, end)
            d.window_creates[key] += 1
            job.window_creates = d.window_creates[key]
            d.jobs[job.id] = job
        if "fail-job" not in faults:
            # build the parts now, not in the poll that sees completed
            threading.Thread(target=d.data.parts_for,
                             args=(start_ns, end_ns), daemon=True).start()
        self.send_json(201, {"usage_export_job_id": job.id,
                             "state": "created", "start": start,
                             "end": end, "download_urls": None}, rh)

    def poll(self, org, jid):
        d = self.server.double
        if d.fire("poll-429"):
            return self.injected_429("poll-429", d.poll_rl)
        if d.fire("poll-500"):
            self._faults.append("poll-500")
            return self.error(500, MSG_500)
        if self.net_fault("api-", 200, json.dumps(
                {"usage_export_job_id": jid, "state": "processing",
                 "download_urls": None}).encode(), "application/json"):
            return
        if d.fire("garbage-json"):
            self._faults.append("garbage-json")
            return self.send_body(200, b'{"usage_export_job_id": "',
                                  "application/json")
        rh = self.limited(d.poll_rl, org, "poll")
        if rh is None:
            return
        with d.lock:
            job = d.jobs.get(jid.lower())
        if job is None or job.org != org:
            return self.error(404, MSG_NO_JOB, rh)
        with d.lock:
            job.polls += 1
        st = d.job_state(job)
        natural = d.natural_state(job)
        if st != natural or (st == "failed"):
            self._faults.extend(sorted(job.faults))
        doc = {"usage_export_job_id": job.id, "state": st,
               "download_urls": None}
        if d.fire("echo-state"):
            self._faults.append("echo-state")
            doc["state"] = echo_encode(d.token, d.a.echo_form)
            return self.send_json(200, doc, rh)
        if st == "failed":
            doc["error_reason"] = (d.echo_text("the token", "is refused")
                                   if "echo-reason" in job.faults else
                                   FAIL_REASON)
        elif st == "completed":
            if d.fire("null-urls"):
                self._faults.append("null-urls")
            elif d.fire("missing-urls"):
                self._faults.append("missing-urls")
                del doc["download_urls"]
            else:
                expired = d.fire("expire")
                if expired:
                    self._faults.append("expire")
                dotdot = d.fire("dotdot-urls")
                if dotdot:
                    self._faults.append("dotdot-urls")
                doc["download_urls"] = d.mint(job, expired, dotdot)
        self.send_json(200, doc, rh)

    def control(self, path, body):
        d = self.server.double
        if path == "/_double/state" and self.command in ("GET", "HEAD"):
            return self.send_json(200, d.state_doc())
        if path == "/_double/fault" and self.command == "POST":
            try:
                spec = json.loads(body.decode("utf-8"))["fault"]
                d.arm(spec)
            except (ValueError, KeyError, TypeError, UnicodeDecodeError) \
                    as e:
                return self.error(400, "bad fault: %s" % e)
            return self.send_json(200, d.state_doc())
        return self.error(404, MSG_NOT_FOUND)

    # -- downloads

    def xml_error(self, status, code, msg, headers=()):
        body = ('<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>%s'
                '</Code><Message>%s</Message><RequestId>%s</RequestId>'
                '<HostId>double</HostId></Error>' %
                (code, msg, secrets.token_hex(8).upper())).encode()
        self.send_body(status, body, "application/xml", headers)

    def download(self):
        d = self.server.double
        if self.command in ("POST", "PUT", "PATCH", "DELETE"):
            self.read_body()
        with d.lock:
            d.downloads += 1
        auth = self.auth_names()
        tok = d.token
        blob = self.requestline + "\n" + "\n".join(
            "%s: %s" % (k, v) for k, v in self.headers.items())
        token_seen = tok in blob or tok in unquote(blob)
        if auth or token_seen:
            with d.lock:
                if auth:
                    d.download_auth_seen = True
                if token_seen:
                    d.download_token_seen = True
            say("download request carried credentials: %s%s\n" % (
                ", ".join(auth) or "-",
                " (the API token itself)" if token_seen else ""))
            if d.a.strict_download_auth:
                return self.xml_error(
                    400, "InvalidArgument", "Only one auth mechanism "
                    "allowed; only the X-Amz-Algorithm query parameter, "
                    "Signature query string parameter or the Authorization "
                    "header should be specified")
        if self.command not in ("GET", "HEAD"):
            return self.xml_error(405, "MethodNotAllowed", "The specified "
                                  "method is not allowed against this "
                                  "resource.", [("Allow", "GET, HEAD")])
        u = urlsplit(self.path)
        q = dict(parse_qsl(u.query, keep_blank_values=True))
        bad = d.check_signature(u.path, q)
        if bad:
            return self.xml_error(403, bad[0], bad[1])
        m = DL_RE.match(u.path) or DOTDOT_RE.match(u.path)
        part = job = None
        if m:
            with d.lock:
                job = d.jobs.get(m.group(1))
            if job is not None and job.parts is not None:
                for p in job.parts:
                    if p.name == m.group(3):
                        part = p
        if part is None:
            return self.xml_error(404, "NoSuchKey", "The specified key does "
                                  "not exist.")
        head = self.command == "HEAD"
        redirected = m.group(2) is not None
        if not head and self.server.role == "download" and not redirected:
            target = None
            if d.fire("redirect"):
                self._faults.append("redirect")
                path = "/exports/%s/redirected/%s" % (job.id, part.name)
                target = d.dl_base + path
            elif d.fire("redirect-other-host"):
                self._faults.append("redirect-other-host")
                path = u.path
                target = d.dl_other + path
            elif d.fire("redirect-scheme"):
                self._faults.append("redirect-scheme")
                return self.send_body(302, b"", "application/xml",
                                      [("Location", "file:///etc/passwd")])
            if target:
                loc = target + "?" + d.signed_query(
                    path, q["X-Amz-Date"], q["X-Amz-Expires"],
                    q["X-Amz-Credential"])
                return self.send_body(302, b"", "application/xml",
                                      [("Location", loc)])
        size = part.size
        start, count, status = 0, size, 200
        rng = self.headers.get("Range")
        extra = [("Accept-Ranges", "bytes")]
        if rng is not None and d.no_range:
            self._faults.append("no-range")
        elif rng is not None:
            mr = re.fullmatch(r"\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*", rng,
                              re.ASCII)
            if mr and (mr.group(1) or mr.group(2)):
                a, b = mr.group(1), mr.group(2)
                if a:
                    first = int(a)
                    last = int(b) if b else size - 1
                    if first >= size:
                        return self.xml_error(
                            416, "InvalidRange", "The requested range is "
                            "not satisfiable",
                            [("Content-Range", "bytes */%d" % size)])
                    if last >= first:
                        last = min(last, size - 1)
                        start, count, status = first, last - first + 1, 206
                else:
                    k = int(b)
                    if k == 0 or size == 0:
                        return self.xml_error(
                            416, "InvalidRange", "The requested range is "
                            "not satisfiable",
                            [("Content-Range", "bytes */%d" % size)])
                    start = max(0, size - k)
                    count, status = size - start, 206
            if status == 206:
                extra.append(("Content-Range", "bytes %d-%d/%d" %
                              (start, start + count - 1, size)))
        self._part = part
        if not head and self.net_fault("dl-", status, lambda: self.part_bytes(
                part, start, count), part.ctype):
            return
        self.send_response(status)
        self.send_header("Content-Type", part.ctype)
        self.send_header("Content-Length", str(count))
        for k, v in extra:
            self.send_header(k, v)
        self.end_headers()
        if head:
            return
        mode = None
        if d.fire("truncate"):
            mode = "truncate"
        elif d.fire("reset"):
            mode = "reset"
        if mode:
            self._faults.append(mode)
        if d.slow:
            self._faults.append("slow")
        send = count if mode is None else count // 2
        try:
            self.send_bytes(part, start, send, d.slow)
        except (ConnectionError, BrokenPipeError, TimeoutError, OSError):
            self.close_connection = True
            return
        if mode == "truncate":
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        elif mode == "reset":
            self.close_connection = True
            time.sleep(0.05)
            try:
                self.connection.setsockopt(socket.SOL_SOCKET,
                                           socket.SO_LINGER,
                                           struct.pack("ii", 1, 0))
                self.connection.close()
            except OSError:
                pass

    def part_bytes(self, part, start, count):
        if part.data is not None:
            return bytes(part.data[start:start + count])
        with open(part.path, "rb") as f:
            f.seek(start)
            return f.read(count)

    def send_bytes(self, part, start, count, rate):
        if count <= 0:
            return
        if part.data is not None and rate is None:
            self.wfile.write(memoryview(part.data)[start:start + count])
            self._bytes += count
            return
        if part.data is None and rate is None:
            with open(part.path, "rb") as f:
                off, left = start, count
                while left > 0:
                    n = self.connection.sendfile(f, off, left)
                    if n == 0:
                        raise ConnectionError("short sendfile")
                    off += n
                    left -= n
                    self._bytes += n
            return
        chunk = max(1, min(65536, int(rate / 20)))
        f = None if part.data is not None else open(part.path, "rb")
        try:
            if f:
                f.seek(start)
            t0 = time.monotonic()
            sent = 0
            while sent < count:
                n = min(chunk, count - sent)
                if f:
                    b = f.read(n)
                else:
                    b = part.data[start + sent:start + sent + n]
                if not b:
                    raise ConnectionError("file shrank")
                self.wfile.write(b)
                sent += len(b)
                self._bytes += len(b)
                wait = t0 + sent / rate - time.monotonic()
                if wait > 0:
                    time.sleep(wait)
        finally:
            if f:
                f.close()


class Pairs(list):
    """A JSON object as its (key, value) pairs in document order."""


def _bad_constant(name):
    raise ValueError("constant %s" % name)


# ---------------------------------------------------------------- main

def parse_limit(s):
    if s.strip().lower() == "off":
        return None
    try:
        n, _, w = s.partition("/")
        n, w = int(n), float(w)
    except ValueError:
        raise argparse.ArgumentTypeError("expected N/SECONDS or off")
    if n < 0 or w <= 0:
        raise argparse.ArgumentTypeError("expected N >= 0, SECONDS > 0")
    return (n, w)


def parse_args(argv):
    ap = argparse.ArgumentParser(
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", required=True, metavar="DIR")
    ap.add_argument("--token-file", required=True, metavar="FILE")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--download-port", type=int, default=0)
    ap.add_argument("--download-base", metavar="URL")
    ap.add_argument("--ready-file", metavar="FILE")
    ap.add_argument("--log", metavar="FILE")
    ap.add_argument("--org", action="append", default=[], metavar="UUID")
    ap.add_argument("--forbidden-org", action="append", default=[],
                    metavar="UUID")
    ap.add_argument("--now", metavar="RFC3339")
    ap.add_argument("--processing-after", type=float, default=0.2,
                    metavar="SEC")
    ap.add_argument("--complete-after", type=float, default=0.5,
                    metavar="SEC")
    ap.add_argument("--url-ttl", type=float, default=129600, metavar="SEC")
    ap.add_argument("--parts-per-job", type=int, default=3, metavar="K")
    ap.add_argument("--passthrough", action="store_true")
    ap.add_argument("--create-limit", type=parse_limit,
                    default=(10, 3600.0), metavar="N/SECONDS")
    ap.add_argument("--poll-limit", type=parse_limit, default=(10, 60.0),
                    metavar="N/SECONDS")
    ap.add_argument("--user-limit", type=parse_limit, default=None,
                    metavar="N/SECONDS")
    ap.add_argument("--users", metavar="FILE")
    ap.add_argument("--retry-after", type=float, default=1, metavar="SEC")
    ap.add_argument("--strict-download-auth", action="store_true")
    ap.add_argument("--echo-form", choices=ECHO_FORMS, default="raw")
    ap.add_argument("--echo-pad", type=int, default=0, metavar="N")
    ap.add_argument("--fault", action="append", default=[],
                    metavar="NAME[=N]")
    a = ap.parse_args(argv)
    a.now_ns = None
    if a.now is None and os.environ.get("CIRCLECI_USAGE_NOW"):
        a.now = os.environ["CIRCLECI_USAGE_NOW"]
    if a.now is not None:
        # a date alone is its midnight, as the tool reads it
        if re.fullmatch(r"\d{4}-\d\d-\d\d", a.now):
            a.now += "T00:00:00Z"
        a.now_ns = parse_rfc3339(a.now)
        if a.now_ns is None:
            ap.error("--now (or CIRCLECI_USAGE_NOW): expected an RFC 3339 "
                     "date-time")
    if a.parts_per_job < 1:
        ap.error("--parts-per-job must be at least 1")
    for o in a.org + a.forbidden_org:
        if not UUID_RE.match(o):
            ap.error("not a UUID: %r" % o)
    if not os.path.isdir(a.data):
        ap.error("--data: not a directory: %s" % a.data)
    return a, ap


def write_ready(path, doc):
    tmp = "%s.tmp.%d" % (path, os.getpid())
    with open(tmp, "w") as f:
        json.dump(doc, f)
        f.write("\n")
    os.replace(tmp, path)


def main(argv=None):
    a, ap = parse_args(argv)
    try:
        with open(a.token_file, encoding="utf-8") as f:
            token = f.read().rstrip("\r\n")
    except OSError as e:
        ap.error("--token-file: %s" % e.strerror)
    if not token:
        ap.error("--token-file: empty token")
    SECRETS.append(token)
    try:
        double = Double(a, token)
    except ValueError as e:
        ap.error(str(e))
    api = Server(("127.0.0.1", a.port), Handler, double, "api")
    dl = Server(("127.0.0.2", a.download_port), Handler, double, "download")
    try:
        other = Server(("127.0.0.3", dl.server_port), Handler, double,
                       "download-other")
    except OSError:
        other = Server(("127.0.0.3", 0), Handler, double, "download-other")
    double.dl_base = "http://127.0.0.2:%d" % dl.server_port
    double.dl_other = "http://127.0.0.3:%d" % other.server_port
    threads = []
    for s in (api, dl, other):
        t = threading.Thread(target=s.serve_forever, kwargs={
            "poll_interval": 0.1}, daemon=True)
        t.start()
        threads.append(t)
    stop = threading.Event()

    def on_signal(signum, frame):
        stop.set()
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    info = {"api_url": "http://127.0.0.1:%d/api/v2" % api.server_port,
            "download_base": double.dl_base,
            "download_base_other": double.dl_other,
            "pid": os.getpid(), "org_id": double.orgs[0],
            "orgs": double.orgs}
    if a.ready_file:
        write_ready(a.ready_file, info)
    say("api %s, downloads %s and %s, pid %d\n" % (
        info["api_url"], double.dl_base, double.dl_other, os.getpid()))
    while not stop.wait(0.1):
        pass
    for s in (api, dl, other):
        s.shutdown()
        s.server_close()
    if double.logf:
        double.logf.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
