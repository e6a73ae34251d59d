import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { flagConnectionHealth } from '../../src/domain/sources/index.ts';
import { generateCertifiedKeyPair } from '../../src/infra/crypto/index.ts';
import { testApp } from '../support/app.ts';
import { inChromium, serveMusterAndApplication } from '../support/browser.ts';
import { makeSamlConnection } from '../support/connections.ts';
import { accessibilityViolations, consoleMember, screenshotBothWidths } from '../support/console.ts';
import { makeOrg } from '../support/factories.ts';
import { samlWorld } from '../support/saml-fixtures.ts';
import { idpMetadataXml } from '../support/saml-idp.ts';
import { scimClient, user } from '../support/scim.ts';

/**
 * An org admin in Chromium looks after the org's identity sources: the SSO
 * connections (one healthy, one with a certificate ending soon and a
 * warning), one connection's page, the new-connection forms; makes a SCIM
 * directory through the form and copies its token from the page; the IdP
 * uses it; the request log shows what it sent; the audit log shows who did
 * what. Each page is checked with axe and left as screenshots.
 */
async function setUp(cleanup: (() => Promise<void>)[]) {
  const { base, use } = await serveMusterAndApplication(cleanup);
  const t = await testApp({ publicUrl: base });
  use(t.app);
  const w = await samlWorld();
  const org = await makeOrg(t, 'Acme Sources');
  const healthy = await makeSamlConnection(t, org.id, w.idp, { name: 'Okta production' });
  const soon = (await generateCertifiedKeyPair({ commonName: 'idp soon', validForDays: 12 })).certificate;
  const ageing = await makeSamlConnection(t, org.id, w.idp, {
    name: 'Entra (old tenant)',
    provider: 'entra',
    saml: { metadataXml: idpMetadataXml(w.idp, [soon, w.nextIdpKeys.certificate]) },
  });
  await flagConnectionHealth(t.database.db, org.id, ageing.id, {
    groupsTruncated: { at: new Date().toISOString() },
  });
  const admin = await consoleMember(t, org.id, 'admin');
  return { t, base, org, healthy, ageing, token: admin.cookie.slice('muster_session='.length) };
}

describe('console identity sources in headless Chromium', () => {
  it('connections, a connection, directories, a new directory with its token, its request log, the audit log', {
    timeout: 120_000,
  }, async (tc) => {
    await inChromium(tc, 'console-sources', setUp, async ({ t, base, org, healthy, ageing, token }, b) => {
      const { context, page } = b;
      await context.addCookies([{ name: 'muster_session', value: token, url: base }]);
      const home = `${base}/console/orgs/${org.slug}`;
      const found: string[] = [];
      const check = async (name: string) => {
        await screenshotBothWidths(page, name);
        found.push(...(await accessibilityViolations(page)).map((v) => `${name}: ${v.id} ${v.help}`));
      };

      assert.equal((await page.goto(`${home}/connections`))?.status(), 200);
      assert.equal(await page.locator('h1').textContent(), 'SSO connections');
      assert.equal(await page.locator('table tbody tr').count(), 2);
      const warned = page.locator('tr', { hasText: 'Entra (old tenant)' }).locator('.warn');
      assert.ok((await warned.count()) >= 2, 'the certificate ending soon and the groups cut short');
      assert.equal(await page.locator('tr', { hasText: 'Okta production' }).locator('.warn').count(), 0);
      await check('connections-list');

      await page.getByRole('link', { name: 'Entra (old tenant)' }).click();
      await page.waitForURL(`${home}/connections/${ageing.id}`);
      const values = await page.locator('dl').first().textContent();
      for (const value of [ageing.spEntityId, ageing.acsUrl, ageing.spMetadataUrl])
        assert.ok(value && values?.includes(value), `${value} is on the page`);
      await check('connections-detail');

      await page.goto(`${home}/connections/new`);
      await page.getByLabel('Email domains (separated by commas)').first().fill('gmail.com');
      await page.locator('#saml-xml').fill(idpMetadataXml((await samlWorld()).idp));
      await page.getByRole('button', { name: 'Create SAML connection' }).click();
      await page.waitForURL(`${home}/connections`);
      assert.match((await page.getByRole('alert').textContent()) ?? '', /gmail\.com/);
      assert.equal(await page.locator('#saml-domains').inputValue(), 'gmail.com', 'the input is kept');
      await check('connections-new-refused');

      await page.getByRole('link', { name: 'SCIM directories' }).click();
      await page.waitForURL(`${home}/directories`);
      await page.getByLabel('Name').fill('Okta provisioning');
      await page.getByLabel('Provider (the IdP that pushes into it)').selectOption('okta');
      await page.getByRole('button', { name: 'Create directory' }).click();
      await page.waitForURL(`${home}/directories`);
      assert.equal(await page.locator('h1').textContent(), 'Directory Okta provisioning created');
      const secret = (await page.locator('.secret dd').nth(1).textContent()) ?? '';
      assert.match(secret, /^muster_scim_/);
      const baseUrl = (await page.locator('.secret dd').first().textContent()) ?? '';
      assert.match(baseUrl, new RegExp(`^${base}/scim/v2/`));
      await check('directories-created');

      // The IdP takes the token and the URL from the admin and pushes a user, then asks for one that is not there.
      const directoryId = baseUrl.split('/').at(-1) ?? '';
      const scim = scimClient(t, directoryId, secret);
      assert.equal((await scim.post('/Users', user('ada@acme-sources.test'))).status, 201);
      assert.equal((await scim.get('/Users/00000000-0000-7000-8000-000000000000')).status, 404);

      await page.getByRole('link', { name: 'Go to the directory' }).click();
      await page.waitForURL(`${home}/directories/${directoryId}`);
      assert.ok(!(await page.content()).includes(secret), 'the token is not shown again');
      await check('directories-detail');

      await page.getByRole('link', { name: /Request log/ }).click();
      await page.waitForURL(`${home}/directories/${directoryId}/requests`);
      assert.equal(await page.locator('table tbody tr').count(), 2);
      assert.match((await page.locator('table tbody tr').first().textContent()) ?? '', /404/);
      await check('directories-requests');

      await page.getByRole('link', { name: 'SCIM directories' }).click();
      await page.waitForURL(`${home}/directories`);
      assert.match((await page.locator('table tbody tr').first().textContent()) ?? '', /Okta provisioning/);
      await check('directories-list');

      await page.getByRole('link', { name: 'Audit log' }).click();
      await page.waitForURL(`${home}/audit`);
      assert.match((await page.locator('table tbody tr').first().textContent()) ?? '', /scim\.user_created/);
      assert.equal(await page.locator('tr', { hasText: 'directory.created' }).count(), 1);
      await page.getByLabel('Action').fill('connection.created');
      await page.getByRole('button', { name: 'Filter' }).click();
      await page.waitForURL(`${home}/audit?action=connection.created&targetId=`);
      assert.equal(await page.locator('table tbody tr').count(), 2);
      assert.ok((await page.content()).includes(healthy.id));
      await check('audit-log');

      assert.deepEqual(found, []);
    });
  });
});
