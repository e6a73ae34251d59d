import { sql } from 'kysely';
import type { Db } from '../database.ts';
import type { ConnectionProtocol, ConnectionRow, DirectoryProvider, UserRow } from '../schema.ts';

export function insertConnection(
  db: Db,
  orgId: string,
  row: { id: string; protocol: ConnectionProtocol; provider: DirectoryProvider },
): Promise<ConnectionRow> {
  return db
    .insertInto('connections')
    .values({ org_id: orgId, ...row })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export function findConnection(db: Db, orgId: string, id: string): Promise<ConnectionRow | undefined> {
  return db
    .selectFrom('connections')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('id', '=', id)
    .executeTakeFirst();
}

/** The user a connection's subject signed in as before, with the row locked for the sign-in. */
export async function findUserBySubject(
  db: Db,
  orgId: string,
  connectionId: string,
  subject: string,
): Promise<UserRow | undefined> {
  const { rows } = await sql<UserRow>`
    select u.* from sso_identities i join users u on u.org_id = i.org_id and u.id = i.user_id
     where i.connection_id = ${connectionId} and i.subject = ${subject} and i.org_id = ${orgId}
     for update of u
  `.execute(db);
  return rows[0];
}

/**
 * Records a sign-in: the subject's user and the group claim values it came
 * with. Claims the IdP cut short (too many groups to send) add to those of
 * earlier sign-ins and never take any back.
 */
export async function recordSsoIdentity(
  db: Db,
  orgId: string,
  identity: {
    connectionId: string;
    subject: string;
    userId: string;
    groups: readonly string[];
    groupsTruncated: boolean;
  },
): Promise<void> {
  await sql`
    insert into sso_identities (org_id, connection_id, subject, user_id, groups, groups_truncated)
    values (${orgId}, ${identity.connectionId}, ${identity.subject}, ${identity.userId},
            ${sql.val([...identity.groups])}::text[], ${identity.groupsTruncated})
    on conflict (connection_id, subject) do update set
      user_id = excluded.user_id,
      groups = case when excluded.groups_truncated
                    then array(select distinct g from unnest(sso_identities.groups || excluded.groups) g)
                    else excluded.groups end,
      groups_truncated = excluded.groups_truncated,
      last_login_at = now()
  `.execute(db);
}

/** The user a SCIM externalId names when it is a subject someone signed in as (Entra's object id). */
export async function findUserIdBySubject(
  db: Db,
  orgId: string,
  subject: string,
): Promise<string | undefined> {
  const row = await db
    .selectFrom('sso_identities')
    .select('user_id')
    .where('org_id', '=', orgId)
    .where('subject', '=', subject)
    .limit(1)
    .executeTakeFirst();
  return row?.user_id;
}
