import { randomBytes } from 'node:crypto';
import type { Request, Response } from 'express';
import { constantTimeEqual, hashSecret } from '../../../infra/crypto/index.ts';
import { cookiesOf } from '../../http/index.ts';

/**
 * Ties a sign-in to the browser that began it, so an attacker cannot start
 * one, finish it at the IdP as themselves and hand the answer to a victim
 * (login CSRF). The IdP's answer is a cross-site POST: the cookie must be
 * SameSite=None, which browsers accept only with Secure, so the binding
 * holds where PUBLIC_URL is https (in production it must be).
 */
const cookieName = (requestKey: string) => `muster_login_${hashSecret(requestKey).slice(0, 16)}`;

export function bindsBrowser(publicUrl: string): boolean {
  return publicUrl.startsWith('https:');
}

/** Sets the binding cookie for a sign-in; returns what to store with it. */
export function bindBrowser(res: Response, requestKey: string, maxAgeSeconds: number): string {
  const value = randomBytes(32).toString('base64url');
  res.cookie(cookieName(requestKey), value, {
    httpOnly: true,
    secure: true,
    sameSite: 'none',
    path: '/sso',
    maxAge: maxAgeSeconds * 1000,
  });
  return hashSecret(value);
}

/** Whether the browser that answers holds the binding a sign-in was started with; clears it either way. */
export function browserMatches(req: Request, res: Response, requestKey: string, binding: string): boolean {
  const name = cookieName(requestKey);
  const presented = cookiesOf(req).get(name);
  res.clearCookie(name, { httpOnly: true, secure: true, sameSite: 'none', path: '/sso' });
  return presented !== undefined && constantTimeEqual(hashSecret(presented), binding);
}
