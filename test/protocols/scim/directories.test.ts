import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { testApp } from '../../support/app.ts';
import { makeApiKey, makeOrg } from '../../support/factories.ts';
import { assertScimError, makeDirectory, scimClient } from '../../support/scim.ts';

describe('SCIM directories', () => {
  it('are created with a SCIM base URL and a token shown once, stored hashed', async () => {
    const t = await testApp();
    const org = await makeOrg(t);
    const dir = await makeDirectory(t, org.id, 'entra');
    assert.match(dir.token, /^muster_scim_[0-9a-f]{32}_[A-Za-z0-9_-]{43}$/);
    assert.equal(dir.scimBaseUrl, `https://muster.test/scim/v2/${dir.id}`);
    const read = await t.admin.get(`/api/v1/orgs/${org.id}/directories/${dir.id}`);
    assert.equal(read.status, 200);
    assert.equal(read.body.provider, 'entra');
    assert.equal(read.body.token, undefined);
    const rows = await t.database.db
      .selectFrom('directory_tokens')
      .selectAll()
      .where('directory_id', '=', dir.id)
      .execute();
    assert.equal(rows.length, 1);
    assert.ok(!JSON.stringify(rows).includes(dir.token.slice(-43)));
  });

  it('refuse an unknown provider with 400', async () => {
    const t = await testApp();
    const org = await makeOrg(t);
    const res = await t.admin.post(`/api/v1/orgs/${org.id}/directories`, { name: 'x', provider: 'ldap' });
    assert.equal(res.status, 400);
  });

  it('answer only their own token, in the SCIM error schema otherwise', async () => {
    const t = await testApp();
    const org = await makeOrg(t);
    const [a, b] = [await makeDirectory(t, org.id), await makeDirectory(t, org.id)];
    assert.equal((await scimClient(t, a.id, a.token).get('/Users')).status, 200);
    assertScimError(await scimClient(t, a.id, b.token).get('/Users'), 401);
    assertScimError(await scimClient(t, a.id, 'nonsense').get('/Users'), 401);
    assertScimError(await t.http.get(`/scim/v2/${a.id}/Users`), 401);
    const key = await makeApiKey(t, org.id);
    assertScimError(await scimClient(t, a.id, key.key).get('/Users'), 401);
    // and a SCIM token is no admin credential
    assert.equal((await t.as(a.token).get(`/api/v1/orgs/${org.id}`)).status, 401);
  });

  it('rotate with overlap: two live tokens at most, and a revoked one stops at once', async () => {
    const t = await testApp();
    const org = await makeOrg(t);
    const dir = await makeDirectory(t, org.id);
    const second = await t.admin.post(`/api/v1/orgs/${org.id}/directories/${dir.id}/tokens`);
    assert.equal(second.status, 201);
    const third = await t.admin.post(`/api/v1/orgs/${org.id}/directories/${dir.id}/tokens`);
    assert.equal(third.status, 409);
    assert.equal((await scimClient(t, dir.id, dir.token).get('/Users')).status, 200);
    assert.equal((await scimClient(t, dir.id, second.body.token).get('/Users')).status, 200);
    const revoke = await t.admin.delete(`/api/v1/orgs/${org.id}/directories/${dir.id}/tokens/${dir.tokenId}`);
    assert.equal(revoke.status, 204);
    assertScimError(await scimClient(t, dir.id, dir.token).get('/Users'), 401);
    assert.equal((await scimClient(t, dir.id, second.body.token).get('/Users')).status, 200);
    const list = await t.admin.get(`/api/v1/orgs/${org.id}/directories/${dir.id}/tokens`);
    assert.equal(list.body.data.length, 2);
    assert.equal(list.body.data.filter((x: { revokedAt: string | null }) => x.revokedAt === null).length, 1);
    assert.equal((await t.admin.post(`/api/v1/orgs/${org.id}/directories/${dir.id}/tokens`)).status, 201);
  });

  it('stop answering a token revoked by another process within a second, and at once when deleted here', async () => {
    const t = await testApp();
    const org = await makeOrg(t);
    const dir = await makeDirectory(t, org.id);
    const scim = scimClient(t, dir.id, dir.token);
    assert.equal((await scim.get('/Users')).status, 200);
    // Another Muster process on the same database revokes it: this one learns within its cache's second.
    await t.database.db
      .updateTable('directory_tokens')
      .set({ revoked_at: new Date() })
      .where('id', '=', dir.tokenId)
      .execute();
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    assertScimError(await scim.get('/Users'), 401);

    const other = await makeDirectory(t, org.id);
    const otherScim = scimClient(t, other.id, other.token);
    assert.equal((await otherScim.get('/Users')).status, 200);
    assert.equal((await t.admin.delete(`/api/v1/orgs/${org.id}/directories/${other.id}`)).status, 204);
    assertScimError(await otherScim.get('/Users'), 401);
  });

  it('are invisible to other orgs', async () => {
    const t = await testApp();
    const [a, b] = [await makeOrg(t), await makeOrg(t)];
    const dir = await makeDirectory(t, a.id);
    assert.equal((await t.admin.get(`/api/v1/orgs/${b.id}/directories/${dir.id}`)).status, 404);
    const keyB = await makeApiKey(t, b.id);
    assert.equal((await t.as(keyB.key).get(`/api/v1/orgs/${a.id}/directories/${dir.id}`)).status, 403);
  });

  it('keep a request log an org admin can read', async () => {
    const t = await testApp();
    const org = await makeOrg(t);
    const dir = await makeDirectory(t, org.id);
    const scim = scimClient(t, dir.id, dir.token);
    await scim.get('/Users?filter=userName eq "nobody@example.com"');
    await scim.get('/Users?filter=userName eq');
    let log: { method: string; status: number; scimType: string | null; path: string }[] = [];
    for (let i = 0; i < 50 && log.length < 2; i += 1) {
      log = (await t.admin.get(`/api/v1/orgs/${org.id}/directories/${dir.id}/requests`)).body.data;
      if (log.length < 2) await new Promise((r) => setTimeout(r, 20));
    }
    assert.equal(log.length, 2);
    assert.deepEqual(
      log.map((e) => [e.method, e.status, e.scimType]),
      [
        ['GET', 400, 'invalidFilter'],
        ['GET', 200, null],
      ],
    );
    assert.equal(log[0]?.path, `/scim/v2/${dir.id}/Users`);
  });
});

