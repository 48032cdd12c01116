// VPC Lattice domain verifications through @aws-sdk/client-vpc-lattice (AWS SDK
// for JavaScript v3) against the real vouch binary.  Run: node --test tests/integration/js/

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import {
  DeleteDomainVerificationCommand,
  GetDomainVerificationCommand,
  ListDomainVerificationsCommand,
  ListTagsForResourceCommand,
  StartDomainVerificationCommand,
  TagResourceCommand,
  UntagResourceCommand,
  paginateListDomainVerifications,
} from '@aws-sdk/client-vpc-lattice';

import {
  ROOT_ACCOUNT_ID,
  randomAccessKey,
  randomSecret,
  startVouch,
  uniq,
} from './harness.mjs';
import {
  ARN_RE,
  ID_RE,
  TXT_NAME_RE,
  TXT_VALUE_RE,
  arnOf,
  expectError,
  lattice,
  listAll,
  REGION_ARGS,
  regionName,
} from './lattice_helpers.mjs';

describe('VPC Lattice via AWS SDK for JavaScript v3', () => {
  let server;
  const clients = [];
  const client = (opts = {}) => {
    const c = lattice(server, opts);
    clients.push(c);
    return c;
  };

  before(async () => {
    server = await startVouch({ args: REGION_ARGS });
  });
  after(async () => {
    for (const c of clients) c.destroy();
    await server?.stop();
  });

  test('StartDomainVerification: 201, id, arn, PENDING, txtMethodConfig', async () => {
    const region = regionName('start');
    const vl = client({ region });
    const domain = `${uniq('Start')}.Example.COM`;
    const r = await vl.send(new StartDomainVerificationCommand({ domainName: domain, tags: { env: 'prod' } }));
    assert.equal(r.$metadata.httpStatusCode, 201);
    assert.ok(r.$metadata.requestId, 'no request id');
    assert.match(r.id, ID_RE);
    assert.equal(r.arn, arnOf(r.id, region));
    assert.match(r.arn, ARN_RE);
    assert.equal(r.domainName, domain.toLowerCase());
    assert.equal(r.status, 'PENDING');
    assert.match(r.txtMethodConfig.name, TXT_NAME_RE);
    assert.match(r.txtMethodConfig.value, TXT_VALUE_RE);
    assert.equal(r.createdAt, undefined);
    assert.equal(r.tags, undefined);
  });

  test('an IDN is stored as punycode', async () => {
    const vl = client({ region: regionName('idn') });
    const r = await vl.send(new StartDomainVerificationCommand({ domainName: 'Bücher.Example' }));
    assert.equal(r.domainName, 'xn--bcher-kva.example');
    const g = await vl.send(new GetDomainVerificationCommand({ domainVerificationIdentifier: r.id }));
    assert.equal(g.domainName, 'xn--bcher-kva.example');
  });

  test('GetDomainVerification by id and by ARN; createdAt, tags, no lastVerifiedTime', async () => {
    const region = regionName('get');
    const vl = client({ region });
    const before = Date.now();
    const s = await vl.send(new StartDomainVerificationCommand({
      domainName: `${uniq('get')}.example.com`, tags: { team: 'core', empty: '' },
    }));
    const byId = await vl.send(new GetDomainVerificationCommand({ domainVerificationIdentifier: s.id }));
    assert.equal(byId.$metadata.httpStatusCode, 200);
    const byArn = await vl.send(new GetDomainVerificationCommand({ domainVerificationIdentifier: s.arn }));
    for (const g of [byId, byArn]) {
      assert.equal(g.id, s.id);
      assert.equal(g.arn, s.arn);
      assert.equal(g.domainName, s.domainName);
      assert.equal(g.status, 'PENDING');
      assert.deepEqual(g.txtMethodConfig, s.txtMethodConfig);
      assert.deepEqual(g.tags, { team: 'core', empty: '' });
      assert.ok(g.createdAt instanceof Date, 'createdAt is a Date');
      assert.ok(Math.abs(g.createdAt.getTime() - before) < 60_000, `createdAt ${g.createdAt.toISOString()}`);
      assert.equal(g.lastVerifiedTime, undefined);
    }
    assert.equal(byArn.createdAt.getTime(), byId.createdAt.getTime());
  });

  test('ListDomainVerifications: paginator over 3 pages of 2, each once, stable order', async () => {
    const region = regionName('page');
    const vl = client({ region });
    const ids = [];
    for (let i = 0; i < 5; i++) {
      const r = await vl.send(new StartDomainVerificationCommand({ domainName: `p${i}-${uniq('page')}.example.com` }));
      ids.push(r.id);
    }
    const { items, pages } = await listAll(vl, 2);
    assert.equal(pages.length, 3);
    assert.deepEqual(pages.map((p) => p.items.length), [2, 2, 1]);
    assert.deepEqual(items.map((i) => i.id), ids);
    assert.equal(pages[2].nextToken, undefined, 'no nextToken on the last page');
    assert.ok(pages[0].nextToken && pages[1].nextToken);
    assert.notEqual(pages[0].nextToken, pages[1].nextToken);
    for (const it of items) {
      assert.match(it.arn, ARN_RE);
      assert.equal(it.status, 'PENDING');
      assert.ok(it.createdAt instanceof Date);
      assert.deepEqual(it.tags, {});
      assert.ok(it.txtMethodConfig?.name && it.txtMethodConfig?.value);
    }
    // Same again: stable.
    assert.deepEqual((await listAll(vl, 2)).items.map((i) => i.id), ids);
    // One page when it fits; an exactly full page has no nextToken.
    const one = await vl.send(new ListDomainVerificationsCommand({ maxResults: 5 }));
    assert.equal(one.items.length, 5);
    assert.equal(one.nextToken, undefined);
    const all = await vl.send(new ListDomainVerificationsCommand({}));
    assert.deepEqual(all.items.map((i) => i.id), ids);
    // A manual walk with the raw commands gives the same.
    const first = await vl.send(new ListDomainVerificationsCommand({ maxResults: 3 }));
    const second = await vl.send(new ListDomainVerificationsCommand({ maxResults: 3, nextToken: first.nextToken }));
    assert.deepEqual([...first.items, ...second.items].map((i) => i.id), ids);
    assert.equal(second.nextToken, undefined);
  });

  test('DeleteDomainVerification by id and by ARN; then 404', async () => {
    const vl = client({ region: regionName('del') });
    const a = await vl.send(new StartDomainVerificationCommand({ domainName: `${uniq('a')}.example.com` }));
    const b = await vl.send(new StartDomainVerificationCommand({ domainName: `${uniq('b')}.example.com` }));
    const d1 = await vl.send(new DeleteDomainVerificationCommand({ domainVerificationIdentifier: a.id }));
    assert.equal(d1.$metadata.httpStatusCode, 200);
    await vl.send(new DeleteDomainVerificationCommand({ domainVerificationIdentifier: b.arn }));
    for (const id of [a.id, b.id]) {
      await expectError(vl.send(new GetDomainVerificationCommand({ domainVerificationIdentifier: id })),
        'ResourceNotFoundException', 404, { resourceId: id, resourceType: 'DOMAIN_VERIFICATION' });
      await expectError(vl.send(new DeleteDomainVerificationCommand({ domainVerificationIdentifier: id })),
        'ResourceNotFoundException', 404);
    }
    assert.deepEqual((await vl.send(new ListDomainVerificationsCommand({}))).items, []);
    // The domain can be started again.
    const again = await vl.send(new StartDomainVerificationCommand({ domainName: a.domainName }));
    assert.notEqual(again.id, a.id);
  });

  test('TagResource / UntagResource / ListTagsForResource on the percent-encoded ARN', async () => {
    const vl = client({ region: regionName('tags') });
    const s = await vl.send(new StartDomainVerificationCommand({
      domainName: `${uniq('tags')}.example.com`, tags: { a: '1' },
    }));
    const lt = async () => (await vl.send(new ListTagsForResourceCommand({ resourceArn: s.arn }))).tags;
    assert.deepEqual(await lt(), { a: '1' });
    const t = await vl.send(new TagResourceCommand({ resourceArn: s.arn, tags: { b: '2', a: '10', 'k y/z:=+-@_.': 'v w' } }));
    assert.equal(t.$metadata.httpStatusCode, 200);
    assert.deepEqual(await lt(), { a: '10', b: '2', 'k y/z:=+-@_.': 'v w' });
    const u = await vl.send(new UntagResourceCommand({ resourceArn: s.arn, tagKeys: ['a', 'k y/z:=+-@_.', 'never'] }));
    assert.equal(u.$metadata.httpStatusCode, 200);
    assert.deepEqual(await lt(), { b: '2' });
    const g = await vl.send(new GetDomainVerificationCommand({ domainVerificationIdentifier: s.id }));
    assert.deepEqual(g.tags, { b: '2' });
    // Unicode keys: 128 characters is the limit, counted in characters.
    await vl.send(new TagResourceCommand({ resourceArn: s.arn, tags: { ['é'.repeat(128)]: 'ü'.repeat(256) } }));
    assert.equal((await lt())['é'.repeat(128)], 'ü'.repeat(256));
    await expectError(vl.send(new TagResourceCommand({ resourceArn: s.arn, tags: { ['é'.repeat(129)]: 'v' } })),
      'ValidationException', 400);
  });

  test('tag limits: aws: prefix, characters, lengths, 50 per resource, 200 keys per untag', async () => {
    const vl = client({ region: regionName('taglim') });
    const s = await vl.send(new StartDomainVerificationCommand({ domainName: `${uniq('lim')}.example.com` }));
    const bad = [
      [{ 'aws:reserved': 'v' }, /must not start with 'aws:'/],
      [{ 'a*b': 'v' }, /regular expression pattern/],
      [{ k: 'a#b' }, /regular expression pattern/],
      [{ ['k'.repeat(129)]: 'v' }, /length between 1 and 128/],
      [{ k: 'v'.repeat(257) }, /less than or equal to 256/],
    ];
    for (const [tags, msg] of bad) {
      const err = await expectError(vl.send(new TagResourceCommand({ resourceArn: s.arn, tags })),
        'ValidationException', 400, { reason: 'fieldValidationFailed' });
      assert.match(err.message, msg);
      assert.ok(err.fieldList?.[0]?.name?.startsWith('tags'), JSON.stringify(err.fieldList));
      // Same rules at start.
      await expectError(vl.send(new StartDomainVerificationCommand({ domainName: `${uniq('x')}.example.com`, tags })),
        'ValidationException', 400);
    }
    const tags50 = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`k${i}`, 'v']));
    const tags51 = { ...tags50, k50: 'v' };
    await expectError(vl.send(new TagResourceCommand({ resourceArn: s.arn, tags: tags51 })), 'ValidationException', 400);
    await vl.send(new TagResourceCommand({ resourceArn: s.arn, tags: tags50 }));
    // At 50, one more is too many; an overwrite is not.
    await expectError(vl.send(new TagResourceCommand({ resourceArn: s.arn, tags: { extra: 'v' } })),
      'ValidationException', 400);
    await vl.send(new TagResourceCommand({ resourceArn: s.arn, tags: { k0: 'new' } }));
    const now = (await vl.send(new ListTagsForResourceCommand({ resourceArn: s.arn }))).tags;
    assert.equal(Object.keys(now).length, 50);
    assert.equal(now.k0, 'new');
    const keys200 = Array.from({ length: 200 }, (_, i) => `k${i}`);
    await expectError(vl.send(new UntagResourceCommand({ resourceArn: s.arn, tagKeys: [...keys200, 'k200'] })),
      'ValidationException', 400, { reason: 'fieldValidationFailed' });
    await vl.send(new UntagResourceCommand({ resourceArn: s.arn, tagKeys: keys200 }));
    assert.deepEqual((await vl.send(new ListTagsForResourceCommand({ resourceArn: s.arn }))).tags, {});
    await expectError(vl.send(new StartDomainVerificationCommand({ domainName: `${uniq('x')}.example.com`, tags: tags51 })),
      'ValidationException', 400);
    await vl.send(new StartDomainVerificationCommand({ domainName: `${uniq('x')}.example.com`, tags: tags50 }));
  });

  test('idempotent retries: same clientToken returns the same id, no new resource', async () => {
    const region = regionName('idem');
    const vl = client({ region });
    const clientToken = uniq('tok');
    const input = { domainName: `${uniq('idem')}.example.com`, clientToken, tags: { a: '1' } };
    const first = await vl.send(new StartDomainVerificationCommand(input));
    const retries = await Promise.all(Array.from({ length: 5 }, () => vl.send(new StartDomainVerificationCommand(input))));
    for (const r of retries) {
      assert.equal(r.$metadata.httpStatusCode, 201);
      assert.equal(r.id, first.id);
      assert.equal(r.arn, first.arn);
      assert.deepEqual(r.txtMethodConfig, first.txtMethodConfig);
    }
    // Even after a tag change and a delete, the retry answers the original response.
    await vl.send(new TagResourceCommand({ resourceArn: first.arn, tags: { b: '2' } }));
    assert.equal((await vl.send(new StartDomainVerificationCommand(input))).id, first.id);
    assert.equal((await vl.send(new ListDomainVerificationsCommand({}))).items.length, 1);
    // The SDK fills a fresh token when none is given: two calls are two requests.
    const auto = await vl.send(new StartDomainVerificationCommand({ domainName: `${uniq('auto')}.example.com` }));
    await expectError(vl.send(new StartDomainVerificationCommand({ domainName: auto.domainName })),
      'ConflictException', 409, { resourceId: auto.id });
    assert.equal((await vl.send(new ListDomainVerificationsCommand({}))).items.length, 2);
  });

  test('ConflictException 409: token reuse with other parameters; duplicate live domain', async () => {
    const vl = client({ region: regionName('conflict') });
    const clientToken = uniq('tok');
    const domain = `${uniq('conf')}.example.com`;
    const first = await vl.send(new StartDomainVerificationCommand({ domainName: domain, clientToken }));
    await expectError(vl.send(new StartDomainVerificationCommand({ domainName: `x${domain}`, clientToken })),
      'ConflictException', 409, { resourceType: 'DOMAIN_VERIFICATION' });
    await expectError(vl.send(new StartDomainVerificationCommand({ domainName: domain, clientToken, tags: { k: 'v' } })),
      'ConflictException', 409);
    const dup = await expectError(vl.send(new StartDomainVerificationCommand({ domainName: domain.toUpperCase() })),
      'ConflictException', 409, { resourceId: first.id, resourceType: 'DOMAIN_VERIFICATION' });
    assert.ok(dup.message.includes(first.id), dup.message);
    // Other regions are independent.
    const other = client({ region: regionName('conflict2') });
    const r = await other.send(new StartDomainVerificationCommand({ domainName: domain, clientToken }));
    assert.notEqual(r.id, first.id);
  });

  test('races: one token, one domain, the quota, each decided exactly once', async () => {
    const vl = client({ region: regionName('race') });
    // Ten concurrent first sends with one client token: one resource.
    const input = { domainName: `${uniq('race')}.example.com`, clientToken: uniq('tok') };
    const same = await Promise.all(Array.from({ length: 10 }, () => vl.send(new StartDomainVerificationCommand(input))));
    assert.equal(new Set(same.map((r) => r.id)).size, 1);
    // Ten concurrent starts of one domain with distinct tokens: one wins.
    const domain = `${uniq('race2')}.example.com`;
    const results = await Promise.allSettled(Array.from({ length: 10 }, () =>
      vl.send(new StartDomainVerificationCommand({ domainName: domain }))));
    const won = results.filter((r) => r.status === 'fulfilled');
    assert.equal(won.length, 1);
    for (const r of results.filter((x) => x.status === 'rejected')) {
      assert.equal(r.reason.name, 'ConflictException');
      assert.equal(r.reason.resourceId, won[0].value.id);
    }
    // Ten concurrent starts against 3 free slots: exactly 3 succeed.
    const burst = await Promise.allSettled(Array.from({ length: 10 }, (_, i) =>
      vl.send(new StartDomainVerificationCommand({ domainName: `q${i}-${uniq('race3')}.example.com` }))));
    assert.equal(burst.filter((r) => r.status === 'fulfilled').length, 3);
    for (const r of burst.filter((x) => x.status === 'rejected')) {
      assert.equal(r.reason.name, 'ServiceQuotaExceededException');
      assert.equal(r.reason.$metadata.httpStatusCode, 402);
    }
    assert.equal((await vl.send(new ListDomainVerificationsCommand({}))).items.length, 5);
  });

  test('ServiceQuotaExceededException 402 on the 6th start in a region', async () => {
    const region = regionName('quota');
    const vl = client({ region });
    for (let i = 0; i < 5; i++) {
      await vl.send(new StartDomainVerificationCommand({ domainName: `q${i}-${uniq('q')}.example.com` }));
    }
    await expectError(vl.send(new StartDomainVerificationCommand({ domainName: `q5-${uniq('q')}.example.com` })),
      'ServiceQuotaExceededException', 402,
      { serviceCode: 'vpc-lattice', quotaCode: 'L-73D0F278', resourceType: 'DOMAIN_VERIFICATION' });
    assert.equal((await vl.send(new ListDomainVerificationsCommand({}))).items.length, 5);
    // A delete frees a slot.
    const first = (await vl.send(new ListDomainVerificationsCommand({ maxResults: 1 }))).items[0];
    await vl.send(new DeleteDomainVerificationCommand({ domainVerificationIdentifier: first.id }));
    await vl.send(new StartDomainVerificationCommand({ domainName: `q6-${uniq('q')}.example.com` }));
  });

  test('ValidationException 400: domain names, client tokens, maxResults, forged nextToken', async () => {
    const region = regionName('valid');
    const vl = client({ region });
    for (const domainName of ['ab', 'a'.repeat(256), 'not a domain', 'example', 'example.com.', '-x.example.com', 'exa_mple.com']) {
      const err = await expectError(vl.send(new StartDomainVerificationCommand({ domainName })),
        'ValidationException', 400, { reason: 'fieldValidationFailed' });
      assert.deepEqual(err.fieldList?.map((f) => f.name), ['domainName'], domainName);
      assert.match(err.message, /^1 validation error detected: /);
    }
    // _<20 chars>.<domain> must fit a DNS name (253 characters): 231 is the longest.
    const ofLength = (n) => {
      const head = `${uniq('len')}.`;
      let rest = n - head.length - 3;
      let out = head;
      while (rest > 0) {
        let size = Math.min(63, rest - 1);
        if (rest - (size + 1) === 1) size -= 1;
        out += `${'a'.repeat(size)}.`;
        rest -= size + 1;
      }
      assert.equal(`${out}com`.length, n);
      return `${out}com`;
    };
    const longest = await vl.send(new StartDomainVerificationCommand({ domainName: ofLength(231) }));
    assert.equal(longest.txtMethodConfig.name.length + 1 + 231, 253);
    const tooLong = await expectError(vl.send(new StartDomainVerificationCommand({ domainName: ofLength(232) })),
      'ValidationException', 400, { reason: 'fieldValidationFailed' });
    assert.deepEqual(tooLong.fieldList?.map((f) => f.name), ['domainName']);
    for (const clientToken of ['', 'x'.repeat(65), '   ']) {
      const err = await expectError(vl.send(new StartDomainVerificationCommand({ domainName: `${uniq('ct')}.example.com`, clientToken })),
        'ValidationException', 400);
      assert.deepEqual(err.fieldList?.map((f) => f.name), ['clientToken']);
    }
    await vl.send(new StartDomainVerificationCommand({ domainName: `${uniq('ct')}.example.com`, clientToken: 'x'.repeat(64) }));
    for (const maxResults of [0, 101, -1]) {
      const err = await expectError(vl.send(new ListDomainVerificationsCommand({ maxResults })), 'ValidationException', 400);
      assert.deepEqual(err.fieldList?.map((f) => f.name), ['maxResults']);
    }
    for (const maxResults of [1, 100]) {
      assert.equal((await vl.send(new ListDomainVerificationsCommand({ maxResults }))).$metadata.httpStatusCode, 200);
    }
    // A second item so that page one has a genuine token to tamper with.
    await vl.send(new StartDomainVerificationCommand({ domainName: `${uniq('tamper')}.example.com` }));
    const real = (await vl.send(new ListDomainVerificationsCommand({ maxResults: 1 }))).nextToken;
    assert.ok(real);
    const flipped = real.slice(0, 5) + (real[5] === 'A' ? 'B' : 'A') + real.slice(6);
    for (const nextToken of ['forged', flipped, `${real}x`, Buffer.from('1.0123456789abcdef').toString('base64url')]) {
      const err = await expectError(vl.send(new ListDomainVerificationsCommand({ nextToken })),
        'ValidationException', 400, { reason: 'fieldValidationFailed' });
      assert.deepEqual(err.fieldList?.map((f) => f.name), ['nextToken']);
    }
    // A token from another region, or another account, is no key here.
    const other = client({ region: regionName('valid-other') });
    await other.send(new StartDomainVerificationCommand({ domainName: `${uniq('o1')}.example.com` }));
    await other.send(new StartDomainVerificationCommand({ domainName: `${uniq('o2')}.example.com` }));
    const foreign = (await other.send(new ListDomainVerificationsCommand({ maxResults: 1 }))).nextToken;
    assert.ok(foreign);
    await expectError(vl.send(new ListDomainVerificationsCommand({ nextToken: foreign })), 'ValidationException', 400);
    // The control: each token is a key where it was issued.
    await other.send(new ListDomainVerificationsCommand({ nextToken: foreign }));
    await vl.send(new ListDomainVerificationsCommand({ nextToken: real }));
    // Identifiers that are neither an id nor an ARN.
    await expectError(vl.send(new GetDomainVerificationCommand({ domainVerificationIdentifier: 'nope' })),
      'ValidationException', 400);
    await expectError(vl.send(new ListTagsForResourceCommand({ resourceArn: 'dv-0123456789abcdef0' })),
      'ValidationException', 400);
  });

  test('ResourceNotFoundException 404: unknown id, other account\'s and other region\'s ARN', async () => {
    const region = regionName('nf');
    const vl = client({ region });
    const s = await vl.send(new StartDomainVerificationCommand({ domainName: `${uniq('nf')}.example.com` }));
    await expectError(vl.send(new GetDomainVerificationCommand({ domainVerificationIdentifier: 'dv-0123456789abcdef0' })),
      'ResourceNotFoundException', 404, { resourceId: 'dv-0123456789abcdef0', resourceType: 'DOMAIN_VERIFICATION' });
    const otherAccountArn = arnOf(s.id, region, '999988887777');
    const otherRegionArn = arnOf(s.id, regionName('nf-elsewhere'));
    for (const arn of [otherAccountArn, otherRegionArn]) {
      await expectError(vl.send(new GetDomainVerificationCommand({ domainVerificationIdentifier: arn })),
        'ResourceNotFoundException', 404, { resourceId: arn });
      await expectError(vl.send(new DeleteDomainVerificationCommand({ domainVerificationIdentifier: arn })),
        'ResourceNotFoundException', 404);
      await expectError(vl.send(new ListTagsForResourceCommand({ resourceArn: arn })), 'ResourceNotFoundException', 404);
      await expectError(vl.send(new TagResourceCommand({ resourceArn: arn, tags: { k: 'v' } })), 'ResourceNotFoundException', 404);
      await expectError(vl.send(new UntagResourceCommand({ resourceArn: arn, tagKeys: ['k'] })), 'ResourceNotFoundException', 404);
    }
    // Still there, untouched.
    const g = await vl.send(new GetDomainVerificationCommand({ domainVerificationIdentifier: s.arn }));
    assert.deepEqual(g.tags, {});
  });

  test('account isolation: a second account added on the running server', async () => {
    const region = regionName('acct');
    const mine = client({ region });
    const s = await mine.send(new StartDomainVerificationCommand({ domainName: `${uniq('acct')}.example.com` }));
    const accountId = '210987654321';
    const key = randomAccessKey();
    const secret = randomSecret();
    server.accountAdd(accountId, key, secret);
    const theirs = client({ region, key, secret });
    // Their view is empty; our id and ARN are unknown to them.
    assert.deepEqual((await theirs.send(new ListDomainVerificationsCommand({}))).items, []);
    await expectError(theirs.send(new GetDomainVerificationCommand({ domainVerificationIdentifier: s.id })),
      'ResourceNotFoundException', 404);
    await expectError(theirs.send(new GetDomainVerificationCommand({ domainVerificationIdentifier: s.arn })),
      'ResourceNotFoundException', 404);
    await expectError(theirs.send(new DeleteDomainVerificationCommand({ domainVerificationIdentifier: s.id })),
      'ResourceNotFoundException', 404);
    await expectError(theirs.send(new TagResourceCommand({ resourceArn: s.arn, tags: { k: 'v' } })),
      'ResourceNotFoundException', 404);
    // The same domain is free for them, with their own ARN and quota.
    const t = await theirs.send(new StartDomainVerificationCommand({ domainName: s.domainName }));
    assert.equal(t.arn, arnOf(t.id, region, accountId));
    assert.notEqual(t.id, s.id);
    assert.deepEqual((await theirs.send(new ListDomainVerificationsCommand({}))).items.map((i) => i.id), [t.id]);
    assert.deepEqual((await mine.send(new ListDomainVerificationsCommand({}))).items.map((i) => i.id), [s.id]);
    assert.deepEqual((await mine.send(new ListTagsForResourceCommand({ resourceArn: s.arn }))).tags, {});
    assert.equal(s.arn, arnOf(s.id, region, ROOT_ACCOUNT_ID));
  });

  test('region isolation', async () => {
    const east = client({ region: regionName('iso-a') });
    const west = client({ region: regionName('iso-b') });
    const s = await east.send(new StartDomainVerificationCommand({ domainName: `${uniq('iso')}.example.com` }));
    assert.deepEqual((await west.send(new ListDomainVerificationsCommand({}))).items, []);
    await expectError(west.send(new GetDomainVerificationCommand({ domainVerificationIdentifier: s.id })),
      'ResourceNotFoundException', 404);
    await expectError(west.send(new GetDomainVerificationCommand({ domainVerificationIdentifier: s.arn })),
      'ResourceNotFoundException', 404);
    const w = await west.send(new StartDomainVerificationCommand({ domainName: s.domainName }));
    assert.notEqual(w.id, s.id);
    assert.equal((await east.send(new ListDomainVerificationsCommand({}))).items.length, 1);
  });

  test('auth errors: InvalidSignatureException, UnrecognizedClientException, expired (403)', async () => {
    const region = regionName('auth');
    const good = client({ region });
    await good.send(new ListDomainVerificationsCommand({}));
    const wrongSecret = client({ region, secret: 'definitely-not-the-secret' });
    await expectError(wrongSecret.send(new ListDomainVerificationsCommand({})),
      'InvalidSignatureException', 403,
      { message: 'The request signature we calculated does not match the signature you provided. ' +
        'Check your AWS Secret Access Key and signing method. Consult the service documentation for details.' });
    await expectError(wrongSecret.send(new StartDomainVerificationCommand({ domainName: `${uniq('a')}.example.com` })),
      'InvalidSignatureException', 403);
    const unknown = client({ region, key: randomAccessKey() });
    await expectError(unknown.send(new ListDomainVerificationsCommand({})),
      'UnrecognizedClientException', 403, { message: 'The security token included in the request is invalid.' });
    const skewed = client({ region, systemClockOffset: -10 * 60 * 1000 });
    await expectError(skewed.send(new ListDomainVerificationsCommand({})), 'InvalidSignatureException', 403,
      { message: /^Signature expired: / });
    // A region neither AWS's nor named with --region.
    const nowhere = client({ region: 'zz-fake-9' });
    await expectError(nowhere.send(new ListDomainVerificationsCommand({})), 'InvalidSignatureException', 403,
      { message: "Credential should be scoped to a valid region, not 'zz-fake-9'. " });
    assert.deepEqual((await good.send(new ListDomainVerificationsCommand({}))).items, []);
  });

  test('raw HTTP: unknown route and method, non-JSON body, missing auth', async () => {
    const res = await fetch(`${server.endpoint}/domainverifications`, { method: 'GET' });
    assert.equal(res.status, 403);
    assert.equal(res.headers.get('x-amzn-errortype'), 'MissingAuthenticationTokenException');
    assert.deepEqual(await res.json(), { message: 'Missing Authentication Token' });
    const nowhere = await fetch(`${server.endpoint}/services`, { method: 'GET' });
    assert.equal(nowhere.status, 404);
    assert.equal(nowhere.headers.get('x-amzn-errortype'), 'UnknownOperationException');
    assert.equal(typeof (await nowhere.json()).message, 'string');
  });
});

