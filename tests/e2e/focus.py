#!/usr/bin/env python3
"""focus.py --bin BIN [--quick]: `focus`, the FOCUS 1.2 dataset, end to end.

On generator data with hostile names (--tricky-names: commas, quotes,
newlines, backslashes, UTF-8, formulas), duplicate rows and a part without
some credit columns:
  * every column of tests/focus/columns.tsv (the specification's
    requirements, doc/focus-spec.md) is in the header, FOCUS columns first
    and custom ones prefixed x_; each value has its type (Decimal as the
    NumericFormat allows, Date/Time as YYYY-MM-DDTHH:mm:ssZ, JSON objects
    of scalars with unique keys), no null where none is allowed, and one of
    the allowed values; the cross-column rules hold (ListUnitPrice x
    PricingQuantity = ListCost, the same for ContractedCost, periods with
    exclusive ends, the billing period the charge's month, ChargeClass null,
    units null exactly when quantities are, Tags' provider keys prefixed);
  * the file loaded into SQLite (python3's sqlite3, values kept as text)
    and re-summed with exact Decimals: BilledCost and ConsumedQuantity per
    SubAccountName equal `report --by project --format csv`'s
    total_credits x price and total_credits, to the last digit, and per
    day `report --by day`'s; for --grain job and day, and from --db after
    ingest (the same rows but for the IDs history does not keep);
  * --since/--project filter as report does; --teams adds the team tag;
  * bad options (--grain week, --credit-price x, no PATH, PATH with --db)
    exit 2 with one error line;
  * the output is atomic: a failing run (a corrupt part) exits 3 and
    leaves an older focus.csv as it was, and no temporary file;
  * run --focus writes focus.csv, the bytes of `focus`, listed in
    run.json; a later run without --focus removes it.

Prints `PASS name` / `FAIL name: reason` per check and a last line
`N passed, M failed`; exits 1 if any check failed.
"""

import csv
import json
import os
import re
import sqlite3
import subprocess
import sys
from decimal import Decimal

import pinnow  # noqa: F401  (the pinned now, in the environment)
import scratch  # noqa: F401  (keeps outputs for run.sh's secrets scan)
import tally

HERE = os.path.dirname(os.path.abspath(__file__))
GEN = os.path.join(HERE, "..", "gen", "genexport.py")
COLUMNS = os.path.join(HERE, "..", "focus", "columns.tsv")
ENV = dict(os.environ, LC_ALL="C")
PRICE = "0.0006"

NUMBER = re.compile(r"-?(0|[1-9][0-9]*)(\.[0-9]+)?(E-?[0-9]+)?\Z")
DATETIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:"
                      r"[0-9]{2}Z\Z")


def run(binary, *args, check=True):
    r = subprocess.run([binary] + list(args), stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, env=ENV, timeout=300)
    if check and r.returncode != 0:
        raise RuntimeError("%s: exit %d: %s" % (" ".join(args), r.returncode,
                                                r.stderr.decode()[-400:]))
    return r


def requirements():
    with open(COLUMNS, encoding="utf-8") as f:
        lines = [x for x in f.read().splitlines() if x and x[0] != "#"]
    head = lines[0].split("\t")
    return [dict(zip(head, x.split("\t"))) for x in lines[1:]]


def read_csv(path):
    with open(path, newline="", encoding="utf-8") as f:
        r = csv.reader(f)
        head = next(r)
        return head, [dict(zip(head, row)) for row in r]


def unique_keys(pairs):
    keys = [k for k, _ in pairs]
    if len(keys) != len(set(keys)):
        raise ValueError("a key twice")
    return dict(pairs)


def check_json(v):
    o = json.loads(v, object_pairs_hook=unique_keys)
    if not isinstance(o, dict):
        return "not an object"
    for k, x in o.items():
        if isinstance(x, (dict, list)):
            return "key %r: an object or array" % k
    return None


def day_of(ts):
    import datetime as dt
    return dt.date.fromisoformat(ts[:10])


