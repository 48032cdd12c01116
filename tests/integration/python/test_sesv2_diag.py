"""SES v2 diagnostics and test-mode controls, through boto3 `sesv2` and `ses`
against the real binary and a real knot:

- GetEmailIdentity's VerificationInfo from the last check's evidence:
  ErrorType HOST_NOT_FOUND (NXDOMAIN), TYPE_NOT_FOUND (the name exists
  without a TXT), INVALID_VALUE (another TXT value), DNS_SERVER_ERROR (knot
  answers SERVFAIL for a zone it cannot load), none on success; the
  timestamps; SOARecord as knot's zone says it;
- POST /_vouch/test/claims/{id}/status walking an identity PENDING ->
  SUCCESS -> TEMPORARY_FAILURE -> FAILED, as v2 and v1 see it; 400, 404;
- --auto-verify-suffix: identities under it reach SUCCESS at their first
  check with no DNS asked; one outside stays PENDING; refused without
  --test-mode.
"""

from __future__ import annotations

import datetime as dt
import subprocess

import pytest

from conftest import (
    VOUCH_BIN,
    random_access_key,
    random_secret,
    ses_client,
    uniq,
    uniq_domain,
)
from dns_server import (
    advance,
    claim_by_subject,
    claim_detail,
    run_due,
    shared_knot,
    shared_stub,
    start_vouch,
    vouch_request,
)
from test_sesv2 import raw_json, v2_client


@pytest.fixture
def knot():
    return shared_knot("a")


def info(srv, name: str) -> dict:
    """VerificationInfo as sent (the Debian botocore 1.29 predates it and
    drops it from the parsed response); timestamps are epoch seconds."""
    client = v2_client(srv)
    return raw_json(client, "GetEmailIdentity", client.get_email_identity,
                    EmailIdentity=name)["VerificationInfo"]


def v1_status(srv, name: str) -> str:
    attrs = ses_client(srv).get_identity_verification_attributes(Identities=[name])
    return attrs["VerificationAttributes"][name]["VerificationStatus"]


def at(now_rfc3339: str) -> int:
    """vouch's clock (RFC 3339) as the epoch seconds v2 sends."""
    return int(dt.datetime.fromisoformat(now_rfc3339.replace("Z", "+00:00")).timestamp())


def set_status(srv, claim_id: str, status, **kw):
    return vouch_request(srv, "POST", f"/_vouch/test/claims/{claim_id}/status",
                         {"status": status}, **kw)


def test_error_types_and_the_soa_from_knot(vouch_factory, knot):
    srv = start_vouch(vouch_factory, knot.address)
    ses = ses_client(srv)
    nx, nodata, wrong, good = (uniq_domain(p) for p in ("nx", "nodata", "wrong", "good"))
    tokens = {d: ses.verify_domain_identity(Domain=d)["VerificationToken"]
              for d in (nx, nodata, wrong, good)}
    assert info(srv, nx) == {}  # nothing checked yet

    knot.set(f"_amazonses.{nodata}", "A", "127.0.0.1")
    knot.set_txt(f"_amazonses.{wrong}", "not-the-token")
    knot.set_txt(f"_amazonses.{good}", tokens[good])
    now = at(advance(srv, 60))
    run_due(srv)
    soa = {"PrimaryNameServer": "ns.example.com", "AdminEmail": "hostmaster.example.com",
           "SerialNumber": knot.serial}

    for domain, error in ((nx, "HOST_NOT_FOUND"), (nodata, "TYPE_NOT_FOUND"),
                          (wrong, "INVALID_VALUE")):
        got = info(srv, domain)
        assert got == {"LastCheckedTimestamp": now, "ErrorType": error, "SOARecord": soa}, domain
    got = info(srv, good)
    assert got == {"LastCheckedTimestamp": now, "LastSuccessTimestamp": now, "SOARecord": soa}
    assert v2_client(srv).get_email_identity(EmailIdentity=good)["VerificationStatus"] == "SUCCESS"

    # The record fixed: the error goes at the next check, the success stays.
    knot.set_txt(f"_amazonses.{wrong}", tokens[wrong])
    later = at(advance(srv, 3600))
    run_due(srv)
    got = info(srv, wrong)
    assert "ErrorType" not in got
    assert got["LastSuccessTimestamp"] == later and got["LastCheckedTimestamp"] == later
    assert got["SOARecord"]["SerialNumber"] == knot.serial
    assert info(srv, good)["LastSuccessTimestamp"] == now  # re-checked only in 24 h


def test_servfail_is_a_dns_server_error(vouch_factory, knot):
    srv = start_vouch(vouch_factory, knot.address)
    domain = f"{uniq('sf')}.broken.test"  # knot cannot load broken.test: SERVFAIL
    v2_client(srv).create_email_identity(EmailIdentity=domain)
    now = at(advance(srv, 60))
    run_due(srv)
    got = info(srv, domain)
    assert got == {"LastCheckedTimestamp": now, "ErrorType": "DNS_SERVER_ERROR"}
    # The control, on the same server: a name knot serves is no server error.
    other = uniq_domain("ctl")
    v2_client(srv).create_email_identity(EmailIdentity=other)
    run_due(srv)
    assert info(srv, other)["ErrorType"] == "HOST_NOT_FOUND"


