"""SES v1 identity API through boto3 against the real vouch binary."""

from __future__ import annotations

import base64
import os
import re
from concurrent.futures import ThreadPoolExecutor

import pytest

from conftest import (
    ROOT_KEY,
    assert_ok,
    expect_error,
    list_all_identities,
    random_access_key,
    random_secret,
    raw_request,
    request_id_of,
    ses_client,
    uniq,
    uniq_domain,
    uniq_email,
)

TOKEN_RE = re.compile(r"^[A-Za-z0-9+/]{43}=$")
DKIM_TOKEN_RE = re.compile(r"^[a-z2-7]{32}$")


def verify_domain(client, domain: str) -> str:
    resp = assert_ok(client.verify_domain_identity(Domain=domain))
    token = resp["VerificationToken"]
    assert TOKEN_RE.match(token), f"bad token {token!r}"
    return token


def verification_attrs(client, identities: list[str]) -> dict:
    resp = assert_ok(client.get_identity_verification_attributes(Identities=identities))
    return resp["VerificationAttributes"]


def dkim_attrs(client, identities: list[str]) -> dict:
    resp = assert_ok(client.get_identity_dkim_attributes(Identities=identities))
    return resp["DkimAttributes"]


# --------------------------------------------------------------------------
# health and request ids


def test_health_endpoint(server):
    res = raw_request(server, method="GET", path="/_vouch/health", sign=False)
    assert res.status == 200
    import json
    doc = json.loads(res.body)
    assert doc["status"] == "ok"
    assert isinstance(doc["version"], str) and doc["version"]
    assert "store" in doc
    assert isinstance(doc["uptime_seconds"], int)
    # The process's own age, from the kernel: uptime counts from vouch's start.
    age = _process_age_seconds(server.proc.pid)
    assert age - 2 <= doc["uptime_seconds"] <= age + 1, (doc["uptime_seconds"], age)
    assert res.header("x-amzn-RequestId")


def _process_age_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    started_ticks = int(fields[19])  # field 22, starttime, after pid and (comm)
    with open("/proc/uptime") as f:
        boot_uptime = float(f.read().split()[0])
    return boot_uptime - started_ticks / os.sysconf("SC_CLK_TCK")


def test_request_ids_are_unique_per_response(ses):
    ids = {request_id_of(ses.list_identities(MaxItems=1)) for _ in range(5)}
    assert len(ids) == 5


# --------------------------------------------------------------------------
# VerifyDomainIdentity / GetIdentityVerificationAttributes


def test_verify_domain_identity_token_is_32_random_bytes(ses):
    token = verify_domain(ses, uniq_domain())
    assert len(token) == 44
    assert len(base64.b64decode(token, validate=True)) == 32


def test_new_domain_is_pending_with_its_token(ses):
    d = uniq_domain()
    token = verify_domain(ses, d)
    assert verification_attrs(ses, [d]) == {
        d: {"VerificationStatus": "Pending", "VerificationToken": token}
    }


def test_verify_domain_identity_repeat_returns_same_token(ses):
    d = uniq_domain()
    t1 = verify_domain(ses, d)
    t2 = verify_domain(ses, d)
    t3 = verify_domain(ses, d)
    assert t1 == t2 == t3
    assert verification_attrs(ses, [d])[d]["VerificationToken"] == t1


def test_tokens_differ_between_domains(ses):
    tokens = {verify_domain(ses, uniq_domain()) for _ in range(5)}
    assert len(tokens) == 5


def test_delete_then_reverify_gives_new_token(ses):
    d = uniq_domain()
    t1 = verify_domain(ses, d)
    assert_ok(ses.verify_domain_dkim(Domain=d))
    assert_ok(ses.delete_identity(Identity=d))
    assert verification_attrs(ses, [d]) == {}
    assert dkim_attrs(ses, [d]) == {}
    assert d not in list_all_identities(ses, IdentityType="Domain")
    t2 = verify_domain(ses, d)
    assert t2 != t1
    assert verification_attrs(ses, [d]) == {
        d: {"VerificationStatus": "Pending", "VerificationToken": t2}
    }


