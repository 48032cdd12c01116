#!/usr/bin/env python3
"""Writes the seed corpora under fuzz/corpus/ from real traffic: requests
as botocore (the SDK boto3 and the AWS CLI run on) serializes and signs them
for SES v1, SES v2 and VPC Lattice; DNS replies a real knot server sends
(tests/integration/python/dns_server.py); then hand-made edge cases. Re-run
it when an API grows an operation: `python3 fuzz/seeds.py` (needs knot)."""

from __future__ import annotations

import hashlib
import struct
import sys
from pathlib import Path

import botocore.session
from botocore.auth import SigV4QueryAuth
from botocore.awsrequest import AWSRequest

ROOT = Path(__file__).resolve().parent
CORPUS = ROOT / "corpus"
sys.path.insert(0, str(ROOT.parent / "tests" / "integration" / "python"))
ENDPOINT = "http://127.0.0.1:4566"
# A 1024-bit RSA key in PKCS#1 DER, base64 (made for these seeds only).
BYODKIM_KEY = ("MIICXgIBAAKBgQDyTl7XkUaXaxAT4CpSuU6FFOnPDFb3cTzf4otpVwysP2dipSwNxjt6CIA/4kECVwhs"
               "sQU9gYl9wXOQVrqyGt9c3l6nwhEBMkWv0FkNBlzgUhyZb956kCmZYRJKrR6IrISKbdwe4Iw/CGHKOGYq"
               "0AEmt6uYZ2XQKIO+5MYtvSyCTwIDAQABAoGBAJZio6SBKuHhdfoP/9SV5DDeuPpjOzqaEmEV9tarS1dA"
               "hscHop7t8I4d5pM/tn9gSv9CovD4i7/8J+Bmo7rUyNlijWh9R7AVuE3gxzCVDLW1ICMHd44DlY0DqQiz"
               "v5G7NW5rKtldsdFlvbexrkA8Kx8yk1LmFbexeEfgerRyZY7xAkEA/LthZeuOkkSpYc89LrQ9jPfUM1+5"
               "XjeA4zjuTTH5nHrpQHaRIlkcl+Qgu7Bnt51nfTUU09N2yOc1niWyIQQhuQJBAPVwejXNqnrXz0KIHdie"
               "rjnQCUF9HYFZ1R1/QbJaJk3KkXIEJ2VstaXPp6P7zmVy1lJ7qmTcj4SOYrcf8Fv0aEcCQQCy3TKrXTDD"
               "2BBAhtj4Ktu83tCxozeftIxlQ69ztsC/vEVEOCWzN3oDDZMVAl4FF0Nc26pn2CsjOG88A9WzhCcRAkEA"
               "6zJXyktFvOYllOn/P9//sSLsW7dbmOLO2K9j81d0MUOW0R2t6wGbqEMvsHLSvGCphO1AwdqiJTKU4ktW"
               "96dkbQJAEBVGFm5xRrQtGJapXDCB/ke3mKxuMWhJ7EDxeMTTABz+emQ3l5oqOqbPL9Vrya+5WsgIRRUx"
               "4ZxMB8L2XunhXg==")


def put(target: str, data: bytes | str) -> None:
    if isinstance(data, str):
        data = data.encode()
    d = CORPUS / target
    d.mkdir(parents=True, exist_ok=True)
    (d / hashlib.sha1(data).hexdigest()[:16]).write_bytes(data)


def raw_request(method: str, url: str, headers, body: bytes) -> bytes:
    target = url[len(ENDPOINT):] or "/"
    headers = {"Host": "127.0.0.1:4566", **headers}  # urllib3 adds it after signing
    lines = [f"{method} {target}"] + [f"{k}: {v if isinstance(v, str) else v.decode()}"
                                      for k, v in headers.items()]
    if isinstance(body, str):
        body = body.encode()
    return ("\n".join(lines) + "\n\n").encode() + (body or b"")


