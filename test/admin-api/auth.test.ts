import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import supertest from 'supertest';
import { adminToken, type TestApp, testApp } from '../support/app.ts';
import { assertError, isoPattern } from '../support/assertions.ts';
import { makeApiKey, makeOrg, makeTeam, unique } from '../support/factories.ts';

const keyPattern = /^muster_[0-9a-f]{32}_[A-Za-z0-9_-]{43}$/;

function assertUnauthorized(res: supertest.Response): void {
  assertError(res, 401, 'unauthorized');
  assert.match(res.headers['www-authenticate'] ?? '', /^Bearer\b/);
}

function secretOf(key: string): string {
  const secret = key.split('_').slice(2).join('_');
  assert.equal(secret.length, 43);
  return secret;
}

function withAuthorization(t: TestApp, value: string | undefined, path = '/api/v1/orgs') {
  const test = supertest(t.app).get(path);
  return value === undefined ? test : test.set('Authorization', value);
}

interface ApiKeyBody {
  id: string;
  name: string;
  prefix: string;
  createdBy: string;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

async function listedKey(t: TestApp, org: string, id: string): Promise<ApiKeyBody> {
  const res = await t.admin.get(`/api/v1/orgs/${org}/api-keys?limit=200`);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  const found = (res.body.data as ApiKeyBody[]).find((key) => key.id === id);
  assert.ok(found, `key ${id} not listed`);
  return found;
}

describe('admin API authentication', () => {
  it('answers 401 unauthorized with WWW-Authenticate when no Authorization is sent', async () => {
    const t = await testApp();
    const org = await makeOrg(t);
    for (const path of ['/api/v1/orgs', `/api/v1/orgs/${org.id}`, `/api/v1/orgs/${org.id}/teams`]) {
      assertUnauthorized(await withAuthorization(t, undefined, path));
    }
    assertUnauthorized(await supertest(t.app).post('/api/v1/orgs').send({ name: 'Anonymous' }));
    assertUnauthorized(await supertest(t.app).delete(`/api/v1/orgs/${org.id}/teams/x`));
  });

  it('answers 401 for a wrong token, a malformed Bearer and a Basic header', async () => {
    const t = await testApp();
    const headers = [
      'Bearer wrong-token-0123456789-abcdefghijklmnopqrstuvwxyz',
      `Bearer ${adminToken}x`,
      `Bearer ${adminToken.slice(0, -1)}`,
      'Bearer',
      'Bearer ',
      `Bearer ${adminToken} extra`,
      `Bearer${adminToken}`,
      adminToken,
      `Token ${adminToken}`,
      `Basic ${Buffer.from(`admin:${adminToken}`).toString('base64')}`,
      `Basic ${Buffer.from(adminToken).toString('base64')}`,
      '',
    ];
    for (const header of headers) {
      const res = await withAuthorization(t, header);
      assert.equal(res.status, 401, `header ${JSON.stringify(header)} → ${res.status}`);
      assertUnauthorized(res);
    }
  });

  it('answers 401 for a well-formed muster key that does not exist, and one with a wrong secret', async () => {
    const t = await testApp();
    const org = await makeOrg(t);
    const real = await makeApiKey(t, org.id);
    const unknownId = `muster_${'0190a5b27c3d7e4f8a9b0c1d2e3f4a5b'}_${'A'.repeat(43)}`;
    assert.match(unknownId, keyPattern);
    assertUnauthorized(await t.as(unknownId).get(`/api/v1/orgs/${org.id}`));
    const secret = secretOf(real.key);
    const flipped = `${secret.slice(0, -1)}${secret.endsWith('A') ? 'B' : 'A'}`;
    const wrongSecret = `${real.key.slice(0, -43)}${flipped}`;
    assert.match(wrongSecret, keyPattern);
    assertUnauthorized(await t.as(wrongSecret).get(`/api/v1/orgs/${org.id}`));
    assertUnauthorized(await t.as(`${real.key}x`).get(`/api/v1/orgs/${org.id}`));
    assertUnauthorized(await t.as('muster_nonsense').get(`/api/v1/orgs/${org.id}`));
  });

  it('accepts the admin token with the scheme in any case', async () => {
    const t = await testApp();
    const res = await withAuthorization(t, `bearer ${adminToken}`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.ok(Array.isArray(res.body.data));
  });
});

describe('org API keys reach their own org only', () => {
  it('works on its own org by id and by slug', async () => {
    const t = await testApp();
    const org = await makeOrg(t);
    const key = await makeApiKey(t, org.id);
    const byId = await t.as(key.key).get(`/api/v1/orgs/${org.id}`);
    assert.equal(byId.status, 200, JSON.stringify(byId.body));
    assert.equal(byId.body.id, org.id);
    const bySlug = await t.as(key.key).get(`/api/v1/orgs/${org.slug}`);
    assert.equal(bySlug.status, 200, JSON.stringify(bySlug.body));
    assert.equal(bySlug.body.id, org.id);
    const byIdUpper = await t.as(key.key).get(`/api/v1/orgs/${org.id.toUpperCase()}`);
    assert.equal(byIdUpper.status, 200, JSON.stringify(byIdUpper.body));
    const teams = await t.as(key.key).get(`/api/v1/orgs/${org.slug}/teams`);
    assert.equal(teams.status, 200, JSON.stringify(teams.body));
  });

  it('gets 403 forbidden on another existing org and on a nonexistent one, saying the same', async () => {
    const t = await testApp();
    const mine = await makeOrg(t, 'Mine');
    const theirs = await makeOrg(t, 'Theirs');
    const theirTeam = await makeTeam(t, theirs.id);
    const key = await makeApiKey(t, mine.id);
    const as = t.as(key.key);
    const refused = [
      await as.get(`/api/v1/orgs/${theirs.id}`),
      await as.get(`/api/v1/orgs/${theirs.slug}`),
      await as.get(`/api/v1/orgs/${theirs.id}/teams`),
      await as.get(`/api/v1/orgs/${theirs.id}/teams/${theirTeam.id}`),
      await as.post(`/api/v1/orgs/${theirs.id}/teams`, { name: 'Intruder' }),
      await as.patch(`/api/v1/orgs/${theirs.id}`, { name: 'Taken Over' }),
      await as.delete(`/api/v1/orgs/${theirs.id}/teams/${theirTeam.id}`),
      await as.post(`/api/v1/orgs/${theirs.id}/api-keys`, { name: 'escalate' }),
      await as.get(`/api/v1/orgs/${theirs.id}/audit-events`),
    ];
    for (const res of refused) assertError(res, 403, 'forbidden');
    const missingSlug = await as.get(`/api/v1/orgs/${unique('ghost')}`);
    const missingId = await as.get('/api/v1/orgs/0190a5b2-7c3d-7e4f-8a9b-0c1d2e3f4a5b');
    assertError(missingSlug, 403, 'forbidden');
    assertError(missingId, 403, 'forbidden');
    const existing = refused[0];
    assert.ok(existing);
    assert.equal(missingSlug.body.error.message, existing.body.error.message);
    assert.equal(missingId.body.error.message, existing.body.error.message);

    const after = await t.admin.get(`/api/v1/orgs/${theirs.id}`);
    assert.equal(after.body.name, 'Theirs');
    assert.equal((await t.admin.get(`/api/v1/orgs/${theirs.id}/teams/${theirTeam.id}`)).status, 200);
    const teams = await t.admin.get(`/api/v1/orgs/${theirs.id}/teams`);
    assert.equal(teams.body.data.length, 1);
  });

  it('can create a team in its org', async () => {
    const t = await testApp();
    const org = await makeOrg(t);
    const key = await makeApiKey(t, org.id);
    const res = await t.as(key.key).post(`/api/v1/orgs/${org.slug}/teams`, { name: 'Made By Key' });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.equal(res.body.slug, 'made-by-key');
    const fetched = await t.admin.get(`/api/v1/orgs/${org.id}/teams/${res.body.id}`);
    assert.equal(fetched.status, 200);
    assert.deepEqual(fetched.body, res.body);
  });
});

describe('org API keys', () => {
  it('are shown once: the POST answer has the key, the list never does', async () => {
    const t = await testApp();
    const org = await makeOrg(t);
    const res = await t.admin.post(`/api/v1/orgs/${org.id}/api-keys`, { name: 'deploy bot' });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.match(res.body.key, keyPattern);
    assert.equal(res.body.name, 'deploy bot');
    assert.ok(res.body.key.startsWith(res.body.prefix), 'the prefix is the start of the key');
    assert.ok(res.body.prefix.length < res.body.key.length - 43, 'the prefix shows none of the secret');
    assert.equal(res.body.createdBy, 'admin_token');
    assert.match(res.body.createdAt, isoPattern);
    assert.equal(res.body.revokedAt, null);

    const list = await t.admin.get(`/api/v1/orgs/${org.id}/api-keys`);
    assert.equal(list.status, 200);
    assert.equal(list.body.data.length, 1);
    const [listed] = list.body.data;
    assert.equal('key' in listed, false);
    const { key: _key, ...withoutKey } = res.body;
    assert.deepEqual(listed, withoutKey);
    assert.ok(!list.text.includes(secretOf(res.body.key)));
  });

  it('defaults the name and refuses bad input', async () => {
    const t = await testApp();
    const org = await makeOrg(t);
    const res = await t.admin.post(`/api/v1/orgs/${org.id}/api-keys`, {});
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.equal(res.body.name, 'API key');
    assertError(
      await t.admin.post(`/api/v1/orgs/${org.id}/api-keys`, { name: '' }),
      400,
      'validation_failed',
    );
    assertError(
      await t.admin.post(`/api/v1/orgs/${org.id}/api-keys`, { name: 'k', scopes: ['all'] }),
      400,
      'validation_failed',
    );
  });

  it('are stored only as a hash', async () => {
    const t = await testApp();
    const org = await makeOrg(t);
    const key = await makeApiKey(t, org.id);
    const secret = secretOf(key.key);
    const rows = await t.database.db
      .selectFrom('api_keys')
      .selectAll()
      .where('org_id', '=', org.id)
      .execute();
    assert.equal(rows.length, 1);
    const [row] = rows;
    assert.ok(row);
    assert.equal(row.id, key.id);
    for (const [column, value] of Object.entries(row)) {
      const text = value instanceof Date ? value.toISOString() : String(value);
      assert.ok(!text.includes(key.key), `column ${column} holds the key`);
      assert.ok(!text.includes(secret), `column ${column} holds the secret`);
    }
    assert.match(row.secret_hash, /^[0-9a-f]{64}$/);
    const everything = await t.database.db.selectFrom('api_keys').selectAll().execute();
    assert.ok(!JSON.stringify(everything).includes(secret));
  });

  it('can be revoked: 204, then the key gets 401 and revoking again is 404', async () => {
    const t = await testApp();
    const org = await makeOrg(t);
    const key = await makeApiKey(t, org.id);
    const other = await makeApiKey(t, org.id);
    assert.equal((await t.as(key.key).get(`/api/v1/orgs/${org.id}`)).status, 200);
    const res = await t.admin.delete(`/api/v1/orgs/${org.id}/api-keys/${key.id}`);
    assert.equal(res.status, 204);
    assert.equal(res.text, '');
    assertUnauthorized(await t.as(key.key).get(`/api/v1/orgs/${org.id}`));
    assertUnauthorized(await t.as(key.key).post(`/api/v1/orgs/${org.id}/teams`, { name: 'Late' }));
    assertError(await t.admin.delete(`/api/v1/orgs/${org.id}/api-keys/${key.id}`), 404, 'not_found');
    const listed = await listedKey(t, org.id, key.id);
    assert.match(listed.revokedAt ?? '', isoPattern);
    assert.equal((await t.as(other.key).get(`/api/v1/orgs/${org.id}`)).status, 200);
  });

  it('can be revoked by an org key of the same org', async () => {
    const t = await testApp();
    const org = await makeOrg(t);
    const key = await makeApiKey(t, org.id);
    const target = await makeApiKey(t, org.id);
    assert.equal((await t.as(key.key).delete(`/api/v1/orgs/${org.id}/api-keys/${target.id}`)).status, 204);
    assertUnauthorized(await t.as(target.key).get(`/api/v1/orgs/${org.id}`));
  });

  it("answers 404 for an unknown key id, a malformed id, and another org's key", async () => {
    const t = await testApp();
    const org = await makeOrg(t);
    const other = await makeOrg(t);
    const theirKey = await makeApiKey(t, other.id);
    const base = `/api/v1/orgs/${org.id}/api-keys`;
    assertError(await t.admin.delete(`${base}/0190a5b2-7c3d-7e4f-8a9b-0c1d2e3f4a5b`), 404, 'not_found');
    assertError(await t.admin.delete(`${base}/not-a-uuid`), 404, 'not_found');
    assertError(await t.admin.delete(`${base}/${theirKey.id}`), 404, 'not_found');
    assert.equal((await t.as(theirKey.key).get(`/api/v1/orgs/${other.id}`)).status, 200);
  });

  it('have lastUsedAt null before use and set after use', async () => {
    const t = await testApp();
    const org = await makeOrg(t);
    const before = Date.now();
    const created = await t.admin.post(`/api/v1/orgs/${org.id}/api-keys`, { name: 'usage' });
    assert.equal(created.status, 201);
    assert.equal(created.body.lastUsedAt, null);
    assert.equal((await listedKey(t, org.id, created.body.id)).lastUsedAt, null);
    assert.equal((await t.as(created.body.key).get(`/api/v1/orgs/${org.id}`)).status, 200);
    const used = await listedKey(t, org.id, created.body.id);
    assert.ok(used.lastUsedAt, 'lastUsedAt is set after use');
    assert.match(used.lastUsedAt, isoPattern);
    const usedAt = Date.parse(used.lastUsedAt);
    assert.ok(usedAt >= before - 1000 && usedAt <= Date.now() + 1000, `lastUsedAt ${used.lastUsedAt}`);
  });

  it('leave no secret in the api_key.created and api_key.revoked audit events', async () => {
    const t = await testApp();
    const org = await makeOrg(t);
    const created = await t.admin.post(`/api/v1/orgs/${org.id}/api-keys`, { name: 'audited' });
    assert.equal(created.status, 201);
    const revoked = await t.admin.delete(`/api/v1/orgs/${org.id}/api-keys/${created.body.id}`);
    assert.equal(revoked.status, 204);
    const [row] = await t.database.db
      .selectFrom('api_keys')
      .select('secret_hash')
      .where('id', '=', created.body.id)
      .execute();
    assert.ok(row);

    const res = await t.admin.get(`/api/v1/orgs/${org.id}/audit-events?targetId=${created.body.id}`);
    assert.equal(res.status, 200);
    const events = res.body.data as {
      actor: unknown;
      action: string;
      target: unknown;
      before: Record<string, unknown> | null;
      after: Record<string, unknown> | null;
      requestId: string;
    }[];
    assert.deepEqual(
      events.map((event) => event.action),
      ['api_key.revoked', 'api_key.created'],
    );
    const [revokedEvent, createdEvent] = events;
    assert.ok(revokedEvent && createdEvent);
    for (const event of events) {
      assert.deepEqual(event.actor, { type: 'admin_token', id: null });
      assert.deepEqual(event.target, { type: 'api_key', id: created.body.id });
    }
    assert.equal(createdEvent.before, null);
    assert.equal(createdEvent.after?.id, created.body.id);
    assert.equal(createdEvent.requestId, created.headers['x-request-id']);
    assert.equal(revokedEvent.before?.revokedAt, null);
    assert.match(String(revokedEvent.after?.revokedAt), isoPattern);
    assert.equal(revokedEvent.requestId, revoked.headers['x-request-id']);

    const text = res.text;
    assert.ok(!text.includes(created.body.key), 'an audit event holds the key');
    assert.ok(!text.includes(secretOf(created.body.key)), 'an audit event holds the secret');
    assert.ok(!text.includes(row.secret_hash), 'an audit event holds the secret hash');
    for (const event of events) {
      for (const snapshot of [event.before, event.after]) {
        if (snapshot) {
          assert.equal('key' in snapshot, false);
          assert.equal('secretHash' in snapshot, false);
          assert.equal('secret_hash' in snapshot, false);
        }
      }
    }
  });

  it('created by an org key name that key as their creator', async () => {
    const t = await testApp();
    const org = await makeOrg(t);
    const key = await makeApiKey(t, org.id);
    const res = await t.as(key.key).post(`/api/v1/orgs/${org.id}/api-keys`, { name: 'child' });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.equal(res.body.createdBy, `api_key:${key.id}`);
    assert.match(res.body.key, keyPattern);
    assert.notEqual(res.body.key, key.key);
  });
});

describe('error bodies', () => {
  it('have the shape {error: {code, message, requestId}} for every status', async () => {
    const t = await testApp();
    const org = await makeOrg(t);
    const key = await makeApiKey(t, org.id);
    const team = await makeTeam(t, org.id);

    assertError(await t.admin.post('/api/v1/orgs', { name: '' }), 400, 'validation_failed');
    assertError(await t.admin.get('/api/v1/orgs?limit=-1'), 400, 'validation_failed');
    assertError(
      await supertest(t.app)
        .post('/api/v1/orgs')
        .set('Authorization', `Bearer ${adminToken}`)
        .set('Content-Type', 'application/json')
        .send('{"name": '),
      400,
      'invalid_json',
    );
    assertError(await withAuthorization(t, undefined), 401, 'unauthorized');
    assertError(await t.as(key.key).get('/api/v1/orgs'), 403, 'forbidden');
    assertError(await t.admin.get(`/api/v1/orgs/${org.id}/teams/${unique()}`), 404, 'not_found');
    assertError(await t.admin.get('/api/v1/no-such-route'), 404, 'not_found');
    assertError(
      await t.admin.post(`/api/v1/orgs/${org.id}/teams`, { name: 'Dup', slug: team.slug }),
      409,
      'conflict',
    );
    assertError(
      await supertest(t.app)
        .post('/api/v1/orgs')
        .set('Authorization', `Bearer ${adminToken}`)
        .set('Content-Type', 'text/plain')
        .send('name=x'),
      415,
      'unsupported_media_type',
    );
    const small = await testApp({ bodyLimitBytes: 64 });
    assertError(
      await small.admin.post('/api/v1/orgs', { name: 'x'.repeat(200), slug: unique() }),
      413,
      'payload_too_large',
    );
  });

  it('answer 400 bad_request, not 500, for a path with malformed percent-encoding', async () => {
    const t = await testApp();
    const org = await makeOrg(t);
    assertError(await t.admin.get('/api/v1/orgs/%E0%A4%A'), 400, 'bad_request');
    assertError(await t.admin.get(`/api/v1/orgs/${org.id}/teams/%ZZ`), 400, 'bad_request');
  });

  it('carry the caller X-Request-Id', async () => {
    const t = await testApp();
    const requestId = `trace-${unique()}`;
    const res = await supertest(t.app).get('/api/v1/orgs').set('X-Request-Id', requestId);
    assertUnauthorized(res);
    assert.equal(res.body.error.requestId, requestId);
  });
});
