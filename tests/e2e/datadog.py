#!/usr/bin/python3
"""datadog.py --bin BIN [--quick]: `notify datadog` end to end against
tests/double/datadog_api.py, the Datadog metrics intake written from
tests/double/datadog.md (the contract, with its sources).

  * --dry-run needs no key, prints one payload per line, and its series
    are the report's: for each metric and tag set, the value equals the
    sum of `report --format openmetrics`'s exact decimals whose labels
    normalize to it (Datadog holds doubles: equal as the nearest double);
    with --db and --budgets, the budgets and anomalies too; names with
    quotes, newlines, UTF-8, formulas normalize to valid tags;
  * sent with a small --batch-bytes: several POSTs, each within it and
    accepted by the double's schema, tag and size checks, together holding
    every series once, timestamps the pinned now, --tags on every series;
  * a 429 (Retry-After) then a 500 are retried to success; 403 ends with
    exit 4, 413 with exit 5; a 307 to another loopback server is not
    followed (exit 8) and that server sees nothing;
  * the key comes from DD_API_KEY or --api-key-file, never argv: while
    the tool runs, no process's command line holds it (the double looks
    in /proc at each request); it is in no stdout, stderr or file the
    runs leave, and in no answer (the double never quotes requests);
  * no key (without --dry-run): exit 2, nothing sent; plain http to a
    host off loopback: refused before sending (exit 2); DD_SITE makes
    https://api.SITE, which this namespace cannot reach (exit 6), and
    the double sees nothing; a bad DD_SITE or --tags: exit 2.

Prints `PASS name` / `FAIL name: reason` and `N passed, M failed`.
Python 3 standard library only.
"""

import json
import os
import re
import subprocess
import sys
import time
from decimal import Decimal

import pinnow
import scratch  # noqa: F401  (keeps outputs for run.sh's secrets scan)
import tally

HERE = os.path.dirname(os.path.abspath(__file__))
GEN = os.path.join(HERE, "..", "gen", "genexport.py")
DOUBLE = os.path.join(HERE, "..", "double", "datadog_api.py")
KEY = "ddk3y0fth3t3st5u1t3f00dcafe1234"
NOW = int(pinnow.NOW.replace(tzinfo=__import__("datetime").timezone.utc)
          .timestamp())
BASE_ENV = {k: v for k, v in os.environ.items()
            if k not in ("DD_API_KEY", "DD_SITE")}
BASE_ENV["LC_ALL"] = "C"
BUDGETS = """budgets:
  - name: org-weekly
    scope: org
    period: week
    credits: 3000000
  - name: "Mobile \\"Q\\" monthly"
    project: "*a*"
    period: month
    usd: 1800
"""


def tool(binary, *args, env=None, check=True, timeout=120):
    r = subprocess.run([binary] + list(args), capture_output=True,
                       env=env or BASE_ENV, timeout=timeout)
    if check and r.returncode != 0:
        raise RuntimeError("%s: exit %d: %s" % (" ".join(args[:3]),
                                                r.returncode,
                                                r.stderr.decode()[:300]))
    return r


class Double:
    def __init__(self, tmp, name, script=""):
        self.log = os.path.join(tmp, name + ".log")
        pf = os.path.join(tmp, name + ".port")
        env = dict(BASE_ENV, DD_DOUBLE_KEY=KEY)
        self.p = subprocess.Popen([sys.executable, DOUBLE, "--port-file", pf,
                                   "--log", self.log, "--script", script],
                                  env=env, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL)
        for _ in range(200):
            if os.path.exists(pf):
                break
            time.sleep(0.05)
        self.url = "http://127.0.0.1:%s" % open(pf).read()

    def requests(self):
        with open(self.log, encoding="utf-8") as f:
            return [json.loads(line) for line in f if line.strip()]

    def stop(self):
        self.p.terminate()
        self.p.wait(timeout=10)


def tag_clean(s):
    """datadog.h's normalization of a tag's text."""
    out = []
    for c in s:
        c = c.lower() if "A" <= c <= "Z" else c
        out.append(c if re.match(r"[a-z0-9_\-:./]\Z", c) else "_")
    return "".join(out)


