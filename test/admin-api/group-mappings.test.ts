import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { type TestApp, type TestAppOptions, testApp } from '../support/app.ts';
import { assertError, isoPattern, uuidPattern } from '../support/assertions.ts';
import { type AuditEventBody, auditOf } from '../support/audit.ts';
import { makeApiKey, makeOrg, makeTeam, unique } from '../support/factories.ts';
import {
  addMembers,
  type MappingBody,
  makeConnection,
  makeMapping,
  memberId,
  memberOf,
  pushGroup,
  pushUsers,
} from '../support/mappings.ts';
import { makeDirectory, patchOp, scimClient, user } from '../support/scim.ts';

interface PreviewBody {
  considered: number;
  add: { count: number; sample: { id: string; email: string }[] };
  remove: { count: number; sample: { id: string; email: string }[] };
  roleChanges: { count: number; sample: { id: string; email: string; from: string; to: string }[] };
}

const mappingKeys = [
  'createdAt',
  'group',
  'id',
  'reconciliation',
  'role',
  'source',
  'staleReason',
  'status',
  'team',
  'updatedAt',
];

const reconciliationKeys = [
  'added',
  'done',
  'error',
  'finishedAt',
  'jobId',
  'removed',
  'roleChanges',
  'startedAt',
  'state',
  'total',
];

const ada = 'ada@example.com';
const bob = 'bob@example.com';
const grace = 'grace@example.com';
const alan = 'alan@example.com';

async function setup(options: TestAppOptions = {}) {
  const t = await testApp(options);
  const org = await makeOrg(t);
  const dir = await makeDirectory(t, org.id, 'okta');
  const scim = scimClient(t, dir.id, dir.token);
  const platform = await makeTeam(t, org.id, 'Platform');
  const data = await makeTeam(t, org.id, 'Data');
  return { t, org, dir, scim, platform, data, base: `/api/v1/orgs/${org.id}/group-mappings` };
}

async function allMappings(
  t: TestApp,
  org: string,
  limit: number,
  filter = '',
): Promise<{ ids: string[]; pages: number }> {
  const ids: string[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const path: string = `/api/v1/orgs/${org}/group-mappings?limit=${limit}${filter}${cursor ? `&cursor=${cursor}` : ''}`;
    const res = await t.admin.get(path);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(Object.keys(res.body).sort(), ['data', 'nextCursor']);
    assert.ok(res.body.data.length <= limit);
    ids.push(...(res.body.data as MappingBody[]).map((m) => m.id));
    cursor = res.body.nextCursor;
    pages += 1;
    assert.ok(pages < 100, 'pagination does not end');
  } while (cursor !== null);
  return { ids, pages };
}

function assertReconciliation(body: MappingBody & { reconciliation: Record<string, unknown> | null }): void {
  const r = body.reconciliation;
  assert.ok(r, JSON.stringify(body));
  assert.deepEqual(Object.keys(r).sort(), reconciliationKeys);
  assert.match(r.jobId as string, uuidPattern);
  assert.match(r.startedAt as string, isoPattern);
}

