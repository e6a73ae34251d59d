import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { openDatabase } from '../../../src/storage/index.ts';
import { appOn, testApp } from '../../support/app.ts';
import { auditOf } from '../../support/audit.ts';
import { makeOrg } from '../../support/factories.ts';
import {
  assertScimError,
  groupSchema,
  makeDirectory,
  patchSchema,
  type ScimClient,
  scimClient,
  user,
} from '../../support/scim.ts';

async function setup(provider = 'generic') {
  const t = await testApp();
  const org = await makeOrg(t);
  const dir = await makeDirectory(t, org.id, provider);
  return { t, org, dir, scim: scimClient(t, dir.id, dir.token) };
}

async function users(scim: ScimClient, n: number, prefix = 'm'): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i += 1) {
    const res = await scim.post('/Users', user(`${prefix}${i}-${Date.now()}@example.com`));
    assert.equal(res.status, 201, JSON.stringify(res.body));
    ids.push(res.body.id);
  }
  return ids;
}

async function memberIds(scim: ScimClient, groupId: string): Promise<string[]> {
  const res = await scim.get(`/Groups/${groupId}`);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return (res.body.members ?? []).map((m: { value: string }) => m.value).sort();
}

const patch = (...Operations: unknown[]) => ({ schemas: [patchSchema], Operations });

