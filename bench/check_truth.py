#!/usr/bin/env python3
"""bench/check_truth.py: compare a by-project report with the truth.

    check_truth.py [--exact] [--name NAME] [--by KEY] [--json FILE] REF CSV

REF is the generator's truth.json ("by": {KEY: [{KEY: ..., metric: "..."}]})
or, when there is no truth, another report CSV taken as the reference.
CSV is a report with a KEY column (default project) and metric columns
(circleci-usage's own --format csv, or the contenders' project,jobs,
total_credits).  Every metric column both sides have is compared as
decimal.Decimal, except cost_usd and share_pct (derived and rounded).

--exact: every group and every compared value must be equal; prints
    "NAME: MATCH (...)" or "NAME: MISMATCH (...)" and exits 1 on a mismatch.
Otherwise the drift is reported (groups missing, jobs off, largest error
of each sum) and the exit status is 0.  --json FILE writes the figures.
Exit 2 on unreadable input.
"""

import csv
import decimal
import json
import sys
from decimal import Decimal

decimal.getcontext().prec = 60
SKIP = {"cost_usd", "share_pct"}


def num(v):
    if v is None or v == "":
        return Decimal(0)
    try:
        d = Decimal(str(v).strip())
    except decimal.InvalidOperation:
        raise ValueError("not a number: %r" % (v,))
    if not d.is_finite():
        raise ValueError("not a finite number: %r" % (v,))
    return d


def load_truth(path, key):
    with open(path, encoding="utf-8") as f:
        t = json.load(f, parse_float=Decimal)
    try:
        rows = t["by"][key]
    except (KeyError, TypeError):
        raise ValueError("%s has no \"by\": {\"%s\": [...]}" % (path, key))
    out = {}
    for r in rows:
        k = r.get(key)
        out["" if k is None else str(k)] = {
            m: v for m, v in r.items() if m != key and m not in SKIP}
    return out


def load_csv(path, key):
    with open(path, encoding="utf-8", newline="") as f:
        rd = csv.DictReader(f)
        if rd.fieldnames is None or key not in rd.fieldnames:
            raise ValueError("%s: no %r column" % (path, key))
        out = {}
        for r in rd:
            k = r[key]
            if k in out:
                raise ValueError("%s: group %r twice" % (path, k))
            out[k] = {m: v for m, v in r.items()
                      if m != key and m not in SKIP and m is not None}
    return out


def compare(ref, got):
    """Figures for got against ref."""
    missing = sorted(set(ref) - set(got))
    extra = sorted(set(got) - set(ref))
    common = [k for k in ref if k in got]
    metrics = []
    for k in common:
        for m in ref[k]:
            if m in got[k] and m not in metrics:
                metrics.append(m)
    res = {"groups_ref": len(ref), "groups": len(got),
           "missing": missing, "extra": extra, "metrics": {}}
    for m in metrics:
        off = 0
        max_abs = Decimal(0)
        max_rel = Decimal(0)
        worst = None
        total_diff = Decimal(0)
        ref_total = Decimal(0)
        for k in common:
            if m not in ref[k] or m not in got[k]:
                continue
            a, b = num(ref[k][m]), num(got[k][m])
            ref_total += a
            if a == b:
                continue
            off += 1
            d = b - a
            total_diff += d
            if abs(d) > max_abs:
                max_abs, worst = abs(d), k
            if a != 0 and abs(d) / abs(a) > max_rel:
                max_rel = abs(d) / abs(a)
        res["metrics"][m] = {
            "groups_off": off, "max_abs_error": str(max_abs),
            "max_rel_error": "%.3g" % max_rel, "worst_group": worst,
            "sum_of_errors": str(total_diff), "ref_sum": str(ref_total)}
    return res


def g(d, sign=False):
    """A Decimal in short form for a message."""
    d = Decimal(d)
    if d == d.to_integral_value() and abs(d) < Decimal("1e15"):
        return ("{:+,}" if sign else "{:,}").format(int(d))
    return ("%+.3g" if sign else "%.3g") % d


def describe(res):
    parts = []
    if res["missing"]:
        parts.append("%d groups missing (%s)" % (
            len(res["missing"]), ", ".join(map(repr, res["missing"][:3]))))
    if res["extra"]:
        parts.append("%d groups extra (%s)" % (
            len(res["extra"]), ", ".join(map(repr, res["extra"][:3]))))
    exact = [m for m, f in res["metrics"].items() if f["groups_off"] == 0]
    for m, f in res["metrics"].items():
        if f["groups_off"] == 0:
            continue
        if m == "jobs" or Decimal(f["max_abs_error"]) >= 1:
            parts.append("%s off in %d/%d groups (%s in all, worst %s in "
                         "%r)" % (m, f["groups_off"], res["groups_ref"],
                                  g(f["sum_of_errors"], True),
                                  g(f["max_abs_error"]), f["worst_group"]))
        else:
            parts.append("%s off in %d/%d groups (max error %s, relative "
                         "%s)" % (m, f["groups_off"], res["groups_ref"],
                                  g(f["max_abs_error"]), f["max_rel_error"]))
    if exact:
        if len(exact) > 3:
            parts.append("%d metrics exact" % len(exact))
        else:
            parts.append(", ".join(exact) + " exact")
    return "; ".join(parts)


def main(argv):
    exact = False
    name = None
    key = "project"
    json_out = None
    args = []
    it = iter(argv)
    for a in it:
        if a == "--exact":
            exact = True
        elif a in ("--name", "--by", "--json"):
            v = next(it, None)
            if v is None:
                sys.stderr.write("check_truth: %s wants a value\n" % a)
                return 2
            if a == "--name":
                name = v
            elif a == "--by":
                key = v
            else:
                json_out = v
        else:
            args.append(a)
    if len(args) != 2:
        sys.stderr.write(__doc__)
        return 2
    ref_path, got_path = args
    name = name or got_path
    try:
        if ref_path.endswith(".json"):
            ref = load_truth(ref_path, key)
        else:
            ref = load_csv(ref_path, key)
        got = load_csv(got_path, key)
        res = compare(ref, got)
    except (OSError, ValueError) as e:
        print("%s: cannot compare: %s" % (name, e))
        return 2
    ok = (not res["missing"] and not res["extra"] and res["metrics"] and
          all(f["groups_off"] == 0 for f in res["metrics"].values()))
    if "jobs" not in res["metrics"] or len(res["metrics"]) < 2:
        ok = False
    res["match"] = ok
    res["compared"] = sorted(res["metrics"])
    if json_out:
        with open(json_out, "w", encoding="utf-8") as f:
            json.dump(res, f, indent=1)
    if exact:
        print("%s: %s (%d groups; %s)" % (name, "MATCH" if ok else
                                          "MISMATCH", res["groups_ref"],
                                          describe(res) or "nothing compared"))
        return 0 if ok else 1
    print("%s: %s" % (name, ("exact (%d groups; %s)" % (
        res["groups_ref"], describe(res))) if ok else describe(res)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
