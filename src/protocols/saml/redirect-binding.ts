import { sign } from 'node:crypto';
import { deflateRawSync } from 'node:zlib';
import { rsaSha256 } from './names.ts';

/** The query parameter that carries the message: a request, or a response to one. */
export type RedirectParameter = 'SAMLRequest' | 'SAMLResponse';

export interface RedirectMessage {
  readonly parameter: RedirectParameter;
  readonly xml: string;
  /** Passed back untouched; at most 80 bytes (SAML bindings §3.4.3). */
  readonly relayState?: string | undefined;
}

/**
 * A URL carrying a message by the HTTP-Redirect binding: deflated,
 * base64-encoded, and signed with RSA-SHA256 over the query string exactly
 * as it appears in the URL (the message, RelayState, SigAlg).
 *
 * Built here rather than by node-saml, which signs the query escaped by
 * `querystring` but writes the URL with `URLSearchParams`: with a space,
 * `~` or `!` in RelayState the receiver then sees a signature over other
 * bytes. A query the endpoint already has stays in front and is not signed.
 */
export function signedRedirectUrl(endpoint: string, message: RedirectMessage, privateKey: string): string {
  const { relayState } = message;
  if (relayState !== undefined && Buffer.byteLength(relayState, 'utf8') > 80) {
    throw new RangeError('RelayState must not exceed 80 bytes');
  }
  const deflated = deflateRawSync(Buffer.from(message.xml, 'utf8')).toString('base64');
  let query = `${message.parameter}=${encodeURIComponent(deflated)}`;
  if (relayState !== undefined) query += `&RelayState=${encodeURIComponent(relayState)}`;
  query += `&SigAlg=${encodeURIComponent(rsaSha256)}`;
  const signature = sign('sha256', Buffer.from(query, 'utf8'), privateKey).toString('base64');
  query += `&Signature=${encodeURIComponent(signature)}`;
  return `${endpoint}${endpoint.includes('?') ? '&' : '?'}${query}`;
}
