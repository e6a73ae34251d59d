/**
 * JumpCloud, replayed as its documentation describes it: "Identity Management
 * using a Custom SCIM Integration" (the Test Connection that creates a test
 * user and a test group and deletes both; user provisioning, updates and
 * deactivation; group management: empty groups are not created, a group of
 * the same name is taken over, renames, deletion deactivating the members)
 * and the attribute tables of JumpCloud's SCIM connectors (username ->
 * userName, email -> emails, firstname -> name.givenName, lastname ->
 * name.familyName, group name -> displayName). JumpCloud's pages name the
 * attributes and the behaviour but print no request bodies, so the bodies
 * here are the RFC 7643/7644 forms of exactly those attributes, and both
 * update verbs (PUT and PATCH) are covered. One directory, one org; the
 * steps run in order and share what the earlier ones made.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
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
  type ScimClient,
  scimClient,
  userSchema,
} from '../../support/scim.ts';

const listSchema = listResponseSchema;

let t: TestApp;
let org: OrgBody;
let dir: DirectoryBody;
let scim: ScimClient;
const ids = { user: '', colleague: '', group: '' };

const scimJson = assertScimJson;

function orgUserByEmail(email: string) {
  return t.database.db
    .selectFrom('users')
    .selectAll()
    .where('org_id', '=', org.id)
    .where('email', '=', email)
    .executeTakeFirstOrThrow();
}

const patch = patchOp;

const memberIds = (groupId: string) => groupMemberIds((p) => scim.get(p), groupId);

/** A JumpCloud user as its connector maps it: username, email, first and last name, display name, and the enterprise fields. */
function jumpcloudUser(username: string, first: string, last: string, extra: Record<string, unknown> = {}) {
  return {
    schemas: [userSchema, enterpriseSchema],
    userName: username,
    name: { givenName: first, familyName: last },
    displayName: `${first} ${last}`,
    emails: [{ value: username, type: 'work', primary: true }],
    title: 'Engineer',
    active: true,
    [enterpriseSchema]: { employeeNumber: '1001', department: 'Engineering', organization: 'Acme' },
    ...extra,
  };
}