describe('VPC Lattice throttling (--rate-limit StartDomainVerification=1)', () => {
  let server;
  let vl;
  before(async () => {
    server = await startVouch({ args: ['--rate-limit', 'StartDomainVerification=1', ...REGION_ARGS] });
    vl = lattice(server, { region: regionName('throttle') });
  });
  after(async () => {
    vl?.destroy();
    await server?.stop();
  });

  test('ThrottlingException 429 with Retry-After; other operations unaffected', async () => {
    await vl.send(new StartDomainVerificationCommand({ domainName: `${uniq('t1')}.example.com` }));
    const err = await expectError(vl.send(new StartDomainVerificationCommand({ domainName: `${uniq('t2')}.example.com` })),
      'ThrottlingException', 429, { serviceCode: 'vpc-lattice', message: 'Rate exceeded' });
    assert.equal(err.retryAfterSeconds, 1);
    assert.equal(err.$retryable?.throttling, true);
    for (let i = 0; i < 5; i++) await vl.send(new ListDomainVerificationsCommand({}));
    await new Promise((r) => setTimeout(r, 1100));
    await vl.send(new StartDomainVerificationCommand({ domainName: `${uniq('t3')}.example.com` }));
    assert.equal((await vl.send(new ListDomainVerificationsCommand({}))).items.length, 2);
  });
});

