"""Retention on the test clock: a move of the clock runs a pruning pass at
once, so each retention shows right after the move that passes it. A claim
keeps its newest --history-keep status changes (and its last evidence),
events go after --event-retention, client tokens after their 8 h window;
each with a control still inside its window."""

from __future__ import annotations

import sqlite3

import pytest

from conftest import ses_client, uniq, uniq_domain
from dns_server import advance, claim_by_subject, claim_detail, run_due, shared_knot, start_vouch
from pg_cluster import psql
from vouch_client import vouch_request

H = 3600


@pytest.fixture
def knot():
    return shared_knot("a")


def transitions(detail: dict) -> list[tuple[str, str]]:
    return [(h["from"], h["to"]) for h in detail["history"]]


def event_count(srv) -> int:
    status, doc = vouch_request(srv, "GET", "/_vouch/events")
    assert status == 200, doc
    return len(doc["events"])


def test_history_keeps_the_newest_changes_and_events_go_after_their_retention(
        vouch_factory, knot):
    srv = start_vouch(vouch_factory, knot.address, extra=[
        "--recheck-interval", "1h", "--history-keep", "2", "--event-retention", "1d"])
    ses = ses_client(srv)
    flap, steady = uniq_domain("flap"), uniq_domain("steady")
    tokens = {d: ses.verify_domain_identity(Domain=d)["VerificationToken"] for d in (flap, steady)}
    for d, token in tokens.items():
        knot.set_txt(f"_amazonses.{d}", token)
    assert run_due(srv) == 2  # at C: both Pending -> Success
    knot.clear(f"_amazonses.{flap}")
    advance(srv, H)
    assert run_due(srv) == 2  # at C+1h: flap Success -> TemporaryFailure
    knot.set_txt(f"_amazonses.{flap}", tokens[flap])
    advance(srv, H)
    assert run_due(srv) == 2  # at C+2h: flap TemporaryFailure -> Success
    assert event_count(srv) == 4

    advance(srv, 1)  # a pass: three changes of flap, two kept
    flap_detail = claim_detail(srv, claim_by_subject(srv, flap)["id"])
    assert transitions(flap_detail) == [("verified", "unconfirmed"), ("unconfirmed", "verified")]
    assert flap_detail["status"] == "verified"
    assert flap_detail["evidence"]["outcome"] == "found", "the last evidence is kept"
    assert transitions(claim_detail(srv, claim_by_subject(srv, steady)["id"])) == [
        ("pending", "verified")]

    # At C+1d+1h30m the events at C and C+1h are past a day; C+2h's is not.
    advance(srv, 24 * H - H // 2 - 1)
    assert event_count(srv) == 1
    advance(srv, H)
    assert event_count(srv) == 0
    # The claims themselves stay.
    assert ses.get_identity_verification_attributes(Identities=[flap, steady])[
        "VerificationAttributes"][steady]["VerificationStatus"] == "Success"


def token_rows(srv) -> int:
    """Client token records in the store, read beside the server."""
    if srv.store:
        return int(psql(srv.store, "SELECT count(*) FROM idempotency")[0][0])
    db = sqlite3.connect(f"file:{srv.data_dir}/vouch.db?mode=ro", uri=True)
    try:
        return db.execute("SELECT count(*) FROM idempotency").fetchone()[0]
    finally:
        db.close()


def start_with_token(srv, domain: str, token: str) -> str:
    status, doc = vouch_request(srv, "POST", "/domainverifications",
                                {"domainName": domain, "clientToken": token},
                                service="vpc-lattice")
    assert status in (200, 201), doc
    return doc["id"]


def test_client_tokens_go_after_their_8_hour_window(vouch_factory):
    srv = start_vouch(vouch_factory)
    domain, token = uniq_domain("lat"), uniq("tok")
    first = start_with_token(srv, domain, token)
    assert start_with_token(srv, domain, token) == first, "a replay answers the first create"
    assert token_rows(srv) == 1

    advance(srv, 8 * H - 60)  # inside the window: kept, and still replayed
    assert token_rows(srv) == 1
    assert start_with_token(srv, domain, token) == first

    advance(srv, 61)
    assert token_rows(srv) == 0
    # The verification it created stays.
    status, doc = vouch_request(srv, "GET", f"/domainverifications/{first}",
                                service="vpc-lattice")
    assert status == 200 and doc["id"] == first, doc
