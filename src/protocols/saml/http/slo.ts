import type { Request, Response } from 'express';
import { endIdpSessions } from '../../../domain/sessions/index.ts';
import {
  beginLogin,
  consumeLogin,
  loginLifetimeSeconds,
  rememberAssertion,
} from '../../../domain/signin/index.ts';
import { MusterError } from '../../../errors.ts';
import { renderHtmlError, systemChangeOf } from '../../http/index.ts';
import { isSamlError, SamlError } from '../errors.ts';
import { buildLogoutRequest, validateLogoutRequest } from '../logout-request.ts';
import { buildLogoutResponse, validateLogoutResponse } from '../logout-response.ts';
import { effectivePreset } from '../presets.ts';
import type { LoadedSamlConnection, SamlSignInDeps } from './ports.ts';

/** Logout request ids share the table of sign-ins in flight, apart by their prefix. */
const logoutKey = (requestId: string) => `logout:${requestId}`;

/** The raw query, exactly as sent: a Redirect-binding signature covers these bytes. */
function rawQuery(req: Request): string {
  const at = req.originalUrl.indexOf('?');
  return at < 0 ? '' : req.originalUrl.slice(at + 1);
}

function messageOf(req: Request, name: 'SAMLRequest' | 'SAMLResponse'): string | undefined {
  const source =
    req.method === 'GET'
      ? Object.fromEntries(new URLSearchParams(rawQuery(req)))
      : ((req.body ?? {}) as Record<string, unknown>);
  const value = source[name];
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

/** The IdP signs a person out everywhere: their sessions from this connection end, and the IdP hears back. */
async function answerLogoutRequest(
  deps: SamlSignInDeps,
  req: Request,
  res: Response,
  c: LoadedSamlConnection,
) {
  const incoming =
    req.method === 'GET'
      ? { query: rawQuery(req) }
      : {
          samlRequest: messageOf(req, 'SAMLRequest') ?? '',
          relayState: (req.body as Record<string, string>).RelayState,
        };
  const logout = validateLogoutRequest(c.saml, incoming);
  const until = new Date(Date.now() + loginLifetimeSeconds * 1000);
  if (!(await rememberAssertion(deps.db, c.saml.id, logoutKey(logout.requestId), until)))
    throw new SamlError('saml_replayed', 'this LogoutRequest was already answered');
  await endIdpSessions(
    deps.db,
    {
      orgId: c.orgId,
      connectionId: c.saml.id,
      subject: logout.nameId,
      sessionIndexes: logout.sessionIndexes,
    },
    systemChangeOf(res),
  );
  if (!c.saml.idp.sloUrl) {
    res.status(200).set('Content-Type', 'text/plain; charset=utf-8').send('Signed out.');
    return;
  }
  const { url } = buildLogoutResponse(c.saml, {
    inResponseTo: logout.requestId,
    status: 'success',
    ...(logout.relayState ? { relayState: logout.relayState } : {}),
  });
  res.set('Cache-Control', 'no-store').redirect(302, url);
}

/** The IdP answers a logout Muster began: the browser goes where the person asked to go. */
async function followLogoutResponse(
  deps: SamlSignInDeps,
  req: Request,
  res: Response,
  c: LoadedSamlConnection,
) {
  const value = messageOf(req, 'SAMLResponse') ?? '';
  const incoming =
    req.method === 'GET'
      ? { query: rawQuery(req) }
      : { samlResponse: value, relayState: (req.body as Record<string, string>).RelayState };
  // The request it answers is read under the IdP's signature, then looked up: sent by Muster, once.
  const { inResponseTo } = validateLogoutResponse(c.saml, incoming);
  const logout = await consumeLogin(deps.db, c.saml.id, logoutKey(inResponseTo));
  if (!logout)
    throw new SamlError('saml_unknown_request', 'the LogoutResponse answers no logout Muster began');
  res.set('Cache-Control', 'no-store').redirect(303, logout.returnTo ?? `${deps.publicUrl}/`);
}

/** `GET|POST /sso/saml/{connection}/slo`: the IdP's LogoutRequests and its answers to Muster's. */
export function singleLogoutEndpoint(deps: SamlSignInDeps) {
  return async (req: Request, res: Response): Promise<void> => {
    const connection = await deps.loadConnection(String(req.params.connection ?? ''));
    if (!connection) {
      renderHtmlError(
        res,
        new MusterError('not_found', 'This sign-in connection does not exist'),
        'Sign-out failed',
      );
      return;
    }
    try {
      if (messageOf(req, 'SAMLRequest')) await answerLogoutRequest(deps, req, res, connection);
      else if (messageOf(req, 'SAMLResponse')) await followLogoutResponse(deps, req, res, connection);
      else throw new SamlError('saml_malformed', 'no SAMLRequest or SAMLResponse');
    } catch (error) {
      if (!isSamlError(error)) throw error;
      renderHtmlError(res, error, 'Sign-out failed');
    }
  };
}

/**
 * Begins a sign-out at the IdP after Muster ended its own session: a signed
 * LogoutRequest naming the person and their IdP session. Undefined when the
 * IdP offers no Single Logout.
 */
export async function startSamlLogout(
  deps: SamlSignInDeps,
  connection: LoadedSamlConnection,
  person: { readonly subject: string; readonly sessionIndex: string | null; readonly returnTo: string },
): Promise<string | undefined> {
  if (!connection.saml.idp.sloUrl) return undefined;
  const request = buildLogoutRequest(connection.saml, {
    nameId: person.subject,
    nameIdFormat: effectivePreset(connection.saml).nameIdFormat,
    sessionIndex: person.sessionIndex,
  });
  await beginLogin(deps.db, {
    orgId: connection.orgId,
    connectionId: connection.saml.id,
    requestKey: logoutKey(request.requestId),
    returnTo: person.returnTo,
    browserBinding: null,
  });
  return request.url;
}
