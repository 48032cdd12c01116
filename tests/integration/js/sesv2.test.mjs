// SES v2 identities through @aws-sdk/client-sesv2 (AWS SDK for JavaScript v3)
// against the real vouch binary, on the same identities as SES v1 (through
// @aws-sdk/client-ses), BYODKIM included. Run: node --test tests/integration/js/sesv2.test.mjs

import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { after, before, describe, test } from 'node:test';

import {
  CreateEmailIdentityCommand,
  DeleteEmailIdentityCommand,
  GetEmailIdentityCommand,
  ListEmailIdentitiesCommand,
  ListTagsForResourceCommand,
  PutEmailIdentityDkimAttributesCommand,
  PutEmailIdentityDkimSigningAttributesCommand,
  SESv2Client,
  TagResourceCommand,
  UntagResourceCommand,
  paginateListEmailIdentities,
} from '@aws-sdk/client-sesv2';
import {
  DeleteIdentityCommand,
  GetIdentityDkimAttributesCommand,
  GetIdentityVerificationAttributesCommand,
  ListIdentitiesCommand,
  SESClient,
  VerifyDomainIdentityCommand,
  VerifyEmailIdentityCommand,
} from '@aws-sdk/client-ses';

import {
  ROOT_ACCOUNT_ID, ROOT_KEY, ROOT_SECRET, expectError, postJson, startVouch, uniq,
} from './harness.mjs';
import { startStubDns } from './stub_dns.mjs';

const DKIM_TOKEN_RE = /^[a-z2-7]{32}$/;

function clients(server, { region = 'us-east-1' } = {}) {
  const config = {
    endpoint: server.endpoint,
    region,
    credentials: { accessKeyId: ROOT_KEY, secretAccessKey: ROOT_SECRET },
    maxAttempts: 1,
  };
  return { v2: new SESv2Client(config), v1: new SESClient(config) };
}

const domain = (p) => `${uniq(p)}.example.com`;
const email = (p) => `${uniq(p)}@example.com`;
const arn = (name, region = 'us-east-1') => `arn:aws:ses:${region}:${ROOT_ACCOUNT_ID}:identity/${name}`;

function strip(out) {
  const { $metadata, ...rest } = out;
  assert.equal($metadata.httpStatusCode, 200);
  return rest;
}

