"""A throwaway PostgreSQL server for the integration tests (Debian `postgresql`).

    pg = PgCluster(fsync=False).start()   # initdb + postmaster on 127.0.0.1:<free port>
    url = pg.create_database()            # postgres://postgres@127.0.0.1:PORT/t_<random>
    pg.sql(url, "SELECT count(*) FROM ...")
    pg.stop(); pg.start()                 # an outage: pg_ctl stop -m fast, same data, same port
    pg.close()                            # stop and remove the directory

initdb and postgres refuse to run as root, and CI runs as root: then both run
as Debian's unprivileged `postgres` user (initdb and pg_ctl through
`runuser -u postgres --`; the postmaster is started by this process with the
user's uid/gid set in the child, as runuser does, so that it can also be tied
to this process's life with PR_SET_PDEATHSIG), in a temporary directory
chowned to that user. Clients connect over TCP on 127.0.0.1 only, as the
`postgres` superuser with trust authentication (loopback, a private cluster).

`fsync=False` (`-c fsync=off`, and initdb --no-sync) is for functional tests
only: the durability tests and the benchmarks run with PostgreSQL's defaults.

Stand-alone, for the JavaScript suite, the benchmarks or a developer:

    python3 pg_cluster.py run [--fsync-off] -- COMMAND ARGS...

starts a cluster, runs COMMAND with VOUCH_PG_ADMIN_URL set to the cluster's
`postgres` database URL (create databases with `createdb -h 127.0.0.1 -p PORT
-U postgres NAME`, or `python3 pg_cluster.py createdb URL`), stops the cluster
and exits with COMMAND's status.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import uuid
from pathlib import Path

PG_USER = "postgres"


def pg_bindir() -> str | None:
    """The server's binaries: `pg_config --bindir` if it has initdb, else the
    newest /usr/lib/postgresql/*/bin (Debian keeps them off PATH)."""
    try:
        d = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True,
                           timeout=10).stdout.strip()
        if d and os.path.exists(os.path.join(d, "initdb")):
            return d
    except (OSError, subprocess.SubprocessError):
        pass
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                   key=lambda p: int(p.split("/")[4]) if p.split("/")[4].isdigit() else 0)
    return os.path.dirname(found[-1]) if found else None


def pg_available() -> bool:
    return pg_bindir() is not None and shutil.which("psql") is not None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _demote_and_tie(uid: int | None, gid: int | None):
    def fn():  # runs in the child between fork and exec
        if uid is not None:
            os.setgroups([])
            os.setgid(gid)
            os.setuid(uid)
        try:
            import ctypes
            # After setuid (which clears it). SIGQUIT: the postmaster's immediate shutdown.
            ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGQUIT)
        except Exception:
            pass
    return fn


class PgError(RuntimeError):
    pass


class PgCluster:
    def __init__(self, fsync: bool = True, max_connections: int = 300,
                 settings: list[str] | None = None):
        self.fsync = fsync
        self.max_connections = max_connections
        self.settings = list(settings or [])  # more server settings, "name=value" each
        self.bindir = pg_bindir()
        if self.bindir is None:
            raise PgError("PostgreSQL server binaries not found (apt-get install postgresql)")
        self.as_root = os.geteuid() == 0
        if self.as_root:
            pw = pwd.getpwnam(PG_USER)  # KeyError: no postgres user (install postgresql)
            self.uid, self.gid = pw.pw_uid, pw.pw_gid
        else:
            self.uid = self.gid = None
        self.dir = Path(tempfile.mkdtemp(prefix="vouch-it-pg-"))
        self.data = self.dir / "data"
        self.log = self.dir / "postgres.log"
        self.port = _free_port()
        self.proc: subprocess.Popen | None = None
        self._initialized = False
        if self.as_root:
            os.chown(self.dir, self.uid, self.gid)

    # -- helpers -------------------------------------------------------------
    def _as_pg(self, args: list[str]) -> list[str]:
        return ["runuser", "-u", PG_USER, "--", *args] if self.as_root else list(args)

    def _run_as_pg(self, args: list[str], timeout: float = 120) -> subprocess.CompletedProcess:
        res = subprocess.run(self._as_pg(args), capture_output=True, text=True, timeout=timeout,
                             cwd=self.dir)
        if res.returncode != 0:
            raise PgError(f"{' '.join(args)} failed ({res.returncode}):\n{res.stdout}{res.stderr}\n"
                          f"{self.log_text()}")
        return res

    def log_text(self, limit: int = 4000) -> str:
        try:
            return self.log.read_text("utf-8", "replace")[-limit:]
        except OSError:
            return ""

    def url(self, db: str = "postgres") -> str:
        return f"postgres://{PG_USER}@127.0.0.1:{self.port}/{db}"

    @property
    def admin_url(self) -> str:
        return self.url("postgres")

    # -- lifecycle -----------------------------------------------------------
    def start(self, timeout: float = 60.0) -> "PgCluster":
        """initdb on first use, then start the postmaster and wait until it
        accepts connections. Again after stop(): the same data and port."""
        if self.running():
            raise PgError("postgres already running")
        if not self._initialized:
            args = [f"{self.bindir}/initdb", "-D", str(self.data), "-U", PG_USER,
                    "--auth=trust", "-E", "UTF8", "--locale=C"]
            if not self.fsync:
                args.append("--no-sync")
            self._run_as_pg(args)
            self._initialized = True
        args = [f"{self.bindir}/postgres", "-D", str(self.data), "-k", str(self.dir),
                "-p", str(self.port), "-c", "listen_addresses=127.0.0.1",
                "-c", f"max_connections={self.max_connections}"]
        if not self.fsync:
            args += ["-c", "fsync=off"]
        for setting in self.settings:
            args += ["-c", setting]
        log = open(self.log, "ab")
        if self.as_root:
            os.chown(self.log, self.uid, self.gid)
        try:
            self.proc = subprocess.Popen(args, stdout=log, stderr=log, stdin=subprocess.DEVNULL,
                                         cwd=self.dir, start_new_session=True,
                                         preexec_fn=_demote_and_tie(self.uid, self.gid))
        finally:
            log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise PgError(f"postgres exited with {self.proc.returncode}:\n{self.log_text()}")
            if self.ready():
                return self
            time.sleep(0.05)
        raise PgError(f"postgres not ready within {timeout}s:\n{self.log_text()}")

    def ready(self) -> bool:
        res = subprocess.run(["pg_isready", "-q", "-h", "127.0.0.1", "-p", str(self.port),
                              "-U", PG_USER, "-d", "postgres", "-t", "1"],
                             capture_output=True, timeout=10)
        return res.returncode == 0

    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self, mode: str = "fast", timeout: float = 60) -> None:
        """pg_ctl stop -m fast: clients are disconnected, the data is kept."""
        if not self.running():
            return
        self._run_as_pg([f"{self.bindir}/pg_ctl", "stop", "-D", str(self.data), "-m", mode,
                         "-w", "-t", str(int(timeout))], timeout=timeout + 10)
        self.proc.wait(timeout)

    def restart(self) -> "PgCluster":
        self.stop()
        return self.start()

    def close(self) -> None:
        try:
            if self.running():
                try:
                    self.stop(mode="immediate", timeout=30)
                except (PgError, subprocess.SubprocessError):
                    self.proc.kill()
                    self.proc.wait(10)
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)

    # -- databases and SQL -----------------------------------------------------
    def create_database(self, name: str | None = None) -> str:
        """A new empty database; returns its URL."""
        name = name or f"t_{uuid.uuid4().hex[:12]}"
        res = subprocess.run(["createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", PG_USER,
                              name], capture_output=True, text=True, timeout=60)
        if res.returncode != 0:
            raise PgError(f"createdb {name} failed: {res.stderr}")
        return self.url(name)

    def sql(self, url_or_db: str, query: str, timeout: float = 60) -> list[list[str]]:
        """Runs `query` with psql; the rows as lists of strings."""
        return psql(url_or_db if "://" in url_or_db else self.url(url_or_db), query, timeout)

    def __repr__(self):
        return f"<PgCluster 127.0.0.1:{self.port} {self.dir} fsync={self.fsync}>"


def psql(url: str, query: str, timeout: float = 60) -> list[list[str]]:
    res = subprocess.run(["psql", "-X", "-q", "-A", "-t", "-F", "\t", "-v", "ON_ERROR_STOP=1",
                          "-d", url, "-c", query],
                         capture_output=True, text=True, timeout=timeout)
    if res.returncode != 0:
        raise PgError(f"psql {query!r} failed: {res.stderr}")
    return [line.split("\t") for line in res.stdout.splitlines() if line != ""]


def create_database_at(admin_url: str, name: str | None = None) -> str:
    """A new database on the server `admin_url` names (any database on it)."""
    name = name or f"t_{uuid.uuid4().hex[:12]}"
    psql(admin_url, f'CREATE DATABASE "{name}"')
    u = urllib.parse.urlsplit(admin_url)
    return urllib.parse.urlunsplit((u.scheme, u.netloc, "/" + name, u.query, u.fragment))


def _main(argv: list[str]) -> int:
    import argparse
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run", help="start a cluster, run a command with VOUCH_PG_ADMIN_URL, stop")
    r.add_argument("--fsync-off", action="store_true")
    r.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                   help="a server setting (postgres -c), again for more")
    r.add_argument("command", nargs=argparse.REMAINDER)
    c = sub.add_parser("createdb", help="print the URL of a new database on ADMIN_URL's server")
    c.add_argument("admin_url")
    args = p.parse_args(argv)
    if args.cmd == "createdb":
        print(create_database_at(args.admin_url))
        return 0
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        p.error("run needs a command")
    pg = PgCluster(fsync=not args.fsync_off, settings=args.set)

    def on_term(*_):  # stopped by a script's cleanup: stop the cluster too
        raise KeyboardInterrupt
    signal.signal(signal.SIGTERM, on_term)
    try:
        pg.start()
        env = dict(os.environ, VOUCH_PG_ADMIN_URL=pg.admin_url)
        print(f"pg_cluster: {pg.admin_url} (fsync {'off' if args.fsync_off else 'on'})",
              file=sys.stderr, flush=True)
        proc = subprocess.Popen(command, env=env)
        try:
            return proc.wait()
        except KeyboardInterrupt:
            proc.send_signal(signal.SIGTERM)  # a background job of a script ignores SIGINT
            return proc.wait()
    finally:
        pg.close()


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
