#!/usr/bin/env python3
"""bench/check_truth.py: compare a report with the truth.

    check_truth.py [--exact] [--name NAME] [--by KEY] [--teams JSON]
                   [--json FILE] REF [REF...] CSV

REF is the generator's truth.json ("by": {KEY: [{COLUMN: ..., metric:
"..."}]}) or, when there is no truth, another report CSV taken as the
reference.  Several truth files are summed group by group (a report over
several exports at once, or a history database holding them).
CSV is a report with KEY's columns (default project) and metric columns
(circleci-usage's own --format csv, or the contenders' project,jobs,
total_credits).  Every metric column both sides have is compared as
decimal.Decimal, except cost_usd and share_pct (derived and rounded).
The truth's run_seconds is rounded to whole seconds per entry, so a group
summed from n entries may differ from the report's by up to n/2 seconds:
that much is allowed there, nothing elsewhere.

KEY is what `report --by` takes, one key or several joined by commas;
each brings its columns as the report writes them: workflow is
project,workflow and job is project,workflow,job (the truth's entries
have the same fields).  Keys the truth has no entry for are derived from
one it has: job_name (across projects) from job, and team from project
with --teams JSON, a {"project": "team"} map (projects not in it are
"(unassigned)").

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


# the columns a --by key brings, when not the key's own name
KEY_COLS = {"workflow": ("project", "workflow"),
            "job": ("project", "workflow", "job")}


def key_cols(key):
    """The CSV columns of a --by KEY[,KEY...], in order."""
    out = []
    for k in key.split(","):
        for c in KEY_COLS.get(k, (k,)):
            if c not in out:
                out.append(c)
    return out


def gkey(vals):
    """A group's name: its one value, or its values joined by commas."""
    vals = ["" if v is None else str(v) for v in vals]
    return vals[0] if len(vals) == 1 else ",".join(vals)


def truth_rows(t, path, key, teams):
    """(columns, rows) of KEY in one truth, derived when not there."""
    by = t.get("by") if isinstance(t, dict) else None
    if not isinstance(by, dict):
        raise ValueError("%s has no \"by\"" % path)
    cols = key_cols(key)
    if key in by:
        return cols, by[key]
    if key == "job_name" and "job" in by:
        return cols, [dict(r, job_name=r.get("job")) for r in by["job"]]
    if key == "team" and "project" in by:
        if teams is None:
            raise ValueError("--by team wants --teams")
        return cols, [dict(r, team=teams.get(r.get("project") or "",
                                             "(unassigned)")
                           if r.get("project") else "")
                      for r in by["project"]]
    raise ValueError("%s has no \"by\": {\"%s\": [...]}" % (path, key))


def add_rows(out, cols, rows):
    """Sum truth entries into out, {group: {metric: Decimal, "_n": n}}."""
    for r in rows:
        k = gkey(r.get(c) for c in cols)
        dst = out.setdefault(k, {"_n": 0})
        dst["_n"] += 1
        for m, v in r.items():
            # the metrics: what is neither a column nor derived
            if m in cols or m in SKIP or not (
                    m in ("jobs", "run_seconds") or m.endswith("_credits")):
                continue
            dst[m] = num(dst.get(m)) + num(v)


def load_truth_keys(paths, keys, teams=None):
    """{key: reference} for each KEY, the truth files summed; each file
    read once (a 1M-row truth is tens of MB)."""
    outs = {k: {} for k in keys}
    for path in paths:
        with open(path, encoding="utf-8") as f:
            t = json.load(f, parse_float=Decimal)
        for key in keys:
            cols, rows = truth_rows(t, path, key, teams)
            add_rows(outs[key], cols, rows)
        del t
    return outs


def load_truth(paths, key, teams=None):
    return load_truth_keys(paths, [key], teams)[key]


def load_csv(path, key):
    cols = key_cols(key)
    with open(path, encoding="utf-8", newline="") as f:
        rd = csv.DictReader(f)
        if rd.fieldnames is None or \
                any(c not in rd.fieldnames for c in cols):
            raise ValueError("%s: no %s column" % (path, ",".join(cols)))
        out = {}
        for r in rd:
            k = gkey(r[c] for c in cols)
            if k in out:
                raise ValueError("%s: group %r twice" % (path, k))
            out[k] = {m: v for m, v in r.items()
                      if m not in cols and m not in SKIP and m is not None}
    return out


def compare(ref, got):
    """Figures for got against ref."""
    missing = sorted(set(ref) - set(got))
    extra = sorted(set(got) - set(ref))
    common = [k for k in ref if k in got]
    metrics = []
    for k in common:
        for m in ref[k]:
            if m in got[k] and m not in metrics and not m.startswith("_"):
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
            # run_seconds is rounded to whole seconds in each truth entry:
            # a sum of n of them may be off by n/2 from the rounded sum
            if m == "run_seconds" and ref[k].get("_n", 1) > 1 and \
                    abs(b - a) * 2 <= ref[k]["_n"]:
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


def judge(res):
    """Set res["match"] (every group, every compared value equal, jobs
    and another metric among them) and res["compared"]; return match."""
    ok = bool(not res["missing"] and not res["extra"] and res["metrics"] and
              all(f["groups_off"] == 0 for f in res["metrics"].values()))
    if "jobs" not in res["metrics"] or len(res["metrics"]) < 2:
        ok = False
    res["match"] = ok
    res["compared"] = sorted(res["metrics"])
    return ok


def check(ref, got_path, key):
    """(match, figures, text) of a report CSV against a reference."""
    res = compare(ref, load_csv(got_path, key))
    ok = judge(res)
    return ok, res, "%s (%d groups; %s)" % (
        "MATCH" if ok else "MISMATCH", res["groups_ref"],
        describe(res) or "nothing compared")


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
    teams = None
    json_out = None
    args = []
    it = iter(argv)
    for a in it:
        if a == "--exact":
            exact = True
        elif a in ("--name", "--by", "--json", "--teams"):
            v = next(it, None)
            if v is None:
                sys.stderr.write("check_truth: %s wants a value\n" % a)
                return 2
            if a == "--name":
                name = v
            elif a == "--by":
                key = v
            elif a == "--teams":
                teams = v
            else:
                json_out = v
        else:
            args.append(a)
    if len(args) < 2:
        sys.stderr.write(__doc__)
        return 2
    ref_paths, got_path = args[:-1], args[-1]
    name = name or got_path
    try:
        if teams is not None:
            with open(teams, encoding="utf-8") as f:
                teams = json.load(f)
        if all(p.endswith(".json") for p in ref_paths):
            ref = load_truth(ref_paths, key, teams)
        elif len(ref_paths) == 1:
            ref = load_csv(ref_paths[0], key)
        else:
            raise ValueError("several references must all be truth files")
        got = load_csv(got_path, key)
        res = compare(ref, got)
    except (OSError, ValueError) as e:
        print("%s: cannot compare: %s" % (name, e))
        return 2
    ok = judge(res)
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
