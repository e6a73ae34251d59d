import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type supertest from 'supertest';
import { type TestApp, testApp } from '../support/app.ts';
import { assertError, isoPattern, uuidPattern } from '../support/assertions.ts';
import { makeApiKey, makeOrg, unique } from '../support/factories.ts';

function detailPaths(res: supertest.Response): string[] {
  const details = res.body.error.details as { path?: string; message: string }[] | undefined;
  assert.ok(Array.isArray(details) && details.length > 0, `expected details in ${JSON.stringify(res.body)}`);
  for (const detail of details) assert.equal(typeof detail.message, 'string');
  return details.map((detail) => detail.path ?? '');
}

interface AuditEventBody {
  id: string;
  actor: { type: string; id: string | null };
  action: string;
  target: { type: string; id: string | null };
  before: unknown;
  after: unknown;
  requestId: string | null;
  createdAt: string;
}

async function auditEvents(t: TestApp, org: string, action: string): Promise<AuditEventBody[]> {
  const res = await t.admin.get(`/api/v1/orgs/${org}/audit-events?action=${action}`);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.data as AuditEventBody[];
}

describe('POST /api/v1/orgs', () => {
  it('creates an org and derives the slug from the name', async () => {
    const t = await testApp();
    const suffix = unique();
    const res = await t.admin.post('/api/v1/orgs', { name: `Acme ${suffix}` });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.deepEqual(Object.keys(res.body).sort(), [
      'appUrls',
      'createdAt',
      'id',
      'name',
      'slug',
      'updatedAt',
    ]);
    assert.deepEqual(res.body.appUrls, []);
    assert.match(res.body.id, uuidPattern);
    assert.equal(res.body.name, `Acme ${suffix}`);
    assert.equal(res.body.slug, `acme-${suffix}`);
    assert.match(res.body.createdAt, isoPattern);
    assert.match(res.body.updatedAt, isoPattern);
  });

  it('trims the name and makes a slug of letters, digits and hyphens', async () => {
    const t = await testApp();
    const suffix = unique();
    const res = await t.admin.post('/api/v1/orgs', { name: `  Crème & Brûlée ${suffix}  ` });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.equal(res.body.name, `Crème & Brûlée ${suffix}`);
    assert.equal(res.body.slug, `creme-brulee-${suffix}`);
  });

  it('takes an explicit slug', async () => {
    const t = await testApp();
    const slug = unique('explicit');
    const res = await t.admin.post('/api/v1/orgs', { name: 'Globex', slug });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.equal(res.body.slug, slug);
    assert.equal(res.body.name, 'Globex');
  });

  it('answers 409 conflict when the slug is taken', async () => {
    const t = await testApp();
    const slug = unique('taken');
    assert.equal((await t.admin.post('/api/v1/orgs', { name: 'First', slug })).status, 201);
    const res = await t.admin.post('/api/v1/orgs', { name: 'Second', slug });
    assertError(res, 409, 'conflict');
    assert.deepEqual(detailPaths(res), ['slug']);
  });

  it('answers 409 when a derived slug is taken', async () => {
    const t = await testApp();
    const name = `Initech ${unique()}`;
    assert.equal((await t.admin.post('/api/v1/orgs', { name })).status, 201);
    assertError(await t.admin.post('/api/v1/orgs', { name }), 409, 'conflict');
  });

  it('answers 400 validation_failed for a missing name', async () => {
    const t = await testApp();
    const res = await t.admin.post('/api/v1/orgs', { slug: unique('noname') });
    assertError(res, 400, 'validation_failed');
    assert.deepEqual(detailPaths(res), ['name']);
  });

  it('answers 400 for an empty or blank name', async () => {
    const t = await testApp();
    for (const name of ['', '   ']) {
      const res = await t.admin.post('/api/v1/orgs', { name, slug: unique('empty') });
      assertError(res, 400, 'validation_failed');
      assert.deepEqual(detailPaths(res), ['name'], `name ${JSON.stringify(name)}`);
    }
  });

  it('answers 400 for a name longer than 200 characters', async () => {
    const t = await testApp();
    const res = await t.admin.post('/api/v1/orgs', { name: 'x'.repeat(201), slug: unique('long') });
    assertError(res, 400, 'validation_failed');
    assert.deepEqual(detailPaths(res), ['name']);
  });

  it('answers 400 for a bad slug: uppercase, spaces, UUID-shaped, edge hyphens, too long', async () => {
    const t = await testApp();
    const badSlugs = [
      `Acme-${unique()}`,
      `acme ${unique()}`,
      '0190a5b2-7c3d-7e4f-8a9b-0c1d2e3f4a5b',
      `-${unique()}`,
      `${unique()}-`,
      'a'.repeat(64),
      '',
    ];
    for (const slug of badSlugs) {
      const res = await t.admin.post('/api/v1/orgs', { name: 'Bad Slug', slug });
      assertError(res, 400, 'validation_failed');
      assert.deepEqual(detailPaths(res), ['slug'], `slug ${JSON.stringify(slug)}`);
    }
  });

  it('answers 400 when no slug can be made from the name', async () => {
    const t = await testApp();
    const res = await t.admin.post('/api/v1/orgs', { name: '!!! ???' });
    assertError(res, 400, 'validation_failed');
    assert.deepEqual(detailPaths(res), ['slug']);
  });

  it('answers 400 for an unknown field and names it', async () => {
    const t = await testApp();
    const res = await t.admin.post('/api/v1/orgs', { name: 'Unknown', slug: unique('unk'), plan: 'gold' });
    assertError(res, 400, 'validation_failed');
    assert.deepEqual(detailPaths(res), ['plan']);
  });

  it('answers 400, not 500, for a name with a NUL character', async () => {
    const t = await testApp();
    const slug = unique('nul');
    const res = await t.admin.post('/api/v1/orgs', { name: 'Null\u0000Corp', slug });
    assertError(res, 400, 'validation_failed');
    assertError(await t.admin.get(`/api/v1/orgs/${slug}`), 404, 'not_found');
    const org = await makeOrg(t);
    assertError(
      await t.admin.patch(`/api/v1/orgs/${org.id}`, { name: 'a\u0000b' }),
      400,
      'validation_failed',
    );
  });

  it('creates nothing when the request is refused', async () => {
    const t = await testApp();
    const slug = unique('refused');
    assertError(await t.admin.post('/api/v1/orgs', { name: '', slug }), 400, 'validation_failed');
    assertError(await t.admin.get(`/api/v1/orgs/${slug}`), 404, 'not_found');
  });
});

