import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isMusterError, type ScimType } from '../../../src/errors.ts';
import { baselineDialect, idpProfiles, type Leniency } from '../../../src/protocols/idp-profiles/index.ts';
import {
  applyUserPatch,
  type MemberChanges,
  maxOperations,
  planGroupPatch,
} from '../../../src/protocols/scim/patch/index.ts';
import { parsePatchPath } from '../../../src/protocols/scim/patch/path.ts';
import type { ScimJson } from '../../../src/protocols/scim/resource/index.ts';
import { badgeSchemaId, userWithBadgeType } from '../../support/resource-types.ts';

const patchUrn = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
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

const patch = (...Operations: unknown[]) => ({ schemas: [patchUrn], Operations });

/** The unit cases read PATCHes as a generic directory does: every IdP's forms. */
const anyIdp = idpProfiles.generic.scim;

const stored: ScimJson = deepFreeze({
  userName: 'bjensen@example.com',
  externalId: 'bjensen',
  name: { givenName: 'Barbara', familyName: 'Jensen' },
  displayName: 'Babs Jensen',
  active: true,
  emails: [
    { value: 'bjensen@example.com', type: 'work', primary: true },
    { value: 'babs@home.example', type: 'home' },
  ],
  [enterprise]: { department: 'Tour Operations', manager: { value: 'mgr-1', $ref: '../Users/mgr-1' } },
});

const work = { value: 'bjensen@example.com', type: 'work', primary: true };
const home = { value: 'babs@home.example', type: 'home' };
const withEnterprise = (changes: ScimJson): ScimJson => ({
  ...stored,
  [enterprise]: { ...(stored[enterprise] as ScimJson), ...changes },
});

