import type { Db } from '../database.ts';
import type { OrgRole, SessionRow } from '../schema.ts';

export interface NewSession {
  readonly id: string;
  readonly userId: string;
  readonly connectionId: string | null;
  readonly loginId: string;
  readonly idpSessionIndex: string | null;
  readonly createdAt: Date;
  readonly expiresAt: Date;
}

/** A session with what its user is now: what every authenticated request checks. */
export interface SessionWithUser {
  readonly id: string;
  readonly org_id: string;
  readonly user_id: string;
  readonly connection_id: string | null;
  readonly idp_session_index: string | null;
  readonly expires_at: Date;
  readonly revoked_at: Date | null;
  readonly email: string;
  readonly status: 'active' | 'suspended';
  readonly role: OrgRole;
}

export function findSessionWithUser(
  db: Db,
  orgId: string,
  sessionId: string,
): Promise<SessionWithUser | undefined> {
  return db
    .selectFrom('sessions as s')
    .innerJoin('users as u', (join) =>
      join.onRef('u.org_id', '=', 's.org_id').onRef('u.id', '=', 's.user_id'),
    )
    .select([
      's.id',
      's.org_id',
      's.user_id',
      's.connection_id',
      's.idp_session_index',
      's.expires_at',
      's.revoked_at',
      'u.email',
      'u.status',
      'u.role',
    ])
    .where('s.org_id', '=', orgId)
    .where('s.id', '=', sessionId)
    .executeTakeFirst();
}

/** Revokes one session if it is still live; returns it when this call ended it. */
export function revokeSession(
  db: Db,
  orgId: string,
  sessionId: string,
  at: Date,
): Promise<SessionRow | undefined> {
  return db
    .updateTable('sessions')
    .set({ revoked_at: at })
    .where('org_id', '=', orgId)
    .where('id', '=', sessionId)
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', at)
    .returningAll()
    .executeTakeFirst();
}

/** Revokes every live session of a user; returns the ids it ended. */
export async function revokeSessionsOfUser(
  db: Db,
  orgId: string,
  userId: string,
  at: Date,
): Promise<string[]> {
  const rows = await db
    .updateTable('sessions')
    .set({ revoked_at: at })
    .where('org_id', '=', orgId)
    .where('user_id', '=', userId)
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', at)
    .returning('id')
    .execute();
  return rows.map((r) => r.id);
}

/** The teams a user is in, by whatever grant, each once, in slug order. */
export function teamsOfUser(
  db: Db,
  orgId: string,
  userId: string,
): Promise<{ id: string; slug: string; name: string }[]> {
  return db
    .selectFrom('teams as t')
    .select(['t.id', 't.slug', 't.name'])
    .where('t.org_id', '=', orgId)
    .where('t.id', 'in', (eb) =>
      eb
        .selectFrom('memberships as m')
        .select('m.team_id')
        .where('m.org_id', '=', orgId)
        .where('m.user_id', '=', userId),
    )
    .orderBy('t.slug')
    .execute();
}

/**
 * Ends the live sessions a connection's sign-ins started for a user: those
 * of the IdP sessions named, or all of them when none is named (SAML Single
 * Logout). Returns the ids ended.
 */
export async function revokeIdpSessions(
  db: Db,
  orgId: string,
  connectionId: string,
  userId: string,
  sessionIndexes: readonly string[],
  at: Date,
): Promise<string[]> {
  let query = db
    .updateTable('sessions')
    .set({ revoked_at: at })
    .where('org_id', '=', orgId)
    .where('user_id', '=', userId)
    .where('connection_id', '=', connectionId)
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', at);
  if (sessionIndexes.length > 0) query = query.where('idp_session_index', 'in', [...sessionIndexes]);
  return (await query.returning('id').execute()).map((r) => r.id);
}
