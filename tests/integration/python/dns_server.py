"""DNS harness for vouch's DNS verification tests.

* KnotServer: a real authoritative server (Debian's `knot`, knotd 3.x) on a
  free loopback port, serving zones this harness writes. Records are changed
  with set()/clear(); each change rewrites the zone file with a higher SOA
  serial, runs `knotc zone-reload` and waits until the server answers with the
  new serial, so a test never races the reload.
* StubDns: a tiny UDP (and TCP) DNS responder, standard library only, that
  answers every query with a fixed RCODE (SERVFAIL, REFUSED, ...) or never
  answers at all (a resolver that times out). It counts the queries it saw.
* query(): a minimal DNS client (UDP or TCP) to check what the servers really
  answer (rcode, TC bit, TXT strings), so the tests can assert that a setup
  produces what it claims to (e.g. that an answer is really truncated).
* Admin/test-mode helpers for vouch (from vouch_client.py): SigV4-signed
  JSON requests to /_vouch/claims and the unauthenticated /_vouch/test/* routes.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import socket
import struct
import subprocess
import tempfile
import threading
import time
from pathlib import Path

from vouch_client import advance_clock as advance  # noqa: F401  (the tests' names)
from vouch_client import ok as _ok
from vouch_client import reset, vouch_request  # noqa: F401
from vouch_client import run_due_checks as run_due  # noqa: F401


KNOTD = shutil.which("knotd") or "/usr/sbin/knotd"
KNOTC = shutil.which("knotc") or "/usr/sbin/knotc"

RCODE_NOERROR, RCODE_SERVFAIL, RCODE_NXDOMAIN, RCODE_REFUSED = 0, 2, 3, 5
TYPE_A, TYPE_NS, TYPE_CNAME, TYPE_SOA, TYPE_TXT = 1, 2, 5, 6, 16


def knot_available() -> bool:
    return os.path.exists(KNOTD) and os.path.exists(KNOTC)


def free_udp_tcp_port() -> int:
    """A loopback port free for both TCP and UDP."""
    for _ in range(50):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as t:
            t.bind(("127.0.0.1", 0))
            port = t.getsockname()[1]
            try:
                with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as u:
                    u.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port")


def _die_with_parent():
    try:
        import ctypes
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except Exception:
        pass


# --------------------------------------------------------------------------
# Minimal DNS wire format


def encode_name(name: str) -> bytes:
    out = b""
    for label in name.rstrip(".").split("."):
        if label:
            b = label.encode()
            out += bytes([len(b)]) + b
    return out + b"\0"


def _read_name(msg: bytes, off: int) -> tuple[str, int]:
    labels, jumped, end = [], False, off
    for _ in range(128):
        n = msg[off]
        if n & 0xC0 == 0xC0:
            if not jumped:
                end = off + 2
            off = ((n & 0x3F) << 8) | msg[off + 1]
            jumped = True
            continue
        if n == 0:
            if not jumped:
                end = off + 1
            return ".".join(labels), end
        labels.append(msg[off + 1:off + 1 + n].decode("latin-1"))
        off += 1 + n
    raise ValueError("name loop")


class Answer:
    def __init__(self, rcode: int, tc: bool, answers: list, raw: bytes):
        self.rcode, self.tc, self.answers, self.raw = rcode, tc, answers, raw

    def txt(self) -> list[list[bytes]]:
        """Each TXT record of the answer section as its list of strings."""
        return [rd for (_n, t, rd) in self.answers if t == TYPE_TXT]

    def __repr__(self):
        return f"<Answer rcode={self.rcode} tc={self.tc} answers={self.answers!r}>"


def parse(msg: bytes) -> Answer:
    _id, flags, qd, an, _ns, _ar = struct.unpack("!HHHHHH", msg[:12])
    off = 12
    for _ in range(qd):
        _, off = _read_name(msg, off)
        off += 4
    answers = []
    for _ in range(an):
        name, off = _read_name(msg, off)
        rtype, _cls, _ttl, rdlen = struct.unpack("!HHIH", msg[off:off + 10])
        off += 10
        rdata = msg[off:off + rdlen]
        if rtype == TYPE_TXT:
            strings, i = [], 0
            while i < len(rdata):
                n = rdata[i]
                strings.append(rdata[i + 1:i + 1 + n])
                i += 1 + n
            value = strings
        elif rtype == TYPE_CNAME:
            value = _read_name(msg, off)[0]
        elif rtype == TYPE_SOA:
            _m, o = _read_name(msg, off)
            _r, o = _read_name(msg, o)
            value = struct.unpack("!I", msg[o:o + 4])[0]
        else:
            value = rdata
        answers.append((name, rtype, value))
        off += rdlen
    return Answer(flags & 0xF, bool(flags & 0x0200), answers, msg)


def build_query(name: str, qtype: int, qid: int | None = None) -> bytes:
    qid = random.randrange(65536) if qid is None else qid
    return struct.pack("!HHHHHH", qid, 0x0100, 1, 0, 0, 0) + encode_name(name) + struct.pack("!HH", qtype, 1)


def query(port: int, name: str, qtype: int = TYPE_TXT, tcp: bool = False,
          host: str = "127.0.0.1", timeout: float = 2.0) -> Answer:
    q = build_query(name, qtype)
    if tcp:
        with socket.create_connection((host, port), timeout=timeout) as s:
            s.sendall(struct.pack("!H", len(q)) + q)
            n = struct.unpack("!H", _recv_exact(s, 2))[0]
            return parse(_recv_exact(s, n))
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(timeout)
        s.sendto(q, (host, port))
        return parse(s.recv(65535))


def _recv_exact(s: socket.socket, n: int) -> bytes:
    buf = b""
    while len(buf) < n:
        chunk = s.recv(n - len(buf))
        if not chunk:
            raise ConnectionError("short read")
        buf += chunk
    return buf


# --------------------------------------------------------------------------
# Stub responder


class StubDns:
    """Answers every query with `rcode` (header + question only), or, with
    rcode=None, reads queries and never answers (a resolver that times out).
    With `delay`, UDP answers leave that many seconds after their query, and
    max_outstanding tells how many queries were ever waiting at once.
    Listens on UDP and TCP at the same loopback port."""

    def __init__(self, rcode: int | None, delay: float = 0.0):
        self.rcode = rcode
        self.delay = delay
        self.queries: list[str] = []  # names asked, in order
        self.outstanding = 0       # UDP queries read and not yet answered
        self.max_outstanding = 0
        self._lock = threading.Lock()
        self.port = free_udp_tcp_port()
        self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.udp.bind(("127.0.0.1", self.port))
        self.tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.tcp.bind(("127.0.0.1", self.port))
        self.tcp.listen(16)
        self._stop = False
        self._threads = [threading.Thread(target=self._serve_udp, daemon=True),
                         threading.Thread(target=self._serve_tcp, daemon=True)]
        for t in self._threads:
            t.start()

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def count(self, name: str | None = None) -> int:
        with self._lock:
            return len([q for q in self.queries if name is None or q.rstrip(".") == name.rstrip(".")])

    def _reply(self, q: bytes) -> bytes | None:
        if len(q) < 12:
            return None
        try:
            name, off = _read_name(q, 12)
        except (IndexError, ValueError):
            return None
        with self._lock:
            self.queries.append(name)
        if self.rcode is None:
            return None
        qid, flags = struct.unpack("!HH", q[:4])
        rflags = 0x8000 | (flags & 0x0100) | 0x0080 | self.rcode  # QR, RD copied, RA
        return struct.pack("!HHHHHH", qid, rflags, 1, 0, 0, 0) + q[12:off + 4]

    def _serve_udp(self):
        while not self._stop:
            try:
                q, addr = self.udp.recvfrom(65535)
            except OSError:
                return
            r = self._reply(q)
            if r is None:
                continue
            if self.delay <= 0:
                self._send(r, addr)
                continue
            with self._lock:
                self.outstanding += 1
                self.max_outstanding = max(self.max_outstanding, self.outstanding)
            threading.Timer(self.delay, self._send, args=(r, addr, True)).start()

    def _send(self, r: bytes, addr, counted: bool = False):
        if counted:
            with self._lock:
                self.outstanding -= 1
        try:
            self.udp.sendto(r, addr)
        except OSError:
            pass

    def _serve_tcp(self):
        while not self._stop:
            try:
                conn, _ = self.tcp.accept()
            except OSError:
                return
            threading.Thread(target=self._serve_conn, args=(conn,), daemon=True).start()

    def _serve_conn(self, conn):
        with conn:
            try:
                while True:
                    n = struct.unpack("!H", _recv_exact(conn, 2))[0]
                    r = self._reply(_recv_exact(conn, n))
                    if r is None:
                        continue
                    conn.sendall(struct.pack("!H", len(r)) + r)
            except (OSError, ConnectionError, struct.error):
                return

    def close(self):
        self._stop = True
        for s in (self.udp, self.tcp):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            s.close()


# --------------------------------------------------------------------------
# Knot


def _quote_txt(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


class KnotServer:
    """knotd serving `zones` (authoritative) on 127.0.0.1:<port>.

    `broken` zones are configured but their zone file does not parse, so knot
    cannot load them and answers SERVFAIL for names in them.
    Names passed to set()/clear() are absolute, without the trailing dot.
    """

    def __init__(self, zones=("example.com",), broken=()):
        self.dir = Path(tempfile.mkdtemp(prefix="vouch-it-knot-"))
        (self.dir / "zones").mkdir()
        (self.dir / "db").mkdir()
        self.zones = list(zones)
        self.broken = list(broken)
        self.records: dict[str, dict[str, list[tuple[str, str]]]] = {z: {} for z in self.zones}
        self.serial = int(time.time()) % 1_000_000_000
        self.port = free_udp_tcp_port()
        self.sock = str(self.dir / "knot.sock")
        self.proc: subprocess.Popen | None = None
        self.log = self.dir / "knotd.log"

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    # -- zone files ----------------------------------------------------------
    def _zone_of(self, name: str) -> str:
        name = name.rstrip(".").lower()
        best = None
        for z in self.zones:
            if name == z or name.endswith("." + z):
                if best is None or len(z) > len(best):
                    best = z
        if best is None:
            raise ValueError(f"{name} is in no zone of this server ({self.zones})")
        return best

    def _write_zone(self, zone: str) -> None:
        lines = [
            f"$ORIGIN {zone}.",
            "$TTL 60",
            f"@ SOA ns.{zone}. hostmaster.{zone}. {self.serial} 3600 600 86400 60",
            "@ NS ns",
            "ns A 127.0.0.1",
        ]
        for owner, rrs in sorted(self.records[zone].items()):
            for rtype, rdata in rrs:
                lines.append(f"{owner}. 60 IN {rtype} {rdata}")
        path = self.dir / "zones" / f"{zone}.zone"
        tmp = path.with_suffix(".tmp")
        tmp.write_text("\n".join(lines) + "\n")
        os.replace(tmp, path)

    def _write_config(self) -> None:
        d = self.dir
        zones = "".join(f"  - domain: {z}\n" for z in self.zones + self.broken)
        (d / "knot.conf").write_text(f"""server:
    rundir: "{d}"
    pidfile: "{d}/knot.pid"
    listen: 127.0.0.1@{self.port}
    udp-workers: 1
    tcp-workers: 1
    background-workers: 1