describe('SCIM discovery', () => {
  it('tells what is supported, and refuses writes with 405', async () => {
    const t = await testApp();
    const org = await makeOrg(t);
    const dir = await makeDirectory(t, org.id);
    const scim = scimClient(t, dir.id, dir.token);
    const config = await scim.get('/ServiceProviderConfig');
    assert.equal(config.status, 200);
    assert.match(config.headers['content-type'] ?? '', /application\/scim\+json/);
    assert.equal(config.body.patch.supported, true);
    assert.equal(config.body.filter.supported, true);
    assert.equal(config.body.authenticationSchemes[0].type, 'oauthbearertoken');
    const types = await scim.get('/ResourceTypes');
    assert.deepEqual(
      types.body.Resources.map((r: { endpoint: string }) => r.endpoint),
      ['/Users', '/Groups'],
    );
    const schemas = await scim.get('/Schemas');
    assert.equal(schemas.body.totalResults, 3);
    const user = await scim.get('/Schemas/urn:ietf:params:scim:schemas:core:2.0:User');
    const userName = user.body.attributes.find((a: { name: string }) => a.name === 'userName');
    assert.equal(userName.caseExact, false);
    assert.equal(userName.uniqueness, 'server');
    for (const path of ['/ServiceProviderConfig', '/ResourceTypes', '/Schemas']) {
      assertScimError(await scim.post(path, {}), 405);
      assertScimError(await scim.put(path, {}), 405);
      assertScimError(await scim.delete(path), 405);
    }
  });
});
