import { promisify } from 'node:util';
import { decrypt } from 'xml-encryption';
import { SamlError } from './errors.ts';
import { ns } from './names.ts';
import { verifiedXmlOf } from './signature.ts';
import type { SamlConnection } from './types.ts';
import { capXml, children, parseXml } from './xml.ts';

const decryptXml = promisify(decrypt);

/**
 * Decrypts an EncryptedAssertion with the connection's encryption key, so
 * that its shape and algorithms can be checked before its signature is.
 */
export async function decryptAssertion(
  encrypted: Element,
  connection: SamlConnection,
  maxBytes: number,
): Promise<{ element: Element; xml: string }> {
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
  return { element: root, xml };
}

/** Where the assertion is: in the message, or decrypted from it (its own document). */
export interface AssertionSource {
  readonly element: Element;
  /** The document the assertion's own signature is checked in. */
  readonly xml: string;
  readonly encrypted: boolean;
}

const badSignature = (what: string) =>
  new SamlError('saml_bad_signature', `the ${what} signature does not verify with the IdP certificates`);

/**
 * Checks the XML signatures with every certificate of the IdP (each one
 * present must verify; whether one may be absent was decided before) and
 * returns the assertion exactly as signed: its own signature's bytes, or
 * else the one inside the signed response (for an encrypted assertion, the
 * response's signature covers the ciphertext it was decrypted from).
 */
export function verifySignatures(
  response: { readonly xml: string; readonly element: Element },
  assertion: AssertionSource,
  connection: SamlConnection,
  signed: { readonly response: boolean; readonly assertion: boolean },
): string {
  const certificates = connection.idp.certificates;
  let signedResponse: string | null = null;
  if (signed.response) {
    signedResponse = verifiedXmlOf(response.xml, response.element, certificates);
    if (signedResponse === null) throw badSignature('response');
  }
  if (signed.assertion) {
    const signedAssertion = verifiedXmlOf(assertion.xml, assertion.element, certificates);
    if (signedAssertion === null) throw badSignature('assertion');
    return signedAssertion;
  }
  if (assertion.encrypted) return assertion.xml;
  const within = signedResponse && parseXml(signedResponse).documentElement;
  const only = within ? children(within, ns.assertion, 'Assertion') : [];
  if (only.length !== 1) throw new SamlError('saml_bad_signature', 'no signature covers the assertion');
  return (only[0] as Element).toString();
}
