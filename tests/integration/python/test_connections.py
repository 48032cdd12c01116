"""Connections before authentication: HEAD without a body on every route, bodies
refused by their route's limit before they are read, connection caps per client
and in all (the health check still answered), and the open-file limit."""

from __future__ import annotations

import socket
import subprocess
import time

import pytest

from conftest import VOUCH_BIN, ses_client


class Raw:
    """A raw keep-alive HTTP/1.1 connection that reads exactly what was sent."""

    def __init__(self, srv, source: str = "127.0.0.1"):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.settimeout(10)
        self.sock.bind((source, 0))
        self.sock.connect(("127.0.0.1", srv.port))
        self.buf = b""

    def close(self):
        self.sock.close()

    def send(self, data: bytes):
        self.sock.sendall(data)

    def _fill(self) -> bool:
        chunk = self.sock.recv(65536)
        self.buf += chunk
        return bool(chunk)

    def read(self, head: bool = False):
        """(status, headers, body) of the next response; status None if closed."""
        while b"\r\n\r\n" not in self.buf:
            if not self._fill():
                return None, {}, b""
        header, self.buf = self.buf.split(b"\r\n\r\n", 1)
        lines = header.decode("latin-1").split("\r\n")
        assert lines[0].startswith("HTTP/1.1 "), f"out of step: {header[:200]!r}"
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        length = 0 if head else int(headers.get("content-length", "0"))
        while len(self.buf) < length:
            if not self._fill():
                break
        body, self.buf = self.buf[:length], self.buf[length:]
        return int(lines[0][9:12]), headers, body

    def get(self, target: str):
        self.send(f"GET {target} HTTP/1.1\r\nHost: t\r\n\r\n".encode())
        return self.read()

    def closed(self) -> bool:
        return self.buf == b"" and self.sock.recv(1) == b""


def hold(srv, n: int) -> list[Raw]:
    """n kept-alive connections from 127.0.0.1 on regular slots. The harness's
    own health check may hold a slot a moment after it closed: a connection
    turned away (503) or put on a reserve slot (Connection: close) is retried."""
    held = []
    deadline = time.monotonic() + 10
    while len(held) < n:
        c = Raw(srv)
        status, headers, _ = c.get("/_vouch/health")
        if status == 200 and headers.get("connection") != "close":
            held.append(c)
            continue
        c.close()
        assert time.monotonic() < deadline, f"no regular slot: {status} {headers}"
        time.sleep(0.05)
    return held


HEAD_TARGETS = [
    "/_vouch/health",
    "/",  # SES: an unsigned request's error
    "/domainverifications",  # Lattice: its error
    "/v2/email/identities",  # SES v2: its error
    "/_vouch/claims",
    "/_vouch/verify-email?token=not-a-token",  # the link page
    "/no-such-route",
]


@pytest.mark.parametrize("target", HEAD_TARGETS)
def test_head_has_no_body_on_any_route(server, target):
    c = Raw(server)
    try:
        # Pipelined: any body after HEAD's header would be read as the GET's status line.
        c.send(f"HEAD {target} HTTP/1.1\r\nHost: t\r\n\r\n"
               f"GET {target} HTTP/1.1\r\nHost: t\r\n\r\n"
               "GET /_vouch/health HTTP/1.1\r\nHost: t\r\n\r\n".encode())
        head_status, head_headers, _ = c.read(head=True)
        get_status, get_headers, get_body = c.read()
        assert head_status == get_status
        assert get_body, "GET has a body to leave out of HEAD"  # positive control
        assert head_headers.get("content-length") == get_headers.get("content-length")
        status, _, body = c.read()
        assert status == 200 and b'"status":"ok"' in body
    finally:
        c.close()


