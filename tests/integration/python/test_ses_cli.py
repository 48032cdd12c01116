"""SES v1 identity API through the AWS CLI v2 (/usr/bin/aws) against vouch.

Each CLI call costs about a second of CPU, so the tests bundle several
operations each.
"""

from __future__ import annotations

import re

import pytest

from conftest import (
    AWS_CLI,
    random_access_key,
    random_secret,
    run_cli,
    uniq_domain,
    uniq_email,
)
from dns_server import advance, run_due, shared_knot, start_vouch

TOKEN_RE = re.compile(r"^[A-Za-z0-9+/]{43}=$")
DKIM_TOKEN_RE = re.compile(r"^[a-z2-7]{32}$")
CLI_SERVICE_ERROR_RC = 254  # AWS CLI v2: the service answered with an error


@pytest.fixture(scope="module", autouse=True)
def _cli_present():
    import os
    if not os.access(AWS_CLI, os.X_OK):
        pytest.fail(f"{AWS_CLI} missing: apt-get install awscli")


def ok(res):
    assert res.rc == 0, f"rc={res.rc}\nstdout:{res.stdout}\nstderr:{res.stderr}"
    return res.json


def test_cli_domain_identity_lifecycle(server):
    d = uniq_domain("cli")
    out = ok(run_cli(server, "ses", "verify-domain-identity", "--domain", d))
    token = out["VerificationToken"]
    assert TOKEN_RE.match(token)
    out = ok(run_cli(server, "ses", "get-identity-verification-attributes",
                     "--identities", d, uniq_domain("unknown")))
    assert out == {"VerificationAttributes": {
        d: {"VerificationStatus": "Pending", "VerificationToken": token}}}
    # delete-identity prints nothing on success
    res = run_cli(server, "ses", "delete-identity", "--identity", d)
    assert res.rc == 0, res.stderr
    assert res.stdout.strip() == ""
    out = ok(run_cli(server, "ses", "get-identity-verification-attributes", "--identities", d))
    assert out == {"VerificationAttributes": {}}


def test_cli_email_identities(fresh_server):
    # AWS CLI v2 has no commands for the deprecated VerifyEmailAddress,
    # ListVerifiedEmailAddresses and DeleteVerifiedEmailAddress (boto3 and the
    # JS SDK cover those).
    e1 = "cli-one@example.com"
    e2 = "cli-two@example.com"
    for e in (e1, e2):
        res = run_cli(fresh_server, "ses", "verify-email-identity", "--email-address", e)
        assert res.rc == 0, res.stderr
        assert res.stdout.strip() == ""
    out = ok(run_cli(fresh_server, "ses", "list-identities", "--identity-type", "EmailAddress"))
    assert sorted(out["Identities"]) == [e1, e2]
    assert "NextToken" not in out
    out = ok(run_cli(fresh_server, "ses", "get-identity-verification-attributes",
                     "--identities", e1, e2))
    assert out == {"VerificationAttributes": {e1: {"VerificationStatus": "Pending"},
                                              e2: {"VerificationStatus": "Pending"}}}
    res = run_cli(fresh_server, "ses", "delete-identity", "--identity", e2)
    assert res.rc == 0, res.stderr
    from conftest import ses_client
    assert ses_client(fresh_server).list_identities()["Identities"] == [e1]


def cli_verification_status(srv, domain: str) -> str:
    out = ok(run_cli(srv, "ses", "get-identity-verification-attributes", "--identities", domain))
    return out["VerificationAttributes"][domain]["VerificationStatus"]


def test_cli_domain_pending_to_success_with_txt(vouch_factory):
    # A real authoritative server (knot) and vouch's test-mode clock, as
    # test_dns_timeline.py does through boto3.
    knot = shared_knot("a")
    srv = start_vouch(vouch_factory, knot.address)
    d = uniq_domain("clitxt")
    token = ok(run_cli(srv, "ses", "verify-domain-identity", "--domain", d))["VerificationToken"]
    assert cli_verification_status(srv, d) == "Pending"
    assert run_due(srv) == 1  # due at once; nothing published yet
    assert cli_verification_status(srv, d) == "Pending"

    knot.set_txt(f"_amazonses.{d}", token)
    advance(srv, 60)  # past the first backoff
    assert run_due(srv) == 1
    out = ok(run_cli(srv, "ses", "get-identity-verification-attributes", "--identities", d))
    assert out == {"VerificationAttributes": {
        d: {"VerificationStatus": "Success", "VerificationToken": token}}}


