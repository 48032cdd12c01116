// A real authoritative DNS server for the JS tests: Debian's knotd (Knot DNS
// 3.x) on a free loopback port, serving zones this module writes. It mirrors
// KnotServer in tests/integration/python/dns_server.py: each change rewrites
// the zone file with a higher SOA serial, runs `knotc zone-reload` and waits
// until the server answers (queried with node's own resolver) with the new
// serial and the new records, so a test never races the reload.
//
//   const knot = await startKnot({ zones: ['shop.example'] });
//   vouch ... --dns-resolver knot.address
//   await knot.setTxt('_amazonses.shop.example', ['token']);
//   await knot.clear('_amazonses.shop.example');
//   await knot.close();
//
// knotd missing: knotSkipReason() gives the reason to skip, unless
// VOUCH_REQUIRE_KNOT=1 (as scripts/test.sh sets), where it gives false and
// startKnot() fails loudly instead: a skip there would hide missing tests.

import { spawn, spawnSync } from 'node:child_process';
import dgram from 'node:dgram';
import dns from 'node:dns';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

function which(name, fallback) {
  for (const dir of (process.env.PATH || '').split(':').filter(Boolean)) {
    const p = path.join(dir, name);
    try {
      fs.accessSync(p, fs.constants.X_OK);
      return p;
    } catch { /* not here */ }
  }
  return fallback;
}

export const KNOTD = which('knotd', '/usr/sbin/knotd');
export const KNOTC = which('knotc', '/usr/sbin/knotc');

export function knotAvailable() {
  return fs.existsSync(KNOTD) && fs.existsSync(KNOTC);
}

const MISSING = `knotd/knotc not installed (looked for ${KNOTD} and ${KNOTC}; ` +
  'apt-get install knot, or scripts/deps.sh --test)';

