"""`vouch claims list|show|check` against a running test-mode server with
knot behind it: tables and JSON, the record to publish and what each resolver
saw, and the exit codes a deploy script reads (0 verified, 1 not yet, 2
failed, 3 usage or connection error)."""

from __future__ import annotations

import json
import os
import subprocess

import pytest

from conftest import ROOT_KEY, ROOT_SECRET, VOUCH_BIN, random_secret, ses_client, uniq_domain
from dns_server import advance, claim_by_subject, run_due, shared_knot, start_vouch

H = 3600
NOBODY = "http://127.0.0.1:9"  # discard: no HTTP server answers there


@pytest.fixture
def knot():
    return shared_knot("a")


def cli_env(srv=None, secret: str = ROOT_SECRET) -> dict:
    env = dict(os.environ)
    env.update({"AWS_ACCESS_KEY_ID": ROOT_KEY, "AWS_SECRET_ACCESS_KEY": secret,
                "AWS_REGION": "us-east-1"})
    if srv is not None:
        env["AWS_ENDPOINT_URL"] = srv.endpoint
    return env


def vouch_claims(srv, *args, secret: str = ROOT_SECRET, timeout: float = 60):
    """(exit status, stdout, stderr) of `vouch claims ARGS`."""
    p = subprocess.run([VOUCH_BIN, "claims", *args], env=cli_env(srv, secret),
                       capture_output=True, text=True, timeout=timeout)
    return p.returncode, p.stdout, p.stderr


def new_domain(srv) -> tuple[str, str]:
    domain = uniq_domain("cli")
    token = ses_client(srv).verify_domain_identity(Domain=domain)["VerificationToken"]
    return domain, token


def pending_and_verified(srv, knot) -> tuple[str, str]:
    """Two new domains, checked: the first pending, the second (published) verified."""
    pending, _ = new_domain(srv)
    verified, token = new_domain(srv)
    knot.set_txt(f"_amazonses.{verified}", token)
    assert run_due(srv) == 2
    return pending, verified


def test_list_in_table_and_json(vouch_factory, knot):
    srv = start_vouch(vouch_factory, knot.address)
    domain, other = pending_and_verified(srv, knot)

    rc, out, err = vouch_claims(srv, "list")
    assert rc == 0, err
    lines = out.splitlines()
    assert lines[0].split() == ["ID", "STATUS", "KIND", "SUBJECT"]
    assert all(len(line) < 80 for line in lines), out
    assert any(domain in line and "pending" in line for line in lines), out
    assert any(other in line and "verified" in line for line in lines), out

    rc, out, err = vouch_claims(srv, "list", "--format", "json", "--status", "verified")
    assert rc == 0, err
    listed = json.loads(out)
    assert [c["subject"] for c in listed] == [other]
    assert listed[0]["kind"] == "ses_domain" and listed[0]["status"] == "verified"

    # Another Region of the same account holds none of them.
    rc, out, err = vouch_claims(srv, "list", "--format", "json", "--region", "eu-west-1")
    assert (rc, json.loads(out)) == (0, []), err


def test_show_spells_out_the_record_and_what_each_resolver_saw(vouch_factory, knot):
    srv = start_vouch(vouch_factory, knot.address)
    domain, token = new_domain(srv)
    knot.set_txt(f"_amazonses.{domain}", "not-the-token")
    assert run_due(srv) == 1

    rc, out, err = vouch_claims(srv, "show", domain)
    assert rc == 1, err  # pending
    assert f'_amazonses.{domain}. 300 IN TXT "{token}"' in out, out
    assert "status:      pending (Pending)" in out, out
    resolver_lines = [line for line in out.splitlines() if knot.address in line]
    assert resolver_lines and "wrong" in resolver_lines[0] and "not-the-token" in resolver_lines[0], out
    assert "diagnosis:" in out, out

    cid = claim_by_subject(srv, domain)["id"]
    rc, out, err = vouch_claims(srv, "show", cid, "--format", "json")
    assert rc == 1, err
    doc = json.loads(out)
    assert doc["id"] == cid and doc["record"]["value"] == token
    assert [p["result"] for p in doc["evidence"]["perspectives"]] == ["wrong"]
    assert doc["diagnosis"], doc


