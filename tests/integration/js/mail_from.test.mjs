// MAIL FROM through @aws-sdk/client-sesv2 and @aws-sdk/client-ses against the
// real vouch binary and a stub DNS server: PutEmailIdentityMailFromAttributes,
// PENDING until both the MX and the SPF record are published, then SUCCESS in
// both APIs, and the behaviour on MX failure kept.
// Run: node --test tests/integration/js/mail_from.test.mjs

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import {
  CreateEmailIdentityCommand,
  GetEmailIdentityCommand,
  PutEmailIdentityMailFromAttributesCommand,
  SESv2Client,
} from '@aws-sdk/client-sesv2';
import {
  GetIdentityMailFromDomainAttributesCommand,
  SESClient,
  SetIdentityMailFromDomainCommand,
} from '@aws-sdk/client-ses';

import {
  ROOT_KEY, ROOT_SECRET, expectError, postJson, startVouch, uniq,
} from './harness.mjs';
import { startStubDns } from './stub_dns.mjs';

describe('MAIL FROM via AWS SDK for JavaScript v3 (test mode, stub DNS)', () => {
  let server;
  let dns;
  let v1;
  let v2;

  before(async () => {
    dns = await startStubDns();
    server = await startVouch({ args: ['--test-mode', '--dns-resolver', dns.address] });
    const config = {
      endpoint: server.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: ROOT_KEY, secretAccessKey: ROOT_SECRET },
      maxAttempts: 1,
    };
    v1 = new SESClient(config);
    v2 = new SESv2Client(config);
  });
  after(async () => {
    await server?.stop();
    await dns?.close();
  });

  const post = (path, body) => postJson(server, path, body);
  const checkLater = async () => {
    await post('/_vouch/test/clock', { advance_seconds: 3600 });
    await post('/_vouch/test/run-due-checks', {});
  };
  const mailFrom = async (d) =>
    (await v2.send(new GetEmailIdentityCommand({ EmailIdentity: d }))).MailFromAttributes;

  test('PENDING until MX and SPF are published, then SUCCESS in v2 and v1', async () => {
    const d = `${uniq('mf')}.example.com`;
    const m = `bounce.${d}`;
    await v2.send(new CreateEmailIdentityCommand({ EmailIdentity: d }));
    assert.deepEqual(await mailFrom(d), { BehaviorOnMxFailure: 'USE_DEFAULT_VALUE' });
    await v2.send(new PutEmailIdentityMailFromAttributesCommand({
      EmailIdentity: d, MailFromDomain: m, BehaviorOnMxFailure: 'REJECT_MESSAGE',
    }));
    await checkLater();
    assert.deepEqual(await mailFrom(d), {
      BehaviorOnMxFailure: 'REJECT_MESSAGE', MailFromDomain: m, MailFromDomainStatus: 'PENDING',
    });
    dns.setMx(m, [[10, 'feedback-smtp.us-east-1.amazonses.com']]);
    await checkLater();
    assert.equal((await mailFrom(d)).MailFromDomainStatus, 'PENDING');  // the SPF is missing
    dns.setTxt(m, ['v=spf1 include:amazonses.com ~all']);
    await checkLater();
    assert.equal((await mailFrom(d)).MailFromDomainStatus, 'SUCCESS');
    const attrs = await v1.send(new GetIdentityMailFromDomainAttributesCommand({ Identities: [d] }));
    assert.deepEqual(attrs.MailFromDomainAttributes[d], {
      BehaviorOnMXFailure: 'RejectMessage', MailFromDomain: m, MailFromDomainStatus: 'Success',
    });
    // v1 clears it; v2 sees only the behaviour.
    await v1.send(new SetIdentityMailFromDomainCommand({ Identity: d }));
    assert.deepEqual(await mailFrom(d), { BehaviorOnMxFailure: 'USE_DEFAULT_VALUE' });
  });

  test('a MAIL FROM domain outside the identity is a BadRequest', async () => {
    const d = `${uniq('mfbad')}.example.com`;
    await v2.send(new CreateEmailIdentityCommand({ EmailIdentity: d }));
    await expectError(
      v2.send(new PutEmailIdentityMailFromAttributesCommand({
        EmailIdentity: d, MailFromDomain: 'bounce.example.net',
      })),
      'BadRequestException', 400);
    await v2.send(new PutEmailIdentityMailFromAttributesCommand({  // the positive control
      EmailIdentity: d, MailFromDomain: `bounce.${d}`,
    }));
  });
});
