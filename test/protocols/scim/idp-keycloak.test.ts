/**
 * Keycloak, replayed as its SCIM client extension sends it: keycloak-scim
 * (libre.sh, maintained as mitodl/keycloak-scim and pelotech/keycloak-scim),
 * read from its README and configuration reference: a User Federation
 * provider named "scim" with the SCIM 2.0 endpoint, auth mode BEARER and the
 * token; an event listener that turns Keycloak admin events into SCIM calls.
 * A user goes out as POST /Users with externalId = the Keycloak id,
 * displayName "First Last", emails without type or primary, roles; updates are
 * a PUT of the whole resource (or, with user-patchOp, PATCH replace of
 * active as the string "true"/"false", userName and displayName); disabling
 * a user is an update with active false, and delete-mode=deactivate reads
 * the user and PUTs it back inactive; groups go out with members typed User
 * and a relative $ref "Users/{id}", change by a PUT of the whole group (or,
 * with group-patchOp, PATCH replace of members, displayName and externalId,
 * or remove members when the group empties, or single-member add and
 * members[value eq] remove). One directory, one org; the steps run in order.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
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
/** Keycloak's own ids, sent as externalId. */
const keycloak = { john: crypto.randomUUID(), jane: crypto.randomUUID(), group: crypto.randomUUID() };
/** Muster's ids, which the extension keeps in its mapping table. */
const ids = { john: '', jane: '', group: '' };

const scimJson = assertScimJson;

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

/** A Keycloak user as the extension's UserAdapter serializes it. */
function keycloakUser(
  user: { id?: string; kcId: string; username: string; first: string; last: string; email: string },
  active: boolean,
) {
  return {
    schemas: [userSchema],
    ...(user.id ? { id: user.id } : {}),
    externalId: user.kcId,
    userName: user.username,
    displayName: `${user.first} ${user.last}`,
    name: { givenName: user.first, familyName: user.last },
    emails: [{ value: user.email }],
    active,
    roles: [{ value: 'app-user' }],
  };
}

const john = {
  kcId: keycloak.john,
  username: 'jdoe',
  first: 'John',
  last: 'Doe',
  email: 'john.doe@example.org',
};
const jane = {
  kcId: keycloak.jane,
  username: 'jroe',
  first: 'Jane',
  last: 'Roe',
  email: 'jane.roe@example.org',
};

/** A Keycloak group as the extension's GroupAdapter serializes it. */
function keycloakGroup(displayName: string, memberIds: string[], id?: string) {
  return {
    schemas: [groupSchema],
    ...(id ? { id } : {}),
    externalId: keycloak.group,
    displayName,
    members: memberIds.map((value) => ({ value, type: 'User', $ref: `Users/${value}` })),
  };
}

