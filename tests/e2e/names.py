#!/usr/bin/env python3
"""names.py --bin BIN [--quick]: user IDs shown as login names (--names)
against the test double's GET /api/v2/user/{id}.

  * `export --names` writes DIR/users.json: every distinct non-empty
    PIPELINE_TRIGGER_USER_ID asked once, its login (or unknown for a 404)
    as the double's user_of() says;
  * `report --by user` then shows the logins, every row's sums equal to
    the generator's truth for its ID; unknown users keep their ID; two
    users with one login are two rows, "login (1a2b3c4d)";
  * a re-run asks for nothing cached (a cache with entries removed: only
    those); at most 4 requests a second; a 429's Retry-After honoured; a
    user endpoint failing (500) leaves the export successful, one warning;
  * no token: `report --names` warns, makes no request, IDs as before; a
    bad users.json is ignored with one warning;
  * `report --names` with a token fills the cache of an export made
    without it;
  * `ingest` copies the cache: `report --db --by user` shows the names; a
    database made before the users table (dropped) still reads, and the
    next ingest adds it;
  * the token is in no output and no file.

Prints PASS/FAIL lines and `N passed, M failed`.
"""

import argparse
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "double"))
import scratch  # noqa: E402
import pinnow  # noqa: E402
from tally import Suite  # noqa: E402
from export import Ctx, Double, FAST, ORG, day, gen  # noqa: E402
from usage_api import user_of  # noqa: E402

S = Suite()


def rows_of(r):
    """The rows of `report --format json` output."""
    return json.loads(r.stdout)["rows"]


def shown_names(ids, overrides=None):
    """What a report shows for each ID, as users_finish() settles it."""
    login = {}
    for i in ids:
        u = user_of(i, overrides)
        if u is not None:
            login[i] = u[0]
    out = {}
    for i, lg in login.items():
        same = [j for j, l2 in login.items() if l2.lower() == lg.lower()]
        clash = len(same) > 1 or any(lg.lower() == k.lower() for k in ids)
        out[i] = "%s (%s)" % (lg, i[:8]) if clash else lg
    return out


def report(c, path, by="user", names=False, env=None, extra=()):
    cmd = [c.bin, "report", "--by", by, "--format", "json"]
    if names:
        cmd.append("--names")
    cmd += list(extra) + [path]
    return subprocess.run(cmd, capture_output=True, env=env or c.env(),
                          timeout=300)


def check_named(rows, truth_rows, shown, errors):
    """Each truth row (by ID) is a row of the report under its name."""
    got = {r["user"]: r for r in rows}
    if len(got) != len(rows):
        errors.append("two rows share a user: %s" % sorted(
            r["user"] for r in rows))
    for t in truth_rows:
        uid = t["user"]
        want = shown.get(uid, uid)
        r = got.get(want)
        if r is None:
            errors.append("no row for %r (%s)" % (want, uid))
            continue
        for k in ("jobs", "total_credits"):
            if str(r[k]) != str(t[k]):
                errors.append("%s: %s %s, truth %s" % (want, k, r[k], t[k]))
    if len(rows) != len(truth_rows):
        errors.append("%d rows, truth %d" % (len(rows), len(truth_rows)))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--quick", action="store_true")
    a = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="cu-names-")
    c = Ctx(a, tmp)
    try:
        run(c, a, tmp)
    except Exception as ex:  # a broken harness is a failure
        import traceback
        traceback.print_exc()
        S.ko("names harness", repr(ex))
    S.summary()
    if S.failed == 0:
        scratch.rmtree(tmp)
    else:
        print("temp files kept in %s" % tmp)
    return 1 if S.failed else 0


