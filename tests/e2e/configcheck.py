#!/usr/bin/env python3
"""configcheck.py --bin BIN: the structure of .circleci/config.yml, and its
weekly job run for real against the test double.

Structure: version 2.1; every job a workflow names exists, every executor
and command a job uses exists, every pipeline parameter used is declared;
the check workflow runs `make check` on pushes and not on schedules; the
weekly-usage workflow runs on a schedule, its job uses a context, runs
`circleci-usage run` and stores the directory that run writes as
artifacts; the Slack step only runs when SLACK_WEBHOOK_URL is set and never
prints it.  The weekly job is cheap: no apt-get of its own, a restore_cache
and save_cache of one key made from a checksum of the source
(scripts/ci-tool.sh key: it changes with src/ and the Makefile), the tool
installed from that cache (ci-tool.sh install: on a hit only dpkg -i, on a
miss a download of the run-time packages and a build, both checked with
stand-ins for apt-get, dpkg and make); the raw exports written outside the
stored directory and stored only under a pipeline parameter, off by
default.

Then the weekly job's own shell commands (after the build) are run as they
are written, in a temporary directory, with CIRCLE_ORGANIZATION_ID,
CIRCLECI_API_URL and CIRCLECI_API_TOKEN set as CircleCI and the context
would set them, against the test double: they must succeed and leave the
artifacts where store_artifacts looks for them.

Needs PyYAML (Debian python3-yaml); prints PASS/FAIL lines and
`N passed, M failed`.
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, HERE)
import scratch  # noqa: E402  (files and outputs kept for run.sh's scan)

BUILTIN_STEPS = {"checkout", "run", "store_artifacts", "store_test_results",
                 "persist_to_workspace", "attach_workspace", "save_cache",
                 "restore_cache", "setup_remote_docker", "add_ssh_keys",
                 "when", "unless"}
passed = 0
failed = 0


def report(name, errors):
    global passed, failed
    if errors:
        failed += 1
        print("FAIL %s: %s" % (name, "; ".join(errors[:5])), flush=True)
    else:
        passed += 1
        print("PASS %s" % name, flush=True)


def step_name(step):
    return step if isinstance(step, str) else next(iter(step))


def step_body(step):
    return {} if isinstance(step, str) else step[step_name(step)]


def run_command(step):
    body = step_body(step)
    return body if isinstance(body, str) else body.get("command", "")


def expand_steps(cfg, steps, seen=()):
    """The job's steps with the config's own commands expanded."""
    out = []
    for s in steps:
        n = step_name(s)
        if n in cfg.get("commands", {}) and n not in seen:
            out += expand_steps(cfg, cfg["commands"][n].get("steps", []),
                                seen + (n,))
        else:
            out.append(s)
    return out


def workflow_jobs(wf):
    for j in wf.get("jobs", []):
        if isinstance(j, str):
            yield j, {}
        else:
            name = next(iter(j))
            yield name, j[name] or {}


def mentions_schedule(when):
    return "scheduled_pipeline" in yaml.safe_dump(when)


def check_cache(cfg, job, steps, cmds):
    """restore_cache, the install from it and save_cache, one key on a
    checksum of a file the ci-tool.sh key step writes; no apt-get."""
    errors = []
    names = [step_name(s) for s in steps]
    for c in cmds:
        if "apt-get" in c:
            errors.append("the weekly job runs apt-get: %s" %
                          c.strip().splitlines()[0])
    if "restore_cache" not in names or "save_cache" not in names:
        return errors + ["no restore_cache and save_cache"]
    ri, si = names.index("restore_cache"), names.index("save_cache")
    keys = step_body(steps[ri]).get("keys") or [step_body(steps[ri]).get(
        "key")]
    skey = step_body(steps[si]).get("key", "")
    if skey not in keys:
        errors.append("save_cache's key %r is not restored (%r)" % (skey,
                                                                   keys))
    m = re.search(r'\{\{\s*checksum\s+"([^"]+)"\s*\}\}', skey)
    if not m:
        return errors + ["the cache key has no checksum: %r" % skey]
    keyfile = m.group(1)
    before = [run_command(s) for s in steps[:ri] if step_name(s) == "run"]
    if not any("ci-tool.sh key" in c and keyfile in c for c in before):
        errors.append("%s is not written by ci-tool.sh key before "
                      "restore_cache" % keyfile)
    paths = step_body(steps[si]).get("paths", [])
    between = [run_command(s) for s in steps[ri:si] if step_name(s) == "run"]
    inst = [c for c in between if "ci-tool.sh install" in c]
    if not inst:
        errors.append("no ci-tool.sh install between restore_cache and "
                      "save_cache")
    elif not any(re.search(r"install\s+%s\b" % re.escape(p), inst[0])
                 for p in paths):
        errors.append("save_cache keeps %r, not what install fills" % paths)
    later = [run_command(s) for s in steps[si:] if step_name(s) == "run"]
    if not any("circleci-usage run" in c for c in later):
        errors.append("circleci-usage run comes before the cache")
    return errors


def check_history(steps, cmds):
    """run --db DIR/FILE with DIR kept from week to week: a save_cache of
    DIR under a key unique to the run, after the last command and even when
    one failed, and a restore_cache before run whose key is the saved
    key's constant prefix (the newest such cache)."""
    errors = []
    runs = [c for c in cmds if "circleci-usage run" in c]
    m = re.search(r"--db\s+(\S+)", runs[0]) if runs else None
    if not m:
        return ["run has no --db: no history from one week to the next"]
    # "${CIRCLECI_USAGE_DB:-FILE}": FILE unless the context names a server
    d = re.fullmatch(r'"?\$\{CIRCLECI_USAGE_DB:-([^}]+)\}"?', m.group(1))
    hdir = os.path.dirname(d.group(1) if d else m.group(1))
    names = [step_name(s) for s in steps]
    saves = [i for i, s in enumerate(steps) if step_name(s) == "save_cache"
             and hdir in step_body(s).get("paths", [])]
    if not saves:
        return errors + ["no save_cache keeps %s" % hdir]
    si = saves[0]
    body = step_body(steps[si])
    key = body.get("key", "")
    if not re.search(r"\{\{\s*(epoch|\.BuildNum)\s*\}\}", key):
        errors.append("the history's key %r is not new each run (a cache "
                      "is written once under a key)" % key)
    if body.get("when") != "always":
        errors.append("the history is not saved when a step failed")
    last_run = max(i for i, n in enumerate(names) if n == "run")
    if si < last_run:
        errors.append("the history is saved before the last command "
                      "(notify's alerts sent would be lost)")
    prefix = re.split(r"\{\{", key)[0]
    run_i = next(i for i, s in enumerate(steps) if step_name(s) == "run"
                 and "circleci-usage run" in run_command(s))
    if not any(step_name(s) == "restore_cache" and prefix in
               (step_body(s).get("keys") or [step_body(s).get("key")])
               for s in steps[:run_i]):
        errors.append("no restore_cache of %r before run" % prefix)
    for c in cmds:
        if "notify slack" in c and "--cooldown" in c:
            m = re.search(r"--state\s+(\S+)", c)
            if not m or os.path.dirname(m.group(1)) != hdir:
                errors.append("notify's --cooldown state is not kept in "
                              "%s" % hdir)
    return errors


