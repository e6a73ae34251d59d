import type { Db } from '../../storage/index.ts';
import * as store from '../../storage/index.ts';
import { type ChangeContext, recordAudit } from '../audit/index.ts';

/**
 * The IdP says a person signed out (SAML Single Logout): the sessions its
 * sign-ins started for them end at once, those of the IdP sessions named or
 * all of them. Returns how many ended; an unknown person ends nothing.
 */
export async function endIdpSessions(
  db: Db,
  logout: {
    readonly orgId: string;
    readonly connectionId: string;
    readonly subject: string;
    readonly sessionIndexes: readonly string[];
  },
  ctx: ChangeContext,
): Promise<number> {
  return db.transaction().execute(async (trx) => {
    const user = await store.findUserBySubject(trx, logout.orgId, logout.connectionId, logout.subject);
    if (!user) return 0;
    const ended = await store.revokeIdpSessions(
      trx,
      logout.orgId,
      logout.connectionId,
      user.id,
      logout.sessionIndexes,
      new Date(),
    );
    if (ended.length > 0)
      await recordAudit(trx, ctx, logout.orgId, {
        action: 'session.revoked',
        target: { type: 'user', id: user.id },
        after: { reason: 'idp_logout', sessionIds: ended, connectionId: logout.connectionId },
      });
    return ended.length;
  });
}

/** Whom a session's IdP knows it by: the subject and IdP session to name in a LogoutRequest. */
export async function idpSessionOf(
  db: Db,
  session: { readonly orgId: string; readonly userId: string; readonly connectionId: string | null },
): Promise<{ readonly connectionId: string; readonly subject: string } | undefined> {
  if (!session.connectionId) return undefined;
  const subject = await store.subjectOfUser(db, session.orgId, session.connectionId, session.userId);
  return subject ? { connectionId: session.connectionId, subject } : undefined;
}
