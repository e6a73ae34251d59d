import { createSocket, type RemoteInfo } from 'node:dgram';

/**
 * A DNS responder for tests (RFC 1035 over UDP): answers A, AAAA and TXT
 * queries from maps the test fills and changes as it goes; NXDOMAIN for a
 * name in no map, an empty answer for a name without a record of the type
 * asked, SERVFAIL for names the test says fail. Muster reaches it through
 * DNS_SERVERS.
 */
export interface DnsRecords {
  readonly txt: Map<string, string[]>;
  readonly a: Map<string, string[]>;
  readonly aaaa: Map<string, string[]>;
  readonly servfail: Set<string>;
}

export interface TestDnsServer {
  /** `127.0.0.1:<port>`, as DNS_SERVERS takes it. */
  readonly address: string;
  readonly records: DnsRecords;
  /** Every question asked, in order, as `TYPE name`. */
  readonly asked: string[];
  close(): Promise<void>;
}

const types = { 1: 'A', 16: 'TXT', 28: 'AAAA' } as const;

interface Question {
  readonly id: number;
  readonly flags: number;
  readonly name: string;
  readonly type: number;
  /** The question section as sent, echoed in the answer. */
  readonly raw: Buffer;
}

function readQuestion(msg: Buffer): Question | undefined {
  if (msg.length < 12 || msg.readUInt16BE(4) !== 1) return undefined;
  const labels: string[] = [];
  let at = 12;
  while (at < msg.length) {
    const length = msg[at] ?? 0;
    if (length === 0) break;
    if (length > 63) return undefined;
    labels.push(msg.toString('latin1', at + 1, at + 1 + length));
    at += 1 + length;
  }
  const end = at + 5;
  if (end > msg.length) return undefined;
  return {
    id: msg.readUInt16BE(0),
    flags: msg.readUInt16BE(2),
    name: labels.join('.').toLowerCase(),
    type: msg.readUInt16BE(at + 1),
    raw: msg.subarray(12, end),
  };
}

function rdataOf(type: number, value: string): Buffer {
  if (type === 1) return Buffer.from(value.split('.').map(Number));
  if (type === 28) {
    const [head = '', tail = ''] = value.split('::');
    const parts = (s: string) => (s ? s.split(':') : []);
    const missing = 8 - parts(head).length - parts(tail).length;
    const groups = [...parts(head), ...Array(value.includes('::') ? missing : 0).fill('0'), ...parts(tail)];
    return Buffer.from(groups.flatMap((g) => [Number.parseInt(g, 16) >> 8, Number.parseInt(g, 16) & 255]));
  }
  // TXT: character-strings of at most 255 bytes each.
  const bytes = Buffer.from(value, 'utf8');
  const chunks: Buffer[] = [];
  for (let i = 0; i === 0 || i < bytes.length; i += 255) {
    const part = bytes.subarray(i, i + 255);
    chunks.push(Buffer.from([part.length]), part);
  }
  return Buffer.concat(chunks);
}

function answer(q: Question, records: DnsRecords): Buffer {
  const maps = { 1: records.a, 16: records.txt, 28: records.aaaa } as Record<number, Map<string, string[]>>;
  const known = [records.a, records.txt, records.aaaa].some((m) => m.has(q.name));
  const rcode = records.servfail.has(q.name) ? 2 : known ? 0 : 3;
  const values = rcode === 0 ? (maps[q.type]?.get(q.name) ?? []) : [];
  const answers = values.map((value) => {
    const rdata = rdataOf(q.type, value);
    const head = Buffer.alloc(12);
    head.writeUInt16BE(0xc00c, 0); // the name: a pointer to the question's
    head.writeUInt16BE(q.type, 2);
    head.writeUInt16BE(1, 4); // IN
    head.writeUInt32BE(60, 6);
    head.writeUInt16BE(rdata.length, 10);
    return Buffer.concat([head, rdata]);
  });
  const header = Buffer.alloc(12);
  header.writeUInt16BE(q.id, 0);
  // QR, the query's opcode and RD, AA, RA, and the response code.
  header.writeUInt16BE(0x8000 | (q.flags & 0x7900) | 0x0400 | 0x0080 | rcode, 2);
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(answers.length, 6);
  return Buffer.concat([header, q.raw, ...answers]);
}

export async function startDnsServer(): Promise<TestDnsServer> {
  const records: DnsRecords = { txt: new Map(), a: new Map(), aaaa: new Map(), servfail: new Set() };
  const asked: string[] = [];
  const socket = createSocket('udp4');
  socket.on('message', (msg: Buffer, from: RemoteInfo) => {
    const q = readQuestion(msg);
    if (!q) return;
    asked.push(`${types[q.type as keyof typeof types] ?? q.type} ${q.name}`);
    socket.send(answer(q, records), from.port, from.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return {
    address: `127.0.0.1:${socket.address().port}`,
    records,
    asked,
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}