def om_values(text):
    """[(name, [(label, value)], Decimal)] from OpenMetrics text: the
    exact decimals as written, labels unescaped, in order."""
    out = []
    for line in text.split("\n"):
        if not line or line.startswith("#"):
            continue
        m = re.match(r"([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$", line)
        labels = []
        if m.group(2):
            for lm in re.finditer(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|'
                                  r'\\.)*)"', m.group(2)):
                v = re.sub(r"\\(.)", lambda x: "\n" if x.group(1) == "n"
                           else x.group(1), lm.group(2))
                labels.append((lm.group(1), v))
        out.append((m.group(1), labels, Decimal(m.group(3))))
    return out


def want_series(prom_text, extra_tags=()):
    """{(metric, tags): Decimal}: the report's samples as Datadog series,
    summed where the tags normalize to the same."""
    want = {}
    for name, labels, v in om_values(prom_text):
        metric = name.replace("circleci_usage_", "circleci_usage.", 1)
        tags = tuple(tag_clean("%s:%s" % (k, val))[:200]
                     for k, val in labels) + tuple(extra_tags)
        want[(metric, tags)] = want.get((metric, tags), Decimal(0)) + v
    return want


def got_series(bodies, errs, where):
    """{(metric, tags): value} of payloads; a series twice is an error."""
    got = {}
    for b in bodies:
        for s in b["series"]:
            k = (s["metric"], tuple(s["tags"]))
            if k in got:
                errs.append("%s: series twice: %r" % (where, k))
            if s.get("type") != 3 or len(s["points"]) != 1:
                errs.append("%s: %r: type %r, %d points" % (
                    where, k, s.get("type"), len(s["points"])))
            p = s["points"][0]
            if p["timestamp"] != NOW:
                errs.append("%s: timestamp %r, want the pinned %d" % (
                    where, p["timestamp"], NOW))
            got[k] = p["value"]
    return got


def compare(got, want, errs, where):
    if set(got) != set(want):
        errs.append("%s: %d series, want %d; e.g. extra %r, missing %r" % (
            where, len(got), len(want), sorted(set(got) - set(want))[:1],
            sorted(set(want) - set(got))[:1]))
    bad = [(k, got[k], str(want[k])) for k in set(got) & set(want)
           if float(got[k]) != float(want[k])]
    if bad:
        errs.append("%s: %d values differ from the report's, e.g. %r" % (
            where, len(bad), bad[:2]))


def setup(tmp):
    exp = os.path.join(tmp, "exp")
    subprocess.run([sys.executable, GEN, "-o", exp, "--rows", "3000",
                    "--parts", "1", "--tricky-names", "--start",
                    "2026-10-01", "--days", "45", "--spike",
                    "ios-widgets:2026-11-11:6"], check=True,
                   capture_output=True)
    bf = os.path.join(tmp, "budgets.yml")
    with open(bf, "w") as f:
        f.write(BUDGETS)
    return exp, bf


def part_dry_run(suite, binary, tmp, quick):
    exp, bf = setup(tmp)
    db = os.path.join(tmp, "h.db")
    tool(binary, "ingest", "--db", db, exp)
    errs = []
    r = tool(binary, "notify", "datadog", "--dry-run", exp)
    bodies = [json.loads(line) for line in r.stdout.decode().splitlines()]
    prom = tool(binary, "report", "--format", "openmetrics", exp).stdout
    compare(got_series(bodies, errs, "exports"),
            want_series(prom.decode()), errs, "exports")
    if len(bodies) != 1:
        errs.append("%d payloads for a small report" % len(bodies))
    args = ("--db", db, "--since", "2026-11-06", "--until", "2026-11-12",
            "--budgets", bf)
    r = tool(binary, "notify", "datadog", "--dry-run", *args)
    bodies = [json.loads(line) for line in r.stdout.decode().splitlines()]
    prom = tool(binary, "report", "--format", "openmetrics", *args).stdout
    got = got_series(bodies, errs, "--db --budgets")
    compare(got, want_series(prom.decode()), errs, "--db --budgets")
    metrics = {m for m, _ in got}
    for m in ("circleci_usage.budget_used_ratio",
              "circleci_usage.anomaly_excess_credits",
              "circleci_usage.failed_credits"):
        if m not in metrics:
            errs.append("no %s" % m)
    if not any("budget:mobile__q__monthly" in t for _, t in got):
        errs.append("the budget's name not normalized as a tag")
    suite.check("--dry-run: no key needed; every series the report's "
                "(exports; --db --budgets: budgets, anomalies), values "
                "exact, tags normalized", errs)