const userCases: readonly { name: string; ops: unknown[]; expected: ScimJson }[] = [
  {
    name: 'Entra disabling a user with a string boolean',
    ops: [{ op: 'Replace', path: 'active', value: 'False' }],
    expected: { ...stored, active: false },
  },
  {
    name: 'Okta disabling a user without a path',
    ops: [{ op: 'replace', value: { active: false } }],
    expected: { ...stored, active: false },
  },
  {
    name: 'Okta echoing id, schemas and meta in a path-less replace',
    ops: [
      { op: 'replace', value: { id: 'abc', schemas: ['x'], meta: { version: 'W/"1"' }, displayName: 'New' } },
    ],
    expected: { ...stored, displayName: 'New' },
  },
  {
    name: 'Entra path-less replace with a URN-prefixed bare manager id and a dotted key',
    ops: [{ op: 'replace', value: { [`${enterprise}:manager`]: 'mgr-2', 'name.givenName': 'Barb' } }],
    expected: {
      ...withEnterprise({ manager: { value: 'mgr-2', $ref: '../Users/mgr-1' } }),
      name: { givenName: 'Barb', familyName: 'Jensen' },
    },
  },
  {
    name: 'a path-less replace with the extension URN holding an object',
    ops: [{ op: 'replace', value: { [enterprise]: { Department: 'Sales' } } }],
    expected: withEnterprise({ department: 'Sales' }),
  },
  {
    name: 'manager as {value} by path',
    ops: [{ op: 'replace', path: `${enterprise}:manager`, value: { value: 'mgr-3' } }],
    expected: withEnterprise({ manager: { value: 'mgr-3', $ref: '../Users/mgr-1' } }),
  },
  {
    name: 'manager.value by path, URN in another case',
    ops: [{ op: 'Add', path: `${enterprise.toLowerCase()}:manager.value`, value: 'mgr-4' }],
    expected: withEnterprise({ manager: { value: 'mgr-4', $ref: '../Users/mgr-1' } }),
  },
  {
    name: 'removing the manager',
    ops: [{ op: 'Remove', path: `${enterprise}:manager` }],
    expected: { ...stored, [enterprise]: { department: 'Tour Operations' } },
  },
  {
    name: 'a replace of name keeping the sub-attributes it does not name',
    ops: [{ op: 'replace', path: 'name', value: { givenName: 'B' } }],
    expected: { ...stored, name: { givenName: 'B', familyName: 'Jensen' } },
  },
  {
    name: 'Entra adding a single-valued attribute',
    ops: [{ op: 'Add', path: 'nickName', value: 'Babs' }],
    expected: { ...stored, nickName: 'Babs' },
  },
  {
    name: 'an add to emails appending a value',
    ops: [{ op: 'add', path: 'emails', value: [{ value: 'b@other.example', type: 'other' }] }],
    expected: { ...stored, emails: [work, home, { value: 'b@other.example', type: 'other' }] },
  },
  {
    name: 'an add of an email there in another case: no duplicate, the new spelling kept',
    ops: [{ op: 'add', path: 'emails', value: [{ value: 'BJensen@example.com' }] }],
    expected: { ...stored, emails: [{ ...work, value: 'BJensen@example.com' }, home] },
  },
  {
    name: 'a new primary clearing the old one',
    ops: [{ op: 'add', path: 'emails', value: [{ value: 'new@x.example', primary: 'True' }] }],
    expected: {
      ...stored,
      emails: [{ ...work, primary: false }, home, { value: 'new@x.example', primary: true }],
    },
  },
  {
    name: 'a primary set through a filter clearing the old one',
    ops: [{ op: 'replace', path: 'emails[type eq "home"].primary', value: true }],
    expected: {
      ...stored,
      emails: [
        { ...work, primary: false },
        { ...home, primary: true },
      ],
    },
  },
  {
    name: 'Entra replacing the work email through a filter',
    ops: [{ op: 'Replace', path: 'emails[type eq "work"].value', value: 'barbara@example.com' }],
    expected: { ...stored, emails: [{ ...work, value: 'barbara@example.com' }, home] },
  },
  {
    name: 'an add through a filter that matches nothing creating the value',
    ops: [{ op: 'Add', path: 'phoneNumbers[type eq "work"].value', value: '+1 555 0100' }],
    expected: { ...stored, phoneNumbers: [{ type: 'work', value: '+1 555 0100' }] },
  },
  {
    name: 'a replace of a whole filtered value',
    ops: [
      {
        op: 'replace',
        path: 'emails[value eq "BABS@HOME.EXAMPLE"]',
        value: { value: 'b@home.example', type: 'home' },
      },
    ],
    expected: { ...stored, emails: [work, { value: 'b@home.example', type: 'home' }] },
  },
  {
    name: 'a filter with and, or, not and parentheses, names in any case',
    ops: [{ op: 'remove', path: 'Emails[(TYPE Eq "home" or type eq "x") and not (primary eq true)]' }],
    expected: { ...stored, emails: [work] },
  },
  {
    name: 'a filter string holding a bracket',
    ops: [{ op: 'add', path: 'emails[type eq "a]b"].value', value: 'c@x.example' }],
    expected: { ...stored, emails: [work, home, { type: 'a]b', value: 'c@x.example' }] },
  },
  {
    name: 'a remove of a sub-attribute of filtered values',
    ops: [{ op: 'remove', path: 'emails[type eq "work"].primary' }],
    expected: { ...stored, emails: [{ value: 'bjensen@example.com', type: 'work' }, home] },
  },
  {
    name: 'a remove of emails with a value removing those only',
    ops: [{ op: 'Remove', path: 'emails', value: [{ value: 'babs@home.example' }] }],
    expected: { ...stored, emails: [work] },
  },
  {
    name: 'a remove of emails without a value removing them all',
    ops: [{ op: 'remove', path: 'emails' }],
    expected: Object.fromEntries(Object.entries(stored).filter(([k]) => k !== 'emails')),
  },
  {
    name: 'a remove of a sub-attribute, path in another case',
    ops: [{ op: 'REMOVE', path: 'NAME.GIVENNAME' }],
    expected: { ...stored, name: { familyName: 'Jensen' } },
  },
  {
    name: 'a replace with null unassigning',
    ops: [{ op: 'replace', path: 'displayName', value: null }],
    expected: Object.fromEntries(Object.entries(stored).filter(([k]) => k !== 'displayName')),
  },
  {
    name: 'a replace of all emails',
    ops: [{ op: 'replace', path: 'emails', value: [{ value: 'only@x.example', primary: true }] }],
    expected: { ...stored, emails: [{ value: 'only@x.example', primary: true }] },
  },
  {
    name: 'several operations in order',
    ops: [
      { op: 'replace', path: 'title', value: 'Tour Guide' },
      { op: 'replace', path: 'title', value: 'Lead Guide' },
      { op: 'add', path: `${enterprise}:employeeNumber`, value: '701984' },
    ],
    expected: { ...withEnterprise({ employeeNumber: '701984' }), title: 'Lead Guide' },
  },
];

