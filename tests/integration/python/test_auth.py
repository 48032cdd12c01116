"""SigV4 authentication of the SES endpoint: good and bad requests."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import subprocess
import urllib.parse

import pytest
from botocore.auth import SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from conftest import (
    INVALID_TOKEN_MESSAGE,
    ROOT_KEY,
    ROOT_SECRET,
    SES_NS,
    SIGNATURE_MISMATCH_MESSAGE_PREFIX,
    VOUCH_BIN,
    assert_ok,
    expect_error,
    form_body,
    random_access_key,
    random_secret,
    raw_request,
    ses_client,
    uniq_domain,
    utcnow,
)
from vouch_client import vouch_request

LIST = {"Action": "ListIdentities", "Version": "2010-12-01"}


def assert_error_response(res, status: int, code: str):
    """Full awsQuery ErrorResponse structure, as on the wire."""
    assert res.status == status, (res.status, res.body)
    assert (res.header("content-type") or "").startswith("text/xml"), res.headers
    rid_header = res.header("x-amzn-RequestId")
    assert rid_header, res.headers
    root = res.xml()
    assert root.tag == f"{{{SES_NS}}}ErrorResponse", res.body
    children = [c.tag for c in root]
    assert children == [f"{{{SES_NS}}}Error", f"{{{SES_NS}}}RequestId"], res.body
    err = res.error()
    assert err["Type"] == "Sender", res.body
    assert err["Code"] == code, res.body
    assert err["Message"], res.body
    assert err["RequestId"] == rid_header, (err["RequestId"], rid_header)
    return err


# --------------------------------------------------------------------------


def test_signed_raw_request_succeeds_with_xml_envelope(server):
    res = raw_request(server, LIST)
    assert res.status == 200, res.body
    assert (res.header("content-type") or "").startswith("text/xml")
    root = res.xml()
    assert root.tag == f"{{{SES_NS}}}ListIdentitiesResponse"
    result = root.find(f"{{{SES_NS}}}ListIdentitiesResult")
    assert result is not None and result.find(f"{{{SES_NS}}}Identities") is not None
    rid = root.find(f"{{{SES_NS}}}ResponseMetadata/{{{SES_NS}}}RequestId")
    assert rid is not None and rid.text == res.header("x-amzn-RequestId")


def test_missing_authentication_token(server):
    res = raw_request(server, LIST, sign=False)
    assert_error_response(res, 403, "MissingAuthenticationToken")


def test_missing_authentication_token_changes_nothing(fresh_server):
    d = "unsigned.example.com"
    res = raw_request(fresh_server, {"Action": "VerifyDomainIdentity", "Domain": d}, sign=False)
    assert_error_response(res, 403, "MissingAuthenticationToken")
    assert ses_client(fresh_server).list_identities()["Identities"] == []


@pytest.mark.parametrize("auth", [
    "garbage",
    "AWS4-HMAC-SHA256 garbage",
    "AWS4-HMAC-SHA256 Credential=" + ROOT_KEY + "/20240101/us-east-1/ses/aws4_request",
    "AWS4-HMAC-SHA256 SignedHeaders=host;x-amz-date, Signature=" + "0" * 64,
], ids=["garbage", "aws4-garbage", "no-signedheaders-no-signature", "no-credential"])
def test_incomplete_signature(server, auth):
    res = raw_request(server, LIST, sign=False, headers={
        "Authorization": auth, "X-Amz-Date": utcnow().strftime("%Y%m%dT%H%M%SZ")})
    assert_error_response(res, 400, "IncompleteSignature")


def test_wrong_secret_boto3(server):
    client = ses_client(server, secret=random_secret())
    expect_error(client.list_identities, "SignatureDoesNotMatch", 403,
                 message_prefix=SIGNATURE_MISMATCH_MESSAGE_PREFIX)


def test_wrong_secret_raw_xml(server):
    res = raw_request(server, LIST, secret=random_secret())
    err = assert_error_response(res, 403, "SignatureDoesNotMatch")
    assert err["Message"].startswith(SIGNATURE_MISMATCH_MESSAGE_PREFIX)


def test_body_tampered_after_signing(fresh_server):
    res = raw_request(fresh_server, {"Action": "VerifyDomainIdentity", "Domain": "a.example.com"},
                      body_override=b"Action=VerifyDomainIdentity&Version=2010-12-01"
                                    b"&Domain=b.example.com")
    err = assert_error_response(res, 403, "SignatureDoesNotMatch")
    assert err["Message"].startswith(SIGNATURE_MISMATCH_MESSAGE_PREFIX)
    assert ses_client(fresh_server).list_identities()["Identities"] == []


def test_date_header_tampered_after_signing(server):
    # Signed over one X-Amz-Date; the header is then replaced by another one
    # (still inside the window), so the signature no longer matches.
    signed = raw_request(server, LIST, when=utcnow() - dt.timedelta(seconds=30))
    assert signed.status == 200, signed.body
    hdrs = dict(signed.request_headers)
    hdrs["X-Amz-Date"] = utcnow().strftime("%Y%m%dT%H%M%SZ")
    res = raw_request(server, LIST, sign=False, headers=hdrs)
    err = assert_error_response(res, 403, "SignatureDoesNotMatch")
    assert err["Message"].startswith(SIGNATURE_MISMATCH_MESSAGE_PREFIX)


def test_signature_scoped_to_wrong_service_rejected(server):
    # The exact error for a wrong service scope is not pinned down by the spec;
    # it must not be accepted as an SES request.
    res = raw_request(server, {"Action": "VerifyDomainIdentity",
                               "Domain": "wrong-service.example.com"}, service="vpc-lattice")
    assert 400 <= res.status < 500, (res.status, res.body)
    attrs = ses_client(server).get_identity_verification_attributes(
        Identities=["wrong-service.example.com"])["VerificationAttributes"]
    assert attrs == {}


def test_unknown_access_key_boto3(server):
    client = ses_client(server, key=random_access_key(), secret=random_secret())
    expect_error(client.list_identities, "InvalidClientTokenId", 403,
                 message=INVALID_TOKEN_MESSAGE)


def test_unknown_access_key_raw_xml(server):
    res = raw_request(server, LIST, key=random_access_key(), secret=random_secret())
    err = assert_error_response(res, 403, "InvalidClientTokenId")
    assert err["Message"] == INVALID_TOKEN_MESSAGE


def test_unknown_access_key_on_write_changes_nothing(fresh_server):
    d = uniq_domain("intruder")
    client = ses_client(fresh_server, key=random_access_key(), secret=random_secret())
    expect_error(client.verify_domain_identity, "InvalidClientTokenId", 403, Domain=d)
    assert ses_client(fresh_server).list_identities()["Identities"] == []


def test_signature_expired_20_minutes_ago(server):
    when = utcnow() - dt.timedelta(minutes=20)
    amz_date = when.strftime("%Y%m%dT%H%M%SZ")
    res = raw_request(server, LIST, when=when)
    err = assert_error_response(res, 403, "SignatureDoesNotMatch")
    msg = err["Message"]
    assert msg.startswith("Signature expired:"), msg
    # vouch's form: "Signature expired: <x-amz-date> is now earlier than <limit> (<now> - 15 min.)"
    assert msg.startswith(f"Signature expired: {amz_date} is now earlier than "), msg
    assert re.search(r"\(\d{8}T\d{6}Z - 15 min\.\)$", msg), msg


def test_signature_expired_boto3_view(server):
    """botocore parses the same error: code and status as a client sees them."""
    when = utcnow() - dt.timedelta(minutes=20)
    res = raw_request(server, {"Action": "GetIdentityVerificationAttributes",
                               "Identities.member.1": "example.com"}, when=when)
    err = assert_error_response(res, 403, "SignatureDoesNotMatch")
    assert err["Message"].startswith("Signature expired:")


def test_signature_10_minutes_old_is_within_window(server):
    res = raw_request(server, LIST, when=utcnow() - dt.timedelta(minutes=10))
    assert res.status == 200, res.body


def test_signature_not_yet_current_20_minutes_ahead(server):
    when = utcnow() + dt.timedelta(minutes=20)
    res = raw_request(server, LIST, when=when)
    err = assert_error_response(res, 403, "SignatureDoesNotMatch")
    assert err["Message"].startswith(
        f"Signature not yet current: {when.strftime('%Y%m%dT%H%M%SZ')} is still later than "), \
        err["Message"]


def test_valid_credentials_work_in_any_region(server):
    for region in ["us-east-1", "eu-west-1", "ap-southeast-2"]:
        assert_ok(ses_client(server, region=region).list_identities())


def test_health_needs_no_auth(server):
    res = raw_request(server, method="GET", path="/_vouch/health", sign=False)
    assert res.status == 200


def test_health_names_the_allocator(server):
    """The server is built with jemalloc (CMake option VOUCH_JEMALLOC, on by
    default): a build that silently fell back to glibc's malloc would be slower."""
    import json
    res = raw_request(server, method="GET", path="/_vouch/health", sign=False)
    assert json.loads(res.body)["allocator"].startswith("jemalloc ")


