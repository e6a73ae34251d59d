import { randomBytes } from 'node:crypto';
import { SamlError } from './errors.ts';
import type { SamlConnection } from './types.ts';

/** A new message id: an xs:ID must not start with a digit, and 160 random bits cannot be guessed or collide. */
export function messageId(): string {
  return `_${randomBytes(20).toString('hex')}`;
}

/** The IdP's Single Logout URL; the caller offers Single Logout only where the IdP has one. */
export function idpSloUrl(connection: SamlConnection): string {
  const url = connection.idp.sloUrl;
  if (!url) {
    throw new SamlError('saml_logout_unavailable', 'the IdP of this connection offers no Single Logout');
  }
  return url;
}