def check_artifacts(cfg, job, outdir, expdir):
    """The report stored; the exports outside it, stored only under a
    `when` on a boolean pipeline parameter that is false by default."""
    errors = []
    if expdir is None:
        return ["run keeps the exports in %s (no --export-dir)" % outdir]
    if os.path.normpath(expdir).startswith(os.path.normpath(outdir) + "/"):
        errors.append("the exports (%s) are inside %s" % (expdir, outdir))
    params = cfg.get("parameters", {})
    for s in job.get("steps", []):
        n = step_name(s)
        if n == "store_artifacts" and step_body(s).get("path") == expdir:
            errors.append("the exports are always stored")
        if n == "when":
            cond = str(step_body(s).get("condition"))
            m = re.search(r"pipeline\.parameters\.([A-Za-z0-9_-]+)", cond)
            inner = [step_body(x).get("path") for x in
                     step_body(s).get("steps", [])
                     if step_name(x) == "store_artifacts"]
            if expdir in inner:
                p = params.get(m.group(1), {}) if m else {}
                if p.get("type") != "boolean" or p.get("default") is not \
                        False:
                    errors.append("the exports are stored unless a "
                                  "parameter says no (%r)" % cond)
                else:
                    expdir = None
    if expdir is not None and not errors:
        errors.append("no parameter keeps the exports (%s)" % expdir)
    return errors


