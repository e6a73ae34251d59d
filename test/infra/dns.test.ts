import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createDnsResolver, DnsLookupError, parseDnsServer } from '../../src/infra/dns/index.ts';
import { startDnsServer, type TestDnsServer } from '../support/dns-server.ts';

describe('DNS resolver against a local responder', () => {
  let server: TestDnsServer;
  let dns: ReturnType<typeof createDnsResolver>;
  before(async () => {
    server = await startDnsServer();
    dns = createDnsResolver({ servers: [server.address], timeoutMs: 500 });
  });
  after(() => server.close());

  it('reads TXT records, joining the strings of a long one', async () => {
    const long = 'x'.repeat(300);
    server.records.txt.set('_muster-verification.acme.test', ['first', long]);
    assert.deepEqual((await dns.resolveTxt('_muster-verification.acme.test')).sort(), ['first', long].sort());
  });

  it('answers no records for a name that does not exist or has none of the type', async () => {
    server.records.a.set('only-a.test', ['192.0.2.1']);
    assert.deepEqual(await dns.resolveTxt('nowhere.test'), []);
    assert.deepEqual(await dns.resolveTxt('only-a.test'), []);
  });

  it('throws DnsLookupError when the server fails', async () => {
    server.records.servfail.add('broken.test');
    await assert.rejects(dns.resolveTxt('broken.test'), DnsLookupError);
  });

  it('looks hosts up by A and AAAA through the configured server', async () => {
    server.records.a.set('both.test', ['192.0.2.7']);
    server.records.aaaa.set('both.test', ['2001:db8::7']);
    assert.deepEqual(await dns.lookupHost('both.test'), ['192.0.2.7', '2001:db8::7']);
    assert.deepEqual(await dns.lookupHost('nowhere.test'), []);
  });

  it('answers IP literals and localhost itself, without asking', async () => {
    const asked = server.asked.length;
    assert.deepEqual(await dns.lookupHost('203.0.113.9'), ['203.0.113.9']);
    assert.deepEqual(await dns.lookupHost('[2001:db8::1]'), ['2001:db8::1']);
    assert.deepEqual(await dns.lookupHost('localhost'), ['127.0.0.1', '::1']);
    assert.equal(server.asked.length, asked);
  });
});

describe('DNS_SERVERS entries', () => {
  const cases: [string, string | undefined][] = [
    ['192.0.2.53', '192.0.2.53'],
    [' 192.0.2.53:5353 ', '192.0.2.53:5353'],
    ['2001:db8::53', '2001:db8::53'],
    ['[2001:db8::53]:5353', '[2001:db8::53]:5353'],
    ['[2001:db8::53]', '2001:db8::53'],
    ['192.0.2.53:0', undefined],
    ['192.0.2.53:70000', undefined],
    ['dns.example.com', undefined],
    ['999.1.1.1', undefined],
    ['', undefined],
  ];
  for (const [entry, expected] of cases)
    it(`${JSON.stringify(entry)} → ${expected ?? 'refused'}`, () =>
      assert.equal(parseDnsServer(entry), expected));
});
