#!/usr/bin/python3
"""metrics.py --bin BIN [--quick]: the Prometheus side of issue 19 end to
end, with the real programs from Debian.

  * `report --format openmetrics` and `-o FILE.prom` (by project, by two
    keys, with --top, on an export with hostile names: quotes,
    backslashes, newlines, CR, UTF-8, formulas): every file is accepted by
    `promtool check metrics` (package prometheus: the Prometheus text
    parser that node_exporter's textfile collector uses, and its linter)
    with nothing to say, and parsed by client_python's strict OpenMetrics
    parser (package python3-prometheus-client); no series twice; every
    value equals, to the last digit, the generator's truth or an
    independent re-sum (`report --format csv` of the same keys), the
    failing credits the generator's failures truth; label values are the
    names, cleaned as doc/metrics.md says;
  * a failing `report -o X.prom` leaves the old file as it was;
  * `run` writes usage.prom beside its reports and lists it in run.json;
  * with --budgets (and --db), the budgets and anomalies: `report
    --format openmetrics --db --budgets`, `notify pushgateway --dry-run`
    and run's usage.prom carry, per budget, the amount, spent and
    projected credits, the used and projected ratios and a status gauge
    per status, equal to `budget --at D --format csv` (D the day after
    the period) to the last digit, and per anomaly its score and excess
    equal to `anomalies --at D --format csv`'s; promtool accepts them;
  * `notify pushgateway` against a real prometheus-pushgateway started
    here (as nobody, on 127.0.0.1, no persistence file): the values read
    back from its /metrics equal the file's, under the job and org
    grouping labels (an org with a '/' goes base64); a second push
    replaces the first (a project gone from it is gone); --dry-run prints
    the text and pushes nothing; a gateway that is down ends with exit 6.

This file is run with Debian's /usr/bin/python3 (for prometheus_client).
Prints `PASS name` / `FAIL name: reason` and `N passed, M failed`.
"""

import csv
import io
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from decimal import Decimal, ROUND_HALF_UP

import pinnow  # noqa: F401  (the pinned now, in the environment)
import scratch  # keeps files and outputs for run.sh's secrets scan
import tally

HERE = os.path.dirname(os.path.abspath(__file__))
GEN = os.path.join(HERE, "..", "gen", "genexport.py")
ENV = dict(os.environ, LC_ALL="C")
PROMTOOL = "/usr/bin/promtool"
PUSHGATEWAY = "/usr/bin/prometheus-pushgateway"
KINDS = ["compute", "dlc", "user", "storage", "network", "lease",
         "lease_overage", "ipranges"]
WASTE = {"failed", "canceled", "timedout", "infrastructure_fail"}


def run(binary, *args, check=True, env=None):
    r = subprocess.run([binary] + list(args), capture_output=True,
                       timeout=300, env=env or ENV)
    if check and r.returncode != 0:
        raise RuntimeError("%s: exit %d: %s" % (" ".join(args), r.returncode,
                                                r.stderr.decode()[:400]))
    return r


def clean(s):
    """A name as a label value shows it (mset_clean_value): bytes that are
    not UTF-8 and controls other than tab and LF become U+FFFD."""
    if isinstance(s, str):
        s = s.encode("utf-8", "surrogateescape")
    out = s.decode("utf-8", "replace")
    return "".join("\ufffd" if (ord(c) < 0x20 and c not in "\t\n") or
                   c == "\x7f" else c for c in out)


def om_parse(text):
    """client_python's OpenMetrics parser: {(name, labels): value}, or an
    exception; duplicates are an error here."""
    from prometheus_client.openmetrics.parser import \
        text_string_to_metric_families
    seen = {}
    for fam in text_string_to_metric_families(text):
        if fam.type != "gauge":
            raise ValueError("%s: type %s" % (fam.name, fam.type))
        for s in fam.samples:
            key = (s.name, tuple(sorted(s.labels.items())))
            if key in seen:
                raise ValueError("series twice: %r" % (key,))
            seen[key] = s.value
    return seen


