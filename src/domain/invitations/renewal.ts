import { MusterError, notFound } from '../../errors.ts';
import { hashSecret } from '../../infra/crypto/index.ts';
import type { Db } from '../../storage/index.ts';
import * as store from '../../storage/index.ts';
import { recordAudit, systemContext } from '../audit/index.ts';
import { escapeHtml, queueMail } from '../mail/index.ts';
import { statusOf } from './view.ts';

/** An invited person asks once a day at most. */
const renewalIntervalMs = 24 * 3600_000;

/**
 * The invited person of an expired or revoked invitation asks for a new
 * one: the inviter is told by mail (or, when the invitation came from an
 * API key, the org's owners and admins, five at most). Once a day per
 * invitation; the answer never says who was told.
 */
export async function requestRenewal(db: Db, token: string, publicUrl: string): Promise<void> {
  if (!/^[A-Za-z0-9_-]{43}$/.test(token)) throw notFound('Invitation');
  await db.transaction().execute(async (trx) => {
    const row = await store.findInvitationByTokenHash(trx, hashSecret(token), true);
    if (!row) throw notFound('Invitation');
    const status = statusOf(row);
    if (status !== 'expired' && status !== 'revoked')
      throw new MusterError('conflict', `This invitation is ${status}: there is nothing to renew`);
    if (row.renewal_requested_at && Date.now() - row.renewal_requested_at.getTime() < renewalIntervalMs)
      throw new MusterError(
        'rate_limited',
        'A new invitation was asked for already; the inviter has been told',
      );
    const inviter = row.invited_by_user_id
      ? await store.findMember(trx, row.org_id, row.invited_by_user_id)
      : undefined;
    const recipients =
      inviter && inviter.status === 'active' ? [inviter] : await store.orgAdmins(trx, row.org_id, 5);
    const org = await store.findOrg(trx, { id: row.org_id });
    await store.updateInvitation(trx, row.org_id, row.id, { renewal_requested_at: new Date() });
    const text = [
      `${row.email} asks for a new invitation to ${org?.name ?? 'your organization'}: the one sent was ${status}.`,
      '',
      `Send a new one from the invitations page, or resend it: ${publicUrl}/api/v1/orgs/${row.org_id}/invitations/${row.id}/resend`,
    ].join('\n');
    for (const to of recipients)
      await queueMail(trx, {
        orgId: row.org_id,
        kind: 'invitation_request',
        subjectId: row.id,
        to: to.email,
        subject: `${row.email} asks for a new invitation`,
        text,
        html: `<p>${escapeHtml(text.split('\n')[0] ?? '')}</p><p>Send a new one from the invitations page.</p>`,
      });
    await recordAudit(trx, systemContext, row.org_id, {
      action: 'invitation.renewal_requested',
      target: { type: 'invitation', id: row.id },
      after: { email: row.email, status, notified: recipients.length },
    });
  });
}
