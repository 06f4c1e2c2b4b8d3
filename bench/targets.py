#!/usr/bin/env python3
"""bench/targets.py: issue 21's figures, each beside its anchor and its
target, on the bench set and on a high-cardinality ("wide") set.

For each data set (1M job runs in 8 gzip parts, generated once and cached
beside bench/run.sh's data-1m; the wide one with genexport.py --wide), all
timed in this run on a warm page cache, best of BENCH_RUNS (3):

  * the floor: `xargs -P P -n N igzip -dc` of the parts (the fastest of
    bench/run.sh's three forms);
  * `report --by KEY --format csv` for every key report takes (team with a
    generated teams file): its time over the floor (target <= 1.3) and its
    peak RSS (target <= 64 MiB), each output checked against the truth;
  * DuckDB's same report (bench/duckdb_report.mjs --full) over ours by
    project (target >= 8);
  * `html` over report (target <= 1.2); `run --from` with every artifact
    (previous period, budgets, teams, anomalies from --db, focus, metrics,
    page) over report (target <= 1.5), and without --db;
  * `ingest` into a new database over report (target <= 3), its peak RSS
    (<= 128 MiB), the database's size over the gzip parts' (<= 1);
  * 10M job runs: ten generated months (this set and nine earlier ones,
    their own seeds), `report --by KEY` over all ten at once (peak RSS,
    target 64 MiB + 16 bytes per job run beyond 1M), a history database
    built by ingesting the ten months oldest first, and `report --db --by
    KEY` over it for every key, each over `report --by KEY` of the 1M
    files (target <= 1); the outputs checked against the ten truths.

Then, once: the report fuzz target's executions per second (target >=
10,000) over BENCH_FUZZ_SECONDS (20) on its corpus.

Prints one table per data set (figure, value, target, met or short by how
much) and merges every figure into $CACHE/last-bench.json ("targets").
Exits non-zero only when an output is wrong or a step fails, never for a
time.

Environment: CIRCLECI_USAGE_BENCH_CACHE, BENCH_ROWS (1000000), BENCH_RUNS
(3), BENCH_RUNS_10M (1), BENCH_BIN, BENCH_QUICK (1: no 10M figures),
BENCH_SETS ("bench wide"), BENCH_KEYS (every key), BENCH_10M_KEYS (the keys
timed over ten months of files; default the seven the issue names, "all"
for every key), BENCH_10M_CAP (10: a 10M report --db is stopped after that
many times its target's time, at least 20 s), BENCH_FUZZ_SECONDS (20),
BENCH_SKIP (words among duckdb html run ingest 10m fuzz).
"""

import datetime
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
import check_truth  # noqa: E402

TIME = "/usr/bin/time"
GEN = os.path.join(ROOT, "tests", "gen", "genexport.py")
ALL_KEYS = ("project", "workflow", "job", "job_name", "branch",
            "resource_class", "executor", "os", "status", "org", "trigger",
            "user", "day", "week", "month", "team")
BASE_START = datetime.date(2026, 10, 1)     # genexport.py's default --start
MONTHS = 10
MIB = 1024                                  # KiB in a MiB
# the artifacts `run` writes with every option the bench gives it
RUN_ARTIFACTS = ("index.html", "summary.md", "run.json", "usage.prom",
                 "failures.csv", "rightsize.csv", "focus.csv",
                 "budgets.csv", "anomalies.csv", "compare-by-project.csv",
                 "by-project.csv", "by-job.csv", "by-team.csv",
                 "credits-by-project.svg", "credits-by-day.svg")


def env_int(name, default):
    v = os.environ.get(name, "")
    if not v:
        return default
    if not v.isdigit() or int(v) <= 0:
        die("%s: want a positive number" % name)
    return int(v)


def die(msg):
    print("bench-targets: " + msg, file=sys.stderr)
    sys.exit(1)


def say(msg):
    print("bench-targets: " + msg, file=sys.stderr, flush=True)


class StepFailed(Exception):
    pass


CACHE = os.environ.get("CIRCLECI_USAGE_BENCH_CACHE") or os.path.expanduser(
    "~/.cache/circleci-usage-bench")
ROWS = env_int("BENCH_ROWS", 1000000)
RUNS = env_int("BENCH_RUNS", 3)
RUNS_10M = env_int("BENCH_RUNS_10M", 1)
FUZZ_S = env_int("BENCH_FUZZ_SECONDS", 20)
BIN = os.path.abspath(os.environ.get("BENCH_BIN") or
                      os.path.join(ROOT, "circleci-usage"))