def raw_values(text):
    """{(name, labels): Decimal} from the text itself, the exact decimals
    as written (client_python gives floats)."""
    from prometheus_client.parser import _parse_labels
    out = {}
    for line in text.split("\n"):
        if not line or line.startswith("#"):
            continue
        m = re.match(r"([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})? (\S+)$", line)
        if m is None:
            raise ValueError("bad line %r" % line[:100])
        labels = _parse_labels(m.group(2)[1:-1]) if m.group(2) else {}
        out[(m.group(1), tuple(sorted(labels.items())))] = \
            Decimal(m.group(3))
    return out


def promtool(path):
    with open(path, "rb") as f:
        r = subprocess.run([PROMTOOL, "check", "metrics"], stdin=f,
                           capture_output=True, timeout=60)
    out = (r.stdout + r.stderr).decode("utf-8", "replace").strip()
    return [] if r.returncode == 0 and out == "" else \
        ["promtool check metrics %s: exit %d: %s" %
         (os.path.basename(path), r.returncode, out[:300])]


def check_file(path):
    """promtool, the OpenMetrics parser, # EOF last; the exact values."""
    errs = promtool(path)
    text = open(path, encoding="utf-8").read()
    try:
        om_parse(text)
    except Exception as e:  # noqa: BLE001
        errs.append("OpenMetrics parser: %r" % e)
    if not text.endswith("# EOF\n"):
        errs.append("%s does not end with # EOF" % path)
    return errs, raw_values(text)


def series(vals, name, **labels):
    return vals.get(("circleci_usage_" + name,
                     tuple(sorted(labels.items()))))


def csv_rows(binary, *args):
    out = run(binary, "report", "--format", "csv", *args).stdout.decode()
    return list(csv.DictReader(io.StringIO(out)))


def check_against(vals, rows, keys, errs):
    """Every row of `report --format csv` against the metrics."""
    n = 0
    for r in rows:
        lab = {k: clean(r[k]) for k in keys}
        want = {"total_credits": Decimal(r["total_credits"]),
                "jobs": Decimal(r["jobs"]),
                "cost_usd": Decimal(r["cost_usd"])}
        for kind in KINDS:
            got = series(vals, "credits", kind=kind, **lab)
            if got != Decimal(r[kind + "_credits"]):
                errs.append("%s %s: %s, report %s" % (lab, kind, got,
                                                      r[kind + "_credits"]))
        for name, v in want.items():
            got = series(vals, name, **lab)
            if got != v:
                errs.append("%s %s: %s, report %s" % (lab, name, got, v))
        got = series(vals, "run_seconds", **lab)
        if got is None or got.quantize(Decimal(1), ROUND_HALF_UP) != \
                Decimal(r["run_seconds"]):
            errs.append("%s run_seconds: %s, report %s" %
                        (lab, got, r["run_seconds"]))
        n += 1
    count = sum(1 for k in vals if k[0] == "circleci_usage_total_credits")
    if count != n:
        errs.append("%d total_credits series, %d rows" % (count, n))


