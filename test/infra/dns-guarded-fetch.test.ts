import assert from 'node:assert/strict';
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { createDnsResolver } from '../../src/infra/dns/index.ts';
import { checkFetchUrl, FetchRefused, guardedFetch, refusedAddress } from '../../src/infra/fetch/index.ts';
import { startDnsServer, type TestDnsServer } from '../support/dns-server.ts';

/** Metadata URLs are typed in by admins: the fetch must not become a way into Muster's own network. */

async function listen(handler: RequestListener): Promise<{ server: Server; port: number }> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port };
}

async function refusal(work: Promise<unknown>): Promise<FetchRefused> {
  try {
    await work;
  } catch (error) {
    assert.ok(error instanceof FetchRefused, String(error));
    return error;
  }
  assert.fail('the fetch was not refused');
}

describe('guarded fetch', () => {
  let dns: TestDnsServer;
  let origin: { server: Server; port: number };
  let other: { server: Server; port: number };
  let resolver: ReturnType<typeof createDnsResolver>;
  const base = () => `http://127.0.0.1:${origin.port}`;
  const options = (extra: object = {}) => ({
    lookupHost: (host: string) => resolver.lookupHost(host),
    allowLoopback: true,
    ...extra,
  });

  before(async () => {
    dns = await startDnsServer();
    resolver = createDnsResolver({ servers: [dns.address], timeoutMs: 500 });
    other = await listen((_req, res) => res.end('other host'));
    origin = await listen((req, res) => {
      switch (req.url) {
        case '/doc':
          res.setHeader('content-type', 'application/xml');
          res.end('<doc/>');
          return;
        case '/same-host-redirect':
          res.writeHead(302, { location: '/doc' }).end();
          return;
        case '/other-host-redirect':
          res.writeHead(302, { location: `http://localhost:${other.port}/` }).end();
          return;
        case '/loop':
          res.writeHead(302, { location: '/loop' }).end();
          return;
        case '/big-declared':
          res.writeHead(200, { 'content-length': String(2048) }).end('x'.repeat(2048));
          return;
        case '/big-chunked':
          res.write('x'.repeat(1500));
          res.end('x'.repeat(1500));
          return;
        case '/slow':
          res.write('<doc>');
          return; // never ends
        default:
          res.writeHead(404).end();
      }
    });
  });
  after(async () => {
    origin.server.closeAllConnections();
    origin.server.close();
    other.server.close();
    await dns.close();
  });

  it('reads a document from a loopback server when loopback is allowed', async () => {
    const doc = await guardedFetch(`${base()}/doc`, options());
    assert.equal(doc.body.toString(), '<doc/>');
    assert.equal(doc.contentType, 'application/xml');
  });

  it('refuses loopback when it is not allowed, by address and by name', async () => {
    for (const url of [`${base()}/doc`, `https://127.0.0.1:${origin.port}/doc`, 'https://localhost/doc']) {
      const error = await refusal(guardedFetch(url, options({ allowLoopback: false })));
      assert.ok(['url_refused', 'address_refused'].includes(error.reason), `${url}: ${error.reason}`);
    }
  });

  it('takes https only, and plain http only to loopback where allowed', () => {
    const cases: [string, boolean, boolean][] = [
      ['https://idp.example.com/metadata', false, true],
      ['http://idp.example.com/metadata', true, false],
      ['http://127.0.0.1:8080/metadata', true, true],
      ['http://localhost/metadata', true, true],
      ['http://[::1]/metadata', true, true],
      ['http://127.0.0.1/metadata', false, false],
      ['ftp://idp.example.com/metadata', true, false],
      ['https://user:pass@idp.example.com/metadata', false, false],
      ['not a url', true, false],
    ];
    for (const [url, allowLoopback, ok] of cases) {
      if (ok) assert.ok(checkFetchUrl(url, allowLoopback), url);
      else assert.throws(() => checkFetchUrl(url, allowLoopback), FetchRefused, url);
    }
  });

  it('refuses private, link-local and reserved addresses, also wrapped in IPv6', async () => {
    const refused = [
      '10.0.0.1',
      '172.16.5.4',
      '172.31.255.255',
      '192.168.1.1',
      '169.254.169.254',
      '100.64.0.1',
      '0.0.0.0',
      '224.0.0.1',
      '::',
      'fc00::1',
      'fd12:3456::1',
      'fe80::1',
      '::ffff:10.0.0.1',
      '::ffff:a9fe:a9fe',
      '64:ff9b::192.168.0.1',
    ];
    for (const address of refused) assert.ok(refusedAddress(address, { loopback: true }), address);
    for (const address of ['127.0.0.1', '::1', '::ffff:127.0.0.1'])
      assert.ok(refusedAddress(address, { loopback: false }), `${address} without loopback`);
    for (const address of ['93.184.216.34', '2606:2800:220:1::1', '172.32.0.1', '127.0.0.1'])
      assert.equal(refusedAddress(address, { loopback: true }), undefined, address);
    for (const host of ['10.0.0.1', '169.254.169.254', '[fe80::1]', '[::ffff:10.0.0.1]']) {
      const error = await refusal(guardedFetch(`https://${host}/metadata`, options()));
      assert.equal(error.reason, 'address_refused', host);
    }
  });

  it('lets private networks through only when allowed, and link-local or reserved ranges never', () => {
    const allow = { loopback: false, privateNetworks: true };
    for (const address of [
      '10.0.0.1',
      '172.16.5.4',
      '192.168.1.1',
      '100.64.0.1',
      'fd12:3456::1',
      '127.0.0.1',
    ])
      assert.equal(refusedAddress(address, allow), undefined, address);
    for (const address of ['169.254.169.254', '::ffff:a9fe:a9fe', 'fe80::1', '0.0.0.0', '224.0.0.1', '::'])
      assert.ok(refusedAddress(address, allow), address);
  });

  it('refuses a host whose name resolves to a private address, even among public ones', async () => {
    dns.records.a.set('internal.example.test', ['10.1.2.3']);
    dns.records.a.set('mixed.example.test', ['93.184.216.34', '192.168.0.10']);
    dns.records.aaaa.set('v6.example.test', ['fd00::5']);
    for (const host of ['internal.example.test', 'mixed.example.test', 'v6.example.test']) {
      const error = await refusal(guardedFetch(`https://${host}/metadata`, options()));
      assert.equal(error.reason, 'address_refused', host);
      assert.match(error.message, new RegExp(host));
    }
    const error = await refusal(guardedFetch('https://nowhere.example.test/metadata', options()));
    assert.equal(error.reason, 'unreachable');
  });

  it('follows redirects within the host, never to another host, and not forever', async () => {
    assert.equal((await guardedFetch(`${base()}/same-host-redirect`, options())).body.toString(), '<doc/>');
    assert.equal(
      (await refusal(guardedFetch(`${base()}/other-host-redirect`, options()))).reason,
      'redirect_refused',
    );
    assert.equal((await refusal(guardedFetch(`${base()}/loop`, options()))).reason, 'redirect_refused');
  });

  it('caps the body, whether the size is declared or not', async () => {
    for (const path of ['/big-declared', '/big-chunked']) {
      const error = await refusal(guardedFetch(`${base()}${path}`, options({ maxBytes: 1024 })));
      assert.equal(error.reason, 'too_large', path);
    }
  });

  it('gives up on a server that does not finish in time', async () => {
    const started = Date.now();
    const error = await refusal(guardedFetch(`${base()}/slow`, options({ timeoutMs: 300 })));
    assert.equal(error.reason, 'timeout');
    assert.ok(Date.now() - started < 2_000);
  });

  it('reports an answer that is not a success', async () => {
    const error = await refusal(guardedFetch(`${base()}/missing`, options()));
    assert.equal(error.reason, 'http_status');
    assert.match(error.message, /404/);
  });
});
