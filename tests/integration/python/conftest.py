"""Harness for vouch's integration tests.

Starts the real `vouch` binary (env VOUCH_BIN, default <repo>/build/vouch) on a
free loopback port with a temporary data directory, waits for
GET /_vouch/health, and hands out real AWS clients pointed at it: a boto3 SES
client, the AWS CLI (/usr/bin/aws), and a raw HTTP helper that can sign a
request with botocore's SigV4Auth (optionally at a chosen time) or not sign it.

Run with Debian's interpreter (python3-boto3 is installed for it):
    /usr/bin/python3 -m pytest tests/integration/python

VOUCH_STORE=postgres: the `server`, `fresh_server` and `vouch_factory`
servers (those not given a data directory of the test's own) run with
`--store postgres://...` on a fresh database of a throwaway PostgreSQL
(pg_cluster.py; one per pytest session, fsync off, or the server named by
VOUCH_PG_ADMIN_URL) instead of `--data DIR`.
"""

from __future__ import annotations

import datetime as _dt
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.parse
import uuid
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

import boto3
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

REPO = Path(__file__).resolve().parents[3]
VOUCH_BIN = os.environ.get("VOUCH_BIN") or str(REPO / "build" / "vouch")
AWS_CLI = "/usr/bin/aws"
SES_NS = "http://ses.amazonaws.com/doc/2010-12-01/"
HEALTH_TIMEOUT = 10.0

# "postgres": servers on a fresh PostgreSQL database each (see the docstring).
VOUCH_STORE = os.environ.get("VOUCH_STORE", "sqlite")
if VOUCH_STORE not in ("sqlite", "postgres"):
    raise RuntimeError(f"VOUCH_STORE must be sqlite or postgres, not {VOUCH_STORE!r}")
# The harness's switch, not the binary's: vouch would read it as --store.
os.environ.pop("VOUCH_STORE", None)

# Root account handed to every server through VOUCH_ROOT_* (unless a test
# wants vouch to generate its own).
ROOT_ACCOUNT_ID = "123456789012"
ROOT_KEY = "AKIAVOUCHTESTROOT001"  # AKIA + 16 [A-Z0-9]
ROOT_SECRET = "vouchTestRootSecretKey0123456789abcdefgh"  # 40 chars
assert len(ROOT_KEY) == 20 and len(ROOT_SECRET) == 40

# A loopback port where nothing answers DNS: the default resolver for servers
# whose test does not run its own DNS server.
LOOPBACK_NO_DNS = "127.0.0.1:9"

# Rate limits off for every server unless the test asks for AWS's defaults.
RATE_LIMITS_OFF = [
    "--rate-limit", "GetIdentityVerificationAttributes=0",
    "--rate-limit", "VerifyDomainIdentity=0",
    "--rate-limit", "VerifyEmailIdentity=0",
    "--rate-limit", "VerifyEmailAddress=0",
    "--rate-limit", "vouch:GetClaim=0",
    "--rate-limit", "vouch:CheckClaim=0",
    "--rate-limit", "CreateCustomVerificationEmailTemplate=0",
    "--rate-limit", "GetCustomVerificationEmailTemplate=0",
    "--rate-limit", "UpdateCustomVerificationEmailTemplate=0",
    "--rate-limit", "DeleteCustomVerificationEmailTemplate=0",
    "--rate-limit", "ListCustomVerificationEmailTemplates=0",
    "--rate-limit", "SendCustomVerificationEmail=0",
]

SIGNATURE_MISMATCH_MESSAGE_PREFIX = (
    "The request signature we calculated does not match the signature you provided."
)
INVALID_TOKEN_MESSAGE = "The security token included in the request is invalid."

# --------------------------------------------------------------------------
# Keep the clients away from the developer's own AWS configuration, proxies
# and endpoint overrides.
_ISOLATION_DIR = tempfile.mkdtemp(prefix="vouch-it-awsconf-")
_AWS_ENV_TO_DROP = [
    "AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN",
    "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_SES", "AWS_CA_BUNDLE", "AWS_ROLE_ARN",
    "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
    "AWS_DEFAULT_REGION", "AWS_REGION", "AWS_USE_FIPS_ENDPOINT",
    "AWS_USE_DUALSTACK_ENDPOINT", "AWS_MAX_ATTEMPTS", "AWS_RETRY_MODE",
    "HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY", "all_proxy",
]
for _name in _AWS_ENV_TO_DROP:
    os.environ.pop(_name, None)