def check_tool_script():
    """ci-tool.sh: the key follows src/ and the Makefile; install on a hit
    runs dpkg -i and no apt-get; on a miss it downloads the run-time
    packages, builds, and fills DIR.  apt-get, dpkg and make are
    stand-ins that record their arguments."""
    errors = []
    tmp = tempfile.mkdtemp(prefix="cu-citool-")
    try:
        tree = os.path.join(tmp, "tree")
        os.makedirs(os.path.join(tree, "scripts"))
        shutil.copytree(os.path.join(ROOT, "src"), os.path.join(tree, "src"))
        for f in ("Makefile", "scripts/ci-tool.sh", "scripts/deps.sh"):
            shutil.copy(os.path.join(ROOT, f), os.path.join(tree, f))

        def key():
            return subprocess.run(["sh", "scripts/ci-tool.sh", "key"],
                                  cwd=tree, capture_output=True,
                                  check=True).stdout
        k0 = key()
        if key() != k0 or len(k0.strip()) != 64:
            errors.append("the key is not a stable checksum: %r" % k0)
        for f in ("src/report.c", "Makefile"):
            with open(os.path.join(tree, f), "a") as fh:
                fh.write("\n")
            k1 = key()
            if k1 == k0:
                errors.append("the key does not change with %s" % f)
            k0 = k1
        # the stand-ins
        fake = os.path.join(tmp, "bin")
        os.makedirs(fake)
        log = os.path.join(tmp, "calls")
        arch = os.path.join(tmp, "archives")
        os.makedirs(arch)
        stand = {
            "apt-get": 'case "$*" in *download-only*) : >"%s/x_1.deb";; '
                       'esac' % arch,
            "dpkg": "",
            "make": 'cp "%s" circleci-usage' % os.path.join(ROOT,
                                                            "circleci-usage"),
        }
        for n, body in stand.items():
            with open(os.path.join(fake, n), "w") as fh:
                fh.write('#!/bin/sh\necho "%s $*" >>"%s"\n%s\n' % (n, log,
                                                                    body))
            os.chmod(os.path.join(fake, n), 0o755)
        env = dict(os.environ, PATH=fake + ":" + os.environ["PATH"],
                   CI_TOOL_ARCHIVES=arch)

        def install(what):
            if os.path.exists(log):
                os.unlink(log)
            r = subprocess.run(["sh", "scripts/ci-tool.sh", "install",
                                "cache"], cwd=tree, env=env,
                               capture_output=True)
            calls = open(log).read().splitlines() if os.path.exists(
                log) else []
            if r.returncode != 0:
                errors.append("install (%s): exit %d: %s" % (
                    what, r.returncode, r.stderr.decode()[-200:]))
            return calls
        calls = install("miss")
        if not any(c.startswith("apt-get install") and "--download-only" in
                   c for c in calls):
            errors.append("a miss downloads no packages: %s" % calls)
        if not any(c.startswith("make") for c in calls):
            errors.append("a miss does not build")
        for f in ("cache/circleci-usage", "cache/debs/x_1.deb",
                  "circleci-usage"):
            if not os.path.exists(os.path.join(tree, f)):
                errors.append("after a miss, %s is missing" % f)
        os.unlink(os.path.join(tree, "circleci-usage"))
        calls = install("hit")
        if [c for c in calls if not c.startswith("dpkg -i")] or not calls:
            errors.append("a hit runs more than dpkg -i: %s" % calls)
        if not os.path.exists(os.path.join(tree, "circleci-usage")):
            errors.append("a hit does not install the binary")
    finally:
        scratch.rmtree(tmp)
    return errors


