"""HTTPS on the listener (--tls-cert/--tls-key): a test CA made here signs
the server's certificate for 127.0.0.1 and localhost; boto3 (verify=CA) and
the AWS CLI (--ca-bundle) verify a domain against knot and call SES v1/v2
over it; TLS 1.2 and 1.3 are accepted and 1.1 refused; plain HTTP to the TLS
port is told to use https; SIGHUP swaps the pair for new connections while
open ones keep theirs, and keeps the old pair when the new files are broken;
a missing or mismatched pair stops the start. Also LocalStack's
/_localstack/health and /_localstack/init probes."""

from __future__ import annotations

import datetime as dt
import http.client
import ipaddress
import json
import os
import re
import signal
import socket
import ssl
import subprocess
import time
import urllib.parse
import warnings
from pathlib import Path

import boto3
import pytest
from botocore.config import Config
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from conftest import ROOT_KEY, ROOT_SECRET, VOUCH_BIN, free_port, run_cli, uniq_domain, uniq_email
from dns_server import advance, run_due, shared_knot, start_vouch
from smtp_server import LINK_RE, SmtpServer, mail_args
from vouch_client import wait_until


class Ca:
    """A CA of the test's own, and the server certificates it issues."""

    def __init__(self, directory: Path):
        self.dir = directory
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "vouch test CA")])
        now = dt.datetime.now(dt.timezone.utc)
        self.cert = (
            x509.CertificateBuilder().subject_name(self.name).issuer_name(self.name)
            .public_key(self.key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False,
                                         False), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(self.key.public_key()),
                           critical=False)
            .sign(self.key, hashes.SHA256()))
        self.path = str(directory / "ca.pem")
        Path(self.path).write_bytes(self.cert.public_bytes(serialization.Encoding.PEM))

    def issue(self, serial: int) -> tuple[bytes, bytes]:
        """A certificate for 127.0.0.1 and localhost with `serial`, and its
        key: (cert PEM, key PEM)."""
        key = ec.generate_private_key(ec.SECP256R1())
        now = dt.datetime.now(dt.timezone.utc)
        cert = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
            .issuer_name(self.name).public_key(key.public_key()).serial_number(serial)
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([
                x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]),
                           critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
                self.key.public_key()), critical=False)
            .sign(self.key, hashes.SHA256()))
        key_pem = key.private_bytes(serialization.Encoding.PEM,
                                    serialization.PrivateFormat.PKCS8,
                                    serialization.NoEncryption())
        return cert.public_bytes(serialization.Encoding.PEM), key_pem


@pytest.fixture(scope="module")
def ca(tmp_path_factory) -> Ca:
    return Ca(tmp_path_factory.mktemp("tls-ca"))


class Pair:
    """The files a server is started with, rewritten in place by the tests."""

    def __init__(self, directory: Path):
        self.cert = directory / "cert.pem"
        self.key = directory / "key.pem"

    def write(self, issued: tuple[bytes, bytes]) -> "Pair":
        # Each through a rename: a reload never reads half a file.
        for path, data in ((self.cert, issued[0]), (self.key, issued[1])):
            tmp = path.with_suffix(".tmp")
            tmp.write_bytes(data)
            tmp.replace(path)
        return self

    def args(self) -> list[str]:
        return ["--tls-cert", str(self.cert), "--tls-key", str(self.key)]


@pytest.fixture
def pair(ca, tmp_path) -> Pair:
    return Pair(tmp_path).write(ca.issue(1001))


def client_context(ca: Ca, version: ssl.TLSVersion | None = None) -> ssl.SSLContext:
    ctx = ssl.create_default_context(cafile=ca.path)
    if version is not None:
        if version < ssl.TLSVersion.TLSv1_2:
            ctx.set_ciphers("DEFAULT:@SECLEVEL=0")  # else the client itself refuses 1.1
        with warnings.catch_warnings():  # TLS 1.1 is deprecated: that is the point
            warnings.simplefilter("ignore", DeprecationWarning)
            ctx.minimum_version = ctx.maximum_version = version
    return ctx


def https(srv, ca: Ca, version=None) -> http.client.HTTPSConnection:
    return http.client.HTTPSConnection("127.0.0.1", srv.port, timeout=10,
                                       context=client_context(ca, version))


def get(conn: http.client.HTTPConnection, path: str, method: str = "GET"):
    conn.request(method, path)
    resp = conn.getresponse()
    return resp.status, resp.read()