def test_get_verification_attributes_mixed_known_and_unknown(ses):
    d = uniq_domain()
    e = uniq_email()
    token = verify_domain(ses, d)
    assert_ok(ses.verify_email_identity(EmailAddress=e))
    unknown_d = uniq_domain("unknown")
    unknown_e = uniq_email("unknown")
    assert verification_attrs(ses, [d, unknown_d, e, unknown_e]) == {
        d: {"VerificationStatus": "Pending", "VerificationToken": token},
        e: {"VerificationStatus": "Pending"},
    }


def test_get_verification_attributes_all_unknown_is_empty_map(ses):
    assert verification_attrs(ses, [uniq_domain("nope"), uniq_email("nope")]) == {}


# --------------------------------------------------------------------------
# case and IDN


def test_domain_is_case_insensitive_and_keyed_as_requested(fresh_ses):
    ses = fresh_ses
    t1 = verify_domain(ses, "Example.COM")
    t2 = verify_domain(ses, "example.com")
    t3 = verify_domain(ses, "EXAMPLE.com")
    assert t1 == t2 == t3
    assert list_all_identities(ses) == ["example.com"]
    assert verification_attrs(ses, ["Example.COM", "example.com", "eXaMpLe.CoM"]) == {
        "Example.COM": {"VerificationStatus": "Pending", "VerificationToken": t1},
        "example.com": {"VerificationStatus": "Pending", "VerificationToken": t1},
        "eXaMpLe.CoM": {"VerificationStatus": "Pending", "VerificationToken": t1},
    }


def test_delete_identity_is_case_insensitive_for_domains(ses):
    label = uniq()
    verify_domain(ses, f"{label}.example.com")
    assert_ok(ses.delete_identity(Identity=f"{label.upper()}.Example.Com"))
    assert verification_attrs(ses, [f"{label}.example.com"]) == {}


def test_idn_domain_stored_as_punycode(fresh_ses):
    ses = fresh_ses
    token = verify_domain(ses, "bücher.example")
    assert list_all_identities(ses) == ["xn--bcher-kva.example"]
    assert verify_domain(ses, "xn--bcher-kva.example") == token
    assert verification_attrs(ses, ["bücher.example", "xn--bcher-kva.example"]) == {
        "bücher.example": {"VerificationStatus": "Pending", "VerificationToken": token},
        "xn--bcher-kva.example": {"VerificationStatus": "Pending", "VerificationToken": token},
    }
    assert list_all_identities(ses) == ["xn--bcher-kva.example"]
    # The Unicode spelling names the same identity for deletion too.
    assert_ok(ses.delete_identity(Identity="bücher.example"))
    assert list_all_identities(ses) == []


def test_concurrent_verify_of_one_domain_yields_one_identity(fresh_server):
    d = "race.example.com"
    clients = [ses_client(fresh_server) for _ in range(8)]

    def hammer(client):
        return [client.verify_domain_identity(Domain=d)["VerificationToken"] for _ in range(5)]

    with ThreadPoolExecutor(max_workers=8) as pool:
        tokens = [t for ts in pool.map(hammer, clients) for t in ts]
    assert len(tokens) == 40
    assert len(set(tokens)) == 1, f"{len(set(tokens))} different tokens for one domain"
    ses = ses_client(fresh_server)
    assert list_all_identities(ses) == [d]
    assert verification_attrs(ses, [d])[d]["VerificationToken"] == tokens[0]


