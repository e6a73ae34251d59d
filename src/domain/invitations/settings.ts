import { notFound } from '../../errors.ts';
import type { Db } from '../../storage/index.ts';
import * as store from '../../storage/index.ts';
import { type ChangeContext, recordAudit } from '../audit/index.ts';

/** An org's invitation settings. */
export interface InvitationSettings {
  /** How long a new or resent invitation lasts, 1 to 30 days (default 7). */
  readonly expiryDays: number;
  /** Invitations the org may send (make or resend) in an hour (default 200). */
  readonly perHour: number;
  /** Whether a reminder goes out the day before an invitation ends (default on). */
  readonly reminders: boolean;
}

function toSettings(row: store.InvitationSettings): InvitationSettings {
  return {
    expiryDays: row.invitation_expiry_days,
    perHour: row.invitations_per_hour,
    reminders: row.invitation_reminders,
  };
}

export async function getInvitationSettings(db: Db, orgId: string): Promise<InvitationSettings> {
  const row = await store.invitationSettingsOf(db, orgId);
  if (!row) throw notFound('Organization');
  return toSettings(row);
}

export async function updateInvitationSettings(
  db: Db,
  ctx: ChangeContext,
  orgId: string,
  patch: Partial<InvitationSettings>,
): Promise<InvitationSettings> {
  return db.transaction().execute(async (trx) => {
    const before = await getInvitationSettings(trx, orgId);
    const row = await store.updateInvitationSettings(trx, orgId, {
      ...(patch.expiryDays !== undefined ? { invitation_expiry_days: patch.expiryDays } : {}),
      ...(patch.perHour !== undefined ? { invitations_per_hour: patch.perHour } : {}),
      ...(patch.reminders !== undefined ? { invitation_reminders: patch.reminders } : {}),
    });
    if (!row) throw notFound('Organization');
    const after = toSettings(row);
    await recordAudit(trx, ctx, orgId, {
      action: 'org.invitation_settings_updated',
      target: { type: 'org', id: orgId },
      before,
      after,
    });
    return after;
  });
}
