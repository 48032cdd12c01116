#!/usr/bin/env python3
"""Starts vouch and times its first sweep.

usage: sweep.py DB COUNT INFO LOG TIMEOUT -- VOUCH_COMMAND...

Starts VOUCH_COMMAND (output to LOG) and waits until COUNT claims in DB have
next_check_at past its start (each checked once). Prints the seconds from
the start to then. Once vouch prints its port, writes
"PID PORT START START_NS" to INFO (START from time.time(), START_NS in ns).
Stops vouch when it fails.

The timer starts only after this script's own start-up. Started after vouch,
as before, the interpreter's start-up competed with vouch for the 2 CPUs (a
pyenv shim takes ~0.35 CPU-s), and so did the grep/sed polling for the port.

Keeps one read-only connection and polls every 10 ms with an index seek for
a claim still due (~10 us), counting only once none is. Exits 1 if vouch
exits, or if TIMEOUT seconds pass."""
import os
import re
import sqlite3
import subprocess
import sys
import time


def write_info(path, pid, port, start, start_ns):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(f"{pid} {port} {start:.6f} {start_ns}\n")
    os.rename(tmp, path)


def find_port(log_path):
    with open(log_path, errors="replace") as f:
        m = re.search(r"listening on (?:http://)?[0-9.]+:([0-9]+)", f.read())
    return m.group(1) if m else None


def main():
    if len(sys.argv) < 8 or sys.argv[6] != "--":
        print(__doc__, file=sys.stderr)
        return 2
    db, count, info, log_path, timeout = sys.argv[1:6]
    count, timeout = int(count), float(timeout)
    log = open(log_path, "w")
    start = time.time()
    after_ns = time.time_ns()
    vouch = subprocess.Popen(sys.argv[7:], stdout=log, stderr=subprocess.STDOUT)
    if wait(vouch, db, count, info, log_path, start, after_ns, timeout):
        return 0
    if vouch.poll() is None:
        vouch.kill()
        vouch.wait()
    return 1


def wait(vouch, db, count, info, log_path, start, after_ns, timeout):
    port = None
    conn = None
    while time.time() - start < timeout:
        if vouch.poll() is not None:
            print(f"vouch exited with {vouch.returncode}", file=sys.stderr)
            return False
        if port is None:
            port = find_port(log_path)
            if port is not None:
                write_info(info, vouch.pid, port, start, after_ns)
        try:
            if conn is None:
                conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
            if conn.execute("SELECT 1 FROM claims WHERE next_check_at <= ? LIMIT 1",
                            (after_ns,)).fetchone() is None:
                seen = time.time()
                n = conn.execute("SELECT count(*) FROM claims WHERE next_check_at > ?",
                                 (after_ns,)).fetchone()[0]
                if n >= count and port is not None:
                    print(f"{seen - start:.3f}")
                    return True
        except sqlite3.Error:
            conn = None  # not created yet, or mid-migration: try again
        time.sleep(0.01)
    print("timed out", file=sys.stderr)
    return False


if __name__ == "__main__":
    sys.exit(main())
