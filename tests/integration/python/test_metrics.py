"""GET /metrics (issue 16 item 2) scraped from the real binary and read with
Prometheus's own Python parser (prometheus_client): the counters move as
requests, DNS checks (against knot) and mail deliveries (to aiosmtpd) happen,
and --metrics-listen moves /metrics to a listener of its own, where the API's
listener then answers it like any unknown route.
"""

from __future__ import annotations

import http.client

import pytest
from prometheus_client.parser import text_string_to_metric_families

from conftest import free_port, ses_client, uniq_domain, uniq_email
from dns_server import run_due, shared_knot, start_vouch
from smtp_server import SmtpServer, advance_clock, mail_args, wait_until

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
GIVA = "GetIdentityVerificationAttributes"


def get(port: int, path: str) -> tuple[int, str, str]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", path)
        resp = conn.getresponse()
        return resp.status, resp.getheader("Content-Type") or "", resp.read().decode()
    finally:
        conn.close()


class Scrape:
    """One scrape, parsed: families by name and samples by (name, labels)."""

    def __init__(self, port: int):
        status, ctype, self.text = get(port, "/metrics")
        assert status == 200, self.text
        assert ctype == CONTENT_TYPE
        self.families = {f.name: f for f in text_string_to_metric_families(self.text)}
        self.samples = {}
        for f in self.families.values():
            for s in f.samples:
                self.samples[(s.name, frozenset(s.labels.items()))] = s.value

    def value(self, name: str, **labels) -> float:
        return self.samples.get((name, frozenset(labels.items())), 0.0)


def test_every_metric_has_help_and_type_and_a_bounded_label_set(fresh_server):
    s = Scrape(fresh_server.port)
    want = {
        "vouch_http_requests": "counter",
        "vouch_http_request_duration_seconds": "histogram",
        "vouch_checks": "counter",
        "vouch_dns_lookup_duration_seconds": "histogram",
        "vouch_dns_lookup_errors": "counter",
        "vouch_due_claims": "gauge",
        "vouch_oldest_due_age_seconds": "gauge",
        "vouch_mail_outbox_depth": "gauge",
        "vouch_mail_deliveries": "counter",
        "vouch_store_commit_duration_seconds": "histogram",
        "vouch_process_resident_memory_bytes": "gauge",
        "vouch_http_open_connections": "gauge",
        "vouch_build_info": "gauge",
    }
    for name, kind in want.items():
        assert name in s.families, f"{name} missing:\n{s.text}"
        assert s.families[name].type == kind, name
        assert s.families[name].documentation, name
    assert s.value("vouch_process_resident_memory_bytes") > 1e6
    assert s.value("vouch_http_open_connections") >= 1  # the scrape's own
    assert [x.labels for x in s.families["vouch_build_info"].samples][0]["version"]


def test_ses_requests_count_by_operation_and_code(fresh_server):
    port = fresh_server.port
    ses = ses_client(fresh_server)
    domain = uniq_domain("metrics")
    created = Scrape(port).value("vouch_store_commit_duration_seconds_count", op="create_claim")
    ses.verify_domain_identity(Domain=domain)
    before = Scrape(port)
    assert before.value("vouch_store_commit_duration_seconds_count", op="create_claim") == \
        created + 1
    n = 5
    for _ in range(n):
        ses.get_identity_verification_attributes(Identities=[domain])
    after = Scrape(port)
    labels = {"api": "ses", "operation": GIVA}
    assert after.value("vouch_http_requests_total", code="200", **labels) - \
        before.value("vouch_http_requests_total", code="200", **labels) == n
    assert after.value("vouch_http_request_duration_seconds_count", **labels) - \
        before.value("vouch_http_request_duration_seconds_count", **labels) == n
    inf = after.value("vouch_http_request_duration_seconds_bucket", le="+Inf", **labels)
    assert inf == after.value("vouch_http_request_duration_seconds_count", **labels)
    # The domain never becomes a label; an error counts under its own code.
    assert domain not in after.text
    with pytest.raises(Exception):
        ses.verify_domain_identity(Domain="")
    err = Scrape(port)
    assert err.value("vouch_http_requests_total", api="ses", operation="VerifyDomainIdentity",
                     code="400") == 1
    # An unknown route: api and operation "other", whatever its path.
    assert get(port, "/no/such/route.example.com")[0] == 404
    assert Scrape(port).value("vouch_http_requests_total", api="other", operation="other",
                              code="404") == 1