def sdk_requests(service: str, calls):
    """(method, url, headers, body) of each call as botocore sends it, signed."""
    session = botocore.session.get_session()
    session.set_credentials("AKIDEXAMPLE", "secret")
    client = session.create_client(service, region_name="us-east-1", endpoint_url=ENDPOINT)
    seen = []

    def capture(request, **_):
        body = request.body or b""
        seen.append((request.method, request.url, dict(request.headers),
                     body.encode() if isinstance(body, str) else body))
        from botocore.awsrequest import AWSResponse
        return AWSResponse(request.url, 599, {}, None)  # never sent

    client.meta.events.register("before-send", capture)
    for op, params in calls:
        try:
            getattr(client, op)(**params)
        except Exception:  # the fake 599 answer
            pass
    return seen


TEMPLATE = {
    "TemplateName": "t1", "FromEmailAddress": "from@example.com", "TemplateSubject": "Hi",
    "TemplateContent": "<p>Hi</p>", "SuccessRedirectionURL": "https://example.com/ok",
    "FailureRedirectionURL": "https://example.com/no"}
SES_CALLS = [
    ("verify_domain_identity", {"Domain": "example.com"}),
    ("verify_email_identity", {"EmailAddress": "someone@example.com"}),
    ("verify_domain_dkim", {"Domain": "example.com"}),
    ("list_identities", {"IdentityType": "Domain", "MaxItems": 10, "NextToken": "abc"}),
    ("get_identity_verification_attributes", {"Identities": ["example.com", "a@example.com"]}),
    ("get_identity_dkim_attributes", {"Identities": ["example.com"]}),
    ("get_identity_mail_from_domain_attributes", {"Identities": ["example.com"]}),
    ("set_identity_mail_from_domain", {"Identity": "example.com", "MailFromDomain": "mail.example.com",
                                       "BehaviorOnMXFailure": "RejectMessage"}),
    ("delete_identity", {"Identity": "example.com"}),
    ("create_custom_verification_email_template", TEMPLATE),
    ("list_custom_verification_email_templates", {"MaxResults": 5}),
    ("send_custom_verification_email", {"EmailAddress": "a@example.com", "TemplateName": "t1"}),
]
SESV2_CALLS = [
    ("create_email_identity", {"EmailIdentity": "example.com", "Tags": [{"Key": "k", "Value": "v"}]}),
    ("create_email_identity", {"EmailIdentity": "a@example.com"}),
    ("create_email_identity", {"EmailIdentity": "example.org", "DkimSigningAttributes": {
        "DomainSigningSelector": "sel", "DomainSigningPrivateKey": BYODKIM_KEY}}),
    ("get_email_identity", {"EmailIdentity": "example.com"}),
    ("list_email_identities", {"PageSize": 10, "NextToken": "abc"}),
    ("delete_email_identity", {"EmailIdentity": "example.com"}),
    ("put_email_identity_dkim_attributes", {"EmailIdentity": "example.com", "SigningEnabled": True}),
    ("put_email_identity_dkim_signing_attributes", {"EmailIdentity": "example.com",
                                                    "SigningAttributesOrigin": "AWS_SES",
                                                    "SigningAttributes": {"NextSigningKeyLength": "RSA_2048_BIT"}}),
    ("put_email_identity_mail_from_attributes", {"EmailIdentity": "example.com",
                                                 "MailFromDomain": "mail.example.com",
                                                 "BehaviorOnMxFailure": "USE_DEFAULT_VALUE"}),
    ("tag_resource", {"ResourceArn": "arn:aws:ses:us-east-1:000000000000:identity/example.com",
                      "Tags": [{"Key": "a", "Value": "b"}]}),
    ("untag_resource", {"ResourceArn": "arn:aws:ses:us-east-1:000000000000:identity/example.com",
                        "TagKeys": ["a"]}),
    ("list_tags_for_resource", {"ResourceArn": "arn:aws:ses:us-east-1:000000000000:identity/example.com"}),
    ("create_custom_verification_email_template", TEMPLATE),
    ("get_custom_verification_email_template", {"TemplateName": "t1"}),
    ("update_custom_verification_email_template", {**TEMPLATE, "TemplateSubject": "Hi2"}),
    ("list_custom_verification_email_templates", {"PageSize": 5}),
    ("send_custom_verification_email", {"EmailAddress": "a@example.com", "TemplateName": "t1"}),
    ("delete_custom_verification_email_template", {"TemplateName": "t1"}),
]
ARN = "arn:aws:vpc-lattice:us-east-1:000000000000:domainverification/dv-0123456789abcdef0"
LATTICE_CALLS = [
    ("start_domain_verification", {"domainName": "example.com", "clientToken": "tok-1",
                                   "tags": {"k": "v"}}),
    ("get_domain_verification", {"domainVerificationIdentifier": "dv-0123456789abcdef0"}),
    ("list_domain_verifications", {"maxResults": 5, "nextToken": "abc"}),
    ("delete_domain_verification", {"domainVerificationIdentifier": ARN}),
    ("tag_resource", {"resourceArn": ARN, "tags": {"a": "b"}}),
    ("untag_resource", {"resourceArn": ARN, "tagKeys": ["a"]}),
    ("list_tags_for_resource", {"resourceArn": ARN}),
]
ADMIN = [
    "GET /_vouch/claims?kind=domain&status=pending&limit=5\n\n",
    "GET /_vouch/claims/id-0123456789abcdef0123\n\n",
    "POST /_vouch/claims/id-0123456789abcdef0123/check\n\n",
    'POST /_vouch/test/clock\nContent-Type: application/json\n\n{"advance_seconds": 3600}',
    "POST /_vouch/test/run-due-checks\n\n",
    'POST /_vouch/test/claims/id-0123456789abcdef0123/status\nContent-Type: application/json\n\n{"status": "verified"}',
    "GET /_vouch/events?limit=10&next_token=abc\n\n",
    "GET /_vouch/verify-email?token=abc.def\n\n",
    "POST /_vouch/verify-email\nContent-Type: application/x-www-form-urlencoded\nOrigin: http://127.0.0.1:4566\n\ntoken=abc.def",
    "GET /_aws/ses?limit=2&after=1\n\n",
    "DELETE /_aws/ses\n\n",
    "GET /health\n\n",
]


