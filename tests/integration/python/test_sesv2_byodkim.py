"""Bring-your-own DKIM (BYODKIM) through boto3 `sesv2` and `ses`, the AWS CLI
and a real authoritative server (knot): CreateEmailIdentity with a selector
and a private key (RSA 1024/2048, PKCS#1 or PKCS#8) answers with the selector
as the one token and origin EXTERNAL; the domain goes PENDING -> SUCCESS when
TXT <selector>._domainkey.<domain> holds the key's public half (tags in any
order, the record split across strings); a record with another key stays
PENDING with evidence saying the value was wrong; bad keys and selectors are
refused with BadRequestException and create nothing; PutEmailIdentityDkim-
SigningAttributes switches EXTERNAL <-> AWS_SES (this boto3 sends it under
/v1/email/..., as botocore before 1.31 does). The private key shows up in no
response, no admin view and no log line.
"""

from __future__ import annotations

import base64

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from conftest import ROOT_ACCOUNT_ID, run_cli, ses_client, uniq_domain, uniq_email
from dns_server import advance, claim_by_subject, claim_detail, claims, run_due, shared_knot, start_vouch
from test_sesv2 import body, expect, raw_json, v2_client

H = 3600


@pytest.fixture
def knot():
    return shared_knot("a")


@pytest.fixture
def v2(fresh_server):
    return v2_client(fresh_server)


def key_pair(bits: int = 1024, pkcs8: bool = False, key=None) -> tuple[str, str]:
    """(private key as the API takes it: base64 DER, public key as DNS holds it)."""
    key = key or rsa.generate_private_key(public_exponent=65537, key_size=bits)
    fmt = serialization.PrivateFormat.PKCS8 if pkcs8 else serialization.PrivateFormat.TraditionalOpenSSL
    der = key.private_bytes(serialization.Encoding.DER, fmt, serialization.NoEncryption())
    pub = key.public_key().public_bytes(serialization.Encoding.DER,
                                        serialization.PublicFormat.SubjectPublicKeyInfo)
    return base64.b64encode(der).decode(), base64.b64encode(pub).decode()


def byodkim(selector: str, private: str) -> dict:
    return {"DomainSigningSelector": selector, "DomainSigningPrivateKey": private}


def txt_claim(srv, domain: str) -> dict:
    return claim_detail(srv, claim_by_subject(srv, domain, kind="ses_dkim_txt")["id"])


def test_pending_to_success_through_the_key_record(vouch_factory, knot):
    srv = start_vouch(vouch_factory, knot.address)
    v2, ses = v2_client(srv), ses_client(srv)
    domain = uniq_domain("byo")
    private, public = key_pair(2048)
    created = body(v2.create_email_identity(EmailIdentity=domain,
                                            DkimSigningAttributes=byodkim("sel1", private)))
    assert created == {"IdentityType": "DOMAIN", "VerifiedForSendingStatus": False,
                       "DkimAttributes": {"SigningEnabled": True, "Status": "PENDING",
                                          "Tokens": ["sel1"], "SigningAttributesOrigin": "EXTERNAL"}}
    run_due(srv)
    got = body(v2.get_email_identity(EmailIdentity=domain))
    assert got["VerificationStatus"] == "PENDING"
    assert got["DkimAttributes"] == created["DkimAttributes"]

    # The admin API spells out the record, in strings a zone file can hold.
    d = txt_claim(srv, domain)
    name = f"sel1._domainkey.{domain}"
    value = f"v=DKIM1; k=rsa; p={public}"
    assert d["record"] == {
        "name": name + ".", "type": "TXT", "value": value,
        "zone_file_line": f'{name}. 300 IN TXT "{value[:255]}" "{value[255:]}"'}
    assert d["evidence"]["outcome"] == "absent"
    assert d["diagnosis"] == [f"No DKIM key record with the expected public key at {name}. yet."]

    # Published as consoles do: tags reordered, the key split across two strings.
    knot.set_txt(name, [f"k=rsa; p={public[:150]}", f"{public[150:]}; v=DKIM1"])
    advance(srv, H)
    run_due(srv)
    got = body(v2.get_email_identity(EmailIdentity=domain))
    assert got["VerificationStatus"] == "SUCCESS"
    assert got["VerifiedForSendingStatus"] is True
    assert got["DkimAttributes"]["Status"] == "SUCCESS"
    raw = raw_json(v2, "GetEmailIdentity", v2.get_email_identity, EmailIdentity=domain)
    assert isinstance(raw["VerificationInfo"]["LastSuccessTimestamp"], (int, float))
    listed = {i["IdentityName"]: i for i in v2.list_email_identities()["EmailIdentities"]}
    assert listed[domain]["VerificationStatus"] == "SUCCESS"
    # v1 sees the same identity verified, with the selector as its token.
    assert ses.get_identity_verification_attributes(Identities=[domain])[
        "VerificationAttributes"][domain]["VerificationStatus"] == "Success"
    assert ses.get_identity_dkim_attributes(Identities=[domain])["DkimAttributes"][domain] == {
        "DkimEnabled": True, "DkimVerificationStatus": "Success", "DkimTokens": ["sel1"]}
    d = txt_claim(srv, domain)
    assert d["status"] == "verified"
    assert [(h["from"], h["to"]) for h in d["history"]] == [("pending", "verified")]
    # The record gone at a re-check: TemporaryFailure, as for Easy DKIM.
    knot.clear(name)
    advance(srv, 25 * H)
    run_due(srv)
    assert v2.get_email_identity(EmailIdentity=domain)["DkimAttributes"]["Status"] == \
        "TEMPORARY_FAILURE"


