"""Durability: clean restart, SIGKILL during writes, generated root
credentials, and accounts added while the server runs."""

from __future__ import annotations

import os
import re
import signal
import stat
import subprocess
import threading
import time
from pathlib import Path

import pytest
from botocore.exceptions import BotoCoreError, ClientError

from conftest import (
    VOUCH_BIN,
    assert_ok,
    expect_error,
    list_all_identities,
    random_access_key,
    random_secret,
    ses_client,
)
from smtp_server import click, inbox, rebase

KEY_RE = re.compile(r"\bAKIA[A-Z0-9]{16}\b")
SECRET_LINE_RE = re.compile(r"secret[^:\n]*:\s*(\S{40})\s*$", re.IGNORECASE | re.MULTILINE)
ACCOUNT_LINE_RE = re.compile(r"account[^:\n]*:\s*(\d{12})\s*$", re.IGNORECASE | re.MULTILINE)


def snapshot(client, domains, emails):
    """Everything a client can see about the given identities."""
    attrs = {}
    for i in range(0, len(domains) + len(emails), 100):
        chunk = (domains + emails)[i:i + 100]
        attrs.update(client.get_identity_verification_attributes(
            Identities=chunk)["VerificationAttributes"])
    dkim = client.get_identity_dkim_attributes(Identities=domains[:100])["DkimAttributes"]
    for v in dkim.values():
        if "DkimTokens" in v:
            v["DkimTokens"] = sorted(v["DkimTokens"])
    return {
        "all": sorted(list_all_identities(client)),
        "attrs": attrs,
        "dkim": dkim,
    }


def test_sigterm_exits_cleanly_and_restart_keeps_everything(vouch_factory):
    srv = vouch_factory.start()
    ses = ses_client(srv)
    west = ses_client(srv, region="eu-west-1")
    domains = [f"keep{i}.example.com" for i in range(10)]
    emails = [f"keep{i}@example.com" for i in range(5)]
    tokens = {d: ses.verify_domain_identity(Domain=d)["VerificationToken"] for d in domains}
    for e in emails:
        ses.verify_email_identity(EmailAddress=e)
    dkim = {d: sorted(ses.verify_domain_dkim(Domain=d)["DkimTokens"]) for d in domains[:3]}
    west_token = west.verify_domain_identity(Domain="west.example.com")["VerificationToken"]
    ses.delete_identity(Identity=domains[-1])
    domains_alive = domains[:-1]
    before = snapshot(ses, domains, emails)
    assert len(before["attrs"]) == len(domains_alive) + len(emails)

    rc = srv.stop()
    assert rc == 0, f"SIGTERM should exit 0, got {rc}; stderr:\n{srv.stderr_text()}"
    srv.start()
    ses = ses_client(srv)
    west = ses_client(srv, region="eu-west-1")
    after = snapshot(ses, domains, emails)
    assert after == before
    for d in domains_alive:
        assert after["attrs"][d]["VerificationToken"] == tokens[d]
        # Re-verifying after restart still returns the original token.
        assert ses.verify_domain_identity(Domain=d)["VerificationToken"] == tokens[d]
    for d, t in dkim.items():
        assert sorted(ses.verify_domain_dkim(Domain=d)["DkimTokens"]) == t
    assert west.get_identity_verification_attributes(Identities=["west.example.com"])[
        "VerificationAttributes"]["west.example.com"]["VerificationToken"] == west_token
    assert list_all_identities(west) == ["west.example.com"]


