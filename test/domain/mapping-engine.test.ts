import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { testApp } from '../support/app.ts';
import { makeOrg, makeTeam } from '../support/factories.ts';
import {
  addMembers,
  makeMapping,
  memberOf,
  pushGroup,
  pushUsers,
  removeMembers,
} from '../support/mappings.ts';
import { groupSchema, makeDirectory, patchOp, scimClient } from '../support/scim.ts';

/**
 * The engine through the real edges: the IdP pushes over SCIM, the admin maps
 * over the API, and the members API shows what each user holds and from where.
 */
async function setup(provider = 'entra') {
  const t = await testApp();
  const org = await makeOrg(t);
  const dir = await makeDirectory(t, org.id, provider);
  const scim = scimClient(t, dir.id, dir.token);
  const platform = await makeTeam(t, org.id, 'Platform');
  const data = await makeTeam(t, org.id, 'Data');
  return { t, org, dir, scim, platform, data };
}

const ada = 'ada@example.com';
const grace = 'grace@example.com';
const alan = 'alan@example.com';

describe('mapping engine: SCIM group events', () => {
  it('member added, then removed: the team follows, with the SCIM request as the cause', async () => {
    const { t, org, dir, scim, platform } = await setup();
    const users = await pushUsers(scim, [ada]);
    const group = await pushGroup(scim, 'Eng-Platform');
    await makeMapping(t, org.id, {
      source: { directory: dir.id, group: 'Eng-Platform' },
      team: platform.slug,
    });
    assert.deepEqual((await memberOf(t, org.id, ada)).teams, {});

    const added = await addMembers(scim, group, [users[ada] as string]);
    assert.deepEqual((await memberOf(t, org.id, ada)).teams, { [platform.slug]: ['scim'] });
    const why = await t.admin.get(`/api/v1/orgs/${org.id}/members/${ada}/why?team=${platform.slug}`);
    assert.equal(why.status, 200, JSON.stringify(why.body));
    assert.equal(why.body.member, true);
    assert.equal(why.body.grants[0].grantedBy.cause.type, 'scim_request');
    assert.equal(why.body.grants[0].grantedBy.cause.id, added.headers['x-request-id']);
    assert.equal(why.body.grants[0].grantedBy.actor.type, 'scim');
    assert.equal(why.body.grants[0].mapping.group.name, 'Eng-Platform');

    await removeMembers(scim, group, [users[ada] as string]);
    assert.deepEqual((await memberOf(t, org.id, ada)).teams, {});
  });

  it('a PUT that replaces the members adds and removes exactly the difference', async () => {
    const { t, org, dir, scim, platform } = await setup('okta');
    const users = await pushUsers(scim, [ada, grace, alan]);
    const group = await pushGroup(scim, 'Eng', [users[ada] as string, users[grace] as string]);
    await makeMapping(t, org.id, { source: { directory: dir.id, group }, team: platform.id });
    const put = await scim.put(`/Groups/${group}`, {
      schemas: [groupSchema],
      displayName: 'Eng',
      members: [{ value: users[grace] }, { value: users[alan] }],
    });
    assert.equal(put.status, 200, JSON.stringify(put.body));
    assert.deepEqual((await memberOf(t, org.id, ada)).teams, {});
    assert.deepEqual((await memberOf(t, org.id, grace)).teams, { [platform.slug]: ['scim'] });
    assert.deepEqual((await memberOf(t, org.id, alan)).teams, { [platform.slug]: ['scim'] });
  });

  it('overlapping groups: losing one keeps the team while the other holds it', async () => {
    const { t, org, dir, scim, platform } = await setup();
    const users = await pushUsers(scim, [ada]);
    const id = users[ada] as string;
    const g1 = await pushGroup(scim, 'Eng', [id]);
    const g2 = await pushGroup(scim, 'Platform-Oncall', [id]);
    await makeMapping(t, org.id, { source: { directory: dir.id, group: 'Eng' }, team: platform.slug });
    await makeMapping(t, org.id, {
      source: { directory: dir.id, group: 'Platform-Oncall' },
      team: platform.slug,
    });
    assert.deepEqual((await memberOf(t, org.id, ada)).teams, { [platform.slug]: ['scim', 'scim'] });
    await removeMembers(scim, g1, [id]);
    assert.deepEqual((await memberOf(t, org.id, ada)).teams, { [platform.slug]: ['scim'] });
    await removeMembers(scim, g2, [id]);
    assert.deepEqual((await memberOf(t, org.id, ada)).teams, {});
  });

  it('a team held by hand stays when the IdP group lets go', async () => {
    const { t, org, dir, scim, platform } = await setup();
    const users = await pushUsers(scim, [ada]);
    const group = await pushGroup(scim, 'Eng', [users[ada] as string]);
    await makeMapping(t, org.id, { source: { directory: dir.id, group: 'Eng' }, team: platform.slug });
    const patched = await t.admin.patch(`/api/v1/orgs/${org.id}/members/${ada}`, { teams: [platform.slug] });
    assert.equal(patched.status, 200, JSON.stringify(patched.body));
    assert.deepEqual((await memberOf(t, org.id, ada)).teams, { [platform.slug]: ['manual', 'scim'] });
    await removeMembers(scim, group, [users[ada] as string]);
    assert.deepEqual((await memberOf(t, org.id, ada)).teams, { [platform.slug]: ['manual'] });
  });

  it('a deactivated user keeps nothing mapped; reactivated, gets it back', async () => {
    const { t, org, dir, scim, platform } = await setup();
    const users = await pushUsers(scim, [ada]);
    const id = users[ada] as string;
    await pushGroup(scim, 'Eng', [id]);
    await makeMapping(t, org.id, {
      source: { directory: dir.id, group: 'Eng' },
      team: platform.slug,
      role: 'admin',
    });
    assert.deepEqual(await memberOf(t, org.id, ada), {
      role: 'admin',
      status: 'active',
      teams: { [platform.slug]: ['scim'] },
    });
    const off = await scim.patch(`/Users/${id}`, patchOp({ op: 'replace', path: 'active', value: false }));
    assert.equal(off.status, 200, JSON.stringify(off.body));
    assert.deepEqual(await memberOf(t, org.id, ada), { role: 'member', status: 'suspended', teams: {} });
    const on = await scim.patch(`/Users/${id}`, patchOp({ op: 'replace', path: 'active', value: true }));
    assert.equal(on.status, 200, JSON.stringify(on.body));
    assert.deepEqual(await memberOf(t, org.id, ada), {
      role: 'admin',
      status: 'active',
      teams: { [platform.slug]: ['scim'] },
    });
  });

  it('a SCIM user deleted loses its mapped grants with it', async () => {
    const { t, org, dir, scim, platform } = await setup();
    const users = await pushUsers(scim, [ada]);
    const id = users[ada] as string;
    await pushGroup(scim, 'Eng', [id]);
    await makeMapping(t, org.id, {
      source: { directory: dir.id, group: 'Eng' },
      team: platform.slug,
      role: 'admin',
    });
    assert.equal((await scim.delete(`/Users/${id}`)).status, 204);
    // The directory suspends (its default) the user it no longer holds.
    assert.deepEqual(await memberOf(t, org.id, ada), { role: 'member', status: 'suspended', teams: {} });
  });

  it('a group deleted takes its grants back; its mapping waits, stale, and a group of that name takes it up', async () => {
    const { t, org, dir, scim, platform } = await setup();
    const users = await pushUsers(scim, [ada, grace]);
    const group = await pushGroup(scim, 'Eng', [users[ada] as string]);
    const mapping = await makeMapping(t, org.id, {
      source: { directory: dir.id, group: 'Eng' },
      team: platform.slug,
    });
    assert.equal(mapping.status, 'active');
    assert.equal((await scim.delete(`/Groups/${group}`)).status, 204);
    assert.deepEqual((await memberOf(t, org.id, ada)).teams, {});
    const stale = await t.admin.get(`/api/v1/orgs/${org.id}/group-mappings/${mapping.id}`);
    assert.equal(stale.body.status, 'stale');
    assert.equal(stale.body.staleReason, 'group_deleted');
    assert.equal(stale.body.group.id, null);
    assert.equal(stale.body.group.name, 'Eng');

    await pushGroup(scim, 'ENG', [users[grace] as string]);
    const back = await t.admin.get(`/api/v1/orgs/${org.id}/group-mappings/${mapping.id}`);
    assert.equal(back.body.status, 'active');
    assert.deepEqual((await memberOf(t, org.id, grace)).teams, { [platform.slug]: ['scim'] });
  });

  it('a group renamed keeps its mapping in force, flagged stale until an admin confirms it', async () => {
    const { t, org, dir, scim, platform } = await setup();
    const users = await pushUsers(scim, [ada]);
    const group = await pushGroup(scim, 'Eng', [users[ada] as string]);
    const mapping = await makeMapping(t, org.id, {
      source: { directory: dir.id, group: 'Eng' },
      team: platform.slug,
    });
    const renamed = await scim.patch(
      `/Groups/${group}`,
      patchOp({ op: 'replace', path: 'displayName', value: 'Engineering' }),
    );
    assert.ok(renamed.status < 300, JSON.stringify(renamed.body));
    const flagged = await t.admin.get(`/api/v1/orgs/${org.id}/group-mappings?status=stale`);
    assert.deepEqual(
      flagged.body.data.map(
        (m: { id: string; staleReason: string; group: { name: string; confirmedName: string } }) => [
          m.id,
          m.staleReason,
          m.group.name,
          m.group.confirmedName,
        ],
      ),
      [[mapping.id, 'group_renamed', 'Engineering', 'Eng']],
    );
    assert.deepEqual((await memberOf(t, org.id, ada)).teams, { [platform.slug]: ['scim'] });
    await addMembers(scim, group, []);
    const confirmed = await t.admin.patch(`/api/v1/orgs/${org.id}/group-mappings/${mapping.id}`, {});
    assert.equal(confirmed.status, 200, JSON.stringify(confirmed.body));
    assert.equal(confirmed.body.status, 'active');
    assert.equal(confirmed.body.group.confirmedName, 'Engineering');
  });

  it('a mapping made before the IdP pushes its group waits, then applies with the group', async () => {
    const { t, org, dir, scim, platform } = await setup('okta');
    const users = await pushUsers(scim, [ada]);
    const mapping = await makeMapping(t, org.id, {
      source: { directory: dir.id, group: '00g1emaKYZTWRYYRRTSK' },
      team: platform.slug,
    });
    assert.equal(mapping.status, 'pending');
    await pushGroup(scim, 'Everyone', [users[ada] as string], { externalId: '00g1emaKYZTWRYYRRTSK' });
    assert.deepEqual((await memberOf(t, org.id, ada)).teams, { [platform.slug]: ['scim'] });
    const bound = await t.admin.get(`/api/v1/orgs/${org.id}/group-mappings/${mapping.id}`);
    assert.equal(bound.body.status, 'active');
    assert.equal(bound.body.group.name, 'Everyone');
  });

  it('an unmapped group moves nothing', async () => {
    const { t, org, scim } = await setup();
    const users = await pushUsers(scim, [ada]);
    await pushGroup(scim, 'Lunch club', [users[ada] as string]);
    assert.deepEqual(await memberOf(t, org.id, ada), { role: 'member', status: 'active', teams: {} });
  });
});

