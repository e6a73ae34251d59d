import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isMusterError, type ScimType } from '../../../src/errors.ts';
import { baselineDialect, idpProfiles, type Leniency } from '../../../src/protocols/idp-profiles/index.ts';
import {
  normalizeAttributes,
  normalizeGroup,
  normalizeResource,
  type ScimJson,
} from '../../../src/protocols/scim/resource/index.ts';
import {
  groupResourceType,
  type ResourceType,
  userResourceType,
} from '../../../src/protocols/scim/schema/index.ts';
import { badgeSchemaId, userWithBadgeType } from '../../support/resource-types.ts';

const userUrn = 'urn:ietf:params:scim:schemas:core:2.0:User';
const groupUrn = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const enterprise = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

function assertScimError(run: () => unknown, scimType: ScimType, message?: RegExp): void {
  assert.throws(run, (error: unknown) => {
    assert.ok(isMusterError(error), String(error));
    assert.equal(error.status, 400);
    assert.equal(error.scimType, scimType, error.message);
    if (message) assert.match(error.message, message);
    return true;
  });
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const member of Object.values(value)) deepFreeze(member);
    Object.freeze(value);
  }
  return value;
}

const user = (attributes: ScimJson): ScimJson => ({ schemas: [userUrn], ...attributes });

/** The unit cases read bodies as a generic directory does: every IdP's forms. */
const anyIdp = idpProfiles.generic.scim;

const accepted: readonly { name: string; body: ScimJson; expected: ScimJson }[] = [
  {
    name: 'Entra ID creating a user (from its SCIM guide)',
    body: {
      schemas: [userUrn, enterprise],
      externalId: '0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef',
      userName: 'Test_User_ab6490ee-1e48-479e-a20b-2d77186b5dd1',
      active: true,
      emails: [{ primary: true, type: 'work', value: 'Test_User_fd0ea19b@testuser.com' }],
      meta: { resourceType: 'User' },
      name: { formatted: 'givenName familyName', familyName: 'familyName', givenName: 'givenName' },
      roles: [],
    },
    expected: {
      externalId: '0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef',
      userName: 'Test_User_ab6490ee-1e48-479e-a20b-2d77186b5dd1',
      active: true,
      emails: [{ primary: true, type: 'work', value: 'Test_User_fd0ea19b@testuser.com' }],
      name: { formatted: 'givenName familyName', familyName: 'familyName', givenName: 'givenName' },
    },
  },
  {
    name: 'Okta creating a user: groups and password are dropped',
    body: user({
      userName: 'test.user@okta.local',
      name: { givenName: 'Test', familyName: 'User' },
      emails: [{ primary: true, value: 'test.user@okta.local', type: 'work' }],
      displayName: 'Test User',
      locale: 'en-US',
      externalId: '00ujl29u0le5T6Aj10h7',
      groups: [],
      password: '1mz050nq',
      active: true,
    }),
    expected: {
      userName: 'test.user@okta.local',
      name: { givenName: 'Test', familyName: 'User' },
      emails: [{ primary: true, value: 'test.user@okta.local', type: 'work' }],
      displayName: 'Test User',
      locale: 'en-US',
      externalId: '00ujl29u0le5T6Aj10h7',
      active: true,
    },
  },
  {
    name: 'names in any case become the schema spelling, sub-attributes too',
    body: user({ USERNAME: 'a', Name: { GIVENNAME: 'A' }, Emails: [{ VALUE: 'a@x', Type: 'work' }] }),
    expected: { userName: 'a', name: { givenName: 'A' }, emails: [{ value: 'a@x', type: 'work' }] },
  },
  {
    name: 'booleans sent as strings, as Entra and Keycloak do',
    body: user({ userName: 'a', active: 'False', emails: [{ value: 'a@x', primary: 'True' }] }),
    expected: { userName: 'a', active: false, emails: [{ value: 'a@x', primary: true }] },
  },
  {
    name: 'an extension object under a URN in any case, not listed in schemas, with a bare manager id',
    body: user({ userName: 'a', [enterprise.toUpperCase()]: { Department: 'Ops', manager: 'boss-id' } }),
    expected: { userName: 'a', [enterprise]: { department: 'Ops', manager: { value: 'boss-id' } } },
  },
  {
    name: 'URN-prefixed top-level keys go into the extension object',
    body: user({
      userName: 'a',
      [`${enterprise}:department`]: 'Ops',
      [`${enterprise}:manager`]: { value: 'boss-id', displayName: 'Boss' },
    }),
    expected: { userName: 'a', [enterprise]: { department: 'Ops', manager: { value: 'boss-id' } } },
  },
  {
    name: 'a URN-prefixed core attribute and a dotted key',
    body: user({ [`${userUrn}:userName`]: 'a', 'name.givenName': 'A', name: { familyName: 'B' } }),
    expected: { userName: 'a', name: { givenName: 'A', familyName: 'B' } },
  },
  {
    name: 'nulls, empty arrays and emptied objects are unassigned',
    body: user({
      userName: 'a',
      displayName: null,
      name: { givenName: null, familyName: 'B' },
      emails: [null],
      phoneNumbers: [],
      [enterprise]: { manager: { displayName: 'read-only' } },
    }),
    expected: { userName: 'a', name: { familyName: 'B' } },
  },
  {
    name: 'readOnly, unknown and foreign-extension attributes are ignored',
    body: user({
      id: 'client-id',
      meta: { created: '2020-01-01T00:00:00Z' },
      userName: 'a',
      favouriteColour: 'green',
      'urn:okta:custom:1.0:user': { thing: 1 },
      emails: [{ value: 'a@x', bogus: true }],
    }),
    expected: { userName: 'a', emails: [{ value: 'a@x' }] },
  },
  {
    name: 'values are not trimmed',
    body: user({ userName: '  a  ', displayName: '' }),
    expected: { userName: '  a  ', displayName: '' },
  },
];

