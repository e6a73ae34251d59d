import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MusterError } from '../../../src/errors.ts';
import { baselineDialect, idpProfiles, type ScimDialect } from '../../../src/protocols/idp-profiles/index.ts';
import { parseFilter } from '../../../src/protocols/scim/filter/index.ts';
import {
  attribute,
  enterpriseUserSchemaId,
  groupResourceType,
  type ResourceType,
  userResourceType,
  userSchemaId,
} from '../../../src/protocols/scim/schema/index.ts';
import type { FilterAttribute, FilterNode } from '../../../src/storage/index.ts';
import { badgeSchemaId, userWithBadgeType } from '../../support/resource-types.ts';

/** A resource with the attribute types User and Group lack, so every type rule has a case. */
const widgetResourceType: ResourceType = {
  id: 'Widget',
  name: 'Widget',
  endpoint: '/Widgets',
  description: 'Test resource',
  schema: {
    id: 'urn:example:scim:schemas:Widget',
    name: 'Widget',
    description: 'Test resource',
    attributes: [
      attribute('age', 'integer'),
      attribute('score', 'decimal'),
      attribute('photo', 'binary', { caseExact: true }),
      attribute('born', 'dateTime'),
      attribute('home', 'reference', { referenceTypes: ['external'] }),
    ],
  },
  extensions: [],
};

const enterprise = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

function pathOf(a: FilterAttribute): string {
  return `${a.core ? '' : 'ext:'}${a.name}${a.sub ? `.${a.sub}` : ''}`;
}

/** The tree, printed compactly: and/or always parenthesized, names canonical, values as JSON. */
function show(node: FilterNode): string {
  switch (node.kind) {
    case 'compare':
      return `${pathOf(node.attribute)} ${node.op} ${JSON.stringify(node.value)}`;
    case 'present':
      return `${pathOf(node.attribute)} pr`;
    case 'and':
    case 'or':
      return `(${show(node.left)} ${node.kind} ${show(node.right)})`;
    case 'not':
      return `not(${show(node.filter)})`;
    case 'valuePath':
      return `${pathOf(node.attribute)}[${show(node.filter)}]`;
  }
}

type Case = readonly [filter: string, expected: string, resourceType?: ResourceType];

