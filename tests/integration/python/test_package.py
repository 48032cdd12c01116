"""The Debian package (scripts/package.sh): built from the binary under test,
installed with dpkg on this machine, checked (files, user, modes, the unit's
hardening), its unit's ExecStart run as the vouch user (systemd is not PID 1
here) to verify a domain with boto3 against knot, then purged, leaving
nothing. Needs root (CI has it); the fixture purges even when a test fails."""

from __future__ import annotations

import grp
import os
import pwd
import re
import shlex
import shutil
import signal
import stat
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest

from conftest import REPO, VOUCH_BIN, free_port, ses_client, uniq
from dns_server import shared_knot

UNIT = Path("/lib/systemd/system/vouch.service")
CONF = Path("/etc/vouch/vouch.toml")
DATA = Path("/var/lib/vouch")
WANTS = Path("/etc/systemd/system/multi-user.target.wants/vouch.service")


def _installed_already() -> bool:
    return subprocess.run(["dpkg", "-s", "vouch"], capture_output=True).returncode == 0


def _user_exists(name: str = "vouch") -> bool:
    try:
        pwd.getpwnam(name)
        return True
    except KeyError:
        return False


pytestmark = [
    pytest.mark.skipif(os.geteuid() != 0, reason="installing a .deb needs root (CI runs as root)"),
    pytest.mark.skipif(os.geteuid() == 0 and (_installed_already() or _user_exists()),
                       reason="a vouch package or user is already on this machine: not touching it"),
    # The package is the machine's, not a worker's: one worker runs the module
    # (common.sh's --dist loadgroup), or another's purge pulls it from under this one.
    pytest.mark.xdist_group("package"),
]


def dpkg(*args: str) -> subprocess.CompletedProcess:
    """dpkg, waiting for its lock while another apt or dpkg holds it."""
    deadline = time.monotonic() + 300
    while True:
        res = subprocess.run(["dpkg", *args], capture_output=True, text=True,
                             env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})
        if res.returncode == 0 or "lock" not in res.stderr or time.monotonic() > deadline:
            return res
        time.sleep(2)


@pytest.fixture(scope="module")
def package():
    out = Path(tempfile.mkdtemp(prefix="vouch-it-deb-"))
    try:
        built = subprocess.run([str(REPO / "scripts" / "package.sh"), "--binary", VOUCH_BIN,
                                "--out", str(out)], capture_output=True, text=True, timeout=300)
        assert built.returncode == 0, built.stderr
        deb = Path(built.stdout.strip().splitlines()[-1])
        res = dpkg("-i", str(deb))
        assert res.returncode == 0, res.stdout + res.stderr
        yield deb
    finally:
        dpkg("--purge", "vouch")
        # Whatever a failed purge left (only ours: the module skips when any was there).
        if _user_exists():
            subprocess.run(["userdel", "vouch"], capture_output=True)
        shutil.rmtree(DATA, ignore_errors=True)
        shutil.rmtree(out, ignore_errors=True)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def owner(path: Path) -> tuple[str, str]:
    st = path.stat()
    return pwd.getpwuid(st.st_uid).pw_name, grp.getgrgid(st.st_gid).gr_name


@pytest.mark.skipif(not shutil.which("lintian"), reason="lintian not installed")
def test_lintian_is_clean(package):
    res = subprocess.run(["lintian", "--tag-display-limit", "0", str(package)],
                         capture_output=True, text=True, timeout=300)
    tags = [l for l in res.stdout.splitlines() if re.match(r"[EW]: ", l)]
    assert tags == [], res.stdout