os.environ["AWS_CONFIG_FILE"] = os.path.join(_ISOLATION_DIR, "no-config")
os.environ["AWS_SHARED_CREDENTIALS_FILE"] = os.path.join(_ISOLATION_DIR, "no-credentials")
os.environ["AWS_EC2_METADATA_DISABLED"] = "true"
os.environ["NO_PROXY"] = os.environ["no_proxy"] = "127.0.0.1,localhost"


def pytest_sessionfinish(session, exitstatus):
    for srv in list(_LIVE_SERVERS):
        srv.cleanup()
    for pg in list(_PG_CLUSTERS.values()):
        pg.close()
    _PG_CLUSTERS.clear()
    shutil.rmtree(_ISOLATION_DIR, ignore_errors=True)


# --------------------------------------------------------------------------
# PostgreSQL (pg_cluster.py)

_PG_CLUSTERS: dict = {}


def pg_cluster(fsync: bool = False):
    """This session's throwaway PostgreSQL (started on first use, stopped at
    the end of the session). fsync=False (`-c fsync=off`) for functional
    tests; fsync=True (PostgreSQL's defaults) for durability tests. Fails the
    test when PostgreSQL is not installed and VOUCH_REQUIRE_PG=1 (CI), skips
    it otherwise."""
    from pg_cluster import PgCluster, pg_available
    if not pg_available():
        why = "PostgreSQL not installed (apt-get install postgresql)"
        if os.environ.get("VOUCH_REQUIRE_PG") == "1":
            pytest.fail(why)
        pytest.skip(why)
    key = "durable" if fsync else "fast"
    if key not in _PG_CLUSTERS:
        _PG_CLUSTERS[key] = PgCluster(fsync=fsync).start()
    return _PG_CLUSTERS[key]


def pg_database() -> str:
    """A fresh, empty database for one server: on VOUCH_PG_ADMIN_URL's server
    if set, else on this session's fsync-off cluster. Its URL."""
    admin = os.environ.get("VOUCH_PG_ADMIN_URL")
    if admin:
        from pg_cluster import create_database_at
        return create_database_at(admin)
    return pg_cluster(fsync=False).create_database()


# --------------------------------------------------------------------------
# Small helpers


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def uniq(prefix: str = "d") -> str:
    """A unique, lower-case DNS label."""
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def uniq_domain(prefix: str = "d") -> str:
    return f"{uniq(prefix)}.example.com"


def uniq_email(prefix: str = "user") -> str:
    return f"{uniq(prefix)}@example.com"


def random_access_key() -> str:
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
    return "AKIA" + "".join(alphabet[b % 32] for b in os.urandom(16))


def random_secret() -> str:
    import base64
    return base64.b64encode(os.urandom(30)).decode()  # 40 chars


def tail(path: Path, limit: int = 6000) -> str:
    try:
        data = Path(path).read_bytes()
    except OSError:
        return "<no output file>"
    return data[-limit:].decode("utf-8", "replace")


# --------------------------------------------------------------------------
# The server under test


def _die_with_parent():  # runs in the child between fork and exec
    try:
        import ctypes
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except Exception:
        pass

_LIVE_SERVERS: list["VouchServer"] = []


@dataclass
class _Run:
    proc: subprocess.Popen
    port: int
    stdout: Path
    stderr: Path