const refused: readonly {
  name: string;
  body: unknown;
  scimType: ScimType;
  message: RegExp;
  type?: ResourceType;
}[] = [
  { name: 'an array body', body: [], scimType: 'invalidSyntax', message: /JSON object/ },
  { name: 'a null body', body: null, scimType: 'invalidSyntax', message: /JSON object/ },
  { name: 'no schemas', body: { userName: 'a' }, scimType: 'invalidSyntax', message: /schemas/ },
  {
    name: 'schemas not strings',
    body: { schemas: [1], userName: 'a' },
    scimType: 'invalidSyntax',
    message: /schemas/,
  },
  {
    name: 'the group schema for a user',
    body: { schemas: [groupUrn], userName: 'a' },
    scimType: 'invalidSyntax',
    message: /must include urn:ietf:params:scim:schemas:core:2\.0:User/,
  },
  {
    name: 'no userName',
    body: user({ displayName: 'A' }),
    scimType: 'invalidValue',
    message: /userName is required/,
  },
  {
    name: 'an empty userName',
    body: user({ userName: '' }),
    scimType: 'invalidValue',
    message: /userName is required/,
  },
  {
    name: 'a group without displayName',
    body: { schemas: [groupUrn], externalId: 'x' },
    scimType: 'invalidValue',
    message: /displayName is required/,
    type: groupResourceType,
  },
  {
    name: 'a string for a complex',
    body: user({ userName: 'a', name: 'A B' }),
    scimType: 'invalidValue',
    message: /^name must be an object/,
  },
  {
    name: 'an array for a single value',
    body: user({ userName: ['a'] }),
    scimType: 'invalidValue',
    message: /userName is single-valued/,
  },
  {
    name: 'an object for a multi-valued',
    body: user({ userName: 'a', emails: { value: 'a@x' } }),
    scimType: 'invalidValue',
    message: /emails is multi-valued/,
  },
  {
    name: 'bare strings as emails',
    body: user({ userName: 'a', emails: ['a@x'] }),
    scimType: 'invalidValue',
    message: /emails must be an object/,
  },
  {
    name: 'a non-boolean active',
    body: user({ userName: 'a', active: 'yes' }),
    scimType: 'invalidValue',
    message: /active must be a boolean/,
  },
  {
    name: 'a number for active',
    body: user({ userName: 'a', active: 1 }),
    scimType: 'invalidValue',
    message: /active must be a boolean/,
  },
  {
    name: 'a number for userName',
    body: user({ userName: 42 }),
    scimType: 'invalidValue',
    message: /userName must be a string/,
  },
  {
    name: 'a number in a dotted key',
    body: user({ userName: 'a', 'name.givenName': 5 }),
    scimType: 'invalidValue',
    message: /name\.givenName must be a string/,
  },
  {
    name: 'two primary emails',
    body: user({
      userName: 'a',
      emails: [
        { value: 'a@x', primary: true },
        { value: 'b@x', primary: 'true' },
      ],
    }),
    scimType: 'invalidValue',
    message: /emails has more than one primary/,
  },
  {
    name: 'an extension that is not an object',
    body: user({ userName: 'a', [enterprise]: 'x' }),
    scimType: 'invalidValue',
    message: /enterprise:2\.0:User must be an object/,
  },
  {
    name: 'a number as manager id, named with its URN',
    body: user({ userName: 'a', [enterprise]: { manager: { value: 7 } } }),
    scimType: 'invalidValue',
    message: /enterprise:2\.0:User:manager\.value must be a string/,
  },
  {
    name: 'a sub-attribute key of a multi-valued',
    body: user({ userName: 'a', 'emails.value': 'a@x' }),
    scimType: 'invalidValue',
    message: /emails\.value/,
  },
];

