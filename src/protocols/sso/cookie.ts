import type { Request, Response } from 'express';
import type { SigningKeys } from '../../domain/sessions/index.ts';
import { bearerToken, cookiesOf } from '../http/index.ts';

/**
 * The session cookie: HttpOnly (no script reads the token), SameSite=Lax (a
 * cross-site POST does not carry it, so another site cannot act with it or
 * end it), Secure whenever PUBLIC_URL is https, host-only, for the whole
 * site, and living as long as the session.
 */
export const sessionCookieName = 'muster_session';

function attributes(publicUrl: string) {
  return {
    httpOnly: true,
    sameSite: 'lax' as const,
    secure: new URL(publicUrl).protocol === 'https:',
    path: '/',
  };
}

export function setSessionCookie(
  res: Response,
  deps: { readonly publicUrl: string; readonly keys: SigningKeys },
  token: string,
  sessionExpiresAt: Date,
): void {
  const remaining = Math.max(0, sessionExpiresAt.getTime() - deps.keys.now().getTime());
  res.cookie(sessionCookieName, token, { ...attributes(deps.publicUrl), maxAge: remaining });
}

export function clearSessionCookie(res: Response, publicUrl: string): void {
  res.clearCookie(sessionCookieName, attributes(publicUrl));
}

/** The session token a request presents, and how: a bearer JWT wins over the cookie. */
export interface PresentedToken {
  readonly token: string;
  readonly via: 'cookie' | 'bearer';
}

export function presentedToken(req: Request): PresentedToken | undefined {
  const bearer = bearerToken(req.get('authorization'));
  if (bearer) return { token: bearer, via: 'bearer' };
  const cookie = cookiesOf(req).get(sessionCookieName);
  return cookie ? { token: cookie, via: 'cookie' } : undefined;
}
