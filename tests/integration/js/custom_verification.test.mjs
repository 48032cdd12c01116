// Custom verification email templates through @aws-sdk/client-ses and
// @aws-sdk/client-sesv2 (issue 15 item 6): every operation and its errors in
// both SDKs over one template store, paging to the last page, and a custom
// verification email arriving at the real SMTP sink whose click lands (303)
// on the template's success URL, and once used on its failure URL.
// Run: node --test tests/integration/js/custom_verification.test.mjs

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import {
  CreateCustomVerificationEmailTemplateCommand as CreateV1,
  DeleteCustomVerificationEmailTemplateCommand as DeleteV1,
  GetCustomVerificationEmailTemplateCommand as GetV1,
  GetIdentityVerificationAttributesCommand,
  ListCustomVerificationEmailTemplatesCommand as ListV1,
  SESClient,
  SendCustomVerificationEmailCommand as SendV1,
  UpdateCustomVerificationEmailTemplateCommand as UpdateV1,
  VerifyEmailIdentityCommand,
} from '@aws-sdk/client-ses';
import {
  CreateCustomVerificationEmailTemplateCommand as CreateV2,
  DeleteCustomVerificationEmailTemplateCommand as DeleteV2,
  GetCustomVerificationEmailTemplateCommand as GetV2,
  ListCustomVerificationEmailTemplatesCommand as ListV2,
  SESv2Client,
  SendCustomVerificationEmailCommand as SendV2,
  UpdateCustomVerificationEmailTemplateCommand as UpdateV2,
} from '@aws-sdk/client-sesv2';

import { ROOT_KEY, ROOT_SECRET, expectError, startVouch, uniq } from './harness.mjs';
import { click, linkOf, startSmtp } from './smtp_sink.mjs';

const OK_URL = 'https://app.example.com/ok';
const FAIL_URL = 'https://app.example.com/failed';
const CONTENT = '<html><body><h1>Welcome to Example</h1><p>Confirm your address.</p></body></html>';

