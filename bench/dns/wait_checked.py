#!/usr/bin/env python3
"""Waits until COUNT claims in DB have next_check_at > AFTER_NS (each checked
once since vouch started) and prints the seconds since START (a time.time()
value). Keeps one read-only connection and polls every 10 ms with an index
seek for a claim still due (~10 us), counting only once none is: spawning
sqlite3 ten times a second took ~9% of the machine, and counting the index
range on every poll ~3 ms. Exits 1 if PID dies or TIMEOUT seconds pass."""
import os
import sqlite3
import sys
import time


def main():
    db, after_ns, count, start, pid, timeout = sys.argv[1:7]
    after_ns, count, start, pid, timeout = int(after_ns), int(count), float(start), int(pid), float(timeout)
    conn = None
    while time.time() - start < timeout:
        try:
            os.kill(pid, 0)
        except OSError:
            print("vouch exited", file=sys.stderr)
            return 1
        try:
            if conn is None:
                conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
            if conn.execute("SELECT 1 FROM claims WHERE next_check_at <= ? LIMIT 1",
                            (after_ns,)).fetchone() is None:
                seen = time.time()
                n = conn.execute("SELECT count(*) FROM claims WHERE next_check_at > ?",
                                 (after_ns,)).fetchone()[0]
                if n >= count:
                    print(f"{seen - start:.2f}")
                    return 0
        except sqlite3.Error:
            conn = None  # not created yet, or mid-migration: try again
        time.sleep(0.01)
    print("timed out", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
