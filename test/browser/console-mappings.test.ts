import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { testApp } from '../support/app.ts';
import { type Cleanup, inChromium, serveMusterAndApplication } from '../support/browser.ts';
import { accessibilityViolations, consoleMember, screenshotBothWidths } from '../support/console.ts';
import { makeOrg, makeTeam } from '../support/factories.ts';
import { pushGroup, pushUsers } from '../support/mappings.ts';
import { makeDirectory, scimClient } from '../support/scim.ts';

/**
 * An org admin in Chromium maps an IdP group to a team: picks the group the
 * IdP pushed from the directory's list, a team, previews ("adds 2"), saves;
 * once the background job has run, the team's members are the group's.
 * Each page is checked with axe and left as screenshots.
 */
async function setUp(cleanup: Cleanup) {
  const { base, use } = await serveMusterAndApplication(cleanup);
  const t = await testApp({ publicUrl: base });
  use(t.app);
  const org = await makeOrg(t, 'Acme Mapped');
  const team = await makeTeam(t, org.id, 'Platform');
  await makeTeam(t, org.id, 'Data');
  const dir = await makeDirectory(t, org.id, 'entra');
  const scim = scimClient(t, dir.id, dir.token);
  const users = await pushUsers(scim, ['ada@acme.test', 'bob@acme.test', 'cy@acme.test']);
  await pushGroup(scim, 'Engineering', [users['ada@acme.test'] as string, users['bob@acme.test'] as string]);
  await pushGroup(scim, 'Sales', [users['cy@acme.test'] as string]);
  const admin = await consoleMember(t, org.id, 'admin');
  return { t, base, org, team, token: admin.cookie.slice('muster_session='.length) };
}

describe('console group mappings in headless Chromium', () => {
  it('maps a directory group to a team, previewed, and the members move', { timeout: 90_000 }, async (tc) => {
    await inChromium(
      tc,
      'console-mappings',
      setUp,
      async ({ t, base, org, team, token }, { context, page }) => {
        await context.addCookies([{ name: 'muster_session', value: token, url: base }]);
        const home = `${base}/console/orgs/${org.slug}`;
        const found: string[] = [];
        const check = async (name: string) => {
          await screenshotBothWidths(page, name);
          for (const v of await accessibilityViolations(page)) found.push(`${name}: ${v.id} ${v.help}`);
        };

        assert.equal((await page.goto(`${home}/mappings`))?.status(), 200);
        assert.equal(await page.locator('h1').textContent(), 'Group mappings');
        assert.match((await page.locator('tbody').textContent()) ?? '', /No group mappings yet/);
        await check('mappings-list');

        await page.getByRole('link', { name: 'New mapping' }).click();
        await page.waitForURL(`${home}/mappings/new`);
        await page.getByLabel('Group name starts with').fill('eng');
        await page.getByRole('button', { name: 'Find groups' }).click();
        await page.waitForURL(
          (url) => url.pathname.endsWith('/mappings/new') && url.searchParams.get('q') === 'eng',
        );
        const groups = page.getByRole('group', { name: 'Group' }).getByRole('radio');
        assert.equal(await groups.count(), 1, 'the search leaves one group');
        await page.getByLabel('Engineering (2 members)').check();
        await page.locator('#directory-team').selectOption({ label: 'Platform' });
        await check('mappings-new-groups');

        await page.getByRole('button', { name: 'Preview' }).first().click();
        await page.waitForURL(`${home}/mappings/preview`);
        const headline = (await page.getByRole('status').textContent()) ?? '';
        assert.match(headline, /adds 2 members to Platform, removes 0/i);
        assert.match(
          (await page.locator('main, body').first().textContent()) ?? '',
          /ada@acme\.test[\s\S]*bob@acme\.test/,
        );
        await check('mappings-preview');

        await page.getByRole('button', { name: 'Save mapping' }).click();
        await page.waitForURL(`${home}/mappings`);
        assert.match((await page.getByRole('status').textContent()) ?? '', /Mapping of Engineering saved/);
        const row = page.locator('tbody tr');
        assert.equal(await row.count(), 1);
        assert.match(
          (await row.textContent()) ?? '',
          /SCIM directory entra directory\s*Engineering\s*Platform\s*none\s*Active/,
        );
        await check('mappings-saved');

        assert.ok((await t.runJobs(org.id)) > 0, 'the mapping was applied by a job');
        await page.getByRole('link', { name: 'Platform', exact: true }).click();
        await page.waitForURL(`${home}/members?team=${team.slug}`);
        const emails = await page.locator('tbody tr td:nth-child(2)').allTextContents();
        assert.deepEqual(emails.sort(), ['ada@acme.test', 'bob@acme.test']);
        await check('mappings-team-members');

        assert.deepEqual(found, []);
      },
    );
  });
});