def test_email_domain_part_case_insensitive_local_part_case_sensitive(fresh_ses):
    ses = fresh_ses
    assert_ok(ses.verify_email_identity(EmailAddress="Case.Local@Example.COM"))
    assert_ok(ses.verify_email_identity(EmailAddress="Case.Local@example.com"))
    listed = list_all_identities(ses, IdentityType="EmailAddress")
    assert len(listed) == 1, listed
    local, _, domain = listed[0].partition("@")
    assert local == "Case.Local"
    assert domain.lower() == "example.com"

    # Different local-part case: a different identity.
    assert_ok(ses.verify_email_identity(EmailAddress="case.local@example.com"))
    listed = list_all_identities(ses, IdentityType="EmailAddress")
    assert len(listed) == 2, listed
    assert "case.local@example.com" in listed

    # Lookups: keyed as requested; domain case ignored; local case respected.
    assert verification_attrs(ses, ["Case.Local@EXAMPLE.com", "CASE.LOCAL@example.com"]) == {
        "Case.Local@EXAMPLE.com": {"VerificationStatus": "Pending"},
    }


def test_xml_special_characters_round_trip(fresh_ses):
    """Identities with XML-special characters come back intact (escaped on the wire)."""
    ses = fresh_ses
    e = "o'neil+tag&x@example.com"
    assert_ok(ses.verify_email_identity(EmailAddress=e))
    assert list_all_identities(ses) == [e]
    assert verification_attrs(ses, [e]) == {e: {"VerificationStatus": "Pending"}}
    assert list(dkim_attrs(ses, [e])) == [e]
    assert_ok(ses.delete_identity(Identity=e))
    assert list_all_identities(ses) == []


# --------------------------------------------------------------------------
# email identities


def test_verify_email_identity_is_pending_without_token(ses):
    e = uniq_email()
    resp = assert_ok(ses.verify_email_identity(EmailAddress=e))
    assert set(resp) == {"ResponseMetadata"}
    assert verification_attrs(ses, [e]) == {e: {"VerificationStatus": "Pending"}}


def test_verify_email_identity_twice_creates_no_duplicate(fresh_ses):
    ses = fresh_ses
    e = "twice@example.com"
    assert_ok(ses.verify_email_identity(EmailAddress=e))
    assert_ok(ses.verify_email_identity(EmailAddress=e))
    assert list_all_identities(ses) == [e]


def test_verify_email_address_deprecated_creates_email_identity(fresh_ses):
    ses = fresh_ses
    e = "deprecated@example.com"
    assert_ok(ses.verify_email_address(EmailAddress=e))
    assert list_all_identities(ses, IdentityType="EmailAddress") == [e]
    assert list_all_identities(ses, IdentityType="Domain") == []
    assert verification_attrs(ses, [e]) == {e: {"VerificationStatus": "Pending"}}


def test_delete_verified_email_address_deletes_email_identity(fresh_ses):
    ses = fresh_ses
    keep = "keep@example.com"
    gone = "gone@example.com"
    assert_ok(ses.verify_email_identity(EmailAddress=keep))
    assert_ok(ses.verify_email_identity(EmailAddress=gone))
    assert_ok(ses.delete_verified_email_address(EmailAddress=gone))
    assert list_all_identities(ses) == [keep]
    assert verification_attrs(ses, [gone, keep]) == {keep: {"VerificationStatus": "Pending"}}


def test_list_verified_email_addresses_lists_only_verified(fresh_ses):
    ses = fresh_ses
    assert_ok(ses.verify_email_identity(EmailAddress="pending1@example.com"))
    assert_ok(ses.verify_email_address(EmailAddress="pending2@example.com"))
    verify_domain(ses, "listverified.example.com")
    resp = assert_ok(ses.list_verified_email_addresses())
    # Nothing is verified yet: an empty, well-formed list.
    assert resp["VerifiedEmailAddresses"] == []


def test_delete_identity_email(ses):
    e = uniq_email()
    assert_ok(ses.verify_email_identity(EmailAddress=e))
    resp = assert_ok(ses.delete_identity(Identity=e))
    assert set(resp) == {"ResponseMetadata"}
    assert verification_attrs(ses, [e]) == {}


def test_delete_unknown_identity_succeeds(ses):
    assert_ok(ses.delete_identity(Identity=uniq_domain("never")))
    assert_ok(ses.delete_identity(Identity=uniq_email("never")))


