import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sql } from 'kysely';
import { SignInRefused, type SsoSignIn, signInWithSso } from '../../src/domain/directory/index.ts';
import { newId } from '../../src/infra/ids/index.ts';
import { testApp } from '../support/app.ts';
import { auditOf } from '../support/audit.ts';
import { makeOrg, makeTeam } from '../support/factories.ts';
import { makeConnection, makeMapping, memberOf, pushGroup } from '../support/mappings.ts';
import { makeDirectory, patchOp, scimClient, user } from '../support/scim.ts';

/**
 * The precedence rules of docs/provisioning.md, one test each: who wins when
 * SCIM, sign-in and invitations meet the same person.
 */
const ctx = { actor: { type: 'system' as const, id: null } };

function signIn(orgId: string, connectionId: string, over: Partial<SsoSignIn> = {}): SsoSignIn {
  return {
    orgId,
    connectionId,
    subject: 'ada@example.com',
    profile: { email: 'ada@example.com', given_name: 'Ada', family_name: 'Lovelace', display_name: null },
    groups: [],
    groupsTruncated: false,
    loginId: newId(),
    jit: true,
    linkByEmail: true,
    ...over,
  };
}

describe('precedence of sources', () => {
  it('SCIM says inactive, a sign-in arrives: refused, nothing changes, the refusal is audited', async () => {
    const t = await testApp();
    const org = await makeOrg(t);
    const dir = await makeDirectory(t, org.id, 'okta');
    const scim = scimClient(t, dir.id, dir.token);
    const created = await scim.post('/Users', user('ada@example.com'));
    await scim.patch(`/Users/${created.body.id}`, patchOp({ op: 'replace', path: 'active', value: false }));
    const connection = await makeConnection(t, org.id);
    await assert.rejects(
      signInWithSso(t.database.db, signIn(org.id, connection, { groups: ['Eng'] }), ctx),
      (error: unknown) =>
        error instanceof SignInRefused && error.reason === 'user_suspended' && error.status === 403,
    );
    assert.deepEqual(await memberOf(t, org.id, 'ada@example.com'), {
      role: 'member',
      status: 'suspended',
      teams: {},
    });
    const refused = await auditOf(t, org.id, 'sso.sign_in_refused');
    assert.equal(refused[0]?.after?.reason, 'user_suspended');
    const sources = (await t.admin.get(`/api/v1/orgs/${org.id}/members/ada@example.com`)).body.sources;
    assert.deepEqual(sources, ['scim'], 'the refused sign-in granted nothing');
  });

  it('an invited user later pushed by SCIM: one user, the invitation grants kept', async () => {
    const t = await testApp();
    const org = await makeOrg(t);
    const team = await makeTeam(t, org.id, 'Partners');
    const invitationId = newId();
    const userId = newId();
    // What accepting an invitation leaves: the user, the invitation's role and team.
    await sql`insert into users (id, org_id, email) values (${userId}, ${org.id}, 'Ada@Example.com')`.execute(
      t.database.db,
    );
    await sql`insert into role_grants (org_id, user_id, role, source, source_id)
              values (${org.id}, ${userId}, 'member', 'invitation', ${invitationId})`.execute(t.database.db);
    await sql`insert into memberships (org_id, team_id, user_id, source, source_id)
              values (${org.id}, ${team.id}, ${userId}, 'invitation', ${invitationId})`.execute(
      t.database.db,
    );
    const dir = await makeDirectory(t, org.id, 'entra');
    const scim = scimClient(t, dir.id, dir.token);
    const pushed = await scim.post('/Users', user('ada@example.com'));
    assert.equal(pushed.status, 201, JSON.stringify(pushed.body));
    const member = await t.admin.get(`/api/v1/orgs/${org.id}/members/${userId}`);
    assert.deepEqual(member.body.sources, ['invitation', 'scim']);
    assert.deepEqual(
      member.body.teams.map((tm: { slug: string; grants: { source: string; invitationId: string }[] }) => [
        tm.slug,
        tm.grants.map((g) => [g.source, g.invitationId]),
      ]),
      [[team.slug, [['invitation', invitationId]]]],
    );
    const list = await t.admin.get(`/api/v1/orgs/${org.id}/members?q=ada`);
    assert.equal(list.body.data.length, 1, 'one person is one user');
    // SCIM deletes its user: the invitation still holds the person in the org.
    assert.equal((await scim.delete(`/Users/${pushed.body.id}`)).status, 204);
    const after = await memberOf(t, org.id, userId);
    assert.deepEqual(after, { role: 'member', status: 'active', teams: { [team.slug]: ['invitation'] } });
  });

  it('JIT creates the user; SCIM later takes over the same user by email', async () => {
    const t = await testApp();
    const org = await makeOrg(t);
    const connection = await makeConnection(t, org.id);
    const { user: jit, created } = await signInWithSso(t.database.db, signIn(org.id, connection), ctx);
    assert.equal(created, true);
    const dir = await makeDirectory(t, org.id, 'okta');
    const scim = scimClient(t, dir.id, dir.token);
    const pushed = await scim.post('/Users', user('ADA@example.com', { name: { givenName: 'Augusta' } }));
    assert.equal(pushed.status, 201, JSON.stringify(pushed.body));
    const member = await t.admin.get(`/api/v1/orgs/${org.id}/members/${jit.id}`);
    assert.deepEqual(member.body.sources, ['scim', 'sso']);
    assert.equal(member.body.givenName, 'Augusta', 'SCIM now keeps the profile');
    assert.equal((await auditOf(t, org.id, 'scim.user_linked'))[0] !== undefined, true);
  });

  it('JIT creates the user; SCIM later takes over the same user by externalId, whatever its email', async () => {
    const t = await testApp();
    const org = await makeOrg(t);
    const connection = await makeConnection(t, org.id);
    // Okta's OIDC sub and its SCIM externalId are both the Okta user id.
    const { user: jit } = await signInWithSso(
      t.database.db,
      signIn(org.id, connection, { subject: '00u1ck5ezbvD0VU0h1d7' }),
      ctx,
    );
    const dir = await makeDirectory(t, org.id, 'okta');
    const scim = scimClient(t, dir.id, dir.token);
    const pushed = await scim.post(
      '/Users',
      user('ada.lovelace@example.com', { externalId: '00u1ck5ezbvD0VU0h1d7' }),
    );
    assert.equal(pushed.status, 201, JSON.stringify(pushed.body));
    const member = await t.admin.get(`/api/v1/orgs/${org.id}/members/${jit.id}`);
    assert.equal(member.body.email, 'ada.lovelace@example.com');
    assert.deepEqual(member.body.sources, ['scim', 'sso']);
    const all = await t.admin.get(`/api/v1/orgs/${org.id}/members`);
    assert.equal(all.body.data.length, 1);
  });

  it('a user in two orgs: two users, two memberships, nothing shared', async () => {
    const t = await testApp();
    const first = await makeOrg(t, 'First');
    const second = await makeOrg(t, 'Second');
    const teamA = await makeTeam(t, first.id, 'Platform');
    const dirA = await makeDirectory(t, first.id, 'entra');
    const dirB = await makeDirectory(t, second.id, 'entra');
    const scimA = scimClient(t, dirA.id, dirA.token);
    const scimB = scimClient(t, dirB.id, dirB.token);
    const inA = await scimA.post('/Users', user('ada@example.com'));
    const inB = await scimB.post('/Users', user('ada@example.com', { name: { givenName: 'Countess' } }));
    assert.equal(inB.status, 201, 'the same email is a new user in another org, no conflict');
    await pushGroup(scimA, 'Eng', [inA.body.id]);
    await makeMapping(t, first.id, {
      source: { directory: dirA.id, group: 'Eng' },
      team: teamA.slug,
      role: 'admin',
    });
    const a = await t.admin.get(`/api/v1/orgs/${first.id}/members/ada@example.com`);
    const b = await t.admin.get(`/api/v1/orgs/${second.id}/members/ada@example.com`);
    assert.notEqual(a.body.id, b.body.id);
    assert.deepEqual([a.body.role, a.body.teams.length, a.body.givenName], ['admin', 1, 'Ada']);
    assert.deepEqual([b.body.role, b.body.teams.length, b.body.givenName], ['member', 0, 'Countess']);
    assert.equal((await t.admin.get(`/api/v1/orgs/${second.id}/members/${a.body.id}`)).status, 404);
    // A sign-in through the second org's connection reaches the second org's user only.
    const connection = await makeConnection(t, second.id);
    const signed = await signInWithSso(t.database.db, signIn(second.id, connection), ctx);
    assert.equal(signed.user.id, b.body.id);
    assert.equal(signed.linked, true);
  });
});

