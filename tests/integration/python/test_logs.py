"""Structured logs: --access-log writes one JSON line per request, and
--log-level debug --log-format json turns every log line into JSON (check
results at debug, status changes at info, delivery failures at warn). A full
run (SES v1 domain + DKIM, SES v2 with a BYODKIM key, an email verified
through its link, a Lattice verification, the admin CLI) leaves no secret in
the output: not the secret key, no request signature, no link token, not the
DKIM private key. Verification TXT values are public by nature (they are
published in DNS) and may appear."""

from __future__ import annotations

import json
import os
import re
import subprocess

import pytest

from conftest import ROOT_ACCOUNT_ID, ROOT_KEY, ROOT_SECRET, VOUCH_BIN, ses_client, uniq_domain, uniq_email
from dns_server import advance, run_due, shared_knot, start_vouch, vouch_request
from smtp_server import click, link_of, mail_args, token_of
from test_email_verification import smtp  # noqa: F401  (the fixture)
from test_sesv2 import v2_client
from test_sesv2_byodkim import byodkim, key_pair

JSON_LOGS = ["--access-log", "--log-level", "debug", "--log-format", "json"]


@pytest.fixture
def knot():
    return shared_knot("a")


def capture_signatures(client, into: list):
    """Every Authorization signature `client` sends, appended to `into`."""
    def grab(request, **_):
        auth = request.headers.get("Authorization")
        if auth:
            auth = auth.decode() if isinstance(auth, bytes) else auth
            into.append(auth.rsplit("Signature=", 1)[1])
    client.meta.events.register("before-send", grab)
    return client


def parse_lines(text: str) -> list[dict]:
    lines = [line for line in text.splitlines() if line.strip()]
    return [json.loads(line) for line in lines]  # every line parses


def test_a_full_run_logs_json_and_no_secret(vouch_factory, knot, smtp):
    srv = vouch_factory.start(extra_args=mail_args(smtp.url) + [
        "--dns-resolver", knot.address, *JSON_LOGS])
    signatures: list[str] = []
    ses = capture_signatures(ses_client(srv), signatures)
    v2 = capture_signatures(v2_client(srv), signatures)

    # SES v1: a domain and its DKIM records, published and verified.
    domain = uniq_domain("logs")
    token = ses.verify_domain_identity(Domain=domain)["VerificationToken"]
    dkim = ses.verify_domain_dkim(Domain=domain)["DkimTokens"]
    knot.set_txt(f"_amazonses.{domain}", token)
    for t in dkim:
        knot.set_cname(f"{t}._domainkey.{domain}", f"{t}.dkim.amazonses.com.")
    # SES v2 with a key of the caller's own (BYODKIM).
    private, public = key_pair()
    byo = uniq_domain("byo")
    v2.create_email_identity(EmailIdentity=byo, DkimSigningAttributes=byodkim("sel", private))
    # An email address, verified through the link in its mail.
    email = uniq_email("logs")
    ses.verify_email_identity(EmailAddress=email)
    link = link_of(smtp.wait_for(to=email))
    link_token = token_of(link)
    assert click(link)[0] == 200
    # Lattice.
    lattice_domain = uniq_domain("lat")
    status, doc = vouch_request(srv, "POST", "/domainverifications",
                                {"domainName": lattice_domain}, service="vpc-lattice")
    assert status in (200, 201), doc
    assert run_due(srv) >= 5
    advance(srv, 3600)
    run_due(srv)
    # The admin command line, signed like any client.
    env = dict(os.environ, AWS_ACCESS_KEY_ID=ROOT_KEY, AWS_SECRET_ACCESS_KEY=ROOT_SECRET,
               AWS_REGION="us-east-1", AWS_ENDPOINT_URL=srv.endpoint)
    p = subprocess.run([VOUCH_BIN, "claims", "check", domain, "--kind", "ses_domain"], env=env,
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    assert srv.stop() == 0

    err, out = srv.stderr_text(), srv.stdout_text()
    lines = parse_lines(err)
    requests = [line for line in lines if line.get("event") == "request"]
    ops = {line["operation"] for line in requests}
    assert {"VerifyDomainIdentity", "VerifyDomainDkim", "CreateEmailIdentity",
            "VerifyEmailIdentity", "vouch:ShowEmailLink", "vouch:ConfirmEmail",
            "StartDomainVerification", "vouch:RunDueChecks", "vouch:ListClaims",
            "vouch:CheckClaim"} <= ops, ops
    for r in requests:
        assert set(r) >= {"time", "request_id", "account", "api", "operation", "status",
                          "latency_ms"}, r
        assert r["request_id"] and r["latency_ms"] >= 0
    signed = [r for r in requests if r["api"] in ("ses", "sesv2", "lattice", "admin")]
    assert signed and all(r["account"] == ROOT_ACCOUNT_ID for r in signed), signed
    # Check results at debug, status changes at info.
    checks = [line for line in lines if line.get("event") == "check"]
    assert any(c["subject"] == domain and c["outcome"] == "found" for c in checks), checks
    changes = [line for line in lines if line.get("event") == "status_change"]
    assert any(c["subject"] == domain and c["to"] == "verified" and c["level"] == "info"
               for c in changes), changes
    assert any(c["subject"] == email and c["to"] == "verified" for c in changes), changes

    # No secret anywhere, stdout included; the grep itself finds what is there.
    text = err + out
    assert domain in text and email in text  # positive control: the grep finds what is logged
    assert signatures and len(signatures[0]) == 64
    secrets = {"secret access key": ROOT_SECRET, "link token": link_token,
               "DKIM private key": private, "a slice of the DKIM key": private[200:260]}
    secrets.update({f"signature {i}": s for i, s in enumerate(signatures)})
    for what, secret in secrets.items():
        assert secret and secret not in text, what
    for marker in ("Signature=", "Credential=", "Authorization", "token="):
        assert marker not in text, marker
    assert not re.search(r"[0-9a-f]{64}", text), "a SigV4-like signature in the log"


def test_text_stays_the_default_and_json_is_one_line_each(vouch_factory):
    warning = "WARNING: --insecure-any-credentials is on"
    text_srv = start_vouch(vouch_factory, extra=["--insecure-any-credentials"])
    assert f"vouch: {warning}" in text_srv.stderr_text()
    json_srv = start_vouch(vouch_factory, extra=["--insecure-any-credentials",
                                                 "--log-format", "json"])
    lines = parse_lines(json_srv.stderr_text())
    assert any(line["level"] == "warn" and warning in line["message"] for line in lines), lines
    # Above the level: not written.
    quiet = start_vouch(vouch_factory, extra=["--insecure-any-credentials", "--log-level", "error"])
    assert warning not in quiet.stderr_text()
    # No access log unless asked for.
    vouch_request(json_srv, "GET", "/_vouch/claims")
    assert not any(line.get("event") == "request" for line in parse_lines(json_srv.stderr_text()))