const unchanged: readonly { name: string; ops: unknown[] }[] = [
  {
    name: 'an add of an email already there',
    ops: [{ op: 'add', path: 'emails', value: [{ value: 'bjensen@example.com' }] }],
  },
  { name: 'a password change (never stored)', ops: [{ op: 'replace', path: 'password', value: 's3cret' }] },
  {
    name: 'a replace with the current value',
    ops: [{ op: 'replace', value: { active: 'true', userName: 'bjensen@example.com' } }],
  },
  {
    name: 'unknown keys in a path-less value',
    ops: [{ op: 'replace', value: { 'urn:okta:custom:1.0:user': { x: 1 }, shoeSize: 9 } }],
  },
];

const refused: readonly { name: string; body: unknown; scimType: ScimType; message?: RegExp }[] = [
  { name: 'a body that is not an object', body: [], scimType: 'invalidSyntax' },
  {
    name: 'a body without the PatchOp schema',
    body: { Operations: [{ op: 'add', path: 'title', value: 'x' }] },
    scimType: 'invalidSyntax',
    message: /PatchOp/,
  },
  { name: 'no Operations', body: { schemas: [patchUrn] }, scimType: 'invalidSyntax', message: /Operations/ },
  { name: 'empty Operations', body: patch(), scimType: 'invalidSyntax', message: /non-empty/ },
  {
    name: 'too many Operations',
    body: patch(
      ...Array.from({ length: maxOperations + 1 }, () => ({ op: 'replace', path: 'title', value: 'x' })),
    ),
    scimType: 'invalidSyntax',
    message: /at most 1000/,
  },
  { name: 'an operation that is not an object', body: patch('add'), scimType: 'invalidSyntax' },
  {
    name: 'an unknown op',
    body: patch({ op: 'move', path: 'title' }),
    scimType: 'invalidSyntax',
    message: /add, replace or remove/,
  },
  { name: 'a numeric path', body: patch({ op: 'add', path: 7, value: 'x' }), scimType: 'invalidPath' },
  { name: 'an empty path', body: patch({ op: 'add', path: '', value: 'x' }), scimType: 'invalidPath' },
  { name: 'a remove without a path', body: patch({ op: 'remove' }), scimType: 'noTarget' },
  { name: 'an add without a value', body: patch({ op: 'add', path: 'title' }), scimType: 'invalidValue' },
  {
    name: 'a path-less replace with an array',
    body: patch({ op: 'replace', value: [{ active: false }] }),
    scimType: 'invalidValue',
  },
  {
    name: 'an unknown attribute',
    body: patch({ op: 'replace', path: 'shoeSize', value: 9 }),
    scimType: 'invalidPath',
    message: /shoeSize/,
  },
  {
    name: 'an unknown schema URN',
    body: patch({ op: 'replace', path: 'urn:x:y:shoeSize', value: 9 }),
    scimType: 'invalidPath',
  },
  {
    name: 'an unknown sub-attribute',
    body: patch({ op: 'replace', path: 'name.nickname', value: 'x' }),
    scimType: 'invalidPath',
  },
  {
    name: 'an unclosed filter',
    body: patch({ op: 'remove', path: 'emails[type eq "work"' }),
    scimType: 'invalidPath',
  },
  {
    name: 'a filter on an unknown sub-attribute',
    body: patch({ op: 'remove', path: 'emails[colour eq "x"]' }),
    scimType: 'invalidPath',
  },
  {
    name: 'an unquoted filter string',
    body: patch({ op: 'remove', path: 'emails[type eq work]' }),
    scimType: 'invalidPath',
  },
  {
    name: 'a filter without an operator',
    body: patch({ op: 'remove', path: 'emails[type "work"]' }),
    scimType: 'invalidPath',
  },
  {
    name: 'a filter on a single-valued attribute',
    body: patch({ op: 'remove', path: 'name[givenName eq "x"]' }),
    scimType: 'invalidPath',
  },
  {
    name: 'text after a filter',
    body: patch({ op: 'remove', path: 'emails[type eq "work"]x' }),
    scimType: 'invalidPath',
  },
  {
    name: 'a sub-attribute of every email',
    body: patch({ op: 'replace', path: 'emails.value', value: 'x' }),
    scimType: 'invalidPath',
  },
  {
    name: 'a replace through a filter matching nothing',
    body: patch({ op: 'replace', path: 'emails[type eq "other"].value', value: 'x' }),
    scimType: 'noTarget',
  },
  {
    name: 'a remove through a filter matching nothing',
    body: patch({ op: 'remove', path: 'emails[type eq "other"]' }),
    scimType: 'noTarget',
  },
  {
    name: 'an add through a filter that is not equalities',
    body: patch({ op: 'add', path: 'emails[type sw "zz"].value', value: 'x' }),
    scimType: 'noTarget',
  },
  { name: 'a write of id', body: patch({ op: 'replace', path: 'id', value: 'x' }), scimType: 'mutability' },
  {
    name: 'a write of meta.created',
    body: patch({ op: 'replace', path: 'meta.created', value: '2020-01-01T00:00:00Z' }),
    scimType: 'mutability',
  },
  {
    name: 'an add to groups',
    body: patch({ op: 'add', path: 'groups', value: [{ value: 'g1' }] }),
    scimType: 'mutability',
  },
  {
    name: 'groups in a path-less value',
    body: patch({ op: 'add', value: { groups: [{ value: 'g1' }] } }),
    scimType: 'mutability',
  },
  {
    name: 'a write of manager.displayName',
    body: patch({ op: 'replace', path: `${enterprise}:manager.displayName`, value: 'x' }),
    scimType: 'mutability',
  },
  {
    name: 'a string boolean that is not one',
    body: patch({ op: 'Replace', path: 'active', value: 'maybe' }),
    scimType: 'invalidValue',
    message: /active must be a boolean/,
  },
  {
    name: 'a string for name',
    body: patch({ op: 'replace', path: 'name', value: 'B J' }),
    scimType: 'invalidValue',
    message: /name must be an object/,
  },
  {
    name: 'an array for userName',
    body: patch({ op: 'replace', path: 'userName', value: ['a'] }),
    scimType: 'invalidValue',
  },
  {
    name: 'two primaries in one replace',
    body: patch({
      op: 'replace',
      path: 'emails',
      value: [
        { value: 'a@x', primary: true },
        { value: 'b@x', primary: true },
      ],
    }),
    scimType: 'invalidValue',
    message: /more than one primary/,
  },
  {
    name: 'a remove of userName',
    body: patch({ op: 'remove', path: 'userName' }),
    scimType: 'invalidValue',
    message: /userName is required/,
  },
  {
    name: 'members on a user',
    body: patch({ op: 'add', path: 'members', value: [{ value: 'u' }] }),
    scimType: 'invalidPath',
  },
];

