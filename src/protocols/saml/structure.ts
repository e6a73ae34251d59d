import { quote, SamlError } from './errors.ts';
import { ns, sha1Algorithms } from './names.ts';
import { attr, children, descendants } from './xml.ts';

/** What the shape of a message says before any signature is checked. */
export interface MessageShape {
  /** The one Assertion or EncryptedAssertion, a child of the root. */
  readonly assertion: Element;
  readonly encrypted: boolean;
  readonly responseSigned: boolean;
  /** For an encrypted assertion, known only once it is decrypted. */
  readonly assertionSigned: boolean;
}

const idAttributes = ['ID', 'Id', 'id'];

/**
 * Refuses the shapes signature wrapping needs, by local name so that no
 * namespace trick hides an element from these checks while a library finds
 * it: a second Response, an assertion anywhere but directly under the root,
 * a signature anywhere but directly under the root or that assertion, a
 * signature whose one reference is not its own parent, an id used twice.
 * The XSW1–8 attacks each move or copy a signed element, so each breaks one
 * of these before the signature check is reached.
 */
export function inspectResponse(root: Element): MessageShape {
  const all = descendants(root);
  const assertions: Element[] = [];
  for (const el of all) {
    if (el.localName === 'Response' && el !== root) {
      throw new SamlError('saml_wrapped_assertion', 'a Response element is nested inside the message');
    }
    if (el.localName === 'Assertion' || el.localName === 'EncryptedAssertion') {
      if (el.parentNode !== root) {
        throw new SamlError(
          'saml_wrapped_assertion',
          `an ${el.localName} is not a direct child of the Response`,
        );
      }
      assertions.push(el);
    }
  }
  refuseDuplicateIds(all);
  checkSignaturePlacement(all, new Set([root, ...assertions]));
  if (assertions.length > 1) {
    throw new SamlError(
      'saml_multiple_assertions',
      `the message holds ${assertions.length} assertions; one is allowed`,
    );
  }
  const assertion = assertions[0];
  if (!assertion) throw new SamlError('saml_no_assertion', 'the response holds no assertion');
  const encrypted = assertion.localName === 'EncryptedAssertion';
  return {
    assertion,
    encrypted,
    responseSigned: signatureOf(root) !== null,
    assertionSigned: !encrypted && signatureOf(assertion) !== null,
  };
}

/** The same checks for an assertion once decrypted: the assertion is the root, nothing else is signed. */
export function inspectAssertion(assertion: Element): boolean {
  if (assertion.localName !== 'Assertion' || assertion.namespaceURI !== ns.assertion) {
    throw new SamlError('saml_malformed', 'the encrypted content is not an Assertion');
  }
  const all = descendants(assertion);
  for (const el of all) {
    if (el !== assertion && ['Assertion', 'EncryptedAssertion', 'Response'].includes(el.localName ?? '')) {
      throw new SamlError('saml_wrapped_assertion', `an ${el.localName} is nested inside the assertion`);
    }
  }
  refuseDuplicateIds(all);
  checkSignaturePlacement(all, new Set([assertion]));
  return signatureOf(assertion) !== null;
}

/**
 * SHA-1 in the signature method or a reference digest of any signature,
 * unless the connection opted in. Only signatures count: RSA-OAEP key
 * transport names SHA-1 as its mask digest, which is not a signature.
 */
export function refuseSha1(root: Element, allowSha1: boolean): void {
  if (allowSha1) return;
  for (const signature of descendants(root)) {
    if (signature.namespaceURI !== ns.dsig || signature.localName !== 'Signature') continue;
    const signedInfo = children(signature, ns.dsig, 'SignedInfo');
    const methods = signedInfo.flatMap((info) => [
      ...children(info, ns.dsig, 'SignatureMethod'),
      ...children(info, ns.dsig, 'Reference').flatMap((ref) => children(ref, ns.dsig, 'DigestMethod')),
    ]);
    for (const method of methods) {
      const algorithm = attr(method, 'Algorithm') ?? '';
      if (sha1Algorithms.has(algorithm)) {
        throw new SamlError(
          'saml_sha1_refused',
          `${method.localName} ${quote(algorithm)} uses SHA-1; the connection does not allow SHA-1 signatures`,
        );
      }
    }
  }
}

function signatureOf(el: Element): Element | null {
  return children(el, ns.dsig, 'Signature')[0] ?? null;
}

export function refuseDuplicateIds(all: readonly Element[]): void {
  const seen = new Set<string>();
  for (const el of all) {
    for (const name of idAttributes) {
      const id = attr(el, name);
      if (id === null) continue;
      if (seen.has(id)) throw new SamlError('saml_wrapped_assertion', `the id ${quote(id)} is used twice`);
      seen.add(id);
    }
  }
}

/** Each signature sits directly in an element that may be signed and references exactly that element. */
export function checkSignaturePlacement(all: readonly Element[], signable: ReadonlySet<Element>): void {
  const signed = new Set<Node>();
  for (const el of all) {
    if (el.localName !== 'Signature') continue;
    const parent = el.parentNode;
    if (!parent || !signable.has(parent as Element)) {
      throw new SamlError(
        'saml_wrapped_assertion',
        'a Signature is placed outside the Response and its Assertion',
      );
    }
    if (signed.has(parent))
      throw new SamlError('saml_wrapped_assertion', 'an element carries two signatures');
    signed.add(parent);
    const references = descendants(el).filter((d) => d.localName === 'Reference');
    const id = attr(parent as Element, 'ID');
    if (references.length !== 1 || id === null || attr(references[0] as Element, 'URI') !== `#${id}`) {
      throw new SamlError(
        'saml_wrapped_assertion',
        'a Signature does not reference the element that holds it',
      );
    }
  }
}
