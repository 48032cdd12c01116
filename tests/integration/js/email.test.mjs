// Email identity verification through @aws-sdk/client-ses (AWS SDK for
// JavaScript v3) with a real SMTP server on loopback (issue #5): the message
// arrives at aiosmtpd (tests/integration/python/smtp_server.py, run as a
// child process that spools each message to a directory), the link in it is
// clicked with fetch() as a person does (GET shows a Confirm button and
// changes nothing; its POST verifies), and the SDK sees Success.
// Run: node --test tests/integration/js/

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import {
  DeleteIdentityCommand,
  GetIdentityVerificationAttributesCommand,
  ListVerifiedEmailAddressesCommand,
  SESClient,
  VerifyEmailIdentityCommand,
} from '@aws-sdk/client-ses';

import { ROOT_KEY, ROOT_SECRET, startVouch, uniq } from './harness.mjs';
import { click, confirm, linkOf, startSmtp } from './smtp_sink.mjs';

const MAIL_FROM = 'verify@vouch.test';
const SUBJECT = 'Amazon Web Services \u2013 Email Address Verification Request in region ';

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
