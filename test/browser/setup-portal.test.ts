import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { generateSamlKeyPair } from '../../src/protocols/saml/index.ts';
import { testApp } from '../support/app.ts';
import { type Cleanup, inChromium, serveMusterAndApplication } from '../support/browser.ts';
import type { ConnectionBody } from '../support/connections.ts';
import { accessibilityViolations, screenshotBothWidths } from '../support/console.ts';
import { makeOrg } from '../support/factories.ts';
import { idpMetadataXml } from '../support/saml-idp.ts';
import { startIdpServer } from '../support/saml-idp-server.ts';

/**
 * The customer's IT admin sets up single sign-on and SCIM from a setup
 * link in a real browser, with no Muster account: chooses the IdP, uploads
 * its metadata, sees the check's findings, activates, runs a test sign-in
 * against a running IdP (which signs its answer), and sees the attributes
 * and groups that arrived. Each step passes axe and fits 375 px.
 */
async function setUp(cleanup: Cleanup) {
  const { base, use } = await serveMusterAndApplication(cleanup);
  const t = await testApp({ publicUrl: base, allowInsecureLoopbackIssuers: true });
  use(t.app);
  const org = await makeOrg(t, 'Acme Portal');
  const domain = `${org.slug}.x.test`;
  const idp = await startIdpServer({
    keys: await generateSamlKeyPair({ commonName: 'setup portal browser idp' }),
    person: {
      email: `grace@${domain}`,
      firstName: 'Grace',
      lastName: 'Hopper',
      displayName: 'Grace Hopper',
      groups: ['Compilers', 'Navy'],
    },
    provider: 'okta',
  });
  cleanup.push(() => idp.close());
  const res = await t.admin.post(`/api/v1/orgs/${org.id}/setup-links`, { features: ['sso', 'scim'] });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return {
    t,
    base,
    org,
    domain,
    idp,
    url: res.body.url as string,
    connectionId: res.body.connectionId as string,
  };
}

async function step(page: Page, name: string, found: string[]) {
  await screenshotBothWidths(page, `setup-portal-${name}`);
  for (const v of await accessibilityViolations(page))
    found.push(`${name}: ${v.id} (${v.impact}) ${v.help} at ${JSON.stringify(v.nodes.map((n) => n.target))}`);
}

