#!/usr/bin/env python3
"""bench/download.py: `circleci-usage export` against `curl --parallel`.

Serves 8 export parts of about 20 MB each from the test double
(tests/double/usage_api.py --passthrough, on loopback), then times, best of
BENCH_RUNS (3):
  * circleci-usage export: create the job, poll it, download every part
    (with its defaults, and --parallel 4 and 8), checking each one (gzip
    CRC and length, rows, SHA-256) and writing the manifest;
  * curl --parallel (its default --parallel-max), and with --parallel-max
    4 and 8, fetching the same URLs (URLs obtained beforehand, untimed),
    writing the files and checking nothing;
  * the same curl run followed by `gzip -t` of every part, the nearest
    thing to what export does.
Then once more with the double throttled to 25 MB/s per connection (a
fast link rather than loopback memory speed), where the checks overlap the
transfers.
Prints a table with ratios to the plain curl run of the same parallelism,
then issue 21's figure: export with its defaults over `curl --parallel`
at full speed, beside its target (at most 1.5), also merged into
$CACHE/last-bench.json ("export").
Exits non-zero only when a step fails, never because of a time.

Environment: CIRCLECI_USAGE_BENCH_CACHE (cache directory), BENCH_RUNS,
BENCH_BIN (default ./circleci-usage), BENCH_DL_ROWS (rows in the 8 parts,
default 1400000).
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "tests", "e2e"))
# the tests' pinned "now" ($CIRCLECI_USAGE_NOW, else a fixed date), which
# the double and the tool read from the environment: the same range on
# every day, inside the double's 366 days
import pinnow  # noqa: E402
ORG = "b9291e0d-a11e-41fb-8517-c545388b5953"


def die(msg):
    print("bench-download: " + msg, file=sys.stderr)
    sys.exit(1)


def timed(cmd, env=None):
    t = time.perf_counter()
    r = subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE)
    dt = time.perf_counter() - t
    if r.returncode != 0:
        die("%s failed (%d): %s" % (cmd[0], r.returncode,
                                    r.stderr.decode(errors="replace")[-400:]))
    return dt


def main():
    cache = os.environ.get("CIRCLECI_USAGE_BENCH_CACHE",
                           os.path.expanduser("~/.cache/circleci-usage-bench"))
    runs = int(os.environ.get("BENCH_RUNS", "3"))
    rows = int(os.environ.get("BENCH_DL_ROWS", "1400000"))
    binary = os.path.abspath(os.environ.get("BENCH_BIN",
                                            os.path.join(ROOT,
                                                         "circleci-usage")))
    if not os.access(binary, os.X_OK):
        die("no %s: build it first (make)" % binary)
    if shutil.which("curl") is None:
        die("no curl: sh scripts/deps.sh bench")
    data = os.path.join(cache, "dl-%d" % rows)
    if not os.path.exists(os.path.join(data, "part-007.csv.gz")):
        print("bench-download: generating %d rows in 8 parts into %s" %
              (rows, data), file=sys.stderr)
        os.makedirs(cache, exist_ok=True)
        tmpd = data + ".tmp"
        shutil.rmtree(tmpd, ignore_errors=True)
        subprocess.run([sys.executable, os.path.join(ROOT, "tests", "gen",
                                                     "genexport.py"),
                        "-o", tmpd, "--rows", str(rows), "--parts", "8",
                        "--procs", str(os.cpu_count() or 1)], check=True)
        os.rename(tmpd, data)
    sizes = [os.path.getsize(os.path.join(data, "part-%03d.csv.gz" % i))
             for i in range(8)]

    results = []
    for slow in (None, SLOW):
        results.append((slow, measure(binary, data, runs, slow)))
    print("download bench: 8 parts, %.1f MB in all (%.1f to %.1f MB each), "
          "loopback, %d cores, best of %d" %
          (sum(sizes) / 1e6, min(sizes) / 1e6, max(sizes) / 1e6,
           os.cpu_count() or 1, runs))
    out = {}
    for slow, res in results:
        print()
        print("served at full speed" if slow is None else
              "served at %.0f MB/s per connection (the test double's slow "
              "fault)" % (slow / 1e6))
        print("%-44s %9s %9s" % ("", "time", "vs curl"))
        for par in ("default", 4, 8):
            if ("curl", par) not in res:
                continue
            base = res[("curl", par)]
            for name, label in (
                    ("curl", "curl --parallel-max %d" % par
                     if par != "default" else "curl --parallel"),
                    ("curl+gzip-t", "curl --parallel-max %d, then gzip -t"
                     % par if par != "default" else
                     "curl --parallel, then gzip -t"),
                    ("ours", "circleci-usage export --parallel %d" % par
                     if par != "default" else
                     "circleci-usage export (its defaults)")):
                if (name, par) not in res:
                    continue
                print("%-44s %8.3fs %8.2fx" % (label, res[(name, par)],
                                               res[(name, par)] / base))
                out["%s-%s-%s" % (name, par, slow or "full")] = \
                    res[(name, par)]
    os.makedirs(cache, exist_ok=True)
    with open(os.path.join(cache, "last-download-bench.json"), "w") as f:
        json.dump(out, f, indent=1)
    # issue 21: export with its defaults within 1.5 times curl --parallel
    full = results[0][1]
    ours, curl = full[("ours", "default")], full[("curl", "default")]
    x = ours / curl
    verdict = "met" if x <= 1.5 else "short by %.0f%%" % ((x / 1.5 - 1) * 100)
    print()
    print("%-46s %-26s %-14s %s" % ("figure", "value", "target", "verdict"))
    print("-" * 100)
    print("%-46s %-26s %-14s %s" % (
        "export (defaults) over curl --parallel",
        "%.2fx  %.3f s / %.3f s" % (x, ours, curl), "<= 1.5x", verdict))
    lb = os.path.join(cache, "last-bench.json")
    try:
        with open(lb, encoding="utf-8") as f:
            doc = json.load(f)
    except (OSError, ValueError):
        doc = {}
    doc["export"] = {"figure": "export (defaults) over curl --parallel, "
                     "loopback, full speed", "value": round(x, 3),
                     "target": 1.5, "target_kind": "le", "verdict": verdict,
                     "export_s": round(ours, 4), "curl_s": round(curl, 4),
                     "runs": runs, "parts_bytes": sum(sizes),
                     "all_s": {k: round(v, 4) for k, v in out.items()}}
    with open(lb + ".tmp", "w", encoding="utf-8") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")
    os.replace(lb + ".tmp", lb)


SLOW = 25000000


def measure(binary, data, runs, slow):
    tmp = tempfile.mkdtemp(prefix="cu-dlbench-")
    token = "bench-token-%d" % os.getpid()
    with open(os.path.join(tmp, "token"), "w") as f:
        f.write(token)
    ready = os.path.join(tmp, "ready.json")
    double = subprocess.Popen(
        [sys.executable, os.path.join(ROOT, "tests", "double",
                                      "usage_api.py"),
         "--data", data, "--passthrough", "--token-file",
         os.path.join(tmp, "token"), "--org", ORG, "--ready-file", ready,
         "--processing-after", "0", "--complete-after", "0",
         "--create-limit", "100000/3600", "--poll-limit", "100000/60"] +
        (["--fault", "slow=%d" % slow] if slow else []),
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        t = time.time() + 30
        while not os.path.exists(ready):
            if double.poll() is not None or time.time() > t:
                die("the test double did not start")
            time.sleep(0.05)
        with open(ready) as f:
            api = json.load(f)["api_url"]
        env = dict(os.environ, CIRCLECI_API_TOKEN=token)
        start, end = pinnow.day(-9), pinnow.day(-2)

        def urls():
            hdr = {"Circle-Token": token, "Content-Type": "application/json"}
            body = json.dumps({"start": start + "T00:00:00Z",
                               "end": end + "T23:59:59Z"}).encode()
            req = urllib.request.Request(
                api + "/organizations/%s/usage_export_job" % ORG, body, hdr)
            with urllib.request.urlopen(req) as r:
                job = json.load(r)["usage_export_job_id"]
            for _ in range(100):
                req = urllib.request.Request(
                    api + "/organizations/%s/usage_export_job/%s" %
                    (ORG, job), headers=hdr)
                with urllib.request.urlopen(req) as r:
                    st = json.load(r)
                if st["state"] == "completed" and st.get("download_urls"):
                    return st["download_urls"]
                time.sleep(0.05)
            die("the double's job did not complete")

        def ours(par):
            out = os.path.join(tmp, "out")
            shutil.rmtree(out, ignore_errors=True)
            return timed([binary, "export", "--org", ORG, "--api-url", api,
                          "-o", out, "--start", start, "--end", end,
                          "--poll-interval", "0.01", "--quiet"] +
                         ([] if par == "default" else
                          ["--parallel", str(par)]), env)

        def curl(par, test):
            out = os.path.join(tmp, "curl")
            shutil.rmtree(out, ignore_errors=True)
            os.makedirs(out)
            cmd = ["curl", "-sSf", "--parallel"] + (
                [] if par == "default" else ["--parallel-max", str(par)])
            files = []
            for i, u in enumerate(us):
                p = os.path.join(out, "part-%03d.csv.gz" % i)
                files.append(p)
                cmd += ["-o", p, u]
            t = timed(cmd)
            if test:
                t += timed(["gzip", "-t"] + files)
            return t

        us = urls()
        res = {}
        for _ in range(runs if not slow else 1):
            for par in (("default", 4, 8) if not slow else (4,)):
                for name, fn in (("ours", lambda: ours(par)),
                                 ("curl", lambda: curl(par, False)),
                                 ("curl+gzip-t", lambda: curl(par, True))):
                    k = (name, par)
                    v = fn()
                    res[k] = min(res.get(k, v), v)
        return res
    finally:
        double.terminate()
        double.wait()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
