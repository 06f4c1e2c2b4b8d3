#!/usr/bin/env python3
"""alerts.py --bin BIN [--quick]: notify's budget and anomaly alerts and
--cooldown, end to end, posting to the stand-in webhook (webhook.py).

"Now" is pinned (pinnow.py); the period is the week that ends on LAST, the
latest Wednesday before now (so that the budget's week holds both LAST and
the day after it, whatever the pinned date), and "later" is now plus some
hours, pinned again with CIRCLECI_USAGE_NOW.
  * budget: a run directory (run.json and a week's export) and an org
    weekly budget that crossed 75%: `--alert budget --cooldown 12h` posts
    once, naming the budget, its status, used and projected percentages
    (those of `budget --at` the day after LAST), and writes
    .circleci-usage-alerts.json beside the run directory (its rule, entity
    and time); 6 hours later the alert is held back (stderr says so and
    when it was sent; --only-on-alert posts nothing, --fail-on-alert exits
    0; without --only-on-alert the message goes without it, "No alert
    fired"); the state is unchanged; 12 hours later it fires again (exit
    7 with --fail-on-alert) and its time moves;
  * --dry-run never writes the state, and reports what would be held;
  * anomaly: a spike injected by the generator (--spike) into six weeks
    ingested in a history database: `--alert 'anomaly and
    anomaly.excess_usd >= 10' --db` names the project and the day with the
    excess in credits and dollars equal to an independent re-sum of the
    CSV parts; the database's alerts_sent table records it, and the next
    run within the cooldown holds it back;
  * a corrupt state file (or alerts_sent row) is an error naming it (exit
    3), posts nothing and is left as it was;
  * usage errors exit 2: a budget rule without a budgets file (naming
    --budgets), a rule mixing budget and project terms, --state without
    --cooldown, a bad --cooldown.

Prints `PASS name` / `FAIL name: reason` per check and a last line
`N passed, M failed`; exits 1 if any check failed.
"""

import argparse
import csv
import datetime as dt
import io
import json
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from decimal import Decimal, ROUND_HALF_UP

import pinnow
import scratch  # keeps files and outputs for run.sh's secrets scan
from tally import Suite

HERE = os.path.dirname(os.path.abspath(__file__))
GEN = os.path.join(HERE, "..", "gen", "genexport.py")
WEBHOOK = os.path.join(HERE, "webhook.py")
sys.path.insert(0, HERE)
import anomalies as A  # noqa: E402  (resum, baseline: the re-sum)

SECRET = os.environ.get("CU_E2E_WEBHOOK") or "alertsHookS3cret0123456789"
SECRET_PATH = "/services/T0ALERTS/B0ALERTS/" + SECRET
STATE = ".circleci-usage-alerts.json"
CENT = Decimal("0.01")


def day(d):
    return d.isoformat()


# the latest Wednesday before now: LAST and LAST + 1 share their ISO week
NOW0 = pinnow.NOW
LAST = NOW0.date() - dt.timedelta(days=1)
while LAST.weekday() != 2:
    LAST -= dt.timedelta(days=1)
SPIKE_DAY = LAST - dt.timedelta(days=2)


def later(hours):
    return pinnow.rfc(NOW0 + dt.timedelta(hours=hours))


class Hook:
    """The stand-in webhook, its secret path from the environment."""

    def __init__(self, tmp):
        self.port_file = os.path.join(tmp, "hook.port")
        self.log = os.path.join(tmp, "hook.log")
        env = dict(os.environ, WEBHOOK_PATH=SECRET_PATH)
        self.p = subprocess.Popen(
            [sys.executable, WEBHOOK, "--port-file", self.port_file,
             "--log", self.log], env=env, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL)
        t = time.time() + 20
        while not os.path.exists(self.port_file):
            if self.p.poll() is not None or time.time() > t:
                raise RuntimeError("webhook.py did not start")
            time.sleep(0.02)
        with open(self.port_file) as f:
            self.url = "http://127.0.0.1:%s%s" % (f.read().strip(),
                                                  SECRET_PATH)

    def requests(self):
        with open(self.log) as f:
            return [json.loads(x) for x in f if x.strip()]

    def stop(self):
        if self.p.poll() is None:
            self.p.send_signal(signal.SIGTERM)
            try:
                self.p.wait(10)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait()


