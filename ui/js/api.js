// Signed calls to vouch's own API. The credentials live in this module's
// memory only: not in storage, a cookie, a URL or a log; reloading the page
// forgets them. No ambient credential means no CSRF: a forged request from
// another page carries no signature.
import { amzDateOf, sign } from './sigv4.js';

let creds = null; // { accessKeyId, secretAccessKey, region }

export function signIn(c) { creds = { ...c }; }
export function signOut() { creds = null; }
export function signedIn() { return creds !== null; }
export function account() { return creds && { accessKeyId: creds.accessKeyId, region: creds.region }; }

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message || code || `HTTP ${status}`);
    this.status = status;
    this.code = code || `HTTP ${status}`;
  }
}

// JSON error bodies name the type in x-amzn-ErrorType; SES's XML in <Code>.
async function failure(res) {
  const text = await res.text();
  let code = (res.headers.get('x-amzn-ErrorType') || '').split(':')[0];
  let message = '';
  try {
    const body = JSON.parse(text);
    message = body.message || body.Message || '';
    code ||= body.__type || '';
  } catch {
    const doc = new DOMParser().parseFromString(text, 'application/xml');
    code ||= doc.querySelector('Code')?.textContent || '';
    message = doc.querySelector('Message')?.textContent || text.slice(0, 200);
  }
  return new ApiError(res.status, code, message);
}

/** One signed call; answers the response's text, or throws ApiError. */
export async function callText(method, path, { query = '', body = '', contentType = '' } = {}) {
  if (!creds) throw new ApiError(403, 'SignedOut', 'Sign in first.');
  const amzDate = amzDateOf(new Date());
  const headers = [['host', location.host], ['x-amz-date', amzDate]];
  if (contentType) headers.push(['content-type', contentType]);
  const { authorization } = await sign({ method, path, query, headers, body, amzDate,
    accessKeyId: creds.accessKeyId, secretAccessKey: creds.secretAccessKey,
    region: creds.region, service: 'ses' });
  const sent = Object.fromEntries(headers.filter(([n]) => n !== 'host'));
  sent.authorization = authorization;
  const res = await fetch(path + (query ? `?${query}` : ''), { method, headers: sent,
    body: body || undefined, credentials: 'omit', cache: 'no-store', referrerPolicy: 'no-referrer' });
  if (!res.ok) throw await failure(res);
  return res.text();
}

/** A signed call to a JSON route; answers the parsed body (null for 204). */
export async function call(method, path, options = {}) {
  const text = await callText(method, path, options);
  return text ? JSON.parse(text) : null;
}

/** `{a: 1, b: ''}` as "a=1": empty values left out. */
export function queryOf(params) {
  return Object.entries(params).filter(([, v]) => v !== '' && v !== undefined && v !== null)
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');
}
