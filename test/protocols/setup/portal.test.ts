import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loggablePath } from '../../../src/protocols/http/request-context.ts';
import { testApp } from '../../support/app.ts';
import { auditOf } from '../../support/audit.ts';
import { makeOrg } from '../../support/factories.ts';
import { chooseIdp, itAdmin, makeSetupLink } from './support.ts';

describe('setup portal: the link', () => {
  it('opens without an account: the org, what the link is for, until when; headers that keep the token in', async () => {
    const t = await testApp();
    const org = await makeOrg(t, 'Acme <Corp>');
    const link = await makeSetupLink(t, org.id, ['sso', 'scim'], 48);
    const res = await t.http.get(link.path);
    assert.equal(res.status, 200, res.text);
    assert.match(res.text, /Connect your identity provider to Acme &lt;Corp&gt;/);
    assert.doesNotMatch(res.text, /Acme <Corp>/);
    assert.match(res.text, /single sign-on/);
    assert.match(res.text, /provisioning \(SCIM 2\.0\)/);
    assert.match(res.text, /Do not forward it/);
    assert.match(res.text, /<select id="provider" name="provider">/);
    for (const p of ['entra', 'okta', 'jumpcloud', 'keycloak', 'generic'])
      assert.match(res.text, new RegExp(`<option value="${p}"`));
    assert.match(res.text, /<option value="oidc"/);
    assert.equal(res.headers['referrer-policy'], 'no-referrer');
    assert.equal(res.headers['cache-control'], 'no-store');
    assert.match(String(res.headers['content-security-policy']), /form-action 'self'/);
    assert.doesNotMatch(String(res.headers['content-security-policy']), /unsafe-inline/);
    assert.doesNotMatch(res.text, /<script/);

    const scimOnly = await makeSetupLink(t, org.id, ['scim']);
    const page = await t.http.get(scimOnly.path);
    assert.doesNotMatch(page.text, /id="protocol"/, 'no protocol to choose without SSO');
    assert.doesNotMatch(page.text, /single sign-on/);
    assert.equal((await t.http.get(`${scimOnly.path}/sso`)).status, 404);
  });

  it('answers an unknown link with 404, an expired or revoked one with 410 saying to ask for a new link', async () => {
    const t = await testApp();
    const org = await makeOrg(t, 'Globex');
    const unknown = await t.http.get(`/setup/${'A'.repeat(43)}`);
    assert.equal(unknown.status, 404);
    assert.match(unknown.text, /This setup link does not work/);
    assert.equal((await t.http.get('/setup/short')).status, 404);

    const expired = await makeSetupLink(t, org.id);
    await t.database.db
      .updateTable('setup_links')
      .set({ expires_at: new Date(Date.now() - 1000) })
      .where('id', '=', expired.id)
      .execute();
    for (const path of ['', '/sso', '/scim', '/test-sign-in', '/scim/test']) {
      const res = await t.http.get(`${expired.path}${path}`);
      assert.equal(res.status, 410, path);
      assert.match(res.text, /This setup link has expired/);
      assert.match(res.text, /ask Globex(&#39;|')s administrator for a new setup link/);
    }

    const revoked = await makeSetupLink(t, org.id);
    const c = itAdmin(t);
    const opened = await c.get(revoked.path);
    assert.equal(opened.status, 200);
    assert.equal((await t.admin.delete(`/api/v1/orgs/${org.id}/setup-links/${revoked.id}`)).status, 200);
    const gone = await c.get(revoked.path);
    assert.equal(gone.status, 410);
    assert.match(gone.text, /This setup link was revoked/);
    // A form opened before the revocation changes nothing after it.
    const late = await c.post(`${revoked.path}/idp`, { provider: 'okta', protocol: 'saml', csrf: 'x' });
    assert.equal(late.status, 410);
    const link = await t.admin.get(`/api/v1/orgs/${org.id}/setup-links/${revoked.id}`);
    assert.equal(link.body.provider, null);
  });

  it('remembers the IdP and protocol chosen, audited in the link’s name; refuses a post without its CSRF field', async () => {
    const t = await testApp();
    const org = await makeOrg(t);
    const link = await makeSetupLink(t, org.id, ['sso']);
    const c = itAdmin(t);
    await c.get(link.path);
    const forged = await c.post(`${link.path}/idp`, { provider: 'okta', protocol: 'oidc' });
    assert.equal(forged.status, 403);
    assert.match(forged.text, /The form expired or came from another site/);
    const other = await c.post(`${link.path}/idp`, { provider: 'okta', protocol: 'oidc', csrf: 'forged' });
    assert.equal(other.status, 403);
    assert.equal((await t.admin.get(`/api/v1/orgs/${org.id}/setup-links/${link.id}`)).body.provider, null);

    // The CSRF field of one link's form does not work for another link.
    const second = await makeSetupLink(t, org.id, ['sso']);
    const page = await c.get(link.path);
    const csrf = /name="csrf" value="([^"]+)"/.exec(page.text)?.[1] ?? '';
    await c.get(second.path);
    assert.equal(
      (await c.post(`${second.path}/idp`, { provider: 'okta', protocol: 'saml', csrf })).status,
      403,
    );

    const bad = await c.submit(link.path, `${link.path}/idp`, { provider: 'ldap', protocol: 'saml' });
    assert.equal(bad.status, 400);
    assert.match(bad.text, /role="alert"/);

    const chosen = await c.submit(link.path, `${link.path}/idp`, { provider: 'jumpcloud', protocol: 'oidc' });
    assert.equal(chosen.status, 303);
    assert.equal(chosen.headers.location, `${link.path}/sso`);
    const read = await t.admin.get(`/api/v1/orgs/${org.id}/setup-links/${link.id}`);
    assert.equal(read.body.provider, 'jumpcloud');
    assert.equal(read.body.protocol, 'oidc');
    const [event] = await auditOf(t, org.id, 'setup_link.idp_chosen', link.id);
    assert.deepEqual(event?.actor, { type: 'setup_link', id: link.id });
    assert.ok(event?.requestId);
    const again = await c.get(link.path);
    assert.match(again.text, /<option value="jumpcloud" selected>/);
    assert.match(again.text, /<option value="oidc" selected>/);
  });

  it('keeps the token out of the request log and the metrics', async () => {
    assert.equal(loggablePath(`/setup/${'a'.repeat(43)}/sso/metadata`), '/setup/:token/sso/metadata');
    assert.equal(loggablePath(`/setup/${'a'.repeat(43)}`), '/setup/:token');
    const t = await testApp();
    const org = await makeOrg(t);
    const link = await makeSetupLink(t, org.id);
    const c = itAdmin(t);
    await c.get(link.path);
    await chooseIdp(c, link, 'okta');
    await c.get(`${link.path}/sso`);
    const metrics = await t.http.get('/metrics');
    assert.equal(metrics.status, 200);
    assert.match(metrics.text, /route="\/setup\/:token\/sso"/);
    assert.ok(!metrics.text.includes(link.token), 'no metric label names the token');
  });
});
