import type { Request, Response } from 'express';
import { constantTimeEqual, hashSecret, randomSecret } from '../../infra/crypto/index.ts';
import { cookiesOf } from './cookies.ts';

/**
 * Ties a sign-in to the browser that began it, so an attacker cannot start
 * one, finish it at the IdP as themselves and hand the answer to a victim
 * (login CSRF). The cookie holds a random value; the sign-in keeps its hash.
 *
 * How the IdP's answer arrives decides the cookie: a SAML response is a
 * cross-site POST, which carries only a SameSite=None cookie, and browsers
 * take that only with Secure; an OIDC answer is a top-level GET, which
 * carries a SameSite=Lax cookie over http too.
 */
export interface LoginBinding {
  /** The path the IdP's answer comes to, under which the cookie is sent. */
  readonly path: string;
  readonly sameSite: 'none' | 'lax';
  readonly secure: boolean;
}

const cookieName = (requestKey: string) => `muster_login_${hashSecret(requestKey).slice(0, 16)}`;

const options = (binding: LoginBinding) => ({
  httpOnly: true,
  secure: binding.secure,
  sameSite: binding.sameSite,
  path: binding.path,
});

/** Sets the binding cookie for a sign-in; returns what to store with it. */
export function bindBrowser(
  res: Response,
  binding: LoginBinding,
  requestKey: string,
  maxAgeSeconds: number,
): string {
  const value = randomSecret();
  res.cookie(cookieName(requestKey), value, { ...options(binding), maxAge: maxAgeSeconds * 1000 });
  return hashSecret(value);
}

/** Whether the browser that answers holds the binding a sign-in was started with; clears it either way. */
export function browserMatches(
  req: Request,
  res: Response,
  binding: LoginBinding,
  requestKey: string,
  stored: string,
): boolean {
  const name = cookieName(requestKey);
  const presented = cookiesOf(req).get(name);
  res.clearCookie(name, options(binding));
  return presented !== undefined && constantTimeEqual(hashSecret(presented), stored);
}
