import { createPublicKey, type KeyObject, verify } from 'node:crypto';
import { inflateRawSync } from 'node:zlib';
import { quote, SamlError } from './errors.ts';
import { sha1Algorithms } from './names.ts';
import type { RedirectParameter } from './redirect-binding.ts';
import type { SamlConnection } from './types.ts';
import { capXml, utf8 } from './xml.ts';

/** A Redirect-binding query as received: the message, and what its signature covers. */
export interface RedirectQuery {
  readonly xml: string;
  /** RelayState decoded; null when the query has none. */
  readonly relayState: string | null;
  /** The octets the signature covers, rebuilt from the raw parameters; null when unsigned. */
  readonly signed: string | null;
  /** SigAlg and Signature decoded; null when absent. */
  readonly sigAlg: string | null;
  readonly signature: string | null;
}

// RSA only: the binding's signature is PKCS#1 v1.5 over the octets, which is what these name.
const hashes: Readonly<Record<string, string>> = {
  'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256': 'sha256',
  'http://www.w3.org/2001/04/xmldsig-more#rsa-sha384': 'sha384',
  'http://www.w3.org/2001/04/xmldsig-more#rsa-sha512': 'sha512',
  'http://www.w3.org/2000/09/xmldsig#rsa-sha1': 'sha1',
};

const bindingParameters = new Set(['SAMLRequest', 'SAMLResponse', 'RelayState', 'SigAlg', 'Signature']);

interface RawParameter {
  readonly position: number;
  readonly value: string;
}

/**
 * Reads a Redirect-binding query from the raw query string (everything
 * after `?`), never from parsed values: the signature covers the octets
 * as the sender encoded them, and any decoding and re-encoding can change
 * them (`%2f` against `%2F`, `+` against `%20`). Each binding parameter
 * may appear once, so that the value checked and the value read cannot
 * differ; others (the endpoint's own) are left alone.
 */
export function readRedirectQuery(
  query: string,
  parameter: RedirectParameter,
  maxBytes: number,
): RedirectQuery {
  // A real query is a few KiB (browsers and servers cap URLs near 8 KiB); this bounds the work below.
  if (query.length > maxBytes) {
    throw new SamlError('saml_too_large', `the query is longer than ${maxBytes} characters`);
  }
  const raw = new Map<string, RawParameter>();
  query.split('&').forEach((piece, position) => {
    const eq = piece.indexOf('=');
    const name = eq < 0 ? piece : piece.slice(0, eq);
    if (!bindingParameters.has(name)) return;
    if (raw.has(name)) throw new SamlError('saml_malformed', `the query carries ${name} more than once`);
    raw.set(name, { position, value: eq < 0 ? '' : piece.slice(eq + 1) });
  });
  const other: RedirectParameter = parameter === 'SAMLRequest' ? 'SAMLResponse' : 'SAMLRequest';
  if (raw.has(other)) throw new SamlError('saml_malformed', `the query carries ${other}, not ${parameter}`);
  const message = raw.get(parameter);
  if (!message) throw new SamlError('saml_malformed', `the query carries no ${parameter}`);
  const relayState = raw.get('RelayState');
  const sigAlg = raw.get('SigAlg');
  const signature = raw.get('Signature');
  return {
    xml: inflate(decode(message.value, parameter), maxBytes),
    relayState: relayState ? decode(relayState.value, 'RelayState', true) : null,
    signed: sigAlg && signature ? signedOctets(parameter, message, relayState, sigAlg) : null,
    sigAlg: sigAlg ? decode(sigAlg.value, 'SigAlg') : null,
    signature: signature ? decode(signature.value, 'Signature') : null,
  };
}

/**
 * Checks the query signature with each IdP certificate. SHA-1 is refused
 * before any key is tried unless the connection allows it; a SigAlg
 * without a Signature, or the reverse, is an unsigned message.
 */
