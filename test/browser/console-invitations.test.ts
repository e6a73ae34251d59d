import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { testApp } from '../support/app.ts';
import { inChromium, serveMusterAndApplication } from '../support/browser.ts';
import { accessibilityViolations, consoleMember, screenshotBothWidths } from '../support/console.ts';
import { makeOrg, makeTeam } from '../support/factories.ts';

/**
 * An org admin in Chromium: looks at the members and one member, then
 * invites three people at once through the console's form (typed in, a
 * team checked, sent), sees the three links, and finds the three pending
 * in the list. Each page is checked with axe and left as screenshots.
 */
async function setUp(cleanup: (() => Promise<void>)[]) {
  const { base, use } = await serveMusterAndApplication(cleanup);
  const t = await testApp({ publicUrl: base });
  use(t.app);
  const org = await makeOrg(t, 'Acme Browser');
  const team = await makeTeam(t, org.id, 'Partners');
  await makeTeam(t, org.id, 'Platform');
  const admin = await consoleMember(t, org.id, 'admin');
  const colleague = await consoleMember(t, org.id, 'member');
  const held = await t.admin.patch(`/api/v1/orgs/${org.id}/members/${colleague.userId}`, {
    teams: [team.id],
  });
  assert.equal(held.status, 200, JSON.stringify(held.body));
  return { t, base, org, team, colleague, token: admin.cookie.slice('muster_session='.length) };
}

describe('console invitations in headless Chromium', () => {
  it('invites three people through the form and lists them as pending', { timeout: 90_000 }, async (tc) => {
    await inChromium(
      tc,
      'console-invitations',
      setUp,
      async ({ t, base, org, team, colleague, token }, b) => {
        const { context, page } = b;
        await context.addCookies([{ name: 'muster_session', value: token, url: base }]);
        const home = `${base}/console/orgs/${org.slug}`;
        const violations = async (name: string) =>
          (await accessibilityViolations(page)).map((v) => `${name}: ${v.id} ${v.help}`);
        const found: string[] = [];

        assert.equal((await page.goto(`${home}/members`))?.status(), 200);
        assert.equal(await page.locator('h1').textContent(), 'Members');
        await screenshotBothWidths(page, 'members-list');
        found.push(...(await violations('members')));

        await page.getByRole('link', { name: colleague.email }).click();
        await page.waitForURL(`${home}/members/${colleague.userId}`);
        assert.equal(await page.getByLabel('Partners').isChecked(), true, 'the team held by hand is checked');
        await screenshotBothWidths(page, 'members-detail');
        found.push(...(await violations('member')));

        await page.getByRole('link', { name: 'Invitations', exact: true }).click();
        await page.waitForURL(`${home}/invitations`);
        await screenshotBothWidths(page, 'invitations-form');
        found.push(...(await violations('invitations')));

        const emails = page.getByLabel('Emails (one a line, or separated by commas)');
        await emails.click();
        await emails.pressSequentially('ada@partner.test\nalan@partner.test, grace@partner.test');
        await page.getByLabel('Partners').check();
        await page.getByLabel('Personal message (optional, in the mail)').fill('Welcome aboard');
        await page.getByRole('button', { name: 'Send invitations' }).click();
        await page.waitForURL(`${home}/invitations`);
        assert.equal(await page.locator('h1').textContent(), 'Invitations sent');
        const links = await page.locator('code.accept-url').allTextContents();
        assert.equal(links.length, 3, 'three links');
        for (const link of links) assert.match(link, new RegExp(`^${base}/invite/[A-Za-z0-9_-]+$`));
        assert.equal(new Set(links).size, 3, 'each its own');
        await screenshotBothWidths(page, 'invitations-result');
        found.push(...(await violations('result')));

        await page.getByRole('link', { name: 'Back to invitations' }).click();
        await page.getByLabel('Status').selectOption('pending');
        await page.getByRole('button', { name: 'Filter' }).click();
        await page.waitForURL(`${home}/invitations?status=pending`);
        const rows = page.locator('table tbody tr');
        assert.equal(await rows.count(), 3);
        const listed = (await rows.allTextContents()).join('\n');
        for (const email of ['ada@partner.test', 'alan@partner.test', 'grace@partner.test'])
          assert.match(listed, new RegExp(`${email.replace(/\./g, '\\.')}pending`));
        assert.equal(
          await page.getByRole('button', { name: 'Revoke the invitation to ada@partner.test' }).count(),
          1,
        );
        await screenshotBothWidths(page, 'invitations-pending');
        found.push(...(await violations('pending')));
        assert.deepEqual(found, []);

        const api = await t.admin.get(`/api/v1/orgs/${org.id}/invitations?status=pending`);
        assert.equal(api.body.data.length, 3);
        for (const invitation of api.body.data as { teamIds: string[]; message: string }[]) {
          assert.deepEqual(invitation.teamIds, [team.id]);
          assert.equal(invitation.message, 'Welcome aboard');
        }
      },
    );
  });
});
