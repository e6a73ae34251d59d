import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { testApp } from '../support/app.ts';
import { type Cleanup, followSignIn, inChromium, serveMusterAndApplication } from '../support/browser.ts';
import { makeOrg } from '../support/factories.ts';
import { startTestOp } from '../support/oidc-op.ts';

/**
 * One full OpenID Connect sign-in in a real browser against a real OpenID
 * Provider (oidc-provider): the redirects through the OP's login, the
 * browser-binding cookie that must come back to the redirect URI (SameSite
 * Lax, on a top-level GET from another site), and the session cookie as
 * Chromium stores it. Muster and the OP on ports of 127.0.0.1 (their
 * cookies apart by name), the org's application on localhost.
 */

async function setUp(cleanup: Cleanup) {
  const { base, appUrl, use } = await serveMusterAndApplication(cleanup);
  const t = await testApp({ publicUrl: base, allowInsecureLoopbackIssuers: true });
  use(t.app);
  const org = await makeOrg(t);
  const patched = await t.admin.patch(`/api/v1/orgs/${org.id}`, { appUrls: [appUrl] });
  assert.equal(patched.status, 200, JSON.stringify(patched.body));

  const domain = `${org.slug}.oidc.test`;
  const email = `grace@${domain}`;
  const op = await startTestOp({
    accounts: [
      {
        sub: 'grace',
        claims: { email, email_verified: true, given_name: 'Grace', family_name: 'Hopper', groups: ['Eng'] },
      },
    ],
  });
  cleanup.push(() => op.close());
  op.signInAs('grace');
  const created = await t.admin.post(`/api/v1/orgs/${org.id}/connections`, {
    protocol: 'oidc',
    provider: 'okta',
    domains: [domain],
    oidc: { issuer: op.issuer, clientId: 'muster-browser', clientSecret: 'browser-test-client-secret' },
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const connection = created.body as { id: string; redirectUri: string };
  await op.addClient({
    clientId: 'muster-browser',
    clientSecret: 'browser-test-client-secret',
    redirectUris: [connection.redirectUri],
    tokenEndpointAuthMethod: 'client_secret_basic',
  });
  return { base, appUrl, org, email, op, connection };
}

describe('OIDC sign-in in headless Chromium', () => {
  it('login, the OP, the redirect URI with the binding cookie, session cookie, back to the app, /api/v1/me', {
    timeout: 60_000,
  }, async (t) => {
    await inChromium(
      t,
      'oidc-sign-in',
      setUp,
      async ({ base, appUrl, org, email, op, connection }, { context, page }) => {
        const returnTo = `${appUrl}/welcome`;
        const login = `${base}/sso/login?email=${encodeURIComponent(email)}&returnTo=${encodeURIComponent(returnTo)}`;
        const navigations = await followSignIn(page, login, returnTo);
        assert.equal(await page.locator('h1').textContent(), 'Welcome to /app/welcome');
        assert.equal(navigations[0], `GET ${base}/sso/login`);
        assert.ok(
          navigations.some((n) => n.startsWith(`GET ${op.issuer}/`)),
          JSON.stringify(navigations),
        );
        assert.ok(
          navigations.includes(`GET ${base}/sso/oidc/${connection.id}/callback`),
          JSON.stringify(navigations),
        );
        assert.equal(navigations.at(-1), `GET ${new URL(appUrl).origin}/app/welcome`);

        const cookies = await context.cookies(base);
        const session = cookies.find((c) => c.name === 'muster_session');
        assert.ok(session, JSON.stringify(cookies));
        assert.equal(session.httpOnly, true);
        assert.equal(session.sameSite, 'Lax');
        assert.ok(
          !cookies.some((c) => c.name.startsWith('muster_login_')),
          'the binding cookie is spent and cleared',
        );

        const me = await page.goto(`${base}/api/v1/me`);
        assert.equal(me?.status(), 200, await me?.text());
        const body = (await me?.json()) as {
          user: { email: string; familyName: string };
          org: { id: string };
        };
        assert.equal(body.user.email, email);
        assert.equal(body.user.familyName, 'Hopper');
        assert.equal(body.org.id, org.id);
      },
    );
  });
});
