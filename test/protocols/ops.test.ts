import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { appOn, testApp } from '../support/app.ts';
import { scratchDatabase } from '../support/database.ts';

describe('health and metrics', () => {
  it('healthz answers while the process lives', async () => {
    const t = await testApp();
    const res = await t.http.get('/healthz');
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, { status: 'ok' });
  });

  it('readyz is 200 while the database answers and 503 once it does not', async () => {
    const database = await scratchDatabase();
    const t = await appOn(database);
    assert.equal((await t.http.get('/readyz')).status, 200);
    await database.close();
    const res = await t.http.get('/readyz');
    assert.equal(res.status, 503);
    assert.equal(res.body.status, 'unavailable');
  });

  it('metrics count requests by route template and show the database pool', async () => {
    const t = await testApp();
    await t.admin.get('/api/v1/orgs');
    await t.http.get('/api/v1/orgs');
    const res = await t.http.get('/metrics');
    assert.equal(res.status, 200);
    assert.match(res.headers['content-type'] ?? '', /text\/plain/);
    assert.match(
      res.text,
      /muster_http_requests_total\{method="GET",route="\/api\/v1\/orgs",status="200"\} 1/,
    );
    assert.match(
      res.text,
      /muster_http_request_duration_seconds_bucket\{le="0.005",method="GET",route="\/api\/v1\/orgs"/,
    );
    assert.match(res.text, /muster_db_pool_connections \d+/);
    assert.match(res.text, /muster_db_pool_waiting 0/);
  });
});
