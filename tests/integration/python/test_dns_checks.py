"""DNS checks against real servers: what one check of an SES domain identity
sees and concludes, for each kind of answer a real authoritative server
(knot) gives, for servers that fail (SERVFAIL, REFUSED, silence), for
several perspectives that disagree, and the diagnostics shown for the
common publishing mistakes.

Each test starts its own vouch in --test-mode pointed at the servers it
needs; checks run only when the test asks (POST /_vouch/test/run-due-checks),
and the result is read back through SES (boto3) and the admin API."""

from __future__ import annotations

import subprocess

import pytest

import dns_server as dns
from conftest import VOUCH_BIN, ses_client, uniq_domain
from dns_server import (
    claim_by_subject,
    claim_detail,
    run_due,
    shared_knot,
    shared_stub,
    start_vouch,
)
from vouch_client import wait_until


@pytest.fixture
def knot():
    return shared_knot("a")


@pytest.fixture
def knot2():
    return shared_knot("b")


@pytest.fixture
def knot3():
    return shared_knot("c")


def ses_status(srv, domain: str) -> str:
    attrs = ses_client(srv).get_identity_verification_attributes(Identities=[domain])
    return attrs["VerificationAttributes"][domain]["VerificationStatus"]


def new_identity(srv, domain: str | None = None) -> tuple[str, str, str]:
    """VerifyDomainIdentity; returns (domain, token, claim id)."""
    domain = domain or uniq_domain()
    token = ses_client(srv).verify_domain_identity(Domain=domain)["VerificationToken"]
    return domain, token, claim_by_subject(srv, domain)["id"]


def checked(srv, claim_id: str, expect_checked: int | None = None) -> dict:
    n = run_due(srv)
    if expect_checked is not None:
        assert n == expect_checked
    return claim_detail(srv, claim_id)


def only_perspective(detail: dict) -> dict:
    ps = detail["evidence"]["perspectives"]
    assert len(ps) == 1, ps
    return ps[0]


# --------------------------------------------------------------------------
# One perspective, each kind of answer


def test_found_verifies(vouch_factory, knot):
    srv = start_vouch(vouch_factory, knot.address)
    domain, token, cid = new_identity(srv)
    assert ses_status(srv, domain) == "Pending"
    knot.set_txt(f"_amazonses.{domain}", token)
    d = checked(srv, cid, 1)
    assert d["status"] == "verified" and d["wire_status"] == "Success", d
    assert ses_status(srv, domain) == "Success"
    assert d["record"]["name"] == f"_amazonses.{domain}."
    assert d["record"]["type"] == "TXT"
    assert d["record"]["value"] == token
    ev = d["evidence"]
    assert ev["outcome"] == "found"
    assert ev["record_name"] == f"_amazonses.{domain}"
    assert ev["expected"] == token
    assert ev["quorum"] == 1
    p = only_perspective(d)
    assert p["resolver"] == knot.address
    assert p["result"] == "found"
    assert "seen" not in p
    assert [(h["from"], h["to"]) for h in d["history"]] == [("pending", "verified")]
    assert d["diagnosis"] == []
    assert d["last_verified_at"] == ev["at"]


def test_absent_nxdomain_and_nodata(vouch_factory, knot):
    srv = start_vouch(vouch_factory, knot.address)
    nx_domain, _, nx = new_identity(srv)
    nodata_domain, _, nodata = new_identity(srv)
    knot.set(f"_amazonses.{nodata_domain}", "A", "192.0.2.1")  # the name exists, no TXT
    assert run_due(srv) == 2
    d = claim_detail(srv, nx)
    assert d["status"] == "pending"
    assert d["evidence"]["outcome"] == "absent"
    p = only_perspective(d)
    assert (p["result"], p["detail"]) == ("absent", "NXDOMAIN")
    assert d["diagnosis"] == [f"No TXT record with the expected value at _amazonses.{nx_domain}. yet."]
    assert d["history"] == []
    d = claim_detail(srv, nodata)
    assert d["status"] == "pending"
    p = only_perspective(d)
    assert (p["result"], p["detail"]) == ("absent", "no TXT records")
    assert ses_status(srv, nx_domain) == "Pending"
    assert ses_status(srv, nodata_domain) == "Pending"