# --------------------------------------------------------------------------
# validation


@pytest.mark.parametrize("domain", [
    "exa mple.com",
    "example.com.",
    "-bad-.com",
    "",
    ("a" * 64) + ".example.com",
], ids=["space", "trailing-dot", "hyphens", "empty", "label-64"])
def test_malformed_domain_rejected(ses, domain):
    expect_error(ses.verify_domain_identity, "InvalidParameterValue", 400,
                 message=f"Invalid domain name {domain}.", Domain=domain)


def test_label_of_63_chars_accepted(ses):
    d = ("a" * 54) + uniq("")[1:10] + ".example.com"  # 54 + 9 = 63
    assert len(d.split(".")[0]) == 63
    verify_domain(ses, d)


def domain_of_length(n: int) -> str:
    """A unique valid domain of exactly n characters."""
    head = uniq("")[1:] + "."  # 13 characters, unique
    rest, labels = n - len(head) - len("com"), []
    while rest > 0:
        size = min(63, rest - 1)
        if rest - (size + 1) == 1:
            size -= 1
        labels.append("a" * size)
        rest -= size + 1
    d = head + "".join(l + "." for l in labels) + "com"
    assert len(d) == n
    return d


def test_domain_whose_record_name_cannot_fit_dns_is_refused(ses):
    # _amazonses.<domain> must fit 253 characters: 242 is the longest domain.
    verify_domain(ses, domain_of_length(242))
    over = domain_of_length(243)
    expect_error(ses.verify_domain_identity, "InvalidParameterValue", 400,
                 message=f"Invalid domain name {over}.", Domain=over)
    assert over not in ses.list_identities(IdentityType="Domain", MaxItems=1000)["Identities"]


def test_verify_domain_dkim_refuses_a_domain_too_long_for_its_records(ses):
    # <32-char token>._domainkey.<domain>: 209 is the longest; 210 is a fine
    # SES domain whose DKIM records could never be looked up.
    assert len(assert_ok(ses.verify_domain_dkim(Domain=domain_of_length(209)))["DkimTokens"]) == 3
    over = domain_of_length(210)
    verify_domain(ses, over)
    expect_error(ses.verify_domain_dkim, "InvalidParameterValue", 400,
                 message=f"Invalid domain name {over}.", Domain=over)


def test_malformed_domain_rejected_by_verify_domain_dkim(ses):
    expect_error(ses.verify_domain_dkim, "InvalidParameterValue", 400,
                 message="Invalid domain name exa mple.com.", Domain="exa mple.com")


@pytest.mark.parametrize("op", ["verify_email_identity", "verify_email_address"])
@pytest.mark.parametrize("email", ["no-at-sign", "a@", "@b.com", "a b@c.com"])
def test_malformed_email_rejected(ses, op, email):
    expect_error(getattr(ses, op), "InvalidParameterValue", 400,
                 message_prefix="Invalid email address", EmailAddress=email)


def test_malformed_email_creates_nothing(fresh_ses):
    ses = fresh_ses
    for bad in ["no-at-sign", "a@", "@b.com", "a b@c.com"]:
        expect_error(ses.verify_email_identity, "InvalidParameterValue", 400,
                     message_prefix="Invalid email address", EmailAddress=bad)
    expect_error(ses.verify_domain_identity, "InvalidParameterValue", 400,
                 message="Invalid domain name -bad-.com.", Domain="-bad-.com")
    assert list_all_identities(ses) == []


@pytest.mark.parametrize("op", ["get_identity_verification_attributes",
                                "get_identity_dkim_attributes"])
def test_more_than_100_identities_rejected(ses, op):
    ids = [f"n{i}-{uniq()}.example.com" for i in range(101)]
    expect_error(getattr(ses, op), "InvalidParameterValue", 400, Identities=ids)


@pytest.mark.parametrize("op", ["get_identity_verification_attributes",
                                "get_identity_dkim_attributes"])