def test_content_sha256_header_must_match_body(fresh_server):
    """x-amz-content-sha256 is signed; a body that does not hash to it must be
    refused even though the signature over the header is valid."""
    import hashlib
    signed_body = b"Action=VerifyDomainIdentity&Version=2010-12-01&Domain=signed.example.com"
    sent_body = b"Action=VerifyDomainIdentity&Version=2010-12-01&Domain=smuggled.example.com"
    res = raw_request(fresh_server, signed_body,
                      headers={"X-Amz-Content-SHA256": hashlib.sha256(signed_body).hexdigest()},
                      body_override=sent_body)
    assert 400 <= res.status < 500, (res.status, res.body)
    assert res.error()["Type"] == "Sender"
    assert ses_client(fresh_server).list_identities()["Identities"] == []


def test_content_sha256_header_matching_body_accepted(server):
    import hashlib
    body = b"Action=ListIdentities&Version=2010-12-01&MaxItems=1"
    res = raw_request(server, body,
                      headers={"X-Amz-Content-SHA256": hashlib.sha256(body).hexdigest()})
    assert res.status == 200, res.body


def test_signed_header_whitespace_is_canonicalised(server):
    # SigV4 trims header values and collapses inner runs of spaces.
    res = raw_request(server, LIST, headers={"X-Amz-Meta-Vouch": "  a   b  c "})
    assert res.status == 200, res.body


