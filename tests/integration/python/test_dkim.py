"""DKIM verification on vouch's test-mode clock against a real authoritative
server (knot): GetIdentityDkimAttributes goes NotStarted -> Pending ->
Success once all three CNAMEs <t>._domainkey.<domain> -> <t>.dkim.amazonses.com
are published, stays Pending with two or with wrong targets, Fails at 72 h,
goes TemporaryFailure when a record vanishes at the daily re-check and
Success again when it returns; the DKIM claims show in the admin API with the
CNAME to publish, never as identities, survive a restart and go with
DeleteIdentity. Through boto3 and the AWS CLI.
"""

from __future__ import annotations

import pytest

from conftest import run_cli, ses_client, uniq_domain
from dns_server import advance, claim_detail, claims, run_due, shared_knot, start_vouch

H = 3600


@pytest.fixture
def knot():
    return shared_knot("a")


def dkim_attrs(srv, domain: str) -> dict:
    return ses_client(srv).get_identity_dkim_attributes(Identities=[domain])["DkimAttributes"][domain]


def dkim_status(srv, domain: str) -> str:
    return dkim_attrs(srv, domain)["DkimVerificationStatus"]


def cli_dkim_status(srv, domain: str) -> str:
    res = run_cli(srv, "ses", "get-identity-dkim-attributes", "--identities", domain)
    assert res.rc == 0, res.stderr
    return res.json["DkimAttributes"][domain]["DkimVerificationStatus"]


def record(domain: str, token: str) -> str:
    return f"{token}._domainkey.{domain}"


def publish(knot, domain: str, tokens, target=lambda t: f"{t}.dkim.amazonses.com"):
    for t in tokens:
        knot.set_cname(record(domain, t), target(t))


def dkim_claims(srv, domain: str) -> dict[str, dict]:
    """The domain's DKIM claims, keyed by token."""
    out = {}
    for c in claims(srv):
        if c["kind"] == "ses_dkim" and c["subject"] == domain:
            d = claim_detail(srv, c["id"])
            out[d["record"]["name"].split(".", 1)[0]] = d
    return out


def start_dkim(srv, domain: str) -> list[str]:
    tokens = ses_client(srv).verify_domain_dkim(Domain=domain)["DkimTokens"]
    assert len(tokens) == 3
    return tokens


def test_not_started_pending_success_and_the_admin_view(vouch_factory, knot):
    srv = start_vouch(vouch_factory, knot.address)
    ses = ses_client(srv)
    domain = uniq_domain("dkim")
    ses.verify_domain_identity(Domain=domain)
    assert dkim_attrs(srv, domain) == {"DkimEnabled": False, "DkimVerificationStatus": "NotStarted"}

    tokens = start_dkim(srv, domain)
    assert dkim_attrs(srv, domain) == {"DkimEnabled": True, "DkimVerificationStatus": "Pending",
                                       "DkimTokens": tokens}
    run_due(srv)
    assert dkim_status(srv, domain) == "Pending"

    by_token = dkim_claims(srv, domain)
    assert sorted(by_token) == sorted(tokens)
    t = tokens[0]
    d = by_token[t]
    assert d["record"] == {
        "name": f"{t}._domainkey.{domain}.", "type": "CNAME", "value": f"{t}.dkim.amazonses.com.",
        "zone_file_line": f"{t}._domainkey.{domain}. 300 IN CNAME {t}.dkim.amazonses.com."}
    assert d["evidence"]["outcome"] == "absent"
    assert d["diagnosis"] == [f"No CNAME record at {t}._domainkey.{domain}. pointing to "
                              f"{t}.dkim.amazonses.com. yet."]
    assert not any("TXT" in line or "quotation" in line for line in d["diagnosis"])

    # Published the way DNS consoles do: any case, with the trailing dot.
    publish(knot, domain, tokens, target=lambda t: f"{t.upper()}.DKIM.amazonses.com.")
    advance(srv, 60)
    run_due(srv)
    assert dkim_attrs(srv, domain)["DkimVerificationStatus"] == "Success"
    d = claim_detail(srv, by_token[t]["id"])
    assert d["status"] == "verified" and d["wire_status"] == "Success"
    assert [(h["from"], h["to"]) for h in d["history"]] == [("pending", "verified")]
    assert d["evidence"]["perspectives"][0]["detail"] == "CNAME records"
    # The domain's own TXT record was never published, but AWS counts a
    # DKIM-verified domain as verified.
    attrs = ses.get_identity_verification_attributes(Identities=[domain])["VerificationAttributes"]
    assert attrs[domain]["VerificationStatus"] == "Success"


