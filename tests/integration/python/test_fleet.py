"""vouch as a fleet (issue 14): several nodes on one PostgreSQL database,
behind no proxy: the clients pick a node per request.

* three nodes started at once on an empty database (migrations once), each
  naming its store and node at /_vouch/health;
* with --store-cache, each node's identity cache hears every node's writes
  (LISTEN/NOTIFY);
* the same domain verified concurrently on all three: one identity, one token;
  the same Lattice clientToken on all three: one resource;
* the quotas (SES --max-identities, Lattice's 5 per region) hold across nodes;
* a mail link sent by one node is confirmed on another; nextToken pages from
  one node continue on the others; POST /_vouch/test/clock on one node moves
  every node's clock;
* a sweep of 10,000 due claims (VOUCH_FLEET_SWEEP) shared by three nodes,
  each with a DNS server of its own that counts the queries: each claim
  checked once, all verified;
* SIGKILL of one node in the middle of a sweep and of a mail burst: every
  claim checked and every message delivered, after the lease expiry. The
  leases run on the wall clock; the nodes run with `--lease 5s` (found in
  `vouch serve`'s usage; without such a flag the sweep waits out the 60 s
  check lease and the mail burst, with its 5 min lease, runs only with
  VOUCH_FLEET_SLOW=1). Each node asks a DNS server and mails through an SMTP
  server of its own, so a second check or copy is allowed only for what the
  killed node had in hand;
* PostgreSQL stopped and started under a write load: the nodes keep running,
  answer 503 while it is down (health too), serve again once it is back, and
  every acknowledged write is there afterwards;
* `vouch store copy` from a stopped SQLite installation into PostgreSQL: every
  API answer is the same before and after, and the mailed link still works.

The PostgreSQL server is this module's own (pg_cluster.py, fsync on: the
outage and SIGKILL tests are durability tests), a fresh database per test.
"""

from __future__ import annotations

import concurrent.futures as cf
import functools
import http.client
import json
import os
import re
import signal
import subprocess
import threading
import time
import xml.etree.ElementTree as ET

import pytest

from conftest import (
    SES_NS,
    VOUCH_BIN,
    assert_ok,
    expect_error,
    list_all_identities,
    random_access_key,
    random_secret,
    raw_request,
    free_port,
    ses_client,
    uniq,
    uniq_domain,
    uniq_email,
)
from dns_server import TableDns, shared_knot
from pg_cluster import PgCluster, pg_available
from smtp_server import SmtpServer, click, link_of, mail_args, rebase, token_of
from vouch_client import advance_clock, ok, run_due_checks, vouch_request, wait_until

H = 3600
SWEEP_N = int(os.environ.get("VOUCH_FLEET_SWEEP", "10000"))  # ~40 s here, most of it seeding
KILL_SWEEP_N = int(os.environ.get("VOUCH_FLEET_KILL_SWEEP", "2000"))
# How long a test waits for another node to take over a dead node's leases.
LEASE = "5s"
MAIL_LEASE_S = int(os.environ.get("VOUCH_FLEET_MAIL_LEASE", "300"))  # src/cli/main.cc kMailLease

TAKEOVER_TIMEOUT = float(os.environ.get("VOUCH_FLEET_TAKEOVER_TIMEOUT", "120"))


# --------------------------------------------------------------------------
# Fixtures and helpers


@pytest.fixture(scope="module")
def pg():
    if not pg_available():
        why = "PostgreSQL not installed (apt-get install postgresql)"
        if os.environ.get("VOUCH_REQUIRE_PG") == "1":
            pytest.fail(why)
        pytest.skip(why)
    cluster = PgCluster(fsync=True).start()
    try:
        yield cluster
    finally:
        cluster.close()


@functools.cache
def lease_args() -> list[str]:
    """A short lease, if `vouch serve` has a flag for it (its usage names it)."""
    if not os.path.exists(VOUCH_BIN):
        return []
    res = subprocess.run([VOUCH_BIN, "serve", "--help"], capture_output=True, text=True, timeout=10)
    m = re.search(r"(--[a-z-]*lease[a-z-]*)", res.stdout + res.stderr)
    return [m.group(1), LEASE] if m else []


def start_fleet(vouch_factory, url: str, n: int = 3, extra=(), per_node=None) -> list:
    """n nodes on database `url`, started at once (they race to migrate it).
    per_node(i) -> extra args of node i."""
    nodes = [vouch_factory.create(store=url, extra_args=[
        *extra, *(per_node(i) if per_node else []), "--node-id", f"node{i + 1}"])
        for i in range(n)]
    for s in nodes:  # from this thread: a child dies with the thread that forked it
        s.launch()
    for s in nodes:
        s.wait_healthy(30)
    return nodes


