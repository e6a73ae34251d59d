import { hashSecret, randomSecret } from '../../infra/crypto/index.ts';
import type { Db } from '../../storage/index.ts';
import * as store from '../../storage/index.ts';
import { type ChangeContext, recordAudit, systemContext } from '../audit/index.ts';
import { queueMail } from '../mail/index.ts';
import type { InvitationTools } from './invitations.ts';
import { invitationMail } from './mail.ts';
import { invitationSnapshot, toInvitation } from './view.ts';

/**
 * The hourly pass over invitations: pending ones past their end are marked
 * expired (an audit entry and the invitation.expired event each), and
 * those ending within a day get their reminder, in orgs that send them.
 * A reminder carries a fresh link: only the token's hash is kept, so the
 * first link cannot be mailed again, and it stops working.
 */
export async function sweepInvitations(
  db: Db,
  tools: InvitationTools,
  now = new Date(),
): Promise<{ expired: number; reminded: number }> {
  let expired = 0;
  for (;;) {
    const batch = await db.transaction().execute(async (trx) => {
      const rows = await store.expireLapsedInvitations(trx, 500);
      for (const row of rows)
        await recordAudit(trx, systemContext, row.org_id, {
          action: 'invitation.expired',
          target: { type: 'invitation', id: row.id },
          after: invitationSnapshot(toInvitation(row)),
        });
      return rows.length;
    });
    expired += batch;
    if (batch < 500) break;
  }
  let reminded = 0;
  const due = await store.invitationsToRemind(db, new Date(now.getTime() + 86_400_000), 500);
  for (const candidate of due) {
    const sent = await db.transaction().execute(async (trx) => {
      const row = await store.findInvitation(trx, candidate.org_id, candidate.id, true);
      if (row?.status !== 'pending' || row.reminded_at || row.expires_at <= new Date()) return false;
      const token = randomSecret();
      const updated = await store.updateInvitation(trx, row.org_id, row.id, {
        token_hash: hashSecret(token),
        reminded_at: new Date(),
      });
      if (!updated) return false;
      const org = await store.findOrg(trx, { id: row.org_id });
      const teams = await store.teamsByRefs(trx, row.org_id, row.team_ids);
      await queueMail(
        trx,
        invitationMail({
          orgId: row.org_id,
          invitationId: row.id,
          to: row.email,
          orgName: org?.name ?? '',
          inviter: row.inviter_name,
          teams: teams.map((t) => t.name),
          role: row.role,
          link: `${tools.publicUrl}/invite/${token}`,
          expiresAt: row.expires_at,
          message: row.message,
          reminder: true,
        }),
      );
      await recordAudit(trx, systemContext, row.org_id, {
        action: 'invitation.reminded',
        target: { type: 'invitation', id: row.id },
        after: { email: row.email, expiresAt: row.expires_at },
      });
      return true;
    });
    if (sent) reminded += 1;
  }
  return { expired, reminded };
}

/**
 * Revokes the pending invitations a member sent, in the transaction that
 * removes the member: someone who left cannot bring people in.
 */
export async function revokeInvitationsSentBy(
  trx: Db,
  ctx: ChangeContext,
  orgId: string,
  userId: string,
): Promise<number> {
  const rows = await store.pendingInvitationsBy(trx, orgId, userId);
  for (const row of rows) {
    const updated = await store.updateInvitation(trx, orgId, row.id, {
      status: 'revoked',
      revoked_at: new Date(),
    });
    if (!updated) continue;
    await recordAudit(trx, ctx, orgId, {
      action: 'invitation.revoked',
      target: { type: 'invitation', id: row.id },
      before: invitationSnapshot(toInvitation(row)),
      after: { ...invitationSnapshot(toInvitation(updated)), reason: 'inviter_removed' },
    });
  }
  return rows.length;
}
