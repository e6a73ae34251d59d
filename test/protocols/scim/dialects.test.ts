/**
 * Each provider's SCIM dialect, pinned over HTTP. The forms every IdP may
 * send (and the RFC's own) are accepted from every provider's directory; for
 * each form only some IdPs send, the table says which providers' directories
 * accept it, and every other one refuses it with the RFC's 400. The table is
 * written out by hand, not read from the profiles, so a change to a profile
 * has to change it too. An accepted form must do what the IdP means; a
 * refused one must change nothing.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type supertest from 'supertest';
import type { ScimType } from '../../../src/errors.ts';
import { type TestApp, testApp } from '../../support/app.ts';
import { makeOrg } from '../../support/factories.ts';
import {
  assertScimError,
  assertScimJson,
  enterpriseSchema,
  groupMemberIds,
  groupSchema,
  makeDirectory,
  patchOp,
  type ScimClient,
  scimClient,
  user,
} from '../../support/scim.ts';

const providers = ['entra', 'okta', 'jumpcloud', 'keycloak', 'generic'] as const;
type Provider = (typeof providers)[number];

/** What a form needs: a user and a group of two members, made for the form alone. */
interface Fixture {
  readonly scim: ScimClient;
  readonly userId: string;
  readonly groupId: string;
  readonly memberIds: readonly [string, string];
}

interface Form {
  /** The IdP form, as the test names it. */
  readonly name: string;
  readonly send: (f: Fixture) => Promise<supertest.Response>;
  /** What the IdP means by it, checked after a directory accepts it. */
  readonly accepted: (res: supertest.Response, f: Fixture) => Promise<void>;
  /** The RFC's answer where the dialect does not allow it. */
  readonly refused: ScimType;
  /** That a refused request left everything as it was. */
  readonly unchanged?: (f: Fixture) => Promise<void>;
}

const readUser = async (f: Fixture) => {
  const res = await f.scim.get(`/Users/${f.userId}`);
  assertScimJson(res, 200);
  return res.body;
};

const userUnchanged = async (f: Fixture) => {
  const body = await readUser(f);
  assert.equal(body.active, true);
  assert.equal(body.displayName, 'Ada Lovelace');
  assert.deepEqual(body.name, { givenName: 'Ada', familyName: 'Lovelace' });
  assert.equal(body[enterpriseSchema], undefined);
};

const patchUser = (f: Fixture, ...ops: unknown[]) => f.scim.patch(`/Users/${f.userId}`, patchOp(...ops));

const forms: Record<string, Form> = {
  'active as the string "False"': {
    name: 'active as the string "False"',
    send: (f) => patchUser(f, { op: 'replace', path: 'active', value: 'False' }),
    accepted: async (res) => {
      assertScimJson(res, 200);
      assert.equal(res.body.active, false);
    },
    refused: 'invalidValue',
    unchanged: userUnchanged,
  },
  'a filter on active "True"': {
    name: 'a filter on active "True"',
    send: (f) => f.scim.get('/Users?filter=active eq "True" and userName eq "ada@example.com"'),
    accepted: async (res, f) => {
      assertScimJson(res, 200);
      assert.deepEqual(
        res.body.Resources.map((r: { id: string }) => r.id),
        [f.userId],
      );
    },
    refused: 'invalidFilter',
  },
  'the manager as a list of one': {
    name: 'the manager as a list of one',
    send: (f) =>
      patchUser(f, { op: 'add', path: `${enterpriseSchema}:manager`, value: [{ value: f.memberIds[0] }] }),
    accepted: async (res, f) => {
      assertScimJson(res, 200);
      assert.deepEqual(res.body[enterpriseSchema].manager, { value: f.memberIds[0] });
    },
    refused: 'invalidValue',
    unchanged: userUnchanged,
  },
  'an unquoted filter value': {
    name: 'an unquoted filter value',
    send: (f) => f.scim.get('/Users?filter=externalId eq ada-ext'),
    accepted: async (res, f) => {
      assertScimJson(res, 200);
      assert.deepEqual(
        res.body.Resources.map((r: { id: string }) => r.id),
        [f.userId],
      );
    },
    refused: 'invalidFilter',
  },
};

type FormName = keyof typeof forms;
const allForms = Object.keys(forms) as FormName[];

