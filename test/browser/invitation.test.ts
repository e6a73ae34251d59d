import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { testApp } from '../support/app.ts';
import { type Cleanup, inChromium, serveMusterAndApplication } from '../support/browser.ts';
import { makeOrg, makeTeam } from '../support/factories.ts';

/**
 * An invited person accepts in a real browser: opens the link, fills the
 * page's form with the keyboard (labels, no script), and lands signed in
 * at the org's application, a member of the invited team.
 */
async function setUp(cleanup: Cleanup) {
  const { base, appUrl, use } = await serveMusterAndApplication(cleanup);
  const t = await testApp({ publicUrl: base });
  use(t.app);
  const org = await makeOrg(t, 'Acme');
  const patched = await t.admin.patch(`/api/v1/orgs/${org.id}`, { appUrls: [appUrl] });
  assert.equal(patched.status, 200, JSON.stringify(patched.body));
  const team = await makeTeam(t, org.id, 'Partners');
  const res = await t.admin.post(`/api/v1/orgs/${org.id}/invitations`, {
    emails: ['ada@partner.test'],
    teams: ['Partners'],
    message: 'Welcome aboard',
  });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return { t, base, appUrl, org, team, acceptUrl: res.body.invitations[0].acceptUrl as string };
}

describe('an invitation accepted in headless Chromium', () => {
  it('opens the link, fills the form, and arrives signed in at the application', {
    timeout: 60_000,
  }, async (t) => {
    await inChromium(
      t,
      'invitation',
      setUp,
      async ({ t: app, base, appUrl, org, team, acceptUrl }, { page }) => {
        await page.goto(acceptUrl);
        assert.equal(await page.locator('h1').textContent(), 'Join Acme');
        assert.match((await page.locator('dl').textContent()) ?? '', /Partners/);
        await page.getByLabel('First name').fill('Ada');
        await page.getByLabel('Last name').fill('Lovelace');
        await page.getByLabel('Password (at least 12 characters)').fill('correct horse battery staple');
        await page.getByLabel('Password again').fill('correct horse battery staple');
        await page.getByLabel('Password again').press('Enter');
        await page.waitForURL((url) => url.href.startsWith(appUrl), { waitUntil: 'load' });
        assert.equal(await page.locator('h1').textContent(), `Welcome to ${new URL(appUrl).pathname}`);

        const me = await page.goto(`${base}/api/v1/me`);
        assert.equal(me?.status(), 200, await me?.text());
        const body = (await me?.json()) as {
          user: { email: string; givenName: string };
          teams: { id: string }[];
        };
        assert.equal(body.user.email, 'ada@partner.test');
        assert.equal(body.user.givenName, 'Ada');
        assert.deepEqual(
          body.teams.map((x) => x.id),
          [team.id],
        );
        const list = await app.admin.get(`/api/v1/orgs/${org.id}/invitations?status=accepted`);
        assert.equal(list.body.data.length, 1);
      },
    );
  });
});
