import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MusterError } from '../../src/errors.ts';
import { newId } from '../../src/infra/ids/index.ts';
import { idpProfiles } from '../../src/protocols/idp-profiles/index.ts';
import { parseFilter } from '../../src/protocols/scim/filter/index.ts';
import {
  enterpriseUserSchemaId,
  groupResourceType,
  userResourceType,
} from '../../src/protocols/scim/schema/index.ts';
import { compileFilter, type Database } from '../../src/storage/index.ts';
import { closeTestDatabase, testDatabase } from '../support/database.ts';

const ent = enterpriseUserSchemaId;
/** Filters as a generic directory reads them, every IdP's forms included. */
const anyIdp = idpProfiles.generic.scim;

interface Fixture {
  readonly directory: string;
  /** Name → id, and id → name, for the users and groups below. */
  readonly ids: Record<string, string>;
  readonly names: Map<string, string>;
}

interface UserSeed {
  readonly userName: string;
  readonly externalId: string | null;
  readonly active: boolean;
  readonly displayName: string | null;
  readonly created: string;
  readonly updated: string;
  readonly resource: (ids: Record<string, string>) => Record<string, unknown>;
}

const userSeeds: Record<string, UserSeed> = {
  alice: {
    userName: 'Alice@Example.com',
    externalId: 'ext-alice',
    active: true,
    displayName: 'Alice Liddell',
    created: '2023-01-01T00:00:00Z',
    updated: '2024-01-01T00:00:00Z',
    resource: (ids) => ({
      name: { givenName: 'Alice', familyName: 'Liddell' },
      title: 'Engineer 100%',
      nickName: '',
      emails: [
        { value: 'alice@example.com', type: 'work', primary: true },
        { value: 'alice@home.org', type: 'home' },
      ],
      [ent]: {
        employeeNumber: '1001',
        costCenter: '',
        manager: { value: ids.bob, displayName: 'Bob Builder' },
      },
    }),
  },
  bob: {
    userName: 'bob@example.com',
    externalId: 'ext-bob',
    active: false,
    displayName: 'Bob Builder',
    created: '2023-02-01T00:00:00Z',
    updated: '2024-06-01T00:00:00Z',
    resource: () => ({
      name: { givenName: 'Bob' },
      title: 'under_score',
      emails: [
        { value: 'bob@x.com', type: 'home' },
        { value: 'Bob@Example.com', type: 'work' },
      ],
      [ent]: { employeeNumber: '1002' },
    }),
  },
  carol: {
    userName: 'carol',
    externalId: null,
    active: true,
    displayName: null,
    created: '2023-02-01T00:00:00Z',
    updated: '2025-01-01T00:00:00Z',
    resource: () => ({ title: 'back\\slash', nickName: 'Caz', emails: [] }),
  },
  dave: {
    userName: 'dave@x.com',
    externalId: 'EXT-BOB',
    active: true,
    displayName: 'Dave',
    created: '2023-02-01T00:00:00Z',
    updated: '2025-06-01T00:00:00Z',
    resource: (ids) => ({
      name: {},
      title: 'Engineer 100 percent',
      emails: [{ value: 'dave@x.com', type: 'work' }],
      [ent]: { manager: { value: ids.alice } },
    }),
  },
  erin: {
    userName: 'erin_1@example.com',
    externalId: 'ext-erin',
    active: true,
    displayName: 'Erin',
    created: '2023-02-01T00:00:00Z',
    updated: '2023-06-01T00:00:00Z',
    resource: () => ({
      name: { givenName: null },
      title: 'Engineer_100%',
      emails: [{ value: 'erin@other.com', type: 'work', primary: false }],
    }),
  },
};

const groupSeeds: Record<string, { externalId: string | null; members: string[] }> = {
  Admins: { externalId: 'g-admins', members: ['alice', 'bob'] },
  Staff: { externalId: null, members: ['alice', 'carol', 'dave'] },
  Empty: { externalId: null, members: [] },
};

