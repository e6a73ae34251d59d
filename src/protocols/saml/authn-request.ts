import { randomBytes } from 'node:crypto';
import { escapeXml } from './escape.ts';
import { bindings, ns } from './names.ts';
import { effectivePreset } from './presets.ts';
import { signedRedirectUrl } from './redirect-binding.ts';
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
 * Builds a signed AuthnRequest for the HTTP-Redirect binding (see
 * `signedRedirectUrl` for how the query is signed). The caller stores
 * `requestId` in its replay store for this connection.
 */
export function buildAuthnRequest(
  connection: SamlConnection,
  options: AuthnRequestOptions = {},
): SamlAuthnRequest {
  // An xs:ID must not start with a digit; 160 random bits cannot be guessed or collide.
  const requestId = `_${randomBytes(20).toString('hex')}`;
  const xml = authnRequestXml(connection, requestId, options);
  const url = signedRedirectUrl(
    connection.idp.ssoUrl,
    { parameter: 'SAMLRequest', xml, relayState: options.relayState },
    connection.sp.signing.privateKey,
  );
  return { url, requestId };
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