const parses: readonly Case[] = [
  // comparisons and case-insensitive names and operators
  ['userName eq "bjensen"', 'userName eq "bjensen"'],
  ['USERNAME EQ "bjensen"', 'userName eq "bjensen"'],
  ['username Eq "BJensen"', 'userName eq "BJensen"'],
  ['userType ne "Employee"', 'userType ne "Employee"'],
  ['name.familyName co "O\'Malley"', 'name.familyName co "O\'Malley"'],
  ['NAME.GIVENNAME sw "J"', 'name.givenName sw "J"'],
  ['userName ew "@example.com"', 'userName ew "@example.com"'],
  ['title gt "m"', 'title gt "m"'],
  ['id eq "2819c223-7f76-453a-919d-413861904646"', 'id eq "2819c223-7f76-453a-919d-413861904646"'],
  ['externalId eq "E-1"', 'externalId eq "E-1"'],
  ['meta.resourceType eq "User"', 'meta.resourceType eq "User"'],
  ['profileUrl sw "https://"', 'profileUrl sw "https://"'],
  // presence
  ['title pr', 'title pr'],
  ['TITLE PR', 'title pr'],
  ['emails pr', 'emails pr'],
  ['name pr', 'name pr'],
  // dateTime values: normalized to UTC when they carry no offset
  ['meta.lastModified gt "2011-05-13T04:42:34Z"', 'meta.lastModified gt "2011-05-13T04:42:34Z"'],
  [
    'meta.lastModified GE "2011-05-13T04:42:34.123+02:00"',
    'meta.lastModified ge "2011-05-13T04:42:34.123+02:00"',
  ],
  ['meta.created lt "2011-05-13T04:42:34"', 'meta.created lt "2011-05-13T04:42:34Z"'],
  ['meta.created le "2024-02-29T23:59:59.5-05:30"', 'meta.created le "2024-02-29T23:59:59.5-05:30"'],
  // booleans, including the strings Entra and Keycloak send (read in the generic dialect)
  ['active eq true', 'active eq true'],
  ['active eq TRUE', 'active eq true'],
  ['active ne false', 'active ne false'],
  ['active eq "True"', 'active eq true'],
  ['active eq "false"', 'active eq false'],
  ['emails[primary eq "TRUE"]', 'emails[emails.primary eq true]'],
  // null is unassigned (RFC 7643 §2.5)
  ['title eq null', 'not(title pr)'],
  ['title ne NULL', 'title pr'],
  ['emails eq null', 'not(emails.value pr)'],
  // a multi-valued complex attribute without a sub-attribute means its value
  ['emails eq "a@x.com"', 'emails.value eq "a@x.com"'],
  // an unquoted word is a string, as Entra's documentation writes it (generic dialect)
  ['externalId eq jyoung', 'externalId eq "jyoung"'],
  ['emails.value co "@x.com"', 'emails.value co "@x.com"'],
  ['Emails.Type eq "work"', 'emails.type eq "work"'],
  ['groups eq "g1"', 'groups.value eq "g1"'],
  // value paths
  [
    'emails[type eq "work" and value co "@example.com"]',
    'emails[(emails.type eq "work" and emails.value co "@example.com")]',
  ],
  ['Emails[TYPE eq "work"]', 'emails[emails.type eq "work"]'],
  ['emails[not (type eq "work")]', 'emails[not(emails.type eq "work")]'],
  [
    'emails[type eq "work" or (primary eq true)]',
    'emails[(emails.type eq "work" or emails.primary eq true)]',
  ],
  ['emails[value pr]', 'emails[emails.value pr]'],
  // Entra: a value path followed by a comparison on one of its sub-attributes (generic dialect)
  ['emails[type eq "work"].value eq "x"', 'emails[(emails.type eq "work" and emails.value eq "x")]'],
  ['name[givenName eq "B"]', 'name[name.givenName eq "B"]'],
  ['meta[created gt "2020-01-01T00:00:00Z"]', 'meta[meta.created gt "2020-01-01T00:00:00Z"]'],
  [
    'emails[type eq "work"] and emails[type eq "home"]',
    '(emails[emails.type eq "work"] and emails[emails.type eq "home"])',
  ],
  // URN-qualified paths
  [`${enterprise}:employeeNumber eq "701984"`, 'ext:employeeNumber eq "701984"'],
  [`${enterprise}:manager.value eq "26118915"`, 'ext:manager.value eq "26118915"'],
  [`${enterprise.toUpperCase()}:MANAGER.VALUE eq "x"`, 'ext:manager.value eq "x"'],
  [`${enterprise}:manager[value eq "x"]`, 'ext:manager[ext:manager.value eq "x"]'],
  // an extension's attribute without its URN: the one extension that defines it
  ['manager.value eq "x"', 'ext:manager.value eq "x"'],
  ['Department eq "Sales"', 'ext:department eq "Sales"'],
  ['manager[value eq "x"]', 'ext:manager[ext:manager.value eq "x"]'],
  ['manager.value eq "x"', 'ext:manager.value eq "x"', userWithBadgeType],
  ['badge eq "B-7"', 'ext:badge eq "B-7"', userWithBadgeType],
  [`${enterprise}:department eq "Sales"`, 'ext:department eq "Sales"', userWithBadgeType],
  ['urn:ietf:params:scim:schemas:core:2.0:User:userName eq "x"', 'userName eq "x"'],
  ['urn:ietf:params:scim:schemas:core:2.0:User:name.givenName pr', 'name.givenName pr'],
  // precedence: not, then and, then or; and/or associate to the left
  [
    'title eq "a" or userType eq "b" and nickName eq "c"',
    '(title eq "a" or (userType eq "b" and nickName eq "c"))',
  ],
  [
    'title eq "a" and userType eq "b" or nickName eq "c"',
    '((title eq "a" and userType eq "b") or nickName eq "c")',
  ],
  [
    '(title eq "a" or userType eq "b") and nickName eq "c"',
    '((title eq "a" or userType eq "b") and nickName eq "c")',
  ],
  [
    'title eq "a" and userType eq "b" and nickName eq "c"',
    '((title eq "a" and userType eq "b") and nickName eq "c")',
  ],
  [
    'title eq "a" OR userType eq "b" Or nickName eq "c"',
    '((title eq "a" or userType eq "b") or nickName eq "c")',
  ],
  ['not (title eq "a") and userType eq "b"', '(not(title eq "a") and userType eq "b")'],
  ['NOT(title pr)', 'not(title pr)'],
  ['not (title eq "a" or userType eq "b")', 'not((title eq "a" or userType eq "b"))'],
  ['not (not (title pr))', 'not(not(title pr))'],
  ['((title pr))', 'title pr'],
  [
    'displayName eq "x" and (emails[type eq "work"] or not (emails pr))',
    '(displayName eq "x" and (emails[emails.type eq "work"] or not(emails pr)))',
  ],
  // whitespace and JSON strings
  ['  userName\teq\r\n"x"  ', 'userName eq "x"'],
  ['userName eq"x"', 'userName eq "x"'],
  [
    'title eq "say \\"hi\\" \\\\ \\/ \\u00e9\\n\\t\\b\\f\\r"',
    'title eq "say \\"hi\\" \\\\ / é\\n\\t\\b\\f\\r"',
  ],
  ['title eq "\\ud83d\\ude00 ok"', 'title eq "😀 ok"'],
  ['title eq ""', 'title eq ""'],
  ['title co "100%_\\\\"', 'title co "100%_\\\\"'],
  // groups
  ['displayName eq "Admins"', 'displayName eq "Admins"', groupResourceType],
  ['members eq "u1"', 'members.value eq "u1"', groupResourceType],
  ['members.value eq "u1"', 'members.value eq "u1"', groupResourceType],
  ['members[value eq "u1"]', 'members[members.value eq "u1"]', groupResourceType],
  ['members pr', 'members pr', groupResourceType],
  ['meta.resourceType eq "Group"', 'meta.resourceType eq "Group"', groupResourceType],
  // numbers, binary, references and dateTimes outside meta
  ['age gt 30', 'age gt 30', widgetResourceType],
  ['age eq -1', 'age eq -1', widgetResourceType],
  ['age le 1e2', 'age le 100', widgetResourceType],
  ['score eq 0.5', 'score eq 0.5', widgetResourceType],
  ['score lt -2.5E-3', 'score lt -0.0025', widgetResourceType],
  ['score ge 3', 'score ge 3', widgetResourceType],
  ['photo eq "aGk="', 'photo eq "aGk="', widgetResourceType],
  ['photo pr', 'photo pr', widgetResourceType],
  ['home co "example"', 'home co "example"', widgetResourceType],
  ['born eq "2000-02-29T00:00:00Z"', 'born eq "2000-02-29T00:00:00Z"', widgetResourceType],
];

