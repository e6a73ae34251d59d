import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { type TestApp, testApp } from '../support/app.ts';
import { assertError, isoPattern, uuidPattern } from '../support/assertions.ts';
import { auditOf } from '../support/audit.ts';
import { makeApiKey, makeOrg, makeTeam, unique } from '../support/factories.ts';
import { makeMapping, memberId, memberOf, pushGroup, pushUsers } from '../support/mappings.ts';
import { groupMemberIds, makeDirectory, type ScimClient, scimClient, user } from '../support/scim.ts';

interface MemberBody {
  id: string;
  email: string;
  givenName: string | null;
  familyName: string | null;
  displayName: string | null;
  status: string;
  role: string;
  rolePinned: boolean;
  sources: string[];
  teams: { id: string; slug: string; name: string; sources: string[] }[];
}

const memberKeys = [
  'createdAt',
  'displayName',
  'email',
  'familyName',
  'givenName',
  'id',
  'role',
  'rolePinned',
  'sources',
  'status',
  'teams',
  'updatedAt',
];
const detailKeys = [...memberKeys, 'roleGrants'].sort();
const originKeys = ['connectionId', 'directoryId', 'eventId', 'invitationId', 'mapping', 'since', 'source'];
const causeEventKeys = ['action', 'actor', 'at', 'cause', 'eventId', 'requestId'];

const ada = 'ada@example.com';
const grace = 'grace@example.com';
const alan = 'alan@example.com';
const linus = 'linus@example.com';

async function setup() {
  const t = await testApp();
  const org = await makeOrg(t);
  const dir = await makeDirectory(t, org.id, 'okta');
  const scim = scimClient(t, dir.id, dir.token);
  const platform = await makeTeam(t, org.id, 'Platform');
  const data = await makeTeam(t, org.id, 'Data');
  return { t, org, dir, scim, platform, data, base: `/api/v1/orgs/${org.id}/members` };
}

/** Pushes a user with its own names; returns the SCIM id. */
async function pushPerson(
  scim: ScimClient,
  email: string,
  givenName: string,
  familyName: string,
  extra: Record<string, unknown> = {},
): Promise<string> {
  const res = await scim.post(
    '/Users',
    user(email, { name: { givenName, familyName }, displayName: `${givenName} ${familyName}`, ...extra }),
  );
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body.id as string;
}

async function allMembers(
  t: TestApp,
  org: string,
  limit: number,
  filter = '',
): Promise<{ emails: string[]; ids: string[]; pages: number }> {
  const members: MemberBody[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const path: string = `/api/v1/orgs/${org}/members?limit=${limit}${filter}${cursor ? `&cursor=${cursor}` : ''}`;
    const res = await t.admin.get(path);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(Object.keys(res.body).sort(), ['data', 'nextCursor']);
    assert.ok(res.body.data.length <= limit);
    members.push(...(res.body.data as MemberBody[]));
    cursor = res.body.nextCursor;
    pages += 1;
    assert.ok(pages < 100, 'pagination does not end');
  } while (cursor !== null);
  return { emails: members.map((m) => m.email), ids: members.map((m) => m.id), pages };
}