/** The table: the forms only some IdPs send, as each provider's directory accepts them. Every other is refused. */
const accepts: Record<Provider, readonly FormName[]> = {
  entra: [
    'active as the string "False"',
    'a filter on active "True"',
    'the manager as a list of one',
    'an unquoted filter value',
  ],
  okta: [],
  jumpcloud: [],
  keycloak: ['active as the string "False"', 'a filter on active "True"'],
  generic: allForms,
};

const readManager = async (f: Fixture) => (await readUser(f))[enterpriseSchema]?.manager;

/**
 * What every IdP may send, as the product requires of every directory, and
 * RFC 7644 as written: every provider accepts these.
 */
const everyProviderForms: readonly Pick<Form, 'name' | 'send' | 'accepted'>[] = [
  {
    name: 'op names in any case, "Replace" and "Add"',
    send: (f) =>
      patchUser(
        f,
        { op: 'Replace', path: 'displayName', value: 'Countess' },
        { op: 'Add', path: 'title', value: 'Analyst' },
      ),
    accepted: async (res) => {
      assertScimJson(res, 200);
      assert.equal(res.body.displayName, 'Countess');
      assert.equal(res.body.title, 'Analyst');
    },
  },
  {
    name: 'a path-less replace with dotted and URN-qualified keys',
    send: (f) =>
      patchUser(f, {
        op: 'replace',
        value: { 'name.givenName': 'Augusta', [`${enterpriseSchema}:employeeNumber`]: '701984' },
      }),
    accepted: async (res, f) => {
      assertScimJson(res, 200);
      assert.deepEqual(res.body.name, { givenName: 'Augusta', familyName: 'Lovelace' });
      assert.equal(res.body[enterpriseSchema].employeeNumber, '701984');
      assert.deepEqual((await readUser(f)).name, { givenName: 'Augusta', familyName: 'Lovelace' });
    },
  },
  {
    name: 'a bare manager id under its URN-qualified path',
    send: (f) => patchUser(f, { op: 'add', path: `${enterpriseSchema}:manager`, value: f.memberIds[0] }),
    accepted: async (res, f) => {
      assertScimJson(res, 200);
      assert.deepEqual(res.body[enterpriseSchema].manager, { value: f.memberIds[0] });
      assert.deepEqual(await readManager(f), { value: f.memberIds[0] });
    },
  },
  {
    name: 'a bare manager id under a URN-qualified key of a path-less replace',
    send: (f) => patchUser(f, { op: 'replace', value: { [`${enterpriseSchema}:manager`]: f.memberIds[1] } }),
    accepted: async (res, f) => {
      assertScimJson(res, 200);
      assert.deepEqual(await readManager(f), { value: f.memberIds[1] });
    },
  },
  {
    name: 'the manager as {value} inside the extension object of a path-less replace',
    send: (f) =>
      patchUser(f, { op: 'replace', value: { [enterpriseSchema]: { manager: { value: f.memberIds[0] } } } }),
    accepted: async (res, f) => {
      assertScimJson(res, 200);
      assert.deepEqual(await readManager(f), { value: f.memberIds[0] });
    },
  },
  {
    name: 'an enterprise attribute path without its URN',
    send: (f) => patchUser(f, { op: 'add', path: 'department', value: 'Research' }),
    accepted: async (res, f) => {
      assertScimJson(res, 200);
      assert.equal(res.body[enterpriseSchema].department, 'Research');
      assert.equal(res.body.department, undefined);
      assert.equal((await readUser(f))[enterpriseSchema].department, 'Research');
    },
  },
  {
    name: 'a bare manager id under the path "manager", without the URN',
    send: (f) => patchUser(f, { op: 'Add', path: 'manager', value: f.memberIds[0] }),
    accepted: async (res, f) => {
      assertScimJson(res, 200);
      assert.deepEqual(res.body[enterpriseSchema].manager, { value: f.memberIds[0] });
      assert.deepEqual(await readManager(f), { value: f.memberIds[0] });
    },
  },
  {
    name: 'the manager as {value} under the path "manager", without the URN',
    send: (f) => patchUser(f, { op: 'replace', path: 'manager', value: { value: f.memberIds[1] } }),
    accepted: async (res, f) => {
      assertScimJson(res, 200);
      assert.deepEqual(await readManager(f), { value: f.memberIds[1] });
    },
  },
  {
    name: 'enterprise keys without their URN in a path-less replace',
    send: (f) => patchUser(f, { op: 'replace', value: { department: 'Research', manager: f.memberIds[0] } }),
    accepted: async (res, f) => {
      assertScimJson(res, 200);
      const enterprise = (await readUser(f))[enterpriseSchema];
      assert.equal(enterprise.department, 'Research');
      assert.deepEqual(enterprise.manager, { value: f.memberIds[0] });
    },
  },
  {
    name: 'a created user with department and a bare manager id at the top, without the URN',
    send: (f) =>
      f.scim.post('/Users', user('alan@example.com', { department: 'Research', manager: f.memberIds[0] })),
    accepted: async (res, f) => {
      assertScimJson(res, 201);
      assert.equal(res.body.department, undefined);
      assert.equal(res.body.manager, undefined);
      const read = await f.scim.get(`/Users/${res.body.id}`);
      assertScimJson(read, 200);
      assert.deepEqual(read.body[enterpriseSchema], {
        department: 'Research',
        manager: { value: f.memberIds[0] },
      });
    },
  },
  {
    name: 'a filter on the manager without the URN',
    send: async (f) => {
      const set = await patchUser(f, {
        op: 'add',
        path: `${enterpriseSchema}:manager`,
        value: f.memberIds[0],
      });
      assertScimJson(set, 200);
      return f.scim.get(`/Users?filter=${encodeURIComponent(`manager.value eq "${f.memberIds[0]}"`)}`);
    },
    accepted: async (res, f) => {
      assertScimJson(res, 200);
      assert.deepEqual(
        res.body.Resources.map((r: { id: string }) => r.id),
        [f.userId],
      );
    },
  },
  {
    name: 'a value-filter path to a sub-attribute',
    send: (f) =>
      patchUser(f, { op: 'replace', path: 'emails[type eq "work"].value', value: 'augusta@example.com' }),
    accepted: async (res, f) => {
      assertScimJson(res, 200);
      const emails = (await readUser(f)).emails as { value: string; type: string }[];
      assert.deepEqual(
        emails.map((e) => [e.type, e.value]),
        [['work', 'augusta@example.com']],
      );
    },
  },
  {
    name: 'a member removal as a value list, removing those members only',
    send: (f) =>
      f.scim.patch(
        `/Groups/${f.groupId}`,
        patchOp({ op: 'Remove', path: 'members', value: [{ value: f.memberIds[0] }] }),
      ),
    accepted: async (res, f) => {
      assert.equal(res.status, 204, JSON.stringify(res.body));
      // Those members only: the group is never emptied.
      assert.deepEqual(await groupMemberIds((p) => f.scim.get(p), f.groupId), [f.memberIds[1]]);
    },
  },
  {
    name: 'a group rename echoing its id and meta',
    send: async (f) => {
      const read = await f.scim.get(`/Groups/${f.groupId}`);
      assertScimJson(read, 200);
      return f.scim.patch(
        `/Groups/${f.groupId}`,
        patchOp({ op: 'replace', value: { id: f.groupId, meta: read.body.meta, displayName: 'Research' } }),
      );
    },
    accepted: async (res, f) => {
      assert.equal(res.status, 204, JSON.stringify(res.body));
      const read = await f.scim.get(`/Groups/${f.groupId}`);
      assert.equal(read.body.displayName, 'Research');
      assert.equal(read.body.id, f.groupId);
      assert.deepEqual(await groupMemberIds((p) => f.scim.get(p), f.groupId), [...f.memberIds].sort());
    },
  },
  {
    name: 'a sub-attribute after a filter value path',
    send: (f) => f.scim.get('/Users?filter=emails[type eq "work"].value eq "ada@example.com"'),
    accepted: async (res, f) => {
      assertScimJson(res, 200);
      assert.deepEqual(
        res.body.Resources.map((r: { id: string }) => r.id),
        [f.userId],
      );
    },
  },
  {
    name: 'active as a JSON boolean in a path-less replace',
    send: (f) => patchUser(f, { op: 'replace', value: { active: false } }),
    accepted: async (res) => {
      assertScimJson(res, 200);
      assert.equal(res.body.active, false);
    },
  },
  {
    name: 'a member removal by a filter, and a removal of all members',
    send: async (f) => {
      const one = await f.scim.patch(
        `/Groups/${f.groupId}`,
        patchOp({ op: 'remove', path: `members[value eq "${f.memberIds[0]}"]` }),
      );
      assert.equal(one.status, 204, JSON.stringify(one.body));
      assert.deepEqual(await groupMemberIds((p) => f.scim.get(p), f.groupId), [f.memberIds[1]]);
      return f.scim.patch(`/Groups/${f.groupId}`, patchOp({ op: 'remove', path: 'members' }));
    },
    accepted: async (res, f) => {
      assert.equal(res.status, 204, JSON.stringify(res.body));
      assert.deepEqual(await groupMemberIds((p) => f.scim.get(p), f.groupId), []);
    },
  },
  {
    name: 'names, operators and true in any case, and a URN-qualified manager',
    send: (f) =>
      f.scim.get(
        `/Users?filter=${encodeURIComponent(`USERNAME Eq "ada@example.com" AND Active EQ TRUE and not (${enterpriseSchema}:manager.value pr)`)}`,
      ),
    accepted: async (res, f) => {
      assertScimJson(res, 200);
      assert.deepEqual(
        res.body.Resources.map((r: { id: string }) => r.id),
        [f.userId],
      );
    },
  },
];

