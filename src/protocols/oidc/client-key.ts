import { createHash, X509Certificate } from 'node:crypto';
import { exportJWK, importPKCS8, importX509, type JWK } from 'jose';
import type { OidcKeyPair } from './types.ts';

/** The certificate's SHA-256 thumbprint, base64url: the key's `kid` and its `x5t#S256`. */
export function thumbprintOf(certificatePem: string): string {
  return createHash('sha256').update(new X509Certificate(certificatePem).raw).digest('base64url');
}

/**
 * The public half of a connection's client key as a JWK Set, for IdPs that
 * fetch client keys by URL (Okta, Keycloak); the certificate rides along in
 * `x5c` for those that want it.
 */
export async function clientJwks(certificate: string): Promise<{ keys: JWK[] }> {
  const jwk = await exportJWK(await importX509(certificate, 'RS256'));
  const der = new X509Certificate(certificate).raw.toString('base64');
  const kid = thumbprintOf(certificate);
  return { keys: [{ ...jwk, kid, use: 'sig', alg: 'RS256', x5c: [der], 'x5t#S256': kid }] };
}

/** The private half, as openid-client's PrivateKeyJwt takes it. */
export async function clientSigningKey(key: OidcKeyPair) {
  return { key: await importPKCS8(key.privateKey, 'RS256'), kid: thumbprintOf(key.certificate) };
}