async function seed(database: Database): Promise<Fixture> {
  const { db } = database;
  const org = newId();
  const directory = newId();
  await db
    .insertInto('orgs')
    .values({ id: org, name: 'Filters', slug: `filters-${org.slice(-12)}` })
    .execute();
  await db
    .insertInto('directories')
    .values({ id: directory, org_id: org, name: 'Entra', provider: 'entra' })
    .execute();
  const ids: Record<string, string> = {};
  for (const name of [...Object.keys(userSeeds), ...Object.keys(groupSeeds)]) ids[name] = newId();
  const scoped = { org_id: org, directory_id: directory };
  for (const [name, u] of Object.entries(userSeeds)) {
    const userId = newId();
    await db
      .insertInto('users')
      .values({ id: userId, org_id: org, email: `${name}@filters.test` })
      .execute();
    await db
      .insertInto('scim_users')
      .values({
        ...scoped,
        id: ids[name] ?? '',
        user_id: userId,
        user_name: u.userName,
        external_id: u.externalId,
        active: u.active,
        display_name: u.displayName,
        resource: JSON.stringify(u.resource(ids)),
        created_at: new Date(u.created),
        updated_at: new Date(u.updated),
      })
      .execute();
  }
  for (const [name, g] of Object.entries(groupSeeds)) {
    const id = ids[name] ?? '';
    await db
      .insertInto('scim_groups')
      .values({ ...scoped, id, display_name: name, external_id: g.externalId, resource: '{}' })
      .execute();
    for (const member of g.members) {
      await db
        .insertInto('scim_group_members')
        .values({ ...scoped, group_id: id, member_id: ids[member] ?? '' })
        .execute();
    }
  }
  return { directory, ids, names: new Map(Object.entries(ids).map(([name, id]) => [id, name])) };
}

const all = ['alice', 'bob', 'carol', 'dave', 'erin'];
const except = (...names: string[]) => all.filter((n) => !names.includes(n));

/** Filters with the ids of the fixture spliced in where they say {name}. */
const userCases: readonly (readonly [string, readonly string[]])[] = [
  ['userName eq "alice@example.com"', ['alice']],
  ['USERNAME Eq "ALICE@EXAMPLE.COM"', ['alice']],
  ['userName eq "alice"', []],
  ['userName ew "@EXAMPLE.COM"', ['alice', 'bob', 'erin']],
  ['userName sw "ERIN_"', ['erin']],
  ['userName sw "erin%"', []],
  ['userName co "_"', ['erin']],
  ['userName gt "c" and userName lt "d"', ['carol']],
  ['externalId eq "ext-bob"', ['bob']],
  ['externalId eq "EXT-BOB"', ['dave']],
  ['externalId pr', except('carol')],
  ['externalId eq null', ['carol']],
  ['id eq "{alice}"', ['alice']],
  ['id eq "not-a-uuid"', []],
  ['id ne "not-a-uuid"', all],
  ['id co "-"', all],
  ['displayName eq "alice liddell"', ['alice']],
  ['displayName pr', except('carol')],
  ['active eq false', ['bob']],
  ['active eq "True"', except('bob')],
  ['active ne true', ['bob']],
  ['emails.value eq "BOB@example.com"', ['bob']],
  ['emails eq "dave@x.com"', ['dave']],
  ['emails co "@x.com"', ['bob', 'dave']],
  ['emails[type eq "work" and value co "@example.com"]', ['alice', 'bob']],
  ['emails[type eq "home" and value co "@example.com"]', []],
  ['emails.type eq "home" and emails.value co "@example.com"', ['alice', 'bob']],
  ['emails[type eq "work" or primary eq true]', except('carol')],
  ['emails[primary eq true]', ['alice']],
  ['emails[not (primary eq true)]', except('carol')],
  ['emails pr', except('carol')],
  ['not (emails pr)', ['carol']],
  ['emails.value pr', except('carol')],
  ['title pr', all],
  ['nickName pr', ['carol']],
  ['name.givenName pr', ['alice', 'bob']],
  ['name[givenName sw "a"]', ['alice']],
  ['title co "100%"', ['alice', 'erin']],
  ['title co "r_1"', ['erin']],
  ['title sw "under_"', ['bob']],
  ['title ew "\\\\slash"', ['carol']],
  ['title ne "under_score"', except('bob')],
  ['not (title eq "under_score")', except('bob')],
  ['not (nickName eq "Caz")', except('carol')],
  ['title eq null', []],
  [`${ent}:manager.value eq "{bob}"`, ['alice']],
  [`${ent}:manager pr`, ['alice', 'dave']],
  [`${ent}:employeeNumber eq "1002"`, ['bob']],
  [`${ent}:costCenter pr`, []],
  ['meta.lastModified gt "2024-03-01T00:00:00Z"', ['bob', 'carol', 'dave']],
  ['meta.lastModified le "2024-01-01T01:00:00+01:00"', ['alice', 'erin']],
  ['meta.created lt "2023-01-15T00:00:00"', ['alice']],
  ['meta[lastModified gt "2025-01-01T00:00:00Z"]', ['dave']],
  ['meta.resourceType eq "User"', all],
  ['meta.resourceType eq "Group"', []],
  ['groups eq "{Admins}"', ['alice', 'bob']],
  ['groups[display eq "staff"]', ['alice', 'carol', 'dave']],
  ['groups pr', except('erin')],
  ['not (groups pr)', ['erin']],
  ['groups eq "nope"', []],
  ['userName eq "alice@example.com" or userName eq "bob@example.com"', ['alice', 'bob']],
  ['active eq true and emails[type eq "work"] and not (userName sw "a")', ['dave', 'erin']],
  ['not (not (userName sw "a" or userName sw "b"))', ['alice', 'bob']],
];

