#!/usr/bin/python3
"""teamcheck.py: checks for tests/e2e/teams.sh, on the JSON outputs.

  teamcheck.py sums TEAMS.yaml BY_PROJECT.json CHARGEBACK.json
      each team's metrics and project count equal the sums of its projects
      (report --by project), mapped by the file's rules in order, first
      match wins; the (shared) row, if any, is the empty project's
  teamcheck.py totals REPORT.json CHARGEBACK.json
      the chargeback's totals are report's, every metric, exactly; its
      rows' credits add up to them exactly
  teamcheck.py spread MODE BY_TEAM.json CHARGEBACK.json
      the credits of the empty team (shared costs) are spread across the
      teams: per credit column, the parts add up exactly to the shared
      amount, each in whole hundredths but one; `even` parts differ by at
      most 0.01 (plus that one's residue); `proportional` parts are within
      0.01 of the exact quota

Prints a short note on success; exits 1 with the reason otherwise.  Needs
Debian's python3-yaml (this is run with /usr/bin/python3).
"""
import fnmatch
import json
import sys
from decimal import Decimal

import yaml

CREDITS = ["compute_credits", "dlc_credits", "user_credits", "storage_credits",
           "network_credits", "lease_credits", "lease_overage_credits",
           "ipranges_credits", "total_credits"]
METRICS = ["jobs", "run_seconds"] + CREDITS
CENT = Decimal("0.01")


def load(path):
    with open(path) as f:
        return json.load(f, parse_float=Decimal, parse_int=Decimal)


def fail(msg):
    print(msg)
    sys.exit(1)


def team_of(rules, project):
    if project == "":
        return ""
    for team, pats in rules:
        for p in pats:
            if fnmatch.fnmatchcase(project, p):
                return team
    return "(unassigned)"


def cmd_sums(teams_path, by_project, chargeback):
    with open(teams_path) as f:
        rules = list(yaml.safe_load(f)["teams"].items())
    rep, cb = load(by_project), load(chargeback)
    want = {}
    for row in rep["rows"]:
        t = team_of(rules, row["project"])
        if t == "":
            t = "(shared)"
        w = want.setdefault(t, {m: Decimal(0) for m in METRICS})
        for m in METRICS:
            w[m] += row[m]
        w["projects"] = w.get("projects", 0) + (t != "(shared)")
    got = {row["team"]: row for row in cb["rows"]}
    if set(got) != set(want):
        fail("teams differ: got %s, expected %s" % (sorted(got), sorted(want)))
    for t, w in want.items():
        for m in METRICS + ["projects"]:
            if m == "run_seconds":
                # written rounded to whole seconds: per project, and the
                # team's sum once
                if abs(got[t][m] - w[m]) > w["projects"] / 2 + 1:
                    fail("team %s %s: got %s, expected about %s" %
                         (t, m, got[t][m], w[m]))
                continue
            if got[t][m] != w[m]:
                fail("team %s %s: got %s, expected %s" % (t, m, got[t][m], w[m]))
    print("%d teams, %d projects" % (len(want), len(rep["rows"])))


def cmd_totals(report, chargeback):
    rep, cb = load(report), load(chargeback)
    for m in METRICS + ["cost_usd", "share_pct"]:
        if rep["totals"][m] != cb["totals"][m]:
            fail("totals %s: chargeback %s, report %s" % (m, cb["totals"][m],
                                                          rep["totals"][m]))
    for m in CREDITS:
        s = sum((row[m] for row in cb["rows"]), Decimal(0))
        if s != cb["totals"][m]:
            fail("rows' %s add up to %s, totals say %s" % (m, s, cb["totals"][m]))
    print("totals equal to report's, rows add up")


def cmd_spread(mode, by_team, chargeback):
    rep, cb = load(by_team), load(chargeback)
    own = {row["team"]: row for row in rep["rows"]}
    shared = own.pop("", None)
    if shared is None:
        fail("no shared costs in the report")
    got = {row["team"]: row for row in cb["rows"]}
    if set(got) != set(own):
        fail("teams differ: got %s, expected %s" % (sorted(got), sorted(own)))
    weight = {t: max(own[t]["total_credits"], Decimal(0)) for t in own}
    wsum = sum(weight.values())
    for m in CREDITS:
        parts = {t: got[t][m] - own[t][m] for t in own}
        if sum(parts.values()) != shared[m]:
            fail("%s: the parts add up to %s, the shared amount is %s" %
                 (m, sum(parts.values()), shared[m]))
        odd = [t for t in parts if parts[t] % CENT != 0]
        if len(odd) > 1:
            fail("%s: parts not in hundredths: %s" % (m, odd))
        whole = {t: parts[t] - (parts[t] % CENT) for t in parts}
        if mode == "even":
            if max(whole.values()) - min(whole.values()) > CENT:
                fail("%s: even parts differ by more than 0.01: %s" % (m, whole))
        else:
            for t in parts:
                quota = shared[m] * weight[t] / wsum
                if abs(whole[t] - quota) > CENT + CENT:
                    fail("%s: %s got %s, its quota is %s" % (m, t, parts[t], quota))
    print("shared %s credits spread %s across %d teams, exactly" %
          (shared["total_credits"], mode, len(own)))


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    {"sums": cmd_sums, "totals": cmd_totals, "spread": cmd_spread}[cmd](*args)


if __name__ == "__main__":
    main()