describe('SES v2 via AWS SDK for JavaScript v3', () => {
  let server;
  let v1;
  let v2;

  before(async () => {
    // Test mode: no check runs unless asked, so an identity's VerificationInfo
    // is {} as right after its create (a check would fill it in).
    server = await startVouch({ args: ['--test-mode'] });
    ({ v1, v2 } = clients(server));
  });
  after(async () => {
    await server?.stop();
  });

  test('an email address: create and get, in AWS shapes', async () => {
    const name = email('v2');
    assert.deepEqual(strip(await v2.send(new CreateEmailIdentityCommand({ EmailIdentity: name }))),
      { IdentityType: 'EMAIL_ADDRESS', VerifiedForSendingStatus: false });
    assert.deepEqual(strip(await v2.send(new GetEmailIdentityCommand({ EmailIdentity: name }))), {
      IdentityType: 'EMAIL_ADDRESS',
      FeedbackForwardingStatus: true,
      VerifiedForSendingStatus: false,
      DkimAttributes: {
        SigningEnabled: false, Status: 'NOT_STARTED', SigningAttributesOrigin: 'AWS_SES',
        NextSigningKeyLength: 'RSA_1024_BIT',
      },
      MailFromAttributes: { BehaviorOnMxFailure: 'USE_DEFAULT_VALUE' },
      Policies: {},
      Tags: [],
      VerificationStatus: 'PENDING',
      VerificationInfo: {},
    });
  });

  test('a domain: Easy DKIM at once, epoch-second timestamps read as dates', async () => {
    const name = domain('v2d');
    const before = Date.now() - 5000;
    const out = await v2.send(new CreateEmailIdentityCommand({
      EmailIdentity: name, Tags: [{ Key: 'team', Value: 'mail' }],
    }));
    assert.equal(out.IdentityType, 'DOMAIN');
    assert.equal(out.VerifiedForSendingStatus, false);
    const dkim = out.DkimAttributes;
    assert.equal(dkim.Tokens.length, 3);
    for (const t of dkim.Tokens) assert.match(t, DKIM_TOKEN_RE);
    assert.ok(dkim.LastKeyGenerationTimestamp instanceof Date);
    const at = dkim.LastKeyGenerationTimestamp.getTime();
    assert.ok(at >= before && at <= Date.now() + 5000, String(dkim.LastKeyGenerationTimestamp));
    assert.equal(dkim.Status, 'PENDING');
    assert.equal(dkim.SigningEnabled, true);
    assert.equal(dkim.SigningHostedZone, 'dkim.amazonses.com');
    assert.equal(dkim.NextSigningKeyLength, 'RSA_2048_BIT');
    assert.equal(dkim.CurrentSigningKeyLength, 'RSA_2048_BIT');
    const got = await v2.send(new GetEmailIdentityCommand({ EmailIdentity: name }));
    assert.deepEqual(got.DkimAttributes, dkim);
    assert.deepEqual(got.Tags, [{ Key: 'team', Value: 'mail' }]);
    assert.deepEqual(got.VerificationInfo, {});
    // v1 sees it, with a TXT token and the same DKIM tokens.
    const attrs = await v1.send(new GetIdentityVerificationAttributesCommand({ Identities: [name] }));
    assert.equal(attrs.VerificationAttributes[name].VerificationStatus, 'Pending');
    assert.ok(attrs.VerificationAttributes[name].VerificationToken);
    const v1dkim = await v1.send(new GetIdentityDkimAttributesCommand({ Identities: [name] }));
    assert.deepEqual(v1dkim.DkimAttributes[name].DkimTokens, dkim.Tokens);
  });

  test('errors as AWS sends them', async () => {
    const name = domain('err');
    await v2.send(new CreateEmailIdentityCommand({ EmailIdentity: name }));
    await expectError(v2.send(new CreateEmailIdentityCommand({ EmailIdentity: name })),
      'AlreadyExistsException', 400, { message: `Email identity ${name} already exist.` });
    const missing = domain('missing');
    await expectError(v2.send(new GetEmailIdentityCommand({ EmailIdentity: missing })),
      'NotFoundException', 404, { message: `Email identity ${missing} does not exist.` });
    await expectError(v2.send(new DeleteEmailIdentityCommand({ EmailIdentity: missing })),
      'NotFoundException', 404);
    await expectError(v2.send(new PutEmailIdentityDkimAttributesCommand({
      EmailIdentity: missing, SigningEnabled: true,
    })), 'BadRequestException', 400, {
      message: `Domain ${missing} is not verified for DKIM signing.`,
    });
    await expectError(v2.send(new CreateEmailIdentityCommand({ EmailIdentity: 'not_a_domain' })),
      'BadRequestException', 400, { message: 'Invalid domain name not_a_domain.' });
    await expectError(v2.send(new CreateEmailIdentityCommand({
      EmailIdentity: domain('byo'),
      DkimSigningAttributes: { DomainSigningSelector: 's', DomainSigningPrivateKey: 'a2V5' },
    })), 'BadRequestException', 400, { message: /^Invalid DomainSigningPrivateKey: it is not a DER-encoded private key/ });
    await expectError(v2.send(new CreateEmailIdentityCommand({
      EmailIdentity: domain('t'), Tags: [{ Key: 'aws:x', Value: '1' }],
    })), 'BadRequestException', 400);
    await expectError(v2.send(new ListEmailIdentitiesCommand({ PageSize: 1001 })),
      'BadRequestException', 400);
    await expectError(v2.send(new ListTagsForResourceCommand({ ResourceArn: 'nope' })),
      'BadRequestException', 400);
    await expectError(v2.send(new ListTagsForResourceCommand({ ResourceArn: arn(missing) })),
      'NotFoundException', 404);
  });

  test('v1 and v2 are one store: both ways, and delete through either', async () => {
    const d1 = domain('v1');
    const e1 = email('v1');
    const { VerificationToken } = await v1.send(new VerifyDomainIdentityCommand({ Domain: d1 }));
    await v1.send(new VerifyEmailIdentityCommand({ EmailAddress: e1 }));
    const got = await v2.send(new GetEmailIdentityCommand({ EmailIdentity: d1 }));
    assert.equal(got.IdentityType, 'DOMAIN');
    assert.equal(got.VerificationStatus, 'PENDING');
    assert.equal(got.DkimAttributes.Status, 'NOT_STARTED');
    assert.equal((await v2.send(new GetEmailIdentityCommand({ EmailIdentity: e1 }))).IdentityType,
      'EMAIL_ADDRESS');
    await expectError(v2.send(new CreateEmailIdentityCommand({ EmailIdentity: e1 })),
      'AlreadyExistsException', 400);
    const again = await v1.send(new VerifyDomainIdentityCommand({ Domain: d1 }));
    assert.equal(again.VerificationToken, VerificationToken);

    await v1.send(new DeleteIdentityCommand({ Identity: d1 }));
    await expectError(v2.send(new GetEmailIdentityCommand({ EmailIdentity: d1 })),
      'NotFoundException', 404);
    await v2.send(new DeleteEmailIdentityCommand({ EmailIdentity: e1 }));
    const left = await v1.send(new ListIdentitiesCommand({}));
    assert.ok(!left.Identities.includes(e1));
    assert.ok(!left.Identities.includes(d1));
  });

  test('DKIM signing off and on, seen by v1 too', async () => {
    const name = domain('sign');
    await v2.send(new CreateEmailIdentityCommand({ EmailIdentity: name }));
    // The SDK leaves a false boolean out of the body: absent means false.
    await v2.send(new PutEmailIdentityDkimAttributesCommand({ EmailIdentity: name, SigningEnabled: false }));
    const got = await v2.send(new GetEmailIdentityCommand({ EmailIdentity: name }));
    assert.equal(got.DkimAttributes.SigningEnabled, false);
    const v1dkim = await v1.send(new GetIdentityDkimAttributesCommand({ Identities: [name] }));
    assert.equal(v1dkim.DkimAttributes[name].DkimEnabled, false);
    await v2.send(new PutEmailIdentityDkimAttributesCommand({ EmailIdentity: name, SigningEnabled: true }));
    assert.equal((await v2.send(new GetEmailIdentityCommand({ EmailIdentity: name })))
      .DkimAttributes.SigningEnabled, true);
  });

  test('tags by ARN', async () => {
    const name = email('tags');
    await v2.send(new CreateEmailIdentityCommand({ EmailIdentity: name, Tags: [{ Key: 'a', Value: '1' }] }));
    await v2.send(new TagResourceCommand({ ResourceArn: arn(name), Tags: [{ Key: 'b', Value: '2' }] }));
    let tags = await v2.send(new ListTagsForResourceCommand({ ResourceArn: arn(name) }));
    assert.deepEqual(tags.Tags, [{ Key: 'a', Value: '1' }, { Key: 'b', Value: '2' }]);
    await v2.send(new UntagResourceCommand({ ResourceArn: arn(name), TagKeys: ['a'] }));
    tags = await v2.send(new ListTagsForResourceCommand({ ResourceArn: arn(name) }));
    assert.deepEqual(tags.Tags, [{ Key: 'b', Value: '2' }]);
    await expectError(v2.send(new ListTagsForResourceCommand({ ResourceArn: arn(name, 'eu-west-1') })),
      'NotFoundException', 404);
  });

  test('the paginator reads every page to the last', async () => {
    const fresh = await startVouch();
    try {
      const c = clients(fresh);
      const names = [];
      for (let i = 0; i < 5; i++) {
        const n = i % 2 ? email(`p${i}`) : domain(`p${i}`);
        names.push(n);
        await c.v2.send(new CreateEmailIdentityCommand({ EmailIdentity: n }));
      }
      const seen = [];
      let pages = 0;
      for await (const page of paginateListEmailIdentities({ client: c.v2, pageSize: 2 }, {})) {
        pages += 1;
        for (const i of page.EmailIdentities) {
          assert.equal(i.VerificationStatus, 'PENDING');
          assert.equal(i.SendingEnabled, false);
          seen.push(i.IdentityName);
        }
      }
      assert.equal(pages, 3);
      assert.deepEqual(seen, names);

      // This SDK lists with POST /v2/email/list-identities, which takes a Filter.
      const filtered = async (Filter, pageSize = 1) => {
        const out = [];
        for await (const page of paginateListEmailIdentities({ client: c.v2, pageSize }, { Filter })) {
          out.push(...page.EmailIdentities.map((i) => i.IdentityName));
        }
        return out;
      };
      assert.deepEqual(await filtered({ IDENTITY_TYPE: 'EMAIL_ADDRESS' }), [names[1], names[3]]);
      assert.deepEqual(await filtered({ IDENTITY_TYPE: 'DOMAIN' }, 2), [names[0], names[2], names[4]]);
      assert.deepEqual(await filtered({ IDENTITY_NAME_CONTAINS: names[2].slice(0, 8) }), [names[2]]);
      assert.deepEqual(await filtered({ VERIFICATION_STATUS: 'PENDING', IDENTITY_TYPE: 'DOMAIN' }),
        [names[0], names[2], names[4]]);
      assert.deepEqual(await filtered({ VERIFICATION_STATUS: 'SUCCESS' }), []);
      await expectError(c.v2.send(new ListEmailIdentitiesCommand({ Filter: { COLOUR: 'blue' } })),
        'BadRequestException', 400, { message: 'Invalid filter key: COLOUR.' });
    } finally {
      await fresh.stop();
    }
  });
});