describe('normalizeResource', () => {
  for (const c of accepted) {
    it(`accepts ${c.name}`, () => {
      assert.deepEqual(normalizeResource(userResourceType, deepFreeze(c.body), anyIdp), c.expected);
    });
  }
  for (const c of refused) {
    it(`refuses ${c.name} with ${c.scimType}`, () => {
      assertScimError(
        () => normalizeResource(c.type ?? userResourceType, c.body, anyIdp),
        c.scimType,
        c.message,
      );
    });
  }

  it('is idempotent: its output passes through unchanged', () => {
    for (const c of accepted) {
      const once = normalizeResource(userResourceType, c.body, anyIdp);
      assert.deepEqual(normalizeAttributes(userResourceType, once, baselineDialect), once, c.name);
    }
  });

  it('does not change its input', () => {
    const body = user({
      USERNAME: 'a',
      active: 'True',
      name: { givenName: null },
      [`${enterprise}:manager`]: 'm',
    });
    const copy = structuredClone(body);
    normalizeResource(userResourceType, body, anyIdp);
    assert.deepEqual(body, copy);
  });

  it('never stores group members, even through normalizeResource', () => {
    const body = { schemas: [groupUrn], displayName: 'G', members: [{ value: 'u1' }] };
    assert.deepEqual(normalizeResource(groupResourceType, body, anyIdp), { displayName: 'G' });
  });
});

const groupCases: readonly {
  name: string;
  body: ScimJson;
  resource: ScimJson;
  members: string[] | undefined;
}[] = [
  {
    name: 'Entra ID creating a group with an empty member list',
    body: {
      schemas: [groupUrn],
      externalId: '8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159',
      displayName: 'displayName',
      meta: { resourceType: 'Group' },
      members: [],
    },
    resource: { externalId: '8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159', displayName: 'displayName' },
    members: [],
  },
  {
    name: 'Okta creating a group',
    body: { schemas: [groupUrn], displayName: 'Test SCIMv2', members: [] },
    resource: { displayName: 'Test SCIMv2' },
    members: [],
  },
  {
    name: 'members with display, $ref and type User, duplicates once',
    body: {
      schemas: [groupUrn],
      DisplayName: 'G',
      Members: [
        { value: 'u1', display: 'One', $ref: 'https://x/Users/u1', type: 'User' },
        { Value: 'u2' },
        { value: 'u1' },
      ],
    },
    resource: { displayName: 'G' },
    members: ['u1', 'u2'],
  },
  {
    name: 'no members key',
    body: { schemas: [groupUrn], displayName: 'G' },
    resource: { displayName: 'G' },
    members: undefined,
  },
  {
    name: 'members null',
    body: { schemas: [groupUrn], displayName: 'G', members: null },
    resource: { displayName: 'G' },
    members: undefined,
  },
];

const groupRefused: readonly { name: string; members: unknown; message: RegExp }[] = [
  {
    name: 'a nested group',
    members: [{ value: 'g1', type: 'Group' }],
    message: /nested groups are not supported/,
  },
  {
    name: 'a member of another type',
    members: [{ value: 'd1', type: 'Device' }],
    message: /type must be User/,
  },
  { name: 'a member without value', members: [{ display: 'x' }], message: /members\[0\]\.value/ },
  { name: 'a numeric member value', members: [{ value: 5 }], message: /members\[0\]\.value/ },
  { name: 'a bare id', members: ['u1'], message: /members\[0\] must be an object/ },
  { name: 'members as an object', members: { value: 'u1' }, message: /members must be an array/ },
];

describe('normalizeGroup', () => {
  for (const c of groupCases) {
    it(`reads ${c.name}`, () => {
      assert.deepEqual(normalizeGroup(deepFreeze(c.body), anyIdp), {
        resource: c.resource,
        members: c.members,
      });
    });
  }
  for (const c of groupRefused) {
    it(`refuses ${c.name} with invalidValue`, () => {
      const body = { schemas: [groupUrn], displayName: 'G', members: c.members };
      assertScimError(() => normalizeGroup(body, anyIdp), 'invalidValue', c.message);
    });
  }
  it('refuses a key naming a member sub-attribute', () => {
    assertScimError(
      () => normalizeGroup({ schemas: [groupUrn], displayName: 'G', 'members.value': 'u1' }, anyIdp),
      'invalidValue',
    );
  });
});

/** Forms in bodies some IdPs send: refused in the baseline dialect, read with the one leniency that names them. */
const dialectCases: readonly {
  leniency: Leniency;
  body: ScimJson;
  scimType: ScimType;
  message: RegExp;
  expected: ScimJson;
}[] = [
  {
    leniency: 'stringBooleans',
    body: user({ userName: 'a', active: 'False' }),
    scimType: 'invalidValue',
    message: /^active must be a boolean/,
    expected: { userName: 'a', active: false },
  },
  {
    leniency: 'singleComplexAsList',
    body: user({ userName: 'a', [enterprise]: { manager: [{ value: 'boss' }] } }),
    scimType: 'invalidValue',
    message: /manager is single-valued/,
    expected: { userName: 'a', [enterprise]: { manager: { value: 'boss' } } },
  },
];