def send(binary, d, tmp, *args, env=None, timeout=120):
    e = dict(BASE_ENV, DD_API_KEY=KEY) if env is None else env
    return tool(binary, "notify", "datadog", "--api-url", d.url,
                "--timeout", "60s", *args, env=e, check=False,
                timeout=timeout)


def no_key(r, errs, where):
    for name, data in (("stdout", r.stdout), ("stderr", r.stderr)):
        if KEY.encode() in data:
            errs.append("%s: the key on %s" % (where, name))


def part_send(suite, binary, tmp, quick):
    exp, bf = setup(tmp)
    prom = tool(binary, "report", "--format", "openmetrics", exp).stdout
    want = want_series(prom.decode(), ("env:test", "team:platform"))
    d = Double(tmp, "batches")
    try:
        errs = []
        r = send(binary, d, tmp, "--batch-bytes", "4000", "--tags",
                 "env:test,team:platform", exp)
        if r.returncode != 0:
            errs.append("exit %d: %s" % (r.returncode, r.stderr[-300:]))
        no_key(r, errs, "batches")
        reqs = d.requests()
        if len(reqs) < 3:
            errs.append("%d requests: want several batches" % len(reqs))
        for q in reqs:
            if q["status"] != 202:
                errs.append("answered %d: %s" % (q["status"], q["error"]))
            if q["size"] > 4000:
                errs.append("a payload of %d bytes" % q["size"])
            if not q["key_ok"] or q["key_in_argv"]:
                errs.append("key_ok %s, key in argv %s" % (
                    q["key_ok"], q["key_in_argv"]))
            if q["content_type"] != "application/json":
                errs.append("content type %r" % q["content_type"])
        compare(got_series([q["body"] for q in reqs if q["body"]], errs,
                           "sent"), want, errs, "sent")
        suite.check("batches within --batch-bytes 4000, every series once, "
                    "values the report's, --tags, the pinned timestamp, the "
                    "key in the header only (never in argv)", errs)
    finally:
        d.stop()

    errs = []
    kf = os.path.join(tmp, "dd.key")
    with open(kf, "w") as f:
        f.write(KEY + "\n")
    os.chmod(kf, 0o600)
    d = Double(tmp, "retries", "429:1,500")
    try:
        t0 = time.time()
        r = send(binary, d, tmp, "--api-key-file", kf, exp, env=BASE_ENV)
        reqs = d.requests()
        if r.returncode != 0:
            errs.append("exit %d: %s" % (r.returncode, r.stderr[-300:]))
        if [q["status"] for q in reqs] != [429, 500, 202]:
            errs.append("answers %r" % [q["status"] for q in reqs])
        if len(reqs) >= 2 and reqs[1]["time"] - reqs[0]["time"] < 0.9:
            errs.append("retried %.2f s after a 429 with Retry-After: 1" %
                        (reqs[1]["time"] - reqs[0]["time"]))
        if time.time() - t0 > 30:
            errs.append("took %.0f s" % (time.time() - t0))
        no_key(r, errs, "retries")
        suite.check("429 (Retry-After) then 500 retried to 202; the key "
                    "from --api-key-file", errs)
    finally:
        d.stop()

    errs = []
    for script, code in (("403", 4), ("413", 5), ("400", 5)):
        d = Double(tmp, "answer%s" % script, script)
        try:
            r = send(binary, d, tmp, exp)
            if r.returncode != code:
                errs.append("%s: exit %d, want %d" % (script, r.returncode,
                                                      code))
            if b"Datadog" not in r.stderr:
                errs.append("%s: message %r" % (script, r.stderr[-200:]))
            no_key(r, errs, script)
        finally:
            d.stop()
    trap = Double(tmp, "trap")
    d = Double(tmp, "redirect", "307:%s/api/v2/series" % trap.url)
    try:
        r = send(binary, d, tmp, exp)
        if r.returncode != 8:
            errs.append("307: exit %d, want 8" % r.returncode)
        if trap.requests():
            errs.append("the redirect was followed")
        no_key(r, errs, "307")
    finally:
        d.stop()
        trap.stop()
    suite.check("403: exit 4; 413 and 400: exit 5; a 307 not followed "
                "(exit 8), the other server sees nothing", errs)