describe('a v2 domain verified through DNS (test mode, a DNS server of its own)', () => {
  let server;
  let v1;
  let v2;
  let dns;

  before(async () => {
    dns = await startStubDns();
    server = await startVouch({ args: ['--test-mode', '--dns-resolver', dns.address] });
    ({ v1, v2 } = clients(server));
  });
  after(async () => {
    await server?.stop();
    await dns?.close();
  });

  const post = (path, body) => postJson(server, path, body);
  const runDueChecks = async () => (await post('/_vouch/test/run-due-checks', {})).checked;
  const get = (name) => v2.send(new GetEmailIdentityCommand({ EmailIdentity: name }));

  test('PENDING until all three DKIM CNAMEs are published, then SUCCESS in both APIs', async () => {
    const d = domain('dkim');
    const { DkimAttributes: { Tokens: tokens } } = await v2.send(
      new CreateEmailIdentityCommand({ EmailIdentity: d }));
    assert.ok(await runDueChecks() >= 4);  // the TXT and three CNAMEs, due at once
    assert.equal((await get(d)).VerificationStatus, 'PENDING');
    for (const t of tokens.slice(0, 2)) dns.set(`${t}._domainkey.${d}`, `${t}.dkim.amazonses.com`);
    await post('/_vouch/test/clock', { advance_seconds: 3600 });
    await runDueChecks();
    assert.equal((await get(d)).VerificationStatus, 'PENDING');  // two of three
    dns.set(`${tokens[2]}._domainkey.${d}`, `${tokens[2]}.dkim.amazonses.com`);
    await post('/_vouch/test/clock', { advance_seconds: 3600 });
    await runDueChecks();
    const got = await get(d);
    assert.equal(got.VerificationStatus, 'SUCCESS');
    assert.equal(got.VerifiedForSendingStatus, true);
    assert.equal(got.DkimAttributes.Status, 'SUCCESS');
    assert.ok(got.VerificationInfo.LastSuccessTimestamp instanceof Date);
    const attrs = await v1.send(new GetIdentityVerificationAttributesCommand({ Identities: [d] }));
    assert.equal(attrs.VerificationAttributes[d].VerificationStatus, 'Success');
  });

  // An RSA key pair as BYODKIM takes it: private PKCS#8 DER, public SPKI DER, base64.
  const keyPair = (bits) => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', {
      modulusLength: bits,
      publicKeyEncoding: { type: 'spki', format: 'der' },
      privateKeyEncoding: { type: 'pkcs8', format: 'der' },
    });
    return { priv: privateKey.toString('base64'), pub: publicKey.toString('base64') };
  };

  test('BYODKIM: PENDING with another key, SUCCESS with its own, then back to Easy DKIM', async () => {
    const d = domain('byo');
    const key = keyPair(2048);
    await expectError(v2.send(new CreateEmailIdentityCommand({
      EmailIdentity: d,
      DkimSigningAttributes: { DomainSigningSelector: 'js1', DomainSigningPrivateKey: keyPair(512).priv },
    })), 'BadRequestException', 400, {
      message: 'Invalid DomainSigningPrivateKey: the key has 512 bits; it must have 1024 or 2048.',
    });
    const created = await v2.send(new CreateEmailIdentityCommand({
      EmailIdentity: d,
      DkimSigningAttributes: { DomainSigningSelector: 'js1', DomainSigningPrivateKey: key.priv },
    }));
    assert.deepEqual(created.DkimAttributes, {
      SigningEnabled: true, Status: 'PENDING', Tokens: ['js1'], SigningAttributesOrigin: 'EXTERNAL',
    });
    const name = `js1._domainkey.${d}`;
    dns.setTxt(name, [`v=DKIM1; k=rsa; p=${keyPair(1024).pub}`]);
    await runDueChecks();
    assert.equal((await get(d)).VerificationStatus, 'PENDING');  // another key
    dns.setTxt(name, [`p=${key.pub}; k=rsa; v=DKIM1`]);  // tags in another order
    await post('/_vouch/test/clock', { advance_seconds: 3600 });
    await runDueChecks();
    const got = await get(d);
    assert.equal(got.VerificationStatus, 'SUCCESS');
    assert.equal(got.DkimAttributes.Status, 'SUCCESS');
    const dkim = await v1.send(new GetIdentityDkimAttributesCommand({ Identities: [d] }));
    assert.deepEqual(dkim.DkimAttributes[d].DkimTokens, ['js1']);
    const back = await v2.send(new PutEmailIdentityDkimSigningAttributesCommand({
      EmailIdentity: d, SigningAttributesOrigin: 'AWS_SES',
    }));
    assert.equal(back.DkimStatus, 'PENDING');
    assert.equal(back.DkimTokens.length, 3);
    assert.equal(back.SigningHostedZone, 'dkim.amazonses.com');
    assert.deepEqual((await get(d)).DkimAttributes.Tokens, back.DkimTokens);
  });
});

