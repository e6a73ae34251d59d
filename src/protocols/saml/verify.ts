import { promisify } from 'node:util';
import { SAML, ValidateInResponseTo } from '@node-saml/node-saml';
import { decrypt } from 'xml-encryption';
import { SamlError } from './errors.ts';
import type { SamlConnection } from './types.ts';
import { capXml, parseXml } from './xml.ts';

const decryptXml = promisify(decrypt);

/**
 * Decrypts an EncryptedAssertion with the connection's encryption key, so
 * that its shape and algorithms can be checked before the signature is.
 * node-saml decrypts again when it verifies; the second decryption is the
 * price of inspecting what it is about to trust.
 */
export async function decryptAssertion(
  encrypted: Element,
  connection: SamlConnection,
  maxBytes: number,
): Promise<Element> {
  let xml: string;
  try {
    xml = await decryptXml(encrypted.toString(), {
      key: connection.sp.encryption.privateKey,
      disallowDecryptionWithInsecureAlgorithm: true,
    });
  } catch (cause) {
    throw new SamlError(
      'saml_decryption_failed',
      'the assertion could not be decrypted with the connection key',
      { cause },
    );
  }
  capXml(xml, maxBytes);
  const root = parseXml(xml).documentElement;
  if (!root) throw new SamlError('saml_malformed', 'the encrypted assertion is empty');
  return root;
}

/**
 * Checks the XML signatures with node-saml against every certificate of the
 * IdP, and returns the assertion exactly as signed: the bytes the signature
 * covers, re-read, never the message as received. node-saml's own checks of
 * time, audience and InResponseTo are switched off here; Muster makes them
 * on what this returns, with its own clock, skew and replay store.
 */
export async function verifySignatures(
  base64: string,
  connection: SamlConnection,
  signed: { readonly response: boolean; readonly assertion: boolean },
): Promise<string> {
  const saml = new SAML({
    callbackUrl: connection.sp.acsUrl,
    issuer: connection.sp.entityId,
    idpCert: [...connection.idp.certificates],
    decryptionPvk: connection.sp.encryption.privateKey,
    // A signature that is present must verify; whether one may be absent was decided before.
    wantAuthnResponseSigned: signed.response,
    wantAssertionsSigned: signed.assertion,
    audience: false,
    acceptedClockSkewMs: -1,
    validateInResponseTo: ValidateInResponseTo.never,
  });
  try {
    const { profile } = await saml.validatePostResponseAsync({ SAMLResponse: base64 });
    const assertion = profile?.getAssertionXml?.();
    if (!assertion) throw new Error('no signed assertion');
    return assertion;
  } catch (cause) {
    const detail = cause instanceof Error ? cause.message : String(cause);
    throw new SamlError(
      'saml_bad_signature',
      `the signature does not verify with the IdP certificates: ${detail}`,
      { cause },
    );
  }
}