describe('applyUserPatch', () => {
  for (const c of userCases) {
    it(`applies ${c.name}`, () => {
      const result = applyUserPatch(stored, deepFreeze(patch(...c.ops)), anyIdp);
      assert.deepEqual(result.resource, c.expected);
      assert.equal(result.changed, true);
    });
  }
  for (const c of unchanged) {
    it(`reports no change for ${c.name}`, () => {
      const result = applyUserPatch(stored, patch(...c.ops), anyIdp);
      assert.deepEqual(result.resource, stored);
      assert.equal(result.changed, false);
    });
  }
  for (const c of refused) {
    it(`refuses ${c.name} with ${c.scimType}`, () => {
      assertScimError(() => applyUserPatch(stored, c.body, anyIdp), c.scimType, c.message);
    });
  }

  it('names the failing operation', () => {
    const body = patch(
      { op: 'replace', path: 'title', value: 'x' },
      { op: 'replace', path: 'shoeSize', value: 9 },
    );
    assertScimError(() => applyUserPatch(stored, body, anyIdp), 'invalidPath', /^Operations\[1\]: /);
  });

  it('shares nothing with its input', () => {
    const result = applyUserPatch(stored, patch({ op: 'replace', path: 'title', value: 'x' }), anyIdp);
    (result.resource.name as ScimJson).givenName = 'Changed';
    assert.equal((stored.name as ScimJson).givenName, 'Barbara');
  });
});

const group: ScimJson = deepFreeze({ displayName: 'Engineering', externalId: 'eng' });
const none: MemberChanges = { add: [], remove: [] };