describe('VPC Lattice restart and crash durability', () => {
  test('SIGTERM + restart on the same data keeps verifications, tags, createdAt, tokens, accounts', async () => {
    let server = await startVouch({ args: REGION_ARGS });
    const region = regionName('restart');
    const key = randomAccessKey();
    const secret = randomSecret();
    server.accountAdd('333344445555', key, secret);
    let vl = lattice(server, { region });
    let other = lattice(server, { region, key, secret });
    const clientToken = uniq('tok');
    const input = { domainName: `${uniq('rs')}.example.com`, clientToken, tags: { a: '1' } };
    try {
      const s = await vl.send(new StartDomainVerificationCommand(input));
      await vl.send(new TagResourceCommand({ resourceArn: s.arn, tags: { b: '2' } }));
      const b = await vl.send(new StartDomainVerificationCommand({ domainName: `${uniq('rs2')}.example.com` }));
      const o = await other.send(new StartDomainVerificationCommand({ domainName: input.domainName }));
      const before = await vl.send(new GetDomainVerificationCommand({ domainVerificationIdentifier: s.id }));
      const listBefore = (await listAll(vl, 1)).items;

      const exit = await server.halt('SIGTERM');
      assert.equal(exit.code, 0, `exit ${JSON.stringify(exit)}`);
      vl.destroy();
      other.destroy();
      server = await startVouch({ dataDir: server.dataDir, args: REGION_ARGS });
      vl = lattice(server, { region });
      other = lattice(server, { region, key, secret });

      const after = await vl.send(new GetDomainVerificationCommand({ domainVerificationIdentifier: s.arn }));
      for (const k of ['id', 'arn', 'domainName', 'status', 'txtMethodConfig', 'tags', 'createdAt']) {
        assert.deepEqual(after[k], before[k], k);
      }
      assert.deepEqual(after.tags, { a: '1', b: '2' });
      assert.deepEqual((await vl.send(new ListTagsForResourceCommand({ resourceArn: s.arn }))).tags, { a: '1', b: '2' });
      assert.deepEqual((await listAll(vl, 1)).items, listBefore);
      assert.deepEqual(listBefore.map((i) => i.id), [s.id, b.id]);
      // The client token is remembered across the restart.
      const replay = await vl.send(new StartDomainVerificationCommand(input));
      assert.equal(replay.id, s.id);
      await expectError(vl.send(new StartDomainVerificationCommand({ ...input, domainName: `x${input.domainName}` })),
        'ConflictException', 409);
      // The added account still authenticates and sees only its own.
      assert.deepEqual((await other.send(new ListDomainVerificationsCommand({}))).items.map((i) => i.id), [o.id]);
      assert.equal((await vl.send(new ListDomainVerificationsCommand({}))).items.length, 2);
    } finally {
      vl.destroy();
      other.destroy();
      await server.stop();
    }
  });

  test('SIGKILL during a burst of starts: every acknowledged start survives; retries replay', async (t) => {
    const REGIONS = 40;
    const PER_REGION = 5;
    let server = await startVouch({ args: REGION_ARGS });
    const regions = Array.from({ length: REGIONS }, (_, i) => regionName(`burst${i}`));
    let clients = new Map(regions.map((r) => [r, lattice(server, { region: r })]));
    const requests = [];
    for (const region of regions) {
      for (let j = 0; j < PER_REGION; j++) {
        requests.push({ region, input: { domainName: `b${j}-${uniq('burst')}.example.com`, clientToken: uniq('bt'), tags: { n: String(j) } } });
      }
    }
    const acked = [];
    const KILL_AFTER = 40;
    let killed;
    let resolveKill;
    const killSignal = new Promise((r) => { resolveKill = r; });
    try {
      // 25 callers keep the server busy; the kill lands while some of their
      // calls are in flight and others are not sent yet.
      const queue = [...requests];
      const worker = async () => {
        for (let req = queue.shift(); req; req = queue.shift()) {
          try {
            const r = await clients.get(req.region).send(new StartDomainVerificationCommand(req.input));
            acked.push({ ...req, id: r.id, arn: r.arn, txt: r.txtMethodConfig });
            if (acked.length === KILL_AFTER) {
              server.proc.kill('SIGKILL');  // at once, while the rest are in flight
              resolveKill();
            }
          } catch (e) {
            req.error = e;
          }
        }
      };
      const sends = Array.from({ length: 25 }, worker);
      await Promise.race([killSignal, Promise.all(sends)]);
      killed = await server.halt('SIGKILL');
      const ackedAtKill = acked.length;
      await Promise.allSettled(sends);
      assert.equal(killed.signal, 'SIGKILL');
      assert.ok(ackedAtKill >= KILL_AFTER, `only ${ackedAtKill} acknowledged`);
      const cutOff = requests.filter((r) => r.error);
      t.diagnostic(`${ackedAtKill} acknowledged before the kill, ${acked.length} in all, ` +
        `${cutOff.length} cut off`);
      for (const req of cutOff) {
        // Calls cut off by the kill fail in transport (or as a 5xx), never as a 4xx API error.
        const status = req.error.$metadata?.httpStatusCode;
        assert.ok(status === undefined || status >= 500, `unexpected API error ${req.error.name} ${status}`);
      }
      assert.equal(acked.length + cutOff.length, requests.length);

      for (const c of clients.values()) c.destroy();
      server = await startVouch({ dataDir: server.dataDir, args: REGION_ARGS });
      clients = new Map(regions.map((r) => [r, lattice(server, { region: r })]));

      const countBefore = new Map();
      for (const region of regions) {
        const { items } = await listAll(clients.get(region), 100);
        countBefore.set(region, items.map((i) => i.id));
        assert.ok(items.length <= PER_REGION);
        assert.equal(new Set(items.map((i) => i.domainName)).size, items.length, 'a duplicate domain');
      }
      // Every acknowledged start exists, unchanged.
      for (const a of acked) {
        const g = await clients.get(a.region).send(new GetDomainVerificationCommand({ domainVerificationIdentifier: a.id }));
        assert.equal(g.arn, a.arn);
        assert.equal(g.domainName, a.input.domainName);
        assert.deepEqual(g.txtMethodConfig, a.txt);
        assert.deepEqual(g.tags, a.input.tags);
      }
      // Re-sending each acknowledged request replays it, in parallel too.
      const replays = await Promise.all(acked.map((a) =>
        clients.get(a.region).send(new StartDomainVerificationCommand(a.input))));
      replays.forEach((r, i) => assert.equal(r.id, acked[i].id));
      for (const region of regions) {
        const { items } = await listAll(clients.get(region), 100);
        assert.deepEqual(items.map((i) => i.id), countBefore.get(region), `list changed in ${region}`);
      }
      // Requests that were cut off: a retry either creates once or replays.
      const unacked = cutOff;
      const retried = await Promise.all(unacked.map((r) => clients.get(r.region).send(new StartDomainVerificationCommand(r.input))));
      const again = await Promise.all(unacked.map((r) => clients.get(r.region).send(new StartDomainVerificationCommand(r.input))));
      retried.forEach((r, i) => assert.equal(again[i].id, r.id));
      for (const region of regions) {
        const { items } = await listAll(clients.get(region), 100);
        assert.equal(items.length, PER_REGION, `${region} after retries`);
      }
    } finally {
      for (const c of clients.values()) c.destroy();
      await server.stop();
    }
  });
});
