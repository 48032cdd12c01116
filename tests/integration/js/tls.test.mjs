// HTTPS on the listener through the AWS SDK for JavaScript v3: a test CA
// made here with the openssl command, a NodeHttpHandler whose https.Agent
// trusts it, SES v1 and v2 calls over TLS 1.2 and 1.3, and the same client
// without the CA refused.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';

import {
  GetIdentityVerificationAttributesCommand,
  SESClient,
  VerifyDomainIdentityCommand,
} from '@aws-sdk/client-ses';
import { CreateEmailIdentityCommand, GetEmailIdentityCommand, SESv2Client } from '@aws-sdk/client-sesv2';
// The SDK's own handler (a dependency of the clients).
import { NodeHttpHandler } from '@smithy/node-http-handler';

import { getText, ROOT_KEY, ROOT_SECRET, startVouch, uniq } from './harness.mjs';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vouch-js-tls-'));
const file = (name) => path.join(dir, name);

function openssl(...args) {
  const r = spawnSync('openssl', args, { encoding: 'utf8', timeout: 30_000 });
  if (r.status !== 0) throw new Error(`openssl ${args.join(' ')} failed: ${r.stderr}`);
}

// A CA, and a certificate it signs for 127.0.0.1 and localhost (serial 4242).
function makePki() {
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  openssl('req', '-x509', ...ec, '-keyout', file('ca-key.pem'), '-out', file('ca.pem'),
    '-days', '1', '-subj', '/CN=vouch js test CA');
  openssl('req', ...ec, '-keyout', file('key.pem'), '-out', file('server.csr'),
    '-subj', '/CN=localhost');
  fs.writeFileSync(file('ext.cnf'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' +
    'extendedKeyUsage=serverAuth\nbasicConstraints=critical,CA:FALSE\n');
  openssl('x509', '-req', '-in', file('server.csr'), '-CA', file('ca.pem'), '-CAkey',
    file('ca-key.pem'), '-set_serial', '4242', '-days', '1', '-out', file('cert.pem'),
    '-extfile', file('ext.cnf'));
}

let server;
let ca;

before(async () => {
  makePki();
  ca = fs.readFileSync(file('ca.pem'));
  server = await startVouch({
    args: ['--tls-cert', file('cert.pem'), '--tls-key', file('key.pem')], tlsCa: ca,
  });
});

after(async () => {
  await server?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

function clientConfig(trustedCa) {
  const httpsAgent = new https.Agent({ ca: trustedCa, keepAlive: true });
  return {
    endpoint: server.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: ROOT_KEY, secretAccessKey: ROOT_SECRET },
    requestHandler: new NodeHttpHandler({ httpsAgent }),
    maxAttempts: 1,
  };
}

test('SES v1 and v2 over HTTPS with the test CA', async () => {
  assert.match(server.endpoint, /^https:\/\/127\.0\.0\.1:\d+$/);
  const ses = new SESClient(clientConfig(ca));
  const domain = `${uniq('tls')}.example.com`;
  const { VerificationToken } = await ses.send(new VerifyDomainIdentityCommand({ Domain: domain }));
  assert.match(VerificationToken, /^[A-Za-z0-9+/]{43}=$/);
  const attrs = await ses.send(new GetIdentityVerificationAttributesCommand({ Identities: [domain] }));
  assert.deepEqual(attrs.VerificationAttributes[domain],
    { VerificationStatus: 'Pending', VerificationToken });

  const v2 = new SESv2Client(clientConfig(ca));
  const other = `${uniq('tlsv2')}.example.com`;
  const created = await v2.send(new CreateEmailIdentityCommand({ EmailIdentity: other }));
  assert.equal(created.IdentityType, 'DOMAIN');
  const got = await v2.send(new GetEmailIdentityCommand({ EmailIdentity: domain }));
  assert.equal(got.VerifiedForSendingStatus, false);
});

test('without the test CA the SDK refuses the server', async () => {
  const ses = new SESClient(clientConfig(undefined));
  await assert.rejects(
    ses.send(new GetIdentityVerificationAttributesCommand({ Identities: ['x.example.com'] })),
    (e) => /CERT|VERIFY|certificate/.test(`${e.code} ${e.message}`),
  );
  // The same call with the CA (the positive control).
  const ok = new SESClient(clientConfig(ca));
  await ok.send(new GetIdentityVerificationAttributesCommand({ Identities: ['x.example.com'] }));
});

function handshake(version) {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({
      host: '127.0.0.1', port: server.port, ca, minVersion: version, maxVersion: version,
    }, () => {
      resolve({ protocol: socket.getProtocol(), serial: socket.getPeerCertificate().serialNumber });
      socket.end();
    });
    socket.on('error', reject);
  });
}

test('TLS 1.2 and 1.3 negotiated; the certificate is the one issued', async () => {
  for (const version of ['TLSv1.2', 'TLSv1.3']) {
    const { protocol, serial } = await handshake(version);
    assert.equal(protocol, version);
    assert.equal(parseInt(serial, 16), 4242);
  }
});

test('LocalStack health over HTTPS', async () => {
  const res = await getText(`${server.endpoint}/_localstack/health`, ca);
  assert.equal(res.status, 200);
  assert.deepEqual(JSON.parse(res.body).services,
    { ses: 'running', sesv2: 'running', 'vpc-lattice': 'running' });
});
