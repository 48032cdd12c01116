"""MAIL FROM domains on vouch's test-mode clock against a real authoritative
server (knot): v1 SetIdentityMailFromDomain / GetIdentityMailFromDomainAttributes
(boto3 `ses`, the AWS CLI) and v2 PutEmailIdentityMailFromAttributes /
GetEmailIdentity (boto3 `sesv2`) on the same identities. The status goes
Pending -> Success once MX <mailfrom> -> feedback-smtp.<region>.amazonses.com
and an SPF TXT with include:amazonses.com are published, TemporaryFailure
when the MX vanishes at the daily re-check, Failed 72 h later; a wrong MX
target or an SPF without the include stays Pending; AWS's errors for a
domain that is no subdomain of the identity; BehaviorOnMxFailure kept; the
admin API spells out both records.
"""

from __future__ import annotations

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from conftest import ROOT_KEY, ROOT_SECRET, check_client_error, run_cli, ses_client, uniq_domain
from dns_server import advance, claim_detail, claims, run_due, shared_knot, start_vouch

H = 3600
MX = "feedback-smtp.us-east-1.amazonses.com"


@pytest.fixture
def knot():
    return shared_knot("a")


def v2_client(srv):
    return boto3.session.Session().client(
        "sesv2", endpoint_url=srv.endpoint, region_name="us-east-1",
        aws_access_key_id=ROOT_KEY, aws_secret_access_key=ROOT_SECRET,
        config=Config(retries={"mode": "standard", "total_max_attempts": 1}))


def publish(knot, name: str, mx: str | None = MX, spf: str | None = "v=spf1 include:amazonses.com ~all"):
    """MX and TXT records at `name` (knot.set() holds one type per name)."""
    zone = knot._zone_of(name)
    rrs = []
    if mx is not None:
        rrs.append(("MX", f"10 {mx}."))
    if spf is not None:
        rrs.append(("TXT", f'"{spf}"'))
    knot.records[zone][name] = rrs
    knot._publish(zone)


def v1_attrs(srv, identity: str) -> dict:
    resp = ses_client(srv).get_identity_mail_from_domain_attributes(Identities=[identity])
    return resp["MailFromDomainAttributes"][identity]


def v1_status(srv, identity: str) -> str:
    return v1_attrs(srv, identity)["MailFromDomainStatus"]


def v2_attrs(srv, identity: str) -> dict:
    return v2_client(srv).get_email_identity(EmailIdentity=identity)["MailFromAttributes"]


def cli_attrs(srv, identity: str) -> dict:
    res = run_cli(srv, "ses", "get-identity-mail-from-domain-attributes", "--identities", identity)
    assert res.rc == 0, res.stderr
    return res.json["MailFromDomainAttributes"][identity]


def mail_from_claims(srv, identity: str) -> dict[str, dict]:
    return {c["kind"]: claim_detail(srv, c["id"]) for c in claims(srv)
            if c["subject"] == identity and c["kind"].startswith("ses_mail_from")}