const groupCases: readonly { name: string; ops: unknown[]; members: MemberChanges; resource?: ScimJson }[] = [
  {
    name: 'Entra adding members',
    ops: [{ op: 'Add', path: 'members', value: [{ value: 'u1' }, { value: 'u2' }] }],
    members: { add: ['u1', 'u2'], remove: [] },
  },
  {
    name: 'Entra removing members with a value array: those only, never all',
    ops: [{ op: 'Remove', path: 'members', value: [{ value: 'u1' }] }],
    members: { add: [], remove: ['u1'] },
  },
  {
    name: 'Okta removing a member by filter',
    ops: [{ op: 'remove', path: 'members[value eq "u1"]' }],
    members: { add: [], remove: ['u1'] },
  },
  {
    name: 'a remove of several members by an or filter',
    ops: [{ op: 'remove', path: 'Members[Value EQ "u1" or value eq "u2"]' }],
    members: { add: [], remove: ['u1', 'u2'] },
  },
  {
    name: 'a remove of members without a value emptying the group (RFC 7644 §3.5.2.2)',
    ops: [{ op: 'remove', path: 'members' }],
    members: { add: [], remove: [], removeAll: true },
  },
  {
    name: 'a replace of members',
    ops: [
      { op: 'replace', path: 'members', value: [{ value: 'u3', type: 'User', display: 'Three', $ref: 'x' }] },
    ],
    members: { add: [], remove: [], replaceAll: ['u3'] },
  },
  {
    name: 'Okta replacing members with none',
    ops: [{ op: 'replace', path: 'members', value: [] }],
    members: { add: [], remove: [], replaceAll: [] },
  },
  {
    name: 'a path-less add of members',
    ops: [{ op: 'add', value: { members: [{ value: 'u1' }] } }],
    members: { add: ['u1'], remove: [] },
  },
  {
    name: 'a path-less replace of members and displayName',
    ops: [{ op: 'replace', value: { displayName: 'Eng', members: [{ value: 'u1' }] } }],
    members: { add: [], remove: [], replaceAll: ['u1'] },
    resource: { displayName: 'Eng', externalId: 'eng' },
  },
  {
    name: 'Okta renaming a group with its id echoed',
    ops: [{ op: 'replace', value: { id: 'abf4dd94-a4c0-4f67-89c9-76b03340cb9b', displayName: 'New' } }],
    members: none,
    resource: { displayName: 'New', externalId: 'eng' },
  },
  {
    name: 'Entra replacing displayName and externalId by path',
    ops: [
      { op: 'Replace', path: 'displayName', value: 'Eng' },
      { op: 'Replace', path: 'urn:ietf:params:scim:schemas:core:2.0:Group:externalId', value: 'e2' },
    ],
    members: none,
    resource: { displayName: 'Eng', externalId: 'e2' },
  },
  {
    name: 'an add then a remove of one member',
    ops: [
      { op: 'add', path: 'members', value: [{ value: 'u1' }, { value: 'u1' }, { value: 'u2' }] },
      { op: 'remove', path: 'members[value eq "u1"]' },
    ],
    members: { add: ['u2'], remove: ['u1'] },
  },
  {
    name: 'a remove-all then an add',
    ops: [
      { op: 'remove', path: 'members' },
      { op: 'add', path: 'members', value: [{ value: 'u9' }] },
    ],
    members: { add: ['u9'], remove: [], removeAll: true },
  },
  {
    name: 'a replace then a remove and an add',
    ops: [
      { op: 'replace', path: 'members', value: [{ value: 'a' }, { value: 'b' }] },
      { op: 'remove', path: 'members[value eq "a"]' },
      { op: 'add', path: 'members', value: { value: 'c' } },
    ],
    members: { add: [], remove: [], replaceAll: ['b', 'c'] },
  },
];