def test_a_wrong_key_stays_pending_and_the_evidence_says_so(vouch_factory, knot):
    srv = start_vouch(vouch_factory, knot.address)
    v2 = v2_client(srv)
    domain = uniq_domain("byo")
    private, public = key_pair(1024, pkcs8=True)
    _, other = key_pair(1024)
    v2.create_email_identity(EmailIdentity=domain, DkimSigningAttributes=byodkim("s2", private))
    name = f"s2._domainkey.{domain}"
    knot.set_txt(name, f"v=DKIM1; k=rsa; p={other}")
    run_due(srv)
    got = v2.get_email_identity(EmailIdentity=domain)
    assert got["VerificationStatus"] == "PENDING"
    assert got["DkimAttributes"]["Status"] == "PENDING"
    d = txt_claim(srv, domain)
    p = d["evidence"]["perspectives"][0]
    assert p["result"] == "wrong"
    assert p["seen"] == [f"v=DKIM1; k=rsa; p={other}"[:100]]
    assert d["diagnosis"] == [
        f"The DKIM record at {name}. holds another public key than the one of the private key "
        f'you gave. Publish "v=DKIM1; k=rsa; p={public}".']
    # The control: the right key verifies it.
    knot.set_txt(name, f"v=DKIM1; k=rsa; p={public}")
    advance(srv, H)
    run_due(srv)
    assert v2.get_email_identity(EmailIdentity=domain)["VerificationStatus"] == "SUCCESS"


def test_bad_keys_and_selectors_are_refused_and_create_nothing(fresh_server, v2):
    domain = uniq_domain("bad")
    good, _ = key_pair(1024)
    short, _ = key_pair(512)
    ec_key, _ = key_pair(key=ec.generate_private_key(ec.SECP256R1()), pkcs8=True)
    for private, message in [
        (short, "Invalid DomainSigningPrivateKey: the key has 512 bits; it must have 1024 or 2048."),
        (ec_key, "Invalid DomainSigningPrivateKey: it is not an RSA key."),
        ("bm90IGEga2V5", "Invalid DomainSigningPrivateKey: it is not a DER-encoded private key "
                         "(PKCS#1 or PKCS#8)."),
        ("not base64!", "Invalid DomainSigningPrivateKey: it is not base64."),
    ]:
        err = expect(v2.create_email_identity, "BadRequestException", 400, message,
                     EmailIdentity=domain, DkimSigningAttributes=byodkim("sel", private))
        assert good[:40] not in str(err.response)
    expect(v2.create_email_identity, "BadRequestException", 400,
           "1 validation error detected: Value 'bad_sel' at 'DomainSigningSelector' failed to "
           "satisfy constraint: Member must satisfy regular expression pattern: "
           "^(([a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9\\-]*[a-zA-Z0-9]))$",
           EmailIdentity=domain, DkimSigningAttributes=byodkim("bad_sel", good))
    expect(v2.create_email_identity, "BadRequestException", 400,
           EmailIdentity=domain, DkimSigningAttributes=byodkim("a" * 64, good))
    expect(v2.create_email_identity, "BadRequestException", 400,
           "DomainSigningSelector and DomainSigningPrivateKey must be specified together.",
           EmailIdentity=domain, DkimSigningAttributes={"DomainSigningSelector": "sel"})
    expect(v2.create_email_identity, "BadRequestException", 400,
           "DkimSigningAttributes can only be specified for a domain identity.",
           EmailIdentity=uniq_email(), DkimSigningAttributes=byodkim("sel", good))
    expect(v2.get_email_identity, "NotFoundException", 404, EmailIdentity=domain)
    assert not [c for c in claims(fresh_server) if c["subject"] == domain]
    # The control: a good key (and the NextSigningKeyLength some callers add) is taken.
    attrs = dict(byodkim("sel", good), NextSigningKeyLength="RSA_2048_BIT")
    assert v2.create_email_identity(EmailIdentity=domain, DkimSigningAttributes=attrs)[
        "DkimAttributes"]["Tokens"] == ["sel"]


