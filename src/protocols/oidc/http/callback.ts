import type { Request, Response } from 'express';
import { consumeLogin, type LoginInFlight, recordRefusedSignIn } from '../../../domain/signin/index.ts';
import { flagConnectionHealth } from '../../../domain/sources/index.ts';
import { MusterError } from '../../../errors.ts';
import { hashSecret } from '../../../infra/crypto/index.ts';
import { browserMatches, renderHtmlError, systemChangeOf } from '../../http/index.ts';
import { isOidcError, OidcError } from '../errors.ts';
import { type AuthorizationSecrets, checkAnswerIssuer, completeAuthorization } from '../flow.ts';
import type { OidcAnswer } from '../types.ts';
import { oidcBinding, sealedFor } from './binding.ts';
import type { LoadedOidcConnection, OidcSignInDeps } from './ports.ts';

/** A parameter given once; repeated or absent is undefined. */
function single(req: Request, name: string): string | undefined {
  const value = ({ ...req.query } as Record<string, unknown>)[name];
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

/** What the IdP wrote, quoted without letting it fill a page or a log. */
const quoted = (value: string | undefined) => JSON.stringify((value ?? '').slice(0, 200));

async function refuse(
  deps: OidcSignInDeps,
  res: Response,
  connection: LoadedOidcConnection,
  error: OidcError,
  login: LoginInFlight | undefined,
) {
  await recordRefusedSignIn(deps.db, systemChangeOf(res), {
    orgId: connection.orgId,
    connectionId: connection.oidc.id,
    reason: error.reason,
    message: error.message,
    protocol: 'oidc',
  });
  if (error.reason === 'oidc_idp_unavailable')
    await flagConnectionHealth(deps.db, connection.orgId, connection.oidc.id, {
      idpUnavailable: { at: new Date().toISOString(), message: error.message },
    });
  if (login?.purpose === 'test') await deps.failTestSignIn(res, login, error);
  else renderHtmlError(res, error);
}

/** The sign-in the answer's state names, once. */
async function consumeState(deps: OidcSignInDeps, req: Request, connection: LoadedOidcConnection) {
  const state = single(req, 'state');
  if (!state)
    throw new OidcError('oidc_state_missing', 'The answer from the identity provider carries no state');
  const requestKey = hashSecret(state);
  const login = await consumeLogin(deps.db, connection.oidc.id, requestKey);
  if (!login?.sealedSecrets)
    throw new OidcError(
      'oidc_state_unknown',
      'This sign-in is unknown, expired or already used; start it again',
    );
  return { state, requestKey, login, sealedSecrets: login.sealedSecrets };
}

/** The answer to a sign-in in flight, from the browser that began it; its sealed nonce and verifier opened. */
async function openAnswer(
  deps: OidcSignInDeps,
  req: Request,
  res: Response,
  connection: LoadedOidcConnection,
  { requestKey, login, sealedSecrets }: Awaited<ReturnType<typeof consumeState>>,
) {
  if (
    login.browserBinding &&
    !browserMatches(req, res, oidcBinding(deps.publicUrl), requestKey, login.browserBinding)
  )
    throw new OidcError(
      'oidc_browser_mismatch',
      'This sign-in was started in another browser; start it again here',
    );
  const error = single(req, 'error');
  if (error) {
    await checkAnswerIssuer(deps.issuers, connection.oidc, single(req, 'iss'));
    const description = single(req, 'error_description');
    throw new OidcError(
      'oidc_idp_error',
      `The identity provider did not sign you in: ${quoted(error)}${description ? ` (${quoted(description)})` : ''}`,
    );
  }
  return JSON.parse(
    deps.secretBox.open(sealedSecrets, sealedFor(connection.oidc.id, requestKey)),
  ) as AuthorizationSecrets;
}

/**
 * The redirect URI: the IdP's answer is checked against the sign-in it
 * belongs to, the code exchanged, and the person handed to Muster, to be
 * provisioned just in time and signed in, or, answering a test, recorded.
 * A refusal is audited with its reason and shown as a page (a test's goes
 * back to the test instead), and leaves no session and no user behind.
 */
export function oidcCallback(deps: OidcSignInDeps) {
  return async (req: Request, res: Response): Promise<void> => {
    const connection = await deps.loadConnection(String(req.params.connection ?? ''));
    if (!connection) {
      renderHtmlError(res, new MusterError('not_found', 'This sign-in connection does not exist'));
      return;
    }
    res.setHeader('Cache-Control', 'no-store');
    let claims: OidcAnswer;
    let login: LoginInFlight | undefined;
    try {
      const started = await consumeState(deps, req, connection);
      login = started.login;
      const secrets = await openAnswer(deps, req, res, connection, started);
      const query = req.originalUrl.includes('?') ? req.originalUrl.slice(req.originalUrl.indexOf('?')) : '';
      claims = await completeAuthorization(deps.issuers, connection.oidc, {
        currentUrl: new URL(`${connection.oidc.redirectUri}${query}`),
        state: started.state,
        secrets,
      });
    } catch (error) {
      if (!isOidcError(error)) throw error;
      await refuse(deps, res, connection, error, login);
      return;
    }
    await deps.finishSignIn(req, res, {
      ...claims,
      orgId: connection.orgId,
      connectionId: connection.oidc.id,
      jit: connection.jit,
      domains: connection.domains,
      sessionIndex: null,
      returnTo: login.returnTo,
      purpose: login.purpose,
    });
  };
}