def test_the_status_route_walks_an_identity_seen_by_v1_and_v2(vouch_factory):
    srv = start_vouch(vouch_factory)
    v2 = v2_client(srv)
    domain = uniq_domain("walk")
    v2.create_email_identity(EmailIdentity=domain)
    claim_id = claim_by_subject(srv, domain, kind="ses_domain")["id"]
    assert v2.get_email_identity(EmailIdentity=domain)["VerificationStatus"] == "PENDING"

    walk = [("SUCCESS", "SUCCESS", "Success", True), ("TemporaryFailure", "TEMPORARY_FAILURE",
                                                      "TemporaryFailure", True),
            ("failed", "FAILED", "Failed", False)]
    for name, v2_name, v1_name, sending in walk:
        advance(srv, 60)
        status, doc = set_status(srv, claim_id, name)
        assert status == 200, doc
        assert doc["id"] == claim_id
        got = v2.get_email_identity(EmailIdentity=domain)
        assert got["VerificationStatus"] == v2_name, name
        assert got["VerifiedForSendingStatus"] is sending
        assert v1_status(srv, domain) == v1_name
    history = claim_detail(srv, claim_id)["history"]
    assert [(h["from"], h["to"]) for h in history] == [
        ("pending", "verified"), ("verified", "unconfirmed"), ("unconfirmed", "failed")]
    # What the set status implies shows as evidence.
    assert info(srv, domain)["ErrorType"] == "HOST_NOT_FOUND"
    assert claim_detail(srv, claim_id)["evidence"]["perspectives"][0]["resolver"] == "vouch-test"

    # Refusals leave the claim alone.
    assert set_status(srv, claim_id, "Verified!")[0] == 400
    assert set_status(srv, "id-00000000000000000000", "SUCCESS")[0] == 404
    key, secret = random_access_key(), random_secret()
    srv.account_add("210987654321", key, secret)
    assert set_status(srv, claim_id, "SUCCESS", key=key, secret=secret)[0] == 404
    assert set_status(srv, claim_id, "SUCCESS", sign=False)[0] == 403
    assert v1_status(srv, domain) == "Failed"


def test_the_status_route_is_absent_outside_test_mode(vouch_factory):
    srv = vouch_factory.start()
    domain = uniq_domain("prod")
    ses_client(srv).verify_domain_identity(Domain=domain)
    from dns_server import claims
    claim_id = [c for c in claims(srv) if c["subject"] == domain][0]["id"]
    status, doc = set_status(srv, claim_id, "SUCCESS")
    assert status == 404 and doc["message"] == "Unknown operation"
    # The same answer as the other test routes outside test mode.
    assert vouch_request(srv, "POST", "/_vouch/test/run-due-checks", {}, sign=False)[0] == 404
    assert v1_status(srv, domain) == "Pending"


def test_auto_verify_suffix_needs_no_dns(vouch_factory):
    stub = shared_stub("servfail")  # any question asked would show here
    srv = start_vouch(vouch_factory, stub.address, extra=["--auto-verify-suffix", ".test"])
    v2, ses = v2_client(srv), ses_client(srv)
    v2_domain, v1_domain = f"{uniq('app')}.test", f"{uniq('v1')}.test"
    address = f"{uniq('user')}@{uniq('mail')}.test"
    control, control_near = uniq_domain("ctl"), f"{uniq('x')}.atest"  # not under .test
    v2.create_email_identity(EmailIdentity=v2_domain)
    v2.create_email_identity(EmailIdentity=address)
    ses.verify_domain_identity(Domain=v1_domain)
    v2.create_email_identity(EmailIdentity=control)
    ses.verify_domain_identity(Domain=control_near)
    for name in (v2_domain, address, v1_domain, control, control_near):
        assert v2.get_email_identity(EmailIdentity=name)["VerificationStatus"] == "PENDING"

    now = at(advance(srv, 1))
    run_due(srv)
    for name in (v2_domain, address, v1_domain):
        got = v2.get_email_identity(EmailIdentity=name)
        assert got["VerificationStatus"] == "SUCCESS", name
        assert info(srv, name)["LastSuccessTimestamp"] == now
        assert v1_status(srv, name) == "Success"
    assert v2.get_email_identity(EmailIdentity=v2_domain)["DkimAttributes"]["Status"] == "SUCCESS"
    for name in (control, control_near):
        assert v2.get_email_identity(EmailIdentity=name)["VerificationStatus"] == "PENDING", name
    assert not [q for q in stub.queries if q.rstrip(".").endswith(".test")]
    assert stub.count(f"_amazonses.{control}") >= 1  # the control was asked
    detail = claim_detail(srv, claim_by_subject(srv, v1_domain)["id"])
    assert detail["evidence"]["perspectives"][0]["resolver"] == "auto-verify"


def test_auto_verify_suffix_is_refused_outside_test_mode(vouch_factory, tmp_path):
    res = subprocess.run([VOUCH_BIN, "serve", "--data", str(tmp_path), "--listen",
                          "127.0.0.1:0", "--auto-verify-suffix", ".test"],
                         capture_output=True, text=True, timeout=30)
    assert res.returncode != 0
    assert "--auto-verify-suffix needs --test-mode" in res.stderr
    ok = subprocess.run([VOUCH_BIN, "serve", "--data", str(tmp_path), "--listen", "127.0.0.1:0",
                         "--test-mode", "--auto-verify-suffix", "a..test"],
                        capture_output=True, text=True, timeout=30)
    assert ok.returncode != 0 and "needs a domain suffix" in ok.stderr