/** Each error: the filter, what the message must say (including where), and the resource type. */
const refuses: readonly Case[] = [
  ['', 'the filter is empty'],
  [' \t ', 'the filter is empty'],
  [`title eq "${'x'.repeat(4090)}"`, 'the filter is 4101 characters long, more than the 4096 allowed'],
  // attributes
  ['foo eq "x"', 'unknown attribute "foo" at position 1'],
  // an extension's attribute without its URN where two extensions define it: never guessed
  [
    'department eq "Sales"',
    `"department" is an attribute of ${enterprise} and ${badgeSchemaId}: name it with its schema URN at position 1`,
    userWithBadgeType,
  ],
  [
    'title pr and department pr',
    `"department" is an attribute of ${enterprise} and ${badgeSchemaId}: name it with its schema URN at position 14`,
    userWithBadgeType,
  ],
  ['name.nope eq "x"', 'unknown attribute "name.nope" at position 1'],
  ['name.givenName.x eq "x"', 'unknown attribute "name.givenName.x" at position 1'],
  [
    'urn:example:other:2.0:User:title eq "x"',
    'unknown attribute "urn:example:other:2.0:User:title" at position 1',
  ],
  [`${enterprise} eq "x"`, `unknown attribute "${enterprise}" at position 1`],
  ['title eq "a" and _x pr', 'unknown attribute "_x" at position 18'],
  ['userName eq "x"', 'unknown attribute "userName" at position 1', groupResourceType],
  ['emails[nope eq "x"]', 'unknown sub-attribute "nope" of emails at position 8'],
  ['emails[emails.value eq "x"]', 'unknown sub-attribute "emails.value" of emails at position 8'],
  ['password eq "secret"', '"password" cannot be used in a filter at position 1'],
  ['password pr', '"password" cannot be used in a filter at position 1'],
  // operators
  [
    'userName equals "x"',
    'unknown operator "equals" (expected eq, ne, co, sw, ew, gt, ge, lt, le or pr) at position 10',
  ],
  [
    'userName "x"',
    'unknown operator "\\"x\\"" (expected eq, ne, co, sw, ew, gt, ge, lt, le or pr) at position 10',
  ],
  ['userName', 'missing operator after "userName" at position 9'],
  ['userName = "x"', 'unexpected character "=" at position 10'],
  ['userName eq "x" && title pr', 'unexpected character "&" at position 17'],
  // values
  ['userName eq', 'missing value after "eq" at position 10'],
  ['userName eq ', 'missing value after "eq" at position 10'],
  [
    'emails[value eq]',
    'expected a value (a string in double quotes, a number, true, false or null), found "]" at position 16',
  ],
  ["userName eq 'x'", 'strings are written in double quotes, not single quotes at position 13'],
  ['userName eq "bjensen', 'unterminated string starting at position 13'],
  ['userName eq "bjensen\\"', 'unterminated string starting at position 13'],
  ['userName eq "a\\', 'unterminated string starting at position 13'],
  ['userName eq "a\\qb"', 'invalid escape "\\\\q" in a string at position 15'],
  ['userName eq "a\\u12"', 'invalid escape "\\\\u" in a string at position 15'],
  ['userName eq "tab\there"', 'a control character inside a string must be escaped at position 17'],
  ['userName eq "a\\u0000"', 'a string may not contain \\u0000 at position 13'],
  ['userName eq "\\ud800"', 'a string holds an unpaired UTF-16 surrogate at position 13'],
  ['userName eq "x"\u0000', 'unexpected character "\\u0000" at position 16'],
  ['age eq 01', 'malformed number "01" at position 8', widgetResourceType],
  ['age eq 1.', 'malformed number "1." at position 8', widgetResourceType],
  ['age eq -', 'malformed number "-" at position 8', widgetResourceType],
  ['age eq 12abc', 'malformed number "12abc" at position 8', widgetResourceType],
  ['age eq 1e999', 'number 1e999 is out of range at position 8', widgetResourceType],
  // structure
  ['userName eq "x" extra', 'expected "and", "or" or the end, found "extra" at position 17'],
  ['userName eq "x" "y"', 'expected "and", "or" or the end, found "\\"y\\"" at position 17'],
  ['userName eq "x" and', 'expected a filter after "and" at position 17'],
  ['userName eq "x" or ', 'expected a filter after "or" at position 17'],
  ['userName eq "x" and and title pr', 'unknown attribute "and" at position 21'],
  ['userName eq "x" or (', 'expected an attribute name, found the end of the filter at position 21'],
  [') userName eq "x"', 'expected an attribute name, found ")" at position 1'],
  ['(userName eq "x"', 'unbalanced parentheses: this "(" is never closed at position 1'],
  ['((userName eq "x")', 'unbalanced parentheses: this "(" is never closed at position 1'],
  ['userName eq "x")', 'unbalanced parentheses: nothing opened this ")" at position 16'],
  ['(userName eq "x"))', 'unbalanced parentheses: nothing opened this ")" at position 18'],
  ['(userName eq "x" title pr)', 'expected "and", "or" or ")", found "title" at position 18'],
  ['()', 'empty parentheses at position 1'],
  ['not ()', 'empty parentheses at position 5'],
  ['not userName eq "x"', '"not" must be followed by "(", found "userName" at position 5'],
  ['not', '"not" must be followed by "(", found the end of the filter at position 4'],
  // value paths
  ['emails[type eq "work"', 'unbalanced brackets: this "[" is never closed at position 7'],
  ['emails[type eq "work"]]', 'unbalanced brackets: nothing opened this "]" at position 23'],
  ['emails[type eq "work")', 'expected "and", "or" or "]", found ")" at position 22'],
  ['emails[]', 'empty "[]" at position 7'],
  ['emails[type[value eq "x"]]', 'a "[...]" filter cannot be nested inside another at position 12'],
  ['userName[value eq "x"]', '"[...]" follows a complex attribute, and "userName" is not one at position 9'],
  [
    'name.givenName[value eq "x"]',
    '"[...]" follows a complex attribute, and "name.givenName" is not one at position 15',
  ],
  ['emails[type eq "work"] eq "x"', 'expected "and", "or" or the end, found "eq" at position 24'],
  // nesting
  [`${'('.repeat(51)}title pr${')'.repeat(51)}`, 'nested deeper than 50 levels at position 51'],
  [`${'not ('.repeat(51)}title pr${')'.repeat(51)}`, 'nested deeper than 50 levels at position 255'],
  // operators on types
  ['active gt true', '"gt" cannot be used with boolean active at position 8'],
  ['active le false', '"le" cannot be used with boolean active at position 8'],
  ['active co "t"', '"co" cannot be used with boolean active at position 8'],
  ['age co "1"', '"co" needs a string attribute, and age is integer at position 5', widgetResourceType],
  ['score sw "1"', '"sw" needs a string attribute, and score is decimal at position 7', widgetResourceType],
  ['meta.created ew "Z"', '"ew" needs a string attribute, and meta.created is dateTime at position 14'],
  ['photo gt "x"', '"gt" cannot be used with binary photo at position 7', widgetResourceType],
  ['photo co "x"', '"co" cannot be used with binary photo at position 7', widgetResourceType],
  ['userName gt null', '"gt" cannot compare with null at position 10'],
  ['userName co null', '"co" cannot compare with null at position 10'],
  // values of the wrong type
  ['active eq "yes"', 'active is a boolean, so "yes" is not a value it can have at position 11'],
  ['active eq 1', 'active is a boolean, so 1 is not a value it can have at position 11'],
  ['userName eq 1', 'userName is a string, so 1 is not a value it can have at position 13'],
  ['userName eq true', 'userName is a string, so true is not a value it can have at position 13'],
  ['emails[primary eq "yes"]', 'primary is a boolean, so "yes" is not a value it can have at position 19'],
  ['age eq 1.5', 'age is an integer, so 1.5 is not a value it can have at position 8', widgetResourceType],
  ['age eq "1"', 'age is an integer, so "1" is not a value it can have at position 8', widgetResourceType],
  [
    'age eq 9007199254740993',
    'age is an integer, so 9007199254740993 is not a value it can have at position 8',
    widgetResourceType,
  ],
  [
    'score eq "1.5"',
    'score is a number, so "1.5" is not a value it can have at position 10',
    widgetResourceType,
  ],
  [
    'meta.created gt "yesterday"',
    'is a dateTime (such as "2024-05-01T12:00:00Z"), so "yesterday" is not a value it can have at position 17',
  ],
  [
    'meta.created gt "2023-02-29T00:00:00Z"',
    'so "2023-02-29T00:00:00Z" is not a value it can have at position 17',
  ],
  ['meta.created gt "2024-01-01"', 'so "2024-01-01" is not a value it can have at position 17'],
  [
    'meta.created gt "0000-01-01T00:00:00Z"',
    'so "0000-01-01T00:00:00Z" is not a value it can have at position 17',
  ],
  [
    'meta.created gt "2024-01-01T24:00:00Z"',
    'so "2024-01-01T24:00:00Z" is not a value it can have at position 17',
  ],
  [
    'meta.created gt "2024-01-01T00:00:00+15:00"',
    'so "2024-01-01T00:00:00+15:00" is not a value it can have at position 17',
  ],
  ['meta.created gt 2024', 'so 2024 is not a value it can have at position 17'],
  // complex attributes compared as a whole
  ['name eq "x"', '"name" is a complex attribute; compare one of its sub-attributes at position 1'],
  ['addresses eq "x"', '"addresses" is a complex attribute; compare one of its sub-attributes at position 1'],
  [
    `${enterprise}:manager eq "x"`,
    `"${enterprise}:manager" is a complex attribute; compare one of its sub-attributes at position 1`,
  ],
  ['meta eq "x"', '"meta" is a complex attribute; compare one of its sub-attributes at position 1'],
];