def test_exactly_100_identities_accepted(ses, op):
    known = uniq_domain("hundred")
    verify_domain(ses, known)
    ids = [known] + [f"n{i}-{uniq()}.example.com" for i in range(99)]
    resp = assert_ok(getattr(ses, op)(Identities=ids))
    attrs = resp.get("VerificationAttributes", resp.get("DkimAttributes"))
    assert list(attrs) == [known]


def test_unknown_action_is_invalid_action(server):
    res = raw_request(server, {"Action": "FrobnicateIdentity"})
    assert res.status == 400
    err = res.error()
    assert err["Code"] == "InvalidAction"
    assert err["Type"] == "Sender"
    assert res.header("x-amzn-RequestId")


@pytest.mark.parametrize("body,code", [
    ("Version=2010-12-01", "MissingAction"),
    ("Action=VerifyDomainIdentity&Version=2010-12-01", "MissingParameter"),
    ("Action=GetIdentityVerificationAttributes&Version=2010-12-01", "MissingParameter"),
], ids=["no-action", "no-domain", "no-identities"])
def test_missing_action_or_parameter(server, body, code):
    res = raw_request(server, body)
    assert res.status == 400, res.body
    assert res.error()["Code"] == code


def test_oversized_body_does_not_hurt_the_server(server):
    import socket
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=10)
    try:
        size = 64 * 1024 * 1024
        sock.sendall(b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                     b"Content-Type: application/x-www-form-urlencoded\r\n"
                     b"Content-Length: %d\r\n\r\n" % size)
        try:
            sock.sendall(b"a" * (1024 * 1024))
        except OSError:
            pass
        head = sock.recv(200)
        assert head.startswith(b"HTTP/1.1 4"), head
    finally:
        sock.close()
    res = raw_request(server, method="GET", path="/_vouch/health", sign=False)
    assert res.status == 200
    assert server.proc.poll() is None


# --------------------------------------------------------------------------
# ListIdentities


DOMAINS = ["alpha.example.com", "bravo.example.com", "charlie.example.com"]
EMAILS = ["a@example.com", "b@example.com", "c@example.org", "d@example.net"]


@pytest.fixture
def populated(fresh_ses):
    for d in DOMAINS:
        verify_domain(fresh_ses, d)
    for e in EMAILS:
        assert_ok(fresh_ses.verify_email_identity(EmailAddress=e))
    return fresh_ses


def test_list_identities_all_and_by_type(populated):
    ses = populated
    resp = assert_ok(ses.list_identities())
    assert "NextToken" not in resp
    assert sorted(resp["Identities"]) == sorted(DOMAINS + EMAILS)
    resp = assert_ok(ses.list_identities(IdentityType="Domain"))
    assert sorted(resp["Identities"]) == sorted(DOMAINS)
    assert "NextToken" not in resp
    resp = assert_ok(ses.list_identities(IdentityType="EmailAddress"))
    assert sorted(resp["Identities"]) == sorted(EMAILS)
    assert "NextToken" not in resp


def test_list_identities_empty(fresh_ses):
    resp = assert_ok(fresh_ses.list_identities())
    assert resp["Identities"] == []
    assert "NextToken" not in resp


def test_list_identities_manual_next_token(populated):
    ses = populated
    seen: list[str] = []
    sizes: list[int] = []
    kwargs = {"MaxItems": 2}
    for _ in range(10):
        resp = assert_ok(ses.list_identities(**kwargs))
        seen.extend(resp["Identities"])
        sizes.append(len(resp["Identities"]))
        if "NextToken" not in resp:
            break
        assert resp["NextToken"], "NextToken present but empty"
        kwargs["NextToken"] = resp["NextToken"]
    else:
        pytest.fail("pagination did not end")
    assert sizes == [2, 2, 2, 1]
    assert len(seen) == len(set(seen))
    assert sorted(seen) == sorted(DOMAINS + EMAILS)