def test_external_and_aws_ses_transitions(fresh_server, v2):
    domain = uniq_domain("sw")
    easy = v2.create_email_identity(EmailIdentity=domain)["DkimAttributes"]["Tokens"]
    assert len(easy) == 3
    private, public = key_pair(1024)
    raw = raw_json(v2, "PutEmailIdentityDkimSigningAttributes",
                   v2.put_email_identity_dkim_signing_attributes, EmailIdentity=domain,
                   SigningAttributesOrigin="EXTERNAL", SigningAttributes=byodkim("mine", private))
    assert raw == {"DkimStatus": "PENDING", "DkimTokens": ["mine"]}
    dkim = v2.get_email_identity(EmailIdentity=domain)["DkimAttributes"]
    assert dkim["SigningAttributesOrigin"] == "EXTERNAL" and dkim["Tokens"] == ["mine"]
    kinds = sorted(c["kind"] for c in claims(fresh_server) if c["subject"] == domain)
    assert kinds == ["ses_dkim_txt", "ses_domain"]  # the CNAME claims went
    assert txt_claim(fresh_server, domain)["record"]["value"] == f"v=DKIM1; k=rsa; p={public}"

    back = raw_json(v2, "PutEmailIdentityDkimSigningAttributes",
                    v2.put_email_identity_dkim_signing_attributes, EmailIdentity=domain,
                    SigningAttributesOrigin="AWS_SES",
                    SigningAttributes={"NextSigningKeyLength": "RSA_1024_BIT"})
    assert back["DkimStatus"] == "PENDING" and back["SigningHostedZone"] == "dkim.amazonses.com"
    assert len(back["DkimTokens"]) == 3 and set(back["DkimTokens"]).isdisjoint(easy)
    dkim = v2.get_email_identity(EmailIdentity=domain)["DkimAttributes"]
    assert dkim["SigningAttributesOrigin"] == "AWS_SES"
    assert dkim["Tokens"] == back["DkimTokens"] and dkim["NextSigningKeyLength"] == "RSA_1024_BIT"
    kinds = sorted(c["kind"] for c in claims(fresh_server) if c["subject"] == domain)
    assert kinds == ["ses_dkim"] * 3 + ["ses_domain"]

    # Through the AWS CLI, back to BYODKIM.
    res = run_cli(fresh_server, "sesv2", "put-email-identity-dkim-signing-attributes",
                  "--email-identity", domain, "--signing-attributes-origin", "EXTERNAL",
                  "--signing-attributes",
                  f"DomainSigningSelector=cli,DomainSigningPrivateKey={private}")
    assert res.rc == 0, res.stderr
    assert res.json == {"DkimStatus": "PENDING", "DkimTokens": ["cli"]}


def test_put_errors(fresh_server, v2):
    domain, email, missing = uniq_domain("pe"), uniq_email(), uniq_domain("missing")
    v2.create_email_identity(EmailIdentity=domain)
    v2.create_email_identity(EmailIdentity=email)
    private, _ = key_pair(1024)
    expect(v2.put_email_identity_dkim_signing_attributes, "BadRequestException", 400,
           "The EmailIdentity value must be a valid domain.", EmailIdentity=email,
           SigningAttributesOrigin="EXTERNAL", SigningAttributes=byodkim("s", private))
    expect(v2.put_email_identity_dkim_signing_attributes, "NotFoundException", 404,
           f"Email identity {missing} does not exist.", EmailIdentity=missing,
           SigningAttributesOrigin="EXTERNAL", SigningAttributes=byodkim("s", private))
    expect(v2.put_email_identity_dkim_signing_attributes, "BadRequestException", 400,
           EmailIdentity=domain, SigningAttributesOrigin="EXTERNAL")
    expect(v2.put_email_identity_dkim_signing_attributes, "BadRequestException", 400,
           EmailIdentity=domain, SigningAttributesOrigin="AWS_SES_EU_WEST_1")
    expect(v2.put_email_identity_dkim_signing_attributes, "BadRequestException", 400,
           EmailIdentity=domain, SigningAttributesOrigin="AWS_SES",
           SigningAttributes=byodkim("s", private))
    # Nothing changed; the control: a call with what it needs works.
    assert v2.get_email_identity(EmailIdentity=domain)["DkimAttributes"][
        "SigningAttributesOrigin"] == "AWS_SES"
    assert v2.put_email_identity_dkim_signing_attributes(
        EmailIdentity=domain, SigningAttributesOrigin="EXTERNAL",
        SigningAttributes=byodkim("s", private))["DkimTokens"] == ["s"]


def test_the_private_key_is_never_shown_or_logged(fresh_server, v2):
    domain = uniq_domain("secret")
    private, _ = key_pair(1024)
    piece = private[len(private) // 2:][:40]
    seen = [str(v2.create_email_identity(EmailIdentity=domain,
                                         DkimSigningAttributes=byodkim("sel", private))),
            str(v2.get_email_identity(EmailIdentity=domain)),
            str(v2.put_email_identity_dkim_signing_attributes(
                EmailIdentity=domain, SigningAttributesOrigin="EXTERNAL",
                SigningAttributes=byodkim("sel2", private))),
            str(v2.list_tags_for_resource(
                ResourceArn=f"arn:aws:ses:us-east-1:{ROOT_ACCOUNT_ID}:identity/{domain}")),
            str(txt_claim(fresh_server, domain)),
            str(claims(fresh_server)),
            fresh_server.stdout_text(), fresh_server.stderr_text()]
    assert piece and not any(piece in s for s in seen)
    assert "sel2" in seen[2]  # the control: the responses were read
