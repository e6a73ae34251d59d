import { lastUseResolutionMs } from '../../infra/tokens/index.ts';
import type { Db } from '../database.ts';
import type { ApiKeyRow } from '../schema.ts';
import { type PageOf, type PageRequest, toPage } from './page.ts';

export function insertApiKey(
  db: Db,
  orgId: string,
  row: { id: string; name: string; secret_hash: string; created_by: string },
): Promise<ApiKeyRow> {
  return db
    .insertInto('api_keys')
    .values({ org_id: orgId, ...row })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/**
 * The one lookup that does not start from an org: a presented key names its
 * own id, and the row says which org it belongs to.
 */
export function findApiKeyForAuthentication(db: Db, keyId: string): Promise<ApiKeyRow | undefined> {
  return db.selectFrom('api_keys').selectAll().where('id', '=', keyId).executeTakeFirst();
}

export function findApiKey(db: Db, orgId: string, keyId: string): Promise<ApiKeyRow | undefined> {
  return db
    .selectFrom('api_keys')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('id', '=', keyId)
    .executeTakeFirst();
}

export async function listApiKeys(db: Db, orgId: string, page: PageRequest): Promise<PageOf<ApiKeyRow>> {
  let query = db
    .selectFrom('api_keys')
    .selectAll()
    .where('org_id', '=', orgId)
    .orderBy('id')
    .limit(page.limit + 1);
  if (page.after) query = query.where('id', '>', page.after);
  return toPage(await query.execute(), page.limit);
}

export function revokeApiKey(db: Db, orgId: string, keyId: string, at: Date): Promise<ApiKeyRow | undefined> {
  return db
    .updateTable('api_keys')
    .set({ revoked_at: at })
    .where('org_id', '=', orgId)
    .where('id', '=', keyId)
    .where('revoked_at', 'is', null)
    .returningAll()
    .executeTakeFirst();
}

/** Records use at most once a minute per key, so busy keys do not turn every read into a write. */
export async function touchApiKey(db: Db, orgId: string, keyId: string, at: Date): Promise<void> {
  const staleBefore = new Date(at.getTime() - lastUseResolutionMs);
  await db
    .updateTable('api_keys')
    .set({ last_used_at: at })
    .where('org_id', '=', orgId)
    .where('id', '=', keyId)
    .where((eb) => eb.or([eb('last_used_at', 'is', null), eb('last_used_at', '<', staleBefore)]))
    .execute();
}

/** Revokes the live keys a member made (created_by `user:{id}`): part of removing the member. */
export async function revokeApiKeysCreatedBy(
  db: Db,
  orgId: string,
  createdBy: string,
  at: Date,
): Promise<string[]> {
  const rows = await db
    .updateTable('api_keys')
    .set({ revoked_at: at })
    .where('org_id', '=', orgId)
    .where('created_by', '=', createdBy)
    .where('revoked_at', 'is', null)
    .returning('id')
    .execute();
  return rows.map((r) => r.id);
}
