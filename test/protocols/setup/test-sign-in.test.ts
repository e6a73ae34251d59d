import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { inflateRawSync } from 'node:zlib';
import supertest from 'supertest';
import { publicUrl, type TestApp, testApp } from '../../support/app.ts';
import type { ConsoleClient } from '../../support/console.ts';
import { makeOrg } from '../../support/factories.ts';
import { samlWorld } from '../../support/saml-fixtures.ts';
import { buildResponse, idpMetadataXml, toFormValue } from '../../support/saml-idp.ts';
import { chooseIdp, itAdmin, type MadeLink, makeSetupLink, postMetadata, reservedUrls } from './support.ts';

/**
 * The test sign-in as the IT admin runs it from the portal: a link to
 * Muster, the signed AuthnRequest to the IdP, the IdP's answer at the ACS,
 * and back to the portal, which shows what arrived. Nobody is signed in.
 */
describe('setup portal: test sign-in', () => {
  let t: TestApp;
  before(async () => {
    t = await testApp();
  });

  async function activated() {
    const w = await samlWorld();
    const org = await makeOrg(t);
    const link = await makeSetupLink(t, org.id, ['sso']);
    const c = itAdmin(t);
    await chooseIdp(c, link, 'okta');
    const early = await c.get(`${link.path}/test-sign-in`);
    assert.equal(early.status, 409, 'nothing to test before activation');
    assert.match(early.text, /Activate single sign-on first/);
    await postMetadata(t, c, link, { xml: idpMetadataXml(w.idp) });
    const domain = `${org.slug}.x.test`;
    const made = await c.submit(`${link.path}/sso`, `${link.path}/sso/activate`, { domains: domain });
    assert.equal(made.status, 303, made.text.slice(0, 500));
    return { w, org, link, c, domain };
  }

  /** Follows the portal's Test sign-in link to the IdP: the AuthnRequest's id, and the cookies the browser got. */
  async function begin(c: ConsoleClient, link: MadeLink) {
    const res = await supertest(t.app).get(`${link.path}/test-sign-in`).set('Cookie', c.cookie);
    assert.equal(res.status, 302, res.text.slice(0, 500));
    assert.equal(res.headers['referrer-policy'], 'no-referrer', 'the IdP never learns the link');
    const location = new URL(res.headers.location as string);
    assert.equal(`${location.origin}${location.pathname}`, (await samlWorld()).idp.ssoUrl);
    assert.ok(!location.href.includes(link.token), 'the token never travels to the IdP');
    const xml = inflateRawSync(
      Buffer.from(location.searchParams.get('SAMLRequest') ?? '', 'base64'),
    ).toString();
    const requestId = /\bID="([^"]+)"/.exec(xml)?.[1];
    assert.ok(requestId, xml);
    const cookie = ((res.headers['set-cookie'] as unknown as string[] | undefined) ?? [])
      .map((line) => line.split(';')[0])
      .join('; ');
    return { requestId, cookie };
  }

  it('shows the subject, email, attributes and groups that arrived; nobody is provisioned', async () => {
    const { w, org, link, c, domain } = await activated();
    const started = await begin(c, link);
    const urls = reservedUrls(link, publicUrl);
    const xml = await buildResponse(w.idp, {
      acsUrl: urls.acsUrl,
      audience: urls.spEntityId,
      now: new Date(),
      inResponseTo: started.requestId,
      nameId: `ada@${domain}`,
      attributes: {
        email: [`ada@${domain}`],
        firstName: ['Ada'],
        lastName: ['Lovelace'],
        groups: ['Engineering', 'Analytical <Engines>'],
      },
    });
    const answered = await t.http
      .post(`/sso/saml/${link.connectionId}/acs`)
      .type('form')
      .set('Cookie', started.cookie)
      .send(new URLSearchParams({ SAMLResponse: toFormValue(xml) }).toString());
    assert.equal(answered.status, 303, answered.text.slice(0, 500));
    // Back through a path naming the link, not its token: the sign-in in flight is stored, the token is not.
    assert.equal(answered.headers.location, `${publicUrl}/setup/return/${link.id}`);
    const stored = await t.database.db.selectFrom('login_transactions').select('return_to').execute();
    assert.ok(
      stored.every((row) => !String(row.return_to).includes(link.token)),
      'no token in a sign-in in flight',
    );
    const back = await supertest(t.app).get(`/setup/return/${link.id}`).set('Cookie', started.cookie);
    assert.equal(back.status, 303);
    assert.equal(back.headers.location, `${link.path}/sso#test`);
    const elsewhere = await supertest(t.app).get(`/setup/return/${link.id}`);
    assert.equal(elsewhere.status, 200, 'another browser is asked to open its link again');
    assert.match(elsewhere.text, /Open your setup link again/);
    assert.ok(!elsewhere.text.includes(link.token));

    const page = await c.get(`${link.path}/sso`);
    assert.match(page.text, /<h3>[^<]+ UTC: succeeded<\/h3>/);
    assert.ok(page.text.includes(`<dt>Email</dt><dd><code>ada@${domain}</code></dd>`));
    assert.ok(page.text.includes('<code>Engineering</code>, <code>Analytical &lt;Engines&gt;</code>'));
    assert.ok(page.text.includes('<tr><td><code>lastName</code></td><td><code>Lovelace</code></td></tr>'));
    assert.doesNotMatch(page.text, /No test sign-in yet/);
    const members = await t.admin.get(`/api/v1/orgs/${org.id}/members`);
    assert.equal(members.body.data.length, 0, 'a test provisions nobody');
  });

  it('shows why an answer was refused', async () => {
    const { w, link, c, domain } = await activated();
    const started = await begin(c, link);
    const urls = reservedUrls(link, publicUrl);
    const xml = await buildResponse(w.idp, {
      acsUrl: urls.acsUrl,
      audience: 'https://another-sp.example/saml',
      now: new Date(),
      inResponseTo: started.requestId,
      nameId: `ada@${domain}`,
      attributes: { email: [`ada@${domain}`] },
    });
    const answered = await t.http
      .post(`/sso/saml/${link.connectionId}/acs`)
      .type('form')
      .set('Cookie', started.cookie)
      .send(new URLSearchParams({ SAMLResponse: toFormValue(xml) }).toString());
    assert.equal(answered.status, 303, answered.text.slice(0, 500));
    const page = await c.get(`${link.path}/sso`);
    assert.match(page.text, /<h3>[^<]+ UTC: failed<\/h3><p class="error wrap">[^<]*another-sp\.example/);
  });
});
