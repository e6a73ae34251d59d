import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { testApp } from '../../support/app.ts';

describe('the error page of a browser flow', () => {
  it('is a page like the others: the strict CSP, no framing, no referrer, no cache, no stack', async () => {
    const t = await testApp();
    const res = await t.http
      .post('/sso/saml/01a25119-03cb-750d-9cab-746ae7d4cf9f/acs')
      .type('form')
      .send('SAMLResponse=%3Cnot-saml%3E');
    assert.ok(res.status >= 400 && res.status < 500, String(res.status));
    assert.match(String(res.headers['content-type']), /^text\/html/);
    const csp = String(res.headers['content-security-policy']);
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /frame-ancestors 'none'/);
    assert.doesNotMatch(csp, /unsafe-inline/);
    assert.equal(res.headers['x-frame-options'], 'DENY');
    assert.equal(res.headers['referrer-policy'], 'no-referrer');
    assert.equal(res.headers['cache-control'], 'no-store');
    assert.match(res.text, /<link rel="stylesheet" href="\/assets\/muster.css">/);
    assert.match(res.text, /give your administrator this reference: <code>[^<]+<\/code>/);
    assert.doesNotMatch(res.text, /\bat \w+ \(|node_modules/);
  });
});