const groupCases: readonly (readonly [string, readonly string[]])[] = [
  ['displayName eq "ADMINS"', ['Admins']],
  ['displayName sw "s" or displayName ew "Y"', ['Empty', 'Staff']],
  ['externalId eq "g-admins"', ['Admins']],
  ['members eq "{alice}"', ['Admins', 'Staff']],
  ['members[value eq "{carol}"]', ['Staff']],
  ['members.value eq "{dave}" and displayName sw "s"', ['Staff']],
  ['members pr', ['Admins', 'Staff']],
  ['not (members pr)', ['Empty']],
  ['members.display co "builder"', ['Admins']],
  ['members[type eq "User"]', ['Admins', 'Staff']],
  ['members eq "garbage"', []],
];

describe('SCIM filters compiled to SQL', () => {
  let database: Database;
  let fixture: Fixture;
  before(async () => {
    database = await testDatabase();
    fixture = await seed(database);
  });
  after(closeTestDatabase);

  const withIds = (filter: string) =>
    filter.replace(/\{(\w+)\}/g, (_, name: string) => fixture.ids[name] ?? name);

  function usersQuery(filter: string) {
    return database.db
      .selectFrom('scim_users')
      .select('id')
      .where('directory_id', '=', fixture.directory)
      .where(compileFilter(parseFilter(withIds(filter), userResourceType, anyIdp), 'users'));
  }

  function groupsQuery(filter: string) {
    return database.db
      .selectFrom('scim_groups')
      .select('id')
      .where('directory_id', '=', fixture.directory)
      .where(compileFilter(parseFilter(withIds(filter), groupResourceType, anyIdp), 'groups'));
  }

  const namesOf = (rows: { id: string }[]) => rows.map((r) => fixture.names.get(r.id) ?? r.id).sort();

  for (const [filter, expected] of userCases) {
    it(`users: ${filter}`, async () => {
      assert.deepEqual(namesOf(await usersQuery(filter).execute()), [...expected].sort());
    });
  }

  for (const [filter, expected] of groupCases) {
    it(`groups: ${filter}`, async () => {
      assert.deepEqual(namesOf(await groupsQuery(filter).execute()), [...expected].sort());
    });
  }

  it('matches an id whatever the case of its hex digits', async () => {
    const rows = await usersQuery(`id eq "${fixture.ids.alice?.toUpperCase()}"`).execute();
    assert.deepEqual(namesOf(rows), ['alice']);
  });

  it('refuses attributes no column or document holds, as invalidFilter', () => {
    const refused = [
      ['members.$ref eq "x"', 'groups'],
      ['meta.location pr', 'users'],
      ['meta.version eq "W/\\"1\\""', 'users'],
    ] as const;
    for (const [filter, target] of refused) {
      const resourceType = target === 'users' ? userResourceType : groupResourceType;
      assert.throws(
        () => compileFilter(parseFilter(filter, resourceType, anyIdp), target),
        (error: unknown) =>
          error instanceof MusterError && error.status === 400 && error.scimType === 'invalidFilter',
        filter,
      );
    }
  });

  interface PlanNode {
    'Node Type': string;
    'Relation Name'?: string;
    'Index Name'?: string;
    Plans?: PlanNode[];
  }

  const nodesOf = (node: PlanNode): PlanNode[] => [node, ...(node.Plans ?? []).flatMap(nodesOf)];

  async function indexesUsed(query: { compile(): { sql: string; parameters: readonly unknown[] } }) {
    const { sql, parameters } = query.compile();
    return database.withSession(async (session) => {
      await session.exec('set enable_seqscan = off');
      try {
        const { rows } = await session.query(`explain (format json) ${sql}`, parameters);
        const plan = (rows[0] as { 'QUERY PLAN': [{ Plan: PlanNode }] })['QUERY PLAN'][0].Plan;
        const nodes = nodesOf(plan);
        assert.deepEqual(
          nodes.filter((n) => n['Node Type'] === 'Seq Scan'),
          [],
          sql,
        );
        return nodes.flatMap((n) => (n['Index Name'] ? [n['Index Name']] : []));
      } finally {
        await session.exec('reset enable_seqscan');
      }
    });
  }

  it('looks users up by userName and externalId through their indexes', async () => {
    assert.ok(
      (await indexesUsed(usersQuery('userName eq "ALICE@example.com"'))).includes('scim_users_user_name_key'),
    );
    assert.ok(
      (await indexesUsed(usersQuery('externalId eq "ext-bob"'))).includes('scim_users_external_id_key'),
    );
  });

  it('looks groups up by displayName through its index', async () => {
    assert.ok(
      (await indexesUsed(groupsQuery('displayName eq "admins"'))).includes('scim_groups_display_name_key'),
    );
  });
});
