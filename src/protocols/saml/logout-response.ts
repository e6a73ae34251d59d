import { quote, SamlError } from './errors.ts';
import { escapeXml } from './escape.ts';
import { idpSloUrl, messageId } from './logout-build.ts';
import { type ReadOptions, readLogoutMessage } from './logout-message.ts';
import { ns, statusSuccess } from './names.ts';
import { signedRedirectUrl } from './redirect-binding.ts';
import { refuseUnsuccessfulStatus } from './status.ts';
import type { SamlConnection } from './types.ts';
import { attr, child } from './xml.ts';

/** Success with this second-level code: some sessions the logout reached could not be ended. */
const statusPartialLogout = 'urn:oasis:names:tc:SAML:2.0:status:PartialLogout';

export type LogoutStatus = 'success' | 'partial';

export interface LogoutResponseOptions {
  /** The ID of the LogoutRequest answered. */
  readonly inResponseTo: string;
  readonly status: LogoutStatus;
  /** The RelayState the request came with, passed back; at most 80 bytes. */
  readonly relayState?: string;
  readonly now?: Date;
}

/** The IdP's LogoutResponse as it arrived: the raw query of a redirect, or the posted form. */
export type IncomingLogoutResponse =
  | { readonly query: string }
  | { readonly samlResponse: string; readonly relayState?: string };

export interface ValidateLogoutResponseOptions extends ReadOptions {
  /**
   * The requestId of the LogoutRequest Muster sent, when the caller knows it;
   * unset, any request id passes here and the caller looks the signed one up.
   */
  readonly expectedRequestId?: string;
}

export interface ValidatedLogoutResponse {
  readonly inResponseTo: string;
  readonly status: LogoutStatus;
  readonly relayState: string | null;
}

/**
 * Builds a signed LogoutResponse to the IdP's Single Logout URL by the
 * HTTP-Redirect binding, answering an IdP-initiated LogoutRequest.
 */
export function buildLogoutResponse(
  connection: SamlConnection,
  options: LogoutResponseOptions,
): { readonly url: string } {
  const destination = idpSloUrl(connection);
  const now = options.now ?? new Date();
  const partial = options.status === 'partial' ? `<samlp:StatusCode Value="${statusPartialLogout}"/>` : '';
  const xml =
    `<samlp:LogoutResponse xmlns:samlp="${ns.protocol}" xmlns:saml="${ns.assertion}" ID="${messageId()}"` +
    ` Version="2.0" IssueInstant="${now.toISOString()}" Destination="${escapeXml(destination)}"` +
    ` InResponseTo="${escapeXml(options.inResponseTo)}">` +
    `<saml:Issuer>${escapeXml(connection.sp.entityId)}</saml:Issuer>` +
    `<samlp:Status><samlp:StatusCode Value="${statusSuccess}">${partial}</samlp:StatusCode></samlp:Status>` +
    '</samlp:LogoutResponse>';
  const url = signedRedirectUrl(
    destination,
    { parameter: 'SAMLResponse', xml, relayState: options.relayState },
    connection.sp.signing.privateKey,
  );
  return { url };
}

/**
 * Validates the IdP's LogoutResponse to a LogoutRequest Muster sent, by the
 * Redirect binding (`query`: the raw query string, everything after `?`) or
 * the POST binding (`samlResponse`: the form value). A status other than
 * Success is refused with the IdP's status and message, as for sign-in;
 * InResponseTo must be the request the caller stored, so a response to
 * another SP's request, or to none, ends no one's logout.
 */
export function validateLogoutResponse(
  connection: SamlConnection,
  message: IncomingLogoutResponse,
  options: ValidateLogoutResponseOptions = {},
): ValidatedLogoutResponse {
  const trusted = readLogoutMessage(
    connection,
    'query' in message
      ? { binding: 'redirect', query: message.query }
      : { binding: 'post', value: message.samlResponse, relayState: message.relayState ?? null },
    'LogoutResponse',
    options,
    refuseUnsuccessfulStatus,
  );
  const { root } = trusted;
  // Read again from the signed root: the check before the signature was on the message as received.
  refuseUnsuccessfulStatus(root);
  const inResponseTo = attr(root, 'InResponseTo');
  if (!inResponseTo) throw new SamlError('saml_unknown_request', 'the LogoutResponse answers no request');
  if (options.expectedRequestId !== undefined && inResponseTo !== options.expectedRequestId) {
    throw new SamlError(
      'saml_unknown_request',
      `the LogoutResponse answers ${quote(inResponseTo)}, not the LogoutRequest this connection sent`,
    );
  }
  const code = child(child(root, ns.protocol, 'Status') as Element, ns.protocol, 'StatusCode') as Element;
  const second = child(code, ns.protocol, 'StatusCode');
  const status = second && attr(second, 'Value') === statusPartialLogout ? 'partial' : 'success';
  return { inResponseTo, status, relayState: trusted.relayState };
}