def part_refusals(suite, binary, tmp, quick):
    exp, bf = setup(tmp)
    d = Double(tmp, "refusals")
    errs = []
    try:
        r = send(binary, d, tmp, exp, env=BASE_ENV)
        if r.returncode != 2 or b"DD_API_KEY" not in r.stderr:
            errs.append("no key: exit %d %r" % (r.returncode, r.stderr))
        r = tool(binary, "notify", "datadog", "--api-url",
                 "http://192.0.2.1", exp, env=dict(BASE_ENV,
                                                    DD_API_KEY=KEY),
                 check=False)
        if r.returncode != 2:
            errs.append("http off loopback: exit %d" % r.returncode)
        no_key(r, errs, "http off loopback")
        r = tool(binary, "notify", "datadog", "--timeout", "3s", exp,
                 env=dict(BASE_ENV, DD_API_KEY=KEY, DD_SITE="datadoghq.eu"),
                 check=False, timeout=60)
        if r.returncode != 6 or b"api.datadoghq.eu" not in r.stderr:
            errs.append("DD_SITE=datadoghq.eu: exit %d %r" % (
                r.returncode, r.stderr[-200:]))
        no_key(r, errs, "DD_SITE")
        # a site Datadog does not publish: the key would go to that host
        for site in ("evil.com/x?", "evil.example", "datadoghq.com.evil.io"):
            r = tool(binary, "notify", "datadog", exp, env=dict(
                BASE_ENV, DD_API_KEY=KEY, DD_SITE=site), check=False)
            if r.returncode != 2 or b"DD_SITE" not in r.stderr:
                errs.append("DD_SITE=%s: exit %d" % (site, r.returncode))
            no_key(r, errs, "DD_SITE=" + site)
        for tags in ("Env:Prod", "1x:y", "novalue", "a:b c"):
            r = send(binary, d, tmp, "--tags", tags, exp)
            if r.returncode != 2 or b"--tags" not in r.stderr:
                errs.append("--tags %s: exit %d" % (tags, r.returncode))
        for n in ("1023", "512001"):
            r = send(binary, d, tmp, "--batch-bytes", n, exp)
            if r.returncode != 2:
                errs.append("--batch-bytes %s: exit %d" % (n, r.returncode))
        r = send(binary, d, tmp, "--url", "http://127.0.0.1:1", exp)
        if r.returncode != 2:
            errs.append("--url (pushgateway's): exit %d" % r.returncode)
        if d.requests():
            errs.append("%d requests reached the double" %
                        len(d.requests()))
        for root, _, files in os.walk(tmp):
            for f in files:
                p = os.path.join(root, f)
                if p.endswith(".key"):
                    continue
                with open(p, "rb") as fh:
                    if KEY.encode() in fh.read():
                        errs.append("the key in %s" % p)
    finally:
        d.stop()
    suite.check("refused before sending: no key (exit 2), http off "
                "loopback, bad DD_SITE, --tags, --batch-bytes, --url; "
                "DD_SITE's https host unreachable here (exit 6); the key "
                "in no file", errs)


def parts():
    return [part_dry_run, part_send, part_refusals]


if __name__ == "__main__":
    sys.exit(tally.main("datadog", parts()))
