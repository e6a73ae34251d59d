import { SamlError } from './errors.ts';
import { ns } from './names.ts';
import { verifiedXmlOf } from './signature.ts';
import { checkSignaturePlacement, refuseDuplicateIds, refuseSha1 } from './structure.ts';
import type { SamlConnection } from './types.ts';
import { children, descendants, parseXml } from './xml.ts';

// Elements that carry a message of their own: none belongs inside a logout message.
const messageNames = new Set([
  'LogoutRequest',
  'LogoutResponse',
  'Response',
  'Assertion',
  'EncryptedAssertion',
]);

/**
 * The shape rules of signed responses, for a posted logout message: no
 * message nested inside it, no id used twice, one signature at most and
 * only directly under the root, referencing the root. A signature moved or
 * copied for wrapping breaks one of these before any key is tried.
 * Returns whether the root is signed.
 */
export function inspectLogoutMessage(root: Element, allowSha1: boolean): boolean {
  const all = descendants(root);
  for (const el of all) {
    if (el !== root && messageNames.has(el.localName ?? '')) {
      throw new SamlError('saml_wrapped_assertion', `a ${el.localName} is nested inside the message`);
    }
  }
  refuseDuplicateIds(all);
  checkSignaturePlacement(all, new Set([root]));
  refuseSha1(root, allowSha1);
  return children(root, ns.dsig, 'Signature').length > 0;
}

/**
 * Checks the enveloped signature of a posted message with each IdP
 * certificate and returns the root exactly as signed, re-read from the
 * bytes the signature covers: nothing is read from the message as received.
 */
export function verifyPostSignature(xml: string, root: Element, connection: SamlConnection): Element {
  const signed = verifiedXmlOf(xml, root, connection.idp.certificates);
  if (signed === null) {
    throw new SamlError('saml_bad_signature', 'the signature does not verify with the IdP certificates');
  }
  const trusted = parseXml(signed).documentElement as Element;
  if (trusted.localName !== root.localName || trusted.namespaceURI !== root.namespaceURI) {
    throw new SamlError('saml_bad_signature', 'the signature covers another element than the message');
  }
  return trusted;
}