def run(c, a, tmp):
    data, truth = gen(tmp, "data", 3000, 2, day(-13), 9, 31)
    truth_rows = truth["by"]["user"]
    ids = sorted(r["user"] for r in truth_rows if r["user"])
    start, end = day(-14), day(-3)
    outputs = []

    # a double whose answers include a login collision (two IDs, one
    # login in two cases) beside the derived ones and their 404s
    over = {ids[0]: {"login": "Shared", "name": "One"},
            ids[1]: {"login": "shared", "name": "Two"}}
    ofile = os.path.join(tmp, "users-override.json")
    with open(ofile, "w") as f:
        json.dump(over, f)
    d = Double(tmp, data, FAST + ["--users", ofile], "d-names")
    try:
        out = os.path.join(tmp, "exp")
        r = c.export(d, out, ["--start", start, "--end", end, "--names"])
        outputs += [r.stdout, r.stderr]
        st = d.state()
        errors = []
        if r.returncode != 0:
            errors.append("exit %d: %s" % (r.returncode, r.stderr[-300:]))
        if sorted(st["user_ids"]) != ids:
            errors.append("asked for %d IDs, the export has %d" % (
                len(st["user_ids"]), len(ids)))
        if any(n != 1 for n in st["user_ids"].values()):
            errors.append("an ID asked twice")
        try:
            with open(os.path.join(out, "users.json")) as f:
                cache = json.load(f)
            for u in cache["users"]:
                want = user_of(u["id"], {k.lower(): v for k, v in
                                         over.items()})
                if (want[0] if want else None) != u["login"]:
                    errors.append("%s cached as %r" % (u["id"], u["login"]))
            if len(cache["users"]) != len(ids):
                errors.append("%d users cached" % len(cache["users"]))
        except (OSError, ValueError, KeyError) as ex:
            errors.append("users.json: %r" % ex)
        if any(f.startswith("users.json.") or f.endswith(".tmp")
               for f in os.listdir(out)):
            errors.append("a temporary file left: %s" % os.listdir(out))
        S.check("export --names caches every distinct user once", errors)

        # the rate: any 5 requests span at least a second (4/s)
        t = st["user_times"]
        fast = [t[i + 4] - t[i] for i in range(len(t) - 4)
                if t[i + 4] - t[i] < 0.95]
        S.check("at most 4 user requests a second",
                ["5 requests within %.2f s" % min(fast)] if fast else [])

        lower = {k.lower(): v for k, v in over.items()}
        shown = shown_names(ids, lower)
        r = report(c, out)
        outputs += [r.stdout, r.stderr]
        errors = []
        if r.returncode != 0:
            errors.append("exit %d" % r.returncode)
        else:
            check_named(rows_of(r), truth_rows, shown, errors)
        unknown = [i for i in ids if user_of(i, lower) is None]
        if not unknown:
            errors.append("the data has no unknown user to show")
        if "Shared (%s)" % ids[0][:8] not in shown.values():
            errors.append("no collision to tell apart")
        S.check("report --by user shows the logins, sums as the truth "
                "(%d unknown kept as IDs, a collision told apart)"
                % len(unknown), errors)

        # by project,user too: grouping by ID, names after
        r = report(c, out, by="project,user")
        outputs += [r.stdout, r.stderr]
        errors = []
        if r.returncode != 0:
            errors.append("exit %d" % r.returncode)
        elif len(rows_of(r)) != len(set((x["project"], x["user"])
                                        for x in rows_of(r))):
            errors.append("two rows share a key")
        S.check("report --by project,user keeps one row per ID", errors)

        # the page: a section per user, by name, as report's top 20
        page = os.path.join(tmp, "page.html")
        top = os.path.join(tmp, "top-users.csv")
        r = subprocess.run([c.bin, "html", "-o", page, out],
                           capture_output=True, env=c.env(), timeout=300)
        outputs += [r.stdout, r.stderr]
        errors = []
        if r.returncode != 0:
            errors.append("html: exit %d: %s" % (r.returncode,
                                                 r.stderr[-300:]))
        else:
            with open(top, "wb") as f:
                f.write(subprocess.run(
                    [c.bin, "report", "--by", "user", "--top", "20",
                     "--format", "csv", out], capture_output=True,
                    env=c.env(), timeout=300).stdout)
            hc = subprocess.run([sys.executable, os.path.join(
                HERE, "htmlcheck.py"), "table", page, "t-users", top],
                capture_output=True, text=True, timeout=60)
            if hc.returncode != 0:
                errors.append("t-users: " + hc.stdout.strip())
            text = open(page, encoding="utf-8").read()
            if not any(n in text for n in shown.values()):
                errors.append("no login on the page")
        S.check("html: the top users by login, as report --by user's",
                errors)

        # compare --by user: both sides by login, so their groups pair
        r = subprocess.run([c.bin, "compare", "--by", "user", "--format",
                            "json", out, out], capture_output=True,
                           env=c.env(), timeout=300)
        outputs += [r.stdout, r.stderr]
        errors = []
        if r.returncode != 0:
            errors.append("exit %d: %s" % (r.returncode, r.stderr[-300:]))
        else:
            doc = json.loads(r.stdout)
            keys = [x.get("user") for x in doc.get("rows", [])]
            named = set(shown.values())
            if not named & set(keys):
                errors.append("no login among %r" % keys[:5])
            if [k for k in keys if k in shown]:
                errors.append("an ID with a login shown as the ID")
            if any(x.get("trend") not in ("same", None)
                   for x in doc.get("rows", [])):
                errors.append("a side's user did not pair")
        S.check("compare --by user: both sides by login, paired", errors)

        # run --names: export's look-ups, then the page by login
        R = os.path.join(tmp, "R")
        r = subprocess.run([c.bin, "run", "--org", ORG, "--api-url",
                            d.api_url, "--start", start, "--end", end,
                            "--names", "--poll-interval", "0.05", "-o", R],
                           capture_output=True, env=c.env(), timeout=300)
        outputs += [r.stdout, r.stderr]
        errors = []
        if r.returncode != 0:
            errors.append("exit %d: %s" % (r.returncode, r.stderr[-300:]))
        elif not os.path.exists(os.path.join(R, "export", "users.json")):
            errors.append("no export/users.json")
        elif 'id="t-users"' not in open(os.path.join(R, "index.html"),
                                         encoding="utf-8").read():
            errors.append("the page has no users section")
        S.check("run --names: the export's names cached, the page by login",
                errors)

        # a re-run asks for nothing; a cache with two removed asks for two
        before = d.state()["user_requests"]
        r = c.export(d, out, ["--start", start, "--end", end, "--names"])
        outputs += [r.stdout, r.stderr]
        asked = d.state()["user_requests"] - before
        S.check("a re-run of export --names asks for nothing cached",
                [] if r.returncode == 0 and asked == 0 else
                ["exit %d, %d requests" % (r.returncode, asked)])
        upath = os.path.join(out, "users.json")
        with open(upath) as f:
            cache = json.load(f)
        gone = [cache["users"][3]["id"], cache["users"][7]["id"]]
        cache["users"] = [u for u in cache["users"] if u["id"] not in gone]
        with open(upath, "w") as f:
            json.dump(cache, f)
        before = dict(d.state()["user_ids"])
        r = c.export(d, out, ["--start", start, "--end", end, "--names"])
        outputs += [r.stdout, r.stderr]
        after = d.state()["user_ids"]
        new = sorted(k for k in after if after[k] != before.get(k))
        S.check("a cache missing two users: only those two asked",
                [] if new == sorted(gone) else ["asked for %s" % new])

        # no token: no request, a warning, the cache still shown
        before = d.state()["user_requests"]
        env = c.env()
        del env["CIRCLECI_API_TOKEN"]
        env["CIRCLECI_API_URL"] = d.api_url
        bare = os.path.join(tmp, "bare")
        r0 = c.export(d, bare, ["--start", start, "--end", end])
        r = report(c, bare, names=True, env=env)
        outputs += [r0.stdout, r0.stderr, r.stdout, r.stderr]
        errors = []
        if r.returncode != 0:
            errors.append("exit %d" % r.returncode)
        elif sorted(x["user"] for x in rows_of(r) if x["user"]) != ids:
            errors.append("not the IDs")
        if d.state()["user_requests"] != before:
            errors.append("a request was made")
        if b"no API token" not in r.stderr or r.stderr.count(b"\n") != 1:
            errors.append("not one warning: %r" % r.stderr[-200:])
        S.check("no token: IDs as before, no request, one warning", errors)
        r = subprocess.run([c.bin, "html", "-o", os.path.join(tmp, "bare.html"),
                            bare], capture_output=True, env=env, timeout=300)
        outputs += [r.stdout, r.stderr]
        S.check("html without names: no section per user", [] if
                r.returncode == 0 and 'id="t-users"' not in open(
                    os.path.join(tmp, "bare.html"), encoding="utf-8").read()
                else ["exit %d, or a users table" % r.returncode])

        # a reader with --names and a token fills the bare export's cache
        r = report(c, bare, names=True, env=c.env(
            {"CIRCLECI_API_URL": d.api_url}))
        outputs += [r.stdout, r.stderr]
        errors = []
        if r.returncode != 0:
            errors.append("exit %d: %r" % (r.returncode, r.stderr[-200:]))
        else:
            check_named(rows_of(r), truth_rows, shown, errors)
        if not os.path.exists(os.path.join(bare, "users.json")):
            errors.append("no users.json written")
        S.check("report --names with a token asks and caches", errors)

        # a bad cache: one warning, IDs, exit 0
        with open(os.path.join(bare, "users.json"), "w") as f:
            f.write('{"version": 1, "users": [{"id": 42}]')
        r = report(c, bare)
        outputs += [r.stdout, r.stderr]
        errors = []
        if r.returncode != 0:
            errors.append("exit %d" % r.returncode)
        elif sorted(x["user"] for x in rows_of(r) if x["user"]) != ids:
            errors.append("not the IDs")
        if r.stderr.count(b"\n") != 1 or b"users.json" not in r.stderr:
            errors.append("not one line naming the file: %r" % r.stderr)
        S.check("a bad users.json is ignored with one warning", errors)

        # 429 on the user endpoint: waited for, as the API asks
        d2 = Double(tmp, data, FAST + ["--fault", "user-429=2",
                                       "--retry-after", "1"], "d-429")
        try:
            out2 = os.path.join(tmp, "exp429")
            r = c.export(d2, out2, ["--start", start, "--end", end,
                                    "--names"])
            outputs += [r.stdout, r.stderr]
            st2 = d2.state()
            errors = []
            if r.returncode != 0:
                errors.append("exit %d" % r.returncode)
            if st2["faults_fired"].get("user-429") != 2:
                errors.append("faults fired: %s" % st2["faults_fired"])
            with open(os.path.join(out2, "users.json")) as f:
                if len(json.load(f)["users"]) != len(ids):
                    errors.append("not every user cached")
            S.check("429 on look-ups: Retry-After honoured, all cached",
                    errors)
        finally:
            d2.stop()

        if not a.quick:
            d3 = Double(tmp, data, FAST + ["--fault", "user-500=always"],
                        "d-500")
            try:
                out3 = os.path.join(tmp, "exp500")
                r = c.export(d3, out3, ["--start", start, "--end", end,
                                        "--names"], timeout=200)
                outputs += [r.stdout, r.stderr]
                errors = []
                if r.returncode != 0:
                    errors.append("exit %d" % r.returncode)
                if r.stderr.count(b"look-ups stopped") != 1:
                    errors.append("no single warning: %r" % r.stderr[-300:])
                if d3.state()["user_requests"] > 12:
                    errors.append("%d requests" %
                                  d3.state()["user_requests"])
                S.check("user endpoint failing: export succeeds, warns "
                        "once, keeps IDs", errors)
            finally:
                d3.stop()

        # history: ingest copies the cache; an old database still reads
        db = os.path.join(tmp, "h.db")
        r = subprocess.run([c.bin, "ingest", "--db", db, out],
                           capture_output=True, env=c.env(), timeout=300)
        outputs += [r.stdout, r.stderr]
        r2cmd = [c.bin, "report", "--by", "user", "--format", "json",
                 "--db", db]
        r2 = subprocess.run(r2cmd, capture_output=True, env=c.env())
        outputs += [r2.stdout, r2.stderr]
        errors = []
        if r.returncode != 0 or r2.returncode != 0:
            errors.append("exit %d, %d: %r" % (r.returncode, r2.returncode,
                                               r2.stderr[-200:]))
        else:
            check_named(rows_of(r2), truth_rows, shown, errors)
        S.check("ingest + report --db --by user shows names", errors)

        con = sqlite3.connect(db)
        con.execute("DROP TABLE users")
        con.commit()
        con.close()
        r2 = subprocess.run(r2cmd, capture_output=True, env=c.env())
        errors = []
        if r2.returncode != 0:
            errors.append("old db: exit %d: %r" % (r2.returncode,
                                                   r2.stderr[-200:]))
        elif sorted(x["user"] for x in rows_of(r2) if x["user"]) != ids:
            errors.append("old db: not the IDs")
        r = subprocess.run([c.bin, "ingest", "--db", db, out],
                           capture_output=True, env=c.env(), timeout=300)
        r3 = subprocess.run(r2cmd, capture_output=True, env=c.env())
        r4 = subprocess.run([c.bin, "db", "info", "--db", db],
                            capture_output=True, env=c.env())
        outputs += [r2.stdout, r2.stderr, r.stdout, r.stderr, r3.stdout,
                    r3.stderr]
        if r.returncode != 0 or r3.returncode != 0 or r4.returncode != 0:
            errors.append("re-ingest: exit %d, %d, %d: %r" % (
                r.returncode, r3.returncode, r4.returncode,
                (r.stderr + r3.stderr + r4.stderr)[-300:]))
        else:
            check_named(rows_of(r3), truth_rows, shown, errors)
        S.check("a database without the users table reads; ingest adds it",
                errors)
    finally:
        d.stop()

    tok = c.token.encode()
    errors = ["the token is printed"] if any(
        o and tok in o for o in outputs) else []
    for root, _, files in os.walk(tmp):
        for fn in files:
            if fn.endswith(".secret"):
                continue
            with open(os.path.join(root, fn), "rb") as f:
                if tok in f.read():
                    errors.append("the token is in %s" % fn)
    S.check("the token is in no output and no file", errors)


if __name__ == "__main__":
    sys.exit(main())
