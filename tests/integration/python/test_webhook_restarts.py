"""A Verify that restarts a Failed identity (or DKIM record) is a status
change like any other: GET /_vouch/events shows Failed -> Pending and the
webhook receiver gets it, signed, in order after the failure. A repeat Verify
that leaves the status as it was (a pending domain) announces nothing."""

from __future__ import annotations

import pytest

from conftest import ses_client, uniq_domain
from dns_server import run_due, shared_knot, start_vouch
from test_webhooks import (ALLOW, add_webhook, advance, all_events, deliver,  # noqa: F401
                           receivers, verify)

DKIM = "ses.dkim.status_changed"
IDENTITY = "ses.identity.status_changed"


@pytest.fixture
def knot():
    return shared_knot("a")


def changes(events, name=None):
    return [(e["resource"]["identity"], e["type"], e["old_status"], e["new_status"])
            for e in events if name is None or e["resource"]["identity"] == name]


def test_verifying_a_failed_domain_again_is_an_event_and_a_delivery(vouch_factory, knot,
                                                                     receivers):
    rx = receivers().start()
    srv = start_vouch(vouch_factory, knot.address, extra=ALLOW)
    hook = add_webhook(srv, rx.url())
    ses = ses_client(srv)
    failed, pending = uniq_domain("rs-failed"), uniq_domain("rs-pending")
    ses.verify_domain_identity(Domain=failed)  # its TXT never published
    ses.verify_domain_dkim(Domain=failed)
    run_due(srv)
    advance(srv, 73 * 3600)
    run_due(srv)
    ses.verify_domain_identity(Domain=pending)
    run_due(srv)
    assert ses.get_identity_verification_attributes(Identities=[failed])[
        "VerificationAttributes"][failed]["VerificationStatus"] == "Failed"
    # The control: the failures themselves were events.
    before = changes(all_events(srv), failed)
    assert (failed, IDENTITY, "Pending", "Failed") in before, before
    assert before.count((failed, DKIM, "Pending", "Failed")) == 3, before

    advance(srv, 3600)
    ses.verify_domain_identity(Domain=failed)
    ses.verify_domain_identity(Domain=pending)  # still pending: no change to tell
    ses.verify_domain_dkim(Domain=failed)
    after = changes(all_events(srv))
    assert after[:len(before)] == before
    new = after[len(before):]
    assert new.count((failed, IDENTITY, "Failed", "Pending")) == 1, new
    assert new.count((failed, DKIM, "Failed", "Pending")) == 3, new
    assert len(new) == 4, new
    assert not changes(all_events(srv), pending), "a repeat Verify of a pending domain"
    attrs = ses.get_identity_verification_attributes(Identities=[failed])
    assert attrs["VerificationAttributes"][failed]["VerificationStatus"] == "Pending"

    # Delivered in order per resource: the failure first, then the restart.
    for _ in range(5):
        deliver(srv)
    got = rx.events()
    assert sorted(e["id"] for e in got) == sorted(e["id"] for e in all_events(srv))
    for e, raw in zip(got, rx.got):
        assert verify(hook["secret"], raw["headers"]["Vouch-Signature"], raw["body"])
    mine = [(e["old_status"], e["new_status"]) for e in got
            if e["resource"]["identity"] == failed and e["type"] == IDENTITY]
    assert mine == [("Pending", "Failed"), ("Failed", "Pending")], mine
    restart = next(e for e in got if e["type"] == IDENTITY and e["old_status"] == "Failed")
    assert restart["evidence"]["outcome"] == "absent", "the last check's evidence, kept"
