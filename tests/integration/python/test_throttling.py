"""Per-account API rate limits (AWS's 1 request/second by default)."""

from __future__ import annotations

import time

import pytest
from botocore.exceptions import ClientError

from conftest import (
    assert_ok,
    check_client_error,
    random_access_key,
    random_secret,
    raw_request,
    ses_client,
    uniq_domain,
    uniq_email,
    VOUCH_BIN,
    free_port,
)


@pytest.fixture(scope="module")
def default_server(_module_factory):
    """A server with vouch's default rate limits."""
    return _module_factory.start(rate_limits_off=False)


@pytest.fixture(scope="module")
def _module_factory():
    from conftest import ServerFactory
    f = ServerFactory()
    try:
        yield f
    finally:
        f.close()


def burst(call, n: int):
    """n calls back to back: list of ('ok', resp) / ('err', ClientError)."""
    out = []
    for _ in range(n):
        try:
            out.append(("ok", call()))
        except ClientError as e:
            out.append(("err", e))
    return out


def assert_throttled(results):
    oks = [r for kind, r in results if kind == "ok"]
    errs = [r for kind, r in results if kind == "err"]
    assert errs, "no request of the burst was throttled"
    for e in errs:
        check_client_error(e, "Throttling", 400, message="Rate exceeded")
    return oks, errs


def wait_for_quiet(call, timeout=3.0):
    """After a burst, the next request succeeds within about a second."""
    deadline = time.monotonic() + timeout
    time.sleep(1.05)
    while True:
        try:
            return call()
        except ClientError as e:
            check_client_error(e, "Throttling", 400, message="Rate exceeded")
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def test_get_identity_verification_attributes_is_limited(default_server):
    ses = ses_client(default_server)
    call = lambda: ses.get_identity_verification_attributes(Identities=["example.com"])  # noqa: E731
    time.sleep(1.05)  # start with a full bucket
    start = time.monotonic()
    results = burst(call, 5)
    elapsed = time.monotonic() - start
    assert results[0][0] == "ok", results[0]
    oks, _ = assert_throttled(results)
    # 1/s: a burst this short lets at most one more through per elapsed second.
    assert len(oks) <= 1 + int(elapsed) + 1, (len(oks), elapsed)
    assert_ok(wait_for_quiet(call))


def test_verify_domain_identity_is_limited(default_server):
    ses = ses_client(default_server)
    time.sleep(1.05)
    domains = [uniq_domain("thr") for _ in range(5)]
    it = iter(domains)
    results = burst(lambda: ses.verify_domain_identity(Domain=next(it)), 5)
    assert results[0][0] == "ok", results[0]
    assert_throttled(results)
    # A throttled write created nothing.
    time.sleep(1.05)
    listed = ses.list_identities(IdentityType="Domain")["Identities"]
    for (kind, _), d in zip(results, domains):
        assert (d in listed) == (kind == "ok"), (d, kind, listed)


def test_throttling_raw_xml(default_server):
    params = {"Action": "GetIdentityVerificationAttributes", "Identities.member.1": "example.com"}
    time.sleep(1.05)
    first = raw_request(default_server, params)
    assert first.status == 200, first.body
    second = raw_request(default_server, params)
    assert second.status == 400, second.body
    err = second.error()
    assert err["Type"] == "Sender"
    assert err["Code"] == "Throttling"
    assert err["Message"] == "Rate exceeded"
    assert second.header("x-amzn-RequestId")


def test_limits_are_per_account(default_server):
    key, secret = random_access_key(), random_secret()
    default_server.account_add("777788889999", key, secret)
    other = ses_client(default_server, key=key, secret=secret)
    root = ses_client(default_server)
    # Make sure the new key is live (ListIdentities is not one of the limited ops).
    deadline = time.monotonic() + 5
    while True:
        try:
            other.list_identities()
            break
        except ClientError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
    time.sleep(1.05)
    call_root = lambda: root.get_identity_verification_attributes(Identities=["x.example.com"])  # noqa
    call_other = lambda: other.get_identity_verification_attributes(Identities=["x.example.com"])  # noqa
    assert_throttled(burst(call_root, 3))
    # The root account is throttled right now; the other account is not.
    assert_ok(call_other())


def test_limits_are_per_operation(default_server):
    ses = ses_client(default_server)
    time.sleep(1.05)
    assert_throttled(burst(lambda: ses.get_identity_verification_attributes(
        Identities=["y.example.com"]), 3))
    assert_ok(ses.verify_domain_identity(Domain=uniq_domain("perop")))


