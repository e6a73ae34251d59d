import { MusterError, notFound, rateLimited } from '../../errors.ts';
import { hashSecret, randomSecret } from '../../infra/crypto/index.ts';
import { isUuid, newId } from '../../infra/ids/index.ts';
import type {
  Db,
  InvitationRow,
  InvitationStatus,
  InvitationTag,
  PageOf,
  PageRequest,
} from '../../storage/index.ts';
import * as store from '../../storage/index.ts';
import { type ChangeContext, recordAudit, systemContext } from '../audit/index.ts';
import { queueMail } from '../mail/index.ts';
import {
  type InviteError,
  inviteError,
  maxEmailsPerRequest,
  normalizeEmail,
  readTags,
  splitEmails,
} from './input.ts';
import { invitationMail } from './mail.ts';
import { type Invitation, invitationSnapshot, statusOf, toInvitation } from './view.ts';

export interface InvitationTools {
  /** Where invitation links point: PUBLIC_URL. */
  readonly publicUrl: string;
}

/** One person to invite with the request's teams, role and tags, or with their own (a CSV row). */
export interface Invitee {
  readonly email: string;
  readonly teams?: readonly string[] | undefined;
  readonly role?: 'member' | 'admin' | undefined;
  readonly tags?: readonly InvitationTag[] | undefined;
  /** The CSV row it came from. */
  readonly row?: number | undefined;
}

export interface InviteRequest {
  readonly invitees: readonly Invitee[];
  readonly teams?: readonly string[] | undefined;
  readonly role?: 'member' | 'admin' | undefined;
  readonly tags?: readonly InvitationTag[] | undefined;
  readonly expiresInDays?: number | undefined;
  readonly message?: string | undefined;
}

export type CreatedInvitation = Invitation & { readonly acceptUrl: string; readonly row?: number };

export interface InviteResult {
  readonly invitations: CreatedInvitation[];
  readonly errors: InviteError[];
}

/** Emails as a request gives them (an array, or text separated by commas or lines), each its own invitee. */
export function inviteesOf(emails: string | readonly string[]): Invitee[] {
  const list = splitEmails(emails);
  if (list.length > maxEmailsPerRequest)
    throw new MusterError('validation_failed', 'The request is not valid', {
      details: [{ path: 'emails', message: `at most ${maxEmailsPerRequest} emails per request` }],
    });
  if (list.length === 0)
    throw new MusterError('validation_failed', 'The request is not valid', {
      details: [{ path: 'emails', message: 'give at least one email' }],
    });
  return list.map((email) => ({ email }));
}

export { readTags };

const acceptUrl = (publicUrl: string, token: string) => `${publicUrl}/invite/${token}`;

/** The org's teams named by id, slug or name; a 422 naming the first that is not one team of it. */
async function resolveTeams(db: Db, orgId: string, refs: readonly string[], path: string) {
  const given = refs.map((r) => r.trim());
  const rows = await store.teamsByRefs(
    db,
    orgId,
    given.filter((r) => r !== ''),
  );
  // One entry per team, however many ways it was named; errors point at the entry as given.
  const teams = new Map<string, (typeof rows)[number]>();
  given.forEach((ref, i) => {
    const lower = ref.toLowerCase();
    const byId = rows.filter((t) => t.id === lower || t.slug === lower);
    const matches = byId.length > 0 ? byId : rows.filter((t) => t.name.toLowerCase() === lower);
    const [team] = matches;
    if (!team || matches.length !== 1)
      throw new MusterError(
        'unprocessable',
        matches.length === 0 ? `No team ${ref}` : `Several teams are named ${ref}`,
        {
          details: [
            { path: `${path}.${i}`, message: matches.length === 0 ? 'no such team' : 'names several teams' },
          ],
        },
      );
    teams.set(team.id, team);
  });
  return [...teams.values()];
}

/**
 * The org's rate limit: at most `perHour` invitations sent (made or resent)
 * in any hour. A request that would pass it is refused whole, with when to
 * come back.
 */