def test_files_user_and_modes(package):
    info = subprocess.run(["dpkg-deb", "-f", str(package), "Depends"], capture_output=True,
                          text=True, check=True).stdout
    for lib in ("libc6", "libssl3", "libsqlite3-0", "libc-ares2", "libcurl4", "libpq5", "adduser"):
        assert lib in info, info
    assert Path("/usr/bin/vouch").stat().st_mode & 0o111
    assert owner(Path("/usr/bin/vouch")) == ("root", "root")
    version = subprocess.run(["/usr/bin/vouch", "version"], capture_output=True, text=True)
    assert version.returncode == 0 and version.stdout.startswith("vouch ")
    conffiles = subprocess.run(["dpkg-query", "-W", "-f=${Conffiles}", "vouch"],
                               capture_output=True, text=True, check=True).stdout
    assert str(CONF) in conffiles
    assert mode(CONF) == 0o640 and owner(CONF) == ("root", "vouch")
    user = pwd.getpwnam("vouch")
    assert user.pw_uid < 1000 and user.pw_dir == str(DATA)
    assert user.pw_shell in ("/usr/sbin/nologin", "/bin/false")
    assert DATA.is_dir() and mode(DATA) == 0o700 and owner(DATA) == ("vouch", "vouch")
    # Enabled as dh_installsystemd would (systemd need not run for the link).
    assert WANTS.is_symlink() and os.readlink(WANTS) == str(UNIT)
    assert Path("/usr/share/man/man1/vouch.1.gz").exists()
    # The shipped file is valid as it stands: vouch config check reads it.
    check = subprocess.run(["/usr/bin/vouch", "config", "check", "--config", str(CONF)],
                           capture_output=True, text=True,
                           env={k: v for k, v in os.environ.items() if not k.startswith("VOUCH_")})
    assert check.returncode == 0, check.stderr
    assert f'data = "{DATA}"' in check.stdout


HARDENING = [
    "User=vouch",
    "ExecStart=/usr/bin/vouch serve --config /etc/vouch/vouch.toml",
    "ProtectSystem=strict",
    "ReadWritePaths=/var/lib/vouch",
    "StateDirectory=vouch",
    "StateDirectoryMode=0700",
    "NoNewPrivileges=yes",
    "PrivateTmp=yes",
    "PrivateDevices=yes",
    "ProtectHome=yes",
    "ProtectKernelTunables=yes",
    "ProtectKernelModules=yes",
    "ProtectKernelLogs=yes",
    "ProtectControlGroups=yes",
    "RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX AF_NETLINK",
    "CapabilityBoundingSet=",
    "SystemCallFilter=@system-service",
    "LockPersonality=yes",
    "MemoryDenyWriteExecute=yes",
    "Restart=on-failure",
    "LimitNOFILE=65536",
]


def test_unit_is_hardened(package):
    lines = UNIT.read_text().splitlines()
    for line in HARDENING:
        assert line in lines, line
    assert mode(UNIT) == 0o644
    if shutil.which("systemd-analyze"):
        res = subprocess.run(["systemd-analyze", "verify", str(UNIT)], capture_output=True,
                             text=True)
        # Without systemd as PID 1 it may only complain about the bus; never about the unit.
        assert "vouch.service:" not in res.stderr, res.stderr
        res = subprocess.run(["systemd-analyze", "security", "--offline=true", str(UNIT)],
                             capture_output=True, text=True)
        level = re.search(r"Overall exposure level for vouch.service: ([0-9.]+)", res.stdout)
        assert level and float(level.group(1)) <= 2.0, res.stdout[-500:]


def _deny_write_execute():  # runs in the child: MemoryDenyWriteExecute's kernel twin
    import ctypes
    # PR_SET_MDWE, PR_MDWE_REFUSE_EXEC_GAIN (Linux 6.3+; kept across execve). On
    # an older kernel the run goes on without it.
    ctypes.CDLL(None).prctl(65, 1, 0, 0, 0)


def exec_start() -> list[str]:
    line = next(l for l in UNIT.read_text().splitlines() if l.startswith("ExecStart="))
    return shlex.split(line.removeprefix("ExecStart="))