def test_cli_dkim(server):
    d = uniq_domain("clidkim")
    e = uniq_email("clidkim")
    out = ok(run_cli(server, "ses", "verify-domain-dkim", "--domain", d))
    tokens = out["DkimTokens"]
    assert len(tokens) == 3 and all(DKIM_TOKEN_RE.match(t) for t in tokens)
    from conftest import ses_client
    ses_client(server).verify_email_identity(EmailAddress=e)
    out = ok(run_cli(server, "ses", "get-identity-dkim-attributes", "--identities", d, e))
    attrs = out["DkimAttributes"]
    assert set(attrs) == {d, e}
    assert attrs[d]["DkimEnabled"] is True
    assert attrs[d]["DkimVerificationStatus"] == "Pending"
    assert sorted(attrs[d]["DkimTokens"]) == sorted(tokens)
    assert attrs[e]["DkimEnabled"] is False
    assert attrs[e]["DkimVerificationStatus"] == "NotStarted"
    assert attrs[e].get("DkimTokens", []) == []


def test_cli_auto_pagination(fresh_server):
    from conftest import ses_client
    ses = ses_client(fresh_server)
    domains = [f"page{i}.example.com" for i in range(5)]
    emails = [f"page{i}@example.com" for i in range(4)]
    for d in domains:
        ses.verify_domain_identity(Domain=d)
    for e in emails:
        ses.verify_email_identity(EmailAddress=e)
    everything = sorted(domains + emails)

    # --page-size: the CLI follows NextToken itself and prints one merged list.
    out = ok(run_cli(fresh_server, "ses", "list-identities", "--page-size", "2"))
    assert sorted(out["Identities"]) == everything
    assert len(out["Identities"]) == len(everything)
    assert "NextToken" not in out

    # --max-items: a CLI-level token to resume from, until the end.
    seen: list[str] = []
    args = ["ses", "list-identities", "--max-items", "4", "--page-size", "3"]
    for _ in range(6):
        out = ok(run_cli(fresh_server, *args))
        seen.extend(out["Identities"])
        if "NextToken" not in out:
            break
        args = ["ses", "list-identities", "--max-items", "4", "--page-size", "3",
                "--starting-token", out["NextToken"]]
    else:
        pytest.fail("CLI pagination did not end")
    assert len(seen) == len(set(seen))
    assert sorted(seen) == everything


def test_cli_error_exit_code_and_stderr(server):
    res = run_cli(server, "ses", "verify-domain-identity", "--domain", "exa mple.com")
    assert res.rc == CLI_SERVICE_ERROR_RC, (res.rc, res.stderr)
    assert "InvalidParameterValue" in res.stderr
    assert "Invalid domain name exa mple.com." in res.stderr
    assert res.stdout.strip() == ""

    res = run_cli(server, "ses", "verify-email-identity", "--email-address", "no-at-sign")
    assert res.rc == CLI_SERVICE_ERROR_RC, (res.rc, res.stderr)
    assert "InvalidParameterValue" in res.stderr
    assert "Invalid email address" in res.stderr


def test_cli_auth_errors(server):
    res = run_cli(server, "ses", "list-identities", secret=random_secret())
    assert res.rc == CLI_SERVICE_ERROR_RC, (res.rc, res.stderr)
    assert "SignatureDoesNotMatch" in res.stderr

    res = run_cli(server, "ses", "list-identities", key=random_access_key(),
                  secret=random_secret())
    assert res.rc == CLI_SERVICE_ERROR_RC, (res.rc, res.stderr)
    assert "InvalidClientTokenId" in res.stderr
    assert "The security token included in the request is invalid." in res.stderr