async function checkRate(db: Db, orgId: string, perHour: number, adding: number): Promise<void> {
  const hourAgo = new Date(Date.now() - 3600_000);
  // Each send, new or resent, queues one invitation mail: the mails are what is counted.
  const { count, first } = await store.mailQueuedSince(db, orgId, 'invitation', hourAgo);
  if (count + adding <= perHour) return;
  const wait = first ? (first.getTime() + 3600_000 - Date.now()) / 1000 : 3600;
  throw rateLimited(
    `The org may send ${perHour} invitations an hour; ${count} were sent in the last hour`,
    adding > perHour ? 3600 : wait,
  );
}

/** Pending invitations found past their end while inviting anew: recorded as the sweep would. */
async function recordExpired(trx: Db, rows: readonly InvitationRow[]): Promise<void> {
  for (const row of rows)
    await recordAudit(trx, systemContext, row.org_id, {
      action: 'invitation.expired',
      target: { type: 'invitation', id: row.id },
      after: invitationSnapshot(toInvitation(row)),
    });
}

async function inviterName(db: Db, orgId: string, ctx: ChangeContext): Promise<string | null> {
  if (ctx.actor.type !== 'user' || !ctx.actor.id) return null;
  const user = await store.findMember(db, orgId, ctx.actor.id);
  return user ? (user.display_name ?? user.email) : null;
}

/**
 * Invites people: each valid email gets its own invitation, with its mail
 * queued in the same transaction; invalid emails, repeats within the
 * request, members and people with a pending invitation are reported per
 * email while the rest are invited.
 */
export async function createInvitations(
  db: Db,
  tools: InvitationTools,
  ctx: ChangeContext,
  orgId: string,
  request: InviteRequest,
): Promise<InviteResult> {
  const settings = await store.invitationSettingsOf(db, orgId);
  if (!settings) throw notFound('Organization');
  const errors: InviteError[] = [];
  const seen = new Set<string>();
  const valid: (Invitee & { email: string })[] = [];
  for (const invitee of request.invitees) {
    const email = normalizeEmail(invitee.email);
    if (!email) errors.push(inviteError(invitee.email.trim(), 'invalid_email', invitee.row));
    else if (seen.has(email)) errors.push(inviteError(email, 'duplicate_in_request', invitee.row));
    else {
      seen.add(email);
      valid.push({ ...invitee, email });
    }
  }
  const defaultTeams = await resolveTeams(db, orgId, request.teams ?? [], 'teams');
  const ownTeams = new Map<Invitee, { id: string; name: string }[]>();
  for (const invitee of valid)
    if (invitee.teams)
      ownTeams.set(invitee, await resolveTeams(db, orgId, invitee.teams, `rows.${invitee.row ?? 0}.teams`));
  const days = request.expiresInDays ?? settings.invitation_expiry_days;
  const org = await store.findOrg(db, { id: orgId });
  const inviter = await inviterName(db, orgId, ctx);

  const invitations = await db.transaction().execute(async (trx) => {
    const { live, lapsed } = await store.pendingEmails(
      trx,
      orgId,
      valid.map((v) => v.email),
    );
    await recordExpired(trx, lapsed);
    const members = await store.memberEmails(
      trx,
      orgId,
      valid.map((v) => v.email),
    );
    const toInvite: typeof valid = [];
    for (const invitee of valid) {
      if (members.has(invitee.email)) errors.push(inviteError(invitee.email, 'already_member', invitee.row));
      else if (live.has(invitee.email))
        errors.push(inviteError(invitee.email, 'already_invited', invitee.row));
      else toInvite.push(invitee);
    }
    if (toInvite.length > 0) await checkRate(trx, orgId, settings.invitations_per_hour, toInvite.length);
    const made: CreatedInvitation[] = [];
    for (const invitee of toInvite) {
      const teams = ownTeams.get(invitee) ?? defaultTeams;
      const token = randomSecret();
      const row = await store.insertInvitation(trx, {
        id: newId(),
        org_id: orgId,
        email: invitee.email,
        role: invitee.role ?? request.role ?? 'member',
        team_ids: teams.map((t) => t.id),
        tags: invitee.tags ?? request.tags ?? [],
        message: request.message ?? null,
        token_hash: hashSecret(token),
        expires_at: new Date(Date.now() + days * 86_400_000),
        invited_by_type: ctx.actor.type,
        invited_by_id: ctx.actor.id,
        invited_by_user_id: ctx.actor.type === 'user' ? ctx.actor.id : null,
        inviter_name: inviter,
      });
      await queueMail(
        trx,
        invitationMail({
          orgId,
          invitationId: row.id,
          to: row.email,
          orgName: org?.name ?? '',
          inviter,
          teams: teams.map((t) => t.name),
          role: row.role,
          link: acceptUrl(tools.publicUrl, token),
          expiresAt: row.expires_at,
          message: row.message,
        }),
      );
      const invitation = toInvitation(row, {
        subject_id: row.id,
        state: 'queued',
        attempts: 0,
        last_error: null,
        sent_at: null,
        next_attempt_at: null,
      });
      await recordAudit(trx, ctx, orgId, {
        action: 'invitation.created',
        target: { type: 'invitation', id: row.id },
        after: invitationSnapshot(invitation),
      });
      made.push({
        ...invitation,
        acceptUrl: acceptUrl(tools.publicUrl, token),
        ...(invitee.row === undefined ? {} : { row: invitee.row }),
      });
    }
    return made;
  });
  return { invitations, errors };
}

