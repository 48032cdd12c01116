"""Accounts on a running server: a new secret and a removed key count within
seconds, `vouch account list` masks secrets, and VOUCH_ROOT_* over a generated
root retires the generated key."""

from __future__ import annotations

import json
import re
import sqlite3
import subprocess
import time

import pytest
from botocore.exceptions import ClientError

from conftest import (
    ROOT_KEY,
    VOUCH_BIN,
    expect_error,
    random_access_key,
    raw_request,
    random_secret,
    ses_client,
)

# How long a change may take to count: the server caches accounts for 2 s.
CHANGE_WITHIN = 10.0


def vouch_cli(srv, *args):
    return subprocess.run([VOUCH_BIN, "account", *args, *srv.store_args()],
                          capture_output=True, text=True, timeout=30, env=srv.server_env())


def error_code(fn):
    """The error code `fn` raises, or None when it succeeds."""
    try:
        fn()
        return None
    except ClientError as e:
        return e.response["Error"]["Code"]


def wait_for(fn, want, what):
    """Polls until fn() == want, for at most CHANGE_WITHIN seconds."""
    deadline = time.monotonic() + CHANGE_WITHIN
    while True:
        got = fn()
        if got == want:
            return
        if time.monotonic() > deadline:
            pytest.fail(f"{what}: still {got!r} after {CHANGE_WITHIN} s")
        time.sleep(0.2)


def test_new_secret_counts_within_seconds(vouch_factory):
    srv = vouch_factory.start()
    key, old, new = random_access_key(), random_secret(), random_secret()
    srv.account_add("444455556666", key, old)
    old_client = ses_client(srv, key=key, secret=old)
    new_client = ses_client(srv, key=key, secret=new)
    wait_for(lambda: error_code(old_client.list_identities), None, "added key")
    assert error_code(new_client.list_identities) == "SignatureDoesNotMatch"

    srv.account_add("444455556666", key, new)
    wait_for(lambda: error_code(new_client.list_identities), None, "new secret")
    expect_error(old_client.list_identities, "SignatureDoesNotMatch", 403)
    assert error_code(ses_client(srv).list_identities) is None  # root untouched


def test_removed_key_stops_within_seconds(vouch_factory):
    srv = vouch_factory.start()
    key, secret = random_access_key(), random_secret()
    other_key, other_secret = random_access_key(), random_secret()
    srv.account_add("444455556666", key, secret)
    srv.account_add("777788889999", other_key, other_secret)
    client = ses_client(srv, key=key, secret=secret)
    other = ses_client(srv, key=other_key, secret=other_secret)
    wait_for(lambda: error_code(client.list_identities), None, "added key")
    client.verify_domain_identity(Domain="removed.example.com")

    res = vouch_cli(srv, "remove", "--access-key-id", key)
    assert res.returncode == 0, res.stderr
    assert key in res.stdout
    wait_for(lambda: error_code(client.list_identities), "InvalidClientTokenId", "removed key")
    expect_error(client.list_identities, "InvalidClientTokenId", 403)
    assert error_code(other.list_identities) is None  # positive control
    assert srv.proc.poll() is None

    again = vouch_cli(srv, "remove", "--access-key-id", key)
    assert again.returncode != 0 and key in again.stderr
    # And it stays removed across a restart.
    srv.restart()
    expect_error(ses_client(srv, key=key, secret=secret).list_identities,
                 "InvalidClientTokenId", 403)


def test_root_key_cannot_be_removed(vouch_factory):
    srv = vouch_factory.start()
    res = vouch_cli(srv, "remove", "--access-key-id", ROOT_KEY)
    assert res.returncode != 0
    assert "root" in res.stderr and "VOUCH_ROOT_" in res.stderr
    assert error_code(ses_client(srv).list_identities) is None


def test_account_list_masks_secrets(vouch_factory):
    srv = vouch_factory.start()
    key, secret = random_access_key(), random_secret()
    srv.account_add("444455556666", key, secret)
    res = vouch_cli(srv, "list")
    assert res.returncode == 0, res.stderr
    rows = {line.split()[0]: line for line in res.stdout.splitlines()[1:]}
    assert set(rows) == {ROOT_KEY, key}
    assert "444455556666" in rows[key] and f"{secret[:4]}****" in rows[key]
    assert secret not in res.stdout
    assert "(root)" in rows[ROOT_KEY] and "(root)" not in rows[key]


