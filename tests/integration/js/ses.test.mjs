// SES v1 identity API through @aws-sdk/client-ses (AWS SDK for JavaScript v3)
// against the real vouch binary.  Run: node --test tests/integration/js/

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import {
  DeleteIdentityCommand,
  DeleteVerifiedEmailAddressCommand,
  GetIdentityDkimAttributesCommand,
  GetIdentityVerificationAttributesCommand,
  ListIdentitiesCommand,
  ListVerifiedEmailAddressesCommand,
  SESClient,
  VerifyDomainDkimCommand,
  VerifyDomainIdentityCommand,
  VerifyEmailAddressCommand,
  VerifyEmailIdentityCommand,
  paginateListIdentities,
} from '@aws-sdk/client-ses';

import {
  ROOT_KEY,
  ROOT_SECRET,
  randomAccessKey,
  randomSecret,
  startVouch,
  uniq,
} from './harness.mjs';
import { startStubDns } from './stub_dns.mjs';

const TOKEN_RE = /^[A-Za-z0-9+/]{43}=$/;
const DKIM_TOKEN_RE = /^[a-z2-7]{32}$/;

function client(server, { region = 'us-east-1', key = ROOT_KEY, secret = ROOT_SECRET } = {}) {
  return new SESClient({
    endpoint: server.endpoint,
    region,
    credentials: { accessKeyId: key, secretAccessKey: secret },
    maxAttempts: 1,
  });
}

async function expectError(promise, name, status, message) {
  let err;
  try {
    await promise;
  } catch (e) {
    err = e;
  }
  assert.ok(err, `expected ${name}, but the call succeeded`);
  assert.equal(err.name, name, `error name: ${err.name}: ${err.message}`);
  assert.equal(err.$metadata?.httpStatusCode, status);
  assert.ok(err.$metadata?.requestId, 'error lacks a request id');
  if (message instanceof RegExp) assert.match(err.message, message);
  else if (message !== undefined) assert.equal(err.message, message);
  return err;
}

async function listAll(ses, input = {}, pageSize = 2) {
  const ids = [];
  const pages = [];
  for await (const page of paginateListIdentities({ client: ses, pageSize }, input)) {
    pages.push(page);
    ids.push(...page.Identities);
  }
  return { ids, pages };
}