def test_service_verifies_a_domain(package):
    knot = shared_knot("pkg")
    port = free_port()
    # The unit's ExecStart as its user, in its working directory, with no
    # writable-and-executable memory (jemalloc and OpenSSL must cope); the
    # environment overrides the packaged file (flags > env > file) for the test.
    env = {k: v for k, v in os.environ.items() if not k.startswith("VOUCH_")}
    env.update(VOUCH_LISTEN=f"127.0.0.1:{port}", VOUCH_DNS_RESOLVER=knot.address,
               VOUCH_TEST_MODE="true",
               VOUCH_RATE_LIMIT="VerifyDomainIdentity=0,GetIdentityVerificationAttributes=0")
    proc = subprocess.Popen(["runuser", "-u", "vouch", "--", *exec_start()], cwd=DATA, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            stdin=subprocess.DEVNULL, start_new_session=True,
                            preexec_fn=_deny_write_execute)
    out = []
    try:
        for line in proc.stdout:
            out.append(line)
            if "listening on" in line:
                break
        text = "".join(out)
        assert "listening on" in text, text
        assert f"sqlite at {DATA}/vouch.db" in text
        # The first start shows the generated root credentials (the journal's copy)...
        assert "root secret access key:" in text
        # ... and keeps them in the data directory, for vouch and root only.
        creds = DATA / "root-credentials"
        assert mode(creds) == 0o600 and owner(creds)[0] == "vouch"
        fields = dict(l.split("=", 1) for l in creds.read_text().splitlines() if "=" in l)
        assert fields["secret_access_key"] in text
        endpoint = f"http://127.0.0.1:{port}"
        ses = ses_client(endpoint, key=fields["access_key_id"], secret=fields["secret_access_key"])
        domain = f"{uniq('pkg')}.example.com"
        token = ses.verify_domain_identity(Domain=domain)["VerificationToken"]
        knot.set_txt(f"_amazonses.{domain}", token)
        req = urllib.request.Request(f"{endpoint}/_vouch/test/run-due-checks", data=b"{}",
                                     method="POST", headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=30) as r:
            assert r.status == 200
        attrs = ses.get_identity_verification_attributes(Identities=[domain])
        assert attrs["VerificationAttributes"][domain]["VerificationStatus"] == "Success"
        # Positive control beside it: a domain without its record stays Pending.
        other = f"{uniq('pkg')}.example.com"
        ses.verify_domain_identity(Domain=other)
        with urllib.request.urlopen(req, timeout=30) as r:
            assert r.status == 200
        attrs = ses.get_identity_verification_attributes(Identities=[other])
        assert attrs["VerificationAttributes"][other]["VerificationStatus"] == "Pending"
        assert owner(DATA / "vouch.db")[0] == "vouch" and mode(DATA / "vouch.db") == 0o600
        # The account commands, as the README tells an operator: as vouch, beside the service.
        listed = subprocess.run(["runuser", "-u", "vouch", "--", "/usr/bin/vouch", "account",
                                 "list", "--data", str(DATA)], capture_output=True, text=True,
                                env=env, timeout=30)
        assert listed.returncode == 0, listed.stderr
        assert fields["access_key_id"] in listed.stdout
    finally:
        os.killpg(proc.pid, signal.SIGTERM)  # runuser and vouch: the group it leads
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def test_purge_leaves_nothing(package):
    res = dpkg("--purge", "vouch")
    assert res.returncode == 0, res.stdout + res.stderr
    for path in ("/usr/bin/vouch", str(CONF), "/etc/vouch", str(UNIT), str(DATA),
                 "/usr/share/doc/vouch", "/usr/share/man/man1/vouch.1.gz",
                 "/var/lib/systemd/deb-systemd-helper-enabled/vouch.service.dsh-also"):
        assert not os.path.exists(path), path
    assert not os.path.lexists(WANTS)
    assert not _user_exists()
    with pytest.raises(KeyError):
        grp.getgrnam("vouch")
    assert not _installed_already()