def run_job(cmds, work, env, errors):
    """The job's commands in order, as CircleCI runs them (bash -eo
    pipefail); stops at the first that fails."""
    for cmd in cmds:
        r = subprocess.run(["bash", "-eo", "pipefail", "-c", cmd],
                           cwd=work, env=env, capture_output=True,
                           timeout=600)
        if r.returncode != 0:
            errors.append("`%s` exit %d: %s" % (
                cmd.strip().splitlines()[0], r.returncode,
                r.stderr.decode(errors="replace")[-300:]))
            return False
    return True


def next_weeks(a, c, d, tmp, work, outdir, cmds, errors):
    """The job twice more in the same directory, as weeks whose cache
    brought back usage-history: with .circleci/usage-budgets.yaml (an org
    budget far below the usage, so over) and SLACK_WEBHOOK_URL set to the
    stand-in webhook.  The first posts the budget alert and records it;
    the second, within --cooldown, posts without it."""
    import alerts
    os.makedirs(os.path.join(work, ".circleci"), exist_ok=True)
    with open(os.path.join(work, ".circleci", "usage-budgets.yaml"),
              "w") as f:
        f.write("budgets:\n  - name: org-cap\n    scope: org\n"
                "    period: week\n    credits: 10\n")
    hook = alerts.Hook(tmp)
    try:
        env = c.env({"CIRCLE_ORGANIZATION_ID": E_ORG(),
                     "CIRCLECI_API_URL": d.api_url,
                     "SLACK_WEBHOOK_URL": hook.url})
        for week in (1, 2):
            if not run_job(cmds, work, env, errors):
                return
            for f in ("budgets.csv", "budgets.json", "anomalies.csv",
                      "anomalies.json"):
                if not os.path.exists(os.path.join(work, outdir, f)):
                    errors.append("week %d: %s/%s missing" % (week, outdir,
                                                              f))
            posts = [r for r in hook.requests() if r.get("status") == 200]
            if len(posts) != week:
                errors.append("week %d: %d messages posted, want %d" % (
                    week, len(posts), week))
                return
            body = json.dumps(posts[-1].get("body"))
            fired = "org-cap" in body
            if week == 1 and not fired:
                errors.append("week 1: the budget alert is not in the "
                              "message")
            if week == 2 and fired:
                errors.append("week 2: the budget alert sent again within "
                              "--cooldown")
        db = os.path.join(work, "usage-history", "usage.db")
        r = subprocess.run([a.bin, "db", "info", "--db", db], cwd=work,
                           env=env, capture_output=True)
        if r.returncode != 0:
            errors.append("db info %s: exit %d" % (db, r.returncode))
        if not os.path.exists(os.path.join(work, "usage-history",
                                           "alerts.json")):
            errors.append("no usage-history/alerts.json")
    finally:
        hook.stop()


def postgres_week(a, c, d, tmp, outdir, cmds, errors):
    """The job once more, in a new directory, with the context's
    CIRCLECI_USAGE_DB (a URI without a password) and PGPASSWORD, as
    doc/postgres.md sets it up: the history goes to a PostgreSQL server
    (tests/pgserver.py), not to a file; the password is in no artifact."""
    sys.path.insert(0, os.path.join(ROOT, "tests"))
    from pgserver import PgServer
    work = os.path.join(tmp, "work-pg")
    os.makedirs(work)
    os.symlink(os.path.abspath(a.bin), os.path.join(work, "circleci-usage"))
    with PgServer() as pg:
        env = c.env({"CIRCLE_ORGANIZATION_ID": E_ORG(),
                     "CIRCLECI_API_URL": d.api_url,
                     "CIRCLECI_USAGE_DB": pg.uri,
                     "PGPASSWORD": pg.password,
                     "PGPASSFILE": os.path.join(tmp, "no-pgpass")})
        if not run_job(cmds, work, env, errors):
            return
        r = subprocess.run([a.bin, "db", "info", "--db", pg.uri], cwd=work,
                           env=env, capture_output=True)
        out = r.stdout.decode(errors="replace")
        m = re.search(r"job runs: *([0-9]+)", out)
        if r.returncode != 0 or "engine:     postgresql" not in out or \
                not m or int(m.group(1)) == 0:
            errors.append("db info on the server: exit %d: %s" % (
                r.returncode, out[-300:]))
        if os.path.exists(os.path.join(work, "usage-history", "usage.db")):
            errors.append("an SQLite file was written beside the server")
        for root, _, files in os.walk(work):
            for fn in files:
                path = os.path.join(root, fn)
                if os.path.islink(path):
                    continue
                with open(path, "rb") as f:
                    if pg.password.encode() in f.read():
                        errors.append("the database password is in %s" %
                                      os.path.relpath(path, work))