def conformance(head, rows, reqs):
    """Every requirement of columns.tsv, and the cross-column rules."""
    errors = []
    names = [q["column"] for q in reqs]
    for n in names:
        if n not in head:
            errors.append("column %s missing" % n)
    custom = [h for h in head if h not in names]
    for h in custom:
        if not h.startswith("x_"):
            errors.append("column %s: neither FOCUS nor x_" % h)
    if custom and head.index(custom[0]) < max(head.index(n) for n in names
                                               if n in head):
        errors.append("custom columns before FOCUS ones")
    if not rows:
        errors.append("no rows")
    for i, r in enumerate(rows, 2):
        for q in reqs:
            v = r.get(q["column"], "")
            where = "row %d %s=%r" % (i, q["column"], v[:60])
            if v == "":
                if q["nulls"] == "no":
                    errors.append(where + ": null")
                continue
            t = q["type"]
            if t == "Decimal" and not NUMBER.match(v):
                errors.append(where + ": not a Decimal")
            elif t == "DateTime" and not DATETIME.match(v):
                errors.append(where + ": not YYYY-MM-DDTHH:mm:ssZ")
            elif t == "JSON":
                try:
                    why = check_json(v)
                except ValueError as e:
                    why = str(e)
                if why:
                    errors.append(where + ": " + why)
            a = q["allowed"]
            if a == "ISO4217":
                if not re.match(r"[A-Z]{3}\Z", v):
                    errors.append(where + ": not ISO 4217")
            elif a != "-" and v not in a.split("|"):
                errors.append(where + ": not an allowed value")
        if errors:
            break
        d = {k: r[k] for k in r}
        q = Decimal(d["PricingQuantity"])
        if Decimal(d["ListUnitPrice"]) * q != Decimal(d["ListCost"]):
            errors.append("row %d: ListUnitPrice x PricingQuantity" % i)
        if Decimal(d["ContractedUnitPrice"]) * q != \
                Decimal(d["ContractedCost"]):
            errors.append("row %d: ContractedUnitPrice x Quantity" % i)
        if Decimal(d["PricingCurrencyListUnitPrice"]) * q != \
                Decimal(d["PricingCurrencyEffectiveCost"]):
            errors.append("row %d: PricingCurrency prices" % i)
        if not (d["BilledCost"] == d["EffectiveCost"] == d["ListCost"]):
            errors.append("row %d: costs differ" % i)
        if d["ChargeClass"] != "" or d["ChargeCategory"] != "Usage":
            errors.append("row %d: not a plain Usage row" % i)
        if Decimal(d["ListUnitPrice"]) < 0:
            errors.append("row %d: negative unit price" % i)
        cs, ce = day_of(d["ChargePeriodStart"]), day_of(d["ChargePeriodEnd"])
        bs, be = day_of(d["BillingPeriodStart"]), \
            day_of(d["BillingPeriodEnd"])
        nxt = bs.replace(year=bs.year + bs.month // 12,
                         month=bs.month % 12 + 1)
        if (ce - cs).days != 1 or bs != cs.replace(day=1) or be != nxt:
            errors.append("row %d: periods %s %s %s %s" % (i, cs, ce, bs,
                                                          be))
        for qn, un in (("ConsumedQuantity", "ConsumedUnit"),
                       ("PricingQuantity", "PricingUnit")):
            if (d[qn] == "") != (d[un] == ""):
                errors.append("row %d: %s and %s" % (i, qn, un))
        if (d["SubAccountId"] == "") != (d["SubAccountName"] == ""):
            errors.append("row %d: SubAccountId and Name" % i)
        if d["SkuPriceDetails"] and not d["SkuPriceId"]:
            errors.append("row %d: SkuPriceDetails without SkuPriceId" % i)
        if d["Tags"]:
            for k in json.loads(d["Tags"]):
                if k != "team" and not k.startswith("circleci/"):
                    errors.append("row %d: tag %r unprefixed" % (i, k))
        if Decimal(d["ConsumedQuantity"]) == 0:
            errors.append("row %d: a charge of 0 credits" % i)
        if len(errors) > 5:
            break
    return errors