// --auto-verify-suffix (test mode): identities under .test reach SUCCESS at
// their first check with no DNS record and no question asked; one outside
// the suffix stays PENDING.
describe('SES v2 with --auto-verify-suffix via AWS SDK for JavaScript v3', () => {
  let dns;
  let server;
  let v1;
  let v2;

  before(async () => {
    dns = await startStubDns();
    server = await startVouch({
      args: ['--test-mode', '--dns-resolver', dns.address, '--auto-verify-suffix', '.test'],
    });
    ({ v1, v2 } = clients(server));
  });
  after(async () => {
    await server?.stop();
    await dns?.close();
  });

  test('SUCCESS after run-due-checks under the suffix, PENDING outside it', async () => {
    const under = `${uniq('app')}.test`;
    const address = `${uniq('user')}@${uniq('mail')}.test`;
    const outside = domain('ctl');
    for (const name of [under, address, outside]) {
      await v2.send(new CreateEmailIdentityCommand({ EmailIdentity: name }));
    }
    const res = await fetch(`${server.endpoint}/_vouch/test/run-due-checks`, { method: 'POST' });
    assert.equal(res.status, 200);
    for (const name of [under, address]) {
      const got = await v2.send(new GetEmailIdentityCommand({ EmailIdentity: name }));
      assert.equal(got.VerificationStatus, 'SUCCESS', name);
      assert.equal(got.VerifiedForSendingStatus, true);
      assert.ok(got.VerificationInfo.LastSuccessTimestamp instanceof Date);
    }
    const got = await v2.send(new GetEmailIdentityCommand({ EmailIdentity: under }));
    assert.equal(got.DkimAttributes.Status, 'SUCCESS');
    const control = await v2.send(new GetEmailIdentityCommand({ EmailIdentity: outside }));
    assert.equal(control.VerificationStatus, 'PENDING');
    assert.equal(control.VerificationInfo.ErrorType, 'HOST_NOT_FOUND');
    const attrs = await v1.send(new GetIdentityVerificationAttributesCommand({
      Identities: [under, outside] }));
    assert.equal(attrs.VerificationAttributes[under].VerificationStatus, 'Success');
    assert.equal(attrs.VerificationAttributes[outside].VerificationStatus, 'Pending');
    assert.ok(dns.asked.includes(`_amazonses.${outside}`));  // the control was asked
    assert.deepEqual(dns.asked.filter((n) => n.endsWith('.test')), []);
  });
});
