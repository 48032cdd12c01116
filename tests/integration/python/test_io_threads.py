"""How many I/O threads `vouch serve` runs by default: one per CPU it may use
(two with --store), where the CPUs it may use are its affinity mask (taskset)
capped by a cgroup CPU quota, not the machine's count. The startup line says
so, and the process runs that many (the spawned ones named vouch-io)."""

from __future__ import annotations

import os
import re
import subprocess
import time
import uuid
from pathlib import Path

import pytest

from conftest import LOOPBACK_NO_DNS, VOUCH_BIN, free_port

LINE = re.compile(r"(\d+) I/O threads \((\d+) usable CPUs\)")


def vouch_io_threads(pid: int) -> int:
    count = 0
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            count += (task / "comm").read_text().strip() == "vouch-io"
        except OSError:  # the thread ended
            pass
    return count


def io_threads(tmp_path: Path, prefix: list[str], extra: list[str] = ()) -> tuple[int, int, int]:
    """Starts vouch under `prefix` (a command that execs its arguments);
    returns (announced threads, announced CPUs, threads named vouch-io)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("VOUCH_")}
    data = tmp_path / uuid.uuid4().hex
    proc = subprocess.Popen(
        [*prefix, VOUCH_BIN, "serve", "--data", str(data), "--listen",
         f"127.0.0.1:{free_port()}", "--dns-resolver", LOOPBACK_NO_DNS, *extra],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
        stdin=subprocess.DEVNULL)
    try:
        seen = []
        for line in proc.stdout:
            seen.append(line)
            if m := LINE.search(line):
                threads, cpus = int(m.group(1)), int(m.group(2))
                # The line comes just before the threads start: give them time.
                deadline = time.monotonic() + 10
                while (named := vouch_io_threads(proc.pid)) != threads - 1 and \
                        time.monotonic() < deadline:
                    time.sleep(0.02)
                return threads, cpus, named
        pytest.fail("no I/O threads line: " + "".join(seen))
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def test_the_default_follows_the_affinity_mask(tmp_path):
    mine = len(os.sched_getaffinity(0))
    if mine < 2:
        pytest.skip("needs two CPUs to tell one from all")
    # Control: unrestricted, one per CPU of this process's mask.
    assert io_threads(tmp_path, []) == (mine, mine, mine - 1)
    first = min(os.sched_getaffinity(0))
    assert io_threads(tmp_path, ["taskset", "-c", str(first)]) == (1, 1, 0)
    # --threads is taken as given, whatever the mask.
    assert io_threads(tmp_path, ["taskset", "-c", str(first)], ["--threads", "3"]) == (3, 1, 2)


def joined(group: Path) -> list[str]:
    """A command prefix that moves the process into `group`, then execs the rest."""
    return ["sh", "-c", f'echo $$ > {group}/cgroup.procs && exec "$@"', "sh"]


def cpu_cgroup(quota_us: int, period_us: int = 100000) -> Path | None:
    """A fresh cgroup with a CPU quota (v1's cpu controller, else v2) that a
    process can join, or None if this one may not make one (not root, a
    read-only cgroup mount, no cpu controller to delegate)."""
    name = "vouch-test-" + uuid.uuid4().hex[:12]
    v1 = Path("/sys/fs/cgroup/cpu")
    v2 = Path("/sys/fs/cgroup")
    d = None
    try:
        if (v1 / "cpu.cfs_quota_us").exists():
            d = v1 / name
            d.mkdir()
            (d / "cpu.cfs_period_us").write_text(str(period_us))
            (d / "cpu.cfs_quota_us").write_text(str(quota_us))
        elif "cpu" in (v2 / "cgroup.subtree_control").read_text().split():
            d = v2 / name
            d.mkdir()
            (d / "cpu.max").write_text(f"{quota_us} {period_us}")
        else:
            return None
        probe = subprocess.run([*joined(d), "cat", "/proc/self/cgroup"], capture_output=True,
                               text=True, timeout=30)
        if probe.returncode == 0 and name in probe.stdout:
            return d
    except OSError:
        pass
    if d is not None and d.exists():
        d.rmdir()
    return None


def test_the_default_follows_a_cgroup_cpu_quota(tmp_path):
    mine = len(os.sched_getaffinity(0))
    if mine < 2:
        pytest.skip("needs two CPUs to tell one from all")
    group = cpu_cgroup(quota_us=50000)  # half a CPU: rounded up to one
    if group is None:
        pytest.skip("cannot make and join a cgroup here (not root, a read-only mount, no cpu controller)")
    join = joined(group)
    try:
        assert io_threads(tmp_path, join) == (1, 1, 0)
        v1 = (group / "cpu.cfs_quota_us").exists()
        (group / ("cpu.cfs_quota_us" if v1 else "cpu.max")).write_text("-1" if v1 else "max 100000")
        # Control: the same cgroup without its quota.
        assert io_threads(tmp_path, join) == (mine, mine, mine - 1)
    finally:
        group.rmdir()
