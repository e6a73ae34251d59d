import { sql } from 'kysely';
import type { Db } from '../database.ts';
import type { GrantSource, OrgRole } from '../schema.ts';

export interface UserProfile {
  readonly email: string;
  readonly given_name: string | null;
  readonly family_name: string | null;
  readonly display_name: string | null;
}

export function findUserByEmail(db: Db, orgId: string, email: string) {
  return db
    .selectFrom('users')
    .selectAll()
    .where('org_id', '=', orgId)
    .where(sql<string>`lower(email)`, '=', email.toLowerCase())
    .executeTakeFirst();
}

export function insertUser(
  db: Db,
  orgId: string,
  id: string,
  profile: UserProfile,
  status: 'active' | 'suspended',
) {
  return db
    .insertInto('users')
    .values({ org_id: orgId, id, ...profile, status })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function updateUser(
  db: Db,
  orgId: string,
  userId: string,
  changes: Partial<UserProfile> & { status?: 'active' | 'suspended' },
): Promise<void> {
  await db
    .updateTable('users')
    .set({ ...changes, updated_at: new Date() })
    .where('org_id', '=', orgId)
    .where('id', '=', userId)
    .execute();
}

export async function deleteUser(db: Db, orgId: string, userId: string): Promise<void> {
  await db.deleteFrom('users').where('org_id', '=', orgId).where('id', '=', userId).execute();
}

export async function grantRole(
  db: Db,
  orgId: string,
  userId: string,
  grant: { role: OrgRole; source: GrantSource; source_id: string },
): Promise<void> {
  await db
    .insertInto('role_grants')
    .values({ org_id: orgId, user_id: userId, ...grant })
    .onConflict((oc) => oc.columns(['org_id', 'user_id', 'source', 'source_id']).doNothing())
    .execute();
}

/** Removes what one source granted a user: its role grant and its team memberships. */
export async function revokeSourceGrants(
  db: Db,
  orgId: string,
  userId: string,
  source: GrantSource,
  sourceId: string,
): Promise<void> {
  await db
    .deleteFrom('role_grants')
    .where('org_id', '=', orgId)
    .where('user_id', '=', userId)
    .where('source', '=', source)
    .where('source_id', '=', sourceId)
    .execute();
  await db
    .deleteFrom('memberships')
    .where('org_id', '=', orgId)
    .where('user_id', '=', userId)
    .where('source', '=', source)
    .where('source_id', '=', sourceId)
    .execute();
}

/** Whether anything but the given source still grants the user a place in the org. */
export async function hasOtherGrants(
  db: Db,
  orgId: string,
  userId: string,
  source: GrantSource,
  sourceId: string,
) {
  const row = await db
    .selectFrom('role_grants')
    .select('user_id')
    .where('org_id', '=', orgId)
    .where('user_id', '=', userId)
    .where((eb) => eb.or([eb('source', '!=', source), eb('source_id', '!=', sourceId)]))
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}