// For describe(..., { skip: knotSkipReason() }): the reason to skip, or false.
export function knotSkipReason() {
  if (knotAvailable()) return false;
  if (process.env.VOUCH_REQUIRE_KNOT === '1') return false;  // startKnot() fails instead
  return MISSING;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// A loopback port free for both TCP and UDP.
async function freeUdpTcpPort() {
  for (let i = 0; i < 50; i++) {
    const port = await new Promise((resolve, reject) => {
      const srv = net.createServer();
      srv.on('error', reject);
      srv.listen(0, '127.0.0.1', () => {
        const p = srv.address().port;
        srv.close(() => resolve(p));
      });
    });
    const free = await new Promise((resolve) => {
      const u = dgram.createSocket('udp4');
      u.once('error', () => { u.close(); resolve(false); });
      u.bind(port, '127.0.0.1', () => u.close(() => resolve(true)));
    });
    if (free) return port;
  }
  throw new Error('no free port for both TCP and UDP');
}

function quoteTxt(s) {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

const live = new Set();
process.on('exit', () => {
  for (const k of live) {
    try { k.proc.kill('SIGKILL'); } catch { /* gone */ }
    try { fs.rmSync(k.dir, { recursive: true, force: true }); } catch { /* ignore */ }
  }
});

// knotd serving `zones` (authoritative) on 127.0.0.1:<port>. Names given to
// setTxt()/set()/clear() are absolute, with or without the trailing dot.
export async function startKnot({ zones = ['example.com'], timeoutMs = 10000 } = {}) {
  if (!knotAvailable()) throw new Error(MISSING);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vouch-js-knot-'));
  fs.mkdirSync(path.join(dir, 'zones'));
  fs.mkdirSync(path.join(dir, 'db'));
  const zoneList = zones.map((z) => z.replace(/\.$/, '').toLowerCase());
  const records = new Map(zoneList.map((z) => [z, new Map()]));  // zone -> owner -> [[type, rdata]]
  let serial = Math.floor(Date.now() / 1000) % 1_000_000_000;
  const port = await freeUdpTcpPort();
  const sock = path.join(dir, 'knot.sock');
  const logPath = path.join(dir, 'knotd.log');

  function logText() {
    try { return fs.readFileSync(logPath, 'utf8').slice(-4000); } catch { return ''; }
  }

  function zoneOf(name) {
    const n = name.replace(/\.$/, '').toLowerCase();
    let best = null;
    for (const z of zoneList) {
      if ((n === z || n.endsWith(`.${z}`)) && (best === null || z.length > best.length)) best = z;
    }
    if (best === null) throw new Error(`${n} is in no zone of this knot (${zoneList.join(', ')})`);
    return best;
  }

  function writeZone(zone) {
    const lines = [
      `$ORIGIN ${zone}.`,
      '$TTL 60',
      `@ SOA ns.${zone}. hostmaster.${zone}. ${serial} 3600 600 86400 60`,
      '@ NS ns',
      'ns A 127.0.0.1',
    ];
    for (const [owner, rrs] of [...records.get(zone)].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      for (const [type, rdata] of rrs) lines.push(`${owner}. 60 IN ${type} ${rdata}`);
    }
    const file = path.join(dir, 'zones', `${zone}.zone`);
    fs.writeFileSync(`${file}.tmp`, `${lines.join('\n')}\n`);
    fs.renameSync(`${file}.tmp`, file);
  }

  fs.writeFileSync(path.join(dir, 'knot.conf'), `server:
    rundir: "${dir}"
    pidfile: "${dir}/knot.pid"
    listen: 127.0.0.1@${port}
    udp-workers: 1
    tcp-workers: 1
    background-workers: 1
control:
    listen: "${sock}"
database:
    storage: "${dir}/db"
log:
  - target: stderr
    any: warning
template:
  - id: default
    storage: "${dir}/zones"
    file: "%s.zone"
    zonefile-sync: -1
    zonefile-load: whole
    journal-content: none
    semantic-checks: off
zone:
${zoneList.map((z) => `  - domain: ${z}\n`).join('')}`);
  for (const z of zoneList) writeZone(z);

  // A fresh resolver each time: nothing cached between two looks.
  function resolver() {
    const r = new dns.promises.Resolver({ timeout: 500, tries: 1 });
    r.setServers([`127.0.0.1:${port}`]);
    return r;
  }

  async function serialOf(zone) {
    try {
      return (await resolver().resolveSoa(zone)).serial;
    } catch {
      return null;
    }
  }

  const logFd = fs.openSync(logPath, 'a');
  const proc = spawn(KNOTD, ['-c', path.join(dir, 'knot.conf')],
    { stdio: ['ignore', logFd, logFd], detached: true });
  fs.closeSync(logFd);
  let exited = null;
  const exitedP = new Promise((resolve) => proc.on('exit', (code, sig) => {
    exited = code ?? sig;
    resolve();
  }));
  const self = { proc, dir };
  live.add(self);

  async function stop() {
    if (exited === null) {
      proc.kill('SIGTERM');
      const t = setTimeout(() => { try { proc.kill('SIGKILL'); } catch { /* gone */ } }, 10000);
      await exitedP;
      clearTimeout(t);
    }
  }

  async function close() {
    await stop();
    live.delete(self);
    fs.rmSync(dir, { recursive: true, force: true });
  }

  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (exited !== null) {
      const log = logText();
      live.delete(self);
      fs.rmSync(dir, { recursive: true, force: true });
      throw new Error(`knotd exited with ${exited}:\n${log}`);
    }
    const serials = await Promise.all(zoneList.map(serialOf));
    if (serials.every((s) => s === serial)) break;
    if (Date.now() > deadline) {
      const log = logText();
      await close();
      throw new Error(`knotd did not serve its zones within ${timeoutMs} ms:\n${log}`);
    }
    await sleep(50);
  }

  // Rewrites the zone with the next serial, reloads it, and waits until knot
  // serves that serial and `check` (if any) sees the change.
  async function publish(zone, check) {
    serial += 1;
    writeZone(zone);
    const res = spawnSync(KNOTC, ['-s', sock, '-b', 'zone-reload', zone], { encoding: 'utf8', timeout: 20000 });
    if (res.status !== 0) {
      throw new Error(`knotc zone-reload ${zone} failed (${res.status ?? res.error}): ` +
        `${res.stdout}${res.stderr}\n${logText()}`);
    }
    const until = Date.now() + 10000;
    while (Date.now() < until) {
      if (await serialOf(zone) === serial && (!check || await check())) return;
      await sleep(20);
    }
    throw new Error(`knot did not serve serial ${serial} of ${zone}:\n${logText()}`);
  }

  // Replaces every record at `name` with the given [type, rdata] records.
  async function set(name, rrs, check) {
    const zone = zoneOf(name);
    records.get(zone).set(name.replace(/\.$/, '').toLowerCase(), rrs);
    await publish(zone, check);
  }

  function sameTxt(got, want) {
    const a = got.map((strings) => strings.join('')).sort();
    const b = [...want].sort();
    return a.length === b.length && a.every((v, i) => v === b[i]);
  }

  return {
    port,
    address: `127.0.0.1:${port}`,
    zones: zoneList,
    dir,
    logText,
    set,
    // TXT records at `name`, one per value (replacing any there); resolves once
    // a query to knot answers exactly these values.
    async setTxt(name, values) {
      const want = values.map(String);
      const rdata = want.map((v) => {
        const parts = [];  // a value longer than 255 bytes: several character-strings
        const b = Buffer.from(v, 'utf8');
        for (let off = 0; off === 0 || off < b.length; off += 255) {
          parts.push(quoteTxt(b.subarray(off, off + 255).toString('utf8')));
        }
        return parts.join(' ');
      });
      const n = name.replace(/\.$/, '');
      await set(n, rdata.map((r) => ['TXT', r]), async () => {
        try { return sameTxt(await resolver().resolveTxt(n), want); } catch { return false; }
      });
    },
    // Removes every record at `name`; resolves once knot answers NXDOMAIN for it.
    async clear(name) {
      const zone = zoneOf(name);
      const n = name.replace(/\.$/, '').toLowerCase();
      records.get(zone).delete(n);
      await publish(zone, async () => {
        try {
          await resolver().resolveTxt(n);
          return false;
        } catch (e) {
          return e.code === dns.NOTFOUND || e.code === dns.NODATA;
        }
      });
    },
    stop,
    close,
  };
}