def test_pending_success_temporary_failure_failed(vouch_factory, knot):
    srv = start_vouch(vouch_factory, knot.address)
    ses = ses_client(srv)
    domain = uniq_domain("mf")
    mail_from = f"bounce.{domain}"
    ses.verify_domain_identity(Domain=domain)
    assert v1_attrs(srv, domain) == {"BehaviorOnMXFailure": "UseDefaultValue"}
    assert v2_attrs(srv, domain) == {"BehaviorOnMxFailure": "USE_DEFAULT_VALUE"}

    ses.set_identity_mail_from_domain(Identity=domain, MailFromDomain=mail_from)
    assert v1_attrs(srv, domain) == {"BehaviorOnMXFailure": "UseDefaultValue",
                                     "MailFromDomain": mail_from, "MailFromDomainStatus": "Pending"}
    run_due(srv)
    assert v1_status(srv, domain) == "Pending"

    # The admin API spells out both records, with the evidence and diagnosis.
    by_kind = mail_from_claims(srv, domain)
    assert sorted(by_kind) == ["ses_mail_from_mx", "ses_mail_from_spf"]
    mx = by_kind["ses_mail_from_mx"]
    assert mx["record"] == {"name": f"{mail_from}.", "type": "MX", "value": f"10 {MX}.",
                            "zone_file_line": f"{mail_from}. 300 IN MX 10 {MX}."}
    spf = by_kind["ses_mail_from_spf"]
    assert spf["record"] == {
        "name": f"{mail_from}.", "type": "TXT", "value": "v=spf1 include:amazonses.com ~all",
        "zone_file_line": f'{mail_from}. 300 IN TXT "v=spf1 include:amazonses.com ~all"'}
    assert mx["evidence"]["outcome"] == "absent"
    assert mx["diagnosis"] == [f"No MX record at {mail_from}. pointing to {MX}. yet."]

    # Published as consoles do: any case, any preference, include with "+".
    publish(knot, mail_from, mx=MX.upper(), spf="v=spf1 a mx +INCLUDE:amazonses.com -all")
    advance(srv, 60)
    run_due(srv)
    assert v1_status(srv, domain) == "Success"
    assert v2_attrs(srv, domain) == {"BehaviorOnMxFailure": "USE_DEFAULT_VALUE",
                                     "MailFromDomain": mail_from, "MailFromDomainStatus": "SUCCESS"}
    assert cli_attrs(srv, domain)["MailFromDomainStatus"] == "Success"
    mx = claim_detail(srv, mx["id"])
    assert mx["evidence"]["perspectives"][0]["detail"] == "MX records"

    publish(knot, mail_from, mx=None)  # the MX goes, the SPF stays
    advance(srv, 24 * H - 1)
    run_due(srv)
    assert v1_status(srv, domain) == "Success"  # not re-checked yet
    advance(srv, 1)
    run_due(srv)
    assert v1_status(srv, domain) == "TemporaryFailure"
    assert v2_attrs(srv, domain)["MailFromDomainStatus"] == "TEMPORARY_FAILURE"
    advance(srv, 72 * H)
    run_due(srv)
    assert v1_status(srv, domain) == "Failed"
    assert cli_attrs(srv, domain)["MailFromDomainStatus"] == "Failed"
    hist = [(h["from"], h["to"]) for h in claim_detail(srv, mx["id"])["history"]]
    assert hist == [("pending", "verified"), ("verified", "unconfirmed"), ("unconfirmed", "failed")]

    # Set again: the failed record starts over.
    publish(knot, mail_from)
    ses.set_identity_mail_from_domain(Identity=domain, MailFromDomain=mail_from)
    assert v1_status(srv, domain) == "Pending"
    run_due(srv)
    assert v1_status(srv, domain) == "Success"


def test_wrong_mx_and_spf_without_the_include_stay_pending(vouch_factory, knot):
    srv = start_vouch(vouch_factory, knot.address)
    ses = ses_client(srv)
    domain = uniq_domain("mf")
    ok_domain = uniq_domain("mfok")  # the positive control, beside it
    for d in (domain, ok_domain):
        ses.verify_domain_identity(Domain=d)
        ses.set_identity_mail_from_domain(Identity=d, MailFromDomain=f"mail.{d}")
    publish(knot, f"mail.{domain}", mx="feedback-smtp.eu-west-1.amazonses.com",
            spf="v=spf1 include:_spf.example.net ~all")
    publish(knot, f"mail.{ok_domain}")
    run_due(srv)
    assert v1_status(srv, ok_domain) == "Success"
    assert v1_status(srv, domain) == "Pending"
    by_kind = mail_from_claims(srv, domain)
    assert by_kind["ses_mail_from_mx"]["evidence"]["perspectives"][0]["result"] == "wrong"
    assert by_kind["ses_mail_from_mx"]["diagnosis"] == [
        f"The MX record at mail.{domain}. is 10 feedback-smtp.eu-west-1.amazonses.com; "
        f"it must point to {MX}. (any preference, e.g. 10)."]
    assert by_kind["ses_mail_from_spf"]["status"] == "pending"
    assert "does not include include:amazonses.com" in by_kind["ses_mail_from_spf"]["diagnosis"][0]
    # The right MX alone is not enough: the SPF still lacks the include.
    publish(knot, f"mail.{domain}", spf="v=spf1 include:_spf.example.net ~all")
    advance(srv, 2 * H)
    run_due(srv)
    assert v1_status(srv, domain) == "Pending"
    statuses = {k: v["status"] for k, v in mail_from_claims(srv, domain).items()}
    assert statuses == {"ses_mail_from_mx": "verified", "ses_mail_from_spf": "pending"}


