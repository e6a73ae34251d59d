import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defaultReturnTo, safeReturnTo } from '../../../src/protocols/sso/index.ts';

const policy = {
  publicUrl: 'https://muster.example.com',
  appUrls: ['https://app.example.com', 'https://portal.example.org/tenant-a', 'http://localhost:3000'],
};

/** Accepted, with the URL the browser is sent to. */
const accepted: [string, string][] = [
  ['/', 'https://muster.example.com/'],
  ['/dashboard', 'https://muster.example.com/dashboard'],
  ['/search?q=a%20b&x=1#top', 'https://muster.example.com/search?q=a%20b&x=1#top'],
  ['/a/../b', 'https://muster.example.com/b'],
  // A path on our own origin, however it reads.
  ['/javascript:alert(1)', 'https://muster.example.com/javascript:alert(1)'],
  ['https://muster.example.com/settings', 'https://muster.example.com/settings'],
  ['HTTPS://MUSTER.EXAMPLE.COM/x', 'https://muster.example.com/x'],
  ['https://muster.example.com:443/x', 'https://muster.example.com/x'],
  ['https://app.example.com', 'https://app.example.com/'],
  ['https://app.example.com/projects/7?tab=1', 'https://app.example.com/projects/7?tab=1'],
  ['https://App.Example.com/x', 'https://app.example.com/x'],
  ['https://portal.example.org/tenant-a', 'https://portal.example.org/tenant-a'],
  ['https://portal.example.org/tenant-a/home', 'https://portal.example.org/tenant-a/home'],
  ['http://localhost:3000/cb', 'http://localhost:3000/cb'],
];

/** Refused, each named after the bypass it tries. */
const refused: [string, unknown][] = [
  ['protocol-relative', '//evil.com'],
  ['protocol-relative to an app host', '//app.example.com/x'],
  ['backslash after slash', '/\\evil.com'],
  ['backslashes', '\\\\evil.com'],
  ['backslash inside', '/foo\\bar'],
  ['encoded slashes', '/%2f%2fevil.com'],
  ['encoded slashes, upper case', '/%2F%2Fevil.com'],
  ['double-encoded slashes', '/%252f%252fevil.com'],
  ['encoded backslash', '/%5cevil.com'],
  ['dot segment to a protocol-relative path', '/.//evil.com'],
  ['leading tab', '\t/evil'],
  ['tab inside', '/\t/evil.com'],
  ['newline', '/x\nLocation: https://evil.com'],
  ['NUL', '/x\u0000'],
  ['encoded newline', '/x%0d%0aSet-Cookie:%20a=b'],
  ['leading space', ' https://muster.example.com/'],
  ['scheme without slashes', 'https:evil.com'],
  ['scheme without slashes to our host', 'https:muster.example.com/x'],
  ['one slash after the scheme', 'https:/evil.com'],
  ['javascript', 'javascript:alert(1)'],
  ['javascript, mixed case', 'JaVaScRiPt:alert(1)'],
  ['data', 'data:text/html,<script>alert(1)</script>'],
  ['vbscript', 'vbscript:msgbox(1)'],
  ['ftp', 'ftp://app.example.com/'],
  ['another host', 'https://evil.com/'],
  ['suffix of an allowed host', 'https://app.example.com.evil.com/'],
  ['prefix of an allowed host', 'https://evilapp.example.com/'],
  ['subdomain of an allowed host', 'https://x.app.example.com/'],
  ['userinfo', 'https://app.example.com@evil.com/'],
  ['userinfo on an allowed host', 'https://user:pass@app.example.com/'],
  ['encoded at', 'https://app.example.com%40evil.com/'],
  ['another port', 'https://app.example.com:8443/'],
  ['plain http to an https app', 'http://app.example.com/'],
  ['plain http to PUBLIC_URL', 'http://muster.example.com/'],
  ['https to an http app', 'https://localhost:3000/cb'],
  ['IDN look-alike (Cyrillic a)', 'https://\u0430pp.example.com/'],
  ['punycode look-alike', 'https://xn--pp-8kc.example.com/'],
  ['fullwidth dot', 'https://app\uff0eexample\uff0ecom.evil.com/'],
  ['outside the app path prefix', 'https://portal.example.org/tenant-b'],
  ['prefix without a boundary', 'https://portal.example.org/tenant-ab'],
  ['dot segments out of the prefix', 'https://portal.example.org/tenant-a/../tenant-b'],
  ['encoded dot segments out of the prefix', 'https://portal.example.org/tenant-a/%2e%2e/tenant-b'],
  ['relative path without a slash', 'dashboard'],
  ['empty', ''],
  ['too long', `/${'a'.repeat(2100)}`],
  ['not a string', ['/x']],
  ['undefined', undefined],
];

describe('safeReturnTo', () => {
  for (const [value, expected] of accepted) {
    it(`accepts ${JSON.stringify(value)}`, () => {
      assert.equal(safeReturnTo(value, policy), expected);
    });
  }
  for (const [name, value] of refused) {
    it(`refuses ${name}`, () => {
      assert.equal(safeReturnTo(value, policy), undefined, JSON.stringify(value));
    });
  }

  it('falls back to the first app URL, or to PUBLIC_URL when the org has none', () => {
    assert.equal(defaultReturnTo(policy), 'https://app.example.com/');
    assert.equal(
      defaultReturnTo({ publicUrl: policy.publicUrl, appUrls: [] }),
      'https://muster.example.com/',
    );
  });

  it('keeps a PUBLIC_URL with a path to its origin for relative paths', () => {
    const withPath = { publicUrl: 'https://example.com/muster', appUrls: [] };
    assert.equal(safeReturnTo('/home', withPath), 'https://example.com/home');
    assert.equal(safeReturnTo('//example.com/home', withPath), undefined);
  });
});