describe('SES via AWS SDK for JavaScript v3', () => {
  let server;
  let ses;

  before(async () => {
    server = await startVouch();
    ses = client(server);
  });
  after(async () => {
    ses?.destroy();
    await server?.stop();
  });

  test('VerifyDomainIdentity returns a stable 44-char token; attributes show Pending', async () => {
    const d = `${uniq('dom')}.example.com`;
    const r1 = await ses.send(new VerifyDomainIdentityCommand({ Domain: d }));
    assert.equal(r1.$metadata.httpStatusCode, 200);
    assert.ok(r1.$metadata.requestId);
    assert.match(r1.VerificationToken, TOKEN_RE);
    assert.equal(Buffer.from(r1.VerificationToken, 'base64').length, 32);
    const r2 = await ses.send(new VerifyDomainIdentityCommand({ Domain: d }));
    assert.equal(r2.VerificationToken, r1.VerificationToken);
    const attrs = await ses.send(new GetIdentityVerificationAttributesCommand({
      Identities: [d, `${uniq('unknown')}.example.com`],
    }));
    assert.deepEqual(attrs.VerificationAttributes, {
      [d]: { VerificationStatus: 'Pending', VerificationToken: r1.VerificationToken },
    });
  });

  test('domains are case-insensitive and keyed as requested', async () => {
    const label = uniq('case');
    const upper = `${label.toUpperCase()}.Example.COM`;
    const lower = `${label}.example.com`;
    const t1 = (await ses.send(new VerifyDomainIdentityCommand({ Domain: upper }))).VerificationToken;
    const t2 = (await ses.send(new VerifyDomainIdentityCommand({ Domain: lower }))).VerificationToken;
    assert.equal(t1, t2);
    const attrs = await ses.send(new GetIdentityVerificationAttributesCommand({
      Identities: [upper, lower],
    }));
    assert.deepEqual(attrs.VerificationAttributes, {
      [upper]: { VerificationStatus: 'Pending', VerificationToken: t1 },
      [lower]: { VerificationStatus: 'Pending', VerificationToken: t1 },
    });
    const { ids } = await listAll(ses, { IdentityType: 'Domain' }, 1000);
    assert.ok(ids.includes(lower));
    assert.ok(!ids.includes(upper));
  });

  test('email identities: VerifyEmailIdentity, VerifyEmailAddress, deletes', async () => {
    const e1 = `${uniq('one')}@example.com`;
    const e2 = `${uniq('two')}@example.com`;
    const v = await ses.send(new VerifyEmailIdentityCommand({ EmailAddress: e1 }));
    assert.equal(v.$metadata.httpStatusCode, 200);
    await ses.send(new VerifyEmailAddressCommand({ EmailAddress: e2 }));
    let attrs = await ses.send(new GetIdentityVerificationAttributesCommand({ Identities: [e1, e2] }));
    assert.deepEqual(attrs.VerificationAttributes, {
      [e1]: { VerificationStatus: 'Pending' },
      [e2]: { VerificationStatus: 'Pending' },
    });
    const { ids } = await listAll(ses, { IdentityType: 'EmailAddress' }, 1000);
    assert.ok(ids.includes(e1) && ids.includes(e2));
    assert.ok(ids.every((i) => i.includes('@')));

    const listed = await ses.send(new ListVerifiedEmailAddressesCommand({}));
    assert.deepEqual(listed.VerifiedEmailAddresses, []);

    await ses.send(new DeleteVerifiedEmailAddressCommand({ EmailAddress: e2 }));
    const del = await ses.send(new DeleteIdentityCommand({ Identity: e1 }));
    assert.equal(del.$metadata.httpStatusCode, 200);
    attrs = await ses.send(new GetIdentityVerificationAttributesCommand({ Identities: [e1, e2] }));
    assert.deepEqual(attrs.VerificationAttributes, {});
  });

  test('DeleteIdentity of an unknown identity succeeds; delete + re-verify gives a new token', async () => {
    const r = await ses.send(new DeleteIdentityCommand({ Identity: `${uniq('never')}.example.com` }));
    assert.equal(r.$metadata.httpStatusCode, 200);
    const d = `${uniq('renew')}.example.com`;
    const t1 = (await ses.send(new VerifyDomainIdentityCommand({ Domain: d }))).VerificationToken;
    await ses.send(new DeleteIdentityCommand({ Identity: d }));
    const t2 = (await ses.send(new VerifyDomainIdentityCommand({ Domain: d }))).VerificationToken;
    assert.notEqual(t1, t2);
    assert.match(t2, TOKEN_RE);
  });

  test('VerifyDomainDkim and GetIdentityDkimAttributes', async () => {
    const d = `${uniq('dkim')}.example.com`;
    const plain = `${uniq('plain')}.example.com`;
    const e = `${uniq('dkim')}@example.com`;
    const r = await ses.send(new VerifyDomainDkimCommand({ Domain: d }));
    assert.equal(r.DkimTokens.length, 3);
    assert.equal(new Set(r.DkimTokens).size, 3);
    for (const t of r.DkimTokens) assert.match(t, DKIM_TOKEN_RE);
    const again = await ses.send(new VerifyDomainDkimCommand({ Domain: d }));
    assert.deepEqual([...again.DkimTokens].sort(), [...r.DkimTokens].sort());
    await ses.send(new VerifyDomainIdentityCommand({ Domain: plain }));
    await ses.send(new VerifyEmailIdentityCommand({ EmailAddress: e }));

    const attrs = (await ses.send(new GetIdentityDkimAttributesCommand({
      Identities: [d, plain, e, `${uniq('unknown')}.example.com`],
    }))).DkimAttributes;
    assert.deepEqual(Object.keys(attrs).sort(), [d, plain, e].sort());
    assert.equal(attrs[d].DkimEnabled, true);
    assert.equal(attrs[d].DkimVerificationStatus, 'Pending');
    assert.deepEqual([...attrs[d].DkimTokens].sort(), [...r.DkimTokens].sort());
    for (const k of [plain, e]) {
      assert.equal(attrs[k].DkimEnabled, false);
      assert.equal(attrs[k].DkimVerificationStatus, 'NotStarted');
      assert.deepEqual(attrs[k].DkimTokens ?? [], []);
    }
    // VerifyDomainDkim also created the domain identity.
    const v = await ses.send(new GetIdentityVerificationAttributesCommand({ Identities: [d] }));
    assert.equal(v.VerificationAttributes[d].VerificationStatus, 'Pending');
    assert.match(v.VerificationAttributes[d].VerificationToken, TOKEN_RE);
  });

  test('InvalidParameterValue for a malformed domain and email', async () => {
    await expectError(ses.send(new VerifyDomainIdentityCommand({ Domain: 'exa mple.com' })),
      'InvalidParameterValue', 400, 'Invalid domain name exa mple.com.');
    await expectError(ses.send(new VerifyDomainIdentityCommand({ Domain: 'example.com.' })),
      'InvalidParameterValue', 400, 'Invalid domain name example.com..');
    await expectError(ses.send(new VerifyEmailIdentityCommand({ EmailAddress: 'no-at-sign' })),
      'InvalidParameterValue', 400, /^Invalid email address/);
    const ids = Array.from({ length: 101 }, (_, i) => `n${i}.example.com`);
    await expectError(ses.send(new GetIdentityVerificationAttributesCommand({ Identities: ids })),
      'InvalidParameterValue', 400);
  });

  test('ValidationError for a bad IdentityType', async () => {
    await expectError(ses.send(new ListIdentitiesCommand({ IdentityType: 'Unknown' })),
      'ValidationError', 400,
      "1 validation error detected: Value 'Unknown' at 'identityType' failed to satisfy " +
      'constraint: Member must satisfy enum value set: [Domain, EmailAddress]');
  });

  test('unknown access key → InvalidClientTokenId 403', async () => {
    const bad = client(server, { key: randomAccessKey(), secret: randomSecret() });
    await expectError(bad.send(new ListIdentitiesCommand({})), 'InvalidClientTokenId', 403,
      'The security token included in the request is invalid.');
    bad.destroy();
  });

  test('wrong secret → SignatureDoesNotMatch 403', async () => {
    const bad = client(server, { secret: randomSecret() });
    await expectError(bad.send(new ListIdentitiesCommand({})), 'SignatureDoesNotMatch', 403,
      /^The request signature we calculated does not match the signature you provided\./);
    bad.destroy();
  });
});

