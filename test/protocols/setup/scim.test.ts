import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { publicUrl, type TestApp, testApp } from '../../support/app.ts';
import { auditOf } from '../../support/audit.ts';
import { makeOrg } from '../../support/factories.ts';
import { scimClient, user } from '../../support/scim.ts';
import { chooseIdp, fieldValue, itAdmin, makeSetupLink } from './support.ts';

const secretOf = (page: string) => /<p class="secret">([^<]+)<\/p>/.exec(page)?.[1];

/** What each IdP's provisioning settings call the base URL and the token. */
const scimLabels: [string, string, string][] = [
  ['entra', 'Tenant URL', 'Secret Token'],
  ['okta', 'SCIM connector base URL', 'HTTP Header'],
  ['jumpcloud', 'Base URL', 'Token Key'],
  ['keycloak', 'SCIM 2.0 endpoint', 'auth-pass'],
  ['generic', 'SCIM base URL', 'Bearer token'],
];

describe('setup portal: SCIM', () => {
  let t: TestApp;
  before(async () => {
    t = await testApp();
  });

  it('makes the directory once, shows its token once, and the token works against the SCIM endpoint', async () => {
    const org = await makeOrg(t);
    const link = await makeSetupLink(t, org.id, ['scim']);
    const c = itAdmin(t);
    await chooseIdp(c, link, 'entra');
    const first = await c.get(`${link.path}/scim`);
    assert.equal(first.status, 200);
    assert.match(first.text, /Create the SCIM connection/);

    const made = await c.submit(`${link.path}/scim`, `${link.path}/scim`, {});
    assert.equal(made.status, 200, made.text.slice(0, 500));
    const token = secretOf(made.text);
    assert.match(token ?? '', /^muster_scim_/);
    assert.match(made.text, /it is shown this once/);
    const read = await t.admin.get(`/api/v1/orgs/${org.id}/setup-links/${link.id}`);
    const directoryId = read.body.directoryId as string;
    assert.ok(directoryId);
    assert.equal(fieldValue(made.text, 'v-scim'), `${publicUrl}/scim/v2/${directoryId}`);
    assert.match(made.text, /<label for="v-scim">Tenant URL<\/label>/);
    const directory = await t.admin.get(`/api/v1/orgs/${org.id}/directories/${directoryId}`);
    assert.equal(directory.status, 200);
    assert.equal(directory.body.provider, 'entra');
    const [created] = await auditOf(t, org.id, 'directory.created', directoryId);
    assert.deepEqual(created?.actor, { type: 'setup_link', id: link.id });

    const again = await c.get(`${link.path}/scim`);
    assert.equal(secretOf(again.text), undefined, 'the token is not shown again');
    assert.ok(!again.text.includes(token ?? '?'));
    assert.match(again.text, /Make a new token/);
    const twice = await c.post(`${link.path}/scim`, {
      csrf:
        /action="[^"]*\/scim\/token"[^>]*><input type="hidden" name="csrf" value="([^"]+)"/.exec(
          again.text,
        )?.[1] ?? '',
    });
    assert.equal(twice.status, 403, 'another form’s CSRF field does not make a second directory');
    assert.equal((await t.admin.get(`/api/v1/orgs/${org.id}/directories`)).body.data.length, 1);

    const scim = scimClient(t, directoryId, token ?? '');
    const pushed = await scim.post('/Users', user(`ada@${org.slug}.example`));
    assert.equal(pushed.status, 201, pushed.text);
    const refused = await scim.post('/Users', user(`ada@${org.slug}.example`));
    assert.equal(refused.status, 409);

    const test = await c.get(`${link.path}/scim/test`);
    assert.equal(test.status, 200);
    assert.match(
      test.text,
      /The last 2 requests from Microsoft Entra ID, newest first: <strong>1 failed<\/strong>/,
    );
    assert.match(
      test.text,
      /<td>POST<\/td><td><code>\/scim\/v2\/[0-9a-f-]+\/Users<\/code><\/td><td>201<\/td><td>succeeded<\/td>/,
    );
    assert.match(test.text, /<td>409<\/td><td><strong>failed<\/strong>: /);
  });

  it('says when no request arrived yet, and makes a new token when the first is lost', async () => {
    const org = await makeOrg(t);
    const link = await makeSetupLink(t, org.id, ['scim']);
    const c = itAdmin(t);
    await chooseIdp(c, link, 'okta');
    const made = await c.submit(`${link.path}/scim`, `${link.path}/scim`, {});
    const firstToken = secretOf(made.text) ?? '';
    const empty = await c.get(`${link.path}/scim/test`);
    assert.match(empty.text, /No request from Okta arrived yet/);

    const renewed = await c.submit(`${link.path}/scim`, `${link.path}/scim/token`, {});
    assert.equal(renewed.status, 200, renewed.text.slice(0, 500));
    const second = secretOf(renewed.text) ?? '';
    assert.match(second, /^muster_scim_/);
    assert.notEqual(second, firstToken);
    assert.match(renewed.text, /the previous one works until you replace it/);
    const directoryId = (await t.admin.get(`/api/v1/orgs/${org.id}/setup-links/${link.id}`)).body.directoryId;
    assert.equal((await scimClient(t, directoryId, firstToken).get('/Users')).status, 200);
    assert.equal((await scimClient(t, directoryId, second).get('/Users')).status, 200);

    // A third: the directory keeps two live tokens, so the oldest goes.
    const third = await c.submit(`${link.path}/scim`, `${link.path}/scim/token`, {});
    assert.match(third.text, /the oldest \(muster_scim_[0-9a-f]+…\) was revoked/);
    assert.equal((await scimClient(t, directoryId, firstToken).get('/Users')).status, 401);
    assert.equal((await scimClient(t, directoryId, secretOf(third.text) ?? '').get('/Users')).status, 200);
  });

  for (const [provider, urlLabel, tokenWords] of scimLabels)
    it(`guides ${provider}'s provisioning settings`, async () => {
      const org = await makeOrg(t);
      const link = await makeSetupLink(t, org.id, ['scim']);
      const c = itAdmin(t);
      await chooseIdp(c, link, provider);
      const made = await c.submit(`${link.path}/scim`, `${link.path}/scim`, {});
      assert.ok(made.text.includes(`<label for="v-scim">${urlLabel}</label>`), urlLabel);
      assert.ok(made.text.includes(tokenWords), tokenWords);
    });
});
