import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { testApp } from '../../support/app.ts';
import { auditOf } from '../../support/audit.ts';
import { makeOrg } from '../../support/factories.ts';
import { connectOidc } from './support.ts';

describe('refused sign-ins flooding a connection', () => {
  it('each is refused, and the audit log keeps the first 100 of a minute', async () => {
    const t = await testApp();
    const org = await makeOrg(t);
    // No request reaches the IdP: an answer without a state is refused before anything else.
    const connection = await connectOidc(t, org.id, {
      issuer: 'https://idp.flood.example',
      clientSecret: 'a-client-secret-of-some-length',
      domains: [`${org.slug}.flood.test`],
    });
    const path = new URL(connection.redirectUri).pathname;
    for (let i = 0; i < 130; i += 1) {
      const res = await t.http.get(`${path}?code=junk-${i}`);
      assert.equal(res.status, 400, res.text);
    }
    const recorded = await auditOf(t, org.id, 'sso.sign_in_refused');
    assert.equal(recorded.length, 100);
    assert.ok(recorded.every((e) => e.after?.reason === 'oidc_state_missing'));
  });
});
