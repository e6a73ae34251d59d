import { MusterError } from '../../errors.ts';
import { newId } from '../../infra/ids/index.ts';
import { JwtRejected, type JwtRejection } from '../../infra/jwt/index.ts';
import type { Db, OrgRole } from '../../storage/index.ts';
import * as store from '../../storage/index.ts';
import { auditEventRow, type ChangeContext, recordAudit } from '../audit/index.ts';
import type { SigningKeys } from './keys.ts';
import { type IssuedToken, issueToken, verifyToken } from './token.ts';

export interface SessionStart {
  readonly orgId: string;
  readonly userId: string;
  /** The connection signed in through; null for a sign-in without an IdP (an accepted invitation). */
  readonly connectionId: string | null;
  /** The sign-in that made the session. */
  readonly loginId: string;
  /** SAML: the IdP's SessionIndex, for Single Logout. */
  readonly idpSessionIndex?: string | undefined;
}

export interface StartedSession {
  readonly sessionId: string;
  /** The session token (JWT) for the cookie. */
  readonly token: string;
  readonly tokenExpiresAt: Date;
  /** When the session itself ends, renewals included. */
  readonly expiresAt: Date;
}

/** Why a session token was not accepted; every reason answers 401. */
export type SessionRejection = JwtRejection | 'no_session' | 'revoked' | 'session_expired' | 'user_suspended';

export class SessionRejected extends MusterError {
  readonly reason: SessionRejection;
  constructor(reason: SessionRejection, message: string) {
    super('unauthorized', message);
    this.reason = reason;
  }
}

/** A live session and its user as they are now. */
export interface AuthenticatedSession {
  readonly sessionId: string;
  readonly orgId: string;
  readonly userId: string;
  readonly connectionId: string | null;
  readonly idpSessionIndex: string | null;
  readonly email: string;
  readonly role: OrgRole;
  readonly expiresAt: Date;
  /** The token presented had expired (accepted only with `acceptExpired`): renew it. */
  readonly tokenExpired: boolean;
}

export type SessionRevocation = 'user_suspended' | 'idp_logout' | 'admin' | 'password_reset';

async function claimsFor(db: Db, orgId: string, userId: string, sessionId: string) {
  const user = await store.sessionClaimsOf(db, orgId, userId);
  if (user?.status !== 'active')
    throw new MusterError('forbidden', 'This account cannot sign in: it is suspended or gone');
  return { sub: userId, sid: sessionId, org: orgId, email: user.email, role: user.role, teams: user.teams };
}

/**
 * Starts a session for a user who just signed in, with a fresh id (a
 * session is never carried over from before the sign-in), and returns its
 * first token. Call it with the database, not inside a transaction: the
 * signing key may have to be made first, in a transaction of its own.
 */
export async function startSession(
  db: Db,
  keys: SigningKeys,
  input: SessionStart,
  ctx: ChangeContext,
): Promise<StartedSession> {
  await keys.signer();
  const now = keys.now();
  const sessionId = newId();
  const expiresAt = new Date(now.getTime() + keys.settings.sessionTtlSeconds * 1000);
  const claims = await claimsFor(db, input.orgId, input.userId, sessionId);
  // One statement: the session, its audit event, and the user's ended sessions swept.
  await store.openSession(
    db,
    input.orgId,
    {
      id: sessionId,
      userId: input.userId,
      connectionId: input.connectionId,
      loginId: input.loginId,
      idpSessionIndex: input.idpSessionIndex ?? null,
      createdAt: now,
      expiresAt,
    },
    now,
    auditEventRow({ actor: { type: 'user', id: input.userId }, requestId: ctx.requestId }, input.orgId, {
      action: 'session.started',
      target: { type: 'user', id: input.userId },
      after: { sessionId, connectionId: input.connectionId, loginId: input.loginId, expiresAt },
    }),
  );
  const issued = await issueToken(keys, claims, expiresAt);
  return { sessionId, token: issued.token, tokenExpiresAt: issued.expiresAt, expiresAt };
}

export interface AuthenticateOptions {
  /**
   * Accept a token whose own expiry passed when the session behind it still
   * holds, so it can be renewed. Only for the token in Muster's own HttpOnly
   * cookie: a bearer token, and any token the application checks against
   * the JWKS, is never accepted once expired.
   */
  readonly acceptExpired?: boolean;
}

/**
 * Verifies a session token and then the session it names, so that a
 * revoked session, a suspended user or a removed member is refused at once
 * by every request Muster serves, whatever the token's own expiry says.
 */
export async function authenticateSession(
  db: Db,
  keys: SigningKeys,
  token: string,
  options: AuthenticateOptions = {},
): Promise<AuthenticatedSession> {
  let verified: Awaited<ReturnType<typeof verifyToken>>;
  try {
    verified = await verifyToken(keys, token, options.acceptExpired === true);
  } catch (error) {
    if (error instanceof JwtRejected) throw new SessionRejected(error.reason, error.message);
    throw error;
  }
  const row = await store.findSessionWithUser(db, verified.orgId, verified.sessionId);
  if (!row || row.user_id !== verified.userId)
    throw new SessionRejected('no_session', 'The session does not exist');
  if (row.revoked_at) throw new SessionRejected('revoked', 'The session has ended');
  const now = keys.now();
  if (row.expires_at.getTime() <= now.getTime())
    throw new SessionRejected('session_expired', 'The session has expired; sign in again');
  if (row.status !== 'active')
    throw new SessionRejected('user_suspended', 'The account is suspended by its organization');
  return {
    sessionId: row.id,
    orgId: row.org_id,
    userId: row.user_id,
    connectionId: row.connection_id,
    idpSessionIndex: row.idp_session_index,
    email: row.email,
    role: row.role,
    expiresAt: row.expires_at,
    tokenExpired: verified.expired,
  };
}

/** A fresh token for a live session, with the user's role and teams as they are now. */
export async function renewSessionToken(
  db: Db,
  keys: SigningKeys,
  session: AuthenticatedSession,
): Promise<IssuedToken> {
  return issueToken(
    keys,
    await claimsFor(db, session.orgId, session.userId, session.sessionId),
    session.expiresAt,
  );
}

/** Ends a session (logout). False when it had already ended. */
export async function endSession(
  db: Db,
  session: Pick<AuthenticatedSession, 'orgId' | 'sessionId' | 'userId'>,
  ctx: ChangeContext,
): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const ended = await store.revokeSession(trx, session.orgId, session.sessionId, new Date());
    if (!ended) return false;
    await recordAudit(trx, ctx, session.orgId, {
      action: 'session.ended',
      target: { type: 'user', id: session.userId },
      after: { sessionId: session.sessionId },
    });
    return true;
  });
}

/**
 * Ends every live session of a user, inside the caller's transaction (a
 * SCIM suspension): the next request with any of their tokens is refused.
 */
export async function revokeUserSessions(
  trx: Db,
  orgId: string,
  userId: string,
  reason: SessionRevocation,
  ctx: ChangeContext,
): Promise<number> {
  const ended = await store.revokeSessionsOfUser(trx, orgId, userId, new Date());
  if (ended.length > 0)
    await recordAudit(trx, ctx, orgId, {
      action: 'session.revoked',
      target: { type: 'user', id: userId },
      after: { reason, sessionIds: ended },
    });
  return ended.length;
}
