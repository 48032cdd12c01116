"""`vouch serve --config FILE` and the VOUCH_* environment, against the real
binary: each setting checked by what the server does, precedence by which
value wins (flags over environment over file)."""

from __future__ import annotations

import json
import os
import subprocess
import urllib.request

import pytest
from botocore.exceptions import ClientError

from conftest import VOUCH_BIN, free_port, ses_client


def region_ok(srv, region: str) -> bool:
    try:
        ses_client(srv, region=region).list_identities()
        return True
    except ClientError as e:
        assert e.response["ResponseMetadata"]["HTTPStatusCode"] == 403, e.response
        return False


def health(port: int) -> dict | None:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/_vouch/health", timeout=5) as r:
            return json.load(r)
    except OSError:
        return None


def clean_env(**extra) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("VOUCH_")}
    env.update(extra)
    return env


def test_file_sets_flags_and_the_environment_replaces_its_lists(vouch_factory, tmp_path):
    cfg = tmp_path / "vouch.toml"
    cfg.write_text('region = ["local-1", "local-3"]\nregions = ["eu-west-1"]\n')
    srv = vouch_factory.start(extra_args=["--config", str(cfg)])
    assert region_ok(srv, "eu-west-1") and region_ok(srv, "local-1") and region_ok(srv, "local-3")
    assert not region_ok(srv, "us-east-1")  # regions replaced AWS's list
    srv.stop()
    # The environment's list replaces the file's (local-3 goes), its regions too.
    srv2 = vouch_factory.start(extra_args=["--config", str(cfg)],
                               env={"VOUCH_REGION": "local-1,local-2",
                                    "VOUCH_REGIONS": "eu-west-1,us-east-1"})
    assert region_ok(srv2, "local-2") and region_ok(srv2, "us-east-1")
    assert not region_ok(srv2, "local-3")
    srv2.stop()
    # And a flag replaces both.
    srv3 = vouch_factory.start(extra_args=["--config", str(cfg), "--region", "local-4"],
                               env={"VOUCH_REGION": "local-2"})
    assert region_ok(srv3, "local-4") and not region_ok(srv3, "local-2")


def serve_until_listening(args, env):
    """Starts vouch; the process once it announced its listener (or died)."""
    proc = subprocess.Popen([VOUCH_BIN, "serve", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, env=env,
                            stdin=subprocess.DEVNULL)
    for line in proc.stdout:  # the announcement comes once the listener is bound
        if "listening on" in line:
            break
    return proc


@pytest.mark.parametrize("layer", ["file", "env", "flag"])
def test_listen_and_data_from_each_layer(tmp_path, layer):
    file_port, env_port, flag_port = free_port(), free_port(), free_port()
    cfg = tmp_path / "vouch.toml"
    cfg.write_text(f'listen = "127.0.0.1:{file_port}"\ndata = "{tmp_path / "data"}"\n'
                   'dns-resolver = "127.0.0.1:9"\ntest-mode = true\n')
    env = clean_env()
    args = ["--config", str(cfg)]
    if layer in ("env", "flag"):
        env["VOUCH_LISTEN"] = f"127.0.0.1:{env_port}"
    if layer == "flag":
        args += ["--listen", f"127.0.0.1:{flag_port}"]
    want = {"file": file_port, "env": env_port, "flag": flag_port}[layer]
    proc = serve_until_listening(args, env)
    try:
        assert health(want) is not None, "nothing on the winning layer's port"
        for other in {file_port, env_port, flag_port} - {want}:
            assert health(other) is None
        assert (tmp_path / "data" / "vouch.db").exists()  # data from the file
        # test-mode from the file: the test clock answers.
        req = urllib.request.Request(f"http://127.0.0.1:{want}/_vouch/test/clock",
                                     data=b'{"advance_seconds": 0}', method="POST",
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=5) as r:
            assert r.status == 200
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def test_environment_switch_off_beats_the_files_on(tmp_path):
    port = free_port()
    cfg = tmp_path / "vouch.toml"
    cfg.write_text(f'listen = "127.0.0.1:{port}"\ndata = "{tmp_path / "data"}"\n'
                   'dns-resolver = "127.0.0.1:9"\ntest-mode = true\n')
    proc = serve_until_listening(["--config", str(cfg)], clean_env(VOUCH_TEST_MODE="false"))
    try:
        assert health(port) is not None
        req = urllib.request.Request(f"http://127.0.0.1:{port}/_vouch/test/clock",
                                     data=b'{"advance_seconds": 0}', method="POST",
                                     headers={"Content-Type": "application/json"})
        with pytest.raises(urllib.error.HTTPError) as e:
            urllib.request.urlopen(req, timeout=5)
        assert e.value.code in (403, 404)
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def test_config_check_prints_effective_settings_with_secrets_masked(tmp_path):
    cfg = tmp_path / "vouch.toml"
    cfg.write_text('listen = "127.0.0.1:5000"\n'
                   'smtp-url = "smtps://mailer:hunter2@relay.example:465"\n'
                   'dns-resolver = ["10.0.0.1:53", "10.0.0.2:53"]\n'
                   'rate-limit = { GetIdentityVerificationAttributes = 5 }\n')
    res = subprocess.run([VOUCH_BIN, "config", "check", "--config", str(cfg), "--test-mode"],
                         capture_output=True, text=True, timeout=30,
                         env=clean_env(VOUCH_DNS_RESOLVER="10.0.0.3:53",
                                       VOUCH_STORE_CONNECTIONS=""))
    assert res.returncode == 0, res.stderr
    lines = res.stdout.splitlines()
    assert f'listen = "127.0.0.1:5000"  # {cfg}:1' in lines
    assert f'smtp-url = "smtps://mailer:***@relay.example:465"  # {cfg}:2' in lines
    assert 'dns-resolver = ["10.0.0.3:53"]  # VOUCH_DNS_RESOLVER' in lines
    assert f'rate-limit = ["GetIdentityVerificationAttributes=5"]  # {cfg}:4' in lines
    assert "test-mode = true  # command line" in lines
    assert "hunter2" not in res.stdout + res.stderr
    # The output is TOML itself: tomllib reads it back.
    import tomllib
    assert tomllib.loads(res.stdout)["listen"] == "127.0.0.1:5000"
    # And a file it refuses: status 2, the key and the file named.
    cfg.write_text('listen = "127.0.0.1:5000"\nsmtp-urll = "x"\n')
    res = subprocess.run([VOUCH_BIN, "config", "check", "--config", str(cfg)],
                         capture_output=True, text=True, timeout=30, env=clean_env())
    assert res.returncode == 2
    assert f"{cfg}:2: unknown key 'smtp-urll' (did you mean 'smtp-url'?)" in res.stderr


def test_config_file_from_the_environment(tmp_path):
    cfg = tmp_path / "vouch.toml"
    cfg.write_text('max-identities = 3\n')
    res = subprocess.run([VOUCH_BIN, "config", "check"], capture_output=True, text=True,
                         timeout=30, env=clean_env(VOUCH_CONFIG=str(cfg)))
    assert res.returncode == 0, res.stderr
    assert f'max-identities = "3"  # {cfg}:1' in res.stdout.splitlines()
