"""VPC Lattice GetDomainVerification across two nodes on one PostgreSQL
database (issue 19): a node keeps the verifications it has read by id only
with --store-cache, and forgets one when any node writes it (LISTEN/NOTIFY);
without --store-cache every read asks PostgreSQL, so each node sees the
other's writes at once. The writes: the test-mode status override, a tag,
a delete.
"""

from __future__ import annotations

import urllib.parse

import pytest

from conftest import uniq_domain
from test_fleet import lattice, pg, start_fleet  # noqa: F401 (pg: the fixture)
from vouch_client import vouch_request, wait_until


def read(srv, vid: str) -> tuple[int, dict]:
    return lattice(srv, "GET", f"/domainverifications/{vid}")


def field(srv, vid: str, name: str):
    status, doc = read(srv, vid)
    assert status == 200, (status, doc)
    return doc.get(name)


def set_status(srv, vid: str, status_name: str) -> None:
    status, doc = vouch_request(srv, "POST", f"/_vouch/test/claims/{vid}/status",
                                {"status": status_name})
    assert status == 200, (status, doc)


@pytest.mark.parametrize("cache", [False, True], ids=["no-cache", "store-cache"])
def test_get_domain_verification_sees_the_other_nodes_writes(vouch_factory, pg, cache):
    url = pg.create_database()
    extra = ["--test-mode", *(["--store-cache", "1000"] if cache else [])]
    a, b = start_fleet(vouch_factory, url, n=2, extra=extra)
    status, created = lattice(a, "POST", "/domainverifications",
                              {"domainName": uniq_domain("gdv")})
    assert status in (200, 201), (status, created)
    vid = created["id"]

    def seen_by(srv, name, want):
        if cache:  # heard after the writer's answer: milliseconds
            wait_until(lambda: field(srv, vid, name) == want, timeout=5,
                       what=f"{srv.port} to see {name} {want}")
        else:
            assert field(srv, vid, name) == want

    for _ in range(2):  # b's second read: from its memory, with the cache
        assert field(b, vid, "status") == "PENDING"
    set_status(a, vid, "verified")
    assert field(a, vid, "status") == "VERIFIED"  # the writer's own read: at once
    seen_by(b, "status", "VERIFIED")

    assert field(a, vid, "status") == "VERIFIED"
    set_status(b, vid, "failed")
    seen_by(a, "status", "VERIFICATION_TIMED_OUT")

    status, doc = lattice(b, "POST", "/tags/" + urllib.parse.quote(created["arn"], safe=""),
                          {"tags": {"env": "prod"}})
    assert status in (200, 204), (status, doc)
    seen_by(a, "tags", {"env": "prod"})

    if cache:
        # b's own tag write erased its entry at once, but its notification of
        # that write reaches b later and may erase the entry the next read
        # holds. Notifications arrive in commit order: once b has heard a later
        # write (to a marker it holds), it has heard its own.
        status, marker = lattice(a, "POST", "/domainverifications",
                                 {"domainName": uniq_domain("gdv-marker")})
        assert status in (200, 201), (status, marker)
        for _ in range(2):
            assert field(b, marker["id"], "status") == "PENDING"
        set_status(a, marker["id"], "verified")
        wait_until(lambda: field(b, marker["id"], "status") == "VERIFIED", timeout=5,
                   what="b to hear the marker's write")

    # Control: a change behind every node's back (nobody is told) is unseen by
    # a node holding the verification in memory, and seen at once without one.
    held = field(b, vid, "txtMethodConfig")["value"]
    pg.sql(url, f"UPDATE claims SET token = 'changed-behind-its-back' WHERE id = '{vid}'")
    assert field(b, vid, "txtMethodConfig")["value"] == (held if cache else
                                                          "changed-behind-its-back")

    status, doc = lattice(a, "DELETE", f"/domainverifications/{vid}")
    assert status in (200, 204), (status, doc)
    if cache:
        wait_until(lambda: read(b, vid)[0] == 404, timeout=5, what="the delete heard")
    else:
        assert read(b, vid)[0] == 404
    assert read(a, vid)[0] == 404
