import { sql } from 'kysely';
import type { Db } from '../database.ts';
import type { ScimGroupRow, ScimJson } from '../schema.ts';
import type { FilterNode } from './scim-filter.ts';
import { compileFilter } from './scim-filter-sql.ts';
import type { ScimListPage } from './scim-list.ts';
import { sortOrder } from './scim-sort.ts';

/** Every column but `raw`, which is written for support and never read to answer. */
const scimGroupColumns = [
  'scim_groups.id',
  'scim_groups.org_id',
  'scim_groups.directory_id',
  'scim_groups.display_name',
  'scim_groups.external_id',
  'scim_groups.resource',
  'scim_groups.member_count',
  'scim_groups.version',
  'scim_groups.created_at',
  'scim_groups.updated_at',
] as const;

export interface ScimGroupFields {
  readonly display_name: string;
  readonly external_id: string | null;
  readonly resource: ScimJson;
  readonly raw: unknown;
}

function columns(fields: ScimGroupFields) {
  return { ...fields, resource: JSON.stringify(fields.resource), raw: JSON.stringify(fields.raw ?? null) };
}

export function insertScimGroup(
  db: Db,
  key: { orgId: string; directoryId: string; id: string },
  fields: ScimGroupFields,
): Promise<ScimGroupRow> {
  return db
    .insertInto('scim_groups')
    .values({ org_id: key.orgId, directory_id: key.directoryId, id: key.id, ...columns(fields) })
    .returning(scimGroupColumns)
    .executeTakeFirstOrThrow();
}

/** `forUpdate` serialises writers of one group: concurrent member changes queue instead of racing. */
export function findScimGroup(db: Db, orgId: string, directoryId: string, id: string, forUpdate = false) {
  let query = db
    .selectFrom('scim_groups')
    .select(scimGroupColumns)
    .where('org_id', '=', orgId)
    .where('directory_id', '=', directoryId)
    .where('id', '=', id);
  if (forUpdate) query = query.forUpdate();
  return query.executeTakeFirst();
}

/** Writes the group's own attributes and moves its version and member count; members are rows elsewhere. */
export function updateScimGroup(
  db: Db,
  orgId: string,
  id: string,
  change: { fields?: ScimGroupFields; memberDelta: number },
): Promise<ScimGroupRow> {
  return db
    .updateTable('scim_groups')
    .set({
      ...(change.fields ? columns(change.fields) : {}),
      member_count: sql`member_count + ${change.memberDelta}`,
      version: sql`version + 1`,
      updated_at: new Date(),
    })
    .where('org_id', '=', orgId)
    .where('id', '=', id)
    .returning(scimGroupColumns)
    .executeTakeFirstOrThrow();
}

export async function deleteScimGroup(
  db: Db,
  orgId: string,
  directoryId: string,
  id: string,
): Promise<boolean> {
  const result = await db
    .deleteFrom('scim_groups')
    .where('org_id', '=', orgId)
    .where('directory_id', '=', directoryId)
    .where('id', '=', id)
    .executeTakeFirst();
  return result.numDeletedRows > 0n;
}

/**
 * Adds members by SCIM user id, in one statement: one row each, members already
 * there skipped. Returns the ids added, and the ids that are no user of this
 * directory (none of which is written), so the caller can refuse them.
 */
export async function addScimGroupMembers(
  db: Db,
  key: { orgId: string; directoryId: string; groupId: string },
  memberIds: readonly string[],
): Promise<{ added: string[]; unknown: string[] }> {
  if (memberIds.length === 0) return { added: [], unknown: [] };
  const ids = sql.val([...memberIds]);
  const { rows } = await sql<{ added: string[]; unknown: string[] }>`
    with wanted as (
      select org_id, directory_id, id from scim_users
      where org_id = ${key.orgId} and directory_id = ${key.directoryId} and id = any(${ids}::uuid[])
    ), joined as (
      insert into scim_group_members (org_id, directory_id, group_id, member_id)
      select org_id, directory_id, ${key.groupId}::uuid, id from wanted
      on conflict (group_id, member_id) do nothing
      returning member_id
    )
    select
      array(select member_id::text from joined) as added,
      array(
        select asked::text from unnest(${ids}::uuid[]) as asked
        where asked not in (select id from wanted)
      ) as unknown
  `.execute(db);
  const row = rows[0];
  return { added: row?.added ?? [], unknown: row?.unknown ?? [] };
}