def serial_of(conn: http.client.HTTPSConnection) -> int:
    der = conn.sock.getpeercert(binary_form=True)
    return x509.load_der_x509_certificate(der).serial_number


def aws(service: str, srv, ca: Ca, verify=None):
    return boto3.session.Session().client(
        service, endpoint_url=srv.endpoint, region_name="us-east-1",
        aws_access_key_id=ROOT_KEY, aws_secret_access_key=ROOT_SECRET,
        verify=ca.path if verify is None else verify,
        config=Config(retries={"mode": "standard", "total_max_attempts": 1},
                      connect_timeout=5, read_timeout=20))


def tls_server(vouch_factory, pair: Pair, ca: Ca, *resolvers, extra=()):
    return start_vouch(vouch_factory, *resolvers, extra=pair.args() + list(extra),
                       tls_ca=ca.path)


# --------------------------------------------------------------------------
# Real clients


def test_boto3_verifies_a_domain_and_calls_sesv2_over_https(vouch_factory, pair, ca):
    knot = shared_knot("a")
    srv = tls_server(vouch_factory, pair, ca, knot.address)
    assert srv.endpoint.startswith("https://")
    ses = aws("ses", srv, ca)
    d = uniq_domain("tls")
    token = ses.verify_domain_identity(Domain=d)["VerificationToken"]
    knot.set_txt(f"_amazonses.{d}", token)
    advance(srv, 60)
    assert run_due(srv) == 1
    attrs = ses.get_identity_verification_attributes(Identities=[d])["VerificationAttributes"]
    assert attrs[d]["VerificationStatus"] == "Success"

    v2 = aws("sesv2", srv, ca)
    other = uniq_domain("tlsv2")
    assert v2.create_email_identity(EmailIdentity=other)["IdentityType"] == "DOMAIN"
    assert v2.get_email_identity(EmailIdentity=d)["VerifiedForSendingStatus"] is True

    # Without the test CA the same client refuses the server.
    with pytest.raises(Exception) as err:
        aws("ses", srv, ca, verify=True).list_identities()
    assert "SSL" in type(err.value).__name__ or "certificate" in str(err.value), err.value


def test_aws_cli_over_https(vouch_factory, pair, ca):
    srv = tls_server(vouch_factory, pair, ca)
    d = uniq_domain("tlscli")
    res = run_cli(srv, "--ca-bundle", ca.path, "ses", "verify-domain-identity", "--domain", d)
    assert res.rc == 0, res.stderr
    assert re.fullmatch(r"[A-Za-z0-9+/]{43}=", res.json["VerificationToken"])
    res = run_cli(srv, "--ca-bundle", ca.path, "sesv2", "get-email-identity",
                  "--email-identity", d)
    assert res.rc == 0, res.stderr
    assert res.json["IdentityType"] == "DOMAIN"
    # The CLI's own CA bundle does not know the test CA.
    res = run_cli(srv, "ses", "list-identities")
    assert res.rc != 0 and "SSL" in res.stderr, (res.rc, res.stderr)


def test_vouch_claims_over_https_with_aws_ca_bundle(vouch_factory, pair, ca):
    srv = tls_server(vouch_factory, pair, ca)
    d = uniq_domain("tlsclaims")
    aws("ses", srv, ca).verify_domain_identity(Domain=d)
    env = dict(os.environ, AWS_ACCESS_KEY_ID=ROOT_KEY, AWS_SECRET_ACCESS_KEY=ROOT_SECRET,
               AWS_REGION="us-east-1", AWS_ENDPOINT_URL=srv.endpoint)
    claims = [VOUCH_BIN, "claims", "list", "--format", "json"]
    p = subprocess.run(claims, env=dict(env, AWS_CA_BUNDLE=ca.path), capture_output=True,
                       text=True, timeout=30)
    assert p.returncode == 0, p.stderr
    assert d in p.stdout
    # Without the bundle the system's CAs do not know the test CA.
    p = subprocess.run(claims, env=env, capture_output=True, text=True, timeout=30)
    assert p.returncode == 3 and d not in p.stdout, (p.returncode, p.stdout, p.stderr)


