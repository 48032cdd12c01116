"""Every refusal to start: the real binary, one case each, checked for its
exit status (2: usage or configuration, 1: the environment), a message that
names the culprit, and no secret in what it prints."""

from __future__ import annotations

import os
import socket
import sqlite3
import subprocess
from pathlib import Path

import pytest

from conftest import VOUCH_BIN, free_port, pg_cluster

SECRET = "hunter2sekrit"


def start(args, env=None, user=None, timeout=30):
    """`vouch serve ARGS`, which must exit by itself; (status, stdout + stderr)."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("VOUCH_")}
    cmd = [VOUCH_BIN, "serve", *args]
    if user:
        cmd = ["runuser", "-u", user, "--", *cmd]
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout,
                         env={**base, **(env or {})}, stdin=subprocess.DEVNULL)
    return res.returncode, res.stdout + res.stderr


def listen_args():
    return ["--listen", f"127.0.0.1:{free_port()}", "--dns-resolver", "127.0.0.1:9"]


def write(path: Path, text: str) -> str:
    path.write_text(text)
    return str(path)


# (id, setup(tmp) -> (args, env), status, substrings the message must hold)
CASES = [
    ("unknown-flag", lambda t: (["--lisen", "127.0.0.1:1"], {}), 2,
     ["unknown option --lisen", "did you mean --listen?"]),
    ("bad-value", lambda t: (["--dns-quorum", "many"], {}), 2,
     ["--dns-quorum needs a positive number"]),
    ("listen-not-an-address", lambda t: (["--data", str(t / "d"), "--listen",
                                          "nosuchhost.invalid:4566"], {}), 2,
     ["--listen nosuchhost.invalid:4566", "not an IP address"]),
    ("listen-foreign-address", lambda t: (["--data", str(t / "d"), "--listen",
                                           "192.0.2.1:4566"], {}), 1,
     ["--listen 192.0.2.1:4566", "no network interface"]),
    ("data-is-a-file", lambda t: (["--data", write(t / "f", "x"), *listen_args()], {}), 2,
     ["--data ", "is not a directory"]),
    ("corrupt-sqlite", lambda t: (["--data", corrupt_db(t), *listen_args()], {}), 1,
     ["vouch.db", "not a database", "backup"]),
    ("schema-newer", lambda t: (["--data", newer_db(t), *listen_args()], {}), 1,
     ["schema version 999 is newer than this vouch", "upgrade vouch"]),
    ("root-half-set", lambda t: (["--data", str(t / "d"), *listen_args()],
                                 {"VOUCH_ROOT_ACCESS_KEY_ID": "AKIAVOUCHHALFSET0001"}), 2,
     ["VOUCH_ROOT_SECRET_ACCESS_KEY", "VOUCH_ROOT_ACCOUNT_ID"]),
    ("store-unreachable", lambda t: ([f"--store=postgres://vouch:{SECRET}@127.0.0.1:{free_port()}/v",
                                      *listen_args()], {}), 1,
     ["127.0.0.1", "vouch:***@", "Connection refused"]),
    ("config-missing", lambda t: (["--config", str(t / "none.toml")], {}), 2,
     ["--config", "none.toml", "No such file"]),
    ("config-syntax", lambda t: (["--config", write(t / "v.toml", "listen = \n")], {}), 2,
     ["v.toml:1:"]),
    ("config-unknown-key", lambda t: (["--config", write(t / "v.toml", "listn = \"x\"\n")], {}), 2,
     ["v.toml:1: unknown key 'listn'", "did you mean 'listen'"]),
    ("config-bad-value", lambda t: (["--config", write(t / "v.toml", "threads = 2\nlisten = \"x\"\n")],
                                    {}), 2,
     ["v.toml:2 (listen)"]),
    ("env-bad-switch", lambda t: ([], {"VOUCH_TEST_MODE": "maybe"}), 2, ["VOUCH_TEST_MODE"]),
    ("smtp-ca-missing", lambda t: (["--data", str(t / "d"), *listen_args(), "--smtp-url",
                                    "smtps://relay:465", "--smtp-ca-file", str(t / "ca.pem")], {}), 2,
     ["--smtp-ca-file", "ca.pem"]),
    ("smtp-password-in-clear", lambda t: (["--smtp-url", f"smtp://u:{SECRET}@relay:25",
                                           "--smtp-starttls", "off"], {}), 2,
     ["--smtp-starttls off", "password in --smtp-url"]),
    ("quorum-too-high", lambda t: (["--data", str(t / "d"), "--dns-resolver", "127.0.0.1:9",
                                    "--dns-quorum", "2"], {}), 2,
     ["--dns-quorum 2", "1 DNS resolver"]),
    ("public-test-mode", lambda t: (["--data", str(t / "d"), "--listen", "0.0.0.0:0",
                                     "--test-mode"], {}), 2,
     ["--test-mode", "--i-know-this-is-public"]),
]


def corrupt_db(tmp: Path) -> str:
    d = tmp / "corrupt"
    d.mkdir(mode=0o700)
    (d / "vouch.db").write_bytes(b"this is no sqlite database at all" * 200)
    return str(d)


def newer_db(tmp: Path) -> str:
    d = tmp / "newer"
    d.mkdir(mode=0o700)
    with sqlite3.connect(d / "vouch.db") as db:
        db.execute("PRAGMA user_version = 999")
    return str(d)


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_refusal_names_the_culprit(case, tmp_path):
    _, setup, status, parts = case
    args, env = setup(tmp_path)
    rc, out = start(args, env)
    assert rc == status, out
    for part in parts:
        assert part in out, (part, out)
    assert SECRET not in out
    assert out.count("\n") < 60  # the message and the usage (~45 lines), not a flood


def test_a_refusal_before_the_disk_leaves_no_data_dir(tmp_path):
    rc, out = start(["--data", str(tmp_path / "d"), *listen_args(), "--smtp-url",
                     "smtps://relay:465", "--smtp-ca-file", str(tmp_path / "ca.pem")])
    assert rc == 2 and "--smtp-ca-file" in out
    assert not (tmp_path / "d").exists()
    assert "root secret access key" not in out


def test_the_same_flags_start_when_nothing_is_wrong(vouch_factory, tmp_path):
    """Positive control: the harness's server starts with --data and --listen."""
    srv = vouch_factory.start()
    assert srv.proc.poll() is None


