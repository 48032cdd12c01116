"""Status-change events (GET /_vouch/events): a check that changes a claim's
status leaves one event, with the resource and the statuses in that API's own
names; a check that changes nothing leaves none. Each account reads only its
own events, in order, page by page under signed tokens; events survive a
SIGKILL of vouch, since they commit with the change."""

from __future__ import annotations

import pytest

from conftest import random_access_key, random_secret, ses_client, uniq_domain
from dns_server import claim_by_subject, run_due, shared_knot, start_vouch
from vouch_client import vouch_request

OTHER_ACCOUNT = "210987654321"


@pytest.fixture
def knot():
    return shared_knot("a")


def events(srv, query: str = "", **kw) -> dict:
    status, doc = vouch_request(srv, "GET", "/_vouch/events" + query, **kw)
    assert status == 200, (status, doc)
    return doc


def verify_domain(srv, knot, **kw) -> str:
    domain = uniq_domain("ev")
    token = ses_client(srv, **kw).verify_domain_identity(Domain=domain)["VerificationToken"]
    knot.set_txt(f"_amazonses.{domain}", token)
    return domain


def test_a_status_change_is_an_event_in_the_apis_own_names(vouch_factory, knot):
    srv = start_vouch(vouch_factory, knot.address)
    domain = verify_domain(srv, knot)
    assert events(srv) == {"events": []}, "a create is no status change"
    assert run_due(srv) == 1
    doc = events(srv)
    assert len(doc["events"]) == 1 and "next_token" not in doc, doc
    e = doc["events"][0]
    assert e["type"] == "ses.identity.status_changed"
    assert e["id"].startswith("evt-")
    assert e["region"] == "us-east-1" and len(e["account_id"]) == 12, e
    assert e["resource"] == {"identity": domain}
    assert e["claim_kind"] == "ses_domain"
    assert (e["old_status"], e["new_status"]) == ("Pending", "Success")
    assert e["evidence"]["outcome"] == "found"
    assert e["claim_id"] == claim_by_subject(srv, domain)["id"]

    # A Lattice verification: its id, ARN and Lattice's status names.
    status, dv = vouch_request(srv, "POST", "/domainverifications",
                               {"domainName": uniq_domain("lat")}, service="vpc-lattice")
    assert status in (200, 201), dv
    knot.set_txt(f"{dv['txtMethodConfig']['name']}.{dv['domainName']}",
                 dv["txtMethodConfig"]["value"])
    assert run_due(srv) == 1
    e = events(srv)["events"][-1]
    assert e["type"] == "vpc-lattice.domain_verification.status_changed"
    assert e["resource"] == {"domainVerificationId": dv["id"], "arn": dv["arn"],
                             "domainName": dv["domainName"]}
    assert (e["old_status"], e["new_status"]) == ("PENDING", "VERIFIED")

    # A re-check that still finds the record changes nothing: no event.
    before = len(events(srv)["events"])
    vouch_request(srv, "POST", "/_vouch/test/clock", {"advance_seconds": 2 * 86400}, sign=False)
    assert run_due(srv) >= 1
    assert len(events(srv)["events"]) == before


def test_events_page_under_signed_tokens(vouch_factory, knot):
    srv = start_vouch(vouch_factory, knot.address)
    domains = [verify_domain(srv, knot) for _ in range(3)]
    assert run_due(srv) == 3
    seen, query = [], "?limit=2"
    for _ in range(5):
        doc = events(srv, query)
        seen += [e["resource"]["identity"] for e in doc["events"]]
        if "next_token" not in doc:
            break
        query = f"?limit=2&next_token={doc['next_token']}"
    assert sorted(seen) == sorted(domains) and len(seen) == 3
    ids = [int(e["id"][4:]) for e in events(srv)["events"]]
    assert ids == sorted(ids)
    # A forged token and a bad limit are refused, not read.
    for q in ("?next_token=AAAA", "?limit=0", "?limit=1001", "?limit=x"):
        status, doc = vouch_request(srv, "GET", "/_vouch/events" + q)
        assert status == 400, (q, status, doc)
    status, _ = vouch_request(srv, "GET", "/_vouch/events", sign=False)
    assert status == 403


def test_each_account_reads_only_its_own_events(vouch_factory, knot):
    srv = start_vouch(vouch_factory, knot.address)
    key, secret = random_access_key(), random_secret()
    srv.account_add(OTHER_ACCOUNT, key, secret)
    mine = verify_domain(srv, knot)
    theirs = verify_domain(srv, knot, key=key, secret=secret)
    assert run_due(srv) == 2
    assert [e["resource"]["identity"] for e in events(srv)["events"]] == [mine]
    other = events(srv, key=key, secret=secret)["events"]
    assert [e["resource"]["identity"] for e in other] == [theirs]
    assert other[0]["account_id"] == OTHER_ACCOUNT


def test_events_survive_a_sigkill(vouch_factory, knot):
    srv = start_vouch(vouch_factory, knot.address)
    domain = verify_domain(srv, knot)
    assert run_due(srv) == 1
    srv.kill()
    srv.restart()
    got = events(srv)["events"]
    assert [(e["resource"]["identity"], e["new_status"]) for e in got] == [(domain, "Success")]
