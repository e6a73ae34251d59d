import { sql } from 'kysely';
import type { Db } from '../database.ts';
import type { ConnectionProtocol, ConnectionRow, DirectoryProvider, UserRow } from '../schema.ts';
import { type PageOf, type PageRequest, toPage } from './page.ts';

/** A connection's columns as written: JSON columns as JSON text. */
export interface ConnectionFields {
  name: string;
  provider: DirectoryProvider;
  jit: boolean;
  allow_idp_initiated: boolean;
  attribute_mapping: string;
  groups_attribute: string | null;
  settings: string;
  sealed_secrets: string | null;
  metadata_url: string | null;
  metadata_fetched_at: Date | null;
  metadata_error: string | null;
}

export function insertConnection(
  db: Db,
  orgId: string,
  row: { id: string; protocol: ConnectionProtocol; provider: DirectoryProvider } & Partial<ConnectionFields>,
): Promise<ConnectionRow> {
  return db
    .insertInto('connections')
    .values({ org_id: orgId, ...row })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export function findConnection(
  db: Db,
  orgId: string,
  id: string,
  options: { forUpdate?: boolean } = {},
): Promise<ConnectionRow | undefined> {
  const query = db.selectFrom('connections').selectAll().where('org_id', '=', orgId).where('id', '=', id);
  return (options.forUpdate ? query.forUpdate() : query).executeTakeFirst();
}

/** A connection named by its id alone, as the SSO endpoints are (/sso/saml/{connection}/...). */
export function findConnectionById(db: Db, id: string): Promise<ConnectionRow | undefined> {
  return db.selectFrom('connections').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function listConnections(
  db: Db,
  orgId: string,
  page: PageRequest,
): Promise<PageOf<ConnectionRow>> {
  let query = db
    .selectFrom('connections')
    .selectAll()
    .where('org_id', '=', orgId)
    .orderBy('id')
    .limit(page.limit + 1);
  if (page.after) query = query.where('id', '>', page.after);
  return toPage(await query.execute(), page.limit);
}

export function updateConnection(
  db: Db,
  orgId: string,
  id: string,
  patch: Partial<ConnectionFields>,
): Promise<ConnectionRow | undefined> {
  return db
    .updateTable('connections')
    .set({ ...patch, updated_at: new Date() })
    .where('org_id', '=', orgId)
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst();
}

export async function deleteConnection(db: Db, orgId: string, id: string): Promise<boolean> {
  const result = await db
    .deleteFrom('connections')
    .where('org_id', '=', orgId)
    .where('id', '=', id)
    .executeTakeFirst();
  return result.numDeletedRows > 0n;
}

/**
 * Takes back everything a connection granted, directly (a sign-in's member
 * role) or through its mappings; returns the users who held any of it.
 */
export async function revokeConnectionGrants(db: Db, orgId: string, connectionId: string): Promise<string[]> {
  const { rows } = await sql<{ user_id: string }>`
    with m as (select id from group_mappings where connection_id = ${connectionId} and org_id = ${orgId}),
    r as (
      delete from role_grants
       where org_id = ${orgId} and source = 'sso'
         and (source_id = ${connectionId}::text or mapping_id in (select id from m))
      returning user_id
    ), t as (
      delete from memberships
       where org_id = ${orgId} and source = 'sso' and mapping_id in (select id from m)
      returning user_id
    )
    select user_id from r union select user_id from t
  `.execute(db);
  return rows.map((r) => r.user_id);
}

/** Ends the sessions a connection's sign-ins started; returns how many were live. */
export async function revokeConnectionSessions(db: Db, orgId: string, connectionId: string): Promise<number> {
  const result = await db
    .updateTable('sessions')
    .set({ revoked_at: new Date() })
    .where('org_id', '=', orgId)
    .where('connection_id', '=', connectionId)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/** Merges flags into a connection's health (top-level keys replace, others stay). */
export async function mergeConnectionHealth(
  db: Db,
  orgId: string,
  id: string,
  flags: Record<string, unknown>,
): Promise<boolean> {
  const result = await db
    .updateTable('connections')
    .set({ health: sql`health || ${JSON.stringify(flags)}::jsonb`, updated_at: new Date() })
    .where('org_id', '=', orgId)
    .where('id', '=', id)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/**
 * Connections with a metadata URL and no refresh queued or running, across
 * every org: a refresh that failed for good, or one lost before this
 * release, is queued again at start-up.
 */
export function connectionsWithoutRefresh(
  db: Db,
  kind: string,
  limit: number,
): Promise<{ org_id: string; id: string }[]> {
  return db
    .selectFrom('connections as c')
    .select(['c.org_id', 'c.id'])
    .where('c.metadata_url', 'is not', null)
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('jobs as j')
            .select('j.id')
            .whereRef('j.org_id', '=', 'c.org_id')
            .whereRef('j.subject_id', '=', 'c.id')
            .where('j.kind', '=', kind)
            .where('j.state', 'in', ['queued', 'running']),
        ),
      ),
    )
    .orderBy('c.id')
    .limit(limit)
    .execute();
}

/**
 * Every connection, a page at a time by id, with what the certificate
 * watch reads: a sweep over all orgs, outside any request.
 */
export function connectionsForCertificateWatch(
  db: Db,
  afterId: string | undefined,
  limit: number,
): Promise<Pick<ConnectionRow, 'id' | 'org_id' | 'protocol' | 'settings' | 'health'>[]> {
  let query = db
    .selectFrom('connections')
    .select(['id', 'org_id', 'protocol', 'settings', 'health'])
    .orderBy('id')
    .limit(limit);
  if (afterId) query = query.where('id', '>', afterId);
  return query.execute();
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

/** The subject a user signed in as through a connection (the NameID a logout names); the latest one. */
export async function subjectOfUser(
  db: Db,
  orgId: string,
  connectionId: string,
  userId: string,
): Promise<string | undefined> {
  const row = await db
    .selectFrom('sso_identities')
    .select('subject')
    .where('connection_id', '=', connectionId)
    .where('user_id', '=', userId)
    .where('org_id', '=', orgId)
    .orderBy('last_login_at', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row?.subject;
}

/**
 * The groups the org's SCIM directories pushed a user into, by every name a
 * claim could give them (externalId, which Entra sets to the object id, and
 * Muster's id): what stands in for a groups claim the IdP cut short.
 */
export async function scimGroupKeysOfUser(db: Db, orgId: string, userId: string): Promise<string[]> {
  const { rows } = await sql<{ key: string }>`
    select distinct k.key from scim_users su
      join scim_group_members gm on gm.member_id = su.id
      join scim_groups g on g.id = gm.group_id
      cross join lateral (values (g.external_id), (g.id::text)) as k(key)
     where su.directory_id in (select id from directories where org_id = ${orgId})
       and su.user_id = ${userId} and su.org_id = ${orgId} and k.key is not null
  `.execute(db);
  return rows.map((r) => r.key);
}