def test_rate_limit_zero_turns_one_operation_off(vouch_factory):
    srv = vouch_factory.start(rate_limits_off=False,
                              extra_args=["--rate-limit", "GetIdentityVerificationAttributes=0"])
    ses = ses_client(srv)
    for _ in range(10):
        assert_ok(ses.get_identity_verification_attributes(Identities=["z.example.com"]))
    # VerifyDomainIdentity keeps its default limit.
    time.sleep(1.05)
    results = burst(lambda: ses.verify_domain_identity(Domain=uniq_domain("still")), 4)
    assert results[0][0] == "ok"
    assert_throttled(results)


def test_rate_limit_option_raises_the_limit(vouch_factory):
    srv = vouch_factory.start(rate_limits_off=False,
                              extra_args=["--rate-limit", "VerifyDomainIdentity=1000"])
    ses = ses_client(srv)
    for _ in range(10):
        assert_ok(ses.verify_domain_identity(Domain=uniq_domain("fast")))


def test_verify_email_identity_and_address_are_limited(default_server):
    """AWS's 1/s for VerifyEmailIdentity and VerifyEmailAddress, each on its own."""
    ses = ses_client(default_server)
    time.sleep(1.05)
    for call in (lambda: ses.verify_email_identity(EmailAddress=uniq_email("thr")),
                 lambda: ses.verify_email_address(EmailAddress=uniq_email("thr"))):
        results = burst(call, 4)
        assert results[0][0] == "ok", results[0]  # each operation has its own bucket
        assert_throttled(results)


def test_rate_limit_is_honoured_for_every_operation_it_names(vouch_factory):
    srv = vouch_factory.start(rate_limits_off=False, extra_args=[
        "--rate-limit", "ListIdentities=1", "--rate-limit", "VerifyEmailIdentity=0",
        "--rate-limit", "DeleteIdentity=1"])
    ses = ses_client(srv)
    for _ in range(10):  # 0 turns the default 1/s off
        assert_ok(ses.verify_email_identity(EmailAddress=uniq_email("many")))
    results = burst(lambda: ses.list_identities(), 4)
    assert results[0][0] == "ok"
    assert_throttled(results)
    results = burst(lambda: ses.delete_identity(Identity=uniq_domain("gone")), 4)
    assert results[0][0] == "ok"
    assert_throttled(results)
    # Positive control: an operation not named keeps its default (none).
    for _ in range(5):
        assert_ok(ses.list_verified_email_addresses())


@pytest.mark.parametrize("bad", ["SendEmail=1", "verifyemailidentity=1", "Nothing=0"])
def test_rate_limit_for_an_operation_vouch_does_not_serve_is_refused_at_start(tmp_path, bad):
    import subprocess
    res = subprocess.run([VOUCH_BIN, "serve", "--listen", f"127.0.0.1:{free_port()}",
                          "--data", str(tmp_path), "--rate-limit", bad],
                         capture_output=True, text=True, timeout=30, stdin=subprocess.DEVNULL)
    assert res.returncode == 2, (res.returncode, res.stdout, res.stderr)
    op = bad.split("=")[0]
    assert f"--rate-limit: vouch serves no operation '{op}'" in res.stderr, res.stderr
    assert "VerifyEmailIdentity" in res.stderr  # the message lists what is served


def test_admin_routes_that_look_up_dns_are_rate_limited_per_account(default_server):
    """GET /_vouch/claims/{id} and POST .../check run live DNS: 5/s per account
    and Region by default, each route its own bucket."""
    from dns_server import claim_by_subject
    from vouch_client import vouch_request
    domain = uniq_domain("admin-rate")
    assert_ok(ses_client(default_server, region="eu-west-1").verify_domain_identity(Domain=domain))
    cid = claim_by_subject(default_server, domain, region="eu-west-1")["id"]
    assert_ok(ses_client(default_server, region="ap-south-1").verify_domain_identity(Domain=domain))
    oid = claim_by_subject(default_server, domain, region="ap-south-1")["id"]
    for method, path in (("GET", f"/_vouch/claims/{cid}"), ("POST", f"/_vouch/claims/{cid}/check")):
        statuses, throttled = [], None
        for _ in range(12):
            status, doc, headers = vouch_request(default_server, method, path, region="eu-west-1",
                                                 with_headers=True)
            statuses.append(status)
            if status == 429:
                throttled = (doc, headers)
        assert statuses.count(200) >= 5, statuses  # the burst
        assert throttled, f"{method} {path}: never throttled: {statuses}"
        assert throttled[0]["message"] == "Rate exceeded"
        assert throttled[1].get("x-amzn-errortype", "").startswith("ThrottlingException")
        # Another Region of the same account has its own bucket.
        other_path = path.replace(cid, oid)
        assert vouch_request(default_server, method, other_path, region="ap-south-1")[0] == 200