def test_form_plus_decodes_to_space(server):
    res = raw_request(server, "Action=VerifyDomainIdentity&Version=2010-12-01&Domain=exa+mple.com")
    assert res.status == 400, res.body
    err = res.error()
    assert err["Code"] == "InvalidParameterValue"
    assert err["Message"] == "Invalid domain name exa mple.com."


# --------------------------------------------------------------------------
# GET with the parameters in the query string, header-signed or presigned


def _query_get(srv, query: str, *, presign: bool, secret: str = None, when=None,
               expires: int = 60):
    import http.client
    import urllib.parse
    from botocore.auth import SigV4Auth, SigV4QueryAuth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials
    from conftest import ROOT_SECRET

    class _At(SigV4QueryAuth):
        def add_auth(self, request):
            request.context["timestamp"] = (when or utcnow()).strftime("%Y%m%dT%H%M%SZ")
            self._modify_request_before_signing(request)
            cr = self.canonical_request(request)
            sts = self.string_to_sign(request, cr)
            self._inject_signature_to_request(request, self.signature(sts, request))

    creds = Credentials(ROOT_KEY, secret or ROOT_SECRET)
    req = AWSRequest(method="GET", url=f"{srv.endpoint}/?{query}", headers={})
    if presign:
        _At(creds, "ses", "us-east-1", expires=expires).add_auth(req)
    else:
        SigV4Auth(creds, "ses", "us-east-1").add_auth(req)
    u = urllib.parse.urlsplit(req.url)
    conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=20)
    try:
        headers = {} if presign else dict(req.headers.items())
        conn.request("GET", f"{u.path}?{u.query}", headers=headers)
        resp = conn.getresponse()
        from conftest import RawResponse
        return RawResponse(resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read())
    finally:
        conn.close()


def test_get_with_query_string_signed_in_headers(server):
    res = _query_get(server, "Action=ListIdentities&Version=2010-12-01&MaxItems=1", presign=False)
    assert res.status == 200, res.body
    assert res.xml().tag == f"{{{SES_NS}}}ListIdentitiesResponse"


