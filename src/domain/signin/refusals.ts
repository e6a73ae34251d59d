import type { Db } from '../../storage/index.ts';
import { type ChangeContext, recordAudit } from '../audit/index.ts';

/**
 * A sign-in refused before anyone was signed in, created or linked: the
 * org's admins see why (an attack, a misconfigured IdP) in the audit log.
 */
export async function recordRefusedSignIn(
  db: Db,
  ctx: ChangeContext,
  refusal: {
    readonly orgId: string;
    readonly connectionId: string;
    readonly reason: string;
    readonly message: string;
    readonly protocol: 'saml' | 'oidc';
  },
): Promise<void> {
  await recordAudit(db, ctx, refusal.orgId, {
    action: 'sso.sign_in_refused',
    target: { type: 'connection', id: refusal.connectionId },
    after: { reason: refusal.reason, message: refusal.message, protocol: refusal.protocol },
  });
}
