import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { generateSamlKeyPair } from '../../src/protocols/saml/index.ts';
import { testApp } from '../support/app.ts';
import { type Cleanup, followSignIn, inChromium, serveMusterAndApplication } from '../support/browser.ts';
import type { ConnectionBody } from '../support/connections.ts';
import { makeOrg } from '../support/factories.ts';
import { startIdpServer } from '../support/saml-idp-server.ts';

/**
 * One full SP-initiated SAML sign-in in a real browser: the redirects, the
 * IdP's auto-posted form, and the cookies as Chromium stores them, which
 * supertest cannot show. Three origins on loopback: Muster (127.0.0.1), and
 * on another site (localhost) the IdP and the org's application.
 */

/** Muster on a real port, an org with its application and a SAML connection to a running IdP. */
async function setUp(cleanup: Cleanup) {
  const { base, appUrl, use } = await serveMusterAndApplication(cleanup);
  // Loopback IdP URLs over http are refused unless allowed, as ALLOW_INSECURE_LOOPBACK_ISSUERS does.
  const t = await testApp({ publicUrl: base, allowInsecureLoopbackIssuers: true });
  use(t.app);
  const org = await makeOrg(t);
  const patched = await t.admin.patch(`/api/v1/orgs/${org.id}`, { appUrls: [appUrl] });
  assert.equal(patched.status, 200, JSON.stringify(patched.body));

  const domain = `${org.slug}.x.test`;
  const email = `ada@${domain}`;
  const idp = await startIdpServer({
    keys: await generateSamlKeyPair({ commonName: 'browser test idp' }),
    person: { email, firstName: 'Ada', lastName: 'Lovelace', displayName: 'Ada Lovelace', groups: ['Eng'] },
    provider: 'okta',
  });
  cleanup.push(() => idp.close());
  const created = await t.admin.post(`/api/v1/orgs/${org.id}/connections`, {
    protocol: 'saml',
    provider: 'okta',
    domains: [domain],
    saml: { entityId: idp.idp.entityId, ssoUrl: idp.idp.ssoUrl, certificates: [idp.idp.keys.certificate] },
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const connection = created.body as ConnectionBody;
  // The IdP side of the setup: its admin imports Muster's SP metadata.
  const spMetadata = await fetch(connection.spMetadataUrl ?? '');
  assert.equal(spMetadata.status, 200);
  idp.registerServiceProvider(await spMetadata.text());
  return { base, appUrl, org, email, idp, connection };
}

describe('SAML sign-in in headless Chromium', () => {
  it('login, IdP, auto-posted ACS, session cookie, back to the app, /api/v1/me, logout', {
    timeout: 60_000,
  }, async (t) => {
    await inChromium(
      t,
      'saml-sign-in',
      setUp,
      async ({ base, appUrl, org, email, idp, connection }, { context, page }) => {
        const returnTo = `${appUrl}/welcome?tab=1`;
        const login = `${base}/sso/login?email=${encodeURIComponent(email)}&returnTo=${encodeURIComponent(returnTo)}`;
        // The IdP's page submits its form as it loads: followSignIn waits for where the chain ends.
        let navigations: string[];
        try {
          navigations = await followSignIn(page, login, returnTo);
        } catch (error) {
          t.diagnostic(`IdP refusals: ${JSON.stringify(idp.refusals)}`);
          throw error;
        }
        assert.equal(await page.locator('h1').textContent(), 'Welcome to /app/welcome');
        assert.deepEqual(navigations, [
          `GET ${base}/sso/login`,
          `GET ${idp.origin}/sso`,
          `POST ${base}/sso/saml/${connection.id}/acs`,
          `GET ${new URL(appUrl).origin}/app/welcome`,
        ]);
        assert.equal(idp.requests.length, 1);
        assert.equal(idp.requests[0]?.acsUrl, connection.acsUrl);
        assert.equal(idp.requests[0]?.relayState, undefined, 'the return target never travels to the IdP');

        const cookies = await context.cookies(base);
        const session = cookies.find((c) => c.name === 'muster_session');
        assert.ok(session, JSON.stringify(cookies));
        assert.equal(session.httpOnly, true);
        assert.equal(session.sameSite, 'Lax');
        // Secure only where PUBLIC_URL is https: over plain http the browser would never send it back.
        assert.equal(session.secure, false);
        assert.equal(session.path, '/');
        assert.equal(session.domain, '127.0.0.1', 'host-only, on Muster');
        assert.ok(session.expires > Date.now() / 1000, 'kept as long as the session, not only the tab');
        assert.deepEqual(
          (await context.cookies(appUrl)).map((c) => c.name),
          [],
          'nothing on the app origin',
        );

        const me = await page.goto(`${base}/api/v1/me`);
        assert.equal(me?.status(), 200, await me?.text());
        const body = (await me?.json()) as {
          user: { email: string; familyName: string };
          org: { id: string };
        };
        assert.equal(body.user.email, email);
        assert.equal(body.user.familyName, 'Lovelace', 'the attributes the IdP sent');
        assert.equal(body.org.id, org.id);
        assert.equal(
          await page.evaluate(() => document.cookie.includes('muster_session')),
          false,
          'HttpOnly: no script on the page reads the token',
        );

        // From a page of Muster's own origin: the POST carries that Origin, which logout checks.
        const loggedOut = await page.evaluate(
          async () => (await fetch('/sso/logout', { method: 'POST' })).status,
        );
        assert.equal(loggedOut, 204);
        const left = (await context.cookies(base)).map((c) => c.name);
        assert.ok(!left.includes('muster_session'), `the cookie is cleared: ${left.join(', ')}`);
        const signedOut = await page.goto(`${base}/api/v1/me`);
        assert.equal(signedOut?.status(), 401, await signedOut?.text());
      },
    );
  });
});
