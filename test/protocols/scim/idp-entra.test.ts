/**
 * Microsoft Entra ID, replayed as its documentation shows it: the requests and
 * bodies of "Tutorial: Develop and plan provisioning for a SCIM endpoint in
 * Microsoft Entra ID" (User Operations, Group Operations, the handling
 * examples) and of "Known issues and resolutions with SCIM 2.0 protocol
 * compliance" (what the provisioning service sends with and without the
 * aadOptscim062020 flag). One directory, one org; the steps run in order and
 * share what the earlier ones made.
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
  enterpriseSchema,
  groupMemberIds,
  groupSchema,
  listResponseSchema,
  makeDirectory,
  patchOp,
  patchSchema,
  type ScimClient,
  scimClient,
  userSchema,
} from '../../support/scim.ts';

const listSchema = listResponseSchema;
const managerPath = `${enterpriseSchema}:manager`;

let t: TestApp;
let org: OrgBody;
let dir: DirectoryBody;
let scim: ScimClient;
/** Ids Muster gave the resources the steps created. */
const ids = { user: '', joy: '', barbara: '', member: '', group: '' };

const scimJson = assertScimJson;

function emptyList(res: supertest.Response): void {
  scimJson(res, 200);
  assert.deepEqual(res.body.schemas, [listSchema]);
  assert.equal(res.body.totalResults, 0);
  assert.deepEqual(res.body.Resources, []);
  assert.equal(res.body.startIndex, 1);
  assert.equal(typeof res.body.itemsPerPage, 'number');
}

/** The org user behind a SCIM user, as an org admin sees it. */
function orgUser(scimId: string) {
  return t.database.db
    .selectFrom('users')
    .selectAll()
    .where('org_id', '=', org.id)
    .where('id', '=', (eb) => eb.selectFrom('scim_users').select('user_id').where('id', '=', scimId))
    .executeTakeFirstOrThrow();
}

const patch = patchOp;

const memberIds = (groupId: string) => groupMemberIds((p) => scim.get(p), groupId);