def test_sigkill_during_concurrent_writes_keeps_acknowledged(vouch_factory):
    srv = vouch_factory.start()
    threads_n, per_thread = 8, 50  # 400 requests at most
    kill_after = 150
    acked: dict[str, str] = {}
    lock = threading.Lock()
    enough = threading.Event()
    clients = [ses_client(srv) for _ in range(threads_n)]
    # tighter timeouts so that the threads end quickly once the server is gone
    for c in clients:
        c.meta.config.connect_timeout = 2
        c.meta.config.read_timeout = 5

    def worker(idx: int):
        client = clients[idx]
        for j in range(per_thread):
            d = f"burst-{idx}-{j}.example.com"
            try:
                resp = client.verify_domain_identity(Domain=d)
            except (ClientError, BotoCoreError, OSError):
                if enough.is_set():
                    return
                continue
            if resp["ResponseMetadata"]["HTTPStatusCode"] == 200:
                with lock:
                    acked[d] = resp["VerificationToken"]
                    if len(acked) >= kill_after:
                        enough.set()

    threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(threads_n)]
    for t in threads:
        t.start()
    assert enough.wait(60), f"only {len(acked)} writes acknowledged in 60 s"
    os.kill(srv.proc.pid, signal.SIGKILL)
    srv.proc.wait(10)
    for t in threads:
        t.join(30)
    assert not any(t.is_alive() for t in threads)
    with lock:
        acked_snapshot = dict(acked)
    assert len(acked_snapshot) >= kill_after
    # The kill really landed in the middle of the burst.
    assert len(acked_snapshot) < threads_n * per_thread, "burst finished before the kill"

    srv.start()
    ses = ses_client(srv)
    names = sorted(acked_snapshot)
    found = {}
    for i in range(0, len(names), 100):
        found.update(ses.get_identity_verification_attributes(
            Identities=names[i:i + 100])["VerificationAttributes"])
    missing = [d for d in names if d not in found]
    assert not missing, f"{len(missing)} acknowledged identities lost, e.g. {missing[:5]}"
    wrong = [d for d in names if found[d].get("VerificationToken") != acked_snapshot[d]]
    assert not wrong, f"{len(wrong)} tokens changed, e.g. {wrong[:3]}"
    # The store is usable after the crash: listing is consistent and writes work.
    listed = list_all_identities(ses)
    assert len(listed) == len(set(listed))
    assert set(names) <= set(listed)
    assert_ok(ses.verify_domain_identity(Domain="after-crash.example.com"))


def _find_secret_files(data_dir: Path, secret: str) -> list[Path]:
    hits = []
    for p in data_dir.rglob("*"):
        if p.is_file() and not p.is_symlink():
            try:
                if secret.encode() in p.read_bytes():
                    hits.append(p)
            except OSError:
                pass
    return hits


def _parse_generated(stdout: str):
    keys = KEY_RE.findall(stdout)
    secrets = SECRET_LINE_RE.findall(stdout)
    accounts = ACCOUNT_LINE_RE.findall(stdout)
    return keys, secrets, accounts


def test_generated_root_credentials(vouch_factory):
    # A data dir that does not exist yet: vouch creates it, with its own modes.
    srv = vouch_factory.create(data_dir=vouch_factory.new_data_dir() / "data", root_creds=False)
    srv.start()
    stdout = srv.stdout_text()
    keys, secrets, accounts = _parse_generated(stdout)
    if not secrets:
        # Tolerate block-buffered stdout: the lines must be there after exit.
        assert srv.stop() == 0
        stdout = srv.stdout_text()
        keys, secrets, accounts = _parse_generated(stdout)
        srv.start()
    assert keys, f"no access key id (AKIA...) printed on first start; stdout:\n{stdout}"
    assert len(secrets) == 1, f"expected one 40-char secret line; stdout:\n{stdout}"
    key, secret = keys[0], secrets[0]
    assert len(secret) == 40
    assert len(accounts) == 1, f"expected 'root account id: <12 digits>'; stdout:\n{stdout}"
    # Exact documented format.
    assert f"root access key id: {key}" in stdout
    assert f"root secret access key: {secret}" in stdout
    assert f"root account id: {accounts[0]}" in stdout

    ses = ses_client(srv, key=key, secret=secret)
    token = ses.verify_domain_identity(Domain="generated.example.com")["VerificationToken"]
    # A different secret for that key is refused.
    expect_error(ses_client(srv, key=key, secret=random_secret()).list_identities,
                 "SignatureDoesNotMatch", 403)

    files = _find_secret_files(srv.data_dir, secret)
    assert files, "the generated secret is not stored in the data dir"
    modes = {f: stat.S_IMODE(f.stat().st_mode) for f in files}
    assert 0o600 in modes.values(), f"no 0600 file holds the credentials: {modes}"
    # Any other copy (e.g. the database) must not be readable by others,
    # either by its own mode or because the data dir itself is closed.
    dir_mode = stat.S_IMODE(srv.data_dir.stat().st_mode)
    for f, mode in modes.items():
        assert mode & 0o077 == 0 or dir_mode & 0o077 == 0, (
            f"{f} holds the secret with mode {oct(mode)} in a data dir of mode {oct(dir_mode)}")

    assert srv.stop() == 0
    srv.start()
    assert srv.stop() == 0  # so that everything it printed is flushed
    second = srv.stdout_text() + srv.stderr_text()
    assert secret not in second, f"secret printed again on second start:\n{second}"
    srv.start()
    ses = ses_client(srv, key=key, secret=secret)
    attrs = ses.get_identity_verification_attributes(
        Identities=["generated.example.com"])["VerificationAttributes"]
    assert attrs["generated.example.com"]["VerificationToken"] == token


