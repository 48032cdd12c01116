"""A real SMTP server on loopback for vouch's email tests (Debian python3-aiosmtpd).

In-process use (pytest):

    srv = SmtpServer()            # picks a free port; or SmtpServer(port=...)
    srv.start()
    ... vouch serve --smtp-url srv.url ...
    msg = srv.wait_for(lambda m: "alice@example.com" in m.rcpt_tos)
    srv.stop()

Every accepted message is kept as a Received (envelope, raw bytes, parsed
email.message.EmailMessage, arrival time). `rcpt_reply` / `data_reply` make
the server refuse with a chosen reply (e.g. "550 5.1.1 No such user"), for
all recipients or for those matching `refuse_only`.

Stand-alone use (the JS tests, the benchmark):

    python3 smtp_server.py --port N --spool DIR [--rcpt-reply '550 ...']

prints "READY <port>" once listening and writes each message to
DIR/<seq>.eml (atomically: written to a temporary name, then renamed) plus a
DIR/<seq>.json with the envelope and arrival time. Stops on SIGTERM/SIGINT.
"""

from __future__ import annotations

import argparse
import email
import html
import http.client
import email.policy
import json
import os
import re
import signal
import socket
import ssl
import subprocess
import threading
import time
import urllib.parse
from dataclasses import dataclass, field

from aiosmtpd.controller import Controller

from vouch_client import advance_clock, run_due_checks, wait_until  # noqa: F401  (the tests' names)
from vouch_client import ok as _ok
from vouch_client import vouch_request as vouch_json  # noqa: F401


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Received:
    seq: int
    mail_from: str
    rcpt_tos: list
    data: bytes
    arrived: float  # time.time()
    arrived_mono: float  # time.monotonic()
    peer: object = None
    tls: bool = False  # came over a STARTTLS session
    message: email.message.EmailMessage = field(init=False)

    def __post_init__(self):
        self.message = email.message_from_bytes(self.data, policy=email.policy.default)

    def part(self, content_type: str):
        for p in self.message.walk():
            if p.get_content_type() == content_type and not p.is_multipart():
                return p
        return None

    def text(self) -> str:
        p = self.part("text/plain")
        return p.get_content() if p is not None else ""

    def html(self) -> str:
        p = self.part("text/html")
        return p.get_content() if p is not None else ""


class _Handler:
    def __init__(self, owner: "SmtpServer"):
        self.owner = owner

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        o = self.owner
        with o._cond:
            o.rcpt_attempts.append(address)
            reply = o.rcpt_reply if o._refuses(address) else None
        if reply:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope):
        o = self.owner
        with o._cond:
            o.data_attempts += 1
            refuse = o.data_reply if any(o._refuses(r) for r in envelope.rcpt_tos) else None
        if refuse:
            return refuse
        o._record(envelope, session)
        return "250 2.0.0 Ok: queued"