class VouchServer:
    """One vouch data directory, started and stopped as often as a test likes.

    Each start uses a fresh loopback port (so a restart never depends on the
    old socket being free) and fresh stdout/stderr files.
    """

    def __init__(self, data_dir: Path, extra_args=(), root_creds: bool = True,
                 rate_limits_off: bool = True, env: dict | None = None,
                 store: str | None = None, tls_ca: str | None = None):
        self.data_dir = Path(data_dir)
        # The CA file of a server started with --tls-cert/--tls-key: it
        # speaks HTTPS, and the harness trusts that CA.
        self.tls_ca = tls_ca
        # A postgres:// URL: `--store URL` instead of `--data DIR`.
        self.store = store
        self.log_dir = Path(tempfile.mkdtemp(prefix="vouch-it-logs-"))
        self.extra_args = list(extra_args)
        self.rate_limits_off = rate_limits_off
        self.root_creds = root_creds
        self.extra_env = dict(env or {})
        self.runs: list[_Run] = []

    # -- lifecycle ---------------------------------------------------------
    @property
    def run(self) -> _Run:
        return self.runs[-1]

    @property
    def port(self) -> int:
        return self.run.port

    @property
    def endpoint(self) -> str:
        return f"{'https' if self.tls_ca else 'http'}://127.0.0.1:{self.port}"

    def connection(self, timeout: float) -> http.client.HTTPConnection:
        """A connection to the listener: HTTPS verified with tls_ca, if set."""
        if not self.tls_ca:
            return http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        import ssl
        ctx = ssl.create_default_context(cafile=self.tls_ca)
        return http.client.HTTPSConnection("127.0.0.1", self.port, timeout=timeout, context=ctx)

    @property
    def proc(self) -> subprocess.Popen:
        return self.run.proc

    def server_env(self) -> dict:
        env = {k: v for k, v in os.environ.items() if not k.startswith("VOUCH_ROOT_")}
        if self.root_creds:
            env["VOUCH_ROOT_ACCESS_KEY_ID"] = ROOT_KEY
            env["VOUCH_ROOT_SECRET_ACCESS_KEY"] = ROOT_SECRET
            env["VOUCH_ROOT_ACCOUNT_ID"] = ROOT_ACCOUNT_ID
        env.update(self.extra_env)
        return env

    def start(self, timeout: float = HEALTH_TIMEOUT) -> dict:
        self.launch()
        return self.wait_healthy(timeout)

    def launch(self) -> None:
        """Starts the process without waiting for it to be healthy (several
        servers started at once: launch each, then wait_healthy each). Call
        it from the main thread: the child dies with the thread that forked
        it (PR_SET_PDEATHSIG)."""
        if not os.path.exists(VOUCH_BIN):
            pytest.fail(f"vouch binary not found at {VOUCH_BIN} (set VOUCH_BIN)")
        if self.runs and self.proc.poll() is None:
            raise RuntimeError("server already running")
        port = free_port()
        n = len(self.runs)
        out_path = self.log_dir / f"stdout.{n}"
        err_path = self.log_dir / f"stderr.{n}"
        args = [VOUCH_BIN, "serve", "--listen", f"127.0.0.1:{port}", *self.store_args()]
        if self.rate_limits_off:
            args += RATE_LIMITS_OFF
        args += self.extra_args
        # Checks must never leave loopback: without a resolver of the test's
        # own, point vouch at a closed loopback port (checks then see errors).
        if "--dns-resolver" not in self.extra_args:
            args += ["--dns-resolver", LOOPBACK_NO_DNS]
        with open(out_path, "wb") as out, open(err_path, "wb") as err:
            proc = subprocess.Popen(args, stdout=out, stderr=err, stdin=subprocess.DEVNULL,
                                    env=self.server_env(), start_new_session=True,
                                    preexec_fn=_die_with_parent)
        self.runs.append(_Run(proc, port, out_path, err_path))
        if self not in _LIVE_SERVERS:
            _LIVE_SERVERS.append(self)

    def store_args(self) -> list[str]:
        return ["--store", self.store] if self.store else ["--data", str(self.data_dir)]

    def wait_healthy(self, timeout: float = HEALTH_TIMEOUT) -> dict:
        deadline = time.monotonic() + timeout
        last_err = None
        relaunches = 0
        while time.monotonic() < deadline:
            rc = self.proc.poll()
            if rc is not None and relaunches < 3 and "the port is in use" in tail(self.run.stderr):
                # free_port() let the port go before vouch bound it, and another
                # process (a parallel worker's) took it meanwhile: a new port.
                relaunches += 1
                self.launch()
                continue
            if rc is not None:
                pytest.fail(f"vouch exited with {rc} before becoming healthy\n"
                            f"args: {self.proc.args}\nstderr:\n{tail(self.run.stderr)}\n"
                            f"stdout:\n{tail(self.run.stdout)}")
            try:
                conn = self.connection(1)
                conn.request("GET", "/_vouch/health")
                resp = conn.getresponse()
                body = resp.read()
                conn.close()
                if resp.status == 200:
                    doc = json.loads(body)
                    if doc.get("status") == "ok":
                        return doc
                last_err = f"HTTP {resp.status}: {body[:200]!r}"
            except (OSError, ValueError, http.client.HTTPException) as e:
                last_err = repr(e)
            time.sleep(0.05)
        self.kill()
        pytest.fail(f"vouch not healthy within {timeout}s (last: {last_err})\n"
                    f"args: {self.proc.args}\nstderr:\n{tail(self.run.stderr)}")

    def stop(self, timeout: float = 10.0) -> int | None:
        """SIGTERM and wait; SIGKILL if it does not exit in time. Returns rc."""
        if not self.runs or self.proc.poll() is not None:
            return self.proc.returncode if self.runs else None
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)
            raise AssertionError(f"vouch did not exit within {timeout}s of SIGTERM")

    def kill(self) -> None:
        if self.runs and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)

    def restart(self) -> dict:
        self.stop()
        return self.start()

    def stdout_text(self, run: int = -1) -> str:
        return Path(self.runs[run].stdout).read_text("utf-8", "replace")

    def stderr_text(self, run: int = -1) -> str:
        return Path(self.runs[run].stderr).read_text("utf-8", "replace")

    def cleanup(self) -> None:
        try:
            self.kill()
        finally:
            if self in _LIVE_SERVERS:
                _LIVE_SERVERS.remove(self)
            shutil.rmtree(self.log_dir, ignore_errors=True)

    # -- vouch account add -------------------------------------------------
    def account_add(self, account_id: str, key: str, secret: str, check: bool = True):
        res = subprocess.run(
            [VOUCH_BIN, "account", "add", *self.store_args(),
             "--account-id", account_id, "--access-key-id", key,
             "--secret-access-key", secret],
            capture_output=True, text=True, timeout=30, env=self.server_env())
        if check:
            assert res.returncode == 0, (
                f"vouch account add failed rc={res.returncode}\n"
                f"stdout:{res.stdout}\nstderr:{res.stderr}")
        return res

    def __repr__(self):
        return f"<VouchServer {self.store or self.data_dir} runs={len(self.runs)}>"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Attach the stderr of every live server to a failing test's report."""
    outcome = yield
    rep = outcome.get_result()
    if rep.failed and _LIVE_SERVERS:
        for srv in list(_LIVE_SERVERS):
            for i, run in enumerate(srv.runs):
                rep.sections.append((f"vouch stderr {srv.data_dir.name} run {i}",
                                     tail(run.stderr, 3000)))