def part_files(suite, binary, tmp, quick):
    exp = os.path.join(tmp, "exp")
    truth = os.path.join(tmp, "truth.json")
    ftruth = os.path.join(tmp, "ftruth.json")
    subprocess.run([sys.executable, GEN, "-o", exp, "--rows",
                    "1500" if quick else "6000", "--parts", "2",
                    "--tricky-names", "--truth", truth,
                    "--failures-truth", ftruth], check=True,
                   capture_output=True)
    t = json.load(open(truth))
    ft = json.load(open(ftruth))

    # by project, against the generator's truth, to the last digit
    p1 = os.path.join(tmp, "by-project.prom")
    run(binary, "report", "-o", p1, exp)
    errs, vals = check_file(p1)
    for r in t["by"]["project"]:
        lab = {"project": clean(r["project"])}
        for kind in KINDS:
            if series(vals, "credits", kind=kind, **lab) != \
                    Decimal(r[kind + "_credits"]):
                errs.append("%s %s" % (lab, kind))
        for name in ("total_credits", "cost_usd", "jobs"):
            if series(vals, name, **lab) != Decimal(str(r[name])):
                errs.append("%s %s: %s, truth %s" % (
                    lab, name, series(vals, name, **lab), r[name]))
        # exact in the metrics; the truth, as the report, whole seconds
        secs = series(vals, "run_seconds", **lab)
        if secs is None or secs.quantize(Decimal(1), ROUND_HALF_UP) != \
                Decimal(r["run_seconds"]):
            errs.append("%s run_seconds: %s, truth %s" % (
                lab, secs, r["run_seconds"]))
    # the failing credits: the failures truth summed by project
    waste = {}
    for r in ft["rows"]:
        k = clean(r["project"])
        c, n = waste.get(k, (Decimal(0), 0))
        waste[k] = (c + Decimal(r["wasted_credits"]), n + r["wasted_runs"])
    for k, (c, n) in waste.items():
        if series(vals, "failed_credits", project=k) != c or \
                series(vals, "failed_jobs", project=k) != n:
            errs.append("%r failed: %s/%s, truth %s/%s" % (
                k, series(vals, "failed_credits", project=k),
                series(vals, "failed_jobs", project=k), c, n))
    total = sum(v for (n, _), v in vals.items()
                if n == "circleci_usage_total_credits")
    if total != Decimal(t["totals"]["total_credits"]):
        errs.append("sum %s, truth %s" % (total,
                                          t["totals"]["total_credits"]))
    info = [k for k in vals if k[0] == "circleci_usage_report_info"]
    if len(info) != 1 or ("since", t["first_date"]) not in info[0][1] or \
            ("until", t["last_date"]) not in info[0][1]:
        errs.append("info %r" % info)
    if not any("\\\"" in line or "\\\\" in line or "\\n" in line
               for line in open(p1, encoding="utf-8")):
        errs.append("no escaped label value: the names were not hostile")
    suite.check("openmetrics by project equals the truth", errs)

    # two keys, and --top with its (other) row, against report's CSV
    for name, args, keys in (
            ("by-two.prom", ["--by", "project,resource_class"],
             ["project", "resource_class"]),
            ("top.prom", ["--top", "4"], ["project"]),
            ("job.prom", ["--by", "job", "--top", "20"],
             ["project", "workflow", "job"])):
        p = os.path.join(tmp, name)
        run(binary, "report", "--format", "openmetrics", "-o", p, *args,
            exp)
        errs, vals = check_file(p)
        check_against(vals, csv_rows(binary, *args, exp), keys, errs)
        if "--top" in args and series(
                vals, "total_credits",
                **{k: "(other)" for k in keys}) is None:
            errs.append("no (other) row")
        fsum = sum(v for (n, _), v in vals.items()
                   if n == "circleci_usage_failed_credits")
        if fsum != sum(c for c, _ in waste.values()):
            errs.append("failed credits sum %s" % fsum)
        suite.check("openmetrics %s equals report's csv" % name, errs)

    # stdout, and a failure that keeps the old file
    out = run(binary, "report", "--format", "openmetrics", exp).stdout
    errs = []
    if out != open(p1, "rb").read():
        errs.append("stdout differs from -o's file")
    before = open(p1, "rb").read()
    r = run(binary, "report", "-o", p1, os.path.join(tmp, "nothing.csv"),
            check=False)
    if r.returncode != 3 or open(p1, "rb").read() != before:
        errs.append("a failed report changed the file (exit %d)" %
                    r.returncode)
    if [f for f in os.listdir(tmp) if f.startswith("by-project.prom.")]:
        errs.append("a temporary file was left")
    r = run(binary, "report", "--format", "openmetrics", "--title", "x",
            exp, check=False)
    if r.returncode != 2:
        errs.append("--title with openmetrics: exit %d" % r.returncode)
    suite.check("openmetrics output is all or nothing", errs)


def part_run(suite, binary, tmp, quick):
    exp = os.path.join(tmp, "exp-run")
    subprocess.run([sys.executable, GEN, "-o", exp, "--rows", "800",
                    "--parts", "1", "--tricky-names"], check=True,
                   capture_output=True)
    R = os.path.join(tmp, "R")
    run(binary, "run", "--from", exp, "-o", R)
    p = os.path.join(R, "usage.prom")
    errs = []
    if not os.path.exists(p):
        suite.check("run writes usage.prom", ["no usage.prom"])
        return
    errs, vals = check_file(p)
    if "usage.prom" not in json.load(open(os.path.join(R, "run.json")))[
            "files"]:
        errs.append("run.json does not list usage.prom")
    check_against(vals, list(csv.DictReader(open(
        os.path.join(R, "by-project.csv"), encoding="utf-8",
        newline=""))), ["project"], errs)
    suite.check("run writes usage.prom, equal to by-project.csv", errs)


