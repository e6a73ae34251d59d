import type { Response } from 'express';
import { beginLogin, type LoginPurpose, loginLifetimeSeconds } from '../../../domain/signin/index.ts';
import { bindBrowser } from '../../http/index.ts';
import { buildAuthnRequest } from '../authn-request.ts';
import { bindsBrowser, samlBinding } from './binding.ts';
import type { LoadedSamlConnection, SamlSignInDeps } from './ports.ts';

/**
 * Begins an SP-initiated sign-in: a signed AuthnRequest by the HTTP-Redirect
 * binding, its id kept server-side with where the person wants to go. The
 * RelayState carries nothing: the return target never travels to the IdP.
 * A test is the same round trip; its answer is recorded, not signed in.
 */
export async function startSamlLogin(
  deps: SamlSignInDeps,
  res: Response,
  connection: LoadedSamlConnection,
  returnTo: string | undefined,
  purpose: LoginPurpose = 'sign_in',
): Promise<void> {
  const request = buildAuthnRequest(connection.saml);
  const binding = bindsBrowser(deps.publicUrl)
    ? bindBrowser(res, samlBinding, request.requestId, loginLifetimeSeconds)
    : null;
  await beginLogin(deps.db, {
    orgId: connection.orgId,
    connectionId: connection.saml.id,
    requestKey: request.requestId,
    returnTo: returnTo ?? null,
    browserBinding: binding,
    purpose,
  });
  res.set('Cache-Control', 'no-store').redirect(302, request.url);
}