class ServerFactory:
    def __init__(self):
        self.servers: list[VouchServer] = []
        self.dirs: list[str] = []
        self.store_of: dict[Path, str] = {}  # data directory -> its postgres:// URL

    def new_data_dir(self) -> Path:
        d = tempfile.mkdtemp(prefix="vouch-it-data-")
        self.dirs.append(d)
        return Path(d)

    def create(self, data_dir: Path | None = None, **kw) -> VouchServer:
        # VOUCH_STORE=postgres: a fresh database for a new server; a server
        # started on an earlier one's data directory gets that one's database.
        if VOUCH_STORE == "postgres" and "store" not in kw:
            if data_dir is None:
                kw["store"] = pg_database()
            elif Path(data_dir) in self.store_of:
                kw["store"] = self.store_of[Path(data_dir)]
        srv = VouchServer(data_dir or self.new_data_dir(), **kw)
        if srv.store:
            self.store_of[srv.data_dir] = srv.store
        self.servers.append(srv)
        return srv

    def start(self, data_dir: Path | None = None, **kw) -> VouchServer:
        srv = self.create(data_dir, **kw)
        srv.start()
        return srv

    def close(self):
        for srv in self.servers:
            srv.cleanup()
        for d in self.dirs:
            shutil.rmtree(d, ignore_errors=True)


@pytest.fixture
def vouch_factory():
    """Start fresh servers inside one test; all are killed and removed after it."""
    f = ServerFactory()
    try:
        yield f
    finally:
        f.close()


