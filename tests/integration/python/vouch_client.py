"""vouch's JSON routes from the integration tests: the admin API
(/_vouch/claims, SigV4-signed with the root account; any service name) and
the test-mode controls (/_vouch/test/*, unsigned). Shared by dns_server.py and
smtp_server.py; botocore is imported only when a request is signed, so
smtp_server.py still starts quickly as a stand-alone process."""

from __future__ import annotations

import http.client
import json
import time


def vouch_request(srv, method: str, path: str, body=None, *, sign: bool = True,
                  key: str | None = None, secret: str | None = None,
                  service: str = "vouch", region: str = "us-east-1", timeout: float = 60,
                  with_headers: bool = False):
    """JSON request to vouch; returns (status, parsed body or raw bytes), and
    the response's headers (lower-case names) after them if with_headers."""
    data = b"" if body is None else json.dumps(body).encode()
    headers = {"Content-Type": "application/json"} if body is not None else {}
    if sign:
        from botocore.auth import SigV4Auth
        from botocore.awsrequest import AWSRequest
        from botocore.credentials import Credentials
        from conftest import ROOT_KEY, ROOT_SECRET  # the server's root account
        req = AWSRequest(method=method, url=f"http://127.0.0.1:{srv.port}{path}", data=data,
                         headers=headers)
        SigV4Auth(Credentials(key or ROOT_KEY, secret or ROOT_SECRET), service, region).add_auth(req)
        headers = dict(req.headers.items())
    conn = srv.connection(timeout) if hasattr(srv, "connection") else \
        http.client.HTTPConnection("127.0.0.1", srv.port, timeout=timeout)
    try:
        conn.request(method, path, body=data if data else None, headers=headers)
        resp = conn.getresponse()
        raw = resp.read()
    finally:
        conn.close()
    try:
        doc = json.loads(raw) if raw else None
    except ValueError:
        doc = raw
    if with_headers:
        return resp.status, doc, {k.lower(): v for k, v in resp.getheaders()}
    return resp.status, doc


def ok(srv, method, path, body=None, **kw):
    """The parsed body of a request that must answer 200."""
    status, doc = vouch_request(srv, method, path, body, **kw)
    assert status == 200, f"{method} {path} -> {status}: {doc!r}"
    return doc


def advance_clock(srv, seconds: float) -> str:
    """Test mode: moves vouch's clock; returns the new time (RFC 3339)."""
    return ok(srv, "POST", "/_vouch/test/clock", {"advance_seconds": seconds}, sign=False)["now"]


def run_due_checks(srv) -> int:
    """Test mode: runs every check due now; returns how many ran."""
    return ok(srv, "POST", "/_vouch/test/run-due-checks", {}, sign=False)["checked"]


def reset(srv) -> None:
    """Test mode: empties every store."""
    ok(srv, "POST", "/_vouch/test/reset", {}, sign=False)


def wait_until(pred, timeout: float = 10.0, interval: float = 0.05, what: str = "condition"):
    """pred()'s first truthy value, polled until `timeout`; fails the test after."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = pred()
        if last:
            return last
        time.sleep(interval)
    last = pred()
    assert last, f"timed out after {timeout}s waiting for {what}"
    return last