def test_body_over_the_route_limit_is_refused_before_it_is_read(server):
    c = Raw(server)
    try:
        # Only the header: the answer must come without the 10 MB.
        c.send(b"POST / HTTP/1.1\r\nHost: t\r\nContent-Type: application/x-www-form-urlencoded\r\n"
               b"Content-Length: 10000000\r\n\r\n")
        status, headers, body = c.read()
        assert status == 413 and headers.get("connection") == "close"
        assert c.closed()
    finally:
        c.close()
    # 200 KB is more than any SES request needs; a GET carries nothing.
    for request in [b"POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 200000\r\n\r\n",
                    b"GET /_vouch/health HTTP/1.1\r\nHost: t\r\nContent-Length: 5000\r\n\r\n"]:
        c = Raw(server)
        try:
            c.send(request)
            assert c.read()[0] == 413, request
        finally:
            c.close()
    # The largest real SES request still goes through (positive control).
    names = [f"{'x' * 60}-{i}.{'a' * 60}.{'b' * 60}.example.com" for i in range(100)]
    attrs = ses_client(server).get_identity_verification_attributes(Identities=names)
    assert attrs["ResponseMetadata"]["HTTPStatusCode"] == 200


def test_per_client_cap(vouch_factory):
    srv = vouch_factory.start(extra_args=["--max-connections-per-client", "4"])
    held = hold(srv, 4)
    try:
        extra = Raw(srv)
        status, headers, _ = extra.read()
        assert status == 503 and headers.get("content-length") == "0"
        assert extra.closed()
        extra.close()
        assert "turned away 1 connection(s) from a client at its cap" in srv.stderr_text()
        # The held connections go on; another address is served.
        assert held[0].get("/_vouch/health")[0] == 200
        other = Raw(srv, source="127.0.0.2")
        assert other.get("/_vouch/health")[0] == 200
        other.close()
        # Room again once one goes (bounded wait for the server to see it close).
        held.pop().close()
        deadline = time.monotonic() + 10
        while True:
            c = Raw(srv)
            status = c.get("/_vouch/health")[0]
            c.close()
            if status == 200:
                break
            assert time.monotonic() < deadline, "a closed connection's slot never came back"
            time.sleep(0.05)
    finally:
        for c in held:
            c.close()


def test_out_of_connections_the_health_check_still_answers(vouch_factory):
    srv = vouch_factory.start(extra_args=["--max-connections", "3"])
    assert "up to 3 connections" in _stdout_when_ready(srv)
    held = hold(srv, 3)
    try:
        health = Raw(srv)
        status, headers, body = health.get("/_vouch/health")
        assert status == 200 and b'"status":"ok"' in body
        assert headers.get("connection") == "close"
        health.close()
        busy = Raw(srv)
        busy.send(b"POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n\r\n")
        assert busy.read()[0] == 503
        busy.close()
        # Past the reserve too (held busy), a new connection is turned away, and the log says so.
        spare = [Raw(srv) for _ in range(16)]
        try:
            turned = Raw(srv)
            assert turned.read()[0] == 503
            turned.close()
        finally:
            for c in spare:
                c.close()
        assert "with every connection in use (--max-connections 3)" in srv.stderr_text()
        for c in held:  # the connections already in keep working
            assert c.get("/_vouch/health")[0] == 200
    finally:
        for c in held:
            c.close()


def _stdout_when_ready(srv) -> str:
    deadline = time.monotonic() + 10
    while "connections" not in srv.stdout_text() and time.monotonic() < deadline:
        time.sleep(0.05)
    return srv.stdout_text()


def test_open_file_limit_is_raised_and_bounds_the_cap(vouch_factory, tmp_path):
    srv = vouch_factory.start()
    limits = open(f"/proc/{srv.proc.pid}/limits").read()
    soft, hard = next(l for l in limits.splitlines() if l.startswith("Max open files")).split()[3:5]
    assert soft == hard or hard == "unlimited"  # raised to the hard limit
    # More connections than the descriptors allow: refused at start.
    res = subprocess.run([VOUCH_BIN, "serve", "--listen", "127.0.0.1:0", "--data", str(tmp_path),
                          "--max-connections", str(int(soft) + 1)],
                         capture_output=True, text=True, timeout=30, env=srv.server_env())
    assert res.returncode != 0
    assert "open-file limit" in res.stderr and "--max-connections" in res.stderr
