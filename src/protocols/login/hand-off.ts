import type { Response } from 'express';
import type { SigningKeys } from '../../domain/sessions/index.ts';
import { renderPage } from '../http/index.ts';
import { completeSignIn, returnTarget, type SignInCompletion, setSessionCookie } from '../sso/index.ts';
import { handOffPage } from './pages.ts';

/**
 * Sends the browser on after a form post, to a page that may redirect to
 * another site (an IdP, the org's application). Not with a redirect:
 * Chrome and Safari hold a form's redirects to its page's CSP
 * `form-action 'self'` at every hop, and drop a redirect to another
 * origin without a word. A Refresh header (and a link, for a browser
 * that ignores it) is a navigation of its own, which form-action does not
 * govern. `url` is built or allow-listed by Muster, never taken as given.
 */
export function handOff(
  res: Response,
  url: string,
  page: { title: string; message: string; label: string },
): void {
  res.set('Refresh', `0; url=${url}`);
  renderPage(res, { title: page.title, body: handOffPage(page.message, url, page.label) });
}

/**
 * Ends a sign-in made with a form on one of Muster's pages (a password, an
 * accepted invitation): the session cookie, then the allowed returnTo (or
 * the default page). A target on Muster's own origin is a 303, as
 * completeSignIn does; one on the org's application is handed off, which
 * its CSP would refuse as a redirect.
 */
export function completeFormSignIn(
  res: Response,
  deps: { readonly publicUrl: string; readonly keys: SigningKeys },
  completion: SignInCompletion,
): void {
  const target = returnTarget(completion.returnTo, {
    publicUrl: deps.publicUrl,
    appUrls: completion.appUrls,
  });
  if (new URL(target).origin === new URL(deps.publicUrl).origin) {
    completeSignIn(res, deps, { ...completion, returnTo: target });
    return;
  }
  setSessionCookie(res, deps, completion.session.token, completion.session.expiresAt);
  handOff(res, target, { title: 'Signed in', message: 'You are signed in.', label: 'Continue' });
}