describe('mapping engine: roles', () => {
  const cases: {
    name: string;
    /** Which of the user's groups map to which role. */
    mappings: { group: string; role: string }[];
    groups: string[];
    manual?: { role: string; rolePinned?: boolean };
    expected: string;
  }[] = [
    {
      name: 'a mapped admin group',
      mappings: [{ group: 'IT', role: 'admin' }],
      groups: ['IT'],
      expected: 'admin',
    },
    {
      name: 'the highest of two mapped roles',
      mappings: [
        { group: 'IT', role: 'admin' },
        { group: 'All', role: 'member' },
      ],
      groups: ['IT', 'All'],
      expected: 'admin',
    },
    {
      name: 'not in the mapped group',
      mappings: [{ group: 'IT', role: 'admin' }],
      groups: [],
      expected: 'member',
    },
    {
      name: 'a manual owner over a mapped admin',
      mappings: [{ group: 'IT', role: 'admin' }],
      groups: ['IT'],
      manual: { role: 'owner' },
      expected: 'owner',
    },
    {
      name: 'a pinned manual member over a mapped admin',
      mappings: [{ group: 'IT', role: 'admin' }],
      groups: ['IT'],
      manual: { role: 'member', rolePinned: true },
      expected: 'member',
    },
    {
      name: 'a manual admin with no mapping',
      mappings: [{ group: 'IT', role: 'member' }],
      groups: ['IT'],
      manual: { role: 'admin' },
      expected: 'admin',
    },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const { t, org, dir, scim } = await setup();
      const users = await pushUsers(scim, [ada]);
      const names = new Set([...c.groups, ...c.mappings.map((m) => m.group)]);
      for (const name of names)
        await pushGroup(scim, name, c.groups.includes(name) ? [users[ada] as string] : []);
      for (const m of c.mappings)
        await makeMapping(t, org.id, { source: { directory: dir.id, group: m.group }, role: m.role });
      if (c.manual) {
        const res = await t.admin.patch(`/api/v1/orgs/${org.id}/members/${ada}`, c.manual);
        assert.equal(res.status, 200, JSON.stringify(res.body));
      }
      assert.equal((await memberOf(t, org.id, ada)).role, c.expected);
    });
  }

  it('a demotion that a mapping overrules is refused unless pinned', async () => {
    const { t, org, dir, scim } = await setup();
    const users = await pushUsers(scim, [ada]);
    await pushGroup(scim, 'IT', [users[ada] as string]);
    await makeMapping(t, org.id, { source: { directory: dir.id, group: 'IT' }, role: 'admin' });
    const refused = await t.admin.patch(`/api/v1/orgs/${org.id}/members/${ada}`, { role: 'member' });
    assert.equal(refused.status, 409, JSON.stringify(refused.body));
    assert.match(refused.body.error.message, /pin/);
    assert.equal((await memberOf(t, org.id, ada)).role, 'admin');
    const pinned = await t.admin.patch(`/api/v1/orgs/${org.id}/members/${ada}`, {
      role: 'member',
      rolePinned: true,
    });
    assert.equal(pinned.status, 200);
    assert.equal(pinned.body.role, 'member');
    const unpinned = await t.admin.patch(`/api/v1/orgs/${org.id}/members/${ada}`, { rolePinned: false });
    assert.equal(unpinned.body.role, 'admin');
  });
});