def test_wrong_value_is_shown(vouch_factory, knot):
    srv = start_vouch(vouch_factory, knot.address)
    domain, token, cid = new_identity(srv)
    knot.set_txt(f"_amazonses.{domain}", "not-the-token", "x" * 180)
    d = checked(srv, cid, 1)
    assert d["status"] == "pending"
    assert d["evidence"]["outcome"] == "absent"
    p = only_perspective(d)
    assert p["result"] == "wrong"
    assert sorted(p["seen"]) == sorted(["not-the-token", "x" * 100])  # cut to 100 characters
    assert ses_status(srv, domain) == "Pending"


def test_multi_string_txt_is_joined(vouch_factory, knot):
    srv = start_vouch(vouch_factory, knot.address)
    domain, token, cid = new_identity(srv)
    parts = [token[:10], token[10:11], token[11:]]
    knot.set_txt(f"_amazonses.{domain}", parts)
    answer = dns.query(knot.port, f"_amazonses.{domain}")
    assert answer.txt() == [[p.encode() for p in parts]]  # really three strings on the wire
    d = checked(srv, cid, 1)
    assert d["status"] == "verified", d["evidence"]


def test_multi_string_txt_joined_without_spaces(vouch_factory, knot):
    # "tok" "en" is "token", never "tok en": a value split with a space is wrong.
    srv = start_vouch(vouch_factory, knot.address)
    domain, token, cid = new_identity(srv)
    knot.set_txt(f"_amazonses.{domain}", [token[:8] + " ", token[8:]])
    d = checked(srv, cid, 1)
    assert d["status"] == "pending"
    assert only_perspective(d)["seen"] == [token[:8] + " " + token[8:]]


def test_any_one_of_several_txt_records_matches(vouch_factory, knot):
    srv = start_vouch(vouch_factory, knot.address)
    domain, token, cid = new_identity(srv)
    knot.set_txt(f"_amazonses.{domain}", "v=spf1 -all", token, "google-site-verification=abc")
    assert len(dns.query(knot.port, f"_amazonses.{domain}").txt()) == 3
    d = checked(srv, cid, 1)
    assert d["status"] == "verified"
    assert only_perspective(d)["result"] == "found"


def test_names_match_without_regard_to_case(vouch_factory, knot):
    # DNS names are case-insensitive (RFC 4343): a domain given in capitals,
    # and a record whose owner is written in capitals, still meet.
    srv = start_vouch(vouch_factory, knot.address)
    lower = uniq_domain()
    mixed = "".join(c.upper() if i % 2 else c for i, c in enumerate(lower))
    token = ses_client(srv).verify_domain_identity(Domain=mixed)["VerificationToken"]
    cid = claim_by_subject(srv, lower)["id"]
    knot.set_txt(f"_AMAZONSES.{lower.upper()}", token)
    d = checked(srv, cid, 1)
    assert d["wire_status"] == "Success", d
    assert only_perspective(d)["result"] == "found"
    assert d["record"]["name"] == f"_amazonses.{lower}."
    assert ses_status(srv, lower) == "Success"
    # The value is not a name: the token in other letter case is a wrong value.
    other = uniq_domain()
    token2 = ses_client(srv).verify_domain_identity(Domain=other)["VerificationToken"]
    knot.set_txt(f"_amazonses.{other}", token2.swapcase())
    d = checked(srv, claim_by_subject(srv, other)["id"], 1)
    assert only_perspective(d)["result"] == "wrong", d
    assert ses_status(srv, other) == "Pending"


