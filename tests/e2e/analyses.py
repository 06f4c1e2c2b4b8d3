#!/usr/bin/env python3
"""analyses.py --bin BIN [--quick]: `failures` and `rightsize` end to end.

On exports from tests/gen/genexport.py:
  * failures (JSON) equals the generator's ground truth exactly: the same
    rows in the same order (most wasted credits first), runs, wasted runs,
    wasted credits, failure rate, share of all credits and cost; totals;
    --top keeps the first rows and the totals; --waste-statuses; CSV,
    table and markdown; -o by extension, atomic; usage errors exit 2;
  * the HTML page's failing-jobs table shows the same numbers, and
    html --rightsize's section rightsize's rows;
  * rightsize on jobs whose utilization was set on purpose
    (--rightsize-cases): `over` groups get the next smaller class of the
    same executor and the savings the README's formula gives (checked
    against report's compute credits), `under` groups are flagged, the
    medians equal the values set; --min-runs leaves out smaller groups and
    counts them; runs without utilization are left out and counted (meta
    and stderr), also when parts lack the columns; --threads 1 gives the
    same bytes; --rates overrides the table; a bad rates file names
    file:line and exits 3.

Prints `PASS name` / `FAIL name: reason` per check and a last line
`N passed, M failed`; exits 1 if any check failed.
"""

import csv
import io
import json
import os
import re
import subprocess
import sys
from decimal import Decimal, ROUND_HALF_UP
from html import unescape as html_unescape

import scratch  # keeps files and outputs for run.sh's secrets scan
import tally

HERE = os.path.dirname(os.path.abspath(__file__))
GEN = os.path.join(HERE, "..", "gen", "genexport.py")
RATES = os.path.join(HERE, "..", "..", "data", "resource-classes.tsv")
CENT = Decimal("0.01")


def run(binary, *args, check=True):
    r = subprocess.run([binary] + list(args), capture_output=True,
                       timeout=300)
    if check and r.returncode != 0:
        raise RuntimeError("%s: exit %d: %s" % (" ".join(args[:2]),
                           r.returncode, r.stderr.decode()[-300:]))
    return r


def pct(part, whole):
    if whole == 0:
        return Decimal("0.00")
    return (Decimal(part) * 100 / Decimal(whole)).quantize(
        CENT, rounding=ROUND_HALF_UP)


def load_rates(path):
    rates = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line or line.startswith("#"):
                continue
            ex, rc, rate, nxt = line.split("\t")[:4]
            rates[(ex, rc)] = (None if rate == "-" else Decimal(rate),
                               None if nxt == "-" else nxt)
    return rates


RETRY_COLS = ["retried_runs", "retry_credits", "retry_usd"]


