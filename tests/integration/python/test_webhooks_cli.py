"""`vouch webhooks add|list|remove` against a running test-mode server: add
prints the id and the signing secret once, list shows the endpoint with its
types, health and state (and never the secret), remove deletes it and an
unknown id exits 3 with the server's ResourceNotFoundException.

Written against the admin API's contract (POST/GET /_vouch/webhooks, DELETE
/_vouch/webhooks/{id}); while the server has no such route (it answers 404
UnknownOperationException, or 501) the tests skip saying so, and run for real
once the endpoints are there."""

from __future__ import annotations

import http.server
import json
import re
import subprocess
import threading

import pytest

from conftest import VOUCH_BIN, random_secret
from test_claims_cli import NOBODY, cli_env
from vouch_client import vouch_request


class Receiver:
    """A loopback HTTP endpoint that answers 200 to every POST."""

    def __init__(self):
        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/hook"

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def srv(vouch_factory):
    srv = vouch_factory.start(extra_args=["--test-mode"])
    status, doc, headers = vouch_request(srv, "GET", "/_vouch/webhooks", with_headers=True)
    code = headers.get("x-amzn-errortype", "")
    if isinstance(doc, dict):
        code = doc.get("__type", doc.get("code", code))
    if status == 501 or (status == 404 and "ResourceNotFound" not in code):
        pytest.skip(f"this server has no /_vouch/webhooks yet (GET answers {status} {code}): "
                    "the webhook endpoints are not merged")
    assert status == 200, (status, doc)
    return srv


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


def vouch_webhooks(srv, *args, secret: str | None = None):
    """(exit status, stdout, stderr) of `vouch webhooks ARGS`."""
    env = cli_env(srv) if secret is None else cli_env(srv, secret)
    p = subprocess.run([VOUCH_BIN, "webhooks", *args], env=env, capture_output=True, text=True,
                       timeout=60)
    return p.returncode, p.stdout, p.stderr


def listed(srv) -> list[dict]:
    rc, out, err = vouch_webhooks(srv, "list", "--format", "json")
    assert rc == 0, err
    return json.loads(out)


def test_add_shows_the_secret_once_list_shows_the_endpoint_remove_deletes_it(srv, receiver):
    assert listed(srv) == []
    rc, out, err = vouch_webhooks(srv, "add", receiver.url)
    assert rc == 0, err
    m = re.search(r"added webhook (\S+) for " + re.escape(receiver.url), out)
    assert m, out
    hook_id = m.group(1)
    assert hook_id.startswith("wh-"), out
    secret = re.search(r"^secret: (\S+)$", out, re.M).group(1)
    assert len(secret) >= 16, out
    assert "will not be shown again" in out

    rc, out, err = vouch_webhooks(srv, "list")
    assert rc == 0, err
    header, row = out.splitlines()[:2]
    assert header.split() == ["ID", "STATE", "SENT/FAIL/WAIT", "TYPES", "URL"], out
    assert row.split()[:2] == [hook_id, "active"] and row.split()[3] == "all", out
    assert receiver.url in row and secret not in out, out
    [hook] = listed(srv)
    assert hook["id"] == hook_id and hook["url"] == receiver.url and "secret" not in hook, hook
    assert hook["disabled"] is False and set(hook["health"]) >= {"delivered", "failed", "pending"}

    rc, out, err = vouch_webhooks(srv, "remove", hook_id)
    assert (rc, out) == (0, f"removed webhook {hook_id}\n"), err
    assert listed(srv) == []
    # Gone: the server's 404, exit 3.
    rc, _, err = vouch_webhooks(srv, "remove", hook_id)
    assert rc == 3 and "404 ResourceNotFoundException" in err, err


def test_add_with_event_types_in_json(srv, receiver):
    rc, out, err = vouch_webhooks(srv, "add", receiver.url, "--event-type",
                                  "ses.dkim.status_changed", "--event-type",
                                  "vpc-lattice.domain_verification.status_changed",
                                  "--format", "json")
    assert rc == 0, err
    added = json.loads(out)
    assert added["id"].startswith("wh-") and added["secret"], added
    types = ["ses.dkim.status_changed", "vpc-lattice.domain_verification.status_changed"]
    assert sorted(added["event_types"]) == types
    [hook] = listed(srv)
    assert hook["id"] == added["id"] and sorted(hook["event_types"]) == types
    rc, out, err = vouch_webhooks(srv, "list")
    assert rc == 0 and "dkim,lattice" in out, (out, err)


def test_bad_credentials_no_server_and_usage_errors_exit_three(srv, receiver):
    assert vouch_webhooks(srv, "list")[0] == 0  # the positive control
    rc, _, err = vouch_webhooks(srv, "list", secret=random_secret())
    assert rc == 3 and "InvalidSignatureException" in err, err
    rc, _, err = vouch_webhooks(srv, "add", receiver.url, secret=random_secret())
    assert rc == 3 and "InvalidSignatureException" in err, err
    assert listed(srv) == []
    p = subprocess.run([VOUCH_BIN, "webhooks", "list", "--endpoint-url", NOBODY],
                       env=cli_env(None), capture_output=True, text=True, timeout=60)
    assert p.returncode == 3 and "cannot reach the server" in p.stderr, p.stderr
    rc, _, err = vouch_webhooks(srv, "add", receiver.url, "--event-type", "ses.everything")
    assert rc == 3 and "usage:" in err, err
    rc, _, err = vouch_webhooks(srv, "add", "ftp://127.0.0.1/x")
    assert rc == 3 and "http:// or https://" in err, err
