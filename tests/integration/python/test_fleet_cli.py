"""The fleet's command line without a database: /_vouch/health names the
store and the node, a --store that does not answer stops `vouch serve` and the
account commands with one clear line (never a crash), --data and --store
exclude each other, and `vouch store copy` refuses a data directory a server
holds. Runs against a real PostgreSQL are in the fleet suite."""

from __future__ import annotations

import http.client
import json
import re
import subprocess

from conftest import VOUCH_BIN, free_port

# Nothing listens on port 1: the connection is refused at once.
DOWN = "postgres://vouch:s3cret@127.0.0.1:1/vouch?connect_timeout=2"


def health(srv) -> tuple[int, dict]:
    conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=5)
    conn.request("GET", "/_vouch/health")
    resp = conn.getresponse()
    body = json.loads(resp.read())
    conn.close()
    return resp.status, body


def run(*args, timeout=30):
    return subprocess.run([VOUCH_BIN, *args], capture_output=True, text=True, timeout=timeout)


def assert_one_clear_line(r, status=2):
    # Not a signal, not a core dump: `vouch serve` exits 1 when the environment
    # (here the database) refuses, the other commands 2 for any failure.
    assert r.returncode == status, (r.returncode, r.stderr)
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    assert lines[0].startswith("vouch: cannot open the store postgres://vouch:***@127.0.0.1:1/vouch"), lines[0]
    assert "s3cret" not in r.stderr and "s3cret" not in r.stdout


def test_health_names_the_store_and_a_random_node(vouch_factory):
    srv = vouch_factory.start()
    status, doc = health(srv)
    assert status == 200
    assert doc["store"] == "sqlite" and doc["store_ok"] is True and doc["status"] == "ok"
    assert re.fullmatch(r"[0-9a-f]{12}", doc["node"]), doc
    first = doc["node"]
    srv.restart()
    assert health(srv)[1]["node"] != first  # random per process


def test_node_id_flag(vouch_factory):
    srv = vouch_factory.start(extra_args=["--node-id", "eu-1.a"])
    assert health(srv)[1]["node"] == "eu-1.a"


def test_serve_on_a_store_that_does_not_answer_stops_with_one_line():
    r = run("serve", "--store", DOWN, "--listen", f"127.0.0.1:{free_port()}")
    assert_one_clear_line(r, status=1)


def test_account_commands_on_a_store_that_does_not_answer():
    assert_one_clear_line(run("account", "list", "--store", DOWN))
    assert_one_clear_line(run("account", "add", "--store", DOWN, "--account-id", "111122223333",
                              "--access-key-id", "AKIAFLEETCLITEST0001", "--secret-access-key", "x"))
    assert_one_clear_line(run("account", "remove", "--store", DOWN,
                              "--access-key-id", "AKIAFLEETCLITEST0001"))


def test_data_and_store_exclude_each_other(tmp_path):
    r = run("serve", "--data", str(tmp_path), "--store", DOWN)
    assert r.returncode == 2
    assert "--data and --store exclude each other" in r.stderr
    assert not (tmp_path / "vouch.lock").exists()


def test_store_copy_refuses_a_running_servers_data_dir(vouch_factory):
    srv = vouch_factory.start()
    r = run("store", "copy", "--from", str(srv.data_dir), "--to", DOWN)
    assert r.returncode == 2
    assert (f"data directory {srv.data_dir} is in use by another vouch server "
            f"(pid {srv.proc.pid}): stop it before copying") in r.stderr, r.stderr
    srv.stop()
    assert_one_clear_line(run("store", "copy", "--from", str(srv.data_dir), "--to", DOWN))


def test_store_copy_needs_a_data_dir(tmp_path):
    r = run("store", "copy", "--from", str(tmp_path / "none"), "--to", DOWN)
    assert r.returncode == 2
    assert "holds no vouch.db" in r.stderr
    assert not (tmp_path / "none").exists()  # nothing created