const groupRefused: readonly { name: string; op: ScimJson; scimType: ScimType; message?: RegExp }[] = [
  {
    name: 'a bare id as member',
    op: { op: 'add', path: 'members', value: ['u1'] },
    scimType: 'invalidValue',
  },
  {
    name: 'a string as the value',
    op: { op: 'add', path: 'members', value: 'u1' },
    scimType: 'invalidValue',
  },
  {
    name: 'a numeric member value',
    op: { op: 'add', path: 'members', value: [{ value: 5 }] },
    scimType: 'invalidValue',
  },
  {
    name: 'a member without value',
    op: { op: 'add', path: 'members', value: [{}] },
    scimType: 'invalidValue',
  },
  {
    name: 'a nested group',
    op: { op: 'add', path: 'members', value: [{ value: 'g', type: 'Group' }] },
    scimType: 'invalidValue',
    message: /nested groups/,
  },
  {
    name: 'an add of null members',
    op: { op: 'add', path: 'members', value: null },
    scimType: 'invalidValue',
  },
  {
    name: 'a remove with a null value',
    op: { op: 'remove', path: 'members', value: null },
    scimType: 'invalidValue',
  },
  {
    name: 'a remove with bare ids',
    op: { op: 'Remove', path: 'members', value: ['u1'] },
    scimType: 'invalidValue',
  },
  {
    name: 'a replace through a member filter',
    op: { op: 'replace', path: 'members[value eq "u1"]', value: { value: 'u2' } },
    scimType: 'invalidPath',
  },
  {
    name: 'an add through a member filter',
    op: { op: 'add', path: 'members[value eq "u1"]', value: { value: 'u1' } },
    scimType: 'invalidPath',
  },
  {
    name: 'a member filter on display',
    op: { op: 'remove', path: 'members[display eq "Bob"]' },
    scimType: 'invalidPath',
  },
  {
    name: 'a member filter with and',
    op: { op: 'remove', path: 'members[value eq "u1" and display eq "Bob"]' },
    scimType: 'invalidPath',
  },
  {
    name: 'a member filter with ne',
    op: { op: 'remove', path: 'members[value ne "u1"]' },
    scimType: 'invalidPath',
  },
  {
    name: 'a member filter with pr',
    op: { op: 'remove', path: 'members[value pr]' },
    scimType: 'invalidPath',
  },
  {
    name: 'a change of an existing member value',
    op: { op: 'replace', path: 'members[value eq "u1"].value', value: 'u2' },
    scimType: 'mutability',
  },
  {
    name: 'a change of members.value',
    op: { op: 'replace', path: 'members.value', value: 'u2' },
    scimType: 'mutability',
  },
  {
    name: 'a remove of displayName',
    op: { op: 'remove', path: 'displayName' },
    scimType: 'invalidValue',
    message: /displayName is required/,
  },
  { name: 'a write of id', op: { op: 'replace', path: 'id', value: 'x' }, scimType: 'mutability' },
  { name: 'an unknown attribute', op: { op: 'replace', path: 'owner', value: 'x' }, scimType: 'invalidPath' },
];

describe('planGroupPatch', () => {
  for (const c of groupCases) {
    it(`plans ${c.name}`, () => {
      const result = planGroupPatch(group, deepFreeze(patch(...c.ops)), anyIdp);
      assert.deepEqual(result.members, c.members);
      assert.deepEqual(result.resource, c.resource ?? group);
      assert.equal(result.changed, c.resource !== undefined);
      assert.equal('members' in result.resource, false);
    });
  }
  for (const c of groupRefused) {
    it(`refuses ${c.name} with ${c.scimType}`, () => {
      assertScimError(() => planGroupPatch(group, patch(c.op), anyIdp), c.scimType, c.message);
    });
  }

  it('keeps members out of the resource even when the stored copy had them', () => {
    const result = planGroupPatch(
      { ...group, members: [{ value: 'u1' }] },
      patch({ op: 'replace', path: 'displayName', value: 'X' }),
      anyIdp,
    );
    assert.deepEqual(result.resource, { displayName: 'X', externalId: 'eng' });
  });
});

/** Forms some IdPs send: refused in the baseline dialect, applied with the one leniency that names them. */
const dialectCases: readonly {
  leniency: Leniency;
  op: ScimJson;
  scimType: ScimType;
  message: RegExp;
  expected: ScimJson;
}[] = [
  {
    leniency: 'stringBooleans',
    op: { op: 'replace', path: 'active', value: 'False' },
    scimType: 'invalidValue',
    message: /active must be a boolean/,
    expected: { ...stored, active: false },
  },
  {
    leniency: 'stringBooleans',
    op: { op: 'remove', path: 'emails[primary eq "true"]' },
    scimType: 'invalidPath',
    message: /primary is a boolean/,
    expected: { ...stored, emails: [home] },
  },
  {
    leniency: 'singleComplexAsList',
    op: { op: 'replace', path: `${enterprise}:manager`, value: [{ value: 'mgr-2' }] },
    scimType: 'invalidValue',
    message: /manager is single-valued/,
    expected: withEnterprise({ manager: { value: 'mgr-2', $ref: '../Users/mgr-1' } }),
  },
];

