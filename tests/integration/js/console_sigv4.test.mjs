// The web console's SigV4 signer (ui/js/sigv4.js, WebCrypto) against AWS's
// published test suite, the same vectors src/auth/sigv4_suite_test.cc uses:
// canonical request, string to sign and Authorization, case by case.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { REPO } from './harness.mjs';
import { sign } from '../../../ui/js/sigv4.js';

const SUITE = path.join(REPO, 'tests', 'testdata', 'sigv4');
const CASES = fs.readdirSync(SUITE).filter((d) => /^(get|post)-/.test(d)).sort();
const SECRET = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY';

// A .req file: "METHOD TARGET HTTP/1.1", "Name:value" lines, a blank line, the body.
function parseReq(text) {
  const [head, ...rest] = text.split('\n\n');
  const lines = head.split('\n');
  const first = lines[0];
  const method = first.slice(0, first.indexOf(' '));
  const target = first.slice(method.length + 1, first.lastIndexOf(' HTTP/'));
  const q = target.indexOf('?');
  const headers = lines.slice(1).map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1)]);
  return { method, path: q < 0 ? target : target.slice(0, q), query: q < 0 ? '' : target.slice(q + 1),
    headers, body: rest.join('\n\n') };
}

test('the suite has the cases the C++ tests use', () => {
  assert.ok(CASES.length >= 28, CASES.join(' '));
  assert.ok(CASES.includes('get-vanilla') && CASES.includes('post-x-www-form-urlencoded'));
});

for (const name of CASES) {
  test(`SigV4 suite: ${name}`, async () => {
    const file = (ext) => fs.readFileSync(path.join(SUITE, name, `${name}.${ext}`), 'utf8');
    const sts = file('sts');
    const [, amzDate, scope] = sts.split('\n');
    const [, region, service] = scope.split('/');
    const signed = await sign({ ...parseReq(file('req')), accessKeyId: 'AKIDEXAMPLE',
      secretAccessKey: SECRET, region, service, amzDate });
    assert.equal(signed.canonicalRequest, file('creq'));
    assert.equal(signed.stringToSign, sts);
    assert.equal(signed.authorization, file('authz'));
  });
}

test('a different secret gives a different signature (the control)', async () => {
  const req = parseReq(fs.readFileSync(path.join(SUITE, 'get-vanilla', 'get-vanilla.req'), 'utf8'));
  const args = { ...req, accessKeyId: 'AKIDEXAMPLE', region: 'us-east-1', service: 'service',
    amzDate: '20150830T123600Z' };
  const good = await sign({ ...args, secretAccessKey: SECRET });
  const bad = await sign({ ...args, secretAccessKey: `${SECRET}x` });
  assert.notEqual(good.signature, bad.signature);
  assert.equal(good.canonicalRequest, bad.canonicalRequest);
});
