import type { InvitationRow, InvitationStatus, InvitationTag, MailStatus } from '../../storage/index.ts';

/** How the invitation's latest mail stands. */
export interface InvitationDelivery {
  readonly state: 'queued' | 'sent' | 'failed';
  readonly attempts: number;
  readonly lastError: string | null;
  readonly sentAt: Date | null;
  /** When a failed mail is tried again; null once Muster gave up. */
  readonly nextAttemptAt: Date | null;
}

export interface Invitation {
  readonly id: string;
  readonly orgId: string;
  readonly email: string;
  readonly role: 'member' | 'admin';
  readonly teamIds: readonly string[];
  readonly tags: readonly InvitationTag[];
  readonly message: string | null;
  /** pending, accepted, expired (derived from expiresAt when read) or revoked. */
  readonly status: InvitationStatus;
  readonly expiresAt: Date;
  readonly invitedBy: { readonly type: string; readonly id: string | null; readonly userId: string | null };
  readonly acceptedAt: Date | null;
  readonly acceptedUserId: string | null;
  readonly revokedAt: Date | null;
  readonly sentCount: number;
  readonly lastSentAt: Date;
  readonly delivery: InvitationDelivery | null;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

/** The status as of now: a pending invitation past its end is expired, swept or not. */
export function statusOf(
  row: Pick<InvitationRow, 'status' | 'expires_at'>,
  now = new Date(),
): InvitationStatus {
  return row.status === 'pending' && row.expires_at <= now ? 'expired' : row.status;
}

export function toInvitation(row: InvitationRow, mail?: MailStatus): Invitation {
  return {
    id: row.id,
    orgId: row.org_id,
    email: row.email,
    role: row.role,
    teamIds: row.team_ids,
    tags: row.tags,
    message: row.message,
    status: statusOf(row),
    expiresAt: row.expires_at,
    invitedBy: { type: row.invited_by_type, id: row.invited_by_id, userId: row.invited_by_user_id },
    acceptedAt: row.accepted_at,
    acceptedUserId: row.accepted_user_id,
    revokedAt: row.revoked_at,
    sentCount: row.sent_count,
    lastSentAt: row.last_sent_at,
    delivery: mail
      ? {
          state: mail.state,
          attempts: mail.attempts,
          lastError: mail.last_error,
          sentAt: mail.sent_at,
          nextAttemptAt: mail.state === 'failed' ? mail.next_attempt_at : null,
        }
      : null,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** What an audit entry and an event record of an invitation: never its token. */
export function invitationSnapshot(invitation: Invitation) {
  const { delivery: _delivery, ...rest } = invitation;
  return rest;
}