describe('GET /api/v1/orgs/{org}', () => {
  it('finds an org by id and by slug', async () => {
    const t = await testApp();
    const created = await t.admin.post('/api/v1/orgs', { name: 'Lookup', slug: unique('lookup') });
    assert.equal(created.status, 201);
    const byId = await t.admin.get(`/api/v1/orgs/${created.body.id}`);
    assert.equal(byId.status, 200, JSON.stringify(byId.body));
    assert.deepEqual(byId.body, created.body);
    const bySlug = await t.admin.get(`/api/v1/orgs/${created.body.slug}`);
    assert.equal(bySlug.status, 200, JSON.stringify(bySlug.body));
    assert.deepEqual(bySlug.body, created.body);
  });

  it('answers 404 not_found for an unknown id and an unknown slug', async () => {
    const t = await testApp();
    await makeOrg(t);
    assertError(await t.admin.get('/api/v1/orgs/0190a5b2-7c3d-7e4f-8a9b-0c1d2e3f4a5b'), 404, 'not_found');
    assertError(await t.admin.get(`/api/v1/orgs/${unique('missing')}`), 404, 'not_found');
  });
  it('answers 404, not 500, for an org reference with a NUL character', async () => {
    const t = await testApp();
    assertError(await t.admin.get('/api/v1/orgs/acme%00corp'), 404, 'not_found');
  });
});