/** Forms every IdP may send: applied as the IdP means them in every provider's dialect and the baseline. */
const everyIdpCases: readonly { name: string; ops: ScimJson[]; expected: ScimJson }[] = [
  {
    name: 'op names in any case',
    ops: [
      { op: 'Replace', path: 'title', value: 'Guide' },
      { op: 'ADD', path: 'nickName', value: 'Babs' },
      { op: 'Remove', path: 'emails[type eq "home"]' },
    ],
    expected: { ...stored, title: 'Guide', nickName: 'Babs', emails: [work] },
  },
  {
    name: 'a remove with a value list, removing exactly those values',
    ops: [{ op: 'remove', path: 'emails', value: [{ value: 'babs@home.example' }] }],
    expected: { ...stored, emails: [work] },
  },
  {
    name: 'id and meta echoed in a path-less replace, ignored',
    ops: [{ op: 'replace', value: { id: 'abc', meta: { version: 'W/"1"' }, displayName: 'New' } }],
    expected: { ...stored, displayName: 'New' },
  },
  {
    name: 'a dotted key in a path-less replace',
    ops: [{ op: 'replace', value: { 'name.givenName': 'Barb' } }],
    expected: { ...stored, name: { givenName: 'Barb', familyName: 'Jensen' } },
  },
  {
    name: 'a URN-qualified key in a path-less replace',
    ops: [{ op: 'replace', value: { [`${enterprise}:department`]: 'Sales' } }],
    expected: withEnterprise({ department: 'Sales' }),
  },
  {
    name: 'a dotted key inside the extension object',
    ops: [{ op: 'replace', value: { [enterprise]: { 'manager.value': 'mgr-2' } } }],
    expected: withEnterprise({ manager: { value: 'mgr-2', $ref: '../Users/mgr-1' } }),
  },
  {
    name: 'the manager as a bare id under its URN-qualified path',
    ops: [{ op: 'replace', path: `${enterprise}:manager`, value: 'mgr-2' }],
    expected: withEnterprise({ manager: { value: 'mgr-2', $ref: '../Users/mgr-1' } }),
  },
  {
    name: 'the manager as a bare id under a URN-qualified key',
    ops: [{ op: 'replace', value: { [`${enterprise}:manager`]: 'mgr-2' } }],
    expected: withEnterprise({ manager: { value: 'mgr-2', $ref: '../Users/mgr-1' } }),
  },
  {
    name: 'the manager as {value} under its URN-qualified path',
    ops: [{ op: 'add', path: `${enterprise}:manager`, value: { value: 'mgr-2' } }],
    expected: withEnterprise({ manager: { value: 'mgr-2', $ref: '../Users/mgr-1' } }),
  },
  {
    name: 'a value-filter path to a sub-attribute',
    ops: [{ op: 'replace', path: 'emails[type eq "work"].value', value: 'barbara@example.com' }],
    expected: { ...stored, emails: [{ ...work, value: 'barbara@example.com' }, home] },
  },
  {
    name: 'an enterprise attribute path without its URN',
    ops: [{ op: 'replace', path: 'department', value: 'Sales' }],
    expected: withEnterprise({ department: 'Sales' }),
  },
  {
    name: 'the manager as a bare id under the path "manager"',
    ops: [{ op: 'Add', path: 'manager', value: 'mgr-2' }],
    expected: withEnterprise({ manager: { value: 'mgr-2', $ref: '../Users/mgr-1' } }),
  },
  {
    name: 'the manager as {value} under the path "manager"',
    ops: [{ op: 'replace', path: 'Manager', value: { value: 'mgr-2' } }],
    expected: withEnterprise({ manager: { value: 'mgr-2', $ref: '../Users/mgr-1' } }),
  },
  {
    name: 'the manager id under the path "manager.value"',
    ops: [{ op: 'replace', path: 'manager.value', value: 'mgr-2' }],
    expected: withEnterprise({ manager: { value: 'mgr-2', $ref: '../Users/mgr-1' } }),
  },
  {
    name: 'enterprise keys without their URN in a path-less replace',
    ops: [{ op: 'replace', value: { department: 'Sales', manager: 'mgr-2' } }],
    expected: withEnterprise({ department: 'Sales', manager: { value: 'mgr-2', $ref: '../Users/mgr-1' } }),
  },
  {
    name: 'a remove of the path "manager"',
    ops: [{ op: 'Remove', path: 'manager' }],
    expected: { ...stored, [enterprise]: { department: 'Tour Operations' } },
  },
];