def failures_checks(suite, binary, T, quick):
    gen = os.path.join(T, "f")
    truth_path = os.path.join(T, "f.json")
    subprocess.run([sys.executable, GEN, "-o", gen, "--rows",
                    "3000" if quick else "20000", "--seed", "7",
                    "--job-reruns", "--failures-truth", truth_path],
                   check=True,
                   capture_output=True)
    with open(truth_path) as f:
        truth = json.load(f)
    total = Decimal(truth["total_credits"])
    price = Decimal("0.0006")

    doc = json.loads(run(binary, "failures", "--format", "json",
                         gen).stdout, parse_float=Decimal)
    all_waste = sum(Decimal(r["wasted_credits"]) for r in truth["rows"])

    def expect(want, keys):
        wc = Decimal(want["wasted_credits"])
        exp = dict((k, want[k]) for k in keys)
        exp.update({"runs": want["runs"], "wasted_runs": want["wasted_runs"],
                    "failure_rate_pct": pct(want["wasted_runs"],
                                            want["runs"]),
                    "wasted_credits": wc,
                    "wasted_usd": (wc * price).quantize(CENT, ROUND_HALF_UP),
                    "waste_share_pct": pct(wc, all_waste),
                    "own_waste_pct": pct(wc, Decimal(want["credits"])),
                    "retried_runs": want["retried_runs"],
                    "retry_credits": Decimal(want["retry_credits"]),
                    "retry_usd": (Decimal(want["retry_credits"]) *
                                  price).quantize(CENT, ROUND_HALF_UP)})
        return exp

    def compare_rows(doc, want_rows, keys, what):
        errors = []
        if len(doc["rows"]) != len(want_rows):
            errors.append("%d rows, truth %d" % (len(doc["rows"]),
                                                 len(want_rows)))
        for got, want in zip(doc["rows"], want_rows):
            for k, v in expect(want, keys).items():
                if got.get(k) != v:
                    errors.append("%s %s: %r, truth %r" % (
                        "/".join(str(want[x]) for x in keys), k, got.get(k),
                        v))
        suite.check(what, errors)

    compare_rows(doc, truth["rows"], ("project", "workflow", "job"),
                 "failures equal the generator's truth, row by row")

    # --by project and --by job_name: the truth's rows summed
    for by, keyf in (("project", lambda r: r["project"]),
                     ("job_name", lambda r: r["job"])):
        groups = {}
        for r in truth["rows"]:
            g = groups.setdefault(keyf(r), {by: keyf(r), "runs": 0,
                                            "wasted_runs": 0,
                                            "wasted_credits": Decimal(0),
                                            "credits": Decimal(0),
                                            "retried_runs": 0,
                                            "retry_credits": Decimal(0)})
            g["retried_runs"] += r["retried_runs"]
            g["retry_credits"] += Decimal(r["retry_credits"])
            g["runs"] += r["runs"]
            g["wasted_runs"] += r["wasted_runs"]
            g["wasted_credits"] += Decimal(r["wasted_credits"])
            g["credits"] += Decimal(r["credits"])
        want_rows = sorted(groups.values(), key=lambda g: (
            -g["wasted_credits"], -g["wasted_runs"], g[by]))
        got = json.loads(run(binary, "failures", "--by", by, "--format",
                             "json", gen).stdout, parse_float=Decimal)
        compare_rows(got, want_rows, (by,),
                     "failures --by %s equals the truth's rows summed" % by)

    # the same answers from the history database, but the retry cost:
    # the history keeps no pipeline id or start time, so its three
    # columns are empty there, with a notice
    db = os.path.join(T, "f.db")
    run(binary, "ingest", "--quiet", "--db", db, gen)
    errors = []
    for by in ("job", "project", "job_name"):
        a = run(binary, "failures", "--by", by, "--format", "csv",
                gen).stdout.decode()
        rb = run(binary, "failures", "--by", by, "--format", "csv", "--db",
                 db)
        b = rb.stdout.decode()
        ra = list(csv.reader(io.StringIO(a)))
        rb_rows = list(csv.reader(io.StringIO(b)))
        if ra[0] != rb_rows[0] or ra[0][-3:] != RETRY_COLS:
            errors.append("--by %s: headers %r, %r" % (by, ra[0],
                                                      rb_rows[0]))
        if [x[:-3] for x in ra] != [x[:-3] for x in rb_rows]:
            errors.append("--by %s differs" % by)
        if any(x[-3:] != ["", "", ""] for x in rb_rows[1:]):
            errors.append("--by %s: retry columns not empty from "
                          "history" % by)
        if b"retry cost needs the export files" not in rb.stderr:
            errors.append("--by %s: no notice" % by)
    suite.check("failures --by from history equals from the files "
                "(the retry columns empty, with a notice)", errors)
    j = json.loads(run(binary, "failures", "--format", "json", "--db",
                       db).stdout)
    suite.check("failures from history: retry columns null in json",
                [] if j["totals"]["retried_runs"] is None and
                all(r["retry_credits"] is None for r in j["rows"])
                else ["not null"])

    # the retry cost itself: there are retried runs (a re-run of the
    # workflow, a new WORKFLOW_ID; a re-run of the job, the same one),
    # counted whatever the threads and the order of the files
    errors = []
    if truth["retried_runs"] == 0:
        errors.append("the generator made no retries")
    if doc["totals"]["retried_runs"] != truth["retried_runs"] or \
            doc["totals"]["retry_credits"] != \
            Decimal(truth["retry_credits"]):
        errors.append("totals %s %s, truth %s %s" % (
            doc["totals"]["retried_runs"], doc["totals"]["retry_credits"],
            truth["retried_runs"], truth["retry_credits"]))
    parts = sorted(os.path.join(gen, n) for n in os.listdir(gen)
                   if n.startswith("part-"))
    want = run(binary, "failures", "--format", "csv", gen).stdout
    for args in (["--threads", "1"] + parts, ["--threads", "2"] + parts,
                 ["--threads", "4"] + parts[::-1]):
        if run(binary, "failures", "--format", "csv", *args).stdout != want:
            errors.append("differs with %s" % " ".join(args[:2]))
    rep = run(binary, "report", "--format", "csv", gen).stdout.decode()
    if "retr" in rep:
        errors.append("report shows a retry column")
    suite.check("failures: failed runs that a later success retried, "
                "their credits, whatever the threads and file order",
                errors)

    errors = []
    t = doc["totals"]
    runs = sum(r["runs"] for r in truth["rows"])
    wr = sum(r["wasted_runs"] for r in truth["rows"])
    wc = sum(Decimal(r["wasted_credits"]) for r in truth["rows"])
    for k, v in (("runs", runs), ("wasted_runs", wr), ("wasted_credits", wc),
                 ("retried_runs", truth["retried_runs"]),
                 ("retry_credits", Decimal(truth["retry_credits"])),
                 ("waste_share_pct", Decimal("100.00")),
                 ("own_waste_pct", pct(wc, total)),
                 ("failure_rate_pct", pct(wr, runs))):
        if t.get(k) != v:
            errors.append("totals %s: %r, truth %r" % (k, t.get(k), v))
    if "project" in t:
        errors.append("totals carry keys")
    suite.check("failures totals exact", errors)

    top = json.loads(run(binary, "failures", "--format", "json", "--top",
                         "3", gen).stdout, parse_float=Decimal)
    suite.check("failures --top 3: the first rows, the same totals",
                [] if top["rows"] == doc["rows"][:3] and
                top["totals"] == doc["totals"] else ["differs"])

    # a single waste status: only failed runs
    only = json.loads(run(binary, "failures", "--format", "json",
                          "--waste-statuses", "FAILED", gen).stdout,
                      parse_float=Decimal)
    rep = json.loads(run(binary, "report", "--by", "status", "--format",
                         "json", gen).stdout, parse_float=Decimal)
    failed = [r for r in rep["rows"] if r["status"] == "failed"]
    want = failed[0]["total_credits"] if failed else Decimal(0)
    suite.check("failures --waste-statuses FAILED equals report's failed",
                [] if only["totals"]["wasted_credits"] == want else
                ["%s vs %s" % (only["totals"]["wasted_credits"], want)])

    r = run(binary, "failures", gen, "--format", "csv")
    rows = list(csv.reader(io.StringIO(r.stdout.decode())))
    errors = []
    if rows[0] != ["project", "workflow", "job", "runs", "wasted_runs",
                   "failure_rate_pct", "wasted_credits", "wasted_usd",
                   "waste_share_pct", "own_waste_pct"] + RETRY_COLS:
        errors.append("header %r" % rows[0])
    if len(rows) - 1 != len(doc["rows"]):
        errors.append("csv rows %d" % (len(rows) - 1))
    elif any(Decimal(c[6]) != d["wasted_credits"] for c, d in
             zip(rows[1:], doc["rows"])):
        errors.append("csv wasted_credits differ from json")
    suite.check("failures csv: header and the json's rows", errors)

    errors = []
    for fmt in ("table", "markdown"):
        out = run(binary, "failures", "--format", fmt, "--top", "5",
                  gen).stdout.decode()
        if "TOTAL" not in out or doc["rows"][0]["job"] not in out:
            errors.append(fmt)
        # report's formats: thousands separators, cents, a sign on a rate
        cents = "{:,.2f}".format(doc["totals"]["wasted_credits"])
        runs_sep = "{:,}".format(doc["totals"]["runs"])
        rate = "%s%%" % doc["totals"]["failure_rate_pct"]
        for want in (cents, runs_sep, rate):
            if want not in out:
                errors.append("%s: no %s" % (fmt, want))
    suite.check("failures table and markdown, formatted as report's",
                errors)

    o = os.path.join(T, "fail.json")
    run(binary, "failures", "-o", o, gen)
    with open(o) as f:
        same = json.load(f, parse_float=Decimal) == doc
    left = [n for n in os.listdir(T) if ".tmp" in n]
    suite.check("failures -o FILE.json: json by extension, no temp file",
                [] if same and not left else ["differs or %s" % left])

    errors = []
    for args in (["--waste-statuses", ","], ["--top", "0"],
                 ["--format", "png"], ["--rates", "x.tsv"]):
        r = run(binary, "failures", *args, gen, check=False)
        if r.returncode != 2:
            errors.append("%s: exit %d" % (args, r.returncode))
    r = run(binary, "failures", check=False)
    if r.returncode != 2:
        errors.append("no input: exit %d" % r.returncode)
    suite.check("failures usage errors exit 2", errors)

    # the page's table: the same rows as failures
    page = os.path.join(T, "p.html")
    run(binary, "html", "-o", page, gen)
    with open(page, encoding="utf-8") as f:
        html = f.read()
    rows = page_table(html, "t-failing")
    errors = []
    if rows is None:
        errors.append("no t-failing table")
    else:
        shown = [r for r in doc["rows"] if r["wasted_runs"] > 0]
        if not rows:
            errors.append("empty table")
        if len(rows) != min(20, len(shown)):
            errors.append("%d rows, failures %d" % (len(rows), len(shown)))
        for row, d in zip(rows, shown):
            v = {k: c[1] for k, c in row.items()}
            if (int(v["failed runs"]), int(v["runs"]),
                    Decimal(v["credits on failed runs"]),
                    Decimal(v["cost (USD)"])) != (
                    d["wasted_runs"], d["runs"], d["wasted_credits"],
                    d["wasted_usd"]):
                errors.append("row %s differs: %s" % (d["job"], v))
        # the retry cost is failures' alone: the page's pass skips it
        if rows and "retried runs" in rows[0]:
            errors.append("the page has retry columns")
    suite.check("html's failing jobs table equals failures", errors)


