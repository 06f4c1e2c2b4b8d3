#!/usr/bin/env python3
"""pghistory.py --bin BIN [--quick]: the history database's two engines,
an SQLite file and a PostgreSQL server (tests/pgserver.py: a throwaway
cluster run as `nobody` on a Unix socket), give the same answers, and
PostgreSQL ingest is safe under concurrency and kills.

Needs root (pgserver.py), Debian's postgresql package (scripts/deps.sh
check installs it) and a loopback-only network namespace: started in a
namespace with more than lo, it re-runs itself under tests/netns.sh.

  1. The same exports (overlapping ones, --tricky-names, duplicates,
     unreadable rows and values, rows without a date, four organizations)
     ingested one after another into an SQLite file and into PostgreSQL:
     every reader's output is the same bytes: report --format csv for
     every --by key, team (--teams) and combined keys; the filters
     (--project, --branch, --status, --since/--until, --last, --top,
     --sort); json, markdown and openmetrics (--budgets too); compare,
     failures, chargeback, html, notify slack --dry-run, budget,
     anomalies, focus (--grain job and day).  No reader shows the
     database's path or URI, so nothing is normalised (norm() is for
     error messages only).
  2. ingest prints the same lines (and warnings) on both engines;
     ingesting everything again stores nothing, says so, and every report
     stays the same.
  3. db info's lines are equal (span, job runs and undated ones, daily
     rows, names, ingests; not the database, engine and size); db prune
     --before removes the same job runs on both; the reports stay equal.
  4. Concurrency: six ingests of overlapping exports (of the same and of
     other organizations) started at once on a new PostgreSQL database,
     whose schema the first of them makes: all exit 0; job_runs holds
     each readable JOB_ID of the union once (counted here from the CSV);
     daily equals the roll-up recomputed from job_runs in SQL; the reports
     equal those of an SQLite database that ingested the union once.
     Then `ingest --teams` 8 at once, a few rounds: all exit 0.
  5. Kill: an ingest fed from a pipe that stalls part-way is SIGKILLed
     while its COPY runs (seen in pg_stat_progress_copy): meanwhile a
     reader answers at once; afterwards the store (counts and checksums
     of job_runs, daily, names, ingests, project_teams) is as before; the
     next ingest is not blocked and equals SQLite's; one waiting for the
     writers' lock goes on when the holder is killed.  And SIGKILL at
     seeded moments over a whole ingest (COPY, merge, commit): the store
     is as it was or whole, and the next ingest ends it as an
     uninterrupted one.
  6. A --db holding a password (URI user:password@, ?password=, keyword
     password=) is refused by every command with exit 2 and one line, the
     password in neither stdout nor stderr; given through PGPASSFILE only,
     it works.
  7. A read-only role for BI tools, made with the documentation's SQL as
     written: report --db (and others, db info) equal the owner's; it can
     SELECT daily_named and job_runs_named; its ingest and prune fail
     (permission denied) and change nothing.
  8. The views: daily_named's credits and jobs per project equal report
     --by project's, per team (after ingest --teams) report --by team's;
     job_runs_named has every job run.
  9. Migration: a database made to look like schema version 1 is read
     (the same answers; db info says 1); ingest brings it to 2 (views and
     project_teams back, readable by the read-only role through its
     default privileges); one of version 999 is refused by readers,
     ingest, db info and prune (exit 3, one line) and left as it was.
 10. Names that are not UTF-8 (\xff, \xe9, a cut sequence, an overlong
     one, a surrogate, a NUL) in a part made here: ingest into PostgreSQL
     succeeds; PostgreSQL stores and shows U+FFFD per bad byte where
     SQLite keeps the bytes (the documented difference); every output is
     otherwise SQLite's.  Two JOB_IDs that differ only in such bytes are
     two job runs on both engines.

Prints `PASS name` / `FAIL name: reason` per check and a last line
`N passed, M failed`; exits 1 if any check failed.  Python 3 standard
library only.
"""

import concurrent.futures
import csv
import gzip
import html
import io
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import types
import urllib.parse
from decimal import Decimal

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
NETNS = os.path.join(ROOT, "tests", "netns.sh")


def loopback_only():
    """Does this network namespace have no interface but lo?"""
    try:
        with open("/proc/net/dev") as f:
            lines = f.read().splitlines()[2:]
        names = [x.split(":")[0].strip() for x in lines]
    except OSError:
        return False
    return names == ["lo"]


if os.environ.get("CU_NETNS") != "1" and not loopback_only():
    # the server listens on loopback only, but no test may reach further
    os.execvp("sh", ["sh", NETNS, sys.executable, os.path.abspath(__file__)]
              + sys.argv[1:])

# the standard library's secrets, not the suite tests/e2e/secrets.py that
# sits beside this file (first on sys.path): pgserver.py imports it too
sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != HERE]
import secrets  # noqa: E402
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(ROOT, "tests"))
import pinnow  # noqa: E402,F401  (the pinned now, in the environment)
import scratch  # noqa: E402,F401  (keeps outputs for run.sh's scan)
import tally  # noqa: E402
from pgserver import PgServer, on_signals  # noqa: E402

GEN = os.path.join(ROOT, "tests", "gen", "genexport.py")
SCHEMA = "circleci_usage"
TIMEOUT = 120

# what the parts share: the server, the data, the databases
S = types.SimpleNamespace(pg=None, procs=[])

TEAMS = ('teams:\n  mobile: ["*ios*", "*android*", "*mobile*"]\n'
         '  ml: ["ml-*", "gpu-*", "*model*"]\n'
         '  web: ["*web*", "*app*", "*front*"]\n'
         '  data: ["*etl*", "*dbt*", "*data*", "*analytics*"]\n')
BUDGETS = ("budgets:\n"
           "  - {name: org-month, scope: org, period: month, "
           "credits: 900000}\n"
           "  - {name: org-week, scope: org, period: week, credits: 50000}\n"
           '  - {name: a-week, project: "*a*", period: week, '
           "credits: 20000}\n"
           "  - {name: ml-month, team: ml, period: month, credits: 5000}\n"
           '  - {name: rc-week, by: {resource_class: "medium"}, '
           "period: week, credits: 3000}\n")

# the two periods of compare and notify
PREV = ["--previous-since", "2026-10-01", "--previous-until", "2026-10-31"]
CUR = ["--since", "2026-11-01", "--until", "2026-11-30"]

# the columns of job_runs that are the data (not id and ingest)
RUN_COLS = ("job_key, job_id, day, project, workflow, job, status,"
            " resource_class, executor, os, org, trigger_source, branch,"
            " trigger_user, run_seconds, compute_credits, dlc_credits,"
            " user_credits, storage_credits, network_credits, lease_credits,"
            " lease_overage_credits, ipranges_credits, total_credits,"
            " median_cpu_pct, max_cpu_pct, median_ram_pct, max_ram_pct")
DIMS9 = ("day, project, workflow, job, status, resource_class, executor,"
         " os, org, trigger_source")
SUMS = ("run_seconds", "compute_credits", "dlc_credits", "user_credits",
        "storage_credits", "network_credits", "lease_credits",
        "lease_overage_credits", "ipranges_credits", "total_credits")


# ---------------------------------------------------------------- running

def tool(*args, env=None, stdin=None, timeout=TIMEOUT):
    """The tool with args (PGPASSFILE and the pinned now in its
    environment); the CompletedProcess."""
    return subprocess.run([S.binary] + [str(a) for a in args],
                          capture_output=True, timeout=timeout,
                          env=S.env if env is None else env,
                          stdin=stdin if stdin is not None
                          else subprocess.DEVNULL)


def ok_run(*args, **kw):
    r = tool(*args, **kw)
    if r.returncode != 0:
        raise RuntimeError("%s: exit %d: %s" % (
            " ".join(str(a) for a in args[:3]), r.returncode,
            r.stderr.decode(errors="replace")[-400:]))
    return r


def uri(db, user="cu"):
    """The libpq URI of database db as user, on the server's socket."""
    q = urllib.parse.urlencode({"host": S.pg.sockdir,
                                "port": str(S.pg.port), "user": user})
    return "postgresql:///%s?%s" % (db, q)


def psql(db, sql, user="cu", env=None, check=True):
    """SQL (on stdin) in database db as user, search_path our schema;
    psql -At's output, or the CompletedProcess when check is False."""
    r = subprocess.run(
        [os.path.join(S.pg.bin, "psql"), "-X", "-q", "-At", "-v",
         "ON_ERROR_STOP=1", "-d", uri(db, user)],
        input=("SET search_path = %s;\n%s\n" % (SCHEMA, sql)).encode(),
        capture_output=True, env=S.env if env is None else env,
        timeout=TIMEOUT)
    if not check:
        return r
    if r.returncode != 0:
        raise RuntimeError("psql %s: %s" % (db, r.stderr.decode(
            errors="replace")[-400:]))
    return r.stdout.decode()


def create_db(name):
    S.pg.admin_sql("CREATE DATABASE %s OWNER cu TEMPLATE template0 "
                   "ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C';" % name)


