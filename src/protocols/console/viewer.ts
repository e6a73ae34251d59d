import { createHash, createHmac } from 'node:crypto';
import type { Request, Response } from 'express';
import { constantTimeEqual, derivedKey } from '../../infra/crypto/index.ts';
import { cookiesOf, type Principal } from '../http/index.ts';
import { sessionOf } from '../sso/index.ts';

/** Who looks at the console: the operator (ADMIN_TOKEN) or an org's owner or admin, signed in. */
export type Viewer =
  | { readonly kind: 'super_admin' }
  | {
      readonly kind: 'member';
      readonly orgId: string;
      readonly userId: string;
      readonly email: string;
      readonly role: 'owner' | 'admin';
    };

/** The admin API principal the console acts as: the viewer's own rights, no more. */
export function principalOf(viewer: Viewer): Principal {
  return viewer.kind === 'super_admin'
    ? { kind: 'super_admin' }
    : { kind: 'member', orgId: viewer.orgId, userId: viewer.userId, role: viewer.role };
}

export const operatorCookieName = 'muster_console';
/** An operator's console session lasts 8 hours; signing in again is one paste of the token. */
export const operatorSessionSeconds = 8 * 3600;

/**
 * The operator's console session is a cookie signed with a key derived from
 * MASTER_KEY and ADMIN_TOKEN: every process can check it without a table,
 * and changing ADMIN_TOKEN ends every such session at once.
 */
export class OperatorSessions {
  readonly #key: string;
  readonly #secure: boolean;

  constructor(
    masterKey: string,
    adminToken: string,
    publicUrl: string,
    private readonly now: () => Date = () => new Date(),
  ) {
    const tokenDigest = createHash('sha256').update(adminToken).digest('base64url');
    this.#key = derivedKey(masterKey, `console operator ${tokenDigest}`);
    this.#secure = new URL(publicUrl).protocol === 'https:';
  }

  #sign(expires: number): string {
    return createHmac('sha256', this.#key).update(`operator\n${expires}`).digest('base64url');
  }

  start(res: Response): void {
    const expires = Math.floor(this.now().getTime() / 1000) + operatorSessionSeconds;
    res.cookie(operatorCookieName, `${expires}.${this.#sign(expires)}`, {
      httpOnly: true,
      sameSite: 'lax',
      secure: this.#secure,
      path: '/console',
      maxAge: operatorSessionSeconds * 1000,
    });
  }

  end(res: Response): void {
    res.clearCookie(operatorCookieName, {
      httpOnly: true,
      sameSite: 'lax',
      secure: this.#secure,
      path: '/console',
    });
  }

  holds(req: Request): boolean {
    const value = cookiesOf(req).get(operatorCookieName);
    const match = value ? /^(\d{1,12})\.([A-Za-z0-9_-]{43})$/.exec(value) : null;
    if (!match) return false;
    const expires = Number(match[1]);
    if (expires * 1000 <= this.now().getTime()) return false;
    return constantTimeEqual(match[2] ?? '', this.#sign(expires));
  }
}

/**
 * The viewer of a request: the operator's console session wins; otherwise
 * the Muster session of an owner or admin. A member who is neither gets
 * `refused`, so the page can say why rather than ask to sign in again.
 */
export function viewerOf(
  req: Request,
  res: Response,
  operators: OperatorSessions,
): Viewer | 'refused' | undefined {
  if (operators.holds(req)) return { kind: 'super_admin' };
  const session = sessionOf(res);
  if (!session) return undefined;
  if (session.role !== 'owner' && session.role !== 'admin') return 'refused';
  return {
    kind: 'member',
    orgId: session.orgId,
    userId: session.userId,
    email: session.email,
    role: session.role,
  };
}