async function findRow(db: Db, orgId: string, id: string, forUpdate = false): Promise<InvitationRow> {
  const row = isUuid(id) ? await store.findInvitation(db, orgId, id.toLowerCase(), forUpdate) : undefined;
  if (!row) throw notFound('Invitation');
  return row;
}

export async function getInvitation(db: Db, orgId: string, id: string): Promise<Invitation> {
  const row = await findRow(db, orgId, id);
  const mail = await store.latestMailOf(db, orgId, [row.id]);
  return toInvitation(row, mail.get(row.id));
}

export async function listInvitations(
  db: Db,
  orgId: string,
  page: PageRequest,
  status?: InvitationStatus,
): Promise<PageOf<Invitation>> {
  const result = await store.listInvitations(db, orgId, page, status);
  const mail = await store.latestMailOf(
    db,
    orgId,
    result.items.map((r) => r.id),
  );
  return { more: result.more, items: result.items.map((row) => toInvitation(row, mail.get(row.id))) };
}

function notPending(row: InvitationRow, doing: string): MusterError {
  return new MusterError(
    'conflict',
    `The invitation is ${statusOf(row)}: only a pending invitation can be ${doing}`,
  );
}

export interface InvitationChanges {
  readonly teams?: readonly string[] | undefined;
  readonly role?: 'member' | 'admin' | undefined;
  readonly tags?: readonly InvitationTag[] | undefined;
  readonly message?: string | null | undefined;
}

/** Changes what a pending invitation grants; the new values apply at acceptance. */
export async function changeInvitation(
  db: Db,
  ctx: ChangeContext,
  orgId: string,
  id: string,
  changes: InvitationChanges,
): Promise<Invitation> {
  const teams = changes.teams ? await resolveTeams(db, orgId, changes.teams, 'teams') : undefined;
  return db.transaction().execute(async (trx) => {
    const row = await findRow(trx, orgId, id, true);
    if (statusOf(row) !== 'pending') throw notPending(row, 'changed');
    const before = toInvitation(row);
    const updated = await store.updateInvitation(trx, orgId, row.id, {
      ...(teams ? { team_ids: teams.map((t) => t.id) } : {}),
      ...(changes.role ? { role: changes.role } : {}),
      ...(changes.tags ? { tags: JSON.stringify(changes.tags) } : {}),
      ...(changes.message !== undefined ? { message: changes.message } : {}),
    });
    if (!updated) throw notFound('Invitation');
    const after = toInvitation(updated);
    await recordAudit(trx, ctx, orgId, {
      action: 'invitation.updated',
      target: { type: 'invitation', id: row.id },
      before: invitationSnapshot(before),
      after: invitationSnapshot(after),
    });
    return getInvitation(trx, orgId, row.id);
  });
}

