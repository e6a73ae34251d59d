import { type Request, type Response, Router } from 'express';
import { MusterError } from '../../errors.ts';
import { renderHtmlError } from '../http/index.ts';

/** Which connection a sign-in starts at: named, the org's, or the one serving the email's domain. */
export type LoginQuery =
  | { readonly connection: string }
  | { readonly org: string }
  | { readonly email: string };

export interface LoginTarget {
  readonly orgId: string;
  readonly connectionId: string;
  readonly protocol: 'saml' | 'oidc';
}

/** What home realm discovery takes from the rest of Muster. */
export interface LoginDeps {
  /** The connection a query names; undefined when none does. */
  findLoginTarget(query: LoginQuery): Promise<LoginTarget | undefined>;
  /** The return target if the org allows it, else undefined (the default page). */
  allowedReturnTo(orgId: string, value: string): Promise<string | undefined>;
  /** Sends the browser to the IdP of a connection of this protocol. */
  start(req: Request, res: Response, target: LoginTarget, returnTo: string | undefined): Promise<void>;
}

function queryOf(req: Request): LoginQuery | undefined {
  // Express 5 parses req.query on each read: one copy.
  const query = { ...req.query } as Record<string, unknown>;
  const text = (name: string) => {
    const value = query[name];
    return typeof value === 'string' && value.length > 0 && value.length <= 320 ? value.trim() : undefined;
  };
  const connection = text('connection');
  if (connection) return { connection };
  const org = text('org');
  if (org) return { org };
  const email = text('email');
  if (email?.includes('@')) return { email };
  return undefined;
}

/**
 * `GET /sso/login?email=…` (or `?org=`, `?connection=`), with `returnTo`:
 * finds the connection and sends the browser to its IdP. A returnTo the org
 * does not allow is dropped, never followed: the person lands on the
 * default page instead.
 */
export function ssoLoginRouter(deps: LoginDeps): Router {
  const router = Router();
  router.get('/sso/login', async (req, res) => {
    const query = queryOf(req);
    if (!query) {
      renderHtmlError(
        res,
        new MusterError('bad_request', 'Say who is signing in: an email address or an organization'),
      );
      return;
    }
    const target = await deps.findLoginTarget(query);
    if (!target) {
      const what =
        'email' in query
          ? `No single sign-on is set up for ${query.email.slice(query.email.lastIndexOf('@') + 1)}`
          : 'No single sign-on connection matches this sign-in';
      renderHtmlError(res, new MusterError('not_found', what));
      return;
    }
    const requested = (req.query as Record<string, unknown>).returnTo;
    const returnTo =
      typeof requested === 'string' && requested.length <= 2000
        ? await deps.allowedReturnTo(target.orgId, requested)
        : undefined;
    await deps.start(req, res, target, returnTo);
  });
  return router;
}
