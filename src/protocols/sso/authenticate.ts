import type { RequestHandler, Response } from 'express';
import {
  type AuthenticatedSession,
  authenticateSession,
  renewSessionToken,
  SessionRejected,
  type SigningKeys,
} from '../../domain/sessions/index.ts';
import type { Db } from '../../storage/index.ts';
import { clearSessionCookie, presentedToken, setSessionCookie } from './cookie.ts';

export interface SessionHttpDeps {
  readonly db: Db;
  readonly keys: SigningKeys;
  /** PUBLIC_URL: the cookie is Secure when it is https, and returnTo is judged against it. */
  readonly publicUrl: string;
  /**
   * After Muster ended a session at a browser's request, where to send the
   * browser so the IdP signs the person out too (SAML Single Logout);
   * undefined when the session's IdP offers none.
   */
  readonly singleLogout?: (session: AuthenticatedSession, returnTo: string) => Promise<string | undefined>;
}

interface SessionLocals {
  session?: AuthenticatedSession;
  sessionRejected?: SessionRejected;
}

/** The session a request was authenticated with, if any. */
export function sessionOf(res: Response): AuthenticatedSession | undefined {
  return (res.locals as SessionLocals).session;
}

/**
 * Authenticates the request by its session cookie or bearer session token,
 * when it has one. An expired token in the cookie is renewed while the
 * session holds, and the fresh one goes back in the cookie; a bearer token
 * is taken as it is. A cookie whose session has ended is cleared. Without
 * `refreshCookie` (logout, which clears it anyway), an expired token in the
 * cookie still names its session but the cookie is left alone.
 */
export function sessionAuthentication(
  deps: SessionHttpDeps,
  options: { readonly required: boolean; readonly refreshCookie: boolean },
): RequestHandler {
  return async (req, res, next) => {
    const presented = presentedToken(req);
    const locals = res.locals as SessionLocals;
    if (presented) {
      try {
        const session = await authenticateSession(deps.db, deps.keys, presented.token, {
          acceptExpired: presented.via === 'cookie',
        });
        if (session.tokenExpired && options.refreshCookie)
          setSessionCookie(
            res,
            deps,
            (await renewSessionToken(deps.db, deps.keys, session)).token,
            session.expiresAt,
          );
        locals.session = session;
      } catch (error) {
        if (!(error instanceof SessionRejected)) throw error;
        if (presented.via === 'cookie' && options.refreshCookie) clearSessionCookie(res, deps.publicUrl);
        locals.sessionRejected = error;
      }
    }
    if (options.required && !locals.session) {
      res.setHeader(
        'WWW-Authenticate',
        presented ? 'Bearer realm="muster", error="invalid_token"' : 'Bearer realm="muster"',
      );
      throw locals.sessionRejected ?? new SessionRejected('no_session', 'Sign in first');
    }
    next();
  };
}
