import { quote, SamlError } from './errors.ts';
import { inspectLogoutMessage, verifyPostSignature } from './logout-post.ts';
import { type RedirectQuery, readRedirectQuery, verifyRedirectSignature } from './logout-redirect.ts';
import { ns } from './names.ts';
import type { RedirectParameter } from './redirect-binding.ts';
import { checkWindow, timeAttr } from './time.ts';
import type { SamlConnection } from './types.ts';
import { attr, child, decodeBase64Xml, defaultMaxXmlBytes, parseXml, text } from './xml.ts';

/** A logout message as it arrived: the raw query of a redirect, or a posted form value. */
export type BoundMessage =
  | { readonly binding: 'redirect'; readonly query: string }
  | { readonly binding: 'post'; readonly value: string; readonly relayState: string | null };

export interface ReadOptions {
  /** The time to judge validity at; the current time when unset. */
  readonly now?: Date;
  /** The XML size cap; 256 KiB when unset. */
  readonly maxBytes?: number;
}

/** A logout message whose signature, issuer, destination and times have been checked. */
export interface TrustedLogoutMessage {
  /** The root as signed: everything read from the message is read from here. */
  readonly root: Element;
  readonly id: string;
  readonly issuer: string;
  /**
   * RelayState as received. The POST binding does not sign it, and no
   * binding says where it may lead: it is never a redirect target by itself.
   */
  readonly relayState: string | null;
}

// The sender makes the message as it redirects the browser here; older is a captured one.
const maxAgeMs = 5 * 60_000;

/**
 * Reads a LogoutRequest or LogoutResponse for a connection, with the
 * order of the response path: size and DTD before any XML work; the root,
 * and `beforeSignature` (a status, which needs no proof to refuse); then
 * the signature; then, from what is signed only, Issuer, Destination and
 * the times, with the connection's clock skew.
 */
export function readLogoutMessage(
  connection: SamlConnection,
  message: BoundMessage,
  kind: 'LogoutRequest' | 'LogoutResponse',
  options: ReadOptions,
  beforeSignature: (root: Element) => void = () => {},
): TrustedLogoutMessage {
  const sloUrl = connection.sp.sloUrl;
  if (!sloUrl) {
    throw new SamlError('saml_logout_unavailable', 'the connection has no Single Logout URL');
  }
  const maxBytes = options.maxBytes ?? defaultMaxXmlBytes;
  const parameter: RedirectParameter = kind === 'LogoutRequest' ? 'SAMLRequest' : 'SAMLResponse';
  const { xml, query } = receive(message, parameter, maxBytes);
  const received = parseXml(xml).documentElement as Element;
  if (received.localName !== kind || received.namespaceURI !== ns.protocol) {
    throw new SamlError('saml_malformed', `the message is not a SAML ${kind}`);
  }
  beforeSignature(received);
  let root: Element;
  if (query) {
    // The signature covers the deflated message whole: what was received is what was signed.
    verifyRedirectSignature(query, connection);
    root = received;
  } else {
    if (!inspectLogoutMessage(received, connection.allowSha1Signatures === true)) {
      throw new SamlError('saml_unsigned', `the ${kind} is not signed`);
    }
    root = verifyPostSignature(xml, received, connection);
  }
  const id = attr(root, 'ID');
  if (!id) throw new SamlError('saml_malformed', `the ${kind} has no ID`);
  if (attr(root, 'Version') !== '2.0') throw new SamlError('saml_malformed', `the ${kind} is not SAML 2.0`);
  const issuer = checkIssuer(root, connection);
  const destination = attr(root, 'Destination');
  if (destination !== null && destination !== sloUrl) {
    throw new SamlError(
      'saml_destination_mismatch',
      `the ${kind} Destination ${quote(destination)} is not this connection's Single Logout URL`,
    );
  }
  checkTimes(root, options.now ?? new Date(), (connection.clockSkewSeconds ?? 60) * 1000);
  return {
    root,
    id,
    issuer,
    relayState: message.binding === 'post' ? message.relayState : (query?.relayState ?? null),
  };
}

/** The message's XML, and for a redirect the query its signature is checked on. */
function receive(
  message: BoundMessage,
  parameter: RedirectParameter,
  maxBytes: number,
): { readonly xml: string; readonly query: RedirectQuery | null } {
  if (message.binding === 'post') return { xml: decodeBase64Xml(message.value, maxBytes).xml, query: null };
  const query = readRedirectQuery(message.query, parameter, maxBytes);
  return { xml: query.xml, query };
}

/** The Issuer the SLO profile requires (SAML profiles §4.4.4.1), and it must be the connection's IdP. */
function checkIssuer(root: Element, connection: SamlConnection): string {
  const issuer = child(root, ns.assertion, 'Issuer');
  if (!issuer || text(issuer) !== connection.idp.entityId) {
    throw new SamlError(
      'saml_issuer_mismatch',
      `the ${root.localName} Issuer ${quote(issuer && text(issuer))} is not the IdP's`,
    );
  }
  return connection.idp.entityId;
}

/**
 * NotOnOrAfter when the sender set one, and IssueInstant always: a logout
 * message without an end would otherwise be good forever to whoever
 * captured it.
 */
function checkTimes(root: Element, now: Date, skewMs: number): void {
  const issued = timeAttr(root, 'IssueInstant');
  if (!issued) throw new SamlError('saml_malformed', `the ${root.localName} has no IssueInstant`);
  if (issued.getTime() > now.getTime() + skewMs) {
    throw new SamlError('saml_not_yet_valid', `the ${root.localName} is issued in the future`);
  }
  if (now.getTime() - skewMs >= issued.getTime() + maxAgeMs) {
    throw new SamlError(
      'saml_expired',
      `the ${root.localName} was issued at ${issued.toISOString()}, more than 5 minutes ago`,
    );
  }
  checkWindow(root, now, skewMs);
}
