import assert from 'node:assert/strict';
import type supertest from 'supertest';

export const isoPattern = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
export const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The admin API's error shape: `{error: {code, message, details?, requestId}}`, nothing else. */
export function assertError(res: supertest.Response, status: number, code: string): void {
  assert.equal(res.status, status, JSON.stringify(res.body));
  assert.match(res.headers['content-type'] ?? '', /application\/json/);
  assert.deepEqual(Object.keys(res.body), ['error']);
  const error = res.body.error as Record<string, unknown>;
  for (const key of Object.keys(error)) {
    assert.ok(['code', 'message', 'details', 'requestId'].includes(key), `unexpected field ${key}`);
  }
  assert.equal(error.code, code);
  assert.equal(typeof error.message, 'string');
  assert.ok((error.message as string).length > 0);
  assert.equal(typeof error.requestId, 'string');
  assert.equal(error.requestId, res.headers['x-request-id']);
  if ('details' in error) assert.ok(Array.isArray(error.details));
}