describe('GET /api/v1/orgs', () => {
  it('pages with limit and nextCursor, without duplicates, through every org', async () => {
    const t = await testApp();
    const mine = [await makeOrg(t, 'Page A'), await makeOrg(t, 'Page B'), await makeOrg(t, 'Page C')];
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const path: string = `/api/v1/orgs?limit=1${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const res = await t.admin.get(path);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.deepEqual(Object.keys(res.body).sort(), ['data', 'nextCursor']);
      assert.ok(res.body.data.length <= 1, `page of ${res.body.data.length}`);
      for (const org of res.body.data) seen.push(org.id);
      cursor = res.body.nextCursor;
      if (cursor !== null) {
        assert.equal(typeof cursor, 'string');
        assert.equal(res.body.data.length, 1);
      }
      pages += 1;
      assert.ok(pages < 5000, 'pagination does not end');
    } while (cursor !== null);
    assert.equal(new Set(seen).size, seen.length, 'an org appeared on two pages');
    for (const org of mine) assert.ok(seen.includes(org.id), `org ${org.slug} missing from the pages`);
    assert.ok(pages >= 3);
  });

  it('lists orgs in creation order with their fields', async () => {
    const t = await testApp();
    const first = await makeOrg(t, 'Order 1');
    const second = await makeOrg(t, 'Order 2');
    const listed: { id: string }[] = [];
    let cursor: string | null = null;
    do {
      const path: string = `/api/v1/orgs?limit=200${cursor ? `&cursor=${cursor}` : ''}`;
      const res = await t.admin.get(path);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      listed.push(...res.body.data);
      cursor = res.body.nextCursor;
    } while (cursor !== null);
    const ids = listed.map((org) => org.id);
    assert.ok(ids.indexOf(first.id) >= 0 && ids.indexOf(first.id) < ids.indexOf(second.id));
    const fetched = await t.admin.get(`/api/v1/orgs/${first.id}`);
    assert.deepEqual(
      listed.find((org) => org.id === first.id),
      fetched.body,
    );
  });

  it('answers 400 for a garbage cursor and an out-of-range limit', async () => {
    const t = await testApp();
    await makeOrg(t);
    const garbage = await t.admin.get('/api/v1/orgs?cursor=not-a-cursor!!');
    assertError(garbage, 400, 'validation_failed');
    assert.deepEqual(detailPaths(garbage), ['cursor']);
    const notOurs = Buffer.from('hello world', 'utf8').toString('base64url');
    assertError(await t.admin.get(`/api/v1/orgs?cursor=${notOurs}`), 400, 'validation_failed');
    assertError(await t.admin.get('/api/v1/orgs?limit=0'), 400, 'validation_failed');
    assertError(await t.admin.get('/api/v1/orgs?limit=201'), 400, 'validation_failed');
    assertError(await t.admin.get('/api/v1/orgs?limit=abc'), 400, 'validation_failed');
  });
});

describe('PATCH /api/v1/orgs/{org}', () => {
  it('renames an org and keeps its slug', async () => {
    const t = await testApp();
    const org = await makeOrg(t, 'Before Rename');
    const res = await t.admin.patch(`/api/v1/orgs/${org.id}`, { name: 'After Rename' });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.id, org.id);
    assert.equal(res.body.name, 'After Rename');
    assert.equal(res.body.slug, org.slug);
    const fetched = await t.admin.get(`/api/v1/orgs/${org.id}`);
    assert.equal(fetched.body.name, 'After Rename');
  });

  it('changes the slug: the new one finds the org, the old one no longer does', async () => {
    const t = await testApp();
    const org = await makeOrg(t);
    const slug = unique('moved');
    const res = await t.admin.patch(`/api/v1/orgs/${org.slug}`, { slug });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.slug, slug);
    assert.equal(res.body.name, org.name);
    assert.equal((await t.admin.get(`/api/v1/orgs/${slug}`)).body.id, org.id);
    assertError(await t.admin.get(`/api/v1/orgs/${org.slug}`), 404, 'not_found');
  });

  it('answers 409 when the new slug is taken and changes nothing', async () => {
    const t = await testApp();
    const org = await makeOrg(t, 'Mover');
    const other = await makeOrg(t, 'Holder');
    const res = await t.admin.patch(`/api/v1/orgs/${org.id}`, { name: 'Renamed Too', slug: other.slug });
    assertError(res, 409, 'conflict');
    const fetched = await t.admin.get(`/api/v1/orgs/${org.id}`);
    assert.equal(fetched.body.slug, org.slug);
    assert.equal(fetched.body.name, 'Mover');
  });

  it('answers 400 for a bad slug, an empty name and an unknown field', async () => {
    const t = await testApp();
    const org = await makeOrg(t);
    assertError(
      await t.admin.patch(`/api/v1/orgs/${org.id}`, { slug: 'Bad Slug' }),
      400,
      'validation_failed',
    );
    assertError(await t.admin.patch(`/api/v1/orgs/${org.id}`, { name: ' ' }), 400, 'validation_failed');
    assertError(await t.admin.patch(`/api/v1/orgs/${org.id}`, { id: unique() }), 400, 'validation_failed');
  });

  it('answers 404 for an unknown org', async () => {
    const t = await testApp();
    assertError(await t.admin.patch(`/api/v1/orgs/${unique('nope')}`, { name: 'X' }), 404, 'not_found');
  });
});

describe('org audit events', () => {
  it('records org.created with the actor, target, after and request id', async () => {
    const t = await testApp();
    const created = await t.admin.post('/api/v1/orgs', { name: 'Audited', slug: unique('audited') });
    assert.equal(created.status, 201);
    const events = await auditEvents(t, created.body.id, 'org.created');
    assert.equal(events.length, 1);
    const event = events[0];
    assert.ok(event);
    assert.deepEqual(event.actor, { type: 'admin_token', id: null });
    assert.equal(event.action, 'org.created');
    assert.deepEqual(event.target, { type: 'org', id: created.body.id });
    assert.equal(event.before, null);
    assert.deepEqual(event.after, created.body);
    assert.equal(event.requestId, created.headers['x-request-id']);
    assert.match(event.id, uuidPattern);
    assert.match(event.createdAt, isoPattern);
  });

  it('records org.updated with before and after', async () => {
    const t = await testApp();
    const created = await t.admin.post('/api/v1/orgs', { name: 'Old Name', slug: unique('old') });
    assert.equal(created.status, 201);
    const newSlug = unique('new');
    const updated = await t.admin.patch(`/api/v1/orgs/${created.body.id}`, {
      name: 'New Name',
      slug: newSlug,
    });
    assert.equal(updated.status, 200, JSON.stringify(updated.body));
    const events = await auditEvents(t, created.body.id, 'org.updated');
    assert.equal(events.length, 1);
    const event = events[0];
    assert.ok(event);
    assert.deepEqual(event.actor, { type: 'admin_token', id: null });
    assert.deepEqual(event.target, { type: 'org', id: created.body.id });
    assert.deepEqual(event.before, created.body);
    assert.deepEqual(event.after, updated.body);
    assert.equal(event.requestId, updated.headers['x-request-id']);
  });

  it('records an org key as the actor of its changes, newest event first', async () => {
    const t = await testApp();
    const org = await makeOrg(t);
    const key = await makeApiKey(t, org.id);
    const res = await t.as(key.key).patch(`/api/v1/orgs/${org.id}`, { name: 'Renamed By Key' });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const all = await t.admin.get(`/api/v1/orgs/${org.id}/audit-events`);
    assert.equal(all.status, 200);
    const actions = (all.body.data as AuditEventBody[]).map((event) => event.action);
    assert.deepEqual(actions, ['org.updated', 'api_key.created', 'org.created']);
    const updated = all.body.data[0] as AuditEventBody;
    assert.deepEqual(updated.actor, { type: 'api_key', id: key.id });
  });

  it('records nothing when a patch changes nothing or is refused', async () => {
    const t = await testApp();
    const org = await makeOrg(t);
    const other = await makeOrg(t);
    assert.equal((await t.admin.patch(`/api/v1/orgs/${org.id}`, {})).status, 200);
    assertError(await t.admin.patch(`/api/v1/orgs/${org.id}`, { slug: other.slug }), 409, 'conflict');
    assert.deepEqual(await auditEvents(t, org.id, 'org.updated'), []);
  });
});

describe('org routes an org key may not use', () => {
  it('POST and GET /orgs with an org API key are 403 forbidden', async () => {
    const t = await testApp();
    const org = await makeOrg(t);
    const key = await makeApiKey(t, org.id);
    const slug = unique('bykey');
    assertError(await t.as(key.key).post('/api/v1/orgs', { name: 'By Key', slug }), 403, 'forbidden');
    assertError(await t.as(key.key).get('/api/v1/orgs'), 403, 'forbidden');
    assertError(await t.admin.get(`/api/v1/orgs/${slug}`), 404, 'not_found');
  });
});