/** The unit cases read filters as a generic directory does: every IdP's forms. */
function parse(
  filter: string,
  resourceType: ResourceType = userResourceType,
  dialect: ScimDialect = idpProfiles.generic.scim,
): FilterNode {
  return parseFilter(filter, resourceType, dialect);
}

/** What the RFC's grammar allows, and the forms every IdP may send: read whatever the dialect. */
const everyDialectParses: readonly Case[] = [
  ['USERNAME EQ "bjensen"', 'userName eq "bjensen"'],
  ['active eq TRUE', 'active eq true'],
  ['title ne NULL', 'title pr'],
  [`${enterprise}:manager.value eq "x"`, 'ext:manager.value eq "x"'],
  // An extension's attribute without its URN, as Entra names the manager and department.
  ['manager.value eq "x"', 'ext:manager.value eq "x"'],
  ['department eq "Sales"', 'ext:department eq "Sales"'],
  ['emails[type eq "work" and value eq "x"]', 'emails[(emails.type eq "work" and emails.value eq "x")]'],
  // Entra's matching attribute: a sub-attribute after the brackets, read as the one value matching both.
  ['emails[type eq "work"].value eq "x"', 'emails[(emails.type eq "work" and emails.value eq "x")]'],
];

/** Forms only a dialect allows, refused in the baseline; each names the leniency that reads it. */
const baselineRefuses: readonly [filter: string, message: string, leniency: keyof ScimDialect][] = [
  ['active eq "True"', 'active is a boolean, so "True" is not a value it can have', 'stringBooleans'],
  ['emails[primary eq "true"]', 'primary is a boolean, so "true"', 'stringBooleans'],
  ['externalId eq jyoung', 'expected a value (a string in double quotes', 'unquotedFilterStrings'],
];

