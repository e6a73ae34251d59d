import { SamlError } from './errors.ts';
import { escapeXml } from './escape.ts';
import { idpSloUrl, messageId } from './logout-build.ts';
import { type ReadOptions, readLogoutMessage } from './logout-message.ts';
import { ns } from './names.ts';
import { signedRedirectUrl } from './redirect-binding.ts';
import type { SamlConnection } from './types.ts';
import { attr, child, children, text } from './xml.ts';

/** The person to sign out at the IdP, as their sign-in named them (SamlClaims has each field). */
export interface LogoutRequestOptions {
  readonly nameId: string;
  readonly nameIdFormat: string | null;
  readonly sessionIndex: string | null;
  /** Passed back by the IdP untouched; at most 80 bytes (SAML bindings §3.4.3). */
  readonly relayState?: string;
  readonly now?: Date;
}

/** A redirect to the IdP, and the request id its LogoutResponse must answer. */
export interface SamlLogoutRequest {
  readonly url: string;
  readonly requestId: string;
}

/** An IdP-initiated LogoutRequest as it arrived: the raw query of a redirect, or the posted form. */
export type IncomingLogoutRequest =
  | { readonly query: string }
  | { readonly samlRequest: string; readonly relayState?: string };

/** Who the IdP signs out, and which of their sessions. */
export interface ValidatedLogoutRequest {
  /** Answered by the LogoutResponse's InResponseTo. */
  readonly requestId: string;
  readonly nameId: string;
  readonly nameIdFormat: string | null;
  /** The sessions to end; empty means every session of the person at this connection. */
  readonly sessionIndexes: readonly string[];
  readonly issuer: string;
  readonly relayState: string | null;
}

/** When to judge the request, and the XML size cap. */
export type ValidateLogoutRequestOptions = ReadOptions;

// Long enough for a slow redirect through the IdP's login page, short enough that a leaked URL expires.
const lifetimeMs = 5 * 60_000;

/**
 * Builds a signed LogoutRequest to the IdP's Single Logout URL by the
 * HTTP-Redirect binding. The caller keeps `requestId` to check the
 * LogoutResponse against.
 */
export function buildLogoutRequest(
  connection: SamlConnection,
  options: LogoutRequestOptions,
): SamlLogoutRequest {
  const destination = idpSloUrl(connection);
  const requestId = messageId();
  const now = options.now ?? new Date();
  const format = options.nameIdFormat === null ? '' : ` Format="${escapeXml(options.nameIdFormat)}"`;
  const sessionIndex =
    options.sessionIndex === null
      ? ''
      : `<samlp:SessionIndex>${escapeXml(options.sessionIndex)}</samlp:SessionIndex>`;
  const xml =
    `<samlp:LogoutRequest xmlns:samlp="${ns.protocol}" xmlns:saml="${ns.assertion}" ID="${requestId}"` +
    ` Version="2.0" IssueInstant="${now.toISOString()}" Destination="${escapeXml(destination)}"` +
    ` NotOnOrAfter="${new Date(now.getTime() + lifetimeMs).toISOString()}">` +
    `<saml:Issuer>${escapeXml(connection.sp.entityId)}</saml:Issuer>` +
    `<saml:NameID${format}>${escapeXml(options.nameId)}</saml:NameID>` +
    sessionIndex +
    '</samlp:LogoutRequest>';
  const url = signedRedirectUrl(
    destination,
    { parameter: 'SAMLRequest', xml, relayState: options.relayState },
    connection.sp.signing.privateKey,
  );
  return { url, requestId };
}

/**
 * Validates a LogoutRequest from the connection's IdP, by the Redirect
 * binding (`query`: the raw query string, everything after `?`) or the
 * POST binding (`samlRequest`: the form value), and returns whom to sign
 * out. It must be signed by an IdP certificate; see `readLogoutMessage`
 * for the checks and their order. Replay of a request id is the caller's
 * to refuse, as only it keeps state.
 */
export function validateLogoutRequest(
  connection: SamlConnection,
  message: IncomingLogoutRequest,
  options: ValidateLogoutRequestOptions = {},
): ValidatedLogoutRequest {
  const trusted = readLogoutMessage(
    connection,
    'query' in message
      ? { binding: 'redirect', query: message.query }
      : { binding: 'post', value: message.samlRequest, relayState: message.relayState ?? null },
    'LogoutRequest',
    options,
  );
  const { root } = trusted;
  if (child(root, ns.assertion, 'EncryptedID') || child(root, ns.assertion, 'BaseID')) {
    throw new SamlError(
      'saml_logout_invalid',
      'the LogoutRequest names the person by an ID Muster cannot read',
    );
  }
  const nameId = child(root, ns.assertion, 'NameID');
  if (!nameId || text(nameId) === '') {
    throw new SamlError('saml_logout_invalid', 'the LogoutRequest names no one (no NameID)');
  }
  return {
    requestId: trusted.id,
    nameId: text(nameId),
    nameIdFormat: attr(nameId, 'Format'),
    sessionIndexes: children(root, ns.protocol, 'SessionIndex').map(text),
    issuer: trusted.issuer,
    relayState: trusted.relayState,
  };
}