describe('mapping engine: sources removed', () => {
  it('a team deleted takes its mappings, and a role one of them granted', async () => {
    const { t, org, dir, scim, platform } = await setup();
    const users = await pushUsers(scim, [ada]);
    await pushGroup(scim, 'IT', [users[ada] as string]);
    const mapping = await makeMapping(t, org.id, {
      source: { directory: dir.id, group: 'IT' },
      team: platform.slug,
      role: 'admin',
    });
    assert.equal((await memberOf(t, org.id, ada)).role, 'admin');
    assert.equal((await t.admin.delete(`/api/v1/orgs/${org.id}/teams/${platform.slug}`)).status, 204);
    assert.deepEqual(await memberOf(t, org.id, ada), { role: 'member', status: 'active', teams: {} });
    assert.equal((await t.admin.get(`/api/v1/orgs/${org.id}/group-mappings/${mapping.id}`)).status, 404);
  });

  it('a directory deleted takes back what it granted; whom it alone held is suspended', async () => {
    const { t, org, dir, scim, platform, data } = await setup();
    const users = await pushUsers(scim, [ada, grace]);
    await pushGroup(scim, 'IT', [users[ada] as string, users[grace] as string]);
    await makeMapping(t, org.id, {
      source: { directory: dir.id, group: 'IT' },
      team: platform.slug,
      role: 'admin',
    });
    const kept = await t.admin.patch(`/api/v1/orgs/${org.id}/members/${grace}`, {
      role: 'member',
      rolePinned: true,
      teams: [data.slug],
    });
    assert.equal(kept.status, 200, JSON.stringify(kept.body));
    assert.equal((await t.admin.delete(`/api/v1/orgs/${org.id}/directories/${dir.id}`)).status, 204);
    assert.deepEqual(await memberOf(t, org.id, ada), { role: 'member', status: 'suspended', teams: {} });
    assert.deepEqual(await memberOf(t, org.id, grace), {
      role: 'member',
      status: 'active',
      teams: { [data.slug]: ['manual'] },
    });
  });
});
