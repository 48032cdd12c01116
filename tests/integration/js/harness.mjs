// Harness for the JS integration tests: start/stop the real vouch binary on a
// free loopback port with a temporary data directory.
//
//   VOUCH_BIN    path of the binary (default <repo>/build/vouch)
//   VOUCH_STORE  "postgres": servers on a fresh PostgreSQL database each (storeArgs)

import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const REPO = path.resolve(here, '..', '..', '..');
export const VOUCH_BIN = process.env.VOUCH_BIN || path.join(REPO, 'build', 'vouch');

export const ROOT_ACCOUNT_ID = '123456789012';
export const ROOT_KEY = 'AKIAVOUCHTESTROOT002';
export const ROOT_SECRET = 'vouchJsRootSecretKey0123456789abcdefghij';

export const RATE_LIMITS_OFF = [
  '--rate-limit', 'GetIdentityVerificationAttributes=0',
  '--rate-limit', 'VerifyDomainIdentity=0',
  '--rate-limit', 'VerifyEmailIdentity=0',
  '--rate-limit', 'VerifyEmailAddress=0',
  '--rate-limit', 'vouch:GetClaim=0',
  '--rate-limit', 'vouch:CheckClaim=0',
  '--rate-limit', 'CreateCustomVerificationEmailTemplate=0',
  '--rate-limit', 'GetCustomVerificationEmailTemplate=0',
  '--rate-limit', 'UpdateCustomVerificationEmailTemplate=0',
  '--rate-limit', 'DeleteCustomVerificationEmailTemplate=0',
  '--rate-limit', 'ListCustomVerificationEmailTemplates=0',
  '--rate-limit', 'SendCustomVerificationEmail=0',
];

// Keep the SDK away from the developer's own AWS configuration.
const isolation = fs.mkdtempSync(path.join(os.tmpdir(), 'vouch-js-awsconf-'));
for (const k of ['AWS_PROFILE', 'AWS_DEFAULT_PROFILE', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN', 'AWS_REGION', 'AWS_DEFAULT_REGION', 'AWS_ENDPOINT_URL',
  'AWS_ENDPOINT_URL_SES', 'AWS_MAX_ATTEMPTS', 'AWS_RETRY_MODE', 'HTTP_PROXY', 'HTTPS_PROXY',
  'http_proxy', 'https_proxy']) {
  delete process.env[k];
}
process.env.AWS_CONFIG_FILE = path.join(isolation, 'no-config');
process.env.AWS_SHARED_CREDENTIALS_FILE = path.join(isolation, 'no-credentials');
process.env.AWS_EC2_METADATA_DISABLED = 'true';

const live = new Set();
process.on('exit', () => {
  for (const s of live) {
    try { s.proc.kill('SIGKILL'); } catch { /* gone */ }
    try { fs.rmSync(s.dataDir, { recursive: true, force: true }); } catch { /* ignore */ }
  }
  try { fs.rmSync(isolation, { recursive: true, force: true }); } catch { /* ignore */ }
});

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function readTail(file, limit = 4000) {
  try {
    const s = fs.readFileSync(file, 'utf8');
    return s.slice(-limit);
  } catch {
    return '<no output>';
  }
}

/**
 * Start vouch. Options:
 *   rateLimitsOff (default true), args (extra CLI args), env (extra env),
 *   rootCreds (default true: VOUCH_ROOT_* set to ROOT_*),
 *   dataDir (default: a fresh temporary directory; pass a halted server's
 *   dataDir to restart on its data), tlsCa (the PEM CA of a server given
 *   --tls-cert/--tls-key: its endpoint is https and the health check trusts it).
 * Returns { endpoint, port, dataDir, proc, stderr(), stop(), halt(), accountAdd() }.
 */
// VOUCH_STORE=postgres: each new server runs with `--store` on a fresh
// database of the PostgreSQL server VOUCH_PG_ADMIN_URL names (started by
// `python3 tests/integration/python/pg_cluster.py run -- node --test ...`);
// a restart on a halted server's dataDir reuses that server's database.
const storeOf = new Map(); // dataDir -> postgres:// URL