def test_list_identities_pagination_survives_deletes_and_inserts(fresh_ses):
    """Identities that exist for the whole walk appear exactly once, even when
    others are deleted or added between pages."""
    ses = fresh_ses
    names = [f"walk{i:02d}.example.com" for i in range(12)]
    for d in names:
        verify_domain(ses, d)
    first = assert_ok(ses.list_identities(MaxItems=4))
    seen = list(first["Identities"])
    deleted = seen[0]
    assert_ok(ses.delete_identity(Identity=deleted))
    verify_domain(ses, "aaa-added-before.example.com")
    verify_domain(ses, "zzz-added-after.example.com")
    token = first["NextToken"]
    for _ in range(10):
        page = assert_ok(ses.list_identities(MaxItems=4, NextToken=token))
        seen.extend(page["Identities"])
        token = page.get("NextToken")
        if not token:
            break
    stable = [d for d in names if d != deleted]
    for d in stable:
        assert seen.count(d) == 1, (d, seen)


def test_list_identities_max_items_exact_fit_ends_without_token(populated):
    ses = populated
    resp = assert_ok(ses.list_identities(IdentityType="Domain", MaxItems=3))
    assert sorted(resp["Identities"]) == sorted(DOMAINS)
    # Either no token, or a token leading to an empty last page.
    if "NextToken" in resp:
        last = assert_ok(ses.list_identities(IdentityType="Domain", MaxItems=3,
                                             NextToken=resp["NextToken"]))
        assert last["Identities"] == []
        assert "NextToken" not in last


@pytest.mark.parametrize("page_size", [1, 2, 3, 1000])
def test_list_identities_paginator(populated, page_size):
    got = list_all_identities(populated, PaginationConfig={"PageSize": page_size})
    assert len(got) == len(set(got))
    assert sorted(got) == sorted(DOMAINS + EMAILS)


@pytest.mark.parametrize("kind,expected", [("Domain", DOMAINS), ("EmailAddress", EMAILS)])
def test_list_identities_paginator_with_type_filter(populated, kind, expected):
    pages = list(populated.get_paginator("list_identities").paginate(
        IdentityType=kind, PaginationConfig={"PageSize": 1}))
    got = [i for p in pages for i in p["Identities"]]
    assert sorted(got) == sorted(expected)
    assert len(got) == len(set(got))
    assert "NextToken" not in pages[-1]


@pytest.mark.parametrize("max_items", ["0", "1001", "-1"])
def test_list_identities_max_items_out_of_range(server, max_items):
    # MaxItems is 1..1000; the error code for other values is not pinned by the
    # contract, only that it is the caller's fault.
    res = raw_request(server, {"Action": "ListIdentities", "MaxItems": max_items})
    assert res.status == 400, res.body
    assert res.error()["Type"] == "Sender"


def test_list_identities_bad_identity_type(ses):
    expect_error(
        ses.list_identities, "ValidationError", 400,
        message=("1 validation error detected: Value 'Unknown' at 'identityType' failed to "
                 "satisfy constraint: Member must satisfy enum value set: [Domain, EmailAddress]"),
        IdentityType="Unknown")


def test_list_identities_default_page_is_1000(fresh_server):
    """1003 identities: the default page holds 1000 and a NextToken."""
    total = 1003

    def make(chunk):
        client = ses_client(fresh_server)
        for i in chunk:
            client.verify_domain_identity(Domain=f"bulk{i:04d}.example.com")

    with ThreadPoolExecutor(max_workers=2) as pool:
        list(pool.map(make, [range(0, total, 2), range(1, total, 2)]))
    ses = ses_client(fresh_server)
    first = assert_ok(ses.list_identities())
    assert len(first["Identities"]) == 1000
    assert first.get("NextToken")
    second = assert_ok(ses.list_identities(NextToken=first["NextToken"]))
    assert len(second["Identities"]) == 3
    assert "NextToken" not in second
    everything = first["Identities"] + second["Identities"]
    assert sorted(everything) == sorted(f"bulk{i:04d}.example.com" for i in range(total))
    # MaxItems=1000 explicitly behaves the same.
    assert len(assert_ok(ses.list_identities(MaxItems=1000))["Identities"]) == 1000


