// A tiny authoritative DNS server on a loopback UDP port for the JS tests:
// answers CNAME queries from a table it is given (set/clear), NXDOMAIN for
// names it does not know, NODATA for other types. Loopback only.

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

export async function startCnameDns() {
  const table = new Map();  // lower-case name -> target
  const sock = dgram.createSocket('udp4');
  sock.on('message', (msg, from) => {
    if (msg.length < 12) return;
    const q = readQuestion(msg);
    if (!q) return;
    const target = table.get(q.name);
    const header = Buffer.alloc(12);
    msg.copy(header, 0, 0, 2);  // id
    header.writeUInt16BE(0x8400 | (msg[2] & 0x01) << 8 | (target === undefined ? 3 : 0), 2);
    header.writeUInt16BE(1, 4);
    const answer = target !== undefined && q.type === 5;
    header.writeUInt16BE(answer ? 1 : 0, 6);
    const parts = [header, msg.subarray(12, q.end)];
    if (answer) {
      const rdata = encodeName(target);
      const rr = Buffer.alloc(12);
      rr.writeUInt16BE(0xc00c, 0);  // owner: the question's name
      rr.writeUInt16BE(5, 2);
      rr.writeUInt16BE(1, 4);
      rr.writeUInt32BE(60, 6);
      rr.writeUInt16BE(rdata.length, 10);
      parts.push(rr, rdata);
    }
    sock.send(Buffer.concat(parts), from.port, from.address);
  });
  await new Promise((resolve) => sock.bind(0, '127.0.0.1', resolve));
  return {
    address: `127.0.0.1:${sock.address().port}`,
    set(name, target) { table.set(name.toLowerCase(), target); },
    clear(name) { table.delete(name.toLowerCase()); },
    close() { return new Promise((resolve) => sock.close(resolve)); },
  };
}