describe('Microsoft Entra ID provisioning, as the Entra documentation shows it', () => {
  before(async () => {
    t = await testApp();
    org = await makeOrg(t, 'Contoso');
    dir = await makeDirectory(t, org.id, 'entra');
    scim = scimClient(t, dir.id, dir.token);
  });

  it('Test Connection: a random GUID as userName, and as a group name, finds nothing with 200', async () => {
    // "Test Connection queries the SCIM endpoint for a user that doesn't exist, using a random GUID
    // as the matching property ... The expected correct response is HTTP 200 OK with an empty SCIM
    // ListResponse message."
    emptyList(await scim.get(`/Users?filter=userName eq "${crypto.randomUUID()}"`));
    emptyList(
      await scim.get(`/Groups?excludedAttributes=members&filter=displayName eq "${crypto.randomUUID()}"`),
    );
  });

  it('Discover schema: GET /Schemas is a ListResponse with User, Group and the enterprise User', async () => {
    const res = await scim.get('/Schemas');
    scimJson(res, 200);
    assert.deepEqual(res.body.schemas, [listSchema]);
    const schemaIds = res.body.Resources.map((s: { id: string }) => s.id).sort();
    assert.deepEqual(schemaIds, [enterpriseSchema, groupSchema, userSchema].sort());
    const core = res.body.Resources.find((s: { id: string }) => s.id === userSchema);
    const userName = core.attributes.find((a: { name: string }) => a.name === 'userName');
    // "Property values should be camel cased (for example, readWrite)."
    assert.equal(userName.mutability, 'readWrite');
    assert.equal(userName.uniqueness, 'server');
  });

  it('Get User by query - Zero results: by userName and by externalId before creating', async () => {
    emptyList(await scim.get('/Users?filter=userName eq "Test_User_00aa00aa-bb11-cc22-dd33-44ee44ee44ee"'));
    emptyList(await scim.get('/Users?filter=userName eq "non-existent user"'));
    // As the provisioning service puts it on the wire (query string encoded, + for spaces).
    emptyList(await scim.get('/Users?filter=externalId+eq+%220a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef%22'));
  });

  it('Example 1: "GET .../Users?filter=externalId eq jyoung" (the value unquoted, as the tutorial prints it)', async () => {
    // The tutorial's handling example writes the matching query with a bare value. RFC 7644
    // §3.4.2.2 quotes string values; an Entra directory reads this one as the string it can only
    // mean (the profile's unquotedFilterStrings), where other providers' directories refuse it.
    emptyList(await scim.get('/Users?filter=externalId eq jyoung'));
  });

  it('Create User: the tutorial body gives 201, Location, meta and the org user', async () => {
    const res = await scim.post('/Users', {
      schemas: [userSchema, enterpriseSchema],
      externalId: '0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef',
      userName: 'Test_User_00aa00aa-bb11-cc22-dd33-44ee44ee44ee',
      active: true,
      emails: [
        {
          primary: true,
          type: 'work',
          value: 'Test_User_11bb11bb-cc22-dd33-ee44-55ff55ff55ff@testuser.com',
        },
      ],
      meta: { resourceType: 'User' },
      name: { formatted: 'givenName familyName', familyName: 'familyName', givenName: 'givenName' },
      roles: [],
    });
    scimJson(res, 201);
    ids.user = res.body.id;
    assert.equal(res.headers.location, `${dir.scimBaseUrl}/Users/${ids.user}`);
    assert.ok(res.body.schemas.includes(userSchema));
    assert.equal(res.body.externalId, '0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef');
    assert.equal(res.body.userName, 'Test_User_00aa00aa-bb11-cc22-dd33-44ee44ee44ee');
    assert.equal(res.body.active, true);
    assert.deepEqual(res.body.name, {
      formatted: 'givenName familyName',
      familyName: 'familyName',
      givenName: 'givenName',
    });
    assert.deepEqual(res.body.emails, [
      { value: 'Test_User_11bb11bb-cc22-dd33-ee44-55ff55ff55ff@testuser.com', type: 'work', primary: true },
    ]);
    assert.equal(res.body.meta.resourceType, 'User');
    assert.equal(res.body.meta.location, res.headers.location);
    assert.equal(typeof res.body.meta.created, 'string');
    assert.equal(typeof res.body.meta.lastModified, 'string');
    const person = await orgUser(ids.user);
    assert.equal(person.email, 'Test_User_11bb11bb-cc22-dd33-ee44-55ff55ff55ff@testuser.com');
    assert.equal(person.given_name, 'givenName');
    assert.equal(person.family_name, 'familyName');
    assert.equal(person.status, 'active');
  });

  it('Example 2: a POST with null attributes and a misspelt extension URN in schemas', async () => {
    const res = await scim.post('/Users', {
      schemas: [userSchema, 'urn:ietf:params:scim:schemas:extension:enterprise:2.0User'],
      externalId: 'jyoung',
      userName: 'jyoung@testuser.com',
      active: true,
      addresses: null,
      displayName: 'Joy Young',
      emails: [{ type: 'work', value: 'jyoung@Contoso.com', primary: true }],
      meta: { resourceType: 'User' },
      name: { familyName: 'Young', givenName: 'Joy' },
      phoneNumbers: null,
      preferredLanguage: null,
      title: null,
      department: null,
      manager: null,
    });
    scimJson(res, 201);
    ids.joy = res.body.id;
    assert.equal(res.body.displayName, 'Joy Young');
    assert.equal(res.body.addresses, undefined);
    assert.equal(res.body.title, undefined);
    const person = await orgUser(ids.joy);
    assert.equal(person.email.toLowerCase(), 'jyoung@contoso.com');
    assert.equal(person.display_name, 'Joy Young');
    emptyList(await scim.get('/Users?filter=externalId eq "JYOUNG"'));
    const found = await scim.get('/Users?filter=externalId eq "jyoung"');
    assert.equal(found.body.totalResults, 1);
  });

  it('the schema example: enterprise department and a bare-id manager are kept; id and meta are the server’s', async () => {
    // The tutorial's example payload, with department mapped under the enterprise extension as
    // its attribute table lists (department -> urn:...:enterprise:2.0:User:department).
    const res = await scim.post('/Users', {
      schemas: [
        userSchema,
        enterpriseSchema,
        'urn:ietf:params:scim:schemas:extension:CustomExtensionName:2.0:User',
      ],
      userName: 'bjensen@testuser.com',
      id: '48af03ac28ad4fb88478',
      externalId: 'bjensen',
      name: { familyName: 'Jensen', givenName: 'Barbara' },
      [enterpriseSchema]: { manager: '123456', department: 'Tour Operations' },
      'urn:ietf:params:scim:schemas:extension:CustomExtensionName:2.0:User': { tag: '701984' },
      meta: {
        resourceType: 'User',
        created: '2010-01-23T04:56:22Z',
        lastModified: '2011-05-13T04:42:34Z',
        version: 'W\\/"3694e05e9dff591"',
        location: 'https://example.com/v2/Users/00aa00aa-bb11-cc22-dd33-44ee44ee44ee',
      },
    });
    scimJson(res, 201);
    ids.barbara = res.body.id;
    assert.notEqual(ids.barbara, '48af03ac28ad4fb88478');
    assert.deepEqual(res.body.schemas, [userSchema, enterpriseSchema]);
    assert.deepEqual(res.body[enterpriseSchema], {
      manager: { value: '123456' },
      department: 'Tour Operations',
    });
    assert.equal(res.body.meta.location, `${dir.scimBaseUrl}/Users/${ids.barbara}`);
    assert.notEqual(res.body.meta.created, '2010-01-23T04:56:22Z');
    // Muster keeps the core and enterprise schemas only; attributes of other extensions are dropped.
    assert.equal(res.body['urn:ietf:params:scim:schemas:extension:CustomExtensionName:2.0:User'], undefined);
    // No email: the org user is reached at the userName.
    assert.equal((await orgUser(ids.barbara)).email, 'bjensen@testuser.com');
  });

  it('Get User: GET /Users/{id} returns it; an unknown id is 404 in the error schema', async () => {
    const res = await scim.get(`/Users/${ids.user}`);
    scimJson(res, 200);
    assert.equal(res.body.id, ids.user);
    assert.equal(res.body.externalId, '0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef');
    assert.equal(res.body.emails[0].primary, true);
    assert.equal(res.headers.etag, res.body.meta.version);
    const missing = await scim.get('/Users/5171a35d82074e068ce2');
    assertScimError(missing, 404);
    assert.deepEqual(missing.body.schemas, ['urn:ietf:params:scim:api:messages:2.0:Error']);
    assert.equal(missing.body.status, '404');
  });

  it('Get User by query: userName eq finds the user in a ListResponse', async () => {
    const res = await scim.get('/Users?filter=userName eq "Test_User_00aa00aa-bb11-cc22-dd33-44ee44ee44ee"');
    scimJson(res, 200);
    assert.deepEqual(res.body.schemas, [listSchema]);
    assert.equal(res.body.totalResults, 1);
    assert.equal(res.body.startIndex, 1);
    assert.equal(res.body.Resources[0].id, ids.user);
    assert.equal(res.body.Resources[0].userName, 'Test_User_00aa00aa-bb11-cc22-dd33-44ee44ee44ee');
  });

  it('/Users: "emails[type eq "work"].value eq ..." is usable as a filter when email is a matching attribute', async () => {
    // "Any attributes that are considered for user uniqueness must be usable as part of a filtered
    // query. (for example, if user uniqueness is evaluated for both userName and emails[type eq
    // "work"], a GET to /Users with a filter must allow for both userName eq "user@contoso.com" and
    // emails[type eq "work"].value eq "user@contoso.com" queries."
    const res = await scim.get(
      `/Users?filter=${encodeURIComponent('emails[type eq "work"].value eq "Test_User_11bb11bb-cc22-dd33-ee44-55ff55ff55ff@testuser.com"')}`,
    );
    scimJson(res, 200);
    assert.equal(res.body.totalResults, 1);
    assert.equal(res.body.Resources[0].id, ids.user);
  });

  it('Update User [Multi-valued properties]: Replace emails[type eq "work"].value and name.familyName', async () => {
    const res = await scim.patch(
      `/Users/${ids.user}`,
      patch(
        { op: 'Replace', path: 'emails[type eq "work"].value', value: 'updatedEmail@microsoft.com' },
        { op: 'Replace', path: 'name.familyName', value: 'updatedFamilyName' },
      ),
    );
    scimJson(res, 200);
    assert.deepEqual(res.body.emails, [{ value: 'updatedEmail@microsoft.com', type: 'work', primary: true }]);
    assert.equal(res.body.name.familyName, 'updatedFamilyName');
    assert.equal(res.body.name.givenName, 'givenName');
    const person = await orgUser(ids.user);
    assert.equal(person.email, 'updatedEmail@microsoft.com');
    assert.equal(person.family_name, 'updatedFamilyName');
  });

  it('a work email for a user created without one: "Add" creates it; "Replace" with nothing to match is noTarget', async () => {
    const created = await scim.post('/Users', {
      schemas: [userSchema],
      userName: 'no.mail.yet@testuser.com',
      active: true,
      name: { givenName: 'No', familyName: 'Mail' },
    });
    scimJson(created, 201);
    const id = created.body.id;
    // Deliberate: RFC 7644 §3.5.2.3 makes a valuePath replace that matches nothing 400 noTarget; some servers create the value for Entra instead (docs/idp/entra.md).
    assertScimError(
      await scim.patch(
        `/Users/${id}`,
        patch({ op: 'Replace', path: 'emails[type eq "work"].value', value: 'late@testuser.com' }),
      ),
      400,
      'noTarget',
    );
    assert.equal((await scim.get(`/Users/${id}`)).body.emails, undefined);
    const added = await scim.patch(
      `/Users/${id}`,
      patch({ op: 'Add', path: 'emails[type eq "work"].value', value: 'late@testuser.com' }),
    );
    scimJson(added, 200);
    assert.deepEqual(
      added.body.emails.map((e: { type: string; value: string }) => [e.type, e.value]),
      [['work', 'late@testuser.com']],
    );
    const replaced = await scim.patch(
      `/Users/${id}`,
      patch({ op: 'Replace', path: 'emails[type eq "work"].value', value: 'later@testuser.com' }),
    );
    scimJson(replaced, 200);
    assert.equal(replaced.body.emails[0].value, 'later@testuser.com');
    assert.equal((await scim.delete(`/Users/${id}`)).status, 204);
  });

  it('Update User [Single-valued properties]: Replace userName', async () => {
    const res = await scim.patch(
      `/Users/${ids.user}`,
      patch({ op: 'Replace', path: 'userName', value: '5b50642d-79fc-4410-9e90-4c077cdd1a59@testuser.com' }),
    );
    scimJson(res, 200);
    assert.equal(res.body.userName, '5b50642d-79fc-4410-9e90-4c077cdd1a59@testuser.com');
    assert.equal(res.body.emails[0].value, 'updatedEmail@microsoft.com');
  });

  it('replaces several attributes as Entra sends them without the aadOptscim062020 flag', async () => {
    const res = await scim.patch(
      `/Users/${ids.user}`,
      patch(
        { op: 'Replace', path: 'displayName', value: 'Pvlo' },
        { op: 'Replace', path: 'emails[type eq "work"].value', value: 'TestBcwqnm@test.microsoft.com' },
        { op: 'Replace', path: 'name.givenName', value: 'Gtfd' },
        { op: 'Replace', path: 'name.familyName', value: 'Pkqf' },
        { op: 'Replace', path: 'externalId', value: 'Eqpj' },
        { op: 'Replace', path: `${enterpriseSchema}:employeeNumber`, value: 'Eqpj' },
      ),
    );
    scimJson(res, 200);
    assert.equal(res.body.displayName, 'Pvlo');
    assert.equal(res.body.emails[0].value, 'TestBcwqnm@test.microsoft.com');
    assert.equal(res.body.name.givenName, 'Gtfd');
    assert.equal(res.body.name.familyName, 'Pkqf');
    assert.equal(res.body.externalId, 'Eqpj');
    assert.equal(res.body[enterpriseSchema].employeeNumber, 'Eqpj');
    assert.ok(res.body.schemas.includes(enterpriseSchema));
  });

  it('replaces several attributes as Entra sends them with the flag: path-less, dotted and URN keys', async () => {
    const res = await scim.patch(
      `/Users/${ids.user}`,
      patch(
        { op: 'replace', path: 'emails[type eq "work"].value', value: 'TestMhvaes@test.microsoft.com' },
        {
          op: 'replace',
          value: {
            displayName: 'Bjfe',
            'name.givenName': 'Kkom',
            'name.familyName': 'Unua',
            [`${enterpriseSchema}:employeeNumber`]: 'Aklq',
          },
        },
      ),
    );
    scimJson(res, 200);
    assert.equal(res.body.displayName, 'Bjfe');
    assert.deepEqual(
      [res.body.name.givenName, res.body.name.familyName, res.body.name.formatted],
      ['Kkom', 'Unua', 'givenName familyName'],
    );
    assert.equal(res.body[enterpriseSchema].employeeNumber, 'Aklq');
    const person = await orgUser(ids.user);
    assert.deepEqual(
      [person.email, person.given_name, person.family_name, person.display_name],
      ['TestMhvaes@test.microsoft.com', 'Kkom', 'Unua', 'Bjfe'],
    );
  });

  it('adds a single-valued string attribute: "Add" nickName without the flag, "add" with it', async () => {
    const first = await scim.patch(
      `/Users/${ids.user}`,
      patch({ op: 'Add', path: 'nickName', value: 'Babs' }),
    );
    scimJson(first, 200);
    assert.equal(first.body.nickName, 'Babs');
    const second = await scim.patch(
      `/Users/${ids.user}`,
      patch({ op: 'add', path: 'nickName', value: 'Bee' }),
    );
    scimJson(second, 200);
    assert.equal(second.body.nickName, 'Bee');
  });

  it('sets the manager by its URN path as a bare id and as {value}, and removes it', async () => {
    const bare = await scim.patch(
      `/Users/${ids.user}`,
      patch({ op: 'Add', path: managerPath, value: ids.joy }),
    );
    scimJson(bare, 200);
    assert.deepEqual(bare.body[enterpriseSchema].manager, { value: ids.joy });
    const object = await scim.patch(
      `/Users/${ids.user}`,
      patch({ op: 'Replace', path: managerPath, value: { value: ids.barbara } }),
    );
    scimJson(object, 200);
    assert.deepEqual(object.body[enterpriseSchema].manager, { value: ids.barbara });
    const pathless = await scim.patch(
      `/Users/${ids.user}`,
      patch({
        op: 'replace',
        value: { [managerPath]: ids.joy, [`${enterpriseSchema}:department`]: 'Sales' },
      }),
    );
    scimJson(pathless, 200);
    assert.deepEqual(pathless.body[enterpriseSchema].manager, { value: ids.joy });
    assert.equal(pathless.body[enterpriseSchema].department, 'Sales');
    const removed = await scim.patch(`/Users/${ids.user}`, patch({ op: 'Remove', path: managerPath }));
    scimJson(removed, 200);
    assert.equal(removed.body[enterpriseSchema].manager, undefined);
    assert.equal(removed.body[enterpriseSchema].department, 'Sales');
  });

  it('Example 5: "Add" path "manager" with a [{$ref, value}] list, as the tutorial shows it', async () => {
    // The tutorial's request to update a user names the manager without the extension URN and
    // sends it as a one-element list of {$ref, value}.
    const res = await scim.patch(
      `/Users/${ids.barbara}`,
      patch({
        op: 'Add',
        path: 'manager',
        value: [{ $ref: `${dir.scimBaseUrl}/Users/${ids.joy}`, value: ids.joy }],
      }),
    );
    scimJson(res, 200);
    assert.equal(res.body[enterpriseSchema].manager.value, ids.joy);
  });

  it('Disable User: Replace active "False" (no flag) and false (flag, tutorial); the user is still returned', async () => {
    const noFlag = await scim.patch(
      `/Users/${ids.user}`,
      patch({ op: 'Replace', path: 'active', value: 'False' }),
    );
    scimJson(noFlag, 200);
    assert.equal(noFlag.body.active, false);
    assert.equal((await orgUser(ids.user)).status, 'suspended');
    // "Soft-deleting a user active=false and restoring the user active=true ... The user object
    // should be returned in a request whether or not the user is active."
    const read = await scim.get(`/Users/${ids.user}`);
    scimJson(read, 200);
    assert.equal(read.body.active, false);
    const found = await scim.get(
      '/Users?filter=userName eq "5b50642d-79fc-4410-9e90-4c077cdd1a59@testuser.com"',
    );
    assert.equal(found.body.totalResults, 1);
    const restored = await scim.patch(
      `/Users/${ids.user}`,
      patch({ op: 'Replace', path: 'active', value: 'True' }),
    );
    scimJson(restored, 200);
    assert.equal((await orgUser(ids.user)).status, 'active');
    // The tutorial's Disable User body, Operations before schemas.
    const tutorial = await scim.patch(`/Users/${ids.user}`, {
      Operations: [{ op: 'Replace', path: 'active', value: false }],
      schemas: [patchSchema],
    });
    scimJson(tutorial, 200);
    assert.equal(tutorial.body.active, false);
    assert.equal((await orgUser(ids.user)).status, 'suspended');
    const flagged = await scim.patch(
      `/Users/${ids.user}`,
      patch({ op: 'replace', path: 'active', value: true }),
    );
    scimJson(flagged, 200);
    assert.equal((await orgUser(ids.user)).status, 'active');
  });

  it('SCIM Validator, Create a duplicate User: 409 uniqueness in the error schema, nothing created', async () => {
    const before = (await scim.get('/Users?count=0')).body.totalResults;
    const res = await scim.post('/Users', {
      schemas: [userSchema],
      userName: '5B50642D-79FC-4410-9E90-4C077CDD1A59@TESTUSER.COM',
      active: true,
      emails: [{ type: 'work', value: 'duplicate@testuser.com' }],
      name: { givenName: 'Dup', familyName: 'Licate' },
    });
    assertScimError(res, 409, 'uniqueness');
    assert.equal((await scim.get('/Users?count=0')).body.totalResults, before);
  });

  it('SCIM Validator, Disable User: a GET by userName filter afterwards shows active false', async () => {
    // The validator checks the disabled user through "GET /Users?filter=userName eq …", not the
    // PATCH answer: "Response from a GET and filter request on a disabled User should have attribute active".
    scimJson(
      await scim.patch(`/Users/${ids.user}`, patch({ op: 'replace', path: 'active', value: false })),
      200,
    );
    const found = await scim.get(
      '/Users?filter=userName+eq+%225b50642d-79fc-4410-9e90-4c077cdd1a59%40testuser.com%22',
    );
    scimJson(found, 200);
    assert.equal(found.body.totalResults, 1);
    assert.equal(found.body.Resources[0].id, ids.user);
    assert.equal(found.body.Resources[0].active, false);
    scimJson(
      await scim.patch(`/Users/${ids.user}`, patch({ op: 'replace', path: 'active', value: true })),
      200,
    );
  });

  it('Create Group: empty, with the ADSCIM schema URN beside the core one; 201 with members []', async () => {
    const res = await scim.post('/Groups', {
      schemas: [groupSchema, 'http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group'],
      externalId: '8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159',
      displayName: 'displayName',
      meta: { resourceType: 'Group' },
    });
    scimJson(res, 201);
    ids.group = res.body.id;
    assert.equal(res.headers.location, `${dir.scimBaseUrl}/Groups/${ids.group}`);
    assert.deepEqual(res.body.schemas, [groupSchema]);
    assert.equal(res.body.externalId, '8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159');
    assert.equal(res.body.displayName, 'displayName');
    assert.deepEqual(res.body.members, []);
    assert.equal(res.body.meta.resourceType, 'Group');
  });

  it('Get Group: GET /Groups/{id}?excludedAttributes=members leaves members out', async () => {
    const res = await scim.get(`/Groups/${ids.group}?excludedAttributes=members`);
    scimJson(res, 200);
    assert.equal(res.body.id, ids.group);
    assert.equal(res.body.displayName, 'displayName');
    assert.equal(res.body.externalId, '8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159');
    assert.equal('members' in res.body, false);
  });

  it('Get Group by displayName: excludedAttributes=members&filter=displayName eq "displayName"', async () => {
    const res = await scim.get('/Groups?excludedAttributes=members&filter=displayName eq "displayName"');
    scimJson(res, 200);
    assert.deepEqual(res.body.schemas, [listSchema]);
    assert.equal(res.body.totalResults, 1);
    assert.equal(res.body.Resources[0].id, ids.group);
    assert.equal('members' in res.body.Resources[0], false);
  });

  it('Get Group by externalId: the matching query Entra sends when groups match on externalId', async () => {
    // Groups are matched "using either displayName or externalId" before the first create.
    const res = await scim.get(
      '/Groups?excludedAttributes=members&filter=externalId+eq+%228aa1a0c0-c4c3-4bc0-b4a5-2ef676900159%22',
    );
    scimJson(res, 200);
    assert.deepEqual([res.body.totalResults, res.body.Resources[0].id], [1, ids.group]);
    assert.equal('members' in res.body.Resources[0], false);
    // externalId is caseExact (RFC 7643 §3.1): another case is another id.
    const other = await scim.get(
      '/Groups?excludedAttributes=members&filter=externalId eq "8AA1A0C0-C4C3-4BC0-B4A5-2EF676900159"',
    );
    assert.equal(other.body.totalResults, 0);
  });

  it('Update Group [Non-member attributes]: Replace displayName answers 204', async () => {
    const res = await scim.patch(
      `/Groups/${ids.group}`,
      patch({
        op: 'Replace',
        path: 'displayName',
        value: '1879db59-3bdf-4490-ad68-ab880a269474updatedDisplayName',
      }),
    );
    assert.equal(res.status, 204, JSON.stringify(res.body));
    const read = await scim.get(`/Groups/${ids.group}?excludedAttributes=members`);
    assert.equal(read.body.displayName, '1879db59-3bdf-4490-ad68-ab880a269474updatedDisplayName');
  });

  it('/Groups: a second group with the same displayName is refused (409 uniqueness)', async () => {
    // "Groups must have uniqueness on the 'displayName' value to match with Microsoft Entra ID and
    // the SCIM application. The uniqueness isn't a requirement of the SCIM protocol, but is a
    // requirement for integrating a SCIM endpoint with Microsoft Entra ID."
    const duplicate = await scim.post('/Groups', {
      schemas: [groupSchema],
      externalId: '60f1bb27-2e1e-402d-bcc4-ec999564a194',
      displayName: '1879db59-3bdf-4490-ad68-ab880a269474updatedDisplayName',
    });
    // Leave the directory as it was for the steps after this one, whatever the answer.
    if (duplicate.status === 201) await scim.delete(`/Groups/${duplicate.body.id}`);
    assertScimError(duplicate, 409, 'uniqueness');
  });

  it('Update Group [Add Members]: Add members [{"$ref": null, value}] answers 204', async () => {
    for (const value of [ids.user, ids.joy, ids.barbara]) {
      const res = await scim.patch(
        `/Groups/${ids.group}`,
        patch({ op: 'Add', path: 'members', value: [{ $ref: null, value }] }),
      );
      assert.equal(res.status, 204, JSON.stringify(res.body));
    }
    assert.deepEqual(await memberIds(ids.group), [ids.user, ids.joy, ids.barbara].sort());
  });

  it('Add Members naming a user not provisioned here: 400 invalidValue, and none of that PATCH is applied', async () => {
    // docs/idp/entra.md: "the member was not provisioned into this directory" is refused, never dropped.
    const before = await memberIds(ids.group);
    const notHere = crypto.randomUUID();
    const res = await scim.patch(
      `/Groups/${ids.group}`,
      patch(
        { op: 'Remove', path: 'members', value: [{ value: ids.joy }] },
        { op: 'Add', path: 'members', value: [{ $ref: null, value: notHere }] },
      ),
    );
    assertScimError(res, 400, 'invalidValue');
    assert.match(res.body.detail, new RegExp(`${notHere}.*not a user of this directory`));
    assert.deepEqual(await memberIds(ids.group), before);
  });

  it('Update Group [Remove Members]: a value list (no flag) and members[value eq "…"] (flag), 204 each', async () => {
    const list = await scim.patch(
      `/Groups/${ids.group}`,
      patch({ op: 'Remove', path: 'members', value: [{ $ref: null, value: ids.joy }] }),
    );
    assert.equal(list.status, 204, JSON.stringify(list.body));
    assert.deepEqual(await memberIds(ids.group), [ids.user, ids.barbara].sort());
    const filtered = await scim.patch(
      `/Groups/${ids.group}`,
      patch({ op: 'remove', path: `members[value eq "${ids.barbara}"]` }),
    );
    assert.equal(filtered.status, 204, JSON.stringify(filtered.body));
    assert.deepEqual(await memberIds(ids.group), [ids.user]);
  });

  it('Delete Group: 204, then 404; its members stay users', async () => {
    assert.equal((await scim.delete(`/Groups/${ids.group}`)).status, 204);
    assertScimError(await scim.get(`/Groups/${ids.group}`), 404);
    scimJson(await scim.get(`/Users/${ids.user}`), 200);
  });

  it('Delete User: 204, then 404; the org user is suspended', async () => {
    const res = await scim.delete(`/Users/${ids.user}`);
    assert.equal(res.status, 204);
    assertScimError(await scim.get(`/Users/${ids.user}`), 404);
    const person = await t.database.db
      .selectFrom('users')
      .selectAll()
      .where('org_id', '=', org.id)
      .where('email', '=', 'TestMhvaes@test.microsoft.com')
      .executeTakeFirstOrThrow();
    assert.equal(person.status, 'suspended');
  });

  it("the directory's request log shows each call, and why a refused one failed", async () => {
    let log: { method: string; path: string; status: number; scimType: string | null; summary: unknown }[] =
      [];
    for (let i = 0; i < 50; i += 1) {
      const res = await t.admin.get(`/api/v1/orgs/${org.id}/directories/${dir.id}/requests?limit=200`);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      log = res.body.data;
      if (log.some((e) => e.method === 'DELETE' && e.path.endsWith(`/Users/${ids.user}`))) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    const created = log.find((e) => e.method === 'POST' && e.status === 201 && e.path.endsWith('/Users'));
    assert.ok(created, JSON.stringify(log));
    assert.equal(created.path, `/scim/v2/${dir.id}/Users`);
    const missing = log.find((e) => e.status === 404);
    assert.ok(missing, JSON.stringify(log));
    assert.equal(typeof (missing.summary as { error: string }).error, 'string');
    assert.ok(!JSON.stringify(log).includes(dir.token));
  });
});