describe('DNS verification (test mode, a DNS server of its own)', () => {
  let server;
  let ses;
  let dns;

  before(async () => {
    dns = await startStubDns();
    server = await startVouch({ args: ['--test-mode', '--dns-resolver', dns.address] });
    ses = client(server);
  });
  after(async () => {
    ses?.destroy();
    await server?.stop();
    await dns?.close();
  });

  const runDueChecks = async () => {
    const res = await fetch(`${server.endpoint}/_vouch/test/run-due-checks`, { method: 'POST' });
    assert.equal(res.status, 200);
    return (await res.json()).checked;
  };
  const advanceClock = async (seconds) => {
    const res = await fetch(`${server.endpoint}/_vouch/test/clock`, {
      method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ advance_seconds: seconds }),
    });
    assert.equal(res.status, 200);
  };
  const dkimStatus = async (domain) => {
    const r = await ses.send(new GetIdentityDkimAttributesCommand({ Identities: [domain] }));
    return r.DkimAttributes[domain].DkimVerificationStatus;
  };
  const verificationAttrs = async (domain) => {
    const r = await ses.send(new GetIdentityVerificationAttributesCommand({ Identities: [domain] }));
    return r.VerificationAttributes[domain];
  };

  test('Pending until _amazonses.<domain> TXT holds the token, then Success', async () => {
    const d = `${uniq('txt')}.example.com`;
    const { VerificationToken: token } = await ses.send(new VerifyDomainIdentityCommand({ Domain: d }));
    assert.match(token, TOKEN_RE);
    assert.deepEqual(await verificationAttrs(d), { VerificationStatus: 'Pending', VerificationToken: token });
    assert.ok(await runDueChecks() >= 1);  // due at once; nothing published yet
    assert.equal((await verificationAttrs(d)).VerificationStatus, 'Pending');

    // Beside an unrelated TXT record, as a real zone would have.
    dns.setTxt(`_amazonses.${d}`, ['v=spf1 -all', token]);
    await advanceClock(60);  // past the first backoff
    assert.ok(await runDueChecks() >= 1);
    assert.deepEqual(await verificationAttrs(d), { VerificationStatus: 'Success', VerificationToken: token });
  });

  test('Pending until all three CNAMEs are published, then Success', async () => {
    const d = `${uniq('dkim')}.example.com`;
    const { DkimTokens: tokens } = await ses.send(new VerifyDomainDkimCommand({ Domain: d }));
    assert.equal(await dkimStatus(d), 'Pending');
    for (const t of tokens.slice(0, 2)) dns.set(`${t}._domainkey.${d}`, `${t}.dkim.amazonses.com`);
    assert.ok(await runDueChecks() >= 3);
    assert.equal(await dkimStatus(d), 'Pending');  // two of three
    dns.set(`${tokens[2]}._domainkey.${d}`, `${tokens[2]}.DKIM.AmazonSES.com`);
    await advanceClock(60);
    assert.ok(await runDueChecks() >= 1);
    const attrs = (await ses.send(new GetIdentityDkimAttributesCommand({ Identities: [d] }))).DkimAttributes[d];
    assert.equal(attrs.DkimEnabled, true);
    assert.equal(attrs.DkimVerificationStatus, 'Success');
    assert.deepEqual(attrs.DkimTokens, tokens);
  });
});