describe('GET /api/v1/orgs/{org}/members', () => {
  it('lists members with their role, sources and teams', async () => {
    const { t, org, dir, scim, platform, data, base } = await setup();
    const adaScim = await pushPerson(scim, ada, 'Ada', 'Lovelace');
    await pushGroup(scim, 'Eng', [adaScim]);
    await makeMapping(t, org.id, { source: { directory: dir.id, group: 'Eng' }, team: platform.slug });
    const patched = await t.admin.patch(`${base}/${ada}`, { teams: [platform.slug, data.slug] });
    assert.equal(patched.status, 200, JSON.stringify(patched.body));

    const res = await t.admin.get(base);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(Object.keys(res.body).sort(), ['data', 'nextCursor']);
    assert.equal(res.body.nextCursor, null);
    assert.equal(res.body.data.length, 1);
    const [member] = res.body.data;
    assert.deepEqual(Object.keys(member).sort(), memberKeys);
    assert.match(member.id, uuidPattern);
    assert.equal(member.email, ada);
    assert.equal(member.givenName, 'Ada');
    assert.equal(member.familyName, 'Lovelace');
    assert.equal(member.displayName, 'Ada Lovelace');
    assert.equal(member.status, 'active');
    assert.equal(member.role, 'member');
    assert.equal(member.rolePinned, false);
    assert.deepEqual(member.sources, ['manual', 'scim']);
    assert.match(member.createdAt, isoPattern);
    assert.match(member.updatedAt, isoPattern);
    const teams = [...member.teams].sort((a: { name: string }, b: { name: string }) =>
      a.name.localeCompare(b.name),
    );
    assert.deepEqual(teams, [
      { id: data.id, slug: data.slug, name: 'Data', sources: ['manual'] },
      { id: platform.id, slug: platform.slug, name: 'Platform', sources: ['manual', 'scim'] },
    ]);
  });

  it('pages through exactly the org members, without duplicates', async () => {
    const { t, org, scim } = await setup();
    const other = await setup();
    await pushUsers(other.scim, ['someone@example.com']);
    const names = ['m1', 'm2', 'm3', 'm4', 'm5'].map((n) => `${n}@example.com`);
    await pushUsers(scim, names);
    const byTwo = await allMembers(t, org.id, 2);
    assert.deepEqual(byTwo.emails, names);
    assert.equal(byTwo.pages, 3);
    assert.equal(new Set(byTwo.ids).size, 5);
    const byOne = await allMembers(t, org.id, 1);
    assert.deepEqual(byOne.ids, byTwo.ids);
    assert.equal(byOne.pages, 5);
    const byFive = await t.admin.get(`/api/v1/orgs/${org.id}/members?limit=5`);
    assert.equal(byFive.body.data.length, 5);
    assert.equal(byFive.body.nextCursor, null);
  });

  it('filters by team, source, role, status and text, alone and together', async () => {
    const { t, org, dir, scim, platform, data, base } = await setup();
    const adaScim = await pushPerson(scim, ada, 'Ada', 'Lovelace');
    await pushPerson(scim, grace, 'Grace', 'Hopper');
    await pushPerson(scim, alan, 'Alan', 'Turing', { active: false });
    await pushPerson(scim, 'first_last@example.com', 'Linus', 'Torvalds');
    await pushPerson(scim, 'percent@example.com', 'Per', 'Cent');
    await pushGroup(scim, 'Admins', [adaScim]);
    await makeMapping(t, org.id, {
      source: { directory: dir.id, group: 'Admins' },
      team: platform.slug,
      role: 'admin',
    });
    assert.equal((await t.admin.patch(`${base}/${grace}`, { teams: [data.id], role: 'admin' })).status, 200);
    assert.equal((await t.admin.patch(`${base}/${alan}`, { teams: [platform.id] })).status, 200);
    assert.equal((await t.admin.patch(`${base}/percent@example.com`, { role: 'owner' })).status, 200);

    const cases: { filter: string; emails: string[] }[] = [
      { filter: `&team=${platform.slug}`, emails: [ada, alan] },
      { filter: `&team=${platform.id}`, emails: [ada, alan] },
      { filter: `&team=${data.slug}`, emails: [grace] },
      { filter: '&source=scim', emails: [ada, grace, alan, 'first_last@example.com', 'percent@example.com'] },
      { filter: '&source=manual', emails: [grace, alan, 'percent@example.com'] },
      { filter: '&source=invitation', emails: [] },
      { filter: '&source=sso', emails: [] },
      { filter: '&role=admin', emails: [ada, grace] },
      { filter: '&role=owner', emails: ['percent@example.com'] },
      { filter: '&role=member', emails: [alan, 'first_last@example.com'] },
      { filter: '&status=suspended', emails: [alan] },
      { filter: '&status=active', emails: [ada, grace, 'first_last@example.com', 'percent@example.com'] },
      { filter: '&q=LOVE', emails: [ada] },
      { filter: '&q=hopp', emails: [grace] },
      { filter: '&q=grace%40EXAMPLE', emails: [grace] },
      { filter: '&q=ada%20lovelace', emails: [ada] },
      { filter: '&q=_', emails: ['first_last@example.com'] },
      { filter: '&q=%25', emails: [] },
      {
        filter: '&q=example.com',
        emails: [ada, grace, alan, 'first_last@example.com', 'percent@example.com'],
      },
      { filter: `&team=${platform.slug}&status=active`, emails: [ada] },
      { filter: `&team=${platform.slug}&source=manual`, emails: [alan] },
      { filter: '&role=admin&source=manual', emails: [grace] },
      { filter: '&role=admin&q=lovelace', emails: [ada] },
      { filter: '&role=admin&q=turing', emails: [] },
    ];
    for (const c of cases) {
      assert.deepEqual((await allMembers(t, org.id, 50, c.filter)).emails, c.emails, c.filter);
      assert.deepEqual((await allMembers(t, org.id, 1, c.filter)).emails, c.emails, `${c.filter} by one`);
    }
  });

  it('answers 404 for an unknown team and 400 for a bad source, role, status, text, limit or cursor', async () => {
    const { t, base } = await setup();
    const other = await makeOrg(t, 'Other');
    const otherTeam = await makeTeam(t, other.id);
    assertError(await t.admin.get(`${base}?team=${unique('ghost')}`), 404, 'not_found');
    assertError(await t.admin.get(`${base}?team=${randomUUID()}`), 404, 'not_found');
    assertError(await t.admin.get(`${base}?team=${otherTeam.id}`), 404, 'not_found');
    for (const query of [
      'source=ldap',
      'source=SCIM',
      'role=superuser',
      'status=deleted',
      'q=',
      `q=${'x'.repeat(201)}`,
      'limit=0',
      'limit=201',
      'cursor=abc',
      'sort=email',
    ]) {
      assertError(await t.admin.get(`${base}?${query}`), 400, 'validation_failed');
    }
    const empty = await t.admin.get(`${base}?limit=200`);
    assert.deepEqual(empty.body, { data: [], nextCursor: null });
  });
});