describe('the setup portal in headless Chromium', () => {
  it('choose the IdP, upload metadata, see the lint, activate, test sign-in, see what arrived; then SCIM', {
    timeout: 120_000,
  }, async (t) => {
    await inChromium(
      t,
      'setup-portal',
      setUp,
      async ({ t: app, base, org, domain, idp, url, connectionId }, { page }) => {
        const found: string[] = [];
        const path = new URL(url).pathname;
        await page.goto(url);
        assert.equal(await page.locator('h1').textContent(), 'Connect your identity provider to Acme Portal');
        await step(page, 'start', found);

        await page.getByLabel('Your identity provider').selectOption('okta');
        await page.getByLabel('Sign-in protocol').selectOption('saml');
        await page.getByRole('button', { name: 'Continue' }).click();
        await page.waitForURL(`${base}${path}/sso`);
        assert.equal(await page.locator('h1').textContent(), 'Single sign-on with Okta');
        const shownAcs = await page.getByLabel('Single sign-on URL').inputValue();
        const shownEntity = await page.getByLabel('Audience URI (SP Entity ID)').inputValue();
        assert.equal(shownAcs, `${base}/sso/saml/${connectionId}/acs`);
        assert.equal(await page.getByRole('button', { name: 'Activate single sign-on' }).isDisabled(), true);
        await step(page, 'sso', found);

        // Muster's own SP metadata by mistake: the check says so and activation stays shut.
        const own = idpMetadataXml({ ...idp.idp, entityId: shownEntity });
        await page.getByLabel('Or the metadata file').setInputFiles({
          name: 'metadata.xml',
          mimeType: 'application/xml',
          buffer: Buffer.from(own),
        });
        await page.getByRole('button', { name: 'Check the metadata' }).click();
        await page.waitForURL(`${base}${path}/sso#findings`);
        assert.match(
          (await page.locator('p.error[role=alert]').textContent()) ?? '',
          /One problem stops activation/,
        );
        assert.equal(await page.getByRole('button', { name: 'Activate single sign-on' }).isDisabled(), true);
        await step(page, 'lint-error', found);

        await page.getByLabel('Or the metadata file').setInputFiles({
          name: 'okta-metadata.xml',
          mimeType: 'application/xml',
          buffer: Buffer.from(idpMetadataXml(idp.idp)),
        });
        await page.getByRole('button', { name: 'Check the metadata' }).click();
        await page.waitForURL(`${base}${path}/sso#findings`);
        assert.equal(
          await page.getByRole('status').filter({ hasText: 'Nothing stops activation' }).count(),
          1,
        );
        await step(page, 'checked', found);

        await page.getByLabel('Email domains of the people who sign in').fill(domain);
        await page.getByRole('button', { name: 'Activate single sign-on' }).click();
        await page.waitForURL(`${base}${path}/sso#test`);
        assert.match(
          (await page.locator('p.notice').first().textContent()) ?? '',
          /Single sign-on is active/,
        );
        const connection = (await app.admin.get(`/api/v1/orgs/${org.id}/connections/${connectionId}`))
          .body as ConnectionBody;
        assert.equal(connection.acsUrl, shownAcs, 'the connection made has the ACS URL shown before');
        await step(page, 'active', found);

        // The IdP's admin imports Muster's SP metadata, which answers now that the connection exists.
        const spMetadata = await fetch(connection.spMetadataUrl ?? '');
        assert.equal(spMetadata.status, 200);
        idp.registerServiceProvider(await spMetadata.text());

        const toIdp = page.waitForRequest((r) => r.isNavigationRequest() && r.url().startsWith(idp.origin));
        await page.getByRole('link', { name: 'Test sign-in' }).click();
        await toIdp;
        await page.waitForURL(`${base}${path}/sso#test`, { waitUntil: 'load' });
        assert.deepEqual(idp.refusals, []);
        assert.equal(idp.requests[0]?.acsUrl, shownAcs);
        const results = (await page.locator('main').textContent()) ?? '';
        assert.match(results, /UTC: succeeded/);
        assert.match(results, new RegExp(`Email\\s*grace@${domain.replace(/\./g, '\\.')}`));
        assert.match(results, /Groups\s*Compilers, Navy/);
        const attributes = page.getByRole('table').filter({ hasText: 'Attributes and claims that arrived' });
        assert.match((await attributes.textContent()) ?? '', /firstName\s*Grace/);
        const members = await app.admin.get(`/api/v1/orgs/${org.id}/members`);
        assert.equal(members.body.data.length, 0, 'the test signed nobody in');
        await step(page, 'test-sign-in', found);

        await page.getByRole('link', { name: 'SCIM provisioning' }).click();
        await page.getByRole('button', { name: 'Create the SCIM connection' }).click();
        const token = (await page.locator('p.secret').textContent()) ?? '';
        assert.match(token, /^muster_scim_/);
        await step(page, 'scim', found);
        const scimUrl = await page.getByLabel('SCIM connector base URL').inputValue();
        const pushed = await fetch(`${scimUrl}/Users`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/scim+json' },
          body: JSON.stringify({
            schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
            userName: `grace@${domain}`,
            emails: [{ value: `grace@${domain}`, primary: true }],
          }),
        });
        assert.equal(pushed.status, 201, await pushed.text());
        await page.goto(`${base}${path}/scim`);
        await page.getByRole('link', { name: 'Test SCIM' }).click();
        assert.match(
          (await page.locator('table').textContent()) ?? '',
          /POST\s*\/scim\/v2\/[0-9a-f-]+\/Users\s*201\s*succeeded/,
        );
        await step(page, 'scim-test', found);

        assert.deepEqual(found, []);
      },
    );
  });
});