def test_presigned_url_accepted(server):
    res = _query_get(server, "Action=ListIdentities&Version=2010-12-01", presign=True)
    assert res.status == 200, res.body
    assert res.xml().tag == f"{{{SES_NS}}}ListIdentitiesResponse"


def test_presigned_url_expired(server):
    # Signed 5 minutes ago, valid for 60 s: expired (same code as a skewed request).
    res = _query_get(server, "Action=ListIdentities&Version=2010-12-01", presign=True,
                     when=utcnow() - dt.timedelta(minutes=5), expires=60)
    assert_error_response(res, 403, "SignatureDoesNotMatch")


def test_presigned_url_wrong_secret(server):
    res = _query_get(server, "Action=ListIdentities&Version=2010-12-01", presign=True,
                     secret=random_secret())
    err = assert_error_response(res, 403, "SignatureDoesNotMatch")
    assert err["Message"].startswith(SIGNATURE_MISMATCH_MESSAGE_PREFIX)


# -- Regions: AWS's public partition plus the operator's (issue 12) ----------

FAKE = "zz-fake-9"


def region_message(region: str) -> str:
    return f"Credential should be scoped to a valid region, not '{region}'. "


def ses_status(srv, region: str):
    res = raw_request(srv, LIST, region=region)
    if res.status == 200:
        return 200, None
    err = assert_error_response(res, 403, "SignatureDoesNotMatch")
    return res.status, err["Message"]


def lattice_status(srv, region: str):
    """(status, x-amzn-ErrorType, message) of ListDomainVerifications."""
    status, doc, headers = vouch_request(srv, "GET", "/domainverifications",
                                         service="vpc-lattice", region=region, with_headers=True)
    code = headers.get("x-amzn-errortype", "").split(":")[0]
    return status, code, doc.get("message") if isinstance(doc, dict) and status != 200 else None


def test_unknown_region_is_refused_in_each_dialect(server):
    assert ses_status(server, FAKE) == (403, region_message(FAKE))
    assert lattice_status(server, FAKE) == (403, "InvalidSignatureException", region_message(FAKE))
    # A 15 KB region name of allowed characters is no region either.
    assert raw_request(server, LIST, region="a" * 15000).status == 403
    # Positive control: real regions, in both dialects.
    for region in ("us-east-1", "ap-southeast-7", "mx-central-1"):
        assert ses_status(server, region) == (200, None), region
        assert lattice_status(server, region)[0] == 200, region


def test_region_flag_adds_a_region(vouch_factory):
    srv = vouch_factory.start(extra_args=["--region", FAKE, "--region", "local-1"])
    for region in (FAKE, "local-1", "us-east-1"):
        assert ses_status(srv, region) == (200, None), region
        assert lattice_status(srv, region)[0] == 200, region
    assert ses_status(srv, "zz-fake-8") == (403, region_message("zz-fake-8"))


def test_regions_flag_replaces_the_list(vouch_factory):
    srv = vouch_factory.start(extra_args=["--regions", f"{FAKE},eu-west-1"])
    for region in (FAKE, "eu-west-1"):
        assert ses_status(srv, region) == (200, None), region
    assert ses_status(srv, "us-east-1") == (403, region_message("us-east-1"))
    assert lattice_status(srv, "us-east-1")[:2] == (403, "InvalidSignatureException")


def test_insecure_any_credentials_checks_the_region(vouch_factory):
    srv = vouch_factory.start(extra_args=["--insecure-any-credentials"])
    anyone = dict(key=random_access_key(), secret=random_secret())
    assert raw_request(srv, LIST, region="eu-west-1", **anyone).status == 200
    res = raw_request(srv, LIST, region=FAKE, **anyone)
    assert assert_error_response(res, 403, "SignatureDoesNotMatch")["Message"] == region_message(FAKE)


@pytest.mark.parametrize("flag", [["--region", "US-EAST-1"], ["--regions", "eu-west-1,"],
                                  ["--region", "a" * 65]])