# --------------------------------------------------------------------------
# DKIM


def test_verify_domain_dkim_tokens(ses):
    d = uniq_domain("dkim")
    resp = assert_ok(ses.verify_domain_dkim(Domain=d))
    tokens = resp["DkimTokens"]
    assert len(tokens) == 3
    assert len(set(tokens)) == 3
    for t in tokens:
        assert DKIM_TOKEN_RE.match(t), t
    again = assert_ok(ses.verify_domain_dkim(Domain=d))["DkimTokens"]
    assert sorted(again) == sorted(tokens)


def test_verify_domain_dkim_creates_domain_identity(fresh_ses):
    ses = fresh_ses
    d = "dkim-only.example.com"
    assert_ok(ses.verify_domain_dkim(Domain=d))
    assert list_all_identities(ses) == [d]
    attrs = verification_attrs(ses, [d])
    assert attrs[d]["VerificationStatus"] == "Pending"
    assert TOKEN_RE.match(attrs[d]["VerificationToken"])
    # The identity's verification token is the one VerifyDomainIdentity returns.
    assert verify_domain(ses, d) == attrs[d]["VerificationToken"]


def test_verify_domain_dkim_keeps_existing_token(ses):
    d = uniq_domain("dkim2")
    token = verify_domain(ses, d)
    assert_ok(ses.verify_domain_dkim(Domain=d))
    assert verification_attrs(ses, [d])[d]["VerificationToken"] == token


def test_verify_domain_dkim_case_insensitive(ses):
    label = uniq("dkimcase")
    t1 = assert_ok(ses.verify_domain_dkim(Domain=f"{label}.Example.COM"))["DkimTokens"]
    t2 = assert_ok(ses.verify_domain_dkim(Domain=f"{label}.example.com"))["DkimTokens"]
    assert sorted(t1) == sorted(t2)


def test_get_identity_dkim_attributes(ses):
    started = uniq_domain("dkim3")
    plain = uniq_domain("nodkim")
    email = uniq_email()
    tokens = assert_ok(ses.verify_domain_dkim(Domain=started))["DkimTokens"]
    verify_domain(ses, plain)
    assert_ok(ses.verify_email_identity(EmailAddress=email))
    attrs = dkim_attrs(ses, [started, plain, email, uniq_domain("unknown")])
    assert set(attrs) == {started, plain, email}
    a = attrs[started]
    assert a["DkimEnabled"] is True
    assert a["DkimVerificationStatus"] == "Pending"
    assert sorted(a["DkimTokens"]) == sorted(tokens)
    p = attrs[plain]
    assert p["DkimEnabled"] is False
    assert p["DkimVerificationStatus"] == "NotStarted"
    assert p.get("DkimTokens", []) == []
    m = attrs[email]
    assert m["DkimEnabled"] is False
    assert m["DkimVerificationStatus"] == "NotStarted"
    assert m.get("DkimTokens", []) == []


def test_get_identity_dkim_attributes_keyed_as_requested(ses):
    label = uniq("dkimkey")
    tokens = assert_ok(ses.verify_domain_dkim(Domain=f"{label}.example.com"))["DkimTokens"]
    attrs = dkim_attrs(ses, [f"{label.upper()}.EXAMPLE.com"])
    assert list(attrs) == [f"{label.upper()}.EXAMPLE.com"]
    assert sorted(attrs[f"{label.upper()}.EXAMPLE.com"]["DkimTokens"]) == sorted(tokens)


def test_get_identity_dkim_attributes_all_unknown(ses):
    assert dkim_attrs(ses, [uniq_domain("none")]) == {}


# --------------------------------------------------------------------------
# isolation


