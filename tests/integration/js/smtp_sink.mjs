// The real SMTP sink for the JS tests: aiosmtpd
// (tests/integration/python/smtp_server.py) as a child process that spools
// each message to a directory, and the verification link in a message.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { REPO, freePort } from './harness.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export async function startSmtp() {
  const spool = fs.mkdtempSync(path.join(os.tmpdir(), 'vouch-js-smtp-'));
  const port = await freePort();
  const proc = spawn('/usr/bin/python3',
    [path.join(REPO, 'tests/integration/python/smtp_server.py'), '--port', String(port), '--spool', spool],
    { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  proc.stderr.on('data', (d) => { err += d; });
  await new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`aiosmtpd did not start: ${err}`)), 15_000);
    proc.stdout.on('data', (d) => {
      out += d;
      if (out.includes('READY')) { clearTimeout(t); resolve(); }
    });
    proc.on('exit', (code) => { clearTimeout(t); reject(new Error(`aiosmtpd exited ${code}: ${err}`)); });
  });
  return {
    url: `smtp://127.0.0.1:${port}`,
    // Messages spooled so far: [{ meta, raw }] in arrival order.
    messages() {
      return fs.readdirSync(spool).filter((f) => f.endsWith('.json')).sort().map((f) => {
        const meta = JSON.parse(fs.readFileSync(path.join(spool, f), 'utf8'));
        const raw = fs.readFileSync(path.join(spool, f.replace(/\.json$/, '.eml')), 'utf8');
        return { meta, raw };
      });
    },
    async waitFor(to, count = 1, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const got = this.messages().filter((m) => m.meta.rcpt_tos.includes(to));
        if (got.length >= count) return got;
        if (Date.now() > deadline) {
          throw new Error(`${got.length} of ${count} message(s) to ${to} within ${timeoutMs} ms`);
        }
        await sleep(50);
      }
    },
    async stop() {
      proc.kill('SIGTERM');
      await new Promise((r) => (proc.exitCode !== null ? r() : proc.on('exit', r)));
      fs.rmSync(spool, { recursive: true, force: true });
    },
  };
}

// The one verification link of a message, the same in its text and HTML parts.
export function linkOf(raw) {
  const links = raw.match(/https?:\/\/[^\s"<>]+\/_vouch\/verify-email\?token=[A-Za-z0-9_.%-]+/g) ?? [];
  assert.ok(links.length >= 2, `expected the link in both parts, got ${links}`);
  assert.equal(new Set(links).size, 1, `different links in one message: ${links}`);
  return links[0];
}

// Presses Confirm on the link's page: the form's POST, from the page's origin.
export async function confirm(link) {
  const url = new URL(link);
  return fetch(new URL('verify-email', url), {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: url.origin },
    body: new URLSearchParams({ token: url.searchParams.get('token') }).toString(),
  });
}

// Opens the link (GET) and, when the page offers it, presses Confirm.
export async function click(link) {
  const page = await fetch(link);
  if (page.status !== 200) return page;
  assert.match(await page.text(), /<form method="post" action="verify-email">/);
  return confirm(link);
}