def load_sqlite(path, db):
    """The file into an SQLite table, every value as text."""
    head, rows = read_csv(path)
    con = sqlite3.connect(db)
    con.execute("CREATE TABLE focus(%s)" % ", ".join('"%s" TEXT' % h
                                                     for h in head))
    con.executemany("INSERT INTO focus VALUES(%s)" % ",".join(
        "?" * len(head)), [[r[h] for h in head] for r in rows])
    con.commit()
    return con


def resum(con, key):
    """Exact sums per key: (credits, cost), with Python's Decimal."""
    out = {}
    for k, q, c in con.execute('SELECT "%s", ConsumedQuantity, BilledCost '
                               "FROM focus" % key):
        s = out.setdefault(k, [Decimal(0), Decimal(0)])
        s[0] += Decimal(q)
        s[1] += Decimal(c)
    return out


def report_sums(binary, args, key):
    r = run(binary, "report", "--format", "csv", *args)
    rows = list(csv.DictReader(r.stdout.decode().splitlines(True)))
    return {x[key]: Decimal(x["total_credits"]) for x in rows}


def compare_sums(got, want, errors, what):
    price = Decimal(PRICE)
    if set(got) != set(want):
        errors.append("%s: groups differ: %d vs %d" % (what, len(got),
                                                      len(want)))
    for k, credits in want.items():
        c, usd = got.get(k, (Decimal(0), Decimal(0)))
        if c != credits or usd != credits * price:
            errors.append("%s %r: %s credits %s cost, report %s" %
                          (what, k, c, usd, credits))


def gen(tmp, name, *extra):
    d = os.path.join(tmp, name)
    subprocess.run([sys.executable, GEN, "-o", d, "--seed", "19"] +
                   list(extra), check=True, stdout=subprocess.DEVNULL)
    return d


def main_checks(suite, binary, tmp, quick):
    rows = "400" if quick else "3000"
    d = gen(tmp, "tricky", "--rows", rows, "--parts", "3", "--tricky-names",
            "--dup-rows", "20", "--trim-columns")
    reqs = requirements()
    outs = {}
    for grain in ("job", "day"):
        out = os.path.join(tmp, "focus-%s.csv" % grain)
        run(binary, "focus", "--grain", grain, d, "-o", out)
        outs[grain] = out
        head, frows = read_csv(out)
        suite.check("%s grain: every column with its type and values" %
                    grain, conformance(head, frows, reqs))
    by_project = report_sums(binary, [d, "--by", "project"], "project")
    by_day = report_sums(binary, [d, "--by", "day"], "day")
    for grain, out in outs.items():
        con = load_sqlite(out, os.path.join(tmp, "%s.sqlite" % grain))
        errors = []
        compare_sums(resum(con, "SubAccountName"), by_project, errors,
                     "project")
        days = {k[:10]: v for k, v in resum(con, "ChargePeriodStart")
                .items()}
        compare_sums(days, by_day, errors, "day")
        n = con.execute("SELECT count(*) FROM focus").fetchone()[0]
        if grain == "job" and n <= len(by_project):
            errors.append("only %d rows" % n)
        suite.check("%s grain re-summed in SQLite equals report" % grain,
                    errors)
        con.close()

    # history: the same rows, but for the IDs it does not keep
    db = os.path.join(tmp, "h.db")
    run(binary, "ingest", "--db", db, d)
    for grain, out in outs.items():
        dout = os.path.join(tmp, "focus-db-%s.csv" % grain)
        run(binary, "focus", "--db", db, "--grain", grain, "-o", dout)
        head, drows = read_csv(dout)
        errors = conformance(head, drows, reqs)
        con = load_sqlite(dout, os.path.join(tmp, "db-%s.sqlite" % grain))
        compare_sums(resum(con, "SubAccountName"), by_project, errors,
                     "--db project")
        con.close()
        _, frows = read_csv(out)
        drop = ("SubAccountId", "BillingAccountId")

        def norm(rs):
            return sorted(tuple(v for k, v in r.items() if k not in drop)
                          for r in rs)
        if norm(drows) != norm(frows):
            errors.append("the rows differ from the files' (IDs aside)")
        suite.check("%s grain from --db: the files' rows" % grain, errors)

    # filters as report's; the team tag
    errors = []
    args = [d, "--since", "2026-10-10", "--until", "2026-10-20",
            "--project", "*a*"]
    out = os.path.join(tmp, "filtered.csv")
    run(binary, "focus", *args, "-o", out)
    con = load_sqlite(out, os.path.join(tmp, "filtered.sqlite"))
    compare_sums(resum(con, "SubAccountName"),
                 report_sums(binary, args + ["--by", "project"], "project"),
                 errors, "filtered")
    con.close()
    teams = os.path.join(tmp, "teams.yml")
    with open(teams, "w") as f:
        f.write("teams:\n  everyone:\n    - \"*\"\n")
    r = run(binary, "focus", "--grain", "day", "--teams", teams, d)
    _, trows = read_csv_text(r.stdout.decode())
    for x in trows:
        tags = json.loads(x["Tags"]) if x["Tags"] else {}
        if x["SubAccountName"] and tags.get("team") != "everyone":
            errors.append("no team tag: %r" % x["Tags"])
            break
    suite.check("filters as report's; --teams tags each charge", errors)