def test_two_of_three_and_wrong_targets_stay_pending(vouch_factory, knot):
    srv = start_vouch(vouch_factory, knot.address)
    domain = uniq_domain("dkim")
    tokens = start_dkim(srv, domain)
    publish(knot, domain, tokens[:2])
    knot.set_cname(record(domain, tokens[2]), f"{tokens[2]}.dkim.example.com")
    run_due(srv)
    assert dkim_status(srv, domain) == "Pending"
    assert cli_dkim_status(srv, domain) == "Pending"
    by_token = dkim_claims(srv, domain)
    assert [by_token[t]["status"] for t in tokens] == ["verified", "verified", "pending"]
    wrong = by_token[tokens[2]]
    assert wrong["evidence"]["perspectives"][0]["result"] == "wrong"
    assert wrong["diagnosis"] == [f"The CNAME at {tokens[2]}._domainkey.{domain}. points to "
                                  f"{tokens[2]}.dkim.example.com instead of "
                                  f"{tokens[2]}.dkim.amazonses.com."]
    # A TXT with the target at the record name is no CNAME either.
    knot.set_txt(record(domain, tokens[2]), f"{tokens[2]}.dkim.amazonses.com")
    advance(srv, 2 * H)
    run_due(srv)
    assert dkim_status(srv, domain) == "Pending"
    publish(knot, domain, tokens[2:])
    advance(srv, 2 * H)
    run_due(srv)
    assert dkim_status(srv, domain) == "Success"


def test_failed_after_72_hours_without_the_records(vouch_factory, knot):
    srv = start_vouch(vouch_factory, knot.address)
    domain = uniq_domain("dkim")
    tokens = start_dkim(srv, domain)
    publish(knot, domain, tokens[:2])  # one short, all along
    run_due(srv)
    advance(srv, 71 * H)
    run_due(srv)
    assert dkim_status(srv, domain) == "Pending"
    advance(srv, 1 * H)
    run_due(srv)
    assert dkim_status(srv, domain) == "Failed"
    assert cli_dkim_status(srv, domain) == "Failed"
    # VerifyDomainDkim again keeps the tokens and restarts the failed record.
    assert start_dkim(srv, domain) == tokens
    assert dkim_status(srv, domain) == "Pending"
    publish(knot, domain, tokens[2:])
    run_due(srv)
    assert dkim_status(srv, domain) == "Success"


def test_recheck_temporary_failure_and_back_through_the_cli(vouch_factory, knot):
    srv = start_vouch(vouch_factory, knot.address)
    domain = uniq_domain("dkim")
    res = run_cli(srv, "ses", "verify-domain-dkim", "--domain", domain)
    assert res.rc == 0, res.stderr
    tokens = res.json["DkimTokens"]
    assert cli_dkim_status(srv, domain) == "Pending"
    publish(knot, domain, tokens)
    run_due(srv)
    assert cli_dkim_status(srv, domain) == "Success"

    knot.clear(record(domain, tokens[1]))
    advance(srv, 24 * H - 1)
    run_due(srv)
    assert cli_dkim_status(srv, domain) == "Success"  # not re-checked yet
    advance(srv, 1)
    run_due(srv)
    assert cli_dkim_status(srv, domain) == "TemporaryFailure"
    d = dkim_claims(srv, domain)[tokens[1]]
    assert [(h["from"], h["to"]) for h in d["history"]] == [("pending", "verified"), ("verified", "unconfirmed")]

    publish(knot, domain, tokens[1:2])
    advance(srv, 60)
    run_due(srv)
    assert cli_dkim_status(srv, domain) == "Success"
    assert dkim_status(srv, domain) == "Success"


def test_dkim_claims_are_no_identities_survive_a_restart_and_go_with_delete(vouch_factory, knot):
    srv = start_vouch(vouch_factory, knot.address)
    ses = ses_client(srv)
    domain, keep = uniq_domain("dkim"), uniq_domain("keep")
    tokens = start_dkim(srv, domain)
    start_dkim(srv, keep)
    email = f"{uniq_domain('u').split('.')[0]}@example.com"
    ses.verify_email_identity(EmailAddress=email)
    assert sorted(ses.list_identities()["Identities"]) == sorted([domain, keep, email])
    assert ses.list_identities(IdentityType="Domain")["Identities"] == [domain, keep]
    assert ses.list_verified_email_addresses()["VerifiedEmailAddresses"] == []
    attrs = ses.get_identity_verification_attributes(Identities=[domain, keep, email])
    assert sorted(attrs["VerificationAttributes"]) == sorted([domain, keep, email])
    assert dkim_attrs(srv, email) == {"DkimEnabled": False, "DkimVerificationStatus": "NotStarted"}

    publish(knot, domain, tokens)
    run_due(srv)
    assert dkim_status(srv, domain) == "Success"
    srv.restart()
    assert dkim_status(srv, domain) == "Success"
    assert sorted(dkim_claims(srv, domain)) == sorted(tokens)
    assert sorted(ses_client(srv).list_identities()["Identities"]) == sorted([domain, keep, email])

    ses_client(srv).delete_identity(Identity=domain)
    assert dkim_claims(srv, domain) == {}
    assert len(dkim_claims(srv, keep)) == 3
    assert ses_client(srv).get_identity_dkim_attributes(Identities=[domain])["DkimAttributes"] == {}
    # Started again: new tokens, new records to look for.
    fresh = start_dkim(srv, domain)
    assert not set(fresh) & set(tokens)
    run_due(srv)
    assert dkim_status(srv, domain) == "Pending"