class Ctx:
    def __init__(self, binary, tmp, hook):
        self.bin = binary
        self.tmp = tmp
        self.hook = hook

    def env(self, now):
        e = {k: v for k, v in os.environ.items()
             if not k.startswith(("CIRCLE", "SLACK_"))}
        e["LC_ALL"] = "C"
        e["CIRCLECI_USAGE_NOW"] = now
        e["SLACK_WEBHOOK_URL"] = self.hook.url
        return e

    def run(self, *args, now=None):
        return subprocess.run([self.bin] + list(args), capture_output=True,
                              timeout=300, env=self.env(now or
                                                        pinnow.NOW_RFC))

    def notify(self, *args, now=None):
        return self.run("notify", "slack", "--timeout", "5s", *args, now=now)


def err(r):
    return r.stderr.decode("utf-8", "replace")


def gen(out, start, days, rows, seed, spike=None):
    cmd = [sys.executable, GEN, "-o", out, "--rows", str(rows), "--seed",
           str(seed), "--start", day(start), "--days", str(days), "--procs",
           "2"]
    if spike:
        cmd += ["--spike", spike]
    subprocess.run(cmd, check=True, capture_output=True)


def text_of(body):
    """The mrkdwn of a payload's sections, one string."""
    return "\n".join(b["text"]["text"] for b in body["blocks"]
                     if b.get("type") == "section")


def money(v, sign=False):
    q = v.quantize(CENT, rounding=ROUND_HALF_UP)
    return ("+" if sign and q > 0 else "") + "{:,}".format(q)


def read(path):
    try:
        with open(path, "rb") as f:
            return f.read()
    except FileNotFoundError:
        return None


# ---------------------------------------------------------------- budgets

def make_run_dir(c):
    """T/runs/week: run.json and a week's export that ends on LAST."""
    runs = os.path.join(c.tmp, "runs")
    week = os.path.join(runs, "week")
    os.makedirs(week)
    gen(os.path.join(week, "export"), LAST - dt.timedelta(days=6), 7, 4000,
        11)
    with open(os.path.join(week, "run.json"), "w") as f:
        json.dump({"start": day(LAST - dt.timedelta(days=6)),
                   "end": day(LAST), "previous": None}, f)
    return runs, week


def budget_row(c, budgets, path):
    r = c.run("budget", "--format", "csv", "--budgets", budgets, "--at",
              day(LAST + dt.timedelta(days=1)), path)
    if r.returncode != 0:
        raise RuntimeError("budget: %s" % err(r))
    return list(csv.DictReader(io.StringIO(r.stdout.decode())))[0]