let t: TestApp;

/** A directory of the provider's own per case, holding Ada, Grace and Edsger, and a group of the last two. */
async function fixture(provider: Provider): Promise<Fixture> {
  const org = await makeOrg(t);
  const dir = await makeDirectory(t, org.id, provider);
  const scim = scimClient(t, dir.id, dir.token);
  const ada = await scim.post(
    '/Users',
    user('ada@example.com', { externalId: 'ada-ext', displayName: 'Ada Lovelace' }),
  );
  assertScimJson(ada, 201);
  const members: string[] = [];
  for (const name of ['grace@example.com', 'edsger@example.com']) {
    const res = await scim.post('/Users', user(name));
    assertScimJson(res, 201);
    members.push(res.body.id);
  }
  const group = await scim.post('/Groups', {
    schemas: [groupSchema],
    displayName: 'Engineering',
    members: members.map((value) => ({ value })),
  });
  assertScimJson(group, 201);
  const [first = '', second = ''] = members;
  return { scim, userId: ada.body.id, groupId: group.body.id, memberIds: [first, second] };
}

describe("SCIM dialects: every directory accepts every IdP's common forms, and each its own IdP's", () => {
  before(async () => {
    t = await testApp();
  });

  for (const provider of providers) {
    for (const name of allForms) {
      const form = forms[name];
      assert.ok(form);
      if (accepts[provider].includes(name)) {
        it(`${provider} accepts ${name}`, async () => {
          const f = await fixture(provider);
          await form.accepted(await form.send(f), f);
        });
      } else {
        it(`${provider} refuses ${name} with 400 ${form.refused}, changing nothing`, async () => {
          const f = await fixture(provider);
          assertScimError(await form.send(f), 400, form.refused);
          await form.unchanged?.(f);
        });
      }
    }
    for (const form of everyProviderForms) {
      it(`${provider} accepts ${form.name}`, async () => {
        const f = await fixture(provider);
        await form.accepted(await form.send(f), f);
      });
    }
  }

  it('every per-provider form is accepted by some named IdP, and generic accepts them all', () => {
    const named = providers.filter((p) => p !== 'generic').flatMap((p) => accepts[p]);
    assert.deepEqual([...new Set(named)].sort(), [...allForms].sort());
    assert.deepEqual([...accepts.generic].sort(), [...allForms].sort());
  });

  it('/Bulk reads its operations in the directory dialect too', async () => {
    for (const [provider, status] of [
      ['okta', '400'],
      ['entra', '200'],
    ] as const) {
      const f = await fixture(provider);
      const res = await f.scim.post('/Bulk', {
        schemas: ['urn:ietf:params:scim:api:messages:2.0:BulkRequest'],
        Operations: [
          {
            method: 'PATCH',
            path: `/Users/${f.userId}`,
            data: patchOp({ op: 'replace', path: 'active', value: 'False' }),
          },
        ],
      });
      assertScimJson(res, 200);
      assert.equal(res.body.Operations[0].status, status, `${provider}: ${JSON.stringify(res.body)}`);
      assert.equal((await readUser(f)).active, status === '400');
    }
  });
});