def test_check_wait_returns_zero_once_the_record_is_published(vouch_factory, knot):
    srv = start_vouch(vouch_factory, knot.address)
    domain, token = new_domain(srv)
    assert run_due(srv) == 1
    # Nothing published: a check answers "not yet".
    rc, out, err = vouch_claims(srv, "check", domain)
    assert rc == 1, (out, err)

    waiting = subprocess.Popen(
        [VOUCH_BIN, "claims", "check", domain, "--wait", "--timeout", "60s",
         "--poll-interval", "200ms", "--format", "json"],
        env=cli_env(srv), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        knot.set_txt(f"_amazonses.{domain}", token)
        advance(srv, 60)
        run_due(srv)
        out, err = waiting.communicate(timeout=90)
    finally:
        waiting.kill()
    assert waiting.returncode == 0, (out, err)
    assert json.loads(out)["status"] == "verified"
    attrs = ses_client(srv).get_identity_verification_attributes(Identities=[domain])
    assert attrs["VerificationAttributes"][domain]["VerificationStatus"] == "Success"


def test_check_wait_times_out_with_one(vouch_factory, knot):
    srv = start_vouch(vouch_factory, knot.address)
    domain, _ = new_domain(srv)
    rc, out, err = vouch_claims(srv, "check", domain, "--wait", "--timeout", "1s",
                                "--poll-interval", "200ms")
    assert rc == 1, (out, err)
    assert "timed out" in err
    assert "pending" in out


def test_a_failed_claim_exits_two(vouch_factory, knot):
    srv = start_vouch(vouch_factory, knot.address)
    domain, verified = pending_and_verified(srv, knot)
    advance(srv, 72 * H)
    run_due(srv)
    assert vouch_claims(srv, "check", domain)[0] == 2
    assert vouch_claims(srv, "check", domain, "--wait", "--timeout", "30s")[0] == 2
    assert vouch_claims(srv, "show", domain)[0] == 2
    # The positive control: the published one is verified, 0.
    assert vouch_claims(srv, "check", verified)[0] == 0
    assert vouch_claims(srv, "show", verified)[0] == 0


def test_usage_credentials_and_connection_errors_exit_three(vouch_factory, knot):
    srv = start_vouch(vouch_factory, knot.address)
    domain, _ = new_domain(srv)
    assert vouch_claims(srv, "show", domain)[0] == 1  # the positive control

    rc, _, err = vouch_claims(srv, "show", domain, secret=random_secret())
    assert rc == 3 and "InvalidSignatureException" in err, err
    p = subprocess.run([VOUCH_BIN, "claims", "list", "--endpoint-url", NOBODY],
                       env=cli_env(None), capture_output=True, text=True, timeout=60)
    assert p.returncode == 3 and "cannot reach the server" in p.stderr, p.stderr
    rc, _, err = vouch_claims(srv, "show", "nothing." + domain)
    assert rc == 3 and "no claim" in err, err
    rc, _, err = vouch_claims(srv, "list", "--status", "sideways")
    assert rc == 3 and "usage:" in err, err
    env = cli_env(srv)
    del env["AWS_SECRET_ACCESS_KEY"]
    p = subprocess.run([VOUCH_BIN, "claims", "list"], env=env, capture_output=True, text=True,
                       timeout=60)
    assert p.returncode == 3 and "AWS_SECRET_ACCESS_KEY" in p.stderr, p.stderr


def test_a_name_with_several_claims_is_listed_and_kind_picks_one(vouch_factory, knot):
    srv = start_vouch(vouch_factory, knot.address)
    domain, _ = new_domain(srv)
    ses_client(srv).verify_domain_dkim(Domain=domain)
    rc, out, err = vouch_claims(srv, "show", domain)
    assert rc == 3, (out, err)
    assert err.count("ses_dkim") == 3 and "ses_domain" in err, err
    rc, out, err = vouch_claims(srv, "show", domain, "--kind", "ses_domain", "--format", "json")
    assert rc == 1, err
    assert json.loads(out)["kind"] == "ses_domain"
