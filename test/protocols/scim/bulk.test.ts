import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { testApp } from '../../support/app.ts';
import { makeOrg } from '../../support/factories.ts';
import {
  assertScimError,
  groupSchema,
  makeDirectory,
  patchSchema,
  scimClient,
  user,
} from '../../support/scim.ts';

const bulkSchema = 'urn:ietf:params:scim:api:messages:2.0:BulkRequest';

async function setup() {
  const t = await testApp();
  const org = await makeOrg(t);
  const dir = await makeDirectory(t, org.id);
  return { t, dir, scim: scimClient(t, dir.id, dir.token) };
}

describe('SCIM /Bulk', () => {
  it('creates users and a group that names them by bulkId, in any order', async () => {
    const { scim } = await setup();
    const res = await scim.post('/Bulk', {
      schemas: [bulkSchema],
      Operations: [
        {
          method: 'POST',
          path: '/Groups',
          bulkId: 'g1',
          data: {
            schemas: [groupSchema],
            displayName: 'Bulk group',
            members: [{ value: 'bulkId:u1' }, { value: 'bulkId:u2' }],
          },
        },
        { method: 'POST', path: '/Users', bulkId: 'u1', data: user('bulk1@example.com') },
        { method: 'POST', path: '/Users', bulkId: 'u2', data: user('bulk2@example.com') },
      ],
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(res.body.schemas, ['urn:ietf:params:scim:api:messages:2.0:BulkResponse']);
    const byId = Object.fromEntries(res.body.Operations.map((o: { bulkId: string }) => [o.bulkId, o]));
    for (const id of ['g1', 'u1', 'u2']) assert.equal(byId[id].status, '201', JSON.stringify(byId[id]));
    const group = await scim.get(new URL(byId.g1.location).pathname.replace(/^\/scim\/v2\/[^/]+/, ''));
    assert.equal(group.body.members.length, 2);
  });

  it('reports each failure in place and stops at failOnErrors', async () => {
    const { scim } = await setup();
    const res = await scim.post('/Bulk', {
      schemas: [bulkSchema],
      failOnErrors: 1,
      Operations: [
        { method: 'POST', path: '/Users', bulkId: 'a', data: user('dup@example.com') },
        { method: 'POST', path: '/Users', bulkId: 'b', data: user('dup@example.com') },
        { method: 'POST', path: '/Users', bulkId: 'c', data: user('never@example.com') },
      ],
    });
    assert.equal(res.status, 200);
    assert.deepEqual(
      res.body.Operations.map((o: { status: string }) => o.status),
      ['201', '409'],
    );
    assert.equal(res.body.Operations[1].response.scimType, 'uniqueness');
    assert.equal((await scim.get('/Users?filter=userName eq "never@example.com"')).body.totalResults, 0);
  });

  it('patches and deletes, and refuses circular references with 409', async () => {
    const { scim } = await setup();
    const made = (await scim.post('/Users', user('pd@example.com'))).body;
    const res = await scim.post('/Bulk', {
      schemas: [bulkSchema],
      Operations: [
        {
          method: 'PATCH',
          path: `/Users/${made.id}`,
          data: { schemas: [patchSchema], Operations: [{ op: 'replace', path: 'active', value: false }] },
        },
        {
          method: 'POST',
          path: '/Groups',
          bulkId: 'x',
          data: { schemas: [groupSchema], displayName: 'X', members: [{ value: 'bulkId:y' }] },
        },
        {
          method: 'POST',
          path: '/Groups',
          bulkId: 'y',
          data: { schemas: [groupSchema], displayName: 'Y', members: [{ value: 'bulkId:x' }] },
        },
        { method: 'DELETE', path: `/Users/${made.id}` },
      ],
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const statuses = res.body.Operations.map(
      (o: { method: string; status: string }) => `${o.method} ${o.status}`,
    );
    assert.deepEqual(statuses.sort(), ['DELETE 204', 'PATCH 200', 'POST 409', 'POST 409']);
  });

  it('refuses more operations than it advertises with 413, and a bad request with 400', async () => {
    const { scim } = await setup();
    const config = await scim.get('/ServiceProviderConfig');
    assert.equal(config.body.bulk.supported, true);
    const max = config.body.bulk.maxOperations as number;
    assert.ok(config.body.bulk.maxPayloadSize > 0);
    const ops = Array.from({ length: max + 1 }, () => ({ method: 'DELETE', path: '/Users/x' }));
    assertScimError(await scim.post('/Bulk', { schemas: [bulkSchema], Operations: ops }), 413, 'tooMany');
    assertScimError(await scim.post('/Bulk', { Operations: [] }), 400, 'invalidSyntax');
  });
});
