"""The life of a domain claim on vouch's test-mode clock, against a real
authoritative server (knot): SES Pending -> Success, Pending -> Failed at
72 h, Success -> TemporaryFailure -> Success, TemporaryFailure -> Failed after
72 h absent, resolver timeouts that never fail a claim, a restart in the
middle of it all that keeps every next check, and the VPC Lattice view of the
same machinery (PENDING -> VERIFIED / VERIFICATION_TIMED_OUT; a verified
domain stays verified, lastVerifiedTime moves only on a confirming re-check).
"""

from __future__ import annotations

import time

import pytest

from conftest import ses_client, uniq_domain
from dns_server import (
    advance,
    check_now,
    claim_by_subject,
    claim_detail,
    claims,
    reset,
    run_due,
    shared_knot,
    shared_stub,
    start_vouch,
    vouch_request,
)

H = 3600


@pytest.fixture
def knot():
    return shared_knot("a")


def ses_status(srv, domain: str) -> str:
    attrs = ses_client(srv).get_identity_verification_attributes(Identities=[domain])
    return attrs["VerificationAttributes"][domain]["VerificationStatus"]


def new_identity(srv, domain: str | None = None):
    domain = domain or uniq_domain()
    token = ses_client(srv).verify_domain_identity(Domain=domain)["VerificationToken"]
    return domain, token, claim_by_subject(srv, domain)["id"]


def transitions(detail: dict) -> list[tuple[str, str]]:
    return [(h["from"], h["to"]) for h in detail["history"]]


def test_pending_to_success_through_boto3(vouch_factory, knot):
    srv = start_vouch(vouch_factory, knot.address)
    ses = ses_client(srv)
    domain, token, cid = new_identity(srv)
    attrs = ses.get_identity_verification_attributes(Identities=[domain])["VerificationAttributes"]
    assert attrs[domain] == {"VerificationStatus": "Pending", "VerificationToken": token}
    assert run_due(srv) == 1  # due at once; nothing published yet
    assert ses_status(srv, domain) == "Pending"
    assert run_due(srv) == 0  # backing off

    knot.set_txt(f"_amazonses.{domain}", token)
    advance(srv, 59)
    assert run_due(srv) == 0
    assert ses_status(srv, domain) == "Pending"
    advance(srv, 1)  # first backoff: 60 s
    assert run_due(srv) == 1
    attrs = ses.get_identity_verification_attributes(Identities=[domain])["VerificationAttributes"]
    assert attrs[domain] == {"VerificationStatus": "Success", "VerificationToken": token}
    d = claim_detail(srv, cid)
    assert transitions(d) == [("pending", "verified")]


def test_verify_again_makes_a_pending_domain_due_now(vouch_factory, knot):
    """A user who has just published the record calls VerifyDomainIdentity
    again: the check runs now, not at the end of the backoff."""
    srv = start_vouch(vouch_factory, knot.address)
    ses = ses_client(srv)
    domain, token, cid = new_identity(srv)
    other, _, _ = new_identity(srv)
    assert run_due(srv) == 2  # both due at once; nothing published
    advance(srv, 30)
    assert run_due(srv) == 0  # both backing off (60 s)
    knot.set_txt(f"_amazonses.{domain}", token)
    assert ses.verify_domain_identity(Domain=domain)["VerificationToken"] == token
    assert run_due(srv) == 1  # this one only; the other still waits
    assert ses_status(srv, domain) == "Success"
    assert ses_status(srv, other) == "Pending"
    assert transitions(claim_detail(srv, cid)) == [("pending", "verified")]
    # Verify on a verified domain changes nothing and schedules nothing new.
    assert ses.verify_domain_identity(Domain=domain)["VerificationToken"] == token
    assert run_due(srv) == 0
    assert ses_status(srv, domain) == "Success"