def store_sum(db, teams=True):
    """The store's content, independent of ids and order: counts and
    md5s of job_runs, daily, names, ingests (and project_teams)."""
    sql = ("SELECT (SELECT count(*) FROM job_runs) || ' ' ||"
           " (SELECT md5(coalesce(string_agg(x, E'\\n' ORDER BY x), ''))"
           "  FROM (SELECT (%s)::text AS x FROM job_runs) r) || ' ' ||"
           " (SELECT count(*) FROM daily) || ' ' ||"
           " (SELECT md5(coalesce(string_agg(d::text, E'\\n' ORDER BY"
           "  d::text), '')) FROM daily d) || ' ' ||"
           " (SELECT count(*) FROM names) || ' ' ||"
           " (SELECT md5(coalesce(string_agg(n::text, E'\\n' ORDER BY n.id),"
           "  '')) FROM names n) || ' ' ||"
           " (SELECT count(*) FROM ingests) || ' ' ||"
           " (SELECT value FROM meta WHERE key = 'schema_version')" %
           RUN_COLS)
    if teams:
        sql += (" || ' ' || (SELECT md5(coalesce(string_agg(t::text, ',' "
                "ORDER BY t::text), '')) FROM project_teams t)")
    return tuple(psql(db, sql + ";").split())


def but_ingests(t):
    """A store_sum without the count of ingests."""
    return t[:6] + t[7:]