def test_errors_for_a_domain_that_is_no_subdomain(vouch_factory, knot):
    srv = start_vouch(vouch_factory, knot.address)
    ses = ses_client(srv)
    v2 = v2_client(srv)
    domain = uniq_domain("mf")
    ses.verify_domain_identity(Domain=domain)
    for bad in (domain, f"other-{domain}", "bounce.example.net"):
        with pytest.raises(ClientError) as ei:
            ses.set_identity_mail_from_domain(Identity=domain, MailFromDomain=bad)
        check_client_error(ei.value, "InvalidParameterValue", 400,
                           f"Provided MAIL-FROM domain <{bad}> is not subdomain of the domain of "
                           f"the identity <{domain}>.")
        with pytest.raises(ClientError) as ei:
            v2.put_email_identity_mail_from_attributes(EmailIdentity=domain, MailFromDomain=bad)
        check_client_error(ei.value, "BadRequestException", 400)
    # An address's MAIL FROM is a subdomain of its domain.
    email = f"someone@{domain}"
    ses.verify_email_identity(EmailAddress=email)
    ses.set_identity_mail_from_domain(Identity=email, MailFromDomain=f"mail.{domain}")
    assert v1_attrs(srv, email)["MailFromDomain"] == f"mail.{domain}"
    # Unknown identities.
    with pytest.raises(ClientError) as ei:
        v2.put_email_identity_mail_from_attributes(EmailIdentity=f"nope.{domain}",
                                                   MailFromDomain=f"m.nope.{domain}")
    check_client_error(ei.value, "NotFoundException", 404)
    with pytest.raises(ClientError) as ei:
        ses.set_identity_mail_from_domain(Identity=f"nope.{domain}")
    check_client_error(ei.value, "InvalidParameterValue", 400)
    assert ses.get_identity_mail_from_domain_attributes(
        Identities=[f"nope.{domain}"])["MailFromDomainAttributes"] == {}
    with pytest.raises(ClientError) as ei:
        ses.set_identity_mail_from_domain(Identity=domain, BehaviorOnMXFailure="Bounce")
    check_client_error(ei.value, "ValidationError", 400)


def test_behavior_and_visibility_both_ways_and_clearing(vouch_factory, knot):
    srv = start_vouch(vouch_factory, knot.address)
    ses = ses_client(srv)
    v2 = v2_client(srv)
    v1_domain, v2_domain = uniq_domain("mf1"), uniq_domain("mf2")
    ses.verify_domain_identity(Domain=v1_domain)
    v2.create_email_identity(EmailIdentity=v2_domain)

    # v1 sets, v2 sees; and the other way.
    ses.set_identity_mail_from_domain(Identity=v1_domain, MailFromDomain=f"m.{v1_domain}",
                                      BehaviorOnMXFailure="RejectMessage")
    assert v2_attrs(srv, v1_domain) == {"BehaviorOnMxFailure": "REJECT_MESSAGE",
                                        "MailFromDomain": f"m.{v1_domain}",
                                        "MailFromDomainStatus": "PENDING"}
    v2.put_email_identity_mail_from_attributes(EmailIdentity=v2_domain,
                                               MailFromDomain=f"m.{v2_domain}",
                                               BehaviorOnMxFailure="REJECT_MESSAGE")
    assert v1_attrs(srv, v2_domain) == {"BehaviorOnMXFailure": "RejectMessage",
                                        "MailFromDomain": f"m.{v2_domain}",
                                        "MailFromDomainStatus": "Pending"}
    both = ses.get_identity_mail_from_domain_attributes(Identities=[v1_domain, v2_domain])
    assert sorted(both["MailFromDomainAttributes"]) == sorted([v1_domain, v2_domain])

    # Back to the default behaviour; the domain kept; and it survives a restart.
    v2.put_email_identity_mail_from_attributes(EmailIdentity=v2_domain,
                                               MailFromDomain=f"m.{v2_domain}",
                                               BehaviorOnMxFailure="USE_DEFAULT_VALUE")
    assert v1_attrs(srv, v2_domain)["BehaviorOnMXFailure"] == "UseDefaultValue"
    srv.restart()  # on another port: new clients
    ses, v2 = ses_client(srv), v2_client(srv)
    assert v2_attrs(srv, v1_domain)["BehaviorOnMxFailure"] == "REJECT_MESSAGE"

    # Clearing (no MailFromDomain) deletes the claims, keeps the behaviour.
    ses.set_identity_mail_from_domain(Identity=v1_domain, BehaviorOnMXFailure="RejectMessage")
    assert v1_attrs(srv, v1_domain) == {"BehaviorOnMXFailure": "RejectMessage"}
    assert v2_attrs(srv, v1_domain) == {"BehaviorOnMxFailure": "REJECT_MESSAGE"}
    assert mail_from_claims(srv, v1_domain) == {}
    # Deleting the identity deletes its MAIL FROM claims.
    assert len(mail_from_claims(srv, v2_domain)) == 2
    v2.delete_email_identity(EmailIdentity=v2_domain)
    assert mail_from_claims(srv, v2_domain) == {}