describe('POST /api/v1/orgs/{org}/group-mappings', () => {
  it('maps a group named in another case: 201, Location, the full shape and a queued reconciliation', async () => {
    const { t, org, dir, scim, platform, base } = await setup();
    const users = await pushUsers(scim, [ada, grace, alan]);
    const group = await pushGroup(scim, 'Eng', [users[ada] as string, users[grace] as string]);
    const res = await t.admin.post(base, {
      source: { directory: dir.id, group: 'eng' },
      team: platform.slug,
      role: 'admin',
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.equal(res.headers.location, `/api/v1/orgs/${org.id}/group-mappings/${res.body.id}`);
    assert.deepEqual(Object.keys(res.body).sort(), mappingKeys);
    assert.match(res.body.id, uuidPattern);
    assert.deepEqual(res.body.source, { directory: dir.id, group: 'eng' });
    assert.deepEqual(res.body.group, { id: group, name: 'Eng', confirmedName: 'Eng' });
    assert.deepEqual(res.body.team, { id: platform.id, slug: platform.slug, name: 'Platform' });
    assert.equal(res.body.role, 'admin');
    assert.equal(res.body.status, 'active');
    assert.equal(res.body.staleReason, null);
    assertReconciliation(res.body);
    const { jobId: _, startedAt: __, ...progress } = res.body.reconciliation;
    assert.deepEqual(progress, {
      state: 'queued',
      done: 0,
      total: null,
      added: 0,
      removed: 0,
      roleChanges: 0,
      error: null,
      finishedAt: null,
    });
    assert.match(res.body.createdAt, isoPattern);
    assert.match(res.body.updatedAt, isoPattern);

    await t.runJobs(org.id);
    const after = await t.admin.get(`${base}/${res.body.id}`);
    assert.equal(after.status, 200, JSON.stringify(after.body));
    assertReconciliation(after.body);
    assert.equal(after.body.reconciliation.jobId, res.body.reconciliation.jobId);
    assert.equal(after.body.reconciliation.state, 'done');
    assert.equal(after.body.reconciliation.total, 2);
    assert.equal(after.body.reconciliation.done, after.body.reconciliation.total);
    // Two memberships and two admin role grants.
    assert.equal(after.body.reconciliation.added, 4);
    assert.equal(after.body.reconciliation.removed, 0);
    assert.equal(after.body.reconciliation.roleChanges, 2);
    assert.equal(after.body.reconciliation.error, null);
    assert.match(after.body.reconciliation.finishedAt, isoPattern);
    assert.deepEqual(await memberOf(t, org.id, ada), {
      role: 'admin',
      status: 'active',
      teams: { [platform.slug]: ['scim'] },
    });
    assert.deepEqual(await memberOf(t, org.id, grace), {
      role: 'admin',
      status: 'active',
      teams: { [platform.slug]: ['scim'] },
    });
    assert.deepEqual(await memberOf(t, org.id, alan), { role: 'member', status: 'active', teams: {} });
  });

  it('reports done === total across several batches', async () => {
    const { t, org, dir, scim, platform } = await setup({ jobBatchSize: 2 });
    const names = ['u1', 'u2', 'u3', 'u4', 'u5'].map((n) => `${n}@example.com`);
    const users = await pushUsers(scim, names);
    await pushGroup(scim, 'Everyone', Object.values(users));
    const mapping = await makeMapping(t, org.id, {
      source: { directory: dir.id, group: 'Everyone' },
      team: platform.id,
    });
    assert.ok(mapping.reconciliation);
    assert.equal(mapping.reconciliation.state, 'done');
    assert.equal(mapping.reconciliation.total, 5);
    assert.equal(mapping.reconciliation.done, 5);
    assert.equal(mapping.reconciliation.added, 5);
    assert.equal(mapping.reconciliation.roleChanges, 0);
    for (const name of names)
      assert.deepEqual((await memberOf(t, org.id, name)).teams, { [platform.slug]: ['scim'] }, name);
  });

  it('names the group by its SCIM id or its externalId, and the team by id', async () => {
    const { t, dir, scim, platform, data, base } = await setup();
    const byId = await pushGroup(scim, 'Eng');
    const byExternal = await pushGroup(scim, 'Ops', [], { externalId: '00gOPS123' });
    const first = await t.admin.post(base, { source: { directory: dir.id, group: byId }, team: platform.id });
    assert.equal(first.status, 201, JSON.stringify(first.body));
    assert.deepEqual(first.body.source, { directory: dir.id, group: byId });
    assert.deepEqual(first.body.group, { id: byId, name: 'Eng', confirmedName: 'Eng' });
    assert.equal(first.body.team.id, platform.id);
    assert.equal(first.body.role, null);
    const second = await t.admin.post(base, {
      source: { directory: dir.id, group: '00gOPS123' },
      team: data.slug,
    });
    assert.equal(second.status, 201, JSON.stringify(second.body));
    assert.deepEqual(second.body.group, { id: byExternal, name: 'Ops', confirmedName: 'Ops' });
    assert.equal(second.body.status, 'active');
  });

  it('takes a group the IdP has not pushed yet as pending, and a role without a team', async () => {
    const { t, org, dir, base } = await setup();
    const res = await t.admin.post(base, { source: { directory: dir.id, group: 'Not-Yet' }, role: 'admin' });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.equal(res.body.status, 'pending');
    assert.deepEqual(res.body.group, { id: null, name: null, confirmedName: null });
    assert.equal(res.body.team, null);
    assert.equal(res.body.role, 'admin');
    assert.equal(res.body.reconciliation.state, 'queued');
    await t.runJobs(org.id);
    const after = await t.admin.get(`${base}/${res.body.id}`);
    assert.equal(after.body.status, 'pending');
    assert.equal(after.body.reconciliation.state, 'done');
    assert.equal(after.body.reconciliation.total, 0);
    assert.equal(after.body.reconciliation.done, 0);
    assert.equal(after.body.reconciliation.added, 0);
  });

  it('maps a connection group claim', async () => {
    const { t, org, platform, base } = await setup();
    const connection = await makeConnection(t, org.id);
    const res = await t.admin.post(base, {
      source: { connection: connection.toUpperCase(), group: 'engineers' },
      team: platform.slug,
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.deepEqual(res.body.source, { connection, group: 'engineers' });
    assert.equal(res.body.status, 'active');
    assert.deepEqual(res.body.group, { id: null, name: null, confirmedName: null });
  });

  it('answers 422 for a team, role, directory or connection it cannot use, and saves nothing', async () => {
    const { t, org, dir, scim, base } = await setup();
    await pushGroup(scim, 'Eng');
    const other = await makeOrg(t, 'Other');
    const otherDir = await makeDirectory(t, other.id, 'okta');
    const otherTeam = await makeTeam(t, other.id, 'Elsewhere');
    const otherConnection = await makeConnection(t, other.id);
    const source = { directory: dir.id, group: 'Eng' };
    const cases: { name: string; body: object; path: string }[] = [
      { name: 'unknown team slug', body: { source, team: unique('ghost') }, path: 'team' },
      { name: 'unknown team id', body: { source, team: randomUUID() }, path: 'team' },
      { name: "another org's team", body: { source, team: otherTeam.id }, path: 'team' },
      { name: 'role owner', body: { source, role: 'owner' }, path: 'role' },
      { name: 'role superuser', body: { source, role: 'superuser' }, path: 'role' },
      { name: 'role in capitals', body: { source, role: 'ADMIN' }, path: 'role' },
      { name: 'neither team nor role', body: { source }, path: 'team' },
      { name: 'team and role null', body: { source, team: null, role: null }, path: 'team' },
      {
        name: "another org's directory",
        body: { source: { directory: otherDir.id, group: 'Eng' }, role: 'admin' },
        path: 'source.directory',
      },
      {
        name: 'unknown directory',
        body: { source: { directory: randomUUID(), group: 'Eng' }, role: 'admin' },
        path: 'source.directory',
      },
      {
        name: 'directory that is not an id',
        body: { source: { directory: 'okta', group: 'Eng' }, role: 'admin' },
        path: 'source.directory',
      },
      {
        name: "another org's connection",
        body: { source: { connection: otherConnection, group: 'Eng' }, role: 'admin' },
        path: 'source.connection',
      },
      {
        name: 'unknown connection',
        body: { source: { connection: randomUUID(), group: 'Eng' }, role: 'admin' },
        path: 'source.connection',
      },
    ];
    for (const c of cases) {
      const res = await t.admin.post(base, c.body);
      assertError(res, 422, 'unprocessable');
      assert.deepEqual(
        res.body.error.details?.map((d: { path: string }) => d.path),
        [c.path],
        c.name,
      );
    }
    assert.deepEqual((await allMappings(t, org.id, 50)).ids, []);
    assert.deepEqual(await auditOf(t, org.id, 'group_mapping.created'), []);
    assert.deepEqual((await allMappings(t, other.id, 50)).ids, []);
  });

  it('answers 400 for both or neither of directory and connection, and for unknown or missing fields', async () => {
    const { t, org, dir, base } = await setup();
    const connection = await makeConnection(t, org.id);
    const bad: object[] = [
      { source: { directory: dir.id, connection, group: 'Eng' }, role: 'admin' },
      { source: { group: 'Eng' }, role: 'admin' },
      { source: { directory: dir.id }, role: 'admin' },
      { source: { directory: dir.id, group: '' }, role: 'admin' },
      { source: { directory: dir.id, group: 'x'.repeat(401) }, role: 'admin' },
      { source: { directory: dir.id, group: 'Eng', displayName: 'Eng' }, role: 'admin' },
      { source: { directory: dir.id, group: 'Eng' }, role: 'admin', status: 'active' },
      { source: { directory: dir.id, group: 'Eng' }, role: 7 },
      { team: 'platform', role: 'admin' },
      { source: 'Eng', role: 'admin' },
    ];
    for (const body of bad) {
      const res = await t.admin.post(base, body);
      assertError(res, 400, 'validation_failed');
      assert.ok(res.body.error.details.length > 0, JSON.stringify(body));
    }
    assert.deepEqual((await allMappings(t, org.id, 50)).ids, []);
  });

  it('answers 409 for the same group, team and role mapped twice; another team or role is a new mapping', async () => {
    const { t, org, dir, scim, platform, data, base } = await setup();
    await pushGroup(scim, 'Eng');
    const body = { source: { directory: dir.id, group: 'Eng' }, team: platform.slug, role: 'admin' };
    assert.equal((await t.admin.post(base, body)).status, 201);
    const again = await t.admin.post(base, { ...body, team: platform.id });
    assertError(again, 409, 'conflict');
    assert.deepEqual(
      again.body.error.details.map((d: { path: string }) => d.path),
      ['source.group'],
    );
    assert.equal((await t.admin.post(base, { ...body, role: 'member' })).status, 201);
    assert.equal((await t.admin.post(base, { ...body, team: data.slug })).status, 201);
    assert.equal((await t.admin.post(base, { ...body, team: undefined })).status, 201);
    assert.equal((await allMappings(t, org.id, 50)).ids.length, 4);
    assert.equal((await auditOf(t, org.id, 'group_mapping.created')).length, 4);
  });

  const sameGroupNamed: { name: string; key: (groupId: string) => string }[] = [
    { name: 'in another case', key: () => 'ENG' },
    { name: 'by its SCIM id', key: (groupId) => groupId },
  ];
  for (const c of sameGroupNamed) {
    it(`answers 409 for the same group named ${c.name}, to the same team and role`, async () => {
      const { t, org, dir, scim, platform, base } = await setup();
      const users = await pushUsers(scim, [ada]);
      const group = await pushGroup(scim, 'Eng', [users[ada] as string]);
      await makeMapping(t, org.id, { source: { directory: dir.id, group: 'Eng' }, team: platform.slug });
      const again = await t.admin.post(base, {
        source: { directory: dir.id, group: c.key(group) },
        team: platform.slug,
      });
      assertError(again, 409, 'conflict');
      await t.runJobs(org.id);
      assert.equal((await allMappings(t, org.id, 50)).ids.length, 1);
      assert.deepEqual((await memberOf(t, org.id, ada)).teams, { [platform.slug]: ['scim'] });
    });
  }
});

describe('GET /api/v1/orgs/{org}/group-mappings/{mapping}', () => {
  it('answers the mapping as created and as listed; 404 for an unknown or malformed id', async () => {
    const { t, dir, scim, platform, base } = await setup();
    await pushGroup(scim, 'Eng');
    const created = await t.admin.post(base, {
      source: { directory: dir.id, group: 'Eng' },
      team: platform.slug,
    });
    assert.equal(created.status, 201);
    const got = await t.admin.get(`${base}/${created.body.id}`);
    assert.equal(got.status, 200, JSON.stringify(got.body));
    assert.deepEqual(got.body, created.body);
    const upper = await t.admin.get(`${base}/${created.body.id.toUpperCase()}`);
    assert.equal(upper.status, 200, JSON.stringify(upper.body));
    assert.equal(upper.body.id, created.body.id);
    const listed = await t.admin.get(base);
    assert.deepEqual(listed.body.data, [got.body]);
    assertError(await t.admin.get(`${base}/${randomUUID()}`), 404, 'not_found');
    assertError(await t.admin.get(`${base}/not-a-mapping`), 404, 'not_found');
    assertError(await t.admin.get(`${base}/${created.body.id}x`), 404, 'not_found');
  });
});

describe('GET /api/v1/orgs/{org}/group-mappings', () => {
  it('pages through exactly the org mappings in creation order, and filters by directory, connection and status', async () => {
    const { t, org, dir, scim, platform, data } = await setup();
    const dirB = await makeDirectory(t, org.id, 'entra');
    const scimB = scimClient(t, dirB.id, dirB.token);
    const connection = await makeConnection(t, org.id);
    const other = await setup();
    await pushGroup(other.scim, 'Eng');
    await makeMapping(other.t, other.org.id, {
      source: { directory: other.dir.id, group: 'Eng' },
      team: other.platform.slug,
    });
    await pushGroup(scim, 'Eng');
    const opsGroup = await pushGroup(scimB, 'Ops');
    const active = await makeMapping(t, org.id, {
      source: { directory: dir.id, group: 'Eng' },
      team: platform.slug,
    });
    const pending = await makeMapping(t, org.id, {
      source: { directory: dir.id, group: 'Ghost' },
      team: data.slug,
    });
    const stale = await makeMapping(t, org.id, {
      source: { directory: dirB.id, group: 'Ops' },
      role: 'admin',
    });
    const claim = await makeMapping(t, org.id, { source: { connection, group: 'engineers' }, role: 'admin' });
    const doomed = await makeMapping(t, org.id, {
      source: { directory: dirB.id, group: 'Later' },
      team: data.id,
    });
    const renamed = await scimB.patch(
      `/Groups/${opsGroup}`,
      patchOp({ op: 'replace', path: 'displayName', value: 'Operations' }),
    );
    assert.ok(renamed.status < 300, JSON.stringify(renamed.body));
    assert.equal((await t.admin.delete(`/api/v1/orgs/${org.id}/group-mappings/${doomed.id}`)).status, 202);
    const all = [active.id, pending.id, stale.id, claim.id, doomed.id];

    const byTwo = await allMappings(t, org.id, 2);
    assert.deepEqual(byTwo.ids, all);
    assert.equal(byTwo.pages, 3);
    const byOne = await allMappings(t, org.id, 1);
    assert.deepEqual(byOne.ids, all);
    assert.equal(byOne.pages, 5);
    const whole = await t.admin.get(`/api/v1/orgs/${org.id}/group-mappings?limit=5`);
    assert.equal(whole.body.nextCursor, null);
    for (const m of whole.body.data) assert.deepEqual(Object.keys(m).sort(), mappingKeys);

    const cases: { filter: string; ids: string[] }[] = [
      { filter: `&directory=${dir.id}`, ids: [active.id, pending.id] },
      { filter: `&directory=${dirB.id}`, ids: [stale.id, doomed.id] },
      { filter: `&connection=${connection}`, ids: [claim.id] },
      { filter: '&status=active', ids: [active.id, claim.id] },
      { filter: '&status=pending', ids: [pending.id] },
      { filter: '&status=stale', ids: [stale.id] },
      { filter: '&status=deleting', ids: [doomed.id] },
      { filter: `&directory=${dirB.id}&status=stale`, ids: [stale.id] },
      { filter: `&directory=${dir.id}&status=stale`, ids: [] },
      { filter: `&directory=${other.dir.id}`, ids: [] },
      { filter: `&connection=${randomUUID()}`, ids: [] },
    ];
    for (const c of cases) {
      assert.deepEqual((await allMappings(t, org.id, 1, c.filter)).ids, c.ids, c.filter);
      assert.deepEqual((await allMappings(t, org.id, 50, c.filter)).ids, c.ids, c.filter);
    }
    const staleBody = (await t.admin.get(`/api/v1/orgs/${org.id}/group-mappings?status=stale`)).body.data[0];
    assert.equal(staleBody.staleReason, 'group_renamed');
    assert.deepEqual(staleBody.group, { id: opsGroup, name: 'Operations', confirmedName: 'Ops' });
  });

  it('answers 400 for a bad limit, cursor, status, directory or an unknown parameter', async () => {
    const { t, org } = await setup();
    const base = `/api/v1/orgs/${org.id}/group-mappings`;
    for (const query of [
      'limit=0',
      'limit=201',
      'limit=ten',
      'cursor=abc',
      'cursor=%%%',
      'status=broken',
      'status=ACTIVE',
      'directory=okta',
      'connection=abc',
      'team=platform',
    ]) {
      assertError(await t.admin.get(`${base}?${query}`), 400, 'validation_failed');
    }
    const max = await t.admin.get(`${base}?limit=200`);
    assert.equal(max.status, 200, JSON.stringify(max.body));
    assert.deepEqual(max.body, { data: [], nextCursor: null });
  });
});

describe('PATCH /api/v1/orgs/{org}/group-mappings/{mapping}', () => {
  it('moves users to the new team, then changes their role, each through a new reconciliation', async () => {
    const { t, org, dir, scim, platform, data, base } = await setup();
    const users = await pushUsers(scim, [ada, grace]);
    await pushGroup(scim, 'Eng', Object.values(users));
    const mapping = await makeMapping(t, org.id, {
      source: { directory: dir.id, group: 'Eng' },
      team: platform.slug,
      role: 'admin',
    });
    const firstJob = mapping.reconciliation?.jobId;

    const moved = await t.admin.patch(`${base}/${mapping.id}`, { team: data.slug });
    assert.equal(moved.status, 200, JSON.stringify(moved.body));
    assert.deepEqual(Object.keys(moved.body).sort(), mappingKeys);
    assert.deepEqual(moved.body.team, { id: data.id, slug: data.slug, name: 'Data' });
    assert.equal(moved.body.role, 'admin');
    assert.equal(moved.body.status, 'active');
    assertReconciliation(moved.body);
    assert.notEqual(moved.body.reconciliation.jobId, firstJob);
    assert.equal(moved.body.reconciliation.state, 'queued');
    assert.equal(moved.body.reconciliation.done, 0);
    await t.runJobs(org.id);
    for (const name of [ada, grace])
      assert.deepEqual(await memberOf(t, org.id, name), {
        role: 'admin',
        status: 'active',
        teams: { [data.slug]: ['scim'] },
      });
    const afterMove = (await t.admin.get(`${base}/${mapping.id}`)).body;
    assert.equal(afterMove.reconciliation.jobId, moved.body.reconciliation.jobId);
    assert.equal(afterMove.reconciliation.state, 'done');
    assert.equal(afterMove.reconciliation.done, afterMove.reconciliation.total);
    assert.equal(afterMove.reconciliation.added, 2);
    assert.equal(afterMove.reconciliation.removed, 2);
    assert.equal(afterMove.reconciliation.roleChanges, 0);

    const demoted = await t.admin.patch(`${base}/${mapping.id}`, { role: 'member' });
    assert.equal(demoted.status, 200, JSON.stringify(demoted.body));
    assert.equal(demoted.body.role, 'member');
    assert.equal(demoted.body.team.id, data.id);
    assert.equal(demoted.body.reconciliation.state, 'queued');
    await t.runJobs(org.id);
    for (const name of [ada, grace]) assert.equal((await memberOf(t, org.id, name)).role, 'member');
    const afterDemotion = (await t.admin.get(`${base}/${mapping.id}`)).body;
    assert.equal(afterDemotion.reconciliation.state, 'done');
    assert.equal(afterDemotion.reconciliation.roleChanges, 2);
    assert.equal(afterDemotion.reconciliation.done, afterDemotion.reconciliation.total);

    const roleOnly = await t.admin.patch(`${base}/${mapping.id}`, { team: null, role: 'admin' });
    assert.equal(roleOnly.status, 200, JSON.stringify(roleOnly.body));
    assert.equal(roleOnly.body.team, null);
    await t.runJobs(org.id);
    assert.deepEqual(await memberOf(t, org.id, ada), { role: 'admin', status: 'active', teams: {} });
  });

  it('an empty PATCH queues nothing; any PATCH confirms a renamed group', async () => {
    const { t, org, dir, scim, platform, base } = await setup();
    const group = await pushGroup(scim, 'Eng');
    const mapping = await makeMapping(t, org.id, {
      source: { directory: dir.id, group: 'Eng' },
      team: platform.slug,
    });
    const same = await t.admin.patch(`${base}/${mapping.id}`, {});
    assert.equal(same.status, 200, JSON.stringify(same.body));
    assert.equal(same.body.reconciliation.jobId, mapping.reconciliation?.jobId);
    assert.equal(same.body.reconciliation.state, 'done');
    assert.equal(await t.runJobs(org.id), 0);
    const renamed = await scim.patch(
      `/Groups/${group}`,
      patchOp({ op: 'replace', path: 'displayName', value: 'Engineering' }),
    );
    assert.ok(renamed.status < 300, JSON.stringify(renamed.body));
    const flagged = (await t.admin.get(`${base}/${mapping.id}`)).body;
    assert.equal(flagged.status, 'stale');
    assert.equal(flagged.staleReason, 'group_renamed');
    const confirmed = await t.admin.patch(`${base}/${mapping.id}`, { role: 'member' });
    assert.equal(confirmed.status, 200, JSON.stringify(confirmed.body));
    assert.equal(confirmed.body.status, 'active');
    assert.equal(confirmed.body.staleReason, null);
    assert.deepEqual(confirmed.body.group, { id: group, name: 'Engineering', confirmedName: 'Engineering' });
    assert.equal(confirmed.body.source.group, 'Eng');
  });

  it('answers 422 for a team or role it cannot use, 400 for unknown fields and 404 for an unknown mapping', async () => {
    const { t, org, dir, scim, platform, base } = await setup();
    await pushGroup(scim, 'Eng');
    const mapping = await makeMapping(t, org.id, {
      source: { directory: dir.id, group: 'Eng' },
      team: platform.slug,
    });
    const path = `${base}/${mapping.id}`;
    const before = (await t.admin.get(path)).body;
    const other = await makeOrg(t, 'Other');
    const otherTeam = await makeTeam(t, other.id);
    for (const body of [
      { team: unique('ghost') },
      { team: randomUUID() },
      { team: otherTeam.id },
      { role: 'owner' },
      { role: 'superuser' },
      { team: null },
      { team: null, role: null },
    ]) {
      assertError(await t.admin.patch(path, body), 422, 'unprocessable');
    }
    for (const body of [
      { source: { directory: dir.id, group: 'Other' } },
      { status: 'active' },
      { role: 5 },
      { team: ['a'] },
    ]) {
      assertError(await t.admin.patch(path, body), 400, 'validation_failed');
    }
    assert.deepEqual((await t.admin.get(path)).body, before);
    assert.deepEqual(await auditOf(t, org.id, 'group_mapping.updated'), []);
    assertError(await t.admin.patch(`${base}/${randomUUID()}`, { role: 'admin' }), 404, 'not_found');
    assertError(await t.admin.patch(`${base}/nope`, { role: 'admin' }), 404, 'not_found');
  });
});

describe('DELETE /api/v1/orgs/{org}/group-mappings/{mapping}', () => {
  it('answers 202 with the mapping deleting; it grants nothing new, and once its job ran it is gone', async () => {
    const { t, org, dir, scim, platform, base } = await setup();
    const users = await pushUsers(scim, [ada, grace]);
    const group = await pushGroup(scim, 'Eng', [users[ada] as string]);
    const mapping = await makeMapping(t, org.id, {
      source: { directory: dir.id, group: 'Eng' },
      team: platform.slug,
      role: 'admin',
    });
    assert.equal((await memberOf(t, org.id, ada)).role, 'admin');

    const res = await t.admin.delete(`${base}/${mapping.id}`);
    assert.equal(res.status, 202, JSON.stringify(res.body));
    assert.deepEqual(Object.keys(res.body).sort(), mappingKeys);
    assert.equal(res.body.id, mapping.id);
    assert.equal(res.body.status, 'deleting');
    assert.equal(res.body.reconciliation.state, 'queued');
    assert.notEqual(res.body.reconciliation.jobId, mapping.reconciliation?.jobId);
    const again = await t.admin.delete(`${base}/${mapping.id}`);
    assert.equal(again.status, 202, JSON.stringify(again.body));
    assert.equal(again.body.status, 'deleting');
    assert.equal(again.body.reconciliation.jobId, res.body.reconciliation.jobId);
    assert.equal((await t.admin.get(`${base}/${mapping.id}`)).body.status, 'deleting');
    assertError(await t.admin.patch(`${base}/${mapping.id}`, { role: 'member' }), 409, 'conflict');
    assertError(await t.admin.patch(`${base}/${mapping.id}`, {}), 409, 'conflict');

    await addMembers(scim, group, [users[grace] as string]);
    assert.deepEqual(await memberOf(t, org.id, grace), { role: 'member', status: 'active', teams: {} });

    await t.runJobs(org.id);
    assert.deepEqual(await memberOf(t, org.id, ada), { role: 'member', status: 'active', teams: {} });
    assertError(await t.admin.get(`${base}/${mapping.id}`), 404, 'not_found');
    assertError(await t.admin.delete(`${base}/${mapping.id}`), 404, 'not_found');
    assertError(await t.admin.patch(`${base}/${mapping.id}`, {}), 404, 'not_found');
    assert.deepEqual((await allMappings(t, org.id, 50)).ids, []);
    assert.equal((await auditOf(t, org.id, 'group_mapping.deleted', mapping.id)).length, 1);
    // The same mapping can be made again once the old one is gone.
    assert.equal(
      (
        await t.admin.post(base, {
          source: { directory: dir.id, group: 'Eng' },
          team: platform.slug,
          role: 'admin',
        })
      ).status,
      201,
    );
  });

  it('answers 404 for an unknown or malformed id', async () => {
    const { t, base } = await setup();
    assertError(await t.admin.delete(`${base}/${randomUUID()}`), 404, 'not_found');
    assertError(await t.admin.delete(`${base}/zzz`), 404, 'not_found');
  });
});

describe('POST /api/v1/orgs/{org}/group-mappings/preview', () => {
  it('a new mapping: who would join and whose role would change, leaving out suspended, present and pinned users', async () => {
    const { t, org, dir, scim, platform, base } = await setup();
    const users = await pushUsers(scim, [grace, ada, bob]);
    const off = await scim.post('/Users', user(alan, { active: false }));
    assert.equal(off.status, 201, JSON.stringify(off.body));
    await pushGroup(scim, 'Eng', [...Object.values(users), off.body.id]);
    const pinned = await t.admin.patch(`/api/v1/orgs/${org.id}/members/${bob}`, {
      role: 'member',
      rolePinned: true,
      teams: [platform.slug],
    });
    assert.equal(pinned.status, 200, JSON.stringify(pinned.body));
    const adaId = await memberId(t, org.id, ada);
    const graceId = await memberId(t, org.id, grace);
    const auditBefore = (await t.admin.get(`/api/v1/orgs/${org.id}/audit-events?limit=200`)).body.data.length;

    const res = await t.admin.post(`${base}/preview`, {
      source: { directory: dir.id, group: 'eng' },
      team: platform.slug,
      role: 'admin',
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(Object.keys(res.body).sort(), ['add', 'considered', 'remove', 'roleChanges']);
    assert.deepEqual(res.body as PreviewBody, {
      considered: 3,
      add: {
        count: 2,
        sample: [
          { id: adaId, email: ada },
          { id: graceId, email: grace },
        ],
      },
      remove: { count: 0, sample: [] },
      roleChanges: {
        count: 2,
        sample: [
          { id: adaId, email: ada, from: 'member', to: 'admin' },
          { id: graceId, email: grace, from: 'member', to: 'admin' },
        ],
      },
    });

    assert.deepEqual((await allMappings(t, org.id, 50)).ids, []);
    assert.equal(await t.runJobs(org.id), 0);
    assert.deepEqual(await memberOf(t, org.id, ada), { role: 'member', status: 'active', teams: {} });
    assert.deepEqual(await memberOf(t, org.id, bob), {
      role: 'member',
      status: 'active',
      teams: { [platform.slug]: ['manual'] },
    });
    const auditAfter = (await t.admin.get(`/api/v1/orgs/${org.id}/audit-events?limit=200`)).body.data.length;
    assert.equal(auditAfter, auditBefore);
  });

  it('samples at most five users, by email', async () => {
    const { t, org, dir, scim, platform, base } = await setup();
    const names = ['g', 'c', 'a', 'f', 'b', 'e', 'd'].map((n) => `${n}@example.com`);
    const users = await pushUsers(scim, names);
    await pushGroup(scim, 'Everyone', Object.values(users));
    const res = await t.admin.post(`${base}/preview`, {
      source: { directory: dir.id, group: 'Everyone' },
      team: platform.id,
      role: 'member',
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const body = res.body as PreviewBody;
    assert.equal(body.considered, 7);
    assert.equal(body.add.count, 7);
    assert.deepEqual(
      body.add.sample.map((s) => s.email),
      ['a', 'b', 'c', 'd', 'e'].map((n) => `${n}@example.com`),
    );
    for (const s of body.add.sample) assert.equal(s.id, await memberId(t, org.id, s.email));
    assert.deepEqual(body.roleChanges, { count: 0, sample: [] });
  });

  it('a change of team: who would join the new team and who would leave the old one', async () => {
    const { t, org, dir, scim, platform, data, base } = await setup();
    const users = await pushUsers(scim, [ada, bob, grace]);
    await pushGroup(scim, 'Eng', Object.values(users));
    const mapping = await makeMapping(t, org.id, {
      source: { directory: dir.id, group: 'Eng' },
      team: platform.slug,
    });
    // Bob holds Platform by hand as well; Grace is in Data already.
    assert.equal(
      (await t.admin.patch(`/api/v1/orgs/${org.id}/members/${bob}`, { teams: [platform.id] })).status,
      200,
    );
    assert.equal(
      (await t.admin.patch(`/api/v1/orgs/${org.id}/members/${grace}`, { teams: [data.id] })).status,
      200,
    );
    const ids: Record<string, string> = {};
    for (const name of [ada, bob, grace]) ids[name] = await memberId(t, org.id, name);

    const res = await t.admin.post(`${base}/preview`, { mapping: mapping.id, team: data.slug });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(res.body, {
      considered: 3,
      add: {
        count: 2,
        sample: [
          { id: ids[ada], email: ada },
          { id: ids[bob], email: bob },
        ],
      },
      remove: {
        count: 2,
        sample: [
          { id: ids[ada], email: ada },
          { id: ids[grace], email: grace },
        ],
      },
      roleChanges: { count: 0, sample: [] },
    });

    const role = await t.admin.post(`${base}/preview`, { mapping: mapping.id, role: 'admin' });
    assert.equal(role.status, 200, JSON.stringify(role.body));
    assert.equal(role.body.add.count, 0);
    assert.equal(role.body.remove.count, 0);
    assert.equal(role.body.roleChanges.count, 3);
    assert.deepEqual(
      role.body.roleChanges.sample.map((s: { email: string; from: string; to: string }) => [
        s.email,
        s.from,
        s.to,
      ]),
      [
        [ada, 'member', 'admin'],
        [bob, 'member', 'admin'],
        [grace, 'member', 'admin'],
      ],
    );

    const got = (await t.admin.get(`${base}/${mapping.id}`)).body;
    assert.equal(got.team.id, platform.id);
    assert.equal(got.role, null);
    assert.deepEqual((await memberOf(t, org.id, ada)).teams, { [platform.slug]: ['scim'] });
  });

  it('a deletion: who would lose the team and the role', async () => {
    const { t, org, dir, scim, platform, base } = await setup();
    const users = await pushUsers(scim, [ada, bob, grace]);
    await pushGroup(scim, 'Eng', Object.values(users));
    const mapping = await makeMapping(t, org.id, {
      source: { directory: dir.id, group: 'Eng' },
      team: platform.slug,
      role: 'admin',
    });
    const pinned = await t.admin.patch(`/api/v1/orgs/${org.id}/members/${bob}`, {
      role: 'member',
      rolePinned: true,
      teams: [platform.slug],
    });
    assert.equal(pinned.status, 200, JSON.stringify(pinned.body));
    const res = await t.admin.post(`${base}/preview`, { mapping: mapping.id, delete: true });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const body = res.body as PreviewBody;
    assert.equal(body.considered, 3);
    assert.deepEqual(body.add, { count: 0, sample: [] });
    assert.equal(body.remove.count, 2);
    assert.deepEqual(
      body.remove.sample.map((s) => s.email),
      [ada, grace],
    );
    assert.equal(body.roleChanges.count, 2);
    assert.deepEqual(
      body.roleChanges.sample.map((s) => [s.email, s.from, s.to]),
      [
        [ada, 'admin', 'member'],
        [grace, 'admin', 'member'],
      ],
    );
    assert.equal((await t.admin.get(`${base}/${mapping.id}`)).body.status, 'active');
    assert.equal((await memberOf(t, org.id, ada)).role, 'admin');
  });

  it('a group not pushed yet concerns nobody', async () => {
    const { t, dir, platform, base } = await setup();
    const res = await t.admin.post(`${base}/preview`, {
      source: { directory: dir.id, group: 'Not-Yet' },
      team: platform.slug,
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(res.body, {
      considered: 0,
      add: { count: 0, sample: [] },
      remove: { count: 0, sample: [] },
      roleChanges: { count: 0, sample: [] },
    });
  });

  it('answers 422 as create does, 404 for an unknown mapping and 400 for a malformed body', async () => {
    const { t, org, dir, scim, platform, base } = await setup();
    await pushGroup(scim, 'Eng');
    const mapping = await makeMapping(t, org.id, {
      source: { directory: dir.id, group: 'Eng' },
      team: platform.slug,
    });
    const other = await makeOrg(t, 'Other');
    const otherDir = await makeDirectory(t, other.id);
    const source = { directory: dir.id, group: 'Eng' };
    for (const body of [
      { source, team: unique('ghost') },
      { source, role: 'owner' },
      { source, role: 'superuser' },
      { source },
      { source: { directory: otherDir.id, group: 'Eng' }, role: 'admin' },
      { source: { directory: randomUUID(), group: 'Eng' }, role: 'admin' },
      { source: { connection: randomUUID(), group: 'Eng' }, role: 'admin' },
      { mapping: mapping.id, team: unique('ghost') },
      { mapping: mapping.id, role: 'owner' },
      { mapping: mapping.id, team: null },
      { mapping: mapping.id, source, team: platform.slug },
      { delete: true },
      { team: platform.slug },
    ]) {
      assertError(await t.admin.post(`${base}/preview`, body), 422, 'unprocessable');
    }
    assertError(
      await t.admin.post(`${base}/preview`, { mapping: randomUUID(), delete: true }),
      404,
      'not_found',
    );
    assertError(
      await t.admin.post(`${base}/preview`, { mapping: 'nope', team: platform.slug }),
      404,
      'not_found',
    );
    const connection = await makeConnection(t, org.id);
    for (const body of [
      { source: { directory: dir.id, connection, group: 'Eng' }, role: 'admin' },
      { source: { group: 'Eng' }, role: 'admin' },
      { source, role: 'admin', dryRun: true },
      { mapping: mapping.id, delete: 'yes' },
    ]) {
      assertError(await t.admin.post(`${base}/preview`, body), 400, 'validation_failed');
    }
    assert.deepEqual((await allMappings(t, org.id, 50)).ids, [mapping.id]);
  });
});

describe('group mappings across orgs', () => {
  it("an org key gets 403 on another org's mappings, and works on its own", async () => {
    const { t, org, dir, scim, platform, base } = await setup();
    await pushGroup(scim, 'Eng');
    const mapping = await makeMapping(t, org.id, {
      source: { directory: dir.id, group: 'Eng' },
      team: platform.slug,
    });
    const stranger = await makeOrg(t, 'Stranger');
    const key = await makeApiKey(t, stranger.id);
    const as = t.as(key.key);
    const body = { source: { directory: dir.id, group: 'Eng' }, role: 'admin' };
    assertError(await as.post(base, body), 403, 'forbidden');
    assertError(await as.post(`${base}/preview`, body), 403, 'forbidden');
    assertError(await as.get(base), 403, 'forbidden');
    assertError(await as.get(`${base}/${mapping.id}`), 403, 'forbidden');
    assertError(await as.patch(`${base}/${mapping.id}`, { role: 'admin' }), 403, 'forbidden');
    assertError(await as.delete(`${base}/${mapping.id}`), 403, 'forbidden');
    assertError(await as.get(`/api/v1/orgs/${unique('org')}/group-mappings`), 403, 'forbidden');
    const still = await t.admin.get(`${base}/${mapping.id}`);
    assert.equal(still.body.status, 'active');
    assert.equal(still.body.role, null);
    assert.deepEqual((await allMappings(t, org.id, 50)).ids, [mapping.id]);

    const own = await t.as((await makeApiKey(t, org.id)).key).get(`${base}/${mapping.id}`);
    assert.equal(own.status, 200, JSON.stringify(own.body));
    assert.equal(own.body.id, mapping.id);
  });

  it("org A's mapping is not found through org B's path, and B's preview cannot name it", async () => {
    const { t, org, dir, scim, platform, base } = await setup();
    await pushGroup(scim, 'Eng');
    const mapping = await makeMapping(t, org.id, {
      source: { directory: dir.id, group: 'Eng' },
      team: platform.slug,
    });
    const orgB = await makeOrg(t, 'B');
    const teamB = await makeTeam(t, orgB.id);
    const baseB = `/api/v1/orgs/${orgB.id}/group-mappings`;
    assertError(await t.admin.get(`${baseB}/${mapping.id}`), 404, 'not_found');
    assertError(await t.admin.patch(`${baseB}/${mapping.id}`, { team: teamB.id }), 404, 'not_found');
    assertError(await t.admin.delete(`${baseB}/${mapping.id}`), 404, 'not_found');
    assertError(
      await t.admin.post(`${baseB}/preview`, { mapping: mapping.id, delete: true }),
      404,
      'not_found',
    );
    const keyB = await makeApiKey(t, orgB.id);
    assertError(await t.as(keyB.key).get(`${baseB}/${mapping.id}`), 404, 'not_found');
    const still = await t.admin.get(`${base}/${mapping.id}`);
    assert.equal(still.status, 200);
    assert.equal(still.body.status, 'active');
    assert.equal(still.body.team.id, platform.id);
    assert.deepEqual((await allMappings(t, orgB.id, 50)).ids, []);
  });
});

describe('group mapping audit events', () => {
  it('records created, updated and deleted with the actor, the request id, before and after', async () => {
    const { t, org, dir, scim, platform, data, base } = await setup();
    await pushGroup(scim, 'Eng');
    const key = await makeApiKey(t, org.id);
    const requestId = `req-${unique()}`;
    const created = await t
      .as(key.key)
      .post(base, { source: { directory: dir.id, group: 'Eng' }, team: platform.slug })
      .set('X-Request-Id', requestId);
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const id = created.body.id as string;
    await t.runJobs(org.id);
    const updated = await t.admin.patch(`${base}/${id}`, { team: data.slug, role: 'admin' });
    assert.equal(updated.status, 200);
    const deleted = await t.admin.delete(`${base}/${id}`);
    assert.equal(deleted.status, 202);

    const target = { type: 'group_mapping', id };
    const [createdEvent, ...moreCreated] = await auditOf(t, org.id, 'group_mapping.created', id);
    assert.equal(moreCreated.length, 0);
    assert.ok(createdEvent);
    assert.deepEqual(createdEvent.actor, { type: 'api_key', id: key.id });
    assert.equal(createdEvent.requestId, requestId);
    assert.deepEqual(createdEvent.target, target);
    assert.equal(createdEvent.before, null);
    assert.equal(createdEvent.after?.id, id);
    assert.deepEqual(createdEvent.after?.team, created.body.team);
    assert.equal(createdEvent.after?.role, null);
    assert.equal(createdEvent.after?.status, 'active');

    const admin = { type: 'admin_token', id: null };
    const [updatedEvent, ...moreUpdated] = await auditOf(t, org.id, 'group_mapping.updated', id);
    assert.equal(moreUpdated.length, 0);
    assert.ok(updatedEvent);
    assert.deepEqual(updatedEvent.actor, admin);
    assert.equal(updatedEvent.requestId, updated.headers['x-request-id']);
    assert.deepEqual(updatedEvent.target, target);
    assert.deepEqual(updatedEvent.before?.team, created.body.team);
    assert.equal(updatedEvent.before?.role, null);
    assert.deepEqual(updatedEvent.after?.team, updated.body.team);
    assert.equal(updatedEvent.after?.role, 'admin');

    const [deletedEvent, ...moreDeleted] = await auditOf(t, org.id, 'group_mapping.deleted', id);
    assert.equal(moreDeleted.length, 0);
    assert.ok(deletedEvent);
    assert.deepEqual(deletedEvent.actor, admin);
    assert.equal(deletedEvent.requestId, deleted.headers['x-request-id']);
    assert.deepEqual(deletedEvent.target, target);
    assert.deepEqual(deletedEvent.before?.team, updated.body.team);
    assert.equal(deletedEvent.before?.status, 'active');
    assert.equal(deletedEvent.after, null);

    const all = await t.admin.get(`/api/v1/orgs/${org.id}/audit-events?targetId=${id}`);
    assert.deepEqual(
      all.body.data.map((e: AuditEventBody) => e.action),
      ['group_mapping.deleted', 'group_mapping.updated', 'group_mapping.created'],
    );
  });

  it('records each grant and role change a reconciliation makes, caused by the mapping and its job', async () => {
    const { t, org, dir, scim, platform, base } = await setup();
    const users = await pushUsers(scim, [ada]);
    await pushGroup(scim, 'Eng', [users[ada] as string]);
    const mapping = await makeMapping(t, org.id, {
      source: { directory: dir.id, group: 'Eng' },
      team: platform.slug,
      role: 'admin',
    });
    const userId = await memberId(t, org.id, ada);
    const system = { type: 'system', id: null };
    const cause = { type: 'mapping', id: mapping.id, jobId: mapping.reconciliation?.jobId };
    const target = { type: 'user', id: userId };

    const [granted, ...moreGranted] = await auditOf(t, org.id, 'membership.granted', userId);
    assert.equal(moreGranted.length, 0);
    assert.ok(granted);
    assert.deepEqual(granted.actor, system);
    assert.equal(granted.requestId, null);
    assert.deepEqual(granted.target, target);
    assert.deepEqual(granted.after, { teamId: platform.id, source: 'scim', mappingId: mapping.id, cause });

    const [roleGranted] = await auditOf(t, org.id, 'role_grant.granted', userId);
    assert.ok(roleGranted);
    assert.deepEqual(roleGranted.actor, system);
    assert.deepEqual(roleGranted.after, { role: 'admin', source: 'scim', mappingId: mapping.id, cause });

    const [changed, ...moreChanged] = await auditOf(t, org.id, 'member.role_changed', userId);
    assert.equal(moreChanged.length, 0);
    assert.ok(changed);
    assert.deepEqual(changed.before, { role: 'member' });
    assert.deepEqual(changed.after, { role: 'admin', cause });

    const deleted = await t.admin.delete(`${base}/${mapping.id}`);
    assert.equal(deleted.status, 202);
    await t.runJobs(org.id);
    const deleteCause = { type: 'mapping', id: mapping.id, jobId: deleted.body.reconciliation.jobId };
    const [revoked, ...moreRevoked] = await auditOf(t, org.id, 'membership.revoked', userId);
    assert.equal(moreRevoked.length, 0);
    assert.ok(revoked);
    assert.deepEqual(revoked.actor, system);
    assert.deepEqual(revoked.after, {
      teamId: platform.id,
      source: 'scim',
      mappingId: mapping.id,
      cause: deleteCause,
    });
    const [roleRevoked] = await auditOf(t, org.id, 'role_grant.revoked', userId);
    assert.ok(roleRevoked);
    assert.deepEqual(roleRevoked.after, {
      role: 'admin',
      source: 'scim',
      mappingId: mapping.id,
      cause: deleteCause,
    });
    const [back] = await auditOf(t, org.id, 'member.role_changed', userId);
    assert.ok(back);
    assert.deepEqual(back.before, { role: 'admin' });
    assert.deepEqual(back.after, { role: 'member', cause: deleteCause });
  });

  it('records nothing for a refused change', async () => {
    const { t, org, dir, scim, platform, base } = await setup();
    await pushGroup(scim, 'Eng');
    const body = { source: { directory: dir.id, group: 'Eng' }, team: platform.slug };
    const created = await t.admin.post(base, body);
    assert.equal(created.status, 201);
    assertError(await t.admin.post(base, body), 409, 'conflict');
    assertError(await t.admin.post(base, { ...body, role: 'owner' }), 422, 'unprocessable');
    assertError(
      await t.admin.patch(`${base}/${created.body.id}`, { team: unique('ghost') }),
      422,
      'unprocessable',
    );
    assert.equal((await auditOf(t, org.id, 'group_mapping.created')).length, 1);
    assert.deepEqual(await auditOf(t, org.id, 'group_mapping.updated'), []);
  });
});
