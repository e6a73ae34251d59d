/**
 * Okta, replayed as its documentation shows it: the requests, bodies and
 * expected answers of the "SCIM 2.0 Protocol Reference" (Okta and SCIM
 * Version 2.0), the checks of the Okta SCIM 2.0 SPEC test that "Build your
 * SCIM API service" has integrators run in Runscope, and the headers both
 * send. One directory, one org; the steps run in order and share what the
 * earlier ones made.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type supertest from 'supertest';
import { type TestApp, testApp } from '../../support/app.ts';
import { makeOrg, type OrgBody } from '../../support/factories.ts';
import {
  assertScimError,
  assertScimJson,
  type DirectoryBody,
  groupMemberIds,
  groupSchema,
  listResponseSchema,
  makeDirectory,
  patchSchema,
  userSchema,
} from '../../support/scim.ts';

const listSchema = listResponseSchema;
const errorSchema = 'urn:ietf:params:scim:api:messages:2.0:Error';

let t: TestApp;
let org: OrgBody;
let dir: DirectoryBody;
const ids = { user: '', other: '', group: '' };

/** The headers of Okta's SCIM client (its User-Agent) and of the SPEC test (the rest). */
function okta(test: supertest.Test): supertest.Test {
  return test
    .set('Authorization', `Bearer ${dir.token}`)
    .set('User-Agent', 'Okta SCIM Client 1.0.0')
    .set('Accept', 'application/scim+json')
    .set('Accept-Charset', 'utf-8');
}

const path = (p: string) => `/scim/v2/${dir.id}${p}`;
const get = (p: string) => okta(t.http.get(path(p)));
const del = (p: string) => okta(t.http.delete(path(p)));
const write = (method: 'post' | 'put' | 'patch', p: string, body: unknown) =>
  okta(t.http[method](path(p)))
    .set('Content-Type', 'application/scim+json; charset=utf-8')
    .send(JSON.stringify(body));

const scimJson = assertScimJson;

/** Okta: "The itemsPerPage, startIndex, and totalResults values need to be exchanged as integers, not as strings." */
function listOf(res: supertest.Response): void {
  scimJson(res, 200);
  assert.ok(res.body.schemas.includes(listSchema));
  for (const key of ['totalResults', 'itemsPerPage', 'startIndex']) {
    assert.ok(Number.isInteger(res.body[key]), `${key} is ${JSON.stringify(res.body[key])}`);
  }
  assert.ok(Array.isArray(res.body.Resources));
}

function orgUser(scimId: string) {
  return t.database.db
    .selectFrom('users')
    .selectAll()
    .where('org_id', '=', org.id)
    .where('id', '=', (eb) => eb.selectFrom('scim_users').select('user_id').where('id', '=', scimId))
    .executeTakeFirstOrThrow();
}

const memberIds = (groupId: string) => groupMemberIds((p) => get(p), groupId);

const createBody = {
  schemas: [userSchema],
  userName: 'test.user@okta.local',
  name: { givenName: 'Test', familyName: 'User' },
  emails: [{ primary: true, value: 'test.user@okta.local', type: 'work' }],
  displayName: 'Test User',
  locale: 'en-US',
  externalId: '00ujl29u0le5T6Aj10h7',
  groups: [],
  password: '1mz050nq',
  active: true,
};

