import type { Response } from 'express';
import * as client from 'openid-client';
import { beginLogin, type LoginPurpose, loginLifetimeSeconds } from '../../../domain/signin/index.ts';
import { hashSecret } from '../../../infra/crypto/index.ts';
import { bindBrowser } from '../../http/index.ts';
import { beginAuthorization } from '../flow.ts';
import { oidcBinding, sealedFor } from './binding.ts';
import type { LoadedOidcConnection, OidcSignInDeps } from './ports.ts';

/**
 * Begins a sign-in: the browser goes to the IdP's authorization endpoint,
 * and the state (by its hash), nonce and PKCE verifier stay in the
 * database for ten minutes, so the answer may reach any Muster process.
 * The return target never travels to the IdP. A test is the same round
 * trip; its answer is recorded, not signed in.
 */
export async function startOidcLogin(
  deps: OidcSignInDeps,
  res: Response,
  connection: LoadedOidcConnection,
  returnTo: string | undefined,
  purpose: LoginPurpose = 'sign_in',
): Promise<void> {
  const state = client.randomState();
  const requestKey = hashSecret(state);
  const { url, secrets } = await beginAuthorization(deps.issuers, connection.oidc, state);
  const binding = bindBrowser(res, oidcBinding(deps.publicUrl), requestKey, loginLifetimeSeconds);
  await beginLogin(deps.db, {
    orgId: connection.orgId,
    connectionId: connection.oidc.id,
    requestKey,
    returnTo: returnTo ?? null,
    browserBinding: binding,
    purpose,
    sealedSecrets: deps.secretBox.seal(JSON.stringify(secrets), sealedFor(connection.oidc.id, requestKey)),
  });
  res.set('Cache-Control', 'no-store').redirect(302, url.href);
}