describe('SCIM /Groups', () => {
  it('creates a group with members, and reads them back', async () => {
    const { dir, scim } = await setup();
    const ids = await users(scim, 2);
    const res = await scim.post('/Groups', {
      schemas: [groupSchema],
      displayName: 'Eng',
      members: ids.map((value) => ({ value })),
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.equal(res.headers.location, `https://muster.test/scim/v2/${dir.id}/Groups/${res.body.id}`);
    assert.equal(res.body.meta.resourceType, 'Group');
    assert.deepEqual(res.body.members.map((m: { value: string }) => m.value).sort(), [...ids].sort());
    assert.deepEqual(await memberIds(scim, res.body.id), [...ids].sort());
  });

  it('finds groups by displayName and leaves members out when asked', async () => {
    const { scim } = await setup();
    const ids = await users(scim, 1);
    await scim.post('/Groups', {
      schemas: [groupSchema],
      displayName: 'Sales EMEA',
      members: [{ value: ids[0] }],
    });
    const res = await scim.get(
      `/Groups?filter=${encodeURIComponent('displayName eq "sales emea"')}&excludedAttributes=members`,
    );
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.totalResults, 1);
    assert.equal(res.body.Resources[0].displayName, 'Sales EMEA');
    assert.equal(res.body.Resources[0].members, undefined);
  });

  it('adds and removes members the way Entra does (value lists), never removing the rest', async () => {
    const { scim } = await setup('entra');
    const [a, b, c] = await users(scim, 3);
    const group = (await scim.post('/Groups', { schemas: [groupSchema], displayName: 'Entra group' })).body;
    const add = await scim.patch(
      `/Groups/${group.id}`,
      patch({ op: 'Add', path: 'members', value: [{ value: a }, { value: b }, { value: c }] }),
    );
    assert.equal(add.status, 204, JSON.stringify(add.body));
    const remove = await scim.patch(
      `/Groups/${group.id}`,
      patch({ op: 'Remove', path: 'members', value: [{ value: b }] }),
    );
    assert.equal(remove.status, 204, JSON.stringify(remove.body));
    assert.deepEqual(await memberIds(scim, group.id), [a, c].sort());
  });

  it('removes by filter path and renames the way Okta does', async () => {
    const { scim } = await setup('okta');
    const [a, b] = await users(scim, 2);
    const group = (
      await scim.post('/Groups', {
        schemas: [groupSchema],
        displayName: 'Okta group',
        members: [{ value: a }, { value: b }],
      })
    ).body;
    const res = await scim.patch(
      `/Groups/${group.id}`,
      patch(
        { op: 'remove', path: `members[value eq "${a}"]` },
        { op: 'replace', value: { id: group.id, displayName: 'Renamed' } },
      ),
    );
    assert.equal(res.status, 204, JSON.stringify(res.body));
    const read = await scim.get(`/Groups/${group.id}`);
    assert.equal(read.body.displayName, 'Renamed');
    assert.deepEqual(await memberIds(scim, group.id), [b]);
  });

  it('replaces members exactly with PUT', async () => {
    const { scim } = await setup();
    const [a, b, c] = await users(scim, 3);
    const group = (
      await scim.post('/Groups', {
        schemas: [groupSchema],
        displayName: 'Put group',
        members: [{ value: a }, { value: b }],
      })
    ).body;
    const res = await scim.put(`/Groups/${group.id}`, {
      schemas: [groupSchema],
      displayName: 'Put group',
      members: [{ value: b }, { value: c }],
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(await memberIds(scim, group.id), [b, c].sort());
  });

  it('refuses a member that is not a user id, and an unknown path', async () => {
    const { scim } = await setup();
    const group = (await scim.post('/Groups', { schemas: [groupSchema], displayName: 'Strict' })).body;
    assertScimError(
      await scim.patch(
        `/Groups/${group.id}`,
        patch({ op: 'add', path: 'members', value: [{ value: 'not-an-id' }] }),
      ),
      400,
      'invalidValue',
    );
    assertScimError(
      await scim.patch(`/Groups/${group.id}`, patch({ op: 'replace', path: 'nonsense', value: 'x' })),
      400,
      'invalidPath',
    );
  });

  it('keeps every member when PATCHes add and remove in parallel', async () => {
    const { scim } = await setup('entra');
    const ids = await users(scim, 12);
    const group = (
      await scim.post('/Groups', {
        schemas: [groupSchema],
        displayName: 'Busy',
        members: ids.slice(0, 6).map((value) => ({ value })),
      })
    ).body;
    const adds = ids
      .slice(6)
      .map((value) =>
        scim.patch(`/Groups/${group.id}`, patch({ op: 'Add', path: 'members', value: [{ value }] })),
      );
    const removes = ids
      .slice(0, 3)
      .map((value) =>
        scim.patch(`/Groups/${group.id}`, patch({ op: 'Remove', path: 'members', value: [{ value }] })),
      );
    const again = ids
      .slice(6, 9)
      .map((value) =>
        scim.patch(`/Groups/${group.id}`, patch({ op: 'Add', path: 'members', value: [{ value }] })),
      );
    for (const res of await Promise.all([...adds, ...removes, ...again])) assert.equal(res.status, 204);
    const expected = ids.slice(3).sort();
    assert.deepEqual(await memberIds(scim, group.id), expected);
    const listed = await scim.get(`/Groups?filter=${encodeURIComponent('displayName eq "Busy"')}`);
    assert.equal(listed.body.Resources[0].members.length, expected.length);
  });

  it("shows a user's groups on the user, unless left out", async () => {
    const { scim } = await setup();
    const [a] = await users(scim, 1);
    const group = (
      await scim.post('/Groups', { schemas: [groupSchema], displayName: 'Shown', members: [{ value: a }] })
    ).body;
    const read = await scim.get(`/Users/${a}`);
    assert.deepEqual(
      read.body.groups.map((g: { value: string; display: string }) => [g.value, g.display]),
      [[group.id, 'Shown']],
    );
    const listed = await scim.get(`/Users?filter=${encodeURIComponent(`id eq "${a}"`)}`);
    assert.equal(listed.body.Resources[0].groups[0].value, group.id);
    assert.equal((await scim.get(`/Users/${a}?excludedAttributes=groups`)).body.groups, undefined);
    await scim.patch(`/Groups/${group.id}`, patch({ op: 'remove', path: `members[value eq "${a}"]` }));
    assert.equal((await scim.get(`/Users/${a}`)).body.groups, undefined);
  });

  it("a deleted user leaves its groups, and the groups' member counts come down with it", async () => {
    const { t, org, scim } = await setup();
    const [a, b, c] = await users(scim, 3);
    const group = (
      await scim.post('/Groups', {
        schemas: [groupSchema],
        displayName: 'Counted',
        members: [a, b, c].map((value) => ({ value })),
      })
    ).body;
    assert.equal((await scim.delete(`/Users/${b}`)).status, 204);
    assert.deepEqual(await memberIds(scim, group.id), [a, c].sort());
    // The count an audit event and the request log report for the group, and a reconciliation's total.
    const renamed = await scim.patch(
      `/Groups/${group.id}`,
      patch({ op: 'replace', path: 'displayName', value: 'Still counted' }),
    );
    assert.ok(renamed.status === 200 || renamed.status === 204, JSON.stringify(renamed.body));
    const [event] = await auditOf(t, org.id, 'scim.group_renamed');
    assert.equal(event?.before?.members, 2, JSON.stringify(event));
    assert.equal(event?.after?.members, 2);
  });

  it('deletes: 204, then 404, and its members stay users', async () => {
    const { scim } = await setup();
    const [a] = await users(scim, 1);
    const group = (
      await scim.post('/Groups', { schemas: [groupSchema], displayName: 'Gone', members: [{ value: a }] })
    ).body;
    assert.equal((await scim.delete(`/Groups/${group.id}`)).status, 204);
    assertScimError(await scim.get(`/Groups/${group.id}`), 404);
    assert.equal((await scim.get(`/Users/${a}`)).status, 200);
  });
});

describe('SCIM groups across two Muster processes', () => {
  const url = process.env.MUSTER_TEST_DATABASE_URL;
  it('lose no member when two processes change one group at once', {
    skip: !url && 'needs the PostgreSQL server',
  }, async () => {
    const { t, dir, scim } = await setup('entra');
    const second = await openDatabase({ url: url ?? '', poolMax: 4 });
    after(() => second.close());
    const other = scimClient(await appOn(second), dir.id, dir.token);
    const ids = await users(scim, 20, 'two');
    const group = (await scim.post('/Groups', { schemas: [groupSchema], displayName: 'Two processes' })).body;
    const calls = ids.map((value, i) =>
      (i % 2 === 0 ? scim : other).patch(
        `/Groups/${group.id}`,
        patch({ op: 'Add', path: 'members', value: [{ value }] }),
      ),
    );
    const removals = ids
      .slice(0, 5)
      .map((value, i) =>
        (i % 2 === 0 ? other : scim).patch(
          `/Groups/${group.id}`,
          patch({ op: 'Remove', path: 'members', value: [{ value }] }),
        ),
      );
    for (const res of await Promise.all(calls)) assert.equal(res.status, 204);
    for (const res of await Promise.all(removals)) assert.equal(res.status, 204);
    const final = await memberIds(scim, group.id);
    assert.deepEqual(final, ids.slice(5).sort());
    const row = await t.database.db
      .selectFrom('scim_groups')
      .select('member_count')
      .where('id', '=', group.id)
      .executeTakeFirstOrThrow();
    assert.equal(row.member_count, 15);
  });
});
