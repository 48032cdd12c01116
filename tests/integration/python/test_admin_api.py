"""Who may use the admin API (/_vouch/claims...) and the test-mode controls.

The admin API answers SigV4-signed requests only, and only about the
caller's own account: another account's claim is "not found" whether it is
read, listed or checked. The test-mode controls exist only in test mode."""

from __future__ import annotations

from conftest import random_access_key, random_secret, ses_client, uniq_domain
from dns_server import claim_by_subject, claims, run_due, start_vouch
from vouch_client import vouch_request

OTHER_ACCOUNT = "210987654321"
NOBODY = "127.0.0.1:9"  # discard: nothing answers, and nothing here needs an answer


def call(srv, method: str, path: str, **kw):
    """(status, body, error code): the code as the AWS SDKs read it for a
    restJson error, from x-amzn-ErrorType first, then the body."""
    status, doc, headers = vouch_request(srv, method, path, with_headers=True, **kw)
    code = headers.get("x-amzn-errortype", "")
    if not code and isinstance(doc, dict):
        code = doc.get("code") or doc.get("__type") or ""
    return status, doc, code.split(":")[0].split("#")[-1]


def test_admin_api_needs_a_signature(vouch_factory):
    srv = start_vouch(vouch_factory, NOBODY)
    domain = uniq_domain()
    ses_client(srv).verify_domain_identity(Domain=domain)
    cid = claim_by_subject(srv, domain)["id"]
    for method, path in (("GET", "/_vouch/claims"), ("GET", f"/_vouch/claims/{cid}"),
                         ("POST", f"/_vouch/claims/{cid}/check")):
        status, doc, code = call(srv, method, path, sign=False)
        assert (status, code) == (403, "MissingAuthenticationTokenException"), (method, path, doc)
    # A signature with the wrong secret is refused too, and says why.
    status, doc, code = call(srv, "GET", "/_vouch/claims", secret=random_secret())
    assert (status, code) == (403, "InvalidSignatureException"), doc
    # An unknown access key.
    status, doc, code = call(srv, "GET", "/_vouch/claims", key=random_access_key(),
                             secret=random_secret())
    assert (status, code) == (403, "UnrecognizedClientException"), doc


def test_each_account_sees_only_its_own_claims(vouch_factory):
    srv = start_vouch(vouch_factory, NOBODY)
    key, secret = random_access_key(), random_secret()
    srv.account_add(OTHER_ACCOUNT, key, secret)
    mine, theirs = uniq_domain("mine"), uniq_domain("theirs")
    ses_client(srv).verify_domain_identity(Domain=mine)
    ses_client(srv, key=key, secret=secret).verify_domain_identity(Domain=theirs)
    my_claim = claim_by_subject(srv, mine)["id"]
    their_claim = claim_by_subject(srv, theirs, key=key, secret=secret)["id"]

    assert theirs not in [c["subject"] for c in claims(srv)]
    assert [c["subject"] for c in claims(srv, key=key, secret=secret)] == [theirs]

    # Another account's claim, by its id: not found, neither read nor checked.
    for method, path in (("GET", f"/_vouch/claims/{my_claim}"),
                         ("POST", f"/_vouch/claims/{my_claim}/check")):
        status, doc, code = call(srv, method, path, key=key, secret=secret)
        assert (status, code) == (404, "ResourceNotFoundException"), (method, path, doc)
    # ... while its owner reads it.
    status, doc = vouch_request(srv, "GET", f"/_vouch/claims/{their_claim}", key=key, secret=secret)
    assert status == 200 and doc["subject"] == theirs, (status, doc)
    # The refused check ran nothing: the claim is still due, untouched.
    assert run_due(srv) == 2


def test_test_controls_are_404_outside_test_mode(vouch_factory):
    srv = vouch_factory.start(extra_args=["--dns-resolver", NOBODY])
    for path, body in (("/_vouch/test/clock", {"advance_seconds": 1}),
                       ("/_vouch/test/run-due-checks", None),
                       ("/_vouch/test/reset", None)):
        for sign in (False, True):
            status, doc = vouch_request(srv, "POST", path, body, sign=sign)
            assert status == 404, (path, sign, status, doc)
    # Nothing was reset: the server still knows its identities.
    domain = uniq_domain()
    ses_client(srv).verify_domain_identity(Domain=domain)
    vouch_request(srv, "POST", "/_vouch/test/reset", sign=False)
    assert domain in ses_client(srv).list_identities()["Identities"]
