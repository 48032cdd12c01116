"""Webhooks (POST/GET/DELETE /_vouch/webhooks and their delivery): a real
HTTP receiver on loopback gets each status change of a knot-backed domain,
signed so that the verification snippet of docs/EVENTS.md accepts it; a
receiver down and then up gets every event, in order per resource, once the
test clock reaches the retries; a 410 disables the webhook, a 400 gives up
that delivery only; a SIGKILL between the change and its delivery loses
nothing; one account's events never reach another's endpoint; private
addresses are refused unless vouch runs with --webhook-allow-private.
Deliveries run in test mode only on POST /_vouch/test/run-due-webhooks."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from conftest import free_port, random_access_key, random_secret, ses_client, uniq_domain
from dns_server import claim_by_subject, run_due, shared_knot, start_vouch
from vouch_client import vouch_request

OTHER_ACCOUNT = "210987654321"
ALLOW = ["--webhook-allow-private"]


# docs/EVENTS.md's receiver check, verbatim.
def verify(secret: str, header: str, body: bytes, tolerance: int = 300) -> bool:
    parts = [p.split("=", 1) for p in header.split(",") if "=" in p]
    t = next((v for k, v in parts if k == "t"), "")
    if not t.isdigit() or abs(time.time() - int(t)) > tolerance:
        return False
    expected = hmac.new(secret.encode(), t.encode() + b"." + body, hashlib.sha256).hexdigest()
    return any(hmac.compare_digest(v, expected) for k, v in parts if k == "v1")


class Receiver:
    """An HTTP server on 127.0.0.1 recording each POST (path, headers, raw
    body) and answering `statuses` in turn (then the last one); while `hold`
    (a threading.Event) is unset, it answers nothing (for up to 60 s).
    Constructed on a port; start() and stop() open and close it."""

    def __init__(self, port: int | None = None, statuses=(200,), hold=None):
        self.port = port or free_port()
        self.statuses = list(statuses)
        self.hold = hold
        self.got: list[dict] = []
        self._server = None
        self._lock = threading.Lock()

    def url(self, path: str = "/hook", host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"

    def start(self) -> "Receiver":
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with outer._lock:
                    outer.got.append({"path": self.path, "headers": dict(self.headers.items()),
                                      "body": body})
                    status = outer.statuses.pop(0) if len(outer.statuses) > 1 else outer.statuses[0]
                if outer.hold is not None:
                    outer.hold.wait(60)
                try:
                    self.send_response(status)
                    self.send_header("Content-Length", "2")
                    self.end_headers()
                    self.wfile.write(b"ok")
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the sender died waiting (a SIGKILL test)

            def log_message(self, *args):
                pass

        ThreadingHTTPServer.allow_reuse_address = True
        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def events(self) -> list[dict]:
        return [json.loads(g["body"]) for g in self.got]


@pytest.fixture
def knot():
    return shared_knot("a")


@pytest.fixture
def receivers():
    made: list[Receiver] = []

    def make(**kw) -> Receiver:
        made.append(Receiver(**kw))
        return made[-1]

    yield make
    for r in made:
        r.stop()


def add_webhook(srv, url: str, types=None, **kw) -> dict:
    body = {"url": url} if types is None else {"url": url, "event_types": types}
    status, doc = vouch_request(srv, "POST", "/_vouch/webhooks", body, **kw)
    assert status == 201, (status, doc)
    return doc["webhook"]


def webhooks(srv, **kw) -> list[dict]:
    status, doc = vouch_request(srv, "GET", "/_vouch/webhooks", **kw)
    assert status == 200, (status, doc)
    return doc["webhooks"]


def deliver(srv) -> int:
    status, doc = vouch_request(srv, "POST", "/_vouch/test/run-due-webhooks", {}, sign=False)
    assert status == 200, (status, doc)
    return doc["attempted"]


def advance(srv, seconds: float) -> None:
    status, doc = vouch_request(srv, "POST", "/_vouch/test/clock", {"advance_seconds": seconds},
                                sign=False)
    assert status == 200, doc


def all_events(srv, **kw) -> list[dict]:
    status, doc = vouch_request(srv, "GET", "/_vouch/events?limit=1000", **kw)
    assert status == 200, doc
    return doc["events"]


def verify_domain(srv, knot, **kw) -> str:
    """An SES domain whose TXT is published, checked: Pending -> Success."""
    domain = uniq_domain("wh")
    token = ses_client(srv, **kw).verify_domain_identity(Domain=domain)["VerificationToken"]
    knot.set_txt(f"_amazonses.{domain}", token)
    assert run_due(srv) >= 1
    return domain


def set_status(srv, domain: str, status_name: str, **kw) -> None:
    claim = claim_by_subject(srv, domain, **kw)
    status, doc = vouch_request(srv, "POST", f"/_vouch/test/claims/{claim['id']}/status",
                                {"status": status_name}, **kw)
    assert status == 200, (status, doc)


def test_register_list_and_delete_with_their_errors(vouch_factory):
    srv = start_vouch(vouch_factory, extra=ALLOW)
    hook = add_webhook(srv, "https://hooks.example.com/vouch", ["ses.dkim.status_changed"])
    assert re.fullmatch(r"wh-[0-9a-f]+", hook["id"]), hook
    assert re.fullmatch(r"whsec_[0-9a-f]{64}", hook["secret"]), hook
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", hook["created_at"]), hook
    assert hook["url"] == "https://hooks.example.com/vouch"
    assert hook["event_types"] == ["ses.dkim.status_changed"]
    assert add_webhook(srv, "http://h.example/")["event_types"] == [], "absent: every type"
    listed = webhooks(srv)
    assert [w["id"] for w in listed][0] == hook["id"]
    assert "secret" not in listed[0], "the secret is shown once"
    assert listed[0]["disabled"] is False
    assert listed[0]["health"] == {"delivered": 0, "failed": 0, "pending": 0,
                                   "last_attempt_at": None, "last_error": None}

    for bad, field in [({"url": "ftp://h.example/"}, "url"), ({"url": "http://"}, "url"),
                       ({"url": "https://user:pw@h.example/"}, "url"),
                       ({"url": "https://h.example/" + "a" * 2048}, "url"), ({"url": 5}, "url"),
                       ({}, "url"),
                       ({"url": "https://h.example/", "event_types": ["ses.nope"]}, "event_types"),
                       ({"url": "https://h.example/", "event_types": "ses.dkim.status_changed"},
                        "event_types")]:
        status, doc, headers = vouch_request(srv, "POST", "/_vouch/webhooks", bad,
                                             with_headers=True)
        assert status == 400, (bad, status, doc)
        assert headers["x-amzn-errortype"].startswith("ValidationException"), (bad, headers)
        assert field in doc["message"], (bad, doc)

    # Ten per account: the eleventh is refused, another account's are its own.
    for i in range(8):
        add_webhook(srv, f"https://h{i}.example/")
    status, doc, headers = vouch_request(srv, "POST", "/_vouch/webhooks",
                                         {"url": "https://eleven.example/"}, with_headers=True)
    assert status == 400 and headers["x-amzn-errortype"].startswith("LimitExceededException"), doc
    key, secret = random_access_key(), random_secret()
    srv.account_add(OTHER_ACCOUNT, key, secret)
    theirs = add_webhook(srv, "https://theirs.example/", key=key, secret=secret)
    assert [w["id"] for w in webhooks(srv, key=key, secret=secret)] == [theirs["id"]]

    status, doc, headers = vouch_request(srv, "DELETE", f"/_vouch/webhooks/{theirs['id']}",
                                         with_headers=True)
    assert status == 404 and headers["x-amzn-errortype"].startswith("ResourceNotFoundException")
    status, _ = vouch_request(srv, "DELETE", "/_vouch/webhooks/wh-0000")
    assert status == 404
    status, doc = vouch_request(srv, "DELETE", f"/_vouch/webhooks/{hook['id']}")
    assert status == 204 and doc is None
    assert hook["id"] not in [w["id"] for w in webhooks(srv)]
    assert len(webhooks(srv)) == 9
    status, _ = vouch_request(srv, "GET", "/_vouch/webhooks", sign=False)
    assert status == 403


def test_a_delivery_is_the_event_signed_as_documented(vouch_factory, knot, receivers):
    rx = receivers().start()
    srv = start_vouch(vouch_factory, knot.address, extra=ALLOW)
    hook = add_webhook(srv, rx.url())
    domain = verify_domain(srv, knot)
    assert rx.got == [], "nothing goes out before run-due-webhooks in test mode"
    assert deliver(srv) == 1
    assert len(rx.got) == 1
    got = rx.got[0]
    headers = {k.lower(): v for k, v in got["headers"].items()}
    assert verify(hook["secret"], headers["vouch-signature"], got["body"])
    assert not verify("whsec_" + "0" * 64, headers["vouch-signature"], got["body"])
    assert not verify(hook["secret"], headers["vouch-signature"], got["body"] + b" ")
    event = all_events(srv)[0]
    assert json.loads(got["body"]) == event, "exactly what GET /_vouch/events shows"
    assert event["resource"] == {"identity": domain} and event["new_status"] == "Success"
    assert headers["content-type"] == "application/json"
    assert headers["vouch-event-id"] == event["id"]
    assert headers["vouch-webhook-id"] == hook["id"]
    assert headers["user-agent"].startswith("vouch/")
    assert got["path"] == "/hook"
    health = webhooks(srv)[0]["health"]
    assert (health["delivered"], health["pending"], health["failed"]) == (1, 0, 0)
    assert health["last_error"] is None and health["last_attempt_at"]
    assert deliver(srv) == 0 and len(rx.got) == 1, "delivered once"


def test_deliveries_move_the_metrics(vouch_factory, knot, receivers):
    from test_metrics import Scrape
    rx = receivers(statuses=(503, 200)).start()
    srv = start_vouch(vouch_factory, knot.address, extra=ALLOW)
    add_webhook(srv, rx.url())
    before = Scrape(srv.port)
    assert before.value("vouch_webhook_deliveries_total", outcome="delivered") == 0
    assert before.value("vouch_webhook_backlog") == 0
    verify_domain(srv, knot)
    assert Scrape(srv.port).value("vouch_webhook_backlog") == 1, "pending until delivered"
    assert deliver(srv) == 1
    after_retry = Scrape(srv.port)
    assert after_retry.value("vouch_webhook_deliveries_total", outcome="retry") == 1
    assert after_retry.value("vouch_webhook_backlog") == 1
    advance(srv, 31)
    assert deliver(srv) == 1
    done = Scrape(srv.port)
    assert done.value("vouch_webhook_deliveries_total", outcome="delivered") == 1
    assert done.value("vouch_webhook_backlog") == 0
    assert done.value("vouch_webhook_delivery_seconds_count") == 2
    for family in ("vouch_webhook_deliveries", "vouch_webhook_backlog",
                   "vouch_webhook_delivery_seconds"):
        assert family in done.families, family


def test_a_receiver_down_then_up_gets_every_event_in_order(vouch_factory, knot, receivers):
    rx = receivers()  # not started: its port is closed
    srv = start_vouch(vouch_factory, knot.address, extra=ALLOW)
    add_webhook(srv, rx.url())
    a = verify_domain(srv, knot)
    set_status(srv, a, "TemporaryFailure")
    set_status(srv, a, "Success")
    b = verify_domain(srv, knot)
    assert deliver(srv) == 2, "the first of each resource; a's others wait"
    health = webhooks(srv)[0]["health"]
    assert health["pending"] == 4 and health["delivered"] == 0, health
    assert "connect" in health["last_error"].lower(), health
    assert deliver(srv) == 0, "not before the retry is due"

    rx.start()
    advance(srv, 31)
    assert deliver(srv) == 4
    got = rx.events()
    assert sorted(e["id"] for e in got) == sorted(e["id"] for e in all_events(srv))
    per_a = [(e["old_status"], e["new_status"]) for e in got
             if e["resource"]["identity"] == a]
    assert per_a == [("Pending", "Success"), ("Success", "TemporaryFailure"),
                     ("TemporaryFailure", "Success")]
    assert [e["resource"]["identity"] for e in got].count(b) == 1
    health = webhooks(srv)[0]["health"]
    assert (health["delivered"], health["pending"]) == (4, 0) and health["last_error"] is None


def test_a_410_disables_the_webhook(vouch_factory, knot, receivers):
    rx = receivers(statuses=(410,)).start()
    srv = start_vouch(vouch_factory, knot.address, extra=ALLOW)
    add_webhook(srv, rx.url())
    verify_domain(srv, knot)
    assert deliver(srv) == 1
    hook = webhooks(srv)[0]
    assert hook["disabled"] is True
    assert hook["health"]["failed"] == 1 and "410" in hook["health"]["last_error"], hook
    verify_domain(srv, knot)
    advance(srv, 3 * 3600)
    assert deliver(srv) == 0 and len(rx.got) == 1, "no retries, no new deliveries"
    # Control: a second webhook on the same receiver, answering 200 now, gets the next one.
    rx.statuses = [200]
    add_webhook(srv, rx.url("/again"))
    verify_domain(srv, knot)
    assert deliver(srv) == 1 and rx.got[-1]["path"] == "/again"


def test_a_400_gives_up_that_delivery_only(vouch_factory, knot, receivers):
    rx = receivers(statuses=(400, 200)).start()
    srv = start_vouch(vouch_factory, knot.address, extra=ALLOW)
    add_webhook(srv, rx.url())
    domain = verify_domain(srv, knot)
    assert deliver(srv) == 1
    health = webhooks(srv)[0]["health"]
    assert (health["failed"], health["pending"]) == (1, 0) and health["last_error"] == "HTTP 400"
    set_status(srv, domain, "TemporaryFailure")
    assert deliver(srv) == 1
    advance(srv, 3 * 3600)
    assert deliver(srv) == 0, "the refused delivery is not retried"
    hook = webhooks(srv)[0]
    assert hook["disabled"] is False
    assert (hook["health"]["delivered"], hook["health"]["failed"]) == (1, 1)
    assert [e["new_status"] for e in rx.events()] == ["Success", "TemporaryFailure"]


def test_a_sigkill_between_the_change_and_its_delivery_loses_nothing(vouch_factory, knot,
                                                                      receivers):
    rx = receivers().start()
    srv = start_vouch(vouch_factory, knot.address, extra=ALLOW)
    add_webhook(srv, rx.url())
    domain = verify_domain(srv, knot)
    srv.kill()
    srv.restart()
    assert webhooks(srv)[0]["health"]["pending"] == 1
    assert deliver(srv) == 1
    assert [e["resource"]["identity"] for e in rx.events()] == [domain]


def test_an_accounts_events_reach_only_its_own_endpoint(vouch_factory, knot, receivers):
    mine_rx, their_rx = receivers().start(), receivers().start()
    srv = start_vouch(vouch_factory, knot.address, extra=ALLOW)
    key, secret = random_access_key(), random_secret()
    srv.account_add(OTHER_ACCOUNT, key, secret)
    add_webhook(srv, mine_rx.url())
    add_webhook(srv, their_rx.url(), key=key, secret=secret)
    mine = verify_domain(srv, knot)
    theirs = verify_domain(srv, knot, key=key, secret=secret)
    # Another Region of the same account still goes to the account's endpoint.
    mine_eu = verify_domain(srv, knot, region="eu-west-1")
    assert deliver(srv) == 3
    assert sorted(e["resource"]["identity"] for e in mine_rx.events()) == sorted([mine, mine_eu])
    assert [e["resource"]["identity"] for e in their_rx.events()] == [theirs]
    assert their_rx.events()[0]["account_id"] == OTHER_ACCOUNT


def test_private_addresses_are_refused_without_the_flag(vouch_factory, knot, receivers):
    rx = receivers().start()
    strict = start_vouch(vouch_factory, knot.address)
    add_webhook(strict, rx.url())
    add_webhook(strict, rx.url(host="localhost"))
    verify_domain(strict, knot)
    assert deliver(strict) == 2
    assert rx.got == [], "neither the address nor a name resolving to it is reached"
    for hook in webhooks(strict):
        assert hook["health"]["pending"] == 1, hook
        assert "private address" in hook["health"]["last_error"], hook
        assert "--webhook-allow-private" in hook["health"]["last_error"], hook
    # Positive control: the same receiver, with the flag, is reached.
    allowed = start_vouch(vouch_factory, knot.address, extra=ALLOW)
    add_webhook(allowed, rx.url())
    verify_domain(allowed, knot)
    assert deliver(allowed) == 1 and len(rx.got) == 1