BUDGETS = """budgets:
  - name: org-weekly
    scope: org
    period: week
    credits: 3000000
    thresholds: [50, 75, 90, 100]
  - name: "a \\"quoted\\" monthly"
    project: "*a*"
    period: month
    usd: 1800
  - name: xlarge-week
    by: {resource_class: "*xlarge*"}
    period: week
    credits: 1000
"""


def judged(vals):
    """{budget: {metric: Decimal or labels}} and {(day, project, kind):
    {score, excess}} from the values of a file."""
    budgets, anomalies = {}, {}
    for (name, labels), v in vals.items():
        d = dict(labels)
        if name.startswith("circleci_usage_budget_"):
            b = budgets.setdefault(d["budget"], {})
            b["period"], b["scope"] = d["period"], d["scope"]
            short = name[len("circleci_usage_budget_"):]
            if short == "status":
                b.setdefault("status", {})[d["status"]] = v
            else:
                b[short] = v
        elif name.startswith("circleci_usage_anomaly_"):
            a = anomalies.setdefault((d["day"], d["project"], d["kind"]),
                                     {})
            a[name[len("circleci_usage_anomaly_"):]] = v
    return budgets, anomalies


def check_judged(vals, brows, arows, errs, where):
    """The budgets and anomalies of vals against `budget` and `anomalies`
    CSV rows."""
    budgets, anomalies = judged(vals)
    if sorted(budgets) != sorted(clean(r["budget"]) for r in brows):
        errs.append("%s: budgets %s, want %s" % (
            where, sorted(budgets), [r["budget"] for r in brows]))
    for r in brows:
        b = budgets.get(clean(r["budget"]), {})
        want = {"amount_credits": Decimal(r["amount_credits"]),
                "spent_credits": Decimal(r["spent_credits"]),
                "projected_credits": Decimal(r["projected_credits"]),
                "used_ratio": Decimal(r["used_pct"]) / 100,
                "projected_ratio": Decimal(r["projected_pct"]) / 100,
                "period": r["period"], "scope": clean(r["scope"]),
                "status": {s: Decimal(1 if s == r["status"] else 0)
                           for s in ("ok", "warning", "projected_over",
                                     "over")}}
        for k, v in want.items():
            if b.get(k) != v:
                errs.append("%s: budget %r %s = %r, budget says %r" % (
                    where, r["budget"], k, b.get(k), v))
    want = {}
    for r in arows:
        a = {"excess_credits": Decimal(r["excess_credits"])}
        if r["score"]:
            a["score"] = Decimal(r["score"])
        want[(r["day"], clean(r["project"]), r["kind"])] = a
    if anomalies != want:
        errs.append("%s: anomalies %d, anomalies says %d; differ: %r" % (
            where, len(anomalies), len(want),
            [k for k in set(anomalies) | set(want)
             if anomalies.get(k) != want.get(k)][:2]))
    if not arows or not brows:
        errs.append("%s: nothing to compare (%d budgets, %d anomalies)" % (
            where, len(brows), len(arows)))


def unsafe(rows):
    """Rows as --csv-safe wrote them (run's files), the quote that guards
    a formula taken off again."""
    for r in rows:
        for k, v in r.items():
            if v and len(v) > 1 and v[0] == "'" and v[1] in "=+-@\t\r":
                r[k] = v[1:]
    return rows


def tool_csv(binary, *args):
    out = run(binary, *args).stdout.decode()
    return list(csv.DictReader(io.StringIO(out)))


