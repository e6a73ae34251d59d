import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { testApp } from '../../support/app.ts';
import { makeOrg } from '../../support/factories.ts';
import {
  assertScimError,
  enterpriseSchema,
  makeDirectory,
  patchSchema,
  scimClient,
  user,
} from '../../support/scim.ts';

async function setup(provider = 'generic') {
  const t = await testApp();
  const org = await makeOrg(t);
  const dir = await makeDirectory(t, org.id, provider);
  return { t, org, dir, scim: scimClient(t, dir.id, dir.token) };
}

describe('SCIM /Users', () => {
  it('creates a user: 201, Location, meta, and an org user linked to it', async () => {
    const { t, org, dir, scim } = await setup();
    const res = await scim.post('/Users', user('ada@example.com', { externalId: 'ext-1' }));
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.match(res.headers['content-type'] ?? '', /application\/scim\+json/);
    assert.equal(res.headers.location, `https://muster.test/scim/v2/${dir.id}/Users/${res.body.id}`);
    assert.equal(res.body.meta.location, res.headers.location);
    assert.equal(res.body.meta.resourceType, 'User');
    assert.equal(res.body.meta.version, res.headers.etag);
    assert.equal(res.body.userName, 'ada@example.com');
    assert.equal(res.body.externalId, 'ext-1');
    const orgUser = await t.database.db
      .selectFrom('users')
      .selectAll()
      .where('org_id', '=', org.id)
      .executeTakeFirstOrThrow();
    assert.equal(orgUser.email, 'ada@example.com');
    assert.equal(orgUser.given_name, 'Ada');
    assert.equal(orgUser.status, 'active');
    const grants = await t.database.db
      .selectFrom('role_grants')
      .selectAll()
      .where('user_id', '=', orgUser.id)
      .execute();
    assert.deepEqual(
      grants.map((g) => [g.role, g.source, g.source_id]),
      [['member', 'scim', dir.id]],
    );
  });

  it('accepts application/json as well', async () => {
    const { t, dir } = await setup();
    const res = await t.http
      .post(`/scim/v2/${dir.id}/Users`)
      .set('Authorization', `Bearer ${dir.token}`)
      .set('Content-Type', 'application/json')
      .send(JSON.stringify(user('json@example.com')));
    assert.equal(res.status, 201, JSON.stringify(res.body));
  });

  it('refuses a duplicate userName in any case, and a duplicate externalId, with 409 uniqueness', async () => {
    const { scim } = await setup();
    assert.equal((await scim.post('/Users', user('Bob@Example.com', { externalId: 'b1' }))).status, 201);
    assertScimError(await scim.post('/Users', user('bob@example.COM')), 409, 'uniqueness');
    assertScimError(
      await scim.post('/Users', user('other@example.com', { externalId: 'b1' })),
      409,
      'uniqueness',
    );
  });

  it('answers malformed JSON with 400 invalidSyntax and a missing userName with 400', async () => {
    const { t, dir, scim } = await setup();
    const res = await t.http
      .post(`/scim/v2/${dir.id}/Users`)
      .set('Authorization', `Bearer ${dir.token}`)
      .set('Content-Type', 'application/scim+json')
      .send('{"userName": ');
    assertScimError(res, 400, 'invalidSyntax');
    const missing = await scim.post('/Users', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'] });
    assertScimError(missing, 400);
  });

  it('finds users by userName case-insensitively and by externalId exactly', async () => {
    const { scim } = await setup();
    const created = (await scim.post('/Users', user('Carol@Example.com', { externalId: 'Ext-C' }))).body;
    const byName = await scim.get('/Users?filter=userName eq "carol@example.com"');
    assert.equal(byName.status, 200, JSON.stringify(byName.body));
    assert.equal(byName.body.totalResults, 1);
    assert.equal(byName.body.Resources[0].id, created.id);
    assert.equal((await scim.get('/Users?filter=externalId eq "ext-c"')).body.totalResults, 0);
    assert.equal((await scim.get('/Users?filter=externalId eq "Ext-C"')).body.totalResults, 1);
  });

  it('answers a lookup of a random id (the IdPs test connection) with an empty list', async () => {
    const { scim } = await setup();
    const res = await scim.get(`/Users?filter=userName eq "${crypto.randomUUID()}"&startIndex=1&count=2`);
    assert.equal(res.status, 200);
    assert.deepEqual(
      {
        total: res.body.totalResults,
        items: res.body.itemsPerPage,
        start: res.body.startIndex,
        n: res.body.Resources.length,
      },
      { total: 0, items: 0, start: 1, n: 0 },
    );
    assertScimError(await scim.get(`/Users/${crypto.randomUUID()}`), 404);
    assertScimError(await scim.get('/Users/not-a-uuid'), 404);
  });

  it('pages with startIndex and count: totalResults, itemsPerPage as returned, empty past the end', async () => {
    const { scim } = await setup();
    for (let i = 0; i < 5; i += 1)
      assert.equal((await scim.post('/Users', user(`p${i}@example.com`))).status, 201);
    const page = await scim.get('/Users?startIndex=2&count=2');
    assert.deepEqual([page.body.totalResults, page.body.itemsPerPage, page.body.startIndex], [5, 2, 2]);
    assert.deepEqual(
      page.body.Resources.map((u: { userName: string }) => u.userName),
      ['p1@example.com', 'p2@example.com'],
    );
    const last = await scim.get('/Users?startIndex=5&count=10');
    assert.deepEqual([last.body.totalResults, last.body.itemsPerPage], [5, 1]);
    const past = await scim.get('/Users?startIndex=9&count=10');
    assert.deepEqual([past.body.totalResults, past.body.itemsPerPage, past.body.Resources.length], [5, 0, 0]);
  });

  it('pages from either end of the directory alike: every window is the same slice of the whole list', async () => {
    const { scim } = await setup();
    const names: string[] = [];
    for (let i = 0; i < 9; i += 1) {
      names.push(`w${i}@example.com`);
      assert.equal((await scim.post('/Users', user(`w${i}@example.com`))).status, 201);
    }
    // A deletion in the middle moves every later user one place up.
    const gone = await scim.get(`/Users?filter=${encodeURIComponent('userName eq "w4@example.com"')}`);
    assert.equal((await scim.delete(`/Users/${gone.body.Resources[0].id}`)).status, 204);
    names.splice(4, 1);
    for (const [startIndex, count] of [
      [1, 3],
      [3, 3],
      [4, 2],
      [5, 3],
      [6, 10],
      [7, 2],
      [8, 1],
      [8, 5],
      [9, 1],
    ] as const) {
      const page = await scim.get(`/Users?startIndex=${startIndex}&count=${count}`);
      const want = names.slice(startIndex - 1, startIndex - 1 + count);
      assert.deepEqual(
        [
          page.body.totalResults,
          page.body.itemsPerPage,
          page.body.Resources.map((u: { userName: string }) => u.userName),
        ],
        [8, want.length, want],
        `startIndex=${startIndex}&count=${count}`,
      );
    }
  });

  it('refuses an incomplete or unknown filter with 400 invalidFilter, never a full list', async () => {
    const { scim } = await setup();
    await scim.post('/Users', user('dan@example.com'));
    for (const filter of [
      'userName eq',
      'userName',
      'nonsense eq "x"',
      'userName xx "a"',
      '(userName eq "a"',
    ]) {
      assertScimError(await scim.get(`/Users?filter=${encodeURIComponent(filter)}`), 400, 'invalidFilter');
    }
  });

  it('shapes answers with attributes and excludedAttributes', async () => {
    const { scim } = await setup();
    await scim.post('/Users', user('eve@example.com', { [enterpriseSchema]: { department: 'R&D' } }));
    const only = await scim.get('/Users?attributes=userName');
    const one = only.body.Resources[0];
    assert.deepEqual(Object.keys(one).sort(), ['id', 'schemas', 'userName']);
    const without = await scim.get('/Users?excludedAttributes=emails,name');
    assert.equal(without.body.Resources[0].emails, undefined);
    assert.equal(without.body.Resources[0].userName, 'eve@example.com');
    assert.equal(without.body.Resources[0][enterpriseSchema].department, 'R&D');
  });

  it('replaces with PUT (Okta) and suspends on active false, reactivates on true', async () => {
    const { t, org, scim } = await setup('okta');
    const created = (await scim.post('/Users', user('fay@example.com'))).body;
    const put = await scim.put(
      `/Users/${created.id}`,
      user('fay@example.com', { active: false, name: { givenName: 'Faye' } }),
    );
    assert.equal(put.status, 200, JSON.stringify(put.body));
    assert.equal(put.body.active, false);
    const orgUser = () =>
      t.database.db.selectFrom('users').selectAll().where('org_id', '=', org.id).executeTakeFirstOrThrow();
    assert.equal((await orgUser()).status, 'suspended');
    assert.equal((await orgUser()).given_name, 'Faye');
    await scim.put(`/Users/${created.id}`, user('fay@example.com', { active: true }));
    assert.equal((await orgUser()).status, 'active');
  });

  it('patches as Entra does: string booleans, path-less dotted and URN keys', async () => {
    const { t, org, scim } = await setup('entra');
    const created = (await scim.post('/Users', user('gus@example.com'))).body;
    const res = await scim.patch(`/Users/${created.id}`, {
      schemas: [patchSchema],
      Operations: [
        { op: 'Replace', path: 'active', value: 'False' },
        { op: 'replace', value: { 'name.givenName': 'Gustav', [`${enterpriseSchema}:department`]: 'Ops' } },
      ],
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.active, false);
    assert.equal(res.body.name.givenName, 'Gustav');
    assert.equal(res.body.name.familyName, 'Lovelace');
    assert.equal(res.body[enterpriseSchema].department, 'Ops');
    const orgUser = await t.database.db
      .selectFrom('users')
      .selectAll()
      .where('org_id', '=', org.id)
      .executeTakeFirstOrThrow();
    assert.equal(orgUser.status, 'suspended');
  });

  it('honours If-Match with 412 and If-None-Match with 304', async () => {
    const { scim } = await setup();
    const created = await scim.post('/Users', user('hal@example.com'));
    const etag = created.headers.etag ?? '';
    assert.equal((await scim.get(`/Users/${created.body.id}`).set('If-None-Match', etag)).status, 304);
    const stale = await scim
      .put(`/Users/${created.body.id}`, user('hal@example.com'))
      .set('If-Match', 'W/"999"');
    assertScimError(stale, 412);
    const fresh = await scim.put(`/Users/${created.body.id}`, user('hal@example.com')).set('If-Match', etag);
    assert.equal(fresh.status, 200);
    assert.notEqual(fresh.headers.etag, etag);
  });

  it('deletes: 204, then 404; the org user is suspended by default and its grant removed', async () => {
    const { t, org, scim } = await setup();
    const created = (await scim.post('/Users', user('ida@example.com'))).body;
    assert.equal((await scim.delete(`/Users/${created.id}`)).status, 204);
    assertScimError(await scim.get(`/Users/${created.id}`), 404);
    assertScimError(await scim.delete(`/Users/${created.id}`), 404);
    const orgUser = await t.database.db
      .selectFrom('users')
      .selectAll()
      .where('org_id', '=', org.id)
      .executeTakeFirstOrThrow();
    assert.equal(orgUser.status, 'suspended');
    const grants = await t.database.db
      .selectFrom('role_grants')
      .selectAll()
      .where('user_id', '=', orgUser.id)
      .execute();
    assert.deepEqual(grants, []);
    const dirs = await t.admin.get(`/api/v1/orgs/${org.id}/directories`);
    assert.equal(dirs.body.data[0].userCount, 0);
  });

  it('links a user who already exists in the org by email instead of duplicating them', async () => {
    const { t, org, scim } = await setup();
    await t.database.db
      .insertInto('users')
      .values({ id: crypto.randomUUID(), org_id: org.id, email: 'Jo@Example.com' })
      .execute();
    assert.equal((await scim.post('/Users', user('jo@example.com'))).status, 201);
    const users = await t.database.db
      .selectFrom('users')
      .select('email')
      .where('org_id', '=', org.id)
      .execute();
    assert.equal(users.length, 1);
  });
});

describe('SCIM /Users sorting and cursors', () => {
  it('sorts by userName case-insensitively, either way, and by a sub-attribute', async () => {
    const { scim } = await setup();
    for (const [name, given] of [
      ['b@example.com', 'Zed'],
      ['A@example.com', 'Yan'],
      ['c@example.com', 'Xi'],
    ] as const) {
      await scim.post('/Users', user(name, { name: { givenName: given, familyName: 'F' } }));
    }
    const names = async (q: string) =>
      (await scim.get(`/Users?${q}`)).body.Resources.map((u: { userName: string }) => u.userName);
    assert.deepEqual(await names('sortBy=userName'), ['A@example.com', 'b@example.com', 'c@example.com']);
    assert.deepEqual(await names('sortBy=USERNAME&sortOrder=descending'), [
      'c@example.com',
      'b@example.com',
      'A@example.com',
    ]);
    assert.deepEqual(await names('sortBy=name.givenName'), [
      'c@example.com',
      'A@example.com',
      'b@example.com',
    ]);
    assertScimError(await scim.get('/Users?sortBy=nonsense'), 400, 'invalidPath');
    assertScimError(await scim.get('/Users?sortBy=userName&sortOrder=sideways'), 400, 'invalidValue');
  });

  it('pages by cursor (RFC 9865) until no nextCursor is left', async () => {
    const { scim } = await setup();
    const made: string[] = [];
    for (let i = 0; i < 5; i += 1)
      made.push((await scim.post('/Users', user(`cur${i}@example.com`))).body.id);
    const seen: string[] = [];
    let cursor = '';
    for (let pages = 0; pages < 10; pages += 1) {
      const res = await scim.get(`/Users?cursor=${cursor}&count=2`);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(res.body.totalResults, 5);
      assert.equal(res.body.startIndex, undefined);
      seen.push(...res.body.Resources.map((u: { id: string }) => u.id));
      if (!res.body.nextCursor) break;
      cursor = res.body.nextCursor;
    }
    assert.deepEqual(seen, made);
    assertScimError(await scim.get('/Users?cursor=bm90LWEtY3Vyc29y&count=2'), 400, 'invalidCursor');
    const config = await scim.get('/ServiceProviderConfig');
    assert.equal(config.body.pagination.cursor, true);
    assert.equal(config.body.sort.supported, true);
  });
});