describe('ListIdentities pagination (fresh server)', () => {
  let server;
  let ses;
  const domains = ['p1.example.com', 'p2.example.com', 'p3.example.com', 'p4.example.com'];
  const emails = ['p1@example.com', 'p2@example.com', 'p3@example.com'];

  before(async () => {
    server = await startVouch();
    ses = client(server);
    for (const d of domains) await ses.send(new VerifyDomainIdentityCommand({ Domain: d }));
    for (const e of emails) await ses.send(new VerifyEmailIdentityCommand({ EmailAddress: e }));
  });
  after(async () => {
    ses?.destroy();
    await server?.stop();
  });

  test('paginateListIdentities reaches the last page; every identity exactly once', async () => {
    const { ids, pages } = await listAll(ses, {}, 2);
    assert.deepEqual(pages.map((p) => p.Identities.length), [2, 2, 2, 1]);
    assert.equal(pages.at(-1).NextToken, undefined);
    for (const p of pages.slice(0, -1)) assert.ok(p.NextToken);
    assert.equal(new Set(ids).size, ids.length);
    assert.deepEqual([...ids].sort(), [...domains, ...emails].sort());
  });

  test('paginateListIdentities with an IdentityType filter', async () => {
    const d = await listAll(ses, { IdentityType: 'Domain' }, 1);
    assert.deepEqual([...d.ids].sort(), [...domains].sort());
    assert.equal(d.pages.length, domains.length);
    const e = await listAll(ses, { IdentityType: 'EmailAddress' }, 2);
    assert.deepEqual([...e.ids].sort(), [...emails].sort());
  });

  test('one page without MaxItems, no NextToken', async () => {
    const r = await ses.send(new ListIdentitiesCommand({}));
    assert.equal(r.NextToken, undefined);
    assert.deepEqual([...r.Identities].sort(), [...domains, ...emails].sort());
  });

  test('regions are isolated', async () => {
    const west = client(server, { region: 'eu-west-1' });
    const r = await west.send(new ListIdentitiesCommand({}));
    assert.deepEqual(r.Identities, []);
    const attrs = await west.send(new GetIdentityVerificationAttributesCommand({
      Identities: [domains[0], emails[0]],
    }));
    assert.deepEqual(attrs.VerificationAttributes, {});
    west.destroy();
  });
});