def part_judged(suite, binary, tmp, quick):
    exp = os.path.join(tmp, "exp-judged")
    subprocess.run([sys.executable, GEN, "-o", exp, "--rows", "4000",
                    "--parts", "1", "--tricky-names", "--start",
                    "2026-10-01", "--days", "45", "--spike",
                    "ios-widgets:2026-11-11:6"], check=True,
                   capture_output=True)
    db = os.path.join(tmp, "judged.db")
    bf = os.path.join(tmp, "budgets.yml")
    with open(bf, "w") as f:
        f.write(BUDGETS)
    run(binary, "ingest", "--db", db, exp)
    # the period ends on a Thursday: D, the Friday, is in the same week
    # and month, so `budget --at D` judges the same periods as closing
    since, until, D = "2026-11-06", "2026-11-12", "2026-11-13"
    brows = tool_csv(binary, "budget", "--db", db, "--at", D, "--budgets",
                     bf, "--format", "csv")
    arows = tool_csv(binary, "anomalies", "--db", db, "--at", D,
                     "--format", "csv")
    prom = os.path.join(tmp, "judged.prom")
    run(binary, "report", "--db", db, "--since", since, "--until", until,
        "--budgets", bf, "-o", prom)
    errs, vals = check_file(prom)
    check_judged(vals, brows, arows, errs, "report")
    suite.check("report --format openmetrics --db --budgets: budgets and "
                "anomalies equal budget/anomalies --at D, promtool "
                "accepts", errs)

    errs = []
    r = run(binary, "notify", "pushgateway", "--dry-run", "--db", db,
            "--since", since, "--until", until, "--budgets", bf)
    p2 = os.path.join(tmp, "judged-push.prom")
    with open(p2, "wb") as f:
        f.write(r.stdout)
    errs, v2 = check_file(p2)
    check_judged(v2, brows, arows, errs, "pushgateway")
    # CIRCLECI_USAGE_BUDGETS stands for --budgets, as for notify slack
    r_env = run(binary, "notify", "pushgateway", "--dry-run", "--db", db,
                "--since", since, "--until", until,
                env=dict(ENV, CIRCLECI_USAGE_BUDGETS=bf))
    if r_env.stdout != r.stdout:
        errs.append("CIRCLECI_USAGE_BUDGETS: other metrics than --budgets")
    r = run(binary, "report", "--budgets", bf, exp, check=False)
    if r.returncode != 2 or b"openmetrics" not in r.stderr:
        errs.append("report --budgets without openmetrics: exit %d" %
                    r.returncode)
    suite.check("notify pushgateway --db --budgets (or "
                "CIRCLECI_USAGE_BUDGETS): the same budgets and anomalies; "
                "--budgets without openmetrics refused", errs)

    R = os.path.join(tmp, "R-judged")
    run(binary, "run", "--from", exp, "--db", db, "--budgets", bf, "-o", R)
    errs, v3 = check_file(os.path.join(R, "usage.prom"))
    check_judged(v3, unsafe(list(csv.DictReader(open(
        os.path.join(R, "budgets.csv"), encoding="utf-8", newline="")))),
        unsafe(list(csv.DictReader(open(os.path.join(R, "anomalies.csv"),
                                        encoding="utf-8", newline="")))),
        errs, "run")
    suite.check("run --db --budgets: usage.prom's budgets and anomalies "
                "equal budgets.csv and anomalies.csv", errs)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fetch(url):
    with urllib.request.urlopen(url, timeout=10) as r:
        return r.read().decode("utf-8")


def start_gateway(tmp):
    """The Debian prometheus-pushgateway as nobody on 127.0.0.1, metrics
    in memory only; returns (process, base URL)."""
    port = free_port()
    log = open(os.path.join(tmp, "pushgateway.log"), "wb")
    cmd = [PUSHGATEWAY, "--web.listen-address=127.0.0.1:%d" % port,
           "--persistence.file="]
    if os.getuid() == 0:
        cmd = ["setpriv", "--reuid=nobody", "--regid=nogroup",
               "--clear-groups"] + cmd
    p = subprocess.Popen(cmd, stdout=log, stderr=log)
    base = "http://127.0.0.1:%d" % port
    for _ in range(100):
        try:
            fetch(base + "/-/ready")
            return p, base
        except OSError:
            time.sleep(0.1)
    p.kill()
    raise RuntimeError("the pushgateway did not start")


def with_org(src, dst, org, drop=None):
    """A copy of a plain CSV export, every row of organization `org`,
    without the project `drop`."""
    os.makedirs(dst, exist_ok=True)
    for f in sorted(os.listdir(src)):
        with open(os.path.join(src, f), newline="", encoding="utf-8") as i:
            rows = list(csv.DictReader(i))
        with open(os.path.join(dst, f), "w", newline="",
                  encoding="utf-8") as o:
            w = csv.DictWriter(o, fieldnames=list(rows[0].keys()))
            w.writeheader()
            for r in rows:
                if r["PROJECT_NAME"] == drop:
                    continue
                r["ORGANIZATION_NAME"] = org
                w.writerow(r)