def test_mail_links_use_https_by_default(vouch_factory, pair, ca):
    smtp = SmtpServer().start()
    try:
        srv = tls_server(vouch_factory, pair, ca, extra=mail_args(smtp.url))
        assert srv.wait_healthy()["tls"] is True
        email = uniq_email("tls")
        ses = aws("ses", srv, ca)
        ses.verify_email_identity(EmailAddress=email)
        msg = smtp.wait_for(to=email)
        link = LINK_RE.findall(msg.text())[0]
        assert link.startswith(f"https://127.0.0.1:{srv.port}/_vouch/verify-email?"), link
        parts = urllib.parse.urlsplit(link)
        conn = https(srv, ca)
        assert get(conn, parts.path + "?" + parts.query)[0] == 200
        token = urllib.parse.parse_qs(parts.query)["token"][0]
        conn.request("POST", parts.path, body=urllib.parse.urlencode({"token": token}),
                     headers={"Content-Type": "application/x-www-form-urlencoded",
                              "Origin": f"https://{parts.netloc}",
                              "Sec-Fetch-Site": "same-origin"})
        resp = conn.getresponse()
        assert resp.status == 200, resp.read()
        attrs = ses.get_identity_verification_attributes(Identities=[email])
        assert attrs["VerificationAttributes"][email]["VerificationStatus"] == "Success"
    finally:
        smtp.stop()


# --------------------------------------------------------------------------
# The protocol


def test_tls_12_and_13_accepted_and_11_refused(vouch_factory, pair, ca):
    srv = tls_server(vouch_factory, pair, ca)
    for version in (ssl.TLSVersion.TLSv1_2, ssl.TLSVersion.TLSv1_3):
        conn = https(srv, ca, version)
        assert get(conn, "/_vouch/health")[0] == 200
        assert conn.sock.version() == {ssl.TLSVersion.TLSv1_2: "TLSv1.2",
                                       ssl.TLSVersion.TLSv1_3: "TLSv1.3"}[version]
        conn.close()
    with pytest.raises(ssl.SSLError) as err:
        get(https(srv, ca, ssl.TLSVersion.TLSv1_1), "/_vouch/health")
    # The server's alert, not the client's own refusal.
    assert "ALERT_PROTOCOL_VERSION" in str(err.value), err.value
    assert get(https(srv, ca), "/_vouch/health")[0] == 200  # still serving


def test_plain_http_to_the_tls_port_is_told_to_use_https(vouch_factory, pair, ca):
    srv = tls_server(vouch_factory, pair, ca)
    plain = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=10)
    status, body = get(plain, "/_vouch/health")
    assert (status, body) == (400, b"this port speaks HTTPS: use https://\n")
    # Bytes that are neither: the connection closes, the server serves on.
    with socket.create_connection(("127.0.0.1", srv.port), timeout=10) as s:
        s.sendall(b"\x16\x03\x01\x00\x05junk!")
        s.shutdown(socket.SHUT_WR)
        while s.recv(4096):
            pass
    assert get(https(srv, ca), "/_vouch/health")[0] == 200
    assert srv.proc.poll() is None


def test_handshakes_count_against_the_connection_caps(vouch_factory, pair, ca):
    srv = tls_server(vouch_factory, pair, ca, extra=["--max-connections-per-client", "3"])
    idle = [_idle_connection(srv) for _ in range(3)]
    try:
        # Three connections that never start a handshake fill the cap ...
        wait_until(lambda: _refused(srv, ca), what="the 4th connection refused")
        # ... and one gone frees a slot.
        idle.pop().close()
        wait_until(lambda: not _refused(srv, ca), what="a slot freed")
    finally:
        for s in idle:
            s.close()


def _idle_connection(srv) -> socket.socket:
    """A connection that never starts its handshake, once the server holds it.

    The health check's connection may still count for a moment after it
    closed; a connection turned away for it gets the plain 503 at once, so
    try again (bounded) until one is held.
    """
    for _ in range(50):
        s = socket.create_connection(("127.0.0.1", srv.port), timeout=10)
        s.settimeout(0.2)
        try:
            turned_away = s.recv(16).startswith(b"HTTP/")
        except (TimeoutError, socket.timeout):
            turned_away = False  # nothing said: the server holds it
        if not turned_away:
            s.settimeout(10)
            return s
        s.close()
        time.sleep(0.05)
    raise AssertionError("every idle connection was turned away")


def _refused(srv, ca) -> bool:
    try:
        conn = https(srv, ca)
        ok = get(conn, "/_vouch/health")[0] == 200
        conn.close()
        return not ok
    except (ssl.SSLError, ConnectionError):
        return True