describe('GET /api/v1/orgs/{org}/members/{user}', () => {
  it('finds a member by id and by email in any case, with each grant and where it came from', async () => {
    const { t, org, dir, scim, platform, data, base } = await setup();
    const adaScim = await pushPerson(scim, ada, 'Ada', 'Lovelace');
    await pushGroup(scim, 'Eng', [adaScim]);
    const mapping = await makeMapping(t, org.id, {
      source: { directory: dir.id, group: 'eng' },
      team: platform.slug,
      role: 'admin',
    });
    const patched = await t.admin.patch(`${base}/${ada}`, { teams: [data.slug] });
    assert.equal(patched.status, 200, JSON.stringify(patched.body));

    const byEmail = await t.admin.get(`${base}/ADA@Example.com`);
    assert.equal(byEmail.status, 200, JSON.stringify(byEmail.body));
    assert.deepEqual(Object.keys(byEmail.body).sort(), detailKeys);
    const body = byEmail.body;
    assert.equal(body.email, ada);
    assert.equal(body.role, 'admin');
    assert.deepEqual(body.sources, ['manual', 'scim']);
    const byId = await t.admin.get(`${base}/${body.id}`);
    assert.equal(byId.status, 200);
    assert.deepEqual(byId.body, body);
    assert.deepEqual(patched.body, body);

    const teams = Object.fromEntries(body.teams.map((team: { slug: string }) => [team.slug, team]));
    for (const team of body.teams)
      assert.deepEqual(Object.keys(team).sort(), ['grants', 'id', 'name', 'slug']);
    assert.equal(teams[platform.slug].id, platform.id);
    assert.equal(teams[platform.slug].name, 'Platform');
    const [mapped, ...moreMapped] = teams[platform.slug].grants;
    assert.equal(moreMapped.length, 0);
    assert.deepEqual(Object.keys(mapped).sort(), originKeys);
    assert.equal(mapped.source, 'scim');
    assert.equal(mapped.directoryId, dir.id);
    assert.equal(mapped.connectionId, null);
    assert.equal(mapped.invitationId, null);
    assert.deepEqual(mapped.mapping, { id: mapping.id, group: { key: 'eng', name: 'Eng' } });
    assert.match(mapped.eventId, uuidPattern);
    assert.match(mapped.since, isoPattern);
    const [grantedEvent] = await auditOf(t, org.id, 'membership.granted', body.id);
    assert.ok(grantedEvent);
    const [manual, ...moreManual] = teams[data.slug].grants;
    assert.equal(moreManual.length, 0);
    assert.deepEqual(Object.keys(manual).sort(), originKeys);
    assert.equal(manual.source, 'manual');
    assert.equal(manual.directoryId, null);
    assert.equal(manual.mapping, null);
    assert.equal(manual.eventId, grantedEvent.id);

    for (const grant of body.roleGrants)
      assert.deepEqual(Object.keys(grant).sort(), [...originKeys, 'role'].sort());
    const roles = body.roleGrants.map(
      (g: { role: string; source: string; mapping: { id: string } | null }) => [
        g.role,
        g.source,
        g.mapping?.id ?? null,
      ],
    );
    assert.deepEqual(
      roles.sort(),
      [
        ['admin', 'scim', mapping.id],
        ['member', 'scim', null],
      ].sort(),
    );
    const scimGrant = body.roleGrants.find((g: { mapping: unknown }) => g.mapping === null);
    assert.equal(scimGrant.directoryId, dir.id);
  });

  it('answers 404 for an unknown id, email or reference', async () => {
    const { t, scim, base } = await setup();
    await pushUsers(scim, [ada]);
    assertError(await t.admin.get(`${base}/${randomUUID()}`), 404, 'not_found');
    assertError(await t.admin.get(`${base}/nobody@example.com`), 404, 'not_found');
    assertError(await t.admin.get(`${base}/ada`), 404, 'not_found');
  });

  it('answers 404, as for a team, for a member reference with a NUL character', async () => {
    const { t, scim, base } = await setup();
    await pushUsers(scim, [ada]);
    assertError(await t.admin.get(`${base}/ada%00@example.com`), 404, 'not_found');
    assertError(await t.admin.get(`${base}/ada%00`), 404, 'not_found');
  });
});