/** Removes the given members, or all of them when `memberIds` is 'all'. Returns the ids removed. */
export async function removeScimGroupMembers(
  db: Db,
  key: { orgId: string; groupId: string },
  memberIds: readonly string[] | 'all',
): Promise<string[]> {
  if (memberIds !== 'all' && memberIds.length === 0) return [];
  let query = db
    .deleteFrom('scim_group_members')
    .where('org_id', '=', key.orgId)
    .where('group_id', '=', key.groupId);
  if (memberIds !== 'all') query = query.where('member_id', 'in', [...memberIds]);
  return (await query.returning('member_id').execute()).map((r) => r.member_id);
}

/** Removes every member not in `keep`; returns the ids removed. */
export async function keepOnlyScimGroupMembers(
  db: Db,
  key: { orgId: string; groupId: string },
  keep: readonly string[],
): Promise<string[]> {
  if (keep.length === 0) return removeScimGroupMembers(db, key, 'all');
  const rows = await db
    .deleteFrom('scim_group_members')
    .where('org_id', '=', key.orgId)
    .where('group_id', '=', key.groupId)
    .where(sql<boolean>`member_id <> all(${sql.val([...keep])}::uuid[])`)
    .returning('member_id')
    .execute();
  return rows.map((r) => r.member_id);
}

/** A group's members with a display name, in the order they joined. */
export function listScimGroupMembers(db: Db, orgId: string, groupId: string) {
  return db
    .selectFrom('scim_group_members')
    .innerJoin('scim_users', 'scim_users.id', 'scim_group_members.member_id')
    .select(['scim_users.id', 'scim_users.user_name', 'scim_users.display_name'])
    .where('scim_group_members.org_id', '=', orgId)
    .where('scim_group_members.group_id', '=', groupId)
    .orderBy('scim_group_members.created_at')
    .orderBy('scim_users.id')
    .execute();
}

function filtered(db: Db, orgId: string, directoryId: string, filter: FilterNode | undefined) {
  const query = db
    .selectFrom('scim_groups')
    .where('scim_groups.org_id', '=', orgId)
    .where('scim_groups.directory_id', '=', directoryId);
  return filter ? query.where(compileFilter(filter, 'groups')) : query;
}

/** As `listScimUsers`: creation-order pages skip rows in the `(directory_id, id)` index. */
export function listScimGroups(
  db: Db,
  orgId: string,
  directoryId: string,
  page: ScimListPage,
): Promise<ScimGroupRow[]> {
  if (page.sort) {
    return filtered(db, orgId, directoryId, page.filter)
      .select(scimGroupColumns)
      .orderBy(sortOrder(page.sort, 'groups'))
      .offset(page.offset)
      .limit(page.limit)
      .execute();
  }
  let ids = (
    page.filter
      ? filtered(db, orgId, directoryId, page.filter)
      : db.selectFrom('scim_groups').where('scim_groups.directory_id', '=', directoryId)
  )
    .select('scim_groups.id')
    .orderBy('scim_groups.id')
    .offset(page.offset)
    .limit(page.limit);
  if (page.after) ids = ids.where('scim_groups.id', '>', page.after);
  return db
    .selectFrom('scim_groups')
    .innerJoin(ids.as('page'), 'page.id', 'scim_groups.id')
    .select(scimGroupColumns)
    .where('scim_groups.org_id', '=', orgId)
    .orderBy('scim_groups.id')
    .execute();
}

export async function countScimGroups(
  db: Db,
  orgId: string,
  directoryId: string,
  filter: FilterNode,
): Promise<number> {
  const row = await filtered(db, orgId, directoryId, filter)
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** The groups of several users at once, for a page of users: one query, not one per user. */
export function listGroupsOfScimUsers(db: Db, orgId: string, userIds: readonly string[]) {
  if (userIds.length === 0) return Promise.resolve([]);
  return db
    .selectFrom('scim_group_members')
    .innerJoin('scim_groups', 'scim_groups.id', 'scim_group_members.group_id')
    .select(['scim_group_members.member_id', 'scim_groups.id', 'scim_groups.display_name'])
    .where('scim_group_members.org_id', '=', orgId)
    .where('scim_group_members.member_id', 'in', [...userIds])
    .orderBy('scim_groups.display_name')
    .execute();
}