class SmtpServer:
    def __init__(self, port: int | None = None, host: str = "127.0.0.1",
                 rcpt_reply: str | None = None, data_reply: str | None = None,
                 refuse_only=None, on_message=None, tls_context=None):
        self.host = host
        self.port = port or free_port()
        self.rcpt_reply = rcpt_reply
        self.data_reply = data_reply
        self.refuse_only = refuse_only  # None: refuse everyone (when a reply is set)
        self.on_message = on_message
        self.tls_context = tls_context  # an ssl.SSLContext: STARTTLS offered (not required)
        self.messages: list[Received] = []
        self.rcpt_attempts: list[str] = []
        self.data_attempts = 0
        self._cond = threading.Condition()
        self._controller: Controller | None = None

    @property
    def url(self) -> str:
        return f"smtp://{self.host}:{self.port}"

    def _refuses(self, address: str) -> bool:
        if self.refuse_only is None:
            return True
        if callable(self.refuse_only):
            return bool(self.refuse_only(address))
        return address in self.refuse_only

    def _record(self, envelope, session):
        with self._cond:
            r = Received(len(self.messages) + 1, envelope.mail_from, list(envelope.rcpt_tos),
                         bytes(envelope.original_content or envelope.content), time.time(),
                         time.monotonic(), getattr(session, "peer", None),
                         getattr(session, "ssl", None) is not None)
            self.messages.append(r)
            self._cond.notify_all()
        if self.on_message:
            self.on_message(r)

    # -- lifecycle ---------------------------------------------------------
    def start(self) -> "SmtpServer":
        # decode_data=False keeps the bytes as sent; the size limit is off so a
        # big message is never refused by the harness itself.
        tls = {"tls_context": self.tls_context} if self.tls_context else {}
        self._controller = Controller(_Handler(self), hostname=self.host, port=self.port,
                                      decode_data=False, data_size_limit=None,
                                      ready_timeout=10, **tls)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    # -- queries -----------------------------------------------------------
    def received(self, to: str | None = None) -> list[Received]:
        with self._cond:
            msgs = list(self.messages)
        if to is None:
            return msgs
        return [m for m in msgs if to.lower() in (r.lower() for r in m.rcpt_tos)]

    def wait_for(self, pred=None, timeout: float = 10.0, count: int = 1, to: str | None = None):
        """Wait until `count` messages match (pred and/or recipient `to`).

        Returns the matching messages (a list when count > 1, else the one)."""
        def matches():
            out = self.received(to)
            return [m for m in out if pred is None or pred(m)]
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                found = matches()
                if len(found) >= count:
                    return found if count > 1 else found[0]
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(
                        f"SMTP server got {len(found)} matching message(s) of {count} wanted "
                        f"within {timeout}s; all: "
                        f"{[(m.mail_from, m.rcpt_tos) for m in self.messages]}; "
                        f"RCPT attempts: {self.rcpt_attempts}")
                self._cond.wait(min(left, 0.2))


# --------------------------------------------------------------------------
# The vouch side of the email tests: starting vouch with mail on, reading the
# link out of a message, clicking it, the admin and test-mode routes.

MAIL_FROM = "verify@vouch.test"
LINK_RE = re.compile(r"https?://[^\s\"<>]+/_vouch/verify-email\?token=[A-Za-z0-9_.%-]+")
SUBJECT_PREFIX = "Amazon Web Services \u2013 Email Address Verification Request in region "


def self_signed_tls_context(directory) -> ssl.SSLContext:
    """A server context with a fresh self-signed certificate for 127.0.0.1
    (kept as DIRECTORY/smtp-cert.pem, for a client to trust)."""
    cert, key = os.path.join(directory, "smtp-cert.pem"), os.path.join(directory, "smtp-key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key, "-out", cert,
                    "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
                   check=True, capture_output=True)
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(cert, key)
    return ctx


def mail_args(smtp_url: str | None, test_mode: bool = True, inbox: bool = False,
              mail_from: str = MAIL_FROM, extra=()) -> list:
    args = ["--mail-from", mail_from]
    if smtp_url:
        args += ["--smtp-url", smtp_url]
    if test_mode:
        args.append("--test-mode")
    if inbox:
        args.append("--inbox")
    return args + list(extra)


def link_of(msg: Received) -> str:
    """The verification link: the same one in the text and the HTML part."""
    text_links = LINK_RE.findall(msg.text())
    assert len(text_links) == 1, f"text part has {len(text_links)} links:\n{msg.text()}"
    hrefs = re.findall(r'href="([^"]*)"', msg.html())
    assert [html.unescape(h) for h in hrefs] == text_links, (hrefs, text_links)
    return text_links[0]


def token_of(link: str) -> str:
    q = urllib.parse.parse_qs(urllib.parse.urlsplit(link).query)
    return q["token"][0]


def rebase(link: str, endpoint: str) -> str:
    """The same link on another base URL (a restarted vouch has a new port)."""
    parts = urllib.parse.urlsplit(link)
    return endpoint.rstrip("/") + parts.path + "?" + parts.query


