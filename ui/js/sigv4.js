// AWS Signature Version 4 with WebCrypto (the browser's, or Node's in the
// unit test). The secret is only ever an HMAC key here: never stored, never
// sent, never logged.
const enc = new TextEncoder();
const subtle = globalThis.crypto.subtle;

function hex(buf) {
  return [...new Uint8Array(buf)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

export async function sha256Hex(data) {
  return hex(await subtle.digest('SHA-256', typeof data === 'string' ? enc.encode(data) : data));
}

async function hmac(key, data) {
  const k = await subtle.importKey('raw', typeof key === 'string' ? enc.encode(key) : key,
    { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  return subtle.sign('HMAC', k, enc.encode(data));
}

// RFC 3986 unreserved characters stay; every other UTF-8 byte is %XX.
export function uriEncode(s) {
  let out = '';
  for (const b of enc.encode(s)) {
    const c = String.fromCharCode(b);
    out += /[A-Za-z0-9\-._~]/.test(c) ? c : `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

function decode(s) {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

// The path as sent, dot segments and repeated slashes removed, each segment
// encoded again (as SigV4 does for every service but S3).
function canonicalUri(path) {
  const out = [];
  const parts = path.split('/');
  for (const seg of parts.slice(1)) {
    if (seg === '.' || seg === '') continue;
    if (seg === '..') out.pop();
    else out.push(uriEncode(seg));
  }
  const trailing = parts.length > 1 && ['', '.', '..'].includes(parts[parts.length - 1]);
  return `/${out.join('/')}${trailing && out.length ? '/' : ''}`;
}

function canonicalQuery(query) {
  if (!query) return '';
  const pairs = query.split('&').filter((p) => p !== '').map((p) => {
    const eq = p.indexOf('=');
    const k = eq < 0 ? p : p.slice(0, eq);
    const v = eq < 0 ? '' : p.slice(eq + 1);
    return [uriEncode(decode(k)), uriEncode(decode(v))];
  });
  pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  return pairs.map(([k, v]) => `${k}=${v}`).join('&');
}

// Names lowercased and sorted; values trimmed, inner runs of spaces made one;
// a repeated name's values joined by commas in their order.
function canonicalHeaders(headers) {
  const byName = new Map();
  for (const [name, value] of headers) {
    const n = name.toLowerCase();
    const v = String(value).trim().replace(/\s+/g, ' ');
    byName.set(n, byName.has(n) ? `${byName.get(n)},${v}` : v);
  }
  const names = [...byName.keys()].sort();
  return { text: names.map((n) => `${n}:${byName.get(n)}\n`).join(''), signed: names.join(';') };
}

/**
 * Signs one request. `headers`: [name, value] pairs, all of them signed
 * (they must include host and x-amz-date). Returns the Authorization value
 * and the intermediate strings (for the test suite).
 */
export async function sign({ method, path, query = '', headers, body = '', accessKeyId,
  secretAccessKey, region, service, amzDate }) {
  const ch = canonicalHeaders(headers);
  const canonicalRequest = [method, canonicalUri(path), canonicalQuery(query), ch.text, ch.signed,
    await sha256Hex(body)].join('\n');
  const day = amzDate.slice(0, 8);
  const scope = `${day}/${region}/${service}/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, await sha256Hex(canonicalRequest)]
    .join('\n');
  let key = await hmac(`AWS4${secretAccessKey}`, day);
  for (const part of [region, service, 'aws4_request']) key = await hmac(key, part);
  const signature = hex(await hmac(key, stringToSign));
  const authorization = `AWS4-HMAC-SHA256 Credential=${accessKeyId}/${scope}, ` +
    `SignedHeaders=${ch.signed}, Signature=${signature}`;
  return { authorization, canonicalRequest, stringToSign, signature };
}

// 20150830T123600Z
export function amzDateOf(date) {
  return date.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}