def check_budget(s, c):
    runs, week = make_run_dir(c)
    export = os.path.join(week, "export")
    # the amount: the week so far is 80% of it
    budgets = os.path.join(c.tmp, "budgets.yaml")
    with open(budgets, "w") as f:
        f.write("budgets:\n  - {name: org-weekly, scope: org, period: week,"
                " credits: 1000000000, thresholds: [50, 75, 90, 200]}\n")
    spent = Decimal(budget_row(c, budgets, export)["spent_credits"])
    amount = (spent / Decimal("0.8")).quantize(Decimal(1))
    with open(budgets, "w") as f:
        f.write("budgets:\n  - {name: org-weekly, scope: org, period: week,"
                " credits: %s, thresholds: [50, 75, 90, 200]}\n" % amount)
    want = budget_row(c, budgets, export)
    state = os.path.join(runs, STATE)
    args = ("--budgets", budgets, "--alert", "budget", "--cooldown", "12h")
    line = "`org-weekly` %s, %s%% used, %s%% projected" % (
        want["status"], money(Decimal(want["used_pct"])),
        money(Decimal(want["projected_pct"])))
    entity = "budget %s %s 75%% org-weekly" % (want["start"], want["status"])

    # 1. it fires, once, and the state beside the run directory says so
    r = c.notify(*args, "--fail-on-alert", week)
    reqs = c.hook.requests()
    e = []
    if r.returncode != 7:
        e.append("exit %d: %s" % (r.returncode, err(r)))
    if len(reqs) != 1 or reqs[0]["status"] != 200:
        e.append("requests: %s" % [x.get("status") for x in reqs])
    elif ":rotating_light: `budget`: 1 budget: " + line not in \
            text_of(reqs[0]["body"]):
        e.append("message: %s" % text_of(reqs[0]["body"])[:600])
    if "notify: alert fired: budget (1 budget: org-weekly (%s, %s%% used, "\
            % (want["status"], want["used_pct"]) not in err(r):
        e.append("stderr: %s" % err(r))
    try:
        st = json.loads(read(state))
        if st != {"version": 1, "alerts": [{"rule": "budget", "entity":
                                             entity, "sent_at":
                                             pinnow.NOW_RFC}]}:
            e.append("state: %s" % st)
    except (TypeError, ValueError) as x:
        e.append("state %s: %s" % (state, x))
    s.check("a budget crossing 75%% fires, named with its status and "
            "percentages (%s), recorded beside the run directory" %
            want["status"], e)
    before = read(state)

    # 2. within the cooldown: held back
    r = c.notify(*args, "--fail-on-alert", "--only-on-alert", week,
                 now=later(6))
    e = []
    if r.returncode != 0:
        e.append("exit %d" % r.returncode)
    if len(c.hook.requests()) != 1:
        e.append("posted again")
    if "notify: alert held back by --cooldown (sent at %s): budget (1 "\
            "budget: org-weekly" % pinnow.NOW_RFC not in err(r) or \
            "no alert fired but those --cooldown held back; nothing posted"\
            not in err(r) or "notify: alert fired" in err(r):
        e.append("stderr: %s" % err(r))
    if read(state) != before:
        e.append("the state changed")
    s.check("6 hours later, within --cooldown 12h: held back, nothing "
            "posted (--only-on-alert), exit 0 (--fail-on-alert), state "
            "unchanged", e)
    r = c.notify(*args, "--fail-on-alert", week, now=later(6))
    reqs = c.hook.requests()
    e = []
    if r.returncode != 0 or len(reqs) != 2:
        e.append("exit %d, %d requests" % (r.returncode, len(reqs)))
    elif "No alert fired" not in text_of(reqs[1]["body"]) or \
            "org-weekly" in text_of(reqs[1]["body"]):
        e.append("message: %s" % text_of(reqs[1]["body"])[:400])
    if read(state) != before:
        e.append("the state changed")
    s.check("held back: the message goes without it (No alert fired), "
            "exit 0", e)

    # 3. --dry-run: reports what is held, writes nothing
    r = c.notify(*args, "--dry-run", week, now=later(7))
    e = []
    if r.returncode != 0 or "held back by --cooldown" not in err(r) or \
            "org-weekly" in r.stdout.decode():
        e.append("exit %d: %s" % (r.returncode, err(r)))
    if read(state) != before or len(c.hook.requests()) != 2:
        e.append("state written or posted")
    os.rename(state, state + ".kept")
    r = c.notify(*args, "--dry-run", week, now=later(7))
    if r.returncode != 0 or "alert fired: budget" not in err(r) or \
            os.path.exists(state):
        e.append("without a state: exit %d, state %s" % (
            r.returncode, os.path.exists(state)))
    os.rename(state + ".kept", state)
    s.check("--dry-run reports what is held back and never writes the "
            "state", e)

    # 4. after the cooldown: again, and its time moves on
    r = c.notify(*args, "--fail-on-alert", week, now=later(12))
    reqs = c.hook.requests()
    e = []
    if r.returncode != 7 or len(reqs) != 3:
        e.append("exit %d, %d requests: %s" % (r.returncode, len(reqs),
                                               err(r)))
    elif line not in text_of(reqs[2]["body"]):
        e.append("message: %s" % text_of(reqs[2]["body"])[:400])
    st = json.loads(read(state))
    if [a["sent_at"] for a in st["alerts"]] != [later(12)]:
        e.append("state: %s" % st)
    s.check("12 hours later (the cooldown over): fires again, exit 7, sent "
            "at the new time", e)

    # 5. a corrupt state: an error naming it, nothing posted or changed
    e = []
    for bad in (b'{"version": 1, "alerts": [', b'{"version": 2, '
                b'"alerts": []}', b'{"version": 1, "alerts": [{"rule": '
                b'"budget", "entity": "", "sent_at": "soon"}]}'):
        with open(state, "wb") as f:
            f.write(bad)
        r = c.notify(*args, week, now=later(30))
        lines = err(r).strip().splitlines()
        if r.returncode != 3 or len(lines) != 1 or \
                ("state file '%s'" % os.path.realpath(state)) not in lines[0]:
            e.append("%r: exit %d: %s" % (bad[:30], r.returncode, err(r)))
        if read(state) != bad:
            e.append("%r: rewritten" % bad[:30])
    if len(c.hook.requests()) != 3:
        e.append("posted")
    s.check("a corrupt state file: exit 3, one line naming it, nothing "
            "posted, the file kept", e)
    os.unlink(state)

    # 6. --state elsewhere
    other = os.path.join(c.tmp, "elsewhere.json")
    r = c.notify(*args, "--state", other, week, now=later(40))
    e = []
    if r.returncode != 0 or not os.path.exists(other) or \
            os.path.exists(state):
        e.append("exit %d: %s" % (r.returncode, err(r)))
    s.check("--state FILE keeps the state there", e)

    # 7. four at once with one state file: one sends the alert, the
    # others wait for it (STATE.lock) and hold it back
    race = os.path.join(c.tmp, "race.json")
    n0 = len(c.hook.requests())
    procs = [subprocess.Popen([c.bin, "notify", "slack", "--timeout", "5s",
                               *args, "--state", race, week],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              env=c.env(later(60))) for _ in range(4)]
    outs = [p.communicate(timeout=300) for p in procs]
    reqs = c.hook.requests()[n0:]
    e = []
    if any(p.returncode != 0 for p in procs):
        e.append("exits %s: %s" % ([p.returncode for p in procs],
                                   [o[1][-200:] for o in outs]))
    fired = [r for r in reqs if "org-weekly" in text_of(r["body"])]
    if len(reqs) != 4 or len(fired) != 1:
        e.append("%d messages, %d with the alert" % (len(reqs), len(fired)))
    st = json.loads(read(race) or b"null")
    if not st or len(st["alerts"]) != 1:
        e.append("state: %s" % st)
    if os.path.exists(race + ".lock"):
        e.append("race.json.lock left behind")
    s.check("four notifies at once on one state file: the alert sent once, "
            "recorded once, no lock file left", e)
    return budgets, week