QUICK = os.environ.get("BENCH_QUICK", "") not in ("", "0")
SETS = os.environ.get("BENCH_SETS", "bench wide").split()
KEYS = os.environ.get("BENCH_KEYS", "").replace(",", " ").split() or \
    list(ALL_KEYS)
# report over ten months of files: the keys the issue names (all: every one)
KEYS_10M = os.environ.get("BENCH_10M_KEYS", "").replace(",", " ").split() \
    or ["project", "workflow", "job", "branch", "resource_class", "user",
        "day"]
if KEYS_10M == ["all"]:
    KEYS_10M = list(KEYS)
# a 10M step is stopped after CAP times its target's time (at least 20 s)
CAP = env_int("BENCH_10M_CAP", 10)
SKIP = set(os.environ.get("BENCH_SKIP", "").split())
if QUICK:
    SKIP.add("10m")
NCPU = os.cpu_count() or 1
PY = os.environ.get("BENCH_PYTHON") or sys.executable
PARTS = 8


def label_rows(n):
    if n % 1000000 == 0:
        return "%dm" % (n // 1000000)
    if n % 1000 == 0:
        return "%dk" % (n // 1000)
    return str(n)


# ------------------------------------------------------------ data sets

def parts_of(d):
    out = []
    for base, _, files in os.walk(d):
        out += [os.path.join(base, f) for f in files if f.endswith(".csv.gz")]
    return sorted(out)


def ensure_data(name, seed, start=None, wide=False):
    """The cached data set NAME, generated when missing: into a temporary
    directory of the cache, renamed when complete (as bench/run.sh does),
    so an interrupted generation is never taken for a cached one."""
    path = os.path.join(CACHE, name)
    if os.path.isfile(os.path.join(path, "truth.json")):
        return path
    os.makedirs(CACHE, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix=".data-generating.", dir=CACHE)
    try:
        args = ["--rows", str(ROWS), "--parts", str(PARTS), "--procs",
                str(NCPU), "--seed", str(seed)]
        if wide:
            args.append("--wide")
        if start:
            args += ["--start", start.isoformat(), "--days", "31"]
        say("generating %s (%s rows; once, later runs reuse it)" %
            (path, ROWS))
        d = os.path.join(tmp, "data")
        r = subprocess.run([PY, GEN, "-o", d] + args +
                           ["--truth", os.path.join(tmp, "truth.json")],
                           stdout=subprocess.DEVNULL)
        if r.returncode != 0:
            raise StepFailed("generator failed (exit %d): %s %s" %
                             (r.returncode, GEN, " ".join(args)))
        os.replace(os.path.join(tmp, "truth.json"),
                   os.path.join(d, "truth.json"))
        lines = nbytes = 0
        for p in parts_of(d):
            with subprocess.Popen(["igzip", "-dc", p],
                                  stdout=subprocess.PIPE) as z:
                for chunk in iter(lambda: z.stdout.read(1 << 20), b""):
                    nbytes += len(chunk)
                    lines += chunk.count(b"\n")
            if z.returncode != 0:
                raise StepFailed("igzip -dc %s failed" % p)
        with open(os.path.join(d, "csv-lines"), "w") as f:
            f.write("%d\n" % lines)
        with open(os.path.join(d, "csv-bytes"), "w") as f:
            f.write("%d\n" % nbytes)
        sha = subprocess.run(["sha256sum", GEN], capture_output=True,
                             text=True).stdout.split()[:1]
        with open(os.path.join(d, "generator.sha256"), "w") as f:
            f.write("%s\n" % (sha[0] if sha else "-"))
        with open(os.path.join(d, "generated-by"), "w") as f:
            f.write("python3 tests/gen/genexport.py -o DIR %s "
                    "--truth DIR/truth.json\n" % " ".join(args))
        try:
            os.rename(d, path)
        except OSError:
            if not os.path.isfile(os.path.join(path, "truth.json")):
                raise       # not another run's complete copy
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return path


def month_start(k):
    """Month k's first day: k 31-day months before genexport's default."""
    return BASE_START - datetime.timedelta(days=31 * k)


def data_sets(kind):
    """(dir, [earlier month dirs, newest first]) for the set KIND: the
    bench set (run.sh's data-1m) or the wide one, with nine earlier months
    (each its own seed, so no JOB_ID is shared) when the 10M figures are
    wanted, else only the previous month (run --from's previous period)."""
    base = "data-%s%s" % (label_rows(ROWS), "" if kind == "bench" else
                          "-" + kind)
    wide = kind == "wide"
    d = ensure_data(base, 42, wide=wide)
    n = MONTHS - 1 if "10m" not in SKIP else 1
    months = [ensure_data("%s-m%d" % (base, k), 42 + k, month_start(k), wide)
              for k in range(1, n + 1)]
    return d, months


# -------------------------------------------------------------- timing

class Timer:
    def __init__(self, work):
        self.work = work

    def measure(self, cmd, runs, out=None, prep=None, env=None,
                timeout=None):
        """Run CMD RUNS times (PREP before each), stdout to OUT: the best
        wall time (s), every wall time, the largest peak RSS (KiB).  A run
        longer than TIMEOUT seconds is stopped (its process group killed):
        then {"stopped_s": TIMEOUT} and nothing else."""
        best = None
        walls = []
        rss = 0
        tf = os.path.join(self.work, "time")
        ef = os.path.join(self.work, "stderr")
        for _ in range(runs):
            if prep:
                prep()
            with open(out or os.devnull, "wb") as fo, open(ef, "wb") as fe:
                t0 = time.perf_counter_ns()
                r = subprocess.Popen([TIME, "-f", "%e %M", "-o", tf] + cmd,
                                     stdout=fo, stderr=fe, env=env,
                                     start_new_session=True)
                try:
                    r.wait(timeout=timeout)
                except subprocess.TimeoutExpired:
                    os.killpg(r.pid, signal.SIGKILL)
                    r.wait()
                    return {"stopped_s": timeout}
                t1 = time.perf_counter_ns()
            if r.returncode != 0:
                with open(ef, errors="replace") as f:
                    msg = [x for x in f.read().splitlines()
                           if x.strip() and
                           not x.startswith("Command exited with")]
                raise StepFailed("%s exited %d%s" % (
                    os.path.basename(cmd[0]), r.returncode,
                    ": " + msg[-1] if msg else ""))
            s = (t1 - t0) / 1e9
            walls.append(round(s, 4))
            best = s if best is None or s < best else best
            with open(tf) as f:
                last = f.read().split("\n")
            last = [x for x in last if x.strip()][-1].split()
            rss = max(rss, int(last[1]))
        return {"wall_s": round(best, 4), "runs_s": walls,
                "peak_rss_kib": rss}


# -------------------------------------------------------------- the table

class Table:
    FMT = "%-46s %-26s %-14s %s"

    def __init__(self, title):
        self.title = title
        self.rows = []

    def add(self, fid, figure, value, shown, target=None, better="le",
            tshown=None, lower=False, **extra):
        """A figure: VALUE (a number, or None when not measured) shown as
        SHOWN; TARGET with BETTER "le" (at most) or "ge" (at least)."""
        r = {"id": fid, "figure": figure, "shown": shown,
             "value": round(value, 4) if isinstance(value, float) else value,
             "target": target, "target_kind": better if target else None}
        if value is None or target is None:
            verdict = extra.get("note", "") if target is None else "-"
        elif better == "le":
            verdict = "met" if value <= target else \
                "short by %.0f%%" % ((value / target - 1) * 100)
        else:
            verdict = "met" if value >= target else \
                "short by %.0f%%" % ((1 - value / target) * 100)
        if lower and verdict.startswith("short by "):
            # VALUE is a lower bound (the step was stopped)
            verdict = "short by >" + verdict[9:]
        r["verdict"] = verdict
        r["target_shown"] = tshown or ("" if target is None else
                                       ("<= " if better == "le" else ">= ")
                                       + fnum(target))
        r.update(extra)
        self.rows.append(r)
        print(self.FMT % (figure, shown, r["target_shown"], verdict),
              flush=True)
        return r

    def fail(self, fid, figure, why):
        r = {"id": fid, "figure": figure, "value": None, "shown": "FAILED",
             "status": "FAILED", "note": why, "verdict": "FAILED"}
        self.rows.append(r)
        print(self.FMT % (figure, "FAILED", "", why), flush=True)

    def skip(self, fid, figure, why):
        r = {"id": fid, "figure": figure, "value": None, "shown": "skipped",
             "status": "skipped", "note": why, "verdict": "skipped"}
        self.rows.append(r)
        print(self.FMT % (figure, "skipped", "", why), flush=True)

    def head(self):
        print()
        print(self.title)
        print(self.FMT % ("figure", "value", "target", "verdict"))
        print("-" * 100)


def fnum(x):
    return ("%g" % x) if x < 1000 else "{:,.0f}".format(x)


def mib(kib):
    return "%.0f MiB" % (kib / MIB)


# ------------------------------------------------------------- the bench

class Bench:
    def __init__(self, work):
        self.work = work
        self.t = Timer(work)
        self.failed = False
        self.doc = {"sets": {}}

    def wrong(self, msg):
        print("  " + msg, flush=True)
        self.failed = True

    def run_set(self, kind, d, months):
        w = os.path.join(self.work, kind)
        os.makedirs(w)
        parts = parts_of(d)
        truth = os.path.join(d, "truth.json")
        with open(truth, encoding="utf-8") as f:
            meta = json.load(f)
        rows = int(meta.get("rows_read", 0))
        gz = sum(os.path.getsize(p) for p in parts)
        tab = Table("%s set: %s job runs, %d parts, %.1f MB gz (%s)" % (
            kind, "{:,}".format(rows), len(parts), gz / 1e6, d))
        checks = {}
        sd = {"dir": d, "rows": rows, "parts": len(parts), "gz_bytes": gz,
              "months": months, "figures": tab.rows, "checks": checks}
        self.doc["sets"][kind] = sd

        # warm the page cache: every part this set reads
        for x in [d] + months:
            for p in parts_of(x):
                with open(p, "rb") as f:
                    while f.read(1 << 20):
                        pass

        teams_yaml, teams_json = self.teams_file(w, meta)
        budgets = self.budgets_file(w)
        tab.head()

        # -- the floor
        floor = None
        tried = []
        per = (len(parts) + NCPU - 1) // NCPU
        forms = [(NCPU, 1)]
        if per > 1:
            forms.append((NCPU, per))
        if len(parts) > NCPU:
            forms.append((len(parts), 1))
        lst = os.path.join(w, "parts")
        with open(lst, "wb") as f:
            f.write(b"\0".join(p.encode() for p in parts))
        try:
            for p, n in forms:
                m = self.t.measure(
                    ["sh", "-c", 'xargs -0 -a "$1" -P "$2" -n "$3" igzip -dc'
                     ' >/dev/null', "sh", lst, str(p), str(n)], RUNS)
                tried.append("-P %d -n %d: %.3f s" % (p, n, m["wall_s"]))
                if floor is None or m["wall_s"] < floor[0]:
                    floor = (m["wall_s"], p, n)
        except StepFailed as e:
            tab.fail("floor", "igzip -dc floor", str(e))
            self.failed = True
            return
        fs = floor[0]
        tab.add("floor", "igzip -dc floor (P=%d)" % floor[1], fs,
                "%.3f s" % fs, None, tshown="anchor",
                note="xargs -P %d -n %d igzip -dc" % (floor[1], floor[2]),
                variants="; ".join(tried))

        # -- report, every key
        rep = {}
        refs = {}
        try:
            refs = check_truth.load_truth_keys([truth], KEYS, teams_json)
        except (OSError, ValueError) as e:
            self.wrong("cannot read the truth: %s" % e)
        for key in KEYS:
            out = os.path.join(w, "report-%s.csv" % key)
            fig = "report --by %s" % key
            cmd = [BIN, "report", "--by", key, "--format", "csv"]
            if key == "team":
                cmd += ["--teams", teams_yaml]
            try:
                m = self.t.measure(cmd + [d], RUNS, out=out)
            except StepFailed as e:
                tab.fail("report-" + key, fig, str(e))
                self.failed = True
                continue
            rep[key] = m
            tab.add("report-" + key, fig, m["wall_s"] / fs,
                    "%.2fx floor  %.3f s" % (m["wall_s"] / fs, m["wall_s"]),
                    1.3, tshown="<= 1.3x", **m)
            tab.add("report-%s-rss" % key, "  peak RSS", m["peak_rss_kib"],
                    mib(m["peak_rss_kib"]), 64 * MIB, tshown="<= 64 MiB")
            self.check(checks, "report-" + key, refs.get(key), out, key)
        base = rep.get("project")

        # -- DuckDB, the same report by project
        if "duckdb" in SKIP:
            tab.skip("duckdb", "DuckDB's same report over ours", "BENCH_SKIP")
        elif not base:
            tab.skip("duckdb", "DuckDB's same report over ours",
                     "no report --by project to compare with")
        else:
            nm = os.path.join(CACHE, "node")
            if shutil.which("node") is None or not os.path.isdir(
                    os.path.join(nm, "node_modules", "@duckdb", "node-api")):
                tab.skip("duckdb", "DuckDB's same report over ours",
                         "no @duckdb/node-api in %s: run bench/run.sh" % nm)
            else:
                try:
                    m = self.t.measure(
                        ["node", os.path.join(HERE, "duckdb_report.mjs"),
                         "--threads", str(NCPU), "--modules", nm, "--full",
                         d], RUNS, out=os.path.join(w, "duckdb.csv"))
                    x = m["wall_s"] / base["wall_s"]
                    tab.add("duckdb", "DuckDB's same report over ours", x,
                            "%.1fx faster  %.3f s" % (x, m["wall_s"]), 8,
                            "ge", tshown=">= 8x", **m)
                except StepFailed as e:
                    tab.fail("duckdb", "DuckDB's same report", str(e))
                    self.failed = True

        # -- html
        if "html" in SKIP:
            tab.skip("html", "html over report", "BENCH_SKIP")
        elif base:
            try:
                m = self.t.measure([BIN, "html", "-o",
                                    os.path.join(w, "page.html"), d], RUNS)
                x = m["wall_s"] / base["wall_s"]
                tab.add("html", "html over report --by project", x,
                        "%.2fx  %.3f s  %s" % (x, m["wall_s"],
                                               mib(m["peak_rss_kib"])),
                        1.2, tshown="<= 1.2x", **m)
            except StepFailed as e:
                tab.fail("html", "html", str(e))
                self.failed = True

        # -- run --from, every artifact; then without --db
        if "run" in SKIP:
            tab.skip("run", "run --from over report", "BENCH_SKIP")
        elif base:
            self.run_from(tab, w, d, months[0], teams_yaml, budgets, base)

        # -- ingest
        if "ingest" in SKIP:
            tab.skip("ingest", "ingest over report", "BENCH_SKIP")
        elif base:
            db = os.path.join(w, "h.db")

            def prep():
                for f in os.listdir(w):
                    if f.startswith("h.db"):
                        os.remove(os.path.join(w, f))
            try:
                m = self.t.measure([BIN, "ingest", "--quiet", "--db", db, d],
                                   RUNS, prep=prep)
                x = m["wall_s"] / base["wall_s"]
                tab.add("ingest", "ingest (new database) over report", x,
                        "%.2fx  %.3f s" % (x, m["wall_s"]), 3,
                        tshown="<= 3x", **m)
                tab.add("ingest-rss", "  peak RSS", m["peak_rss_kib"],
                        mib(m["peak_rss_kib"]), 128 * MIB,
                        tshown="<= 128 MiB")
                size = db_size(db)
                tab.add("ingest-size", "  database over the gzip parts",
                        size / gz, "%.2fx  %.1f MB" % (size / gz, size / 1e6),
                        1, tshown="<= 1x", db_bytes=size)
            except StepFailed as e:
                tab.fail("ingest", "ingest", str(e))
                self.failed = True

        # -- 10M job runs
        if "10m" in SKIP:
            tab.skip("10m", "10M job runs",
                     "BENCH_QUICK" if QUICK else "BENCH_SKIP")
        else:
            self.ten(tab, w, d, months, teams_yaml, teams_json, rep, checks,
                     gz)

        bad = [k for k, c in checks.items() if not c["match"]]
        print()
        print("correctness: %d outputs checked against the truth%s" % (
            len(checks), ", every one MATCH" if checks and not bad else
            ("" if not checks else ", %d MISMATCH: %s" % (
                len(bad), ", ".join(bad)))))

    def check(self, checks, cid, ref, out, key, nth=1):
        if ref is None:
            self.wrong("%s: no truth to check against" % cid)
            return
        try:
            ok, res, text = check_truth.check(ref, out, key)
        except (OSError, ValueError) as e:
            ok, res, text = False, {"match": False}, "cannot compare: %s" % e
        checks[cid] = res
        if not ok:
            self.wrong("%s: %s" % (cid, text))

    def teams_file(self, w, meta):
        """A teams file over the set's projects (four teams, round robin)
        and its {project: team} map for the checks."""
        names = sorted(r["project"] for r in meta["by"]["project"]
                       if r.get("project"))
        teams = ("platform", "mobile", "data", "web")
        tmap = {p: teams[i % len(teams)] for i, p in enumerate(names)}

        def q(s):
            return '"%s"' % s.replace("\\", "\\\\").replace('"', '\\"')
        with open(os.path.join(w, "teams.yaml"), "w") as f:
            f.write("teams:\n")
            for t in teams:
                f.write("  %s: [%s]\n" % (t, ", ".join(
                    q(p) for p in names if tmap[p] == t)))
        with open(os.path.join(w, "teams.json"), "w") as f:
            json.dump(tmap, f)
        return os.path.join(w, "teams.yaml"), tmap

    def budgets_file(self, w):
        p = os.path.join(w, "budgets.yaml")
        with open(p, "w") as f:
            f.write("budgets:\n"
                    "  - {name: org-weekly, scope: org, period: week,"
                    " credits: 30000000}\n"
                    "  - {name: org-monthly, scope: org, period: month,"
                    " usd: 60000}\n"
                    "  - {name: platform, team: platform, period: month,"
                    " credits: 20000000}\n"
                    "  - {name: large, by: {resource_class: large},"
                    " period: month, credits: 20000000}\n"
                    "  - {name: main, by: {branch: main}, period: week,"
                    " credits: 9000000}\n")
        return p

    def run_from(self, tab, w, d, prev, teams, budgets, base):
        out = os.path.join(w, "run-out")
        db = os.path.join(w, "run.db")

        def prep():
            shutil.rmtree(out, ignore_errors=True)
            for f in os.listdir(w):
                if f.startswith("run.db"):
                    os.remove(os.path.join(w, f))
        common = [BIN, "run", "--quiet", "--from", d, "--previous-from",
                  prev, "--budgets", budgets, "--teams", teams, "--focus",
                  "-o", out]
        for fid, fig, extra, want in (
                ("run", "run --from, every artifact, over report",
                 ["--db", db], RUN_ARTIFACTS),
                ("run-nodb", "  the same without --db (no anomalies)", [],
                 [a for a in RUN_ARTIFACTS if a != "anomalies.csv"])):
            try:
                m = self.t.measure(common + extra, RUNS, prep=prep)
            except StepFailed as e:
                tab.fail(fid, fig, str(e))
                self.failed = True
                continue
            x = m["wall_s"] / base["wall_s"]
            tab.add(fid, fig, x, "%.2fx  %.3f s  %s" % (
                x, m["wall_s"], mib(m["peak_rss_kib"])), 1.5,
                tshown="<= 1.5x", **m)
            missing = [a for a in want
                       if not os.path.exists(os.path.join(out, a))]
            if missing:
                self.wrong("%s: no %s in its output" % (fid,
                                                         ", ".join(missing)))

    def ten(self, tab, w, d, months, teams_yaml, teams_json, rep, checks,
            gz1):
        dirs = [d] + months               # newest first
        truths = [os.path.join(x, "truth.json") for x in dirs]
        rows = 0
        gz = 0
        for x in dirs:
            with open(os.path.join(x, "csv-lines")) as f:
                rows += int(f.read()) - len(parts_of(x))
            gz += sum(os.path.getsize(p) for p in parts_of(x))
        keys = sorted(set(KEYS) | set(KEYS_10M), key=ALL_KEYS.index)
        try:
            refs = check_truth.load_truth_keys(truths, keys, teams_json)
        except (OSError, ValueError) as e:
            self.wrong("cannot read the truths: %s" % e)
            refs = {}
        label = "%dM" % round(rows / 1e6) if rows >= 1e6 else \
            "%dk" % round(rows / 1e3)
        # report over ten months of files at once: its peak RSS
        target = 64 * MIB + 16 * max(0, rows - 1000000) / 1024
        for key in KEYS_10M:
            out = os.path.join(w, "ten-%s.csv" % key)
            fig = "report --by %s, %s of files" % (key, label)
            cmd = [BIN, "report", "--by", key, "--format", "csv"]
            if key == "team":
                cmd += ["--teams", teams_yaml]
            try:
                m = self.t.measure(cmd + dirs, RUNS_10M, out=out)
            except StepFailed as e:
                tab.fail("ten-" + key, fig, str(e))
                self.failed = True
                continue
            tab.add("ten-%s-rss" % key, fig + ", RSS",
                    m["peak_rss_kib"], "%s  %.2f s" % (
                        mib(m["peak_rss_kib"]), m["wall_s"]), target,
                    tshown="<= %s" % mib(target), **m)
            self.check(checks, "ten-" + key, refs.get(key), out, key)
        # the history: the ten months ingested oldest first
        db = os.path.join(w, "ten.db")
        t_ing = []
        try:
            for i, x in enumerate(reversed(dirs)):
                m = self.t.measure([BIN, "ingest", "--quiet", "--db", db, x],
                                   1)
                t_ing.append(m)
        except StepFailed as e:
            tab.fail("ten-ingest", "ingest of ten months", str(e))
            self.failed = True
            return
        last = t_ing[-1]
        if rep.get("project"):
            x = last["wall_s"] / rep["project"]["wall_s"]
            tab.add("ten-ingest", "ingest of the 10th month, over report",
                    x, "%.2fx  %.3f s  %s" % (x, last["wall_s"],
                                              mib(last["peak_rss_kib"])),
                    3, tshown="<= 3x", months_s=[m["wall_s"] for m in t_ing],
                    months_rss_kib=[m["peak_rss_kib"] for m in t_ing])
        size = db_size(db)
        tab.add("ten-size", "  database over the gzip parts (%s)" % label,
                size / gz, "%.2fx  %.1f MB" % (size / gz, size / 1e6), 1,
                tshown="<= 1x", db_bytes=size, gz_bytes=gz)
        for key in KEYS:
            out = os.path.join(w, "db-%s.csv" % key)
            fig = "report --db --by %s, %s" % (key, label)
            cmd = [BIN, "report", "--db", db, "--by", key, "--format", "csv"]
            if key == "team":
                cmd += ["--teams", teams_yaml]
            cap = max(20.0, CAP * rep[key]["wall_s"]) if key in rep else None
            try:
                m = self.t.measure(cmd, RUNS_10M, out=out, timeout=cap)
            except StepFailed as e:
                tab.fail("db-" + key, fig, str(e))
                self.failed = True
                continue
            if "stopped_s" in m:
                # a lower bound: the target is missed by at least this much
                x = cap / rep[key]["wall_s"]
                tab.add("db-" + key, fig, x, ">%.1fx files, stopped %.0f s" %
                        (x, cap), 1, tshown="<= 1x", lower=True, stopped_s=cap)
                continue
            if key in rep:
                x = m["wall_s"] / rep[key]["wall_s"]
                tab.add("db-" + key, fig, x, "%.2fx files  %.3f s" % (
                    x, m["wall_s"]), 1, tshown="<= 1x", **m)
            self.check(checks, "db-" + key, refs.get(key), out, key)

    def fuzz(self):
        tab = Table("fuzzing: the report target, %d s on its corpus" %
                    FUZZ_S)
        self.doc["fuzz"] = tab.rows
        tab.head()
        fz = os.path.join(ROOT, "build", "fuzz", "fuzz_report")
        fig = "fuzz_report executions per second"
        if "fuzz" in SKIP:
            tab.skip("fuzz", fig, "BENCH_SKIP")
            return
        # made (or brought up to date: never an old build) with clang
        if shutil.which("clang") is None:
            tab.skip("fuzz", fig, "no clang: sh scripts/deps.sh check")
            return
        r = subprocess.run(["make", "--no-print-directory", "-C", ROOT,
                            "build/fuzz/fuzz_report"],
                           stdout=subprocess.DEVNULL)
        if r.returncode != 0 or not os.access(fz, os.X_OK):
            tab.fail("fuzz", fig, "make build/fuzz/fuzz_report failed")
            self.failed = True
            return
        fw = os.path.join(self.work, "fuzz")
        shutil.copytree(os.path.join(ROOT, "fuzz", "corpus", "report"),
                        os.path.join(fw, "corpus"))
        cmd = [fz, "-max_total_time=%d" % FUZZ_S, "-max_len=65536",
               "-timeout=10", "-rss_limit_mb=2048", "-close_fd_mask=2",
               "-print_final_stats=1", "-artifact_prefix=%s/" % fw,
               os.path.join(fw, "corpus")]
        dic = os.path.join(ROOT, "fuzz", "report.dict")
        if os.path.exists(dic):
            cmd.insert(1, "-dict=" + dic)
        r = subprocess.run(cmd, stdout=subprocess.DEVNULL,
                           stderr=subprocess.PIPE, text=True,
                           errors="replace")
        stats = {}
        for line in r.stderr.splitlines():
            if line.startswith("stat::") and ":" in line[6:]:
                k, v = line[6:].split(":", 1)
                stats[k.strip()] = v.strip()
        if r.returncode != 0 or "average_exec_per_sec" not in stats:
            tail = r.stderr.strip().splitlines()[-3:]
            tab.fail("fuzz", fig, "exit %d: %s" % (r.returncode,
                                                   " / ".join(tail)))
            self.failed = True
            return
        eps = int(stats["average_exec_per_sec"])
        tab.add("fuzz", fig, eps, "{:,}/s  {:,} runs".format(
            eps, int(stats.get("number_of_executed_units", 0))), 10000,
            "ge", tshown=">= 10,000/s", stats=stats)


def db_size(db):
    d = os.path.dirname(db)
    b = os.path.basename(db)
    return sum(os.path.getsize(os.path.join(d, f)) for f in os.listdir(d)
               if f == b or f.startswith(b + "-"))


def busy_jiffies():
    try:
        with open("/proc/stat") as f:
            v = f.readline().split()
        return sum(int(v[i]) for i in (1, 2, 3, 6, 7, 8))
    except (OSError, ValueError, IndexError):
        return 0


def main():
    if not os.access(BIN, os.X_OK):
        die("no %s: build it first (make)" % BIN)
    if not os.access(TIME, os.X_OK):
        die("no %s: sh scripts/deps.sh bench (Debian package time)" % TIME)
    if shutil.which("igzip") is None:
        die("no igzip: sh scripts/deps.sh bench (Debian package isal)")
    for k in KEYS + KEYS_10M:
        if k not in ALL_KEYS:
            die("BENCH_KEYS: unknown key %r (%s)" % (k, " ".join(ALL_KEYS)))
    for s in SETS:
        if s not in ("bench", "wide"):
            die("BENCH_SETS: unknown set %r (bench, wide)" % s)
    work = tempfile.mkdtemp(prefix="circleci-usage-targets.",
                            dir=os.environ.get("TMPDIR") or "/tmp")
    b0, c0 = busy_jiffies(), time.time()
    ru0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    try:
        b = Bench(work)
        ver = subprocess.run([BIN, "--version"], capture_output=True,
                             text=True).stdout.strip().split("\n")[0]
        print("issue 21's targets: %s, %d cores, best of %d warm runs "
              "(10M figures: %s)" % (ver, NCPU, RUNS, "skipped, BENCH_QUICK"
                                     if QUICK else "%d run%s" % (
                                         RUNS_10M, "s"[:RUNS_10M > 1])))
        # every data set first (generated once, cached), so that the
        # generator's messages do not cut into the tables
        sets = []
        for s in SETS:
            try:
                sets.append((s,) + data_sets(s))
            except StepFailed as e:
                b.failed = True
                print("\n%s set: FAILED: %s" % (s, e))
        for s in sets:
            b.run_set(*s)
        b.fuzz()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    ru1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    span = time.time() - c0
    hz = os.sysconf("SC_CLK_TCK")
    mine = (ru1.ru_utime + ru1.ru_stime) - (ru0.ru_utime + ru0.ru_stime)
    others = max(0.0, (busy_jiffies() - b0) / hz - mine)
    b.doc.update(date=time.strftime("%Y-%m-%dT%H:%M:%S%z"), version=ver,
                 cores=NCPU, runs=RUNS, runs_10m=RUNS_10M, quick=QUICK,
                 keys=KEYS, keys_10m=KEYS_10M, other_cpu_s=round(others, 1),
                 bench_s=round(span), failed=b.failed)
    # into last-bench.json beside bench/run.sh's figures
    out = os.path.join(CACHE, "last-bench.json")
    try:
        with open(out, encoding="utf-8") as f:
            doc = json.load(f)
    except (OSError, ValueError):
        doc = {}
    doc["targets"] = b.doc
    tmp = out + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")
    os.replace(tmp, out)
    print()
    print("other processes used %.1f CPU-s of the %.0f s this took (%d "
          "cores; near 0 on an idle machine)" % (others, span, NCPU))
    if others > 0.05 * span * NCPU:
        print("note: the machine was busy: these figures are slowed by "
              "other work; run again on an idle machine")
    print("figures: %s (\"targets\")" % out)
    if b.failed:
        print("bench-targets: FAILED (see above)", file=sys.stderr)
    return 1 if b.failed else 0


if __name__ == "__main__":
    sys.exit(main())