function createDatabase() {
  const admin = process.env.VOUCH_PG_ADMIN_URL;
  if (!admin) throw new Error('VOUCH_STORE=postgres needs VOUCH_PG_ADMIN_URL (see pg_cluster.py run)');
  const name = `t_${crypto.randomBytes(6).toString('hex')}`;
  const r = spawnSync('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', admin, '-c',
    `CREATE DATABASE "${name}"`], { encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0) throw new Error(`CREATE DATABASE failed (${r.status}): ${r.stderr}`);
  const u = new URL(admin);
  u.pathname = `/${name}`;
  return u.toString();
}

// The harness's switch, not the binary's: vouch would read it as --store.
const STORE_KIND = process.env.VOUCH_STORE;
delete process.env.VOUCH_STORE;

/** `--data dataDir`, or with VOUCH_STORE=postgres `--store URL` (one database per dataDir). */
export function storeArgs(dataDir) {
  if (STORE_KIND !== 'postgres') return ['--data', dataDir];
  if (!storeOf.has(dataDir)) storeOf.set(dataDir, createDatabase());
  return ['--store', storeOf.get(dataDir)];
}

export async function startVouch({ rateLimitsOff = true, args = [], env = {}, rootCreds = true,
  timeoutMs = 10_000, dataDir: reuseDir = undefined, tlsCa = undefined } = {}) {
  if (!fs.existsSync(VOUCH_BIN)) {
    throw new Error(`vouch binary not found at ${VOUCH_BIN} (set VOUCH_BIN)`);
  }
  const dataDir = reuseDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'vouch-js-data-'));
  const port = await freePort();
  const outFile = path.join(dataDir, '..', `${path.basename(dataDir)}.stdout`);
  const errFile = path.join(dataDir, '..', `${path.basename(dataDir)}.stderr`);
  const out = fs.openSync(outFile, 'w');
  const err = fs.openSync(errFile, 'w');
  const childEnv = { ...process.env, ...env };
  for (const k of Object.keys(childEnv)) if (k.startsWith('VOUCH_ROOT_')) delete childEnv[k];
  if (rootCreds) {
    childEnv.VOUCH_ROOT_ACCESS_KEY_ID = ROOT_KEY;
    childEnv.VOUCH_ROOT_SECRET_ACCESS_KEY = ROOT_SECRET;
    childEnv.VOUCH_ROOT_ACCOUNT_ID = ROOT_ACCOUNT_ID;
  }
  // Checks must never leave loopback: unless the test runs its own DNS
  // server, point vouch at a closed loopback port.
  const dns = args.includes('--dns-resolver') ? [] : ['--dns-resolver', '127.0.0.1:9'];
  const argv = ['serve', '--listen', `127.0.0.1:${port}`, ...storeArgs(dataDir),
    ...(rateLimitsOff ? RATE_LIMITS_OFF : []), ...dns, ...args];
  const proc = spawn(VOUCH_BIN, argv, { stdio: ['ignore', out, err], env: childEnv });
  fs.closeSync(out);
  fs.closeSync(err);
  let exited = null;
  const exitPromise = new Promise((resolve) => {
    proc.on('exit', (code, signal) => { exited = { code, signal }; resolve(exited); });
  });

  const server = {
    endpoint: `${tlsCa ? 'https' : 'http'}://127.0.0.1:${port}`,
    port,
    dataDir,
    proc,
    stderr: () => readTail(errFile),
    async stop() {
      if (exited === null) {
        proc.kill('SIGTERM');
        const t = setTimeout(() => proc.kill('SIGKILL'), 10_000);
        await exitPromise;
        clearTimeout(t);
      }
      live.delete(server);
      fs.rmSync(dataDir, { recursive: true, force: true });
      fs.rmSync(outFile, { force: true });
      fs.rmSync(errFile, { force: true });
      return exited;
    },
    // Sends `signal` and waits for the exit, keeping the data directory (for
    // a restart with startVouch({ dataDir })). Returns { code, signal }.
    async halt(signal = 'SIGTERM') {
      if (exited === null) {
        proc.kill(signal);
        const t = setTimeout(() => proc.kill('SIGKILL'), 10_000);
        await exitPromise;
        clearTimeout(t);
      }
      live.delete(server);
      fs.rmSync(outFile, { force: true });
      fs.rmSync(errFile, { force: true });
      return exited;
    },
    accountAdd(accountId, key, secret) {
      const r = spawnSync(VOUCH_BIN, ['account', 'add', ...storeArgs(dataDir), '--account-id',
        accountId, '--access-key-id', key, '--secret-access-key', secret],
      { encoding: 'utf8', env: childEnv, timeout: 30_000 });
      if (r.status !== 0) {
        throw new Error(`vouch account add failed (${r.status}): ${r.stderr}`);
      }
    },
  };
  live.add(server);

  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    if (exited !== null) {
      await server.stop();
      throw new Error(`vouch exited (${JSON.stringify(exited)}) before becoming healthy\n` +
        `stderr:\n${readTail(errFile)}`);
    }
    try {
      const res = await getText(`${server.endpoint}/_vouch/health`, tlsCa);
      if (res.status === 200 && JSON.parse(res.body).status === 'ok') return server;
      last = `HTTP ${res.status} ${res.body.slice(0, 200)}`;
    } catch (e) {
      last = String(e);
    }
    await sleep(50);
  }
  const stderr = readTail(errFile);
  await server.stop();
  throw new Error(`vouch not healthy within ${timeoutMs} ms (last: ${last})\nstderr:\n${stderr}`);
}

