import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { appOn } from '../support/app.ts';
import { plannedDatabase } from '../support/query-plans.ts';
import { makeDirectory, patchOp, scimClient, user } from '../support/scim.ts';

/**
 * Every statement the admin API makes, captured while driving it, must be
 * able to use an index: with sequential scans priced out, a plan that still
 * scans a table sequentially has no index to use.
 */
describe('query plans', () => {
  it('every statement the admin API makes can use an index', async () => {
    const { database, seen, withoutIndex } = await plannedDatabase();
    after(() => database.close());
    const t = await appOn(database);
    const org = (await t.admin.post('/api/v1/orgs', { name: 'Plans' })).body as { id: string; slug: string };
    const key = (await t.admin.post(`/api/v1/orgs/${org.id}/api-keys`, { name: 'k' })).body as {
      id: string;
      key: string;
    };
    const asKey = t.as(key.key);
    const team = (await asKey.post(`/api/v1/orgs/${org.slug}/teams`, { name: 'Platform' })).body as {
      id: string;
    };
    const steps = [
      asKey.get(`/api/v1/orgs/${org.slug}`),
      asKey.get(`/api/v1/orgs/${org.slug}/teams/platform`),
      asKey.get(`/api/v1/orgs/${org.slug}/teams/${team.id}`),
      asKey.get(`/api/v1/orgs/${org.slug}/teams?limit=1`),
      asKey.patch(`/api/v1/orgs/${org.slug}/teams/${team.id}`, { description: 'infra' }),
      asKey.get(`/api/v1/orgs/${org.slug}/api-keys`),
      asKey.get(`/api/v1/orgs/${org.slug}/audit-events?limit=1`),
      asKey.get(`/api/v1/orgs/${org.slug}/audit-events?action=team.created`),
      asKey.get(`/api/v1/orgs/${org.slug}/events?limit=1`),
      asKey.get(`/api/v1/orgs/${org.slug}/events?types=team.created`),
      t.admin.get('/api/v1/orgs?limit=1'),
      t.admin.get(`/api/v1/orgs/${org.id}`),
      t.admin.patch(`/api/v1/orgs/${org.id}`, { name: 'Plans renamed' }),
      asKey.delete(`/api/v1/orgs/${org.slug}/teams/${team.id}`),
    ];
    for (const step of steps) assert.ok((await step).status < 300);
    assert.equal((await t.admin.delete(`/api/v1/orgs/${org.id}/api-keys/${key.id}`)).status, 204);
    assert.ok(seen.size >= 10, `only ${seen.size} statements seen`);

    const offenders = await withoutIndex();
    assert.deepEqual(offenders, []);
  });

  it('every statement a SCIM sync makes can use an index', async () => {
    const { database, seen, withoutIndex } = await plannedDatabase();
    after(() => database.close());
    const t = await appOn(database);
    const org = (await t.admin.post('/api/v1/orgs', { name: 'Plans' })).body as { id: string };
    const dir = await makeDirectory(t, org.id, 'entra');
    const scim = scimClient(t, dir.id, dir.token);
    const created = [];
    for (const name of ['ada', 'grace', 'edsger']) {
      await scim.get(`/Users?filter=${encodeURIComponent(`userName eq "${name}@example.com"`)}`);
      created.push((await scim.post('/Users', user(`${name}@example.com`))).body as { id: string });
    }
    const [ada, grace] = created as [{ id: string }, { id: string }];
    const group = (
      await scim.post('/Groups', {
        schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
        displayName: 'Eng',
      })
    ).body as { id: string };
    const steps = [
      scim.get(`/Users?filter=${encodeURIComponent('userName eq "ada@example.com"')}`),
      scim.get('/Users?startIndex=2&count=1'),
      scim.get('/Users?startIndex=3&count=1'),
      scim.get('/Users?count=2'),
      scim.get('/Users?count=0'),
      scim.get(`/Users?count=1&cursor=`),
      scim.get(`/Users/${ada.id}`),
      scim.patch(`/Users/${grace.id}`, patchOp({ op: 'Replace', path: 'active', value: 'False' })),
      scim.patch(`/Groups/${group.id}`, patchOp({ op: 'Add', path: 'members', value: [{ value: ada.id }] })),
      scim.patch(
        `/Groups/${group.id}`,
        patchOp({ op: 'Remove', path: 'members', value: [{ value: ada.id }] }),
      ),
      scim.get(`/Groups?filter=${encodeURIComponent('displayName eq "Eng"')}&excludedAttributes=members`),
      scim.get('/Groups?startIndex=1&count=10'),
      t.admin.get(`/api/v1/orgs/${org.id}/directories/${dir.id}`),
      t.admin.get(`/api/v1/orgs/${org.id}/directories/${dir.id}/requests?limit=5`),
      scim.delete(`/Users/${grace.id}`),
      scim.delete(`/Groups/${group.id}`),
    ];
    for (const step of steps) {
      const res = await step;
      assert.ok(res.status < 300, `${res.status} ${JSON.stringify(res.body)}`);
    }
    assert.ok(seen.size >= 15, `only ${seen.size} statements seen`);
    assert.deepEqual(await withoutIndex(), []);
  });
});