def group(vals, job, org):
    """The gateway's series of one group, without its grouping labels."""
    out = {}
    for (name, labels), v in vals.items():
        d = dict(labels)
        if not name.startswith("circleci_usage_") or \
                d.pop("job", None) != job or d.pop("org", None) != org:
            continue
        d.pop("instance", None)
        if name == "circleci_usage_report_info":
            d["org"] = org
        out[(name, tuple(sorted(d.items())))] = v
    return out


def part_pushgateway(suite, binary, tmp, quick):
    gen = os.path.join(tmp, "exp-plain")
    subprocess.run([sys.executable, GEN, "-o", gen, "--rows", "1500",
                    "--parts", "1", "--plain"], check=True,
                   capture_output=True)
    org = "acme/eu \"ops\""
    first = os.path.join(tmp, "push1")
    with_org(gen, first, org)
    rows = csv_rows(binary, first)
    gone = rows[-1]["project"]
    second = os.path.join(tmp, "push2")
    with_org(gen, second, org, drop=gone)
    gw, base = start_gateway(tmp)
    try:
        errs = []
        r = run(binary, "notify", "pushgateway", "--url", base, first,
                check=False)
        if r.returncode != 0:
            errs.append("exit %d: %s" % (r.returncode, r.stderr.decode()))
        want = raw_values(run(binary, "report", "--format", "openmetrics",
                              first).stdout.decode())
        got = group(raw_values(fetch(base + "/metrics")), "circleci_usage",
                    org)
        if got != want:
            errs.append("gateway %d series, file %d; differ: %s" % (
                len(got), len(want), sorted(set(got.items()) ^
                                            set(want.items()))[:3]))
        if series(got, "total_credits", project=gone) is None:
            errs.append("%r not pushed" % gone)
        suite.check("pushgateway holds the report's values exactly", errs)

        errs = []
        run(binary, "notify", "pushgateway", "--url", base + "/", second)
        want = raw_values(run(binary, "report", "--format", "openmetrics",
                              second).stdout.decode())
        got = group(raw_values(fetch(base + "/metrics")), "circleci_usage",
                    org)
        if got != want:
            errs.append("second push: %d series, file %d" % (len(got),
                                                             len(want)))
        if series(got, "total_credits", project=gone) is not None:
            errs.append("%r still there after the second push" % gone)
        # another job is a group of its own, kept apart
        run(binary, "notify", "pushgateway", "--url", base, "--job",
            "usage/other", first)
        all_ = raw_values(fetch(base + "/metrics"))
        if series(group(all_, "usage/other", org), "total_credits",
                  project=gone) is None or \
                group(all_, "circleci_usage", org) != want:
            errs.append("--job usage/other is not a group of its own")
        suite.check("a second push replaces the first; --job groups", errs)

        errs = []
        dry = run(binary, "notify", "pushgateway", "--dry-run", first)
        if dry.stdout != run(binary, "report", "--format", "openmetrics",
                             first).stdout:
            errs.append("--dry-run prints other text than report")
        r = run(binary, "notify", "pushgateway", "--url",
                "http://127.0.0.1:%d" % free_port(), "--timeout", "2s",
                first, check=False)
        if r.returncode != 6 or b"Pushgateway" not in r.stderr:
            errs.append("gateway down: exit %d: %s" % (
                r.returncode, r.stderr.decode()[-200:]))
        for args, why in ((["--url", "http://example.com"], "plain http"),
                          (["--url", "https://u:p@example.com"], "user"),
                          (["--alert", "jobs > 1", "--dry-run"], "slack"),
                          ([], "no --url")):
            r = run(binary, "notify", "pushgateway", *args, first,
                    check=False)
            if r.returncode != 2:
                errs.append("%s: exit %d" % (why, r.returncode))
            if b"u:p" in r.stderr:
                errs.append("the user information was printed")
        suite.check("pushgateway: --dry-run, errors", errs)

        # exports with a manifest: the group is the org ID, so a week
        # whose organization names differ (here: one project kept, so
        # fewer names) replaces the last push instead of adding a group
        errs = []
        exp = os.path.join(tmp, "exp-manifest")
        subprocess.run([sys.executable, GEN, "-o", exp, "--rows", "1500",
                        "--parts", "1", "--start", "2026-11-23", "--days",
                        "7"], check=True, capture_output=True)
        org_id = "5b1f0c2e-7a3d-4e8f-9c61-0d2a4b6e8f10"
        start, end = "2026-11-23T00:00:00Z", "2026-11-29T23:59:59Z"
        with open(os.path.join(exp, "manifest.json"), "w") as f:
            json.dump({"version": 1, "org_id": org_id, "start": start,
                       "end": end, "complete": True,
                       "windows": [{"start": start, "end": end, "files":
                                    [{"path": n, "done": True}
                                     for n in sorted(os.listdir(exp))
                                     if n.endswith(".csv.gz")]}]}, f)
        proj = csv_rows(binary, exp)[0]["project"]
        for args in ([exp], ["--project", proj, exp]):
            r = run(binary, "notify", "pushgateway", "--url", base,
                    "--job", "weekly", *args, check=False)
            if r.returncode != 0:
                errs.append("exit %d: %s" % (r.returncode,
                                             r.stderr.decode()[-200:]))
        all_ = raw_values(fetch(base + "/metrics"))
        orgs = {dict(lab).get("org") for (name, lab) in all_
                if name == "circleci_usage_total_credits" and
                dict(lab).get("job") == "weekly"}
        if orgs != {org_id}:
            errs.append("groups of job weekly: %s, want {%s}" % (orgs,
                                                                org_id))
        projects = {dict(lab).get("project") for (name, lab) in all_
                    if name == "circleci_usage_total_credits" and
                    dict(lab).get("job") == "weekly"}
        if projects != {proj}:
            errs.append("after the second push: %s" % sorted(projects)[:5])
        suite.check("pushgateway: exports group by the org ID, so the next "
                    "week replaces the last whatever its org names", errs)
    finally:
        gw.terminate()
        gw.wait(timeout=10)