describe('JumpCloud provisioning, as the JumpCloud documentation describes it', () => {
  before(async () => {
    t = await testApp();
    org = await makeOrg(t, 'Acme');
    dir = await makeDirectory(t, org.id, 'jumpcloud');
    scim = scimClient(t, dir.id, dir.token);
  });

  it('Test Connection: a test user and a test group are created, then both are deleted', async () => {
    // "A test user and test group are created to test the integration. Both will be deleted if the
    // DELETE method is supported by the service provider."
    const user = await scim.post('/Users', jumpcloudUser('jc.test@acme.example', 'JumpCloud', 'Test'));
    scimJson(user, 201);
    const group = await scim.post('/Groups', {
      schemas: [groupSchema],
      displayName: 'JumpCloud Test Group',
      members: [{ value: user.body.id }],
    });
    scimJson(group, 201);
    assert.equal((await scim.delete(`/Groups/${group.body.id}`)).status, 204);
    assert.equal((await scim.delete(`/Users/${user.body.id}`)).status, 204);
    assertScimError(await scim.get(`/Groups/${group.body.id}`), 404);
    assertScimError(await scim.get(`/Users/${user.body.id}`), 404);
    // The test user leaves a suspended org user behind (the directory's default userDeletion).
    assert.equal((await orgUserByEmail('jc.test@acme.example')).status, 'suspended');
  });

  it('looks the user up by userName before creating it: an empty ListResponse', async () => {
    const res = await scim.get('/Users?filter=userName eq "ada@acme.example"');
    scimJson(res, 200);
    assert.deepEqual(res.body.schemas, [listSchema]);
    assert.equal(res.body.totalResults, 0);
    assert.deepEqual(res.body.Resources, []);
  });

  it('creates the user with its mapped attributes: 201, Location, and the org user', async () => {
    const res = await scim.post('/Users', jumpcloudUser('ada@acme.example', 'Ada', 'Lovelace'));
    scimJson(res, 201);
    ids.user = res.body.id;
    assert.equal(res.headers.location, `${dir.scimBaseUrl}/Users/${ids.user}`);
    assert.deepEqual(res.body.schemas, [userSchema, enterpriseSchema]);
    assert.equal(res.body.meta.resourceType, 'User');
    assert.equal(res.body.meta.location, res.headers.location);
    assert.deepEqual(res.body[enterpriseSchema], {
      employeeNumber: '1001',
      department: 'Engineering',
      organization: 'Acme',
    });
    const person = await orgUserByEmail('ada@acme.example');
    assert.deepEqual(
      [person.given_name, person.family_name, person.display_name, person.status],
      ['Ada', 'Lovelace', 'Ada Lovelace', 'active'],
    );
    const colleague = await scim.post('/Users', jumpcloudUser('grace@acme.example', 'Grace', 'Hopper'));
    scimJson(colleague, 201);
    ids.colleague = colleague.body.id;
  });

  it('reads the user back by id', async () => {
    const res = await scim.get(`/Users/${ids.user}`);
    scimJson(res, 200);
    assert.equal(res.body.id, ids.user);
    assert.equal(res.body.userName, 'ada@acme.example');
    assert.equal(res.body.active, true);
  });

  it('updates the user with a PUT of the whole user', async () => {
    const res = await scim.put(
      `/Users/${ids.user}`,
      jumpcloudUser('ada@acme.example', 'Ada', 'King', { title: 'Principal Engineer' }),
    );
    scimJson(res, 200);
    assert.equal(res.body.name.familyName, 'King');
    assert.equal(res.body.title, 'Principal Engineer');
    assert.equal((await orgUserByEmail('ada@acme.example')).family_name, 'King');
  });

  it('updates the user with PATCH replace operations', async () => {
    const res = await scim.patch(
      `/Users/${ids.user}`,
      patch(
        { op: 'replace', path: 'name.familyName', value: 'Lovelace' },
        { op: 'replace', path: 'displayName', value: 'Ada Lovelace' },
        { op: 'replace', path: `${enterpriseSchema}:department`, value: 'Research' },
      ),
    );
    scimJson(res, 200);
    assert.equal(res.body.name.familyName, 'Lovelace');
    assert.equal(res.body[enterpriseSchema].department, 'Research');
    assert.equal(res.body[enterpriseSchema].employeeNumber, '1001');
    const person = await orgUserByEmail('ada@acme.example');
    assert.deepEqual([person.family_name, person.display_name], ['Lovelace', 'Ada Lovelace']);
  });

  it('creates a group with its members (JumpCloud creates no empty groups)', async () => {
    const lookup = await scim.get('/Groups?filter=displayName eq "Engineering"');
    scimJson(lookup, 200);
    assert.equal(lookup.body.totalResults, 0);
    const res = await scim.post('/Groups', {
      schemas: [groupSchema],
      displayName: 'Engineering',
      members: [{ value: ids.user }],
    });
    scimJson(res, 201);
    ids.group = res.body.id;
    assert.equal(res.headers.location, `${dir.scimBaseUrl}/Groups/${ids.group}`);
    assert.equal(res.body.meta.resourceType, 'Group');
    assert.deepEqual(
      res.body.members.map((m: { value: string; display: string; type: string }) => [
        m.value,
        m.display,
        m.type,
      ]),
      [[ids.user, 'Ada Lovelace', 'User']],
    );
  });

  it('a group whose member was never provisioned is refused with 400 invalidValue, and not created', async () => {
    // docs/idp/jumpcloud.md: the member's own creation failed, so the group is refused until it exists.
    const res = await scim.post('/Groups', {
      schemas: [groupSchema],
      displayName: 'Half Provisioned',
      members: [{ value: ids.user }, { value: crypto.randomUUID() }],
    });
    assertScimError(res, 400, 'invalidValue');
    assert.match(res.body.detail, /not a user of this directory/);
    const lookup = await scim.get('/Groups?filter=displayName eq "Half Provisioned"');
    scimJson(lookup, 200);
    assert.equal(lookup.body.totalResults, 0);
  });

  it('finds an existing group by its name, as JumpCloud does before taking it over', async () => {
    // "JumpCloud takes over management of existing groups in the application when the user group
    // name in JumpCloud matches the name of the group in the application."
    const res = await scim.get('/Groups?filter=displayName eq "engineering"&excludedAttributes=members');
    scimJson(res, 200);
    assert.equal(res.body.totalResults, 1);
    assert.equal(res.body.Resources[0].id, ids.group);
    assert.equal(res.body.Resources[0].members, undefined);
  });

  it('adds a member as a value list, and a repeated add changes nothing', async () => {
    for (let i = 0; i < 2; i += 1) {
      const res = await scim.patch(
        `/Groups/${ids.group}`,
        patch({ op: 'add', path: 'members', value: [{ value: ids.colleague }] }),
      );
      assert.equal(res.status, 204, JSON.stringify(res.body));
    }
    assert.deepEqual(await memberIds(ids.group), [ids.user, ids.colleague].sort());
  });

  it('removes members as a value list and by a members[value eq "…"] filter', async () => {
    const list = await scim.patch(
      `/Groups/${ids.group}`,
      patch({ op: 'remove', path: 'members', value: [{ value: ids.colleague }] }),
    );
    assert.equal(list.status, 204, JSON.stringify(list.body));
    assert.deepEqual(await memberIds(ids.group), [ids.user]);
    await scim.patch(
      `/Groups/${ids.group}`,
      patch({ op: 'add', path: 'members', value: [{ value: ids.colleague }] }),
    );
    const filtered = await scim.patch(
      `/Groups/${ids.group}`,
      patch({ op: 'remove', path: `members[value eq "${ids.colleague}"]` }),
    );
    assert.equal(filtered.status, 204, JSON.stringify(filtered.body));
    assert.deepEqual(await memberIds(ids.group), [ids.user]);
  });

  it('renames the group (group renaming is supported)', async () => {
    const res = await scim.patch(
      `/Groups/${ids.group}`,
      patch({ op: 'replace', path: 'displayName', value: 'Engineering Team' }),
    );
    assert.equal(res.status, 204, JSON.stringify(res.body));
    const read = await scim.get(`/Groups/${ids.group}`);
    assert.equal(read.body.displayName, 'Engineering Team');
    assert.deepEqual(await memberIds(ids.group), [ids.user]);
  });

  it('deactivates a user removed from the app (active false) and reactivates it', async () => {
    const off = await scim.patch(
      `/Users/${ids.colleague}`,
      patch({ op: 'replace', path: 'active', value: false }),
    );
    scimJson(off, 200);
    assert.equal(off.body.active, false);
    assert.equal((await orgUserByEmail('grace@acme.example')).status, 'suspended');
    const read = await scim.get(`/Users/${ids.colleague}`);
    assert.equal(read.body.active, false);
    const on = await scim.put(
      `/Users/${ids.colleague}`,
      jumpcloudUser('grace@acme.example', 'Grace', 'Hopper'),
    );
    scimJson(on, 200);
    assert.equal((await orgUserByEmail('grace@acme.example')).status, 'active');
  });

  it('deletes a group deleted in JumpCloud, and deactivates its members that no other group keeps', async () => {
    assert.equal((await scim.delete(`/Groups/${ids.group}`)).status, 204);
    assertScimError(await scim.get(`/Groups/${ids.group}`), 404);
    const off = await scim.put(
      `/Users/${ids.user}`,
      jumpcloudUser('ada@acme.example', 'Ada', 'Lovelace', { active: false }),
    );
    scimJson(off, 200);
    assert.equal(off.body.active, false);
    assert.equal((await orgUserByEmail('ada@acme.example')).status, 'suspended');
  });

  it('deletes the user: 204, then 404; the org user stays, suspended', async () => {
    assert.equal((await scim.delete(`/Users/${ids.user}`)).status, 204);
    assertScimError(await scim.get(`/Users/${ids.user}`), 404);
    assert.equal((await orgUserByEmail('ada@acme.example')).status, 'suspended');
    const list = await scim.get('/Users?filter=userName eq "ada@acme.example"');
    assert.equal(list.body.totalResults, 0);
  });
});
