import type { SecretBox } from '../../infra/crypto/index.ts';

/** A PEM private key (PKCS#8) and its PEM certificate. */
export interface KeyPair {
  readonly privateKey: string;
  readonly certificate: string;
}

/**
 * A connection's secrets, sealed together under MASTER_KEY with the
 * connection's id as associated data, so a sealed value copied onto another
 * connection does not open.
 */
export interface ConnectionSecrets {
  /** SAML: the SP key that signs AuthnRequests. */
  readonly spSigning?: KeyPair;
  /** SAML: the SP key IdPs encrypt assertions to. */
  readonly spEncryption?: KeyPair;
  /** OIDC: the client secret. */
  readonly clientSecret?: string;
  /** OIDC: the key that signs client assertions (private_key_jwt). */
  readonly clientKey?: KeyPair;
}

export function sealSecrets(box: SecretBox, connectionId: string, secrets: ConnectionSecrets): string {
  return box.seal(JSON.stringify(secrets), connectionId);
}

export function openSecrets(box: SecretBox, connectionId: string, sealed: string | null): ConnectionSecrets {
  if (!sealed) return {};
  return JSON.parse(box.open(sealed, connectionId)) as ConnectionSecrets;
}