def api_seeds() -> None:
    for m, url, h, body in sdk_requests("ses", SES_CALLS):
        put("request_labels", f"{m} /\n".encode() + body)
        put("ses_query", body)
        put("form", body)
        put("sigv4", b"\x00" + raw_request(m, url, h, body))
    for name, calls in (("sesv2_json", SESV2_CALLS), ("lattice_json", LATTICE_CALLS)):
        svc = "sesv2" if name == "sesv2_json" else "vpc-lattice"
        for m, url, h, body in sdk_requests(svc, calls):
            put(name, raw_request(m, url, h, body))
            put("request_labels", f"{m} {url[len(ENDPOINT):]}\n".encode() + body)
            put("url", url[len(ENDPOINT):])
            put("sigv4", b"\x04" + raw_request(m, url, h, body))
    for r in ADMIN:
        put("admin", r)
        put("url", r.split(" ", 1)[1].split("\n", 1)[0])
    # Presigned: the query form of SigV4.
    req = AWSRequest("GET", ENDPOINT + "/v2/email/identities?PageSize=3", headers={"Host": "127.0.0.1:4566"})
    from botocore.credentials import Credentials
    SigV4QueryAuth(Credentials("AKIDEXAMPLE", "secret"), "ses", "us-east-1", expires=300).add_auth(req)
    put("sigv4", b"\x00" + raw_request("GET", req.url, {"Host": "127.0.0.1:4566"}, b""))
    put("url", req.url[len(ENDPOINT):])