describe('sign-in provisioning', () => {
  it("each sign-in's groups move the connection's mappings; a group no longer claimed takes back its grant", async () => {
    const t = await testApp();
    const org = await makeOrg(t);
    const platform = await makeTeam(t, org.id, 'Platform');
    const data = await makeTeam(t, org.id, 'Data');
    const connection = await makeConnection(t, org.id, 'keycloak');
    await makeMapping(t, org.id, { source: { connection, group: '/eng/platform' }, team: platform.slug });
    await makeMapping(t, org.id, {
      source: { connection, group: '/eng/data' },
      team: data.slug,
      role: 'admin',
    });
    const login = (groups: string[], over: Partial<SsoSignIn> = {}) =>
      signInWithSso(t.database.db, signIn(org.id, connection, { groups, ...over }), ctx);
    const first = await login(['/eng/platform', '/eng/data']);
    assert.deepEqual(await memberOf(t, org.id, first.user.id), {
      role: 'admin',
      status: 'active',
      teams: { [data.slug]: ['sso'], [platform.slug]: ['sso'] },
    });
    const second = await login(['/eng/platform']);
    assert.deepEqual(await memberOf(t, org.id, second.user.id), {
      role: 'member',
      status: 'active',
      teams: { [platform.slug]: ['sso'] },
    });
    // A claim the IdP cut short adds what it names and takes nothing back.
    await login(['/eng/data'], { groupsTruncated: true });
    assert.deepEqual(
      Object.keys((await memberOf(t, org.id, first.user.id)).teams).sort(),
      [data.slug, platform.slug].sort(),
    );
    const why = await t.admin.get(`/api/v1/orgs/${org.id}/members/${first.user.id}/why?team=${data.slug}`);
    assert.equal(why.body.grants[0].grantedBy.cause.type, 'login');
    assert.equal(why.body.grants[0].grantedBy.actor.type, 'user');
  });

  it('a claim value matches exactly: a Keycloak path is not its last segment', async () => {
    const t = await testApp();
    const org = await makeOrg(t);
    const platform = await makeTeam(t, org.id, 'Platform');
    const connection = await makeConnection(t, org.id, 'keycloak');
    await makeMapping(t, org.id, { source: { connection, group: '/eng/platform' }, team: platform.slug });
    const { user: signed } = await signInWithSso(
      t.database.db,
      signIn(org.id, connection, { groups: ['platform'] }),
      ctx,
    );
    assert.deepEqual((await memberOf(t, org.id, signed.id)).teams, {});
  });

  it('a mapping made after people signed in reaches them through their last sign-in', async () => {
    const t = await testApp();
    const org = await makeOrg(t);
    const platform = await makeTeam(t, org.id, 'Platform');
    const connection = await makeConnection(t, org.id, 'entra');
    const objectId = '5f6a7c2e-8b1d-4c3a-9e0f-1a2b3c4d5e6f';
    const { user: signed } = await signInWithSso(
      t.database.db,
      signIn(org.id, connection, { groups: [objectId] }),
      ctx,
    );
    const mapping = await makeMapping(t, org.id, {
      source: { connection, group: objectId },
      team: platform.slug,
    });
    assert.equal(mapping.reconciliation?.added, 1);
    assert.deepEqual((await memberOf(t, org.id, signed.id)).teams, { [platform.slug]: ['sso'] });
  });

  it('no JIT: a first sign-in is refused; an unverified domain never links an existing account', async () => {
    const t = await testApp();
    const org = await makeOrg(t);
    const connection = await makeConnection(t, org.id);
    await assert.rejects(
      signInWithSso(t.database.db, signIn(org.id, connection, { jit: false }), ctx),
      (error: unknown) => error instanceof SignInRefused && error.reason === 'jit_disabled',
    );
    const dir = await makeDirectory(t, org.id, 'okta');
    await scimClient(t, dir.id, dir.token).post('/Users', user('ada@example.com'));
    await assert.rejects(
      signInWithSso(t.database.db, signIn(org.id, connection, { linkByEmail: false }), ctx),
      (error: unknown) => error instanceof SignInRefused && error.reason === 'link_unverified',
    );
    const refusals = (await auditOf(t, org.id, 'sso.sign_in_refused')).map((e) => e.after?.reason).sort();
    assert.deepEqual(refusals, ['jit_disabled', 'link_unverified']);
  });
});

