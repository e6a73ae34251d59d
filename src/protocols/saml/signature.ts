import { SignedXml } from 'xml-crypto';
import { SamlError } from './errors.ts';
import { ns } from './names.ts';
import { attr, children, descendants } from './xml.ts';

/**
 * XML parsers turn CR LF into LF (XML 1.0 §2.11); canonicalization must see
 * the text as the signer's parser did.
 */
const normalizeNewlines = (xml: string) => xml.replace(/\r\n?/g, '\n');

/**
 * Checks the enveloped signature of one element with each trusted
 * certificate in turn, and returns the bytes it covers, canonicalized:
 * what is read afterwards comes from there, never from the message as
 * received. Null when the element is unsigned or no certificate verifies
 * it. The shape rules (one signature, placed under the element it signs,
 * ids unique in the message) are the caller's, checked before any key is
 * tried; the reference is checked here once more, as defence in depth.
 */
export function verifiedXmlOf(
  fullXml: string,
  element: Element,
  certificates: readonly string[],
): string | null {
  const signatures = children(element, ns.dsig, 'Signature');
  if (signatures.length === 0) return null;
  if (signatures.length > 1)
    throw new SamlError('saml_wrapped_assertion', 'an element carries two signatures');
  const signature = signatures[0] as Element;
  const transforms = descendants(signature).filter(
    (e) => e.localName === 'Transform' && e.namespaceURI === ns.dsig,
  );
  // Enveloped signature and exclusive canonicalization: anything more is not what IdPs send.
  if (transforms.length > 2)
    throw new SamlError('saml_bad_signature', 'the signature has too many transforms');
  const id = attr(element, 'ID');
  const xml = normalizeNewlines(fullXml);
  for (const certificate of certificates) {
    const verifier = new SignedXml({ publicCert: certificate });
    verifier.loadSignature(signature);
    const references = verifier.getReferences();
    if (references.length !== 1)
      throw new SamlError('saml_wrapped_assertion', 'the signature has several references');
    const uri = references[0]?.uri ?? '';
    if (!id || uri !== `#${id}`)
      throw new SamlError('saml_wrapped_assertion', 'the signature does not reference the element it is in');
    let valid = false;
    try {
      valid = verifier.checkSignature(xml);
    } catch {
      // A malformed or foreign signature fails for this key like a wrong one: the next key may still fit.
    }
    if (!valid) continue;
    const signed = verifier.getSignedReferences();
    if (signed.length !== 1)
      throw new SamlError('saml_bad_signature', 'the signature covers more than one element');
    return signed[0] as string;
  }
  return null;
}