def test_cname_is_followed(vouch_factory, knot):
    srv = start_vouch(vouch_factory, knot.address)
    domain, token, cid = new_identity(srv)
    dangling, _, dangling_id = new_identity(srv)
    knot.set_txt(f"verify.{domain}", token)
    knot.set_cname(f"_amazonses.{domain}", f"verify.{domain}")
    knot.set_cname(f"_amazonses.{dangling}", f"nothing-here.{dangling}")
    a = dns.query(knot.port, f"_amazonses.{domain}")
    assert [t for (_n, t, _v) in a.answers] == [dns.TYPE_CNAME, dns.TYPE_TXT]
    assert run_due(srv) == 2
    assert claim_detail(srv, cid)["status"] == "verified"
    d = claim_detail(srv, dangling_id)
    assert d["status"] == "pending"
    assert only_perspective(d)["result"] == "absent"


def test_truncated_udp_answer_is_retried_over_tcp(vouch_factory, knot):
    srv = start_vouch(vouch_factory, knot.address)
    domain, token, cid = new_identity(srv)
    filler = [f"{i:02d}" + chr(ord("a") + i) * 240 for i in range(12)]
    knot.set_txt(f"_amazonses.{domain}", *filler, token)
    udp = dns.query(knot.port, f"_amazonses.{domain}")
    assert udp.tc, "the UDP answer should be truncated for this test to mean anything"
    tcp = dns.query(knot.port, f"_amazonses.{domain}", tcp=True)
    assert not tcp.tc and len(tcp.txt()) == 13 and len(tcp.raw) > 3000
    d = checked(srv, cid, 1)
    assert d["status"] == "verified", d["evidence"]


def test_txt_bytes_that_are_not_utf8(vouch_factory, knot):
    # A TXT record can hold any bytes. The check must be recorded (as a wrong
    # value) and the server must stay up.
    srv = start_vouch(vouch_factory, knot.address)
    domain, token, cid = new_identity(srv)
    knot.set(f"_amazonses.{domain}", "TXT", '"\\255\\254 not utf-8 \\195"')
    assert run_due(srv) == 1
    assert srv.proc.poll() is None, f"vouch died:\n{srv.stderr_text()}"
    d = claim_detail(srv, cid)
    assert d["status"] == "pending"
    assert d["evidence"]["outcome"] == "absent"
    p = only_perspective(d)
    assert p["result"] == "wrong" and len(p["seen"]) == 1
    assert "not utf-8" in p["seen"][0]
    # The token published next to it still verifies.
    knot.set(f"_amazonses.{domain}", "TXT", '"\\255\\254 not utf-8 \\195"', f'"{token}"')
    d = dns.check_now(srv, cid)
    assert d["status"] == "verified"


# --------------------------------------------------------------------------
# Servers that do not answer the question


def test_servfail_from_a_zone_knot_cannot_load(vouch_factory, knot):
    srv = start_vouch(vouch_factory, knot.address)
    domain = uniq_domain().replace(".example.com", ".broken.test")
    assert dns.query(knot.port, f"_amazonses.{domain}").rcode == dns.RCODE_SERVFAIL
    domain, token, cid = new_identity(srv, domain)
    d = checked(srv, cid, 1)
    assert d["status"] == "pending"
    assert d["evidence"]["outcome"] == "resolver_error"
    p = only_perspective(d)
    assert (p["result"], p["detail"]) == ("error", "SERVFAIL")
    assert any("No resolver gave an answer" in m for m in d["diagnosis"]), d["diagnosis"]
    # No conclusion: retried soon, never counted against the claim.
    assert d["next_check_at"] is not None and d["history"] == []


def test_servfail_is_not_retried(vouch_factory):
    stub = shared_stub("servfail")
    srv = start_vouch(vouch_factory, stub.address)
    domain, token, cid = new_identity(srv)
    name = f"_amazonses.{domain}"
    assert run_due(srv) == 1
    assert stub.count(name) == 1  # asked once, the answer taken as it came
    d = claim_detail(srv, cid)
    assert d["evidence"]["outcome"] == "resolver_error"
    p = only_perspective(d)
    assert (p["result"], p["detail"], p["resolver"]) == ("error", "SERVFAIL", stub.address)
    assert d["status"] == "pending"


