// Helpers for lattice.test.mjs: a VPC Lattice client for a vouch server,
// error assertions and a paginator walk.  Not a test file itself.

import assert from 'node:assert/strict';

import { VPCLatticeClient, paginateListDomainVerifications } from '@aws-sdk/client-vpc-lattice';

import { ROOT_ACCOUNT_ID, ROOT_KEY, ROOT_SECRET } from './harness.mjs';

export { expectError } from './harness.mjs';

export const ID_RE = /^dv-[0-9a-f]{17}$/;
export const ARN_RE = /^arn:aws:vpc-lattice:[a-z0-9-]+:\d{12}:domainverification\/dv-[0-9a-f]{17}$/;
export const TXT_NAME_RE = /^_[a-z2-7]{20}$/;
export const TXT_VALUE_RE = /^vpc-lattice:[a-z2-7]{32}$/;

// Each test has a region of its own (its own quota, isolation from the others).
// vouch accepts only AWS's regions plus those named with --region, so the
// servers these tests start get REGION_ARGS.
const STEMS = ['start', 'idn', 'get', 'page', 'del', 'tags', 'taglim', 'idem', 'conflict',
  'conflict2', 'race', 'quota', 'valid', 'valid-other', 'nf', 'nf-elsewhere', 'acct', 'iso-a',
  'iso-b', 'auth', 'throttle', 'restart', ...Array.from({ length: 40 }, (_, i) => `burst${i}`)];

export const REGION_ARGS = STEMS.flatMap((stem) => ['--region', `vt-${stem}-1`]);

/** The region of one test; the stem must be in STEMS. */
export function regionName(stem) {
  if (!STEMS.includes(stem)) throw new Error(`regionName('${stem}'): add the stem to STEMS`);
  return `vt-${stem}-1`;
}

export function arnOf(id, region, account = ROOT_ACCOUNT_ID) {
  return `arn:aws:vpc-lattice:${region}:${account}:domainverification/${id}`;
}

/** A client that never retries (so 429/5xx surface as they are). */
export function lattice(server, { region = 'us-east-1', key = ROOT_KEY, secret = ROOT_SECRET,
  ...rest } = {}) {
  return new VPCLatticeClient({
    endpoint: server.endpoint,
    region,
    credentials: { accessKeyId: key, secretAccessKey: secret },
    maxAttempts: 1,
    ...rest,
  });
}

/** Every item via the SDK paginator; also the pages as returned. */
export async function listAll(client, pageSize, input = {}) {
  const items = [];
  const pages = [];
  for await (const page of paginateListDomainVerifications({ client, pageSize }, input)) {
    pages.push(page);
    items.push(...page.items);
  }
  return { items, pages };
}