const dialects = [
  ['baseline', baselineDialect] as const,
  ...Object.entries(idpProfiles).map(([p, v]) => [p, v.scim] as const),
];

describe('PATCH in the baseline dialect', () => {
  for (const c of dialectCases) {
    it(`refuses ${JSON.stringify(c.op)} with ${c.scimType}, applies it with ${c.leniency} on`, () => {
      assertScimError(() => applyUserPatch(stored, patch(c.op), baselineDialect), c.scimType, c.message);
      const lenient = { ...baselineDialect, [c.leniency]: true };
      assert.deepEqual(applyUserPatch(stored, patch(c.op), lenient).resource, c.expected);
    });
  }

  for (const c of everyIdpCases) {
    it(`applies ${c.name} in every dialect`, () => {
      for (const [name, dialect] of dialects) {
        assert.deepEqual(
          applyUserPatch(stored, deepFreeze(patch(...c.ops)), dialect).resource,
          c.expected,
          name,
        );
      }
    });
  }

  it('refuses a path without its URN that two extensions define, in every dialect', () => {
    for (const [name, dialect] of dialects) {
      for (const path of ['department', 'department[value eq "x"]']) {
        assertScimError(
          () => parsePatchPath(userWithBadgeType, path, dialect),
          'invalidPath',
          new RegExp(`an attribute of ${enterprise} and ${badgeSchemaId}: name it with its schema URN`),
        );
      }
      assert.equal(parsePatchPath(userWithBadgeType, 'badge', dialect).schema.id, badgeSchemaId, name);
      assert.equal(parsePatchPath(userWithBadgeType, 'manager', dialect).schema.id, enterprise, name);
      const qualified = parsePatchPath(userWithBadgeType, `${badgeSchemaId}:department`, dialect);
      assert.equal(qualified.schema.id, badgeSchemaId, name);
    }
  });

  it('removes only the group members a value list names, in every dialect, never all of them', () => {
    const body = deepFreeze(
      patch({ op: 'Remove', path: 'members', value: [{ value: 'u1' }, { value: 'u3' }] }),
    );
    for (const [name, dialect] of dialects) {
      assert.deepEqual(planGroupPatch(group, body, dialect).members, { add: [], remove: ['u1', 'u3'] }, name);
    }
  });

  it('renames a group whose path-less replace echoes its id and meta, in every dialect', () => {
    const body = patch({
      op: 'replace',
      value: { id: 'g1', meta: { version: 'W/"2"' }, displayName: 'Ops' },
    });
    for (const [name, dialect] of dialects) {
      const result = planGroupPatch(group, body, dialect);
      assert.deepEqual(result.resource, { ...group, displayName: 'Ops' }, name);
      assert.deepEqual(result.members, { add: [], remove: [] }, name);
    }
  });

  it('still refuses id written through a path, and an op that is none of the three', () => {
    for (const [, dialect] of dialects) {
      assertScimError(
        () => applyUserPatch(stored, patch({ op: 'replace', path: 'id', value: 'x' }), dialect),
        'mutability',
        /id is read-only/,
      );
      assertScimError(
        () => applyUserPatch(stored, patch({ op: 'Move', path: 'title', value: 'x' }), dialect),
        'invalidSyntax',
        /op must be add, replace or remove/,
      );
    }
  });

  it('applies what RFC 7644 §3.5.2 writes: path-less values, filters, names in any case', () => {
    const body = patch(
      { op: 'replace', value: { active: false, NAME: { givenName: 'B' } } },
      { op: 'add', path: 'emails[type eq "work"].primary', value: true },
      { op: 'remove', path: 'Emails[TYPE eq "home"]' },
    );
    assert.deepEqual(applyUserPatch(stored, body, baselineDialect).resource, {
      ...stored,
      active: false,
      name: { givenName: 'B', familyName: 'Jensen' },
      emails: [work],
    });
    const members = patch(
      { op: 'add', path: 'members', value: [{ value: 'u1' }] },
      { op: 'remove', path: 'members[value eq "u2"]' },
    );
    assert.deepEqual(planGroupPatch(group, members, baselineDialect).members, {
      add: ['u1'],
      remove: ['u2'],
    });
  });
});
