#!/usr/bin/env python3
"""A throwaway PostgreSQL server for the history tests (issue 20).

Debian's server binaries (/usr/lib/postgresql/*/bin, the newest) make a
cluster in a new temporary directory, owned by and run as an unprivileged
user (`nobody` when run as root: the suites run as root and PostgreSQL
refuses to), listening on a Unix socket in that directory only, or also
on 127.0.0.1 at a free port with --tcp: never beyond loopback.  A role and
a database `cu` are made; the role's password is random and written only
to a password file (PGPASSFILE), never to argv or to the URI printed.
Everything is stopped and removed on exit, SIGTERM and SIGINT included.

    python3 tests/pgserver.py [--tcp]            print the URI, wait for
                                                 SIGTERM / SIGINT / EOF
    python3 tests/pgserver.py [--tcp] -- CMD...  run CMD with
                                                 CU_PG_URI and PGPASSFILE
                                                 set, its exit status
    python3 tests/pgserver.py --self-test        start, psql SELECT 1,
                                                 stop: "N passed, M failed"

As a module: `with PgServer(tcp=True) as pg: pg.uri, pg.env()`.
Only the Python standard library.
"""

import glob
import os
import pwd
import re
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import urllib.parse

DB = "cu"
ROLE = "cu"
ADMIN = "pgadmin"


def bindir():
    """The newest /usr/lib/postgresql/VERSION/bin holding initdb."""
    found = []
    for p in glob.glob("/usr/lib/postgresql/*/bin/initdb"):
        v = p.split("/")[4]
        if re.fullmatch(r"[0-9]+(\.[0-9]+)?", v):
            found.append((tuple(int(x) for x in v.split(".")), p))
    if not found:
        raise RuntimeError("no /usr/lib/postgresql/*/bin/initdb: "
                           "sh scripts/deps.sh check installs it")
    return os.path.dirname(max(found)[1])