def test_pending_fails_at_72_hours(vouch_factory, knot):
    srv = start_vouch(vouch_factory, knot.address)
    domain, token, cid = new_identity(srv)
    created = claim_detail(srv, cid)
    assert run_due(srv) == 1
    advance(srv, 72 * H - 60)
    assert run_due(srv) == 1
    assert ses_status(srv, domain) == "Pending"
    d = claim_detail(srv, cid)
    assert d["next_check_at"] == created["deadline"]  # the deciding check is right at the deadline
    advance(srv, 59)
    assert run_due(srv) == 0
    assert ses_status(srv, domain) == "Pending"
    advance(srv, 1)
    assert run_due(srv) == 1
    assert ses_status(srv, domain) == "Failed"
    d = claim_detail(srv, cid)
    assert d["status"] == "failed" and d["next_check_at"] is None
    assert transitions(d) == [("pending", "failed")]
    assert d["history"][0]["at"] == created["deadline"]
    # Failed is final for checks: publishing now changes nothing by itself ...
    knot.set_txt(f"_amazonses.{domain}", token)
    advance(srv, 24 * H)
    assert run_due(srv) == 0
    assert ses_status(srv, domain) == "Failed"
    # ... a new VerifyDomainIdentity reopens the window (same token on AWS? a new one here is fine).
    new_token = ses_client(srv).verify_domain_identity(Domain=domain)["VerificationToken"]
    knot.set_txt(f"_amazonses.{domain}", new_token)
    assert run_due(srv) == 1
    assert ses_status(srv, domain) == "Success"


def test_success_temporary_failure_success(vouch_factory, knot):
    srv = start_vouch(vouch_factory, knot.address, extra=["--recheck-interval", "6h"])
    domain, token, cid = new_identity(srv)
    knot.set_txt(f"_amazonses.{domain}", token)
    assert run_due(srv) == 1
    assert ses_status(srv, domain) == "Success"
    d = claim_detail(srv, cid)
    first_verified = d["last_verified_at"]

    knot.clear(f"_amazonses.{domain}")
    advance(srv, 6 * H - 1)
    assert run_due(srv) == 0  # --recheck-interval 6h
    advance(srv, 1)
    assert run_due(srv) == 1
    assert ses_status(srv, domain) == "TemporaryFailure"
    d = claim_detail(srv, cid)
    assert d["status"] == "unconfirmed"
    assert d["absent_since"] == d["evidence"]["at"]
    assert d["last_verified_at"] == first_verified

    knot.set_txt(f"_amazonses.{domain}", token)
    advance(srv, 60)
    assert run_due(srv) == 1
    assert ses_status(srv, domain) == "Success"
    d = claim_detail(srv, cid)
    assert d["absent_since"] is None
    assert d["last_verified_at"] == d["evidence"]["at"] != first_verified
    assert transitions(d) == [("pending", "verified"), ("verified", "unconfirmed"),
                              ("unconfirmed", "verified")]


def test_temporary_failure_fails_after_72_hours_absent(vouch_factory, knot):
    srv = start_vouch(vouch_factory, knot.address)
    domain, token, cid = new_identity(srv)
    knot.set_txt(f"_amazonses.{domain}", token)
    assert run_due(srv) == 1
    knot.clear(f"_amazonses.{domain}")
    advance(srv, 24 * H)
    assert run_due(srv) == 1
    assert ses_status(srv, domain) == "TemporaryFailure"
    absent_since = claim_detail(srv, cid)["absent_since"]
    # Re-checks keep finding nothing; an hour short of 72 h it is still only
    # temporary.
    for _ in range(10):
        advance(srv, 7 * H)
        run_due(srv)
    assert ses_status(srv, domain) == "TemporaryFailure"
    advance(srv, 2 * H)  # 72 h since the record was first missed
    run_due(srv)
    assert ses_status(srv, domain) == "Failed"
    d = claim_detail(srv, cid)
    assert d["absent_since"] == absent_since
    assert d["history"][-1]["at"] == d["evidence"]["at"]
    assert transitions(d) == [("pending", "verified"), ("verified", "unconfirmed"),
                              ("unconfirmed", "failed")]


def test_resolver_timeouts_never_fail_a_claim(vouch_factory):
    silent = shared_stub("silent")
    srv = start_vouch(vouch_factory, silent.address)
    domain, token, cid = new_identity(srv)
    advance(srv, 80 * H)  # well past the 72 h window
    started = time.monotonic()
    assert run_due(srv) == 1
    took = time.monotonic() - started
    assert took >= 2.0, f"a silent resolver answered in {took:.1f}s?"
    assert silent.count(f"_amazonses.{domain}") == 2  # 2 tries, then it gives up
    assert ses_status(srv, domain) == "Pending"
    listed = claim_by_subject(srv, domain)
    assert listed["status"] == "pending" and listed["next_check_at"] is not None
    d = claim_detail(srv, cid)
    assert d["status"] == "pending"
    assert d["history"] == []
    assert d["evidence"]["outcome"] == "resolver_error"
    p = d["evidence"]["perspectives"][0]
    assert (p["result"], p["detail"]) == ("error", "timeout")


