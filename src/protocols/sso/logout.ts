import express, { type Request, type RequestHandler } from 'express';
import { findOrg } from '../../domain/orgs/index.ts';
import { endSession } from '../../domain/sessions/index.ts';
import { MusterError } from '../../errors.ts';
import { sentFrom, stateOf } from '../http/index.ts';
import { type SessionHttpDeps, sessionOf } from './authenticate.ts';
import { clearSessionCookie } from './cookie.ts';
import { returnTarget } from './return-to.ts';

/** A logout form holds a returnTo at most. */
export const logoutBodyLimit = 8 * 1024;

function originOf(url: string): string | undefined {
  try {
    return new URL(url).origin;
  } catch {
    return undefined;
  }
}

function requestedReturnTo(req: Request): unknown {
  const body = req.body as Record<string, unknown> | undefined;
  return body?.returnTo ?? req.query.returnTo;
}

/**
 * POST /sso/logout. Another site cannot end a session: its cross-site POST
 * carries no SameSite=Lax cookie, and a request whose Origin is neither
 * PUBLIC_URL's nor one of the org's app URLs is refused outright (403), so
 * neither can a sibling subdomain, whose same-site POST does carry it. Without a
 * session it does nothing and succeeds, so it can be repeated. A browser
 * sign-out (one with a returnTo) from a SAML session goes on to the IdP's
 * Single Logout where it has one, and comes back to the returnTo from there.
 */
export function logoutHandlers(deps: SessionHttpDeps): RequestHandler[] {
  return [
    express.urlencoded({ extended: false, limit: logoutBodyLimit, parameterLimit: 20 }),
    async (req, res) => {
      const session = sessionOf(res);
      const org = session ? await findOrg(deps.db, session.orgId) : undefined;
      const appUrls = org?.appUrls ?? [];
      if (!sentFrom(req, [deps.publicUrl, ...appUrls].map(originOf)))
        throw new MusterError('forbidden', 'Logout must come from this site or the organization application');
      if (session)
        await endSession(deps.db, session, {
          actor: { type: 'user', id: session.userId },
          requestId: stateOf(res).requestId,
        });
      clearSessionCookie(res, deps.publicUrl);
      res.setHeader('Cache-Control', 'no-store');
      const returnTo = requestedReturnTo(req);
      if (returnTo === undefined) {
        res.status(204).end();
        return;
      }
      const target = returnTarget(returnTo, { publicUrl: deps.publicUrl, appUrls });
      const atIdp = session && deps.singleLogout ? await deps.singleLogout(session, target) : undefined;
      res.redirect(303, atIdp ?? target);
    },
  ];
}