def part_rundir_budgets(suite, binary, tmp, quick):
    """A run directory's budgets look back over both its weeks, as notify
    slack and `budget` over both exports judge them (they were judged
    from the current week alone)."""
    cur, prev = os.path.join(tmp, "rd-cur"), os.path.join(tmp, "rd-prev")
    for out, start, seed in ((cur, "2026-11-26", "7"),
                             (prev, "2026-11-19", "3")):
        subprocess.run([sys.executable, GEN, "-o", out, "--rows", "3000",
                        "--parts", "1", "--start", start, "--days", "7",
                        "--seed", seed], check=True, capture_output=True)
    bf = os.path.join(tmp, "rd-budgets.yml")
    with open(bf, "w") as f:
        f.write("budgets:\n"
                "  - {name: w, scope: org, period: week, credits: 100000}\n"
                "  - {name: m, scope: org, period: month, credits: 900000}"
                "\n")
    R = os.path.join(tmp, "rd-R")
    run(binary, "run", "--from", cur, "--previous-from", prev, "-o", R,
        "--quiet")
    errs = []
    want = {r["budget"]: Decimal(r["projected_pct"]) / 100 for r in
            tool_csv(binary, "budget", "--at", "2026-12-03", "--budgets",
                     bf, "--format", "csv", cur, prev)}
    for target in ("pushgateway", "datadog"):
        r = run(binary, "notify", target, "--dry-run", "--budgets", bf, R)
        text = r.stdout.decode()
        for name, v in want.items():
            if target == "pushgateway":
                line = ('circleci_usage_budget_projected_ratio{budget="%s",'
                        % name)
                got = [Decimal(x.rsplit(" ", 1)[1]) for x in
                       text.splitlines() if x.startswith(line)]
            else:
                got = [Decimal(str(sr["points"][0]["value"]))
                       for x in text.splitlines() if x.strip()
                       for sr in json.loads(x)["series"]
                       if sr["metric"] ==
                       "circleci_usage.budget_projected_ratio" and
                       "budget:%s" % name in sr["tags"]]
            if got != [v]:
                errs.append("%s %s: %s, budget over both weeks %s" % (
                    target, name, got, v))
    suite.check("notify pushgateway and datadog on a run directory: the "
                "budgets over both its weeks, as budget judges them", errs)


def parts():
    return [part_files, part_run, part_judged, part_pushgateway,
            part_rundir_budgets]


if __name__ == "__main__":
    sys.exit(tally.main("metrics", parts()))