def test_checks_count_found_and_absent_with_dns_timings(vouch_factory):
    knot = shared_knot("a")
    srv = start_vouch(vouch_factory, knot.address)
    ses = ses_client(srv)
    published, missing = uniq_domain("mfound"), uniq_domain("mabsent")
    token = ses.verify_domain_identity(Domain=published)["VerificationToken"]
    ses.verify_domain_identity(Domain=missing)
    knot.set_txt(f"_amazonses.{published}", token)
    advance_clock(srv, 120)
    before = Scrape(srv.port)
    assert before.value("vouch_due_claims") == 2
    assert before.value("vouch_oldest_due_age_seconds") == pytest.approx(120, abs=1)
    assert run_due(srv) == 2
    after = Scrape(srv.port)

    def rise(name, **labels):
        return after.value(name, **labels) - before.value(name, **labels)

    assert rise("vouch_checks_total", kind="ses_domain", outcome="found") == 1
    assert rise("vouch_checks_total", kind="ses_domain", outcome="absent") == 1  # the control
    assert rise("vouch_checks_total", kind="ses_domain", outcome="resolver_error") == 0
    assert rise("vouch_dns_lookup_duration_seconds_count", resolver=knot.address) == 2
    assert rise("vouch_store_commit_duration_seconds_count", op="record_checks") >= 1
    assert after.value("vouch_due_claims") == 0
    assert after.value("vouch_oldest_due_age_seconds") == 0
    assert after.value("vouch_dns_lookup_errors_total", resolver=knot.address, kind="timeout") == 0


def test_a_delivered_message_counts_as_2xx(vouch_factory):
    with SmtpServer() as smtp:
        srv = vouch_factory.start(extra_args=mail_args(smtp.url))
        before = Scrape(srv.port)
        email = uniq_email("metrics")
        ses_client(srv).verify_email_identity(EmailAddress=email)
        smtp.wait_for(to=email, timeout=10)
        after = wait_until(
            lambda: (s := Scrape(srv.port)).value("vouch_mail_deliveries_total", result="2xx")
            > before.value("vouch_mail_deliveries_total", result="2xx") and s,
            timeout=10, what="a 2xx delivery counted")
        assert after.value("vouch_mail_deliveries_total", result="2xx") - \
            before.value("vouch_mail_deliveries_total", result="2xx") == 1
        assert after.value("vouch_mail_deliveries_total", result="5xx") == 0
        # The send is counted when the server replies; the outbox row is
        # marked sent just after.
        wait_until(lambda: Scrape(srv.port).value("vouch_mail_outbox_depth") == 0, timeout=10,
                   what="the outbox empty")


def test_a_refused_message_counts_as_5xx_and_queued_mail_as_depth(vouch_factory):
    with SmtpServer(rcpt_reply="550 5.1.1 no such user") as smtp:
        srv = vouch_factory.start(extra_args=mail_args(smtp.url))
        ses_client(srv).verify_email_identity(EmailAddress=uniq_email("refused"))
        wait_until(lambda: Scrape(srv.port).value("vouch_mail_deliveries_total", result="5xx") == 1,
                   timeout=10, what="a 5xx delivery counted")
    # Nothing listens: the message stays queued, and counts as outbox depth.
    srv = vouch_factory.start(extra_args=mail_args(f"smtp://127.0.0.1:{free_port()}"))
    ses_client(srv).verify_email_identity(EmailAddress=uniq_email("queued"))
    s = wait_until(
        lambda: (s := Scrape(srv.port)).value("vouch_mail_deliveries_total", result="connection")
        >= 1 and s, timeout=10, what="a connection failure counted")
    assert s.value("vouch_mail_outbox_depth") == 1


def test_metrics_listen_serves_only_on_its_own_port(vouch_factory):
    mport = free_port()
    srv = vouch_factory.start(extra_args=["--metrics-listen", f"127.0.0.1:{mport}"])
    ses_client(srv).list_identities()
    s = Scrape(mport)
    assert s.value("vouch_http_requests_total", api="ses", operation="ListIdentities",
                   code="200") == 1
    # The API's listener answers /metrics as it answers any unknown route.
    status, _, body = get(srv.port, "/metrics")
    unknown = get(srv.port, "/no-such-route")
    assert (status, body) == (unknown[0], unknown[2]) == (404, unknown[2])
    assert "vouch_" not in body
    # The metrics listener serves nothing else.
    assert get(mport, "/_vouch/health")[0] == 404


def test_without_metrics_listen_the_api_listener_serves_it(fresh_server):
    status, ctype, body = get(fresh_server.port, "/metrics")
    assert (status, ctype) == (200, CONTENT_TYPE)
    assert "# TYPE vouch_http_requests_total counter" in body