def test_dns_concurrency_bounds_the_lookups_in_flight(vouch_factory):
    """The background scheduler (no test mode) never has more lookups
    waiting than --dns-concurrency, and still gets to every due claim."""
    stub = dns.StubDns(dns.RCODE_SERVFAIL, delay=0.3)
    try:
        srv = vouch_factory.start(extra_args=["--dns-resolver", stub.address,
                                              "--dns-concurrency", "2"])
        domains = [new_identity(srv)[0] for _ in range(6)]  # each makes a check due at once
        names = [f"_amazonses.{d}" for d in domains]
        wait_until(lambda: all(stub.count(n) >= 1 for n in names), timeout=20,
                       what="every claim looked up")
        assert stub.max_outstanding == 2, stub.max_outstanding
    finally:
        stub.close()


def test_refused_by_a_server_not_authoritative_for_the_zone(vouch_factory, knot):
    srv = start_vouch(vouch_factory, knot.address)
    domain = uniq_domain().replace(".example.com", ".example.org")
    assert dns.query(knot.port, f"_amazonses.{domain}").rcode == dns.RCODE_REFUSED
    domain, token, cid = new_identity(srv, domain)
    d = checked(srv, cid, 1)
    assert d["status"] == "pending"
    assert d["evidence"]["outcome"] == "resolver_error"
    p = only_perspective(d)
    assert (p["result"], p["detail"]) == ("error", "REFUSED")


# --------------------------------------------------------------------------
# Several perspectives


def test_two_perspectives_that_disagree(vouch_factory, knot, knot2):
    domain = uniq_domain()
    strict = start_vouch(vouch_factory, knot.address, knot2.address)  # default quorum: both
    lenient = start_vouch(vouch_factory, knot.address, knot2.address, quorum=1)
    _, token, strict_id = new_identity(strict, domain)
    _, token2, lenient_id = new_identity(lenient, domain)
    knot.set_txt(f"_amazonses.{domain}", token, token2)  # only the first server has them
    knot2.clear(f"_amazonses.{domain}")

    d = checked(strict, strict_id, 1)
    assert d["status"] == "pending"
    ev = d["evidence"]
    assert ev["quorum"] == 2 and ev["outcome"] == "absent"
    assert [(p["resolver"], p["result"]) for p in ev["perspectives"]] == [
        (knot.address, "found"), (knot2.address, "absent")]

    d = checked(lenient, lenient_id, 1)
    assert d["evidence"]["quorum"] == 1
    assert d["status"] == "verified"
    assert ses_status(lenient, domain) == "Success"
    assert ses_status(strict, domain) == "Pending"

    # Once both agree, the strict one verifies too.
    knot2.set_txt(f"_amazonses.{domain}", token)
    d = dns.check_now(strict, strict_id)
    assert d["status"] == "verified"
    assert [p["result"] for p in d["evidence"]["perspectives"]] == ["found", "found"]


def test_quorum_of_three(vouch_factory, knot, knot2, knot3):
    srv = start_vouch(vouch_factory, knot.address, knot2.address, knot3.address)  # quorum 2
    all3 = start_vouch(vouch_factory, knot.address, knot2.address, knot3.address, quorum=3)
    met, met_token, met_id = new_identity(srv)
    short, short_token, short_id = new_identity(srv)
    _, met_token3, all3_id = new_identity(all3, met)
    knot.set_txt(f"_amazonses.{met}", met_token, met_token3)
    knot3.set_txt(f"_amazonses.{met}", met_token, met_token3)
    knot2.set_txt(f"_amazonses.{met}", "something else")
    knot.set_txt(f"_amazonses.{short}", short_token)

    assert run_due(srv) == 2
    d = claim_detail(srv, met_id)
    assert d["evidence"]["quorum"] == 2
    assert [p["result"] for p in d["evidence"]["perspectives"]] == ["found", "wrong", "found"]
    assert d["status"] == "verified"
    d = claim_detail(srv, short_id)
    assert [p["result"] for p in d["evidence"]["perspectives"]] == ["found", "absent", "absent"]
    assert d["evidence"]["outcome"] == "absent"
    assert d["status"] == "pending"

    d = checked(all3, all3_id, 1)
    assert d["evidence"]["quorum"] == 3
    assert d["evidence"]["outcome"] == "absent"
    assert d["status"] == "pending"


