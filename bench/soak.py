"""The soak driver (bench/soak.sh runs it): mixed API load, DNS sweeps and
mail against one vouch for MINUTES, with a SIGKILL and a restart on the same
data every --restart-every seconds, checking after each restart that

  - every acknowledged create exists and every acknowledged delete stays
    deleted (SES v1 and v2 identities, Lattice domain verifications);
  - replaying a live clientToken answers the first create's id (no second
    resource);
  - every claim that needs a next check has one (read from the store beside
    the server: sqlite3 read-only, or psql);

and sampling vouch's RSS (/proc) and the store's size on disk (vouch.db + WAL,
or pg_database_size) once a minute. vouch runs in test mode so that hours of
its clock pass in minutes: each tick moves the clock by --clock-step and runs
the due checks (the DNS sweep against knot, where a driver thread publishes
and removes records so statuses move), so client tokens (8 h), events
(--event-retention 12h) and history (--history-keep 10) all pass their
retention inside the run. Mail goes to an aiosmtpd sink on the real clock
(--mail-retention 2m). The live set is capped (creates and deletes balance),
so a store that keeps only what its retentions allow stops growing: the run
fails when, over its last third, the store or RSS grew more than
--growth-limit (10 %) plus a small absolute slack.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "integration" / "python"))

import boto3  # noqa: E402
from botocore.config import Config  # noqa: E402

from conftest import ROOT_ACCOUNT_ID, ROOT_KEY, ROOT_SECRET, free_port  # noqa: E402
from dns_server import KnotServer  # noqa: E402
from smtp_server import SmtpServer  # noqa: E402
from vouch_client import vouch_request  # noqa: E402

SES_CAP = 150      # live SES identities (v1 and v2) the load keeps at most
# Lattice allows 5 domain verifications per account and Region: spread them.
LATTICE_REGIONS = ["us-east-1", "us-east-2", "us-west-1", "us-west-2", "eu-west-1", "eu-west-2",
                   "eu-central-1", "ap-northeast-1", "ap-southeast-1", "ap-southeast-2"]
LATTICE_CAP = 3 * len(LATTICE_REGIONS)
TOKEN_REPLAY_AGE = 7 * 3600  # test-clock seconds: replays stay well inside the 8 h window
DB_SLACK = 2 << 20    # bytes: page reuse and WAL checkpoints move the file by this much
RSS_SLACK = 8 << 20   # bytes: allocator arenas


class Server:
    """vouch on a fixed port (clients survive restarts), killed with SIGKILL."""

    def __init__(self, binary: str, data_dir: Path, store_url: str | None, args: list[str]):
        self.binary, self.data_dir, self.store_url = binary, data_dir, store_url
        self.port = free_port()
        self.args = args
        self.proc: subprocess.Popen | None = None
        self.log = open(data_dir.parent / "vouch.log", "ab")

    def start(self) -> float:
        store = ["--store", self.store_url] if self.store_url else ["--data", str(self.data_dir)]
        env = dict(os.environ, VOUCH_ROOT_ACCESS_KEY_ID=ROOT_KEY,
                   VOUCH_ROOT_SECRET_ACCESS_KEY=ROOT_SECRET, VOUCH_ROOT_ACCOUNT_ID=ROOT_ACCOUNT_ID)
        t0 = time.monotonic()
        self.proc = subprocess.Popen(
            [self.binary, "serve", "--listen", f"127.0.0.1:{self.port}", *store, *self.args],
            stdout=self.log, stderr=self.log, stdin=subprocess.DEVNULL, env=env,
            start_new_session=True)
        while time.monotonic() - t0 < 60:
            if self.proc.poll() is not None:
                raise SystemExit(f"vouch exited with {self.proc.returncode}; see {self.log.name}")
            try:
                status, doc = vouch_request(self, "GET", "/_vouch/health", sign=False, timeout=2)
                if status == 200 and doc.get("status") == "ok":
                    return time.monotonic() - t0
            except OSError:
                pass
            time.sleep(0.05)
        raise SystemExit("vouch not healthy within 60 s")

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(30)

    def rss(self) -> int:
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
        return 0

    def store_bytes(self) -> int:
        if self.store_url:
            return int(psql(self.store_url, "SELECT pg_database_size(current_database())")[0][0])
        return sum(p.stat().st_size for p in self.data_dir.glob("vouch.db*"))

    def scalar(self, query: str) -> int:
        """One number from the store, read beside the server (0 for NULL)."""
        if self.store_url:
            v = psql(self.store_url, query)[0][0]
            return int(v) if v else 0
        db = sqlite3.connect(f"file:{self.data_dir}/vouch.db?mode=ro", uri=True, timeout=30)
        try:
            return db.execute(query).fetchone()[0] or 0
        finally:
            db.close()

    def claims_without_next_check(self) -> int:
        # Failed claims and verified addresses (verified once, by their link) need none.
        return self.scalar("SELECT count(*) FROM claims WHERE next_check_at IS NULL AND "
                           "status != 3 AND NOT (kind = 1 AND status = 1)")

    def retained(self) -> dict:
        """Rows each retention bounds, and the oldest of each (ns since the epoch)."""
        out = {t: self.scalar(f"SELECT count(*) FROM {t}")
               for t in ("events", "idempotency", "outbox", "history")}
        out["oldest_token"] = self.scalar("SELECT min(created_at) FROM idempotency")
        out["oldest_event"] = self.scalar("SELECT min(at) FROM events")
        out["oldest_done_mail"] = self.scalar("SELECT min(created_at) FROM outbox WHERE state != 0")
        out["most_history"] = self.scalar(
            "SELECT max(n) FROM (SELECT count(*) AS n FROM history GROUP BY claim_seq) h")
        return out


class Zone:
    """knot's example.com from several threads: KnotServer rewrites the zone
    file on each change, so changes go one at a time."""

    def __init__(self, knot: KnotServer):
        self.knot, self.lock = knot, threading.Lock()

    def set_txt(self, name: str, value: str) -> None:
        with self.lock:
            self.knot.set_txt(name, value)

    def clear(self, name: str) -> None:
        with self.lock:
            self.knot.clear(name)


def psql(url: str, query: str):
    from pg_cluster import psql as run
    return run(url, query)


class State:
    """What the server acknowledged. Outcomes of requests cut by a kill are
    unknown and never asserted on."""

    def __init__(self):
        self.lock = threading.Lock()
        self.ses: dict[str, str] = {}         # live identity -> "v1" | "v2"
        self.ses_deleted: set[str] = set()
        # id -> (domain, token, test time of the create, Region)
        self.lattice: dict[str, tuple[str, str, float, str]] = {}
        self.lattice_deleted: dict[str, str] = {}  # id -> Region
        self.published: dict[str, tuple[str, str]] = {}  # domain -> (record name, value)
        self.ops = 0
        self.errors: dict[str, int] = {}
        self.error_samples: dict[str, str] = {}
        self.test_time = 0.0  # test-clock seconds since the start
        self.clock_ns = 0     # vouch's test clock after the last move


class Load:
    def __init__(self, srv: Server, knot: Zone, state: State, up: threading.Event,
                 stop: threading.Event, seed: int):
        self.srv, self.knot, self.st, self.up, self.stop = srv, knot, state, up, stop
        self.rng = random.Random(seed)
        cfg = Config(retries={"mode": "standard", "total_max_attempts": 1},
                     connect_timeout=5, read_timeout=30)
        kw = dict(endpoint_url=f"http://127.0.0.1:{srv.port}", region_name="us-east-1",
                  aws_access_key_id=ROOT_KEY, aws_secret_access_key=ROOT_SECRET, config=cfg)
        self.v1 = boto3.session.Session().client("ses", **kw)
        self.v2 = boto3.session.Session().client("sesv2", **kw)

    def run(self) -> None:
        ops = [self.ses_create, self.ses_create, self.ses_delete, self.ses_read,
               self.lattice_start, self.lattice_start, self.lattice_delete, self.lattice_read,
               self.email_create]
        while not self.stop.is_set():
            if not self.up.wait(1):
                continue
            op = self.rng.choice(ops)
            try:
                op()
                with self.st.lock:
                    self.st.ops += 1
            except Exception as e:  # a kill cuts requests: their outcome is unknown
                with self.st.lock:
                    name = f"{op.__name__}: {type(e).__name__}"
                    self.st.errors[name] = self.st.errors.get(name, 0) + 1
                    self.st.error_samples.setdefault(name, str(e)[:300])

    def ses_create(self) -> None:
        with self.st.lock:
            full = len(self.st.ses) >= SES_CAP
        if full:
            return self.ses_delete()
        domain = f"soak-{uuid.uuid4().hex[:12]}.example.com"
        if self.rng.random() < 0.5:
            token = self.v1.verify_domain_identity(Domain=domain)["VerificationToken"]
            api = "v1"
        else:
            self.v2.create_email_identity(EmailIdentity=domain)
            token = self.v1.get_identity_verification_attributes(Identities=[domain])[
                "VerificationAttributes"][domain]["VerificationToken"]
            api = "v2"
        publish = self.rng.random() < 0.7
        with self.st.lock:
            self.st.ses[domain] = api
            if publish:
                self.st.published[domain] = (f"_amazonses.{domain}", token)
        if publish:
            self.knot.set_txt(f"_amazonses.{domain}", token)

    def email_create(self) -> None:
        with self.st.lock:
            if len(self.st.ses) >= SES_CAP:
                return
        address = f"soak-{uuid.uuid4().hex[:10]}@mail.test"
        self.v1.verify_email_identity(EmailAddress=address)
        with self.st.lock:
            self.st.ses[address] = "v1"

    def ses_delete(self) -> None:
        with self.st.lock:
            if not self.st.ses:
                return
            identity = self.rng.choice(list(self.st.ses))
            api = self.st.ses.pop(identity)  # unknown until acknowledged
            record = self.st.published.pop(identity, None)
        if record:
            self.knot.clear(record[0])
        if api == "v1":
            self.v1.delete_identity(Identity=identity)
        else:
            self.v2.delete_email_identity(EmailIdentity=identity)
        with self.st.lock:
            self.st.ses_deleted.add(identity)

    def ses_read(self) -> None:
        with self.st.lock:
            names = self.rng.sample(list(self.st.ses), min(20, len(self.st.ses)))
        if names:
            self.v1.get_identity_verification_attributes(Identities=names)
            self.v2.get_email_identity(EmailIdentity=names[0])

    def lattice_start(self) -> None:
        with self.st.lock:
            full = len(self.st.lattice) >= LATTICE_CAP
            now = self.st.test_time
            used = [v[3] for v in self.st.lattice.values()]
        if full:
            return self.lattice_delete()
        region = min(LATTICE_REGIONS, key=used.count)
        domain = f"lat-{uuid.uuid4().hex[:12]}.example.com"
        token = uuid.uuid4().hex
        doc = lattice(self.srv, "POST", "/domainverifications",
                      {"domainName": domain, "clientToken": token}, region=region)
        cfg = doc["txtMethodConfig"]
        record = (f"{cfg['name']}.{domain}", cfg["value"]) if self.rng.random() < 0.7 else None
        with self.st.lock:
            self.st.lattice[doc["id"]] = (domain, token, now, region)
            if record:
                self.st.published[domain] = record
        if record:
            self.knot.set_txt(*record)

    def lattice_delete(self) -> None:
        with self.st.lock:
            if not self.st.lattice:
                return
            vid = self.rng.choice(list(self.st.lattice))
            domain, _, _, region = self.st.lattice.pop(vid)
            record = self.st.published.pop(domain, None)
        if record:
            self.knot.clear(record[0])
        lattice(self.srv, "DELETE", f"/domainverifications/{vid}", region=region)
        with self.st.lock:
            self.st.lattice_deleted[vid] = region

    def lattice_read(self) -> None:
        with self.st.lock:
            if not self.st.lattice:
                return
            vid = self.rng.choice(list(self.st.lattice))
            region = self.st.lattice[vid][3]
        lattice(self.srv, "GET", f"/domainverifications/{vid}", region=region, ok=(200, 404))


def lattice(srv, method: str, path: str, body=None, ok=(200, 201), region="us-east-1"):
    status, doc = vouch_request(srv, method, path, body, service="vpc-lattice", timeout=30,
                                region=region)
    if status not in ok:
        raise RuntimeError(f"{method} {path} -> {status}: {doc}")
    return doc


# What each retention lets the store hold at most: the flags soak.py starts
# vouch with. Mail follows the real clock and is pruned by the delivery
# worker once a minute; a loaded machine may be a minute later still.
TOKEN_WINDOW_NS = 8 * 3600 * 10**9
EVENT_RETENTION_NS = 12 * 3600 * 10**9
HISTORY_KEEP = 10
MAIL_LIMIT_NS = (120 + 60 + 60) * 10**9


class Checker:
    """The checks after a restart; each failure is one line in `failures`."""

    def __init__(self, srv: Server, state: State):
        self.srv, self.st = srv, state
        cfg = Config(retries={"mode": "standard", "total_max_attempts": 3}, read_timeout=60)
        self.v1 = boto3.session.Session().client(
            "ses", endpoint_url=f"http://127.0.0.1:{srv.port}", region_name="us-east-1",
            aws_access_key_id=ROOT_KEY, aws_secret_access_key=ROOT_SECRET, config=cfg)
        self.failures: list[str] = []

    def check_retention(self, when: str, kept: dict) -> None:
        clock = self.st.clock_ns
        if clock and kept["oldest_token"] and clock - kept["oldest_token"] > TOKEN_WINDOW_NS:
            self.failures.append(f"{when}: a client token past its 8 h window is kept")
        if clock and kept["oldest_event"] and clock - kept["oldest_event"] > EVENT_RETENTION_NS:
            self.failures.append(f"{when}: an event past --event-retention is kept")
        if kept["most_history"] > HISTORY_KEEP:
            self.failures.append(f"{when}: a claim keeps {kept['most_history']} history entries")
        if kept["oldest_done_mail"] and time.time_ns() - kept["oldest_done_mail"] > MAIL_LIMIT_NS:
            self.failures.append(f"{when}: sent mail past --mail-retention is kept")

    def run(self, when: str) -> dict:
        with self.st.lock:
            live = dict(self.st.ses)
            deleted = set(self.st.ses_deleted)
            lat = dict(self.st.lattice)
            lat_deleted = dict(self.st.lattice_deleted)
            now = self.st.test_time
        names = list(live) + list(deleted)
        seen: dict[str, dict] = {}
        for i in range(0, len(names), 100):
            seen.update(self.v1.get_identity_verification_attributes(
                Identities=names[i:i + 100])["VerificationAttributes"])
        lost = [n for n in live if n not in seen]
        back = [n for n in deleted if n in seen]
        if lost:
            self.failures.append(f"{when}: {len(lost)} acknowledged creates lost, e.g. {lost[:3]}")
        if back:
            self.failures.append(f"{when}: {len(back)} acknowledged deletes back, e.g. {back[:3]}")
        def status(vid: str, region: str) -> int:
            return vouch_request(self.srv, "GET", f"/domainverifications/{vid}",
                                 service="vpc-lattice", region=region)[0]

        lat_lost = [v for v, rec in lat.items() if status(v, rec[3]) != 200]
        lat_back = [v for v, region in list(lat_deleted.items())[-50:] if status(v, region) != 404]
        if lat_lost:
            self.failures.append(f"{when}: {len(lat_lost)} Lattice creates lost, e.g. {lat_lost[:3]}")
        if lat_back:
            self.failures.append(f"{when}: {len(lat_back)} Lattice deletes back, e.g. {lat_back[:3]}")
        replays = 0
        for vid, (domain, token, at, region) in lat.items():
            if now - at > TOKEN_REPLAY_AGE:
                continue
            doc = lattice(self.srv, "POST", "/domainverifications",
                          {"domainName": domain, "clientToken": token}, region=region)
            replays += 1
            if doc["id"] != vid:
                self.failures.append(f"{when}: clientToken {token} replayed as {doc['id']}, "
                                     f"first {vid}")
        orphans = self.srv.claims_without_next_check()
        if orphans:
            self.failures.append(f"{when}: {orphans} claims without a next check")
        kept = self.srv.retained()
        self.check_retention(when, kept)
        return {"retained": kept, "ses_checked": len(names), "lattice_checked": len(lat) + min(50, len(lat_deleted)),
                "replays": replays, "orphans": orphans}


def tick(srv: Server, knot: Zone, state: State, rng: random.Random, step: int) -> int:
    """One sweep: some published records flip, the clock moves, due checks run."""
    with state.lock:
        flips = rng.sample(list(state.published.items()), min(10, len(state.published)))
    for _, (name, value) in flips:
        if rng.random() < 0.5:
            knot.clear(name)
        else:
            knot.set_txt(name, value)
    status, doc = vouch_request(srv, "POST", "/_vouch/test/clock", {"advance_seconds": step},
                                sign=False, timeout=120)
    if status != 200:
        raise RuntimeError(f"clock: {status} {doc}")
    with state.lock:
        state.test_time += step
        state.clock_ns = rfc3339_ns(doc["now"])
    status, doc = vouch_request(srv, "POST", "/_vouch/test/run-due-checks", {}, sign=False,
                                timeout=300)
    if status != 200:
        raise RuntimeError(f"run-due-checks: {status} {doc}")
    return doc["checked"]


def rfc3339_ns(text: str) -> int:
    import datetime as dt
    t = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    return int(t.timestamp()) * 10**9 + t.microsecond * 1000


def growth_verdict(series: list[dict], key: str, limit: float, slack: int) -> tuple[bool, str]:
    third = series[len(series) * 2 // 3:]
    if len(third) < 2:
        return True, f"{key}: too few samples to judge"
    start, end = third[0][key], third[-1][key]
    allowed = start * (1 + limit) + slack
    ok = end <= allowed
    return ok, (f"{key}: last third {start / 2**20:.1f} -> {end / 2**20:.1f} MiB "
                f"(allowed {allowed / 2**20:.1f})")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--minutes", type=float, default=30)
    ap.add_argument("--store", choices=("sqlite", "postgres"), default="sqlite")
    ap.add_argument("--vouch", default=os.environ.get("VOUCH_BIN", str(REPO / "build" / "vouch")))
    ap.add_argument("--restart-every", type=float, default=60)
    ap.add_argument("--tick", type=float, default=5, help="real seconds between sweeps")
    ap.add_argument("--clock-step", type=int, default=900, help="test-clock seconds per sweep")
    ap.add_argument("--workers", type=int, default=3)
    ap.add_argument("--growth-limit", type=float, default=0.10)
    ap.add_argument("--out", default="", help="write the series as JSON here")
    opt = ap.parse_args()

    work = Path(tempfile.mkdtemp(prefix="vouch-soak-"))
    data = work / "data"
    data.mkdir()
    cluster = None
    store_url = None
    if opt.store == "postgres":
        from pg_cluster import PgCluster
        cluster = PgCluster(fsync=True).start()
        store_url = cluster.create_database()
    knot_server = KnotServer(zones=["example.com"]).start()
    knot = Zone(knot_server)
    smtp = SmtpServer().start()
    srv = Server(opt.vouch, data, store_url, [
        "--test-mode", "--dns-resolver", knot_server.address, "--recheck-interval", "1h",
        "--smtp-url", smtp.url, "--mail-cooldown", "0", "--mail-retention", "2m",
        "--event-retention", "12h", "--history-keep", "10",
        "--rate-limit", "GetIdentityVerificationAttributes=0",
        "--rate-limit", "VerifyDomainIdentity=0", "--rate-limit", "VerifyEmailIdentity=0"])
    state, up, stop = State(), threading.Event(), threading.Event()
    rng = random.Random(1)
    series: list[dict] = []
    try:
        startup = srv.start()
        up.set()
        checker = Checker(srv, state)
        workers = [threading.Thread(target=Load(srv, knot, state, up, stop, i).run, daemon=True)
                   for i in range(opt.workers)]
        for w in workers:
            w.start()
        t_start = time.monotonic()
        end = t_start + opt.minutes * 60
        next_restart = t_start + opt.restart_every
        restarts, checked = 0, 0
        print("| min | restarts | ops | SES live | Lattice live | mail rcvd | checks | "
              "events/tokens/mail/history rows | RSS MiB | store MiB | start s | orphans |",
              flush=True)
        print("|---|---|---|---|---|---|---|---|---|---|---|---|", flush=True)
        while time.monotonic() < end:
            time.sleep(opt.tick)
            try:
                checked += tick(srv, knot, state, rng, opt.clock_step)
            except (OSError, RuntimeError) as e:
                checker.failures.append(f"sweep failed: {e}")
            if time.monotonic() < next_restart:
                continue
            up.clear()
            time.sleep(0.2 * rng.random())  # lands inside requests in flight
            rss_before = srv.rss()
            srv.kill()
            restarts += 1
            startup = srv.start()
            result = checker.run(f"restart {restarts}")
            up.set()
            sample = {"minute": round((time.monotonic() - t_start) / 60, 1), "restarts": restarts,
                      "ops": state.ops, "ses_live": len(state.ses),
                      "lattice_live": len(state.lattice), "mail": len(smtp.received()),
                      "checks": checked, "rss": rss_before, "store": srv.store_bytes(),
                      "startup_s": round(startup, 2), **result}
            series.append(sample)
            rows = result["retained"]
            print(f"| {sample['minute']} | {restarts} | {sample['ops']} | {sample['ses_live']} | "
                  f"{sample['lattice_live']} | {sample['mail']} | {checked} | "
                  f"{rows['events']}/{rows['idempotency']}/{rows['outbox']}/{rows['history']} | "
                  f"{rss_before / 2**20:.1f} | {sample['store'] / 2**20:.2f} | "
                  f"{sample['startup_s']} | {result['orphans']} |", flush=True)
            next_restart = time.monotonic() + opt.restart_every
    finally:
        stop.set()
        up.set()
        srv.kill()
        smtp.stop()
        knot_server.stop()
        if cluster:
            cluster.stop()
    verdicts = [growth_verdict(series, "store", opt.growth_limit, DB_SLACK),
                growth_verdict(series, "rss", opt.growth_limit, RSS_SLACK)]
    for ok, text in verdicts:
        print(("ok   " if ok else "FAIL ") + text)
    print(f"errors of requests cut by kills: {json.dumps(state.errors)}")
    for name, text in state.error_samples.items():
        print(f"  e.g. {name}: {text}")
    if opt.out:
        Path(opt.out).write_text(json.dumps({"series": series, "failures": checker.failures,
                                             "errors": state.errors}, indent=1))
    for f in checker.failures:
        print("FAIL " + f)
    if checker.failures or not all(ok for ok, _ in verdicts):
        print(f"soak FAILED (logs: {work})")
        return 1
    print("soak passed")
    if not os.environ.get("KEEP"):
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
