"""`vouch events` against a running test-mode server with knot behind it: a
domain that flips to verified shows as an event (a table row, or a JSON
line), --limit and --after page through the account's
events, --follow prints an event as it comes and stops on SIGINT, and a wrong
secret, no server or a usage error exit 3."""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import time

import pytest

from conftest import VOUCH_BIN, random_secret, ses_client, uniq_domain
from dns_server import run_due, shared_knot, start_vouch
from test_claims_cli import NOBODY, cli_env


@pytest.fixture
def knot():
    return shared_knot("a")


def vouch_events(srv, *args, secret: str | None = None, timeout: float = 60):
    """(exit status, stdout, stderr) of `vouch events ARGS`."""
    env = cli_env(srv) if secret is None else cli_env(srv, secret)
    p = subprocess.run([VOUCH_BIN, "events", *args], env=env, capture_output=True, text=True,
                       timeout=timeout)
    return p.returncode, p.stdout, p.stderr


def json_lines(out: str) -> list[dict]:
    return [json.loads(line) for line in out.splitlines()]


def new_domain(srv, knot, publish: bool = True) -> str:
    domain = uniq_domain("evcli")
    token = ses_client(srv).verify_domain_identity(Domain=domain)["VerificationToken"]
    if publish:
        knot.set_txt(f"_amazonses.{domain}", token)
    return domain


def last_event_id(srv) -> str:
    rc, out, err = vouch_events(srv, "--format", "json", "--limit", "100000")
    assert rc == 0, err
    lines = json_lines(out)
    return lines[-1]["id"] if lines else "evt-0"


def read_until(proc: subprocess.Popen, text: str, deadline: float) -> str:
    """Lines of proc's stdout up to the first that holds `text`. Read from the
    pipe itself: lines a buffered reader had taken in are invisible to select
    (a header and a row written together left the row there until the deadline)."""
    fd = proc.stdout.fileno()
    seen = ""
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], max(0.0, deadline - time.monotonic()))
        if not ready:
            break
        chunk = os.read(fd, 65536)
        if not chunk:
            break
        seen += chunk.decode()
        end = 0
        for line in seen.splitlines(keepends=True):
            end += len(line)
            if text in line and line.endswith("\n"):
                return seen[:end]
    raise AssertionError(f"{text!r} never came; saw {seen!r}")


def test_a_verified_domain_is_an_event_row_and_a_json_line(vouch_factory, knot):
    srv = start_vouch(vouch_factory, knot.address)
    domain = new_domain(srv, knot)
    # Created, not yet checked: no status change, no event (the header alone).
    rc, out, err = vouch_events(srv)
    assert (rc, out.splitlines()) == (0, [out.splitlines()[0]]), err
    assert out.split() == ["ID", "TIME", "(UTC)", "TYPE", "CHANGE", "RESOURCE"], out

    assert run_due(srv) == 1
    rc, out, err = vouch_events(srv)
    assert rc == 0, err
    lines = out.splitlines()
    assert len(lines) == 2, out
    # 58 columns, then the name whole.
    assert lines[1].startswith("evt-") and lines[1][27:36] == "identity ", out
    assert lines[1][38:] == f"Pending -> Success  {domain}", out

    rc, out, err = vouch_events(srv, "--format", "json")
    assert rc == 0, err
    [e] = json_lines(out)
    assert e["resource"] == {"identity": domain}
    assert (e["type"], e["old_status"], e["new_status"]) == (
        "ses.identity.status_changed", "Pending", "Success")


def test_limit_and_after_page_through_the_events(vouch_factory, knot):
    srv = start_vouch(vouch_factory, knot.address)
    domains = [new_domain(srv, knot) for _ in range(3)]
    assert run_due(srv) == 3
    rc, out, err = vouch_events(srv, "--format", "json")
    assert rc == 0 and err == "", err
    everything = json_lines(out)
    assert sorted(e["resource"]["identity"] for e in everything) == sorted(domains)

    # One at a time, each run naming the --after of the next, to the end.
    seen, after = [], None
    for _ in range(5):
        rc, out, err = vouch_events(srv, "--format", "json", "--limit", "1",
                                    *(["--after", after] if after else []))
        assert rc == 0, err
        seen += json_lines(out)
        if "more events follow" not in err:
            break
        after = err.split("--after ")[1].split()[0]
        assert after == seen[-1]["id"], (err, seen)
    assert [e["id"] for e in seen] == [e["id"] for e in everything]
    # Past the last: nothing, and nothing more.
    assert vouch_events(srv, "--format", "json", "--after", everything[-1]["id"]) == (0, "", "")


def test_follow_prints_the_event_as_the_domain_flips_and_stops_on_sigint(vouch_factory, knot):
    srv = start_vouch(vouch_factory, knot.address)
    new_domain(srv, knot)
    assert run_due(srv) == 1
    after = last_event_id(srv)
    assert after != "evt-0"

    # JSON lines, --limit 1: it ends by itself once the event came.
    domain = new_domain(srv, knot)
    follower = subprocess.Popen(
        [VOUCH_BIN, "events", "--follow", "--after", after, "--interval", "200ms",
         "--format", "json", "--limit", "1"],
        env=cli_env(srv), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert run_due(srv) == 1
        out, err = follower.communicate(timeout=60)
    finally:
        follower.kill()
    assert follower.returncode == 0, err
    [e] = json_lines(out)
    assert e["resource"] == {"identity": domain} and e["new_status"] == "Success"

    # A table row as it comes; SIGINT ends the following with 0.
    after = e["id"]
    domain = new_domain(srv, knot)
    follower = subprocess.Popen(
        [VOUCH_BIN, "events", "--follow", "--after", after, "--interval", "200ms"],
        env=cli_env(srv), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert run_due(srv) == 1
        seen = read_until(follower, domain, time.monotonic() + 60)
        assert "Pending -> Success" in seen.splitlines()[-1], seen
        follower.send_signal(signal.SIGINT)
        _, err = follower.communicate(timeout=30)
    finally:
        follower.kill()
    assert follower.returncode == 0, err


def test_bad_credentials_no_server_and_usage_errors_exit_three(vouch_factory, knot):
    srv = start_vouch(vouch_factory, knot.address)
    assert vouch_events(srv)[0] == 0  # the positive control
    rc, _, err = vouch_events(srv, secret=random_secret())
    assert rc == 3 and "InvalidSignatureException" in err, err
    rc, _, err = vouch_events(srv, "--follow", secret=random_secret())
    assert rc == 3 and "InvalidSignatureException" in err, err
    p = subprocess.run([VOUCH_BIN, "events", "--endpoint-url", NOBODY], env=cli_env(None),
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 3 and "cannot reach the server" in p.stderr, p.stderr
    rc, _, err = vouch_events(srv, "--limit", "0")
    assert rc == 3 and "usage:" in err, err
    rc, _, err = vouch_events(srv, "--after", "yesterday")
    assert rc == 3 and "--after needs an event id" in err, err