def test_a_quorum_above_the_resolvers_is_refused(vouch_factory, knot, knot2):
    # Lowering it to what the resolvers can give would weaken the check
    # without a word: vouch refuses to start instead.
    srv = vouch_factory.create()  # a data directory and the server's environment, not started
    res = subprocess.run([VOUCH_BIN, "serve", "--listen", "127.0.0.1:0", "--data", str(srv.data_dir),
                          "--test-mode", "--dns-resolver", knot.address,
                          "--dns-resolver", knot2.address, "--dns-quorum", "3"],
                         capture_output=True, text=True, timeout=30, env=srv.server_env())
    assert res.returncode != 0
    assert "--dns-quorum 3 is more than the 2 DNS resolver(s)" in res.stderr, res.stderr
    # Quorum 2 of the same two starts.
    ok_srv = start_vouch(vouch_factory, knot.address, knot2.address, quorum=2)
    domain, token, cid = new_identity(ok_srv)
    knot.set_txt(f"_amazonses.{domain}", token)
    knot2.set_txt(f"_amazonses.{domain}", token)
    assert checked(ok_srv, cid, 1)["evidence"]["quorum"] == 2


def test_quorum_unreachable_only_because_of_errors_is_no_conclusion(vouch_factory, knot, knot2):
    stub = shared_stub("servfail")
    srv = start_vouch(vouch_factory, knot.address, knot2.address, stub.address)  # quorum 2
    domain, token, cid = new_identity(srv)
    knot.set_txt(f"_amazonses.{domain}", token)
    knot2.clear(f"_amazonses.{domain}")
    d = checked(srv, cid, 1)
    assert [p["result"] for p in d["evidence"]["perspectives"]] == ["found", "absent", "error"]
    assert d["evidence"]["outcome"] == "resolver_error"
    assert d["status"] == "pending"


# --------------------------------------------------------------------------
# Diagnostics for the common mistakes


def test_diagnosis_of_common_mistakes(vouch_factory, knot):
    srv = start_vouch(vouch_factory, knot.address)
    doubled, doubled_token, doubled_id = new_identity(srv)
    bare, bare_token, bare_id = new_identity(srv)
    quoted, quoted_token, quoted_id = new_identity(srv)
    cased, cased_token, cased_id = new_identity(srv)
    knot.set_txt(f"_amazonses.{doubled}.{doubled}", doubled_token)
    knot.set_txt(bare, bare_token)
    knot.set_txt(f"_amazonses.{quoted}", f'"{quoted_token}"')
    assert cased_token.swapcase() != cased_token
    knot.set_txt(f"_amazonses.{cased}", cased_token.swapcase())
    assert run_due(srv) == 4

    d = claim_detail(srv, doubled_id)
    assert d["status"] == "pending"
    assert any("appended twice" in m and f"_amazonses.{doubled}.{doubled}" in m for m in d["diagnosis"]), d["diagnosis"]

    d = claim_detail(srv, bare_id)
    assert any(f"bare domain {bare}." in m for m in d["diagnosis"]), d["diagnosis"]
    assert not any("appended twice" in m for m in d["diagnosis"])

    d = claim_detail(srv, quoted_id)
    assert only_perspective(d)["seen"] == [f'"{quoted_token}"']
    assert any("quotation marks" in m for m in d["diagnosis"]), d["diagnosis"]

    d = claim_detail(srv, cased_id)
    assert any("letter case" in m for m in d["diagnosis"]), d["diagnosis"]

    # Fixing the mistake verifies the claim and the diagnosis goes away.
    knot.set_txt(f"_amazonses.{quoted}", quoted_token)
    d = dns.check_now(srv, quoted_id)
    assert d["status"] == "verified" and d["diagnosis"] == []
