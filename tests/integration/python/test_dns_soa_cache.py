"""The SOA a check shows (SES v2 VerificationInfo.SOARecord) through vouch's
SOA cache, against knot serving a parent zone and child zones delegated
from it (each SOA names its own zone's ns.<zone>), checks one at a time:

- cache on, child apex first: every domain shows its own zone's SOA, the
  second parent domain from the cache, a name below the child's apex never
  the parent's;
- the documented approximation: a parent domain known first, a child apex
  checked next shows the parent's SOA until the parent's entry expires
  (the zone's TTL, 60 s on test mode's clock), then its own;
- --dns-soa-cache 0 (the control): the same order shows the child's own.
"""

from __future__ import annotations

import pytest

from conftest import ses_client, uniq
from dns_server import (
    KnotServer,
    advance,
    check_now,
    claim_by_subject,
    require_knot,
    start_vouch,
)
from test_sesv2_diag import info

PARENT = "soa-parent.test"
KID1, KID2 = f"kid1.{PARENT}", f"kid2.{PARENT}"
LIVE_CHECKS = ["--rate-limit", "vouch:CheckClaim=0"]


@pytest.fixture(scope="module")
def knot():
    require_knot()
    k = KnotServer(zones=[PARENT, KID1, KID2])
    for kid in (KID1, KID2):  # the delegations, with glue, as the parent publishes them
        k.records[PARENT][kid] = [("NS", f"ns.{kid}.")]
        k.records[PARENT][f"ns.{kid}"] = [("A", "127.0.0.1")]
    k.start()
    yield k
    k.close()


def publish(srv, knot, *domains: str) -> None:
    ses = ses_client(srv)
    for d in domains:
        knot.set_txt(f"_amazonses.{d}", ses.verify_domain_identity(Domain=d)["VerificationToken"])


def checked_soa(srv, domain: str) -> str:
    """Checks `domain` now; the SOA's primary name server it then shows."""
    check_now(srv, claim_by_subject(srv, domain, kind="ses_domain")["id"])
    return info(srv, domain)["SOARecord"]["PrimaryNameServer"]


def test_each_zone_shows_its_own_soa(vouch_factory, knot):
    srv = start_vouch(vouch_factory, knot.address, extra=LIVE_CHECKS)
    p1, p2 = f"{uniq('p')}.{PARENT}", f"{uniq('p')}.{PARENT}"
    below_kid = f"{uniq('x')}.{KID1}"
    publish(srv, knot, KID1, p1, p2, below_kid)
    assert checked_soa(srv, KID1) == f"ns.{KID1}"
    assert checked_soa(srv, p1) == f"ns.{PARENT}"
    assert checked_soa(srv, p2) == f"ns.{PARENT}"  # the parent's, cached from p1's answer
    assert checked_soa(srv, below_kid) == f"ns.{KID1}"  # never across the child's cut
    assert checked_soa(srv, KID1) == f"ns.{KID1}"


def test_a_child_apex_under_a_cached_parent_until_it_expires(vouch_factory, knot):
    cached = start_vouch(vouch_factory, knot.address, extra=LIVE_CHECKS)
    exact = start_vouch(vouch_factory, knot.address, extra=LIVE_CHECKS + ["--dns-soa-cache", "0"])
    for srv in (cached, exact):
        p = f"{uniq('p')}.{PARENT}"
        publish(srv, knot, p, KID2)
        assert checked_soa(srv, p) == f"ns.{PARENT}"
    assert checked_soa(exact, KID2) == f"ns.{KID2}"
    assert checked_soa(cached, KID2) == f"ns.{PARENT}"  # the approximation (docs/DNS.md)
    advance(cached, 61)
    assert checked_soa(cached, KID2) == f"ns.{KID2}"