@pytest.fixture(scope="session")
def _session_factory():
    f = ServerFactory()
    try:
        yield f
    finally:
        f.close()


@pytest.fixture(scope="session")
def server(_session_factory) -> VouchServer:
    """A shared server (rate limits off). Tests on it use unique names."""
    return _session_factory.start()


@pytest.fixture
def fresh_server(vouch_factory) -> VouchServer:
    """An empty server of this test's own (rate limits off)."""
    return vouch_factory.start()


# --------------------------------------------------------------------------
# boto3


def ses_client(srv_or_endpoint, region: str = "us-east-1", key: str = ROOT_KEY,
               secret: str = ROOT_SECRET):
    endpoint = srv_or_endpoint if isinstance(srv_or_endpoint, str) else srv_or_endpoint.endpoint
    return boto3.session.Session().client(
        "ses",
        endpoint_url=endpoint,
        region_name=region,
        aws_access_key_id=key,
        aws_secret_access_key=secret,
        config=Config(retries={"mode": "standard", "total_max_attempts": 1},
                      connect_timeout=5, read_timeout=20),
    )


@pytest.fixture
def ses(server):
    return ses_client(server)


@pytest.fixture
def fresh_ses(fresh_server):
    return ses_client(fresh_server)


def request_id_of(resp: dict) -> str:
    md = resp["ResponseMetadata"]
    hdr = md["HTTPHeaders"].get("x-amzn-requestid")
    assert hdr, f"response lacks x-amzn-RequestId header: {md['HTTPHeaders']}"
    return hdr


def assert_ok(resp: dict) -> dict:
    assert resp["ResponseMetadata"]["HTTPStatusCode"] == 200
    request_id_of(resp)
    return resp


def check_client_error(err: ClientError, code: str, status: int, message: str | None = None,
                       message_prefix: str | None = None) -> None:
    e = err.response.get("Error", {})
    md = err.response.get("ResponseMetadata", {})
    assert e.get("Code") == code, f"expected error {code}, got {err.response}"
    assert md.get("HTTPStatusCode") == status, f"expected HTTP {status}, got {err.response}"
    if message is not None:
        assert e.get("Message") == message, f"message {e.get('Message')!r} != {message!r}"
    if message_prefix is not None:
        assert (e.get("Message") or "").startswith(message_prefix), (
            f"message {e.get('Message')!r} does not start with {message_prefix!r}")
    assert md.get("HTTPHeaders", {}).get("x-amzn-requestid"), f"no x-amzn-RequestId: {md}"


def expect_error(fn, code, status, message=None, message_prefix=None, **kwargs) -> ClientError:
    with pytest.raises(ClientError) as ei:
        fn(**kwargs)
    check_client_error(ei.value, code, status, message, message_prefix)
    return ei.value


def list_all_identities(client, **kwargs) -> list[str]:
    """Every identity through botocore's paginator (asserts no page repeats)."""
    out: list[str] = []
    for page in client.get_paginator("list_identities").paginate(**kwargs):
        assert_ok(page)
        out.extend(page["Identities"])
    return out


# --------------------------------------------------------------------------
# Raw HTTP


@dataclass
class RawResponse:
    status: int
    headers: dict
    body: bytes
    request_headers: dict = field(default_factory=dict)

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())

    def xml(self) -> ET.Element:
        return ET.fromstring(self.body)

    def error(self) -> dict:
        """The <Error> of an awsQuery ErrorResponse, asserting its structure."""
        root = self.xml()
        assert root.tag == f"{{{SES_NS}}}ErrorResponse", (root.tag, self.body)
        err = root.find(f"{{{SES_NS}}}Error")
        assert err is not None, self.body
        out = {child.tag.replace(f"{{{SES_NS}}}", ""): (child.text or "") for child in err}
        rid = root.find(f"{{{SES_NS}}}RequestId")
        assert rid is not None and rid.text, f"ErrorResponse lacks RequestId: {self.body!r}"
        out["RequestId"] = rid.text
        return out