describe('PATCH /api/v1/orgs/{org}/members/{user}', () => {
  it('promotes and demotes by hand, with member.updated and member.role_changed events', async () => {
    const { t, org, scim, base } = await setup();
    await pushUsers(scim, [ada]);
    const id = await memberId(t, org.id, ada);
    const before = (await t.admin.get(`${base}/${id}`)).body;
    const promoted = await t.admin.patch(`${base}/${id}`, { role: 'admin' });
    assert.equal(promoted.status, 200, JSON.stringify(promoted.body));
    assert.deepEqual(Object.keys(promoted.body).sort(), detailKeys);
    assert.equal(promoted.body.role, 'admin');
    assert.equal(promoted.body.rolePinned, false);
    assert.deepEqual(promoted.body.sources, ['manual', 'scim']);
    const manual = promoted.body.roleGrants.find((g: { source: string }) => g.source === 'manual');
    assert.ok(manual, JSON.stringify(promoted.body.roleGrants));
    assert.equal(manual.role, 'admin');
    assert.equal(manual.mapping, null);
    assert.deepEqual(await t.admin.get(`${base}/${ada}`).then((r) => r.body), promoted.body);

    const [updated, ...moreUpdated] = await auditOf(t, org.id, 'member.updated', id);
    assert.equal(moreUpdated.length, 0);
    assert.ok(updated);
    assert.deepEqual(updated.actor, { type: 'admin_token', id: null });
    assert.equal(updated.requestId, promoted.headers['x-request-id']);
    assert.deepEqual(updated.target, { type: 'user', id });
    assert.equal(updated.before?.role, 'member');
    assert.deepEqual(updated.before?.roleGrants, before.roleGrants);
    assert.equal(updated.after?.role, 'admin');
    assert.deepEqual(updated.after, promoted.body);
    const [changed] = await auditOf(t, org.id, 'member.role_changed', id);
    assert.ok(changed);
    assert.deepEqual(changed.actor, { type: 'admin_token', id: null });
    assert.equal(changed.requestId, promoted.headers['x-request-id']);
    assert.deepEqual(changed.before, { role: 'member' });
    assert.deepEqual(changed.after, {
      role: 'admin',
      cause: { type: 'admin', id: promoted.headers['x-request-id'] },
    });

    const key = await makeApiKey(t, org.id);
    const requestId = `req-${unique()}`;
    const demoted = await t
      .as(key.key)
      .patch(`${base}/${ada}`, { role: 'member' })
      .set('X-Request-Id', requestId);
    assert.equal(demoted.status, 200, JSON.stringify(demoted.body));
    assert.equal(demoted.body.role, 'member');
    const [latest] = await auditOf(t, org.id, 'member.role_changed', id);
    assert.ok(latest);
    assert.deepEqual(latest.actor, { type: 'api_key', id: key.id });
    assert.equal(latest.requestId, requestId);
    assert.deepEqual(latest.after, { role: 'member', cause: { type: 'admin', id: requestId } });
  });

  it('makes the first owner of an org that has none, and refuses to demote the last one', async () => {
    const { t, org, scim, base } = await setup();
    await pushUsers(scim, [ada, grace]);
    assert.deepEqual((await allMembers(t, org.id, 50, '&role=owner')).emails, []);
    const first = await t.admin.patch(`${base}/${ada}`, { role: 'owner' });
    assert.equal(first.status, 200, JSON.stringify(first.body));
    assert.equal(first.body.role, 'owner');
    for (const body of [{ role: 'admin' }, { role: 'member' }, { role: 'member', rolePinned: true }]) {
      const res = await t.admin.patch(`${base}/${ada}`, body);
      assertError(res, 409, 'conflict');
      assert.match(res.body.error.message, /owner/);
    }
    assert.equal((await memberOf(t, org.id, ada)).role, 'owner');
    assert.equal((await t.admin.get(`${base}/${ada}`)).body.rolePinned, false);

    assert.equal((await t.admin.patch(`${base}/${grace}`, { role: 'owner' })).status, 200);
    const handedOver = await t.admin.patch(`${base}/${ada}`, { role: 'member' });
    assert.equal(handedOver.status, 200, JSON.stringify(handedOver.body));
    assert.equal(handedOver.body.role, 'member');
    assertError(await t.admin.patch(`${base}/${grace}`, { role: 'admin' }), 409, 'conflict');
    assert.deepEqual((await allMembers(t, org.id, 50, '&role=owner')).emails, [grace]);
  });

  it('refuses a demotion that a mapping overrules unless pinned, and keeps nothing of the refused request', async () => {
    const { t, org, dir, scim, data, base } = await setup();
    const users = await pushUsers(scim, [ada]);
    await pushGroup(scim, 'IT', [users[ada] as string]);
    await makeMapping(t, org.id, { source: { directory: dir.id, group: 'IT' }, role: 'admin' });
    const id = await memberId(t, org.id, ada);
    const roleEvents = (await auditOf(t, org.id, 'member.role_changed', id)).length;
    const refused = await t.admin.patch(`${base}/${ada}`, { role: 'member' });
    assertError(refused, 409, 'conflict');
    assert.match(refused.body.error.message, /rolePinned/);
    const withTeams = await t.admin.patch(`${base}/${ada}`, { role: 'member', teams: [data.slug] });
    assertError(withTeams, 409, 'conflict');
    assert.deepEqual(await memberOf(t, org.id, ada), { role: 'admin', status: 'active', teams: {} });
    const detail = (await t.admin.get(`${base}/${ada}`)).body;
    assert.equal(detail.rolePinned, false);
    assert.deepEqual(
      detail.roleGrants.map((g: { source: string }) => g.source),
      ['scim', 'scim'],
    );
    assert.deepEqual(await auditOf(t, org.id, 'member.updated', id), []);
    assert.deepEqual(await auditOf(t, org.id, 'membership.granted', id), []);
    assert.equal((await auditOf(t, org.id, 'member.role_changed', id)).length, roleEvents);
    const pinned = await t.admin.patch(`${base}/${ada}`, { role: 'member', rolePinned: true });
    assert.equal(pinned.status, 200, JSON.stringify(pinned.body));
    assert.equal(pinned.body.role, 'member');
    assert.equal(pinned.body.rolePinned, true);
  });

  it('sets the teams held by hand, by slug or id, replacing the previous set and leaving mapped teams alone', async () => {
    const { t, org, dir, scim, platform, data, base } = await setup();
    const ops = await makeTeam(t, org.id, 'Ops');
    const users = await pushUsers(scim, [ada]);
    await pushGroup(scim, 'Eng', [users[ada] as string]);
    await makeMapping(t, org.id, { source: { directory: dir.id, group: 'Eng' }, team: platform.slug });
    const id = await memberId(t, org.id, ada);

    const first = await t.admin.patch(`${base}/${id}`, { teams: [data.slug, ops.id, data.id] });
    assert.equal(first.status, 200, JSON.stringify(first.body));
    assert.deepEqual((await memberOf(t, org.id, ada)).teams, {
      [platform.slug]: ['scim'],
      [data.slug]: ['manual'],
      [ops.slug]: ['manual'],
    });
    const second = await t.admin.patch(`${base}/${id}`, { teams: [ops.slug, platform.slug] });
    assert.equal(second.status, 200, JSON.stringify(second.body));
    assert.deepEqual((await memberOf(t, org.id, ada)).teams, {
      [platform.slug]: ['manual', 'scim'],
      [ops.slug]: ['manual'],
    });
    const cleared = await t.admin.patch(`${base}/${id}`, { teams: [] });
    assert.equal(cleared.status, 200, JSON.stringify(cleared.body));
    assert.deepEqual((await memberOf(t, org.id, ada)).teams, { [platform.slug]: ['scim'] });
    assert.equal(cleared.body.role, 'member');

    const granted = await auditOf(t, org.id, 'membership.granted', id);
    const manualGrants = granted.filter((e) => e.after?.source === 'manual');
    assert.deepEqual(manualGrants.map((e) => e.after?.teamId).sort(), [data.id, ops.id, platform.id].sort());
    const byTeam = manualGrants.find((e) => e.after?.teamId === platform.id);
    assert.ok(byTeam);
    assert.deepEqual(byTeam.actor, { type: 'admin_token', id: null });
    assert.equal(byTeam.requestId, second.headers['x-request-id']);
    assert.deepEqual(byTeam.after, {
      teamId: platform.id,
      source: 'manual',
      mappingId: null,
      cause: { type: 'admin', id: second.headers['x-request-id'] },
    });
    const revoked = await auditOf(t, org.id, 'membership.revoked', id);
    assert.deepEqual(
      revoked.map((e) => [e.after?.teamId, e.requestId]).sort(),
      [
        [data.id, second.headers['x-request-id']],
        [ops.id, cleared.headers['x-request-id']],
        [platform.id, cleared.headers['x-request-id']],
      ].sort(),
    );
  });

  it('answers 422 for an unknown role or team and changes nothing, 400 for a malformed body, 404 for an unknown member', async () => {
    const { t, org, scim, data, base } = await setup();
    await pushUsers(scim, [ada]);
    const id = await memberId(t, org.id, ada);
    assert.equal((await t.admin.patch(`${base}/${ada}`, { teams: [data.slug] })).status, 200);
    const before = (await t.admin.get(`${base}/${ada}`)).body;
    const updatesBefore = (await auditOf(t, org.id, 'member.updated', id)).length;
    const other = await makeOrg(t, 'Other');
    const otherTeam = await makeTeam(t, other.id);
    const unprocessable: { body: object; path: string }[] = [
      { body: { role: 'superuser' }, path: 'role' },
      { body: { role: 'Owner' }, path: 'role' },
      { body: { role: '' }, path: 'role' },
      { body: { teams: [unique('ghost')] }, path: 'teams' },
      { body: { teams: [randomUUID()] }, path: 'teams' },
      { body: { teams: [otherTeam.id] }, path: 'teams' },
      { body: { teams: [], role: 'superuser' }, path: 'role' },
      { body: { role: 'admin', teams: [unique('ghost')] }, path: 'teams' },
    ];
    for (const c of unprocessable) {
      const res = await t.admin.patch(`${base}/${ada}`, c.body);
      assertError(res, 422, 'unprocessable');
      assert.deepEqual(
        res.body.error.details?.map((d: { path: string }) => d.path),
        [c.path],
        JSON.stringify(c.body),
      );
    }
    for (const body of [
      { rolePinned: 'yes' },
      { teams: 'data' },
      { teams: [7] },
      { email: 'eve@example.com' },
      { role: 1 },
    ]) {
      assertError(await t.admin.patch(`${base}/${ada}`, body), 400, 'validation_failed');
    }
    assert.deepEqual((await t.admin.get(`${base}/${ada}`)).body, before);
    assert.equal((await auditOf(t, org.id, 'member.updated', id)).length, updatesBefore);
    assertError(await t.admin.patch(`${base}/${randomUUID()}`, { role: 'admin' }), 404, 'not_found');
    assertError(await t.admin.patch(`${base}/nobody@example.com`, { role: 'admin' }), 404, 'not_found');
  });
});