def test_env_root_credentials_not_printed(vouch_factory):
    from conftest import ROOT_SECRET
    srv = vouch_factory.start()
    assert srv.stop() == 0
    assert ROOT_SECRET not in srv.stdout_text()
    assert ROOT_SECRET not in srv.stderr_text()


def test_account_add_without_restart(vouch_factory):
    srv = vouch_factory.start()
    root = ses_client(srv)
    root_token = root.verify_domain_identity(Domain="shared-name.example.com")["VerificationToken"]

    key, secret = random_access_key(), random_secret()
    new = ses_client(srv, key=key, secret=secret)
    expect_error(new.list_identities, "InvalidClientTokenId", 403)

    pid_before = srv.proc.pid
    srv.account_add("444455556666", key, secret)
    deadline = time.monotonic() + 5
    while True:
        try:
            resp = new.list_identities()
            break
        except ClientError as e:
            if time.monotonic() > deadline:
                pytest.fail(f"added key not accepted within 5 s: {e.response['Error']}")
            time.sleep(0.2)
    assert srv.proc.pid == pid_before and srv.proc.poll() is None
    assert resp["Identities"] == []
    new_token = new.verify_domain_identity(Domain="shared-name.example.com")["VerificationToken"]
    assert new_token != root_token
    # Wrong secret for the new key is still refused.
    expect_error(ses_client(srv, key=key, secret=random_secret()).list_identities,
                 "SignatureDoesNotMatch", 403)
    # And the account survives a restart.
    assert srv.stop() == 0
    srv.start()
    new = ses_client(srv, key=key, secret=secret)
    assert new.get_identity_verification_attributes(Identities=["shared-name.example.com"])[
        "VerificationAttributes"]["shared-name.example.com"]["VerificationToken"] == new_token
    assert ses_client(srv).get_identity_verification_attributes(
        Identities=["shared-name.example.com"])["VerificationAttributes"][
        "shared-name.example.com"]["VerificationToken"] == root_token


def _serve_refused(srv) -> subprocess.CompletedProcess:
    """Runs `vouch serve` on srv's data directory, expecting it to refuse to start."""
    try:
        res = subprocess.run([VOUCH_BIN, "serve", "--listen", "127.0.0.1:0", "--data", str(srv.data_dir),
                              "--test-mode", "--dns-resolver", "127.0.0.1:9"],
                             capture_output=True, text=True, timeout=20, env=srv.server_env())
    except subprocess.TimeoutExpired:
        pytest.fail("vouch started instead of refusing to")
    assert res.returncode != 0, res.stdout + res.stderr
    return res


def test_secret_key_is_never_silently_regenerated(vouch_factory):
    # Every mailed link is signed with a key derived from secret.key: a new
    # key would void them all, so vouch refuses to start instead.
    srv = vouch_factory.start(extra_args=["--test-mode"])
    email = "keep-key@example.com"
    ses_client(srv).verify_email_identity(EmailAddress=email)
    body = inbox(srv)[1]["messages"][0]["Body"]["text_part"]
    link = re.search(r"http://\S+/_vouch/verify-email\?token=\S+", body).group(0)
    assert srv.stop() == 0
    key_path = srv.data_dir / "secret.key"
    key = key_path.read_bytes()

    key_path.unlink()
    res = _serve_refused(srv)
    assert f"{key_path} is missing" in res.stderr, res.stderr
    assert not key_path.exists()
    for damaged in (b"", key[:31]):
        key_path.write_bytes(damaged)
        res = _serve_refused(srv)
        assert f"{key_path} is damaged" in res.stderr, res.stderr
        assert key_path.read_bytes() == damaged

    # The key restored, the link mailed before works.
    key_path.write_bytes(key)
    srv.start()
    assert click(rebase(link, srv.endpoint))[0] == 200
    assert ses_client(srv).get_identity_verification_attributes(Identities=[email])[
        "VerificationAttributes"][email]["VerificationStatus"] == "Success"


def test_secret_key_is_generated_while_the_store_holds_no_claims(vouch_factory):
    # A data directory prepared with `vouch account add` has a vouch.db but
    # nothing signed yet: the first serve makes the key.
    srv = vouch_factory.create()
    srv.account_add("444455556666", random_access_key(), random_secret())
    assert (srv.data_dir / "vouch.db").exists()
    assert not (srv.data_dir / "secret.key").exists()
    srv.start()
    assert len((srv.data_dir / "secret.key").read_bytes()) == 32