describe('query plans of mappings and members', () => {
  it('every statement the engine, a reconciliation and the members API make can use an index', async () => {
    const { database, seen, withoutIndex } = await plannedDatabase();
    after(() => database.close());
    const t = await appOn(database);
    const org = (await t.admin.post('/api/v1/orgs', { name: 'Plans' })).body as { id: string };
    const team = (await t.admin.post(`/api/v1/orgs/${org.id}/teams`, { name: 'Platform' })).body as {
      id: string;
    };
    const dir = await makeDirectory(t, org.id, 'entra');
    const scim = scimClient(t, dir.id, dir.token);
    const ada = (await scim.post('/Users', user('ada@example.com'))).body as { id: string };
    const grace = (await scim.post('/Users', user('grace@example.com'))).body as { id: string };
    const group = (
      await scim.post('/Groups', {
        schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
        displayName: 'Eng',
        members: [{ value: ada.id }],
      })
    ).body as { id: string };
    const mapping = (
      await t.admin.post(`/api/v1/orgs/${org.id}/group-mappings`, {
        source: { directory: dir.id, group: 'Eng' },
        team: team.id,
        role: 'admin',
      })
    ).body as { id: string };
    await t.runJobs(org.id);
    const base = `/api/v1/orgs/${org.id}`;
    const steps = [
      () =>
        scim.patch(
          `/Groups/${group.id}`,
          patchOp({ op: 'Add', path: 'members', value: [{ value: grace.id }] }),
        ),
      () => scim.patch(`/Users/${grace.id}`, patchOp({ op: 'Replace', path: 'active', value: 'False' })),
      () =>
        scim.patch(
          `/Groups/${group.id}`,
          patchOp({ op: 'Replace', path: 'displayName', value: 'Engineering' }),
        ),
      () => t.admin.get(`${base}/group-mappings`),
      () => t.admin.get(`${base}/group-mappings?status=stale&directory=${dir.id}`),
      () => t.admin.get(`${base}/group-mappings/${mapping.id}`),
      () =>
        t.admin.post(`${base}/group-mappings/preview`, {
          source: { directory: dir.id, group: 'Engineering' },
          role: 'member',
        }),
      () => t.admin.post(`${base}/group-mappings/preview`, { mapping: mapping.id, delete: true }),
      () => t.admin.patch(`${base}/group-mappings/${mapping.id}`, { role: 'member' }),
      () => t.runJobs(org.id).then(() => ({ status: 200, body: {} })),
      () => t.admin.get(`${base}/members?limit=1`),
      () => t.admin.get(`${base}/members?team=${team.id}&source=scim&role=member&status=active&q=ada`),
      () => t.admin.get(`${base}/members/ada@example.com`),
      () => t.admin.get(`${base}/members/ada@example.com/why?team=${team.id}`),
      () => t.admin.patch(`${base}/members/ada@example.com`, { role: 'owner', teams: [team.id] }),
      () => t.admin.patch(`${base}/members/grace@example.com`, { role: 'admin', rolePinned: true }),
      () => t.admin.delete(`${base}/members/grace@example.com`),
      () => t.admin.delete(`${base}/group-mappings/${mapping.id}`),
      () => t.runJobs(org.id).then(() => ({ status: 200, body: {} })),
      () => scim.delete(`/Groups/${group.id}`),
      () => t.admin.delete(`${base}/teams/${team.id}`),
      () => t.admin.delete(`${base}/directories/${dir.id}`),
    ];
    for (const [i, step] of steps.entries()) {
      const res = await step();
      assert.ok(res.status < 300, `step ${i}: ${res.status} ${JSON.stringify(res.body)}`);
    }
    assert.ok(seen.size >= 30, `only ${seen.size} statements seen`);
    assert.deepEqual(await withoutIndex(), []);
  });
});