describe('SCIM filter parser', () => {
  for (const [filter, expected, resourceType] of parses) {
    it(`parses ${filter.length > 80 ? `${filter.slice(0, 80)}…` : filter}`, () => {
      assert.equal(show(parse(filter, resourceType)), expected);
    });
  }

  for (const [filter, message, resourceType] of refuses) {
    it(`refuses ${JSON.stringify(filter.length > 80 ? `${filter.slice(0, 80)}…` : filter)}`, () => {
      assert.throws(
        () => parse(filter, resourceType),
        (error: unknown) => {
          assert.ok(error instanceof MusterError, String(error));
          assert.equal(error.code, 'bad_request');
          assert.equal(error.status, 400);
          assert.equal(error.scimType, 'invalidFilter');
          assert.ok(error.message.includes(message), `${error.message} does not say ${message}`);
          return true;
        },
      );
    });
  }

  it('accepts the longest and deepest filters it allows', () => {
    const long = `title eq "${'x'.repeat(4096 - 11)}"`;
    assert.equal(long.length, 4096);
    assert.equal(parse(long).kind, 'compare');
    const deep = `${'('.repeat(50)}title pr${')'.repeat(50)}`;
    assert.equal(show(parse(deep)), 'title pr');
    const chain = Array.from({ length: 300 }, () => 'title pr').join(' and ');
    assert.equal(parse(chain).kind, 'and');
  });

  it('carries the canonical names, type and case rules from the schema', () => {
    const value = (filter: string, resourceType?: ResourceType) => {
      const node = parse(filter, resourceType);
      assert.ok(node.kind === 'compare' || node.kind === 'present' || node.kind === 'valuePath');
      return node.attribute;
    };
    const core = { schema: userSchemaId, core: true };
    assert.deepEqual(value('EMAILS eq "x"'), {
      ...core,
      name: 'emails',
      sub: 'value',
      multiValued: true,
      type: 'string',
      caseExact: false,
    });
    assert.deepEqual(value('emails[type eq "work"]'), {
      ...core,
      name: 'emails',
      sub: undefined,
      multiValued: true,
      type: 'complex',
      caseExact: false,
    });
    assert.deepEqual(value('ID eq "x"'), {
      ...core,
      name: 'id',
      sub: undefined,
      multiValued: false,
      type: 'string',
      caseExact: true,
    });
    assert.deepEqual(value('externalid eq "x"'), {
      ...core,
      name: 'externalId',
      sub: undefined,
      multiValued: false,
      type: 'string',
      caseExact: true,
    });
    assert.deepEqual(value('meta.LASTMODIFIED gt "2020-01-01T00:00:00Z"'), {
      ...core,
      name: 'meta',
      sub: 'lastModified',
      multiValued: false,
      type: 'dateTime',
      caseExact: false,
    });
    assert.deepEqual(value(`${enterprise}:Manager.Value eq "x"`), {
      schema: enterpriseUserSchemaId,
      core: false,
      name: 'manager',
      sub: 'value',
      multiValued: false,
      type: 'string',
      caseExact: false,
    });
    assert.deepEqual(value('Manager.Value eq "x"'), value(`${enterprise}:manager.value eq "x"`));
    assert.deepEqual(value('badge eq "x"', userWithBadgeType), {
      schema: badgeSchemaId,
      core: false,
      name: 'badge',
      sub: undefined,
      multiValued: false,
      type: 'string',
      caseExact: false,
    });
    assert.deepEqual(value('displayname eq "x"', groupResourceType), {
      schema: groupResourceType.schema.id,
      core: true,
      name: 'displayName',
      sub: undefined,
      multiValued: false,
      type: 'string',
      caseExact: false,
    });
  });

  for (const [filter, expected] of everyDialectParses) {
    it(`parses ${filter} in every dialect`, () => {
      assert.equal(show(parse(filter, userResourceType, baselineDialect)), expected, 'baseline');
      for (const [provider, { scim }] of Object.entries(idpProfiles)) {
        assert.equal(show(parse(filter, userResourceType, scim)), expected, provider);
      }
    });
  }

  it('refuses an extension attribute without its URN that two extensions define, in every dialect', () => {
    const dialects = [baselineDialect, ...Object.values(idpProfiles).map((p) => p.scim)];
    for (const dialect of dialects) {
      assert.throws(
        () => parse('department eq "Sales"', userWithBadgeType, dialect),
        (error: unknown) => {
          assert.ok(error instanceof MusterError, String(error));
          assert.equal(error.scimType, 'invalidFilter');
          assert.match(
            error.message,
            /"department" is an attribute of .+ and .+: name it with its schema URN/,
          );
          return true;
        },
      );
      const qualified = parse(`${badgeSchemaId}:department eq "Sales"`, userWithBadgeType, dialect);
      assert.ok(qualified.kind === 'compare' && qualified.attribute.schema === badgeSchemaId);
    }
  });

  for (const [filter, message, leniency] of baselineRefuses) {
    it(`refuses ${JSON.stringify(filter)} in the baseline dialect, reads it with ${leniency} alone`, () => {
      assert.throws(
        () => parse(filter, userResourceType, baselineDialect),
        (error: unknown) => {
          assert.ok(error instanceof MusterError, String(error));
          assert.equal(error.status, 400);
          assert.equal(error.scimType, 'invalidFilter');
          assert.ok(error.message.includes(message), `${error.message} does not say ${message}`);
          return true;
        },
      );
      const node = parse(filter, userResourceType, { ...baselineDialect, [leniency]: true });
      assert.ok(['compare', 'valuePath'].includes(node.kind), show(node));
    });
  }

  it('gives the sub-attributes inside a value path the name of their parent', () => {
    const node = parse('emails[type eq "work"]');
    assert.ok(node.kind === 'valuePath' && node.filter.kind === 'compare');
    assert.equal(node.filter.attribute.name, 'emails');
    assert.equal(node.filter.attribute.sub, 'type');
    assert.equal(node.filter.attribute.multiValued, true);
  });
});