// GET `url` ({ status, body }); an https URL is verified with the PEM `ca`.
export function getText(url, ca = undefined) {
  const get = url.startsWith('https:') ? https.get : http.get;
  return new Promise((resolve, reject) => {
    const req = get(url, { ca, timeout: 1000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => { body += chunk; });
      res.on('end', () => resolve({ status: res.statusCode, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
  });
}

// POSTs JSON to one of the server's own routes (test mode's clock and checks):
// asserts 200 and answers the parsed body.
export async function postJson(server, path, body) {
  const res = await fetch(`${server.endpoint}${path}`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body),
  });
  assert.equal(res.status, 200);
  return res.json();
}

export function randomAccessKey() {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let s = 'AKIA';
  for (let i = 0; i < 16; i++) s += alphabet[Math.floor(Math.random() * 32)];
  return s;
}

export function randomSecret() {
  let s = '';
  const alphabet = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
  for (let i = 0; i < 40; i++) s += alphabet[Math.floor(Math.random() * alphabet.length)];
  return s;
}

let counter = 0;
export function uniq(prefix = 'js') {
  counter += 1;
  return `${prefix}-${process.pid}-${Date.now().toString(36)}-${counter}`;
}

/**
 * Awaits `promise`, which must reject with an error named `name` and HTTP
 * status `status`. `fields`: members the error must carry (a RegExp matches a
 * string member, anything else must be deep-equal). Returns the error.
 */
export async function expectError(promise, name, status, fields = {}) {
  let err;
  try {
    await promise;
  } catch (e) {
    err = e;
  }
  assert.ok(err, `expected ${name}, but the call succeeded`);
  assert.equal(err.name, name, `error name: ${err.name}: ${err.message}`);
  assert.equal(err.$metadata?.httpStatusCode, status, `${name}: ${err.message}`);
  assert.ok(err.$metadata?.requestId, `${name} lacks a request id`);
  assert.equal(typeof err.message, 'string');
  for (const [k, v] of Object.entries(fields)) {
    if (v instanceof RegExp) assert.match(err[k], v, k);
    else assert.deepEqual(err[k], v, `${name}.${k}`);
  }
  return err;
}