def check_usage(s, c, budgets, week):
    e = []
    env_budgets = dict(os.environ)
    env_budgets.pop("CIRCLECI_USAGE_BUDGETS", None)
    cases = (
        (["--alert", "budget"], "--alert 'budget': a budget rule needs the "
         "budgets file: give --budgets FILE or set CIRCLECI_USAGE_BUDGETS"),
        (["--alert", "budget.used_pct > 5 and project.total_credits > 1"],
         "cannot mix them"),
        (["--state", "x.json", "--alert", "jobs > 1"],
         "--state goes with --cooldown"),
        (["--cooldown", "soon", "--alert", "jobs > 1"], "--cooldown"),
        (["--cooldown", "0", "--alert", "jobs > 1"], "--cooldown"),
    )
    for args, want in cases:
        r = c.notify("--dry-run", *args, week)
        lines = [x for x in err(r).splitlines()
                 if x.startswith("circleci-usage:")]
        if r.returncode != 2 or len(lines) != 1 or want not in lines[0]:
            e.append("%s: exit %d: %s" % (args, r.returncode, err(r)))
    s.check("usage errors exit 2 with one line: a budget rule without "
            "budgets, kinds mixed, --state alone, a bad --cooldown", e)
    # the budgets file from the environment
    r = subprocess.run([c.bin, "notify", "slack", "--dry-run", "--alert",
                        "budget", week], capture_output=True,
                       env=dict(c.env(pinnow.NOW_RFC),
                                CIRCLECI_USAGE_BUDGETS=budgets))
    s.check("CIRCLECI_USAGE_BUDGETS gives the budgets file",
            [] if r.returncode == 0 and "alert fired: budget" in err(r)
            else ["exit %d: %s" % (r.returncode, err(r))])


# ---------------------------------------------------------------- anomalies