def health(srv, timeout: float = 5) -> tuple[int, dict | None]:
    conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=timeout)
    try:
        conn.request("GET", "/_vouch/health")
        resp = conn.getresponse()
        body = resp.read()
    finally:
        conn.close()
    try:
        return resp.status, json.loads(body)
    except ValueError:
        return resp.status, None


def lattice(srv, method: str, path: str, body=None, region: str = "us-east-1"):
    return vouch_request(srv, method, path, body, service="vpc-lattice", region=region)


def ses_verify_raw(srv, domain: str, timeout: float = 10) -> tuple[int, str | None, str]:
    """VerifyDomainIdentity as raw HTTP: (status, token or None, error code)."""
    r = raw_request(srv, {"Action": "VerifyDomainIdentity", "Domain": domain}, timeout=timeout)
    if r.status == 200:
        tok = r.xml().find(f".//{{{SES_NS}}}VerificationToken")
        return 200, tok.text, ""
    code = ""
    try:
        code = r.error().get("Code", "")
    except (ET.ParseError, AssertionError):
        code = r.body[:100].decode("utf-8", "replace")
    return r.status, None, code


def all_attributes(client, names: list[str]) -> dict:
    out = {}
    for i in range(0, len(names), 100):
        out.update(client.get_identity_verification_attributes(
            Identities=names[i:i + 100])["VerificationAttributes"])
    return out


def barrier_all(fns: list):
    """Runs every fn at once (a barrier releases them together); the results
    in order (an exception is returned, not raised)."""
    gate = threading.Barrier(len(fns))

    def run(fn):
        gate.wait()
        try:
            return fn()
        except Exception as e:  # noqa: BLE001
            return e
    with cf.ThreadPoolExecutor(len(fns)) as ex:
        return list(ex.map(run, fns))


# --------------------------------------------------------------------------
# Start, health, and one answer for concurrent writes


def test_three_nodes_start_at_once_and_name_store_and_node(vouch_factory, pg):
    url = pg.create_database()
    nodes = start_fleet(vouch_factory, url, extra=["--test-mode"])
    docs = [health(s) for s in nodes]
    for i, (status, doc) in enumerate(docs):
        assert status == 200, doc
        assert doc["status"] == "ok", doc
        assert doc["node"] == f"node{i + 1}", doc
        assert str(doc["store"]).startswith("postgres"), doc
        assert doc["store_ok"] is True, doc
    # What one node writes the others read (positive control for what follows).
    token = ses_client(nodes[0]).verify_domain_identity(Domain="one.example.com")["VerificationToken"]
    for s in nodes:
        assert all_attributes(ses_client(s), ["one.example.com"])["one.example.com"][
            "VerificationToken"] == token