def test_region_isolation(fresh_server):
    east = ses_client(fresh_server, region="us-east-1")
    west = ses_client(fresh_server, region="eu-west-1")
    d = "regional.example.com"
    e = "regional@example.com"
    t_east = verify_domain(east, d)
    assert_ok(east.verify_email_identity(EmailAddress=e))
    assert_ok(east.verify_domain_dkim(Domain=d))

    # The control: the owning region sees all three.
    assert sorted(verification_attrs(east, [d, e])) == sorted([d, e])
    assert d in dkim_attrs(east, [d])
    assert list_all_identities(west) == []
    assert verification_attrs(west, [d, e]) == {}
    assert dkim_attrs(west, [d, e]) == {}

    # The same domain in another region is a separate identity with its own token.
    t_west = verify_domain(west, d)
    assert t_west != t_east
    assert list_all_identities(west) == [d]
    assert_ok(west.delete_identity(Identity=d))
    assert verification_attrs(east, [d])[d]["VerificationToken"] == t_east
    assert sorted(list_all_identities(east)) == sorted([d, e])


def test_account_isolation(fresh_server):
    root = ses_client(fresh_server)
    root_domain = "root-owned.example.com"
    root_token = verify_domain(root, root_domain)
    assert_ok(root.verify_email_identity(EmailAddress="root@example.com"))

    key, secret = random_access_key(), random_secret()
    fresh_server.account_add("210987654321", key, secret)
    other = ses_client(fresh_server, key=key, secret=secret)
    _wait_until_accepted(other)

    # The control: the owning account sees both.
    assert sorted(verification_attrs(root, [root_domain, "root@example.com"])) == sorted(
        [root_domain, "root@example.com"])
    assert list_all_identities(other) == []
    assert verification_attrs(other, [root_domain, "root@example.com"]) == {}
    assert dkim_attrs(other, [root_domain]) == {}

    other_token = verify_domain(other, root_domain)
    assert other_token != root_token
    other_domain = "other-owned.example.com"
    verify_domain(other, other_domain)
    assert verification_attrs(root, [other_domain]) == {}
    assert other_domain not in list_all_identities(root)
    # Deleting in one account leaves the other's identity alone.
    assert_ok(other.delete_identity(Identity=root_domain))
    assert verification_attrs(root, [root_domain])[root_domain]["VerificationToken"] == root_token
    assert sorted(list_all_identities(root)) == sorted([root_domain, "root@example.com"])
    assert list_all_identities(other) == [other_domain]


def _wait_until_accepted(client, timeout: float = 5.0):
    """A key added by `vouch account add` must work on the running server."""
    import time
    from botocore.exceptions import ClientError
    deadline = time.monotonic() + timeout
    while True:
        try:
            return client.list_identities()
        except ClientError as e:
            if time.monotonic() > deadline:
                raise AssertionError(f"new account's key not accepted within {timeout}s: "
                                     f"{e.response['Error']}")
            time.sleep(0.2)


# --------------------------------------------------------------------------
# --insecure-any-credentials


def test_insecure_any_credentials(vouch_factory):
    srv = vouch_factory.start(extra_args=["--insecure-any-credentials"])
    a = ses_client(srv, key=random_access_key(), secret=random_secret())
    b = ses_client(srv, key=random_access_key(), secret=random_secret())
    root = ses_client(srv, key=ROOT_KEY, secret="definitely-not-the-root-secret-0000000000")
    d = "insecure.example.com"
    token = verify_domain(a, d)
    # All keys are one account (000000000000): b and a wrong-secret root see it.
    assert list_all_identities(b) == [d]
    assert verification_attrs(b, [d]) == {
        d: {"VerificationStatus": "Pending", "VerificationToken": token}}
    assert list_all_identities(root) == [d]
    assert_ok(b.delete_identity(Identity=d))
    assert list_all_identities(a) == []


def test_secure_mode_rejects_unknown_key_by_default(server):
    # Counterpart of the insecure test: the default server checks keys.
    client = ses_client(server, key=random_access_key(), secret=random_secret())
    expect_error(client.list_identities, "InvalidClientTokenId", 403,
                 message="The security token included in the request is invalid.")
