import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type TestApp, testApp } from '../support/app.ts';
import { assertError, isoPattern, uuidPattern } from '../support/assertions.ts';
import { type AuditEventBody, auditOf } from '../support/audit.ts';
import { makeApiKey, makeOrg, makeTeam, unique } from '../support/factories.ts';

interface TeamBody {
  id: string;
  name: string;
  slug: string;
  description: string | null;
  createdAt: string;
  updatedAt: string;
}

function assertSnapshot(actual: unknown, team: TeamBody, orgId: string): void {
  assert.ok(actual !== null && typeof actual === 'object', `snapshot ${JSON.stringify(actual)}`);
  const snapshot = actual as Record<string, unknown>;
  for (const [key, value] of Object.entries(team)) assert.deepEqual(snapshot[key], value, key);
  if ('orgId' in snapshot) assert.equal(snapshot.orgId, orgId);
}

async function allTeams(t: TestApp, org: string, limit: number): Promise<{ ids: string[]; pages: number }> {
  const ids: string[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const path: string = `/api/v1/orgs/${org}/teams?limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`;
    const res = await t.admin.get(path);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.ok(res.body.data.length <= limit);
    ids.push(...(res.body.data as TeamBody[]).map((team) => team.id));
    cursor = res.body.nextCursor;
    pages += 1;
    assert.ok(pages < 100, 'pagination does not end');
  } while (cursor !== null);
  return { ids, pages };
}