def starts(args) -> bool:
    """Whether `vouch serve ARGS` comes up (its "listening" line); stopped after."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("VOUCH_")}
    proc = subprocess.Popen([VOUCH_BIN, "serve", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, env=base,
                            stdin=subprocess.DEVNULL)
    try:
        for line in proc.stdout:
            if "listening on" in line:
                return True
        return False
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def test_port_in_use_names_the_address(tmp_path):
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        held.listen()
        port = held.getsockname()[1]
        rc, out = start(["--data", str(tmp_path / "d"), "--listen", f"127.0.0.1:{port}",
                         "--dns-resolver", "127.0.0.1:9"])
    assert rc == 1, out
    assert f"--listen 127.0.0.1:{port}: the port is in use" in out
    # Positive control: the port free again, the same command starts.
    assert starts(["--data", str(tmp_path / "d"), "--listen", f"127.0.0.1:{port}",
                   "--dns-resolver", "127.0.0.1:9"])


def test_locked_data_dir_names_the_pid(vouch_factory):
    srv = vouch_factory.start()
    rc, out = start(["--data", str(srv.data_dir), *listen_args()])
    assert rc == 1, out
    assert f"in use by another vouch server (pid {srv.proc.pid})" in out
    assert f"--data {srv.data_dir}" in out
    srv.stop()
    srv.start()  # positive control: free again once the first one stopped


def test_data_dir_not_writable(tmp_path):
    parent = tmp_path / "ro"
    parent.mkdir()
    user = None
    if os.geteuid() == 0:  # root writes anywhere: run as nobody
        user = "nobody"
        os.chmod(tmp_path, 0o755)
        parent.chmod(0o555)
    else:
        parent.chmod(0o500)
    try:
        rc, out = start(["--data", str(parent / "d"), *listen_args()], user=user)
    finally:
        parent.chmod(0o700)
    assert rc == 1, out
    assert f"--data {parent}/d" in out and "Permission denied" in out
    assert "run vouch as a user who may write there" in out


def test_missing_secret_key_with_claims(vouch_factory):
    from conftest import ses_client, uniq_domain
    srv = vouch_factory.start()
    ses_client(srv).verify_domain_identity(Domain=uniq_domain())
    srv.stop()
    os.remove(srv.data_dir / "secret.key")
    rc, out = start(["--data", str(srv.data_dir), *listen_args()])
    assert rc == 1, out
    assert "secret.key is missing" in out and "Restore it from a backup" in out


def test_store_schema_newer_on_postgres():
    url = pg_cluster(fsync=False).create_database()
    # Positive control: `account list` opens (and migrates) the same database.
    res = subprocess.run([VOUCH_BIN, "account", "list", "--store", url], capture_output=True,
                         text=True, timeout=60)
    assert res.returncode == 0, res.stderr
    subprocess.run(["psql", "-X", "-q", "-d", url, "-c",
                    "DELETE FROM schema_version; INSERT INTO schema_version VALUES (999)"],
                   check=True, capture_output=True)
    rc, out = start([f"--store={url}", *listen_args()], timeout=60)
    assert rc == 1, out
    assert "schema version 999 is newer than this vouch" in out and "upgrade vouch" in out


def test_missing_secret_key_on_postgres(vouch_factory):
    from conftest import ses_client, uniq_domain
    url = pg_cluster(fsync=False).create_database()
    srv = vouch_factory.start(store=url)
    ses_client(srv).verify_domain_identity(Domain=uniq_domain())
    srv.stop()
    # Positive control: the same database starts again while the key is there.
    srv.start()
    srv.stop()
    subprocess.run(["psql", "-X", "-q", "-d", url, "-c",
                    "DELETE FROM settings WHERE name = 'secret_key'"],
                   check=True, capture_output=True)
    rc, out = start([f"--store={url}", *listen_args()], timeout=60)
    assert rc == 1, out
    assert "secret_key is missing, but the store holds claims" in out
    assert "Restore it from a backup" in out