KEY_LINE_RE = re.compile(r"root access key id: (AKIA[A-Z0-9]{16})")
SECRET_LINE_RE = re.compile(r"root secret access key: (\S{40})")


def test_environment_root_retires_the_generated_root(vouch_factory):
    srv = vouch_factory.create(root_creds=False)
    srv.start()
    assert srv.stop() == 0  # flushes stdout
    out = srv.stdout_text()
    gen_key, gen_secret = KEY_LINE_RE.search(out).group(1), SECRET_LINE_RE.search(out).group(1)
    srv.start()
    generated = ses_client(srv, key=gen_key, secret=gen_secret)
    assert error_code(generated.list_identities) is None  # positive control
    assert srv.stop() == 0

    srv.root_creds = True  # VOUCH_ROOT_* from now on
    srv.start()
    generated = ses_client(srv, key=gen_key, secret=gen_secret)  # each start has its own port
    expect_error(generated.list_identities, "InvalidClientTokenId", 403)
    assert error_code(ses_client(srv).list_identities) is None
    assert not (srv.data_dir / "root-credentials").exists()
    assert srv.stop() == 0
    assert f"previous root access key {gen_key} no longer works" in srv.stdout_text()

    # It stays retired when VOUCH_ROOT_* go away again: a new root is generated.
    srv.root_creds = False
    srv.start()
    assert srv.stop() == 0
    out = srv.stdout_text()
    new_key = KEY_LINE_RE.search(out).group(1)
    assert new_key != gen_key
    assert f"previous root access key {ROOT_KEY} no longer works" in out
    srv.start()
    generated = ses_client(srv, key=gen_key, secret=gen_secret)
    expect_error(generated.list_identities, "InvalidClientTokenId", 403)
    expect_error(ses_client(srv).list_identities, "InvalidClientTokenId", 403)


def _sql(srv, statement):
    """Runs SQL on the server's database behind its back (fault injection)."""
    db = sqlite3.connect(str(srv.data_dir / "vouch.db"), isolation_level=None, timeout=10)
    try:
        db.execute(statement)
    finally:
        db.close()


def test_account_store_failure_is_a_5xx_not_a_403(vouch_factory):
    """A key store that cannot answer is the server's fault: each dialect's
    internal error (never the 403 of an unknown key), the cause in the log
    with the request id and off the wire; once healed, unknown keys are 403
    again (a failure is not remembered as an unknown key)."""
    srv = vouch_factory.start()
    params = {"Action": "ListIdentities"}
    # Positive control: an unknown key while the store answers.
    r = raw_request(srv, params, key=random_access_key())
    assert r.status == 403 and r.error()["Code"] == "InvalidClientTokenId", r.body

    _sql(srv, "ALTER TABLE accounts RENAME TO accounts_away")
    try:
        ses = raw_request(srv, params, key=random_access_key())  # not in any cache
        lattice = raw_request(srv, method="GET", path="/domainverifications",
                              key=random_access_key(), service="vpc-lattice", params=b"")
    finally:
        _sql(srv, "ALTER TABLE accounts_away RENAME TO accounts")

    assert ses.status == 500, ses.body
    err = ses.error()
    assert (err["Type"], err["Code"]) == ("Receiver", "InternalFailure"), err
    assert b"accounts" not in ses.body
    assert lattice.status == 500, lattice.body
    assert lattice.header("x-amzn-ErrorType") == "InternalServerException"
    assert json.loads(lattice.body) == {"message": "An internal error occurred."}

    log = srv.stderr_text()
    for rid in (ses.header("x-amzn-RequestId"), lattice.header("x-amzn-RequestId")):
        lines = [l for l in log.splitlines() if f"request {rid}:" in l]
        assert len(lines) == 1, log
        assert "internal error" in lines[0] and "accounts" in lines[0], lines[0]

    r = raw_request(srv, params, key=random_access_key())
    assert r.status == 403 and r.error()["Code"] == "InvalidClientTokenId", r.body
    assert raw_request(srv, params).status == 200  # and the root key works
