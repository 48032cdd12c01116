// Email identity verification through @aws-sdk/client-ses (AWS SDK for
// JavaScript v3) with a real SMTP server on loopback (issue #5): the message
// arrives at aiosmtpd (tests/integration/python/smtp_server.py, run as a
// child process that spools each message to a directory), the link in it is
// clicked with fetch() as a person does (GET shows a Confirm button and
// changes nothing; its POST verifies), and the SDK sees Success.
// Run: node --test tests/integration/js/

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import {
  DeleteIdentityCommand,
  GetIdentityVerificationAttributesCommand,
  ListVerifiedEmailAddressesCommand,
  SESClient,
  VerifyEmailIdentityCommand,
} from '@aws-sdk/client-ses';

import { REPO, ROOT_KEY, ROOT_SECRET, freePort, startVouch, uniq } from './harness.mjs';

const MAIL_FROM = 'verify@vouch.test';
const SUBJECT = 'Amazon Web Services \u2013 Email Address Verification Request in region ';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Presses Confirm on the link's page: the form's POST, from the page's origin.
async function confirm(link) {
  const url = new URL(link);
  return fetch(new URL('verify-email', url), {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: url.origin },
    body: new URLSearchParams({ token: url.searchParams.get('token') }).toString(),
  });
}

// Opens the link (GET) and, when the page offers it, presses Confirm.
async function click(link) {
  const page = await fetch(link);
  if (page.status !== 200) return page;
  assert.match(await page.text(), /<form method="post" action="verify-email">/);
  return confirm(link);
}

async function startSmtp() {
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

// The raw message's header block, unfolded.
function headers(raw) {
  const head = raw.split('\r\n\r\n')[0].replace(/\r\n[ \t]/g, ' ');
  const out = {};
  for (const line of head.split('\r\n')) {
    const i = line.indexOf(':');
    out[line.slice(0, i).toLowerCase()] = line.slice(i + 1).trim();
  }
  return out;
}

// RFC 2047 B-encoded words (UTF-8), as the tests expect them.
function decodeWords(value) {
  return value.replace(/=\?utf-8\?b\?([^?]*)\?=\s*/gi, (_, b) => Buffer.from(b, 'base64').toString('utf8')).trim();
}

function linkOf(raw) {
  const links = raw.match(/https?:\/\/[^\s"<>]+\/_vouch\/verify-email\?token=[A-Za-z0-9_.%-]+/g) ?? [];
  assert.ok(links.length >= 2, `expected the link in both parts, got ${links}`);
  assert.equal(new Set(links).size, 1, `different links in one message: ${links}`);
  return links[0];
}

describe('email verification with a real SMTP server (JS SDK)', () => {
  let smtp;
  let server;
  let ses;

  before(async () => {
    smtp = await startSmtp();
    server = await startVouch({ args: ['--test-mode', '--smtp-url', smtp.url, '--mail-from', MAIL_FROM] });
    ses = new SESClient({
      endpoint: server.endpoint,
      region: 'ap-northeast-1',
      credentials: { accessKeyId: ROOT_KEY, secretAccessKey: ROOT_SECRET },
      maxAttempts: 1,
    });
  });

  after(async () => {
    ses?.destroy();
    await server?.stop();
    await smtp?.stop();
  });

  async function status(email) {
    const r = await ses.send(new GetIdentityVerificationAttributesCommand({ Identities: [email] }));
    return r.VerificationAttributes?.[email]?.VerificationStatus;
  }

  test('the message arrives, the link verifies, the SDK says Success', async () => {
    const email = `${uniq('alice')}@example.com`;
    await ses.send(new VerifyEmailIdentityCommand({ EmailAddress: email }));
    const [msg] = await smtp.waitFor(email);
    assert.equal(msg.meta.mail_from, MAIL_FROM);
    assert.deepEqual(msg.meta.rcpt_tos, [email]);
    const h = headers(msg.raw);
    assert.equal(h.from, MAIL_FROM);
    assert.equal(h.to, email);
    assert.match(h.subject, /^=\?utf-8\?b\?/i);
    assert.equal(decodeWords(h.subject), `${SUBJECT}ap-northeast-1`);
    assert.match(h['message-id'], /^<[^<>@\s]+@[^<>@\s]+>$/);
    assert.match(h['content-type'], /^multipart\/alternative;/);
    assert.match(msg.raw, /Content-Type: text\/plain/);
    assert.match(msg.raw, /Content-Type: text\/html/);
    const link = linkOf(msg.raw);
    assert.ok(link.startsWith(`${server.endpoint}/_vouch/verify-email?token=`), link);

    assert.equal(await status(email), 'Pending');
    // Opening the link (as a mail scanner does, HEAD or GET) verifies nothing.
    assert.equal((await fetch(link, { method: 'HEAD' })).status, 200);
    const opened = await fetch(link);
    assert.equal(opened.status, 200);
    const page = await opened.text();
    assert.match(page, new RegExp(email.replace(/[.]/g, '\\.')));
    assert.match(page, />Confirm<\/button>/);
    assert.equal(await status(email), 'Pending');
    const res = await confirm(link);
    assert.equal(res.status, 200);
    assert.match(await res.text(), new RegExp(email.replace(/[.]/g, '\\.')));
    assert.equal(await status(email), 'Success');
    const listed = await ses.send(new ListVerifiedEmailAddressesCommand({}));
    assert.ok(listed.VerifiedEmailAddresses.includes(email));

    const again = await fetch(link);
    assert.equal(again.status, 410);
    assert.equal(await status(email), 'Success');
  });

  test('a forged link is refused (400) and changes nothing', async () => {
    const email = `${uniq('forged')}@example.com`;
    await ses.send(new VerifyEmailIdentityCommand({ EmailAddress: email }));
    const [msg] = await smtp.waitFor(email);
    const link = linkOf(msg.raw);
    const i = link.length - 3;
    const forged = link.slice(0, i) + (link[i] === 'A' ? 'B' : 'A') + link.slice(i + 1);
    assert.equal((await fetch(forged)).status, 400);
    assert.equal(await status(email), 'Pending');
    assert.equal((await click(link)).status, 200);
    assert.equal(await status(email), 'Success');
  });

  test('an expired link is refused (410) and the identity is Failed', async () => {
    const email = `${uniq('late')}@example.com`;
    await ses.send(new VerifyEmailIdentityCommand({ EmailAddress: email }));
    const [msg] = await smtp.waitFor(email);
    const link = linkOf(msg.raw);
    // Only this test moves the clock, and it runs last in this file's server.
    const adv = await fetch(`${server.endpoint}/_vouch/test/clock`, {
      method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ advance_seconds: 24 * 3600 + 1 }),
    });
    assert.equal(adv.status, 200);
    assert.equal((await fetch(link)).status, 410);
    assert.equal(await status(email), 'Failed');

    // A new Verify reopens it with a new link; the old one stays dead.
    await ses.send(new VerifyEmailIdentityCommand({ EmailAddress: email }));
    const msgs = await smtp.waitFor(email, 2);
    const fresh = linkOf(msgs[1].raw);
    assert.notEqual(fresh, link);
    assert.equal((await fetch(link)).status, 400);
    assert.equal(await status(email), 'Pending');
    assert.equal((await click(fresh)).status, 200);
    assert.equal(await status(email), 'Success');

    // Deleting the identity kills its links.
    await ses.send(new DeleteIdentityCommand({ Identity: email }));
    assert.equal((await fetch(fresh)).status, 400);
  });
});