class _FixedTimeSigV4Auth(SigV4Auth):
    """botocore's SigV4 with the signing time chosen by the caller."""

    def __init__(self, credentials, service, region, when: _dt.datetime):
        super().__init__(credentials, service, region)
        self._when = when

    def add_auth(self, request):
        request.context["timestamp"] = self._when.strftime("%Y%m%dT%H%M%SZ")
        self._modify_request_before_signing(request)
        canonical_request = self.canonical_request(request)
        string_to_sign = self.string_to_sign(request, canonical_request)
        signature = self.signature(string_to_sign, request)
        self._inject_signature_to_request(request, signature)


def form_body(params) -> bytes:
    if isinstance(params, (bytes, str)):
        return params.encode() if isinstance(params, str) else params
    items = list(params.items()) if isinstance(params, dict) else list(params)
    return urllib.parse.urlencode(items, quote_via=urllib.parse.quote).encode()


def raw_request(srv_or_endpoint, params=None, *, sign: bool = True, region: str = "us-east-1",
                key: str = ROOT_KEY, secret: str = ROOT_SECRET, service: str = "ses",
                when: _dt.datetime | None = None, headers: dict | None = None,
                method: str = "POST", path: str = "/", body_override: bytes | None = None,
                timeout: float = 20) -> RawResponse:
    """Send one HTTP request. params → form body (Version added if missing).

    sign=True signs with botocore SigV4 (at `when`, UTC, if given); headers are
    applied before signing; body_override replaces the body after signing.
    """
    endpoint = srv_or_endpoint if isinstance(srv_or_endpoint, str) else srv_or_endpoint.endpoint
    if params is None:
        params = {}
    if isinstance(params, dict) and "Version" not in params:
        params = {**params, "Version": "2010-12-01"}
    body = form_body(params)
    hdrs = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}
    hdrs.update(headers or {})
    url = endpoint + path
    if sign:
        req = AWSRequest(method=method, url=url, data=body, headers=hdrs)
        creds = Credentials(key, secret)
        if when is None:
            SigV4Auth(creds, service, region).add_auth(req)
        else:
            _FixedTimeSigV4Auth(creds, service, region, when).add_auth(req)
        hdrs = dict(req.headers.items())
    if body_override is not None:
        body = body_override
    parsed = urllib.parse.urlsplit(endpoint)
    conn = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=timeout)
    try:
        conn.request(method, path, body=body if method != "GET" else None, headers=hdrs)
        resp = conn.getresponse()
        data = resp.read()
        return RawResponse(resp.status, {k.lower(): v for k, v in resp.getheaders()}, data, hdrs)
    finally:
        conn.close()


def utcnow() -> _dt.datetime:
    return _dt.datetime.now(_dt.timezone.utc).replace(tzinfo=None)


# --------------------------------------------------------------------------
# AWS CLI


@dataclass
class CliResult:
    rc: int
    stdout: str
    stderr: str

    @property
    def json(self):
        return json.loads(self.stdout) if self.stdout.strip() else None


def run_cli(srv, *args, region: str = "us-east-1", key: str = ROOT_KEY,
            secret: str = ROOT_SECRET, timeout: float = 60) -> CliResult:
    endpoint = srv if isinstance(srv, str) else srv.endpoint
    home = os.path.join(_ISOLATION_DIR, "home")
    os.makedirs(home, exist_ok=True)
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": home,
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "AWS_ACCESS_KEY_ID": key,
        "AWS_SECRET_ACCESS_KEY": secret,
        "AWS_DEFAULT_REGION": region,
        "AWS_CONFIG_FILE": os.path.join(_ISOLATION_DIR, "no-config"),
        "AWS_SHARED_CREDENTIALS_FILE": os.path.join(_ISOLATION_DIR, "no-credentials"),
        "AWS_PAGER": "",
        "AWS_MAX_ATTEMPTS": "1",
        "AWS_RETRY_MODE": "standard",
        "AWS_EC2_METADATA_DISABLED": "true",
        "NO_PROXY": "127.0.0.1,localhost",
    }
    cmd = [AWS_CLI, "--endpoint-url", endpoint, "--region", region, "--output", "json",
           "--no-cli-pager", *args]
    res = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=timeout)
    return CliResult(res.returncode, res.stdout, res.stderr)


@pytest.fixture
def cli(server):
    def _cli(*args, **kw):
        return run_cli(server, *args, **kw)
    return _cli