control:
    listen: "{self.sock}"
database:
    storage: "{d}/db"
log:
  - target: stderr
    any: warning
template:
  - id: default
    storage: "{d}/zones"
    file: "%s.zone"
    zonefile-sync: -1
    zonefile-load: whole
    journal-content: none
    semantic-checks: off
zone:
{zones}""")
        for z in self.broken:
            (d / "zones" / f"{z}.zone").write_text(f"$ORIGIN {z}.\n@ SOA this is not a zone file\n")

    # -- lifecycle -----------------------------------------------------------
    def start(self, timeout: float = 10.0) -> "KnotServer":
        self._write_config()
        for z in self.zones:
            self._write_zone(z)
        with open(self.log, "wb") as log:
            self.proc = subprocess.Popen([KNOTD, "-c", str(self.dir / "knot.conf")],
                                         stdout=log, stderr=log, stdin=subprocess.DEVNULL,
                                         start_new_session=True, preexec_fn=_die_with_parent)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"knotd exited with {self.proc.returncode}:\n{self.log_text()}")
            try:
                if all(self._serial_of(z) == self.serial for z in self.zones):
                    return self
            except (OSError, ValueError, IndexError, struct.error):
                pass
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"knotd did not serve its zones within {timeout}s:\n{self.log_text()}")

    def log_text(self) -> str:
        try:
            return self.log.read_text("utf-8", "replace")[-4000:]
        except OSError:
            return ""

    def _serial_of(self, zone: str) -> int | None:
        a = query(self.port, zone, TYPE_SOA, timeout=0.5)
        for _n, t, v in a.answers:
            if t == TYPE_SOA:
                return v
        return None

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    # -- records -------------------------------------------------------------
    def _publish(self, zone: str) -> None:
        self.serial += 1
        self._write_zone(zone)
        res = subprocess.run([KNOTC, "-s", self.sock, "-b", "zone-reload", zone],
                             capture_output=True, text=True, timeout=20)
        if res.returncode != 0:
            raise RuntimeError(f"knotc zone-reload {zone} failed: {res.stdout}{res.stderr}\n"
                               f"{self.log_text()}")
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                if self._serial_of(zone) == self.serial:
                    return
            except (OSError, ValueError, IndexError, struct.error):
                pass
            time.sleep(0.02)
        raise RuntimeError(f"knot did not serve serial {self.serial} of {zone}:\n{self.log_text()}")

    def set(self, name: str, rtype: str, *rdata: str) -> None:
        """Replace every record at `name` with the given (rtype, rdata) records."""
        zone = self._zone_of(name)
        self.records[zone][name.rstrip(".")] = [(rtype, r) for r in rdata]
        self._publish(zone)

    def set_txt(self, name: str, *values) -> None:
        """TXT records at `name`: each value a str (one string) or a list of
        strings (one record of several character-strings)."""
        rdata = []
        for v in values:
            parts = [v] if isinstance(v, str) else list(v)
            rdata.append(" ".join(_quote_txt(p) for p in parts))
        self.set(name, "TXT", *rdata)

    def set_cname(self, name: str, target: str) -> None:
        self.set(name, "CNAME", target.rstrip(".") + ".")

    def clear(self, name: str) -> None:
        zone = self._zone_of(name)
        self.records[zone].pop(name.rstrip("."), None)
        self._publish(zone)

    def __repr__(self):
        return f"<KnotServer {self.address} zones={self.zones}>"


# --------------------------------------------------------------------------
# vouch: admin API (signed) and test mode (unsigned)




def claims(srv, **kw) -> list[dict]:
    return _ok(srv, "GET", "/_vouch/claims", **kw)["claims"]


def claim_by_subject(srv, subject: str, kind: str | None = None, **kw) -> dict:
    found = [c for c in claims(srv, **kw) if c["subject"] == subject and (kind is None or c["kind"] == kind)]
    assert len(found) == 1, f"expected one claim for {subject}, got {found}"
    return found[0]


def claim_detail(srv, claim_id: str, **kw) -> dict:
    return _ok(srv, "GET", f"/_vouch/claims/{claim_id}", **kw)


def check_now(srv, claim_id: str, **kw) -> dict:
    return _ok(srv, "POST", f"/_vouch/claims/{claim_id}/check", **kw)


# --------------------------------------------------------------------------
# Shared servers for the DNS suites (one set per pytest process)

_SHARED: dict[str, object] = {}


def require_knot() -> None:
    """Skips the test without knot (fails it under VOUCH_REQUIRE_KNOT=1)."""
    import pytest
    if not knot_available():
        why = "knotd/knotc not installed (apt-get install knot knot-dnsutils)"
        # scripts/test.sh installs knot: there, a skip would hide missing tests.
        if os.environ.get("VOUCH_REQUIRE_KNOT") == "1":
            pytest.fail(why)
        pytest.skip(why)


def shared_knot(name: str) -> KnotServer:
    """Knot instance `name` ("a", "b", "c"), each authoritative for
    example.com (contents differ per instance, as the tests set them) and
    configured for an unloadable zone broken.test (SERVFAIL)."""
    require_knot()
    key = "knot:" + name
    if key not in _SHARED:
        _SHARED[key] = KnotServer(zones=["example.com"], broken=["broken.test"]).start()
    return _SHARED[key]


def shared_stub(kind: str) -> StubDns:
    """"servfail", "refused" or "silent"."""
    key = "stub:" + kind
    if key not in _SHARED:
        rcode = {"servfail": RCODE_SERVFAIL, "refused": RCODE_REFUSED, "silent": None}[kind]
        _SHARED[key] = StubDns(rcode)
    return _SHARED[key]


def close_shared() -> None:
    for s in list(_SHARED.values()):
        try:
            s.close()
        except Exception:
            pass
    _SHARED.clear()


import atexit  # noqa: E402

atexit.register(close_shared)


def start_vouch(vouch_factory, *resolvers: str, quorum: int | None = None, extra=(), **kw):
    """A test-mode vouch asking exactly `resolvers` (one perspective each)."""
    args = ["--test-mode"]
    for r in resolvers:
        args += ["--dns-resolver", r]
    if quorum is not None:
        args += ["--dns-quorum", str(quorum)]
    return vouch_factory.start(extra_args=args + list(extra), **kw)


# --------------------------------------------------------------------------
# A counting TXT server (the fleet tests)


class TableDns(StubDns):
    """Answers TXT queries from `table` (lower-case name -> list of TXT
    strings; NXDOMAIN for a name not in it, NOERROR and no answer for other
    types) and counts the queries per name (`counts`, lower-case, no trailing
    dot). Several instances may share one table: give each vouch node its own
    instance (its own port), and the counts say which node asked what. With
    `delay`, UDP answers leave that many seconds after their query."""

    def __init__(self, table: dict | None = None, delay: float = 0.0):
        self.table = table if table is not None else {}
        self.counts: dict[str, int] = {}
        super().__init__(RCODE_NOERROR, delay=delay)
        try:  # a sweep sends thousands of queries at once
            self.udp.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
        except OSError:
            pass

    def _reply(self, q: bytes) -> bytes | None:
        if len(q) < 12:
            return None
        try:
            name, off = _read_name(q, 12)
            qtype = struct.unpack("!H", q[off:off + 2])[0]
        except (IndexError, ValueError, struct.error):
            return None
        key = name.rstrip(".").lower()
        with self._lock:
            self.queries.append(key)
            self.counts[key] = self.counts.get(key, 0) + 1
        qid, flags = struct.unpack("!HH", q[:4])
        values = self.table.get(key)
        rcode = RCODE_NXDOMAIN if values is None else RCODE_NOERROR
        answers = b""
        n = 0
        if values is not None and qtype == TYPE_TXT:
            for v in values:
                b = v.encode()
                rdata = bytes([len(b)]) + b
                answers += struct.pack("!HHHIH", 0xC00C, TYPE_TXT, 1, 60, len(rdata)) + rdata
                n += 1
        rflags = 0x8000 | 0x0400 | (flags & 0x0100) | rcode  # QR, AA, RD copied
        return struct.pack("!HHHHHH", qid, rflags, 1, n, 0, 0) + q[12:off + 4] + answers

    def total(self) -> int:
        with self._lock:
            return sum(self.counts.values())

    def snapshot(self) -> dict[str, int]:
        with self._lock:
            return dict(self.counts)