def test_a_store_with_claims_but_no_secret_key_is_refused(vouch_factory, pg):
    url = pg.create_database()
    node = start_fleet(vouch_factory, url, n=1)[0]
    ses_client(node).verify_domain_identity(Domain="keyed.example.com")
    node.stop()
    # Control: the key in place, a restart is fine and keeps the token.
    node.launch()
    node.wait_healthy(30)
    node.stop()
    pg.sql(url, "DELETE FROM settings WHERE name = 'secret_key'")
    r = subprocess.run([VOUCH_BIN, "serve", "--store", url, "--listen", f"127.0.0.1:{free_port()}"],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 1, (r.returncode, r.stderr)  # the environment refuses: exit 1
    assert "secret_key is missing, but the store holds claims" in r.stderr, r.stderr
    assert pg.sql(url, "SELECT count(*) FROM settings WHERE name = 'secret_key'") == [["0"]]


def test_store_cache_hears_every_nodes_writes(vouch_factory, pg):
    """--store-cache: each node keeps SES identities in memory and forgets one
    when any node writes it (LISTEN/NOTIFY). A node's own writes are seen by
    its next read; another node's as soon as the notification arrives, which
    is after the writer's answer: milliseconds, not a guarantee."""
    url = pg.create_database()
    nodes = start_fleet(vouch_factory, url, extra=["--test-mode", "--store-cache", "1000"])
    clients = [ses_client(s) for s in nodes]
    domains = [uniq_domain("cache") for _ in range(12)]
    for i, d in enumerate(domains):
        writer, reader = clients[i % 3], clients[(i + 1) % 3]
        token = writer.verify_domain_identity(Domain=d)["VerificationToken"]
        for c in (reader, reader, writer):  # the second from the reader's memory
            assert all_attributes(c, [d])[d]["VerificationToken"] == token
        writer.delete_identity(Identity=d)
        assert all_attributes(writer, [d]) == {}  # its own write: at once
        wait_until(lambda: all_attributes(reader, [d]) == {}, timeout=5,
                   what=f"node {(i + 1) % 3 + 1} to hear of the delete")
        again = writer.verify_domain_identity(Domain=d)["VerificationToken"]
        assert again != token
        assert all_attributes(reader, [d])[d]["VerificationToken"] == again  # nothing was cached
    # Control: the nodes do answer from memory. A change made behind every
    # node's back (nobody is told) stays unseen by the node holding the entry...
    d = domains[0]
    held = all_attributes(clients[1], [d])[d]["VerificationToken"]
    pg.sql(url, f"UPDATE claims SET token = 'changed-behind-its-back' WHERE subject = '{d}'")
    assert all_attributes(clients[2], [d])[d]["VerificationToken"] == "changed-behind-its-back"
    assert all_attributes(clients[1], [d])[d]["VerificationToken"] == held
    # ...until a write through any node tells them all.
    clients[0].delete_identity(Identity=d)
    wait_until(lambda: all_attributes(clients[1], [d]) == {}, timeout=5, what="the delete heard")


def test_same_domain_verified_concurrently_on_all_three(vouch_factory, pg):
    nodes = start_fleet(vouch_factory, pg.create_database(), extra=["--test-mode"])
    clients = [ses_client(s) for s in nodes for _ in range(4)]  # 12 callers
    domains = [uniq_domain("race") for _ in range(5)]
    for d in domains:
        results = barrier_all([lambda c=c: c.verify_domain_identity(Domain=d) for c in clients])
        errors = [r for r in results if isinstance(r, Exception)]
        assert not errors, errors[:3]
        tokens = {r["VerificationToken"] for r in results}
        assert len(tokens) == 1, (d, tokens)
    # One identity each, on every node, with that one token.
    for s in nodes:
        c = ses_client(s)
        listed = list_all_identities(c)
        assert sorted(listed) == sorted(domains), listed
        attrs = all_attributes(c, domains)
        assert len({attrs[d]["VerificationToken"] for d in domains}) == len(domains)
    first = all_attributes(ses_client(nodes[0]), domains)
    for s in nodes[1:]:
        assert all_attributes(ses_client(s), domains) == first


def test_same_client_token_on_all_three_is_one_resource(vouch_factory, pg):
    nodes = start_fleet(vouch_factory, pg.create_database(), extra=["--test-mode"])
    domain, token = uniq_domain("lat"), uniq("tok")
    body = {"domainName": domain, "clientToken": token}
    results = barrier_all([lambda s=s: lattice(s, "POST", "/domainverifications", body)
                           for s in nodes for _ in range(3)])
    assert all(not isinstance(r, Exception) and r[0] in (200, 201) for r in results), results
    ids = {r[1]["id"] for r in results}
    assert len(ids) == 1, ids
    # Control: another domain with another token is another resource.
    status, other = lattice(nodes[2], "POST", "/domainverifications",
                            {"domainName": uniq_domain("lat"), "clientToken": uniq("tok")})
    assert status in (200, 201) and other["id"] not in ids, (status, other)
    for s in nodes:
        status, doc = lattice(s, "GET", "/domainverifications")
        assert status == 200, doc
        assert sorted(i["id"] for i in doc["items"]) == sorted([*ids, other["id"]]), doc
        status, got = lattice(s, "GET", f"/domainverifications/{next(iter(ids))}")
        assert status == 200 and got["domainName"] == domain, got
    # The same token with another domain is a conflict on any node.
    status, doc = lattice(nodes[1], "POST", "/domainverifications",
                          {"domainName": uniq_domain("lat"), "clientToken": token})
    assert status == 409, (status, doc)


def test_lattice_quota_of_five_holds_across_nodes(vouch_factory, pg):
    nodes = start_fleet(vouch_factory, pg.create_database(), extra=["--test-mode"])
    results = barrier_all([
        lambda i=i: lattice(nodes[i % 3], "POST", "/domainverifications",
                            {"domainName": f"q{i}-{uniq('q')}.example.com"})
        for i in range(12)])
    statuses = sorted(r[0] for r in results)
    assert statuses.count(402) == 7 and len([s for s in statuses if s in (200, 201)]) == 5, results
    for r in results:
        if r[0] == 402:
            assert r[1].get("quotaCode") == "L-73D0F278", r
    for s in nodes:
        status, doc = lattice(s, "GET", "/domainverifications")
        assert status == 200 and len(doc["items"]) == 5, doc
    # Another region has its own 5 (the quota is per region, not global).
    status, _ = lattice(nodes[1], "POST", "/domainverifications",
                        {"domainName": uniq_domain("other")}, region="eu-west-1")
    assert status in (200, 201)
    # A delete on one node frees a slot for another node.
    victim = lattice(nodes[0], "GET", "/domainverifications")[1]["items"][0]["id"]
    assert lattice(nodes[0], "DELETE", f"/domainverifications/{victim}")[0] in (200, 204)
    assert lattice(nodes[2], "POST", "/domainverifications",
                   {"domainName": uniq_domain("freed")})[0] in (200, 201)
    assert lattice(nodes[1], "POST", "/domainverifications",
                   {"domainName": uniq_domain("over")})[0] == 402


def test_ses_identity_quota_holds_under_concurrent_creates(vouch_factory, pg):
    nodes = start_fleet(vouch_factory, pg.create_database(),
                        extra=["--test-mode", "--max-identities", "5"])
    clients = [ses_client(s) for s in nodes]
    # Concurrently: never more than 5, and every success is stored.
    results = barrier_all([lambda i=i: clients[i % 3].verify_domain_identity(
        Domain=f"c{i}-{uniq('q')}.example.com") for i in range(9)])
    won = [r for r in results if not isinstance(r, Exception)]
    lost = [r for r in results if isinstance(r, Exception)]
    for e in lost:
        assert e.response["Error"]["Code"] == "LimitExceeded", e.response
    listed = list_all_identities(clients[0])
    assert 1 <= len(won) <= 5 and len(listed) == len(won), (len(won), listed)


def test_ses_identity_quota_holds_across_nodes(vouch_factory, pg):
    nodes = start_fleet(vouch_factory, pg.create_database(),
                        extra=["--test-mode", "--max-identities", "5"])
    clients = [ses_client(s) for s in nodes]
    # Filled up one at a time, round robin: exactly 5, and the 6th refused on every node.
    for i in range(5):
        assert_ok(clients[i % 3].verify_domain_identity(Domain=f"s{i}-{uniq('q')}.example.com"))
    for c in clients:
        expect_error(c.verify_domain_identity, "LimitExceeded", 400,
                     Domain=f"six-{uniq('q')}.example.com")
        assert len(list_all_identities(c)) == 5
    # An existing identity is not a new one: verifying it again is fine anywhere.
    existing = list_all_identities(clients[0])[0]
    for c in clients:
        assert_ok(c.verify_domain_identity(Domain=existing))


# --------------------------------------------------------------------------
# Shared secrets and settings: links, page tokens, the test clock


@pytest.fixture
def smtp():
    srv = SmtpServer().start()
    try:
        yield srv
    finally:
        srv.stop()


def test_mail_link_from_one_node_verifies_on_another(vouch_factory, pg, smtp):
    nodes = start_fleet(vouch_factory, pg.create_database(), extra=mail_args(smtp.url))
    email = uniq_email("fleet")
    ses_client(nodes[0]).verify_email_identity(EmailAddress=email)
    msg = smtp.wait_for(to=email)
    link = link_of(msg)
    # Forged on node 3: refused (the control), and nothing changes.
    forged = rebase(link, nodes[2].endpoint).replace(token_of(link), token_of(link)[:-2] + "AA")
    assert click(forged)[0] == 400
    status, page = click(rebase(link, nodes[2].endpoint))
    assert status == 200, page
    for s in nodes:
        attrs = all_attributes(ses_client(s), [email])
        assert attrs[email]["VerificationStatus"] == "Success", attrs
    # Used: 410 on every other node too.
    assert click(rebase(link, nodes[1].endpoint))[0] == 410
    # Three mail workers, one message.
    other = uniq_email("fleet2")
    ses_client(nodes[1]).verify_email_identity(EmailAddress=other)
    smtp.wait_for(to=other)
    assert len(smtp.received(email)) == 1 and len(smtp.received(other)) == 1


def test_next_token_pages_continue_across_nodes(vouch_factory, pg):
    nodes = start_fleet(vouch_factory, pg.create_database(), extra=["--test-mode"])
    clients = [ses_client(s) for s in nodes]
    names = sorted(f"p{i:02d}-{uniq('pg')}.example.com" for i in range(25))
    for i, d in enumerate(names):
        clients[i % 3].verify_domain_identity(Domain=d)
    seen, token, hops = [], None, 0
    while True:
        kw = {"MaxItems": 4, **({"NextToken": token} if token else {})}
        page = assert_ok(clients[hops % 3].list_identities(**kw))
        seen += page["Identities"]
        token = page.get("NextToken")
        hops += 1
        if not token:
            break
    assert hops >= 7 and sorted(seen) == names, (hops, seen)
    # A forged token is refused on every node (the control for the above).
    first = clients[0].list_identities(MaxItems=4)["NextToken"]
    for c in clients[1:]:
        expect_error(c.list_identities, "InvalidParameterValue", 400,
                     MaxItems=4, NextToken=first[:-3] + ("AAA" if first[-3:] != "AAA" else "BBB"))
    # Lattice pages too.
    for i in range(5):
        assert lattice(nodes[i % 3], "POST", "/domainverifications",
                       {"domainName": uniq_domain("lp")})[0] in (200, 201)
    items, token, hops = [], None, 0
    while True:
        q = "?maxResults=2" + (f"&nextToken={urllib_quote(token)}" if token else "")
        status, doc = lattice(nodes[hops % 3], "GET", "/domainverifications" + q)
        assert status == 200, doc
        items += [x["id"] for x in doc["items"]]
        token = doc.get("nextToken")
        hops += 1
        if not token:
            break
    assert len(items) == len(set(items)) == 5 and hops >= 3, (hops, items)


def urllib_quote(s: str) -> str:
    import urllib.parse
    return urllib.parse.quote(s, safe="")


def test_test_clock_on_one_node_moves_every_node(vouch_factory, pg):
    knot = shared_knot("a")  # answers NXDOMAIN for the names below: the record is absent
    nodes = start_fleet(vouch_factory, pg.create_database(),
                        extra=["--test-mode", "--dns-resolver", knot.address])
    ses = ses_client(nodes[1])
    domain = uniq_domain("clock")
    ses.verify_domain_identity(Domain=domain)
    assert run_due_checks(nodes[2]) == 1  # the first check, due at once
    advance_clock(nodes[0], 72 * H - 60)
    run_due_checks(nodes[2])
    assert all_attributes(ses, [domain])[domain]["VerificationStatus"] == "Pending"
    advance_clock(nodes[2], 59)
    assert run_due_checks(nodes[1]) == 0  # not yet: 1 s before the deadline on every node
    advance_clock(nodes[1], 1)
    assert run_due_checks(nodes[0]) == 1  # the deciding check, at the deadline
    for s in nodes:
        assert all_attributes(ses_client(s), [domain])[domain]["VerificationStatus"] == "Failed"


# --------------------------------------------------------------------------
# The sweep: due claims shared by three nodes, counted at the DNS servers


def seed_claims(vouch_factory, url: str, n: int) -> dict[str, str]:
    """n SES domains created through one test-mode node (its checks run only
    on request, so none is checked yet), which is then stopped. name -> token."""
    loader = vouch_factory.create(store=url, extra_args=["--test-mode", "--node-id", "loader"])
    loader.start(30)
    tokens: dict[str, str] = {}
    names = [f"s{i:05d}-{uniq('sw')}.example.com" for i in range(n)]
    clients = [ses_client(loader) for _ in range(8)]

    def make(k: int):
        out = {}
        for d in names[k::8]:
            out[d] = clients[k].verify_domain_identity(Domain=d)["VerificationToken"]
        return out
    with cf.ThreadPoolExecutor(8) as ex:
        for part in ex.map(make, range(8)):
            tokens.update(part)
    assert loader.stop() == 0
    return tokens


def sweep_fleet(vouch_factory, url, tokens, extra=(), slow_node: int | None = None):
    """Three production nodes (no test mode), node i asking DNS server i
    (slow_node's server holds its answers for a minute)."""
    table = {f"_amazonses.{d}": [t] for d, t in tokens.items()}
    dns = [TableDns(table, delay=60.0 if i == slow_node else 0.0) for i in range(3)]
    nodes = start_fleet(vouch_factory, url, extra=[*extra, *lease_args()],
                        per_node=lambda i: ["--dns-resolver", dns[i].address])
    return nodes, dns


def close_all(servers):
    for s in servers:
        s.close()


def wait_all_verified(client, names: list[str], timeout: float) -> None:
    def pending():
        attrs = all_attributes(client, names)
        return [d for d in names if attrs.get(d, {}).get("VerificationStatus") != "Success"]
    left = wait_until(lambda: not pending() or None, timeout=timeout, interval=0.5,
                      what="every claim verified")
    assert left


def counts_by_name(dns) -> tuple[dict[str, int], list[dict[str, int]]]:
    per_node = [d.snapshot() for d in dns]
    total: dict[str, int] = {}
    for c in per_node:
        for k, v in c.items():
            total[k] = total.get(k, 0) + v
    return total, per_node


def test_sweep_shared_by_three_nodes_checks_each_claim_once(vouch_factory, pg):
    url = pg.create_database()
    tokens = seed_claims(vouch_factory, url, SWEEP_N)
    names = sorted(tokens)
    t0 = time.monotonic()
    nodes, dns = sweep_fleet(vouch_factory, url, tokens)
    try:
        wait_until(lambda: len(counts_by_name(dns)[0]) >= SWEEP_N or None, timeout=120,
                   interval=0.2, what=f"{SWEEP_N} names queried")
        swept = time.monotonic() - t0
        wait_all_verified(ses_client(nodes[0]), names, timeout=60)
        total, per_node = counts_by_name(dns)
        want = {f"_amazonses.{d}" for d in names}
        total = {k: v for k, v in total.items() if k.startswith("_amazonses.")}
        assert set(total) == want, sorted(set(total) ^ want)[:5]
        twice = {k: v for k, v in total.items() if v != 1}
        assert not twice, f"{len(twice)} claims checked more than once, e.g. {list(twice.items())[:5]}"
        shares = [sum(c.values()) for c in per_node]
        assert all(s > 0 for s in shares), f"a node checked nothing: {shares}"
        print(f"sweep of {SWEEP_N} claims on 3 nodes: {swept:.1f} s, per node {shares}")
        for s in nodes:
            assert s.proc.poll() is None
    finally:
        close_all(dns)


def test_sigkill_one_node_mid_sweep_every_claim_still_checked(vouch_factory, pg):
    """Node 2's DNS server holds its answers: node 2 dies with the claims it
    leased in flight, unrecorded; the others check them after the lease."""
    url = pg.create_database()
    tokens = seed_claims(vouch_factory, url, KILL_SWEEP_N)
    names = sorted(tokens)
    want = {f"_amazonses.{d}" for d in names}
    nodes, dns = sweep_fleet(vouch_factory, url, tokens, slow_node=1)
    try:
        wait_until(lambda: dns[1].total() >= 20 or None, timeout=60, interval=0.01,
                   what="node 2 checking claims")
        os.kill(nodes[1].proc.pid, signal.SIGKILL)
        nodes[1].proc.wait(10)
        killed_asked = set(dns[1].snapshot()) & want
        assert killed_asked, dns[1].snapshot()

        def by_survivors() -> dict[str, int]:
            c: dict[str, int] = {}
            for d in (dns[0], dns[2]):
                for k, v in d.snapshot().items():
                    c[k] = c.get(k, 0) + v
            return c
        wait_until(lambda: want <= set(by_survivors()) or None, timeout=TAKEOVER_TIMEOUT,
                   interval=0.2, what=f"every claim checked after the kill (lease args: {lease_args()})")
        wait_all_verified(ses_client(nodes[0]), names, timeout=TAKEOVER_TIMEOUT)
        # Node 2 recorded nothing (no answer reached it): the others checked each claim once.
        survivors = {k: v for k, v in by_survivors().items() if k in want}
        more = {k: v for k, v in survivors.items() if v != 1}
        assert set(survivors) == want and not more, list(more.items())[:5]
        print(f"sweep of {KILL_SWEEP_N} with node 2 killed holding {len(killed_asked)} claims: "
              f"per node {[d.total() for d in dns]}")
        assert nodes[0].proc.poll() is None and nodes[2].proc.poll() is None
    finally:
        close_all(dns)


@pytest.mark.skipif(not os.environ.get("VOUCH_FLEET_SLOW") and not lease_args(), reason=(
    "this vouch has no --lease to shorten the 5 min mail lease: the test would wait it out "
    "(VOUCH_FLEET_SLOW=1 runs it, ~6 min)"))
def test_sigkill_one_node_mid_mail_burst_every_message_delivered(vouch_factory, pg):
    """Each node mails through its own SMTP server, so the counts say who sent
    what. Node 2's server answers slowly, so that node 2 dies with messages
    leased and unsent (and one handed over, its 250 not yet read)."""
    slow = lambda _msg: time.sleep(0.2)  # noqa: E731  (blocks that server's loop: one at a time)
    smtps = [SmtpServer(on_message=slow if i == 1 else None).start() for i in range(3)]
    try:
        url = pg.create_database()
        # Test mode for the inbox-free, check-free setup; the mail leases run on
        # the wall clock (MailDelivery gets `wall`), so the test waits them out.
        nodes = start_fleet(vouch_factory, url, extra=[*mail_args(None), *lease_args()],
                            per_node=lambda i: ["--smtp-url", smtps[i].url])
        n = 600
        emails = [f"m{i:03d}-{uniq('mb')}@example.com" for i in range(n)]
        clients = [ses_client(s) for s in nodes]
        acked: list[str] = []
        lock = threading.Lock()
        killed = threading.Event()

        def send(k: int):  # thread k calls node k % 3
            for e in emails[k::6]:
                try:
                    clients[k % 3].verify_email_identity(EmailAddress=e)
                except Exception:  # noqa: BLE001
                    if k % 3 == 1 and killed.is_set():
                        return  # node 2 is gone
                    raise
                with lock:
                    acked.append(e)

        def delivered() -> set[str]:
            return {r.lower() for s in smtps for m in s.received() for r in m.rcpt_tos}
        with cf.ThreadPoolExecutor(6) as ex:
            futs = [ex.submit(send, k) for k in range(6)]
            wait_until(lambda: len(smtps[1].received()) >= 3 or None,
                       timeout=120, interval=0.01, what="node 2 sending mail")
            killed.set()
            os.kill(nodes[1].proc.pid, signal.SIGKILL)
            nodes[1].proc.wait(10)
            delivered_at_kill = len(delivered())
            for f in futs:
                f.result()
        assert delivered_at_kill < len(acked), "every message went before the kill"

        def copies():
            c: dict[str, list] = {}
            for i, s in enumerate(smtps):
                for m in s.received():
                    for r in m.rcpt_tos:
                        c.setdefault(r.lower(), []).append((i, m.arrived))
            return c
        want = {e.lower() for e in acked}
        try:
            mail_lease_s = 5 if lease_args() else MAIL_LEASE_S
            wait_until(lambda: want <= set(copies()) or None, timeout=mail_lease_s + 60,
                       interval=0.5, what="every acknowledged message delivered after the kill "
                       f"(the mail lease: {lease_args() or f'{MAIL_LEASE_S} s, no flag'})")
        except AssertionError:
            missing = sorted(want - set(copies()))
            from smtp_server import claim_of
            raise AssertionError(f"{len(missing)} of {len(want)} not delivered; the first: "
                                 f"{claim_of(nodes[0], missing[0])}") from None
        c = copies()
        # A second copy only of a message node 2 handed over before it died
        # (its server, slow, may read it after the kill), sent again by another.
        for rcpt, got in c.items():
            if len(got) > 1:
                assert len(got) == 2, (rcpt, got)
                assert sorted(i == 1 for i, _ in got) == [False, True], (rcpt, got)
        dups = sum(len(v) - 1 for v in c.values())
        print(f"mail burst: {len(acked)} acknowledged, node 2 killed after "
              f"{len(smtps[1].received())} sends, {delivered_at_kill} delivered by then; "
              f"{dups} second copies; per node {[len(s.received()) for s in smtps]}")
        assert nodes[0].proc.poll() is None and nodes[2].proc.poll() is None
    finally:
        for s in smtps:
            s.stop()


# --------------------------------------------------------------------------
# PostgreSQL stopped and started under load


def test_postgres_stopped_and_started_under_load(vouch_factory, pg):
    nodes = start_fleet(vouch_factory, pg.create_database(), extra=["--test-mode"])
    acked: dict[str, str] = {}
    failures: list[tuple[int, str]] = []
    lock = threading.Lock()
    done = threading.Event()
    seq = iter(range(10**9))

    def writer(k: int):
        while not done.is_set():
            d = f"w{next(seq):06d}-{k}.example.com"
            try:
                status, token, code = ses_verify_raw(nodes[k % 3], d, timeout=15)
            except OSError as e:
                with lock:
                    failures.append((0, repr(e)))
                continue
            with lock:
                if status == 200:
                    acked[d] = token
                else:
                    failures.append((status, code))
            if status != 200:
                time.sleep(0.01)  # not to spin while the database is down (no timing depends on it)

    def n_acked():
        with lock:
            return len(acked)
    threads = [threading.Thread(target=writer, args=(k,), daemon=True) for k in range(6)]
    for t in threads:
        t.start()
    try:
        wait_until(lambda: n_acked() >= 100 or None, timeout=60, what="100 writes before the outage")
        pg.stop()
        before_outage = n_acked()
        wait_until(lambda: all(health(s)[0] == 503 for s in nodes) or None, timeout=30,
                   what="every node's health 503 while the database is down")
        for s in nodes:
            status, doc = health(s)
            assert status == 503 and doc and doc.get("store_ok") is False, (status, doc)
        wait_until(lambda: len(failures) >= 20 or None, timeout=30, what="writes refused")
        with lock:
            seen = list(failures)
        assert {st for st, _ in seen} <= {503}, f"not 503: {[f for f in seen if f[0] != 503][:5]}"
        assert all(code in ("ServiceUnavailable", "InternalFailure") for _, code in seen), seen[:5]
        for s in nodes:
            assert s.proc.poll() is None, f"{s} exited during the outage"
        pg.start()
        wait_until(lambda: all(health(s)[0] == 200 for s in nodes) or None, timeout=60,
                   what="every node healthy after the database is back")
        wait_until(lambda: n_acked() >= before_outage + 100 or None, timeout=60,
                   what="100 more writes after the outage")
    finally:
        done.set()
        for t in threads:
            t.join(30)
        if not pg.running():
            pg.start()  # for the tests after this one, whatever happened
    with lock:
        final = dict(acked)
        failed = list(failures)
    assert all(st == 503 for st, _ in failed), [f for f in failed if f[0] != 503][:5]
    for s in nodes:
        assert s.proc.poll() is None
        got = all_attributes(ses_client(s), sorted(final))
        missing = [d for d in final if d not in got]
        assert not missing, f"{len(missing)} acknowledged writes lost, e.g. {missing[:5]}"
        wrong = [d for d in final if got[d]["VerificationToken"] != final[d]]
        assert not wrong, wrong[:5]
    print(f"outage: {len(final)} writes acknowledged, {len(failed)} refused with 503")


# --------------------------------------------------------------------------
# vouch store copy


def api_view(srv, domains, emails, regions=("us-east-1", "eu-west-1")) -> dict:
    """Every answer a client gets about these identities and resources."""
    view = {}
    for region in regions:
        c = ses_client(srv, region=region)
        pages, token = [], None
        while True:
            p = c.list_identities(MaxItems=3, **({"NextToken": token} if token else {}))
            pages.append((p["Identities"], p.get("NextToken")))
            token = p.get("NextToken")
            if not token:
                break
        view[region] = {
            "attrs": all_attributes(c, domains + emails),
            "pages": pages,
            "dkim": {k: {**v, "DkimTokens": sorted(v.get("DkimTokens", []))}
                     for k, v in c.get_identity_dkim_attributes(
                         Identities=domains)["DkimAttributes"].items()},
        }
        st, lst = lattice(srv, "GET", "/domainverifications?maxResults=2", region=region)
        assert st == 200, lst
        lat_pages = [lst]
        while lat_pages[-1].get("nextToken"):
            st, nxt = lattice(srv, "GET", "/domainverifications?maxResults=2&nextToken="
                              + urllib_quote(lat_pages[-1]["nextToken"]), region=region)
            assert st == 200, nxt
            lat_pages.append(nxt)
        view[region]["lattice_pages"] = lat_pages
        view[region]["lattice"] = {
            x["id"]: lattice(srv, "GET", f"/domainverifications/{x['id']}", region=region)
            for p in lat_pages for x in p["items"]}
        view[region]["claims"] = ok(srv, "GET", "/_vouch/claims", region=region)
    return view


def test_store_copy_round_trip_answers_identical(vouch_factory, pg, smtp):
    knot = shared_knot("a")
    extra = mail_args(smtp.url, extra=["--dns-resolver", knot.address])
    old = vouch_factory.create(data_dir=vouch_factory.new_data_dir(), store=None, extra_args=extra)
    old.start()
    key, secret = random_access_key(), random_secret()
    old.account_add("210987654321", key, secret)
    domains = [f"cp{i}-{uniq('cp')}.example.com" for i in range(7)]
    emails = [uniq_email("cp") for _ in range(3)]
    for region in ("us-east-1", "eu-west-1"):
        c = ses_client(old, region=region)
        for d in domains:
            c.verify_domain_identity(Domain=d)
        c.verify_domain_dkim(Domain=domains[0])
        for e in emails:
            c.verify_email_identity(EmailAddress=e)
        for i in range(3):
            assert lattice(old, "POST", "/domainverifications",
                           {"domainName": uniq_domain("cpl"), "tags": {"n": str(i)}},
                           region=region)[0] in (200, 201)
    # One verified (the record published), the rest pending with a check behind them.
    tok = all_attributes(ses_client(old), [domains[1]])[domains[1]]["VerificationToken"]
    knot.set_txt(f"_amazonses.{domains[1]}", tok)
    assert run_due_checks(old) >= 1
    ses_client(old, key=key, secret=secret).verify_domain_identity(Domain="other-acct.example.com")
    links = {e: link_of(next(m for m in smtp.wait_for(to=e, count=2)
                             if str(m.message["Subject"]).endswith("us-east-1")))
             for e in emails}
    before = api_view(old, domains, emails)
    assert before["us-east-1"]["attrs"][domains[1]]["VerificationStatus"] == "Success"
    assert old.stop() == 0

    url = pg.create_database()
    res = subprocess.run([VOUCH_BIN, "store", "copy", "--from", str(old.data_dir), "--to", url],
                         capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stdout + res.stderr
    # The target is no longer empty: a second copy is refused, and changes nothing.
    again = subprocess.run([VOUCH_BIN, "store", "copy", "--from", str(old.data_dir), "--to", url],
                           capture_output=True, text=True, timeout=120)
    assert again.returncode != 0, again.stdout + again.stderr

    new = vouch_factory.create(store=url, extra_args=extra)
    new.start()
    after = api_view(new, domains, emails)
    assert after == before
    # The other account's key, and its identity, moved too.
    oc = ses_client(new, key=key, secret=secret)
    assert list_all_identities(oc) == ["other-acct.example.com"]
    # A link mailed before the move works after it, once.
    e = emails[0]
    link = rebase(links[e], new.endpoint)
    assert click(link)[0] == 200
    assert all_attributes(ses_client(new), [e])[e]["VerificationStatus"] == "Success"
    assert click(link)[0] == 410
    # Checks go on where they were: the pending domains are still due (nothing lost).
    assert all_attributes(ses_client(new), [domains[2]])[domains[2]]["VerificationStatus"] == "Pending"
