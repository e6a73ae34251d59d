import type { Db } from '../database.ts';
import type { ScimJson, ScimUserRow } from '../schema.ts';
import type { FilterNode } from './scim-filter.ts';
import { compileFilter } from './scim-filter-sql.ts';
import { type SortKey, sortOrder } from './scim-sort.ts';

export interface ScimUserFields {
  readonly user_name: string;
  readonly external_id: string | null;
  readonly active: boolean;
  readonly display_name: string | null;
  readonly resource: ScimJson;
  readonly raw: unknown;
}

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
    .returningAll()
    .executeTakeFirstOrThrow();
}

export function findScimUser(db: Db, orgId: string, directoryId: string, id: string, forUpdate = false) {
  let query = db
    .selectFrom('scim_users')
    .selectAll()
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
    .returningAll()
    .executeTakeFirst();
}

export async function deleteScimUser(
  db: Db,
  orgId: string,
  directoryId: string,
  id: string,
): Promise<boolean> {
  const result = await db
    .deleteFrom('scim_users')
    .where('org_id', '=', orgId)
    .where('directory_id', '=', directoryId)
    .where('id', '=', id)
    .executeTakeFirst();
  return result.numDeletedRows > 0n;
}

function filtered(db: Db, orgId: string, directoryId: string, filter: FilterNode | undefined) {
  const query = db
    .selectFrom('scim_users')
    .where('scim_users.org_id', '=', orgId)
    .where('scim_users.directory_id', '=', directoryId);
  return filter ? query.where(compileFilter(filter, 'users')) : query;
}

/** A page in creation order; `offset` is startIndex - 1. */
/**
 * A page: by offset (startIndex - 1) in creation order or in `sort` order, or
 * after a cursor (the last id of the previous page) in creation order.
 */
export function listScimUsers(
  db: Db,
  orgId: string,
  directoryId: string,
  page: {
    filter: FilterNode | undefined;
    offset: number;
    limit: number;
    sort?: SortKey | undefined;
    after?: string | undefined;
  },
): Promise<ScimUserRow[]> {
  let query = filtered(db, orgId, directoryId, page.filter).selectAll('scim_users');
  if (page.after) query = query.where('scim_users.id', '>', page.after);
  query = page.sort ? query.orderBy(sortOrder(page.sort, 'users')) : query.orderBy('scim_users.id');
  return query.offset(page.offset).limit(page.limit).execute();
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