describe('DELETE /api/v1/orgs/{org}/members/{user}', () => {
  it('removes the member and its SCIM user, lowers the directory count and keeps a member.removed event', async () => {
    const { t, org, dir, scim, platform, base } = await setup();
    const users = await pushUsers(scim, [ada, grace]);
    const group = await pushGroup(scim, 'Eng', [users[ada] as string, users[grace] as string]);
    await makeMapping(t, org.id, { source: { directory: dir.id, group: 'Eng' }, team: platform.slug });
    const directory = `/api/v1/orgs/${org.id}/directories/${dir.id}`;
    const countBefore = (await t.admin.get(directory)).body.userCount;
    assert.equal(countBefore, 2);
    const id = await memberId(t, org.id, ada);
    const snapshot = (await t.admin.get(`${base}/${id}`)).body;

    const res = await t.admin.delete(`${base}/${ada}`);
    assert.equal(res.status, 204, JSON.stringify(res.body));
    assert.equal(res.text, '');
    assertError(await t.admin.get(`${base}/${id}`), 404, 'not_found');
    assertError(await t.admin.get(`${base}/${ada}`), 404, 'not_found');
    assertError(await t.admin.delete(`${base}/${id}`), 404, 'not_found');
    assert.equal((await scim.get(`/Users/${users[ada]}`)).status, 404);
    assert.equal((await t.admin.get(directory)).body.userCount, countBefore - 1);
    assert.deepEqual(await groupMemberIds(scim.get, group), [users[grace] as string]);
    assert.deepEqual((await allMembers(t, org.id, 50)).emails, [grace]);
    assert.deepEqual((await allMembers(t, org.id, 50, `&team=${platform.slug}`)).emails, [grace]);

    const [removed, ...moreRemoved] = await auditOf(t, org.id, 'member.removed', id);
    assert.equal(moreRemoved.length, 0);
    assert.ok(removed);
    assert.deepEqual(removed.actor, { type: 'admin_token', id: null });
    assert.equal(removed.requestId, res.headers['x-request-id']);
    assert.deepEqual(removed.target, { type: 'user', id });
    assert.deepEqual(removed.before, snapshot);
    assert.equal(removed.after, null);

    // The IdP may push the user again: it comes back as a new member.
    const again = await scim.post('/Users', user(ada));
    assert.equal(again.status, 201, JSON.stringify(again.body));
    const back = await t.admin.get(`${base}/${ada}`);
    assert.equal(back.status, 200);
    assert.notEqual(back.body.id, id);
    assert.equal((await t.admin.get(directory)).body.userCount, countBefore);
  });

  it('removes the SCIM user of each directory that holds the member', async () => {
    const { t, org, dir, scim, base } = await setup();
    const second = await makeDirectory(t, org.id, 'entra');
    const scim2 = scimClient(t, second.id, second.token);
    const first = await pushUsers(scim, [ada]);
    const other = await pushUsers(scim2, [ada, grace]);
    const id = await memberId(t, org.id, ada);
    assert.deepEqual((await allMembers(t, org.id, 50)).ids.length, 2);
    assert.equal((await t.admin.delete(`${base}/${id}`)).status, 204);
    assert.equal((await scim.get(`/Users/${first[ada]}`)).status, 404);
    assert.equal((await scim2.get(`/Users/${other[ada]}`)).status, 404);
    assert.equal((await scim2.get(`/Users/${other[grace]}`)).status, 200);
    assert.equal((await t.admin.get(`/api/v1/orgs/${org.id}/directories/${dir.id}`)).body.userCount, 0);
    assert.equal((await t.admin.get(`/api/v1/orgs/${org.id}/directories/${second.id}`)).body.userCount, 1);
  });

  it('refuses to remove the last owner, and removes an owner while another remains', async () => {
    const { t, org, scim, base } = await setup();
    await pushUsers(scim, [ada, grace, alan]);
    assert.equal((await t.admin.delete(`${base}/${alan}`)).status, 204);
    assert.equal((await t.admin.patch(`${base}/${ada}`, { role: 'owner' })).status, 200);
    const refused = await t.admin.delete(`${base}/${ada}`);
    assertError(refused, 409, 'conflict');
    assert.equal((await memberOf(t, org.id, ada)).role, 'owner');
    assert.equal((await t.admin.patch(`${base}/${grace}`, { role: 'owner' })).status, 200);
    assert.equal((await t.admin.delete(`${base}/${ada}`)).status, 204);
    assertError(await t.admin.delete(`${base}/${grace}`), 409, 'conflict');
    assert.deepEqual((await allMembers(t, org.id, 50)).emails, [grace]);
  });

  it('answers 404 for an unknown member', async () => {
    const { t, base } = await setup();
    assertError(await t.admin.delete(`${base}/${randomUUID()}`), 404, 'not_found');
    assertError(await t.admin.delete(`${base}/nobody@example.com`), 404, 'not_found');
  });
});