def dns_seeds() -> None:
    import dns_server as d
    knot = d.KnotServer(zones=("example.com",)).start()
    try:
        knot.set_txt("example.com", "v=spf1 -all")
        knot.set_txt("_amazonses.example.com", "tok1", "tok2")
        knot.set("long.example.com", "TXT", '"' + "a" * 255 + '" "' + "b" * 100 + '"')
        knot.set_txt("sel._domainkey.example.com", "v=DKIM1; k=rsa; p=MIGfMA0GCSqGSIb3DQEB")
        knot.set_cname("abc._domainkey.example.com", "abc.dkim.amazonses.com")
        knot.set("mail.example.com", "MX", "10 feedback-smtp.us-east-1.amazonses.com.")
        asks = [("example.com", d.TYPE_TXT), ("_amazonses.example.com", d.TYPE_TXT),
                ("long.example.com", d.TYPE_TXT), ("sel._domainkey.example.com", d.TYPE_TXT),
                ("abc._domainkey.example.com", d.TYPE_CNAME), ("mail.example.com", 15),
                ("missing.example.com", d.TYPE_TXT), ("example.com", d.TYPE_SOA),
                ("example.com", d.TYPE_CNAME)]
        for name, qtype in asks:
            raw = d.query(knot.port, name, qtype).raw
            put("dns_cname", raw)
            put("dns_soa", raw)
            put("dns_name", raw)
            kind = {d.TYPE_TXT: 0, d.TYPE_CNAME: 1, 15: 2}.get(qtype, 0)
            put("dns_answer", bytes([kind]) + raw)
            put("dns_answer", bytes([kind | 4]) + raw)  # ENODATA: the SOA path
            put("dns_name", raw[: len(raw) // 2])  # cut short, as a truncated datagram
            kinds = {d.TYPE_TXT: 0, d.TYPE_CNAME: 3, 15: 5}
            exp = b"tok1" if qtype != d.TYPE_CNAME else b"abc.dkim.amazonses.com"
            put("evidence", bytes([kinds.get(qtype, 0), len(exp)]) + exp + raw)
    finally:
        knot.close()
    # Hand-made: a compression loop, a pointer past the end, an empty message.
    head = struct.pack("!HHHHHH", 1, 0x8180, 1, 1, 0, 0)
    q = d.encode_name("example.com") + struct.pack("!HH", 5, 1)
    put("dns_cname", head + q + b"\xc0\x0c" + struct.pack("!HHIH", 5, 1, 60, 2) + b"\xc0\x2a")
    put("dns_cname", head + q + b"\xc0\xff")
    put("dns_soa", head + b"\xc0\x0c")
    put("dns_name", b"")


def token_seeds() -> None:
    put("link_token", "aWQtMHxub25jZXwxNzY3MjI3NDAw.AAAAAAAAAAAAAAAAAAAAAA")
    put("link_token", "id-0123|nonce|t1")
    put("link_token", "....")
    put("page_token", "MTIzLgAAAAAAAAAAAAAAAAAAAAA")
    put("page_token", "ses:Domain")
    put("base64url", "aGVsbG8")
    put("base64url", "a===")
    put("smtp_reply", "550\n220 localhost ESMTP\n250-localhost\n250 OK\n550 5.1.1 no such user\n221 bye\n")
    put("smtp_reply", "421\n421 4.3.2 try later\r\n")
    put("smtp_reply", "250\n")
    put("dkim_record", "v=DKIM1; k=rsa; p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQC")
    put("dkim_record", "k=rsa;p=;v=DKIM1")
    put("dkim_record", "v=DKIM1; p=AB CD\tEF; t=y")
    put("arn", ARN)
    put("arn", "us-east-1\ndv-0123456789abcdef0")
    put("arn", "2026-01-01T00:30:00Z")
    put("arn", "2026-01-01T00:30:00.123Z")
    for name in ("example.com", "Example.COM.", "bücher.example", "xn--bcher-kva.example",
                 "a@example.com", "First.Last+tag@Bücher.example", "-bad-.com", "a..b", "@", ""):
        put("identity", name)
    put("byodkim_key", BYODKIM_KEY)
    put("byodkim_key", "TUlJQ2VRSUJBREFOQmdrcWhraUc5dzBC")


if __name__ == "__main__":
    api_seeds()
    token_seeds()
    dns_seeds()
    total = sum(f.stat().st_size for f in CORPUS.rglob("*") if f.is_file())
    print(f"corpus: {sum(1 for _ in CORPUS.rglob('*'))} entries, {total} bytes")