def read_csv_text(text):
    r = csv.reader(text.splitlines(True))
    head = next(r)
    return head, [dict(zip(head, row)) for row in r]


def usage_checks(suite, binary, tmp, quick):
    d = gen(tmp, "small", "--rows", "50", "--parts", "1")
    errors = []
    for args in (["--grain", "week", d], ["--credit-price", "x", d], [],
                 ["--db", os.path.join(tmp, "x.db"), d], ["--by", "day", d]):
        r = run(binary, "focus", *args, check=False)
        err = r.stderr.decode().splitlines()
        lines = [x for x in err if x.startswith("circleci-usage:")]
        if r.returncode != 2 or len(lines) != 1:
            errors.append("%s: exit %d, %s" % (args, r.returncode, err))
    suite.check("bad options exit 2 with one error line", errors)

    # atomic: a corrupt part fails the run and keeps the older file
    errors = []
    out = os.path.join(tmp, "atomic", "focus.csv")
    os.makedirs(os.path.dirname(out))
    run(binary, "focus", d, "-o", out)
    with open(out, "rb") as f:
        before = f.read()
    bad = os.path.join(tmp, "bad")
    os.makedirs(bad)
    with open(os.path.join(bad, "part.csv.gz"), "wb") as f:
        f.write(b"\x1f\x8b\x08\x00garbage")
    r = run(binary, "focus", d, bad, "-o", out, check=False)
    if r.returncode != 3:
        errors.append("corrupt part: exit %d" % r.returncode)
    with open(out, "rb") as f:
        if f.read() != before:
            errors.append("the older file changed")
    left = [x for x in os.listdir(os.path.dirname(out)) if x != "focus.csv"]
    if left:
        errors.append("left behind: %s" % left)
    suite.check("a failed run leaves the older file whole", errors)


def run_checks(suite, binary, tmp, quick):
    """run --focus: focus.csv in the run directory, listed in run.json,
    the bytes `focus` writes; a run without it removes the old one."""
    d = gen(tmp, "forrun", "--rows", "200", "--parts", "2")
    out = os.path.join(tmp, "run")
    errors = []
    run(binary, "run", "--from", d, "--focus", "--quiet", "-o", out)
    want = run(binary, "focus", d).stdout
    path = os.path.join(out, "focus.csv")
    if not os.path.exists(path):
        errors.append("no focus.csv")
    else:
        with open(path, "rb") as f:
            if f.read() != want:
                errors.append("focus.csv differs from `focus`")
    with open(os.path.join(out, "run.json"), encoding="utf-8") as f:
        files = json.load(f).get("files")
    names = [x if isinstance(x, str) else x.get("name") for x in files]
    if "focus.csv" not in names:
        errors.append("run.json does not list focus.csv: %s" % names)
    run(binary, "run", "--from", d, "--quiet", "-o", out)
    if os.path.exists(path):
        errors.append("a run without --focus kept focus.csv")
    suite.check("run --focus writes focus.csv as focus does", errors)


def main():
    return tally.main("focus", [main_checks, usage_checks, run_checks])


if __name__ == "__main__":
    sys.exit(main())
