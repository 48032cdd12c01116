// A tiny authoritative DNS server on a loopback UDP port for the JS tests:
// answers CNAME queries from a table it is given (set/clear), TXT queries
// from another (setTxt/clearTxt) and MX queries from a third (setMx/clearMx),
// NXDOMAIN for names in none, NODATA for other types. Loopback only.

import dgram from 'node:dgram';

function encodeName(name) {
  const parts = [];
  for (const label of name.replace(/\.$/, '').split('.')) {
    const b = Buffer.from(label, 'latin1');
    parts.push(Buffer.from([b.length]), b);
  }
  parts.push(Buffer.from([0]));
  return Buffer.concat(parts);
}

// One TXT record's RDATA: each value as character-strings of at most 255
// bytes (a longer value is split, as zone files do).
function encodeTxt(value) {
  const b = Buffer.from(value, 'utf8');
  const parts = [];
  for (let off = 0; off === 0 || off < b.length; off += 255) {
    const chunk = b.subarray(off, off + 255);
    parts.push(Buffer.from([chunk.length]), chunk);
  }
  return Buffer.concat(parts);
}

function resourceRecord(type, rdata) {
  const rr = Buffer.alloc(12);
  rr.writeUInt16BE(0xc00c, 0);  // owner: the question's name
  rr.writeUInt16BE(type, 2);
  rr.writeUInt16BE(1, 4);
  rr.writeUInt32BE(60, 6);
  rr.writeUInt16BE(rdata.length, 10);
  return [rr, rdata];
}

// The question's name and where the question ends, or null if malformed.
function readQuestion(msg) {
  const labels = [];
  let off = 12;
  while (off < msg.length && msg[off] !== 0) {
    const n = msg[off];
    if (n > 63 || off + 1 + n > msg.length) return null;
    labels.push(msg.subarray(off + 1, off + 1 + n).toString('latin1'));
    off += 1 + n;
  }
  if (off + 5 > msg.length) return null;
  return { name: labels.join('.').toLowerCase(), type: msg.readUInt16BE(off + 1), end: off + 5 };
}

export async function startStubDns() {
  const table = new Map();  // lower-case name -> CNAME target
  const txt = new Map();  // lower-case name -> [value, ...], one TXT record each
  const mx = new Map();  // lower-case name -> [[preference, exchange], ...]
  const asked = [];  // every question's name, in order
  const sock = dgram.createSocket('udp4');
  sock.on('message', (msg, from) => {
    if (msg.length < 12) return;
    const q = readQuestion(msg);
    if (!q) return;
    asked.push(q.name);
    const target = table.get(q.name);
    const values = txt.get(q.name);
    const exchanges = mx.get(q.name);
    const known = target !== undefined || values !== undefined || exchanges !== undefined;
    const rdatas = [];
    if (target !== undefined && q.type === 5) rdatas.push([5, encodeName(target)]);
    if (values !== undefined && q.type === 16) for (const v of values) rdatas.push([16, encodeTxt(v)]);
    if (exchanges !== undefined && q.type === 15) {
      for (const [pref, host] of exchanges) {
        const p = Buffer.alloc(2);
        p.writeUInt16BE(pref, 0);
        rdatas.push([15, Buffer.concat([p, encodeName(host)])]);
      }
    }
    const header = Buffer.alloc(12);
    msg.copy(header, 0, 0, 2);  // id
    header.writeUInt16BE(0x8400 | (msg[2] & 0x01) << 8 | (known ? 0 : 3), 2);
    header.writeUInt16BE(1, 4);
    header.writeUInt16BE(rdatas.length, 6);
    const parts = [header, msg.subarray(12, q.end)];
    for (const [type, rdata] of rdatas) parts.push(...resourceRecord(type, rdata));
    sock.send(Buffer.concat(parts), from.port, from.address);
  });
  await new Promise((resolve) => sock.bind(0, '127.0.0.1', resolve));
  return {
    address: `127.0.0.1:${sock.address().port}`,
    asked,
    set(name, target) { table.set(name.toLowerCase(), target); },
    clear(name) { table.delete(name.toLowerCase()); },
    // TXT records at `name`, one per value (replacing any there).
    setTxt(name, values) { txt.set(name.toLowerCase(), [...values]); },
    clearTxt(name) { txt.delete(name.toLowerCase()); },
    // MX records at `name`: [[preference, exchange], ...] (replacing any there).
    setMx(name, records) { mx.set(name.toLowerCase(), [...records]); },
    clearMx(name) { mx.delete(name.toLowerCase()); },
    close() { return new Promise((resolve) => sock.close(resolve)); },
  };
}