describe('POST /api/v1/orgs/{org}/teams', () => {
  it('creates a team with a derived slug and no description', async () => {
    const t = await testApp();
    const org = await makeOrg(t);
    const res = await t.admin.post(`/api/v1/orgs/${org.id}/teams`, { name: 'Platform & Infra' });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.deepEqual(Object.keys(res.body).sort(), [
      'createdAt',
      'description',
      'id',
      'name',
      'slug',
      'updatedAt',
    ]);
    assert.match(res.body.id, uuidPattern);
    assert.equal(res.body.name, 'Platform & Infra');
    assert.equal(res.body.slug, 'platform-infra');
    assert.equal(res.body.description, null);
    assert.match(res.body.createdAt, isoPattern);
    assert.match(res.body.updatedAt, isoPattern);
  });

  it('takes an explicit slug and a description, through the org slug', async () => {
    const t = await testApp();
    const org = await makeOrg(t);
    const res = await t.admin.post(`/api/v1/orgs/${org.slug}/teams`, {
      name: 'Data',
      slug: 'data-eng',
      description: 'Pipelines and warehouses',
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.equal(res.body.slug, 'data-eng');
    assert.equal(res.body.description, 'Pipelines and warehouses');
  });

  it('answers 409 for a slug taken in the same org and allows it in another org', async () => {
    const t = await testApp();
    const orgA = await makeOrg(t, 'Org A');
    const orgB = await makeOrg(t, 'Org B');
    assert.equal(
      (await t.admin.post(`/api/v1/orgs/${orgA.id}/teams`, { name: 'Ops', slug: 'ops' })).status,
      201,
    );
    const again = await t.admin.post(`/api/v1/orgs/${orgA.id}/teams`, { name: 'Ops Again', slug: 'ops' });
    assertError(again, 409, 'conflict');
    assert.deepEqual(
      again.body.error.details.map((d: { path: string }) => d.path),
      ['slug'],
    );
    const derived = await t.admin.post(`/api/v1/orgs/${orgA.id}/teams`, { name: 'OPS' });
    assertError(derived, 409, 'conflict');
    const other = await t.admin.post(`/api/v1/orgs/${orgB.id}/teams`, { name: 'Ops', slug: 'ops' });
    assert.equal(other.status, 201, JSON.stringify(other.body));
    assert.equal(other.body.slug, 'ops');
  });

  it('answers 400 for a missing or empty name, a bad slug, a long description and an unknown field', async () => {
    const t = await testApp();
    const org = await makeOrg(t);
    const path = `/api/v1/orgs/${org.id}/teams`;
    const bad: object[] = [
      { slug: 'no-name' },
      { name: '' },
      { name: '  ' },
      { name: 'Team', slug: 'Has Spaces' },
      { name: 'Team', slug: 'UPPER' },
      { name: 'Team', slug: '0190a5b2-7c3d-7e4f-8a9b-0c1d2e3f4a5b' },
      { name: 'Team', description: 'x'.repeat(2001) },
      { name: 'Team', members: [] },
      { name: '???' },
    ];
    for (const body of bad) {
      const res = await t.admin.post(path, body);
      assertError(res, 400, 'validation_failed');
      assert.ok(Array.isArray(res.body.error.details), JSON.stringify(body));
    }
    assert.deepEqual((await allTeams(t, org.id, 50)).ids, []);
  });

  it('answers 400, not 500, for a NUL character in the name or description', async () => {
    const t = await testApp();
    const org = await makeOrg(t);
    const path = `/api/v1/orgs/${org.id}/teams`;
    assertError(
      await t.admin.post(path, { name: 'Nul\u0000Team', slug: 'nul-team' }),
      400,
      'validation_failed',
    );
    assertError(
      await t.admin.post(path, { name: 'Team', description: 'x\u0000y' }),
      400,
      'validation_failed',
    );
    assert.deepEqual((await allTeams(t, org.id, 50)).ids, []);
  });

  it('answers 404 for an unknown org', async () => {
    const t = await testApp();
    assertError(await t.admin.post(`/api/v1/orgs/${unique('nope')}/teams`, { name: 'X' }), 404, 'not_found');
  });
});

describe('GET /api/v1/orgs/{org}/teams/{team}', () => {
  it('finds a team by id and by slug', async () => {
    const t = await testApp();
    const org = await makeOrg(t);
    const created = await t.admin.post(`/api/v1/orgs/${org.id}/teams`, { name: 'Security', slug: 'sec' });
    assert.equal(created.status, 201);
    const byId = await t.admin.get(`/api/v1/orgs/${org.id}/teams/${created.body.id}`);
    assert.equal(byId.status, 200, JSON.stringify(byId.body));
    assert.deepEqual(byId.body, created.body);
    const bySlug = await t.admin.get(`/api/v1/orgs/${org.slug}/teams/sec`);
    assert.equal(bySlug.status, 200, JSON.stringify(bySlug.body));
    assert.deepEqual(bySlug.body, created.body);
  });

  it('answers 404 for an unknown team id or slug', async () => {
    const t = await testApp();
    const org = await makeOrg(t);
    await makeTeam(t, org.id);
    assertError(
      await t.admin.get(`/api/v1/orgs/${org.id}/teams/0190a5b2-7c3d-7e4f-8a9b-0c1d2e3f4a5b`),
      404,
      'not_found',
    );
    assertError(await t.admin.get(`/api/v1/orgs/${org.id}/teams/${unique('none')}`), 404, 'not_found');
  });

  it('answers 404, not 500, for a team reference with a NUL character', async () => {
    const t = await testApp();
    const org = await makeOrg(t);
    assertError(await t.admin.get(`/api/v1/orgs/${org.id}/teams/ops%00team`), 404, 'not_found');
  });

  it("keeps org A's team out of reach through org B's path", async () => {
    const t = await testApp();
    const orgA = await makeOrg(t, 'Owner');
    const orgB = await makeOrg(t, 'Stranger');
    const team = await makeTeam(t, orgA.id);
    const base = `/api/v1/orgs/${orgB.id}/teams`;
    assertError(await t.admin.get(`${base}/${team.id}`), 404, 'not_found');
    assertError(await t.admin.get(`${base}/${team.slug}`), 404, 'not_found');
    assertError(await t.admin.patch(`${base}/${team.id}`, { name: 'Hijacked' }), 404, 'not_found');
    assertError(await t.admin.delete(`${base}/${team.id}`), 404, 'not_found');
    const still = await t.admin.get(`/api/v1/orgs/${orgA.id}/teams/${team.id}`);
    assert.equal(still.status, 200);
    assert.equal(still.body.name, 'Platform');
    assert.equal((await allTeams(t, orgB.id, 50)).ids.length, 0);
  });
});

describe('GET /api/v1/orgs/{org}/teams', () => {
  it('pages through exactly the org teams in creation order', async () => {
    const t = await testApp();
    const org = await makeOrg(t);
    const other = await makeOrg(t);
    await makeTeam(t, other.id, 'Elsewhere');
    const made: string[] = [];
    for (const name of ['One', 'Two', 'Three', 'Four', 'Five'])
      made.push((await makeTeam(t, org.id, name)).id);
    const byTwo = await allTeams(t, org.id, 2);
    assert.deepEqual(byTwo.ids, made);
    assert.equal(byTwo.pages, 3);
    const byOne = await allTeams(t, org.id, 1);
    assert.deepEqual(byOne.ids, made);
    assert.equal(byOne.pages, 5);
    const first = await t.admin.get(`/api/v1/orgs/${org.id}/teams?limit=5`);
    assert.equal(first.body.data.length, 5);
    assert.equal(first.body.nextCursor, null);
  });

  it('answers 400 for a garbage cursor', async () => {
    const t = await testApp();
    const org = await makeOrg(t);
    assertError(await t.admin.get(`/api/v1/orgs/${org.id}/teams?cursor=%%%`), 400, 'validation_failed');
    assertError(await t.admin.get(`/api/v1/orgs/${org.id}/teams?cursor=abc`), 400, 'validation_failed');
  });
});

describe('PATCH /api/v1/orgs/{org}/teams/{team}', () => {
  it('changes the name, slug and description, by slug', async () => {
    const t = await testApp();
    const org = await makeOrg(t);
    const team = await makeTeam(t, org.id, 'Before');
    const res = await t.admin.patch(`/api/v1/orgs/${org.id}/teams/${team.slug}`, {
      name: 'After',
      slug: 'after',
      description: 'Now described',
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.id, team.id);
    assert.equal(res.body.name, 'After');
    assert.equal(res.body.slug, 'after');
    assert.equal(res.body.description, 'Now described');
    const fetched = await t.admin.get(`/api/v1/orgs/${org.id}/teams/after`);
    assert.deepEqual(fetched.body, res.body);
    assertError(await t.admin.get(`/api/v1/orgs/${org.id}/teams/${team.slug}`), 404, 'not_found');
  });

  it('sets the description to null, and leaves it alone when not given', async () => {
    const t = await testApp();
    const org = await makeOrg(t);
    const created = await t.admin.post(`/api/v1/orgs/${org.id}/teams`, {
      name: 'Described',
      description: 'Something',
    });
    assert.equal(created.status, 201);
    const renamed = await t.admin.patch(`/api/v1/orgs/${org.id}/teams/${created.body.id}`, {
      name: 'Renamed',
    });
    assert.equal(renamed.status, 200, JSON.stringify(renamed.body));
    assert.equal(renamed.body.description, 'Something');
    assert.equal(renamed.body.slug, created.body.slug);
    const cleared = await t.admin.patch(`/api/v1/orgs/${org.id}/teams/${created.body.id}`, {
      description: null,
    });
    assert.equal(cleared.status, 200, JSON.stringify(cleared.body));
    assert.equal(cleared.body.description, null);
    assert.equal(cleared.body.name, 'Renamed');
    const fetched = await t.admin.get(`/api/v1/orgs/${org.id}/teams/${created.body.id}`);
    assert.equal(fetched.body.description, null);
  });

  it('answers 409 when the new slug is taken in the org', async () => {
    const t = await testApp();
    const org = await makeOrg(t);
    const a = await makeTeam(t, org.id, 'A');
    const b = await makeTeam(t, org.id, 'B');
    const res = await t.admin.patch(`/api/v1/orgs/${org.id}/teams/${a.id}`, { slug: b.slug });
    assertError(res, 409, 'conflict');
    assert.equal((await t.admin.get(`/api/v1/orgs/${org.id}/teams/${a.id}`)).body.slug, a.slug);
  });

  it('answers 400 for bad input and 404 for an unknown team', async () => {
    const t = await testApp();
    const org = await makeOrg(t);
    const team = await makeTeam(t, org.id);
    const path = `/api/v1/orgs/${org.id}/teams/${team.id}`;
    assertError(await t.admin.patch(path, { name: '' }), 400, 'validation_failed');
    assertError(await t.admin.patch(path, { slug: 'Not Valid' }), 400, 'validation_failed');
    assertError(await t.admin.patch(path, { orgId: unique() }), 400, 'validation_failed');
    assertError(
      await t.admin.patch(`/api/v1/orgs/${org.id}/teams/${unique('ghost')}`, { name: 'X' }),
      404,
      'not_found',
    );
  });
});

describe('DELETE /api/v1/orgs/{org}/teams/{team}', () => {
  it('answers 204, then the team is gone', async () => {
    const t = await testApp();
    const org = await makeOrg(t);
    const team = await makeTeam(t, org.id);
    const keep = await makeTeam(t, org.id, 'Keep');
    const res = await t.admin.delete(`/api/v1/orgs/${org.id}/teams/${team.slug}`);
    assert.equal(res.status, 204);
    assert.equal(res.text, '');
    assertError(await t.admin.get(`/api/v1/orgs/${org.id}/teams/${team.id}`), 404, 'not_found');
    assertError(await t.admin.delete(`/api/v1/orgs/${org.id}/teams/${team.id}`), 404, 'not_found');
    assert.deepEqual((await allTeams(t, org.id, 50)).ids, [keep.id]);
  });

  it('frees the slug for a new team', async () => {
    const t = await testApp();
    const org = await makeOrg(t);
    const team = await makeTeam(t, org.id);
    assert.equal((await t.admin.delete(`/api/v1/orgs/${org.id}/teams/${team.id}`)).status, 204);
    const again = await t.admin.post(`/api/v1/orgs/${org.id}/teams`, { name: 'Again', slug: team.slug });
    assert.equal(again.status, 201, JSON.stringify(again.body));
    assert.notEqual(again.body.id, team.id);
  });
});

describe('team audit events', () => {
  it('records team.created, team.updated and team.deleted with before, after and the request id', async () => {
    const t = await testApp();
    const org = await makeOrg(t);
    const created = await t.admin.post(`/api/v1/orgs/${org.id}/teams`, {
      name: 'Audit Me',
      slug: 'audit-me',
    });
    assert.equal(created.status, 201);
    const teamId = created.body.id as string;
    const updated = await t.admin.patch(`/api/v1/orgs/${org.id}/teams/${teamId}`, { description: 'Changed' });
    assert.equal(updated.status, 200);
    const deleted = await t.admin.delete(`/api/v1/orgs/${org.id}/teams/${teamId}`);
    assert.equal(deleted.status, 204);

    const target = { type: 'team', id: teamId };
    const actor = { type: 'admin_token', id: null };

    const [createdEvent, ...moreCreated] = await auditOf(t, org.id, 'team.created', teamId);
    assert.equal(moreCreated.length, 0);
    assert.ok(createdEvent);
    assert.deepEqual(createdEvent.actor, actor);
    assert.deepEqual(createdEvent.target, target);
    assert.equal(createdEvent.before, null);
    assertSnapshot(createdEvent.after, created.body, org.id);
    assert.equal(createdEvent.requestId, created.headers['x-request-id']);

    const [updatedEvent, ...moreUpdated] = await auditOf(t, org.id, 'team.updated', teamId);
    assert.equal(moreUpdated.length, 0);
    assert.ok(updatedEvent);
    assert.deepEqual(updatedEvent.actor, actor);
    assert.deepEqual(updatedEvent.target, target);
    assertSnapshot(updatedEvent.before, created.body, org.id);
    assertSnapshot(updatedEvent.after, updated.body, org.id);
    assert.equal(updatedEvent.requestId, updated.headers['x-request-id']);

    const [deletedEvent, ...moreDeleted] = await auditOf(t, org.id, 'team.deleted', teamId);
    assert.equal(moreDeleted.length, 0);
    assert.ok(deletedEvent);
    assert.deepEqual(deletedEvent.actor, actor);
    assert.deepEqual(deletedEvent.target, target);
    assertSnapshot(deletedEvent.before, updated.body, org.id);
    assert.equal(deletedEvent.after, null);
    assert.equal(deletedEvent.requestId, deleted.headers['x-request-id']);

    const all = await t.admin.get(`/api/v1/orgs/${org.id}/audit-events?targetId=${teamId}`);
    assert.deepEqual(
      all.body.data.map((event: AuditEventBody) => event.action),
      ['team.deleted', 'team.updated', 'team.created'],
    );
  });

  it('uses the caller X-Request-Id and names an org key as the actor', async () => {
    const t = await testApp();
    const org = await makeOrg(t);
    const key = await makeApiKey(t, org.id);
    const requestId = `req-${unique()}`;
    const res = await t
      .as(key.key)
      .post(`/api/v1/orgs/${org.id}/teams`, { name: 'Keyed' })
      .set('X-Request-Id', requestId);
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.equal(res.headers['x-request-id'], requestId);
    const [event] = await auditOf(t, org.id, 'team.created', res.body.id);
    assert.ok(event);
    assert.equal(event.requestId, requestId);
    assert.deepEqual(event.actor, { type: 'api_key', id: key.id });
  });

  it('records nothing for a refused change', async () => {
    const t = await testApp();
    const org = await makeOrg(t);
    const a = await makeTeam(t, org.id, 'A');
    const b = await makeTeam(t, org.id, 'B');
    assertError(
      await t.admin.patch(`/api/v1/orgs/${org.id}/teams/${a.id}`, { slug: b.slug }),
      409,
      'conflict',
    );
    assertError(
      await t.admin.post(`/api/v1/orgs/${org.id}/teams`, { name: 'C', slug: a.slug }),
      409,
      'conflict',
    );
    assert.deepEqual(await auditOf(t, org.id, 'team.updated', a.id), []);
    const created = await t.admin.get(`/api/v1/orgs/${org.id}/audit-events?action=team.created`);
    assert.equal(created.body.data.length, 2);
  });
});