def E_ORG():
    import export
    return export.ORG


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--quick", action="store_true")
    a = ap.parse_args()
    path = os.path.join(ROOT, ".circleci", "config.yml")
    text = open(path, encoding="utf-8").read()
    cfg = yaml.safe_load(text)

    # ---- structure ----
    errors = []
    if str(cfg.get("version")) != "2.1":
        errors.append("version %r, want 2.1" % cfg.get("version"))
    jobs = cfg.get("jobs", {})
    wfs = {k: v for k, v in cfg.get("workflows", {}).items()
           if k != "version"}
    if not wfs:
        errors.append("no workflows")
    for wname, wf in wfs.items():
        for jname, _ in workflow_jobs(wf):
            if jname not in jobs:
                errors.append("workflow %s names job %s, which does not "
                              "exist" % (wname, jname))
    for jname, job in jobs.items():
        ex = job.get("executor")
        exname = ex if isinstance(ex, str) else (ex or {}).get("name")
        if exname and exname not in cfg.get("executors", {}):
            errors.append("job %s uses executor %s, which does not exist" %
                          (jname, exname))
        if not exname and not any(k in job for k in ("docker", "machine",
                                                       "macos")):
            errors.append("job %s has no executor" % jname)
        for s in job.get("steps", []):
            n = step_name(s)
            if n not in BUILTIN_STEPS and n not in cfg.get("commands", {}):
                errors.append("job %s uses step %s, which is neither "
                              "built in nor a command" % (jname, n))
    declared = set(cfg.get("parameters", {}))
    for p in re.findall(r"pipeline\.parameters\.([A-Za-z0-9_-]+)", text):
        if p not in declared:
            errors.append("pipeline parameter %s is not declared" % p)
    report("config: every job, executor, command and parameter used "
           "exists", errors)

    errors = []
    check = [w for w in wfs.values()
             if any("make check" in run_command(s)
                    for j, _ in workflow_jobs(w)
                    for s in expand_steps(cfg, jobs[j].get("steps", [])))]
    if not check:
        errors.append("no workflow runs make check")
    for w in check:
        when = w.get("when")
        if when is not None and "not" not in yaml.safe_dump(when):
            errors.append("the check workflow is restricted oddly")
    report("config: a workflow runs make check on every push", errors)

    # ---- the weekly workflow ----
    errors = []
    weekly = wfs.get("weekly-usage")
    run_steps = []
    outdir = None
    wjob = None
    if weekly is None:
        errors.append("no weekly-usage workflow")
    else:
        if not mentions_schedule(weekly.get("when", {})):
            errors.append("weekly-usage does not run on a schedule")
        entries = list(workflow_jobs(weekly))
        for jname, opts in entries:
            steps = expand_steps(cfg, jobs[jname].get("steps", []))
            cmds = [run_command(s) for s in steps if step_name(s) == "run"]
            runs = [c for c in cmds if "circleci-usage run" in c]
            if not runs:
                continue
            wjob = jname
            if not opts.get("context"):
                errors.append("job %s has no context" % jname)
            m = re.search(r"circleci-usage run\b[^\n]*?-o\s+(\S+)", runs[0])
            outdir = m.group(1) if m else "usage-report"
            stored = [step_body(s).get("path") for s in steps
                      if step_name(s) == "store_artifacts"]
            if outdir not in stored:
                errors.append("the artifacts of run (%s) are not stored "
                              "(%s)" % (outdir, stored))
            for c in cmds:
                if "notify slack" in c:
                    if "SLACK_WEBHOOK_URL" not in c:
                        errors.append("notify runs without checking "
                                      "SLACK_WEBHOOK_URL")
                    if re.search(r"echo[^\n]*\$\{?SLACK_WEBHOOK_URL", c):
                        errors.append("the webhook URL is printed")
                    if re.search(r"--webhook[^-]|https://hooks", c):
                        errors.append("the webhook is in argv")
            if "CIRCLECI_API_TOKEN" in "".join(cmds):
                errors.append("the token is handled in a command line")
            run_steps = [c for c in cmds if c.strip() and
                         c.strip() not in ("make", "make check") and
                         "apt-get" not in c and "ci-tool.sh" not in c]
            m = re.search(r"--export-dir\s+(\S+)", runs[0])
            expdir = m.group(1) if m else None
            cache_errors = check_cache(cfg, jobs[jname], steps, cmds)
            history_errors = check_history(steps, cmds)
            art_errors = check_artifacts(cfg, jobs[jname], outdir, expdir)
        if wjob is None:
            errors.append("no job of weekly-usage runs circleci-usage run")
    report("config: weekly-usage runs on a schedule, with a context, runs "
           "`circleci-usage run` and stores its artifacts", errors)
    if wjob is not None:
        report("config: the weekly job restores a cached build keyed on the "
               "source, with no apt-get on a hit", cache_errors +
               check_tool_script())
        report("config: the weekly job stores the report, not the raw "
               "exports (a parameter keeps them)", art_errors)
        report("config: the weekly job's history database is kept from "
               "one week to the next (a cache saved each run, the newest "
               "restored)", history_errors)

    # ---- the weekly job's commands, for real ----
    if a.quick or not run_steps:
        print("%d passed, %d failed" % (passed, failed))
        return 1 if failed else 0
    import export as E
    errors = []
    tmp = tempfile.mkdtemp(prefix="cu-config-")
    c = E.Ctx(a, tmp)
    data, _ = E.gen(tmp, "data", 3000, 3, E.day(-16), 15, 31)
    d = E.Double(tmp, data, E.FAST, "d-config")
    try:
        work = os.path.join(tmp, "work")
        os.makedirs(work)
        os.symlink(os.path.abspath(a.bin), os.path.join(work,
                                                        "circleci-usage"))
        env = c.env({"CIRCLE_ORGANIZATION_ID": E.ORG,
                     "CIRCLECI_API_URL": d.api_url})
        run_job(run_steps, work, env, errors)
        for f in ("index.html", "run.json", "summary.md"):
            if not os.path.exists(os.path.join(work, outdir, f)):
                errors.append("%s/%s missing" % (outdir, f))
        for f in ("export/manifest.json", "previous/manifest.json"):
            if expdir is None:
                errors.append("no --export-dir")
                break
            if not os.path.exists(os.path.join(work, expdir, f)):
                errors.append("%s/%s missing" % (expdir, f))
            if os.path.exists(os.path.join(work, outdir, f)):
                errors.append("%s/%s among the artifacts" % (outdir, f))
        # the stored directory reads as its export does
        a1 = subprocess.run([a.bin, "report", "--format", "csv", outdir],
                            cwd=work, env=env, capture_output=True)
        a2 = subprocess.run([a.bin, "report", "--format", "csv",
                             os.path.join(expdir or outdir, "export")],
                            cwd=work, env=env, capture_output=True)
        if a1.returncode != 0 or a1.stdout != a2.stdout:
            errors.append("report %s: exit %d, other figures than on its "
                          "export" % (outdir, a1.returncode))
        E.no_secret(c, os.path.join(work, outdir), [], errors)
        report("config: the weekly job's commands, run as written against "
               "the test double, leave the artifacts to store", errors)
        errors = []
        if not (a.quick or expdir is None):
            next_weeks(a, c, d, tmp, work, outdir, run_steps, errors)
            report("config: run again as the next week's job (its history "
                   "restored, a budgets file, Slack set): budgets and "
                   "anomalies written, one budget alert, held back the "
                   "week after by --cooldown", errors)
            errors = []
            postgres_week(a, c, d, tmp, outdir, run_steps, errors)
            report("config: with CIRCLECI_USAGE_DB and PGPASSWORD in the "
                   "context, the weekly job keeps its history in PostgreSQL "
                   "(a real server), the password in no file", errors)
    finally:
        d.stop()
    print("%d passed, %d failed" % (passed, failed))
    if failed == 0:
        scratch.rmtree(tmp)
    else:
        print("temp files kept in %s" % tmp)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
