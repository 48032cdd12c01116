"""Webhooks on a fleet (issue 16): two vouch nodes on one PostgreSQL
database, one webhook, a receiver counting event ids. Both nodes sweep and
deliver at once (test mode: POST /_vouch/test/run-due-checks and
run-due-webhooks on each, concurrently); the store's leases give each
delivery to one node, so every event arrives exactly once (no node dies, no
lease expires), in order per claim. Then one node is SIGKILLed while its
POSTs hang at the receiver: after its leases expire (on the shared test
clock) the other node delivers everything; only what the dead node had in
hand may arrive twice. The PostgreSQL server is this module's own (the
`pg` fixture of test_fleet.py)."""

from __future__ import annotations

import concurrent.futures as cf
import os
import signal
import threading
from collections import Counter

from conftest import ses_client, uniq_domain
from dns_server import shared_knot
from test_fleet import pg, start_fleet  # noqa: F401  (the module's cluster)
from test_webhooks import ALLOW, Receiver, add_webhook, all_events, deliver, set_status
from vouch_client import advance_clock, run_due_checks, wait_until

N = int(os.environ.get("VOUCH_FLEET_WEBHOOK_N", "50"))
LEASE_S = 300  # src/cli/serve_webhooks.h kWebhookLease, on the domain (test) clock


def fleet(vouch_factory, pg, knot):  # noqa: F811
    return start_fleet(vouch_factory, pg.create_database(), n=2,
                       extra=["--test-mode", "--dns-resolver", knot.address, *ALLOW])


def verify_all(nodes, knot, n: int) -> list[str]:
    """n domains created across both nodes, their TXT published, swept by both at once."""
    domains = [uniq_domain("fw") for _ in range(n)]
    clients = [ses_client(s) for s in nodes]
    for i, d in enumerate(domains):
        token = clients[i % 2].verify_domain_identity(Domain=d)["VerificationToken"]
        knot.set_txt(f"_amazonses.{d}", token)
    with cf.ThreadPoolExecutor(2) as ex:
        checked = sum(ex.map(run_due_checks, nodes))
    assert checked == n, checked
    return domains


def deliver_on_both(nodes) -> int:
    """run-due-webhooks on both nodes at once until neither finds anything."""
    total = 0
    with cf.ThreadPoolExecutor(2) as ex:
        for _ in range(20):
            n = sum(ex.map(deliver, nodes))
            total += n
            if n == 0:
                return total
    raise AssertionError("deliveries never ran out")


def test_two_nodes_deliver_each_event_once_in_order_per_claim(vouch_factory, pg):  # noqa: F811
    knot = shared_knot("a")
    rx = Receiver().start()
    try:
        nodes = fleet(vouch_factory, pg, knot)
        add_webhook(nodes[0], rx.url())
        domains = verify_all(nodes, knot, N)
        # Two more changes per domain, made on alternate nodes between rounds
        # of delivery on both: a claim's later events wait for its earlier.
        deliver_on_both(nodes)
        for step in ("TemporaryFailure", "Success"):
            with cf.ThreadPoolExecutor(4) as ex:
                list(ex.map(lambda i: set_status(nodes[i % 2], domains[i], step), range(N)))
            deliver_on_both(nodes)
        events = all_events(nodes[1])
        assert len(events) == 3 * N, len(events)
        got = rx.events()
        counts = Counter(e["id"] for e in got)
        assert sorted(counts) == sorted(e["id"] for e in events), "every event delivered"
        assert max(counts.values()) == 1, [i for i, c in counts.items() if c > 1][:5]
        seq = {e["id"]: i for i, e in enumerate(events)}
        by_claim: dict[str, list[str]] = {}
        for e in got:
            by_claim.setdefault(e["claim_id"], []).append(e["id"])
        assert len(by_claim) == N
        for ids in by_claim.values():
            assert [seq[i] for i in ids] == sorted(seq[i] for i in ids), ids
        assert deliver(nodes[0]) == 0 and deliver(nodes[1]) == 0, "nothing left on either node"
        # Each node counts what it delivered: together, each event once.
        from test_metrics import Scrape
        split = [Scrape(s.port).value("vouch_webhook_deliveries_total", outcome="delivered")
                 for s in nodes]
        assert sum(split) == 3 * N, split
        print(f"deliveries per node: {split}")
    finally:
        rx.stop()


def test_a_node_killed_mid_delivery_loses_nothing(vouch_factory, pg):  # noqa: F811
    knot = shared_knot("a")
    hold = threading.Event()
    rx = Receiver(hold=hold).start()
    try:
        nodes = fleet(vouch_factory, pg, knot)
        add_webhook(nodes[0], rx.url())
        verify_all(nodes, knot, N)
        # Node 1 leases the whole batch and hangs on its first POSTs.
        stuck = threading.Thread(target=lambda: _ignore(deliver, nodes[0]), daemon=True)
        stuck.start()
        wait_until(lambda: len(rx.got) >= 4, timeout=30, what="node 1's first POSTs")
        assert deliver(nodes[1]) == 0, "node 1 holds every delivery's lease"
        os.kill(nodes[0].proc.pid, signal.SIGKILL)
        nodes[0].proc.wait(10)
        in_hand = {g["headers"]["Vouch-Event-Id"] for g in rx.got}
        hold.set()
        assert deliver(nodes[1]) == 0, "the leases hold until they expire"
        advance_clock(nodes[1], LEASE_S + 1)
        assert deliver_on_both(nodes[1:]) == N, "node 1 recorded none of its batch"
        events = all_events(nodes[1])
        assert len(events) == N
        counts = Counter(g["headers"]["Vouch-Event-Id"] for g in rx.got)
        assert sorted(counts) == sorted(e["id"] for e in events), "nothing lost"
        twice = {i for i, c in counts.items() if c > 1}
        assert twice <= in_hand, (twice, in_hand)
        assert max(counts.values()) <= 2
    finally:
        hold.set()
        rx.stop()


def _ignore(fn, *args):
    try:
        fn(*args)
    except Exception:  # noqa: BLE001  (its node is killed under it)
        pass
