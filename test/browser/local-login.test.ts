import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { freshEmail, goodPassword, localMember } from '../protocols/login/support.ts';
import { testApp } from '../support/app.ts';
import { inChromium, serveMusterAndApplication } from '../support/browser.ts';
import { makeOrg } from '../support/factories.ts';

/**
 * A password sign-in in a real browser, at a phone's width, with the
 * keyboard alone: the email step, a wrong password, the right one, and
 * the hand-off to the org's application on another site, which Chromium
 * would refuse as a redirect after the form (CSP form-action 'self').
 */
describe('local sign-in in headless Chromium', () => {
  it('375 px wide, keyboard only, from /login to the application on another site', {
    timeout: 60_000,
  }, async (t) => {
    await inChromium(
      t,
      'local-login',
      async (cleanup) => {
        const { base, appUrl, use } = await serveMusterAndApplication(cleanup);
        const app = await testApp({ publicUrl: base });
        use(app.app);
        const org = await makeOrg(app);
        const patched = await app.admin.patch(`/api/v1/orgs/${org.id}`, { appUrls: [appUrl] });
        assert.equal(patched.status, 200, JSON.stringify(patched.body));
        const email = freshEmail();
        await localMember(app, org.id, email);
        return { base, appUrl, email };
      },
      async ({ base, appUrl, email }, { context, page }) => {
        await page.setViewportSize({ width: 375, height: 740 });
        const returnTo = `${appUrl}/welcome`;
        await page.goto(`${base}/login?returnTo=${encodeURIComponent(returnTo)}`);
        const fits = () => page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);
        assert.equal(await fits(), true, 'no sideways scrolling at 375 px');
        // The email field has the focus: type, Enter.
        await page.keyboard.type(email);
        await Promise.all([page.waitForSelector('#password'), page.keyboard.press('Enter')]);
        assert.equal(await page.evaluate(() => document.activeElement?.id), 'password');
        await page.keyboard.type('not the right password');
        await Promise.all([page.waitForSelector('[role="alert"]'), page.keyboard.press('Enter')]);
        assert.match((await page.locator('[role="alert"]').textContent()) ?? '', /not right/);
        assert.equal(await fits(), true);
        await page.focus('#password');
        await page.keyboard.type(goodPassword);
        await Promise.all([page.waitForURL(returnTo, { waitUntil: 'load' }), page.keyboard.press('Enter')]);
        assert.equal(await page.locator('h1').textContent(), 'Welcome to /app/welcome');
        const session = (await context.cookies(base)).find((c) => c.name === 'muster_session');
        assert.ok(session);
        assert.equal(session.httpOnly, true);
        const me = await page.goto(`${base}/api/v1/me`);
        assert.ok(me);
        assert.equal(me.status(), 200);
        assert.equal(((await me.json()) as { user: { email: string } }).user.email, email);
      },
    );
  });
});
