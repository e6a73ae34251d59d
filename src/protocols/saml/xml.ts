import { DOMParser } from '@xmldom/xmldom';
import { SamlError } from './errors.ts';

/** 256 KiB of XML: far above any real sign-in, far below what blocks the event loop in signature checks. */
export const defaultMaxXmlBytes = 256 * 1024;

const ELEMENT_NODE = 1;

/**
 * Refuses DTDs before any parser sees the text: a DOCTYPE is never part of
 * a SAML message, and entity expansion is how XML bombs and external entity
 * reads begin.
 */
export function refuseDoctype(xml: string): void {
  if (/<!DOCTYPE/i.test(xml) || /<!ENTITY/i.test(xml)) {
    throw new SamlError('saml_doctype_refused', 'XML with a DOCTYPE or ENTITY declaration is refused');
  }
}

/**
 * The XML of a base64 form value, with the size capped before decoding and
 * the DTD refused before parsing. Line breaks in the base64 are allowed, as
 * some IdPs wrap it.
 */
export function decodeBase64Xml(
  value: string,
  maxBytes = defaultMaxXmlBytes,
): { xml: string; base64: string } {
  const maxEncoded = Math.ceil(maxBytes / 3) * 4;
  // The whitespace strip below walks the whole string: bound it first.
  if (value.length > maxEncoded * 2) throw tooLarge(maxBytes);
  const base64 = value.replace(/[\r\n\t ]/g, '');
  if (base64.length > maxEncoded) throw tooLarge(maxBytes);
  if (base64.length === 0 || base64.length % 4 !== 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(base64)) {
    throw new SamlError('saml_malformed', 'SAMLResponse is not base64');
  }
  const bytes = Buffer.from(base64, 'base64');
  if (bytes.length > maxBytes) throw tooLarge(maxBytes);
  return { xml: utf8(bytes), base64 };
}

/** Text that is UTF-8, as SAML messages are; anything else is refused rather than guessed at. */
export function utf8(bytes: Uint8Array): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new SamlError('saml_malformed', 'the message is not UTF-8');
  }
}

/** Caps a string of XML (metadata, decrypted content) by its UTF-8 size. */
export function capXml(xml: string, maxBytes: number): void {
  if (xml.length > maxBytes || Buffer.byteLength(xml, 'utf8') > maxBytes) throw tooLarge(maxBytes);
}

function tooLarge(maxBytes: number): SamlError {
  return new SamlError('saml_too_large', `the message is larger than ${maxBytes} bytes of XML`);
}

/**
 * Parses XML that has already passed `refuseDoctype`. The parser's warnings
 * count as errors too: a message it had to repair is not one to trust.
 */
export function parseXml(xml: string): Document {
  refuseDoctype(xml);
  const problems: string[] = [];
  const record = (message: string) => problems.push(message.split('\n')[0] ?? message);
  let doc: Document;
  try {
    doc = new DOMParser({
      errorHandler: { warning: record, error: record, fatalError: record },
    }).parseFromString(xml, 'text/xml');
  } catch (cause) {
    throw new SamlError('saml_malformed', 'the message is not well-formed XML', { cause });
  }
  if (problems.length > 0 || !doc.documentElement) {
    throw new SamlError(
      'saml_malformed',
      `the message is not well-formed XML: ${problems[0] ?? 'no root element'}`,
    );
  }
  return doc;
}

/** Child elements, optionally only those of one namespace and local name. */
export function children(parent: Node, namespace?: string, localName?: string): Element[] {
  const out: Element[] = [];
  for (let node = parent.firstChild; node; node = node.nextSibling) {
    if (node.nodeType !== ELEMENT_NODE) continue;
    const el = node as Element;
    if (namespace !== undefined && el.namespaceURI !== namespace) continue;
    if (localName !== undefined && el.localName !== localName) continue;
    out.push(el);
  }
  return out;
}

/** The one child of that name, or null; several are refused as a malformed message. */
export function child(parent: Node, namespace: string, localName: string): Element | null {
  const found = children(parent, namespace, localName);
  if (found.length > 1) throw new SamlError('saml_malformed', `more than one ${localName} element`);
  return found[0] ?? null;
}

/** Every element below `root` (itself included), in document order, without recursion. */
export function descendants(root: Element): Element[] {
  const out: Element[] = [];
  const stack: Element[] = [root];
  while (stack.length > 0) {
    const el = stack.pop() as Element;
    out.push(el);
    const kids = children(el);
    for (let i = kids.length - 1; i >= 0; i--) stack.push(kids[i] as Element);
  }
  return out;
}

/**
 * All the text inside an element, comments skipped and the pieces around
 * them joined: `alice@x.test<!---->.evil.example` reads as the whole
 * address, never as its first piece.
 */
export function text(el: Element): string {
  return (el.textContent ?? '').trim();
}

/** An attribute's value, or null when it is absent. */
export function attr(el: Element, name: string): string | null {
  return el.hasAttribute(name) ? el.getAttribute(name) : null;
}