/** Forms in bodies every IdP may send: read as the IdP means them in every provider's dialect and the baseline. */
const everyIdpCases: readonly { name: string; body: ScimJson; expected: ScimJson }[] = [
  {
    name: 'the manager as a bare id',
    body: user({ userName: 'a', [enterprise]: { manager: 'boss' } }),
    expected: { userName: 'a', [enterprise]: { manager: { value: 'boss' } } },
  },
  {
    name: 'the manager as a bare id under a URN-qualified key',
    body: user({ userName: 'a', [`${enterprise}:manager`]: 'boss' }),
    expected: { userName: 'a', [enterprise]: { manager: { value: 'boss' } } },
  },
  {
    name: 'a dotted key',
    body: user({ userName: 'a', 'name.givenName': 'A' }),
    expected: { userName: 'a', name: { givenName: 'A' } },
  },
  {
    name: 'a dotted key inside the extension object',
    body: user({ userName: 'a', [enterprise]: { 'manager.value': 'boss' } }),
    expected: { userName: 'a', [enterprise]: { manager: { value: 'boss' } } },
  },
  {
    name: 'a URN-qualified key',
    body: user({ userName: 'a', [`${enterprise}:department`]: 'Ops' }),
    expected: { userName: 'a', [enterprise]: { department: 'Ops' } },
  },
  {
    name: 'enterprise attributes without their URN, the manager as a bare id',
    body: user({ userName: 'a', department: 'Ops', manager: 'boss' }),
    expected: { userName: 'a', [enterprise]: { department: 'Ops', manager: { value: 'boss' } } },
  },
  {
    name: 'the manager as {value} without its URN',
    body: user({ userName: 'a', Manager: { value: 'boss' } }),
    expected: { userName: 'a', [enterprise]: { manager: { value: 'boss' } } },
  },
  {
    name: 'the manager id as a dotted key without its URN',
    body: user({ userName: 'a', 'manager.value': 'boss' }),
    expected: { userName: 'a', [enterprise]: { manager: { value: 'boss' } } },
  },
];

const dialects = [
  ['baseline', baselineDialect] as const,
  ...Object.entries(idpProfiles).map(([p, v]) => [p, v.scim] as const),
];

describe('normalizeResource in the baseline dialect', () => {
  for (const c of dialectCases) {
    it(`refuses what ${c.leniency} reads, and reads it with ${c.leniency} on`, () => {
      assertScimError(
        () => normalizeResource(userResourceType, c.body, baselineDialect),
        c.scimType,
        c.message,
      );
      const lenient = { ...baselineDialect, [c.leniency]: true };
      assert.deepEqual(normalizeResource(userResourceType, c.body, lenient), c.expected);
    });
  }

  for (const c of everyIdpCases) {
    it(`reads ${c.name} in every dialect`, () => {
      for (const [name, dialect] of dialects) {
        assert.deepEqual(normalizeResource(userResourceType, deepFreeze(c.body), dialect), c.expected, name);
      }
    });
  }

  it('refuses a key without its URN that two extensions define, in every dialect; reads one that one defines', () => {
    for (const [name, dialect] of dialects) {
      assertScimError(
        () => normalizeResource(userWithBadgeType, user({ userName: 'a', department: 'Ops' }), dialect),
        'invalidSyntax',
        new RegExp(`"department" is an attribute of ${enterprise} and ${badgeSchemaId}: send it inside`),
      );
      const body = user({
        userName: 'a',
        badge: 'B-7',
        manager: 'boss',
        [`${badgeSchemaId}:department`]: 'Ops',
      });
      assert.deepEqual(
        normalizeResource(userWithBadgeType, body, dialect),
        {
          userName: 'a',
          [enterprise]: { manager: { value: 'boss' } },
          [badgeSchemaId]: { badge: 'B-7', department: 'Ops' },
        },
        name,
      );
    }
  });

  it('reads what RFC 7643 allows: names in any case, readOnly attributes and nulls dropped', () => {
    const body = user({
      USERNAME: 'a',
      Active: true,
      id: 'client-id',
      groups: [],
      displayName: null,
      [enterprise]: { Department: 'Ops', manager: { value: 'boss', displayName: 'read-only' } },
    });
    assert.deepEqual(normalizeResource(userResourceType, body, baselineDialect), {
      userName: 'a',
      active: true,
      [enterprise]: { department: 'Ops', manager: { value: 'boss' } },
    });
  });
});