describe('Okta provisioning, as the Okta documentation shows it', () => {
  before(async () => {
    t = await testApp();
    org = await makeOrg(t, 'Atko');
    dir = await makeDirectory(t, org.id, 'okta');
  });

  it('Test API Credentials: GET /Users?startIndex=1&count=2 is a ListResponse with integer counters', async () => {
    const res = await get('/Users?startIndex=1&count=2');
    listOf(res);
    assert.deepEqual([res.body.totalResults, res.body.startIndex, res.body.Resources.length], [0, 1, 0]);
    listOf(await get(`/Users?filter=userName eq "${crypto.randomUUID()}@okta.local"&startIndex=1&count=2`));
  });

  it('Determine if the User already exists: the filter query answers exactly the documented empty list', async () => {
    const res = await get(
      '/Users?filter=userName%20eq%20%22test.user%40okta.local%22&startIndex=1&count=100',
    );
    scimJson(res, 200);
    assert.deepEqual(res.body, {
      schemas: [listSchema],
      totalResults: 0,
      itemsPerPage: 0,
      startIndex: 1,
      Resources: [],
    });
  });

  it('Create the User: 201 with the created user, without the password', async () => {
    const res = await write('post', '/Users', createBody);
    scimJson(res, 201);
    ids.user = res.body.id;
    assert.equal(res.headers.location, `${dir.scimBaseUrl}/Users/${ids.user}`);
    assert.ok(res.body.schemas.includes(userSchema));
    assert.equal(typeof res.body.id, 'string');
    assert.ok(res.body.id.length > 0);
    for (const key of [
      'userName',
      'name',
      'emails',
      'displayName',
      'locale',
      'externalId',
      'active',
    ] as const) {
      assert.deepEqual(res.body[key], createBody[key], key);
    }
    assert.equal(res.body.password, undefined);
    assert.equal(res.body.meta.resourceType, 'User');
    const person = await orgUser(ids.user);
    assert.deepEqual(
      [person.email, person.given_name, person.family_name, person.display_name, person.status],
      ['test.user@okta.local', 'Test', 'User', 'Test User', 'active'],
    );
  });

  it('SPEC test: Expect failure when recreating user with same values (409 in the error schema)', async () => {
    // "If the User object that Okta tries to create already exists in the Service Provider
    // application, then the Service Provider needs to respond with an error schema to stop the
    // provisioning job."
    const res = await write('post', '/Users', createBody);
    assertScimError(res, 409, 'uniqueness');
    assert.deepEqual(res.body.schemas, [errorSchema]);
  });

  it('SPEC test: Username Case Sensitivity Check answers 200 (and finds the user)', async () => {
    const res = await get(`/Users?filter=${encodeURIComponent('userName eq "TEST.USER@OKTA.LOCAL"')}`);
    listOf(res);
    assert.equal(res.body.totalResults, 1);
    assert.equal(res.body.Resources[0].id, ids.user);
  });

  it('SPEC test: Test Users endpoint, GET /Users?count=1&startIndex=1', async () => {
    const res = await get('/Users?count=1&startIndex=1');
    listOf(res);
    assert.equal(res.body.Resources.length, 1);
    const [user] = res.body.Resources;
    assert.ok(user.id);
    assert.ok(user.name.familyName);
    assert.ok(user.name.givenName);
    assert.ok(user.userName);
    assert.equal(user.active, true);
    assert.ok(user.emails[0].value);
  });

  it('SPEC test: Get Users/{{id}}, and Test invalid User by ID (404, detail, error schema)', async () => {
    const res = await get(`/Users/${ids.user}`);
    scimJson(res, 200);
    assert.equal(res.body.id, ids.user);
    assert.equal(res.body.userName, 'test.user@okta.local');
    assert.equal(res.body.name.familyName, 'User');
    assert.equal(res.body.name.givenName, 'Test');
    assert.equal(res.body.emails[0].value, 'test.user@okta.local');
    const missing = await get('/Users/010101001010101011001010101011');
    assertScimError(missing, 404);
    assert.ok(missing.body.detail.length > 0);
    assert.ok(missing.body.schemas.includes(errorSchema));
  });

  it('Retrieve Users: GET /Users?startIndex=1&count=100, then the next page at startIndex=101', async () => {
    const second = await write('post', '/Users', {
      ...createBody,
      userName: 'test.user2@okta.local',
      emails: [{ primary: true, value: 'test.user2@okta.local', type: 'work' }],
      externalId: '00ujl29u0le5T6Aj10h8',
      displayName: 'Test User2',
    });
    scimJson(second, 201);
    ids.other = second.body.id;
    const first = await get('/Users?startIndex=1&count=100');
    listOf(first);
    assert.deepEqual([first.body.totalResults, first.body.itemsPerPage, first.body.startIndex], [2, 2, 1]);
    const again = await get('/Users?startIndex=1&count=100');
    assert.deepEqual(
      again.body.Resources.map((u: { id: string }) => u.id),
      first.body.Resources.map((u: { id: string }) => u.id),
    );
    const past = await get('/Users?startIndex=101&count=100');
    listOf(past);
    assert.deepEqual([past.body.totalResults, past.body.itemsPerPage, past.body.Resources.length], [2, 0, 0]);
  });

  it('Update a specific User (PUT): Okta reads the user, then PUTs it whole with its changes', async () => {
    scimJson(await get(`/Users/${ids.user}`), 200);
    const res = await write('put', `/Users/${ids.user}`, {
      schemas: [userSchema],
      id: ids.user,
      userName: 'test.user@okta.local',
      name: { givenName: 'Another', middleName: 'Excited', familyName: 'User' },
      emails: [
        { primary: true, value: 'test.user@okta.local', type: 'work', display: 'test.user@okta.local' },
      ],
      active: true,
      groups: [],
      meta: { resourceType: 'User' },
    });
    scimJson(res, 200);
    assert.equal(res.body.id, ids.user);
    assert.deepEqual(res.body.name, { givenName: 'Another', middleName: 'Excited', familyName: 'User' });
    assert.deepEqual(res.body.emails, [
      { primary: true, value: 'test.user@okta.local', type: 'work', display: 'test.user@okta.local' },
    ]);
    assert.equal(res.body.active, true);
    // A PUT replaces: what it leaves out is gone.
    assert.equal(res.body.displayName, undefined);
    assert.equal(res.body.locale, undefined);
    const person = await orgUser(ids.user);
    assert.deepEqual([person.given_name, person.family_name], ['Another', 'User']);
  });

  it('Deactivate (PATCH replace {"active": false}): 200 with the updated user; the org user is suspended', async () => {
    const res = await write('patch', `/Users/${ids.user}`, {
      schemas: [patchSchema],
      Operations: [{ op: 'replace', value: { active: false } }],
    });
    scimJson(res, 200);
    assert.equal(res.body.active, false);
    assert.equal(res.body.userName, 'test.user@okta.local');
    assert.equal(res.body.name.givenName, 'Another');
    assert.equal((await orgUser(ids.user)).status, 'suspended');
    const back = await write('patch', `/Users/${ids.user}`, {
      schemas: [patchSchema],
      Operations: [{ op: 'replace', value: { active: true } }],
    });
    scimJson(back, 200);
    assert.equal((await orgUser(ids.user)).status, 'active');
  });

  it('custom (AIW) integrations deactivate and reactivate with a PUT of the whole user', async () => {
    const user = (await get(`/Users/${ids.other}`)).body;
    const off = await write('put', `/Users/${ids.other}`, { ...user, active: false });
    scimJson(off, 200);
    assert.equal(off.body.active, false);
    assert.equal((await orgUser(ids.other)).status, 'suspended');
    const on = await write('put', `/Users/${ids.other}`, { ...user, active: true });
    scimJson(on, 200);
    assert.equal((await orgUser(ids.other)).status, 'active');
  });

  it('Create Groups (Push Groups): 201 with the group as a GET would return it', async () => {
    const res = await write('post', '/Groups', {
      schemas: [groupSchema],
      displayName: 'Test SCIMv2',
      members: [],
    });
    scimJson(res, 201);
    ids.group = res.body.id;
    assert.equal(res.headers.location, `${dir.scimBaseUrl}/Groups/${ids.group}`);
    assert.deepEqual(res.body.schemas, [groupSchema]);
    assert.equal(res.body.displayName, 'Test SCIMv2');
    assert.deepEqual(res.body.members, []);
    assert.equal(res.body.meta.resourceType, 'Group');
    const read = await get(`/Groups/${ids.group}`);
    scimJson(read, 200);
    assert.deepEqual({ ...read.body, meta: undefined }, { ...res.body, meta: undefined });
  });

  it('Group linking by name: GET /Groups?filter=displayName eq "{groupName}" finds the pushed group, and a second push is 409', async () => {
    // "Okta will check if the group already exists on the Service Provider side by making a request
    // to the SCIM server": a match is linked instead of created.
    const res = await get(`/Groups?filter=${encodeURIComponent('displayName eq "Test SCIMv2"')}`);
    listOf(res);
    assert.equal(res.body.totalResults, 1);
    assert.equal(res.body.Resources[0].id, ids.group);
    assert.equal(res.body.Resources[0].displayName, 'Test SCIMv2');
    const unknown = await get(`/Groups?filter=${encodeURIComponent('displayName eq "Not Pushed Yet"')}`);
    listOf(unknown);
    assert.equal(unknown.body.totalResults, 0);
    assertScimError(
      await write('post', '/Groups', { schemas: [groupSchema], displayName: 'Test SCIMv2', members: [] }),
      409,
      'uniqueness',
    );
  });

  it('Retrieve Groups: GET /Groups?startIndex=1&count=100 and GET /Groups/{id}', async () => {
    const list = await get('/Groups?startIndex=1&count=100');
    listOf(list);
    assert.deepEqual(
      list.body.Resources.map((g: { id: string }) => g.id),
      [ids.group],
    );
    const one = await get(`/Groups/${ids.group}`);
    scimJson(one, 200);
    assert.equal(one.body.displayName, 'Test SCIMv2');
  });

  it('Update a specific Group name: PATCH replace {id, displayName} answers 204', async () => {
    const res = await write('patch', `/Groups/${ids.group}`, {
      schemas: [patchSchema],
      Operations: [{ op: 'replace', value: { id: ids.group, displayName: 'Test SCIMv20' } }],
    });
    // "The SCIM server response to PATCH method requests can also be a HTTP 204 response, with no body returned."
    assert.equal(res.status, 204, JSON.stringify(res.body));
    assert.equal((await get(`/Groups/${ids.group}`)).body.displayName, 'Test SCIMv20');
  });

  it('Update specific Group membership: remove by members[value eq "…"] and add with display, one PATCH', async () => {
    const seed = await write('patch', `/Groups/${ids.group}`, {
      schemas: [patchSchema],
      Operations: [
        { op: 'add', path: 'members', value: [{ value: ids.other, display: 'test.user2@okta.local' }] },
      ],
    });
    assert.equal(seed.status, 204, JSON.stringify(seed.body));
    const res = await write('patch', `/Groups/${ids.group}`, {
      schemas: [patchSchema],
      Operations: [
        { op: 'remove', path: `members[value eq "${ids.other}"]` },
        { op: 'add', path: 'members', value: [{ value: ids.user, display: 'test.user@okta.local' }] },
      ],
    });
    assert.equal(res.status, 204, JSON.stringify(res.body));
    assert.deepEqual(await memberIds(ids.group), [ids.user]);
  });

  it('a membership push naming a user not assigned to the app: 400 invalidValue, the members unchanged', async () => {
    const before = await memberIds(ids.group);
    const replace = await write('patch', `/Groups/${ids.group}`, {
      schemas: [patchSchema],
      Operations: [
        { op: 'replace', path: 'members', value: [{ value: ids.other }, { value: crypto.randomUUID() }] },
      ],
    });
    assertScimError(replace, 400, 'invalidValue');
    assert.deepEqual(await memberIds(ids.group), before);
    // A removal of someone who is no member (a user deleted since) stays a no-op.
    const remove = await write('patch', `/Groups/${ids.group}`, {
      schemas: [patchSchema],
      Operations: [{ op: 'remove', path: `members[value eq "${crypto.randomUUID()}"]` }],
    });
    assert.equal(remove.status, 204, JSON.stringify(remove.body));
    assert.deepEqual(await memberIds(ids.group), before);
  });

  it('a full push of the membership: PATCH replace members with the whole list', async () => {
    const res = await write('patch', `/Groups/${ids.group}`, {
      schemas: [patchSchema],
      Operations: [
        {
          op: 'replace',
          path: 'members',
          value: [
            { value: ids.user, display: 'test.user@okta.local' },
            { value: ids.other, display: 'test.user@okta.local' },
          ],
        },
      ],
    });
    assert.equal(res.status, 204, JSON.stringify(res.body));
    assert.deepEqual(await memberIds(ids.group), [ids.user, ids.other].sort());
    const read = await get(`/Groups/${ids.group}`);
    const member = read.body.members.find((m: { value: string }) => m.value === ids.other);
    assert.equal(member.display, 'Test User2');
  });

  it('custom (AIW) integrations rename and change members with a PUT of the group', async () => {
    const res = await write('put', `/Groups/${ids.group}`, {
      schemas: [groupSchema],
      id: ids.group,
      displayName: 'Test SCIMv21',
      members: [{ value: ids.other, display: 'test.user2@okta.local' }],
    });
    scimJson(res, 200);
    assert.equal(res.body.displayName, 'Test SCIMv21');
    assert.deepEqual(await memberIds(ids.group), [ids.other]);
  });

  it('Delete a specific Group (Unlink pushed group, delete in the app): 204, then 404', async () => {
    const res = await del(`/Groups/${ids.group}`);
    assert.equal(res.status, 204);
    assertScimError(await get(`/Groups/${ids.group}`), 404);
  });

  it('Okta sends no DELETE /Users: a deprovisioned user is deactivated, and stays readable and findable', async () => {
    const res = await write('patch', `/Users/${ids.user}`, {
      schemas: [patchSchema],
      Operations: [{ op: 'replace', value: { active: false } }],
    });
    scimJson(res, 200);
    assert.equal((await orgUser(ids.user)).status, 'suspended');
    const read = await get(`/Users/${ids.user}`);
    scimJson(read, 200);
    assert.equal(read.body.active, false);
    const found = await get(
      '/Users?filter=userName%20eq%20%22test.user%40okta.local%22&startIndex=1&count=100',
    );
    assert.equal(found.body.totalResults, 1);
    assert.equal(found.body.Resources[0].active, false);
  });

  it('SPEC test: Create Okta user with realistic values, sent as application/json, then Verify that user was created', async () => {
    const body = {
      schemas: [userSchema],
      userName: 'spec.realistic@okta.local',
      name: { givenName: 'Spec', familyName: 'Realistic' },
      emails: [{ primary: true, value: 'spec.realistic@okta.local', type: 'work' }],
      displayName: 'Spec Realistic',
      active: true,
    };
    const res = await t.http
      .post(path('/Users'))
      .set('Authorization', `Bearer ${dir.token}`)
      .set('Content-Type', 'application/json')
      .set('Accept', 'application/scim+json; charset=utf-8')
      .send(JSON.stringify(body));
    scimJson(res, 201);
    assert.equal(res.body.active, true);
    assert.ok(res.body.id);
    assert.equal(res.body.name.familyName, 'Realistic');
    assert.equal(res.body.name.givenName, 'Spec');
    assert.ok(res.body.schemas.includes(userSchema));
    assert.equal(res.body.userName, 'spec.realistic@okta.local');
    const read = await get(`/Users/${res.body.id}`);
    scimJson(read, 200);
    assert.deepEqual(
      [read.body.userName, read.body.name.familyName, read.body.name.givenName],
      ['spec.realistic@okta.local', 'Realistic', 'Spec'],
    );
    const again = await t.http
      .post(path('/Users'))
      .set('Authorization', `Bearer ${dir.token}`)
      .set('Content-Type', 'application/json')
      .send(JSON.stringify(body));
    assertScimError(again, 409, 'uniqueness');
  });

  it('SPEC test: Verify Groups endpoint, a bare GET /Groups: 200 with Resources an array of totalResults', async () => {
    scimJson(await write('post', '/Groups', { schemas: [groupSchema], displayName: 'Spec Group' }), 201);
    const res = await get('/Groups');
    listOf(res);
    assert.ok(res.body.totalResults >= 1);
    assert.equal(res.body.Resources.length, res.body.totalResults);
  });

  it('SPEC test: Check status 401, an Authorization header that is no bearer token', async () => {
    const res = await get(`/Users?filter=${encodeURIComponent('userName eq "TEST.USER@OKTA.LOCAL"')}`).set(
      'Authorization',
      'non-token',
    );
    assertScimError(res, 401);
    assert.ok(res.body.detail.length > 0);
    assert.equal(res.body.status, '401');
    assert.ok(res.body.schemas.includes(errorSchema));
  });

  it('SPEC test: Check status 404, GET /Users/00919288221112222 (an id of another shape)', async () => {
    const res = await get('/Users/00919288221112222');
    assertScimError(res, 404);
    assert.ok(res.body.detail.length > 0);
    assert.equal(res.body.status, '404');
    assert.ok(res.body.schemas.includes(errorSchema));
  });
});