describe('IDN, XML escaping, accounts (fresh server)', () => {
  let server;
  let ses;

  before(async () => {
    server = await startVouch();
    ses = client(server);
  });
  after(async () => {
    ses?.destroy();
    await server?.stop();
  });

  test('bücher.example is stored as xn--bcher-kva.example, keyed as requested', async () => {
    const t = (await ses.send(new VerifyDomainIdentityCommand({ Domain: 'bücher.example' })))
      .VerificationToken;
    const { ids } = await listAll(ses, { IdentityType: 'Domain' }, 1000);
    assert.deepEqual(ids, ['xn--bcher-kva.example']);
    const attrs = await ses.send(new GetIdentityVerificationAttributesCommand({
      Identities: ['bücher.example', 'xn--bcher-kva.example'],
    }));
    assert.deepEqual(attrs.VerificationAttributes, {
      'bücher.example': { VerificationStatus: 'Pending', VerificationToken: t },
      'xn--bcher-kva.example': { VerificationStatus: 'Pending', VerificationToken: t },
    });
    await ses.send(new DeleteIdentityCommand({ Identity: 'bücher.example' }));
    assert.deepEqual((await listAll(ses, {}, 1000)).ids, []);
  });

  test("identities with XML-special characters round-trip", async () => {
    const e = "o'neil+tag&x@example.com";
    await ses.send(new VerifyEmailIdentityCommand({ EmailAddress: e }));
    assert.deepEqual((await listAll(ses, {}, 1000)).ids, [e]);
    const attrs = await ses.send(new GetIdentityVerificationAttributesCommand({ Identities: [e] }));
    assert.deepEqual(attrs.VerificationAttributes, { [e]: { VerificationStatus: 'Pending' } });
    await ses.send(new DeleteIdentityCommand({ Identity: e }));
    assert.deepEqual((await listAll(ses, {}, 1000)).ids, []);
  });

  test('an account added with `vouch account add` works at once and is isolated', async () => {
    const d = 'root-js.example.com';
    const rootToken = (await ses.send(new VerifyDomainIdentityCommand({ Domain: d })))
      .VerificationToken;
    const key = randomAccessKey();
    const secret = randomSecret();
    server.accountAdd('135792468013', key, secret);
    const other = client(server, { key, secret });
    let listed;
    for (let i = 0; ; i++) {
      try {
        listed = await other.send(new ListIdentitiesCommand({}));
        break;
      } catch (e) {
        if (i >= 25) throw e;
        await new Promise((r) => setTimeout(r, 200));
      }
    }
    assert.deepEqual(listed.Identities, []);
    const otherToken = (await other.send(new VerifyDomainIdentityCommand({ Domain: d })))
      .VerificationToken;
    assert.notEqual(otherToken, rootToken);
    const a = await ses.send(new GetIdentityVerificationAttributesCommand({ Identities: [d] }));
    assert.equal(a.VerificationAttributes[d].VerificationToken, rootToken);
    other.destroy();
  });
});

describe('--insecure-any-credentials', () => {
  let server;

  before(async () => {
    server = await startVouch({ args: ['--insecure-any-credentials'] });
  });
  after(async () => {
    await server?.stop();
  });

  test('any key and secret work, all as one account', async () => {
    const a = client(server, { key: randomAccessKey(), secret: randomSecret() });
    const b = client(server, { key: randomAccessKey(), secret: randomSecret() });
    const t = (await a.send(new VerifyDomainIdentityCommand({ Domain: 'any.example.com' })))
      .VerificationToken;
    const attrs = await b.send(new GetIdentityVerificationAttributesCommand({
      Identities: ['any.example.com'],
    }));
    assert.deepEqual(attrs.VerificationAttributes, {
      'any.example.com': { VerificationStatus: 'Pending', VerificationToken: t },
    });
    a.destroy();
    b.destroy();
  });
});

describe('Throttling with default rate limits', () => {
  let server;
  let ses;

  before(async () => {
    server = await startVouch({ rateLimitsOff: false });
    ses = client(server);
  });
  after(async () => {
    ses?.destroy();
    await server?.stop();
  });

  test('GetIdentityVerificationAttributes burst → Throttling 400 "Rate exceeded"', async () => {
    await new Promise((r) => setTimeout(r, 1050));
    const results = [];
    for (let i = 0; i < 4; i++) {
      try {
        results.push(await ses.send(new GetIdentityVerificationAttributesCommand({
          Identities: ['example.com'],
        })));
      } catch (e) {
        results.push(e);
      }
    }
    assert.ok(!(results[0] instanceof Error), `first request failed: ${results[0]}`);
    const errs = results.filter((r) => r instanceof Error);
    assert.ok(errs.length >= 1, 'nothing was throttled');
    for (const e of errs) {
      assert.equal(e.name, 'Throttling');
      assert.equal(e.$metadata.httpStatusCode, 400);
      assert.equal(e.message, 'Rate exceeded');
      assert.equal(e.$metadata.attempts, 1);
    }
  });

  test('VerifyDomainIdentity burst → Throttling', async () => {
    await new Promise((r) => setTimeout(r, 1050));
    const names = [];
    let throttled = 0;
    for (let i = 0; i < 4; i++) {
      const d = `${uniq('thr')}.example.com`;
      try {
        await ses.send(new VerifyDomainIdentityCommand({ Domain: d }));
        names.push(d);
      } catch (e) {
        assert.equal(e.name, 'Throttling');
        assert.equal(e.$metadata.httpStatusCode, 400);
        throttled += 1;
      }
    }
    assert.ok(throttled >= 1);
    assert.ok(names.length >= 1);
  });
});
