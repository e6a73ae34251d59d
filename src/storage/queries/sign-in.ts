import { sql } from 'kysely';
import type { Db } from '../database.ts';
import type { NewAuditEvent, OrgRole, UserRow } from '../schema.ts';
import type { NewSession } from './sessions.ts';

/**
 * The statements a returning person's sign-in makes, each one round trip:
 * a sign-in is mostly waiting on the database, and its steps are few and
 * always the same.
 */

const json = (value: unknown) => sql`${JSON.stringify(value ?? null)}::jsonb`;

function auditValues(audit: NewAuditEvent) {
  return sql`${audit.id}::uuid, ${audit.org_id}::uuid, ${audit.actor_type}::text, ${audit.actor_id ?? null}::text,
             ${audit.action}::text, ${audit.target_type}::text, ${audit.target_id ?? null}::text,
             ${json(audit.before)}, ${json(audit.after)}, ${audit.request_id ?? null}::text`;
}

/** The user a subject signed in as, with what its last sign-in left: its groups, and whether it holds the connection's grant. */
export async function findReturningUser(
  db: Db,
  orgId: string,
  connectionId: string,
  subject: string,
): Promise<(UserRow & { identity_groups: string[]; has_grant: boolean }) | undefined> {
  const { rows } = await sql<UserRow & { identity_groups: string[]; has_grant: boolean }>`
    select u.*, i.groups as identity_groups,
           exists (select 1 from role_grants g
                    where g.org_id = u.org_id and g.user_id = u.id and g.source = 'sso'
                      and g.source_id = ${connectionId}::text) as has_grant
      from sso_identities i join users u on u.org_id = i.org_id and u.id = i.user_id
     where i.connection_id = ${connectionId} and i.subject = ${subject} and i.org_id = ${orgId}
  `.execute(db);
  return rows[0];
}

/** A sign-in that changes nothing but the time: the identity's last sign-in and its audit event, in one statement. */
export async function recordRepeatSignIn(
  db: Db,
  orgId: string,
  connectionId: string,
  subject: string,
  audit: NewAuditEvent,
): Promise<void> {
  await sql`
    with touched as (
      update sso_identities set last_login_at = now(), groups_truncated = false
       where connection_id = ${connectionId} and subject = ${subject} and org_id = ${orgId}
    )
    insert into audit_events (id, org_id, actor_type, actor_id, action, target_type, target_id, before, after, request_id)
    values (${auditValues(audit)})
  `.execute(db);
}

/** What a session token says of its user: email, role, status and team slugs, in one read. */
export async function sessionClaimsOf(
  db: Db,
  orgId: string,
  userId: string,
): Promise<{ email: string; role: OrgRole; status: 'active' | 'suspended'; teams: string[] } | undefined> {
  const { rows } = await sql<{
    email: string;
    role: OrgRole;
    status: 'active' | 'suspended';
    teams: string[];
  }>`
    select u.email, u.role, u.status, array(
      select t.slug from teams t
       where t.org_id = u.org_id
         and t.id in (select m.team_id from memberships m where m.org_id = u.org_id and m.user_id = u.id)
       order by t.slug) as teams
      from users u
     where u.org_id = ${orgId} and u.id = ${userId}
  `.execute(db);
  return rows[0];
}

/**
 * A new session, its audit event, and the user's ended sessions swept, in
 * one statement.
 */
export async function openSession(
  db: Db,
  orgId: string,
  row: NewSession,
  sweepBefore: Date,
  audit: NewAuditEvent,
): Promise<void> {
  await sql`
    with swept as (
      delete from sessions
       where org_id = ${orgId} and user_id = ${row.userId} and expires_at < ${sweepBefore}
    ), opened as (
      insert into sessions (id, org_id, user_id, connection_id, login_id, idp_session_index, created_at, expires_at)
      values (${row.id}, ${orgId}, ${row.userId}, ${row.connectionId}, ${row.loginId}, ${row.idpSessionIndex},
              ${row.createdAt}, ${row.expiresAt})
    )
    insert into audit_events (id, org_id, actor_type, actor_id, action, target_type, target_id, before, after, request_id)
    values (${auditValues(audit)})
  `.execute(db);
}