describe('groups the IdP cut short', () => {
  it("are completed from the org's SCIM directory when it pushed the person's groups", async () => {
    const t = await testApp();
    const org = await makeOrg(t);
    const dir = await makeDirectory(t, org.id, 'entra');
    const scim = scimClient(t, dir.id, dir.token);
    const pushed = await scim.post('/Users', user('ada@example.com'));
    const objectId = '0b6f9a7e-2c1d-4e5f-8a9b-0c1d2e3f4a5b';
    await pushGroup(scim, 'Platform engineers', [pushed.body.id], { externalId: objectId });
    const platform = await makeTeam(t, org.id, 'Platform');
    const connection = await makeConnection(t, org.id, 'entra');
    await makeMapping(t, org.id, { source: { connection, group: objectId }, team: platform.slug });
    const signed = await signInWithSso(
      t.database.db,
      signIn(org.id, connection, { groups: [], groupsTruncated: true }),
      ctx,
    );
    assert.equal(signed.groupsTruncated, false);
    assert.deepEqual((await memberOf(t, org.id, signed.user.id)).teams, { [platform.slug]: ['sso'] });
    assert.equal((await auditOf(t, org.id, 'sso.groups_truncated')).length, 0);
  });

  it('are kept partial otherwise, and the org is told', async () => {
    const t = await testApp();
    const org = await makeOrg(t);
    const connection = await makeConnection(t, org.id, 'entra');
    const signed = await signInWithSso(
      t.database.db,
      signIn(org.id, connection, { groups: ['g-1'], groupsTruncated: true }),
      ctx,
    );
    assert.equal(signed.groupsTruncated, true);
    const told = await auditOf(t, org.id, 'sso.groups_truncated');
    assert.equal(told[0]?.after?.userId, signed.user.id);
  });
});

describe('first sign-ins at once', () => {
  // PGlite runs one transaction at a time, so the four would come one after another and never meet.
  it('four first sign-ins of one person at once make one user, and each signs in', {
    skip: !process.env.MUSTER_TEST_DATABASE_URL && 'needs the PostgreSQL server (transactions at once)',
  }, async () => {
    const t = await testApp();
    const org = await makeOrg(t);
    const connection = await makeConnection(t, org.id);
    const signed = await Promise.all(
      Array.from({ length: 4 }, () => signInWithSso(t.database.db, signIn(org.id, connection), ctx)),
    );
    assert.equal(new Set(signed.map((s) => s.user.id)).size, 1);
    const members = await t.admin.get(`/api/v1/orgs/${org.id}/members`);
    assert.equal(members.body.data.length, 1);
  });
});
