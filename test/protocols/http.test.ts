import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { adminToken, appOn, testApp } from '../support/app.ts';
import { scratchDatabase, testDatabase } from '../support/database.ts';

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('the HTTP edge', () => {
  it('answers malformed JSON with 400 invalid_json and creates nothing', async () => {
    const t = await testApp();
    const res = await t.http
      .post('/api/v1/orgs')
      .set('Authorization', `Bearer ${adminToken}`)
      .set('Content-Type', 'application/json')
      .send('{"name": "Broken", "slug": ');
    assert.equal(res.status, 400);
    assert.equal(res.body.error.code, 'invalid_json');
    assert.equal(typeof res.body.error.message, 'string');
  });

  it('answers a body over the limit with 413 payload_too_large', async () => {
    const t = await appOn(await testDatabase(), { bodyLimitBytes: 1024 });
    const res = await t.admin.post('/api/v1/orgs', { name: 'x'.repeat(2000) });
    assert.equal(res.status, 413);
    assert.equal(res.body.error.code, 'payload_too_large');
  });

  it('answers a body that is not JSON with 415', async () => {
    const t = await testApp();
    const res = await t.http
      .post('/api/v1/orgs')
      .set('Authorization', `Bearer ${adminToken}`)
      .set('Content-Type', 'text/plain')
      .send('name=Acme');
    assert.equal(res.status, 415);
    assert.equal(res.body.error.code, 'unsupported_media_type');
  });

  it('accepts application/*+json bodies', async () => {
    const t = await testApp();
    const res = await t.http
      .post('/api/v1/orgs')
      .set('Authorization', `Bearer ${adminToken}`)
      .set('Content-Type', 'application/merge-patch+json')
      .send(JSON.stringify({ name: 'Plus JSON' }).replace('Plus JSON', `Plus JSON ${Date.now()}`));
    assert.equal(res.status, 201, JSON.stringify(res.body));
  });

  it('answers a JSON body of the wrong shape with 400 and details', async () => {
    const t = await testApp();
    const res = await t.admin.post('/api/v1/orgs', ['not', 'an', 'object']);
    assert.equal(res.status, 400);
    assert.equal(res.body.error.code, 'validation_failed');
    assert.ok(Array.isArray(res.body.error.details) && res.body.error.details.length > 0);
  });

  it('answers an unknown route with a JSON 404', async () => {
    const t = await testApp();
    const res = await t.admin.get('/api/v1/nothing-here');
    assert.equal(res.status, 404);
    assert.equal(res.body.error.code, 'not_found');
    const outside = await t.http.get('/nothing-here');
    assert.equal(outside.status, 404);
    assert.equal(outside.body.error.code, 'not_found');
  });

  it('gives every response a request id, and keeps a sane one the caller sent', async () => {
    const t = await testApp();
    const fresh = await t.http.get('/healthz');
    assert.match(fresh.headers['x-request-id'] ?? '', uuid);
    const kept = await t.http.get('/healthz').set('X-Request-Id', 'trace-abc.123');
    assert.equal(kept.headers['x-request-id'], 'trace-abc.123');
    const replaced = await t.http.get('/healthz').set('X-Request-Id', 'bad id with spaces\u00e9');
    assert.match(replaced.headers['x-request-id'] ?? '', uuid);
    const failed = await t.http.get('/api/v1/orgs');
    assert.equal(failed.body.error.requestId, failed.headers['x-request-id']);
  });

  it('hides the internals of a server-side failure', async () => {
    const database = await scratchDatabase();
    const t = await appOn(database);
    await database.close();
    const res = await t.admin.get('/api/v1/orgs');
    assert.equal(res.status, 500);
    assert.deepEqual(Object.keys(res.body.error).sort(), ['code', 'message', 'requestId']);
    assert.equal(res.body.error.code, 'internal');
    assert.doesNotMatch(JSON.stringify(res.body), /closed|stack|at \w+ \(/i);
  });

  it('does not announce the framework', async () => {
    const t = await testApp();
    const res = await t.http.get('/healthz');
    assert.equal(res.headers['x-powered-by'], undefined);
  });
});

describe('created resources', () => {
  it('answer 201 with a Location that reads them back', async () => {
    const t = await testApp();
    const created = await t.admin.post('/api/v1/orgs', { name: `Located ${Date.now()}` });
    assert.equal(created.status, 201);
    assert.equal(created.headers.location, `/api/v1/orgs/${created.body.id}`);
    const team = await t.admin.post(`${created.headers.location}/teams`, { name: 'Located team' });
    assert.equal(team.headers.location, `/api/v1/orgs/${created.body.id}/teams/${team.body.id}`);
    const read = await t.admin.get(team.headers.location ?? '');
    assert.equal(read.status, 200);
    assert.equal(read.body.name, 'Located team');
  });
});

describe('methods', () => {
  it('a known path with another method is 405 with Allow', async () => {
    const t = await testApp();
    const res = await t.admin.delete('/api/v1/orgs');
    assert.equal(res.status, 405);
    assert.equal(res.body.error.code, 'method_not_allowed');
    assert.equal(res.headers.allow, 'POST, GET');
  });
});