# --------------------------------------------------------------------------
# SIGHUP


def test_sighup_swaps_the_pair_for_new_connections_only(vouch_factory, pair, ca):
    srv = tls_server(vouch_factory, pair, ca)
    before = https(srv, ca)
    assert get(before, "/_vouch/health")[0] == 200
    assert serial_of(before) == 1001

    pair.write(ca.issue(2002))
    srv.proc.send_signal(signal.SIGHUP)
    wait_until(lambda: "new connections get" in srv.stderr_text(), what="the reload logged")
    after = https(srv, ca)
    assert get(after, "/_vouch/health")[0] == 200
    assert serial_of(after) == 2002
    # The keep-alive connection opened before still works, on its pair.
    assert get(before, "/_vouch/health")[0] == 200
    assert serial_of(before) == 1001

    # A broken file: refused with a log line; the pair in use stays.
    pair.cert.write_text("not a certificate\n")
    srv.proc.send_signal(signal.SIGHUP)
    wait_until(lambda: "kept the TLS certificate in use" in srv.stderr_text(),
               what="the refusal logged")
    assert str(pair.cert) in srv.stderr_text()
    third = https(srv, ca)
    assert get(third, "/_vouch/health")[0] == 200
    assert serial_of(third) == 2002
    assert srv.proc.poll() is None


# --------------------------------------------------------------------------
# Start-up errors


def _serve(tmp_path, *args) -> subprocess.CompletedProcess:
    return subprocess.run(
        [VOUCH_BIN, "serve", "--listen", f"127.0.0.1:{free_port()}", "--data",
         str(tmp_path / "data"), "--dns-resolver", "127.0.0.1:9", *args],
        capture_output=True, text=True, timeout=30)


def test_a_missing_or_mismatched_pair_stops_the_start(tmp_path, pair, ca):
    missing = tmp_path / "missing.pem"
    res = _serve(tmp_path, "--tls-cert", str(missing), "--tls-key", str(pair.key))
    assert res.returncode != 0
    assert f"cannot read the TLS certificate {missing}" in res.stderr, res.stderr

    other = tmp_path / "other"
    other.mkdir()
    other_pair = Pair(other).write(ca.issue(3003))
    res = _serve(tmp_path, "--tls-cert", str(pair.cert), "--tls-key", str(other_pair.key))
    assert res.returncode != 0
    assert (f"the TLS key {other_pair.key} is not the key of the certificate in {pair.cert}"
            in res.stderr), res.stderr

    res = _serve(tmp_path, "--tls-cert", str(pair.cert))
    assert res.returncode != 0
    assert "--tls-cert needs --tls-key" in res.stderr, res.stderr
    # The matching pair (the other tests' servers) starts.


# --------------------------------------------------------------------------
# LocalStack's probes


def test_localstack_health_and_init_in_localstacks_shape(server):
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    status, body = get(conn, "/_localstack/health")
    assert status == 200
    doc = json.loads(body)
    assert doc["services"] == {"ses": "running", "sesv2": "running", "vpc-lattice": "running"}
    assert doc["edition"] == "community"
    assert doc["version"] == server.wait_healthy()["version"]
    assert b'"ses": "running"' in body  # LocalStack's separators, for grep
    assert get(conn, "/_localstack/health", "HEAD") == (200, b"")
    status, body = get(conn, "/_localstack/init")
    assert status == 200
    assert json.loads(body) == {"completed": {"BOOT": True, "START": True, "READY": True,
                                              "SHUTDOWN": False}, "scripts": []}
    status, body = get(conn, "/_localstack/init/ready")
    assert (status, json.loads(body)) == (200, {"completed": True, "scripts": []})
    assert get(conn, "/_localstack/init/nope")[0] == 404
    conn.request("POST", "/_localstack/health", body=b'{"action": "kill"}')
    resp = conn.getresponse()
    assert resp.status == 405, resp.read()
    resp.read()
    assert get(conn, "/_localstack/health")[0] == 200  # no backdoor: still up


def test_localstack_health_over_https(vouch_factory, pair, ca):
    srv = tls_server(vouch_factory, pair, ca)
    status, body = get(https(srv, ca), "/_localstack/health")
    assert status == 200 and json.loads(body)["services"]["sesv2"] == "running"
