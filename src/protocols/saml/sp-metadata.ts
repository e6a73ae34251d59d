import { pemBody } from '../../infra/crypto/index.ts';
import { escapeXml } from './escape.ts';
import { bindings, ns } from './names.ts';
import { effectivePreset } from './presets.ts';
import type { SamlConnection } from './types.ts';

// What xml-encryption decrypts; GCM first. Key transport is RSA-OAEP only.
const encryptionMethods = [
  'http://www.w3.org/2009/xmlenc11#aes256-gcm',
  'http://www.w3.org/2009/xmlenc11#aes128-gcm',
  'http://www.w3.org/2001/04/xmlenc#aes256-cbc',
  'http://www.w3.org/2001/04/xmlenc#aes128-cbc',
  'http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p',
];

/**
 * The SP metadata of one connection, for the IdP administrator to import:
 * entity id, the ACS (HTTP-POST), signing and encryption certificates,
 * signed AuthnRequests, signed assertions wanted (unless the connection
 * allows unsigned ones), the NameID format, and Single Logout (HTTP-Redirect
 * and HTTP-POST) when the connection has an SLO URL.
 */
export function buildSpMetadata(connection: SamlConnection): string {
  const { sp } = connection;
  const keyDescriptor = (use: 'signing' | 'encryption', certificate: string, extra: string) =>
    `<md:KeyDescriptor use="${use}"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>${pemBody(certificate)}` +
    `</ds:X509Certificate></ds:X509Data></ds:KeyInfo>${extra}</md:KeyDescriptor>`;
  const methods = encryptionMethods.map((m) => `<md:EncryptionMethod Algorithm="${m}"/>`).join('');
  const slo = sp.sloUrl
    ? [bindings.redirect, bindings.post]
        .map((b) => `<md:SingleLogoutService Binding="${b}" Location="${escapeXml(sp.sloUrl ?? '')}"/>`)
        .join('')
    : '';
  const wantSigned = connection.allowUnsignedAssertions === true ? 'false' : 'true';
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<md:EntityDescriptor xmlns:md="${ns.metadata}" xmlns:ds="${ns.dsig}" entityID="${escapeXml(sp.entityId)}">`,
    `<md:SPSSODescriptor AuthnRequestsSigned="true" WantAssertionsSigned="${wantSigned}"`,
    ` protocolSupportEnumeration="${ns.protocol}">`,
    keyDescriptor('signing', sp.signing.certificate, ''),
    keyDescriptor('encryption', sp.encryption.certificate, methods),
    slo,
    `<md:NameIDFormat>${escapeXml(effectivePreset(connection).nameIdFormat)}</md:NameIDFormat>`,
    `<md:AssertionConsumerService Binding="${bindings.post}" Location="${escapeXml(sp.acsUrl)}"`,
    ' index="0" isDefault="true"/>',
    '</md:SPSSODescriptor>',
    '</md:EntityDescriptor>',
  ].join('');
}