export function verifyRedirectSignature(query: RedirectQuery, connection: SamlConnection): void {
  if (query.signed === null || query.sigAlg === null || query.signature === null) {
    throw new SamlError('saml_unsigned', 'the message is not signed (the query lacks SigAlg or Signature)');
  }
  if (sha1Algorithms.has(query.sigAlg) && connection.allowSha1Signatures !== true) {
    throw new SamlError(
      'saml_sha1_refused',
      `SigAlg ${quote(query.sigAlg)} uses SHA-1; the connection does not allow SHA-1 signatures`,
    );
  }
  const hash = hashes[query.sigAlg];
  if (!hash) throw new SamlError('saml_bad_signature', `SigAlg ${quote(query.sigAlg)} is not supported`);
  const signature = base64(query.signature, 'Signature');
  const data = Buffer.from(query.signed, 'utf8');
  const verified = connection.idp.certificates.some((pem) => {
    const key = rsaKey(pem);
    return key !== null && verify(hash, data, key, signature);
  });
  if (!verified) {
    throw new SamlError(
      'saml_bad_signature',
      'the query signature does not verify with the IdP certificates',
    );
  }
}

/**
 * SAMLRequest or SAMLResponse, RelayState when present, and SigAlg, raw and
 * in that order (SAML bindings §3.4.4.1). They must also arrive in that
 * order: a conforming sender writes them so, and a query in another order
 * has been rearranged by someone other than the signer.
 */
function signedOctets(
  parameter: RedirectParameter,
  message: RawParameter,
  relayState: RawParameter | undefined,
  sigAlg: RawParameter,
): string {
  const order = [message, relayState, sigAlg].filter((p) => p !== undefined).map((p) => p.position);
  if (order.some((position, i) => i > 0 && position < (order[i - 1] as number))) {
    throw new SamlError(
      'saml_bad_signature',
      `the query does not carry ${parameter}, RelayState and SigAlg in the order they are signed`,
    );
  }
  const relay = relayState ? `&RelayState=${relayState.value}` : '';
  return `${parameter}=${message.value}${relay}&SigAlg=${sigAlg.value}`;
}

/**
 * A parameter's value percent-decoded. Only RelayState, free text, takes
 * `+` as a space (form encoding); in base64 values a bare `+` is a `+`
 * that a lax encoder left unescaped.
 */
function decode(value: string, name: string, plusIsSpace = false): string {
  try {
    return decodeURIComponent(plusIsSpace ? value.replace(/\+/g, ' ') : value);
  } catch {
    throw new SamlError('saml_malformed', `${name} is not percent-encoded text`);
  }
}

function base64(value: string, name: string): Buffer {
  const compact = value.replace(/[\r\n]/g, '');
  if (compact.length === 0 || compact.length % 4 !== 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(compact)) {
    throw new SamlError('saml_malformed', `${name} is not base64`);
  }
  return Buffer.from(compact, 'base64');
}

/** The message inflated, with its size capped while inflating: a few KiB can inflate to gigabytes. */
function inflate(value: string, maxBytes: number): string {
  const deflated = base64(value, 'the message');
  let bytes: Buffer;
  try {
    bytes = inflateRawSync(deflated, { maxOutputLength: maxBytes });
  } catch (cause) {
    if (cause instanceof RangeError) {
      throw new SamlError('saml_too_large', `the message inflates to more than ${maxBytes} bytes of XML`, {
        cause,
      });
    }
    throw new SamlError('saml_malformed', 'the message is not deflated', { cause });
  }
  const xml = utf8(bytes);
  capXml(xml, maxBytes);
  return xml;
}

/** The RSA key of a certificate; one that does not parse, or holds another kind of key, verifies nothing. */
function rsaKey(pem: string): KeyObject | null {
  try {
    const key = createPublicKey(pem);
    return key.asymmetricKeyType === 'rsa' ? key : null;
  } catch {
    return null;
  }
}