def open_link(link: str, method: str = "GET", timeout: float = 10) -> tuple[int, str]:
    """A real HTTP request for the link as written (what a mail scanner or a
    browser opening it does); returns (status, body text)."""
    parts = urllib.parse.urlsplit(link)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    try:
        conn.request(method, parts.path + "?" + parts.query)
        resp = conn.getresponse()
        body = resp.read().decode("utf-8", "replace")
        return resp.status, body
    finally:
        conn.close()


def confirm(link: str, token: str | None = None, headers: dict | None = None,
            timeout: float = 10) -> tuple[int, str]:
    """Presses Confirm on the link's page: POSTs the token to the link's path
    as the page's form does, from the page's origin (as a browser sends it)."""
    parts = urllib.parse.urlsplit(link)
    if token is None:
        token = token_of(link)
    body = urllib.parse.urlencode({"token": token})
    hdrs = {"Content-Type": "application/x-www-form-urlencoded",
            "Origin": f"{parts.scheme}://{parts.netloc}", "Sec-Fetch-Site": "same-origin"}
    hdrs.update(headers or {})
    hdrs = {k: v for k, v in hdrs.items() if v is not None}
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    try:
        conn.request("POST", parts.path, body=body, headers=hdrs)
        resp = conn.getresponse()
        return resp.status, resp.read().decode("utf-8", "replace")
    finally:
        conn.close()


def click(link: str, timeout: float = 10) -> tuple[int, str]:
    """What a person does: opens the link (GET) and, when the page offers it,
    presses Confirm (POST). Returns the last response's (status, body)."""
    status, page = open_link(link, timeout=timeout)
    if status != 200:
        return status, page
    assert '<form method="post" action="verify-email">' in page and ">Confirm</button>" in page, page
    return confirm(link, timeout=timeout)


def claim_of(srv, subject: str, service: str = "vouch", region: str = "us-east-1") -> dict:
    """The admin API's detail of the one claim for `subject` (with its mail)
    in the root account and `region` (the signature's scope)."""
    claims = _ok(srv, "GET", "/_vouch/claims", service=service, region=region)["claims"]
    found = [c for c in claims if c["subject"] == subject]
    assert len(found) == 1, f"expected one claim for {subject}, got {found}"
    return _ok(srv, "GET", f"/_vouch/claims/{found[0]['id']}", service=service, region=region)


def inbox(srv, query: str = "") -> tuple[int, object]:
    return vouch_json(srv, "GET", "/_aws/ses" + (("?" + query) if query else ""), sign=False)


# --------------------------------------------------------------------------
# Stand-alone


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--spool", required=True)
    ap.add_argument("--rcpt-reply")
    ap.add_argument("--data-reply")
    ap.add_argument("--quiet-spool", action="store_true",
                    help="write only the .json arrival records, not the messages")
    args = ap.parse_args()
    os.makedirs(args.spool, exist_ok=True)

    def spool(r: Received):
        base = os.path.join(args.spool, f"{r.seq:06d}")
        if not args.quiet_spool:
            with open(base + ".eml.tmp", "wb") as f:
                f.write(r.data)
            os.rename(base + ".eml.tmp", base + ".eml")
        with open(base + ".json.tmp", "w") as f:
            json.dump({"seq": r.seq, "mail_from": r.mail_from, "rcpt_tos": r.rcpt_tos,
                       "arrived": r.arrived, "message_id": r.message.get("Message-ID", "")}, f)
        os.rename(base + ".json.tmp", base + ".json")

    srv = SmtpServer(port=args.port or None, rcpt_reply=args.rcpt_reply,
                     data_reply=args.data_reply, on_message=spool)
    srv.start()
    print(f"READY {srv.port}", flush=True)
    stop = threading.Event()
    for s in (signal.SIGTERM, signal.SIGINT):
        signal.signal(s, lambda *_: stop.set())
    while not stop.wait(0.5):
        pass
    srv.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