def test_bad_region_names_are_refused_at_start(vouch_factory, flag):
    srv = vouch_factory.create()
    res = subprocess.run([VOUCH_BIN, "serve", "--listen", "127.0.0.1:0", "--data", str(srv.data_dir),
                          *flag], capture_output=True, text=True, timeout=30, env=srv.server_env())
    assert res.returncode != 0
    assert "is not a Region name" in res.stderr, res.stderr


# -- SignedHeaders, UNSIGNED-PAYLOAD, presigned URLs (issue 12) --------------

def forged(server, signed_headers: str, extra: dict | None = None):
    """A request with a valid key id, the given SignedHeaders and a fake signature."""
    signed = raw_request(server, LIST, headers=extra)
    hdrs = dict(signed.request_headers)
    authz = hdrs["Authorization"]
    hdrs["Authorization"] = (authz[:authz.index("SignedHeaders=")] +
                             f"SignedHeaders={signed_headers}, Signature={'0' * 64}")
    return raw_request(server, LIST, sign=False, headers=hdrs)


def test_signed_headers_must_be_sorted_unique_and_few(server):
    msg = "SignedHeaders must list lowercase header names in sorted order, each once. "
    big = {"a": "v" * 8000}
    for bad in ("a;" * 3500 + "host;x-amz-date", "x-amz-date;host", "host;host;x-amz-date"):
        res = forged(server, bad, big)
        assert assert_error_response(res, 400, "IncompleteSignature")["Message"] == msg
    many = ";".join(["host"] + [f"x-h{i:03}" for i in range(64)])
    res = forged(server, many)
    assert assert_error_response(res, 400, "IncompleteSignature")["Message"] == \
        "SignedHeaders may name at most 64 headers. "
    # Positive control: a sorted list with a fake signature reaches the signature check.
    res = forged(server, "a;content-type;host;x-amz-date", big)
    assert assert_error_response(res, 403, "SignatureDoesNotMatch")["Message"].startswith(
        SIGNATURE_MISMATCH_MESSAGE_PREFIX)


def test_unsigned_payload_is_refused(server):
    res = raw_request(server, LIST, headers={"X-Amz-Content-SHA256": "UNSIGNED-PAYLOAD"})
    err = assert_error_response(res, 403, "SignatureDoesNotMatch")
    assert err["Message"] == \
        "The provided 'x-amz-content-sha256' header does not match what was computed."
    # Positive control: the body's own hash in the same header is fine.
    res = raw_request(server, LIST, headers={
        "X-Amz-Content-SHA256": hashlib.sha256(form_body(LIST | {"Version": "2010-12-01"})).hexdigest()})
    assert res.status == 200, res.body


def presigned_list(server, expires: int | None):
    url = f"{server.endpoint}/?Action=ListIdentities&Version=2010-12-01"
    req = AWSRequest(method="GET", url=url, headers={})
    SigV4QueryAuth(Credentials(ROOT_KEY, ROOT_SECRET), "ses", "us-east-1",
                   expires=expires or 60).add_auth(req)
    target = req.url[len(server.endpoint):]
    if expires is None:
        # Re-sign without X-Amz-Expires, as a client that leaves it out would.
        query = [kv for kv in urllib.parse.urlsplit(target).query.split("&")
                 if not kv.startswith(("X-Amz-Expires=", "X-Amz-Signature="))]
        req = AWSRequest(method="GET", url=f"{server.endpoint}/?" + "&".join(query), headers={})
        auth = SigV4QueryAuth(Credentials(ROOT_KEY, ROOT_SECRET), "ses", "us-east-1")
        req.context["timestamp"] = dict(kv.split("=", 1) for kv in query)["X-Amz-Date"]
        sig = auth.signature(auth.string_to_sign(req, auth.canonical_request(req)), req)
        target = "/?" + "&".join(query) + "&X-Amz-Signature=" + sig
    return raw_request(server, method="GET", path=target, sign=False)


def test_presigned_url_needs_x_amz_expires(server):
    assert presigned_list(server, 60).status == 200
    res = presigned_list(server, None)
    err = assert_error_response(res, 400, "IncompleteSignature")
    assert err["Message"] == ("AWS query-string parameters must include 'X-Amz-Expires'. "
                              "Re-examine the query-string parameters.")
