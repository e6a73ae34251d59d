import { randomBytes, sign } from 'node:crypto';
import { deflateRawSync } from 'node:zlib';
import { escapeXml } from './escape.ts';
import { bindings, ns, rsaSha256 } from './names.ts';
import { effectivePreset } from './presets.ts';
import type { SamlConnection } from './types.ts';

/** A redirect to the IdP, and the request id to remember until the response comes back. */
export interface SamlAuthnRequest {
  readonly url: string;
  readonly requestId: string;
}

export interface AuthnRequestOptions {
  /** Passed back by the IdP untouched; at most 80 bytes (SAML bindings §3.4.3). */
  readonly relayState?: string;
  readonly forceAuthn?: boolean;
  readonly now?: Date;
}

/**
 * Builds a signed AuthnRequest for the HTTP-Redirect binding: the request
 * deflated and base64-encoded, and an RSA-SHA256 signature over the query
 * string exactly as it appears in the URL (SAMLRequest, RelayState, SigAlg).
 * The caller stores `requestId` in its replay store for this connection.
 *
 * Built here rather than by node-saml, which signs the query escaped by
 * `querystring` but writes the URL with `URLSearchParams`: with a space,
 * `~` or `!` in RelayState the IdP then sees a signature over other bytes.
 */
export function buildAuthnRequest(
  connection: SamlConnection,
  options: AuthnRequestOptions = {},
): SamlAuthnRequest {
  const relayState = options.relayState;
  if (relayState !== undefined && Buffer.byteLength(relayState, 'utf8') > 80) {
    throw new RangeError('RelayState must not exceed 80 bytes');
  }
  // An xs:ID must not start with a digit; 160 random bits cannot be guessed or collide.
  const requestId = `_${randomBytes(20).toString('hex')}`;
  const xml = authnRequestXml(connection, requestId, options);
  const encoded = encodeURIComponent(deflateRawSync(Buffer.from(xml, 'utf8')).toString('base64'));
  let query = `SAMLRequest=${encoded}`;
  if (relayState !== undefined) query += `&RelayState=${encodeURIComponent(relayState)}`;
  query += `&SigAlg=${encodeURIComponent(rsaSha256)}`;
  const signature = sign('sha256', Buffer.from(query, 'utf8'), connection.sp.signing.privateKey).toString(
    'base64',
  );
  query += `&Signature=${encodeURIComponent(signature)}`;
  const sso = connection.idp.ssoUrl;
  return { url: `${sso}${sso.includes('?') ? '&' : '?'}${query}`, requestId };
}

function authnRequestXml(
  connection: SamlConnection,
  requestId: string,
  options: AuthnRequestOptions,
): string {
  const now = options.now ?? new Date();
  const attrs = [
    `xmlns:samlp="${ns.protocol}"`,
    `xmlns:saml="${ns.assertion}"`,
    `ID="${requestId}"`,
    'Version="2.0"',
    `IssueInstant="${now.toISOString()}"`,
    `Destination="${escapeXml(connection.idp.ssoUrl)}"`,
    `AssertionConsumerServiceURL="${escapeXml(connection.sp.acsUrl)}"`,
    `ProtocolBinding="${bindings.post}"`,
  ];
  if (options.forceAuthn) attrs.push('ForceAuthn="true"');
  const format = escapeXml(effectivePreset(connection).nameIdFormat);
  return (
    `<samlp:AuthnRequest ${attrs.join(' ')}>` +
    `<saml:Issuer>${escapeXml(connection.sp.entityId)}</saml:Issuer>` +
    `<samlp:NameIDPolicy Format="${format}" AllowCreate="true"/>` +
    '</samlp:AuthnRequest>'
  );
}