export const resendCooldownSeconds = 60;

/**
 * Sends a pending or expired invitation again with a fresh token and a
 * fresh expiry: the old link stops working. Once a minute at most.
 */
export async function resendInvitation(
  db: Db,
  tools: InvitationTools,
  ctx: ChangeContext,
  orgId: string,
  id: string,
): Promise<Invitation & { acceptUrl: string }> {
  const settings = await store.invitationSettingsOf(db, orgId);
  if (!settings) throw notFound('Organization');
  await checkRate(db, orgId, settings.invitations_per_hour, 1);
  const org = await store.findOrg(db, { id: orgId });
  return db.transaction().execute(async (trx) => {
    const row = await findRow(trx, orgId, id, true);
    const status = statusOf(row);
    if (status !== 'pending' && status !== 'expired')
      throw new MusterError('conflict', `The invitation is ${status}: it cannot be sent again`);
    const since = (Date.now() - row.last_sent_at.getTime()) / 1000;
    if (since < resendCooldownSeconds)
      throw rateLimited('The invitation was sent less than a minute ago', resendCooldownSeconds - since);
    // An expired one is pending again; the email must not have another pending invitation meanwhile.
    if (row.status !== 'pending') {
      const others = await store.pendingEmails(trx, orgId, [row.email]);
      await recordExpired(trx, others.lapsed);
      if (others.live.has(row.email))
        throw new MusterError('conflict', 'The email has another pending invitation');
    }
    const token = randomSecret();
    const now = new Date();
    const updated = await store.updateInvitation(trx, orgId, row.id, {
      token_hash: hashSecret(token),
      expires_at: new Date(now.getTime() + settings.invitation_expiry_days * 86_400_000),
      status: 'pending',
      sent_count: row.sent_count + 1,
      last_sent_at: now,
      reminded_at: null,
    });
    if (!updated) throw notFound('Invitation');
    const teams = await store.teamsByRefs(trx, orgId, updated.team_ids);
    await queueMail(
      trx,
      invitationMail({
        orgId,
        invitationId: row.id,
        to: row.email,
        orgName: org?.name ?? '',
        inviter: row.inviter_name,
        teams: teams.map((t) => t.name),
        role: updated.role,
        link: acceptUrl(tools.publicUrl, token),
        expiresAt: updated.expires_at,
        message: updated.message,
      }),
    );
    const after = toInvitation(updated);
    await recordAudit(trx, ctx, orgId, {
      action: 'invitation.resent',
      target: { type: 'invitation', id: row.id },
      after: invitationSnapshot(after),
    });
    return { ...(await getInvitation(trx, orgId, row.id)), acceptUrl: acceptUrl(tools.publicUrl, token) };
  });
}

/** Revokes a pending invitation: its link stops working at once. */
export async function revokeInvitation(
  db: Db,
  ctx: ChangeContext,
  orgId: string,
  id: string,
): Promise<Invitation> {
  return db.transaction().execute(async (trx) => {
    const row = await findRow(trx, orgId, id, true);
    if (statusOf(row) !== 'pending') throw notPending(row, 'revoked');
    const updated = await store.updateInvitation(trx, orgId, row.id, {
      status: 'revoked',
      revoked_at: new Date(),
    });
    if (!updated) throw notFound('Invitation');
    const after = toInvitation(updated);
    await recordAudit(trx, ctx, orgId, {
      action: 'invitation.revoked',
      target: { type: 'invitation', id: row.id },
      before: invitationSnapshot(toInvitation(row)),
      after: invitationSnapshot(after),
    });
    return getInvitation(trx, orgId, row.id);
  });
}
