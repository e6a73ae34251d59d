import type { Response } from 'express';
import { connectionChoice, flagConnectionHealth } from '../../domain/sources/index.ts';
import { MusterError } from '../../errors.ts';
import { isOidcError, startOidcLogin } from '../oidc/index.ts';
import { startSamlLogin } from '../saml/index.ts';
import { safeReturnTo } from './return-to.ts';
import type { SignInFlows } from './sign-in.ts';

/**
 * A path of Muster's own as the full URL to come back to, or undefined:
 * a test's outcome is shown where the test began, never on another site,
 * not even the org's application.
 */
function ownPath(returnTo: string, publicUrl: string): string | undefined {
  if (!returnTo.startsWith('/') || returnTo.startsWith('//')) return undefined;
  return safeReturnTo(returnTo, { publicUrl, appUrls: [] });
}

/**
 * Starts a test sign-in through a connection: the same round trip to the
 * IdP as /sso/login's (a signed AuthnRequest, or an authorization request
 * with PKCE and a nonce), its answer checked as any sign-in's, then
 * recorded (latestTestSignIns) instead of provisioning anyone or starting a
 * session; the browser comes back to `returnTo` (a path of Muster's own),
 * whether the answer passed or not. It works before any domain of the
 * connection is verified, and with JIT off. Throws MusterError when
 * returnTo is not such a path or the connection cannot be used; the caller
 * has checked that the connection is one the viewer may test.
 */
export async function startTestSignIn(
  flows: SignInFlows,
  res: Response,
  connectionId: string,
  returnTo: string,
): Promise<void> {
  const { deps, saml, oidc } = flows;
  const back = ownPath(returnTo, deps.publicUrl);
  if (!back)
    throw new MusterError(
      'bad_request',
      'A test sign-in comes back to a page of Muster itself: give returnTo as a path that starts with a single /',
    );
  const target = await connectionChoice(deps.db, connectionId);
  if (!target) throw new MusterError('not_found', 'This sign-in connection does not exist');
  const unusable = new MusterError('not_found', 'This sign-in connection cannot be used yet');
  if (target.protocol === 'saml') {
    const connection = await saml.loadConnection(target.connectionId);
    if (!connection) throw unusable;
    await startSamlLogin(saml, res, connection, back, 'test');
    return;
  }
  const connection = await oidc.loadConnection(target.connectionId);
  if (!connection) throw unusable;
  try {
    await startOidcLogin(oidc, res, connection, back, 'test');
  } catch (error) {
    // As at /sso/login: an IdP whose discovery cannot be read is flagged on the connection.
    if (isOidcError(error) && error.reason === 'oidc_idp_unavailable')
      await flagConnectionHealth(deps.db, connection.orgId, target.connectionId, {
        idpUnavailable: { at: new Date().toISOString(), message: error.message },
      });
    throw error;
  }
}