def free_port():
    """A TCP port free on 127.0.0.1 now (the socket's name needs one too)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def searchable(path, uid, gid):
    """Can uid:gid (not root) reach path: search every directory down to
    it?  (Under tests/e2e/run.sh, TMPDIR is inside a 0700 directory of
    root's, which `nobody` cannot enter.)"""
    path = os.path.abspath(path)
    while True:
        try:
            st = os.stat(path)
        except OSError:
            return False
        if st.st_uid == uid:
            bit = stat.S_IXUSR
        elif st.st_gid == gid:
            bit = stat.S_IXGRP
        else:
            bit = stat.S_IXOTH
        if not st.st_mode & bit:
            return False
        if path == "/":
            return True
        path = os.path.dirname(path)


def pgpass_field(s):
    """A .pgpass field: ':' and '\\' escaped with '\\'."""
    return s.replace("\\", "\\\\").replace(":", "\\:")


class PgServer:
    """One cluster; start() then stop() (or use it as a context manager)."""

    def __init__(self, tcp=False, quiet=True):
        self.tcp = tcp
        self.quiet = quiet
        self.bin = bindir()
        self.dir = None
        self.started = False
        self.port = free_port()
        self.password = os.urandom(24).hex()
        if os.getuid() == 0:
            pw = pwd.getpwnam("nobody")
            self.uid, self.gid = pw.pw_uid, pw.pw_gid
        else:
            self.uid, self.gid = os.getuid(), os.getgid()

    # ---- paths ----

    @property
    def data(self):
        return os.path.join(self.dir, "data")

    @property
    def sockdir(self):
        return os.path.join(self.dir, "sock")

    @property
    def passfile(self):
        return os.path.join(self.dir, "pgpass")

    @property
    def uri(self):
        """The role's URI, no password: the socket, or 127.0.0.1."""
        if self.tcp:
            return "postgresql://%s@127.0.0.1:%d/%s" % (ROLE, self.port, DB)
        q = urllib.parse.urlencode({"host": self.sockdir,
                                    "port": str(self.port), "user": ROLE})
        return "postgresql:///%s?%s" % (DB, q)

    def env(self, base=None):
        """An environment for libpq clients: PGPASSFILE and CU_PG_URI."""
        e = dict(os.environ if base is None else base)
        for k in ("PGPASSWORD", "PGHOST", "PGPORT", "PGUSER",
                  "PGDATABASE", "PGSERVICE", "PGSERVICEFILE"):
            e.pop(k, None)
        e["PGPASSFILE"] = self.passfile
        e["CU_PG_URI"] = self.uri
        return e

    # ---- running things ----

    def _as_owner(self, argv, **kw):
        """Run a server binary as the cluster's owner."""
        env = {"PATH": "/usr/bin:/bin", "HOME": self.dir, "LC_ALL": "C",
               "PGTZ": "UTC", "TZ": "UTC"}
        kw.setdefault("stdout", subprocess.DEVNULL if self.quiet else None)
        kw.setdefault("stderr", subprocess.PIPE)
        if os.getuid() == 0:
            kw.update(user=self.uid, group=self.gid, extra_groups=[])
        return subprocess.run(argv, env=env, cwd=self.dir, check=False,
                              **kw)

    def _check(self, what, r):
        if r.returncode != 0:
            err = r.stderr.decode(errors="replace") if r.stderr else ""
            raise RuntimeError("%s failed (%d): %s" %
                               (what, r.returncode, err.strip()))

    def admin_sql(self, sql, dbname="postgres"):
        """Run SQL (from stdin, not argv) as the superuser on the socket,
        in database dbname; its output (psql -At: unaligned, no header)."""
        r = subprocess.run(
            [os.path.join(self.bin, "psql"), "-X", "-q", "-At",
             "-v", "ON_ERROR_STOP=1", "-h", self.sockdir,
             "-p", str(self.port), "-U", ADMIN, "-d", dbname],
            input=sql.encode(), env=self.env(), check=False,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self._check("psql", r)
        return r.stdout.decode()

    # ---- life ----

    def start(self):
        # in TMPDIR, unless the cluster's owner cannot reach it: then /tmp
        base = tempfile.gettempdir()
        if not searchable(base, self.uid, self.gid):
            base = "/tmp"
        self.dir = tempfile.mkdtemp(prefix="cu-pg-", dir=base)
        os.chmod(self.dir, 0o700)
        os.chown(self.dir, self.uid, self.gid)
        os.mkdir(self.sockdir, 0o700)
        os.chown(self.sockdir, self.uid, self.gid)
        # the superuser's password, for initdb (read as the owner)
        admin_pw = os.urandom(24).hex()
        pwfile = os.path.join(self.dir, "initdb.pw")
        with open(pwfile, "w") as f:
            f.write(admin_pw + "\n")
        os.chmod(pwfile, 0o600)
        os.chown(pwfile, self.uid, self.gid)
        self._check("initdb", self._as_owner(
            [os.path.join(self.bin, "initdb"), "-D", self.data,
             "-U", ADMIN, "--pwfile", pwfile, "-E", "UTF8", "--no-locale",
             "--auth-local=scram-sha-256", "--auth-host=scram-sha-256",
             "--no-sync"]))
        os.unlink(pwfile)
        # the client's password file: root's (or ours), 0600
        lines = []
        for host in (self.sockdir, "127.0.0.1"):
            for user, pw in ((ADMIN, admin_pw), (ROLE, self.password)):
                lines.append(":".join(pgpass_field(x) for x in
                             (host, str(self.port), "*", user, pw)))
        fd = os.open(self.passfile, os.O_WRONLY | os.O_CREAT | os.O_EXCL,
                     0o600)
        with os.fdopen(fd, "w") as f:
            f.write("\n".join(lines) + "\n")
        listen = "127.0.0.1" if self.tcp else ""
        opts = ("-c listen_addresses='%s' -c unix_socket_directories='%s' "
                "-c port=%d -c fsync=off -c TimeZone=UTC" %
                (listen, self.sockdir, self.port))
        self.started = True
        self._check("pg_ctl start", self._as_owner(
            [os.path.join(self.bin, "pg_ctl"), "-D", self.data, "-w",
             "-t", "60", "-l", os.path.join(self.dir, "log"),
             "-o", opts, "start"]))
        self.admin_sql(
            "SET password_encryption = 'scram-sha-256';\n"
            "CREATE ROLE %s LOGIN PASSWORD '%s';\n"
            "CREATE DATABASE %s OWNER %s TEMPLATE template0 "
            "ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C';\n"
            % (ROLE, self.password, DB, ROLE))
        return self

    def pid(self):
        """The postmaster's pid, or None."""
        try:
            with open(os.path.join(self.data, "postmaster.pid")) as f:
                return int(f.readline())
        except (OSError, ValueError):
            return None

    def stop(self):
        if self.dir is None:
            return
        try:
            if self.started and os.path.isdir(self.data):
                r = self._as_owner(
                    [os.path.join(self.bin, "pg_ctl"), "-D", self.data,
                     "-w", "-t", "60", "-m", "fast", "stop"])
                if r.returncode != 0:
                    pid = self.pid()
                    if pid is not None:
                        try:
                            os.kill(pid, signal.SIGQUIT)
                        except ProcessLookupError:
                            pass
        finally:
            self.started = False
            shutil.rmtree(self.dir, ignore_errors=True)
            self.dir = None

    def __enter__(self):
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(self, *exc):
        self.stop()


def alive(pid):
    """Is pid running (a zombie, which a container's init may leave
    unreaped, is not)?"""
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except OSError:
        return False


def on_signals():
    """SIGTERM and SIGINT unwind (SystemExit), so every `finally` runs."""
    def handler(signum, frame):
        raise SystemExit(128 + signum)
    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)
    signal.signal(signal.SIGHUP, handler)


def self_test():
    passed = failed = 0

    def check(name, ok, detail=""):
        nonlocal passed, failed
        if ok:
            passed += 1
        else:
            failed += 1
            print("FAIL: %s %s" % (name, detail))

    for tcp in (False, True):
        tag = "tcp" if tcp else "socket"
        pg = PgServer(tcp=tcp)
        try:
            pg.start()
        except Exception as e:
            check(tag + ": start", False, str(e))
            pg.stop()
            continue
        d = pg.dir
        try:
            check(tag + ": start", pg.pid() is not None)
            check(tag + ": no password in the URI",
                  pg.password not in pg.uri and ":" not in
                  urllib.parse.urlsplit(pg.uri).netloc.split("@")[0])
            psql = os.path.join(pg.bin, "psql")
            r = subprocess.run([psql, "-X", "-At", "-d", pg.uri, "-c",
                                "SELECT 1"], env=pg.env(),
                               capture_output=True, check=False)
            check(tag + ": psql SELECT 1", r.stdout == b"1\n",
                  r.stderr.decode(errors="replace"))
            r = subprocess.run([psql, "-X", "-At", "-d", pg.uri, "-c",
                                "SHOW lc_collate"], env=pg.env(),
                               capture_output=True, check=False)
            check(tag + ": collation C", r.stdout == b"C\n", repr(r))
            # without the password file, the password is asked for:
            # the server really checks it
            e = pg.env()
            e["PGPASSFILE"] = os.devnull
            r = subprocess.run([psql, "-X", "-w", "-At", "-d", pg.uri,
                                "-c", "SELECT 1"], env=e,
                               capture_output=True, check=False)
            check(tag + ": refused without the password",
                  r.returncode != 0 and r.stdout == b"")
            if os.getuid() == 0:
                st = os.stat(pg.data)
                check(tag + ": run as nobody", st.st_uid == pg.uid
                      and pg.uid != 0)
            if tcp:
                with socket.socket() as s:
                    s.settimeout(5)
                    ok = s.connect_ex(("127.0.0.1", pg.port)) == 0
                check(tag + ": listens on 127.0.0.1", ok)
            else:
                with socket.socket() as s:
                    s.settimeout(5)
                    ok = s.connect_ex(("127.0.0.1", pg.port)) != 0
                check(tag + ": no TCP listener", ok)
            pid = pg.pid()
        finally:
            pg.stop()
        check(tag + ": directory removed", not os.path.exists(d))
        check(tag + ": server stopped", pid is None or not alive(pid))
    # SIGTERM to a serving process: it stops the server and cleans up
    p = subprocess.Popen([sys.executable, os.path.abspath(__file__)],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE)
    line = p.stdout.readline().decode()
    m = re.search(r"host=([^&]+)", line)
    sock = urllib.parse.unquote(m.group(1)) if m else None
    p.send_signal(signal.SIGTERM)
    try:
        p.wait(timeout=60)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()
    check("SIGTERM: served a URI", line.startswith("postgresql://"), line)
    check("SIGTERM: cleaned up", sock is not None and
          not os.path.exists(os.path.dirname(sock)), repr(sock))
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


def main(argv):
    tcp = "--tcp" in argv
    if "--self-test" in argv:
        return self_test()
    cmd = argv[argv.index("--") + 1:] if "--" in argv else None
    on_signals()
    with PgServer(tcp=tcp) as pg:
        if cmd:
            return subprocess.run(cmd, env=pg.env(), check=False).returncode
        sys.stdout.write(pg.uri + "\n")
        sys.stdout.write("PGPASSFILE=" + pg.passfile + "\n")
        sys.stdout.flush()
        try:
            sys.stdin.read()  # until EOF or a signal
        except SystemExit:
            raise
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