describe('Keycloak provisioning, as the keycloak-scim extension sends it', () => {
  before(async () => {
    t = await testApp();
    org = await makeOrg(t, 'Example');
    dir = await makeDirectory(t, org.id, 'keycloak');
    scim = scimClient(t, dir.id, dir.token);
  });

  it('the configured endpoint serves /ServiceProviderConfig, /Schemas and /ResourceTypes', async () => {
    // The provider's "SCIM 2.0 endpoint" help text: "/ServiceProviderConfig /Schemas and
    // /ResourcesTypes should be accessible".
    const config = await scim.get('/ServiceProviderConfig');
    scimJson(config, 200);
    assert.equal(config.body.patch.supported, true);
    assert.equal(config.body.authenticationSchemes[0].type, 'oauthbearertoken');
    scimJson(await scim.get('/Schemas'), 200);
    const types = await scim.get('/ResourceTypes');
    scimJson(types, 200);
    assert.deepEqual(
      types.body.Resources.map((r: { endpoint: string }) => r.endpoint),
      ['/Users', '/Groups'],
    );
  });

  it('a sync with import lists /Users and /Groups before anything is created', async () => {
    for (const endpoint of ['/Users', '/Groups']) {
      const res = await scim.get(endpoint);
      scimJson(res, 200);
      assert.deepEqual(res.body.schemas, [listSchema]);
      assert.equal(res.body.totalResults, 0);
      assert.deepEqual(res.body.Resources, []);
    }
  });

  it('creates a user: POST /Users with the Keycloak id as externalId and an email without type', async () => {
    const res = await scim.post('/Users', keycloakUser(john, true));
    scimJson(res, 201);
    ids.john = res.body.id;
    assert.equal(res.headers.location, `${dir.scimBaseUrl}/Users/${ids.john}`);
    assert.notEqual(ids.john, keycloak.john);
    assert.equal(res.body.externalId, keycloak.john);
    assert.equal(res.body.userName, 'jdoe');
    assert.equal(res.body.displayName, 'John Doe');
    assert.deepEqual(res.body.emails, [{ value: 'john.doe@example.org' }]);
    assert.deepEqual(res.body.roles, [{ value: 'app-user' }]);
    assert.equal(res.body.meta.resourceType, 'User');
    const person = await orgUser(ids.john);
    assert.deepEqual(
      [person.email, person.given_name, person.family_name, person.display_name, person.status],
      ['john.doe@example.org', 'John', 'Doe', 'John Doe', 'active'],
    );
    // The provider's "Endpoint content type" may be set to application/json instead.
    const second = await t.http
      .post(`/scim/v2/${dir.id}/Users`)
      .set('Authorization', `Bearer ${dir.token}`)
      .set('Content-Type', 'application/json')
      .send(JSON.stringify(keycloakUser(jane, true)));
    scimJson(second, 201);
    ids.jane = second.body.id;
    const byExternalId = await scim.get(`/Users?filter=externalId eq "${keycloak.john}"`);
    assert.equal(byExternalId.body.totalResults, 1);
    assert.equal(byExternalId.body.Resources[0].id, ids.john);
  });

  it('reads the user by id, as delete-mode=deactivate does before its PUT', async () => {
    const res = await scim.get(`/Users/${ids.john}`);
    scimJson(res, 200);
    assert.equal(res.body.id, ids.john);
    assert.equal(res.body.active, true);
  });

  it('a profile update is a PUT of the whole user, id included', async () => {
    const res = await scim.put(
      `/Users/${ids.john}`,
      keycloakUser({ ...john, id: ids.john, last: 'Dough', email: 'john.dough@example.org' }, true),
    );
    scimJson(res, 200);
    assert.equal(res.body.id, ids.john);
    assert.equal(res.body.displayName, 'John Dough');
    const person = await orgUser(ids.john);
    assert.deepEqual([person.email, person.family_name], ['john.dough@example.org', 'Dough']);
  });

  it('with user-patchOp: PATCH replace of active as a string, userName and displayName', async () => {
    const res = await scim.patch(
      `/Users/${ids.john}`,
      patch(
        { op: 'replace', path: 'active', value: 'true' },
        { op: 'replace', path: 'userName', value: 'jdoe' },
        { op: 'replace', path: 'displayName', value: 'Johnny Dough' },
      ),
    );
    scimJson(res, 200);
    assert.equal(res.body.active, true);
    assert.equal(res.body.displayName, 'Johnny Dough');
    assert.equal((await orgUser(ids.john)).display_name, 'Johnny Dough');
  });

  it('disabling a user in Keycloak: a PUT with active false, or PATCH active "false"; enabling again', async () => {
    const put = await scim.put(`/Users/${ids.jane}`, keycloakUser({ ...jane, id: ids.jane }, false));
    scimJson(put, 200);
    assert.equal(put.body.active, false);
    assert.equal((await orgUser(ids.jane)).status, 'suspended');
    const on = await scim.put(`/Users/${ids.jane}`, keycloakUser({ ...jane, id: ids.jane }, true));
    scimJson(on, 200);
    assert.equal((await orgUser(ids.jane)).status, 'active');
    const off = await scim.patch(
      `/Users/${ids.jane}`,
      patch({ op: 'replace', path: 'active', value: 'false' }),
    );
    scimJson(off, 200);
    assert.equal(off.body.active, false);
    assert.equal((await orgUser(ids.jane)).status, 'suspended');
    const back = await scim.patch(
      `/Users/${ids.jane}`,
      patch({ op: 'replace', path: 'active', value: 'true' }),
    );
    scimJson(back, 200);
    assert.equal((await orgUser(ids.jane)).status, 'active');
  });

  it('delete-mode=deactivate: GET the user, then PUT the fetched resource with active false', async () => {
    const fetched = await scim.get(`/Users/${ids.jane}`);
    scimJson(fetched, 200);
    const res = await scim.put(`/Users/${ids.jane}`, { ...fetched.body, active: false });
    scimJson(res, 200);
    assert.equal(res.body.active, false);
    assert.equal(res.body.externalId, keycloak.jane);
    assert.equal((await orgUser(ids.jane)).status, 'suspended');
    // A Keycloak account deleted and created again goes out as a fresh POST with the same userName
    // and a new Keycloak id; Muster keeps the deactivated user and answers 409 uniqueness.
    assertScimError(
      await scim.post('/Users', keycloakUser({ ...jane, kcId: crypto.randomUUID() }, true)),
      409,
      'uniqueness',
    );
    const on = await scim.put(`/Users/${ids.jane}`, { ...fetched.body, active: true });
    scimJson(on, 200);
  });

  it('creates a group: POST /Groups with members typed User and a relative $ref', async () => {
    const res = await scim.post('/Groups', keycloakGroup('developers', [ids.john]));
    scimJson(res, 201);
    ids.group = res.body.id;
    assert.equal(res.headers.location, `${dir.scimBaseUrl}/Groups/${ids.group}`);
    assert.equal(res.body.externalId, keycloak.group);
    assert.equal(res.body.displayName, 'developers');
    assert.deepEqual(res.body.members, [
      {
        value: ids.john,
        display: 'Johnny Dough',
        $ref: `${dir.scimBaseUrl}/Users/${ids.john}`,
        type: 'User',
      },
    ]);
  });

  it('a membership change (group-patchOp off) is a PUT of the whole group', async () => {
    const res = await scim.put(
      `/Groups/${ids.group}`,
      keycloakGroup('developers', [ids.john, ids.jane], ids.group),
    );
    scimJson(res, 200);
    assert.deepEqual(
      res.body.members.map((m: { value: string }) => m.value).sort(),
      [ids.john, ids.jane].sort(),
    );
  });

  it('with group-patchOp: replace members, displayName and externalId; remove members once the group is empty', async () => {
    const replace = await scim.patch(
      `/Groups/${ids.group}`,
      patch(
        { op: 'replace', path: 'members', value: [{ value: ids.jane, type: 'User' }] },
        { op: 'replace', path: 'displayName', value: 'developers' },
        { op: 'replace', path: 'externalId', value: keycloak.group },
      ),
    );
    assert.equal(replace.status, 204, JSON.stringify(replace.body));
    assert.deepEqual(await memberIds(ids.group), [ids.jane]);
    const empty = await scim.patch(
      `/Groups/${ids.group}`,
      patch(
        { op: 'remove', path: 'members' },
        { op: 'replace', path: 'displayName', value: 'developers' },
        { op: 'replace', path: 'externalId', value: keycloak.group },
      ),
    );
    assert.equal(empty.status, 204, JSON.stringify(empty.body));
    assert.deepEqual(await memberIds(ids.group), []);
  });

  it('membership deltas: add path members with one value, remove by members[value eq "…"]', async () => {
    for (const value of [ids.john, ids.jane]) {
      const add = await scim.patch(
        `/Groups/${ids.group}`,
        patch({ op: 'add', path: 'members', value: [{ value }] }),
      );
      assert.equal(add.status, 204, JSON.stringify(add.body));
    }
    assert.deepEqual(await memberIds(ids.group), [ids.john, ids.jane].sort());
    const remove = await scim.patch(
      `/Groups/${ids.group}`,
      patch({ op: 'remove', path: `members[value eq "${ids.jane}"]` }),
    );
    assert.equal(remove.status, 204, JSON.stringify(remove.body));
    assert.deepEqual(await memberIds(ids.group), [ids.john]);
  });

  it('a group rename is a PUT of the whole group with the new name', async () => {
    const res = await scim.put(`/Groups/${ids.group}`, keycloakGroup('engineering', [ids.john], ids.group));
    scimJson(res, 200);
    assert.equal(res.body.displayName, 'engineering');
    const found = await scim.get('/Groups?filter=displayName eq "engineering"');
    assert.equal(found.body.totalResults, 1);
    assert.deepEqual(await memberIds(ids.group), [ids.john]);
  });

  it('deleting the group in Keycloak: DELETE /Groups/{id} answers 204, then 404', async () => {
    assert.equal((await scim.delete(`/Groups/${ids.group}`)).status, 204);
    assertScimError(await scim.get(`/Groups/${ids.group}`), 404);
  });

  it('deleting a user in Keycloak (delete-mode=delete): DELETE /Users/{id}; the org user is suspended', async () => {
    const person = await orgUser(ids.john);
    assert.equal((await scim.delete(`/Users/${ids.john}`)).status, 204);
    assertScimError(await scim.get(`/Users/${ids.john}`), 404);
    const after = await t.database.db
      .selectFrom('users')
      .selectAll()
      .where('id', '=', person.id)
      .executeTakeFirstOrThrow();
    assert.equal(after.status, 'suspended');
    assert.equal((await scim.delete(`/Users/${ids.jane}`)).status, 204);
  });
});