describe('custom verification email (JS SDK v1 and v2)', () => {
  let smtp;
  let server;
  let ses;
  let v2;
  let sender;

  const template = (name, over = {}) => ({
    TemplateName: name,
    FromEmailAddress: sender,
    TemplateSubject: 'Please confirm',
    TemplateContent: CONTENT,
    SuccessRedirectionURL: OK_URL,
    FailureRedirectionURL: FAIL_URL,
    ...over,
  });

  // The link's GET, not following the redirect: [status, Location].
  async function follow(link) {
    const res = await fetch(link, { redirect: 'manual' });
    return [res.status, res.headers.get('location')];
  }

  async function status(email) {
    const r = await ses.send(new GetIdentityVerificationAttributesCommand({ Identities: [email] }));
    return r.VerificationAttributes?.[email]?.VerificationStatus;
  }

  before(async () => {
    smtp = await startSmtp();
    server = await startVouch({ args: ['--test-mode', '--smtp-url', smtp.url] });
    const config = {
      endpoint: server.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: ROOT_KEY, secretAccessKey: ROOT_SECRET },
      maxAttempts: 1,
    };
    ses = new SESClient(config);
    v2 = new SESv2Client(config);
    sender = `${uniq('sender')}@example.com`;
    await ses.send(new VerifyEmailIdentityCommand({ EmailAddress: sender }));
    const [msg] = await smtp.waitFor(sender);
    assert.equal((await click(linkOf(msg.raw))).status, 200);
  });

  after(async () => {
    ses?.destroy();
    v2?.destroy();
    await server?.stop();
    await smtp?.stop();
  });

  test('v1 operations and errors', async () => {
    const name = uniq('v1tpl');
    await ses.send(new CreateV1(template(name)));
    const got = await ses.send(new GetV1({ TemplateName: name }));
    assert.equal(got.TemplateContent, CONTENT);
    assert.equal(got.SuccessRedirectionURL, OK_URL);
    await ses.send(new UpdateV1({ TemplateName: name, TemplateSubject: 'Changed' }));
    assert.equal((await ses.send(new GetV1({ TemplateName: name }))).TemplateSubject, 'Changed');
    await expectError(ses.send(new CreateV1(template(name))),
      'CustomVerificationEmailTemplateAlreadyExistsException', 400);
    await expectError(ses.send(new CreateV1(template(uniq('t'), { FromEmailAddress: 'no@example.net' }))),
      'FromEmailAddressNotVerifiedException', 400);
    await expectError(ses.send(new CreateV1(template(uniq('t'), { TemplateContent: '<script>x</script>' }))),
      'CustomVerificationEmailInvalidContentException', 400);
    await expectError(ses.send(new GetV1({ TemplateName: 'absent' })),
      'CustomVerificationEmailTemplateDoesNotExistException', 400);
    await expectError(ses.send(new SendV1({ EmailAddress: 'a@example.com', TemplateName: 'absent' })),
      'CustomVerificationEmailTemplateDoesNotExistException', 400);
    await ses.send(new DeleteV1({ TemplateName: name }));
    await ses.send(new DeleteV1({ TemplateName: name }));  // v1: missing is fine
  });

  test('v2 operations and errors on the same store', async () => {
    const fromV1 = uniq('shared');
    await ses.send(new CreateV1(template(fromV1)));
    const got = await v2.send(new GetV2({ TemplateName: fromV1 }));
    assert.equal(got.TemplateContent, CONTENT);
    await v2.send(new UpdateV2(template(fromV1, { TemplateSubject: 'From v2' })));
    assert.equal((await ses.send(new GetV1({ TemplateName: fromV1 }))).TemplateSubject, 'From v2');
    await expectError(v2.send(new CreateV2(template(fromV1))), 'AlreadyExistsException', 400,
      { message: `Custom verification email template ${fromV1} already exists` });
    await expectError(v2.send(new GetV2({ TemplateName: 'absent' })), 'NotFoundException', 404);
    await expectError(v2.send(new CreateV2(template(uniq('t'), { SuccessRedirectionURL: 'nope' }))),
      'BadRequestException', 400);
    await expectError(v2.send(new ListV2({ PageSize: 51 })), 'BadRequestException', 400);
    await v2.send(new DeleteV2({ TemplateName: fromV1 }));
    await expectError(v2.send(new DeleteV2({ TemplateName: fromV1 })), 'NotFoundException', 404);
  });

  test('listing pages to the last page in both APIs', async () => {
    const names = [];
    for (let i = 0; i < 5; i++) {
      names.push(uniq(`page${i}`));
      await v2.send(new CreateV2(template(names[i])));
    }
    for (const [client, List, key, size] of [[ses, ListV1, 'MaxResults', 2], [v2, ListV2, 'PageSize', 2]]) {
      const seen = [];
      let token;
      let pages = 0;
      do {
        const page = await client.send(new List({ [key]: size, NextToken: token }));
        for (const t of page.CustomVerificationEmailTemplates) {
          assert.equal(t.TemplateContent, undefined);
          seen.push(t.TemplateName);
        }
        token = page.NextToken;
        pages++;
      } while (token);
      assert.deepEqual(seen.filter((n) => names.includes(n)), names);
      assert.equal(pages, Math.ceil(seen.length / size));
    }
    for (const n of names) await ses.send(new DeleteV1({ TemplateName: n }));
  });

  test('the email arrives and its click lands on the success URL, then the failure URL', async () => {
    const name = uniq('send');
    await ses.send(new CreateV1(template(name)));
    for (const [send, Send] of [[ses, SendV1], [v2, SendV2]]) {
      const to = `${uniq('to')}@example.com`;
      const out = await send.send(new Send({ EmailAddress: to, TemplateName: name }));
      assert.ok(out.MessageId);
      const [msg] = await smtp.waitFor(to);
      assert.match(msg.raw, /^From: sender-/m);
      assert.match(msg.raw, /^Subject: Please confirm/m);
      assert.match(msg.raw, /Welcome to Example/);
      const link = linkOf(msg.raw);
      assert.equal(await status(to), 'Pending');
      assert.deepEqual(await follow(link), [303, OK_URL]);
      assert.equal(await status(to), 'Success');
      assert.deepEqual(await follow(link), [303, FAIL_URL]);
    }
  });
});