describe('GET /api/v1/orgs/{org}/members/{user}/why', () => {
  it('explains a mapped membership with the mapping, its job and the event that granted it', async () => {
    const { t, org, dir, scim, platform, base } = await setup();
    const users = await pushUsers(scim, [ada]);
    await pushGroup(scim, 'Eng', [users[ada] as string]);
    const mapping = await makeMapping(t, org.id, {
      source: { directory: dir.id, group: 'Eng' },
      team: platform.slug,
    });
    const id = await memberId(t, org.id, ada);

    const res = await t.admin.get(`${base}/${ada}/why?team=${platform.slug}`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(Object.keys(res.body).sort(), ['grants', 'history', 'member', 'team', 'user']);
    assert.deepEqual(res.body.user, { id, email: ada });
    assert.deepEqual(res.body.team, { id: platform.id, slug: platform.slug, name: 'Platform' });
    assert.equal(res.body.member, true);
    assert.equal(res.body.grants.length, 1);
    const [grant] = res.body.grants;
    assert.deepEqual(Object.keys(grant).sort(), [...originKeys, 'grantedBy'].sort());
    assert.equal(grant.source, 'scim');
    assert.equal(grant.directoryId, dir.id);
    assert.deepEqual(grant.mapping, { id: mapping.id, group: { key: 'Eng', name: 'Eng' } });
    assert.deepEqual(Object.keys(grant.grantedBy).sort(), causeEventKeys);
    assert.equal(grant.grantedBy.eventId, grant.eventId);
    assert.equal(grant.grantedBy.action, 'membership.granted');
    assert.deepEqual(grant.grantedBy.actor, { type: 'system', id: null });
    assert.equal(grant.grantedBy.requestId, null);
    assert.deepEqual(grant.grantedBy.cause, {
      type: 'mapping',
      id: mapping.id,
      jobId: mapping.reconciliation?.jobId,
    });
    assert.match(grant.grantedBy.at, isoPattern);
    assert.equal(res.body.history.length, 1);
    const [event] = res.body.history;
    assert.deepEqual(Object.keys(event).sort(), [...causeEventKeys, 'mappingId', 'source'].sort());
    assert.deepEqual(event, { ...grant.grantedBy, source: 'scim', mappingId: mapping.id });
    const byId = await t.admin.get(`${base}/${id}/why?team=${platform.id}`);
    assert.deepEqual(byId.body, res.body);
  });

  it('shows a manual membership granted and revoked, newest first, caused by the admin requests', async () => {
    const { t, org, scim, platform, data, base } = await setup();
    await pushUsers(scim, [ada]);
    const granted = await t.admin.patch(`${base}/${ada}`, { teams: [platform.slug] });
    assert.equal(granted.status, 200);
    const held = await t.admin.get(`${base}/${ada}/why?team=${platform.slug}`);
    assert.equal(held.status, 200, JSON.stringify(held.body));
    assert.equal(held.body.member, true);
    const [grant] = held.body.grants;
    assert.equal(grant.source, 'manual');
    assert.equal(grant.mapping, null);
    assert.deepEqual(grant.grantedBy.actor, { type: 'admin_token', id: null });
    assert.equal(grant.grantedBy.requestId, granted.headers['x-request-id']);
    assert.deepEqual(grant.grantedBy.cause, { type: 'admin', id: granted.headers['x-request-id'] });

    const key = await makeApiKey(t, org.id);
    const revoked = await t.as(key.key).patch(`${base}/${ada}`, { teams: [] });
    assert.equal(revoked.status, 200);
    const gone = await t.admin.get(`${base}/${ada}/why?team=${platform.id}`);
    assert.equal(gone.status, 200, JSON.stringify(gone.body));
    assert.equal(gone.body.member, false);
    assert.deepEqual(gone.body.grants, []);
    assert.deepEqual(
      gone.body.history.map(
        (e: { action: string; actor: unknown; requestId: string; source: string; mappingId: unknown }) => [
          e.action,
          e.actor,
          e.requestId,
          e.source,
          e.mappingId,
        ],
      ),
      [
        [
          'membership.revoked',
          { type: 'api_key', id: key.id },
          revoked.headers['x-request-id'],
          'manual',
          null,
        ],
        [
          'membership.granted',
          { type: 'admin_token', id: null },
          granted.headers['x-request-id'],
          'manual',
          null,
        ],
      ],
    );
    assert.deepEqual(gone.body.history[0].cause, { type: 'admin', id: revoked.headers['x-request-id'] });

    const never = await t.admin.get(`${base}/${ada}/why?team=${data.slug}`);
    assert.equal(never.status, 200);
    assert.equal(never.body.member, false);
    assert.deepEqual(never.body.grants, []);
    assert.deepEqual(never.body.history, []);
  });

  it('answers 400 without a team, 404 for an unknown team or member', async () => {
    const { t, scim, platform, base } = await setup();
    await pushUsers(scim, [ada]);
    assertError(await t.admin.get(`${base}/${ada}/why`), 400, 'validation_failed');
    assertError(await t.admin.get(`${base}/${ada}/why?team=`), 400, 'validation_failed');
    assertError(
      await t.admin.get(`${base}/${ada}/why?team=${platform.slug}&verbose=1`),
      400,
      'validation_failed',
    );
    assertError(await t.admin.get(`${base}/${ada}/why?team=${unique('ghost')}`), 404, 'not_found');
    assertError(await t.admin.get(`${base}/${ada}/why?team=${randomUUID()}`), 404, 'not_found');
    assertError(await t.admin.get(`${base}/nobody@example.com/why?team=${platform.slug}`), 404, 'not_found');
    assertError(await t.admin.get(`${base}/${randomUUID()}/why?team=${platform.slug}`), 404, 'not_found');
  });
});

describe('members across orgs', () => {
  it("an org key gets 403 on another org's members", async () => {
    const { t, org, scim, platform, base } = await setup();
    await pushUsers(scim, [ada]);
    const id = await memberId(t, org.id, ada);
    const stranger = await makeOrg(t, 'Stranger');
    const as = t.as((await makeApiKey(t, stranger.id)).key);
    assertError(await as.get(base), 403, 'forbidden');
    assertError(await as.get(`${base}/${id}`), 403, 'forbidden');
    assertError(await as.get(`${base}/${ada}`), 403, 'forbidden');
    assertError(await as.patch(`${base}/${id}`, { role: 'owner' }), 403, 'forbidden');
    assertError(await as.delete(`${base}/${id}`), 403, 'forbidden');
    assertError(await as.get(`${base}/${id}/why?team=${platform.slug}`), 403, 'forbidden');
    assert.deepEqual(await memberOf(t, org.id, ada), { role: 'member', status: 'active', teams: {} });
    const own = await t.as((await makeApiKey(t, org.id)).key).get(`${base}/${id}`);
    assert.equal(own.status, 200, JSON.stringify(own.body));
    assert.equal(own.body.email, ada);
  });

  it("org B's member is not found through org A's path, and the same email stays apart", async () => {
    const a = await setup();
    const t = a.t;
    const b = await setup();
    await pushUsers(a.scim, [ada]);
    await pushUsers(b.scim, [ada, linus]);
    const idB = await memberId(t, b.org.id, ada);
    const linusB = await memberId(t, b.org.id, linus);
    assertError(await t.admin.get(`${a.base}/${idB}`), 404, 'not_found');
    assertError(await t.admin.get(`${a.base}/${linus}`), 404, 'not_found');
    assertError(await t.admin.patch(`${a.base}/${linusB}`, { role: 'admin' }), 404, 'not_found');
    assertError(await t.admin.delete(`${a.base}/${linusB}`), 404, 'not_found');
    assertError(await t.admin.get(`${a.base}/${linusB}/why?team=${a.platform.slug}`), 404, 'not_found');
    // A's team is not B's: B's member cannot be asked about it, nor given it.
    assertError(await t.admin.get(`${b.base}/${ada}/why?team=${a.platform.slug}`), 404, 'not_found');
    assertError(await t.admin.patch(`${b.base}/${ada}`, { teams: [a.platform.id] }), 422, 'unprocessable');

    assert.equal((await t.admin.patch(`${a.base}/${ada}`, { role: 'admin' })).status, 200);
    assert.equal((await t.admin.delete(`${a.base}/${ada}`)).status, 204);
    const stillB = await t.admin.get(`${b.base}/${ada}`);
    assert.equal(stillB.status, 200);
    assert.equal(stillB.body.id, idB);
    assert.equal(stillB.body.role, 'member');
    assert.deepEqual((await allMembers(t, b.org.id, 50)).emails, [ada, linus]);
    assert.equal((await t.admin.get(`/api/v1/orgs/${b.org.id}/directories/${b.dir.id}`)).body.userCount, 2);
  });
});
