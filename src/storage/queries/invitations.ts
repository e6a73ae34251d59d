import { sql } from 'kysely';
import type { Db } from '../database.ts';
import type { InvitationRow, InvitationStatus, InvitationTag } from '../schema.ts';
import { type PageOf, type PageRequest, toPage } from './page.ts';

/**
 * Invitations, organization first. A pending invitation past its end is
 * expired whatever its stored status says; reads say so, and the sweep
 * writes it down.
 */

export interface NewInvitation {
  readonly id: string;
  readonly org_id: string;
  readonly email: string;
  readonly role: 'member' | 'admin';
  readonly team_ids: string[];
  readonly tags: readonly InvitationTag[];
  readonly message: string | null;
  readonly token_hash: string;
  readonly expires_at: Date;
  readonly invited_by_type: InvitationRow['invited_by_type'];
  readonly invited_by_id: string | null;
  readonly invited_by_user_id: string | null;
  readonly inviter_name: string | null;
}

export async function insertInvitation(db: Db, row: NewInvitation): Promise<InvitationRow> {
  return db
    .insertInto('invitations')
    .values({ ...row, tags: JSON.stringify(row.tags) })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export function findInvitation(db: Db, orgId: string, id: string, forUpdate = false) {
  let query = db.selectFrom('invitations').selectAll().where('org_id', '=', orgId).where('id', '=', id);
  if (forUpdate) query = query.forUpdate();
  return query.executeTakeFirst();
}

/** The invitation a link's token opens (its SHA-256), locked when the caller will change it. */
export function findInvitationByTokenHash(db: Db, tokenHash: string, forUpdate = false) {
  let query = db.selectFrom('invitations').selectAll().where('token_hash', '=', tokenHash);
  if (forUpdate) query = query.forUpdate();
  return query.executeTakeFirst();
}

export async function listInvitations(
  db: Db,
  orgId: string,
  page: PageRequest,
  status?: InvitationStatus,
): Promise<PageOf<InvitationRow>> {
  let query = db
    .selectFrom('invitations')
    .selectAll()
    .where('org_id', '=', orgId)
    .orderBy('id')
    .limit(page.limit + 1);
  if (page.after) query = query.where('id', '>', page.after);
  if (status === 'pending')
    query = query.where('status', '=', 'pending').where('expires_at', '>', sql<Date>`now()`);
  else if (status === 'expired')
    query = query.where((eb) =>
      eb.or([
        eb('status', '=', 'expired'),
        eb.and([eb('status', '=', 'pending'), eb('expires_at', '<=', sql<Date>`now()`)]),
      ]),
    );
  else if (status) query = query.where('status', '=', status);
  return toPage(await query.execute(), page.limit);
}

/**
 * Before inviting these emails: pending invitations past their end are
 * marked expired (they would block a new one) and returned, for the
 * caller to record; with the emails that still have a live one.
 */
export async function pendingEmails(
  db: Db,
  orgId: string,
  emails: readonly string[],
): Promise<{ live: Set<string>; lapsed: InvitationRow[] }> {
  if (emails.length === 0) return { live: new Set(), lapsed: [] };
  const { rows: lapsed } = await sql<InvitationRow>`
    update invitations set status = 'expired', updated_at = now()
     where org_id = ${orgId} and email = any(${[...emails]}::text[])
       and status = 'pending' and expires_at <= now()
    returning *
  `.execute(db);
  const live = await db
    .selectFrom('invitations')
    .select('email')
    .where('org_id', '=', orgId)
    .where('email', 'in', [...emails])
    .where('status', '=', 'pending')
    .execute();
  return { live: new Set(live.map((r) => r.email)), lapsed };
}

/** The emails among these that already belong to a member of the org. */
export async function memberEmails(db: Db, orgId: string, emails: readonly string[]): Promise<Set<string>> {
  if (emails.length === 0) return new Set();
  const rows = await db
    .selectFrom('users')
    .select('email')
    .where('org_id', '=', orgId)
    .where(sql<boolean>`lower(email) = any(${[...emails]}::text[])`)
    .execute();
  return new Set(rows.map((r) => r.email.toLowerCase()));
}

export interface InvitationPatch {
  role?: 'member' | 'admin';
  team_ids?: string[];
  tags?: string;
  message?: string | null;
  token_hash?: string;
  expires_at?: Date;
  status?: InvitationStatus;
  accepted_at?: Date;
  accepted_user_id?: string;
  revoked_at?: Date;
  sent_count?: number;
  last_sent_at?: Date;
  reminded_at?: Date | null;
  renewal_requested_at?: Date;
}

export function updateInvitation(db: Db, orgId: string, id: string, patch: InvitationPatch) {
  return db
    .updateTable('invitations')
    .set({ ...patch, updated_at: new Date() })
    .where('org_id', '=', orgId)
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst();
}

/** Pending invitations past their end, marked expired: what the sweep audits. */
export async function expireLapsedInvitations(db: Db, limit: number): Promise<InvitationRow[]> {
  const { rows } = await sql<InvitationRow>`
    update invitations set status = 'expired', updated_at = now()
     where id in (
       select id from invitations
        where status = 'pending' and expires_at <= now()
        order by expires_at
        limit ${limit}
        for update skip locked)
    returning *
  `.execute(db);
  return rows;
}

/** Pending invitations ending within `within` whose reminder has not gone, in orgs that send reminders. */
export async function invitationsToRemind(db: Db, within: Date, limit: number): Promise<InvitationRow[]> {
  const { rows } = await sql<InvitationRow>`
    select i.* from invitations i join orgs o on o.id = i.org_id
     where i.status = 'pending' and i.expires_at > now() and i.expires_at <= ${within}
       and i.reminded_at is null and o.invitation_reminders
     order by i.expires_at
     limit ${limit}
  `.execute(db);
  return rows;
}

/** The pending invitations a member sent: revoked when the member is removed. */
export function pendingInvitationsBy(db: Db, orgId: string, userId: string) {
  return db
    .selectFrom('invitations')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('invited_by_user_id', '=', userId)
    .where('status', '=', 'pending')
    .execute();
}

export interface InvitationSettings {
  readonly invitation_expiry_days: number;
  readonly invitations_per_hour: number;
  readonly invitation_reminders: boolean;
}

export function invitationSettingsOf(db: Db, orgId: string): Promise<InvitationSettings | undefined> {
  return db
    .selectFrom('orgs')
    .select(['invitation_expiry_days', 'invitations_per_hour', 'invitation_reminders'])
    .where('id', '=', orgId)
    .executeTakeFirst();
}

export function updateInvitationSettings(db: Db, orgId: string, patch: Partial<InvitationSettings>) {
  return db
    .updateTable('orgs')
    .set({ ...patch, updated_at: new Date() })
    .where('id', '=', orgId)
    .returning(['invitation_expiry_days', 'invitations_per_hour', 'invitation_reminders'])
    .executeTakeFirst();
}