def check_anomaly(s, c, quick):
    start = LAST - dt.timedelta(days=41)
    clean = os.path.join(c.tmp, "clean")
    rows = 12000 if quick else 24000
    gen(clean, start, 42, rows, 7)
    r = c.run("report", "--format", "csv", "--since", day(SPIKE_DAY),
              "--until", day(SPIKE_DAY), clean)
    project = list(csv.DictReader(io.StringIO(r.stdout.decode())))[0][
        "project"]
    spiked = os.path.join(c.tmp, "spiked")
    gen(spiked, start, 42, rows, 7, "%s:%s:3" % (project, day(SPIKE_DAY)))
    db = os.path.join(c.tmp, "h.db")
    r = c.run("ingest", "--quiet", "--db", db, spiked)
    if r.returncode != 0:
        raise RuntimeError("ingest: %s" % err(r))
    sums = A.resum(spiked)
    credits = sums[(project, day(SPIKE_DAY))]
    excess = credits - A.baseline(sums, project, day(SPIKE_DAY))
    usd = excess * Decimal("0.0006")
    args = ("--db", db, "--since", day(LAST - dt.timedelta(days=6)),
            "--until", day(LAST), "--alert",
            "anomaly and anomaly.excess_usd >= 10", "--cooldown", "7d",
            "--fail-on-alert")
    r = c.notify(*args)
    reqs = c.hook.requests()
    want = "`%s` on %s, spike, %s credits ($%s) above its baseline" % (
        project, day(SPIKE_DAY), money(excess, True), money(usd))
    e = []
    if r.returncode != 7:
        e.append("exit %d: %s" % (r.returncode, err(r)))
    if not reqs or want not in text_of(reqs[-1]["body"]) or \
            ":rotating_light: `anomaly and anomaly.excess_usd &gt;= 10`: " \
            not in text_of(reqs[-1]["body"]):
        e.append("want %r in %s" % (want, text_of(reqs[-1]["body"])[:700]
                                    if reqs else "no request"))
    if "%s on %s (spike, %s credits, $%s)" % (
            project, day(SPIKE_DAY), "+" + str(excess.quantize(
                CENT, ROUND_HALF_UP)), money(usd).replace(",", "")) \
            not in err(r):
        e.append("stderr: %s" % err(r))
    s.check("an injected spike fires an anomaly alert naming %s and %s, "
            "excess %s credits exact against a re-sum of the CSV" % (
                project, day(SPIKE_DAY), excess), e)

    e = []
    with sqlite3.connect(db) as h:
        got = h.execute("SELECT rule, entity, sent_at FROM alerts_sent "
                        "WHERE entity LIKE 'anomaly % spike " + project +
                        "'").fetchall()
    ms = int((NOW0 - dt.datetime(1970, 1, 1)).total_seconds() * 1000)
    if ("anomaly and anomaly.excess_usd >= 10", "anomaly %s spike %s" % (
            day(SPIKE_DAY), project), ms) not in got:
        e.append("alerts_sent: %s" % got)
    n = len(c.hook.requests())
    r = c.notify(*args, "--only-on-alert", now=later(24 * 6))
    if r.returncode != 0 or len(c.hook.requests()) != n or \
            "held back by --cooldown (sent at %s)" % pinnow.NOW_RFC \
            not in err(r) or "%s on %s" % (project, day(SPIKE_DAY)) \
            not in err(r):
        e.append("6 days later: exit %d: %s" % (r.returncode, err(r)))
    s.check("with --db the database's alerts_sent table keeps it; 6 days "
            "later (--cooldown 7d) it is held back", e)

    # a row that is not ours: an error naming the table, not a reset
    with sqlite3.connect(db) as h:
        h.execute("UPDATE alerts_sent SET sent_at = 'yesterday'")
    r = c.notify(*args, now=later(24 * 8))
    lines = err(r).strip().splitlines()
    s.check("a corrupt alerts_sent row: exit 3, one line naming the "
            "database and the table",
            [] if r.returncode == 3 and len(lines) == 1 and
            "database '%s': table alerts_sent, row 1" % db in lines[0] and
            len(c.hook.requests()) == n else
            ["exit %d: %s" % (r.returncode, err(r))])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--quick", action="store_true")
    a = ap.parse_args()
    s = Suite()
    tmp = tempfile.mkdtemp(prefix="cu-alerts.")
    hook = None
    try:
        hook = Hook(tmp)
        c = Ctx(os.path.abspath(a.bin), tmp, hook)
        try:
            budgets, week = check_budget(s, c)
            check_usage(s, c, budgets, week)
        except (RuntimeError, OSError, ValueError, KeyError,
                IndexError, subprocess.CalledProcessError) as x:
            s.ko("budget checks", x)
        try:
            check_anomaly(s, c, a.quick)
        except (RuntimeError, OSError, ValueError, KeyError,
                IndexError, subprocess.CalledProcessError) as x:
            s.ko("anomaly checks", x)
    finally:
        if hook is not None:
            hook.stop()
        scratch.rmtree(tmp)
    s.summary()
    return 1 if s.failed else 0


if __name__ == "__main__":
    sys.exit(main())
