"""Email delivery benchmark (issue #5), driven by bench/email/run.sh.

1. A local aiosmtpd (tests/integration/python/smtp_server.py) records the
   arrival time of every message per recipient.
2. vouch (the binary in $VOUCH_BIN) runs with --smtp-url pointing at it.
3. IDENTITIES VerifyEmailIdentity calls are sent "at once" by CONCURRENCY
   threads (raw SigV4-signed HTTP, keep-alive, one connection per thread).
   Latency per identity = arrival at the SMTP server - the moment its
   VerifyEmailIdentity request was sent.  Delivery rate = messages /
   (last arrival - first request).
4. Baseline, in the same run, against the same aiosmtpd: the same number of
   messages of the same size sent directly by Python's smtplib with
   SMTP_CONCURRENCY threads (vouch's 8 senders), one SMTP session per message
   as vouch does, from a separate process (so the client does not share
   aiosmtpd's GIL): the ceiling for the delivery rate.
5. Prints a markdown table (and JSON with --json FILE).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import queue
import shutil
import signal
import smtplib
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests" / "integration" / "python"))

from botocore.auth import SigV4Auth  # noqa: E402
from botocore.awsrequest import AWSRequest  # noqa: E402
from botocore.credentials import Credentials  # noqa: E402

from smtp_server import SmtpServer, free_port  # noqa: E402

KEY = "AKIABENCHMAIL0000001"
SECRET = "benchMailSecretKey0123456789abcdefghijkl"
ACCOUNT = "123456789012"
MAIL_FROM = "bench@vouch.test"


def loadavg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def pct(values, p):
    s = sorted(values)
    if not s:
        return float("nan")
    k = (len(s) - 1) * p / 100.0
    lo, hi = int(k), min(int(k) + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


class Sampler(threading.Thread):
    """Samples the 1-minute load average while the run goes on."""

    def __init__(self):
        super().__init__(daemon=True)
        self.samples: list[float] = []
        self.stop_ev = threading.Event()

    def run(self):
        while not self.stop_ev.is_set():
            self.samples.append(float(Path("/proc/loadavg").read_text().split()[0]))
            self.stop_ev.wait(1.0)

    def stop(self):
        self.stop_ev.set()
        self.join()


def start_vouch(bin_path: str, smtp_url: str, data_dir: str) -> tuple[subprocess.Popen, int]:
    port = free_port()
    env = dict(os.environ)
    env.update(VOUCH_ROOT_ACCESS_KEY_ID=KEY, VOUCH_ROOT_SECRET_ACCESS_KEY=SECRET,
               VOUCH_ROOT_ACCOUNT_ID=ACCOUNT)
    log = open(os.path.join(data_dir, "..", "vouch.log"), "wb")
    proc = subprocess.Popen(
        [bin_path, "serve", "--listen", f"127.0.0.1:{port}", "--data", data_dir,
         "--smtp-url", smtp_url, "--mail-from", MAIL_FROM,
         "--rate-limit", "VerifyEmailIdentity=0", "--rate-limit", "GetIdentityVerificationAttributes=0"],
        stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            c.request("GET", "/_vouch/health")
            if c.getresponse().status == 200:
                return proc, port
        except OSError:
            pass
        time.sleep(0.05)
    proc.kill()
    raise SystemExit("vouch did not become healthy")


def signed_verify(email: str, port: int) -> tuple[bytes, dict]:
    body = urllib.parse.urlencode({"Action": "VerifyEmailIdentity", "EmailAddress": email,
                                   "Version": "2010-12-01"}).encode()
    req = AWSRequest(method="POST", url=f"http://127.0.0.1:{port}/", data=body,
                     headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
    SigV4Auth(Credentials(KEY, SECRET), "ses", "us-east-1").add_auth(req)
    return body, dict(req.headers.items())


def run_vouch(smtp: SmtpServer, port: int, n: int, concurrency: int, run_id: str):
    emails = [f"bench-{run_id}-{i:05d}@example.com" for i in range(n)]
    # Sign everything up front, so the clock starts with requests, not SigV4.
    signed = {e: signed_verify(e, port) for e in emails}
    work: queue.Queue = queue.Queue()
    for e in emails:
        work.put(e)
    sent_at: dict[str, float] = {}
    answered_at: dict[str, float] = {}
    errors: list[str] = []
    go = threading.Event()

    def worker():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        go.wait()
        while True:
            try:
                e = work.get_nowait()
            except queue.Empty:
                break
            body, hdrs = signed[e]
            t = time.time()
            try:
                conn.request("POST", "/", body=body, headers=hdrs)
                r = conn.getresponse()
                data = r.read()
                if r.status != 200:
                    errors.append(f"{e}: HTTP {r.status} {data[:200]!r}")
            except (OSError, http.client.HTTPException) as ex:
                errors.append(f"{e}: {ex!r}")
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            sent_at[e] = t
            answered_at[e] = time.time()
        conn.close()

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for t in threads:
        t.start()
    t0 = time.time()
    go.set()
    for t in threads:
        t.join()
    t_api_done = time.time()
    # Wait for every message at the SMTP server.
    want = set(emails)
    deadline = time.monotonic() + max(120, n * 0.2)
    while time.monotonic() < deadline:
        got = {r for m in smtp.received() for r in m.rcpt_tos if r in want}
        if len(got) == n:
            break
        time.sleep(0.05)
    time.sleep(1.0)  # let any duplicate show up
    arrivals: dict[str, list[float]] = {}
    for m in smtp.received():
        for r in m.rcpt_tos:
            if r in want:
                arrivals.setdefault(r, []).append(m.arrived)
    lat = [min(arrivals[e]) - sent_at[e] for e in emails if e in arrivals and e in sent_at]
    api = [answered_at[e] - sent_at[e] for e in emails if e in answered_at]
    delivered = len(arrivals)
    dups = sum(len(v) - 1 for v in arrivals.values())
    last = max((min(v) for v in arrivals.values()), default=t0)
    first_arrival = min((min(v) for v in arrivals.values()), default=t0)
    return {
        "identities": n,
        "concurrency": concurrency,
        "errors": errors[:5],
        "error_count": len(errors),
        "delivered": delivered,
        "duplicates": dups,
        "api_seconds": t_api_done - t0,
        "api_rate": n / (t_api_done - t0),
        "api_p50_ms": pct(api, 50) * 1000,
        "api_p99_ms": pct(api, 99) * 1000,
        "lat_p50_ms": pct(lat, 50) * 1000,
        "lat_p99_ms": pct(lat, 99) * 1000,
        "lat_max_ms": max(lat) * 1000 if lat else float("nan"),
        "lat_min_ms": min(lat) * 1000 if lat else float("nan"),
        "deliver_seconds": last - t0,
        "deliver_rate": delivered / (last - t0) if last > t0 else float("nan"),
        "first_arrival_ms": (first_arrival - t0) * 1000,
        "message_bytes": statistics.mean(len(m.data) for m in smtp.received()) if smtp.received() else 0,
        "sample_message": smtp.received()[0].data if smtp.received() else b"",
    }


def smtplib_client(port: int, emails: list, template: bytes, concurrency: int) -> dict:
    """Sends `template` to each address, one SMTP session per message, with
    `concurrency` threads; returns {email: send time} and errors. Runs in its
    own process (see run_smtplib), so it does not share the GIL with aiosmtpd."""
    work: queue.Queue = queue.Queue()
    for e in emails:
        work.put(e)
    sent_at: dict[str, float] = {}
    errors: list[str] = []
    go = threading.Event()

    def worker():
        go.wait()
        while True:
            try:
                e = work.get_nowait()
            except queue.Empty:
                break
            t = time.time()
            try:
                # One SMTP session per message, as vouch (libcurl) does.
                with smtplib.SMTP("127.0.0.1", port, timeout=30) as s:
                    s.sendmail(MAIL_FROM, [e], template)
            except (OSError, smtplib.SMTPException) as ex:
                errors.append(f"{e}: {ex!r}")
            sent_at[e] = t

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for t in threads:
        t.start()
    t0 = time.time()
    go.set()
    for t in threads:
        t.join()
    return {"t0": t0, "sent_at": sent_at, "errors": errors}


def run_smtplib(smtp: SmtpServer, template: bytes, n: int, concurrency: int, run_id: str):
    before = len(smtp.received())
    emails = [f"base-{run_id}-{i:05d}@example.com" for i in range(n)]
    with tempfile.NamedTemporaryFile(suffix=".eml", delete=False) as f:
        f.write(template)
        tpl = f.name
    try:
        out = subprocess.run(
            [sys.executable, __file__, "--smtplib-client", str(smtp.port), tpl, str(concurrency),
             run_id, str(n)], capture_output=True, text=True, timeout=600)
    finally:
        os.unlink(tpl)
    if out.returncode != 0:
        raise SystemExit(f"smtplib client failed: {out.stderr}")
    doc = json.loads(out.stdout)
    t0, sent_at, errors = doc["t0"], doc["sent_at"], doc["errors"]
    want = set(emails)
    arrivals = {}
    for m in smtp.received()[before:]:
        for r in m.rcpt_tos:
            if r in want:
                arrivals.setdefault(r, m.arrived)
    last = max(arrivals.values(), default=t0)
    lat = [arrivals[e] - sent_at[e] for e in emails if e in arrivals and e in sent_at]
    return {
        "messages": n,
        "concurrency": concurrency,
        "error_count": len(errors),
        "errors": errors[:5],
        "delivered": len(arrivals),
        "seconds": last - t0,
        "rate": len(arrivals) / (last - t0) if last > t0 else float("nan"),
        "lat_p50_ms": pct(lat, 50) * 1000,
        "lat_p99_ms": pct(lat, 99) * 1000,
    }


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] == "--smtplib-client":
        port, tpl, conc, run_id, n = sys.argv[2:7]
        emails = [f"base-{run_id}-{i:05d}@example.com" for i in range(int(n))]
        doc = smtplib_client(int(port), emails, Path(tpl).read_bytes(), int(conc))
        json.dump(doc, sys.stdout)
        return 0
    ap = argparse.ArgumentParser()
    ap.add_argument("--vouch", default=os.environ.get("VOUCH_BIN", str(REPO / "build-bench-email" / "vouch")))
    ap.add_argument("--identities", type=int, default=1000)
    ap.add_argument("--concurrency", type=int, default=64, help="client threads sending VerifyEmailIdentity")
    ap.add_argument("--smtp-concurrency", type=int, default=8, help="baseline smtplib threads (vouch: 8 senders)")
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument("--json")
    args = ap.parse_args()

    work = tempfile.mkdtemp(prefix="vouch-bench-email-")
    sampler = Sampler()
    sampler.start()
    uptime_before = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    smtp = SmtpServer().start()
    procs = []
    results = []
    baselines = []
    try:
        for rnd in range(args.rounds):
            data_dir = os.path.join(work, f"data{rnd}")
            os.makedirs(data_dir)
            proc, port = start_vouch(args.vouch, smtp.url, data_dir)
            procs.append(proc)
            print(f"[{time.strftime('%T')}] round {rnd + 1}: vouch on :{port}, "
                  f"{args.identities} identities, {args.concurrency} client threads (load {loadavg()})",
                  file=sys.stderr)
            r = run_vouch(smtp, port, args.identities, args.concurrency, f"r{rnd}")
            results.append(r)
            proc.send_signal(signal.SIGTERM)
            proc.wait(20)
            print(f"[{time.strftime('%T')}] round {rnd + 1}: baseline smtplib x{args.smtp_concurrency} "
                  f"(load {loadavg()})", file=sys.stderr)
            baselines.append(run_smtplib(smtp, r["sample_message"], args.identities,
                                         args.smtp_concurrency, f"r{rnd}"))
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
        smtp.stop()
        sampler.stop()
        shutil.rmtree(work, ignore_errors=True)
    uptime_after = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()

    med = lambda xs, k: statistics.median(x[k] for x in xs)
    load = sampler.samples
    print()
    print(f"Email delivery: {args.identities} VerifyEmailIdentity at once "
          f"({args.concurrency} client threads) -> vouch (8 SMTP senders, libcurl, one SMTP session "
          f"per message) -> aiosmtpd on loopback. Baseline: the same aiosmtpd, {args.identities} "
          f"messages of the same size sent by smtplib (a separate process) with "
          f"{args.smtp_concurrency} threads, one session per message, right after each vouch round.")
    print()
    print("| round | delivered (dups) | Verify → SMTP 250, p50 | p99 | max | delivered msg/s "
          "| Verify calls/s | baseline msg/s | baseline send → 250, p50 / p99 |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for i, (x, y) in enumerate(zip(results, baselines), 1):
        print(f"| {i} | {x['delivered']}/{x['identities']} ({x['duplicates']}) | {x['lat_p50_ms']:.0f} ms "
              f"| {x['lat_p99_ms']:.0f} ms | {x['lat_max_ms']:.0f} ms | {x['deliver_rate']:.0f} "
              f"| {x['api_rate']:.0f} | {y['rate']:.0f} | {y['lat_p50_ms']:.0f} / {y['lat_p99_ms']:.0f} ms |")
    if len(results) > 1:
        print(f"| **median** | | **{med(results, 'lat_p50_ms'):.0f} ms** | **{med(results, 'lat_p99_ms'):.0f} ms** "
              f"| {med(results, 'lat_max_ms'):.0f} ms | **{med(results, 'deliver_rate'):.0f}** "
              f"| {med(results, 'api_rate'):.0f} | **{med(baselines, 'rate'):.0f}** "
              f"| {med(baselines, 'lat_p50_ms'):.0f} / {med(baselines, 'lat_p99_ms'):.0f} ms |")
    print()
    print(f"Message size {results[0]['message_bytes']:.0f} B; API errors "
          f"{sum(x['error_count'] for x in results)}, baseline errors {sum(y['error_count'] for y in baselines)}; "
          f"VerifyEmailIdentity p50/p99 (median of rounds) {med(results, 'api_p50_ms'):.0f}/"
          f"{med(results, 'api_p99_ms'):.0f} ms.")
    print(f"Load: before `{uptime_before}`; after `{uptime_after}`; "
          f"1-min load average sampled each second during the run min/median/max "
          f"{min(load):.2f}/{statistics.median(load):.2f}/{max(load):.2f}; {os.cpu_count()} CPUs.")
    r = results[0]
    b = baselines[0]
    if r["errors"] or b["errors"]:
        print("\nFirst errors:", r["errors"], b["errors"])
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"vouch": [{k: v for k, v in x.items() if k != "sample_message"} for x in results],
                       "baseline": baselines, "load": load, "uptime_before": uptime_before,
                       "uptime_after": uptime_after}, f, indent=1)
    ok = all(x["delivered"] == x["identities"] and x["duplicates"] == 0 and x["error_count"] == 0
             for x in results)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
