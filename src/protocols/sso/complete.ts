import type { Response } from 'express';
import type { SigningKeys, StartedSession } from '../../domain/sessions/index.ts';
import { setSessionCookie } from './cookie.ts';
import { returnTarget } from './return-to.ts';

export interface SignInCompletion {
  readonly session: StartedSession;
  /** Where the person asked to go; judged against the allow-list again here. */
  readonly returnTo?: string | null | undefined;
  /** The org's app URLs: returnTo may point there, and the first is the default page. */
  readonly appUrls: readonly string[];
}

/**
 * Ends a sign-in flow (SAML ACS, OIDC callback, an accepted invitation):
 * the session cookie is set and the browser sent on with a GET (303) to an
 * allowed returnTo, or to the default page.
 */
export function completeSignIn(
  res: Response,
  deps: { readonly publicUrl: string; readonly keys: SigningKeys },
  completion: SignInCompletion,
): void {
  setSessionCookie(res, deps, completion.session.token, completion.session.expiresAt);
  res.setHeader('Cache-Control', 'no-store');
  res.redirect(
    303,
    returnTarget(completion.returnTo, { publicUrl: deps.publicUrl, appUrls: completion.appUrls }),
  );
}
