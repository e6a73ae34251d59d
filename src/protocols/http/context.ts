import type { Request, Response } from 'express';
import type { MusterError } from '../../errors.ts';
import type { Logger } from '../../infra/log/index.ts';

/** Who presented which credentials. */
export type Principal =
  | { readonly kind: 'super_admin' }
  | { readonly kind: 'api_key'; readonly orgId: string; readonly keyId: string }
  /** An org's owner or admin, signed in (the console acts in their name). */
  | {
      readonly kind: 'member';
      readonly orgId: string;
      readonly userId: string;
      readonly role: 'owner' | 'admin';
    }
  /**
   * A setup link, acting for the customer's IT admin in the setup portal:
   * only on the connection and the directory the link sets up.
   */
  | {
      readonly kind: 'setup_link';
      readonly orgId: string;
      readonly linkId: string;
      readonly features: readonly ('sso' | 'scim')[];
      readonly connectionId?: string | undefined;
      readonly directoryId?: string | undefined;
    };

/** What the HTTP layer learns about a request, kept on res.locals with one type. */
export interface RequestState {
  requestId: string;
  log: Logger;
  principal?: Principal;
  /** The error a SCIM request ended with, for its request log. */
  scimError?: MusterError;
}

export function stateOf(res: Response): RequestState {
  return res.locals as RequestState;
}

export function requestIdOf(res: Response): string {
  return stateOf(res).requestId;
}

/** The route template ("/api/v1/orgs/:org/teams"), not the concrete path, so metrics stay bounded. */
export function routeOf(req: Request): string {
  const route = (req as Request & { route?: { path?: unknown } }).route;
  return typeof route?.path === 'string' ? `${req.baseUrl}${route.path}` : 'unmatched';
}

/** The change context of what a request does for nobody signed in yet (an IdP's message): the system, under the request's id. */
export function systemChangeOf(res: Response) {
  return { actor: { type: 'system' as const, id: null }, requestId: requestIdOf(res) };
}