def parallel(fns):
    """Call each of fns at once (threads); their results, in order."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=4) as ex:
        return list(ex.map(lambda f: f(), fns))


def norm(out, dbs):
    """out with each database string of dbs (a path or a URI, as is,
    HTML-escaped, JSON-escaped or URL-encoded) replaced by DB: the one
    thing two engines' messages may differ in.  Only for stderr (and
    prune's line): the readers' outputs (html, JSON's meta, notify's
    payload, markdown's heading, ...) show no database name and are
    compared as they are."""
    for d in dbs:
        for form in sorted({d, html.escape(d), html.escape(d, quote=False),
                            json.dumps(d)[1:-1],
                            urllib.parse.quote(d, safe="")},
                           key=len, reverse=True):
            out = out.replace(form.encode(), b"DB")
    return out


def diff(a, b):
    """The first differing line of two outputs, briefly."""
    la, lb = a.splitlines(), b.splitlines()
    for i in range(max(len(la), len(lb))):
        x = la[i] if i < len(la) else b"<end>"
        y = lb[i] if i < len(lb) else b"<end>"
        if x != y:
            return "line %d: sqlite %r | postgresql %r" % (i + 1, x[:200],
                                                            y[:200])
    return "equal"


def same_outputs(args, sq, pg):
    """Errors: args with --db sq and with --db pg, exit 0 with output,
    the same bytes.  (No reader shows the database's path or URI, so
    nothing is normalised: see norm().)"""
    a = tool(*args, "--db", sq)
    b = tool(*args, "--db", pg)
    errors = []
    for eng, r in (("sqlite", a), ("postgresql", b)):
        if r.returncode != 0:
            errors.append("%s: exit %d: %s" % (eng, r.returncode,
                          r.stderr.decode(errors="replace")[-300:]))
        elif not r.stdout.strip():
            errors.append("%s: no output" % eng)
    if errors:
        return errors
    x, y = a.stdout, b.stdout
    if x != y:
        errors.append(diff(x, y))
    return errors


# ---------------------------------------------------------------- data

def gen(name, *opts):
    d = os.path.join(S.tmp, name)
    return subprocess.Popen([sys.executable, GEN, "-o", d] +
                            [str(o) for o in opts],
                            stdout=subprocess.DEVNULL), d


def export_dir(name, *parts):
    """A new export directory holding copies of parts."""
    d = os.path.join(S.tmp, name)
    os.makedirs(d)
    for i, p in enumerate(parts):
        shutil.copy(p, os.path.join(d, "p%d-%s" % (i, os.path.basename(p))))
    return d


def parts_of(d):
    return sorted(os.path.join(d, f) for f in os.listdir(d)
                  if f.endswith(".csv.gz"))


NUMBER = re.compile(r"\s*[-+]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][-+]?[0-9]+)?"
                    r"\s*\Z")


def readable_ids(dirs):
    """The JOB_IDs of the readable rows (the field count of the header,
    a JOB_ID, a TOTAL_CREDITS that is a number) of every part of dirs."""
    ids = set()
    for d in dirs:
        for p in parts_of(d):
            with gzip.open(p, "rt", encoding="utf-8", newline="",
                           errors="surrogateescape") as f:
                rd = csv.reader(f)
                head = next(rd)
                ji, ti = head.index("JOB_ID"), head.index("TOTAL_CREDITS")
                for row in rd:
                    if len(row) != len(head):
                        continue
                    if row[ji] in ("", "\\N") or \
                            not NUMBER.match(row[ti]):
                        continue
                    ids.add(row[ji])
    return ids


def setup(suite, binary, tmp, quick):
    """The server, the exports, the files: one PASS naming the server."""
    S.binary, S.tmp, S.quick = binary, tmp, quick
    n1, n2, n3 = (900, 500, 10000) if quick else (3000, 1500, 10000)
    jobs = [
        gen("g1", "--rows", n1, "--parts", 4, "--seed", 41, "--start",
            "2026-09-24", "--days", 70, "--tricky-names", "--dup-rows", 20,
            "--bad-rows", 12, "--bad-values", 6),
        gen("g2", "--rows", n2, "--parts", 2, "--seed", 42, "--start",
            "2026-10-20", "--days", 45, "--tricky-names", "--dup-rows", 6,
            "--bad-rows", 6, "--history-ids"),
        gen("g3", "--rows", n3, "--parts", 1, "--seed", 43, "--start",
            "2026-11-10", "--days", 20),
    ]
    S.pg = PgServer()
    S.pg.start()
    for p, _ in jobs:
        if p.wait(timeout=TIMEOUT) != 0:
            raise RuntimeError("genexport.py failed")
    g1, g2, g3 = (d for _, d in jobs)
    p1, p2 = parts_of(g1), parts_of(g2)
    # overlapping exports: E2 shares a part with E1, E4 one with E2 and
    # one with E3; E3 is another organization's (other ORGANIZATION_IDs
    # and JOB_IDs)
    S.E = [export_dir("E1", p1[0], p1[1]),
           export_dir("E2", p1[1], p1[2], p1[3]),
           export_dir("E3", *p2),
           export_dir("E4", p2[1], p1[3])]
    S.g1, S.g2, S.g3 = g1, g2, g3
    S.env = S.pg.env(dict(os.environ, LC_ALL="C"))
    S.teams = os.path.join(tmp, "teams.yaml")
    with open(S.teams, "w") as f:
        f.write(TEAMS)
    S.budgets = os.path.join(tmp, "budgets.yaml")
    with open(S.budgets, "w") as f:
        f.write(BUDGETS)
    S.sq = os.path.join(tmp, "main.db")
    S.pu = S.pg.uri
    suite.ok("setup: a PostgreSQL %s server, %d+%d+%d job runs generated" %
             (S.pg.bin.split("/")[-2], n1, n2, n3))


# ------------------------------------------------- 1-3: the same answers

def reader_cases():
    """(name, args): every reader; --db is added."""
    T, B = S.teams, S.budgets
    by = ["project", "workflow", "job", "job_name", "branch",
          "resource_class", "executor", "os", "status", "org", "trigger",
          "user", "day", "week", "month", "month,project", "project,branch",
          "org,project,status", "job_name,resource_class,week",
          "day,user"]
    cases = [("report --by " + k, ["report", "--format", "csv", "--by", k])
             for k in by]
    cases += [
        ("report --by team --teams", ["report", "--by", "team", "--teams",
                                      T]),
        ("report --by month,team --teams", ["report", "--by", "month,team",
                                            "--teams", T]),
        ("report --project glob", ["report", "--project", "*e*", "--by",
                                   "job"]),
        ("report --project glob twice", ["report", "--project", "*ios*",
                                         "--project", "sdk-*", "--by",
                                         "project,day"]),
        ("report --branch glob", ["report", "--branch", "main", "--by",
                                  "project"]),
        ("report --branch glob (a branch key)", ["report", "--branch",
                                                 "feat*", "--by", "branch"]),
        ("report --status", ["report", "--status", "failed,canceled", "--by",
                             "status,project"]),
        ("report --since/--until", ["report", "--since", "2026-10-05",
                                    "--until", "2026-10-12", "--by",
                                    "project,day"]),
        ("report --since/--until, a job_runs key",
         ["report", "--since", "2026-11-05", "--until", "2026-11-20", "--by",
          "branch,user"]),
        ("report --last 2w", ["report", "--last", "2w", "--by", "week,org"]),
        ("report --top --sort jobs", ["report", "--by", "job", "--top", "5",
                                      "--sort", "jobs"]),
        ("report --sort project --top 7", ["report", "--by", "project",
                                           "--sort", "project", "--top", "7"]),
        ("report --names --by user", ["report", "--names", "--by", "user"]),
        ("report --format json", ["report", "--format", "json", "--by",
                                  "project,month"]),
        ("report --format json --by branch", ["report", "--format", "json",
                                              "--by", "branch"]),
        ("report --format markdown", ["report", "--format", "markdown",
                                      "--by", "month"]),
        ("report --format openmetrics", ["report", "--format", "openmetrics",
                                         "--by", "project"]),
        ("report --format openmetrics --budgets --teams",
         ["report", "--format", "openmetrics", "--by", "team", "--teams", T,
          "--budgets", B] + CUR),
        ("compare --by project", ["compare", "--by", "project"] + PREV + CUR),
        ("compare --by job,status", ["compare", "--by", "job,status"] + PREV
         + CUR),
        ("compare --by team --format json", ["compare", "--by", "team",
                                             "--teams", T, "--format",
                                             "json"] + PREV + CUR),
        ("failures", ["failures", "--format", "csv"]),
        ("failures --by project --format json",
         ["failures", "--by", "project", "--format", "json"]),
        ("chargeback", ["chargeback", "--teams", T, "--format", "csv"]),
        ("chargeback --shared-costs even --format json",
         ["chargeback", "--teams", T, "--shared-costs", "even", "--format",
          "json"]),
        ("html", ["html", "--teams", T, "--budgets", B]),
        ("html --since/--until", ["html"] + CUR),
        ("notify slack --dry-run", ["notify", "slack", "--dry-run"] + PREV
         + CUR),
        ("notify slack --dry-run --by team --budgets --alert",
         ["notify", "slack", "--dry-run", "--by", "team", "--teams", T,
          "--budgets", B, "--alert", "change_pct > 1", "--alert",
          "budget"] + PREV + CUR),
        ("budget", ["budget", "--budgets", B, "--teams", T, "--format",
                    "csv"]),
        ("budget --at --format json", ["budget", "--budgets", B, "--teams",
                                       T, "--at", "2026-11-20", "--format",
                                       "json"]),
        ("anomalies", ["anomalies", "--at", "2026-12-03", "--min-excess",
                       "1", "--threshold", "1", "--format", "csv"]),
        ("anomalies --by job --format json",
         ["anomalies", "--by", "job", "--at", "2026-11-25", "--days", "14",
          "--min-excess", "1", "--threshold", "1", "--format", "json"]),
        ("focus --grain job", ["focus", "--grain", "job"]),
        ("focus --grain day --teams", ["focus", "--grain", "day", "--teams",
                                       T]),
        ("focus --since --project", ["focus", "--project", "*a*", "--since",
                                     "2026-11-01"]),
    ]
    return cases


def check_readers(suite, sq, pu, prefix=""):
    cases = reader_cases()
    res = parallel([lambda c=c: same_outputs(c[1], sq, pu) for c in cases])
    for (name, _), errors in zip(cases, res):
        suite.check("%s%s: the same bytes on both engines" % (prefix, name),
                    errors)


def info_of(db, env=None):
    """db info's lines, but the database, its engine and size."""
    r = ok_run("db", "info", "--db", db, env=env)
    return [x for x in r.stdout.decode().splitlines()
            if not x.startswith(("database:", "engine:", "size:"))]


def snapshot(sq, pu):
    """A few reports from each engine (job_runs and daily)."""
    outs = []
    for args in (["--by", "project,day"], ["--by", "branch,user"],
                 ["--by", "org,status,month"]):
        for db in (sq, pu):
            outs.append(ok_run("report", "--db", db, *args).stdout)
    return outs


def equivalence(suite, binary, tmp, quick):
    sq, pu = S.sq, S.pu
    errors = []
    lines = []
    for i, e in enumerate(S.E):
        extra = ["--teams", S.teams] if i == len(S.E) - 1 else []
        a = tool("ingest", "--db", sq, *extra, e)
        b = tool("ingest", "--db", pu, *extra, e)
        if a.returncode or b.returncode:
            errors.append("E%d: exit %d and %d: %s" % (
                i + 1, a.returncode, b.returncode,
                b.stderr.decode(errors="replace")[-300:]))
            continue
        if a.stdout != b.stdout:
            errors.append("E%d: %r vs %r" % (i + 1, a.stdout, b.stdout))
        if norm(a.stderr, [sq]) != norm(b.stderr, [pu]):
            errors.append("E%d: stderr %s" % (i + 1, diff(a.stderr,
                                                          b.stderr)))
        lines.append(b.stdout.decode())
    m = [re.search(r": ([0-9]+) new, ([0-9]+) already present", x)
         for x in lines]
    if len(m) == 4 and all(m):
        if int(m[1].group(2)) == 0 or int(m[3].group(2)) == 0:
            errors.append("overlapping exports: nothing already present: "
                          "%s" % lines)
    elif not errors:
        errors.append("no 'N new, M already present' lines: %s" % lines)
    suite.check("ingest of 4 overlapping exports: the same lines on both "
                "engines (N new, M already present)", errors)
    info = info_of(pu)
    errors = [] if any(re.search(r"\(([1-9][0-9]*) without a date\)", x)
                       for x in info) else ["no undated job runs: %s" %
                                            info]
    orgs = ok_run("report", "--db", pu, "--by", "org").stdout
    if len(orgs.splitlines()) < 5:
        errors.append("fewer than 4 organizations: %r" % orgs)
    suite.check("the data has undated job runs and 4 organizations", errors)

    check_readers(suite, sq, pu)

    # 2: again, all at once: nothing changes
    before = snapshot(sq, pu)
    a = tool("ingest", "--db", sq, *S.E)
    b = tool("ingest", "--db", pu, *S.E)
    errors = []
    if a.returncode or b.returncode:
        errors.append("exit %d and %d" % (a.returncode, b.returncode))
    if a.stdout != b.stdout:
        errors.append("%r vs %r" % (a.stdout, b.stdout))
    if b" 0 new," not in b.stdout or b"(nothing changed)" not in b.stdout:
        errors.append("not '0 new ... (nothing changed)': %r" % b.stdout)
    suite.check("ingest again: the same line on both, 0 new, nothing "
                "changed", errors)
    after = snapshot(sq, pu)
    suite.check("ingest again: every report as before, on both engines",
                [] if before == after else ["reports changed"])

    # 3: db info, prune
    a, b = info_of(sq), info_of(pu)
    errors = [] if a == b else ["sqlite %s | postgresql %s" % (a, b)]
    for want in ("span:", "job runs:", "daily rows:", "names:", "ingests:"):
        if not any(x.startswith(want) for x in b):
            errors.append("no %s line: %s" % (want, b))
    ei = ok_run("db", "info", "--db", pu).stdout.decode()
    if "engine:     postgresql, schema version 4" not in ei:
        errors.append("engine line: %r" % ei)
    suite.check("db info: the same counts and span on both engines", errors)


def prune(suite, binary, tmp, quick):
    sq, pu = S.sq, S.pu
    a = tool("db", "prune", "--db", sq, "--before", "2026-10-15")
    b = tool("db", "prune", "--db", pu, "--before", "2026-10-15")
    errors = []
    if a.returncode or b.returncode:
        errors.append("exit %d and %d: %s" % (a.returncode, b.returncode,
                                              b.stderr[-300:]))
    if norm(a.stdout, [sq]) != norm(b.stdout, [pu]) or \
            b"deleted" not in b.stdout:
        errors.append("%r vs %r" % (a.stdout, b.stdout))
    if not re.search(rb"[1-9][0-9]* ", b.stdout):
        errors.append("nothing pruned: %r" % b.stdout)
    a, b = info_of(sq), info_of(pu)
    if a != b:
        errors.append("db info after: sqlite %s | postgresql %s" % (a, b))
    suite.check("db prune --before: the same job runs removed on both, db "
                "info equal after", errors)
    errors = []
    # 2026-10-15 cuts October: the roll-ups by month keep its days after
    for args in (["report", "--by", "project,day"],
                 ["report", "--by", "branch"],
                 ["report", "--by", "job"],
                 ["report", "--by", "resource_class,month"],
                 ["report", "--by", "workflow,status"],
                 ["failures"], ["focus", "--grain", "day"],
                 ["compare", "--by", "project"] + PREV + CUR):
        e = same_outputs(args, sq, pu)
        errors += ["%s: %s" % (" ".join(args[:3]), x) for x in e]
    suite.check("after the prune: reports equal on both engines", errors)


# ------------------------------------------------------ 4: concurrency

def concurrency(suite, binary, tmp, quick):
    create_db("conc")
    pu = uri("conc")
    E = S.E
    sets = [[E[0]], [E[1]], [E[2]], [E[3]], [E[0], E[1]],
            [S.g1, S.g2]]
    procs = [subprocess.Popen([S.binary, "ingest", "--quiet", "--db", pu] +
                              s, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, env=S.env)
             for s in sets]
    S.procs += procs
    outs = []
    errors = []
    for p in procs:
        try:
            o, e = p.communicate(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            p.kill()
            o, e = p.communicate()
            errors.append("an ingest did not end within %d s" % TIMEOUT)
        outs.append(o.decode())
        if p.returncode != 0:
            errors.append("exit %d: %s" % (p.returncode,
                                           e.decode(errors="replace")[-300:]))
    new = sum(int(m.group(1)) for m in
              (re.search(r": ([0-9]+) new", x) for x in outs) if m)
    suite.check("6 ingests at once on a new database: all exit 0", errors)

    union = readable_ids([S.g1, S.g2])
    n, nd, nk = psql("conc", "SELECT count(*), count(DISTINCT job_id), "
                     "count(DISTINCT job_key) FROM job_runs;").split("|")
    errors = []
    if int(n) != len(union):
        errors.append("%s job runs, %d distinct JOB_IDs in the union" %
                      (n, len(union)))
    if int(n) != new:
        errors.append("%s job runs, the ingests said %d new" % (n, new))
    rn = psql("conc", "SELECT sum(rows_new) FROM ingests;").strip()
    if rn != n:
        errors.append("ingests.rows_new adds up to %s" % rn)
    stored = set(psql("conc", "SELECT job_id FROM job_runs;").splitlines())
    if stored != union:
        errors.append("%d JOB_IDs not stored, %d stored not in the union" % (
            len(union - stored), len(stored - union)))
    suite.check("after them: each readable JOB_ID of the union once "
                "(%d, counted from the CSV)" % len(union), errors)
    errors = [] if int(n) == int(nd) == int(nk) else [
        "%s rows, %s distinct job_id, %s distinct job_key" % (n, nd, nk)]
    suite.check("after them: no JOB_ID twice", errors)

    roll = ("SELECT %s, count(*), %s FROM job_runs GROUP BY %s" % (
        DIMS9, ", ".join("coalesce(sum(%s), 0)" % c for c in SUMS), DIMS9))
    daily = "SELECT %s, jobs, %s FROM daily" % (DIMS9, ", ".join(SUMS))
    x = psql("conc", "SELECT count(*) FROM ((%s) EXCEPT ALL (%s)) a;"
             "SELECT count(*) FROM ((%s) EXCEPT ALL (%s)) b;"
             "SELECT count(*) FROM daily; SELECT count(*) FROM (%s) c;" %
             (roll, daily, daily, roll, roll)).split()
    errors = []
    if x[0] != "0" or x[1] != "0" or x[2] != x[3]:
        errors.append("roll-up not in daily: %s, daily not in the roll-up: "
                      "%s, daily rows %s, groups %s" % tuple(x))
    suite.check("after them: daily equals the roll-up of job_runs "
                "(recomputed in SQL: count and sums per day and 9 dims)",
                errors)

    sq = os.path.join(tmp, "union.db")
    ok_run("ingest", "--quiet", "--db", sq, S.g1, S.g2)
    errors = []
    for args in (["report", "--by", "project"], ["report", "--by", "day"],
                 ["report", "--by", "org,project,status"],
                 ["report", "--by", "branch,user"],
                 ["report", "--by", "job", "--format", "json"],
                 ["failures"], ["focus", "--grain", "day"],
                 ["anomalies", "--at", "2026-12-01", "--min-excess", "1",
                  "--threshold", "1"]):
        e = same_outputs(args, sq, pu)
        errors += ["%s: %s" % (" ".join(args[:3]), x) for x in e]
    a, b = info_of(sq), info_of(pu)
    a = [x for x in a if not x.startswith("ingests:")]
    b = [x for x in b if not x.startswith("ingests:")]
    if a != b:
        errors.append("db info: sqlite %s | postgresql %s" % (a, b))
    suite.check("after them: the reports of an SQLite database that "
                "ingested the union once", errors)

    # ingest --teams, many at once: each stores the projects' teams
    # after its ingest; a small export already stored, of 400 projects,
    # keeps the ingests short and the stores long, so that they overlap
    tiny = os.path.join(tmp, "tiny")
    write_part(os.path.join(tiny, "part-000.csv.gz"), [
        b"org,many-%d-app,wf,build,many-%d,2026-11-02,success,medium,main,"
        b"u1,1,1" % (i, i) for i in range(400)])
    ok_run("ingest", "--quiet", "--db", pu, tiny)
    rounds = 3 if quick else 5
    errors, failed = [], 0
    for _ in range(rounds):
        procs = [subprocess.Popen([S.binary, "ingest", "--quiet", "--db",
                                   pu, "--teams", S.teams, tiny],
                                  stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, env=S.env)
                 for _ in range(8)]
        S.procs += procs
        for p in procs:
            try:
                _, e = p.communicate(timeout=TIMEOUT)
            except subprocess.TimeoutExpired:
                p.kill()
                _, e = p.communicate()
            if p.returncode != 0:
                failed += 1
                errors.append("exit %d: %s" % (
                    p.returncode, norm(e, [pu]).decode(
                        errors="replace").strip()[-200:]))
    np_, nt = psql("conc", "SELECT (SELECT count(DISTINCT project) FROM "
                   "daily), (SELECT count(*) FROM project_teams);"
                   ).strip().split("|")
    if np_ != nt:
        errors.append("%s projects, %s in project_teams" % (np_, nt))
    suite.check("ingest --teams, 8 at once (%d rounds): all exit 0, every "
                "project's team stored" % rounds,
                ["%d of %d failed" % (failed, 8 * rounds)] + errors
                if errors else [])


# ------------------------------------------------------------- 5: kill

STALL = r"""
import gzip, sys, time
data = gzip.open(sys.argv[1]).read()
cut = int(len(data) * float(sys.argv[2]))
cut = data.rindex(b"\n", 0, cut) + 1
sys.stdout.buffer.write(data[:cut])
sys.stdout.flush()
time.sleep(float(sys.argv[3]))
"""


def copying(db):
    """Rows the server has taken into cu_stage by a running COPY, or
    None when no COPY is running in db."""
    out = S.pg.admin_sql(
        "SELECT p.tuples_processed FROM pg_stat_progress_copy p JOIN "
        "pg_stat_activity a ON a.pid = p.pid WHERE a.datname = '%s' AND "
        "a.query LIKE 'COPY %%cu_stage%%';" % db).split()
    return int(out[0]) if out else None


def stalled_ingest(db, part):
    """An ingest of part's first 95 %, whose pipe then stalls; waits until
    its COPY has taken rows.  (writer, ingest, rows seen.)  The server
    sees a batch of 4096 rows (one CopyData message) only once the next
    one is sent, when libpq flushes what it kept of the first: so more
    than two batches are written."""
    w = subprocess.Popen([sys.executable, "-c", STALL, part, "0.95", "60"],
                         stdout=subprocess.PIPE)
    p = subprocess.Popen([S.binary, "ingest", "--quiet", "--db", uri(db),
                          "-"], stdin=w.stdout, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, env=S.env)
    w.stdout.close()
    S.procs += [w, p]
    rows = None
    t0 = time.time()
    while time.time() - t0 < 30:
        rows = copying(db)
        if rows is not None and rows >= 4096:
            break
        if p.poll() is not None:
            break
        time.sleep(0.1)
    return w, p, rows


def kill9(*procs):
    for p in procs:
        if p.poll() is None:
            os.kill(p.pid, signal.SIGKILL)
        p.wait()
        for f in (p.stdout, p.stderr):
            if f:
                f.close()


def kill(suite, binary, tmp, quick):
    create_db("kill")
    pu = uri("kill")
    sq = os.path.join(tmp, "kill.db")
    E = S.E
    part = parts_of(S.g3)[0]
    for db in (sq, pu):
        ok_run("ingest", "--quiet", "--db", db, "--teams", S.teams, E[0])
    before = store_sum("kill")
    rep0 = ok_run("report", "--db", pu, "--by", "project,day").stdout

    w, p, rows = stalled_ingest("kill", part)
    errors = []
    if rows is None or rows < 4096:
        errors.append("no COPY with rows seen (%r; ingest %s)" % (
            rows, "running" if p.poll() is None else
            "ended: %d" % p.returncode))
    # a reader, meanwhile: at once, and what was there before
    t0 = time.time()
    r = tool("report", "--db", pu, "--by", "project,day", timeout=20)
    took = time.time() - t0
    if r.returncode != 0 or r.stdout != rep0 or took > 10:
        errors.append("a reader during the COPY: exit %d, %s, %.1f s" % (
            r.returncode, "same" if r.stdout == rep0 else "differs", took))
    suite.check("ingest stalled in COPY (%s rows sent): a reader answers at "
                "once, with the data before" % rows, errors)

    kill9(p)
    kill9(w)
    errors = [] if p.returncode == -signal.SIGKILL else [
        "the ingest was not killed: %r" % p.returncode]
    t0 = time.time()
    while copying("kill") is not None and time.time() - t0 < 20:
        time.sleep(0.1)
    if copying("kill") is not None:
        errors.append("the server still runs the COPY 20 s later")
    after = store_sum("kill")
    if after != before:
        errors.append("store %s, before %s" % (after, before))
    suite.check("ingest killed (SIGKILL) in the middle of COPY: the store "
                "as before (counts, checksums of job_runs, daily, names, "
                "ingests)", errors)

    errors = []
    a = tool("ingest", "--db", sq, E[1])
    t0 = time.time()
    b = tool("ingest", "--db", pu, E[1], timeout=30)
    if b.returncode != 0 or time.time() - t0 > 30:
        errors.append("exit %d after %.1f s: %s" % (
            b.returncode, time.time() - t0, b.stderr[-300:]))
    if a.stdout != b.stdout:
        errors.append("%r vs sqlite %r" % (b.stdout, a.stdout))
    for args in (["report", "--by", "project,day"], ["report", "--by",
                                                     "branch"]):
        errors += same_outputs(args, sq, pu)
    suite.check("after the kill: the next ingest is not blocked, and "
                "equals SQLite's", errors)

    # an ingest waiting for the writers' lock while the stalled one holds
    # it: it goes on when that one is killed
    w, p, rows = stalled_ingest("kill", part)
    q = subprocess.Popen([S.binary, "ingest", "--quiet", "--db", pu, E[2]],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         env=S.env)
    S.procs.append(q)
    time.sleep(1.5)
    errors = []
    if rows is None:
        errors.append("no COPY seen")
    waited = q.poll() is None
    if not waited:
        errors.append("the second ingest did not wait: exit %r" %
                      q.returncode)
    t0 = time.time()
    kill9(p)
    kill9(w)
    try:
        o, e = q.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        q.kill()
        o, e = q.communicate()
        errors.append("the waiting ingest still waits 30 s after the kill")
    if q.returncode != 0:
        errors.append("the waiting ingest: exit %d: %s" % (q.returncode,
                                                          e[-300:]))
    took = time.time() - t0
    a = tool("ingest", "--quiet", "--db", sq, E[2])
    c = tool("ingest", "--quiet", "--db", pu, part)
    d = tool("ingest", "--quiet", "--db", sq, part)
    if a.stdout != o or c.stdout != d.stdout or c.returncode:
        errors.append("ingest lines differ: %r %r | %r %r" % (
            o, a.stdout, c.stdout, d.stdout))
    for args in (["report", "--by", "project,day"],
                 ["report", "--by", "org,branch,user"],
                 ["failures", "--format", "json"]):
        errors += same_outputs(args, sq, pu)
    a, b = info_of(sq), info_of(pu)
    if a != b:
        errors.append("db info: sqlite %s | postgresql %s" % (a, b))
    suite.check("an ingest waiting for the lock goes on when the holder is "
                "killed (%.1f s), then all equals SQLite's" % took, errors)


def backends(db):
    """The server's sessions in database db (but ours)."""
    return int(S.pg.admin_sql(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = '%s' AND "
        "pid <> pg_backend_pid();" % db).strip())


def gone(db, secs=20):
    """Wait until db has no session left (a killed client's backend ends
    when it next reads or writes the socket); True if it came to pass."""
    t0 = time.time()
    while backends(db) and time.time() - t0 < secs:
        time.sleep(0.05)
    return backends(db) == 0


def kill_seeded(suite, binary, tmp, quick):
    """SIGKILL at moments drawn from fixed seeds over the whole length of
    an ingest (reading, COPY, the merge, the commit): each time the store
    is as it was or holds the whole ingest, and the next ingest ends
    within a timeout with the store of an uninterrupted one."""
    import random
    create_db("k0")
    ok_run("ingest", "--quiet", "--db", uri("k0"), "--teams", S.teams,
           S.E[0])
    big, _ = gen("g4", "--rows", 20000 if quick else 40000, "--parts", 2,
                 "--seed", 44, "--start", "2026-11-15", "--days", 15)
    big.wait(timeout=TIMEOUT)
    big = os.path.join(tmp, "g4")

    def copy(name):
        S.pg.admin_sql("CREATE DATABASE %s OWNER cu TEMPLATE k0;" % name)
        return uri(name)
    before = store_sum("k0")
    ref = copy("kref")
    t0 = time.time()
    ok_run("ingest", "--quiet", "--db", ref, big)
    tfull = time.time() - t0
    want = store_sum("kref")
    bad, moments, cut = [], [], 0
    seeds = range(1, 4 if quick else 8)
    for seed in seeds:
        delay = random.Random(seed).random() * 1.2 * tfull
        moments.append("%d:%.2fs" % (seed, delay))
        db = "k%d" % seed
        u = copy(db)
        p = subprocess.Popen([S.binary, "ingest", "--quiet", "--db", u, big],
                             stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL, env=S.env)
        S.procs.append(p)
        time.sleep(delay)
        kill9(p)
        if not gone(db):
            bad.append("seed %d: a session still open 20 s after" % seed)
        got = store_sum(db)
        if got not in (before, want):
            bad.append("seed %d (%.2fs): neither as it was nor complete: "
                       "%s" % (seed, delay, got))
            continue
        cut += got == before
        t1 = time.time()
        r = tool("ingest", "--db", u, big, timeout=60)
        now = store_sum(db)
        # after a whole one, the next stores nothing (but its ingests row)
        ok = now == want if got == before else (
            but_ingests(now) == but_ingests(want) and
            b" 0 new," in r.stdout)
        if r.returncode != 0 or not ok:
            bad.append("seed %d: the next ingest: exit %d after %.1f s, %r, "
                       "store %s" % (seed, r.returncode, time.time() - t1,
                                     r.stdout, "as it should be" if ok else
                                     "differs"))
    if cut == 0:
        bad.append("no kill cut an ingest short")
    suite.check("ingest killed at seeded moments (%.2fs run; %s; %d cut "
                "short): as it was or whole, then the next one equals an "
                "uninterrupted ingest" % (tfull, " ".join(moments), cut), bad)


# -------------------------------------------------------- 6: passwords

def passwords(suite, binary, tmp, quick):
    secret = os.environ.get("CU_E2E_ARGV_SECRET") or \
        "pw" + secrets.token_hex(12)
    forms = [secret, urllib.parse.quote(secret, safe=""), secret.upper(),
             secret.lower()]
    e = S.E[0]
    pw_uri = "postgresql://cu:%s@localhost/cu" % secret
    T, B = S.teams, S.budgets
    cases = [["ingest", "--db", pw_uri, e]]
    cases += [c + ["--db", pw_uri] for c in (
        ["report"], ["report", "--format", "openmetrics"],
        ["compare"] + PREV + CUR, ["failures"],
        ["chargeback", "--teams", T], ["html"],
        ["notify", "slack", "--dry-run"] + PREV + CUR,
        ["budget", "--budgets", B, "--teams", T], ["anomalies"], ["focus"],
        ["db", "info"], ["db", "prune", "--before", "2026-01-01"])]
    cases += [
        ["db", "info", "--db", "postgres://cu:%s@127.0.0.1:5432/cu" %
         secret],
        ["report", "--db", "postgresql://cu@localhost/cu?password=%s" %
         secret],
        ["failures", "--db", "host=localhost user=cu password=%s dbname=cu"
         % secret],
        ["ingest", "--db", "host=/tmp dbname=cu password='%s'" % secret, e],
        ["db", "prune", "--before", "2026-01-01", "--db",
         "host=%s port=%d user=cu dbname=cu password=%s" % (
             S.pg.sockdir, S.pg.port, secret)],
    ]
    refused, leaks = [], []
    for c in cases:
        r = tool(*c)
        out = r.stdout + r.stderr
        shown = r.stderr.replace(secret.encode(), b"SECRET")[:100]
        # the command, its options before --db (paths left out)
        what = " ".join(x for x in c[:c.index("--db")]
                        if not x.startswith("/"))
        if any(f.encode() in out for f in forms):
            leaks.append("%s: %r" % (what, shown))
        if r.returncode != 2 or b"password" not in r.stderr or \
                len(r.stderr.splitlines()) != 1:
            refused.append("%s: exit %d" % (what, r.returncode))
    if refused:
        refused.append("the message: %r" % shown)
    suite.check("a --db holding a password (URI, ?password=, keyword): "
                "refused with exit 2 and one line, by every command (%d "
                "cases)" % len(cases), refused)
    suite.check("a --db holding a password: the password in neither "
                "stdout nor stderr (%d cases)" % len(cases), leaks)

    errors = []
    r = tool("db", "info", "--db", S.pu)
    if r.returncode != 0:
        errors.append("with PGPASSFILE: exit %d: %s" % (r.returncode,
                                                        r.stderr[-200:]))
    env = dict(S.env, PGPASSFILE=os.devnull)
    r = tool("db", "info", "--db", S.pu, env=env, timeout=30)
    if r.returncode == 0:
        errors.append("without the password file: exit 0")
    suite.check("the password through PGPASSFILE only: works; without it "
                "refused", errors)


# ----------------------------------------------- 7: a read-only BI role

def reader_env(tmp, db_password):
    """PGPASSFILE for usage_reader (a file of its own, 0600)."""
    path = os.path.join(tmp, "reader.pgpass")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write("%s:%d:*:usage_reader:%s\n" % (S.pg.sockdir, S.pg.port,
                                              db_password))
    return dict(S.env, PGPASSFILE=path)


def grant_sql(db):
    return ("GRANT CONNECT ON DATABASE %s TO usage_reader;\n"
            "GRANT USAGE ON SCHEMA circleci_usage TO usage_reader;\n"
            "GRANT SELECT ON ALL TABLES IN SCHEMA circleci_usage TO "
            "usage_reader;\n"
            "ALTER DEFAULT PRIVILEGES FOR ROLE cu IN SCHEMA circleci_usage "
            "GRANT SELECT ON TABLES TO usage_reader;\n" % db)


def readonly(suite, binary, tmp, quick):
    pw = secrets.token_hex(16)
    errors = []
    # the documentation's SQL, as written (the password on psql's stdin)
    try:
        S.pg.admin_sql("CREATE ROLE usage_reader LOGIN PASSWORD '%s';\n" %
                       pw + grant_sql("cu"), dbname="cu")
    except RuntimeError as e:
        errors.append(str(e))
    suite.check("the read-only role's SQL runs as written", errors)
    S.reader_env = reader_env(tmp, pw)
    env = S.reader_env
    ru = uri("cu", "usage_reader")
    errors = []
    for args in (["report", "--by", "project"], ["report", "--by",
                                                 "branch,day"],
                 ["report", "--by", "team", "--teams", S.teams],
                 ["failures"], ["focus", "--grain", "day"],
                 ["anomalies", "--at", "2026-12-01", "--min-excess", "1"],
                 ["compare"] + PREV + CUR):
        a = tool(*args, "--db", S.pu)
        b = tool(*args, "--db", ru, env=env)
        if b.returncode != 0 or a.stdout != b.stdout or not a.stdout:
            errors.append("%s: exit %d, %s" % (
                " ".join(args[:3]), b.returncode,
                b.stderr[-200:] if b.returncode else diff(a.stdout,
                                                          b.stdout)))
    a, b = info_of(S.pu), info_of(ru, env=env)
    if a != b:
        errors.append("db info: %s | %s" % (a, b))
    suite.check("usage_reader: report --db and the others equal the "
                "owner's", errors)
    errors = []
    for sql in ("SELECT project, team, sum(total_credits) FROM "
                "circleci_usage.daily_named GROUP BY 1, 2;",
                "SELECT count(*) FROM circleci_usage.job_runs_named;"):
        r = psql("cu", sql, user="usage_reader", env=env, check=False)
        if r.returncode != 0 or not r.stdout.strip():
            errors.append("%s: %s" % (sql[:40], r.stderr[-200:]))
    suite.check("usage_reader: SELECT from daily_named and job_runs_named",
                errors)
    before = store_sum("cu")
    errors = []
    for args in (["ingest", "--db", ru, S.g3],
                 ["ingest", "--db", ru, "--teams", S.teams, S.E[0]],
                 ["db", "prune", "--db", ru, "--before", "2026-11-01"]):
        r = tool(*args, env=env)
        if r.returncode == 0:
            errors.append("%s: exit 0" % " ".join(args[:2]))
        elif len(r.stderr.splitlines()) > 3 or \
                b"permission denied" not in r.stderr:
            errors.append("%s: exit %d: %r" % (" ".join(args[:2]),
                                               r.returncode, r.stderr[:300]))
    if store_sum("cu") != before:
        errors.append("the store changed")
    suite.check("usage_reader: ingest and db prune fail (permission "
                "denied), nothing changes", errors)


# ------------------------------------------------------------ 8: views

def sums_of(out, key):
    """{key value: (total_credits, jobs)} of report's CSV."""
    rows = csv.DictReader(io.StringIO(out.decode()))
    return {r[key]: (Decimal(r["total_credits"]), int(r["jobs"]))
            for r in rows}


def view_sums(db, col):
    out = psql(db, "COPY (SELECT %s, sum(total_credits), sum(jobs) FROM "
               "daily_named GROUP BY 1) TO STDOUT WITH (FORMAT csv);" % col)
    return {r[0]: (Decimal(r[1]), int(r[2]))
            for r in csv.reader(io.StringIO(out))}


def views(suite, binary, tmp, quick):
    pu = S.pu
    errors = []
    rep = sums_of(ok_run("report", "--db", pu, "--by", "project").stdout,
                  "project")
    got = view_sums("cu", "project")
    if rep != got:
        errors.append("report %d projects, view %d; first difference %s" % (
            len(rep), len(got), sorted(set(rep.items()) ^
                                       set(got.items()))[:2]))
    suite.check("daily_named: credits and jobs per project equal report "
                "--by project's (%d projects)" % len(rep), errors)
    errors = []
    rep = sums_of(ok_run("report", "--db", pu, "--by", "team", "--teams",
                         S.teams).stdout, "team")
    got = view_sums("cu", "team")
    if rep != got:
        errors.append("report %s | view %s" % (sorted(rep.items()),
                                               sorted(got.items())))
    suite.check("daily_named: per team (ingest --teams) equal report --by "
                "team --teams (%d teams)" % len(rep), errors)
    n1, n2 = psql("cu", "SELECT count(*) FROM job_runs_named; "
                  "SELECT count(*) FROM job_runs;").split()
    info = "\n".join(info_of(pu))
    m = re.search(r"job runs: *([0-9]+)", info)
    errors = [] if n1 == n2 and m and m.group(1) == n1 else [
        "job_runs_named %s, job_runs %s, db info %s" % (
            n1, n2, m.group(1) if m else None)]
    suite.check("job_runs_named: every job run (%s)" % n1, errors)


# -------------------------------------------------------- 9: migration

def one_line_exit3(r):
    lines = r.stderr.decode(errors="replace").splitlines()
    return r.returncode == 3 and len(lines) == 1


def migration(suite, binary, tmp, quick):
    create_db("mig")
    pu = uri("mig")
    sq = os.path.join(tmp, "mig.db")
    for db in (sq, pu):
        ok_run("ingest", "--quiet", "--db", db, S.E[0])
    rep = ["report", "--by", "project,day"]
    want = ok_run(*rep, "--db", pu).stdout
    psql("mig", "DROP VIEW daily_named, job_runs_named; DROP TABLE "
         "project_teams, daily_branch, daily_user, daily_project, "
         "monthly_class, monthly_job, monthly; UPDATE meta SET value = "
         "'1' WHERE key = 'schema_version';")
    errors = []
    # --by branch and user read the job runs at version 1
    for args in (rep, ["report", "--by", "branch"], ["report", "--by",
                 "user"], ["failures"], ["focus", "--grain", "day"]):
        e = same_outputs(args, sq, pu)
        errors += ["%s: %s" % (" ".join(args[:3]), x) for x in e]
    if ok_run(*rep, "--db", pu).stdout != want:
        errors.append("report differs from before")
    r = ok_run("db", "info", "--db", pu).stdout.decode()
    if "engine:     postgresql, schema version 1" not in r:
        errors.append("db info: %r" % r)
    suite.check("schema version 1: readers answer as before, db info says "
                "version 1", errors)

    # the read-only role here too, while at version 1: the views ingest
    # makes are then its to read through ALTER DEFAULT PRIVILEGES
    S.pg.admin_sql(grant_sql("mig"), dbname="mig")
    errors = []
    r = tool("ingest", "--db", pu, "--teams", S.teams, S.E[1])
    a = tool("ingest", "--db", sq, "--teams", S.teams, S.E[1])
    if r.returncode != 0 or r.stdout != a.stdout:
        errors.append("ingest: exit %d: %r vs %r %s" % (
            r.returncode, r.stdout, a.stdout, r.stderr[-300:]))
    r = ok_run("db", "info", "--db", pu).stdout.decode()
    if "engine:     postgresql, schema version 4" not in r:
        errors.append("db info: %r" % r)
    v = psql("mig", "SELECT to_regclass('daily_named') IS NOT NULL, "
             "to_regclass('job_runs_named') IS NOT NULL, "
             "(SELECT count(*) FROM project_teams) > 0;").strip()
    if v != "t|t|t":
        errors.append("views and project_teams: %s" % v)
    # the roll-ups by branch and user, filled from the job runs stored
    v = psql("mig", "SELECT (SELECT count(*) FROM job_runs) = (SELECT "
             "sum(jobs) FROM daily_branch) AND (SELECT count(*) FROM "
             "job_runs) = (SELECT sum(jobs) FROM daily_user);").strip()
    if v != "t":
        errors.append("daily_branch and daily_user: %s" % v)
    # schema 4's, filled from daily
    v = psql("mig", "SELECT (SELECT count(*) FROM job_runs) = ALL (SELECT "
             "sum(jobs) FROM daily_project UNION ALL SELECT sum(jobs) FROM "
             "monthly_class UNION ALL SELECT sum(jobs) FROM monthly_job "
             "UNION ALL SELECT sum(jobs) FROM monthly);").strip()
    if v != "t":
        errors.append("the roll-ups of schema 4: %s" % v)
    for args in (rep, ["report", "--by", "team", "--teams", S.teams],
                 ["report", "--by", "branch"], ["report", "--by", "user"],
                 ["report", "--by", "branch", "--status", "failed"],
                 ["report", "--by", "job"], ["report", "--by", "executor"],
                 ["report", "--by", "job,os", "--since", "2026-10-03"]):
        errors += same_outputs(args, sq, pu)
    suite.check("ingest migrates version 1 to 4: views, project_teams, "
                "the roll-ups by branch, user, project and month back, "
                "the same answers as SQLite", errors)
    r = psql("mig", "SELECT count(*) FROM daily_named; SELECT count(*) "
             "FROM project_teams;", user="usage_reader", env=S.reader_env,
             check=False)
    suite.check("after the migration: usage_reader reads the new views "
                "(its default privileges)",
                [] if r.returncode == 0 else [r.stderr[-300:]])

    psql("mig", "UPDATE meta SET value = '999' WHERE key = "
         "'schema_version';")
    before = store_sum("mig")
    errors = []
    for args in (["report"], ["report", "--by", "branch"], ["failures"],
                 ["db", "info"], ["compare"] + PREV + CUR,
                 ["ingest", S.E[2]], ["db", "prune", "--before",
                                      "2026-11-01"]):
        r = tool(*args, "--db", pu)
        if not one_line_exit3(r) or b"999" not in r.stderr:
            errors.append("%s: exit %d: %r" % (" ".join(args[:2]),
                                               r.returncode, r.stderr[:300]))
    if store_sum("mig") != before:
        errors.append("the store changed")
    suite.check("schema version 999: readers, ingest, db info and prune "
                "refuse (exit 3, one line), nothing changes", errors)


# ---------------------------------------------------------- 10: UTF-8

HEADER = (b"ORGANIZATION_NAME,PROJECT_NAME,WORKFLOW_NAME,JOB_NAME,JOB_ID,"
          b"JOB_RUN_DATE,JOB_BUILD_STATUS,RESOURCE_CLASS,VCS_BRANCH,"
          b"PIPELINE_TRIGGER_USER_ID,COMPUTE_CREDITS,TOTAL_CREDITS\n")
BAD_ROWS = [
    b"org-\xff,proj-\xff-one,wf,build,u-1,2026-11-02,success,medium,main,"
    b"u1,10.5,10.5",
    b"org,nul-\x00-inside,wf,build,u-2,2026-11-02,success,medium,main,u1,"
    b"20.25,20.25",
    b"org,caf\xe9,wf,build,u-3,2026-11-03,success,medium,main,u2,30,30",
    b"org,cut-\xe2\x82,wf,build,u-4,2026-11-03,failed,medium,main,u2,40,40",
    b"org,ok-\xc3\xa9,wf-\xc0\xaf,job-\xed\xa0\x80,u-5,2026-11-04,success,"
    b"large,feat/\xfe,u\xf5,50,50",
    b"org,plain,wf,build,u-6,2026-11-04,success,large,main,u3,61,61",
    b"org,proj-\xff-one,wf,test,u-7,2026-11-05,success,large,main,u3,7,7",
]


FFFD = "\ufffd".encode()


def fffd(b):
    """b with each byte of an invalid UTF-8 sequence, and each NUL, as
    U+FFFD: what the PostgreSQL engine stores."""
    out = bytearray()
    i = 0
    while i < len(b):
        c = b[i]
        n = 1 if 0 < c < 0x80 else 2 if 0xc2 <= c <= 0xdf else \
            3 if 0xe0 <= c <= 0xef else 4 if 0xf0 <= c <= 0xf4 else 0
        try:
            if n == 0:
                raise ValueError
            b[i:i + n].decode("utf-8")
            out += b[i:i + n]
            i += n
        except (ValueError, UnicodeDecodeError):
            out += "\ufffd".encode()
            i += 1
    return bytes(out)


def write_part(path, rows):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with gzip.open(path, "wb") as f:
        f.write(HEADER + b"\n".join(rows) + b"\n")


def not_utf8(suite, binary, tmp, quick):
    import sqlite3
    create_db("utf")
    pu = uri("utf")
    sq = os.path.join(tmp, "utf.db")
    d = os.path.join(tmp, "notutf8")
    write_part(os.path.join(d, "part-000.csv.gz"), BAD_ROWS)
    a = tool("ingest", "--db", sq, d)
    b = tool("ingest", "--db", pu, d)
    errors = []
    if a.returncode or b.returncode or a.stdout != b.stdout or \
            b": %d new" % len(BAD_ROWS) not in b.stdout:
        errors.append("exit %d and %d: %r vs %r %r" % (
            a.returncode, b.returncode, a.stdout, b.stdout, b.stderr[-200:]))
    suite.check("names not UTF-8 (\\xff, \\xe9, a cut, an overlong, a "
                "surrogate, NUL): ingest into PostgreSQL succeeds, the same "
                "line as SQLite's", errors)

    errors = []
    for args in (["report", "--by", "org,project,workflow,job,branch,user"],
                 ["report", "--by", "project"], ["report", "--by", "day"],
                 ["failures", "--by", "project,job"],
                 ["focus", "--grain", "job"],
                 ["focus", "--grain", "day"]):
        x = ok_run(*args, "--db", sq).stdout
        y = ok_run(*args, "--db", pu).stdout
        # focus's Tags are JSON: from SQLite, a bad byte is written
        # \ufffd there and a NUL \u0000; from PostgreSQL the name holds
        # U+FFFD itself, written as it is
        x = fffd(x).replace(b"\\ufffd", FFFD).replace(b"\\u0000", FFFD)
        if x != y:
            errors.append("%s: %s" % (" ".join(args[:3]), diff(x, y)))
    y = ok_run("report", "--db", pu, "--by", "project").stdout.decode()
    for name in ("proj-\ufffd-one", "nul-\ufffd-inside", "caf\ufffd",
                 "cut-\ufffd\ufffd", "ok-\u00e9"):
        if name not in y.split("\n") and not any(
                x.startswith(name + ",") for x in y.split("\n")):
            errors.append("%r not shown" % name)
    suite.check("PostgreSQL shows U+FFFD per bad byte; every output is "
                "SQLite's with that replacement", errors)

    errors = []
    for args in (["report", "--by", "project,branch", "--format", "json"],
                 ["chargeback", "--teams", S.teams, "--format", "json"]):
        x = json.loads(ok_run(*args, "--db", sq).stdout)
        y = json.loads(ok_run(*args, "--db", pu).stdout)
        # SQLite's JSON shows the NUL as \u0000 (and bad bytes as \ufffd)
        x = json.loads(json.dumps(x).replace("\\u0000", "\\ufffd"))
        if x != y:
            errors.append("%s: %s | %s" % (args[0], json.dumps(x)[:300],
                                           json.dumps(y)[:300]))
    suite.check("JSON: the same as SQLite's (a NUL is U+FFFD, not "
                "\\u0000)", errors)

    con = sqlite3.connect(sq)
    con.text_factory = bytes
    names = {r[0] for r in con.execute("SELECT value FROM names")}
    con.close()
    pnames = set(psql("utf", "SELECT value FROM names;").encode()
                 .split(b"\n"))
    errors = []
    for raw in (b"proj-\xff-one", b"nul-\x00-inside", b"caf\xe9",
                b"cut-\xe2\x82", b"wf-\xc0\xaf", b"job-\xed\xa0\x80",
                b"feat/\xfe", b"u\xf5", b"org-\xff"):
        if raw not in names:
            errors.append("SQLite: %r not stored as is" % raw)
        if fffd(raw) not in pnames:
            errors.append("PostgreSQL: %r not stored as %r" % (raw,
                                                              fffd(raw)))
    suite.check("stored: SQLite the bytes as they are, PostgreSQL U+FFFD "
                "per bad byte", errors)

    # two JOB_IDs that differ only in bytes that are not UTF-8
    d = os.path.join(tmp, "badids")
    write_part(os.path.join(d, "part-000.csv.gz"), [
        b"org,ids,wf,build,dup-\xff,2026-11-02,success,medium,main,u1,1,1",
        b"org,ids,wf,build,dup-\xfe,2026-11-02,success,medium,main,u1,2,2"])
    sq2 = os.path.join(tmp, "badids.db")
    a = tool("ingest", "--db", sq2, d)
    b = tool("ingest", "--db", pu, d)
    errors = []
    if a.stdout != b.stdout:
        errors.append("ingest: sqlite %r, postgresql %r" % (a.stdout,
                                                           b.stdout))
    x = ok_run("report", "--db", sq2, "--by", "project").stdout
    y = ok_run("report", "--db", pu, "--by", "project", "--project",
               "ids").stdout
    if x != y:
        errors.append("report: %s" % diff(x, y))
    suite.check("two JOB_IDs differing only in bytes not UTF-8: two job "
                "runs on both engines", errors)


# ------------------------------------ 12: the two sides of an ingest

def sides(suite, binary, tmp, quick):
    """An ingest whose rows are mostly stored already (the server sums the
    few new ones) and one whose rows are mostly new (the present ones are
    taken out of the sums made while sending): the roll-ups, and every
    report, as SQLite's."""
    create_db("sides")
    pu = uri("sides")
    sq = os.path.join(tmp, "sides.db")
    procs = [gen("S%d" % i, "--rows", n, "--parts", 2, "--seed", 70 + i,
                 "--days", 9, "--tricky-names")
             for i, n in ((1, 2000), (2, 150), (3, 2500))]
    for p, _ in procs:
        p.wait()
    s1, s2, s3 = (d for _, d in procs)
    errors = []
    for step, dirs in (("all new", [s1]), ("mostly present", [s1, s2]),
                       ("mostly new", [s3, s2]), ("all present", [s3])):
        a = tool("ingest", "--db", sq, *dirs)
        b = tool("ingest", "--db", pu, *dirs)
        if a.returncode or b.returncode or a.stdout != b.stdout:
            errors.append("%s: ingest: %r vs %r %r" % (
                step, a.stdout, b.stdout, b.stderr[-200:]))
            continue
        for by in ("project,day", "branch,status", "user", "job"):
            errors += ["%s: --by %s: %s" % (step, by, e) for e in
                       same_outputs(["report", "--by", by], sq, pu)]
    # the roll-ups equal their job runs, summed again by the server
    for t, k in (("daily", "day, project, workflow, job, status, "
                  "resource_class, executor, os, org, trigger_source"),
                 ("daily_branch", "day, project, status, org, branch"),
                 ("daily_user", "day, project, status, org, trigger_user")):
        v = psql("sides", "SELECT count(*) FROM (SELECT %s, count(*) AS "
                 "jobs, sum(total_credits) AS c FROM job_runs GROUP BY %s) "
                 "x FULL JOIN %s d USING (%s) WHERE x.jobs IS DISTINCT "
                 "FROM d.jobs OR x.c IS DISTINCT FROM d.total_credits;" % (
                     k, k, t, k)).strip()
        if v != "0":
            errors.append("%s: %s groups differ from the job runs" % (t, v))
    suite.check("ingests mostly present and mostly new: the roll-ups as "
                "their job runs, the reports as SQLite's", errors)


# ------------------------------------------ 13: alerts sent (--cooldown)

def cooldown(suite, binary, tmp, quick):
    """notify slack --cooldown --db SERVER: the alert posted once and
    recorded in alerts_sent, held back by the next notify, as with a
    file."""
    import alerts
    create_db("cool")
    pu = uri("cool")
    ok_run("ingest", "--quiet", "--db", pu, S.E[0], S.E[1])
    hook = alerts.Hook(tmp)
    errors = []
    try:
        env = dict(S.env, SLACK_WEBHOOK_URL=hook.url)
        args = ["notify", "slack", "--db", pu] + PREV + CUR + [
            "--alert", "total_credits > 0", "--cooldown", "12h",
            "--only-on-alert"]
        r1 = tool(*args, env=env)
        n1 = len([x for x in hook.requests() if x.get("status") == 200])
        rows = psql("cool", "SELECT rule, sent_at > 0 FROM alerts_sent;")
        r2 = tool(*args, env=env)
        n2 = len([x for x in hook.requests() if x.get("status") == 200])
        if r1.returncode != 0 or n1 != 1:
            errors.append("first: exit %d, %d posted: %s" % (
                r1.returncode, n1, r1.stderr[-300:]))
        if rows.strip() != "total_credits > 0|t":
            errors.append("alerts_sent: %r" % rows)
        if r2.returncode != 0 or n2 != 1 or \
                b"held back by --cooldown" not in r2.stderr:
            errors.append("second: exit %d, %d posted: %s" % (
                r2.returncode, n2, r2.stderr[-300:]))
    finally:
        hook.stop()
    suite.check("notify slack --cooldown --db on the server: posted once, "
                "recorded in alerts_sent, held back the next time", errors)


# ------------------------------------------- 14: the review's findings

def half_migration(suite, binary, tmp, quick):
    """A migration step that fails half-way (step 3 meets a view where
    its table goes) leaves the version before it and every table as it
    was; the next ingest, the view gone, migrates and stores."""
    create_db("half")
    pu = uri("half")
    ok_run("ingest", "--quiet", "--db", pu, S.E[0])
    psql("half", "DROP TABLE daily_branch, daily_user, daily_project, "
         "monthly_class, monthly_job, monthly; UPDATE meta SET "
         "value = '2' WHERE key = 'schema_version'; CREATE VIEW "
         "daily_branch AS SELECT 1 AS x;")
    before = store_sum("half")
    r = tool("ingest", "--db", pu, S.E[1])
    errors = []
    if r.returncode != 1:
        errors.append("ingest: exit %d: %s" % (r.returncode,
                                               r.stderr[-200:]))
    v = psql("half", "SELECT value FROM meta WHERE key = 'schema_version';"
             " SELECT to_regclass('daily_user') IS NULL;").split()
    if v != ["2", "t"]:
        errors.append("after the failed step: %s" % v)
    if store_sum("half") != before:
        errors.append("the store changed")
    psql("half", "DROP VIEW daily_branch;")
    r = tool("ingest", "--db", pu, S.E[1])
    v = psql("half", "SELECT value FROM meta WHERE key = "
             "'schema_version';").strip()
    if r.returncode != 0 or v != "4":
        errors.append("then: exit %d, version %s: %s" % (
            r.returncode, v, r.stderr[-200:]))
    sq = os.path.join(tmp, "half.db")
    ok_run("ingest", "--quiet", "--db", sq, S.E[0])
    ok_run("ingest", "--quiet", "--db", sq, S.E[1])
    for by in ("branch", "user,status", "project", "job"):
        errors += same_outputs(["report", "--by", by], sq, pu)
    suite.check("a migration step failing half-way: exit 1, the version "
                "and the store as they were; then migrated, the answers "
                "SQLite's", errors)


def robust(suite, binary, tmp, quick):
    """Each a bug a review found, with the check that failed before its
    fix."""
    # JOB_IDs that differ only in the case of a UUID's digits: one job
    # run, as report counts it, on both engines
    up = "0A1B2C3D-4E5F-4A6B-8C7D-9E0F1A2B3C4D"
    d = os.path.join(tmp, "case")
    write_part(os.path.join(d, "part-000.csv.gz"), [
        ("org,case,wf,build,%s,2026-11-02,success,medium,main,u1,1,1" %
         up.lower()).encode(),
        ("org,case,wf,build,%s,2026-11-02,success,medium,main,u1,2,2" %
         up).encode(),
        b"org,case,wf,build,other-id,2026-11-02,success,medium,main,u1,4,4"])
    create_db("jcase")
    pu = uri("jcase")
    sq = os.path.join(tmp, "jcase.db")
    errors = []
    want = ok_run("report", "--format", "csv", d).stdout
    for db in (sq, pu):
        a = tool("ingest", "--db", db, d)
        if b"2 new, 1 already present" not in a.stdout:
            errors.append("ingest %s: %r" % (db[:10], a.stdout))
        got = ok_run("report", "--format", "csv", "--db", db).stdout
        if got != want:
            errors.append("report --db %s: %s" % (db[:10], diff(want, got)))
    suite.check("a UUID JOB_ID in upper and in lower case: one job run on "
                "both engines, as report on the file", errors)

    # --db - is CIRCLECI_USAGE_DB for ingest and db too, not a file "-"
    create_db("dash")
    pu = uri("dash")
    work = os.path.join(tmp, "dash")
    os.makedirs(work)
    env = dict(S.env, CIRCLECI_USAGE_DB=pu)
    a = subprocess.run([S.binary, "ingest", "--db", "-", S.E[0]], cwd=work,
                       env=env, capture_output=True)
    b = subprocess.run([S.binary, "db", "info", "--db", "-"], cwd=work,
                       env=env, capture_output=True)
    errors = []
    if a.returncode != 0 or b.returncode != 0 or \
            b"engine:     postgresql" not in b.stdout:
        errors.append("exit %d, %d: %r" % (a.returncode, b.returncode,
                                            b.stdout[-200:]))
    if os.listdir(work):
        errors.append("files made: %s" % os.listdir(work))
    suite.check("ingest --db - and db info --db -: the server in "
                "CIRCLECI_USAGE_DB, no file named -", errors)

    # a server whose transactions default to REPEATABLE READ: writers
    # still see what the one before them stored
    create_db("rr")
    S.pg.admin_sql("ALTER DATABASE rr SET default_transaction_isolation = "
                   "'repeatable read';")
    pu = uri("rr")
    procs = [subprocess.Popen([S.binary, "ingest", "--quiet", "--db", pu,
                               e], env=S.env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE) for e in S.E]
    outs = [(p.wait(TIMEOUT), p.stderr.read()) for p in procs]
    errors = ["exit %d: %s" % (rc, err[-200:]) for rc, err in outs if rc]
    n = psql("rr", "SELECT count(*) = count(DISTINCT job_fp) FROM job_runs;")
    if n.strip() != "t":
        errors.append("duplicates: %s" % n)
    suite.check("%d ingests at once on a server whose default isolation is "
                "REPEATABLE READ: every one stores (READ COMMITTED under "
                "the lock)" % len(S.E), errors)

    # a role that may not create the schema: exit 1 (the server said no),
    # not 3 (bad input)
    S.pg.admin_sql("CREATE DATABASE nocreate OWNER pgadmin TEMPLATE "
                   "template0 ENCODING 'UTF8';")
    S.pg.admin_sql("REVOKE CREATE ON DATABASE nocreate FROM PUBLIC; REVOKE "
                   "CREATE ON SCHEMA public FROM PUBLIC;", dbname="nocreate")
    r = tool("ingest", "--db", uri("nocreate"), S.E[0])
    errors = [] if r.returncode == 1 and b"permission denied" in r.stderr \
        else ["exit %d: %s" % (r.returncode, r.stderr[-200:])]
    suite.check("ingest as a role that may not create the schema: exit 1, "
                "the server's reason", errors)

    # a function planted in the schema does not stand in for a built-in
    # one when someone else (here the superuser) runs the tool
    create_db("plant")
    pu = uri("plant")
    ok_run("ingest", "--quiet", "--db", pu, S.E[0])
    psql("plant", "CREATE TABLE pwned(who text); CREATE FUNCTION "
         "circleci_usage.to_regclass(text) RETURNS regclass LANGUAGE sql "
         "AS $$ INSERT INTO circleci_usage.pwned VALUES (current_user) "
         "RETURNING NULL::regclass $$; CREATE FUNCTION circleci_usage.abs("
         "numeric) RETURNS numeric LANGUAGE sql AS $$ INSERT INTO "
         "circleci_usage.pwned VALUES (current_user) RETURNING 0::numeric "
         "$$;")
    admin = uri("plant", user="pgadmin")
    errors = []
    for args in (["db", "info"], ["report"], ["ingest", S.E[1]]):
        r = tool(*args, "--db", admin)
        if r.returncode != 0:
            errors.append("%s: exit %d: %s" % (args[0], r.returncode,
                                               r.stderr[-200:]))
    n = psql("plant", "SELECT count(*) FROM pwned;").strip()
    if n != "0":
        errors.append("the planted functions ran %s times" % n)
    suite.check("functions planted in the schema never run for the "
                "superuser's db info, report and ingest", errors)


# -------------------------------------------------- 11: exact numbers

def precision(suite, binary, tmp, quick):
    """Values with 18 decimals and 15 digits before the point, negative
    ones, and sums past 10^15: exact on both engines (no column may
    round them: a numeric(38,9) column would)."""
    create_db("prec")
    pu = uri("prec")
    sq = os.path.join(tmp, "prec.db")
    d = os.path.join(tmp, "precise")
    rows = []
    for i in range(40):
        v = ["0.123456789012345678", "999999999999999.999999999999999999",
             "-0.000000000000000001", "12.5", "0.000000001234"][i % 5]
        rows.append(("org,prec-%d,wf,build,p-%03d,2026-11-%02d,success,"
                     "medium,br-%d,u%d,%s,%s" % (
                         i % 3, i, 2 + i % 5, i % 4, i % 2, v, v)).encode())
    write_part(os.path.join(d, "part-000.csv.gz"), rows)
    errors = []
    for db in (sq, pu):
        r = tool("ingest", "--db", db, d)
        if r.returncode != 0:
            errors.append("ingest %s: exit %d: %s" % (
                "sqlite" if db == sq else "postgresql", r.returncode,
                r.stderr[-300:]))
    if not errors:
        for args in (["report", "--format", "json", "--by", "project"],
                     ["report", "--by", "day,branch"],
                     ["report", "--by", "user,status"],
                     ["focus", "--grain", "job"]):
            errors += ["%s: %s" % (" ".join(args), e)
                       for e in same_outputs(args, sq, pu)]
        # the file's own answer, to the last of 18 decimals
        f = ok_run("report", "--format", "json", "--by", "project", d).stdout
        g = ok_run("report", "--format", "json", "--by", "project", "--db",
                   pu).stdout
        if json.loads(f).get("groups") != json.loads(g).get("groups"):
            errors.append("report on the file and --db postgresql differ")
    suite.check("18 decimals, 15 digits, negative values, sums past 10^15: "
                "exact and the same on both engines", errors)


# ---------------------------------------------------------------- main

def part(fn):
    def run(suite, binary, tmp, quick):
        if S.pg is None or not S.pg.started:
            raise RuntimeError("no server (setup failed)")
        fn(suite, binary, tmp, quick)
    run.__name__ = fn.__name__
    return run


def main():
    on_signals()
    try:
        return tally.main("pghistory", [
            setup, part(equivalence), part(readonly), part(views),
            part(prune), part(concurrency), part(kill),
            part(kill_seeded), part(passwords),
            part(migration), part(not_utf8), part(precision),
            part(sides), part(cooldown), part(robust),
            part(half_migration)])
    finally:
        for p in S.procs:
            if p.poll() is None:
                p.kill()
                p.wait()
        if S.pg is not None:
            S.pg.stop()


if __name__ == "__main__":
    sys.exit(main())