def test_resolver_errors_never_fail_a_verified_claim(vouch_factory, knot):
    srv = start_vouch(vouch_factory, knot.address)
    domain, token, cid = new_identity(srv)
    knot.set_txt(f"_amazonses.{domain}", token)
    assert run_due(srv) == 1
    assert ses_status(srv, domain) == "Success"
    srv.stop()
    # The same store, now asking a server that answers only SERVFAIL.
    srv = start_vouch(vouch_factory, shared_stub("servfail").address, data_dir=srv.data_dir)
    advance(srv, 24 * H)  # the daily re-check
    assert run_due(srv) == 1
    assert ses_status(srv, domain) == "TemporaryFailure"
    d = claim_detail(srv, cid)
    assert d["evidence"]["outcome"] == "resolver_error", d["evidence"]
    # Errors for days, well past the 72 h that an absent record is given.
    for _ in range(5):
        advance(srv, 24 * H)
        assert run_due(srv) == 1
    assert ses_status(srv, domain) == "TemporaryFailure"
    d = claim_detail(srv, cid)
    assert d["wire_status"] == "TemporaryFailure" and d["next_check_at"] is not None, d
    assert transitions(d)[0] == ("pending", "verified")
    assert all(to != "failed" for _, to in transitions(d)), transitions(d)


def test_restart_keeps_every_next_check(vouch_factory, knot):
    srv = start_vouch(vouch_factory, knot.address)
    pending, pending_token, pending_id = new_identity(srv)
    verified, verified_token, verified_id = new_identity(srv)
    unconfirmed, unconfirmed_token, unconfirmed_id = new_identity(srv)
    failed, _, failed_id = new_identity(srv)
    email = f"someone@{uniq_domain()}"
    ses_client(srv).verify_email_identity(EmailAddress=email)
    knot.set_txt(f"_amazonses.{verified}", verified_token)
    knot.set_txt(f"_amazonses.{unconfirmed}", unconfirmed_token)
    assert run_due(srv) == 4
    knot.clear(f"_amazonses.{unconfirmed}")
    advance(srv, 24 * H)
    run_due(srv)
    advance(srv, 49 * H)
    run_due(srv)
    before = {c["id"]: c for c in claims(srv)}
    assert before[pending_id]["status"] == "failed"  # 73 h, nothing published
    # Bring one back to pending so every state is represented.
    ses_client(srv).verify_domain_identity(Domain=pending)
    run_due(srv)
    advance(srv, 90)
    before = {c["id"]: c for c in claims(srv)}
    statuses = {before[i]["status"] for i in (pending_id, verified_id, unconfirmed_id, failed_id)}
    assert statuses == {"pending", "verified", "unconfirmed", "failed"}, before
    details_before = {i: claim_detail(srv, i) for i in before}
    clock_before = advance(srv, 0)

    assert srv.stop() == 0
    srv.start()
    # The test clock goes on from where the tests moved it (73 h ahead of
    # the real time), not from the real time.
    assert advance(srv, 0) == clock_before
    after = {c["id"]: c for c in claims(srv)}
    assert after == before
    for i, d in details_before.items():
        d2 = claim_detail(srv, i)
        for k in ("status", "next_check_at", "deadline", "last_verified_at", "absent_since",
                  "history", "evidence"):
            assert d2[k] == d[k], (i, k)

    # The timeline goes on after the restart.
    knot.set_txt(f"_amazonses.{pending}", pending_token)
    d = check_now(srv, pending_id)
    assert d["status"] == "verified"
    assert ses_status(srv, pending) == "Success"


