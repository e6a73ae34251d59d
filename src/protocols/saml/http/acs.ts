import type { Request, Response } from 'express';
import { consumeTestLogin, type LoginInFlight, recordRefusedSignIn } from '../../../domain/signin/index.ts';
import { MusterError } from '../../../errors.ts';
import { browserMatches, renderHtmlError, systemChangeOf } from '../../http/index.ts';
import { isSamlError } from '../errors.ts';
import { claimedRequestId, validateSamlResponse } from '../response.ts';
import type { SamlClaims } from '../types.ts';
import { bindsBrowser, samlBinding } from './binding.ts';
import type { LoadedSamlConnection, SamlSignInDeps } from './ports.ts';
import { DatabaseReplayStore } from './replay.ts';

function formValue(req: Request, name: string): string | undefined {
  const body = (req.body ?? {}) as Record<string, unknown>;
  const value = body[name];
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

/** Where the browser goes: the return target kept with the request, or an allowed RelayState of an unsolicited answer. */
async function returnTarget(
  deps: SamlSignInDeps,
  req: Request,
  connection: LoadedSamlConnection,
  store: DatabaseReplayStore,
): Promise<string | null> {
  if (store.login) return store.login.returnTo;
  // An IdP-initiated RelayState is the IdP's word only: it must pass the same allow-list as returnTo.
  const relayState = formValue(req, 'RelayState');
  return relayState ? ((await deps.allowedReturnTo(connection.orgId, relayState)) ?? null) : null;
}

/** The test sign-in a refused response claims to answer, ended so that its failure is recorded once. */
async function refusedTest(
  deps: SamlSignInDeps,
  connection: LoadedSamlConnection,
  samlResponse: string,
): Promise<LoginInFlight | undefined> {
  const requestId = claimedRequestId(samlResponse);
  return requestId ? consumeTestLogin(deps.db, connection.saml.id, requestId) : undefined;
}

async function refuse(
  deps: SamlSignInDeps,
  res: Response,
  connection: LoadedSamlConnection,
  error: MusterError & { reason: string },
  login: LoginInFlight | undefined,
): Promise<void> {
  await recordRefusedSignIn(deps.db, systemChangeOf(res), {
    orgId: connection.orgId,
    connectionId: connection.saml.id,
    reason: error.reason,
    message: error.message,
    protocol: 'saml',
  });
  if (login?.purpose === 'test') await deps.failTestSignIn(res, login, error);
  else renderHtmlError(res, error);
}

/**
 * The assertion consumer (POST binding): the response is validated with
 * every defence of the SAML module, and the person handed to Muster, to be
 * provisioned just in time and signed in, or, answering a test, recorded.
 * A refusal is audited with its reason and shown as a page, never a stack
 * (a test's goes back to the test instead), and leaves no session and no
 * user behind.
 */
export function assertionConsumer(deps: SamlSignInDeps) {
  return async (req: Request, res: Response): Promise<void> => {
    const connection = await deps.loadConnection(String(req.params.connection ?? ''));
    if (!connection) {
      renderHtmlError(res, new MusterError('not_found', 'This sign-in connection does not exist'));
      return;
    }
    const samlResponse = formValue(req, 'SAMLResponse');
    if (!samlResponse) {
      renderHtmlError(res, new MusterError('bad_request', 'The identity provider sent no SAMLResponse'));
      return;
    }
    const store = new DatabaseReplayStore(deps.db);
    let claims: SamlClaims;
    try {
      claims = await validateSamlResponse({ connection: connection.saml, samlResponse, store });
    } catch (error) {
      if (!isSamlError(error)) throw error;
      await refuse(deps, res, connection, error, await refusedTest(deps, connection, samlResponse));
      return;
    }
    const binding = store.login?.browserBinding;
    if (
      binding &&
      bindsBrowser(deps.publicUrl) &&
      !browserMatches(req, res, samlBinding, claims.inResponseTo ?? '', binding)
    ) {
      const mismatch = Object.assign(
        new MusterError('unauthorized', 'This sign-in was started in another browser; start it again here'),
        { reason: 'saml_browser_mismatch' },
      );
      await refuse(deps, res, connection, mismatch, store.login);
      return;
    }
    await deps.finishSignIn(req, res, {
      orgId: connection.orgId,
      connectionId: connection.saml.id,
      subject: claims.nameId,
      email: claims.email.toLowerCase(),
      firstName: claims.firstName,
      lastName: claims.lastName,
      displayName: claims.displayName,
      groups: claims.groups,
      groupsTruncated: claims.groupsTruncated,
      jit: connection.jit,
      domains: connection.domains,
      sessionIndex: claims.sessionIndex,
      returnTo: await returnTarget(deps, req, connection, store),
      purpose: store.login?.purpose ?? 'sign_in',
      attributes: claims.attributes,
    });
  };
}
