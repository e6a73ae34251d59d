/**
 * RFC 7643 / RFC 7644, point by point: the status codes, headers and bodies
 * the protocol states for each request, as an RFC-driven conformance suite
 * checks them. One generic directory; each case makes what it needs.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { type TestApp, testApp } from '../../support/app.ts';
import { makeOrg } from '../../support/factories.ts';
import {
  assertScimError,
  assertScimJson,
  groupSchema,
  listResponseSchema,
  makeDirectory,
  patchOp,
  type ScimClient,
  scimClient,
  user,
  userSchema,
} from '../../support/scim.ts';

let t: TestApp;
let scim: ScimClient;
let n = 0;

/** A user of its own for each case, so the cases do not depend on one another. */
async function newUser(extra: Record<string, unknown> = {}) {
  n += 1;
  const res = await scim.post('/Users', user(`rfc.user${n}@example.com`, extra));
  assertScimJson(res, 201);
  return res;
}

const noSuchId = '00000000-0000-4000-8000-000000000000';

describe('RFC 7643 and RFC 7644 conformance', () => {
  before(async () => {
    t = await testApp();
    const org = await makeOrg(t, 'Conformance');
    const dir = await makeDirectory(t, org.id, 'generic');
    scim = scimClient(t, dir.id, dir.token);
  });

  it('a method a resource path does not take is 405 with Allow, in the SCIM error schema, and changes nothing', async () => {
    const created = await newUser();
    const id = created.body.id as string;
    for (const [send, allow] of [
      [() => scim.put('/Users', user('x@example.com')), 'GET, POST'],
      [() => scim.delete('/Users'), 'GET, POST'],
      [() => scim.patch('/Groups', patchOp({ op: 'add', path: 'displayName', value: 'x' })), 'GET, POST'],
      [() => scim.post(`/Users/${id}`, user('y@example.com')), 'GET, PUT, PATCH, DELETE'],
      [
        () => scim.post(`/Groups/${noSuchId}`, { schemas: [groupSchema], displayName: 'x' }),
        'GET, PUT, PATCH, DELETE',
      ],
      [() => scim.get('/Bulk'), 'POST'],
    ] as const) {
      const res = await send();
      assertScimError(res, 405);
      assert.equal(res.headers.allow, allow);
    }
    const after = await scim.get(`/Users/${id}`);
    assert.equal(after.status, 200);
    assert.equal(after.body.meta.version, created.body.meta.version);
  });

  it('§3.3: POST answers 201 with Location, Content-Location and ETag matching meta', async () => {
    const res = await newUser();
    assert.equal(res.headers.location, res.body.meta.location);
    // RFC 7643 §3.1: meta.location "MUST be the same as the Content-Location HTTP response header".
    assert.equal(res.headers['content-location'], res.body.meta.location);
    assert.equal(res.headers.etag, res.body.meta.version);
    assert.ok(res.body.meta.location.endsWith(`/Users/${res.body.id}`));
    assert.deepEqual(res.body.schemas, [userSchema]);
    assert.equal(res.body.meta.resourceType, 'User');
    assert.equal(res.body.meta.created, res.body.meta.lastModified);
  });

  it('§3.4.1, §3.5, §3.14: GET, PUT and PATCH carry ETag and Content-Location; each write moves the version', async () => {
    const created = await newUser();
    const id = created.body.id;
    const got = await scim.get(`/Users/${id}`);
    assertScimJson(got, 200);
    assert.equal(got.headers.etag, got.body.meta.version);
    assert.equal(got.headers['content-location'], got.body.meta.location);
    assert.equal(got.headers.location, undefined);
    const put = await scim.put(`/Users/${id}`, user(created.body.userName, { displayName: 'Put' }));
    assertScimJson(put, 200);
    assert.equal(put.headers.etag, put.body.meta.version);
    assert.equal(put.headers['content-location'], put.body.meta.location);
    assert.notEqual(put.headers.etag, got.headers.etag);
    const patched = await scim.patch(
      `/Users/${id}`,
      patchOp({ op: 'replace', path: 'displayName', value: 'P' }),
    );
    assertScimJson(patched, 200);
    assert.equal(patched.headers.etag, patched.body.meta.version);
    assert.equal(patched.headers['content-location'], patched.body.meta.location);
    assert.notEqual(patched.headers.etag, put.headers.etag);
    assert.ok(patched.body.meta.lastModified >= patched.body.meta.created);
  });

  it('§3.4.1: a group read carries ETag and Content-Location too', async () => {
    const created = await scim.post('/Groups', { schemas: [groupSchema], displayName: 'RFC readers' });
    assertScimJson(created, 201);
    assert.equal(created.headers['content-location'], created.body.meta.location);
    const got = await scim.get(`/Groups/${created.body.id}`);
    assertScimJson(got, 200);
    assert.equal(got.headers.etag, got.body.meta.version);
    assert.equal(got.headers['content-location'], got.body.meta.location);
  });

  it('§3.14: a stale If-Match refuses DELETE and a group PATCH with 412; the current tag passes', async () => {
    const created = await newUser();
    const stale = await scim.delete(`/Users/${created.body.id}`).set('If-Match', 'W/"999"');
    assertScimError(stale, 412);
    assertScimJson(await scim.get(`/Users/${created.body.id}`), 200);
    const deleted = await scim
      .delete(`/Users/${created.body.id}`)
      .set('If-Match', created.headers.etag ?? '');
    assert.equal(deleted.status, 204);
    assert.equal(deleted.text, '');

    const group = await scim.post('/Groups', { schemas: [groupSchema], displayName: 'RFC versions' });
    const rename = patchOp({ op: 'replace', path: 'displayName', value: 'RFC renamed' });
    assertScimError(await scim.patch(`/Groups/${group.body.id}`, rename).set('If-Match', 'W/"999"'), 412);
    assert.equal((await scim.get(`/Groups/${group.body.id}`)).body.displayName, 'RFC versions');
    const fresh = await scim
      .patch(`/Groups/${group.body.id}`, rename)
      .set('If-Match', group.headers.etag ?? '');
    assert.ok([200, 204].includes(fresh.status), String(fresh.status));
    const notModified = await scim
      .get(`/Groups/${group.body.id}`)
      .set('If-None-Match', group.headers.etag ?? '');
    assert.equal(notModified.status, 200, 'the rename changed the version, so the old tag no longer matches');
    const now = await scim
      .get(`/Groups/${group.body.id}`)
      .set('If-None-Match', notModified.headers.etag ?? '');
    assert.equal(now.status, 304);
    assert.equal(now.text, '');
  });

  it('§3.4.2.4: count=0 gives only totalResults; startIndex below 1 is 1; a negative count is 0', async () => {
    await newUser();
    const total = (await scim.get('/Users')).body.totalResults;
    assert.ok(total > 0);
    const zero = await scim.get('/Users?count=0');
    assertScimJson(zero, 200);
    assert.deepEqual(zero.body, {
      schemas: [listResponseSchema],
      totalResults: total,
      itemsPerPage: 0,
      startIndex: 1,
      Resources: [],
    });
    const low = await scim.get('/Users?startIndex=0&count=-5');
    assertScimJson(low, 200);
    assert.deepEqual([low.body.startIndex, low.body.itemsPerPage, low.body.totalResults], [1, 0, total]);
    const one = await scim.get('/Users?startIndex=-3&count=1');
    assert.deepEqual([one.body.startIndex, one.body.itemsPerPage, one.body.Resources.length], [1, 1, 1]);
  });

  it('§3.4.2.4: a count above filter.maxResults is cut to it; no count is the default page size', async () => {
    const org = await makeOrg(t, 'Conformance paging');
    const dir = await makeDirectory(t, org.id, 'generic');
    const client = scimClient(t, dir.id, dir.token);
    const config = (await client.get('/ServiceProviderConfig')).body;
    const { maxResults } = config.filter;
    const pageSize = config.pagination.defaultPageSize;
    assert.ok(pageSize < maxResults);
    const total = maxResults + 5;
    const bulk = await client.post('/Bulk', {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:BulkRequest'],
      Operations: Array.from({ length: total }, (_, i) => ({
        method: 'POST',
        path: '/Users',
        bulkId: `p${i}`,
        data: user(`rfc.page${i}@example.com`),
      })),
    });
    assertScimJson(bulk, 200);
    const capped = await client.get(`/Users?count=${maxResults * 5}`);
    assertScimJson(capped, 200);
    assert.deepEqual(
      [capped.body.totalResults, capped.body.itemsPerPage, capped.body.Resources.length],
      [total, maxResults, maxResults],
    );
    const plain = await client.get('/Users');
    assert.deepEqual([plain.body.totalResults, plain.body.itemsPerPage], [total, pageSize]);
    const rest = await client.get(`/Users?startIndex=${maxResults + 1}&count=${maxResults}`);
    assert.deepEqual([rest.body.itemsPerPage, rest.body.startIndex], [5, maxResults + 1]);
    const seen = new Set([...capped.body.Resources, ...rest.body.Resources].map((u: { id: string }) => u.id));
    assert.equal(seen.size, total);
  });

  it('§3.4.2.4: a startIndex past the end is 200 with no resources and the startIndex echoed', async () => {
    const total = (await scim.get('/Users')).body.totalResults;
    const past = await scim.get(`/Users?startIndex=${total + 50}&count=10`);
    assertScimJson(past, 200);
    assert.deepEqual(
      [past.body.totalResults, past.body.itemsPerPage, past.body.startIndex, past.body.Resources],
      [total, 0, total + 50, []],
    );
  });

  it('§3.4.2.2: an unknown operator is 400 invalidFilter; a filter that matches nothing is 200 with 0', async () => {
    assertScimError(await scim.get('/Users?filter=userName xx "a"'), 400, 'invalidFilter');
    assertScimError(await scim.get('/Users?filter=userName eq'), 400, 'invalidFilter');
    const none = await scim.get('/Users?filter=userName eq "nobody.at.all@example.com"');
    assertScimJson(none, 200);
    assert.equal(none.body.totalResults, 0);
    assert.deepEqual(none.body.Resources, []);
  });

  it('§3.4.2.2: attribute names and operators in any case; logical, presence and date comparisons', async () => {
    const target = (await newUser({ externalId: 'rfc-filter-1', title: 'Analyst' })).body;
    const find = async (filter: string) => {
      const res = await scim.get(`/Users?filter=${encodeURIComponent(filter)}&count=200`);
      assertScimJson(res, 200);
      return res.body.Resources.map((u: { id: string }) => u.id) as string[];
    };
    assert.deepEqual(await find(`USERNAME EQ "${target.userName.toUpperCase()}"`), [target.id]);
    assert.deepEqual(await find('externalid Eq "rfc-filter-1" AND title pr'), [target.id]);
    assert.deepEqual(await find('externalId eq "RFC-FILTER-1"'), [], 'externalId is caseExact');
    assert.ok((await find('not (externalId eq "rfc-filter-1")')).every((id) => id !== target.id));
    assert.deepEqual(await find('externalId eq "rfc-filter-1" or externalId eq "nobody"'), [target.id]);
    const created = new Date(target.meta.created);
    const before = new Date(created.getTime() - 1000).toISOString();
    const after = new Date(created.getTime() + 1000).toISOString();
    assert.ok((await find(`meta.lastModified gt "${before}"`)).includes(target.id));
    assert.ok(!(await find(`meta.created gt "${after}"`)).includes(target.id));
    assert.ok(
      (await find(`meta.created lt "${after}" and externalId eq "rfc-filter-1"`)).includes(target.id),
    );
  });

  it('§3.3: an id in the POST body is the server’s to give; §3.5.1: an id in a PUT body is ignored', async () => {
    const clientId = 'client-chosen-id';
    const created = await newUser({ id: clientId });
    assert.notEqual(created.body.id, clientId);
    assertScimJson(await scim.get(`/Users/${created.body.id}`), 200);
    const put = await scim.put(`/Users/${created.body.id}`, user(created.body.userName, { id: noSuchId }));
    assertScimJson(put, 200);
    assert.equal(put.body.id, created.body.id);
    assertScimError(await scim.get(`/Users/${noSuchId}`), 404);
  });

  it('§3.12 invalidValue: a required value missing, a value of the wrong type, two primary values', async () => {
    const { id, userName } = (await newUser()).body;
    assertScimError(
      await scim.post('/Users', { schemas: [userSchema], name: { givenName: 'No', familyName: 'Name' } }),
      400,
      'invalidValue',
    );
    assertScimError(await scim.put(`/Users/${id}`, { schemas: [userSchema] }), 400, 'invalidValue');
    assertScimError(await scim.post('/Groups', { schemas: [groupSchema] }), 400, 'invalidValue');
    assertScimError(
      await scim.patch(`/Users/${id}`, patchOp({ op: 'replace', path: 'active', value: 'yes' })),
      400,
      'invalidValue',
    );
    // RFC 7643 §2.4: "The primary attribute value "true" MUST appear no more than once."
    assertScimError(
      await scim.post(
        '/Users',
        user('rfc.primaries@example.com', {
          emails: [
            { value: 'rfc.primaries@example.com', primary: true },
            { value: 'rfc.other@example.com', primary: true },
          ],
        }),
      ),
      400,
      'invalidValue',
    );
    const still = await scim.get(`/Users/${id}`);
    assert.deepEqual([still.body.userName, still.body.active], [userName, true]);
  });

  it('§3.9: attributes on a PATCH shapes its answer, id and schemas always included', async () => {
    const { id, userName } = (await newUser()).body;
    const res = await scim.patch(
      `/Users/${id}?attributes=userName`,
      patchOp({ op: 'replace', path: 'displayName', value: 'Shaped' }),
    );
    assertScimJson(res, 200);
    assert.deepEqual(res.body, { id, schemas: [userSchema], userName });
    assert.equal((await scim.get(`/Users/${id}`)).body.displayName, 'Shaped');
  });

  it('§3.5.2: a PATCH without the PatchOp schema, or without Operations, is 400 invalidSyntax', async () => {
    const { id } = (await newUser()).body;
    assertScimError(
      await scim.patch(`/Users/${id}`, { Operations: [{ op: 'replace', path: 'displayName', value: 'x' }] }),
      400,
      'invalidSyntax',
    );
    assertScimError(
      await scim.patch(`/Users/${id}`, { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'] }),
      400,
      'invalidSyntax',
    );
  });

  it('§3.5.2.2: remove without a path is 400 noTarget', async () => {
    const { id } = (await newUser()).body;
    assertScimError(await scim.patch(`/Users/${id}`, patchOp({ op: 'remove' })), 400, 'noTarget');
  });

  it('§3.5.2.3: replace through a value filter that matches no value is 400 noTarget', async () => {
    const { id } = (await newUser()).body;
    const res = await scim.patch(
      `/Users/${id}`,
      patchOp({ op: 'replace', path: 'emails[type eq "home"].value', value: 'home@example.com' }),
    );
    assertScimError(res, 400, 'noTarget');
  });

  it('§3.5.2: writing a readOnly attribute (id, meta.created) is 400 mutability', async () => {
    const { id } = (await newUser()).body;
    assertScimError(
      await scim.patch(`/Users/${id}`, patchOp({ op: 'replace', path: 'id', value: 'other' })),
      400,
      'mutability',
    );
    assertScimError(
      await scim.patch(
        `/Users/${id}`,
        patchOp({ op: 'replace', path: 'meta.created', value: '2000-01-01T00:00:00Z' }),
      ),
      400,
      'mutability',
    );
  });

  it('§3.5.2: a PATCH is atomic: when one operation fails, the earlier ones are not kept', async () => {
    const created = await newUser({ displayName: 'Before' });
    const res = await scim.patch(
      `/Users/${created.body.id}`,
      patchOp(
        { op: 'replace', path: 'displayName', value: 'After' },
        { op: 'replace', path: 'id', value: 'other' },
      ),
    );
    assertScimError(res, 400, 'mutability');
    const after = await scim.get(`/Users/${created.body.id}`);
    assert.equal(after.body.displayName, 'Before');
    assert.equal(after.headers.etag, created.headers.etag);
  });

  it('§3.4.1, §3.5, §3.6: GET, PUT, PATCH and DELETE of an unknown id are 404 in the error schema', async () => {
    assertScimError(await scim.get(`/Users/${noSuchId}`), 404);
    assertScimError(await scim.put(`/Users/${noSuchId}`, user('ghost@example.com')), 404);
    assertScimError(
      await scim.patch(`/Users/${noSuchId}`, patchOp({ op: 'replace', path: 'displayName', value: 'x' })),
      404,
    );
    assertScimError(await scim.delete(`/Users/${noSuchId}`), 404);
    assertScimError(await scim.delete(`/Groups/${noSuchId}`), 404);
  });

  it('§3.6: a deleted user is 404 to every operation and gone from query results', async () => {
    const created = (await newUser({ externalId: 'rfc-deleted' })).body;
    assert.equal((await scim.delete(`/Users/${created.id}`)).status, 204);
    assertScimError(await scim.get(`/Users/${created.id}`), 404);
    assertScimError(await scim.put(`/Users/${created.id}`, user(created.userName)), 404);
    assertScimError(
      await scim.patch(`/Users/${created.id}`, patchOp({ op: 'replace', path: 'displayName', value: 'x' })),
      404,
    );
    assertScimError(await scim.delete(`/Users/${created.id}`), 404);
    for (const filter of [
      `userName eq "${created.userName}"`,
      'externalId eq "rfc-deleted"',
      `id eq "${created.id}"`,
    ]) {
      const res = await scim.get(`/Users?filter=${encodeURIComponent(filter)}`);
      assertScimJson(res, 200);
      assert.equal(res.body.totalResults, 0, filter);
    }
    const all = await scim.get('/Users?count=200');
    assert.ok(!all.body.Resources.some((u: { id: string }) => u.id === created.id));
  });

  it('§3.5.2: a group PATCH answers 204, or 200 with the group when attributes are asked for', async () => {
    const group = (await scim.post('/Groups', { schemas: [groupSchema], displayName: 'RFC shaped' })).body;
    const quiet = await scim.patch(
      `/Groups/${group.id}`,
      patchOp({ op: 'replace', path: 'displayName', value: 'RFC shaped 2' }),
    );
    assert.equal(quiet.status, 204);
    assert.equal(quiet.text, '');
    assert.ok(quiet.headers.etag);
    const shaped = await scim.patch(
      `/Groups/${group.id}?attributes=displayName`,
      patchOp({ op: 'replace', path: 'displayName', value: 'RFC shaped 3' }),
    );
    assertScimJson(shaped, 200);
    assert.deepEqual(shaped.body, { id: group.id, schemas: [groupSchema], displayName: 'RFC shaped 3' });
    assert.notEqual(shaped.headers.etag, quiet.headers.etag);
    assert.equal(shaped.headers.etag, (await scim.get(`/Groups/${group.id}`)).body.meta.version);
  });

  it('§3.7: a BulkResponse gives each operation its status as a string, location and version, or its error', async () => {
    const res = await scim.post('/Bulk', {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:BulkRequest'],
      Operations: [
        { method: 'POST', path: '/Users', bulkId: 'one', data: user('rfc.bulk@example.com') },
        { method: 'DELETE', path: `/Users/${noSuchId}` },
      ],
    });
    assertScimJson(res, 200);
    assert.deepEqual(res.body.schemas, ['urn:ietf:params:scim:api:messages:2.0:BulkResponse']);
    const [posted, deleted] = res.body.Operations;
    assert.deepEqual([posted.method, posted.bulkId, posted.status], ['POST', 'one', '201']);
    const read = await scim.get(posted.location.slice(posted.location.indexOf('/Users/')));
    assertScimJson(read, 200);
    assert.equal(read.body.meta.location, posted.location);
    assert.equal(posted.version, read.body.meta.version);
    assert.deepEqual([deleted.method, deleted.status], ['DELETE', '404']);
    assert.deepEqual(deleted.response.schemas, ['urn:ietf:params:scim:api:messages:2.0:Error']);
    assert.equal(deleted.response.status, '404');
  });

  it('§3.4.3: POST /Users/.search reads a SearchRequest body and answers as the GET query would', async () => {
    const target = await newUser({ externalId: 'rfc-search-1' });
    const filter = `userName eq "${target.body.userName}" and externalId eq "rfc-search-1"`;
    const byGet = await scim.get(
      `/Users?filter=${encodeURIComponent(filter)}&attributes=userName,externalId`,
    );
    assertScimJson(byGet, 200);
    const res = await scim.post('/Users/.search', {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'],
      attributes: ['userName', 'externalId'],
      filter,
      startIndex: 1,
      count: 10,
    });
    assertScimJson(res, 200);
    assert.deepEqual(res.body, byGet.body);
    assert.deepEqual(res.body.schemas, [listResponseSchema]);
    assert.deepEqual(res.body.Resources, [
      {
        id: target.body.id,
        schemas: [userSchema],
        userName: target.body.userName,
        externalId: 'rfc-search-1',
      },
    ]);
    const paged = await scim.post('/Users/.search', {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'],
      startIndex: 2,
      count: 1,
      sortBy: 'userName',
      sortOrder: 'descending',
    });
    const pagedGet = await scim.get('/Users?startIndex=2&count=1&sortBy=userName&sortOrder=descending');
    assert.deepEqual(paged.body, pagedGet.body);
    assert.equal(paged.body.itemsPerPage, 1);
  });

  it('§3.4.3: POST /Groups/.search honours excludedAttributes; a body without the SearchRequest schema is 400', async () => {
    const group = await scim.post('/Groups', { schemas: [groupSchema], displayName: 'RFC searched' });
    const res = await scim.post('/Groups/.search', {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'],
      filter: 'displayName eq "RFC searched"',
      excludedAttributes: ['members'],
    });
    assertScimJson(res, 200);
    assert.equal(res.body.totalResults, 1);
    assert.equal(res.body.Resources[0].id, group.body.id);
    assert.equal('members' in res.body.Resources[0], false);
    assertScimError(await scim.post('/Users/.search', { filter: 'userName eq "x"' }), 400, 'invalidSyntax');
    assertScimError(
      await scim.post('/Users/.search', {
        schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'],
        filter: 'userName zz "x"',
      }),
      400,
      'invalidFilter',
    );
  });

  it('§3.7.4: a bulk request over maxPayloadSize is 413 in the error schema, the size /ServiceProviderConfig states', async () => {
    const small = await testApp({ bodyLimitBytes: 4096 });
    const org = await makeOrg(small, 'Conformance small');
    const dir = await makeDirectory(small, org.id, 'generic');
    const client = scimClient(small, dir.id, dir.token);
    const config = await client.get('/ServiceProviderConfig');
    assertScimJson(config, 200);
    assert.equal(config.body.bulk.maxPayloadSize, 4096);
    const Operations = Array.from({ length: 40 }, (_, i) => ({
      method: 'POST',
      path: '/Users',
      bulkId: `b${i}`,
      data: user(`rfc.big${i}@example.com`),
    }));
    const body = { schemas: ['urn:ietf:params:scim:api:messages:2.0:BulkRequest'], Operations };
    assert.ok(JSON.stringify(body).length > 4096);
    assertScimError(await client.post('/Bulk', body), 413);
    assert.equal((await client.get('/Users?count=0')).body.totalResults, 0);
  });

  it('§3.12 uniqueness: a PATCH or PUT that takes another user’s userName is 409', async () => {
    const first = (await newUser()).body;
    const second = (await newUser()).body;
    assertScimError(
      await scim.patch(
        `/Users/${second.id}`,
        patchOp({ op: 'replace', path: 'userName', value: first.userName.toUpperCase() }),
      ),
      409,
      'uniqueness',
    );
    assertScimError(await scim.put(`/Users/${second.id}`, user(first.userName)), 409, 'uniqueness');
    assert.equal((await scim.get(`/Users/${second.id}`)).body.userName, second.userName);
  });

  it('§3.11: /Me is 501 Not Implemented, as a directory token authenticates no user', async () => {
    for (const res of [
      await scim.get('/Me'),
      await scim.patch('/Me', patchOp({ op: 'replace', path: 'displayName', value: 'x' })),
      await scim.post('/Me', user('me@example.com')),
    ]) {
      assertScimError(res, 501);
    }
  });

  it('§4: discovery endpoints answer a filter with 403 and ignore paging', async () => {
    for (const path of ['/Schemas', '/ResourceTypes', '/ServiceProviderConfig']) {
      assertScimError(await scim.get(`${path}?filter=${encodeURIComponent('id eq "x"')}`), 403);
    }
    const schemas = await scim.get('/Schemas?startIndex=2&count=1');
    assertScimJson(schemas, 200);
    assert.equal(schemas.body.totalResults, 3);
    assert.equal(schemas.body.Resources.length, 3);
    const types = await scim.get('/ResourceTypes?count=1');
    assert.deepEqual(types.body.Resources.map((r: { id: string }) => r.id).sort(), ['Group', 'User']);
  });
});