def test_the_test_clock_moves_forward_within_bounds(vouch_factory, knot):
    srv = start_vouch(vouch_factory, knot.address)
    start = advance(srv, 0)
    for bad in (-1, "60", None, 3155760001, 1e300):
        status, doc = vouch_request(srv, "POST", "/_vouch/test/clock", {"advance_seconds": bad},
                                    sign=False)
        assert status == 400, (bad, status, doc)
        assert doc["fieldList"][0]["name"] == "advance_seconds", doc
    assert advance(srv, 0) == start  # refused moves move nothing
    # 100 years at a time, until the next step would come within 62 years of
    # the clock's end (2262): refused, and the clock stays where it was.
    now = start
    for _ in range(3):
        status, doc = vouch_request(srv, "POST", "/_vouch/test/clock",
                                    {"advance_seconds": 3155760000}, sign=False)
        if status != 200:
            break
        now = doc["now"]
    assert status == 400, doc
    assert "2200" in doc["message"], doc
    assert advance(srv, 0) == now
    assert now.startswith("21"), now  # one step taken: about 2126


def test_reset_clears_claims(vouch_factory, knot):
    srv = start_vouch(vouch_factory, knot.address)
    new_identity(srv)
    assert len(claims(srv)) == 1
    reset(srv)
    assert claims(srv) == []
    assert run_due(srv) == 0


# --------------------------------------------------------------------------
# VPC Lattice


def lattice(srv, method, path, body=None):
    status, doc = vouch_request(srv, method, path, body, service="vpc-lattice")
    assert status in (200, 201), (method, path, status, doc)
    return doc


def start_verification(srv, domain):
    doc = lattice(srv, "POST", "/domainverifications", {"domainName": domain})
    assert doc["status"] == "PENDING"
    return doc["id"], doc["txtMethodConfig"]["name"], doc["txtMethodConfig"]["value"]


def get_verification(srv, vid):
    return lattice(srv, "GET", f"/domainverifications/{vid}")


def test_lattice_pending_verified_and_stays_verified(vouch_factory, knot):
    srv = start_vouch(vouch_factory, knot.address)
    domain = uniq_domain("lat")
    vid, name, value = start_verification(srv, domain)
    assert value.startswith("vpc-lattice:")
    assert run_due(srv) == 1
    g = get_verification(srv, vid)
    assert g["status"] == "PENDING" and "lastVerifiedTime" not in g

    knot.set_txt(f"{name}.{domain}", value)
    advance(srv, 60)
    assert run_due(srv) == 1
    g = get_verification(srv, vid)
    assert g["status"] == "VERIFIED"
    first = g["lastVerifiedTime"]
    admin = claim_detail(srv, vid)
    assert admin["kind"] == "lattice_domain" and admin["wire_status"] == "VERIFIED"
    assert admin["record"]["name"] == f"{name}.{domain}."

    # The record goes away: still VERIFIED, lastVerifiedTime unchanged.
    knot.clear(f"{name}.{domain}")
    for _ in range(3):
        advance(srv, 24 * H)
        assert run_due(srv) == 1
        g = get_verification(srv, vid)
        assert g["status"] == "VERIFIED"
        assert g["lastVerifiedTime"] == first
    assert claim_detail(srv, vid)["evidence"]["outcome"] == "absent"

    # A re-check that confirms it moves lastVerifiedTime forward.
    knot.set_txt(f"{name}.{domain}", value)
    advance(srv, 24 * H)
    assert run_due(srv) == 1
    g = get_verification(srv, vid)
    assert g["status"] == "VERIFIED"
    assert g["lastVerifiedTime"] > first
    assert g["lastVerifiedTime"][:19] == claim_detail(srv, vid)["evidence"]["at"][:19]


def test_lattice_times_out_after_72_hours(vouch_factory, knot):
    srv = start_vouch(vouch_factory, knot.address)
    domain = uniq_domain("lat")
    vid, name, value = start_verification(srv, domain)
    knot.set_txt(f"{name}.{domain}", "vpc-lattice:not-the-value")
    assert run_due(srv) == 1
    advance(srv, 71 * H)
    run_due(srv)
    assert get_verification(srv, vid)["status"] == "PENDING"
    advance(srv, 1 * H)
    run_due(srv)
    g = get_verification(srv, vid)
    assert g["status"] == "VERIFICATION_TIMED_OUT"
    assert "lastVerifiedTime" not in g
