import { sql } from 'kysely';
import type { Db } from '../database.ts';
import type { ScimJson, ScimUserRow } from '../schema.ts';
import type { FilterNode } from './scim-filter.ts';
import { compileFilter } from './scim-filter-sql.ts';
import type { ScimListPage } from './scim-list.ts';
import { sortOrder } from './scim-sort.ts';

export interface ScimUserFields {
  readonly user_name: string;
  readonly external_id: string | null;
  readonly active: boolean;
  readonly display_name: string | null;
  readonly resource: ScimJson;
  readonly raw: unknown;
}

/** Every column but `raw`, which is written for support and never read to answer. */
const scimUserColumns = [
  'scim_users.id',
  'scim_users.org_id',
  'scim_users.directory_id',
  'scim_users.user_id',
  'scim_users.user_name',
  'scim_users.external_id',
  'scim_users.active',
  'scim_users.display_name',
  'scim_users.resource',
  'scim_users.version',
  'scim_users.created_at',
  'scim_users.updated_at',
] as const;

function columns(fields: ScimUserFields) {
  return { ...fields, resource: JSON.stringify(fields.resource), raw: JSON.stringify(fields.raw ?? null) };
}

export function insertScimUser(
  db: Db,
  key: { orgId: string; directoryId: string; id: string; userId: string },
  fields: ScimUserFields,
): Promise<ScimUserRow> {
  return db
    .insertInto('scim_users')
    .values({
      org_id: key.orgId,
      directory_id: key.directoryId,
      id: key.id,
      user_id: key.userId,
      ...columns(fields),
    })
    .returning(scimUserColumns)
    .executeTakeFirstOrThrow();
}

export function findScimUser(db: Db, orgId: string, directoryId: string, id: string, forUpdate = false) {
  let query = db
    .selectFrom('scim_users')
    .select(scimUserColumns)
    .where('org_id', '=', orgId)
    .where('directory_id', '=', directoryId)
    .where('id', '=', id);
  if (forUpdate) query = query.forUpdate();
  return query.executeTakeFirst();
}

/** Writes only when the row is still at `version`, so a concurrent change is never lost. */
export function updateScimUser(
  db: Db,
  orgId: string,
  directoryId: string,
  id: string,
  version: number,
  fields: ScimUserFields,
): Promise<ScimUserRow | undefined> {
  return db
    .updateTable('scim_users')
    .set({ ...columns(fields), version: version + 1, updated_at: new Date() })
    .where('org_id', '=', orgId)
    .where('directory_id', '=', directoryId)
    .where('id', '=', id)
    .where('version', '=', version)
    .returning(scimUserColumns)
    .executeTakeFirst();
}

/**
 * Deletes a SCIM user; its group memberships go with it (cascade), so the
 * groups' member counts come down first. The caller holds the user's row
 * lock: a concurrent member add waits on it, then fails its foreign key.
 */
export async function deleteScimUser(
  db: Db,
  orgId: string,
  directoryId: string,
  id: string,
): Promise<boolean> {
  await sql`
    update scim_groups g set member_count = g.member_count - 1
      from scim_group_members m
     where m.member_id = ${id} and m.org_id = ${orgId} and m.directory_id = ${directoryId}
       and g.id = m.group_id and g.org_id = ${orgId}
  `.execute(db);
  const result = await db
    .deleteFrom('scim_users')
    .where('org_id', '=', orgId)
    .where('directory_id', '=', directoryId)
    .where('id', '=', id)
    .executeTakeFirst();
  return result.numDeletedRows > 0n;
}

/** Without the tenant, so skipping rows needs the index alone; callers check the tenant on what they read. */
function inDirectory(db: Db, directoryId: string) {
  return db.selectFrom('scim_users').where('scim_users.directory_id', '=', directoryId);
}

function filtered(db: Db, orgId: string, directoryId: string, filter: FilterNode | undefined) {
  const query = db
    .selectFrom('scim_users')
    .where('scim_users.org_id', '=', orgId)
    .where('scim_users.directory_id', '=', directoryId);
  return filter ? query.where(compileFilter(filter, 'users')) : query;
}

/**
 * A page (see ScimListPage). In creation order the rows to skip are skipped
 * in the `(directory_id, id)` index alone (a deferred join), so a deep page
 * reads 100 rows, not every row before it. The tenant is checked on the rows
 * read.
 */
export function listScimUsers(
  db: Db,
  orgId: string,
  directoryId: string,
  page: ScimListPage & {
    /** Also each user's groups, read by index in the same statement. */
    withGroups?: boolean | undefined;
    /** Unsorted only: `offset` counts back from the last user, so a deep page walks the index from its end. */
    fromEnd?: boolean | undefined;
  },
): Promise<ScimUserListRow[]> {
  const groups = page.withGroups ? [groupsOfRow(orgId)] : [];
  if (page.sort) {
    return filtered(db, orgId, directoryId, page.filter)
      .select(scimUserColumns)
      .select(groups)
      .orderBy(sortOrder(page.sort, 'users'))
      .offset(page.offset)
      .limit(page.limit)
      .execute();
  }
  let ids = (page.filter ? filtered(db, orgId, directoryId, page.filter) : inDirectory(db, directoryId))
    .select('scim_users.id')
    .orderBy('scim_users.id', page.fromEnd ? 'desc' : 'asc')
    .offset(page.offset)
    .limit(page.limit);
  if (page.after) ids = ids.where('scim_users.id', '>', page.after);
  return db
    .selectFrom('scim_users')
    .innerJoin(ids.as('page'), 'page.id', 'scim_users.id')
    .select(scimUserColumns)
    .select(groups)
    .where('scim_users.org_id', '=', orgId)
    .orderBy('scim_users.id')
    .execute();
}

export interface ScimUserListRow extends ScimUserRow {
  /** With `withGroups`: the user's groups by name, or null for none. */
  readonly groups?: { id: string; display_name: string }[] | null;
}

function groupsOfRow(orgId: string) {
  return sql<{ id: string; display_name: string }[] | null>`(
    select json_agg(json_build_object('id', g.id, 'display_name', g.display_name) order by g.display_name)
      from scim_group_members m join scim_groups g on g.id = m.group_id
     where m.member_id = scim_users.id and m.org_id = ${orgId}
  )`.as('groups');
}

export async function countScimUsers(
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