def page_table(html, table_id):
    """The body rows of a page's table, each {head: (text, data-v)}; None
    without the table.  Folded rows (class x) count: they are the page's."""
    m = re.search(r'<table id="%s"[^>]*>(.*?)</table>' % re.escape(table_id),
                  html, re.S)
    if not m:
        return None
    heads = [re.sub(r"<[^>]+>", "", h) for h in
             re.findall(r"<th[^>]*>(.*?)</th>", m.group(1), re.S)]
    body = re.search(r"<tbody>(.*?)</tbody>", m.group(1), re.S).group(1)
    rows = []
    for tr in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S):
        cells = re.findall(r'<td([^>]*)>(.*?)</td>', tr, re.S)
        row = {}
        for h, (attrs, text) in zip(heads, cells):
            dv = re.search(r'data-v="([^"]*)"', attrs)
            row[h] = (html_unescape(re.sub(r"<[^>]+>", "", text)),
                      dv.group(1) if dv else None)
        rows.append(row)
    return rows


def rightsize_checks(suite, binary, T, quick):
    gen = os.path.join(T, "r")
    truth_path = os.path.join(T, "r.json")
    subprocess.run([sys.executable, GEN, "-o", gen, "--rows",
                    "6000" if quick else "30000", "--seed", "3",
                    "--rightsize-cases", "--rightsize-truth", truth_path],
                   check=True, capture_output=True)
    with open(truth_path) as f:
        truth = json.load(f)["rows"]
    rates = load_rates(RATES)
    r = run(binary, "rightsize", "--format", "json", gen)
    doc = json.loads(r.stdout, parse_float=Decimal)
    stderr = r.stderr.decode()
    got = {(x["project"], x["workflow"], x["job"], x["resource_class"],
            x["executor"]): x for x in doc["rows"]}
    key = lambda t: (t["project"], t["workflow"], t["job"],
                     t["resource_class"], t["executor"])

    errors = []
    nover = nunder = 0
    for t in truth:
        if t["case"] not in ("over", "under") or t["runs"] < 10:
            continue
        g = got.get(key(t))
        if g is None:
            errors.append("%s missing" % (key(t),))
            continue
        for c in ("cpu_median_pct", "cpu_max_pct", "ram_median_pct",
                  "ram_max_pct"):
            if g[c] != Decimal(t[c]):
                errors.append("%s %s %s, set %s" % (t["job"], c, g[c],
                                                    t[c]))
        if g["runs"] != t["runs"]:
            errors.append("%s runs %s, truth %s" % (t["job"], g["runs"],
                                                    t["runs"]))
        # the class to move to: the next smaller (over) or the one whose
        # next smaller this is (under); none: n/a, with the reason
        ex, rc = t["executor"], t["resource_class"]
        if t["case"] == "over":
            nover += 1
            nxt = rates[(ex, rc)][1] if (ex, rc) in rates else None
            reason = "no smaller class of the same executor and family"
        else:
            nunder += 1
            ups = [c for (e, c), v in rates.items() if e == ex and
                   v[1] == rc]
            nxt = ups[0] if ups else None
            reason = "no larger class of the same executor and family"
        if (ex, rc) not in rates:
            reason = ("a self-hosted runner: sized on the runner, not by "
                      "class" if ex == "runner" else
                      "a class not in the rates table")
        want = (t["case"], nxt or "", "") if nxt else ("n/a", "", reason)
        have = (g["verdict"], g["suggested_class"], g["reason"])
        if have != want:
            errors.append("%s %s/%s: %r, want %r" % (t["job"], ex, rc, have,
                                                     want))
    if nover == 0 or nunder == 0:
        errors.append("no over (%d) or under (%d) case checked" %
                      (nover, nunder))
    suite.check("rightsize: jobs set on purpose get their verdict, medians "
                "and the class to move to, or n/a and why (%d over, %d "
                "under)" %
                (nover, nunder), errors)

    # savings: compute credits / rate * (rate - next) * 30 / span
    rep = json.loads(run(binary, "report", "--by",
                         "job,resource_class,executor", "--format", "json",
                         gen).stdout, parse_float=Decimal)
    comp = {(x["project"], x["workflow"], x["job"], x["resource_class"],
             x["executor"]): x["compute_credits"] for x in rep["rows"]}
    span = doc["meta"]["span_days"]
    errors = []
    checked = 0
    for k, g in got.items():
        if g["verdict"] not in ("over", "under") or \
                g["suggested_class"] == "":
            continue
        cur = rates[(k[4], k[3])][0]
        new = rates[(k[4], g["suggested_class"])][0]
        if cur is None or new is None:
            continue
        # moving up: below 0, the extra cost
        want = (comp[k] / cur * (cur - new) * 30 / span).quantize(
            CENT, ROUND_HALF_UP)
        usd = (want * Decimal("0.0006")).quantize(CENT, ROUND_HALF_UP)
        checked += 1
        if (g["monthly_savings_credits"], g["monthly_savings_usd"]) != \
                (want, usd):
            errors.append("%s %s: %s $%s, want %s $%s" % (
                k[2], g["verdict"], g["monthly_savings_credits"],
                g["monthly_savings_usd"], want, usd))
    if not checked:
        errors.append("no savings checked")
    suite.check("rightsize: monthly savings exact (%d groups)" % checked,
                errors)

    without = sum(t["runs_without_utilization"] for t in truth)
    errors = []
    if doc["meta"]["runs_without_utilization"] != without:
        errors.append("meta %s, truth %d" % (
            doc["meta"]["runs_without_utilization"], without))
    if without and ("%d job runs without utilization" % without) not in \
            stderr:
        errors.append("stderr: %r" % stderr[-200:])
    suite.check("rightsize: runs without utilization left out and counted "
                "(%d)" % without, errors)

    errors = []
    for n in (1, 25):
        d = json.loads(run(binary, "rightsize", "--format", "json",
                           "--min-runs", str(n), gen).stdout,
                       parse_float=Decimal)
        small = [t for t in truth if 0 < t["runs"] < n]
        big = [t for t in truth if t["runs"] >= n]
        if len(d["rows"]) != len(big):
            errors.append("--min-runs %d: %d rows, want %d" % (
                n, len(d["rows"]), len(big)))
        if d["meta"]["groups_below_min_runs"] != len(small):
            errors.append("--min-runs %d: %s below, want %d" % (
                n, d["meta"]["groups_below_min_runs"], len(small)))
        if any(x["runs"] < n for x in d["rows"]):
            errors.append("--min-runs %d: a smaller group shown" % n)
    suite.check("rightsize --min-runs", errors)

    # the page's section: the same rows as rightsize (its first 20)
    page = os.path.join(T, "rs.html")
    run(binary, "html", "--rightsize", "-o", page, gen)
    with open(page, encoding="utf-8") as f:
        html = f.read()
    rows = page_table(html, "t-rightsizing")
    errors = []
    if rows is None:
        errors.append("no t-rightsizing table")
    else:
        if len(rows) != min(20, len(doc["rows"])):
            errors.append("%d rows" % len(rows))
        for row, d in zip(rows, doc["rows"]):
            t = {k: c[0] for k, c in row.items()}
            keys = ("project", "workflow", "job", "resource class",
                    "executor", "verdict", "suggested class", "why n/a")
            want = [d["project"], d["workflow"], d["job"],
                    d["resource_class"], d["executor"], d["verdict"],
                    d["suggested_class"], d["reason"]]
            if [t.get(k) for k in keys] != want:
                errors.append("row %s: %s" % (d["job"], t))
            sv = (row["credits saved / 30 days"][1],
                  row["USD saved / 30 days"][1])
            if d["monthly_savings_credits"] is not None and \
                    (Decimal(sv[0]), Decimal(sv[1])) != \
                    (d["monthly_savings_credits"], d["monthly_savings_usd"]):
                errors.append("savings %s: %s" % (d["job"], sv))
    run(binary, "html", "-o", page, gen)
    with open(page, encoding="utf-8") as f:
        if "t-rightsizing" in f.read():
            errors.append("section without --rightsize")
    suite.check("html --rightsize: the section equals rightsize", errors)

    # the same bytes from one reader thread as from several
    one = run(binary, "rightsize", "--format", "json", "--threads", "1",
              gen).stdout
    suite.check("rightsize --threads 1: the same bytes",
                [] if one == r.stdout else ["differs"])

    # parts without the utilization columns: every run is without
    dropped = os.path.join(T, "nocols")
    subprocess.run([sys.executable, GEN, "-o", dropped, "--rows", "500",
                    "--drop-column", "MAX_CPU_UTILIZATION_PCT",
                    "--drop-column", "MAX_RAM_UTILIZATION_PCT"],
                   check=True, capture_output=True)
    r2 = run(binary, "rightsize", "--format", "json", dropped)
    d2 = json.loads(r2.stdout)
    suite.check("rightsize: parts without the columns count as no data",
                [] if d2["rows"] == [] and
                d2["meta"]["runs_without_utilization"] == 500 else
                [str(d2["meta"])])

    # --rates: a table where docker large steps to small at 1 credit
    custom = os.path.join(T, "rates.tsv")
    with open(RATES) as f, open(custom, "w") as g:
        for line in f:
            if line.startswith("docker\tlarge\t"):
                line = "docker\tlarge\t20\tsmall\tP\n"
            g.write(line)
    d = json.loads(run(binary, "rightsize", "--format", "json", "--rates",
                       custom, gen).stdout, parse_float=Decimal)
    errors = []
    for x in d["rows"]:
        if (x["executor"], x["resource_class"]) == ("docker", "large") and \
                x["verdict"] == "over" and x["suggested_class"] != "small":
            errors.append("%s: %s" % (x["job"], x["suggested_class"]))
    suite.check("rightsize --rates overrides the table", errors)

    bad = os.path.join(T, "bad.tsv")
    with open(bad, "w") as f:
        f.write("# comment\ndocker\tsmall\t5\t-\ndocker\tmedium\tten\tsmall\n")
    r = run(binary, "rightsize", "--rates", bad, gen, check=False)
    suite.check("rightsize --rates: a bad file names file:line, exit 3",
                [] if r.returncode == 3 and (bad + ":3:").encode() in
                r.stderr else ["exit %d: %r" % (r.returncode, r.stderr)])

    errors = []
    for args in (["--min-runs", "0"], ["--over-below", "101"],
                 ["--over-below", "95", "--under-from", "90"],
                 ["--format", "svg"]):
        r = run(binary, "rightsize", *args, gen, check=False)
        if r.returncode != 2:
            errors.append("%s: exit %d" % (args, r.returncode))
    suite.check("rightsize usage errors exit 2", errors)

    errors = []
    for fmt in ("csv", "table", "markdown"):
        out = run(binary, "rightsize", "--format", fmt, gen).stdout.decode()
        if fmt == "csv" and not out.startswith(
                "project,workflow,job,resource_class,executor,runs,"
                "cpu_median_pct,cpu_max_pct,ram_median_pct,ram_max_pct,"
                "verdict,suggested_class,monthly_savings_credits,"
                "monthly_savings_usd,reason\n"):
            errors.append("csv header")
        if "over" not in out:
            errors.append(fmt)
    suite.check("rightsize csv, table and markdown", errors)


def main():
    return tally.main("analyses", [failures_checks, rightsize_checks])

if __name__ == "__main__":
    sys.exit(main())
